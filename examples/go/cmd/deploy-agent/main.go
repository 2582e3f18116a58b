// Command deploy-agent keeps an app deployed at its newest release: it
// watches the app in a librelease store and promotes each release never
// promoted nor failed through a deployer, a shell command (-exec, or the
// app's deploy hook with -hook) or the manifest written to a file
// (-write). When the deployer fails it rolls back to the release that was
// active, deploying it again to undo what the failed attempt changed.
// Agents may share an app: one release is deployed by one of them only
// (another finds it deployed once it holds the app, active, failed or
// replaced, says so and carries on).
// It needs librelease 1.5 or later.
//
//	deploy-agent -store URI -app APP (-exec CMD | -hook | -write FILE)
//	             [-once] [-timeout D] [-wait D] [-deploy-timeout D] [-actor NAME]
//
// The command runs as /bin/sh -c CMD in a process group of its own, with
// the release's manifest on its standard input and in its environment the
// agent's own, then the release's env, then RELEASE_APP, RELEASE_ID,
// RELEASE_VERSION and RELEASE_BUILD: nothing of the release is ever part of
// a command line. Each line it prints (cut at 4 KiB) is an event of the
// promotion, which the agent logs. The deployment ends when the shell
// exits; -deploy-timeout D fails one that runs longer, stopping its process
// group (SIGTERM, then SIGKILL 5s later). The release's env can change how
// the command runs (PATH, LD_PRELOAD...), and -hook runs what the app's
// settings say: whoever may write to the store may run commands as the
// agent's user.
//
// SIGINT or SIGTERM stops the agent once the deployment in progress is
// over; a second one stops it at once, killing the command's process group
// and recording nothing: as after SIGKILL, the release is then neither
// live nor failed, and the next run deploys it again.
//
// Exit status: 0 in step (deployed, or nothing to deploy); 1 the last
// deployment failed, or a second signal cut it short; 2 bad usage; 3 the
// store failed, another promotion held the app for longer than -wait (with
// -once), or -hook without a hook; 4 with -once -timeout D, nothing to
// deploy came within D.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
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

// busyPoll is how often an app another promotion holds is looked at
// again: a holder that died leaves no change to wake the watch.
const busyPoll = 250 * time.Millisecond

type agent struct {
	s             *librelease.Store
	w             *librelease.Watcher
	app           string
	exec          string // the command to run
	write         string // the file to write the manifest to
	hook          bool   // run the app's deploy hook
	wait          time.Duration
	deployTimeout time.Duration
	logger        *log.Logger
	running       group // the command's process group
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
	busyWait := fl.Duration("wait", 30*time.Second, "with -once, how long to wait for another promotion of the app")
	deployTimeout := fl.Duration("deploy-timeout", 0, "fail a deployment that runs longer (0: no limit)")
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
	case *timeout < 0 || *busyWait < 0 || *deployTimeout < 0:
		bad = "-timeout, -wait and -deploy-timeout must not be negative"
	case *write != "" && !isDir(filepath.Dir(*write)):
		bad = "-write: no directory " + strconv.Quote(filepath.Dir(*write)) // every release would fail
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
	// The agent acts on what the watch saw last: its baseline, then each
	// change, so that nothing happening between two looks is missed.
	w, err := s.Watch(*app)
	if err != nil {
		return fail(err)
	}
	defer w.Close()
	a := &agent{s: s, w: w, app: *app, exec: *command, hook: *hook, write: *write,
		wait: *busyWait, deployTimeout: *deployTimeout, logger: logger}
	if !w.Exists() {
		logger.Printf("%s: no such app (yet)", *app)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		<-signals
		logger.Printf("%s: stopping once the deployment in progress is over (signal again to stop at once)", *app)
		stop()
		<-signals
		a.running.signal(syscall.SIGKILL)
		logger.Printf("%s: stopped at once: a deployment cut short is neither live nor failed, the next run deploys it again", *app)
		os.Exit(exitFailed)
	}()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	return a.loop(ctx, *once, *timeout > 0)
}

// loop deploys what comes until ctx ends (with once, what is pending) and
// returns the exit status.
func (a *agent) loop(ctx context.Context, once, timed bool) int {
	status := exitOK
	var busySince time.Time // another promotion holds the app since then
	for {
		outcome, err := a.converge(ctx)
		if outcome != idle {
			status = outcome
		}
		next := time.Duration(0) // look again at the next change
		switch {
		case errors.Is(err, librelease.ErrBusy):
			if busySince.IsZero() {
				busySince = time.Now()
				a.logger.Printf("%v; waiting for it to end", err)
			}
			if once && time.Since(busySince) >= a.wait {
				a.logger.Print(err)
				return exitStore
			}
			next = busyPoll
		case !once && errors.Is(err, librelease.ErrConflict):
			a.logger.Print(err) // a forced promotion meanwhile: its change wakes the watch
		case err != nil && ctx.Err() == nil:
			a.logger.Print(err)
			return exitStore
		}
		if !errors.Is(err, librelease.ErrBusy) {
			busySince = time.Time{}
		}
		if once && busySince.IsZero() && (outcome != idle || !timed) {
			return status
		}
		err = ctx.Err() // stopped: no look that could start another deployment
		if err == nil {
			err = a.waitChange(ctx, next)
		}
		if err != nil {
			if ctx.Err() == nil {
				a.logger.Print(err)
				return exitStore
			}
			switch {
			case once && !busySince.IsZero():
				a.logger.Printf("%s: another promotion still held the app at the end of -timeout", a.app)
				return exitStore
			case once:
				a.logger.Printf("%s: nothing to deploy came in time", a.app)
				return exitNothing
			}
			a.logger.Printf("%s: stopping", a.app)
			return status
		}
	}
}

// waitChange waits for the app to change, or for d (0: as long as it
// takes), whichever comes first; the error is ctx's or the store's.
func (a *agent) waitChange(ctx context.Context, d time.Duration) error {
	wctx := ctx
	if d > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	err := a.w.Wait(wctx)
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return nil // d passed
	}
	return err
}

// converge promotes the app's newest release if it was never promoted nor
// failed; on a failed deployment it rolls back to the active release.
func (a *agent) converge(ctx context.Context) (int, error) {
	st := a.w.State() // as of the last change seen
	newest, err := a.pending(st)
	if newest == nil || err != nil {
		return idle, err
	}
	return a.promote(ctx, st, newest)
}

// pending returns the app's newest release if it was never promoted nor
// failed, nil if there is none, as of st. Nothing holds the app while it
// looks: promote checks again under the app's lease.
func (a *agent) pending(st librelease.WatchState) (*librelease.Release, error) {
	if !st.Exists || st.Newest == 0 {
		return nil, nil // the app's creation, its first release wake the watch
	}
	newest, err := a.s.ReleaseByVersion(a.app, st.Newest)
	if errors.Is(err, librelease.ErrNotFound) {
		return nil, nil // the app deleted since st: its deletion wakes the watch
	}
	// A release promoted before and replaced since was moved away from
	// on purpose (a forced promotion of an older one): left alone.
	if err != nil || newest.ID == st.Active || !newest.Promoted.IsZero() || !newest.Failed.IsZero() {
		return nil, err
	}
	return newest, nil
}

// promote deploys newest, which pending found as of st; on a failed
// deployment it rolls back to st's active release. When another promotion
// went first since pending looked (newest is active, failed or replaced by
// the time the agent holds the app, or a newer release is active), or the
// app was deleted since, nothing is done.
func (a *agent) promote(ctx context.Context, st librelease.WatchState, newest *librelease.Release) (int, error) {
	command := a.exec
	if a.hook {
		settings, err := a.s.Settings(a.app)
		if errors.Is(err, librelease.ErrNotFound) {
			a.logger.Printf("%s: version %d is gone: the app was deleted since the look (%v)", a.app, newest.Version, err)
			return idle, nil
		}
		if err != nil {
			return idle, err
		}
		if settings.Hook == "" {
			return idle, fmt.Errorf("app %q has no deploy hook: set one, or use -exec or -write", a.app)
		}
		command = settings.Hook
	}
	deploy := a.writeManifest()
	if a.write == "" {
		deploy = a.runCommand(command)
	}
	opts := &librelease.PromoteOptions{
		Deploy: func(ctx context.Context, r *librelease.Release, ev *librelease.Events) error {
			a.logger.Printf("%s: deploying version %d (%s)", a.app, r.Version, r.ID)
			return deploy(ctx, r, ev)
		},
		OnEvent: func(e librelease.Event) { a.logger.Printf("%s: [%s] %s", a.app, e.Source, e.Message) },
		Owner:   "deploy-agent pid " + strconv.Itoa(os.Getpid()),
		// Checked under the app's lease, unlike pending's look: two
		// agents never both deploy one release.
		IfPending: true,
		// No Wait: a busy app is looked at again (loop), since what
		// holds it may deploy this very release.
	}
	err := a.s.Promote(ctx, a.app, newest.ID, opts)
	if err == nil {
		a.logger.Printf("%s: version %d is live", a.app, newest.Version)
		return exitOK, nil
	}
	// What pending found is out of date once the app is held: in step, as
	// when pending finds nothing, and the change wakes the watch.
	switch {
	case errors.Is(err, librelease.ErrDeploy):
	case errors.Is(err, librelease.ErrExists): // active, failed or replaced since the look
		a.logger.Printf("%s: version %d was deployed by another promotion already (%v)", a.app, newest.Version, err)
		return idle, nil
	case errors.Is(err, librelease.ErrOlder): // a newer one made active since the look
		a.logger.Printf("%s: version %d is older than the active release now (%v)", a.app, newest.Version, err)
		return idle, nil
	case errors.Is(err, librelease.ErrNotFound): // a pending release is never pruned
		a.logger.Printf("%s: version %d is gone: the app was deleted since the look (%v)", a.app, newest.Version, err)
		return idle, nil
	default:
		return idle, err
	}
	a.logger.Printf("%s: version %d failed: %v", a.app, newest.Version, err)
	if st.Active == "" {
		return exitFailed, nil // nothing to go back to
	}
	back, err := a.s.Rollback(context.Background(), a.app, st.Active, opts)
	if err != nil {
		a.logger.Printf("%s: rolling back to %s failed too: %v", a.app, st.Active, err)
	} else {
		a.logger.Printf("%s: rolled back to %s (version %d)", a.app, st.Active, back.Version)
	}
	return exitFailed, nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
