-- Helpers for the Lua half of the datagram/Unix/nonblocking twins (see
-- tests/udp_test.go), over the canonical printer of every parity twin
-- (tests/lib/show.lua); lib.php is the PHP twin.
-- Load it with: dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

dofile((arg[0]:match("^(.*)/") or ".") .. "/../lib/show.lua")

-- waitr/waitw wait (at most 5 s) until s is readable/writable.
function waitr(s)
	return socket_select({ s }, nil, nil, 5)
end

function waitw(s)
	return socket_select(nil, { s }, nil, 5)
end

-- tcppair returns listener, client, accepted, port: a TCP connection on
-- 127.0.0.1 inside this process (port 0, read back).
function tcppair()
	local srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
	socket_bind(srv, "127.0.0.1", 0)
	local _, _, port = socket_getsockname(srv)
	socket_listen(srv)
	local cli = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
	socket_connect(cli, "127.0.0.1", port)
	return srv, cli, socket_accept(srv), port
end

-- closedport returns a loopback TCP port that refuses connections: bound
-- (so nobody else takes it) but not listening.
local keep = {}
function closedport()
	local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
	socket_bind(s, "127.0.0.1", 0)
	local _, _, port = socket_getsockname(s)
	keep[#keep + 1] = s
	return port
end

-- TMP is the directory the test gives the script (for Unix socket paths);
-- rel shows a path relative to it, so that both twins print the same.
TMP = arg[1] or "/tmp"
function rel(p)
	if type(p) == "string" and p:sub(1, #TMP) == TMP then
		return "$TMP" .. p:sub(#TMP + 1)
	end
	return p
end
