//go:build darwin || freebsd || netbsd || openbsd

package sock

import (
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// noSignal is 0 here: these systems have no MSG_NOSIGNAL, and Go's runtime
// already turns SIGPIPE from a socket write into EPIPE.
const noSignal = 0

// sysSocket creates a socket, then makes it nonblocking and close-on-exec.
func sysSocket(domain, sockType, protocol int) (int, error) {
	fd, err := unix.Socket(domain, sockType, protocol)
	if err != nil {
		return -1, err
	}
	return fd, prepareFD(fd)
}

func sysAccept(fd int) (int, error) {
	nfd, _, err := unix.Accept(fd)
	if err != nil {
		return -1, err
	}
	return nfd, prepareFD(nfd)
}

func prepareFD(fd int) error {
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return err
	}
	return nil
}

// osDomain maps a script's (Linux) address family to this OS's.
func osDomain(domain int) int {
	if domain == 10 { // Linux AF_INET6
		return unix.AF_INET6
	}
	return domain
}

// linuxErrno maps this OS's errno to the Linux number scripts see, by name.
func linuxErrno(e unix.Errno) int {
	if v, ok := constValue("SOCKET_" + unix.ErrnoName(e)); ok {
		return v
	}
	return int(e)
}

// sysPoll waits for readiness; poll(2) counts in milliseconds, so round up.
func sysPoll(fds []unix.PollFd, timeout time.Duration) (int, error) {
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	return unix.Poll(fds, ms)
}

func sysSocketpair(domain, sockType, protocol int) ([2]int, error) {
	fds, err := unix.Socketpair(domain, sockType, protocol)
	if err != nil {
		return fds, err
	}
	for _, fd := range fds {
		if err := prepareFD(fd); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return fds, err
		}
	}
	return fds, nil
}

// OsSockopt maps a script's (Linux) option level and name to this OS's, for
// the options whose numbers differ; others pass through unchanged.
func OsSockopt(level, option int) (int, int) {
	if level == 1 { // Linux SOL_SOCKET
		linuxToOS := map[int]int{
			2: unix.SO_REUSEADDR, 15: unix.SO_REUSEPORT, 9: unix.SO_KEEPALIVE, 13: unix.SO_LINGER,
			6: unix.SO_BROADCAST, 7: unix.SO_SNDBUF, 8: unix.SO_RCVBUF, 20: unix.SO_RCVTIMEO,
			21: unix.SO_SNDTIMEO, 3: unix.SO_TYPE, 4: unix.SO_ERROR, 10: unix.SO_OOBINLINE,
			18: unix.SO_RCVLOWAT, 19: unix.SO_SNDLOWAT, 5: unix.SO_DONTROUTE, 1: unix.SO_DEBUG,
		}
		if o, ok := linuxToOS[option]; ok {
			return unix.SOL_SOCKET, o
		}
		return unix.SOL_SOCKET, option
	}
	return level, option
}

// The poll(2) bits select(2) counts as readable and writable.
const (
	pollReadBits  = unix.POLLIN | unix.POLLRDNORM | unix.POLLRDBAND
	pollWriteBits = unix.POLLOUT | unix.POLLWRNORM | unix.POLLWRBAND
)

// SetGroupReq is not implemented here: MCAST_* options report EOPNOTSUPP.
func SetGroupReq(fd, level, option int, ifindex uint32, group, source netip.Addr) error {
	return unix.EOPNOTSUPP
}

// MakeTimeval builds a timeval from exactly these fields (no normalising).
func MakeTimeval(sec, usec int) unix.Timeval {
	return unix.Timeval{Sec: int64(sec), Usec: int32(usec)}
}
