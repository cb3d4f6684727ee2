// Package script is sockrun's Lua binding: it runs one script on one Lua
// state and gives it PHP's ext/sockets API (the socket_* functions, PHP's
// argument rules and warnings), PHP's everyday functions (package phpkit),
// the tasks API, tracing and the sandbox, over the socket layer (package
// sock) and the scheduler (package sched). It is the only layer that both
// touches Lua and sockets; the goroutine rule is stated in package sock.
package script

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
	"sockrun/sched"
	"sockrun/sock"
)

// Exit statuses, as documented in the README.
const (
	ExitOK        = 0
	ExitError     = 1   // uncaught Lua error
	ExitUsage     = 2   // bad command line
	ExitTimeout   = 124 // --timeout expired (same as timeout(1))
	ExitInterrupt = 130 // SIGINT (128 + 2, as shells report it)
)

// Options configures a Runtime.
type Options struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Quiet          bool      // no warnings on stderr (PHP's @ for the whole script)
	FatalTaskError bool      // an error in any task ends the script
	Trace          io.Writer // where --trace writes; nil: no tracing
	MaxSockets     int       // open sockets at most; more fail with EMFILE (0: no limit)
	MaxTasks       int       // unfinished tasks at most; spawn fails beyond (0: no limit)
	DNSServer      string    // send every host lookup to this DNS server ("host[:port]")
}

// Runtime is one script's world: its Lua state, its engine and sockets, its
// tasks and its PHP-style error state.
type Runtime struct {
	L      *lua.LState
	eng    *sock.Engine
	sched  *sched.Scheduler
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	quiet  bool

	traceOut io.Writer // nil unless --trace
	sandbox  *sandbox  // nil unless --sandbox
	maxTasks int

	lastError  int    // PHP's global SOCKETS_G(last_error)
	errorLevel int    // error_reporting(): which diagnostics print
	scriptName string // the chunk name of the main script ("-e", "stdin" or its path)
	selectGen  uint64 // numbers socket_select calls (see selectSockets)
	sel        selectScratch
	port       portingState // silence() and the undefined-call check (porting.go)

	stopOnce sync.Once
	status   int    // exit status decided by Stop
	reason   string // why the script was stopped, printed once; "" for a normal exit

	prompt prompt // the interactive prompt's state (repl.go)
}

// New makes a Runtime with the standard Lua libraries and the sockrun API loaded.
func New(opts Options) (*Runtime, error) {
	eng, err := sock.NewEngine()
	if err != nil {
		return nil, fmt.Errorf("cannot start the engine: %w", err)
	}
	eng.MaxSockets = opts.MaxSockets
	eng.Resolver = sock.NewResolver(opts.DNSServer)
	rt := &Runtime{
		eng:        eng,
		stdin:      opts.Stdin,
		stdout:     opts.Stdout,
		stderr:     opts.Stderr,
		quiet:      opts.Quiet,
		traceOut:   opts.Trace,
		maxTasks:   opts.MaxTasks,
		errorLevel: phpkit.EAll,
	}
	if rt.stdin == nil {
		rt.stdin = os.Stdin
	}
	if rt.stdout == nil {
		rt.stdout = io.Discard
	}
	if rt.stderr == nil {
		rt.stderr = io.Discard
	}
	rt.L = lua.NewState(lua.Options{
		SkipOpenLibs: true,
		// Every task is a thread made with these options (spawn lowers the
		// call depth for tasks other than the main chunk), so they start
		// small and grow on demand: a suspended task costs a few KB, not
		// gopher-lua's default ~100 KB.
		CallStackSize:       sched.MainCallDepth,
		MinimizeStackMemory: true,
		RegistrySize:        128,
		RegistryMaxSize:     1 << 22,
		RegistryGrowStep:    128,
	})
	// The context lets Stop end a script that is busy in pure Lua code
	// (`while true do end`), not only one waiting on the engine.
	rt.L.SetContext(eng.Context())
	rt.sched = sched.New(rt.L, eng, rt.stderr)
	rt.sched.Fatal = opts.FatalTaskError
	openLibs(rt)
	return rt, nil
}

// SetPolicy installs --allow/--deny rules; host names in them are resolved
// now, with the script's resolver.
func (rt *Runtime) SetPolicy(allow, deny []string) error {
	p, err := sock.NewPolicy(allow, deny, func(host string) ([]netip.Addr, error) {
		return rt.eng.Resolver.Lookup(rt.eng.Context(), "ip", host)
	})
	if err != nil {
		return err
	}
	rt.eng.Policy = p
	return nil
}

// SetModulePath makes require() look in these directories first (name.lua
// and name/init.lua), then where Lua normally looks.
func (rt *Runtime) SetModulePath(dirs []string) {
	pkg, ok := rt.L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	var patterns []string
	for _, d := range dirs {
		patterns = append(patterns, filepath.Join(d, "?.lua"), filepath.Join(d, "?", "init.lua"))
	}
	patterns = append(patterns, lua.LVAsString(pkg.RawGetString("path")))
	pkg.RawSetString("path", lua.LString(strings.Join(patterns, ";")))
}

// Close closes every socket the script left open and releases the Lua state.
func (rt *Runtime) Close() {
	rt.eng.Close()
	rt.L.Close()
}

// Stopping reports whether the script has been told to end.
func (rt *Runtime) Stopping() bool { return rt.eng.Stopping() }

// Stop ends the script from any goroutine: it is how die(), os.exit(), SIGINT
// and --timeout all end a script. The first call wins. Waiting calls return
// at once (the engine is woken); pure Lua code stops at its next instruction.
func (rt *Runtime) Stop(status int, reason string) {
	rt.stopOnce.Do(func() {
		rt.status, rt.reason = status, reason
		rt.eng.Stop()
	})
}

// errStopped is what a waiting call gets when Stop interrupted it.
var errStopped = sock.ErrStopped

// run calls the main chunk with Lua's standalone conventions: arg[0] is the
// script, arg[1..n] its arguments, and the chunk's ... holds them too.
func (rt *Runtime) run(fn *lua.LFunction, script string, args []string) int {
	L := rt.L
	argTable := L.NewTable()
	argTable.RawSetInt(0, lua.LString(script))
	for i, a := range args {
		argTable.RawSetInt(i+1, lua.LString(a))
	}
	L.SetGlobal("arg", argTable)

	values := make([]lua.LValue, len(args))
	for i, a := range args {
		values[i] = lua.LString(a)
	}
	status := rt.finish(rt.sched.Run(fn, values))
	// Tasks may still be waiting (the main chunk failed, or a task did with
	// --fatal-task-errors): Close ends their calls with the engine.
	rt.Stop(status, "")
	return status
}

// finish turns the end of the script into an exit status, printing why once.
func (rt *Runtime) finish(err error) int {
	if rt.Stopping() {
		if rt.reason != "" {
			fmt.Fprintf(rt.stderr, "sockrun: %s\n", rt.reason)
		}
		return rt.status
	}
	if err != nil {
		fmt.Fprintf(rt.stderr, "sockrun: %s\n", errorText(err))
		return ExitError
	}
	return ExitOK
}

func errorText(err error) string {
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		return lua.LVAsString(apiErr.Object)
	}
	return err.Error()
}

// raiseStopped unwinds a call interrupted by Stop.
func raiseStopped(L *lua.LState) {
	L.RaiseError("%s", errStopped.Error())
}

// RunSource compiles and runs a chunk named name (the script path, which
// error messages and warnings show).
func (rt *Runtime) RunSource(source []byte, name string, args []string) int {
	if bytes.HasPrefix(source, []byte("#")) {
		// A "#!/usr/bin/env sockrun" line: comment it out, keeping line numbers.
		source = append([]byte("--"), source...)
	}
	rt.scriptName = name
	phpkit.SetScriptGlobals(rt.L, kitHost{rt}.ScriptPath())
	fn, err := compileChunk(rt.L, bytes.NewReader(source), name)
	if err != nil {
		fmt.Fprintf(rt.stderr, "sockrun: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		return ExitError
	}
	return rt.run(fn, name, args)
}
