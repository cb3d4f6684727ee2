package phpkit

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// strArgs reads one kit function's arguments as PHP's coercive typing mode
// does (numbers become strings, numeric strings become numbers, null is
// coerced with PHP 8.1's deprecation), and raises PHP's TypeError,
// ValueError and ArgumentCountError texts, positioned at the script's line.
//
// An optional parameter given nil is taken as not given: Lua cannot tell a
// missing argument from nil, and porters pass nil to skip one.
type strArgs struct {
	k  *Kit
	L  *lua.LState
	fn string
}

// strArgsOf checks the argument count (max < 0: variadic) and returns the
// reader.
func strArgsOf(k *Kit, L *lua.LState, fn string, min, max int) strArgs {
	a := strArgs{k: k, L: L, fn: fn}
	n := L.GetTop()
	switch {
	case n < min && min == max:
		a.raiseBare("%s() expects exactly %d argument%s, %d given", fn, min, strPlural(min), n)
	case n < min:
		a.raiseBare("%s() expects at least %d argument%s, %d given", fn, min, strPlural(min), n)
	case max >= 0 && n > max && min == max:
		a.raiseBare("%s() expects exactly %d argument%s, %d given", fn, max, strPlural(max), n)
	case max >= 0 && n > max:
		a.raiseBare("%s() expects at most %d argument%s, %d given", fn, max, strPlural(max), n)
	}
	return a
}

func strPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// raise raises "fn(): message", PHP's wording of a TypeError or ValueError.
func (a strArgs) raise(format string, v ...any) {
	a.raiseBare(a.fn+"(): "+format, v...)
}

func (a strArgs) raiseBare(format string, v ...any) {
	a.L.RaiseError("%s", fmt.Sprintf(format, v...))
}

// warn reports PHP's "Warning: fn(): message".
func (a strArgs) warn(format string, v ...any) {
	a.k.Host.Diagnostic(a.L, EWarning, a.fn+"(): "+fmt.Sprintf(format, v...))
}

// notice and deprecated are the other diagnostic levels, worded by the caller.
func (a strArgs) notice(msg string)     { a.k.Host.Diagnostic(a.L, ENotice, msg) }
func (a strArgs) deprecated(msg string) { a.k.Host.Diagnostic(a.L, EDeprecated, msg) }

// given reports whether argument n was passed and is not nil.
func (a strArgs) given(n int) bool {
	return n <= a.L.GetTop() && a.L.Get(n) != lua.LNil
}

// strTypeName is PHP's name of a value's type, as TypeErrors print it.
func strTypeName(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LNumber:
		if strIsInt(float64(v)) {
			return "int"
		}
		return "float"
	case lua.LString:
		return "string"
	case lua.LBool:
		return "bool"
	case *lua.LNilType:
		return "null"
	case *lua.LTable:
		return "array"
	case *lua.LFunction:
		return "Closure"
	case *lua.LUserData:
		// A userdata's class is its metatable's __metatable name
		// ("Socket"), as PHP names an object's class.
		if mt, ok := v.Metatable.(*lua.LTable); ok {
			if name, ok := mt.RawGetString("__metatable").(lua.LString); ok {
				return string(name)
			}
		}
	}
	return v.Type().String()
}

// strIsInt reports whether a Lua number stands for a PHP int.
func strIsInt(f float64) bool {
	return f == math.Trunc(f) && math.Abs(f) < 1<<53
}

func (a strArgs) typeError(n int, name, want string) {
	a.raise("Argument #%d ($%s) must be of type %s, %s given", n, name, want, strTypeName(a.L.Get(n)))
}

func (a strArgs) nullDeprecated(n int, name, typ string) {
	a.deprecated(fmt.Sprintf("%s(): Passing null to parameter #%d ($%s) of type %s is deprecated", a.fn, n, name, typ))
}

// str is a required string parameter.
func (a strArgs) str(n int, name string) string {
	v := a.L.Get(n)
	if v == lua.LNil {
		a.nullDeprecated(n, name, "string")
		return ""
	}
	s, ok := ToString(v)
	if !ok {
		a.typeError(n, name, "string")
	}
	return s
}

func (a strArgs) optStr(n int, name, def string) string {
	if !a.given(n) {
		return def
	}
	return a.str(n, name)
}

// int is a required int parameter: integral numbers, numeric strings (a
// fractional one with PHP 8.1's deprecation), bools.
func (a strArgs) int(n int, name string) int64 {
	v := a.L.Get(n)
	switch v := v.(type) {
	case *lua.LNilType:
		a.nullDeprecated(n, name, "int")
		return 0
	case lua.LBool:
		if v {
			return 1
		}
		return 0
	case lua.LNumber:
		return a.floatToInt(n, name, float64(v), "float", NumberString(float64(v)))
	case lua.LString:
		f, isInt, ok := strNumeric(string(v), false)
		if !ok {
			a.typeError(n, name, "int")
		}
		if isInt {
			return int64(f)
		}
		return a.floatToInt(n, name, f, "float-string", `"`+string(v)+`"`)
	}
	a.typeError(n, name, "int")
	return 0
}

// floatToInt is PHP's float argument to an int parameter: out of range or
// NaN is a TypeError, a fraction is deprecated and truncated.
func (a strArgs) floatToInt(n int, name string, f float64, kind, shown string) int64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= 9.2233720368547758e18 || f < -9.2233720368547758e18 {
		given := "float"
		if kind == "float-string" {
			given = "string"
		}
		a.raise("Argument #%d ($%s) must be of type int, %s given", n, name, given)
	}
	if f != math.Trunc(f) {
		if kind == "float" {
			shown = FloatString(f)
		}
		a.deprecated(fmt.Sprintf("Implicit conversion from %s %s to int loses precision", kind, shown))
	}
	return int64(f)
}

func (a strArgs) optInt(n int, name string, def int64) int64 {
	if !a.given(n) {
		return def
	}
	return a.int(n, name)
}

// float is a required float parameter.
func (a strArgs) float(n int, name string) float64 {
	v := a.L.Get(n)
	switch v := v.(type) {
	case *lua.LNilType:
		a.nullDeprecated(n, name, "float")
		return 0
	case lua.LBool:
		if v {
			return 1
		}
		return 0
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		f, _, ok := strNumeric(string(v), false)
		if !ok {
			a.typeError(n, name, "float")
		}
		return f
	}
	a.typeError(n, name, "float")
	return 0
}

// number is an int|float parameter (round, abs, ...): numeric strings
// become numbers, anything else is a TypeError.
func (a strArgs) number(n int, name string) float64 {
	v := a.L.Get(n)
	switch v := v.(type) {
	case *lua.LNilType:
		a.nullDeprecated(n, name, "int|float")
		return 0
	case lua.LBool:
		if v {
			return 1
		}
		return 0
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, _, ok := strNumeric(string(v), false); ok {
			return f
		}
	}
	a.typeError(n, name, "int|float")
	return 0
}

// bool is a bool parameter: PHP's truthiness of scalars.
func (a strArgs) bool(n int, name string) bool {
	v := a.L.Get(n)
	switch v.(type) {
	case *lua.LNilType:
		a.nullDeprecated(n, name, "bool")
		return false
	case *lua.LTable, *lua.LFunction, *lua.LUserData:
		a.typeError(n, name, "bool")
	}
	return Truthy(v)
}

func (a strArgs) optBool(n int, name string, def bool) bool {
	if !a.given(n) {
		return def
	}
	return a.bool(n, name)
}

// table is a required array parameter.
func (a strArgs) table(n int, name string) *lua.LTable {
	t, ok := a.L.Get(n).(*lua.LTable)
	if !ok {
		a.typeError(n, name, "array")
	}
	return t
}

// pushBool pushes PHP's false or true.
func strPushBool(L *lua.LState, b bool) int {
	L.Push(lua.LBool(b))
	return 1
}

// strPushInt pushes a PHP int result.
func strPushInt(L *lua.LState, n int64) int {
	L.Push(lua.LNumber(n))
	return 1
}

func strPushString(L *lua.LState, s string) int {
	L.Push(lua.LString(s))
	return 1
}

// strIsSpace is the whitespace PHP's numeric strings allow around the number.
func strIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// strNumeric parses a PHP numeric string (leading and trailing whitespace,
// sign, digits, fraction, exponent; no hex). With prefix, a leading-numeric
// string ("12abc") is accepted too, as (int) casts accept it. isInt is true
// for an integer literal that fits an int64.
func strNumeric(s string, prefix bool) (f float64, isInt, ok bool) {
	i := 0
	for i < len(s) && strIsSpace(s[i]) {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	intEnd := i
	isInt = true
	if i < len(s) && s[i] == '.' {
		j := i + 1
		frac := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			frac++
		}
		if digits+frac > 0 {
			i = j
			digits += frac
			isInt = false
		}
	}
	if digits == 0 {
		return 0, false, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
			isInt = false
		}
	}
	num := s[start:i]
	for i < len(s) && strIsSpace(s[i]) {
		i++
	}
	if i != len(s) && !prefix {
		return 0, false, false
	}
	if isInt {
		if n, err := strconv.ParseInt(s[start:intEnd], 10, 64); err == nil {
			return float64(n), true, true
		}
		isInt = false
	}
	f, _ = strconv.ParseFloat(num, 64)
	return f, false, true
}

// strIndexValues are a table's values in PHP's order for a Lua table: the
// sequence 1..n, or for other tables their keys ordered (numbers first,
// ascending, then strings).
func strIndexValues(t *lua.LTable) []lua.LValue {
	keys := strTableKeys(t)
	vals := make([]lua.LValue, len(keys))
	for i, k := range keys {
		vals[i] = t.RawGet(k)
	}
	return vals
}

// strTableKeys are a table's keys in the order strIndexValues uses.
func strTableKeys(t *lua.LTable) []lua.LValue {
	n := t.Len()
	var keys []lua.LValue
	count := 0
	t.ForEach(func(lua.LValue, lua.LValue) { count++ })
	if count == n {
		for i := 1; i <= n; i++ {
			keys = append(keys, lua.LNumber(i))
		}
		return keys
	}
	var nums []float64
	var strs []string
	var others []lua.LValue
	t.ForEach(func(k, _ lua.LValue) {
		switch k := k.(type) {
		case lua.LNumber:
			nums = append(nums, float64(k))
		case lua.LString:
			strs = append(strs, string(k))
		default:
			others = append(others, k)
		}
	})
	slices.Sort(nums)
	slices.Sort(strs)
	for _, f := range nums {
		keys = append(keys, lua.LNumber(f))
	}
	for _, s := range strs {
		keys = append(keys, lua.LString(s))
	}
	return append(keys, others...)
}

// strNewList makes a Lua sequence of strings (a PHP list).
func strNewList(L *lua.LState, items []string) *lua.LTable {
	t := L.CreateTable(len(items), 0)
	for _, s := range items {
		t.Append(lua.LString(s))
	}
	return t
}
