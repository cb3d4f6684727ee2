package script

// Porting aids (docs/porting.md): PHP's exit/die, a per-call `@`
// (silence), and calls of functions that do not exist failing with an error
// that names them.
//
// Undefined calls. gopher-lua reports `foo()` of a nil global as "attempt
// to call a non-function object", naming nothing. sockrun sets a metatable
// on _G whose __index looks at the bytecode of the function reading the
// missing global, on the line reading it: when every read of that name on
// that line loads a register whose next use is as the function of a call,
// the value can be observed only by calling it, so __index returns a
// function raising "Call to undefined function foo()" (PHP's words, for
// PHP's function names) or Lua 5.1's "attempt to call global 'foo' (a nil
// value)" for other names. Any other read (`if foo then`, `local f = foo`,
// `pcall(foo)`, `_G.foo`) gets nil, exactly as without the metatable. The
// trade-off: __index knows the line, not the instruction, so a line that both
// tests and calls the name (`if foo then foo() end`) reads nil and the call
// gives gopher-lua's message; and `_G[k]` with a computed key on a line that
// also calls k's name by name gets the raising function. A script that sets
// its own metatable on _G (strict.lua) replaces this one.

import (
	"math"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
	"sockrun/sched"
)

// portingState is the runtime's state for the porting aids.
type portingState struct {
	silenced map[any]int       // silence() depth per task (or root thread)
	calls    map[callSite]bool // whether a missing global is only called there
	raisers  map[string]lua.LValue
}

// callSite is one line of one function, reading one global name.
type callSite struct {
	proto *lua.FunctionProto
	line  int
	name  string
}

// maxCallSites bounds the caches (a script may compile code in a loop).
const maxCallSites = 4096

// unsupportedReasons are the ext/sockets functions sockrun leaves out on
// purpose, with why, for their "Call to undefined function" message.
var unsupportedReasons = map[string]string{
	"socket_import_stream": "PHP streams do not exist in sockrun",
	"socket_export_stream": "PHP streams do not exist in sockrun",
	"socket_sendmsg":       "control messages are not supported",
	"socket_recvmsg":       "control messages are not supported",
	"socket_cmsg_space":    "control messages are not supported",
}

var (
	phpNamesOnce sync.Once
	phpNames     map[string]bool
)

// isPHPFunction reports whether PHP 8.2 has an internal function of this
// name (PHP's names are case-blind).
func isPHPFunction(name string) bool {
	phpNamesOnce.Do(func() {
		phpNames = make(map[string]bool, 1200)
		for _, n := range strings.Fields(phpFunctionNames) {
			phpNames[n] = true
		}
	})
	return phpNames[strings.ToLower(name)]
}

// openPorting installs the undefined-call check on _G and silence().
func openPorting(rt *Runtime) {
	L := rt.L
	rt.port = portingState{
		silenced: map[any]int{},
		calls:    map[callSite]bool{},
		raisers:  map[string]lua.LValue{},
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(rt.globalIndex))
	L.SetMetatable(L.Get(lua.GlobalsIndex), mt)

	// silence is Lua so that the call inside it can wait in a task (through
	// the task-aware pcall); it is loaded as sockrun's internal chunk, so
	// positions and tracebacks show the script's lines.
	fn, err := L.Load(strings.NewReader(silenceLua), sched.InternalChunk)
	if err != nil {
		panic(err)
	}
	L.Push(fn)
	L.Push(L.NewFunction(rt.silenceEnter))
	L.Push(L.NewFunction(rt.silenceLeave))
	L.Push(L.GetGlobal("pcall"))
	L.Call(3, 1)
	L.SetGlobal("silence", L.Get(-1))
	L.Pop(1)
}

// silence(fn, ...) calls fn(...) as PHP's @ evaluates @fn(...): warnings,
// notices and deprecations raised during the call (in this task) are not
// printed; errors still propagate; fn's results are returned.
const silenceLua = `
local enter, leave, pcall = ...
return function(fn, ...)
  enter(fn)
  return leave(pcall(fn, ...))
end
`

func (rt *Runtime) silenceEnter(L *lua.LState) int {
	v := L.Get(1)
	_, isFn := v.(*lua.LFunction)
	if _, callable := L.GetMetaField(v, "__call").(*lua.LFunction); !isFn && !callable {
		args{L: L, rt: rt, fn: "silence"}.raise("Argument #1 ($callback) must be a valid callback, %s given", typeName(v))
	}
	rt.port.silenced[rt.silenceKey(L)]++
	return 0
}

// silenceLeave ends a silenced call: it returns the call's results, or
// raises its error again.
func (rt *Runtime) silenceLeave(L *lua.LState) int {
	key := rt.silenceKey(L)
	if rt.port.silenced[key]--; rt.port.silenced[key] <= 0 {
		delete(rt.port.silenced, key)
	}
	if !lua.LVAsBool(L.Get(1)) {
		L.Error(L.Get(2), 0)
	}
	return L.GetTop() - 1
}

// silenceKey is what silence() marks: the task running on L (a pcall inside
// a task runs in a child thread of that task), else the thread L was
// resumed from at the root.
func (rt *Runtime) silenceKey(L *lua.LState) any {
	th := L
	for {
		if t := rt.sched.TaskOf(th); t != nil {
			return t
		}
		if th.Parent == nil {
			return th
		}
		th = th.Parent
	}
}

// silencedAt reports whether L's task is inside silence().
func (rt *Runtime) silencedAt(L *lua.LState) bool {
	return len(rt.port.silenced) > 0 && rt.port.silenced[rt.silenceKey(L)] > 0
}

// globalIndex is _G's __index: nil, or for a missing global that the
// reading line only calls, a function raising an error that names it.
func (rt *Runtime) globalIndex(L *lua.LState) int {
	if name, ok := L.Get(2).(lua.LString); ok {
		if fn := rt.undefinedCall(L, string(name)); fn != nil {
			L.Push(fn)
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

func (rt *Runtime) undefinedCall(L *lua.LState, name string) lua.LValue {
	dbg, ok := L.GetStack(1) // 0 is __index itself
	if !ok {
		return nil
	}
	fv, err := L.GetInfo("fl", dbg, lua.LNil)
	fn, isFn := fv.(*lua.LFunction)
	if err != nil || !isFn || fn.IsG || dbg.CurrentLine <= 0 {
		return nil
	}
	site := callSite{fn.Proto, dbg.CurrentLine, name}
	only, seen := rt.port.calls[site]
	if !seen {
		only = onlyCalled(fn.Proto, site.line, name)
		if len(rt.port.calls) >= maxCallSites {
			clear(rt.port.calls)
		}
		rt.port.calls[site] = only
	}
	if !only {
		return nil
	}
	if r, ok := rt.port.raisers[name]; ok {
		return r
	}
	msg := "attempt to call global '" + name + "' (a nil value)"
	if why, ok := unsupportedReasons[name]; ok {
		msg = "Call to undefined function " + name + "() (sockrun does not provide it: " + why + ")"
	} else if isPHPFunction(name) {
		msg = "Call to undefined function " + name + "() (sockrun does not provide this PHP function)"
	}
	r := L.NewFunction(func(L *lua.LState) int {
		raiseAtScript(L, "%s", msg)
		return 0
	})
	if len(rt.port.raisers) >= maxCallSites {
		clear(rt.port.raisers)
	}
	rt.port.raisers[name] = r
	return r
}

// onlyCalled reports whether p reads the global name on this line at least
// once, and every such read (OP_GETGLOBAL) loads a register whose first
// later use is as the function of a call. Any other use, or the name as a
// constant key on the line (_G.name), answers false.
func onlyCalled(p *lua.FunctionProto, line int, name string) bool {
	found := false
	for pc, inst := range p.Code {
		if pc >= len(p.DbgSourcePositions) || p.DbgSourcePositions[pc] != line {
			continue
		}
		op, a, b, c := decode(inst)
		switch op {
		case lua.OP_GETGLOBAL:
			if k, ok := p.Constants[inst&0x3ffff].(lua.LString); !ok || string(k) != name {
				continue
			}
			if !calledNext(p.Code[pc+1:], a) {
				return false
			}
			found = true
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF, lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			for _, rk := range []int{b, c} {
				if rk&rkConst != 0 {
					if k, ok := p.Constants[rk&^rkConst].(lua.LString); ok && string(k) == name {
						return false
					}
				}
			}
		}
	}
	return found
}

// rkConst marks an RK operand that indexes the constants (Lua 5.1's BITRK).
const rkConst = 1 << 8

// decode splits a Lua 5.1 instruction (gopher-lua's layout: opcode in the
// top 6 bits, then A, C and B).
func decode(inst uint32) (op, a, b, c int) {
	return int(inst >> 26), int(inst>>18) & 0xff, int(inst & 0x1ff), int(inst>>9) & 0x1ff
}

// calledNext reports whether the first of code's instructions that touches
// register r calls it (CALL or TAILCALL with A == r). Touching means reading
// or writing r, judged generously: anything unsure is a use as a value.
func calledNext(code []uint32, r int) bool {
	for _, inst := range code {
		op, a, b, c := decode(inst)
		reg := func(rk int) bool { return rk&rkConst == 0 && rk == r }
		switch op {
		case lua.OP_CALL, lua.OP_TAILCALL:
			if a == r {
				return true
			}
			if r > a { // an argument, or clobbered by the results
				return false
			}
		case lua.OP_JMP, lua.OP_NOP:
		case lua.OP_LOADK, lua.OP_LOADBOOL, lua.OP_GETUPVAL, lua.OP_GETGLOBAL, lua.OP_NEWTABLE,
			lua.OP_CLOSURE, lua.OP_SETGLOBAL, lua.OP_SETUPVAL, lua.OP_TEST:
			if a == r {
				return false
			}
		case lua.OP_MOVE, lua.OP_MOVEN, lua.OP_UNM, lua.OP_NOT, lua.OP_LEN, lua.OP_TESTSET:
			if a == r || b == r {
				return false
			}
		case lua.OP_LOADNIL, lua.OP_CONCAT:
			if a == r || (r >= b && r <= c) || (op == lua.OP_LOADNIL && r >= a && r <= b) {
				return false
			}
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SETTABLE, lua.OP_SETTABLEKS,
			lua.OP_ADD, lua.OP_SUB, lua.OP_MUL, lua.OP_DIV, lua.OP_MOD, lua.OP_POW,
			lua.OP_EQ, lua.OP_LT, lua.OP_LE:
			if a == r || reg(b) || reg(c) {
				return false
			}
		case lua.OP_SELF:
			if a == r || a+1 == r || b == r || reg(c) {
				return false
			}
		default: // RETURN, FORLOOP, FORPREP, TFORLOOP, SETLIST, CLOSE, VARARG
			if r >= a {
				return false
			}
		}
	}
	return false
}

// die([status]) and exit([status]) are PHP's exit: a string, or any value
// PHP would print, is written to stdout and the status is 0; an integer is
// the status (the OS keeps its low 8 bits, as for PHP); no argument or nil,
// status 0.
func die(a args) int {
	a.count(0, 1)
	status := ExitOK
	out := ""
	switch v := a.L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		if f := float64(v); f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			status = int(int64(f) & 0xff)
		} else {
			out = phpkit.NumberString(f)
		}
	case lua.LString:
		out = string(v)
	case lua.LBool:
		if v {
			out = "1"
		}
	case *lua.LTable:
		a.rt.diagnostic(a.L, "Warning", "Array to string conversion")
		out = "Array"
	default:
		a.raiseAt("Object of class %s could not be converted to string", typeName(v))
	}
	if out != "" {
		a.rt.stdout.Write([]byte(out)) // as echo: a closed stdout is not the script's error
	}
	a.rt.Stop(status, "")
	a.L.RaiseError("%s", errStopped.Error())
	return 0
}
