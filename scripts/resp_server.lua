-- resp_server.lua: a small Redis-protocol (RESP2) key-value server: strings, DEL/EXISTS, expiry, INCR.
-- Usage: sockrun scripts/resp_server.lua [ADDRESS [PORT]]   (default 127.0.0.1 6379; PORT 0 picks one)
--
-- Try it with: redis-cli -p 6379 SET greeting hello    or inline: printf 'PING\r\n' | nc 127.0.0.1 6379
--
-- Commands: PING [msg], ECHO msg, SET key value [EX seconds | PX ms], GET key,
-- DEL key..., EXISTS key..., EXPIRE key seconds, TTL key, INCR key, QUIT, and
-- the two that redis-cli and redis-benchmark ask for: COMMAND (an empty list)
-- and CONFIG GET (save and appendonly). Replies and error texts are Redis
-- 7's. Requests are RESP arrays of bulk strings (binary-safe) or inline lines
-- with Redis's quoting rules, so nc and telnet work; pipelined requests are
-- answered in order with one write. One task per client (spawn). Keys with a
-- TTL vanish when it passes (checked with microtime on every access, and a
-- task sweeps expired keys every second). Nothing is persisted.

local address = arg[1] or "127.0.0.1"
local port = tonumber(arg[2] or "6379")
if not port or arg[1] == "-h" or arg[1] == "--help" or arg[3] then
  io.stderr:write("usage: sockrun scripts/resp_server.lua [ADDRESS [PORT]]\n")
  os.exit(2)
end

local MAX_INLINE = 64 * 1024            -- Redis's PROTO_INLINE_MAX_SIZE
local MAX_BULK = 512 * 1024 * 1024      -- Redis's proto-max-bulk-len
local MAX_ARGS = 2147483647            -- Redis's limit on a multibulk count (INT_MAX)
local MAX_QUERY = 1024 * 1024 * 1024    -- Redis's client-query-buffer-limit: a request in progress
local INT64_MAX = "9223372036854775807"
local INT64_MIN_ABS = "9223372036854775808"

local function fail(what, sock)
  local code = socket_last_error(sock)
  echo(what .. ": [" .. code .. "] " .. socket_strerror(code) .. " \n")
  exit(1) -- die(message) exits 0, as PHP's
end

---------------------------------------------------------------- replies

local function simple(s) return "+" .. s .. "\r\n" end
local function err(s) return "-" .. s .. "\r\n" end
local function int(n) return ":" .. (type(n) == "number" and string.format("%.0f", n) or n) .. "\r\n" end
local function bulk(s)
  if s == nil then return "$-1\r\n" end
  return "$" .. #s .. "\r\n" .. s .. "\r\n"
end
local function array(list)
  local out = {"*" .. #list .. "\r\n"}
  for i, s in ipairs(list) do out[i + 1] = bulk(s) end
  return table.concat(out)
end

local NOT_INTEGER = err("ERR value is not an integer or out of range")
local SYNTAX = err("ERR syntax error")

local function arity_error(name)
  return err("ERR wrong number of arguments for '" .. name .. "' command")
end

---------------------------------------------------------------- integers

-- is_int64 is Redis's string2ll test: an optional "-", no leading zeros,
-- no "+" or spaces, within 64 bits.
local function is_int64(s)
  if s == "0" then return true end
  if #s > 20 then return false end -- before any pattern: values can be huge
  local neg, digits = s:match("^(%-?)([1-9]%d*)$")
  if not digits or #digits > 19 then return false end
  if #digits < 19 then return true end
  return digits <= (neg == "-" and INT64_MIN_ABS or INT64_MAX)
end

-- int_arg parses an integer argument (exact up to 2^53, which covers any
-- sensible TTL) or returns nil.
local function int_arg(s)
  if is_int64(s) then return tonumber(s) end
end

-- Decimal strings plus or minus one, for INCR on any 64-bit value without
-- the rounding of Lua's doubles.
local function add_one(digits)
  local i = #digits
  while i > 0 and digits:sub(i, i) == "9" do i = i - 1 end
  if i == 0 then return "1" .. string.rep("0", #digits) end
  return digits:sub(1, i - 1) .. string.char(digits:byte(i) + 1) .. string.rep("0", #digits - i)
end
local function sub_one(digits) -- digits > 0
  local i = #digits
  while digits:sub(i, i) == "0" do i = i - 1 end
  local s = digits:sub(1, i - 1) .. string.char(digits:byte(i) - 1) .. string.rep("9", #digits - i)
  return s:gsub("^0+(%d)", "%1")
end
local function incr_decimal(s)
  if s:sub(1, 1) == "-" then
    local r = sub_one(s:sub(2))
    return r == "0" and "0" or "-" .. r
  end
  return add_one(s)
end

---------------------------------------------------------------- the keyspace

local store = {}    -- key -> value (strings, binary-safe)
local expires = {}  -- key -> expiry time in ms since the epoch

local function now_ms() return microtime(true) * 1000 end

-- lookup returns a live key's value, deleting it first if its time is up.
local function lookup(key)
  local v = store[key]
  if v ~= nil then
    local at = expires[key]
    if at and at <= now_ms() then
      store[key], expires[key] = nil, nil
      return nil
    end
  end
  return v
end

-- expiry_fits: Redis keeps expiry times in signed 64-bit milliseconds and
-- refuses a TTL that would overflow them.
local function expiry_fits(ms)
  return math.abs(ms) + now_ms() < 2^63
end

local function sweep()
  while true do
    sleep(1)
    local t = now_ms()
    for key, at in pairs(expires) do
      if at <= t then store[key], expires[key] = nil, nil end
    end
  end
end

---------------------------------------------------------------- commands

local config = {save = "", appendonly = "no"}

-- Each command: {arity (Redis's: n exact, -n at least n, the name
-- included), handler(args) -> reply[, close]}.
local commands = {}

commands.ping = {-1, function(a)
  if #a > 2 then return arity_error("ping") end
  if a[2] then return bulk(a[2]) end
  return simple("PONG")
end}

commands.echo = {2, function(a) return bulk(a[2]) end}

commands.set = {-3, function(a)
  local ttl_ms
  local i = 4
  while a[i] do
    local opt = a[i]:upper()
    if (opt == "EX" or opt == "PX") and not ttl_ms and a[i + 1] then
      local n = int_arg(a[i + 1])
      if not n then return NOT_INTEGER end
      ttl_ms = opt == "EX" and n * 1000 or n
      if n <= 0 or not expiry_fits(ttl_ms) then return err("ERR invalid expire time in 'set' command") end
      i = i + 2
    else
      return SYNTAX
    end
  end
  store[a[2]] = a[3]
  expires[a[2]] = ttl_ms and now_ms() + ttl_ms or nil
  return simple("OK")
end}

commands.get = {2, function(a) return bulk(lookup(a[2])) end}

commands.del = {-2, function(a)
  local n = 0
  for i = 2, #a do
    if lookup(a[i]) ~= nil then
      store[a[i]], expires[a[i]] = nil, nil
      n = n + 1
    end
  end
  return int(n)
end}

commands.exists = {-2, function(a)
  local n = 0
  for i = 2, #a do
    if lookup(a[i]) ~= nil then n = n + 1 end
  end
  return int(n)
end}

commands.expire = {-3, function(a)
  local secs = int_arg(a[3])
  if not secs then return NOT_INTEGER end
  if a[4] then return err("ERR Unsupported option " .. a[4]) end
  if not expiry_fits(secs * 1000) then return err("ERR invalid expire time in 'expire' command") end
  if lookup(a[2]) == nil then return int(0) end
  if secs <= 0 then
    store[a[2]], expires[a[2]] = nil, nil
  else
    expires[a[2]] = now_ms() + secs * 1000
  end
  return int(1)
end}

commands.ttl = {2, function(a)
  if lookup(a[2]) == nil then return int(-2) end
  local at = expires[a[2]]
  if not at then return int(-1) end
  -- Redis rounds the milliseconds left to the nearest second.
  return int(math.floor((math.max(math.floor(at - now_ms()), 0) + 500) / 1000))
end}

commands.incr = {2, function(a)
  local v = lookup(a[2])
  if v == nil then v = "0" end
  if not is_int64(v) then return NOT_INTEGER end
  if v == INT64_MAX then return err("ERR increment or decrement would overflow") end
  local new = incr_decimal(v)
  store[a[2]] = new -- the TTL stays, as in Redis
  return int(new)
end}

commands.quit = {-1, function() return simple("OK"), true end}

commands.command = {-1, function() return "*0\r\n" end}

commands.config = {-2, function(a)
  if a[2]:lower() ~= "get" or #a < 3 then
    return err("ERR unknown subcommand or wrong number of arguments for '" .. a[2] .. "'. Try CONFIG HELP.")
  end
  local out = {}
  for i = 3, #a do
    local pattern = a[i]:lower()
    for name, value in pairs(config) do
      if pattern == "*" or pattern == name then
        out[#out + 1] = name
        out[#out + 1] = value
      end
    end
  end
  return array(out)
end}

-- Redis's text for an unknown command, line ends made spaces.
local function unknown(a)
  local args = ""
  for i = 2, #a do
    if #args >= 128 then break end
    args = args .. "'" .. a[i]:sub(1, 128 - #args) .. "' "
  end
  local msg = "ERR unknown command '" .. a[1]:sub(1, 128) .. "', with args beginning with: " .. args
  return err((msg:gsub("[\r\n]", " ")))
end

local function dispatch(a)
  local name = a[1]:lower()
  local cmd = commands[name]
  if not cmd then return unknown(a) end
  local arity = cmd[1]
  if (arity > 0 and #a ~= arity) or (arity < 0 and #a < -arity) then
    return arity_error(name)
  end
  return cmd[2](a)
end

---------------------------------------------------------------- the protocol

local escapes = {n = "\n", r = "\r", t = "\t", b = "\b", a = "\a"}
local space = {[" "] = true, ["\t"] = true, ["\n"] = true, ["\r"] = true, ["\v"] = true, ["\f"] = true}

-- split_inline splits an inline request as Redis's sdssplitargs does:
-- words separated by spaces, "double quotes" with \n \r \t \b \a \xHH and
-- \<char> escapes, 'single quotes' with \'. nil for unbalanced quotes.
local function split_inline(line)
  local args, i, n = {}, 1, #line
  while true do
    while i <= n and space[line:sub(i, i)] do i = i + 1 end
    if i > n then return args end
    local word, inq, insq = {}, false, false
    while true do
      local c = line:sub(i, i)
      if inq then
        if c == "" then return nil end
        local hex = c == "\\" and line:match("^x(%x%x)", i + 1)
        if hex then
          word[#word + 1] = string.char(tonumber(hex, 16))
          i = i + 3
        elseif c == "\\" and i < n then
          i = i + 1
          local e = line:sub(i, i)
          word[#word + 1] = escapes[e] or e
        elseif c == '"' then
          if i < n and not space[line:sub(i + 1, i + 1)] then return nil end
          inq = false
        else
          word[#word + 1] = c
        end
      elseif insq then
        if c == "" then return nil end
        if c == "\\" and line:sub(i + 1, i + 1) == "'" then
          word[#word + 1] = "'"
          i = i + 1
        elseif c == "'" then
          if i < n and not space[line:sub(i + 1, i + 1)] then return nil end
          insq = false
        else
          word[#word + 1] = c
        end
      elseif c == "" or space[c] then
        break
      elseif c == '"' then
        inq = true
      elseif c == "'" then
        insq = true
      else
        word[#word + 1] = c
      end
      i = i + 1
    end
    args[#args + 1] = table.concat(word)
  end
end

-- A client's parser keeps its place across reads, so each byte is looked at
-- about once however the request is split into packets:
--   buf, pos   the input not parsed yet (buf from pos);
--   pending    pieces read while no line end arrived, joined with buf only
--              when one does (nothing before a line end can be parsed);
--   args, n, wanted   the arguments of a multibulk request read so far;
--   bulk       the pieces of a bulk string still arriving (with have and
--              len), joined once when complete;
--   skip       bytes of a bulk string's CRLF still to pass over;
--   size       what the request in progress holds (bounded by MAX_QUERY).
local function new_parser()
  return {buf = "", pos = 1, pending = {}, pending_len = 0, n = 0, wanted = 0, skip = 0, size = 0}
end

-- feed adds what was read; true when a request may now be complete.
local function feed(p, data)
  local bulk = p.bulk
  if bulk then
    local want = bulk.len - bulk.have
    if #data < want then
      bulk[#bulk + 1] = data
      bulk.have = bulk.have + #data
      return false
    end
    bulk[#bulk + 1] = data:sub(1, want)
    p.n = p.n + 1
    p.args[p.n] = table.concat(bulk)
    p.bulk, p.skip = nil, 2
    p.buf, p.pos = data:sub(want + 1), 1
    return true
  end
  p.pending[#p.pending + 1] = data
  p.pending_len = p.pending_len + #data
  if not data:find("\n", 1, true) and #p.buf - p.pos + 1 + p.pending_len <= MAX_INLINE then
    return false
  end
  p.buf = p.buf:sub(p.pos) .. table.concat(p.pending)
  p.pos, p.pending, p.pending_len = 1, {}, 0
  return true
end

-- skip_crlf passes over the CRLF after a bulk string; false until it has.
local function skip_crlf(p)
  local n = math.min(p.skip, #p.buf - p.pos + 1)
  p.pos, p.skip = p.pos + n, p.skip - n
  return p.skip == 0
end

-- next_request parses on from p.pos: the next request's arguments ({} for
-- an empty one), or nil when more input is needed, or false and a
-- protocol error (Redis's texts).
local function next_request(p)
  if not skip_crlf(p) then return nil end
  local buf = p.buf
  if not p.args then
    if p.pos > #buf then return nil end
    if buf:byte(p.pos) ~= 42 then -- not "*": an inline request
      local nl = buf:find("\n", p.pos, true)
      if not nl then
        if #buf - p.pos + 1 > MAX_INLINE then return false, "Protocol error: too big inline request" end
        return nil
      end
      local last = nl - 1
      if last >= p.pos and buf:byte(last) == 13 then last = last - 1 end
      local args = split_inline(buf:sub(p.pos, last))
      if not args then return false, "Protocol error: unbalanced quotes in request" end
      p.pos = nl + 1
      return args
    end
    local eol = buf:find("\r\n", p.pos, true)
    if not eol then
      if #buf - p.pos + 1 > MAX_INLINE then return false, "Protocol error: too big mbulk count string" end
      return nil
    end
    local count = buf:sub(p.pos + 1, eol - 1)
    if not is_int64(count) or tonumber(count) > MAX_ARGS then
      return false, "Protocol error: invalid multibulk length"
    end
    p.pos = eol + 2
    if tonumber(count) <= 0 then return {} end
    p.args, p.n, p.wanted, p.size = {}, 0, tonumber(count), 0
  end
  -- The arguments, with the parser's fields in locals: this loop runs once
  -- per argument, and a request may have a million.
  if not skip_crlf(p) then return nil end
  local args, n, wanted, pos, last = p.args, p.n, p.wanted, p.pos, #buf
  while n < wanted and pos <= last do
    local eol = buf:find("\r\n", pos, true)
    local len = eol and buf:sub(pos + 1, eol - 1)
    local num = len and tonumber(len)
    -- A plain length ("0" or digits without leading zeros), else an error.
    if not (buf:byte(pos) == 36 and num and num >= 0 and num <= MAX_BULK and tostring(num) == len) then
      p.n, p.pos = n, pos
      if buf:byte(pos) ~= 36 then -- not "$"
        return false, "Protocol error: expected '$', got '" .. buf:sub(pos, pos) .. "'"
      elseif not eol then
        if last - pos + 1 > MAX_INLINE then return false, "Protocol error: too big bulk count string" end
        return nil
      end
      return false, "Protocol error: invalid bulk length"
    end
    local start = eol + 2
    p.size = p.size + num + 64 -- 64: about what an argument costs besides its bytes
    if p.size > MAX_QUERY then return false, nil end
    if last - start + 1 < num then
      -- The rest of this string is still to come: collect it in pieces.
      p.n = n
      p.bulk = {buf:sub(start), have = last - start + 1, len = num}
      p.buf, p.pos = "", 1
      return nil
    end
    n = n + 1
    args[n] = buf:sub(start, start + num - 1)
    pos = start + num + 2 -- past the CRLF, which may not be here yet
  end
  p.n = n
  if pos > last + 1 then
    p.pos, p.skip = last + 1, pos - last - 1
  else
    p.pos = pos
  end
  if n < wanted or not skip_crlf(p) then return nil end
  local args = p.args
  p.args, p.n, p.wanted = nil, 0, 0
  return args
end

---------------------------------------------------------------- clients

-- serve answers one client's requests until it leaves, QUITs or breaks the
-- protocol. Each read is parsed on from where the last one stopped; the
-- requests it completes are answered with one write.
local function serve(c)
  local _, addr, p = socket_getpeername(c)
  local peer = tostring(addr) .. ":" .. tostring(p)
  local parser = new_parser()
  while true do
    local data = socket_read(c, 65536)
    if not data or data == "" then break end
    local replies, close = {}, false
    if feed(parser, data) then
      while true do
        local args, why = next_request(parser)
        if args == nil then break end
        close = true
        if args == false and why == nil then
          -- Redis closes such a client without a reply, and logs it.
          echo(peer, ": closing client that reached max query buffer length\n")
          break
        elseif args == false then
          replies[#replies + 1] = err("ERR " .. why)
          echo(peer, ": ", why, " (closing the connection)\n")
          break
        end
        close = false
        if #args > 0 then
          local reply
          reply, close = dispatch(args)
          replies[#replies + 1] = reply
          if close then break end
        end
      end
    end
    if #replies > 0 and not socket_write(c, table.concat(replies)) then break end
    if close then break end
    -- Let the other clients' tasks run before taking more: a read that
    -- finds data waiting does not suspend this task, and a client sending
    -- megabytes must not keep a PING from another waiting until it is done.
    coroutine.yield()
  end
  socket_close(c)
end

local domain = address:find(":", 1, true) and AF_INET6 or AF_INET
local sock = socket_create(domain, SOCK_STREAM, 0) or fail("Couldn't create socket")
socket_set_option(sock, SOL_SOCKET, SO_REUSEADDR, 1)
if not socket_bind(sock, address, port) then fail("Could not bind socket", sock) end
if not socket_listen(sock, SOMAXCONN) then fail("Could not listen on socket", sock) end
local _, bound_address, bound_port = socket_getsockname(sock)
echo("Listening on ", bound_address, ":", bound_port, "\n")

spawn(sweep)
while true do
  local c = socket_accept(sock)
  if c then
    spawn(serve, c)
  else
    sleep(0.1) -- out of descriptors, say: do not spin on a listener that stays readable
  end
end
