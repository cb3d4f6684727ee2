package runtime

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/phpkit"
)

// hostError is a failed name lookup, numbered as PHP numbers them:
// -10000 - h_errno (so -10001 is HOST_NOT_FOUND, -10002 TRY_AGAIN).
type hostError int

func (e hostError) Error() string { return strerror(int(e)) }

const (
	hostNotFound   hostError = -10001
	hostTryAgain   hostError = -10002
	hostNoRecovery hostError = -10003
	hostUnknown    hostError = -10000 // h_errno 0: what gethostbyname leaves for an IPv6 literal
)

// errnoOf gives the number a script sees for an error: a Linux errno, or a
// negative host-lookup code.
func errnoOf(err error) int {
	var errno syscall.Errno
	var herr hostError
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

// strerror is PHP's socket_strerror: glibc's strerror for errnos and
// hstrerror for the -10000 range.
func strerror(code int) string {
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

// silentErrno reports the errnos PHP records without a warning: a call that
// would block, and a connect still in progress.
func silentErrno(code int) bool {
	return code == int(unix.EAGAIN) || code == int(unix.EINPROGRESS)
}

// fail is the one error path for OS failures (PHP's PHP_SOCKET_ERROR): it
// records the errno on the socket (if any) and globally, warns in PHP's words
// unless the errno is a silent one, and pushes false. A script being stopped
// is not a failure of the call: it raises, so the script unwinds.
func (a args) fail(s *Socket, text string, err error) int {
	if err == errStopped {
		a.L.RaiseError("%s", errStopped.Error())
	}
	code := errnoOf(err)
	if s != nil {
		s.err = code
	}
	a.rt.lastError = code
	var denied errPolicy
	switch {
	case errors.As(err, &denied):
		a.warn("%s [%d]: %s (%s)", text, code, strerror(code), denied.why)
	case !silentErrno(code):
		a.warn("%s [%d]: %s", text, code, strerror(code))
	}
	a.L.Push(lua.LFalse)
	return 1
}

// warn prints a PHP-style warning for the running function on stderr, with
// the script's file and line.
func (a args) warn(format string, v ...any) {
	a.rt.diagnostic(a.L, "Warning", a.fn+"(): "+fmt.Sprintf(format, v...))
}

// diagnostic prints "Kind: message in FILE on line N" on stderr, PHP's shape,
// unless warnings are silenced.
func (rt *Runtime) diagnostic(L *lua.LState, kind, msg string) {
	if rt.quiet || rt.errorLevel&kindLevels[kind] == 0 {
		return
	}
	file, line := scriptPosition(L)
	if line > 0 {
		fmt.Fprintf(rt.stderr, "%s: %s in %s on line %d\n", kind, msg, file, line)
	} else {
		fmt.Fprintf(rt.stderr, "%s: %s\n", kind, msg)
	}
}

// kindLevels are the error_reporting levels of the diagnostics' kinds.
var kindLevels = map[string]int{
	"Warning":     phpkit.EWarning,
	"Notice":      phpkit.ENotice,
	"Deprecated":  phpkit.EDeprecated,
	"Fatal error": phpkit.EError,
}

// internalChunk names the Lua code sockrun itself loads (the task-aware
// pcall), whose frames positions and tracebacks skip.
const internalChunk = "[sockrun]"

// scriptPosition finds the innermost Lua (not Go) frame of the running
// thread: the line of the script that made the call, even through pcall.
func scriptPosition(L *lua.LState) (string, int) {
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "", 0
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return "", 0
		}
		if dbg.CurrentLine > 0 && dbg.Source != internalChunk {
			return dbg.Source, dbg.CurrentLine
		}
	}
}
