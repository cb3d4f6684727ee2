package script

import (
	"strings"
	"testing"
	"time"
)

func TestLimitParseAndFormatSize(t *testing.T) {
	for in, want := range map[string]int64{
		"512M": 512 << 20, "2G": 2 << 30, "2GiB": 2 << 30, "64mb": 64 << 20, "1T": 1 << 40,
		"1.5K": 1536, "4096": 4096, " 8M ": 8 << 20,
	} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "M", "12x", "1e30G", "NaN"} {
		if got, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", bad, got)
		}
	}
	for n, want := range map[int64]string{
		64 << 20: "64 MiB", 2 << 30: "2 GiB", 1536: "1.5 KiB", 3 << 29: "1.5 GiB", 100: "100 bytes",
		12341892 << 10: "11.8 GiB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// Calls that would allocate past the bound at once raise at the script's
// line; small ones are not checked.
func TestLimitCheckedAllocations(t *testing.T) {
	defer SetMemoryLimit(MemoryLimit())
	SetMemoryLimit(MemoryInUse() + 256<<20)
	out := mustRun(t, `
		print(pcall(string.rep, "x", 2^40))
		print(#string.rep("ab", 1000))
		local s = string.rep("x", 2^20)
		local t = {} for i = 1, 1000 do t[i] = s end
		print(pcall(table.concat, t))
		print(#string.format("%5d|%-3s", 1, "a"))
	`)
	for _, want := range []string{
		"false\t-e:2: string.rep: 1099511627776 bytes at once would exceed the memory limit of",
		"2000\n",
		"false\t-e:6: table.concat: 1048576000 bytes at once would exceed the memory limit of",
		"9\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// string.byte and unpack of hundreds of thousands of values grow the Lua
// stack once: they took 4.5 s and 9 s (quadratic), now well under a second.
func TestLimitManyValuesLinear(t *testing.T) {
	start := time.Now()
	out := mustRun(t, `
		local s = string.rep("x", 256 * 1024)
		local t = {}
		for i = 1, 2^19 do t[i] = i end
		print(#{s:byte(1, -1)}, #{unpack(t)}, select("#", unpack(t, 2)))
	`)
	if out != "262144\t524288\t524287\n" {
		t.Fatalf("output %q", out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}
