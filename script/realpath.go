package script

import (
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// realpath(path) is PHP's: the absolute path with every symbolic link, "."
// and ".." resolved as the kernel resolves them ("link/.." is the parent of
// the link's target, not the directory holding the link), or false when
// the path does not lead to an existing file. It lets a script such as
// http_server.lua refuse a file whose real location leaves its directory.
func realpath(a args) int {
	a.count(1, 1)
	path := a.str(1, "path")
	if strings.IndexByte(path, 0) >= 0 {
		a.raise("Argument #1 ($path) must not contain any null bytes")
	}
	real, ok := resolvePath(path)
	if !ok {
		a.L.Push(lua.LFalse)
		return 1
	}
	a.L.Push(lua.LString(real))
	return 1
}

// resolvePath joins a relative path to the working directory without
// cleaning it first (filepath.Abs would drop "link/.." lexically), then
// lets EvalSymlinks walk it component by component.
func resolvePath(path string) (string, bool) {
	if _, err := os.Stat(path); err != nil && path != "" {
		return "", false // missing, or "file/" (not a directory), as the kernel says
	}
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return "", false
		}
		path = wd + string(filepath.Separator) + path
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false
	}
	return real, true
}
