// Package mimecore is LuaSocket's mime.core for gopher-lua: the low-level
// filters (Base64, quoted-printable, line wrapping, end-of-line
// normalisation, SMTP dot-stuffing) that LuaSocket's mime.lua and ltn12
// chain together. Every filter streams: it takes a chunk and what was left
// over from the previous one, returns what it could finish and what it must
// keep, and a nil chunk flushes the rest — exactly as LuaSocket's C module
// does, so mime.lua's filters work unchanged on top of it.
package mimecore

import (
	lua "github.com/yuin/gopher-lua"
)

// Version is mime.core._VERSION, as LuaSocket 3.x reports it.
const Version = "MIME 1.0.3"

const (
	crlf   = "\r\n"
	eqcrlf = "=\r\n"
)

var funcs = map[string]lua.LGFunction{
	"b64":   b64,
	"unb64": unb64,
	"qp":    qp,
	"unqp":  unqp,
	"wrp":   wrp,
	"qpwrp": qpwrp,
	"eol":   eol,
	"dot":   dot,
}

// Open builds the mime.core table.
func Open(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	for _, name := range []string{"b64", "dot", "eol", "qp", "qpwrp", "unb64", "unqp", "wrp"} {
		t.RawSetString(name, L.NewFunction(funcs[name]))
	}
	t.RawSetString("_VERSION", lua.LString(Version))
	return t
}

// optBytes is luaL_optlstring: a string or number argument, or absent (nil).
func optBytes(L *lua.LState, n int) ([]byte, bool) {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return nil, false
	case lua.LString:
		return []byte(v), true
	case lua.LNumber:
		return []byte(v.String()), true
	default:
		L.TypeError(n, lua.LTString)
		return nil, false
	}
}

// pushFinal pushes a flushed result: an empty one reads as nil, and the
// second value (nothing kept) is nil.
func pushFinal(L *lua.LState, out []byte) int {
	if len(out) == 0 {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LString(out))
	}
	L.Push(lua.LNil)
	return 2
}

// ---- Base64 -------------------------------------------------------------

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// b64Value maps a byte to its 6-bit value; 255 for bytes the decoder
// skips. '=' decodes as 0 (its place in a group says how many bytes count).
var b64Value = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 255
	}
	for i := 0; i < len(b64Alphabet); i++ {
		t[b64Alphabet[i]] = byte(i)
	}
	t['='] = 0
	return t
}()

// b64Encoder holds up to two bytes waiting for a full group of three.
type b64Encoder struct {
	atom []byte
	out  []byte
}

func (e *b64Encoder) feed(data []byte) {
	for _, c := range data {
		e.atom = append(e.atom, c)
		if len(e.atom) == 3 {
			v := uint(e.atom[0])<<16 | uint(e.atom[1])<<8 | uint(e.atom[2])
			e.out = append(e.out, b64Alphabet[v>>18&63], b64Alphabet[v>>12&63], b64Alphabet[v>>6&63], b64Alphabet[v&63])
			e.atom = e.atom[:0]
		}
	}
}

// pad finishes a last group of one or two bytes with '='.
func (e *b64Encoder) pad() {
	switch len(e.atom) {
	case 1:
		v := uint(e.atom[0]) << 4
		e.out = append(e.out, b64Alphabet[v>>6&63], b64Alphabet[v&63], '=', '=')
	case 2:
		v := (uint(e.atom[0])<<8 | uint(e.atom[1])) << 2
		e.out = append(e.out, b64Alphabet[v>>12&63], b64Alphabet[v>>6&63], b64Alphabet[v&63], '=')
	}
	e.atom = e.atom[:0]
}

// b64: mime.b64(chunk[, next]) -> encoded, kept. With next nil the chunk
// is the last and is padded; otherwise next is encoded too and the bytes
// that do not fill a group are returned to be passed again.
func b64(L *lua.LState) int {
	first, ok := optBytes(L, 1)
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	e := &b64Encoder{}
	e.feed(first)
	next, ok := optBytes(L, 2)
	if !ok {
		e.pad()
		return pushFinal(L, e.out)
	}
	e.feed(next)
	L.Push(lua.LString(e.out))
	L.Push(lua.LString(e.atom))
	return 2
}

// b64Decoder collects groups of four valid characters; anything else
// (line breaks, spaces) is skipped.
type b64Decoder struct {
	atom []byte
	out  []byte
}

func (d *b64Decoder) feed(data []byte) {
	for _, c := range data {
		if b64Value[c] > 64 {
			continue
		}
		d.atom = append(d.atom, c)
		if len(d.atom) == 4 {
			v := uint(b64Value[d.atom[0]])<<18 | uint(b64Value[d.atom[1]])<<12 |
				uint(b64Value[d.atom[2]])<<6 | uint(b64Value[d.atom[3]])
			decoded := []byte{byte(v >> 16), byte(v >> 8), byte(v)}
			valid := 3
			switch {
			case d.atom[2] == '=':
				valid = 1
			case d.atom[3] == '=':
				valid = 2
			}
			d.out = append(d.out, decoded[:valid]...)
			d.atom = d.atom[:0]
		}
	}
}

// unb64: mime.unb64(chunk[, next]) -> decoded, kept (as b64; an incomplete
// last group is dropped).
func unb64(L *lua.LState) int {
	first, ok := optBytes(L, 1)
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	d := &b64Decoder{}
	d.feed(first)
	next, ok := optBytes(L, 2)
	if !ok {
		return pushFinal(L, d.out)
	}
	d.feed(next)
	L.Push(lua.LString(d.out))
	L.Push(lua.LString(d.atom))
	return 2
}

// ---- quoted-printable -----------------------------------------------------

// qpPlain reports the bytes quoted-printable leaves as they are: printable
// ASCII except '='. Tab and space are kept unless they end a line; CR is
// part of a line break or quoted.
func qpPlain(c byte) bool { return c >= 33 && c <= 126 && c != '=' }

const hexDigits = "0123456789ABCDEF"

func qpQuote(out []byte, c byte) []byte {
	return append(out, '=', hexDigits[c>>4], hexDigits[c&15])
}

// qpEncoder holds up to two bytes that cannot be encoded until the next
// ones are seen (a CR before a possible LF, a space before a possible CRLF).
type qpEncoder struct {
	atom   []byte
	out    []byte
	marker string
}

func (e *qpEncoder) feed(data []byte) {
	for _, c := range data {
		e.atom = append(e.atom, c)
		e.drain()
	}
}

// drain encodes from the front of the atom while the bytes seen suffice.
func (e *qpEncoder) drain() {
	for len(e.atom) > 0 {
		c := e.atom[0]
		switch {
		case c == '\r':
			if len(e.atom) < 2 {
				return
			}
			if e.atom[1] == '\n' {
				e.out = append(e.out, e.marker...)
				e.atom = e.atom[:0]
				return
			}
			e.out = qpQuote(e.out, c)
		case c == ' ' || c == '\t':
			if len(e.atom) < 3 {
				return
			}
			if e.atom[1] == '\r' && e.atom[2] == '\n' {
				e.out = qpQuote(e.out, c)
				e.out = append(e.out, e.marker...)
				e.atom = e.atom[:0]
				return
			}
			e.out = append(e.out, c)
		case qpPlain(c):
			e.out = append(e.out, c)
		default:
			e.out = qpQuote(e.out, c)
		}
		e.atom = append(e.atom[:0], e.atom[1:]...)
	}
}

// pad flushes the held bytes at the end of the input, with a soft break.
func (e *qpEncoder) pad() {
	for _, c := range e.atom {
		if qpPlain(c) {
			e.out = append(e.out, c)
		} else {
			e.out = qpQuote(e.out, c)
		}
	}
	if len(e.atom) > 0 {
		e.out = append(e.out, eqcrlf...)
	}
	e.atom = e.atom[:0]
}

// qp: mime.qp(chunk[, next[, marker]]) -> encoded, kept. CRLF line breaks
// become marker (default CRLF).
func qp(L *lua.LState) int {
	first, ok := optBytes(L, 1)
	marker := L.OptString(3, crlf)
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	e := &qpEncoder{marker: marker}
	e.feed(first)
	next, ok := optBytes(L, 2)
	if !ok {
		e.pad()
		return pushFinal(L, e.out)
	}
	e.feed(next)
	L.Push(lua.LString(e.out))
	L.Push(lua.LString(e.atom))
	return 2
}

func hexValue(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return 255
}

// qpDecoder holds an incomplete "=XY" or CR.
type qpDecoder struct {
	atom []byte
	out  []byte
}

func (d *qpDecoder) feed(data []byte) {
	for _, c := range data {
		d.atom = append(d.atom, c)
		switch d.atom[0] {
		case '=':
			if len(d.atom) < 3 {
				continue
			}
			if d.atom[1] == '\r' && d.atom[2] == '\n' {
				// a soft line break: nothing
			} else if hi, lo := hexValue(d.atom[1]), hexValue(d.atom[2]); hi > 15 || lo > 15 {
				d.out = append(d.out, d.atom...) // not an escape: kept as it is
			} else {
				d.out = append(d.out, hi<<4|lo)
			}
		case '\r':
			if len(d.atom) < 2 {
				continue
			}
			if d.atom[1] == '\n' {
				d.out = append(d.out, d.atom...)
			}
		default:
			if b := d.atom[0]; b == '\t' || (b > 31 && b < 127) {
				d.out = append(d.out, b)
			}
		}
		d.atom = d.atom[:0]
	}
}

// unqp: mime.unqp(chunk[, next]) -> decoded, kept.
func unqp(L *lua.LState) int {
	first, ok := optBytes(L, 1)
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	d := &qpDecoder{}
	d.feed(first)
	next, ok := optBytes(L, 2)
	if !ok {
		return pushFinal(L, d.out)
	}
	d.feed(next)
	L.Push(lua.LString(d.out))
	L.Push(lua.LString(d.atom))
	return 2
}

// ---- line wrapping, end of line, dot-stuffing ---------------------------

// wrp: mime.wrp(left, chunk[, length = 76]) -> wrapped, left. Breaks lines
// of text (CRLF) at length characters; CRs are dropped, LFs become CRLF.
// With chunk nil: a final CRLF if the line is not empty, and length.
func wrp(L *lua.LState) int {
	left := int(L.CheckNumber(1))
	input, ok := optBytes(L, 2)
	length := int(L.OptNumber(3, 76))
	if !ok {
		if left < length {
			L.Push(lua.LString(crlf))
		} else {
			L.Push(lua.LNil)
		}
		L.Push(lua.LNumber(length))
		return 2
	}
	var out []byte
	for _, c := range input {
		switch c {
		case '\r':
		case '\n':
			out = append(out, crlf...)
			left = length
		default:
			if left <= 0 {
				left = length
				out = append(out, crlf...)
			}
			out = append(out, c)
			left--
		}
	}
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(left))
	return 2
}

// qpwrp: mime.qpwrp(left, chunk[, length = 76]) -> wrapped, left: soft line
// breaks ("=" CRLF) for quoted-printable text, never inside an "=XY".
func qpwrp(L *lua.LState) int {
	left := int(L.CheckNumber(1))
	input, ok := optBytes(L, 2)
	length := int(L.OptNumber(3, 76))
	if !ok {
		if left < length {
			L.Push(lua.LString(eqcrlf))
		} else {
			L.Push(lua.LNil)
		}
		L.Push(lua.LNumber(length))
		return 2
	}
	var out []byte
	for _, c := range input {
		switch c {
		case '\r':
		case '\n':
			left = length
			out = append(out, crlf...)
		case '=':
			if left <= 3 {
				left = length
				out = append(out, eqcrlf...)
			}
			out = append(out, c)
			left--
		default:
			if left <= 1 {
				left = length
				out = append(out, eqcrlf...)
			}
			out = append(out, c)
			left--
		}
	}
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(left))
	return 2
}

func eolCandidate(c int) bool { return c == '\r' || c == '\n' }

// eol: mime.eol(context, chunk[, marker = CRLF]) -> normalised, context.
// Every end of line (CR, LF, CRLF or LFCR) becomes marker; context is the
// CR or LF the previous chunk ended on (0 for none).
func eol(L *lua.LState) int {
	ctx := int(L.CheckInt(1))
	input, ok := optBytes(L, 2)
	marker := L.OptString(3, crlf)
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LNumber(0))
		return 2
	}
	var out []byte
	for _, b := range input {
		c := int(int8(b)) // C's char is signed here: high bytes are never candidates
		switch {
		case !eolCandidate(c):
			out = append(out, b)
			ctx = 0
		case eolCandidate(ctx):
			if c == ctx {
				out = append(out, marker...) // a second CR (or LF): an empty line
			}
			ctx = 0
		default:
			out = append(out, marker...)
			ctx = c
		}
	}
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(ctx))
	return 2
}

// dot: mime.dot(state, chunk) -> stuffed, state: SMTP's dot-stuffing (a
// '.' at the start of a line is doubled); state counts how much of CRLF
// was seen last (2: a line just began). With chunk nil: nil, 2.
func dot(L *lua.LState) int {
	state := int(L.CheckNumber(1))
	input, ok := optBytes(L, 2)
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LNumber(2))
		return 2
	}
	var out []byte
	for _, c := range input {
		out = append(out, c)
		switch c {
		case '\r':
			state = 1
		case '\n':
			if state == 1 {
				state = 2
			} else {
				state = 0
			}
		case '.':
			if state == 2 {
				out = append(out, '.')
			}
			state = 0
		default:
			state = 0
		}
	}
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(state))
	return 2
}
