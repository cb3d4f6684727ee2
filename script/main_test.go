package script

import (
	"io"
	"time"
)

// Main is the part of the command line this package's own tests use (-q,
// --timeout, --fatal-task-errors, -e CODE ARGS...). The real command line
// is package cli, which imports this one.
func Main(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts := Options{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	var code string
	var timeout time.Duration
	var args []string
	for i := 0; i < len(argv); i++ {
		switch argv[i] {
		case "-q":
			opts.Quiet = true
		case "--fatal-task-errors":
			opts.FatalTaskError = true
		case "--timeout":
			i++
			timeout, _ = time.ParseDuration(argv[i])
		case "-e":
			code, args = argv[i+1], argv[i+2:]
			i = len(argv)
		}
	}
	rt := mustNew(opts)
	defer rt.Close()
	if timeout > 0 {
		timer := time.AfterFunc(timeout, func() { rt.Stop(ExitTimeout, "timed out after "+timeout.String()) })
		defer timer.Stop()
	}
	return rt.RunSource([]byte(code), "-e", args)
}

// mustNew is New for tests.
func mustNew(opts Options) *Runtime {
	rt, err := New(opts)
	if err != nil {
		panic(err)
	}
	return rt
}
