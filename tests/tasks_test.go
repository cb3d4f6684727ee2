package tests

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

const taskWelcome = "Welcome to php socket server version 1.0 \nEnter a message and press enter, and i shall reply back \n"

// taskClient is a Go client of a tutorial-protocol server.
type taskClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func taskDial(t *testing.T, addr string) *taskClient {
	t.Helper()
	c := &taskClient{t: t, conn: dialTCP(t, addr)}
	c.r = bufio.NewReader(c.conn)
	if got := c.read(len(taskWelcome)); got != taskWelcome {
		t.Fatalf("welcome %q", got)
	}
	return c
}

func (c *taskClient) read(n int) string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, n)
	if _, err := ioReadFull(c.r, buf); err != nil {
		c.t.Fatalf("read: %v (got %q)", err, buf)
	}
	return string(buf)
}

func (c *taskClient) roundTrip(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line)); err != nil {
		c.t.Fatal(err)
	}
	if got, want := c.read(len("OK ... "+line)), "OK ... "+line; got != want {
		c.t.Fatalf("reply %q, want %q", got, want)
	}
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// scripts/concurrent_server.lua serves clients at once, one task each: a
// client that stays silent holds no one up, one that leaves mid-session is
// logged once, and 300 concurrent clients all get their replies.
func TestConcurrentServer(t *testing.T) {
	p := startSockrun(t, "scripts/concurrent_server.lua", "127.0.0.1", "0")
	addr := p.waitLine(`^Listening on (127\.0\.0\.1:\d+)$`)[1]
	p.waitLine(`^Waiting for incoming connections`)

	silent := taskDial(t, addr) // connects first and says nothing
	leaving := taskDial(t, addr)
	leaving.roundTrip("bye\n")
	leaving.conn.Close()
	talker := taskDial(t, addr)
	talker.roundTrip("hello\r\n")
	talker.roundTrip("bin\x00\xff\n")
	silent.roundTrip("finally\n")

	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			r := bufio.NewReader(conn)
			buf := make([]byte, len(taskWelcome))
			if _, err := ioReadFull(r, buf); err != nil || string(buf) != taskWelcome {
				errs <- fmt.Errorf("client %d welcome %q %v", i, buf, err)
				return
			}
			for j := 0; j < 5; j++ {
				line := fmt.Sprintf("client %d message %d\n", i, j)
				conn.Write([]byte(line))
				got, err := r.ReadString('\n')
				if err != nil || got != "OK ... "+line {
					errs <- fmt.Errorf("client %d: reply %q, want %q (%v)", i, got, "OK ... "+line, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every client has closed; wait until the server has seen each leave.
	for i := 0; i < n+1; i++ {
		p.waitLine(`disconnected \(closed by client\)\.`)
	}
	if code := p.interrupt(); code != 130 {
		t.Errorf("status %d after Ctrl-C, want 130", code)
	}
	log := p.Stdout()
	if c := strings.Count(log, "is now connected to us."); c != n+3 {
		t.Errorf("%d connects logged, want %d", c, n+3)
	}
	if c := strings.Count(log, "disconnected (closed by client)."); c != n+1 {
		t.Errorf("%d disconnects logged, want %d (the 300 and the one that left)", c, n+1)
	}
}

// examples/12_thread_per_connection.lua keeps each client for a whole
// conversation in its own task: a second client is served while the first
// is still connected and silent, which the tutorial's live server cannot do.
func TestExample12ThreadPerConnection(t *testing.T) {
	var p *process
	var addr string
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		p = startSockrun(t, "examples/12_thread_per_connection.lua", "127.0.0.1", port)
		line := p.waitLine(`^(Waiting for incoming connections|Could not bind)`)
		if strings.HasPrefix(line[0], "Waiting") {
			addr = "127.0.0.1:" + port
			break
		}
		if attempt == 3 {
			t.Fatalf("could not bind: %s", p.Stdout())
		}
	}
	first := taskDial(t, addr)
	second := taskDial(t, addr)
	second.roundTrip("second client\n")
	first.roundTrip("first client\n")
	second.conn.Close()
	p.waitLine(`has left\.`)
	first.roundTrip("still here\n")
	p.interrupt()
	if c := strings.Count(p.Stdout(), "Sending output to client"); c != 3 {
		t.Errorf("%d replies logged, want 3:\n%s", c, p.Stdout())
	}
}
