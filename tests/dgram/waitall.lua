-- waitall: MSG_WAITALL against a Go peer (tests/nonblock_test.go) at
-- 127.0.0.1:arg[1] that writes "123", pauses, writes "456", then "xy" and
-- closes: the first recv waits for all 6 bytes, the next gets the short
-- count at EOF, the last 0 and nil.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("connect", socket_connect(s, "127.0.0.1", tonumber(arg[1])))
local t0 = now()
local n, buf = socket_recv(s, 6, MSG_WAITALL)
show("recv WAITALL 6", n, buf)
show("waited for the second write", now() - t0 >= 0.25)
n, buf = socket_recv(s, 10, MSG_WAITALL)
show("recv WAITALL 10", n, buf)
n, buf = socket_recv(s, 10, MSG_WAITALL)
show("recv WAITALL at EOF", n, buf)
