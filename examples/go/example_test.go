package librelease_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"librelease"
)

// newApp opens a memory store with app "web": a build and its release,
// promoted, then an env change, promoted. A real program opens
// "file:/some/dir".
func newApp() *librelease.Store {
	s, err := librelease.Open("memory:", librelease.WithActor("alice"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.CreateApp("web"); err != nil {
		log.Fatal(err)
	}
	b, err := s.CreateBuild("web", &librelease.BuildOptions{
		Description: "build 1a2b3c", Manifest: "image: web:1\nreplicas: 2\n", Status: librelease.BuildComplete,
	})
	if err != nil {
		log.Fatal(err)
	}
	r1, err := s.CreateRelease("web", b.ID)
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Promote(ctx, "web", r1.ID, nil); err != nil {
		log.Fatal(err)
	}
	r2, err := s.SetEnv("web", map[string]string{"MODE": "fast", "TOKEN": "t0ps3cret"})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Promote(ctx, "web", r2.ID, nil); err != nil {
		log.Fatal(err)
	}
	return s
}

// The deployment log: every promotion, rollback and failed promotion,
// newest first.
func ExampleStore_Deployments() {
	s := newApp()
	defer s.Close()
	ctx := context.Background()
	fail := func(context.Context, *librelease.Release, *librelease.Events) error {
		return errors.New("health check failed")
	}
	r3, _ := s.SetEnv("web", map[string]string{"MODE": "faster"})
	err := s.Promote(ctx, "web", r3.ID, &librelease.PromoteOptions{Deploy: fail})
	fmt.Println("promote v3:", errors.Is(err, librelease.ErrDeploy))
	if _, err := s.Rollback(ctx, "web", "", nil); err != nil { // to the release before
		log.Fatal(err)
	}

	it := s.Deployments("web", nil)
	defer it.Close()
	for it.Next() {
		d := it.Deployment()
		status := "ok"
		if !d.Succeeded() {
			status = fmt.Sprintf("failed (%d)", d.Failed)
		}
		fmt.Printf("#%d %s v%d -> v%d by %s: %s, live: %v\n",
			d.Seq, d.Kind, d.FromVersion, d.ToVersion, d.Actor, status, d.Live())
	}
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// promote v3: true
	// #4 rollback v2 -> v4 by alice: ok, live: true
	// #3 promote v2 -> v3 by alice: failed (1), live: false
	// #2 promote v1 -> v2 by alice: ok, live: false
	// #1 promote v0 -> v1 by alice: ok, live: false
}

// What was live at a given time, and until when.
func ExampleStore_DeploymentAt() {
	s := newApp()
	defer s.Close()
	it := s.Deployments("web", &librelease.ListOptions{Before: 2}) // the first entry
	it.Next()
	first := it.Deployment()
	it.Close()

	d, err := s.DeploymentAt("web", first.Ended.Add(time.Nanosecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("v%d, replaced: %v\n", d.ToVersion, !d.Until.IsZero())
	d, _ = s.DeploymentAt("web", time.Now())
	fmt.Printf("v%d, replaced: %v\n", d.ToVersion, !d.Until.IsZero())
	_, err = s.DeploymentAt("web", first.Started.Add(-time.Hour))
	fmt.Println("an hour before:", errors.Is(err, librelease.ErrNotFound))
	// Output:
	// v1, replaced: true
	// v2, replaced: false
	// an hour before: true
}

// What the last change did; the app's mask list hides TOKEN's values.
func ExampleStore_Diff() {
	s := newApp()
	defer s.Close()
	if _, err := s.UpdateSettings("web", librelease.SettingsUpdate{MaskAdd: []string{"TOKEN"}}); err != nil {
		log.Fatal(err)
	}
	d, err := s.Diff("web", "", "", false) // the active release, from the one before it
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range d.Env {
		if c.Hidden {
			fmt.Printf("%s %s (hidden)\n", c.Key, c.Change)
		} else {
			fmt.Printf("%s %s %q\n", c.Key, c.Change, c.New)
		}
	}
	fmt.Println("build changed:", d.BuildChanged())

	first, _ := s.ReleaseByVersion("web", 1)
	d, _ = s.Diff("web", "", first.ID, false)               // the first release: from nothing
	fmt.Println(strings.SplitN(d.Manifest, "\n", 2)[0])     // "+++ " and the id follow
	fmt.Print(d.Manifest[strings.Index(d.Manifest, "@@"):]) // the hunks
	// Output:
	// MODE added "fast"
	// TOKEN added (hidden)
	// build changed: false
	// --- /dev/null
	// @@ -0,0 +1,2 @@
	// +image: web:1
	// +replicas: 2
}

// A Watcher's Wait returns when the app changes, here when another
// goroutine promotes a release, or when its context ends.
func ExampleStore_Watch() {
	s := newApp()
	defer s.Close()
	w, err := s.Watch("web") // what is there now is the baseline
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	fmt.Println("newest version:", w.Newest(), "deployments:", w.Deploy())

	go func() {
		r, _ := s.SetEnv("web", map[string]string{"MODE": "slow"})
		s.Promote(context.Background(), "web", r.ID, nil)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for w.Deploy() < 3 { // a new release, then its promotion
		if err := w.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("newest version:", w.Newest(), "deployments:", w.Deploy())

	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	err = w.Wait(short)
	fmt.Println(errors.Is(err, librelease.ErrTimedOut), errors.Is(err, context.DeadlineExceeded))
	// Output:
	// newest version: 2 deployments: 2
	// newest version: 3 deployments: 3
	// true true
}

// Copying a store exactly: every app with its whole history, ids and
// times included. Running it again copies only what is new.
func ExampleCopyStore() {
	src := newApp()
	defer src.Close()
	dst, err := librelease.Open("memory:") // e.g. "file:/var/lib/deploys"
	if err != nil {
		log.Fatal(err)
	}
	defer dst.Close()
	n, err := librelease.CopyStore(context.Background(), src, dst, librelease.CopyOptions{
		Progress: func(app string, records uint64) error {
			fmt.Printf("copied %s\n", app)
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	a, _ := src.ActiveRelease("web")
	b, _ := dst.ActiveRelease("web")
	fmt.Println("records:", n > 0, "same active release:", a.ID == b.ID)

	n, _ = librelease.CopyStore(context.Background(), src, dst, librelease.CopyOptions{})
	fmt.Println("again:", n)
	// Output:
	// copied web
	// records: true same active release: true
	// again: 0
}
