package script

import (
	"strings"
	"testing"
)

// The examples of https://bitop.luajit.org/api.html, each with the result
// the page gives, plus the semantics page's edge cases (normalisation to
// signed 32 bits, counts mod 32, rounding of fractions as LuaJIT rounds).
func TestBitLuaJITExamples(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		// bit.tobit
		{"bit.tobit(0xffffffff)", "-1"},
		{"bit.tobit(0xffffffff + 1)", "0"},
		{"bit.tobit(2^40 + 1234)", "1234"},
		{"bit.tobit(0x7fffffff + 1)", "-2147483648"},
		{"bit.tobit(-1)", "-1"},
		{"bit.tobit(2^32 + 2^31)", "-2147483648"},
		// bit.tohex
		{"bit.tohex(1)", "00000001"},
		{"bit.tohex(-1)", "ffffffff"},
		{"bit.tohex(0xffffffff)", "ffffffff"},
		{"bit.tohex(-1, -4)", "FFFF"},
		{"bit.tohex(0x21, 4)", "0021"},
		{"bit.tohex(0x87654321, 4)", "4321"},
		{"bit.tohex(255, -4)", "00FF"},
		{"bit.tohex(0x1234, 0)", ""},
		{"bit.tohex(0x12345678, 12)", "12345678"},
		{"bit.tohex(0x12345678, -12)", "12345678"},
		{"bit.tohex(0xabcdef, -8)", "00ABCDEF"},
		{"bit.tohex(1, -2^31)", "00000001"},
		// bit.bnot
		{"bit.bnot(0)", "-1"},
		{"bit.tohex(bit.bnot(0))", "ffffffff"},
		{"bit.bnot(0x12345678)", "-305419897"},
		{"bit.tohex(bit.bnot(0x12345678))", "edcba987"},
		// bit.bor, bit.band, bit.bxor
		{"bit.bor(1, 2, 4, 8)", "15"},
		{"bit.tohex(bit.band(0x12345678, 0xff))", "00000078"},
		{"bit.tohex(bit.bxor(0xa5a5f0f0, 0xaa55ff00))", "0ff00ff0"},
		{"bit.band(0xff)", "255"},
		{"bit.band(-1, 0xff00, 0x0ff0)", "3840"},
		{"bit.bxor(1, 3, 7, 15)", "10"},
		{"bit.bor(0x80000000)", "-2147483648"},
		// shifts
		{"bit.lshift(1, 0)", "1"},
		{"bit.lshift(1, 8)", "256"},
		{"bit.lshift(1, 40)", "256"},
		{"bit.rshift(256, 8)", "1"},
		{"bit.rshift(-256, 8)", "16777215"},
		{"bit.arshift(256, 8)", "1"},
		{"bit.arshift(-256, 8)", "-1"},
		{"bit.tohex(bit.lshift(0x87654321, 12))", "54321000"},
		{"bit.tohex(bit.rshift(0x87654321, 12))", "00087654"},
		{"bit.tohex(bit.arshift(0x87654321, 12))", "fff87654"},
		{"bit.arshift(0x87654321, 12) == bit.tobit(0xfff87654)", "true"},
		{"bit.lshift(1, 31)", "-2147483648"},
		{"bit.lshift(1, 32)", "1"},
		{"bit.lshift(1, -1)", "-2147483648"},
		{"bit.rshift(-1, 32)", "-1"},
		{"bit.rshift(-1, 31)", "1"},
		{"bit.arshift(-1, 31)", "-1"},
		// rotations and byte swap
		{"bit.tohex(bit.rol(0x12345678, 12))", "45678123"},
		{"bit.tohex(bit.ror(0x12345678, 12))", "67812345"},
		{"bit.tohex(bit.rol(0x12345678, 44))", "45678123"},
		{"bit.tohex(bit.ror(0x12345678, 0))", "12345678"},
		{"bit.rol(0x80000000, 1)", "1"},
		{"bit.tohex(bit.bswap(0x12345678))", "78563412"},
		{"bit.tohex(bit.bswap(0x78563412))", "12345678"},
		{"bit.bswap(0xff)", "-16777216"},
		// normalisation of inputs: fractions round to nearest even (the
		// 2^52+2^51 trick), numeric strings are numbers
		{"bit.tobit(1.5)", "2"},
		{"bit.tobit(2.5)", "2"},
		{"bit.tobit(-1.5)", "-2"},
		{"bit.tobit(0.4)", "0"},
		{"bit.tobit('0x10')", "16"},
		{"bit.tobit(' 12 ')", "12"},
		{"bit.band('255', 0x0f)", "15"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			out := packMustRun(t, "echo(tostring("+tc.expr+"))")
			if out != tc.want {
				t.Errorf("%s = %s, want %s", tc.expr, out, tc.want)
			}
		})
	}
}

// Misuse raises LuaBitOp's message.
func TestBitErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"bit.band()", "bad argument #1 to 'band' (number expected, got no value)"},
		{"bit.tobit(nil)", "bad argument #1 to 'tobit' (number expected, got nil)"},
		{"bit.bor(1, 'x')", "bad argument #2 to 'bor' (number expected, got string)"},
		{"bit.lshift(1)", "bad argument #2 to 'lshift' (number expected, got no value)"},
		{"bit.tohex(1, nil)", "bad argument #2 to 'tohex' (number expected, got nil)"},
		{"bit.bxor(1, 2, {})", "bad argument #3 to 'bxor' (number expected, got table)"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			out := packMustRun(t, `local ok, err = pcall(function() return `+tc.expr+` end)
				echo(tostring(ok), " ", (tostring(err):gsub("^[^:]*:%d+: ", "")))`)
			if want := "false " + tc.want; out != want {
				t.Errorf("got %q, want %q", out, want)
			}
		})
	}
}

// bit is a global and what require("bit") returns, as under LuaJIT; every
// function the API page lists is there.
func TestBitModule(t *testing.T) {
	out := packMustRun(t, `
		local b = require("bit")
		echo(tostring(b == bit), "\n")
		local names = {}
		for k, v in pairs(bit) do names[#names + 1] = k .. ":" .. type(v) end
		table.sort(names)
		echo(table.concat(names, " "))`)
	want := "true\narshift:function band:function bnot:function bor:function bswap:function bxor:function " +
		"lshift:function rol:function ror:function rshift:function tobit:function tohex:function"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	// And through the real CLI.
	got, errOut, status := runLua(t, `echo(bit.tohex(bit.bswap(0x12345678)), require("bit") == bit and " same" or " different")`)
	if status != 0 || strings.TrimSpace(got) != "78563412 same" {
		t.Errorf("got %q (status %d, stderr %q)", got, status, errOut)
	}
}
