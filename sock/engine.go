package sock

import (
	"container/heap"
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The engine: one readiness poller per script (epoll or kqueue), in which
// every socket is registered once, edge-triggered, for its whole life; a
// timer heap beside it; and the queue of ops that wait on them.
//
// A call that must wait (its first nonblocking try said EAGAIN) becomes an
// Op: its Attempt is tried again each time one of its sockets is reported
// ready, until it says something other than EAGAIN, its deadline passes,
// its socket is closed or the script is stopped; then Done gets the outcome.
// No goroutine waits for it: the scheduler waits on the engine (Poll), and
// the engine resumes exactly the ops whose sockets or timers are ready.
//
// Poll parks the script's goroutine on the poller's own descriptor through
// Go's network poller (cqueues' trick of nesting one loop in another), so a
// wait costs no thread hand-off: the goroutine sleeps as any Go network
// read does, and the nearest timer is the descriptor's read deadline.

// Dir is what a waiting call waits for.
type Dir uint8

const (
	Read Dir = iota
	Write
)

var (
	// ErrStopped is what waiting calls get when the script is being stopped.
	ErrStopped = errors.New("script stopped")
	// ErrTimeout is what an op gets when its deadline passes.
	ErrTimeout = errors.New("timed out")
)

// ErrClosed is what the calls waiting on a socket get when it is closed:
// EBADF, as a call on a closed descriptor reports.
const ErrClosed = unix.EBADF

// Op is one call that waits on the engine.
type Op struct {
	// Attempt makes one nonblocking try when a watched socket is ready; it
	// returns unix.EAGAIN to go on waiting. With no Attempt the op waits for
	// its deadline only (a sleep).
	Attempt func() error
	// Done receives the outcome once: Attempt's result, ErrTimeout,
	// ErrClosed or ErrStopped. It runs on the script's goroutine inside the
	// engine's own calls, so it must not call back into the engine.
	Done func(err error)

	sock     *Socket // the socket watched, or nil
	dir      Dir
	watches  []Watch // more sockets (select)
	deadline time.Time
	index    int // in the timer heap; -1 when not there
	active   bool
}

// Watch is one socket and direction an op waits for.
type Watch struct {
	S   *Socket
	Dir Dir
}

// Engine is one script's readiness engine, and the registry of its sockets.
type Engine struct {
	p      poller
	file   *os.File // the poller's descriptor, parked on through Go's poller
	raw    syscall.RawConn
	armed  time.Time // the read deadline set on file
	byFD   []*Socket // open sockets by descriptor number
	open   int
	nextID int
	timers timerHeap
	ops    int       // active ops
	kicked []*Socket // sockets whose write lock was released
	spare  []*Op     // scratch for retrying a socket's waiters
	verify []unix.PollFd
	buf    []byte // the receive scratch buffer (see scratch)

	// MaxSockets bounds the open sockets (0: no bound); more fail with EMFILE.
	MaxSockets int
	// Policy decides which addresses the script may reach (nil: any).
	Policy *Policy
	// Resolver does every host-name lookup.
	Resolver Resolver

	stopping atomic.Bool
	ctx      context.Context // cancelled by Stop: ends name lookups
	cancel   context.CancelFunc
	mu       sync.Mutex // guards posted
	posted   []posted
	goOps    int // Go calls (Engine.Go) whose goroutine has not reported

	tryWait func(uintptr) bool // e.tryWait, made once
	got     int                // its results
	waitErr error
}

type posted struct {
	op  *Op
	err error
}

// NewEngine makes a script's engine.
func NewEngine() (*Engine, error) {
	p, err := newPoller()
	if err != nil {
		return nil, err
	}
	file := os.NewFile(uintptr(p.fd()), "poller")
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		p.closeWake()
		return nil, err
	}
	e := &Engine{p: p, file: file, raw: raw, Resolver: NewResolver("")}
	e.tryWait = e.waitOnce
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

// Stop makes every wait return ErrStopped, now and from now on. It is safe
// from any goroutine (the signal handler's, the --timeout timer's).
func (e *Engine) Stop() {
	if e.stopping.CompareAndSwap(false, true) {
		e.cancel()
		e.p.wake()
	}
}

// Context is cancelled when the script is stopped: a lookup given it ends then.
func (e *Engine) Context() context.Context { return e.ctx }

// Stopping reports whether Stop was called.
func (e *Engine) Stopping() bool { return e.stopping.Load() }

// Pending reports whether any op is waiting (so that waiting on the engine
// can end).
func (e *Engine) Pending() bool { return e.ops > 0 || len(e.kicked) > 0 }

// Wait makes op wait for s to be ready in dir, for at most timeout (0: no
// limit).
func (e *Engine) Wait(op *Op, s *Socket, dir Dir, timeout time.Duration) {
	op.sock, op.dir, op.watches = s, dir, nil
	e.arm(op, timeout)
	s.waiters[dir] = append(s.waiters[dir], op)
}

// WaitAll makes op wait for any of watches, for at most timeout (0: no
// limit). The engine keeps the slice until op is done.
func (e *Engine) WaitAll(op *Op, watches []Watch, timeout time.Duration) {
	op.sock, op.watches = nil, watches
	e.arm(op, timeout)
	for _, w := range watches {
		w.S.waiters[w.Dir] = append(w.S.waiters[w.Dir], op)
	}
}

// Sleep makes op wait for its deadline only; d < 0 waits until Stop.
func (e *Engine) Sleep(op *Op, d time.Duration) {
	op.sock, op.watches, op.Attempt = nil, nil, nil
	if d == 0 {
		d = 1 // an expired deadline, not "no deadline"
	}
	e.arm(op, max(d, 0))
}

func (e *Engine) arm(op *Op, timeout time.Duration) {
	op.active = true
	op.index = -1
	e.ops++
	if timeout > 0 {
		op.deadline = time.Now().Add(timeout)
		heap.Push(&e.timers, op)
	}
}

// Go runs fn on a goroutine of its own, for a call that cannot be made a
// nonblocking attempt (crypto/tls); op is finished with fn's result on the
// script's goroutine. fn must touch nothing but values only it uses.
func (e *Engine) Go(op *Op, fn func() error) {
	op.sock, op.watches, op.Attempt = nil, nil, nil
	e.arm(op, 0)
	e.goOps++
	go func() {
		err := fn()
		e.mu.Lock()
		e.posted = append(e.posted, posted{op, err})
		e.mu.Unlock()
		e.p.wake()
	}()
}

// WaitFor waits on the engine until op is done, finishing other ops as they
// become ready: it is how a call that cannot yield waits.
func (e *Engine) WaitFor(op *Op) error {
	for op.active {
		if err := e.Poll(true); err != nil {
			return err
		}
	}
	return nil
}

// Poll takes the readiness the poller has collected and finishes the ops it
// makes ready, then the expired timers. With block, it first waits until
// something is ready, the nearest deadline passes, or Stop is called.
func (e *Engine) Poll(block bool) error {
	if e.stopping.Load() {
		return ErrStopped
	}
	block = block && len(e.kicked) == 0
	n, err := e.collect(block)
	if err != nil {
		return err
	}
	e.dispatch(n)
	// A full batch may have left events behind: take them all, so that
	// every socket's state is as of this Poll (Check relies on it).
	for n == e.p.batch() {
		if n, err = e.p.wait(); err != nil {
			return err
		}
		e.dispatch(n)
	}
	e.release()
	e.expire()
	e.takePosted()
	if e.stopping.Load() {
		return ErrStopped
	}
	return nil
}

// collect reads the poller's events, parking until there are some if block.
func (e *Engine) collect(block bool) (int, error) {
	if !block {
		return e.p.wait()
	}
	var deadline time.Time
	if len(e.timers) > 0 {
		deadline = e.timers[0].deadline
		if !deadline.After(time.Now()) {
			return e.p.wait()
		}
	}
	if !deadline.Equal(e.armed) {
		e.file.SetReadDeadline(deadline) //nolint:errcheck // the poller's file always takes deadlines
		e.armed = deadline
	}
	e.got, e.waitErr = 0, nil
	err := e.raw.Read(e.tryWait)
	switch {
	case e.waitErr != nil:
		return 0, e.waitErr
	case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
		return 0, err
	}
	return e.got, nil
}

// tryWait is the nonblocking wait that Go's poller retries each time the
// poller's descriptor is readable (made once, so parking allocates nothing).
func (e *Engine) waitOnce(uintptr) bool {
	e.got, e.waitErr = e.p.wait()
	return e.got > 0 || e.waitErr != nil || e.stopping.Load()
}

// dispatch records what the events say about each socket and retries the
// ops waiting on it. An event's readiness is the socket's state when the
// poller was read (epoll and kqueue poll the socket as they report it).
func (e *Engine) dispatch(n int) {
	for i := range n {
		fd, r := e.p.event(i)
		if fd == e.p.wakeFD() {
			e.p.drainWake()
			continue
		}
		if fd < 0 || fd >= len(e.byFD) || e.byFD[fd] == nil {
			continue
		}
		s := e.byFD[fd]
		for dir := range r.known {
			if !r.known[dir] {
				continue
			}
			s.state[dir] = stateNotReady
			if r.ready[dir] {
				s.state[dir] = stateReady
			}
		}
		if r.ready[Read] {
			e.retry(s, Read)
		}
		if r.ready[Write] && !s.closed {
			e.retry(s, Write)
		}
	}
}

// report is what one event says of a socket: for each direction, whether
// it says anything, and if so whether the socket is ready.
type report struct {
	known, ready [2]bool
}

// retry tries again every op waiting on s in dir.
func (e *Engine) retry(s *Socket, dir Dir) {
	if len(s.waiters[dir]) == 0 {
		return
	}
	ops := append(e.spare[:0], s.waiters[dir]...)
	e.spare = nil // in use; a nested retry makes its own
	for _, op := range ops {
		if !op.active || op.Attempt == nil {
			continue
		}
		if err := op.Attempt(); err != unix.EAGAIN {
			e.finish(op, err)
		}
	}
	clear(ops)
	e.spare = ops[:0]
}

// release retries the writers waiting on sockets whose write lock was let go.
func (e *Engine) release() {
	for len(e.kicked) > 0 {
		s := e.kicked[0]
		e.kicked = e.kicked[1:]
		if !s.closed {
			e.retry(s, Write)
		}
	}
	e.kicked = nil
}

// expire finishes the ops whose deadline has passed.
func (e *Engine) expire() {
	if len(e.timers) == 0 {
		return
	}
	now := time.Now()
	for len(e.timers) > 0 && !e.timers[0].deadline.After(now) {
		op := heap.Pop(&e.timers).(*Op)
		e.finish(op, ErrTimeout)
	}
}

// takePosted finishes the ops whose goroutine (Engine.Go) has reported.
func (e *Engine) takePosted() {
	if e.goOps == 0 {
		return
	}
	e.mu.Lock()
	done := e.posted
	e.posted = nil
	e.mu.Unlock()
	for _, p := range done {
		e.goOps--
		if p.op.active {
			e.finish(p.op, p.err)
		}
	}
}

// finish ends op's wait and hands it its outcome.
func (e *Engine) finish(op *Op, err error) {
	if !op.active {
		return
	}
	op.active = false
	e.ops--
	if op.sock != nil {
		op.sock.forget(op.dir, op)
	}
	for _, w := range op.watches {
		w.S.forget(w.Dir, op)
	}
	if op.index >= 0 {
		heap.Remove(&e.timers, op.index)
	}
	if op.Done != nil {
		op.Done(err)
	}
}

// Cancel ends op's wait without calling Done.
func (e *Engine) Cancel(op *Op) {
	done := op.Done
	op.Done = nil
	e.finish(op, nil)
	op.Done = done
}

// Close ends the engine: the Go calls still running are interrupted and
// waited for, every socket is closed (their ops are dropped without Done),
// and the poller is released.
func (e *Engine) Close() {
	e.Stop()
	e.file.SetReadDeadline(time.Time{}) //nolint:errcheck
	for _, s := range e.byFD {
		if s != nil && s.tls != nil {
			s.tls.interrupt()
		}
		if s != nil && s.handshaking != nil {
			s.handshaking.interrupt()
		}
	}
	for e.goOps > 0 {
		e.mu.Lock()
		n := len(e.posted)
		e.goOps -= n
		e.posted = nil
		e.mu.Unlock()
		if e.goOps > 0 {
			e.raw.Read(func(uintptr) bool { //nolint:errcheck // only waiting for the wake-up
				e.p.drainWake()
				e.mu.Lock()
				defer e.mu.Unlock()
				return len(e.posted) > 0
			})
		}
	}
	for _, s := range e.byFD {
		if s != nil {
			for dir := range s.waiters {
				for _, op := range s.waiters[dir] {
					op.Done = nil
				}
			}
			e.CloseSocket(s)
		}
	}
	e.file.Close()
	e.p.closeWake()
}

// SocketByFD returns the open socket with this descriptor, or nil: how a
// binding finds the socket behind a descriptor number its script holds
// (LuaSocket's getfd/setfd and select).
func (e *Engine) SocketByFD(fd int) *Socket {
	if fd < 0 || fd >= len(e.byFD) {
		return nil
	}
	return e.byFD[fd]
}

// OpenSockets counts the sockets not yet closed.
func (e *Engine) OpenSockets() int { return e.open }

// AtSocketLimit reports whether MaxSockets sockets are open.
func (e *Engine) AtSocketLimit() bool { return e.MaxSockets > 0 && e.open >= e.MaxSockets }

// timerHeap orders waiting ops by deadline.
type timerHeap []*Op

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	op := x.(*Op)
	op.index = len(*h)
	*h = append(*h, op)
}
func (h *timerHeap) Pop() any {
	old := *h
	op := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	op.index = -1
	return op
}
