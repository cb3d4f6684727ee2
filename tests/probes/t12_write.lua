-- t12_write: a write is one send(): partial writes show on nonblocking
-- sockets (and when SO_SNDTIMEO expires), then EAGAIN without a warning;
-- the length is clamped to the data; writing after the peer closed or after
-- shutdown(1) gives EPIPE; SO_LINGER 0 makes close send a reset.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")
local srv, cli, conn, port = pair()
echo("-- nonblocking write of 20 MiB with no reader: partial count\n")
socket_set_nonblock(cli)
local data = string.rep("x", 20 * 1024 * 1024)
local n = socket_write(cli, data)
show("partial", type(n) == "number" and n > 0 and n < #data)
echo("-- writing on until the buffers are full: false + EAGAIN, no warning\n")
-- (Buffers may still grow after the first EAGAIN, so go on until a write and
-- the send right after it both fail.)
local m
for _ = 1, 200 do
	n = socket_write(cli, data)
	m = 0
	if n == false then
		m = socket_send(cli, data, #data, 0)
	end
	if n == false and m == false then
		break
	end
end
show("write, send", n, m, socket_last_error(cli))
echo("-- blocking write with SO_SNDTIMEO and no reader: partial count after the timeout\n")
local srv6, c6, s6 = pair("6")
socket_set_option(c6, SOL_SOCKET, SO_SNDTIMEO, { sec = 0, usec = 100000 })
local t = now()
n = socket_write(c6, data)
show("partial", type(n) == "number" and n > 0 and n < #data, now() - t >= 0.05)
echo("-- the length is clamped to the data\n")
local srv2, c2, s2 = pair("2")
show("write 'abc' 100", socket_write(c2, "abc", 100))
show("write 'abc' 0", socket_write(c2, "abc", 0))
show("write 'abc' nil", socket_write(c2, "abc", nil))
show("send 'abcdef' 2", socket_send(c2, "abcdef", 2, 0))
show("send 'abc' 0", socket_send(c2, "abc", 0, 0))
waitbytes(s2, 8)
show("read", socket_read(s2, 100))
echo("-- writing to a peer that has closed: the first write draws a reset, then EPIPE\n")
socket_close(s2)
waitr(c2)
show("write one", socket_write(c2, "one"))
local err = 0
poll_until(function()
	err = socket_get_option(c2, SOL_SOCKET, SO_ERROR)
	return err ~= 0
end)
show("SO_ERROR once the reset arrived", err)
show("write two", socket_write(c2, "two"))
show("last_error", socket_last_error(c2), socket_last_error())
show("send three", socket_send(c2, "three", 5, 0))
show("read", socket_read(c2, 100))
echo("-- EPIPE after shutdown(1)\n")
local srv5, c5, s5 = pair("5")
socket_shutdown(c5, 1)
show("write", socket_write(c5, "x"))
show("send", socket_send(c5, "x", 1, 0))
show("last_error", socket_last_error(c5))
echo("-- SO_LINGER 0: close sends a reset, the peer's read fails with 104\n")
local srv4, c4, s4 = pair("4")
show("set SO_LINGER", socket_set_option(c4, SOL_SOCKET, SO_LINGER, { l_onoff = 1, l_linger = 0 }))
show("get SO_LINGER", socket_get_option(c4, SOL_SOCKET, SO_LINGER))
socket_close(c4)
waitr(s4)
show("read", socket_read(s4, 100))
show("last_error", socket_last_error(s4))
show("recv", socket_recv(s4, 100, 0))
show("write", socket_write(s4, "x"))
