package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPHPKit is the parity suite of PHP's everyday functions: every
// tests/phpkit/NAME.lua has a twin NAME.php that makes the same calls on the
// same inputs, line for line. Both run (php-cli and sockrun, from the
// repository root, with the same stdin); stdout must match byte for byte, and
// so must stderr once each script's path is replaced by FILE (diagnostics
// keep their line numbers, so the twins keep their lines aligned), and the
// exit status.
func TestPHPKit(t *testing.T) {
	php := requireTool(t, "php")
	forEachTwin(t, filepath.Join(rootDir, "tests", "phpkit"), "*", func(t *testing.T, luaPath, phpPath string) {
		stdin := ""
		if b, err := os.ReadFile(strings.TrimSuffix(luaPath, ".lua") + ".stdin"); err == nil {
			stdin = string(b)
		}
		want := runProgram(t, stdin, php, phpCommand(phpFlagsKit, phpPath)...)
		got := runProgram(t, stdin, binPath, luaPath)
		wantErr := strings.ReplaceAll(want.stderr, phpPath, "FILE")
		gotErr := strings.ReplaceAll(got.stderr, luaPath, "FILE")
		if want.stdout != got.stdout {
			t.Errorf("stdout differs (- php, + sockrun):\n%s", lineDiff(want.stdout, got.stdout))
		}
		if wantErr != gotErr {
			t.Errorf("stderr differs (- php, + sockrun):\n%s", lineDiff(wantErr, gotErr))
		}
		if want.code != got.code {
			t.Errorf("exit status: php %d, sockrun %d", want.code, got.code)
		}
	})
}
