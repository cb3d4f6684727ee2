package script

import (
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Sandbox (--sandbox) takes from a script what a downloaded one should not
// have: running programs (os.execute, io.popen), loading native code
// (package.loadlib), changing files (io.open for writing, io.output to a
// file, os.remove, os.rename, os.tmpname); it may read files only under
// dirs (the script's directory and -I directories), through io.open,
// io.lines, io.input, dofile, loadfile and require. Sockets are governed by
// --allow/--deny, not by the sandbox.
func (rt *Runtime) Sandbox(dirs []string) {
	L := rt.L
	var roots []string
	for _, d := range dirs {
		if real, err := realPath(d); err == nil {
			roots = append(roots, real)
		}
	}
	readable := func(path string) bool {
		real, err := realPath(path)
		if err != nil {
			return false
		}
		for _, root := range roots {
			if real == root || strings.HasPrefix(real, root+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	disabled := func(name string) *lua.LFunction {
		return L.NewFunction(func(L *lua.LState) int {
			raiseAtScript(L, "%s is disabled by --sandbox", name)
			return 0
		})
	}
	// guard wraps a function whose first argument, when a string, is a path
	// to read.
	guard := func(tbl *lua.LTable, name, qualified string, modeArg int) {
		orig, ok := tbl.RawGetString(name).(*lua.LFunction)
		if !ok {
			return
		}
		tbl.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			// io.open and friends take a number as a file name too.
			if v := L.Get(1); v.Type() == lua.LTString || v.Type() == lua.LTNumber {
				path := lua.LString(lua.LVAsString(v))
				if modeArg > 0 {
					if mode := L.OptString(modeArg, "r"); strings.ContainsAny(mode, "wa+") {
						raiseAtScript(L, "%s(%q, %q): writing files is disabled by --sandbox", qualified, string(path), mode)
					}
				}
				if !readable(string(path)) {
					raiseAtScript(L, "%s(%q): reading outside the script's directory is disabled by --sandbox", qualified, string(path))
				}
			}
			top := L.GetTop()
			L.Push(orig)
			for i := 1; i <= top; i++ {
				L.Push(L.Get(i))
			}
			L.Call(top, lua.MultRet)
			return L.GetTop() - top
		}))
	}

	if osTbl, ok := L.GetGlobal("os").(*lua.LTable); ok {
		for _, name := range []string{"execute", "remove", "rename", "tmpname"} {
			osTbl.RawSetString(name, disabled("os."+name))
		}
	}
	if ioTbl, ok := L.GetGlobal("io").(*lua.LTable); ok {
		ioTbl.RawSetString("popen", disabled("io.popen"))
		guard(ioTbl, "open", "io.open", 2)
		guard(ioTbl, "lines", "io.lines", 0)
		guard(ioTbl, "input", "io.input", 0)
		ioTbl.RawSetString("output", L.NewFunction(func(L *lua.LState) int {
			if v := L.Get(1); v.Type() == lua.LTString || v.Type() == lua.LTNumber {
				raiseAtScript(L, "io.output(%q): writing files is disabled by --sandbox", lua.LVAsString(v))
			}
			L.Push(ioTbl.RawGetString("stdout"))
			return 1
		}))
	}
	globals := L.Get(lua.GlobalsIndex).(*lua.LTable)
	guard(globals, "dofile", "dofile", 0)
	guard(globals, "loadfile", "loadfile", 0)
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		pkg.RawSetString("loadlib", disabled("package.loadlib"))
		pkg.RawSetString("cpath", lua.LString(""))
		var patterns []string
		for _, d := range dirs {
			patterns = append(patterns, filepath.Join(d, "?.lua"), filepath.Join(d, "?", "init.lua"))
		}
		pkg.RawSetString("path", lua.LString(strings.Join(patterns, ";")))
		// require's file loader, checking the file it finds: the script may
		// change package.path, and a module may be a symlink.
		if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok {
			loaders.RawSetInt(2, L.NewFunction(func(L *lua.LState) int {
				name := strings.ReplaceAll(L.CheckString(1), ".", string(filepath.Separator))
				path := lua.LVAsString(pkg.RawGetString("path"))
				var tried []string
				for _, pattern := range strings.Split(path, ";") {
					file := strings.ReplaceAll(pattern, "?", name)
					if !readable(file) {
						tried = append(tried, "no readable file "+file+" (--sandbox reads only under the script's directory)")
						continue
					}
					fn, err := L.LoadFile(file)
					if err != nil {
						raiseAtScript(L, "%v", err)
					}
					L.Push(fn)
					return 1
				}
				L.Push(lua.LString("\n\t" + strings.Join(tried, "\n\t")))
				return 1
			}))
		}
	}
}

// realPath is the absolute path with symbolic links resolved, so that a
// link cannot lead a sandboxed read outside its directory.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}
