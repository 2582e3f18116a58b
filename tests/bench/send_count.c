/*
 * Counts the requests a PostgreSQL client makes: this program defines send,
 * which libpq calls once to flush each request it then waits on (pgstore
 * runs each statement with a synchronous PQexec*), so the count is the
 * number of round trips to the server. As in sync_count.c, the definition
 * is exported from the executable, counts, then calls libc's send.
 */
#include "bench.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

typedef ssize_t (*send_fn)(int, const void *, size_t, int);

static atomic_uint_fast64_t calls;

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	REAL(send_fn, "send");
	atomic_fetch_add(&calls, 1);
	sys_note();
	return real(fd, buf, len, flags);
}

uint64_t send_calls(void)
{
	return atomic_load(&calls);
}

void send_count_check(void)
{
	send_fn mine = send;
	void *p = NULL;

	memcpy(&p, &mine, sizeof p);
	if (dlsym(RTLD_DEFAULT, "send") != p)
		die("send is not interposed: libpq's calls would not be counted (is it exported "
		    "from the executable? see meson.build)");
}
