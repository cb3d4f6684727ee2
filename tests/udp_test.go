package tests

// End-to-end tests of UDP in sockrun: socket_sendto/socket_recvfrom,
// connected UDP, truncation, empty datagrams, IPv4 and IPv6, SO_BROADCAST,
// nonblocking reads, ICMP refusal (tests/dgram/udp*.lua against their PHP
// twins), and scripts/udp_echo.lua under many concurrent Go clients, nc and
// on ::1. Everything runs on loopback on ports the kernel picks.
//
// The twin tests (dgTwin) run tests/dgram/NAME.lua under sockrun and
// NAME.php under php-cli, with stderr on the same pipe as stdout so that
// warnings keep their place, and compare both transcripts with the expected
// one written below, normalised as every parity suite is
// (normalizeTranscript in parity_test.go). The expected transcripts were taken from PHP
// 8.2; the sockrun half runs (and must match) even where php is missing.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// dgResult is what a finished program did, with both streams on one pipe.
type dgResult struct {
	out    string // stdout and stderr interleaved (dgRunMerged) or stdout
	stderr string // stderr when it was kept apart (dgRunSplit)
	code   int
	cpu    time.Duration // user + system CPU time of the process
	wall   time.Duration
}

// dgRun runs prog (from the repository root, bounded at a minute). With
// merged, stderr shares stdout's pipe. The race detector's one-second pause
// at exit is switched off for the binary under test.
func dgRun(t testing.TB, merged bool, prog string, args ...string) dgResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = rootDir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	if merged {
		cmd.Stderr = &out
	} else {
		cmd.Stderr = &errOut
	}
	start := time.Now()
	err := cmd.Run()
	r := dgResult{wall: time.Since(start)}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %v: %v", prog, args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish within a minute; output:\n%s\n%s", prog, args, out.String(), errOut.String())
	}
	if cmd.ProcessState != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	r.out, r.stderr = out.String(), errOut.String()
	return r
}

// dgPHP returns php's path, or "" (after saying so) when it is missing and
// SOCKRUN_REQUIRE_TOOLS is not set, so that the sockrun half still runs.
func dgPHP(t *testing.T) string {
	t.Helper()
	php, err := exec.LookPath("php")
	if err != nil {
		if os.Getenv("SOCKRUN_REQUIRE_TOOLS") != "" {
			t.Fatalf("php is required (SOCKRUN_REQUIRE_TOOLS is set) but not installed")
		}
		t.Logf("php not installed: checking sockrun against the recorded PHP transcript only")
		return ""
	}
	return php
}

// dgScript is the path of a file in tests/dgram.
func dgScript(name string) string {
	return filepath.Join(rootDir, "tests", "dgram", name)
}

// dgCheckTranscript compares one side's transcript with the expected one.
func dgCheckTranscript(t *testing.T, who string, r dgResult, want string) {
	t.Helper()
	if r.code != 0 {
		t.Errorf("%s exited with status %d; output:\n%s", who, r.code, r.out)
	}
	if got := normalizeTranscript(r.out, false); got != want {
		t.Errorf("%s's transcript differs from PHP 8.2's (- expected, + %s):\n%s", who, who, lineDiff(want, got))
	}
}

// dgTwin runs tests/dgram/NAME.lua under sockrun and NAME.php under php
// with the same arguments, and checks both transcripts against want.
func dgTwin(t *testing.T, name, want string, args ...string) {
	t.Helper()
	dgTwinRun(t, name, want, func(prog string, script string) dgResult {
		return dgRun(t, true, prog, append(append(dgArgsFor(prog), script), args...)...)
	})
}

// dgArgsFor gives the interpreter flags that go before the script.
func dgArgsFor(prog string) []string {
	if prog == binPath {
		return nil
	}
	return append([]string(nil), phpFlagsAllNotices...) // a copy: callers append to it
}

// dgTwinRun is dgTwin with a caller-supplied runner (for twins that need
// a fresh peer per run).
func dgTwinRun(t *testing.T, name, want string, run func(prog, script string) dgResult) {
	t.Helper()
	dgCheckTranscript(t, "sockrun", run(binPath, dgScript(name+".lua")), want)
	if php := dgPHP(t); php != "" {
		// If this fails, the expectation (not sockrun) no longer matches PHP.
		dgCheckTranscript(t, "php", run(php, dgScript(name+".php")), want)
	}
}

func TestUDPTwin(t *testing.T) {
	t.Parallel()
	dgTwin(t, "udp", `bind: true
bound: "127.0.0.1", true
unbound sockname: true, "0.0.0.0", 0
-- sendto from an unbound socket
sendto: 5
sendto 5 of 7: 5
sender sockname: true, "0.0.0.0", true
recvfrom: 5, "hello", "127.0.0.1", true
recvfrom: 5, "world", "127.0.0.1", true
-- a datagram longer than the length
sendto: 10
sendto: 6
recvfrom 4: 4, "0123", "127.0.0.1", true
recvfrom 100: 6, "second"
-- binary datagram
sendto: 262
recvfrom: 262, true
-- empty datagram
sendto: 0
recvfrom: 0, "", "127.0.0.1", true
sendto: 0
recv: 0, nil
sendto: 0
read: ""
-- nonblocking, no datagram
set_nonblock: true
recvfrom: false
last_error: 11, 11
recv: false, nil
read: false
last_error: 11
sendto: 4
readable: 1
recvfrom: 4, "late"
set_block: true
recv MSG_DONTWAIT: false, nil
last_error: 11
-- SO_BROADCAST
get: 0
set 1: true
get: 1
set 0: true
get: 0
SO_TYPE: 2
-- connected UDP
connect: true
getpeername: true, "127.0.0.1", true
send: 8
recvfrom: 8, "via-send", "127.0.0.1", true
write: 9
read: "via-write"
write: 2, 2
read: "d1", "d2"
sendto: 6
sendto: 6
recv: 6, "reply1"
read: "reply2"
-- connected UDP: truncation, strangers, empty datagrams
sendto: 8
sendto: 8
sendto: 4
recv 3: 3, "abc"
recv: 4, "next"
send: 0
recv: 0, nil
write: 0
read: ""
sendto: 0
recv: 0, nil
-- connected UDP to a closed port: ICMP refusal
connect: true
send: 1
readable: 1
Warning: socket_recv(): Unable to read from socket [111]: Connection refused
recv: false, nil
last_error: 111, 111
SO_ERROR: 0
-- sendto a host name
sendto localhost: 2
recvfrom: 2, "hn", "127.0.0.1"
-- errors
sendto without port: error: socket_sendto(): Argument #6 ($port) cannot be null when the socket type is AF_INET
recvfrom negative length: false
Warning: socket_recvfrom(): Unable to recvfrom [107]: Transport endpoint is not connected
recvfrom on unconnected TCP: false
Warning: socket_sendto(): Unable to write to socket [32]: Broken pipe
sendto on unconnected TCP: false
Warning: socket_sendto(): Host lookup failed [-10000]: Unknown error -10000
sendto an IPv6 literal: false
`)
}

// dgRequireIPv6 skips when the loopback has no ::1.
func dgRequireIPv6(t *testing.T) {
	t.Helper()
	c, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	c.Close()
}

func TestUDP6Twin(t *testing.T) {
	t.Parallel()
	dgRequireIPv6(t)
	dgTwin(t, "udp6", `bind: true
bound: "::1", true
sendto: 3
sender sockname: "::", true
recvfrom: 3, "six", "::1", true
sendto: 5
recvfrom 3: 3, "rep", "::1", true
sendto: 0
recvfrom: 0, "", "::1"
-- connected
connect: true
getpeername: true, "::1", true
write: 4
read: "six2"
sendto: 4
recv: 4, "back"
-- nonblocking
recvfrom: false
last_error: 11
`)
}

// dgEcho is a running scripts/udp_echo.lua.
type dgEcho struct {
	*process
	t    *testing.T
	addr *net.UDPAddr
}

// dgStartEcho runs scripts/udp_echo.lua on host, port 0, and reads the
// port back from its "Listening on" line.
func dgStartEcho(t *testing.T, host string) *dgEcho {
	t.Helper()
	p := startSockrun(t, "scripts/udp_echo.lua", host, "0")
	m := p.waitLine(`^Listening on (.+):(\d+) \(udp\)$`)
	port, _ := strconv.Atoi(m[2])
	if m[1] != host || port == 0 {
		t.Fatalf("listening line names %s:%s, want %s and a real port", m[1], m[2], host)
	}
	return &dgEcho{process: p, t: t, addr: &net.UDPAddr{IP: net.ParseIP(host), Port: port}}
}

// waitLog waits (at most 30 s) until the log so far satisfies cond.
func (e *dgEcho) waitLog(what string, cond func(log string) bool) {
	e.t.Helper()
	timeout := time.After(30 * time.Second)
	for !cond(e.Stdout()) {
		select {
		case _, ok := <-e.lines:
			if !ok && !cond(e.Stdout()) {
				e.t.Fatalf("udp_echo ended (status %d) before its log showed %s; stdout:\n%s\nstderr:\n%s", e.code, what, e.Stdout(), e.Stderr())
			}
		case <-timeout:
			e.t.Fatalf("log did not show %s within 30s; stdout:\n%s\nstderr:\n%s", what, e.Stdout(), e.Stderr())
		}
	}
}

// stop interrupts the server and checks that it printed no warning: its
// stderr holds only the interruption notice.
func (e *dgEcho) stop() {
	e.t.Helper()
	if code := e.interrupt(); code != 130 {
		e.t.Errorf("udp_echo exited with status %d after Ctrl-C, want 130", code)
	}
	if s := strings.TrimSpace(e.Stderr()); s != "sockrun: interrupted" {
		e.t.Errorf("udp_echo's stderr is %q, want only the interruption notice", s)
	}
}

// dgEchoCounts counts the "Echoed N bytes to ADDR:PORT" lines per
// "N ADDR:PORT".
func dgEchoCounts(log string) map[string]int {
	counts := map[string]int{}
	for _, m := range dgEchoLine.FindAllStringSubmatch(log, -1) {
		counts[m[1]+" "+m[2]]++
	}
	return counts
}

var dgEchoLine = regexp.MustCompile(`(?m)^Echoed (\d+) bytes to (.+:\d+)$`)

// dgRoundTrip sends payload on a connected UDP socket and waits for the
// same bytes to come back, resending (the same datagram) if nothing comes
// within a second: loopback UDP may drop under load. Replies to earlier
// resends (a different tag) are skipped. It returns how many times it sent.
func dgRoundTrip(conn *net.UDPConn, payload []byte, tag []byte) (int, error) {
	buf := make([]byte, 70000)
	for try := 1; try <= 8; try++ {
		if _, err := conn.Write(payload); err != nil {
			return try, err
		}
		deadline := time.Now().Add(time.Second)
		for {
			conn.SetReadDeadline(deadline)
			n, err := conn.Read(buf)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break // resend
				}
				return try, err
			}
			if bytes.Equal(buf[:n], payload) {
				return try, nil
			}
			if !bytes.HasPrefix(buf[:n], tag[:3]) || bytes.HasPrefix(buf[:n], tag) {
				return try, fmt.Errorf("sent %d bytes %q..., got back %d bytes %q...", len(payload), dgBrief(payload), n, dgBrief(buf[:n]))
			}
			// a late echo of an earlier datagram of this client: skip it
		}
	}
	return 8, fmt.Errorf("no echo of %d bytes %q... after 8 tries", len(payload), dgBrief(payload))
}

func dgBrief(b []byte) []byte {
	if len(b) > 24 {
		return b[:24]
	}
	return b
}

// dgPayload is datagram j of client i: a unique tag, then binary bytes of
// a length that varies; client 0's first datagram is 60000 bytes.
func dgPayload(i, j int) ([]byte, []byte) {
	tag := []byte(fmt.Sprintf("c%02d/%02d|", i, j))
	size := (i*37 + j*101) % 1500
	if i == 0 && j == 0 {
		size = 60000
	}
	b := append([]byte{}, tag...)
	for k := 0; k < size; k++ {
		b = append(b, byte(k*7+i*13+j))
	}
	return b, tag
}

func TestUDPEchoManyClients(t *testing.T) {
	t.Parallel()
	const clients, perClient = 50, 20
	srv := dgStartEcho(t, "127.0.0.1")

	var wg sync.WaitGroup
	errs := make(chan error, clients+1)
	ports := make([]int, clients)
	sends := make([][]int, clients)
	for i := 0; i < clients; i++ {
		conn, err := net.DialUDP("udp", nil, srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		ports[i] = conn.LocalAddr().(*net.UDPAddr).Port
		sends[i] = make([]int, perClient)
		wg.Add(1)
		go func(i int, conn *net.UDPConn) {
			defer wg.Done()
			for j := 0; j < perClient; j++ {
				payload, tag := dgPayload(i, j)
				tries, err := dgRoundTrip(conn, payload, tag)
				sends[i][j] = tries
				if err != nil {
					errs <- fmt.Errorf("client %d datagram %d: %v", i, j, err)
					return
				}
			}
		}(i, conn)
	}
	// One more client sends empty datagrams, which come back empty.
	empty, err := net.DialUDP("udp", nil, srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	emptyPort := empty.LocalAddr().(*net.UDPAddr).Port
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 10)
		for try := 1; ; try++ {
			empty.Write(nil)
			empty.SetReadDeadline(time.Now().Add(time.Second))
			n, err := empty.Read(buf)
			if err == nil && n == 0 {
				return
			}
			if err == nil || try == 8 {
				errs <- fmt.Errorf("empty datagram: got %d bytes %q, %v", n, buf[:n], err)
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	// The log names every datagram, its size and its sender.
	want := map[string]int{}
	for i := 0; i < clients; i++ {
		for j := 0; j < perClient; j++ {
			payload, _ := dgPayload(i, j)
			want[fmt.Sprintf("%d 127.0.0.1:%d", len(payload), ports[i])] += sends[i][j]
		}
	}
	want[fmt.Sprintf("0 127.0.0.1:%d", emptyPort)] = 1
	srv.waitLog("every datagram echoed", func(log string) bool {
		got := dgEchoCounts(log)
		for k := range want {
			if got[k] < 1 {
				return false
			}
		}
		return true
	})
	// Resends may or may not have reached the server, so a datagram may
	// have been echoed up to as many times as it was sent.
	got := dgEchoCounts(srv.Stdout())
	for k, n := range want {
		if got[k] < 1 || got[k] > n {
			t.Errorf("log has %d lines \"Echoed %s\", want 1..%d", got[k], strings.Replace(k, " ", " bytes to ", 1), n)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("log has an unexpected line \"Echoed %s\"", strings.Replace(k, " ", " bytes to ", 1))
		}
	}
	srv.stop()
}

func TestUDPEchoNetcat(t *testing.T) {
	t.Parallel()
	nc := requireTool(t, "nc")
	srv := dgStartEcho(t, "127.0.0.1")
	cmd := exec.Command(nc, "-u", "127.0.0.1", strconv.Itoa(srv.addr.Port))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	chunks := make(chan []byte, 100)
	go func() {
		defer close(chunks)
		for {
			b := make([]byte, 4096)
			n, err := outPipe.Read(b)
			if n > 0 {
				chunks <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	var got []byte
	expect := func(want string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for !bytes.Equal(got, []byte(want)) {
			if len(got) > len(want) || !bytes.HasPrefix([]byte(want), got) {
				t.Fatalf("nc printed %q, want %q", got, want)
			}
			select {
			case b, ok := <-chunks:
				if !ok {
					t.Fatalf("nc ended having printed %q, want %q", got, want)
				}
				got = append(got, b...)
			case <-timeout:
				t.Fatalf("nc printed %q within 10s, want %q; server log:\n%s", got, want, srv.Stdout())
			}
		}
	}
	io.WriteString(stdin, "hello over nc\n")
	expect("hello over nc\n")
	io.WriteString(stdin, "second line \x01\x02\n")
	expect("hello over nc\nsecond line \x01\x02\n")
	srv.waitLog("both datagrams echoed", func(log string) bool { return len(dgEchoLine.FindAllString(log, -1)) >= 2 })
	lines := dgEchoLine.FindAllStringSubmatch(srv.Stdout(), -1)
	if len(lines) != 2 || lines[0][1] != "14" || lines[1][1] != "15" || lines[0][2] != lines[1][2] || !strings.HasPrefix(lines[0][2], "127.0.0.1:") {
		t.Errorf("log should show 14 then 15 bytes echoed to nc's one address; log:\n%s", srv.Stdout())
	}
	srv.stop()
}

func TestUDPEchoIPv6(t *testing.T) {
	t.Parallel()
	dgRequireIPv6(t)
	srv := dgStartEcho(t, "::1")
	conn, err := net.DialUDP("udp6", nil, srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	port := conn.LocalAddr().(*net.UDPAddr).Port
	for j, size := range []int{1, 1400, 9000} {
		payload, tag := dgPayload(99, j)
		payload = append(payload[:len(tag)], bytes.Repeat([]byte{0, 0xff, '\n'}, size)...)
		if _, err := dgRoundTrip(conn, payload, tag); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("Echoed %d bytes to ::1:%d", len(payload), port)
		srv.waitLog(strconv.Quote(want), func(log string) bool { return strings.Contains(log, want+"\n") })
	}
	srv.stop()
}

// Warnings go to stderr with the script's file and line, never to stdout;
// a would-block read prints none.
func TestUDPWarningsOnStderr(t *testing.T) {
	t.Parallel()
	script := writeFile(t, "udpwarn.lua", `local a = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)
socket_bind(a, "127.0.0.1", 0)
local _, _, port = socket_getsockname(a)
socket_close(a)
local e = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)
socket_connect(e, "127.0.0.1", port)
socket_set_nonblock(e)
echo(tostring(socket_recv(e, 10, 0)), " ", socket_last_error(e), "\n")
socket_send(e, "x", 1, 0)
socket_select({ e }, nil, nil, 5)
echo(tostring(socket_recv(e, 10, 0)), " ", socket_last_error(e), "\n")
`)
	r := dgRun(t, false, binPath, script)
	warning := regexp.MustCompile(`^Warning: socket_recv\(\): Unable to read from socket \[111\]: Connection refused in \S*udpwarn\.lua on line 11\n$`)
	if r.code != 0 || r.out != "false 11\nfalse 111\n" || !warning.MatchString(r.stderr) {
		t.Errorf("status %d\nstdout %q, want %q\nstderr %q, want one [111] warning naming udpwarn.lua line 11", r.code, r.out, "false 11\nfalse 111\n", r.stderr)
	}
}
