package phpkit

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// valHost is a Host for unit tests: buffers for the streams, a recorded
// error level.
type valHost struct {
	in          io.Reader
	out, errOut bytes.Buffer
	level       int
	path        string
}

func (h *valHost) Stdin() io.Reader  { return h.in }
func (h *valHost) Stdout() io.Writer { return &h.out }
func (h *valHost) Stderr() io.Writer { return &h.errOut }
func (h *valHost) Diagnostic(L *lua.LState, level int, msg string) {
	if h.level&level != 0 {
		h.errOut.WriteString(msg + "\n")
	}
}
func (h *valHost) ErrorReporting() int                { return h.level }
func (h *valHost) SetErrorReporting(level int)        { h.level = level }
func (h *valHost) ScriptPath() string                 { return h.path }
func (h *valHost) Sleep(L *lua.LState, s float64) int { return 0 }

func valRun(t *testing.T, stdin, code string) *valHost {
	t.Helper()
	h := &valHost{in: strings.NewReader(stdin), level: EAll, path: "/srv/app/main.lua"}
	L := lua.NewState()
	defer L.Close()
	Open(L, h)
	L.SetGlobal("echo", L.NewFunction(func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			h.out.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		return 0
	}))
	if err := L.DoString(code); err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return h
}

// The expected texts are what php-cli 8.2 prints for the same doubles.
func TestValRepr(t *testing.T) {
	cases := map[float64]string{
		0.1: "0.1", 1.5: "1.5", 1e100: "1.0E+100", 1.5e-7: "1.5E-7", 0.0001: "0.0001",
		0.00001: "1.0E-5", 1e16: "10000000000000000", 1.5e17: "1.5E+17", 1.0 / 3: "0.3333333333333333",
		0.30000000000000004: "0.30000000000000004", math.Copysign(0, -1): "-0", math.Inf(-1): "-INF", 2.5e-300: "2.5E-300",
	}
	for f, want := range cases {
		if got := valRepr(f, 'E'); got != want {
			t.Errorf("valRepr(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestValKeysAndPaths(t *testing.T) {
	for s, want := range map[string]bool{"5": true, "-7": true, "0": true, "05": false, "-0": false, "1.5": false, "": false, " 1": false, "9223372036854775808": false} {
		if _, ok := valIntString(s); ok != want {
			t.Errorf("valIntString(%q) = %v, want %v", s, ok, want)
		}
	}
	for p, want := range map[string]string{"/a/b/c.txt": "/a/b", "/a/b/": "/a", "a": ".", "/": "/", "": "", "//a//b//": "//a", "/a": "/"} {
		if got := valDirname(p); got != want {
			t.Errorf("valDirname(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestValKit(t *testing.T) {
	h := valRun(t, "line one\nline two\n", `
		echo(fgets(STDIN), json_encode(array{b = 1, a = {1, 2}}), "\n")
		echo(error_reporting(0), " ", error_reporting(), " ", __FILE__, " ", __DIR__, "\n")
		local t = {"x", "y"} array_push(t, "z") echo(table.concat(t, ","), " ", array_shift(t), " ", #t, "\n")
		local ok, t2 = ksort(array{b = 1, a = 2}) echo(json_encode(t2), "\n")
		print_r({"a", k = {true}})`)
	want := "line one\n{\"b\":1,\"a\":[1,2]}\n32767 0 /srv/app/main.lua /srv/app\nx,y,z x 2\n{\"a\":2,\"b\":1}\n" +
		"Array\n(\n    [0] => a\n    [k] => Array\n        (\n            [0] => 1\n        )\n\n)\n"
	if h.out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", h.out.String(), want)
	}
	if h.level != 0 {
		t.Errorf("error_reporting(0) left level %d", h.level)
	}
}
