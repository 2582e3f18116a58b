package librelease

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestOneStoreSharedByManyGoroutines(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		seedApp(t, s, "web")
		const workers, rounds = 8, 6
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds*4)
		for w := 0; w < workers; w++ {
			w := w
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < rounds; i++ {
					r, err := s.SetEnv("web", map[string]string{fmt.Sprintf("W%d", w): itoa(int64(i))})
					if err != nil {
						errs <- err
						continue
					}
					// Promotions race: each waits for the others (the
					// app is busy while one runs, as on other handles);
					// an older one is refused, nothing else.
					err = s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
						Deploy:  func(context.Context, *Release, *Events) error { return nil },
						OnEvent: func(Event) {},
						Wait:    time.Minute,
					})
					if err != nil && !errors.Is(err, ErrOlder) {
						errs <- err
					}
					if _, err := collect(t, s.Releases("web", &ListOptions{Limit: 3})); err != nil {
						errs <- err
					}
					if _, err := s.App("web"); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		newest, err := s.ReleaseByVersion("web", 1+workers*rounds)
		if err != nil {
			t.Fatal(err)
		}
		for w := 0; w < workers; w++ {
			if v := newest.Env[fmt.Sprintf("W%d", w)]; v != itoa(rounds-1) {
				t.Errorf("W%d = %q in the newest release", w, v)
			}
		}
	})
}

func TestIteratorsRacingTheStoresClose(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		makeHistory(t, s, "web", 20)
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				it := s.Releases("web", nil)
				defer it.Close()
				for it.Next() {
				}
				if err := it.Err(); err != nil && !errors.Is(err, ErrClosed) {
					t.Errorf("iteration: %v", err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		wg.Wait()
		if len(s.res) != 0 {
			t.Errorf("%d C iterators left", len(s.res))
		}
	})
}

func TestAnotherGoroutineWaitsForTheStoreWhileADeployerRuns(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	release := promoteHeld(t, s, "web", r.ID)
	// Not the deployer's goroutine: it waits for the Store, and is never
	// taken for the deployer using its own Store.
	got := make(chan error, 1)
	go func() { _, err := s.App("web"); got <- err }()
	time.AfterFunc(100*time.Millisecond, release)
	if err := <-got; err != nil {
		t.Fatalf("App while another goroutine's deployer ran: %v", err)
	}
}

// dropped reports whether the object f's finalizer watches was collected.
func dropped(collected <-chan struct{}) bool {
	for i := 0; i < 20; i++ {
		runtime.GC()
		select {
		case <-collected:
			return true
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

func TestPromotionsLeaveNoGoroutineOrHandleBehind(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	ctx := context.Background()
	type token struct{ _ [16]byte }
	collected := make(chan struct{}, 16)
	before := runtime.NumGoroutine()
	outcomes := []func(func()) error{
		func(touch func()) error { touch(); return nil },
		func(touch func()) error { touch(); return errors.New("failed") },
		func(touch func()) error { touch(); panic("deployer") },
		func(touch func()) error { touch(); runtime.Goexit(); return nil },
	}
	for _, outcome := range outcomes {
		outcome := outcome
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() { recover() }()
			tok := &token{}
			runtime.SetFinalizer(tok, func(*token) { collected <- struct{}{} })
			s.Promote(ctx, "web", r.ID, &PromoteOptions{
				Force:   true,
				Deploy:  func(context.Context, *Release, *Events) error { return outcome(func() { _ = *tok }) },
				OnEvent: func(Event) {},
			})
		}()
		<-done
		// The promotion's cgo.Handle holds its deployer, which holds tok:
		// tok is collected only once the handle is deleted.
		if !dropped(collected) {
			t.Errorf("a promotion's handle outlived it")
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before the promotions, %d after", before, n)
	}
}
