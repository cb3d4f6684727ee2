package script

import (
	"strings"
	"testing"

	"sockrun/sock"
)

// sock.InetAton accepts what glibc's inet_aton accepts, which PHP relies on.
func TestInetAton(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1":       "127.0.0.1",
		"127.1":           "127.0.0.1",
		"10.1.2":          "10.1.0.2",
		"2130706433":      "127.0.0.1",
		"0x7f.1":          "127.0.0.1",
		"0177.0.0.1":      "127.0.0.1",
		"255.255.255.255": "255.255.255.255",
	} {
		if ip, ok := sock.InetAton(in); !ok || ip.String() != want {
			t.Errorf("sock.InetAton(%q) = %v, %v; want %s", in, ip, ok, want)
		}
	}
	for _, in := range []string{"", "localhost", "256.0.0.1", "1.2.3.4.5", "08.0.0.1", "::1", "1..2", "127.0.0.256", "0b1.0.0.1", "1_0.0.0.1", "127.0.0.1 trail"} {
		if ip, ok := sock.InetAton(in); ok {
			t.Errorf("sock.InetAton(%q) = %v, want failure", in, ip)
		}
	}
}

// Numbers become strings as PHP converts them.
func TestPHPNumberString(t *testing.T) {
	for in, want := range map[float64]string{
		12345: "12345", 1.5: "1.5", -3: "-3", 0.1: "0.1", 1e25: "1.0E+25", 1.0 / 3: "0.33333333333333",
	} {
		if got := phpNumberString(in); got != want {
			t.Errorf("phpNumberString(%v) = %q, want %q", in, got, want)
		}
	}
}

// PHP 8.2 reads inet_pton addresses and digits-and-dots names without a
// lookup; hex forms are host names to it.
func TestNumericIPv4(t *testing.T) {
	for _, tc := range []struct {
		in          string
		want        string
		ok, numeric bool
	}{
		{"127.0.0.1", "127.0.0.1", true, true},
		{"127.1", "127.0.0.1", true, true},
		{"0177.0.0.1", "127.0.0.1", true, true},
		{"2130706433", "127.0.0.1", true, true},
		{"256.1.1.1", "", false, true},
		{"1.2.3.4.5", "", false, true},
		{"0x7f.1", "", false, false},
		{"127.0.0.1 x", "", false, false},
		{"127.0.0.1.", "", false, false},
		{"localhost", "", false, false},
	} {
		ip, ok, numeric := sock.NumericIPv4(tc.in)
		if ok != tc.ok || numeric != tc.numeric || (ok && ip.String() != tc.want) {
			t.Errorf("sock.NumericIPv4(%q) = %v, %v, %v; want %s, %v, %v", tc.in, ip, ok, numeric, tc.want, tc.ok, tc.numeric)
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

// --quiet silences warnings but not errors.
func TestQuietSilencesWarnings(t *testing.T) {
	var errOut strings.Builder
	status := Main([]string{"-q", "-e", `local s = socket_create(AF_INET, SOCK_STREAM, 0); echo(tostring(socket_connect(s, "127.0.0.1", 1)))`}, nil, &strings.Builder{}, &errOut)
	if status != 0 || errOut.Len() != 0 {
		t.Fatalf("status %d, stderr %q; want 0 and nothing", status, errOut.String())
	}
}
