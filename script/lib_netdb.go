package script

import (
	"bufio"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/sock"
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
	aiV4Mapped    = 8
	aiNumericServ = 1024
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
	names, err := a.rt.eng.Resolver.Reverse(a.rt.eng.Context(), ip.String())
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
	if ai.family == sock.AFInet6 {
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
			hints[string(key)] = int(a.phpLong(v))
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
// hints sockrun supports: family, socket type, protocol, AI_NUMERICHOST,
// AI_NUMERICSERV, AI_V4MAPPED and AI_CANONNAME.
func (rt *Runtime) getaddrinfo(host, service string, hints map[string]int) ([]*addrInfo, error) {
	flags, family := hints["ai_flags"], hints["ai_family"]
	types, ok := addrinfoTypes(hints["ai_socktype"], hints["ai_protocol"])
	if !ok {
		return nil, sock.HostNotFound
	}
	port, numericService := 0, true
	if service != "" {
		port, numericService = numericPort(service)
		if !numericService && flags&aiNumericServ != 0 {
			return nil, sock.HostNotFound
		}
	}

	var ips []netip.Addr
	numericHost := true
	switch ip, err := netip.ParseAddr(host); {
	case err == nil:
		ips = []netip.Addr{ip}
	case family != sock.AFInet6 && isInetAton(host):
		ip, _ := sock.InetAton(host)
		ips = []netip.Addr{ip}
	case flags&aiNumericHost != 0:
		return nil, sock.HostNotFound
	default:
		numericHost = false
		network := map[int]string{sock.AFInet: "ip4", sock.AFInet6: "ip6"}[family]
		if family == sock.AFInet6 && flags&aiV4Mapped != 0 {
			network = "ip"
		}
		if network == "" {
			network = "ip"
		}
		if ips, err = rt.eng.Resolver.Lookup(rt.eng.Context(), network, host); err != nil {
			return nil, err
		}
	}
	ips = addrinfoFamily(ips, family, flags)

	canonName := host
	if flags&aiCanonName != 0 && !numericHost {
		if name, err := rt.eng.Resolver.Canonical(rt.eng.Context(), host); err == nil {
			canonName = name
		}
	}
	var out []*addrInfo
	for _, ip := range ips {
		fam := sock.AFInet
		if ip.Is6() {
			fam = sock.AFInet6
		}
		for _, t := range types {
			p := port
			if service != "" && hints["ai_socktype"] == unix.SOCK_RAW {
				continue // glibc: a service for a raw socket asked for by name
			}
			if !numericService {
				// A named service exists for its protocols only; a raw
				// socket has none.
				var err error
				if t.sockType == unix.SOCK_RAW {
					continue
				}
				if p, err = servicePort(t.sockType, service); err != nil {
					continue
				}
			}
			ai := &addrInfo{flags: flags, family: fam, sockType: t.sockType, protocol: t.protocol, ip: ip, port: p}
			if flags&aiCanonName != 0 && len(out) == 0 {
				ai.canonName = canonName
			}
			out = append(out, ai)
		}
	}
	if len(out) == 0 {
		return nil, sock.HostNotFound
	}
	return out, nil
}

type socktype struct{ sockType, protocol int }

// addrinfoTypes lists the (socket type, protocol) pairs a lookup returns for
// each address: all three without hints, else the ones the hints allow
// (ok is false for a contradiction such as SOCK_STREAM with UDP).
func addrinfoTypes(sockType, protocol int) ([]socktype, bool) {
	all := []socktype{{unix.SOCK_STREAM, unix.IPPROTO_TCP}, {unix.SOCK_DGRAM, unix.IPPROTO_UDP}, {unix.SOCK_RAW, 0}}
	var out []socktype
	for _, t := range all {
		switch {
		case sockType != 0 && sockType != t.sockType:
		case t.sockType == unix.SOCK_RAW && (sockType != 0 || protocol == 0):
			// raw takes any protocol, but only when asked for, or with none
			if sockType != 0 || protocol == 0 {
				out = append(out, socktype{t.sockType, protocol})
			}
		case protocol != 0 && protocol != t.protocol:
		default:
			out = append(out, t)
		}
	}
	return out, len(out) > 0
}

// addrinfoFamily keeps the addresses of the asked family; with AF_INET6 and
// AI_V4MAPPED, IPv4 addresses become ::ffff:a.b.c.d when there is no IPv6 one.
func addrinfoFamily(ips []netip.Addr, family, flags int) []netip.Addr {
	var v4, v6 []netip.Addr
	for _, ip := range ips {
		if ip = ip.Unmap(); ip.Is4() {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	switch family {
	case sock.AFInet:
		return v4
	case sock.AFInet6:
		if len(v6) == 0 && flags&aiV4Mapped != 0 {
			for _, ip := range v4 {
				v6 = append(v6, netip.AddrFrom16(ip.As16()))
			}
		}
		return v6
	}
	var all []netip.Addr
	for _, ip := range ips {
		all = append(all, ip.Unmap())
	}
	return all
}

// numericPort reads a numeric service as glibc does: digits only, kept to
// the low 16 bits ("65536" is port 0). ok is false for anything else.
func numericPort(service string) (int, bool) {
	if service == "" {
		return 0, false
	}
	n := 0
	for _, c := range service {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = (n*10 + int(c-'0')) & 0xffffffff
	}
	return n & 0xffff, true
}

func isInetAton(host string) bool {
	_, ok := sock.InetAton(host)
	return ok
}

// servicePort looks a named service up in /etc/services for the socket
// type's protocol.
func servicePort(sockType int, service string) (int, error) {
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
	s, err := a.rt.eng.NewSocket(ai.family, ai.sockType, ai.protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket", err)
	}
	call, err := s.Connect(ai.sockaddr(), true)
	if err != nil {
		a.rt.eng.CloseSocket(s)
		return a.fail(nil, "Unable to connect address", err)
	}
	return a.await(s, sock.Write, 0, true, call.Attempt, func(err error) int {
		if err != nil {
			a.rt.eng.CloseSocket(s)
			return a.fail(nil, "Unable to connect address", err)
		}
		return pushSocket(a, s)
	})
}

// socketAddrinfoBind: socket_addrinfo_bind(AddressInfo) -> Socket|false
func socketAddrinfoBind(a args) int {
	a.count(1, 1)
	ai := a.addrInfo(1)
	s, err := a.rt.eng.NewSocket(ai.family, ai.sockType, ai.protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket", err)
	}
	if err := s.Bind(ai.sockaddr()); err != nil {
		a.rt.eng.CloseSocket(s)
		return a.fail(nil, "Unable to bind address", err)
	}
	return pushSocket(a, s)
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
	if ai.family == sock.AFInet6 {
		prefix = "sin6_"
	}
	addr.RawSetString(prefix+"port", lua.LNumber(ai.port))
	addr.RawSetString(prefix+"addr", lua.LString(ai.ip.String()))
	t.RawSetString("ai_addr", addr)
	a.L.Push(t)
	return 1
}
