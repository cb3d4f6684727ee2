package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The load generator: plain Go clients over 127.0.0.1, every reply checked
// byte for byte.

const replyTimeout = 5 * time.Second // a reply slower than this is an error

// dialClient connects and reads the welcome, which must be exact.
func dialClient(addr string, timeout time.Duration) (*net.TCPConn, error) {
	c, err := dialOnly(addr, timeout)
	if err != nil && c != nil {
		c.Close()
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// dialOnly is dialClient, but leaves the connection open when the welcome
// is late or wrong: closing it would reset a connection the server may not
// have accepted yet, and its warnings about that would hide the real failure.
func dialOnly(addr string, timeout time.Duration) (*net.TCPConn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	tc := c.(*net.TCPConn)
	tc.SetReadDeadline(time.Now().Add(timeout))
	got := make([]byte, len(welcome))
	n, err := io.ReadFull(tc, got)
	switch {
	case err != nil && isTimeout(err):
		return tc, fmt.Errorf("no welcome within %v (got %d of %d bytes)", timeout.Round(time.Millisecond), n, len(welcome))
	case err != nil:
		return tc, fmt.Errorf("reading welcome: %w (got %q)", err, got[:n])
	case string(got) != welcome:
		return tc, fmt.Errorf("wrong welcome: %q", got)
	}
	tc.SetReadDeadline(time.Time{})
	return tc, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// exchange sends line and checks that the reply is "OK ... " + line.
func exchange(c *net.TCPConn, line []byte) error {
	want := append([]byte("OK ... "), line...)
	c.SetDeadline(time.Now().Add(replyTimeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(line); err != nil {
		return fmt.Errorf("write: %v", err)
	}
	got := make([]byte, len(want))
	n, err := io.ReadFull(c, got)
	if err != nil {
		return fmt.Errorf("no reply: %v (got %q)", err, got[:n])
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("wrong reply %q", got)
	}
	return nil
}

// counter is padded to its own cache line.
type counter struct {
	n atomic.Int64
	_ [56]byte
}

// group is the active clients of one server: each sends a line, waits for
// its reply, checks it and repeats, while the group runs. Groups of
// different servers take turns (pause, resume), so that every server is
// measured in short slices spread over the same stretch of time.
type group struct {
	s      *server
	conns  []*net.TCPConn
	counts []counter

	running atomic.Bool
	stopped atomic.Bool
	mu      sync.Mutex
	cond    *sync.Cond
	parked  int // clients waiting for resume
	ended   int // clients that returned (failed or stopped)
	wg      sync.WaitGroup
	errs    []string
}

// newGroup connects n clients (each reads its welcome) and starts them paused.
func newGroup(s *server, n int) (*group, error) {
	g := &group{s: s, counts: make([]counter, n)}
	g.cond = sync.NewCond(&g.mu)
	for i := 0; i < n; i++ {
		c, err := dialClient(s.addr, 10*time.Second)
		if err != nil {
			for _, c := range g.conns {
				c.Close()
			}
			return nil, fmt.Errorf("active client %d of %d: %v", i+1, n, err)
		}
		g.conns = append(g.conns, c)
	}
	for i, c := range g.conns {
		g.wg.Add(1)
		go g.client(i, c)
	}
	return g, nil
}

func (g *group) client(i int, c *net.TCPConn) {
	defer g.wg.Done()
	defer func() {
		g.mu.Lock()
		g.ended++
		g.cond.Broadcast()
		g.mu.Unlock()
	}()
	prefix := []byte("hello from client " + strconv.Itoa(i) + ", message ")
	msg := make([]byte, 0, 64)
	want := make([]byte, 0, 72)
	got := make([]byte, 72)
	for seq := int64(0); ; seq++ {
		if !g.running.Load() {
			g.mu.Lock()
			g.parked++
			g.cond.Broadcast()
			for !g.running.Load() && !g.stopped.Load() {
				g.cond.Wait()
			}
			g.parked--
			g.mu.Unlock()
		}
		if g.stopped.Load() {
			return
		}
		msg = append(append(msg[:0], prefix...), strconv.FormatInt(seq, 10)...)
		msg = append(msg, '\n')
		want = append(append(want[:0], "OK ... "...), msg...)
		got = got[:len(want)]
		var err error
		if _, err = c.Write(msg); err == nil {
			var k int
			k, err = io.ReadFull(c, got)
			switch {
			case err == nil && !bytes.Equal(got, want):
				err = fmt.Errorf("wrong reply %q, want %q", got, want)
			case isTimeout(err):
				err = fmt.Errorf("no reply within %v (got %q of %q)", replyTimeout, got[:k], want)
			case err != nil:
				err = fmt.Errorf("%v (got %q of reply %q)", err, got[:k], want)
			}
		}
		if err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, fmt.Sprintf("client %d: %v", i+1, err))
			g.mu.Unlock()
			return
		}
		g.counts[i].n.Add(1)
	}
}

func (g *group) msgs() int64 {
	var t int64
	for i := range g.counts {
		t += g.counts[i].n.Load()
	}
	return t
}

func (g *group) resume() {
	g.mu.Lock()
	g.running.Store(true)
	g.cond.Broadcast()
	g.mu.Unlock()
}

// pause stops the clients after their current round trip; one whose reply
// does not come within replyTimeout fails.
func (g *group) pause() {
	g.running.Store(false)
	g.waitAll(func() bool { return g.parked+g.ended == len(g.conns) })
}

// waitAll waits until done() holds, forcing stuck clients to fail after
// replyTimeout.
func (g *group) waitAll(done func() bool) {
	fired := make(chan struct{})
	timer := time.AfterFunc(replyTimeout, func() {
		for _, c := range g.conns {
			c.SetReadDeadline(time.Now())
		}
		close(fired)
	})
	g.mu.Lock()
	for !done() {
		g.cond.Wait()
	}
	g.mu.Unlock()
	if !timer.Stop() {
		<-fired
		for _, c := range g.conns {
			c.SetReadDeadline(time.Time{})
		}
	}
}

// close ends the clients and their connections (gracefully: FIN).
func (g *group) close() {
	g.mu.Lock()
	g.stopped.Store(true)
	g.cond.Broadcast()
	g.mu.Unlock()
	g.waitAll(func() bool { return g.ended == len(g.conns) })
	g.wg.Wait()
	for _, c := range g.conns {
		c.Close()
	}
}

func (g *group) failures() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.errs...)
}

// runBulk echoes total bytes through one connection as lines of lineLen
// bytes plus "\n", a writer and a reader running at once; at most window
// bytes are in flight. It returns MB/s (10^6 bytes) of lines echoed.
func runBulk(s *server, total int64, lineLen, window int, limit time.Duration) (float64, error) {
	c, err := dialClient(s.addr, 10*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	// 26 distinct lines (no "\n" inside), reused in turn.
	var lines, replies [26][]byte
	for k := range lines {
		l := make([]byte, lineLen+1)
		for j := 0; j < lineLen; j++ {
			l[j] = byte(' ' + (k+j)%94)
		}
		l[lineLen] = '\n'
		lines[k] = l
		replies[k] = append([]byte("OK ... "), l...)
	}
	count := int((total + int64(lineLen)) / int64(lineLen+1))
	tokens := make(chan struct{}, max(1, window/(lineLen+1)))
	c.SetDeadline(time.Now().Add(limit))

	start := time.Now()
	writeErr := make(chan error, 1)
	go func() {
		for i := 0; i < count; i++ {
			tokens <- struct{}{}
			if _, err := c.Write(lines[i%26]); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	got := make([]byte, len(replies[0]))
	var readErr error
	for done := 0; done < count; done++ {
		want := replies[done%26]
		var n int
		n, readErr = io.ReadFull(c, got)
		if readErr != nil {
			readErr = fmt.Errorf("reply %d of %d: %v (%d of %d bytes)", done+1, count, readErr, n, len(want))
			break
		}
		if !bytes.Equal(got, want) {
			at := 0
			for at < len(got) && got[at] == want[at] {
				at++
			}
			readErr = fmt.Errorf("reply %d of %d differs at byte %d: got %q", done+1, count, at, got[at:min(len(got), at+40)])
			break
		}
		<-tokens
	}
	elapsed := time.Since(start)
	if readErr != nil {
		c.Close() // unblocks the writer
		<-writeErr
		if isTimeout(readErr) {
			return 0, fmt.Errorf("not done within %v: %v", limit, readErr)
		}
		return 0, readErr
	}
	if err := <-writeErr; err != nil {
		return 0, fmt.Errorf("write: %v", err)
	}
	return float64(count*(lineLen+1)) / 1e6 / elapsed.Seconds(), nil
}
