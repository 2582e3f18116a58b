package librelease

/*
#cgo pkg-config: librelease
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// goString copies a C string; NULL is "".
func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// goTime converts the library's nanoseconds since the epoch; 0 is the zero
// time.Time.
func goTime(ns C.int64_t) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns)).UTC()
}

// cString copies s into C memory (the caller frees it with C.free). A
// string holding a NUL would be cut short by C: it is refused with
// ErrInvalid instead.
func cString(s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, invalid("", "string contains a NUL byte: "+quoteShort(s))
	}
	return C.CString(s), nil
}

// cStringOrNil is cString, with "" giving NULL (the library's default).
func cStringOrNil(s string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return cString(s)
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// cStrings holds strings copied into C memory: an array of n char
// pointers, itself in C memory, so no Go pointer is ever passed to C.
type cStrings struct {
	p *C.char // nil-safe: points at the first of n (*C.char) slots
	n int
}

// newCStrings copies ss into C memory; a string holding a NUL is
// ErrInvalid with nothing left allocated. Free it with free.
func newCStrings(ss []string) (*cStrings, error) {
	cs := &cStrings{n: len(ss)}
	if len(ss) == 0 {
		return cs, nil
	}
	for _, s := range ss {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, invalid("", "string contains a NUL byte: "+quoteShort(s))
		}
	}
	arr := (*C.char)(C.calloc(C.size_t(len(ss)), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	if arr == nil {
		return nil, newError("", C.RELEASE_ENOMEM, "")
	}
	cs.p = arr
	slots := unsafe.Slice((**C.char)(unsafe.Pointer(arr)), len(ss))
	for i, s := range ss {
		slots[i] = C.CString(s)
	}
	return cs, nil
}

// array returns the C array (const char *const *), NULL when empty.
func (cs *cStrings) array() **C.char {
	if cs == nil || cs.p == nil {
		return nil
	}
	return (**C.char)(unsafe.Pointer(cs.p))
}

// len returns the number of strings, as a size_t.
func (cs *cStrings) len() C.size_t {
	if cs == nil {
		return 0
	}
	return C.size_t(cs.n)
}

// free frees the strings and the array; nil-safe, and safe twice.
func (cs *cStrings) free() {
	if cs == nil || cs.p == nil {
		return
	}
	for _, p := range unsafe.Slice((**C.char)(unsafe.Pointer(cs.p)), cs.n) {
		C.free(unsafe.Pointer(p))
	}
	C.free(unsafe.Pointer(cs.p))
	cs.p = nil
}

// durationNs converts a duration for a C int64_t nanoseconds field:
// negative is ErrInvalid (named by what), and the largest duration is
// INT64_MAX, which the library reads as "as long as it takes".
func durationNs(what string, d time.Duration) (C.int64_t, error) {
	if d < 0 {
		return 0, invalid("", what+" is negative: "+d.String())
	}
	return C.int64_t(d), nil
}

// timeNs converts a time for the library: the zero time is 0, and a time
// outside what int64 nanoseconds hold is ErrInvalid. Every time goTime
// gives is taken back, the largest (a file store lease's expiry) too.
func timeNs(what string, t time.Time) (C.int64_t, error) {
	if t.IsZero() {
		return 0, nil
	}
	// UnixNano wraps past int64: only a value that reads back as t is t.
	ns := t.UnixNano()
	if s := t.Unix(); s > math.MaxInt64/int64(time.Second) || s < math.MinInt64/int64(time.Second)-1 ||
		!time.Unix(0, ns).Equal(t) {
		return 0, invalid("", what+" is out of range: "+t.String())
	}
	return C.int64_t(ns), nil
}

// sizeT converts a count for a C size_t: negative is ErrInvalid, and a
// value past size_t (impossible on 64-bit systems) is too.
func sizeT(what string, n int) (C.size_t, error) {
	if n < 0 {
		return 0, invalid("", what+" is negative")
	}
	if uint64(n) > uint64(^C.size_t(0)) {
		return 0, invalid("", what+" is too large")
	}
	return C.size_t(n), nil
}

// itoa formats n in decimal.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// slice returns the C strings, in order.
func (cs *cStrings) slice() []*C.char {
	if cs == nil || cs.p == nil {
		return nil
	}
	return unsafe.Slice((**C.char)(unsafe.Pointer(cs.p)), cs.n)
}

// goBytes copies n bytes of C memory; NULL or 0 is nil.
func goBytes(p unsafe.Pointer, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return append([]byte(nil), unsafe.Slice((*byte)(p), int(n))...)
}
