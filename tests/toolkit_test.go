package tests

// End-to-end tests of the toolkit scripts: scripts/chat_server.lua,
// scripts/port_scan.lua and scripts/banner.lua (scripts/resp_server.lua is
// in resp_test.go). Everything runs on loopback; ports are picked by the
// kernel or checked free at run time; servers are waited for by the lines
// they print.

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tkServer starts a server script and returns it with the host:port from
// its "Listening on ADDR:PORT" line.
func tkServer(t *testing.T, script string, args ...string) (*process, string) {
	t.Helper()
	p := startSockrun(t, append([]string{script}, args...)...)
	m := p.waitLine(`^Listening on (.+):(\d+)$`)
	return p, net.JoinHostPort(m[1], m[2])
}

// tkPeer is a line-oriented peer: a Go connection or a program's stdio.
type tkPeer struct {
	t        testing.TB
	name     string
	r        *bufio.Reader
	w        io.Writer
	deadline func(time.Time) error
	conn     net.Conn // nil for a program
}

func tkDial(t testing.TB, addr string) *tkPeer {
	t.Helper()
	c := dialTCP(t, addr)
	return &tkPeer{t: t, name: addr, r: bufio.NewReader(c), w: c, deadline: c.SetReadDeadline, conn: c}
}

func (p *tkPeer) send(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.w, s); err != nil {
		p.t.Fatalf("%s: write %q: %v", p.name, s, err)
	}
}

// expect reads exactly len(want) bytes (within 10 s) and compares them.
func (p *tkPeer) expect(want string) {
	p.t.Helper()
	p.deadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, len(want))
	n, err := io.ReadFull(p.r, buf)
	if err != nil || string(buf) != want {
		p.t.Fatalf("%s: want %q, got %q (%v)", p.name, want, buf[:n], err)
	}
}

// line reads one line (within 10 s) without its "\n".
func (p *tkPeer) line() string {
	p.t.Helper()
	p.deadline(time.Now().Add(10 * time.Second))
	s, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("%s: reading a line: %v (got %q)", p.name, err, s)
	}
	return strings.TrimSuffix(s, "\n")
}

func (p *tkPeer) expectLine(want string) {
	p.t.Helper()
	if got := p.line(); got != want {
		p.t.Fatalf("%s: want line %q, got %q", p.name, want, got)
	}
}

// expectClosed checks that nothing more comes and the server closed.
func (p *tkPeer) expectClosed() {
	p.t.Helper()
	p.deadline(time.Now().Add(10 * time.Second))
	rest, err := io.ReadAll(p.r)
	if len(rest) != 0 || (err != nil && !isReset(err)) {
		p.t.Fatalf("%s: want EOF, got %q (%v)", p.name, rest, err)
	}
}

// tkProgram runs a program (nc) as a peer: its stdin and stdout are the
// peer's two directions.
func tkProgram(t *testing.T, name string, args ...string) (*tkPeer, *exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		pr.Close()
	})
	return &tkPeer{t: t, name: name + " " + strings.Join(args, " "), r: bufio.NewReader(pr), w: stdin, deadline: pr.SetReadDeadline}, cmd, stdin
}

// ---------------------------------------------------------------- chat_server.lua

const tkChatHelp = "Commands: /nick NEW, /who, /quit"

// tkChatJoin connects and takes a nickname; the welcome line lists who is
// online.
func tkChatJoin(t *testing.T, addr, nick, online string) *tkPeer {
	t.Helper()
	c := tkDial(t, addr)
	c.name = nick
	c.expect("Nickname: ")
	c.send(nick + "\n")
	c.expectLine("Welcome, " + nick + "! " + online + ". " + tkChatHelp)
	return c
}

// tkChatRoom joins the nicks one after another; everyone already in the
// room reads each later join, so all are in step when it returns.
func tkChatRoom(t *testing.T, addr string, nicks ...string) []*tkPeer {
	t.Helper()
	var room []*tkPeer
	for i, nick := range nicks {
		names := append([]string(nil), nicks[:i+1]...)
		sort.Slice(names, func(a, b int) bool { return strings.ToLower(names[a]) < strings.ToLower(names[b]) })
		online := fmt.Sprintf("%d online: %s", len(names), strings.Join(names, ", "))
		c := tkChatJoin(t, addr, nick, online)
		for _, other := range room {
			other.expectLine(nick + " joined")
		}
		room = append(room, c)
	}
	return room
}

func TestChatUsage(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"127.0.0.1", "notaport"}, {"127.0.0.1", "0", "extra"}} {
		r := runSockrun(t, append([]string{"scripts/chat_server.lua"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: sockrun scripts/chat_server.lua [ADDRESS [PORT]]") {
			t.Errorf("%v: status %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// Nicknames (empty, taken in any case, invalid), join and leave notices,
// broadcast to everyone but the sender, /who, /nick, unknown commands, a
// long line, /quit.
func TestChatSession(t *testing.T) {
	p, addr := tkServer(t, "scripts/chat_server.lua", "127.0.0.1", "0")
	alice := tkChatJoin(t, addr, "alice", "1 online: alice")
	p.waitLine(`^alice joined from 127\.0\.0\.1:\d+$`)

	bob := tkDial(t, addr)
	bob.expect("Nickname: ")
	bob.send("\n")
	bob.expect("A nickname cannot be empty.\nNickname: ")
	bob.send("  ALICE \r\n")
	bob.expect("The nickname ALICE is taken.\nNickname: ")
	bob.send("bad nick!\n")
	bob.expect("A nickname is 1-32 letters, digits, '_', '-' or '.'.\nNickname: ")
	bob.send(strings.Repeat("b", 33) + "\n")
	bob.expect("A nickname is 1-32 letters, digits, '_', '-' or '.'.\nNickname: ")
	bob.send("bob\r\n")
	bob.expectLine("Welcome, bob! 2 online: alice, bob. " + tkChatHelp)
	alice.expectLine("bob joined")

	bob.send("hello everyone\n")
	alice.expectLine("bob: hello everyone")
	alice.send("hi bob\r\n\n")      // the empty line is not sent
	bob.expectLine("alice: hi bob") // not his own line first
	bob.send("/who\n")
	bob.expectLine("2 online: alice, bob")

	carol := tkChatJoin(t, addr, "carol", "3 online: alice, bob, carol")
	alice.expectLine("carol joined")
	bob.expectLine("carol joined")

	carol.send("/nick Bob\n")
	carol.expectLine("The nickname Bob is taken.")
	carol.send("/nick caroline\n")
	carol.expectLine("You are now known as caroline")
	alice.expectLine("carol is now known as caroline")
	bob.expectLine("carol is now known as caroline")
	p.waitLine(`^carol is now known as caroline$`)
	carol.send("/NICK Caroline\n") // a change of case is allowed
	carol.expectLine("You are now known as Caroline")
	alice.expectLine("caroline is now known as Caroline")
	bob.expectLine("caroline is now known as Caroline")
	carol.send("/frobnicate now\n")
	carol.expectLine("Unknown command /frobnicate. " + tkChatHelp)
	alice.send("/who\n")
	alice.expectLine("3 online: alice, bob, Caroline")

	// A line longer than 4 KiB arrives in 4 KiB pieces.
	long := strings.Repeat("x", 4096) + strings.Repeat("y", 100)
	alice.send(long + "\n")
	for _, c := range []*tkPeer{bob, carol} {
		c.expectLine("alice: " + strings.Repeat("x", 4096))
		c.expectLine("alice: " + strings.Repeat("y", 100))
	}

	bob.send("/quit\n")
	bob.expectLine("Bye!")
	bob.expectClosed()
	alice.expectLine("bob left")
	carol.expectLine("bob left")
	p.waitLine(`^bob left \(quit\)$`)
	alice.send("/who\n")
	alice.expectLine("2 online: alice, Caroline")

	// The nickname is free again.
	bob2 := tkChatJoin(t, addr, "BOB", "3 online: alice, BOB, Caroline")
	alice.expectLine("BOB joined")
	bob2.send("back\n")
	alice.expectLine("BOB: back")
	carol.expectLine("BOB joined")
	carol.expectLine("BOB: back")
}

// Every client sees the same order of messages, and each sender's messages
// in the order sent, while two talkers send at once.
func TestChatBroadcastOrder(t *testing.T) {
	_, addr := tkServer(t, "scripts/chat_server.lua", "127.0.0.1", "0")
	room := tkChatRoom(t, addr, "o1", "o2", "t1", "t2")
	o1, o2, t1, t2 := room[0], room[1], room[2], room[3]
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, talker := range []*tkPeer{t1, t2} {
		wg.Add(1)
		go func(c *tkPeer) {
			defer wg.Done()
			for i := 0; i < n; i += 10 {
				var batch strings.Builder
				for j := i; j < i+10; j++ {
					fmt.Fprintf(&batch, "%s says %d\n", c.name, j)
				}
				if _, err := c.conn.Write([]byte(batch.String())); err != nil {
					errs <- err
					return
				}
			}
		}(talker)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	read := func(c *tkPeer, count int) []string {
		var lines []string
		for i := 0; i < count; i++ {
			lines = append(lines, c.line())
		}
		return lines
	}
	seq1, seq2 := read(o1, 2*n), read(o2, 2*n)
	if strings.Join(seq1, "\n") != strings.Join(seq2, "\n") {
		t.Fatalf("o1 and o2 saw different orders:\n%v\n%v", seq1, seq2)
	}
	next := map[string]int{}
	for _, l := range seq1 {
		var from string
		var i int
		if _, err := fmt.Sscanf(l, "%s %s says %d", &from, new(string), &i); err != nil {
			t.Fatalf("unexpected line %q", l)
		}
		from = strings.TrimSuffix(from, ":")
		if i != next[from] {
			t.Fatalf("%s's message %d came when %d was due (%q)", from, i, next[from], l)
		}
		next[from]++
	}
	for _, pair := range [][2]*tkPeer{{t1, t2}, {t2, t1}} {
		for i := 0; i < n; i++ {
			pair[0].expectLine(fmt.Sprintf("%s: %s says %d", pair[1].name, pair[1].name, i))
		}
	}
}

// A client that stops reading holds up no one: the others get every byte
// while its buffers fill, and once its queue passes 1 MiB it is dropped.
func TestChatSlowReaderDoesNotBlockOthers(t *testing.T) {
	p, addr := tkServer(t, "scripts/chat_server.lua", "127.0.0.1", "0")
	room := tkChatRoom(t, addr, "stuck", "observer", "talker")
	observer, talker := room[1], room[2]
	// stuck reads nothing from here on; its receive buffer stays small.
	room[0].conn.(*net.TCPConn).SetReadBuffer(4096)

	const lines = 2500 // 10 MB: more than the kernel buffers and the queue
	payload := strings.Repeat("z", 4000)
	werr := make(chan error, 1)
	// The talker stays at most 100 lines (400 KB) ahead of the observer, so
	// only stuck, who reads nothing, can reach the server's 1 MiB limit,
	// however slowly this machine runs the observer.
	received := make(chan struct{}, lines)
	go func() {
		var err error
		for i := 0; i < lines && err == nil; i++ {
			if i >= 100 {
				<-received
			}
			talker.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
			_, err = fmt.Fprintf(talker.conn, "%d %s\n", i, payload)
		}
		werr <- err
	}()
	got, left := 0, false
	for got < lines || !left {
		l := observer.line()
		switch {
		case l == "stuck left":
			left = true
		case l == fmt.Sprintf("talker: %d %s", got, payload):
			got++
			received <- struct{}{}
		default:
			t.Fatalf("observer: unexpected line %.60q after %d messages", l, got)
		}
	}
	if err := <-werr; err != nil {
		t.Fatalf("talker could not send: %v", err)
	}
	p.waitLine(`^stuck left \(not reading \(over 1048576 bytes queued\)\)$`)
	late := tkChatJoin(t, addr, "late", "3 online: late, observer, talker")
	late.send("/who\n")
	late.expectLine("3 online: late, observer, talker")
}

// Clients that vanish: mid-line (the partial line is not sent), with a
// reset, and before choosing a nickname.
func TestChatClientVanishes(t *testing.T) {
	p, addr := tkServer(t, "scripts/chat_server.lua", "127.0.0.1", "0")
	room := tkChatRoom(t, addr, "stay", "half", "reset")
	stay := room[0]

	room[1].send("half a mess")
	room[1].conn.Close()
	stay.expectLine("half left")
	p.waitLine(`^half left \(closed by client mid-line\)$`)

	room[2].send("unfinished")
	room[2].conn.(*net.TCPConn).SetLinger(0)
	room[2].conn.Close()
	stay.expectLine("reset left")
	p.waitLine(`^reset left \(Connection reset by peer\)$`)

	anon := tkDial(t, addr)
	anon.expect("Nickname: ")
	anon.send("nobo")
	anon.conn.Close()
	p.waitLine(`^127\.0\.0\.1:\d+ went away before choosing a nickname \(closed by client mid-line\)$`)

	stay.send("/who\n")
	stay.expectLine("1 online: stay")
	if strings.Contains(p.Stderr(), "task") {
		t.Fatalf("a task failed:\n%s", p.Stderr())
	}
}

// Lines full of blanks are handled in linear time: with a pattern like
// "^/(%S*)%s*(.-)%s*$" one such /nick line took gopher-lua about 4 s, during
// which no other client was served.
func TestChatBlankHeavyLines(t *testing.T) {
	_, addr := tkServer(t, "scripts/chat_server.lua", "127.0.0.1", "0")
	room := tkChatRoom(t, addr, "typist", "other")
	typist, other := room[0], room[1]
	start := time.Now()
	nick := "a" + strings.Repeat(" ", 4085) + "b"
	for i := 0; i < 3; i++ {
		typist.send("/nick " + nick + "\n")
	}
	typist.send(strings.Repeat(" ", 2000) + "spaced out" + strings.Repeat(" \t", 1000) + "\n")
	other.expectLine("typist: " + strings.Repeat(" ", 2000) + "spaced out" + strings.Repeat(" \t", 1000))
	// Only now: two clients' lines may reach the server in either order.
	other.send("/who\n")
	other.expectLine("2 online: other, typist")
	for i := 0; i < 3; i++ {
		typist.expectLine("A nickname is 1-32 letters, digits, '_', '-' or '.'.")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("four long lines took %v", d)
	}
}

// Three nc users: join, talk, rename, /who, /quit, and one killed.
func TestChatNetcat(t *testing.T) {
	nc := requireTool(t, "nc")
	p, addr := tkServer(t, "scripts/chat_server.lua", "127.0.0.1", "0")
	host, port, _ := net.SplitHostPort(addr)
	join := func(nick string) (*tkPeer, *exec.Cmd, io.WriteCloser) {
		c, cmd, stdin := tkProgram(t, nc, host, port)
		c.expect("Nickname: ")
		c.send(nick + "\n")
		c.line() // the welcome
		p.waitLine("^" + nick + " joined from")
		return c, cmd, stdin
	}
	ann, _, _ := join("ann")
	ben, _, benIn := join("ben")
	ann.expectLine("ben joined")
	cat, catCmd, _ := join("cat")
	ann.expectLine("cat joined")
	ben.expectLine("cat joined")

	ann.send("hello from nc\n")
	ben.expectLine("ann: hello from nc")
	cat.expectLine("ann: hello from nc")
	cat.send("/nick kat\n")
	cat.expectLine("You are now known as kat")
	ann.expectLine("cat is now known as kat")
	ben.expectLine("cat is now known as kat")
	ben.send("/who\n")
	ben.expectLine("3 online: ann, ben, kat")

	ben.send("/quit\n")
	ben.expectLine("Bye!")
	ann.expectLine("ben left")
	cat.expectLine("ben left")
	benIn.Close()

	catCmd.Process.Kill() // kat vanishes
	ann.expectLine("kat left")
	p.waitLine(`^kat left \((closed by client|Connection reset by peer)\)$`)
	ann.send("/who\n")
	ann.expectLine("1 online: ann")
}

// ---------------------------------------------------------------- port_scan.lua

// tkPortBlock finds size consecutive ports below the ephemeral range where
// nothing listens on 127.0.0.1 and opens listeners at the given offsets.
func tkPortBlock(t *testing.T, size int, offsets []int) (base int, open []int) {
	t.Helper()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
attempt:
	for try := 0; try < 20; try++ {
		base = 20000 + rng.Intn(12000-size)
		// Nothing may answer in the block already.
		for p := base; p < base+size; p++ {
			if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second); err == nil {
				c.Close()
				continue attempt
			}
		}
		var lns []net.Listener
		for _, off := range offsets {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+off))
			if err != nil {
				for _, l := range lns {
					l.Close()
				}
				continue attempt
			}
			lns = append(lns, ln)
		}
		open = nil
		for _, ln := range lns {
			ln := ln
			t.Cleanup(func() { ln.Close() })
			go func() { // accept and hang up, as a real service might
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
			open = append(open, ln.Addr().(*net.TCPAddr).Port)
		}
		return base, open
	}
	t.Fatal("no free block of ports found")
	return 0, nil
}

// tkFullBacklog opens a listener whose accept queue is full (backlog 0, one
// connection never accepted): the kernel drops further SYNs, so connects to
// it time out, as to a filtered port.
func tkFullBacklog(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	port := sa.(*syscall.SockaddrInet4).Port
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c2, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond); err == nil {
		c2.Close()
		t.Skip("this kernel accepts connections past a full backlog")
	}
	return port
}

var tkScanSummary = regexp.MustCompile(`(?m)^(\d+) open, (\d+) closed, (\d+) filtered/timeout \(\d+\.\d\ds\)$`)

// tkScan runs the scanner and returns the open ports it printed and its
// summary counts.
func tkScan(t *testing.T, args ...string) (open []int, counts [3]int) {
	t.Helper()
	r := runSockrun(t, append([]string{"scripts/port_scan.lua"}, args...)...)
	if r.code != 0 {
		t.Fatalf("port_scan %v: status %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("port_scan %v printed on stderr:\n%s", args, r.stderr)
	}
	m := tkScanSummary.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no summary line in:\n%s", r.stdout)
	}
	for i := range counts {
		counts[i], _ = strconv.Atoi(m[i+1])
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for _, l := range lines[1 : len(lines)-1] {
		var p int
		if _, err := fmt.Sscanf(l, "%d open", &p); err != nil || l != fmt.Sprintf("%d open", p) {
			t.Fatalf("unexpected line %q in:\n%s", l, r.stdout)
		}
		open = append(open, p)
	}
	if !strings.HasPrefix(lines[0], "Scanning ") {
		t.Fatalf("no Scanning line: %q", lines[0])
	}
	return open, counts
}

// Five listeners in a block of 1000 ports: exactly those are open, in
// order; the rest closed. Then a list with ranges, repeats and spaces.
func TestPortScanFindsListeners(t *testing.T) {
	base, want := tkPortBlock(t, 1000, []int{999, 0, 37, 512, 200})
	sort.Ints(want)
	open, counts := tkScan(t, "127.0.0.1", fmt.Sprintf("%d-%d", base, base+999), "2")
	if fmt.Sprint(open) != fmt.Sprint(want) || counts != [3]int{5, 995, 0} {
		t.Fatalf("open %v counts %v, want %v and [5 995 0]", open, counts, want)
	}

	spec := fmt.Sprintf("%d, %d-%d,%d,%d-%d", base+512, base+30, base+40, base+37, base+999, base+999)
	open, counts = tkScan(t, "localhost", spec)
	if fmt.Sprint(open) != fmt.Sprint([]int{base + 37, base + 512, base + 999}) || counts != [3]int{3, 10, 0} {
		t.Fatalf("%s: open %v counts %v", spec, open, counts)
	}
}

func TestPortScanIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	closed, _ := net.Listen("tcp", "[::1]:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	open, counts := tkScan(t, "::1", fmt.Sprintf("%d,%d", port, closedPort))
	if fmt.Sprint(open) != fmt.Sprint([]int{port}) || counts != [3]int{1, 1, 0} {
		t.Fatalf("open %v counts %v", open, counts)
	}
}

// A port whose SYNs are dropped counts as filtered after the timeout.
func TestPortScanTimeout(t *testing.T) {
	port := tkFullBacklog(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	openPort := ln.Addr().(*net.TCPAddr).Port
	open, counts := tkScan(t, "127.0.0.1", fmt.Sprintf("%d,%d", port, openPort), "0.3")
	if fmt.Sprint(open) != fmt.Sprint([]int{openPort}) || counts != [3]int{1, 0, 1} {
		t.Fatalf("open %v counts %v", open, counts)
	}
}

func TestPortScanUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage: sockrun scripts/port_scan.lua HOST PORTS [TIMEOUT]"},
		{[]string{"-h"}, "usage:"},
		{[]string{"127.0.0.1"}, "usage:"}, // no ports: no default
		{[]string{"", "80"}, "usage:"},    // no host: no default either
		{[]string{"127.0.0.1", "0-10"}, "bad port or range '0-10'"},
		{[]string{"127.0.0.1", "10-5"}, "bad port or range '10-5'"},
		{[]string{"127.0.0.1", "65536"}, "bad port or range '65536'"},
		{[]string{"127.0.0.1", "80,,81"}, "bad port or range ''"},
		{[]string{"127.0.0.1", "http"}, "bad port or range 'http'"},
		{[]string{"127.0.0.1", "80", "0"}, "TIMEOUT must be a positive number"},
		{[]string{"127.0.0.1", "80", "soon"}, "TIMEOUT must be a positive number"},
	} {
		r := runSockrun(t, append([]string{"scripts/port_scan.lua"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want 2 and %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// ---------------------------------------------------------------- banner.lua

// tkBannerServer serves each connection by calling serve, on 127.0.0.1.
func tkBannerServer(t *testing.T, serve func(net.Conn)) string {
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
				serve(c)
			}()
		}
	}()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// tkHexDump is hexdump()'s format: offset, 16 bytes in two groups, ASCII.
func tkHexDump(data string) string {
	var b strings.Builder
	for off := 0; off < len(data); off += 16 {
		row := data[off:min(off+16, len(data))]
		fmt.Fprintf(&b, "%08x ", off)
		for i := 0; i < 16; i++ {
			if i == 8 {
				b.WriteByte(' ')
			}
			if i < len(row) {
				fmt.Fprintf(&b, " %02x", row[i])
			} else {
				b.WriteString("   ")
			}
		}
		b.WriteString("  |")
		for i := 0; i < len(row); i++ {
			if c := row[i]; c >= 0x20 && c <= 0x7e {
				b.WriteByte(c)
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteString("|\n")
	}
	return b.String()
}

func TestBannerText(t *testing.T) {
	greeting := "220 tk.example ESMTP ready\r\n"
	port := tkBannerServer(t, func(c net.Conn) {
		c.Write([]byte(greeting))
		io.Copy(io.Discard, c) // stays connected: the idle timeout ends the read
	})
	r := runSockrun(t, "scripts/banner.lua", "127.0.0.1", port)
	if r.code != 0 || r.stdout != greeting || r.stderr != "(28 bytes of text; the server went quiet)\n" {
		t.Fatalf("status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	// Several pieces, then the server hangs up; no final newline.
	port = tkBannerServer(t, func(c net.Conn) {
		c.Write([]byte("SSH-2.0-"))
		time.Sleep(50 * time.Millisecond)
		c.Write([]byte("TkSSH_1.0"))
	})
	r = runSockrun(t, "scripts/banner.lua", "localhost", port, "2")
	if r.code != 0 || r.stdout != "SSH-2.0-TkSSH_1.0\n" || !strings.Contains(r.stderr, "the server closed the connection") {
		t.Fatalf("status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestBannerBinary(t *testing.T) {
	// A MySQL-style greeting: a length, a sequence number, NULs, bytes > 127.
	greeting := "\x4a\x00\x00\x00\x0a8.0.36\x00\x08\x00\x00\x00\x12\x7f\xff\x01\x02 tk\x00"
	port := tkBannerServer(t, func(c net.Conn) {
		c.Write([]byte(greeting))
		io.Copy(io.Discard, c)
	})
	r := runSockrun(t, "scripts/banner.lua", "127.0.0.1", port)
	want := tkHexDump(greeting)
	if r.code != 0 || r.stdout != want || !strings.Contains(r.stderr, fmt.Sprintf("(%d bytes, binary;", len(greeting))) {
		t.Fatalf("status %d stderr %q stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}
	if !strings.HasPrefix(want, "00000000  4a 00 00 00 0a 38 2e 30  2e 33 36 00 08 00 00 00  |J....8.0.36.....|\n") {
		t.Fatalf("tkHexDump is off:\n%s", want)
	}

	// A long banner stops at 4 KiB.
	port = tkBannerServer(t, func(c net.Conn) {
		c.Write([]byte(strings.Repeat("0123456789abcdef", 1024)))
		io.Copy(io.Discard, c)
	})
	r = runSockrun(t, "scripts/banner.lua", "127.0.0.1", port)
	if r.code != 0 || r.stdout != strings.Repeat("0123456789abcdef", 256)+"\n" || !strings.Contains(r.stderr, "stopped at 4096 bytes") {
		t.Fatalf("status %d stdout %d bytes stderr %q", r.code, len(r.stdout), r.stderr)
	}
}

func TestBannerFailures(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	// Refused: a port that was just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	r := runSockrun(t, "scripts/banner.lua", "127.0.0.1", port)
	if want := "banner: 127.0.0.1:" + port + ": cannot connect: Connection refused\n"; r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Fatalf("refused: status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	// Silent: the server waits for the client to speak first.
	port = tkBannerServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	r = runSockrun(t, "scripts/banner.lua", "127.0.0.1", port, "0.3")
	if r.code != 1 || !strings.Contains(r.stderr, "connected, but no banner within 0.3s") || r.stdout != "" {
		t.Fatalf("silent: status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	// Hangs up at once.
	port = tkBannerServer(t, func(c net.Conn) {})
	r = runSockrun(t, "scripts/banner.lua", "127.0.0.1", port)
	if r.code != 1 || !strings.Contains(r.stderr, "closed the connection without a word") {
		t.Fatalf("hang-up: status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	// The connect itself times out (SYNs dropped).
	full := strconv.Itoa(tkFullBacklog(t))
	r = runSockrun(t, "scripts/banner.lua", "127.0.0.1", full, "0.3")
	if r.code != 1 || !strings.Contains(r.stderr, "no connection within 0.3s") {
		t.Fatalf("connect timeout: status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	for _, args := range [][]string{nil, {"127.0.0.1"}, {"127.0.0.1", "0"}, {"127.0.0.1", "70000"}, {"127.0.0.1", "80", "-1"}, {"--help"}} {
		r := runSockrun(t, append([]string{"scripts/banner.lua"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: sockrun scripts/banner.lua HOST PORT [TIMEOUT]") {
			t.Errorf("%q: status %d stderr %q", args, r.code, r.stderr)
		}
	}
}

// redis-server says nothing until asked: banner.lua reports no banner.
func TestBannerRedisSaysNothingFirst(t *testing.T) {
	server := requireTool(t, "redis-server")
	port := tkStartRedis(t, server)
	r := runSockrun(t, "scripts/banner.lua", "127.0.0.1", port, "0.5")
	if r.code != 1 || !strings.Contains(r.stderr, "connected, but no banner within 0.5s") {
		t.Fatalf("status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// tkStartRedis runs a throwaway redis-server on a free loopback port (no
// persistence) and returns the port once it answers PING.
func tkStartRedis(t *testing.T, server string) string {
	t.Helper()
	for try := 0; try < 5; try++ {
		port := freePort(t)
		cmd := exec.Command(server, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", t.TempDir(), "--protected-mode", "no")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited: // the port was taken after all: try another
				deadline = time.Time{}
				continue
			default:
			}
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte("PING\r\n"))
			reply, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if reply == "+PONG\r\n" {
				return port
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Fatal("redis-server did not start")
	return ""
}
