package sock

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Unit tests of the network policy's rule parser and matcher, and of
// ResolvePath, which both the policy's unix: rules and --sandbox decide on.
// The end-to-end attacks are in tests/hostile_policy_test.go.

func noLookup(host string) ([]netip.Addr, error) {
	return nil, errors.New("no lookups in unit tests")
}

func mustPolicy(t *testing.T, allow, deny []string) *Policy {
	t.Helper()
	p, err := NewPolicy(allow, deny, noLookup)
	if err != nil {
		t.Fatalf("NewPolicy(%q, %q): %v", allow, deny, err)
	}
	return p
}

func sa4(ip string, port int) unix.Sockaddr {
	return &unix.SockaddrInet4{Addr: netip.MustParseAddr(ip).As4(), Port: port}
}

func sa6(ip string, port int) unix.Sockaddr {
	return &unix.SockaddrInet6{Addr: netip.MustParseAddr(ip).As16(), Port: port}
}

func TestParseRuleForms(t *testing.T) {
	for _, c := range []struct {
		text     string
		prefixes []string
		any      bool
		host     bool
		lo, hi   int
		glob     string
	}{
		{text: "127.0.0.1", prefixes: []string{"127.0.0.1/32"}, hi: 65535},
		{text: "127.0.0.1:80", prefixes: []string{"127.0.0.1/32"}, lo: 80, hi: 80},
		{text: "10.0.0.0/8:8000-8100", prefixes: []string{"10.0.0.0/8"}, lo: 8000, hi: 8100},
		{text: "10.1.2.3/8", prefixes: []string{"10.0.0.0/8"}, hi: 65535},
		{text: "::1", prefixes: []string{"::1/128"}, hi: 65535},
		{text: "[::1]:22", prefixes: []string{"::1/128"}, lo: 22, hi: 22},
		{text: "[::ffff:127.0.0.1]", prefixes: []string{"127.0.0.1/32"}, hi: 65535},
		{text: "::ffff:10.0.0.0/104", prefixes: []string{"10.0.0.0/8"}, hi: 65535},
		{text: "127.1", prefixes: []string{"127.0.0.1/32"}, hi: 65535},
		{text: "*", any: true, hi: 65535},
		{text: "*:443", any: true, lo: 443, hi: 443},
		{text: ":80", any: true, lo: 80, hi: 80},
		{text: "host", host: true, hi: 65535},
		{text: "host:22", host: true, lo: 22, hi: 22},
		{text: "unix:@abstract*", glob: "@abstract*", hi: 65535},
		{text: "unix:/run/app/*", glob: "/run/app/*", hi: 65535},
	} {
		r, err := parseRule(c.text, noLookup)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		var got []string
		for _, p := range r.prefixes {
			got = append(got, p.String())
		}
		if strings.Join(got, ",") != strings.Join(c.prefixes, ",") || r.anyAddr != c.any || r.thisHost != c.host ||
			r.portLo != c.lo || r.portHi != c.hi || r.unixGlob != c.glob {
			t.Errorf("%q: got prefixes %v any %v host %v ports %d-%d glob %q", c.text, got, r.anyAddr, r.thisHost, r.portLo, r.portHi, r.unixGlob)
		}
	}
}

func TestParseRuleErrors(t *testing.T) {
	for _, text := range []string{
		"[::1", "127.0.0.1:x", "127.0.0.1:80-70", "127.0.0.1:70000", "127.0.0.1:-1",
		"10.0.0.0/33", "unix:/a/[", "no.such.name", "host:1-",
	} {
		if _, err := parseRule(text, noLookup); err == nil {
			t.Errorf("%q: accepted", text)
		}
	}
}

func TestPolicyMatchAddresses(t *testing.T) {
	p := mustPolicy(t, []string{"127.0.0.0/8:1000-2000", "::1"}, []string{"127.0.0.1:1500"})
	for _, c := range []struct {
		op   string
		sa   unix.Sockaddr
		want bool // allowed
	}{
		{opConnect, sa4("127.0.0.1", 1000), true},
		{opConnect, sa4("127.0.0.9", 2000), true},
		{opConnect, sa4("127.0.0.1", 1500), false}, // deny wins
		{opConnect, sa4("127.0.0.1", 999), false},  // no allow rule
		{opConnect, sa4("10.0.0.1", 1000), false},
		{opConnect, sa6("::1", 9), true},
		{opConnect, sa6("::ffff:127.0.0.1", 1500), false}, // mapped: the same rules
		{opConnect, sa6("::ffff:127.0.0.1", 1001), true},
		{opConnect, sa4("0.0.0.0", 1500), false}, // unspecified: checked as loopback too
		{opConnect, sa6("::", 1200), false},      // :: itself matches no allow rule
		{opBind, sa4("0.0.0.0", 1200), false},    // bind: the address itself
		{opSend, sa4("127.0.0.2", 1999), true},
	} {
		err := p.check(c.op, c.sa)
		if (err == nil) != c.want {
			t.Errorf("%s %v: err %v, want allowed %v", c.op, c.sa, err, c.want)
		}
		if err != nil && !errors.Is(err, unix.EACCES) {
			t.Errorf("%s %v: %v is not EACCES", c.op, c.sa, err)
		}
	}
	if (*Policy)(nil).check(opConnect, sa4("1.2.3.4", 1)) != nil {
		t.Error("no policy must allow everything")
	}
}

// fakeInterfaces makes "host" see these interface addresses.
func fakeInterfaces(t *testing.T, cidrs ...string) {
	t.Helper()
	old := interfaceAddrs
	t.Cleanup(func() { interfaceAddrs = old })
	interfaceAddrs = func() ([]net.Addr, error) {
		var addrs []net.Addr
		for _, c := range cidrs {
			ip, ipnet, err := net.ParseCIDR(c)
			if err != nil {
				t.Fatal(err)
			}
			ipnet.IP = ip
			addrs = append(addrs, ipnet)
		}
		return addrs, nil
	}
}

func TestPolicyHostWord(t *testing.T) {
	fakeInterfaces(t, "127.0.0.1/8", "10.99.0.1/24", "192.0.2.2/30", "fd00::2/64", "fe80::1/64", "::1/128")
	deny := mustPolicy(t, nil, []string{"host"})
	allow := mustPolicy(t, []string{"host"}, nil)
	for _, c := range []struct {
		ip                   string
		denied, allowedByAll bool
	}{
		{"127.0.0.1", true, true},
		{"127.9.9.9", true, true},
		{"::1", true, true},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"10.99.0.1", true, true},
		{"::ffff:10.99.0.1", true, true},
		{"192.0.2.2", true, true},
		{"fd00::2", true, true},
		{"fe80::1", true, true},
		// Broadcast and multicast reach this host and others: denied by
		// "host", not allowed by it.
		{"10.99.0.255", true, false},
		{"192.0.2.3", true, false},
		{"255.255.255.255", true, false},
		{"224.0.0.1", true, false},
		{"239.1.2.3", true, false},
		{"ff02::1", true, false},
		// Other machines.
		{"10.99.0.2", false, false},
		{"192.0.2.1", false, false},
		{"fd00::3", false, false},
		{"8.8.8.8", false, false},
	} {
		ip := netip.MustParseAddr(c.ip)
		var sa unix.Sockaddr
		if ip.Is4() {
			sa = sa4(c.ip, 80)
		} else {
			sa = sa6(c.ip, 80)
		}
		if got := deny.check(opConnect, sa) != nil; got != c.denied {
			t.Errorf("--deny host, connect %s: denied %v, want %v", c.ip, got, c.denied)
		}
		if got := allow.check(opSend, sa) == nil; got != c.allowedByAll {
			t.Errorf("--allow host, send to %s: allowed %v, want %v", c.ip, got, c.allowedByAll)
		}
	}
	// bind is given the unspecified address as itself: listening on
	// 0.0.0.0 reaches nothing, and is not this host's address to allow.
	for _, c := range []struct {
		p       *Policy
		ip      string
		allowed bool
	}{
		{deny, "0.0.0.0", true}, {deny, "::", true}, {deny, "127.0.0.1", false}, {deny, "10.99.0.1", false},
		{allow, "0.0.0.0", false}, {allow, "127.0.0.1", true}, {allow, "10.99.0.1", true}, {allow, "10.99.0.2", false},
	} {
		var sa unix.Sockaddr
		if strings.Contains(c.ip, ":") {
			sa = sa6(c.ip, 0)
		} else {
			sa = sa4(c.ip, 0)
		}
		if got := c.p.check(opBind, sa) == nil; got != c.allowed {
			t.Errorf("bind %s under %v: allowed %v, want %v", c.ip, c.p.allow, got, c.allowed)
		}
	}
	ported := mustPolicy(t, nil, []string{"host:22"})
	if ported.check(opConnect, sa4("10.99.0.1", 22)) == nil || ported.check(opConnect, sa4("10.99.0.1", 23)) != nil {
		t.Error("host:22 must deny port 22 of this host only")
	}
}

// An address added while the script runs is seen once the list is older
// than localAddrsTTL.
func TestPolicyHostWordRefresh(t *testing.T) {
	fakeInterfaces(t, "10.99.0.1/24")
	p := mustPolicy(t, nil, []string{"host"})
	if p.check(opConnect, sa4("10.98.0.1", 1)) != nil {
		t.Fatal("10.98.0.1 is not this host yet")
	}
	fakeInterfaces(t, "10.99.0.1/24", "10.98.0.1/24")
	p.local.read = p.local.read.Add(-2 * localAddrsTTL)
	if p.check(opConnect, sa4("10.98.0.1", 1)) == nil {
		t.Error("an address added later must be this host after the refresh")
	}
}

func TestPolicyCheckCreate(t *testing.T) {
	p := mustPolicy(t, nil, []string{"10.0.0.0/8"})
	for _, c := range []struct {
		domain, typ, proto int
		ok                 bool
	}{
		{AFInet, unix.SOCK_STREAM, 0, true},
		{AFInet6, unix.SOCK_STREAM, unix.IPPROTO_TCP, true},
		{AFInet, unix.SOCK_DGRAM, 0, true},
		{AFInet6, unix.SOCK_DGRAM, unix.IPPROTO_UDP, true},
		{AFUnix, unix.SOCK_RAW, 0, true},
		{AFUnix, unix.SOCK_SEQPACKET, 0, true},
		{AFInet, unix.SOCK_RAW, unix.IPPROTO_UDP, false},
		{AFInet, unix.SOCK_RAW, unix.IPPROTO_RAW, false},
		{AFInet6, unix.SOCK_RAW, unix.IPPROTO_ICMPV6, false},
		{AFInet, unix.SOCK_DGRAM, unix.IPPROTO_ICMP, false},
		{AFInet, unix.SOCK_STREAM, 132, false}, // SCTP
		{AFInet, unix.SOCK_SEQPACKET, 0, false},
		{AFInet, unix.SOCK_STREAM, 262, false}, // MPTCP
		{AFInet, unix.SOCK_RDM, 0, false},
		{AFInet, 10, 0, false}, // Linux's obsolete SOCK_PACKET
	} {
		err := p.checkCreate(c.domain, c.typ, c.proto)
		if (err == nil) != c.ok {
			t.Errorf("socket(%d, %d, %d): %v, want ok %v", c.domain, c.typ, c.proto, err, c.ok)
		}
		if err != nil && (!errors.Is(err, unix.EACCES) || !strings.Contains(err.Error(), "only TCP and UDP")) {
			t.Errorf("socket(%d, %d, %d): %q", c.domain, c.typ, c.proto, err)
		}
	}
	if (*Policy)(nil).checkCreate(AFInet, unix.SOCK_RAW, unix.IPPROTO_RAW) != nil {
		t.Error("without rules, raw sockets are the kernel's to refuse")
	}
}

// resolveTree: D/ok/l -> D/secret/sub, D/secret/sub/s.sock, D/file, a
// relative link, a loop, and a link to a missing target.
func resolveTree(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"ok", "secret/sub"} {
		if err := os.MkdirAll(filepath.Join(d, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"secret/s.sock", "secret/sub/x", "file"} {
		if err := os.WriteFile(filepath.Join(d, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"ok/l":     filepath.Join(d, "secret/sub"),
		"ok/rel":   "../secret/sub",
		"ok/loop":  "loop",
		"ok/gone":  "nowhere",
		"ok/etc":   "/etc",
		"ok/chain": "rel/..",
	} {
		if err := os.Symlink(target, filepath.Join(d, link)); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestResolvePath(t *testing.T) {
	d := resolveTree(t)
	for _, c := range []struct {
		name       string
		followLast bool
		want       string
		exists     bool
	}{
		{"ok/l/../s.sock", true, "secret/s.sock", true}, // the kernel's "..": the target's parent
		{"ok/rel/../s.sock", true, "secret/s.sock", true},
		{"ok/chain/s.sock", true, "secret/s.sock", true},
		{"ok/l/x", true, "secret/sub/x", true},
		{"ok/l", true, "secret/sub", true},
		{"ok/l", false, "ok/l", true},        // bind: the link itself
		{"ok/l/", false, "secret/sub", true}, // a trailing slash follows it
		{"ok/l/../new.sock", false, "secret/new.sock", false},
		{"ok/./l/./x", true, "secret/sub/x", true},
		{"ok//l//x", true, "secret/sub/x", true},
		{"ok/missing/../../secret/s.sock", true, "secret/s.sock", false}, // the walk stops at missing
		{"file/../secret/s.sock", true, "secret/s.sock", false},          // ENOTDIR
		{"ok/gone", true, "ok/nowhere", false},
		{"ok/gone", false, "ok/gone", true},
	} {
		real, exists, err := ResolvePath(filepath.Join(d, "")+"/"+c.name, c.followLast)
		if err != nil || real != filepath.Join(d, c.want) || exists != c.exists {
			t.Errorf("ResolvePath(D/%s, %v) = %q, %v, %v; want D/%s, %v", c.name, c.followLast, real, exists, err, c.want, c.exists)
		}
	}
	if real, _, err := ResolvePath(d+"/ok/etc/../root", true); err != nil || real != "/root" {
		t.Errorf("an absolute link then ..: %q, %v", real, err)
	}
	if real, _, err := ResolvePath("/../../etc", true); err != nil || real != "/etc" {
		t.Errorf("/../../etc: %q, %v", real, err)
	}
	if _, _, err := ResolvePath(d+"/ok/loop", true); !errors.Is(err, unix.ELOOP) {
		t.Errorf("a loop: %v, want ELOOP", err)
	}
	// Relative names start at the working directory the kernel knows.
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	if err := os.Chdir(filepath.Join(d, "ok")); err != nil {
		t.Fatal(err)
	}
	if real, exists, err := ResolvePath("l/../s.sock", true); err != nil || real != filepath.Join(d, "secret/s.sock") || !exists {
		t.Errorf("relative: %q, %v, %v", real, exists, err)
	}
}

// unix: rules decide on the path the kernel reaches: with ok/l ->
// secret/sub, D/ok/l/../s.sock is D/secret/s.sock.
func TestPolicyUnixDotDotAfterSymlink(t *testing.T) {
	d := resolveTree(t)
	path := d + "/ok/l/../s.sock"
	deny := mustPolicy(t, nil, []string{"unix:" + d + "/secret/*"})
	allow := mustPolicy(t, []string{"unix:" + d + "/ok/*"}, nil)
	for _, op := range []string{opConnect, opSend, opBind} {
		if err := deny.check(op, &unix.SockaddrUnix{Name: path}); err == nil || !strings.Contains(err.Error(), d+"/secret/s.sock denied by --deny") {
			t.Errorf("%s under --deny: %v", op, err)
		}
		if err := allow.check(op, &unix.SockaddrUnix{Name: path}); err == nil || !strings.Contains(err.Error(), "matches no --allow rule") {
			t.Errorf("%s under --allow: %v", op, err)
		}
	}
	// The same rules still let a path through that really is inside.
	if err := allow.check(opConnect, &unix.SockaddrUnix{Name: d + "/ok/x.sock"}); err != nil {
		t.Errorf("ok/x.sock: %v", err)
	}
	// bind does not follow the last component: binding ok/l is ok/l (EADDRINUSE
	// from the kernel), not the directory it points to.
	if err := allow.check(opBind, &unix.SockaddrUnix{Name: d + "/ok/l"}); err != nil {
		t.Errorf("bind ok/l: %v", err)
	}
}
