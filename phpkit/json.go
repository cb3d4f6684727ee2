package phpkit

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// json_encode, json_decode, json_last_error and json_last_error_msg, as
// PHP 8.2's ext/json: the same bytes out, the same errors and messages.
var jsonFuncs = []Func{
	{"json_encode", jsonEncode},
	{"json_decode", jsonDecode},
	{"json_last_error", jsonLastError},
	{"json_last_error_msg", jsonLastErrorMsg},
}

// The JSON_* constants (ext/json's values).
const (
	jsonHexTag                 = 1
	jsonHexAmp                 = 2
	jsonHexApos                = 4
	jsonHexQuot                = 8
	jsonForceObject            = 16
	jsonNumericCheck           = 32
	jsonUnescapedSlashes       = 64
	jsonPrettyPrint            = 128
	jsonUnescapedUnicode       = 256
	jsonPartialOutputOnError   = 512
	jsonPreserveZeroFraction   = 1024
	jsonUnescapedLineTerminals = 2048
	jsonObjectAsArray          = 1
	jsonBigintAsString         = 2
	jsonInvalidUTF8Ignore      = 1048576
	jsonInvalidUTF8Substitute  = 2097152
	jsonThrowOnError           = 4194304
)

var jsonConstants = []struct {
	name  string
	value int
}{
	{"JSON_HEX_TAG", jsonHexTag}, {"JSON_HEX_AMP", jsonHexAmp}, {"JSON_HEX_APOS", jsonHexApos},
	{"JSON_HEX_QUOT", jsonHexQuot}, {"JSON_FORCE_OBJECT", jsonForceObject},
	{"JSON_NUMERIC_CHECK", jsonNumericCheck}, {"JSON_UNESCAPED_SLASHES", jsonUnescapedSlashes},
	{"JSON_PRETTY_PRINT", jsonPrettyPrint}, {"JSON_UNESCAPED_UNICODE", jsonUnescapedUnicode},
	{"JSON_PARTIAL_OUTPUT_ON_ERROR", jsonPartialOutputOnError},
	{"JSON_PRESERVE_ZERO_FRACTION", jsonPreserveZeroFraction},
	{"JSON_UNESCAPED_LINE_TERMINATORS", jsonUnescapedLineTerminals},
	{"JSON_OBJECT_AS_ARRAY", jsonObjectAsArray}, {"JSON_BIGINT_AS_STRING", jsonBigintAsString},
	{"JSON_INVALID_UTF8_IGNORE", jsonInvalidUTF8Ignore},
	{"JSON_INVALID_UTF8_SUBSTITUTE", jsonInvalidUTF8Substitute},
	{"JSON_THROW_ON_ERROR", jsonThrowOnError},
	{"JSON_ERROR_NONE", 0}, {"JSON_ERROR_DEPTH", 1}, {"JSON_ERROR_STATE_MISMATCH", 2},
	{"JSON_ERROR_CTRL_CHAR", 3}, {"JSON_ERROR_SYNTAX", 4}, {"JSON_ERROR_UTF8", 5},
	{"JSON_ERROR_RECURSION", 6}, {"JSON_ERROR_INF_OR_NAN", 7}, {"JSON_ERROR_UNSUPPORTED_TYPE", 8},
	{"JSON_ERROR_INVALID_PROPERTY_NAME", 9}, {"JSON_ERROR_UTF16", 10},
}

// jsonMessages are json_last_error_msg's texts by error code.
var jsonMessages = []string{
	"No error",
	"Maximum stack depth exceeded",
	"State mismatch (invalid or malformed JSON)",
	"Control character error, possibly incorrectly encoded",
	"Syntax error",
	"Malformed UTF-8 characters, possibly incorrectly encoded",
	"Recursion detected",
	"Inf and NaN cannot be JSON encoded",
	"Type is not supported",
	"The decoded property name is invalid",
	"Single unpaired UTF-16 surrogate in unicode escape",
}

// jsonEncode: json_encode(value, flags=0, depth=512) -> string|false.
func jsonEncode(k *Kit, L *lua.LState) int {
	v := L.CheckAny(1)
	flags := int(valOptInt(L, "json_encode", 2, "flags", 0))
	depth := int(valOptInt(L, "json_encode", 3, "depth", 512))
	e := &jsonEncoder{L: L, flags: flags, maxDepth: depth, seen: map[*lua.LTable]bool{}}
	e.value(v)
	st := valGetState(L)
	if e.err != 0 && flags&jsonPartialOutputOnError == 0 {
		if flags&jsonThrowOnError != 0 {
			L.RaiseError("%s", jsonMessages[e.err])
		}
		st.jsonErr = e.err
		L.Push(lua.LFalse)
		return 1
	}
	if flags&jsonThrowOnError == 0 {
		st.jsonErr = e.err
	}
	L.Push(lua.LString(e.b.String()))
	return 1
}

type jsonEncoder struct {
	L        *lua.LState
	b        strings.Builder
	flags    int
	depth    int
	maxDepth int
	err      int
	seen     map[*lua.LTable]bool
}

func (e *jsonEncoder) fail(code int) {
	if e.err == 0 {
		e.err = code
	}
}

func (e *jsonEncoder) value(v lua.LValue) {
	switch x := v.(type) {
	case *lua.LNilType:
		e.b.WriteString("null")
	case lua.LBool:
		if x {
			e.b.WriteString("true")
		} else {
			e.b.WriteString("false")
		}
	case lua.LNumber:
		e.number(float64(x))
	case lua.LString:
		if e.flags&jsonNumericCheck != 0 {
			if f, ok := valNumeric(string(x)); ok {
				e.number(f)
				return
			}
		}
		e.string(string(x))
	case *lua.LTable:
		e.table(x)
	default:
		if _, ok := valStreamOf(v); ok {
			e.fail(8)
			if e.flags&jsonPartialOutputOnError != 0 {
				e.b.WriteString("null")
			}
			return
		}
		// Sockets and closures are objects without properties.
		e.b.WriteString("{}")
	}
}

func (e *jsonEncoder) number(f float64) {
	if n, ok := valInt(f); ok {
		e.b.WriteString(strconv.FormatInt(n, 10))
		return
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.fail(7)
		e.b.WriteString("0")
		return
	}
	s := valRepr(f, 'e')
	if e.flags&jsonPreserveZeroFraction != 0 && !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	e.b.WriteString(s)
}

func (e *jsonEncoder) newline() {
	if e.flags&jsonPrettyPrint != 0 {
		e.b.WriteByte('\n')
		spaces(&e.b, 4*e.depth)
	}
}

func (e *jsonEncoder) table(t *lua.LTable) {
	if e.seen[t] {
		e.fail(6)
		e.b.WriteString("null")
		return
	}
	entries, list := valEntries(t)
	object := !list || e.flags&jsonForceObject != 0 || valObjectClass(t) != ""
	if e.depth >= e.maxDepth {
		e.fail(1)
		if e.flags&jsonPartialOutputOnError == 0 {
			return
		}
	}
	open, close := "[", "]"
	if object {
		open, close = "{", "}"
	}
	if len(entries) == 0 {
		e.b.WriteString(open + close)
		return
	}
	e.seen[t] = true
	defer delete(e.seen, t)
	e.b.WriteString(open)
	e.depth++
	phpEntries := valPHPEntries(t)
	for i, pe := range phpEntries {
		if i > 0 {
			e.b.WriteByte(',')
		}
		e.newline()
		if object {
			e.string(pe.key)
			e.b.WriteByte(':')
			if e.flags&jsonPrettyPrint != 0 {
				e.b.WriteByte(' ')
			}
		}
		e.value(pe.val)
	}
	e.depth--
	e.newline()
	e.b.WriteString(close)
}

// string writes s as a JSON string, or records error 5 for invalid UTF-8.
func (e *jsonEncoder) string(s string) {
	start := e.b.Len()
	e.b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"':
				if e.flags&jsonHexQuot != 0 {
					e.b.WriteString(`\u0022`)
				} else {
					e.b.WriteString(`\"`)
				}
			case c == '\\':
				e.b.WriteString(`\\`)
			case c == '/':
				if e.flags&jsonUnescapedSlashes != 0 {
					e.b.WriteByte('/')
				} else {
					e.b.WriteString(`\/`)
				}
			case c == '\b':
				e.b.WriteString(`\b`)
			case c == '\f':
				e.b.WriteString(`\f`)
			case c == '\n':
				e.b.WriteString(`\n`)
			case c == '\r':
				e.b.WriteString(`\r`)
			case c == '\t':
				e.b.WriteString(`\t`)
			case c == '<' && e.flags&jsonHexTag != 0:
				e.b.WriteString(`\u003C`)
			case c == '>' && e.flags&jsonHexTag != 0:
				e.b.WriteString(`\u003E`)
			case c == '&' && e.flags&jsonHexAmp != 0:
				e.b.WriteString(`\u0026`)
			case c == '\'' && e.flags&jsonHexApos != 0:
				e.b.WriteString(`\u0027`)
			case c < 0x20:
				e.b.WriteString(`\u00`)
				e.b.WriteByte("0123456789abcdef"[c>>4])
				e.b.WriteByte("0123456789abcdef"[c&15])
			default:
				e.b.WriteByte(c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			i++
			switch {
			case e.flags&jsonInvalidUTF8Ignore != 0:
				continue
			case e.flags&jsonInvalidUTF8Substitute != 0:
				if e.flags&jsonUnescapedUnicode != 0 {
					e.b.WriteString("\uFFFD")
				} else {
					e.b.WriteString(`\ufffd`)
				}
				continue
			}
			e.fail(5)
			s := e.b.String()[:start]
			e.b.Reset()
			e.b.WriteString(s)
			e.b.WriteString("null")
			return
		}
		lineTerm := (r == 0x2028 || r == 0x2029) && e.flags&jsonUnescapedLineTerminals == 0
		if e.flags&jsonUnescapedUnicode != 0 && !lineTerm {
			e.b.WriteString(s[i : i+size])
		} else if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			e.hex4(r1)
			e.hex4(r2)
		} else {
			e.hex4(r)
		}
		i += size
	}
	e.b.WriteByte('"')
}

func (e *jsonEncoder) hex4(r rune) {
	const hex = "0123456789abcdef"
	e.b.WriteString(`\u`)
	e.b.WriteByte(hex[r>>12&15])
	e.b.WriteByte(hex[r>>8&15])
	e.b.WriteByte(hex[r>>4&15])
	e.b.WriteByte(hex[r&15])
}

// jsonDecode: json_decode(json, assoc=nil, depth=512, flags=0) -> value; nil
// on error (json_last_error says which). JSON objects become stdClass object
// tables, or plain tables with assoc true (or JSON_OBJECT_AS_ARRAY).
func jsonDecode(k *Kit, L *lua.LState) int {
	s := valCheckString(L, "json_decode", 1, "json")
	flags := int(valOptInt(L, "json_decode", 4, "flags", 0))
	assoc := flags&jsonObjectAsArray != 0
	if L.Get(2) != lua.LNil {
		assoc = Truthy(L.Get(2))
	}
	depth := valOptInt(L, "json_decode", 3, "depth", 512)
	if depth <= 0 {
		L.RaiseError("json_decode(): Argument #3 ($depth) must be greater than 0")
	}
	if depth > math.MaxInt32 {
		L.RaiseError("json_decode(): Argument #3 ($depth) must be less than %d", math.MaxInt32)
	}
	st := valGetState(L)
	d := &jsonDecoder{L: L, s: s, assoc: assoc, flags: flags, maxDepth: int(depth), st: st}
	var v lua.LValue = lua.LNil
	if s == "" {
		d.err = 4
	} else {
		v = d.parse()
	}
	if d.err != 0 {
		if flags&jsonThrowOnError != 0 {
			L.RaiseError("%s", jsonMessages[d.err])
		}
		st.jsonErr = d.err
		L.Push(lua.LNil)
		return 1
	}
	if flags&jsonThrowOnError == 0 {
		st.jsonErr = 0
	}
	L.Push(v)
	return 1
}

type jsonDecoder struct {
	L        *lua.LState
	s        string
	i        int
	assoc    bool
	flags    int
	depth    int
	maxDepth int
	err      int
	st       *valState
}

// parse reads one value and then the end of the text.
func (d *jsonDecoder) parse() lua.LValue {
	v := d.value()
	if d.err != 0 {
		return lua.LNil
	}
	d.ws()
	if d.i < len(d.s) {
		d.syntax()
		return lua.LNil
	}
	return v
}

// syntax records the error PHP's scanner gives at position i: a control
// character or bad UTF-8 where a token was expected still reads as a
// syntax error; only inside strings do they have their own codes.
func (d *jsonDecoder) syntax() {
	if d.err == 0 {
		d.err = 4
	}
}

func (d *jsonDecoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value() lua.LValue {
	d.ws()
	if d.i >= len(d.s) {
		d.syntax()
		return lua.LNil
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, ok := d.str()
		if !ok {
			return lua.LNil
		}
		return lua.LString(s)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return lua.LTrue
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return lua.LFalse
	case strings.HasPrefix(d.s[d.i:], "null"):
		d.i += 4
		return lua.LNil
	}
	d.syntax()
	return lua.LNil
}

func (d *jsonDecoder) enter() bool {
	// PHP counts the values inside too: [1] needs depth 2.
	d.depth++
	if d.depth >= d.maxDepth {
		if d.err == 0 {
			d.err = 1
		}
		return false
	}
	return true
}

func (d *jsonDecoder) array() lua.LValue {
	d.i++ // [
	if !d.enter() {
		return lua.LNil
	}
	defer func() { d.depth-- }()
	t := d.L.NewTable()
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return t
	}
	n := 0
	for {
		v := d.value()
		if d.err != 0 {
			return lua.LNil
		}
		n++
		if v != lua.LNil {
			t.RawSetInt(n, v)
		}
		d.ws()
		if d.i >= len(d.s) {
			d.syntax()
			return lua.LNil
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return t
		default:
			d.syntax()
			return lua.LNil
		}
	}
}

func (d *jsonDecoder) object() lua.LValue {
	d.i++ // {
	if !d.enter() {
		return lua.LNil
	}
	defer func() { d.depth-- }()
	var keys []string
	var vals []lua.LValue
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return d.build(keys, vals)
	}
	objID := 0
	for {
		d.ws()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			d.syntax()
			return lua.LNil
		}
		key, ok := d.str()
		if !ok {
			return lua.LNil
		}
		d.ws()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			d.syntax()
			return lua.LNil
		}
		d.i++
		v := d.value()
		if d.err != 0 {
			return lua.LNil
		}
		// PHP creates the object once its first member is parsed, which
		// is what numbers nested objects before their parents.
		if objID == 0 && !d.assoc {
			objID = d.st.newObjectID()
		}
		if !d.assoc && key != "" && key[0] == 0 {
			d.err = 9
			return lua.LNil
		}
		keys = append(keys, key)
		vals = append(vals, v)
		d.ws()
		if d.i >= len(d.s) {
			d.syntax()
			return lua.LNil
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return d.buildID(keys, vals, objID)
		default:
			d.syntax()
			return lua.LNil
		}
	}
}

func (d *jsonDecoder) build(keys []string, vals []lua.LValue) lua.LValue {
	id := 0
	if !d.assoc {
		id = d.st.newObjectID()
	}
	return d.buildID(keys, vals, id)
}

// buildID makes the table of an object: a stdClass object table with string
// keys, or with assoc a PHP array: a sequence when its keys are "0".."n-1"
// (the list part, PHP's int keys 0..m-1 stored as 1..m), else integer-like
// keys as numbers.
func (d *jsonDecoder) buildID(keys []string, vals []lua.LValue, id int) lua.LValue {
	var t *lua.LTable
	if d.assoc {
		t = d.L.NewTable()
	} else {
		t = valNewObject(d.L, id)
	}
	if d.assoc {
		// Duplicate keys keep their first place and take the last value.
		var order []string
		last := map[string]lua.LValue{}
		for i, k := range keys {
			if _, ok := last[k]; !ok {
				order = append(order, k)
			}
			last[k] = vals[i]
		}
		// PHP's int keys 0..m-1 are the table's list part 1..m.
		var ints []int64
		for _, k := range order {
			if n, ok := valIntString(k); ok {
				ints = append(ints, n)
			}
		}
		shift := len(ints) > 0
		seen := map[int64]bool{}
		for _, n := range ints {
			if n < 0 || n >= int64(len(ints)) || seen[n] {
				shift = false
			}
			seen[n] = true
		}
		for _, k := range order {
			key := valLuaKey(lua.LString(k))
			if n, ok := key.(lua.LNumber); ok && shift {
				key = n + 1
			}
			t.RawSet(key, last[k])
		}
		return t
	}
	for i, k := range keys {
		t.RawSetString(k, vals[i])
	}
	return t
}

func (d *jsonDecoder) number() lua.LValue {
	start := d.i
	if d.s[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		d.syntax()
		return lua.LNil
	}
	isFloat := false
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		isFloat = true
		if digits() == 0 {
			d.syntax()
			return lua.LNil
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		isFloat = true
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			d.syntax()
			return lua.LNil
		}
	}
	text := d.s[start:d.i]
	if !isFloat {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return lua.LNumber(n)
		}
		if d.flags&jsonBigintAsString != 0 {
			return lua.LString(text)
		}
	}
	f, _ := strconv.ParseFloat(text, 64)
	return lua.LNumber(f)
}

// str reads a JSON string at d.i (on its opening quote).
func (d *jsonDecoder) str() (string, bool) {
	d.i++
	var b strings.Builder
	for {
		if d.i >= len(d.s) {
			d.syntax()
			return "", false
		}
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return b.String(), true
		case c < 0x20:
			d.err = 3
			return "", false
		case c == '\\':
			if d.i+1 >= len(d.s) {
				d.syntax()
				return "", false
			}
			e := d.s[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					d.syntax()
					return "", false
				}
				if utf16.IsSurrogate(r) {
					if r >= 0xDC00 || !strings.HasPrefix(d.s[d.i:], `\u`) {
						d.err = 10
						return "", false
					}
					d.i += 2
					r2, ok := d.hex4()
					if !ok {
						d.syntax()
						return "", false
					}
					if r2 < 0xDC00 || r2 > 0xDFFF {
						d.err = 10
						return "", false
					}
					r = utf16.DecodeRune(r, r2)
				}
				b.WriteRune(r)
			default:
				d.syntax()
				return "", false
			}
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			d.i++
		default:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size <= 1 {
				d.i++
				switch {
				case d.flags&jsonInvalidUTF8Ignore != 0:
				case d.flags&jsonInvalidUTF8Substitute != 0:
					b.WriteString("\uFFFD")
				default:
					d.err = 5
					return "", false
				}
				continue
			}
			b.WriteString(d.s[d.i : d.i+size])
			d.i += size
		}
	}
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

// jsonLastError: json_last_error() -> int.
func jsonLastError(k *Kit, L *lua.LState) int {
	L.Push(lua.LNumber(valGetState(L).jsonErr))
	return 1
}

// jsonLastErrorMsg: json_last_error_msg() -> string.
func jsonLastErrorMsg(k *Kit, L *lua.LState) int {
	L.Push(lua.LString(jsonMessages[valGetState(L).jsonErr]))
	return 1
}
