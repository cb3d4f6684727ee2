-- LuaSocket's core behaviour, printed so that lua5.1 + LuaSocket and sockrun
-- can be compared line by line (tests/luasocket_test.go). Run: sockrun core.lua
io.stdout:setvbuf("no")
local socket = require("socket")

-- perr runs f in pcall and gives its status and the message's parenthesised
-- part (the interpreters word "bad argument #n to 'name'" differently).
local function perr(f, ...)
  local ok, e = pcall(f, ...)
  return ok, ok or tostring(e):match("%((.*)%)") or e
end

local function show(...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) == "userdata" then v = "<" .. tostring(v):match("^[^:]*") .. ">" end
    out[#out + 1] = tostring(v)
  end
  print(table.concat(out, " | "))
end

show("version", socket._VERSION, type(socket._SETSIZE), socket._SOCKETINVALID, socket._DATAGRAMSIZE)
show("skip", socket.skip(1, "a", "b", "c"))
show("classes", socket.tcp().class, socket.udp().class, tostring(socket.tcp()):match("^tcp{master}: ") ~= nil)
show("fresh getfd", socket.tcp():getfd(), socket.udp():getfd(), socket.tcp4():getfd() >= 0)
local t4 = socket.tcp4(); t4:close()
show("closed getfd", t4:getfd(), t4:close())
show("timeouts", socket.tcp():gettimeout())
local tt = socket.tcp(); tt:settimeout(1.5); tt:settimeout(3, "t")
show("settimeout", tt:gettimeout())
show("bad mode", perr(tt.settimeout, tt, 1, "x"))

-- a listener and a connected pair
local server = assert(socket.bind("127.0.0.1", 0))
local ip, port = server:getsockname()
show("server", server, ip, type(port), select(3, server:getsockname()))
local client = assert(socket.connect("127.0.0.1", port))
local peer = assert(server:accept())
show("pair", client, peer, client:getpeername() == "127.0.0.1", select(3, peer:getpeername()))
show("wrong class", perr(server.receive, server))
show("send", client:send("one\r\ntwo\n\rthree\nfourfive"))
show("recv *l", peer:receive("*l"))
show("recv again", peer:receive("*l"))
show("recv default", peer:receive())
show("recv count", peer:receive(4))
show("recv prefix", peer:receive(6, "ab"))
show("recv prefix longer", peer:receive(2, "xyz"))
show("dirty", peer:dirty())
peer:settimeout(0)
show("recv timeout", peer:receive(10))
show("recv timeout partial *l", peer:receive("*l"))
peer:settimeout(0.05)
show("send i j", client:send("0123456789", 3, 5))
show("send neg", client:send("0123456789", -3))
show("send empty range", client:send("0123456789", 8, 2))
show("recv after", peer:receive(6))
show("stats", peer:getstats() > 0, (select(2, peer:getstats())))
show("setstats", peer:setstats(10, 20, 5))
local r, s, age = peer:getstats()
show("getstats", r, s, age >= 5 and age < 6)
show("bad pattern", perr(peer.receive, peer, "*x"))
show("negative", perr(peer.receive, peer, -1))

-- select: readable, writable, dirty, timeout
client:send("line1\nline2\n")
socket.sleep(0.05)
local rt, wt, err = socket.select({peer, server}, {client}, 1)
show("select", #rt, rt[1] == peer, rt[peer], #wt, wt[client], err)
show("read one", peer:receive())
show("dirty now", peer:dirty())
rt, wt, err = socket.select({peer}, nil, 0)
show("select dirty", #rt, rt[peer], #wt, err)
show("read two", peer:receive())
rt, wt, err = socket.select({peer}, nil, 0.05)
show("select timeout", #rt, #wt, err)
local n1, n2, n3 = socket.select(nil, nil, 0.01)
show("select nothing", type(n1), type(n2), n3)
show("select bad", perr(socket.select, {}, 1, 0))

-- shutdown and close
client:shutdown("send")
show("eof *a", peer:receive("*a"))
show("eof *a again", peer:receive("*a"))
show("eof *l", peer:receive())
show("eof count", peer:receive(3))
peer:close()
show("closed recv", peer:receive())
show("closed send", peer:send("x"))
show("closed getsockname", peer:getsockname() == nil)
client:close()

-- write to a peer that closed, then reset
local c2 = assert(socket.connect("127.0.0.1", port))
local p2 = assert(server:accept())
p2:close()
local sent, e
for i = 1, 20 do
  sent, e = c2:send(string.rep("x", 100000))
  if not sent then break end
end
show("write after close", sent, e)
c2:close()

-- connection refused, blocking and nonblocking
local dead = assert(socket.bind("127.0.0.1", 0))
local _, deadport = dead:getsockname()
dead:close()
show("refused", socket.connect("127.0.0.1", deadport))
local nb = socket.tcp()
nb:settimeout(0)
show("nb connect", nb:connect("127.0.0.1", deadport))
show("nb class", nb.class)
local _, w = socket.select(nil, {nb}, 1)
show("nb select", #w, nb:getoption("error"))
show("no error", server:getoption("error"))

-- accept timeout, bind errors
server:settimeout(0.05)
show("accept timeout", server:accept())
local busy = socket.tcp()
busy:setoption("reuseaddr", false)
show("rebind", busy:bind("127.0.0.1", port))
show("bad host", socket.connect("", 1))
show("listen master", socket.tcp4():listen())

-- options
show("options", client.class, server:getoption("reuseaddr"), server:setoption("tcp-nodelay", true))
local o = socket.tcp4()
show("keepalive", o:setoption("keepalive", true), o:getoption("keepalive"))
show("linger", o:setoption("linger", {on = true, timeout = 3}), o:getoption("linger").on, o:getoption("linger").timeout)
show("bad option", perr(o.setoption, o, "nosuch", 1))
show("setoption on no fd", socket.tcp():setoption("reuseaddr", true))
show("family", socket.tcp4():getfamily(), socket.tcp6():getfamily(), socket.udp6():getfamily())

-- UDP
local u1 = assert(socket.udp())
show("udp setsockname", u1:setsockname("127.0.0.1", 0))
local uip, uport = u1:getsockname()
local u2 = socket.udp()
show("udp sendto", u2:sendto("hello", uip, uport))
local dg, from, fport = u1:receivefrom()
show("udp receivefrom", dg, from, type(fport))
u2:sendto("", uip, uport)
show("udp empty", u1:receive())
show("udp sendto name", u2:sendto("x", "localhost", uport))
u1:settimeout(0)
show("udp timeout", u1:receive())
show("udp setpeername", u2:setpeername(uip, uport), u2.class)
show("udp send", u2:send("connected"))
show("udp receive", u1:receive(4))
show("udp sendto connected", perr(u2.sendto, u2, "x", uip, uport))
show("udp unset", u2:setpeername("*"), u2.class)
show("udp fresh receive", socket.udp():receive())
show("udp dirty", u1:dirty())

-- try / protect
local f = socket.protect(function(x)
  local try = socket.newtry(function() print("finalizer") end)
  try(x, "failed")
  return "passed", x
end)
show("protect", f(false))
show("protect ok", f(1))
show("protect rethrow", perr(socket.protect(function() error("plain", 0) end)))

-- dns
local infos = socket.dns.getaddrinfo("localhost")
local v4
for _, a in ipairs(infos) do if a.family == "inet" then v4 = a.addr end end
show("getaddrinfo", type(infos), v4)
local ip1, res = socket.dns.toip("localhost")
show("toip", ip1, res.ip[1], type(res.alias))
show("toip bad", socket.dns.toip(""))
show("gethostname", type(socket.dns.gethostname()))
show("getnameinfo", perr(socket.dns.getnameinfo))

show("gettime", math.abs(socket.gettime() - os.time()) < 2)
