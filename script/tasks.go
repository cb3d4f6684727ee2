package script

import (
	"fmt"
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/sched"
	"sockrun/sock"
)

// How a socket_* function waits: OpenResty's cosocket shape. The function
// checks its arguments and makes its first nonblocking attempt; if that
// says EAGAIN and the call may wait, the attempt becomes an op of the
// engine and the calling task yields (or, where it cannot, waits in place);
// push turns the outcome into Lua values on the calling thread, whenever
// that happens.

const taskTypeName = "Task"

// await runs attempt once and, if it says EAGAIN and canWait, again each
// time s is ready in dir, for at most timeout; push makes the results.
func (a args) await(s *sock.Socket, dir sock.Dir, timeout time.Duration, canWait bool, attempt func() error, push func(error) int) int {
	err := attempt()
	if err != unix.EAGAIN || !canWait {
		return a.rt.sched.Finish(a.L, err, a.tracedPush(push))
	}
	return a.wait(s, dir, timeout, attempt, push)
}

// wait makes the calling task (or the script) wait until attempt, retried
// each time s is ready in dir, says something other than EAGAIN, or
// timeout passes; push makes the results. The first attempt was made by the
// caller, which comes here only when it said EAGAIN and the call may wait.
func (a args) wait(s *sock.Socket, dir sock.Dir, timeout time.Duration, attempt func() error, push func(error) int) int {
	op := &sock.Op{Attempt: attempt}
	return a.rt.sched.Await(a.L, op, func() { a.rt.eng.Wait(op, s, dir, timeout) }, a.tracedPush(push))
}

// waitAll is wait over several sockets: attempt is retried whenever any of
// watches is ready.
func (a args) waitAll(watches []sock.Watch, timeout time.Duration, attempt func() error, push func(error) int) int {
	op := &sock.Op{Attempt: attempt}
	return a.rt.sched.Await(a.L, op, func() { a.rt.eng.WaitAll(op, watches, timeout) }, a.tracedPush(push))
}

// later hands a result that did not have to wait to a task that has had
// its turn: it is pushed after the other ready tasks have run.
func (a args) later(err error, push func(error) int) int {
	return a.rt.sched.Later(a.L, err, a.tracedPush(push))
}

// goCall runs fn, a call that must block (a TLS handshake or write), on a
// goroutine of its own while the calling task waits.
func (a args) goCall(fn func() error, push func(error) int) int {
	op := &sock.Op{}
	return a.rt.sched.Await(a.L, op, func() { a.rt.eng.Go(op, fn) }, a.tracedPush(push))
}

// tracedPush adds the --trace line to a push that runs after the task
// suspended (the call's own wrapper saw only the yield).
func (a args) tracedPush(push func(error) int) func(error) int {
	if a.trace == nil {
		return push
	}
	tc := a.trace
	return func(err error) int {
		n := push(err)
		if tc.yielded {
			a.rt.traceEnd(a, n)
		}
		return n
	}
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
	if max, running := a.rt.maxTasks, a.rt.sched.Live()-1; max > 0 && running >= max {
		a.raise("too many tasks: %d are running (--max-tasks %d)", running, max)
	}
	var fnArgs []lua.LValue
	for i := 2; i <= a.L.GetTop(); i++ {
		fnArgs = append(fnArgs, a.L.Get(i))
	}
	a.L.Push(a.rt.sched.Spawn(fn, fnArgs, sched.TaskCallDepth).UD)
	return 1
}

// waitFunc: wait(task) -> true, results... | false, message. Waits until the
// task has ended, as pcall reports a call.
func waitFunc(a args) int {
	a.count(1, 1)
	v := a.L.Get(1)
	ud, _ := v.(*lua.LUserData)
	var t *sched.Task
	if ud != nil {
		t, _ = ud.Value.(*sched.Task)
	}
	if t == nil {
		a.raise("Argument #1 ($task) must be of type Task, %s given", typeName(v))
	}
	n, problem := a.rt.sched.Join(a.L, t)
	if problem != "" {
		a.raise("%s", problem)
	}
	return n
}

// sleepFunc: sleep(seconds) suspends the calling task (or the script) for
// that long; fractions are allowed. math.huge (or any time too long to
// count) sleeps until the script is stopped (--timeout, Ctrl-C); NaN is an
// error.
func sleepFunc(a args) int {
	a.count(1, 1)
	secs := float64(a.L.CheckNumber(1))
	switch {
	case math.IsNaN(secs):
		a.raise("Argument #1 ($seconds) must be a number, NaN given")
	case secs < 0:
		a.raise("Argument #1 ($seconds) must be greater than or equal to 0")
	}
	return sleepFor(a, secs)
}

// sleepFor suspends the calling task (or the script) for secs seconds.
func sleepFor(a args, secs float64) int {
	d, _ := sock.Duration(secs)
	op := &sock.Op{}
	return a.rt.sched.Await(a.L, op, func() { a.rt.eng.Sleep(op, d) }, func(err error) int {
		if err == errStopped {
			raiseStopped(a.L)
		}
		return 0
	})
}

func taskToString(L *lua.LState) int {
	t, _ := L.CheckUserData(1).Value.(*sched.Task)
	state := "running"
	switch {
	case t == nil:
		state = "?"
	case t.Failed:
		state = "failed"
	case t.Finished:
		state = "finished"
	}
	id := 0
	if t != nil {
		id = t.ID
	}
	L.Push(lua.LString(fmt.Sprintf("Task #%d (%s)", id, state)))
	return 1
}
