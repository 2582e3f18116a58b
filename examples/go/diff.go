package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import "unsafe"

// EnvChangeKind says how an env key differs between two releases.
type EnvChangeKind int

// The kinds of env change.
const (
	EnvAdded   EnvChangeKind = C.RELEASE_DIFF_ADDED   // only the newer release has the key
	EnvRemoved EnvChangeKind = C.RELEASE_DIFF_REMOVED // only the older release has it
	EnvChanged EnvChangeKind = C.RELEASE_DIFF_CHANGED // both have it, with different values
)

// String returns "added", "removed" or "changed".
func (k EnvChangeKind) String() string {
	switch k {
	case EnvAdded:
		return "added"
	case EnvRemoved:
		return "removed"
	case EnvChanged:
		return "changed"
	}
	return "EnvChangeKind(" + itoa(int64(k)) + ")"
}

// EnvChange is one env key that differs between two releases.
type EnvChange struct {
	Key    string
	Change EnvChangeKind
	// Masked: the app's settings mask the key (or the mask list could
	// not be read, which masks every key). Its values are then hidden
	// unless the diff was asked to reveal them; that it changed is
	// still told.
	Masked bool
	Hidden bool   // Old and New were withheld: Masked, and not revealed
	Old    string // the value in the older release; "" when added or hidden
	New    string // the value in the newer release; "" when removed or hidden
}

// Diff is what changed from one release of an app to another (librelease
// 1.4): a plain value, independent of the Store.
type Diff struct {
	App      string
	From, To string      // the releases compared; From is "" for the app's first release
	Env      []EnvChange // keys added, removed and changed, sorted by key
	BuildOld string      // the builds of From and To ("" for none); equal when the build did not change
	BuildNew string
	// DescriptionChanged: the releases' descriptions differ.
	DescriptionChanged bool
	// Manifest is the manifests' difference as a unified diff
	// ("--- FROM\n+++ TO\n", then hunks with 3 lines of context, as
	// diff -u writes them; it applies with patch(1)); "" when they are
	// equal. For the first release it starts "--- /dev/null".
	Manifest string
}

// BuildChanged reports whether the two releases have different builds.
func (d *Diff) BuildChanged() bool { return d.BuildOld != d.BuildNew }

// Changed reports whether anything differs: env, build, description or
// manifest.
func (d *Diff) Changed() bool {
	return len(d.Env) > 0 || d.BuildChanged() || d.DescriptionChanged || d.Manifest != ""
}

// Diff tells what changed from release from to release to of app (ids;
// to "": the active release; from "": the release before to, by version).
// The values of keys the app's settings mask are hidden (EnvChange.Hidden)
// unless reveal is true. The app's first release is compared with
// nothing: every key is added, From and BuildOld are "". An unknown
// release, or another app's, is ErrNotFound, and so is to "" on an app
// without an active release.
func (s *Store) Diff(app, from, to string, reveal bool) (*Diff, error) {
	const op = "Diff"
	ca, err := cString(app)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(ca))
	cfrom, err := cStringOrNil(from)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(cfrom))
	cto, err := cStringOrNil(to)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(cto))
	var flags C.uint
	if reveal {
		flags = C.RELEASE_DIFF_REVEAL
	}
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var d *C.release_diff
	if rc := C.release_diff_get(c, ca, cfrom, cto, flags, &d); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_diff_free(d)
	out := &Diff{
		App:                app,
		From:               goString(C.release_diff_from(d)),
		To:                 goString(C.release_diff_to(d)),
		BuildOld:           goString(C.release_diff_build_old(d)),
		BuildNew:           goString(C.release_diff_build_new(d)),
		DescriptionChanged: C.release_diff_description_changed(d) != 0,
		Manifest:           goString(C.release_diff_manifest(d)),
	}
	n := C.release_diff_env_count(d)
	out.Env = make([]EnvChange, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		masked := C.release_diff_env_masked(d, i) != 0
		out.Env = append(out.Env, EnvChange{
			Key:    goString(C.release_diff_env_key(d, i)),
			Change: EnvChangeKind(C.release_diff_env_change(d, i)),
			Masked: masked,
			Hidden: masked && !reveal,
			Old:    goString(C.release_diff_env_old(d, i)),
			New:    goString(C.release_diff_env_new(d, i)),
		})
	}
	return out, nil
}
