package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/term"

	"sockrun/script"
)

// The interactive prompt (sockrun with no script on a terminal, or -i): a
// read-eval-print loop like lua's and php -a's, on one Runtime, so that
// sockets and tasks live across lines.
//
// Two goroutines share the work. The script's goroutine (the one running
// Main) compiles and runs what is typed, and while it waits for the next
// line it keeps running the tasks (script.Runtime.RunTasks). The reader
// goroutine owns the terminal: it reads one line each time it is asked,
// with line editing and history (golang.org/x/term), the terminal in raw
// mode only while it reads. Output written while a line is being edited
// (a task's echo, a warning) goes through the editor, which moves the
// prompt below it. Ctrl-C typed while a line runs is SIGINT (the terminal
// is not raw then), which interrupts that line; typed at the prompt it is a
// key, which discards the line being typed, or quits on an empty one.

const (
	promptFirst    = "> "
	promptContinue = ">> "
	historyFile    = ".sockrun_history"
	historyMax     = 1000
)

// promptSession is one run of the prompt.
type promptSession struct {
	stdout, stderr io.Writer // what the runtime writes to (through the editor on a terminal)
	plainOut       io.Writer
	tty            *ttyReader // nil when stdin is not a terminal
	plain          *bufio.Reader
	requests       chan readRequest
	results        chan readResult
	quit           chan struct{}
	sigints        atomic.Int32 // SIGINTs since the prompt last read a line
}

type readRequest struct {
	prompt     string
	continuing bool // a statement is incomplete: Ctrl-C discards it, not quits
}

type readResult struct {
	line  string
	ctrlC bool  // the line was ended with Ctrl-C: discard it
	err   error // io.EOF: Ctrl-D, or Ctrl-C on an empty prompt
}

// newPromptSession sets the prompt up on stdin; history says whether lines
// are saved to ~/.sockrun_history (not under --sandbox).
func newPromptSession(stdin io.Reader, stdout, stderr io.Writer, history bool) *promptSession {
	p := &promptSession{
		stdout: stdout, stderr: stderr, plainOut: stdout,
		requests: make(chan readRequest),
		results:  make(chan readResult),
		quit:     make(chan struct{}),
	}
	in, inOK := stdin.(*os.File)
	out, outOK := stdout.(*os.File)
	if inOK && outOK && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd())) {
		p.tty = newTTYReader(in, out, history)
		p.stdout = &promptWriter{direct: stdout, tty: p.tty}
		p.stderr = &promptWriter{direct: stderr, tty: p.tty}
	} else {
		p.plain = bufio.NewReader(stdin)
	}
	return p
}

// isTerminal reports whether r is a terminal (sockrun with no script then
// opens the prompt).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// run runs the script first if one was given (sockrun -i SCRIPT: its errors
// are reported and the prompt opens anyway, as python -i does), then the
// prompt until Ctrl-D, die()/os.exit(), --timeout or a signal.
func (p *promptSession) run(rt *script.Runtime, source []byte, name string, args []string, hasScript bool) int {
	defer p.restore()
	defer close(p.quit)
	stopSignals := p.handleSignals(rt)
	defer stopSignals()
	go p.readLoop(rt)

	if hasScript {
		if res := rt.RunScriptChunk(source, name, args); p.report(res) {
			return rt.EndStatus()
		}
	}
	rt.StartPrompt()
	if p.tty != nil {
		fmt.Fprintf(p.stdout, "sockrun %s (Lua 5.1) interactive: Ctrl-D quits, Ctrl-C interrupts a call\n", Version)
	}
	pending := ""
	for {
		req := readRequest{prompt: promptFirst, continuing: pending != ""}
		if req.continuing {
			req.prompt = promptContinue
		}
		p.requests <- req
		var res readResult
		if !rt.RunTasks(func() {
			select {
			case res = <-p.results:
			case <-p.quit:
			}
		}) || res.err != nil {
			break
		}
		if res.ctrlC {
			pending = ""
			continue
		}
		chunk := res.line
		if pending != "" {
			chunk = pending + "\n" + res.line
		}
		fn, incomplete, err := rt.CompileLine(chunk)
		switch {
		case incomplete:
			pending = chunk
			continue
		case err != nil:
			pending = ""
			fmt.Fprintln(p.stderr, err)
			continue
		}
		pending = ""
		if p.report(rt.RunChunk(fn, nil)) {
			break
		}
	}
	return rt.EndStatus()
}

// report prints how a chunk ended; it returns true when the session ends.
func (p *promptSession) report(res script.LineResult) bool {
	switch {
	case res.Stopped:
		return true
	case res.Interrupted:
		fmt.Fprintln(p.stderr, "interrupted")
	case res.Err != "":
		fmt.Fprintln(p.stderr, res.Err)
	case len(res.Values) > 0:
		fmt.Fprintln(p.stdout, strings.Join(res.Values, "\t"))
	}
	return false
}

// readLoop is the reader goroutine: it touches only the terminal (or
// stdin) and answers each request with a line. Quitting (Ctrl-D, or Ctrl-C
// on an empty prompt) stops the runtime from here, so that it ends even
// while a task keeps the script's goroutine busy.
func (p *promptSession) readLoop(rt *script.Runtime) {
	for {
		var req readRequest
		select {
		case req = <-p.requests:
		case <-p.quit:
			return
		}
		var res readResult
		p.sigints.Store(0)
		if p.tty != nil {
			res = p.tty.readLine(req.prompt)
		} else {
			res = readPlainLine(p.plain)
		}
		if res.err != nil || (res.ctrlC && res.line == "" && !req.continuing) {
			if p.tty != nil {
				fmt.Fprintln(p.plainOut)
			}
			res.err = io.EOF
			rt.Stop(script.ExitOK, "")
		}
		select {
		case p.results <- res:
		case <-p.quit:
			return
		}
	}
}

// readPlainLine reads a line from stdin that is not a terminal (sockrun -i
// < file): no prompt, no editing.
func readPlainLine(r *bufio.Reader) readResult {
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return readResult{err: io.EOF}
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	return readResult{line: line}
}

// handleSignals makes the first SIGINT since the prompt last read a line
// interrupt the running line (if none runs, it is ignored: a Ctrl-C that
// came just as the line ended); the second ends sockrun (130), for a call
// that cannot be interrupted or a task that never waits. SIGTERM ends it
// (143).
func (p *promptSession) handleSignals(rt *script.Runtime) func() {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case sig := <-ch:
				switch {
				case sig != os.Interrupt:
					rt.Stop(128+int(syscall.SIGTERM), "terminated")
				case p.sigints.Add(1) == 1:
					rt.Interrupt()
				default:
					rt.Stop(script.ExitInterrupt, "interrupted")
				}
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// restore leaves the terminal as it was found, even if the session ended
// while a line was being read.
func (p *promptSession) restore() {
	if p.tty != nil {
		p.tty.restore()
	}
}

// ttyReader edits lines on a terminal.
type ttyReader struct {
	in, out   *os.File
	t         *term.Terminal
	saved     *term.State // the terminal's state when the prompt started
	buf       [256]byte
	pending   []byte      // read from the terminal, not yet handed to t
	ctrlC     atomic.Bool // a Ctrl-C ended the line being read
	prompting atomic.Bool // a line is being read: output goes through t
}

func newTTYReader(in, out *os.File, saveHistory bool) *ttyReader {
	r := &ttyReader{in: in, out: out}
	r.saved, _ = term.GetState(int(in.Fd()))
	r.t = term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{ctrlCReader{r}, out}, promptFirst)
	h := &history{skip: r.ctrlC.Load}
	if home, err := os.UserHomeDir(); err == nil && saveHistory {
		h.load(filepath.Join(home, historyFile))
	}
	r.t.History = h
	return r
}

// ctrlCReader reads the terminal for the editor, which treats Ctrl-C as
// Ctrl-D: it turns Ctrl-C into Enter and notes it, so that the prompt can
// discard the line instead. A Ctrl-C is handed over alone, after the keys
// before it, so that the note belongs to the line it ends.
type ctrlCReader struct{ r *ttyReader }

func (c ctrlCReader) Read(b []byte) (int, error) {
	r := c.r
	if len(r.pending) == 0 {
		n, err := r.in.Read(r.buf[:min(len(b), len(r.buf))])
		if n == 0 {
			return 0, err
		}
		r.pending = r.buf[:n]
	}
	if r.pending[0] == 3 {
		r.pending = r.pending[1:]
		r.ctrlC.Store(true)
		b[0] = '\r'
		return 1, nil
	}
	n := len(r.pending)
	if i := bytes.IndexByte(r.pending, 3); i >= 0 {
		n = i
	}
	n = copy(b, r.pending[:n])
	r.pending = r.pending[n:]
	return n, nil
}

func (r *ttyReader) readLine(prompt string) readResult {
	fd := int(r.in.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return readResult{err: err}
	}
	if w, h, err := term.GetSize(int(r.out.Fd())); err == nil && w > 0 && h > 0 {
		r.t.SetSize(w, h) // only the editor's idea of the width
	}
	r.t.SetPrompt(prompt)
	r.ctrlC.Store(false)
	r.prompting.Store(true)
	line, err := r.t.ReadLine()
	r.prompting.Store(false)
	term.Restore(fd, state) // as good as it gets
	return readResult{line: line, ctrlC: r.ctrlC.Load(), err: err}
}

func (r *ttyReader) restore() {
	if r.saved != nil {
		term.Restore(int(r.in.Fd()), r.saved)
	}
}

// promptWriter is the runtime's stdout or stderr on a terminal: while a
// line is being edited, output goes through the editor (which clears the
// prompt, writes, and draws it again below), else straight out.
type promptWriter struct {
	direct io.Writer
	tty    *ttyReader
}

func (w *promptWriter) Write(b []byte) (int, error) {
	if w.tty.prompting.Load() {
		return w.tty.t.Write(b)
	}
	return w.direct.Write(b)
}

// history is the editor's history, kept in ~/.sockrun_history (one line
// an entry) when it has a file.
type history struct {
	mu      sync.Mutex
	entries []string // oldest first
	file    string
	skip    func() bool // the line is being discarded (Ctrl-C)
}

func (h *history) load(path string) {
	h.file = path
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > historyMax {
		lines = lines[len(lines)-historyMax:]
	}
	for _, l := range lines {
		if l != "" {
			h.entries = append(h.entries, l)
		}
	}
}

func (h *history) Add(entry string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.TrimSpace(entry) == "" || h.skip() ||
		(len(h.entries) > 0 && h.entries[len(h.entries)-1] == entry) {
		return
	}
	h.entries = append(h.entries, entry)
	if len(h.entries) > historyMax {
		h.entries = h.entries[1:]
	}
	if h.file == "" {
		return
	}
	if f, err := os.OpenFile(h.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
		fmt.Fprintln(f, entry)
		f.Close()
	}
}

func (h *history) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.entries)
}

func (h *history) At(i int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.entries[len(h.entries)-1-i]
}
