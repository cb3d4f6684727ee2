package script

import (
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
	"sockrun/sock"
)

// libFunc is one global function, named as PHP names it.
type libFunc struct {
	name string
	fn   func(a args) int
}

const socketTypeName = "Socket"

// openLibs loads Lua's standard libraries in a fixed order, then sockrun's:
// the Socket type, the PHP constants, the socket_* functions and the porting
// helpers.
func openLibs(rt *Runtime) {
	L := rt.L
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.IoLibName, lua.OpenIo},
		{lua.OsLibName, lua.OpenOs},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.DebugLibName, lua.OpenDebug},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}

	openLoaders(L)
	L.GetGlobal("table").(*lua.LTable).RawSetString("concat", L.NewFunction(tableConcat))
	L.GetGlobal("string").(*lua.LTable).RawSetString("gsub", L.NewFunction(stringGsub))
	L.SetGlobal("tonumber", L.NewFunction(luaTonumber))
	limitedFuncs(L)

	mt := L.NewTypeMetatable(socketTypeName)
	mt.RawSetString("__tostring", L.NewFunction(socketToString))
	mt.RawSetString("__metatable", lua.LString(socketTypeName))

	tmt := L.NewTypeMetatable(taskTypeName)
	tmt.RawSetString("__tostring", L.NewFunction(taskToString))
	tmt.RawSetString("__metatable", lua.LString(taskTypeName))
	rt.sched.TaskMeta = tmt

	aimt := L.NewTypeMetatable(addrInfoTypeName)
	aimt.RawSetString("__metatable", lua.LString(addrInfoTypeName))

	for _, c := range sock.Constants {
		L.SetGlobal(c.Name, lua.LNumber(c.Value))
	}
	globals := L.Get(lua.GlobalsIndex).(*lua.LTable)
	rt.register(globals, socketFuncs, true)
	rt.register(globals, netdbFuncs, true)
	rt.register(globals, portingFuncs, false)
	rt.register(globals, taskFuncs, false)
	rt.register(globals, []libFunc{{"realpath", realpath}}, false)
	phpkit.Open(L, kitHost{rt})
	limitedKitFuncs(L)
	openBinaryLibs(rt)
	rt.sched.InstallPcall()
	rt.register(L.GetGlobal("os").(*lua.LTable), []libFunc{{"exit", osExit}}, false)
	openLuaSocket(rt) // require("socket"), "socket.core", "mime.core" (luasocket.go)
	openPorting(rt)
}

// register binds each function to this runtime under its PHP name; with
// --trace, the traceable ones are wrapped to trace each call.
func (rt *Runtime) register(into *lua.LTable, funcs []libFunc, traceable bool) {
	for _, f := range funcs {
		fn := f.fn
		if traceable && rt.traceOut != nil {
			fn = rt.traced(f)
		}
		name := f.name
		into.RawSetString(name, rt.L.NewFunction(func(L *lua.LState) int {
			return fn(args{L: L, rt: rt, fn: name})
		}))
	}
}

func socketToString(L *lua.LState) int {
	ud := L.CheckUserData(1)
	if s, ok := ud.Value.(*Socket); ok {
		L.Push(lua.LString(s.String()))
		return 1
	}
	L.Push(lua.LString("Socket"))
	return 1
}

// The porting helpers every tutorial program uses, and print, which writes
// where echo writes.
var portingFuncs = []libFunc{
	{"echo", echo},
	{"print", luaPrint},
	{"die", die},
	{"exit", die}, // PHP's other name for die; die and exit are in porting.go
	{"hexdump", hexdumpFunc},
	{"microtime", microtime},
}

// microtime([as_float]) is PHP's: "usec sec" as a string, or with true the
// Unix time in seconds as a number with microseconds (for timeouts, expiry
// and timing in scripts; os.time() has whole seconds only).
func microtime(a args) int {
	a.count(0, 1)
	now := time.Now()
	if phpkit.Truthy(a.L.Get(1)) {
		a.L.Push(lua.LNumber(float64(now.UnixMicro()) / 1e6))
		return 1
	}
	a.L.Push(lua.LString(fmt.Sprintf("%.8f %d", float64(now.Nanosecond()/1000)/1e6, now.Unix())))
	return 1
}

// echo(...) writes each argument as tostring would, no separator, no newline.
// stdout is not buffered (as PHP's CLI), so nothing waits behind a blocking call.
func echo(a args) int {
	a.writeArgs("", "")
	return 0
}

// luaPrint is Lua's print, writing to the runtime's stdout.
func luaPrint(a args) int {
	a.writeArgs("\t", "\n")
	return 0
}

func (a args) writeArgs(sep, end string) {
	L := a.L
	var out []byte
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			out = append(out, sep...)
		}
		out = append(out, L.ToStringMeta(L.Get(i)).String()...)
	}
	out = append(out, end...)
	a.rt.stdout.Write(out) // like PHP's echo, a closed stdout is not the script's error
}

// osExit replaces os.exit so that sockets are closed and the exit status
// goes through the CLI, even from inside pcall.
func osExit(a args) int {
	status := ExitOK
	switch v := a.L.Get(1).(type) {
	case lua.LBool:
		if !v {
			status = ExitError
		}
	case *lua.LNilType:
	default:
		status = a.int(1, "code")
	}
	a.rt.Stop(status, "")
	a.L.RaiseError("%s", errStopped.Error())
	return 0
}

// tableConcat replaces table.concat: gopher-lua's pushes every element on
// the Lua stack first, which is quadratic for large tables (70,000 pieces
// took seconds). Same results and errors as Lua 5.1's.
func tableConcat(L *lua.LState) int {
	tbl := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	j := L.OptInt(4, tbl.Len())
	var b strings.Builder
	size := 0
	for k := i; k <= j; k++ {
		if v, ok := tbl.RawGetInt(k).(lua.LString); ok {
			size += len(v) + len(sep)
		}
	}
	checkAllocation(L, "table.concat", float64(size))
	b.Grow(size)
	for k := i; k <= j; k++ {
		switch v := tbl.RawGetInt(k).(type) {
		case lua.LString:
			b.WriteString(string(v))
		case lua.LNumber:
			b.WriteString(v.String())
		default:
			L.RaiseError("invalid value (at index %d) in table for 'concat'", k)
		}
		if k != j {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}
