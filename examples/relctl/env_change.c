/* What the env changes share (env_change.h). */
#include "env_change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void relctl_say_keys(struct relctl *c, const char *verb, const char *const *keys, size_t n)
{
	fprintf(c->progress, "%s ", verb);
	for (size_t i = 0; i < n; i++)
		fprintf(c->progress, "%s%.*s", i ? ", " : "", (int)strcspn(keys[i], "="), keys[i]);
	fputs("... ", c->progress);
	fflush(c->progress);
}

int relctl_check_values(const struct env_pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *pair = p->pairs[i];
		size_t klen = strcspn(pair, "="), vlen = strlen(pair + klen + 1);

		if (vlen > ENV_VALUE_MAX)
			return relctl_error(RELCTL_EXIT_USAGE,
					    "the value of %.*s is %zu bytes: longer than a value "
					    "may be (%zu bytes)",
					    (int)klen, pair, vlen, ENV_VALUE_MAX);
	}
	return 0;
}

/* Orders "KEY=VALUE" pairs and keys by key (keys are [A-Za-z0-9_], so byte
 * order is the library's). */
static int by_key(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
	int cmp = memcmp(x, y, nx < ny ? nx : ny);

	return cmp ? cmp : (nx > ny) - (nx < ny);
}

void env_diff_free(struct env_diff *d)
{
	free(d->set);
	free(d->unset);
	free(d->keys);
	memset(d, 0, sizeof *d);
}

int env_diff_make(struct env_diff *d, const release *base, const struct env_pairs *p)
{
	size_t n = base ? release_env_count(base) : 0, i = 0, j = 0;
	const char **pairs = malloc((p->n + 1) * sizeof *pairs);
	const char **had = malloc((n + 1) * sizeof *had);

	memset(d, 0, sizeof *d);
	d->set = malloc((p->n + 1) * sizeof *d->set);
	d->unset = malloc((n + 1) * sizeof *d->unset);
	d->keys = malloc((p->n + n + 1) * sizeof *d->keys);
	if (!pairs || !had || !d->set || !d->unset || !d->keys) {
		free(pairs);
		free(had);
		env_diff_free(d);
		return -1;
	}
	/* Both sorted by key and walked side by side: a change of thousands
	 * of keys costs what sorting them does. */
	if (p->n > 0)
		memcpy(pairs, p->pairs, p->n * sizeof *pairs);
	qsort(pairs, p->n, sizeof *pairs, by_key);
	for (size_t k = 0; k < n; k++)
		had[k] = release_env_key(base, k);
	qsort(had, n, sizeof *had, by_key);
	while (i < p->n || j < n) {
		int cmp = i == p->n ? 1 : j == n ? -1 : by_key(&pairs[i], &had[j]);

		if (cmp < 0) { /* added */
			d->set[d->set_n++] = d->keys[d->keys_n++] = pairs[i++];
		} else if (cmp > 0) { /* removed */
			d->unset[d->unset_n++] = d->keys[d->keys_n++] = had[j++];
		} else { /* kept: changed, or not */
			const char *v = strchr(pairs[i], '=') + 1;

			if (strcmp(v, release_env_get(base, had[j])) != 0)
				d->set[d->set_n++] = d->keys[d->keys_n++] = pairs[i];
			i++;
			j++;
		}
	}
	free(pairs);
	free(had);
	return 0;
}
