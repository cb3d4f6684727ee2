// Package phpkit gives Lua scripts PHP's everyday functions (strings, arrays,
// encodings, hashes, regular expressions, JSON, var_dump and friends), with
// PHP 8.2's names, argument order and results, so that the code around a PHP
// program's socket calls ports line by line.
//
// How PHP arrays map to Lua tables is written once, in docs/phpkit.md: a PHP
// list with keys 0..n-1 is a Lua sequence 1..n; a PHP array with other keys is
// a Lua table with those keys. Where PHP's output depends on insertion order
// (json_encode, print_r, var_dump, var_export), sequences come in index order and
// other keys in the order described there.
//
// The kit imports gopher-lua and nothing of sockrun's: the runtime that opens
// it supplies what it needs through Host. Every function runs on the goroutine
// that owns the Lua state.
package phpkit

import (
	"io"

	lua "github.com/yuin/gopher-lua"
)

// PHP's error levels (E_* constants), as error_reporting and Host.Diagnostic
// use them.
const (
	EError            = 1
	EWarning          = 2
	EParse            = 4
	ENotice           = 8
	ECoreError        = 16
	ECoreWarning      = 32
	ECompileError     = 64
	ECompileWarning   = 128
	EUserError        = 256
	EUserWarning      = 512
	EUserNotice       = 1024
	EStrict           = 2048
	ERecoverableError = 4096
	EDeprecated       = 8192
	EUserDeprecated   = 16384
	EAll              = 32767
)

// Host is what the kit needs from the runtime that opens it.
type Host interface {
	Stdin() io.Reader
	Stdout() io.Writer
	Stderr() io.Writer
	// Diagnostic reports a PHP diagnostic of the given level (EWarning,
	// ENotice, EDeprecated) at the script's current line, in PHP's words
	// ("Warning: strpos(): ... in FILE on line N"), unless error_reporting
	// or --quiet filters it out.
	Diagnostic(L *lua.LState, level int, msg string)
	// ErrorReporting and SetErrorReporting are error_reporting()'s level,
	// which also filters the runtime's own socket warnings.
	ErrorReporting() int
	SetErrorReporting(level int)
	// ScriptPath is the running script's absolute path ("" for -e or stdin):
	// __FILE__, and __DIR__ is its directory.
	ScriptPath() string
	// Sleep suspends the calling task (or the script) for seconds; the
	// function that calls it must return its result (it may yield).
	Sleep(L *lua.LState, seconds float64) int
}

// Func is one global function, named as PHP names it.
type Func struct {
	Name string
	Fn   func(k *Kit, L *lua.LState) int
}

// Kit is the kit opened on one Lua state.
type Kit struct {
	Host Host
}

// libs are the kit's function tables, opened in this order.
func libs() [][]Func {
	return [][]Func{
		stringFuncs,   // strings.go
		encodingFuncs, // encoding.go: base64, hashes, hex, random_bytes
		pregFuncs,     // preg.go
		mathFuncs,     // math.go: math, time, date, conversions
		jsonFuncs,     // json.go
		dumpFuncs,     // dump.go: var_dump, print_r, var_export
		arrayFuncs,    // array.go
		stdioFuncs,    // stdio.go: STDIN/STDOUT/STDERR, fgets, fwrite, ...
		fileFuncs,     // files.go: dirname, unlink, file_exists, ...
		envFuncs,      // env.go: constants, settings, error_reporting, netdb
	}
}

// Open registers the kit's globals on L.
func Open(L *lua.LState, h Host) *Kit {
	k := &Kit{Host: h}
	globals := L.Get(lua.GlobalsIndex).(*lua.LTable)
	for _, lib := range libs() {
		for _, f := range lib {
			fn := f.Fn
			globals.RawSetString(f.Name, L.NewFunction(func(L *lua.LState) int { return fn(k, L) }))
		}
	}
	openConstants(L, h)
	for _, c := range stringConsts {
		L.SetGlobal(c.Name, lua.LNumber(c.Value))
	}
	return k
}

// Names lists every global function the kit registers, in registration
// order (for --lua-defs and the undefined-function check).
func Names() []string {
	var names []string
	for _, lib := range libs() {
		for _, f := range lib {
			names = append(names, f.Name)
		}
	}
	return names
}
