/*
 * proc_util.h — what test_proc.c and test_roots.c share: the fixture (gm_init
 * and an attached caller), bounded waits, and spinners (attached threads
 * that poll the safepoint, each holding a known value in a local).
 * Included by one test file per executable: the functions are static.
 */
#ifndef GOMEM_TESTS_PROC_UTIL_H
#define GOMEM_TESTS_PROC_UTIL_H

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "gc/proc.h"
#include "gomem.h"

#define WAIT_NS (20 * 1000000000LL) /* 20 s: far beyond any correct wait */

static void setup(void)
{
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}

static void teardown(void)
{
	gm_thread_detach();
	gm_shutdown();
}

/* Wait until *flag >= v, polling the safepoint (the caller may be an
 * attached thread that another thread wants to stop).  false on timeout. */
static bool await_flag(atomic_int *flag, int v)
{
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (atomic_load(flag) < v) {
		if (gmi_nanotime() > deadline)
			return false;
		gm_safepoint();
		usleep(100);
	}
	return true;
}

/* join from an attached thread without holding up stops */
static void join_blocking(pthread_t th)
{
	gm_blocking_enter();
	pthread_join(th, NULL);
	gm_blocking_leave();
}

/* ---- spinners: attached threads that poll the safepoint ----------------- */

typedef struct spinner {
	pthread_t th;
	atomic_ullong count;              /* loop iterations */
	_Atomic(gmi_thread *) self;       /* published once attached */
	_Atomic(uintptr_t) local_addr;    /* address of a local of the thread */
	uintptr_t secret;                 /* the value stored in that local */
} spinner;

static atomic_int spin_quit;
static atomic_int spin_ready;

static void *spinner_main(void *arg)
{
	spinner *s = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	volatile uintptr_t local = s->secret;
	atomic_store(&s->local_addr, (uintptr_t)&local);
	atomic_store(&s->self, gmi_thread_current());
	atomic_fetch_add(&spin_ready, 1);
	while (!atomic_load_explicit(&spin_quit, memory_order_relaxed)) {
		atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
		gm_safepoint();
	}
	(void)local;
	gm_thread_detach();
	return NULL;
}

static void spinners_start(spinner *s, int n)
{
	atomic_store(&spin_quit, 0);
	atomic_store(&spin_ready, 0);
	for (int i = 0; i < n; i++) {
		memset(&s[i], 0, sizeof s[i]);
		s[i].secret = (uintptr_t)0x5ec2e7000000a000ULL + (uintptr_t)i;
		ck_assert_int_eq(pthread_create(&s[i].th, NULL, spinner_main, &s[i]), 0);
	}
	ck_assert(await_flag(&spin_ready, n));
}

static void spinners_stop(spinner *s, int n, bool caller_attached)
{
	atomic_store(&spin_quit, 1);
	for (int i = 0; i < n; i++)
		if (caller_attached)
			join_blocking(s[i].th);
		else
			pthread_join(s[i].th, NULL);
}

#endif
