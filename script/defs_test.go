package script

import (
	"strings"
	"testing"
)

// The definitions cannot drift: a registered global without a signature,
// or a signature for something not registered, fails the generator.
func TestLuaDefsDrift(t *testing.T) {
	if _, err := LuaDefs("test"); err != nil {
		t.Fatal(err)
	}
	saved := luaSignatures
	defer func() { luaSignatures = saved }()

	luaSignatures = strings.Replace(saved, "\nsocket_listen(", "\n# socket_listen(", 1)
	if _, err := LuaDefs("test"); err == nil || !strings.Contains(err.Error(), "socket_listen") {
		t.Errorf("a missing signature gave %v", err)
	}
	luaSignatures = saved + "\nsocket_frobnicate(socket: Socket): boolean -- no such thing\n"
	if _, err := LuaDefs("test"); err == nil || !strings.Contains(err.Error(), "socket_frobnicate") {
		t.Errorf("a stale signature gave %v", err)
	}
}
