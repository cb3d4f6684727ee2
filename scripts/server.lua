-- server.lua: the PHP tutorial's select() chat server, made solid.
-- Usage: sockrun scripts/server.lua [ADDRESS [PORT [MAX_CLIENTS]]]   (default 127.0.0.1 5000, no cap)
--
-- Every client gets the tutorial's welcome, then "OK ... <line>" for each line
-- it sends (bytes kept exactly, NULs included). Any number of clients at once;
-- one that leaves, resets or stops reading is closed and forgotten without
-- disturbing the others. Connects and disconnects are logged on stdout.
-- PORT 0 picks a free port; the "Listening on" line says which.

local address = arg[1] or "127.0.0.1"
local port = tonumber(arg[2] or "5000")
local max_clients = tonumber(arg[3] or "0") -- 0: no cap

if not port or not max_clients or (arg[1] == "-h" or arg[1] == "--help") then
  io.stderr:write("usage: sockrun scripts/server.lua [ADDRESS [PORT [MAX_CLIENTS]]]\n")
  os.exit(2)
end

local MAX_LINE = 64 * 1024        -- a longer line is answered in pieces of this size
local MAX_PENDING = 1024 * 1024   -- a client that lets this much output pile up is dropped

local function fail(what, sock)
  local code = socket_last_error(sock)
  echo(what .. ": [" .. code .. "] " .. socket_strerror(code) .. " \n")
  exit(1) -- die(message) exits 0, as PHP's
end

local domain = address:find(":", 1, true) and AF_INET6 or AF_INET
local sock = socket_create(domain, SOCK_STREAM, 0) or fail("Couldn't create socket")
echo("Socket created \n")

-- Restarting the server must not wait for old connections in TIME_WAIT.
socket_set_option(sock, SOL_SOCKET, SO_REUSEADDR, 1)
if not socket_bind(sock, address, port) then fail("Could not bind socket", sock) end
echo("Socket bind OK \n")

if not socket_listen(sock, SOMAXCONN) then fail("Could not listen on socket", sock) end
echo("Socket listen OK \n")
local _, bound_address, bound_port = socket_getsockname(sock)
echo("Listening on ", bound_address, ":", bound_port, "\n")
echo("Waiting for incoming connections... \n")

-- A nonblocking listener: a connection that is reset before we accept it
-- must not leave us blocked in socket_accept.
socket_set_nonblock(sock)

local WELCOME = "Welcome to php socket server version 1.0 \n" ..
                "Enter a message and press enter, and i shall reply back \n"

-- Per client: name = "addr : port"; partial = the pieces of an unfinished
-- line and partial_len their length; out = the queued replies, out[first]
-- the oldest, sent = how much of it is already written, queued = bytes
-- waiting; finished = the client has stopped sending. Replies are queued as
-- pieces and joined only a bounded amount at a time, so a read that
-- answers 65,536 lines costs linear time, not 65,536 ever-longer copies.
local clients = {}
local count = 0

-- The sockets select watches, kept up to date instead of rebuilt from the
-- clients every round: `reading` is a sequence (each client knows its slot),
-- `writing` a set holding only the clients with replies queued.
local reading = {}
local writing = {}

local WRITE_MAX = 64 * 1024 -- bytes joined for one socket_write

local function stop_reading(c)
  local client = clients[c]
  local slot, last = client.slot, reading[#reading]
  reading[slot], clients[last].slot = last, slot
  reading[#reading] = nil
  client.slot = nil
end

local function drop(c, why)
  local client = clients[c]
  if client.slot then stop_reading(c) end
  writing[c] = nil
  clients[c] = nil
  count = count - 1
  socket_close(c)
  echo("Client ", client.name, " disconnected (", why, "). \n")
end

-- queue adds a reply; it is written when the client can take it, so a client
-- that does not read never blocks the others.
local function queue(c, data)
  local client = clients[c]
  client.out[#client.out + 1] = data
  client.queued = client.queued + #data
  writing[c] = true
  if client.queued > MAX_PENDING then
    drop(c, "not reading its replies")
  end
end

-- Out of descriptors (or kernel memory), accept fails while the listener
-- stays readable: select would return at once, forever. The listener then
-- rests, out of the read set, for 0.1 s at a time until accept works again.
local RESOURCE_ERRORS = {[SOCKET_EMFILE] = true, [SOCKET_ENFILE] = true,
                         [SOCKET_ENOBUFS] = true, [SOCKET_ENOMEM] = true}
local resting_until = nil -- microtime when the listener goes back in the read set
local accept_failing = false

-- accept_client takes one pending connection; false when there is none.
local function accept_client()
  local c = socket_accept(sock)
  if not c then -- none left, or it went away before we got to it, or no descriptor
    local code = socket_last_error()
    if RESOURCE_ERRORS[code] then
      resting_until = microtime(true) + 0.1
      if not accept_failing then
        echo("Could not accept (", socket_strerror(code), "): retrying every 0.1 s \n")
      end
      accept_failing = true
    end
    return false
  end
  accept_failing = false
  local _, addr, p = socket_getpeername(c)
  local name = tostring(addr) .. " : " .. tostring(p)
  if max_clients > 0 and count >= max_clients then
    socket_write(c, "Server is full, try again later. \n")
    socket_close(c)
    echo("Client ", name, " turned away: ", max_clients, " clients already connected. \n")
    return true
  end
  socket_set_nonblock(c)
  reading[#reading + 1] = c
  clients[c] = {name = name, slot = #reading, partial = {}, partial_len = 0,
                out = {}, first = 1, sent = 0, queued = 0}
  count = count + 1
  echo("Client ", name, " is now connected to us. \n")
  queue(c, WELCOME)
  return true
end

local function read_client(c)
  local input = socket_read(c, 65536)
  if input == false then
    if socket_last_error(c) == SOCKET_EAGAIN then return end
    return drop(c, socket_strerror(socket_last_error(c)))
  elseif input == "" then
    -- The client has finished sending (it may only have shut down its
    -- writing side): its replies still go out before it is closed.
    if clients[c].queued == 0 then return drop(c, "closed by client") end
    clients[c].finished = true
    stop_reading(c)
    return
  end
  local client = clients[c]
  -- Without a line end, and still short of a piece, the input is only kept.
  if client.partial_len + #input <= MAX_LINE and not input:find("\n", 1, true) then
    client.partial[#client.partial + 1] = input
    client.partial_len = client.partial_len + #input
    return
  end
  client.partial[#client.partial + 1] = input
  local buffered = table.concat(client.partial)
  -- Answer every complete line; keep a partial one for the next read. A line
  -- longer than MAX_LINE is answered in MAX_LINE pieces (each followed by
  -- "\n"), decided on the first MAX_LINE + 1 bytes, so the replies do not
  -- depend on how the bytes were split across reads.
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
  if clients[c] then
    local rest = buffered:sub(start)
    client.partial, client.partial_len = {rest}, #rest
  end
end

-- write_client writes what the client can take of its queue, at most
-- WRITE_MAX bytes joined at a time.
local function write_client(c)
  local client = clients[c]
  local out, first, sent = client.out, client.first, client.sent
  local data = out[first]
  if sent > 0 then data = data:sub(sent + 1) end
  if out[first + 1] and #data < WRITE_MAX then
    -- Several replies are waiting: join them (up to WRITE_MAX bytes).
    local pieces, size, last = {data}, #data, first
    while size < WRITE_MAX and out[last + 1] do
      last = last + 1
      pieces[#pieces + 1] = out[last]
      size = size + #out[last]
    end
    data = table.concat(pieces)
  end
  local n = socket_write(c, data)
  if n == false then
    if socket_last_error(c) == SOCKET_EAGAIN then return end
    return drop(c, socket_strerror(socket_last_error(c)))
  end
  -- Forget what was written: whole replies, then part of the next one.
  client.queued = client.queued - n
  n = n + sent
  while out[first] and n >= #out[first] do
    n = n - #out[first]
    out[first] = nil
    first = first + 1
  end
  client.first, client.sent = first, n
  if client.queued == 0 then
    -- out is empty again; after a burst it gets a fresh table (a long run of
    -- emptied slots would make #out, and so every queue, slow).
    if first > 16 then client.out = {} end
    client.first, client.sent = 1, 0
    writing[c] = nil
    if client.finished then drop(c, "closed by client") end
  end
end

while true do
  -- The sets for select: the listener (unless it rests) and every client
  -- still sending, and the clients with replies waiting (few: replies are
  -- written at once).
  local read, write = {}, {}
  local usec = nil -- how long select may wait; nil: until something is ready
  if resting_until then
    usec = math.floor((resting_until - microtime(true)) * 1e6)
    if usec <= 0 then resting_until, usec = nil, nil end
  end
  if not resting_until then read[1] = sock end
  local base = #read
  for i = 1, #reading do read[base + i] = reading[i] end
  for c in pairs(writing) do write[#write + 1] = c end

  if #read == 0 and #write == 0 then
    sleep(usec / 1e6) -- the listener rests and no client is left: nothing to select
  elseif socket_select(read, write, nil, usec and 0, usec) == false then
    fail("Could not select", nil)
  end

  for _, c in pairs(write) do
    if writing[c] then write_client(c) end
  end
  for _, c in pairs(read) do
    if c == sock then
      -- Take every pending connection now: one a round would make a burst
      -- of N clients cost N rounds over all the others.
      while accept_client() do end
    elseif clients[c] then
      read_client(c)
      -- Answer at once; what the client cannot take now waits for select.
      if writing[c] then write_client(c) end
    end
  end
end
