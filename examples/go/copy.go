package librelease

/*
#include <stdint.h>
#include <stdlib.h>
#include <librelease/release.h>

extern int goCopyProgress(void *payload, char *app, uint64_t records);

static int lr_copy_progress(void *payload, const char *app, uint64_t records)
{
	return goCopyProgress(payload, (char *)app, records);
}

// The payload is a runtime/cgo.Handle: an integer, never a Go pointer.
static void lr_copy_callbacks(release_copy_opts *o, uintptr_t handle)
{
	o->progress = lr_copy_progress;
	o->progress_payload = (void *)handle;
}
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"time"
	"unsafe"
)

// CopyOptions are the options of CopyStore; the zero value copies every
// app, adding to what dst has.
type CopyOptions struct {
	// App copies only this app; "": every app of src.
	App string
	// Mirror makes dst's apps exactly src's, replacing and deleting what
	// differs. Without it, an app dst had whole before is only added to,
	// and one that differs (src changed or deleted records since, or dst
	// was written to) is ErrConflict and left as it is.
	Mirror bool
	// Progress, when not nil, is called after each app is copied whole,
	// with the records written or deleted for it (0 when it was up to
	// date). An error from it stops the copy after that app. It runs with
	// both Stores locked: it must not use them (ErrReentrant). A panic in
	// it stops the copy too, then goes on in CopyStore's caller.
	Progress func(app string, records uint64) error
}

// copyCall is the state of one copy shared with its progress callback
// through a cgo.Handle.
type copyCall struct {
	ctx      context.Context
	src, dst *Store
	progress func(string, uint64) error
	stop     error         // what stopped the copy: the progress error or ctx.Err()
	stopApp  string        // the app after which it stopped
	cb       callbackState // a panic or runtime.Goexit in progress
}

// CopyStore copies apps from src to dst exactly (librelease 1.4): every
// build, release and deployment log entry with its id, version, times,
// source, failure, actor, manifest and log, the settings, the active and
// the previous release, so that both stores read the same. It returns the
// number of records written or deleted in dst, also when it fails.
//
// An app appears in dst only once all its records are there. A copy that
// was interrupted is resumed by running it again: records already in dst
// and equal are skipped. An app only dst has is left alone; an app of dst
// that is another app of the same name is ErrExists and left alone, the
// other apps are still copied and the first error is returned. A failed
// copy may have written part of its work (dst's apps stay whole for every
// reader). src is only read.
//
// ctx (nil: context.Background()) ends the wait for a Store another call
// holds, and is looked at after each app: once it is done the copy stops
// there and the error matches ctx.Err(); so does a Progress error stop it (errors.Is finds it through
// the *Error, which also matches the error of an app that failed before).
// src and dst the same Store, or two Stores on one file store, is
// ErrInvalid. CopyStore holds both Stores' locks while it copies, but
// never one while it waits for the other: copies in opposite directions
// may run at once, and so may a copy and a deployer of one Store that
// uses the other.
func CopyStore(ctx context.Context, src, dst *Store, opts CopyOptions) (uint64, error) {
	const op = "CopyStore"
	if ctx == nil {
		ctx = context.Background()
	}
	if src != nil && src == dst {
		return 0, invalid(op, "a store cannot be copied to itself")
	}
	if err := ctx.Err(); err != nil {
		return 0, &Error{Op: op, Message: "context ended before the copy", Err: err}
	}
	capp, err := cStringOrNil(opts.App)
	if err != nil {
		return 0, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(capp))
	// In C memory: the payload is a cgo.Handle, an integer in a pointer
	// field, which the Go garbage collector must never see.
	o := (*C.release_copy_opts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.release_copy_opts{}))))
	if o == nil {
		return 0, newError(op, C.RELEASE_ENOMEM, "")
	}
	defer C.free(unsafe.Pointer(o))
	C.release_copy_opts_init_sized(o, C.size_t(unsafe.Sizeof(*o)))
	o.app = capp
	if opts.Mirror {
		o.flags = C.RELEASE_COPY_MIRROR
	}
	call := &copyCall{ctx: ctx, src: src, dst: dst, progress: opts.Progress}
	if opts.Progress != nil || ctx.Done() != nil {
		h := cgo.NewHandle(call)
		defer h.Delete()
		C.lr_copy_callbacks(o, C.uintptr_t(h))
	}
	copied, err := copyLocked(ctx, op, src, dst, o, call)
	call.cb.reraise()
	return copied, err
}

// copyLocked runs the copy with both Stores locked.
func copyLocked(ctx context.Context, op string, src, dst *Store, o *C.release_copy_opts, call *copyCall) (uint64, error) {
	if err := lockBoth(ctx, op, src, dst); err != nil {
		return 0, err
	}
	defer src.mu.Unlock()
	defer dst.mu.Unlock()
	var copied C.uint64_t
	var rc C.int
	src.calling(func() {
		dst.calling(func() {
			rc = C.release_store_copy(src.c, dst.c, o, &copied)
		})
	})
	switch {
	case rc < 0:
		err := dst.fail(op, rc)
		if call.stop != nil {
			err.(*Error).Err = call.stop // an app failed, then the copy was stopped
		}
		return uint64(copied), err
	case rc > 0: // goCopyProgress's own value: it stopped the copy
		what := "its Progress function"
		if call.stop == call.ctx.Err() {
			what = "its context"
		}
		return uint64(copied), &Error{Op: op, Err: call.stop,
			Message: "the copy was stopped by " + what + " after app " + quoteShort(call.stopApp)}
	}
	return uint64(copied), nil
}

// lockBoth locks a and b without ever holding one while it waits for the
// other: it waits for one, then takes the other only if it is free, else
// lets go and waits for that one. So two copies in opposite directions,
// or a copy and a callback of one Store that uses the other, never wait
// for each other forever. ctx ends the wait.
func lockBoth(ctx context.Context, op string, a, b *Store) error {
	if b == nil {
		a, b = b, a // a nil Store is ErrClosed at once
	}
	for {
		if _, err := a.lockContext(ctx, op, "", time.Time{}, true); err != nil {
			return err
		}
		if b.mu.TryLock() {
			if b.c == nil {
				b.mu.Unlock()
				a.mu.Unlock()
				return &Error{Op: op, Message: "store is closed", Err: ErrClosed}
			}
			return nil
		}
		a.mu.Unlock()
		a, b = b, a
	}
}
