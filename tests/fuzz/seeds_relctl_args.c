/* Seeds for fuzz-relctl-args: command lines (words NUL-separated). */
#include "seeds.h"

#include <stdio.h>
#include <string.h>

void relctl_args_seeds(const char *dir)
{
	static const char *const lines[] = {
		"releases|-a|web|--limit|10|--before|0042",
		"releases|--app=web|--limit=18446744073709551615|--json",
		"releases|--limit|18446744073709551616|-a|web",
		"releases|info|RABCDEFGHI|-a|web|--id",
		"builds|create|-a|web|-d|a description|-m|manifest.yml|--status|complete|--promote",
		"env|set|A=1|B=x=y|EMPTY=|-a|web|--promote|--hook|./deploy.sh|--hook-timeout|300",
		"env|set|=x|1A=2|A-B=3|-a|web",
		"env|unset|A|B|_C9|-a|web",
		"env|-a|web|--reveal",
		"releases|rollback|RABCDEFGHI|-a|web|--hook-timeout|0",
		"apps|--store|/tmp/store|--json",
		"apps|--store=memory:|-h",
		"apps|--store=postgresql://localhost/db",
		"help|releases",
		"--version",
		"releases|--|-a|--limit",
		"releases|-aweb|-d|-x",
		"releases|--nope|--limit|",
		" +12|-0|007|9223372036",
		"releases|history|-a|web|--at|2026-11-24T14:32:00.5+02:00|--json",
		"releases|history|--at|2 hours ago|-a|web",
		"releases|wait|-a|web|--timeout|1h 30m|--for|promotion",
		"2024-02-29 23:59:60|2261-12-31T23:59:59Z|1970-01-01t00:00:00z|now",
		"90|5 minutes|2 weeks 3d|9223372036854775807ms",
	};

	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		char buf[512], name[32];
		size_t n = strlen(lines[i]);

		memcpy(buf, lines[i], n);
		for (size_t j = 0; j < n; j++)
			if (buf[j] == '|')
				buf[j] = '\0';
		snprintf(name, sizeof name, "seed-%02zu", i);
		seed_write(dir, "relctl-args", name, buf, n);
	}
}
