package script

import (
	"io"
	"path/filepath"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
)

// kitHost is what PHP's everyday functions (package phpkit) see of the
// runtime.
type kitHost struct{ rt *Runtime }

var _ phpkit.Host = kitHost{}

func (h kitHost) Stdin() io.Reader  { return h.rt.stdin }
func (h kitHost) Stdout() io.Writer { return h.rt.stdout }
func (h kitHost) Stderr() io.Writer { return h.rt.stderr }

// Diagnostic prints a kit function's warning, notice or deprecation in PHP's
// shape, filtered as the runtime's own.
func (h kitHost) Diagnostic(L *lua.LState, level int, msg string) {
	h.rt.diagnosticLevel(L, level, msg)
}

func (h kitHost) ErrorReporting() int         { return h.rt.errorLevel }
func (h kitHost) SetErrorReporting(level int) { h.rt.errorLevel = level }

func (h kitHost) ScriptPath() string {
	if h.rt.scriptName == "" || h.rt.scriptName == "-e" || h.rt.scriptName == "stdin" {
		return ""
	}
	abs, err := filepath.Abs(h.rt.scriptName)
	if err != nil {
		return h.rt.scriptName
	}
	return abs
}

func (h kitHost) Sleep(L *lua.LState, seconds float64) int {
	return sleepFor(args{L: L, rt: h.rt, fn: "usleep"}, seconds)
}

// levelNames are the words PHP prints before a diagnostic of each level.
var levelNames = map[int]string{
	phpkit.EWarning:    "Warning",
	phpkit.ENotice:     "Notice",
	phpkit.EDeprecated: "Deprecated",
	phpkit.EError:      "Fatal error",
}

// diagnosticLevel prints a diagnostic of a PHP error level unless
// error_reporting excludes that level.
func (rt *Runtime) diagnosticLevel(L *lua.LState, level int, msg string) {
	kind, ok := levelNames[level]
	if !ok {
		kind = "Warning"
	}
	rt.diagnostic(L, kind, msg)
}
