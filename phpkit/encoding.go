package phpkit

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/adler32"
	"hash/crc32"
	"hash/fnv"
	"math/big"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// encodingFuncs are PHP's encodings, hashes and randomness; every one is
// binary-safe.
var encodingFuncs = []Func{
	{"base64_encode", base64Encode},
	{"base64_decode", base64Decode},
	{"bin2hex", bin2hex},
	{"hex2bin", hex2bin},
	{"md5", func(k *Kit, L *lua.LState) int { return encDigestFn(k, L, "md5", md5.New) }},
	{"sha1", func(k *Kit, L *lua.LState) int { return encDigestFn(k, L, "sha1", sha1.New) }},
	{"crc32", crc32Fn},
	{"hash", hashFn},
	{"hash_hmac", hashHmac},
	{"hash_algos", hashAlgos},
	{"hash_equals", hashEquals},
	{"random_bytes", randomBytes},
	{"random_int", randomInt},
	{"urlencode", func(k *Kit, L *lua.LState) int { return encURLFn(k, L, "urlencode", encURLEncode(false)) }},
	{"rawurlencode", func(k *Kit, L *lua.LState) int { return encURLFn(k, L, "rawurlencode", encURLEncode(true)) }},
	{"urldecode", func(k *Kit, L *lua.LState) int { return encURLFn(k, L, "urldecode", encURLDecode(true)) }},
	{"rawurldecode", func(k *Kit, L *lua.LState) int { return encURLFn(k, L, "rawurldecode", encURLDecode(false)) }},
	{"str_rot13", func(k *Kit, L *lua.LState) int { return encURLFn(k, L, "str_rot13", encRot13) }},
}

func base64Encode(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "base64_encode", 1, 1)
	s := a.str(1, "string")
	return strPushString(L, base64.StdEncoding.EncodeToString([]byte(s)))
}

// base64Decode is PHP's lenient decoder: characters outside the alphabet
// are skipped, padding is optional; strict fails (false) on them, on data
// after padding and on a truncated last group, but still skips whitespace.
func base64Decode(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "base64_decode", 1, 2)
	s := a.str(1, "string")
	strict := a.optBool(2, "strict", false)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	out := make([]byte, 0, len(s)*3/4+1)
	var acc uint32
	n, padding := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			padding++
			continue
		}
		v := strings.IndexByte(alphabet, c)
		if v < 0 {
			if !strict || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				continue
			}
			return strPushBool(L, false)
		}
		if strict && padding > 0 {
			return strPushBool(L, false)
		}
		acc = acc<<6 | uint32(v)
		n++
		if n%4 == 0 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc = 0
		}
	}
	switch n % 4 {
	case 1:
		if strict {
			return strPushBool(L, false)
		}
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	if strict && padding > 0 && (padding > 2 || (n+padding)%4 != 0) {
		return strPushBool(L, false)
	}
	return strPushString(L, string(out))
}

func bin2hex(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "bin2hex", 1, 1)
	s := a.str(1, "string")
	return strPushString(L, hex.EncodeToString([]byte(s)))
}

func hex2bin(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "hex2bin", 1, 1)
	s := a.str(1, "string")
	if len(s)%2 != 0 {
		a.warn("Hexadecimal input string must have an even length")
		return strPushBool(L, false)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		a.warn("Input string must be hexadecimal string")
		return strPushBool(L, false)
	}
	return strPushString(L, string(b))
}

// encDigestFn is md5/sha1(string, binary = false).
func encDigestFn(k *Kit, L *lua.LState, fn string, newHash func() hash.Hash) int {
	a := strArgsOf(k, L, fn, 1, 2)
	s := a.str(1, "string")
	raw := a.optBool(2, "binary", false)
	h := newHash()
	h.Write([]byte(s))
	return encPushDigest(L, h.Sum(nil), raw)
}

func encPushDigest(L *lua.LState, sum []byte, raw bool) int {
	if raw {
		return strPushString(L, string(sum))
	}
	return strPushString(L, hex.EncodeToString(sum))
}

// crc32Fn is PHP's crc32(): the IEEE checksum as a non-negative int.
func crc32Fn(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "crc32", 1, 1)
	s := a.str(1, "string")
	return strPushInt(L, int64(crc32.ChecksumIEEE([]byte(s))))
}

// encAlgo is one hash() algorithm; crypto marks those hash_hmac accepts.
type encAlgo struct {
	name   string
	new    func() hash.Hash
	crypto bool
}

// encAlgos are the hash() algorithms sockrun has, in hash_algos() order.
var encAlgos = []encAlgo{
	{"md5", md5.New, true},
	{"sha1", sha1.New, true},
	{"sha224", sha256.New224, true},
	{"sha256", sha256.New, true},
	{"sha384", sha512.New384, true},
	{"sha512/224", sha512.New512_224, true},
	{"sha512/256", sha512.New512_256, true},
	{"sha512", sha512.New, true},
	{"sha3-224", func() hash.Hash { return sha3.New224() }, true},
	{"sha3-256", func() hash.Hash { return sha3.New256() }, true},
	{"sha3-384", func() hash.Hash { return sha3.New384() }, true},
	{"sha3-512", func() hash.Hash { return sha3.New512() }, true},
	{"adler32", func() hash.Hash { return adler32.New() }, false},
	{"crc32b", func() hash.Hash { return crc32.NewIEEE() }, false},
	{"crc32c", func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }, false},
	{"fnv132", func() hash.Hash { return fnv.New32() }, false},
	{"fnv1a32", func() hash.Hash { return fnv.New32a() }, false},
	{"fnv164", func() hash.Hash { return fnv.New64() }, false},
	{"fnv1a64", func() hash.Hash { return fnv.New64a() }, false},
}

func encFindAlgo(name string) *encAlgo {
	name = strLower(name)
	for i := range encAlgos {
		if encAlgos[i].name == name {
			return &encAlgos[i]
		}
	}
	return nil
}

func hashFn(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "hash", 2, 4)
	name := a.str(1, "algo")
	data := a.str(2, "data")
	raw := a.optBool(3, "binary", false)
	algo := encFindAlgo(name)
	if algo == nil {
		a.raise("Argument #1 ($algo) must be a valid hashing algorithm")
	}
	h := algo.new()
	h.Write([]byte(data))
	return encPushDigest(L, h.Sum(nil), raw)
}

func hashHmac(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "hash_hmac", 3, 4)
	name := a.str(1, "algo")
	data := a.str(2, "data")
	key := a.str(3, "key")
	raw := a.optBool(4, "binary", false)
	algo := encFindAlgo(name)
	if algo == nil || !algo.crypto {
		a.raise("Argument #1 ($algo) must be a valid cryptographic hashing algorithm")
	}
	m := hmac.New(algo.new, []byte(key))
	m.Write([]byte(data))
	return encPushDigest(L, m.Sum(nil), raw)
}

// hashAlgos lists the algorithms this hash() has (fewer than PHP's).
func hashAlgos(k *Kit, L *lua.LState) int {
	strArgsOf(k, L, "hash_algos", 0, 0)
	t := L.CreateTable(len(encAlgos), 0)
	for _, al := range encAlgos {
		t.Append(lua.LString(al.name))
	}
	L.Push(t)
	return 1
}

// hashEquals compares in time independent of where the strings differ.
func hashEquals(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "hash_equals", 2, 2)
	if _, ok := L.Get(1).(lua.LString); !ok {
		a.raise("Argument #1 ($known_string) must be of type string, %s given", strTypeName(L.Get(1)))
	}
	if _, ok := L.Get(2).(lua.LString); !ok {
		a.raise("Argument #2 ($user_string) must be of type string, %s given", strTypeName(L.Get(2)))
	}
	return strPushBool(L, hmac.Equal([]byte(L.ToString(1)), []byte(L.ToString(2))))
}

func randomBytes(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "random_bytes", 1, 1)
	n := a.int(1, "length")
	if n < 1 {
		a.raise("Argument #1 ($length) must be greater than 0")
	}
	b := make([]byte, n)
	rand.Read(b)
	return strPushString(L, string(b))
}

func randomInt(k *Kit, L *lua.LState) int {
	a := strArgsOf(k, L, "random_int", 2, 2)
	lo := a.int(1, "min")
	hi := a.int(2, "max")
	if lo > hi {
		a.raise("Argument #1 ($min) must be less than or equal to argument #2 ($max)")
	}
	span := new(big.Int).Sub(big.NewInt(hi), big.NewInt(lo))
	span.Add(span, big.NewInt(1))
	r, _ := rand.Int(rand.Reader, span)
	return strPushInt(L, r.Add(r, big.NewInt(lo)).Int64())
}

// encURLFn applies a string-to-string encoder.
func encURLFn(k *Kit, L *lua.LState, fn string, f func(string) string) int {
	a := strArgsOf(k, L, fn, 1, 1)
	return strPushString(L, f(a.str(1, "string")))
}

// encURLEncode keeps letters, digits and -_. (raw: also ~); others become
// %XX, except that urlencode writes a space as '+'.
func encURLEncode(raw bool) func(string) string {
	return func(s string) string {
		const digits = "0123456789ABCDEF"
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case strIsAlpha(c) || strIsDigit(c) || c == '-' || c == '_' || c == '.' || (raw && c == '~'):
				b.WriteByte(c)
			case c == ' ' && !raw:
				b.WriteByte('+')
			default:
				b.WriteByte('%')
				b.WriteByte(digits[c>>4])
				b.WriteByte(digits[c&15])
			}
		}
		return b.String()
	}
}

// encURLDecode decodes %XX (a malformed escape stays as it is) and, for
// urldecode, '+' as a space.
func encURLDecode(plus bool) func(string) string {
	return func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '+' && plus:
				b.WriteByte(' ')
			case c == '%' && i+2 < len(s) && strIsXdigit(s[i+1]) && strIsXdigit(s[i+2]):
				v, _ := hex.DecodeString(s[i+1 : i+3])
				b.Write(v)
				i += 2
			default:
				b.WriteByte(c)
			}
		}
		return b.String()
	}
}

func encRot13(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}
