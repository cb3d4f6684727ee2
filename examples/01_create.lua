-- 01_create.lua: create a TCP socket, and report why if that fails (socket_last_error, socket_strerror).
-- Run: sockrun examples/01_create.lua
local sock = socket_create(AF_INET, SOCK_STREAM, 0)
if not sock then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Couldn't create socket: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Socket created")
