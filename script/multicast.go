package script

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/phpkit"
	"sockrun/sock"
)

// Linux numbers of the options PHP gives special value handling (its
// multicast.c and the string options).
const (
	ipprotoIP           = 0
	ipprotoIPv6         = 41
	solTCP              = 6
	ipMulticastIf       = 32
	ipMulticastTTL      = 33
	ipMulticastLoop     = 34
	ipv6MulticastIf     = 17
	ipv6MulticastHops   = 18
	ipv6MulticastLoop   = 19
	mcastJoinGroup      = 42
	mcastBlockSource    = 43
	mcastUnblockSource  = 44
	mcastLeaveGroup     = 45
	mcastJoinSourceGrp  = 46
	mcastLeaveSourceGrp = 47
	soBindToDevice      = 25
	tcpCongestion       = 13
)

// errOptionWarned means the option's own warning was already printed.
var errOptionWarned = errors.New("option failed; warned")

// setSpecialOption handles the options whose values are not plain ints,
// as PHP does. handled is false for every other option.
func (a args) setSpecialOption(s *Socket, level, option int, v lua.LValue) (handled bool, err error) {
	switch {
	case level == ipprotoIP && option == ipMulticastIf:
		index, err := a.interfaceIndex(v)
		if err != nil {
			return true, err
		}
		addr, err := interfaceIPv4(index)
		if err != nil {
			a.warn("%v", err)
			return true, errOptionWarned
		}
		return true, unix.SetsockoptInet4Addr(s.FD(), unix.IPPROTO_IP, unix.IP_MULTICAST_IF, addr)
	case level == ipprotoIPv6 && option == ipv6MulticastIf:
		index, err := a.interfaceIndex(v)
		if err != nil {
			return true, err
		}
		return true, unix.SetsockoptInt(s.FD(), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, index)
	case level == ipprotoIP && option == ipMulticastLoop:
		return true, unix.SetsockoptByte(s.FD(), unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, boolByte(phpkit.Truthy(v)))
	case level == ipprotoIP && option == ipMulticastTTL:
		ttl := int(a.phpLong(v))
		if ttl < 0 || ttl > 255 {
			a.raise("Argument #4 ($value) must be between 0 and 255")
		}
		return true, unix.SetsockoptByte(s.FD(), unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, byte(ttl))
	case level == ipprotoIPv6 && option == ipv6MulticastLoop:
		return true, unix.SetsockoptInt(s.FD(), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, int(boolByte(phpkit.Truthy(v))))
	case level == ipprotoIPv6 && option == ipv6MulticastHops:
		hops := int(a.phpLong(v))
		if hops < -1 || hops > 255 {
			a.raise("Argument #4 ($value) must be between -1 and 255")
		}
		return true, unix.SetsockoptInt(s.FD(), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, hops)
	case (level == ipprotoIP || level == ipprotoIPv6) && option >= mcastJoinGroup && option <= mcastLeaveSourceGrp:
		return true, a.groupOption(s, level, option, v)
	case level == solSocket && option == soBindToDevice, level == solTCP && option == tcpCongestion:
		osLevel, osOption := sock.OsSockopt(level, option)
		name, _ := v.(lua.LString) // PHP sends "" for any value that is not a string
		return true, unix.SetsockoptString(s.FD(), osLevel, osOption, string(name))
	}
	return false, nil
}

// getSpecialOption reads the options whose values are not plain ints.
func (a args) getSpecialOption(s *Socket, level, option int) (v lua.LValue, handled bool, err error) {
	switch {
	case level == ipprotoIP && option == ipMulticastIf:
		addr, err := unix.GetsockoptInet4Addr(s.FD(), unix.IPPROTO_IP, unix.IP_MULTICAST_IF)
		if err != nil {
			return nil, true, err
		}
		return lua.LNumber(interfaceWithIPv4(addr)), true, nil
	case level == solTCP && option == tcpCongestion:
		osLevel, osOption := sock.OsSockopt(level, option)
		name, err := unix.GetsockoptString(s.FD(), osLevel, osOption)
		if err != nil {
			return nil, true, err
		}
		t := a.L.CreateTable(0, 1)
		t.RawSetString("name", lua.LString(name))
		return t, true, nil
	case level == solSocket && option == soBindToDevice:
		osLevel, osOption := sock.OsSockopt(level, option)
		name, err := unix.GetsockoptString(s.FD(), osLevel, osOption)
		if err != nil {
			return nil, true, err
		}
		return lua.LString(name), true, nil
	}
	return nil, false, nil
}

// interfaceIndex reads an interface as PHP's php_get_if_index_from_zval: a
// number is an index; anything else (a numeric string too) is a name.
func (a args) interfaceIndex(v lua.LValue) (int, error) {
	if n, ok := v.(lua.LNumber); ok {
		return int(n), nil
	}
	name := lua.LVAsString(v) // a string, or a number written out; other values name nothing
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		a.warn("No interface with name %q could be found", name)
		return 0, errOptionWarned
	}
	return ifi.Index, nil
}

// interfaceIPv4 is the address IP_MULTICAST_IF wants for an interface index
// (0: any).
func interfaceIPv4(index int) ([4]byte, error) {
	if index == 0 {
		return [4]byte{}, nil
	}
	ifi, err := net.InterfaceByIndex(index)
	if err != nil {
		//lint:ignore ST1005 PHP's own message, shown to the script as its warning
		return [4]byte{}, fmt.Errorf("Failed obtaining address for interface %d: error %d", index, unix.ENODEV)
	}
	addrs, _ := ifi.Addrs()
	for _, addr := range addrs {
		if ipn, ok := addr.(*net.IPNet); ok && ipn.IP.To4() != nil {
			return [4]byte(ipn.IP.To4()), nil
		}
	}
	//lint:ignore ST1005 PHP's own message, shown to the script as its warning
	return [4]byte{}, fmt.Errorf("The interface with index %d has no IPv4 address", index)
}

// interfaceWithIPv4 maps an IP_MULTICAST_IF address back to its interface
// index, as PHP reports it (0 for any).
func interfaceWithIPv4(addr [4]byte) int {
	if addr == [4]byte{} {
		return 0
	}
	ifaces, _ := net.Interfaces()
	for _, ifi := range ifaces {
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && [4]byte(ipn.IP.To4()) == addr {
				return ifi.Index
			}
		}
	}
	return 0
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// groupOption is MCAST_JOIN_GROUP and its kin: the value is a table with
// "group", optional "interface" (name or index) and, for the source
// options, "source".
func (a args) groupOption(s *Socket, level, option int, v lua.LValue) error {
	t, _ := v.(*lua.LTable)
	get := func(key string) lua.LValue {
		if t == nil {
			return lua.LNil
		}
		return t.RawGetString(key)
	}
	group := get("group")
	if group == lua.LNil {
		a.raiseAt("No key \"group\" passed in optval")
	}
	resolve := a.rt.eng.Resolve4
	if level == ipprotoIPv6 {
		resolve = a.rt.eng.Resolve6
	}
	groupIP, err := resolve(lua.LVAsString(group))
	if err != nil {
		return hostLookupFailed{err}
	}
	index := 0
	if iface := get("interface"); iface != lua.LNil {
		if index, err = a.interfaceIndex(iface); err != nil {
			return err
		}
	}
	var sourceIP netip.Addr
	if option != mcastJoinGroup && option != mcastLeaveGroup {
		source := get("source")
		if source == lua.LNil {
			a.raiseAt("No key \"source\" passed in optval")
		}
		if sourceIP, err = resolve(lua.LVAsString(source)); err != nil {
			return hostLookupFailed{err}
		}
	}
	osLevel, _ := sock.OsSockopt(level, 0)
	return sock.SetGroupReq(s.FD(), osLevel, option, uint32(index), groupIP, sourceIP)
}

// hostLookupFailed marks a lookup failure inside an option value, which PHP
// reports as "Host lookup failed".
type hostLookupFailed struct{ err error }

func (e hostLookupFailed) Error() string { return e.err.Error() }
func (e hostLookupFailed) Unwrap() error { return e.err }
