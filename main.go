// Command sockrun runs Lua scripts that use PHP's socket API over real Go
// networking. Everything lives in package runtime; main only hands over the
// process's arguments and streams and exits with the status it gets back.
package main

import (
	"os"

	"sockrun/runtime"
)

func main() {
	os.Exit(runtime.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
