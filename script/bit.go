package script

import (
	"math"
	"math/bits"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The bit module is LuaJIT's BitOp (https://bitop.luajit.org/api.html), so
// scripts written for LuaJIT or for Lua 5.1 with LuaBitOp run unchanged:
// every argument is normalised to 32 bits, every result is a signed 32-bit
// number (bit.tobit(0xffffffff) == -1), shift and rotate counts are taken
// mod 32. openBinaryLibs (pack.go) installs it as the global bit and as
// package.loaded.bit.

var bitFuncs = []libFunc{
	{"tobit", bitTobit},
	{"tohex", bitTohex},
	{"bnot", bitBnot},
	{"band", bitBand},
	{"bor", bitBor},
	{"bxor", bitBxor},
	{"lshift", bitLshift},
	{"rshift", bitRshift},
	{"arshift", bitArshift},
	{"rol", bitRol},
	{"ror", bitRor},
	{"bswap", bitBswap},
}

// checkBit reads argument n as BitOp's barg does: a number, or a string Lua
// converts to one, normalised to 32 bits by adding 2^52+2^51 and keeping the
// low word, so fractions round to nearest (even) and anything in ±2^51 is
// taken mod 2^32. Anything else is LuaBitOp's error.
func (a args) checkBit(n int) uint32 {
	v := a.L.Get(n)
	var f float64
	switch x := v.(type) {
	case lua.LNumber:
		f = float64(x)
	case lua.LString:
		num, ok := luaStringToNumber(string(x))
		if !ok {
			a.bitTypeError(n, v)
		}
		f = num
	default:
		a.bitTypeError(n, v)
	}
	return uint32(math.Float64bits(f + 6755399441055744.0))
}

// bitTypeError is luaL_typerror's message, as LuaJIT words it.
func (a args) bitTypeError(n int, v lua.LValue) {
	got := "no value"
	if n <= a.L.GetTop() {
		got = v.Type().String()
	}
	a.L.RaiseError("bad argument #%d to '%s' (number expected, got %s)", n, a.fn, got)
}

// luaStringToNumber converts a string as Lua's arithmetic does (gopher-lua's
// rules: decimal, hex with 0x, surrounding spaces).
func luaStringToNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n")
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return float64(i), true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// pushBits returns a 32-bit result as LuaJIT does: signed.
func (a args) pushBits(b uint32) int {
	a.L.Push(lua.LNumber(int32(b)))
	return 1
}

// bitTobit: bit.tobit(x) -> x normalised to a signed 32-bit number
func bitTobit(a args) int { return a.pushBits(a.checkBit(1)) }

// bitBnot: bit.bnot(x) -> ~x
func bitBnot(a args) int { return a.pushBits(^a.checkBit(1)) }

// bitBswap: bit.bswap(x) -> x with its four bytes reversed
func bitBswap(a args) int { return a.pushBits(bits.ReverseBytes32(a.checkBit(1))) }

// bitTohex: bit.tohex(x[, n]) -> the low |n| hex digits of x (8 by default,
// at most 8); a negative n gives upper-case digits.
func bitTohex(a args) int {
	b := a.checkBit(1)
	n := int64(8)
	if a.L.GetTop() >= 2 {
		n = int64(int32(a.checkBit(2)))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n, digits = -n, "0123456789ABCDEF"
	}
	n = min(n, 8)
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = digits[b&15]
		b >>= 4
	}
	a.L.Push(lua.LString(out))
	return 1
}

// bitFold is band/bor/bxor: the first argument is required, any number may
// follow.
func bitFold(a args, op func(x, y uint32) uint32) int {
	b := a.checkBit(1)
	for i := 2; i <= a.L.GetTop(); i++ {
		b = op(b, a.checkBit(i))
	}
	return a.pushBits(b)
}

// bitBand: bit.band(x1[, x2...]) -> bitwise and of all arguments
func bitBand(a args) int { return bitFold(a, func(x, y uint32) uint32 { return x & y }) }

// bitBor: bit.bor(x1[, x2...]) -> bitwise or of all arguments
func bitBor(a args) int { return bitFold(a, func(x, y uint32) uint32 { return x | y }) }

// bitBxor: bit.bxor(x1[, x2...]) -> bitwise xor of all arguments
func bitBxor(a args) int { return bitFold(a, func(x, y uint32) uint32 { return x ^ y }) }

// bitShift is lshift/rshift/arshift/rol/ror: x and a count taken mod 32.
func bitShift(a args, op func(x uint32, n uint) uint32) int {
	b := a.checkBit(1)
	n := uint(a.checkBit(2) & 31)
	return a.pushBits(op(b, n))
}

// bitLshift: bit.lshift(x, n) -> x << n (logical)
func bitLshift(a args) int {
	return bitShift(a, func(x uint32, n uint) uint32 { return x << n })
}

// bitRshift: bit.rshift(x, n) -> x >> n (logical: zeros shift in)
func bitRshift(a args) int {
	return bitShift(a, func(x uint32, n uint) uint32 { return x >> n })
}

// bitArshift: bit.arshift(x, n) -> x >> n (arithmetic: the sign bit shifts in)
func bitArshift(a args) int {
	return bitShift(a, func(x uint32, n uint) uint32 { return uint32(int32(x) >> n) })
}

// bitRol: bit.rol(x, n) -> x rotated left by n
func bitRol(a args) int {
	return bitShift(a, func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, int(n)) })
}

// bitRor: bit.ror(x, n) -> x rotated right by n
func bitRor(a args) int {
	return bitShift(a, func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, -int(n)) })
}
