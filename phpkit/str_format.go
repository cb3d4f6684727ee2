package phpkit

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// PHP's sprintf family, number_format and round.

func sprintf(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "sprintf", 1, -1)
	format := a.str(1, "format")
	return strPushString(L, strFormat(a, format, strStackArgs(L, 2), 1))
}

func printf(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "printf", 1, -1)
	format := a.str(1, "format")
	out := strFormat(a, format, strStackArgs(L, 2), 1)
	io.WriteString(k.Host.Stdout(), out)
	return strPushInt(L, int64(len(out)))
}

func vsprintf(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "vsprintf", 2, 2)
	format := a.str(1, "format")
	values := strIndexValues(a.table(2, "values"))
	return strPushString(L, strFormat(a, format, values, -1))
}

func vprintf(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "vprintf", 2, 2)
	format := a.str(1, "format")
	values := strIndexValues(a.table(2, "values"))
	out := strFormat(a, format, values, -1)
	io.WriteString(k.Host.Stdout(), out)
	return strPushInt(L, int64(len(out)))
}

func strStackArgs(L *lua.LState, from int) []lua.LValue {
	var vals []lua.LValue
	for i := from; i <= L.GetTop(); i++ {
		vals = append(vals, L.Get(i))
	}
	return vals
}

// strSpec is one conversion's flags.
type strSpec struct {
	left       bool
	plus       bool
	pad        byte
	width      int
	precision  int // -1: not given
	conversion byte
}

// strFormat is php_formatted_print. formatOffset is how many arguments
// precede the values (1 for sprintf's format); -1 means the values came as
// an array (vsprintf), whose shortage is a ValueError rather than an
// ArgumentCountError.
func strFormat(a strArgs, format string, args []lua.LValue, formatOffset int) string {
	var out strings.Builder
	next := 0
	argAt := func(n int) lua.LValue {
		if n >= len(args) {
			if formatOffset < 0 {
				a.raiseBare("The arguments array must contain %d items, %d given", n+1, len(args))
			}
			a.raiseBare("%d arguments are required, %d given", n+formatOffset+1, len(args)+formatOffset)
		}
		return args[n]
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			out.WriteByte('%')
			continue
		}
		// An argument number: digits then '$'.
		argnum := -1
		if j := strDigitsEnd(format, i); j > i && j < len(format) && format[j] == '$' {
			n, err := strconv.Atoi(format[i:j])
			if err != nil || n <= 0 || n >= math.MaxInt32 {
				a.raiseBare("Argument number specifier must be greater than zero and less than %d", math.MaxInt32)
			}
			argnum = n - 1
			i = j + 1
		}
		spec := strSpec{pad: ' ', precision: -1}
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case ' ', '0':
				spec.pad = format[i]
			case '-':
				spec.left = true
			case '+':
				spec.plus = true
			case '\'':
				if i+1 >= len(format) {
					a.raiseBare("Missing padding character")
				}
				i++
				spec.pad = format[i]
			default:
				break flags
			}
		}
		takeInt := func(what string) int {
			if i < len(format) && format[i] == '*' {
				i++
				var v lua.LValue
				if argnum >= 0 {
					a.raiseBare("Argument number specifier must be given before the %s", what)
				}
				v = argAt(next)
				next++
				n, ok := v.(lua.LNumber)
				if !ok || !strIsInt(float64(n)) {
					a.raiseBare("%s must be an integer", strings.ToUpper(what[:1])+what[1:])
				}
				if n < 0 || n > math.MaxInt32 {
					if what == "width" {
						a.raiseBare("Width must be greater than zero and less than %d", math.MaxInt32)
					}
					a.raiseBare("Precision must be between -1 and %d", math.MaxInt32)
				}
				return int(n)
			}
			j := strDigitsEnd(format, i)
			n, err := strconv.Atoi(format[i:j])
			if j > i && (err != nil || n >= math.MaxInt32) {
				if what == "width" {
					a.raiseBare("Width must be greater than zero and less than %d", math.MaxInt32)
				}
				a.raiseBare("Precision must be greater than zero and less than %d", math.MaxInt32)
			}
			i = j
			return n
		}
		spec.width = takeInt("width")
		if i < len(format) && format[i] == '.' {
			i++
			spec.precision = takeInt("precision")
		}
		if i < len(format) && format[i] == 'l' {
			i++
		}
		if argnum < 0 {
			argnum = next
			next++
		}
		v := argAt(argnum)
		if i >= len(format) {
			a.raiseBare("Missing format specifier at end of string")
		}
		spec.conversion = format[i]
		switch spec.conversion {
		case 's':
			s := strElem(a, v)
			if spec.precision >= 0 && spec.precision < len(s) {
				s = s[:spec.precision]
			}
			strAppendPadded(&out, s, spec, false)
		case 'd':
			n := strToInt(v)
			s := strconv.FormatInt(n, 10)
			if n >= 0 && spec.plus {
				s = "+" + s
			}
			strAppendInt(&out, s, spec, n < 0)
		case 'u':
			strAppendInt(&out, strconv.FormatUint(uint64(strToInt(v)), 10), spec, false)
		case 'e', 'E', 'f', 'F', 'g', 'G':
			strAppendFloat(a, &out, strToFloat(v), spec)
		case 'c':
			out.WriteByte(byte(strToInt(v)))
		case '%':
			// "%5%": PHP takes an argument for it, and prints '%'.
			out.WriteByte('%')
		case 'o':
			strAppendPadded(&out, strconv.FormatUint(uint64(strToInt(v)), 8), spec, false)
		case 'x':
			strAppendPadded(&out, strconv.FormatUint(uint64(strToInt(v)), 16), spec, false)
		case 'X':
			strAppendPadded(&out, strings.ToUpper(strconv.FormatUint(uint64(strToInt(v)), 16)), spec, false)
		case 'b':
			strAppendPadded(&out, strconv.FormatUint(uint64(strToInt(v)), 2), spec, false)
		default:
			a.raiseBare("Unknown format specifier \"%c\"", spec.conversion)
		}
	}
	return out.String()
}

func strDigitsEnd(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// strAppendInt pads an integer; a '0' pad does not apply on the right of a
// left-justified one (PHP pads it with spaces).
func strAppendInt(out *strings.Builder, s string, spec strSpec, neg bool) {
	if spec.left && spec.pad == '0' {
		spec.pad = ' '
	}
	strAppendPadded(out, s, spec, neg || spec.plus)
}

// strAppendPadded is php_sprintf_appendstring: pad to the width, on the
// left or the right; with a '0' pad on the left, a sign goes before the
// zeros.
func strAppendPadded(out *strings.Builder, s string, spec strSpec, signed bool) {
	npad := max(0, spec.width-len(s))
	if !spec.left {
		if signed && spec.pad == '0' && s != "" {
			out.WriteByte(s[0])
			s = s[1:]
		}
		for ; npad > 0; npad-- {
			out.WriteByte(spec.pad)
		}
	}
	out.WriteString(s)
	for ; npad > 0; npad-- {
		out.WriteByte(spec.pad)
	}
}

// strAppendFloat is php_sprintf_appenddouble for e E f F g G.
func strAppendFloat(a strArgs, out *strings.Builder, f float64, spec strSpec) {
	prec := spec.precision
	if prec < 0 {
		prec = 6
	} else if prec > 53 {
		a.notice(fmt.Sprintf("%s(): Requested precision of %d digits was truncated to PHP maximum of 53 digits", a.fn, prec))
		prec = 53
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// PHP prints these at width 3 whatever the width, and only a '0'
		// pad shows the sign (overwriting the text's first letter).
		text := "INF"
		if math.IsNaN(f) {
			text = "NaN"
		}
		neg := f < 0
		if (neg || spec.plus) && spec.pad == '0' && !spec.left {
			sign := "+"
			if neg {
				sign = "-"
			}
			text = sign + text[1:]
		}
		out.WriteString(text)
		return
	}
	var s string
	switch spec.conversion {
	case 'f', 'F':
		s = strconv.FormatFloat(f, 'f', prec, 64)
	case 'e', 'E':
		s = strExpFormat(f, prec, spec.conversion)
	default:
		if prec == 0 {
			prec = 1
		}
		e := byte('e')
		if spec.conversion == 'G' {
			e = 'E'
		}
		s = strGcvt(f, prec, e)
	}
	neg := strings.HasPrefix(s, "-")
	if !neg && spec.plus {
		s = "+" + s
	}
	strAppendPadded(out, s, spec, neg || spec.plus)
}

// strExpFormat is %e: prec digits after the point, the exponent without
// leading zeros ("1.5e+3").
func strExpFormat(f float64, prec int, e byte) string {
	s := strconv.FormatFloat(f, 'e', prec, 64)
	mant, exp, _ := strings.Cut(s, "e")
	n, _ := strconv.Atoi(exp)
	sign := "+"
	if n < 0 {
		sign, n = "-", -n
	}
	return mant + string(e) + sign + strconv.Itoa(n)
}

// strGcvt is zend_gcvt: ndigit significant digits, exponential form when
// the exponent is below -4 or at least ndigit ("1.0e+25", "1.0E-5").
func strGcvt(f float64, ndigit int, e byte) string {
	if f == 0 {
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', ndigit-1, 64), "e")
	digits := strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	x, _ := strconv.Atoi(exp)
	decpt := x + 1
	switch {
	case decpt < -3 || decpt > ndigit:
		frac := digits[1:]
		if frac == "" {
			frac = "0"
		}
		expSign := "+"
		if x < 0 {
			expSign, x = "-", -x
		}
		return sign + digits[:1] + "." + frac + string(e) + expSign + strconv.Itoa(x)
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case len(digits) <= decpt:
		return sign + digits + strings.Repeat("0", decpt-len(digits))
	}
	return sign + digits[:decpt] + "." + digits[decpt:]
}

// strToInt is PHP's (int) cast of a value (zval_get_long): leading-numeric
// strings, truncated floats (0 when out of range), bools, null.
func strToInt(v lua.LValue) int64 {
	switch v := v.(type) {
	case lua.LNumber:
		return strFloatToInt(float64(v))
	case lua.LString:
		s := string(v)
		f, isInt, ok := strNumeric(s, true)
		if !ok {
			return 0
		}
		if isInt {
			return int64(f)
		}
		// An integer that overflows saturates, as strtol does, and so
		// does a float string out of range.
		return strFloatToIntCap(f)
	case lua.LBool:
		if v {
			return 1
		}
		return 0
	case *lua.LTable:
		if Truthy(v) {
			return 1
		}
		return 0
	}
	return 0
}

// strFloatToInt is zend_dval_to_lval: truncation, 0 for NaN and the
// infinities, and modulo 2^64 for values out of int64's range (as PHP on
// 64-bit platforms).
func strFloatToInt(f float64) int64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	if f < 9.2233720368547758e18 && f >= -9.2233720368547758e18 {
		return int64(f)
	}
	const two64 = 18446744073709551616.0
	m := math.Mod(f, two64)
	if m < 0 {
		m += two64
	}
	if m >= 9.2233720368547758e18 {
		m -= two64
	}
	return int64(m)
}

// strFloatToIntCap is zend_dval_to_lval_cap, the cast of a numeric string
// holding a float: out of range saturates.
func strFloatToIntCap(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= 9.2233720368547758e18:
		return math.MaxInt64
	case f < -9.2233720368547758e18:
		return math.MinInt64
	}
	return int64(f)
}

// strToFloat is PHP's (float) cast (zval_get_double).
func strToFloat(v lua.LValue) float64 {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		f, _, _ := strNumeric(string(v), true)
		return f
	case lua.LBool:
		if v {
			return 1
		}
	case *lua.LTable:
		if Truthy(v) {
			return 1
		}
	}
	return 0
}

func numberFormat(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "number_format", 1, 4)
	f := a.float(1, "num")
	decimals := int(max(0, min(a.optInt(2, "decimals", 0), 1000)))
	point := a.optStr(3, "decimal_separator", ".")
	sep := a.optStr(4, "thousands_separator", ",")
	f = strRound(f, decimals)
	neg := f < 0
	f = math.Abs(f)
	if math.IsNaN(f) {
		return strPushString(L, "nan")
	}
	if math.IsInf(f, 0) {
		if neg {
			return strPushString(L, "-inf")
		}
		return strPushString(L, "inf")
	}
	s := strconv.FormatFloat(f, 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg && f != 0 {
		b.WriteByte('-')
	}
	for i := 0; i < len(intPart); i++ {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteByte(intPart[i])
	}
	if decimals > 0 {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return strPushString(L, b.String())
}

// strRound is PHP 8.2's round() with PHP_ROUND_HALF_UP (half away from
// zero). Like PHP, it first rounds to the 15 significant digits a double
// holds, so that round(1.955, 2) is 1.96 although 1.955 is stored as
// 1.95499999...
func strRound(v float64, places int) float64 {
	return strRoundMode(v, places, strRoundHalfUp)
}

// PHP's rounding modes (PHP_ROUND_*).
const (
	strRoundHalfUp   = 1
	strRoundHalfDown = 2
	strRoundHalfEven = 3
	strRoundHalfOdd  = 4
)

func strRoundMode(v float64, places, mode int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	precisionPlaces := 14 - int(math.Floor(math.Log10(math.Abs(v))))
	var tmp float64
	if precisionPlaces > places && precisionPlaces-15 < places {
		use := max(precisionPlaces, -60)
		tmp = strRoundHelper(strScale(v, use), mode)
		shift := max(-60, places-use)
		tmp /= strPow10(-shift)
	} else {
		tmp = strScale(v, places)
		if math.Abs(tmp) >= 1e15 {
			return v
		}
	}
	if math.Abs(tmp-strRoundHelper(tmp, mode)) >= 1e-15 {
		tmp = strRoundHelper(tmp, mode)
	}
	if absInt(places) < 23 {
		if places > 0 {
			return tmp / strPow10(places)
		}
		return tmp * strPow10(-places)
	}
	r, err := strconv.ParseFloat(fmt.Sprintf("%15fe%d", tmp, -places), 64)
	if err != nil || math.IsInf(r, 0) || math.IsNaN(r) {
		return v
	}
	return r
}

// strScale multiplies by 10^places (divides for negative places).
func strScale(v float64, places int) float64 {
	if places >= 0 {
		return v * strPow10(places)
	}
	return v / strPow10(-places)
}

func strPow10(n int) float64 {
	if n < 0 || n > 22 {
		return math.Pow(10, float64(n))
	}
	return math.Pow10(n)
}

// strRoundHelper rounds to an integer by a PHP rounding mode.
func strRoundHelper(v float64, mode int) float64 {
	switch mode {
	case strRoundHalfDown:
		if v >= 0 {
			return math.Ceil(v - 0.5)
		}
		return math.Floor(v + 0.5)
	case strRoundHalfEven, strRoundHalfOdd:
		r := math.Round(v)
		if math.Abs(v-math.Trunc(v)) == 0.5 {
			even := math.Mod(math.Trunc(v), 2) == 0
			if (mode == strRoundHalfEven) == even {
				return math.Trunc(v)
			}
			return math.Trunc(v) + math.Copysign(1, v)
		}
		return r
	}
	if v >= 0 {
		return math.Floor(v + 0.5)
	}
	return math.Ceil(v - 0.5)
}
