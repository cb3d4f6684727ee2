-- head_client.lua: the PHP manual's "Simple TCP/IP client" (head_client.php beside it), a
-- one-shot HTTP HEAD request, ported line by line. Run: sockrun examples/ports/head_client.lua
-- Source: https://www.php.net/manual/en/sockets.examples.php, Example #2, (c) the PHP
-- Documentation Group, CC BY 3.0. Changes are syntax only; `while ($out = socket_read(...))`
-- tests PHP's truthiness, so the loop tests boolval(out) (docs/porting.md).
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
while true do
    out = socket_read(socket, 2048)
    if not boolval(out) then break end
    echo(out)
end

echo("Closing socket...")
socket_close(socket)
echo("OK.\n\n")
