-- sockrun only: LuaSocket calls inside tasks (spawn) suspend only their
-- task; PHP-style sockets and LuaSocket objects share socket.select; the
-- Lua 5.3 spellings of receive's patterns. Run: sockrun tasks.lua
local socket = require("socket")

local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
local events = {}
local function event(s) events[#events + 1] = s end

-- a task blocked in accept and then in receive does not stop the others
local echo = spawn(function()
  local c = assert(server:accept())
  event("accepted")
  local line = c:receive("l")           -- blocks this task only
  event("got " .. line)
  c:send(line:upper() .. "\n")
  local rest = c:receive("a")
  event("rest " .. rest)
  c:close()
end)

local ticker = spawn(function()
  for i = 1, 3 do
    socket.sleep(0.02)                  -- also suspends only this task
    event("tick " .. i)
  end
end)

socket.sleep(0.1)                       -- both tasks are waiting now
event("main connects")
local c = assert(socket.connect("127.0.0.1", port))
c:send("hello\n")
event("reply " .. assert(c:receive()))
c:send("bye")
c:close()
wait(echo)
wait(ticker)

-- a timeout inside a task is the engine's timer: the task gets "timeout"
local lonely = socket.udp()
lonely:setsockname("127.0.0.1", 0)
lonely:settimeout(0.05)
local t = spawn(function() return lonely:receive() end)
print("udp in task", select(2, wait(t)))

-- a PHP-style socket beside a LuaSocket object in socket.select
local php = socket_create(AF_INET, SOCK_STREAM, 0)
socket_bind(php, "127.0.0.1", 0)
socket_listen(php, 1)
local _, _, phpport = socket_getsockname(php)
local lsock = assert(socket.connect("127.0.0.1", phpport))
local r = socket.select({php, server}, nil, 1)
print("select mixed", #r, r[1] == php)
local accepted = socket_accept(php)
socket_write(accepted, "from php\n")
print("luasocket reads php", lsock:receive())

for _, e in ipairs(events) do print(e) end

-- an object closed by another task while a call of it waits: the call
-- ends with "closed"; a select waiting on it wakes with what else is ready
local c1 = assert(socket.connect("127.0.0.1", port))
local s1 = assert(server:accept())
local c2 = assert(socket.connect("127.0.0.1", port))
local s2 = assert(server:accept())          -- never reads
local reader = spawn(function() return s1:receive() end)
local writer = spawn(function() return c2:send(string.rep("y", 16 * 1024 * 1024)) end)
local selector = spawn(function()
  local r, w, e = socket.select({s1}, nil, 5)
  return #r, e
end)
socket.sleep(0.05)
local started = socket.gettime()
s1:close()
c2:close()
print("receive closed meanwhile", select(2, wait(reader)))
local _, n, err, last = wait(writer)
print("send closed meanwhile", n, err, last > 0)
print("select closed meanwhile", select(2, wait(selector)))
print("woke at once", socket.gettime() - started < 1)
