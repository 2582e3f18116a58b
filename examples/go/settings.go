package librelease

/*
#include <stdlib.h>
#include <librelease/release.h>
*/
import "C"

import "unsafe"

// MaskMax is the most keys a mask list holds (500).
const MaskMax = C.RELEASE_MASK_MAX

// ActorMax is the longest actor, in bytes (256).
const ActorMax = C.RELEASE_ACTOR_MAX

// Settings are an app's settings, kept beside its history: the env keys
// frontends mask when they show values, and the deploy hook a frontend
// runs to promote the app (the library stores it, never runs it).
type Settings struct {
	// Revision is 1 for settings never changed and grows by one with every
	// change: what SettingsUpdate.Revision compares.
	Revision uint64
	Mask     []string // masked env keys, in byte order
	Hook     string   // the deploy hook; "" when there is none
	Actor    string   // who changed them last; "" when never, or before librelease 1.4
}

// Masked reports whether key is in the mask list.
func (st *Settings) Masked(key string) bool {
	for _, k := range st.Mask {
		if k == key {
			return true
		}
	}
	return false
}

func goSettings(p *C.release_settings) *Settings {
	st := &Settings{
		Revision: uint64(C.release_settings_revision(p)),
		Hook:     goString(C.release_settings_hook(p)),
		Actor:    goString(C.release_settings_actor(p)),
	}
	n := C.release_settings_mask_count(p)
	st.Mask = make([]string, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		st.Mask = append(st.Mask, goString(C.release_settings_mask_key(p, i)))
	}
	return st
}

// Settings reads app's settings. A damaged settings record is ErrCorrupt
// until an UpdateSettings with Reset replaces it.
func (s *Store) Settings(app string) (*Settings, error) {
	const op = "Settings"
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
	var p *C.release_settings
	if rc := C.release_settings_get(c, ca, &p); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_settings_free(p)
	return goSettings(p), nil
}

// SettingsUpdate is a change of an app's settings.
type SettingsUpdate struct {
	MaskAdd    []string // env keys to mask (already masked: kept)
	MaskRemove []string // keys to unmask (not masked: ignored)
	Hook       string   // the new deploy hook (1 to 65536 bytes); "": unchanged
	ClearHook  bool     // no deploy hook any more (with Hook: ErrInvalid)
	// Revision, when not 0, makes the change apply only to settings still
	// at that revision, else ErrConflict. With 0 the change is applied on
	// top of whatever another writer did meanwhile.
	Revision uint64
	// Reset starts from no settings, whatever is stored (a damaged record
	// too), then applies the change; it writes even when it adds nothing.
	Reset bool
}

// UpdateSettings changes app's settings by compare-and-swap and returns
// them as they are after the change. A change that changes nothing writes
// nothing. An invalid key, a key in both lists, a mask list that would
// pass MaskMax keys, or both Hook and ClearHook is ErrInvalid.
func (s *Store) UpdateSettings(app string, u SettingsUpdate) (*Settings, error) {
	const op = "UpdateSettings"
	add, err := newCStrings(u.MaskAdd)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer add.free()
	remove, err := newCStrings(u.MaskRemove)
	if err != nil {
		return nil, withOp(op, err)
	}
	defer remove.free()
	strs, err := newCStrings([]string{app, u.Hook})
	if err != nil {
		return nil, withOp(op, err)
	}
	defer strs.free()
	sv := strs.slice()
	o := (*C.release_settings_opts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.release_settings_opts{}))))
	if o == nil {
		return nil, newError(op, C.RELEASE_ENOMEM, "")
	}
	defer C.free(unsafe.Pointer(o))
	C.release_settings_opts_init_sized(o, C.size_t(unsafe.Sizeof(*o)))
	o.mask_add, o.mask_add_n = add.array(), add.len()
	o.mask_remove, o.mask_remove_n = remove.array(), remove.len()
	if u.Hook != "" {
		o.hook = sv[1]
	}
	if u.ClearHook {
		o.clear_hook = 1
	}
	o.revision = C.uint64_t(u.Revision)
	if u.Reset {
		o.flags = C.RELEASE_SETTINGS_RESET
	}
	c, err := s.lock(op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var p *C.release_settings
	if rc := C.release_settings_update(c, sv[0], o, &p); rc < 0 {
		return nil, s.fail(op, rc)
	}
	defer C.release_settings_free(p)
	return goSettings(p), nil
}
