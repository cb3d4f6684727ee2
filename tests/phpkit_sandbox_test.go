package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPHPKitSandbox: the kit's file functions go through the script's own
// io.open and os.remove, so --sandbox rules them as it rules the script:
// reads only under the script's directory, no writes, no unlink anywhere.
func TestPHPKitSandbox(t *testing.T) {
	base := t.TempDir()
	app := filepath.Join(base, "app")
	outside := filepath.Join(base, "outside", "victim.txt")
	for path, content := range map[string]string{
		filepath.Join(app, "data.txt"): "inside\n",
		outside:                        "victim\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, code, want string }{
		{"read inside", `echo(file_get_contents(__DIR__ .. "/data.txt"), tostring(file_exists(__DIR__ .. "/data.txt")), tostring(is_dir(__DIR__)))`, "inside\ntruetrue"},
		{"read outside", `local ok, err = pcall(file_get_contents, OUT) echo(tostring(ok), " ", err)`, "false " + "x.lua:1: io.open(\"" + outside + "\"): reading outside the script's directory is disabled by --sandbox"},
		{"exists outside", `local ok, err = pcall(file_exists, OUT) echo(tostring(ok), " ", err)`, "reading outside the script's directory is disabled by --sandbox"},
		{"unlink outside", `local ok, err = pcall(unlink, OUT) echo(tostring(ok), " ", err)`, "false x.lua:1: io.open(\"" + outside + "\"): reading outside the script's directory is disabled by --sandbox"},
		{"unlink inside", `local ok, err = pcall(unlink, __DIR__ .. "/data.txt") echo(tostring(ok), " ", err)`, "os.remove is disabled by --sandbox"},
		{"write inside", `local ok, err = pcall(file_put_contents, __DIR__ .. "/new.txt", "x") echo(tostring(ok), " ", err)`, "writing files is disabled by --sandbox"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := filepath.Join(app, "x.lua")
			code := "local OUT = " + luaQuote(outside) + " " + c.code
			if err := os.WriteFile(script, []byte(code), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runProgram(t, "", binPath, "--sandbox", script)
			out := strings.ReplaceAll(r.stdout, script, "x.lua")
			if !strings.Contains(out, c.want) || strings.HasPrefix(out, "true ") {
				t.Errorf("stdout %q, want it to hold %q (stderr %q)", r.stdout, c.want, r.stderr)
			}
			for _, f := range []string{outside, filepath.Join(app, "data.txt")} {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("%s is gone: %v", f, err)
				}
			}
			if _, err := os.Stat(filepath.Join(app, "new.txt")); err == nil {
				t.Errorf("new.txt was written under --sandbox")
			}
		})
	}
}

func luaQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
