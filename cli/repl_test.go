package cli

import (
	"bytes"
	"strings"
	"testing"
)

// The prompt on a stdin that is not a terminal (sockrun -i < file): the same
// evaluation as on a terminal, without prompts or editing. The terminal
// side is tested through a pty in tests/repl_test.go.

func runPromptLines(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(append([]string{"-i"}, args...), strings.NewReader(input), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestReplPlainEvaluation(t *testing.T) {
	code, out, errOut := runPromptLines(t, strings.Join([]string{
		"x = 6 * 7",
		"x",                 // a bare expression prints its value
		"= x + 1, 'a'",      // = expr, several values
		"local y = 1",       // a local lives for its line only
		"y",                 // nil
		"function twice(n)", // an incomplete chunk continues
		"  return n * 2",
		"end",
		"twice(",
		"  21)",
		"error('boom')", // an error is reported and the prompt goes on
		"x = = 1",       // a syntax error too
		"print('after')",
		"1 +", // an incomplete expression continues
		"1",
		"co = coroutine.wrap(function() coroutine.yield('first') return 'second' end)",
		"co()", // a coroutine made on one line runs on the next ones
		"co()",
	}, "\n")+"\n")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if want := "42\n43\ta\nnil\n42\nafter\n2\nfirst\nsecond\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	for _, want := range []string{"stdin:1: boom\nstack traceback:", "stdin line:1(column:5) near '=':"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
}

// Tasks spawned on one line run on the next lines and while input is read.
func TestReplPlainTasksAcrossLines(t *testing.T) {
	code, out, errOut := runPromptLines(t, strings.Join([]string{
		"t = spawn(function(a) sleep(0.01) return a * 2 end, 21)",
		"print(wait(t))",
		"ok, pair = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)",
		"r = spawn(function() return socket_read(pair[2], 10) end)",
		"socket_write(pair[1], 'hi')",
		"wait(r)",
	}, "\n")+"\n")
	if code != 0 || out != "true\t42\n2\ntrue\thi\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// die(n) and os.exit(n) end the session with their status; -e and a script
// run before the prompt, and the prompt opens after a script's error.
func TestReplPlainEndings(t *testing.T) {
	if code, out, _ := runPromptLines(t, "print('a')\ndie(7)\nprint('never')\n"); code != 7 || out != "a\n" {
		t.Errorf("die(7): exit %d, stdout %q", code, out)
	}
	if code, out, _ := runPromptLines(t, "os.exit(5)\n"); code != 5 || out != "" {
		t.Errorf("os.exit(5): exit %d, stdout %q", code, out)
	}
	if code, out, _ := runPromptLines(t, "v\n", "-e", "v = 'from -e'"); code != 0 || out != "from -e\n" {
		t.Errorf("-e: exit %d, stdout %q", code, out)
	}
	code, out, errOut := runPromptLines(t, "v\n", "-e", "v = 1 error('in script')")
	if code != 0 || out != "1\n" || !strings.Contains(errOut, "-e:1: in script") {
		t.Errorf("-e error: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// Without -i, no script on a stdin that is not a terminal stays a usage error.
func TestReplNotWithoutTerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main(nil, strings.NewReader("print(1)\n"), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "no script given") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
