package phpkit

var jsonFuncs = []Func{}
