-- udp_recvfrom.lua: the PHP manual's socket_recvfrom() example (udp_recvfrom.php beside it):
-- wait for one UDP datagram on 127.0.0.1:1223 and say who sent it. Run: sockrun
-- examples/ports/udp_recvfrom.lua, then sockrun examples/ports/udp_sendto.lua.
-- Source: https://www.php.net/manual/en/function.socket-recvfrom.php, Example #1, (c) the PHP
-- Documentation Group, CC BY 3.0. Changes are syntax only: by-reference outputs are results.

local socket = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)
socket_bind(socket, '127.0.0.1', 1223)

local from = ''
local port = 0
local _, buf
_, buf, from, port = socket_recvfrom(socket, 12, 0)

echo("Received " .. buf .. " from remote address " .. from .. " and remote port " .. port .. PHP_EOL)
