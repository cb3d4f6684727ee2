package sock

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The network policy: --allow and --deny rules, checked on connect, bind,
// sendto and accept after every name is resolved, so a script reaches only
// what the user allowed. A deny rule always wins; when any allow rule is
// given, whatever no allow rule matches is denied.
//
// Rules: an address (127.0.0.1, ::1), a CIDR range (10.0.0.0/8), a host
// name (resolved once when the script starts), "*" (any address), each with
// an optional port or port range ("127.0.0.1:8000-8100", "[::1]:22",
// "*:443", ":80"); or "unix:PATTERN" for Unix socket paths (a shell pattern
// matched against the cleaned absolute path).

type rule struct {
	text     string
	prefixes []netip.Prefix // empty with anyAddr
	anyAddr  bool
	portLo   int
	portHi   int
	unixGlob string // for unix: rules
}

type Policy struct {
	allow, deny []rule
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

func (r rule) matchesIP(ip netip.Addr, port int) bool {
	if r.unixGlob != "" || port < r.portLo || port > r.portHi {
		return false
	}
	if r.anyAddr {
		return true
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
			if r.matchesIP(ip, port) {
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
			allowed = allowed || r.matchesIP(ip, port)
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
		if abs, err := filepath.Abs(name); err == nil {
			name = abs
			// connect(2) follows symlinks all the way, bind(2) creates the
			// last component: resolve the whole path, or its directory.
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				name = real
			} else if real, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
				name = filepath.Join(real, filepath.Base(abs))
			}
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
