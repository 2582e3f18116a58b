package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

// Store is an open store: the file store, the memory store, or any store
// the library can open by URI. A Store may be used by many goroutines at
// once: every method takes the Store's lock for the duration of its C call
// (an iterator, for each step). See the package documentation for what
// callbacks may do.
type Store struct {
	mu storeLock
	c  *C.release_store // nil once closed

	// cbMu guards promoting. The goroutines inside this Store's calls
	// and callbacks are in the package's callbacks registry.
	cbMu sync.Mutex
	// The apps a promotion through this Store holds (in its C call), with
	// a count: another goroutine's promotion of one of them waits for the
	// Store as it would wait for the app's lease on another handle.
	promoting map[string]int

	res map[resource]struct{} // C objects that need the store: freed first by Close
}

// resource is a C object that depends on the open store (an iterator, a
// watch). Close frees every one still tracked, before it closes the
// store; freeC is called with s.mu held and must leave the resource
// unusable (its methods then report ErrClosed).
type resource interface{ freeC() }

// Option configures Open.
type Option func(*openConfig)

type openConfig struct {
	actor    string
	hasActor bool
	lease    time.Duration
	hasLease bool
}

// WithActor sets who writes through the Store: recorded with every build,
// release, deployment, app and settings change it writes. The default is
// "<login name>@<host name>". An actor is 1 to 256 bytes of UTF-8 without
// control or format characters, not beginning or ending with a space:
// anything else makes Open fail with ErrInvalid.
func WithActor(actor string) Option {
	return func(c *openConfig) { c.actor, c.hasActor = actor, true }
}

// WithLease sets the length of a promotion's lease on stores whose leases
// are records that expire (the memory store); the default is 10 minutes.
// A negative duration makes Open fail with ErrInvalid; 0 is the default.
func WithLease(d time.Duration) Option {
	return func(c *openConfig) { c.lease, c.hasLease = d, true }
}

// Open opens a store by URI:
//
//	"memory:"              a private in-memory store, gone at Close
//	"file:/var/lib/rel"    the file store in that directory (created when absent)
//	"file:/var/lib/rel?mode=ro"  the same, read-only: writes are ErrUnsupported
//	"file:"                the default file store ($XDG_DATA_HOME/librelease)
//
// An unknown scheme is ErrUnsupported; a directory that is not a store,
// ErrCorrupt. Close the Store when done.
func Open(uri string, options ...Option) (*Store, error) {
	const op = "Open"
	var cfg openConfig
	for _, o := range options {
		if o != nil {
			o(&cfg)
		}
	}
	curi, err := cString(uri)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(curi))

	// The options live in C memory: they hold C pointers and payloads.
	o := (*C.release_store_opts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.release_store_opts{}))))
	if o == nil {
		return nil, newError(op, C.RELEASE_ENOMEM, "")
	}
	defer C.free(unsafe.Pointer(o))
	C.release_store_opts_init_sized(o, C.size_t(unsafe.Sizeof(*o)))
	if cfg.hasActor {
		if cfg.actor == "" {
			return nil, invalid(op, "actor is empty")
		}
		a, err := cString(cfg.actor)
		if err != nil {
			return nil, withOp(op, err)
		}
		defer C.free(unsafe.Pointer(a))
		o.actor = a
	}
	if cfg.hasLease {
		ns, err := durationNs("lease", cfg.lease)
		if err != nil {
			return nil, withOp(op, err)
		}
		o.lease_ns = ns
	}
	s := &Store{res: make(map[resource]struct{})}

	// release_store_errmsg(NULL) is per thread: read it on the thread
	// that failed.
	runtime.LockOSThread()
	var cs *C.release_store
	rc := C.release_store_open(&cs, curi, o)
	var msg string
	if rc < 0 {
		msg = goString(C.release_store_errmsg(nil))
	}
	runtime.UnlockOSThread()
	if rc < 0 {
		return nil, newError(op, int(rc), msg)
	}
	s.c = cs
	return s, nil
}

// Close closes the store, first ending every iterator and watch still
// open on it (they then report ErrClosed). Closing a closed Store does
// nothing and returns nil. Values read from the store stay valid: they
// are plain Go values.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	if err := s.acquire("Close"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.c == nil {
		return nil
	}
	for r := range s.res {
		r.freeC()
		delete(s.res, r)
	}
	C.release_store_close(s.c)
	s.c = nil
	return nil
}

// lock takes s.mu and returns the C handle, or an error (ErrClosed, an
// *Error) when the store is closed; on success the caller must call
// s.mu.Unlock(). Called from inside one of the store's own callbacks it
// returns an ErrReentrant *Error instead of waiting forever.
func (s *Store) lock(op string) (*C.release_store, error) {
	if s == nil {
		return nil, &Error{Op: op, Message: "nil Store", Err: ErrClosed}
	}
	if err := s.acquire(op); err != nil {
		return nil, err
	}
	return s.lockedHandle(op)
}

// acquire takes s.mu. Only when the lock is contended does it look at who
// holds it: the goroutine running one of the store's callbacks would wait
// for itself.
func (s *Store) acquire(op string) error {
	if s.mu.TryLock() {
		return nil
	}
	if s.inCallback(goid()) {
		return reentrant(op)
	}
	s.mu.Lock()
	return nil
}

// reentrant is the error of a callback that uses the Store that called it.
func reentrant(op string) error {
	return &Error{Op: op, Code: C.RELEASE_EINVAL, Err: ErrReentrant,
		Message: "a deployer, event sink or progress callback must not use the store that called it; open another Store"}
}

// storeLock is the Store's lock: a mutex (Lock, TryLock, Unlock) whose
// waiter may also give up (lockUntil). Its zero value is unlocked, so a
// Store{} that Open did not make is usable (and closed).
type storeLock struct {
	once sync.Once
	ch   chan struct{} // holds a token while locked
}

func (l *storeLock) tokens() chan struct{} {
	l.once.Do(func() { l.ch = make(chan struct{}, 1) })
	return l.ch
}

// Lock takes the lock, waiting as long as it takes.
func (l *storeLock) Lock() { l.tokens() <- struct{}{} }

// TryLock takes the lock if it is free.
func (l *storeLock) TryLock() bool {
	select {
	case l.tokens() <- struct{}{}:
		return true
	default:
		return false
	}
}

// Unlock releases the lock; unlocking a lock not held is a bug.
func (l *storeLock) Unlock() {
	select {
	case <-l.tokens():
	default:
		panic("librelease: unlock of an unlocked Store")
	}
}

// lockUntil takes the lock (locked), or gives up when tick fires or done
// is closed first (ended tells which).
func (l *storeLock) lockUntil(tick <-chan time.Time, done <-chan struct{}) (locked, ended bool) {
	select {
	case l.tokens() <- struct{}{}:
		return true, false
	case <-tick:
		return false, false
	case <-done:
		return false, true
	}
}

// lockContext is lock for a call that takes a context: waiting for a
// Store another goroutine holds ends when ctx does, with an error
// matching ctx.Err(). A promotion also passes the app it promotes and
// when its wait for a busy app ends (the zero time: at once): while a
// promotion through this Store holds that app, waiting for the Store is
// waiting for the app, which fails with ErrBusy once that time has passed,
// as the library's own wait does on another handle. force: the promotion
// takes over a live lease, so it only waits for the Store.
func (s *Store) lockContext(ctx context.Context, op string, app string, busyUntil time.Time, force bool) (*C.release_store, error) {
	if s == nil {
		return s.lock(op) // ErrClosed
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if s.mu.TryLock() {
		return s.lockedHandle(op)
	}
	if s.inCallback(goid()) {
		return nil, reentrant(op)
	}
	held := func() bool { return app != "" && !force && s.isPromoting(app) }
	busy := func(cause error) error {
		return &Error{Op: op, Code: C.RELEASE_EBUSY, Err: cause,
			Message: "app " + quoteShort(app) + " is being promoted through this Store by another goroutine"}
	}
	for {
		if held() && !time.Now().Before(busyUntil) {
			return nil, busy(nil)
		}
		slice := waitSlice
		if left := time.Until(busyUntil); left > 0 && left < slice {
			slice = left
		}
		t := time.NewTimer(slice)
		locked, ended := s.mu.lockUntil(t.C, ctx.Done())
		t.Stop()
		switch {
		case locked:
			return s.lockedHandle(op)
		case ended:
			if held() {
				return nil, busy(ctx.Err())
			}
			return nil, &Error{Op: op, Message: "context ended while waiting for the Store", Err: ctx.Err()}
		}
	}
}

// lockedHandle ends lock once s.mu is held: the C handle, or ErrClosed
// (and s.mu released) when the store is closed.
func (s *Store) lockedHandle(op string) (*C.release_store, error) {
	if s.c == nil {
		s.mu.Unlock()
		return nil, &Error{Op: op, Message: "store is closed", Err: ErrClosed}
	}
	return s.c, nil
}

// markPromoting counts app in (1) or out (-1) of the apps this Store's
// promotions hold.
func (s *Store) markPromoting(app string, n int) {
	s.cbMu.Lock()
	defer s.cbMu.Unlock()
	if s.promoting == nil {
		s.promoting = make(map[string]int)
	}
	if s.promoting[app] += n; s.promoting[app] <= 0 {
		delete(s.promoting, app)
	}
}

// isPromoting reports whether a promotion through this Store holds app.
func (s *Store) isPromoting(app string) bool {
	s.cbMu.Lock()
	defer s.cbMu.Unlock()
	return s.promoting[app] > 0
}

// fail converts a negative rc into an *Error {Op: op, Code, Message:
// release_store_errmsg}; called with s.mu held.
func (s *Store) fail(op string, rc C.int) error {
	var msg string
	if s.c != nil {
		msg = goString(C.release_store_errmsg(s.c))
	}
	return newError(op, int(rc), msg)
}

// calling runs f, a C call on s that may call back into Go, with s.mu
// held by the caller: while it runs, a callback on this goroutine that
// uses s gets ErrReentrant instead of a deadlock. Calls nest (a copy marks
// both of its stores). runCallback marks the goroutines it starts.
func (s *Store) calling(f func()) {
	id := goid()
	s.markCallback(id, 1)
	defer s.markCallback(id, -1)
	f()
}

// callbacks registers the goroutines running a C call that may call back
// into Go (a promotion, a copy) and those running the callbacks (a
// deployer, an event sink, a copy's progress), by id, with the Stores they
// hold, counted: one of them that asks for such a Store's lock is told so
// instead of waiting forever. It is one registry for all Stores, so that
// a callback started inside another callback (a deployer's promotion
// through a second Store) inherits what its parent holds.
var callbacks struct {
	sync.Mutex
	gs map[int64]map[*Store]int
}

// markCallback counts goroutine id in (1) or out (-1) of s's callbacks.
func (s *Store) markCallback(id int64, n int) {
	callbacks.Lock()
	defer callbacks.Unlock()
	if callbacks.gs == nil {
		callbacks.gs = make(map[int64]map[*Store]int)
	}
	held := callbacks.gs[id]
	if held == nil {
		held = make(map[*Store]int)
		callbacks.gs[id] = held
	}
	if held[s] += n; held[s] <= 0 {
		delete(held, s)
		if len(held) == 0 {
			delete(callbacks.gs, id)
		}
	}
}

// inCallback reports whether goroutine id is inside a call of s's that may
// call back, or inside one of its callbacks (or one they started).
func (s *Store) inCallback(id int64) bool {
	callbacks.Lock()
	defer callbacks.Unlock()
	return callbacks.gs[id][s] > 0
}

// heldBy returns the Stores goroutine id is inside a call or callback of.
func heldBy(id int64) []*Store {
	callbacks.Lock()
	defer callbacks.Unlock()
	var out []*Store
	for s := range callbacks.gs[id] {
		out = append(out, s)
	}
	return out
}

// track records a resource that Close must free first; s.mu held.
func (s *Store) track(r resource) { s.res[r] = struct{}{} }

// untrack forgets a resource freed by its own Close; s.mu held.
func (s *Store) untrack(r resource) { delete(s.res, r) }

// goid returns the current goroutine's id, read from its stack header
// ("goroutine 18 [running]:"). Used only on the lock's contention path.
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return -1
	}
	return id
}

// Actor returns who writes through the Store now (see WithActor).
func (s *Store) Actor() (string, error) {
	if _, err := s.lock("Actor"); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	return goString(C.release_store_actor(s.c)), nil
}

// SetActor sets who writes through the Store from now on: a server acting
// for many users sets it before each call. "" restores the default,
// "<login name>@<host name>". An invalid actor is ErrInvalid and keeps the
// actor as it was.
func (s *Store) SetActor(actor string) error {
	const op = "SetActor"
	var ca *C.char
	if actor != "" {
		var err error
		if ca, err = cString(actor); err != nil {
			return withOp(op, err)
		}
		defer C.free(unsafe.Pointer(ca))
	}
	c, err := s.lock(op)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if rc := C.release_store_set_actor(c, ca); rc < 0 {
		return s.fail(op, rc)
	}
	return nil
}

// Version returns the version of the librelease library in use, e.g. "1.5.0".
func Version() string {
	return goString(C.release_version_string())
}
