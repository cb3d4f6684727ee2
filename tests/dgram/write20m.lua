-- write20m: one blocking socket_write of 20 MiB to a slow but reading Go
-- peer (tests/nonblock_test.go) at 127.0.0.1:arg[1] sends everything. The
-- bytes repeat an 8191-byte block (x = (75x + 74) mod 65537, byte x mod 256)
-- that the peer regenerates to check every byte.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")

local block, x = {}, 1
for i = 1, 8191 do
	x = (75 * x + 74) % 65537
	block[i] = string.char(x % 256)
end
local total = 20 * 1024 * 1024
local data = table.concat(block)
while #data < total do
	data = data .. data
end
data = data:sub(1, total)
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("connect", socket_connect(s, "127.0.0.1", tonumber(arg[1])))
show("write", socket_write(s, data))
socket_close(s)
