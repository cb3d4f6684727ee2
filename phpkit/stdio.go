package phpkit

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// STDIN, STDOUT and STDERR as PHP's stream resources, and the functions
// that read and write them. Reading stdin blocks the whole script (tasks
// included) until a line or EOF arrives, as it blocks PHP.
var stdioFuncs = []Func{
	{"fgets", fgets},
	{"fgetc", fgetc},
	{"fread", fread},
	{"fwrite", fwrite},
	{"fputs", fwrite},
	{"feof", feof},
	{"fflush", fflush},
	{"fclose", fclose},
	{"fopen", fopen},
	{"readline", readline},
	{"stream_get_contents", streamGetContents},
}

// valStream is one stream resource: a reader or a writer.
type valStream struct {
	id     int
	r      *bufio.Reader
	w      io.Writer
	eof    bool
	closed bool
}

func (s *valStream) typeName() string {
	if s.closed {
		return "Unknown"
	}
	return "stream"
}

const valStreamType = "phpkit.stream"

// valStreamOf returns the stream a value is, if it is one.
func valStreamOf(v lua.LValue) (*valStream, bool) {
	if ud, ok := v.(*lua.LUserData); ok {
		s, ok := ud.Value.(*valStream)
		return s, ok
	}
	return nil, false
}

// valNewStream makes a stream resource userdata numbered as PHP numbers
// resources (STDIN 1, STDOUT 2, STDERR 3, then on).
func valNewStream(L *lua.LState, s *valStream) *lua.LUserData {
	st := valGetState(L)
	st.streams = append(st.streams, s)
	s.id = len(st.streams)
	ud := L.NewUserData()
	ud.Value = s
	mt := L.NewTypeMetatable(valStreamType)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		s, _ := valStreamOf(L.Get(1))
		L.Push(lua.LString("Resource id #" + strconv.Itoa(s.id)))
		return 1
	}))
	ud.Metatable = mt
	return ud
}

// openStreams sets STDIN, STDOUT and STDERR.
func openStreams(L *lua.LState, h Host) {
	st := valGetState(L)
	st.stdin = &valStream{r: bufio.NewReader(h.Stdin())}
	L.SetGlobal("STDIN", valNewStream(L, st.stdin))
	L.SetGlobal("STDOUT", valNewStream(L, &valStream{w: h.Stdout()}))
	L.SetGlobal("STDERR", valNewStream(L, &valStream{w: h.Stderr()}))
}

// valCheckStream is argument n, an open stream.
func valCheckStream(L *lua.LState, fn string, n int) *valStream {
	s, ok := valStreamOf(L.Get(n))
	if !ok {
		L.RaiseError("%s(): Argument #%d ($stream) must be of type resource, %s given", fn, n, valTypeName(L, L.Get(n)))
	}
	if s.closed {
		L.RaiseError("%s(): supplied resource is not a valid stream resource", fn)
	}
	return s
}

// read reads up to n bytes: what is buffered, or one read of the source.
func (s *valStream) read(n int) string {
	if s.r == nil || n <= 0 {
		return ""
	}
	if s.r.Buffered() == 0 {
		if _, err := s.r.Peek(1); err != nil {
			s.eof = true
			return ""
		}
	}
	buf := make([]byte, min(n, s.r.Buffered()))
	k, _ := s.r.Read(buf)
	return string(buf[:k])
}

// readLine reads up to and including "\n", at most max bytes (max < 0: no
// limit); ok is false at EOF with nothing read.
func (s *valStream) readLine(max int) (string, bool) {
	if s.r == nil {
		return "", false
	}
	var b strings.Builder
	for max < 0 || b.Len() < max {
		c, err := s.r.ReadByte()
		if err != nil {
			s.eof = true
			break
		}
		b.WriteByte(c)
		if c == '\n' {
			break
		}
	}
	return b.String(), b.Len() > 0
}

// fgets: fgets(stream, length=nil) -> line with its "\n", or false at EOF;
// with length, at most length-1 bytes.
func fgets(k *Kit, L *lua.LState) int {
	valArgs(L, "fgets", 1, 2)
	s := valCheckStream(L, "fgets", 1)
	max := -1
	if L.Get(2) != lua.LNil {
		n := valCheckInt(L, "fgets", 2, "length")
		if n <= 0 {
			L.RaiseError("fgets(): Argument #2 ($length) must be greater than 0")
		}
		max = int(n) - 1
		if max == 0 {
			L.Push(lua.LFalse)
			return 1
		}
	}
	line, ok := s.readLine(max)
	if !ok {
		L.Push(lua.LFalse)
		return 1
	}
	L.Push(lua.LString(line))
	return 1
}

// fgetc: fgetc(stream) -> one byte, or false at EOF.
func fgetc(k *Kit, L *lua.LState) int {
	valArgs(L, "fgetc", 1, 1)
	s := valCheckStream(L, "fgetc", 1)
	b := s.read(1)
	if b == "" {
		L.Push(lua.LFalse)
		return 1
	}
	L.Push(lua.LString(b))
	return 1
}

// fread: fread(stream, length) -> up to length bytes ("" at EOF).
func fread(k *Kit, L *lua.LState) int {
	valArgs(L, "fread", 2, 2)
	s := valCheckStream(L, "fread", 1)
	n := valCheckInt(L, "fread", 2, "length")
	if n <= 0 {
		L.RaiseError("fread(): Argument #2 ($length) must be greater than 0")
	}
	L.Push(lua.LString(s.read(int(n))))
	return 1
}

// streamGetContents: stream_get_contents(stream) -> the rest of the stream.
func streamGetContents(k *Kit, L *lua.LState) int {
	valArgs(L, "stream_get_contents", 1, 3)
	s := valCheckStream(L, "stream_get_contents", 1)
	if s.r == nil {
		L.Push(lua.LString(""))
		return 1
	}
	b, _ := io.ReadAll(s.r)
	s.eof = true
	L.Push(lua.LString(b))
	return 1
}

// fwrite: fwrite(stream, data, length=nil) -> bytes written, or false.
func fwrite(k *Kit, L *lua.LState) int {
	valArgs(L, "fwrite", 2, 3)
	s := valCheckStream(L, "fwrite", 1)
	data := valCheckString(L, "fwrite", 2, "data")
	if L.Get(3) != lua.LNil {
		n := valCheckInt(L, "fwrite", 3, "length")
		if n < int64(len(data)) {
			data = data[:max(n, 0)]
		}
	}
	if s.w == nil {
		k.Host.Diagnostic(L, ENotice, "fwrite(): Write of "+strconv.Itoa(len(data))+" bytes failed with errno=9 Bad file descriptor")
		L.Push(lua.LFalse)
		return 1
	}
	n, err := io.WriteString(s.w, data)
	if err != nil && n == 0 && data != "" {
		L.Push(lua.LFalse)
		return 1
	}
	L.Push(lua.LNumber(n))
	return 1
}

// feof: feof(stream) -> true once a read has met the end.
func feof(k *Kit, L *lua.LState) int {
	valArgs(L, "feof", 1, 1)
	s := valCheckStream(L, "feof", 1)
	L.Push(lua.LBool(s.eof && (s.r == nil || s.r.Buffered() == 0)))
	return 1
}

// fflush: fflush(stream) -> true (sockrun's stdout is not buffered).
func fflush(k *Kit, L *lua.LState) int {
	valArgs(L, "fflush", 1, 1)
	valCheckStream(L, "fflush", 1)
	L.Push(lua.LTrue)
	return 1
}

// fclose: fclose(stream) -> true; the resource is unusable afterwards.
func fclose(k *Kit, L *lua.LState) int {
	valArgs(L, "fclose", 1, 1)
	s := valCheckStream(L, "fclose", 1)
	s.closed = true
	L.Push(lua.LTrue)
	return 1
}

// fopen: fopen(filename, mode) for php://stdin, php://stdout, php://stderr
// and php://output; files are read and written with io.open (and so under
// --sandbox's rules).
func fopen(k *Kit, L *lua.LState) int {
	valArgs(L, "fopen", 2, 4)
	name := valCheckString(L, "fopen", 1, "filename")
	valCheckString(L, "fopen", 2, "mode")
	var s *valStream
	switch strings.ToLower(name) {
	case "php://stdin":
		s = &valStream{r: valGetState(L).stdin.r}
	case "php://stdout", "php://output":
		s = &valStream{w: k.Host.Stdout()}
	case "php://stderr":
		s = &valStream{w: k.Host.Stderr()}
	default:
		L.RaiseError("fopen(%s): only php://stdin, php://stdout, php://stderr and php://output are streams in sockrun; use io.open for files", name)
	}
	L.Push(valNewStream(L, s))
	return 1
}

// readline: readline(prompt="") -> the line without its newline, or false
// at EOF.
func readline(k *Kit, L *lua.LState) int {
	valArgs(L, "readline", 0, 1)
	if L.Get(1) != lua.LNil {
		valWrite(k.Host.Stdout(), valCheckString(L, "readline", 1, "prompt"))
	}
	line, ok := valGetState(L).stdin.readLine(-1)
	if !ok {
		L.Push(lua.LFalse)
		return 1
	}
	L.Push(lua.LString(strings.TrimSuffix(line, "\n")))
	return 1
}
