package script

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
	"sockrun/sock"
)

// What the interactive prompt (package cli) needs of a Runtime: compiling
// what was typed, running it as one chunk on the live state while the tasks
// it spawned go on afterwards, running those tasks while the prompt waits
// for input, and interrupting the chunk that runs.
//
// Everything here runs on the script's goroutine except Interrupt. A chunk
// is interrupted in two ways at once: its Lua context is cancelled, which
// stops pure Lua code at its next instruction, and a watcher op (a Go call
// of the engine) wakes the scheduler, which aborts the chunk's task where
// it waits (cancelling its op). That is why the scheduler is Interactive
// here: a chunk's calls always yield to the loop instead of waiting in
// place, where nothing but Stop could reach them.

// PromptChunk is the chunk name of what is typed at the prompt, as lua's.
const PromptChunk = "stdin"

// errInterrupted is what the watcher op reports when Interrupt was called.
var errInterrupted = errors.New("interrupted")

// LineResult is how one chunk ended.
type LineResult struct {
	Values      []string // its results, as tostring shows them
	Err         string   // its error message and traceback ("" if none)
	Interrupted bool     // Interrupt ended it
	Stopped     bool     // the session must end (die, os.exit, --timeout, a signal)
}

// prompt is the Runtime's interactive state.
type prompt struct {
	mu        sync.Mutex
	interrupt context.CancelFunc // cancels the running chunk; nil between chunks
}

// StartPrompt makes the runtime interactive; call it before the first chunk.
func (rt *Runtime) StartPrompt() {
	rt.sched.Interactive = true
	if rt.scriptName == "" {
		rt.scriptName = PromptChunk
		phpkit.SetScriptGlobals(rt.L, "")
	}
}

// RunScriptChunk runs a script as the prompt's first chunk (sockrun -i
// SCRIPT): with Lua's standalone conventions for arg and ..., but returning
// when the main chunk ends; the tasks it spawned go on at the prompt.
func (rt *Runtime) RunScriptChunk(source []byte, name string, args []string) LineResult {
	if bytes.HasPrefix(source, []byte("#")) {
		source = append([]byte("--"), source...) // a #! line, commented out
	}
	rt.scriptName = name
	phpkit.SetScriptGlobals(rt.L, kitHost{rt}.ScriptPath())
	rt.sched.Interactive = true
	fn, err := compileChunk(rt.L, bytes.NewReader(source), name)
	if err != nil {
		return LineResult{Err: compileError(err)}
	}
	argTable := rt.L.NewTable()
	argTable.RawSetInt(0, lua.LString(name))
	values := make([]lua.LValue, len(args))
	for i, a := range args {
		argTable.RawSetInt(i+1, lua.LString(a))
		values[i] = lua.LString(a)
	}
	rt.L.SetGlobal("arg", argTable)
	return rt.RunChunk(fn, values)
}

// CompileLine compiles what was typed: "= expr" and anything that compiles
// after "return " are expressions, whose values the prompt prints (as Lua
// 5.3's prompt does); otherwise it is a statement. incomplete says the
// chunk ended too early (an open function, string or block): the prompt
// reads another line and tries again.
func (rt *Runtime) CompileLine(chunk string) (fn *lua.LFunction, incomplete bool, err error) {
	if rest, ok := strings.CutPrefix(chunk, "="); ok {
		chunk = "return " + rest
	} else if fn, err := compileChunk(rt.L, strings.NewReader("return "+chunk), PromptChunk); err == nil {
		return fn, false, nil
	}
	fn, err = compileChunk(rt.L, strings.NewReader(chunk), PromptChunk)
	if err == nil {
		return fn, false, nil
	}
	// gopher-lua's parser says "at EOF" when the input ran out, as a
	// statement ("for i = 1, 3 do") or as an expression ("1 +").
	if atEOF(err) {
		return nil, true, nil
	}
	if _, exprErr := compileChunk(rt.L, strings.NewReader("return "+chunk), PromptChunk); exprErr != nil && atEOF(exprErr) {
		return nil, true, nil
	}
	return nil, false, errors.New(compileError(err))
}

func atEOF(err error) bool { return strings.Contains(err.Error(), " at EOF:") }

func compileError(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// RunChunk runs fn(args...) as the main task and returns when it has ended,
// failed or been interrupted; the other tasks keep their state for later.
func (rt *Runtime) RunChunk(fn *lua.LFunction, args []lua.LValue) LineResult {
	// The context is cancelled only by Interrupt: coroutines the chunk
	// made (coroutine.create, coroutine.wrap) carry it, and must still run
	// on later lines.
	ctx, cancel := context.WithCancel(rt.eng.Context())
	rt.prompt.mu.Lock()
	rt.prompt.interrupt = cancel
	rt.prompt.mu.Unlock()
	defer func() {
		rt.prompt.mu.Lock()
		rt.prompt.interrupt = nil
		rt.prompt.mu.Unlock()
	}()

	interrupted := false
	end := make(chan struct{})
	watch := &sock.Op{Done: func(err error) { interrupted = err == errInterrupted }}
	rt.eng.Go(watch, func() error {
		select {
		case <-ctx.Done():
			return errInterrupted
		case <-end:
			return nil
		}
	})
	// The chunk's thread (and the coroutines it makes) get the chunk's
	// context; tasks it spawns get the engine's, so they survive Ctrl-C.
	t := rt.sched.StartMain(ctx, fn, args)
	err := rt.sched.RunWhile(func() bool { return !t.Finished && !interrupted })
	close(end)
	rt.eng.Cancel(watch)

	switch {
	case rt.Stopping():
		rt.sched.Abort(t, "stopped")
		return LineResult{Stopped: true}
	case interrupted || ctx.Err() != nil:
		rt.sched.Abort(t, "interrupted")
		return LineResult{Interrupted: true}
	case err != nil && !t.Finished:
		// Not the chunk's own error: --fatal-task-errors, or every task
		// waiting for another.
		rt.sched.Abort(t, "stopped")
		rt.Stop(ExitError, errorText(err))
		return LineResult{Stopped: true}
	case err != nil:
		return LineResult{Err: errorText(err)}
	}
	res := LineResult{}
	for _, v := range t.Results {
		res.Values = append(res.Values, rt.L.ToStringMeta(v).String())
	}
	return res
}

// RunTasks runs the tasks while wait (called on a goroutine of its own,
// touching nothing of the runtime) waits for the next line; it returns when
// wait has returned. wait must also return promptly when the prompt ends,
// for Close waits for it. A false result means the session must end.
func (rt *Runtime) RunTasks(wait func()) bool {
	done := false
	op := &sock.Op{Done: func(error) { done = true }}
	rt.eng.Go(op, func() error { wait(); return nil })
	err := rt.sched.RunWhile(func() bool { return !done })
	if err != nil && !rt.Stopping() {
		rt.Stop(ExitError, errorText(err)) // --fatal-task-errors
	}
	return !rt.Stopping()
}

// Interrupt ends the running chunk (from any goroutine: the prompt's
// SIGINT handler). It reports false when no chunk is running.
func (rt *Runtime) Interrupt() bool {
	rt.prompt.mu.Lock()
	defer rt.prompt.mu.Unlock()
	if rt.prompt.interrupt == nil {
		return false
	}
	rt.prompt.interrupt()
	return true
}

// EndStatus is the exit status of a session the runtime stopped, printing
// why once (as a script's end does).
func (rt *Runtime) EndStatus() int {
	if !rt.Stopping() {
		return ExitOK
	}
	return rt.finish(sock.ErrStopped)
}
