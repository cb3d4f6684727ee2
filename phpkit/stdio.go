package phpkit

var stdioFuncs = []Func{}
