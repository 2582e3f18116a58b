package librelease

// The Go function CopyStore's progress callback calls: kept apart from
// copy.go, whose preamble defines the C side (a file with //export may
// only declare).

/*
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// goCopyProgress runs a copy's Progress function and looks at its
// context; non-zero stops the copy. A panic is kept and raised again by
// CopyStore once the C call has returned and the Stores are unlocked.
//
//export goCopyProgress
func goCopyProgress(payload unsafe.Pointer, app *C.char, records C.uint64_t) (rc C.int) {
	call := cgo.Handle(uintptr(payload)).Value().(*copyCall)
	returned := false
	defer func() {
		if !returned {
			v := recover()
			call.mu.Lock()
			call.hasPanic, call.panicVal = true, v
			call.mu.Unlock()
			rc = 1
		}
	}()
	if call.progress != nil {
		if err := call.progress(goString(app), uint64(records)); err != nil {
			call.stop = err
			returned = true
			return 1
		}
	}
	if err := call.ctx.Err(); err != nil {
		call.stop = err
		returned = true
		return 1
	}
	returned = true
	return 0
}
