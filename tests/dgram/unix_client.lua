-- unix_client: talks to Go servers (tests/unix_test.go): a stream server at
-- arg[1] (one line out, one line back) and a datagram server at arg[2],
-- from a datagram socket bound to arg[3].
local s = socket_create(AF_UNIX, SOCK_STREAM, 0)
echo("connect: ", tostring(socket_connect(s, arg[1])), "\n")
local _, peer = socket_getpeername(s)
echo("peer: ", peer, "\n")
echo("write: ", socket_write(s, "hello from lua\n"), "\n")
echo("reply: ", socket_read(s, 1024, PHP_NORMAL_READ))
echo("eof: [", socket_read(s, 1024), "]\n")
socket_close(s)

local d = socket_create(AF_UNIX, SOCK_DGRAM, 0)
echo("bind: ", tostring(socket_bind(d, arg[3])), "\n")
echo("sendto: ", socket_sendto(d, "dgram\0one", 9, 0, arg[2]), "\n")
local n, buf, from = socket_recvfrom(d, 100, 0)
echo("recvfrom: ", n, " [", (buf:gsub("%z", "\\0")), "] from ", from, "\n")
