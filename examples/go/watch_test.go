package librelease

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"
)

// prompt is how late a Wait may notice what ends it: a slice, with room
// for a loaded machine and the race detector.
const prompt = 2 * time.Second

func mustWatch(t *testing.T, s *Store, app string) *Watcher {
	t.Helper()
	w, err := s.Watch(app)
	if err != nil {
		t.Fatalf("Watch(%q): %v", app, err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// waitAsync runs w.Wait(ctx) on its own goroutine.
func waitAsync(w *Watcher, ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() { done <- w.Wait(ctx) }()
	return done
}

func waitResult(t *testing.T, done <-chan error, within time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(within):
		t.Fatalf("Wait did not return within %v", within)
		return nil
	}
}

func TestWatchBaselineIsTheStateWhenOpened(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		mustPromote(t, s, "web", r1.ID)
		w := mustWatch(t, s, "web")
		want := WatchState{Newest: 1, Active: r1.ID, Deploy: 1, Exists: true}
		if w.State() != want || w.Newest() != 1 || w.Active() != r1.ID || w.Deploy() != 1 || !w.Exists() {
			t.Errorf("state = %+v, want %+v", w.State(), want)
		}
		if w.App() != "web" {
			t.Errorf("App = %q", w.App())
		}
	})
}

func TestWatchWakesOnPromotionByAnotherGoroutine(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		done := waitAsync(w, context.Background())
		time.Sleep(100 * time.Millisecond) // let the wait start
		mustPromote(t, s, "web", r1.ID)    // the same Store, between the wait's slices
		if err := waitResult(t, done, prompt); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if w.Active() != r1.ID || w.Deploy() != 1 {
			t.Errorf("state after the promotion = %+v", w.State())
		}
	})
}

func TestWatchWakesOnChangeByAnotherHandle(t *testing.T) {
	s, uri := fileStore(t)
	seedApp(t, s, "web")
	w := mustWatch(t, s, "web")
	other := mustOpen(t, uri)
	done := waitAsync(w, context.Background())
	time.Sleep(100 * time.Millisecond)
	if _, err := other.SetEnv("web", map[string]string{"K": "v"}); err != nil {
		t.Fatal(err)
	}
	if err := waitResult(t, done, prompt); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if w.Newest() != 2 {
		t.Errorf("newest = %d, want 2", w.Newest())
	}
}

func TestWatchAppCreationIsAChange(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		w := mustWatch(t, s, "later")
		if w.Exists() || w.Newest() != 0 || w.Active() != "" {
			t.Fatalf("state of a missing app = %+v", w.State())
		}
		done := waitAsync(w, context.Background())
		if _, err := s.CreateApp("later"); err != nil {
			t.Fatal(err)
		}
		if err := waitResult(t, done, prompt); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if !w.Exists() {
			t.Error("the app's creation was not seen")
		}
	})
}

func TestWatchDeadlineIsTimedOut(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := w.Wait(ctx)
		took := time.Since(start)
		wantErr(t, err, ErrTimedOut)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not match context.DeadlineExceeded", err)
		}
		if took < 150*time.Millisecond || took > prompt {
			t.Errorf("waited %v for a 150ms deadline", took)
		}
	})
}

func TestWatchDeadlineIsAlsoCtxErr(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		w := mustWatch(t, s, "web")
		for i := 0; i < 20; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			err := w.Wait(ctx)
			if !errors.Is(err, ErrTimedOut) || ctx.Err() != context.DeadlineExceeded {
				t.Fatalf("Wait = %v with ctx.Err() = %v", err, ctx.Err())
			}
			cancel()
		}
	})
}

func TestWatchCancelIsCanceledPromptly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		ctx, cancel := context.WithCancel(context.Background())
		done := waitAsync(w, ctx)
		time.Sleep(100 * time.Millisecond)
		cancel()
		start := time.Now()
		err := waitResult(t, done, prompt)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimedOut) {
			t.Errorf("Wait = %v, want context.Canceled", err)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("cancellation noticed after %v", took)
		}
	})
}

func TestWatchWithDoneContextOnlyLooks(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := w.Wait(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("nothing changed: Wait = %v, want context.Canceled", err)
		}
		mustPromote(t, s, "web", r1.ID)
		if err := w.Wait(ctx); err != nil {
			t.Errorf("a change was there: Wait = %v, want nil", err)
		}
		// A deadline already past (a negative timeout) looks once too.
		past, cancel2 := context.WithTimeout(context.Background(), -time.Hour)
		defer cancel2()
		start := time.Now()
		wantErr(t, w.Wait(past), ErrTimedOut)
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("an expired deadline waited %v", took)
		}
	})
}

func TestWatchHugeTimeoutStillCancels(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(math.MaxInt64))
		done := waitAsync(w, ctx)
		time.Sleep(80 * time.Millisecond)
		cancel()
		if err := waitResult(t, done, prompt); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait = %v, want context.Canceled", err)
		}
	})
}

func TestWatchDoesNotHoldOffOtherCalls(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "other") // nothing will change
		ctx, cancel := context.WithCancel(context.Background())
		done := waitAsync(w, ctx)
		defer func() { cancel(); <-done }()
		time.Sleep(50 * time.Millisecond)
		reads := make(chan error, 1)
		go func() {
			for i := 0; i < 10; i++ {
				if _, err := s.App("web"); err != nil {
					reads <- err
					return
				}
			}
			reads <- nil
		}()
		select {
		case err := <-reads:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(prompt):
			t.Errorf("10 reads did not finish within %v while a Wait ran", prompt)
		}
	})
}

func TestWatchCloseEndsAWaitInAnotherGoroutine(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		done := waitAsync(w, context.Background())
		time.Sleep(80 * time.Millisecond)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		wantErr(t, waitResult(t, done, prompt), ErrClosed)
		wantErr(t, w.Wait(context.Background()), ErrClosed)
		if err := w.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

func TestWatchEndsWhenStoreCloses(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		done := waitAsync(w, context.Background())
		time.Sleep(80 * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		wantErr(t, waitResult(t, done, prompt), ErrClosed)
		if err := w.Close(); err != nil {
			t.Errorf("Close after the Store's: %v", err)
		}
		_, err := s.Watch("web")
		wantErr(t, err, ErrClosed)
	})
}

func TestWatchRefusesBadArguments(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		_, err := s.Watch("w\x00eb")
		wantErr(t, err, ErrInvalid)
		_, err = s.Watch("Not/A/Name")
		wantErr(t, err, ErrInvalid)
		var nilw *Watcher
		wantErr(t, nilw.Wait(context.Background()), ErrClosed)
		if err := nilw.Close(); err != nil {
			t.Errorf("nil Close: %v", err)
		}
	})
}

func TestWatchNilContextWaitsForChange(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		done := waitAsync(w, nil) // documented: as long as it takes
		time.Sleep(60 * time.Millisecond)
		mustPromote(t, s, "web", r1.ID)
		if err := waitResult(t, done, prompt); err != nil {
			t.Fatalf("Wait(nil): %v", err)
		}
	})
}

func TestWatchManyChangesEachWakeOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		if _, err := s.SetEnv("web", map[string]string{"A": "1"}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), prompt)
		defer cancel()
		if err := w.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		// The change reported is the new baseline: nothing more to see.
		short, cancel2 := context.WithTimeout(context.Background(), 120*time.Millisecond)
		defer cancel2()
		wantErr(t, w.Wait(short), ErrTimedOut)
	})
}

func TestWatchTwoWaitsOnOneWatcherBothWake(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		ctx, cancel := context.WithTimeout(context.Background(), 3*prompt)
		defer cancel()
		a, b := waitAsync(w, ctx), waitAsync(w, ctx)
		time.Sleep(100 * time.Millisecond) // both are waiting
		mustPromote(t, s, "web", r1.ID)
		for _, done := range []<-chan error{a, b} {
			if err := waitResult(t, done, 2*prompt); err != nil {
				t.Errorf("Wait = %v, want nil: the app changed while it waited", err)
			}
		}
		if w.Active() != r1.ID {
			t.Errorf("state = %+v", w.State())
		}
	})
}

func TestWatchSeesAppDeletedAndCreatedAgain(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		if _, err := s.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		w := mustWatch(t, s, "web")
		// Gone and back between two looks: the same name, counts and
		// active release, yet another app.
		if err := s.DeleteApp("web"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), prompt)
		defer cancel()
		if err := w.Wait(ctx); err != nil {
			t.Fatalf("Wait = %v, want the app's deletion and creation", err)
		}
		if !w.Exists() {
			t.Errorf("state = %+v", w.State())
		}
	})
}

func TestWatchLeavesNoGoroutineBehind(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		before := runtime.NumGoroutine()
		for i := 0; i < 5; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			w.Wait(ctx)
			cancel()
			ctx, cancel = context.WithCancel(context.Background())
			cancel()
			w.Wait(ctx)
		}
		deadline := time.Now().Add(prompt)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("%d goroutines after the waits, %d before", n, before)
		}
	})
}

func TestWatchCancelIsNoticedWhileAnotherCallHoldsTheStore(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		w := mustWatch(t, s, "other")
		held, release := make(chan struct{}), make(chan struct{})
		promoted := make(chan error, 1)
		go func() { // holds the Store for as long as its deployer runs
			promoted <- s.Promote(context.Background(), "web", r1.ID, &PromoteOptions{
				Deploy: func(context.Context, *Release, *Events) error { close(held); <-release; return nil },
			})
		}()
		<-held
		var once sync.Once
		free := func() { once.Do(func() { close(release) }) }
		defer free() // also when the test fails: the Store's cleanup needs it
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		done := waitAsync(w, ctx)
		select {
		case err := <-done:
			if !errors.Is(err, ErrTimedOut) {
				t.Errorf("Wait = %v, want ErrTimedOut", err)
			}
			if took := time.Since(start); took > 600*time.Millisecond {
				t.Errorf("a 100ms deadline ended the Wait after %v", took)
			}
		case <-time.After(prompt):
			t.Errorf("the deadline was not noticed while the Store was held")
			defer waitResult(t, done, prompt)
		}
		free()
		if err := <-promoted; err != nil {
			t.Fatal(err)
		}
		if _, err := s.App("web"); err != nil { // the Store's lock is free again
			t.Fatal(err)
		}
	})
}

func TestWatchCancelIsAnErrorOfTheBinding(t *testing.T) {
	// As Promote's and CopyStore's: an *Error naming the call, whose
	// cause is ctx.Err().
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		w := mustWatch(t, s, "web")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := w.Wait(ctx)
		wantErr(t, err, context.Canceled)
		if e := err.(*Error); e.Op != "Watcher.Wait" || e.Code != 0 {
			t.Errorf("error %+v", e)
		}
	})
}

func TestWatchCancelAtAnyMomentEndsTheWaitCleanly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		w := mustWatch(t, s, "web")
		promoted := make(chan error, 1)
		go func() { // a change at some moment among the waits
			time.Sleep(50 * time.Millisecond)
			promoted <- s.Promote(context.Background(), "web", r1.ID, nil)
		}()
		defer func() {
			if err := <-promoted; err != nil {
				t.Error(err)
			}
		}()
		changes := 0
		for i := 0; i < 15; i++ {
			ctx, cancel := context.WithCancel(context.Background())
			done := waitAsync(w, ctx)
			time.Sleep(time.Duration(2*i) * time.Millisecond) // 0 to 28 ms: before, during and between slices
			cancel()
			switch err := waitResult(t, done, prompt); {
			case err == nil:
				changes++
			case !errors.Is(err, context.Canceled):
				t.Fatalf("wait %d: %v", i, err)
			}
		}
		if changes > 1 {
			t.Errorf("one change ended %d waits", changes)
		}
	})
}
