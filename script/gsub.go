package script

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// stringGsub replaces string.gsub: gopher-lua's copies the whole string
// once per match, so replacing the 2,000 lines of a 300 KB text took seconds
// (a proxy indenting a hex dump stalled for tens of seconds). This builds
// the result in one pass, with the same matching (gopher-lua's pattern
// engine) and the same replacement rules as Lua 5.1's: %0-%9 and %% in a
// string, a table looked up by the first capture, a function called with the
// captures; false or nil keeps the match.
func stringGsub(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)
	matches, err := pm.Find(pat, []byte(str), 0, limit)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(matches) == 0 {
		L.SetTop(1)
		L.Push(lua.LNumber(0))
		return 2
	}
	var b strings.Builder
	b.Grow(len(str))
	last := 0
	for _, m := range matches {
		start, end := m.Capture(0), m.Capture(1)
		b.WriteString(str[last:start])
		last = end
		var value lua.LValue
		switch r := repl.(type) {
		case lua.LString:
			gsubTemplate(L, &b, string(r), m, str)
			continue
		case *lua.LTable:
			idx := 0
			if m.CaptureLength() > 2 {
				idx = 2
			}
			if m.IsPosCapture(idx) {
				value = L.GetTable(r, lua.LNumber(m.Capture(idx)))
			} else {
				value = L.GetField(r, str[m.Capture(idx):m.Capture(idx+1)])
			}
		case *lua.LFunction:
			L.Push(r)
			nargs := 0
			if m.CaptureLength() > 2 {
				for i := 2; i < m.CaptureLength(); i += 2 {
					L.Push(gsubCapture(L, m, str, i))
					nargs++
				}
			} else {
				L.Push(lua.LString(str[start:end]))
				nargs++
			}
			L.Call(nargs, 1)
			value = L.Get(-1)
			L.Pop(1)
		}
		if lua.LVIsFalse(value) {
			b.WriteString(str[start:end])
		} else {
			b.WriteString(lua.LVAsString(value))
		}
	}
	b.WriteString(str[last:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(len(matches)))
	return 2
}

// gsubTemplate appends a replacement string: %0 is the match, %1-%9 the
// captures (%1 the match when there is none), %% a percent sign.
func gsubTemplate(L *lua.LState, b *strings.Builder, repl string, m *pm.MatchData, str string) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' || i+1 == len(repl) {
			b.WriteByte(c)
			continue
		}
		i++
		c = repl[i]
		if c < '0' || c > '9' {
			b.WriteByte(c) // "%%" is "%"; Lua 5.1 keeps the character after any other %
			continue
		}
		b.WriteString(lua.LVAsString(gsubCapture(L, m, str, 2*int(c-'0'))))
	}
}

// gsubCapture is capture idx (a register pair index) of a match: a position
// capture as a number, else the substring.
func gsubCapture(L *lua.LState, m *pm.MatchData, str string, idx int) lua.LValue {
	if idx > 2 && idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
	if idx >= m.CaptureLength() && idx == 2 {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return lua.LNumber(m.Capture(idx))
	}
	return lua.LString(str[m.Capture(idx):m.Capture(idx+1)])
}
