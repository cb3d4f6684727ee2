// Command sockrun runs Lua scripts that use PHP's socket API over real Go
// networking. The command line lives in package cli; main only hands over the
// process's arguments and streams and exits with the status it gets back.
package main

import (
	"os"

	"sockrun/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
