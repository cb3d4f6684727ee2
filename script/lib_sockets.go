package script

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/sock"
)

// The socket_* functions. Each reads the same way: check the arguments,
// act (a Runtime/Socket method that knows nothing of Lua), push the results.
// By-reference PHP parameters are dropped and returned after PHP's own return
// value, in PHP's order.
var socketFuncs = []libFunc{
	{"socket_create", socketCreate},
	{"socket_create_listen", socketCreateListen},
	{"socket_create_pair", socketCreatePair},
	{"socket_bind", socketBind},
	{"socket_listen", socketListen},
	{"socket_accept", socketAccept},
	{"socket_connect", socketConnect},
	{"socket_read", socketRead},
	{"socket_write", socketWrite},
	{"socket_recv", socketRecv},
	{"socket_send", socketSend},
	{"socket_recvfrom", socketRecvfrom},
	{"socket_sendto", socketSendto},
	{"socket_close", socketClose},
	{"socket_shutdown", socketShutdown},
	{"socket_getpeername", socketGetpeername},
	{"socket_getsockname", socketGetsockname},
	{"socket_select", socketSelect},
	{"socket_set_option", socketSetOption},
	{"socket_setopt", socketSetOption},
	{"socket_get_option", socketGetOption},
	{"socket_getopt", socketGetOption},
	{"socket_set_nonblock", socketSetNonblock},
	{"socket_set_block", socketSetBlock},
	{"socket_last_error", socketLastError},
	{"socket_clear_error", socketClearError},
	{"socket_strerror", socketStrerror},
	{"socket_enable_crypto", socketEnableCrypto},
	{"gethostbyname", gethostbyname},
	{"gethostbynamel", gethostbynamel},
}

// Socket is the socket layer's socket, as the binding sees it.
type Socket = sock.Socket

// userdata returns the socket's one userdata (so == and table keys work by
// identity), making it on first use.
func (rt *Runtime) userdata(s *Socket) *lua.LUserData {
	if ud, ok := s.Handle.(*lua.LUserData); ok {
		return ud
	}
	ud := rt.L.NewUserData()
	ud.Value = s
	ud.Metatable = rt.L.GetTypeMetatable(socketTypeName)
	s.Handle = ud
	return ud
}

// pushSocket pushes a socket's userdata.
func pushSocket(a args, s *Socket) int {
	a.L.Push(a.rt.userdata(s))
	return 1
}

// socketCreate: socket_create(domain, type, protocol) -> Socket|false
func socketCreate(a args) int {
	a.count(3, 3)
	domain := a.int(1, "domain")
	sockType := a.int(2, "type")
	protocol := a.int(3, "protocol")
	if domain != sock.AFUnix && domain != sock.AFInet && domain != sock.AFInet6 {
		a.raise("Argument #1 ($domain) must be one of AF_UNIX, AF_INET6, or AF_INET")
	}
	switch sockType {
	case unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET, unix.SOCK_RAW, unix.SOCK_RDM:
	default:
		a.raise("Argument #2 ($type) must be one of SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, or SOCK_RDM")
	}
	s, err := a.rt.eng.NewSocket(domain, sockType, protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket", err)
	}
	return pushSocket(a, s)
}

// socketCreateListen: socket_create_listen(port[, backlog = 128]) -> Socket|false
// on 0.0.0.0, without SO_REUSEADDR (as PHP).
func socketCreateListen(a args) int {
	a.count(1, 2)
	port := a.int(1, "port")
	backlog := a.optInt(2, "backlog", 128)
	s, err := a.rt.eng.NewSocket(sock.AFInet, unix.SOCK_STREAM, 0)
	if err != nil {
		return a.fail(nil, "unable to create listening socket", err)
	}
	if err := s.Bind(&unix.SockaddrInet4{Port: int(uint16(port))}); err != nil {
		a.rt.eng.CloseSocket(s)
		return a.fail(nil, "unable to bind to given address", err)
	}
	if err := s.Listen(backlog); err != nil {
		a.rt.eng.CloseSocket(s)
		return a.fail(nil, "unable to listen on socket", err)
	}
	return pushSocket(a, s)
}

// socketCreatePair: socket_create_pair(domain, type, protocol) -> ok, {s1, s2}
func socketCreatePair(a args) int {
	a.count(3, 3)
	domain := a.int(1, "domain")
	sockType := a.int(2, "type")
	protocol := a.int(3, "protocol")
	if domain != sock.AFUnix && domain != sock.AFInet && domain != sock.AFInet6 {
		a.raise("Argument #1 ($domain) must be one of AF_UNIX, AF_INET6, or AF_INET")
	}
	// PHP 8.2 refuses only types above 10 (php-src's socket_create_pair-
	// wrongparams.phpt); smaller unknown ones fail in the OS, with a warning.
	if sockType > 10 {
		a.raise("Argument #2 ($type) must be one of SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, or SOCK_RDM")
	}
	pair, err := a.rt.eng.NewSocketPair(domain, sockType, protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket pair", err)
	}
	t := a.L.CreateTable(2, 0)
	t.RawSetInt(1, a.rt.userdata(pair[0]))
	t.RawSetInt(2, a.rt.userdata(pair[1]))
	a.L.Push(lua.LTrue)
	a.L.Push(t)
	return 2
}

// resolveAddr turns (address, port) into a socket address, failing the call
// as PHP does when the host cannot be looked up. argn is the address's
// argument number, for the message about a Unix path that does not fit.
func (a args) resolveAddr(s *Socket, argn int, address string, port int) (unix.Sockaddr, bool) {
	if s.Domain == sock.AFUnix && len(address) >= unixPathMax {
		a.raise("Argument #%d ($address) must be less than %d", argn, unixPathMax)
	}
	if s.Domain == sock.AFUnix && strings.HasPrefix(address, "@") {
		// PHP hands the path to the kernel as it is, so "@foo" is a file
		// named @foo; x/sys reads a leading "@" as an abstract name, so
		// name the same file as "./@foo". A leading NUL stays abstract.
		address = "./" + address
	}
	sa, err := a.rt.eng.Sockaddr(s.Domain, address, port)
	if err != nil {
		a.fail(s, "Host lookup failed", err)
		return nil, false
	}
	return sa, true
}

// socketBind: socket_bind(socket, address[, port = 0]) -> bool
func socketBind(a args) int {
	a.count(2, 3)
	s := a.socket(1, "socket")
	address := a.str(2, "address")
	port := a.optInt(3, "port", 0)
	sa, ok := a.resolveAddr(s, 2, address, port)
	if !ok {
		return 1
	}
	if err := a.rt.sandboxBind(sa); err != nil {
		return a.fail(s, "Unable to bind address", err)
	}
	if err := s.Bind(sa); err != nil {
		return a.fail(s, "Unable to bind address", err)
	}
	a.L.Push(lua.LTrue)
	return 1
}

// socketListen: socket_listen(socket[, backlog = 0]) -> bool
func socketListen(a args) int {
	a.count(1, 2)
	s := a.socket(1, "socket")
	backlog := a.optInt(2, "backlog", 0)
	if err := s.Listen(backlog); err != nil {
		return a.fail(s, "unable to listen on socket", err)
	}
	a.L.Push(lua.LTrue)
	return 1
}

// socketAccept: socket_accept(socket) -> Socket|false. As in PHP, a failure
// is recorded globally only, not on the listener.
func socketAccept(a args) int {
	a.count(1, 1)
	s := a.socket(1, "socket")
	var conn *Socket
	return a.await(s, sock.Read, s.RcvTimeout, s.MayWait(0), func() (err error) {
		conn, err = s.Accept()
		return err
	}, func(err error) int {
		if err != nil {
			return a.fail(nil, "unable to accept incoming connection", a.timedOut(err))
		}
		return pushSocket(a, conn)
	})
}

// timedOut turns the end of a socket timeout into the EAGAIN that a
// SO_RCVTIMEO / SO_SNDTIMEO expiry gives in C.
func (a args) timedOut(err error) error {
	if err == sock.ErrTimeout {
		return unix.EAGAIN
	}
	return err
}

// socketConnect: socket_connect(socket, address[, port]) -> bool
func socketConnect(a args) int {
	a.count(2, 3)
	s := a.socket(1, "socket")
	address := a.str(2, "address")
	port, hasPort := a.nullableInt(3, "port")
	if !hasPort && s.Domain != sock.AFUnix {
		a.raise("Argument #3 ($port) cannot be null when the socket type is %s", sock.ConstName("AF_", s.Domain))
	}
	sa, ok := a.resolveAddr(s, 2, address, port)
	if !ok {
		return 1
	}
	s.ConnectHost = address
	call, err := s.Connect(sa, s.MayWait(0))
	if err != nil {
		return a.fail(s, "unable to connect", err)
	}
	return a.await(s, sock.Write, s.SndTimeout, true, call.Attempt, func(err error) int {
		if err == sock.ErrTimeout {
			err = call.TimedOut()
		}
		if err != nil {
			return a.fail(s, "unable to connect", err)
		}
		a.L.Push(lua.LTrue)
		return 1
	})
}

// socketRead: socket_read(socket, length[, mode = PHP_BINARY_READ]) -> string|false
func socketRead(a args) int {
	a.count(2, 3)
	s := a.socket(1, "socket")
	length := a.int(2, "length")
	mode := a.optInt(3, "mode", phpBinaryRead)
	if length <= 0 {
		a.L.Push(lua.LFalse) // PHP: false, no warning, no errno
		return 1
	}
	if s.TLS() != nil {
		return a.readTLS(s, length, mode)
	}
	if mode == phpNormalRead {
		call := s.ReadLine(length)
		// A line read waits even on a nonblocking socket, where PHP spins,
		// and, like PHP's, ignores SO_RCVTIMEO.
		return a.await(s, sock.Read, 0, true, call.Attempt, func(err error) int {
			switch {
			case err != nil:
				return a.fail(s, "unable to read from socket", err)
			case call.EOF && !s.Nonblocking:
				// PHP's rule: a blocking line read that meets EOF fails with
				// ECONNRESET, and a partial line is lost.
				return a.fail(s, "unable to read from socket", unix.ECONNRESET)
			}
			a.L.Push(lua.LString(call.Line))
			return 1
		})
	}
	data, err := s.Recv(length, 0)
	if err != unix.EAGAIN || !s.MayWait(0) {
		if a.rt.sched.Direct(a.L) {
			return a.pushRead(s, data, err)
		}
		return a.later(err, func(err error) int { return a.pushRead(s, data, err) })
	}
	var later string
	return a.wait(s, sock.Read, s.RcvTimeout, func() (err error) {
		later, err = s.Recv(length, 0)
		return err
	}, func(err error) int { return a.pushRead(s, later, err) })
}

// pushRead pushes socket_read's result.
func (a args) pushRead(s *Socket, data string, err error) int {
	if err != nil {
		return a.fail(s, "unable to read from socket", a.timedOut(err))
	}
	a.L.Push(lua.LString(data))
	return 1
}

// readTLS is socket_read on a TLS socket: the same results, from the
// decrypted stream.
func (a args) readTLS(s *Socket, length, mode int) int {
	t := s.TLS()
	var data string
	var eof bool
	timeout := s.RcvTimeout
	if mode == phpNormalRead {
		timeout = 0
	}
	return a.await(s, sock.Read, timeout, mode == phpNormalRead || s.MayWait(0), func() (err error) {
		if mode == phpNormalRead {
			data, eof, err = t.ReadLine(min(length, sock.MaxRead))
			return err
		}
		data, err = t.Read(min(length, sock.MaxRead))
		return err
	}, func(err error) int {
		switch {
		case err != nil:
			return a.fail(s, "unable to read from socket", a.timedOut(err))
		case eof && !s.Nonblocking:
			return a.fail(s, "unable to read from socket", unix.ECONNRESET)
		}
		a.L.Push(lua.LString(data))
		return 1
	})
}

// dataLength is PHP's rule for socket_write/socket_send's length: it must not
// be negative and is clamped to the data's size.
func (a args) dataLength(n int, data string, length int) string {
	if length < 0 {
		a.raise("Argument #%d ($length) must be greater than or equal to 0", n)
	}
	return data[:min(length, len(data))]
}

// socketWrite: socket_write(socket, data[, length]) -> int|false
func socketWrite(a args) int {
	a.count(2, 3)
	s := a.socket(1, "socket")
	data := a.str(2, "data")
	if length, ok := a.nullableInt(3, "length"); ok {
		data = a.dataLength(3, data, length)
	}
	return a.sendAll(s, data, 0, nil, "unable to write to socket")
}

// sendAll is socket_write, socket_send and socket_sendto: a blocking socket
// takes every byte of a stream write (the task waits for the rest), a
// nonblocking one what fits; writes of different tasks to one socket never
// interleave.
func (a args) sendAll(s *Socket, data string, flags int, to unix.Sockaddr, text string) int {
	if t := s.TLS(); t != nil && to == nil {
		// A TLS record goes out whole, so a TLS write always finishes.
		var n int
		return a.goCall(t.Write([]byte(data), &n), func(err error) int {
			if err != nil {
				return a.fail(s, text, err)
			}
			a.L.Push(lua.LNumber(n))
			return 1
		})
	}
	wait := s.MayWait(flags)
	sent, err := s.TrySend(data, flags, to, wait)
	if err != unix.EAGAIN || !wait {
		if a.rt.sched.Direct(a.L) {
			return a.pushSent(s, sent, err, text)
		}
		return a.later(err, func(err error) int { return a.pushSent(s, sent, err, text) })
	}
	call := s.Resume(data, sent, flags, to)
	return a.wait(s, sock.Write, s.SndTimeout, call.Attempt, func(err error) int {
		call.End()
		if err == errStopped {
			raiseStopped(a.L)
		}
		if call.Sent > 0 {
			err = nil // a send cut short reports what went out
		}
		return a.pushSent(s, call.Sent, err, text)
	})
}

// pushSent pushes the result of a send: the bytes sent, or false.
func (a args) pushSent(s *Socket, sent int, err error, text string) int {
	if err != nil {
		return a.fail(s, text, a.timedOut(err))
	}
	a.L.Push(number(sent))
	return 1
}

// socketRecv: socket_recv(socket, length, flags) -> n, data. At EOF: 0, nil.
func socketRecv(a args) int {
	a.count(3, 3)
	s := a.socket(1, "socket")
	length := a.int(2, "length")
	flags := a.int(3, "flags")
	if length <= 0 {
		a.L.Push(lua.LFalse)
		return 1
	}
	waitAll := flags&unix.MSG_WAITALL != 0 && flags&unix.MSG_PEEK == 0 && s.MayWait(flags)
	if t := s.TLS(); t != nil {
		return a.recvTLS(s, t, length, flags, waitAll)
	}
	if waitAll && s.Type == unix.SOCK_STREAM {
		call := s.RecvAll(length, flags)
		return a.await(s, sock.Read, s.RcvTimeout, true, call.Attempt, func(err error) int {
			data := string(call.Data)
			if err != nil && err != errStopped && data != "" {
				err = nil // what arrived before the timeout or error
			}
			return a.pushRecv(s, data, err)
		})
	}
	if data, err := s.Recv(length, flags); err != unix.EAGAIN || !s.MayWait(flags) {
		if a.rt.sched.Direct(a.L) {
			return a.pushRecv(s, data, err)
		}
		return a.later(err, func(err error) int { return a.pushRecv(s, data, err) })
	}
	var later string
	return a.wait(s, sock.Read, s.RcvTimeout, func() (err error) {
		later, err = s.Recv(length, flags)
		return err
	}, func(err error) int { return a.pushRecv(s, later, err) })
}

// recvTLS is socket_recv on a TLS socket.
func (a args) recvTLS(s *Socket, t *sock.TLSConn, length, flags int, waitAll bool) int {
	var data string
	return a.await(s, sock.Read, s.RcvTimeout, s.MayWait(flags), func() (err error) {
		data, err = t.Recv(min(length, sock.MaxRead), flags, waitAll)
		return err
	}, func(err error) int {
		if err != nil && err != errStopped && waitAll {
			if data = t.RecvPartial(length, flags); data != "" {
				err = nil
			}
		}
		return a.pushRecv(s, data, err)
	})
}

// pushRecv pushes socket_recv's results: the length and the data (nil at
// EOF), or false and nil.
func (a args) pushRecv(s *Socket, data string, err error) int {
	if err != nil {
		a.fail(s, "Unable to read from socket", a.timedOut(err))
		a.L.Push(lua.LNil)
		return 2
	}
	a.L.Push(number(len(data)))
	if data == "" {
		a.L.Push(lua.LNil)
	} else {
		a.L.Push(lua.LString(data))
	}
	return 2
}

// socketSend: socket_send(socket, data, length, flags) -> int|false
func socketSend(a args) int {
	a.count(4, 4)
	s := a.socket(1, "socket")
	data := a.str(2, "data")
	data = a.dataLength(3, data, a.int(3, "length"))
	flags := a.int(4, "flags")
	return a.sendAll(s, data, flags, nil, "Unable to write to socket")
}

// socketRecvfrom: socket_recvfrom(socket, length, flags) -> n, data, address, port
func socketRecvfrom(a args) int {
	a.count(3, 3)
	s := a.socket(1, "socket")
	length := a.int(2, "length")
	flags := a.int(3, "flags")
	if length <= 0 {
		a.L.Push(lua.LFalse)
		return 1
	}
	var data string
	var from unix.Sockaddr
	return a.await(s, sock.Read, s.RcvTimeout, s.MayWait(flags), func() (err error) {
		data, from, err = s.RecvFrom(length, flags)
		return err
	}, func(err error) int {
		if err != nil {
			return a.fail(s, "Unable to recvfrom", a.timedOut(err))
		}
		a.L.Push(lua.LNumber(len(data)))
		a.L.Push(lua.LString(data))
		if addr, port, ok := sock.FormatSockaddr(from); ok {
			a.L.Push(lua.LString(addr))
			if s.Domain == sock.AFUnix {
				return 3
			}
			a.L.Push(lua.LNumber(port))
			return 4
		}
		return 2
	})
}

// socketSendto: socket_sendto(socket, data, length, flags, address[, port]) -> int|false
func socketSendto(a args) int {
	a.count(5, 6)
	s := a.socket(1, "socket")
	data := a.str(2, "data")
	data = a.dataLength(3, data, a.int(3, "length"))
	flags := a.int(4, "flags")
	address := a.str(5, "address")
	port, hasPort := a.nullableInt(6, "port")
	if !hasPort && s.Domain != sock.AFUnix {
		a.raise("Argument #6 ($port) cannot be null when the socket type is %s", sock.ConstName("AF_", s.Domain))
	}
	if s.Domain == sock.AFUnix {
		// PHP copies the path as a C string here (bind and connect take
		// all its bytes): "\x00name" is "", which the kernel refuses.
		address, _, _ = strings.Cut(address, "\x00")
	}
	sa, ok := a.resolveAddr(s, 5, address, port)
	if !ok {
		return 1
	}
	return a.sendAll(s, data, flags, sa, "Unable to write to socket")
}

// socketClose: socket_close(socket) -> nothing (PHP's void)
func socketClose(a args) int {
	a.count(1, 1)
	s := a.socket(1, "socket")
	a.rt.eng.CloseSocket(s)
	return 0
}

// socketShutdown: socket_shutdown(socket[, mode = 2]) -> bool
func socketShutdown(a args) int {
	a.count(1, 2)
	s := a.socket(1, "socket")
	how := a.optInt(2, "mode", 2)
	if err := s.Shutdown(how); err != nil {
		return a.fail(s, "Unable to shutdown socket", err)
	}
	a.L.Push(lua.LTrue)
	return 1
}

// pushName pushes true, address, port (port only for IP sockets).
func pushName(a args, s *Socket, sa unix.Sockaddr) int {
	addr, port, ok := sock.FormatSockaddr(sa)
	if !ok {
		return a.fail(s, "unable to retrieve socket name", unix.EAFNOSUPPORT)
	}
	a.L.Push(lua.LTrue)
	a.L.Push(lua.LString(addr))
	if s.Domain == sock.AFUnix {
		return 2
	}
	a.L.Push(lua.LNumber(port))
	return 3
}

// socketGetpeername: socket_getpeername(socket) -> ok, address, port
func socketGetpeername(a args) int {
	a.count(1, 1)
	s := a.socket(1, "socket")
	sa, err := s.Peername()
	if err != nil {
		return a.fail(s, "unable to retrieve peer name", err)
	}
	return pushName(a, s, sa)
}

// socketGetsockname: socket_getsockname(socket) -> ok, address, port
func socketGetsockname(a args) int {
	a.count(1, 1)
	s := a.socket(1, "socket")
	sa, err := s.Sockname()
	if err != nil {
		return a.fail(s, "unable to retrieve socket name", err)
	}
	return pushName(a, s, sa)
}

// socketSetNonblock: socket_set_nonblock(socket) -> true
func socketSetNonblock(a args) int {
	a.count(1, 1)
	a.socket(1, "socket").Nonblocking = true
	a.L.Push(lua.LTrue)
	return 1
}

// socketSetBlock: socket_set_block(socket) -> true
func socketSetBlock(a args) int {
	a.count(1, 1)
	a.socket(1, "socket").Nonblocking = false
	a.L.Push(lua.LTrue)
	return 1
}

// socketLastError: socket_last_error([socket]) -> int
func socketLastError(a args) int {
	a.count(0, 1)
	if s := a.optSocket(1, "socket"); s != nil {
		a.L.Push(lua.LNumber(s.Err))
	} else {
		a.L.Push(lua.LNumber(a.rt.lastError))
	}
	return 1
}

// socketClearError: socket_clear_error([socket]) -> nothing
func socketClearError(a args) int {
	a.count(0, 1)
	if s := a.optSocket(1, "socket"); s != nil {
		s.Err = 0
	} else {
		a.rt.lastError = 0
	}
	return 0
}

// socketStrerror: socket_strerror(error_code) -> string
func socketStrerror(a args) int {
	a.count(1, 1)
	a.L.Push(lua.LString(sock.Strerror(a.int(1, "error_code"))))
	return 1
}

// checkHostLength is PHP's guard in gethostbyname(l).
func (a args) hostTooLong(name string) bool {
	if len(name) > sock.MaxHostName {
		a.warn("Host name cannot be longer than 255 characters")
		return true
	}
	return false
}

// lookupIPv4 resolves a name to its IPv4 addresses as gethostbyname(3) does.
func (rt *Runtime) lookupIPv4(name string) ([]string, error) {
	ip, ok, numeric := sock.NumericIPv4(name)
	switch {
	case ok:
		return []string{ip.String()}, nil
	case numeric, name == "":
		return nil, sock.HostNotFound
	}
	ips, err := rt.eng.Resolver.Lookup(rt.eng.Context(), "ip4", name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.Unmap().String()
	}
	return out, nil
}

// gethostbyname: gethostbyname(hostname) -> the first IPv4 address, or the
// name itself when it cannot be resolved (PHP's rule; no warning).
func gethostbyname(a args) int {
	a.count(1, 1)
	name := a.str(1, "hostname")
	if a.hostTooLong(name) {
		a.L.Push(lua.LString(name))
		return 1
	}
	ips, err := a.rt.lookupIPv4(name)
	if err == errStopped {
		raiseStopped(a.L)
	}
	if err != nil {
		a.L.Push(lua.LString(name))
		return 1
	}
	a.L.Push(lua.LString(ips[0]))
	return 1
}

// gethostbynamel: gethostbynamel(hostname) -> {addresses...}|false
func gethostbynamel(a args) int {
	a.count(1, 1)
	name := a.str(1, "hostname")
	if a.hostTooLong(name) {
		a.L.Push(lua.LFalse)
		return 1
	}
	ips, err := a.rt.lookupIPv4(name)
	if err == errStopped {
		raiseStopped(a.L)
	}
	if err != nil {
		a.L.Push(lua.LFalse)
		return 1
	}
	t := a.L.CreateTable(len(ips), 0)
	for _, ip := range ips {
		t.Append(lua.LString(ip))
	}
	a.L.Push(t)
	return 1
}

// unixPathMax is sizeof(sun_path) on Linux.
const unixPathMax = 108

const (
	phpNormalRead = 1
	phpBinaryRead = 2
)
