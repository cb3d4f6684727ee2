-- select_server.lua: the benchmark's select server written against LuaSocket,
-- as a LuaSocket user writes it: socket.select over the listener and every
-- client, rebuilt each round. It mirrors bench/php/select_server.php (the
-- PHP baseline) step for step (it takes every pending connection each round,
-- as scripts/server.lua does), so the columns compare like for like.
-- Usage: lua5.4 bench/lua/select_server.lua [ADDRESS [PORT]]   (PORT 0 picks one)
--
-- What is LuaSocket's and not fixed here: socket.select is select(2), so it
-- refuses more than socket._SETSIZE (1,024) descriptors.

local socket = require("socket")

local address = arg[1] or "127.0.0.1"
local port = tonumber(arg[2] or "5000")
if not port or address == "-h" or address == "--help" then
  io.stderr:write("usage: lua5.4 select_server.lua [ADDRESS [PORT]]\n")
  os.exit(2)
end
io.stdout:setvbuf("no")

local MAX_LINE = 65536      -- a longer line is answered in pieces of this size
local MAX_PENDING = 1048576 -- a client that lets this much output pile up is dropped

-- socket.bind sets SO_REUSEADDR, binds and listens.
local server = assert(socket.bind(address, port, 1024))
server:settimeout(0) -- a connection reset before we accept it must not block us
local bound_address, bound_port = server:getsockname()
print("Listening on " .. bound_address .. ":" .. bound_port)

local WELCOME = "Welcome to php socket server version 1.0 \n" ..
                "Enter a message and press enter, and i shall reply back \n"

local clients = {} -- socket -> {name = "addr : port", input = "", output = ""}

local function drop(c, why)
  local client = clients[c]
  clients[c] = nil
  c:close()
  print("Client " .. client.name .. " disconnected (" .. why .. "). ")
end

local function queue(c, data)
  local client = clients[c]
  client.output = client.output .. data
  if #client.output > MAX_PENDING then drop(c, "not reading its replies") end
end

-- accept_client takes one pending connection; false when there is none.
local function accept_client()
  local c = server:accept()
  if not c then return false end -- none left, or it went away before we got to it
  c:settimeout(0)
  local addr, p = c:getpeername()
  local name = tostring(addr) .. " : " .. tostring(p)
  clients[c] = {name = name, input = "", output = ""}
  print("Client " .. name .. " is now connected to us. ")
  queue(c, WELCOME)
  return true
end

local function read_client(c)
  local data, err, partial = c:receive(65536)
  data = data or partial
  if err == "closed" or (err and err ~= "timeout") then
    if data and data ~= "" then clients[c].input = clients[c].input .. data end
    return drop(c, err == "closed" and "closed by client" or err)
  end
  if data == "" then return end
  local buffered = clients[c].input .. data
  local start = 1
  while clients[c] do
    local nl = buffered:find("\n", start, true)
    if nl and nl - start <= MAX_LINE then
      queue(c, "OK ... " .. buffered:sub(start, nl))
      start = nl + 1
    elseif #buffered - start >= MAX_LINE then
      queue(c, "OK ... " .. buffered:sub(start, start + MAX_LINE - 1) .. "\n")
      start = start + MAX_LINE
    else
      break
    end
  end
  if clients[c] then clients[c].input = buffered:sub(start) end
end

local function write_client(c)
  local client = clients[c]
  local last, err, partial = c:send(client.output)
  last = last or partial
  if err and err ~= "timeout" then return drop(c, err) end
  client.output = client.output:sub(last + 1)
end

while true do
  local recvt, sendt = {server}, {}
  for c, client in pairs(clients) do
    recvt[#recvt + 1] = c
    if client.output ~= "" then sendt[#sendt + 1] = c end
  end

  local readable, writable, err = socket.select(recvt, sendt)
  if err and err ~= "timeout" then
    io.stderr:write("Could not select: " .. err .. "\n")
    os.exit(1)
  end

  for _, c in ipairs(writable) do
    if clients[c] then write_client(c) end
  end
  for _, c in ipairs(readable) do
    if c == server then
      -- Take every pending connection: one a round would make a burst of
      -- N clients cost N rounds over all the others.
      while accept_client() do end
    elseif clients[c] then
      read_client(c)
      if clients[c] and clients[c].output ~= "" then write_client(c) end
    end
  end
end
