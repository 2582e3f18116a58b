package librelease

import (
	"testing"
)

func TestAppCreateGetDelete(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		a, err := s.CreateApp("web")
		if err != nil {
			t.Fatal(err)
		}
		if a.Name != "web" || a.Status != AppRunning || a.Active != "" || a.Created.IsZero() {
			t.Errorf("created app %+v", a)
		}
		r := newRelease(t, s, "web", "one")
		mustPromote(t, s, "web", r.ID)
		got, err := s.App("web")
		if err != nil {
			t.Fatal(err)
		}
		if got.Active != r.ID || got.Status.String() != "running" {
			t.Errorf("app after promotion %+v", got)
		}
		if err := s.DeleteApp("web"); err != nil {
			t.Fatal(err)
		}
		_, err = s.App("web")
		wantErr(t, err, ErrNotFound)
	})
}

func TestAppCreateTwiceIsExists(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		if _, err := s.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateApp("web")
		wantErr(t, err, ErrExists)
	})
}

func TestAppMissingIsNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		_, err := s.App("nope")
		wantErr(t, err, ErrNotFound)
		wantErr(t, s.DeleteApp("nope"), ErrNotFound)
	})
}

func TestAppInvalidNameIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	for _, name := range []string{"", "Web", "a_b", "-web", "web\x00x", string(make([]byte, 64))} {
		_, err := s.CreateApp(name)
		wantErr(t, err, ErrInvalid)
		if ValidAppName(name) {
			t.Errorf("ValidAppName(%q) = true", name)
		}
	}
	if !ValidAppName("web-1") {
		t.Error("ValidAppName(\"web-1\") = false")
	}
}

func TestAppsListsInNameOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		for _, n := range []string{"zeta", "alpha", "mid"} {
			if _, err := s.CreateApp(n); err != nil {
				t.Fatal(err)
			}
		}
		it := s.Apps()
		defer it.Close()
		var names []string
		for it.Next() {
			names = append(names, it.App().Name)
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		if len(names) != 3 || names[0] != "alpha" || names[1] != "mid" || names[2] != "zeta" {
			t.Errorf("apps %v", names)
		}
	})
}

func TestAppStatusStrings(t *testing.T) {
	if AppUpdating.String() != "updating" || AppStatus(9).String() != "AppStatus(9)" {
		t.Errorf("%v %v", AppUpdating, AppStatus(9))
	}
}
