-- 12_thread_per_connection.lua: what the tutorial says PHP cannot do: a thread per connection.
-- Run: sockrun examples/12_thread_per_connection.lua [ADDRESS [PORT]]   (default 127.0.0.1 5000; Ctrl-C stops it)
--
-- "To handle every connection we need a separate handling code to run along
-- with the main server accepting connections. One way to achieve this is
-- using threads. [...] However php does not support threading directly."
-- sockrun does: spawn(fn, ...) runs fn as a task, and a blocking call in a
-- task (socket_read here) suspends only that task. So the live server's loop
-- can keep each client for a whole conversation, written as plainly as the
-- tutorial's, and serve any number of clients at once.
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

-- The handling code for one connection: it runs in its own task.
local function handle(client, address, port)
  --Send Welcome message to client
  local message = "Welcome to php socket server version 1.0 \n"
  message = message .. "Enter a message and press enter, and i shall reply back \n"
  socket_write(client, message)

  while true do
    --read data from the incoming socket (suspends only this task)
    local input = socket_read(client, 1024)
    if not input or input == "" then
      break --zero length string meaning disconnected
    end

    echo("Sending output to client \n")
    --send response to client
    socket_write(client, "OK ... " .. input)
  end

  echo("Client " .. address .. " : " .. port .. " has left. \n")
  socket_close(client)
end

--start loop to listen for incoming connections
while true do
  --Accept incoming connection - This is a blocking call (for this task only)
  local client = socket_accept(sock)

  --display information about the client who is connected
  local ok, address, port = socket_getpeername(client)
  if ok then
    echo("Client " .. address .. " : " .. port .. " is now connected to us. \n")
  end

  --a new thread (task) handles the connection; the loop goes back to accept
  spawn(handle, client, address, port)
end
