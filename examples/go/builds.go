package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// BuildStatus is the state of a build.
type BuildStatus int

// The build statuses. A complete or failed build is final.
const (
	BuildCreated  BuildStatus = C.RELEASE_BUILD_CREATED
	BuildRunning  BuildStatus = C.RELEASE_BUILD_RUNNING
	BuildComplete BuildStatus = C.RELEASE_BUILD_COMPLETE
	BuildFailed   BuildStatus = C.RELEASE_BUILD_FAILED
)

// BuildLogMax is the longest log a build keeps, in bytes (4 MiB).
const BuildLogMax = C.RELEASE_BUILD_LOG_MAX

// String returns "created", "running", "complete" or "failed".
func (st BuildStatus) String() string {
	if st >= BuildCreated && st <= BuildFailed {
		return goString(C.release_build_status_name(C.int(st)))
	}
	return "BuildStatus(" + itoa(int64(st)) + ")"
}

// fitsC reports whether st survives the conversion to a C int (else a
// huge value could wrap to a valid status).
func (st BuildStatus) fitsC() bool { return BuildStatus(C.int(st)) == st }

// Build is a build as read from the store: a plain value.
type Build struct {
	ID          string
	App         string
	Description string
	Manifest    string
	Status      BuildStatus
	Started     time.Time
	Ended       time.Time // zero while not ended
	Release     string    // the release made from it, or ""
	// Log is the build's log (any bytes); empty when it has none.
	Log []byte
	// LogOmitted is true for a build from Builds() that has a log:
	// listings leave logs out, and Store.Build reads it.
	LogOmitted bool
	Actor      string // who made it; "" when written before librelease 1.4
}

func goBuild(b *C.release_build) *Build {
	out := &Build{
		ID:          goString(C.release_build_id(b)),
		App:         goString(C.release_build_app(b)),
		Description: goString(C.release_build_description(b)),
		Manifest:    goString(C.release_build_manifest(b)),
		Status:      BuildStatus(C.release_build_status(b)),
		Started:     goTime(C.release_build_started(b)),
		Ended:       goTime(C.release_build_ended(b)),
		Release:     goString(C.release_build_release(b)),
		Actor:       goString(C.release_build_actor(b)),
	}
	var n C.size_t
	if p := C.release_build_log(b, &n); p == nil {
		out.LogOmitted = true
	} else if n > 0 {
		out.Log = goBytes(unsafe.Pointer(p), n)
	}
	return out
}

// BuildOptions describes a new build; the zero value (or nil) is an empty
// build, status created.
type BuildOptions struct {
	Description string
	Manifest    string      // opaque text
	Status      BuildStatus // BuildCreated by default
	Log         []byte      // the log so far, at most BuildLogMax bytes
}

// CreateBuild creates a build of app, started now (and ended, when created
// complete or failed).
func (s *Store) CreateBuild(app string, opts *BuildOptions) (*Build, error) {
	const op = "CreateBuild"
	if opts == nil {
		opts = &BuildOptions{}
	}
	if len(opts.Log) > BuildLogMax {
		return nil, invalid(op, "log is longer than BuildLogMax")
	}
	if !opts.Status.fitsC() {
		return nil, invalid(op, "build status out of range: "+opts.Status.String())
	}
	o := (*C.release_build_opts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.release_build_opts{}))))
	if o == nil {
		return nil, newError(op, C.RELEASE_ENOMEM, "")
	}
	defer C.free(unsafe.Pointer(o))
	C.release_build_opts_init_sized(o, C.size_t(unsafe.Sizeof(*o)))
	strs, err := newCStrings([]string{app, opts.Description, opts.Manifest})
	if err != nil {
		return nil, withOp(op, err)
	}
	defer strs.free()
	sv := strs.slice()
	o.description, o.manifest, o.status = sv[1], sv[2], C.int(opts.Status)
	if len(opts.Log) > 0 {
		o.log = C.CBytes(opts.Log)
		o.log_len = C.size_t(len(opts.Log))
		defer C.free(o.log)
	}
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var b *C.release_build
	if rc := C.release_build_create(c, sv[0], o, &b); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_build_free(b)
	return goBuild(b), nil
}

// buildCall runs a call that takes app and a build id and gives a build.
func (s *Store) buildCall(op, app, id string, call func(*C.release_store, *C.char, *C.char, **C.release_build) C.int) (*Build, error) {
	strs, err := newCStrings([]string{app, id})
	if err != nil {
		return nil, withOp(op, err)
	}
	defer strs.free()
	sv := strs.slice()
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var b *C.release_build
	if rc := call(c, sv[0], sv[1], &b); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_build_free(b)
	return goBuild(b), nil
}

// Build reads a build of app, with its log.
func (s *Store) Build(app, id string) (*Build, error) {
	return s.buildCall("Build", app, id, func(c *C.release_store, a, i *C.char, out **C.release_build) C.int {
		return C.release_build_get(c, a, i, out)
	})
}

// SetBuildStatus sets a build's status; Ended is stamped when it becomes
// complete or failed. Changing a complete or failed build is ErrInvalid.
// (CompleteBuild completes a build and makes its release at once.)
func (s *Store) SetBuildStatus(app, id string, status BuildStatus) (*Build, error) {
	if !status.fitsC() {
		return nil, invalid("SetBuildStatus", "build status out of range: "+status.String())
	}
	return s.buildCall("SetBuildStatus", app, id, func(c *C.release_store, a, i *C.char, out **C.release_build) C.int {
		return C.release_build_set_status(c, a, i, C.int(status), out)
	})
}

// AppendBuildLog appends data to the log of a build still created or
// running (a final build's log is ErrInvalid, and so is a log that would
// pass BuildLogMax: nothing is appended then). Each append rewrites the
// build's record: append a batch of lines at a time.
func (s *Store) AppendBuildLog(app, id string, data []byte) (*Build, error) {
	return s.buildCall("AppendBuildLog", app, id, func(c *C.release_store, a, i *C.char, out **C.release_build) C.int {
		var p unsafe.Pointer
		if len(data) > 0 {
			p = unsafe.Pointer(&data[0]) // no Go pointers in it: may be passed for the call
		}
		return C.release_build_log_append(c, a, i, p, C.size_t(len(data)), out)
	})
}

// CompleteBuild completes a build still created or running and makes its
// release (not promoted), once: for a build already complete it returns
// the release made then, so a retry never makes a second one. A failed
// build is ErrInvalid.
func (s *Store) CompleteBuild(app, id string) (*Release, error) {
	const op = "CompleteBuild"
	strs, err := newCStrings([]string{app, id})
	if err != nil {
		return nil, withOp(op, err)
	}
	defer strs.free()
	sv := strs.slice()
	return s.releaseCall(op, func(c *C.release_store, out **C.release) C.int {
		return C.release_build_complete(c, sv[0], sv[1], out)
	})
}

// ExportBuild serialises a complete build of app, with its log, for
// ImportBuild into another app or store. A build of another status is
// ErrInvalid.
func (s *Store) ExportBuild(app, id string) ([]byte, error) {
	const op = "ExportBuild"
	strs, err := newCStrings([]string{app, id})
	if err != nil {
		return nil, withOp(op, err)
	}
	defer strs.free()
	sv := strs.slice()
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var b *C.release_build
	if rc := C.release_build_get(c, sv[0], sv[1], &b); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_build_free(b)
	// The export's message is per thread: read it on the thread that failed.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var data *C.char
	var n C.size_t
	if rc := C.release_build_export(b, &n, &data); rc < 0 {
		return nil, newError(op, int(rc), goString(C.release_store_errmsg(nil)))
	}
	defer C.release_export_free(data)
	return goBytes(unsafe.Pointer(data), n), nil
}

// ImportBuild makes a new build of app (a new id, status complete) from
// what ExportBuild wrote, and its release (not promoted). Truncated or
// altered bytes are ErrCorrupt, a newer format ErrUnsupported; nothing is
// written then. The build's Release names its release.
func (s *Store) ImportBuild(app string, data []byte) (*Build, error) {
	const op = "ImportBuild"
	ca, err := cString(app)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(ca))
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	var b *C.release_build
	if rc := C.release_build_import(c, ca, p, C.size_t(len(data)), &b); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_build_free(b)
	return goBuild(b), nil
}

// BuildIter iterates over builds; used as AppIter is.
type BuildIter struct{ c cursor[*Build] }

// Builds iterates over app's builds newest first, at most limit of them
// (0: all; negative: ErrInvalid). Listed builds leave their logs out (see
// Build.LogOmitted). A build that cannot be read is skipped and reported
// by Err (ErrCorrupt) at the end, or after Close.
func (s *Store) Builds(app string, limit int) *BuildIter {
	const op = "Builds"
	n, err := sizeT("limit", limit)
	if err != nil {
		return &BuildIter{failedCursor[*Build](s, op, withOp(op, err))}
	}
	ca, err := cString(app)
	if err != nil {
		return &BuildIter{failedCursor[*Build](s, op, withOp(op, err))}
	}
	defer C.free(unsafe.Pointer(ca))
	c, err := s.lock(op)
	if err != nil {
		return &BuildIter{failedCursor[*Build](s, op, err)}
	}
	defer s.mu.Unlock()
	var ci *C.release_build_iter
	if rc := C.release_build_list(c, ca, n, &ci); rc < 0 {
		return &BuildIter{failedCursor[*Build](s, op, s.fail(op, rc))}
	}
	it := &BuildIter{cursor[*Build]{s: s, op: op}}
	it.c.start(func() (*Build, C.int) {
		var b *C.release_build
		if rc := C.release_build_iter_next(ci, &b); rc != 0 {
			return nil, rc
		}
		return goBuild(b), 0
	}, func() { C.release_build_iter_free(ci) })
	return it
}

// Next moves to the next build; false at the end or on failure (see Err).
func (it *BuildIter) Next() bool { return it.c.next() }

// Build returns the build Next moved to.
func (it *BuildIter) Build() *Build { return it.c.item }

// Err returns the failure that ended the iteration, or nil.
func (it *BuildIter) Err() error { return it.c.err }

// Close ends the iteration early and frees it; safe to call twice, and
// after the Store was closed.
func (it *BuildIter) Close() error { return it.c.close() }
