package hooks

import (
	"io"
	"slices"
	"sync"
)

// maxPooledBuffer is the largest buffer kept for the next request: the
// bodies and answers of applications of up to about 250 streamlets fit, and
// the few large requests (limits.go) do not keep their hundred megabytes
// alive between syncs.
const maxPooledBuffer = 8 << 20

// maxPreallocated is the most of an ordinary request's declared length
// allocated before its bytes arrive (Handler.prealloc): a reused buffer
// already has the room, and a new one grows as the bytes come.
const maxPreallocated = 64 << 10

// buffers holds the buffers request bodies are read into and answers are
// encoded into, so that a sync allocates neither: with io.ReadAll reading a
// body cost three and a half times its size (BENCHMARKS.md).
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// getBuffer returns an empty buffer from the pool.
func getBuffer() *[]byte {
	b := buffers.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// putBuffer returns a buffer to the pool; nothing may use it after.
func putBuffer(b *[]byte) {
	if cap(*b) <= maxPooledBuffer {
		buffers.Put(b)
	}
}

// readAll reads r to its end, appending to b, as io.ReadAll does; a
// declared length (size ≥ 0) is read without growing b again.
func readAll(b []byte, r io.Reader, size int64) ([]byte, error) {
	if size >= 0 {
		// One byte more, so that the read that sees the end needs no room.
		b = slices.Grow(b, int(size)+1)
	}
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, bytesMinRead)
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// answerRoom is the room made for the answer to a body of size bytes before
// it is encoded: the children Metacontroller observed carry their
// last-applied configuration, the answer they were, so an answer to a
// running application is a third of its request (0.30 for 10 and 100
// streamlets, 0.36 for the largest); one allocation where encoding would
// otherwise grow the buffer step by step.
func answerRoom(size int) int {
	return max(size, 0) * 3 / 8
}

// bytesMinRead is how much room readAll makes for a read of unknown length.
const bytesMinRead = 32 << 10
