package phpkit

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// This file is the one place that says how Lua values stand for PHP values
// (docs/phpkit.md, "PHP arrays and Lua tables"): which numbers are PHP ints,
// which tables are lists, which keys a table has and in which order, and
// which values are objects. Every function of json.go, dump.go and array.go
// goes through it.

// valState is the kit's per-Lua-state memory: json_last_error and the numbers
// PHP gives objects. It lives in the registry, so coroutines share it.
type valState struct {
	host      Host
	jsonErr   int
	nextObjID int
	funcIDs   map[*lua.LFunction]int
	stdin     *valStream
	streams   []*valStream
}

const valStateKey = "phpkit.values"

func valGetState(L *lua.LState) *valState {
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	if ud, ok := reg.RawGetString(valStateKey).(*lua.LUserData); ok {
		return ud.Value.(*valState)
	}
	st := &valState{funcIDs: map[*lua.LFunction]int{}}
	ud := L.NewUserData()
	ud.Value = st
	reg.RawSetString(valStateKey, ud)
	return st
}

// newObjectID numbers a PHP object (a decoded stdClass, a closure) as PHP's
// object store would in a script that frees none.
func (st *valState) newObjectID() int {
	st.nextObjID++
	return st.nextObjID
}

// valInt reports whether a Lua number is a PHP int: integral, within int64,
// and not negative zero (which PHP only has as a float).
func valInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18 {
		return 0, false
	}
	if f == 0 && math.Signbit(f) {
		return 0, false
	}
	return int64(f), true
}

// valRepr is a float as PHP prints it with serialize_precision=-1
// (var_dump, var_export, json_encode): the shortest digits that read back
// as the same double, in exponent form when the decimal point is more than
// 17 places right or 4 places left. exp is 'E' (var_dump) or 'e' (JSON).
func valRepr(f float64, exp byte) string {
	switch {
	case math.IsNaN(f):
		return "NAN"
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, ex, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(ex)
	decpt := x + 1
	switch {
	case decpt < -3 || decpt > 17:
		frac := digits[1:]
		if frac == "" {
			frac = "0"
		}
		es := "+"
		if decpt-1 < 0 {
			es = "-"
		}
		return sign + digits[:1] + "." + frac + string(exp) + es + strconv.Itoa(absInt(decpt-1))
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case len(digits) <= decpt:
		return sign + digits + strings.Repeat("0", decpt-len(digits))
	}
	return sign + digits[:decpt] + "." + digits[decpt:]
}

// valEntry is one key and value of a table, the key as Lua has it.
type valEntry struct {
	key, val lua.LValue
}

// valEntries lists a table's entries in the kit's order, which is
// gopher-lua's `next` order: positive integer keys ascending, then every
// other key in the order it was first stored. list reports whether the table
// is a sequence 1..n (a PHP list 0..n-1); the empty table is one.
func valEntries(t *lua.LTable) (entries []valEntry, list bool) {
	list = true
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		entries = append(entries, valEntry{k, v})
		if list && k != lua.LNumber(len(entries)) {
			list = false
		}
	}
	return entries, list
}

// valPHPKey is the PHP key that a Lua key stands for in a table that is not
// a list: integral numbers and canonical decimal strings ("12", "-3") are
// int keys, booleans 0 and 1, other strings string keys. ok is false for
// keys PHP cannot have (tables, functions, userdata, NaN), which the kit
// leaves out.
func valPHPKey(k lua.LValue) (s string, isInt bool, ok bool) {
	switch k := k.(type) {
	case lua.LNumber:
		f := float64(k)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", false, false
		}
		if n, ok := valInt(math.Trunc(f)); ok {
			return strconv.FormatInt(n, 10), true, true
		}
		return "0", true, true
	case lua.LString:
		if _, ok := valIntString(string(k)); ok {
			return string(k), true, true
		}
		return string(k), false, true
	case lua.LBool:
		if k {
			return "1", true, true
		}
		return "0", true, true
	}
	return "", false, false
}

// valIntString reports whether s is a canonical decimal integer as PHP's
// array keys recognise one (no sign but "-", no leading zeros, no spaces,
// within int64).
func valIntString(s string) (int64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	body := strings.TrimPrefix(s, "-")
	if body == "" || (body[0] == '0' && len(body) > 1) || (body == "0" && s != "0") {
		return 0, false
	}
	for i := 0; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// valLuaKey is the Lua key the kit stores for a PHP key given as a Lua value:
// canonical integer strings become numbers, as PHP makes them int keys.
func valLuaKey(k lua.LValue) lua.LValue {
	switch v := k.(type) {
	case lua.LString:
		if n, ok := valIntString(string(v)); ok {
			return lua.LNumber(n)
		}
	case lua.LBool:
		if v {
			return lua.LNumber(1)
		}
		return lua.LNumber(0)
	case lua.LNumber:
		return lua.LNumber(math.Trunc(float64(v)))
	}
	return k
}

// phpEntry is one entry of a table seen as a PHP array: its PHP key.
type phpEntry struct {
	key   string
	isInt bool
	val   lua.LValue
}

// valShifted reports whether a table's number keys are exactly 1..n (n >= 1)
// — its list part — which then stand for PHP's keys 0..n-1; its other keys
// stay as they are. A sequence is the case without other keys.
func valShifted(entries []valEntry) bool {
	n := 0
	for _, e := range entries {
		if _, ok := e.key.(lua.LNumber); ok {
			n++
		}
	}
	if n == 0 {
		return false
	}
	for _, e := range entries {
		if k, ok := e.key.(lua.LNumber); ok {
			if f := float64(k); f != math.Trunc(f) || f < 1 || f > float64(n) {
				return false
			}
		}
	}
	return true
}

// valPHPEntries is a table as a PHP array: the keys of its list part 1..n
// are 0..n-1, other keys as valPHPKey says; objects' keys are all strings.
func valPHPEntries(t *lua.LTable) []phpEntry {
	entries, _ := valEntries(t)
	obj := valObjectClass(t) != ""
	shifted := !obj && valShifted(entries)
	out := make([]phpEntry, 0, len(entries))
	for _, e := range entries {
		if k, ok := e.key.(lua.LNumber); ok && shifted {
			out = append(out, phpEntry{strconv.FormatInt(int64(k)-1, 10), true, e.val})
			continue
		}
		s, isInt, ok := valPHPKey(e.key)
		if !ok {
			continue
		}
		if obj {
			isInt = false
		}
		out = append(out, phpEntry{s, isInt, e.val})
	}
	return out
}

// valString is a scalar as PHP's echo and print_r write it: ints in full,
// floats with precision 14 (FloatString).
func valString(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		if i, ok := valInt(float64(n)); ok {
			return strconv.FormatInt(i, 10)
		}
		return FloatString(float64(n))
	}
	s, _ := ToString(v)
	return s
}

// Objects. A table stands for a PHP object when its metatable has
// __phpclass (json_decode gives stdClass objects so); __phpid is its number.

func valObjectClass(t *lua.LTable) string {
	if mt, ok := t.Metatable.(*lua.LTable); ok {
		if c, ok := mt.RawGetString("__phpclass").(lua.LString); ok {
			return string(c)
		}
	}
	return ""
}

func valObjectID(t *lua.LTable) int {
	if mt, ok := t.Metatable.(*lua.LTable); ok {
		if n, ok := mt.RawGetString("__phpid").(lua.LNumber); ok {
			return int(n)
		}
	}
	return 0
}

// valNewObject makes an empty stdClass object table numbered id.
func valNewObject(L *lua.LState, id int) *lua.LTable {
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__phpclass", lua.LString("stdClass"))
	mt.RawSetString("__phpid", lua.LNumber(id))
	t.Metatable = mt
	return t
}

// valSocketID returns the number of a sockrun Socket userdata (its
// tostring is "Socket #N ..."), ok false for other values.
func valSocketID(L *lua.LState, v lua.LValue) (int, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok || ud.Metatable == lua.LNil || ud.Metatable != L.GetTypeMetatable("Socket") {
		return 0, false
	}
	s := L.ToStringMeta(ud).String()
	rest, ok := strings.CutPrefix(s, "Socket #")
	if !ok {
		return 0, true
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(rest[:end])
	return n, true
}

// valFuncID numbers a Lua function as the Closure object PHP would print.
func valFuncID(L *lua.LState, f *lua.LFunction) int {
	st := valGetState(L)
	if id, ok := st.funcIDs[f]; ok {
		return id
	}
	id := st.newObjectID()
	st.funcIDs[f] = id
	return id
}

// valTypeName names a value's type in TypeError messages, as the runtime
// does: Lua's type names, sockets "Socket".
func valTypeName(L *lua.LState, v lua.LValue) string {
	if _, ok := valSocketID(L, v); ok {
		return "Socket"
	}
	if _, ok := valStreamOf(v); ok {
		return "resource"
	}
	return v.Type().String()
}

// valCheckTable is argument n, which must be a table (PHP's array).
func valCheckTable(L *lua.LState, fn string, n int, param string) *lua.LTable {
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		L.RaiseError("%s(): Argument #%d ($%s) must be of type array, %s given", fn, n, param, valTypeName(L, L.Get(n)))
	}
	return t
}

// valCheckInt is argument n as a PHP int: an integral number or a numeric
// string (a fraction is cut off, as PHP does with a deprecation).
func valCheckInt(L *lua.LState, fn string, n int, param string) int64 {
	v := L.Get(n)
	switch x := v.(type) {
	case lua.LNumber:
		return int64(float64(x))
	case lua.LBool:
		if x {
			return 1
		}
		return 0
	case lua.LString:
		if f, ok := valNumeric(string(x)); ok {
			return int64(f)
		}
	case *lua.LNilType:
		valNullDeprecated(L, fn, n, param, "int")
		return 0
	}
	L.RaiseError("%s(): Argument #%d ($%s) must be of type int, %s given", fn, n, param, valTypeName(L, v))
	return 0
}

// valOptInt is an optional int argument: absent or nil gives def.
func valOptInt(L *lua.LState, fn string, n int, param string, def int64) int64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return valCheckInt(L, fn, n, param)
}

// valCheckString is argument n as a PHP string: strings, and numbers as PHP
// converts them.
func valCheckString(L *lua.LState, fn string, n int, param string) string {
	v := L.Get(n)
	switch v.(type) {
	case lua.LString, lua.LNumber, lua.LBool:
		s, _ := ToString(v)
		return s
	case *lua.LNilType:
		valNullDeprecated(L, fn, n, param, "string")
		return ""
	}
	L.RaiseError("%s(): Argument #%d ($%s) must be of type string, %s given", fn, n, param, valTypeName(L, v))
	return ""
}

// valNullDeprecated is PHP 8.1's deprecation for nil given where a scalar
// is required; the call goes on with "" or 0, as PHP's does.
func valNullDeprecated(L *lua.LState, fn string, n int, param, typ string) {
	if h := valGetState(L).host; h != nil {
		h.Diagnostic(L, EDeprecated, fmt.Sprintf("%s(): Passing null to parameter #%d ($%s) of type %s is deprecated", fn, n, param, typ))
	}
}

// valCheckCallable is argument n, a function.
func valCheckCallable(L *lua.LState, fn string, n int, param string) *lua.LFunction {
	f, ok := L.Get(n).(*lua.LFunction)
	if !ok {
		L.RaiseError("%s(): Argument #%d ($%s) must be a valid callback, %s given", fn, n, param, valTypeName(L, L.Get(n)))
	}
	return f
}

// valNumeric parses a PHP numeric string (leading whitespace allowed,
// trailing whitespace allowed, nothing else).
func valNumeric(s string) (float64, bool) {
	t := strings.TrimLeft(s, " \t\n\r\v\f")
	t = strings.TrimRight(t, " \t\n\r\v\f")
	if t == "" {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// valCall calls a Lua function with args and returns its first result.
func valCall(L *lua.LState, f *lua.LFunction, args ...lua.LValue) lua.LValue {
	L.CallByParam(lua.P{Fn: f, NRet: 1, Protect: false}, args...)
	ret := L.Get(-1)
	L.Pop(1)
	return ret
}

// valCompare is PHP 8's comparison ($a <=> $b) of two values: numbers and
// numeric strings numerically, other strings byte-wise, a number and a
// non-numeric string as strings, null and booleans by truthiness, arrays by
// size then entry by entry.
func valCompare(L *lua.LState, a, b lua.LValue) int {
	switch x := a.(type) {
	case lua.LNumber:
		switch y := b.(type) {
		case lua.LNumber:
			return valCmpFloat(float64(x), float64(y))
		case lua.LString:
			if f, ok := valNumeric(string(y)); ok {
				return valCmpFloat(float64(x), f)
			}
			return strings.Compare(NumberString(float64(x)), string(y))
		}
	case lua.LString:
		switch y := b.(type) {
		case lua.LString:
			fx, okx := valNumeric(string(x))
			fy, oky := valNumeric(string(y))
			if okx && oky {
				return valCmpFloat(fx, fy)
			}
			return strings.Compare(string(x), string(y))
		case lua.LNumber:
			return -valCompare(L, b, a)
		case *lua.LNilType:
			return strings.Compare(string(x), "")
		}
	case *lua.LNilType:
		if y, ok := b.(lua.LString); ok {
			return strings.Compare("", string(y))
		}
	case *lua.LTable:
		if y, ok := b.(*lua.LTable); ok {
			ea, _ := valEntries(x)
			eb, _ := valEntries(y)
			if len(ea) != len(eb) {
				return valCmpFloat(float64(len(ea)), float64(len(eb)))
			}
			for _, e := range ea {
				w := y.RawGet(e.key)
				if w == lua.LNil {
					return 1
				}
				if c := valCompare(L, e.val, w); c != 0 {
					return c
				}
			}
			return 0
		}
	}
	// An array is greater than any number or string.
	if _, ok := a.(*lua.LTable); ok && valScalar(b) {
		return 1
	}
	if _, ok := b.(*lua.LTable); ok && valScalar(a) {
		return -1
	}
	// null, booleans and mixed types: by truthiness.
	ta, tb := Truthy(a), Truthy(b)
	switch {
	case ta == tb:
		return 0
	case ta:
		return 1
	}
	return -1
}

func valCmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// valLooseEqual is PHP 8's ==; sockets and functions by identity.
func valLooseEqual(L *lua.LState, a, b lua.LValue) bool {
	switch a.(type) {
	case *lua.LUserData, *lua.LFunction:
		return a == b
	}
	switch b.(type) {
	case *lua.LUserData, *lua.LFunction:
		return a == b
	}
	_, ta := a.(*lua.LTable)
	_, tb := b.(*lua.LTable)
	if ta != tb && (valScalar(a) || valScalar(b)) {
		return false // an array never equals a number or a string
	}
	return valCompare(L, a, b) == 0
}

// valScalar reports whether v is a number or a string.
func valScalar(v lua.LValue) bool {
	switch v.(type) {
	case lua.LNumber, lua.LString:
		return true
	}
	return false
}

// valStrictEqual is PHP's ===: same type and value (tables: same entries in
// the same order, strictly equal).
func valStrictEqual(a, b lua.LValue) bool {
	ta, ok1 := a.(*lua.LTable)
	tb, ok2 := b.(*lua.LTable)
	if ok1 && ok2 {
		if ta == tb {
			return true
		}
		ea, _ := valEntries(ta)
		eb, _ := valEntries(tb)
		if len(ea) != len(eb) {
			return false
		}
		for i := range ea {
			if ea[i].key != eb[i].key || !valStrictEqual(ea[i].val, eb[i].val) {
				return false
			}
		}
		return true
	}
	return a == b
}
