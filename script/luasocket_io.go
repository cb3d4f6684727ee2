package script

import (
	"net/netip"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Every point where a LuaSocket call may wait for the network is in this
// file, built on the engine's primitives (rt.io, rt.connect, rt.poll and
// a.block). When the socket layer moves out of this package, each function
// here maps onto one operation of it, named in its comment; the rest of the
// LuaSocket binding only checks arguments and pushes results.
//
// The functions here run inside a.block's op: they touch only network values
// (never the Lua state), so a task's op may run on a goroutine of its own.

// lsDeadline is when a LuaSocket operation gives up: LuaSocket's timeout
// control (block and total timeouts, both counted from the operation's
// start, as its timeout_getretry does). never: no limit.
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

// zero reports a deadline that allows no wait at all (settimeout(0)).
func (d lsDeadline) zero() bool { return !d.never && !time.Now().Before(d.at) }

// wait returns whether the call may wait, and for how long (0: for ever),
// as rt.io takes them.
func (d lsDeadline) wait() (bool, time.Duration) {
	if d.never {
		return true, 0
	}
	left := time.Until(d.at)
	return left > 0, left
}

// lsRecv is one recv(2) of up to len(p) bytes, waiting for data until the
// deadline. Socket layer: Recv(sock, p, deadline). n == 0 with no error is
// the peer's EOF (or an empty datagram).
func (rt *Runtime) lsRecv(s *Socket, p []byte, dl lsDeadline) (int, error) {
	wait, timeout := dl.wait()
	var n int
	err := rt.io(s, readable, wait, timeout, func(fd int) error {
		return retryEINTR(func() (err error) {
			n, _, err = unix.Recvfrom(fd, p, 0)
			return err
		})
	})
	return n, err
}

// lsRecvFrom is one recvfrom(2) that also names the sender. Socket layer:
// RecvFrom(sock, p, deadline).
func (rt *Runtime) lsRecvFrom(s *Socket, p []byte, dl lsDeadline) (int, unix.Sockaddr, error) {
	wait, timeout := dl.wait()
	var n int
	var from unix.Sockaddr
	err := rt.io(s, readable, wait, timeout, func(fd int) error {
		return retryEINTR(func() (err error) {
			n, from, err = unix.Recvfrom(fd, p, 0)
			return err
		})
	})
	return n, from, err
}

// lsSend is one send(2) (to: nil) or sendto(2), waiting until the socket
// takes something or the deadline passes; it returns how much the kernel
// took. Socket layer: Send(sock, p, to, deadline).
func (rt *Runtime) lsSend(s *Socket, p []byte, to unix.Sockaddr, dl lsDeadline) (int, error) {
	if to != nil {
		if err := rt.eng.Policy.Check(opSend, to); err != nil {
			return 0, err
		}
	}
	wait, timeout := dl.wait()
	var n int
	err := rt.io(s, writable, wait, timeout, func(fd int) error {
		return retryEINTR(func() (err error) {
			n, err = unix.SendmsgN(fd, p, nil, to, noSignal)
			if err == unix.EPROTOTYPE {
				err = unix.EAGAIN // macOS: the connection is closing; try again
			}
			return err
		})
	})
	return n, err
}

// lsAccept waits for a connection until the deadline and returns its
// descriptor; the caller adopts it on the Lua side. Socket layer:
// Accept(sock, deadline).
func (rt *Runtime) lsAccept(s *Socket, dl lsDeadline) (int, error) {
	wait, timeout := dl.wait()
	for {
		var nfd int
		err := rt.io(s, readable, wait, timeout, func(fd int) error {
			return retryEINTR(func() (err error) {
				nfd, err = sysAccept(fd)
				return err
			})
		})
		if err == unix.ECONNABORTED {
			wait, timeout = dl.wait()
			continue // the client left before we took it: wait for the next
		}
		return nfd, err
	}
}

// lsConnectTarget is one address to try, with the socket of its family.
type lsConnectTarget struct {
	s  *Socket
	sa unix.Sockaddr
}

// lsConnect tries each target in turn, as LuaSocket's inet_tryconnect: it
// starts the connection, waits for its outcome until the deadline, and
// moves on to the next address on failure; with a zero timeout it stops at
// the first "in progress". It returns the index of the target it ended on.
// Socket layer: Connect(sock, addr, deadline), one call per target.
func (rt *Runtime) lsConnect(targets []lsConnectTarget, block, total float64) (int, error) {
	var err error
	for i, t := range targets {
		dl := newDeadline(block, total) // LuaSocket restarts the clock per address
		err = rt.connect(t.s, t.sa, false)
		if err == unix.EINPROGRESS || err == unix.EAGAIN {
			if dl.zero() {
				return i, unix.EAGAIN
			}
			err = rt.lsConnectWait(t.s, dl)
		}
		if err == nil || err == errStopped || dl.zero() {
			return i, err
		}
	}
	return len(targets) - 1, err
}

// lsConnectWait waits until a connection in progress is made or fails.
func (rt *Runtime) lsConnectWait(s *Socket, dl lsDeadline) error {
	wait, timeout := dl.wait()
	return rt.io(s, writable, wait, timeout, func(fd int) error {
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			return err
		case soErr != 0:
			return syscall.Errno(soErr)
		}
		if _, err := unix.Getpeername(fd); err == unix.ENOTCONN {
			return unix.EAGAIN // woken early; still connecting
		}
		return nil
	})
}

// lsPoll is socket.select's wait: one poll(2) over fds until something is
// ready or the timeout passes (< 0: no limit). Socket layer:
// Poll(fds, timeout).
func (rt *Runtime) lsPoll(fds []unix.PollFd, timeout time.Duration) ([]unix.PollFd, error) {
	return rt.poll(fds, timeout)
}

// lsSleep is socket.sleep: it suspends the calling task (or the script).
// Socket layer: the engine's timer.
func lsSleep(a args, secs float64) int {
	return sleepFor(a, secs)
}

// lsBlock runs op as a call that may wait: in a task only the task is
// suspended (a.block). canWait is false when the timeout is zero.
func (a args) lsBlock(canWait bool, op func(wait bool) error, push func(error) int) int {
	return a.block(canWait, false, op, push)
}

// lsLookup is the name resolution of bind, connect and sendto
// (getaddrinfo). It runs on the script's goroutine: a lookup that has to
// ask a DNS server holds up the other tasks meanwhile. Socket layer:
// Resolve(host, service, hints).
func (rt *Runtime) lsLookup(host, port string, hints map[string]int) ([]*addrInfo, error) {
	return rt.getaddrinfo(host, port, hints)
}

// lsReverse is a reverse lookup (gethostbyaddr, getnameinfo), on the
// script's goroutine as lsLookup. Socket layer: Reverse(addr).
func (rt *Runtime) lsReverse(addr string) ([]string, error) {
	return rt.eng.Resolver.Reverse(rt.eng.Context(), addr)
}

// lsLookupIP resolves a name to addresses of a network ("ip4", "ip"), on
// the script's goroutine as lsLookup. Socket layer: Resolve.
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
