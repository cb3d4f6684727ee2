package sock

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Socket is one OS socket as a script sees it.
//
// The descriptor is always O_NONBLOCK and registered with the engine from
// creation to close; "blocking" is a property of the script's view
// (Nonblocking == false), which the caller implements by waiting on the
// engine when an attempt says EAGAIN. Nothing reads ahead: every byte a
// script gets was received by the call that returns it.
//
// Every method runs on the script's goroutine (see the package doc), and no
// method touches the descriptor once the socket is closed: the calls that
// were waiting on it get ErrClosed before the descriptor is released, so a
// descriptor number the kernel hands out again is never mistaken for it.
type Socket struct {
	eng      *Engine
	fd       int
	Domain   int // Linux values, as the script passed them
	Type     int
	Protocol int
	ID       int // numbers sockets in creation order, for messages

	// Handle is the binding's own value for this socket (its one Lua
	// userdata, so identity holds in Lua).
	Handle any

	Nonblocking bool // socket_set_nonblock was called
	Err         int  // PHP's per-socket error (php_sock->error); sticky
	RcvTimeout  time.Duration
	SndTimeout  time.Duration
	Accepted    bool   // came from accept: the server side, for TLS
	ConnectHost string // the host given to connect: TLS's default peer name

	// SelectGen and SelectSlot are the binding's stamp for deduplicating a
	// socket across one select's tables without a map.
	SelectGen  uint64
	SelectSlot int

	closed  bool
	state   [2]state // readiness as last learned (see Engine.Check)
	waiters [2][]*Op
	writer  *SendCall // the send in the middle of writing, if any
	tls     *TLSConn
	// handshaking is a TLS connection whose handshake (a Go call) is under
	// way: closing the socket interrupts it.
	handshaking *TLSConn
}

// state is what the engine knows of a socket's readiness in one direction.
type state uint8

const (
	stateUnknown  state = iota // data moved since it was last learned
	stateReady                 // ready when the poller or poll(2) last said
	stateNotReady              // the last attempt said EAGAIN, or poll(2) said not ready
)

// NewSocket creates an OS socket (Linux family, type and protocol numbers)
// and registers it.
func (e *Engine) NewSocket(domain, sockType, protocol int) (*Socket, error) {
	if e.AtSocketLimit() {
		return nil, unix.EMFILE // --max-sockets, as the kernel's own limit reports it
	}
	if err := e.Policy.checkCreate(domain, sockType, protocol); err != nil {
		return nil, err
	}
	fd, err := sysSocket(osDomain(domain), sockType, protocol)
	if err != nil {
		return nil, err
	}
	return e.adopt(fd, domain, sockType, protocol)
}

// NewSocketPair is socketpair(2): two connected sockets.
func (e *Engine) NewSocketPair(domain, sockType, protocol int) ([2]*Socket, error) {
	if e.MaxSockets > 0 && e.open+2 > e.MaxSockets {
		return [2]*Socket{}, unix.EMFILE
	}
	fds, err := sysSocketpair(osDomain(domain), sockType, protocol)
	if err != nil {
		return [2]*Socket{}, err
	}
	var pair [2]*Socket
	for i, fd := range fds {
		if pair[i], err = e.adopt(fd, domain, sockType, protocol); err != nil {
			if i == 0 {
				unix.Close(fds[1])
			} else {
				e.CloseSocket(pair[0])
			}
			return [2]*Socket{}, err
		}
	}
	return pair, nil
}

// adopt registers a nonblocking descriptor as a Socket.
func (e *Engine) adopt(fd, domain, sockType, protocol int) (*Socket, error) {
	if err := e.p.add(fd); err != nil {
		unix.Close(fd)
		return nil, err
	}
	e.nextID++
	s := &Socket{eng: e, fd: fd, Domain: domain, Type: sockType, Protocol: protocol, ID: e.nextID}
	for fd >= len(e.byFD) {
		e.byFD = append(e.byFD, nil)
	}
	e.byFD[fd] = s
	e.open++
	return s, nil
}

// CloseSocket closes s: the calls waiting on it (and the selects that hold
// it) end with ErrClosed first, then the descriptor is released. The
// Socket stays, as a closed object.
func (e *Engine) CloseSocket(s *Socket) {
	if s.closed {
		return
	}
	s.closed = true
	for dir := range s.waiters {
		for len(s.waiters[dir]) > 0 {
			e.finish(s.waiters[dir][0], ErrClosed)
		}
	}
	if s.tls != nil {
		s.tls.close(!e.Stopping()) //nolint:errcheck // the close goes on
	}
	if s.handshaking != nil {
		s.handshaking.interrupt()
		s.handshaking.calls.Wait()
	}
	e.p.del(s.fd)
	e.byFD[s.fd] = nil
	unix.Close(s.fd)
	e.open--
}

// Closed reports whether the socket was closed.
func (s *Socket) Closed() bool { return s.closed }

// Control runs f on the socket's descriptor (options, names, shutdown);
// on a closed socket it returns EBADF without calling f.
func (s *Socket) Control(f func(fd int) error) error {
	if s.closed {
		return unix.EBADF
	}
	return f(s.fd)
}

// FD is the descriptor, for socket options and names: only for an open
// socket, on the script's goroutine (Control checks that it is open).
func (s *Socket) FD() int { return s.fd }

// ReadTimeouts copies SO_RCVTIMEO/SO_SNDTIMEO from the kernel (as it
// rounded them) into the waits the engine bounds: the descriptor itself is
// nonblocking, so the kernel would ignore them.
func (s *Socket) ReadTimeouts() error {
	for _, opt := range []struct {
		name int
		dst  *time.Duration
	}{{unix.SO_RCVTIMEO, &s.RcvTimeout}, {unix.SO_SNDTIMEO, &s.SndTimeout}} {
		tv, err := unix.GetsockoptTimeval(s.fd, unix.SOL_SOCKET, opt.name)
		if err != nil {
			return err
		}
		*opt.dst = time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
	}
	return nil
}

// MayWait reports whether a call on s with these flags blocks, as C's
// would: the socket is in blocking mode and MSG_DONTWAIT is not set.
func (s *Socket) MayWait(flags int) bool {
	return !s.Nonblocking && flags&unix.MSG_DONTWAIT == 0
}

// TLS returns the socket's TLS connection, or nil.
func (s *Socket) TLS() *TLSConn { return s.tls }

// forget removes op from the waiters of one direction.
func (s *Socket) forget(dir Dir, op *Op) {
	list := s.waiters[dir]
	for i, w := range list {
		if w == op {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			s.waiters[dir] = list[:last]
			return
		}
	}
}

// note records what an attempt learned of readiness in dir: EAGAIN means
// not ready until the poller says otherwise; anything else leaves it unknown.
func (s *Socket) note(dir Dir, err error) {
	if err == unix.EAGAIN {
		s.state[dir] = stateNotReady
	} else {
		s.state[dir] = stateUnknown
	}
}

// retryEINTR repeats a syscall the kernel interrupted.
func retryEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}

// Bind is bind(2), after the policy allows the address.
func (s *Socket) Bind(sa unix.Sockaddr) error {
	if err := s.eng.Policy.check(opBind, sa); err != nil {
		return err
	}
	return unix.Bind(s.fd, sa)
}

// Listen is listen(2).
func (s *Socket) Listen(backlog int) error { return unix.Listen(s.fd, backlog) }

// Shutdown is shutdown(2); a TLS socket sends its close_notify first.
func (s *Socket) Shutdown(how int) error {
	if s.tls != nil && how != unix.SHUT_RD {
		s.tls.closeWrite()
	}
	return unix.Shutdown(s.fd, how)
}

// Sockname and Peername are getsockname(2) and getpeername(2).
func (s *Socket) Sockname() (unix.Sockaddr, error) { return unix.Getsockname(s.fd) }
func (s *Socket) Peername() (unix.Sockaddr, error) { return unix.Getpeername(s.fd) }

// Accept is one accept(2): the new connection as a Socket of the same
// kind. At --max-sockets it fails with EMFILE only when a connection is
// waiting to be taken (which then stays queued); with none, it says EAGAIN
// like any accept with nothing pending, so a server that waits does not spin.
func (s *Socket) Accept() (*Socket, error) {
	e := s.eng
	if e.AtSocketLimit() {
		if !s.pending() {
			s.state[Read] = stateNotReady
			return nil, unix.EAGAIN
		}
		return nil, unix.EMFILE
	}
	var nfd int
	err := retryEINTR(func() (err error) {
		nfd, err = sysAccept(s.fd)
		return err
	})
	s.note(Read, err)
	if err != nil {
		return nil, err
	}
	conn, err := e.adopt(nfd, s.Domain, s.Type, s.Protocol)
	if err != nil {
		return nil, err
	}
	conn.Accepted = true
	if err := e.Policy.checkPeer(opAccept, conn); err != nil {
		e.CloseSocket(conn)
		return nil, err
	}
	return conn, nil
}

// pending reports whether the descriptor is readable now (for a listener:
// a connection is waiting).
func (s *Socket) pending() bool {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	n, err := sysPoll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents != 0
}

// ConnectCall is connect(2) as PHP's blocking or nonblocking socket_connect
// makes it.
type ConnectCall struct {
	s       *Socket
	sa      unix.Sockaddr
	wait    bool
	started bool // this call began the connection (EINPROGRESS), not an earlier one (EALREADY)
	waiting bool
}

// Connect checks the policy and returns the call; its first Attempt starts
// the connection.
func (s *Socket) Connect(sa unix.Sockaddr, wait bool) (*ConnectCall, error) {
	if err := s.eng.Policy.check(opConnect, sa); err != nil {
		return nil, err
	}
	return &ConnectCall{s: s, sa: sa, wait: wait}, nil
}

// Attempt calls connect(2) again, as the kernel's own blocking connect
// does while it waits: only connect(2) moves a socket out of "connecting",
// so a refused connection leaves it unconnected (ready for another
// connect), and one that completes marks it connected (so a later connect
// fails with EISCONN). For a call that may wait, EINPROGRESS and EALREADY
// mean "wait until writable"; otherwise they are the result.
func (c *ConnectCall) Attempt() error {
	err := retryEINTR(func() error { return unix.Connect(c.s.fd, c.sa) })
	switch err {
	case unix.EINPROGRESS:
		c.started = true
	case unix.EALREADY:
	case unix.EISCONN:
		if c.waiting {
			return nil // completed while we waited
		}
		return err
	default:
		return err
	}
	if !c.wait {
		return err
	}
	c.waiting = true
	c.s.state[Write] = stateNotReady
	return unix.EAGAIN
}

// TimedOut is a blocking connect's result when SO_SNDTIMEO passes first, as
// Linux reports it: EINPROGRESS for the call that began the connection,
// EALREADY for one that waited on an earlier one.
func (c *ConnectCall) TimedOut() error {
	if c.started {
		return unix.EINPROGRESS
	}
	return unix.EALREADY
}

// String describes the socket for tostring: "Socket #3 (AF_INET,
// SOCK_STREAM, 127.0.0.1:5000 -> 127.0.0.1:40000)".
func (s *Socket) String() string {
	if s.closed {
		return fmt.Sprintf("Socket #%d (closed)", s.ID)
	}
	desc := fmt.Sprintf("Socket #%d (%s, %s", s.ID, ConstName("AF_", s.Domain), ConstName("SOCK_", s.Type))
	if sa, err := unix.Getsockname(s.fd); err == nil {
		if addr, port, ok := FormatSockaddr(sa); ok && (addr != "0.0.0.0" && addr != "::" || port != 0) {
			desc += ", " + JoinHostPort(s.Domain, addr, port)
		}
	}
	if sa, err := unix.Getpeername(s.fd); err == nil {
		if addr, port, ok := FormatSockaddr(sa); ok {
			desc += " -> " + JoinHostPort(s.Domain, addr, port)
		}
	}
	return desc + ")"
}

// ConstName finds the PHP constant with this prefix and value ("AF_INET").
func ConstName(prefix string, value int) string {
	for _, c := range Constants {
		if c.Value == value && len(c.Name) > len(prefix) && c.Name[:len(prefix)] == prefix {
			return c.Name
		}
	}
	return fmt.Sprint(value)
}

// constValue looks a constant up by name.
//
//lint:ignore U1000 used by sys_bsd.go (staticcheck checks the Linux build)
func constValue(name string) (int, bool) {
	for _, c := range Constants {
		if c.Name == name {
			return c.Value, true
		}
	}
	return 0, false
}
