package phpkit

var arrayFuncs = []Func{}
