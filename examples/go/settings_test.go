package librelease

import (
	"reflect"
	"testing"
)

func TestSettingsMaskAndHook(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		seedApp(t, s, "web")
		st, err := s.Settings("web")
		if err != nil || st.Revision != 1 || len(st.Mask) != 0 || st.Hook != "" {
			t.Fatalf("fresh settings %+v: %v", st, err)
		}
		st, err = s.UpdateSettings("web", SettingsUpdate{MaskAdd: []string{"TOKEN", "API_KEY"}, Hook: "deploy.sh"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Revision != 2 || !reflect.DeepEqual(st.Mask, []string{"API_KEY", "TOKEN"}) || st.Hook != "deploy.sh" ||
			!st.Masked("TOKEN") || st.Masked("OTHER") || st.Actor == "" {
			t.Errorf("updated %+v", st)
		}
		st, err = s.UpdateSettings("web", SettingsUpdate{MaskRemove: []string{"TOKEN"}, ClearHook: true})
		if err != nil || !reflect.DeepEqual(st.Mask, []string{"API_KEY"}) || st.Hook != "" || st.Revision != 3 {
			t.Errorf("after removing %+v: %v", st, err)
		}
		st, err = s.UpdateSettings("web", SettingsUpdate{Reset: true})
		if err != nil || len(st.Mask) != 0 || st.Revision != 4 {
			t.Errorf("after reset %+v: %v", st, err)
		}
	})
}

func TestSettingsStaleRevisionIsConflict(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store, _ string) {
		seedApp(t, s, "web")
		if _, err := s.UpdateSettings("web", SettingsUpdate{MaskAdd: []string{"A"}, Revision: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := s.UpdateSettings("web", SettingsUpdate{MaskAdd: []string{"B"}, Revision: 1})
		wantErr(t, err, ErrConflict)
	})
}

func TestSettingsInvalidChangeIsInvalid(t *testing.T) {
	s := mustOpen(t, "memory:")
	seedApp(t, s, "web")
	for name, u := range map[string]SettingsUpdate{
		"hook and clear": {Hook: "x", ClearHook: true},
		"bad key":        {MaskAdd: []string{"NOT-A-KEY"}},
		"key in both":    {MaskAdd: []string{"A"}, MaskRemove: []string{"A"}},
		"NUL in key":     {MaskAdd: []string{"A\x00B"}},
		"NUL in hook":    {Hook: "run\x00this"},
	} {
		_, err := s.UpdateSettings("web", u)
		if !errorsIsAny(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if st, _ := s.Settings("web"); st.Revision != 1 {
		t.Errorf("a refused change was written: %+v", st)
	}
}

func TestSettingsOfMissingAppIsNotFound(t *testing.T) {
	s := mustOpen(t, "memory:")
	_, err := s.Settings("nope")
	wantErr(t, err, ErrNotFound)
}
