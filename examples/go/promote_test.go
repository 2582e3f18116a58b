package librelease

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPromoteMakesActive(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		var deployed *Release
		err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
			Deploy: func(_ context.Context, r *Release, _ *Events) error { deployed = r; return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		if deployed == nil || deployed.ID != r.ID {
			t.Errorf("deployer got %+v", deployed)
		}
		if a := mustActive(t, s, "web"); a.ID != r.ID {
			t.Errorf("active %s, want %s", a.ID, r.ID)
		}
	})
}

func TestPromoteUnknownReleaseIsNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		seedApp(t, s, "web")
		wantErr(t, s.Promote(context.Background(), "web", "RNOSUCHREL", nil), ErrNotFound)
	})
}

func TestPromoteOlderIsOlderUnlessForced(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		second := newRelease(t, s, "web", "second")
		mustPromote(t, s, "web", second.ID)
		wantErr(t, s.Promote(context.Background(), "web", first.ID, nil), ErrOlder)
		if err := s.Promote(context.Background(), "web", first.ID, &PromoteOptions{Force: true}); err != nil {
			t.Fatalf("forced: %v", err)
		}
		if a := mustActive(t, s, "web"); a.ID != first.ID {
			t.Errorf("active %s after a forced promotion of %s", a.ID, first.ID)
		}
	})
}

func TestPromoteNegativeWaitIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	wantErr(t, s.Promote(context.Background(), "web", r.ID, &PromoteOptions{Wait: -1}), ErrInvalid)
}

func TestPromoteWithEndedContextWritesNothing(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Promote(ctx, "web", r.ID, &PromoteOptions{Deploy: func(context.Context, *Release, *Events) error { ran = true; return nil }})
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("error %v, deployer ran: %v", err, ran)
	}
	if a, _ := s.App("web"); a.Active != "" {
		t.Errorf("promoted anyway: %+v", a)
	}
}

func TestPromoteNilContextIsBackground(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	var none context.Context
	if err := s.Promote(none, "web", r.ID, nil); err != nil {
		t.Fatal(err)
	}
}

type rolloutError struct{ code int }

func (e *rolloutError) Error() string { return "rollout failed with " + itoa(int64(e.code)) }

func TestDeployerFailureKeepsPreviousActive(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		mustPromote(t, s, "web", first.ID)
		second := newRelease(t, s, "web", "second")
		cause := &rolloutError{code: 3}
		err := s.Promote(context.Background(), "web", second.ID, &PromoteOptions{
			Deploy: func(context.Context, *Release, *Events) error { return cause },
		})
		wantErr(t, err, ErrDeploy)
		var re *rolloutError
		if !errors.As(err, &re) || re != cause {
			t.Errorf("errors.As does not find the deployer's error in %v", err)
		}
		if failed, _ := s.Release("web", second.ID); failed.Failed.IsZero() || failed.Active {
			t.Errorf("the failed release %+v", failed)
		}
		if a := mustActive(t, s, "web"); a.ID != first.ID {
			t.Errorf("active %s, want %s", a.ID, first.ID)
		}
	})
}

// promotePanicking promotes with a deployer that panics with v and returns
// what the call panicked with.
func promotePanicking(s *Store, app, id string, v interface{}) (got interface{}) {
	defer func() { got = recover() }()
	s.Promote(context.Background(), app, id, &PromoteOptions{
		Deploy: func(context.Context, *Release, *Events) error { panic(v) },
	})
	return nil
}

func TestDeployerPanicGivesTheLeaseBack(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		mustPromote(t, s, "web", first.ID)
		second := newRelease(t, s, "web", "second")
		value := &rolloutError{code: 7}
		if got := promotePanicking(s, "web", second.ID, value); got != value {
			t.Fatalf("panicked with %v, want the deployer's value", got)
		}
		if r, _ := s.Release("web", second.ID); r.Failed.IsZero() {
			t.Errorf("release not marked failed: %+v", r)
		}
		if a := mustActive(t, s, "web"); a.ID != first.ID {
			t.Errorf("active %s", a.ID)
		}
		start := time.Now()
		if err := s.Promote(context.Background(), "web", second.ID, &PromoteOptions{Wait: 0}); err != nil {
			t.Fatalf("promotion after the panic: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("promotion after the panic took %v", d)
		}
	})
}

func TestDeployerPanicOnOtherHandleLeavesAppFree(t *testing.T) {
	s, uri := fileStore(t)
	r := seedApp(t, s, "web")
	if got := promotePanicking(s, "web", r.ID, "boom"); got != "boom" {
		t.Fatalf("panicked with %v", got)
	}
	other := mustOpen(t, uri)
	if err := other.Promote(context.Background(), "web", r.ID, nil); err != nil {
		t.Fatalf("another handle's promotion after the panic: %v", err)
	}
}

func TestEventSinkPanicIsRaisedAfterThePromotion(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	deployed := false
	got := func() (v interface{}) {
		defer func() { v = recover() }()
		s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
			Deploy:  func(context.Context, *Release, *Events) error { deployed = true; return nil },
			OnEvent: func(Event) { panic("sink") },
		})
		return nil
	}()
	if got != "sink" || deployed {
		t.Fatalf("panic %v, deployer ran %v", got, deployed)
	}
	if a, _ := s.App("web"); a.Active != "" || a.Status != AppRunning {
		t.Errorf("app after the sink's panic %+v", a)
	}
}

func TestEventSinkReceivesLibraryAndDeployerEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		var events []Event
		err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
			Deploy: func(_ context.Context, r *Release, ev *Events) error {
				return ev.Emit("kubectl", "applied "+r.ID)
			},
			OnEvent: func(e Event) { events = append(events, e) },
		})
		if err != nil {
			t.Fatal(err)
		}
		var lib, dep int
		for _, e := range events {
			if e.Time.IsZero() {
				t.Errorf("event without a time: %+v", e)
			}
			switch {
			case e.Source == "librelease":
				lib++
			case e.Source == "kubectl" && e.Message == "applied "+r.ID:
				dep++
			}
		}
		if lib == 0 || dep != 1 {
			t.Errorf("events %+v", events)
		}
	})
}

func TestEventsEmitWithNULIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	var emitErr error
	s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
		Deploy: func(_ context.Context, _ *Release, ev *Events) error {
			emitErr = ev.Emit("src", "a\x00b")
			return nil
		},
	})
	wantErr(t, emitErr, ErrInvalid)
}

func TestEventsAfterTheDeployerReturnedAreInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	var kept *Events
	s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
		Deploy: func(_ context.Context, _ *Release, ev *Events) error { kept = ev; return nil },
	})
	wantErr(t, kept.Emit("late", "too late"), ErrInvalid)
	wantErr(t, kept.Keepalive(), ErrInvalid)
	var none *Events
	wantErr(t, none.Emit("x", "y"), ErrInvalid)
}

func TestEventsFromDeployerGoroutines(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	count := 0
	err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
		Deploy: func(_ context.Context, _ *Release, ev *Events) error {
			done := make(chan error)
			for i := 0; i < 4; i++ {
				go func() { done <- ev.Emit("worker", "step") }()
			}
			for i := 0; i < 4; i++ {
				if err := <-done; err != nil {
					return err
				}
			}
			return ev.Keepalive()
		},
		OnEvent: func(e Event) {
			if e.Source == "worker" {
				count++
			}
		},
	})
	if err != nil || count != 4 {
		t.Fatalf("%d worker events: %v", count, err)
	}
}

func TestDeployerUsingItsOwnStoreIsReentrant(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		var appErr, iterErr, closeErr, promoteErr error
		err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
			Deploy: func(ctx context.Context, r *Release, _ *Events) error {
				_, appErr = s.App("web")
				iterErr = s.Releases("web", nil).Err()
				closeErr = s.Close()
				promoteErr = s.Promote(ctx, "web", r.ID, &PromoteOptions{Wait: time.Minute})
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		for name, e := range map[string]error{"App": appErr, "Releases": iterErr, "Close": closeErr, "Promote": promoteErr} {
			if !errors.Is(e, ErrReentrant) || !errors.Is(e, ErrInvalid) {
				t.Errorf("%s inside the deployer: %v", name, e)
			}
		}
		if _, err := s.App("web"); err != nil {
			t.Errorf("the store after the promotion: %v", err)
		}
	})
}

func TestDeployerMayUseAnotherStore(t *testing.T) {
	s, uri := fileStore(t)
	r := seedApp(t, s, "web")
	other := mustOpen(t, uri)
	var seen *App
	err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
		Owner: "agent 7",
		Deploy: func(context.Context, *Release, *Events) error {
			var err error
			seen, err = other.App("web")
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen.Status != AppUpdating || seen.LeaseOwner != "agent 7" || seen.LeaseStarted.IsZero() {
		t.Errorf("the app seen during the promotion %+v", seen)
	}
}

type ctxKey struct{}

func TestDeployerReceivesTheContext(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	ctx := context.WithValue(context.Background(), ctxKey{}, "mine")
	var got interface{}
	s.Promote(ctx, "web", r.ID, &PromoteOptions{
		Deploy: func(ctx context.Context, _ *Release, _ *Events) error { got = ctx.Value(ctxKey{}); return nil },
	})
	if got != "mine" {
		t.Errorf("deployer's context value %v", got)
	}
}

func TestDeployerGoexitGivesTheLeaseBackAndEndsTheCaller(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		returned := make(chan bool, 1)
		go func() {
			ok := false
			defer func() { returned <- ok }()
			s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
				Deploy: func(context.Context, *Release, *Events) error { runtime.Goexit(); return nil },
			})
			ok = true
		}()
		if <-returned {
			t.Fatal("Promote returned after its deployer called runtime.Goexit")
		}
		if got, _ := s.Release("web", r.ID); got.Failed.IsZero() {
			t.Errorf("release not marked failed: %+v", got)
		}
		if err := s.Promote(context.Background(), "web", r.ID, nil); err != nil {
			t.Fatalf("promotion after the Goexit: %v", err)
		}
	})
}

func TestEventSinkUsingItsOwnStoreIsReentrant(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	var sinkErr error
	err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
		OnEvent: func(Event) {
			if sinkErr == nil {
				_, sinkErr = s.Settings("web")
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(sinkErr, ErrReentrant) {
		t.Errorf("Settings inside the event sink: %v", sinkErr)
	}
}

func TestDeployerPanicNilIsRaisedAgainNotTakenForGoexit(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		// Before Go 1.21, recover() gives nil for panic(nil) as for a
		// Goexit; the caller must still see a panic, which it can recover
		// and go on from, not have its goroutine ended.
		outcome := make(chan string, 1)
		go func() {
			end := "goroutine ended"
			defer func() { outcome <- end }()
			panicked := true
			func() {
				defer func() { recover() }()
				s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
					Deploy: func(context.Context, *Release, *Events) error { panic(nil) },
				})
				panicked = false
			}()
			end = "returned"
			if panicked {
				end = "panicked"
			}
		}()
		if got := <-outcome; got != "panicked" {
			t.Fatalf("after a deployer's panic(nil), Promote %s", got)
		}
		if got, _ := s.Release("web", r.ID); got.Failed.IsZero() {
			t.Errorf("release not marked failed: %+v", got)
		}
		if err := s.Promote(context.Background(), "web", r.ID, nil); err != nil {
			t.Fatalf("promotion after the panic: %v", err)
		}
	})
}

func TestEventSinkPanicWhileTheDeployerRunsFailsThePromotion(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		mustPromote(t, s, "web", first.ID)
		second := newRelease(t, s, "web", "second")
		got := func() (v interface{}) {
			defer func() { v = recover() }()
			s.Promote(context.Background(), "web", second.ID, &PromoteOptions{
				Deploy: func(_ context.Context, _ *Release, ev *Events) error {
					ev.Emit("deployer", "boom")
					return nil
				},
				OnEvent: func(e Event) {
					if e.Source == "deployer" {
						panic("sink")
					}
				},
			})
			return nil
		}()
		if got != "sink" {
			t.Fatalf("panic %v, want the sink's", got)
		}
		// The caller saw a panic: the promotion did not take effect.
		if a := mustActive(t, s, "web"); a.ID != first.ID {
			t.Errorf("active %s after the sink's panic, want %s", a.ID, first.ID)
		}
		if r, _ := s.Release("web", second.ID); r.Failed.IsZero() {
			t.Errorf("release not marked failed: %+v", r)
		}
	})
}

// promoteHeld starts a promotion of id on s whose deployer waits until the
// returned function is called (which then waits for the promotion).
func promoteHeld(t *testing.T, s *Store, app, id string) (release func()) {
	t.Helper()
	started, proceed, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.Promote(context.Background(), app, id, &PromoteOptions{
			Deploy: func(context.Context, *Release, *Events) error {
				close(started)
				<-proceed
				return nil
			},
		})
	}()
	<-started
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(proceed)
			if err := <-done; err != nil {
				t.Errorf("the holding promotion: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// within runs f and returns its error, failing the test when f is still
// waiting after 3 seconds (it is left to end in the test's clean-up).
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(3 * time.Second):
		t.Fatal("still waiting after 3 s")
		return nil
	}
}

func TestPromoteOnASharedStoreWhileItPromotesTheAppIsBusyAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		second := newRelease(t, s, "web", "second")
		promoteHeld(t, s, "web", first.ID)
		// Another goroutine's promotion holds the app through this very
		// Store: Wait 0 fails at once, as it would on another handle.
		wantErr(t, within(t, func() error {
			return s.Promote(context.Background(), "web", second.ID, nil)
		}), ErrBusy)
		wantErr(t, within(t, func() error {
			_, err := s.Rollback(context.Background(), "web", first.ID, &PromoteOptions{Wait: 200 * time.Millisecond})
			return err
		}), ErrBusy)
	})
}

func TestPromoteWaitingForASharedStoreEndsWithTheContext(t *testing.T) {
	s := mustOpen(t, "memory:")
	first := seedApp(t, s, "web")
	seedApp(t, s, "api")
	api := newRelease(t, s, "api", "api two")
	release := promoteHeld(t, s, "web", first.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	// Another app's promotion holds the Store: this one waits for the
	// Store, as long as ctx allows.
	err := within(t, func() error { return s.Promote(ctx, "api", api.ID, &PromoteOptions{Wait: time.Hour}) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want one matching context.DeadlineExceeded", err)
	}
	release()
	if a, _ := s.App("api"); a != nil && a.Active != "" {
		t.Errorf("promoted anyway: %+v", a)
	}
}

func TestPromoteWaitsForASharedStoreThatPromotesTheApp(t *testing.T) {
	s := mustOpen(t, "memory:")
	first := seedApp(t, s, "web")
	second := newRelease(t, s, "web", "second")
	release := promoteHeld(t, s, "web", first.ID)
	time.AfterFunc(300*time.Millisecond, release)
	if err := s.Promote(context.Background(), "web", second.ID, &PromoteOptions{Wait: time.Minute}); err != nil {
		t.Fatalf("waiting promotion: %v", err)
	}
	if a := mustActive(t, s, "web"); a.ID != second.ID {
		t.Errorf("active %s", a.ID)
	}
}

func TestEventSinkPanicWithoutADeployerFailsThePromotion(t *testing.T) {
	s := mustOpen(t, "memory:")
	first := seedApp(t, s, "web")
	mustPromote(t, s, "web", first.ID)
	second := newRelease(t, s, "web", "second")
	got := func() (v interface{}) {
		defer func() { v = recover() }()
		s.Promote(context.Background(), "web", second.ID, &PromoteOptions{
			OnEvent: func(Event) { panic("sink") },
		})
		return nil
	}()
	if got != "sink" {
		t.Fatalf("panic %v, want the sink's", got)
	}
	if a := mustActive(t, s, "web"); a.ID != first.ID {
		t.Errorf("active %s after the sink's panic, want %s", a.ID, first.ID)
	}
}

// The test binary run as another process: it promotes
// LIBRELEASE_TEST_PROMOTE ("URI APP ID") at once (Wait 0) and exits 0 on
// success, 3 when the app is busy.
func TestMain(m *testing.M) {
	if spec := os.Getenv("LIBRELEASE_TEST_PROMOTE"); spec != "" {
		os.Exit(promoteFromAnotherProcess(spec))
	}
	os.Exit(m.Run())
}

func promoteFromAnotherProcess(spec string) int {
	f := strings.Fields(spec)
	s, err := Open(f[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	err = s.Promote(context.Background(), f[1], f[2], nil)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrBusy):
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

func TestDeployerPanicWithAnErrorLeavesTheAppFreeForAnotherProcess(t *testing.T) {
	s, uri := fileStore(t)
	r := seedApp(t, s, "web")
	cause := &rolloutError{code: 9}
	if got := promotePanicking(s, "web", r.ID, cause); got != cause {
		t.Fatalf("panicked with %v", got)
	}
	// This process and its Store live on; another process must find the
	// app free at once.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LIBRELEASE_TEST_PROMOTE="+uri+" web "+r.ID)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promotion by another process: %v: %s", err, out)
	}
	if a := mustActive(t, s, "web"); a.ID != r.ID {
		t.Errorf("active %s", a.ID)
	}
}

func TestNestedDeployerUsingTheOuterStoreIsReentrant(t *testing.T) {
	outer, inner := mustOpen(t, "memory:"), mustOpen(t, "memory:")
	r1, r2 := seedApp(t, outer, "web"), seedApp(t, inner, "api")
	var innerErr error
	err := within(t, func() error {
		return outer.Promote(context.Background(), "web", r1.ID, &PromoteOptions{
			Deploy: func(ctx context.Context, _ *Release, _ *Events) error {
				// A deployer may promote through another Store; that
				// promotion's deployer runs while the outer Store is
				// still held for the outer promotion.
				return inner.Promote(ctx, "api", r2.ID, &PromoteOptions{
					Deploy: func(context.Context, *Release, *Events) error {
						_, innerErr = outer.App("web")
						return nil
					},
				})
			},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(innerErr, ErrReentrant) {
		t.Errorf("the inner deployer's use of the outer Store: %v", innerErr)
	}
}

func TestGoroutineIDsAreReadAndDistinct(t *testing.T) {
	ids := make(chan int64, 2)
	for i := 0; i < 2; i++ {
		go func() { ids <- goid() }()
	}
	a, b := <-ids, <-ids
	if a <= 0 || b <= 0 || a == b || goid() <= 0 {
		t.Errorf("goroutine ids %d, %d, %d", a, b, goid())
	}
}
