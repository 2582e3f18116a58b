// Package librelease binds librelease, the C library of release history and
// rollback for deploy tools: apps, builds, releases with their env,
// promotion through a deployer with a lease, rollback, history, settings,
// and the deployment log, diffs, waiting for change and copying stores.
//
// # Using it
//
//	s, err := librelease.Open("file:/var/lib/deploys") // or "memory:"
//	if err != nil { ... }
//	defer s.Close()
//	b, _ := s.CreateBuild("web", &librelease.BuildOptions{Status: librelease.BuildComplete})
//	r, _ := s.CreateRelease("web", b.ID)
//	err = s.Promote(ctx, "web", r.ID, &librelease.PromoteOptions{
//		Deploy: func(ctx context.Context, r *librelease.Release, ev *librelease.Events) error {
//			ev.Emit("deployer", "rolling out "+r.ID)
//			return rollOut(ctx, r) // an error fails the promotion
//		},
//		Wait: time.Minute, // for a busy app; ctx can end the wait sooner
//	})
//
// Values read from a store (App, Build, Release, Settings...) are plain Go
// values: they hold no C memory and stay valid after the Store is closed.
// Listings are iterators:
//
//	it := s.Releases("web", &librelease.ListOptions{Limit: 20})
//	defer it.Close()
//	for it.Next() {
//		fmt.Println(it.Release().Version, it.Release().ID)
//	}
//	if err := it.Err(); err != nil { ... }
//
// To page, pass the last version seen as the next listing's Before. An
// iterator holds a C iterator until it ends or is closed; the Store's Close
// ends every iterator still open (their Next is then false and Err
// ErrClosed).
//
// # Errors
//
// A library failure is an *Error: the method (Op), the library's negative
// RELEASE_E* code (Code) and its detailed message. Each code has a
// sentinel matched with errors.Is:
//
//	if errors.Is(err, librelease.ErrNotFound) { ... }
//
// ErrInvalid, ErrNotFound, ErrExists, ErrConflict, ErrBusy, ErrOlder and
// ErrUnsupported (a write through a read-only store) mean nothing was
// written; after ErrIO, ErrNoSpace, ErrNoMemory or ErrCorrupt the outcome
// of a write is unknown, so read back before trying again. A failed
// promotion is ErrDeploy, and the *Error unwraps to the deployer's own
// error, so errors.As finds its type. Input the library could misread is
// refused before it reaches C, as ErrInvalid: a string holding a NUL byte
// (never silently cut short), an env key holding '=', a negative count or
// duration. Methods on a closed Store return an error matching ErrClosed;
// Close itself may be called any number of times.
//
// # Goroutines and callbacks
//
// The binding locks: a Store may be used by any number of goroutines at
// once, and each call (each step of an iterator) holds the Store's lock
// while it is in the library, so calls on one Store run one at a time.
// Promote and Rollback wait for the Store only as long as their context
// allows, and a promotion of an app that another goroutine is promoting
// through the same Store finds it busy, as on another handle (see
// PromoteOptions.Wait). Open several Stores on the same file store for
// calls that should run in parallel; the file store is safe for many
// handles and processes.
//
// A Deployer and an EventSink run while the Store's lock is held (a
// Deployer on a goroutine of its own, which the calling goroutine waits
// for; a copy's progress function likewise while CopyStore holds both of
// its Stores). They must not use the Store that called them: the library
// forbids it, and the call would wait for its own lock. The binding
// detects a callback calling that Store on the callback's own goroutine,
// or in a callback nested in it (the deployer of a promotion the deployer
// makes through another Store): the call fails at once with an error
// matching ErrReentrant (and ErrInvalid). It cannot tell a goroutine the callback started and waits
// for from any other goroutine: such a call deadlocks. A callback that
// needs the store opens a Store of its own. A Deployer may start
// goroutines that report through its Events; Events are valid only until
// the Deployer returns.
//
// A panic in a Deployer or an EventSink never unwinds through C: it is
// recovered, the library is told the callback failed, so it marks the
// release failed and gives the app's lease back, and the method panics
// again with the same value (panic(nil) too) once the library has returned
// and the Store's lock is released. Only an EventSink's panic on the
// library's last event, after the deployer returned, comes too late to
// fail the promotion: the method then panics after a promotion that took
// effect. A runtime.Goexit in a Deployer or an EventSink (t.FailNow or
// t.Fatal in a test) is handled the same way: the promotion fails, the
// lease is given back, and the goroutine that called the method then
// exits too.
//
// # Building
//
// The package uses cgo and finds the library with pkg-config
// ("#cgo pkg-config: librelease"). After `meson install` (and `ldconfig`),
// `go build` and `go test` work as they are. Against a build tree that is
// not installed, point pkg-config at meson's uninstalled .pc and the loader
// at the built library:
//
//	PKG_CONFIG_PATH=$BUILD/meson-uninstalled LD_LIBRARY_PATH=$BUILD/lib go test ./...
//
// The module path is "librelease" and it has no dependencies outside the
// standard library. A program elsewhere uses it with a replace directive in
// its go.mod:
//
//	require librelease v0.0.0
//	replace librelease => /path/to/librelease/examples/go
//
// or with a workspace: `go work init . /path/to/librelease/examples/go`.
package librelease
