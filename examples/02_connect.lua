-- 02_connect.lua: create a TCP socket and connect it to a server.
-- Run: sockrun examples/02_connect.lua [ADDRESS [PORT]]   (default 74.125.235.20 80, the tutorial's)
local address = arg[1] or '74.125.235.20'
local port = arg[2] or 80

local sock = socket_create(AF_INET, SOCK_STREAM, 0)
if not sock then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Couldn't create socket: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Socket created \n")

if not socket_connect(sock, address, port) then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Could not connect: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Connection established \n")
