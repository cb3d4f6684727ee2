package phpkit

import (
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Less frequent string functions that ported programs still meet.

// substrReplace replaces the part of s that substr(s, offset, length)
// would give.
func substrReplace(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "substr_replace", 3, 4)
	s := a.str(1, "string")
	rep := a.str(2, "replace")
	offset := a.int(3, "offset")
	n := int64(len(s))
	length := n
	if a.given(4) {
		length = a.int(4, "length")
	}
	switch {
	case offset < 0:
		offset = max(0, n+offset)
	case offset > n:
		offset = n
	}
	switch {
	case length < 0:
		length = max(0, n-offset+length)
	case length > n-offset:
		length = n - offset
	}
	return strPushString(L, s[:offset]+rep+s[offset+length:])
}

// chunkSplit appends end after every length bytes, and after the rest.
func chunkSplit(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "chunk_split", 1, 3)
	s := a.str(1, "string")
	size := a.optInt(2, "length", 76)
	end := a.optStr(3, "separator", "\r\n")
	if size < 1 {
		a.raise("Argument #2 ($length) must be greater than 0")
	}
	if int64(len(s)) < size {
		return strPushString(L, s+end) // "" too gets its separator
	}
	var b strings.Builder
	for i := 0; i < len(s); i += int(size) {
		b.WriteString(s[i:min(len(s), i+int(size))])
		b.WriteString(end)
	}
	return strPushString(L, b.String())
}

func strpbrk(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "strpbrk", 2, 2)
	s := a.str(1, "string")
	chars := a.str(2, "characters")
	if i := strings.IndexAny(s, chars); i >= 0 && chars != "" {
		return strPushString(L, s[i:])
	}
	return strPushBool(L, false)
}

// strspnFn is strspn (accept) and strcspn (reject) over substr(s, offset,
// length).
func strspnFn(k *Kit, L *lua.LState, fn string, accept bool) int {
	a := strArgsOf(k, L, fn, 2, 4)
	s := a.str(1, "string")
	chars := a.str(2, "characters")
	offset := a.optInt(3, "offset", 0)
	n := int64(len(s))
	if offset < 0 {
		offset = max(0, n+offset)
	}
	if offset > n {
		return strPushInt(L, 0)
	}
	end := n
	if a.given(4) {
		length := a.int(4, "length")
		switch {
		case length < 0:
			end = max(offset, n+length)
		case length < n-offset:
			end = offset + length
		}
	}
	count := int64(0)
	for i := offset; i < end; i++ {
		if (strings.IndexByte(chars, s[i]) >= 0) != accept {
			break
		}
		count++
	}
	return strPushInt(L, count)
}

// levenshtein with PHP's optional costs of insertion, replacement and
// deletion.
func levenshtein(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "levenshtein", 2, 5)
	s1 := a.str(1, "string1")
	s2 := a.str(2, "string2")
	ins := a.optInt(3, "insertion_cost", 1)
	rep := a.optInt(4, "replacement_cost", 1)
	del := a.optInt(5, "deletion_cost", 1)
	prev := make([]int64, len(s2)+1)
	cur := make([]int64, len(s2)+1)
	for j := range prev {
		prev[j] = int64(j) * ins
	}
	for i := 0; i < len(s1); i++ {
		cur[0] = prev[0] + del
		for j := 0; j < len(s2); j++ {
			c := prev[j]
			if s1[i] != s2[j] {
				c += rep
			}
			c = min(c, prev[j+1]+del, cur[j]+ins)
			cur[j+1] = c
		}
		prev, cur = cur, prev
	}
	return strPushInt(L, prev[len(s2)])
}

// similarText is PHP's similar_text: the longest common substring, then
// the same on what lies left and right of it. It returns the count and
// (PHP's by-reference $percent) the percentage.
func similarText(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "similar_text", 2, 2)
	s1 := a.str(1, "string1")
	s2 := a.str(2, "string2")
	sim := strSimilar(s1, s2)
	percent := 0.0
	if len(s1)+len(s2) > 0 {
		percent = float64(sim) * 2 * 100 / float64(len(s1)+len(s2))
	}
	L.Push(lua.LNumber(sim))
	L.Push(lua.LNumber(percent))
	return 2
}

func strSimilar(s1, s2 string) int {
	best, p1, p2 := 0, 0, 0
	for i := 0; i < len(s1); i++ {
		for j := 0; j < len(s2); j++ {
			n := 0
			for i+n < len(s1) && j+n < len(s2) && s1[i+n] == s2[j+n] {
				n++
			}
			if n > best {
				best, p1, p2 = n, i, j
			}
		}
	}
	if best == 0 {
		return 0
	}
	return best + strSimilar(s1[:p1], s2[:p2]) + strSimilar(s1[p1+best:], s2[p2+best:])
}

// uniqid is PHP's: the prefix, then the time as 8 hex digits of seconds
// and 5 of microseconds; with more_entropy a random "d.dddddddd" tail.
func uniqid(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "uniqid", 0, 2)
	prefix := a.optStr(1, "prefix", "")
	more := a.optBool(2, "more_entropy", false)
	// PHP sleeps a microsecond so that two calls differ; so does sockrun.
	time.Sleep(time.Microsecond)
	now := time.Now()
	id := fmt.Sprintf("%s%08x%05x", prefix, now.Unix(), now.Nanosecond()/1000)
	if more {
		id += fmt.Sprintf("%.8f", float64(strMT(L).uint32())/(1<<32)*10)
	}
	return strPushString(L, id)
}

func quotemeta(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "quotemeta", 1, 1)
	s := a.str(1, "string")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`.\+*?[^]$()`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return strPushString(L, b.String())
}

// htmlspecialcharsDecode turns &amp; &lt; &gt; and, by flags, &quot;
// &#039; &#39; back into characters.
func htmlspecialcharsDecode(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "htmlspecialchars_decode", 1, 2)
	s := a.str(1, "string")
	flags := a.optInt(2, "flags", entQuotes|entSubstitute)
	pairs := []string{"&amp;", "&", "&lt;", "<", "&gt;", ">"}
	if flags&entCompat != 0 {
		pairs = append(pairs, "&quot;", `"`)
	}
	if flags&entQuotes == entQuotes {
		pairs = append(pairs, "&#039;", "'", "&#39;", "'", "&#x27;", "'")
	}
	return strPushString(L, strings.NewReplacer(pairs...).Replace(s))
}

// stripTags removes HTML and PHP tags and comments, keeping the tags
// listed in allowed ("<b><i>" or a sequence of names). A '<' followed by
// whitespace is text; an unterminated tag is dropped.
func stripTags(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "strip_tags", 1, 2)
	s := a.str(1, "string")
	allowed := map[string]bool{}
	if t, ok := L.Get(2).(*lua.LTable); ok {
		for _, v := range strIndexValues(t) {
			allowed[strLower(strElem(a, v))] = true
		}
	} else if a.given(2) {
		list := strLower(a.str(2, "allowed_tags"))
		for {
			i := strings.IndexByte(list, '<')
			j := strings.IndexByte(list, '>')
			if i < 0 || j < i {
				break
			}
			allowed[list[i+1:j]] = true
			list = list[j+1:]
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' || (len(allowed) == 0 && (i+1 >= len(s) || strIsSpace(s[i+1]))) {
			b.WriteByte(c)
			i++
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "<!--"):
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				i = len(s)
			} else {
				i += 4 + end + 3
			}
			continue
		case strings.HasPrefix(s[i:], "<?"):
			end := strings.Index(s[i+2:], "?>")
			if end < 0 {
				i = len(s)
			} else {
				i += 2 + end + 2
			}
			continue
		}
		// A tag: up to the '>' outside quotes.
		j, quote := i+1, byte(0)
		for ; j < len(s); j++ {
			switch {
			case quote != 0:
				if s[j] == quote {
					quote = 0
				}
			case s[j] == '"' || s[j] == '\'':
				quote = s[j]
			case s[j] == '>':
				goto closed
			}
		}
		break
	closed:
		if tag := s[i : j+1]; allowed[strTagName(tag)] {
			b.WriteString(tag)
		}
		i = j + 1
	}
	return strPushString(L, b.String())
}

// strTagName is a tag's lower-case name ("<B class=x>" and "</b>" are "b").
func strTagName(tag string) string {
	t := strings.TrimPrefix(tag[1:], "/")
	end := 0
	for end < len(t) && (strIsAlpha(t[end]) || strIsDigit(t[end]) || t[end] == '-') {
		end++
	}
	return strLower(t[:end])
}
