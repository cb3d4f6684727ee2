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
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"sockrun/script"
)

// Version is sockrun's version, set at build time with -ldflags "-X sockrun/cli.Version=...".
var Version = "0.1.0-dev"

const usageText = `usage: sockrun [flags] SCRIPT [ARGS...]
       sockrun [flags] -e CODE [ARGS...]
       sockrun [flags] - [ARGS...]        (script from stdin)

Runs a Lua script with PHP's socket API (socket_create, socket_connect, ...).
Flags go before the script; everything after it belongs to the script
(arg[1], arg[2], ... and the main chunk's ...).

Flags:
`

// Main is the whole command line: it parses args, runs the script and returns
// the exit status (0 ok, 1 script error, 2 usage, 124 timeout, 130 Ctrl-C).
func Main(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := pflag.NewFlagSet("sockrun", pflag.ContinueOnError)
	flags.SetInterspersed(false) // flags after the script are the script's
	flags.SetOutput(io.Discard)
	code := flags.StringP("execute", "e", "", "run `CODE` instead of a script file")
	quiet := flags.BoolP("quiet", "q", false, "print no PHP-style warnings on stderr (errors still print)")
	timeout := flags.Duration("timeout", 0, "end the script after `DURATION` (e.g. 30s), closing every socket; exit status 124")
	modulePath := flags.StringArrayP("path", "I", nil, "also look for require()d modules in `DIR` (repeatable; $SOCKRUN_PATH adds more, colon-separated)")
	allow := flags.StringArray("allow", nil, "let the script reach only addresses matching `RULE` (repeatable): ADDR, CIDR, HOST, *, with :PORT or :LO-HI; unix:PATTERN")
	deny := flags.StringArray("deny", nil, "never let the script reach `RULE` (repeatable; same forms as --allow; deny wins)")
	maxSockets := flags.Int("max-sockets", 0, "at most `N` open sockets; more fail with errno 24 (0: no limit)")
	maxTasks := flags.Int("max-tasks", 0, "at most `N` unfinished tasks; spawn() fails beyond (0: no limit)")
	sandbox := flags.Bool("sandbox", false, "no os.execute, io.popen, loadlib or file writes; file reads only under the script's directory")
	trace := flags.Bool("trace", false, "trace every socket call on stderr: file:line, arguments, results, errno, data")
	traceFile := flags.String("trace-file", "", "write the --trace lines to `FILE` instead of stderr (implies --trace)")
	fatalTasks := flags.Bool("fatal-task-errors", false, "end the script when any task fails (default: report the error and go on)")
	dns := flags.String("dns", os.Getenv("SOCKRUN_DNS"), "send every host-name lookup to the DNS server at `HOST[:PORT]` (default $SOCKRUN_DNS, else the system's)")
	version := flags.Bool("version", false, "print the version and exit")
	help := flags.BoolP("help", "h", false, "print this help and exit")

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
		fmt.Fprintf(stdout, "sockrun %s (gopher-lua %s, Lua 5.1)\n", Version, moduleVersion("github.com/yuin/gopher-lua"))
		return script.ExitOK
	}
	rest := flags.Args()
	hasCode := flags.Changed("execute")
	if !hasCode && len(rest) == 0 {
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
	} else {
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

	opts := script.Options{
		Stdin: stdin, Stdout: stdout, Stderr: stderr, Quiet: *quiet, DNSServer: *dns,
		FatalTaskError: *fatalTasks, MaxSockets: *maxSockets, MaxTasks: *maxTasks,
	}
	if *trace {
		opts.Trace = stderr
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
		rt.Sandbox(append([]string{scriptDir(name)}, *modulePath...))
	}
	defer rt.Close()
	done := make(chan struct{})
	defer close(done)
	stopOnSignals(rt, done)
	if *timeout > 0 {
		timer := time.AfterFunc(*timeout, func() {
			rt.Stop(script.ExitTimeout, fmt.Sprintf("timed out after %v", *timeout))
		})
		defer timer.Stop()
	}
	return rt.RunSource(source, name, scriptArgs)
}

// stopOnSignals ends the script on Ctrl-C (130) or SIGTERM (143), after which
// Close closes every socket.
func stopOnSignals(rt *script.Runtime, done <-chan struct{}) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-ch:
			if sig == os.Interrupt {
				rt.Stop(script.ExitInterrupt, "interrupted")
			} else {
				rt.Stop(128+int(syscall.SIGTERM), "terminated")
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
