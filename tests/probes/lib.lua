-- Helpers shared by the Lua half of every parity probe; lib.php is the PHP
-- twin and must print byte for byte the same text for the same behaviour
-- (see the convention described there). Load it with
--   dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

local names = setmetatable({}, { __mode = "k" })

-- name registers a display name for a socket and returns the socket.
function name(s, n)
	if type(s) == "userdata" then
		names[s] = n
	end
	return s
end

function quote(s)
	local out = { '"' }
	for i = 1, #s do
		local c = s:sub(i, i)
		local b = c:byte()
		if c == "\\" or c == '"' then
			out[#out + 1] = "\\" .. c
		elseif c == "\n" then
			out[#out + 1] = "\\n"
		elseif c == "\r" then
			out[#out + 1] = "\\r"
		elseif c == "\t" then
			out[#out + 1] = "\\t"
		elseif b == 0 then
			out[#out + 1] = "\\0"
		elseif b < 32 or b >= 127 then
			out[#out + 1] = string.format("\\x%02x", b)
		else
			out[#out + 1] = c
		end
	end
	out[#out + 1] = '"'
	return table.concat(out)
end

local function renderNumber(v)
	if v == math.floor(v) and math.abs(v) < 2 ^ 53 then
		return string.format("%d", v)
	end
	return string.format("%.14g", v)
end

function render(v)
	local t = type(v)
	if v == nil then
		return "nil"
	elseif t == "boolean" then
		return tostring(v)
	elseif t == "number" then
		return renderNumber(v)
	elseif t == "string" then
		return quote(v)
	elseif t == "userdata" then
		return "<" .. (names[v] or "Socket") .. ">"
	elseif t == "table" then
		local ints, strs = {}, {}
		for k in pairs(v) do
			if type(k) == "number" then
				ints[#ints + 1] = k
			else
				strs[#strs + 1] = tostring(k)
			end
		end
		table.sort(ints)
		table.sort(strs)
		local items = {}
		for _, k in ipairs(ints) do
			items[#items + 1] = renderNumber(k) .. "=" .. render(v[k])
		end
		for _, k in ipairs(strs) do
			items[#items + 1] = k .. "=" .. render(v[k])
		end
		return "{" .. table.concat(items, ", ") .. "}"
	end
	return "<" .. t .. ">"
end

local function renderAll(n, ...)
	local vs = { ... }
	if n == 0 then
		return "nil"
	end
	local out = {}
	for i = 1, n do
		out[i] = render(vs[i])
	end
	return table.concat(out, ", ")
end

function show(label, ...)
	echo(label, ": ", renderAll(select("#", ...), ...), "\n")
end

local function isList(t)
	local n = 0
	for _ in pairs(t) do
		n = n + 1
	end
	for i = 1, n do
		if t[i] == nil then
			return false
		end
	end
	return true
end

function showlist(label, v)
	if type(v) == "table" and isList(v) then
		local out = {}
		for i = 1, #v do
			out[i] = render(v[i])
		end
		echo(label, ": [", table.concat(out, ", "), "]\n")
	else
		show(label, v)
	end
end

-- errmsg drops the "file:line: " position Lua puts before an error message.
function errmsg(e)
	local s = tostring(e)
	return (s:gsub("^[^\n]-:%d+: ", "", 1))
end

local function pack(...)
	return { n = select("#", ...), ... }
end

-- attempt runs fn and shows what it returned, or the message it raised.
function attempt(label, fn)
	local r = pack(pcall(fn))
	if not r[1] then
		echo(label, ": error: ", errmsg(r[2]), "\n")
		return
	end
	show(label, unpack(r, 2, r.n))
end

function now()
	return os.clock() -- gopher-lua: wall-clock seconds since start
end

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
