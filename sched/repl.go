package sched

import (
	"context"

	lua "github.com/yuin/gopher-lua"

	"sockrun/sock"
)

// Interactive use (the prompt, package cli): the scheduler runs one chunk
// at a time on the live state as the main task, and returns when that chunk
// has ended, while the tasks it spawned go on across chunks. Between
// chunks, RunWhile keeps running them while the prompt waits for input.
// Setting Interactive makes every call of a chunk yield to the loop, never
// wait in place, so that Abort can end it.

// StartMain makes a task of fn(args...) that is the main chunk: its error
// ends RunWhile instead of being reported as a task's. Its thread runs
// with ctx itself, not a child of it: gopher-lua cancels a thread's own
// context when the thread ends, which would kill the coroutines the chunk
// made (their contexts derive from it) before a later chunk resumes them.
func (s *Scheduler) StartMain(ctx context.Context, fn *lua.LFunction, args []lua.LValue) *Task {
	t := s.Spawn(fn, args, MainCallDepth)
	t.isMain = true
	t.co.SetContext(ctx)
	return t
}

// RunWhile runs the ready tasks round after round, as Run does, while more
// says so, waiting on the engine when none is ready. It returns nil once
// more says false, the main chunk's error (a *ScriptError), an error that
// ends the script (--fatal-task-errors) or sock.ErrStopped. Tasks whose turn
// had not come when it returned keep it for the next call.
func (s *Scheduler) RunWhile(more func() bool) error {
	for {
		if err := s.takeCompleted(); err != nil {
			return err
		}
		if s.Eng.Stopping() {
			return sock.ErrStopped
		}
		if !more() {
			return nil
		}
		if len(s.ready) == 0 {
			if !s.Eng.Pending() {
				return ErrDeadlock{s.live}
			}
			if err := s.Eng.Poll(true); err != nil {
				return err
			}
			continue
		}
		round := s.ready
		s.ready = nil
		for i, r := range round {
			if err := s.resume(r); err != nil {
				s.ready = append(append([]resumption(nil), round[i+1:]...), s.ready...)
				return err
			}
		}
		if len(s.ready) > 0 {
			if err := s.Eng.Poll(false); err != nil {
				return err
			}
		}
	}
}

// Abort ends task t where it stands, as if it had failed with msg: the op
// it waits on is cancelled (so that, say, an interrupted socket_accept
// takes no connection later), its pending results are dropped, and the
// tasks waiting for it are woken with false, msg.
func (s *Scheduler) Abort(t *Task, msg string) {
	if t.Finished {
		return
	}
	if t.op != nil {
		s.Eng.Cancel(t.op)
		t.op = nil
	}
	s.ready = dropTask(s.ready, func(r resumption) bool { return r.t == t })
	kept := s.completed[:0]
	for _, c := range s.completed {
		if c.t != t {
			kept = append(kept, c)
		}
	}
	s.completed = kept
	for _, other := range s.threads {
		other.waiters = dropWaiter(other.waiters, t)
	}
	for th, owner := range s.threads {
		if owner == t && th != t.co {
			delete(s.threads, th) // its pcall children
			delete(s.tracebacks, th)
		}
	}
	delete(s.tracebacks, t.co)
	s.taskEnded(t, true, []lua.LValue{lua.LString(msg)})
}

func dropTask(rs []resumption, drop func(resumption) bool) []resumption {
	kept := rs[:0]
	for _, r := range rs {
		if !drop(r) {
			kept = append(kept, r)
		}
	}
	return kept
}

func dropWaiter(ws []*Task, t *Task) []*Task {
	kept := ws[:0]
	for _, w := range ws {
		if w != t {
			kept = append(kept, w)
		}
	}
	return kept
}
