-- connect_timeout.lua: Brian Moon's socket_connect_timeout() (connect_timeout.php beside it,
-- BSD 3-clause: Copyright (c) 2015, Brian Moon of DealNews.com, Inc.; the notice and conditions
-- are in connect_timeout.php, which this port redistributes with), ported line by line. Load it
-- with dofile; connect_timeout_demo.lua runs the example of its comment. Changes are syntax
-- only: `throw new Exception($message)` is error(message, 0) (catch with pcall), `@` is silence,
-- and `array("sec" => 0, ...)` a table with the same keys.

function socket_connect_timeout(host, port, timeout)
    timeout = timeout or 100

    local socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)

    --[[
     * Set the send and receive timeouts super low so that socket_connect
     * will return to us quickly. We then loop and check the real timeout
     * and check the socket error to decide if its conected yet or not.
     ]]
    local connect_timeval = {
        sec = 0,
        usec = 100
    }
    socket_set_option(
        socket,
        SOL_SOCKET,
        SO_SNDTIMEO,
        connect_timeval
    )
    socket_set_option(
        socket,
        SOL_SOCKET,
        SO_RCVTIMEO,
        connect_timeval
    )

    local now = microtime(true)

    --[[
     * Loop calling socket_connect. As long as the error is 115 (in progress)
     * or 114 (already called) and our timeout has not been reached, keep
     * trying.
     ]]
    local err = nil
    local socket_connected = false
    local elapsed
    repeat
        socket_clear_error(socket)
        socket_connected = silence(socket_connect, socket, host, port)
        err = socket_last_error(socket)
        elapsed = (microtime(true) - now) * 1000
    until not ((err == 115 or err == 114) and elapsed < timeout)

    --[[
     * For some reason, socket_connect can return true even when it is
     * not connected. Make sure it returned true the last error is zero
     ]]
    socket_connected = socket_connected and err == 0

    if socket_connected then

        --[[
         * Set keep alive on so the other side does not drop us
         ]]
        socket_set_option(socket, SOL_SOCKET, SO_KEEPALIVE, 1)

        --[[
         * set the real send/receive timeouts here now that we are connected
         ]]
        local timeval = {
            sec = 0,
            usec = 0
        }
        if timeout >= 1000 then
            local ts_seconds = timeout / 1000
            timeval["sec"] = floor(ts_seconds)
            timeval["usec"] = (ts_seconds - timeval["sec"]) * 1000000
        else
            timeval["usec"] = timeout * 1000
        end
        socket_set_option(
            socket,
            SOL_SOCKET,
            SO_SNDTIMEO,
            timeval
        )
        socket_set_option(
            socket,
            SOL_SOCKET,
            SO_RCVTIMEO,
            timeval
        )

    else

        elapsed = round(elapsed, 4)

        local message
        if not is_null(err) and err ~= 0 and err ~= 114 and err ~= 115 then
            message = "Failed to connect to " .. host .. ":" .. port .. ". (" .. err .. ": " .. socket_strerror(err) .. "; after " .. elapsed .. "ms)"
        else
            message = "Failed to connect to " .. host .. ":" .. port .. ". (timed out after " .. elapsed .. "ms)"
        end

        error(message, 0)

    end

    return socket

end
