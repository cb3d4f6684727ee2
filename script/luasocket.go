package script

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/mimecore"
	"sockrun/sched"
	"sockrun/sock"
)

// LuaSocket's API (require("socket")), over the same engine as the PHP-style
// functions: every LuaSocket object holds a runtime *Socket, so sockets of
// both kinds share the poller, the policy, --max-sockets and the tasks.
// socket.core, socket.unix and mime.core are Go (sockrun cannot load C
// modules); LuaSocket's own Lua modules (socket.lua, ltn12, mime.lua,
// socket/http.lua, ...) load on top of them from Lua 5.1's standard paths.
// Behaviour follows LuaSocket 3.x as observed on Debian's lua-socket;
// docs/luasocket.md lists what differs.

// openLuaSocket registers the LuaSocket modules with require.
func openLuaSocket(rt *Runtime) {
	L := rt.L
	ls := &luaSocket{rt: rt, classes: map[string]*lua.LTable{}}
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	addLua51Paths(pkg)
	detachCoroutines(rt)
	preload, _ := pkg.RawGetString("preload").(*lua.LTable)
	if preload == nil {
		preload = L.NewTable()
		pkg.RawSetString("preload", preload)
	}
	preload.RawSetString("socket.core", L.NewFunction(ls.openCore))
	preload.RawSetString("socket.unix", L.NewFunction(ls.openUnix))
	preload.RawSetString("mime.core", L.NewFunction(func(L *lua.LState) int {
		L.Push(mimecore.Open(L))
		return 1
	}))
	// The fallback "socket" module comes after every file loader, so an
	// installed socket.lua wins.
	if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok {
		loaders.Append(L.NewFunction(ls.fallbackLoader))
	}
}

// addLua51Paths makes require search where Lua 5.1's standalone interpreter
// does on Debian (LuaRocks and the lua-* packages install there), after
// what package.path already holds (LUA_PATH, or gopher-lua's default).
func addLua51Paths(pkg *lua.LTable) {
	path := lua.LVAsString(pkg.RawGetString("path"))
	parts := strings.Split(path, ";")
	for _, dir := range []string{"/usr/local/share/lua/5.1", "/usr/local/lib/lua/5.1", "/usr/share/lua/5.1"} {
		for _, p := range []string{dir + "/?.lua", dir + "/?/init.lua"} {
			if !containsString(parts, p) {
				parts = append(parts, p)
			}
		}
	}
	pkg.RawSetString("path", lua.LString(strings.Join(parts, ";")))
}

// luaSocket is the binding's state for one runtime.
type luaSocket struct {
	rt      *Runtime
	core    *lua.LTable            // socket.core, read for _DEBUG at each call
	classes map[string]*lua.LTable // one metatable per class name ("tcp{master}")
}

// lsKind is an object's protocol family of classes.
type lsKind int

const (
	lsTCP lsKind = iota
	lsUDP
	lsUnixStream
	lsUnixDgram
)

// lsPrefix is each kind's class-name prefix, as LuaSocket names its classes.
var lsPrefix = map[lsKind]string{lsTCP: "tcp", lsUDP: "udp", lsUnixStream: "unixstream", lsUnixDgram: "unixdgram"}

// lsBufSize is LuaSocket's read-ahead buffer (BUF_SIZE) and send step; it is
// also UDP's default datagram size (UDP_DATAGRAMSIZE).
const lsBufSize = 8192

// lsObj is one LuaSocket object: a master, client or server (TCP, Unix
// stream) or an unconnected or connected datagram socket.
type lsObj struct {
	kind   lsKind
	state  string  // "master", "client", "server", "unconnected", "connected"
	family int     // 0 (unspec) until a bind or connect picks one
	s      *Socket // nil: no descriptor (getfd() is -1)
	ud     *lua.LUserData

	// LuaSocket reads ahead: receive takes what it needs from here and
	// refills it with one recv of up to lsBufSize bytes.
	pending string

	block, total   float64 // settimeout's values, negative for none
	received, sent float64 // getstats' counters
	birthday       time.Time
}

// sock is the object's socket, or nil when it has none or it was closed
// (through setfd, a PHP-style socket may be closed under it).
func (o *lsObj) sock() *Socket {
	if o.s == nil || o.s.Closed() {
		return nil
	}
	return o.s
}

// fd is the object's descriptor, or -1.
func (o *lsObj) fd() int {
	if s := o.sock(); s != nil {
		return s.FD()
	}
	return -1
}

func (o *lsObj) class() string { return lsPrefix[o.kind] + "{" + o.state + "}" }

// errLSClosed is LuaSocket's IO_CLOSED: EOF, or a call on a closed object.
var errLSClosed = errors.New("closed")

// lsError words an outcome as LuaSocket's error strings (its pierror.h and
// io.c): a few are fixed, the rest are glibc's strerror.
func lsError(err error) string {
	var herr sock.HostError
	switch {
	case err == errLSClosed:
		return "closed"
	case err == sock.ErrTimeout:
		return "timeout"
	case errors.As(err, &herr):
		return "host not found"
	}
	switch code := sock.Errno(err); syscall.Errno(code) {
	case unix.EAGAIN, unix.ETIMEDOUT:
		return "timeout"
	case unix.EPIPE, unix.ECONNABORTED, unix.ECONNRESET:
		return "closed"
	case unix.EADDRINUSE:
		return "address already in use"
	case unix.EISCONN:
		return "already connected"
	case unix.EACCES:
		return "permission denied"
	case unix.ECONNREFUSED:
		return "connection refused"
	default:
		return sock.Strerror(code)
	}
}

// lsGaiError words a failed getaddrinfo as LuaSocket does (pierror.h).
func lsGaiError(err error) string {
	var herr sock.HostError
	if errors.As(err, &herr) && herr == sock.HostTryAgain {
		return "temporary failure in name resolution"
	}
	if errors.As(err, &herr) || errors.Is(err, errNoAddress) {
		return "host or service not provided, or not known"
	}
	return lsError(err)
}

var errNoAddress = errors.New("no address")

// newObj makes a LuaSocket object of a class, with no descriptor yet.
func (ls *luaSocket) newObj(kind lsKind, state string, family int) *lsObj {
	o := &lsObj{kind: kind, state: state, family: family, block: -1, total: -1, birthday: time.Now()}
	o.ud = ls.rt.L.NewUserData()
	o.ud.Value = o
	o.ud.Metatable = ls.classes[o.class()]
	return o
}

// setState moves an object to another class of its kind.
func (ls *luaSocket) setState(o *lsObj, state string) {
	o.state = state
	o.ud.Metatable = ls.classes[o.class()]
}

// sockType is the kind's socket type.
func (o *lsObj) sockType() int {
	if o.kind == lsUDP || o.kind == lsUnixDgram {
		return unix.SOCK_DGRAM
	}
	return unix.SOCK_STREAM
}

// create gives o a descriptor of a family (inet_trycreate): IPv6 sockets
// are IPv6-only, as LuaSocket makes them.
func (ls *luaSocket) create(o *lsObj, family int) error {
	s, err := ls.rt.eng.NewSocket(family, o.sockType(), 0)
	if err != nil {
		return err
	}
	if family == sock.AFInet6 {
		unix.SetsockoptInt(s.FD(), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1) //nolint:errcheck // as LuaSocket, best effort
	}
	ls.drop(o)
	o.s, o.family = s, family
	return nil
}

// drop closes o's descriptor, if any.
func (ls *luaSocket) drop(o *lsObj) {
	if o.s != nil {
		ls.rt.eng.CloseSocket(o.s)
		o.s = nil
	}
}

// debug reports socket._DEBUG: then send and receive also return the
// seconds they took, as a LuaSocket built with LUASOCKET_DEBUG does.
func (ls *luaSocket) debug() bool {
	return ls.core != nil && lua.LVAsBool(ls.core.RawGetString("_DEBUG"))
}

// method is one object method and the class it requires ("" for any class
// of the kind, LuaSocket's "group").
type lsMethod struct {
	name  string
	state string
	fn    func(ls *luaSocket, a args, o *lsObj) int
}

// makeClasses builds the metatables of a kind's classes: __index holds the
// methods and the class name, as LuaSocket's auxiliar_newclass does.
func (ls *luaSocket) makeClasses(kind lsKind, states []string, methods []lsMethod) {
	L := ls.rt.L
	for _, state := range states {
		class := lsPrefix[kind] + "{" + state + "}"
		mt := L.NewTable()
		index := L.NewTable()
		index.RawSetString("class", lua.LString(class))
		for _, m := range methods {
			m := m
			index.RawSetString(m.name, L.NewFunction(func(L *lua.LState) int {
				a := args{L: L, rt: ls.rt, fn: m.name}
				return m.fn(ls, a, ls.check(a, kind, m.state))
			}))
		}
		mt.RawSetString("__index", index)
		mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
			o, _ := L.CheckUserData(1).Value.(*lsObj)
			L.Push(lua.LString(fmt.Sprintf("%s: %p", class, o)))
			return 1
		}))
		ls.classes[class] = mt
	}
}

// check is LuaSocket's auxiliar_checkclass/checkgroup for argument 1.
func (ls *luaSocket) check(a args, kind lsKind, state string) *lsObj {
	want := lsPrefix[kind] + "{any}"
	if state != "" {
		want = lsPrefix[kind] + "{" + state + "}"
	}
	ud, ok := a.L.Get(1).(*lua.LUserData)
	if ok {
		if o, ok := ud.Value.(*lsObj); ok && o.kind == kind && (state == "" || o.state == state) {
			return o
		}
	}
	a.lsArgError(1, want+" expected")
	return nil
}

// pushFail pushes LuaSocket's nil, message; a script being stopped unwinds.
func (a args) lsFail(err error) int {
	if err == errStopped {
		a.L.RaiseError("%s", errStopped.Error())
	}
	a.L.Push(lua.LNil)
	a.L.Push(lua.LString(lsError(err)))
	return 2
}

// lsWaited is the outcome of a call that may have waited, as LuaSocket
// words it: a script being stopped unwinds, and an object closed (by
// another task) while the call waited is "closed".
func (a args) lsWaited(err error) error {
	switch err {
	case errStopped:
		raiseStopped(a.L)
	case sock.ErrClosed:
		return errLSClosed
	}
	return err
}

func (a args) lsOK() int {
	a.L.Push(lua.LNumber(1))
	return 1
}

// ---- socket.core ------------------------------------------------------

// openCore is the loader of socket.core.
func (ls *luaSocket) openCore(L *lua.LState) int {
	ls.makeClasses(lsTCP, []string{"master", "client", "server"}, tcpMethods)
	ls.makeClasses(lsUDP, []string{"unconnected", "connected"}, udpMethods)
	core := L.NewTable()
	ls.core = core
	for _, f := range []struct {
		name string
		fn   func(ls *luaSocket, a args) int
	}{
		{"tcp", func(ls *luaSocket, a args) int { return ls.newTCP(a, 0) }},
		{"tcp4", func(ls *luaSocket, a args) int { return ls.newTCP(a, sock.AFInet) }},
		{"tcp6", func(ls *luaSocket, a args) int { return ls.newTCP(a, sock.AFInet6) }},
		{"udp", func(ls *luaSocket, a args) int { return ls.newUDP(a, 0) }},
		{"udp4", func(ls *luaSocket, a args) int { return ls.newUDP(a, sock.AFInet) }},
		{"udp6", func(ls *luaSocket, a args) int { return ls.newUDP(a, sock.AFInet6) }},
		{"connect", (*luaSocket).globalConnect},
		{"select", (*luaSocket).selectFunc},
		{"sleep", (*luaSocket).sleep},
		{"gettime", (*luaSocket).gettime},
		{"skip", (*luaSocket).skip},
	} {
		f := f
		core.RawSetString(f.name, L.NewFunction(func(L *lua.LState) int {
			return f.fn(ls, args{L: L, rt: ls.rt, fn: f.name})
		}))
	}
	dns := L.NewTable()
	for name, fn := range map[string]func(ls *luaSocket, a args) int{
		"toip": (*luaSocket).toip, "tohostname": (*luaSocket).tohostname,
		"gethostname": (*luaSocket).gethostname, "getaddrinfo": (*luaSocket).getaddrinfo,
		"getnameinfo": (*luaSocket).getnameinfo,
	} {
		name, fn := name, fn
		dns.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			return fn(ls, args{L: L, rt: ls.rt, fn: name})
		}))
	}
	core.RawSetString("dns", dns)
	core.RawSetString("_VERSION", lua.LString("LuaSocket 3.0.0"))
	core.RawSetString("_SETSIZE", lua.LNumber(lsSetSize()))
	core.RawSetString("_SOCKETINVALID", lua.LNumber(-1))
	core.RawSetString("_DATAGRAMSIZE", lua.LNumber(lsBufSize))
	if os.Getenv("LUASOCKET_DEBUG") != "" {
		core.RawSetString("_DEBUG", lua.LTrue)
	}
	ls.openExcept(L, core)
	L.Push(core)
	return 1
}

// lsSetSize is socket._SETSIZE: select has no FD_SETSIZE, so the honest
// ceiling is how many descriptors the process may have open at all.
func lsSetSize() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 1 << 30
	}
	return int(lim.Cur)
}

func (ls *luaSocket) newTCP(a args, family int) int {
	o := ls.newObj(lsTCP, "master", family)
	if family != 0 {
		if err := ls.create(o, family); err != nil {
			return a.lsFail(err)
		}
	}
	a.L.Push(o.ud)
	return 1
}

func (ls *luaSocket) newUDP(a args, family int) int {
	o := ls.newObj(lsUDP, "unconnected", family)
	if family != 0 {
		if err := ls.create(o, family); err != nil {
			return a.lsFail(err)
		}
	}
	a.L.Push(o.ud)
	return 1
}

// globalConnect: socket.connect(address, port[, laddress[, lport[, family]]])
// -> tcp{client} | nil, err.
func (ls *luaSocket) globalConnect(a args) int {
	address := a.L.CheckString(1)
	port := lsPortArg(a, 2)
	laddress := a.L.OptString(3, "")
	lport := "0"
	if !a.absent(4) {
		lport = lsPortArg(a, 4)
	}
	family := lsFamilyOption(a, 5)
	o := ls.newObj(lsTCP, "master", family)
	if !a.absent(3) {
		if err := ls.bind(o, laddress, lport); err != "" {
			ls.drop(o)
			a.L.Push(lua.LNil)
			a.L.Push(lua.LString(err))
			return 2
		}
	}
	return ls.connect(a, o, address, port, func(err error) {
		if err != nil {
			ls.drop(o)
			return
		}
		ls.setState(o, "client")
	}, true)
}

// lsPortArg reads a port or service argument, a string or a number.
func lsPortArg(a args, n int) string {
	return a.L.CheckString(n)
}

// lsFamilyOption is inet_optfamily: "unspec", "inet" or "inet6".
func lsFamilyOption(a args, n int) int {
	switch a.L.OptString(n, "unspec") {
	case "unspec":
		return 0
	case "inet":
		return sock.AFInet
	case "inet6":
		return sock.AFInet6
	}
	a.lsArgError(n, fmt.Sprintf("invalid option '%s'", a.L.CheckString(n)))
	return 0
}

// resolve is LuaSocket's getaddrinfo step of bind and connect. numeric
// allows only numeric hosts and services (sendto's AI_NUMERICHOST).
func (ls *luaSocket) resolve(host, port string, family, sockType int, numeric bool) ([]*addrInfo, error) {
	hints := map[string]int{"ai_family": family, "ai_socktype": sockType}
	if numeric {
		hints["ai_flags"] = aiNumericHost | aiNumericServ
	}
	if host == "" {
		return nil, sock.HostNotFound
	}
	return ls.rt.lsLookup(host, port, hints)
}

// bind is inet_trybind; it returns LuaSocket's message or "".
func (ls *luaSocket) bind(o *lsObj, address, port string) string {
	var ais []*addrInfo
	var err error
	if address == "*" {
		p, ok := numericPort(port)
		if !ok {
			if p, err = servicePort(o.sockType(), port); err != nil {
				return lsGaiError(err)
			}
		}
		// getaddrinfo(NULL, port, AI_PASSIVE): the any-addresses, IPv4 first.
		for _, fam := range []int{sock.AFInet, sock.AFInet6} {
			if o.family == 0 || o.family == fam {
				ip := netipAny(fam)
				ais = append(ais, &addrInfo{family: fam, sockType: o.sockType(), ip: ip, port: p})
			}
		}
	} else if ais, err = ls.resolve(address, port, o.family, o.sockType(), false); err != nil {
		return lsGaiError(err)
	}
	msg := "host or service not provided, or not known"
	for _, ai := range ais {
		if o.s == nil || o.family != ai.family {
			if err := ls.create(o, ai.family); err != nil {
				msg = lsError(err)
				continue
			}
		}
		if err := o.s.Bind(ai.sockaddr()); err != nil {
			msg = lsError(err)
			continue
		}
		return ""
	}
	return msg
}

// connect is inet_tryconnect: resolve, then try each address with a socket
// of its family (LuaSocket reuses the object's socket when the family
// matches). done runs on the Lua side with the outcome, before the results
// are pushed. Name resolution does not suspend a task; the connection does.
func (ls *luaSocket) connect(a args, o *lsObj, address, port string, done func(error), object bool) int {
	ais, err := ls.resolve(address, port, o.family, o.sockType(), false)
	if err != nil {
		done(err)
		a.L.Push(lua.LNil)
		a.L.Push(lua.LString(lsGaiError(err)))
		return 2
	}
	var targets []lsConnectTarget
	made := map[int]*Socket{}
	if s := o.sock(); s != nil {
		made[o.family] = s
	}
	var createErr error
	for _, ai := range ais {
		s := made[ai.family]
		if s == nil {
			if s, createErr = ls.rt.eng.NewSocket(ai.family, o.sockType(), 0); createErr != nil {
				continue
			}
			if ai.family == sock.AFInet6 {
				unix.SetsockoptInt(s.FD(), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1) //nolint:errcheck
			}
			made[ai.family] = s
		}
		targets = append(targets, lsConnectTarget{s: s, sa: ai.sockaddr()})
	}
	if len(targets) == 0 {
		done(createErr)
		return a.lsFail(createErr)
	}
	canWait, timeout := newDeadline(o.block, o.total).wait()
	call := &lsConnectCall{targets: targets, wait: canWait}
	return a.lsAwaitAll(call.watches(), canWait, timeout, call.attempt, func(err error) int {
		keep := targets[call.i].s
		for _, s := range made {
			if s != keep {
				ls.rt.eng.CloseSocket(s)
			}
		}
		err = a.lsWaited(err)
		o.s, o.family = keep, keep.Domain
		if keep.Closed() {
			o.s = nil
		}
		done(err)
		if err != nil {
			return a.lsFail(err)
		}
		if object {
			a.L.Push(o.ud)
			return 1
		}
		return a.lsOK()
	})
}

// ---- socket.select, sleep, gettime, skip --------------------------------

// selectFunc: socket.select(recvt, sendt[, timeout]) -> readable, writable
// [, "timeout"]. Both results are LuaSocket's tables: a sequence of the ready
// objects that also maps each object to its index. Objects are anything
// with getfd (and dirty) whose descriptor is one of the script's sockets
// (LuaSocket objects and PHP-style sockets directly); an object with
// buffered data is readable at once. The engine answers it, as it answers
// socket_select (see sock.Engine.Check): there is no FD_SETSIZE limit.
func (ls *luaSocket) selectFunc(a args) int {
	L := a.L
	timeout := float64(L.OptNumber(3, -1))
	var interests []sock.Interest
	a.rt.selectGen++
	gen := a.rt.selectGen
	collect := func(n int, want int) []lsSelectEntry {
		v := L.Get(n)
		if v == lua.LNil {
			return nil
		}
		t, ok := v.(*lua.LTable)
		if !ok {
			a.lsArgError(n, "table expected, got "+lsTypeName(L, n))
		}
		var out []lsSelectEntry
		for i := 1; ; i++ {
			item := L.GetTable(t, lua.LNumber(i))
			if item == lua.LNil {
				break
			}
			s := ls.selectSocket(L, item)
			if s == nil {
				continue
			}
			if s.SelectGen != gen {
				s.SelectGen, s.SelectSlot = gen, len(interests)
				interests = append(interests, sock.Interest{S: s})
			}
			interests[s.SelectSlot].Want |= want
			out = append(out, lsSelectEntry{item, s.SelectSlot})
		}
		return out
	}
	recvs := collect(1, sock.WantRead)
	sends := collect(2, sock.WantWrite)
	if setSize := int(lua.LVAsNumber(ls.core.RawGetString("_SETSIZE"))); len(interests) > setSize {
		a.lsArgError(1, "too many sockets")
	}
	var dirty []lua.LValue
	for _, e := range recvs {
		if lsDirty(L, e.v) {
			dirty = append(dirty, e.v)
			interests[e.slot].Want &^= sock.WantRead // reported from the buffer, not the kernel
		}
	}
	canWait, wait := true, time.Duration(0) // no limit
	if timeout >= 0 {
		d, ok := sock.Duration(timeout)
		switch {
		case !ok || d == 0:
			canWait = false
		case d > 0:
			wait = d
		}
	}
	if len(dirty) > 0 {
		canWait = false
	}
	eng := a.rt.eng
	if err := eng.Poll(false); err != nil {
		raiseStopped(L)
	}
	attempt := func() error {
		if _, err := eng.Check(interests); err != nil {
			return err
		}
		for _, in := range interests {
			if in.Ready&in.Want != 0 {
				return nil
			}
		}
		return unix.EAGAIN
	}
	var watches []sock.Watch
	for _, in := range interests {
		if in.Want&sock.WantRead != 0 {
			watches = append(watches, sock.Watch{S: in.S, Dir: sock.Read})
		}
		if in.Want&sock.WantWrite != 0 {
			watches = append(watches, sock.Watch{S: in.S, Dir: sock.Write})
		}
	}
	return a.lsAwaitAll(watches, canWait, wait, attempt, func(err error) int {
		switch err {
		case errStopped:
			raiseStopped(L)
		case nil, unix.EAGAIN:
		case sock.ErrTimeout:
			for i := range interests {
				interests[i].Ready = 0
			}
		case sock.ErrClosed:
			// A socket was closed while the select waited: what is ready
			// among the others is the answer.
			open := interests[:0:0]
			for _, in := range interests {
				if !in.S.Closed() {
					open = append(open, in)
				}
			}
			eng.Check(open) //nolint:errcheck // an error leaves them not ready
			for i, j := 0, 0; i < len(interests); i++ {
				interests[i].Ready = 0
				if j < len(open) && open[j].S == interests[i].S {
					interests[i].Ready = open[j].Ready
					j++
				}
			}
		default:
			a.lsRaise("select failed")
		}
		rt, wt := L.NewTable(), L.NewTable()
		ready := 0
		add := func(t *lua.LTable, v lua.LValue) {
			if t.RawGet(v) != lua.LNil {
				return
			}
			t.Append(v)
			t.RawSet(v, lua.LNumber(t.Len()))
			ready++
		}
		for _, v := range dirty {
			add(rt, v)
		}
		for _, e := range recvs {
			if in := interests[e.slot]; in.Want&sock.WantRead != 0 && in.Ready&sock.WantRead != 0 {
				add(rt, e.v)
			}
		}
		for _, e := range sends {
			if interests[e.slot].Ready&sock.WantWrite != 0 {
				add(wt, e.v)
			}
		}
		L.Push(rt)
		L.Push(wt)
		if ready == 0 {
			L.Push(lua.LString("timeout"))
			return 3
		}
		return 2
	})
}

// lsSelectEntry is one object of a socket.select table and its interest.
type lsSelectEntry struct {
	v    lua.LValue
	slot int
}

// selectSocket is the engine socket behind a select entry: a LuaSocket
// object's, a PHP-style socket, or whatever socket item:getfd() names;
// nil when it has none (getfd() is -1, or not a descriptor of this
// script's sockets).
func (ls *luaSocket) selectSocket(L *lua.LState, item lua.LValue) *Socket {
	if ud, ok := item.(*lua.LUserData); ok {
		if o, ok := ud.Value.(*lsObj); ok {
			return o.sock()
		}
		if s, ok := ud.Value.(*Socket); ok {
			if s.Closed() {
				return nil
			}
			return s // a PHP-style socket can wait beside LuaSocket objects
		}
	}
	getfd := L.GetField(item, "getfd")
	if getfd == lua.LNil {
		return nil
	}
	L.Push(getfd)
	L.Push(item)
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	if n, ok := v.(lua.LNumber); ok && n >= 0 {
		return ls.rt.eng.SocketByFD(int(n))
	}
	return nil
}

// lsDirty calls item:dirty(), if it has one.
func lsDirty(L *lua.LState, item lua.LValue) bool {
	if ud, ok := item.(*lua.LUserData); ok {
		if o, ok := ud.Value.(*lsObj); ok {
			return len(o.pending) > 0
		}
		if _, ok := ud.Value.(*Socket); ok {
			return false
		}
	}
	dirty := L.GetField(item, "dirty")
	if dirty == lua.LNil {
		return false
	}
	L.Push(dirty)
	L.Push(item)
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	return lua.LVAsBool(v)
}

// sleep: socket.sleep(seconds) suspends the calling task (or the script).
func (ls *luaSocket) sleep(a args) int {
	n := float64(a.L.CheckNumber(1))
	if n < 0 {
		n = 0
	}
	if n > 2147483647 {
		n = 2147483647
	}
	return lsSleep(a, n)
}

// gettime: socket.gettime() -> seconds since the epoch, with microseconds.
func (ls *luaSocket) gettime(a args) int {
	a.L.Push(lua.LNumber(float64(time.Now().UnixMicro()) / 1e6))
	return 1
}

// skip: socket.skip(d, ...) returns its arguments after the d-th.
func (ls *luaSocket) skip(a args) int {
	d := a.L.CheckInt(1)
	top := a.L.GetTop()
	n := top - d - 1
	if n <= 0 {
		return 0
	}
	for i := d + 2; i <= top; i++ {
		a.L.Push(a.L.Get(i))
	}
	return n
}

// exceptLua is socket.newtry and socket.protect (LuaSocket's except.c
// behaviour): try raises its second argument wrapped in a table only
// protect recognises; protect turns that back into nil, message. Written in
// Lua so that pcall is the task-aware one and a protected function may wait.
const exceptLua = `
local core = ...
local wrapped = setmetatable({}, {__mode = "k"})
local pcall, error, select, unpack, type = pcall, error, select, unpack, type
local function pack(...) return {n = select("#", ...), ...} end
core.newtry = function(finalizer)
  return function(...)
    if (...) then return ... end
    if finalizer then finalizer() end
    local e = {(select(2, ...))}
    wrapped[e] = true
    setmetatable(e, {__metatable = false})
    error(e, 0)
  end
end
core.protect = function(f)
  return function(...)
    local r = pack(pcall(f, ...))
    if r[1] then return unpack(r, 2, r.n) end
    local e = r[2]
    if type(e) == "table" and wrapped[e] then return nil, e[1] end
    error(e, 0)
  end
end
`

func (ls *luaSocket) openExcept(L *lua.LState, core *lua.LTable) {
	fn, err := L.Load(strings.NewReader(exceptLua), sched.InternalChunk)
	if err != nil {
		panic(err)
	}
	L.Push(fn)
	L.Push(core)
	L.Call(1, 0)
}

// fallbackSocketLua is require("socket") when no socket.lua is installed:
// socket.core plus the helpers scripts use most (bind, connect4/6, try,
// choose), written for sockrun.
const fallbackSocketLua = `
local socket = require("socket.core")
function socket.connect4(address, port, laddress, lport)
  return socket.connect(address, port, laddress, lport, "inet")
end
function socket.connect6(address, port, laddress, lport)
  return socket.connect(address, port, laddress, lport, "inet6")
end
function socket.bind(host, port, backlog)
  if host == "*" then host = "0.0.0.0" end
  local infos, err = socket.dns.getaddrinfo(host)
  if not infos then return nil, err end
  err = "no info on address"
  for _, info in ipairs(infos) do
    local sock
    if info.family == "inet" then sock, err = socket.tcp4() else sock, err = socket.tcp6() end
    if not sock then return nil, err end
    sock:setoption("reuseaddr", true)
    local ok
    ok, err = sock:bind(info.addr, port)
    if ok then ok, err = sock:listen(backlog) end
    if ok then return sock end
    sock:close()
  end
  return nil, err
end
socket.try = socket.newtry()
function socket.choose(options)
  return function(name, a, b)
    if type(name) ~= "string" then name, a, b = "default", name, a end
    local f = options[name or "nil"]
    if not f then error("unknown key (" .. tostring(name) .. ")", 3) end
    return f(a, b)
  end
end
return socket
`

// fallbackLoader is the last package.loaders entry: "socket" when no file
// provides it.
func (ls *luaSocket) fallbackLoader(L *lua.LState) int {
	if L.CheckString(1) != "socket" {
		L.Push(lua.LString("\n\tno built-in fallback for this module in sockrun"))
		return 1
	}
	fn, err := L.Load(strings.NewReader(fallbackSocketLua), "=[sockrun socket]")
	if err != nil {
		panic(err)
	}
	L.Push(fn)
	return 1
}

// lsArgError raises LuaSocket's (luaL_argerror's) message, without a
// position, as errors raised by C functions have none.
func (a args) lsArgError(n int, msg string) {
	a.lsRaise(fmt.Sprintf("bad argument #%d to '%s' (%s)", n, a.fn, msg))
}

// lsRaise raises a message as luaL_error does from a C function.
func (a args) lsRaise(msg string) {
	a.L.Error(lua.LString(msg), 0)
}

// lsTypeName names argument n's type as luaL_typerror does.
func lsTypeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// detachCoroutines makes coroutine.create (and wrap) make every coroutine a
// child of the script's state instead of the coroutine that creates it.
// gopher-lua gives each coroutine a context derived from its creator's and
// cancels it when the creator ends, so a coroutine made inside another one
// died with "context canceled" once its creator finished — exactly what a
// copas-style dispatcher does (a per-connection coroutine spawned by the
// accepting one). Lua 5.1's coroutines do not depend on their creator.
func detachCoroutines(rt *Runtime) {
	L := rt.L
	co, ok := L.GetGlobal("coroutine").(*lua.LTable)
	if !ok {
		return
	}
	create, ok := co.RawGetString("create").(*lua.LFunction)
	if !ok {
		return
	}
	detached := L.NewFunction(func(L *lua.LState) int {
		fn := L.CheckFunction(1)
		// rt.L is the scheduler's state: it is inside Resume while any
		// script code runs, and its own stack is free for this call.
		if err := rt.L.CallByParam(lua.P{Fn: create, NRet: 1, Protect: true}, fn); err != nil {
			L.RaiseError("%s", errorText(err))
		}
		th := rt.L.Get(-1)
		rt.L.Pop(1)
		L.Push(th)
		return 1
	})
	co.RawSetString("create", detached)
	wrap, err := L.Load(strings.NewReader(`
local create, resume, select, unpack, error = ...
return function(f)
  local co = create(f)
  local function finish(ok, ...)
    if not ok then error((...), 0) end
    return ...
  end
  return function(...) return finish(resume(co, ...)) end
end`), sched.InternalChunk)
	if err != nil {
		panic(err)
	}
	L.Push(wrap)
	L.Push(detached)
	L.Push(co.RawGetString("resume"))
	L.Push(L.GetGlobal("select"))
	L.Push(L.GetGlobal("unpack"))
	L.Push(L.GetGlobal("error"))
	L.Call(5, 1)
	co.RawSetString("wrap", L.Get(-1))
	L.Pop(1)
}
