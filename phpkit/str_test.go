package phpkit

import "testing"

// The expected values below come from php-cli 8.2 (php -r), not from this
// package.

func TestStrRound(t *testing.T) {
	cases := []struct {
		v      float64
		places int
		want   float64
	}{
		{0.5, 2, 0.5}, {2.5, 0, 3}, {-2.5, 0, -3}, {1.955, 2, 1.96}, {5.045, 2, 5.05},
		{5.055, 2, 5.06}, {1.005, 2, 1.01}, {0.285, 2, 0.29}, {1234.5678, -2, 1200},
	}
	for _, c := range cases {
		if got := strRound(c.v, c.places); got != c.want {
			t.Errorf("round(%v, %d) = %v, want %v", c.v, c.places, got, c.want)
		}
	}
}

func TestStrGcvt(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{1e15, "1.0e+15"}, {0.1, "0.1"}, {1.0 / 3, "0.333333"}, {1e-5, "1.0e-5"},
		{123456789012345678, "1.23457e+17"}, {-0.0001, "-0.0001"},
	}
	for _, c := range cases {
		if got := strGcvt(c.v, 6, 'e'); got != c.want {
			t.Errorf("%%g of %v = %q, want %q", c.v, got, c.want)
		}
	}
}

// PCRE numbers groups left to right, named or not; .NET (regexp2's model)
// numbers named groups after the others, so the translator renames them.
func TestPregGroupNumbering(t *testing.T) {
	r, msg := pregParse(`/(?<y>\d+)-(\d+)-(?P<d>\d+)/`)
	if r == nil {
		t.Fatal(msg)
	}
	sub, _ := r.subject("on 2024-06-15")
	g := r.find(sub, 0)
	want := []string{"2024-06-15", "2024", "06", "15"}
	for i, w := range want {
		if got := sub.s[g[i].start:g[i].end]; got != w {
			t.Errorf("group %d = %q, want %q", i, got, w)
		}
	}
	if r.names[1] != "y" || r.names[3] != "d" {
		t.Errorf("names = %v", r.names)
	}
}

func TestPregParseErrors(t *testing.T) {
	cases := map[string]string{
		"":       "Empty regular expression",
		"abc":    "Delimiter must not be alphanumeric, backslash, or NUL",
		"/abc":   "No ending delimiter '/' found",
		"/abc/q": "Unknown modifier 'q'",
		"/(abc/": "Compilation failed: missing closing parenthesis at offset 4",
		"/a)/":   "Compilation failed: unmatched closing parenthesis at offset 1",
		"/?a/":   "Compilation failed: quantifier does not follow a repeatable item at offset 0",
		"/abc[/": "Compilation failed: missing terminating ] for character class at offset 4",
		"(abc":   "No ending matching delimiter ')' found",
		"/x/e":   "The /e modifier is no longer supported, use preg_replace_callback instead",
	}
	for pattern, want := range cases {
		if _, msg := pregParse(pattern); msg != want {
			t.Errorf("pregParse(%q) = %q, want %q", pattern, msg, want)
		}
	}
}

// mt_srand(42); mt_rand(1, 100) and mt_rand() in PHP 8.2.
func TestMTMatchesPHP(t *testing.T) {
	m := mtSeeded(42)
	if got := 1 + m.rangeOf(99); got != 43 {
		t.Errorf("mt_rand(1, 100) = %d, want 43", got)
	}
	if got := m.uint32() >> 1; got != 1710563033 {
		t.Errorf("mt_rand() = %d, want 1710563033", got)
	}
}
