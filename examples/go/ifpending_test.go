package librelease

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// countingOptions are PromoteOptions with IfPending whose deployer and
// event sink count their calls.
func countingOptions(deploys, events *int) *PromoteOptions {
	return &PromoteOptions{
		IfPending: true,
		Deploy:    func(context.Context, *Release, *Events) error { *deploys++; return nil },
		OnEvent:   func(Event) { *events++ },
	}
}

func TestPromoteIfPendingDeploysAPendingRelease(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		second := newRelease(t, s, "web", "second")
		var deploys, events int
		for _, r := range []*Release{first, second} {
			if err := s.Promote(context.Background(), "web", r.ID, countingOptions(&deploys, &events)); err != nil {
				t.Fatalf("Promote(%s): %v", r.ID, err)
			}
			if a := mustActive(t, s, "web"); a.ID != r.ID {
				t.Errorf("active %s, want %s", a.ID, r.ID)
			}
		}
		if deploys != 2 || events == 0 {
			t.Errorf("%d deploys, %d events; want 2 and some", deploys, events)
		}
		if ds, err := deployLog(t, s.Deployments("web", nil)); err != nil || len(ds) != 2 {
			t.Errorf("log = %v, %v", seqs(ds), err)
		}
	})
}

func TestPromoteIfPendingOfTheActiveReleaseIsExistsAndDoesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		first := seedApp(t, s, "web")
		second := newRelease(t, s, "web", "second")
		mustPromote(t, s, "web", first.ID)
		mustPromote(t, s, "web", second.ID)
		before, err := s.Release("web", second.ID)
		if err != nil {
			t.Fatal(err)
		}
		var deploys, events int
		err = s.Promote(context.Background(), "web", second.ID, countingOptions(&deploys, &events))
		wantErr(t, err, ErrExists)
		if !strings.Contains(err.Error(), "active release already") {
			t.Errorf("the error does not say why: %v", err)
		}
		if deploys != 0 || events != 0 {
			t.Errorf("%d deploys, %d events; want none", deploys, events)
		}
		if ds, err := deployLog(t, s.Deployments("web", nil)); err != nil || len(ds) != 2 {
			t.Errorf("log = %v, %v; want the two promotions only", seqs(ds), err)
		}
		after, err := s.Release("web", second.ID)
		if err != nil || !after.Promoted.Equal(before.Promoted) {
			t.Errorf("promoted %v, was %v (%v)", after.Promoted, before.Promoted, err)
		}
		if a, err := s.App("web"); err != nil || a.Active != second.ID || a.Previous != first.ID {
			t.Errorf("app %+v, %v", a, err)
		}
		// The lease was given back: a promotion without the flag deploys
		// the active release again, at once.
		if err := s.Promote(context.Background(), "web", second.ID, &PromoteOptions{
			Deploy: func(context.Context, *Release, *Events) error { deploys++; return nil },
		}); err != nil || deploys != 1 {
			t.Errorf("without IfPending: %v, %d deploys", err, deploys)
		}
	})
}

func TestPromoteIfPendingWithForceKeepsBoth(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		second := newRelease(t, s, "web", "second")
		mustPromote(t, s, "web", second.ID)
		opts := &PromoteOptions{Force: true, IfPending: true}
		wantErr(t, s.Promote(context.Background(), "web", second.ID, opts), ErrExists)
		if err := s.Promote(context.Background(), "web", first.ID, opts); err != nil {
			t.Fatalf("forced promotion of an older release: %v", err)
		}
		if a := mustActive(t, s, "web"); a.ID != first.ID {
			t.Errorf("active %s, want %s", a.ID, first.ID)
		}
	})
}

func TestRollbackIfPendingDeploysItsCopy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		rs := promoted(t, s, "web", 2)
		var deploys, events int
		back, err := s.Rollback(context.Background(), "web", "", countingOptions(&deploys, &events))
		if err != nil || back.Source != rs[0].ID || deploys != 1 {
			t.Fatalf("Rollback: %+v, %v, %d deploys", back, err, deploys)
		}
		// Back to the active release itself: its copy is new, not active.
		again, err := s.RollbackCopy(context.Background(), "web", back.ID, countingOptions(&deploys, &events))
		if err != nil || again == nil || again.Source != back.ID || deploys != 2 {
			t.Fatalf("RollbackCopy: %+v, %v, %d deploys", again, err, deploys)
		}
		if a := mustActive(t, s, "web"); a.ID != again.ID {
			t.Errorf("active %s, want %s", a.ID, again.ID)
		}
	})
}

func TestPromoteIfPendingOfAReleaseDeployedBeforeIsExists(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		second := newRelease(t, s, "web", "second")
		mustPromote(t, s, "web", first.ID)
		// its deployment failed: not tried again
		fails := &PromoteOptions{Deploy: func(context.Context, *Release, *Events) error { return errors.New("crash loop") }}
		wantErr(t, s.Promote(context.Background(), "web", second.ID, fails), ErrDeploy)
		var deploys, events int
		err := s.Promote(context.Background(), "web", second.ID, countingOptions(&deploys, &events))
		wantErr(t, err, ErrExists)
		if !strings.Contains(err.Error(), "deployed already, and failed") || deploys != 0 || events != 0 {
			t.Errorf("%v; %d deploys, %d events", err, deploys, events)
		}
		// active, then moved away from by a forced promotion: not deployed again
		mustPromote(t, s, "web", second.ID)
		if err := s.Promote(context.Background(), "web", first.ID, &PromoteOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.Promote(context.Background(), "web", second.ID, countingOptions(&deploys, &events)), ErrExists)
		if a := mustActive(t, s, "web"); a.ID != first.ID || deploys != 0 {
			t.Errorf("active %s (want %s), %d deploys", a.ID, first.ID, deploys)
		}
	})
}
