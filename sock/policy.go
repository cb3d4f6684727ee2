package sock

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The network policy: --allow and --deny rules, checked on connect, bind,
// sendto and accept after every name is resolved, so a script reaches only
// what the user allowed. A deny rule always wins; when any allow rule is
// given, whatever no allow rule matches is denied.
//
// Rules: an address (127.0.0.1, ::1), a CIDR range (10.0.0.0/8), a host
// name (resolved once when the script starts), "*" (any address), "host"
// (this host: see thisHost), each with an optional port or port range
// ("127.0.0.1:8000-8100", "[::1]:22", "*:443", ":80", "host:22"); or
// "unix:PATTERN" for Unix socket paths (a shell pattern matched against the
// path the kernel reaches, see ResolvePath).
//
// The policy sees addresses only where a call names one, so under any rule
// an internet socket must be TCP or UDP (checkCreate): a raw socket writes
// its own headers, and other protocols reach places their sockaddr does not
// say.

type rule struct {
	text     string
	prefixes []netip.Prefix // empty with anyAddr
	anyAddr  bool
	thisHost bool // the word "host"
	portLo   int
	portHi   int
	unixGlob string // for unix: rules
}

type Policy struct {
	allow, deny []rule
	local       localAddrs // for "host" rules
}

// hostWord is the rule word for this host.
const hostWord = "host"

// interfaceAddrs lists the machine's interface addresses (a variable so
// that unit tests can give their own).
var interfaceAddrs = net.InterfaceAddrs

// localAddrs is what "host" matches, read from the interfaces when the
// script starts and again when a check finds the list older than
// localAddrsTTL, so that an address added while the script runs is
// covered within a second without a netlink dump per datagram.
type localAddrs struct {
	read   time.Time
	addrs  []netip.Addr // every interface address
	bcasts []netip.Addr // the directed broadcast address of each IPv4 subnet
}

const localAddrsTTL = time.Second

// Always this host, whatever the interfaces say.
var (
	loopback4  = netip.MustParsePrefix("127.0.0.0/8")
	multicast4 = netip.MustParsePrefix("224.0.0.0/4")
	multicast6 = netip.MustParsePrefix("ff00::/8")
	broadcast4 = netip.AddrFrom4([4]byte{255, 255, 255, 255})
)

func (l *localAddrs) refresh() {
	if !l.read.IsZero() && time.Since(l.read) < localAddrsTTL {
		return
	}
	l.read = time.Now()
	ifaddrs, err := interfaceAddrs()
	if err != nil {
		return // keep what was read before; loopback is matched anyway
	}
	l.addrs, l.bcasts = l.addrs[:0], l.bcasts[:0]
	for _, a := range ifaddrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipnet.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap().WithZone("")
		l.addrs = append(l.addrs, ip)
		ones, bits := ipnet.Mask.Size()
		if ip.Is4() && bits == 32 && ones < 31 {
			b := ip.As4()
			for i := range b {
				b[i] |= ^ipnet.Mask[len(ipnet.Mask)-4+i]
			}
			l.bcasts = append(l.bcasts, netip.AddrFrom4(b))
		}
	}
}

// thisHost reports whether ip is this host. For a deny rule that is every
// address whose packets this host's own sockets may receive: loopback,
// every interface address, and the broadcast and multicast addresses (the
// kernel delivers a copy of those locally too). For an allow rule it is
// only the addresses that reach no other machine: loopback and the
// interface addresses; a broadcast is not "this host" when it is what lets
// a script through. The unspecified address is this host where connect and
// sendto take it so (bind is not given it: binding 0.0.0.0 reaches nothing,
// and is decided as an address of its own).
func (l *localAddrs) thisHost(ip netip.Addr, m match) bool {
	deny := m.deny
	if ip.IsLoopback() || loopback4.Contains(ip) || ip.IsUnspecified() && !m.bind {
		return true
	}
	if deny && (ip == broadcast4 || multicast4.Contains(ip) || multicast6.Contains(ip)) {
		return true
	}
	l.refresh()
	for _, a := range l.addrs {
		if ip == a {
			return true
		}
	}
	if deny {
		for _, b := range l.bcasts {
			if ip == b {
				return true
			}
		}
	}
	return false
}

// PolicyError is a call the policy refused: EACCES, with the rule that decided.
type PolicyError struct{ Why string }

func (e PolicyError) Error() string { return e.Why }
func (e PolicyError) Unwrap() error { return unix.EACCES }

// NewPolicy parses the rules; host names in them are resolved with res.
func NewPolicy(allow, deny []string, lookup func(string) ([]netip.Addr, error)) (*Policy, error) {
	if len(allow) == 0 && len(deny) == 0 {
		return nil, nil
	}
	p := &Policy{}
	for _, list := range []struct {
		texts []string
		into  *[]rule
	}{{allow, &p.allow}, {deny, &p.deny}} {
		for _, text := range list.texts {
			r, err := parseRule(text, lookup)
			if err != nil {
				return nil, err
			}
			*list.into = append(*list.into, r)
		}
	}
	return p, nil
}

func parseRule(text string, lookup func(string) ([]netip.Addr, error)) (rule, error) {
	r := rule{text: text, portLo: 0, portHi: 65535}
	if glob, ok := strings.CutPrefix(text, "unix:"); ok {
		if !strings.HasPrefix(glob, "@") { // "@name": abstract sockets, as written
			abs, err := filepath.Abs(glob)
			if err != nil {
				return r, fmt.Errorf("rule %q: %v", text, err)
			}
			glob = abs
		}
		if _, err := filepath.Match(glob, ""); err != nil {
			return r, fmt.Errorf("rule %q: bad pattern: %v", text, err)
		}
		r.unixGlob = glob
		return r, nil
	}
	host, port := text, ""
	switch {
	case strings.HasPrefix(text, "["):
		end := strings.Index(text, "]")
		if end < 0 {
			return r, fmt.Errorf("rule %q: missing ]", text)
		}
		host, port = text[1:end], strings.TrimPrefix(text[end+1:], ":")
	case strings.Count(text, ":") == 1:
		host, port, _ = strings.Cut(text, ":")
	}
	if port != "" {
		lo, hi, ok := strings.Cut(port, "-")
		if !ok {
			hi = lo
		}
		var err1, err2 error
		r.portLo, err1 = strconv.Atoi(lo)
		r.portHi, err2 = strconv.Atoi(hi)
		if err1 != nil || err2 != nil || r.portLo < 0 || r.portHi > 65535 || r.portLo > r.portHi {
			return r, fmt.Errorf("rule %q: bad port or port range %q", text, port)
		}
	}
	switch {
	case host == "" || host == "*":
		r.anyAddr = true
	case host == hostWord:
		r.thisHost = true
	case strings.Contains(host, "/"):
		prefix, err := netip.ParsePrefix(host)
		if err != nil {
			return r, fmt.Errorf("rule %q: %v", text, err)
		}
		r.prefixes = []netip.Prefix{unmapPrefix(prefix.Masked())}
	default:
		ips, err := ruleAddrs(host, lookup)
		if err != nil {
			return r, fmt.Errorf("rule %q: cannot resolve %s: %v", text, host, err)
		}
		for _, ip := range ips {
			r.prefixes = append(r.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return r, nil
}

func ruleAddrs(host string, lookup func(string) ([]netip.Addr, error)) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	if ip, ok, _ := NumericIPv4(host); ok {
		return []netip.Addr{ip}, nil
	}
	ips, err := lookup(host)
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips, err
}

func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// match is what a check knows besides the address: which list the rule is
// in (the word "host" means a little more in --deny) and whether the call
// is a bind.
type match struct {
	local      *localAddrs
	deny, bind bool
}

// matchesIP reports whether the rule matches ip and port.
func (r rule) matchesIP(ip netip.Addr, port int, m match) bool {
	if r.unixGlob != "" || port < r.portLo || port > r.portHi {
		return false
	}
	if r.anyAddr {
		return true
	}
	if r.thisHost {
		return m.local.thisHost(ip, m)
	}
	for _, p := range r.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func (r rule) matchesPath(path string) bool {
	if r.unixGlob == "" {
		return false
	}
	ok, _ := filepath.Match(r.unixGlob, path)
	return ok
}

// The calls the policy decides, as its messages name them.
const (
	opConnect = "connect to"
	opBind    = "bind to"
	opSend    = "send to"
	opAccept  = "accept from"
)

// check decides a call on a socket address; op names it for the message.
// Every form an address can take reaches the same rules: IPv4-mapped IPv6 is
// unmapped, and the unspecified address (which connect and sendto treat as
// this host) is checked as loopback too.
func (p *Policy) check(op string, sa unix.Sockaddr) error {
	if p == nil {
		return nil
	}
	var ips []netip.Addr
	var port int
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		ips, port = []netip.Addr{netip.AddrFrom4(sa.Addr)}, sa.Port
	case *unix.SockaddrInet6:
		ips, port = []netip.Addr{netip.AddrFrom16(sa.Addr).Unmap()}, sa.Port
	case *unix.SockaddrUnix:
		return p.checkPath(op, sa.Name)
	default:
		return nil
	}
	if ip := ips[0]; ip.IsUnspecified() && op != opBind {
		ips = append(ips, netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback())
	}
	for _, ip := range ips {
		for _, r := range p.deny {
			if r.matchesIP(ip, port, match{&p.local, true, op == opBind}) {
				return PolicyError{Why: fmt.Sprintf("%s %s denied by --deny %s", op, JoinHostPort(AFInet, ip.String(), port), r.text)}
			}
		}
	}
	if len(p.allow) == 0 {
		return nil
	}
	for _, ip := range ips {
		allowed := false
		for _, r := range p.allow {
			allowed = allowed || r.matchesIP(ip, port, match{&p.local, false, op == opBind})
		}
		if !allowed {
			return PolicyError{Why: fmt.Sprintf("%s %s matches no --allow rule", op, JoinHostPort(AFInet, ip.String(), port))}
		}
	}
	return nil
}

func (p *Policy) checkPath(op, name string) error {
	name = kernelPath(name)
	if !strings.HasPrefix(name, "@") {
		// connect(2) and sendto(2) follow symlinks all the way, bind(2)
		// creates the last component and does not follow it.
		if real, _, err := ResolvePath(name, op != opBind); err == nil {
			name = real
		} else if abs, err := filepath.Abs(name); err == nil {
			name = abs // ELOOP: the kernel fails too; decide on the name as written
		}
	}
	for _, r := range p.deny {
		if r.matchesPath(name) {
			return PolicyError{Why: fmt.Sprintf("%s %s denied by --deny %s", op, name, r.text)}
		}
	}
	if len(p.allow) == 0 {
		return nil
	}
	for _, r := range p.allow {
		if r.matchesPath(name) {
			return nil
		}
	}
	return PolicyError{Why: fmt.Sprintf("%s %s matches no --allow rule", op, name)}
}

// kernelPath is the name the kernel will use for a Unix socket address: a
// leading NUL (or x/sys's "@") makes it abstract, written "@name"; for a
// path, the kernel stops at the first NUL.
func kernelPath(name string) string {
	switch {
	case name == "" || name[0] == '@':
		return "@" + strings.TrimPrefix(name, "@")
	case name[0] == 0:
		return "@" + name[1:]
	}
	if i := strings.IndexByte(name, 0); i >= 0 {
		return name[:i]
	}
	return name
}

// checkPeer decides an accepted connection by its peer's address. A Unix
// socket's peer is usually unnamed; the listener's own path was checked
// when it was bound, so it decides.
func (p *Policy) checkPeer(op string, s *Socket) error {
	if s.Domain == AFUnix {
		return nil
	}
	sa, err := s.Peername()
	if err != nil {
		return err
	}
	return p.check(op, sa)
}

// maxSymlinks is how many symbolic links one path may pass through before
// the kernel says ELOOP (Linux's MAXSYMLINKS).
const maxSymlinks = 40

// ResolvePath is where the kernel's walk of name leads: an absolute path
// with every symbolic link, "." and ".." resolved in the order the kernel
// meets them, so that "link/.." is the parent of the link's target, not
// the directory holding the link (filepath.Abs and Clean drop "link/.."
// lexically first, which is how a symlink used to lead a sandboxed read or
// a unix: rule astray). A relative name starts at the working directory as
// the kernel knows it. followLast says whether a link in the last
// component is followed (open(2), connect(2)) or is itself the answer
// (bind(2), which creates that name). exists is false when the walk stopped
// at a component that is missing, unreadable or not a directory: the rest
// of the name is then joined lexically, since the kernel's own walk fails
// there and reaches nothing beyond. err is ELOOP, or the working
// directory's error.
func ResolvePath(name string, followLast bool) (real string, exists bool, err error) {
	cur := "/"
	if !strings.HasPrefix(name, "/") {
		if cur, err = unix.Getwd(); err != nil {
			return "", false, err
		}
	}
	rest := strings.Split(name, "/")
	links := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, c)
		fi, err := os.Lstat(next)
		if err != nil {
			return filepath.Join(append([]string{next}, rest...)...), false, nil
		}
		last := len(rest) == 0 // "link/" is not last: a trailing slash follows the link
		if fi.Mode()&os.ModeSymlink != 0 && (followLast || !last) {
			links++
			if links > maxSymlinks {
				return "", false, unix.ELOOP
			}
			target, err := os.Readlink(next)
			if err != nil {
				return filepath.Join(append([]string{next}, rest...)...), false, nil
			}
			if strings.HasPrefix(target, "/") {
				cur = "/"
			}
			rest = append(strings.Split(target, "/"), rest...)
			continue
		}
		cur = next
		if !last && !fi.IsDir() {
			// "file/", "file/x": ENOTDIR to the kernel.
			return filepath.Join(append([]string{cur}, rest...)...), false, nil
		}
	}
	return cur, true, nil
}

// checkCreate decides socket(2). Under any rule an internet socket must be
// TCP or UDP: the policy decides on the addresses that connect, bind,
// sendto and accept name, and a raw socket (SOCK_RAW, with or without
// IP_HDRINCL) writes the real destination and port into the packet itself,
// where no rule looks; ICMP, SCTP and the rest reach hosts or ports their
// sockaddr does not say, or add addresses through socket options. Unix
// sockets are checked by path and may be any type.
func (p *Policy) checkCreate(domain, sockType, protocol int) error {
	if p == nil || domain == AFUnix {
		return nil
	}
	switch {
	case sockType == unix.SOCK_STREAM && (protocol == 0 || protocol == unix.IPPROTO_TCP),
		sockType == unix.SOCK_DGRAM && (protocol == 0 || protocol == unix.IPPROTO_UDP):
		return nil
	}
	kind := map[int]string{unix.SOCK_STREAM: "SOCK_STREAM", unix.SOCK_DGRAM: "SOCK_DGRAM", unix.SOCK_RAW: "SOCK_RAW",
		unix.SOCK_SEQPACKET: "SOCK_SEQPACKET", unix.SOCK_RDM: "SOCK_RDM"}[sockType]
	if kind == "" {
		kind = "type " + strconv.Itoa(sockType)
	}
	return PolicyError{Why: fmt.Sprintf("a %s socket of protocol %d is refused under --allow/--deny, which can check only TCP and UDP sockets", kind, protocol)}
}
