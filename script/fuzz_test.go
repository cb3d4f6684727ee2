package script

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/phpkit"
	"sockrun/sock"
)

// Fuzz targets. Each has a seed corpus in testdata/fuzz/<FuzzName>/ (written
// by TestWriteFuzzSeeds from the tables below, plus what fuzzing found), which
// plain `go test` runs as regression inputs. To fuzz one target:
//
//	go test -run='^$' -fuzz='^FuzzArgConversion$' -fuzztime=60s -parallel=1 ./runtime
//
// (-fuzz takes one target at a time.) Every target checks "no Go panic":
// gopher-lua's PCall turns a Go panic inside a Lua-called function into an
// *ApiError of type ApiErrorPanic, which the targets report as a failure;
// errors raised on purpose (PHP's ValueError/TypeError) are ApiErrorRun.

// ---------------------------------------------------------------------------
// Shared helpers.

// fuzzShared is one Runtime per fuzzing process for the targets that
// exercise pure functions (conversions, pack): a fuzz worker runs its inputs
// one after another, and those functions keep no state in the Runtime.
var fuzzShared struct {
	once   sync.Once
	rt     *Runtime
	errOut *bytes.Buffer
}

func sharedRuntime() (*Runtime, *bytes.Buffer) {
	fuzzShared.once.Do(func() {
		fuzzShared.errOut = &bytes.Buffer{}
		fuzzShared.rt = mustNew(Options{Stderr: fuzzShared.errOut, Stdout: &bytes.Buffer{}})
		fuzzShared.rt.eng.Resolver = noNames{}
	})
	fuzzShared.errOut.Reset()
	return fuzzShared.rt, fuzzShared.errOut
}

// callGlobal calls a global Lua function in protected mode from Go and
// returns its results, or the error it raised.
func callGlobal(L *lua.LState, name string, argv ...lua.LValue) ([]lua.LValue, *lua.ApiError) {
	top := L.GetTop()
	L.Push(L.GetGlobal(name))
	for _, v := range argv {
		L.Push(v)
	}
	if err := L.PCall(len(argv), lua.MultRet, nil); err != nil {
		L.SetTop(top)
		apiErr, ok := err.(*lua.ApiError)
		if !ok {
			apiErr = &lua.ApiError{Type: lua.ApiErrorPanic, Object: lua.LString(err.Error())}
		}
		return nil, apiErr
	}
	res := make([]lua.LValue, L.GetTop()-top)
	for i := range res {
		res[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return res, nil
}

// mustNotPanic fails the input if err is a Go panic caught by PCall rather
// than an error the function raised.
func mustNotPanic(t *testing.T, what string, err *lua.ApiError) {
	t.Helper()
	if err != nil && err.Type == lua.ApiErrorPanic {
		t.Fatalf("%s: Go panic: %v\n%s", what, err.Object, err.StackTrace)
	}
}

// watchdog crashes the fuzzing process if one input takes longer than d: Go's
// fuzzer has no per-input timeout, and a crash makes it save the input.
func watchdog(d time.Duration, what func() string) *time.Timer {
	return time.AfterFunc(d, func() { panic(fmt.Sprintf("hang: no result after %v for %s", d, what())) })
}

// ---------------------------------------------------------------------------
// (a) Lua values to PHP types: toInt, phpLong (zval_get_long),
// phpkit.NumberString, sock.NumericIPv4, sock.InetAton.

// phpNumericString is PHP 8's numeric string (is_numeric_string without
// trailing garbage): optional whitespace, sign, decimal digits with an
// optional fraction and exponent, optional whitespace.
var phpNumericString = regexp.MustCompile(`^[ \t\n\r\v\f]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\r\v\f]*$`)

// refInetAtonExact is glibc's __inet_aton_exact written out from its source
// (resolv/inet_addr.c): each part is strtoul(cp, &end, 0) after a check that
// it starts with a digit ("0x"/"0X" hex, a leading 0 octal, else decimal;
// no "0b", "0o", sign or space), at most 4 parts, every part but the last at
// most 255, the last within the bytes left, nothing after the last part.
func refInetAtonExact(s string) (netip.Addr, bool) {
	var parts []uint64
	i := 0
	for {
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return netip.Addr{}, false
		}
		base := uint64(10)
		if s[i] == '0' {
			base = 8
			if i+2 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && hexDigit(s[i+2]) >= 0 {
				base = 16
				i += 2
			}
		}
		var v uint64
		for i < len(s) {
			d := hexDigit(s[i])
			if d < 0 || uint64(d) >= base {
				break
			}
			v = v*base + uint64(d)
			if v > 0xffffffff {
				return netip.Addr{}, false // strtoul's value does not fit in_addr_t
			}
			i++
		}
		parts = append(parts, v)
		if i < len(s) && s[i] == '.' {
			if len(parts) > 3 || v > 0xff {
				return netip.Addr{}, false
			}
			i++
			continue
		}
		break
	}
	if i != len(s) {
		return netip.Addr{}, false
	}
	last := parts[len(parts)-1]
	if last > []uint64{0xffffffff, 0xffffff, 0xffff, 0xff}[len(parts)-1] {
		return netip.Addr{}, false
	}
	var b [4]byte
	for k, p := range parts[:len(parts)-1] {
		b[k] = byte(p)
	}
	for k := 3; k >= len(parts)-1; k-- {
		b[k] = byte(last)
		last >>= 8
	}
	return netip.AddrFrom4(b), true
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// refNumericIPv4 is sock.NumericIPv4's documented rule: an inet_pton dotted quad,
// else a name of digits and dots only (starting with a digit, not ending
// with a dot) read by inet_aton.
func refNumericIPv4(host string) (netip.Addr, bool, bool) {
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		return ip, true, true
	}
	if host == "" || host[0] < '0' || host[0] > '9' || host[len(host)-1] == '.' || strings.Trim(host, "0123456789.") != "" {
		return netip.Addr{}, false, false
	}
	ip, ok := refInetAtonExact(host)
	return ip, ok, true
}

// phpNumericPrefix is the numeric prefix PHP 8's is_numeric_string reads
// with allow_errors (what zval_get_long uses): leading whitespace, a sign,
// digits with a fraction and/or an exponent.
var phpNumericPrefix = regexp.MustCompile(`^[ \t\n\r\v\f]*([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)`)

// refZvalGetLongString is zval_get_long on a string (Zend/zend_operators.c):
// no numeric prefix is 0; an integer that fits is itself; anything else is
// read as a double and capped (zend_dval_to_lval_cap: infinities are 0,
// values beyond the range the nearest end of it).
func refZvalGetLongString(s string) int64 {
	m := phpNumericPrefix.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	num := m[1]
	if strings.Trim(strings.TrimLeft(num, "+-"), "0123456789") == "" {
		if v, err := strconv.ParseInt(num, 10, 64); err == nil {
			return v
		}
	}
	f, _ := strconv.ParseFloat(num, 64) // ±Inf when out of range, as strtod
	switch {
	case math.IsInf(f, 0) || math.IsNaN(f):
		return 0
	case f >= 0x1p63:
		return math.MaxInt64
	case f < -0x1p63:
		return math.MinInt64
	}
	return int64(f)
}

// refDvalToLval is zend_dval_to_lval (64-bit): 0 for NaN and infinities,
// truncation in range, else the value modulo 2^64 as a signed integer
// (computed here exactly with big integers).
func refDvalToLval(d float64) int64 {
	switch {
	case math.IsNaN(d) || math.IsInf(d, 0):
		return 0
	case d >= -0x1p63 && d < 0x1p63:
		return int64(d)
	}
	n, _ := new(big.Float).SetFloat64(d).Int(nil) // integral: |d| >= 2^63
	n.Mod(n, new(big.Int).Lsh(big.NewInt(1), 64)) // Euclidean: 0 <= n < 2^64
	return int64(n.Uint64())
}

func FuzzArgConversion(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, x float64, i int64) {
		rt, errOut := sharedRuntime()
		a := args{L: rt.L, rt: rt, fn: "fuzz"}
		noticed := func() bool {
			defer errOut.Reset()
			return strings.Contains(errOut.String(), "loses precision")
		}

		// toInt of an arbitrary string: PHP's numeric strings only, exactly.
		got, ok := a.toInt(lua.LString(s))
		trimmed := strings.Trim(s, " \t\n\r\v\f")
		if want, err := strconv.ParseInt(trimmed, 10, 64); err == nil {
			if !ok || got != int(want) || noticed() {
				t.Fatalf("toInt(%q) = %d, %v; want %d, true, no notice", s, got, ok, want)
			}
		} else if phpNumericString.MatchString(s) {
			fv, err := strconv.ParseFloat(trimmed, 64)
			inRange := err == nil && fv >= math.MinInt64 && fv < math.MaxInt64
			if ok != inRange || (ok && got != int(fv)) {
				t.Fatalf("toInt(%q) = %d, %v; want %d, %v", s, got, ok, int64(fv), inRange)
			}
			if n := noticed(); ok && n != (fv != math.Trunc(fv)) {
				t.Fatalf("toInt(%q): precision notice %v for %v", s, n, fv)
			}
		} else if ok {
			t.Fatalf("toInt(%q) = %d, true; not a PHP numeric string", s, got)
		}
		errOut.Reset()

		// toInt of the decimal string of an int gives it back, whitespace or not.
		for _, form := range []string{strconv.FormatInt(i, 10), " \t" + strconv.FormatInt(i, 10) + "\n", "+" + strconv.FormatInt(i, 10)} {
			if i < 0 && form[0] == '+' {
				continue
			}
			if got, ok := a.toInt(lua.LString(form)); !ok || int64(got) != i || noticed() {
				t.Fatalf("toInt(%q) = %d, %v; want %d", form, got, ok, i)
			}
		}

		// toInt of a number: integral values in range pass; fractions
		// truncate with the notice; NaN, infinities and out of range fail.
		got, ok = a.toInt(lua.LNumber(x))
		inRange := !math.IsNaN(x) && x >= math.MinInt64 && x < math.MaxInt64
		if ok != inRange || (ok && got != int(x)) {
			t.Fatalf("toInt(%v) = %d, %v; want %d, %v", x, got, ok, int64(x), inRange)
		}
		if n := noticed(); ok && n != (x != math.Trunc(x)) {
			t.Fatalf("toInt(%v): precision notice %v", x, n)
		}

		// phpLong (zval_get_long: option values, pack's integer codes)
		// agrees with a reference written from PHP's source: a string's
		// numeric prefix ("1e4" is 10000, "2.5e1" is 25, "12abc" is 12, an
		// overflowing integer is capped, infinities are 0); a number
		// truncated, modulo 2^64 beyond the int range, NaN and ±Inf 0.
		if got, want := a.phpLong(lua.LString(s)), refZvalGetLongString(s); got != want {
			t.Fatalf("phpLong(%q) = %d; zval_get_long gives %d", s, got, want)
		}
		if got, want := a.phpLong(lua.LNumber(x)), refDvalToLval(x); got != want {
			t.Fatalf("phpLong(%v) = %d; zend_dval_to_lval gives %d", x, got, want)
		}

		// phpkit.NumberString: integral numbers below 1e15 print as PHP ints and
		// round-trip through toInt; everything else prints as PHP prints a
		// float (precision 14), which phpkit.FloatString implements
		// digit for digit: "1.0E-5", "1.0E+25", "0.1", "INF", "NAN".
		ns := phpkit.NumberString(x)
		switch {
		case x == math.Trunc(x) && math.Abs(x) < 1e15:
			if ns != strconv.FormatInt(int64(x), 10) {
				t.Fatalf("phpkit.NumberString(%v) = %q, want %d", x, ns, int64(x))
			}
			if got, ok := a.toInt(lua.LString(ns)); !ok || got != int(x) || noticed() {
				t.Fatalf("toInt(phpkit.NumberString(%v) = %q) = %d, %v", x, ns, got, ok)
			}
		default:
			if want := phpkit.FloatString(x); ns != want {
				t.Fatalf("phpkit.NumberString(%v) = %q; PHP prints %q", x, ns, want)
			}
			if !math.IsNaN(x) && !math.IsInf(x, 0) && x != 0 {
				back, err := strconv.ParseFloat(ns, 64)
				if err != nil || math.Abs(back-x) > 5e-14*math.Abs(x) {
					t.Fatalf("phpkit.NumberString(%v) = %q reads back as %v (%v)", x, ns, back, err)
				}
			}
		}
		errOut.Reset()

		// sock.InetAton: exactly glibc's __inet_aton_exact grammar.
		for _, in := range []string{s, trimmed} {
			ip, ok := sock.InetAton(in)
			want, wantOK := refInetAtonExact(in)
			if ok != wantOK || (ok && ip != want) {
				t.Fatalf("sock.InetAton(%q) = %v, %v; glibc's inet_aton gives %v, %v", in, ip, ok, want, wantOK)
			}
			nip, nok, nnum := sock.NumericIPv4(in)
			rip, rok, rnum := refNumericIPv4(in)
			if nok != rok || nnum != rnum || (nok && nip != rip) {
				t.Fatalf("sock.NumericIPv4(%q) = %v, %v, %v; want %v, %v, %v", in, nip, nok, nnum, rip, rok, rnum)
			}
		}
		// The dotted forms of a 32-bit value parse back to it.
		u := uint32(i)
		for _, form := range []string{
			strconv.FormatUint(uint64(u), 10),
			fmt.Sprintf("%d.%d", u>>24, u&0xffffff),
			fmt.Sprintf("%d.%d.%d", u>>24, u>>16&0xff, u&0xffff),
			fmt.Sprintf("0%o.0x%x.%d.0%o", u>>24, u>>16&0xff, u>>8&0xff, u&0xff),
			fmt.Sprintf("0X%X", u),
		} {
			var want [4]byte
			binary.BigEndian.PutUint32(want[:], u)
			if ip, ok := sock.InetAton(form); !ok || ip != netip.AddrFrom4(want) {
				t.Fatalf("sock.InetAton(%q) = %v, %v; want %v", form, ip, ok, netip.AddrFrom4(want))
			}
		}
	})
}

// ---------------------------------------------------------------------------
// (b) socket_set_option / socket_get_option through a real socket.

// optionSocketKinds are the sockets the option fuzzer tries.
var optionSocketKinds = []struct{ domain, typ int }{
	{sock.AFInet, unix.SOCK_STREAM}, {sock.AFInet, unix.SOCK_DGRAM},
	{sock.AFInet6, unix.SOCK_STREAM}, {sock.AFInet6, unix.SOCK_DGRAM},
	{sock.AFUnix, unix.SOCK_STREAM}, {sock.AFUnix, unix.SOCK_DGRAM},
}

// isGroupOption reports the multicast membership options: joining a group
// makes the kernel send IGMP/MLD reports on the interface, so the fuzzer
// always joins on the loopback interface (no packet leaves the machine).
func isGroupOption(level, option int64) bool {
	return (level == ipprotoIP || level == ipprotoIPv6) && option >= mcastJoinGroup && option <= mcastLeaveSourceGrp
}

func FuzzSocketOption(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind uint8, level, option int64, vkind uint8, num float64, str string) {
		var errOut bytes.Buffer
		// Host names in group options go to a DNS server that is not there.
		rt := mustNew(Options{Stderr: &errOut, Stdout: &bytes.Buffer{}})
		rt.eng.Resolver = noNames{}
		defer rt.Close()
		k := optionSocketKinds[int(kind)%len(optionSocketKinds)]
		s, err := rt.eng.NewSocket(k.domain, k.typ, 0)
		if err != nil {
			t.Skipf("socket(%d, %d): %v", k.domain, k.typ, err)
		}
		L := rt.L
		var value lua.LValue
		switch vkind % 12 {
		case 0:
			value = lua.LNumber(num)
		case 1:
			value = lua.LString(str)
		case 2:
			value = lua.LBool(num != 0)
		case 3:
			value = lua.LNil
		case 4:
			value = L.NewTable()
		case 5:
			tb := L.NewTable()
			tb.RawSetString("sec", lua.LNumber(num))
			tb.RawSetString("usec", lua.LString(str))
			value = tb
		case 6:
			tb := L.NewTable()
			tb.RawSetString("l_onoff", lua.LNumber(num))
			tb.RawSetString("l_linger", lua.LString(str))
			value = tb
		case 7:
			tb := L.NewTable()
			tb.RawSetString("group", lua.LString(str))
			tb.RawSetString("source", lua.LNumber(num))
			value = tb
		case 8:
			tb := L.NewTable()
			tb.RawSetInt(1, lua.LNumber(num))
			tb.RawSetInt(2, lua.LString(str))
			value = tb
		case 9:
			value = rt.userdata(s)
		case 10:
			value = L.NewFunction(func(*lua.LState) int { return 0 })
		case 11:
			tb := L.NewTable()
			tb.RawSetString("sec", lua.LNumber(num))
			tb.RawSetString("usec", lua.LNumber(math.Trunc(num*1e6)))
			tb.RawSetString("l_onoff", lua.LNumber(num))
			tb.RawSetString("l_linger", lua.LNumber(num))
			value = tb
		}
		if tb, ok := value.(*lua.LTable); ok && isGroupOption(level, option) {
			tb.RawSetString("interface", lua.LString("lo"))
		}
		timer := watchdog(10*time.Second, func() string {
			return fmt.Sprintf("socket_set_option(%v, %d, %d, %v)", s, level, option, value)
		})
		defer timer.Stop()

		res, lerr := callGlobal(L, "socket_set_option", rt.userdata(s), lua.LNumber(level), lua.LNumber(option), value)
		mustNotPanic(t, "socket_set_option", lerr)
		warned := strings.Contains(errOut.String(), "Warning: socket_set_option(): ")
		switch {
		case lerr != nil:
			if msg := lua.LVAsString(lerr.Object); !strings.Contains(msg, "socket_set_option()") && !strings.Contains(msg, "passed in optval") {
				t.Fatalf("socket_set_option(%d, %d, %v): unexpected error %q", level, option, value, msg)
			}
		case len(res) != 1:
			t.Fatalf("socket_set_option returned %d values: %v", len(res), res)
		case res[0] == lua.LTrue:
			if warned {
				t.Fatalf("socket_set_option(%d, %d, %v) = true with a warning: %s", level, option, value, errOut.String())
			}
		case res[0] == lua.LFalse:
			if !warned {
				t.Fatalf("socket_set_option(%d, %d, %v) = false without a warning; stderr %q", level, option, value, errOut.String())
			}
		default:
			t.Fatalf("socket_set_option returned %v", res[0])
		}
		if s.Closed() || rt.eng.OpenSockets() != 1 {
			t.Fatalf("the socket was closed by setting an option")
		}

		errOut.Reset()
		res, lerr = callGlobal(L, "socket_get_option", rt.userdata(s), lua.LNumber(level), lua.LNumber(option))
		mustNotPanic(t, "socket_get_option", lerr)
		warned = strings.Contains(errOut.String(), "Warning: socket_get_option(): ")
		switch {
		case lerr != nil:
			if msg := lua.LVAsString(lerr.Object); !strings.Contains(msg, "socket_get_option()") {
				t.Fatalf("socket_get_option(%d, %d): unexpected error %q", level, option, msg)
			}
		case len(res) != 1:
			t.Fatalf("socket_get_option returned %d values: %v", len(res), res)
		case res[0] == lua.LFalse:
			if !warned {
				t.Fatalf("socket_get_option(%d, %d) = false without a warning", level, option)
			}
		default:
			switch v := res[0].(type) {
			case lua.LNumber, lua.LString:
			case *lua.LTable:
				v.ForEach(func(k, val lua.LValue) {
					if _, ok := val.(lua.LNumber); !ok && val.Type() != lua.LTString {
						t.Fatalf("socket_get_option(%d, %d): field %v = %v", level, option, k, val)
					}
				})
			default:
				t.Fatalf("socket_get_option(%d, %d) = %v (%s)", level, option, v, v.Type())
			}
			if warned {
				t.Fatalf("socket_get_option(%d, %d) = %v with a warning: %s", level, option, res[0], errOut.String())
			}
		}
	})
}

// ---------------------------------------------------------------------------
// (c) PHP_NORMAL_READ line splitting.

// normalReadLua writes data into one end of a socket pair, closes (or shuts
// down) that end and reads the other with socket_read(r, n, PHP_NORMAL_READ)
// for the sizes given, cycling through them, until EOF: false in blocking
// mode, "" in nonblocking mode. In task mode a writer task feeds the data
// while the main chunk reads, so every read parks on an op goroutine.
const normalReadLua = `
local ok, p = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
assert(ok)
local w, r = p[1], p[2]
if nonblock then socket_set_nonblock(r) end
local function writer()
  local off = 0
  while off < #data do
    local n = socket_write(w, data:sub(off + 1, off + chunk))
    assert(n and n > 0, "write failed")
    off = off + n
  end
  if shut then socket_shutdown(w, 1) else socket_close(w) end
end
results = {}
local function reader()
  local reads = 0
  for k = 1, limit do
    local n = sizes[(k - 1) % #sizes + 1]
    local line = socket_read(r, n, PHP_NORMAL_READ)
    results[k] = line
    if n > 0 then
      reads = reads + 1
      if line == false or line == "" then break end
    end
  end
end
if tasks then
  local t = spawn(writer)
  reader()
  assert(wait(t))
else
  writer()
  reader()
end
`

// normalReadSize maps a fuzz byte to a length: most are small (1..240), a
// few are the edges: 0 and -1 (false at once, nothing read), big ones, and
// one past the 16 MiB cap on a read's buffer.
func normalReadSize(b byte) int {
	switch b {
	case 0:
		return 0
	case 255:
		return -1
	case 254:
		return sock.MaxRead + 1
	case 253:
		return 1 << 16
	case 252:
		return 4096
	case 251:
		return 1024
	}
	return int(b)
}

// modelNormalRead is what sockrun documents for PHP_NORMAL_READ on data
// followed by EOF: each read returns the bytes up to and including the first
// '\n' or '\r', or n bytes if none comes sooner; a read that meets EOF
// returns false in blocking mode (losing a partial line, as PHP does) and the
// partial line ("" when nothing is left) in nonblocking mode. n <= 0 is
// false, reading nothing.
func modelNormalRead(data []byte, sizes []int, nonblock bool, limit int) []lua.LValue {
	var out []lua.LValue
	pos := 0
	for k := 0; k < limit; k++ {
		n := sizes[k%len(sizes)]
		if n <= 0 {
			out = append(out, lua.LFalse)
			continue
		}
		n = min(n, sock.MaxRead)
		rest := data[pos:]
		window := rest[:min(n, len(rest))]
		if i := bytes.IndexAny(window, "\r\n"); i >= 0 {
			out = append(out, lua.LString(rest[:i+1]))
			pos += i + 1
			continue
		}
		if len(rest) >= n {
			out = append(out, lua.LString(rest[:n]))
			pos += n
			continue
		}
		pos = len(data) // the partial line is consumed either way
		if nonblock {
			out = append(out, lua.LString(rest))
			if len(rest) == 0 {
				break
			}
			continue
		}
		out = append(out, lua.LFalse)
		break
	}
	return out
}

func FuzzNormalRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, sizeBytes []byte, mode uint8) {
		if len(data) > 1<<15 {
			data = data[:1<<15] // one blocking write must fit the socket buffer
		}
		if len(sizeBytes) == 0 {
			sizeBytes = []byte{251}
		}
		if len(sizeBytes) > 64 {
			sizeBytes = sizeBytes[:64]
		}
		sizes := make([]int, len(sizeBytes))
		positive := false
		for i, b := range sizeBytes {
			sizes[i] = normalReadSize(b)
			positive = positive || sizes[i] > 0
		}
		if !positive {
			sizes = append(sizes, 1024) // at least one read that reads
		}
		nonblock, tasks, shut := mode&1 != 0, mode&2 != 0, mode&4 != 0
		chunk := len(data) + 1
		if tasks {
			chunk = 1 + int(mode>>3) // a writer task that feeds the data in pieces
		}
		// Enough reads to reach EOF even one byte at a time, counting the
		// n <= 0 reads that take nothing.
		limit := (len(data) + 2) * len(sizes)

		var errOut bytes.Buffer
		rt := mustNew(Options{Stderr: &errOut, Stdout: &bytes.Buffer{}})
		defer rt.Close()
		L := rt.L
		L.SetGlobal("data", lua.LString(data))
		st := L.NewTable()
		for _, n := range sizes {
			st.Append(lua.LNumber(n))
		}
		L.SetGlobal("sizes", st)
		L.SetGlobal("nonblock", lua.LBool(nonblock))
		L.SetGlobal("tasks", lua.LBool(tasks))
		L.SetGlobal("shut", lua.LBool(shut))
		L.SetGlobal("chunk", lua.LNumber(chunk))
		L.SetGlobal("limit", lua.LNumber(limit))
		timer := watchdog(20*time.Second, func() string {
			return fmt.Sprintf("PHP_NORMAL_READ of %q with sizes %v, mode %d", data, sizes, mode)
		})
		defer timer.Stop()
		if status := rt.RunSource([]byte(normalReadLua), "normal_read.lua", nil); status != 0 {
			t.Fatalf("status %d; stderr %s", status, errOut.String())
		}

		rtab, _ := L.GetGlobal("results").(*lua.LTable)
		if rtab == nil {
			t.Fatal("no results")
		}
		var got []lua.LValue
		for k := 1; k <= rtab.Len(); k++ {
			got = append(got, rtab.RawGetInt(k))
		}
		want := modelNormalRead(data, sizes, nonblock, limit)
		if len(got) != len(want) {
			t.Fatalf("%d reads, want %d:\ngot  %v\nwant %v", len(got), len(want), got, want)
		}
		var joined []byte
		for k := range got {
			if got[k] != want[k] {
				t.Fatalf("read %d (n=%d): got %q, want %q", k+1, sizes[k%len(sizes)], got[k], want[k])
			}
			line, ok := got[k].(lua.LString)
			if !ok {
				continue
			}
			// The documented invariant, stated directly: a line ends at its
			// first '\n' or '\r', or is n bytes long (or is the tail at a
			// nonblocking EOF).
			n := min(sizes[k%len(sizes)], sock.MaxRead)
			if i := strings.IndexAny(string(line), "\r\n"); i >= 0 && i != len(line)-1 {
				t.Fatalf("read %d: %q goes past its line end", k+1, line)
			} else if i < 0 && len(line) != n && !(nonblock && len(joined)+len(line) == len(data)) {
				t.Fatalf("read %d (n=%d): %q neither ends a line nor fills n", k+1, n, line)
			}
			joined = append(joined, line...)
		}
		// The lines put together give back the data, but for what PHP's rule
		// loses: a partial last line at a blocking EOF (no line end, and
		// shorter than the read that met it).
		if !bytes.HasPrefix(data, joined) {
			t.Fatalf("lines %q are not a prefix of the data %q", joined, data)
		}
		if lost := data[len(joined):]; len(lost) > 0 {
			last := sizes[(len(got)-1)%len(sizes)]
			if nonblock || bytes.ContainsAny(lost, "\r\n") || len(lost) >= min(last, sock.MaxRead) {
				t.Fatalf("lost %q at EOF (last read n=%d, nonblocking %v)", lost, last, nonblock)
			}
		}
		if want := map[bool]int{false: 1, true: 2}[shut]; rt.eng.OpenSockets() != want {
			t.Fatalf("%d sockets open at the end, want %d", rt.eng.OpenSockets(), want)
		}
	})
}

// ---------------------------------------------------------------------------
// (d) pack and unpack.

// packArgValues are the values the arbitrary-format fuzzer passes to pack,
// chosen by the bytes of its argument spec.
func packArgValue(L *lua.LState, b byte) lua.LValue {
	values := []lua.LValue{
		lua.LNumber(0), lua.LNumber(-1), lua.LNumber(1), lua.LNumber(127), lua.LNumber(-128),
		lua.LNumber(255), lua.LNumber(256), lua.LNumber(65535), lua.LNumber(-32769),
		lua.LNumber(1 << 31), lua.LNumber(1 << 32), lua.LNumber(1 << 53), lua.LNumber(-(1 << 63)),
		lua.LNumber(1 << 63), lua.LNumber(1e300), lua.LNumber(1.5), lua.LNumber(-0.5),
		lua.LNumber(math.NaN()), lua.LNumber(math.Inf(1)), lua.LNumber(math.Inf(-1)),
		lua.LNumber(math.SmallestNonzeroFloat64), lua.LNumber(3.4e38), lua.LNumber(1e-45),
		lua.LString(""), lua.LString("abc"), lua.LString("0x1F"), lua.LString("12abc"),
		lua.LString("ffff"), lua.LString("zz"), lua.LString(" 42"), lua.LString("1e3"),
		lua.LString("9223372036854775808"), lua.LString("-1.5e400"), lua.LString(".5"),
		lua.LString(strings.Repeat("A5", 40)), lua.LString("a\x00b\xff"),
		lua.LTrue, lua.LFalse, lua.LNil,
	}
	switch int(b) % (len(values) + 3) {
	case len(values):
		return L.NewTable()
	case len(values) + 1:
		tb := L.NewTable()
		tb.Append(lua.LNumber(1))
		return tb
	case len(values) + 2:
		return L.NewFunction(func(*lua.LState) int { return 0 })
	}
	return values[int(b)%(len(values)+3)]
}

func FuzzPackUnpack(f *testing.F) {
	f.Fuzz(func(t *testing.T, format string, data string, argSpec []byte, offset int64) {
		rt, errOut := sharedRuntime()
		L := rt.L
		if len(argSpec) > 256 {
			argSpec = argSpec[:256]
		}
		argv := []lua.LValue{lua.LString(format)}
		for _, b := range argSpec {
			argv = append(argv, packArgValue(L, b))
		}
		timer := watchdog(10*time.Second, func() string { return fmt.Sprintf("pack(%q, %v)", format, argv[1:]) })
		res, lerr := callGlobal(L, "pack", argv...)
		timer.Stop()
		mustNotPanic(t, fmt.Sprintf("pack(%q, ...)", format), lerr)
		if lerr == nil {
			if len(res) != 1 || res[0].Type() != lua.LTString {
				t.Fatalf("pack(%q) returned %v", format, res)
			}
			if n := len(res[0].(lua.LString)); n > packMaxOutput {
				t.Fatalf("pack(%q) made %d bytes", format, n)
			}
		} else if lua.LVAsString(lerr.Object) == "" {
			t.Fatalf("pack(%q): empty error", format)
		}

		errOut.Reset()
		uargv := []lua.LValue{lua.LString(format), lua.LString(data)}
		if offset != 0 {
			uargv = append(uargv, lua.LNumber(offset))
		}
		timer = watchdog(10*time.Second, func() string { return fmt.Sprintf("unpack(%q, %q, %d)", format, data, offset) })
		res, lerr = callGlobal(L, "unpack", uargv...)
		timer.Stop()
		mustNotPanic(t, fmt.Sprintf("unpack(%q, %q)", format, data), lerr)
		if lerr != nil {
			if lua.LVAsString(lerr.Object) == "" {
				t.Fatalf("unpack(%q): empty error", format)
			}
			return
		}
		if len(res) != 1 {
			t.Fatalf("unpack(%q) returned %d values", format, len(res))
		}
		switch v := res[0].(type) {
		case *lua.LTable:
			v.ForEach(func(k, val lua.LValue) {
				if val.Type() != lua.LTNumber && val.Type() != lua.LTString {
					t.Fatalf("unpack(%q): %v = %v", format, k, val)
				}
			})
		default:
			if v != lua.LFalse || !strings.Contains(errOut.String(), "Warning: unpack(): ") {
				t.Fatalf("unpack(%q, %q) = %v, stderr %q", format, data, v, errOut.String())
			}
		}
	})
}

// roundTripItem is one element of a generated format: a code, its count
// (-1 for '*', only ever on the last element), the values packed and what
// unpack must give back for them.
type roundTripItem struct {
	code  byte
	count int
	in    []lua.LValue
	want  []lua.LValue
	size  int // bytes in the packed string
}

// rtReader hands out the spec's bytes, then zeros.
type rtReader struct{ b []byte }

func (r *rtReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *rtReader) uint64() uint64 {
	var v uint64
	for i := 0; i < 8; i++ {
		v = v<<8 | uint64(r.byte())
	}
	return v
}

func (r *rtReader) bytes(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = r.byte()
	}
	return out
}

const roundTripCodes = "aAZhHcCsSnviIlLNVqQJPfgGdeEx"

// genRoundTrip builds valid elements from the spec: each value in its
// code's range (64-bit codes within ±2^53, float codes exactly float32 for
// f/g/G), hex strings of hex digits at least as long as their count.
func genRoundTrip(spec []byte) []roundTripItem {
	r := &rtReader{spec}
	var items []roundTripItem
	nItems := 1 + int(r.byte())%8
	for k := 0; k < nItems; k++ {
		code := roundTripCodes[int(r.byte())%len(roundTripCodes)]
		cb := r.byte()
		count := int(cb) % 5
		if k == nItems-1 && cb >= 200 && code != 'x' {
			count = -1
		}
		it := roundTripItem{code: code, count: count}
		switch code {
		case 'a', 'A', 'Z':
			s := string(r.bytes(int(r.byte()) % 9))
			it.in = []lua.LValue{lua.LString(s)}
			n := count
			if count < 0 {
				n = len(s)
				if code == 'Z' {
					n++
				}
			}
			field := make([]byte, n)
			pad := byte(0)
			if code == 'A' {
				pad = ' '
			}
			for i := range field {
				field[i] = pad
			}
			limit := n
			if code == 'Z' {
				limit = max(0, n-1)
			}
			copy(field[:limit], s)
			var want string
			switch code {
			case 'a':
				want = string(field)
			case 'A':
				want = strings.TrimRight(string(field), "\x00 \t\r\n")
			case 'Z':
				want, _, _ = strings.Cut(string(field), "\x00")
			}
			it.want = []lua.LValue{lua.LString(want)}
			it.size = n
		case 'h', 'H':
			const hexChars = "0123456789abcdefABCDEF"
			n := count
			if count < 0 {
				n = int(r.byte()) % 9
			}
			digits := make([]byte, n+int(r.byte())%3)
			for i := range digits {
				digits[i] = hexChars[int(r.byte())%len(hexChars)]
			}
			it.in = []lua.LValue{lua.LString(digits)}
			want := strings.ToLower(string(digits[:n]))
			if count < 0 {
				want = strings.ToLower(string(digits))
				if len(digits)%2 == 1 {
					want += "0" // unpack "h*" reads whole bytes
				}
				n = len(digits)
			}
			it.want = []lua.LValue{lua.LString(want)}
			it.size = (n + 1) / 2
		case 'x':
			it.size = count
		default:
			n := count
			if count < 0 {
				n = int(r.byte()) % 4
			}
			for i := 0; i < n; i++ {
				u := r.uint64()
				var v float64
				width := 0
				switch code {
				case 'c':
					v, width = float64(int8(u)), 1
				case 'C':
					v, width = float64(uint8(u)), 1
				case 's':
					v, width = float64(int16(u)), 2
				case 'S', 'n', 'v':
					v, width = float64(uint16(u)), 2
				case 'i', 'l':
					v, width = float64(int32(u)), 4
				case 'I', 'L', 'N', 'V':
					v, width = float64(uint32(u)), 4
				case 'q', 'Q', 'J', 'P':
					v, width = float64(int64(u)>>10), 8 // within ±2^53
				case 'f', 'g', 'G':
					v, width = float64(math.Float32frombits(uint32(u))), 4
				case 'd', 'e', 'E':
					v, width = math.Float64frombits(u), 8
				}
				it.in = append(it.in, lua.LNumber(v))
				it.want = append(it.want, lua.LNumber(v))
				it.size += width
			}
		}
		items = append(items, it)
	}
	return items
}

func FuzzPackRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, spec []byte, omitOnes bool) {
		rt, errOut := sharedRuntime()
		items := genRoundTrip(spec)
		var pf, uf strings.Builder
		argv := []lua.LValue{nil}
		size := 0
		for k, it := range items {
			count := strconv.Itoa(it.count)
			switch {
			case it.count < 0:
				count = "*"
			case it.count == 1 && omitOnes:
				count = ""
			}
			pf.WriteString(string(it.code) + count)
			if k > 0 {
				uf.WriteByte('/')
			}
			fmt.Fprintf(&uf, "%c%sk%d_", it.code, count, k)
			argv = append(argv, it.in...)
			size += it.size
		}
		argv[0] = lua.LString(pf.String())
		res, lerr := callGlobal(rt.L, "pack", argv...)
		mustNotPanic(t, "pack", lerr)
		if lerr != nil {
			t.Fatalf("pack(%q, %v): %v", pf.String(), argv[1:], lerr.Object)
		}
		if errOut.Len() > 0 {
			t.Fatalf("pack(%q, %v) warned: %s", pf.String(), argv[1:], errOut.String())
		}
		packed := string(res[0].(lua.LString))
		if len(packed) != size {
			t.Fatalf("pack(%q, %v) made %d bytes, want %d", pf.String(), argv[1:], len(packed), size)
		}
		res, lerr = callGlobal(rt.L, "unpack", lua.LString(uf.String()), lua.LString(packed))
		mustNotPanic(t, "unpack", lerr)
		if lerr != nil {
			t.Fatalf("unpack(%q, %q): %v", uf.String(), packed, lerr.Object)
		}
		tb, ok := res[0].(*lua.LTable)
		if !ok {
			t.Fatalf("unpack(%q, %q) = %v; stderr %s", uf.String(), packed, res[0], errOut.String())
		}
		want := map[string]lua.LValue{}
		for k, it := range items {
			name := fmt.Sprintf("k%d_", k)
			for i, v := range it.want {
				key := name
				if it.count != 1 && it.code != 'a' && it.code != 'A' && it.code != 'Z' && it.code != 'h' && it.code != 'H' {
					key += strconv.Itoa(i + 1)
				}
				want[key] = v
			}
		}
		n := 0
		tb.ForEach(func(k, v lua.LValue) {
			n++
			w, ok := want[lua.LVAsString(k)]
			if !ok {
				t.Fatalf("unpack(%q): unexpected key %v = %v", uf.String(), k, v)
			}
			if wn, ok := w.(lua.LNumber); ok {
				gn, ok := v.(lua.LNumber)
				if !ok || !(gn == wn || math.IsNaN(float64(gn)) && math.IsNaN(float64(wn))) {
					t.Fatalf("unpack(%q)[%v] = %v, packed %v (pack format %q)", uf.String(), k, v, w, pf.String())
				}
			} else if v != w {
				t.Fatalf("unpack(%q)[%v] = %q, want %q (pack format %q, args %v)", uf.String(), k, v, w, pf.String(), argv[1:])
			}
		})
		if n != len(want) {
			t.Fatalf("unpack(%q) gave %d values, want %d", uf.String(), n, len(want))
		}
	})
}

// ---------------------------------------------------------------------------
// (e) The trace dumper.

func FuzzTraceDump(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, indent string) {
		s := string(data)
		dump := hexDump(s, indent)
		lines := (len(s) + 15) / 16
		pos := 0
		for k := 0; k < lines; k++ {
			row := s[k*16 : min(k*16+16, len(s))]
			var hexCol strings.Builder
			for i := 0; i < 16; i++ {
				if i == 8 {
					hexCol.WriteByte(' ')
				}
				if i < len(row) {
					fmt.Fprintf(&hexCol, " %02x", row[i])
				} else {
					hexCol.WriteString("   ")
				}
			}
			ascii := []byte(row)
			for i, c := range ascii {
				if c < 0x20 || c > 0x7e {
					ascii[i] = '.'
				}
			}
			want := fmt.Sprintf("%s%08x %s  |%s|\n", indent, k*16, hexCol.String(), ascii)
			if !strings.HasPrefix(dump[pos:], want) {
				t.Fatalf("hexDump(%q, %q) line %d:\n%q\nwant\n%q", s, indent, k, dump[pos:min(len(dump), pos+len(want))], want)
			}
			// The columns, checked independently of the line's layout: the
			// offset reads back, the hex reads back to the row's bytes, and
			// the ASCII column shows printable bytes as themselves.
			line := dump[pos+len(indent) : pos+len(want)]
			if off, err := strconv.ParseUint(line[:8], 16, 64); err != nil || int(off) != k*16 {
				t.Fatalf("line %d: offset %q", k, line[:8])
			}
			hexBytes, err := hexFields(line[9 : 9+49])
			if err != nil || string(hexBytes) != row {
				t.Fatalf("line %d: hex %q reads %x, %v; want %x", k, line[9:58], hexBytes, err, row)
			}
			for i := 0; i < len(row); i++ {
				if c := line[61+i]; row[i] >= 0x20 && row[i] <= 0x7e && c != row[i] || (row[i] < 0x20 || row[i] > 0x7e) && c != '.' {
					t.Fatalf("line %d: ASCII column byte %d is %q for %q", k, i, c, row[i])
				}
			}
			pos += len(want)
		}
		if pos != len(dump) {
			t.Fatalf("hexDump(%q) has %q after its %d lines", s, dump[pos:], lines)
		}
		if indent == "" && strings.Count(dump, "\n") != lines {
			t.Fatalf("hexDump(%q): %d lines, want %d", s, strings.Count(dump, "\n"), lines)
		}

		// isPrintable: printable ASCII, tab and line ends only.
		printable := true
		for _, c := range data {
			if (c < 0x20 || c > 0x7e) && c != '\t' && c != '\n' && c != '\r' {
				printable = false
			}
		}
		if isPrintable(s) != printable {
			t.Fatalf("isPrintable(%q) = %v", s, !printable)
		}

		// quoteText: one line, quoted, and reads back to the text.
		q := quoteText(s)
		if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' || strings.ContainsAny(q, "\n\r\t") {
			t.Fatalf("quoteText(%q) = %q", s, q)
		}
		if back, err := unquoteText(q[1 : len(q)-1]); err != nil || back != s {
			t.Fatalf("quoteText(%q) = %q reads back as %q (%v)", s, q, back, err)
		}
	})
}

// hexFields reads the space-separated hex bytes of a dump line.
func hexFields(s string) ([]byte, error) {
	var out []byte
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseUint(f, 16, 8)
		if err != nil || len(f) != 2 {
			return out, fmt.Errorf("bad hex field %q", f)
		}
		out = append(out, byte(v))
	}
	return out, nil
}

// unquoteText undoes quoteText's escapes (\\ \" \n \r \t); a bare quote or
// any other escape is an error.
func unquoteText(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return "", fmt.Errorf("bare quote at %d", i)
		case '\\':
			i++
			if i == len(s) {
				return "", fmt.Errorf("backslash at the end")
			}
			r, ok := map[byte]byte{'\\': '\\', '"': '"', 'n': '\n', 'r': '\r', 't': '\t'}[s[i]]
			if !ok {
				return "", fmt.Errorf("escape \\%c", s[i])
			}
			b.WriteByte(r)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// ---------------------------------------------------------------------------
// Seed corpora.

// fuzzSeeds are the committed seed inputs, by target. TestWriteFuzzSeeds
// writes them to testdata/fuzz/<target>/seed-NN when SOCKRUN_WRITE_FUZZ_SEEDS
// is set (inputs the fuzzer found live beside them under their hash names).
var fuzzSeeds = map[string][][]any{
	"FuzzArgConversion": {
		{"42", 1.0, int64(0)},
		{" 42 ", 1.5, int64(-1)},
		{"\t\n\v\f\r-7\r\n", -1.5, int64(math.MaxInt64)},
		{"1e3", 1e15, int64(math.MinInt64)},
		{"1.5", 1e-5, int64(2130706433)},
		{"-0", math.Copysign(0, -1), int64(1) << 53},
		{".5", 0.1, int64(255)},
		{"5.", 1.0 / 3, int64(65536)},
		{"1e400", math.Inf(1), int64(16777216)},
		{"9223372036854775807", 9.223372036854775807e18, int64(-9007199254740993)},
		{"9223372036854775808", -9.223372036854775808e18, int64(4294967295)},
		{"-9223372036854775809", math.NaN(), int64(4294967296)},
		{"0x1A", 1e25, int64(1)},
		{"12abc", 1.5e-7, int64(7)},
		{"abc", -1e-10, int64(10)},
		{"", 123456789012345.6, int64(100)},
		{"+", 999999999999999.0, int64(1000)},
		{"1e", 1e14, int64(99)},
		{"INF", 5e-324, int64(3)},
		{"nan", math.MaxFloat64, int64(11)},
		{"127.0.0.1", 0.5, int64(0x7f000001)},
		{"127.1", 2.5, int64(0x0a010002)},
		{"0177.0.0.1", -2.5, int64(0xc0a80001)},
		{"0x7f.1", 0.0001, int64(0xffffffff)},
		{"0X7F.0XFF.0.1", 0.00001, int64(0x01020304)},
		{"0B1.0.0.1", 1e100, int64(5)},
		{"0o7.0.0.1", -1e100, int64(6)},
		{"1_0.0.0.1", 1.1, int64(8)},
		{"08.0.0.1", 2.2, int64(9)},
		{"0x", 3.3, int64(12)},
		{"0x.1", 4.4, int64(13)},
		{"1.2.3.4.5", 5.5, int64(14)},
		{"1..2", 6.6, int64(15)},
		{"1.2.3.", 7.7, int64(16)},
		{"256.0.0.1", 8.8, int64(17)},
		{"1.16777216", 9.9, int64(18)},
		{"1.2.65536", 10.1, int64(19)},
		{"4294967296", 11.1, int64(20)},
		{"00000000000000000000000001.2.3.4", 12.1, int64(21)},
		{"0xffffffff", 13.1, int64(22)},
		{"0x100000000", 14.1, int64(23)},
		{"127.0.0.1 trail", 15.1, int64(24)},
		{" 127.0.0.1", 16.1, int64(25)},
		{"+1.2.3.4", 17.1, int64(26)},
		{"::1", 18.1, int64(27)},
		{"::ffff:1.2.3.4", 19.1, int64(28)},
	},
	"FuzzSocketOption": {
		{uint8(0), int64(1), int64(2), uint8(0), 1.0, ""},                    // SO_REUSEADDR 1
		{uint8(0), int64(1), int64(20), uint8(5), 1.0, "500000"},             // SO_RCVTIMEO
		{uint8(0), int64(1), int64(21), uint8(5), -1.0, "-1"},                // SO_SNDTIMEO, negative
		{uint8(0), int64(1), int64(20), uint8(5), 0.0, "1000000"},            // usec out of range: EDOM
		{uint8(0), int64(1), int64(20), uint8(1), 0.0, "1"},                  // not a table
		{uint8(0), int64(1), int64(13), uint8(6), 1.0, "5"},                  // SO_LINGER
		{uint8(0), int64(1), int64(13), uint8(6), 65536.0, "-5"},             // SO_LINGER wraps
		{uint8(0), int64(1), int64(13), uint8(4), 0.0, ""},                   // SO_LINGER without keys
		{uint8(1), int64(1), int64(6), uint8(2), 1.0, ""},                    // SO_BROADCAST
		{uint8(0), int64(1), int64(7), uint8(0), 1e12, ""},                   // SO_SNDBUF huge
		{uint8(0), int64(1), int64(8), uint8(1), 0.0, "  8192abc"},           // SO_RCVBUF from a string
		{uint8(0), int64(1), int64(25), uint8(1), 0.0, "lo"},                 // SO_BINDTODEVICE
		{uint8(0), int64(1), int64(25), uint8(1), 0.0, "nosuchdev0"},         // SO_BINDTODEVICE, no device
		{uint8(0), int64(6), int64(13), uint8(1), 0.0, "cubic"},              // TCP_CONGESTION
		{uint8(0), int64(6), int64(13), uint8(1), 0.0, "nosuch"},             // TCP_CONGESTION, unknown
		{uint8(0), int64(6), int64(1), uint8(8), 1.0, "x"},                   // TCP_NODELAY from a table
		{uint8(1), int64(0), int64(32), uint8(1), 0.0, "lo"},                 // IP_MULTICAST_IF by name
		{uint8(1), int64(0), int64(32), uint8(0), 1.0, ""},                   // IP_MULTICAST_IF by index
		{uint8(1), int64(0), int64(32), uint8(0), 9999.0, ""},                // IP_MULTICAST_IF, no such index
		{uint8(1), int64(0), int64(32), uint8(1), 0.0, "nosuchif"},           // IP_MULTICAST_IF, no such name
		{uint8(1), int64(0), int64(33), uint8(0), 256.0, ""},                 // IP_MULTICAST_TTL out of range
		{uint8(1), int64(0), int64(33), uint8(0), 64.0, ""},                  // IP_MULTICAST_TTL
		{uint8(1), int64(0), int64(34), uint8(1), 0.0, "0"},                  // IP_MULTICAST_LOOP "0"
		{uint8(3), int64(41), int64(18), uint8(0), -2.0, ""},                 // IPV6_MULTICAST_HOPS out of range
		{uint8(3), int64(41), int64(19), uint8(2), 1.0, ""},                  // IPV6_MULTICAST_LOOP
		{uint8(3), int64(41), int64(17), uint8(1), 0.0, "lo"},                // IPV6_MULTICAST_IF
		{uint8(1), int64(0), int64(42), uint8(7), 0.0, "239.1.2.3"},          // MCAST_JOIN_GROUP on lo
		{uint8(1), int64(0), int64(45), uint8(7), 0.0, "239.1.2.3"},          // MCAST_LEAVE_GROUP, not joined
		{uint8(1), int64(0), int64(46), uint8(7), 1.0, "239.1.2.3"},          // MCAST_JOIN_SOURCE_GROUP
		{uint8(1), int64(0), int64(42), uint8(4), 0.0, ""},                   // no "group" key
		{uint8(1), int64(0), int64(46), uint8(7), 0.0, "not a host.invalid"}, // lookup fails
		{uint8(3), int64(41), int64(42), uint8(7), 0.0, "ff15::1"},           // IPv6 MCAST_JOIN_GROUP on lo
		{uint8(4), int64(1), int64(16), uint8(0), 1.0, ""},                   // SO_PASSCRED on a Unix socket
		{uint8(5), int64(0), int64(1), uint8(0), 1.0, ""},                    // IP_TOS on a Unix socket
		{uint8(0), int64(-1), int64(-1), uint8(0), 0.0, ""},                  // nonsense level and option
		{uint8(0), int64(1) << 40, int64(1), uint8(0), 0.0, ""},              // level beyond int32
		{uint8(0), int64(1), int64(2), uint8(0), math.NaN(), ""},             // NaN value
		{uint8(0), int64(1), int64(2), uint8(0), math.Inf(-1), ""},           // -Inf value
		{uint8(0), int64(1), int64(2), uint8(9), 0.0, ""},                    // a socket as the value
		{uint8(0), int64(1), int64(2), uint8(10), 0.0, ""},                   // a function as the value
		{uint8(2), int64(41), int64(26), uint8(0), 1.0, ""},                  // IPV6_V6ONLY
		{uint8(0), int64(1), int64(4), uint8(0), 0.0, ""},                    // SO_ERROR (read-only)
		{uint8(0), int64(1), int64(3), uint8(0), 1.0, ""},                    // SO_TYPE (read-only)
		{uint8(0), int64(255), int64(1), uint8(11), 2.5, ""},                 // raw level
	},
	"FuzzNormalRead": {
		{[]byte("hello\nworld\n"), []byte{251}, uint8(0)},
		{[]byte("hello\r\nworld"), []byte{251}, uint8(0)}, // partial last line: lost
		{[]byte("hello\r\nworld"), []byte{251}, uint8(1)}, // nonblocking: kept
		{[]byte("abcdefgh"), []byte{3}, uint8(0)},
		{[]byte("abcdefgh"), []byte{4}, uint8(0)}, // exactly n at EOF
		{[]byte("ab\ncd\ref\r\n\n\r"), []byte{1, 2, 3}, uint8(2)},
		{[]byte("line one\nline two\n"), []byte{0, 5, 255, 7}, uint8(3)},
		{[]byte(""), []byte{251}, uint8(0)},
		{[]byte(""), []byte{251}, uint8(1)},
		{[]byte("\n\n\n"), []byte{1}, uint8(4)},
		{[]byte("no line end at all"), []byte{254}, uint8(0)},
		{[]byte("no line end at all"), []byte{253}, uint8(3)},
		{bytes.Repeat([]byte("0123456789abcdef"), 300), []byte{251, 17}, uint8(2 | 8*5)},
		{bytes.Repeat([]byte("x\r"), 500), []byte{2, 1}, uint8(7)},
	},
	"FuzzPackUnpack": {
		{"nvc*", "\x00\x01\x02\x03\x04\x05", []byte{1, 2, 3, 4}, int64(0)},
		{"NnCa4", "\x00\x00\x00\x01\x00\x02\x03abcd", []byte{5, 6, 7, 24}, int64(0)},
		{"a*", "abc", []byte{24}, int64(1)},
		{"Z*", "ab\x00cd", []byte{35}, int64(0)},
		{"A10", "ab  \x00\n", []byte{24}, int64(0)},
		{"H*", "\xab\xcd", []byte{27}, int64(0)},
		{"h3", "\xab\xcd", []byte{29}, int64(0)},
		{"H5", "\xab", []byte{28}, int64(0)},
		{"x5X2@1", "abcdef", nil, int64(0)},
		{"X", "", nil, int64(0)},
		{"@1000", "", nil, int64(0)},
		{"@268435457", "", nil, int64(0)},
		{"x2147483647x", "", nil, int64(0)},
		{"a3000000000", "", []byte{24}, int64(0)},
		{"q*", "\x01\x02\x03\x04\x05\x06\x07\x08", []byte{11, 12, 13}, int64(0)},
		{"dfeEgG", "", []byte{15, 16, 17, 18, 19, 20}, int64(0)},
		{"c", "", []byte{39}, int64(0)}, // table
		{"a", "", []byte{41}, int64(0)}, // function
		{"C2x/N*", "\x01\x02\x03\x00\x00\x00\x04", []byte{1}, int64(0)},
		{"Cfirst/Csecond/C2more", "\x01\x02\x03\x04", nil, int64(0)},
		{"C2147483648", "", nil, int64(0)},
		{"Y", "", nil, int64(0)},
		{"C", "x", nil, int64(5)},
		{"C", "x", nil, int64(-1)},
		{"C0/C-1/C", "abc", nil, int64(0)},
		{"Z5/a0/A*", "a\x00bcdefg", nil, int64(0)},
		{"X*@*", "abc", nil, int64(0)},
	},
	"FuzzPackRoundTrip": {
		{[]byte{0, 0, 1}, false},
		{[]byte{7, 0, 1, 3, 'a', 'b', 'c', 1, 4, 5, 'x', 'y', 'z', ' ', 0}, true},
		{[]byte{3, 2, 3, 1, 4, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false},
		{[]byte{2, 3, 255, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9}, false},
		{[]byte{5, 20, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 25, 2, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1}, true},
		{[]byte{4, 16, 4, 0x80, 0, 0, 0, 0, 0, 0, 0}, false},
		{[]byte{1, 27, 200, 3}, false},
		{[]byte{1, 1, 201, 5, 'a', 0, 'b', ' ', '\n'}, false},
		{[]byte{1, 2, 202, 4, 'a', 'b', 0, 'c'}, false},
		{[]byte{1, 3, 203, 3, 1, 1, 1, 1, 1}, false},
		{[]byte{1, 4, 204, 5, 11, 12, 13, 14, 15, 0}, false},
		{[]byte{6, 0, 0, 0, 1, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0}, true},
	},
	"FuzzTraceDump": {
		{[]byte(""), ""},
		{[]byte("hello"), "    "},
		{[]byte("0123456789abcdef"), ""},
		{[]byte("0123456789abcdefg"), "  "},
		{[]byte("\x00\x01\x02\x7f\x80\xff\t\r\n\"\\"), ""},
		{bytes.Repeat([]byte{0x41, 0x00}, 40), "\n|"},
		{[]byte("text with \"quotes\" and \\backslashes\\\r\n"), ""},
	},
}

// TestWriteFuzzSeeds (re)writes the seed files from fuzzSeeds; it runs only
// with SOCKRUN_WRITE_FUZZ_SEEDS=1. Every seed is also checked to decode to
// the target's argument types by plain `go test`, which runs the corpus.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("SOCKRUN_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set SOCKRUN_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz/*/seed-*")
	}
	for target, seeds := range fuzzSeeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
		for _, f := range old {
			os.Remove(f)
		}
		for i, seed := range seeds {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i+1)), marshalSeed(seed...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// marshalSeed writes values in the "go test fuzz v1" corpus format.
func marshalSeed(vals ...any) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case nil:
			b.WriteString("[]byte(\"\")\n")
		case byte:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		case float64:
			if math.IsNaN(v) {
				b.WriteString("float64(NaN)\n")
			} else {
				fmt.Fprintf(&b, "float64(%v)\n", v)
			}
		case int64, bool:
			fmt.Fprintf(&b, "%T(%v)\n", v, v)
		default:
			panic(fmt.Sprintf("seed value of type %T", v))
		}
	}
	return b.Bytes()
}

// ---------------------------------------------------------------------------
// Regression tests for what the fuzzers found (minimal reproducers; see the
// seed files named in each).

// FuzzArgConversion seed-05, seed-14: PHP writes a float's exponent without
// padding ("1.0E-5"); strconv's 'G' pads it to two digits.
func TestFuzzRegressionNumberStringExponent(t *testing.T) {
	for in, want := range map[float64]string{1e-5: "1.0E-5", 1.5e-7: "1.5E-7", -2.5e-9: "-2.5E-9", 1e-10: "1.0E-10", 1e15: "1.0E+15"} {
		if got := phpkit.NumberString(in); got != want {
			t.Errorf("phpkit.NumberString(%v) = %q, want %q (as PHP prints it)", in, got, want)
		}
	}
	out := mustRun(t, `
		local ok, p = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
		socket_write(p[1], 1e-5) socket_write(p[1], "|") socket_write(p[1], 1.5e-7)
		echo(socket_read(p[2], 100))
	`)
	if out != "1.0E-5|1.5E-7" {
		t.Errorf("socket_write of 1e-5 and 1.5e-7 sent %q, PHP sends %q", out, "1.0E-5|1.5E-7")
	}
}

// FuzzArgConversion seed-04, -09, -11, -12, -13, -20, -26, -27: option values
// go through PHP's zval_get_long, which reads float strings as floats, caps
// overflowing integer strings, and maps NaN, infinities and huge floats as
// zend_dval_to_lval does (options.go had its own conversion, which read
// leading digits only and left huge numbers to Go's conversion).
func TestFuzzRegressionOptionValueConversion(t *testing.T) {
	rt := mustNew(Options{})
	defer rt.Close()
	a := args{L: rt.L, rt: rt, fn: "socket_set_option"}
	for in, want := range map[string]int{
		"1e3": 1000, "2.5e1": 25, "7000.9abc": 7000, " 12abc": 12, "0x10": 0,
		"9223372036854775808": math.MaxInt64, "-9223372036854775809": math.MinInt64, "1e400": 0,
	} {
		if got := int(a.phpLong(lua.LString(in))); got != want {
			t.Errorf("phpLong(%q) = %d, want %d (zval_get_long)", in, got, want)
		}
	}
	for in, want := range map[float64]int{math.NaN(): 0, math.Inf(1): 0, math.Inf(-1): 0, 1e100: 0, 1e25: 1590897979265384448, 1 << 64: 0} {
		if got := int(a.phpLong(lua.LNumber(in))); got != want {
			t.Errorf("phpLong(%v) = %d, want %d (zend_dval_to_lval)", in, got, want)
		}
	}
	out, errOut, status := runLua(t, `
		local s = socket_create(AF_INET, SOCK_STREAM, 0)
		assert(socket_set_option(s, SOL_SOCKET, SO_RCVTIMEO, {sec = "2.5e1", usec = 0}))
		echo(socket_get_option(s, SOL_SOCKET, SO_RCVTIMEO).sec, " ")
		local u = socket_create(AF_INET, SOCK_DGRAM, 0)
		echo(tostring(pcall(socket_set_option, u, IPPROTO_IP, IP_MULTICAST_TTL, 0/0)))
	`)
	if status != 0 || out != "25 true" {
		t.Errorf("got %q (status %d, stderr %q); PHP 8.2 gives \"25 true\"", out, status, errOut)
	}
}

// FuzzArgConversion seed-26: glibc's inet_aton takes 0x/0X hex and 0 octal
// parts only; strconv's base 0 also takes 0B (binary) and 0O (octal).
func TestFuzzRegressionInetAtonPrefixes(t *testing.T) {
	for _, in := range []string{"0B1.0.0.1", "0O7", "1.0B1", "0b1", "0o7"} {
		if ip, ok := sock.InetAton(in); ok {
			t.Errorf("sock.InetAton(%q) = %v; glibc's inet_aton rejects it", in, ip)
		}
	}
	out := mustRun(t, `
		local r = socket_addrinfo_lookup("0B1.0.0.1", "80", {ai_family = AF_INET, ai_socktype = SOCK_STREAM, ai_flags = AI_NUMERICHOST})
		echo(tostring(r))
	`)
	if out != "false" {
		t.Errorf("socket_addrinfo_lookup(\"0B1.0.0.1\", AI_NUMERICHOST) = %s; glibc's getaddrinfo fails it", out)
	}
}

// noNames is the fuzzers' resolver: every name is unknown, at once. A
// lookup sent to a DNS server that is not there can take the resolver's
// whole timeout (seconds) on a loaded machine, which the fuzzers' hang
// check would report; what they test is the conversion of arguments.
type noNames struct{}

func (noNames) Lookup(context.Context, string, string) ([]netip.Addr, error) {
	return nil, sock.HostNotFound
}
func (noNames) Reverse(context.Context, string) ([]string, error) { return nil, sock.HostNotFound }
func (noNames) Canonical(context.Context, string) (string, error) { return "", sock.HostNotFound }
