package phpkit

import (
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Paths and local files next to sockets. Files are opened, read, written
// and removed through the script's own io.open and os.remove, so --sandbox
// (which replaces those) rules the kit as it rules the script: a path it
// forbids raises its error, a write or unlink raises "disabled by
// --sandbox".
var fileFuncs = []Func{
	{"dirname", dirname},
	{"basename", basename},
	{"pathinfo", pathinfo},
	{"file_exists", fileExists},
	{"is_file", isFile},
	{"is_dir", isDir},
	{"is_readable", isReadable},
	{"unlink", unlink},
	{"file_get_contents", fileGetContents},
	{"file_put_contents", filePutContents},
}

// valDirname is zend_dirname: the path without its last component and the
// slashes around it; "." when there is no directory, "/" for the root.
func valDirname(p string) string {
	if p == "" {
		return ""
	}
	end := len(p) - 1
	for end >= 0 && p[end] == '/' {
		end--
	}
	if end < 0 {
		return "/"
	}
	for end >= 0 && p[end] != '/' {
		end--
	}
	if end < 0 {
		return "."
	}
	for end >= 0 && p[end] == '/' {
		end--
	}
	if end < 0 {
		return "/"
	}
	return p[:end+1]
}

// dirname: dirname(path, levels=1) -> the parent directory, levels up.
func dirname(k *Kit, L *lua.LState) int {
	valArgs(L, "dirname", 1, 2)
	p := valCheckString(L, "dirname", 1, "path")
	levels := valOptInt(L, "dirname", 2, "levels", 1)
	if levels < 1 {
		L.RaiseError("dirname(): Argument #2 ($levels) must be greater than or equal to 1")
	}
	for {
		prev := len(p)
		p = valDirname(p)
		levels--
		if len(p) >= prev || levels == 0 {
			break
		}
	}
	L.Push(lua.LString(p))
	return 1
}

// valBasename is the last component of a path, without trailing slashes.
func valBasename(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// basename: basename(path, suffix="") -> the last component, suffix cut.
func basename(k *Kit, L *lua.LState) int {
	valArgs(L, "basename", 1, 2)
	b := valBasename(valCheckString(L, "basename", 1, "path"))
	if L.Get(2) != lua.LNil {
		suffix := valCheckString(L, "basename", 2, "suffix")
		if suffix != "" && len(b) > len(suffix) && strings.HasSuffix(b, suffix) {
			b = b[:len(b)-len(suffix)]
		}
	}
	L.Push(lua.LString(b))
	return 1
}

// pathinfo: pathinfo(path, flags=PATHINFO_ALL) -> {dirname, basename,
// extension, filename} (extension only when there is one), or with one
// PATHINFO_* flag that part as a string.
func pathinfo(k *Kit, L *lua.LState) int {
	valArgs(L, "pathinfo", 1, 2)
	p := valCheckString(L, "pathinfo", 1, "path")
	flags := valOptInt(L, "pathinfo", 2, "flags", 15)
	base := valBasename(p)
	t := L.NewTable()
	if flags&1 != 0 && p != "" {
		t.RawSetString("dirname", lua.LString(valDirname(p)))
	}
	if flags&2 != 0 {
		t.RawSetString("basename", lua.LString(base))
	}
	dot := strings.LastIndexByte(base, '.')
	if flags&4 != 0 && dot >= 0 {
		t.RawSetString("extension", lua.LString(base[dot+1:]))
	}
	if flags&8 != 0 {
		if dot >= 0 {
			t.RawSetString("filename", lua.LString(base[:dot]))
		} else {
			t.RawSetString("filename", lua.LString(base))
		}
	}
	if flags == 15 {
		L.Push(t)
		return 1
	}
	for _, name := range []string{"dirname", "basename", "extension", "filename"} {
		if v := t.RawGetString(name); v != lua.LNil {
			L.Push(v)
			return 1
		}
	}
	L.Push(lua.LString(""))
	return 1
}

// valLuaCall calls a function of the script's own libraries (io.open,
// os.remove), errors and all; it returns every result.
func valLuaCall(L *lua.LState, lib, name string, args ...lua.LValue) []lua.LValue {
	fn := L.GetField(L.GetGlobal(lib), name)
	top := L.GetTop()
	L.CallByParam(lua.P{Fn: fn, NRet: lua.MultRet, Protect: false}, args...)
	n := L.GetTop() - top
	rets := make([]lua.LValue, n)
	for i := range rets {
		rets[i] = L.Get(top + 1 + i)
	}
	L.Pop(n)
	return rets
}

// valMethod calls obj:name(args...) and returns its first result.
func valMethod(L *lua.LState, obj lua.LValue, name string, args ...lua.LValue) lua.LValue {
	fn := L.GetField(obj, name)
	L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: false}, append([]lua.LValue{obj}, args...)...)
	ret := L.Get(-1)
	L.Pop(1)
	return ret
}

// valOpen opens a file with the script's io.open; on failure it returns
// nil and the reason in glibc's words ("No such file or directory").
func valOpen(L *lua.LState, path, mode string) (lua.LValue, string) {
	rets := valLuaCall(L, "io", "open", lua.LString(path), lua.LString(mode))
	if len(rets) > 0 && rets[0] != lua.LNil {
		return rets[0], ""
	}
	msg := ""
	if len(rets) > 1 {
		msg = lua.LVAsString(rets[1])
	}
	return nil, valReason(msg)
}

// valReason turns a Go error text ("open x: no such file or directory")
// into the errno text PHP prints.
func valReason(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if msg == "" {
		return "Unknown error"
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// valStat stats a path once the script's io.open has been allowed to open
// it (so --sandbox has had its say); ok false when it cannot be opened.
func valStat(L *lua.LState, path string) (os.FileInfo, bool) {
	if path == "" || strings.IndexByte(path, 0) >= 0 {
		return nil, false
	}
	f, _ := valOpen(L, path, "rb")
	if f == nil {
		// Sandbox allowed it (or it would have raised): a file the script
		// may not read may still exist.
		fi, err := os.Stat(path)
		return fi, err == nil
	}
	valMethod(L, f, "close")
	fi, err := os.Stat(path)
	return fi, err == nil
}

// fileExists: file_exists(filename) -> bool.
func fileExists(k *Kit, L *lua.LState) int {
	valArgs(L, "file_exists", 1, 1)
	_, ok := valStat(L, valCheckString(L, "file_exists", 1, "filename"))
	L.Push(lua.LBool(ok))
	return 1
}

// isFile: is_file(filename) -> bool.
func isFile(k *Kit, L *lua.LState) int {
	valArgs(L, "is_file", 1, 1)
	fi, ok := valStat(L, valCheckString(L, "is_file", 1, "filename"))
	L.Push(lua.LBool(ok && fi.Mode().IsRegular()))
	return 1
}

// isDir: is_dir(filename) -> bool.
func isDir(k *Kit, L *lua.LState) int {
	valArgs(L, "is_dir", 1, 1)
	fi, ok := valStat(L, valCheckString(L, "is_dir", 1, "filename"))
	L.Push(lua.LBool(ok && fi.IsDir()))
	return 1
}

// isReadable: is_readable(filename) -> whether io.open can read it.
func isReadable(k *Kit, L *lua.LState) int {
	valArgs(L, "is_readable", 1, 1)
	p := valCheckString(L, "is_readable", 1, "filename")
	f, _ := valOpen(L, p, "rb")
	if f != nil {
		valMethod(L, f, "close")
	}
	L.Push(lua.LBool(f != nil))
	return 1
}

// unlink: unlink(filename) -> bool, through os.remove; a directory is
// refused as PHP's unlink(2) refuses it (os.remove would remove an empty
// one).
func unlink(k *Kit, L *lua.LState) int {
	valArgs(L, "unlink", 1, 2)
	p := valCheckString(L, "unlink", 1, "filename")
	if fi, ok := valStat(L, p); ok && fi.IsDir() {
		k.Host.Diagnostic(L, EWarning, "unlink("+p+"): Is a directory")
		L.Push(lua.LFalse)
		return 1
	}
	rets := valLuaCall(L, "os", "remove", lua.LString(p))
	if len(rets) > 0 && rets[0] != lua.LNil && rets[0] != lua.LFalse {
		L.Push(lua.LTrue)
		return 1
	}
	msg := ""
	if len(rets) > 1 {
		msg = lua.LVAsString(rets[1])
	}
	k.Host.Diagnostic(L, EWarning, "unlink("+p+"): "+valReason(msg))
	L.Push(lua.LFalse)
	return 1
}

// fileGetContents: file_get_contents(filename) -> string, or false.
func fileGetContents(k *Kit, L *lua.LState) int {
	valArgs(L, "file_get_contents", 1, 5)
	p := valCheckString(L, "file_get_contents", 1, "filename")
	if p == "" {
		L.RaiseError("file_get_contents(): Argument #1 ($filename) cannot be empty")
	}
	f, reason := valOpen(L, p, "rb")
	if f == nil {
		k.Host.Diagnostic(L, EWarning, "file_get_contents("+p+"): Failed to open stream: "+reason)
		L.Push(lua.LFalse)
		return 1
	}
	data := valMethod(L, f, "read", lua.LString("*a"))
	valMethod(L, f, "close")
	s, ok := data.(lua.LString)
	if !ok {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			k.Host.Diagnostic(L, ENotice, "file_get_contents(): Read of 8192 bytes failed with errno=21 Is a directory")
		}
		s = ""
	}
	L.Push(s)
	return 1
}

// filePutContents: file_put_contents(filename, data, flags=0) -> bytes
// written, or false; data may be a table (its values joined), FILE_APPEND
// appends.
func filePutContents(k *Kit, L *lua.LState) int {
	valArgs(L, "file_put_contents", 2, 4)
	p := valCheckString(L, "file_put_contents", 1, "filename")
	var data string
	if t, ok := L.Get(2).(*lua.LTable); ok {
		entries, _ := valEntries(t)
		var b strings.Builder
		for _, e := range entries {
			s, _ := ToString(e.val)
			b.WriteString(s)
		}
		data = b.String()
	} else {
		data = valCheckString(L, "file_put_contents", 2, "data")
	}
	flags := valOptInt(L, "file_put_contents", 3, "flags", 0)
	mode := "wb"
	if flags&8 != 0 {
		mode = "ab"
	}
	f, reason := valOpen(L, p, mode)
	if f == nil {
		k.Host.Diagnostic(L, EWarning, "file_put_contents("+p+"): Failed to open stream: "+reason)
		L.Push(lua.LFalse)
		return 1
	}
	valMethod(L, f, "write", lua.LString(data))
	valMethod(L, f, "close")
	L.Push(lua.LNumber(len(data)))
	return 1
}
