package cli

import (
	"fmt"
	"io"
	"os"

	"sockrun/script"
)

// writeLuaDefs is sockrun --lua-defs [FILE]: the LuaLS definitions of every
// global sockrun adds (script.LuaDefs), on stdout or in FILE.
func writeLuaDefs(args []string, stdout, stderr io.Writer) int {
	if len(args) > 1 {
		fmt.Fprintln(stderr, "sockrun: --lua-defs takes at most one FILE")
		return script.ExitUsage
	}
	defs, err := script.LuaDefs(Version)
	if err != nil {
		fmt.Fprintf(stderr, "sockrun: %v\n", err)
		return script.ExitError
	}
	if len(args) == 0 {
		io.WriteString(stdout, defs)
		return script.ExitOK
	}
	if err := os.WriteFile(args[0], []byte(defs), 0o644); err != nil {
		fmt.Fprintf(stderr, "sockrun: cannot write %s: %v\n", args[0], unwrapPathError(err))
		return script.ExitUsage
	}
	return script.ExitOK
}
