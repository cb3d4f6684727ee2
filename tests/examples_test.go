package tests

// Parity tests for examples/: every Lua port of the PHP socket tutorial runs
// beside its PHP twin in tests/php/tutorial/ (same logic, same arguments),
// against the same kind of peer on 127.0.0.1, and both must print the same
// bytes on stdout — which must also be the output the tutorial shows. Client
// ephemeral ports are the only thing normalised. Exit statuses must match
// too: die(message) ends both with 0.

import (
	"bufio"
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
	"syscall"
	"testing"
	"time"
)

// exImpl is one way to run a tutorial program: the PHP reference or the Lua
// port. command gives the program and arguments that run an example.
type exImpl struct {
	name    string
	command func(example string, args ...string) (string, []string)
}

func (im exImpl) run(t *testing.T, example string, args ...string) result {
	t.Helper()
	prog, argv := im.command(example, args...)
	return runProgram(t, "", prog, argv...)
}

func (im exImpl) start(t *testing.T, example string, args ...string) *process {
	t.Helper()
	prog, argv := im.command(example, args...)
	return startProgram(t, prog, argv...)
}

// runOffline runs an example in a network namespace of its own (unshare -n,
// nothing up, not even loopback), where a host lookup fails at once instead
// of leaving the machine.
func (im exImpl) runOffline(t *testing.T, unshare, example string, args ...string) result {
	t.Helper()
	prog, argv := im.command(example, args...)
	return runProgram(t, "", unshare, append([]string{"-n", prog}, argv...)...)
}

func exPHP(t *testing.T) exImpl {
	php := requireTool(t, "php")
	return exImpl{
		name: "php",
		command: func(example string, args ...string) (string, []string) {
			script := filepath.Join("tests", "php", "tutorial", example+".php")
			return php, append([]string{"-d", "display_errors=stderr", "-d", "log_errors=0", script}, args...)
		},
	}
}

var exLua = exImpl{
	name: "sockrun",
	command: func(example string, args ...string) (string, []string) {
		return binPath, append([]string{filepath.Join("examples", example+".lua")}, args...)
	},
}

// exImpls gives PHP first, then sockrun.
func exImpls(t *testing.T) []exImpl {
	return []exImpl{exPHP(t), exLua}
}

// exUnshare finds unshare and checks that it may make a network namespace
// (root, or user namespaces); the tests that need one skip otherwise, unless
// SOCKRUN_REQUIRE_TOOLS asks for every tool.
func exUnshare(t *testing.T) string {
	t.Helper()
	unshare := requireTool(t, "unshare")
	if out, err := exec.Command(unshare, "-n", "true").CombinedOutput(); err != nil {
		if os.Getenv("SOCKRUN_REQUIRE_TOOLS") != "" {
			t.Fatalf("unshare -n is required (SOCKRUN_REQUIRE_TOOLS is set) but fails: %v %s", err, out)
		}
		t.Skipf("unshare -n is not permitted here: %v %s", err, out)
	}
	return unshare
}

const (
	exRequest       = "GET / HTTP/1.1\r\n\r\n"
	exServerHeader  = "Socket created \nSocket bind OK \nSocket listen OK \nWaiting for incoming connections... \n"
	exWaitingLine   = `^Waiting for incoming connections\.\.\. $`
	exConnectedLine = `^Client 127\.0\.0\.1 : (\d+) is now connected to us\.`
	exConnected     = "Client 127.0.0.1 : PORT is now connected to us. \n"
	exSending       = "Sending output to client \n"
	exWelcome       = "Welcome to php socket server version 1.0 \n" +
		"Enter a message and press enter, and i shall reply back \n"
)

var exClientPort = regexp.MustCompile(`(Client \S+ : )\d+`)

// exNormPorts replaces the client ports that servers print ("Client 127.0.0.1 :
// 36689 is now ...") with PORT: they are the only bytes allowed to differ.
func exNormPorts(s string) string {
	return exClientPort.ReplaceAllString(s, "${1}PORT")
}

// compare checks that every implementation printed want on stdout (after
// normalising ports), so that PHP and sockrun agree with each other and with
// the tutorial, and that both gave the same PHP warnings on stderr (their
// texts; files and lines differ).
func exCompare(t *testing.T, want string, got map[string]result) {
	t.Helper()
	for _, name := range []string{"php", "sockrun"} {
		r, ok := got[name]
		if !ok {
			continue
		}
		if exNormPorts(r.stdout) != want {
			t.Errorf("%s stdout:\n%q\nwant:\n%q", name, r.stdout, want)
		}
	}
	php, ok := got["php"]
	if !ok {
		return
	}
	if exNormPorts(php.stdout) != exNormPorts(got["sockrun"].stdout) {
		t.Errorf("sockrun and php differ:\nphp:     %q\nsockrun: %q", php.stdout, got["sockrun"].stdout)
	}
	if pw, sw := exWarnings(php.stderr), exWarnings(got["sockrun"].stderr); strings.Join(pw, "\n") != strings.Join(sw, "\n") {
		t.Errorf("sockrun and php warn differently:\nphp:     %q\nsockrun: %q", pw, sw)
	}
}

// exWarnings lists the texts of the PHP-style warnings on a stderr (the
// parity harness's diagnosticLine, without file and line).
func exWarnings(stderr string) []string {
	var texts []string
	for _, line := range strings.Split(stderr, "\n") {
		if m := diagnosticLine.FindStringSubmatch(line); m != nil && m[1] == "Warning" {
			texts = append(texts, m[2])
		}
	}
	return texts
}

// exCheckStatus checks how a program that ran to completion ended: die()
// with a message exits 0 in PHP and sockrun alike, and so does a normal end.
func exCheckStatus(t *testing.T, im exImpl, r result, died bool) {
	t.Helper()
	if r.code != 0 {
		t.Errorf("%s exited %d, want 0 (died: %v); stderr:\n%s", im.name, r.code, died, r.stderr)
	}
}

// peer is a Go test server on 127.0.0.1:0 that serves one connection.
type exPeer struct {
	host, port string
	errc       chan error
}

func startExPeer(t *testing.T, handle func(net.Conn) error) *exPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p := &exPeer{host: host, port: port, errc: make(chan error, 1)}
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			p.errc <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		p.errc <- handle(conn)
	}()
	return p
}

// check reports what the peer saw go wrong, once the client has finished.
func (p *exPeer) check(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.errc:
		if err != nil {
			t.Errorf("peer: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("peer did not finish its conversation")
	}
}

func exReadRequest(conn net.Conn) error {
	buf := make([]byte, len(exRequest))
	if _, err := io.ReadFull(conn, buf); err != nil {
		return fmt.Errorf("reading the request: %v (got %q)", err, buf)
	}
	if string(buf) != exRequest {
		return fmt.Errorf("request %q, want %q", buf, exRequest)
	}
	return nil
}

func exReadEOF(conn net.Conn) error {
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if n != 0 || !(errors.Is(err, io.EOF) || isReset(err)) {
		return fmt.Errorf("want EOF from the client, got %q, %v", buf[:n], err)
	}
	return nil
}

// exRefusingPort is a port on 127.0.0.1 that refuses connections for the rest
// of the test: a socket is bound to it without listening. (A listener closed
// at once would free the port for any other test's listener to take.)
func exRefusingPort(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
}

// exHeldPort is a port that a Go listener holds for the rest of the test.
func exHeldPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func exLocalPort(conn net.Conn) string {
	return strconv.Itoa(conn.LocalAddr().(*net.TCPAddr).Port)
}

// exHTTPReply is an answer like the one the tutorial got from google.com,
// padded to size bytes (over one 1500-byte packet when size is large).
func exHTTPReply(size int) string {
	head := "HTTP/1.1 302 Found\r\nLocation: http://www.google.co.in/\r\nCache-Control: private\r\n" +
		"Content-Type: text/html; charset=UTF-8\r\nServer: gws\r\n\r\n"
	body := "<HTML><HEAD><meta http-equiv=\"content-type\" content=\"text/html;charset=utf-8\">\n" +
		"<TITLE>302 Moved</TITLE></HEAD><BODY>\n<H1>302 Moved</H1>\nThe document has moved\n</BODY>\n"
	s := head + body
	for i := 0; len(s) < size; i++ {
		s += fmt.Sprintf("<!-- padding line %04d -->\n", i)
	}
	return s[:size]
}

// ---------------------------------------------------------------- clients

func TestExample01Create(t *testing.T) {
	t.Parallel()
	got := map[string]result{}
	for _, im := range exImpls(t) {
		r := im.run(t, "01_create")
		exCheckStatus(t, im, r, false)
		got[im.name] = r
	}
	exCompare(t, "Socket created", got)
}

// The client programs 02-05 against a Go peer that plays the tutorial's
// google.com, on the good paths and the error paths.
func TestExamplesClientParity(t *testing.T) {
	t.Parallel()
	const (
		created     = "Socket created \n"
		established = "Connection established \n"
		sent        = "Message send successfully \n"
	)
	long := exHTTPReply(3000)
	short := exHTTPReply(700)
	exact := exHTTPReply(2045)
	var binary string
	for i := 0; i < 512; i++ {
		binary += string(rune(0)) + string([]byte{byte(i)})
	}
	for _, tc := range []struct {
		name, example string
		host          string               // "": 127.0.0.1
		peer          func(net.Conn) error // nil: nothing listens (connect refused)
		want          string
		died          bool
	}{
		{
			name: "connect", example: "02_connect",
			peer: exReadEOF, want: created + established,
		},
		{
			name: "send", example: "03_send",
			peer: func(c net.Conn) error {
				if err := exReadRequest(c); err != nil {
					return err
				}
				return exReadEOF(c)
			},
			want: created + established + sent,
		},
		{
			// MSG_WAITALL with 2045 bytes: a longer reply is cut at 2045.
			name: "receive long reply", example: "04_receive",
			peer: func(c net.Conn) error {
				if err := exReadRequest(c); err != nil {
					return err
				}
				_, err := io.WriteString(c, long)
				return err
			},
			want: created + established + sent + long[:2045],
		},
		{
			// A shorter reply ends at the peer's EOF.
			name: "receive short reply", example: "04_receive",
			peer: func(c net.Conn) error {
				if err := exReadRequest(c); err != nil {
					return err
				}
				_, err := io.WriteString(c, short)
				return err
			},
			want: created + established + sent + short,
		},
		{
			// EOF before any byte: recv gives 0 and a null buffer, echoed as "".
			name: "receive nothing", example: "04_receive",
			peer: exReadRequest,
			want: created + established + sent,
		},
		{
			name: "receive reset", example: "04_receive",
			peer: func(c net.Conn) error {
				if err := exReadRequest(c); err != nil {
					return err
				}
				return c.(*net.TCPConn).SetLinger(0) // the deferred Close sends RST
			},
			want: created + established + sent + "Could not receive data: [104] Connection reset by peer \n",
			died: true,
		},
		{
			// Exactly 2045 bytes and no EOF: recv returns, then the client's
			// socket_close is what the peer sees.
			name: "close", example: "05_close",
			peer: func(c net.Conn) error {
				if err := exReadRequest(c); err != nil {
					return err
				}
				if _, err := io.WriteString(c, exact); err != nil {
					return err
				}
				return exReadEOF(c)
			},
			want: created + established + sent + exact,
		},
		{
			// MSG_WAITALL waits for all 2045 bytes, however they come.
			name: "close, reply in two pieces", example: "05_close",
			peer: func(c net.Conn) error {
				if err := exReadRequest(c); err != nil {
					return err
				}
				if _, err := io.WriteString(c, exact[:1000]); err != nil {
					return err
				}
				time.Sleep(100 * time.Millisecond) // the client is in recv by now, or soon
				if _, err := io.WriteString(c, exact[1000:]); err != nil {
					return err
				}
				return exReadEOF(c)
			},
			want: created + established + sent + exact,
		},
		{
			// Every byte value, NULs included, reaches stdout unchanged.
			name: "receive binary reply", example: "04_receive",
			peer: func(c net.Conn) error {
				if err := exReadRequest(c); err != nil {
					return err
				}
				_, err := io.WriteString(c, binary)
				return err
			},
			want: created + established + sent + binary,
		},
		{
			// The tutorial connects to an address; a name from /etc/hosts works too.
			name: "connect to localhost", example: "02_connect", host: "localhost",
			peer: exReadEOF, want: created + established,
		},
		{name: "02 refused", example: "02_connect", want: created + "Could not connect: [111] Connection refused \n", died: true},
		{name: "03 refused", example: "03_send", want: created + "Could not connect: [111] Connection refused \n", died: true},
		{name: "04 refused", example: "04_receive", want: created + "Could not connect: [111] Connection refused \n", died: true},
		{name: "05 refused", example: "05_close", want: created + "Could not connect: [111] Connection refused \n", died: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := map[string]result{}
			for _, im := range exImpls(t) {
				var p *exPeer
				port := ""
				if tc.peer != nil {
					p = startExPeer(t, tc.peer)
					port = p.port
				} else {
					port = exRefusingPort(t)
				}
				host := tc.host
				if host == "" {
					host = "127.0.0.1"
				}
				r := im.run(t, tc.example, host, port)
				exCheckStatus(t, im, r, tc.died)
				if p != nil {
					p.check(t)
				} else if w, want := exWarnings(r.stderr), "socket_connect(): unable to connect [111]: Connection refused"; len(w) != 1 || w[0] != want {
					t.Errorf("%s warned %q, want %q; stderr:\n%s", im.name, w, want, r.stderr)
				}
				got[im.name] = r
			}
			exCompare(t, tc.want, got)
		})
	}
}

// gethostbyname on names that need no DNS: localhost (from /etc/hosts),
// inet_aton forms, and an IPv6 literal, which an IPv4 lookup returns unchanged.
func TestExample06Gethostbyname(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ host, want string }{
		{"localhost", "127.0.0.1\n"},
		{"127.0.0.1", "127.0.0.1\n"},
		{"127.1", "127.0.0.1\n"},
		{"::1", "::1\n"},
	} {
		got := map[string]result{}
		for _, im := range exImpls(t) {
			r := im.run(t, "06_gethostbyname", tc.host)
			exCheckStatus(t, im, r, false)
			got[im.name] = r
		}
		exCompare(t, tc.want, got)
	}
}

// What is an IPv4 address and what is a host name, as PHP 8.2 decides it:
// inet_pton, then glibc's gethostbyname, whose shortcut takes names made of
// digits and dots only (inet_aton rules: octal, fewer parts; a bad one fails
// without a lookup). A hex form or trailing junk is a host name, looked up
// and not found. Run offline, so that those lookups cannot leave the machine.
func TestExample06AddressFormsOffline(t *testing.T) {
	t.Parallel()
	unshare := exUnshare(t)
	for _, tc := range []struct{ host, want string }{
		{"0177.0.0.1", "127.0.0.1\n"},
		{"2130706433", "127.0.0.1\n"},
		{"256.1.1.1", "256.1.1.1\n"},
		{"0x7f.1", "0x7f.1\n"},
		{"0x7f000001", "0x7f000001\n"},
		{"127.0.0.1 x", "127.0.0.1 x\n"},
	} {
		t.Run(tc.host, func(t *testing.T) {
			got := map[string]result{}
			for _, im := range exImpls(t) {
				r := im.runOffline(t, unshare, "06_gethostbyname", tc.host)
				exCheckStatus(t, im, r, false)
				got[im.name] = r
			}
			exCompare(t, tc.want, got)
		})
	}
}

// The same rule where an address is bound or connected to: a host name that
// is not found is "Host lookup failed" with -10000 - h_errno (-10002 when no
// DNS server can be reached; -10000 when glibc rejects a digits-and-dots name
// itself). Offline, on the tutorial's default ports: nothing else is there.
func TestExamplesAddressFormsOffline(t *testing.T) {
	t.Parallel()
	unshare := exUnshare(t)
	for _, tc := range []struct {
		example, host, want string
		died                bool
	}{
		{"07_bind", "0177.0.0.1", "Socket created \nSocket bind OK \n", false},
		{"07_bind", "256.1.1.1", "Socket created \nCould not bind socket : [-10000] Unknown error -10000 \n", true},
		{"07_bind", "0x7f.1", "Socket created \nCould not bind socket : [-10002] Host name lookup failure \n", true},
		{"02_connect", "256.1.1.1", "Socket created \nCould not connect: [-10000] Unknown error -10000 \n", true},
		{"02_connect", "0x7f.1", "Socket created \nCould not connect: [-10002] Host name lookup failure \n", true},
	} {
		t.Run(tc.example+" "+tc.host, func(t *testing.T) {
			got := map[string]result{}
			for _, im := range exImpls(t) {
				r := im.runOffline(t, unshare, tc.example, tc.host)
				exCheckStatus(t, im, r, tc.died)
				got[im.name] = r
			}
			exCompare(t, tc.want, got)
		})
	}
}

// ---------------------------------------------------------------- servers

func TestExample07Bind(t *testing.T) {
	t.Parallel()
	got := map[string]result{}
	for _, im := range exImpls(t) {
		r := im.run(t, "07_bind", "127.0.0.1", freePort(t))
		if strings.Contains(r.stdout, "Address already in use") {
			// freePort's port is not reserved: another test took it; once more.
			r = im.run(t, "07_bind", "127.0.0.1", freePort(t))
		}
		exCheckStatus(t, im, r, false)
		got[im.name] = r
	}
	exCompare(t, "Socket created \nSocket bind OK \n", got)
}

// Every server program reports a port that is taken, at bind time.
func TestExamplesBindAddressInUse(t *testing.T) {
	t.Parallel()
	for _, example := range []string{"07_bind", "08_listen_accept", "09_reply", "10_live_server", "11_select_server"} {
		t.Run(example, func(t *testing.T) {
			t.Parallel()
			port := exHeldPort(t)
			got := map[string]result{}
			for _, im := range exImpls(t) {
				r := im.run(t, example, "127.0.0.1", port)
				exCheckStatus(t, im, r, true)
				if w, want := exWarnings(r.stderr), "socket_bind(): Unable to bind address [98]: Address already in use"; len(w) != 1 || w[0] != want {
					t.Errorf("%s warned %q, want %q; stderr:\n%s", im.name, w, want, r.stderr)
				}
				got[im.name] = r
			}
			exCompare(t, "Socket created \nCould not bind socket : [98] Address already in use \n", got)
		})
	}
}

// startExServer starts a server example on a free port and waits until it
// says it is waiting for connections. freePort's port is free when chosen,
// not reserved: if another test's listener takes it first, the server says
// "Address already in use" and is started again on another port.
func startExServer(t *testing.T, im exImpl, example string) (*process, string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		p := im.start(t, example, "127.0.0.1", port)
		if attempt == 3 {
			p.waitLine(exWaitingLine)
			return p, port
		}
		if exWaitListening(t, p) {
			return p, port
		}
	}
}

// exWaitListening reads the server's lines until it waits for connections
// (true) or has ended because its port was taken (false).
func exWaitListening(t *testing.T, p *process) bool {
	t.Helper()
	rx := regexp.MustCompile(exWaitingLine)
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				<-p.done
				if strings.Contains(p.Stdout(), "Address already in use") {
					return false
				}
				t.Fatalf("server ended (status %d) before waiting for connections; stdout:\n%s\nstderr:\n%s", p.code, p.Stdout(), p.Stderr())
			}
			if rx.MatchString(line) {
				return true
			}
		case <-timeout:
			t.Fatalf("no line matching %q within 30s; stdout:\n%s\nstderr:\n%s", exWaitingLine, p.Stdout(), p.Stderr())
		}
	}
}

// exDial connects a Go client and checks that the server reports
// exactly this client's port.
func exDial(t *testing.T, p *process, port string) net.Conn {
	t.Helper()
	conn := dialTCP(t, "127.0.0.1:"+port)
	if got := p.waitLine(exConnectedLine)[1]; got != exLocalPort(conn) {
		t.Errorf("server says the client's port is %s, it is %s", got, exLocalPort(conn))
	}
	return conn
}

func exWrite(t *testing.T, conn net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(conn, s); err != nil {
		t.Fatalf("writing %q: %v", s, err)
	}
}

// 08 accepts one client (a Go dialer, then telnet as in the tutorial), says
// who it is, closes it and ends.
func TestExample08ListenAccept(t *testing.T) {
	t.Parallel()
	want := exServerHeader + "Client 127.0.0.1 : PORT is now connected to us.\n" // the tutorial's line has no "\n"; the harness adds it
	t.Run("go client", func(t *testing.T) {
		t.Parallel()
		got := map[string]result{}
		for _, im := range exImpls(t) {
			p, port := startExServer(t, im, "08_listen_accept")
			conn := exDial(t, p, port)
			expectEOF(t, conn)
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
		}
		exCompare(t, want, got)
	})
	t.Run("telnet", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "telnet")
		got := map[string]result{}
		for _, im := range exImpls(t) {
			p, port := startExServer(t, im, "08_listen_accept")
			tn := startExTool(t, "telnet", "127.0.0.1", port)
			tn.waitLine(`^Connected to 127\.0\.0\.1\.$`)
			tn.wait() // telnet ends when the server closes the connection
			if !strings.Contains(tn.Stderr(), "Connection closed by foreign host.") {
				t.Errorf("telnet stderr %q, want it to say the connection was closed", tn.Stderr())
			}
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
		}
		exCompare(t, want, got)
	})
}

// 09 answers one client "OK .. " plus what it sent, closes it and ends.
func TestExample09Reply(t *testing.T) {
	t.Parallel()
	want := exServerHeader + exConnected
	t.Run("go client", func(t *testing.T) {
		t.Parallel()
		got := map[string]result{}
		for _, im := range exImpls(t) {
			p, port := startExServer(t, im, "09_reply")
			conn := exDial(t, p, port)
			exWrite(t, conn, "happy\r\n")
			if reply := readExactly(t, conn, len("OK .. happy\r\n")); reply != "OK .. happy\r\n" {
				t.Errorf("%s replied %q", im.name, reply)
			}
			expectEOF(t, conn)
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
		}
		exCompare(t, want, got)
	})
	t.Run("telnet", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "telnet")
		got := map[string]result{}
		for _, im := range exImpls(t) {
			p, port := startExServer(t, im, "09_reply")
			tn := startExTool(t, "telnet", "127.0.0.1", port)
			tn.waitLine(`^Escape character is`)
			tn.send("happy\n")
			tn.waitLine(`^OK \.\. happy\r?$`)
			tn.wait()
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
		}
		exCompare(t, want, got)
	})
}

// 10 serves clients one after another, forever: a Go client, nc and telnet
// in turn, then three Go clients connected at once, which it answers in the
// order they connected whatever order they write in, then one that leaves
// without a word.
func TestExample10LiveServer(t *testing.T) {
	t.Parallel()
	requireTool(t, "nc")
	requireTool(t, "telnet")
	want := exServerHeader + strings.Repeat(exConnected, 8)
	got := map[string]result{}
	for _, im := range exImpls(t) {
		p, port := startExServer(t, im, "10_live_server")

		conn := exDial(t, p, port)
		exWrite(t, conn, "happy\r\n")
		if reply := readExactly(t, conn, len("OK .. happy\r\n")); reply != "OK .. happy\r\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		expectEOF(t, conn) // the fixed port closes each client once answered

		nc := startExTool(t, "nc", "127.0.0.1", port)
		p.waitLine(exConnectedLine)
		nc.send("from nc\n")
		nc.waitLine(`^OK \.\. from nc$`)
		nc.closeStdin()
		nc.wait() // without -N or -q, nc ends only once the server has closed the connection

		tn := startExTool(t, "telnet", "127.0.0.1", port)
		p.waitLine(exConnectedLine)
		tn.send("from telnet\n")
		tn.waitLine(`^OK \.\. from telnet\r?$`)
		tn.wait()

		var conns []net.Conn
		for i := 0; i < 3; i++ {
			conn := dialTCP(t, "127.0.0.1:"+port)
			conns = append(conns, conn)
		}
		for i := 2; i >= 0; i-- {
			exWrite(t, conns[i], fmt.Sprintf("client %d\n", i))
		}
		for i, conn := range conns {
			if got := p.waitLine(exConnectedLine)[1]; got != exLocalPort(conn) {
				t.Errorf("%s: client %d is reported with port %s, it has %s", im.name, i, got, exLocalPort(conn))
			}
			want := fmt.Sprintf("OK .. client %d\n", i)
			if reply := readExactly(t, conn, len(want)); reply != want {
				t.Errorf("%s replied %q to client %d, want %q", im.name, reply, i, want)
			}
			expectEOF(t, conn)
		}

		// A client that leaves without a word: the server reads "", answers
		// "OK .. " into the void (that write still succeeds) and goes on.
		quiet := exDial(t, p, port)
		quiet.Close()
		last := exDial(t, p, port)
		exWrite(t, last, "last\n")
		if reply := readExactly(t, last, len("OK .. last\n")); reply != "OK .. last\n" {
			t.Errorf("%s replied %q to the last client", im.name, reply)
		}

		code := p.interrupt()
		if im.name == "sockrun" && code != 130 {
			t.Errorf("sockrun exited %d after SIGINT, want 130; stderr:\n%s", code, p.Stderr())
		}
		got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
	}
	exCompare(t, want, got)
}

// 11 serves a Go client, nc and telnet at once, the tutorial's session: one
// of them (nc) leaves mid-session and the others are still answered, and a
// newcomer takes the freed slot.
func TestExample11SelectServer(t *testing.T) {
	t.Parallel()
	requireTool(t, "nc")
	requireTool(t, "telnet")
	want := exServerHeader +
		exConnected + exConnected + exConnected + // Go client, nc, telnet
		exSending + exSending + // Go client, nc
		exSending + exSending + // telnet, Go client (after nc left: no line for it; binary-safe)
		exConnected + exSending // the newcomer
	got := map[string]result{}
	for _, im := range exImpls(t) {
		p, port := startExServer(t, im, "11_select_server")

		a := exDial(t, p, port)
		if w := readExactly(t, a, len(exWelcome)); w != exWelcome {
			t.Errorf("%s welcome %q", im.name, w)
		}
		nc := startExTool(t, "nc", "-N", "127.0.0.1", port) // -N: a shutdown when its stdin ends
		p.waitLine(exConnectedLine)
		nc.waitLine(`^Enter a message and press enter, and i shall reply back $`)
		tn := startExTool(t, "telnet", "127.0.0.1", port)
		p.waitLine(exConnectedLine)
		tn.waitLine(`^Enter a message and press enter, and i shall reply back $`)

		exWrite(t, a, "hello\n")
		if reply := readExactly(t, a, len("OK ... hello\n")); reply != "OK ... hello\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		nc.send("how are you\n")
		nc.waitLine(`^OK \.\.\. how are you$`)

		nc.closeStdin() // nc leaves: the server reads "" and closes it, so nc ends
		nc.wait()

		tn.send("from telnet\n")
		tn.waitLine(`^OK \.\.\. from telnet\r?$`)
		exWrite(t, a, "still\x00here\n")
		if reply := readExactly(t, a, len("OK ... still\x00here\n")); reply != "OK ... still\x00here\n" {
			t.Errorf("%s replied %q after a client left", im.name, reply)
		}

		d := exDial(t, p, port)
		if w := readExactly(t, d, len(exWelcome)); w != exWelcome {
			t.Errorf("%s welcome %q", im.name, w)
		}
		exWrite(t, d, "newcomer\n")
		if reply := readExactly(t, d, len("OK ... newcomer\n")); reply != "OK ... newcomer\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}

		code := p.interrupt()
		if im.name == "sockrun" && code != 130 {
			t.Errorf("sockrun exited %d after SIGINT, want 130; stderr:\n%s", code, p.Stderr())
		}
		expectEOF(t, a)
		tn.wait() // telnet ends when the server goes away
		got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
	}
	exCompare(t, want, got)
}

// ---------------------------------------------------------------- the tutorial's bugs, fixed

// The tutorial's select server, when a client leaves, unsets its slot, then
// closes the null that is left (a TypeError that ends PHP, a Lua error in a
// line-by-line port), and would then write "OK ..." to the client that left.
// The port survives clients that leave cleanly or with a reset, prints
// nothing for them, and goes on serving the others.
func TestExample11SurvivesClientsLeaving(t *testing.T) {
	t.Parallel()
	want := exServerHeader + exConnected + exConnected + exConnected + exSending + exConnected + exSending
	got := map[string]result{}
	for _, im := range exImpls(t) {
		p, port := startExServer(t, im, "11_select_server")
		stay := exDial(t, p, port)
		readExactly(t, stay, len(exWelcome))

		leave := exDial(t, p, port)
		readExactly(t, leave, len(exWelcome))
		leave.Close() // FIN: socket_read gives ""

		reset := exDial(t, p, port)
		readExactly(t, reset, len(exWelcome))
		reset.(*net.TCPConn).SetLinger(0)
		reset.Close() // RST: socket_read fails with 104

		exWrite(t, stay, "ping\n")
		if reply := readExactly(t, stay, len("OK ... ping\n")); reply != "OK ... ping\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		// The server still takes newcomers.
		late := exDial(t, p, port)
		readExactly(t, late, len(exWelcome))
		exWrite(t, late, "pong\n")
		if reply := readExactly(t, late, len("OK ... pong\n")); reply != "OK ... pong\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}

		select {
		case <-p.done:
			t.Fatalf("%s ended (status %d) while serving; stderr:\n%s", im.name, p.code, p.Stderr())
		default:
		}
		p.interrupt()
		got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
	}
	exCompare(t, want, got)
}

// With all 10 slots taken, the tutorial leaves an 11th connection pending:
// the listener stays readable and select spins. The port accepts and closes
// it, so the 11th client sees EOF (with the bug it would wait forever), and
// the 10 are still served; once one leaves, a new client gets its slot.
func TestExample11FullServerTurnsClientsAway(t *testing.T) {
	t.Parallel()
	want := exServerHeader + strings.Repeat(exConnected, 10) + exSending + exSending + exConnected + exSending
	got := map[string]result{}
	for _, im := range exImpls(t) {
		p, port := startExServer(t, im, "11_select_server")
		var conns []net.Conn
		for i := 0; i < 10; i++ {
			conn := exDial(t, p, port)
			readExactly(t, conn, len(exWelcome))
			conns = append(conns, conn)
		}
		extra := dialTCP(t, "127.0.0.1:"+port)
		expectEOF(t, extra)

		for _, conn := range []net.Conn{conns[0], conns[9]} {
			exWrite(t, conn, "busy?\n")
			if reply := readExactly(t, conn, len("OK ... busy?\n")); reply != "OK ... busy?\n" {
				t.Errorf("%s replied %q", im.name, reply)
			}
		}

		conns[4].Close()
		// The slot is free once the server has read the EOF; until then a
		// newcomer is turned away, so retry (each attempt is answered at once).
		var newcomer net.Conn
		for attempt := 0; newcomer == nil; attempt++ {
			if attempt == 100 {
				t.Fatalf("%s never gave the freed slot to a new client", im.name)
			}
			conn := dialTCP(t, "127.0.0.1:"+port)
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, len(exWelcome))
			if _, err := io.ReadFull(conn, buf); err == nil {
				newcomer = conn
			} else if !(errors.Is(err, io.EOF) || isReset(err)) {
				t.Fatalf("%s: newcomer got %q, %v", im.name, buf, err)
			}
		}
		p.waitLine(exConnectedLine)
		exWrite(t, newcomer, "in\n")
		if reply := readExactly(t, newcomer, len("OK ... in\n")); reply != "OK ... in\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		p.interrupt()
		got[im.name] = result{stdout: p.Stdout(), stderr: p.Stderr()}
	}
	exCompare(t, want, got)
}

// Every example opens with the two-line comment (what it shows, how to run
// it) and has its PHP twin; none keeps the tutorial's hard-coded bind port.
func TestExamplesAreDocumentedAndPaired(t *testing.T) {
	want := []string{
		"01_create", "02_connect", "03_send", "04_receive", "05_close", "06_gethostbyname",
		"07_bind", "08_listen_accept", "09_reply", "10_live_server", "11_select_server",
	}
	files, err := filepath.Glob(filepath.Join(rootDir, "examples", "*.lua"))
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, f := range files {
		have = append(have, strings.TrimSuffix(filepath.Base(f), ".lua"))
	}
	// After the tutorial's programs: what the tutorial says PHP cannot do
	// (so it has no PHP twin).
	beyond := []string{"12_thread_per_connection"}
	if strings.Join(have, " ") != strings.Join(append(want, beyond...), " ") {
		t.Errorf("examples: %v\nwant: %v", have, append(want, beyond...))
	}
	for _, name := range append(want, beyond...) {
		src, err := os.ReadFile(filepath.Join(rootDir, "examples", name+".lua"))
		if err != nil {
			t.Error(err)
			continue
		}
		lines := strings.SplitN(string(src), "\n", 3)
		if len(lines) < 3 || !strings.HasPrefix(lines[0], "-- "+name+".lua: ") ||
			!strings.HasPrefix(lines[1], "-- Run: sockrun examples/"+name+".lua") {
			t.Errorf("%s.lua does not open with the two-line comment (\"-- %s.lua: ...\", \"-- Run: sockrun examples/%s.lua ...\")", name, name, name)
		}
		if strings.Contains(string(src), ", 5000)") {
			t.Errorf("%s.lua hard-codes port 5000 in a call", name)
		}
		if _, err := os.Stat(filepath.Join(rootDir, "tests", "php", "tutorial", name+".php")); err != nil && !containsName(beyond, name) {
			t.Errorf("%s has no PHP twin: %v", name, err)
		}
	}
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- tool clients

// exTool is an interactive client program (nc, telnet) whose stdin the
// test writes and whose stdout it reads line by line.
type exTool struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	done   chan struct{}
	mu     sync.Mutex
	stdout strings.Builder
	stderr strings.Builder
}

func startExTool(t *testing.T, prog string, args ...string) *exTool {
	t.Helper()
	cmd := exec.Command(prog, args...)
	c := &exTool{t: t, name: prog, cmd: cmd, lines: make(chan string, 1000), done: make(chan struct{})}
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &syncWriter{mu: &c.mu, w: &c.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", prog, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.mu.Lock()
			c.stdout.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
			c.lines <- sc.Text()
		}
		io.Copy(io.Discard, out)
		cmd.Wait()
		close(c.lines)
		close(c.done)
	}()
	t.Cleanup(func() {
		c.stdin.Close()
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

func (c *exTool) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.stdin, s); err != nil {
		c.t.Fatalf("writing to %s: %v", c.name, err)
	}
}

func (c *exTool) closeStdin() { c.stdin.Close() }

// waitLine reads the tool's stdout until a line matches re (within 10 s).
func (c *exTool) waitLine(re string) {
	c.t.Helper()
	rx := regexp.MustCompile(re)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("%s ended before printing a line matching %q; stdout:\n%s\nstderr:\n%s", c.name, re, c.Stdout(), c.Stderr())
			}
			if rx.MatchString(line) {
				return
			}
		case <-timeout:
			c.t.Fatalf("%s printed no line matching %q within 10s; stdout:\n%s\nstderr:\n%s", c.name, re, c.Stdout(), c.Stderr())
		}
	}
}

// wait waits (at most 10 s) for the tool to end by itself.
func (c *exTool) wait() {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.t.Fatalf("%s did not end within 10s; stdout:\n%s\nstderr:\n%s", c.name, c.Stdout(), c.Stderr())
	}
}

func (c *exTool) Stdout() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stdout.String()
}

func (c *exTool) Stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}
