-- concurrent_server.lua: the same protocol as server.lua, one task per client.
-- Usage: sockrun scripts/concurrent_server.lua [ADDRESS [PORT]]   (default 127.0.0.1 5000; PORT 0 picks one)
--
-- Each client is handled by plain blocking-style code, the tutorial's "live
-- server" loop, in a task of its own (spawn): a blocking call suspends only
-- that client's task, so tens of thousands of clients are served at once.
-- Every client gets the welcome, then "OK ... <line>" for each line it sends.

local address = arg[1] or "127.0.0.1"
local port = tonumber(arg[2] or "5000")
if not port or arg[1] == "-h" or arg[1] == "--help" then
  io.stderr:write("usage: sockrun scripts/concurrent_server.lua [ADDRESS [PORT]]\n")
  os.exit(2)
end

local MAX_LINE = 64 * 1024 -- a longer line is answered in pieces of this size

local function fail(what, sock)
  local code = socket_last_error(sock)
  echo(what .. ": [" .. code .. "] " .. socket_strerror(code) .. " \n")
  exit(1) -- die(message) exits 0, as PHP's
end

local WELCOME = "Welcome to php socket server version 1.0 \n" ..
                "Enter a message and press enter, and i shall reply back \n"

-- handle serves one client until it leaves.
local function handle(client)
  local _, addr, p = socket_getpeername(client)
  local name = tostring(addr) .. " : " .. tostring(p)
  echo("Client ", name, " is now connected to us. \n")
  local why = "closed by client"
  local pending = ""
  if not socket_write(client, WELCOME) then pending = nil end
  while pending do
    local input = socket_read(client, 65536)
    if input == false then why = socket_strerror(socket_last_error(client)) break end
    if input == "" then break end
    pending = pending .. input
    -- One reply per line; a line longer than MAX_LINE in MAX_LINE pieces.
    local start, replies = 1, {}
    while true do
      local nl = pending:find("\n", start, true)
      if nl and nl - start <= MAX_LINE then
        replies[#replies + 1] = "OK ... " .. pending:sub(start, nl)
        start = nl + 1
      elseif #pending - start >= MAX_LINE then
        replies[#replies + 1] = "OK ... " .. pending:sub(start, start + MAX_LINE - 1) .. "\n"
        start = start + MAX_LINE
      else
        break
      end
    end
    pending = pending:sub(start)
    if #replies > 0 and not socket_write(client, table.concat(replies)) then
      why = socket_strerror(socket_last_error(client))
      break
    end
  end
  socket_close(client)
  echo("Client ", name, " disconnected (", why, "). \n")
end

local domain = address:find(":", 1, true) and AF_INET6 or AF_INET
local sock = socket_create(domain, SOCK_STREAM, 0) or fail("Couldn't create socket")
echo("Socket created \n")
socket_set_option(sock, SOL_SOCKET, SO_REUSEADDR, 1)
if not socket_bind(sock, address, port) then fail("Could not bind socket", sock) end
echo("Socket bind OK \n")
if not socket_listen(sock, SOMAXCONN) then fail("Could not listen on socket", sock) end
echo("Socket listen OK \n")
local _, bound_address, bound_port = socket_getsockname(sock)
echo("Listening on ", bound_address, ":", bound_port, "\n")
echo("Waiting for incoming connections... \n")

local accept_failing = false
while true do
  local client = socket_accept(sock)
  if client then
    accept_failing = false
    spawn(handle, client)
  else
    -- Out of descriptors (errno 24), say: the listener stays readable, so
    -- retrying at once would spin. Say so once, retry every 0.1 s.
    if not accept_failing then
      echo("accept failed (", socket_strerror(socket_last_error()), "): retrying every 0.1 s\n")
      accept_failing = true
    end
    sleep(0.1)
  end
end
