-- t30_pair_type: socket_create_pair's checks: PHP 8.2 raises a ValueError
-- for a type above 10 (php-src's socket_create_pair-wrongparams.phpt) and
-- for an unknown domain, and hands smaller unknown types to the OS.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")
attempt("AF_INET, 31337", function() return socket_create_pair(AF_INET, 31337, 0) end)
attempt("AF_UNIX, 11", function() return socket_create_pair(AF_UNIX, 11, 0) end)
attempt("domain 99", function() return socket_create_pair(99, 31337, 0) end)
attempt("AF_UNIX, 6", function() return socket_create_pair(AF_UNIX, 6, 0) end)
attempt("AF_UNIX, -1", function() return socket_create_pair(AF_UNIX, -1, 0) end)
show("last_error", socket_last_error())
local ok, p = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
show("AF_UNIX, SOCK_STREAM", ok, #p)
show("write", socket_write(p[1], "ping"))
show("read", socket_read(p[2], 10))
