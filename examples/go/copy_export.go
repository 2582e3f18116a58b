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

// goCopyProgress runs a copy's Progress function (on a goroutine of its
// own, as every callback, so that a panic or runtime.Goexit there never
// unwinds through C) and looks at the copy's context; non-zero stops the
// copy. CopyStore raises a panic again, or exits its goroutine, once the C
// call has returned and the Stores are unlocked.
//
//export goCopyProgress
func goCopyProgress(payload unsafe.Pointer, app *C.char, records C.uint64_t) C.int {
	call := cgo.Handle(uintptr(payload)).Value().(*copyCall)
	if call.progress != nil {
		name, n := goString(app), uint64(records)
		var err error
		out := runCallback(func() { err = call.progress(name, n) }, call.src, call.dst)
		if call.cb.keep(out) {
			return 1
		}
		if err != nil {
			call.stop, call.stopApp = err, goString(app)
			return 1
		}
	}
	if err := call.ctx.Err(); err != nil {
		call.stop, call.stopApp = err, goString(app)
		return 1
	}
	return 0
}
