-- A copas-style dispatcher written against LuaSocket's API: each connection
-- is a coroutine; a call that would block yields to the loop, which waits in
-- socket.select for the sockets the coroutines need. One script holds the
-- server and its clients; it prints the same transcript under lua5.1 with
-- LuaSocket and under sockrun. Run: sockrun dispatcher.lua
io.stdout:setvbuf("no")
local socket = require("socket")

local reading, writing = {}, {}   -- socket -> coroutine waiting on it
local ready = {}                  -- coroutines to resume

local function wait(set, sock)
  set[sock] = coroutine.running()
  coroutine.yield()
end

-- Blocking-looking calls for coroutines.
local function receive(sock, pattern)
  local prefix = ""
  while true do
    local data, err, partial = sock:receive(pattern, prefix)
    if data or err ~= "timeout" then return data, err end
    prefix = partial
    wait(reading, sock)
  end
end

local function send(sock, data)
  local from = 1
  while true do
    local last, err, sent = sock:send(data, from)
    if last then return last end
    if err ~= "timeout" then return nil, err end
    from = sent + 1
    wait(writing, sock)
  end
end

local function accept(server)
  while true do
    local c, err = server:accept()
    if c then c:settimeout(0) return c end
    if err ~= "timeout" then return nil, err end
    wait(reading, server)
  end
end

local function connect(host, port)
  local c = socket.tcp()
  c:settimeout(0)
  local ok, err = c:connect(host, port)
  if not ok and err == "timeout" then
    wait(writing, c)
    ok, err = c:connect(host, port)
    if err == "already connected" then ok = 1 end
  end
  if not ok then return nil, err end
  return c
end

local function spawn(f, ...)
  local co = coroutine.create(f)
  ready[#ready + 1] = {co, {...}}
end

local function loop()
  while true do
    while #ready > 0 do
      local r = table.remove(ready, 1)
      assert(coroutine.resume(r[1], unpack(r[2])))
    end
    local rs, ws = {}, {}
    for s in pairs(reading) do rs[#rs + 1] = s end
    for s in pairs(writing) do ws[#ws + 1] = s end
    if #rs == 0 and #ws == 0 then return end
    local r, w = socket.select(rs, ws, 5)
    for _, s in ipairs(r) do ready[#ready + 1] = {reading[s], {}}; reading[s] = nil end
    for _, s in ipairs(w) do ready[#ready + 1] = {writing[s], {}}; writing[s] = nil end
  end
end

local server = assert(socket.bind("127.0.0.1", 0))
server:settimeout(0)
local _, port = server:getsockname()
local log = {}

-- the server: a coroutine per connection, echoing lines upper-cased
spawn(function()
  for n = 1, 3 do
    local c = assert(accept(server))
    spawn(function()
      while true do
        local line, err = receive(c, "*l")
        if not line then log[#log + 1] = "server: client " .. err; c:close() return end
        assert(send(c, line:upper() .. "\n"))
      end
    end)
  end
  server:close()
end)

-- three clients, each sending its lines and checking the replies; one sends
-- a line larger than the socket buffers, so sends and receives must yield
for id = 1, 3 do
  spawn(function()
    local c = assert(connect("127.0.0.1", port))
    local lines = {"hello " .. id, "second line " .. id, string.rep("x", id == 3 and 3000000 or 10)}
    for _, l in ipairs(lines) do
      assert(send(c, l .. "\n"))
      local back = assert(receive(c, "*l"))
      assert(back == l:upper(), "bad reply")
      log[#log + 1] = "client " .. id .. ": " .. (#back > 40 and (#back .. " bytes") or back)
    end
    c:close()
  end)
end

loop()
table.sort(log)
for _, l in ipairs(log) do print(l) end
