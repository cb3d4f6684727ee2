package tests

// End-to-end tests of AF_UNIX sockets in sockrun: stream and datagram
// sockets at paths under t.TempDir(), socket pairs and the errors
// (tests/dgram/unix*.lua against their PHP twins, see udp_test.go), and Go
// peers (net.Dial/net.Listen "unix" and "unixgram") talking to sockrun
// scripts both ways.

import (
	"bytes"
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

// uxDir is a fresh directory for socket paths, short enough that paths
// stay well under sun_path's 108 bytes.
func uxDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if len(dir) > 80 {
		d, err := os.MkdirTemp("", "ux")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	return dir
}

func TestUnixTwin(t *testing.T) {
	t.Parallel()
	dgTwinRun(t, "unix", `-- SOCK_STREAM at a path
bind: true
getsockname: true, "$TMP/stream.sock", nil
listen: true
connect: true
accept: <Socket>
client getpeername: true, "$TMP/stream.sock", nil
accepted getsockname: true, "$TMP/stream.sock"
write: 5
read: "ping\n"
write: 10
read: "pong\0bin\xff\n"
send: 3
recv: 3, "abc"
write: 7
normal read: "l1\n", "l2\r", "\n"
shutdown: true
read at EOF: ""
recv at EOF: 0, nil
write after peer's shutdown: 5
read: "still"
-- a second client while the first is gone
connect: true
readable listener: 1
write: 5
read: "hi c2"
-- SOCK_DGRAM at paths
bind: true
bind: true
sendto: 6
recvfrom: 6, "from v", "$TMP/sender.sock", nil
sendto back: 4
recvfrom: 4, "back", "$TMP/dgram.sock"
sendto: 10
sendto: 4
recvfrom 4: 4, "0123"
recvfrom: 4, "next"
sendto: 0
recvfrom: 0, "", "$TMP/sender.sock"
connect: true
write: 4
read: "conn"
nonblocking recvfrom: false
last_error: 11
-- socket pairs
create_pair stream: true, 2, <Socket>, <Socket>, true
SO_TYPE: 1
write 1->2: 6
read 2: "to two"
write 2->1: 7
read 1: "to one\0"
read 2 after close: ""
create_pair dgram: true, 2
SO_TYPE: 2
write: 2, 2
read: "d", "d2"
send 2->1: 1
recv 1: 1, "r"
write empty: 0
recvfrom 1: 0, ""
Warning: socket_create_pair(): Unable to create socket pair [95]: Operation not supported
create_pair AF_INET: false
-- errors
Warning: socket_connect(): unable to connect [2]: No such file or directory
connect missing: false
last_error: 2, "No such file or directory"
Warning: socket_bind(): Unable to bind address [98]: Address already in use
bind existing: false
last_error: 98
Warning: socket_connect(): unable to connect [111]: Connection refused
connect not listening: false
Warning: socket_connect(): unable to connect [111]: Connection refused
connect to a plain file: false
path length: 107
bind 107: true
bind 108: error: socket_bind(): Argument #2 ($address) must be less than 108
connect 200: error: socket_connect(): Argument #2 ($address) must be less than 108
connect 108 dgram: error: socket_connect(): Argument #2 ($address) must be less than 108
`, func(prog, script string) dgResult {
		return dgRun(t, true, prog, append(dgArgsFor(prog), script, uxDir(t))...)
	})
}

// Unnamed sockets (a client that never bound, socket pairs, an unbound
// datagram sender) have the name "" in PHP.
func TestUnixUnnamedAddressesTwin(t *testing.T) {
	t.Parallel()
	dgTwinRun(t, "unix_unnamed", `client getsockname: true, ""
accepted getpeername: true, ""
pair getsockname: true, ""
pair getpeername: true, ""
sendto: 4
recvfrom: 4, "anon", ""
unbound dgram getsockname: true, ""
`, func(prog, script string) dgResult {
		return dgRun(t, true, prog, append(dgArgsFor(prog), script, uxDir(t))...)
	})
}

// uxDialUnix connects a Go client to a Unix stream socket.
func uxDialUnix(t *testing.T, path string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("unix", path, 10*time.Second)
	if err != nil {
		t.Fatalf("dial unix %s: %v", path, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// A sockrun server on a path serves Go clients one after the other: a
// short message, an empty one and 1 MiB of binary data come back whole.
func TestUnixGoClientsSockrunServer(t *testing.T) {
	t.Parallel()
	path := filepath.Join(uxDir(t), "srv.sock")
	payloads := [][]byte{[]byte("hello from go\n"), {}, make([]byte, 1<<20)}
	for i := range payloads[2] {
		payloads[2][i] = byte(i*31 + i/251)
	}
	p := startSockrun(t, dgScript("unix_server.lua"), path, strconv.Itoa(len(payloads)))
	if m := p.waitLine(`^listening on (.*)$`); m[1] != path {
		t.Errorf("getsockname gave %q, want %q", m[1], path)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("no socket file at %s: %v", path, err)
	}
	for i, data := range payloads {
		conn := uxDialUnix(t, path)
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		errc := make(chan error, 1)
		go func() {
			_, err := fmt.Fprintf(conn, "%08d%s", len(data), data)
			errc <- err
		}()
		head := fmt.Sprintf("got %d\n", len(data))
		reply, err := io.ReadAll(conn)
		if err != nil {
			t.Fatalf("client %d: reading the reply: %v", i, err)
		}
		if err := <-errc; err != nil {
			t.Fatalf("client %d: writing: %v", i, err)
		}
		if !bytes.Equal(reply, append([]byte(head), data...)) {
			t.Fatalf("client %d: reply is %d bytes starting %q, want %q and the %d bytes sent", i, len(reply), dgBrief(reply), head, len(data))
		}
		want := fmt.Sprintf("served %d bytes, wrote %d", len(data), len(head)+len(data))
		p.waitLine("^" + want + "$")
	}
	p.waitLine(`^done$`)
	if code := p.wait(); code != 0 || p.Stderr() != "" {
		t.Errorf("server exited with status %d, stderr %q", code, p.Stderr())
	}
}

// A sockrun client talks to Go servers: a stream listener (a line each
// way, then EOF) and a datagram socket that answers to the client's path.
func TestUnixSockrunClientGoServers(t *testing.T) {
	t.Parallel()
	dir := uxDir(t)
	streamPath := filepath.Join(dir, "go-stream.sock")
	dgramPath := filepath.Join(dir, "go-dgram.sock")
	clientPath := filepath.Join(dir, "lua-dgram.sock")

	ln, err := net.Listen("unix", streamPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pc, err := net.ListenPacket("unixgram", dgramPath)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()

	errc := make(chan error, 2)
	gotLine := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			errc <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, 15)
		if _, err := io.ReadFull(conn, buf); err != nil {
			errc <- fmt.Errorf("stream server: %v", err)
			return
		}
		gotLine <- string(buf)
		_, err = conn.Write([]byte("hello from go\n"))
		errc <- err
	}()
	gotDgram := make(chan string, 1)
	go func() {
		pc.SetDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, 100)
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			errc <- fmt.Errorf("dgram server: %v", err)
			return
		}
		gotDgram <- fmt.Sprintf("%q from %s", buf[:n], from)
		_, err = pc.WriteTo(append([]byte("re:"), buf[:n]...), from)
		errc <- err
	}()

	r := dgRun(t, false, binPath, dgScript("unix_client.lua"), streamPath, dgramPath, clientPath)
	for i := 0; i < 2; i++ {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
	if line := <-gotLine; line != "hello from lua\n" {
		t.Errorf("the Go stream server read %q", line)
	}
	if d, want := <-gotDgram, fmt.Sprintf("%q from %s", "dgram\x00one", clientPath); d != want {
		t.Errorf("the Go datagram server read %s, want %s", d, want)
	}
	want := strings.Join([]string{
		"connect: true",
		"peer: " + streamPath,
		"write: 15",
		"reply: hello from go",
		"eof: []",
		"bind: true",
		"sendto: 9",
		"recvfrom: 12 [re:dgram\\0one] from " + dgramPath,
	}, "\n") + "\n"
	if r.out != want || r.stderr != "" || r.code != 0 {
		t.Errorf("sockrun client: status %d, stdout (- want, + got):\n%s\nstderr:\n%s", r.code, lineDiff(want, r.out), r.stderr)
	}
}
