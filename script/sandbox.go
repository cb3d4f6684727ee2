package script

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/sock"
)

// Sandbox (--sandbox) takes from a script what a downloaded one should not
// have: running programs (os.execute, io.popen), loading native code
// (package.loadlib), changing files or the process (io.open for writing,
// io.output to a file, io.tmpfile, os.remove, os.rename, os.tmpname,
// os.setenv); it may read files only under dirs (the script's directory and
// -I directories; none for a script from -e or stdin unless -I gives one),
// through io.open, io.lines, io.input, dofile, loadfile, require,
// realpath and socket_enable_crypto's cafile, local_cert and local_pk, and
// may create Unix socket files with socket_bind only there. Every path is
// decided where the kernel's walk of it leads (sock.ResolvePath), so
// neither a symlink nor "link/.." leads outside. Sockets are otherwise
// governed by --allow/--deny, not by the sandbox. docs/hardening.md says
// what this promises and what it does not.
func (rt *Runtime) Sandbox(dirs []string) {
	L := rt.L
	sb := &sandbox{}
	for _, d := range dirs {
		if real, exists, err := sock.ResolvePath(d, true); err == nil && exists {
			sb.roots = append(sb.roots, real)
		}
	}
	rt.sandbox = sb
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
				path := lua.LVAsString(v)
				if modeArg > 0 {
					if mode := L.OptString(modeArg, "r"); strings.ContainsAny(mode, "wa+") {
						raiseAtScript(L, "%s(%q, %q): writing files is disabled by --sandbox", qualified, path, mode)
					}
				}
				if _, _, ok := sb.readable(path); !ok {
					raiseAtScript(L, "%s(%q): reading outside the script's directory is disabled by --sandbox", qualified, path)
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
		for _, name := range []string{"execute", "remove", "rename", "tmpname", "setenv"} {
			osTbl.RawSetString(name, disabled("os."+name))
		}
	}
	if ioTbl, ok := L.GetGlobal("io").(*lua.LTable); ok {
		ioTbl.RawSetString("popen", disabled("io.popen"))
		// A temporary file is a write without bound, and outlives a killed
		// script.
		ioTbl.RawSetString("tmpfile", disabled("io.tmpfile"))
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
	// realpath answers false for a missing file: outside, that would tell
	// the script what exists there.
	guard(globals, "realpath", "realpath", 0)
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
					if _, exists, ok := sb.readable(file); !ok || !exists {
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

// sandbox is what --sandbox decides with: the real paths of the
// directories the script may read.
type sandbox struct {
	roots []string
}

// within reports whether real (a resolved path) is a root or under one.
func (sb *sandbox) within(real string) bool {
	for _, root := range sb.roots {
		if real == root || root == "/" || strings.HasPrefix(real, root+"/") {
			return true
		}
	}
	return false
}

// readable resolves path as open(2) will walk it and reports whether the
// script may read it; real is where the walk leads, exists whether it got
// there. A missing file is decided by where it would be, so that inside
// the script gets its "No such file" and outside it learns nothing.
func (sb *sandbox) readable(path string) (real string, exists, ok bool) {
	real, exists, err := sock.ResolvePath(path, true)
	if err != nil {
		return "", false, false
	}
	return real, exists, sb.within(real)
}

// readFile reads a file a socket option names (socket_enable_crypto's
// cafile, local_cert, local_pk) by the sandbox's rule for reads: a file
// outside raises, as io.open does, whether it exists or not. Without
// --sandbox it is os.ReadFile.
func (rt *Runtime) readFile(L *lua.LState, fn, option, path string) ([]byte, error) {
	if sb := rt.sandbox; sb != nil {
		real, exists, ok := sb.readable(path)
		if !ok {
			raiseAtScript(L, "%s(): %s %q: reading outside the script's directory is disabled by --sandbox", fn, option, path)
		}
		if exists {
			path = real // read the file that was checked
		}
	}
	return os.ReadFile(path)
}

// sandboxBind decides socket_bind's address under --sandbox: a Unix path
// creates a file, allowed only under the directories the script may read;
// abstract names and internet addresses are the policy's to decide.
func (rt *Runtime) sandboxBind(sa unix.Sockaddr) error {
	u, ok := sa.(*unix.SockaddrUnix)
	if rt.sandbox == nil || !ok || u.Name == "" || u.Name[0] == '@' || u.Name[0] == 0 {
		return nil
	}
	name := u.Name
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i] // the kernel stops at the first NUL
	}
	real, _, err := sock.ResolvePath(name, false)
	if err == nil && rt.sandbox.within(real) {
		return nil
	}
	if err != nil {
		real = name
	}
	return sock.PolicyError{Why: fmt.Sprintf("bind to %s: --sandbox creates socket files only under the script's directory", real)}
}
