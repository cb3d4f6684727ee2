package phpkit

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// PHP's constants and settings that socket programs touch, the service
// database, and what the script can ask of its environment.
var envFuncs = []Func{
	{"error_reporting", errorReporting},
	{"ini_set", iniSet},
	{"ini_get", iniGet},
	{"set_time_limit", setTimeLimit},
	{"ob_implicit_flush", obImplicitFlush},
	{"ignore_user_abort", ignoreUserAbort},
	{"extension_loaded", extensionLoaded},
	{"function_exists", functionExists},
	{"getservbyname", getservbyname},
	{"getservbyport", getservbyport},
	{"gethostname", gethostname},
	{"php_sapi_name", phpSapiName},
	{"getmypid", getmypid},
}

// valPHPOS is PHP_OS and PHP_OS_FAMILY for the system sockrun runs on.
func valPHPOS() (string, string) {
	switch goruntime.GOOS {
	case "linux":
		return "Linux", "Linux"
	case "darwin":
		return "Darwin", "Darwin"
	case "windows":
		return "WINNT", "Windows"
	case "freebsd":
		return "FreeBSD", "BSD"
	case "openbsd":
		return "OpenBSD", "BSD"
	case "netbsd":
		return "NetBSD", "BSD"
	}
	return goruntime.GOOS, "Unknown"
}

// openConstants sets PHP_EOL, PHP_OS, E_ALL, STDIN, __FILE__, ... as globals.
func openConstants(L *lua.LState, h Host) {
	valGetState(L).host = h
	osName, family := valPHPOS()
	strs := []struct{ name, value string }{
		{"PHP_EOL", "\n"},
		{"PHP_OS", osName},
		{"PHP_OS_FAMILY", family},
		{"DIRECTORY_SEPARATOR", "/"},
		{"PATH_SEPARATOR", ":"},
	}
	for _, c := range strs {
		L.SetGlobal(c.name, lua.LString(c.value))
	}
	nums := []struct {
		name  string
		value float64
	}{
		// Lua numbers are doubles: PHP_INT_MAX is 2^63, the double nearest
		// to 9223372036854775807 (docs/phpkit.md).
		{"PHP_INT_MAX", math.MaxInt64},
		{"PHP_INT_MIN", math.MinInt64},
		{"PHP_INT_SIZE", 8},
		{"PHP_FLOAT_EPSILON", 2.220446049250313e-16},
		{"PHP_FLOAT_MIN", 2.2250738585072014e-308},
		{"PHP_FLOAT_MAX", math.MaxFloat64},
		{"PHP_FLOAT_DIG", 15},
		{"E_ERROR", EError}, {"E_WARNING", EWarning}, {"E_PARSE", EParse}, {"E_NOTICE", ENotice},
		{"E_CORE_ERROR", ECoreError}, {"E_CORE_WARNING", ECoreWarning},
		{"E_COMPILE_ERROR", ECompileError}, {"E_COMPILE_WARNING", ECompileWarning},
		{"E_USER_ERROR", EUserError}, {"E_USER_WARNING", EUserWarning}, {"E_USER_NOTICE", EUserNotice},
		{"E_STRICT", EStrict}, {"E_RECOVERABLE_ERROR", ERecoverableError},
		{"E_DEPRECATED", EDeprecated}, {"E_USER_DEPRECATED", EUserDeprecated}, {"E_ALL", EAll},
		{"FILE_USE_INCLUDE_PATH", 1}, {"FILE_APPEND", 8}, {"LOCK_SH", 1}, {"LOCK_EX", 2}, {"LOCK_UN", 3},
		{"PATHINFO_DIRNAME", 1}, {"PATHINFO_BASENAME", 2}, {"PATHINFO_EXTENSION", 4}, {"PATHINFO_FILENAME", 8},
	}
	for _, c := range nums {
		L.SetGlobal(c.name, lua.LNumber(c.value))
	}
	for _, c := range jsonConstants {
		L.SetGlobal(c.name, lua.LNumber(c.value))
	}
	for _, c := range arrayConstants {
		L.SetGlobal(c.name, lua.LNumber(c.value))
	}
	openStreams(L, h)
	SetScriptGlobals(L, h.ScriptPath())
}

// SetScriptGlobals sets __FILE__ and __DIR__ for the script at path (its
// absolute path; "" for code given with -e or on stdin, which gets PHP's
// "Command line code" and the working directory, as php -r gives them). The
// runtime calls it once it knows which script runs.
func SetScriptGlobals(L *lua.LState, path string) {
	file, dir := path, ""
	if file == "" {
		file = "Command line code"
		dir, _ = os.Getwd()
	} else {
		dir = filepath.Dir(file)
	}
	L.SetGlobal("__FILE__", lua.LString(file))
	L.SetGlobal("__DIR__", lua.LString(dir))
}

// errorReporting: error_reporting(level=nil) -> the previous level; a level
// sets which diagnostics print, sockrun's socket warnings included.
func errorReporting(k *Kit, L *lua.LState) int {
	valArgs(L, "error_reporting", 0, 1)
	old := k.Host.ErrorReporting()
	if L.Get(1) != lua.LNil {
		k.Host.SetErrorReporting(int(valCheckInt(L, "error_reporting", 1, "error_level")))
	}
	L.Push(lua.LNumber(old))
	return 1
}

// valIniDefaults are the settings ini_get knows, with php-cli's built-in
// values (php -n). They are remembered, not obeyed: only error_reporting
// changes what sockrun does.
var valIniDefaults = map[string]string{
	"max_execution_time":       "0",
	"max_input_time":           "-1",
	"default_socket_timeout":   "60",
	"memory_limit":             "128M",
	"precision":                "14",
	"serialize_precision":      "-1",
	"implicit_flush":           "1",
	"output_buffering":         "0",
	"display_errors":           "1",
	"display_startup_errors":   "1",
	"html_errors":              "0",
	"log_errors":               "0",
	"error_log":                "",
	"date.timezone":            "UTC",
	"default_charset":          "UTF-8",
	"user_agent":               "",
	"auto_detect_line_endings": "0",
	"register_argc_argv":       "1",
	"short_open_tag":           "1",
	"ignore_user_abort":        "0",
}

// valIni reads a setting: ok false for one PHP would not know.
func valIni(k *Kit, L *lua.LState, name string) (string, bool) {
	if name == "error_reporting" {
		return strconv.Itoa(k.Host.ErrorReporting()), true
	}
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	if v, ok := reg.RawGetString("phpkit.ini." + name).(lua.LString); ok {
		return string(v), true
	}
	v, ok := valIniDefaults[name]
	return v, ok
}

// iniGet: ini_get(option) -> string, or false for an unknown option.
func iniGet(k *Kit, L *lua.LState) int {
	valArgs(L, "ini_get", 1, 1)
	v, ok := valIni(k, L, valCheckString(L, "ini_get", 1, "option"))
	if !ok {
		L.Push(lua.LFalse)
		return 1
	}
	L.Push(lua.LString(v))
	return 1
}

// iniSet: ini_set(option, value) -> the old value, or false for an unknown
// option.
func iniSet(k *Kit, L *lua.LState) int {
	valArgs(L, "ini_set", 2, 2)
	name := valCheckString(L, "ini_set", 1, "option")
	value, ok := ToString(L.Get(2))
	if !ok {
		L.RaiseError("ini_set(): Argument #2 ($value) must be of type string|int|float|bool|null, %s given", valTypeName(L, L.Get(2)))
	}
	old, known := valIni(k, L, name)
	if !known {
		L.Push(lua.LFalse)
		return 1
	}
	if name == "error_reporting" {
		n, _ := valNumeric(value)
		k.Host.SetErrorReporting(int(n))
	} else {
		L.Get(lua.RegistryIndex).(*lua.LTable).RawSetString("phpkit.ini."+name, lua.LString(value))
	}
	L.Push(lua.LString(old))
	return 1
}

// setTimeLimit: set_time_limit(seconds) -> true (sockrun's limit is
// --timeout).
func setTimeLimit(k *Kit, L *lua.LState) int {
	valArgs(L, "set_time_limit", 1, 1)
	valCheckInt(L, "set_time_limit", 1, "seconds")
	L.Push(lua.LTrue)
	return 1
}

// obImplicitFlush: ob_implicit_flush(enable=true) -> nil; sockrun's output
// is never held back.
func obImplicitFlush(k *Kit, L *lua.LState) int {
	valArgs(L, "ob_implicit_flush", 0, 1)
	return 0
}

// ignoreUserAbort: ignore_user_abort(enable=nil) -> the previous setting
// (0 or 1).
func ignoreUserAbort(k *Kit, L *lua.LState) int {
	valArgs(L, "ignore_user_abort", 0, 1)
	old, _ := valIni(k, L, "ignore_user_abort")
	if L.Get(1) != lua.LNil {
		v := "0"
		if Truthy(L.Get(1)) {
			v = "1"
		}
		L.Get(lua.RegistryIndex).(*lua.LTable).RawSetString("phpkit.ini.ignore_user_abort", lua.LString(v))
	}
	n, _ := strconv.Atoi(old)
	L.Push(lua.LNumber(n))
	return 1
}

// valExtensions are the PHP extensions whose functions sockrun provides.
var valExtensions = []string{"core", "standard", "sockets", "json", "pcre", "date", "hash"}

// extensionLoaded: extension_loaded(name) -> bool.
func extensionLoaded(k *Kit, L *lua.LState) int {
	valArgs(L, "extension_loaded", 1, 1)
	name := strings.ToLower(valCheckString(L, "extension_loaded", 1, "extension"))
	for _, e := range valExtensions {
		if e == name {
			L.Push(lua.LTrue)
			return 1
		}
	}
	L.Push(lua.LFalse)
	return 1
}

// functionExists: function_exists(name) -> whether a global function of
// that name (or its lower-case spelling, PHP's names being case-blind)
// exists.
func functionExists(k *Kit, L *lua.LState) int {
	valArgs(L, "function_exists", 1, 1)
	name := valCheckString(L, "function_exists", 1, "function")
	globals := L.Get(lua.GlobalsIndex).(*lua.LTable)
	_, ok := globals.RawGetString(name).(*lua.LFunction)
	if !ok {
		_, ok = globals.RawGetString(strings.ToLower(name)).(*lua.LFunction)
	}
	L.Push(lua.LBool(ok))
	return 1
}

// valServicesFile is the service database getservbyname reads (Debian's
// netbase package installs it).
var valServicesFile = "/etc/services"

// valServices calls fn for each name (and alias) of each entry of the
// service database, in file order, until fn returns true.
func valServices(fn func(names []string, port int, proto string) bool) {
	f, err := os.Open(valServicesFile)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		portStr, proto, ok := strings.Cut(fields[1], "/")
		port, err := strconv.Atoi(portStr)
		if !ok || err != nil {
			continue
		}
		names := append([]string{fields[0]}, fields[2:]...)
		if fn(names, port, proto) {
			return
		}
	}
}

// getservbyname: getservbyname(service, protocol) -> port, or false.
func getservbyname(k *Kit, L *lua.LState) int {
	valArgs(L, "getservbyname", 2, 2)
	service := valCheckString(L, "getservbyname", 1, "service")
	protocol := valCheckString(L, "getservbyname", 2, "protocol")
	var result lua.LValue = lua.LFalse
	valServices(func(names []string, port int, proto string) bool {
		if proto != protocol {
			return false
		}
		for _, n := range names {
			if n == service {
				result = lua.LNumber(port)
				return true
			}
		}
		return false
	})
	L.Push(result)
	return 1
}

// getservbyport: getservbyport(port, protocol) -> service name, or false.
func getservbyport(k *Kit, L *lua.LState) int {
	valArgs(L, "getservbyport", 2, 2)
	want := int(valCheckInt(L, "getservbyport", 1, "port"))
	protocol := valCheckString(L, "getservbyport", 2, "protocol")
	var result lua.LValue = lua.LFalse
	valServices(func(names []string, port int, proto string) bool {
		if proto == protocol && port == want {
			result = lua.LString(names[0])
			return true
		}
		return false
	})
	L.Push(result)
	return 1
}

// gethostname: gethostname() -> the host's name, or false.
func gethostname(k *Kit, L *lua.LState) int {
	valArgs(L, "gethostname", 0, 0)
	name, err := os.Hostname()
	if err != nil {
		L.Push(lua.LFalse)
		return 1
	}
	L.Push(lua.LString(name))
	return 1
}

// phpSapiName: php_sapi_name() -> "cli", as scripts test it to know they
// run from a terminal.
func phpSapiName(k *Kit, L *lua.LState) int {
	L.Push(lua.LString("cli"))
	return 1
}

// getmypid: getmypid() -> sockrun's process id.
func getmypid(k *Kit, L *lua.LState) int {
	L.Push(lua.LNumber(os.Getpid()))
	return 1
}
