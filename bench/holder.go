package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Idle clients are held by a helper process of their own, one per server
// (`bench idleholder ADDR N LIMIT`): each process has its own open-file limit,
// so several servers can hold 10,000 idle clients each while the benchmark
// alternates between them.
//
// The helper prints "progress K" while connecting, then "ready N" or
// "fail REASON"; on "ping" from stdin it checks a few of its clients are
// still served and answers "ok" or "fail REASON"; it ends at stdin's EOF,
// dropping its connections with a reset (no TIME_WAIT left behind).

func idleHolder(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench idleholder ADDR:PORT N LIMIT")
		return 2
	}
	n, err1 := strconv.Atoi(args[1])
	limit, err2 := time.ParseDuration(args[2])
	if err1 != nil || err2 != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "usage: bench idleholder ADDR:PORT N LIMIT")
		return 2
	}
	raiseNofile()
	conns, err := openIdle(args[0], n, limit)
	if err != nil {
		fmt.Printf("fail %s\n", oneLine(err.Error()))
	} else {
		fmt.Printf("ready %d\n", n)
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "ping" && err == nil {
			if err := pingIdle(conns); err != nil {
				fmt.Printf("fail %s\n", oneLine(err.Error()))
			} else {
				fmt.Println("ok")
			}
		}
	}
	goruntime.KeepAlive(conns) // a collected conn would be closed
	return 0
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// raiseNofile raises the open-file limit to the hard limit and returns it.
func raiseNofile() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "bench: raising the open-file limit:", err)
	}
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return lim.Cur
}

// openIdle opens n clients that read their welcome and then stay silent,
// 32 connecting at a time. On failure the connections made so far stay
// open (so the server's reaction to the failure is not muddled by resets).
func openIdle(addr string, n int, limit time.Duration) ([]*net.TCPConn, error) {
	conns := make([]*net.TCPConn, n)
	var stale []*net.TCPConn // failed ones, kept open until the process ends
	var staleMu sync.Mutex
	var next, done atomic.Int64
	var failed atomic.Bool
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; failed.Store(true) })
	}
	deadline := time.Now().Add(limit)
	tooSlow := func() error {
		return fmt.Errorf("only %s of %s idle clients connected and welcomed within %v", commas(done.Load()), commas(int64(n)), limit)
	}
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				timeout := min(15*time.Second, time.Until(deadline))
				if timeout <= 0 {
					fail(tooSlow())
					return
				}
				c, err := dialOnly(addr, timeout)
				if err != nil && c != nil {
					staleMu.Lock()
					stale = append(stale, c)
					staleMu.Unlock()
				}
				if err != nil {
					if time.Now().After(deadline) {
						err = tooSlow()
					} else {
						err = fmt.Errorf("idle client %d of %d: %v", i+1, n, err)
					}
					fail(err)
					return
				}
				c.SetLinger(0) // closed by a reset when this process ends
				conns[i] = c
				done.Add(1)
			}
		}()
	}
	stopProgress := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				fmt.Printf("progress %d\n", done.Load())
			}
		}
	}()
	wg.Wait()
	close(stopProgress)
	if firstErr != nil {
		conns = append(conns, stale...)
	}
	return conns, firstErr
}

// pingIdle checks that idle clients are still served: a few of the first
// and last connected each send a line and must get its reply.
func pingIdle(conns []*net.TCPConn) error {
	var idx []int
	for i := 0; i < 3 && i < len(conns); i++ {
		idx = append(idx, i, len(conns)-1-i)
	}
	for _, i := range idx {
		if err := exchange(conns[i], []byte("still there? "+strconv.Itoa(i)+"\n")); err != nil {
			return fmt.Errorf("idle client %d of %d after the run: %v", i+1, len(conns), err)
		}
	}
	return nil
}

// holder is a running idleholder process.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	done  chan struct{}
}

// startHolder opens n idle clients to the server from a helper process and
// waits until they are all welcomed (or the helper gives up).
func startHolder(e *env, addr string, n int, limit time.Duration, progress func(string)) (*holder, error) {
	cmd := exec.Command(e.self, "idleholder", addr, strconv.Itoa(n), limit.String())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &holder{cmd: cmd, stdin: stdin, lines: make(chan string, 16), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
		cmd.Wait()
		close(h.done)
	}()
	for line := range h.lines {
		switch {
		case strings.HasPrefix(line, "progress "):
			progress(strings.TrimPrefix(line, "progress "))
		case strings.HasPrefix(line, "ready "):
			return h, nil
		case strings.HasPrefix(line, "fail "):
			return h, fmt.Errorf("%s", strings.TrimPrefix(line, "fail "))
		}
	}
	return h, fmt.Errorf("idle-client helper ended without a result")
}

// ping asks the helper to check its clients are still served.
func (h *holder) ping() error {
	if _, err := io.WriteString(h.stdin, "ping\n"); err != nil {
		return fmt.Errorf("idle-client helper: %v", err)
	}
	for line := range h.lines {
		switch {
		case line == "ok":
			return nil
		case strings.HasPrefix(line, "fail "):
			return fmt.Errorf("%s", strings.TrimPrefix(line, "fail "))
		}
	}
	return fmt.Errorf("idle-client helper ended")
}

// close ends the helper, which drops its connections.
func (h *holder) close() {
	if h == nil {
		return
	}
	h.stdin.Close()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		h.cmd.Process.Kill()
		<-h.done
	}
}
