-- Helpers for the Lua half of the datagram/Unix/nonblocking twins (see
-- tests/udp_test.go). lib.php is the PHP twin: both print the same text for
-- the same behaviour, one observation per line: "label: v1, v2, ...", with
-- nil, true/false, integers, "quoted strings" (C-like escapes), <Socket>,
-- and {k=v, ...} tables (integer keys first, then string keys).
-- Load it with: dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

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

function render(v)
	local t = type(v)
	if v == nil then
		return "nil"
	elseif t == "boolean" then
		return tostring(v)
	elseif t == "number" then
		if v == math.floor(v) then
			return string.format("%d", v)
		end
		return string.format("%.14g", v)
	elseif t == "string" then
		return quote(v)
	elseif t == "userdata" then
		return "<Socket>"
	elseif t == "table" then
		local ints, strs = {}, {}
		for k in pairs(v) do
			if type(k) == "number" then
				ints[#ints + 1] = k
			else
				strs[#strs + 1] = k
			end
		end
		table.sort(ints)
		table.sort(strs)
		local items = {}
		for _, k in ipairs(ints) do
			items[#items + 1] = string.format("%d", k) .. "=" .. render(v[k])
		end
		for _, k in ipairs(strs) do
			items[#items + 1] = k .. "=" .. render(v[k])
		end
		return "{" .. table.concat(items, ", ") .. "}"
	end
	return "<" .. t .. ">"
end

-- show prints every value it is given, nils included.
function show(label, ...)
	local n = select("#", ...)
	local vs = { ... }
	local out = {}
	for i = 1, n do
		out[i] = render(vs[i])
	end
	if n == 0 then
		out[1] = "nil"
	end
	echo(label, ": ", table.concat(out, ", "), "\n")
end

-- attempt runs fn and shows its first result, or the message it raised
-- (without Lua's "file:line: " prefix).
function attempt(label, fn)
	local ok, r = pcall(fn)
	if ok then
		show(label, r)
	else
		echo(label, ": error: ", (tostring(r):gsub("^[^\n]-:%d+: ", "", 1)), "\n")
	end
end

-- now is wall-clock seconds (gopher-lua's os.clock counts from the start).
function now()
	return os.clock()
end

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
