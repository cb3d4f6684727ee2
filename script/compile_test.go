package script

import "testing"

// gopher-lua compiled `a, b = b, a` to leave both equal (yuin/gopher-lua#440);
// every way code reaches the compiler now assigns as Lua 5.1 does (the
// expected values are lua5.1's).
func TestMultipleAssignment(t *testing.T) {
	const cases = `
		local a, b = 1, 2; a, b = b, a; echo(a, b, " ")
		local x, y, z = 1, 2, 3; x, y, z = z, x, y; echo(x, y, z, " ")
		local t = {1, 2}; t[1], t[2] = t[2], t[1]; echo(t[1], t[2], " ")
		local i, arr = 3, {}; i, arr[i] = i + 1, 20; echo(i, arr[3], tostring(arr[4]), " ")
		local function two() return 7, 8 end; local p, q = 0, 0; p, q = two(); echo(p, q, " ")
		local u, v = 1; u, v = v, u; echo(tostring(u), v, " ")
		local m, n = 1, 2; local function swap() m, n = n, m end; swap(); echo(m, n, " ")
		local k, l = 1, 2; k, l = l, k, print("extra values are evaluated"); echo(k, l, " ")
	`
	want := "21 312 21 420nil 78 nil1 21 extra values are evaluated\n21 "
	if got := mustRun(t, cases); got != want {
		t.Errorf("script: got %q, want %q", got, want)
	}
	for _, loader := range []string{
		`loadstring(code)()`,
		`load(function() local c = code; code = nil; return c end)()`,
		`local f = os.tmpname(); local h = io.open(f, "w"); h:write(code); h:close(); dofile(f); os.remove(f)`,
		`local f = os.tmpname(); local h = io.open(f, "w"); h:write(code); h:close(); loadfile(f)(); os.remove(f)`,
		`local d = os.tmpname(); os.remove(d); os.execute("mkdir " .. d); local h = io.open(d .. "/swapmod.lua", "w"); h:write(code); h:close(); package.path = d .. "/?.lua;" .. package.path; require("swapmod"); os.execute("rm -r " .. d)`,
	} {
		got := mustRun(t, "code = [==["+cases+"]==]\n"+loader)
		if got != want {
			t.Errorf("%s: got %q, want %q", loader, got, want)
		}
	}
}
