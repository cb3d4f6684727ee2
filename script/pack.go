package script

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"

	"sockrun/phpkit"

	lua "github.com/yuin/gopher-lua"
)

// pack and unpack are PHP 8.2's (ext/standard/pack.c), code for code: the
// same format parsing (glibc atoi for pack's counts, strtol with an
// overflow check for unpack's), the same three passes in pack (check the
// arguments, size the result, fill it), the same quirks in unpack ("@" is
// relative to the offset, "X" and "H*" move back silently, an unnamed
// element is keyed 1..n) and the same errors: ValueErrors as Lua errors with
// PHP's message, warnings on stderr with false returned.
//
// Values are converted as PHP converts a mixed argument: a Lua number is a
// PHP int when it is integral (a float otherwise), a string is read as PHP
// reads a numeric string (leading digits count, "12abc" is 12, "abc" is 0),
// nil is null, a table is an array (0 when empty, else 1; "Array" as a
// string, with PHP's warning).
//
// Precision: Lua 5.1 numbers are float64, so the 64-bit codes (q Q J P) are
// exact only up to 2^53. pack("J", 2^53 + 1) packs 2^53, and unpack of a
// 64-bit value beyond ±2^53 returns the nearest float64 (PHP returns the
// exact int). Every 32-bit and smaller code is exact.

// openBinaryLibs registers the binary-protocol helpers: the globals pack and
// unpack, and the LuaJIT BitOp module as the global table bit (also what
// require("bit") returns, as under LuaJIT).
//
// Lua 5.1 already has a global unpack (a table's elements as values), which
// scripts and sockrun's own Lua code use: the global unpack stays Lua's when
// its first argument is a table, and is PHP's otherwise (PHP's format is a
// string), so unpack(t, 2, t.n) and unpack("Nlen", data) both work.
func openBinaryLibs(rt *Runtime) {
	L := rt.L
	luaUnpack, _ := L.GetGlobal("unpack").(*lua.LFunction)
	rt.register(L.Get(lua.GlobalsIndex).(*lua.LTable), []libFunc{
		{"pack", pack},
		{"unpack", func(a args) int {
			if _, ok := a.L.Get(1).(*lua.LTable); ok && luaUnpack != nil {
				return callThrough(a.L, luaUnpack)
			}
			return unpack(a)
		}},
	}, false)
	bit := L.NewTable()
	rt.register(bit, bitFuncs, false)
	L.SetGlobal("bit", bit)
	if loaded, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable); ok {
		loaded.RawSetString("bit", bit)
	}
}

// callThrough calls fn with the running Go function's arguments and returns
// all its results.
func callThrough(L *lua.LState, fn *lua.LFunction) int {
	if fn.IsG {
		return fn.GFunction(L) // same arguments, same stack
	}
	n := L.GetTop()
	L.Push(fn)
	for i := 1; i <= n; i++ {
		L.Push(L.Get(i))
	}
	L.Call(n, lua.MultRet)
	return L.GetTop() - n
}

// packMaxOutput bounds what one pack call may allocate: PHP would stop at
// its memory_limit (128 MB by default) with a fatal error.
const packMaxOutput = 1 << 28

// packItem is one parsed format code and its count (PHP's formatcodes and
// formatargs).
type packItem struct {
	code byte
	n    int
}

// pack: pack(format, ...values) -> binary string
func pack(a args) int {
	a.count(1, -1)
	format := a.str(1, "format")
	values := make([]lua.LValue, a.L.GetTop()-1)
	for i := range values {
		values[i] = a.L.Get(i + 2)
	}
	// Strings converted while sizing a '*' count, reused when packing (PHP
	// converts that argument in place, so it warns only once).
	converted := map[int]string{}

	// Pass 1: parse the format and check the arguments.
	var items []packItem
	current := 0
	for i := 0; i < len(format); {
		code := format[i]
		i++
		n := 1
		if i < len(format) {
			if format[i] == '*' {
				n = -1
				i++
			} else if isDigit(format[i]) {
				n = cAtoi(format[i:])
				for i < len(format) && isDigit(format[i]) {
					i++
				}
			}
		}
		switch code {
		case 'x', 'X', '@':
			if n < 0 {
				a.warn("Type %c: '*' ignored", code)
				n = 1
			}
		case 'a', 'A', 'Z', 'h', 'H':
			if current >= len(values) {
				a.L.RaiseError("Type %c: not enough arguments", code)
			}
			if n < 0 {
				s := a.phpString(values[current])
				converted[current] = s
				n = len(s)
				if code == 'Z' {
					n++ // Z is always NUL-terminated: pack("Z*", "aa") is "aa\0"
				}
			}
			current++
		case 'q', 'Q', 'J', 'P', 'c', 'C', 's', 'S', 'i', 'I', 'l', 'L', 'n', 'N', 'v', 'V',
			'f', 'g', 'G', 'd', 'e', 'E':
			if n < 0 {
				n = len(values) - current
			}
			if current > math.MaxInt32-n || current+n > len(values) {
				a.L.RaiseError("Type %c: too few arguments", code)
			}
			current += n
		default:
			a.L.RaiseError("Type %c: unknown format code", code)
		}
		items = append(items, packItem{code, n})
	}
	if current < len(values) {
		a.warn("%d arguments unused", len(values)-current)
	}

	// Pass 2: the size of the result, with PHP's int overflow checks.
	pos, size := 0, 0
	grow := func(code byte, n, width int) {
		if n < 0 || (math.MaxInt32-pos)/width < n {
			a.L.RaiseError("Type %c: integer overflow in format string", code)
		}
		pos += n * width
	}
	for _, it := range items {
		switch it.code {
		case 'h', 'H':
			grow(it.code, it.n/2+it.n%2, 1)
		case 'a', 'A', 'Z', 'c', 'C', 'x':
			grow(it.code, it.n, 1)
		case 's', 'S', 'n', 'v':
			grow(it.code, it.n, 2)
		case 'i', 'I', 'l', 'L', 'N', 'V', 'f', 'g', 'G':
			grow(it.code, it.n, 4)
		case 'q', 'Q', 'J', 'P', 'd', 'e', 'E':
			grow(it.code, it.n, 8)
		case 'X':
			pos -= it.n
			if pos < 0 {
				a.warn("Type %c: outside of string", it.code)
				pos = 0
			}
		case '@':
			pos = it.n
		}
		size = max(size, pos)
	}
	if size > packMaxOutput {
		a.raise("the result would be %d bytes, more than the %d bytes sockrun allows", size, packMaxOutput)
	}

	// Pass 3: fill the result.
	out := make([]byte, size)
	pos, current = 0, 0
	next := func() lua.LValue {
		v := values[current]
		current++
		return v
	}
	for _, it := range items {
		n := it.n
		switch it.code {
		case 'a', 'A', 'Z':
			s, ok := converted[current]
			if !ok {
				s = a.phpString(values[current])
			}
			current++
			pad := byte(0)
			if it.code == 'A' {
				pad = ' '
			}
			field := out[pos : pos+n]
			for k := range field {
				field[k] = pad
			}
			limit := n
			if it.code == 'Z' {
				limit = max(0, n-1)
			}
			copy(field[:limit], s)
			pos += n
		case 'h', 'H':
			s, ok := converted[current]
			if !ok {
				s = a.phpString(values[current])
			}
			current++
			pos = a.packHex(out, pos, it.code, n, s)
		case 'c', 'C':
			for ; n > 0; n-- {
				out[pos] = byte(a.phpLong(next()))
				pos++
			}
		case 's', 'S', 'n', 'v':
			order := endianFor(it.code, 'n', 'v')
			for ; n > 0; n-- {
				order.PutUint16(out[pos:], uint16(a.phpLong(next())))
				pos += 2
			}
		case 'i', 'I', 'l', 'L', 'N', 'V':
			order := endianFor(it.code, 'N', 'V')
			for ; n > 0; n-- {
				order.PutUint32(out[pos:], uint32(a.phpLong(next())))
				pos += 4
			}
		case 'q', 'Q', 'J', 'P':
			order := endianFor(it.code, 'J', 'P')
			for ; n > 0; n-- {
				order.PutUint64(out[pos:], uint64(a.phpLong(next())))
				pos += 8
			}
		case 'f', 'g', 'G':
			order := endianFor(it.code, 'G', 'g')
			for ; n > 0; n-- {
				order.PutUint32(out[pos:], math.Float32bits(float32(a.phpDouble(next()))))
				pos += 4
			}
		case 'd', 'e', 'E':
			order := endianFor(it.code, 'E', 'e')
			for ; n > 0; n-- {
				order.PutUint64(out[pos:], math.Float64bits(a.phpDouble(next())))
				pos += 8
			}
		case 'x':
			clear(out[pos : pos+n])
			pos += n
		case 'X':
			pos = max(0, pos-n)
		case '@':
			if n > pos {
				clear(out[pos:n])
			}
			pos = n
		}
	}
	a.L.Push(lua.LString(out[:pos]))
	return 1
}

// packHex packs n hex digits of s at pos (h: low nibble first, H: high
// nibble first) and returns the position after them, as PHP does: fewer
// digits than asked is a warning and packs what there is; a non-hex
// character is a warning and packs as 0.
func (a args) packHex(out []byte, pos int, code byte, n int, s string) int {
	shift := 4
	if code == 'h' {
		shift = 0
	}
	if n > len(s) {
		a.warn("Type %c: not enough characters in string", code)
		n = len(s)
	}
	pos--
	first := true
	for k := 0; k < n; k++ {
		c := s[k]
		var nibble byte
		switch {
		case c >= '0' && c <= '9':
			nibble = c - '0'
		case c >= 'A' && c <= 'F':
			nibble = c - 'A' + 10
		case c >= 'a' && c <= 'f':
			nibble = c - 'a' + 10
		default:
			a.warn("Type %c: illegal hex digit %c", code, c)
		}
		if first {
			pos++
			out[pos] = 0
		}
		first = !first
		out[pos] |= nibble << shift
		shift = (shift + 4) & 7
	}
	return pos + 1
}

// endianFor is the byte order of a code: big for the big-endian code,
// little for the little-endian one, the machine's for the others.
func endianFor(code, big, little byte) binary.ByteOrder {
	switch code {
	case big:
		return binary.BigEndian
	case little:
		return binary.LittleEndian
	}
	return binary.NativeEndian
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// cAtoi is glibc's atoi, which pack uses for counts: strtol (saturating at
// the long range) cast to a 32-bit int, so "3000000000" is negative and
// counts as '*'.
func cAtoi(s string) int {
	var v uint64
	for i := 0; i < len(s) && isDigit(s[i]); i++ {
		v = v*10 + uint64(s[i]-'0')
		if v > math.MaxInt64 {
			v = math.MaxInt64
		}
	}
	return int(int32(int64(v)))
}

// unpack: unpack(format, string[, offset]) -> table|false
func unpack(a args) int {
	a.count(2, 3)
	format := a.str(1, "format")
	data := a.str(2, "string")
	offset := a.optInt(3, "offset", 0)
	if offset < 0 || offset > len(data) {
		a.raise("Argument #3 ($offset) must be contained in argument #2 ($data)")
	}
	input := data[offset:]
	result := a.L.NewTable()
	fail := func() int {
		a.L.Push(lua.LFalse)
		return 1
	}

	pos := 0
	for f := 0; f < len(format); {
		code := format[f]
		f++
		reps := 1
		if f < len(format) {
			if isDigit(format[f]) {
				var v int64
				for f < len(format) && isDigit(format[f]) {
					if v <= math.MaxInt32 {
						v = v*10 + int64(format[f]-'0')
					}
					f++
				}
				if v > math.MaxInt32 {
					a.warn("Type %c: integer overflow", code)
					return fail()
				}
				reps = int(v)
			} else if format[f] == '*' {
				reps = -1
				f++
			}
		}
		name := format[f:]
		if slash := strings.IndexByte(name, '/'); slash >= 0 {
			name = name[:slash]
		}
		f += len(name)
		if len(name) > 200 {
			name = name[:200]
		}
		written := reps // PHP's argb: the count as written, before the switch

		var size int
		switch code {
		case 'X':
			size = -1
			if reps < 0 {
				a.warn("Type %c: '*' ignored", code)
				reps = 1
			}
		case '@':
			size = 0
		case 'a', 'A', 'Z':
			size, reps = reps, 1
		case 'h', 'H':
			size = reps
			if reps > 0 {
				size = int((uint32(reps) + 1) / 2)
			}
			reps = 1
		case 'c', 'C', 'x':
			size = 1
		case 's', 'S', 'n', 'v':
			size = 2
		case 'i', 'I', 'l', 'L', 'N', 'V', 'f', 'g', 'G':
			size = 4
		case 'q', 'Q', 'J', 'P', 'd', 'e', 'E':
			size = 8
		default:
			a.L.RaiseError("Invalid format type %c", code)
		}

		for i := 0; i != reps; i++ {
			if size != 0 && size != -1 && math.MaxInt32-size+1 < pos {
				a.warn("Type %c: integer overflow", code)
				return fail()
			}
			if pos+size > len(input) {
				if reps < 0 {
					break // a '*' count ends with the input
				}
				a.warn("Type %c: not enough input, need %d, have %d", code, size, len(input)-pos)
				return fail()
			}
			var val lua.LValue
			switch code {
			case 'a', 'A', 'Z':
				n := len(input) - pos
				if size >= 0 && n > size {
					n = size
				}
				size = n
				s := input[pos : pos+n]
				switch code {
				case 'A':
					s = strings.TrimRight(s, "\x00 \t\r\n")
				case 'Z':
					if nul := strings.IndexByte(s, 0); nul >= 0 {
						s = s[:nul]
					}
				}
				val = lua.LString(s)
			case 'h', 'H':
				val = lua.LString(unpackHex(input[pos:], code, size, written))
			case 'c':
				val = lua.LNumber(int8(input[pos]))
			case 'C':
				val = lua.LNumber(input[pos])
			case 's':
				val = lua.LNumber(int16(binary.NativeEndian.Uint16([]byte(input[pos:]))))
			case 'S', 'n', 'v':
				val = lua.LNumber(endianFor(code, 'n', 'v').Uint16([]byte(input[pos:])))
			case 'i', 'l':
				val = lua.LNumber(int32(binary.NativeEndian.Uint32([]byte(input[pos:]))))
			case 'I', 'L', 'N', 'V':
				val = lua.LNumber(endianFor(code, 'N', 'V').Uint32([]byte(input[pos:])))
			case 'q', 'Q', 'J', 'P':
				// PHP's int is signed 64-bit whatever the code; beyond
				// ±2^53 the Lua number is the nearest float64.
				val = lua.LNumber(int64(endianFor(code, 'J', 'P').Uint64([]byte(input[pos:]))))
			case 'f', 'g', 'G':
				val = lua.LNumber(math.Float32frombits(endianFor(code, 'G', 'g').Uint32([]byte(input[pos:]))))
			case 'd', 'e', 'E':
				val = lua.LNumber(math.Float64frombits(endianFor(code, 'E', 'e').Uint64([]byte(input[pos:]))))
			case 'x':
			case 'X':
				// Dead in PHP too (pos is never below -1), kept for the record.
				if pos < size {
					pos = -size
					i = reps - 1
					if reps >= 0 {
						a.warn("Type %c: outside of string", code)
					}
				}
			case '@':
				if reps <= len(input) {
					pos = reps
				} else {
					a.warn("Type %c: outside of string", code)
				}
				i = reps - 1 // one move, whatever the count
			}
			if val != nil {
				result.RawSet(unpackKey(name, reps, i), val)
			}
			pos += size
			if pos < 0 {
				if size != -1 { // only without '*'
					a.warn("Type %c: outside of string", code)
				}
				pos = 0
			}
		}
		if f < len(format) {
			f++ // the '/'
		}
	}
	a.L.Push(result)
	return 1
}

// unpackHex is PHP's h/H unpacking: size bytes (all that is left for '*')
// as hex digits, low nibble first for h; an odd count drops the last digit.
func unpackHex(in string, code byte, size, written int) string {
	n := len(in) * 2
	if size >= 0 && n > size*2 {
		n = size * 2
	}
	if n > 0 && written > 0 {
		n -= written % 2
	}
	const digits = "0123456789abcdef"
	out := make([]byte, n)
	shift := 4
	if code == 'h' {
		shift = 0
	}
	for k := 0; k < n; k++ {
		out[k] = digits[(in[k/2]>>shift)&0xf]
		shift = (shift + 4) & 7
	}
	return string(out)
}

// unpackKey is the key of the i-th value of an element: 1..n when unnamed,
// the name for a single value, name1..nameN for several; a name that is a
// canonical decimal integer becomes an integer key, as in a PHP array.
func unpackKey(name string, reps, i int) lua.LValue {
	switch {
	case name == "":
		return lua.LNumber(i + 1)
	case reps != 1:
		name += strconv.Itoa(i + 1)
	}
	if isCanonicalInt(name) {
		if v, err := strconv.ParseInt(name, 10, 64); err == nil {
			return lua.LNumber(v)
		}
	}
	return lua.LString(name)
}

// isCanonicalInt reports whether PHP would use the string as an integer
// array key: an optional '-', then "0" or digits without a leading zero
// ("-0" stays a string).
func isCanonicalInt(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || (digits[0] == '0' && (len(digits) > 1 || len(s) > 1)) {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return false
		}
	}
	return true
}

// phpLong converts a value as PHP's zval_get_long does.
func (a args) phpLong(v lua.LValue) int64 {
	switch v := v.(type) {
	case lua.LNumber:
		return phpDoubleToLong(float64(v))
	case lua.LString:
		return phpStringToLong(string(v))
	case lua.LBool:
		if v {
			return 1
		}
		return 0
	case *lua.LNilType:
		return 0
	case *lua.LTable:
		if k, _ := v.Next(lua.LNil); k == lua.LNil {
			return 0
		}
		return 1
	}
	a.rt.diagnostic(a.L, "Warning", "Object of class "+typeName(v)+" could not be converted to int")
	return 1
}

// phpDouble converts a value as PHP's zval_get_double does.
func (a args) phpDouble(v lua.LValue) float64 {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		f, _ := phpStrtod(string(v))
		return f
	case lua.LBool:
		if v {
			return 1
		}
		return 0
	case *lua.LNilType:
		return 0
	case *lua.LTable:
		if k, _ := v.Next(lua.LNil); k == lua.LNil {
			return 0
		}
		return 1
	}
	a.rt.diagnostic(a.L, "Warning", "Object of class "+typeName(v)+" could not be converted to float")
	return 1
}

// phpString converts a value as PHP's zval_get_string does; an integral
// number is a PHP int.
func (a args) phpString(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		f := float64(v)
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return strconv.FormatInt(int64(f), 10)
		}
		return phpkit.FloatString(f)
	case lua.LBool:
		if v {
			return "1"
		}
		return ""
	case *lua.LNilType:
		return ""
	case *lua.LTable:
		a.rt.diagnostic(a.L, "Warning", "Array to string conversion")
		return "Array"
	}
	a.L.RaiseError("Object of class %s could not be converted to string", typeName(v))
	return ""
}

// phpDoubleToLong is zend_dval_to_lval: truncation in range, modular
// arithmetic beyond it, 0 for infinities and NaN.
func phpDoubleToLong(d float64) int64 {
	switch {
	case math.IsInf(d, 0) || math.IsNaN(d):
		return 0
	case d >= math.MaxInt64 || d < math.MinInt64:
		m := math.Mod(d, 1<<64)
		if m < 0 {
			m += 1 << 64
		}
		return int64(uint64(m))
	}
	return int64(d)
}

// phpStringToLong is zval_get_long on a string: PHP's numeric-string rules
// with trailing garbage allowed; not numeric is 0; a float string (or an
// integer string beyond the int range) is capped to the int range.
func phpStringToLong(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	digits := s
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	n := 0
	for n < len(digits) && isDigit(digits[n]) {
		n++
	}
	isFloat := false
	switch {
	case n == 0:
		if len(digits) < 2 || digits[0] != '.' || !isDigit(digits[1]) {
			return 0
		}
		isFloat = true
	case n < len(digits) && digits[n] == '.':
		isFloat = true
	case n < len(digits) && (digits[n] == 'e' || digits[n] == 'E'):
		exp := digits[n+1:]
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		isFloat = exp != "" && isDigit(exp[0])
	}
	if !isFloat {
		if v, err := strconv.ParseInt(s[:len(s)-len(digits)+n], 10, 64); err == nil {
			return v
		}
	}
	f, _ := phpStrtod(s)
	switch {
	case math.IsInf(f, 0) || math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f < math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// phpStrtod reads the longest decimal float at the start of s (after
// whitespace), as zend_strtod does: no hex, no "inf" or "nan"; ok is false
// when there is none (the value is then 0).
func phpStrtod(s string) (float64, bool) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	mantissa := i - start
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			mantissa++
		}
	}
	if mantissa == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	f, _ := strconv.ParseFloat(s[:i], 64) // out of range: ±Inf or ±0, as strtod
	return f, true
}
