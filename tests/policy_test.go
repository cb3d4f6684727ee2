package tests

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end tests of --allow/--deny (and of the ways a script could try to
// get around them), --max-sockets, --max-tasks and, with --timeout, all of
// them bounding a hostile script. Every peer is a Go one on loopback.

// polRun writes body as a script in a fresh directory and runs sockrun with
// flags, the script and args; it returns the outcome and the script's path
// (as the warnings name it).
func polRun(t *testing.T, flags []string, body string, args ...string) (result, string) {
	t.Helper()
	script := writeFile(t, "policy.lua", body)
	argv := append(append(append([]string{}, flags...), script), args...)
	return runSockrun(t, argv...), script
}

// polListen is a Go TCP listener that accepts nothing by itself: connections
// a script makes wait in its backlog, where polNoConnection can look.
func polListen(t *testing.T, network, addr string) (*net.TCPListener, int) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.(*net.TCPListener), ln.Addr().(*net.TCPAddr).Port
}

// polNoConnection checks that no connection reached ln: it dials a marker
// connection of its own and accepts once; the backlog is first in, first
// out, so any connection the script made would come out before the marker.
// (A connect that succeeded is in the backlog before it returns, so nothing
// needs to wait.)
func polNoConnection(t *testing.T, ln *net.TCPListener) {
	t.Helper()
	marker := dialTCP(t, ln.Addr().String())
	ln.SetDeadline(time.Now().Add(10 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("accepting the marker connection: %v", err)
	}
	defer c.Close()
	if got, want := c.RemoteAddr().String(), marker.LocalAddr().String(); got != want {
		t.Errorf("a connection from %s reached %s before the marker from %s: the policy let it through", got, ln.Addr(), want)
	}
}

// polEchoServer serves each connection by echoing what it reads.
func polEchoServer(t *testing.T, ln net.Listener) {
	t.Helper()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
}

// polHaveIPv6 skips the test when ::1 cannot be used.
func polHaveIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
}

// polConnectScript connects to each (family, host, port) triple of its
// arguments and prints, per target, "host port ok errno(sock) errno(global)".
const polConnectScript = `
local i = 1
while arg[i] do
  local fam, host, port = arg[i], arg[i + 1], tonumber(arg[i + 2])
  i = i + 3
  local s = socket_create(fam == "6" and AF_INET6 or AF_INET, SOCK_STREAM, 0)
  socket_clear_error()
  local ok = socket_connect(s, host, port)
  echo(host, " ", port, " ", tostring(ok), " ", socket_last_error(s), " ", socket_last_error(), "\n")
  socket_close(s)
end
`

type polTarget struct {
	fam, host string
	port      int
}

func polTargetArgs(targets []polTarget) []string {
	var a []string
	for _, tg := range targets {
		a = append(a, tg.fam, tg.host, strconv.Itoa(tg.port))
	}
	return a
}

// polConnectAll runs polConnectScript with flags and returns one result
// line ("true 0 0", "false 13 13" ...) per target.
func polConnectAll(t *testing.T, flags []string, targets []polTarget) ([]string, result) {
	t.Helper()
	r, _ := polRun(t, flags, polConnectScript, polTargetArgs(targets)...)
	if r.code != 0 {
		t.Fatalf("sockrun %v exited %d; stdout:\n%s\nstderr:\n%s", flags, r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(targets) {
		t.Fatalf("want %d result lines, got:\n%s\nstderr:\n%s", len(targets), r.stdout, r.stderr)
	}
	var out []string
	for i, line := range lines {
		prefix := fmt.Sprintf("%s %d ", targets[i].host, targets[i].port)
		if !strings.HasPrefix(line, prefix) {
			t.Fatalf("line %q is not about %q", line, prefix)
		}
		out = append(out, strings.TrimPrefix(line, prefix))
	}
	return out, r
}

// Every spelling of a denied address is denied: the rule is checked on the
// address the kernel would connect to, after name resolution, and a
// positive control shows that each spelling really reaches the listener
// when nothing is denied.
func TestPolicyConnectAddressForms(t *testing.T) {
	forms := func(port int) []polTarget {
		return []polTarget{
			{"4", "127.0.0.1", port},
			{"4", "localhost", port},
			{"4", "127.1", port},
			{"4", "2130706433", port},
			{"4", "0177.0.0.1", port},
			{"4", "0.0.0.0", port},           // the kernel connects it to loopback
			{"4", "0", port},                 // 0.0.0.0 in inet_aton's short form
			{"4", "00.0", port},              // and in octal
			{"6", "::ffff:127.0.0.1", port},  // IPv4-mapped on an AF_INET6 socket
			{"6", "::ffff:0.0.0.0", port},    // mapped unspecified
			{"6", "::ffff:7f00:1", port},     // mapped, written in hex groups
			{"4", "127.0.0.1", port + 65536}, // the port wraps as PHP's (unsigned short)
		}
	}

	t.Run("control", func(t *testing.T) {
		_, port := polListen(t, "tcp4", "127.0.0.1:0")
		targets := forms(port)
		got, r := polConnectAll(t, nil, targets)
		for i, g := range got {
			if g != "true 0 0" {
				t.Errorf("without a policy, %s %s:%d should connect: %s\nstderr:\n%s", targets[i].fam, targets[i].host, targets[i].port, g, r.stderr)
			}
		}
	})

	for _, deny := range []string{"127.0.0.1", "localhost", "127.0.0.0/8", "::ffff:127.0.0.1"} {
		t.Run("deny "+deny, func(t *testing.T) {
			ln, port := polListen(t, "tcp4", "127.0.0.1:0")
			targets := forms(port)
			got, r := polConnectAll(t, []string{"--deny", deny}, targets)
			for i, g := range got {
				if g != "false 13 13" {
					t.Errorf("--deny %s: %s %s:%d gave %q, want \"false 13 13\"", deny, targets[i].fam, targets[i].host, targets[i].port, g)
				}
			}
			if want := fmt.Sprintf("denied by --deny %s) in ", deny); strings.Count(r.stderr, want) != len(targets) {
				t.Errorf("want %d warnings naming --deny %s, stderr:\n%s", len(targets), deny, r.stderr)
			}
			polNoConnection(t, ln)
		})
	}

	// 0x7f.1 is a host name to PHP (inet_pton fails; glibc's digits-and-dots
	// shortcut does not take hex). Whether it is looked up (and fails) or
	// taken as 127.0.0.1 (and denied), it must not connect. Lookups go to a
	// DNS server that does not exist on loopback, so none leaves the machine.
	t.Run("hex", func(t *testing.T) {
		ln, port := polListen(t, "tcp4", "127.0.0.1:0")
		flags := []string{"--deny", "127.0.0.1", "--dns", "127.0.0.1:" + polClosedUDPPort(t)}
		targets := []polTarget{{"4", "0x7f.1", port}, {"4", "0x7f000001", port}, {"4", "0x7f.0.0.1", port}}
		got, r := polConnectAll(t, flags, targets)
		for i, g := range got {
			if strings.HasPrefix(g, "true") {
				t.Errorf("%s:%d connected under --deny 127.0.0.1: %s\nstderr:\n%s", targets[i].host, port, g, r.stderr)
			}
		}
		polNoConnection(t, ln)
	})
}

// polClosedUDPPort is a UDP port on 127.0.0.1 that nothing listens on (so a
// DNS query to it is refused at once).
func polClosedUDPPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
}

// :: on an AF_INET6 socket connects to ::1, so an IPv6 loopback rule denies
// it, as it denies every spelling of ::1.
func TestPolicyConnectIPv6Forms(t *testing.T) {
	polHaveIPv6(t)
	forms := func(port int) []polTarget {
		return []polTarget{
			{"6", "::1", port},
			{"6", "0:0:0:0:0:0:0:1", port},
			{"6", "::", port},
			{"6", "0::0", port},
		}
	}
	t.Run("control", func(t *testing.T) {
		_, port := polListen(t, "tcp6", "[::1]:0")
		got, r := polConnectAll(t, nil, forms(port))
		for i, g := range got {
			if g != "true 0 0" {
				t.Errorf("without a policy, %s:%d should connect: %s\nstderr:\n%s", forms(port)[i].host, port, g, r.stderr)
			}
		}
	})
	for _, deny := range []string{"::1", "[::1]:PORT", "::1/128", "127.0.0.1"} {
		t.Run("deny "+deny, func(t *testing.T) {
			ln, port := polListen(t, "tcp6", "[::1]:0")
			rule := strings.Replace(deny, "PORT", strconv.Itoa(port), 1)
			targets := forms(port)
			if deny == "127.0.0.1" {
				// :: is "this host": a rule for either loopback denies it.
				targets = targets[2:]
			}
			got, _ := polConnectAll(t, []string{"--deny", rule}, targets)
			for i, g := range got {
				if g != "false 13 13" {
					t.Errorf("--deny %s: %s:%d gave %q, want \"false 13 13\"", rule, targets[i].host, port, g)
				}
			}
			polNoConnection(t, ln)
		})
	}
}

// The warning is PHP's, with the policy's reason naming the rule; the call
// returns false (not nil) and errno 13 is recorded on the socket and
// globally.
func TestPolicyWarningText(t *testing.T) {
	_, port := polListen(t, "tcp4", "127.0.0.1:0")
	p := strconv.Itoa(port)
	body := `local s = socket_create(AF_INET, SOCK_STREAM, 0)
local ok = socket_connect(s, "127.0.0.1", ` + p + `)
echo(type(ok), " ", tostring(ok), " ", socket_last_error(s), " ", socket_last_error(), " ", socket_strerror(socket_last_error(s)), "\n")
`
	cases := []struct {
		flags  []string
		reason string
	}{
		{[]string{"--deny", "127.0.0.1:" + p}, "connect to 127.0.0.1:" + p + " denied by --deny 127.0.0.1:" + p},
		{[]string{"--allow", "127.0.0.1", "--deny", "*:" + p}, "connect to 127.0.0.1:" + p + " denied by --deny *:" + p},
		{[]string{"--allow", "10.0.0.0/8"}, "connect to 127.0.0.1:" + p + " matches no --allow rule"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.flags, " "), func(t *testing.T) {
			r, script := polRun(t, c.flags, body)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if want := "boolean false 13 13 Permission denied\n"; r.stdout != want {
				t.Errorf("stdout %q, want %q", r.stdout, want)
			}
			want := fmt.Sprintf("Warning: socket_connect(): unable to connect [13]: Permission denied (%s) in %s on line 2\n", c.reason, script)
			if r.stderr != want {
				t.Errorf("stderr:\n%q\nwant:\n%q", r.stderr, want)
			}
		})
	}
	t.Run("quiet", func(t *testing.T) {
		r, _ := polRun(t, []string{"-q", "--deny", "127.0.0.1"}, body)
		if r.stderr != "" || r.stdout != "boolean false 13 13 Permission denied\n" {
			t.Errorf("-q: stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
}

// Allowed traffic really flows: a round trip through a Go echo peer.
func TestPolicyAllowedRoundTrip(t *testing.T) {
	ln, port := polListen(t, "tcp4", "127.0.0.1:0")
	polEchoServer(t, ln)
	body := `local s = socket_create(AF_INET, SOCK_STREAM, 0)
assert(socket_connect(s, "127.0.0.1", tonumber(arg[1])))
local msg = "through the policy\0\255\n"
assert(socket_write(s, msg) == #msg)
local n, buf = socket_recv(s, #msg, MSG_WAITALL)
echo(n, " ", buf == msg and "same" or ("different: " .. tostring(buf)), "\n")
socket_close(s)
`
	for _, flags := range [][]string{
		{"--allow", "127.0.0.1:" + strconv.Itoa(port)},
		{"--allow", "127.0.0.0/8", "--deny", "127.0.0.1:1-" + strconv.Itoa(port-1)},
		{"--allow", "*", "--deny", "::1"},
		{"--allow", "localhost"},
	} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			r, _ := polRun(t, flags, body, strconv.Itoa(port))
			if r.code != 0 || r.stdout != "21 same\n" || r.stderr != "" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// The rule forms: ports, port ranges, :PORT, *:PORT, *, CIDR, IPv6, host
// names, deny winning over allow, and the default-deny of any --allow.
func TestPolicyRuleForms(t *testing.T) {
	polHaveIPv6(t)
	lnA, pa := polListen(t, "tcp4", "127.0.0.1:0")
	lnB, pb := polListen(t, "tcp4", "127.0.0.1:0")
	ln6, p6 := polListen(t, "tcp6", "[::1]:0")
	if p6 == pa || p6 == pb {
		t.Skip("the IPv6 listener got the same port as an IPv4 one")
	}
	_, _, _ = lnA, lnB, ln6
	A, B, S := strconv.Itoa(pa), strconv.Itoa(pb), strconv.Itoa(p6)
	targets := []polTarget{{"4", "127.0.0.1", pa}, {"4", "127.0.0.1", pb}, {"6", "::1", p6}}
	lo, hi := min(pa, pb), max(pa, pb)
	// a range holding A but not B
	oneRange := fmt.Sprintf("0-%d", pa)
	if pa > pb {
		oneRange = fmt.Sprintf("%d-65535", pa)
	}
	cases := []struct {
		flags      []string
		a, b, ipv6 bool // which targets connect
	}{
		{[]string{"--deny", "127.0.0.1:" + A}, false, true, true},
		{[]string{"--deny", ":" + A}, false, true, true},
		{[]string{"--deny", "*:" + A}, false, true, true},
		{[]string{"--allow", "*:" + B}, false, true, false},
		{[]string{"--allow", ":" + B}, false, true, false},
		{[]string{"--allow", fmt.Sprintf("127.0.0.1:%d-%d", lo, hi)}, true, true, false},
		{[]string{"--allow", "127.0.0.1:" + oneRange}, true, false, false},
		{[]string{"--deny", fmt.Sprintf("*:%d-%d", lo, hi)}, false, false, p6 < lo || p6 > hi},
		{[]string{"--deny", "*"}, false, false, false},
		{[]string{"--allow", "*"}, true, true, true},
		{[]string{"--deny", "127.0.0.0/8"}, false, false, true},
		{[]string{"--deny", "127.0.0.0/31:" + B}, true, false, true},
		{[]string{"--allow", "127.0.0.0/30"}, true, true, false},
		{[]string{"--allow", "10.0.0.0/8"}, false, false, false},
		{[]string{"--deny", "::ffff:127.0.0.0/104"}, false, false, true},
		{[]string{"--deny", "::1"}, true, true, false},
		{[]string{"--deny", "[::1]:" + S}, true, true, false},
		{[]string{"--deny", "::/0"}, true, true, false},
		{[]string{"--allow", "::1"}, false, false, true},
		{[]string{"--allow", "[::1]:" + S, "--allow", "127.0.0.1:" + A}, true, false, true},
		{[]string{"--allow", "127.0.0.1", "--deny", "127.0.0.1:" + A}, false, true, false},
		{[]string{"--allow", "*", "--deny", "*"}, false, false, false},
		{[]string{"--deny", "localhost:" + B}, true, false, true},
		{[]string{"--allow", "127.0.0.1:" + A, "--allow", "127.0.0.1:" + B, "--deny", "10.0.0.1"}, true, true, false},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.flags, " "), func(t *testing.T) {
			got, r := polConnectAll(t, c.flags, targets)
			for i, want := range []bool{c.a, c.b, c.ipv6} {
				wantLine := "false 13 13"
				if want {
					wantLine = "true 0 0"
				}
				if got[i] != wantLine {
					t.Errorf("%s %s:%d: got %q, want %q\nstderr:\n%s", c.flags, targets[i].host, targets[i].port, got[i], wantLine, r.stderr)
				}
			}
		})
	}
}

// UDP: socket_sendto to a denied address fails even on a socket that is
// connected to an allowed peer, and the connected socket keeps working.
func TestPolicyUDP(t *testing.T) {
	allowed, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer allowed.Close()
	denied, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer denied.Close()
	pa := allowed.LocalAddr().(*net.UDPAddr).Port
	pd := denied.LocalAddr().(*net.UDPAddr).Port
	body := `local pa, pd = tonumber(arg[1]), tonumber(arg[2])
local s = socket_create(AF_INET, SOCK_DGRAM, 0)
echo("connect ", tostring(socket_connect(s, "127.0.0.1", pa)), "\n")
echo("send ", tostring(socket_send(s, "one", 3, 0)), "\n")
echo("sendto denied ", tostring(socket_sendto(s, "evil", 4, 0, "127.0.0.1", pd)), " ", socket_last_error(s), "\n")
echo("sendto any ", tostring(socket_sendto(s, "evil", 4, 0, "0.0.0.0", pd)), " ", socket_last_error(s), "\n")
echo("sendto 127.1 ", tostring(socket_sendto(s, "evil", 4, 0, "127.1", pd)), " ", socket_last_error(s), "\n")
echo("send again ", tostring(socket_send(s, "two", 3, 0)), "\n")
echo("write ", tostring(socket_write(s, "three")), "\n")
echo("sendto allowed ", tostring(socket_sendto(s, "four", 4, 0, "127.0.0.1", pa)), "\n")
local u = socket_create(AF_INET6, SOCK_DGRAM, 0)
echo("mapped ", tostring(socket_sendto(u, "evil", 4, 0, "::ffff:127.0.0.1", pd)), " ", socket_last_error(u), "\n")
`
	r, _ := polRun(t, []string{"--deny", "127.0.0.1:" + strconv.Itoa(pd)}, body, strconv.Itoa(pa), strconv.Itoa(pd))
	want := "connect true\nsend 3\nsendto denied false 13\nsendto any false 13\nsendto 127.1 false 13\nsend again 3\nwrite 5\nsendto allowed 4\nmapped false 13\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("Warning: socket_sendto(): Unable to write to socket [13]: Permission denied (send to 127.0.0.1:%d denied by --deny 127.0.0.1:%d) in ", pd, pd)) {
		t.Errorf("stderr lacks the sendto warning:\n%s", r.stderr)
	}
	allowed.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 100)
	for _, w := range []string{"one", "two", "three", "four"} {
		n, _, err := allowed.ReadFrom(buf)
		if err != nil || string(buf[:n]) != w {
			t.Fatalf("allowed peer: got %q, %v; want %q", buf[:n], err, w)
		}
	}
	// The denied peer got nothing: the first datagram it reads is a marker
	// sent now.
	m, err := net.Dial("udp4", denied.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Write([]byte("marker"))
	denied.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := denied.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "marker" {
		t.Errorf("denied peer first read %q, %v; want the marker", buf[:n], err)
	}
}

// polUnixEnv is a directory with ok/ and bad/, a Go echo server on each
// one's "s", and links from ok/ into bad/.
type polUnixEnv struct {
	base, ok, bad string
}

func polUnixSetup(t *testing.T) polUnixEnv {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := polUnixEnv{base: base, ok: filepath.Join(base, "ok"), bad: filepath.Join(base, "bad")}
	for _, d := range []string{e.ok, e.bad} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("unix", filepath.Join(d, "s"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		polEchoServer(t, ln)
	}
	if err := os.Symlink(e.bad, filepath.Join(e.ok, "dirlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(e.bad, "s"), filepath.Join(e.ok, "filelink")); err != nil {
		t.Fatal(err)
	}
	return e
}

// polUnixConnectScript connects to each path argument (with \0 written as
// the two characters \0, turned into a NUL here) and prints "ok errno",
// with a round trip when connected.
const polUnixConnectScript = `
for i = 1, #arg do
  local path = arg[i]:gsub("\\0", "\0")
  local s = socket_create(AF_UNIX, SOCK_STREAM, 0)
  local ok = socket_connect(s, path)
  local echoed = ""
  if ok then
    socket_write(s, "ping")
    local n, buf = socket_recv(s, 4, MSG_WAITALL)
    echoed = " " .. tostring(buf)
  end
  echo(tostring(ok), " ", socket_last_error(s), echoed, "\n")
  socket_close(s)
end
`

func polUnixConnect(t *testing.T, flags []string, paths ...string) ([]string, result) {
	t.Helper()
	r, _ := polRun(t, flags, polUnixConnectScript, paths...)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != len(paths) {
		t.Fatalf("sockrun %v exited %d; stdout:\n%s\nstderr:\n%s", flags, r.code, r.stdout, r.stderr)
	}
	return lines, r
}

// Unix socket paths: allow a directory, deny the rest; `..`, a symlinked
// directory, a symlinked socket, NUL bytes and abstract names must not get
// around the rules.
func TestPolicyUnix(t *testing.T) {
	e := polUnixSetup(t)
	allowOK := []string{"--allow", "unix:" + e.ok + "/*"}
	denyBad := []string{"--deny", "unix:" + e.bad + "/*"}
	const denied, reached = "false 13", "true 0 ping"

	check := func(t *testing.T, flags []string, path, want string) {
		t.Helper()
		got, r := polUnixConnect(t, flags, path)
		if got[0] != want {
			t.Errorf("%v connect %q: got %q, want %q\nstderr:\n%s", flags, path, got[0], want, r.stderr)
		}
	}

	t.Run("allowed_dir", func(t *testing.T) {
		got, r := polUnixConnect(t, allowOK, e.ok+"/s", e.bad+"/s")
		if got[0] != reached || got[1] != denied {
			t.Errorf("got %q, want [%q %q]\nstderr:\n%s", got, reached, denied, r.stderr)
		}
		want := fmt.Sprintf("Permission denied (connect to %s/s matches no --allow rule)", e.bad)
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	})
	t.Run("deny_dir", func(t *testing.T) {
		got, r := polUnixConnect(t, denyBad, e.ok+"/s", e.bad+"/s")
		if got[0] != reached || got[1] != denied {
			t.Errorf("got %q\nstderr:\n%s", got, r.stderr)
		}
		want := fmt.Sprintf("Permission denied (connect to %s/s denied by --deny unix:%s/*)", e.bad, e.bad)
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	})
	t.Run("dotdot", func(t *testing.T) {
		check(t, denyBad, e.ok+"/../bad/s", denied)
		check(t, denyBad, e.ok+"/./../bad//s", denied)
		check(t, allowOK, e.ok+"/../bad/s", denied)
	})
	t.Run("relative", func(t *testing.T) {
		// sockrun runs in rootDir; a relative path is the same socket to the
		// kernel and to the policy.
		rel, err := filepath.Rel(rootDir, e.bad+"/s")
		if err != nil {
			t.Skip(err)
		}
		check(t, denyBad, rel, denied)
		check(t, allowOK, rel, denied)
	})
	t.Run("symlinked_dir", func(t *testing.T) {
		check(t, denyBad, e.ok+"/dirlink/s", denied)
		check(t, allowOK, e.ok+"/dirlink/s", denied)
	})
	t.Run("symlinked_socket_file", func(t *testing.T) {
		check(t, denyBad, e.ok+"/filelink", denied)
		check(t, allowOK, e.ok+"/filelink", denied)
	})
	t.Run("nul_after_path", func(t *testing.T) {
		// The kernel reads sun_path up to the first NUL: this is bad/s.
		check(t, allowOK, e.bad+`/s\0/../../ok/x`, denied)
		check(t, denyBad, e.bad+`/s\0`, denied)
	})

	abstract := fmt.Sprintf("@sockrun-pol-%d-%d", os.Getpid(), time.Now().UnixNano())
	aln, err := net.Listen("unix", abstract)
	if err != nil {
		t.Fatalf("abstract listener: %v", err)
	}
	defer aln.Close()
	polEchoServer(t, aln)
	// A script names an abstract socket with a leading NUL ("@name" is a
	// file, as in PHP); rules spell it "@name".
	nul := `\0` + abstract[1:]
	t.Run("abstract_default_deny", func(t *testing.T) {
		check(t, nil, nul, reached)
		check(t, allowOK, nul, denied)
	})
	t.Run("leading_nul_abstract", func(t *testing.T) {
		// The policy must not take the NUL name for a file in the working
		// directory.
		rule := []string{"--allow", "unix:" + rootDir + "/*"}
		check(t, rule, nul, denied)
	})
	t.Run("deny_abstract_rule", func(t *testing.T) {
		check(t, []string{"--deny", "unix:@sockrun-pol-*"}, nul, denied)
		check(t, []string{"--deny", "unix:" + abstract}, nul, denied)
	})

	t.Run("bind", func(t *testing.T) {
		body := `for i = 1, #arg do
  local s = socket_create(AF_UNIX, SOCK_STREAM, 0)
  local ok = socket_bind(s, arg[i])
  echo(tostring(ok), " ", socket_last_error(s), "\n")
  socket_close(s)
end
`
		inOK, inBad := filepath.Join(e.ok, "new"), filepath.Join(e.bad, "new")
		viaLink := filepath.Join(e.ok, "dirlink", "new2")
		r, _ := polRun(t, allowOK, body, inOK, inBad, viaLink)
		if want := "true 0\nfalse 13\nfalse 13\n"; r.stdout != want {
			t.Errorf("stdout %q, want %q\nstderr:\n%s", r.stdout, want, r.stderr)
		}
		if _, err := os.Stat(inOK); err != nil {
			t.Errorf("allowed bind made no socket file: %v", err)
		}
		for _, p := range []string{inBad, filepath.Join(e.bad, "new2")} {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("denied bind made %s", p)
			}
		}
	})

	// A Unix server under a unix: --allow rule serves its (unnamed) clients.
	t.Run("server_accepts_unnamed_client", func(t *testing.T) {
		path := filepath.Join(e.ok, "srv")
		script := writeFile(t, "server.lua", `local srv = socket_create(AF_UNIX, SOCK_STREAM, 0)
assert(socket_bind(srv, arg[1]))
assert(socket_listen(srv, 5))
print("ready")
local c = socket_accept(srv)
if not c then print("accept failed " .. socket_last_error()) os.exit(3) end
socket_write(c, "hi\n")
socket_close(c)
print("served")
`)
		p := startSockrun(t, append(append([]string{}, allowOK...), script, path)...)
		p.waitLine(`^ready$`)
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		code := p.wait()
		if line != "hi\n" || code != 0 {
			t.Errorf("client read %q; server exit %d, stdout:\n%s\nstderr:\n%s", line, code, p.Stdout(), p.Stderr())
		}
	})
}

// Every call that reaches an address meets the policy, not only
// socket_connect: socket_addrinfo_connect/bind, socket_create_listen, a
// nonblocking connect, a connect inside a task (where it runs on another
// goroutine), and socket_sendto with MSG_FASTOPEN on a TCP socket, which
// connects. A control run shows each one does reach the listener.
func TestPolicyEntryPoints(t *testing.T) {
	body := `local port = tonumber(arg[1])
-- EINPROGRESS (115) counts as reaching: the SYN is on its way
local function report(label, ok)
  local err = socket_last_error()
  if err == 115 then ok, err = true, 0 end
  echo(label, " ", tostring(ok), " ", err, "\n")
  socket_clear_error()
end
local hints = {ai_family = AF_INET, ai_socktype = SOCK_STREAM}
local ai = socket_addrinfo_lookup("127.0.0.1", tostring(port), hints)
report("addrinfo_connect", socket_addrinfo_connect(ai[1]) ~= false)
local ai0 = socket_addrinfo_lookup("127.0.0.1", "0", hints)
report("addrinfo_bind", socket_addrinfo_bind(ai0[1]) ~= false)
local nb = socket_create(AF_INET, SOCK_STREAM, 0)
socket_set_nonblock(nb)
report("nonblocking_connect", socket_connect(nb, "127.0.0.1", port))
local tfo = socket_create(AF_INET, SOCK_STREAM, 0)
report("sendto_fastopen", socket_sendto(tfo, "tfo", 3, 0x20000000, "127.0.0.1", port) == 3)
local other = spawn(function() sleep(0.01) end)
local task = spawn(function()
  local s = socket_create(AF_INET, SOCK_STREAM, 0)
  return socket_connect(s, "127.0.0.1", port), socket_last_error(s)
end)
local _, tok, terr = wait(task)
echo("task_connect ", tostring(tok), " ", terr, "\n")
wait(other)
socket_clear_error()
report("create_listen", socket_create_listen(0) ~= false)
`
	t.Run("control", func(t *testing.T) {
		ln, port := polListen(t, "tcp4", "127.0.0.1:0")
		r, _ := polRun(t, nil, body, strconv.Itoa(port))
		want := "addrinfo_connect true 0\naddrinfo_bind true 0\nnonblocking_connect true 0\nsendto_fastopen true 0\ntask_connect true 0\ncreate_listen true 0\n"
		if r.code != 0 || r.stdout != want {
			t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
		}
		// addrinfo_connect, the nonblocking connect, the fast-open sendto
		// and the task's connect all arrived.
		ln.SetDeadline(time.Now().Add(10 * time.Second))
		for i := 0; i < 4; i++ {
			c, err := ln.Accept()
			if err != nil {
				t.Fatalf("connection %d of 4: %v", i+1, err)
			}
			c.Close()
		}
	})
	for _, flags := range [][]string{{"--deny", "127.0.0.1"}, {"--allow", "10.0.0.0/8"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			ln, port := polListen(t, "tcp4", "127.0.0.1:0")
			r, _ := polRun(t, flags, body, strconv.Itoa(port))
			want := "addrinfo_connect false 13\naddrinfo_bind false 13\nnonblocking_connect false 13\nsendto_fastopen false 13\ntask_connect false 13\n"
			if flags[0] == "--allow" {
				want += "create_listen false 13\n"
			} else {
				// 0.0.0.0 is not a loopback address to bind (see TestPolicyBind).
				want += "create_listen true 0\n"
			}
			if r.code != 0 || r.stdout != want {
				t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
			}
			polNoConnection(t, ln)
		})
	}
}

// bind is checked too: a denied address fails with 13 before the kernel
// sees it, an allowed one works.
func TestPolicyBind(t *testing.T) {
	port := freePort(t)
	body := `local function try(fam, host, port)
  local s = socket_create(fam, SOCK_STREAM, 0)
  local ok = socket_bind(s, host, port)
  echo(host, ":", port, " ", tostring(ok), " ", socket_last_error(s), "\n")
  if ok then assert(socket_listen(s, 1)) end
  return s
end
try(AF_INET, "127.0.0.1", tonumber(arg[1]))
try(AF_INET, "127.0.0.1", 0)
try(AF_INET, "0.0.0.0", 0)
try(AF_INET6, "::1", 0)
socket_clear_error()
local l = socket_create_listen(0)
echo("create_listen ", tostring(l ~= false), " ", socket_last_error(), "\n")
`
	t.Run("deny port", func(t *testing.T) {
		polHaveIPv6(t)
		r, script := polRun(t, []string{"--deny", "127.0.0.1:" + port}, body, port)
		want := "127.0.0.1:" + port + " false 13\n127.0.0.1:0 true 0\n0.0.0.0:0 true 0\n::1:0 true 0\ncreate_listen true 0\n"
		if r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
		}
		wantWarn := fmt.Sprintf("Warning: socket_bind(): Unable to bind address [13]: Permission denied (bind to 127.0.0.1:%s denied by --deny 127.0.0.1:%s) in %s on line 3\n", port, port, script)
		if r.stderr != wantWarn {
			t.Errorf("stderr:\n%q\nwant:\n%q", r.stderr, wantWarn)
		}
		// The port is still free: the kernel never bound it.
		ln, err := net.Listen("tcp4", "127.0.0.1:"+port)
		if err != nil {
			t.Errorf("port %s not free after the denied bind: %v", port, err)
		} else {
			ln.Close()
		}
	})
	t.Run("allow loopback only", func(t *testing.T) {
		polHaveIPv6(t)
		r, _ := polRun(t, []string{"--allow", "127.0.0.1"}, body, port)
		want := "127.0.0.1:" + port + " true 0\n127.0.0.1:0 true 0\n0.0.0.0:0 false 13\n::1:0 false 13\ncreate_listen false 13\n"
		if r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
		}
		if !strings.Contains(r.stderr, "(bind to 0.0.0.0:0 matches no --allow rule)") {
			t.Errorf("stderr:\n%s", r.stderr)
		}
	})
}

// accept checks the peer: a connection from a denied address is closed and
// accept returns false with 13 (recorded globally only, as PHP records
// accept's errors), while the listener goes on serving allowed peers.
func TestPolicyAccept(t *testing.T) {
	probe, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).Dial("tcp4", polListenAddr(t))
	if err != nil {
		t.Skipf("cannot use 127.0.0.2 as a source address: %v", err)
	}
	probe.Close()
	// arg[1] "6": an AF_INET6 listener on the IPv4-mapped loopback, whose
	// peers come as ::ffff:127.0.0.x and must meet the IPv4 rules.
	body := `local srv
if arg[1] == "6" then
  srv = socket_create(AF_INET6, SOCK_STREAM, 0)
  assert(socket_bind(srv, "::ffff:127.0.0.1", 0))
else
  srv = socket_create(AF_INET, SOCK_STREAM, 0)
  assert(socket_bind(srv, "127.0.0.1", 0))
end
assert(socket_listen(srv, 16))
local _, _, port = socket_getsockname(srv)
print("port " .. port)
for i = 1, 4 do
  local c = socket_accept(srv)
  if c then
    local _, addr = socket_getpeername(c)
    socket_write(c, "welcome " .. addr .. "\n")
    socket_close(c)
    print("accepted " .. addr)
  else
    print("refused " .. socket_last_error() .. " " .. socket_last_error(srv))
  end
end
`
	for _, c := range []struct {
		fam    string
		flags  []string
		reason string
	}{
		{"4", []string{"--deny", "127.0.0.2"}, "denied by --deny 127.0.0.2)"},
		{"4", []string{"--allow", "127.0.0.1"}, "matches no --allow rule)"},
		{"4", []string{"--allow", "127.0.0.0/8", "--deny", "127.0.0.2/32"}, "denied by --deny 127.0.0.2/32)"},
		{"6", []string{"--deny", "127.0.0.2"}, "denied by --deny 127.0.0.2)"},
		{"6", []string{"--allow", "127.0.0.1"}, "matches no --allow rule)"},
	} {
		t.Run("AF_INET"+strings.TrimPrefix(c.fam, "4")+" "+strings.Join(c.flags, " "), func(t *testing.T) {
			script := writeFile(t, "server.lua", body)
			p := startSockrun(t, append(append([]string{}, c.flags...), script, c.fam)...)
			peer := "127.0.0.1"
			if c.fam == "6" {
				peer = "::ffff:127.0.0.1"
			}
			addr := "127.0.0.1:" + p.waitLine(`^port (\d+)$`)[1]
			from := func(ip net.IP) net.Conn {
				conn, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}).Dial("tcp4", addr)
				if err != nil {
					t.Fatalf("dial from %s: %v", ip, err)
				}
				t.Cleanup(func() { conn.Close() })
				return conn
			}
			for _, ip := range []net.IP{net.IPv4(127, 0, 0, 2), net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2), net.IPv4(127, 0, 0, 1)} {
				conn := from(ip)
				if ip[15] == 2 {
					p.waitLine(`^(refused|accepted)`)
					expectEOF(t, conn)
				} else {
					if got, want := readExactly(t, conn, len("welcome "+peer+"\n")), "welcome "+peer+"\n"; got != want {
						t.Errorf("allowed client read %q", got)
					}
				}
			}
			if code := p.wait(); code != 0 {
				t.Errorf("exit %d", code)
			}
			want := "port \\d+\nrefused 13 0\naccepted " + peer + "\nrefused 13 0\naccepted " + peer + "\n"
			if out := p.Stdout(); !matchLines(out, want) {
				t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", out, want, p.Stderr())
			}
			warn := "Warning: socket_accept(): unable to accept incoming connection [13]: Permission denied ("
			if n := strings.Count(p.Stderr(), warn); n != 2 || strings.Count(p.Stderr(), c.reason) != 2 {
				t.Errorf("want 2 warnings naming the rule (%q), stderr:\n%s", c.reason, p.Stderr())
			}
			if n := strings.Count(p.Stderr(), "Permission denied (accept from 127.0.0.2:"); n != 2 {
				t.Errorf("the warnings do not name the peer as \"accept from 127.0.0.2:PORT\":\n%s", p.Stderr())
			}
		})
	}
}

// polListenAddr is a listener's address that accepts and closes, for
// probing.
func polListenAddr(t *testing.T) string {
	t.Helper()
	ln, _ := polListen(t, "tcp4", "127.0.0.1:0")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// matchLines compares out with want, where want's \d+ stands for a number.
func matchLines(out, want string) bool {
	ol, wl := strings.Split(out, "\n"), strings.Split(want, "\n")
	if len(ol) != len(wl) {
		return false
	}
	for i := range ol {
		w := wl[i]
		if pre, post, ok := strings.Cut(w, `\d+`); ok {
			rest, found := strings.CutPrefix(ol[i], pre)
			rest, found2 := strings.CutSuffix(rest, post)
			if _, err := strconv.Atoi(rest); !found || !found2 || err != nil {
				return false
			}
			continue
		}
		if ol[i] != w {
			return false
		}
	}
	return true
}

// A malformed rule is a usage error (2) that names it; the script does not
// run.
func TestPolicyBadRules(t *testing.T) {
	for _, c := range []struct{ flag, rule string }{
		{"--allow", "1.2.3.4:99999"},
		{"--allow", "[::1"},
		{"--deny", "127.0.0.1:20-10"},
		{"--deny", "127.0.0.1:-5"},
		{"--allow", "127.0.0.1:http"},
		{"--allow", "10.0.0.0/33"},
		{"--deny", "[::1]x"},
		{"--deny", "no-such-host.invalid"},
		{"--deny", "unix:/tmp/sockrun-pol-[bad"}, // a pattern filepath.Match rejects
	} {
		t.Run(c.flag+" "+c.rule, func(t *testing.T) {
			r := runSockrun(t, "--dns", "127.0.0.1:"+polClosedUDPPort(t), c.flag, c.rule, "-e", `print("ran")`)
			if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, `rule "`+c.rule+`"`) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and a message naming rule %q", r.code, r.stdout, r.stderr, c.rule)
			}
		})
	}
}

// --max-sockets N: the N+1th socket fails with EMFILE and PHP's message;
// closing one makes room again.
func TestPolicyMaxSockets(t *testing.T) {
	body := `local t = {}
for i = 1, 5 do t[i] = socket_create(AF_INET, SOCK_STREAM, 0) assert(t[i], "socket " .. i) end
local s6 = socket_create(AF_INET, SOCK_DGRAM, 0)
echo("sixth ", tostring(s6), " ", socket_last_error(), " ", socket_strerror(socket_last_error()), "\n")
local ok, pair = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
echo("pair ", tostring(ok), " ", socket_last_error(), "\n")
socket_close(t[1])
local again = socket_create(AF_INET6, SOCK_STREAM, 0)
echo("after close ", again and "socket" or "false", "\n")
echo("seventh ", tostring(socket_create(AF_UNIX, SOCK_STREAM, 0)), "\n")
socket_close(t[2])
-- one free slot: a pair needs two, and must not leak the first
local ok2 = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
echo("pair with one slot ", tostring(ok2), "\n")
echo("slot still free ", socket_create(AF_INET, SOCK_STREAM, 0) and "yes" or "no", "\n")
`
	r, script := polRun(t, []string{"--max-sockets", "5"}, body)
	want := "sixth false 24 Too many open files\npair false 24\nafter close socket\nseventh false\npair with one slot false\nslot still free yes\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
	wantWarn := fmt.Sprintf("Warning: socket_create(): Unable to create socket [24]: Too many open files in %s on line 3\n", script)
	if !strings.HasPrefix(r.stderr, wantWarn) {
		t.Errorf("stderr:\n%s\nwant it to start with:\n%s", r.stderr, wantWarn)
	}
}

// Accepting past --max-sockets fails with EMFILE, as the kernel's own limit
// does, and the connection stays in the backlog: a later accept, after a
// socket was closed, gets it.
func TestPolicyMaxSocketsAccept(t *testing.T) {
	script := writeFile(t, "server.lua", `local srv = socket_create(AF_INET, SOCK_STREAM, 0)
assert(socket_bind(srv, "127.0.0.1", 0))
assert(socket_listen(srv, 8))
-- bounded, so that a lost connection fails the test instead of hanging it
socket_set_option(srv, SOL_SOCKET, SO_RCVTIMEO, {sec = 3, usec = 0})
local _, _, port = socket_getsockname(srv)
print("port " .. port)
local c1 = assert(socket_accept(srv))
assert(socket_read(c1, 2) == "go")   -- the client's second connection is in the backlog by now
local c2 = socket_accept(srv)
print("second accept " .. tostring(c2) .. " " .. socket_last_error())
socket_close(c1)
local c3 = socket_accept(srv)
print("third accept " .. (c3 and "socket" or "false"))
if c3 then socket_write(c3, "served\n") socket_close(c3) end
`)
	p := startSockrun(t, "--max-sockets", "2", script)
	addr := "127.0.0.1:" + p.waitLine(`^port (\d+)$`)[1]
	first := dialTCP(t, addr)
	second := dialTCP(t, addr)
	if _, err := first.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	p.waitLine(`^second accept `)
	expectEOF(t, first)
	second.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(second).ReadString('\n')
	code := p.wait()
	if line != "served\n" {
		t.Errorf("the connection left in the backlog read %q, %v (want \"served\\n\")", line, err)
	}
	want := "port \\d+\nsecond accept false 24\nthird accept socket\n"
	if out := p.Stdout(); code != 0 || !matchLines(out, want) {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, p.Stderr())
	}
	if !strings.Contains(p.Stderr(), "Warning: socket_accept(): unable to accept incoming connection [24]: Too many open files in ") {
		t.Errorf("stderr:\n%s", p.Stderr())
	}
}

// --max-tasks 3: three tasks may be unfinished; the fourth spawn raises an
// error pcall catches, and spawn works again once a task has ended.
func TestPolicyMaxTasks(t *testing.T) {
	body := `-- each task waits on its own socket pair until released
local gates, tasks = {}, {}
local function task(i)
  local n, buf = socket_recv(gates[i][2], 1, 0)
  return "task " .. i .. " " .. tostring(buf)
end
for i = 1, 4 do
  local ok, pair = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
  gates[i] = pair
end
for i = 1, 3 do
  local ok, t = pcall(function() return spawn(task, i) end)
  echo("spawn ", i, " ", tostring(ok), "\n")
  tasks[i] = t
end
local ok, err = pcall(function() return spawn(task, 4) end)
echo("spawn 4 ", tostring(ok), " ", tostring(err), "\n")
local ok2, err2 = pcall(spawn, task, 4)
echo("direct pcall ", tostring(ok2), " ", tostring(err2), "\n")
socket_write(gates[1][1], "x")
echo("wait ", select(2, wait(tasks[1])), "\n")
local ok3, t4 = pcall(spawn, task, 4)
echo("after end ", tostring(ok3), " ", tostring(t4):match("^Task #%d+") or tostring(t4), "\n")
for i = 2, 4 do socket_write(gates[i][1], "y") end
if ok3 then echo("wait ", select(2, wait(t4)), "\n") end
`
	r, script := polRun(t, []string{"--max-tasks", "3"}, body)
	want := "spawn 1 true\nspawn 2 true\nspawn 3 true\n" +
		"spawn 4 false " + script + ":16: spawn(): too many tasks: 3 are running (--max-tasks 3)\n" +
		"direct pcall false spawn(): too many tasks: 3 are running (--max-tasks 3)\n" +
		"wait task 1 x\nafter end true Task #5\nwait task 4 y\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
}

// --max-sockets, --max-tasks and --timeout together bound a hostile script
// that spawns tasks and opens connections for ever: it ends with 124 within
// the timeout, never holds more than the limit, and every connection it made
// is closed.
func TestPolicyHostileScriptBounded(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	ln, port := polListen(t, "tcp4", "127.0.0.1:0")
	var mu sync.Mutex
	var conns []net.Conn
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	body := `local port = tonumber(arg[1])
local function hog()
  while true do
    local s = socket_create(AF_INET, SOCK_STREAM, 0)
    if s then socket_connect(s, "127.0.0.1", port) end
    pcall(function() return spawn(hog) end)
    sleep(0.001)
  end
end
while true do
  pcall(function() return spawn(hog) end)
  local s = socket_create(AF_INET, SOCK_STREAM, 0)
  if s then socket_connect(s, "127.0.0.1", port) end
  sleep(0.001)
end
`
	const maxSockets = 12
	start := time.Now()
	r, _ := polRun(t, []string{"-q", "--timeout", "1s", "--max-sockets", strconv.Itoa(maxSockets), "--max-tasks", "6",
		"--allow", "127.0.0.1:" + strconv.Itoa(port)}, body, strconv.Itoa(port))
	elapsed := time.Since(start)
	if r.code != 124 {
		t.Errorf("exit %d, want 124; stderr:\n%s", r.code, r.stderr)
	}
	if elapsed > 5*time.Second {
		t.Errorf("took %v with --timeout 1s", elapsed)
	}
	// Whatever is still in the backlog is taken too.
	ln.SetDeadline(time.Now().Add(200 * time.Millisecond))
	<-acceptDone
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d connections reached the listener", len(conns))
	if len(conns) == 0 || len(conns) > maxSockets {
		t.Errorf("%d connections reached the listener; want 1..%d", len(conns), maxSockets)
	}
	for _, c := range conns {
		expectEOF(t, c)
		c.Close()
	}
}
