package script

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaTonumber is Lua 5.1's tonumber, replacing gopher-lua's, which has its
// own number syntax: it gives nil for "1e3", for integers past 2^63
// ("9223372036854775808") and for hex floats, where Lua 5.1 (PUC-Rio, on
// glibc) gives numbers. Lua 5.1 converts with the C library: strtod (its
// lua_str2number) for base 10, strtoul for the other bases, then allows only
// trailing white space; the string ends at its first NUL, as a C string
// does. So, as lua5.1 on Linux, "inf", "nan" and "1e999" are numbers too.
//
//	tonumber(e [, base]) -> number | nil
func luaTonumber(L *lua.LState) int {
	base := 10
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		base = tonumberBase(L)
	}
	if base == 10 {
		v := L.CheckAny(1)
		switch v := v.(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if n, ok := str2d(string(v)); ok {
				L.Push(lua.LNumber(n))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	var s string
	switch v := L.Get(1).(type) {
	case lua.LString:
		s = string(v)
	case lua.LNumber:
		s = v.String()
	default:
		L.TypeError(1, lua.LTString)
	}
	if base < 2 || base > 36 {
		L.ArgError(2, "base out of range")
	}
	s = cString(s)
	n, end := strtoul(s, base)
	if end > 0 && onlySpace(s[end:]) {
		L.Push(lua.LNumber(n))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// tonumberBase is luaL_optint for the base: a number (truncated) or a
// string that converts to one.
func tonumberBase(L *lua.LState) int {
	switch v := L.Get(2).(type) {
	case lua.LNumber:
		return int(v)
	case lua.LString:
		if n, ok := str2d(string(v)); ok {
			return int(n)
		}
	}
	L.TypeError(2, lua.LTNumber)
	return 0
}

// str2d is Lua 5.1's luaO_str2d: strtod, then (a quirk kept from Lua 5.1)
// strtoul in base 16 when strtod stopped at an "x", then only white space.
func str2d(s string) (float64, bool) {
	s = cString(s)
	n, end := strtod(s)
	if end == 0 {
		return 0, false
	}
	if end < len(s) && (s[end] == 'x' || s[end] == 'X') {
		var u float64
		u, end = strtoul(s, 16)
		n = u
	}
	return n, onlySpace(s[end:])
}

// cString cuts s at its first NUL, where C's functions see it end.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func onlySpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSpace(s[i]) {
			return false
		}
	}
	return true
}

// skipSign passes white space and a sign, as strtod and strtoul do.
func skipSign(s string) (i int, neg bool) {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	return i, neg
}

// digitValue is a digit's value in bases up to 36, or 99.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// strtoul is glibc's: white space, a sign, "0x" in base 16, digits; past
// 2^64-1 the result sticks at that; a minus negates modulo 2^64. It returns
// the value as Lua sees it (a double) and where the number ends (0: none).
func strtoul(s string, base int) (float64, int) {
	i, neg := skipSign(s)
	if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digitValue(s[i+2]) < 16 {
		i += 2
	}
	start := i
	var n uint64
	overflow := false
	for i < len(s) && digitValue(s[i]) < base {
		d := uint64(digitValue(s[i]))
		if n > (math.MaxUint64-d)/uint64(base) {
			overflow = true
		}
		n = n*uint64(base) + d
		i++
	}
	if i == start {
		return 0, 0
	}
	if overflow {
		return float64(uint64(math.MaxUint64)), i
	}
	if neg {
		n = -n
	}
	return float64(n), i
}

// strtod is glibc's: white space, a sign, then "inf"/"infinity",
// "nan"/"nan(chars)", a hex float ("0x1.8p3") or a decimal one. It returns
// the value and where the number ends (0: none).
func strtod(s string) (float64, int) {
	i, neg := skipSign(s)
	sign := 1.0
	if neg {
		sign = -1
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return math.Inf(int(sign)), i + 8
	case hasPrefixFold(rest, "inf"):
		return math.Inf(int(sign)), i + 3
	case hasPrefixFold(rest, "nan"):
		end := i + 3
		if end < len(s) && s[end] == '(' {
			j := end + 1
			for j < len(s) && (digitValue(s[j]) < 36 || s[j] == '_') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				end = j + 1
			}
		}
		return math.NaN(), end
	}
	if len(rest) > 2 && rest[0] == '0' && (rest[1]|0x20) == 'x' {
		if n, end := hexFloat(s, i+2); end > 0 {
			return sign * n, end
		}
	}
	// Decimal: digits, an optional point and digits (one digit at least),
	// then an exponent only when it has digits.
	j := i
	digits := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	j = exponent(s, j, 'e')
	// ParseFloat gives ±Inf (and ErrRange) past the largest double and 0 or
	// a denormal below the smallest, as strtod does.
	n, _ := strconv.ParseFloat(s[i:j], 64)
	return sign * n, j
}

// hexFloat reads the hex digits (with an optional point) from s[i] and
// an optional "p" exponent; end is 0 when there is no hex digit.
func hexFloat(s string, i int) (float64, int) {
	j := i
	digits := 0
	for j < len(s) && digitValue(s[j]) < 16 {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && digitValue(s[j]) < 16 {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	mantissa := s[i:j]
	end := exponent(s, j, 'p')
	exp := "p0"
	if end > j {
		exp = s[j:end]
	}
	n, _ := strconv.ParseFloat("0x"+mantissa+exp, 64)
	return n, end
}

// exponent returns where an exponent (marker e or p, a sign, digits)
// starting at s[j] ends, or j when there is none.
func exponent(s string, j int, marker byte) int {
	if j >= len(s) || (s[j]|0x20) != marker {
		return j
	}
	k := j + 1
	if k < len(s) && (s[k] == '+' || s[k] == '-') {
		k++
	}
	if k >= len(s) || s[k] < '0' || s[k] > '9' {
		return j
	}
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	return k
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
