-- Parity twin of netdb.php (see there): getprotobyname, gethostbyaddr,
-- gethostbyname(l) and the socket_addrinfo_* family on loopback.
dofile((arg[0]:match("^(.*)/") or ".") .. "/nslib.lua")

section("getprotobyname")
for _, p in ipairs({ "tcp", "udp", "icmp", "ipv6-icmp", "ip", "TCP", "IPv6-ICMP", "nope", "" }) do
	show("getprotobyname " .. quote(p), getprotobyname(p))
end

section("gethostbyaddr")
for _, a in ipairs({ "127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.2", "bogus", "", "127.1", "1.2.3.4.5" }) do
	show("gethostbyaddr " .. quote(a), gethostbyaddr(a))
end

section("gethostbyname")
for _, h in ipairs({ "localhost", "127.0.0.1", "127.1", "0x7f.1", "0x7f000001", "127.0.0.1 x", "::1", "", "no-such-host.invalid" }) do
	show("gethostbyname " .. quote(h), gethostbyname(h))
	showlist("gethostbynamel " .. quote(h), gethostbynamel(h))
end
show("gethostbyname long", gethostbyname(string.rep("a", 256)) == string.rep("a", 256))
show("gethostbynamel long", gethostbynamel(string.rep("a", 256)))

-- Each case: host, service (false stands for PHP's null), hints.
local cases = {
	{ "127.0.0.1", false, {} },
	{ "127.0.0.1", "80", {} },
	{ "127.0.0.1", "http", {} },
	{ "127.0.0.1", "http", { ai_socktype = SOCK_DGRAM } },
	{ "127.0.0.1", "domain", {} },
	{ "127.0.0.1", "0", {} },
	{ "127.0.0.1", "65535", {} },
	{ "127.0.0.1", "65536", {} },
	{ "127.0.0.1", "-1", {} },
	{ "127.0.0.1", "nosuchservice", {} },
	{ "127.0.0.1", "", {} },
	{ "localhost", false, {} },
	{ "localhost", "80", { ai_family = AF_INET } },
	{ "localhost", "80", { ai_family = AF_INET6 } },
	{ "::1", "80", {} },
	{ "::1", false, { ai_family = AF_INET } },
	{ "::1", "443", { ai_family = AF_INET6, ai_socktype = SOCK_STREAM } },
	{ "127.0.0.1", "80", { ai_family = AF_INET6 } },
	{ "127.0.0.1", "80", { ai_family = AF_INET6, ai_flags = AI_V4MAPPED } },
	{ "localhost", "80", { ai_flags = AI_NUMERICHOST } },
	{ "127.0.0.1", "80", { ai_flags = AI_NUMERICHOST } },
	{ "::1", "80", { ai_flags = AI_NUMERICHOST, ai_socktype = SOCK_DGRAM } },
	{ "localhost", "80", { ai_flags = AI_CANONNAME } },
	{ "127.0.0.1", false, { ai_flags = AI_CANONNAME, ai_socktype = SOCK_STREAM } },
	{ "127.0.0.1", "http", { ai_flags = AI_NUMERICSERV } },
	{ "127.0.0.1", "80", { ai_flags = AI_NUMERICSERV + AI_NUMERICHOST } },
	{ "127.1", "80", {} },
	{ "127.0.0.1", "80", { ai_socktype = SOCK_STREAM } },
	{ "127.0.0.1", "80", { ai_protocol = SOL_UDP } },
	{ "127.0.0.1", "80", { ai_protocol = SOL_TCP, ai_socktype = SOCK_STREAM } },
	{ "127.0.0.1", "80", { ai_socktype = SOCK_STREAM, ai_protocol = SOL_UDP } },
	{ "127.0.0.1", false, { ai_socktype = SOCK_RAW } },
	{ "127.0.0.1", "80", { ai_socktype = SOCK_RAW } },
	{ "0.0.0.0", "8080", { ai_flags = AI_PASSIVE, ai_socktype = SOCK_STREAM } },
	{ "", "80", {} },
	{ "no-such-host.invalid", "80", {} },
	{ "127.0.0.1", "80", { ai_family = "2", ai_socktype = "1" } },
}
for i, c in ipairs(cases) do
	section("lookup " .. i)
	local host, service, hints = c[1], c[2] or nil, c[3]
	explain_all("lookup " .. i .. " " .. render(host) .. " " .. render(service) .. " " .. render(hints),
		socket_addrinfo_lookup(host, service, hints))
end

section("misuse")
attempt("bad hint key", function()
	return socket_addrinfo_lookup("127.0.0.1", "80", { ai_family = AF_INET, family = 2 })
end)
attempt("hints not array", function()
	return socket_addrinfo_lookup("127.0.0.1", "80", 5)
end)
attempt("no args", function()
	return socket_addrinfo_lookup()
end)
attempt("explain number", function()
	return socket_addrinfo_explain(5)
end)
attempt("explain nil", function()
	return socket_addrinfo_explain(nil)
end)
attempt("connect string", function()
	return socket_addrinfo_connect("127.0.0.1")
end)
attempt("bind table", function()
	return socket_addrinfo_bind({})
end)
attempt("explain socket", function()
	return socket_addrinfo_explain(socket_create(AF_INET, SOCK_STREAM, SOL_TCP))
end)
attempt("getprotobyname no args", function()
	return getprotobyname()
end)
attempt("gethostbyaddr no args", function()
	return gethostbyaddr()
end)

section("socket_addrinfo_connect")
-- socket_addrinfo_connect to a listening socket, and to a closed port.
local srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
socket_bind(srv, "127.0.0.1", 0)
local _, _, port = socket_getsockname(srv)
socket_listen(srv)
local ai = socket_addrinfo_lookup("127.0.0.1", tostring(port), { ai_socktype = SOCK_STREAM })
local c = socket_addrinfo_connect(ai[1])
show("connect", c)
local _, pa, pp = socket_getpeername(c)
show("connect peer", pa, pp == port)
local acc = socket_accept(srv)
show("connect write", socket_write(c, "hi"))
show("connect read", socket_read(acc, 10))
show("connect option type", socket_get_option(c, SOL_SOCKET, SO_TYPE))
socket_close(c)
socket_close(acc)

local ai6 = socket_addrinfo_lookup("::1", tostring(port), { ai_socktype = SOCK_STREAM })
local closed = socket_addrinfo_connect(ai6[1])
show("connect v6 closed", closed, socket_last_error())
socket_clear_error()
socket_close(srv)
ai = socket_addrinfo_lookup("127.0.0.1", tostring(port), { ai_socktype = SOCK_STREAM })
show("connect closed", socket_addrinfo_connect(ai[1]), socket_last_error(), socket_strerror(socket_last_error()))

section("raw entries")
local raw = socket_addrinfo_lookup("127.0.0.1", nil, { ai_socktype = SOCK_RAW })
show("connect raw proto 0", socket_addrinfo_connect(raw[1]), socket_last_error())
show("bind raw proto 0", socket_addrinfo_bind(raw[1]), socket_last_error())

section("socket_addrinfo_bind")
-- socket_addrinfo_bind: UDP port 0, then talk to it.
ai = socket_addrinfo_lookup("127.0.0.1", "0", { ai_socktype = SOCK_DGRAM })
local u = socket_addrinfo_bind(ai[1])
show("bind udp", u)
local _, ua, up = socket_getsockname(u)
show("bind udp name", ua, up > 0)
show("bind udp type", socket_get_option(u, SOL_SOCKET, SO_TYPE))
local sender = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)
show("sendto", socket_sendto(sender, "ping", 4, 0, "127.0.0.1", up))
local n, buf, from = socket_recvfrom(u, 100, 0)
show("recvfrom", n, buf, from)

ai = socket_addrinfo_lookup("::1", "0", { ai_socktype = SOCK_STREAM })
local b6 = socket_addrinfo_bind(ai[1])
local _, ba, bp = socket_getsockname(b6)
show("bind v6", b6, ba, bp > 0)
show("bind v6 listen", socket_listen(b6))
ai = socket_addrinfo_lookup("::1", tostring(bp), { ai_socktype = SOCK_STREAM })
show("bind in use", socket_addrinfo_bind(ai[1]), socket_last_error())
ai = socket_addrinfo_lookup("127.0.0.1", "0", { ai_socktype = SOCK_STREAM, ai_flags = AI_PASSIVE })
local b = socket_addrinfo_bind(ai[1])
show("bind passive listen", socket_listen(b), socket_get_option(b, SOL_SOCKET, SO_REUSEADDR))
