package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// --lua-defs writes a LuaLS definitions file covering every global (the
// generator itself fails on a registered global without a signature, so
// this test fails with it), and the file is Lua that lua5.1 loads.
func TestLuaDefs(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"--lua-defs"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	defs := out.String()
	for _, want := range []string{
		"---@meta sockrun\n",
		"---@class Socket: userdata\n",
		"---@param domain integer\n---@param type integer\n---@param protocol integer\n---@return Socket|false\nfunction socket_create(domain, type, protocol) end\n",
		"---@return integer|false n\n---@return string? data\nfunction socket_recv(socket, length, flags) end\n",
		"---@param ... any\n---@return Task\nfunction spawn(fn, ...) end\n",
		"function bit.band(x, ...) end\n",
		"---@param end_ any\n", // range's $end: a Lua keyword
		"---@type integer\nAF_INET = 2\n",
		"---@type integer\nSOCKET_ECONNREFUSED = 111\n",
		"---@type integer\nMSG_WAITALL = 256\n",
		"---@type string\nPHP_EOL = \"\\n\"\n",
		"---@type integer\nE_WARNING = 2\n",
		"---@type Stream\nSTDIN = nil\n",
		"function strlen(string) end\n",
		"function preg_match(pattern, subject, flags, offset) end\n",
	} {
		if !strings.Contains(defs, want) {
			t.Errorf("definitions lack %q", want)
		}
	}
	if strings.Contains(defs, "function print(") || strings.Contains(defs, "function pcall(") {
		t.Error("definitions redefine Lua's own globals")
	}

	path := filepath.Join(t.TempDir(), "sockrun.d.lua")
	if code := Main([]string{"--lua-defs", path}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d writing %s: %s", code, path, errOut.String())
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != defs {
		t.Fatalf("file differs from stdout (%v)", err)
	}
	lua, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1 not installed: the file was not parsed")
	}
	code := "assert(loadfile(" + strconv.Quote(path) + "))"
	if msg, err := exec.Command(lua, "-e", code).CombinedOutput(); err != nil {
		t.Fatalf("lua5.1 cannot load the definitions: %v\n%s", err, msg)
	}
}

func TestLuaDefsUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"--lua-defs", "a", "b"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}
