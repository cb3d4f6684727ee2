package tests

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The --dns flag and SOCKRUN_DNS: a small DNS server in the test answers a
// fixed zone, sockrun is pointed at it, and what scripts see is checked line
// by line; when this process may also serve on 127.0.0.1:53, php-cli is
// pointed at the same server (its /etc/resolv.conf replaced inside a mount
// namespace) and the two transcripts must match byte for byte.

// The zone (see tests/netdb/dns.php):
//
//	good.test.   A 127.0.0.42, AAAA ::1
//	alias.test.  CNAME good.test.
//	multi.test.  A 127.0.0.43, A 127.0.0.44
//	nx.test.     NXDOMAIN            fail.test.  SERVFAIL
//	42.0.0.127.in-addr.arpa.  PTR good.test.
//
// Every other name is NXDOMAIN; a known name without records of the asked
// type is an empty NOERROR answer.
const (
	nsTypeA     = 1
	nsTypeCNAME = 5
	nsTypePTR   = 12
	nsTypeAAAA  = 28

	nsRcodeServFail = 2
	nsRcodeNXDomain = 3
)

type nsRR struct {
	name string
	typ  uint16
	data []byte // rdata, names already encoded
}

// nsZoneAnswer returns the response code and answer records for a question.
func nsZoneAnswer(name string, qtype uint16) (rcode int, answers []nsRR) {
	name = strings.ToLower(name)
	a := func(owner string, ip string) nsRR {
		return nsRR{owner, nsTypeA, net.ParseIP(ip).To4()}
	}
	aaaa := func(owner string, ip string) nsRR {
		return nsRR{owner, nsTypeAAAA, net.ParseIP(ip).To16()}
	}
	pick := func(rrs ...nsRR) (int, []nsRR) {
		var out []nsRR
		for _, rr := range rrs {
			if rr.typ == qtype || rr.typ == nsTypeCNAME {
				out = append(out, rr)
			}
		}
		return 0, out
	}
	switch name {
	case "good.test.":
		return pick(a(name, "127.0.0.42"), aaaa(name, "::1"))
	case "alias.test.":
		return pick(nsRR{name, nsTypeCNAME, nsEncodeName("good.test.")},
			a("good.test.", "127.0.0.42"), aaaa("good.test.", "::1"))
	case "multi.test.":
		return pick(a(name, "127.0.0.43"), a(name, "127.0.0.44"))
	case "42.0.0.127.in-addr.arpa.":
		return pick(nsRR{name, nsTypePTR, nsEncodeName("good.test.")})
	case "fail.test.":
		return nsRcodeServFail, nil
	}
	return nsRcodeNXDomain, nil
}

func nsEncodeName(name string) []byte {
	var b []byte
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	return append(b, 0)
}

// nsDNSServer is a UDP DNS server for the zone above; it records every
// question it was asked ("name TYPE").
type nsDNSServer struct {
	conn  *net.UDPConn
	addr  string
	mu    sync.Mutex
	asked []string
}

// nsStartDNS serves the zone on a UDP address ("127.0.0.1:0" for any port)
// until the test ends.
func nsStartDNS(t *testing.T, addr string) (*nsDNSServer, error) {
	t.Helper()
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, err
	}
	s := &nsDNSServer{conn: conn, addr: conn.LocalAddr().String()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if resp, q := nsDNSRespond(buf[:n]); resp != nil {
				s.mu.Lock()
				s.asked = append(s.asked, q)
				s.mu.Unlock()
				conn.WriteToUDP(resp, from)
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return s, nil
}

// questions returns what the server was asked so far.
func (s *nsDNSServer) questions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

var nsTypeNames = map[uint16]string{nsTypeA: "A", nsTypeAAAA: "AAAA", nsTypeCNAME: "CNAME", nsTypePTR: "PTR"}

// nsDNSRespond builds the response to one query packet (nil if it is not a
// well-formed standard query) and describes its question.
func nsDNSRespond(req []byte) ([]byte, string) {
	if len(req) < 12 || req[2]&0x80 != 0 || binary.BigEndian.Uint16(req[4:]) != 1 {
		return nil, ""
	}
	// The question: labels up to the root, then type and class.
	var labels []string
	i := 12
	for {
		if i >= len(req) {
			return nil, ""
		}
		n := int(req[i])
		if n == 0 {
			i++
			break
		}
		if n&0xC0 != 0 || i+1+n > len(req) {
			return nil, ""
		}
		labels = append(labels, string(req[i+1:i+1+n]))
		i += 1 + n
	}
	if i+4 > len(req) {
		return nil, ""
	}
	question := req[12 : i+4]
	qtype := binary.BigEndian.Uint16(req[i:])
	name := strings.Join(labels, ".") + "."
	rcode, answers := nsZoneAnswer(name, qtype)
	typeName := nsTypeNames[qtype]
	if typeName == "" {
		typeName = fmt.Sprint(qtype)
	}

	resp := make([]byte, 12, 512)
	copy(resp, req[:2])                               // ID
	resp[2] = 0x80 | req[2]&0x78 | 0x04 | req[2]&0x01 // QR, opcode, AA, RD
	resp[3] = 0x80 | byte(rcode)                      // RA, rcode
	binary.BigEndian.PutUint16(resp[4:], 1)
	binary.BigEndian.PutUint16(resp[6:], uint16(len(answers)))
	resp = append(resp, question...)
	for _, rr := range answers {
		if strings.EqualFold(rr.name, name) {
			resp = append(resp, 0xC0, 12) // the question's name
		} else {
			resp = append(resp, nsEncodeName(rr.name)...)
		}
		resp = binary.BigEndian.AppendUint16(resp, rr.typ)
		resp = binary.BigEndian.AppendUint16(resp, 1) // IN
		resp = binary.BigEndian.AppendUint32(resp, 1) // TTL
		resp = binary.BigEndian.AppendUint16(resp, uint16(len(rr.data)))
		resp = append(resp, rr.data...)
	}
	return resp, strings.ToLower(name) + " " + typeName
}

// nsClosedUDPPort is a loopback UDP port nobody serves on: bound, read back
// and closed, so queries to it are refused at once (ICMP port unreachable).
func nsClosedUDPPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(c.LocalAddr().(*net.UDPAddr).Port)
	c.Close()
	return port
}

// TestNsDNSServerItself checks the test's own server with Go's resolver, so
// that a failure elsewhere is sockrun's and not the zone's.
func TestNsDNSServerItself(t *testing.T) {
	t.Parallel()
	srv, err := nsStartDNS(t, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := nsGoResolver(srv.addr)
	ctx := t.Context()
	if ips, err := r.LookupHost(ctx, "good.test"); err != nil || strings.Join(ips, ",") != "::1,127.0.0.42" && strings.Join(ips, ",") != "127.0.0.42,::1" {
		t.Errorf("good.test: %v %v", ips, err)
	}
	if ips, err := r.LookupIP(ctx, "ip4", "multi.test"); err != nil || len(ips) != 2 {
		t.Errorf("multi.test: %v %v", ips, err)
	}
	if cname, err := r.LookupCNAME(ctx, "alias.test"); err != nil || cname != "good.test." {
		t.Errorf("alias.test CNAME: %q %v", cname, err)
	}
	if names, err := r.LookupAddr(ctx, "127.0.0.42"); err != nil || len(names) != 1 || names[0] != "good.test." {
		t.Errorf("PTR 127.0.0.42: %v %v", names, err)
	}
	var dnsErr *net.DNSError
	if _, err := r.LookupHost(ctx, "nx.test"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("nx.test: want not found, got %v", err)
	}
	if _, err := r.LookupHost(ctx, "fail.test"); !errors.As(err, &dnsErr) || dnsErr.IsNotFound {
		t.Errorf("fail.test: want a server failure, got %v", err)
	}
}

func nsGoResolver(server string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
}

// nsDNSExpect are lines the dns.lua transcript must hold whatever php says:
// the behaviour the --dns contract promises.
var nsDNSExpect = []string{
	`gethostbyname "good.test": "127.0.0.42"`,
	`gethostbynamel "good.test": ["127.0.0.42"]`,
	`gethostbyname "alias.test": "127.0.0.42"`,
	`gethostbynamel "multi.test": ["127.0.0.43", "127.0.0.44"]`,
	`gethostbyname "nx.test": "nx.test"`,
	`gethostbynamel "nx.test": false`,
	`gethostbyname "fail.test": "fail.test"`,
	`gethostbynamel "fail.test": false`,
	`gethostbyname "localhost": "127.0.0.1"`,
	`gethostbyaddr "127.0.0.42": "good.test"`,
	`gethostbyaddr "127.0.0.99": "127.0.0.99"`,
	`strerror: "Unknown host", "Host name lookup failure"`,
	`bind good.test: true`,
	`bound to: "127.0.0.42"`,
	`connect good.test: true`,
	`peer: "127.0.0.42", true`,
	`connect alias.test: true`,
	`Warning: socket_connect(): Host lookup failed [-10001]: Unknown host`,
	`connect nx.test: false, -10001, -10001`,
	`  strerror: "Unknown host"`,
	`Warning: socket_bind(): Host lookup failed [-10001]: Unknown host`,
	`bind nx.test: false, -10001`,
	`Warning: socket_sendto(): Host lookup failed [-10001]: Unknown host`,
	`sendto nx.test: false, -10001`,
	`Warning: socket_connect(): Host lookup failed [-10002]: Host name lookup failure`,
	`connect fail.test: false, -10002, -10002`,
	`  strerror: "Host name lookup failure"`,
	`bind fail.test: false, -10002`,
	`sendto fail.test: false, -10002`,
	`sendto good.test: 4`,
	`lookup 1 "good.test" "80" {ai_family=2, ai_socktype=1}: 1 result(s)`,
	`  [1]: {ai_addr={sin_addr="127.0.0.42", sin_port=80}, ai_family=2, ai_flags=0, ai_protocol=6, ai_socktype=1}`,
	`  [1]: {ai_addr={sin6_addr="::1", sin6_port=80}, ai_family=10, ai_flags=0, ai_protocol=6, ai_socktype=1}`,
	`  [1]: {ai_addr={sin_addr="127.0.0.42", sin_port=80}, ai_canonname="good.test", ai_family=2, ai_flags=2, ai_protocol=6, ai_socktype=1}`,
	`lookup 7 "good.test" "80" {ai_flags=4}: false`,
	`lookup 8 "nx.test" "80" {}: false`,
	`lookup 9 "fail.test" "80" {}: false`,
	`addrinfo_connect good.test: <Socket>, "127.0.0.42"`,
}

// TestDNSFlagParity runs tests/netdb/dns.lua with --dns pointing at the
// test's server, checks the lines above, then (when the test may serve on
// 127.0.0.1:53 and make a mount namespace) runs dns.php against the same
// zone and compares the transcripts.
func TestDNSFlagParity(t *testing.T) {
	t.Parallel()
	srv, err := nsStartDNS(t, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(rootDir, "tests", "netdb", "dns.lua")
	got := runMergedEnv(t, nil, nsOffline(t, binPath, "--dns", srv.addr, script)...)
	if got.code != 0 {
		t.Errorf("sockrun exited with status %d:\n%s", got.code, got.stdout)
	}
	lines := strings.Split(normalizeTranscript(got.stdout, false), "\n")
	for _, want := range nsDNSExpect {
		if !nsContainsLine(lines, want) {
			t.Errorf("sockrun --dns: no line %q in:\n%s", want, got.stdout)
		}
	}
	// Warnings carry the script's file and line, as PHP's do.
	if !regexp.MustCompile(`(?m)^Warning: socket_connect\(\): Host lookup failed \[-10001\]: Unknown host in \S*dns\.lua on line \d+$`).MatchString(got.stdout) {
		t.Errorf("no complete host-lookup warning in:\n%s", got.stdout)
	}
	// /etc/hosts comes first: localhost never reaches the server, the
	// zone's names do.
	asked := srv.questions()
	for _, q := range asked {
		if strings.HasPrefix(q, "localhost.") || strings.HasPrefix(q, "1.0.0.127.in-addr.arpa.") {
			t.Errorf("the DNS server was asked %q, which /etc/hosts answers", q)
		}
	}
	for _, q := range []string{"good.test. A", "nx.test. A", "fail.test. A", "42.0.0.127.in-addr.arpa. PTR"} {
		if !nsContainsLine(asked, q) {
			t.Errorf("the DNS server was never asked %q (asked: %v)", q, asked)
		}
	}

	// The same zone for php-cli: glibc's resolver only talks to port 53.
	php := requireTool(t, "php")
	if _, err := nsStartDNS(t, "127.0.0.1:53"); err != nil {
		t.Skipf("skipping the PHP comparison: cannot serve DNS on 127.0.0.1:53 (%v)", err)
	}
	want := runMergedEnv(t, nil, nsOffline(t, php, nsPHPArgs(strings.TrimSuffix(script, ".lua")+".php")...)...)
	compareSections(t, want, got, 2)

	// --dns HOST without a port means port 53.
	again := runMergedEnv(t, nil, nsOffline(t, binPath, "--dns", "127.0.0.1", script)...)
	if normalizeTranscript(again.stdout, false) != normalizeTranscript(got.stdout, false) {
		t.Errorf("--dns 127.0.0.1 (port 53) differs from --dns %s (- port 53):\n%s", srv.addr, lineDiff(normalizeTranscript(again.stdout, false), normalizeTranscript(got.stdout, false)))
	}
}

func nsContainsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

var (
	nsMountNSOnce sync.Once
	nsMountNSErr  error
)

// nsOffline is the command line that runs prog in a new mount namespace
// whose /etc/resolv.conf names only 127.0.0.1 (port 53); it refuses to run
// prog (status 99) unless the replacement took effect. Every program these
// tests run goes through it: php-cli so that glibc asks the test's server,
// sockrun so that a broken --dns or SOCKRUN_DNS could only reach loopback,
// never the machine's real resolver. The test skips when mount namespaces
// are not available (they need root).
func nsOffline(t *testing.T, prog string, args ...string) []string {
	t.Helper()
	return nsWithResolvConf(t, "nameserver 127.0.0.1", prog, args...)
}

func nsWithResolvConf(t *testing.T, nameserver, prog string, args ...string) []string {
	t.Helper()
	nsMountNSOnce.Do(func() {
		out, err := exec.Command("unshare", "-m", "sh", "-c", "mount --bind /dev/null /etc/resolv.conf && test ! -s /etc/resolv.conf").CombinedOutput()
		if err != nil {
			nsMountNSErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if nsMountNSErr != nil {
		t.Skipf("skipping: cannot replace /etc/resolv.conf in a mount namespace, and without that a broken --dns could reach the real resolver (%v)", nsMountNSErr)
	}
	conf := writeFile(t, "resolv.conf", nameserver+"\noptions timeout:1 attempts:1\n")
	check := fmt.Sprintf(`mount --bind %s /etc/resolv.conf && [ "$(grep -v '^options' /etc/resolv.conf)" = %q ] || exit 99; exec "$@"`, conf, nameserver)
	return append([]string{"unshare", "-m", "sh", "-c", check, "sh", prog}, args...)
}

// nsDNSProbe is a script printing what the --dns tests need to see.
const nsDNSProbe = `
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
echo("byname ", gethostbyname("good.test"), "\n")
local l = gethostbynamel("good.test")
echo("bynamel ", type(l) == "table" and table.concat(l, ",") or tostring(l), "\n")
echo("connect ", tostring(socket_connect(s, "good.test", 9)), " ", socket_last_error(s), "\n")
local r = socket_addrinfo_lookup("good.test", "9", {ai_family = AF_INET, ai_socktype = SOCK_STREAM})
echo("addrinfo ", type(r) == "table" and socket_addrinfo_explain(r[1]).ai_addr.sin_addr or tostring(r), "\n")
echo("byaddr ", gethostbyaddr("127.0.0.42"), "\n")
`

// TestDNSEnvAndPrecedence: SOCKRUN_DNS does what --dns does, and the flag
// wins over the variable.
func TestDNSEnvAndPrecedence(t *testing.T) {
	t.Parallel()
	srv, err := nsStartDNS(t, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "127.0.0.1:" + nsClosedUDPPort(t)
	// Port 9 on 127.0.0.42 refuses: the lookup worked, the connect failed.
	good := "byname 127.0.0.42\nbynamel 127.0.0.42\nconnect false 111\naddrinfo 127.0.0.42\nbyaddr good.test\n"
	bad := "byname good.test\nbynamel false\nconnect false -10002\naddrinfo false\nbyaddr 127.0.0.42\n"
	for _, c := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"env", []string{"SOCKRUN_DNS=" + srv.addr}, nil, good},
		{"env without a server", []string{"SOCKRUN_DNS=" + closed}, nil, bad},
		{"flag over env", []string{"SOCKRUN_DNS=" + closed}, []string{"--dns", srv.addr}, good},
		{"flag without a server over env", []string{"SOCKRUN_DNS=" + srv.addr}, []string{"--dns=" + closed}, bad},
	} {
		before := len(srv.questions())
		r := runMergedEnv(t, c.env, nsOffline(t, binPath, append(append([]string{"-q"}, c.args...), "-e", nsDNSProbe)...)...)
		if r.code != 0 || r.stdout != c.want {
			t.Errorf("%s: status %d, output:\n%s\nwant:\n%s", c.name, r.code, r.stdout, c.want)
		}
		if asked := len(srv.questions()) > before; asked != (c.want == good) {
			t.Errorf("%s: the test's DNS server was asked: %v, want %v", c.name, asked, c.want == good)
		}
	}
}

// TestDNSNoServer: with --dns on a port nobody serves, every lookup fails
// as "Host name lookup failure" (-10002), quickly, with PHP's warnings.
func TestDNSNoServer(t *testing.T) {
	t.Parallel()
	script := writeFile(t, "noserver.lua", `
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
print(gethostbyname("good.test"), gethostbynamel("good.test"))
print(socket_connect(s, "good.test", 80), socket_last_error(s), socket_last_error())
print(socket_bind(socket_create(AF_INET, SOCK_DGRAM, SOL_UDP), "nx.test", 0), socket_last_error())
print(socket_addrinfo_lookup("good.test", "80"), gethostbyaddr("127.0.0.42"))
print(gethostbyname("localhost"), socket_connect(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "localhost", 1), socket_last_error())
`)
	start := time.Now()
	r := runMergedEnv(t, nil, nsOffline(t, binPath, "--dns", "127.0.0.1:"+nsClosedUDPPort(t), script)...)
	elapsed := time.Since(start)
	want := "good.test\tfalse\n" +
		"Warning: socket_connect(): Host lookup failed [-10002]: Host name lookup failure in " + script + " on line 4\n" +
		"false\t-10002\t-10002\n" +
		"Warning: socket_bind(): Host lookup failed [-10002]: Host name lookup failure in " + script + " on line 5\n" +
		"false\t-10002\n" +
		"false\t127.0.0.42\n" +
		// localhost still comes from /etc/hosts; port 1 refuses.
		"Warning: socket_connect(): unable to connect [111]: Connection refused in " + script + " on line 7\n" +
		"127.0.0.1\tfalse\t111\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("status %d, output:\n%s\nwant:\n%s", r.code, r.stdout, want)
	}
	if elapsed > 10*time.Second {
		t.Errorf("lookups against a closed port took %v", elapsed)
	}
}

// TestDNSIPv6ByName: an AF_INET6 socket connects to a name by its AAAA
// record (good.test is ::1 too), and binds to it.
func TestDNSIPv6ByName(t *testing.T) {
	t.Parallel()
	srv, err := nsStartDNS(t, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := runMergedEnv(t, nil, nsOffline(t, binPath, "--dns", srv.addr, "-e", fmt.Sprintf(`
local s = socket_create(AF_INET6, SOCK_STREAM, SOL_TCP)
print(socket_connect(s, "good.test", %d), socket_getpeername(s))
local b = socket_create(AF_INET6, SOCK_DGRAM, SOL_UDP)
print(socket_bind(b, "good.test", 0), (socket_getsockname(b)))
print((select(2, socket_getsockname(b))))
print(socket_connect(socket_create(AF_INET6, SOCK_STREAM, SOL_TCP), "nx.test", %d), socket_last_error())
`, port, port))...)
	want := fmt.Sprintf("true\ttrue\t::1\t%d\ntrue\ttrue\n::1\n", port)
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) || !strings.HasSuffix(r.stdout, "false\t-10001\n") ||
		!strings.Contains(r.stdout, "Warning: socket_connect(): Host lookup failed [-10001]: Unknown host") {
		t.Errorf("status %d, output:\n%s\nwant it to start with:\n%send with a -10001 warning and false -10001", r.code, r.stdout, want)
	}
	if !nsContainsLine(srv.questions(), "good.test. AAAA") {
		t.Errorf("no AAAA question for good.test: %v", srv.questions())
	}
}
