package sock

import (
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// HostError is a failed name lookup, numbered as PHP numbers them:
// -10000 - h_errno (so -10001 is HOST_NOT_FOUND, -10002 TRY_AGAIN).
type HostError int

func (e HostError) Error() string { return Strerror(int(e)) }

const (
	HostNotFound   HostError = -10001
	HostTryAgain   HostError = -10002
	HostNoRecovery HostError = -10003
	HostUnknown    HostError = -10000 // h_errno 0: what gethostbyname leaves for an IPv6 literal
)

// Errno gives the number a script sees for an error: a Linux errno, or a
// negative host-lookup code.
func Errno(err error) int {
	var errno syscall.Errno
	var herr HostError
	switch {
	case errors.As(err, &herr):
		return int(herr)
	case errors.As(err, &errno):
		return linuxErrno(errno)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return int(unix.EAGAIN)
	default:
		return int(unix.EIO)
	}
}

// Strerror is PHP's socket_strerror: glibc's strerror for errnos and
// hstrerror for the -10000 range.
func Strerror(code int) string {
	switch code {
	case -10001:
		return "Unknown host"
	case -10002:
		return "Host name lookup failure"
	case -10003:
		return "Unknown server error"
	case -10004:
		return "No address associated with name"
	}
	if code < -10000 {
		return "Unknown resolver error" // hstrerror's text for any other h_errno
	}
	if msg, ok := glibcStrerror[code]; ok {
		return msg
	}
	return "Unknown error " + strconv.Itoa(code)
}

// Silent reports the errnos PHP records without a warning: a call that
// would block, and a connect still in progress.
func Silent(code int) bool {
	return code == int(unix.EAGAIN) || code == int(unix.EINPROGRESS)
}
