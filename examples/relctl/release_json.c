/* The JSON shape of a release. */
#include "release_json.h"

#include "output.h"

void release_json(struct json *j, const release *r, int details, const release_settings *mask)
{
	json_begin_object(j);
	json_key(j, "id");
	json_string(j, release_id(r));
	json_key(j, "app");
	json_string(j, release_app_of(r));
	json_key(j, "version");
	json_uint(j, release_version(r));
	json_key(j, "status");
	json_string(j, release_status_word(r));
	json_key(j, "active");
	json_bool(j, release_is_active(r));
	json_key(j, "build");
	json_string(j, release_build_of(r));
	json_key(j, "description");
	json_string(j, release_description(r));
	json_key(j, "created");
	json_time(j, release_created(r));
	json_key(j, "source");
	json_string(j, release_source(r));
	json_key(j, "promoted");
	json_time(j, release_promoted(r));
	json_key(j, "failed");
	json_time(j, release_failed(r));
	if (details) {
		json_key(j, "env");
		json_begin_object(j);
		for (size_t i = 0; i < release_env_count(r); i++) {
			json_key(j, release_env_key(r, i));
			json_string(j, env_shown(mask, release_env_key(r, i), release_env_value(r, i)));
		}
		json_end_object(j);
		json_key(j, "manifest");
		json_string(j, release_manifest(r));
	}
	/* Last: keys are only ever added at an object's end. */
	json_key(j, "actor");
	json_string(j, release_actor(r));
	json_end_object(j);
}
