package librelease

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenUnknownSchemeIsUnsupported(t *testing.T) {
	_, err := Open("nosuch:thing")
	wantErr(t, err, ErrUnsupported)
}

func TestOpenURIWithNULIsInvalid(t *testing.T) {
	dir := t.TempDir()
	_, err := Open("file:" + dir + "/a\x00b")
	wantErr(t, err, ErrInvalid)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("something was created: %v", entries)
	}
}

func TestOpenEmptyURIFails(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestOpenNegativeLeaseIsInvalid(t *testing.T) {
	_, err := Open("memory:", WithLease(-time.Second))
	wantErr(t, err, ErrInvalid)
}

func TestOpenInvalidActorIsInvalid(t *testing.T) {
	for _, actor := range []string{"", " padded", "line\nbreak", "nul\x00byte", strings.Repeat("a", ActorMax+1)} {
		_, err := Open("memory:", WithActor(actor))
		wantErr(t, err, ErrInvalid)
	}
}

func TestOpenNilOptionIsIgnored(t *testing.T) {
	mustOpen(t, "memory:", nil)
}

func TestOpenDirectoryNotAStoreIsCorrupt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "FORMAT"), []byte("not a store\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open("file:" + dir)
	wantErr(t, err, ErrCorrupt)
}

func TestCloseTwiceIsFine(t *testing.T) {
	s, err := Open("memory:")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	var nilStore *Store
	if err := nilStore.Close(); err != nil {
		t.Fatalf("Close of a nil Store: %v", err)
	}
}

func TestClosedStoreIsErrClosed(t *testing.T) {
	s, err := Open("memory:")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ctx := context.Background()
	calls := map[string]func() error{
		"CreateApp":   func() error { _, err := s.CreateApp("web"); return err },
		"App":         func() error { _, err := s.App("web"); return err },
		"DeleteApp":   func() error { return s.DeleteApp("web") },
		"Apps":        func() error { return s.Apps().Err() },
		"CreateBuild": func() error { _, err := s.CreateBuild("web", nil); return err },
		"Builds":      func() error { return s.Builds("web", 0).Err() },
		"Releases":    func() error { return s.Releases("web", nil).Err() },
		"SetEnv":      func() error { _, err := s.SetEnv("web", map[string]string{"A": "1"}); return err },
		"Settings":    func() error { _, err := s.Settings("web"); return err },
		"Promote":     func() error { return s.Promote(ctx, "web", "RABCDEFGHI", nil) },
		"Rollback":    func() error { _, err := s.Rollback(ctx, "web", "", nil); return err },
		"Prune":       func() error { _, err := s.Prune("web", 1); return err },
		"Actor":       func() error { _, err := s.Actor(); return err },
		"SetActor":    func() error { return s.SetActor("alice") },
		"ExportBuild": func() error { _, err := s.ExportBuild("web", "BABCDEFGHI"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s on a closed Store: %v", name, err)
		}
	}
}

func TestNilStoreIsErrClosed(t *testing.T) {
	var s *Store
	if _, err := s.App("web"); !errors.Is(err, ErrClosed) {
		t.Errorf("App on a nil Store: %v", err)
	}
	if it := s.Releases("web", nil); it.Next() || !errors.Is(it.Err(), ErrClosed) {
		t.Errorf("Releases on a nil Store: %v", it.Err())
	}
}

func TestReadOnlyStoreWriteIsUnsupported(t *testing.T) {
	s, uri := fileStore(t)
	seedApp(t, s, "web")
	ro := mustOpen(t, uri+"?mode=ro")
	if _, err := ro.App("web"); err != nil {
		t.Fatalf("read through a read-only store: %v", err)
	}
	_, err := ro.CreateApp("api")
	wantErr(t, err, ErrUnsupported)
	_, err = ro.SetEnv("web", map[string]string{"A": "1"})
	wantErr(t, err, ErrUnsupported)
}

func TestReadOnlyMissingStoreIsNotFound(t *testing.T) {
	_, err := Open("file:" + filepath.Join(t.TempDir(), "absent") + "?mode=ro")
	wantErr(t, err, ErrNotFound)
}

func TestActorOptionIsRecorded(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			s := mustOpen(t, k.uri(t), WithActor("alice@example"))
			if got, _ := s.Actor(); got != "alice@example" {
				t.Errorf("Actor() = %q", got)
			}
			r := seedApp(t, s, "web")
			a, _ := s.App("web")
			b, _ := s.Build("web", r.Build)
			if r.Actor != "alice@example" || a.Actor != "alice@example" || b.Actor != "alice@example" {
				t.Errorf("actors: release %q, app %q, build %q", r.Actor, a.Actor, b.Actor)
			}
		})
	}
}

func TestSetActorChangesAndRestoresDefault(t *testing.T) {
	s := mustOpen(t, "memory:")
	def, err := s.Actor()
	if err != nil || def == "" {
		t.Fatalf("default actor %q: %v", def, err)
	}
	if err := s.SetActor("bob"); err != nil {
		t.Fatal(err)
	}
	seedApp(t, s, "web")
	r, _ := s.SetEnv("web", map[string]string{"A": "1"})
	if r.Actor != "bob" {
		t.Errorf("release actor %q", r.Actor)
	}
	wantErr(t, s.SetActor("tab\there"), ErrInvalid)
	if got, _ := s.Actor(); got != "bob" {
		t.Errorf("a refused actor changed it to %q", got)
	}
	if err := s.SetActor(""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Actor(); got != def {
		t.Errorf("SetActor(\"\") gave %q, want the default %q", got, def)
	}
}

func TestVersionIsTheLibrarys(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "1.") {
		t.Errorf("Version() = %q", v)
	}
}

func TestZeroStoreIsClosedNotACrash(t *testing.T) {
	var s Store // not from Open
	ctx := context.Background()
	calls := map[string]func() error{
		"App":      func() error { _, err := s.App("web"); return err },
		"Apps":     func() error { return s.Apps().Err() },
		"Releases": func() error { return s.Releases("web", nil).Err() },
		"Promote":  func() error { return s.Promote(ctx, "web", "RABCDEFGHI", &PromoteOptions{Wait: time.Second}) },
		"SetActor": func() error { return s.SetActor("alice") },
		"Settings": func() error { _, err := s.Settings("web"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s on a zero Store: %v", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close of a zero Store: %v", err)
	}
	var it ReleaseIter // not from Releases
	if it.Next() || it.Close() != nil {
		t.Errorf("a zero iterator: %v", it.Err())
	}
}
