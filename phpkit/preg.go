package phpkit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
	lua "github.com/yuin/gopher-lua"
)

// pregFuncs are PHP's PCRE functions on github.com/dlclark/regexp2, which
// speaks Perl/PCRE syntax (Go's regexp, RE2, does not: no backreferences,
// no lookaround).
//
// Without the u flag a pattern works on bytes, as PCRE does: each byte is
// handed to regexp2 as one rune (0-255), and \d \w \s and the POSIX classes
// are ASCII. With u, subject and pattern are UTF-8 (an invalid subject is
// PHP's PREG_BAD_UTF8_ERROR) and the classes are Unicode, as PHP's u flag
// (PCRE2_UTF|PCRE2_UCP). Offsets are always in bytes.
//
// Captures keep PHP's keys: $m[0] is the whole match, $m[1] the first group
// (m[0], m[1] in Lua), a named group appears under its name too; lists that
// PHP builds (preg_split's pieces, preg_match_all's per-group matches, the
// sets of PREG_SET_ORDER) are Lua sequences from 1.
var pregFuncs = []Func{
	{"preg_match", pregMatch},
	{"preg_match_all", pregMatchAll},
	{"preg_replace", func(k *Kit, L *lua.LState) int { return pregReplaceFn(k, L, "preg_replace", false) }},
	{"preg_replace_callback", func(k *Kit, L *lua.LState) int { return pregReplaceFn(k, L, "preg_replace_callback", true) }},
	{"preg_split", pregSplit},
	{"preg_quote", pregQuote},
	{"preg_grep", pregGrep},
	{"preg_last_error", pregLastError},
	{"preg_last_error_msg", pregLastErrorMsg},
}

// PHP's preg constants.
const (
	pregPatternOrder    = 1
	pregSetOrder        = 2
	pregOffsetCapture   = 256
	pregUnmatchedAsNull = 512
	pregSplitNoEmpty    = 1
	pregSplitDelim      = 2
	pregSplitOffset     = 4
	pregGrepInvert      = 1

	pregNoError        = 0
	pregInternalError  = 1
	pregBacktrackError = 2
	pregBadUTF8        = 4
	pregBadUTF8Offset  = 5
)

// pregConsts are the preg functions' constants (part of stringConsts).
var pregConsts = []strConst{
	{"PREG_PATTERN_ORDER", pregPatternOrder},
	{"PREG_SET_ORDER", pregSetOrder},
	{"PREG_OFFSET_CAPTURE", pregOffsetCapture},
	{"PREG_UNMATCHED_AS_NULL", pregUnmatchedAsNull},
	{"PREG_SPLIT_NO_EMPTY", pregSplitNoEmpty},
	{"PREG_SPLIT_DELIM_CAPTURE", pregSplitDelim},
	{"PREG_SPLIT_OFFSET_CAPTURE", pregSplitOffset},
	{"PREG_GREP_INVERT", pregGrepInvert},
	{"PREG_NO_ERROR", pregNoError},
	{"PREG_INTERNAL_ERROR", pregInternalError},
	{"PREG_BACKTRACK_LIMIT_ERROR", pregBacktrackError},
	{"PREG_RECURSION_LIMIT_ERROR", 3},
	{"PREG_BAD_UTF8_ERROR", pregBadUTF8},
	{"PREG_BAD_UTF8_OFFSET_ERROR", pregBadUTF8Offset},
	{"PREG_JIT_STACKLIMIT_ERROR", 6},
}

var pregErrorTexts = map[int]string{
	pregNoError:        "No error",
	pregInternalError:  "Internal error",
	pregBacktrackError: "Backtrack limit exhausted",
	3:                  "Recursion limit exhausted",
	pregBadUTF8:        "Malformed UTF-8 characters, possibly incorrectly encoded",
	pregBadUTF8Offset:  "The offset did not correspond to the beginning of a valid UTF-8 code point",
	6:                  "JIT stack limit exhausted",
}

// pregRegex is a compiled PHP pattern.
type pregRegex struct {
	re *regexp2.Regexp
	// notEmpty is re anchored at the start position and required to
	// consume something: after an empty match PCRE retries there with
	// PCRE2_NOTEMPTY_ATSTART|PCRE2_ANCHORED before moving on.
	notEmpty *regexp2.Regexp
	utf      bool
	names    map[int]string // group number → name
	count    int            // capturing groups
}

// pregSubject is a subject as regexp2 sees it: runes, and where each rune
// starts in the byte string.
type pregSubject struct {
	s     string
	runes []rune
	at    []int // at[i] is the byte offset of rune i; at[len(runes)] = len(s)
}

func (st *strState) pregCache() map[string]*pregRegex {
	if st.preg == nil {
		st.preg = map[string]*pregRegex{}
	}
	return st.preg
}

// pregCompile parses "/body/flags" as PHP does; on failure it warns in
// PHP's words and returns nil.
func pregCompile(a strArgs, pattern string) *pregRegex {
	st := strStateOf(a.L)
	cache := st.pregCache()
	if r, ok := cache[pattern]; ok {
		return r
	}
	r, msg := pregParse(pattern)
	if r == nil {
		a.warn("%s", msg)
		st.pregErr = pregInternalError
		return nil
	}
	if len(cache) >= 4096 {
		clear(cache)
	}
	cache[pattern] = r
	return r
}

func pregParse(pattern string) (*pregRegex, string) {
	p := strings.TrimLeft(pattern, " \t\n\r\v\f")
	if p == "" {
		return nil, "Empty regular expression"
	}
	delim := p[0]
	if strIsAlpha(delim) || strIsDigit(delim) || delim == '\\' || delim == 0 {
		return nil, "Delimiter must not be alphanumeric, backslash, or NUL"
	}
	end := -1
	closing := delim
	switch delim {
	case '(':
		closing = ')'
	case '[':
		closing = ']'
	case '{':
		closing = '}'
	case '<':
		closing = '>'
	}
	if closing == delim {
		for i := 1; i < len(p); i++ {
			if p[i] == '\\' {
				i++
			} else if p[i] == delim {
				end = i
				break
			}
		}
		if end < 0 {
			return nil, fmt.Sprintf("No ending delimiter '%c' found", delim)
		}
	} else {
		depth := 1
		for i := 1; i < len(p); i++ {
			switch p[i] {
			case '\\':
				i++
			case closing:
				depth--
			case delim:
				depth++
			}
			if depth == 0 {
				end = i
				break
			}
		}
		if end < 0 {
			return nil, fmt.Sprintf("No ending matching delimiter '%c' found", closing)
		}
	}
	body, mods := p[1:end], p[end+1:]
	var opts regexp2.RegexOptions
	var tr pregTranslator
	for i := 0; i < len(mods); i++ {
		switch c := mods[i]; c {
		case 'i':
			opts |= regexp2.IgnoreCase
			tr.caseless = true
		case 'm':
			opts |= regexp2.Multiline
			tr.multiline = true
		case 's':
			opts |= regexp2.Singleline
		case 'x':
			opts |= regexp2.IgnorePatternWhitespace
			tr.extended = true
		case 'u':
			tr.utf = true
		case 'D':
			tr.dollarEndOnly = true
		case 'A':
			tr.anchored = true
		case 'n':
			tr.noAutoCapture = true
		case 'U':
			tr.ungreedy = true
		case 'S', 'X', 'J':
		case '\n', '\r', ' ':
		case 'e':
			return nil, "The /e modifier is no longer supported, use preg_replace_callback instead"
		default:
			if c == 0 {
				return nil, "NUL is not a valid modifier"
			}
			return nil, fmt.Sprintf("Unknown modifier '%c'", c)
		}
	}
	if tr.utf && !utf8.ValidString(body) {
		return nil, "Compilation failed: UTF-8 error: invalid UTF-8 string at offset 0"
	}
	translated, errMsg := tr.translate(body)
	if errMsg != "" {
		return nil, "Compilation failed: " + errMsg
	}
	re, err := regexp2.Compile(translated, opts)
	if err != nil {
		return nil, fmt.Sprintf("Compilation failed: %s at offset %d", pregErrorText(err), len(body))
	}
	// \G holds only where the search started, so (?!\G) at the end means
	// "not empty". A newline ends a trailing comment under x.
	tail := ")(?!\\G)"
	if tr.extended {
		tail = "\n" + tail
	}
	notEmpty, err := regexp2.Compile("\\G(?:"+translated+tail, opts)
	if err != nil {
		return nil, fmt.Sprintf("Compilation failed: %s at offset %d", pregErrorText(err), len(body))
	}
	return &pregRegex{re: re, notEmpty: notEmpty, utf: tr.utf, names: tr.names, count: tr.group}, ""
}

// pregErrorText words a regexp2 error (its own wording: PCRE's differs,
// except for the errors the translator detects first).
func pregErrorText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "error parsing regexp") {
		msg = msg[i+2:]
	}
	if i := strings.Index(msg, " in `"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// pregTranslator rewrites a PCRE pattern into regexp2's dialect: named
// groups become plain ones (numbered as PCRE numbers them, while .NET
// numbers named groups last), named references become numbers, \Q..\E,
// \x{..}, \R, \h and POSIX classes are spelled out, and without u the
// classes are ASCII and each byte is one rune.
type pregTranslator struct {
	utf, multiline, extended, dollarEndOnly, anchored, noAutoCapture, ungreedy, caseless bool

	out   strings.Builder
	group int
	names map[int]string
}

func (t *pregTranslator) lit(c byte) {
	if t.utf || c < 0x80 {
		t.out.WriteByte(c)
	} else {
		t.out.WriteRune(rune(c))
	}
}

func (t *pregTranslator) nameNumber(name string) (int, bool) {
	for n, nm := range t.names {
		if nm == name {
			return n, true
		}
	}
	return 0, false
}

const (
	pregDigit = "0-9"
	pregWord  = "a-zA-Z0-9_"
	pregSpace = `\t\n\x0B\f\r\x20`
)

var pregPosix = map[string]string{
	"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
	"space": pregSpace, "blank": `\t\x20`, "xdigit": "0-9A-Fa-f", "word": pregWord,
	"punct": `!-/:-@\[-` + "`" + `{-~`, "cntrl": `\x00-\x1F\x7F`, "print": `\x20-\x7E`, "graph": `\x21-\x7E`,
	"ascii": `\x00-\x7F`,
}

func (t *pregTranslator) translate(p string) (string, string) {
	t.names = map[int]string{}
	if t.anchored {
		t.out.WriteString(`\G(?:`)
	}
	depth := 0
	inClass := false
	classStart := 0
	canRepeat := false // whether a quantifier here has an item to repeat
	itemStart := 0     // where the last item starts in the output
	var opens []int    // where each open group starts in the output
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			i++
			if !inClass {
				itemStart = t.out.Len()
			}
			if !t.escape(p, &i, inClass) {
				return "", fmt.Sprintf("reference to non-existent subpattern at offset %d", i)
			}
			canRepeat = true
			continue
		}
		if inClass {
			switch {
			case c == ']' && i > classStart:
				inClass = false
				t.out.WriteByte(c)
			case c == '[' && i+1 < len(p) && p[i+1] == ':':
				j := strings.Index(p[i:], ":]")
				if j > 0 {
					if set, ok := pregPosix[p[i+2:i+j]]; ok {
						t.out.WriteString(set)
						i += j + 1
						continue
					}
				}
				t.out.WriteString(`\[`)
			case c == '[':
				t.out.WriteString(`\[`)
			default:
				t.lit(c)
			}
			continue
		}
		switch {
		case c == '[':
			inClass = true
			itemStart = t.out.Len()
			t.out.WriteByte(c)
			classStart = i + 1
			if classStart < len(p) && p[classStart] == '^' {
				t.out.WriteByte('^')
				i++
				classStart++
			}
			canRepeat = true
		case c == '(':
			depth++
			canRepeat = false
			opens = append(opens, t.out.Len())
			if i+1 < len(p) && p[i+1] == '?' {
				msg, closed := t.groupSyntax(p, &i)
				if msg != "" {
					return "", msg
				}
				if closed {
					depth--
					canRepeat = true
					itemStart = opens[len(opens)-1]
					opens = opens[:len(opens)-1]
				}
				continue
			}
			if i+1 < len(p) && p[i+1] == '*' {
				return "", fmt.Sprintf("(*VERB) not recognized or malformed at offset %d", i+2)
			}
			if t.noAutoCapture {
				t.out.WriteString("(?:")
			} else {
				t.group++
				t.out.WriteByte('(')
			}
		case c == ')':
			if depth == 0 {
				return "", fmt.Sprintf("unmatched closing parenthesis at offset %d", i)
			}
			depth--
			t.out.WriteByte(c)
			canRepeat = true
			itemStart = opens[len(opens)-1]
			opens = opens[:len(opens)-1]
		case c == '|':
			t.out.WriteByte(c)
			canRepeat = false
		case c == '*' || c == '+' || c == '?' || (c == '{' && pregBraceQuantifier(p[i:]) > 0):
			if !canRepeat {
				return "", fmt.Sprintf("quantifier does not follow a repeatable item at offset %d", i)
			}
			q := p[i : i+1]
			if c == '{' {
				q = p[i : i+pregBraceQuantifier(p[i:])]
				i += len(q) - 1
			}
			// The quantifier's own suffix: ? (lazy, greedy under U) or +
			// (possessive: regexp2 has the equivalent atomic group).
			lazy, possessive := t.ungreedy, false
			if i+1 < len(p) && p[i+1] == '?' {
				lazy = !t.ungreedy
				i++
			} else if i+1 < len(p) && p[i+1] == '+' {
				lazy, possessive = false, true
				i++
			}
			if possessive {
				done := t.out.String()
				t.out.Reset()
				t.out.WriteString(done[:itemStart] + "(?>" + done[itemStart:] + q + ")")
			} else {
				t.out.WriteString(q)
				if lazy {
					t.out.WriteByte('?')
				}
			}
			canRepeat = false
		case c == '#' && t.extended:
			j := strings.IndexByte(p[i:], '\n')
			if j < 0 {
				j = len(p) - i
			}
			t.out.WriteString(p[i : i+j])
			i += j - 1
		case c == '$' && t.dollarEndOnly && !t.multiline:
			t.out.WriteString(`\z`)
		case c == '^' || c == '$':
			t.out.WriteByte(c)
			canRepeat = false
		default:
			itemStart = t.out.Len()
			if c >= 0x80 && t.caseless && !t.utf {
				// A byte past ASCII has no case in PCRE without u; regexp2
				// would fold it as a Latin-1 letter.
				t.out.WriteString("(?-i:")
				t.lit(c)
				t.out.WriteByte(')')
			} else {
				t.lit(c)
			}
			canRepeat = true
		}
	}
	if inClass {
		return "", fmt.Sprintf("missing terminating ] for character class at offset %d", len(p))
	}
	if depth > 0 {
		return "", fmt.Sprintf("missing closing parenthesis at offset %d", len(p))
	}
	if t.anchored {
		t.out.WriteByte(')')
	}
	return t.out.String(), ""
}

// pregBraceQuantifier is the length of a {n}, {n,} or {n,m} quantifier at
// the start of s, or 0 (PCRE reads other braces as literal text).
func pregBraceQuantifier(s string) int {
	i := 1
	for i < len(s) && strIsDigit(s[i]) {
		i++
	}
	if i == 1 {
		return 0
	}
	if i < len(s) && s[i] == ',' {
		i++
		for i < len(s) && strIsDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && s[i] == '}' {
		return i + 1
	}
	return 0
}

// groupSyntax handles "(?": named groups, Python-style names and
// references, named conditions; other forms are copied. closed reports
// that the whole group was consumed (a reference).
func (t *pregTranslator) groupSyntax(p string, i *int) (msg string, closed bool) {
	rest := p[*i+2:]
	name := func(from int, term byte) (string, int) {
		j := strings.IndexByte(rest[from:], term)
		if j < 0 {
			return "", -1
		}
		return rest[from : from+j], from + j + 1
	}
	switch {
	case strings.HasPrefix(rest, "P=") || strings.HasPrefix(rest, "P>"):
		nm, n := name(2, ')')
		num, ok := t.nameNumber(nm)
		if n < 0 || !ok || rest[1] == '>' {
			return fmt.Sprintf("reference to non-existent subpattern at offset %d", *i+2), false
		}
		fmt.Fprintf(&t.out, `(?:\%d)`, num)
		*i += 2 + n - 1
		return "", true
	case strings.HasPrefix(rest, "P<"), strings.HasPrefix(rest, "<") && len(rest) > 1 && rest[1] != '=' && rest[1] != '!',
		strings.HasPrefix(rest, "'"):
		from, term := 1, byte('>')
		switch {
		case rest[0] == 'P':
			from = 2
		case rest[0] == '\'':
			term = '\''
		}
		nm, n := name(from, term)
		if n < 0 {
			return fmt.Sprintf("syntax error in subpattern name (missing terminator?) at offset %d", len(p)), false
		}
		t.group++
		t.names[t.group] = nm
		t.out.WriteByte('(')
		*i += 2 + n - 1
		return "", false
	case strings.HasPrefix(rest, "("):
		// A condition on a named group: (?(name)...) or (?(<name>)...).
		nm, n := name(1, ')')
		nm = strings.Trim(nm, "<>'")
		if num, ok := t.nameNumber(nm); ok && n > 0 {
			fmt.Fprintf(&t.out, "(?(%d)", num)
			*i += 2 + n - 1
			return "", false
		}
	}
	t.out.WriteString("(?")
	*i++
	return "", false
}

// escape translates the escape sequence whose letter is at p[*i]; false
// means a reference to a group that does not exist.
func (t *pregTranslator) escape(p string, i *int, inClass bool) bool {
	c := p[*i]
	class := func(set string, negate bool) {
		switch {
		case inClass && !negate:
			t.out.WriteString(set)
		case inClass:
			t.out.WriteByte('\\')
			t.out.WriteByte(c)
		case negate:
			t.out.WriteString("[^" + set + "]")
		default:
			t.out.WriteString("[" + set + "]")
		}
	}
	switch {
	case !t.utf && (c == 'd' || c == 'D'):
		class(pregDigit, c == 'D')
	case !t.utf && (c == 'w' || c == 'W'):
		class(pregWord, c == 'W')
	case !t.utf && (c == 's' || c == 'S'):
		class(pregSpace, c == 'S')
	case !t.utf && !inClass && (c == 'b' || c == 'B'):
		// regexp2's \b counts letters past ASCII (bytes 0x80-0xFF here) as
		// word characters; PCRE without u does not.
		w, nw := `(?<=[`+pregWord+`])`, `(?<![`+pregWord+`])`
		ahead, notAhead := `(?=[`+pregWord+`])`, `(?![`+pregWord+`])`
		if c == 'b' {
			t.out.WriteString("(?:" + w + notAhead + "|" + nw + ahead + ")")
		} else {
			t.out.WriteString("(?:" + w + ahead + "|" + nw + notAhead + ")")
		}
	case c == 'h':
		class(`\t\x20\u00A0`, false)
	case c == 'R' && !inClass:
		t.out.WriteString(`(?:\r\n|\n|\x0B|\f|\r|\u0085)`)
	case c == 'Q':
		end := strings.Index(p[*i+1:], `\E`)
		lit := p[*i+1:]
		if end >= 0 {
			lit = lit[:end]
		}
		for j := 0; j < len(lit); j++ {
			if !strIsAlpha(lit[j]) && !strIsDigit(lit[j]) && lit[j] < 0x80 {
				t.out.WriteByte('\\')
			}
			t.lit(lit[j])
		}
		if end >= 0 {
			*i += end + 2
		} else {
			*i = len(p)
		}
	case c == 'E':
	case c == 'x' && *i+1 < len(p) && p[*i+1] == '{':
		end := strings.IndexByte(p[*i:], '}')
		v, err := strconv.ParseUint(p[*i+2:*i+max(end, 2)], 16, 32)
		if end < 0 || err != nil {
			t.out.WriteString(`\x`)
			return true
		}
		switch {
		case v < 0x100:
			fmt.Fprintf(&t.out, `\x%02X`, v)
		case v <= 0xFFFF:
			fmt.Fprintf(&t.out, `\u%04X`, v)
		default:
			t.out.WriteRune(rune(v))
		}
		*i += end
	case c == 'k' && *i+1 < len(p) && (p[*i+1] == '<' || p[*i+1] == '\'' || p[*i+1] == '{'),
		c == 'g' && *i+1 < len(p) && p[*i+1] == '{':
		term := map[byte]byte{'<': '>', '\'': '\'', '{': '}'}[p[*i+1]]
		end := strings.IndexByte(p[*i+2:], term)
		if end < 0 {
			return false
		}
		ref := p[*i+2 : *i+2+end]
		num, ok := t.nameNumber(ref)
		if n, err := strconv.Atoi(ref); err == nil {
			num, ok = n, true
			if n < 0 {
				num = t.group + n + 1
			}
		}
		if !ok {
			return false
		}
		fmt.Fprintf(&t.out, `(?:\%d)`, num)
		*i += 2 + end
	case c == 'g' && *i+1 < len(p) && (strIsDigit(p[*i+1]) || p[*i+1] == '-'):
		j := *i + 2
		for j < len(p) && strIsDigit(p[j]) {
			j++
		}
		n, _ := strconv.Atoi(p[*i+1 : j])
		if n < 0 {
			n = t.group + n + 1
		}
		fmt.Fprintf(&t.out, `(?:\%d)`, n)
		*i = j - 1
	case c == '_' || c >= 0x80:
		t.lit(c)
	default:
		t.out.WriteByte('\\')
		t.lit(c)
	}
	return true
}

// subject prepares a subject; false for invalid UTF-8 under u.
func (r *pregRegex) subject(s string) (*pregSubject, bool) {
	sub := &pregSubject{s: s}
	if !r.utf {
		sub.runes = make([]rune, len(s))
		for i := 0; i < len(s); i++ {
			sub.runes[i] = rune(s[i])
		}
		return sub, true
	}
	if !utf8.ValidString(s) {
		return nil, false
	}
	sub.runes = make([]rune, 0, len(s))
	sub.at = make([]int, 0, len(s)+1)
	for i, c := range s {
		sub.runes = append(sub.runes, c)
		sub.at = append(sub.at, i)
	}
	sub.at = append(sub.at, len(s))
	return sub, true
}

// byteAt converts a rune position to a byte offset.
func (s *pregSubject) byteAt(i int) int {
	if s.at == nil {
		return i
	}
	return s.at[i]
}

// runeAt converts a byte offset to a rune position (-1 if inside a
// character).
func (s *pregSubject) runeAt(b int) int {
	if s.at == nil {
		return b
	}
	for i, o := range s.at {
		if o == b {
			return i
		}
		if o > b {
			break
		}
	}
	return -1
}

// pregGroup is one group of a match: byte offsets, or start -1 when it did
// not participate.
type pregGroup struct{ start, end int }

// find runs the regex from rune position pos; nil when nothing matches.
func (r *pregRegex) find(sub *pregSubject, pos int) []pregGroup {
	return r.groups(sub, r.re, pos)
}

// findNotEmpty is PCRE's retry after an empty match at pos: a non-empty
// match starting exactly there, or nil.
func (r *pregRegex) findNotEmpty(sub *pregSubject, pos int) []pregGroup {
	return r.groups(sub, r.notEmpty, pos)
}

func (r *pregRegex) groups(sub *pregSubject, re *regexp2.Regexp, pos int) []pregGroup {
	m, err := re.FindRunesMatchStartingAt(sub.runes, pos)
	if err != nil || m == nil {
		return nil
	}
	groups := m.Groups()
	out := make([]pregGroup, r.count+1)
	for i := range out {
		out[i] = pregGroup{-1, -1}
		if i < len(groups) && len(groups[i].Captures) > 0 {
			g := groups[i]
			out[i] = pregGroup{sub.byteAt(g.Index), sub.byteAt(g.Index + g.Length)}
		}
	}
	return out
}

// findAll lists the successive matches from rune position pos (at most
// limit, unless limit < 0) as PCRE's global matching finds them: after an
// empty match, a non-empty one at the same place, else the search moves
// one character on.
func (r *pregRegex) findAll(sub *pregSubject, pos, limit int) [][]pregGroup {
	var all [][]pregGroup
	retry := false
	for pos <= len(sub.runes) && (limit < 0 || len(all) < limit) {
		var g []pregGroup
		if retry {
			if g = r.findNotEmpty(sub, pos); g == nil {
				pos++
				retry = false
				continue
			}
		} else if g = r.find(sub, pos); g == nil {
			break
		}
		all = append(all, g)
		pos = sub.runeAt(g[0].end)
		retry = g[0].start == g[0].end
	}
	return all
}

// pregLastMatched is one past the last group that participated (PHP drops the
// unmatched groups at the end of a match).
func pregLastMatched(g []pregGroup) int {
	n := len(g)
	for n > 1 && g[n-1].start < 0 {
		n--
	}
	return n
}

// pregEntry is one capture as PHP stores it: the text, or with
// PREG_OFFSET_CAPTURE the pair {text, offset} (a Lua sequence).
func pregEntry(L *lua.LState, s string, g pregGroup, flags int) lua.LValue {
	if g.start < 0 && flags&pregUnmatchedAsNull != 0 {
		if flags&pregOffsetCapture != 0 {
			t := L.CreateTable(2, 0)
			t.RawSetInt(1, lua.LNil)
			t.RawSetInt(2, lua.LNumber(-1))
			return t
		}
		return lua.LNil
	}
	text := ""
	if g.start >= 0 {
		text = s[g.start:g.end]
	}
	if flags&pregOffsetCapture != 0 {
		t := L.CreateTable(2, 0)
		t.Append(lua.LString(text))
		t.Append(lua.LNumber(g.start))
		return t
	}
	return lua.LString(text)
}

// matchTable is preg_match's $matches for one match: groups up to the
// last one matched (all with PREG_UNMATCHED_AS_NULL), by number and name.
func (r *pregRegex) matchTable(L *lua.LState, s string, g []pregGroup, flags int) *lua.LTable {
	n := pregLastMatched(g)
	if flags&pregUnmatchedAsNull != 0 {
		n = len(g)
	}
	t := L.CreateTable(0, n)
	for i := 0; i < n; i++ {
		v := pregEntry(L, s, g[i], flags)
		if name, ok := r.names[i]; ok {
			t.RawSetString(name, v)
		}
		t.RawSetInt(i, v)
	}
	return t
}

// pregPrepare compiles the pattern and prepares the subject; ok false
// means PHP's failure result (the error is recorded).
func pregPrepare(a strArgs, pattern, subject string) (*pregRegex, *pregSubject, bool) {
	st := strStateOf(a.L)
	r := pregCompile(a, pattern)
	if r == nil {
		return nil, nil, false
	}
	sub, ok := r.subject(subject)
	if !ok {
		st.pregErr = pregBadUTF8
		return nil, nil, false
	}
	st.pregErr = pregNoError
	return r, sub, true
}

// pregStart converts PHP's byte offset (negative from the end) to a rune
// position; ok false when it is past the end or inside a character.
func pregStart(a strArgs, sub *pregSubject, offset int64) (int, bool) {
	n := int64(len(sub.s))
	if offset < 0 {
		offset = max(0, n+offset)
	}
	if offset > n {
		strStateOf(a.L).pregErr = pregInternalError
		return 0, false
	}
	pos := sub.runeAt(int(offset))
	if pos < 0 {
		strStateOf(a.L).pregErr = pregBadUTF8Offset
		return 0, false
	}
	return pos, true
}

// pregMatch is preg_match(pattern, subject, flags, offset): returns 1 or 0
// (false on error) and the matches table.
func pregMatch(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "preg_match", 2, 4)
	pattern := a.str(1, "pattern")
	subject := a.str(2, "subject")
	flags := int(a.optInt(3, "flags", 0))
	offset := a.optInt(4, "offset", 0)
	r, sub, ok := pregPrepare(a, pattern, subject)
	if !ok {
		L.Push(lua.LFalse)
		L.Push(L.NewTable())
		return 2
	}
	pos, ok := pregStart(a, sub, offset)
	if !ok {
		L.Push(lua.LFalse)
		L.Push(L.NewTable())
		return 2
	}
	g := r.find(sub, pos)
	if g == nil {
		L.Push(lua.LNumber(0))
		L.Push(L.NewTable())
		return 2
	}
	L.Push(lua.LNumber(1))
	L.Push(r.matchTable(L, subject, g, flags))
	return 2
}

// pregMatchAll returns the number of matches and the matches: by group
// (PREG_PATTERN_ORDER: m[0] is the sequence of whole matches) or by match
// (PREG_SET_ORDER: a sequence of preg_match-like tables).
func pregMatchAll(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "preg_match_all", 2, 4)
	pattern := a.str(1, "pattern")
	subject := a.str(2, "subject")
	flags := int(a.optInt(3, "flags", 0))
	offset := a.optInt(4, "offset", 0)
	order := flags &^ (pregOffsetCapture | pregUnmatchedAsNull)
	if order == 0 {
		order = pregPatternOrder
	}
	if order != pregPatternOrder && order != pregSetOrder {
		a.raise("Argument #4 ($flags) must be a PREG_* constant")
	}
	r, sub, ok := pregPrepare(a, pattern, subject)
	var pos int
	if ok {
		pos, ok = pregStart(a, sub, offset)
	}
	if !ok {
		L.Push(lua.LFalse)
		L.Push(L.NewTable())
		return 2
	}
	all := r.findAll(sub, pos, -1)
	out := L.NewTable()
	if order == pregSetOrder {
		for _, g := range all {
			out.Append(r.matchTable(L, subject, g, flags))
		}
	} else {
		for i := 0; i <= r.count; i++ {
			list := L.CreateTable(len(all), 0)
			for j, g := range all {
				list.RawSetInt(j+1, pregEntry(L, subject, g[i], flags))
			}
			if name, ok := r.names[i]; ok {
				out.RawSetString(name, list)
			}
			out.RawSetInt(i, list)
		}
	}
	L.Push(lua.LNumber(len(all)))
	L.Push(out)
	return 2
}

// pregReplaceFn is preg_replace(pattern, replacement, subject, limit) and
// preg_replace_callback(pattern, callback, subject, limit, flags): the
// result (nil on error, as PHP's null) and the count of replacements.
// Patterns and replacements may be sequences, the subject a table (the
// result then keeps its keys).
func pregReplaceFn(k *Kit, L *lua.LState, fn string, callback bool) int {
	max := 4
	if callback {
		max = 5
	}
	a := strArgsOf(k, L, fn, 3, max)
	var patterns []string
	if t, ok := L.Get(1).(*lua.LTable); ok {
		for _, v := range strIndexValues(t) {
			patterns = append(patterns, strElem(a, v))
		}
	} else {
		patterns = []string{a.str(1, "pattern")}
	}
	var replacements []string
	replaceList := false
	var fnv *lua.LFunction
	if callback {
		// A function, or as in PHP the name of a global one.
		f, ok := L.Get(2).(*lua.LFunction)
		if name, isName := L.Get(2).(lua.LString); isName {
			f, ok = L.GetGlobal(string(name)).(*lua.LFunction)
		}
		if !ok {
			a.raise("Argument #2 ($callback) must be a valid callback, %s", pregNotCallable(L.Get(2)))
		}
		fnv = f
	} else if t, ok := L.Get(2).(*lua.LTable); ok {
		if _, isList := L.Get(1).(*lua.LTable); !isList {
			a.raise("Argument #1 ($pattern) must be of type array when argument #2 ($replacement) is an array, string given")
		}
		replaceList = true
		for _, v := range strIndexValues(t) {
			replacements = append(replacements, strElem(a, v))
		}
	} else {
		replacements = []string{a.str(2, "replacement")}
	}
	limit := int(a.optInt(4, "limit", -1))
	flags := 0
	if callback {
		flags = int(a.optInt(5, "flags", 0))
	}
	total := 0
	one := func(s string) (string, bool) {
		for i, pattern := range patterns {
			r, sub, ok := pregPrepare(a, pattern, s)
			if !ok {
				return "", false
			}
			all := r.findAll(sub, 0, limit)
			if len(all) == 0 {
				continue
			}
			var b strings.Builder
			last := 0
			for _, g := range all {
				b.WriteString(s[last:g[0].start])
				if callback {
					L.Push(fnv)
					L.Push(r.matchTable(L, s, g, flags))
					L.Call(1, 1)
					ret := L.Get(-1)
					L.Pop(1)
					b.WriteString(strElem(a, ret))
				} else {
					rep := replacements[0]
					if replaceList {
						rep = ""
						if i < len(replacements) {
							rep = replacements[i]
						}
					}
					pregExpand(&b, rep, s, g)
				}
				last = g[0].end
			}
			b.WriteString(s[last:])
			total += len(all)
			s = b.String()
		}
		return s, true
	}
	switch subj := L.Get(3).(type) {
	case *lua.LTable:
		out := L.NewTable()
		for _, key := range strTableKeys(subj) {
			res, ok := one(strElem(a, subj.RawGet(key)))
			if ok {
				out.RawSet(key, lua.LString(res))
			}
		}
		L.Push(out)
	default:
		res, ok := one(a.str(3, "subject"))
		if !ok {
			L.Push(lua.LNil)
			L.Push(lua.LNumber(total))
			return 2
		}
		L.Push(lua.LString(res))
	}
	L.Push(lua.LNumber(total))
	return 2
}

func pregNotCallable(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return fmt.Sprintf("function \"%s\" not found or invalid function name", string(s))
	}
	return "no array or string given"
}

// pregExpand writes a replacement with its references: $n, ${n} and \n
// (n of one or two digits); a group that did not match is empty.
func pregExpand(b *strings.Builder, rep, s string, g []pregGroup) {
	for i := 0; i < len(rep); i++ {
		c := rep[i]
		if (c == '\\' || c == '$') && i+1 < len(rep) {
			j := i + 1
			brace := c == '$' && rep[j] == '{'
			if brace {
				j++
			}
			if j < len(rep) && strIsDigit(rep[j]) {
				n := int(rep[j] - '0')
				j++
				if j < len(rep) && strIsDigit(rep[j]) {
					n = n*10 + int(rep[j]-'0')
					j++
				}
				if !brace || (j < len(rep) && rep[j] == '}') {
					if brace {
						j++
					}
					if n < len(g) && g[n].start >= 0 {
						b.WriteString(s[g[n].start:g[n].end])
					}
					i = j - 1
					continue
				}
			}
			if c == '\\' && rep[i+1] == '\\' {
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
}

// pregSplit returns the pieces as a Lua sequence (false on error).
func pregSplit(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "preg_split", 2, 4)
	pattern := a.str(1, "pattern")
	subject := a.str(2, "subject")
	limit := a.optInt(3, "limit", -1)
	flags := int(a.optInt(4, "flags", 0))
	r, sub, ok := pregPrepare(a, pattern, subject)
	if !ok {
		return strPushBool(L, false)
	}
	noEmpty := flags&pregSplitNoEmpty != 0
	out := L.NewTable()
	add := func(start, end int) {
		if flags&pregSplitOffset != 0 {
			pair := L.CreateTable(2, 0)
			pair.Append(lua.LString(subject[start:end]))
			pair.Append(lua.LNumber(start))
			out.Append(pair)
			return
		}
		out.Append(lua.LString(subject[start:end]))
	}
	if limit == 0 {
		limit = -1
	}
	last, pos := 0, 0
	retry := false // after an empty match, as in findAll
	for limit == -1 || limit > 1 {
		var g []pregGroup
		if retry {
			if g = r.findNotEmpty(sub, pos); g == nil {
				if pos >= len(sub.runes) {
					break
				}
				pos++
				retry = false
				continue
			}
		} else if g = r.find(sub, pos); g == nil {
			break
		}
		if !noEmpty || g[0].start != last {
			add(last, g[0].start)
			if limit != -1 {
				limit--
			}
		}
		if flags&pregSplitDelim != 0 {
			for i := 1; i < pregLastMatched(g); i++ {
				if !noEmpty || g[i].start != g[i].end {
					add(max(g[i].start, 0), max(g[i].end, 0))
				}
			}
		}
		last = g[0].end
		pos = sub.runeAt(g[0].end)
		retry = g[0].start == g[0].end
		if retry && limit != -1 && limit <= 1 {
			break
		}
	}
	if !noEmpty || last < len(subject) {
		add(last, len(subject))
	}
	L.Push(out)
	return 1
}

// pregQuote escapes PCRE's special characters, NUL as \000, and the
// delimiter's first character.
func pregQuote(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "preg_quote", 1, 2)
	s := a.str(1, "str")
	delim := a.optStr(2, "delimiter", "")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			b.WriteString(`\000`)
			continue
		case strings.IndexByte(`.\+*?[^]$(){}=!<>|:-#`, c) >= 0,
			delim != "" && c == delim[0]:
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return strPushString(L, b.String())
}

// pregGrep keeps the entries whose value matches (or, with
// PREG_GREP_INVERT, does not), with their keys.
func pregGrep(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "preg_grep", 2, 3)
	pattern := a.str(1, "pattern")
	t := a.table(2, "array")
	invert := a.optInt(3, "flags", 0)&pregGrepInvert != 0
	r := pregCompile(a, pattern)
	if r == nil {
		return strPushBool(L, false)
	}
	strStateOf(L).pregErr = pregNoError
	out := L.NewTable()
	for _, key := range strTableKeys(t) {
		v := t.RawGet(key)
		sub, ok := r.subject(strElem(a, v))
		if !ok {
			strStateOf(L).pregErr = pregBadUTF8
			continue
		}
		if (r.find(sub, 0) != nil) != invert {
			out.RawSet(key, v)
		}
	}
	L.Push(out)
	return 1
}

func pregLastError(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "preg_last_error", 0, 0)
	return strPushInt(L, int64(strStateOf(L).pregErr))
}

func pregLastErrorMsg(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "preg_last_error_msg", 0, 0)
	return strPushString(L, pregErrorTexts[strStateOf(L).pregErr])
}
