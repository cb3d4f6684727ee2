-- 04_receive.lua: send an HTTP request and print the reply (socket_recv with MSG_WAITALL, 2045 bytes).
-- Run: sockrun examples/04_receive.lua [ADDRESS [PORT]]   (default 74.125.235.20 80, the tutorial's)
local address = arg[1] or '74.125.235.20'
local port = arg[2] or 80

local sock = socket_create(AF_INET, SOCK_STREAM, 0)
if not sock then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Couldn't create socket: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Socket created \n")

--Connect socket to remote server
if not socket_connect(sock, address, port) then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Could not connect: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Connection established \n")

local message = "GET / HTTP/1.1\r\n\r\n"

--Send the message to the server
-- (PHP's `!` is also true for 0 bytes sent; Lua's `not` is not, hence the test for 0)
local sent = socket_send(sock, message, #message, 0)
if not sent or sent == 0 then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Could not send data: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Message send successfully \n")

--Now receive reply from server
local n, buf = socket_recv(sock, 2045, MSG_WAITALL)
if n == false then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Could not receive data: [" .. errorcode .. "] " .. errormsg .. " \n")
end

--print the received message
-- (buf is nil when the server closed before sending a byte; PHP's echo prints null as "")
echo(buf or "")
