-- Parity twin of pack.php (see there for the case and transcript formats):
-- runs every case of cases.txt through sockrun's pack() and unpack().

-- quote is the canonical printer's (tests/lib/show.lua); numbers and keys
-- are rendered exactly here (renderExact), as pack.php does.
dofile((arg[0]:match("^(.*)/") or ".") .. "/../lib/show.lua")

local function tohex(s)
	return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function fromhex(h)
	return (h:gsub("%x%x", function(d) return string.char(tonumber(d, 16)) end))
end

-- num renders a number as pack.php does: integral values in the int64 range
-- as integers, others in %.17e with PHP's exponent (no leading zeros).
local function num(v)
	if v ~= v then
		return "nan"
	elseif v == 1 / 0 then
		return "inf"
	elseif v == -1 / 0 then
		return "-inf"
	elseif v == math.floor(v) and v >= -2 ^ 63 and v < 2 ^ 63 then
		return string.format("%d", v)
	end
	local s = string.format("%.17e", v)
	return (s:gsub("e([%+%-])0*(%d)", "e%1%2"))
end

local function renderExact(v)
	local t = type(v)
	if t == "nil" then
		return "nil"
	elseif t == "boolean" then
		return tostring(v)
	elseif t == "number" then
		return num(v)
	elseif t == "string" then
		return quote(v)
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
			items[#items + 1] = num(k) .. "=" .. renderExact(v[k])
		end
		for _, k in ipairs(strs) do
			items[#items + 1] = quote(k) .. "=" .. renderExact(v[k])
		end
		return "{" .. table.concat(items, ", ") .. "}"
	end
	return "<" .. t .. ">"
end

local function token(t)
	if t == "nil" then
		return nil
	end
	local kind, text = t:match("^(%a+):(.*)$")
	if kind == "i" or kind == "f" then
		-- Read as a literal: gopher-lua's tonumber rejects exponents ("1e3").
		return assert(loadstring("return " .. text))()
	elseif kind == "s" then
		return text
	elseif kind == "x" then
		return fromhex(text)
	elseif kind == "b" then
		return text == "1"
	elseif kind == "arr" then
		return text == "0" and {} or { 1 }
	end
	error("bad token " .. t)
end

local dir = arg[0]:match("^(.*)/") or "."
for line in io.lines(dir .. "/cases.txt") do
	if line ~= "" and line:sub(1, 1) ~= "#" then
		echo(line, "\n")
		if line:sub(1, 3) ~= "== " then
			local fields = {}
			for f in line:gmatch("[^ ]+") do
				fields[#fields + 1] = f
			end
			local op, format = fields[1], fields[2]
			if format:sub(1, 2) == "x:" then
				format = fromhex(format:sub(3))
			end
			-- Arguments by index: a nil token must stay in its place.
			local args, n = {}, #fields - 2
			for i = 3, #fields do
				args[i - 2] = token(fields[i])
			end
			local fn = op == "pack" and pack or unpack
			local ok, r = pcall(fn, format, unpack(args, 1, n))
			if not ok then
				echo("  error: ", (tostring(r):gsub("^.-:%d+: ", "")), "\n")
			elseif op == "pack" and type(r) == "string" then
				echo("  => ", tohex(r), "\n")
			else
				echo("  => ", renderExact(r), "\n")
			end
		end
	end
end
