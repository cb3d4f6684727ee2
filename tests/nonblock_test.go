package tests

// End-to-end tests of nonblocking and flag-driven I/O in sockrun, as PHP
// does it: would-block calls fail silently with 11 (the accept quirk
// included), nonblocking connect (115, select, SO_ERROR), MSG_DONTWAIT,
// MSG_PEEK, MSG_WAITALL, MSG_OOB, SO_RCVTIMEO, SO_SNDTIMEO, partial writes,
// PHP_NORMAL_READ on nonblocking sockets. The twins (tests/dgram/*.lua and
// *.php, see udp_test.go) run against PHP's recorded transcripts and, where
// timing matters, against Go peers on 127.0.0.1.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

func TestNonblockTwin(t *testing.T) {
	t.Parallel()
	dgTwin(t, "nonblock", `-- nonblocking reads with no data
set_nonblock: true
read: false
last_error: 11, 11, "Resource temporarily unavailable"
recv: false, nil
last_error: 11
recvfrom: false
last_error: 11
recv MSG_PEEK: false, nil
write: 4
readable: 1
read: "data"
-- nonblocking accept: the error is global, not the listener's
set_nonblock: true
accept: false
last_error: 0, 11
-- nonblocking connect
set_nonblock: true
connect: false
last_error: 115, "Operation now in progress"
writable: 1
SO_ERROR: 0
listener readable: 1
accept: <Socket>
write: 5
read: "hello"
connect closed port: false
last_error: 115
writable: 1
SO_ERROR: 111
SO_ERROR again: 0
last_error: 115
-- MSG_DONTWAIT on a blocking socket
set_block: true
recv: false, nil
last_error: 11
write: 2
readable: 1
recv: 2, "dw"
-- MSG_PEEK
write: 10
recv PEEK|WAITALL: 10, "abcdefghij"
recv PEEK 4: 4, "abcd"
recv 4: 4, "abcd"
recv: 6, "efghij"
-- MSG_WAITALL: EOF before the length
write: 2
shutdown: true
recv WAITALL 10: 2, "xy"
recv WAITALL at EOF: 0, nil
-- MSG_OOB
send: 2
send MSG_OOB: 1
select: 2, 1, 1
recv MSG_OOB: 1, "!"
recv: 2, "ab"
select: 0, 0, 0
Warning: socket_recv(): Unable to read from socket [22]: Invalid argument
recv MSG_OOB again: false, nil
-- SO_RCVTIMEO
set: true
get: {sec=0, usec=300000}
read: false
waited at least the timeout: true
last_error: 11
recv: false, nil
waited at least the timeout: true
write: 7
read: "in time"
-- SO_SNDTIMEO
set: true
get: {sec=0, usec=100000}
partial: true, true
until: false, 11
-- 20 MiB on a nonblocking socket with no reader
set_nonblock: true
write: "number", true
write again: false
last_error: 11
send: false
last_error: 11
writable: 0
-- nonblocking NORMAL_READ at EOF
read: ""
normal read: ""
recv: 0, nil
last_error: 0
`)
}

// dgWithPeer returns a twin runner: each run gets a fresh Go listener on
// 127.0.0.1 port 0, whose port is the script's argument, and serve handles
// the one connection the script makes. The run fails the test if serve
// does.
func dgWithPeer(t *testing.T, serve func(conn net.Conn) error, results map[string]dgResult) func(prog, script string) dgResult {
	return func(prog, script string) dgResult {
		t.Helper()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		errc := make(chan error, 1)
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				errc <- err
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			errc <- serve(conn)
		}()
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		r := dgRun(t, true, prog, append(dgArgsFor(prog), script, port)...)
		ln.Close()
		if err := <-errc; err != nil {
			t.Errorf("the Go peer of %s: %v", script, err)
		}
		if results != nil {
			results[prog] = r
		}
		return r
	}
}

// dgWrites writes each piece, pausing between them.
func dgWrites(conn net.Conn, pause time.Duration, pieces ...string) error {
	for i, p := range pieces {
		if i > 0 {
			time.Sleep(pause) // the behaviour under test: data that comes later
		}
		if _, err := io.WriteString(conn, p); err != nil {
			return err
		}
	}
	return nil
}

// MSG_WAITALL waits for the full length across two writes 0.3 s apart;
// EOF first gives the short count, then 0 and nil.
func TestNonblockWaitAllAcrossWritesTwin(t *testing.T) {
	t.Parallel()
	dgTwinRun(t, "waitall", `connect: true
recv WAITALL 6: 6, "123456"
waited for the second write: true
recv WAITALL 10: 2, "xy"
recv WAITALL at EOF: 0, nil
`, dgWithPeer(t, func(conn net.Conn) error {
		return dgWrites(conn, 300*time.Millisecond, "123", "456xy")
	}, nil))
}

// PHP_NORMAL_READ on a nonblocking socket returns the line once its end
// arrives ("part", then "ial\n" later), and "" at EOF; sockrun waits on the
// poller where PHP busy-spins.
func TestNonblockNormalReadPartialLineTwin(t *testing.T) {
	t.Parallel()
	const pause = 600 * time.Millisecond
	results := map[string]dgResult{}
	dgTwinRun(t, "nbline", `connect: true
set_nonblock: true
normal read: "partial\n"
waited for the rest of the line: true
normal read: "next\n"
normal read at EOF: ""
last_error: 0
`, dgWithPeer(t, func(conn net.Conn) error {
		return dgWrites(conn, pause, "part", "ial\nnext\n")
	}, results))
	for prog, r := range results {
		t.Logf("%s: %v of CPU in %v", prog, r.cpu, r.wall)
	}
	r := results[binPath]
	if r.wall < pause {
		t.Errorf("sockrun finished in %v, before the line was complete (%v)", r.wall, pause)
	}
	if r.cpu > pause/2 {
		t.Errorf("sockrun used %v of CPU while waiting %v for the end of a line: it spins", r.cpu, pause)
	}
}

// At EOF after a partial line, a nonblocking NORMAL_READ gives the partial
// data (PHP gives it or garbage: not compared with PHP), then "".
func TestNonblockNormalReadEOFAfterPartial(t *testing.T) {
	t.Parallel()
	script := writeFile(t, "nbeof.lua", `
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
socket_connect(s, "127.0.0.1", tonumber(arg[1]))
socket_set_nonblock(s)
socket_select({ s }, nil, nil, 5)
local r = { socket_read(s, 100, PHP_NORMAL_READ) }
r[#r + 1] = socket_read(s, 100, PHP_NORMAL_READ)
r[#r + 1] = socket_read(s, 100, PHP_NORMAL_READ)
for i = 1, 3 do
	echo("[", tostring(r[i]), "]\n")
end
echo("last_error ", socket_last_error(s), "\n")
`)
	r := dgWithPeer(t, func(conn net.Conn) error {
		_, err := io.WriteString(conn, "zz")
		return err
	}, nil)(binPath, script)
	if r.code != 0 || (r.out != "[zz]\n[]\n[]\nlast_error 0\n" && r.out != "[]\n[]\n[]\nlast_error 0\n") {
		t.Errorf("status %d, output (with stderr):\n%s\nwant [zz] or [] (the partial line or nothing), then [] [], no warning, last_error 0", r.code, r.out)
	}
}

// dgBlock is the 8191-byte block tests/dgram/write20m.* repeat.
func dgBlock() []byte {
	b := make([]byte, 8191)
	x := 1
	for i := range b {
		x = (75*x + 74) % 65537
		b[i] = byte(x % 256)
	}
	return b
}

// A blocking 20 MiB socket_write to a slow reader blocks until every byte
// is sent and returns 20971520; the reader checks every byte.
func TestNonblockBlockingWrite20MiBTwin(t *testing.T) {
	t.Parallel()
	const total = 20 << 20
	want := bytes.Repeat(dgBlock(), total/8191+1)[:total]
	dgTwinRun(t, "write20m", `connect: true
write: 20971520
`, dgWithPeer(t, func(conn net.Conn) error {
		got := make([]byte, 0, total)
		buf := make([]byte, 256<<10)
		for reads := 0; ; reads++ {
			if reads%4 == 3 {
				time.Sleep(2 * time.Millisecond) // a slow reader
			}
			n, err := conn.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			return fmt.Errorf("read %d bytes, want %d; first difference at byte %d", len(got), len(want), i)
		}
		return nil
	}, nil))
}
