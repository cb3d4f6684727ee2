package script

import (
	"errors"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/sock"
)

// Linux option numbers whose values are not plain ints.
const (
	solSocket  = 1
	soLinger   = 13
	soRcvtimeo = 20
	soSndtimeo = 21
)

// socketSetOption: socket_set_option(socket, level, option, value) -> bool
//
// SO_RCVTIMEO/SO_SNDTIMEO take {sec=, usec=}, SO_LINGER {l_onoff=, l_linger=};
// every other option takes a number, converted as PHP converts it. The value
// goes to the kernel (so getsockopt reads back what the kernel made of it);
// the timeouts also bound sockrun's own waits, since the descriptor itself is
// nonblocking and the kernel would ignore them.
func socketSetOption(a args) int {
	a.count(4, 4)
	s := a.socket(1, "socket")
	level := a.int(2, "level")
	option := a.int(3, "option")
	osLevel, osOption := sock.OsSockopt(level, option)
	handled, err := a.setSpecialOption(s, level, option, a.L.Get(4))
	switch {
	case handled:
	case level == solSocket && (option == soRcvtimeo || option == soSndtimeo):
		// As given: the kernel answers EDOM for usec outside 0..999999.
		tv := sock.MakeTimeval(a.field(4, "sec"), a.field(4, "usec"))
		if err = unix.SetsockoptTimeval(s.FD(), osLevel, osOption, &tv); err == nil {
			err = s.ReadTimeouts()
		}
	case level == solSocket && option == soLinger:
		// PHP stores both as unsigned short: 65536 is 0, -5 is 65531.
		l := unix.Linger{Onoff: int32(uint16(a.field(4, "l_onoff"))), Linger: int32(uint16(a.field(4, "l_linger")))}
		err = unix.SetsockoptLinger(s.FD(), osLevel, osOption, &l)
	default:
		err = unix.SetsockoptInt(s.FD(), osLevel, osOption, int(a.phpLong(a.L.Get(4))))
	}
	var lookupErr hostLookupFailed
	switch {
	case err == errOptionWarned:
		a.L.Push(lua.LFalse)
		return 1
	case errors.As(err, &lookupErr):
		return a.fail(s, "Host lookup failed", lookupErr.err)
	case err != nil:
		return a.fail(s, "Unable to set socket option", err)
	}
	a.L.Push(lua.LTrue)
	return 1
}

// socketGetOption: socket_get_option(socket, level, option) -> value|false
func socketGetOption(a args) int {
	a.count(3, 3)
	s := a.socket(1, "socket")
	level := a.int(2, "level")
	option := a.int(3, "option")
	osLevel, osOption := sock.OsSockopt(level, option)
	if v, handled, err := a.getSpecialOption(s, level, option); handled {
		if err != nil {
			return a.fail(s, "Unable to retrieve socket option", err)
		}
		a.L.Push(v)
		return 1
	}
	switch {
	case level == solSocket && (option == soRcvtimeo || option == soSndtimeo):
		tv, err := unix.GetsockoptTimeval(s.FD(), osLevel, osOption)
		if err != nil {
			return a.fail(s, "Unable to retrieve socket option", err)
		}
		a.pushFields("sec", int(tv.Sec), "usec", int(tv.Usec))
	case level == solSocket && option == soLinger:
		l, err := unix.GetsockoptLinger(s.FD(), osLevel, osOption)
		if err != nil {
			return a.fail(s, "Unable to retrieve socket option", err)
		}
		a.pushFields("l_onoff", int(l.Onoff), "l_linger", int(l.Linger))
	default:
		v, err := unix.GetsockoptInt(s.FD(), osLevel, osOption)
		if err != nil {
			return a.fail(s, "Unable to retrieve socket option", err)
		}
		a.L.Push(lua.LNumber(v))
	}
	return 1
}

// field reads a required key of a table option value, as PHP requires it.
func (a args) field(n int, key string) int {
	t, ok := a.L.Get(n).(*lua.LTable)
	var v lua.LValue = lua.LNil
	if ok {
		v = t.RawGetString(key)
	}
	if v == lua.LNil {
		a.raise("Argument #%d ($value) must have key %q", n, key)
	}
	return int(a.phpLong(v))
}

func (a args) pushFields(k1 string, v1 int, k2 string, v2 int) {
	t := a.L.CreateTable(0, 2)
	t.RawSetString(k1, lua.LNumber(v1))
	t.RawSetString(k2, lua.LNumber(v2))
	a.L.Push(t)
}
