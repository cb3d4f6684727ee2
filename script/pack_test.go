package script

import (
	"math"
	"strings"
	"testing"

	"sockrun/phpkit"
)

// packLua runs a chunk with pack, unpack and bit loaded (openBinaryLibs is
// called here as well, so these tests do not depend on openLibs) and returns
// stdout, stderr and the exit status.
func packLua(t *testing.T, code string) (string, string, int) {
	t.Helper()
	var out, errOut strings.Builder
	rt := mustNew(Options{Stdout: &out, Stderr: &errOut})
	defer rt.Close()
	openBinaryLibs(rt)
	status := rt.RunSource([]byte(code), "-e", nil)
	return out.String(), errOut.String(), status
}

// packMustRun runs a chunk that must end normally with nothing on stderr.
func packMustRun(t *testing.T, code string) string {
	t.Helper()
	out, errOut, status := packLua(t, code)
	if status != 0 || errOut != "" {
		t.Fatalf("status %d; stdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	return out
}

// packHexLua is a Lua helper that renders a string as hex.
const packHexLua = `
local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end
`

// Every integer code packs what PHP packs (values PHP would pass as ints).
func TestPackCodes(t *testing.T) {
	for _, tc := range []struct{ call, want string }{
		{`pack("a5", "abc")`, "6162630000"},
		{`pack("A5", "abc")`, "6162632020"},
		{`pack("Z5", "abc")`, "6162630000"},
		{`pack("Z*", "ab")`, "616200"},
		{`pack("Z2", "ab")`, "6100"},
		{`pack("a*", "")`, ""},
		{`pack("H*", "1aF")`, "1af0"},
		{`pack("h*", "1aF")`, "a10f"},
		{`pack("c", -1)`, "ff"},
		{`pack("C*", 1, 255, 256)`, "01ff00"},
		{`pack("s", -2)`, "feff"},
		{`pack("S", 0x1234)`, "3412"},
		{`pack("n", 0x1234)`, "1234"},
		{`pack("v", 0x1234)`, "3412"},
		{`pack("i", -2)`, "feffffff"},
		{`pack("I", 0xffffffff)`, "ffffffff"},
		{`pack("l", -2)`, "feffffff"},
		{`pack("L", 0x12345678)`, "78563412"},
		{`pack("N", 0x12345678)`, "12345678"},
		{`pack("V", 0x12345678)`, "78563412"},
		{`pack("N", -1)`, "ffffffff"},
		{`pack("N", 2^32 + 5)`, "00000005"},
		{`pack("q", -2)`, "feffffffffffffff"},
		{`pack("Q", 2^53 - 1)`, "ffffffffffff1f00"},
		{`pack("J", 2^53 - 1)`, "001fffffffffffff"},
		{`pack("P", 258)`, "0201000000000000"},
		{`pack("J", -2^63)`, "8000000000000000"},
		{`pack("f", 1.5)`, "0000c03f"},
		{`pack("g", 1.5)`, "0000c03f"},
		{`pack("G", 1.5)`, "3fc00000"},
		{`pack("d", 0.1)`, "9a9999999999b93f"},
		{`pack("e", 0.1)`, "9a9999999999b93f"},
		{`pack("E", 0.1)`, "3fb999999999999a"},
		{`pack("x3")`, "000000"},
		{`pack("NX2n", 0x11223344, 0x5566)`, "11225566"},
		{`pack("C@3C", 1, 2)`, "01000002"},
		{`pack("N@2", 0x11223344)`, "1122"},
		{`pack("n", "0x10")`, "0000"},   // PHP reads no hex
		{`pack("n", " 12abc")`, "000c"}, // leading digits count
		{`pack("n", "1e3")`, "03e8"},
		{`pack("n", true)`, "0001"},
		{`pack("n", nil)`, "0000"},
		{`pack("a*", 1.5)`, "312e35"},
		{`pack("a*", 12)`, "3132"},
		{`pack("a*", 1e25)`, "312e30452b3235"},
	} {
		t.Run(tc.call, func(t *testing.T) {
			out := packMustRun(t, packHexLua+`echo(hex(`+tc.call+`))`)
			if out != tc.want {
				t.Errorf("%s = %s, want %s", tc.call, out, tc.want)
			}
		})
	}
}

// unpack builds PHP's keys: unnamed 1..n, a name for one value, name1..nameN
// for several, canonical integers as integer keys.
func TestUnpackKeys(t *testing.T) {
	out := packMustRun(t, `
		local function dump(t)
		  local keys = {}
		  for k in pairs(t) do keys[#keys + 1] = k end
		  table.sort(keys, function(a, b)
		    if type(a) ~= type(b) then return type(a) == "number" end
		    return a < b
		  end)
		  local parts = {}
		  for _, k in ipairs(keys) do parts[#parts + 1] = type(k) .. ":" .. tostring(k) .. "=" .. tostring(t[k]) end
		  echo(table.concat(parts, " "), "\n")
		end
		dump(unpack("Nlen/a*data", "\0\0\0\5hello"))
		dump(unpack("C*", "\1\2\3"))
		dump(unpack("C2chars/nint", "\1\2\3\4"))
		dump(unpack("C2-1/C", "\1\2\3"))
		dump(unpack("C-0/C01", "\1\2"))
		dump(unpack("C/C", "\1\2"))
		dump(unpack("@1/C", "\1\2", 0))
		dump(unpack("C", "\1\2", 1))
	`)
	want := `string:data=hello string:len=5
number:1=1 number:2=2 number:3=3
string:chars1=1 string:chars2=2 string:int=772
number:-12=2 number:-11=1 number:1=3
number:1=2 string:-0=1
number:1=2
number:1=2
number:1=2
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

// Misuse raises PHP's ValueError and TypeError messages; a short input
// warns and returns false.
func TestPackErrors(t *testing.T) {
	for _, tc := range []struct{ call, want string }{
		{`pack("Y", 1)`, "Type Y: unknown format code"},
		{`pack("a")`, "Type a: not enough arguments"},
		{`pack("N2", 1)`, "Type N: too few arguments"},
		{`pack("x2147483647x")`, "Type x: integer overflow in format string"},
		{`pack()`, "pack() expects at least 1 argument, 0 given"},
		{`pack({})`, "pack(): Argument #1 ($format) must be of type string, table given"},
		{`pack("a*", io.stdout)`, "Object of class userdata could not be converted to string"},
		{`pack("@999999999")`, "pack(): the result would be 999999999 bytes, more than the 268435456 bytes sockrun allows"},
		{`unpack("Y", "x")`, "Invalid format type Y"},
		{`unpack("N")`, "unpack() expects at least 2 arguments, 1 given"},
		{`unpack("N", "abcd", 5)`, "unpack(): Argument #3 ($offset) must be contained in argument #2 ($data)"},
		{`unpack("N", "abcd", -1)`, "unpack(): Argument #3 ($offset) must be contained in argument #2 ($data)"},
		{`unpack("N", "abcd", "x")`, "unpack(): Argument #3 ($offset) must be of type int, string given"},
		{`unpack("N", {})`, "unpack(): Argument #2 ($string) must be of type string, table given"},
	} {
		t.Run(tc.call, func(t *testing.T) {
			out := packMustRun(t, `local ok, err = pcall(function() return `+tc.call+` end)
				echo(tostring(ok), " ", (tostring(err):gsub("^[^:]*:%d+: ", "")))`)
			if want := "false " + tc.want; out != want {
				t.Errorf("got %q, want %q", out, want)
			}
		})
	}
}

// Warnings are PHP's, on stderr with the script's line.
func TestPackWarnings(t *testing.T) {
	out, errOut, status := packLua(t, packHexLua+`
echo(hex(pack("N", 1, 2)), "\n")
echo(hex(pack("H5", "ab")), "\n")
echo(hex(pack("H*", "xz")), "\n")
echo(hex(pack("X")), "\n")
echo(hex(pack("@*")), "\n")
echo(hex(pack("a*", {})), "\n")
echo(tostring(unpack("N", "ab")), "\n")
echo(tostring(unpack("C99999999999", "ab")), "\n")
echo(tostring(next(unpack("@3", "ab"))), "\n")
echo(hex(pack("C", io.stdout)), "\n")`)
	if status != 0 {
		t.Fatalf("status %d; stderr:\n%s", status, errOut)
	}
	if want := "00000001\nab\n00\n\n00\n4172726179\nfalse\nfalse\nnil\n01\n"; out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	want := `Warning: pack(): 1 arguments unused in -e on line 6
Warning: pack(): Type H: not enough characters in string in -e on line 7
Warning: pack(): Type H: illegal hex digit x in -e on line 8
Warning: pack(): Type H: illegal hex digit z in -e on line 8
Warning: pack(): Type X: outside of string in -e on line 9
Warning: pack(): Type @: '*' ignored in -e on line 10
Warning: Array to string conversion in -e on line 11
Warning: unpack(): Type N: not enough input, need 4, have 2 in -e on line 12
Warning: unpack(): Type C: integer overflow in -e on line 13
Warning: unpack(): Type @: outside of string in -e on line 14
Warning: Object of class userdata could not be converted to int in -e on line 15
`
	if errOut != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
}

// The global unpack is still Lua 5.1's for a table, so existing scripts (and
// sockrun's own task-aware pcall) keep working.
func TestUnpackStaysLuaForTables(t *testing.T) {
	out := packMustRun(t, `
		echo(table.concat({unpack({1, 2, 3})}, ","), "\n")
		echo(table.concat({unpack({1, 2, 3}, 2)}, ","), "\n")
		echo(select("#", unpack({1, nil, 3}, 1, 3)), "\n")
		echo(select("#", unpack({})), "\n")
		local t = unpack("n", "\0\7")
		echo(t[1], "\n")
		local ok, a, b = pcall(function() return unpack({"x", "y"}) end)
		echo(tostring(ok), a, b, "\n")`)
	if want := "1,2,3\n2,3\n3\n0\n7\ntruexy\n"; out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	// Through the real CLI, where openLibs loads the library before the
	// task-aware pcall captures unpack.
	out, errOut, status := runLua(t, `
		local ok, a, b, c = pcall(function() return unpack({1, 2, 3}) end)
		echo(tostring(ok), a, b, c, " ", unpack("N", "\0\0\1\0")[1], "\n")`)
	if status != 0 || out != "true123 256\n" {
		t.Errorf("got %q (status %d, stderr %q)", out, status, errOut)
	}
}

// Lua numbers are float64: the 64-bit codes are exact up to 2^53 only.
func TestPack64BitPrecision(t *testing.T) {
	out := packMustRun(t, packHexLua+`
		echo(hex(pack("J", 2^53 + 1)), "\n")              -- 2^53+1 is 2^53 in Lua
		echo(hex(pack("J", 2^63)), "\n")                  -- PHP's modular conversion of the float 2^63
		echo(hex(pack("J", 2^64 + 2^12)), "\n")
		echo(string.format("%d", unpack("J", "\0\32\0\0\0\0\0\1")[1]), "\n") -- 2^53+1: the nearest float
		echo(tostring(unpack("J", "\127\255\255\255\255\255\255\255")[1] == 2^63), "\n") -- 2^63-1 is 2^63
		echo(string.format("%d", unpack("Q", string.rep("\255", 8))[1]), "\n") -- PHP's int is signed
		echo(string.format("%d", unpack("q", "\0\0\0\0\0\0\0\128")[1]), "\n")`)
	want := "0020000000000000\n8000000000000000\n0000000000001000\n9007199254740992\n" +
		"true\n-1\n-9223372036854775808\n"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

// unpack(pack(...)) returns the values.
func TestPackRoundTrip(t *testing.T) {
	out := packMustRun(t, `
		local data = pack("nvNVcCsSlLqQJPfdgGeEa4A4Z4H4h4", 1, 2, 3, 4, -5, 6, -7, 8, -9, 10, -11, 12, 13, 14,
		  1.5, 2.25, 3.5, 4.75, 5.5, 6.25, "ab", "cd", "ef", "12ab", "34cd")
		local t = unpack("nn/vv/NN/VV/cc/CC/ss/SS/ll/LL/qq/QQ/JJ/PP/ff/dd/gg/GG/ee/EE/a4a/A4A/Z4Z/H4H/h4h", data)
		local keys = {"n", "v", "N", "V", "c", "C", "s", "S", "l", "L", "q", "Q", "J", "P", "f", "d", "g", "G", "e", "E", "a", "A", "Z", "H", "h"}
		local parts = {}
		for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. tostring(t[k]) end
		echo(table.concat(parts, " "), " ", #data)`)
	want := "n=1 v=2 N=3 V=4 c=-5 C=6 s=-7 S=8 l=-9 L=10 q=-11 Q=12 J=13 P=14 " +
		"f=1.5 d=2.25 g=3.5 G=4.75 e=5.5 E=6.25 a=ab\x00\x00 A=cd Z=ef H=12ab h=34cd 110"
	if out != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
}

// PHP's conversions of mixed values, checked directly.
func TestPHPConversions(t *testing.T) {
	for in, want := range map[string]int64{
		"12": 12, " \t\n\r\v\f12": 12, "12 ": 12, "12abc": 12, "+5": 5, "-0012": -12, "abc": 0, "": 0,
		"0x1A": 0, "--5": 0, "1e3": 1000, "1e": 1, "1e+": 1, ".5": 0, "-.5e1": -5, "1.9e1abc": 19,
		"9223372036854775807": math.MaxInt64, "9223372036854775808": math.MaxInt64,
		"-9223372036854775808": math.MinInt64, "-9223372036854775809": math.MinInt64,
		"1e20": math.MaxInt64, "-1e20": math.MinInt64, "1e999": 0, "\x0012": 0, "12\x0034": 12,
	} {
		if got := phpStringToLong(in); got != want {
			t.Errorf("phpStringToLong(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]float64{
		"1.5": 1.5, " 12": 12, ".5": 0.5, "1.": 1, "-.5e1": -5, "1e": 1, "1e2.5": 100, "0x10": 0,
		"inf": 0, "nan": 0, "abc": 0, "1e999": math.Inf(1), "-1e999": math.Inf(-1), "4.9e-324": 5e-324,
	} {
		if got, _ := phpStrtod(in); got != want {
			t.Errorf("phpStrtod(%q) = %v, want %v", in, got, want)
		}
	}
	if got, _ := phpStrtod("-0"); got != 0 || !math.Signbit(got) {
		t.Errorf("phpStrtod(-0) = %v, want -0", got)
	}
	for in, want := range map[float64]int64{
		1.9: 1, -1.9: -1, 1e20: 0x6BC75E2D63100000, -1e19: 0x7538DCFB76180000, 1 << 63: math.MinInt64,
		1 << 64: 0, math.Inf(1): 0, math.NaN(): 0,
	} {
		if got := phpDoubleToLong(in); got != want {
			t.Errorf("phpDoubleToLong(%v) = %#x, want %#x", in, got, want)
		}
	}
	for in, want := range map[float64]string{
		0.1: "0.1", 1.5: "1.5", -2.5e-7: "-2.5E-7", 1e25: "1.0E+25", 1e14: "1.0E+14", 123456.789: "123456.789",
		1.0 / 3: "0.33333333333333", 0.0001: "0.0001", 0.00001: "1.0E-5", 1e100: "1.0E+100",
		math.Copysign(0, -1): "-0", math.Inf(-1): "-INF", math.NaN(): "NAN", 1.25e15: "1.25E+15",
		99999999999999.5: "1.0E+14", 12345678901234.5: "12345678901234",
	} {
		if got := phpkit.FloatString(in); got != want {
			t.Errorf("phpkit.FloatString(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]int{
		"5": 5, "0012": 12, "2147483647": 2147483647, "2147483648": -2147483648, "3000000000": -1294967296,
		"99999999999": 1215752191, "99999999999999999999": -1, "7x": 7,
	} {
		if got := cAtoi(in); got != want {
			t.Errorf("cAtoi(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]bool{
		"0": true, "1": true, "-1": true, "10": true, "": false, "-": false, "-0": false, "01": false,
		"1a": false, " 1": false, "+1": false,
	} {
		if got := isCanonicalInt(in); got != want {
			t.Errorf("isCanonicalInt(%q) = %v, want %v", in, got, want)
		}
	}
}
