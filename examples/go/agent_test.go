package librelease

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// agentRun is one run of the deploy agent.
type agentRun struct {
	code   int
	stderr string
	took   time.Duration
}

// buildAgent builds cmd/deploy-agent into dir.
func buildAgent(t *testing.T, dir string) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	bin := filepath.Join(dir, "deploy-agent")
	out, err := exec.Command(goTool, "build", "-o", bin, "./cmd/deploy-agent").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/deploy-agent: %v\n%s", err, out)
	}
	return bin
}

func startAgent(t *testing.T, bin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

func finishAgent(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer, start time.Time) agentRun {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the agent did not exit; it said:\n%s", stderr)
	}
	run := agentRun{stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		run.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return run
}

func runAgent(t *testing.T, bin string, args ...string) agentRun {
	t.Helper()
	start := time.Now()
	cmd, stderr := startAgent(t, bin, args...)
	return finishAgent(t, cmd, stderr, start)
}

func wantExit(t *testing.T, run agentRun, code int) {
	t.Helper()
	if run.code != code {
		t.Fatalf("exit status %d, want %d; the agent said:\n%s", run.code, code, run.stderr)
	}
}

// waitActive polls until app's active release is id.
func waitActive(t *testing.T, s *Store, app, id string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if a, err := s.App(app); err == nil && a.Active == id {
			return
		}
	}
	t.Fatalf("%s never became active", id)
}

func TestDeployAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the agent")
	}
	bin := buildAgent(t, t.TempDir())

	t.Run("once promotes the newest release", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		out := filepath.Join(t.TempDir(), "live")
		args := []string{"-store", uri, "-app", "web", "-once", "-write", out, "-actor", "agent-7"}
		wantExit(t, runAgent(t, bin, args...), 0)
		if got, err := os.ReadFile(out); err != nil || string(got) != r1.Manifest {
			t.Errorf("deployed file = %q, %v; want %q", got, err, r1.Manifest)
		}
		if mustActive(t, s, "web").ID != r1.ID {
			t.Error("the release was not promoted")
		}
		ds, err := deployLog(t, s.Deployments("web", nil))
		if err != nil || len(ds) != 1 || ds[0].Actor != "agent-7" {
			t.Fatalf("log = %+v, %v", ds, err)
		}
		// In step: a second run has nothing to do.
		os.Remove(out)
		wantExit(t, runAgent(t, bin, args...), 0)
		if _, err := os.Stat(out); err == nil {
			t.Error("a run with nothing to deploy deployed")
		}
	})

	t.Run("exec gets the manifest and env", func(t *testing.T) {
		s, uri := fileStore(t)
		seedApp(t, s, "web")
		r, err := s.SetEnv("web", map[string]string{"GREETING": "hello"})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		command := `cat > manifest; echo "$RELEASE_APP $RELEASE_VERSION $RELEASE_ID $GREETING" > env; echo rolled out`
		run := runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-exec", "cd "+dir+" && "+command)
		wantExit(t, run, 0)
		env, _ := os.ReadFile(filepath.Join(dir, "env"))
		manifest, _ := os.ReadFile(filepath.Join(dir, "manifest"))
		if string(env) != "web 2 "+r.ID+" hello\n" || string(manifest) != r.Manifest {
			t.Errorf("the command saw env %q, manifest %q", env, manifest)
		}
		if !strings.Contains(run.stderr, "[exec] rolled out") {
			t.Errorf("the command's output is not an event:\n%s", run.stderr)
		}
	})

	t.Run("a failing command is recorded and rolled back", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		args := []string{"-store", uri, "-app", "web", "-once", "-exec", `test "$RELEASE_VERSION" != 2`}
		wantExit(t, runAgent(t, bin, args...), 0)
		r2 := newRelease(t, s, "web", "broken")
		run := runAgent(t, bin, args...)
		wantExit(t, run, 1)
		if got, _ := s.Release("web", r2.ID); got == nil || got.Failed.IsZero() {
			t.Errorf("release 2 is not marked failed: %+v", got)
		}
		ds, err := deployLog(t, s.Deployments("web", nil))
		if err != nil || len(ds) != 3 {
			t.Fatalf("log = %v, %v", seqs(ds), err)
		}
		if ds[1].To != r2.ID || ds[1].Failed == 0 || ds[0].Kind != DeployRollback || ds[0].Target != r1.ID {
			t.Errorf("log: %+v\n%+v", ds[0], ds[1])
		}
		if a := mustActive(t, s, "web"); a.Source != r1.ID {
			t.Errorf("active %s (source %q), want a copy of %s", a.ID, a.Source, r1.ID)
		}
		if !strings.Contains(run.stderr, "rolled back to "+r1.ID) {
			t.Errorf("the agent did not say it rolled back:\n%s", run.stderr)
		}
		// The failed release is not tried again.
		wantExit(t, runAgent(t, bin, args...), 0)
		if n, _ := deployLog(t, s.Deployments("web", nil)); len(n) != 3 {
			t.Errorf("a later run deployed again: %v", seqs(n))
		}
	})

	t.Run("a failing first deployment has nothing to roll back to", func(t *testing.T) {
		s, uri := fileStore(t)
		seedApp(t, s, "web")
		wantExit(t, runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-exec", "exit 3"), 1)
		ds, err := deployLog(t, s.Deployments("web", nil))
		if err != nil || len(ds) != 1 || ds[0].Failed != 1 {
			t.Fatalf("log = %+v, %v", ds, err)
		}
	})

	t.Run("once with a timeout and nothing to deploy exits 4", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		mustPromote(t, s, "web", r1.ID)
		run := runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-timeout", "300ms", "-exec", "true")
		wantExit(t, run, 4)
		if run.took < 300*time.Millisecond {
			t.Errorf("gave up after %v", run.took)
		}
	})

	t.Run("once with a timeout deploys what comes meanwhile", func(t *testing.T) {
		s, uri := fileStore(t)
		start := time.Now()
		cmd, stderr := startAgent(t, bin, "-store", uri, "-app", "web", "-once", "-timeout", "30s", "-exec", "true")
		time.Sleep(200 * time.Millisecond)
		r1 := seedApp(t, s, "web") // the app is created after the agent started
		wantExit(t, finishAgent(t, cmd, stderr, start), 0)
		if mustActive(t, s, "web").ID != r1.ID {
			t.Error("the release that came was not deployed")
		}
	})

	t.Run("runs until stopped, deploying each release", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		start := time.Now()
		cmd, stderr := startAgent(t, bin, "-store", uri, "-app", "web", "-timeout", "60s", "-exec", "true")
		waitActive(t, s, "web", r1.ID)
		r2 := newRelease(t, s, "web", "second")
		waitActive(t, s, "web", r2.ID)
		cmd.Process.Signal(syscall.SIGTERM)
		run := finishAgent(t, cmd, stderr, start)
		wantExit(t, run, 0)
		if !strings.Contains(run.stderr, "stopping") {
			t.Errorf("the agent did not say it stopped:\n%s", run.stderr)
		}
	})

	t.Run("another promotion holding the app is waited out", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		r2 := newRelease(t, s, "web", "second")
		release, held := make(chan struct{}), make(chan struct{})
		promoted := make(chan error, 1)
		go func() { // this process promotes r1, and holds the app meanwhile
			promoted <- s.Promote(context.Background(), "web", r1.ID, &PromoteOptions{
				Deploy: func(context.Context, *Release, *Events) error { close(held); <-release; return nil },
			})
		}()
		<-held
		var freed sync.Once
		free := func() { freed.Do(func() { close(release) }) }
		defer free() // also when the test fails: the Store's cleanup needs it
		once := runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-wait", "50ms", "-exec", "true")
		wantExit(t, once, 3)
		if !strings.Contains(once.stderr, "held by") {
			t.Errorf("the agent did not say the app was held:\n%s", once.stderr)
		}
		start := time.Now()
		cmd, stderr := startAgent(t, bin, "-store", uri, "-app", "web", "-wait", "50ms", "-timeout", "60s", "-exec", "true")
		time.Sleep(300 * time.Millisecond) // it tries, is refused, and waits
		free()
		if err := <-promoted; err != nil {
			t.Fatal(err)
		}
		waitActive(t, s, "web", r2.ID) // the end of r1's promotion woke it
		cmd.Process.Signal(syscall.SIGTERM)
		wantExit(t, finishAgent(t, cmd, stderr, start), 0)
	})

	t.Run("a timeout ends a long run", func(t *testing.T) {
		_, uri := fileStore(t)
		run := runAgent(t, bin, "-store", uri, "-app", "web", "-timeout", "200ms", "-exec", "true")
		wantExit(t, run, 0)
	})

	t.Run("hook runs the app's deploy hook", func(t *testing.T) {
		s, uri := fileStore(t)
		seedApp(t, s, "web")
		args := []string{"-store", uri, "-app", "web", "-once", "-hook"}
		wantExit(t, runAgent(t, bin, args...), 3) // no hook yet
		out := filepath.Join(t.TempDir(), "hooked")
		if _, err := s.UpdateSettings("web", SettingsUpdate{Hook: "echo $RELEASE_VERSION > " + out}); err != nil {
			t.Fatal(err)
		}
		wantExit(t, runAgent(t, bin, args...), 0)
		if got, _ := os.ReadFile(out); string(got) != "1\n" {
			t.Errorf("the hook wrote %q", got)
		}
	})

	t.Run("bad usage exits 2", func(t *testing.T) {
		_, uri := fileStore(t)
		for _, args := range [][]string{
			{"-store", uri, "-exec", "true"},                                    // no app
			{"-store", uri, "-app", "Web!", "-exec", "true"},                    // not an app name
			{"-store", uri, "-app", "web"},                                      // no deployer
			{"-store", uri, "-app", "web", "-exec", "true", "-write", "f"},      // two
			{"-store", uri, "-app", "web", "-exec", "true", "-timeout", "-1s"},  // negative
			{"-store", uri, "-app", "web", "-exec", "true", "-wait", "-1ns"},    // negative
			{"-store", uri, "-app", "web", "-exec", "true", "-timeout", "soon"}, // not a duration
			{"-store", uri, "-app", "web", "-exec", "true", "extra"},
			{"-store", uri, "-app", "web", "-write", "/nonexistent/dir/live"}, // would fail every release
			{"-no-such-flag"},
		} {
			run := runAgent(t, bin, args...)
			if run.code != 2 || !strings.Contains(run.stderr, "Usage") {
				t.Errorf("%q: exit %d:\n%s", args, run.code, run.stderr)
			}
		}
		wantExit(t, runAgent(t, bin, "-h"), 0)
	})

	t.Run("a store that cannot be opened exits 3", func(t *testing.T) {
		run := runAgent(t, bin, "-store", "nosuch:", "-app", "web", "-exec", "true")
		wantExit(t, run, 3)
		if !strings.Contains(run.stderr, "nosuch:") && !strings.Contains(run.stderr, "unsupported") {
			t.Errorf("the error does not say what failed:\n%s", run.stderr)
		}
	})

	t.Run("two agents deploy a release once", func(t *testing.T) {
		s, uri := fileStore(t)
		seedApp(t, s, "web")
		dir := t.TempDir()
		command := `echo "$RELEASE_VERSION" >> ` + filepath.Join(dir, "runs") + `; touch ` + filepath.Join(dir, "started") + `; sleep 1`
		args := []string{"-store", uri, "-app", "web", "-once", "-exec", command}
		start := time.Now()
		first, firstErr := startAgent(t, bin, args...)
		waitFile(t, filepath.Join(dir, "started"))
		second := runAgent(t, bin, args...) // waits for the first, then has nothing to do
		wantExit(t, second, 0)
		wantExit(t, finishAgent(t, first, firstErr, start), 0)
		if runs, _ := os.ReadFile(filepath.Join(dir, "runs")); string(runs) != "1\n" {
			t.Errorf("the command ran for versions %q, want once for 1", runs)
		}
		if ds, err := deployLog(t, s.Deployments("web", nil)); err != nil || len(ds) != 1 {
			t.Errorf("log = %v, %v", seqs(ds), err)
		}
	})

	t.Run("a command that leaves a child running ends the deployment", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		pid := filepath.Join(t.TempDir(), "pid")
		run := runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-exec", "sleep 30 & echo $! > "+pid+"; echo started")
		defer killPidFile(pid)
		wantExit(t, run, 0)
		if run.took > 10*time.Second {
			t.Errorf("the agent waited %v for the command's child", run.took)
		}
		if mustActive(t, s, "web").ID != r1.ID {
			t.Error("the release was not promoted")
		}
	})

	t.Run("a signal lets the deployment in progress finish", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		started := filepath.Join(t.TempDir(), "started")
		start := time.Now()
		cmd, stderr := startAgent(t, bin, "-store", uri, "-app", "web", "-exec", "touch "+started+"; sleep 1; echo finished")
		waitFile(t, started)
		r2 := newRelease(t, s, "web", "second") // comes during the deployment
		cmd.Process.Signal(syscall.SIGTERM)
		run := finishAgent(t, cmd, stderr, start)
		wantExit(t, run, 0)
		if a := mustActive(t, s, "web"); a.ID != r1.ID {
			t.Errorf("active %s, want %s: the deployment did not finish", a.ID, r1.ID)
		}
		if r, _ := s.Release("web", r2.ID); r == nil || !r.Promoted.IsZero() || !r.Failed.IsZero() {
			t.Errorf("a release that came meanwhile was tried after the signal: %+v", r)
		}
		if r, _ := s.Release("web", r1.ID); r == nil || !r.Failed.IsZero() {
			t.Errorf("the release was marked failed: %+v", r)
		}
		if !strings.Contains(run.stderr, "[exec] finished") {
			t.Errorf("the command did not finish:\n%s", run.stderr)
		}
	})

	t.Run("a second signal stops at once, and the next run deploys again", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		dir := t.TempDir()
		pid := filepath.Join(dir, "pid")
		start := time.Now()
		cmd, stderr := startAgent(t, bin, "-store", uri, "-app", "web", "-exec", "sleep 30 & echo $! > "+pid+"; wait")
		defer killPidFile(pid)
		waitFile(t, pid)
		cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(100 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGTERM)
		run := finishAgent(t, cmd, stderr, start)
		wantExit(t, run, 1)
		if run.took > 10*time.Second {
			t.Errorf("stopping took %v", run.took)
		}
		if pidAlive(t, pid) {
			t.Error("the command's child still runs")
		}
		if r, _ := s.Release("web", r1.ID); r == nil || !r.Failed.IsZero() || !r.Promoted.IsZero() {
			t.Errorf("the interrupted release is %+v; want neither failed nor promoted", r)
		}
		wantExit(t, runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-exec", "true"), 0)
		if mustActive(t, s, "web").ID != r1.ID {
			t.Error("the next run did not deploy the release")
		}
	})

	t.Run("killed mid-deployment, the next run deploys again", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		pid := filepath.Join(t.TempDir(), "pid")
		start := time.Now()
		cmd, stderr := startAgent(t, bin, "-store", uri, "-app", "web", "-exec", "sleep 30 & echo $! > "+pid+"; wait")
		defer killPidFile(pid)
		waitFile(t, pid)
		cmd.Process.Kill()
		finishAgent(t, cmd, stderr, start)
		wantExit(t, runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-wait", "5s", "-exec", "true"), 0)
		if mustActive(t, s, "web").ID != r1.ID {
			t.Error("the next run did not deploy the release")
		}
	})

	t.Run("an agent waiting for a killed one deploys", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		dir := t.TempDir()
		pid := filepath.Join(dir, "pid")
		start := time.Now()
		first, firstErr := startAgent(t, bin, "-store", uri, "-app", "web", "-exec", "sleep 30 & echo $! > "+pid+"; wait")
		defer killPidFile(pid)
		waitFile(t, pid)
		second, secondErr := startAgent(t, bin, "-store", uri, "-app", "web", "-timeout", "60s", "-exec", "touch "+filepath.Join(dir, "second"))
		time.Sleep(300 * time.Millisecond) // refused: the first holds the app
		first.Process.Kill()
		finishAgent(t, first, firstErr, start)
		waitFile(t, filepath.Join(dir, "second"))
		waitActive(t, s, "web", r1.ID)
		second.Process.Signal(syscall.SIGTERM)
		wantExit(t, finishAgent(t, second, secondErr, start), 0)
	})

	t.Run("a deployment past -deploy-timeout fails and its command is stopped", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		pid := filepath.Join(t.TempDir(), "pid")
		run := runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-deploy-timeout", "300ms",
			"-exec", "trap '' TERM; sleep 30 & echo $! > "+pid+"; wait")
		defer killPidFile(pid)
		wantExit(t, run, 1)
		if run.took > 15*time.Second {
			t.Errorf("the timeout ended the deployment after %v", run.took)
		}
		if pidAlive(t, pid) {
			t.Error("the command's child still runs")
		}
		if r, _ := s.Release("web", r1.ID); r == nil || r.Failed.IsZero() {
			t.Errorf("the release is not marked failed: %+v", r)
		}
	})

	t.Run("long output lines are cut, not the output after them", func(t *testing.T) {
		s, uri := fileStore(t)
		seedApp(t, s, "web")
		run := runAgent(t, bin, "-store", uri, "-app", "web", "-once",
			"-exec", `head -c 200000 /dev/zero | tr '\0' x; echo; echo after`)
		wantExit(t, run, 0)
		if !strings.Contains(run.stderr, "[exec] after") {
			t.Errorf("the line after a long one was lost:\n%.500s", run.stderr)
		}
		if len(run.stderr) > 50000 {
			t.Errorf("a 200000-byte line made %d bytes of log", len(run.stderr))
		}
	})

	t.Run("hostile env and manifest reach the command as data", func(t *testing.T) {
		s, uri := fileStore(t)
		if _, err := s.CreateApp("web"); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		hostile := "a\nb $(touch " + dir + "/pwned) `touch " + dir + "/pwned2` ' \" ; & | > x"
		b, err := s.CreateBuild("web", &BuildOptions{Manifest: hostile + "\n$(touch " + dir + "/pwned3)\n", Status: BuildComplete})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateRelease("web", b.ID); err != nil {
			t.Fatal(err)
		}
		r, err := s.SetEnv("web", map[string]string{"HOSTILE": hostile, "RELEASE_ID": "forged"})
		if err != nil {
			t.Fatal(err)
		}
		command := `cd ` + dir + ` && printf '%s' "$HOSTILE" > env && printf '%s' "$RELEASE_ID" > id && cat > manifest`
		wantExit(t, runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-exec", command), 0)
		for file, want := range map[string]string{"env": hostile, "id": r.ID, "manifest": r.Manifest} {
			if got, _ := os.ReadFile(filepath.Join(dir, file)); string(got) != want {
				t.Errorf("%s = %q, want %q", file, got, want)
			}
		}
		for _, f := range []string{"pwned", "pwned2", "pwned3"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Errorf("the release's text was run as a command (%s)", f)
			}
		}
	})

	t.Run("write replaces the file, never through what lies beside it", func(t *testing.T) {
		s, uri := fileStore(t)
		r1 := seedApp(t, s, "web")
		dir := t.TempDir()
		out, victim := filepath.Join(dir, "live"), filepath.Join(dir, "victim")
		if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
		// A link where the agent used to write its temporary file.
		if err := os.Symlink(victim, out+".new"); err != nil {
			t.Fatal(err)
		}
		wantExit(t, runAgent(t, bin, "-store", uri, "-app", "web", "-once", "-write", out), 0)
		if got, _ := os.ReadFile(victim); string(got) != "keep" {
			t.Errorf("the file the link named was overwritten: %q", got)
		}
		fi, err := os.Lstat(out)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
			t.Fatalf("%s: %v, %v", out, fi.Mode(), err)
		}
		if got, _ := os.ReadFile(out); string(got) != r1.Manifest {
			t.Errorf("deployed %q", got)
		}
		left, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(left) != 3 {
			t.Errorf("files left: %v", left)
		}
	})

}

// waitFile polls until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && (filepath.Base(path) != "pid" || len(b) > 0) {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

// pidOf reads the process id a test command wrote.
func pidOf(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// pidAlive reports whether the process a test command wrote the id of
// still runs, giving it a moment to end.
func pidAlive(t *testing.T, path string) bool {
	t.Helper()
	pid := pidOf(path)
	if pid <= 0 {
		t.Fatalf("no process id in %s", path)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return false
		}
		if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && strings.Contains(string(stat), ") Z ") {
			return false // a zombie: ended, not yet reaped
		}
	}
	return true
}

// killPidFile ends the sleep a test command started and wrote the id of,
// if it still runs (and the id is still a sleep's).
func killPidFile(path string) {
	pid := pidOf(path)
	if pid <= 0 {
		return
	}
	if cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil && strings.HasPrefix(string(cmdline), "sleep\x00") {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
