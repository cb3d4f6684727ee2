-- mime.core's filters, fed whole and in chunks of every size, printed so
-- lua5.1 + LuaSocket and sockrun can be compared. Run: sockrun mime.lua
io.stdout:setvbuf("no")
local core = require("mime.core")

local samples = {
  "", "a", "ab", "abc", "abcd", "hello world\r\n", "line one\r\nline two \r\n\tend\t\r\n",
  "=3D and =\r\nsoft", "caf\233 \0\1\2\255 bytes", string.rep("0123456789", 20) .. "\n" .. string.rep("=", 90),
  "dos\r\nunix\nmac\rmixed\n\rdouble\r\n\r\n.leading dot\r\n..two\r\n", "aGVsbG8gd29ybGQ=", "aGVs\r\nbG8=\n===",
}

local function q(s)
  if s == nil then return "nil" end
  return '"' .. s:gsub("[^%w%p ]", function(c) return "\\" .. c:byte() end) .. '"'
end

-- stream a two-argument filter (b64/unb64/qp/unqp) in chunks of size n
local function stream(f, s, n, extra)
  local out, kept = {}, ""
  for i = 1, #s, n do
    local a, b = f(kept, s:sub(i, i + n - 1), extra)
    out[#out + 1] = a or ""
    kept = b
  end
  local last = f(kept, nil, extra)
  out[#out + 1] = last or ""
  return table.concat(out)
end

-- stream a context filter (wrp/qpwrp/eol/dot)
local function context(f, ctx, s, n, extra)
  local out = {}
  for i = 1, #s, n do
    local a
    a, ctx = f(ctx, s:sub(i, i + n - 1), extra)
    out[#out + 1] = a
  end
  local last, c2 = f(ctx, nil, extra)
  out[#out + 1] = last or ""
  return table.concat(out) .. " ctx=" .. tostring(c2)
end

print(core._VERSION, core.b64(nil), core.b64(nil, "x"))
for _, s in ipairs(samples) do
  print("b64", q(s), q((core.b64(s))), q(core.b64("", s)))
  print("unb64", q(s), q((core.unb64(s))))
  print("qp", q(s), q((core.qp(s))), q((core.qp(s, nil, "\n"))))
  print("unqp", q(s), q((core.unqp(s))))
  for _, n in ipairs({1, 2, 3, 7}) do
    print(" chunks", n, q(stream(core.b64, s, n)), q(stream(core.unb64, s, n)),
      q(stream(core.qp, s, n)), q(stream(core.unqp, s, n)))
    print(" ctx", n, q(context(core.wrp, 10, s, n, 10)), q(context(core.qpwrp, 12, s, n, 12)),
      q(context(core.eol, 0, s, n)), q(context(core.eol, 0, s, n, "\n")), q(context(core.dot, 2, s, n)))
  end
end
print(core.wrp(5, nil, 76), core.wrp(76, nil, 76), core.qpwrp(5, nil), core.eol(0, nil), core.dot(0, nil))
