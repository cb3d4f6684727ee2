-- t07_strerror: socket_strerror texts (glibc strerror and hstrerror), and
-- gethostbyname/gethostbynamel on literals and /etc/hosts names only (no
-- name here may reach DNS). Plus a real connection to the looked-up address.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")
for _, c in ipairs({ 0, 1, 2, 4, 9, 11, 13, 22, 24, 32, 88, 90, 92, 93, 95, 97, 98, 99, 100, 101, 103, 104, 105, 106,
	107, 108, 110, 111, 112, 113, 114, 115, 133, 134, 135, 9999, -1, -10000, -10001, -10002, -10003, -10004, -10005, -10099 }) do
	show("strerror(" .. c .. ")", socket_strerror(c))
end
echo("-- gethostbyname\n")
for _, h in ipairs({ "localhost", "LOCALHOST", "127.0.0.1", "127.1", "0177.0.0.1", "1", "", "::1", "256.1.1.1" }) do
	show("gethostbyname(" .. quote(h) .. ")", gethostbyname(h))
end
echo("-- gethostbynamel\n")
for _, h in ipairs({ "localhost", "127.0.0.1", "127.1", "", "::1" }) do
	showlist("gethostbynamel(" .. quote(h) .. ")", gethostbynamel(h))
end
echo("-- connect to what gethostbyname('localhost') gave\n")
local srv, cli, conn, port = pair()
local c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("connect", socket_connect(c, gethostbyname("localhost"), port))
local ok, a, p = socket_getpeername(c)
show("peer", ok, a, p == port)
