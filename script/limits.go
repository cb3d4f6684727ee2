package script

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Time and memory limits. --timeout and --max-memory are enforced by the
// command line (package cli), which owns the process: this file gives it
// what it needs (the memory bound and its watchdog, the children to kill)
// and checks, inside the script, the calls that would allocate a huge block
// at once, where a Lua error with the script's line is clearer than the end
// of the whole script and where the watchdog, which samples, would come too
// late: Go's runtime aborts the process when one allocation cannot be met.

// ExitMemory is the status of a script ended for using more memory than
// --max-memory allows.
const ExitMemory = 3

// memLimit is the memory bound in bytes (0: none). Memory belongs to the
// process, not to one Runtime, so the bound is the process's too.
var memLimit atomic.Int64

// SetMemoryLimit bounds the memory of the process at limit bytes: Go's
// garbage collector works harder as use nears it (debug.SetMemoryLimit),
// the calls checked here fail beyond it, and WatchMemory reports crossing it.
func SetMemoryLimit(limit int64) {
	memLimit.Store(limit)
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}

// MemoryLimit is the bound SetMemoryLimit set (0: none).
func MemoryLimit() int64 { return memLimit.Load() }

// DefaultMemoryLimit is the bound without --max-memory: half of the memory
// the process may have (physical memory, or its cgroup's memory.max when that
// is lower), so that a runaway script ends with a message before the
// machine's OOM killer or Go's "out of memory" abort ends it. 0 when unknown.
func DefaultMemoryLimit() int64 {
	total := physicalMemory()
	if data, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total / 2
}

// physicalMemory reads MemTotal from /proc/meminfo (0 where there is none).
func physicalMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// memorySamples are the runtime/metrics classes that MemoryInUse adds up.
var memorySamples = []string{
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/free:bytes",
}

// MemoryInUse is the memory Go's runtime holds for live and not yet
// collected values, stacks and its own structures: everything it has mapped,
// minus what it returned to the OS and the free pages it keeps.
func MemoryInUse() int64 {
	s := make([]metrics.Sample, len(memorySamples))
	for i, name := range memorySamples {
		s[i].Name = name
	}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()) - int64(s[1].Value.Uint64()) - int64(s[2].Value.Uint64())
}

// memoryEvery is how often WatchMemory samples.
const memoryEvery = 10 * time.Millisecond

// WatchMemory samples the memory in use until done is closed, and calls
// exceeded once (then returns) when it is over the bound even after a full
// collection, so that garbage not yet collected does not count.
func WatchMemory(done <-chan struct{}, exceeded func(inUse int64)) {
	limit := MemoryLimit()
	if limit <= 0 {
		return
	}
	tick := time.NewTicker(memoryEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		if MemoryInUse() <= limit {
			continue
		}
		runtime.GC()
		if used := MemoryInUse(); used > limit {
			exceeded(used)
			return
		}
	}
}

// FormatSize writes a byte count in its largest binary unit (64 MiB,
// 2 GiB, 11.8 GiB), as --max-memory takes it.
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		switch {
		case n >= u.size && n%u.size == 0:
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		case n >= u.size:
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseSize reads a --max-memory SIZE: a number of bytes with an optional
// K, M, G or T suffix (powers of 1024; "KB", "KiB" and lowercase too).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	shift := 0
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			shift = 10
		case 'M':
			shift = 20
		case 'G':
			shift = 30
		case 'T':
			shift = 40
		}
	}
	if shift > 0 {
		t = t[:len(t)-1]
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(n > 0) || math.IsInf(n, 0) || n*float64(int64(1)<<shift) >= 1<<62 {
		return 0, fmt.Errorf("invalid size %q (want a number of bytes, e.g. 512M or 2G)", s)
	}
	return int64(n * float64(int64(1)<<shift)), nil
}

// checkedAllocation is the size below which a call is not checked: small
// blocks are the watchdog's business, and reading the metrics costs a
// little.
const checkedAllocation = 1 << 20

// checkAllocation raises a Lua error at the script's line when a call is
// about to allocate size bytes at once and that would take the process past
// --max-memory.
func checkAllocation(L *lua.LState, what string, size float64) {
	limit := MemoryLimit()
	if size < checkedAllocation || limit <= 0 {
		return
	}
	if size > float64(limit-MemoryInUse()) {
		L.RaiseError("%s: %.0f bytes at once would exceed the memory limit of %s (--max-memory)", what, size, FormatSize(limit))
	}
}

// limitedFuncs wraps the standard functions that allocate what their
// arguments say at once: string.rep, string.format's widths, io.read's and
// file:read's counts, file:setvbuf's size. Each checks, then calls the
// original.
func limitedFuncs(L *lua.LState) {
	wrap := func(tbl *lua.LTable, name string, check func(L *lua.LState)) { wrapChecked(L, tbl, name, check) }
	str := L.GetGlobal("string").(*lua.LTable)
	wrap(str, "rep", func(L *lua.LState) {
		s, n := L.CheckString(1), L.CheckInt(2)
		checkAllocation(L, "string.rep", float64(len(s))*float64(n))
	})
	wrap(str, "format", func(L *lua.LState) {
		checkAllocation(L, "string.format", formatSize(L))
	})
	str.RawSetString("byte", L.NewFunction(stringByte))
	L.SetGlobal("unpack", L.NewFunction(baseUnpack))

	// A count read at once: io.read(n) and file:read(n) allocate n bytes
	// before reading anything.
	readCounts := func(what string, first int) func(L *lua.LState) {
		return func(L *lua.LState) {
			for i := first; i <= L.GetTop(); i++ {
				if n, ok := L.Get(i).(lua.LNumber); ok {
					checkAllocation(L, what, float64(n))
				}
			}
		}
	}
	if io, ok := L.GetGlobal("io").(*lua.LTable); ok {
		wrap(io, "read", readCounts("io.read", 1))
	}
	if mt, ok := L.GetTypeMetatable("FILE*").(*lua.LTable); ok {
		if methods, ok := mt.RawGetString("__index").(*lua.LTable); ok {
			wrap(methods, "read", readCounts("file:read", 2))
			wrap(methods, "setvbuf", func(L *lua.LState) {
				if n, ok := L.Get(3).(lua.LNumber); ok {
					checkAllocation(L, "file:setvbuf", float64(n))
				}
			})
		}
	}
}

// limitedKitFuncs wraps the PHP functions (package phpkit) whose result
// size their arguments say: str_repeat, str_pad, and implode/join's glue
// repeated between the pieces.
func limitedKitFuncs(L *lua.LState) {
	globals := L.Get(lua.GlobalsIndex).(*lua.LTable)
	wrap := func(name string, size func(L *lua.LState) float64) {
		wrapChecked(L, globals, name, func(L *lua.LState) {
			checkAllocation(L, name+"()", size(L))
		})
	}
	number := func(L *lua.LState, n int) float64 {
		v, _ := L.Get(n).(lua.LNumber)
		return float64(v)
	}
	wrap("str_repeat", func(L *lua.LState) float64 {
		return float64(len(lua.LVAsString(L.Get(1)))) * number(L, 2)
	})
	wrap("str_pad", func(L *lua.LState) float64 { return number(L, 2) })
	glued := func(L *lua.LState) float64 {
		glue, pieces := L.Get(1), L.Get(2)
		if t, ok := glue.(*lua.LTable); ok {
			glue, pieces = pieces, t
		}
		if t, ok := pieces.(*lua.LTable); ok {
			return float64(len(lua.LVAsString(glue))) * float64(t.Len())
		}
		return 0
	}
	wrap("implode", glued)
	wrap("join", glued)
}

// wrapChecked replaces tbl[name], a Go function, with one that runs check
// first. The replacement carries the original's upvalues (io's functions
// keep the default files there), so the original runs in its frame, and its
// errors name it as before.
func wrapChecked(L *lua.LState, tbl *lua.LTable, name string, check func(L *lua.LState)) {
	orig, ok := tbl.RawGetString(name).(*lua.LFunction)
	if !ok || orig.GFunction == nil {
		return
	}
	upvalues := make([]lua.LValue, len(orig.Upvalues))
	for i, uv := range orig.Upvalues {
		upvalues[i] = uv.Value()
	}
	tbl.RawSetString(name, L.NewClosure(func(L *lua.LState) int {
		check(L)
		return orig.GFunction(L)
	}, upvalues...))
}

// formatSize is an upper bound of string.format's result: the format, the
// strings, and every width or precision (Go's fmt caps each at a million,
// but a format may hold many).
func formatSize(L *lua.LState) float64 {
	format := L.CheckString(1)
	size := float64(len(format))
	for i := 2; i <= L.GetTop(); i++ {
		if s, ok := L.Get(i).(lua.LString); ok {
			size += float64(len(s))
		}
		size += 32
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		for j < len(format) && (format[j] == '.' || format[j] >= '0' && format[j] <= '9') {
			start := j
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(format[start:j]); err == nil {
				size += float64(min(n, 1_000_000))
			}
			if j < len(format) && format[j] == '.' {
				j++
			}
		}
		i = j
	}
	return size
}

// maxResults bounds what one call may push on the Lua stack (the state's
// RegistryMaxSize, less room for the frames below).
const maxResults = 1<<22 - 1<<16

// pushMany pushes n values made by value(k), k from 0, growing the stack
// once: gopher-lua grows it RegistryGrowStep slots at a time, copying it
// each time, so pushing 2^19 values one by one was quadratic (9 s).
func pushMany(L *lua.LState, n int, value func(k int) lua.LValue) int {
	if n == 1 { // c:byte(), the common case
		L.Push(value(0))
		return 1
	}
	top := L.GetTop()
	L.SetTop(top + n)
	for k := 0; k < n; k++ {
		L.Replace(top+1+k, value(k))
	}
	return n
}

// stringByte is Lua 5.1's string.byte(s [, i [, j]]): the codes of s[i..j],
// j defaulting to i (gopher-lua's gives every byte when i is absent).
func stringByte(L *lua.LState) int {
	s := L.CheckString(1)
	i := strIndex(L.OptInt(2, 1), len(s))
	j := strIndex(L.OptInt(3, i), len(s))
	i = max(i, 1)
	j = min(j, len(s))
	if i > j {
		return 0
	}
	if j-i+1 > maxResults {
		L.RaiseError("string slice too long")
	}
	return pushMany(L, j-i+1, func(k int) lua.LValue { return lua.LNumber(s[i-1+k]) })
}

// strIndex is Lua 5.1's posrelat: a negative position counts from the end.
func strIndex(pos, length int) int {
	if pos < 0 {
		pos += length + 1
	}
	return max(pos, 0)
}

// baseUnpack is Lua 5.1's unpack(t [, i [, j]]).
func baseUnpack(L *lua.LState) int {
	t := L.CheckTable(1)
	i := L.OptInt(2, 1)
	j := L.OptInt(3, t.Len())
	if i > j {
		return 0
	}
	if n := int64(j) - int64(i) + 1; n <= 0 || n > maxResults {
		L.RaiseError("too many results to unpack")
	}
	return pushMany(L, j-i+1, func(k int) lua.LValue { return t.RawGetInt(i + k) })
}

// KillChildren ends every process sockrun started that is still running
// (os.execute's and io.popen's, and theirs), when the script is stopped: a
// script blocked in os.execute("sleep 100") must not outlive --timeout. It
// stops the whole tree first, so that nothing forks while it is killed.
// Children are found through /proc (Linux); elsewhere it does nothing.
// (They are not put in their own process group: one outside the terminal's
// foreground group would be stopped by SIGTTIN/SIGTTOU as soon as it reads
// the terminal or sets its modes, as `stty` does.)
func KillChildren() {
	stopped := map[int]bool{}
	for round := 0; round < 20; round++ {
		more := false
		for _, pid := range descendants(os.Getpid()) {
			if !stopped[pid] {
				syscall.Kill(pid, syscall.SIGSTOP) // it may have ended meanwhile
				stopped[pid] = true
				more = true
			}
		}
		if !more {
			break
		}
	}
	for pid := range stopped {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// descendants lists the processes under pid, from /proc/*/stat.
func descendants(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	children := map[int][]int{}
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		end := strings.LastIndexByte(string(data), ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(string(data[end+1:]))
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		child, err1 := strconv.Atoi(strings.Fields(string(data))[0])
		parent, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			children[parent] = append(children[parent], child)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// StopState is the exit status and reason of the first Stop (zero values
// when none), safe from any goroutine once Stop has been called there.
func (rt *Runtime) StopState() (status int, reason string) {
	rt.stopOnce.Do(func() {}) // waits for, and orders after, a Stop in progress
	return rt.status, rt.reason
}
