package librelease

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// failDeploy is a deployer that fails every promotion.
func failDeploy(context.Context, *Release, *Events) error { return errors.New("rollout refused") }

// deployLog drains a deployment iterator.
func deployLog(t *testing.T, it *DeploymentIter) ([]*Deployment, error) {
	t.Helper()
	defer it.Close()
	var out []*Deployment
	for it.Next() {
		out = append(out, it.Deployment())
	}
	return out, it.Err()
}

func seqs(ds []*Deployment) []uint64 {
	v := make([]uint64, len(ds))
	for i, d := range ds {
		v[i] = d.Seq
	}
	return v
}

func equalSeqs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// historyWithLog promotes r1, then r2, fails to promote r3, and rolls
// back to r1: four entries. It returns the three releases and the copy.
func historyWithLog(t *testing.T, s *Store) (r1, r2, r3, back *Release) {
	t.Helper()
	ctx := context.Background()
	r1 = seedApp(t, s, "web")
	mustPromote(t, s, "web", r1.ID)
	r2 = newRelease(t, s, "web", "second")
	mustPromote(t, s, "web", r2.ID)
	r3 = newRelease(t, s, "web", "third")
	err := s.Promote(ctx, "web", r3.ID, &PromoteOptions{Deploy: failDeploy})
	wantErr(t, err, ErrDeploy)
	back, err = s.Rollback(ctx, "web", r1.ID, nil)
	if err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	return r1, r2, r3, back
}

func TestDeploymentsRecordPromotionsFailuresAndRollbacks(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		if err := s.SetActor("alice"); err != nil {
			t.Fatal(err)
		}
		r1, r2, r3, back := historyWithLog(t, s)
		ds, err := deployLog(t, s.Deployments("web", nil))
		if err != nil {
			t.Fatalf("Deployments: %v", err)
		}
		if got := seqs(ds); !equalSeqs(got, []uint64{4, 3, 2, 1}) {
			t.Fatalf("seqs = %v, want [4 3 2 1]", got)
		}
		rb, failed, second, first := ds[0], ds[1], ds[2], ds[3]

		if first.Kind != DeployPromote || first.From != "" || first.FromVersion != 0 ||
			first.To != r1.ID || first.ToVersion != 1 || first.Failed != 0 || first.Forced {
			t.Errorf("first entry = %+v", first)
		}
		if second.From != r1.ID || second.FromVersion != 1 || second.To != r2.ID || second.ToVersion != 2 {
			t.Errorf("second entry = %+v", second)
		}
		if failed.Failed == 0 || failed.Succeeded() || failed.To != r3.ID || failed.From != r2.ID ||
			!failed.Until.IsZero() || failed.Live() {
			t.Errorf("failed entry = %+v", failed)
		}
		if rb.Kind != DeployRollback || rb.Target != r1.ID || rb.To != back.ID ||
			rb.ToVersion != back.Version || rb.From != r2.ID || !rb.Live() {
			t.Errorf("rollback entry = %+v", rb)
		}
		for _, d := range ds {
			if d.App != "web" || d.Actor != "alice" {
				t.Errorf("entry %d: app %q actor %q", d.Seq, d.App, d.Actor)
			}
			if d.Started.IsZero() || d.Ended.Before(d.Started) || d.Duration() < 0 {
				t.Errorf("entry %d: started %v ended %v", d.Seq, d.Started, d.Ended)
			}
			if d.Started.Location() != time.UTC {
				t.Errorf("entry %d: time not in UTC", d.Seq)
			}
		}
		// Until is the end of the next success; the failure is skipped.
		if !first.Until.Equal(second.Ended) || !second.Until.Equal(rb.Ended) {
			t.Errorf("until: first %v (want %v), second %v (want %v)",
				first.Until, second.Ended, second.Until, rb.Ended)
		}
		if !second.Ended.Equal(mustRelease(t, s, r2.ID).Promoted) {
			t.Errorf("second entry ended %v, release promoted %v", second.Ended, mustRelease(t, s, r2.ID).Promoted)
		}
		if rb.Kind.String() != "rollback" || first.Kind.String() != "promote" ||
			DeployKind(7).String() != "DeployKind(7)" {
			t.Errorf("kind strings: %v %v %v", rb.Kind, first.Kind, DeployKind(7))
		}
	})
}

func mustRelease(t *testing.T, s *Store, id string) *Release {
	t.Helper()
	r, err := s.Release("web", id)
	if err != nil {
		t.Fatalf("Release(%s): %v", id, err)
	}
	return r
}

func TestDeploymentsRecordForcedPromotion(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		mustPromote(t, s, "web", r1.ID)
		r2 := newRelease(t, s, "web", "second")
		mustPromote(t, s, "web", r2.ID)
		if err := s.Promote(context.Background(), "web", r1.ID, &PromoteOptions{Force: true}); err != nil {
			t.Fatalf("forced Promote: %v", err)
		}
		ds, err := deployLog(t, s.Deployments("web", &ListOptions{Limit: 1}))
		if err != nil || len(ds) != 1 {
			t.Fatalf("Deployments: %v, %v", ds, err)
		}
		if !ds[0].Forced || ds[0].To != r1.ID || ds[0].From != r2.ID {
			t.Errorf("forced entry = %+v", ds[0])
		}
	})
}

func TestDeploymentsRefusedPromotionAddsNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		r2 := newRelease(t, s, "web", "second")
		mustPromote(t, s, "web", r2.ID)
		wantErr(t, s.Promote(context.Background(), "web", r1.ID, nil), ErrOlder)
		ds, err := deployLog(t, s.Deployments("web", nil))
		if err != nil || len(ds) != 1 {
			t.Fatalf("Deployments = %v, %v; want one entry", seqs(ds), err)
		}
	})
}

func TestDeploymentsPageWithLimitAndBefore(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		historyWithLog(t, s)
		all, err := deployLog(t, s.Deployments("web", nil))
		if err != nil {
			t.Fatal(err)
		}
		var paged []*Deployment
		before := uint64(0)
		for pages := 0; ; pages++ {
			if pages > 4 {
				t.Fatal("paging does not end")
			}
			page, err := deployLog(t, s.Deployments("web", &ListOptions{Limit: 3, Before: before}))
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			before = page[len(page)-1].Seq
		}
		if !equalSeqs(seqs(paged), seqs(all)) {
			t.Fatalf("paged seqs %v, whole log %v", seqs(paged), seqs(all))
		}
		// A page that starts below the newest entry still knows Until.
		for i := range all {
			if !paged[i].Until.Equal(all[i].Until) {
				t.Errorf("entry %d: paged until %v, listed until %v", all[i].Seq, paged[i].Until, all[i].Until)
			}
		}
		below, err := deployLog(t, s.Deployments("web", &ListOptions{Before: 1}))
		if err != nil || len(below) != 0 {
			t.Errorf("before 1: %v, %v; want nothing", seqs(below), err)
		}
	})
}

func TestDeploymentsOfAppNeverPromotedIsEmpty(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		ds, err := deployLog(t, s.Deployments("web", nil))
		if err != nil || len(ds) != 0 {
			t.Fatalf("Deployments = %v, %v", seqs(ds), err)
		}
	})
}

func TestDeploymentsRefuseBadArguments(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		_, err := deployLog(t, s.Deployments("nope", nil))
		wantErr(t, err, ErrNotFound)
		_, err = deployLog(t, s.Deployments("we\x00b", nil))
		wantErr(t, err, ErrInvalid)
		_, err = deployLog(t, s.Deployments("web", &ListOptions{Limit: -1}))
		wantErr(t, err, ErrInvalid)
		_, err = deployLog(t, s.Deployments("Not A Name", nil))
		wantErr(t, err, ErrInvalid)
	})
}

func TestDeploymentIterAfterCloseIsErrClosed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		historyWithLog(t, s)
		it := s.Deployments("web", nil)
		if !it.Next() {
			t.Fatalf("first step: %v", it.Err())
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
		if it.Next() {
			t.Fatal("Next after Close moved")
		}
		if !errors.Is(it.Err(), ErrClosed) {
			t.Errorf("Err after Close = %v, want ErrClosed", it.Err())
		}
		if err := it.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

func TestDeploymentIterEndsWhenStoreCloses(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		historyWithLog(t, s)
		it := s.Deployments("web", nil)
		if !it.Next() {
			t.Fatal(it.Err())
		}
		s.Close()
		if it.Next() {
			t.Fatal("Next moved on a closed Store")
		}
		if !errors.Is(it.Err(), ErrClosed) {
			t.Errorf("Err = %v, want ErrClosed", it.Err())
		}
		it.Close()
		_, err := deployLog(t, s.Deployments("web", nil))
		wantErr(t, err, ErrClosed)
		_, err = s.DeploymentAt("web", time.Now())
		wantErr(t, err, ErrClosed)
	})
}

func TestDeploymentAtTellsWhatWasLive(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1, r2, _, back := historyWithLog(t, s)
		ds, err := deployLog(t, s.Deployments("web", nil))
		if err != nil {
			t.Fatal(err)
		}
		first, second := ds[3], ds[2]

		d, err := s.DeploymentAt("web", first.Ended)
		if err != nil || d.To != r1.ID || d.Seq != 1 {
			t.Fatalf("at the first's end: %+v, %v", d, err)
		}
		if !d.Until.Equal(second.Ended) {
			t.Errorf("until = %v, want %v", d.Until, second.Ended)
		}
		// Between the second promotion and the rollback, the failed
		// promotion of r3 changed nothing: r2 was live.
		d, err = s.DeploymentAt("web", ds[0].Ended.Add(-time.Nanosecond))
		if err != nil || d.To != r2.ID {
			t.Fatalf("just before the rollback: %+v, %v", d, err)
		}
		d, err = s.DeploymentAt("web", time.Now().Add(time.Hour))
		if err != nil || d.To != back.ID || !d.Live() {
			t.Fatalf("now: %+v, %v", d, err)
		}
	})
}

func TestDeploymentAtBeforeFirstPromotionIsNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		historyWithLog(t, s)
		ds, err := deployLog(t, s.Deployments("web", &ListOptions{Before: 2}))
		if err != nil || len(ds) != 1 {
			t.Fatal(ds, err)
		}
		_, err = s.DeploymentAt("web", ds[0].Ended.Add(-time.Nanosecond))
		wantErr(t, err, ErrNotFound)
		_, err = s.DeploymentAt("web", time.Time{})
		wantErr(t, err, ErrNotFound)
		_, err = s.DeploymentAt("web", time.Unix(0, 0))
		wantErr(t, err, ErrNotFound)
	})
}

func TestDeploymentAtRefusesBadArguments(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		_, err := s.DeploymentAt("web", time.Now())
		wantErr(t, err, ErrNotFound) // never promoted
		_, err = s.DeploymentAt("nope", time.Now())
		wantErr(t, err, ErrNotFound)
		_, err = s.DeploymentAt("web\x00", time.Now())
		wantErr(t, err, ErrInvalid)
		_, err = s.DeploymentAt("web", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
		wantErr(t, err, ErrInvalid)
		_, err = s.DeploymentAt("web", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC))
		wantErr(t, err, ErrInvalid)
		if err != nil && !strings.Contains(err.Error(), "DeploymentAt") {
			t.Errorf("error does not name its method: %v", err)
		}
	})
}

func TestDeploymentsExtremeLimitAndBefore(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		historyWithLog(t, s)
		ds, err := deployLog(t, s.Deployments("web", &ListOptions{Limit: math.MaxInt, Before: math.MaxUint64}))
		if err != nil || !equalSeqs(seqs(ds), []uint64{4, 3, 2, 1}) {
			t.Fatalf("Deployments = %v, %v", seqs(ds), err)
		}
	})
}
