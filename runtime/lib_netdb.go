package runtime

import (
	"bufio"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Name-service functions: getprotobyname, gethostbyaddr and the
// socket_addrinfo_* family. Every lookup goes through rt.resolver.
var netdbFuncs = []libFunc{
	{"getprotobyname", getprotobyname},
	{"gethostbyaddr", gethostbyaddr},
	{"socket_addrinfo_lookup", socketAddrinfoLookup},
	{"socket_addrinfo_connect", socketAddrinfoConnect},
	{"socket_addrinfo_bind", socketAddrinfoBind},
	{"socket_addrinfo_explain", socketAddrinfoExplain},
}

const addrInfoTypeName = "AddressInfo"

// getaddrinfo(3) flags sockrun honours (PHP's AI_* values).
const (
	aiCanonName   = 2
	aiNumericHost = 4
)

// wellKnownProtocols answers getprotobyname where /etc/protocols is missing.
var wellKnownProtocols = map[string]int{"ip": 0, "icmp": 1, "tcp": 6, "udp": 17, "ipv6": 41, "ipv6-icmp": 58}

// getprotobyname: getprotobyname(name) -> number|false, from /etc/protocols
// (names and aliases), as getprotobyname(3).
func getprotobyname(a args) int {
	a.count(1, 1)
	name := a.str(1, "protocol")
	if n, ok := lookupProtocol("/etc/protocols", name); ok {
		a.L.Push(lua.LNumber(n))
		return 1
	}
	a.L.Push(lua.LFalse)
	return 1
}

func lookupProtocol(path, name string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		n, ok := wellKnownProtocols[name]
		return n, ok
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		for i, f := range fields {
			if i != 1 && f == name {
				n, err := strconv.Atoi(fields[1])
				return n, err == nil
			}
		}
	}
	return 0, false
}

// gethostbyaddr: gethostbyaddr(ip) -> name; the address itself when it has
// no name; false with a warning when it is not an address.
func gethostbyaddr(a args) int {
	a.count(1, 1)
	addr := a.str(1, "ip")
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		a.warn("Address is not a valid IPv4 or IPv6 address")
		a.L.Push(lua.LFalse)
		return 1
	}
	names, err := a.rt.resolver.reverse(a.rt.ctx, ip.String())
	if err == errStopped {
		a.L.RaiseError("%s", err.Error())
	}
	if err != nil || len(names) == 0 {
		a.L.Push(lua.LString(addr))
		return 1
	}
	a.L.Push(lua.LString(strings.TrimSuffix(names[0], ".")))
	return 1
}

// addrInfo is one result of socket_addrinfo_lookup: PHP's AddressInfo.
type addrInfo struct {
	flags, family, sockType, protocol int
	canonName                         string
	ip                                netip.Addr
	port                              int
}

func (ai *addrInfo) sockaddr() unix.Sockaddr {
	if ai.family == afInet6 {
		return &unix.SockaddrInet6{Addr: ai.ip.As16(), Port: ai.port}
	}
	return &unix.SockaddrInet4{Addr: ai.ip.As4(), Port: ai.port}
}

// addrinfoHints are the keys socket_addrinfo_lookup accepts in $hints.
var addrinfoHints = []string{"ai_flags", "ai_socktype", "ai_protocol", "ai_family"}

// socketAddrinfoLookup: socket_addrinfo_lookup(host[, service[, hints]])
// -> {AddressInfo...}|false, as getaddrinfo(3): for each address, one entry
// per socket type (stream, datagram, and raw when no service is given),
// unless the hints pick one.
func socketAddrinfoLookup(a args) int {
	a.count(1, 3)
	host := a.str(1, "host")
	service := ""
	if !a.absent(2) {
		service = a.str(2, "service")
	}
	hints := map[string]int{}
	if !a.absent(3) {
		t, ok := a.L.Get(3).(*lua.LTable)
		if !ok {
			a.raise("Argument #3 ($hints) must be of type array, %s given", typeName(a.L.Get(3)))
		}
		t.ForEach(func(k, v lua.LValue) {
			key, _ := k.(lua.LString)
			if !containsString(addrinfoHints, string(key)) {
				a.raise(`Argument #3 ($hints) must only contain array keys "ai_flags", "ai_socktype", "ai_protocol", or "ai_family"`)
			}
			hints[string(key)] = phpLong(a.rt, v)
		})
	}
	infos, err := a.rt.getaddrinfo(host, service, hints)
	if err == errStopped {
		a.L.RaiseError("%s", err.Error())
	}
	if err != nil {
		a.L.Push(lua.LFalse) // PHP: false, no warning, no errno
		return 1
	}
	t := a.L.CreateTable(len(infos), 0)
	for _, ai := range infos {
		ud := a.L.NewUserData()
		ud.Value = ai
		ud.Metatable = a.L.GetTypeMetatable(addrInfoTypeName)
		t.Append(ud)
	}
	a.L.Push(t)
	return 1
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// getaddrinfo resolves host and service as glibc's getaddrinfo does for the
// hints sockrun supports (family, socket type, protocol, AI_NUMERICHOST,
// AI_PASSIVE, AI_CANONNAME).
func (rt *Runtime) getaddrinfo(host, service string, hints map[string]int) ([]*addrInfo, error) {
	flags, family := hints["ai_flags"], hints["ai_family"]
	var ips []netip.Addr
	switch ip, err := netip.ParseAddr(host); {
	case err == nil:
		ips = []netip.Addr{ip}
	case family != afInet6 && isInetAton(host):
		ip, _ := inetAton(host)
		ips = []netip.Addr{ip}
	case flags&aiNumericHost != 0:
		return nil, hostNotFound
	default:
		network := map[int]string{afInet: "ip4", afInet6: "ip6"}[family]
		if network == "" {
			network = "ip"
		}
		if ips, err = rt.resolver.lookup(rt.ctx, network, host); err != nil {
			return nil, err
		}
	}

	type socktype struct{ sockType, protocol int }
	types := []socktype{{unix.SOCK_STREAM, unix.IPPROTO_TCP}, {unix.SOCK_DGRAM, unix.IPPROTO_UDP}, {unix.SOCK_RAW, 0}}
	if st := hints["ai_socktype"]; st != 0 {
		p := hints["ai_protocol"]
		if p == 0 {
			p = map[int]int{unix.SOCK_STREAM: unix.IPPROTO_TCP, unix.SOCK_DGRAM: unix.IPPROTO_UDP}[st]
		}
		types = []socktype{{st, p}}
	} else if p := hints["ai_protocol"]; p != 0 {
		types = []socktype{{map[int]int{unix.IPPROTO_TCP: unix.SOCK_STREAM, unix.IPPROTO_UDP: unix.SOCK_DGRAM}[p], p}}
	}

	var out []*addrInfo
	for _, ip := range ips {
		ip = ip.Unmap()
		fam := afInet
		if ip.Is6() {
			fam = afInet6
		}
		if family != 0 && family != fam {
			continue
		}
		for _, t := range types {
			port := 0
			if service != "" {
				if t.sockType == unix.SOCK_RAW {
					continue // a service means nothing to a raw socket
				}
				p, err := servicePort(t.sockType, service)
				if err != nil {
					continue
				}
				port = p
			}
			ai := &addrInfo{flags: flags, family: fam, sockType: t.sockType, protocol: t.protocol, ip: ip, port: port}
			if flags&aiCanonName != 0 && len(out) == 0 {
				ai.canonName = host
			}
			out = append(out, ai)
		}
	}
	if len(out) == 0 {
		return nil, hostNotFound
	}
	return out, nil
}

func isInetAton(host string) bool {
	_, ok := inetAton(host)
	return ok
}

// servicePort is a numeric port, or a name from /etc/services for the
// socket type's protocol.
func servicePort(sockType int, service string) (int, error) {
	if n, err := strconv.Atoi(service); err == nil {
		return n, nil
	}
	network := "tcp"
	if sockType == unix.SOCK_DGRAM {
		network = "udp"
	}
	return net.LookupPort(network, service)
}

// checkAddrInfo is argument 1 of the socket_addrinfo_* functions.
func (a args) addrInfo(n int) *addrInfo {
	v := a.L.Get(n)
	if ud, ok := v.(*lua.LUserData); ok {
		if ai, ok := ud.Value.(*addrInfo); ok {
			return ai
		}
	}
	a.raise("Argument #%d ($address) must be of type AddressInfo, %s given", n, typeName(v))
	return nil
}

// socketAddrinfoConnect: socket_addrinfo_connect(AddressInfo) -> Socket|false
func socketAddrinfoConnect(a args) int {
	a.count(1, 1)
	ai := a.addrInfo(1)
	s, err := a.rt.newSocket(ai.family, ai.sockType, ai.protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket", err)
	}
	return a.block(true, false, func(wait bool) error {
		return a.rt.connect(s, ai.sockaddr(), wait)
	}, func(err error) int {
		if err != nil {
			a.rt.closeSocket(s)
			return a.fail(nil, "Unable to connect address", err)
		}
		return pushSocket(a.L, s)
	})
}

// socketAddrinfoBind: socket_addrinfo_bind(AddressInfo) -> Socket|false
func socketAddrinfoBind(a args) int {
	a.count(1, 1)
	ai := a.addrInfo(1)
	s, err := a.rt.newSocket(ai.family, ai.sockType, ai.protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket", err)
	}
	if err := a.rt.bind(s, ai.sockaddr()); err != nil {
		a.rt.closeSocket(s)
		return a.fail(nil, "Unable to bind address", err)
	}
	return pushSocket(a.L, s)
}

// socketAddrinfoExplain: socket_addrinfo_explain(AddressInfo) -> table with
// PHP's keys (ai_flags, ai_family, ai_socktype, ai_protocol, [ai_canonname],
// ai_addr = {sin_port, sin_addr} or {sin6_port, sin6_addr}).
func socketAddrinfoExplain(a args) int {
	a.count(1, 1)
	ai := a.addrInfo(1)
	t := a.L.CreateTable(0, 6)
	t.RawSetString("ai_flags", lua.LNumber(ai.flags))
	t.RawSetString("ai_family", lua.LNumber(ai.family))
	t.RawSetString("ai_socktype", lua.LNumber(ai.sockType))
	t.RawSetString("ai_protocol", lua.LNumber(ai.protocol))
	if ai.canonName != "" {
		t.RawSetString("ai_canonname", lua.LString(ai.canonName))
	}
	addr := a.L.CreateTable(0, 2)
	prefix := "sin_"
	if ai.family == afInet6 {
		prefix = "sin6_"
	}
	addr.RawSetString(prefix+"port", lua.LNumber(ai.port))
	addr.RawSetString(prefix+"addr", lua.LString(ai.ip.String()))
	t.RawSetString("ai_addr", addr)
	a.L.Push(t)
	return 1
}
