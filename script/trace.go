package script

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"sockrun/sched"
	"sockrun/sock"
)

// --trace: one line per socket call, with the script's file:line, the call
// and its arguments, its results and, for a failure, the errno; bytes sent
// and received show as text when printable, else as an offset/hex/ASCII
// dump under the line. Only functions registered with tracing on are
// wrapped, so a script run without --trace pays nothing for it.

// traceCall is one traced call in flight (a task's call may finish later).
type traceCall struct {
	where string
	call  string
	start time.Time
	dumps []string
	sets  []*lua.LTable // socket_select's tables, shown again as they end up
	// yielded says the call suspended its task, so its results are pushed
	// (and traced) later.
	yielded bool
}

// traced wraps a function so that each call is traced.
func (rt *Runtime) traced(f libFunc) func(a args) int {
	return func(a args) int {
		file, line := sched.ScriptPosition(a.L)
		tc := &traceCall{where: fmt.Sprintf("%s:%d", file, line), start: time.Now()}
		tc.call = f.name + "(" + tc.formatValues(a.L, 1, a.L.GetTop(), "sent") + ")"
		if f.name == "socket_select" {
			for i := 1; i <= 3; i++ {
				if t, ok := a.L.Get(i).(*lua.LTable); ok {
					tc.sets = append(tc.sets, t)
				}
			}
		}
		a.trace = tc
		defer func() {
			if r := recover(); r != nil { // a Lua error: trace it, then let it go on
				if apiErr, ok := r.(*lua.ApiError); ok {
					fmt.Fprintf(rt.traceOut, "[trace] %s: %s -> error: %s\n", tc.where, tc.call, lua.LVAsString(apiErr.Object))
				}
				panic(r)
			}
		}()
		n := f.fn(a)
		if n >= 0 {
			rt.traceEnd(a, n)
		} else {
			tc.yielded = true // the task yielded: traced when its call ends (see tracedPush)
		}
		return n
	}
}

// traceEnd prints the call's line with the n results on top of the stack.
func (rt *Runtime) traceEnd(a args, n int) {
	tc := a.trace
	L := a.L
	result := tc.formatValues(L, L.GetTop()-n+1, L.GetTop(), "received")
	if n == 0 {
		result = "nothing"
	}
	if n > 0 && L.Get(L.GetTop()-n+1) == lua.LFalse {
		code := rt.lastError
		result += fmt.Sprintf(" [errno %d: %s]", code, sock.Strerror(code))
	}
	for _, t := range tc.sets {
		result += " ready " + formatTable(t)
	}
	elapsed := ""
	if d := time.Since(tc.start); d >= time.Millisecond {
		elapsed = fmt.Sprintf(" (%v)", d.Round(100*time.Microsecond))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[trace] %s: %s -> %s%s\n", tc.where, tc.call, result, elapsed)
	for _, d := range tc.dumps {
		b.WriteString(d)
	}
	io.WriteString(rt.traceOut, b.String()) // tracing must not change the script's behaviour
}

// formatValues renders stack values from..to for a trace line; binary
// strings become "<N bytes>" and a dump under the line.
func (tc *traceCall) formatValues(L *lua.LState, from, to int, dir string) string {
	var parts []string
	for i := from; i <= to; i++ {
		parts = append(parts, tc.formatValue(L.Get(i), dir))
	}
	return strings.Join(parts, ", ")
}

func (tc *traceCall) formatValue(v lua.LValue, dir string) string {
	switch v := v.(type) {
	case lua.LString:
		if isPrintable(string(v)) {
			return quoteText(string(v))
		}
		tc.dumps = append(tc.dumps, fmt.Sprintf("  %d bytes %s:\n%s", len(v), dir, hexDump(string(v), "    ")))
		return fmt.Sprintf("<%d bytes>", len(v))
	case *lua.LTable:
		return formatTable(v)
	case *lua.LUserData:
		if s, ok := v.Value.(*Socket); ok {
			return fmt.Sprintf("Socket#%d", s.ID)
		}
	}
	return v.String()
}

// formatTable shows a table's values (sockets by number), as a select set;
// named fields come after, sorted, so the same table always reads the same.
func formatTable(t *lua.LTable) string {
	var parts, named []string
	t.ForEach(func(k, v lua.LValue) {
		text := v.String()
		if ud, ok := v.(*lua.LUserData); ok {
			if s, ok := ud.Value.(*Socket); ok {
				text = fmt.Sprintf("Socket#%d", s.ID)
			}
		}
		if _, ok := k.(lua.LNumber); !ok {
			named = append(named, lua.LVAsString(k)+"="+text)
			return
		}
		parts = append(parts, text)
	})
	sort.Strings(named)
	return "{" + strings.Join(append(parts, named...), ", ") + "}"
}

// isPrintable: text a person can read as is (tabs and line ends included).
func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// quoteText quotes printable text with its line ends and tabs escaped.
func quoteText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// hexDump renders data as lines of offset, 16 hex bytes and their ASCII.
func hexDump(data, indent string) string {
	var b strings.Builder
	for off := 0; off < len(data); off += 16 {
		row := data[off:min(off+16, len(data))]
		fmt.Fprintf(&b, "%s%08x ", indent, off)
		for i := 0; i < 16; i++ {
			if i == 8 {
				b.WriteByte(' ')
			}
			if i < len(row) {
				fmt.Fprintf(&b, " %02x", row[i])
			} else {
				b.WriteString("   ")
			}
		}
		b.WriteString("  |")
		for i := 0; i < len(row); i++ {
			if c := row[i]; c >= 0x20 && c <= 0x7e {
				b.WriteByte(c)
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteString("|\n")
	}
	return b.String()
}

// hexdumpFunc: hexdump(data) -> the dump as a string, for scripts (a
// proxy's log, say).
func hexdumpFunc(a args) int {
	a.count(1, 1)
	a.L.Push(lua.LString(hexDump(a.str(1, "data"), "")))
	return 1
}
