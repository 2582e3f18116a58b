package librelease

import (
	"context"
	"errors"
	"testing"
	"time"
)

// promoted makes n releases of a new app and promotes each in turn.
func promoted(t *testing.T, s *Store, app string, n int) []*Release {
	t.Helper()
	rs := []*Release{seedApp(t, s, app)}
	for i := 1; i < n; i++ {
		rs = append(rs, newRelease(t, s, app, "release "+itoa(int64(i+1))))
	}
	for _, r := range rs {
		mustPromote(t, s, app, r.ID)
	}
	return rs
}

func TestRollbackToPrevious(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		rs := promoted(t, s, "web", 2)
		back, err := s.Rollback(context.Background(), "web", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if back.Source != rs[0].ID || back.Build != rs[0].Build || back.Version != 3 {
			t.Errorf("rollback copy %+v", back)
		}
		if a := mustActive(t, s, "web"); a.ID != back.ID {
			t.Errorf("active %s, want %s", a.ID, back.ID)
		}
	})
}

func TestRollbackToGivenRelease(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		rs := promoted(t, s, "web", 3)
		var deployed string
		back, err := s.Rollback(context.Background(), "web", rs[0].ID, &PromoteOptions{
			Deploy: func(_ context.Context, r *Release, _ *Events) error { deployed = r.Source; return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		if back.Source != rs[0].ID || deployed != rs[0].ID || mustActive(t, s, "web").ID != back.ID {
			t.Errorf("rolled back to %+v, deployer saw source %s", back, deployed)
		}
	})
}

func TestRollbackUnknownTargetIsNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		promoted(t, s, "web", 2)
		_, err := s.Rollback(context.Background(), "web", "RNOSUCHREL", nil)
		wantErr(t, err, ErrNotFound)
		if r, _ := s.ReleaseByVersion("web", 3); r != nil {
			t.Errorf("a copy was written: %+v", r)
		}
	})
}

func TestRollbackCopyReturnsTheFailedCopy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		rs := promoted(t, s, "web", 2)
		fail := func(context.Context, *Release, *Events) error { return errors.New("no") }
		cp, err := s.RollbackCopy(context.Background(), "web", rs[0].ID, &PromoteOptions{Deploy: fail})
		wantErr(t, err, ErrDeploy)
		if cp == nil || cp.Source != rs[0].ID || cp.Failed.IsZero() || cp.Active {
			t.Fatalf("copy %+v", cp)
		}
		if a := mustActive(t, s, "web"); a.ID != rs[1].ID {
			t.Errorf("active %s, want %s", a.ID, rs[1].ID)
		}
		// Rollback says only the error.
		r, err := s.Rollback(context.Background(), "web", rs[0].ID, &PromoteOptions{Deploy: fail})
		wantErr(t, err, ErrDeploy)
		if r != nil {
			t.Errorf("Rollback returned %+v with its error", r)
		}
	})
}

func TestRollbackCopySucceeding(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		rs := promoted(t, s, "web", 2)
		cp, err := s.RollbackCopy(context.Background(), "web", "", nil)
		if err != nil || cp.Source != rs[0].ID || !cp.Failed.IsZero() {
			t.Fatalf("copy %+v: %v", cp, err)
		}
	})
}

// holdApp promotes id on a handle of its own whose deployer waits until
// the returned function is called (which then waits for the promotion).
func holdApp(t *testing.T, uri, app, id string) (release func() error) {
	t.Helper()
	h := mustOpen(t, uri)
	started, proceed, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- h.Promote(context.Background(), app, id, &PromoteOptions{
			Owner: "holder",
			Deploy: func(context.Context, *Release, *Events) error {
				close(started)
				<-proceed
				return nil
			},
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("the holding promotion ended: %v", err)
	}
	var once bool
	release = func() error {
		if once {
			return nil
		}
		once = true
		close(proceed)
		return <-done
	}
	t.Cleanup(func() { release() })
	return release
}

func TestPromoteBusyAppIsBusy(t *testing.T) {
	s, uri := fileStore(t)
	r := seedApp(t, s, "web")
	holdApp(t, uri, "web", r.ID)
	wantErr(t, s.Promote(context.Background(), "web", r.ID, nil), ErrBusy)
	_, err := s.Rollback(context.Background(), "web", r.ID, nil)
	wantErr(t, err, ErrBusy)
	if a, _ := s.App("web"); a.Status != AppUpdating || a.LeaseOwner != "holder" {
		t.Errorf("held app %+v", a)
	}
}

func TestPromoteWaitsForABusyApp(t *testing.T) {
	s, uri := fileStore(t)
	first := seedApp(t, s, "web")
	second := newRelease(t, s, "web", "second")
	release := holdApp(t, uri, "web", first.ID)
	time.AfterFunc(300*time.Millisecond, func() { release() })
	if err := s.Promote(context.Background(), "web", second.ID, &PromoteOptions{Wait: time.Minute}); err != nil {
		t.Fatalf("waiting promotion: %v", err)
	}
	if a := mustActive(t, s, "web"); a.ID != second.ID {
		t.Errorf("active %s", a.ID)
	}
}

func TestPromoteWaitEndsWhenTheContextIsCancelled(t *testing.T) {
	s, uri := fileStore(t)
	r := seedApp(t, s, "web")
	holdApp(t, uri, "web", r.ID)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	err := s.Promote(ctx, "web", r.ID, &PromoteOptions{Wait: time.Duration(1<<63 - 1)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	wantErr(t, err, ErrBusy)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancellation noticed after %v", d)
	}
}

func TestPromoteWaitEndsAtTheContextDeadline(t *testing.T) {
	s, uri := fileStore(t)
	r := seedApp(t, s, "web")
	holdApp(t, uri, "web", r.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := s.Rollback(ctx, "web", r.ID, &PromoteOptions{Wait: time.Hour})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrBusy) {
		t.Fatalf("error %v", err)
	}
}

func TestPromoteWaitEndsAfterWait(t *testing.T) {
	s, uri := fileStore(t)
	r := seedApp(t, s, "web")
	holdApp(t, uri, "web", r.ID)
	start := time.Now()
	err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{Wait: 250 * time.Millisecond})
	wantErr(t, err, ErrBusy)
	if d := time.Since(start); d < 200*time.Millisecond || d > 3*time.Second {
		t.Errorf("gave up after %v", d)
	}
}
