package script

import (
	"net/netip"

	"sockrun/sock"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// LuaSocket's socket options (its options.c): named options whose values
// are booleans, numbers, {on = bool, timeout = n} (linger), an address
// (ip-multicast-if) or {multiaddr = ip, interface = ip|index} (membership).

type lsOptKind int

const (
	optBool lsOptKind = iota
	optInt
	optLinger
	optError
	optMcastIf
	optMembership4
	optMembership6
	optDevice
)

type lsOption struct {
	level, name int
	kind        lsOptKind
	get, set    bool
}

// lsOptions are the options by kind of object; get and set say which of
// getoption and setoption know them, as in LuaSocket.
var lsOptions = map[lsKind]map[string]lsOption{
	lsTCP: {
		"keepalive":        {unix.SOL_SOCKET, unix.SO_KEEPALIVE, optBool, true, true},
		"reuseaddr":        {unix.SOL_SOCKET, unix.SO_REUSEADDR, optBool, true, true},
		"reuseport":        {unix.SOL_SOCKET, unix.SO_REUSEPORT, optBool, true, true},
		"tcp-nodelay":      {unix.IPPROTO_TCP, unix.TCP_NODELAY, optBool, true, true},
		"tcp-keepcnt":      {unix.IPPROTO_TCP, unix.TCP_KEEPCNT, optInt, true, true},
		"tcp-keepintvl":    {unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, optInt, true, true},
		"linger":           {unix.SOL_SOCKET, unix.SO_LINGER, optLinger, true, true},
		"error":            {unix.SOL_SOCKET, unix.SO_ERROR, optError, true, false},
		"recv-buffer-size": {unix.SOL_SOCKET, unix.SO_RCVBUF, optInt, true, true},
		"send-buffer-size": {unix.SOL_SOCKET, unix.SO_SNDBUF, optInt, true, true},
		"ipv6-v6only":      {unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, optBool, false, true},
	},
	lsUDP: {
		"dontroute":            {unix.SOL_SOCKET, unix.SO_DONTROUTE, optBool, true, true},
		"broadcast":            {unix.SOL_SOCKET, unix.SO_BROADCAST, optBool, true, true},
		"reuseaddr":            {unix.SOL_SOCKET, unix.SO_REUSEADDR, optBool, true, true},
		"reuseport":            {unix.SOL_SOCKET, unix.SO_REUSEPORT, optBool, true, true},
		"ip-multicast-if":      {unix.IPPROTO_IP, unix.IP_MULTICAST_IF, optMcastIf, true, true},
		"ip-multicast-ttl":     {unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, optInt, true, true},
		"ip-multicast-loop":    {unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, optBool, true, true},
		"ip-add-membership":    {unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, optMembership4, false, true},
		"ip-drop-membership":   {unix.IPPROTO_IP, unix.IP_DROP_MEMBERSHIP, optMembership4, false, true},
		"ipv6-unicast-hops":    {unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, optInt, true, true},
		"ipv6-multicast-hops":  {unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, optInt, true, true},
		"ipv6-multicast-loop":  {unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, optBool, true, true},
		"ipv6-add-membership":  {unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, optMembership6, false, true},
		"ipv6-drop-membership": {unix.IPPROTO_IPV6, unix.IPV6_LEAVE_GROUP, optMembership6, false, true},
		"ipv6-v6only":          {unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, optBool, true, true},
		"error":                {unix.SOL_SOCKET, unix.SO_ERROR, optError, true, false},
		"recv-buffer-size":     {unix.SOL_SOCKET, unix.SO_RCVBUF, optInt, true, true},
		"send-buffer-size":     {unix.SOL_SOCKET, unix.SO_SNDBUF, optInt, true, true},
	},
	lsUnixStream: {
		"keepalive":        {unix.SOL_SOCKET, unix.SO_KEEPALIVE, optBool, false, true},
		"reuseaddr":        {unix.SOL_SOCKET, unix.SO_REUSEADDR, optBool, false, true},
		"linger":           {unix.SOL_SOCKET, unix.SO_LINGER, optLinger, false, true},
		"recv-buffer-size": {unix.SOL_SOCKET, unix.SO_RCVBUF, optInt, false, true},
		"send-buffer-size": {unix.SOL_SOCKET, unix.SO_SNDBUF, optInt, false, true},
	},
	lsUnixDgram: {
		"reuseaddr":        {unix.SOL_SOCKET, unix.SO_REUSEADDR, optBool, false, true},
		"recv-buffer-size": {unix.SOL_SOCKET, unix.SO_RCVBUF, optInt, false, true},
		"send-buffer-size": {unix.SOL_SOCKET, unix.SO_SNDBUF, optInt, false, true},
	},
}

// lookupOption finds a named option or raises LuaSocket's argument error.
func lookupOption(a args, o *lsObj, set bool) lsOption {
	name := a.L.CheckString(2)
	opt, ok := lsOptions[o.kind][name]
	if !ok || (set && !opt.set) || (!set && !opt.get) {
		a.lsArgError(2, "unsupported option `"+name+"'")
	}
	return opt
}

// getoption: obj:getoption(name) -> value | nil, "getsockopt failed".
func (ls *luaSocket) getoption(a args, o *lsObj) int {
	L := a.L
	opt := lookupOption(a, o, false)
	failed := func() int {
		L.Push(lua.LNil)
		L.Push(lua.LString("getsockopt failed"))
		return 2
	}
	switch opt.kind {
	case optLinger:
		l, err := unix.GetsockoptLinger(o.fd(), opt.level, opt.name)
		if err != nil {
			return failed()
		}
		t := L.NewTable()
		t.RawSetString("on", lua.LBool(l.Onoff != 0))
		t.RawSetString("timeout", lua.LNumber(l.Linger))
		L.Push(t)
		return 1
	case optMcastIf:
		ip, err := unix.GetsockoptInet4Addr(o.fd(), opt.level, opt.name)
		if err != nil {
			return failed()
		}
		L.Push(lua.LString(netip.AddrFrom4(ip).String()))
		return 1
	case optDevice:
		dev, err := unix.GetsockoptString(o.fd(), opt.level, opt.name)
		if err != nil {
			return failed()
		}
		L.Push(lua.LString(dev))
		return 1
	}
	v, err := unix.GetsockoptInt(o.fd(), opt.level, opt.name)
	if err != nil {
		return failed()
	}
	switch opt.kind {
	case optBool:
		L.Push(lua.LBool(v != 0))
	case optError:
		if v == 0 {
			L.Push(lua.LNil) // LuaSocket pushes no message for "no error"
		} else {
			L.Push(lua.LString(lsError(unix.Errno(v))))
		}
	default:
		L.Push(lua.LNumber(v))
	}
	return 1
}

// setoption: obj:setoption(name[, value]) -> 1 | nil, "setsockopt failed".
func (ls *luaSocket) setoption(a args, o *lsObj) int {
	L := a.L
	opt := lookupOption(a, o, true)
	var err error
	fd := o.fd()
	switch opt.kind {
	case optBool:
		v, ok := L.Get(3).(lua.LBool)
		if !ok {
			a.lsArgError(3, "boolean expected, got "+lsTypeName(L, 3))
		}
		n := 0
		if v {
			n = 1
		}
		err = unix.SetsockoptInt(fd, opt.level, opt.name, n)
	case optInt:
		err = unix.SetsockoptInt(fd, opt.level, opt.name, int(L.CheckNumber(3)))
	case optLinger:
		t := L.CheckTable(3)
		on, ok := t.RawGetString("on").(lua.LBool)
		if !ok {
			a.lsArgError(3, "boolean 'on' field expected")
		}
		secs, ok := t.RawGetString("timeout").(lua.LNumber)
		if !ok {
			a.lsArgError(3, "number 'timeout' field expected")
		}
		l := &unix.Linger{Linger: int32(secs)}
		if on {
			l.Onoff = 1
		}
		err = unix.SetsockoptLinger(fd, opt.level, opt.name, l)
	case optMcastIf:
		addr := L.CheckString(3)
		ip := netip.IPv4Unspecified()
		if addr != "*" {
			var ok bool
			if ip, ok = sock.InetAton(addr); !ok || !ip.Is4() {
				a.lsArgError(3, "ip expected")
			}
		}
		err = unix.SetsockoptInet4Addr(fd, opt.level, opt.name, ip.As4())
	case optMembership4:
		t := L.CheckTable(3)
		group, ok := t.RawGetString("multiaddr").(lua.LString)
		if !ok {
			a.lsArgError(3, "string 'multiaddr' field expected")
		}
		g, ok := sock.InetAton(string(group))
		if !ok {
			a.lsArgError(3, "invalid 'multiaddr' ip address")
		}
		iface, ok := t.RawGetString("interface").(lua.LString)
		if !ok {
			a.lsArgError(3, "string 'interface' field expected")
		}
		ifaddr := netip.IPv4Unspecified()
		if iface != "*" {
			if ifaddr, ok = sock.InetAton(string(iface)); !ok {
				a.lsArgError(3, "invalid 'interface' ip address")
			}
		}
		err = unix.SetsockoptIPMreq(fd, opt.level, opt.name, &unix.IPMreq{Multiaddr: g.As4(), Interface: ifaddr.As4()})
	case optMembership6:
		t := L.CheckTable(3)
		group, ok := t.RawGetString("multiaddr").(lua.LString)
		if !ok {
			a.lsArgError(3, "string 'multiaddr' field expected")
		}
		g, perr := netip.ParseAddr(string(group))
		if perr != nil || !g.Is6() {
			a.lsArgError(3, "invalid 'multiaddr' ip address")
		}
		index := 0
		if v := t.RawGetString("interface"); v != lua.LNil {
			n, ok := v.(lua.LNumber)
			if !ok {
				a.lsArgError(3, "number 'interface' field expected")
			}
			index = int(n)
		}
		err = unix.SetsockoptIPv6Mreq(fd, opt.level, opt.name, &unix.IPv6Mreq{Multiaddr: g.As16(), Interface: uint32(index)})
	case optDevice:
		err = unix.SetsockoptString(fd, opt.level, opt.name, L.CheckString(3))
	}
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("setsockopt failed"))
		return 2
	}
	return a.lsOK()
}
