-- nonblock: nonblocking I/O as PHP does it, inside one process: would-block
-- reads/accepts fail silently with 11 (the accept quirk included), a
-- nonblocking connect (115, then select and SO_ERROR), MSG_DONTWAIT,
-- MSG_PEEK, MSG_WAITALL at EOF, MSG_OOB and select's except set,
-- SO_RCVTIMEO, SO_SNDTIMEO, a partial 20 MiB write, NORMAL_READ at EOF.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

local srv, cli, conn, port = tcppair()
echo("-- nonblocking reads with no data\n")
show("set_nonblock", socket_set_nonblock(conn))
show("read", socket_read(conn, 100))
show("last_error", socket_last_error(conn), socket_last_error(), socket_strerror(socket_last_error(conn)))
socket_clear_error(conn)
local n, buf = socket_recv(conn, 100, 0)
show("recv", n, buf)
show("last_error", socket_last_error(conn))
socket_clear_error(conn)
show("recvfrom", (socket_recvfrom(conn, 100, 0)))
show("last_error", socket_last_error(conn))
n, buf = socket_recv(conn, 100, MSG_PEEK)
show("recv MSG_PEEK", n, buf)
show("write", socket_write(cli, "data"))
show("readable", waitr(conn))
show("read", socket_read(conn, 100))

echo("-- nonblocking accept: the error is global, not the listener's\n")
show("set_nonblock", socket_set_nonblock(srv))
socket_clear_error(srv)
socket_clear_error()
show("accept", socket_accept(srv))
show("last_error", socket_last_error(srv), socket_last_error())

echo("-- nonblocking connect\n")
local c2 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("set_nonblock", socket_set_nonblock(c2))
show("connect", socket_connect(c2, "127.0.0.1", port))
show("last_error", socket_last_error(c2), socket_strerror(socket_last_error(c2)))
show("writable", waitw(c2))
show("SO_ERROR", socket_get_option(c2, SOL_SOCKET, SO_ERROR))
show("listener readable", waitr(srv))
local a2 = socket_accept(srv)
show("accept", a2)
show("write", socket_write(c2, "hello"))
show("read", socket_read(a2, 100))
local c3 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
socket_set_nonblock(c3)
show("connect closed port", socket_connect(c3, "127.0.0.1", closedport()))
show("last_error", socket_last_error(c3))
show("writable", waitw(c3))
show("SO_ERROR", socket_get_option(c3, SOL_SOCKET, SO_ERROR))
show("SO_ERROR again", socket_get_option(c3, SOL_SOCKET, SO_ERROR))
show("last_error", socket_last_error(c3))

echo("-- MSG_DONTWAIT on a blocking socket\n")
show("set_block", socket_set_block(conn))
socket_clear_error(conn)
n, buf = socket_recv(conn, 100, MSG_DONTWAIT)
show("recv", n, buf)
show("last_error", socket_last_error(conn))
show("write", socket_write(cli, "dw"))
show("readable", waitr(conn))
n, buf = socket_recv(conn, 100, MSG_DONTWAIT)
show("recv", n, buf)

echo("-- MSG_PEEK\n")
show("write", socket_write(cli, "abcdefghij"))
n, buf = socket_recv(conn, 10, MSG_PEEK + MSG_WAITALL)
show("recv PEEK|WAITALL", n, buf)
n, buf = socket_recv(conn, 4, MSG_PEEK)
show("recv PEEK 4", n, buf)
n, buf = socket_recv(conn, 4, 0)
show("recv 4", n, buf)
n, buf = socket_recv(conn, 100, 0)
show("recv", n, buf)

echo("-- MSG_WAITALL: EOF before the length\n")
show("write", socket_write(cli, "xy"))
show("shutdown", socket_shutdown(cli, 1))
n, buf = socket_recv(conn, 10, MSG_WAITALL)
show("recv WAITALL 10", n, buf)
n, buf = socket_recv(conn, 10, MSG_WAITALL)
show("recv WAITALL at EOF", n, buf)

echo("-- MSG_OOB\n")
local _, cli2, conn2 = tcppair()
show("send", socket_send(cli2, "ab", 2, 0))
show("send MSG_OOB", socket_send(cli2, "!", 1, MSG_OOB))
local r, e = { conn2 }, { conn2 }
show("select", socket_select(r, nil, e, 5), #r, #e)
n, buf = socket_recv(conn2, 1, MSG_OOB)
show("recv MSG_OOB", n, buf)
n, buf = socket_recv(conn2, 100, 0)
show("recv", n, buf)
r, e = { conn2 }, { conn2 }
show("select", socket_select(r, nil, e, 0), #r, #e)
n, buf = socket_recv(conn2, 1, MSG_OOB)
show("recv MSG_OOB again", n, buf)

echo("-- SO_RCVTIMEO\n")
show("set", socket_set_option(conn2, SOL_SOCKET, SO_RCVTIMEO, { sec = 0, usec = 300000 }))
show("get", socket_get_option(conn2, SOL_SOCKET, SO_RCVTIMEO))
socket_clear_error(conn2)
local t0 = now()
show("read", socket_read(conn2, 100))
show("waited at least the timeout", now() - t0 >= 0.29)
show("last_error", socket_last_error(conn2))
t0 = now()
n, buf = socket_recv(conn2, 100, 0)
show("recv", n, buf)
show("waited at least the timeout", now() - t0 >= 0.29)
show("write", socket_write(cli2, "in time"))
show("read", socket_read(conn2, 100))

echo("-- SO_SNDTIMEO\n")
local _, cli3, conn3 = tcppair()
local big = "0123456789abcdefghij" -- doubled 20 times: 20 MiB
for _ = 1, 20 do
	big = big .. big
end
show("set", socket_set_option(cli3, SOL_SOCKET, SO_SNDTIMEO, { sec = 0, usec = 100000 }))
show("get", socket_get_option(cli3, SOL_SOCKET, SO_SNDTIMEO))
t0 = now()
n = socket_write(cli3, big)
show("partial", n > 0 and n < #big, now() - t0 >= 0.09)
local tries = 0
repeat
	tries = tries + 1
	n = socket_write(cli3, big)
until n == false or tries == 30
show("until", n, socket_last_error(cli3))

echo("-- 20 MiB on a nonblocking socket with no reader\n")
local _, cli4, conn4 = tcppair()
show("set_nonblock", socket_set_nonblock(cli4))
n = socket_write(cli4, big)
show("write", type(n), n > 0 and n < 20971520)
socket_clear_error(cli4)
-- The kernel may still take a little more (its buffers grow as the peer
-- acknowledges), so write until it takes nothing: that write is false, 11.
local again, writes = socket_write(cli4, big), 1
while again and writes < 50 do
	again, writes = socket_write(cli4, big), writes + 1
end
show("write again", again)
show("last_error", socket_last_error(cli4))
show("send", socket_send(cli4, "x", 1, 0))
show("last_error", socket_last_error(cli4))
show("writable", socket_select(nil, { cli4 }, nil, 0))

echo("-- nonblocking NORMAL_READ at EOF\n")
local _, pair = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
socket_set_nonblock(pair[2])
socket_close(pair[1])
show("read", socket_read(pair[2], 10))
show("normal read", socket_read(pair[2], 10, PHP_NORMAL_READ))
n, buf = socket_recv(pair[2], 10, 0)
show("recv", n, buf)
show("last_error", socket_last_error(pair[2]))
