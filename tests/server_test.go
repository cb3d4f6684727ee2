package tests

// End-to-end tests of scripts/server.lua: the real binary serving real peers
// (Go dialers, nc, telnet) on loopback, on a port the kernel picks (PORT 0,
// read back from the "Listening on" line). Nothing sleeps to wait for the
// server: the tests wait on its log lines and on its replies.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	chatWelcome = "Welcome to php socket server version 1.0 \n" +
		"Enter a message and press enter, and i shall reply back \n"
	chatFull         = "Server is full, try again later. \n"
	chatMaxLine      = 64 * 1024
	chatTelnetBanner = "Escape character is '^]'.\n"
)

// chatServer is a running scripts/server.lua.
type chatServer struct {
	*process
	t    *testing.T
	host string
	addr string // host:port to dial
}

// startChatServer runs scripts/server.lua on host, port 0, with any further
// arguments (MAX_CLIENTS), and waits until it is listening.
func startChatServer(t *testing.T, host string, extra ...string) *chatServer {
	t.Helper()
	p := startSockrun(t, append([]string{"scripts/server.lua", host, "0"}, extra...)...)
	m := p.waitLine(`^Listening on (.+):(\d+)$`)
	if m[1] != host || m[2] == "0" {
		t.Fatalf("listening line names %s:%s, want %s and a real port", m[1], m[2], host)
	}
	p.waitLine(`^Waiting for incoming connections\.\.\. $`)
	return &chatServer{process: p, t: t, host: host, addr: net.JoinHostPort(host, m[2])}
}

// waitLog waits (at most 30 s) until the whole log so far satisfies cond.
func (s *chatServer) waitLog(what string, cond func(log string) bool) {
	s.t.Helper()
	timeout := time.After(30 * time.Second)
	for !cond(s.Stdout()) {
		select {
		case _, ok := <-s.lines:
			if !ok && !cond(s.Stdout()) {
				s.t.Fatalf("server ended (status %d) before its log showed %s; stdout:\n%s\nstderr:\n%s", s.code, what, s.Stdout(), s.Stderr())
			}
		case <-timeout:
			s.t.Fatalf("log did not show %s within 30s; stdout:\n%s\nstderr:\n%s", what, s.Stdout(), s.Stderr())
		}
	}
}

// chatLogEvent is one "Client ADDR : PORT ..." line of the server's log.
type chatLogEvent struct {
	host string
	port int
	kind string // "connected", "disconnected" or "turned away"
	why  string // the reason of a disconnect
}

var chatLogLine = regexp.MustCompile(`^Client (.+) : (\d+) (?:(is now connected to us)\. |disconnected \((.*)\)\. |(turned away): .*)$`)

func chatEvents(log string) []chatLogEvent {
	var events []chatLogEvent
	for _, line := range strings.Split(log, "\n") {
		m := chatLogLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		port, _ := strconv.Atoi(m[2])
		e := chatLogEvent{host: m[1], port: port}
		switch {
		case m[3] != "":
			e.kind = "connected"
		case m[5] != "":
			e.kind = "turned away"
		default:
			e.kind, e.why = "disconnected", m[4]
		}
		events = append(events, e)
	}
	return events
}

func countChatEvents(log, kind string) int {
	n := 0
	for _, e := range chatEvents(log) {
		if e.kind == kind {
			n++
		}
	}
	return n
}

// chatEventsOf is the log's story of one client port.
func chatEventsOf(log string, port int) []chatLogEvent {
	var events []chatLogEvent
	for _, e := range chatEvents(log) {
		if e.port == port {
			events = append(events, e)
		}
	}
	return events
}

// checkConnectedOnce checks that the log shows the client on port connect
// exactly once and then disconnect exactly once, for one of the reasons.
func (s *chatServer) checkConnectedOnce(port int, reasons ...string) {
	s.t.Helper()
	ev := chatEventsOf(s.Stdout(), port)
	if len(ev) != 2 || ev[0].kind != "connected" || ev[1].kind != "disconnected" || ev[0].host != s.clientHost() {
		s.t.Errorf("log for client port %d: %+v, want one connect from %s then one disconnect; stdout:\n%s", port, ev, s.clientHost(), s.Stdout())
		return
	}
	for _, r := range reasons {
		if ev[1].why == r {
			return
		}
	}
	s.t.Errorf("client port %d disconnected (%s), want one of %q", port, ev[1].why, reasons)
}

// stop interrupts the server (the test is done with it) and checks that it
// ends with status 130; after it, Stdout() is the whole log.
func (s *chatServer) stop() {
	s.t.Helper()
	if code := s.interrupt(); code != 130 {
		s.t.Errorf("server ended with status %d after SIGINT, want 130; stderr:\n%s", code, s.Stderr())
	}
}

// clientHost is how the server names a loopback client's address.
func (s *chatServer) clientHost() string { return s.host }

func (s *chatServer) waitDisconnect(port int) chatLogEvent {
	s.t.Helper()
	var got chatLogEvent
	s.waitLog(fmt.Sprintf("client port %d disconnecting", port), func(log string) bool {
		for _, e := range chatEventsOf(log, port) {
			if e.kind == "disconnected" {
				got = e
				return true
			}
		}
		return false
	})
	return got
}

// ---- Go peers ----

// chatClient is a Go peer of the server.
type chatClient struct {
	t    *testing.T
	conn net.Conn
	port int // its local port, as the log names it
	got  string
}

// connect dials the server and reads the welcome.
func (s *chatServer) connect(t *testing.T) *chatClient {
	t.Helper()
	c := s.dial(t)
	c.expect(chatWelcome)
	return c
}

// dial connects without reading anything.
func (s *chatServer) dial(t *testing.T) *chatClient {
	t.Helper()
	conn := dialTCP(t, s.addr)
	return &chatClient{t: t, conn: conn, port: conn.LocalAddr().(*net.TCPAddr).Port}
}

func (c *chatClient) send(data string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.conn, data); err != nil {
		c.t.Fatalf("client %d: writing %s: %v", c.port, chatBrief(data), err)
	}
}

// expect reads exactly len(want) bytes and compares them with want.
func (c *chatClient) expect(want string) {
	c.t.Helper()
	got := readExactly(c.t, c.conn, len(want))
	c.got += got
	if got != want {
		c.t.Fatalf("client %d got %s, want %s", c.port, chatBrief(got), chatBrief(want))
	}
}

func (c *chatClient) roundTrip(line string) {
	c.t.Helper()
	c.send(line)
	c.expect("OK ... " + line)
}

// reset closes the connection with SO_LINGER 0, so the server sees a reset.
func (c *chatClient) reset() {
	c.t.Helper()
	if err := c.conn.(*net.TCPConn).SetLinger(0); err != nil {
		c.t.Fatal(err)
	}
	c.conn.Close()
}

// expectQuiet checks that nothing arrives for a short while (for an answer
// that must not come yet). It is a check of absence, not a wait for the server.
func (c *chatClient) expectQuiet(d time.Duration) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 256)
	n, err := c.conn.Read(buf)
	if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("client %d: want nothing yet, got %q (err %v)", c.port, buf[:n], err)
	}
}

// chatBrief quotes data, shortened when it is long.
func chatBrief(s string) string {
	if len(s) <= 200 {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q...%q (%d bytes)", s[:80], s[len(s)-80:], len(s))
}

// ---- nc and telnet peers ----

// chatTool is nc or telnet talking to the server, driven through a pipe on
// its stdin; its stdout is collected as it comes.
type chatTool struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	banner string // what the program prints before the server's data (telnet)
	mu     sync.Mutex
	out    []byte
	errOut bytes.Buffer
	notify chan struct{}
	done   chan struct{}
	err    error
}

func startChatTool(t *testing.T, banner, prog string, args ...string) *chatTool {
	t.Helper()
	p := &chatTool{t: t, name: prog + " " + strings.Join(args, " "), banner: banner,
		notify: make(chan struct{}, 1), done: make(chan struct{})}
	p.cmd = exec.Command(prog, args...)
	p.cmd.Stderr = &syncWriter{mu: &p.mu, w: &p.errOut}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", p.name, err)
	}
	go func() {
		buf := make([]byte, 64*1024)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				p.mu.Lock()
				p.out = append(p.out, buf[:n]...)
				p.mu.Unlock()
				select {
				case p.notify <- struct{}{}:
				default:
				}
			}
			if err != nil {
				break
			}
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// data is what the program printed of the server's data so far.
func (p *chatTool) data() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := string(p.out)
	if p.banner == "" {
		return out
	}
	i := strings.Index(out, p.banner)
	if i < 0 {
		return ""
	}
	return out[i+len(p.banner):]
}

func (p *chatTool) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.out) + "\n[stderr] " + p.errOut.String()
}

// waitData waits until the server's data printed so far is exactly want,
// failing at once when it is not a prefix of want.
func (p *chatTool) waitData(want string) {
	p.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		got := p.data()
		if got == want {
			return
		}
		if !strings.HasPrefix(want, got) {
			p.t.Fatalf("%s printed %s, want %s; whole output:\n%s", p.name, chatBrief(got), chatBrief(want), p.output())
		}
		select {
		case <-p.notify:
		case <-p.done:
			if got := p.data(); got != want {
				p.t.Fatalf("%s ended (%v) having printed %s, want %s; whole output:\n%s", p.name, p.err, chatBrief(got), chatBrief(want), p.output())
			}
			return
		case <-timeout:
			p.t.Fatalf("%s: after 10s printed %s, want %s; whole output:\n%s", p.name, chatBrief(p.data()), chatBrief(want), p.output())
		}
	}
}

func (p *chatTool) send(data string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, data); err != nil {
		p.t.Fatalf("writing to %s: %v", p.name, err)
	}
}

// finish closes its stdin and waits for it to end.
func (p *chatTool) finish() error {
	p.t.Helper()
	p.stdin.Close()
	select {
	case <-p.done:
		return p.err
	case <-time.After(10 * time.Second):
		p.t.Fatalf("%s did not end within 10s of closing its stdin; output:\n%s", p.name, p.output())
		return nil
	}
}

// ---- the tests ----

// Three nc, two telnet and three Go peers talk at once, messages interleaved
// (partial lines too); each gets exactly its own replies in order; the log
// shows each client connect and disconnect exactly once.
func TestServerManyClientsAtOnce(t *testing.T) {
	requireTool(t, "nc")
	requireTool(t, "telnet")
	s := startChatServer(t, "127.0.0.1")
	_, port, _ := net.SplitHostPort(s.addr)

	type peer struct {
		name string
		send func(string)
		want string
		wait func(string)
	}
	var peers []*peer
	var procs []*chatTool
	var gos []*chatClient
	for i := 0; i < 3; i++ {
		p := startChatTool(t, "", "nc", "-N", "127.0.0.1", port)
		procs = append(procs, p)
		peers = append(peers, &peer{name: fmt.Sprintf("nc%d", i), send: p.send, wait: p.waitData})
	}
	for i := 0; i < 2; i++ {
		p := startChatTool(t, chatTelnetBanner, "telnet", "127.0.0.1", port)
		procs = append(procs, p)
		peers = append(peers, &peer{name: fmt.Sprintf("telnet%d", i), send: p.send, wait: p.waitData})
	}
	for i := 0; i < 3; i++ {
		c := s.dial(t)
		gos = append(gos, c)
		peers = append(peers, &peer{name: fmt.Sprintf("go%d", i), send: c.send, wait: func(want string) {
			c.t.Helper()
			c.expect(want[len(c.got):])
		}})
	}
	for _, p := range peers {
		p.want = chatWelcome
		p.wait(p.want)
	}
	s.waitLog("8 connects", func(log string) bool { return countChatEvents(log, "connected") == 8 })

	for round := 0; round < 4; round++ {
		order := make([]*peer, len(peers))
		for i := range peers {
			if round%2 == 0 {
				order[i] = peers[i]
			} else {
				order[i] = peers[len(peers)-1-i]
			}
		}
		switch round {
		case 1: // everyone sends half a line, then everyone the other half
			for _, p := range order {
				p.send(fmt.Sprintf("round %d, first half from %s ", round, p.name))
			}
			for _, p := range order {
				p.send("and the second half\n")
				p.want += fmt.Sprintf("OK ... round %d, first half from %s and the second half\n", round, p.name)
			}
		case 2: // two lines in one write
			for _, p := range order {
				line1 := fmt.Sprintf("round %d line 1 from %s\n", round, p.name)
				line2 := fmt.Sprintf("round %d line 2 from %s\n", round, p.name)
				p.send(line1 + line2)
				p.want += "OK ... " + line1 + "OK ... " + line2
			}
		default:
			for _, p := range order {
				line := fmt.Sprintf("round %d from %s\n", round, p.name)
				p.send(line)
				p.want += "OK ... " + line
			}
		}
		for _, p := range order {
			p.wait(p.want)
		}
	}

	// Leave: nc -N shuts down its write side at EOF on stdin and ends when
	// the server closes; telnet ends at EOF on stdin.
	for i, p := range procs {
		err := p.finish()
		if strings.HasPrefix(p.name, "nc") {
			if err != nil {
				t.Errorf("%s: %v; output:\n%s", p.name, err, p.output())
			}
			if got := p.data(); got != peers[i].want {
				t.Errorf("%s printed %s in all, want %s", p.name, chatBrief(got), chatBrief(peers[i].want))
			}
		}
	}
	for _, c := range gos {
		c.conn.Close()
	}
	s.waitLog("8 disconnects", func(log string) bool { return countChatEvents(log, "disconnected") >= 8 })
	s.stop() // so that the log is complete: nothing logged twice later

	log := s.Stdout()
	ports := map[int]bool{}
	for _, e := range chatEvents(log) {
		ports[e.port] = true
	}
	if len(ports) != 8 || countChatEvents(log, "connected") != 8 || countChatEvents(log, "disconnected") != 8 {
		t.Errorf("want 8 clients each connecting and disconnecting once; stdout:\n%s", log)
	}
	for port := range ports {
		s.checkConnectedOnce(port, "closed by client")
	}
	for _, c := range gos {
		if !ports[c.port] {
			t.Errorf("Go client port %d not in the log", c.port)
		}
	}
}

// Clients leave mid-session — one closes, one resets (SO_LINGER 0), one
// closes without reading its last reply — and the others carry on; the log
// shows each connect and each disconnect exactly once.
func TestServerClientLeavesMidSession(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	a, closer, resetter, quitter, d := s.connect(t), s.connect(t), s.connect(t), s.connect(t), s.connect(t)
	for i, c := range []*chatClient{a, closer, resetter, quitter, d} {
		c.roundTrip(fmt.Sprintf("hello from %d\n", i))
	}

	closer.conn.Close()
	if e := s.waitDisconnect(closer.port); e.why != "closed by client" {
		t.Errorf("closing client logged as disconnected (%s), want (closed by client)", e.why)
	}
	a.roundTrip("still here after a close\n")

	resetter.reset()
	if e := s.waitDisconnect(resetter.port); e.why != "Connection reset by peer" {
		t.Errorf("resetting client logged as disconnected (%s), want (Connection reset by peer)", e.why)
	}
	d.roundTrip("still here after a reset\n")

	quitter.send("bye, not reading the answer\n")
	quitter.conn.Close()
	s.waitDisconnect(quitter.port)

	a.roundTrip("a again\n")
	d.roundTrip("d again\n")
	e := s.connect(t)
	e.roundTrip("a newcomer\n")
	a.roundTrip("a once more\n")

	for _, c := range []*chatClient{a, d, e} {
		c.conn.Close()
	}
	for _, c := range []*chatClient{a, d, e} {
		s.waitDisconnect(c.port)
	}
	s.stop() // so that the log is complete: nothing logged twice later
	s.checkConnectedOnce(closer.port, "closed by client")
	s.checkConnectedOnce(resetter.port, "Connection reset by peer")
	s.checkConnectedOnce(quitter.port, "closed by client", "Connection reset by peer", "Broken pipe")
	for _, c := range []*chatClient{a, d, e} {
		s.checkConnectedOnce(c.port, "closed by client")
	}
	if n := countChatEvents(s.Stdout(), "connected"); n != 6 {
		t.Errorf("%d connects logged, want 6; stdout:\n%s", n, s.Stdout())
	}
}

// Replies are byte for byte: NULs and high bytes, CRLF, a line split over
// several writes (answered once, when its newline comes), several lines in
// one write (one reply each), an empty line.
func TestServerBinarySafe(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	c := s.connect(t)

	c.roundTrip("a\x00b\x00\x00c\xff\xfe\x80\x7f\x01 \xc3\xa9\n")
	c.roundTrip("\x00\n")
	c.roundTrip("\n")
	c.roundTrip("windows line\r\n")
	c.roundTrip("bare\rcarriage\rreturns\r\n")

	c.send("a message ")
	c.expectQuiet(100 * time.Millisecond)
	c.send("split over \x00 several")
	c.expectQuiet(100 * time.Millisecond)
	c.send(" writes\n")
	c.expect("OK ... a message split over \x00 several writes\n")

	c.send("one\ntwo\r\n\nthree\x00\n")
	c.expect("OK ... one\nOK ... two\r\nOK ... \nOK ... three\x00\n")

	// All 256 byte values in one line (the newline last).
	var all []byte
	for b := 0; b < 256; b++ {
		if b != '\n' {
			all = append(all, byte(b))
		}
	}
	c.roundTrip(string(all) + "\n")
	c.roundTrip("after all that\n")

	// nc carries binary lines as well.
	if _, err := exec.LookPath("nc"); err == nil {
		_, port, _ := net.SplitHostPort(s.addr)
		p := startChatTool(t, "", "nc", "-N", "127.0.0.1", port)
		p.waitData(chatWelcome)
		p.send("nc\x00bin\xff\r\n")
		p.waitData(chatWelcome + "OK ... nc\x00bin\xff\r\n")
		if err := p.finish(); err != nil {
			t.Errorf("nc: %v", err)
		}
	}
}

// With MAX_CLIENTS 2, a third client gets the full message and EOF while the
// first two keep working; once one leaves, a new client is let in.
func TestServerMaxClients(t *testing.T) {
	s := startChatServer(t, "127.0.0.1", "2")
	a, b := s.connect(t), s.connect(t)
	a.roundTrip("a1\n")

	third := s.dial(t)
	third.expect(chatFull)
	expectEOF(t, third.conn)
	s.waitLog("the third client turned away", func(log string) bool {
		ev := chatEventsOf(log, third.port)
		return len(ev) == 1 && ev[0].kind == "turned away"
	})

	b.roundTrip("b1\n")
	a.roundTrip("a2\n")

	a.conn.Close()
	s.waitDisconnect(a.port)
	c := s.connect(t)
	c.roundTrip("c1 took a's place\n")
	b.roundTrip("b2\n")

	fourth := s.dial(t)
	fourth.expect(chatFull)
	expectEOF(t, fourth.conn)
	c.roundTrip("c2\n")

	s.waitLog("the fourth client turned away", func(log string) bool {
		ev := chatEventsOf(log, fourth.port)
		return len(ev) == 1 && ev[0].kind == "turned away"
	})
	s.stop()
	log := s.Stdout()
	if n := countChatEvents(log, "turned away"); n != 2 {
		t.Errorf("%d clients turned away, want 2; stdout:\n%s", n, log)
	}
	if n := countChatEvents(log, "connected"); n != 3 {
		t.Errorf("%d connects logged, want 3 (turned-away clients are not connected); stdout:\n%s", n, log)
	}
}

// A client that sends a lot and never reads is dropped once more than 1 MiB
// of replies is pending, and another client is served all along.
func TestServerDropsClientThatDoesNotRead(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	other := s.connect(t)

	// A client that lets less than 1 MiB pile up is kept: 16 lines of 60000
	// bytes (960 KB of replies) sent without reading, then all replies read.
	patient := s.dialSmallReceiveBuffer(t)
	var replies strings.Builder
	replies.WriteString(chatWelcome)
	for i := 0; i < 16; i++ {
		line := strings.Repeat(strconv.FormatInt(int64(i), 16), 60000) + "\n"
		patient.send(line)
		replies.WriteString("OK ... " + line)
	}
	other.roundTrip("served while one client does not read yet\n")
	patient.expect(replies.String())
	patient.roundTrip("the patient client was kept\n")

	conn := s.dialSmallReceiveBuffer(t).conn
	slowPort := conn.LocalAddr().(*net.TCPAddr).Port

	const limit = 64 << 20
	line := strings.Repeat("x", 60000) + "\n"
	started := make(chan struct{})
	type floodResult struct {
		sent int
		err  error
	}
	flooded := make(chan floodResult, 1)
	go func() {
		sent := 0
		var err error
		conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		for sent < limit && err == nil {
			var n int
			n, err = io.WriteString(conn, line)
			sent += n
			if sent >= 2<<20 && sent-n < 2<<20 {
				close(started)
			}
		}
		if sent < 2<<20 {
			close(started)
		}
		flooded <- floodResult{sent, err}
	}()

	<-started
	trips := 0
	var res floodResult
flood:
	for {
		other.roundTrip(fmt.Sprintf("served while the other floods, #%d\n", trips))
		trips++
		select {
		case res = <-flooded:
			break flood
		default:
		}
	}
	if res.err == nil || errors.Is(res.err, os.ErrDeadlineExceeded) {
		t.Fatalf("the flooding client was never cut off (sent %d bytes, err %v); stdout:\n%s", res.sent, res.err, s.Stdout())
	}
	if e := s.waitDisconnect(slowPort); e.why != "not reading its replies" {
		t.Errorf("the flooding client disconnected (%s), want (not reading its replies)", e.why)
	}
	t.Logf("flooding client cut off after %d bytes (%v); the other did %d round trips meanwhile", res.sent, res.err, trips)
	if res.sent < 1<<20 {
		t.Errorf("the flooding client was cut off after only %d bytes, before 1 MiB could pile up", res.sent)
	}
	other.roundTrip("served after the other was dropped\n")
	s.connect(t).roundTrip("a newcomer\n")
	s.checkConnectedOnce(slowPort, "not reading its replies")
}

// dialSmallReceiveBuffer connects with a small receive buffer, set before
// connecting, so replies the client does not read pile up in the server
// rather than in the kernel.
func (s *chatServer) dialSmallReceiveBuffer(t *testing.T) *chatClient {
	t.Helper()
	dialer := net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return err
	}}
	conn, err := dialer.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &chatClient{t: t, conn: conn, port: conn.LocalAddr().(*net.TCPAddr).Port}
}

// chatPieces is what the server answers to one line: "OK ... " + line, and a
// line longer than 64 KiB in pieces of 64 KiB (each with a "\n" added), the
// rest with its own newline.
func chatPieces(line string) string {
	var b strings.Builder
	for len(line) > chatMaxLine+1 {
		b.WriteString("OK ... " + line[:chatMaxLine] + "\n")
		line = line[chatMaxLine:]
	}
	b.WriteString("OK ... " + line)
	return b.String()
}

// A 200 KiB line sent without its newline, then the newline: answered in
// 64 KiB pieces, and the server carries on.
func TestServerLongLine(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	c, other := s.connect(t), s.connect(t)
	var body strings.Builder
	for i := 0; body.Len() < 200*1024; i++ {
		fmt.Fprintf(&body, "%07d,", i)
	}
	long := body.String()[:200*1024]
	want := chatPieces(long + "\n")
	if strings.Count(want, "OK ... ") != 4 {
		t.Fatalf("bad test: %d pieces", strings.Count(want, "OK ... "))
	}
	c.send(long)
	// The three full pieces come before the newline is sent.
	c.expect(want[:3*(7+chatMaxLine+1)])
	other.roundTrip("served during a long line\n")
	c.send("\n")
	c.expect(want[3*(7+chatMaxLine+1):])
	c.roundTrip("short again\n")
	other.roundTrip("still served\n")
}

// The pieces of a long line do not depend on how its bytes arrive: the line
// comes as 64 KiB + 60000 bytes (the first piece's reply shows the server has
// read that far), then 10000 bytes and the newline. Whether the server still
// holds an unanswered 60000-byte remainder when the newline arrives depends on
// timing, so this is tried 20 times: every time the 135537-byte line must come
// back as 65536 + 65536 + 4465 bytes, never with a reply over 64 KiB.
func TestServerLongLineAcrossReads(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	c := s.connect(t)
	r := bufio.NewReader(c.conn)
	for attempt := 1; attempt <= 20; attempt++ {
		first := strings.Repeat(string(rune('a'+attempt)), chatMaxLine+60000)
		rest := strings.Repeat("-", 10000) + "\n"
		want := strings.SplitAfter(chatPieces(first+rest), "\n")
		want = want[:len(want)-1] // after the last "\n"
		c.conn.SetDeadline(time.Now().Add(10 * time.Second))
		c.send(first)
		for i, w := range want {
			if i == 1 {
				c.send(rest)
			}
			// A reply's only newline is its last byte, so a wrong split
			// shows as its size at once.
			got, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("attempt %d, reply %d: %v after %d bytes", attempt, i+1, err, len(got))
			}
			if got != w {
				t.Fatalf("attempt %d: reply %d is %d bytes (%s), want %d bytes (%s): a line over 64 KiB was not answered in 64 KiB pieces",
					attempt, i+1, len(got), chatBrief(got), len(w), chatBrief(w))
			}
		}
	}
	line := "short again\n"
	c.send(line)
	if got, err := r.ReadString('\n'); err != nil || got != "OK ... "+line {
		t.Fatalf("got %q (%v), want %q", got, err, "OK ... "+line)
	}
}

// 200 Go clients at once, each doing a few round trips; every reply checked.
func TestServer200Clients(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	const clients, trips = 200, 3
	errs := make(chan error, clients)
	portsc := make(chan int, clients)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- func() error {
				conn, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
				if err != nil {
					return err
				}
				defer conn.Close()
				portsc <- conn.LocalAddr().(*net.TCPAddr).Port
				conn.SetDeadline(time.Now().Add(20 * time.Second))
				want := chatWelcome
				for j := 0; j <= trips; j++ {
					buf := make([]byte, len(want))
					if _, err := io.ReadFull(conn, buf); err != nil {
						return fmt.Errorf("client %d, step %d: %v (got %q)", i, j, err, buf)
					}
					if string(buf) != want {
						return fmt.Errorf("client %d, step %d: got %q, want %q", i, j, buf, want)
					}
					if j == trips {
						break
					}
					line := fmt.Sprintf("client %d trip %d %s\n", i, j, strings.Repeat(strconv.Itoa(i), j*50))
					if _, err := io.WriteString(conn, line); err != nil {
						return fmt.Errorf("client %d, step %d: %v", i, j, err)
					}
					want = "OK ... " + line
				}
				return nil
			}()
		}(i)
	}
	wg.Wait()
	close(errs)
	close(portsc)
	failed := 0
	for err := range errs {
		if err != nil {
			if failed < 10 {
				t.Error(err)
			}
			failed++
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d clients failed", failed, clients)
	}
	s.waitLog("200 disconnects", func(log string) bool { return countChatEvents(log, "disconnected") >= clients })
	for port := range portsc {
		s.checkConnectedOnce(port, "closed by client")
	}
	if n := countChatEvents(s.Stdout(), "connected"); n != clients {
		t.Errorf("%d connects logged, want %d", n, clients)
	}
	s.connect(t).roundTrip("the server is still fine\n")
}

// Ctrl-C ends the server with status 130, and connected clients see EOF.
func TestServerInterrupt(t *testing.T) {
	s := startChatServer(t, "127.0.0.1")
	a, b := s.connect(t), s.connect(t)
	a.roundTrip("before the interrupt\n")
	b.send("a partial line")
	s.waitLog("both connects", func(log string) bool { return countChatEvents(log, "connected") == 2 })
	if code := s.interrupt(); code != 130 {
		t.Errorf("status %d after SIGINT, want 130; stderr:\n%s", code, s.Stderr())
	}
	expectEOF(t, a.conn)
	expectEOF(t, b.conn)
	if _, err := net.DialTimeout("tcp", s.addr, 5*time.Second); err == nil {
		t.Errorf("the listening socket still accepts after the server ended")
	}
}

// On ::1 the server listens, logs IPv6 clients by their address and serves
// them like any other.
func TestServerIPv6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	s := startChatServer(t, "::1")
	a, b := s.connect(t), s.connect(t)
	a.roundTrip("over ipv6\n")
	b.roundTrip("bin\x00\xff over ipv6\r\n")
	a.roundTrip("again\n")
	if _, err := exec.LookPath("nc"); err == nil {
		_, port, _ := net.SplitHostPort(s.addr)
		p := startChatTool(t, "", "nc", "-N", "::1", port)
		p.waitData(chatWelcome)
		p.send("nc over ipv6\n")
		p.waitData(chatWelcome + "OK ... nc over ipv6\n")
		if err := p.finish(); err != nil {
			t.Errorf("nc: %v", err)
		}
	}
	a.conn.Close()
	b.conn.Close()
	s.waitDisconnect(a.port)
	s.waitDisconnect(b.port)
	s.checkConnectedOnce(a.port, "closed by client")
	s.checkConnectedOnce(b.port, "closed by client")
}
