package script

import (
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/sock"
)

// socket.unix (LuaSocket's unix.c, unixstream.c, unixdgram.c): stream and
// datagram sockets on filesystem (or abstract, "\0name") paths, with the
// stream and datagram methods of TCP and UDP objects.

var unixStreamMethods = []lsMethod{
	{"accept", "server", (*luaSocket).accept},
	{"bind", "master", (*luaSocket).unixBind},
	{"close", "", (*luaSocket).closeMethod},
	{"connect", "master", (*luaSocket).unixConnect},
	{"dirty", "", (*luaSocket).dirty},
	{"getfd", "", (*luaSocket).getfd},
	{"getstats", "client", (*luaSocket).getstats},
	{"setstats", "client", (*luaSocket).setstats},
	{"getoption", "", (*luaSocket).getoption},
	{"setoption", "", (*luaSocket).setoption},
	{"getpeername", "client", (*luaSocket).getpeername},
	{"getsockname", "", (*luaSocket).getsockname},
	{"listen", "master", (*luaSocket).listen},
	{"receive", "client", (*luaSocket).receive},
	{"send", "client", (*luaSocket).send},
	{"setfd", "", (*luaSocket).setfd},
	{"setpeername", "master", (*luaSocket).unixConnect},
	{"setsockname", "master", (*luaSocket).unixBind},
	{"settimeout", "", (*luaSocket).settimeout},
	{"gettimeout", "", (*luaSocket).gettimeout},
	{"shutdown", "client", (*luaSocket).shutdown},
}

var unixDgramMethods = []lsMethod{
	{"bind", "unconnected", (*luaSocket).unixBind},
	{"close", "", (*luaSocket).closeMethod},
	{"connect", "", (*luaSocket).unixConnect},
	{"dirty", "", (*luaSocket).dirty},
	{"getfd", "", (*luaSocket).getfd},
	{"getoption", "", (*luaSocket).getoption},
	{"setoption", "", (*luaSocket).setoption},
	{"getpeername", "connected", (*luaSocket).getpeername},
	{"getsockname", "", (*luaSocket).getsockname},
	{"receive", "", (*luaSocket).udpReceive},
	{"receivefrom", "unconnected", (*luaSocket).udpReceive},
	{"send", "connected", (*luaSocket).unixSend},
	{"sendto", "unconnected", (*luaSocket).unixSend},
	{"setfd", "", (*luaSocket).setfd},
	{"setpeername", "", (*luaSocket).unixConnect},
	{"setsockname", "unconnected", (*luaSocket).unixBind},
	{"settimeout", "", (*luaSocket).settimeout},
	{"gettimeout", "", (*luaSocket).gettimeout},
}

// openUnix is the loader of socket.unix: a table with stream() and dgram()
// (and their old names tcp() and udp()); calling the table makes a stream.
func (ls *luaSocket) openUnix(L *lua.LState) int {
	ls.makeClasses(lsUnixStream, []string{"master", "client", "server"}, unixStreamMethods)
	ls.makeClasses(lsUnixDgram, []string{"unconnected", "connected"}, unixDgramMethods)
	mod := L.NewTable()
	stream := L.NewFunction(func(L *lua.LState) int {
		return ls.newUnix(args{L: L, rt: ls.rt, fn: "stream"}, lsUnixStream, "master")
	})
	dgram := L.NewFunction(func(L *lua.LState) int {
		return ls.newUnix(args{L: L, rt: ls.rt, fn: "dgram"}, lsUnixDgram, "unconnected")
	})
	mod.RawSetString("stream", stream)
	mod.RawSetString("tcp", stream)
	mod.RawSetString("dgram", dgram)
	mod.RawSetString("udp", dgram)
	mt := L.NewTable()
	mt.RawSetString("__call", L.NewFunction(func(L *lua.LState) int {
		return ls.newUnix(args{L: L, rt: ls.rt, fn: "stream"}, lsUnixStream, "master")
	}))
	L.SetMetatable(mod, mt)
	L.Push(mod)
	return 1
}

func (ls *luaSocket) newUnix(a args, kind lsKind, state string) int {
	o := ls.newObj(kind, state, sock.AFUnix)
	if err := ls.create(o, sock.AFUnix); err != nil {
		return a.lsFail(err)
	}
	a.L.Push(o.ud)
	return 1
}

// unixPath checks a socket path as LuaSocket does (it must fit sun_path).
func unixPath(a args, n int) (*unix.SockaddrUnix, bool) {
	path := a.L.CheckString(n)
	if len(path) >= 108 {
		a.L.Push(lua.LNil)
		a.L.Push(lua.LString("path too long"))
		return nil, false
	}
	if len(path) > 0 && path[0] == 0 {
		path = "@" + path[1:] // x/sys/unix spells the abstract namespace with '@'
	}
	return &unix.SockaddrUnix{Name: path}, true
}

// unixBind: obj:bind(path) -> 1 | nil, err.
func (ls *luaSocket) unixBind(a args, o *lsObj) int {
	sa, ok := unixPath(a, 2)
	if !ok {
		return 2
	}
	if o.sock() == nil {
		return a.lsFail(errLSClosed)
	}
	if err := o.s.Bind(sa); err != nil {
		return a.lsFail(err)
	}
	return a.lsOK()
}

// unixConnect: obj:connect(path) -> 1 | nil, err; a stream object becomes
// a client, a datagram object connected.
func (ls *luaSocket) unixConnect(a args, o *lsObj) int {
	sa, ok := unixPath(a, 2)
	if !ok {
		return 2
	}
	if o.sock() == nil {
		return a.lsFail(errLSClosed)
	}
	dl := newDeadline(o.block, o.total)
	canWait, _ := dl.wait()
	call := &lsConnectCall{targets: []lsConnectTarget{{s: o.s, sa: sa}}, wait: canWait}
	return a.lsAwait(o.s, sock.Write, dl, call.attempt, func(err error) int {
		if err = a.lsWaited(err); err != nil {
			return a.lsFail(err)
		}
		if o.kind == lsUnixStream {
			ls.setState(o, "client")
		} else {
			ls.setState(o, "connected")
		}
		return a.lsOK()
	})
}

// unixSend: dgram:send(data) and dgram:sendto(data, path).
func (ls *luaSocket) unixSend(a args, o *lsObj) int {
	L := a.L
	data := L.CheckString(2)
	var to unix.Sockaddr
	if a.fn == "sendto" {
		sa, ok := unixPath(a, 3)
		if !ok {
			return 2
		}
		to = sa
	}
	s := o.sock()
	var n int
	return a.lsAwait(s, sock.Write, newDeadline(o.block, o.total), func() (err error) {
		if s == nil {
			return errLSClosed
		}
		n, err = s.TrySend(data, 0, to, false)
		return err
	}, func(err error) int {
		if err = a.lsWaited(err); err != nil {
			return a.lsFail(err)
		}
		L.Push(lua.LNumber(n))
		return 1
	})
}
