package phpkit

var fileFuncs = []Func{}
