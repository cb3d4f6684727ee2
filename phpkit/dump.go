package phpkit

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// var_dump, print_r and var_export, byte for byte as PHP 8.2 prints the
// values a Lua table can hold (docs/phpkit.md says how values map).
var dumpFuncs = []Func{
	{"var_dump", varDump},
	{"print_r", printR},
	{"var_export", varExport},
}

// varDump: var_dump(value, ...values) writes each value's dump to stdout.
func varDump(k *Kit, L *lua.LState) int {
	if L.GetTop() == 0 {
		L.RaiseError("var_dump() expects at least 1 argument, 0 given")
	}
	var b strings.Builder
	for i := 1; i <= L.GetTop(); i++ {
		valDump(L, &b, L.Get(i), 1, map[*lua.LTable]bool{})
	}
	valWrite(k.Host.Stdout(), b.String())
	return 0
}

// printR: print_r(value, return=false) prints value, or returns it as a
// string with return true; without return it returns true.
func printR(k *Kit, L *lua.LState) int {
	v := L.CheckAny(1)
	var b strings.Builder
	valPrintR(L, &b, v, 0, map[*lua.LTable]bool{})
	if Truthy(L.Get(2)) {
		L.Push(lua.LString(b.String()))
		return 1
	}
	valWrite(k.Host.Stdout(), b.String())
	L.Push(lua.LTrue)
	return 1
}

// varExport: var_export(value, return=false) prints PHP code for value, or
// returns it with return true (else returns nil, PHP's null).
func varExport(k *Kit, L *lua.LState) int {
	v := L.CheckAny(1)
	var b strings.Builder
	warn := func() { k.Host.Diagnostic(L, EWarning, "var_export does not handle circular references") }
	valExport(L, &b, v, 1, map[*lua.LTable]bool{}, warn)
	if Truthy(L.Get(2)) {
		L.Push(lua.LString(b.String()))
		return 1
	}
	valWrite(k.Host.Stdout(), b.String())
	return 0
}

func valWrite(w interface{ Write([]byte) (int, error) }, s string) {
	w.Write([]byte(s)) // as PHP's output, a closed stdout is not the script's error
}

func spaces(b *strings.Builder, n int) {
	for i := 0; i < n; i++ {
		b.WriteByte(' ')
	}
}

// valDump is php_var_dump: level 1 at the top, nested values at level+2.
func valDump(L *lua.LState, b *strings.Builder, v lua.LValue, level int, seen map[*lua.LTable]bool) {
	if level > 1 {
		spaces(b, level-1)
	}
	switch x := v.(type) {
	case *lua.LNilType:
		b.WriteString("NULL\n")
	case lua.LBool:
		if x {
			b.WriteString("bool(true)\n")
		} else {
			b.WriteString("bool(false)\n")
		}
	case lua.LNumber:
		if n, ok := valInt(float64(x)); ok {
			b.WriteString("int(" + strconv.FormatInt(n, 10) + ")\n")
		} else {
			b.WriteString("float(" + valRepr(float64(x), 'E') + ")\n")
		}
	case lua.LString:
		b.WriteString("string(" + strconv.Itoa(len(x)) + ") \"" + string(x) + "\"\n")
	case *lua.LTable:
		if seen[x] {
			b.WriteString("*RECURSION*\n")
			return
		}
		seen[x] = true
		defer delete(seen, x)
		entries := valPHPEntries(x)
		class := valObjectClass(x)
		if class != "" {
			b.WriteString("object(" + class + ")#" + strconv.Itoa(valObjectID(x)) + " (" + strconv.Itoa(len(entries)) + ") {\n")
		} else {
			b.WriteString("array(" + strconv.Itoa(len(entries)) + ") {\n")
		}
		for _, e := range entries {
			spaces(b, level+1)
			if e.isInt {
				b.WriteString("[" + e.key + "]=>\n")
			} else {
				b.WriteString("[\"" + e.key + "\"]=>\n")
			}
			valDump(L, b, e.val, level+2, seen)
		}
		if level > 1 {
			spaces(b, level-1)
		}
		b.WriteString("}\n")
	default:
		if s, ok := valStreamOf(v); ok {
			b.WriteString("resource(" + strconv.Itoa(s.id) + ") of type (" + s.typeName() + ")\n")
			return
		}
		class, id := valObjectOf(L, v)
		b.WriteString("object(" + class + ")#" + strconv.Itoa(id) + " (0) {\n")
		if level > 1 {
			spaces(b, level-1)
		}
		b.WriteString("}\n")
	}
}

// valObjectOf names the PHP object a socket, function or other userdata
// stands for, and its number.
func valObjectOf(L *lua.LState, v lua.LValue) (string, int) {
	if id, ok := valSocketID(L, v); ok {
		return "Socket", id
	}
	if f, ok := v.(*lua.LFunction); ok {
		return "Closure", valFuncID(L, f)
	}
	if th, ok := v.(*lua.LState); ok {
		_ = th
		return "Fiber", 0
	}
	return "stdClass", 0
}

// valPrintR is print_r's zend_print_zval_r: nested arrays indented by 8.
func valPrintR(L *lua.LState, b *strings.Builder, v lua.LValue, indent int, seen map[*lua.LTable]bool) {
	switch x := v.(type) {
	case *lua.LTable:
		class := valObjectClass(x)
		if class != "" {
			b.WriteString(class + " Object\n")
		} else {
			b.WriteString("Array\n")
		}
		if seen[x] {
			b.WriteString(" *RECURSION*")
			return
		}
		seen[x] = true
		defer delete(seen, x)
		spaces(b, indent)
		b.WriteString("(\n")
		for _, e := range valPHPEntries(x) {
			spaces(b, indent+4)
			b.WriteString("[" + e.key + "] => ")
			valPrintR(L, b, e.val, indent+8, seen)
			b.WriteString("\n")
		}
		spaces(b, indent)
		b.WriteString(")\n")
	case lua.LString, lua.LNumber, lua.LBool, *lua.LNilType:
		b.WriteString(valString(v))
	default:
		if s, ok := valStreamOf(v); ok {
			b.WriteString("Resource id #" + strconv.Itoa(s.id))
			return
		}
		class, _ := valObjectOf(L, v)
		b.WriteString(class + " Object\n")
		spaces(b, indent)
		b.WriteString("(\n")
		spaces(b, indent)
		b.WriteString(")\n")
	}
}

// valExport is php_var_export_ex: level 1 at the top, nested values at
// level+2; warn reports a table that holds itself.
func valExport(L *lua.LState, b *strings.Builder, v lua.LValue, level int, seen map[*lua.LTable]bool, warn func()) {
	switch x := v.(type) {
	case *lua.LNilType:
		b.WriteString("NULL")
	case lua.LBool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case lua.LNumber:
		if n, ok := valInt(float64(x)); ok {
			b.WriteString(strconv.FormatInt(n, 10))
			return
		}
		s := valRepr(float64(x), 'E')
		if !strings.ContainsAny(s, ".EN") { // integral: PHP keeps it a float literal
			s += ".0"
		}
		b.WriteString(s)
	case lua.LString:
		b.WriteString(valExportString(string(x)))
	case *lua.LTable:
		if seen[x] {
			warn() // and the table exports as NULL, as PHP's does
			b.WriteString("NULL")
			return
		}
		seen[x] = true
		defer delete(seen, x)
		if level > 1 {
			b.WriteString("\n")
			spaces(b, level-1)
		}
		obj := valObjectClass(x) != ""
		if obj {
			b.WriteString("(object) array(\n")
		} else {
			b.WriteString("array (\n")
		}
		for _, e := range valPHPEntries(x) {
			if obj {
				spaces(b, level+2)
			} else {
				spaces(b, level+1)
			}
			if e.isInt {
				b.WriteString(e.key)
			} else {
				b.WriteString(valExportKey(e.key))
			}
			b.WriteString(" => ")
			valExport(L, b, e.val, level+2, seen, warn)
			b.WriteString(",\n")
		}
		if level > 1 {
			spaces(b, level-1)
		}
		b.WriteString(")")
	default:
		if _, ok := valStreamOf(v); ok {
			b.WriteString("NULL")
			return
		}
		class, _ := valObjectOf(L, v)
		if level > 1 {
			b.WriteString("\n")
			spaces(b, level-1)
		}
		b.WriteString("\\" + class + "::__set_state(array(\n")
		if level > 1 {
			spaces(b, level-1)
		}
		b.WriteString("))")
	}
}

// valExportString quotes s as var_export does: single quotes, \ and '
// escaped, NUL bytes spliced in as "\0".
func valExportString(s string) string {
	q := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
	q = strings.ReplaceAll(q, "\x00", `' . "\0" . '`)
	return "'" + q + "'"
}

// valExportKey is a string key in var_export: escaped as a string but NUL
// bytes kept raw.
func valExportKey(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
