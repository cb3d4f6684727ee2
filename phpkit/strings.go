package phpkit

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// stringFuncs are PHP's string functions. Strings are byte strings; offsets
// are PHP's (0-based, negative from the end); case mapping is ASCII only, as
// PHP 8.2's is.
var stringFuncs = []Func{
	{"strlen", strlenFn},
	{"trim", func(k *Kit, L *lua.LState) int { return strTrimFn(k, L, "trim", true, true) }},
	{"ltrim", func(k *Kit, L *lua.LState) int { return strTrimFn(k, L, "ltrim", true, false) }},
	{"rtrim", func(k *Kit, L *lua.LState) int { return strTrimFn(k, L, "rtrim", false, true) }},
	{"chop", func(k *Kit, L *lua.LState) int { return strTrimFn(k, L, "chop", false, true) }},
	{"substr", substr},
	{"strpos", func(k *Kit, L *lua.LState) int { return strposFn(k, L, "strpos", false) }},
	{"stripos", func(k *Kit, L *lua.LState) int { return strposFn(k, L, "stripos", true) }},
	{"strrpos", func(k *Kit, L *lua.LState) int { return strrposFn(k, L, "strrpos", false) }},
	{"strripos", func(k *Kit, L *lua.LState) int { return strrposFn(k, L, "strripos", true) }},
	{"str_replace", func(k *Kit, L *lua.LState) int { return strReplaceFn(k, L, "str_replace", false) }},
	{"str_ireplace", func(k *Kit, L *lua.LState) int { return strReplaceFn(k, L, "str_ireplace", true) }},
	{"str_repeat", strRepeat},
	{"str_pad", strPad},
	{"str_split", strSplit},
	{"strtoupper", func(k *Kit, L *lua.LState) int { return strMapFn(k, L, "strtoupper", strUpper) }},
	{"strtolower", func(k *Kit, L *lua.LState) int { return strMapFn(k, L, "strtolower", strLower) }},
	{"ucfirst", func(k *Kit, L *lua.LState) int { return strMapFn(k, L, "ucfirst", strUcfirst) }},
	{"lcfirst", func(k *Kit, L *lua.LState) int { return strMapFn(k, L, "lcfirst", strLcfirst) }},
	{"strrev", func(k *Kit, L *lua.LState) int { return strMapFn(k, L, "strrev", strReverse) }},
	{"addslashes", func(k *Kit, L *lua.LState) int { return strMapFn(k, L, "addslashes", strAddslashes) }},
	{"ucwords", ucwords},
	{"explode", explode},
	{"implode", func(k *Kit, L *lua.LState) int { return implodeFn(k, L, "implode") }},
	{"join", func(k *Kit, L *lua.LState) int { return implodeFn(k, L, "join") }},
	{"sprintf", sprintf},
	{"vsprintf", vsprintf},
	{"printf", printf},
	{"vprintf", vprintf},
	{"number_format", numberFormat},
	{"ord", ord},
	{"chr", chr},
	{"str_contains", func(k *Kit, L *lua.LState) int { return strTestFn(k, L, "str_contains", strings.Contains) }},
	{"str_starts_with", func(k *Kit, L *lua.LState) int { return strTestFn(k, L, "str_starts_with", strings.HasPrefix) }},
	{"str_ends_with", func(k *Kit, L *lua.LState) int { return strTestFn(k, L, "str_ends_with", strings.HasSuffix) }},
	{"strcmp", func(k *Kit, L *lua.LState) int { return strcmpFn(k, L, "strcmp", false, false) }},
	{"strcasecmp", func(k *Kit, L *lua.LState) int { return strcmpFn(k, L, "strcasecmp", true, false) }},
	{"strncmp", func(k *Kit, L *lua.LState) int { return strcmpFn(k, L, "strncmp", false, true) }},
	{"strncasecmp", func(k *Kit, L *lua.LState) int { return strcmpFn(k, L, "strncasecmp", true, true) }},
	{"strstr", func(k *Kit, L *lua.LState) int { return strstrFn(k, L, "strstr", false) }},
	{"stristr", func(k *Kit, L *lua.LState) int { return strstrFn(k, L, "stristr", true) }},
	{"strrchr", strrchr},
	{"substr_count", substrCount},
	{"str_word_count", strWordCount},
	{"nl2br", nl2br},
	{"wordwrap", wordwrap},
	{"strtr", strtr},
	{"htmlspecialchars", htmlspecialchars},
	{"htmlspecialchars_decode", htmlspecialcharsDecode},
	{"strip_tags", stripTags},
	{"substr_replace", substrReplace},
	{"chunk_split", chunkSplit},
	{"strpbrk", strpbrk},
	{"strspn", func(k *Kit, L *lua.LState) int { return strspnFn(k, L, "strspn", true) }},
	{"strcspn", func(k *Kit, L *lua.LState) int { return strspnFn(k, L, "strcspn", false) }},
	{"levenshtein", levenshtein},
	{"similar_text", similarText},
	{"uniqid", uniqid},
	{"quotemeta", quotemeta},
	{"ctype_digit", func(k *Kit, L *lua.LState) int { return ctypeFn(k, L, "ctype_digit", strIsDigit) }},
	{"ctype_alpha", func(k *Kit, L *lua.LState) int { return ctypeFn(k, L, "ctype_alpha", strIsAlpha) }},
	{"ctype_alnum", func(k *Kit, L *lua.LState) int {
		return ctypeFn(k, L, "ctype_alnum", func(c byte) bool { return strIsAlpha(c) || strIsDigit(c) })
	}},
	{"ctype_space", func(k *Kit, L *lua.LState) int { return ctypeFn(k, L, "ctype_space", strIsSpace) }},
	{"ctype_xdigit", func(k *Kit, L *lua.LState) int { return ctypeFn(k, L, "ctype_xdigit", strIsXdigit) }},
	{"ctype_upper", func(k *Kit, L *lua.LState) int {
		return ctypeFn(k, L, "ctype_upper", func(c byte) bool { return c >= 'A' && c <= 'Z' })
	}},
	{"ctype_lower", func(k *Kit, L *lua.LState) int {
		return ctypeFn(k, L, "ctype_lower", func(c byte) bool { return c >= 'a' && c <= 'z' })
	}},
	{"ctype_punct", func(k *Kit, L *lua.LState) int {
		return ctypeFn(k, L, "ctype_punct", func(c byte) bool {
			return c > ' ' && c < 0x7f && !strIsAlpha(c) && !strIsDigit(c)
		})
	}},
}

// stringConsts are the constants of this part of the kit, in the order to
// define them as global numbers: str_pad's STR_PAD_*, htmlspecialchars'
// ENT_*, the PREG_* flags and errors (preg.go), and INF, NAN, PHP_FLOAT_*,
// M_*, PHP_ROUND_*, MT_RAND_* (math.go).
var stringConsts = slices.Concat(strConsts, pregConsts, mathConsts)

var strConsts = []strConst{
	{"STR_PAD_LEFT", strPadLeft},
	{"STR_PAD_RIGHT", strPadRight},
	{"STR_PAD_BOTH", strPadBoth},
	{"ENT_HTML_QUOTE_NONE", 0},
	{"ENT_NOQUOTES", 0},
	{"ENT_COMPAT", entCompat},
	{"ENT_QUOTES", entQuotes},
	{"ENT_HTML401", 0},
	{"ENT_IGNORE", entIgnore},
	{"ENT_SUBSTITUTE", entSubstitute},
}

// strConst is one constant: a name and its value (a Lua number).
type strConst struct {
	Name  string
	Value float64
}

const (
	strPadLeft  = 0
	strPadRight = 1
	strPadBoth  = 2

	entCompat     = 2
	entQuotes     = 3
	entIgnore     = 4
	entSubstitute = 8
)

func strlenFn(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "strlen", 1, 1)
	s := a.str(1, "string")
	return strPushInt(L, int64(len(s)))
}

// strCharMask is PHP's character list ("a..z" ranges included), warning
// about malformed ranges as php_charmask does.
func strCharMask(a strArgs, list string) *[256]bool {
	var mask [256]bool
	for i := 0; i < len(list); i++ {
		c := list[i]
		switch {
		case i+3 < len(list) && list[i+1] == '.' && list[i+2] == '.' && list[i+3] >= c:
			for x := int(c); x <= int(list[i+3]); x++ {
				mask[x] = true
			}
			i += 3
		case i+1 < len(list) && c == '.' && list[i+1] == '.':
			switch {
			case i == 0:
				a.warn("Invalid '..'-range, no character to the left of '..'")
			case i+2 >= len(list):
				a.warn("Invalid '..'-range, no character to the right of '..'")
			case list[i-1] > list[i+2]:
				a.warn("Invalid '..'-range, '..'-range needs to be incrementing")
			default:
				a.warn("Invalid '..'-range")
			}
		default:
			mask[c] = true
		}
	}
	return &mask
}

const strTrimDefault = " \n\r\t\v\x00"

func strTrimFn(k *Kit, L *lua.LState, fn string, left, right bool) int {
	a := strArgsOf(k, L, fn, 1, 2)
	s := a.str(1, "string")
	list := a.optStr(2, "characters", strTrimDefault)
	mask := strCharMask(a, list)
	start, end := 0, len(s)
	if left {
		for start < end && mask[s[start]] {
			start++
		}
	}
	if right {
		for end > start && mask[s[end-1]] {
			end--
		}
	}
	return strPushString(L, s[start:end])
}

func substr(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "substr", 2, 3)
	s := a.str(1, "string")
	offset := a.int(2, "offset")
	n := int64(len(s))
	switch {
	case offset > n:
		return strPushString(L, "")
	case offset < 0:
		offset = max(0, n+offset)
	}
	end := n
	if a.given(3) {
		length := a.int(3, "length")
		switch {
		case length < 0:
			end = n + length
		case length < n-offset:
			end = offset + length
		}
	}
	if end <= offset {
		return strPushString(L, "")
	}
	return strPushString(L, s[offset:end])
}

func strposFn(k *Kit, L *lua.LState, fn string, fold bool) int {
	a := strArgsOf(k, L, fn, 2, 3)
	h := a.str(1, "haystack")
	needle := a.str(2, "needle")
	offset := a.optInt(3, "offset", 0)
	if offset < 0 {
		offset += int64(len(h))
	}
	if offset < 0 || offset > int64(len(h)) {
		a.raise("Argument #3 ($offset) must be contained in argument #1 ($haystack)")
	}
	if fold {
		h, needle = strLower(h), strLower(needle)
	}
	i := strings.Index(h[offset:], needle)
	if i < 0 {
		return strPushBool(L, false)
	}
	return strPushInt(L, offset+int64(i))
}

// strrposFn finds the last needle starting at or after a non-negative
// offset, or, for a negative one, the last that starts no later than
// len+offset (and ends inside the string).
func strrposFn(k *Kit, L *lua.LState, fn string, fold bool) int {
	a := strArgsOf(k, L, fn, 2, 3)
	h := a.str(1, "haystack")
	needle := a.str(2, "needle")
	offset := a.optInt(3, "offset", 0)
	n, nl := int64(len(h)), int64(len(needle))
	from, end := int64(0), n
	if offset >= 0 {
		if offset > n {
			a.raise("Argument #3 ($offset) must be contained in argument #1 ($haystack)")
		}
		from = offset
	} else {
		if -offset > n {
			a.raise("Argument #3 ($offset) must be contained in argument #1 ($haystack)")
		}
		if -offset >= nl {
			end = n + offset + nl
		}
	}
	if fold {
		h, needle = strLower(h), strLower(needle)
	}
	if end-from < nl {
		return strPushBool(L, false)
	}
	i := strings.LastIndex(h[from:end], needle)
	if i < 0 {
		return strPushBool(L, false)
	}
	return strPushInt(L, from+int64(i))
}

// strReplaceFn is str_replace(search, replace, subject): returns the result
// and the count (PHP's by-reference $count, returned after it).
func strReplaceFn(k *Kit, L *lua.LState, fn string, fold bool) int {
	a := strArgsOf(k, L, fn, 3, 3)
	var searches, replaces []string
	replaceList := false
	if t, ok := L.Get(1).(*lua.LTable); ok {
		for _, v := range strIndexValues(t) {
			searches = append(searches, strElem(a, v))
		}
		if rt, ok := L.Get(2).(*lua.LTable); ok {
			replaceList = true
			for _, v := range strIndexValues(rt) {
				replaces = append(replaces, strElem(a, v))
			}
		} else {
			replaces = []string{a.str(2, "replace")}
		}
	} else {
		searches = []string{a.str(1, "search")}
		if _, ok := L.Get(2).(*lua.LTable); ok {
			a.raise("Argument #2 ($replace) must be of type string when argument #1 ($search) is a string")
		}
		replaces = []string{a.str(2, "replace")}
		replaceList = true
	}
	count := 0
	one := func(s string) string {
		for i, search := range searches {
			rep := replaces[0]
			if replaceList {
				rep = ""
				if i < len(replaces) {
					rep = replaces[i]
				}
			}
			var c int
			s, c = strReplaceAll(s, search, rep, fold)
			count += c
		}
		return s
	}
	switch subj := L.Get(3).(type) {
	case *lua.LTable:
		out := L.NewTable()
		for _, key := range strTableKeys(subj) {
			v := subj.RawGet(key)
			if _, nested := v.(*lua.LTable); !nested {
				v = lua.LString(one(strElem(a, v)))
			}
			out.RawSet(key, v)
		}
		L.Push(out)
	default:
		L.Push(lua.LString(one(a.str(3, "subject"))))
	}
	L.Push(lua.LNumber(count))
	return 2
}

// strElem converts an array element to string as PHP does, warning for a
// nested array ("Array").
func strElem(a strArgs, v lua.LValue) string {
	if s, ok := ToString(v); ok {
		return s
	}
	if _, ok := v.(*lua.LTable); ok {
		a.k.Host.Diagnostic(a.L, EWarning, "Array to string conversion")
		return "Array"
	}
	return v.String()
}

// strReplaceAll replaces every non-overlapping search, case-insensitively
// (ASCII) with fold; an empty search replaces nothing.
func strReplaceAll(s, search, rep string, fold bool) (string, int) {
	if search == "" {
		return s, 0
	}
	hay := s
	if fold {
		hay, search = strLower(s), strLower(search)
	}
	var b strings.Builder
	count, last := 0, 0
	for {
		i := strings.Index(hay[last:], search)
		if i < 0 {
			break
		}
		b.WriteString(s[last : last+i])
		b.WriteString(rep)
		last += i + len(search)
		count++
	}
	if count == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), count
}

func strRepeat(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "str_repeat", 2, 2)
	s := a.str(1, "string")
	times := a.int(2, "times")
	if times < 0 {
		a.raise("Argument #2 ($times) must be greater than or equal to 0")
	}
	if int64(len(s))*times > 1<<31 {
		a.raise("Result is too big, maximum 2147483648 allowed") // keeps a typo from exhausting memory
	}
	return strPushString(L, strings.Repeat(s, int(times)))
}

func strPad(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "str_pad", 2, 4)
	s := a.str(1, "string")
	length := a.int(2, "length")
	pad := a.optStr(3, "pad_string", " ")
	padType := a.optInt(4, "pad_type", strPadRight)
	if length < 0 || length <= int64(len(s)) {
		return strPushString(L, s)
	}
	if pad == "" {
		a.raise("Argument #3 ($pad_string) must be a non-empty string")
	}
	if padType < strPadLeft || padType > strPadBoth {
		a.raise("Argument #4 ($pad_type) must be STR_PAD_LEFT, STR_PAD_RIGHT, or STR_PAD_BOTH")
	}
	total := int(length) - len(s)
	left := 0
	switch padType {
	case strPadLeft:
		left = total
	case strPadBoth:
		left = total / 2
	}
	fill := func(n int) string {
		return strings.Repeat(pad, n/len(pad)+1)[:n]
	}
	return strPushString(L, fill(left)+s+fill(total-left))
}

func strSplit(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "str_split", 1, 2)
	s := a.str(1, "string")
	size := a.optInt(2, "length", 1)
	if size < 1 {
		a.raise("Argument #2 ($length) must be greater than 0")
	}
	var parts []string
	for i := 0; i < len(s); i += int(size) {
		parts = append(parts, s[i:min(len(s), i+int(size))])
	}
	L.Push(strNewList(L, parts)) // PHP 8.2: "" gives an empty array
	return 1
}

// strMapFn is a function of one string to one string.
func strMapFn(k *Kit, L *lua.LState, fn string, f func(string) string) int {
	a := strArgsOf(k, L, fn, 1, 1)
	return strPushString(L, f(a.str(1, "string")))
}

func strUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func strLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func strUcfirst(s string) string {
	if s == "" {
		return s
	}
	return strUpper(s[:1]) + s[1:]
}

func strLcfirst(s string) string {
	if s == "" {
		return s
	}
	return strLower(s[:1]) + s[1:]
}

func strReverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func strAddslashes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func ucwords(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "ucwords", 1, 2)
	s := a.str(1, "string")
	seps := a.optStr(2, "separators", " \t\r\n\f\v")
	b := []byte(s)
	for i := range b {
		if (i == 0 || strings.IndexByte(seps, b[i-1]) >= 0) && b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 32
		}
	}
	return strPushString(L, string(b))
}

// explode returns a Lua sequence (a PHP list).
func explode(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "explode", 2, 3)
	sep := a.str(1, "separator")
	s := a.str(2, "string")
	limit := a.optInt(3, "limit", 1<<62)
	if sep == "" {
		a.raise("Argument #1 ($separator) cannot be empty")
	}
	var parts []string
	switch {
	case limit > 0:
		parts = strings.SplitN(s, sep, int(min(limit, 1<<30)))
	case limit == 0:
		parts = strings.SplitN(s, sep, 1)
	default:
		parts = strings.Split(s, sep)
		if s == "" || int64(len(parts)) <= -limit {
			parts = nil
		} else {
			parts = parts[:int64(len(parts))+limit]
		}
	}
	L.Push(strNewList(L, parts))
	return 1
}

// implodeFn is implode(separator, array) or implode(array); PHP 8 dropped
// the legacy (array, separator) order, and so does sockrun, with PHP's
// TypeError.
func implodeFn(k *Kit, L *lua.LState, fn string) int {
	a := strArgsOf(k, L, fn, 1, 2)
	var sep string
	var t *lua.LTable
	switch first := L.Get(1).(type) {
	case *lua.LTable:
		if a.given(2) {
			if _, ok := L.Get(2).(*lua.LTable); ok {
				a.raise("Argument #1 ($separator) must be of type string, array given")
			}
			a.raise("Argument #2 ($array) must be of type ?array, %s given", strTypeName(L.Get(2)))
		}
		t = first
	default:
		if !a.given(2) {
			a.raise("Argument #1 ($array) must be of type array, %s given", strTypeName(first))
		}
		sep = a.str(1, "separator")
		tt, ok := L.Get(2).(*lua.LTable)
		if !ok {
			a.raise("Argument #2 ($array) must be of type ?array, %s given", strTypeName(L.Get(2)))
		}
		t = tt
	}
	var parts []string
	for _, v := range strIndexValues(t) {
		parts = append(parts, strElem(a, v))
	}
	return strPushString(L, strings.Join(parts, sep))
}

func ord(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "ord", 1, 1)
	s := a.str(1, "character")
	if s == "" {
		return strPushInt(L, 0)
	}
	return strPushInt(L, int64(s[0]))
}

func chr(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "chr", 1, 1)
	n := a.int(1, "codepoint")
	return strPushString(L, string([]byte{byte(n)}))
}

func strTestFn(k *Kit, L *lua.LState, fn string, f func(string, string) bool) int {
	a := strArgsOf(k, L, fn, 2, 2)
	h := a.str(1, "haystack")
	needle := a.str(2, "needle")
	return strPushBool(L, f(h, needle))
}

// strCompareBytes is PHP 8.2's string comparison result: the difference of
// the first differing bytes, or -1/1 when one string is a prefix of the
// other.
func strCompareBytes(s1, s2 string) int64 {
	for i := 0; i < len(s1) && i < len(s2); i++ {
		if s1[i] != s2[i] {
			return int64(s1[i]) - int64(s2[i])
		}
	}
	switch {
	case len(s1) < len(s2):
		return -1
	case len(s1) > len(s2):
		return 1
	}
	return 0
}

// strcmpFn is the strcmp family (by bytes; the case variants fold ASCII).
func strcmpFn(k *Kit, L *lua.LState, fn string, fold, limited bool) int {
	max := 2
	if limited {
		max = 3
	}
	a := strArgsOf(k, L, fn, max, max)
	s1 := a.str(1, "string1")
	s2 := a.str(2, "string2")
	if limited {
		n := a.int(3, "length")
		if n < 0 {
			a.raise("Argument #3 ($length) must be greater than or equal to 0")
		}
		if int64(len(s1)) > n {
			s1 = s1[:n]
		}
		if int64(len(s2)) > n {
			s2 = s2[:n]
		}
	}
	if fold {
		s1, s2 = strLower(s1), strLower(s2)
	}
	return strPushInt(L, strCompareBytes(s1, s2))
}

func strstrFn(k *Kit, L *lua.LState, fn string, fold bool) int {
	a := strArgsOf(k, L, fn, 2, 3)
	h := a.str(1, "haystack")
	needle := a.str(2, "needle")
	before := a.optBool(3, "before_needle", false)
	hay, nd := h, needle
	if fold {
		hay, nd = strLower(h), strLower(needle)
	}
	i := strings.Index(hay, nd)
	if i < 0 {
		return strPushBool(L, false)
	}
	if before {
		return strPushString(L, h[:i])
	}
	return strPushString(L, h[i:])
}

// strrchr looks for the last occurrence of needle's first byte.
func strrchr(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "strrchr", 2, 2)
	h := a.str(1, "haystack")
	needle := a.str(2, "needle")
	var c byte
	if needle != "" {
		c = needle[0]
	}
	i := strings.LastIndexByte(h, c)
	if i < 0 {
		return strPushBool(L, false)
	}
	return strPushString(L, h[i:])
}

func substrCount(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "substr_count", 2, 4)
	h := a.str(1, "haystack")
	needle := a.str(2, "needle")
	offset := a.optInt(3, "offset", 0)
	if needle == "" {
		a.raise("Argument #2 ($needle) cannot be empty")
	}
	n := int64(len(h))
	if offset < 0 {
		offset += n
	}
	if offset < 0 || offset > n {
		a.raise("Argument #3 ($offset) must be contained in argument #1 ($haystack)")
	}
	end := n
	if a.given(4) {
		length := a.int(4, "length")
		if length < 0 {
			length += n - offset
		}
		if length < 0 || length > n-offset {
			a.raise("Argument #4 ($length) must be contained in argument #1 ($haystack)")
		}
		end = offset + length
	}
	return strPushInt(L, int64(strings.Count(h[offset:end], needle)))
}

// strWordCount counts (format 0) or lists (1: a sequence; 2: offsets as
// keys) words of letters, ' and -, as PHP does in the C locale.
func strWordCount(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "str_word_count", 1, 3)
	s := a.str(1, "string")
	format := a.optInt(2, "format", 0)
	extra := a.optStr(3, "characters", "")
	if format < 0 || format > 2 {
		a.raise("Argument #2 ($format) must be a valid format value")
	}
	var mask *[256]bool
	if extra != "" {
		mask = strCharMask(a, extra)
	}
	isWord := func(c byte) bool {
		return strIsAlpha(c) || (mask != nil && mask[c]) || c == '\'' || c == '-'
	}
	start, end := 0, len(s)
	// A leading hyphen and a trailing one are not part of a word, unless
	// listed as extra characters.
	if start < end && s[start] == '-' && (mask == nil || !mask['-']) {
		start++
	}
	if end > start && s[end-1] == '-' && (mask == nil || !mask['-']) {
		end--
	}
	out := L.NewTable()
	count := 0
	for p := start; p < end; {
		q := p
		for q < end && isWord(s[q]) {
			q++
		}
		if q > p {
			switch format {
			case 1:
				out.Append(lua.LString(s[p:q]))
			case 2:
				out.RawSetInt(p, lua.LString(s[p:q]))
			}
			count++
			p = q
		} else {
			p++
		}
	}
	if format == 0 {
		return strPushInt(L, int64(count))
	}
	L.Push(out)
	return 1
}

func nl2br(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "nl2br", 1, 2)
	s := a.str(1, "string")
	br := "<br />"
	if !a.optBool(2, "use_xhtml", true) {
		br = "<br>"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\r' && c != '\n' {
			b.WriteByte(c)
			continue
		}
		b.WriteString(br)
		b.WriteByte(c)
		if i+1 < len(s) && (s[i+1] == '\r' || s[i+1] == '\n') && s[i+1] != c {
			i++
			b.WriteByte(s[i])
		}
	}
	return strPushString(L, b.String())
}

// wordwrap breaks at spaces once a line reaches width, and with cut also
// inside words longer than width; breaks already in the text restart the
// count.
func wordwrap(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "wordwrap", 1, 4)
	s := a.str(1, "string")
	width := int(a.optInt(2, "width", 75))
	brk := a.optStr(3, "break", "\n")
	cut := a.optBool(4, "cut_long_words", false)
	if s == "" {
		return strPushString(L, "")
	}
	if brk == "" {
		a.raise("Argument #3 ($break) cannot be empty")
	}
	if width == 0 && cut {
		a.raise("Argument #4 ($cut_long_words) cannot be true when argument #2 ($width) is 0")
	}
	if len(brk) == 1 && !cut {
		// A one-byte break replaces the space in place.
		b := []byte(s)
		lineStart, lastSpace := 0, 0
		for i := range b {
			switch {
			case s[i] == brk[0]:
				lineStart, lastSpace = i+1, i+1
			case s[i] == ' ':
				if i-lineStart >= width {
					b[i] = brk[0]
					lineStart = i + 1
				}
				lastSpace = i
			case i-lineStart >= width && lineStart != lastSpace:
				b[lastSpace] = brk[0]
				lineStart = lastSpace + 1
			}
		}
		return strPushString(L, string(b))
	}
	var out strings.Builder
	lineStart, lastSpace := 0, 0
	i := 0
	for ; i < len(s); i++ {
		switch {
		case s[i] == brk[0] && i+len(brk) < len(s) && strings.HasPrefix(s[i:], brk):
			out.WriteString(s[lineStart : i+len(brk)])
			i += len(brk) - 1
			lineStart, lastSpace = i+1, i+1
		case s[i] == ' ':
			if i-lineStart >= width {
				out.WriteString(s[lineStart:i])
				out.WriteString(brk)
				lineStart = i + 1
			}
			lastSpace = i
		case i-lineStart >= width && cut && lineStart >= lastSpace:
			out.WriteString(s[lineStart:i])
			out.WriteString(brk)
			lineStart, lastSpace = i, i
		case i-lineStart >= width && lineStart < lastSpace:
			out.WriteString(s[lineStart:lastSpace])
			out.WriteString(brk)
			lineStart, lastSpace = lastSpace+1, lastSpace+1
		}
	}
	if lineStart != i {
		out.WriteString(s[lineStart:])
	}
	return strPushString(L, out.String())
}

// strtr is strtr(string, from, to), byte for byte, or strtr(string, pairs),
// longest key first, never rescanning what it replaced.
func strtr(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "strtr", 2, 3)
	s := a.str(1, "string")
	if L.GetTop() == 2 {
		t, ok := L.Get(2).(*lua.LTable)
		if !ok {
			a.raise("Argument #2 ($from) must be of type array, string given")
		}
		pairs := map[string]string{}
		var lens []int
		emptyKey := false
		t.ForEach(func(key, v lua.LValue) {
			ks, _ := ToString(key)
			if ks == "" {
				emptyKey = true
				return
			}
			pairs[ks] = strElem(a, v)
			lens = append(lens, len(ks))
		})
		if emptyKey {
			a.warn("Ignoring replacement of empty string")
		}
		sort.Sort(sort.Reverse(sort.IntSlice(lens)))
		lens = compactInts(lens)
		var b strings.Builder
		for i := 0; i < len(s); {
			matched := false
			for _, n := range lens {
				if i+n <= len(s) {
					if rep, ok := pairs[s[i:i+n]]; ok {
						b.WriteString(rep)
						i += n
						matched = true
						break
					}
				}
			}
			if !matched {
				b.WriteByte(s[i])
				i++
			}
		}
		return strPushString(L, b.String())
	}
	if _, ok := L.Get(2).(*lua.LTable); ok {
		a.raise("Argument #2 ($from) must be of type string, array given")
	}
	from := a.str(2, "from")
	to := a.str(3, "to")
	n := min(len(from), len(to))
	var table [256]byte
	for i := range table {
		table[i] = byte(i)
	}
	for i := 0; i < n; i++ {
		table[from[i]] = to[i]
	}
	b := []byte(s)
	for i, c := range b {
		b[i] = table[c]
	}
	return strPushString(L, string(b))
}

func compactInts(s []int) []int {
	var out []int
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// htmlspecialchars escapes & < > and, by flags, " and '; invalid UTF-8 is
// replaced by U+FFFD (ENT_SUBSTITUTE, in the default flags) or makes the
// result empty; double_encode false keeps existing entities.
func htmlspecialchars(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "htmlspecialchars", 1, 4)
	s := a.str(1, "string")
	flags := a.optInt(2, "flags", entQuotes|entSubstitute)
	a.optStr(3, "encoding", "UTF-8")
	double := a.optBool(4, "double_encode", true)
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				switch {
				case flags&entSubstitute != 0:
					b.WriteString("\uFFFD")
				case flags&entIgnore != 0:
				default:
					return strPushString(L, "")
				}
				i++
				continue
			}
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		switch {
		case c == '&':
			if !double {
				if n := strEntityLen(s[i:]); n > 0 {
					b.WriteString(s[i : i+n])
					i += n
					continue
				}
			}
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '"' && flags&entCompat != 0:
			b.WriteString("&quot;")
		case c == '\'' && flags&entQuotes == entQuotes:
			b.WriteString("&#039;")
		default:
			b.WriteByte(c)
		}
		i++
	}
	return strPushString(L, b.String())
}

// strEntityLen is the length of a character reference at the start of s
// ("&amp;", "&#39;", "&#x27;"), or 0.
func strEntityLen(s string) int {
	end := strings.IndexByte(s, ';')
	if end < 2 {
		return 0
	}
	body := s[1:end]
	switch {
	case body[0] == '#' && len(body) > 2 && (body[1] == 'x' || body[1] == 'X'):
		for i := 2; i < len(body); i++ {
			if !strIsXdigit(body[i]) {
				return 0
			}
		}
	case body[0] == '#':
		for i := 1; i < len(body); i++ {
			if !strIsDigit(body[i]) {
				return 0
			}
		}
		if len(body) == 1 {
			return 0
		}
	default:
		for i := 0; i < len(body); i++ {
			if !strIsAlpha(body[i]) && !strIsDigit(body[i]) {
				return 0
			}
		}
	}
	return end + 1
}

func strIsDigit(c byte) bool  { return c >= '0' && c <= '9' }
func strIsAlpha(c byte) bool  { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func strIsXdigit(c byte) bool { return strIsDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

// ctypeFn tests every byte of a non-empty string; an int in -128..255 is
// one character (and other ints their digits), with PHP 8.1's deprecation.
func ctypeFn(k *Kit, L *lua.LState, fn string, test func(byte) bool) int {
	a := strArgsOf(k, L, fn, 1, 1)
	var s string
	switch v := L.Get(1).(type) {
	case lua.LString:
		s = string(v)
	case lua.LNumber:
		a.deprecated(fmt.Sprintf("%s(): Argument of type %s will be interpreted as string in the future", fn, strTypeName(v)))
		n := float64(v)
		if !strIsInt(n) {
			return strPushBool(L, false)
		}
		switch {
		case n >= -128 && n < 0:
			s = string([]byte{byte(int(n) + 256)})
		case n >= 0 && n <= 255:
			s = string([]byte{byte(n)})
		default:
			s = NumberString(n)
		}
	default:
		a.deprecated(fmt.Sprintf("%s(): Argument of type %s will be interpreted as string in the future", fn, strTypeName(v)))
		return strPushBool(L, false)
	}
	if s == "" {
		return strPushBool(L, false)
	}
	for i := 0; i < len(s); i++ {
		if !test(s[i]) {
			return strPushBool(L, false)
		}
	}
	return strPushBool(L, true)
}
