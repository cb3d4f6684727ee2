package phpkit

import lua "github.com/yuin/gopher-lua"

var envFuncs = []Func{}

// openConstants sets PHP_EOL, PHP_OS, E_ALL, STDIN, ... as globals.
func openConstants(L *lua.LState, h Host) {}
