package script

import (
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"sockrun/sock"
)

// How a LuaSocket call waits: as a socket_* call does (see tasks.go). Its
// first nonblocking attempt is made at once; if it says EAGAIN and the
// object's timeouts leave time, the attempt becomes an op of the engine,
// retried each time the socket is ready, until it says something else or
// the deadline passes. A LuaSocket call is often several system calls (a
// line is several receives, a send goes in 8 KB steps, a connect tries each
// address), so each attempt takes up where the last one stopped: its
// progress lives in the call's own values, never in the attempt's locals.
//
// The outcome reaches push as: the attempt's result; EAGAIN when the
// deadline had passed before any wait (settimeout(0)); sock.ErrTimeout when
// it passed during the wait (both read "timeout"); sock.ErrClosed when the
// object was closed meanwhile ("closed"); errStopped when the script is
// being stopped (push raises it).

// lsDeadline is when a LuaSocket operation gives up: LuaSocket's timeout
// control (block and total timeouts, both counted from the operation's
// start). never: no limit.
type lsDeadline struct {
	never bool
	at    time.Time
}

// newDeadline starts an operation's clock; block and total are seconds,
// negative for "no limit".
func newDeadline(block, total float64) lsDeadline {
	limit := -1.0
	for _, t := range []float64{block, total} {
		if t >= 0 && (limit < 0 || t < limit) {
			limit = t
		}
	}
	if limit < 0 {
		return lsDeadline{never: true}
	}
	return lsDeadline{at: time.Now().Add(time.Duration(limit * float64(time.Second)))}
}

// wait returns whether the call may wait, and for how long (0: no limit),
// as the engine's ops take them: a deadline already passed allows one
// nonblocking attempt only.
func (d lsDeadline) wait() (bool, time.Duration) {
	if d.never {
		return true, 0
	}
	left := time.Until(d.at)
	return left > 0, left
}

// lsAwait runs attempt now and, while it says EAGAIN and dl allows, each
// time s is ready in dir; push makes the results. With no socket (a
// closed object) the attempt alone decides.
func (a args) lsAwait(s *Socket, dir sock.Dir, dl lsDeadline, attempt func() error, push func(error) int) int {
	if s == nil || s.Closed() {
		return push(attempt())
	}
	canWait, timeout := dl.wait()
	return a.await(s, dir, timeout, canWait, attempt, push)
}

// lsAwaitAll is lsAwait over several sockets (a connect that tries the
// addresses of two families): attempt is retried when any is ready.
func (a args) lsAwaitAll(watches []sock.Watch, canWait bool, timeout time.Duration, attempt func() error, push func(error) int) int {
	err := attempt()
	if err != unix.EAGAIN || !canWait {
		return a.rt.sched.Finish(a.L, err, a.tracedPush(push))
	}
	return a.waitAll(watches, timeout, attempt, push)
}

// fill makes sure the read-ahead holds data: one recv of up to lsBufSize
// bytes when it is empty. EAGAIN when nothing has arrived.
func (o *lsObj) fill() error {
	if len(o.pending) > 0 {
		return nil
	}
	if o.s == nil || o.s.Closed() {
		return errLSClosed
	}
	data, err := o.s.Recv(lsBufSize, 0)
	switch {
	case err != nil:
		return err
	case data == "":
		return errLSClosed
	}
	o.pending = data
	return nil
}

// lsConnectTarget is one address to try, with the socket of its family.
type lsConnectTarget struct {
	s  *Socket
	sa unix.Sockaddr
}

// lsConnectCall is LuaSocket's inet_tryconnect: it starts the connection
// to each target in turn, waits for its outcome, and moves on to the next
// address on failure; when it may not wait it stops at the first "in
// progress" (EAGAIN: "timeout"). i is the target it is on.
type lsConnectCall struct {
	targets []lsConnectTarget
	wait    bool
	i       int
	call    *sock.ConnectCall // the connection being waited for
}

// attempt makes progress; EAGAIN while a connection is under way.
func (c *lsConnectCall) attempt() error {
	for {
		t := c.targets[c.i]
		var err error
		if c.call != nil {
			err = c.call.Attempt()
		} else {
			err = c.start(t)
		}
		if err == unix.EAGAIN {
			return err
		}
		c.call = nil
		if err == nil || c.i == len(c.targets)-1 {
			return err
		}
		c.i++
	}
}

// start makes one connect(2) to t: the policy decides first, then its
// result is LuaSocket's (EALREADY, for one, is an error, not a wait). A
// connection in progress is waited for by a ConnectCall that may wait.
func (c *lsConnectCall) start(t lsConnectTarget) error {
	call, err := t.s.Connect(t.sa, false)
	if err != nil {
		return err
	}
	err = call.Attempt()
	if err != unix.EINPROGRESS && err != unix.EAGAIN {
		return err
	}
	if !c.wait {
		return unix.EAGAIN
	}
	c.call, _ = t.s.Connect(t.sa, true) // the policy allowed it just now
	return c.call.Attempt()
}

// watches are the distinct sockets of the targets, each waited for as
// writable (a connection's outcome).
func (c *lsConnectCall) watches() []sock.Watch {
	var w []sock.Watch
	for _, t := range c.targets {
		seen := false
		for _, x := range w {
			seen = seen || x.S == t.s
		}
		if !seen {
			w = append(w, sock.Watch{S: t.s, Dir: sock.Write})
		}
	}
	return w
}

// lsSleep is socket.sleep: it suspends the calling task (or the script).
func lsSleep(a args, secs float64) int {
	return sleepFor(a, secs)
}

// lsLookup is the name resolution of bind, connect and sendto
// (getaddrinfo). It runs on the script's goroutine: a lookup that has to
// ask a DNS server holds up the other tasks meanwhile.
func (rt *Runtime) lsLookup(host, port string, hints map[string]int) ([]*addrInfo, error) {
	return rt.getaddrinfo(host, port, hints)
}

// lsReverse is a reverse lookup (gethostbyaddr, getnameinfo), on the
// script's goroutine as lsLookup.
func (rt *Runtime) lsReverse(addr string) ([]string, error) {
	return rt.eng.Resolver.Reverse(rt.eng.Context(), addr)
}

// lsLookupIP resolves a name to addresses of a network ("ip4", "ip"), on
// the script's goroutine as lsLookup.
func (rt *Runtime) lsLookupIP(network, host string) ([]netip.Addr, error) {
	return rt.eng.Resolver.Lookup(rt.eng.Context(), network, host)
}

// lsDisconnect dissolves a datagram socket's association: connect(2) to
// an AF_UNSPEC address (x/sys/unix has no Sockaddr for it). It never waits.
func lsDisconnect(fd int) error {
	var sa [16]byte // sa_family 0 == AF_UNSPEC
	_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa)))
	if e != 0 {
		return e
	}
	return nil
}
