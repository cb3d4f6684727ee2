// Package cli is sockrun's command line: flags, signals, --timeout,
// profiling; it builds a script.Runtime and runs the script.
package cli

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"sockrun/script"
)

// Version, when set at build time (-ldflags "-X sockrun/cli.Version=v1.2.3",
// as a release script does from its tag), is the version --version prints.
// Left empty, the version comes from the build information: the module's
// version when installed with `go install sockrun@v1.2.3`, else "(devel)"
// with the VCS revision the go command stamped into the binary.
var Version = ""

// buildVersion is what --version prints for sockrun itself.
func buildVersion() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	if v == "(devel)" {
		var rev, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			v += " " + rev + dirty
		}
	}
	return v
}

const usageText = `usage: sockrun [flags] SCRIPT [ARGS...]
       sockrun [flags] -e CODE [ARGS...]
       sockrun [flags] - [ARGS...]        (script from stdin)
       sockrun [flags] [-i] [SCRIPT]      (interactive prompt, after SCRIPT)
       sockrun --lua-defs [FILE]          (editor definitions, docs/repl.md)

Runs a Lua script with PHP's socket API (socket_create, socket_connect, ...).
Flags go before the script; everything after it belongs to the script
(arg[1], arg[2], ... and the main chunk's ...).

Exit status: 0 normal end (and die/exit with a message, as in PHP); 1
uncaught error; n for die(n), exit(n) and os.exit(n); 2 usage error; 3 memory limit exceeded (--max-memory);
124 --timeout expired; 130 Ctrl-C; 143 SIGTERM. --timeout, --max-memory
and the signals end the script whatever it is doing (see docs/limits.md).

Flags:
`

// Main is the whole command line: it parses args, runs the script and returns
// the exit status (0 ok, 1 script error, 2 usage, 3 memory limit, 124
// timeout, 130 Ctrl-C, 143 SIGTERM; die/exit give their own). After a stop
// the script did not obey within graceTime, Main returns with the script's
// goroutine still blocked: the caller must then exit the process, which
// closes the sockets.
func Main(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := pflag.NewFlagSet("sockrun", pflag.ContinueOnError)
	flags.SetInterspersed(false) // flags after the script are the script's
	flags.SetOutput(io.Discard)
	code := flags.StringP("execute", "e", "", "run `CODE` instead of a script file")
	quiet := flags.BoolP("quiet", "q", false, "print no PHP-style warnings on stderr (errors still print)")
	timeout := flags.Duration("timeout", 0, "end the script after `DURATION` (e.g. 30s) whatever it is doing, closing every socket and killing its child processes; exit status 124")
	modulePath := flags.StringArrayP("path", "I", nil, "also look for require()d modules in `DIR` (repeatable; $SOCKRUN_PATH adds more, colon-separated)")
	allow := flags.StringArray("allow", nil, "let the script reach only addresses matching `RULE` (repeatable): ADDR, CIDR, NAME, host (this host), *, with :PORT or :LO-HI; unix:PATTERN (see docs/hardening.md)")
	deny := flags.StringArray("deny", nil, "never let the script reach `RULE` (repeatable; same forms as --allow; deny wins)")
	maxSockets := flags.Int("max-sockets", 0, "at most `N` open sockets; more fail with errno 24 (0: no limit)")
	maxTasks := flags.Int("max-tasks", 0, "at most `N` unfinished tasks; spawn() fails beyond (0: no limit)")
	maxMemory := flags.String("max-memory", "", "end the script when sockrun uses more than `SIZE` of memory (e.g. 512M, 2G; default: half the memory available); exit status 3")
	sandbox := flags.Bool("sandbox", false, "no os.execute, io.popen, loadlib or file writes; file reads only under the script's directory")
	trace := flags.Bool("trace", false, "trace every socket call on stderr: file:line, arguments, results, errno, data")
	traceFile := flags.String("trace-file", "", "write the --trace lines to `FILE` instead of stderr (implies --trace)")
	fatalTasks := flags.Bool("fatal-task-errors", false, "end the script when any task fails (default: report the error and go on)")
	dns := flags.String("dns", os.Getenv("SOCKRUN_DNS"), "send every host-name lookup to the DNS server at `HOST[:PORT]` (default $SOCKRUN_DNS, else the system's)")
	version := flags.Bool("version", false, "print the version and exit")
	help := flags.BoolP("help", "h", false, "print this help and exit")
	interactive := flags.BoolP("interactive", "i", false, "open the interactive prompt (after running the script, if one is given)")
	luaDefs := flags.Bool("lua-defs", false, "write LuaLS definitions of sockrun's globals to stdout (or FILE) and exit")

	usage := func(w io.Writer) {
		fmt.Fprint(w, usageText)
		fmt.Fprint(w, flags.FlagUsages())
	}
	if err := flags.Parse(argv); err != nil {
		fmt.Fprintf(stderr, "sockrun: %v\n", err)
		fmt.Fprintln(stderr, "Run 'sockrun --help' for usage.")
		return script.ExitUsage
	}
	switch {
	case *help:
		usage(stdout)
		return script.ExitOK
	case *version:
		fmt.Fprintf(stdout, "sockrun %s (gopher-lua %s, Lua 5.1)\n", buildVersion(), moduleVersion("github.com/yuin/gopher-lua"))
		return script.ExitOK
	case *luaDefs:
		return writeLuaDefs(flags.Args(), stdout, stderr)
	}
	rest := flags.Args()
	hasCode := flags.Changed("execute")
	promptMode := *interactive || (!hasCode && len(rest) == 0 && isTerminal(stdin))
	if !hasCode && len(rest) == 0 && !promptMode {
		fmt.Fprintln(stderr, "sockrun: no script given")
		fmt.Fprintln(stderr, "Run 'sockrun --help' for usage.")
		return script.ExitUsage
	}

	// Read the program before anything starts, so that a missing or
	// unreadable script is a usage error (2), not a script error (1).
	var source []byte
	name := "-e"
	scriptArgs := rest
	if hasCode {
		source = []byte(*code)
	} else if len(rest) > 0 {
		name, scriptArgs = rest[0], rest[1:]
		var err error
		if name == "-" {
			source, err = io.ReadAll(stdin)
			name = "stdin"
		} else {
			source, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(stderr, "sockrun: cannot read script %s: %v\n", name, unwrapPathError(err))
			return script.ExitUsage
		}
	}

	memory := script.DefaultMemoryLimit()
	if flags.Changed("max-memory") {
		var err error
		if memory, err = script.ParseSize(*maxMemory); err != nil {
			fmt.Fprintf(stderr, "sockrun: --max-memory: %v\n", err)
			return script.ExitUsage
		}
	}
	script.SetMemoryLimit(memory)

	gate := &stderrGate{w: stderr}
	opts := script.Options{
		Stdin: stdin, Stdout: stdout, Stderr: gate, Quiet: *quiet, DNSServer: *dns,
		FatalTaskError: *fatalTasks, MaxSockets: *maxSockets, MaxTasks: *maxTasks,
	}
	var session *promptSession
	if promptMode {
		session = newPromptSession(stdin, stdout, stderr, !*sandbox)
		opts.Stdout, opts.Stderr = session.stdout, session.stderr
	}
	if *trace {
		opts.Trace = opts.Stderr // the prompt's (which keeps the prompt intact), or the gate
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			fmt.Fprintf(stderr, "sockrun: cannot write trace file: %v\n", err)
			return script.ExitUsage
		}
		defer f.Close()
		opts.Trace = f
	}
	if path := os.Getenv("SOCKRUN_CPUPROFILE"); path != "" {
		// For profiling sockrun itself: go tool pprof sockrun PATH.
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	rt, err := script.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "sockrun: %v\n", err)
		return script.ExitError
	}
	closeRuntime := true // until the script's goroutine owns it
	defer func() {
		if closeRuntime {
			rt.Close()
		}
	}()
	dirs := append([]string{scriptDir(name)}, *modulePath...)
	if env := os.Getenv("SOCKRUN_PATH"); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	rt.SetModulePath(dirs)
	if err := rt.SetPolicy(*allow, *deny); err != nil {
		fmt.Fprintf(stderr, "sockrun: %v\n", err)
		return script.ExitUsage
	}
	if *sandbox {
		// A script from -e or stdin has no directory of its own: under
		// --sandbox it reads only under -I directories (not the working one).
		readable := *modulePath
		if !hasCode && len(rest) > 0 && rest[0] != "-" {
			readable = append([]string{scriptDir(name)}, readable...)
		}
		rt.Sandbox(readable)
	}
	bound := newEnder(rt, gate)
	done := make(chan struct{})
	defer close(done)
	if session == nil {
		stopOnSignals(bound, done) // the prompt handles its own signals
	}
	if *timeout > 0 {
		timer := time.AfterFunc(*timeout, func() {
			bound.stop(script.ExitTimeout, fmt.Sprintf("timed out after %v", *timeout))
		})
		defer timer.Stop()
	}
	if limit := script.MemoryLimit(); limit > 0 {
		go script.WatchMemory(done, func(int64) {
			bound.stop(script.ExitMemory, fmt.Sprintf("memory limit of %s exceeded", script.FormatSize(limit)))
		})
	}

	// The script runs on its own goroutine so that a stop can be a hard
	// bound: a script blocked where Stop cannot reach (io.read on a quiet
	// stdin, a pattern backtracking for hours, a name lookup) is left
	// behind, and the process's exit closes its sockets.
	if session != nil {
		return session.run(rt, source, name, scriptArgs, hasCode || len(rest) > 0)
	}
	finished := make(chan int, 1)
	closeRuntime = false
	go func() {
		status := rt.RunSource(source, name, scriptArgs)
		gate.finish()
		rt.Close()
		finished <- status
	}()
	select {
	case status := <-finished:
		if bound.requested() {
			script.KillChildren() // io.popen's, still running
		}
		return status
	case status := <-bound.hard:
		return status
	}
}

// graceTime is how long a stopped script has to end by itself before the
// command line ends it anyway.
const graceTime = 100 * time.Millisecond

// ender stops the script for the command line (--timeout, --max-memory,
// signals) and makes the stop a hard bound: if the script has not ended
// graceTime after it was told to, hard receives the exit status, and Main
// returns it with the script's goroutine still blocked; main's os.Exit then
// ends the process, and the kernel closes every socket.
type ender struct {
	rt   *script.Runtime
	gate *stderrGate
	once sync.Once
	hard chan int
}

func newEnder(rt *script.Runtime, gate *stderrGate) *ender {
	return &ender{rt: rt, gate: gate, hard: make(chan int, 1)}
}

// stop ends the script with status and reason (printed as "sockrun:
// reason"), unless it is already ending; the first stop arms the bound.
func (e *ender) stop(status int, reason string) {
	e.rt.Stop(status, reason)
	e.once.Do(func() {
		// Children end with the script: os.execute waits for its child,
		// and a killed child lets the script's goroutine go on to its end.
		script.KillChildren()
		time.AfterFunc(graceTime, func() {
			if !e.gate.abandon() {
				return // the script ended in time
			}
			status, reason := e.rt.StopState()
			if reason != "" {
				fmt.Fprintf(e.gate.w, "sockrun: %s\n", reason)
			}
			script.KillChildren()
			e.hard <- status
		})
	})
}

// requested reports whether the command line stopped the script.
func (e *ender) requested() bool {
	requested := true
	e.once.Do(func() { requested = false })
	return requested
}

// stderrGate is the script's stderr, which the command line can take back
// when it abandons a script that did not end: the message it prints then is
// the last, whatever the abandoned goroutine still writes.
type stderrGate struct {
	mu        sync.Mutex
	w         io.Writer
	done      bool // the script ended by itself and printed its own message
	abandoned bool
}

func (g *stderrGate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.abandoned {
		return len(p), nil
	}
	return g.w.Write(p)
}

// finish records that the script ended and printed why.
func (g *stderrGate) finish() {
	g.mu.Lock()
	g.done = true
	g.mu.Unlock()
}

// abandon closes the gate, unless the script has ended (its message is
// out already): then it reports false.
func (g *stderrGate) abandon() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.abandoned = !g.done
	return g.abandoned
}

// stopOnSignals ends the script on Ctrl-C (130) or SIGTERM (143), with the
// same hard bound as --timeout.
func stopOnSignals(bound *ender, done <-chan struct{}) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-ch:
			if sig == os.Interrupt {
				bound.stop(script.ExitInterrupt, "interrupted")
			} else {
				bound.stop(128+int(syscall.SIGTERM), "terminated")
			}
		case <-done:
		}
		signal.Stop(ch)
	}()
}

// scriptDir is where a script's own modules live: its directory, or the
// working directory for -e and stdin.
func scriptDir(name string) string {
	if name == "-e" || name == "stdin" {
		return "."
	}
	return filepath.Dir(name)
}

// moduleVersion reads a dependency's version from the build information.
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	return "(unknown)"
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
