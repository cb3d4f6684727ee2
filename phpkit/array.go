package phpkit

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// PHP's array functions over Lua tables (docs/phpkit.md, "PHP arrays and
// Lua tables"). Keys that go in and out are Lua keys (a list's first key is
// 1); offsets and lengths (array_slice, array_splice) are PHP's positions
// (0 is the first element). PHP's by-reference array parameters (array_push,
// sort, ...) are the table itself, changed in place.
var arrayFuncs = []Func{
	{"array", array},
	{"count", count},
	{"sizeof", count},
	{"in_array", inArray},
	{"array_search", arraySearch},
	{"array_values", arrayValues},
	{"array_keys", arrayKeys},
	{"array_key_exists", arrayKeyExists},
	{"key_exists", arrayKeyExists},
	{"array_key_first", arrayKeyFirst},
	{"array_key_last", arrayKeyLast},
	{"array_push", arrayPush},
	{"array_pop", arrayPop},
	{"array_shift", arrayShift},
	{"array_unshift", arrayUnshift},
	{"array_slice", arraySlice},
	{"array_splice", arraySplice},
	{"array_merge", arrayMerge},
	{"array_combine", arrayCombine},
	{"array_flip", arrayFlip},
	{"array_reverse", arrayReverse},
	{"array_unique", arrayUnique},
	{"array_map", arrayMap},
	{"array_filter", arrayFilter},
	{"array_sum", arraySum},
	{"array_product", arrayProduct},
	{"array_fill", arrayFill},
	{"range", phpRange},
	{"shuffle", shuffle},
	{"sort", phpSort},
	{"rsort", rsort},
	{"usort", usort},
	{"ksort", ksort},
	{"krsort", krsort},
	{"asort", asort},
	{"arsort", arsort},
	{"uasort", uasort},
	{"uksort", uksort},
}

// The array constants.
var arrayConstants = []struct {
	name  string
	value int
}{
	{"COUNT_NORMAL", 0}, {"COUNT_RECURSIVE", 1},
	{"ARRAY_FILTER_USE_BOTH", 1}, {"ARRAY_FILTER_USE_KEY", 2},
	{"SORT_REGULAR", 0}, {"SORT_NUMERIC", 1}, {"SORT_STRING", 2},
	{"SORT_LOCALE_STRING", 5}, {"SORT_NATURAL", 6}, {"SORT_FLAG_CASE", 8},
	{"SORT_ASC", 4}, {"SORT_DESC", 3},
}

// valArgs checks the number of arguments as PHP's ArgumentCountError words it.
func valArgs(L *lua.LState, fn string, min, max int) {
	n := L.GetTop()
	plural := func(k int) string {
		if k == 1 {
			return "argument"
		}
		return "arguments"
	}
	switch {
	case min == max && n != min:
		L.RaiseError("%s() expects exactly %d %s, %d given", fn, min, plural(min), n)
	case n < min:
		L.RaiseError("%s() expects at least %d %s, %d given", fn, min, plural(min), n)
	case max >= 0 && n > max:
		L.RaiseError("%s() expects at most %d %s, %d given", fn, max, plural(max), n)
	}
}

// valNewList makes a sequence of vals.
func valNewList(L *lua.LState, vals []lua.LValue) *lua.LTable {
	t := L.CreateTable(len(vals), 0)
	for i, v := range vals {
		t.RawSetInt(i+1, v)
	}
	return t
}

// valNewTable makes a table of entries, stored in their order.
func valNewTable(L *lua.LState, entries []valEntry) *lua.LTable {
	t := L.NewTable()
	for _, e := range entries {
		t.RawSet(e.key, e.val)
	}
	return t
}

// valIsIntKey reports whether a Lua key is a PHP int key (renumbered by
// the functions that re-index).
func valIsIntKey(k lua.LValue) bool {
	_, isInt, ok := valPHPKey(k)
	return ok && isInt
}

// valRenumber gives int keys the numbers 1, 2, ... in order (PHP's 0, 1,
// ... re-indexing) and keeps string keys.
func valRenumber(entries []valEntry) []valEntry {
	out := make([]valEntry, 0, len(entries))
	n := 0
	for _, e := range entries {
		if valIsIntKey(e.key) {
			n++
			e.key = lua.LNumber(n)
		}
		out = append(out, e)
	}
	return out
}

// valReplace makes t hold exactly entries (the table stays the same table,
// as PHP's by-reference arrays do).
func valReplace(t *lua.LTable, entries []valEntry) {
	var keys []lua.LValue
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		keys = append(keys, k)
	}
	for _, k := range keys {
		t.RawSet(k, lua.LNil)
	}
	for _, e := range entries {
		t.RawSet(e.key, e.val)
	}
}

// valNextIndex is the key PHP's $a[] = v would use: one more than the
// largest integer key (1 for a table without one, as for an empty list).
func valNextIndex(entries []valEntry) float64 {
	next := 1.0
	for _, e := range entries {
		if n, ok := e.key.(lua.LNumber); ok && float64(n)+1 > next {
			next = math.Trunc(float64(n)) + 1
		}
	}
	return next
}

// array(...) is PHP's array constructor: array(v1, v2, ...) is the list of
// its arguments; array{...} (one table argument, Lua's table-constructor
// call) returns that table, so array{a = 1, b = 2} reads as PHP's
// array('a' => 1, 'b' => 2). Write {t} for a list holding one table.
func array(k *Kit, L *lua.LState) int {
	if L.GetTop() == 1 {
		if t, ok := L.Get(1).(*lua.LTable); ok {
			L.Push(t)
			return 1
		}
	}
	vals := make([]lua.LValue, L.GetTop())
	for i := range vals {
		vals[i] = L.Get(i + 1)
	}
	L.Push(valNewList(L, vals))
	return 1
}

// count: count(value, mode=COUNT_NORMAL) -> int.
func count(k *Kit, L *lua.LState) int {
	valArgs(L, "count", 1, 2)
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		L.RaiseError("count(): Argument #1 ($value) must be of type Countable|array, %s given", valTypeName(L, L.Get(1)))
	}
	mode := valOptInt(L, "count", 2, "mode", 0)
	if mode != 0 && mode != 1 {
		L.RaiseError("count(): Argument #2 ($mode) must be either COUNT_NORMAL or COUNT_RECURSIVE")
	}
	L.Push(lua.LNumber(valCount(t, mode == 1, map[*lua.LTable]bool{})))
	return 1
}

func valCount(t *lua.LTable, recursive bool, seen map[*lua.LTable]bool) int {
	entries, _ := valEntries(t)
	n := len(entries)
	if recursive && !seen[t] {
		seen[t] = true
		for _, e := range entries {
			if sub, ok := e.val.(*lua.LTable); ok {
				n += valCount(sub, true, seen)
			}
		}
		delete(seen, t)
	}
	return n
}

// valMatch is in_array's and array_search's comparison: == or ===.
func valMatch(L *lua.LState, a, b lua.LValue, strict bool) bool {
	if strict {
		return valStrictEqual(a, b)
	}
	return valLooseEqual(L, a, b)
}

// inArray: in_array(needle, haystack, strict=false) -> bool.
func inArray(k *Kit, L *lua.LState) int {
	valArgs(L, "in_array", 2, 3)
	needle := L.Get(1)
	t := valCheckTable(L, "in_array", 2, "haystack")
	strict := Truthy(L.Get(3))
	// Walked with Next, allocating nothing: select loops call this per socket.
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if valMatch(L, needle, v, strict) {
			L.Push(lua.LTrue)
			return 1
		}
	}
	L.Push(lua.LFalse)
	return 1
}

// arraySearch: array_search(needle, haystack, strict=false) -> key|false.
func arraySearch(k *Kit, L *lua.LState) int {
	valArgs(L, "array_search", 2, 3)
	needle := L.Get(1)
	t := valCheckTable(L, "array_search", 2, "haystack")
	strict := Truthy(L.Get(3))
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if valMatch(L, needle, v, strict) {
			L.Push(k)
			return 1
		}
	}
	L.Push(lua.LFalse)
	return 1
}

// arrayValues: array_values(array) -> list.
func arrayValues(k *Kit, L *lua.LState) int {
	valArgs(L, "array_values", 1, 1)
	entries, _ := valEntries(valCheckTable(L, "array_values", 1, "array"))
	vals := make([]lua.LValue, len(entries))
	for i, e := range entries {
		vals[i] = e.val
	}
	L.Push(valNewList(L, vals))
	return 1
}

// arrayKeys: array_keys(array[, filter_value[, strict]]) -> list of keys.
func arrayKeys(k *Kit, L *lua.LState) int {
	valArgs(L, "array_keys", 1, 3)
	entries, _ := valEntries(valCheckTable(L, "array_keys", 1, "array"))
	filter := L.GetTop() >= 2
	strict := Truthy(L.Get(3))
	var keys []lua.LValue
	for _, e := range entries {
		if !filter || valMatch(L, L.Get(2), e.val, strict) {
			keys = append(keys, e.key)
		}
	}
	L.Push(valNewList(L, keys))
	return 1
}

// arrayKeyExists: array_key_exists(key, array) -> bool.
func arrayKeyExists(k *Kit, L *lua.LState) int {
	valArgs(L, "array_key_exists", 2, 2)
	t := valCheckTable(L, "array_key_exists", 2, "array")
	key := L.Get(1)
	found := key != lua.LNil && t.RawGet(key) != lua.LNil
	if !found {
		if lk := valLuaKey(key); lk != key && lk != lua.LNil {
			found = t.RawGet(lk) != lua.LNil
		}
	}
	if key == lua.LNil {
		found = t.RawGetString("") != lua.LNil
	}
	L.Push(lua.LBool(found))
	return 1
}

// arrayKeyFirst: array_key_first(array) -> key|nil.
func arrayKeyFirst(k *Kit, L *lua.LState) int {
	valArgs(L, "array_key_first", 1, 1)
	key, _ := valCheckTable(L, "array_key_first", 1, "array").Next(lua.LNil)
	L.Push(key)
	return 1
}

// arrayKeyLast: array_key_last(array) -> key|nil.
func arrayKeyLast(k *Kit, L *lua.LState) int {
	valArgs(L, "array_key_last", 1, 1)
	entries, _ := valEntries(valCheckTable(L, "array_key_last", 1, "array"))
	if len(entries) == 0 {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(entries[len(entries)-1].key)
	return 1
}

// arrayPush: array_push(array, ...values) -> new count; appends at the
// next integer key, in place.
func arrayPush(k *Kit, L *lua.LState) int {
	valArgs(L, "array_push", 1, -1)
	t := valCheckTable(L, "array_push", 1, "array")
	entries, _ := valEntries(t)
	next := valNextIndex(entries)
	for i := 2; i <= L.GetTop(); i++ {
		t.RawSet(lua.LNumber(next), L.Get(i))
		next++
	}
	L.Push(lua.LNumber(valCount(t, false, nil)))
	return 1
}

// arrayPop: array_pop(array) -> the last value (nil when empty), removed
// in place.
func arrayPop(k *Kit, L *lua.LState) int {
	valArgs(L, "array_pop", 1, 1)
	t := valCheckTable(L, "array_pop", 1, "array")
	entries, _ := valEntries(t)
	if len(entries) == 0 {
		L.Push(lua.LNil)
		return 1
	}
	last := entries[len(entries)-1]
	t.RawSet(last.key, lua.LNil)
	L.Push(last.val)
	return 1
}

// arrayShift: array_shift(array) -> the first value, removed in place;
// integer keys are renumbered from 1 (PHP's 0).
func arrayShift(k *Kit, L *lua.LState) int {
	valArgs(L, "array_shift", 1, 1)
	t := valCheckTable(L, "array_shift", 1, "array")
	entries, _ := valEntries(t)
	if len(entries) == 0 {
		L.Push(lua.LNil)
		return 1
	}
	valReplace(t, valRenumber(entries[1:]))
	L.Push(entries[0].val)
	return 1
}

// arrayUnshift: array_unshift(array, ...values) -> new count; the values
// go first, integer keys are renumbered.
func arrayUnshift(k *Kit, L *lua.LState) int {
	valArgs(L, "array_unshift", 1, -1)
	t := valCheckTable(L, "array_unshift", 1, "array")
	entries, _ := valEntries(t)
	var front []valEntry
	for i := 2; i <= L.GetTop(); i++ {
		front = append(front, valEntry{lua.LNumber(0), L.Get(i)})
	}
	all := valRenumber(append(front, entries...))
	valReplace(t, all)
	L.Push(lua.LNumber(len(all)))
	return 1
}

// valSliceBounds turns PHP's offset and length (negative from the end,
// length nil for "to the end") into [start, end) positions.
func valSliceBounds(n int, offset int64, length *int64) (int, int) {
	start := offset
	if start < 0 {
		start += int64(n)
		if start < 0 {
			start = 0
		}
	}
	if start > int64(n) {
		start = int64(n)
	}
	end := int64(n)
	if length != nil {
		if *length < 0 {
			end = int64(n) + *length
		} else {
			end = start + *length
		}
	}
	if end > int64(n) {
		end = int64(n)
	}
	if end < start {
		end = start
	}
	return int(start), int(end)
}

// arraySlice: array_slice(array, offset, length=nil, preserve_keys=false).
func arraySlice(k *Kit, L *lua.LState) int {
	valArgs(L, "array_slice", 2, 4)
	t := valCheckTable(L, "array_slice", 1, "array")
	offset := valCheckInt(L, "array_slice", 2, "offset")
	var length *int64
	if L.Get(3) != lua.LNil {
		n := valCheckInt(L, "array_slice", 3, "length")
		length = &n
	}
	entries, _ := valEntries(t)
	start, end := valSliceBounds(len(entries), offset, length)
	part := entries[start:end]
	if !Truthy(L.Get(4)) {
		part = valRenumber(part)
	}
	L.Push(valNewTable(L, part))
	return 1
}

// arraySplice: array_splice(array, offset, length=nil, replacement=nil) ->
// the removed elements; array changes in place, integer keys renumbered.
func arraySplice(k *Kit, L *lua.LState) int {
	valArgs(L, "array_splice", 2, 4)
	t := valCheckTable(L, "array_splice", 1, "array")
	offset := valCheckInt(L, "array_splice", 2, "offset")
	var length *int64
	if L.Get(3) != lua.LNil {
		n := valCheckInt(L, "array_splice", 3, "length")
		length = &n
	}
	var repl []valEntry
	switch r := L.Get(4).(type) {
	case *lua.LNilType:
	case *lua.LTable:
		es, _ := valEntries(r)
		for _, e := range es {
			repl = append(repl, valEntry{lua.LNumber(0), e.val})
		}
	default:
		repl = []valEntry{{lua.LNumber(0), r}}
	}
	entries, _ := valEntries(t)
	start, end := valSliceBounds(len(entries), offset, length)
	removed := make([]lua.LValue, 0, end-start)
	for _, e := range entries[start:end] {
		removed = append(removed, e.val)
	}
	var all []valEntry
	all = append(all, entries[:start]...)
	all = append(all, repl...)
	all = append(all, entries[end:]...)
	valReplace(t, valRenumber(all))
	L.Push(valNewList(L, removed))
	return 1
}

// arrayMerge: array_merge(...arrays): integer keys renumbered and
// appended, string keys overwritten in their first place.
func arrayMerge(k *Kit, L *lua.LState) int {
	var all []valEntry
	pos := map[lua.LValue]int{}
	for i := 1; i <= L.GetTop(); i++ {
		entries, _ := valEntries(valCheckTable(L, "array_merge", i, "arrays"))
		for _, e := range entries {
			if valIsIntKey(e.key) {
				all = append(all, valEntry{lua.LNumber(0), e.val})
				continue
			}
			if p, ok := pos[e.key]; ok {
				all[p].val = e.val
				continue
			}
			pos[e.key] = len(all)
			all = append(all, e)
		}
	}
	L.Push(valNewTable(L, valRenumber(all)))
	return 1
}

// arrayCombine: array_combine(keys, values).
func arrayCombine(k *Kit, L *lua.LState) int {
	valArgs(L, "array_combine", 2, 2)
	ks, _ := valEntries(valCheckTable(L, "array_combine", 1, "keys"))
	vs, _ := valEntries(valCheckTable(L, "array_combine", 2, "values"))
	if len(ks) != len(vs) {
		L.RaiseError("array_combine(): Argument #1 ($keys) and argument #2 ($values) must have the same number of elements")
	}
	t := L.NewTable()
	for i := range ks {
		t.RawSet(valKeyOf(L, ks[i].val), vs[i].val)
	}
	L.Push(t)
	return 1
}

// valKeyOf is the Lua key for a value used as a PHP key (array_combine,
// array_flip): canonical integer strings become numbers, nil "".
func valKeyOf(L *lua.LState, v lua.LValue) lua.LValue {
	if v == lua.LNil {
		return lua.LString("")
	}
	return valLuaKey(v)
}

// arrayFlip: array_flip(array): values become keys and keys values.
func arrayFlip(k *Kit, L *lua.LState) int {
	valArgs(L, "array_flip", 1, 1)
	entries, _ := valEntries(valCheckTable(L, "array_flip", 1, "array"))
	t := L.NewTable()
	for _, e := range entries {
		switch e.val.(type) {
		case lua.LString, lua.LNumber:
			t.RawSet(valLuaKey(e.val), e.key)
		default:
			k.Host.Diagnostic(L, EWarning, "array_flip(): Can only flip string and integer values, entry skipped")
		}
	}
	L.Push(t)
	return 1
}

// arrayReverse: array_reverse(array, preserve_keys=false).
func arrayReverse(k *Kit, L *lua.LState) int {
	valArgs(L, "array_reverse", 1, 2)
	entries, _ := valEntries(valCheckTable(L, "array_reverse", 1, "array"))
	rev := make([]valEntry, len(entries))
	for i, e := range entries {
		rev[len(entries)-1-i] = e
	}
	if !Truthy(L.Get(2)) {
		rev = valRenumber(rev)
	}
	L.Push(valNewTable(L, rev))
	return 1
}

// arrayUnique: array_unique(array, flags=SORT_STRING): the first of each
// run of equal values, keys kept.
func arrayUnique(k *Kit, L *lua.LState) int {
	valArgs(L, "array_unique", 1, 2)
	entries, _ := valEntries(valCheckTable(L, "array_unique", 1, "array"))
	flags := valOptInt(L, "array_unique", 2, "flags", 2)
	var kept []valEntry
	for _, e := range entries {
		dup := false
		for _, o := range kept {
			if valSortCompare(L, e.val, o.val, flags) == 0 {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, e)
		}
	}
	L.Push(valNewTable(L, kept))
	return 1
}

// arrayMap: array_map(callback, array, ...arrays). With one array the keys
// are kept; with more, the result is a list and a nil callback zips.
func arrayMap(k *Kit, L *lua.LState) int {
	valArgs(L, "array_map", 2, -1)
	var fn *lua.LFunction
	if L.Get(1) != lua.LNil {
		fn = valCheckCallable(L, "array_map", 1, "callback")
	}
	if L.GetTop() == 2 {
		entries, _ := valEntries(valCheckTable(L, "array_map", 2, "array"))
		out := make([]valEntry, 0, len(entries))
		for _, e := range entries {
			v := e.val
			if fn != nil {
				v = valCall(L, fn, e.val)
			}
			out = append(out, valEntry{e.key, v})
		}
		L.Push(valNewTable(L, out))
		return 1
	}
	var lists [][]valEntry
	longest := 0
	for i := 2; i <= L.GetTop(); i++ {
		name := "arrays"
		if i == 2 {
			name = "array"
		}
		entries, _ := valEntries(valCheckTable(L, "array_map", i, name))
		lists = append(lists, entries)
		longest = max(longest, len(entries))
	}
	out := make([]lua.LValue, longest)
	for j := 0; j < longest; j++ {
		args := make([]lua.LValue, len(lists))
		for i, l := range lists {
			args[i] = lua.LNil
			if j < len(l) {
				args[i] = l[j].val
			}
		}
		if fn == nil {
			row := L.CreateTable(len(args), 0)
			for i, a := range args {
				row.RawSetInt(i+1, a)
			}
			out[j] = row
		} else {
			out[j] = valCall(L, fn, args...)
		}
	}
	L.Push(valNewList(L, out))
	return 1
}

// arrayFilter: array_filter(array, callback=nil, mode=0): the entries whose
// value (or key, or both) the callback finds true, PHP's truthiness without
// one; keys kept.
func arrayFilter(k *Kit, L *lua.LState) int {
	valArgs(L, "array_filter", 1, 3)
	entries, _ := valEntries(valCheckTable(L, "array_filter", 1, "array"))
	var fn *lua.LFunction
	if L.Get(2) != lua.LNil {
		fn = valCheckCallable(L, "array_filter", 2, "callback")
	}
	mode := valOptInt(L, "array_filter", 3, "mode", 0)
	var kept []valEntry
	for _, e := range entries {
		var keep lua.LValue = e.val
		if fn != nil {
			switch mode {
			case 2:
				keep = valCall(L, fn, e.key)
			case 1:
				keep = valCall(L, fn, e.val, e.key)
			default:
				keep = valCall(L, fn, e.val)
			}
		}
		if Truthy(keep) {
			kept = append(kept, e)
		}
	}
	L.Push(valNewTable(L, kept))
	return 1
}

// valNumberOf is a value as array_sum adds it.
func valNumberOf(v lua.LValue) float64 {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x)
	case lua.LString:
		f, _ := valNumeric(string(x))
		return f
	case lua.LBool:
		if x {
			return 1
		}
	}
	return 0
}

// arraySum: array_sum(array) -> number.
func arraySum(k *Kit, L *lua.LState) int {
	valArgs(L, "array_sum", 1, 1)
	entries, _ := valEntries(valCheckTable(L, "array_sum", 1, "array"))
	sum := 0.0
	for _, e := range entries {
		sum += valNumberOf(e.val)
	}
	L.Push(lua.LNumber(sum))
	return 1
}

// arrayProduct: array_product(array) -> number.
func arrayProduct(k *Kit, L *lua.LState) int {
	valArgs(L, "array_product", 1, 1)
	entries, _ := valEntries(valCheckTable(L, "array_product", 1, "array"))
	p := 1.0
	for _, e := range entries {
		p *= valNumberOf(e.val)
	}
	L.Push(lua.LNumber(p))
	return 1
}

// arrayFill: array_fill(start_index, count, value); start_index is a Lua
// key (1 makes a list).
func arrayFill(k *Kit, L *lua.LState) int {
	valArgs(L, "array_fill", 3, 3)
	start := valCheckInt(L, "array_fill", 1, "start_index")
	n := valCheckInt(L, "array_fill", 2, "count")
	if n < 0 {
		L.RaiseError("array_fill(): Argument #2 ($count) must be greater than or equal to 0")
	}
	t := L.NewTable()
	for i := int64(0); i < n; i++ {
		t.RawSet(lua.LNumber(start+i), L.Get(3))
	}
	L.Push(t)
	return 1
}

// phpRange: range(start, end, step=1): ints, floats (when an end or the
// step has a fraction) or single letters.
func phpRange(k *Kit, L *lua.LState) int {
	valArgs(L, "range", 2, 3)
	a, b := L.Get(1), L.Get(2)
	stepV := L.Get(3)
	step := 1.0
	if stepV != lua.LNil {
		step = math.Abs(valNumberOf(stepV))
	}
	exceed := func() {
		L.RaiseError("range(): Argument #3 ($step) must not exceed the specified range")
	}
	sa, aStr := a.(lua.LString)
	sb, bStr := b.(lua.LString)
	_, aNum := valNumeric(string(sa))
	_, bNum := valNumeric(string(sb))
	if aStr && bStr && len(sa) >= 1 && len(sb) >= 1 && !aNum && !bNum {
		lo, hi := int(sa[0]), int(sb[0])
		is := int(step)
		if is <= 0 {
			is = 1
		}
		var vals []lua.LValue
		if lo > hi {
			if lo-hi < is {
				exceed()
			}
			for c := lo; c >= hi; c -= is {
				vals = append(vals, lua.LString([]byte{byte(c)}))
			}
		} else {
			if hi-lo < is && hi != lo {
				exceed()
			}
			for c := lo; c <= hi; c += is {
				vals = append(vals, lua.LString([]byte{byte(c)}))
			}
		}
		L.Push(valNewList(L, vals))
		return 1
	}
	lo, hi := valNumberOf(a), valNumberOf(b)
	if step == 0 || (lo != hi && math.Abs(hi-lo) < step) {
		exceed()
	}
	n := int(math.Floor(math.Abs(hi-lo)/step)) + 1
	if n > 1<<26 {
		L.RaiseError("range(): The supplied range exceeds the maximum array size: start=%s end=%s", NumberString(lo), NumberString(hi))
	}
	vals := make([]lua.LValue, 0, n)
	for i := 0; i < n; i++ {
		if lo > hi {
			vals = append(vals, lua.LNumber(lo-float64(i)*step))
		} else {
			vals = append(vals, lua.LNumber(lo+float64(i)*step))
		}
	}
	L.Push(valNewList(L, vals))
	return 1
}

// shuffle: shuffle(array) -> true; the table becomes a list of its values
// in random order.
func shuffle(k *Kit, L *lua.LState) int {
	valArgs(L, "shuffle", 1, 1)
	t := valCheckTable(L, "shuffle", 1, "array")
	entries, _ := valEntries(t)
	rand.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	for i := range entries {
		entries[i].key = lua.LNumber(i + 1)
	}
	valReplace(t, entries)
	L.Push(lua.LTrue)
	return 1
}

// valSortCompare compares two values as sort's flags say.
func valSortCompare(L *lua.LState, a, b lua.LValue, flags int64) int {
	switch flags &^ 8 {
	case 1: // SORT_NUMERIC
		return valCmpFloat(valNumberOf(a), valNumberOf(b))
	case 2, 5: // SORT_STRING, SORT_LOCALE_STRING
		sa, _ := ToString(a)
		sb, _ := ToString(b)
		if flags&8 != 0 {
			sa, sb = strings.ToLower(sa), strings.ToLower(sb)
		}
		return strings.Compare(sa, sb)
	}
	return valCompare(L, a, b)
}

// valSort sorts entries stably (PHP 8's sort is stable) by cmp.
func valSort(entries []valEntry, cmp func(a, b valEntry) int) {
	sort.SliceStable(entries, func(i, j int) bool { return cmp(entries[i], entries[j]) < 0 })
}

// valUserCompare calls a comparison callback; PHP takes its result as an int.
func valUserCompare(L *lua.LState, fn *lua.LFunction, a, b lua.LValue) int {
	r := valCall(L, fn, a, b)
	switch x := r.(type) {
	case lua.LNumber:
		return valCmpFloat(float64(x), 0)
	case lua.LBool:
		if x {
			return 1
		}
	}
	return 0
}

// valSortList sorts a table's values into a list, in place.
func valSortList(L *lua.LState, fn string, cmp func(a, b valEntry) int) int {
	t := valCheckTable(L, fn, 1, "array")
	entries, _ := valEntries(t)
	valSort(entries, cmp)
	for i := range entries {
		entries[i].key = lua.LNumber(i + 1)
	}
	valReplace(t, entries)
	L.Push(lua.LTrue)
	return 1
}

// phpSort: sort(array, flags=SORT_REGULAR) -> true; in place, re-indexed.
func phpSort(k *Kit, L *lua.LState) int {
	valArgs(L, "sort", 1, 2)
	flags := valOptInt(L, "sort", 2, "flags", 0)
	return valSortList(L, "sort", func(a, b valEntry) int { return valSortCompare(L, a.val, b.val, flags) })
}

// rsort: rsort(array, flags=SORT_REGULAR) -> true.
func rsort(k *Kit, L *lua.LState) int {
	valArgs(L, "rsort", 1, 2)
	flags := valOptInt(L, "rsort", 2, "flags", 0)
	return valSortList(L, "rsort", func(a, b valEntry) int { return valSortCompare(L, b.val, a.val, flags) })
}

// usort: usort(array, callback) -> true.
func usort(k *Kit, L *lua.LState) int {
	valArgs(L, "usort", 2, 2)
	fn := valCheckCallable(L, "usort", 2, "callback")
	return valSortList(L, "usort", func(a, b valEntry) int { return valUserCompare(L, fn, a.val, b.val) })
}

// valSortKeep sorts a table's entries keeping their keys. A Lua table's
// order cannot be changed in place (gopher-lua keeps a key's first place),
// so the sorted array is a new table, returned after true: PHP's
// ksort($a) is `local _, a = ksort(a)`. Positive integer keys still iterate
// in ascending order in Lua (docs/phpkit.md).
func valSortKeep(L *lua.LState, fn string, cmp func(a, b valEntry) int) int {
	t := valCheckTable(L, fn, 1, "array")
	entries, _ := valEntries(t)
	valSort(entries, cmp)
	L.Push(lua.LTrue)
	L.Push(valNewTable(L, entries))
	return 2
}

func ksort(k *Kit, L *lua.LState) int {
	valArgs(L, "ksort", 1, 2)
	flags := valOptInt(L, "ksort", 2, "flags", 0)
	return valSortKeep(L, "ksort", func(a, b valEntry) int { return valSortCompare(L, a.key, b.key, flags) })
}

func krsort(k *Kit, L *lua.LState) int {
	valArgs(L, "krsort", 1, 2)
	flags := valOptInt(L, "krsort", 2, "flags", 0)
	return valSortKeep(L, "krsort", func(a, b valEntry) int { return valSortCompare(L, b.key, a.key, flags) })
}

func asort(k *Kit, L *lua.LState) int {
	valArgs(L, "asort", 1, 2)
	flags := valOptInt(L, "asort", 2, "flags", 0)
	return valSortKeep(L, "asort", func(a, b valEntry) int { return valSortCompare(L, a.val, b.val, flags) })
}

func arsort(k *Kit, L *lua.LState) int {
	valArgs(L, "arsort", 1, 2)
	flags := valOptInt(L, "arsort", 2, "flags", 0)
	return valSortKeep(L, "arsort", func(a, b valEntry) int { return valSortCompare(L, b.val, a.val, flags) })
}

func uasort(k *Kit, L *lua.LState) int {
	valArgs(L, "uasort", 2, 2)
	fn := valCheckCallable(L, "uasort", 2, "callback")
	return valSortKeep(L, "uasort", func(a, b valEntry) int { return valUserCompare(L, fn, a.val, b.val) })
}

func uksort(k *Kit, L *lua.LState) int {
	valArgs(L, "uksort", 2, 2)
	fn := valCheckCallable(L, "uksort", 2, "callback")
	return valSortKeep(L, "uksort", func(a, b valEntry) int { return valUserCompare(L, fn, a.key, b.key) })
}
