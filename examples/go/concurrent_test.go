package librelease

import (
	"context"
	"errors"
	"fmt"
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
