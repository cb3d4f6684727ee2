package tests

// Parity tests for examples/: every Lua port of the PHP socket tutorial runs
// beside its PHP twin in tests/php/tutorial/ (same logic, same arguments),
// against the same kind of peer on 127.0.0.1, and both must print the same
// bytes on stdout — which must also be the output the tutorial shows. Client
// ephemeral ports are the only thing normalised. Exit statuses differ on
// purpose: die() ends PHP with 0 and sockrun with 1.

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
	"testing"
	"time"
)

// impl is one way to run a tutorial program: the PHP reference or the Lua port.
type impl struct {
	name  string
	run   func(t *testing.T, example string, args ...string) result
	start func(t *testing.T, example string, args ...string) *process
}

var phpFlags = []string{"-d", "display_errors=stderr", "-d", "log_errors=0"}

func phpImpl(t *testing.T) impl {
	php := requireTool(t, "php")
	script := func(example string) string { return filepath.Join("tests", "php", "tutorial", example+".php") }
	return impl{
		name: "php",
		run: func(t *testing.T, example string, args ...string) result {
			t.Helper()
			return runProgram(t, "", php, append(append(append([]string{}, phpFlags...), script(example)), args...)...)
		},
		start: func(t *testing.T, example string, args ...string) *process {
			t.Helper()
			return startProgram(t, php, append(append(append([]string{}, phpFlags...), script(example)), args...)...)
		},
	}
}

var luaImpl = impl{
	name: "sockrun",
	run: func(t *testing.T, example string, args ...string) result {
		t.Helper()
		return runSockrun(t, append([]string{filepath.Join("examples", example+".lua")}, args...)...)
	},
	start: func(t *testing.T, example string, args ...string) *process {
		t.Helper()
		return startSockrun(t, append([]string{filepath.Join("examples", example+".lua")}, args...)...)
	},
}

// bothImpls gives PHP first, then sockrun.
func bothImpls(t *testing.T) []impl {
	return []impl{phpImpl(t), luaImpl}
}

const (
	request       = "GET / HTTP/1.1\r\n\r\n"
	serverHeader  = "Socket created \nSocket bind OK \nSocket listen OK \nWaiting for incoming connections... \n"
	waitingLine   = `^Waiting for incoming connections\.\.\. $`
	connectedLine = `^Client 127\.0\.0\.1 : (\d+) is now connected to us\.`
	connected     = "Client 127.0.0.1 : PORT is now connected to us. \n"
	sending       = "Sending output to client \n"
	welcome       = "Welcome to php socket server version 1.0 \n" +
		"Enter a message and press enter, and i shall reply back \n"
)

var clientPort = regexp.MustCompile(`(Client \S+ : )\d+`)

// normPorts replaces the client ports that servers print ("Client 127.0.0.1 :
// 36689 is now ...") with PORT: they are the only bytes allowed to differ.
func normPorts(s string) string {
	return clientPort.ReplaceAllString(s, "${1}PORT")
}

// compare checks that every implementation printed want (after normalising
// ports): so PHP and sockrun agree, and both agree with the tutorial.
func compare(t *testing.T, want string, got map[string]string) {
	t.Helper()
	for _, name := range []string{"php", "sockrun"} {
		out, ok := got[name]
		if !ok {
			continue
		}
		if normPorts(out) != want {
			t.Errorf("%s stdout:\n%q\nwant:\n%q", name, out, want)
		}
	}
	if php, ok := got["php"]; ok && normPorts(php) != normPorts(got["sockrun"]) {
		t.Errorf("sockrun and php differ:\nphp:     %q\nsockrun: %q", php, got["sockrun"])
	}
}

// checkStatus checks how a program that ran to completion ended: PHP's die()
// exits 0, sockrun's 1 (API.md), and a normal end is 0 for both.
func checkStatus(t *testing.T, im impl, r result, died bool) {
	t.Helper()
	want := 0
	if died && im.name == "sockrun" {
		want = 1
	}
	if r.code != want {
		t.Errorf("%s exited %d, want %d; stderr:\n%s", im.name, r.code, want, r.stderr)
	}
}

// peer is a Go test server on 127.0.0.1:0 that serves one connection.
type peer struct {
	host, port string
	errc       chan error
}

func startPeer(t *testing.T, handle func(net.Conn) error) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p := &peer{host: host, port: port, errc: make(chan error, 1)}
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
func (p *peer) check(t *testing.T) {
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

func readRequest(conn net.Conn) error {
	buf := make([]byte, len(request))
	if _, err := io.ReadFull(conn, buf); err != nil {
		return fmt.Errorf("reading the request: %v (got %q)", err, buf)
	}
	if string(buf) != request {
		return fmt.Errorf("request %q, want %q", buf, request)
	}
	return nil
}

func readEOF(conn net.Conn) error {
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if n != 0 || !(errors.Is(err, io.EOF) || isReset(err)) {
		return fmt.Errorf("want EOF from the client, got %q, %v", buf[:n], err)
	}
	return nil
}

// closedPort is a port on 127.0.0.1 where nothing listens (bound, then closed).
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

// heldPort is a port that a Go listener holds for the rest of the test.
func heldPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func localPort(conn net.Conn) string {
	return strconv.Itoa(conn.LocalAddr().(*net.TCPAddr).Port)
}

// httpReply is an answer like the one the tutorial got from google.com,
// padded to size bytes (over one 1500-byte packet when size is large).
func httpReply(size int) string {
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
	got := map[string]string{}
	for _, im := range bothImpls(t) {
		r := im.run(t, "01_create")
		checkStatus(t, im, r, false)
		got[im.name] = r.stdout
	}
	compare(t, "Socket created", got)
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
	long := httpReply(3000)
	short := httpReply(700)
	exact := httpReply(2045)
	for _, tc := range []struct {
		name, example string
		peer          func(net.Conn) error // nil: nothing listens (connect refused)
		want          string
		died          bool
	}{
		{
			name: "connect", example: "02_connect",
			peer: readEOF, want: created + established,
		},
		{
			name: "send", example: "03_send",
			peer: func(c net.Conn) error {
				if err := readRequest(c); err != nil {
					return err
				}
				return readEOF(c)
			},
			want: created + established + sent,
		},
		{
			// MSG_WAITALL with 2045 bytes: a longer reply is cut at 2045.
			name: "receive long reply", example: "04_receive",
			peer: func(c net.Conn) error {
				if err := readRequest(c); err != nil {
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
				if err := readRequest(c); err != nil {
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
			peer: readRequest,
			want: created + established + sent,
		},
		{
			name: "receive reset", example: "04_receive",
			peer: func(c net.Conn) error {
				if err := readRequest(c); err != nil {
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
				if err := readRequest(c); err != nil {
					return err
				}
				if _, err := io.WriteString(c, exact); err != nil {
					return err
				}
				return readEOF(c)
			},
			want: created + established + sent + exact,
		},
		{name: "02 refused", example: "02_connect", want: created + "Could not connect: [111] Connection refused \n", died: true},
		{name: "03 refused", example: "03_send", want: created + "Could not connect: [111] Connection refused \n", died: true},
		{name: "04 refused", example: "04_receive", want: created + "Could not connect: [111] Connection refused \n", died: true},
		{name: "05 refused", example: "05_close", want: created + "Could not connect: [111] Connection refused \n", died: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := map[string]string{}
			for _, im := range bothImpls(t) {
				var p *peer
				port := ""
				if tc.peer != nil {
					p = startPeer(t, tc.peer)
					port = p.port
				} else {
					port = closedPort(t)
				}
				r := im.run(t, tc.example, "127.0.0.1", port)
				checkStatus(t, im, r, tc.died)
				if p != nil {
					p.check(t)
				} else if want := "socket_connect(): unable to connect [111]: Connection refused"; !strings.Contains(r.stderr, want) {
					t.Errorf("%s stderr %q does not contain the warning %q", im.name, r.stderr, want)
				}
				got[im.name] = r.stdout
			}
			compare(t, tc.want, got)
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
		got := map[string]string{}
		for _, im := range bothImpls(t) {
			r := im.run(t, "06_gethostbyname", tc.host)
			checkStatus(t, im, r, false)
			got[im.name] = r.stdout
		}
		compare(t, tc.want, got)
	}
}

// ---------------------------------------------------------------- servers

func TestExample07Bind(t *testing.T) {
	t.Parallel()
	got := map[string]string{}
	for _, im := range bothImpls(t) {
		r := im.run(t, "07_bind", "127.0.0.1", freePort(t))
		checkStatus(t, im, r, false)
		got[im.name] = r.stdout
	}
	compare(t, "Socket created \nSocket bind OK \n", got)
}

// Every server program reports a port that is taken, at bind time.
func TestExamplesBindAddressInUse(t *testing.T) {
	t.Parallel()
	for _, example := range []string{"07_bind", "08_listen_accept", "09_reply", "10_live_server", "11_select_server"} {
		t.Run(example, func(t *testing.T) {
			t.Parallel()
			port := heldPort(t)
			got := map[string]string{}
			for _, im := range bothImpls(t) {
				r := im.run(t, example, "127.0.0.1", port)
				checkStatus(t, im, r, true)
				if want := "socket_bind(): Unable to bind address [98]: Address already in use"; !strings.Contains(r.stderr, want) {
					t.Errorf("%s stderr %q does not contain the warning %q", im.name, r.stderr, want)
				}
				got[im.name] = r.stdout
			}
			compare(t, "Socket created \nCould not bind socket : [98] Address already in use \n", got)
		})
	}
}

// startServer starts a server example on a free port and waits until it
// says it is waiting for connections.
func startServer(t *testing.T, im impl, example string) (*process, string) {
	t.Helper()
	port := freePort(t)
	p := im.start(t, example, "127.0.0.1", port)
	p.waitLine(waitingLine)
	return p, port
}

// dialClient connects a Go client and checks that the server reports
// exactly this client's port.
func dialClient(t *testing.T, p *process, port string) net.Conn {
	t.Helper()
	conn := dialTCP(t, "127.0.0.1:"+port)
	if got := p.waitLine(connectedLine)[1]; got != localPort(conn) {
		t.Errorf("server says the client's port is %s, it is %s", got, localPort(conn))
	}
	return conn
}

func write(t *testing.T, conn net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(conn, s); err != nil {
		t.Fatalf("writing %q: %v", s, err)
	}
}

// 08 accepts one client (a Go dialer, then telnet as in the tutorial), says
// who it is, closes it and ends.
func TestExample08ListenAccept(t *testing.T) {
	t.Parallel()
	want := serverHeader + "Client 127.0.0.1 : PORT is now connected to us.\n" // the tutorial's line has no "\n"; the harness adds it
	t.Run("go client", func(t *testing.T) {
		t.Parallel()
		got := map[string]string{}
		for _, im := range bothImpls(t) {
			p, port := startServer(t, im, "08_listen_accept")
			conn := dialClient(t, p, port)
			expectEOF(t, conn)
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = p.Stdout()
		}
		compare(t, want, got)
	})
	t.Run("telnet", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "telnet")
		got := map[string]string{}
		for _, im := range bothImpls(t) {
			p, port := startServer(t, im, "08_listen_accept")
			tn := startTool(t, "telnet", "127.0.0.1", port)
			tn.waitLine(`^Connected to 127\.0\.0\.1\.$`)
			tn.wait() // telnet ends when the server closes the connection
			if !strings.Contains(tn.Stderr(), "Connection closed by foreign host.") {
				t.Errorf("telnet stderr %q, want it to say the connection was closed", tn.Stderr())
			}
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = p.Stdout()
		}
		compare(t, want, got)
	})
}

// 09 answers one client "OK .. " plus what it sent, closes it and ends.
func TestExample09Reply(t *testing.T) {
	t.Parallel()
	want := serverHeader + connected
	t.Run("go client", func(t *testing.T) {
		t.Parallel()
		got := map[string]string{}
		for _, im := range bothImpls(t) {
			p, port := startServer(t, im, "09_reply")
			conn := dialClient(t, p, port)
			write(t, conn, "happy\r\n")
			if reply := readExactly(t, conn, len("OK .. happy\r\n")); reply != "OK .. happy\r\n" {
				t.Errorf("%s replied %q", im.name, reply)
			}
			expectEOF(t, conn)
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = p.Stdout()
		}
		compare(t, want, got)
	})
	t.Run("telnet", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "telnet")
		got := map[string]string{}
		for _, im := range bothImpls(t) {
			p, port := startServer(t, im, "09_reply")
			tn := startTool(t, "telnet", "127.0.0.1", port)
			tn.waitLine(`^Escape character is`)
			tn.send("happy\n")
			tn.waitLine(`^OK \.\. happy\r?$`)
			tn.wait()
			if code := p.wait(); code != 0 {
				t.Errorf("%s exited %d; stderr:\n%s", im.name, code, p.Stderr())
			}
			got[im.name] = p.Stdout()
		}
		compare(t, want, got)
	})
}

// 10 serves clients one after another, forever: a Go client, nc and telnet
// in turn, then three Go clients connected at once, which it answers in the
// order they connected whatever order they write in.
func TestExample10LiveServer(t *testing.T) {
	t.Parallel()
	requireTool(t, "nc")
	requireTool(t, "telnet")
	want := serverHeader + strings.Repeat(connected, 6)
	got := map[string]string{}
	for _, im := range bothImpls(t) {
		p, port := startServer(t, im, "10_live_server")

		conn := dialClient(t, p, port)
		write(t, conn, "happy\r\n")
		if reply := readExactly(t, conn, len("OK .. happy\r\n")); reply != "OK .. happy\r\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		expectEOF(t, conn) // the fixed port closes each client once answered

		nc := startTool(t, "nc", "127.0.0.1", port)
		p.waitLine(connectedLine)
		nc.send("from nc\n")
		nc.waitLine(`^OK \.\. from nc$`)
		nc.closeStdin()
		nc.wait() // without -N or -q, nc ends only once the server has closed the connection

		tn := startTool(t, "telnet", "127.0.0.1", port)
		p.waitLine(connectedLine)
		tn.send("from telnet\n")
		tn.waitLine(`^OK \.\. from telnet\r?$`)
		tn.wait()

		var conns []net.Conn
		for i := 0; i < 3; i++ {
			conn := dialTCP(t, "127.0.0.1:"+port)
			conns = append(conns, conn)
		}
		for i := 2; i >= 0; i-- {
			write(t, conns[i], fmt.Sprintf("client %d\n", i))
		}
		for i, conn := range conns {
			if got := p.waitLine(connectedLine)[1]; got != localPort(conn) {
				t.Errorf("%s: client %d is reported with port %s, it has %s", im.name, i, got, localPort(conn))
			}
			want := fmt.Sprintf("OK .. client %d\n", i)
			if reply := readExactly(t, conn, len(want)); reply != want {
				t.Errorf("%s replied %q to client %d, want %q", im.name, reply, i, want)
			}
			expectEOF(t, conn)
		}

		code := p.interrupt()
		if im.name == "sockrun" && code != 130 {
			t.Errorf("sockrun exited %d after SIGINT, want 130; stderr:\n%s", code, p.Stderr())
		}
		got[im.name] = p.Stdout()
	}
	compare(t, want, got)
}

// 11 serves a Go client, nc and telnet at once, the tutorial's session: one
// of them (nc) leaves mid-session and the others are still answered, and a
// newcomer takes the freed slot.
func TestExample11SelectServer(t *testing.T) {
	t.Parallel()
	requireTool(t, "nc")
	requireTool(t, "telnet")
	want := serverHeader +
		connected + connected + connected + // Go client, nc, telnet
		sending + sending + // Go client, nc
		sending + sending + // telnet, Go client (after nc left: no line for it)
		connected + sending // the newcomer
	got := map[string]string{}
	for _, im := range bothImpls(t) {
		p, port := startServer(t, im, "11_select_server")

		a := dialClient(t, p, port)
		if w := readExactly(t, a, len(welcome)); w != welcome {
			t.Errorf("%s welcome %q", im.name, w)
		}
		nc := startTool(t, "nc", "-N", "127.0.0.1", port) // -N: a shutdown when its stdin ends
		p.waitLine(connectedLine)
		nc.waitLine(`^Enter a message and press enter, and i shall reply back $`)
		tn := startTool(t, "telnet", "127.0.0.1", port)
		p.waitLine(connectedLine)
		tn.waitLine(`^Enter a message and press enter, and i shall reply back $`)

		write(t, a, "hello\n")
		if reply := readExactly(t, a, len("OK ... hello\n")); reply != "OK ... hello\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		nc.send("how are you\n")
		nc.waitLine(`^OK \.\.\. how are you$`)

		nc.closeStdin() // nc leaves: the server reads "" and closes it, so nc ends
		nc.wait()

		tn.send("from telnet\n")
		tn.waitLine(`^OK \.\.\. from telnet\r?$`)
		write(t, a, "still here\n")
		if reply := readExactly(t, a, len("OK ... still here\n")); reply != "OK ... still here\n" {
			t.Errorf("%s replied %q after a client left", im.name, reply)
		}

		d := dialClient(t, p, port)
		if w := readExactly(t, d, len(welcome)); w != welcome {
			t.Errorf("%s welcome %q", im.name, w)
		}
		write(t, d, "newcomer\n")
		if reply := readExactly(t, d, len("OK ... newcomer\n")); reply != "OK ... newcomer\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}

		code := p.interrupt()
		if im.name == "sockrun" && code != 130 {
			t.Errorf("sockrun exited %d after SIGINT, want 130; stderr:\n%s", code, p.Stderr())
		}
		expectEOF(t, a)
		tn.wait() // telnet ends when the server goes away
		got[im.name] = p.Stdout()
	}
	compare(t, want, got)
}

// ---------------------------------------------------------------- the tutorial's bugs, fixed

// The tutorial's select server, when a client leaves, unsets its slot, then
// closes the null that is left (a TypeError that ends PHP, a Lua error in a
// line-by-line port), and would then write "OK ..." to the client that left.
// The port survives clients that leave cleanly or with a reset, prints
// nothing for them, and goes on serving the others.
func TestExample11SurvivesClientsLeaving(t *testing.T) {
	t.Parallel()
	want := serverHeader + connected + connected + connected + sending + connected + sending
	got := map[string]string{}
	for _, im := range bothImpls(t) {
		p, port := startServer(t, im, "11_select_server")
		stay := dialClient(t, p, port)
		readExactly(t, stay, len(welcome))

		leave := dialClient(t, p, port)
		readExactly(t, leave, len(welcome))
		leave.Close() // FIN: socket_read gives ""

		reset := dialClient(t, p, port)
		readExactly(t, reset, len(welcome))
		reset.(*net.TCPConn).SetLinger(0)
		reset.Close() // RST: socket_read fails with 104

		write(t, stay, "ping\n")
		if reply := readExactly(t, stay, len("OK ... ping\n")); reply != "OK ... ping\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		// The server still takes newcomers.
		late := dialClient(t, p, port)
		readExactly(t, late, len(welcome))
		write(t, late, "pong\n")
		if reply := readExactly(t, late, len("OK ... pong\n")); reply != "OK ... pong\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}

		select {
		case <-p.done:
			t.Fatalf("%s ended (status %d) while serving; stderr:\n%s", im.name, p.code, p.Stderr())
		default:
		}
		p.interrupt()
		got[im.name] = p.Stdout()
	}
	compare(t, want, got)
}

// With all 10 slots taken, the tutorial leaves an 11th connection pending:
// the listener stays readable and select spins. The port accepts and closes
// it, so the 11th client sees EOF (with the bug it would wait forever), and
// the 10 are still served; once one leaves, a new client gets its slot.
func TestExample11FullServerTurnsClientsAway(t *testing.T) {
	t.Parallel()
	want := serverHeader + strings.Repeat(connected, 10) + sending + sending + connected + sending
	got := map[string]string{}
	for _, im := range bothImpls(t) {
		p, port := startServer(t, im, "11_select_server")
		var conns []net.Conn
		for i := 0; i < 10; i++ {
			conn := dialClient(t, p, port)
			readExactly(t, conn, len(welcome))
			conns = append(conns, conn)
		}
		extra := dialTCP(t, "127.0.0.1:"+port)
		expectEOF(t, extra)

		for _, conn := range []net.Conn{conns[0], conns[9]} {
			write(t, conn, "busy?\n")
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
			buf := make([]byte, len(welcome))
			if _, err := io.ReadFull(conn, buf); err == nil {
				newcomer = conn
			} else if !(errors.Is(err, io.EOF) || isReset(err)) {
				t.Fatalf("%s: newcomer got %q, %v", im.name, buf, err)
			}
		}
		p.waitLine(connectedLine)
		write(t, newcomer, "in\n")
		if reply := readExactly(t, newcomer, len("OK ... in\n")); reply != "OK ... in\n" {
			t.Errorf("%s replied %q", im.name, reply)
		}
		p.interrupt()
		got[im.name] = p.Stdout()
	}
	compare(t, want, got)
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
	if strings.Join(have, " ") != strings.Join(want, " ") {
		t.Errorf("examples: %v\nwant: %v", have, want)
	}
	for _, name := range want {
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
		if _, err := os.Stat(filepath.Join(rootDir, "tests", "php", "tutorial", name+".php")); err != nil {
			t.Errorf("%s has no PHP twin: %v", name, err)
		}
	}
}

// ---------------------------------------------------------------- tool clients

// toolClient is an interactive client program (nc, telnet) whose stdin the
// test writes and whose stdout it reads line by line.
type toolClient struct {
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

func startTool(t *testing.T, prog string, args ...string) *toolClient {
	t.Helper()
	cmd := exec.Command(prog, args...)
	c := &toolClient{t: t, name: prog, cmd: cmd, lines: make(chan string, 1000), done: make(chan struct{})}
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

func (c *toolClient) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.stdin, s); err != nil {
		c.t.Fatalf("writing to %s: %v", c.name, err)
	}
}

func (c *toolClient) closeStdin() { c.stdin.Close() }

// waitLine reads the tool's stdout until a line matches re (within 10 s).
func (c *toolClient) waitLine(re string) {
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
func (c *toolClient) wait() {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.t.Fatalf("%s did not end within 10s; stdout:\n%s\nstderr:\n%s", c.name, c.Stdout(), c.Stderr())
	}
}

func (c *toolClient) Stdout() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stdout.String()
}

func (c *toolClient) Stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}
