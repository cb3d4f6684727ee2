-- connect_timeout_demo.lua: the usage example in connect_timeout.php's comment (Brian Moon, BSD
-- 3-clause) ported line by line: three hosts, each connected with a 100 ms timeout.
-- Run: sockrun examples/ports/connect_timeout_demo.lua (edit the hosts for your setup).
dofile((arg[0]:match("^(.*)/") or ".") .. "/connect_timeout.lua")

local timeout = 100

local hosts = array(
    array({
        desc = "Good host",
        host = "127.0.0.1",
        port = "4730"
    }),
    array({
        desc = "Routable, but not up",
        host = "10.1.2.30",
        port = "4730"
    }),
    array({
        desc = "Up but not listening",
        host = "127.0.0.1",
        port = "7676"
    })
)

for _, host in ipairs(hosts) do

    echo("Trying: " .. host["desc"] .. "...\n")

    local socket
    local ok, e = pcall(function()
        socket = socket_connect_timeout(host["host"], host["port"], timeout)
    end)
    if not ok then
        echo(e .. "\n")
        socket = nil
    end

    var_dump(socket)

    echo("\n")

end
