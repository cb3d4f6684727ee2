-- unix_server: an AF_UNIX stream server at the path arg[1] for Go clients
-- (tests/unix_test.go). It serves arg[2] clients one after the other: each
-- sends an 8-digit length and that many bytes; the reply is "got N\n" and
-- the bytes back. Then it prints "done" and exits.
local path, clients = arg[1], tonumber(arg[2])
local l = socket_create(AF_UNIX, SOCK_STREAM, 0)
if not socket_bind(l, path) or not socket_listen(l, 5) then
	die("cannot listen\n")
end
local _, name = socket_getsockname(l)
echo("listening on ", name, "\n")
for _ = 1, clients do
	local c = socket_accept(l)
	local _, head = socket_recv(c, 8, MSG_WAITALL)
	local size = tonumber(head)
	local data = ""
	if size > 0 then
		_, data = socket_recv(c, size, MSG_WAITALL)
	end
	local reply = "got " .. #data .. "\n" .. data
	local sent = socket_write(c, reply)
	echo("served ", #data, " bytes, wrote ", sent, "\n")
	socket_close(c)
end
socket_close(l)
echo("done\n")
