package script

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// Every chunk sockrun runs is compiled here: the script, the prompt's
// lines, and what load, loadstring, loadfile, dofile and require load.
//
// gopher-lua compiles a multiple assignment to locals into moves that can
// overwrite a local before a later right-hand expression reads it, so
// `a, b = b, a` leaves both equal (yuin/gopher-lua#440). Lua evaluates every
// value before it assigns any, so each multiple assignment is rewritten
// before compilation into
//
//	do local (1), (2) = <obj>, <key>; local (3), (4) = <values>; x, (1)[(2)] = (3), (4) end
//
// (the table and key of an indexed target first, then the values, into
// fresh locals no assignment writes). The names cannot clash with the
// script's: they are not Lua identifiers.

// compileChunk parses and compiles a chunk read from r; name is the chunk's
// name in messages.
func compileChunk(L *lua.LState, r io.Reader, name string) (*lua.LFunction, error) {
	chunk, err := parse.Parse(r, name)
	if err != nil {
		return nil, &lua.ApiError{Type: lua.ApiErrorSyntax, Object: lua.LString(err.Error()), Cause: err}
	}
	fixAssignments(chunk)
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, &lua.ApiError{Type: lua.ApiErrorSyntax, Object: lua.LString(err.Error()), Cause: err}
	}
	return L.NewFunctionFromProto(proto), nil
}

// compileFile is LState.LoadFile through compileChunk: "" is stdin, and a
// first line starting with '#' is skipped (keeping the line count).
func compileFile(L *lua.LState, path string) (*lua.LFunction, error) {
	var file io.Reader = os.Stdin
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, &lua.ApiError{Type: lua.ApiErrorFile, Object: lua.LString(err.Error()), Cause: err}
		}
		defer f.Close()
		file = f
	}
	r := bufio.NewReader(file)
	if b, err := r.Peek(1); err == nil && b[0] == '#' {
		line, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, &lua.ApiError{Type: lua.ApiErrorFile, Object: lua.LString(err.Error()), Cause: err}
		}
		if strings.HasSuffix(line, "\n") {
			return compileChunk(L, io.MultiReader(strings.NewReader("\n"), r), path)
		}
	}
	return compileChunk(L, r, path)
}

// fixAssignments rewrites every multiple assignment in the chunk, in
// nested blocks and function bodies too.
func fixAssignments(stmts []ast.Stmt) {
	for i, st := range stmts {
		stmts[i] = fixStmt(st)
	}
}

func fixStmt(st ast.Stmt) ast.Stmt {
	switch s := st.(type) {
	case *ast.AssignStmt:
		fixExprs(s.Lhs)
		fixExprs(s.Rhs)
		if len(s.Lhs) > 1 {
			return splitAssignment(s)
		}
	case *ast.LocalAssignStmt:
		fixExprs(s.Exprs)
	case *ast.FuncCallStmt:
		fixExpr(s.Expr)
	case *ast.DoBlockStmt:
		fixAssignments(s.Stmts)
	case *ast.WhileStmt:
		fixExpr(s.Condition)
		fixAssignments(s.Stmts)
	case *ast.RepeatStmt:
		fixExpr(s.Condition)
		fixAssignments(s.Stmts)
	case *ast.IfStmt:
		fixExpr(s.Condition)
		fixAssignments(s.Then)
		fixAssignments(s.Else)
	case *ast.NumberForStmt:
		fixExpr(s.Init)
		fixExpr(s.Limit)
		fixExpr(s.Step)
		fixAssignments(s.Stmts)
	case *ast.GenericForStmt:
		fixExprs(s.Exprs)
		fixAssignments(s.Stmts)
	case *ast.FuncDefStmt:
		fixExpr(s.Func)
	case *ast.ReturnStmt:
		fixExprs(s.Exprs)
	}
	return st
}

func fixExprs(exprs []ast.Expr) {
	for _, e := range exprs {
		fixExpr(e)
	}
}

// fixExpr reaches the function bodies inside an expression.
func fixExpr(e ast.Expr) {
	switch x := e.(type) {
	case *ast.FunctionExpr:
		fixAssignments(x.Stmts)
	case *ast.AttrGetExpr:
		fixExpr(x.Object)
		fixExpr(x.Key)
	case *ast.TableExpr:
		for _, f := range x.Fields {
			fixExpr(f.Key)
			fixExpr(f.Value)
		}
	case *ast.FuncCallExpr:
		fixExpr(x.Func)
		fixExpr(x.Receiver)
		fixExprs(x.Args)
	case *ast.LogicalOpExpr:
		fixExpr(x.Lhs)
		fixExpr(x.Rhs)
	case *ast.RelationalOpExpr:
		fixExpr(x.Lhs)
		fixExpr(x.Rhs)
	case *ast.StringConcatOpExpr:
		fixExpr(x.Lhs)
		fixExpr(x.Rhs)
	case *ast.ArithmeticOpExpr:
		fixExpr(x.Lhs)
		fixExpr(x.Rhs)
	case *ast.UnaryMinusOpExpr:
		fixExpr(x.Expr)
	case *ast.UnaryNotOpExpr:
		fixExpr(x.Expr)
	case *ast.UnaryLenOpExpr:
		fixExpr(x.Expr)
	}
}

// splitAssignment makes the do-block that assigns through fresh locals.
func splitAssignment(s *ast.AssignStmt) ast.Stmt {
	line, last := s.Line(), s.LastLine()
	n := 0
	fresh := func() string {
		n++
		return "(" + strconv.Itoa(n) + ")"
	}
	ident := func(name string) ast.Expr {
		e := &ast.IdentExpr{Value: name}
		e.SetLine(line)
		e.SetLastLine(last)
		return e
	}
	local := func(names []string, exprs []ast.Expr) ast.Stmt {
		l := &ast.LocalAssignStmt{Names: names, Exprs: exprs}
		l.SetLine(line)
		l.SetLastLine(last)
		return l
	}
	var block []ast.Stmt
	lhs := make([]ast.Expr, len(s.Lhs))
	for i, target := range s.Lhs {
		lhs[i] = target
		get, ok := target.(*ast.AttrGetExpr)
		if !ok {
			continue
		}
		obj, key := fresh(), fresh()
		block = append(block, local([]string{obj, key}, []ast.Expr{get.Object, get.Key}))
		g := &ast.AttrGetExpr{Object: ident(obj), Key: ident(key)}
		g.SetLine(get.Line())
		g.SetLastLine(get.LastLine())
		lhs[i] = g
	}
	values := make([]string, len(s.Lhs))
	rhs := make([]ast.Expr, len(s.Lhs))
	for i := range values {
		values[i] = fresh()
		rhs[i] = ident(values[i])
	}
	block = append(block, local(values, s.Rhs))
	assign := &ast.AssignStmt{Lhs: lhs, Rhs: rhs}
	assign.SetLine(line)
	assign.SetLastLine(last)
	block = append(block, assign)
	do := &ast.DoBlockStmt{Stmts: block}
	do.SetLine(line)
	do.SetLastLine(last)
	return do
}

// The loading functions of Lua's base library and require's Lua loader,
// through compileChunk; their results and messages are gopher-lua's.
var loadFuncs = []struct {
	name string
	fn   lua.LGFunction
}{
	{"loadstring", loadString},
	{"load", loadFunc},
	{"loadfile", loadFile},
	{"dofile", doFile},
}

func loadResult(L *lua.LState, fn *lua.LFunction, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(fn)
	return 1
}

// loadString: loadstring(s[, chunkname]) -> function | nil, message
func loadString(L *lua.LState) int {
	fn, err := compileChunk(L, strings.NewReader(L.CheckString(1)), L.OptString(2, "<string>"))
	return loadResult(L, fn, err)
}

// loadFunc: load(reader[, chunkname]) -> function | nil, message; reader
// returns the chunk's pieces until nil or "".
func loadFunc(L *lua.LState) int {
	reader := L.CheckFunction(1)
	name := L.OptString(2, "?")
	var b strings.Builder
	for {
		L.Push(reader)
		L.Call(0, 1)
		v := L.Get(-1)
		L.Pop(1)
		if v == lua.LNil {
			break
		}
		if !lua.LVCanConvToString(v) {
			L.Push(lua.LNil)
			L.Push(lua.LString("reader function must return a string"))
			return 2
		}
		piece := lua.LVAsString(v)
		if piece == "" {
			break
		}
		b.WriteString(piece)
	}
	fn, err := compileChunk(L, strings.NewReader(b.String()), name)
	return loadResult(L, fn, err)
}

// loadFile: loadfile([filename]) -> function | nil, message
func loadFile(L *lua.LState) int {
	if L.GetTop() < 1 {
		fn, err := compileChunk(L, os.Stdin, "<stdin>")
		return loadResult(L, fn, err)
	}
	name := L.CheckString(1)
	f, err := os.Open(name)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("can not open file: %v", name)))
		return 2
	}
	defer f.Close()
	fn, err := compileChunk(L, f, name)
	return loadResult(L, fn, err)
}

// doFile: dofile([filename]) -> what the chunk returns; errors raise.
func doFile(L *lua.LState) int {
	top := L.GetTop()
	fn, err := compileFile(L, L.ToString(1))
	if err != nil {
		L.Push(lua.LString(err.Error()))
		L.Panic(L)
	}
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}

// requireLua is require's loader of Lua files: it finds name along
// package.path ("." in the name is the directory separator).
func requireLua(L *lua.LState) int {
	name := strings.ReplaceAll(L.CheckString(1), ".", string(os.PathSeparator))
	pkg, _ := L.GetGlobal("package").(*lua.LTable)
	var path lua.LValue = lua.LNil
	if pkg != nil {
		path = pkg.RawGetString("path")
	}
	patterns, ok := path.(lua.LString)
	if !ok {
		L.RaiseError("package.path must be a string")
	}
	var tried []string
	for _, pattern := range strings.Split(string(patterns), ";") {
		file := strings.ReplaceAll(pattern, "?", name)
		if _, err := os.Stat(file); err != nil {
			tried = append(tried, err.Error())
			continue
		}
		fn, err := compileFile(L, file)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(fn)
		return 1
	}
	L.Push(lua.LString(strings.Join(tried, "\n\t")))
	return 1
}

// openLoaders installs the loading functions over gopher-lua's.
func openLoaders(L *lua.LState) {
	for _, f := range loadFuncs {
		L.SetGlobal(f.name, L.NewFunction(f.fn))
	}
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok {
			loaders.RawSetInt(2, L.NewFunction(requireLua))
		}
	}
}
