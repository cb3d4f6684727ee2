-- create_pair.lua: the PHP manual's socket_create_pair() example (create_pair.php beside it):
-- a connected pair, one write, one read. Run: sockrun examples/ports/create_pair.lua
-- Source: https://www.php.net/manual/en/function.socket-create-pair.php, Example #1, (c) the
-- PHP Documentation Group, CC BY 3.0. Changes are syntax only; the by-reference $sockets comes
-- back as the second result, a Lua sequence: PHP's $sockets[0] and [1] are sockets[1] and [2].
local sockets = array()

--[[ On Windows we need to use AF_INET ]]
local domain = (strtoupper(substr(PHP_OS, 0, 3)) == 'WIN' and AF_INET or AF_UNIX)

--[[ Setup socket pair ]]
local ok
ok, sockets = socket_create_pair(domain, SOCK_STREAM, 0)
if ok == false then
    echo("socket_create_pair failed. Reason: " .. socket_strerror(socket_last_error()))
end
--[[ Send and Receive Data ]]
if socket_write(sockets[1], "ABCdef123\n", strlen("ABCdef123\n")) == false then
    echo("socket_write() failed. Reason: " .. socket_strerror(socket_last_error(sockets[1])))
end
local data = socket_read(sockets[2], strlen("ABCdef123\n"), PHP_BINARY_READ)
if data == false then
    echo("socket_read() failed. Reason: " .. socket_strerror(socket_last_error(sockets[2])))
end
var_dump(data)

--[[ Close sockets ]]
socket_close(sockets[1])
socket_close(sockets[2])
