package mimecore

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The expected values are what LuaSocket 3.1's C mime.core returns for the
// same calls under lua5.1 (tests/luasocket/mime.lua compares many more).
func TestFilters(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	L.PreloadModule("mime.core", func(L *lua.LState) int {
		L.Push(Open(L))
		return 1
	})
	for _, c := range []struct{ code, want string }{
		{`return (m.b64("hello world"))`, "aGVsbG8gd29ybGQ="},
		{`local a, b = m.b64("ab", "cde") return a .. "|" .. b`, "YWJj|de"},
		{`local a, b = m.b64(nil, "x") return tostring(a) .. tostring(b)`, "nilnil"},
		{`local a, b = m.b64("") return tostring(a) .. tostring(b)`, "nilnil"},
		{`return (m.unb64("aGVs\r\nbG8="))`, "hello"},
		{`return (m.qp("caf\233 x \r\nend="))`, "caf=E9 x=20\r\nend=3D"},
		{`return (m.unqp("caf=E9 =\r\nx=ZZ"))`, "caf\xe9 x=ZZ"},
		{`local a, b = m.wrp(3, "abcdefg", 3) return a .. "|" .. b`, "abc\r\ndef\r\ng|2"},
		{`return (m.eol(0, "a\rb\nc\r\nd\n\re\r\r", "|"))`, "a|b|c|d|e||"},
		{`return (m.dot(2, ".a\r\n.b\r\n"))`, "..a\r\n..b\r\n"},
		{`return m._VERSION`, "MIME 1.0.3"},
	} {
		if err := L.DoString(`m = require("mime.core") ` + c.code); err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		got := L.Get(-1).String()
		L.Pop(1)
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.code, got, c.want)
		}
	}
}
