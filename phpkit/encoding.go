package phpkit

var encodingFuncs = []Func{}
