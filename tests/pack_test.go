package tests

import (
	"path/filepath"
	"testing"
)

// Parity test for pack() and unpack(): tests/pack/pack.php and
// tests/pack/pack.lua run every case of tests/pack/cases.txt (every format
// code, its edge values, repeaters and '*', positioning, key naming, every
// error and warning) and print one canonical transcript; php-cli's and
// sockrun's must match byte for byte, warnings included at their place
// (without "in FILE on line N").

// TestPackParity runs the twins under both interpreters.
func TestPackParity(t *testing.T) {
	t.Parallel()
	php := requireTool(t, "php")
	dir := filepath.Join(rootDir, "tests", "pack")
	want := runMerged(t, php, phpCommand(phpFlags, filepath.Join(dir, "pack.php"))...)
	got := runMerged(t, binPath, filepath.Join(dir, "pack.lua"))
	compareSections(t, want, got, 10)
}

// TestBitInBinary checks that the real binary loads the bit module as a
// global and as require("bit"), next to pack and unpack.
func TestBitInBinary(t *testing.T) {
	t.Parallel()
	r := runSockrun(t, "-e", `
		local b = require("bit")
		echo(tostring(b == bit), " ", bit.tohex(bit.bswap(0x12345678)), " ", bit.tobit(0xffffffff), " ")
		echo(unpack("Nlen/a*data", pack("Na*", 5, "hello")).data, " ", table.concat({unpack({1, 2})}, ","), "\n")`)
	if r.code != 0 || r.stdout != "true 78563412 -1 hello 1,2\n" {
		t.Errorf("status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
