-- Parity twin of dns.php (see there for the names the test's DNS server answers).
dofile((arg[0]:match("^(.*)/") or ".") .. "/nslib.lua")

section("gethostbyname")
for _, h in ipairs({ "good.test", "alias.test", "multi.test", "nx.test", "fail.test", "localhost", "GOOD.test" }) do
	show("gethostbyname " .. quote(h), gethostbyname(h))
	showlist("gethostbynamel " .. quote(h), gethostbynamel(h))
end
section("gethostbyaddr")
for _, a in ipairs({ "127.0.0.42", "127.0.0.99", "127.0.0.1" }) do
	show("gethostbyaddr " .. quote(a), gethostbyaddr(a))
end
show("strerror", socket_strerror(-10001), socket_strerror(-10002))

section("connect and bind by name")
-- A listener on 127.0.0.42, reached by name.
local srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("bind good.test", socket_bind(srv, "good.test", 0))
local _, sa, port = socket_getsockname(srv)
show("bound to", sa)
socket_listen(srv, 5)
local c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("connect good.test", socket_connect(c, "good.test", port))
local _, pa, pp = socket_getpeername(c)
show("peer", pa, pp == port)
local acc = socket_accept(srv)
local _, aa = socket_getpeername(acc)
show("accepted from", aa)
show("connect alias.test", socket_connect(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "alias.test", port))

for _, h in ipairs({ "nx.test", "fail.test" }) do
	section("failures: " .. h)
	local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
	socket_clear_error()
	show("connect " .. h, socket_connect(s, h, port), socket_last_error(s), socket_last_error())
	show("  strerror", socket_strerror(socket_last_error(s)))
	s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
	show("bind " .. h, socket_bind(s, h, 0), socket_last_error(s))
	local u = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)
	show("sendto " .. h, socket_sendto(u, "x", 1, 0, h, 9), socket_last_error(u))
end

section("sendto by name")
-- UDP by name.
local u = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)
socket_bind(u, "127.0.0.42", 0)
local _, ua, up = socket_getsockname(u)
local v = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)
show("sendto good.test", socket_sendto(v, "ping", 4, 0, "good.test", up))
local n, buf, from = socket_recvfrom(u, 100, 0)
show("recvfrom", n, buf, from)

local cases = {
	{ "good.test", "80", { ai_family = AF_INET, ai_socktype = SOCK_STREAM } },
	{ "good.test", "80", { ai_family = AF_INET6, ai_socktype = SOCK_STREAM } },
	{ "good.test", false, { ai_socktype = SOCK_DGRAM } },
	{ "multi.test", "7", { ai_socktype = SOCK_STREAM } },
	{ "alias.test", "80", { ai_family = AF_INET, ai_socktype = SOCK_STREAM, ai_flags = AI_CANONNAME } },
	{ "good.test", "80", { ai_family = AF_INET, ai_socktype = SOCK_STREAM, ai_flags = AI_CANONNAME } },
	{ "good.test", "80", { ai_flags = AI_NUMERICHOST } },
	{ "nx.test", "80", {} },
	{ "fail.test", "80", {} },
}
for i, cs in ipairs(cases) do
	section("lookup " .. i)
	local host, service, hints = cs[1], cs[2] or nil, cs[3]
	explain_all("lookup " .. i .. " " .. render(host) .. " " .. render(service) .. " " .. render(hints),
		socket_addrinfo_lookup(host, service, hints))
end
section("socket_addrinfo_connect by name")
local ai = socket_addrinfo_lookup("good.test", tostring(port), { ai_family = AF_INET, ai_socktype = SOCK_STREAM })
local c2 = socket_addrinfo_connect(ai[1])
local _, pa2 = socket_getpeername(c2)
show("addrinfo_connect good.test", c2, pa2)
