package sock

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The socket layer imports no Lua and none of sockrun's other packages, so
// nothing it starts can reach the Lua state (the goroutine rule, doc.go):
// its only imports are the standard library and golang.org/x/sys.
func TestImportsNoLua(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files: %v", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first := strings.Split(path, "/")[0]
			if strings.Contains(first, ".") && !strings.HasPrefix(path, "golang.org/x/sys/") {
				t.Errorf("%s imports %s: the socket layer may import only the standard library and golang.org/x/sys", name, path)
			}
			if strings.HasPrefix(path, "sockrun/") {
				t.Errorf("%s imports %s: the socket layer is the bottom layer", name, path)
			}
		}
	}
}
