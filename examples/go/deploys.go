package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import (
	"math"
	"time"
	"unsafe"
)

// DeployKind says what a deployment log entry records.
type DeployKind int

// The kinds of deployment log entries.
const (
	DeployPromote  DeployKind = C.RELEASE_DEPLOY_PROMOTE  // a promotion (Store.Promote)
	DeployRollback DeployKind = C.RELEASE_DEPLOY_ROLLBACK // a rollback: To is the copy, Target the release copied
)

// String returns "promote" or "rollback".
func (k DeployKind) String() string {
	switch k {
	case DeployPromote:
		return "promote"
	case DeployRollback:
		return "rollback"
	}
	return "DeployKind(" + itoa(int64(k)) + ")"
}

// Deployment is one entry of an app's deployment log (librelease 1.4): a
// promotion, a rollback, or a failed one, recorded in the same commit as
// the promotion itself. Entries are never changed; Until is worked out
// when the entry is read. A plain value, independent of the Store.
type Deployment struct {
	App         string
	Seq         uint64     // its number in the app's log: 1, 2, 3...
	Kind        DeployKind // DeployPromote or DeployRollback
	Failed      int        // 0 when it succeeded; else the deployer's non-zero return
	Forced      bool       // the promotion was forced
	From        string     // the release active before it; "" when there was none
	FromVersion uint64     // its version; 0 when there was none
	To          string     // the release promoted (a rollback's copy)
	ToVersion   uint64
	Target      string    // a rollback's target (the release copied); "" for a promotion
	Actor       string    // who did it
	Started     time.Time // when it began (its lease taken)
	Ended       time.Time // when To became active (Release.Promoted), or its failure (Release.Failed)
	Until       time.Time // when To stopped being live; zero while it is live, and for a failed entry
}

// Succeeded reports whether the deployment made To live.
func (d *Deployment) Succeeded() bool { return d.Failed == 0 }

// Live reports whether To is still live: it succeeded and nothing
// replaced it yet (as of reading).
func (d *Deployment) Live() bool { return d.Failed == 0 && d.Until.IsZero() }

// Duration returns how long the deployment took, from Started to Ended.
func (d *Deployment) Duration() time.Duration { return d.Ended.Sub(d.Started) }

func goDeployment(d *C.release_deploy) *Deployment {
	return &Deployment{
		App:         goString(C.release_deploy_app(d)),
		Seq:         uint64(C.release_deploy_seq(d)),
		Kind:        DeployKind(C.release_deploy_kind(d)),
		Failed:      int(C.release_deploy_failed(d)),
		Forced:      C.release_deploy_forced(d) != 0,
		From:        goString(C.release_deploy_from(d)),
		FromVersion: uint64(C.release_deploy_from_version(d)),
		To:          goString(C.release_deploy_to(d)),
		ToVersion:   uint64(C.release_deploy_to_version(d)),
		Target:      goString(C.release_deploy_target(d)),
		Actor:       goString(C.release_deploy_actor(d)),
		Started:     goTime(C.release_deploy_started(d)),
		Ended:       goTime(C.release_deploy_ended(d)),
		Until:       goTime(C.release_deploy_until(d)),
	}
}

// DeploymentIter iterates over a deployment log; used as AppIter is.
type DeploymentIter struct{ c cursor[*Deployment] }

// Deployments iterates over app's deployment log newest first: an entry
// for every promotion, rollback and failed promotion (refused ones, such
// as ErrBusy or ErrOlder, add none). opts may be nil (the whole log); its
// Before is a seq: to page, pass the last Seq seen as the next listing's
// Before. An entry that cannot be read is skipped and reported by Err
// (ErrCorrupt) at the end. An unknown app is ErrNotFound; a store that
// keeps no log (a backend older than storage version 3), ErrUnsupported.
func (s *Store) Deployments(app string, opts *ListOptions) *DeploymentIter {
	const op = "Deployments"
	fail := func(err error) *DeploymentIter {
		return &DeploymentIter{failedCursor[*Deployment](s, op, err)}
	}
	if opts == nil {
		opts = &ListOptions{}
	}
	limit, err := sizeT("limit", opts.Limit)
	if err != nil {
		return fail(withOp(op, err))
	}
	ca, err := cString(app)
	if err != nil {
		return fail(withOp(op, err))
	}
	defer C.free(unsafe.Pointer(ca))
	c, err := s.lock(op)
	if err != nil {
		return fail(err)
	}
	defer s.mu.Unlock()
	var o C.release_list_opts // no pointers: may live in Go memory
	C.release_list_opts_init_sized(&o, C.size_t(unsafe.Sizeof(o)))
	o.limit, o.before = limit, C.uint64_t(opts.Before)
	var ci *C.release_deploy_iter
	if rc := C.release_deploy_list(c, ca, &o, &ci); rc < 0 {
		return fail(s.fail(op, rc))
	}
	it := &DeploymentIter{cursor[*Deployment]{s: s, op: op}}
	it.c.start(func() (*Deployment, C.int) {
		var d *C.release_deploy
		if rc := C.release_deploy_iter_next(ci, &d); rc != 0 {
			return nil, rc
		}
		return goDeployment(d), 0
	}, func() { C.release_deploy_iter_free(ci) })
	return it
}

// Next moves to the next entry; false at the end or on failure (see Err).
func (it *DeploymentIter) Next() bool { return it.c.next() }

// Deployment returns the entry Next moved to.
func (it *DeploymentIter) Deployment() *Deployment { return it.c.item }

// Err returns the failure that ended the iteration, or nil.
func (it *DeploymentIter) Err() error { return it.c.err }

// Close ends the iteration early and frees it; safe to call twice, and
// after the Store was closed.
func (it *DeploymentIter) Close() error { return it.c.close() }

// DeploymentAt tells what was live at time t: the newest successful
// entry of app's log that ended at or before t. Its To is the release
// that was active then, its Until when that stopped (zero: it still is).
// ErrNotFound when nothing had been promoted by then (or no such app); a
// damaged entry newer than the answer is ErrCorrupt. A time outside what
// int64 nanoseconds since 1970 can hold is ErrInvalid; the zero time is
// before any promotion.
func (s *Store) DeploymentAt(app string, t time.Time) (*Deployment, error) {
	const op = "DeploymentAt"
	var ns C.int64_t
	if !t.IsZero() {
		// timeNs reads the zero time as "unset", which here would be
		// 1970: the zero time is long before any promotion instead.
		var err error
		if ns, err = timeNs("time", t); err != nil {
			return nil, withOp(op, err)
		}
	} else {
		ns = math.MinInt64
	}
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
	var d *C.release_deploy
	if rc := C.release_deploy_at(c, ca, ns, &d); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_deploy_free(d)
	return goDeployment(d), nil
}
