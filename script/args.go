package script

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
	"sockrun/sched"
)

// args checks the arguments of one call of a PHP-named function, converting
// Lua values as PHP 8.2 converts its parameters in non-strict mode, and words
// every misuse as PHP words its TypeError/ValueError/ArgumentCountError (with
// Lua's type names for what was given).
type args struct {
	L     *lua.LState
	rt    *Runtime
	fn    string     // the PHP function name, for messages
	trace *traceCall // the call's trace, with --trace
}

// raise ends the call with a Lua error "<fn>(): <message>", positioned at the
// script's line.
func (a args) raise(format string, v ...any) {
	a.raiseAt("%s(): %s", a.fn, fmt.Sprintf(format, v...))
}

// raiseAt raises "file:line: message" with the position of the script's
// innermost line (sockrun's own Lua wrappers, like pcall's, are skipped).
func (a args) raiseAt(format string, v ...any) {
	raiseAtScript(a.L, format, v...)
}

// raiseAtScript raises a Lua error positioned at the script's innermost line.
func raiseAtScript(L *lua.LState, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if file, line := sched.ScriptPosition(L); line > 0 {
		msg = fmt.Sprintf("%s:%d: %s", file, line, msg)
	}
	L.Error(lua.LString(msg), 0)
}

// count checks the number of arguments; max < 0 means no upper bound.
func (a args) count(min, max int) {
	n := a.L.GetTop()
	plural := func(k int) string {
		if k == 1 {
			return "argument"
		}
		return "arguments"
	}
	switch {
	case n < min && min == max, n > max && max >= 0 && min == max:
		a.raiseAt("%s() expects exactly %d %s, %d given", a.fn, min, plural(min), n)
	case n < min:
		a.raiseAt("%s() expects at least %d %s, %d given", a.fn, min, plural(min), n)
	case max >= 0 && n > max:
		a.raiseAt("%s() expects at most %d %s, %d given", a.fn, max, plural(max), n)
	}
}

// typeName names a Lua value's type in messages; sockets are "Socket".
func typeName(v lua.LValue) string {
	if ud, ok := v.(*lua.LUserData); ok {
		if _, ok := ud.Value.(*Socket); ok {
			return "Socket"
		}
	}
	return v.Type().String()
}

// absent reports whether argument n was left out or given as nil. Lua code
// writes nil for "use the default", so optional parameters treat both alike.
func (a args) absent(n int) bool {
	return n > a.L.GetTop() || a.L.Get(n) == lua.LNil
}

// socket checks that argument n is an open Socket.
func (a args) socket(n int, name string) *Socket {
	s := a.anySocket(n, name, "Socket")
	if s.Closed() {
		a.raise("Argument #%d ($%s) has already been closed", n, name)
	}
	return s
}

// optSocket is a ?Socket parameter: nil when absent.
func (a args) optSocket(n int, name string) *Socket {
	if a.absent(n) {
		return nil
	}
	s := a.anySocket(n, name, "?Socket")
	if s.Closed() {
		a.raise("Argument #%d ($%s) has already been closed", n, name)
	}
	return s
}

func (a args) anySocket(n int, name, want string) *Socket {
	v := a.L.Get(n)
	if ud, ok := v.(*lua.LUserData); ok {
		if s, ok := ud.Value.(*Socket); ok {
			return s
		}
	}
	a.raise("Argument #%d ($%s) must be of type %s, %s given", n, name, want, typeName(v))
	return nil
}

// int is a required int parameter.
func (a args) int(n int, name string) int {
	v := a.L.Get(n)
	if v == lua.LNil {
		a.rt.diagnostic(a.L, "Deprecated", fmt.Sprintf("%s(): Passing null to parameter #%d ($%s) of type int is deprecated", a.fn, n, name))
		return 0
	}
	return a.convertInt(n, name, "int")
}

// convertInt converts argument n, naming its PHP type in the error.
func (a args) convertInt(n int, name, phpType string) int {
	v := a.L.Get(n)
	i, ok := a.toInt(v)
	if !ok {
		a.raise("Argument #%d ($%s) must be of type %s, %s given", n, name, phpType, typeName(v))
	}
	return i
}

// optInt is an int parameter with a default.
func (a args) optInt(n int, name string, def int) int {
	if a.absent(n) {
		return def
	}
	return a.int(n, name)
}

// nullableInt is a ?int parameter: ok is false when it is absent.
func (a args) nullableInt(n int, name string) (int, bool) {
	if a.absent(n) {
		return 0, false
	}
	return a.convertInt(n, name, "?int"), true
}

// str is a required string parameter.
func (a args) str(n int, name string) string {
	v := a.L.Get(n)
	switch v.(type) {
	case lua.LString, lua.LNumber, lua.LBool:
		return a.phpString(v)
	case *lua.LNilType:
		a.rt.diagnostic(a.L, "Deprecated", fmt.Sprintf("%s(): Passing null to parameter #%d ($%s) of type string is deprecated", a.fn, n, name))
		return ""
	}
	a.raise("Argument #%d ($%s) must be of type string, %s given", n, name, typeName(v))
	return ""
}

// toInt converts as PHP's non-strict int parameters do: integral numbers and
// numeric strings pass; a fraction is truncated with PHP's deprecation
// notice; booleans are 0 and 1. ok is false for anything else.
func (a args) toInt(v lua.LValue) (int, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return a.floatToInt(float64(v), v)
	case lua.LBool:
		if v {
			return 1, true
		}
		return 0, true
	case lua.LString:
		s := strings.TrimLeft(string(v), " \t\n\r\v\f")
		s = strings.TrimRight(s, " \t\n\r\v\f")
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return int(i), true
		}
		if !isNumericFloat(s) {
			return 0, false
		}
		f, _ := strconv.ParseFloat(s, 64)
		return a.floatToInt(f, v)
	}
	return 0, false
}

// floatToInt truncates f, the value of the argument v, with PHP's
// deprecation notice when that loses a fraction.
func (a args) floatToInt(f float64, v lua.LValue) (int, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	i := int(f)
	if float64(i) != f {
		what := "float " + phpkit.NumberString(f)
		if str, ok := v.(lua.LString); ok {
			what = fmt.Sprintf("float-string %q", string(str))
		}
		a.rt.diagnostic(a.L, "Deprecated", "Implicit conversion from "+what+" to int loses precision")
	}
	return i, true
}

// isNumericFloat reports whether s is a PHP numeric string in float form
// (digits with a fraction and/or exponent). Hex, "inf" and "nan" are not.
func isNumericFloat(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789.eE+-", c) {
			return false
		}
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// smallNumbers are the Lua values of 0..1023, made once: pushing a number
// otherwise costs an allocation (gopher-lua boxes each LNumber), and byte
// counts, select counts and sequence indexes are mostly small.
var smallNumbers = func() (v [1024]lua.LValue) {
	for i := range v {
		v[i] = lua.LNumber(i)
	}
	return v
}()

// number is n as a Lua value, without an allocation when it is small.
func number(n int) lua.LValue {
	if n >= 0 && n < len(smallNumbers) {
		return smallNumbers[n]
	}
	return lua.LNumber(n)
}
