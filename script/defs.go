package script

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"sockrun/phpkit"
	"sockrun/sock"
)

// sockrun --lua-defs: a lua-language-server (LuaLS) definitions file for
// every global sockrun adds, so that editors complete and type-check
// scripts. The functions come from the tables that register them
// (socketFuncs, ..., phpkit.Names()), the constants from sock.Constants and
// from a fresh runtime's globals (their values as scripts see them); the
// signatures are written once, in luaSignatures. LuaDefs fails when a
// global sockrun registers has no signature, or a signature names no
// global, so the file cannot drift from the runtime (TestLuaDefs).

// luaSignatures is every function's LuaLS signature, one a line:
//
//	name(param: type, optional?: type, ...: type): result, result -- what it does
//
// Results may be named ("boolean ok"). Lines starting with # are comments.
var luaSignatures = `
# ext/sockets (script/lib_sockets.go and friends)
socket_create(domain: integer, type: integer, protocol: integer): Socket|false -- Makes an OS socket (AF_INET/AF_INET6/AF_UNIX, SOCK_STREAM/SOCK_DGRAM/...).
socket_create_listen(port: integer, backlog?: integer): Socket|false -- A TCP socket listening on 0.0.0.0:port (no SO_REUSEADDR).
socket_create_pair(domain: integer, type: integer, protocol: integer): boolean ok, Socket[]? pair -- Two connected sockets; PHP's $pair comes back second.
socket_bind(socket: Socket, address: string, port?: integer): boolean -- Binds to an address (or a Unix path).
socket_listen(socket: Socket, backlog?: integer): boolean -- Listens for connections.
socket_accept(socket: Socket): Socket|false -- Waits for and accepts a connection.
socket_connect(socket: Socket, address: string, port?: integer): boolean -- Connects (waits unless the socket is nonblocking).
socket_read(socket: Socket, length: integer, mode?: integer): string|false -- One receive of up to length bytes ("" at EOF); PHP_NORMAL_READ stops after a newline.
socket_write(socket: Socket, data: string, length?: integer): integer|false -- Writes data; returns the bytes written.
socket_recv(socket: Socket, length: integer, flags: integer): integer|false n, string? data -- Receives; PHP's $data comes back second (nil at EOF).
socket_send(socket: Socket, data: string, length: integer, flags: integer): integer|false -- Sends with flags.
socket_recvfrom(socket: Socket, length: integer, flags: integer): integer|false n, string? data, string? address, integer? port -- Receives a datagram and where it came from.
socket_sendto(socket: Socket, data: string, length: integer, flags: integer, address: string, port?: integer): integer|false -- Sends a datagram to an address.
socket_close(socket: Socket) -- Closes the socket.
socket_shutdown(socket: Socket, mode?: integer): boolean -- Shuts down reading (0), writing (1) or both (2).
socket_getpeername(socket: Socket): boolean ok, string? address, integer? port -- The peer's address and port.
socket_getsockname(socket: Socket): boolean ok, string? address, integer? port -- The local address and port.
socket_select(read: Socket[]?, write: Socket[]?, except: Socket[]?, seconds: integer?, microseconds?: integer): integer|false -- Waits until sockets are ready; removes the others from the tables in place (nil seconds: no limit).
socket_set_option(socket: Socket, level: integer, option: integer, value: any): boolean -- Sets a socket option (SO_RCVTIMEO takes {sec=, usec=}, SO_LINGER {l_onoff=, l_linger=}).
socket_setopt(socket: Socket, level: integer, option: integer, value: any): boolean -- Alias of socket_set_option.
socket_get_option(socket: Socket, level: integer, option: integer): any|false -- Reads a socket option.
socket_getopt(socket: Socket, level: integer, option: integer): any|false -- Alias of socket_get_option.
socket_set_nonblock(socket: Socket): boolean -- Makes calls on the socket return at once (errno 11 when they would wait).
socket_set_block(socket: Socket): boolean -- Makes calls on the socket wait again.
socket_last_error(socket?: Socket): integer -- The last errno of the socket, or of any call.
socket_clear_error(socket?: Socket) -- Clears the last errno.
socket_strerror(error_code: integer): string -- The text of an errno ("Connection refused").
socket_enable_crypto(socket: Socket, enable: boolean, options?: table): boolean -- Starts (or stops) TLS on a connected socket (sockrun's; options as PHP's SSL context options).
gethostbyname(hostname: string): string -- The IPv4 address of a host (the name itself when it cannot be resolved).
gethostbynamel(hostname: string): string[]|false -- Every IPv4 address of a host.
getprotobyname(protocol: string): integer|false -- A protocol's number ("tcp" is 6).
gethostbyaddr(ip: string): string|false -- The host name of an address.
socket_addrinfo_lookup(host: string, service?: string, hints?: table): AddressInfo[]|false -- getaddrinfo(3).
socket_addrinfo_connect(address: AddressInfo): Socket|false -- A socket connected to a looked-up address.
socket_addrinfo_bind(address: AddressInfo): Socket|false -- A socket bound to a looked-up address.
socket_addrinfo_explain(address: AddressInfo): table -- A looked-up address as a table (ai_family, ai_addr, ...).

# sockrun's own (porting helpers, tasks, binary data)
echo(...: any) -- Writes each argument (as tostring would) to stdout, no separator, no newline.
die(status?: string|integer) -- Ends the script as PHP's die: a string is printed first (status 0), an integer is the exit status.
exit(status?: string|integer) -- PHP's other name for die.
silence(fn: function, ...: any): any ... -- Calls fn(...) with its warnings hidden, as PHP's @ does; returns fn's results.
hexdump(data: string): string -- A hex dump of binary data, as --trace prints it.
microtime(as_float?: boolean): string|number -- PHP's "usec sec", or with true the Unix time in seconds as a number.
spawn(fn: function, ...: any): Task -- Runs fn(...) as a task, concurrently with the caller; it starts when the caller next waits.
wait(task: Task): boolean ok, any ... -- Waits until the task has ended: true and its results, or false and its error.
sleep(seconds: number) -- Suspends the calling task (or the script); fractions allowed.
realpath(path: string): string|false -- The absolute path with symbolic links resolved, or false.
pack(format: string, ...: any): string -- PHP's pack: binary data from values.
unpack(format: string, data: string, offset?: integer): table|false -- PHP's unpack (with a table as first argument, Lua's unpack).
bit.tobit(x: number): integer -- LuaBitOp: normalizes to a signed 32-bit integer.
bit.tohex(x: number, n?: integer): string -- LuaBitOp: hex digits (n < 0: upper case).
bit.bnot(x: number): integer -- LuaBitOp: bitwise not.
bit.band(x: number, ...: number): integer -- LuaBitOp: bitwise and.
bit.bor(x: number, ...: number): integer -- LuaBitOp: bitwise or.
bit.bxor(x: number, ...: number): integer -- LuaBitOp: bitwise xor.
bit.lshift(x: number, n: integer): integer -- LuaBitOp: shift left.
bit.rshift(x: number, n: integer): integer -- LuaBitOp: logical shift right.
bit.arshift(x: number, n: integer): integer -- LuaBitOp: arithmetic shift right.
bit.rol(x: number, n: integer): integer -- LuaBitOp: rotate left.
bit.ror(x: number, n: integer): integer -- LuaBitOp: rotate right.
bit.bswap(x: number): integer -- LuaBitOp: swaps the bytes.

# PHP's everyday functions (package phpkit; docs/phpkit.md)
strlen(string: string): integer -- The length in bytes.
trim(string: string, characters?: string): string -- Strips whitespace (or the characters) from both ends.
ltrim(string: string, characters?: string): string -- Strips from the start.
rtrim(string: string, characters?: string): string -- Strips from the end.
chop(string: string, characters?: string): string -- Alias of rtrim.
substr(string: string, offset: integer, length?: integer): string -- Part of a string; 0-based, negative offsets count from the end.
strpos(haystack: string, needle: string, offset?: integer): integer|false -- 0-based position of the first occurrence.
stripos(haystack: string, needle: string, offset?: integer): integer|false -- Case-insensitive strpos.
strrpos(haystack: string, needle: string, offset?: integer): integer|false -- Position of the last occurrence.
strripos(haystack: string, needle: string, offset?: integer): integer|false -- Case-insensitive strrpos.
str_replace(search: string|table, replace: string|table, subject: string|table): string|table result, integer count -- Replaces every occurrence; PHP's $count comes back second.
str_ireplace(search: string|table, replace: string|table, subject: string|table): string|table result, integer count -- Case-insensitive str_replace.
str_repeat(string: string, times: integer): string -- The string repeated.
str_pad(string: string, length: integer, pad_string?: string, pad_type?: integer): string -- Pads to a length (STR_PAD_RIGHT, STR_PAD_LEFT, STR_PAD_BOTH).
str_split(string: string, length?: integer): string[] -- Chunks of length bytes.
strtoupper(string: string): string -- ASCII upper case.
strtolower(string: string): string -- ASCII lower case.
ucfirst(string: string): string -- First byte upper case.
lcfirst(string: string): string -- First byte lower case.
strrev(string: string): string -- Bytes reversed.
addslashes(string: string): string -- Backslashes before quotes, backslashes and NUL.
ucwords(string: string, separators?: string): string -- Each word's first letter upper case.
explode(separator: string, string: string, limit?: integer): string[] -- Splits on a separator.
implode(separator: string|table, array?: table): string -- Joins a table's values.
join(separator: string|table, array?: table): string -- Alias of implode.
sprintf(format: string, ...: any): string -- PHP's sprintf.
vsprintf(format: string, values: table): string -- sprintf with the values in a table.
printf(format: string, ...: any): integer -- Prints sprintf's result; returns its length.
vprintf(format: string, values: table): integer -- printf with the values in a table.
number_format(num: number, decimals?: integer, decimal_separator?: string, thousands_separator?: string): string -- Formats a number with grouped thousands.
ord(character: string): integer -- The first byte's value.
chr(codepoint: integer): string -- A one-byte string.
str_contains(haystack: string, needle: string): boolean -- Whether needle occurs in haystack.
str_starts_with(haystack: string, needle: string): boolean -- Whether haystack starts with needle.
str_ends_with(haystack: string, needle: string): boolean -- Whether haystack ends with needle.
strcmp(string1: string, string2: string): integer -- Byte-wise comparison (<0, 0, >0).
strcasecmp(string1: string, string2: string): integer -- Case-insensitive strcmp.
strncmp(string1: string, string2: string, length: integer): integer -- strcmp of the first length bytes.
strncasecmp(string1: string, string2: string, length: integer): integer -- Case-insensitive strncmp.
strstr(haystack: string, needle: string, before_needle?: boolean): string|false -- From the first occurrence on (or before it).
stristr(haystack: string, needle: string, before_needle?: boolean): string|false -- Case-insensitive strstr.
strrchr(haystack: string, needle: string): string|false -- From the last occurrence of a byte on.
substr_count(haystack: string, needle: string, offset?: integer, length?: integer): integer -- How many times needle occurs.
str_word_count(string: string, format?: integer, characters?: string): integer|table -- Counts (or lists) the words.
nl2br(string: string, use_xhtml?: boolean): string -- Inserts <br /> before newlines.
wordwrap(string: string, width?: integer, break?: string, cut_long_words?: boolean): string -- Wraps to a width.
strtr(string: string, from: string|table, to?: string): string -- Translates bytes, or replaces the pairs of a table.
htmlspecialchars(string: string, flags?: integer, encoding?: string, double_encode?: boolean): string -- Escapes & < > " '.
htmlspecialchars_decode(string: string, flags?: integer): string -- Undoes htmlspecialchars.
strip_tags(string: string, allowed_tags?: string|table): string -- Removes HTML and PHP tags.
substr_replace(string: string, replace: string, offset: integer, length?: integer): string -- Replaces part of a string.
chunk_split(string: string, length?: integer, separator?: string): string -- Inserts separator every length bytes.
strpbrk(string: string, characters: string): string|false -- From the first of the characters on.
strspn(string: string, characters: string, offset?: integer, length?: integer): integer -- Length of the prefix made of characters.
strcspn(string: string, characters: string, offset?: integer, length?: integer): integer -- Length of the prefix without characters.
levenshtein(string1: string, string2: string, insertion_cost?: integer, replacement_cost?: integer, deletion_cost?: integer): integer -- Edit distance.
similar_text(string1: string, string2: string): integer count, number percent -- Similar characters; PHP's $percent comes back second.
uniqid(prefix?: string, more_entropy?: boolean): string -- A time-based unique id.
quotemeta(string: string): string -- Backslashes before . \ + * ? [ ^ ] $ ( ).
ctype_digit(text: any): boolean -- Every byte is a digit.
ctype_alpha(text: any): boolean -- Every byte is a letter.
ctype_alnum(text: any): boolean -- Every byte is a letter or digit.
ctype_space(text: any): boolean -- Every byte is whitespace.
ctype_xdigit(text: any): boolean -- Every byte is a hex digit.
ctype_upper(text: any): boolean -- Every byte is an upper-case letter.
ctype_lower(text: any): boolean -- Every byte is a lower-case letter.
ctype_punct(text: any): boolean -- Every byte is punctuation.
base64_encode(string: string): string -- Base64.
base64_decode(string: string, strict?: boolean): string|false -- Decodes base64.
bin2hex(string: string): string -- Lower-case hex of the bytes.
hex2bin(string: string): string|false -- Bytes from hex.
md5(string: string, binary?: boolean): string -- MD5 (hex, or raw with true).
sha1(string: string, binary?: boolean): string -- SHA-1 (hex, or raw with true).
crc32(string: string): integer -- CRC-32 as a non-negative integer.
hash(algo: string, data: string, binary?: boolean): string -- A digest: md5, sha1, sha256, sha512, crc32b, ...
hash_hmac(algo: string, data: string, key: string, binary?: boolean): string -- An HMAC.
hash_algos(): string[] -- The algorithms hash knows.
hash_equals(known_string: string, user_string: string): boolean -- Timing-safe comparison.
random_bytes(length: integer): string -- Cryptographically random bytes.
random_int(min: integer, max: integer): integer -- A cryptographically random integer.
urlencode(string: string): string -- URL-encodes (spaces as +).
rawurlencode(string: string): string -- URL-encodes per RFC 3986.
urldecode(string: string): string -- Decodes urlencode.
rawurldecode(string: string): string -- Decodes rawurlencode.
str_rot13(string: string): string -- ROT13.
preg_match(pattern: string, subject: string, flags?: integer, offset?: integer): integer|false result, table matches -- Matches a PCRE pattern; PHP's $matches comes back second (m[0], m[1], m.name).
preg_match_all(pattern: string, subject: string, flags?: integer, offset?: integer): integer|false result, table matches -- Every match; PHP's $matches comes back second.
preg_replace(pattern: string|table, replacement: string|table, subject: string|table, limit?: integer): string|table|nil result, integer count -- Replaces matches ($1, \1, ${1}); PHP's $count comes back second.
preg_replace_callback(pattern: string|table, callback: function, subject: string|table, limit?: integer, flags?: integer): string|table|nil result, integer count -- Replaces matches with callback(matches).
preg_split(pattern: string, subject: string, limit?: integer, flags?: integer): string[]|false -- Splits on matches.
preg_quote(str: string, delimiter?: string): string -- Escapes regex characters.
preg_grep(pattern: string, array: table, flags?: integer): table|false -- The entries that match.
preg_last_error(): integer -- The last PREG_*_ERROR.
preg_last_error_msg(): string -- Its text.
intval(value: any, base?: integer): integer -- PHP's (int) cast.
floatval(value: any): number -- PHP's (float) cast.
doubleval(value: any): number -- Alias of floatval.
boolval(value: any): boolean -- PHP's truthiness ("" "0" 0 and empty tables are false).
strval(value: any): string -- PHP's (string) cast.
is_numeric(value: any): boolean -- A number or a numeric string.
is_null(value: any): boolean -- value == nil.
is_string(value: any): boolean -- A string.
is_int(value: any): boolean -- An integral number.
is_integer(value: any): boolean -- Alias of is_int.
is_long(value: any): boolean -- Alias of is_int.
is_float(value: any): boolean -- A number that is not integral.
is_double(value: any): boolean -- Alias of is_float.
is_bool(value: any): boolean -- A boolean.
is_array(value: any): boolean -- A table.
is_scalar(value: any): boolean -- A number, string or boolean.
is_object(value: any): boolean -- A function or userdata (a socket).
is_callable(value: any): boolean -- A function, or the name of a global function.
isset(...: any): boolean -- No argument is nil.
empty(value: any): boolean -- The value is not PHP-truthy.
gettype(value: any): string -- PHP's type name.
get_debug_type(value: any): string -- PHP's debug type name (Socket for a socket).
round(num: number, precision?: integer, mode?: integer): number -- Rounds half away from zero (PHP_ROUND_* modes).
floor(num: number): number -- Rounds down.
ceil(num: number): number -- Rounds up.
abs(num: number): number -- Absolute value.
sqrt(num: number): number -- Square root.
exp(num: number): number -- e to the power.
log10(num: number): number -- Base-10 logarithm.
sin(num: number): number -- Sine.
cos(num: number): number -- Cosine.
tan(num: number): number -- Tangent.
asin(num: number): number -- Arc sine.
acos(num: number): number -- Arc cosine.
atan(num: number): number -- Arc tangent.
deg2rad(num: number): number -- Degrees to radians.
rad2deg(num: number): number -- Radians to degrees.
is_nan(num: number): boolean -- Not a number.
is_finite(num: number): boolean -- Finite.
is_infinite(num: number): boolean -- Infinite.
log(num: number, base?: number): number -- Logarithm (natural by default).
atan2(y: number, x: number): number -- Arc tangent of y/x.
fmod(num1: number, num2: number): number -- Floating-point remainder.
hypot(x: number, y: number): number -- sqrt(x*x + y*y).
pow(num: number, exponent: number): number -- Power.
intdiv(num1: integer, num2: integer): integer -- Integer division.
pi(): number -- Pi.
min(value: any, ...: any): any -- The smallest value (of the arguments, or of one table).
max(value: any, ...: any): any -- The largest value (of the arguments, or of one table).
dechex(num: integer): string -- Hex digits.
decbin(num: integer): string -- Binary digits.
decoct(num: integer): string -- Octal digits.
hexdec(hex_string: string): number -- Hex to number.
bindec(binary_string: string): number -- Binary to number.
octdec(octal_string: string): number -- Octal to number.
base_convert(num: string, from_base: integer, to_base: integer): string -- Converts between bases.
rand(min?: integer, max?: integer): integer -- A random integer (PHP's MT19937).
mt_rand(min?: integer, max?: integer): integer -- A random integer (PHP's MT19937).
srand(seed?: integer, mode?: integer) -- Seeds rand.
mt_srand(seed?: integer, mode?: integer) -- Seeds mt_rand.
getrandmax(): integer -- The largest rand() result.
mt_getrandmax(): integer -- The largest mt_rand() result.
time(): integer -- The Unix time in seconds.
hrtime(as_number?: boolean): table|integer -- A monotonic clock: {seconds, nanoseconds}, or nanoseconds.
usleep(microseconds: integer) -- Suspends the calling task (or the script).
date(format: string, timestamp?: integer): string -- Formats a time (PHP's format characters; UTC by default).
gmdate(format: string, timestamp?: integer): string -- date in UTC.
mktime(hour: integer, minute?: integer, second?: integer, month?: integer, day?: integer, year?: integer): integer|false -- A Unix time from its parts.
gmmktime(hour: integer, minute?: integer, second?: integer, month?: integer, day?: integer, year?: integer): integer|false -- mktime in UTC.
checkdate(month: integer, day: integer, year: integer): boolean -- Whether the date exists.
date_default_timezone_get(): string -- The default timezone.
date_default_timezone_set(timezoneId: string): boolean -- Sets the default timezone.
json_encode(value: any, flags?: integer, depth?: integer): string|false -- JSON text (JSON_* flags).
json_decode(json: string, associative?: boolean, depth?: integer, flags?: integer): any -- A value from JSON text (nil on error).
json_last_error(): integer -- The last JSON_ERROR_*.
json_last_error_msg(): string -- Its text.
var_dump(value: any, ...: any) -- Prints values with their types, as PHP.
print_r(value: any, return?: boolean): string|boolean -- Prints a readable value (or returns it).
var_export(value: any, return?: boolean): string|nil -- Prints PHP code for a value (or returns it).
array(...: any): table -- A list of the arguments (array{...} returns its table).
count(value: table, mode?: integer): integer -- The number of entries (COUNT_RECURSIVE).
sizeof(value: table, mode?: integer): integer -- Alias of count.
in_array(needle: any, haystack: table, strict?: boolean): boolean -- Whether a value is in the table (sockets by identity).
array_search(needle: any, haystack: table, strict?: boolean): any -- The key of the value, or false.
array_values(array: table): table -- The values as a list.
array_keys(array: table, filter_value?: any, strict?: boolean): table -- The keys as a list.
array_key_exists(key: any, array: table): boolean -- Whether the key is set.
key_exists(key: any, array: table): boolean -- Alias of array_key_exists.
array_key_first(array: table): any -- The first key, or nil.
array_key_last(array: table): any -- The last key, or nil.
array_push(array: table, ...: any): integer -- Appends values in place; returns the new count.
array_pop(array: table): any -- Removes and returns the last value.
array_shift(array: table): any -- Removes and returns the first value, renumbering.
array_unshift(array: table, ...: any): integer -- Prepends values in place.
array_slice(array: table, offset: integer, length?: integer, preserve_keys?: boolean): table -- Part of a table, by PHP's positions.
array_splice(array: table, offset: integer, length?: integer, replacement?: any): table -- Removes (and replaces) part of a table in place; returns the removed list.
array_merge(...: table): table -- Merges tables (lists are appended).
array_combine(keys: table, values: table): table -- A table from keys and values.
array_flip(array: table): table -- Keys and values exchanged.
array_reverse(array: table, preserve_keys?: boolean): table -- Reversed order.
array_unique(array: table, flags?: integer): table -- Without duplicate values (keys kept).
array_map(callback: function|nil, array: table, ...: table): table -- callback applied to each value.
array_filter(array: table, callback?: function, mode?: integer): table -- The entries callback keeps (keys kept).
array_sum(array: table): number -- The sum of the values.
array_product(array: table): number -- The product of the values.
array_fill(start_index: integer, count: integer, value: any): table -- count copies of a value.
range(start: any, end: any, step?: number): table -- A list from start to end.
shuffle(array: table): boolean -- Shuffles a list in place.
sort(array: table, flags?: integer): boolean -- Sorts a list in place.
rsort(array: table, flags?: integer): boolean -- Sorts a list in place, descending.
usort(array: table, callback: function): boolean -- Sorts a list in place with a comparison function.
ksort(array: table, flags?: integer): boolean ok, table sorted -- By key; the sorted table comes back second.
krsort(array: table, flags?: integer): boolean ok, table sorted -- By key, descending; the sorted table comes back second.
asort(array: table, flags?: integer): boolean ok, table sorted -- By value, keeping keys; the sorted table comes back second.
arsort(array: table, flags?: integer): boolean ok, table sorted -- By value, descending; the sorted table comes back second.
uasort(array: table, callback: function): boolean ok, table sorted -- asort with a comparison function.
uksort(array: table, callback: function): boolean ok, table sorted -- ksort with a comparison function.
fgets(stream: Stream, length?: integer): string|false -- A line from a stream (STDIN), newline kept.
fgetc(stream: Stream): string|false -- One byte from a stream.
fread(stream: Stream, length: integer): string|false -- Up to length bytes.
fwrite(stream: Stream, data: string, length?: integer): integer|false -- Writes to a stream (STDOUT, STDERR).
fputs(stream: Stream, data: string, length?: integer): integer|false -- Alias of fwrite.
feof(stream: Stream): boolean -- Whether a read met the end.
fflush(stream: Stream): boolean -- Flushes a stream.
fclose(stream: Stream): boolean -- Closes a stream.
fopen(filename: string, mode: string): Stream|false -- Opens php://stdin, php://stdout, php://stderr or php://output.
readline(prompt?: string): string|false -- A line from stdin without its newline.
stream_get_contents(stream: Stream, length?: integer, offset?: integer): string|false -- The rest of a stream.
dirname(path: string, levels?: integer): string -- The parent directory's path.
basename(path: string, suffix?: string): string -- The last component of a path.
pathinfo(path: string, flags?: integer): table|string -- dirname, basename, extension, filename.
file_exists(filename: string): boolean -- Whether the file or directory exists.
is_file(filename: string): boolean -- Whether it is a regular file.
is_dir(filename: string): boolean -- Whether it is a directory.
is_readable(filename: string): boolean -- Whether it can be read.
unlink(filename: string): boolean -- Deletes a file.
file_get_contents(filename: string): string|false -- A file's contents.
file_put_contents(filename: string, data: string|table, flags?: integer): integer|false -- Writes a file (FILE_APPEND).
error_reporting(error_level?: integer): integer -- Which diagnostics print (E_*); returns the old level.
ini_set(option: string, value: any): string|false -- Remembers a setting; returns the old value.
ini_get(option: string): string|false -- A setting's value.
set_time_limit(seconds: integer): boolean -- Accepted and ignored (sockrun's limit is --timeout).
ob_implicit_flush(enable?: boolean) -- Accepted and ignored (output is never held back).
ignore_user_abort(enable?: boolean): integer -- Accepted and ignored.
extension_loaded(extension: string): boolean -- True for the extensions sockrun stands in for (sockets, json, pcre, ...).
function_exists(function: string): boolean -- Whether a global function has that name.
getservbyname(service: string, protocol: string): integer|false -- A service's port (/etc/services).
getservbyport(port: integer, protocol: string): string|false -- A port's service name.
gethostname(): string|false -- This host's name.
php_sapi_name(): string -- "cli".
getmypid(): integer -- The process id.
`

// luaOverloads are extra LuaLS overloads, for the globals sockrun extends.
var luaOverloads = map[string]string{
	"unpack": "fun(list: table, i?: integer, j?: integer): any",
}

// luaStandard are the globals of Lua 5.1 (gopher-lua), which LuaLS
// already knows; sockrun's replacements of print, tonumber, pcall and xpcall
// behave as Lua's, so they are not described again.
func luaStandard() map[string]bool {
	L := lua.NewState()
	defer L.Close()
	std := map[string]bool{}
	L.G.Global.ForEach(func(k, _ lua.LValue) { std[k.String()] = true })
	return std
}

// describedStandard are standard names whose sockrun version differs
// enough to be described.
var describedStandard = map[string]bool{"unpack": true}

type luaSig struct {
	params  []string // "name type" or "name? type"
	returns []string // "type" or "type name"
	doc     string
}

// parseLuaSignatures reads luaSignatures.
func parseLuaSignatures() (map[string]luaSig, error) {
	sigs := map[string]luaSig{}
	for _, line := range strings.Split(luaSignatures, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		spec, doc, _ := strings.Cut(line, " -- ")
		open, close := strings.Index(spec, "("), strings.Index(spec, ")")
		if open < 0 || close < open {
			return nil, fmt.Errorf("bad signature line %q", line)
		}
		name := spec[:open]
		if _, dup := sigs[name]; dup {
			return nil, fmt.Errorf("two signatures for %s", name)
		}
		s := luaSig{doc: doc}
		for _, p := range splitList(spec[open+1 : close]) {
			pname, ptype, ok := strings.Cut(p, ": ")
			if !ok {
				return nil, fmt.Errorf("%s: parameter %q has no type", name, p)
			}
			s.params = append(s.params, pname+" "+ptype)
		}
		if rest := spec[close+1:]; rest != "" {
			r, ok := strings.CutPrefix(rest, ": ")
			if !ok {
				return nil, fmt.Errorf("bad results in %q", line)
			}
			s.returns = splitList(r)
		}
		sigs[name] = s
	}
	return sigs, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ", ") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// luaKeywords cannot be parameter names.
var luaKeywords = map[string]bool{
	"and": true, "break": true, "do": true, "else": true, "elseif": true, "end": true,
	"false": true, "for": true, "function": true, "if": true, "in": true, "local": true,
	"nil": true, "not": true, "or": true, "repeat": true, "return": true, "then": true,
	"true": true, "until": true, "while": true,
}

// LuaDefs renders the definitions file (sockrun --lua-defs).
func LuaDefs(version string) (string, error) {
	sigs, err := parseLuaSignatures()
	if err != nil {
		return "", err
	}
	rt, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		return "", err
	}
	defer rt.Close()
	std := luaStandard()

	var b strings.Builder
	fmt.Fprintf(&b, "---@meta sockrun\n-- The globals sockrun %s adds to Lua 5.1, for lua-language-server.\n", version)
	b.WriteString("-- Made by `sockrun --lua-defs`; see the README's \"Editor support\".\n\n")
	for _, class := range []string{socketTypeName, taskTypeName, addrInfoTypeName, "Stream"} {
		fmt.Fprintf(&b, "---@class %s: userdata\n\n", class)
	}

	written := map[string]bool{}
	function := func(name string) error {
		if written[name] || (std[name] && !describedStandard[name]) {
			return nil
		}
		s, ok := sigs[name]
		if !ok {
			return fmt.Errorf("%s is registered but has no signature in script/defs.go", name)
		}
		written[name] = true
		if s.doc != "" {
			fmt.Fprintf(&b, "---%s\n", s.doc)
		}
		if strings.HasPrefix(s.doc, "Not available in sockrun") {
			b.WriteString("---@deprecated\n")
		}
		var names []string
		for _, p := range s.params {
			pname, ptype, _ := strings.Cut(p, " ")
			optional := strings.HasSuffix(pname, "?")
			pname = strings.TrimSuffix(pname, "?")
			if luaKeywords[pname] {
				pname += "_"
			}
			names = append(names, pname)
			if optional {
				pname += "?"
			}
			fmt.Fprintf(&b, "---@param %s %s\n", pname, ptype)
		}
		for _, r := range s.returns {
			fmt.Fprintf(&b, "---@return %s\n", r)
		}
		if o, ok := luaOverloads[name]; ok {
			fmt.Fprintf(&b, "---@overload %s\n", o)
		}
		fmt.Fprintf(&b, "function %s(%s) end\n\n", name, strings.Join(names, ", "))
		return nil
	}
	section := func(title string, names []string) error {
		fmt.Fprintf(&b, "-- %s\n\n", title)
		for _, n := range names {
			if err := function(n); err != nil {
				return err
			}
		}
		return nil
	}

	if err := section("ext/sockets", append(libNames(socketFuncs), libNames(netdbFuncs)...)); err != nil {
		return "", err
	}
	// realpath, pack and unpack are registered one by one in openLibs and
	// openBinaryLibs; the check of the live globals below catches a new one.
	own := append(append(libNames(portingFuncs), libNames(taskFuncs)...), "silence", "realpath", "pack", "unpack")
	if err := section("sockrun's own", own); err != nil {
		return "", err
	}
	b.WriteString("bit = {}\n\n")
	var bitNames []string
	for _, n := range libNames(bitFuncs) {
		bitNames = append(bitNames, "bit."+n)
	}
	if err := section("bit (LuaBitOp)", bitNames); err != nil {
		return "", err
	}
	written["bit"] = true
	if err := section("PHP's everyday functions (docs/phpkit.md)", phpkit.Names()); err != nil {
		return "", err
	}

	globals := rt.L.G.Global
	b.WriteString("-- ext/sockets constants\n\n")
	for _, c := range sock.Constants {
		writeLuaConstant(&b, c.Name, globals.RawGetString(c.Name))
		written[c.Name] = true
	}
	var rest []string
	var missing []string
	globals.ForEach(func(k, v lua.LValue) {
		name := k.String()
		switch {
		case written[name] || std[name]:
		case v.Type() == lua.LTFunction:
			missing = append(missing, name)
		default:
			rest = append(rest, name)
		}
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return "", fmt.Errorf("registered but missing from the definitions (add them to script/defs.go): %s", strings.Join(missing, ", "))
	}
	sort.Strings(rest)
	b.WriteString("-- Other constants and values\n\n")
	for _, name := range rest {
		writeLuaConstant(&b, name, globals.RawGetString(name))
		written[name] = true
	}
	for name := range sigs {
		if !written[name] {
			return "", fmt.Errorf("script/defs.go has a signature for %s, which sockrun does not register", name)
		}
	}
	return b.String(), nil
}

func libNames(funcs []libFunc) []string {
	names := make([]string, len(funcs))
	for i, f := range funcs {
		names[i] = f.name
	}
	return names
}

// writeLuaConstant declares a global with its type and value.
func writeLuaConstant(b *strings.Builder, name string, v lua.LValue) {
	switch v := v.(type) {
	case lua.LNumber:
		f := float64(v)
		switch {
		case math.IsInf(f, 1):
			fmt.Fprintf(b, "---@type number\n%s = math.huge\n", name)
		case math.IsInf(f, -1):
			fmt.Fprintf(b, "---@type number\n%s = -math.huge\n", name)
		case math.IsNaN(f):
			fmt.Fprintf(b, "---@type number\n%s = 0/0\n", name)
		case f == math.Trunc(f) && math.Abs(f) < 1<<53:
			fmt.Fprintf(b, "---@type integer\n%s = %d\n", name, int64(f))
		default:
			fmt.Fprintf(b, "---@type number\n%s = %s\n", name, strconv.FormatFloat(f, 'g', 17, 64))
		}
	case lua.LString:
		value := string(v)
		if name == "__FILE__" || name == "__DIR__" {
			value = "" // the running script's: set when it starts
		}
		fmt.Fprintf(b, "---@type string\n%s = %s\n", name, luaQuote(value))
	case *lua.LUserData:
		typ := "userdata"
		if name == "STDIN" || name == "STDOUT" || name == "STDERR" {
			typ = "Stream"
		}
		fmt.Fprintf(b, "---@type %s\n%s = nil\n", typ, name)
	default:
		fmt.Fprintf(b, "---@type %s\n%s = nil\n", v.Type(), name)
	}
}

// luaQuote writes s as a Lua 5.1 string literal (decimal escapes only).
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 32 || c >= 127:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
