package librelease

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestReleaseFromCompleteBuild(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		if r.Version != 1 || r.App != "web" || r.Build == "" || r.Description != "build of web" ||
			r.Manifest != "manifest: build of web" || r.Created.IsZero() || r.Active || len(r.Env) != 0 {
			t.Errorf("release %+v", r)
		}
		got, err := s.Release("web", r.ID)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("Release() = %+v, %v; want %+v", got, err, r)
		}
	})
}

func TestReleaseFromIncompleteBuildIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	s.CreateApp("web")
	b, _ := s.CreateBuild("web", &BuildOptions{Status: BuildRunning})
	_, err := s.CreateRelease("web", b.ID)
	wantErr(t, err, ErrInvalid)
}

func TestReleaseOfAnotherAppIsNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		seedApp(t, s, "api")
		_, err := s.Release("api", r.ID)
		wantErr(t, err, ErrNotFound)
	})
}

func TestEnvSetUnsetAndChange(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		seedApp(t, s, "web")
		r, err := s.SetEnv("web", map[string]string{"B": "2", "A": "1", "EMPTY": ""})
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != 2 || r.Description != "env add:A add:B add:EMPTY" ||
			!reflect.DeepEqual(r.Env, map[string]string{"A": "1", "B": "2", "EMPTY": ""}) {
			t.Errorf("after SetEnv %+v", r)
		}
		if got := r.EnvKeys(); !reflect.DeepEqual(got, []string{"A", "B", "EMPTY"}) {
			t.Errorf("EnvKeys %v", got)
		}
		r, err = s.UnsetEnv("web", "B", "ABSENT")
		if err != nil || r.Description != "env remove:B" || len(r.Env) != 2 {
			t.Fatalf("after UnsetEnv %+v: %v", r, err)
		}
		r, err = s.ChangeEnv("web", &EnvOptions{Set: map[string]string{"A": "9"}, Unset: []string{"EMPTY"}})
		if err != nil || r.Description != "env change:A remove:EMPTY" || !reflect.DeepEqual(r.Env, map[string]string{"A": "9"}) {
			t.Fatalf("after ChangeEnv %+v: %v", r, err)
		}
	})
}

func TestEnvChangeThatChangesNothingIsNil(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		seedApp(t, s, "web")
		s.SetEnv("web", map[string]string{"A": "1"})
		for name, call := range map[string]func() (*Release, error){
			"SetEnv same":   func() (*Release, error) { return s.SetEnv("web", map[string]string{"A": "1"}) },
			"SetEnv nil":    func() (*Release, error) { return s.SetEnv("web", nil) },
			"UnsetEnv none": func() (*Release, error) { return s.UnsetEnv("web") },
			"ChangeEnv nil": func() (*Release, error) { return s.ChangeEnv("web", nil) },
		} {
			r, err := call()
			if r != nil || err != nil {
				t.Errorf("%s: %+v, %v", name, r, err)
			}
		}
		if r, _ := s.ReleaseByVersion("web", 3); r != nil {
			t.Errorf("a release was written: %+v", r)
		}
	})
}

func TestEnvKeyHoldingEqualsIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	seedApp(t, s, "web")
	for _, key := range []string{"A=B", "", "=", "1A", "A B"} {
		_, err := s.SetEnv("web", map[string]string{key: "x"})
		wantErr(t, err, ErrInvalid)
	}
	if r, _ := s.ReleaseByVersion("web", 2); r != nil {
		t.Errorf("a release was written: %+v", r)
	}
}

func TestEnvValueHoldingNULIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	seedApp(t, s, "web")
	_, err := s.SetEnv("web", map[string]string{"A": "before\x00after"})
	wantErr(t, err, ErrInvalid)
	_, err = s.UnsetEnv("web", "A\x00")
	wantErr(t, err, ErrInvalid)
}

func TestEnvKeySetAndUnsetIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	seedApp(t, s, "web")
	_, err := s.ChangeEnv("web", &EnvOptions{Set: map[string]string{"A": "1"}, Unset: []string{"A"}})
	wantErr(t, err, ErrInvalid)
}

func TestEnvChangeReplaceOnBase(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		seedApp(t, s, "web")
		base, _ := s.SetEnv("web", map[string]string{"A": "1", "B": "2"})
		s.SetEnv("web", map[string]string{"BAD": "1"})
		r, err := s.ChangeEnv("web", &EnvOptions{Base: base.ID, Set: map[string]string{"C": "3"}, Replace: true})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r.Env, map[string]string{"C": "3"}) || r.Version != 4 {
			t.Errorf("replaced on base %+v", r)
		}
		_, err = s.ChangeEnv("web", &EnvOptions{Base: "RNOSUCHREL", Set: map[string]string{"C": "4"}})
		wantErr(t, err, ErrNotFound)
	})
}

func TestCreateReleaseFromTwoReleases(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		first := seedApp(t, s, "web")
		withEnv, _ := s.SetEnv("web", map[string]string{"A": "1"})
		second := newRelease(t, s, "web", "second")
		mustPromote(t, s, "web", second.ID)
		r, err := s.CreateReleaseFrom("web", &CreateFromOptions{BuildFrom: first.ID, EnvFrom: withEnv.ID})
		if err != nil {
			t.Fatal(err)
		}
		if r.Build != first.Build || r.Env["A"] != "1" {
			t.Errorf("created from %+v", r)
		}
		r, err = s.CreateReleaseFrom("web", nil)
		if err != nil || r.Build != second.Build {
			t.Errorf("created from the active release %+v: %v", r, err)
		}
	})
}

func TestCreateReleaseFromWithoutActiveIsNotFound(t *testing.T) {
	s := mustOpen(t, "memory:")
	seedApp(t, s, "web")
	_, err := s.CreateReleaseFrom("web", nil)
	wantErr(t, err, ErrNotFound)
}

func TestReleaseByVersionAndActive(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		r := seedApp(t, s, "web")
		_, err := s.ActiveRelease("web")
		wantErr(t, err, ErrNotFound)
		mustPromote(t, s, "web", r.ID)
		a := mustActive(t, s, "web")
		if a.ID != r.ID || !a.Active || a.Promoted.IsZero() {
			t.Errorf("active %+v", a)
		}
		v, err := s.ReleaseByVersion("web", 1)
		if err != nil || v.ID != r.ID {
			t.Errorf("version 1: %+v, %v", v, err)
		}
		for _, version := range []uint64{0, 2, math.MaxUint64} {
			_, err := s.ReleaseByVersion("web", version)
			if !errorsIsAny(err, ErrNotFound, ErrInvalid) {
				t.Errorf("version %d: %v", version, err)
			}
		}
	})
}

// makeHistory gives app releases 1..n.
func makeHistory(t *testing.T, s *Store, app string, n int) {
	t.Helper()
	seedApp(t, s, app)
	for i := 2; i <= n; i++ {
		if _, err := s.SetEnv(app, map[string]string{"N": itoa(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReleasesPageByLimitAndBefore(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		makeHistory(t, s, "web", 7)
		var pages [][]uint64
		before := uint64(0)
		for {
			rs, err := collect(t, s.Releases("web", &ListOptions{Limit: 3, Before: before}))
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 {
				break
			}
			pages = append(pages, versions(rs))
			before = rs[len(rs)-1].Version
		}
		want := [][]uint64{{7, 6, 5}, {4, 3, 2}, {1}}
		if !reflect.DeepEqual(pages, want) {
			t.Errorf("pages %v, want %v", pages, want)
		}
	})
}

func TestReleasesExtremeLimitAndBefore(t *testing.T) {
	s := mustOpen(t, "memory:")
	makeHistory(t, s, "web", 3)
	rs, err := collect(t, s.Releases("web", &ListOptions{Limit: math.MaxInt, Before: math.MaxUint64}))
	if err != nil || !reflect.DeepEqual(versions(rs), []uint64{3, 2, 1}) {
		t.Errorf("%v, %v", versions(rs), err)
	}
	rs, err = collect(t, s.Releases("web", &ListOptions{Before: 1}))
	if err != nil || len(rs) != 0 {
		t.Errorf("before 1: %v, %v", versions(rs), err)
	}
	_, err = collect(t, s.Releases("web", &ListOptions{Limit: -1}))
	wantErr(t, err, ErrInvalid)
}

func TestReleasesOfMissingAppIsNotFound(t *testing.T) {
	s := mustOpen(t, "memory:")
	_, err := collect(t, s.Releases("nope", nil))
	wantErr(t, err, ErrNotFound)
}

func TestReleasesCloseEarly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		makeHistory(t, s, "web", 5)
		it := s.Releases("web", nil)
		if !it.Next() || it.Release().Version != 5 {
			t.Fatalf("first %+v: %v", it.Release(), it.Err())
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
		if err := it.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if len(s.res) != 0 {
			t.Errorf("%d C iterators still tracked", len(s.res))
		}
		// The store goes on working.
		if _, err := s.SetEnv("web", map[string]string{"X": "1"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIteratorAfterCloseIsErrClosed(t *testing.T) {
	s := mustOpen(t, "memory:")
	makeHistory(t, s, "web", 3)
	it := s.Releases("web", nil)
	it.Next()
	it.Close()
	if it.Next() || !errors.Is(it.Err(), ErrClosed) || it.Release() != nil {
		t.Errorf("Next after Close: %v", it.Err())
	}
}

func TestIteratorAfterStoreCloseIsErrClosed(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			s := mustOpen(t, k.uri(t))
			makeHistory(t, s, "web", 3)
			its := []interface {
				Next() bool
				Err() error
				Close() error
			}{s.Releases("web", nil), s.Builds("web", 0), s.Apps()}
			for _, it := range its {
				it.Next()
			}
			s.Close()
			for _, it := range its {
				if it.Next() || !errors.Is(it.Err(), ErrClosed) {
					t.Errorf("%T after the Store's Close: %v", it, it.Err())
				}
				if err := it.Close(); err != nil {
					t.Errorf("%T Close after the Store's Close: %v", it, err)
				}
			}
		})
	}
}

func TestIteratorExhaustedThenClosedKeepsNilErr(t *testing.T) {
	s := mustOpen(t, "memory:")
	makeHistory(t, s, "web", 2)
	it := s.Releases("web", nil)
	for it.Next() {
	}
	it.Close()
	if it.Next() || it.Err() != nil {
		t.Errorf("after the end and Close: %v", it.Err())
	}
}

func TestPruneKeepsActiveAndPrevious(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		makeHistory(t, s, "web", 6)
		prev, _ := s.ReleaseByVersion("web", 4)
		mustPromote(t, s, "web", prev.ID)
		act, _ := s.ReleaseByVersion("web", 5)
		mustPromote(t, s, "web", act.ID)
		removed, err := s.Prune("web", 1)
		if err != nil {
			t.Fatal(err)
		}
		rs, _ := collect(t, s.Releases("web", nil))
		if removed != 2 || !reflect.DeepEqual(versions(rs), []uint64{6, 5, 4, 3}) {
			t.Errorf("removed %d, left %v", removed, versions(rs))
		}
		_, err = s.Prune("web", -1)
		wantErr(t, err, ErrInvalid)
	})
}

func TestIteratorCloseRefusedInsideACallbackCanBeDoneAfter(t *testing.T) {
	s := mustOpen(t, "memory:")
	r := seedApp(t, s, "web")
	it := s.Releases("web", nil)
	var inside error
	err := s.Promote(context.Background(), "web", r.ID, &PromoteOptions{
		Deploy: func(context.Context, *Release, *Events) error { inside = it.Close(); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inside, ErrReentrant) {
		t.Fatalf("Close inside the deployer: %v", inside)
	}
	// The refused Close freed nothing: a Close afterwards does.
	if err := it.Close(); err != nil {
		t.Fatalf("Close after the promotion: %v", err)
	}
	if len(s.res) != 0 {
		t.Errorf("%d C iterators still held after Close", len(s.res))
	}
}
