/* Helpers of the actor tests; each asserts success. */
#ifndef RELEASE_TEST_ACTOR_UTIL_H
#define RELEASE_TEST_ACTOR_UTIL_H

#include "harness.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "<login>@<host>" of this process, as the default actor is. */
static inline const char *default_actor(void)
{
	static char want[600];
	char host[256] = "";
	struct passwd *pw = getpwuid(geteuid());

	assert_int_equal(gethostname(host, sizeof host - 1), 0);
	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(want, sizeof want, "%s@%s", pw->pw_name, host);
	else
		snprintf(want, sizeof want, "uid %lu@%s", (unsigned long)geteuid(), host);
	return want;
}

static inline void set_actor(release_store *s, const char *actor)
{
	assert_store_ok(s, release_store_set_actor(s, actor));
	assert_text_equal(release_store_actor(s), actor);
}

/* A second handle on the fixture's backend with opts.actor set. */
static inline release_store *handle_as(struct fixture *f, const char *actor)
{
	release_store_opts o;

	release_store_opts_init(&o);
	o.clock = test_clock_read;
	o.clock_payload = &f->clock;
	o.random = test_random_fill;
	o.random_payload = &f->random;
	o.actor = actor;
	return shared_backend_open(f->backend, &o);
}

static inline release_build *complete_build(release_store *s, const char *app)
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.description = "build";
	o.manifest = "web: {}\n";
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	return b;
}

static inline int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	(void)ev;
	return 1;
}

#endif
