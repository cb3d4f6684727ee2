-- The canonical printer of every parity twin (tests/parity_test.go): the Lua
-- half. show.php is the PHP half and must print byte for byte the same text
-- for the same behaviour; the output convention is described there. A
-- suite's own helpers (tests/probes/lib.lua, tests/dgram/lib.lua,
-- tests/netdb/nslib.lua) load it with
--   dofile((arg[0]:match("^(.*)/") or ".") .. "/../lib/show.lua")

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
		if names[v] then
			return "<" .. names[v] .. ">"
		elseif tostring(v):match("^Socket") then
			return "<Socket>"
		elseif pcall(socket_addrinfo_explain, v) then
			return "<AddressInfo>"
		end
		return "<userdata>"
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

-- show prints every value it is given, nils included.
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

-- showlist shows a list the runtime created as [v1, v2].
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

-- vals returns several values from an attempt's function (PHP's twin
-- wraps them, as a PHP function returns one value).
function vals(...)
	return ...
end

-- section starts a part of the transcript that the Go test compares on its
-- own (and names in its report).
function section(name)
	echo("== ", name, "\n")
end

-- now is wall-clock seconds (gopher-lua's os.clock counts from the start).
function now()
	return os.clock()
end
