package script

// Addresses as PHP reads them: inet_aton forms and PHP's numeric IPv4 rules.

import (
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
