package tests

// The porting proof: examples/ports/ holds published PHP socket programs
// that nobody on the project wrote (NAME.php, as published) beside their
// line-by-line Lua ports (NAME.lua). Each pair runs under php-cli and
// sockrun against the same local peers, and what each prints (stdout, the
// warnings, the exit status) and what its peer sees must be the same.
//
// The programs hard-code addresses and ports (192.168.1.53:10000, port 1223,
// www.example.com on getservbyname('www', 'tcp')), so each test copies both
// files with documented substitutions (portSource): the address becomes
// 127.0.0.1, a server's port 0 (the test reads the port it got from
// /proc, see boundPort), and a client's host and port those of a peer the
// test started. Nothing else in the programs changes.
//
// TestPortsAids checks the porting aids the ports lean on (die/exit, the
// undefined-function error, silence as PHP's @) against php-cli too.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// portImpl runs one side of a port: php-cli on NAME.php or sockrun on
// NAME.lua.
type portImpl struct {
	name, prog, ext string
	args            []string
}

func portImpls(t *testing.T) []portImpl {
	php := requireTool(t, "php")
	return []portImpl{
		{name: "php", prog: php, ext: "php", args: []string{"-d", "display_errors=stderr", "-d", "log_errors=0"}},
		{name: "sockrun", prog: binPath, ext: "lua"},
	}
}

// portSource writes examples/ports/NAME.EXT into a scratch directory with
// each of the substitutions (old, new, old, new, ...) applied, and returns
// its path. Every old text must occur, so a substitution cannot silently
// stop applying.
func portSource(t *testing.T, name, ext string, subst ...string) string {
	t.Helper()
	return portSourceIn(t, t.TempDir(), name, ext, subst...)
}

// portSourceIn is portSource writing into dir (for programs that load a
// file beside them).
func portSourceIn(t *testing.T, dir, name, ext string, subst ...string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(rootDir, "examples", "ports", name+"."+ext))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for i := 0; i+1 < len(subst); i += 2 {
		if !strings.Contains(text, subst[i]) {
			t.Fatalf("%s.%s no longer contains %q", name, ext, subst[i])
		}
		text = strings.ReplaceAll(text, subst[i], subst[i+1])
	}
	path := filepath.Join(dir, name+"."+ext)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (im portImpl) run(t *testing.T, name string, subst ...string) result {
	t.Helper()
	return runProgram(t, "", im.prog, append(im.args, portSource(t, name, im.ext, subst...))...)
}

func (im portImpl) start(t *testing.T, name string, subst ...string) *process {
	t.Helper()
	return startProgram(t, im.prog, append(im.args, portSource(t, name, im.ext, subst...))...)
}

// portOutcome is what the tests compare between the two sides.
type portOutcome struct {
	stdout   string
	warnings []string
	code     int
	peer     string // what the peer saw or received
}

func (o portOutcome) String() string {
	return fmt.Sprintf("status %d\nstdout:\n%s\nwarnings: %q\npeer:\n%q", o.code, o.stdout, o.warnings, o.peer)
}

// comparePorts checks that every side did what php did.
func comparePorts(t *testing.T, got map[string]portOutcome) {
	t.Helper()
	want := got["php"]
	for name, o := range got {
		if o.String() != want.String() {
			t.Errorf("%s differs from php.\n--- php:\n%s\n--- %s:\n%s", name, want, name, o)
		}
	}
}

// boundPort waits (at most 30 s) until the process has a socket bound to a
// port (TCP: listening) and returns the port: the inodes of its descriptors
// (/proc/PID/fd) matched against /proc/net/tcp or /proc/net/udp.
func boundPort(t *testing.T, p *process, proto string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if port := procBoundPort(p.cmd.Process.Pid, proto); port > 0 {
			return port
		}
		select {
		case <-p.done:
			t.Fatalf("the server ended (status %d) before binding; stdout:\n%s\nstderr:\n%s", p.code, p.Stdout(), p.Stderr())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("the server bound no %s port within 30s; stderr:\n%s", proto, p.Stderr())
	return 0
}

func procBoundPort(pid int, proto string) int {
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		return 0
	}
	inodes := map[string]bool{}
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	table, err := os.ReadFile("/proc/net/" + proto)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || !inodes[f[9]] || (proto == "tcp" && f[3] != "0A") {
			continue
		}
		_, hexPort, _ := strings.Cut(f[1], ":")
		if port, err := strconv.ParseUint(hexPort, 16, 16); err == nil && port > 0 {
			return int(port)
		}
	}
	return 0
}

func outcome(stdout, stderr string, code int, peer string) portOutcome {
	return portOutcome{stdout: stdout, warnings: exWarnings(stderr), code: code, peer: peer}
}

// TestPortsTalkbackServer: the manual's talkback server, driven by a client
// that says hello, sends lines PHP finds false ("   " trimmed, "0"), quits,
// comes back, and shuts the server down.
func TestPortsTalkbackServer(t *testing.T) {
	got := map[string]portOutcome{}
	for _, im := range portImpls(t) {
		srv := im.start(t, "talkback_server", "'192.168.1.53'", "'127.0.0.1'", "= 10000", "= 0")
		port := boundPort(t, srv, "tcp")
		peer := talkbackSession(t, port, "hello", "   ", "0", "quit") +
			talkbackSession(t, port, "bye now", "shutdown")
		code := srv.wait()
		got[im.name] = outcome(srv.Stdout(), srv.Stderr(), code, peer)
	}
	comparePorts(t, got)
	if want := "hello\nbye now\n"; got["php"].stdout != want {
		t.Errorf("php's server printed %q, want %q (the test's expectations are off)", got["php"].stdout, want)
	}
}

// talkbackSession connects, reads the three welcome lines, sends each line
// (reading the reply to those the server answers), and reads to EOF after
// the last. It returns everything the server sent.
func talkbackSession(t *testing.T, port int, lines ...string) string {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(conn)
	var seen strings.Builder
	readLine := func() {
		s, err := r.ReadString('\n')
		seen.WriteString(s)
		if err != nil {
			t.Fatalf("reading from the server: %v (so far %q)", err, seen.String())
		}
	}
	for range 3 {
		readLine()
	}
	for i, line := range lines {
		fmt.Fprintf(conn, "%s\n", line)
		switch {
		case i == len(lines)-1:
			rest, err := io.ReadAll(r)
			seen.Write(rest)
			if err != nil {
				t.Fatalf("reading to EOF: %v", err)
			}
		case strings.TrimSpace(line) != "" && strings.TrimSpace(line) != "0":
			readLine()
		}
	}
	return seen.String()
}

// headPeer is the HTTP server the HEAD clients reach instead of
// www.example.com: it records each request and answers as a web server
// answers HEAD, then closes.
type headPeer struct {
	port     int
	mu       sync.Mutex
	requests []string
}

const headResponse = "HTTP/1.1 200 OK\r\nDate: Mon, 14 Sep 2009 08:56:36 GMT\r\nServer: Apache/2.2.3 (Red Hat)\r\n" +
	"Content-Length: 438\r\nConnection: close\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"

func startHeadPeer(t *testing.T) *headPeer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &headPeer{port: ln.Addr().(*net.TCPAddr).Port}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			r := bufio.NewReader(conn)
			var req strings.Builder
			for {
				line, err := r.ReadString('\n')
				req.WriteString(line)
				if err != nil || line == "\r\n" {
					break
				}
			}
			p.mu.Lock()
			p.requests = append(p.requests, req.String())
			p.mu.Unlock()
			io.WriteString(conn, headResponse)
			conn.Close()
		}
	}()
	return p
}

func (p *headPeer) last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		return ""
	}
	return p.requests[len(p.requests)-1]
}

// TestPortsHeadClients: the manual's HEAD client (socket_read until PHP
// finds the result false) and its socket_recv rewrite (MSG_WAITALL).
func TestPortsHeadClients(t *testing.T) {
	impls := portImpls(t)
	peer := startHeadPeer(t)
	for _, name := range []string{"head_client", "recv_client"} {
		t.Run(name, func(t *testing.T) {
			got := map[string]portOutcome{}
			for _, im := range impls {
				r := im.run(t, name,
					"getservbyname('www', 'tcp')", strconv.Itoa(peer.port),
					"gethostbyname('www.example.com')", "gethostbyname('127.0.0.1')")
				got[im.name] = outcome(r.stdout, r.stderr, r.code, peer.last())
			}
			comparePorts(t, got)
			if !strings.Contains(got["php"].stdout, "Reading response:\n\n") || !strings.Contains(got["php"].stdout, "Content-Length: 438") {
				t.Errorf("php's client did not read the response:\n%s", got["php"].stdout)
			}
			if want := "HEAD / HTTP/1.1\r\nHost: www.example.com\r\nConnection: Close\r\n\r\n"; got["php"].peer != want {
				t.Errorf("the peer got %q, want %q", got["php"].peer, want)
			}
		})
	}
}

// TestPortsCreatePair: the manual's socket_create_pair example.
func TestPortsCreatePair(t *testing.T) {
	got := map[string]portOutcome{}
	for _, im := range portImpls(t) {
		r := im.run(t, "create_pair")
		got[im.name] = outcome(r.stdout, r.stderr, r.code, "")
	}
	comparePorts(t, got)
	if want := "string(10) \"ABCdef123\n\"\n"; got["php"].stdout != want {
		t.Errorf("php printed %q, want %q", got["php"].stdout, want)
	}
}

// TestPortsUDP: the manual's socket_recvfrom example receiving the
// datagram its socket_sendto example sends, each side with its own twin.
// The sender's ephemeral port is the one thing normalised.
func TestPortsUDP(t *testing.T) {
	senderPort := regexp.MustCompile(`remote port \d+`)
	got := map[string]portOutcome{}
	for _, im := range portImpls(t) {
		recv := im.start(t, "udp_recvfrom", "1223", "0")
		port := boundPort(t, recv, "udp")
		send := im.run(t, "udp_sendto", "1223", strconv.Itoa(port))
		code := recv.wait()
		o := outcome(senderPort.ReplaceAllString(recv.Stdout(), "remote port N"), recv.Stderr(), code, "")
		o.peer = fmt.Sprintf("sender: status %d, stdout %q, warnings %q", send.code, send.stdout, exWarnings(send.stderr))
		got[im.name] = o
	}
	comparePorts(t, got)
	if want := "Received Ping ! from remote address 127.0.0.1 and remote port N\n"; got["php"].stdout != want {
		t.Errorf("php printed %q, want %q", got["php"].stdout, want)
	}
}

// TestPortsAids runs small PHP programs and their ports of the porting aids
// under php-cli and sockrun: die/exit's output and status, calling a
// function that does not exist, and @ (silence) on a failing call.
func TestPortsAids(t *testing.T) {
	php := requireTool(t, "php")
	closed := closedTCPPort(t)
	for _, tc := range []struct {
		name, php, lua string
		errHas         []string // an uncaught error: sockrun's stderr must contain these
	}{
		{name: "die with a message", php: `die("bye\n");`, lua: `die("bye\n")`},
		{name: "die without argument", php: `echo "a"; die(); echo "b";`, lua: `echo("a") die() echo("b")`},
		{name: "exit with a status", php: `exit(3);`, lua: `exit(3)`},
		{name: "exit with a negative status", php: `exit(-1);`, lua: `exit(-1)`},
		{name: "exit with true prints 1", php: `exit(true);`, lua: `exit(true)`},
		{name: "exit with a float prints it", php: `exit(1.5);`, lua: `exit(1.5)`},
		{name: "exit inside a function", php: `function f() { exit("in f\n"); } f(); echo "not reached";`, lua: `local function f() exit("in f\n") end f() echo("not reached")`},
		{
			name: "undefined PHP function", php: `echo "a\n"; pcntl_forkx();`, lua: `echo("a\n") pcntl_fork()`,
			errHas: []string{"-e:1: Call to undefined function pcntl_fork() (sockrun does not provide this PHP function)"},
		},
		{
			name: "undefined function in a multi-line call", php: `echo "a\n"; pcntl_forkx();`, lua: "echo(\"a\\n\")\nlocal x = strlen(\n  pcntl_fork(\n    1))",
			errHas: []string{"-e:3: Call to undefined function pcntl_fork()"},
		},
		{
			name: "undefined function named by Lua's message", php: `echo "a\n"; no_such_function();`, lua: `echo("a\n") no_such_function()`,
			errHas: []string{"-e:1: attempt to call global 'no_such_function' (a nil value)"},
		},
		{
			name: "an ext/sockets function left out says why", php: `echo "a\n"; socket_no_such();`, lua: `echo("a\n") socket_sendmsg()`,
			errHas: []string{"Call to undefined function socket_sendmsg() (sockrun does not provide it: control messages are not supported)"},
		},
		{
			name: "testing a missing function reads false", php: `var_dump(function_exists("pcntl_forkx"));`,
			lua: `if pcntl_fork then var_dump(true) else var_dump(false) end`,
		},
		{
			name: "a missing function tested and called on one line", php: `var_dump(false);`,
			lua: `if pcntl_fork then pcntl_fork() else var_dump(false) end`,
		},
		{
			name: "@ silences one call's warning",
			php:  fmt.Sprintf(`$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP); var_dump(@socket_connect($s, "127.0.0.1", %d)); var_dump(socket_last_error($s)); var_dump(socket_connect($s, "127.0.0.1", %d));`, closed, closed),
			lua:  fmt.Sprintf(`local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP) var_dump(silence(socket_connect, s, "127.0.0.1", %d)) var_dump(socket_last_error(s)) var_dump(socket_connect(s, "127.0.0.1", %d))`, closed, closed),
		},
		{
			name: "@ on a function's warnings, results kept",
			php:  `function f($a) { $x = @hex2bin("abc"); return [$x, $a]; } var_dump(@f(7)); var_dump(hex2bin("abc"));`,
			lua:  `local function f(a) local x = hex2bin("abc") return {x, a} end var_dump(silence(f, 7)) var_dump(hex2bin("abc"))`,
		},
		{
			name: "@ leaves errors alone, and ends with its call",
			php:  (`try { @intdiv(1, 0); } catch (DivisionByZeroError $e) { echo "caught\n"; } var_dump(hex2bin("abc"));`),
			lua:  (`if not pcall(silence, error, "x") then echo("caught\n") end var_dump(hex2bin("abc"))`),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := filepath.Join(t.TempDir(), "aid.php")
			if err := os.WriteFile(script, []byte("<?php\n"+tc.php+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			want := runProgram(t, "", php, "-d", "display_errors=stderr", "-d", "log_errors=0", script)
			got := runSockrun(t, "-e", tc.lua)
			if tc.errHas != nil && want.code == 255 && got.code == 1 {
				// PHP ends an uncaught Error with 255, sockrun an uncaught
				// Lua error with 1 (README's exit statuses).
				got.code = want.code
			}
			if got.stdout != want.stdout || got.code != want.code {
				t.Errorf("sockrun: status %d, stdout %q; php: status %d, stdout %q\nsockrun's stderr:\n%s", got.code, got.stdout, want.code, want.stdout, got.stderr)
			}
			if w, g := exWarnings(want.stderr), exWarnings(got.stderr); fmt.Sprint(w) != fmt.Sprint(g) {
				t.Errorf("warnings differ: php %q, sockrun %q", w, g)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(got.stderr, s) {
					t.Errorf("sockrun's stderr lacks %q:\n%s", s, got.stderr)
				}
			}
		})
	}
}

// closedTCPPort is a loopback port with nothing listening (one the test
// listened on and closed).
func closedTCPPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// TestPortsSilenceInTasks: silence() quiets only the task that called it,
// also while its call waits and another task warns meanwhile, and a
// coroutine the silenced call resumes is quiet too.
func TestPortsSilenceInTasks(t *testing.T) {
	closed := closedTCPPort(t)
	script := fmt.Sprintf(`
local function refused()
  return socket_connect(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "127.0.0.1", %d)
end
local quiet = spawn(function()
  return silence(function() sleep(0.05) return refused(), socket_last_error() end)
end)
local loud = spawn(function() sleep(0.01) return refused() end)
print(wait(quiet))
print(wait(loud))
print(silence(coroutine.wrap(function() return refused() end)))
print(pcall(function() spawn_nothing() end))
local ok, err = wait(spawn(function() pcntl_fork() end))
print(ok, err)
`, closed)
	r := runSockrun(t, "-e", script)
	wantOut := "true\tfalse\t111\ntrue\tfalse\nfalse\n" +
		"false\t-e:12: attempt to call global 'spawn_nothing' (a nil value)\n" +
		"false\t-e:13: Call to undefined function pcntl_fork() (sockrun does not provide this PHP function)\n"
	if !strings.HasPrefix(r.stdout, wantOut) || r.code != 0 {
		t.Errorf("status %d, stdout:\n%s\nwant it to start with:\n%s\nstderr:\n%s", r.code, r.stdout, wantOut, r.stderr)
	}
	if n := strings.Count(r.stderr, "Warning: socket_connect(): unable to connect [111]"); n != 1 {
		t.Errorf("want exactly the loud task's warning, got %d in:\n%s", n, r.stderr)
	}
}

// TestPortsConnectTimeout: Brian Moon's socket_connect_timeout() and the
// example of its comment, on three loopback peers: one listening, one whose
// accept queue is full (so a SYN goes unanswered, as to the example's
// "routable, but not up" host), and a closed port. Elapsed times are
// normalised.
func TestPortsConnectTimeout(t *testing.T) {
	good, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	goodPort := strconv.Itoa(good.Addr().(*net.TCPAddr).Port)
	fullPort := strconv.Itoa(fullBacklogPort(t))
	closed := strconv.Itoa(closedTCPPort(t))
	elapsed := regexp.MustCompile(`after [0-9.]+ms`)
	got := map[string]portOutcome{}
	for _, im := range portImpls(t) {
		subst := []string{
			`"host" => "10.1.2.30",` + "\n" + `        "port" => "4730"`, `"host" => "127.0.0.1",` + "\n" + `        "port" => "` + fullPort + `"`,
			`"port" => "4730"`, `"port" => "` + goodPort + `"`,
			`"7676"`, `"` + closed + `"`,
		}
		if im.ext == "lua" {
			subst = []string{
				`host = "10.1.2.30",` + "\n" + `        port = "4730"`, `host = "127.0.0.1",` + "\n" + `        port = "` + fullPort + `"`,
				`port = "4730"`, `port = "` + goodPort + `"`,
				`"7676"`, `"` + closed + `"`,
			}
		}
		dir := t.TempDir()
		portSourceIn(t, dir, "connect_timeout", im.ext)
		demo := portSourceIn(t, dir, "connect_timeout_demo", im.ext, subst...)
		r := runProgram(t, "", im.prog, append(im.args, demo)...)
		got[im.name] = outcome(elapsed.ReplaceAllString(r.stdout, "after Nms"), r.stderr, r.code, "")
	}
	comparePorts(t, got)
	want := "Trying: Good host...\nobject(Socket)#1 (0) {\n}\n\n" +
		"Trying: Routable, but not up...\nFailed to connect to 127.0.0.1:" + fullPort + ". (timed out after Nms)\nNULL\n\n" +
		"Trying: Up but not listening...\nFailed to connect to 127.0.0.1:" + closed + ". (111: Connection refused; after Nms)\nNULL\n\n"
	if got["php"].stdout != want {
		t.Errorf("php printed:\n%s\nwant:\n%s", got["php"].stdout, want)
	}
}

// fullBacklogPort listens on 127.0.0.1 with a backlog of 0 and fills the
// accept queue with one connection nobody accepts: the kernel then drops
// further SYNs, so a connect there stays in progress until it gives up.
func fullBacklogPort(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	loopback := [4]byte{127, 0, 0, 1}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: loopback}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*unix.SockaddrInet4).Port
	filler, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(filler) })
	if err := unix.Connect(filler, &unix.SockaddrInet4{Addr: loopback, Port: port}); err != nil && err != syscall.EINPROGRESS {
		t.Fatal(err)
	}
	// The queue is full once the filler's handshake is done.
	pfd := []unix.PollFd{{Fd: int32(filler), Events: unix.POLLOUT}}
	if n, err := unix.Poll(pfd, 10000); n != 1 || err != nil {
		t.Fatalf("the filler connection did not complete: %d, %v", n, err)
	}
	return port
}

// TestPortsUndefinedCallForms: every way Lua calls a global names the
// missing function; every other read of it is nil, as in plain Lua.
func TestPortsUndefinedCallForms(t *testing.T) {
	const named = "attempt to call global 'nosuch' (a nil value)"
	for _, tc := range []struct{ code, want string }{
		{`nosuch()`, named},
		{`nosuch "x"`, named},
		{`nosuch {}`, named},
		{`local function f() return nosuch(1) end f()`, named},
		{`local t = {nosuch()}`, named},
		{`for k in nosuch() do end`, named},
		{`local s = "a" .. nosuch() .. "b"`, named},
		{`echo(strlen(nosuch("x")))`, named},
		{`local t = {f = nosuch} echo(type(t.f))`, "ok: nil"},
		{`local x = nosuch and nosuch() echo(type(x))`, "ok: nil"},
		{`echo(type(nosuch))`, "ok: nil"},
		{`echo(tostring(rawget(_G, "nosuch")), tostring(_G.nosuch))`, "ok: nilnil"},
		{`nosuch = function() echo("defined later") end nosuch()`, "ok: defined later"},
		{`local ok, e = pcall(nosuch) echo(e)`, "ok: attempt to call a nil value"},
		{`local o = {} o:nosuch()`, "attempt to call a non-function object"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			r := runSockrun(t, "-e", tc.code)
			got := "ok: " + r.stdout
			if r.code != 0 {
				got = r.stderr
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("status %d, stdout %q, stderr:\n%s\nwant %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}
