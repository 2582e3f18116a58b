package librelease

/*
#include <librelease/release.h>
*/
import "C"

import "strings"

// cursor is the engine of the exported iterators (AppIter, BuildIter,
// ReleaseIter): a C iterator stepped under the Store's lock, one step per
// Next. An item that cannot be read (ErrCorrupt) is skipped, as the
// library does, and reported by Err once the iteration ends or is closed;
// any other failure ends the iteration at once. The C iterator is freed when the
// iteration ends, by Close, or by the Store's Close, whichever comes first.
type cursor[T any] struct {
	s  *Store
	op string
	// step reads the next item with s.mu held: 0 and the item, ITEROVER
	// at the end, or a failure. nil once the C iterator is freed.
	step func() (T, C.int)
	// free frees the C iterator; nil once done.
	free    func()
	item    T
	err     error
	corrupt []string
	closed  bool // Close was called before the end
	ended   bool // the end, or a failure, was reached
}

// start finishes making c once its C iterator exists (s.mu held).
func (c *cursor[T]) start(step func() (T, C.int), free func()) {
	c.step, c.free = step, free
	c.s.track(c)
}

// failed makes a cursor that yields nothing and reports err.
func failedCursor[T any](s *Store, op string, err error) cursor[T] {
	return cursor[T]{s: s, op: op, err: err, ended: true}
}

// freeC frees the C iterator; s.mu held.
func (c *cursor[T]) freeC() {
	if c.free != nil {
		c.free()
	}
	c.free, c.step = nil, nil
}

func (c *cursor[T]) next() bool {
	var zero T
	c.item = zero
	if c.ended {
		return false
	}
	if c.closed {
		if c.err == nil {
			c.err = &Error{Op: c.op, Message: "iterator used after Close", Err: ErrClosed}
		}
		c.ended = true
		return false
	}
	if _, err := c.s.lock(c.op); err != nil {
		c.err, c.ended = err, true
		return false
	}
	defer c.s.mu.Unlock()
	for {
		if c.step == nil { // freed by the Store's Close
			c.err = &Error{Op: c.op, Message: "store closed during the iteration", Err: ErrClosed}
			c.ended = true
			return false
		}
		item, rc := c.step()
		switch {
		case rc == 0:
			c.item = item
			return true
		case rc == C.RELEASE_ECORRUPT:
			c.corrupt = append(c.corrupt, goString(C.release_store_errmsg(c.s.c)))
			continue
		case rc == C.RELEASE_ITEROVER:
			c.err = c.skipped()
		default:
			c.err = c.s.fail(c.op, rc)
		}
		c.ended = true
		c.s.untrack(c)
		c.freeC()
		return false
	}
}

// skipped is the ErrCorrupt error naming the items skipped so far, or nil.
func (c *cursor[T]) skipped() error {
	if len(c.corrupt) == 0 {
		return nil
	}
	return newError(c.op, C.RELEASE_ECORRUPT,
		"items that could not be read were skipped: "+strings.Join(c.corrupt, "; "))
}

// close frees the C iterator; items skipped before are reported by Err
// as they are at the end. Refused (ErrReentrant, inside one of the
// Store's callbacks) it changes nothing: the iterator may be closed, or
// stepped, later.
func (c *cursor[T]) close() error {
	if c.closed || c.ended || c.s == nil {
		c.closed = true
		return nil
	}
	if err := c.s.acquire(c.op); err != nil {
		return err
	}
	defer c.s.mu.Unlock()
	c.closed = true
	c.err = c.skipped()
	c.s.untrack(c)
	c.freeC()
	return nil
}
