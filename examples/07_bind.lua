-- 07_bind.lua: bind a TCP socket to an address and port ("Address already in use" if it is taken).
-- Run: sockrun examples/07_bind.lua [ADDRESS [PORT]]   (default 127.0.0.1 5000, the tutorial's)
local address = arg[1] or "127.0.0.1"
local port = arg[2] or 5000

local sock = socket_create(AF_INET, SOCK_STREAM, 0)
if not sock then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Couldn't create socket: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Socket created \n")

-- Bind the source address
if not socket_bind(sock, address, port) then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Could not bind socket : [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Socket bind OK \n")
