package librelease

import (
	"errors"
	"strings"
	"testing"
)

// codeTable: the library's error codes (part of its stable ABI).
var codeTable = []struct {
	code     int
	sentinel error
	name     string
}{
	{-1, ErrInvalid, "RELEASE_EINVAL"},
	{-2, ErrNotFound, "RELEASE_ENOTFOUND"},
	{-3, ErrExists, "RELEASE_EEXIST"},
	{-4, ErrConflict, "RELEASE_ECONFLICT"},
	{-5, ErrBusy, "RELEASE_EBUSY"},
	{-6, ErrOlder, "RELEASE_EOLDER"},
	{-7, ErrDeploy, "RELEASE_EDEPLOY"},
	{-8, ErrCorrupt, "RELEASE_ECORRUPT"},
	{-9, ErrIO, "RELEASE_EIO"},
	{-10, ErrNoSpace, "RELEASE_ENOSPC"},
	{-11, ErrNoMemory, "RELEASE_ENOMEM"},
	{-12, ErrUnsupported, "RELEASE_EUNSUPPORTED"},
	{-14, ErrTimedOut, "RELEASE_ETIMEDOUT"},
}

func TestErrorMatchesOnlyTheSentinelOfItsCode(t *testing.T) {
	if len(codeTable) != len(sentinels) {
		t.Fatalf("%d codes tested, %d sentinels", len(codeTable), len(sentinels))
	}
	for _, tc := range codeTable {
		t.Run(tc.name, func(t *testing.T) {
			err := error(newError("Op", tc.code, "message"))
			for _, other := range codeTable {
				if got := errors.Is(err, other.sentinel); got != (other.code == tc.code) {
					t.Errorf("errors.Is(%s, %s) = %v", tc.name, other.name, got)
				}
			}
			if errors.Is(err, ErrClosed) {
				t.Errorf("%s matches ErrClosed", tc.name)
			}
			if got := err.(*Error).CodeName(); got != tc.name {
				t.Errorf("CodeName = %q", got)
			}
		})
	}
}

func TestErrorWithoutMessageUsesStrerror(t *testing.T) {
	for _, tc := range codeTable {
		e := newError("Op", tc.code, "")
		if e.Message == "" || e.Message != Strerror(tc.code) {
			t.Errorf("%s: message %q, strerror %q", tc.name, e.Message, Strerror(tc.code))
		}
	}
}

func TestErrorOfUnknownCodeMatchesNoSentinel(t *testing.T) {
	err := newError("Op", -1000, "a backend's own failure")
	for _, tc := range codeTable {
		if errors.Is(err, tc.sentinel) {
			t.Errorf("code -1000 matches %s", tc.name)
		}
	}
}

type deployerError struct{ step string }

func (e *deployerError) Error() string { return "step " + e.step + " failed" }

func TestErrorUnwrapsToItsCause(t *testing.T) {
	cause := &deployerError{"rollout"}
	err := error(&Error{Op: "Promote", Code: -7, Message: "deployment failed", Err: cause})
	if !errors.Is(err, ErrDeploy) {
		t.Error("not ErrDeploy")
	}
	var de *deployerError
	if !errors.As(err, &de) || de != cause {
		t.Error("errors.As does not find the cause")
	}
	if got, want := err.Error(), "librelease: Promote: deployment failed: step rollout failed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestErrorTextNamesOpAndMessage(t *testing.T) {
	err := newError("Release", -2, "app 'web': release RABCDEFGHI not found")
	if got, want := err.Error(), "librelease: Release: app 'web': release RABCDEFGHI not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	closed := &Error{Op: "App", Message: "store is closed", Err: ErrClosed}
	if got := closed.Error(); strings.Count(got, "closed") != 1 {
		t.Errorf("Error() = %q repeats its cause", got)
	}
}

func TestSentinelsHaveDistinctTexts(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range codeTable {
		text := tc.sentinel.Error()
		if seen[text] || !strings.HasPrefix(text, "librelease: ") {
			t.Errorf("%s: text %q", tc.name, text)
		}
		seen[text] = true
	}
}

func TestDeployFailureMatchesTheSentinelsOfItsCause(t *testing.T) {
	cause := newError("App", -5, "app 'api' is currently updating")
	err := error(&Error{Op: "Promote", Code: -7, Message: "deployment failed", Err: cause})
	if !errors.Is(err, ErrDeploy) || !errors.Is(err, ErrBusy) {
		t.Errorf("%v: ErrDeploy %v, ErrBusy %v", err, errors.Is(err, ErrDeploy), errors.Is(err, ErrBusy))
	}
}
