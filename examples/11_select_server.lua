-- 11_select_server.lua: serve up to 10 clients at once with socket_select: welcome each, answer every message with "OK ... ".
-- Run: sockrun examples/11_select_server.lua [ADDRESS [PORT]]   (default 0.0.0.0 5000, the tutorial's; Ctrl-C stops it)

-- (PHP's error_reporting(~E_NOTICE) and set_time_limit(0) have no counterpart:
-- sockrun prints no notices and sets no time limit unless given --timeout.)

local address = arg[1] or "0.0.0.0"
local port = arg[2] or 5000
local max_clients = 10

local sock = socket_create(AF_INET, SOCK_STREAM, 0)
if not sock then
  local errorcode = socket_last_error()
  local errormsg = socket_strerror(errorcode)

  die("Couldn't create socket: [" .. errorcode .. "] " .. errormsg .. " \n")
end

echo("Socket created \n")

-- Bind the source address (the tutorial passes a hard-coded 5000 here instead of $port)
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

--array of client sockets (slots 0 .. max_clients-1, as in the PHP)
local client_socks = {}

--array of sockets to read
local read = {}

--start loop to listen for incoming connections and process existing connections
while true do
  --prepare array of readable client sockets
  read = {}

  --first socket is the master socket
  read[0] = sock

  --now add the existing client sockets
  for i = 0, max_clients - 1 do
    if client_socks[i] ~= nil then
      read[i + 1] = client_socks[i]
    end
  end

  --now call select - blocking call (the tutorial passes undefined $write and $except)
  if socket_select(read, nil, nil, nil) == false then
    local errorcode = socket_last_error()
    local errormsg = socket_strerror(errorcode)

    die("Could not listen on socket : [" .. errorcode .. "] " .. errormsg .. " \n")
  end

  --if ready contains the master socket, then a new connection has come in
  if in_array(sock, read) then
    local accepted = false
    for i = 0, max_clients - 1 do
      if client_socks[i] == nil then
        client_socks[i] = socket_accept(sock)

        --display information about the client who is connected
        local ok, address, port = socket_getpeername(client_socks[i])
        if ok then
          echo("Client " .. address .. " : " .. port .. " is now connected to us. \n")
        end

        --Send Welcome message to client
        local message = "Welcome to php socket server version 1.0 \n"
        message = message .. "Enter a message and press enter, and i shall reply back \n"
        socket_write(client_socks[i], message)
        accepted = true
        break
      end
    end

    -- Fix: with every slot taken the tutorial leaves the connection pending,
    -- so the listener stays readable and select returns at once, forever (a
    -- busy loop). Accept it and close it: the client sees the connection end.
    if not accepted then
      local rejected = socket_accept(sock)
      if rejected then
        socket_close(rejected)
      end
    end
  end

  --check each client if they send any data
  for i = 0, max_clients - 1 do
    if client_socks[i] ~= nil and in_array(client_socks[i], read) then
      local input = socket_read(client_socks[i], 1024)

      if input == "" or input == false then -- PHP: $input == null
        --zero length string meaning disconnected, remove and close the socket
        -- Fix: the tutorial unsets the slot first and then closes it (a null),
        -- and goes on to write "OK ..." to the client that left.
        socket_close(client_socks[i])
        client_socks[i] = nil
      else
        -- (the tutorial's unused $n = trim($input); is left out)
        local output = "OK ... " .. input

        echo("Sending output to client \n")

        --send response to client
        socket_write(client_socks[i], output)
      end
    end
  end
end
