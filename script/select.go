package script

import (
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/sock"
)

// selectSet is one of socket_select's three tables.
type selectSet struct {
	argn  int
	name  string
	want  int          // sock.Want* bit
	table *lua.LTable  // nil for a nil argument
	index []int        // each entry's integer key (its sequence index), or 0
	keys  []lua.LValue // each entry's other key
	socks []*Socket
	slots []int // each entry's interest
}

// selectCall is one socket_select in progress. Calls are recycled, so the
// steady state of a select loop allocates nothing but what Lua does.
type selectCall struct {
	sets      [3]selectSet
	interests []sock.Interest
	watches   []sock.Watch
	counted   []bool
	timeout   time.Duration // < 0: none
}

// selectScratch keeps the select calls not in use.
type selectScratch struct{ free []*selectCall }

func (rt *Runtime) newSelectCall() *selectCall {
	if n := len(rt.sel.free); n > 0 {
		c := rt.sel.free[n-1]
		rt.sel.free = rt.sel.free[:n-1]
		return c
	}
	c := &selectCall{}
	c.sets = [3]selectSet{
		{argn: 1, name: "read", want: sock.WantRead},
		{argn: 2, name: "write", want: sock.WantWrite},
		{argn: 3, name: "except", want: sock.WantExcept},
	}
	return c
}

func (rt *Runtime) freeSelectCall(c *selectCall) {
	for i := range c.sets {
		set := &c.sets[i]
		set.table = nil
		clear(set.keys)
		clear(set.socks)
		set.index, set.keys, set.socks, set.slots = set.index[:0], set.keys[:0], set.socks[:0], set.slots[:0]
	}
	clear(c.interests)
	clear(c.watches)
	c.interests, c.watches = c.interests[:0], c.watches[:0]
	rt.sel.free = append(rt.sel.free, c)
}

// socketSelect: socket_select(read, write, except, seconds[, microseconds = 0])
// -> count|false. The tables are changed in place: entries whose socket is
// not ready are removed; ready ones keep their keys. seconds == nil blocks.
//
// The engine answers it (see sock.Engine.Check): the kernel is asked only
// about the sockets whose readiness it does not already know, so a select
// over many idle sockets costs a loop over the tables, not a syscall's walk
// over every descriptor; there is no FD_SETSIZE ceiling. A socket closed
// while the select waits wakes it, and the select fails with EBADF.
func socketSelect(a args) int {
	a.count(4, 5)
	c := a.rt.newSelectCall()
	any := false
	for i := range c.sets {
		a.selectTable(&c.sets[i])
		any = any || len(c.sets[i].socks) > 0
	}
	if !any {
		a.rt.freeSelectCall(c)
		a.raise("At least one array argument must be passed")
	}
	c.timeout = -1
	if sec, ok := a.nullableInt(4, "seconds"); ok {
		usec := a.optInt(5, "microseconds", 0)
		if sec < 0 || usec < 0 {
			a.rt.freeSelectCall(c)
			return a.fail(nil, "Unable to select", unix.EINVAL)
		}
		c.timeout = time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
	}
	a.rt.interests(c)
	eng := a.rt.eng
	if err := eng.Poll(false); err != nil {
		a.rt.freeSelectCall(c)
		raiseStopped(a.L)
	}
	if err := a.rt.selectReady(c); err != unix.EAGAIN {
		if a.rt.sched.Direct(a.L) {
			return a.pushSelect(c, err)
		}
		return a.later(err, func(err error) int { return a.pushSelect(c, err) })
	}
	for _, in := range c.interests {
		if in.Want&(sock.WantRead|sock.WantExcept) != 0 {
			c.watches = append(c.watches, sock.Watch{S: in.S, Dir: sock.Read})
		}
		if in.Want&sock.WantWrite != 0 {
			c.watches = append(c.watches, sock.Watch{S: in.S, Dir: sock.Write})
		}
	}
	return a.waitAll(c.watches, c.timeout, func() error { return a.rt.selectReady(c) },
		func(err error) int { return a.pushSelect(c, err) })
}

// selectReady marks the ready interests of a select; EAGAIN when none is
// ready and the select may wait.
func (rt *Runtime) selectReady(c *selectCall) error {
	n, err := rt.eng.Check(c.interests)
	if err != nil {
		return err
	}
	for i := range c.interests {
		in := &c.interests[i]
		if t := in.S.TLS(); t != nil && in.Want&sock.WantRead != 0 && in.Ready&sock.WantRead == 0 && t.Readable() {
			// Plaintext waiting inside a TLS socket makes it readable
			// whatever its descriptor says.
			if in.Ready == 0 {
				n++
			}
			in.Ready |= sock.WantRead
		}
	}
	if n > 0 || c.timeout == 0 {
		return nil
	}
	return unix.EAGAIN
}

// pushSelect removes the entries that are not ready from the tables and
// pushes the count of ready sockets (or false).
func (a args) pushSelect(c *selectCall, err error) int {
	defer a.rt.freeSelectCall(c)
	if err == sock.ErrTimeout {
		for i := range c.interests {
			c.interests[i].Ready = 0
		}
		err = nil
	}
	if err != nil {
		return a.fail(nil, "Unable to select", err)
	}
	total := 0
	for i := range c.sets {
		total += c.keep(&c.sets[i])
	}
	a.L.Push(number(total))
	return 1
}

// selectTable reads one set argument: nil or a table of open Sockets.
func (a args) selectTable(set *selectSet) {
	v := a.L.Get(set.argn)
	switch t := v.(type) {
	case *lua.LNilType:
		return
	case *lua.LTable:
		set.table = t
	default:
		a.raise("Argument #%d ($%s) must be of type ?array, %s given", set.argn, set.name, typeName(v))
	}
	// The sequence part first, then whatever keys follow it: no closure
	// and no allocation per entry.
	n := set.table.Len()
	for i := 1; i <= n; i++ {
		a.selectEntry(set, i, nil, set.table.RawGetInt(i))
	}
	var k lua.LValue = lua.LNil
	if n > 0 {
		k = number(n)
	}
	for {
		next, v := set.table.Next(k)
		if next == lua.LNil {
			return
		}
		a.selectEntry(set, 0, next, v)
		k = next
	}
}

// selectEntry checks one entry of a set (at sequence index i, or at key k)
// and records it.
func (a args) selectEntry(set *selectSet, i int, k, v lua.LValue) {
	if v == lua.LNil {
		return
	}
	ud, ok := v.(*lua.LUserData)
	s, isSock := (*Socket)(nil), false
	if ok {
		s, isSock = ud.Value.(*Socket)
	}
	switch {
	case !isSock:
		a.raise("Argument #%d ($%s) must only have elements of type Socket, %s given", set.argn, set.name, typeName(v))
	case s.Closed():
		a.raise("Argument #%d ($%s) contains a closed socket", set.argn, set.name)
	}
	set.index = append(set.index, i)
	set.keys = append(set.keys, k)
	set.socks = append(set.socks, s)
}

// interests makes one interest per distinct socket over all sets and
// records, for each set's entries, which interest is theirs. Sockets carry
// a stamp of the call that numbered them, so deduplication needs no map.
func (rt *Runtime) interests(c *selectCall) {
	rt.selectGen++
	for k := range c.sets {
		set := &c.sets[k]
		for _, s := range set.socks {
			if s.SelectGen != rt.selectGen {
				s.SelectGen, s.SelectSlot = rt.selectGen, len(c.interests)
				c.interests = append(c.interests, sock.Interest{S: s})
			}
			c.interests[s.SelectSlot].Want |= set.want
			set.slots = append(set.slots, s.SelectSlot)
		}
	}
}

// keep removes the entries of the set that are not ready and returns how many
// distinct sockets are ready in it (duplicates count once, as select(2)'s
// fd_set does).
func (c *selectCall) keep(set *selectSet) int {
	if set.table == nil {
		return 0
	}
	if cap(c.counted) < len(c.interests) {
		c.counted = make([]bool, len(c.interests))
	}
	counted := c.counted[:len(c.interests)]
	clear(counted)
	n := 0
	for i, slot := range set.slots {
		if c.interests[slot].Ready&set.want == 0 {
			if set.index[i] > 0 {
				set.table.RawSetInt(set.index[i], lua.LNil)
			} else {
				set.table.RawSet(set.keys[i], lua.LNil)
			}
			continue
		}
		if !counted[slot] {
			counted[slot] = true
			n++
		}
	}
	return n
}
