package librelease

/*
#include <librelease/release.h>
*/
import "C"

// setCallbacks wires the clock and random source of cfg into o.
func (s *Store) setCallbacks(o *C.release_store_opts, cfg *openConfig) {}
