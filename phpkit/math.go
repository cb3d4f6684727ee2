package phpkit

import (
	"math"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// mathFuncs are PHP's math, conversions, type tests, randomness and time.
// A Lua number is PHP's int when integral (|x| < 2^53), else its float.
var mathFuncs = []Func{
	{"intval", intval},
	{"floatval", func(k *Kit, L *lua.LState) int { return mathCastFn(k, L, "floatval", mathFloatval) }},
	{"doubleval", func(k *Kit, L *lua.LState) int { return mathCastFn(k, L, "doubleval", mathFloatval) }},
	{"boolval", func(k *Kit, L *lua.LState) int { return mathCastFn(k, L, "boolval", mathBoolval) }},
	{"strval", strval},
	{"is_numeric", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_numeric", mathIsNumeric) }},
	{"is_null", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_null", mathIsNull) }},
	{"is_string", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_string", mathIsType("string")) }},
	{"is_int", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_int", mathIsType("int")) }},
	{"is_integer", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_integer", mathIsType("int")) }},
	{"is_long", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_long", mathIsType("int")) }},
	{"is_float", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_float", mathIsType("float")) }},
	{"is_double", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_double", mathIsType("float")) }},
	{"is_bool", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_bool", mathIsType("bool")) }},
	{"is_array", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_array", mathIsType("array")) }},
	{"is_scalar", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_scalar", mathIsScalar) }},
	{"is_object", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "is_object", mathIsObject) }},
	{"is_callable", isCallable},
	{"isset", isset},
	{"empty", func(k *Kit, L *lua.LState) int { return mathTestFn(k, L, "empty", mathIsEmpty) }},
	{"gettype", gettype},
	{"get_debug_type", getDebugType},
	{"round", round},
	{"floor", func(k *Kit, L *lua.LState) int { return mathUnaryFn(k, L, "floor", "num", math.Floor) }},
	{"ceil", func(k *Kit, L *lua.LState) int { return mathUnaryFn(k, L, "ceil", "num", math.Ceil) }},
	{"abs", func(k *Kit, L *lua.LState) int { return mathUnaryFn(k, L, "abs", "num", math.Abs) }},
	{"sqrt", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "sqrt", math.Sqrt) }},
	{"exp", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "exp", math.Exp) }},
	{"log10", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "log10", math.Log10) }},
	{"sin", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "sin", math.Sin) }},
	{"cos", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "cos", math.Cos) }},
	{"tan", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "tan", math.Tan) }},
	{"asin", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "asin", math.Asin) }},
	{"acos", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "acos", math.Acos) }},
	{"atan", func(k *Kit, L *lua.LState) int { return mathFloatFn(k, L, "atan", math.Atan) }},
	{"deg2rad", func(k *Kit, L *lua.LState) int {
		return mathFloatFn(k, L, "deg2rad", func(x float64) float64 { return x / 180 * math.Pi })
	}},
	{"rad2deg", func(k *Kit, L *lua.LState) int {
		return mathFloatFn(k, L, "rad2deg", func(x float64) float64 { return x / math.Pi * 180 })
	}},
	{"is_nan", func(k *Kit, L *lua.LState) int { return mathFloatTestFn(k, L, "is_nan", math.IsNaN) }},
	{"is_finite", func(k *Kit, L *lua.LState) int {
		return mathFloatTestFn(k, L, "is_finite", func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) })
	}},
	{"is_infinite", func(k *Kit, L *lua.LState) int {
		return mathFloatTestFn(k, L, "is_infinite", func(x float64) bool { return math.IsInf(x, 0) })
	}},
	{"log", mathLog},
	{"atan2", func(k *Kit, L *lua.LState) int { return mathFloat2Fn(k, L, "atan2", "y", "x", math.Atan2) }},
	{"fmod", func(k *Kit, L *lua.LState) int { return mathFloat2Fn(k, L, "fmod", "num1", "num2", math.Mod) }},
	{"hypot", func(k *Kit, L *lua.LState) int { return mathFloat2Fn(k, L, "hypot", "x", "y", math.Hypot) }},
	{"pow", pow},
	{"intdiv", intdiv},
	{"pi", func(k *Kit, L *lua.LState) int {
		strArgsOf(k, L, "pi", 0, 0)
		L.Push(lua.LNumber(math.Pi))
		return 1
	}},
	{"min", func(k *Kit, L *lua.LState) int { return mathMinMax(k, L, "min", -1) }},
	{"max", func(k *Kit, L *lua.LState) int { return mathMinMax(k, L, "max", 1) }},
	{"dechex", func(k *Kit, L *lua.LState) int { return mathToBaseFn(k, L, "dechex", 16) }},
	{"decbin", func(k *Kit, L *lua.LState) int { return mathToBaseFn(k, L, "decbin", 2) }},
	{"decoct", func(k *Kit, L *lua.LState) int { return mathToBaseFn(k, L, "decoct", 8) }},
	{"hexdec", func(k *Kit, L *lua.LState) int { return mathFromBaseFn(k, L, "hexdec", 16) }},
	{"bindec", func(k *Kit, L *lua.LState) int { return mathFromBaseFn(k, L, "bindec", 2) }},
	{"octdec", func(k *Kit, L *lua.LState) int { return mathFromBaseFn(k, L, "octdec", 8) }},
	{"base_convert", baseConvert},
	{"rand", func(k *Kit, L *lua.LState) int { return mtRandFn(k, L, "rand") }},
	{"mt_rand", func(k *Kit, L *lua.LState) int { return mtRandFn(k, L, "mt_rand") }},
	{"srand", func(k *Kit, L *lua.LState) int { return mtSrand(k, L, "srand") }},
	{"mt_srand", func(k *Kit, L *lua.LState) int { return mtSrand(k, L, "mt_srand") }},
	{"getrandmax", func(k *Kit, L *lua.LState) int {
		strArgsOf(k, L, "getrandmax", 0, 0)
		return strPushInt(L, math.MaxInt32)
	}},
	{"mt_getrandmax", func(k *Kit, L *lua.LState) int {
		strArgsOf(k, L, "mt_getrandmax", 0, 0)
		return strPushInt(L, math.MaxInt32)
	}},
	{"time", timeFn},
	{"hrtime", hrtime},
	{"usleep", usleep},
	{"date", func(k *Kit, L *lua.LState) int { return dateFn(k, L, "date", false) }},
	{"gmdate", func(k *Kit, L *lua.LState) int { return dateFn(k, L, "gmdate", true) }},
	{"mktime", func(k *Kit, L *lua.LState) int { return mktimeFn(k, L, "mktime", false) }},
	{"gmmktime", func(k *Kit, L *lua.LState) int { return mktimeFn(k, L, "gmmktime", true) }},
	{"checkdate", checkdate},
	{"date_default_timezone_get", dateDefaultTimezoneGet},
	{"date_default_timezone_set", dateDefaultTimezoneSet},
}

// mathConsts are the math functions' constants (part of stringConsts).
var mathConsts = []strConst{
	{"INF", math.Inf(1)},
	{"NAN", math.NaN()},
	{"PHP_FLOAT_EPSILON", 2.220446049250313e-16},
	{"PHP_FLOAT_MAX", math.MaxFloat64},
	{"PHP_FLOAT_MIN", 2.2250738585072014e-308},
	{"M_PI", math.Pi},
	{"M_PI_2", math.Pi / 2},
	{"M_PI_4", math.Pi / 4},
	{"M_1_PI", 1 / math.Pi},
	{"M_2_PI", 2 / math.Pi},
	{"M_LN2", math.Ln2},
	{"M_LN10", math.Ln10},
	{"M_LOG2E", math.Log2E},
	{"M_LOG10E", math.Log10E},
	{"M_SQRT1_2", 1 / math.Sqrt2},
	{"M_E", math.E},
	{"M_SQRT2", math.Sqrt2},
	{"PHP_ROUND_HALF_UP", strRoundHalfUp},
	{"PHP_ROUND_HALF_DOWN", strRoundHalfDown},
	{"PHP_ROUND_HALF_EVEN", strRoundHalfEven},
	{"PHP_ROUND_HALF_ODD", strRoundHalfOdd},
	{"MT_RAND_MT19937", 0},
	{"MT_RAND_PHP", 1},
}

// intval(value, base = 10): PHP's (int) cast, or for a string in another
// base, strtol's reading (a 0x prefix for 16, 0b for 2; base 0 detects
// the prefix).
func intval(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "intval", 1, 2)
	v := L.Get(1)
	base := a.optInt(2, "base", 10)
	s, isString := v.(lua.LString)
	if !isString || base == 10 {
		if _, ok := v.(*lua.LFunction); ok {
			return strPushInt(L, 1)
		}
		return strPushInt(L, strToInt(v))
	}
	str := strings.TrimLeft(string(s), " \t\n\r\v\f")
	if base == 0 || base == 2 {
		sign := ""
		body := str
		if body != "" && (body[0] == '-' || body[0] == '+') {
			sign, body = body[:1], body[1:]
		}
		if len(str) > 2 && len(body) >= 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B') {
			return strPushInt(L, mathStrtol(sign+body[2:], 2))
		}
	}
	return strPushInt(L, mathStrtol(str, int(base)))
}

// mathStrtol is C's strtol: whitespace, sign, a 0x prefix (base 16 or 0),
// digits of the base, saturating on overflow; 0 for an invalid base.
func mathStrtol(s string, base int) int64 {
	if base != 0 && (base < 2 || base > 36) {
		return 0
	}
	i := 0
	for i < len(s) && strIsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if (base == 0 || base == 16) && i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && mathDigit(s[i+2]) < 16 {
		i += 2
		base = 16
	}
	if base == 0 {
		base = 10
		if i < len(s) && s[i] == '0' {
			base = 8
		}
	}
	var n uint64
	overflow := false
	for ; i < len(s); i++ {
		d := mathDigit(s[i])
		if d >= base {
			break
		}
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
			continue
		}
		n = n*uint64(base) + uint64(d)
	}
	switch {
	case neg && (overflow || n > 1<<63):
		return math.MinInt64
	case neg:
		return -int64(n)
	case overflow || n > math.MaxInt64:
		return math.MaxInt64
	}
	return int64(n)
}

// mathDigit is a character's value as a digit of bases up to 36 (99 if
// none).
func mathDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'z':
		return int(c|0x20-'a') + 10
	}
	return 99
}

func mathCastFn(k *Kit, L *lua.LState, fn string, f func(lua.LValue) lua.LValue) int {
	strArgsOf(k, L, fn, 1, 1)
	L.Push(f(L.Get(1)))
	return 1
}

func mathFloatval(v lua.LValue) lua.LValue { return lua.LNumber(strToFloat(v)) }
func mathBoolval(v lua.LValue) lua.LValue  { return lua.LBool(Truthy(v)) }

// strval is PHP's string conversion; a table is "Array" with PHP's warning.
func strval(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "strval", 1, 1)
	return strPushString(L, strElem(a, L.Get(1)))
}

func mathTestFn(k *Kit, L *lua.LState, fn string, f func(lua.LValue) bool) int {
	strArgsOf(k, L, fn, 1, 1)
	return strPushBool(L, f(L.Get(1)))
}

// mathIsNumeric: numbers, and strings PHP 8 reads as numbers (whitespace
// around allowed).
func mathIsNumeric(v lua.LValue) bool {
	switch v := v.(type) {
	case lua.LNumber:
		return true
	case lua.LString:
		_, _, ok := strNumeric(string(v), false)
		return ok
	}
	return false
}

func mathIsNull(v lua.LValue) bool { return v == lua.LNil }

func mathIsType(name string) func(lua.LValue) bool {
	return func(v lua.LValue) bool {
		if v == lua.LNil {
			return false
		}
		return strTypeName(v) == name
	}
}

func mathIsScalar(v lua.LValue) bool {
	switch v.(type) {
	case lua.LNumber, lua.LString, lua.LBool:
		return true
	}
	return false
}

func mathIsObject(v lua.LValue) bool {
	switch v.(type) {
	case *lua.LFunction, *lua.LUserData:
		return true
	}
	return false
}

func mathIsEmpty(v lua.LValue) bool { return !Truthy(v) }

// isCallable is true for a function, or a string naming a global function.
func isCallable(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "is_callable", 1, 3)
	switch v := L.Get(1).(type) {
	case *lua.LFunction:
		return strPushBool(L, true)
	case lua.LString:
		_, ok := L.GetGlobal(string(v)).(*lua.LFunction)
		return strPushBool(L, ok)
	}
	return strPushBool(L, false)
}

// isset(v, ...) is true when no value is nil (PHP's isset of variables).
func isset(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "isset", 1, -1)
	for i := 1; i <= L.GetTop(); i++ {
		if L.Get(i) == lua.LNil {
			return strPushBool(L, false)
		}
	}
	return strPushBool(L, true)
}

// gettype uses PHP's old names ("integer", "double", "NULL"); functions and
// userdata (sockets) are objects.
func gettype(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "gettype", 1, 1)
	names := map[string]string{
		"int": "integer", "float": "double", "string": "string", "bool": "boolean",
		"null": "NULL", "array": "array",
	}
	name, ok := names[strTypeName(L.Get(1))]
	if !ok {
		name = "object"
	}
	return strPushString(L, name)
}

func getDebugType(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "get_debug_type", 1, 1)
	return strPushString(L, strTypeName(L.Get(1)))
}

func round(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "round", 1, 3)
	num := a.number(1, "num")
	places := a.optInt(2, "precision", 0)
	mode := a.optInt(3, "mode", strRoundHalfUp)
	if mode < strRoundHalfUp || mode > strRoundHalfOdd {
		mode = strRoundHalfUp
	}
	places = max(min(places, math.MaxInt32), math.MinInt32+1)
	L.Push(lua.LNumber(strRoundMode(num, int(places), int(mode))))
	return 1
}

func mathUnaryFn(k *Kit, L *lua.LState, fn, name string, f func(float64) float64) int {
	a := strArgsOf(k, L, fn, 1, 1)
	L.Push(lua.LNumber(f(a.number(1, name))))
	return 1
}

func mathFloatFn(k *Kit, L *lua.LState, fn string, f func(float64) float64) int {
	a := strArgsOf(k, L, fn, 1, 1)
	L.Push(lua.LNumber(f(a.float(1, "num"))))
	return 1
}

func mathFloatTestFn(k *Kit, L *lua.LState, fn string, f func(float64) bool) int {
	a := strArgsOf(k, L, fn, 1, 1)
	return strPushBool(L, f(a.float(1, "num")))
}

func mathFloat2Fn(k *Kit, L *lua.LState, fn, n1, n2 string, f func(float64, float64) float64) int {
	a := strArgsOf(k, L, fn, 2, 2)
	x := a.float(1, n1)
	y := a.float(2, n2)
	L.Push(lua.LNumber(f(x, y)))
	return 1
}

// mathLog is log(num, base = e).
func mathLog(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "log", 1, 2)
	x := a.float(1, "num")
	if !a.given(2) {
		L.Push(lua.LNumber(math.Log(x)))
		return 1
	}
	base := a.float(2, "base")
	if base <= 0 {
		a.raise("Argument #2 ($base) must be greater than 0")
	}
	if base == 1 {
		L.Push(lua.LNumber(math.NaN()))
		return 1
	}
	L.Push(lua.LNumber(math.Log(x) / math.Log(base)))
	return 1
}

func pow(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "pow", 2, 2)
	base := a.number(1, "num")
	exp := a.number(2, "exponent")
	L.Push(lua.LNumber(math.Pow(base, exp)))
	return 1
}

func intdiv(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "intdiv", 2, 2)
	x := a.int(1, "num1")
	y := a.int(2, "num2")
	switch {
	case y == 0:
		a.raiseBare("Division by zero")
	case y == -1 && x == math.MinInt64:
		a.raiseBare("Division of PHP_INT_MIN by -1 is not an integer")
	}
	return strPushInt(L, x/y)
}

// mathMinMax is min/max over the arguments or one table's values; sign -1
// keeps the smallest, 1 the largest (the first of equals).
func mathMinMax(k *Kit, L *lua.LState, fn string, sign int) int {
	a := strArgsOf(k, L, fn, 1, -1)
	var vals []lua.LValue
	if L.GetTop() == 1 {
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			a.raise("Argument #1 ($value) must be of type array, %s given", strTypeName(L.Get(1)))
		}
		vals = strIndexValues(t)
		if len(vals) == 0 {
			a.raise("Argument #1 ($value) must contain at least one element")
		}
	} else {
		vals = strStackArgs(L, 1)
	}
	best := vals[0]
	for _, v := range vals[1:] {
		if mathCompare(v, best)*sign > 0 {
			best = v
		}
	}
	L.Push(best)
	return 1
}

// mathCompare is PHP 8's loose comparison (<=>) of two values.
func mathCompare(x, y lua.LValue) int {
	cmpF := func(a, b float64) int {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	cmpB := func(a, b bool) int {
		switch {
		case a == b:
			return 0
		case b:
			return -1
		}
		return 1
	}
	xt, xTable := x.(*lua.LTable)
	yt, yTable := y.(*lua.LTable)
	switch {
	case xTable && yTable:
		return cmpF(float64(len(strIndexValues(xt))), float64(len(strIndexValues(yt))))
	case x.Type() == lua.LTBool || y.Type() == lua.LTBool:
		return cmpB(Truthy(x), Truthy(y))
	case x == lua.LNil && y.Type() == lua.LTString:
		return strings.Compare("", string(y.(lua.LString)))
	case y == lua.LNil && x.Type() == lua.LTString:
		return strings.Compare(string(x.(lua.LString)), "")
	case x == lua.LNil || y == lua.LNil:
		return cmpB(Truthy(x), Truthy(y))
	case xTable:
		return 1
	case yTable:
		return -1
	}
	xs, xIsStr := x.(lua.LString)
	ys, yIsStr := y.(lua.LString)
	xn, xIsNum := x.(lua.LNumber)
	yn, yIsNum := y.(lua.LNumber)
	switch {
	case xIsNum && yIsNum:
		return cmpF(float64(xn), float64(yn))
	case xIsStr && yIsStr:
		fx, _, okx := strNumeric(string(xs), false)
		fy, _, oky := strNumeric(string(ys), false)
		if okx && oky {
			return cmpF(fx, fy)
		}
		return strings.Compare(string(xs), string(ys))
	case xIsNum && yIsStr:
		if fy, _, ok := strNumeric(string(ys), false); ok {
			return cmpF(float64(xn), fy)
		}
		return strings.Compare(NumberString(float64(xn)), string(ys))
	case xIsStr && yIsNum:
		if fx, _, ok := strNumeric(string(xs), false); ok {
			return cmpF(fx, float64(yn))
		}
		return strings.Compare(string(xs), NumberString(float64(yn)))
	}
	return 0
}

// mathToBaseFn is dechex/decbin/decoct: the int as unsigned 64 bits.
func mathToBaseFn(k *Kit, L *lua.LState, fn string, base int) int {
	a := strArgsOf(k, L, fn, 1, 1)
	n := a.int(1, "num")
	return strPushString(L, strconv.FormatUint(uint64(n), base))
}

// mathFromBaseFn is hexdec/bindec/octdec.
func mathFromBaseFn(k *Kit, L *lua.LState, fn string, base int) int {
	a := strArgsOf(k, L, fn, 1, 1)
	s := a.str(1, mathFromBaseParam(fn))
	L.Push(lua.LNumber(mathFromBase(a, s, base)))
	return 1
}

func mathFromBaseParam(fn string) string {
	switch fn {
	case "hexdec":
		return "hex_string"
	case "bindec":
		return "binary_string"
	}
	return "octal_string"
}

// mathFromBase reads digits of base, skipping surrounding whitespace, a
// 0x/0o/0b prefix matching the base, and (with PHP's deprecation) any
// other character; past int64 it continues in float.
func mathFromBase(a strArgs, s string, base int) float64 {
	s = strings.Trim(s, " \t\n\r\v\f")
	if len(s) >= 2 && s[0] == '0' {
		p := s[1] | 0x20
		if (base == 16 && p == 'x') || (base == 8 && p == 'o') || (base == 2 && p == 'b') {
			s = s[2:]
		}
	}
	var n int64
	var f float64
	useFloat, invalid := false, false
	for i := 0; i < len(s); i++ {
		d := mathDigit(s[i])
		if d >= base {
			invalid = true
			continue
		}
		if !useFloat {
			if n > (math.MaxInt64-int64(d))/int64(base) {
				useFloat = true
				f = float64(n)
			} else {
				n = n*int64(base) + int64(d)
				continue
			}
		}
		f = f*float64(base) + float64(d)
	}
	if invalid {
		a.deprecated("Invalid characters passed for attempted conversion, these have been ignored")
	}
	if useFloat {
		return f
	}
	return float64(n)
}

func baseConvert(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "base_convert", 3, 3)
	s := a.str(1, "num")
	from := a.int(2, "from_base")
	to := a.int(3, "to_base")
	if from < 2 || from > 36 {
		a.raise("Argument #2 ($from_base) must be between 2 and 36 (inclusive)")
	}
	if to < 2 || to > 36 {
		a.raise("Argument #3 ($to_base) must be between 2 and 36 (inclusive)")
	}
	n := mathFromBase(a, s, int(from))
	if n < 1<<63 {
		return strPushString(L, strconv.FormatUint(uint64(n), int(to)))
	}
	// A float past int64: digits by repeated fmod, as PHP does.
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var out []byte
	for n >= 1 {
		out = append(out, digits[int(math.Mod(n, float64(to)))])
		n /= float64(to)
	}
	return strPushString(L, strReverse(string(out)))
}

func timeFn(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "time", 0, 0)
	return strPushInt(L, time.Now().Unix())
}

// mathEpoch is the arbitrary origin of hrtime's monotonic clock.
var mathEpoch = time.Now()

// hrtime is [seconds, nanoseconds] (a Lua sequence), or with true the
// nanoseconds as one number.
func hrtime(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "hrtime", 0, 1)
	asNumber := a.optBool(1, "as_number", false)
	ns := int64(time.Since(mathEpoch)) + int64(time.Hour)
	if asNumber {
		return strPushInt(L, ns)
	}
	t := L.CreateTable(2, 0)
	t.Append(lua.LNumber(ns / 1e9))
	t.Append(lua.LNumber(ns % 1e9))
	L.Push(t)
	return 1
}

// usleep suspends the task (or the script) through the host.
func usleep(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "usleep", 1, 1)
	us := a.int(1, "microseconds")
	if us < 0 {
		a.raise("Argument #1 ($microseconds) must be greater than or equal to 0")
	}
	return k.Host.Sleep(L, float64(us)/1e6)
}
