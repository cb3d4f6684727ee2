-- nbline: PHP_NORMAL_READ on a nonblocking socket, against a Go peer
-- (tests/nonblock_test.go) at 127.0.0.1:arg[1] that writes "part", pauses,
-- writes "ial\n" and "next\n", then closes: each read returns a whole line
-- once it has arrived, and "" at EOF.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("connect", socket_connect(s, "127.0.0.1", tonumber(arg[1])))
show("set_nonblock", socket_set_nonblock(s))
local t0 = now()
show("normal read", socket_read(s, 100, PHP_NORMAL_READ))
show("waited for the rest of the line", now() - t0 >= 0.25)
show("normal read", socket_read(s, 100, PHP_NORMAL_READ))
show("normal read at EOF", socket_read(s, 100, PHP_NORMAL_READ))
show("last_error", socket_last_error(s))
