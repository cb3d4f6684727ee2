package runtime

import (
	"math/bits"
	"sync"
)

// bufferPool recycles receive buffers by power-of-two size class, so that the
// tutorial's socket_read(s, 1024000) does not allocate a megabyte per call.
// The bytes handed to Lua are always copied out first.
type bufferPool struct {
	classes [32]sync.Pool
}

const minBufferClass = 9 // 512 bytes

func sizeClass(n int) int {
	if n <= 1<<minBufferClass {
		return minBufferClass
	}
	return bits.Len(uint(n - 1))
}

// get returns a buffer of exactly n bytes.
func (p *bufferPool) get(n int) []byte {
	c := sizeClass(n)
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, 1<<c)
}

func (p *bufferPool) put(b []byte) {
	c := sizeClass(cap(b))
	if cap(b) != 1<<c {
		return
	}
	b = b[:cap(b)]
	p.classes[c].Put(&b)
}
