package librelease

/*
#include <stdint.h>
#include <stdlib.h>
#include <librelease/release.h>

extern int goDeploy(void *payload, release *r, release_events *ev);
extern void goEvent(void *payload, int64_t time, char *source, char *message);

static int lr_deploy(void *payload, const release *r, release_events *ev)
{
	return goDeploy(payload, (release *)r, ev);
}

static void lr_event(void *payload, int64_t time, const char *source, const char *message)
{
	goEvent(payload, time, (char *)source, (char *)message);
}

// The payload is a runtime/cgo.Handle: an integer, never a Go pointer.
static void lr_promote_callbacks(release_promote_opts *o, uintptr_t handle, int deploy, int events)
{
	if (deploy) {
		o->deploy = lr_deploy;
		o->deploy_payload = (void *)handle;
	}
	if (events) {
		o->on_event = lr_event;
		o->event_payload = (void *)handle;
	}
}
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// Deployer does the real work of making r live (kubectl, systemctl, a
// symlink swap...), reporting progress through ev. It returns nil on
// success; an error fails the promotion: the previous release stays
// active, r is marked failed, and the method returns an *Error matching
// ErrDeploy whose Err is this error (errors.As finds its type). A panic
// fails the promotion too, then goes on in the caller once the library has
// given the app's lease back.
//
// ctx is the context given to Promote or Rollback. The Deployer runs on a
// goroutine of its own, which the caller waits for, with the Store locked:
// it must not use that Store (it gets ErrReentrant); it opens another
// Store if it needs one. A runtime.Goexit in it (t.FailNow in a test)
// fails the promotion, then ends the caller's goroutine too.
type Deployer func(ctx context.Context, r *Release, ev *Events) error

// Event is something that happened during a promotion: the library's own
// state changes (Source "librelease", e.g. "app Status: running =>
// updating") and what the deployer reports.
type Event struct {
	Time    time.Time // the store's clock
	Source  string
	Message string
}

// EventSink receives a promotion's events, one at a time, with the Store
// locked (it must not use the Store). A panic (or runtime.Goexit) in it
// drops the later events and fails the promotion, as a deployer's would,
// unless the deployer had returned already: only the library's last event
// ("updating => running", once the promotion took effect, or the events of
// a failure) comes after that. The panic is raised again in the caller
// once the C call has returned.
type EventSink func(Event)

// PromoteOptions are the options of Promote, Rollback and RollbackCopy;
// the zero value (or nil) moves the active pointer only, failing at once
// when the app is busy.
type PromoteOptions struct {
	Deploy  Deployer  // nil: only the active pointer moves
	OnEvent EventSink // nil: events are dropped
	// Force takes over a live lease and allows promoting a release older
	// than the active one; it never overrides a deployer's failure.
	Force bool
	// IfPending fails with ErrExists, with no deployer run, no event and
	// nothing written, when the release was deployed already: it is the
	// active one, or its promotion failed, or it was active and a forced
	// promotion moved away from it. Checked once the app's lease is held,
	// so that agents promoting what they found pending never both deploy
	// one release. (Without it, promoting the active release runs the
	// deployer again.) Force does not override it, but a forced promotion
	// that goes on without the lease another holds checks unprotected. It
	// has no effect on Rollback and RollbackCopy, whose copy is new. Since
	// librelease 1.5: a program loaded against an older library gets
	// ErrInvalid.
	IfPending bool
	// Owner labels the lease; "": "pid <pid> on <host>".
	Owner string
	// Wait is how long to wait for a busy app (held by another promotion,
	// through another handle or process, or through this Store by another
	// goroutine) before failing with ErrBusy: 0 fails at once; negative is
	// ErrInvalid; the context's cancellation or deadline ends the wait
	// too, as it ends waiting for the Store while another goroutine's call
	// holds it.
	Wait time.Duration
}

// Events reports progress from inside a Deployer. It is valid only while
// the Deployer runs; later calls fail with ErrInvalid. Its methods may be
// called from other goroutines the Deployer starts (they are serialised).
type Events struct {
	mu sync.Mutex
	c  *C.release_events
}

func (e *Events) end() {
	e.mu.Lock()
	e.c = nil
	e.mu.Unlock()
}

// Emit reports an event (source and message) to the promotion's EventSink.
// On a store whose leases expire it also renews the lease once half of it
// has passed.
func (e *Events) Emit(source, message string) error {
	const op = "Emit"
	strs, err := newCStrings([]string{source, message})
	if err != nil {
		return withOp(op, err)
	}
	defer strs.free()
	sv := strs.slice()
	return e.do(op, func(c *C.release_events) C.int { return C.release_events_emit(c, sv[0], sv[1]) })
}

// Keepalive keeps the promotion's lease alive from inside a long Deployer
// on a store whose leases expire; elsewhere it does nothing. ErrBusy when a
// forced promotion took the lease over.
func (e *Events) Keepalive() error {
	return e.do("Keepalive", func(c *C.release_events) C.int { return C.release_events_keepalive(c) })
}

func (e *Events) do(op string, f func(*C.release_events) C.int) error {
	if e == nil {
		return invalid(op, "nil Events")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c == nil {
		return invalid(op, "Events used after its Deployer returned")
	}
	if rc := f(e.c); rc < 0 {
		return newError(op, int(rc), "")
	}
	return nil
}

// promoteCall is the state of one promotion shared with its callbacks
// through a cgo.Handle.
type promoteCall struct {
	store     *Store
	ctx       context.Context
	deploy    Deployer
	onEvent   EventSink
	deployErr error
	cb        callbackState
}

// waitSlice is the longest a single C call waits for a busy app: the
// context is looked at between slices.
const waitSlice = 100 * time.Millisecond

type promoteKind int

const (
	kindPromote promoteKind = iota
	kindRollback
	kindRollbackCopy
)

// Promote makes release id app's active release: it takes the app's
// lease (ErrBusy when another promotion holds it, after waiting up to
// opts.Wait), refuses a release older than the active one (ErrOlder),
// and with opts.IfPending one deployed already (ErrExists), runs the
// deployer, then moves the active pointer. A deployer's failure
// is ErrDeploy: the previous release stays active and id is marked failed.
// A pointer moved meanwhile by a forced promotion is ErrConflict.
// opts may be nil.
func (s *Store) Promote(ctx context.Context, app, id string, opts *PromoteOptions) error {
	_, err := s.promote(ctx, "Promote", kindPromote, app, id, opts)
	return err
}

// Rollback rolls app back to release target ("": the release active before
// the current one): it writes a new release copying target's build, env,
// manifest and description (its Source is target) and promotes it as
// Promote does, returning the new release. An unknown target is
// ErrNotFound with nothing written; when the promotion fails the copy
// stays, marked failed (RollbackCopy returns it).
func (s *Store) Rollback(ctx context.Context, app, target string, opts *PromoteOptions) (*Release, error) {
	return s.promote(ctx, "Rollback", kindRollback, app, target, opts)
}

// RollbackCopy is Rollback, and returns the copy whenever one was written,
// also with the error when the promotion failed after writing it (after
// ErrDeploy: the copy marked failed). The release is nil only when no copy
// was written.
func (s *Store) RollbackCopy(ctx context.Context, app, target string, opts *PromoteOptions) (*Release, error) {
	return s.promote(ctx, "RollbackCopy", kindRollbackCopy, app, target, opts)
}

func (s *Store) promote(ctx context.Context, op string, kind promoteKind, app, id string, opts *PromoteOptions) (*Release, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts == nil {
		opts = &PromoteOptions{}
	}
	wait, err := durationNs("wait", opts.Wait)
	if err != nil {
		return nil, withOp(op, err)
	}
	strs, err := newCStrings([]string{app, id, opts.Owner})
	if err != nil {
		return nil, withOp(op, err)
	}
	defer strs.free()
	sv := strs.slice()
	o := (*C.release_promote_opts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.release_promote_opts{}))))
	if o == nil {
		return nil, newError(op, C.RELEASE_ENOMEM, "")
	}
	defer C.free(unsafe.Pointer(o))
	C.release_promote_opts_init_sized(o, C.size_t(unsafe.Sizeof(*o)))
	if opts.Force {
		o.flags |= C.RELEASE_PROMOTE_FORCE
	}
	if opts.IfPending {
		o.flags |= C.RELEASE_PROMOTE_IF_PENDING
	}
	if opts.Owner != "" {
		o.owner = sv[2]
	}
	target := sv[1]
	if kind != kindPromote && id == "" {
		target = nil // the release active before the current one
	}
	call := &promoteCall{store: s, ctx: ctx, deploy: opts.Deploy, onEvent: opts.OnEvent}
	h := cgo.NewHandle(call)
	defer h.Delete()
	// With an event sink and no deployer, goDeploy still runs: it fails
	// the promotion when the sink panicked before it.
	C.lr_promote_callbacks(o, C.uintptr_t(h), cbool(opts.Deploy != nil || opts.OnEvent != nil), cbool(opts.OnEvent != nil))

	var deadline time.Time // zero: no waiting beyond the first attempt's
	if wait > 0 {
		deadline = time.Now().Add(time.Duration(wait)) // the largest: 292 years
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: op, Message: "context ended before the promotion", Err: err}
	}
	for {
		o.wait_ns = 0
		if left := time.Until(deadline); left > 0 {
			o.wait_ns = C.int64_t(minDuration(left, waitSlice))
		}
		r, busy, err := s.promoteOnce(ctx, op, kind, o, app, sv[0], target, call, deadline, opts.Force)
		if !busy || time.Until(deadline) <= 0 {
			return r, err
		}
		if ctx.Err() != nil {
			e := err.(*Error)
			e.Err = ctx.Err()
			return nil, e
		}
	}
}

// promoteOnce makes one attempt; busy reports the library's ErrBusy
// (nothing written), after which the caller may try again. Waiting for
// the Store ends with ctx, and with busyUntil when a promotion through
// this Store holds the app (lockContext). A callback's panic or Goexit is
// raised again here, once the lock is released.
func (s *Store) promoteOnce(ctx context.Context, op string, kind promoteKind, o *C.release_promote_opts, appName string, app, target *C.char, call *promoteCall, busyUntil time.Time, force bool) (*Release, bool, error) {
	c, err := s.lockContext(ctx, op, appName, busyUntil, force)
	if err != nil {
		return nil, false, err
	}
	var out *C.release
	var rc C.int
	s.markPromoting(appName, 1)
	defer s.markPromoting(appName, -1)
	s.calling(func() {
		switch kind {
		case kindPromote:
			rc = C.release_promote(c, app, target, o)
		case kindRollback:
			rc = C.release_rollback(c, app, target, o, &out)
		default:
			rc = C.release_rollback_copy(c, app, target, o, &out)
		}
	})
	var r *Release
	if out != nil {
		r = goRelease(out)
		C.release_free(out)
	}
	if rc < 0 {
		err = s.fail(op, rc)
		if rc == C.RELEASE_EDEPLOY {
			err.(*Error).Err = call.deployErr
		}
	}
	s.mu.Unlock()
	call.cb.reraise()
	return r, rc == C.RELEASE_EBUSY, err
}

func minDuration(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
