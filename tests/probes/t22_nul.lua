-- t22_nul: NUL bytes pass through every call unchanged (write/send/read/
-- recv, PHP_NORMAL_READ does not stop at them); blocking NORMAL_READ at a
-- clean EOF; a mode other than PHP_NORMAL_READ reads binary. Also a NUL
-- inside an address string.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")
local srv, cli, conn, port = pair()
socket_write(cli, "ab\0cd\nrest\n")
show("normal", socket_read(conn, 100, PHP_NORMAL_READ))
echo("-- binary-safe write/send/read/recv\n")
local bin = "\0\1\2\255\254\0\r\n\0"
show("write", socket_write(cli, bin))
show("send", socket_send(cli, "\0\0", 2, 0))
show("queued", waitbytes(conn, 16))
show("normal", socket_read(conn, 100, PHP_NORMAL_READ))
show("binary", socket_read(conn, 5))
show("recv", socket_recv(conn, 100, 0))
echo("-- a large binary string survives the round trip\n")
local parts = {}
for i = 0, 255 do
	parts[#parts + 1] = string.char(i)
end
local big = string.rep(table.concat(parts), 273) .. "\0"
show("write", socket_write(cli, big))
local n, got = socket_recv(conn, 69889, MSG_WAITALL)
show("recv waitall", n, got == big)
echo("-- blocking NORMAL_READ at a clean EOF\n")
socket_write(cli, "x\n")
socket_close(cli)
show("normal", socket_read(conn, 100, PHP_NORMAL_READ))
show("normal", socket_read(conn, 100, PHP_NORMAL_READ), socket_last_error(conn))
show("normal", socket_read(conn, 100, PHP_NORMAL_READ), socket_last_error(conn))
echo("-- mode values other than 1 read binary\n")
local srv2, c2, s2 = pair("2")
socket_write(c2, "a\nb\n")
waitbytes(s2, 4)
show("mode 0", socket_read(s2, 100, 0))
socket_write(c2, "c\nd\n")
waitbytes(s2, 4)
show("mode 3", socket_read(s2, 100, 3))
echo("-- a NUL inside an address string\n")
local c3 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("connect '127.0.0.1\\0junk'", socket_connect(c3, "127.0.0.1\0junk", port))
