package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tonumber is Lua 5.1's for every script: the same case list runs under
// lua5.1 (PUC-Rio, the reference) and sockrun, and the outputs must match.
// gopher-lua's own tonumber gave nil for "1e3" and "9223372036854775808",
// which let a 20-digit Content-Length kill http_server.lua's task.
func TestHostileTonumberMatchesLua51(t *testing.T) {
	lua51 := requireTool(t, "lua5.1")
	script := `
local function show(v)
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v then return "nan" end
  if v == 1/0 then return "inf" elseif v == -1/0 then return "-inf" end
  return string.format("%.17g", v)
end
-- An error's argument number and reason, without the function's name
-- (lua5.1 says '?' under pcall, gopher-lua "(anonymous)").
local function why(e)
  local n, reason = tostring(e):match("bad argument #(%d+) to .*(%([^()]*%))$")
  return "error #" .. tostring(n) .. " " .. tostring(reason)
end
local strings = {
  "1e3", "9223372036854775808", "99999999999999999999", "18446744073709551616",
  "0x10", "0X1p4", "0x1.8", "0x.8", "0x1.", "0x1p-2", "0x1P+3", "0xffffffffffffffffff",
  " 12 ", "\t\n12\v\f\r", "12a", "", "  ", "inf", "nan", "-inf", "Infinity", "INF", "-NaN",
  "nan(123)", "nan(", "infx", "1e999", "-1e999", "1e-999", "4.9e-324", "-0", ".5", "5.", ".",
  " +5", "+-5", "0x", "1x", "0x1x", "1\0002", "1 2", "0x-1", "- 1", "1e", "1e+", "1e+5",
  "1.5e3x", "0xG", "00012", "1_000", "\239\188\145", "12\0", "  0x1F  ", "1.7976931348623157e308",
  "2.2250738585072014e-308", "123456789012345678901234567890", "0.1", "-.5e-3", "x",
}
for i, s in ipairs(strings) do
  print(i, show(tonumber(s)))
end
local based = {
  {"ff", 16}, {"FF", 16}, {"0x10", 16}, {"0x", 16}, {"10", 2}, {"12", 2}, {"zz", 36}, {"ZZ", 36},
  {" 11 ", 2}, {"-1", 16}, {"-ff", 16}, {"ffffffffffffffffff", 16}, {"ffffffffffffffff", 16},
  {"", 16}, {"1.5", 10}, {"1e3", 10}, {"0x10", 10}, {"8", 8}, {"777", 8}, {10, 16}, {"  +7", 8},
  {"7 x", 8}, {"z", 35}, {"1\0002", 16}, {"11", "2"}, {"11", 16.9}, {"11", " 8 "}, {255, 36},
}
for i, c in ipairs(based) do
  print("base", i, show(tonumber(c[1], c[2])))
end
local bad = {{"1", 1}, {"1", 37}, {"1", 0}, {"1", -16}, {"1", "x"}, {nil, 16}, {{}, 16}, {true, 8}, {"1", {}}}
for i, c in ipairs(bad) do
  local ok, v = pcall(tonumber, c[1], c[2])
  print("bad", i, ok and show(v) or why(v))
end
print("none", why(select(2, pcall(tonumber))))
print("values", tonumber({}), tonumber(nil), tonumber(true), tonumber(12), tonumber(-0.5), tonumber("10", nil))
`
	path := filepath.Join(t.TempDir(), "tonumber.lua")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	want := runProgram(t, "", lua51, path)
	got := runSockrun(t, path)
	if want.code != 0 || got.code != 0 {
		t.Fatalf("lua5.1 status %d stderr %q; sockrun status %d stderr %q", want.code, want.stderr, got.code, got.stderr)
	}
	wantLines, gotLines := strings.Split(want.stdout, "\n"), strings.Split(got.stdout, "\n")
	if len(wantLines) != len(gotLines) {
		t.Fatalf("lua5.1 printed %d lines, sockrun %d:\n%s\n---\n%s", len(wantLines), len(gotLines), want.stdout, got.stdout)
	}
	for i := range wantLines {
		if wantLines[i] != gotLines[i] {
			t.Errorf("lua5.1: %q\nsockrun: %q", wantLines[i], gotLines[i])
		}
	}
}
