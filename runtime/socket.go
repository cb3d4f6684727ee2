package runtime

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Socket is one OS socket as a script sees it.
//
// The descriptor is always O_NONBLOCK and registered with Go's network poller
// from socket_create on; "blocking" is a property of the script's view
// (nonblocking == false), implemented by parking on the poller when the kernel
// says EAGAIN. Nothing reads ahead: every byte a script gets was received by
// the call that returns it.
type Socket struct {
	fd       int
	file     *os.File // owns fd; its poll descriptor is what blocking calls park on
	raw      syscall.RawConn
	domain   int // Linux values, as the script passed them
	sockType int
	protocol int
	id       int
	ud       *lua.LUserData // the one userdata for this socket, so identity holds in Lua

	nonblocking bool // socket_set_nonblock was called
	err         int  // PHP's per-socket error (php_sock->error); sticky
	rcvTimeout  time.Duration
	sndTimeout  time.Duration
	deadlines   [2]bool // a read/write deadline is set on file and must be cleared
	closed      bool

	pollGen  uint64 // the socket_select call that last numbered this socket
	pollSlot int    // its pollfd in that call

	accepted    bool      // came from socket_accept: the server side, for TLS
	connectHost string    // the host given to socket_connect: TLS's default peer name
	tls         *tlsState // after socket_enable_crypto
}

// direction says which readiness a blocking call waits for.
type direction int

const (
	readable direction = iota
	writable
)

// newSocket creates an OS socket and registers it with the poller.
func (rt *Runtime) newSocket(domain, sockType, protocol int) (*Socket, error) {
	fd, err := sysSocket(osDomain(domain), sockType, protocol)
	if err != nil {
		return nil, err
	}
	return rt.adopt(fd, domain, sockType, protocol)
}

// adopt wraps a nonblocking descriptor in a Socket and tracks it, so that
// Stop can interrupt it and Close can close it.
func (rt *Runtime) adopt(fd, domain, sockType, protocol int) (*Socket, error) {
	file := os.NewFile(uintptr(fd), "socket")
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, err
	}
	rt.nextID++
	s := &Socket{fd: fd, file: file, raw: raw, domain: domain, sockType: sockType, protocol: protocol, id: rt.nextID}
	s.ud = rt.L.NewUserData()
	s.ud.Value = s
	s.ud.Metatable = rt.L.GetTypeMetatable(socketTypeName)

	rt.mu.Lock()
	if rt.maxSockets > 0 && len(rt.sockets) >= rt.maxSockets {
		rt.mu.Unlock()
		file.Close()
		return nil, unix.EMFILE // --max-sockets, as the kernel's own limit reports it
	}
	rt.sockets[s] = struct{}{}
	stopping := rt.Stopping()
	rt.mu.Unlock()
	if stopping {
		// Stop already moved every deadline to the past; this socket must not
		// be the one call that can still block.
		file.SetDeadline(time.Unix(1, 0)) //nolint:errcheck
	}
	return s, nil
}

// closeSocket closes the descriptor; the Socket stays as a closed object.
func (rt *Runtime) closeSocket(s *Socket) {
	if s.closed {
		return
	}
	s.closed = true
	if s.tls != nil && !rt.Stopping() {
		s.tls.conn.CloseWrite() //nolint:errcheck // close_notify is a courtesy; the close goes on
	}
	rt.mu.Lock()
	delete(rt.sockets, s)
	rt.mu.Unlock()
	s.file.Close()
}

func (rt *Runtime) closeAllSockets() {
	rt.mu.Lock()
	open := make([]*Socket, 0, len(rt.sockets))
	for s := range rt.sockets {
		open = append(open, s)
	}
	rt.mu.Unlock()
	for _, s := range open {
		rt.closeSocket(s)
	}
}

// atSocketLimit reports whether --max-sockets sockets are open.
func (rt *Runtime) atSocketLimit() bool {
	return rt.maxSockets > 0 && rt.openSockets() >= rt.maxSockets
}

// openSockets counts the sockets not yet closed.
func (rt *Runtime) openSockets() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.sockets)
}

// io runs attempt, which does one nonblocking syscall and returns its error.
// If the kernel says EAGAIN and the call may wait, io parks on the netpoller
// until the socket is ready and tries again, until attempt succeeds or fails
// otherwise, the timeout passes (EAGAIN, as SO_RCVTIMEO gives in C), or the
// script is stopped (errStopped). A zero timeout waits for ever.
//
// Every blocking socket call goes through here: it is the one place where the
// script's goroutine waits on a socket.
func (rt *Runtime) io(s *Socket, dir direction, wait bool, timeout time.Duration, attempt func(fd int) error) error {
	err := attempt(s.fd)
	if err != unix.EAGAIN || !wait {
		return err
	}
	if err := s.setDeadline(dir, timeout); err != nil {
		return err
	}
	// Checked after the deadline is set: Stop sets the flag before it moves
	// deadlines to the past, so either we see the flag or our wait sees the
	// past deadline.
	if rt.Stopping() {
		return errStopped
	}
	retry := func(fd uintptr) bool {
		err = attempt(int(fd))
		return err != unix.EAGAIN
	}
	var waitErr error
	if dir == readable {
		waitErr = s.raw.Read(retry)
	} else {
		waitErr = s.raw.Write(retry)
	}
	switch {
	case waitErr == nil:
		return err
	case rt.Stopping():
		return errStopped
	case errors.Is(waitErr, os.ErrDeadlineExceeded):
		return unix.EAGAIN
	default:
		return waitErr
	}
}

// setDeadline arms the poller deadline for one call, and clears one left by
// an earlier call; untimed calls on untimed sockets cost nothing here.
func (s *Socket) setDeadline(dir direction, timeout time.Duration) error {
	if timeout <= 0 && !s.deadlines[dir] {
		return nil
	}
	var at time.Time
	if timeout > 0 {
		at = time.Now().Add(timeout)
	}
	s.deadlines[dir] = timeout > 0
	if dir == readable {
		return s.file.SetReadDeadline(at)
	}
	return s.file.SetWriteDeadline(at)
}

// retryEINTR repeats a syscall the kernel interrupted.
func retryEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}

func (rt *Runtime) bind(s *Socket, sa unix.Sockaddr) error {
	if err := rt.policy.check(opBind, sa); err != nil {
		return err
	}
	return unix.Bind(s.fd, sa)
}

func (rt *Runtime) listen(s *Socket, backlog int) error {
	return unix.Listen(s.fd, backlog)
}

// acceptFD waits for a connection (if wait) and returns its descriptor;
// adopt then makes it a Socket, on the script's goroutine.
func (rt *Runtime) acceptFD(s *Socket, wait bool) (int, error) {
	var nfd int
	err := rt.io(s, readable, wait, s.rcvTimeout, func(fd int) error {
		return retryEINTR(func() (err error) {
			nfd, err = sysAccept(fd)
			return err
		})
	})
	return nfd, err
}

// connect starts a connection and, for a blocking socket, waits for its
// outcome: SO_SNDTIMEO bounds the wait (EINPROGRESS when it expires, as Linux
// does), and the final error comes from SO_ERROR.
func (rt *Runtime) connect(s *Socket, sa unix.Sockaddr, wait bool) error {
	if err := rt.policy.check(opConnect, sa); err != nil {
		return err
	}
	err := retryEINTR(func() error { return unix.Connect(s.fd, sa) })
	if err != unix.EINPROGRESS || !wait {
		return err
	}
	err = rt.io(s, writable, true, s.sndTimeout, func(fd int) error {
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
	if err == unix.EAGAIN {
		return unix.EINPROGRESS
	}
	if err == nil {
		// Linux marks the socket connected only in connect(2) itself (a
		// blocking connect does it before returning): one more call does,
		// so that a later socket_connect fails with EISCONN, as in PHP.
		unix.Connect(s.fd, sa) //nolint:errcheck // 0 or EISCONN: both mean connected
	}
	return err
}

// awaitReadable waits (up to SO_RCVTIMEO) until a receive on s would not
// block: data, EOF or an error is there. It consumes nothing, so a caller
// can take its buffer only once there is something to put in it: a task
// parked on an idle connection then holds no receive buffer.
func (rt *Runtime) awaitReadable(s *Socket) error {
	var probe [1]byte
	return rt.io(s, readable, true, s.rcvTimeout, func(fd int) error {
		return retryEINTR(func() error {
			_, _, err := unix.Recvfrom(fd, probe[:], unix.MSG_PEEK)
			return err
		})
	})
}

// mayWait reports whether a call on s with these flags blocks, as C's would:
// the socket is in blocking mode and MSG_DONTWAIT is not set.
func (s *Socket) mayWait(flags int) bool {
	return !s.nonblocking && flags&unix.MSG_DONTWAIT == 0
}

// recv is one receive into buf (C's recv(2) with PHP's semantics); wait says
// whether it may wait for data. MSG_WAITALL on a stream socket keeps
// receiving until buf is full, EOF or an error, as the kernel would block.
func (rt *Runtime) recv(s *Socket, buf []byte, flags int, wait bool) (int, error) {
	waitAll := flags&unix.MSG_WAITALL != 0 && s.sockType == unix.SOCK_STREAM && flags&unix.MSG_PEEK == 0
	kflags := flags &^ (unix.MSG_DONTWAIT | unix.MSG_WAITALL)
	got := 0
	for {
		var n int
		err := rt.io(s, readable, wait, s.rcvTimeout, func(fd int) error {
			return retryEINTR(func() (err error) {
				n, _, err = unix.Recvfrom(fd, buf[got:], kflags)
				return err
			})
		})
		if err != nil {
			if got > 0 && err != errStopped {
				return got, nil // what arrived before the error or timeout, as recv(2) with MSG_WAITALL
			}
			return 0, err
		}
		got += n
		if !waitAll || n == 0 || got == len(buf) {
			return got, nil
		}
	}
}

// send is one send(2): if it may wait it writes every byte (as the kernel's
// blocking send does); otherwise a partial write is returned as is.
func (rt *Runtime) send(s *Socket, data []byte, flags int, wait bool) (int, error) {
	kflags := flags&^unix.MSG_DONTWAIT | noSignal
	sent := 0
	for {
		var n int
		err := rt.io(s, writable, wait, s.sndTimeout, func(fd int) error {
			return retryEINTR(func() (err error) {
				n, err = unix.SendmsgN(fd, data[sent:], nil, nil, kflags)
				return err
			})
		})
		if err != nil {
			if sent > 0 && err != errStopped {
				return sent, nil // a timed-out blocking send reports what it sent
			}
			return 0, err
		}
		sent += n
		if !wait || sent == len(data) || s.sockType != unix.SOCK_STREAM {
			return sent, nil
		}
	}
}

// readLine is PHP_NORMAL_READ: bytes up to and including the first '\n' or
// '\r', or max bytes. PHP reads one byte per recv(2); this peeks at what is
// queued and takes exactly the line, so no byte past the terminator is ever
// consumed. It waits on the poller where PHP busy-spins (nonblocking sockets)
// and, like PHP, ignores SO_RCVTIMEO. eof reports that the peer closed first.
func (rt *Runtime) readLine(s *Socket, max int) (line []byte, eof bool, err error) {
	if err := retryEINTR(func() error { return rt.ioLine(s) }); err != nil {
		return nil, false, err
	}
	buf := rt.readBufs.get(max)
	defer rt.readBufs.put(buf)
	got := 0
	for got < max {
		var n int
		err := rt.io(s, readable, true, 0, func(fd int) error {
			return retryEINTR(func() (err error) {
				n, _, err = unix.Recvfrom(fd, buf[got:max], unix.MSG_PEEK)
				return err
			})
		})
		if err != nil {
			return nil, false, err
		}
		if n == 0 {
			return append([]byte(nil), buf[:got]...), true, nil
		}
		take := n
		for i, b := range buf[got : got+n] {
			if b == '\n' || b == '\r' {
				take = i + 1
				break
			}
		}
		// Consume exactly what was inspected up to the terminator.
		if err := retryEINTR(func() (err error) {
			n, _, err = unix.Recvfrom(s.fd, buf[got:got+take], 0)
			return err
		}); err != nil {
			return nil, false, err
		}
		got += n
		if c := buf[got-1]; c == '\n' || c == '\r' {
			break
		}
	}
	return append([]byte(nil), buf[:got]...), false, nil
}

// ioLine waits, as a line read does (no timeout), until something is there.
func (rt *Runtime) ioLine(s *Socket) error {
	var probe [1]byte
	return rt.io(s, readable, true, 0, func(fd int) error {
		_, _, err := unix.Recvfrom(fd, probe[:], unix.MSG_PEEK)
		return err
	})
}

func (s *Socket) String() string {
	if s.closed {
		return fmt.Sprintf("Socket #%d (closed)", s.id)
	}
	desc := fmt.Sprintf("Socket #%d (%s, %s", s.id, constName("AF_", s.domain), constName("SOCK_", s.sockType))
	if sa, err := unix.Getsockname(s.fd); err == nil {
		if addr, port, ok := formatSockaddr(sa); ok && (addr != "0.0.0.0" && addr != "::" || port != 0) {
			desc += ", " + joinHostPort(s.domain, addr, port)
		}
	}
	if sa, err := unix.Getpeername(s.fd); err == nil {
		if addr, port, ok := formatSockaddr(sa); ok {
			desc += " -> " + joinHostPort(s.domain, addr, port)
		}
	}
	return desc + ")"
}

// newSocketPair is socketpair(2): two connected sockets.
func (rt *Runtime) newSocketPair(domain, sockType, protocol int) ([2]*Socket, error) {
	fds, err := sysSocketpair(osDomain(domain), sockType, protocol)
	if err != nil {
		return [2]*Socket{}, err
	}
	var pair [2]*Socket
	for i, fd := range fds {
		if pair[i], err = rt.adopt(fd, domain, sockType, protocol); err != nil {
			if i == 0 {
				unix.Close(fds[1])
			} else {
				rt.closeSocket(pair[0])
			}
			return [2]*Socket{}, err
		}
	}
	return pair, nil
}

// recvfrom is one receive that also reports the sender's address.
func (rt *Runtime) recvfrom(s *Socket, buf []byte, flags int, wait bool) (int, unix.Sockaddr, error) {
	kflags := flags &^ (unix.MSG_DONTWAIT | unix.MSG_WAITALL)
	var n int
	var from unix.Sockaddr
	err := rt.io(s, readable, wait, s.rcvTimeout, func(fd int) error {
		return retryEINTR(func() (err error) {
			n, from, err = unix.Recvfrom(fd, buf, kflags)
			return err
		})
	})
	if err != nil {
		return 0, nil, err
	}
	if from == nil {
		from = zeroSockaddr(s.domain)
	}
	return n, from, nil
}

// zeroSockaddr is what PHP reports as the sender when the kernel names none
// (a connected stream socket): the family's any-address and port 0.
func zeroSockaddr(domain int) unix.Sockaddr {
	switch domain {
	case afInet:
		return &unix.SockaddrInet4{}
	case afInet6:
		return &unix.SockaddrInet6{}
	}
	return &unix.SockaddrUnix{}
}

// sendto is one datagram (or stream write) to an explicit address.
func (rt *Runtime) sendto(s *Socket, data []byte, flags int, to unix.Sockaddr, wait bool) (int, error) {
	if err := rt.policy.check(opSend, to); err != nil {
		return 0, err
	}
	kflags := flags&^unix.MSG_DONTWAIT | noSignal
	var n int
	err := rt.io(s, writable, wait, s.sndTimeout, func(fd int) error {
		return retryEINTR(func() (err error) {
			n, err = unix.SendmsgN(fd, data, nil, to, kflags)
			return err
		})
	})
	return n, err
}
