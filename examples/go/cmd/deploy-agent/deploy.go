package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"librelease"
)

const (
	killGrace   = 5 * time.Second // from SIGTERM to SIGKILL of a command past its time
	outputGrace = time.Second     // how long output is read once the shell has exited
	maxLine     = 4096            // longest event a line of output makes; the rest is cut
)

// group is the process group of the command running, if any.
type group struct {
	mu   sync.Mutex
	pgid int // 0: none
}

// start starts cmd in a process group of its own and records it.
func (g *group) start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	g.pgid = cmd.Process.Pid
	return nil
}

// signal sends sig to every process of the group.
func (g *group) signal(sig syscall.Signal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pgid > 0 {
		syscall.Kill(-g.pgid, sig)
	}
}

// done forgets the group (its leader was reaped: the id may be reused).
func (g *group) done() {
	g.mu.Lock()
	g.pgid = 0
	g.mu.Unlock()
}

// runCommand returns a deployer running command as the package comment
// tells.
func (a *agent) runCommand(command string) librelease.Deployer {
	// The promotion's context is not used: a signal lets a deployment
	// finish (a second one ends the agent), -deploy-timeout ends it.
	return func(_ context.Context, r *librelease.Release, ev *librelease.Events) error {
		ctx := context.Background()
		if a.deployTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, a.deployTimeout)
			defer cancel()
		}
		cmd := exec.Command("/bin/sh", "-c", command)
		cmd.Env = os.Environ() // on duplicates the last wins
		for _, k := range r.EnvKeys() {
			cmd.Env = append(cmd.Env, k+"="+r.Env[k])
		}
		cmd.Env = append(cmd.Env, "RELEASE_APP="+r.App, "RELEASE_ID="+r.ID,
			"RELEASE_VERSION="+strconv.FormatUint(r.Version, 10), "RELEASE_BUILD="+r.Build)
		// Pipes of our own (*os.File), so that Wait waits for the shell
		// only, never for a child of it that keeps one open.
		in, inW, err := os.Pipe()
		if err != nil {
			return err
		}
		defer in.Close()
		defer inW.Close() // also ends a write the command never read
		out, outW, err := os.Pipe()
		if err != nil {
			return err
		}
		defer out.Close()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, outW, outW
		err = a.running.start(cmd)
		in.Close()
		outW.Close()
		if err != nil {
			return err
		}
		go func() { io.WriteString(inW, r.Manifest); inW.Close() }()
		read := make(chan struct{})
		go func() { emitLines(out, ev); close(read) }()
		exited := make(chan struct{})
		stopped := make(chan struct{})
		go func() { // past its time: SIGTERM, then SIGKILL
			defer close(stopped)
			select {
			case <-exited:
				return
			case <-ctx.Done():
			}
			a.running.signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(killGrace):
			}
			a.running.signal(syscall.SIGKILL) // what is left of the group
		}()
		err = cmd.Wait()
		close(exited)
		<-stopped
		a.running.done()
		select { // output a child left running writes is not waited for
		case <-read:
		case <-time.After(outputGrace):
			out.Close()
			<-read
		}
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("the command ran past -deploy-timeout %v and was stopped", a.deployTimeout)
		case err != nil:
			return fmt.Errorf("the command failed: %w", err)
		}
		return nil
	}
}

// emitLines makes each line read from r an event, cut to maxLine bytes.
func emitLines(r io.Reader, ev *librelease.Events) {
	br := bufio.NewReader(r)
	var line []byte
	cut := 0
	for {
		frag, more, err := br.ReadLine()
		if err != nil {
			return
		}
		if room := maxLine - len(line); len(frag) > room {
			cut += len(frag) - room
			frag = frag[:room]
		}
		line = append(line, frag...)
		if more {
			continue
		}
		msg := string(line)
		if cut > 0 {
			msg += fmt.Sprintf(" [%d bytes cut]", cut)
		}
		ev.Emit("exec", msg)
		line, cut = line[:0], 0
	}
}

// writeManifest returns a deployer that replaces the file with the
// release's manifest: written to a new file beside it, flushed to disk,
// then renamed over it, so that a reader (or a crash) sees the old
// manifest or the new one, never part of one, and a promotion the store
// recorded is on disk too.
func (a *agent) writeManifest() librelease.Deployer {
	return func(_ context.Context, r *librelease.Release, ev *librelease.Events) error {
		if err := replaceFile(a.write, r.Manifest); err != nil {
			return err
		}
		ev.Emit("write", fmt.Sprintf("%d bytes to %s", len(r.Manifest), a.write))
		return nil
	}
}

func replaceFile(path, data string) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // when anything below failed
	_, err = f.WriteString(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
