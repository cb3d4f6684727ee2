package phpkit

var stringFuncs = []Func{}
