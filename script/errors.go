package script

import (
	"errors"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
	"sockrun/sched"
	"sockrun/sock"
)

// fail is the one error path for OS failures (PHP's PHP_SOCKET_ERROR): it
// records the errno on the socket (if any) and globally, warns in PHP's words
// unless the errno is a silent one, and pushes false. A script being stopped
// is not a failure of the call: it raises, so the script unwinds.
func (a args) fail(s *Socket, text string, err error) int {
	if err == errStopped {
		a.L.RaiseError("%s", errStopped.Error())
	}
	code := sock.Errno(err)
	if s != nil {
		s.Err = code
	}
	a.rt.lastError = code
	var denied sock.PolicyError
	switch {
	case errors.As(err, &denied):
		a.warn("%s [%d]: %s (%s)", text, code, sock.Strerror(code), denied.Why)
	case !sock.Silent(code):
		a.warn("%s [%d]: %s", text, code, sock.Strerror(code))
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
// unless warnings are silenced (--quiet, error_reporting, or silence()
// around the call, which as PHP's @ leaves fatal errors shown).
func (rt *Runtime) diagnostic(L *lua.LState, kind, msg string) {
	if rt.quiet || rt.errorLevel&kindLevels[kind] == 0 || (kind != "Fatal error" && rt.silencedAt(L)) {
		return
	}
	file, line := sched.ScriptPosition(L)
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
