-- 06_gethostbyname.lua: look up the IPv4 address of a host name with gethostbyname.
-- Run: sockrun examples/06_gethostbyname.lua [HOSTNAME]   (default www.google.com, the tutorial's)
local hostname = arg[1] or "www.google.com"

local ip_address = gethostbyname(hostname)

-- = 173.194.75.104 in the tutorial; a name that does not resolve comes back unchanged
echo(ip_address .. "\n")
