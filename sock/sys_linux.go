package sock

import (
	"encoding/binary"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// noSignal keeps a send on a broken connection from raising SIGPIPE.
const noSignal = unix.MSG_NOSIGNAL

// sysSocket creates a nonblocking, close-on-exec socket in one call.
func sysSocket(domain, sockType, protocol int) (int, error) {
	return unix.Socket(domain, sockType|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, protocol)
}

// sysAccept accepts one pending connection as a nonblocking, close-on-exec descriptor.
func sysAccept(fd int) (int, error) {
	nfd, _, err := unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	return nfd, err
}

// osDomain maps a script's (Linux) address family to this OS's.
func osDomain(domain int) int { return domain }

// linuxErrno maps this OS's errno to the Linux number scripts see.
func linuxErrno(e unix.Errno) int { return int(e) }

// sysPoll waits for readiness with microsecond precision; timeout < 0 blocks.
func sysPoll(fds []unix.PollFd, timeout time.Duration) (int, error) {
	if timeout < 0 {
		return unix.Ppoll(fds, nil, nil)
	}
	ts := unix.NsecToTimespec(int64(timeout))
	return unix.Ppoll(fds, &ts, nil)
}

func sysSocketpair(domain, sockType, protocol int) ([2]int, error) {
	return unix.Socketpair(domain, sockType|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, protocol)
}

// OsSockopt maps a script's (Linux) option level and name to this OS's.
func OsSockopt(level, option int) (int, int) { return level, option }

// The poll(2) bits select(2) counts as readable and writable; x/sys/unix
// does not export the *NORM/*BAND ones for Linux.
const (
	pollReadBits  = unix.POLLIN | 0x40 | 0x80    // POLLRDNORM | POLLRDBAND
	pollWriteBits = unix.POLLOUT | 0x100 | 0x200 // POLLWRNORM | POLLWRBAND
)

// SetGroupReq is setsockopt with struct group_req / group_source_req
// (MCAST_JOIN_GROUP and kin), laid out as on 64-bit Linux: a 32-bit
// interface index, padding to 8, then sockaddr_storage(s) of 128 bytes.
func SetGroupReq(fd, level, option int, ifindex uint32, group, source netip.Addr) error {
	buf := make([]byte, 8, 8+2*128)
	binary.NativeEndian.PutUint32(buf, ifindex)
	buf = append(buf, sockaddrStorage(group)...)
	if source.IsValid() {
		buf = append(buf, sockaddrStorage(source)...)
	}
	return unix.SetsockoptString(fd, level, option, string(buf))
}

func sockaddrStorage(ip netip.Addr) []byte {
	b := make([]byte, 128)
	if ip.Is4() {
		binary.NativeEndian.PutUint16(b, unix.AF_INET)
		a := ip.As4()
		copy(b[4:], a[:])
	} else {
		binary.NativeEndian.PutUint16(b, unix.AF_INET6)
		a := ip.As16()
		copy(b[8:], a[:])
	}
	return b
}

// MakeTimeval builds a timeval from exactly these fields (no normalising).
func MakeTimeval(sec, usec int) unix.Timeval {
	return unix.Timeval{Sec: int64(sec), Usec: int64(usec)}
}
