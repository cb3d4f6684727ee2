-- tcp_proxy.lua: a logging TCP relay: every client is connected to TARGET and the bytes are relayed both ways.
-- Usage: sockrun scripts/tcp_proxy.lua LISTEN TARGET   (e.g. 127.0.0.1:0 127.0.0.1:6379; port 0 picks one)
--
-- Each client gets its own connection to TARGET and two tasks, one per
-- direction. Everything relayed is logged on stdout, one entry per read:
--   [conn 1] client -> server 14 bytes
--       *1\r\n
--       $4\r\n
--       PING\r\n
-- printable data line by line (with \r, \n, \t and \\ escaped), anything
-- else as hexdump(data) (offset, hex bytes, ASCII). When one side finishes
-- sending, the other side's sending half is shut down (a half-close, so
-- requests that end with EOF still get their answers); when both directions
-- are done, or either side fails, both connections are closed.

local function usage()
  io.stderr:write("usage: sockrun scripts/tcp_proxy.lua LISTEN TARGET   (HOST:PORT each, [v6]:PORT for IPv6)\n")
  os.exit(2)
end

-- parse_hostport splits "host:port" or "[v6]:port".
local function parse_hostport(s)
  local host, port = s:match("^%[([^%]]+)%]:(%d+)$")
  if not host then host, port = s:match("^([^:]+):(%d+)$") end
  port = tonumber(port)
  if not host or not port or port > 65535 then return nil end
  return host, port
end

if arg[1] == "-h" or arg[1] == "--help" or not arg[2] or arg[3] then usage() end
local listen_host, listen_port = parse_hostport(arg[1])
local target_host, target_port = parse_hostport(arg[2])
if not listen_host or not target_host or target_port == 0 then usage() end

local function domain_of(host)
  return host:find(":", 1, true) and AF_INET6 or AF_INET
end

local function fail(what, sock)
  local code = socket_last_error(sock)
  echo(what .. ": [" .. code .. "] " .. socket_strerror(code) .. " \n")
  exit(1) -- die(message) exits 0, as PHP's
end

local function name_of(addr, port)
  addr = tostring(addr)
  return (addr:find(":", 1, true) and "[" .. addr .. "]" or addr) .. ":" .. tostring(port)
end

-- show renders data for the log: printable text line by line (indented,
-- escaped), anything else as hexdump(data) as it comes (its offset column
-- sets it apart). No gsub over the whole of a large piece: gopher-lua's
-- takes time quadratic in the number of matches.
local ESCAPES = {["\\"] = "\\\\", ["\t"] = "\\t", ["\r"] = "\\r", ["\n"] = "\\n"}
local function show(data)
  if data:find("[^\t\r\n\32-\126]") then return hexdump(data) end
  local lines = {}
  for line in data:gmatch("[^\n]*\n?") do
    if line ~= "" then lines[#lines + 1] = "    " .. line:gsub("[\\\t\r\n]", ESCAPES) .. "\n" end
  end
  return table.concat(lines)
end

local conn_count = 0

-- relay copies from -> to until from ends, and returns why it stopped and
-- the bytes it relayed. At EOF it half-closes `to`. When a side fails, the
-- connection is torn down: the side that did not fail is shut down both
-- ways, which also wakes the other direction's task from its read.
local function relay(id, from, to, label, conn)
  local total = 0
  while true do
    local data = socket_read(from, 65536)
    if data == false then
      local why = "read failed: " .. socket_strerror(socket_last_error(from))
      if not conn.torn then
        conn.torn = true
        socket_shutdown(to, 2)
      end
      return why, total
    end
    if data == "" then
      if not conn.torn then socket_shutdown(to, 1) end -- pass the EOF on
      return "EOF", total
    end
    echo("[conn ", id, "] ", label, " ", #data, " bytes\n", show(data))
    if not socket_write(to, data) then
      local why = "write failed: " .. socket_strerror(socket_last_error(to))
      if not conn.torn then
        conn.torn = true
        socket_shutdown(from, 2)
      end
      return why, total
    end
    total = total + #data
  end
end

-- handle relays one client through upstream, a socket made for it (false
-- when none could be made, for the errno why).
local function handle(client, upstream, why)
  conn_count = conn_count + 1
  local id = conn_count
  local _, caddr, cport = socket_getpeername(client)
  local cname = name_of(caddr, cport)
  if not upstream or not socket_connect(upstream, target_host, target_port) then
    local code = upstream and socket_last_error(upstream) or why
    echo("[conn ", id, "] ", cname, ": cannot connect to ", arg[2], ": ", socket_strerror(code), "\n")
    if upstream then socket_close(upstream) end
    socket_close(client)
    return
  end
  echo("[conn ", id, "] ", cname, " connected, relaying to ", arg[2], "\n")

  -- server -> client in a task of its own; client -> server here.
  local conn = {torn = false}
  local back = spawn(relay, id, upstream, client, "server -> client", conn)
  local why, sent = relay(id, client, upstream, "client -> server", conn)
  local _, back_why, received = wait(back)
  socket_close(client)
  socket_close(upstream)
  echo("[conn ", id, "] closed: client -> server ", sent, " bytes (", why, "), server -> client ",
       received, " bytes (", back_why, ")\n")
end

local sock = socket_create(domain_of(listen_host), SOCK_STREAM, SOL_TCP) or fail("Couldn't create socket")
socket_set_option(sock, SOL_SOCKET, SO_REUSEADDR, 1)
if not socket_bind(sock, listen_host, listen_port) then fail("Could not bind socket", sock) end
if not socket_listen(sock, SOMAXCONN) then fail("Could not listen on socket", sock) end
local _, bound_address, bound_port = socket_getsockname(sock)
echo("Listening on ", bound_address, ":", bound_port, "\n")
echo("Relaying to ", arg[2], "\n")

local accept_failing = false
while true do
  local client = socket_accept(sock)
  if client then
    accept_failing = false
    -- The client's upstream socket is made here, before the next accept,
    -- so that under --max-sockets an accept never takes a connection
    -- there will be no socket to relay it with.
    local upstream = socket_create(domain_of(target_host), SOCK_STREAM, SOL_TCP)
    spawn(handle, client, upstream, not upstream and socket_last_error())
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
