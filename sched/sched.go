// Package sched runs a script's tasks: functions running concurrently on
// the one Lua state, the model of Nmap's NSE and OpenResty's cosockets.
//
// Every task, the main chunk included, is a Lua coroutine, resumed only by
// the scheduler's loop on the script's goroutine (the goroutine rule is
// stated in package sock). When a task makes a call that must wait, the
// call becomes an op of the readiness engine (sock.Engine) and the task
// yields; no goroutine waits for it. The loop runs the ready tasks, then
// waits on the engine once, and the engine finishes exactly the ops whose
// sockets or timers are ready: their results are pushed on their task's
// thread and the task is resumed with them.
//
// A call waits in place instead, on the engine but without yielding, when
// no other task exists or when its thread cannot yield: gopher-lua cannot
// yield across a Go function (pcall, table.sort's comparator, an iterator
// called from Go), so pcall and xpcall are replaced inside tasks by versions
// built on coroutines (as Kepler's coxpcall), and the scheduler checks the
// stack for other Go frames.
package sched

import (
	"fmt"
	"io"

	lua "github.com/yuin/gopher-lua"

	"sockrun/sock"
)

// Maximum Lua call depths: the main chunk's is Lua 5.1's (LUAI_MAXCALLS);
// a spawned task's is smaller, since gopher-lua reserves a pointer per 8
// frames of it up front (2 KB here, 20 KB for the main chunk's).
const (
	MainCallDepth = 20000
	TaskCallDepth = 1000
)

// taskRegistrySize is the initial value stack of a spawned task, in slots
// of 16 bytes: a task waiting in a socket call holds little.
const taskRegistrySize = 32

// quickCallBudget is how many calls in a row a task may complete without
// waiting before it goes to the back of the queue.
const quickCallBudget = 64

// Task is one concurrent function.
type Task struct {
	ID       int
	UD       *lua.LUserData // the task's one userdata (its metatable is the binding's)
	Finished bool
	Failed   bool
	Results  []lua.LValue // what the function returned, or its error message

	co         *lua.LState
	fn         *lua.LFunction
	args       []lua.LValue
	started    bool
	waiters    []*Task // tasks blocked in Join(this)
	suspended  bool    // yielded for an op or a Join (not a bare coroutine.yield)
	quickCalls int
	isMain     bool
	op         *sock.Op // the op the task is suspended on (for Abort)
}

// Outcome is what Join returns: true and the results, or false and the
// error message.
func (t *Task) Outcome() []lua.LValue {
	return append([]lua.LValue{lua.LBool(!t.Failed)}, t.Results...)
}

// completion is a finished op on its way back to its task.
type completion struct {
	t    *Task
	th   *lua.LState // the thread whose call waited (the task's, or a pcall child's)
	err  error
	push func(error) int
}

// resumption is a task ready to run, with the values its yield returns.
type resumption struct {
	t      *Task
	values []lua.LValue
}

// Scheduler runs the tasks of one Lua state.
type Scheduler struct {
	L   *lua.LState
	Eng *sock.Engine
	// Fatal makes an error in any task end the script.
	Fatal bool
	// Stderr is where a failed task is reported.
	Stderr io.Writer
	// TaskMeta is the metatable of the tasks' userdata.
	TaskMeta lua.LValue
	// Interactive makes a task's calls yield to the loop even when no other
	// task exists, so that the prompt can interrupt them (see repl.go).
	Interactive bool

	threads    map[*lua.LState]*Task  // task threads and their pcall children
	tracebacks map[*lua.LState]string // where each thread's last error was raised
	body       *lua.LFunction         // runs each task's function (see pcallLua)
	nextID     int
	ready      []resumption
	spare      []resumption
	completed  []completion
	live       int // tasks not finished
}

// New makes the scheduler of L, waiting on eng.
func New(L *lua.LState, eng *sock.Engine, stderr io.Writer) *Scheduler {
	return &Scheduler{
		L:          L,
		Eng:        eng,
		Stderr:     stderr,
		threads:    make(map[*lua.LState]*Task),
		tracebacks: make(map[*lua.LState]string),
	}
}

// Live counts the tasks not finished, the main chunk included.
func (s *Scheduler) Live() int { return s.live }

// TaskOf returns the task whose thread (or pcall child) L is, or nil.
func (s *Scheduler) TaskOf(L *lua.LState) *Task { return s.threads[L] }

// Spawn makes a task of fn(args...), ready to run at the next yield.
func (s *Scheduler) Spawn(fn *lua.LFunction, args []lua.LValue, callDepth int) *Task {
	opts := s.L.Options
	s.L.Options.CallStackSize = callDepth
	if callDepth < MainCallDepth {
		// A task's value stack starts small and grows by the state's step.
		s.L.Options.RegistrySize = taskRegistrySize
	}
	co, _ := s.L.NewThread()
	s.L.Options = opts
	s.nextID++
	// Every task runs its function through the body wrapper (see pcallLua),
	// so a waiting call in tail position cannot end it.
	t := &Task{ID: s.nextID, co: co, fn: s.body, args: append([]lua.LValue{fn}, args...)}
	t.UD = s.L.NewUserData()
	t.UD.Value = t
	t.UD.Metatable = s.TaskMeta
	s.threads[co] = t
	s.live++
	s.ready = append(s.ready, resumption{t: t})
	return t
}

// Yieldable returns the task that the running thread L may suspend, or nil
// when a call must wait in place: no other task exists, L is not a task (a
// coroutine of the script's own), or a Go function sits on L's stack.
func (s *Scheduler) Yieldable(L *lua.LState) *Task {
	if s.live <= 1 && !s.Interactive {
		return nil
	}
	t, ok := s.threads[L]
	if !ok {
		return nil
	}
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return t
		}
		if _, err := L.GetInfo("S", dbg, lua.LNil); err != nil || dbg.What == "G" {
			return nil
		}
	}
}

// Await makes the calling thread L wait for op, which arm registers with
// the engine; push turns the outcome into L's results. A task yields (the
// scheduler resumes it with push's values once op is done); anything that
// cannot yield waits in place. The caller returns Await's result.
func (s *Scheduler) Await(L *lua.LState, op *sock.Op, arm func(), push func(error) int) int {
	t := s.Yieldable(L)
	if t == nil {
		var result error
		op.Done = func(err error) { result = err }
		arm()
		if err := s.Eng.WaitFor(op); err != nil {
			s.Eng.Cancel(op)
			result = err
		}
		return push(result)
	}
	t.quickCalls = 0
	t.op = op
	op.Done = func(err error) {
		t.op = nil
		s.completed = append(s.completed, completion{t: t, th: L, err: err, push: push})
	}
	arm()
	t.suspended = true
	return L.Yield()
}

// Finish hands a call's outcome to L when it did not have to wait (see
// Direct).
func (s *Scheduler) Finish(L *lua.LState, err error, push func(error) int) int {
	if s.Direct(L) {
		return push(err)
	}
	return s.Later(L, err, push)
}

// Direct reports whether a call that did not have to wait may push its
// results at once. A task that has made many such calls in a row must go to
// the back of the queue with its results instead (Later), so that it cannot
// starve the others.
func (s *Scheduler) Direct(L *lua.LState) bool {
	if s.live <= 1 {
		return true
	}
	t := s.threads[L]
	if t == nil {
		return true
	}
	t.quickCalls++
	if t.quickCalls < quickCallBudget {
		return true
	}
	t.quickCalls = 0
	return s.Yieldable(L) == nil
}

// Later queues a finished call's outcome behind the other ready tasks and
// suspends the calling task; the caller returns its result.
func (s *Scheduler) Later(L *lua.LState, err error, push func(error) int) int {
	t := s.threads[L]
	t.suspended = true
	s.completed = append(s.completed, completion{t: t, th: L, err: err, push: push})
	return L.Yield()
}

// Join makes the calling task wait until t has ended; it returns what the
// caller returns, or a reason why it cannot wait.
func (s *Scheduler) Join(L *lua.LState, t *Task) (int, string) {
	if t.Finished {
		for _, v := range t.Outcome() {
			L.Push(v)
		}
		return len(t.Results) + 1, ""
	}
	self := s.Yieldable(L)
	switch {
	case self == nil && s.threads[L] == t, self == t:
		return 0, "a task cannot wait for itself"
	case self == nil:
		return 0, "cannot wait here: inside a coroutine of the script's own or a callback from Go"
	}
	t.waiters = append(t.waiters, self)
	self.suspended = true
	return L.Yield(), ""
}

// ErrDeadlock ends a script whose tasks all wait for each other.
type ErrDeadlock struct{ Waiting int }

func (e ErrDeadlock) Error() string {
	return fmt.Sprintf("every task is waiting for another (%d tasks in wait())", e.Waiting)
}

// ScriptError is an uncaught error with its traceback, already formatted.
type ScriptError struct{ Msg string }

func (e *ScriptError) Error() string { return e.Msg }

// Run runs fn as the main task and schedules until every task has
// finished. It returns the main chunk's error (a *ScriptError), an error
// that ends the script (--fatal-task-errors, a deadlock), or
// sock.ErrStopped.
//
// Each round resumes every ready task once, then takes what the engine has
// for the next round: without waiting while tasks are still ready, else
// waiting until something is.
func (s *Scheduler) Run(fn *lua.LFunction, args []lua.LValue) error {
	main := s.Spawn(fn, args, MainCallDepth)
	main.isMain = true
	for {
		if err := s.takeCompleted(); err != nil {
			return err
		}
		if s.Eng.Stopping() {
			return sock.ErrStopped
		}
		if len(s.ready) == 0 {
			switch {
			case s.live == 0:
				return nil
			case !s.Eng.Pending():
				return ErrDeadlock{s.live}
			}
			if err := s.Eng.Poll(true); err != nil {
				return err
			}
			continue
		}
		round := s.ready
		s.ready = s.spare[:0]
		for _, r := range round {
			if err := s.resume(r); err != nil {
				return err
			}
		}
		clear(round)
		s.spare = round[:0]
		if len(s.ready) > 0 {
			if err := s.Eng.Poll(false); err != nil {
				return err
			}
		}
	}
}

// takeCompleted pushes the results of the finished ops and makes their
// tasks ready.
func (s *Scheduler) takeCompleted() error {
	for len(s.completed) > 0 {
		c := s.completed[0]
		s.completed = s.completed[1:]
		if err := s.complete(c); err != nil {
			return err
		}
	}
	s.completed = nil
	return nil
}

// complete pushes an op's results and makes its task ready to resume.
func (s *Scheduler) complete(c completion) error {
	if c.t.Finished {
		return nil // cannot happen while tasks run through their body wrapper
	}
	values, err := collect(c)
	if err != nil {
		if s.Eng.Stopping() {
			return sock.ErrStopped
		}
		s.taskFailed(c.t, err.Error())
		return s.fatalTaskError(c.t)
	}
	s.ready = append(s.ready, resumption{t: c.t, values: values})
	return nil
}

// collect pushes an op's results on the thread that waited and takes them
// back as the values to resume with.
func collect(c completion) (values []lua.LValue, err error) {
	if c.err == sock.ErrStopped {
		return nil, sock.ErrStopped
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
			if apiErr, ok := r.(*lua.ApiError); ok {
				err = fmt.Errorf("%s", lua.LVAsString(apiErr.Object))
			}
		}
	}()
	top := c.th.GetTop()
	n := c.push(c.err)
	values = make([]lua.LValue, n)
	for i := range values {
		values[i] = c.th.Get(top + 1 + i)
	}
	c.th.SetTop(top)
	return values, nil
}

// resume runs a task until it yields or ends.
func (s *Scheduler) resume(r resumption) error {
	t := r.t
	var state lua.ResumeState
	var err error
	var values []lua.LValue
	if !t.started {
		t.started = true
		state, err, values = s.L.Resume(t.co, t.fn, t.args...)
	} else {
		state, err, values = s.L.Resume(t.co, nil, r.values...)
	}
	if s.Eng.Stopping() {
		return sock.ErrStopped
	}
	switch state {
	case lua.ResumeYield:
		if !t.suspended {
			// coroutine.yield() at the top of a task: let the others run.
			s.ready = append(s.ready, resumption{t: t})
		}
		t.suspended = false
		return nil
	case lua.ResumeOK:
		n, _ := values[0].(lua.LNumber) // the count the task body prepends
		s.taskEnded(t, false, values[1:1+int(n)])
		return nil
	}
	trace, ok := s.tracebacks[t.co]
	if !ok {
		trace = StackTrace(t.co, 0)
	}
	delete(s.tracebacks, t.co)
	msg := ErrorText(err) + "\n" + trace
	if t.isMain {
		s.taskEnded(t, true, []lua.LValue{lua.LString(msg)})
		return &ScriptError{msg}
	}
	s.taskFailed(t, msg)
	return s.fatalTaskError(t)
}

func (s *Scheduler) taskFailed(t *Task, msg string) {
	fmt.Fprintf(s.Stderr, "sockrun: task #%d failed: %s\n", t.ID, msg)
	s.taskEnded(t, true, []lua.LValue{lua.LString(msg)})
}

// fatalTaskError ends the script after a task's error when Fatal says so.
func (s *Scheduler) fatalTaskError(t *Task) error {
	if !s.Fatal {
		return nil
	}
	return &ScriptError{fmt.Sprintf("ending: task #%d failed (--fatal-task-errors)", t.ID)}
}

// taskEnded records a task's end and wakes the tasks waiting for it with
// (true, results...) or (false, message).
func (s *Scheduler) taskEnded(t *Task, failed bool, values []lua.LValue) {
	t.Finished, t.Failed, t.Results = true, failed, values
	s.live--
	delete(s.threads, t.co)
	for _, w := range t.waiters {
		s.ready = append(s.ready, resumption{t: w, values: t.Outcome()})
	}
	t.waiters = nil
}

// ErrorText is an error's message as Lua shows it.
func ErrorText(err error) string {
	if apiErr, ok := err.(*lua.ApiError); ok {
		return lua.LVAsString(apiErr.Object)
	}
	return err.Error()
}
