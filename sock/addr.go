package sock

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Linux address families, as scripts pass them.
const (
	AFUnix  = 1
	AFInet  = 2
	AFInet6 = 10
)

// resolver is where every host-name lookup goes, so that a flag can point
// them all at another DNS server (and tests at one on loopback).
type Resolver interface {
	Lookup(ctx context.Context, network, host string) ([]netip.Addr, error)
	Reverse(ctx context.Context, addr string) ([]string, error)
	Canonical(ctx context.Context, host string) (string, error)
}

// goResolver uses Go's resolver: /etc/hosts, then the DNS servers of
// /etc/resolv.conf, or the one server --dns names.
type goResolver struct{ r *net.Resolver }

// NewResolver makes the resolver for a --dns server ("host:port", or a host
// for port 53); "" means the system's configuration.
func NewResolver(server string) Resolver {
	if server == "" {
		return goResolver{r: net.DefaultResolver}
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "53")
	}
	return goResolver{r: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}}
}

func (g goResolver) Lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	ips, err := g.r.LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, lookupError(ctx, err)
	}
	return ips, nil
}

// canonical follows CNAME records to the canonical name (AI_CANONNAME).
func (g goResolver) Canonical(ctx context.Context, host string) (string, error) {
	name, err := g.r.LookupCNAME(ctx, host)
	if err != nil {
		return "", lookupError(ctx, err)
	}
	return strings.TrimSuffix(name, "."), nil
}

// reverse finds the names of an address (/etc/hosts, then PTR records).
func (g goResolver) Reverse(ctx context.Context, addr string) ([]string, error) {
	names, err := g.r.LookupAddr(ctx, addr)
	if err != nil {
		return nil, lookupError(ctx, err)
	}
	return names, nil
}

// lookupError maps a resolver failure to PHP's h_errno codes: a name that
// does not exist is HOST_NOT_FOUND; anything else (no server, timeout) is
// TRY_AGAIN, as glibc reports it.
func lookupError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ErrStopped
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return HostNotFound
	}
	return HostTryAgain
}

// InetAton parses an IPv4 address as glibc's exact inet_aton does (what
// getaddrinfo uses): one to four parts, each decimal, octal (leading 0) or hex
// (0x); the last part fills the remaining bytes ("127.1" is 127.0.0.1).
func InetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := atonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	for _, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
	}
	var b [4]byte
	for i, v := range vals[:len(vals)-1] {
		b[i] = byte(v)
	}
	for i := 3; i >= len(vals)-1; i-- {
		b[i] = byte(last)
		last >>= 8
	}
	return netip.AddrFrom4(b), true
}

// MaxHostName is MAXFQDNLEN: PHP looks up no longer name.
const MaxHostName = 255

// NumericIPv4 is how PHP 8.2 reads an IPv4 address before any lookup:
// inet_pton's dotted quad, or (glibc gethostbyname's shortcut) a name of
// digits and dots only, read by inet_aton's decimal and octal rules ("127.1",
// "0177.0.0.1", "2130706433"). ok reports an address; numeric reports a name
// that is digits and dots, so that no lookup is made for it even when it is
// not an address. Hex forms and anything else are host names.
func NumericIPv4(host string) (ip netip.Addr, ok, numeric bool) {
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		return ip, true, true
	}
	if host == "" || host[0] < '0' || host[0] > '9' || host[len(host)-1] == '.' {
		return netip.Addr{}, false, false
	}
	for _, c := range host {
		if c != '.' && (c < '0' || c > '9') {
			return netip.Addr{}, false, false
		}
	}
	ip, ok = InetAton(host)
	return ip, ok, true
}

// atonPart reads one part of an inet_aton address as C's strtoul with base
// 0: "0x" hex, a leading 0 octal, else decimal; nothing else (Go's own base-0
// parsing would also take "0b", "0o" and underscores).
func atonPart(p string) (uint64, bool) {
	base, digits := 10, p
	switch {
	case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, digits = 16, p[2:]
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	if digits == "" || !isDigitsOf(digits, base) {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, base, 32)
	return v, err == nil
}

// isDigitsOf reports whether s is only digits of base 8, 10 or 16.
func isDigitsOf(s string, base int) bool {
	for _, c := range s {
		switch {
		case c >= '0' && c <= '7':
		case c == '8' || c == '9':
			if base == 8 {
				return false
			}
		case base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
		default:
			return false
		}
	}
	return true
}

// resolve4 is PHP's php_set_inet_addr: a numeric address, else the first
// IPv4 address of the name.
func (e *Engine) Resolve4(host string) (netip.Addr, error) {
	ip, ok, numeric := NumericIPv4(host)
	switch {
	case ok:
		return ip, nil
	case numeric:
		return netip.Addr{}, HostUnknown // glibc fails these without a lookup, h_errno 0
	case host == "":
		return netip.Addr{}, HostNoRecovery // so does gethostbyname(""), with NO_RECOVERY
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return netip.Addr{}, HostUnknown // gethostbyname() fails on an IPv6 literal with h_errno 0
	}
	ips, err := e.Resolver.Lookup(e.ctx, "ip4", host)
	if err != nil {
		return netip.Addr{}, err
	}
	return ips[0], nil
}

// resolve6 is PHP's php_set_inet6_addr: an IPv6 literal (with an optional
// %zone), else the name's first IPv6 address, with IPv4 results mapped.
func (e *Engine) Resolve6(host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() {
		return ip, nil
	}
	ips, err := e.Resolver.Lookup(e.ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, ip := range ips {
		if ip.Is6() {
			return ip, nil
		}
	}
	return netip.AddrFrom16(ips[0].As16()), nil
}

// Sockaddr builds the socket address for a PHP (address, port) pair in a
// family. Ports wrap modulo 65536, as PHP's htons((unsigned short) port).
func (e *Engine) Sockaddr(domain int, address string, port int) (unix.Sockaddr, error) {
	if i := strings.IndexByte(address, 0); i >= 0 && domain != AFUnix {
		address = address[:i] // PHP hands the address on as a C string
	}
	if len(address) > MaxHostName && domain != AFUnix {
		return nil, HostUnknown // PHP refuses it before any lookup, h_errno 0
	}
	switch domain {
	case AFInet:
		ip, err := e.Resolve4(address)
		if err != nil {
			return nil, err
		}
		return &unix.SockaddrInet4{Addr: ip.As4(), Port: int(uint16(port))}, nil
	case AFInet6:
		ip, err := e.Resolve6(address)
		if err != nil {
			return nil, err
		}
		sa := &unix.SockaddrInet6{Addr: ip.As16(), Port: int(uint16(port))}
		if zone := ip.Zone(); zone != "" {
			if ifi, err := net.InterfaceByName(zone); err == nil {
				sa.ZoneId = uint32(ifi.Index)
			} else if id, err := strconv.Atoi(zone); err == nil {
				sa.ZoneId = uint32(id)
			}
		}
		return sa, nil
	default:
		return &unix.SockaddrUnix{Name: address}, nil
	}
}

// FormatSockaddr renders a socket address as PHP's getsockname does: the
// numeric address (inet_ntop) and port, or a Unix socket's path.
func FormatSockaddr(sa unix.Sockaddr) (string, int, bool) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(sa.Addr).String(), sa.Port, true
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(sa.Addr).String(), sa.Port, true
	case *unix.SockaddrUnix:
		// PHP reads sun_path as a C string: an unnamed socket (which x/sys
		// spells "@") and an abstract one ("@name") both read as "".
		if strings.HasPrefix(sa.Name, "@") {
			return "", 0, true
		}
		return sa.Name, 0, true
	}
	return "", 0, false
}

// JoinHostPort is for messages: "127.0.0.1:80", "[::1]:80", or a path.
func JoinHostPort(domain int, addr string, port int) string {
	if domain == AFUnix {
		return addr
	}
	return net.JoinHostPort(addr, strconv.Itoa(port))
}
