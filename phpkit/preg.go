package phpkit

var pregFuncs = []Func{}
