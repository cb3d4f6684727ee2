package script

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"sockrun/sock"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// The methods of LuaSocket's TCP and UDP objects (its tcp.c, udp.c and
// buffer.c, as observed). Unix-domain objects reuse the stream and datagram
// ones where LuaSocket's behave alike.

var tcpMethods = []lsMethod{
	{"accept", "server", (*luaSocket).accept},
	{"bind", "master", (*luaSocket).bindMethod},
	{"close", "", (*luaSocket).closeMethod},
	{"connect", "", (*luaSocket).connectMethod},
	{"dirty", "", (*luaSocket).dirty},
	{"getfamily", "", (*luaSocket).getfamily},
	{"getfd", "", (*luaSocket).getfd},
	{"getoption", "", (*luaSocket).getoption},
	{"getpeername", "", (*luaSocket).getpeername},
	{"getsockname", "", (*luaSocket).getsockname},
	{"getstats", "client", (*luaSocket).getstats},
	{"setstats", "client", (*luaSocket).setstats},
	{"listen", "master", (*luaSocket).listen},
	{"receive", "client", (*luaSocket).receive},
	{"send", "client", (*luaSocket).send},
	{"setfd", "", (*luaSocket).setfd},
	{"setoption", "", (*luaSocket).setoption},
	{"setpeername", "", (*luaSocket).connectMethod},
	{"setsockname", "master", (*luaSocket).bindMethod},
	{"settimeout", "", (*luaSocket).settimeout},
	{"gettimeout", "", (*luaSocket).gettimeout},
	{"shutdown", "client", (*luaSocket).shutdown},
}

var udpMethods = []lsMethod{
	{"close", "", (*luaSocket).closeMethod},
	{"dirty", "", (*luaSocket).dirty},
	{"getfamily", "", (*luaSocket).getfamily},
	{"getfd", "", (*luaSocket).getfd},
	{"getoption", "", (*luaSocket).getoption},
	{"getpeername", "connected", (*luaSocket).getpeername},
	{"getsockname", "", (*luaSocket).getsockname},
	{"receive", "", (*luaSocket).udpReceive},
	{"receivefrom", "unconnected", (*luaSocket).udpReceive},
	{"send", "connected", (*luaSocket).udpSend},
	{"sendto", "unconnected", (*luaSocket).udpSend},
	{"setfd", "", (*luaSocket).setfd},
	{"setoption", "", (*luaSocket).setoption},
	{"setpeername", "", (*luaSocket).udpSetpeername},
	{"setsockname", "unconnected", (*luaSocket).bindMethod},
	{"settimeout", "", (*luaSocket).settimeout},
	{"gettimeout", "", (*luaSocket).gettimeout},
}

// ---- buffered stream I/O (buffer.c) -----------------------------------

// take consumes n bytes of the read-ahead; getstats counts them then.
func (o *lsObj) take(n int) {
	o.pending = o.pending[n:]
	o.received += float64(n)
}

// lsRecvCall is one receive in progress: what it has gathered so far
// (prefix included), and for "*a" how much it took, since its attempts are
// retried each time the socket is readable.
type lsRecvCall struct {
	o      *lsObj
	mode   byte // 'l', 'a' or 'n' (a byte count)
	wanted int  // 'n': bytes still wanted
	out    []byte
	total  int // 'a': bytes taken by this call
	filled bool
}

// attempt takes what the read-ahead and the kernel have; EAGAIN while
// more is to come.
func (c *lsRecvCall) attempt() error {
	switch c.mode {
	case 'l':
		return c.line()
	case 'a':
		return c.all()
	}
	return c.raw()
}

// line is "*l": up to '\n', which is dropped, as is every '\r'.
func (c *lsRecvCall) line() error {
	o := c.o
	for {
		if err := o.fill(); err != nil {
			return err
		}
		i := strings.IndexByte(o.pending, '\n')
		chunk := o.pending
		if i >= 0 {
			chunk = o.pending[:i]
		}
		for len(chunk) > 0 {
			j := strings.IndexByte(chunk, '\r')
			if j < 0 {
				c.out = append(c.out, chunk...)
				break
			}
			c.out = append(c.out, chunk[:j]...)
			chunk = chunk[j+1:]
		}
		if i >= 0 {
			o.take(i + 1)
			return nil
		}
		o.take(len(o.pending))
	}
}

// all is "*a": everything until the peer closes; "closed" only when
// nothing came.
func (c *lsRecvCall) all() error {
	o := c.o
	for {
		if err := o.fill(); err != nil {
			if err == errLSClosed && c.total > 0 {
				return nil
			}
			return err
		}
		c.total += len(o.pending)
		c.out = append(c.out, o.pending...)
		o.take(len(o.pending))
	}
}

// raw is a byte count: it waits for at least one byte even for 0, as
// LuaSocket does.
func (c *lsRecvCall) raw() error {
	o := c.o
	for {
		if !c.filled || c.wanted > 0 {
			if err := o.fill(); err != nil {
				return err
			}
			c.filled = true
		}
		n := min(len(o.pending), c.wanted)
		c.out = append(c.out, o.pending[:n]...)
		o.take(n)
		c.wanted -= n
		if c.wanted <= 0 {
			return nil
		}
	}
}

// receive: obj:receive([pattern[, prefix]]) -> data, nil, nil |
// nil, err, partial (and the elapsed seconds with _DEBUG). Patterns: "*l"
// (default), "*a", or a byte count; Lua 5.3-style "l" and "a" too.
func (ls *luaSocket) receive(a args, o *lsObj) int {
	L := a.L
	prefix := L.OptString(3, "")
	mode, wanted := byte('l'), 0
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		mode, wanted = 'n', lsCount(a, float64(v))
	case lua.LString:
		if n, ok := parseLuaNumber(string(v)); ok {
			mode, wanted = 'n', lsCount(a, n)
			break
		}
		p := string(v)
		switch {
		case len(p) >= 2 && p[0] == '*' && (p[1] == 'l' || p[1] == 'a'):
			mode = p[1]
		case p == "l" || p == "a":
			mode = p[0]
		default:
			a.lsArgError(2, "invalid receive pattern")
		}
	default:
		a.lsArgError(2, "string expected, got "+v.Type().String())
	}
	start := time.Now()
	call := &lsRecvCall{o: o, mode: mode, wanted: wanted - len(prefix), out: []byte(prefix)}
	if mode == 'n' && len(prefix) > 0 && wanted <= len(prefix) {
		return ls.pushReceived(a, call.out, nil, start)
	}
	return a.lsAwait(o.sock(), sock.Read, newDeadline(o.block, o.total), call.attempt, func(err error) int {
		return ls.pushReceived(a, call.out, err, start)
	})
}

func lsCount(a args, n float64) int {
	if n < 0 {
		a.lsArgError(2, "invalid receive pattern")
	}
	return int(n)
}

// parseLuaNumber converts a string as Lua's tonumber does (decimal or hex),
// as lua_isnumber lets a numeric string stand for a count.
func parseLuaNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "nNiI_") {
		return f, true
	}
	if l := strings.ToLower(s); strings.HasPrefix(l, "0x") {
		if u, err := strconv.ParseUint(l[2:], 16, 64); err == nil {
			return float64(u), true
		}
	}
	return 0, false
}

func (ls *luaSocket) pushReceived(a args, out []byte, err error, start time.Time) int {
	L := a.L
	err = a.lsWaited(err)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(lsError(err)))
		L.Push(lua.LString(out))
	} else {
		L.Push(lua.LString(out))
		L.Push(lua.LNil)
		L.Push(lua.LNil)
	}
	if ls.debug() {
		L.Push(lua.LNumber(time.Since(start).Seconds()))
		return 4
	}
	return 3
}

// send: obj:send(data[, i[, j]]) -> last index sent, nil, nil |
// nil, err, last index sent (and the elapsed seconds with _DEBUG).
func (ls *luaSocket) send(a args, o *lsObj) int {
	L := a.L
	data := L.CheckString(2)
	size := len(data)
	i := int(L.OptNumber(3, 1))
	j := int(L.OptNumber(4, -1))
	if i < 0 {
		i = size + i + 1
	}
	if j < 0 {
		j = size + j + 1
	}
	if i < 1 {
		i = 1
	}
	if j > size {
		j = size
	}
	start := time.Now()
	sent := 0
	push := func(err error) int {
		o.sent += float64(sent)
		err = a.lsWaited(err)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(lsError(err)))
			L.Push(lua.LNumber(sent + i - 1))
		} else {
			L.Push(lua.LNumber(sent + i - 1))
			L.Push(lua.LNil)
			L.Push(lua.LNil)
		}
		if ls.debug() {
			L.Push(lua.LNumber(time.Since(start).Seconds()))
			return 4
		}
		return 3
	}
	if i > j {
		return push(nil)
	}
	buf := data[i-1 : j]
	s := o.sock()
	// LuaSocket sends in steps of lsBufSize, waiting whenever the socket
	// takes nothing.
	return a.lsAwait(s, sock.Write, newDeadline(o.block, o.total), func() error {
		for sent < len(buf) {
			if s == nil || s.Closed() {
				return errLSClosed
			}
			step := min(lsBufSize, len(buf)-sent)
			n, err := s.TrySend(buf[sent:sent+step], 0, nil, false)
			sent += n
			if err != nil {
				return err
			}
		}
		return nil
	}, push)
}

func (ls *luaSocket) getstats(a args, o *lsObj) int {
	a.L.Push(lua.LNumber(o.received))
	a.L.Push(lua.LNumber(o.sent))
	a.L.Push(lua.LNumber(time.Since(o.birthday).Seconds()))
	return 3
}

func (ls *luaSocket) setstats(a args, o *lsObj) int {
	o.received = float64(a.L.OptNumber(2, lua.LNumber(o.received)))
	o.sent = float64(a.L.OptNumber(3, lua.LNumber(o.sent)))
	if n, ok := a.L.Get(4).(lua.LNumber); ok {
		o.birthday = time.Now().Add(-time.Duration(float64(n) * float64(time.Second)))
	}
	return a.lsOK()
}

func (ls *luaSocket) dirty(a args, o *lsObj) int {
	a.L.Push(lua.LBool(len(o.pending) > 0))
	return 1
}

// ---- objects' common methods --------------------------------------------

// accept: server:accept() -> client | nil, err.
func (ls *luaSocket) accept(a args, o *lsObj) int {
	if o.sock() == nil {
		return a.lsFail(errLSClosed)
	}
	if a.rt.eng.AtSocketLimit() {
		// --max-sockets: the connection stays queued for a later accept.
		return a.lsFail(unix.EMFILE)
	}
	server := o.s
	var conn *Socket
	return a.lsAwait(server, sock.Read, newDeadline(o.block, o.total), func() (err error) {
		for {
			// The engine's Accept checks --max-sockets and the policy
			// (--allow/--deny decide accepted peers too).
			if conn, err = server.Accept(); err != unix.ECONNABORTED {
				return err
			}
			// the client left before we took it: take the next
		}
	}, func(err error) int {
		if err = a.lsWaited(err); err != nil {
			return a.lsFail(err)
		}
		c := ls.newObj(o.kind, "client", o.family)
		c.s = conn
		a.L.Push(c.ud)
		return 1
	})
}

// bindMethod: obj:bind(address, port) (setsockname) -> 1 | nil, err.
func (ls *luaSocket) bindMethod(a args, o *lsObj) int {
	address := a.L.CheckString(2)
	port := a.L.CheckString(3)
	if msg := ls.bind(o, address, port); msg != "" {
		a.L.Push(lua.LNil)
		a.L.Push(lua.LString(msg))
		return 2
	}
	return a.lsOK()
}

// connectMethod: tcp:connect(address, port) (setpeername) -> 1 | nil, err.
// The object becomes a client even when the connection fails, as in
// LuaSocket (a nonblocking connect's "timeout" is still under way).
func (ls *luaSocket) connectMethod(a args, o *lsObj) int {
	address := a.L.CheckString(2)
	port := a.L.CheckString(3)
	return ls.connect(a, o, address, port, func(error) { ls.setState(o, "client") }, false)
}

func (ls *luaSocket) closeMethod(a args, o *lsObj) int {
	ls.drop(o)
	return a.lsOK()
}

func (ls *luaSocket) getfamily(a args, o *lsObj) int {
	if o.family == sock.AFInet6 {
		a.L.Push(lua.LString("inet6"))
	} else {
		a.L.Push(lua.LString("inet4"))
	}
	return 1
}

func (ls *luaSocket) getfd(a args, o *lsObj) int {
	a.L.Push(lua.LNumber(o.fd()))
	return 1
}

// setfd: obj:setfd(fd). LuaSocket stores any number; sockrun can only
// point an object at a descriptor it owns (a LuaSocket object's or a
// PHP-style socket's), or at none (-1). The object's own socket is left
// open, as LuaSocket leaves it.
func (ls *luaSocket) setfd(a args, o *lsObj) int {
	fd := int(a.L.CheckNumber(2))
	o.s = nil
	if fd < 0 {
		return 0
	}
	if o.s = a.rt.eng.SocketByFD(fd); o.s == nil {
		a.lsArgError(2, "not a descriptor of this script's sockets")
	}
	return 0
}

// settimeout: obj:settimeout(seconds[, "b" | "t"]) -> 1. nil or a negative
// value removes the limit.
func (ls *luaSocket) settimeout(a args, o *lsObj) int {
	t := float64(a.L.OptNumber(2, -1))
	mode := a.L.OptString(3, "b")
	switch {
	case mode != "" && mode[0] == 'b':
		o.block = t
	case mode != "" && (mode[0] == 'r' || mode[0] == 't'):
		o.total = t
	default:
		a.lsArgError(3, "invalid timeout mode")
	}
	return a.lsOK()
}

func (ls *luaSocket) gettimeout(a args, o *lsObj) int {
	a.L.Push(lua.LNumber(o.block))
	a.L.Push(lua.LNumber(o.total))
	return 2
}

func (ls *luaSocket) listen(a args, o *lsObj) int {
	backlog := int(a.L.OptNumber(2, 32))
	if err := unix.Listen(o.fd(), backlog); err != nil {
		return a.lsFail(err)
	}
	ls.setState(o, "server")
	return a.lsOK()
}

func (ls *luaSocket) shutdown(a args, o *lsObj) int {
	how := map[string]int{"receive": unix.SHUT_RD, "send": unix.SHUT_WR, "both": unix.SHUT_RDWR}
	name := a.L.OptString(2, "both")
	h, ok := how[name]
	if !ok {
		a.lsArgError(2, "invalid option '"+name+"'")
	}
	if s := o.sock(); s != nil {
		s.Shutdown(h) //nolint:errcheck // LuaSocket ignores the outcome
	}
	return a.lsOK()
}

// lsFamilyName is how getsockname and getpeername name an object's family.
func lsFamilyName(family int) string {
	switch family {
	case sock.AFInet:
		return "inet"
	case sock.AFInet6:
		return "inet6"
	case 0:
		return "unspec"
	}
	return "unknown"
}

func (ls *luaSocket) getsockname(a args, o *lsObj) int {
	return ls.pushName(a, o, unix.Getsockname)
}

func (ls *luaSocket) getpeername(a args, o *lsObj) int {
	return ls.pushName(a, o, unix.Getpeername)
}

// pushName pushes address, port, family (Unix sockets: the path).
func (ls *luaSocket) pushName(a args, o *lsObj, get func(int) (unix.Sockaddr, error)) int {
	sa, err := get(o.fd())
	if err != nil {
		return a.lsFail(err)
	}
	if u, ok := sa.(*unix.SockaddrUnix); ok {
		a.L.Push(lua.LString(u.Name))
		return 1
	}
	addr, port, _ := sock.FormatSockaddr(sa)
	a.L.Push(lua.LString(addr))
	a.L.Push(lua.LString(strconv.Itoa(port))) // a string, as LuaSocket 3.1 gives it
	a.L.Push(lua.LString(lsFamilyName(o.family)))
	return 3
}

// ---- UDP ----------------------------------------------------------------

// udpError is LuaSocket's udp_strerror: IO_CLOSED reads "refused".
func udpError(err error) string {
	if err == errLSClosed {
		return "refused"
	}
	return lsError(err)
}

// udpSend: udp:send(data) (connected) and udp:sendto(data, ip, port)
// (unconnected; numeric addresses only) -> bytes sent | nil, err.
func (ls *luaSocket) udpSend(a args, o *lsObj) int {
	L := a.L
	data := L.CheckString(2)
	var to unix.Sockaddr
	if o.state == "unconnected" {
		ip, port := L.CheckString(3), L.CheckString(4)
		ais, err := ls.resolve(ip, port, o.family, unix.SOCK_DGRAM, true)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("Name or service not known")) // gai_strerror(EAI_NONAME)
			return 2
		}
		if o.s == nil && o.family == 0 {
			if err := ls.create(o, ais[0].family); err != nil {
				return a.lsFail(err)
			}
		}
		to = ais[0].sockaddr()
	}
	s := o.sock()
	var n int
	return a.lsAwait(s, sock.Write, newDeadline(o.block, o.total), func() (err error) {
		if s == nil {
			return errLSClosed
		}
		n, err = s.TrySend(data, 0, to, false) // the engine checks the policy for to
		return err
	}, func(err error) int {
		if err = a.lsWaited(err); err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(udpError(err)))
			return 2
		}
		L.Push(lua.LNumber(n))
		return 1
	})
}

// udpReceive: udp:receive([size]) -> datagram | nil, err and
// udp:receivefrom([size]) -> datagram, ip, port | nil, err. An empty
// datagram is "", not "closed".
func (ls *luaSocket) udpReceive(a args, o *lsObj) int {
	L := a.L
	from := L.CheckUserData(1) != nil && a.fn == "receivefrom"
	size := int(L.OptNumber(2, lsBufSize))
	if size < 0 {
		size = 0
	}
	s := o.sock()
	var data string
	var sa unix.Sockaddr
	return a.lsAwait(s, sock.Read, newDeadline(o.block, o.total), func() (err error) {
		if s == nil {
			return errLSClosed
		}
		if from {
			data, sa, err = s.RecvFrom(size, 0)
		} else {
			data, err = s.Recv(size, 0)
		}
		return err
	}, func(err error) int {
		err = a.lsWaited(err)
		if err == errLSClosed && !from {
			err = nil // LuaSocket's receive on no descriptor gives ""
		}
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(udpError(err)))
			return 2
		}
		L.Push(lua.LString(data))
		if !from {
			return 1
		}
		if u, ok := sa.(*unix.SockaddrUnix); ok {
			L.Push(lua.LString(u.Name))
			return 2
		}
		addr, port, _ := sock.FormatSockaddr(sa)
		L.Push(lua.LString(addr))
		L.Push(lua.LNumber(port))
		return 3
	})
}

// udpSetpeername: udp:setpeername(address, port) connects the object;
// udp:setpeername("*") disconnects it.
func (ls *luaSocket) udpSetpeername(a args, o *lsObj) int {
	address := a.L.CheckString(2)
	if address == "*" {
		if o.s != nil {
			if err := lsDisconnect(o.fd()); err != nil && err != unix.EAFNOSUPPORT {
				return a.lsFail(err)
			}
		}
		ls.setState(o, "unconnected")
		return a.lsOK()
	}
	port := a.L.CheckString(3)
	return ls.connect(a, o, address, port, func(err error) {
		if err == nil {
			ls.setState(o, "connected")
		}
	}, false)
}

// netipAny is a family's any-address (bind("*", port)).
func netipAny(family int) netip.Addr {
	if family == sock.AFInet6 {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}
