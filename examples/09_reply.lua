-- 09_reply.lua: accept one client, read what it sends and answer "OK .. " plus that (try it with telnet).
-- Run: sockrun examples/09_reply.lua [ADDRESS [PORT]]   (default 127.0.0.1 5000, the tutorial's)
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

if not socket_listen(sock, 10) then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Could not listen on socket : [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Socket listen OK \n")

echo("Waiting for incoming connections... \n")

--Accept incoming connection - This is a blocking call
local client = socket_accept(sock)

--display information about the client who is connected
local ok, address, port = socket_getpeername(client)
if ok then
  echo("Client " .. address .. " : " .. port .. " is now connected to us. \n")
end

--read data from the incoming socket
local input = socket_read(client, 1024000)

-- (input is false if the read failed; PHP's "$input" makes that "")
local response = "OK .. " .. (input or "")

-- Display output back to client
socket_write(client, response)
socket_close(client)
