package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import (
	"time"
	"unsafe"
)

// AppStatus is whether a promotion of the app is running.
type AppStatus int

// The app statuses.
const (
	AppRunning  AppStatus = C.RELEASE_APP_RUNNING  // idle
	AppUpdating AppStatus = C.RELEASE_APP_UPDATING // a promotion holds a live lease
)

// String returns "running" or "updating".
func (st AppStatus) String() string {
	switch st {
	case AppRunning:
		return "running"
	case AppUpdating:
		return "updating"
	}
	return "AppStatus(" + itoa(int64(st)) + ")"
}

// App is an app as read from the store: a plain value, independent of
// the Store.
type App struct {
	Name     string
	Created  time.Time
	Active   string    // the active release's id; "" when nothing was promoted yet
	Previous string    // the release active before it, or ""
	Status   AppStatus // as of reading
	// The live lease of a running promotion: its owner label, start and
	// expiry (zero when running). A lease on the file store lasts as long
	// as the promoting process: its expiry is the largest time.
	LeaseOwner   string
	LeaseStarted time.Time
	LeaseExpires time.Time
	Actor        string // who created the app; "" when written before librelease 1.4
}

func goApp(a *C.release_app) *App {
	return &App{
		Name:         goString(C.release_app_name(a)),
		Created:      goTime(C.release_app_created(a)),
		Active:       goString(C.release_app_active(a)),
		Previous:     goString(C.release_app_previous(a)),
		Status:       AppStatus(C.release_app_status(a)),
		LeaseOwner:   goString(C.release_app_lease_owner(a)),
		LeaseStarted: goTime(C.release_app_lease_started(a)),
		LeaseExpires: goTime(C.release_app_lease_expires(a)),
		Actor:        goString(C.release_app_actor(a)),
	}
}

// ValidAppName reports whether name is a valid app name: 1 to 63 of
// a-z, 0-9 and '-', starting and ending with a letter or digit.
func ValidAppName(name string) bool {
	cn, err := cString(name)
	if err != nil {
		return false
	}
	defer C.free(unsafe.Pointer(cn))
	return C.release_app_name_valid(cn) != 0
}

// CreateApp creates an app; ErrExists if it exists, ErrInvalid for an
// invalid name.
func (s *Store) CreateApp(name string) (*App, error) {
	return s.appCall("CreateApp", name, func(c *C.release_store, cn *C.char, out **C.release_app) C.int {
		return C.release_app_create(c, cn, out)
	})
}

// App reads an app; ErrNotFound if there is none of that name.
func (s *Store) App(name string) (*App, error) {
	return s.appCall("App", name, func(c *C.release_store, cn *C.char, out **C.release_app) C.int {
		return C.release_app_get(c, cn, out)
	})
}

func (s *Store) appCall(op, name string, call func(*C.release_store, *C.char, **C.release_app) C.int) (*App, error) {
	cn, err := cString(name)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(cn))
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var a *C.release_app
	if rc := call(c, cn, &a); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_app_free(a)
	return goApp(a), nil
}

// DeleteApp deletes an app with its builds, releases, settings and
// deployment log; ErrNotFound if there is none of that name.
func (s *Store) DeleteApp(name string) error {
	const op = "DeleteApp"
	cn, err := cString(name)
	if err != nil {
		return withOp(op, err)
	}
	defer C.free(unsafe.Pointer(cn))
	c, err := s.lock(op)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if rc := C.release_app_delete(c, cn); rc < 0 {
		return s.fail(op, rc)
	}
	return nil
}

// AppIter iterates over apps:
//
//	it := s.Apps()
//	defer it.Close()
//	for it.Next() {
//		a := it.App()
//	}
//	if err := it.Err(); err != nil { ... }
type AppIter struct{ c cursor[*App] }

// Apps iterates over all apps in name order; each app is read when its
// step comes. An app that cannot be read is skipped and reported by Err
// (ErrCorrupt) at the end, or after Close.
func (s *Store) Apps() *AppIter {
	const op = "Apps"
	c, err := s.lock(op)
	if err != nil {
		return &AppIter{failedCursor[*App](s, op, err)}
	}
	defer s.mu.Unlock()
	var ci *C.release_app_iter
	if rc := C.release_app_list(c, &ci); rc < 0 {
		return &AppIter{failedCursor[*App](s, op, s.fail(op, rc))}
	}
	it := &AppIter{cursor[*App]{s: s, op: op}}
	it.c.start(func() (*App, C.int) {
		var a *C.release_app
		rc := C.release_app_iter_next(ci, &a)
		if rc != 0 {
			return nil, rc
		}
		return goApp(a), 0
	}, func() { C.release_app_iter_free(ci) })
	return it
}

// Next moves to the next app; false at the end or on failure (see Err).
func (it *AppIter) Next() bool { return it.c.next() }

// App returns the app Next moved to.
func (it *AppIter) App() *App { return it.c.item }

// Err returns the failure that ended the iteration, or nil.
func (it *AppIter) Err() error { return it.c.err }

// Close ends the iteration early and frees it; safe to call twice, and
// after the Store was closed.
func (it *AppIter) Close() error { return it.c.close() }
