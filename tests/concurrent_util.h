/*
 * concurrent_util.h — what the concurrent collector's suites share
 * (test_concurrent.c, test_concurrent_graph.c) besides the node of
 * node_util.h: the fixture (GOMEM_COLLECTOR picks the mode, the heap
 * verifier is on), and holding a mark phase open.  Included by exactly one
 * translation unit per suite, so its functions are static.
 */
#ifndef GOMEM_TESTS_CONCURRENT_UTIL_H
#define GOMEM_TESTS_CONCURRENT_UTIL_H

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gc/gc.h"
#include "gc/proc.h"
#include "gomem.h"
#include "tests/node_util.h"

static inline void setup(void)
{
	gm_config cfg;
	gm_config_default(&cfg); /* GOMEM_COLLECTOR picks the mode */
	cfg.gccheckmark = 1;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gmi_heapcheck_enabled = true; /* verifies today's cycles too */
	make_types();
}

static inline void teardown(void)
{
	gmi_gc_hold_mark(false);
	gmi_gc_wait_mark_done();
	gm_thread_detach();
	gm_shutdown();
}

static inline uint32_t num_gc(void)
{
	gm_memstats ms;
	gm_read_memstats(&ms);
	return ms.num_gc;
}

/* allocate and drop n nodes, with safepoints (frame gone afterwards) */
static NOINLINE __attribute__((unused)) void churn(int n)
{
	for (int i = 0; i < n; i++) {
		node_new((uint64_t)i);
		if (i % 64 == 0)
			gm_safepoint();
	}
}

/* Open a mark phase that stays open until mark_close.  True when a cycle
 * is in fact marking concurrently; false under GM_STW (and until the
 * concurrent modes land), where start_async ran a whole cycle. */
static inline bool mark_open(void)
{
	gmi_gc_hold_mark(true);
	gmi_gc_start_async();
	bool open = gmi_gc_phase_now() == GMI_PHASE_MARK;
	if (gmi_config.collector == GM_STW)
		ck_assert_msg(!open, "GM_STW left a mark phase open across start_async");
	return open;
}

static inline void mark_close(void)
{
	gmi_gc_hold_mark(false);
	gmi_gc_wait_mark_done();
}

/* spin until *flag is set, polling the safepoint (an attached thread that
 * spins must not hold up a stop of the world) */
static inline void wait_flag(atomic_int *flag)
{
	while (!atomic_load_explicit(flag, memory_order_acquire)) {
		gm_safepoint();
		sched_yield();
	}
}

static inline void join(pthread_t th)
{
	gm_blocking_enter();
	pthread_join(th, NULL);
	gm_blocking_leave();
}

#endif
