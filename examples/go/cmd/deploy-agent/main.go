// Command deploy-agent keeps an app deployed at its newest release: it
// watches the app in a librelease store and promotes each release never
// promoted nor failed through a deployer, a shell command (-exec, or the
// app's deploy hook with -hook) run by /bin/sh -c with the manifest on its
// standard input, the release's env and RELEASE_APP, RELEASE_ID,
// RELEASE_VERSION, RELEASE_BUILD in its environment and each line it
// prints an event, or the manifest written to a file (-write). When the
// deployer fails it rolls back to the release that was active, deploying
// it again to undo what the failed attempt changed.
//
//	deploy-agent -store URI -app APP (-exec CMD | -hook | -write FILE)
//	             [-once] [-timeout D] [-wait D] [-actor NAME]
//
// Exit status: 0 in step (deployed, or nothing to deploy); 1 the last
// deployment failed; 2 bad usage; 3 the store failed, another promotion
// held the app (with -once), or -hook without a hook; 4 with -once
// -timeout D, nothing to deploy came within D.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"librelease"
)

const (
	idle        = -1 // a look at the app that found nothing to deploy
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitStore   = 3
	exitNothing = 4
)

type agent struct {
	s      *librelease.Store
	w      *librelease.Watcher
	app    string
	exec   string // the command to run
	write  string // the file to write the manifest to
	hook   bool   // run the app's deploy hook
	wait   time.Duration
	logger *log.Logger
}

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("deploy-agent", flag.ContinueOnError)
	fl.SetOutput(stderr)
	uri := fl.String("store", "file:", "the store's URI (file:PATH; file: is the default store)")
	app := fl.String("app", "", "the app to keep deployed (required)")
	command := fl.String("exec", "", "deploy by running this shell command")
	hook := fl.Bool("hook", false, "deploy by running the app's deploy hook (its settings)")
	write := fl.String("write", "", "deploy by writing the release's manifest to this file")
	once := fl.Bool("once", false, "deploy what is pending, then exit (with -timeout: wait that long for it)")
	timeout := fl.Duration("timeout", 0, "stop after this long (0: run until SIGINT or SIGTERM)")
	actor := fl.String("actor", "", "who the deployment log records (default: user@host)")
	busyWait := fl.Duration("wait", 30*time.Second, "how long to wait for another promotion of the app")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	modes := 0
	for _, set := range []bool{*command != "", *hook, *write != ""} {
		if set {
			modes++
		}
	}
	var bad string
	switch {
	case fl.NArg() > 0:
		bad = "unexpected argument " + strconv.Quote(fl.Arg(0))
	case !librelease.ValidAppName(*app):
		bad = "-app must name an app (1-63 of a-z, 0-9 and -)"
	case modes != 1:
		bad = "give exactly one of -exec, -hook and -write"
	case *timeout < 0 || *busyWait < 0:
		bad = "-timeout and -wait must not be negative"
	}
	if bad != "" {
		fmt.Fprintf(stderr, "deploy-agent: %s\n", bad)
		fl.Usage()
		return exitUsage
	}

	logger := log.New(stderr, "deploy-agent: ", log.LstdFlags)
	fail := func(err error) int { logger.Print(err); return exitStore }
	var opts []librelease.Option
	if *actor != "" {
		opts = append(opts, librelease.WithActor(*actor))
	}
	s, err := librelease.Open(*uri, opts...)
	if err != nil {
		return fail(err)
	}
	defer s.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	// The agent acts on what the watch saw last: its baseline, then each
	// change, so that nothing happening between two looks is missed.
	w, err := s.Watch(*app)
	if err != nil {
		return fail(err)
	}
	defer w.Close()
	a := &agent{s: s, w: w, app: *app, exec: *command, hook: *hook, write: *write, wait: *busyWait, logger: logger}
	status := exitOK
	for {
		outcome, err := a.converge(ctx)
		switch {
		case !*once && (errors.Is(err, librelease.ErrBusy) || errors.Is(err, librelease.ErrConflict)):
			logger.Print(err) // another promotion of the app: its end wakes the agent
		case err != nil && ctx.Err() == nil:
			return fail(err)
		}
		if outcome != idle {
			status = outcome
		}
		if *once && (outcome != idle || *timeout == 0) {
			return status
		}
		if err := w.Wait(ctx); err != nil {
			if ctx.Err() == nil {
				return fail(err)
			}
			if *once {
				logger.Printf("%s: nothing to deploy came in time", *app)
				return exitNothing
			}
			logger.Printf("%s: stopping", *app)
			return status
		}
	}
}

// converge promotes the app's newest release if it was never promoted nor
// failed; on a failed deployment it rolls back to the active release.
func (a *agent) converge(ctx context.Context) (int, error) {
	st := a.w.State() // as of the last change seen
	if !st.Exists || st.Newest == 0 {
		return idle, nil // the app's creation, its first release wake the watch
	}
	newest, err := a.s.ReleaseByVersion(a.app, st.Newest)
	// A release promoted before and replaced since was moved away from
	// on purpose (a forced promotion of an older one): left alone.
	if err != nil || newest.ID == st.Active || !newest.Promoted.IsZero() || !newest.Failed.IsZero() {
		return idle, err
	}
	opts := &librelease.PromoteOptions{
		Deploy:  a.deployer(),
		OnEvent: func(e librelease.Event) { a.logger.Printf("%s: [%s] %s", a.app, e.Source, e.Message) },
		Owner:   "deploy-agent pid " + strconv.Itoa(os.Getpid()),
		Wait:    a.wait, // for another promotion of the app to end
	}
	if a.hook {
		st, err := a.s.Settings(a.app)
		if err != nil {
			return idle, err
		}
		if st.Hook == "" {
			return idle, fmt.Errorf("app %q has no deploy hook: set one, or use -exec or -write", a.app)
		}
		a.exec = st.Hook
	}
	a.logger.Printf("%s: deploying version %d (%s)", a.app, newest.Version, newest.ID)
	err = a.s.Promote(ctx, a.app, newest.ID, opts)
	if err == nil {
		a.logger.Printf("%s: version %d is live", a.app, newest.Version)
		return exitOK, nil
	}
	if !errors.Is(err, librelease.ErrDeploy) {
		return idle, err
	}
	a.logger.Printf("%s: version %d failed: %v", a.app, newest.Version, err)
	if st.Active == "" {
		return exitFailed, nil // nothing to go back to
	}
	// Put back what was live, even when the failure was a cancellation.
	back, err := a.s.Rollback(context.Background(), a.app, st.Active, opts)
	if err != nil {
		a.logger.Printf("%s: rolling back to %s failed too: %v", a.app, st.Active, err)
	} else {
		a.logger.Printf("%s: rolled back to %s (version %d)", a.app, st.Active, back.Version)
	}
	return exitFailed, nil
}

// deployer runs the command, or writes the manifest to the file.
func (a *agent) deployer() librelease.Deployer {
	if a.write != "" {
		// Written aside, then renamed: a reader sees the old manifest or
		// the new one, never part of it.
		return func(_ context.Context, r *librelease.Release, ev *librelease.Events) error {
			if err := os.WriteFile(a.write+".new", []byte(r.Manifest), 0o644); err != nil {
				return err
			}
			ev.Emit("write", fmt.Sprintf("%d bytes to %s", len(r.Manifest), a.write))
			return os.Rename(a.write+".new", a.write)
		}
	}
	return func(ctx context.Context, r *librelease.Release, ev *librelease.Events) error {
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", a.exec)
		cmd.Env = os.Environ()
		for _, k := range r.EnvKeys() {
			cmd.Env = append(cmd.Env, k+"="+r.Env[k])
		}
		cmd.Env = append(cmd.Env, "RELEASE_APP="+r.App, "RELEASE_ID="+r.ID,
			"RELEASE_VERSION="+strconv.FormatUint(r.Version, 10), "RELEASE_BUILD="+r.Build)
		cmd.Stdin = strings.NewReader(r.Manifest)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			return err
		}
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			ev.Emit("exec", lines.Text())
		}
		io.Copy(io.Discard, out) // what a line too long to scan left
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("the command failed: %w", err)
		}
		return nil
	}
}
