package librelease

import (
	"strings"
	"testing"
)

// envHistory makes web's releases: r1 (a build, no env), r2 (A, B and
// the masked S set), r3 (A changed, B removed, S changed, C added).
func envHistory(t *testing.T, s *Store) (r1, r2, r3 *Release) {
	t.Helper()
	r1 = seedApp(t, s, "web")
	if _, err := s.UpdateSettings("web", SettingsUpdate{MaskAdd: []string{"S"}}); err != nil {
		t.Fatal(err)
	}
	r2, err := s.SetEnv("web", map[string]string{"A": "1", "B": "2", "S": "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	r3, err = s.ChangeEnv("web", &EnvOptions{
		Set:   map[string]string{"A": "9", "S": "swordfish", "C": ""},
		Unset: []string{"B"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r1, r2, r3
}

func mustDiff(t *testing.T, s *Store, from, to string, reveal bool) *Diff {
	t.Helper()
	d, err := s.Diff("web", from, to, reveal)
	if err != nil {
		t.Fatalf("Diff(%q, %q): %v", from, to, err)
	}
	return d
}

func TestDiffTellsEnvAddedRemovedChanged(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		_, r2, r3 := envHistory(t, s)
		d := mustDiff(t, s, r2.ID, r3.ID, true)
		want := []EnvChange{
			{Key: "A", Change: EnvChanged, Old: "1", New: "9"},
			{Key: "B", Change: EnvRemoved, Old: "2"},
			{Key: "C", Change: EnvAdded, New: ""},
			{Key: "S", Change: EnvChanged, Masked: true, Old: "hunter2", New: "swordfish"},
		}
		if len(d.Env) != len(want) {
			t.Fatalf("env = %+v, want %+v", d.Env, want)
		}
		for i := range want {
			if d.Env[i] != want[i] {
				t.Errorf("env[%d] = %+v, want %+v", i, d.Env[i], want[i])
			}
		}
		if d.App != "web" || d.From != r2.ID || d.To != r3.ID {
			t.Errorf("compared %s %s -> %s", d.App, d.From, d.To)
		}
		if d.BuildChanged() || d.BuildOld != r2.Build || d.Manifest != "" || !d.Changed() {
			t.Errorf("diff = %+v", d)
		}
		if !d.DescriptionChanged {
			t.Error("an env change's description did not change")
		}
	})
}

func TestDiffHidesMaskedValuesUnlessRevealed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		_, r2, r3 := envHistory(t, s)
		d := mustDiff(t, s, r2.ID, r3.ID, false)
		for _, c := range d.Env {
			switch c.Key {
			case "S":
				if !c.Masked || !c.Hidden || c.Old != "" || c.New != "" || c.Change != EnvChanged {
					t.Errorf("masked key shown: %+v", c)
				}
			default:
				if c.Masked || c.Hidden {
					t.Errorf("unmasked key hidden: %+v", c)
				}
			}
		}
		if strings.Contains(d.Manifest, "hunter2") {
			t.Error("secret in the manifest diff")
		}
	})
}

func TestDiffOfFirstReleaseIsFromNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1 := seedApp(t, s, "web")
		d := mustDiff(t, s, "", r1.ID, false)
		if d.From != "" || d.To != r1.ID || d.BuildOld != "" || d.BuildNew != r1.Build || !d.BuildChanged() {
			t.Errorf("diff = %+v", d)
		}
		if !strings.HasPrefix(d.Manifest, "--- /dev/null\n") || !strings.Contains(d.Manifest, "+manifest: build of web") {
			t.Errorf("manifest diff = %q", d.Manifest)
		}
		if len(d.Env) != 0 {
			t.Errorf("env = %+v", d.Env)
		}
	})
}

func TestDiffOfFirstReleaseAddsEveryKey(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		if _, err := s.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		r, err := s.SetEnv("web", map[string]string{"X": "1", "Y": "2"})
		if err != nil {
			t.Fatal(err)
		}
		d := mustDiff(t, s, "", r.ID, false)
		if len(d.Env) != 2 || d.Env[0].Change != EnvAdded || d.Env[1].Change != EnvAdded ||
			d.Env[0].Key != "X" || d.Env[1].New != "2" {
			t.Errorf("env = %+v", d.Env)
		}
	})
}

func TestDiffManifestIsUnified(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		if _, err := s.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		mk := func(manifest, description string) *Release {
			b, err := s.CreateBuild("web", &BuildOptions{Manifest: manifest, Description: description, Status: BuildComplete})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.CreateRelease("web", b.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		a := mk("one\ntwo\nthree\n", "first")
		b := mk("one\nTWO\nthree\nfour", "second")
		d := mustDiff(t, s, a.ID, b.ID, false)
		want := "--- " + a.ID + "\n+++ " + b.ID + "\n@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n three\n+four\n\\ No newline at end of file\n"
		if d.Manifest != want {
			t.Errorf("manifest diff =\n%s\nwant\n%s", d.Manifest, want)
		}
		if !d.BuildChanged() || d.BuildOld != a.Build || d.BuildNew != b.Build || !d.DescriptionChanged {
			t.Errorf("diff = %+v", d)
		}
	})
}

func TestDiffDefaultsToActiveAndItsPredecessor(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		_, r2, r3 := envHistory(t, s)
		_, err := s.Diff("web", "", "", false)
		wantErr(t, err, ErrNotFound) // no active release yet
		mustPromote(t, s, "web", r3.ID)
		d := mustDiff(t, s, "", "", false)
		if d.From != r2.ID || d.To != r3.ID {
			t.Errorf("compared %s -> %s, want %s -> %s", d.From, d.To, r2.ID, r3.ID)
		}
	})
}

func TestDiffOfReleaseWithItselfIsEmpty(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		_, r2, _ := envHistory(t, s)
		d := mustDiff(t, s, r2.ID, r2.ID, true)
		if d.Changed() || len(d.Env) != 0 || d.DescriptionChanged {
			t.Errorf("diff = %+v", d)
		}
	})
}

func TestDiffRefusesBadArguments(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		r1, r2, _ := envHistory(t, s)
		for _, c := range []struct {
			app, from, to string
			want          error
		}{
			{"web", "R\x00", r2.ID, ErrInvalid},
			{"web", r1.ID, "\x00", ErrInvalid},
			{"w\x00eb", r1.ID, r2.ID, ErrInvalid},
			{"web", r1.ID, "RNOSUCHREL", ErrNotFound},
			{"nope", r1.ID, r2.ID, ErrNotFound},
			{"web", "not an id", r2.ID, ErrInvalid},
		} {
			_, err := s.Diff(c.app, c.from, c.to, false)
			wantErr(t, err, c.want)
		}
		s.Close()
		_, err := s.Diff("web", r1.ID, r2.ID, false)
		wantErr(t, err, ErrClosed)
	})
}

func TestEnvChangeKindStrings(t *testing.T) {
	for k, want := range map[EnvChangeKind]string{
		EnvAdded: "added", EnvRemoved: "removed", EnvChanged: "changed", 0: "EnvChangeKind(0)",
	} {
		if k.String() != want {
			t.Errorf("%d: %q, want %q", int(k), k.String(), want)
		}
	}
}

func TestDiffEmptyValueIsNotHidden(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		seedApp(t, s, "web")
		if _, err := s.UpdateSettings("web", SettingsUpdate{MaskAdd: []string{"S"}}); err != nil {
			t.Fatal(err)
		}
		r2, err := s.SetEnv("web", map[string]string{"E": "", "S": ""})
		if err != nil {
			t.Fatal(err)
		}
		r3, err := s.SetEnv("web", map[string]string{"E": "x", "S": "y"})
		if err != nil {
			t.Fatal(err)
		}
		for _, reveal := range []bool{false, true} {
			d := mustDiff(t, s, r2.ID, r3.ID, reveal)
			if len(d.Env) != 2 {
				t.Fatalf("env = %+v", d.Env)
			}
			e, m := d.Env[0], d.Env[1]
			if e.Key != "E" || e.Hidden || e.Masked || e.Old != "" || e.New != "x" {
				t.Errorf("reveal %v: %+v", reveal, e)
			}
			if m.Key != "S" || !m.Masked || m.Hidden == reveal || (reveal && (m.Old != "" || m.New != "y")) {
				t.Errorf("reveal %v: %+v", reveal, m)
			}
		}
	})
}
