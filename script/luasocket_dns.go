package script

import (
	"bufio"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"sockrun/sock"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// socket.dns (LuaSocket's inet.c): toip and tohostname are IPv4 host
// lookups (gethostbyname, or gethostbyaddr for a dotted address);
// getaddrinfo and getnameinfo follow getaddrinfo(3).

// hostent looks a host up as inet_gethost does: name, aliases, IPv4 list.
func (ls *luaSocket) hostent(address string) (name string, ips []netip.Addr, err error) {
	if address == "" {
		return "", nil, sock.HostNoRecovery // gethostbyname(""): NO_RECOVERY
	}
	if ip, ok := sock.InetAton(address); ok {
		names, err := ls.rt.lsReverse(ip.String())
		if err != nil || len(names) == 0 {
			return "", nil, sock.HostNotFound
		}
		return strings.TrimSuffix(names[0], "."), []netip.Addr{ip}, nil
	}
	ips, err = ls.rt.lsLookupIP("ip4", address)
	if err != nil || len(ips) == 0 {
		return "", nil, sock.HostNotFound
	}
	for i := range ips {
		ips[i] = ips[i].Unmap() // Go may hand IPv4 answers back as ::ffff:a.b.c.d
	}
	return address, ips, nil
}

func (ls *luaSocket) pushHostent(a args, address string, wantName bool) int {
	L := a.L
	name, ips, err := ls.hostent(address)
	if err != nil {
		L.Push(lua.LNil)
		if err == sock.HostNoRecovery {
			L.Push(lua.LString(sock.Strerror(int(sock.HostNoRecovery)))) // hstrerror's "Unknown server error"
		} else {
			L.Push(lua.LString("host not found"))
		}
		return 2
	}
	if wantName {
		L.Push(lua.LString(name))
	} else {
		L.Push(lua.LString(ips[0].String()))
	}
	t := L.NewTable()
	t.RawSetString("name", lua.LString(name))
	t.RawSetString("alias", L.NewTable())
	list := L.NewTable()
	for _, ip := range ips {
		list.Append(lua.LString(ip.String()))
	}
	t.RawSetString("ip", list)
	L.Push(t)
	return 2
}

// toip: socket.dns.toip(address) -> ip, resolved | nil, err.
func (ls *luaSocket) toip(a args) int {
	return ls.pushHostent(a, a.L.CheckString(1), false)
}

// tohostname: socket.dns.tohostname(address) -> name, resolved | nil, err.
func (ls *luaSocket) tohostname(a args) int {
	return ls.pushHostent(a, a.L.CheckString(1), true)
}

func (ls *luaSocket) gethostname(a args) int {
	name, err := os.Hostname()
	if err != nil {
		return a.lsFail(err)
	}
	a.L.Push(lua.LString(name))
	return 1
}

// getaddrinfo: socket.dns.getaddrinfo(host) -> {{family=, addr=}...} | nil, err.
func (ls *luaSocket) getaddrinfo(a args) int {
	L := a.L
	host := L.CheckString(1)
	ais, err := ls.resolve(host, "", 0, unix.SOCK_STREAM, false)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(lsGaiError(err)))
		return 2
	}
	out := L.NewTable()
	for _, ai := range ais {
		t := L.NewTable()
		t.RawSetString("family", lua.LString(lsFamilyName(ai.family)))
		t.RawSetString("addr", lua.LString(ai.ip.Unmap().String()))
		out.Append(t)
	}
	L.Push(out)
	return 1
}

// getnameinfo: socket.dns.getnameinfo(host, serv) -> {names} [, service]
// | nil, err: the names of each address host resolves to (numeric when a
// reverse lookup finds none) and the service's name.
func (ls *luaSocket) getnameinfo(a args) int {
	L := a.L
	host, serv := L.OptString(1, ""), L.OptString(2, "")
	hasHost, hasServ := !a.absent(1), !a.absent(2)
	if !hasHost && !hasServ {
		a.lsRaise("host and serv cannot be both nil")
	}
	lookupHost := host
	if !hasHost {
		lookupHost = "127.0.0.1" // getaddrinfo(NULL, serv): the loopback address
	}
	ais, err := ls.resolve(lookupHost, serv, 0, unix.SOCK_STREAM, false)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(lsGaiError(err)))
		return 2
	}
	names := L.NewTable()
	if hasHost {
		for _, ai := range ais {
			name := ai.ip.String()
			if found, err := ls.rt.lsReverse(name); err == nil && len(found) > 0 {
				name = strings.TrimSuffix(found[0], ".")
			}
			names.Append(lua.LString(name))
		}
	}
	if !hasServ {
		L.Push(names)
		return 1
	}
	L.Push(names)
	L.Push(lua.LString(serviceName(ais[0].port, "tcp")))
	return 2
}

// serviceName is getservbyport from /etc/services, or the number.
func serviceName(port int, proto string) string {
	want := strconv.Itoa(port) + "/" + proto
	if f, err := os.Open("/etc/services"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(strings.SplitN(sc.Text(), "#", 2)[0])
			if len(fields) >= 2 && fields[1] == want {
				return fields[0]
			}
		}
	}
	return strconv.Itoa(port)
}
