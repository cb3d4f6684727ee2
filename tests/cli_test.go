package tests

import (
	"strings"
	"testing"
)

// The command line's exit statuses and messages, on the real binary.
func TestCLIExitStatuses(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		stdin     string
		code      int
		stdout    string // exact, when not empty
		stderrHas string
	}{
		{name: "normal end", args: []string{"-e", "echo('hi')"}, code: 0, stdout: "hi"},
		{name: "die with message", args: []string{"-e", "die('bye\\n')"}, code: 0, stdout: "bye\n"},
		{name: "die without argument", args: []string{"-e", "die()"}, code: 0},
		{name: "exit with status", args: []string{"-e", "exit(4)"}, code: 4},
		{name: "exit with message", args: []string{"-e", "exit('bye')"}, code: 0, stdout: "bye"},
		{name: "die with status", args: []string{"-e", "die(3)"}, code: 3},
		{name: "os.exit honoured inside pcall", args: []string{"-e", "pcall(os.exit, 7) echo('not reached')"}, code: 7},
		{name: "die inside pcall still ends", args: []string{"-e", "pcall(die, 'x') echo('not reached')"}, code: 0, stdout: "x"},
		{name: "uncaught error", args: []string{"-e", "error('boom')"}, code: 1, stderrHas: "boom"},
		{name: "unknown flag", args: []string{"--no-such-flag", "x.lua"}, code: 2, stderrHas: "unknown flag: --no-such-flag"},
		{name: "missing script", args: []string{"no/such/script.lua"}, code: 2, stderrHas: "cannot read script no/such/script.lua"},
		{name: "no script", args: nil, code: 2, stderrHas: "no script given"},
		{name: "flags after the script are the script's", args: []string{"-e", "echo(table.concat(arg, ','))", "a", "--x", "-y"}, code: 0, stdout: "a,--x,-y"},
		{name: "script from stdin", args: []string{"-", "a", "b"}, stdin: "echo(arg[0], ' ', ...)", code: 0, stdout: "stdin ab"},
		{name: "version", args: []string{"--version"}, code: 0},
		{name: "timeout ends a blocked accept", args: []string{"--timeout", "200ms", "-e", "socket_accept(socket_create_listen(0))"}, code: 124, stderrHas: "timed out after 200ms"},
		{name: "timeout ends a busy loop", args: []string{"--timeout", "200ms", "-e", "while true do end"}, code: 124},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runProgram(t, tc.stdin, binPath, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			if tc.stdout != "" && r.stdout != tc.stdout {
				t.Errorf("stdout %q, want %q", r.stdout, tc.stdout)
			}
			if !strings.Contains(r.stderr, tc.stderrHas) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tc.stderrHas)
			}
		})
	}
}

// A runtime error names the file and line and carries a traceback; a syntax
// error names the file and line.
func TestScriptErrorsNameFileAndLine(t *testing.T) {
	script := writeFile(t, "bad.lua", "local function f()\n  socket_write(nil, 'x')\nend\nf()\n")
	r := runSockrun(t, script)
	want := script + ":2: socket_write(): Argument #1 ($socket) must be of type Socket, nil given"
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "stack traceback:") ||
		!strings.Contains(r.stderr, script+":4: in main chunk") {
		t.Fatalf("status %d, stderr:\n%s\nwant it to contain %q and a traceback", r.code, r.stderr, want)
	}

	syntax := writeFile(t, "syntax.lua", "local x = 1\nlocal y = = 2\n")
	r = runSockrun(t, syntax)
	if r.code != 1 || !strings.Contains(r.stderr, syntax+" line:2") {
		t.Fatalf("status %d, stderr:\n%s\nwant the file and line 2", r.code, r.stderr)
	}
}

// Ctrl-C while the script is blocked in select ends it with 130 after
// closing its sockets (the client sees EOF).
func TestInterruptClosesSockets(t *testing.T) {
	p := startSockrun(t, "-e", `
		local s = socket_create(AF_INET, SOCK_STREAM, 0)
		socket_bind(s, "127.0.0.1", 0)
		socket_listen(s)
		local _, _, port = socket_getsockname(s)
		echo("port ", port, "\n")
		local r = {s}
		socket_select(r, nil, nil, nil)
		local c = socket_accept(s)
		echo("accepted\n")
		socket_select({c}, nil, nil, nil)
	`)
	port := p.waitLine(`^port (\d+)$`)[1]
	conn := dialTCP(t, "127.0.0.1:"+port)
	p.waitLine(`^accepted$`)
	if code := p.interrupt(); code != 130 {
		t.Fatalf("status %d after SIGINT, want 130; stderr:\n%s", code, p.Stderr())
	}
	if !strings.Contains(p.Stderr(), "interrupted") {
		t.Errorf("stderr %q does not say it was interrupted", p.Stderr())
	}
	expectEOF(t, conn)
}
