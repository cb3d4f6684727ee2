package phpkit

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// FloatString is PHP's float to string conversion (precision=14,
// zend_gcvt): "0.1", "1.0E+25", "1.0E-5", "-0", "INF", "NAN".
func FloatString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NAN"
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// 14 significant digits, correctly rounded, trailing zeros dropped;
	// the value is 0.DIGITS × 10^decpt.
	e := strconv.FormatFloat(f, 'e', 13, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	x, _ := strconv.Atoi(exp)
	decpt := x + 1
	switch {
	case decpt < -3 || decpt > 14:
		frac := digits[1:]
		if frac == "" {
			frac = "0"
		}
		expSign := "+"
		if decpt-1 < 0 {
			expSign = "-"
		}
		return sign + digits[:1] + "." + frac + "E" + expSign + strconv.Itoa(absInt(decpt-1))
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case len(digits) <= decpt:
		return sign + digits + strings.Repeat("0", decpt-len(digits))
	}
	return sign + digits[:decpt] + "." + digits[decpt:]
}

// NumberString formats a Lua number as PHP converts a number to string:
// integral values (PHP ints) without a fraction, others as FloatString.
func NumberString(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return FloatString(f)
}

// Truthy is PHP's truthiness (zval_is_true): 0, "", "0", nil, false and
// empty tables are false.
func Truthy(v lua.LValue) bool {
	switch v := v.(type) {
	case lua.LNumber:
		return v != 0
	case lua.LString:
		return v != "" && v != "0"
	case *lua.LTable:
		k, _ := v.Next(lua.LNil)
		return k != lua.LNil
	}
	return lua.LVAsBool(v)
}

// ToString is PHP's string conversion of a scalar: numbers as NumberString,
// true "1", false and nil "". ok is false for tables, functions and userdata.
func ToString(v lua.LValue) (s string, ok bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return NumberString(float64(v)), true
	case lua.LBool:
		if v {
			return "1", true
		}
		return "", true
	case *lua.LNilType:
		return "", true
	}
	return "", false
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
