package tests

// End-to-end tests of scripts/tcp_proxy.lua: redis-cli through the proxy to
// a real redis-server the test starts on loopback, and Go peers on both
// sides for binary relaying, half-closes and teardown.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// hpProxy is a running scripts/tcp_proxy.lua.
type hpProxy struct {
	*process
	addr string
}

func hpStartProxy(t testing.TB, target string) *hpProxy {
	t.Helper()
	p := startSockrun(t, "scripts/tcp_proxy.lua", "127.0.0.1:0", target)
	m := p.waitLine(`^Listening on (127\.0\.0\.1:\d+)$`)
	p.waitLine(`^Relaying to ` + target + `$`)
	return &hpProxy{process: p, addr: m[1]}
}

// waitLog waits until the log so far contains every one of the texts.
func (p *hpProxy) waitLog(t testing.TB, texts ...string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		missing := ""
		log := p.Stdout()
		for _, text := range texts {
			if !strings.Contains(log, text) {
				missing = text
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case _, ok := <-p.lines:
			if !ok {
				t.Fatalf("proxy ended before logging %q; stdout:\n%s\nstderr:\n%s", missing, p.Stdout(), p.Stderr())
			}
		case <-deadline:
			t.Fatalf("proxy log lacks %q after 20s; stdout:\n%s\nstderr:\n%s", missing, p.Stdout(), p.Stderr())
		}
	}
}

// hpStartRedis starts a throwaway redis-server on a free loopback port and
// waits (bounded) until it answers PING.
func hpStartRedis(t testing.TB) string {
	t.Helper()
	server := requireTool(t, "redis-server")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken in between
		port := freePort(t)
		p := startProgram(t, server, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		addr := "127.0.0.1:" + port
		deadline := time.Now().Add(10 * time.Second)
		ended := false
		for !ended && time.Now().Before(deadline) {
			select {
			case <-p.done:
				lastErr = fmt.Errorf("redis-server ended: %s", p.Stdout())
				ended = true
				continue
			default:
			}
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				lastErr = err
				time.Sleep(20 * time.Millisecond) // polling the port, bounded by the deadline
				continue
			}
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			conn.Write([]byte("PING\r\n"))
			line, err := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if line == "+PONG\r\n" {
				return addr
			}
			lastErr = fmt.Errorf("PING answered %q, %v", line, err)
		}
		if !ended {
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	t.Fatalf("redis-server did not come up: %v", lastErr)
	return ""
}

func TestProxyRedis(t *testing.T) {
	t.Parallel()
	cli := requireTool(t, "redis-cli")
	redis := hpStartRedis(t)
	proxy := hpStartProxy(t, redis)
	host, port, _ := net.SplitHostPort(proxy.addr)
	run := func(stdin string, args ...string) string {
		t.Helper()
		res := runProgram(t, stdin, cli, append([]string{"-h", host, "-p", port}, args...)...)
		if res.code != 0 {
			t.Fatalf("redis-cli %q: exit %d\n%s%s\nproxy:\n%s", args, res.code, res.stdout, res.stderr, proxy.Stdout())
		}
		return res.stdout
	}

	if out := run("", "PING"); out != "PONG\n" {
		t.Errorf("PING: %q", out)
	}
	proxy.waitLog(t,
		"] client -> server 14 bytes\n    *1\\r\\n\n    $4\\r\\n\n    PING\\r\\n\n",
		"] server -> client 7 bytes\n    +PONG\\r\\n\n",
		"] closed: client -> server 14 bytes (EOF), server -> client 7 bytes (EOF)\n")

	if out := run("", "SET", "greeting", "hello through sockrun"); out != "OK\n" {
		t.Errorf("SET: %q", out)
	}
	if out := run("", "GET", "greeting"); out != "hello through sockrun\n" {
		t.Errorf("GET: %q", out)
	}
	proxy.waitLog(t,
		"    SET\\r\\n\n    $8\\r\\n\n    greeting\\r\\n\n    $21\\r\\n\n    hello through sockrun\\r\\n\n",
		"] server -> client 5 bytes\n    +OK\\r\\n\n",
		"] server -> client 28 bytes\n    $21\\r\\n\n    hello through sockrun\\r\\n\n")

	// The value really is in that redis: ask it directly.
	conn := dialTCP(t, redis)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte("*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n"))
	if got := readExactly(t, conn, 28); got != "$21\r\nhello through sockrun\r\n" {
		t.Errorf("redis itself has %q", got)
	}

	// A binary value (redis-cli -x reads it from stdin) is logged as a hex dump.
	if out := run("bin\x00\x01\x02\xff", "-x", "SET", "bin"); out != "OK\n" {
		t.Errorf("SET -x: %q", out)
	}
	proxy.waitLog(t, "\n00000000  2a 33 0d 0a 24 33 0d 0a  53 45 54 0d 0a 24 33 0d  |*3..$3..SET..$3.|\n")

	// Several commands on one connection, in one session.
	if out := run("PING\nINCR counter\nINCR counter\n"); out != "PONG\n1\n2\n" {
		t.Errorf("session: %q", out)
	}
	if strings.Contains(proxy.Stderr(), "sockrun:") {
		t.Errorf("proxy stderr:\n%s", proxy.Stderr())
	}
}

// hpReadFull reads n bytes (within the connection's deadline) without
// printing them on failure: they may be large.
func hpReadFull(t testing.TB, conn net.Conn, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	if got, err := io.ReadFull(conn, buf); err != nil {
		t.Fatalf("read %d of %d bytes: %v", got, n, err)
	}
	return buf
}

// hpEchoServer is a Go TCP echo server that reports each connection's end:
// "eof" when the client side sent FIN, "closed" when it saw an error. On
// EOF it sends "bye" and closes (so half-closes can be checked).
type hpEchoServer struct {
	addr  string
	ended chan string
	conns chan net.Conn
}

func hpStartEcho(t testing.TB) *hpEchoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	e := &hpEchoServer{addr: ln.Addr().String(), ended: make(chan string, 100), conns: make(chan net.Conn, 100)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			e.conns <- conn
			go func() {
				defer conn.Close()
				buf := make([]byte, 32<<10)
				for {
					n, err := conn.Read(buf)
					if n > 0 {
						if _, werr := conn.Write(buf[:n]); werr != nil {
							e.ended <- "closed"
							return
						}
					}
					if err == io.EOF {
						conn.Write([]byte("bye"))
						e.ended <- "eof"
						return
					}
					if err != nil {
						e.ended <- "closed"
						return
					}
				}
			}()
		}
	}()
	return e
}

func (e *hpEchoServer) waitEnd(t testing.TB) string {
	t.Helper()
	select {
	case how := <-e.ended:
		return how
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream connection did not end within 10s")
	}
	return ""
}

func TestProxyBinaryRelay(t *testing.T) {
	t.Parallel()
	echo := hpStartEcho(t)
	proxy := hpStartProxy(t, echo.addr)

	conn := dialTCP(t, proxy.addr)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	first := make([]byte, 256)
	for i := range first {
		first[i] = byte(i)
	}
	conn.Write(first)
	if got := readExactly(t, conn, 256); got != string(first) {
		t.Fatalf("echo of every byte value: %q", got)
	}
	dump := "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n" +
		"00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|\n" +
		"00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|\n"
	proxy.waitLog(t, "] client -> server 256 bytes\n"+dump, "] server -> client 256 bytes\n"+dump,
		"000000f0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|\n")

	// 256 KiB of random bytes both ways at once, byte for byte (every piece
	// is hex-dumped into the log on the way, which is slow under -race).
	big := make([]byte, 256<<10)
	rand.Read(big)
	go func() {
		conn.Write(big)
	}()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if got := hpReadFull(t, conn, len(big)); !bytes.Equal(got, big) {
		t.Fatal("the random bytes came back different")
	}

	// Printable text is logged as text, with line ends shown.
	conn.Write([]byte("hello\tworld\r\nback\\slash"))
	readExactly(t, conn, 23)
	proxy.waitLog(t, "] client -> server 23 bytes\n    hello\\tworld\\r\\n\n    back\\\\slash\n")

	// Closing the client closes the upstream connection.
	conn.Close()
	if how := echo.waitEnd(t); how != "eof" {
		t.Errorf("upstream ended with %s", how)
	}
	proxy.waitLog(t, fmt.Sprintf("] closed: client -> server %d bytes (EOF), server -> client %d bytes (EOF)\n",
		256+len(big)+23, 256+len(big)+23+3))
}

func TestProxyHalfCloseAndTeardown(t *testing.T) {
	t.Parallel()
	echo := hpStartEcho(t)
	proxy := hpStartProxy(t, echo.addr)

	// The client half-closes: the upstream sees EOF, and its last words
	// ("bye") still reach the client before the proxy closes it.
	conn := dialTCP(t, proxy.addr).(*net.TCPConn)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	conn.Write([]byte("request"))
	readExactly(t, conn, 7)
	conn.CloseWrite()
	if got, err := io.ReadAll(conn); err != nil || string(got) != "bye" {
		t.Errorf("after the half-close: %q, %v", got, err)
	}
	if how := echo.waitEnd(t); how != "eof" {
		t.Errorf("upstream ended with %s", how)
	}

	<-echo.conns // the first client's upstream

	// The upstream closes: the client sees EOF.
	conn2 := dialTCP(t, proxy.addr)
	conn2.SetDeadline(time.Now().Add(20 * time.Second))
	var up net.Conn
	select {
	case up = <-echo.conns:
	case <-time.After(10 * time.Second):
		t.Fatal("the proxy did not connect upstream for the second client")
	}
	proxy.waitLog(t, "[conn 2] "+conn2.LocalAddr().String()+" connected, relaying to "+echo.addr+"\n")
	up.(*net.TCPConn).SetLinger(0)
	up.Close() // a reset, even
	expectEOF(t, conn2)
	echo.waitEnd(t)
	proxy.waitLog(t, "[conn 2] closed: client -> server 0 bytes (EOF), server -> client 0 bytes (read failed: Connection reset by peer)\n")

	// A target that refuses: the client is closed and the log says why.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	refusing := hpStartProxy(t, dead)
	expectEOF(t, dialTCP(t, refusing.addr))
	refusing.waitLog(t, ": cannot connect to "+dead+": Connection refused\n")

	// Many clients at once, each with its own upstream.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", proxy.addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			msg := bytes.Repeat([]byte{byte(i)}, 5000+i)
			c.Write(msg)
			c.(*net.TCPConn).CloseWrite()
			got, err := io.ReadAll(c)
			if err != nil || string(got) != string(msg)+"bye" {
				errs <- fmt.Errorf("client %d: %d bytes, %v", i, len(got), err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	proxy.waitLog(t, "[conn 22] closed: ")
	// The reset is reported once; tearing down does not shut down the
	// socket that failed (which would warn "not connected").
	if strings.Contains(proxy.Stderr(), "sockrun:") || strings.Contains(proxy.Stderr(), "socket_shutdown") {
		t.Errorf("proxy stderr:\n%s", proxy.Stderr())
	}
}

func TestProxyUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"-h"}, {"127.0.0.1:0"}, {"127.0.0.1", "127.0.0.1:80"}, {"127.0.0.1:0", "127.0.0.1:0"},
		{"127.0.0.1:0", "127.0.0.1:99999"}, {"127.0.0.1:0", "127.0.0.1:80", "extra"}} {
		res := runSockrun(t, append([]string{"scripts/tcp_proxy.lua"}, args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, "usage: sockrun scripts/tcp_proxy.lua LISTEN TARGET") {
			t.Errorf("%q: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
}
