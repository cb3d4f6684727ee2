#!/usr/bin/env sockrun
-- talkback_server.lua: the PHP manual's "Simple TCP/IP server" (talkback_server.php beside it),
-- ported line by line. Run: sockrun examples/ports/talkback_server.lua, then telnet to it.
-- Source: https://www.php.net/manual/en/sockets.examples.php, Example #1, (c) the PHP
-- Documentation Group, CC BY 3.0. Changes are syntax only: `break 2` and `continue` use
-- docs/porting.md's idiom, and `!$buf = trim($buf)` tests PHP's truthiness with boolval.
error_reporting(E_ALL)

--[[ Allow the script to hang around waiting for connections. ]]
set_time_limit(0)

--[[ Turn on implicit output flushing so we see what we're getting
 * as it comes in. ]]
ob_implicit_flush()

local address = '192.168.1.53'
local port = 10000

local sock = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
if sock == false then
    echo("socket_create() failed: reason: " .. socket_strerror(socket_last_error()) .. "\n")
end

if socket_bind(sock, address, port) == false then
    echo("socket_bind() failed: reason: " .. socket_strerror(socket_last_error(sock)) .. "\n")
end

if socket_listen(sock, 5) == false then
    echo("socket_listen() failed: reason: " .. socket_strerror(socket_last_error(sock)) .. "\n")
end

repeat
    local msgsock = socket_accept(sock)
    if msgsock == false then
        echo("socket_accept() failed: reason: " .. socket_strerror(socket_last_error(sock)) .. "\n")
        break
    end
    --[[ Send instructions. ]]
    local msg = "\nWelcome to the PHP Test Server. \n" ..
        "To quit, type 'quit'. To shut down the server type 'shutdown'.\n"
    socket_write(msgsock, msg, strlen(msg))

    local break2 = false
    repeat
        local break1 = false
        repeat -- the loop's body: `break` in here is PHP's `continue`
            local buf = socket_read(msgsock, 2048, PHP_NORMAL_READ)
            if false == buf then
                echo("socket_read() failed: reason: " .. socket_strerror(socket_last_error(msgsock)) .. "\n")
                break2 = true break
            end
            buf = trim(buf)
            if not boolval(buf) then
                break -- continue
            end
            if buf == 'quit' then
                break1 = true break
            end
            if buf == 'shutdown' then
                socket_close(msgsock)
                break2 = true break
            end
            local talkback = "PHP: You said '" .. buf .. "'.\n"
            socket_write(msgsock, talkback, strlen(talkback))
            echo(buf .. "\n")
        until true
    until break1 or break2
    if break2 then break end
    socket_close(msgsock)
until false

socket_close(sock)
