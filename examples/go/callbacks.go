package librelease

// The Go functions the library calls back. A callback's Go code (a
// Deployer, an EventSink) runs on a goroutine of its own, which the
// callback waits for: a panic is recovered there and a runtime.Goexit
// (t.FailNow in a test) ends only that goroutine, so neither unwinds
// through C frames nor leaves the library's call unfinished. The callback
// then reports failure to the library (a promotion fails and gives its
// lease back), and the method that made the C call raises the panic again,
// with the same value, or calls runtime.Goexit, once the C call has
// returned and the Store's lock is released.

/*
#include <stdint.h>
#include <librelease/release.h>
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// callbackOutcome is how a callback's Go code ended when it did not
// return: a panic (with its value) or runtime.Goexit.
type callbackOutcome struct {
	returned bool
	panicked bool
	value    interface{}
}

// runCallback runs f on a goroutine of its own, counted inside the
// callbacks of stores (a call on one of them fails with ErrReentrant
// instead of waiting for the lock its caller holds), and waits for it.
// A panic is told from runtime.Goexit by whether the function that
// recovers it returns: a Goexit ends the goroutine through the deferred
// calls, a recovered panic returns, even panic(nil), whose recover()
// gives nil before Go 1.21 as a Goexit does.
func runCallback(f func(), stores ...*Store) (out callbackOutcome) {
	// The goroutine that made the C call waits for f: f inherits the
	// Stores that goroutine holds, if it runs inside a callback itself.
	stores = append(stores, heldBy(goid())...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		id := goid()
		for _, s := range stores {
			s.markCallback(id, 1)
		}
		defer func() {
			for _, s := range stores {
				s.markCallback(id, -1)
			}
		}()
		func() {
			defer func() {
				if !out.returned {
					out.value = recover()
				}
			}()
			f()
			out.returned = true
		}()
		// Reached when f returned or panicked; never after a Goexit.
		out.panicked = !out.returned
	}()
	<-done
	return out
}

// reraise ends the caller as the callback's Go code ended, once nothing of
// the C call is left to clean up.
func (o callbackOutcome) reraise() {
	switch {
	case o.returned:
	case o.panicked:
		panic(o.value)
	default:
		runtime.Goexit()
	}
}

// callbackState keeps the first abnormal end of a call's callbacks.
type callbackState struct {
	mu     sync.Mutex
	failed bool
	end    callbackOutcome
}

// keep records out when it is the first abnormal end; it reports whether
// out was one.
func (c *callbackState) keep(out callbackOutcome) bool {
	if out.returned {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.failed {
		c.failed, c.end = true, out
	}
	return true
}

// ended reports whether a callback ended abnormally.
func (c *callbackState) ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}

// reraise raises again the first abnormal end, if any.
func (c *callbackState) reraise() {
	c.mu.Lock()
	failed, end := c.failed, c.end
	c.mu.Unlock()
	if failed {
		end.reraise()
	}
}

// goDeploy runs a promotion's Deployer.
//
//export goDeploy
func goDeploy(payload unsafe.Pointer, r *C.release, ev *C.release_events) C.int {
	call := cgo.Handle(uintptr(payload)).Value().(*promoteCall)
	if call.cb.ended() {
		return 1 // an event sink ended abnormally before: fail the promotion
	}
	if call.deploy == nil {
		return 0 // there only for an event sink's end, above
	}
	rel := goRelease(r)
	events := &Events{c: ev}
	var err error
	out := runCallback(func() { err = call.deploy(call.ctx, rel, events) }, call.store)
	events.end()
	if call.cb.keep(out) || call.cb.ended() {
		// The deployer, or an event sink while it ran, panicked or
		// exited: the caller will panic (or exit), so the promotion must
		// not take effect.
		return 1
	}
	if err != nil {
		call.deployErr = err
		return 1
	}
	return 0
}

// goEvent hands an event to a promotion's EventSink; after a sink ended
// abnormally, later events are dropped.
//
//export goEvent
func goEvent(payload unsafe.Pointer, t C.int64_t, source, message *C.char) {
	call := cgo.Handle(uintptr(payload)).Value().(*promoteCall)
	if call.onEvent == nil || call.cb.ended() {
		return
	}
	e := Event{Time: goTime(t), Source: goString(source), Message: goString(message)}
	call.cb.keep(runCallback(func() { call.onEvent(e) }, call.store))
}
