package script

// Argument conversion as PHP does it: number strings and int arguments.

import (
	"strings"
	"testing"

	"sockrun/phpkit"
)

// Numbers become strings as PHP converts them.
func TestPHPNumberString(t *testing.T) {
	for in, want := range map[float64]string{
		12345: "12345", 1.5: "1.5", -3: "-3", 0.1: "0.1", 1e25: "1.0E+25", 1.0 / 3: "0.33333333333333",
	} {
		if got := phpkit.NumberString(in); got != want {
			t.Errorf("phpkit.NumberString(%v) = %q, want %q", in, got, want)
		}
	}
}

// PHP's non-strict int parameters: integral numbers, numeric strings and
// booleans pass; fractions truncate with a deprecation notice; others fail.
func TestIntArguments(t *testing.T) {
	out, errOut, status := runLua(t, `
		local s = socket_create(AF_INET, SOCK_STREAM, 0)
		echo(tostring(socket_listen(s, "5")), tostring(socket_listen(s, " 7 ")), tostring(socket_listen(s, true)), "\n")
		echo(tostring(socket_listen(s, 1.5)), "\n")
		for _, bad in ipairs({"abc", "5abc", {}, 1/0}) do
		  local ok, err = pcall(socket_listen, s, bad)
		  echo(err:gsub("^[^:]*:%d+: ", ""), "\n")
		end
		local ok, err = pcall(socket_create, AF_INET, SOCK_STREAM)
		echo(err:gsub("^[^:]*:%d+: ", ""), "\n")
		ok, err = pcall(socket_close, s, 1)
		echo(err:gsub("^[^:]*:%d+: ", ""), "\n")
		ok, err = pcall(socket_getsockname)
		echo(err:gsub("^[^:]*:%d+: ", ""), "\n")
	`)
	want := strings.Join([]string{
		"truetruetrue",
		"true",
		"socket_listen(): Argument #2 ($backlog) must be of type int, string given",
		"socket_listen(): Argument #2 ($backlog) must be of type int, string given",
		"socket_listen(): Argument #2 ($backlog) must be of type int, table given",
		"socket_listen(): Argument #2 ($backlog) must be of type int, number given",
		"socket_create() expects exactly 3 arguments, 2 given",
		"socket_close() expects exactly 1 argument, 2 given",
		"socket_getsockname() expects exactly 1 argument, 0 given",
	}, "\n") + "\n"
	if status != 0 || out != want {
		t.Fatalf("status %d, got:\n%s\nwant:\n%s\nstderr:\n%s", status, out, want, errOut)
	}
	if !strings.Contains(errOut, "Deprecated: Implicit conversion from float 1.5 to int loses precision in -e on line 4") {
		t.Errorf("stderr %q lacks the deprecation notice for 1.5", errOut)
	}
}
