-- chat_server.lua: a multi-user chat server: nicknames, lines broadcast to everyone else, /nick, /who, /quit.
-- Usage: sockrun scripts/chat_server.lua [ADDRESS [PORT]]   (default 127.0.0.1 6000; PORT 0 picks one)
--
-- Try it with a few terminals running: nc 127.0.0.1 6000
--
-- Each client is asked "Nickname: " until it gives one that is valid and not
-- taken (case-insensitively). Then everyone else sees "<nick> joined", each
-- line it sends as "<nick>: text", "<old> is now known as <new>" after
-- /nick NEW, and "<nick> left" when it quits or goes away; /who lists who is
-- online. Joins, nick changes and departures are logged on stdout.
--
-- One task per client reads its lines (spawn). Output goes through a queue
-- per client, written by a writer task of its own that lives while there is
-- something to write: a client that stops reading stalls only its own writer,
-- never the others. A client whose queue passes MAX_QUEUED bytes, or that
-- takes no byte for WRITE_TIMEOUT seconds, is dropped.

local address = arg[1] or "127.0.0.1"
local port = tonumber(arg[2] or "6000")
if not port or arg[1] == "-h" or arg[1] == "--help" or arg[3] then
  io.stderr:write("usage: sockrun scripts/chat_server.lua [ADDRESS [PORT]]\n")
  os.exit(2)
end

local MAX_LINE = 4096            -- a longer line is taken in pieces of this size
local MAX_NICK = 32
local MAX_QUEUED = 1024 * 1024   -- output a client may leave unread before it is dropped
local WRITE_TIMEOUT = 30         -- seconds a client may take no bytes before it is dropped
local HELP = "Commands: /nick NEW, /who, /quit"

local function fail(what, sock)
  local code = socket_last_error(sock)
  echo(what .. ": [" .. code .. "] " .. socket_strerror(code) .. " \n")
  exit(1) -- die(message) exits 0, as PHP's
end

local users = {}   -- lower-case nick -> client, for everyone who has joined

-- A client: {sock, peer = "addr:port", nick, input = "", out = {}, queued = 0,
-- writer = Task while one runs, gone = why the connection is ending}.

-- hangup ends a connection from any task: shutting the socket down wakes
-- its reader (EOF) and its writer (EPIPE), and the reader cleans up.
local function hangup(c, why)
  if not c.gone then
    c.gone = why
    socket_shutdown(c.sock, 2)
  end
end

-- writer drains the client's queue with blocking writes; a blocked write
-- suspends this task only.
local function writer(c)
  while #c.out > 0 and not c.gone do
    local data = table.concat(c.out)
    c.out, c.queued = {}, 0
    local n = socket_write(c.sock, data)
    if not n then
      local code = socket_last_error(c.sock)
      hangup(c, code == SOCKET_EAGAIN and "took nothing for " .. WRITE_TIMEOUT .. "s" or socket_strerror(code))
    elseif n < #data then -- the send timed out part-way: the rest goes first next time
      table.insert(c.out, 1, data:sub(n + 1))
      c.queued = c.queued + #data - n
    end
  end
  c.writer = nil
end

local function send(c, text)
  if c.gone then return end
  c.out[#c.out + 1] = text
  c.queued = c.queued + #text
  if c.queued > MAX_QUEUED then
    return hangup(c, "not reading (over " .. MAX_QUEUED .. " bytes queued)")
  end
  if not c.writer then c.writer = spawn(writer, c) end
end

-- broadcast sends text to everyone who has joined except the sender.
local function broadcast(from, text)
  for _, c in pairs(users) do
    if c ~= from then send(c, text) end
  end
end

-- read_line returns the client's next line without its line end, or nil and
-- why there is none.
local function read_line(c)
  while true do
    local nl = c.input:find("\n", 1, true)
    if nl and nl <= MAX_LINE + 1 then
      local line = c.input:sub(1, nl - 1)
      c.input = c.input:sub(nl + 1)
      if line:byte(-1) == 13 then line = line:sub(1, -2) end -- CR LF from telnet
      return line
    elseif #c.input >= MAX_LINE then
      local line = c.input:sub(1, MAX_LINE)
      c.input = c.input:sub(MAX_LINE + 1)
      return line
    end
    local data = socket_read(c.sock, 65536)
    if c.gone then return nil, c.gone end
    if data == false then return nil, socket_strerror(socket_last_error(c.sock)) end
    if data == "" then
      return nil, c.input == "" and "closed by client" or "closed by client mid-line"
    end
    c.input = c.input .. data
    -- Let the other tasks run before taking more: a read that finds data
    -- waiting does not suspend this task, and a client that floods the
    -- server must not fill everyone's queue before their writers get a turn.
    coroutine.yield()
  end
end

-- nick_problem says what is wrong with a nickname, or nil if c may take it.
local function nick_problem(c, nick)
  if nick == "" then return "A nickname cannot be empty." end
  if #nick > MAX_NICK or not nick:find("^[%w_%-%.]+$") then
    return "A nickname is 1-" .. MAX_NICK .. " letters, digits, '_', '-' or '.'."
  end
  local holder = users[nick:lower()]
  if holder and holder ~= c then return "The nickname " .. nick .. " is taken." end
end

local function who()
  local nicks = {}
  for _, c in pairs(users) do nicks[#nicks + 1] = c.nick end
  table.sort(nicks, function(a, b) return a:lower() < b:lower() end)
  return #nicks .. " online: " .. table.concat(nicks, ", ")
end

-- trim drops leading and trailing blanks. (Byte loops: gopher-lua's
-- patterns are slow on long lines, and "%s*$" after ".-" is quadratic.)
local blank = {[9] = true, [10] = true, [11] = true, [12] = true, [13] = true, [32] = true}
local function trim(s)
  local i, j = 1, #s
  while i <= j and blank[s:byte(i)] do i = i + 1 end
  while j >= i and blank[s:byte(j)] do j = j - 1 end
  return s:sub(i, j)
end

-- command handles a line starting with "/"; it returns false on /quit.
local function command(c, line)
  local name = line:match("^/(%S*)")
  local rest = trim(line:sub(#name + 2))
  name = name:lower()
  if name == "quit" then
    send(c, "Bye!\n")
    return false
  elseif name == "who" then
    send(c, who() .. "\n")
  elseif name == "nick" then
    local problem = nick_problem(c, rest)
    if problem then
      send(c, problem .. "\n")
    elseif rest ~= c.nick then
      local old = c.nick
      users[old:lower()] = nil
      users[rest:lower()] = c
      c.nick = rest
      send(c, "You are now known as " .. rest .. "\n")
      broadcast(c, old .. " is now known as " .. rest .. "\n")
      echo(old, " is now known as ", rest, "\n")
    end
  else
    send(c, "Unknown command /" .. name .. ". " .. HELP .. "\n")
  end
  return true
end

-- session serves one client from its nickname to its departure.
local function session(c)
  local why
  while not c.nick do
    send(c, "Nickname: ")
    local line
    line, why = read_line(c)
    if not line then break end
    local nick = trim(line)
    local problem = nick_problem(c, nick)
    if problem then
      send(c, problem .. "\n")
    else
      c.nick = nick
      users[nick:lower()] = c
    end
  end
  if c.nick then
    send(c, "Welcome, " .. c.nick .. "! " .. who() .. ". " .. HELP .. "\n")
    broadcast(c, c.nick .. " joined\n")
    echo(c.nick, " joined from ", c.peer, "\n")
    while true do
      local line
      line, why = read_line(c)
      if not line then break end
      if line:sub(1, 1) == "/" then
        if not command(c, line) then why = "quit" break end
      elseif line ~= "" then
        broadcast(c, c.nick .. ": " .. line .. "\n")
      end
    end
    users[c.nick:lower()] = nil
    broadcast(c, c.nick .. " left\n")
    echo(c.nick, " left (", why, ")\n")
  else
    echo(c.peer, " went away before choosing a nickname (", why, ")\n")
  end
  -- Let the writer finish (a client that takes nothing is cut off by
  -- SO_SNDTIMEO), then close.
  if c.writer then wait(c.writer) end
  c.gone = c.gone or why
  socket_close(c.sock)
end

local domain = address:find(":", 1, true) and AF_INET6 or AF_INET
local sock = socket_create(domain, SOCK_STREAM, 0) or fail("Couldn't create socket")
socket_set_option(sock, SOL_SOCKET, SO_REUSEADDR, 1)
if not socket_bind(sock, address, port) then fail("Could not bind socket", sock) end
if not socket_listen(sock, SOMAXCONN) then fail("Could not listen on socket", sock) end
local _, bound_address, bound_port = socket_getsockname(sock)
echo("Listening on ", bound_address, ":", bound_port, "\n")

while true do
  local s = socket_accept(sock)
  if s then
    local _, addr, p = socket_getpeername(s)
    socket_set_option(s, SOL_SOCKET, SO_SNDTIMEO, {sec = WRITE_TIMEOUT, usec = 0})
    local c = {sock = s, peer = tostring(addr) .. ":" .. tostring(p), input = "", out = {}, queued = 0}
    echo(c.peer, " connected\n")
    spawn(session, c)
  else
    sleep(0.1) -- out of descriptors, say: do not spin on a listener that stays readable
  end
end
