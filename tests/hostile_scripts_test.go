package tests

// Regression tests for the ready scripts attacked as hostile clients would
// (issue 14, and server.lua's reply queue from issue 11): each attacks the
// real binary on loopback the way the defect was found, and checks that
// the script answers correctly and keeps serving everyone else.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hsRoundTrip sends line and reads exactly want within limit; it returns
// how long it took.
func hsRoundTrip(t *testing.T, conn net.Conn, r *bufio.Reader, line, want string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	conn.SetDeadline(start.Add(limit))
	if _, err := io.WriteString(conn, line); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatalf("no reply to %q within %v: %v (got %q)", line, limit, err, got)
	}
	if string(got) != want {
		t.Fatalf("reply to %q: got %q, want %q", line, got, want)
	}
	conn.SetDeadline(time.Time{})
	return time.Since(start)
}

// One client sends 64 KiB of "\n" in one write, four times, reading each
// burst's replies after it: 65,536 replies per write. Replies used to be appended
// to one growing string (quadratic), stalling every other client for
// seconds. Another client's round trips must complete meanwhile, and the
// flooding client gets every reply.
func TestHostileServerNewlineFlood(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	other := dialTCP(t, s.addr)
	otherR := bufio.NewReader(other)
	if _, err := io.ReadFull(otherR, make([]byte, len(chatWelcome))); err != nil {
		t.Fatal(err)
	}
	flood := dialTCP(t, s.addr)
	floodR := bufio.NewReader(flood)
	expect := func(want string) {
		t.Helper()
		flood.SetReadDeadline(time.Now().Add(30 * time.Second))
		buf := make([]byte, len(want))
		if _, err := io.ReadFull(floodR, buf); err != nil || string(buf) != want {
			t.Fatalf("the flooding client's replies: %v (%d bytes, want %d)", err, len(buf), len(want))
		}
	}
	expect(chatWelcome)
	// Each burst's 512 KiB of replies is read before the next burst, so
	// that less than the 1 MiB a client may leave unread piles up.
	newlines := strings.Repeat("\n", 65536)
	var slowest time.Duration
	for i := 0; i < 4; i++ {
		if _, err := io.WriteString(flood, newlines); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 3; j++ {
			line := fmt.Sprintf("burst %d, trip %d\n", i, j)
			if d := hsRoundTrip(t, other, otherR, line, "OK ... "+line, 20*time.Second); d > slowest {
				slowest = d
			}
		}
		expect(strings.Repeat("OK ... \n", 65536))
	}
	t.Logf("slowest round trip of the other client during the floods: %v", slowest)
	hsRoundTrip(t, other, otherR, "after\n", "OK ... after\n", 20*time.Second)
}

// A request announcing 1,048,576 arguments, 200,000 of them sent at once,
// then the rest dribbled in 7-byte packets: each packet used to re-parse
// the request from its first argument, and a PING from another client
// waited 23.6 s. Now each PING is answered promptly, and the finished
// request gets Redis's reply.
func TestHostileRespHugeMultibulk(t *testing.T) {
	requireLong(t) // megabytes through the server: a load run
	_, addr := tkRespServer(t)
	attacker := tkRespDial(t, addr)
	pinger := tkRespDial(t, addr)
	const total, first, dribbled = 1048576, 200000, 300
	arg := "$1\r\nx\r\n"
	attacker.write(fmt.Sprintf("*%d\r\n", total) + strings.Repeat(arg, first))
	var slowest time.Duration
	for i := 0; i < dribbled; i++ {
		attacker.write(arg)
		if i%30 == 0 {
			start := time.Now()
			pinger.write("PING\r\n")
			pinger.conn.SetReadDeadline(start.Add(20 * time.Second))
			if reply, err := tkReadReply(pinger.r); err != nil || reply != "+PONG\r\n" {
				t.Fatalf("PING while the request is dribbled: %q, %v", reply, err)
			}
			if d := time.Since(start); d > slowest {
				slowest = d
			}
		}
	}
	t.Logf("slowest PING while the huge request arrived: %v", slowest)
	// The rest, 848,276 arguments (5.9 MB), is parsed as it arrives: under
	// -race on a loaded machine that takes a while, so this write and the
	// reply get minutes, not the usual 20 s.
	attacker.conn.SetWriteDeadline(time.Now().Add(3 * time.Minute))
	if _, err := io.WriteString(attacker.conn, strings.Repeat(arg, total-first-dribbled)); err != nil {
		t.Fatalf("write: %v", err)
	}
	attacker.conn.SetReadDeadline(time.Now().Add(3 * time.Minute))
	reply, err := tkReadReply(attacker.r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "-ERR unknown command 'x', with args beginning with: " + strings.Repeat("'x' ", 32) + "\r\n"; reply != want {
		t.Fatalf("reply to the completed request: %q, want %q", reply, want)
	}
	attacker.write("PING\r\n")
	if reply, err := tkReadReply(attacker.r); err != nil || reply != "+PONG\r\n" {
		t.Fatalf("PING after the huge request: %q, %v", reply, err)
	}
}

// Requests dribbled a few bytes at a time, split at every kind of place (in
// a length line, in a bulk string, between a bulk string and its CRLF),
// give the replies they give in one piece, and the same as redis-server's.
func TestHostileRespSplitRequests(t *testing.T) {
	server := requireTool(t, "redis-server")
	redisAddr := "127.0.0.1:" + tkStartRedis(t, server)
	_, oursAddr := tkRespServer(t)
	value := "a\r\nb\x00" + strings.Repeat("v", 70000) + "\r\n"
	req := tkRespCommand("SET", "k", value) + tkRespCommand("GET", "k") + "PING inline\r\n" +
		tkRespCommand("ECHO", "") + "*0\r\n" + tkRespCommand("DEL", "k") + "*2\r\n$4\r\nECHO\r\n$-3\r\n"
	run := func(addr string, piece int) string {
		c := tkRespDial(t, addr)
		for i := 0; i < len(req); i += piece {
			c.write(req[i:min(i+piece, len(req))])
		}
		var out strings.Builder
		c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		rest, err := io.ReadAll(c.r)
		out.Write(rest)
		if err != nil {
			fmt.Fprintf(&out, "[%v]", err)
		}
		return out.String()
	}
	want := run(redisAddr, len(req))
	if !strings.HasSuffix(want, "-ERR Protocol error: invalid bulk length\r\n") {
		t.Fatalf("redis-server answered %q", want[max(0, len(want)-200):])
	}
	for _, piece := range []int{len(req), 7, 3, 1000, 65536} {
		if got := run(oursAddr, piece); got != want {
			t.Errorf("sent in pieces of %d: got %d bytes %q..., redis-server %d bytes %q...",
				piece, len(got), got[:min(200, len(got))], len(want), want[:min(200, len(want))])
		}
	}
}

// hsRSS is a process's resident set size in bytes.
func hsRSS(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// One 64 MiB SET grew the server from 9 MB to 300-420 MB: the buffer was
// re-joined on every read. Now the value is collected in pieces and joined
// once; the value comes back intact and the growth stays within a few
// times the value.
func TestHostileRespBigSetMemory(t *testing.T) {
	p, addr := tkRespServer(t)
	pid := p.cmd.Process.Pid
	before := hsRSS(t, pid)
	c := tkRespDial(t, addr)
	value := strings.Repeat("0123456789abcdef", 4<<20) // 64 MiB
	c.write(tkRespCommand("SET", "big", value))
	c.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	if reply, err := tkReadReply(c.r); err != nil || reply != "+OK\r\n" {
		t.Fatalf("SET: %q, %v", reply, err)
	}
	grown := hsRSS(t, pid) - before
	t.Logf("RSS %d MB before, grew %d MB for a 64 MiB SET", before>>20, grown>>20)
	// The value, the pieces it arrived in while they are joined, and the
	// garbage collector's headroom: about 130 MB; the old buffer re-joining
	// took 300-420 MB. (-race's shadow memory makes RSS meaningless.)
	if grown > 220<<20 && !raceEnabled {
		t.Errorf("RSS grew %d MB for one 64 MiB SET", grown>>20)
	}
	c.write(tkRespCommand("GET", "big"))
	reply, err := tkReadReply(c.r)
	if err != nil || reply != tkBulk(value) {
		t.Fatalf("GET big: %d bytes, %v", len(reply), err)
	}
}

// hsHTTPDir is a DIR for http_server.lua with a file, a subdirectory, and
// symbolic links: to a file and a directory outside DIR, and to a
// directory inside it.
func hsHTTPDir(t *testing.T) (dir string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "www")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{dir, outside, filepath.Join(dir, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(dir, "index.html"):      "<p>home</p>\n",
		filepath.Join(dir, "sub", "page.txt"): "inside\n",
		filepath.Join(outside, "passwd"):      "root:secret\n",
		filepath.Join(outside, "index.html"):  "outside index\n",
		filepath.Join(outside, "note.txt"):    "outside note\n",
	}
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		filepath.Join(dir, "link"):      outside,
		filepath.Join(dir, "note.txt"):  filepath.Join(outside, "note.txt"),
		filepath.Join(dir, "alias"):     filepath.Join(dir, "sub"),
		filepath.Join(dir, "sub", "up"): "..",
		filepath.Join(dir, "rel"):       "../outside",
	}
	for name, target := range links {
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// hsHTTP sends one raw request on a new connection and returns the whole
// response (the server closes: Connection: close) within 20 s.
func hsHTTP(t *testing.T, addr, req string) string {
	t.Helper()
	conn := dialTCP(t, addr)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("%q: %v after %q", req, err, out)
	}
	return string(out)
}

func hsStatus(resp string) string {
	line, _, _ := strings.Cut(resp, "\r\n")
	return line
}

// A symbolic link inside DIR served files outside it (GET /link/passwd).
// Whatever leads outside is refused with 403; links within DIR still work.
func TestHostileHTTPSymlinkEscape(t *testing.T) {
	dir := hsHTTPDir(t)
	s := hpStartHTTPServer(t, dir)
	for _, c := range []struct{ path, status, body string }{
		{"/link/passwd", "HTTP/1.1 403 Forbidden", ""},
		{"/link/", "HTTP/1.1 403 Forbidden", ""},
		{"/link", "HTTP/1.1 403 Forbidden", ""},
		{"/note.txt", "HTTP/1.1 403 Forbidden", ""},
		{"/rel/passwd", "HTTP/1.1 403 Forbidden", ""},
		{"/sub/up/link/passwd", "HTTP/1.1 403 Forbidden", ""},
		{"/alias/page.txt", "HTTP/1.1 200 OK", "inside\n"},
		{"/sub/up/sub/page.txt", "HTTP/1.1 200 OK", "inside\n"},
		{"/", "HTTP/1.1 200 OK", "<p>home</p>\n"},
		{"/link/missing", "HTTP/1.1 404 Not Found", ""},
	} {
		resp := hsHTTP(t, s.addr, "GET "+c.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if hsStatus(resp) != c.status {
			t.Errorf("GET %s: %q, want %q", c.path, hsStatus(resp), c.status)
		}
		if strings.Contains(resp, "secret") || strings.Contains(resp, "outside") {
			t.Errorf("GET %s served a file outside DIR: %q", c.path, resp)
		}
		if c.body != "" && !strings.HasSuffix(resp, "\r\n\r\n"+c.body) {
			t.Errorf("GET %s: body of %q, want %q", c.path, resp, c.body)
		}
	}
}

// hsOpenFDs counts a process's open descriptors.
func hsOpenFDs(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	return len(entries)
}

// Content-Length: 99999999999999999999 killed the connection's task:
// nothing was answered and the socket leaked, one per request. Each such
// request now gets a 400 and a closed connection, and the server's open
// descriptors come back to where they were.
func TestHostileHTTPHugeContentLength(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	s := hpStartHTTPServer(t, hsHTTPDir(t))
	pid := s.cmd.Process.Pid
	base := hsOpenFDs(t, pid)
	const requests = 40
	for i := 0; i < requests; i++ {
		length := "99999999999999999999"
		if i%2 == 1 {
			length = "18446744073709551616000"
		}
		resp := hsHTTP(t, s.addr, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: "+length+"\r\n\r\n")
		if hsStatus(resp) != "HTTP/1.1 400 Bad Request" || !strings.Contains(resp, "Connection: close\r\n") {
			t.Fatalf("request %d: %q", i, resp)
		}
	}
	// The server closes each connection once it has seen ours end: wait
	// (bounded) for its descriptors to come back.
	deadline := time.Now().Add(15 * time.Second)
	for hsOpenFDs(t, pid) > base+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open after %d bad requests, %d before", hsOpenFDs(t, pid), requests, base)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A length the script can frame is still read past, a body kept alive.
	resp := hsHTTP(t, s.addr, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0005\r\n\r\nhelloGET /sub/page.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if strings.Count(resp, "HTTP/1.1 200 OK") != 2 || !strings.HasSuffix(resp, "inside\n") {
		t.Fatalf("a request with a body, then another: %q", resp)
	}
	if strings.Contains(s.Stderr(), "stack traceback") || strings.Contains(s.Stdout(), "[error]") {
		t.Fatalf("a connection's task failed; stdout:\n%s\nstderr:\n%s", s.Stdout(), s.Stderr())
	}
}

// Stripping the empty lines allowed before a request copied the buffer
// once per line: megabytes of CRLFs took minutes. Now they are skipped in
// linear time and the request behind them is answered, while another
// client is served meanwhile.
func TestHostileHTTPLeadingCRLFs(t *testing.T) {
	requireLong(t) // megabytes through the server: a load run
	s := hpStartHTTPServer(t, hsHTTPDir(t))
	conn := dialTCP(t, s.addr)
	done := make(chan string, 1)
	go func() {
		conn.SetDeadline(time.Now().Add(60 * time.Second))
		go io.WriteString(conn, strings.Repeat("\r\n", 2<<20)+"\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		out, _ := io.ReadAll(conn)
		done <- string(out)
	}()
	resp := hsHTTP(t, s.addr, "GET /sub/page.txt HTTP/1.0\r\n\r\n")
	if hsStatus(resp) != "HTTP/1.1 200 OK" {
		t.Fatalf("the other client: %q", resp)
	}
	if resp := <-done; hsStatus(resp) != "HTTP/1.1 200 OK" || !strings.HasSuffix(resp, "<p>home</p>\n") {
		t.Fatalf("the request after 4 MiB of empty lines: %q", resp[:min(len(resp), 300)])
	}
}

// hsOneResponseServer answers any connection with response and closes.
func hsOneResponseServer(t *testing.T, response string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				io.WriteString(c, response)
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// http_get.lua: a 20-digit Content-Length ended in a Lua error; it is now
// refused with a message and status 1. A header repeated 60,000 times was
// merged by growing one string per repetition; it now takes linear time.
func TestHostileHTTPGetHeaders(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	url := hsOneResponseServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nabc")
	r := runSockrun(t, "scripts/http_get.lua", url)
	if r.code != 1 || !strings.Contains(r.stderr, "http_get: bad Content-Length: 99999999999999999999\n") ||
		strings.Contains(r.stderr, "traceback") {
		t.Fatalf("status %d, stderr %q", r.code, r.stderr)
	}

	const repeats = 60000
	head := "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Many: value\r\n", repeats) + "Content-Length: 5\r\n\r\nhello"
	url = hsOneResponseServer(t, head)
	start := time.Now()
	r = runSockrun(t, "scripts/http_get.lua", url)
	if r.code != 0 || strings.Count(r.stdout, "X-Many: value\n") != repeats || !strings.HasSuffix(r.stdout, "\n\nhello") {
		t.Fatalf("status %d, stderr %q, %d bytes of stdout", r.code, r.stderr, len(r.stdout))
	}
	t.Logf("%d repeated headers took %v", repeats, time.Since(start))
}

// At the --max-sockets limit socket_accept fails with errno 24 while the
// listener stays readable: concurrent_server.lua, http_server.lua and
// tcp_proxy.lua spun at 100% CPU printing ~350,000 warnings a second. Each
// script now backs off: it says so once, warns at most about ten times a
// second, and serves the waiting client once a socket is freed.
func TestHostileAcceptBackoff(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	echoLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { echoLn.Close() })
	go func() {
		for {
			c, err := echoLn.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	dir := hsHTTPDir(t)
	for _, tc := range []struct {
		script string
		args   []string
		max    string                                                         // the listener and one client's sockets
		log    string                                                         // the line saying accept fails
		greet  func(t *testing.T, conn net.Conn, r *bufio.Reader, first bool) // one exchange with a served client
	}{
		{"server.lua", nil, "2", `^Could not accept \(Too many open files\): retrying every 0\.1 s $`, hsChatGreet},
		{"concurrent_server.lua", nil, "2", `^accept failed \(Too many open files\): retrying every 0\.1 s$`, hsChatGreet},
		{"http_server.lua", []string{dir}, "2", `^accept failed \(Too many open files\): retrying every 0\.1 s$`, hsHTTPGreet},
		{"tcp_proxy.lua", []string{echoLn.Addr().String()}, "3", `^accept failed \(Too many open files\): retrying every 0\.1 s$`, hsEchoGreet},
	} {
		t.Run(tc.script, func(t *testing.T) {
			listen := []string{"127.0.0.1", "0"}
			if tc.script == "tcp_proxy.lua" {
				listen = []string{"127.0.0.1:0"}
			}
			args := append([]string{"--max-sockets", tc.max, "scripts/" + tc.script}, append(listen, tc.args...)...)
			p := startSockrun(t, args...)
			m := p.waitLine(`^Listening on (.+):(\d+)$`)
			addr := net.JoinHostPort(m[1], m[2])

			first := dialTCP(t, addr)
			firstR := bufio.NewReader(first)
			tc.greet(t, first, firstR, true)
			waiting := dialTCP(t, addr) // no socket left for it
			p.waitLine(tc.log)
			warningsAt := func() int { return strings.Count(p.Stderr(), "Warning: socket_accept()") }
			start, before := time.Now(), warningsAt()
			// The first client keeps being served while the other waits,
			// for at least half a second.
			for i := 0; time.Since(start) < 500*time.Millisecond; i++ {
				tc.greet(t, first, firstR, false)
			}
			first.Close()
			tc.greet(t, waiting, bufio.NewReader(waiting), true)
			elapsed := time.Since(start)
			warnings := warningsAt() - before
			t.Logf("%d accept warnings in %v", warnings, elapsed)
			if limit := int(elapsed/(100*time.Millisecond)) + 5; warnings > limit {
				t.Fatalf("%d accept warnings in %v (at most %d expected): the script spins", warnings, elapsed, limit)
			}
			// Once per streak of failures: the streak that ends when the
			// waiting client is taken, and possibly the next one (at the
			// limit again, accept fails even with nothing pending until the
			// runtime waits for a pending connection first).
			if n := strings.Count(p.Stdout(), "retrying every 0.1 s"); n < 1 || n > 2 {
				t.Errorf("the backoff was logged %d times, want once or twice; stdout:\n%s", n, p.Stdout())
			}
		})
	}
}

// hsChatGreet: a tutorial-protocol client's first exchange is the welcome,
// the next ones round trips.
func hsChatGreet(t *testing.T, conn net.Conn, r *bufio.Reader, first bool) {
	t.Helper()
	if first {
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, len(chatWelcome))
		if _, err := io.ReadFull(r, buf); err != nil || string(buf) != chatWelcome {
			t.Fatalf("welcome: %q, %v", buf, err)
		}
		return
	}
	hsRoundTrip(t, conn, r, "ping\n", "OK ... ping\n", 20*time.Second)
}

// hsHTTPGreet: one keep-alive GET.
func hsHTTPGreet(t *testing.T, conn net.Conn, r *bufio.Reader, _ bool) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, "GET /sub/page.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	status, err := r.ReadString('\n')
	if err != nil || status != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("GET: %q, %v", status, err)
	}
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if _, err := io.ReadFull(r, make([]byte, length)); err != nil {
		t.Fatal(err)
	}
}

// hsEchoGreet: a round trip through the proxy to the echo server.
func hsEchoGreet(t *testing.T, conn net.Conn, r *bufio.Reader, _ bool) {
	t.Helper()
	hsRoundTrip(t, conn, r, "echo\n", "echo\n", 20*time.Second)
}

// realpath() is PHP's: the same paths, through symbolic links and "..",
// give the same results under php and sockrun.
func TestHostileRealpathMatchesPHP(t *testing.T) {
	php := requireTool(t, "php")
	dir := hsHTTPDir(t)
	var paths []string
	for _, p := range []string{"", "/index.html", "/link/passwd", "/link/../www/index.html", "/link/../outside/passwd",
		"/rel/../www", "/sub/up/sub/./page.txt", "//sub//page.txt", "/missing", "/index.html/", "/sub/", "/link/", "/note.txt"} {
		paths = append(paths, dir+p)
	}
	paths = append(paths, "", ".", "tests", "tests/../scripts", "/")
	var phpCode, luaCode strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&phpCode, "var_export(realpath(%s)); echo \"\\n\";\n", strconv.Quote(p))
		fmt.Fprintf(&luaCode, "local r = realpath(%s) print(r == false and \"false\" or \"'\" .. r .. \"'\")\n", strconv.Quote(p))
	}
	want := runProgram(t, "", php, "-r", phpCode.String())
	got := runSockrun(t, "-e", luaCode.String())
	if want.code != 0 || got.code != 0 || want.stdout != got.stdout {
		t.Fatalf("php (status %d):\n%s\nsockrun (status %d, stderr %q):\n%s", want.code, want.stdout, got.code, got.stderr, got.stdout)
	}
}
