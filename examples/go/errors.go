package librelease

/*
#include <librelease/release.h>
*/
import "C"

import (
	"errors"
	"strings"
)

// codeError is the type of the sentinel errors: one per RELEASE_E* code.
type codeError struct {
	code int
	text string
}

func (e *codeError) Error() string { return "librelease: " + e.text }

// The sentinel errors, one per error code of the library. Every error a
// Store method returns for a library failure is an *Error that matches its
// code's sentinel with errors.Is:
//
//	if errors.Is(err, librelease.ErrNotFound) { ... }
var (
	// ErrInvalid: an argument is malformed or out of range (an invalid app
	// name, id, env key, status or option, a string holding a NUL).
	ErrInvalid error = &codeError{C.RELEASE_EINVAL, "invalid argument"}
	// ErrNotFound: no such app, build or release (or another app's).
	ErrNotFound error = &codeError{C.RELEASE_ENOTFOUND, "not found"}
	// ErrExists: the app exists already, or (a promotion with
	// PromoteOptions.IfPending) the release was deployed already.
	ErrExists error = &codeError{C.RELEASE_EEXIST, "already exists"}
	// ErrConflict: someone else wrote first; re-read, then decide whether
	// to retry.
	ErrConflict error = &codeError{C.RELEASE_ECONFLICT, "conflict"}
	// ErrBusy: the app is being promoted by someone else.
	ErrBusy error = &codeError{C.RELEASE_EBUSY, "app is busy"}
	// ErrOlder: promoting a release older than the active one; use Rollback.
	ErrOlder error = &codeError{C.RELEASE_EOLDER, "release is older than the active one"}
	// ErrDeploy: the deployer failed; the previous release stays active and
	// the release is marked failed. The *Error's Err is the deployer's
	// error, which errors.Is and errors.As look into: test ErrDeploy first,
	// since a deployer that returned another Store's ErrBusy (say) makes
	// the failure match ErrBusy too.
	ErrDeploy error = &codeError{C.RELEASE_EDEPLOY, "deployer failed"}
	// ErrCorrupt: stored data failed validation.
	ErrCorrupt error = &codeError{C.RELEASE_ECORRUPT, "stored data is corrupt"}
	// ErrIO: the storage failed to read or write; the outcome of a write is
	// unknown, read back before retrying.
	ErrIO error = &codeError{C.RELEASE_EIO, "storage input/output error"}
	// ErrNoSpace: the storage is full.
	ErrNoSpace error = &codeError{C.RELEASE_ENOSPC, "storage is full"}
	// ErrNoMemory: the library ran out of memory.
	ErrNoMemory error = &codeError{C.RELEASE_ENOMEM, "out of memory"}
	// ErrUnsupported: an unknown URI scheme, a store format or storage
	// version the library cannot use, or a write to a read-only store.
	ErrUnsupported error = &codeError{C.RELEASE_EUNSUPPORTED, "unsupported"}
	// ErrTimedOut: a wait ended with nothing to report.
	ErrTimedOut error = &codeError{C.RELEASE_ETIMEDOUT, "timed out"}
)

// ErrClosed is returned (wrapped in an *Error) by a method called on a
// closed Store, or on an iterator whose Store was closed.
var ErrClosed = errors.New("librelease: store is closed")

// ErrReentrant is returned (wrapped in an *Error that also matches
// ErrInvalid) when a callback — a deployer, an event sink, a copy's
// progress function — uses the Store that called it. The library forbids
// it, and waiting for the Store's lock there would never end. Open another
// Store for such work.
var ErrReentrant = errors.New("librelease: store used from inside its own callback")

var sentinels = []*codeError{
	ErrInvalid.(*codeError), ErrNotFound.(*codeError), ErrExists.(*codeError),
	ErrConflict.(*codeError), ErrBusy.(*codeError), ErrOlder.(*codeError),
	ErrDeploy.(*codeError), ErrCorrupt.(*codeError), ErrIO.(*codeError),
	ErrNoSpace.(*codeError), ErrNoMemory.(*codeError), ErrUnsupported.(*codeError),
	ErrTimedOut.(*codeError),
}

// Error is a failed call: the operation, the library's negative RELEASE_E*
// code and its detailed message, and the cause, if any (the deployer's
// error for ErrDeploy, ErrClosed, ErrReentrant).
type Error struct {
	Op      string // the method, e.g. "Promote"
	Code    int    // the negative RELEASE_E* code; 0 when the library was not called
	Message string // the library's message (release_store_errmsg), else the code's description
	Err     error  // the cause, or nil
}

// Error returns "librelease: Op: Message", followed by the cause's text
// when the cause is not one of this package's sentinels.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("librelease: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Err != nil && e.Err != ErrClosed && e.Err != ErrReentrant {
		if _, own := e.Err.(*codeError); !own {
			b.WriteString(": ")
			b.WriteString(e.Err.Error())
		}
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's code, so that
// errors.Is(err, ErrNotFound) holds for a RELEASE_ENOTFOUND failure.
func (e *Error) Is(target error) bool {
	c, ok := target.(*codeError)
	return ok && e.Code != 0 && c.code == e.Code
}

// Unwrap returns the cause: errors.As finds a deployer's own error type
// through an ErrDeploy failure.
func (e *Error) Unwrap() error { return e.Err }

// CodeName returns the symbolic name of e's code, e.g. "RELEASE_ENOTFOUND".
func (e *Error) CodeName() string { return codeName(e.Code) }

var codeNames = map[int]string{
	C.RELEASE_EINVAL: "RELEASE_EINVAL", C.RELEASE_ENOTFOUND: "RELEASE_ENOTFOUND",
	C.RELEASE_EEXIST: "RELEASE_EEXIST", C.RELEASE_ECONFLICT: "RELEASE_ECONFLICT",
	C.RELEASE_EBUSY: "RELEASE_EBUSY", C.RELEASE_EOLDER: "RELEASE_EOLDER",
	C.RELEASE_EDEPLOY: "RELEASE_EDEPLOY", C.RELEASE_ECORRUPT: "RELEASE_ECORRUPT",
	C.RELEASE_EIO: "RELEASE_EIO", C.RELEASE_ENOSPC: "RELEASE_ENOSPC",
	C.RELEASE_ENOMEM: "RELEASE_ENOMEM", C.RELEASE_EUNSUPPORTED: "RELEASE_EUNSUPPORTED",
	C.RELEASE_ITEROVER: "RELEASE_ITEROVER", C.RELEASE_ETIMEDOUT: "RELEASE_ETIMEDOUT",
}

func codeName(code int) string {
	if n, ok := codeNames[code]; ok {
		return n
	}
	if code == 0 {
		return "RELEASE_OK"
	}
	return "RELEASE_E?"
}

// Strerror returns the library's English description of an error code.
func Strerror(code int) string {
	return C.GoString(C.release_strerror(C.int(code)))
}

// newError makes the *Error of a failed call from its code and message
// (release_strerror(code) when message is empty).
func newError(op string, code int, message string) *Error {
	if message == "" {
		message = Strerror(code)
	}
	return &Error{Op: op, Code: code, Message: message}
}

// invalid makes an ErrInvalid failure found by the binding before calling C.
func invalid(op, message string) *Error {
	return &Error{Op: op, Code: C.RELEASE_EINVAL, Message: message}
}

// withOp names op in an *Error that does not name its operation yet.
func withOp(op string, err error) error {
	if e, ok := err.(*Error); ok && e.Op == "" {
		e.Op = op
	}
	return err
}
