package tests

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// End-to-end tests of --sandbox: what a script loses, what it may still
// read (files under its own directory and -I directories), and that its
// sockets still work under the network policy.

// polSandboxTree is a script directory with files and links in it, a
// directory outside it, a -I directory, and a sibling whose name starts
// with the script directory's (so a prefix test alone would let it in).
type polSandboxTree struct {
	base, dir, outside, inc, sibling string
}

func polSandboxSetup(t *testing.T) polSandboxTree {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tr := polSandboxTree{
		base:    base,
		dir:     filepath.Join(base, "app"),
		outside: filepath.Join(base, "outside"),
		inc:     filepath.Join(base, "inc"),
		sibling: filepath.Join(base, "app-evil"),
	}
	files := map[string]string{
		"app/data.txt":          "inside data\nsecond line\n",
		"app/sub/inner.txt":     "inner\n",
		"app/lib.lua":           `return "lib inside"`,
		"app/mod_ok.lua":        `return "module inside"`,
		"app/pkg/init.lua":      `return "package inside"`,
		"inc/mod_inc.lua":       `return "module from -I"`,
		"inc/inc.txt":           "from -I\n",
		"outside/secret.txt":    "SECRET\n",
		"outside/evil.lua":      `return "EVIL CODE RAN"`,
		"outside/mod_out.lua":   `return "MODULE OUTSIDE"`,
		"app-evil/secret.txt":   "SIBLING SECRET\n",
		"app-evil/mod_sib.lua":  `return "SIBLING MODULE"`,
		"outside/victim.txt":    "victim\n",
		"app/victim_inside.txt": "victim inside\n",
	}
	for name, content := range files {
		path := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"app/link_out.txt":  filepath.Join(tr.outside, "secret.txt"),
		"app/linkdir":       tr.outside,
		"app/mod_link.lua":  filepath.Join(tr.outside, "mod_out.lua"),
		"app/link_evil.lua": filepath.Join(tr.outside, "evil.lua"),
		"app/link_in.txt":   filepath.Join(tr.dir, "data.txt"), // stays inside: fine
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(base, name)); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

// polSandboxRun writes the script into the tree's script directory and runs
// it with flags.
func polSandboxRun(t *testing.T, tr polSandboxTree, flags []string, name, body string, args ...string) (result, string) {
	t.Helper()
	script := filepath.Join(tr.dir, name)
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return runSockrun(t, append(append(append([]string{}, flags...), script), args...)...), script
}

// polTryLua defines try(label, f, ...): it calls f in pcall and prints
// "label OK <first result>", "label DENIED" when the error says --sandbox,
// or "label ERR <message>".
const polTryLua = `
local function show(v)
  if type(v) == "string" then return (v:gsub("\n", "|")) end
  return tostring(v)
end
function try(label, f, ...)
  local args = {...}
  local res = {pcall(function() return f(unpack(args)) end)}
  if res[1] then
    echo(label, " OK ", show(res[2]), "\n")
  elseif tostring(res[2]):find("disabled by --sandbox", 1, true) then
    echo(label, " DENIED\n")
  else
    echo(label, " ERR ", show(res[2]), "\n")
  end
end
`

// polLineOf is the line number (from 1) of the first line of body holding s.
func polLineOf(body, s string) int {
	return strings.Count(body[:strings.Index(body, s)], "\n") + 1
}

// polOutcomes turns "label OUTCOME ..." lines into label -> rest.
func polOutcomes(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		label, rest, _ := strings.Cut(line, " ")
		m[label] = rest
	}
	return m
}

// Each function the sandbox takes away raises "NAME is disabled by
// --sandbox" (catchable), and none of them has its effect; without
// --sandbox the same script has every effect (so the test is not vacuous).
func TestSandboxDisabledFunctions(t *testing.T) {
	tr := polSandboxSetup(t)
	body := polTryLua + `
local dir = arg[1]
local function msg(f, ...)
  local args = {...}
  local ok, err = pcall(function() return f(unpack(args)) end)
  return ok and "ran" or tostring(err)
end
echo("os.execute: ", msg(os.execute, "touch " .. dir .. "/executed"), "\n")
echo("io.popen: ", msg(function() local p = io.popen("touch " .. dir .. "/popened") p:read("*a") p:close() return "ran" end), "\n")
echo("package.loadlib: ", msg(package.loadlib, "libc.so.6", "puts"), "\n")
echo("os.remove: ", msg(os.remove, dir .. "/victim_inside.txt"), "\n")
echo("os.rename: ", msg(os.rename, dir .. "/data.txt", dir .. "/renamed.txt"), "\n")
echo("os.tmpname: ", msg(os.tmpname), "\n")
echo("io.output: ", msg(io.output, dir .. "/output.txt"), "\n")
echo("io.open-w: ", msg(io.open, dir .. "/written.txt", "w"), "\n")
io.write("io.write to stdout still works\n")
io.stdout:write("io.stdout:write too\n")
`
	t.Run("sandbox", func(t *testing.T) {
		r, script := polSandboxRun(t, tr, []string{"--sandbox"}, "disabled.lua", body, tr.dir)
		if r.code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, fn := range []string{"os.execute", "io.popen", "package.loadlib", "os.remove", "os.rename", "os.tmpname"} {
			want := fmt.Sprintf("%s: %s:", fn, script)
			line := ""
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(l, fn+": ") {
					line = l
				}
			}
			if !strings.HasPrefix(line, want) || !strings.HasSuffix(line, ": "+fn+" is disabled by --sandbox") {
				t.Errorf("%s: got %q, want \"%s:LINE: %s is disabled by --sandbox\"", fn, line, script, fn)
			}
		}
		for _, want := range []string{
			fmt.Sprintf("io.output: %s:%d: io.output(%q): writing files is disabled by --sandbox\n", script, polLineOf(body, "local ok, err = pcall("), tr.dir+"/output.txt"),
			fmt.Sprintf("io.open-w: %s:%d: io.open(%q, \"w\"): writing files is disabled by --sandbox\n", script, polLineOf(body, "local ok, err = pcall("), tr.dir+"/written.txt"),
			"io.write to stdout still works\nio.stdout:write too\n",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		for _, gone := range []string{"executed", "popened", "renamed.txt", "output.txt", "written.txt"} {
			if _, err := os.Lstat(filepath.Join(tr.dir, gone)); err == nil {
				t.Errorf("%s was created under --sandbox", gone)
			}
		}
		for _, kept := range []string{"victim_inside.txt", "data.txt"} {
			if _, err := os.Stat(filepath.Join(tr.dir, kept)); err != nil {
				t.Errorf("%s was removed or renamed under --sandbox: %v", kept, err)
			}
		}
	})
	t.Run("control", func(t *testing.T) {
		ctr := polSandboxSetup(t)
		r, _ := polSandboxRun(t, ctr, nil, "disabled.lua", body, ctr.dir)
		for _, fn := range []string{"os.execute", "io.popen", "os.remove", "os.rename", "os.tmpname", "io.output", "io.open-w"} {
			if !strings.Contains(r.stdout, fn+": ran\n") {
				t.Errorf("without --sandbox, %s should run; stdout:\n%s\nstderr:\n%s", fn, r.stdout, r.stderr)
			}
		}
		for _, made := range []string{"executed", "popened", "renamed.txt", "output.txt", "written.txt"} {
			if _, err := os.Lstat(filepath.Join(ctr.dir, made)); err != nil {
				t.Errorf("without --sandbox, %s should exist: %v", made, err)
			}
		}
	})
}

// Reading: files under the script's directory (and -I directories) may be
// read by every reading function; files outside, reached directly, through
// "..", through a symlink or a symlinked directory, or in a sibling whose
// name shares the directory's prefix, may not.
func TestSandboxFileReads(t *testing.T) {
	tr := polSandboxSetup(t)
	body := polTryLua + `
local dir, out, inc, sib = arg[1], arg[2], arg[3], arg[4]
local function read(path) local f = io.open(path) if not f then return "nil" end local s = f:read("*a") f:close() return s end
local function lines(path) for l in io.lines(path) do return l end end
local function input(path) io.input(path) local s = io.read("*l") io.input(io.stdin) return s end

try("open-inside", read, dir .. "/data.txt")
try("open-subdir", read, dir .. "/sub/inner.txt")
try("open-dotdot-inside", read, dir .. "/sub/../data.txt")
try("open-link-inside", read, dir .. "/link_in.txt")
try("open-inc", read, inc .. "/inc.txt")
try("lines-inside", lines, dir .. "/data.txt")
try("input-inside", input, dir .. "/data.txt")
try("dofile-inside", dofile, dir .. "/lib.lua")
try("loadfile-inside", function(p) return loadfile(p)() end, dir .. "/lib.lua")

try("open-outside", read, out .. "/secret.txt")
try("open-dotdot", read, dir .. "/../outside/secret.txt")
try("open-dotdot-deep", read, dir .. "/sub/../../outside/secret.txt")
try("open-link", read, dir .. "/link_out.txt")
try("open-linkdir", read, dir .. "/linkdir/secret.txt")
try("open-sibling", read, sib .. "/secret.txt")
try("open-etc", read, "/etc/hostname")
try("open-relative", read, "../../../../../../../../../../../../.." .. out .. "/secret.txt")
try("open-rb", function(p) local f = io.open(p, "rb") return f and f:read("*a") end, out .. "/secret.txt")
try("lines-outside", lines, out .. "/secret.txt")
try("lines-link", lines, dir .. "/link_out.txt")
try("input-outside", input, out .. "/secret.txt")
try("dofile-outside", dofile, out .. "/evil.lua")
try("dofile-link", dofile, dir .. "/link_evil.lua")
try("loadfile-outside", function(p) local f = loadfile(p) return f and f() end, out .. "/evil.lua")
try("loadfile-link", function(p) local f = loadfile(p) return f and f() end, dir .. "/link_evil.lua")
`
	reads := map[string]string{
		"open-inside":        "OK inside data|second line|",
		"open-subdir":        "OK inner|",
		"open-dotdot-inside": "OK inside data|second line|",
		"open-link-inside":   "OK inside data|second line|",
		"open-inc":           "OK from -I|",
		"lines-inside":       "OK inside data",
		"input-inside":       "OK inside data",
		"dofile-inside":      "OK lib inside",
		"loadfile-inside":    "OK lib inside",
	}
	outside := map[string]string{
		"open-outside":     "OK SECRET|",
		"open-dotdot":      "OK SECRET|",
		"open-dotdot-deep": "OK SECRET|",
		"open-link":        "OK SECRET|",
		"open-linkdir":     "OK SECRET|",
		"open-sibling":     "OK SIBLING SECRET|",
		"open-etc":         "",
		"open-relative":    "OK SECRET|",
		"open-rb":          "OK SECRET|",
		"lines-outside":    "OK SECRET",
		"lines-link":       "OK SECRET",
		"input-outside":    "OK SECRET",
		"dofile-outside":   "OK EVIL CODE RAN",
		"dofile-link":      "OK EVIL CODE RAN",
		"loadfile-outside": "OK EVIL CODE RAN",
		"loadfile-link":    "OK EVIL CODE RAN",
	}
	args := []string{tr.dir, tr.outside, tr.inc, tr.sibling}

	t.Run("sandbox", func(t *testing.T) {
		r, _ := polSandboxRun(t, tr, []string{"--sandbox", "-I", tr.inc}, "reads.lua", body, args...)
		if r.code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		got := polOutcomes(t, r.stdout)
		for label, want := range reads {
			if got[label] != want {
				t.Errorf("%s: got %q, want %q", label, got[label], want)
			}
		}
		for label := range outside {
			if got[label] != "DENIED" {
				t.Errorf("%s: got %q, want DENIED", label, got[label])
			}
		}
		if strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stdout, "EVIL") {
			t.Errorf("outside content leaked:\n%s", r.stdout)
		}
	})
	t.Run("control", func(t *testing.T) {
		r, _ := polSandboxRun(t, tr, []string{"-I", tr.inc}, "reads.lua", body, args...)
		got := polOutcomes(t, r.stdout)
		for label, want := range outside {
			if want != "" && got[label] != want {
				t.Errorf("without --sandbox, %s: got %q, want %q", label, got[label], want)
			}
		}
	})
}

// Writing is refused everywhere, inside the script's directory too, in
// every mode that writes; the files are left as they were.
func TestSandboxWrites(t *testing.T) {
	tr := polSandboxSetup(t)
	body := polTryLua + `
local dir, out = arg[1], arg[2]
for _, mode in ipairs({"w", "a", "r+", "w+", "a+", "wb", "ab", "rb+"}) do
  try("inside-existing-" .. mode, function() local f = io.open(dir .. "/data.txt", mode) return f and "opened" end)
  try("inside-new-" .. mode, function() local f = io.open(dir .. "/new-" .. mode .. ".txt", mode) return f and "opened" end)
  try("outside-" .. mode, function() local f = io.open(out .. "/victim.txt", mode) return f and "opened" end)
end
try("output-inside", io.output, dir .. "/out.txt")
try("output-outside", io.output, out .. "/victim.txt")
try("output-handle", function() return io.output() == io.stdout end)
`
	r, _ := polSandboxRun(t, tr, []string{"--sandbox"}, "writes.lua", body, tr.dir, tr.outside)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	got := polOutcomes(t, r.stdout)
	for label, outcome := range got {
		want := "DENIED"
		if label == "output-handle" {
			want = "OK true"
		}
		if outcome != want {
			t.Errorf("%s: got %q, want %q", label, outcome, want)
		}
	}
	if len(got) != 8*3+3 {
		t.Errorf("%d outcomes:\n%s\nstderr:\n%s", len(got), r.stdout, r.stderr)
	}
	for path, want := range map[string]string{
		filepath.Join(tr.dir, "data.txt"):       "inside data\nsecond line\n",
		filepath.Join(tr.outside, "victim.txt"): "victim\n",
	} {
		if b, err := os.ReadFile(path); err != nil || string(b) != want {
			t.Errorf("%s changed: %q, %v", path, b, err)
		}
	}
	entries, _ := os.ReadDir(tr.dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "new-") || e.Name() == "out.txt" {
			t.Errorf("%s was created under --sandbox", e.Name())
		}
	}
}

// require finds modules next to the script and in -I directories, and no
// others: not by a plain name, not by rewriting package.path, not through a
// symlink next to the script.
func TestSandboxRequire(t *testing.T) {
	tr := polSandboxSetup(t)
	cases := []struct {
		name, code, want string
	}{
		{"next_to_script", `return require("mod_ok")`, "OK module inside"},
		{"package_dir", `return require("pkg")`, "OK package inside"},
		{"include_dir", `return require("mod_inc")`, "OK module from -I"},
		{"outside_not_found", `return require("mod_out")`, "ERR"},
		{"sibling_not_found", `return require("mod_sib")`, "ERR"},
		{"package.path_changed", `package.path = OUT .. "/?.lua;" .. package.path return require("mod_out")`, "ERR"},
		{"package.path_sibling", `package.path = SIB .. "/?.lua" return require("mod_sib")`, "ERR"},
		{"symlinked_module", `return require("mod_link")`, "ERR"},
		{"loaders_use_loadfile", `package.path = OUT .. "/?.lua" for _, l in ipairs(package.loaders) do local f = l("mod_out") if type(f) == "function" then return f() end end error("no loader found it")`, "ERR"},
		{"cpath_cleared", `package.cpath = OUT .. "/?.so" return require("mod_nonexistent_c")`, "ERR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := polTryLua + fmt.Sprintf("OUT, SIB = %q, %q\ntry(%q, function() %s end)\n", tr.outside, tr.sibling, c.name, c.code)
			r, _ := polSandboxRun(t, tr, []string{"--sandbox", "-I", tr.inc}, "req.lua", body)
			got := polOutcomes(t, r.stdout)[c.name]
			if c.want == "ERR" {
				if !strings.HasPrefix(got, "ERR") && got != "DENIED" {
					t.Errorf("got %q, want an error (the module is outside)\nstderr:\n%s", got, r.stderr)
				}
			} else if got != c.want {
				t.Errorf("got %q, want %q\nstderr:\n%s", got, c.want, r.stderr)
			}
			if strings.Contains(r.stdout, "OUTSIDE") || strings.Contains(r.stdout, "SIBLING") {
				t.Errorf("a module from outside ran:\n%s", r.stdout)
			}
		})
	}
	// Without --sandbox the tricks do load the outside modules, so the cases
	// above test something.
	t.Run("control", func(t *testing.T) {
		body := polTryLua + fmt.Sprintf(`OUT = %q
try("link", function() return require("mod_link") end)
package.path = OUT .. "/?.lua;" .. package.path
try("path", function() return require("mod_out") end)
`, tr.outside)
		r, _ := polSandboxRun(t, tr, nil, "req.lua", body)
		got := polOutcomes(t, r.stdout)
		if got["link"] != "OK MODULE OUTSIDE" || got["path"] != "OK MODULE OUTSIDE" {
			t.Errorf("control: %v\nstderr:\n%s", got, r.stderr)
		}
	})
}

// Sockets still work under --sandbox (governed by --allow/--deny only): a
// round trip through a Go echo peer, and a denied connect.
func TestSandboxSockets(t *testing.T) {
	tr := polSandboxSetup(t)
	ln, port := polListen(t, "tcp4", "127.0.0.1:0")
	polEchoServer(t, ln)
	body := `local port = tonumber(arg[1])
local s = socket_create(AF_INET, SOCK_STREAM, 0)
echo("connect ", tostring(socket_connect(s, "127.0.0.1", port)), "\n")
socket_write(s, "sandboxed hello")
local n, buf = socket_recv(s, 15, MSG_WAITALL)
echo("echo ", tostring(buf), "\n")
socket_close(s)
local d = socket_create(AF_INET6, SOCK_STREAM, 0)
echo("denied ", tostring(socket_connect(d, "::1", port)), " ", socket_last_error(d), "\n")
local srv = socket_create(AF_INET, SOCK_STREAM, 0)
echo("bind ", tostring(socket_bind(srv, "127.0.0.1", 0)), "\n")
local u = socket_create(AF_INET, SOCK_DGRAM, 0)
echo("sendto ", tostring(socket_sendto(u, "x", 1, 0, "127.0.0.1", port)), "\n")
local ok, pair = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
socket_write(pair[1], "pair")
echo("pair ", socket_read(pair[2], 4), "\n")
`
	r, _ := polSandboxRun(t, tr, []string{"--sandbox", "--allow", "127.0.0.1"}, "sock.lua", body, strconv.Itoa(port))
	want := "connect true\necho sandboxed hello\ndenied false 13\nbind true\nsendto 1\npair pair\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
	if !strings.Contains(r.stderr, "(connect to [::1]:"+strconv.Itoa(port)+" matches no --allow rule)") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// polRunIn runs sockrun with dir as its working directory.
func polRunIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// A file name given as a number (Lua turns it into a string) is a path too:
// relative to the working directory, which is outside the script's. The
// sandbox must neither write nor read it.
func TestSandboxNumericPaths(t *testing.T) {
	tr := polSandboxSetup(t)
	cwd := tr.outside // sockrun runs here; the script lives in tr.dir
	for name, content := range map[string]string{"42": "SECRET 42\n", "7": `return "EVIL 7"`} {
		if err := os.WriteFile(filepath.Join(cwd, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	body := polTryLua + `
try("open-w", function() local f = io.open(5, "w") if f then f:write("WRITTEN") f:close() end return f and "opened" end)
try("open-a", function() local f = io.open(42, "a") if f then f:write("APPENDED") f:close() end return f and "opened" end)
try("open-r", function() local f = io.open(42) return f and f:read("*a") end)
try("lines", function() for l in io.lines(42) do return l end end)
try("input", function() io.input(42) local l = io.read("*l") io.input(io.stdin) return l end)
try("dofile", dofile, 7)
try("loadfile", function() local f = loadfile(7) return f and f() end)
`
	script := filepath.Join(tr.dir, "numeric.lua")
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := polRunIn(t, cwd, "--sandbox", script)
	got := polOutcomes(t, r.stdout)
	for _, label := range []string{"open-w", "open-a", "open-r", "lines", "input", "dofile", "loadfile"} {
		if o := got[label]; strings.HasPrefix(o, "OK") && o != "OK nil" {
			t.Errorf("%s with a numeric path: %q, want it refused", label, o)
		}
	}
	if _, err := os.Stat(filepath.Join(cwd, "5")); err == nil {
		t.Errorf("io.open(5, \"w\") created %s/5 under --sandbox", cwd)
	}
	if b, _ := os.ReadFile(filepath.Join(cwd, "42")); string(b) != "SECRET 42\n" {
		t.Errorf("io.open(42, \"a\") changed the file: %q", b)
	}
	if strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stdout, "EVIL") {
		t.Errorf("outside content reached the script:\n%s", r.stdout)
	}
}
