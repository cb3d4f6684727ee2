package runtime

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
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

// maxReadBuffer bounds the buffer behind one read: a stream receive may
// return less than asked, so asking for 2 GiB need not allocate 2 GiB.
const maxReadBuffer = 16 << 20

// pushSocket pushes a socket's one userdata (so == and table keys work by
// identity), or false.
func pushSocket(L *lua.LState, s *Socket) int {
	L.Push(s.ud)
	return 1
}

// socketCreate: socket_create(domain, type, protocol) -> Socket|false
func socketCreate(a args) int {
	a.count(3, 3)
	domain := a.int(1, "domain")
	sockType := a.int(2, "type")
	protocol := a.int(3, "protocol")
	if domain != afUnix && domain != afInet && domain != afInet6 {
		a.raise("Argument #1 ($domain) must be one of AF_UNIX, AF_INET6, or AF_INET")
	}
	switch sockType {
	case unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET, unix.SOCK_RAW, unix.SOCK_RDM:
	default:
		a.raise("Argument #2 ($type) must be one of SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, or SOCK_RDM")
	}
	s, err := a.rt.newSocket(domain, sockType, protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket", err)
	}
	return pushSocket(a.L, s)
}

// socketCreateListen: socket_create_listen(port[, backlog = 128]) -> Socket|false
// on 0.0.0.0, without SO_REUSEADDR (as PHP).
func socketCreateListen(a args) int {
	a.count(1, 2)
	port := a.int(1, "port")
	backlog := a.optInt(2, "backlog", 128)
	s, err := a.rt.newSocket(afInet, unix.SOCK_STREAM, 0)
	if err != nil {
		return a.fail(nil, "unable to create listening socket", err)
	}
	if err := a.rt.bind(s, &unix.SockaddrInet4{Port: int(uint16(port))}); err != nil {
		a.rt.closeSocket(s)
		return a.fail(nil, "unable to bind to given address", err)
	}
	if err := a.rt.listen(s, backlog); err != nil {
		a.rt.closeSocket(s)
		return a.fail(nil, "unable to listen on socket", err)
	}
	return pushSocket(a.L, s)
}

// socketCreatePair: socket_create_pair(domain, type, protocol) -> ok, {s1, s2}
func socketCreatePair(a args) int {
	a.count(3, 3)
	domain := a.int(1, "domain")
	sockType := a.int(2, "type")
	protocol := a.int(3, "protocol")
	if domain != afUnix && domain != afInet && domain != afInet6 {
		a.raise("Argument #1 ($domain) must be one of AF_UNIX, AF_INET6, or AF_INET")
	}
	pair, err := a.rt.newSocketPair(domain, sockType, protocol)
	if err != nil {
		return a.fail(nil, "Unable to create socket pair", err)
	}
	t := a.L.CreateTable(2, 0)
	t.RawSetInt(1, pair[0].ud)
	t.RawSetInt(2, pair[1].ud)
	a.L.Push(lua.LTrue)
	a.L.Push(t)
	return 2
}

// resolveAddr turns (address, port) into a socket address, failing the call
// as PHP does when the host cannot be looked up. argn is the address's
// argument number, for the message about a Unix path that does not fit.
func (a args) resolveAddr(s *Socket, argn int, address string, port int) (unix.Sockaddr, bool) {
	if s.domain == afUnix && len(address) >= unixPathMax {
		a.raise("Argument #%d ($address) must be less than %d", argn, unixPathMax)
	}
	sa, err := a.rt.sockaddr(s, address, port)
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
	if err := a.rt.bind(s, sa); err != nil {
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
	if err := a.rt.listen(s, backlog); err != nil {
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
	if a.rt.atSocketLimit() {
		// Refuse before accept(2): the connection stays in the backlog for
		// an accept after a socket is closed.
		return a.fail(nil, "unable to accept incoming connection", unix.EMFILE)
	}
	var nfd int
	return a.block(s.mayWait(0), true, func(wait bool) (err error) {
		nfd, err = a.rt.acceptFD(s, wait)
		return err
	}, func(err error) int {
		var conn *Socket
		if err == nil {
			conn, err = a.rt.adopt(nfd, s.domain, s.sockType, s.protocol)
		}
		if err == nil && a.rt.policy != nil {
			if err = a.rt.policy.checkPeer(opAccept, conn); err != nil {
				a.rt.closeSocket(conn)
			}
		}
		if err != nil {
			return a.fail(nil, "unable to accept incoming connection", err)
		}
		conn.accepted = true
		return pushSocket(a.L, conn)
	})
}

// socketConnect: socket_connect(socket, address[, port]) -> bool
func socketConnect(a args) int {
	a.count(2, 3)
	s := a.socket(1, "socket")
	address := a.str(2, "address")
	port, hasPort := a.nullableInt(3, "port")
	if !hasPort && s.domain != afUnix {
		a.raise("Argument #3 ($port) cannot be null when the socket type is %s", constName("AF_", s.domain))
	}
	sa, ok := a.resolveAddr(s, 2, address, port)
	if !ok {
		return 1
	}
	s.connectHost = address
	return a.block(s.mayWait(0), false, func(wait bool) error {
		return a.rt.connect(s, sa, wait)
	}, func(err error) int {
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
	length = min(length, maxReadBuffer)
	if s.tls != nil {
		return a.readTLS(s, length, mode)
	}
	if mode == phpNormalRead {
		var line []byte
		var eof bool
		// A line read waits even on a nonblocking socket, where PHP spins.
		return a.block(true, false, func(bool) (err error) {
			line, eof, err = a.rt.readLine(s, length)
			return err
		}, func(err error) int {
			switch {
			case err != nil:
				return a.fail(s, "unable to read from socket", err)
			case eof && !s.nonblocking:
				// PHP's rule: a blocking line read that meets EOF fails with
				// ECONNRESET, and a partial line is lost.
				return a.fail(s, "unable to read from socket", unix.ECONNRESET)
			}
			a.L.Push(lua.LString(line))
			return 1
		})
	}
	var buf []byte
	var n int
	return a.block(s.mayWait(0), true, func(wait bool) (err error) {
		for {
			buf = a.rt.readBufs.get(length)
			n, err = a.rt.recv(s, buf, 0, false)
			if err != unix.EAGAIN {
				return err
			}
			// Hold no buffer while waiting: a task parked on an idle
			// connection should cost little.
			a.rt.readBufs.put(buf)
			buf = nil
			if !wait {
				return err
			}
			if err := a.rt.awaitReadable(s); err != nil {
				return err
			}
		}
	}, func(err error) int {
		if buf != nil {
			defer a.rt.readBufs.put(buf)
		}
		if err != nil {
			return a.fail(s, "unable to read from socket", err)
		}
		a.L.Push(lua.LString(buf[:n]))
		return 1
	})
}

// readTLS is socket_read on a TLS socket: the same results, from the
// decrypted stream.
func (a args) readTLS(s *Socket, length, mode int) int {
	var data []byte
	var eof bool
	return a.block(mode == phpNormalRead || s.mayWait(0), mode != phpNormalRead, func(wait bool) (err error) {
		if mode == phpNormalRead {
			data, eof, err = a.rt.tlsReadLine(s, length)
			return err
		}
		buf := make([]byte, length)
		n, err := a.rt.tlsRead(s, buf, wait)
		data = buf[:n]
		return err
	}, func(err error) int {
		switch {
		case err != nil:
			return a.fail(s, "unable to read from socket", err)
		case eof && !s.nonblocking:
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
	return a.sendAll(s, data, 0, "unable to write to socket")
}

// sendAll is socket_write and socket_send: a blocking socket takes every
// byte (a task waits for the rest on a goroutine), a nonblocking one what
// fits.
func (a args) sendAll(s *Socket, data string, flags int, text string) int {
	if s.tls != nil {
		// A TLS record goes out whole, so a TLS write always finishes.
		var n int
		return a.block(true, false, func(bool) (err error) {
			n, err = s.tls.conn.Write([]byte(data))
			return err
		}, func(err error) int {
			if err != nil {
				return a.fail(s, text, err)
			}
			a.L.Push(lua.LNumber(n))
			return 1
		})
	}
	canWait := s.mayWait(flags)
	buf := []byte(data)
	sent := 0
	return a.block(canWait, true, func(wait bool) error {
		n, err := a.rt.send(s, buf[sent:], flags, wait)
		sent += n
		if err == nil && canWait && !wait && sent < len(buf) {
			return unix.EAGAIN // the rest must wait
		}
		return err
	}, func(err error) int {
		if err != nil {
			return a.fail(s, text, err)
		}
		a.L.Push(lua.LNumber(sent))
		return 1
	})
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
	buf := a.rt.readBufs.get(min(length, maxReadBuffer))
	var n int
	waitAll := flags&unix.MSG_WAITALL != 0
	return a.block(s.mayWait(flags), !waitAll, func(wait bool) (err error) {
		if s.tls != nil {
			n, err = a.rt.tlsRecv(s, buf, flags, wait)
			return err
		}
		n, err = a.rt.recv(s, buf, flags, wait)
		return err
	}, func(err error) int {
		defer a.rt.readBufs.put(buf)
		if err != nil {
			a.fail(s, "Unable to read from socket", err)
			a.L.Push(lua.LNil)
			return 2
		}
		a.L.Push(lua.LNumber(n))
		if n == 0 {
			a.L.Push(lua.LNil)
		} else {
			a.L.Push(lua.LString(buf[:n]))
		}
		return 2
	})
}

// socketSend: socket_send(socket, data, length, flags) -> int|false
func socketSend(a args) int {
	a.count(4, 4)
	s := a.socket(1, "socket")
	data := a.str(2, "data")
	data = a.dataLength(3, data, a.int(3, "length"))
	flags := a.int(4, "flags")
	return a.sendAll(s, data, flags, "Unable to write to socket")
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
	buf := a.rt.readBufs.get(min(length, maxReadBuffer))
	var n int
	var from unix.Sockaddr
	return a.block(s.mayWait(flags), true, func(wait bool) (err error) {
		n, from, err = a.rt.recvfrom(s, buf, flags, wait)
		return err
	}, func(err error) int {
		defer a.rt.readBufs.put(buf)
		if err != nil {
			return a.fail(s, "Unable to recvfrom", err)
		}
		a.L.Push(lua.LNumber(n))
		a.L.Push(lua.LString(buf[:n]))
		if addr, port, ok := formatSockaddr(from); ok {
			a.L.Push(lua.LString(addr))
			if s.domain == afUnix {
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
	if !hasPort && s.domain != afUnix {
		a.raise("Argument #6 ($port) cannot be null when the socket type is %s", constName("AF_", s.domain))
	}
	sa, ok := a.resolveAddr(s, 5, address, port)
	if !ok {
		return 1
	}
	var n int
	return a.block(s.mayWait(flags), true, func(wait bool) (err error) {
		n, err = a.rt.sendto(s, []byte(data), flags, sa, wait)
		return err
	}, func(err error) int {
		if err != nil {
			return a.fail(s, "Unable to write to socket", err)
		}
		a.L.Push(lua.LNumber(n))
		return 1
	})
}

// socketClose: socket_close(socket) -> nothing (PHP's void)
func socketClose(a args) int {
	a.count(1, 1)
	s := a.socket(1, "socket")
	a.rt.closeSocket(s)
	return 0
}

// socketShutdown: socket_shutdown(socket[, mode = 2]) -> bool
func socketShutdown(a args) int {
	a.count(1, 2)
	s := a.socket(1, "socket")
	how := a.optInt(2, "mode", 2)
	if s.tls != nil && how != unix.SHUT_RD {
		s.tls.conn.CloseWrite() //nolint:errcheck // close_notify first; shutdown reports the errors
	}
	if err := unix.Shutdown(s.fd, how); err != nil {
		return a.fail(s, "Unable to shutdown socket", err)
	}
	a.L.Push(lua.LTrue)
	return 1
}

// pushName pushes true, address, port (port only for IP sockets).
func pushName(a args, s *Socket, sa unix.Sockaddr) int {
	addr, port, ok := formatSockaddr(sa)
	if !ok {
		return a.fail(s, "unable to retrieve socket name", unix.EAFNOSUPPORT)
	}
	a.L.Push(lua.LTrue)
	a.L.Push(lua.LString(addr))
	if s.domain == afUnix {
		return 2
	}
	a.L.Push(lua.LNumber(port))
	return 3
}

// socketGetpeername: socket_getpeername(socket) -> ok, address, port
func socketGetpeername(a args) int {
	a.count(1, 1)
	s := a.socket(1, "socket")
	sa, err := unix.Getpeername(s.fd)
	if err != nil {
		return a.fail(s, "unable to retrieve peer name", err)
	}
	return pushName(a, s, sa)
}

// socketGetsockname: socket_getsockname(socket) -> ok, address, port
func socketGetsockname(a args) int {
	a.count(1, 1)
	s := a.socket(1, "socket")
	sa, err := unix.Getsockname(s.fd)
	if err != nil {
		return a.fail(s, "unable to retrieve socket name", err)
	}
	return pushName(a, s, sa)
}

// socketSetNonblock: socket_set_nonblock(socket) -> true
func socketSetNonblock(a args) int {
	a.count(1, 1)
	a.socket(1, "socket").nonblocking = true
	a.L.Push(lua.LTrue)
	return 1
}

// socketSetBlock: socket_set_block(socket) -> true
func socketSetBlock(a args) int {
	a.count(1, 1)
	a.socket(1, "socket").nonblocking = false
	a.L.Push(lua.LTrue)
	return 1
}

// socketLastError: socket_last_error([socket]) -> int
func socketLastError(a args) int {
	a.count(0, 1)
	if s := a.optSocket(1, "socket"); s != nil {
		a.L.Push(lua.LNumber(s.err))
	} else {
		a.L.Push(lua.LNumber(a.rt.lastError))
	}
	return 1
}

// socketClearError: socket_clear_error([socket]) -> nothing
func socketClearError(a args) int {
	a.count(0, 1)
	if s := a.optSocket(1, "socket"); s != nil {
		s.err = 0
	} else {
		a.rt.lastError = 0
	}
	return 0
}

// socketStrerror: socket_strerror(error_code) -> string
func socketStrerror(a args) int {
	a.count(1, 1)
	a.L.Push(lua.LString(strerror(a.int(1, "error_code"))))
	return 1
}

// checkHostLength is PHP's guard in gethostbyname(l).
func (a args) hostTooLong(name string) bool {
	if len(name) > maxHostName {
		a.warn("Host name cannot be longer than 255 characters")
		return true
	}
	return false
}

// lookupIPv4 resolves a name to its IPv4 addresses as gethostbyname(3) does.
func (rt *Runtime) lookupIPv4(name string) ([]string, error) {
	ip, ok, numeric := numericIPv4(name)
	switch {
	case ok:
		return []string{ip.String()}, nil
	case numeric, name == "":
		return nil, hostNotFound
	}
	ips, err := rt.resolver.lookup(rt.ctx, "ip4", name)
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
		a.L.RaiseError("%s", err.Error())
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
		a.L.RaiseError("%s", err.Error())
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

// constName finds the name of a constant by prefix and value, for messages
// ("AF_INET"), or the number itself.
func constName(prefix string, value int) string {
	for _, c := range phpConstants {
		if c.value == value && len(c.name) > len(prefix) && c.name[:len(prefix)] == prefix {
			return c.name
		}
	}
	return strconv.Itoa(value)
}

// constValue looks a constant up by name.
func constValue(name string) (int, bool) {
	for _, c := range phpConstants {
		if c.name == name {
			return c.value, true
		}
	}
	return 0, false
}

// unixPathMax is sizeof(sun_path) on Linux.
const unixPathMax = 108

const (
	phpNormalRead = 1
	phpBinaryRead = 2
)
