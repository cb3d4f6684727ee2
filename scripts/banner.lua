-- banner.lua: connect to a TCP service and show what it says first (its banner), as text or a hex dump.
-- Usage: sockrun scripts/banner.lua HOST PORT [TIMEOUT]   (TIMEOUT seconds for the connect and the first bytes, default 3)
--
-- Many services greet a client before it says anything (SSH, SMTP, FTP,
-- POP3, MySQL ...). banner.lua connects, waits up to TIMEOUT for the first
-- bytes, then keeps reading until MAX_BYTES, the server closes, or it stays
-- quiet for IDLE seconds. Printable text is printed as is; anything else as
-- a hex dump. Exit status 0 when a banner came; 1 with a message on stderr
-- when the connect was refused or timed out, or the server said nothing.

local MAX_BYTES = 4096
local IDLE = 0.3

local host, port, timeout = arg[1], tonumber(arg[2] or ""), tonumber(arg[3] or "3")
if host == "-h" or host == "--help" or not host or host == "" or not port or arg[4]
    or port < 1 or port > 65535 or port % 1 ~= 0 or not timeout or timeout <= 0 then
  io.stderr:write("usage: sockrun scripts/banner.lua HOST PORT [TIMEOUT]\n")
  os.exit(2)
end

local function quit(message)
  io.stderr:write("banner: ", host, ":", port, ": ", message, "\n")
  os.exit(1)
end

-- split turns seconds into socket_select's seconds and microseconds.
local function split(seconds)
  local s = math.floor(seconds)
  return s, math.floor((seconds - s) * 1e6)
end

local domain, ip = AF_INET, host
if host:find(":", 1, true) then
  domain = AF_INET6
else
  ip = gethostbyname(host)
  if not ip:find("^%d+%.%d+%.%d+%.%d+$") then quit("cannot resolve the host name") end
end

local sock = socket_create(domain, SOCK_STREAM, 0) or quit("cannot create a socket")
socket_set_nonblock(sock)

-- A nonblocking connect, bounded by TIMEOUT.
if not socket_connect(sock, ip, port) then
  local code = socket_last_error(sock)
  if code == SOCKET_EINPROGRESS then
    local w = {sock}
    local sec, usec = split(timeout)
    if socket_select(nil, w, nil, sec, usec) ~= 1 then
      quit("no connection within " .. timeout .. "s (filtered or down?)")
    end
    code = socket_get_option(sock, SOL_SOCKET, SO_ERROR)
  end
  if code ~= 0 then quit("cannot connect: " .. socket_strerror(code)) end
end

-- read_within returns what arrives within seconds: data, "" at EOF, or nil.
local function read_within(seconds)
  local r = {sock}
  local sec, usec = split(seconds)
  if socket_select(r, nil, nil, sec, usec) ~= 1 then return nil end
  local data = socket_read(sock, MAX_BYTES)
  if data == false then
    local code = socket_last_error(sock)
    if code == SOCKET_EAGAIN then return read_within(seconds) end
    quit("read failed: " .. socket_strerror(code))
  end
  return data
end

local first = read_within(timeout)
if first == nil then
  quit("connected, but no banner within " .. timeout .. "s (the server waits for the client to speak first?)")
elseif first == "" then
  quit("connected, but the server closed the connection without a word")
end

local parts, size, ended = {first}, #first, "the server went quiet"
while size < MAX_BYTES do
  local more = read_within(IDLE)
  if more == nil then break end
  if more == "" then ended = "the server closed the connection" break end
  parts[#parts + 1] = more
  size = size + #more
end
socket_close(sock)

local banner = table.concat(parts):sub(1, MAX_BYTES)
if #banner == MAX_BYTES then ended = "stopped at " .. MAX_BYTES .. " bytes" end

if banner:find("^[\t\r\n\32-\126]*$") then
  echo(banner)
  if banner:sub(-1) ~= "\n" then echo("\n") end
  io.stderr:write("(", #banner, " bytes of text; ", ended, ")\n")
else
  echo(hexdump(banner))
  io.stderr:write("(", #banner, " bytes, binary; ", ended, ")\n")
end
