package sched

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The pcall and xpcall that tasks use: the protected call runs in a child
// coroutine, so a socket call inside it can still suspend the task (the
// child's yields are passed up to the scheduler, and its resumptions down).
// Outside tasks, and where yielding is impossible, they are Lua's own.
const pcallLua = `
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

// InstallPcall replaces pcall/xpcall with the task-aware versions; it must
// run before the first Spawn.
func (s *Scheduler) InstallPcall() {
	L := s.L
	fn, err := L.Load(strings.NewReader(pcallLua), InternalChunk)
	if err != nil {
		panic(err)
	}
	inTask := L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(s.Yieldable(L) != nil))
		return 1
	})
	adopt := L.NewFunction(func(L *lua.LState) int {
		if t := s.threads[L]; t != nil {
			s.threads[L.CheckThread(1)] = t
		}
		return 0
	})
	release := L.NewFunction(func(L *lua.LState) int {
		co := L.CheckThread(1)
		delete(s.threads, co)
		delete(s.tracebacks, co)
		return 0
	})
	prefix := InternalChunk + ":"
	relocate := L.NewFunction(func(L *lua.LState) int {
		msg, ok := L.Get(1).(lua.LString)
		if !ok || !strings.HasPrefix(string(msg), prefix) {
			L.Push(L.Get(1))
			return 1
		}
		rest := strings.TrimLeft(string(msg)[len(prefix):], "0123456789")
		rest = strings.TrimPrefix(rest, ": ")
		if file, line := ScriptPosition(L); line > 0 {
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
		s.body = L.CheckFunction(1)
		return 0
	}))
	// keep_traceback makes an error in this thread record the stack where it
	// was raised, before gopher-lua unwinds it.
	L.Push(L.NewFunction(func(L *lua.LState) int {
		L.Panic = func(L *lua.LState) {
			s.tracebacks[L] = StackTrace(L, 0)
			panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
		}
		return 0
	}))
	L.Call(8, 0)
}

// InternalChunk names the Lua code sockrun itself loads (the task-aware
// pcall), whose frames positions and tracebacks skip.
const InternalChunk = "[sockrun]"

// ScriptPosition finds the innermost Lua (not Go) frame of the running
// thread: the line of the script that made the call, even through pcall.
func ScriptPosition(L *lua.LState) (string, int) {
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "", 0
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return "", 0
		}
		if dbg.CurrentLine > 0 && dbg.Source != InternalChunk {
			return dbg.Source, dbg.CurrentLine
		}
	}
}

// StackTrace renders a thread's Lua call stack from the given level out, one
// frame a line, in the shape of Lua 5.1's debug.traceback.
func StackTrace(L *lua.LState, from int) string {
	out := "stack traceback:"
	for level := from; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil {
			break
		}
		if dbg.Source == InternalChunk {
			continue
		}
		where := dbg.Source
		if dbg.CurrentLine > 0 {
			where = fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
		}
		switch {
		case dbg.What == "G":
			out += fmt.Sprintf("\n\t[G]: in function '%s'", orUnknown(dbg.Name))
		case dbg.What != "G" && dbg.LineDefined == 0:
			out += fmt.Sprintf("\n\t%s: in main chunk", where)
		case dbg.Name != "" && dbg.What != "main":
			out += fmt.Sprintf("\n\t%s: in function '%s'", where, dbg.Name)
		default:
			out += fmt.Sprintf("\n\t%s: in function <%s:%d>", where, dbg.Source, dbg.LineDefined)
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
