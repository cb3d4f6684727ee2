package runtime

import (
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Tasks: functions running concurrently on the one Lua state, the model of
// Nmap's NSE and OpenResty's cosockets.
//
// Every task, the main chunk included, is a Lua coroutine, resumed only by
// the scheduler loop on the script's goroutine. When a task makes a socket
// call that must wait, the call's OS work (its "op", which touches only
// network values) runs on a goroutine of its own and the task yields; the
// op's outcome comes back over a channel, and the scheduler turns it into Lua
// values ("push", on the script's goroutine) and resumes the task with them.
// The other tasks run meanwhile.
//
// A call blocks the script's goroutine instead, as in a plain PHP-style
// script, when no other task exists, or when it cannot yield: gopher-lua
// cannot yield across a Go function (pcall, table.sort's comparator, an
// iterator called from Go), so pcall and xpcall are replaced inside tasks by
// versions built on coroutines (as Kepler's coxpcall), and the scheduler
// checks the stack for other Go frames.

// task is one concurrent function.
type task struct {
	id         int
	co         *lua.LState
	fn         *lua.LFunction
	args       []lua.LValue
	ud         *lua.LUserData
	started    bool
	finished   bool
	failed     bool
	results    []lua.LValue // what the function returned, or its error message
	waiters    []*task      // tasks blocked in wait(this)
	suspended  suspension   // why the task last yielded
	quickCalls int          // socket calls in a row that did not wait
	isMain     bool
}

type suspension int

const (
	notSuspended    suspension = iota
	suspendedOnOp              // an op runs on a goroutine
	suspendedOnWait            // in wait(), woken by another task's end
)

// completion is an op's outcome on its way back to the scheduler.
type completion struct {
	t    *task
	th   *lua.LState // the thread whose call parked (the task's, or a pcall child's)
	err  error
	push func(error) int
}

// resumption is a task ready to run, with the values its yield returns.
type resumption struct {
	t      *task
	values []lua.LValue
}

type scheduler struct {
	threads    map[*lua.LState]*task  // task threads and their pcall children
	tracebacks map[*lua.LState]string // where each thread's last error was raised
	nextID     int
	ready      []resumption
	finished   []completion // ops done without a goroutine, queued for fairness
	live       int          // tasks not finished
	parked     int          // ops running on goroutines
	done       chan completion
	fatal      bool // an error in any task ends the script
}

func newScheduler(fatal bool) *scheduler {
	return &scheduler{
		threads:    make(map[*lua.LState]*task),
		tracebacks: make(map[*lua.LState]string),
		done:       make(chan completion),
		fatal:      fatal,
	}
}

const taskTypeName = "Task"

// Maximum Lua call depths: the main chunk's is Lua 5.1's (LUAI_MAXCALLS);
// a spawned task's is smaller, since gopher-lua reserves a pointer per 8
// frames of it up front (2 KB here, 20 KB for the main chunk's).
const (
	mainCallDepth = 20000
	taskCallDepth = 2000
)

// spawn makes a task of fn(args...), ready to run at the next yield.
func (rt *Runtime) spawn(fn *lua.LFunction, args []lua.LValue, callDepth int) *task {
	s := rt.sched
	rt.L.Options.CallStackSize = callDepth
	co, _ := rt.L.NewThread()
	rt.L.Options.CallStackSize = mainCallDepth
	s.nextID++
	// Every task runs its function through the body wrapper (see
	// taskPcallLua), so a waiting call in tail position cannot end it.
	t := &task{id: s.nextID, co: co, fn: rt.taskBody, args: append([]lua.LValue{fn}, args...)}
	t.ud = rt.L.NewUserData()
	t.ud.Value = t
	t.ud.Metatable = rt.L.GetTypeMetatable(taskTypeName)
	s.threads[co] = t
	s.live++
	s.ready = append(s.ready, resumption{t: t})
	return t
}

// yieldable returns the task that the running thread L may suspend, or nil
// when the call must block in place: no other task exists, L is not a task
// (a coroutine of the script's own), or a Go function sits on L's stack.
func (s *scheduler) yieldable(L *lua.LState) *task {
	if s == nil || s.live <= 1 {
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

// block performs a socket call that may have to wait. op does the OS work,
// waiting only if its argument says so; push turns its outcome into Lua
// values on the calling thread. canWait is false for a call that must not
// wait (nonblocking socket, MSG_DONTWAIT); retryable says op(false) then
// op(true) is the same call as op(true) alone, which lets a task skip the
// goroutine when the socket is already ready.
func (a args) block(canWait, retryable bool, op func(wait bool) error, push func(error) int) int {
	if !canWait {
		return push(op(false))
	}
	t := a.rt.sched.yieldable(a.L)
	if t == nil {
		return push(op(true))
	}
	s := a.rt.sched
	if retryable {
		if err := op(false); err != unix.EAGAIN {
			t.quickCalls++
			if t.quickCalls < quickCallBudget {
				return push(err)
			}
			// The task has had its turn: its result waits in the queue
			// behind the other tasks, as if the call had parked.
			t.quickCalls = 0
			t.suspended = suspendedOnOp
			s.finished = append(s.finished, completion{t: t, th: a.L, err: err, push: a.tracedPush(push)})
			return a.L.Yield()
		}
	}
	t.quickCalls = 0
	s.parked++
	t.suspended = suspendedOnOp
	th := a.L
	push = a.tracedPush(push)
	go func() {
		err := op(true)
		s.done <- completion{t: t, th: th, err: err, push: push}
	}()
	return a.L.Yield()
}

// tracedPush adds the --trace line to a push that runs after the task
// suspended (the call's own wrapper saw only the yield).
func (a args) tracedPush(push func(error) int) func(error) int {
	if a.trace == nil {
		return push
	}
	return func(err error) int {
		n := push(err)
		a.rt.traceEnd(a, n)
		return n
	}
}

// quickCallBudget is how many socket calls in a row a task may complete
// without waiting before it goes to the back of the queue.
const quickCallBudget = 64

// runTasks runs the main chunk as the first task and schedules until every
// task has finished. It returns the main chunk's error, if any.
func (rt *Runtime) runTasks(fn *lua.LFunction, args []lua.LValue) error {
	s := rt.sched
	main := rt.spawn(fn, args, mainCallDepth)
	main.isMain = true
	for {
		// Finished ops join the queue before every resumption, so a task
		// that keeps running (yielding, or finding data ready each time)
		// cannot starve the tasks whose calls have completed.
		if err := rt.gatherCompletions(); err != nil {
			return err
		}
		if rt.Stopping() {
			return errStopped
		}
		if len(s.ready) > 0 {
			r := s.ready[0]
			s.ready = s.ready[1:]
			if err := rt.resume(r); err != nil {
				return err
			}
			continue
		}
		switch {
		case s.live == 0:
			return nil
		case s.parked == 0:
			return fmt.Errorf("every task is waiting for another (%d tasks in wait())", s.live)
		}
		c := <-s.done
		s.parked--
		if err := rt.complete(c); err != nil {
			return err
		}
	}
}

// gatherCompletions queues the ops that have finished, without waiting.
func (rt *Runtime) gatherCompletions() error {
	s := rt.sched
	for len(s.finished) > 0 {
		c := s.finished[0]
		s.finished = s.finished[1:]
		if err := rt.complete(c); err != nil {
			return err
		}
	}
	for {
		select {
		case c := <-s.done:
			s.parked--
			if err := rt.complete(c); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// complete pushes an op's results and makes its task ready to resume.
func (rt *Runtime) complete(c completion) error {
	if c.t.finished {
		return nil // cannot happen while tasks run through their body wrapper
	}
	values, err := rt.collect(c)
	if err != nil {
		if rt.Stopping() {
			return errStopped
		}
		rt.taskFailed(c.t, err.Error())
		return rt.fatalTaskError(c.t)
	}
	rt.sched.ready = append(rt.sched.ready, resumption{t: c.t, values: values})
	return nil
}

// drainOps waits for the ops still running when the script ends; Stop
// makes each of them return at once.
func (rt *Runtime) drainOps() {
	for rt.sched.parked > 0 {
		<-rt.sched.done
		rt.sched.parked--
	}
}

// collect pushes an op's results on the thread that parked and takes them
// back as the values to resume with.
func (rt *Runtime) collect(c completion) (values []lua.LValue, err error) {
	if c.err == errStopped {
		return nil, errStopped
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
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
func (rt *Runtime) resume(r resumption) error {
	t := r.t
	var state lua.ResumeState
	var err error
	var values []lua.LValue
	if !t.started {
		t.started = true
		state, err, values = rt.L.Resume(t.co, t.fn, t.args...)
	} else {
		state, err, values = rt.L.Resume(t.co, nil, r.values...)
	}
	if rt.Stopping() {
		return errStopped
	}
	s := rt.sched
	switch state {
	case lua.ResumeYield:
		why := t.suspended
		t.suspended = notSuspended
		if why == notSuspended {
			// coroutine.yield() at the top of a task: let the others run.
			s.ready = append(s.ready, resumption{t: t})
		}
		return nil
	case lua.ResumeOK:
		n, _ := values[0].(lua.LNumber) // the count the task body prepends
		rt.taskEnded(t, false, values[1:1+int(n)])
		return nil
	}
	trace, ok := rt.sched.tracebacks[t.co]
	if !ok {
		trace = stackTrace(t.co, 0)
	}
	delete(rt.sched.tracebacks, t.co)
	msg := errorText(err) + "\n" + trace
	if t.isMain {
		rt.taskEnded(t, true, []lua.LValue{lua.LString(msg)})
		return &scriptError{msg}
	}
	rt.taskFailed(t, msg)
	return rt.fatalTaskError(t)
}

// scriptError is an uncaught error with its traceback, already formatted.
type scriptError struct{ msg string }

func (e *scriptError) Error() string { return e.msg }

func (rt *Runtime) taskFailed(t *task, msg string) {
	fmt.Fprintf(rt.stderr, "sockrun: task #%d failed: %s\n", t.id, msg)
	rt.taskEnded(t, true, []lua.LValue{lua.LString(msg)})
}

// fatalTaskError ends the script after a task's error when the flag says so.
func (rt *Runtime) fatalTaskError(t *task) error {
	if !rt.sched.fatal {
		return nil
	}
	return &scriptError{fmt.Sprintf("ending: task #%d failed (--fatal-task-errors)", t.id)}
}

// taskEnded records a task's end and wakes the tasks waiting for it with
// (true, results...) or (false, message).
func (rt *Runtime) taskEnded(t *task, failed bool, values []lua.LValue) {
	s := rt.sched
	t.finished, t.failed, t.results = true, failed, values
	s.live--
	delete(s.threads, t.co)
	for _, w := range t.waiters {
		s.ready = append(s.ready, resumption{t: w, values: t.outcome()})
	}
	t.waiters = nil
}

func (t *task) outcome() []lua.LValue {
	return append([]lua.LValue{lua.LBool(!t.failed)}, t.results...)
}

// The task API.
var taskFuncs = []libFunc{
	{"spawn", spawnFunc},
	{"wait", waitFunc},
	{"sleep", sleepFunc},
}

// spawnFunc: spawn(fn, ...) -> Task. fn(...) runs concurrently with the
// caller, starting when the caller next waits.
func spawnFunc(a args) int {
	fn := a.L.CheckFunction(1)
	// --max-tasks counts spawned tasks, not the main chunk.
	if max, running := a.rt.maxTasks, a.rt.sched.live-1; max > 0 && running >= max {
		a.raise("too many tasks: %d are running (--max-tasks %d)", running, max)
	}
	var fnArgs []lua.LValue
	for i := 2; i <= a.L.GetTop(); i++ {
		fnArgs = append(fnArgs, a.L.Get(i))
	}
	a.L.Push(a.rt.spawn(fn, fnArgs, taskCallDepth).ud)
	return 1
}

// waitFunc: wait(task) -> true, results... | false, message. Waits until the
// task has ended, as pcall reports a call.
func waitFunc(a args) int {
	a.count(1, 1)
	v := a.L.Get(1)
	ud, _ := v.(*lua.LUserData)
	var t *task
	if ud != nil {
		t, _ = ud.Value.(*task)
	}
	if t == nil {
		a.raise("Argument #1 ($task) must be of type Task, %s given", typeName(v))
	}
	if t.finished {
		for _, v := range t.outcome() {
			a.L.Push(v)
		}
		return len(t.results) + 1
	}
	self := a.rt.sched.yieldable(a.L)
	if self == nil {
		if a.rt.sched.threads[a.L] == t {
			a.raise("a task cannot wait for itself")
		}
		a.raise("cannot wait here: inside a coroutine of the script's own or a callback from Go")
	}
	if self == t {
		a.raise("a task cannot wait for itself")
	}
	t.waiters = append(t.waiters, self)
	self.suspended = suspendedOnWait
	return a.L.Yield()
}

// sleepFunc: sleep(seconds) suspends the calling task (or the script) for
// that long; fractions are allowed.
func sleepFunc(a args) int {
	a.count(1, 1)
	secs := float64(a.L.CheckNumber(1))
	if secs < 0 {
		a.raise("Argument #1 ($seconds) must be greater than or equal to 0")
	}
	return sleepFor(a, secs)
}

// sleepFor suspends the calling task (or the script) for secs seconds.
func sleepFor(a args, secs float64) int {
	d := time.Duration(secs * float64(time.Second))
	return a.block(true, false, func(bool) error {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			return nil
		case <-a.rt.ctx.Done():
			return errStopped
		}
	}, func(err error) int {
		if err == errStopped {
			a.L.RaiseError("%s", errStopped.Error())
		}
		return 0
	})
}

// The pcall and xpcall that tasks use: the protected call runs in a child
// coroutine, so a socket call inside it can still suspend the task (the
// child's yields are passed up to the scheduler, and its resumptions down).
// Outside tasks, and where yielding is impossible, they are Lua's own.
const taskPcallLua = `
local native_pcall, native_xpcall, in_task, adopt, release, relocate, set_task_body, keep_traceback = ...
local create, resume, yield, status = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status
local select, unpack = select, unpack

local function pack(...) return {n = select("#", ...), ...} end

-- An error raised by a Go function called directly (pcall(error, "x"),
-- pcall(require, "m")) is positioned at this file's line; relocate moves it
-- to the script's line that called pcall.
local function fixpos(ok, ...)
  if ok then return ok, ... end
  return false, relocate((...))
end

local function run(co, ...)
  local res = pack(resume(co, ...))
  while true do
    if not res[1] then release(co) return false, relocate(res[2]) end
    if status(co) == "dead" then release(co) return true, unpack(res, 2, res.n) end
    res = pack(resume(co, yield(unpack(res, 2, res.n))))
  end
end

-- body runs f as a coroutine's body. It calls f in no tail position: a Go
-- function that yields from a tail call removes its caller's frame in
-- gopher-lua, and if that caller were the coroutine's base, the coroutine
-- would look finished while its call is still waiting. (Go functions also
-- cannot be a coroutine's body at all in gopher-lua.)
local function body(task, ...)
  keep_traceback()
  local r = pack(task(...))
  return unpack(r, 1, r.n)
end

-- A task's body also returns how many values the task returned: gopher-lua's
-- Resume reports "nothing" as one nil.
set_task_body(function(task, ...)
  keep_traceback()
  local r = pack(task(...))
  return r.n, unpack(r, 1, r.n)
end)

pcall = function(f, ...)
  if not in_task() then return fixpos(native_pcall(f, ...)) end
  local co = create(body)
  adopt(co)
  return run(co, f, ...)
end

xpcall = function(f, handler)
  if not in_task() then return native_xpcall(f, function(e) return handler(relocate(e)) end) end
  local co = create(body)
  adopt(co)
  local res = pack(run(co, f))
  if res[1] then return unpack(res, 1, res.n) end
  return false, handler(res[2])
end
`

// installTaskPcall replaces pcall/xpcall with the task-aware versions.
func (rt *Runtime) installTaskPcall() {
	L := rt.L
	fn, err := L.Load(strings.NewReader(taskPcallLua), internalChunk)
	if err != nil {
		panic(err)
	}
	inTask := L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(rt.sched.yieldable(L) != nil))
		return 1
	})
	adopt := L.NewFunction(func(L *lua.LState) int {
		if t := rt.sched.threads[L]; t != nil {
			rt.sched.threads[L.CheckThread(1)] = t
		}
		return 0
	})
	release := L.NewFunction(func(L *lua.LState) int {
		co := L.CheckThread(1)
		delete(rt.sched.threads, co)
		delete(rt.sched.tracebacks, co)
		return 0
	})
	prefix := internalChunk + ":"
	relocate := L.NewFunction(func(L *lua.LState) int {
		msg, ok := L.Get(1).(lua.LString)
		if !ok || !strings.HasPrefix(string(msg), prefix) {
			L.Push(L.Get(1))
			return 1
		}
		rest := strings.TrimLeft(string(msg)[len(prefix):], "0123456789")
		rest = strings.TrimPrefix(rest, ": ")
		if file, line := scriptPosition(L); line > 0 {
			rest = fmt.Sprintf("%s:%d: %s", file, line, rest)
		}
		L.Push(lua.LString(rest))
		return 1
	})
	L.Push(fn)
	L.Push(L.GetGlobal("pcall"))
	L.Push(L.GetGlobal("xpcall"))
	L.Push(inTask)
	L.Push(adopt)
	L.Push(release)
	L.Push(relocate)
	L.Push(L.NewFunction(func(L *lua.LState) int {
		rt.taskBody = L.CheckFunction(1)
		return 0
	}))
	// keep_traceback makes an error in this thread record the stack where it
	// was raised, before gopher-lua unwinds it.
	L.Push(L.NewFunction(func(L *lua.LState) int {
		L.Panic = func(L *lua.LState) {
			rt.sched.tracebacks[L] = stackTrace(L, 0)
			panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
		}
		return 0
	}))
	L.Call(8, 0)
}

func taskToString(L *lua.LState) int {
	t, _ := L.CheckUserData(1).Value.(*task)
	state := "running"
	switch {
	case t == nil:
		state = "?"
	case t.failed:
		state = "failed"
	case t.finished:
		state = "finished"
	}
	id := 0
	if t != nil {
		id = t.id
	}
	L.Push(lua.LString(fmt.Sprintf("Task #%d (%s)", id, state)))
	return 1
}
