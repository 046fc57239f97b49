/*
 * os.c — the clocks and the collector's threads (os.h).
 *
 * Clocks: CLOCK_MONOTONIC less the epoch taken at gm_init (so cycle
 * records start near 0), the calling thread's CPU clock, and the wall
 * clock.  Threads: gmi_spawn starts one with every signal blocked (the
 * program's handlers never run on a thread that is not attached), names
 * it gm-<role><index> and runs the configured thread-start hook on it
 * before its function.
 */
#include "gc/os.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gc/proc.h" /* gmi_config */

/* ---- clocks --------------------------------------------------------------- */

static int64_t os_epoch; /* CLOCK_MONOTONIC ns at gm_init; __atomic */

static int64_t os_clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void gmi_clock_reset(void)
{
	__atomic_store_n(&os_epoch, os_clock_ns(CLOCK_MONOTONIC), __ATOMIC_RELAXED);
}

int64_t gmi_nanotime(void)
{
	return os_clock_ns(CLOCK_MONOTONIC) - __atomic_load_n(&os_epoch, __ATOMIC_RELAXED);
}

int64_t gmi_thread_cputime(void)
{
	return os_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t gmi_unixnano(void)
{
	return (uint64_t)os_clock_ns(CLOCK_REALTIME);
}

/* ---- collector threads ---------------------------------------------------- */

typedef struct os_spawn_arg {
	const char *role;
	int index;
	void *(*fn)(void *);
	void *arg;
} os_spawn_arg;

static void *os_spawn_main(void *p)
{
	os_spawn_arg a = *(os_spawn_arg *)p;
	free(p);
	char name[16]; /* the kernel's limit, with the NUL */
	snprintf(name, sizeof name, "gm-%s%d", a.role, a.index);
	pthread_setname_np(pthread_self(), name);
	if (gmi_config.thread_start != NULL)
		gmi_config.thread_start(a.role, a.index, gmi_config.thread_start_ctx);
	return a.fn(a.arg);
}

bool gmi_spawn(const char *role, int index, void *(*fn)(void *), void *arg,
	       pthread_t *out)
{
	os_spawn_arg *a = malloc(sizeof *a);
	if (a == NULL)
		return false;
	*a = (os_spawn_arg){ .role = role, .index = index, .fn = fn, .arg = arg };
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(out, NULL, os_spawn_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		free(a);
	return err == 0;
}
