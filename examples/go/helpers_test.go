package librelease

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// storeKinds are the stores every behaviour that does not depend on one is
// tested on: the memory store and a file store in a fresh directory.
var storeKinds = []struct {
	name string
	uri  func(t *testing.T) string
}{
	{"memory", func(*testing.T) string { return "memory:" }},
	{"file", func(t *testing.T) string { return "file:" + filepath.Join(t.TempDir(), "store") }},
}

// eachStore runs f as a subtest on a fresh store of each kind; uri opens
// another handle on the same store (for the memory store, a new store).
func eachStore(t *testing.T, f func(t *testing.T, s *Store, uri string)) {
	t.Helper()
	for _, k := range storeKinds {
		k := k
		t.Run(k.name, func(t *testing.T) {
			uri := k.uri(t)
			f(t, mustOpen(t, uri), uri)
		})
	}
}

// fileStore opens a fresh file store; the URI opens it again.
func fileStore(t *testing.T) (*Store, string) {
	t.Helper()
	uri := "file:" + filepath.Join(t.TempDir(), "store")
	return mustOpen(t, uri), uri
}

func mustOpen(t *testing.T, uri string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(uri, opts...)
	if err != nil {
		t.Fatalf("Open(%q): %v", uri, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seedApp creates app with a complete build and its release (version 1).
func seedApp(t *testing.T, s *Store, app string) *Release {
	t.Helper()
	if _, err := s.CreateApp(app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	return newRelease(t, s, app, "build of "+app)
}

// newRelease makes a complete build of app and its release.
func newRelease(t *testing.T, s *Store, app, description string) *Release {
	t.Helper()
	b, err := s.CreateBuild(app, &BuildOptions{Description: description, Manifest: "manifest: " + description, Status: BuildComplete})
	if err != nil {
		t.Fatalf("CreateBuild: %v", err)
	}
	r, err := s.CreateRelease(app, b.ID)
	if err != nil {
		t.Fatalf("CreateRelease: %v", err)
	}
	return r
}

func mustPromote(t *testing.T, s *Store, app, id string) {
	t.Helper()
	if err := s.Promote(context.Background(), app, id, nil); err != nil {
		t.Fatalf("Promote(%s): %v", id, err)
	}
}

// wantErr fails unless err matches want with errors.Is and is an *Error.
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one matching %v", err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
}

func mustActive(t *testing.T, s *Store, app string) *Release {
	t.Helper()
	r, err := s.ActiveRelease(app)
	if err != nil {
		t.Fatalf("ActiveRelease: %v", err)
	}
	return r
}

// collect drains a release iterator.
func collect(t *testing.T, it *ReleaseIter) ([]*Release, error) {
	t.Helper()
	defer it.Close()
	var out []*Release
	for it.Next() {
		out = append(out, it.Release())
	}
	return out, it.Err()
}

func versions(rs []*Release) []uint64 {
	v := make([]uint64, len(rs))
	for i, r := range rs {
		v[i] = r.Version
	}
	return v
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
