package librelease

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// otherKind opens a fresh store of the other kind than uri's: a copy's
// destination, so that every test copies memory to file and file to
// memory.
func otherKind(t *testing.T, uri string) *Store {
	t.Helper()
	if uri == "memory:" {
		s, _ := fileStore(t)
		return s
	}
	return mustOpen(t, "memory:")
}

// fillStore gives s two apps with history of every kind: builds (one
// with a log and no release), env, settings, promotions, a failed one
// and a rollback.
func fillStore(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	api := seedApp(t, s, "api")
	mustPromote(t, s, "api", api.ID)

	r1 := seedApp(t, s, "web")
	mustPromote(t, s, "web", r1.ID)
	if _, err := s.UpdateSettings("web", SettingsUpdate{MaskAdd: []string{"TOKEN"}, Hook: "deploy.sh"}); err != nil {
		t.Fatal(err)
	}
	r2, err := s.SetEnv("web", map[string]string{"TOKEN": "t0ps3cret", "MODE": "fast"})
	if err != nil {
		t.Fatal(err)
	}
	mustPromote(t, s, "web", r2.ID)
	r3 := newRelease(t, s, "web", "broken")
	wantErr(t, s.Promote(ctx, "web", r3.ID, &PromoteOptions{Deploy: failDeploy}), ErrDeploy)
	if _, err := s.Rollback(ctx, "web", r1.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBuild("web", &BuildOptions{Description: "wip", Log: []byte("step 1\nstep 2\n")}); err != nil {
		t.Fatal(err)
	}
}

// appDump is all an app holds, as the binding reads it.
type appDump struct {
	App      *App
	Releases []*Release
	Builds   []*Build
	Deploys  []*Deployment
	Settings *Settings
}

func dumpStore(t *testing.T, s *Store) []appDump {
	t.Helper()
	var out []appDump
	apps := s.Apps()
	defer apps.Close()
	for apps.Next() {
		a := apps.App()
		d := appDump{App: a}
		var err error
		if d.Releases, err = collect(t, s.Releases(a.Name, nil)); err != nil {
			t.Fatal(err)
		}
		bs := s.Builds(a.Name, 0)
		for bs.Next() {
			b, err := s.Build(a.Name, bs.Build().ID) // with its log
			if err != nil {
				t.Fatal(err)
			}
			d.Builds = append(d.Builds, b)
		}
		if err := bs.Err(); err != nil {
			t.Fatal(err)
		}
		bs.Close()
		if d.Deploys, err = deployLog(t, s.Deployments(a.Name, nil)); err != nil {
			t.Fatal(err)
		}
		if d.Settings, err = s.Settings(a.Name); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	if err := apps.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func appNames(t *testing.T, s *Store) []string {
	t.Helper()
	var names []string
	for _, d := range dumpStore(t, s) {
		names = append(names, d.App.Name)
	}
	return names
}

func sameDump(t *testing.T, what string, a, b []appDump) {
	t.Helper()
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s: the stores differ:\n%s\n%s", what, describe(a), describe(b))
	}
}

func describe(d []appDump) string {
	s := ""
	for _, a := range d {
		s += fmt.Sprintf("%+v\n", *a.App)
		for _, r := range a.Releases {
			s += fmt.Sprintf("  %+v\n", *r)
		}
		for _, b := range a.Builds {
			s += fmt.Sprintf("  %+v\n", *b)
		}
		for _, e := range a.Deploys {
			s += fmt.Sprintf("  %+v\n", *e)
		}
		s += fmt.Sprintf("  %+v\n", *a.Settings)
	}
	return s
}

func mustCopy(t *testing.T, src, dst *Store, opts CopyOptions) uint64 {
	t.Helper()
	n, err := CopyStore(context.Background(), src, dst, opts)
	if err != nil {
		t.Fatalf("CopyStore: %v", err)
	}
	return n
}

func TestCopyStoreMemoryToFileToMemoryIsExact(t *testing.T) {
	mem := mustOpen(t, "memory:")
	fillStore(t, mem)
	file, _ := fileStore(t)
	back := mustOpen(t, "memory:")
	if n := mustCopy(t, mem, file, CopyOptions{}); n == 0 {
		t.Fatal("nothing copied")
	}
	if n := mustCopy(t, file, back, CopyOptions{}); n == 0 {
		t.Fatal("nothing copied back")
	}
	want := dumpStore(t, mem)
	if len(want) != 2 || len(want[1].Deploys) != 4 || len(want[1].Builds) != 3 {
		t.Fatalf("the source is not what the test made:\n%s", describe(want))
	}
	sameDump(t, "memory -> file", want, dumpStore(t, file))
	sameDump(t, "file -> memory", want, dumpStore(t, back))
	if n := mustCopy(t, mem, file, CopyOptions{}); n != 0 {
		t.Errorf("a finished copy run again wrote %d records", n)
	}
}

func TestCopyStoreCallsProgressPerApp(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		var apps []string
		var sum uint64
		progress := func(app string, records uint64) error {
			apps = append(apps, app)
			sum += records
			if records == 0 {
				t.Errorf("app %s: 0 records on a first copy", app)
			}
			return nil
		}
		n := mustCopy(t, s, dst, CopyOptions{Progress: progress})
		sort.Strings(apps) // the file store lists apps in no set order
		if !reflect.DeepEqual(apps, []string{"api", "web"}) || sum != n {
			t.Errorf("progress saw %v with %d records; copy returned %d", apps, sum, n)
		}
		apps = nil
		again := mustCopy(t, s, dst, CopyOptions{Progress: func(app string, records uint64) error {
			apps = append(apps, app)
			if records != 0 {
				t.Errorf("app %s up to date, yet %d records", app, records)
			}
			return nil
		}})
		if again != 0 || len(apps) != 2 {
			t.Errorf("second copy: %d records, progress for %v", again, apps)
		}
	})
}

func TestCopyStoreProgressErrorStopsAfterThatApp(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		enough := errors.New("enough for now")
		var first string
		n, err := CopyStore(context.Background(), s, dst, CopyOptions{
			Progress: func(app string, _ uint64) error { first = app; return enough },
		})
		if !errors.Is(err, enough) {
			t.Fatalf("CopyStore = %v, want the progress error", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Op != "CopyStore" {
			t.Errorf("error %v is not a CopyStore *Error", err)
		}
		if names := appNames(t, dst); !reflect.DeepEqual(names, []string{first}) || n == 0 {
			t.Errorf("after stopping: apps %v, %d records", names, n)
		}
		mustCopy(t, s, dst, CopyOptions{}) // running it again finishes it
		sameDump(t, "resumed copy", dumpStore(t, s), dumpStore(t, dst))
	})
}

func TestCopyStoreCancelStopsAfterAnApp(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := CopyStore(ctx, s, dst, CopyOptions{
			Progress: func(string, uint64) error { cancel(); return nil },
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("CopyStore = %v, want context.Canceled", err)
		}
		if names := appNames(t, dst); len(names) != 1 {
			t.Errorf("after the cancellation dst has %v", names)
		}
	})
}

func TestCopyStoreWithDoneContextCopiesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
		defer cancel()
		n, err := CopyStore(ctx, s, dst, CopyOptions{})
		if !errors.Is(err, context.DeadlineExceeded) || n != 0 {
			t.Fatalf("CopyStore = %d, %v", n, err)
		}
		if names := appNames(t, dst); len(names) != 0 {
			t.Errorf("dst has %v", names)
		}
	})
}

func TestCopyStoreOneApp(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		mustCopy(t, s, dst, CopyOptions{App: "web"})
		if names := appNames(t, dst); !reflect.DeepEqual(names, []string{"web"}) {
			t.Errorf("dst has %v", names)
		}
		_, err := CopyStore(context.Background(), s, dst, CopyOptions{App: "nope"})
		wantErr(t, err, ErrNotFound)
		_, err = CopyStore(context.Background(), s, dst, CopyOptions{App: "we\x00b"})
		wantErr(t, err, ErrInvalid)
	})
}

func TestCopyStoreDivergedAppIsConflictUnlessMirror(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		mustCopy(t, s, dst, CopyOptions{})
		hotfix, err := dst.SetEnv("web", map[string]string{"MODE": "hotfix"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = CopyStore(context.Background(), s, dst, CopyOptions{})
		wantErr(t, err, ErrConflict)
		if _, err := dst.Release("web", hotfix.ID); err != nil {
			t.Errorf("the refused copy changed dst: %v", err)
		}
		mustCopy(t, s, dst, CopyOptions{Mirror: true})
		sameDump(t, "mirrored", dumpStore(t, s), dumpStore(t, dst))
	})
}

func TestCopyStoreOtherAppOfSameNameIsExists(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		if _, err := dst.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		var seen []string
		_, err := CopyStore(context.Background(), s, dst, CopyOptions{
			Progress: func(app string, _ uint64) error { seen = append(seen, app); return nil },
		})
		wantErr(t, err, ErrExists)
		if !reflect.DeepEqual(seen, []string{"api"}) {
			t.Errorf("progress saw %v, want the app that was copied", seen)
		}
		if _, err := dst.App("api"); err != nil {
			t.Errorf("the other app was not copied: %v", err)
		}
	})
}

func TestCopyStoreFailedAppThenStopMatchesBoth(t *testing.T) {
	// The memory store lists apps in name order, as this test needs: api
	// fails, web is copied and stops the copy, zoo is not reached.
	s := mustOpen(t, "memory:")
	fillStore(t, s)
	if _, err := s.CreateApp("zoo"); err != nil {
		t.Fatal(err)
	}
	eachStore(t, func(t *testing.T, dst *Store, uri string) {
		if _, err := dst.CreateApp("api"); err != nil { // api fails, web is copied
			t.Fatal(err)
		}
		enough := errors.New("enough")
		_, err := CopyStore(context.Background(), s, dst, CopyOptions{
			Progress: func(string, uint64) error { return enough },
		})
		wantErr(t, err, ErrExists)
		if !errors.Is(err, enough) {
			t.Errorf("error %v does not match the progress error", err)
		}
		if _, err := dst.App("zoo"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the copy went on past the stop: %v", err)
		}
	})
}

func TestCopyStoreToItselfIsInvalid(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		_, err := CopyStore(context.Background(), s, s, CopyOptions{})
		wantErr(t, err, ErrInvalid)
	})
	s, uri := fileStore(t)
	fillStore(t, s)
	_, err := CopyStore(context.Background(), s, mustOpen(t, uri), CopyOptions{})
	wantErr(t, err, ErrInvalid) // two handles on one file store
}

func TestCopyStoreClosedOrNilStoreIsErrClosed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		_, err := CopyStore(context.Background(), s, nil, CopyOptions{})
		wantErr(t, err, ErrClosed)
		_, err = CopyStore(context.Background(), nil, dst, CopyOptions{})
		wantErr(t, err, ErrClosed)
		dst.Close()
		_, err = CopyStore(context.Background(), s, dst, CopyOptions{})
		wantErr(t, err, ErrClosed)
		_, err = CopyStore(context.Background(), dst, s, CopyOptions{})
		wantErr(t, err, ErrClosed)
		if _, err := s.App("web"); err != nil { // the open one was unlocked
			t.Errorf("source after the failed copies: %v", err)
		}
	})
}

func TestCopyStoreOppositeCopiesDoNotDeadlock(t *testing.T) {
	a := mustOpen(t, "memory:")
	b, _ := fileStore(t)
	for _, s := range []*Store{a, b} {
		fillStore(t, s)
	}
	// Apps with some history, so that each copy holds both locks a while.
	for s, app := range map[*Store]string{a: "only-a", b: "only-b"} {
		seedApp(t, s, app)
		for i := 0; i < 20; i++ {
			if _, err := s.SetEnv(app, map[string]string{"N": fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	done := make(chan error, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, dir := range [][2]*Store{{a, b}, {b, a}} {
		src, dst := dir[0], dir[1]
		app := "only-a"
		if src == b {
			app = "only-b"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 100; i++ {
				if _, err := CopyStore(context.Background(), src, dst, CopyOptions{App: app}); err != nil {
					done <- err
					return
				}
			}
		}()
	}
	close(start)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		// The Stores' locks are held for good: the cleanups would hang.
		panic("two opposite copies did not finish in 60s: deadlock")
	}
	close(done)
	for err := range done {
		t.Errorf("copy: %v", err)
	}
}

func TestCopyStoreProgressUsingAStoreIsReentrant(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		for _, use := range []*Store{s, dst} {
			use := use
			_, err := CopyStore(context.Background(), s, dst, CopyOptions{
				Progress: func(app string, _ uint64) error {
					_, err := use.App(app)
					return err
				},
			})
			if !errors.Is(err, ErrReentrant) {
				t.Errorf("CopyStore = %v, want ErrReentrant", err)
			}
		}
	})
}

func TestCopyStorePanicInProgressIsRaisedAfterUnlocking(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		type boom struct{ app string }
		var first string
		func() {
			defer func() {
				if v := recover(); v != (boom{first}) {
					t.Errorf("recovered %v, want boom{%s}", v, first)
				}
			}()
			CopyStore(context.Background(), s, dst, CopyOptions{
				Progress: func(app string, _ uint64) error { first = app; panic(boom{app}) },
			})
			t.Error("CopyStore returned after its progress panicked")
		}()
		if names := appNames(t, dst); !reflect.DeepEqual(names, []string{first}) {
			t.Errorf("after the panic dst has %v", names)
		}
		mustCopy(t, s, dst, CopyOptions{}) // both Stores are usable again
	})
}

func TestCopyStoreGoexitInProgressEndsTheCaller(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		dst := otherKind(t, uri)
		returned := make(chan bool, 1)
		go func() {
			ok := false
			defer func() { returned <- ok }()
			CopyStore(context.Background(), s, dst, CopyOptions{
				Progress: func(string, uint64) error { runtime.Goexit(); return nil },
			})
			ok = true
		}()
		if <-returned {
			t.Fatal("CopyStore returned after its progress called runtime.Goexit")
		}
		if names := appNames(t, dst); len(names) != 1 {
			t.Errorf("the copy went on after the Goexit: dst has %v", names)
		}
		mustCopy(t, s, dst, CopyOptions{}) // both Stores are usable again
	})
}

func TestCopyStoreNilContextIsBackground(t *testing.T) {
	src := mustOpen(t, "memory:")
	fillStore(t, src)
	dst, _ := fileStore(t)
	if _, err := CopyStore(nil, src, dst, CopyOptions{}); err != nil { // documented: Background
		t.Fatal(err)
	}
	sameDump(t, "copy with a nil context", dumpStore(t, src), dumpStore(t, dst))
}

func TestCopyStoreWhileACallbackUsesTheOtherStoreDoesNotDeadlock(t *testing.T) {
	// A deployer of one Store may use another Store; a copy between the
	// two at that moment must not hold the one the deployer waits for
	// while it waits for the one the promotion holds. Either order of
	// the Stores' addresses is tried.
	for _, promoteOnA := range []bool{true, false} {
		a := mustOpen(t, "memory:")
		b, _ := fileStore(t)
		ps, other := a, b
		if !promoteOnA {
			ps, other = b, a
		}
		fillStore(t, other)
		mustPromote(t, ps, "api", seedApp(t, ps, "api").ID)
		r := newRelease(t, ps, "api", "next")
		holding, goOn := make(chan struct{}), make(chan struct{})
		results := make(chan error, 2)
		go func() {
			results <- ps.Promote(context.Background(), "api", r.ID, &PromoteOptions{
				Deploy: func(context.Context, *Release, *Events) error {
					close(holding)
					<-goOn
					_, err := other.App("web")
					return err
				},
			})
		}()
		<-holding
		go func() {
			_, err := CopyStore(context.Background(), other, ps, CopyOptions{App: "web", Mirror: true})
			results <- err
		}()
		time.Sleep(100 * time.Millisecond) // the copy waits for the Store the promotion holds
		close(goOn)
		for i := 0; i < 2; i++ {
			select {
			case err := <-results:
				if err != nil {
					t.Errorf("promote on a: %v: %v", promoteOnA, err)
				}
			case <-time.After(30 * time.Second):
				panic("a copy and a deployer using the other Store deadlocked")
			}
		}
	}
}

func TestCopyStoreCloseDuringACopyWaitsForIt(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, uri string) {
		fillStore(t, s)
		for _, closing := range []string{"src", "dst"} {
			src, dst := s, otherKind(t, uri)
			if closing == "src" {
				src = mustOpen(t, "memory:")
				fillStore(t, src)
			}
			victim := map[string]*Store{"src": src, "dst": dst}[closing]
			closed := make(chan error, 1)
			var once sync.Once
			n, err := CopyStore(context.Background(), src, dst, CopyOptions{
				Progress: func(string, uint64) error {
					once.Do(func() {
						go func() { closed <- victim.Close() }()
						select {
						case err := <-closed:
							t.Errorf("%s closed during the copy: %v", closing, err)
							closed <- err
						case <-time.After(100 * time.Millisecond):
						}
					})
					return nil
				},
			})
			if err != nil || n == 0 {
				t.Errorf("closing %s: CopyStore = %d, %v", closing, n, err)
			}
			if err := <-closed; err != nil {
				t.Error(err)
			}
			_, err = CopyStore(context.Background(), src, dst, CopyOptions{})
			wantErr(t, err, ErrClosed)
		}
	})
}

func TestCopyStoreStoppedByItsContextDoesNotBlameProgress(t *testing.T) {
	s := mustOpen(t, "memory:")
	fillStore(t, s)
	dst := mustOpen(t, "memory:")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := CopyStore(ctx, s, dst, CopyOptions{
		Progress: func(string, uint64) error { cancel(); return nil },
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CopyStore = %v", err)
	}
	if msg := err.Error(); strings.Contains(strings.ToLower(msg), "progress") || !strings.Contains(msg, `after app "api"`) {
		t.Errorf("message %q: the context stopped the copy, after app api", msg)
	}
}

func TestCopyStoreContextEndsItsWaitForABusyStore(t *testing.T) {
	src := mustOpen(t, "memory:")
	fillStore(t, src)
	dst, _ := fileStore(t)
	r1 := seedApp(t, dst, "other")
	held, release := make(chan struct{}), make(chan struct{})
	var freed sync.Once
	free := func() { freed.Do(func() { close(release) }) }
	defer free()
	promoted := make(chan error, 1)
	go func() { // holds dst for as long as its deployer runs
		promoted <- dst.Promote(context.Background(), "other", r1.ID, &PromoteOptions{
			Deploy: func(context.Context, *Release, *Events) error { close(held); <-release; return nil },
		})
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := CopyStore(ctx, src, dst, CopyOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("CopyStore = %v, want context.DeadlineExceeded", err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("a 100ms deadline ended the copy's wait after %v", took)
		}
	case <-time.After(2 * time.Second):
		t.Errorf("the copy waited for the busy Store past its context")
		defer func() { <-done }()
	}
	free()
	if err := <-promoted; err != nil {
		t.Fatal(err)
	}
}
