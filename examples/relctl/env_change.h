/*
 * What the env changes share (env set, env unset, env edit, env mask set
 * and unset): Convox's "Setting K1, K2... " line, the checks of values
 * before it, and the change that makes an env exactly a set of pairs.
 */
#ifndef RELCTL_ENV_CHANGE_H
#define RELCTL_ENV_CHANGE_H

#include <stddef.h>

#include "env_file.h"
#include "relctl.h"

/* Prints "<verb> K1, K2... " to the transcript, naming n keys (each up to
 * any '=', so "KEY=VALUE" pairs name their keys), and flushes it. */
void relctl_say_keys(struct relctl *c, const char *verb, const char *const *keys, size_t n);

/* Checks that every value of p is one the library keeps (at most
 * ENV_VALUE_MAX bytes), so that a change fails before its transcript
 * starts. 0, or the exit status after reporting. */
int relctl_check_values(const struct env_pairs *p);

/* The change that makes an env exactly a set of pairs. */
struct env_diff {
	const char **set;   /* the pairs the env lacks, or holds with another value */
	size_t set_n;
	const char **unset; /* the env's keys that the pairs lack */
	size_t unset_n;
	const char **keys;  /* all of them in key order ("KEY=VALUE" or "KEY") */
	size_t keys_n;
};

/* Makes d the change from base's env (NULL: an empty env) to exactly p's
 * pairs (no key twice). d's strings are p's and base's: they live as long
 * as those do. 0, or -1 when out of memory. Free with env_diff_free(). */
int env_diff_make(struct env_diff *d, const release *base, const struct env_pairs *p);
void env_diff_free(struct env_diff *d);

#endif
