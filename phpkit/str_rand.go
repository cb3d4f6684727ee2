package phpkit

import (
	"crypto/rand"
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// strState is what this part of the kit remembers per Lua state: the
// default timezone, the Mersenne Twister of mt_rand, the compiled regular
// expressions and the last preg error. It lives in the state's registry
// (Kit's fields belong to kit.go), so it goes away with the state.
type strState struct {
	zone    dateZone
	mt      *mtState
	preg    map[string]*pregRegex // compiled patterns, by PHP pattern
	pregErr int                   // preg_last_error()
}

const strStateKey = "sockrun.phpkit.strings"

func strStateOf(L *lua.LState) *strState {
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	if ud, ok := reg.RawGetString(strStateKey).(*lua.LUserData); ok {
		return ud.Value.(*strState)
	}
	st := &strState{}
	ud := L.NewUserData()
	ud.Value = st
	reg.RawSetString(strStateKey, ud)
	return st
}

// mtState is MT19937 as PHP's mt_rand uses it, so a script seeded with
// mt_srand(n) draws the numbers PHP draws.
type mtState struct {
	s    [624]uint32
	next int
}

func mtSeeded(seed uint32) *mtState {
	m := &mtState{}
	m.s[0] = seed
	for i := 1; i < 624; i++ {
		m.s[i] = 1812433253*(m.s[i-1]^(m.s[i-1]>>30)) + uint32(i)
	}
	m.reload()
	return m
}

// reload regenerates the 624 words (the "twist").
func (m *mtState) reload() {
	const n, mid = 624, 397
	for i := 0; i < n; i++ {
		y := m.s[i]&0x80000000 | m.s[(i+1)%n]&0x7fffffff
		v := m.s[(i+mid)%n] ^ y>>1
		if m.s[(i+1)%n]&1 != 0 {
			v ^= 0x9908b0df
		}
		m.s[i] = v
	}
	m.next = 0
}

// uint32 is one tempered 32-bit output.
func (m *mtState) uint32() uint32 {
	if m.next >= 624 {
		m.reload()
	}
	y := m.s[m.next]
	m.next++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	return y ^ y>>18
}

// rangeOf draws uniformly in 0..umax by rejection, as php_mt_rand_range.
func (m *mtState) rangeOf(umax uint64) uint64 {
	if umax <= math.MaxUint32 {
		r := m.uint32()
		if umax == math.MaxUint32 {
			return uint64(r)
		}
		u := uint32(umax) + 1
		if u&(u-1) == 0 {
			return uint64(r & (u - 1))
		}
		limit := math.MaxUint32 - math.MaxUint32%u - 1
		for r > limit {
			r = m.uint32()
		}
		return uint64(r % u)
	}
	draw := func() uint64 { lo := uint64(m.uint32()); return lo | uint64(m.uint32())<<32 }
	r := draw()
	if umax == math.MaxUint64 {
		return r
	}
	u := umax + 1
	if u&(u-1) == 0 {
		return r & (u - 1)
	}
	limit := math.MaxUint64 - math.MaxUint64%u - 1
	for r > limit {
		r = draw()
	}
	return r % u
}

func strMT(L *lua.LState) *mtState {
	st := strStateOf(L)
	if st.mt == nil {
		var b [4]byte
		rand.Read(b[:])
		st.mt = mtSeeded(binary.LittleEndian.Uint32(b[:]))
	}
	return st.mt
}

// mtRandFn is mt_rand() / mt_rand(min, max), and rand, which is the same
// generator but takes its bounds in either order.
func mtRandFn(k *Kit, L *lua.LState, fn string) int {
	a := strArgsOf(k, L, fn, 0, 2)
	if L.GetTop() == 0 {
		return strPushInt(L, int64(strMT(L).uint32()>>1))
	}
	if L.GetTop() == 1 {
		a.raiseBare("%s() expects exactly 2 arguments, 1 given", fn)
	}
	lo := a.int(1, "min")
	hi := a.int(2, "max")
	if hi < lo {
		if fn == "mt_rand" {
			a.raise("Argument #2 ($max) must be greater than or equal to argument #1 ($min)")
		}
		lo, hi = hi, lo
	}
	return strPushInt(L, int64(uint64(lo)+strMT(L).rangeOf(uint64(hi)-uint64(lo))))
}

// mtSrand seeds the generator (with no seed, a random one).
func mtSrand(k *Kit, L *lua.LState, fn string) int {
	a := strArgsOf(k, L, fn, 0, 2)
	var seed uint32
	if a.given(1) {
		seed = uint32(a.int(1, "seed"))
	} else {
		var b [4]byte
		rand.Read(b[:])
		seed = binary.LittleEndian.Uint32(b[:])
	}
	a.optInt(2, "mode", 0)
	strStateOf(L).mt = mtSeeded(seed)
	return 0
}
