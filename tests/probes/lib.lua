-- The probes' own helpers (TCP pairs, waits, a closed port), over the
-- canonical printer of every parity twin (tests/lib/show.lua); lib.php is
-- the PHP twin. Load it with
--   dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

dofile((arg[0]:match("^(.*)/") or ".") .. "/../lib/show.lua")

-- pair returns listener, client, accepted, port: a TCP connection on
-- 127.0.0.1 inside one process; the listener was bound to port 0.
function pair(sfx)
	sfx = sfx or ""
	local srv = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "srv" .. sfx)
	socket_set_option(srv, SOL_SOCKET, SO_REUSEADDR, 1)
	socket_bind(srv, "127.0.0.1", 0)
	local _, _, port = socket_getsockname(srv)
	socket_listen(srv)
	local cli = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "cli" .. sfx)
	socket_connect(cli, "127.0.0.1", port)
	local conn = name(socket_accept(srv), "conn" .. sfx)
	return srv, cli, conn, port
end

-- waitr waits (at most 5 s) until s is readable: data, EOF, a reset or a
-- pending connection. It stands in for the original probes' sleeps.
function waitr(s)
	return socket_select({ s }, nil, nil, 5)
end

-- waitw waits (at most 5 s) until s is writable.
function waitw(s)
	return socket_select(nil, { s }, nil, 5)
end

-- waitbytes blocks until n bytes are queued on s, without consuming them.
function waitbytes(s, n)
	return (socket_recv(s, n, MSG_PEEK + MSG_WAITALL))
end

local keep = {}

-- closedport returns a loopback port nobody listens on: it is bound (so
-- nobody else can take it) but not listening, so connecting is refused.
function closedport()
	local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
	socket_bind(s, "127.0.0.1", 0)
	local _, _, port = socket_getsockname(s)
	keep[#keep + 1] = s
	return port
end

local idle

-- poll_until calls fn until it returns true, napping 10 ms between calls
-- (in select on a listener nobody connects to), for at most 5 s.
function poll_until(fn)
	if idle == nil then
		idle = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
		socket_bind(idle, "127.0.0.1", 0)
		socket_listen(idle)
	end
	for _ = 1, 500 do
		if fn() then
			return true
		end
		socket_select({ idle }, nil, nil, 0, 10000)
	end
	return false
end

-- The arguments the test gives every probe: a scratch directory (for AF_UNIX
-- paths) and the port of its sink peer (it reads a connection to EOF, then
-- answers with the byte count and "\n").
TMP = arg[1] or "/tmp"
SINK = tonumber(arg[2] or 0)
