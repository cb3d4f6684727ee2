package phpkit

var dumpFuncs = []Func{}
