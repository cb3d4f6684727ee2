-- udp_echo.lua: a UDP echo server: every datagram goes back, byte for byte, to whoever sent it.
-- Usage: sockrun scripts/udp_echo.lua [ADDRESS [PORT]]   (default 127.0.0.1 5000; PORT 0 picks one)
--
-- Try it with: nc -u 127.0.0.1 5000   (each line you type comes back)

local address = arg[1] or "127.0.0.1"
local port = tonumber(arg[2] or "5000")
if not port or arg[1] == "-h" or arg[1] == "--help" then
  io.stderr:write("usage: sockrun scripts/udp_echo.lua [ADDRESS [PORT]]\n")
  os.exit(2)
end

local function fail(what, sock)
  local code = socket_last_error(sock)
  echo(what .. ": [" .. code .. "] " .. socket_strerror(code) .. " \n")
  exit(1) -- die(message) exits 0, as PHP's
end

local domain = address:find(":", 1, true) and AF_INET6 or AF_INET
local sock = socket_create(domain, SOCK_DGRAM, SOL_UDP) or fail("Couldn't create socket")
if not socket_bind(sock, address, port) then fail("Could not bind socket", sock) end
local _, bound_address, bound_port = socket_getsockname(sock)
echo("Listening on ", bound_address, ":", bound_port, " (udp)\n")

while true do
  -- 65535 bytes holds any UDP datagram, so none is truncated.
  local n, data, from, from_port = socket_recvfrom(sock, 65535, 0)
  if n then
    if socket_sendto(sock, data, n, 0, from, from_port) then
      echo("Echoed ", n, " bytes to ", from, ":", from_port, "\n")
    end
  end
end
