package main

import (
	"bytes"
	"context"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"librelease"
)

// testAgent is an agent on its own Store handle, as another process's
// would be, logging to log.
type testAgent struct {
	*agent
	log *bytes.Buffer
}

func newTestAgent(t *testing.T, uri, app, command string) *testAgent {
	t.Helper()
	s, err := librelease.Open(uri, librelease.WithActor("agent"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w, err := s.Watch(app)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	return &testAgent{&agent{s: s, w: w, app: app, exec: command, logger: log.New(&buf, "", 0)}, &buf}
}

// seed creates app in the store at uri with one release, never promoted.
func seed(t *testing.T, uri, app string) (*librelease.Store, *librelease.Release) {
	t.Helper()
	s, err := librelease.Open(uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.CreateApp(app); err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBuild(app, &librelease.BuildOptions{Manifest: "image: web:1", Status: librelease.BuildComplete})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRelease(app, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

// Both agents look before either holds the app (the look is not under the
// app's lease), then promote one after the other: the second finds the
// release active once it holds the app, and deploys nothing.
func TestTwoAgentsThatBothFoundAReleasePendingDeployItOnce(t *testing.T) {
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "store")
	s, r := seed(t, uri, "web")
	runs := filepath.Join(dir, "runs")
	command := `echo "$RELEASE_VERSION" >> ` + runs
	first := newTestAgent(t, uri, "web", command)
	second := newTestAgent(t, uri, "web", command)

	st1, st2 := first.w.State(), second.w.State()
	p1, err1 := first.pending(st1)
	p2, err2 := second.pending(st2)
	if err1 != nil || err2 != nil || p1 == nil || p2 == nil || p1.ID != r.ID || p2.ID != r.ID {
		t.Fatalf("pending: %v, %v; %v, %v", p1, err1, p2, err2)
	}
	if out, err := first.promote(context.Background(), st1, p1); out != exitOK || err != nil {
		t.Fatalf("the first agent: %d, %v; it said:\n%s", out, err, first.log)
	}
	out, err := second.promote(context.Background(), st2, p2)
	if out != idle || err != nil {
		t.Errorf("the second agent: %d, %v; want %d (in step), no error", out, err, idle)
	}
	if !strings.Contains(second.log.String(), "version 1 was deployed by another promotion already") {
		t.Errorf("the second agent did not say the release was deployed already:\n%s", second.log)
	}
	if got, _ := os.ReadFile(runs); string(got) != "1\n" {
		t.Errorf("the command ran for versions %q, want once for 1", got)
	}
	it := s.Deployments("web", nil)
	defer it.Close()
	n := 0
	for it.Next() {
		n++
	}
	if it.Err() != nil || n != 1 {
		t.Errorf("%d deployments logged (%v), want 1", n, it.Err())
	}
	if a, err := s.App("web"); err != nil || a.Active != r.ID || a.Previous != "" {
		t.Errorf("app %+v, %v", a, err)
	}
}

// Both agents look; the first one's deployment fails, and with no release
// active before there is nothing to roll back to: the second finds the
// release failed once it holds the app, and does not deploy it again.
func TestAReleaseAnotherAgentFailedToDeployIsNotDeployedAgain(t *testing.T) {
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "store")
	_, r := seed(t, uri, "web")
	runs := filepath.Join(dir, "runs")
	command := `echo "$RELEASE_VERSION" >> ` + runs + `; exit 1`
	first := newTestAgent(t, uri, "web", command)
	second := newTestAgent(t, uri, "web", command)

	st1, st2 := first.w.State(), second.w.State()
	p1, _ := first.pending(st1)
	p2, _ := second.pending(st2)
	if p1 == nil || p2 == nil || p1.ID != r.ID || p2.ID != r.ID {
		t.Fatalf("pending: %v, %v", p1, p2)
	}
	if out, err := first.promote(context.Background(), st1, p1); out != exitFailed || err != nil {
		t.Fatalf("the first agent: %d, %v; it said:\n%s", out, err, first.log)
	}
	out, err := second.promote(context.Background(), st2, p2)
	if out != idle || err != nil {
		t.Errorf("the second agent: %d, %v; want %d (in step), no error; it said:\n%s", out, err, idle, second.log)
	}
	if !strings.Contains(second.log.String(), "version 1 was deployed by another promotion already") {
		t.Errorf("the second agent did not say why it did nothing:\n%s", second.log)
	}
	if got, _ := os.ReadFile(runs); string(got) != "1\n" {
		t.Errorf("the command ran for versions %q, want once for 1", got)
	}
}

// The second agent looks; the first deploys that release, then a newer
// one: the second, holding the app at last, is in step, and says so,
// rather than failing (which stops an agent).
func TestAReleaseOvertakenSinceTheLookIsNoFailure(t *testing.T) {
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "store")
	s, r := seed(t, uri, "web")
	runs := filepath.Join(dir, "runs")
	command := `echo "$RELEASE_VERSION" >> ` + runs
	first := newTestAgent(t, uri, "web", command)
	second := newTestAgent(t, uri, "web", command)

	st2 := second.w.State()
	p2, err := second.pending(st2)
	if err != nil || p2 == nil || p2.ID != r.ID {
		t.Fatalf("pending: %v, %v", p2, err)
	}
	if out, err := first.promote(context.Background(), first.w.State(), r); out != exitOK || err != nil {
		t.Fatalf("the first agent: %d, %v; it said:\n%s", out, err, first.log)
	}
	b, err := s.CreateBuild("web", &librelease.BuildOptions{Manifest: "image: web:2", Status: librelease.BuildComplete})
	if err != nil {
		t.Fatal(err)
	}
	newer, err := s.CreateRelease("web", b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := first.promote(context.Background(), first.w.State(), newer); out != exitOK || err != nil {
		t.Fatalf("the first agent, version 2: %d, %v; it said:\n%s", out, err, first.log)
	}
	out, err := second.promote(context.Background(), st2, p2)
	if out != idle || err != nil {
		t.Errorf("the second agent: %d, %v; want %d (in step), no error", out, err, idle)
	}
	if !strings.Contains(second.log.String(), "version 1 is older than the active release") {
		t.Errorf("the second agent did not say why it did nothing:\n%s", second.log)
	}
	if got, _ := os.ReadFile(runs); string(got) != "1\n2\n" {
		t.Errorf("the command ran for versions %q, want 1 then 2", got)
	}
}

// The app is deleted (by another process) after the agent's watch saw the
// release: the look and the promotion find nothing to deploy, and the
// agent waits for the app to come back rather than stop.
func TestAnAppDeletedSinceTheLookIsNoFailure(t *testing.T) {
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "store")
	s, r := seed(t, uri, "web")
	runs := filepath.Join(dir, "runs")
	agent := newTestAgent(t, uri, "web", `echo "$RELEASE_VERSION" >> `+runs)

	st := agent.w.State()
	p, err := agent.pending(st)
	if err != nil || p == nil || p.ID != r.ID {
		t.Fatalf("pending: %v, %v", p, err)
	}
	if err := s.DeleteApp("web"); err != nil {
		t.Fatal(err)
	}
	if p, err := agent.pending(st); p != nil || err != nil {
		t.Errorf("pending, as of the state before the deletion: %v, %v; want nothing, no error", p, err)
	}
	if out, err := agent.promote(context.Background(), st, p); out != idle || err != nil {
		t.Errorf("promote: %d, %v; want %d (in step), no error", out, err, idle)
	}
	if !strings.Contains(agent.log.String(), "version 1 is gone") {
		t.Errorf("the agent did not say why it did nothing:\n%s", agent.log)
	}
	if got, err := os.ReadFile(runs); err == nil || len(got) != 0 {
		t.Errorf("the command ran for versions %q", got)
	}
}
