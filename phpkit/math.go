package phpkit

var mathFuncs = []Func{}
