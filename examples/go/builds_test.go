package librelease

import (
	"bytes"
	"testing"
)

func TestBuildCreateAndGet(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		if _, err := s.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		b, err := s.CreateBuild("web", &BuildOptions{Description: "build 1", Manifest: "image: web:1", Status: BuildRunning})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Build("web", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != b.ID || got.App != "web" || got.Description != "build 1" || got.Manifest != "image: web:1" ||
			got.Status != BuildRunning || got.Started.IsZero() || !got.Ended.IsZero() || got.Release != "" {
			t.Errorf("build %+v", got)
		}
		if got.Status.String() != "running" {
			t.Errorf("status %q", got.Status)
		}
	})
}

func TestBuildNilOptionsIsCreatedBuild(t *testing.T) {
	s := mustOpen(t, "memory:")
	s.CreateApp("web")
	b, err := s.CreateBuild("web", nil)
	if err != nil || b.Status != BuildCreated {
		t.Fatalf("build %+v: %v", b, err)
	}
}

func TestBuildCompleteMakesReleaseOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		s.CreateApp("web")
		b, _ := s.CreateBuild("web", &BuildOptions{Status: BuildRunning})
		r1, err := s.CompleteBuild("web", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := s.CompleteBuild("web", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r1.ID != r2.ID || r1.Build != b.ID {
			t.Errorf("releases %s and %s of build %s", r1.ID, r2.ID, b.ID)
		}
		got, _ := s.Build("web", b.ID)
		if got.Status != BuildComplete || got.Ended.IsZero() || got.Release != r1.ID {
			t.Errorf("build after completion %+v", got)
		}
	})
}

func TestBuildFinalStatusChangeIsInvalid(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		s.CreateApp("web")
		b, _ := s.CreateBuild("web", nil)
		if _, err := s.SetBuildStatus("web", b.ID, BuildFailed); err != nil {
			t.Fatal(err)
		}
		_, err := s.SetBuildStatus("web", b.ID, BuildRunning)
		wantErr(t, err, ErrInvalid)
		_, err = s.CompleteBuild("web", b.ID)
		wantErr(t, err, ErrInvalid)
	})
}

func TestBuildUnknownStatusIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	s.CreateApp("web")
	for _, st := range []BuildStatus{42, -1, 1<<32 + BuildComplete} {
		_, err := s.CreateBuild("web", &BuildOptions{Status: st})
		wantErr(t, err, ErrInvalid)
	}
	b, _ := s.CreateBuild("web", &BuildOptions{Status: BuildRunning})
	_, err := s.SetBuildStatus("web", b.ID, 1<<32+BuildComplete)
	wantErr(t, err, ErrInvalid)
	if BuildStatus(42).String() != "BuildStatus(42)" {
		t.Error(BuildStatus(42).String())
	}
}

func TestBuildLogAppendAndListingOmitsIt(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		s.CreateApp("web")
		b, _ := s.CreateBuild("web", &BuildOptions{Status: BuildRunning, Log: []byte("line 1\n")})
		if _, err := s.AppendBuildLog("web", b.ID, []byte("line\x002\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendBuildLog("web", b.ID, nil); err != nil {
			t.Fatalf("empty append: %v", err)
		}
		got, _ := s.Build("web", b.ID)
		if !bytes.Equal(got.Log, []byte("line 1\nline\x002\n")) || got.LogOmitted {
			t.Errorf("log %q omitted %v", got.Log, got.LogOmitted)
		}
		it := s.Builds("web", 0)
		defer it.Close()
		if !it.Next() || !it.Build().LogOmitted || it.Build().Log != nil {
			t.Errorf("listed build %+v, %v", it.Build(), it.Err())
		}
	})
}

func TestBuildLogPastMaxIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	s.CreateApp("web")
	b, _ := s.CreateBuild("web", &BuildOptions{Status: BuildRunning})
	_, err := s.AppendBuildLog("web", b.ID, make([]byte, BuildLogMax+1))
	wantErr(t, err, ErrInvalid)
	_, err = s.CreateBuild("web", &BuildOptions{Log: make([]byte, BuildLogMax+1)})
	wantErr(t, err, ErrInvalid)
}

func TestBuildExportImportAcrossStores(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		s.CreateApp("web")
		b, _ := s.CreateBuild("web", &BuildOptions{Description: "exported", Manifest: "m", Status: BuildComplete, Log: []byte("log")})
		data, err := s.ExportBuild("web", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		dst := mustOpen(t, "memory:")
		dst.CreateApp("api")
		nb, err := dst.ImportBuild("api", data)
		if err != nil {
			t.Fatal(err)
		}
		if nb.ID == b.ID || nb.App != "api" || nb.Description != "exported" || string(nb.Log) != "log" || nb.Release == "" {
			t.Errorf("imported %+v", nb)
		}
	})
}

func TestBuildExportOfRunningBuildIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	s.CreateApp("web")
	b, _ := s.CreateBuild("web", &BuildOptions{Status: BuildRunning})
	_, err := s.ExportBuild("web", b.ID)
	wantErr(t, err, ErrInvalid)
}

func TestBuildImportOfAlteredBytesIsCorrupt(t *testing.T) {
	s := mustOpen(t, "memory:")
	s.CreateApp("web")
	b, _ := s.CreateBuild("web", &BuildOptions{Description: "d", Status: BuildComplete})
	data, _ := s.ExportBuild("web", b.ID)
	for name, bad := range map[string][]byte{
		"flipped":   append(append([]byte(nil), data[:len(data)/2]...), append([]byte{data[len(data)/2] ^ 1}, data[len(data)/2+1:]...)...),
		"truncated": data[:len(data)-1],
		"empty":     nil,
	} {
		_, err := s.ImportBuild("web", bad)
		if name == "empty" && errorsIsAny(err, ErrInvalid) {
			continue
		}
		wantErr(t, err, ErrCorrupt)
	}
}

func TestBuildsLimitAndNegativeLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		s.CreateApp("web")
		for i := 0; i < 5; i++ {
			s.CreateBuild("web", nil)
		}
		it := s.Builds("web", 2)
		n := 0
		for it.Next() {
			n++
		}
		if n != 2 || it.Err() != nil {
			t.Errorf("%d builds with limit 2: %v", n, it.Err())
		}
		neg := s.Builds("web", -1)
		if neg.Next() {
			t.Error("negative limit yielded a build")
		}
		wantErr(t, neg.Err(), ErrInvalid)
	})
}
