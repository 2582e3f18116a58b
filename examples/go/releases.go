package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import (
	"sort"
	"strings"
	"time"
	"unsafe"
)

// Release is a release as read from the store: a plain value.
type Release struct {
	ID          string
	App         string
	Version     uint64 // 1, 2, 3... per app, gap-free
	Build       string // the build's id; "" for a release made by env changes before any build
	Manifest    string
	Description string
	Created     time.Time
	Source      string    // the release a rollback copied, or ""
	Promoted    time.Time // when it last became active; zero if never
	Failed      time.Time // when its promotion last failed; zero if never
	Active      bool      // it was the app's active release when read
	Env         map[string]string
	Actor       string // who made it; "" when written before librelease 1.4
}

// EnvKeys returns the keys of r.Env in byte order, the library's order.
func (r *Release) EnvKeys() []string {
	keys := make([]string, 0, len(r.Env))
	for k := range r.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func goRelease(r *C.release) *Release {
	out := &Release{
		ID:          goString(C.release_id(r)),
		App:         goString(C.release_app_of(r)),
		Version:     uint64(C.release_version(r)),
		Build:       goString(C.release_build_of(r)),
		Manifest:    goString(C.release_manifest(r)),
		Description: goString(C.release_description(r)),
		Created:     goTime(C.release_created(r)),
		Source:      goString(C.release_source(r)),
		Promoted:    goTime(C.release_promoted(r)),
		Failed:      goTime(C.release_failed(r)),
		Active:      C.release_is_active(r) != 0,
		Actor:       goString(C.release_actor(r)),
	}
	n := C.release_env_count(r)
	out.Env = make(map[string]string, int(n))
	for i := C.size_t(0); i < n; i++ {
		out.Env[goString(C.release_env_key(r, i))] = goString(C.release_env_value(r, i))
	}
	return out
}

// releaseCall runs call with the lock held and converts the release it
// gives; a call that succeeds with no release gives nil.
func (s *Store) releaseCall(op string, call func(*C.release_store, **C.release) C.int) (*Release, error) {
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var r *C.release
	if rc := call(c, &r); rc < 0 {
		return nil, s.fail(op, rc)
	}
	if r == nil {
		return nil, nil
	}
	defer C.release_free(r)
	return goRelease(r), nil
}

// strsCall copies strs into C memory and runs a release call on them.
func (s *Store) strsCall(op string, strs []string, call func(c *C.release_store, sv []*C.char, out **C.release) C.int) (*Release, error) {
	cs, err := newCStrings(strs)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer cs.free()
	sv := cs.slice()
	return s.releaseCall(op, func(c *C.release_store, out **C.release) C.int { return call(c, sv, out) })
}

// CreateRelease makes a release of app from a complete build: the build's
// manifest and description, and the env of the app's newest release. It is
// not promoted.
func (s *Store) CreateRelease(app, buildID string) (*Release, error) {
	return s.strsCall("CreateRelease", []string{app, buildID}, func(c *C.release_store, sv []*C.char, out **C.release) C.int {
		return C.release_create(c, sv[0], sv[1], out)
	})
}

// CreateFromOptions names the releases CreateReleaseFrom takes from; ""
// is the active release.
type CreateFromOptions struct {
	BuildFrom string // the release whose build and manifest it takes
	EnvFrom   string // the release whose env it takes
}

// CreateReleaseFrom makes a release of app from two releases of it (build
// once, deploy many): the build and manifest of BuildFrom (and its build's
// description), the env of EnvFrom. opts may be nil: both from the active
// release. Not promoted.
func (s *Store) CreateReleaseFrom(app string, opts *CreateFromOptions) (*Release, error) {
	const op = "CreateReleaseFrom"
	if opts == nil {
		opts = &CreateFromOptions{}
	}
	o := (*C.release_create_opts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.release_create_opts{}))))
	if o == nil {
		return nil, newError(op, C.RELEASE_ENOMEM, "")
	}
	defer C.free(unsafe.Pointer(o))
	C.release_create_opts_init_sized(o, C.size_t(unsafe.Sizeof(*o)))
	return s.strsCall(op, []string{app, opts.BuildFrom, opts.EnvFrom}, func(c *C.release_store, sv []*C.char, out **C.release) C.int {
		if opts.BuildFrom != "" {
			o.build_from = sv[1]
		}
		if opts.EnvFrom != "" {
			o.env_from = sv[2]
		}
		return C.release_create_from(c, sv[0], o, out)
	})
}

// Release reads a release of app by id; another app's id is ErrNotFound.
func (s *Store) Release(app, id string) (*Release, error) {
	return s.strsCall("Release", []string{app, id}, func(c *C.release_store, sv []*C.char, out **C.release) C.int {
		return C.release_get(c, sv[0], sv[1], out)
	})
}

// ReleaseByVersion reads a release of app by version.
func (s *Store) ReleaseByVersion(app string, version uint64) (*Release, error) {
	return s.strsCall("ReleaseByVersion", []string{app}, func(c *C.release_store, sv []*C.char, out **C.release) C.int {
		return C.release_get_version(c, sv[0], C.uint64_t(version), out)
	})
}

// ActiveRelease reads app's active release, as of one moment. An app
// never promoted is ErrNotFound, as is an unknown app.
func (s *Store) ActiveRelease(app string) (*Release, error) {
	return s.strsCall("ActiveRelease", []string{app}, func(c *C.release_store, sv []*C.char, out **C.release) C.int {
		return C.release_get_active(c, sv[0], out)
	})
}

// envPairs turns env into sorted "KEY=VALUE" pairs; a key holding '='
// (which C would split wrongly) or nothing is ErrInvalid.
func envPairs(env map[string]string) ([]string, error) {
	pairs := make([]string, 0, len(env))
	for k, v := range env {
		if k == "" || strings.IndexByte(k, '=') >= 0 {
			return nil, invalid("", "invalid env key "+quoteShort(k))
		}
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return pairs, nil
}

// SetEnv makes a release of app from its newest one with the keys of env
// set (keys: [A-Za-z_][A-Za-z0-9_]*; values may be empty). When nothing
// changes nothing is written and the release is nil, with a nil error.
func (s *Store) SetEnv(app string, env map[string]string) (*Release, error) {
	return s.ChangeEnv(app, &EnvOptions{Set: env, op: "SetEnv"})
}

// UnsetEnv makes a release of app from its newest one without keys
// (absent keys are ignored). When nothing changes the release is nil.
func (s *Store) UnsetEnv(app string, keys ...string) (*Release, error) {
	return s.ChangeEnv(app, &EnvOptions{Unset: keys, op: "UnsetEnv"})
}

// EnvOptions is a change of env for ChangeEnv.
type EnvOptions struct {
	// Base is the release whose env is changed: the new release copies its
	// build, manifest and env; "" is the newest release.
	Base  string
	Set   map[string]string // keys to set
	Unset []string          // keys to remove (absent: ignored)
	// Replace makes the env exactly Set (Unset must be empty).
	Replace bool

	op string // SetEnv, UnsetEnv: the method the change came from
}

// ChangeEnv makes one release of app with keys set and unset together (a
// key in both is ErrInvalid), or with Replace exactly the keys set. When
// nothing changes nothing is written and the release is nil, with a nil
// error.
func (s *Store) ChangeEnv(app string, ch *EnvOptions) (*Release, error) {
	op := "ChangeEnv"
	if ch == nil {
		ch = &EnvOptions{}
	}
	if ch.op != "" {
		op = ch.op
	}
	pairs, err := envPairs(ch.Set)
	if err != nil {
		return nil, withOp(op, err)
	}
	set, err := newCStrings(pairs)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer set.free()
	unset, err := newCStrings(ch.Unset)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer unset.free()
	o := (*C.release_env_opts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.release_env_opts{}))))
	if o == nil {
		return nil, newError(op, C.RELEASE_ENOMEM, "")
	}
	defer C.free(unsafe.Pointer(o))
	C.release_env_opts_init_sized(o, C.size_t(unsafe.Sizeof(*o)))
	o.set, o.set_n = set.array(), set.len()
	o.unset, o.unset_n = unset.array(), unset.len()
	if ch.Replace {
		o.flags = C.RELEASE_ENV_REPLACE
	}
	return s.strsCall(op, []string{app, ch.Base}, func(c *C.release_store, sv []*C.char, out **C.release) C.int {
		if ch.Base != "" {
			o.base = sv[1]
		}
		return C.release_env_change(c, sv[0], o, out)
	})
}

// Prune bounds app's history: it keeps the active release, every release
// newer than it, the one active before it and the keep newest releases
// older than it, and deletes the rest with the builds only they used. It
// returns the number of releases deleted. A negative keep is ErrInvalid.
func (s *Store) Prune(app string, keep int) (int, error) {
	const op = "Prune"
	k, err := sizeT("keep", keep)
	if err != nil {
		return 0, withOp(op, err)
	}
	ca, err := cString(app)
	if err != nil {
		return 0, withOp(op, err)
	}
	defer C.free(unsafe.Pointer(ca))
	c, err := s.lock(op)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var removed C.size_t
	if rc := C.release_prune(c, ca, k, &removed); rc < 0 {
		return 0, s.fail(op, rc)
	}
	return int(removed), nil
}

// ListOptions pages a listing: at most Limit items (0: no limit;
// negative: ErrInvalid), only versions below Before (0: from the newest).
// To page, pass the last version seen as the next listing's Before.
type ListOptions struct {
	Limit  int
	Before uint64
}

// ReleaseIter iterates over releases; used as AppIter is.
type ReleaseIter struct{ c cursor[*Release] }

// Releases iterates over app's releases newest first (highest version
// first), reading pages lazily. opts may be nil: all releases. A release
// that cannot be read is skipped and reported by Err (ErrCorrupt) at the
// end, or after Close.
func (s *Store) Releases(app string, opts *ListOptions) *ReleaseIter {
	const op = "Releases"
	if opts == nil {
		opts = &ListOptions{}
	}
	limit, err := sizeT("limit", opts.Limit)
	if err != nil {
		return &ReleaseIter{failedCursor[*Release](s, op, withOp(op, err))}
	}
	ca, err := cString(app)
	if err != nil {
		return &ReleaseIter{failedCursor[*Release](s, op, withOp(op, err))}
	}
	defer C.free(unsafe.Pointer(ca))
	c, err := s.lock(op)
	if err != nil {
		return &ReleaseIter{failedCursor[*Release](s, op, err)}
	}
	defer s.mu.Unlock()
	var o C.release_list_opts // no pointers: may live in Go memory
	C.release_list_opts_init_sized(&o, C.size_t(unsafe.Sizeof(o)))
	o.limit, o.before = limit, C.uint64_t(opts.Before)
	var ci *C.release_iter
	if rc := C.release_list(c, ca, &o, &ci); rc < 0 {
		return &ReleaseIter{failedCursor[*Release](s, op, s.fail(op, rc))}
	}
	it := &ReleaseIter{cursor[*Release]{s: s, op: op}}
	it.c.start(func() (*Release, C.int) {
		var r *C.release
		if rc := C.release_iter_next(ci, &r); rc != 0 {
			return nil, rc
		}
		return goRelease(r), 0
	}, func() { C.release_iter_free(ci) })
	return it
}

// Next moves to the next release; false at the end or on failure (see Err).
func (it *ReleaseIter) Next() bool { return it.c.next() }

// Release returns the release Next moved to.
func (it *ReleaseIter) Release() *Release { return it.c.item }

// Err returns the failure that ended the iteration, or nil.
func (it *ReleaseIter) Err() error { return it.c.err }

// Close ends the iteration early and frees it; safe to call twice, and
// after the Store was closed.
func (it *ReleaseIter) Close() error { return it.c.close() }
