// Package runtime runs sockrun scripts: one Lua state, PHP's ext/sockets API over
// real OS sockets registered with Go's network poller, and the CLI around them.
//
// The goroutine rule: the *lua.LState is touched only by the goroutine that runs
// the script (Runtime.Run). Socket work that blocks parks that same goroutine on
// the netpoller (or in poll(2) for socket_select). The only other goroutines are
// the signal watcher and the timeout timer; they touch nothing but Runtime.stop,
// which is safe from any goroutine.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
)

// Exit statuses, as documented in the README.
const (
	ExitOK        = 0
	ExitError     = 1   // uncaught Lua error or die()
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

// Runtime is one script's world: its Lua state, its sockets and its PHP-style
// error state.
type Runtime struct {
	L      *lua.LState
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	quiet  bool

	traceOut   io.Writer // nil unless --trace
	policy     *policy   // nil: every address allowed
	maxSockets int
	maxTasks   int

	lastError  int    // PHP's global SOCKETS_G(last_error)
	errorLevel int    // error_reporting(): which diagnostics print
	scriptName string // the chunk name of the main script ("-e", "stdin" or its path)
	pollGen    uint64 // numbers socket_select calls (see pollFds)
	nextID     int    // numbers sockets in creation order, for tostring
	resolver   resolver
	readBufs   bufferPool

	// mu guards sockets and the wake pipe, which stop() reaches from other goroutines.
	mu      sync.Mutex
	sockets map[*Socket]struct{}
	wake    *wakePipe

	sched    *scheduler
	taskBody *lua.LFunction // runs each task's function (see taskPcallLua)

	ctx      context.Context
	cancel   context.CancelFunc
	stopping atomic.Bool
	stopOnce sync.Once
	status   int    // exit status decided by stop()
	reason   string // why the script was stopped, printed once; "" for a normal exit
}

// New makes a Runtime with the standard Lua libraries and the sockrun API loaded.
func New(opts Options) *Runtime {
	rt := &Runtime{
		stdin:      opts.Stdin,
		stdout:     opts.Stdout,
		stderr:     opts.Stderr,
		quiet:      opts.Quiet,
		traceOut:   opts.Trace,
		maxSockets: opts.MaxSockets,
		maxTasks:   opts.MaxTasks,
		sockets:    make(map[*Socket]struct{}),
		resolver:   newResolver(opts.DNSServer),
		sched:      newScheduler(opts.FatalTaskError),
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
	rt.ctx, rt.cancel = context.WithCancel(context.Background())
	rt.L = lua.NewState(lua.Options{
		SkipOpenLibs: true,
		// Every task is a thread made with these options (spawn lowers the
		// call depth for tasks other than the main chunk), so they start
		// small and grow on demand: a suspended task costs a few KB, not
		// gopher-lua's default ~100 KB.
		CallStackSize:       mainCallDepth,
		MinimizeStackMemory: true,
		RegistrySize:        128,
		RegistryMaxSize:     1 << 22,
		RegistryGrowStep:    128,
	})
	// The context lets stop() end a script that is busy in pure Lua code
	// (`while true do end`), not only one blocked in a socket call.
	rt.L.SetContext(rt.ctx)
	openLibs(rt)
	return rt
}

// SetPolicy installs --allow/--deny rules; host names in them are resolved
// now, with the script's resolver.
func (rt *Runtime) SetPolicy(allow, deny []string) error {
	p, err := newPolicy(allow, deny, func(host string) ([]netip.Addr, error) {
		return rt.resolver.lookup(rt.ctx, "ip", host)
	})
	if err != nil {
		return err
	}
	rt.policy = p
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
	rt.closeAllSockets()
	rt.mu.Lock()
	if rt.wake != nil {
		rt.wake.close()
		rt.wake = nil
	}
	rt.mu.Unlock()
	rt.cancel()
	rt.L.Close()
}

// Stopping reports whether the script has been told to end.
func (rt *Runtime) Stopping() bool { return rt.stopping.Load() }

// Stop ends the script from any goroutine: it is how die(), os.exit(), SIGINT
// and --timeout all end a script. The first call wins. Blocked socket calls
// return at once (their deadlines are moved to the past and select's poll is
// woken); pure Lua code stops at its next instruction.
func (rt *Runtime) Stop(status int, reason string) {
	rt.stopOnce.Do(func() {
		rt.status, rt.reason = status, reason
		rt.stopping.Store(true)
		rt.cancel()
		rt.mu.Lock()
		defer rt.mu.Unlock()
		past := time.Unix(1, 0)
		for s := range rt.sockets {
			s.file.SetDeadline(past) //nolint:errcheck // best effort: a closing file is already unblocked
		}
		if rt.wake != nil {
			rt.wake.signal()
		}
	})
}

// errStopped is what a blocking call returns when Stop interrupted it.
var errStopped = errors.New("script stopped")

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
	status := rt.finish(rt.runTasks(fn, values))
	// Tasks may still be parked (the main chunk failed, or a task did with
	// --fatal-task-errors): end their calls before anything is closed.
	rt.Stop(status, "")
	rt.drainOps()
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

// stackTrace renders a thread's Lua call stack from the given level out, one
// frame a line, in the shape of Lua 5.1's debug.traceback.
func stackTrace(L *lua.LState, from int) string {
	out := "stack traceback:"
	for level := from; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil {
			break
		}
		if dbg.Source == internalChunk {
			continue
		}
		where := dbg.Source
		if dbg.CurrentLine > 0 {
			where = fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
		}
		switch {
		case dbg.What == "G":
			out += fmt.Sprintf("\n\t[G]: in function '%s'", orUnknown(dbg.Name))
		case dbg.What != "G" && dbg.LineDefined == 0:
			out += fmt.Sprintf("\n\t%s: in main chunk", where)
		case dbg.Name != "" && dbg.What != "main":
			out += fmt.Sprintf("\n\t%s: in function '%s'", where, dbg.Name)
		default:
			out += fmt.Sprintf("\n\t%s: in function <%s:%d>", where, dbg.Source, dbg.LineDefined)
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
