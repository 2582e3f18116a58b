package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import (
	"context"
	"errors"
	"sync"
	"time"
	"unsafe"
)

// watchSlice is the longest one C wait lasts. Wait waits in slices of
// it: the C call cannot be interrupted, so this bounds how late a
// cancelled context is noticed, and how long the Store's other users
// wait for its lock. A slice that ends with nothing changed leaves the
// baseline as it was, so nothing is missed between two.
const watchSlice = 50 * time.Millisecond

// WatchState is what a Watcher saw last.
type WatchState struct {
	Newest uint64 // the newest release's version; 0: the app has none
	Active string // the active release's id; "": none
	Deploy uint64 // the newest deployment log entry's seq; 0: none
	Exists bool   // the app exists
}

// Watcher waits for an app to change: a new release (an env change too),
// a promotion, a rollback, a failed promotion, the app's creation or
// deletion, by any Store handle or process. Nothing else (a build, a
// prune, a refused promotion) is a change. What is there when it is made
// is its baseline; each change Wait reports becomes the next.
//
// A Watcher uses its Store: each slice of a Wait holds the Store's lock
// for at most 50 ms, so the Store's other users (other goroutines) wait
// that long at most for each Wait in progress. Its methods may be called
// from any goroutine.
// Close it when done; closing its Store closes it.
type Watcher struct {
	s   *Store
	app string
	w   *C.release_watch // guarded by s.mu; nil once freed

	mu    sync.Mutex // guards state and seen
	state WatchState
	seen  uint64 // changes seen so far: a Wait returns at the first one after its start
}

// Watch makes a Watcher on app, whose current state is the baseline. The
// app need not exist yet: its creation is a change.
func (s *Store) Watch(app string) (*Watcher, error) {
	const op = "Watch"
	ca, err := cString(app)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(ca))
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var cw *C.release_watch
	if rc := C.release_watch_open(c, ca, &cw); rc < 0 {
		return nil, s.fail(op, rc)
	}
	w := &Watcher{s: s, app: app, w: cw}
	w.readState()
	w.seen = 0
	s.track(w)
	return w, nil
}

// readState copies the C watch's state; s.mu held.
func (w *Watcher) readState() {
	st := WatchState{
		Newest: uint64(C.release_watch_newest(w.w)),
		Active: goString(C.release_watch_active(w.w)),
		Deploy: uint64(C.release_watch_deploy(w.w)),
		Exists: C.release_watch_exists(w.w) != 0,
	}
	w.mu.Lock()
	w.state = st
	w.seen++
	w.mu.Unlock()
}

// freeC frees the C watch; s.mu held (the Store's Close, or Close).
func (w *Watcher) freeC() {
	if w.w != nil {
		C.release_watch_free(w.w)
		w.w = nil
	}
}

// Wait blocks until the app changes from the state last seen (nil: State
// now tells the new one), or until ctx is done. When ctx's deadline
// passes first, the error matches both ErrTimedOut and
// context.DeadlineExceeded; when ctx is cancelled, it matches ctx.Err()
// (context.Canceled). Either is noticed within 50 ms, also while another
// call holds the Store (a promotion whose deployer runs for minutes), and
// ctx.Err() tells the same once Wait has returned. A ctx already done
// when Wait is called makes it a poll: it looks once (waiting for the
// Store like any call) and returns nil if a change is there. A nil ctx
// waits as long as it takes. A closed Watcher, or one whose Store was
// closed, is ErrClosed. Waits in several goroutines at once share the
// Watcher's state: a change ends all of them.
func (w *Watcher) Wait(ctx context.Context) error {
	const op = "Watcher.Wait"
	if w == nil {
		return &Error{Op: op, Message: "nil Watcher", Err: ErrClosed}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	w.mu.Lock()
	start := w.seen
	w.mu.Unlock()
	deadline, hasDeadline := ctx.Deadline()
	lockCtx := ctx // the first look of a poll waits for the Store
	if ctx.Err() != nil {
		lockCtx = nil
	}
	for {
		slice := watchSlice
		if hasDeadline {
			if left := time.Until(deadline); left < slice {
				slice = left
			}
		}
		if slice < 0 || ctx.Err() != nil {
			slice = 0 // only look
		}
		changed, err := w.waitSlice(lockCtx, op, start, slice)
		if changed || err != nil {
			return err
		}
		lockCtx = ctx
		if err = ctx.Err(); err == nil && hasDeadline && !time.Now().Before(deadline) {
			// The deadline passed, ctx's timer has yet to fire: wait for
			// it, so that a caller asking ctx.Err() hears the same.
			t := time.NewTimer(watchSlice)
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-t.C:
				err = context.DeadlineExceeded
			}
			t.Stop()
		}
		switch err {
		case nil:
		case context.DeadlineExceeded:
			return &Error{Op: op, Code: C.RELEASE_ETIMEDOUT, Err: err,
				Message: "app " + quoteShort(w.app) + ": nothing changed before the deadline"}
		default:
			return &Error{Op: op, Err: err,
				Message: "app " + quoteShort(w.app) + ": the wait was cancelled"}
		}
	}
}

// waitSlice waits up to d with the Store's lock held: true when a change
// came since the Wait that saw start changes began (the state is then
// updated; another Wait may have seen it), false when none did, or when
// ctx ended before the Store's lock was free (nil ctx: wait for it).
func (w *Watcher) waitSlice(ctx context.Context, op string, start uint64, d time.Duration) (bool, error) {
	if ok, err := w.lock(ctx, op); !ok || err != nil {
		return false, err
	}
	defer w.s.mu.Unlock()
	if w.w == nil {
		return false, &Error{Op: op, Message: "watcher is closed", Err: ErrClosed}
	}
	w.mu.Lock()
	seen := w.seen
	w.mu.Unlock()
	if seen != start {
		return true, nil
	}
	switch rc := C.release_watch_wait(w.w, C.int64_t(d)); rc {
	case 0:
		w.readState()
		return true, nil
	case C.RELEASE_ETIMEDOUT:
		return false, nil
	default:
		return false, w.s.fail(op, rc)
	}
}

// lock takes the Store's lock (ok true, err nil: the caller unlocks),
// unless ctx (not nil) ends first: ok false, err nil.
func (w *Watcher) lock(ctx context.Context, op string) (ok bool, err error) {
	if ctx == nil {
		_, err = w.s.lock(op)
	} else if _, err = w.s.lockContext(ctx, op, "", time.Time{}, true); err != nil && ctx.Err() != nil &&
		(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return false, nil
	}
	return err == nil, err
}

// State returns the state last seen: the baseline, until Wait reports a
// change. It does not wait for the Store.
func (w *Watcher) State() WatchState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// App returns the name of the app watched.
func (w *Watcher) App() string { return w.app }

// Newest returns the newest release's version last seen (0: none).
func (w *Watcher) Newest() uint64 { return w.State().Newest }

// Active returns the active release's id last seen ("": none).
func (w *Watcher) Active() string { return w.State().Active }

// Deploy returns the newest deployment log entry's seq last seen (0:
// none, or a store that keeps no log).
func (w *Watcher) Deploy() uint64 { return w.State().Deploy }

// Exists reports whether the app existed when last seen.
func (w *Watcher) Exists() bool { return w.State().Exists }

// Close frees the Watcher; a Wait in another goroutine then returns
// ErrClosed within 50 ms. Safe to call twice, and after the Store was
// closed.
func (w *Watcher) Close() error {
	if w == nil || w.s == nil {
		return nil
	}
	if err := w.s.acquire("Watcher.Close"); err != nil {
		return err
	}
	defer w.s.mu.Unlock()
	if w.w != nil {
		w.s.untrack(w)
		w.freeC()
	}
	return nil
}
