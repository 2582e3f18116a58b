package librelease

// The Go functions the library calls back. Each one recovers a panic: a
// Go panic must never unwind through C frames. The panic is kept in the
// call's state, the callback reports failure to the library (so a
// promotion fails and gives its lease back), and the method that made the
// C call panics again with the same value once the C call has returned
// and the Store's lock is released.

/*
#include <stdint.h>
#include <librelease/release.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// goDeploy runs a promotion's Deployer.
//
//export goDeploy
func goDeploy(payload unsafe.Pointer, r *C.release, ev *C.release_events) (rc C.int) {
	call := cgo.Handle(uintptr(payload)).Value().(*promoteCall)
	if call.panicked() {
		return 1 // an event sink panicked before: fail the promotion
	}
	events := &Events{c: ev}
	returned := false
	defer func() {
		events.end()
		if !returned {
			call.keepPanic(recover())
			rc = 1
		}
	}()
	err := call.deploy(call.ctx, goRelease(r), events)
	returned = true
	if err != nil {
		call.deployErr = err
		return 1
	}
	return 0
}

// goEvent hands an event to a promotion's EventSink; after a panic in the
// sink, later events are dropped.
//
//export goEvent
func goEvent(payload unsafe.Pointer, t C.int64_t, source, message *C.char) {
	call := cgo.Handle(uintptr(payload)).Value().(*promoteCall)
	if call.onEvent == nil || call.panicked() {
		return
	}
	returned := false
	defer func() {
		if !returned {
			call.keepPanic(recover())
		}
	}()
	call.onEvent(Event{Time: goTime(t), Source: goString(source), Message: goString(message)})
	returned = true
}
