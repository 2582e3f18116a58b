/* A release as JSON: the object `releases --json` lists, and with env and
 * manifest, the one `releases info --json` prints. */
#ifndef RELCTL_RELEASE_JSON_H
#define RELCTL_RELEASE_JSON_H

#include <librelease/release.h>

#include "json.h"

/* Writes r; with details, its env (the values of mask's keys masked, as
 * env_shown() does) and its manifest too. */
void release_json(struct json *j, const release *r, int details, const release_settings *mask);

#endif
