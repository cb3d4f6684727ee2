-- recv_client.lua: the PHP manual's socket_recv() example (recv_client.php beside it): the HEAD
-- client reading with MSG_WAITALL. Run: sockrun examples/ports/recv_client.lua
-- Source: https://www.php.net/manual/en/function.socket-recv.php, Example #1, (c) the PHP
-- Documentation Group, CC BY 3.0. Changes are syntax only; $buf, passed by reference, comes
-- back as socket_recv's second result, and PHP sets it even on failure (to null) as Lua does.
error_reporting(E_ALL)

echo("<h2>TCP/IP Connection</h2>\n")

--[[ Get the port for the WWW service. ]]
local service_port = getservbyname('www', 'tcp')

--[[ Get the IP address for the target host. ]]
local address = gethostbyname('www.example.com')

--[[ Create a TCP/IP socket. ]]
local socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
if socket == false then
    echo("socket_create() failed: reason: " .. socket_strerror(socket_last_error()) .. "\n")
else
    echo("OK.\n")
end

echo("Attempting to connect to '" .. address .. "' on port '" .. service_port .. "'...")
local result = socket_connect(socket, address, service_port)
if result == false then
    echo("socket_connect() failed.\nReason: (" .. strval(result) .. ") " .. socket_strerror(socket_last_error(socket)) .. "\n")
else
    echo("OK.\n")
end

local in_ = "HEAD / HTTP/1.1\r\n"
in_ = in_ .. "Host: www.example.com\r\n"
in_ = in_ .. "Connection: Close\r\n\r\n"
local out = ''

echo("Sending HTTP HEAD request...")
socket_write(socket, in_, strlen(in_))
echo("OK.\n")

echo("Reading response:\n\n")
local buf = 'This is my buffer.'
local bytes
bytes, buf = socket_recv(socket, 2048, MSG_WAITALL)
if false ~= bytes then
    echo("Read " .. bytes .. " bytes from socket_recv(). Closing socket...")
else
    echo("socket_recv() failed; reason: " .. socket_strerror(socket_last_error(socket)) .. "\n")
end
socket_close(socket)

echo(strval(buf) .. "\n")
echo("OK.\n\n")
