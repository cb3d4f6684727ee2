// Package tests holds sockrun's end-to-end tests: the real binary, built once
// per run (with -race when the tests run with -race), on real scripts against
// real peers on loopback.
package tests

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binPath string // the sockrun binary under test
	rootDir string // the repository root
)

func TestMain(m *testing.M) {
	// The end-to-end tests mostly wait on child processes and peers, so
	// four run at once by default rather than one per CPU (an explicit
	// -parallel wins).
	flag.Parse()
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet && runtime.GOMAXPROCS(0) < 4 {
		flag.Set("test.parallel", "4")
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sockrun-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	rootDir, _ = filepath.Abs("..")
	binPath = filepath.Join(dir, "sockrun")
	buildArgs := []string{"build", "-o", binPath}
	if raceEnabled {
		buildArgs = append(buildArgs, "-race")
	}
	build := exec.Command("go", append(buildArgs, ".")...)
	build.Dir = rootDir
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building sockrun: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// requireTool skips the test when a peer program is missing, unless
// SOCKRUN_REQUIRE_TOOLS is set (as .ci/run sets it), where it fails.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SOCKRUN_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is required (SOCKRUN_REQUIRE_TOOLS is set) but not installed", name)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

// result is what a finished program did.
type result struct {
	stdout, stderr string
	code           int
}

// runSockrun runs the binary to completion (bounded at a minute) from the
// repository root.
func runSockrun(t testing.TB, args ...string) result {
	t.Helper()
	return runProgram(t, "", binPath, args...)
}

// runProgram runs any program with optional stdin and returns its outcome.
func runProgram(t testing.TB, stdin, prog string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = rootDir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %v: %v", prog, args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish within a minute; stdout:\n%s\nstderr:\n%s", prog, args, out.String(), errOut.String())
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// process is a program running in the background, whose stdout is read line
// by line so a test can wait for what it prints instead of sleeping.
type process struct {
	t      testing.TB
	cmd    *exec.Cmd
	lines  chan string
	mu     sync.Mutex
	stdout strings.Builder
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

// startSockrun starts the binary in the background; the test's cleanup
// interrupts it if it is still running.
func startSockrun(t testing.TB, args ...string) *process {
	t.Helper()
	return startProgram(t, binPath, args...)
}

func startProgram(t testing.TB, prog string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = rootDir
	p := &process{t: t, cmd: cmd, lines: make(chan string, 10000), done: make(chan struct{})}
	cmd.Stderr = &syncWriter{mu: &p.mu, w: &p.stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", prog, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default: // nobody is waiting for lines this far back
			}
		}
		io.Copy(io.Discard, out)
		err := cmd.Wait()
		if exitErr, ok := err.(*exec.ExitError); ok {
			p.code = exitErr.ExitCode()
		}
		close(p.lines)
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLine reads stdout until a line matches re (within 30 s) and returns
// the submatches.
func (p *process) waitLine(re string) []string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("program ended (status %d) before printing a line matching %q; stdout:\n%s\nstderr:\n%s", p.code, re, p.Stdout(), p.Stderr())
			}
			if m := rx.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-timeout:
			p.t.Fatalf("no line matching %q within 30s; stdout:\n%s\nstderr:\n%s", re, p.Stdout(), p.Stderr())
		}
	}
}

// interrupt sends SIGINT and waits for the program to end, returning its status.
func (p *process) interrupt() int {
	p.t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	return p.wait()
}

// wait waits (at most 30 s) for the program to end and returns its status.
func (p *process) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(30 * time.Second):
		p.t.Fatalf("program did not end within 30s; stdout:\n%s\nstderr:\n%s", p.Stdout(), p.Stderr())
		return -1
	}
}

func (p *process) Stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

func (p *process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

// freePort finds a port that is free on 127.0.0.1 now (bound to port 0 and
// read back), for programs that must be told a port, like the tutorial's.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// writeFile writes a file into a fresh temporary directory and returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
