/*
 * test_limiter.c — Check suite "limiter": the GC CPU limiter
 * (gc/limiter.c; Go's mgclimit.go) and what it does to a program whose
 * live heap alone exceeds the memory limit.
 *
 * 1. The bucket, driven as Go's TestGCCPULimiter (mgclimit_test.go) drives
 *    it: mock time, 14 procs, the same sequence of updates, transitions
 *    and capacity resets, twice over (state must not leak between the
 *    rounds), with Go's expected fill, limiting flag and overflow after
 *    each step.
 * 2. Edge cases of the bucket: idle time comes out of the window; an
 *    update during a transition is refused; updates with stale time are
 *    ignored.  The CPU totals gm_read_memstats reports (gc_cpu_total_ns,
 *    cpu_total_ns): exact on the mock clock, and across a forced cycle of
 *    the runtime.
 * 3. Behaviour: a live heap twice the memory limit, with garbage churned
 *    through it.  The program must finish its fixed work (no death
 *    spiral, no out-of-memory), cycles must run limited by memory, and
 *    either the CPU limiter turned on or the collector's CPU share stayed
 *    at or under 50%.  Assertions are on counters and flags only; nothing
 *    is timed.  Not a benchmark.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gc/limiter.h"
#include "gomem.h"

#define MS ((int64_t)1000000)
#define SEC ((int64_t)1000000000)
#define PROCS 14
#define CAP_PER_PROC ((int64_t)GMI_LIMITER_CAPACITY_PER_PROC)
#define BG_UTIL 0.25 /* gcBackgroundUtilization */

static int64_t ticks;

static int64_t advance(int64_t d)
{
	ticks += d;
	return ticks;
}

/* assist CPU time for frac of all procs over d (the Go test's assistTime) */
static int64_t assist_time(int64_t d, double frac)
{
	return (int64_t)(frac * (double)d * PROCS);
}

/* ---- 1. TestGCCPULimiter ------------------------------------------------- */

/* one round of the Go test; base_overflow is the overflow of earlier
 * rounds */
static void go_round(gmi_cpu_limiter *l, uint64_t base_overflow)
{
	ck_assert_uint_eq(gmi_cpu_limiter_capacity(l), PROCS * CAP_PER_PROC);
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), 0);

	/* filling the bucket with mutator time only */
	gmi_cpu_limiter_update(l, advance(10 * MS));
	gmi_cpu_limiter_update(l, advance(SEC));
	gmi_cpu_limiter_update(l, advance(3600 * SEC));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), 0);

	/* needUpdate */
	ck_assert(!gmi_cpu_limiter_need_update(l, advance(GMI_LIMITER_UPDATE_PERIOD / 2)));
	ck_assert(gmi_cpu_limiter_need_update(l, advance(GMI_LIMITER_UPDATE_PERIOD)));
	gmi_cpu_limiter_update(l, advance(0));
	ck_assert(!gmi_cpu_limiter_need_update(l, advance(0)));

	/* a transition that enables the GC: the stop fills the bucket */
	gmi_cpu_limiter_start_transition(l, true, advance(109 * MS));
	gmi_cpu_limiter_finish_transition(l, advance(2 * MS + 1000));
	int64_t fill = (2 * MS + 1000) * PROCS;
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), (uint64_t)fill);

	/* time passes during the GC without assists: drain to exactly procs
	 * ns; window = (fill - n) / (procs * (1 - 2 * 0.25)) */
	double factor = 1 / (1 - 2 * BG_UTIL);
	gmi_cpu_limiter_update(l, advance((int64_t)(factor * (double)(fill - PROCS) / PROCS)));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), PROCS);

	/* drain to zero */
	gmi_cpu_limiter_update(l, advance(2 * PROCS * CAP_PER_PROC));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), 0);

	/* 50% GC work: the bucket does not move */
	gmi_cpu_limiter_add_assist_time(l, assist_time(10 * MS, 0.5 - BG_UTIL));
	gmi_cpu_limiter_update(l, advance(10 * MS));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), 0);

	/* 100% GC work fills by the window */
	gmi_cpu_limiter_add_assist_time(l, assist_time(MS, 1.0 - BG_UTIL));
	gmi_cpu_limiter_update(l, advance(MS));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), PROCS * MS);
	ck_assert(!gmi_cpu_limiter_limiting(l));

	/* filled exactly: limiting, no overflow */
	gmi_cpu_limiter_add_assist_time(l, assist_time(CAP_PER_PROC - MS, 1.0 - BG_UTIL));
	gmi_cpu_limiter_update(l, advance(CAP_PER_PROC - MS));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), gmi_cpu_limiter_capacity(l));
	ck_assert(gmi_cpu_limiter_limiting(l));
	ck_assert_uint_eq(gmi_cpu_limiter_overflow(l), base_overflow);

	/* a change of exactly zero (GC at 50%): still on, no overflow */
	gmi_cpu_limiter_add_assist_time(l, assist_time(SEC, 0.5 - BG_UTIL));
	gmi_cpu_limiter_update(l, advance(SEC));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), gmi_cpu_limiter_capacity(l));
	ck_assert(gmi_cpu_limiter_limiting(l));
	ck_assert_uint_eq(gmi_cpu_limiter_overflow(l), base_overflow);

	/* drain by half: off */
	gmi_cpu_limiter_add_assist_time(l, assist_time(CAP_PER_PROC, 0));
	gmi_cpu_limiter_update(l, advance(CAP_PER_PROC));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), gmi_cpu_limiter_capacity(l) / 2);
	ck_assert(!gmi_cpu_limiter_limiting(l));

	/* overfill: on, half a capacity of overflow */
	gmi_cpu_limiter_add_assist_time(l, assist_time(CAP_PER_PROC, 1.0 - BG_UTIL));
	gmi_cpu_limiter_update(l, advance(CAP_PER_PROC));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), gmi_cpu_limiter_capacity(l));
	ck_assert(gmi_cpu_limiter_limiting(l));
	ck_assert_uint_eq(gmi_cpu_limiter_overflow(l),
			  (uint64_t)(CAP_PER_PROC * PROCS / 2) + base_overflow);

	/* the cycle ends with assists left over */
	gmi_cpu_limiter_add_assist_time(l, assist_time(MS, 1.0 - BG_UTIL));
	gmi_cpu_limiter_start_transition(l, false, advance(MS));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), gmi_cpu_limiter_capacity(l));
	ck_assert(gmi_cpu_limiter_limiting(l));
	ck_assert_uint_eq(gmi_cpu_limiter_overflow(l),
			  (uint64_t)((CAP_PER_PROC / 2 + MS) * PROCS) + base_overflow);

	/* the stop adds to the bucket */
	gmi_cpu_limiter_finish_transition(l, advance(5 * MS));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), gmi_cpu_limiter_capacity(l));
	ck_assert(gmi_cpu_limiter_limiting(l));
	uint64_t overflow = (uint64_t)((CAP_PER_PROC / 2 + 6 * MS) * PROCS);
	ck_assert_uint_eq(gmi_cpu_limiter_overflow(l), overflow + base_overflow);

	/* more procs: the fill stays, limiting stops, overflow unchanged */
	uint64_t expect_fill = gmi_cpu_limiter_capacity(l);
	gmi_cpu_limiter_reset_capacity(l, advance(0), PROCS + 10);
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), expect_fill);
	ck_assert(!gmi_cpu_limiter_limiting(l));
	ck_assert_uint_eq(gmi_cpu_limiter_overflow(l), overflow + base_overflow);

	/* fewer procs: the fill is cut to the capacity, limiting again, and
	 * no overflow counted for it */
	gmi_cpu_limiter_reset_capacity(l, advance(0), PROCS - 10);
	ck_assert_uint_eq(gmi_cpu_limiter_fill(l), gmi_cpu_limiter_capacity(l));
	ck_assert(gmi_cpu_limiter_limiting(l));
	ck_assert_uint_eq(gmi_cpu_limiter_overflow(l), overflow + base_overflow);

	/* back to the start state; the next round checks it */
	gmi_cpu_limiter_reset_capacity(l, advance(CAP_PER_PROC * PROCS), PROCS);
}

START_TEST(go_cpu_limiter)
{
	static gmi_cpu_limiter l;
	ticks = 0;
	gmi_cpu_limiter_init(&l, ticks, PROCS);
	uint64_t base_overflow = 0;
	for (int i = 0; i < 2; i++) {
		go_round(&l, base_overflow);
		base_overflow += (uint64_t)((CAP_PER_PROC / 2 + 6 * MS) * PROCS);
	}
}
END_TEST

/* ---- 2. edges -------------------------------------------------------------- */

START_TEST(idle_time_leaves_the_window)
{
	static gmi_cpu_limiter l;
	ticks = 0;
	gmi_cpu_limiter_init(&l, ticks, 2);
	gmi_cpu_limiter_start_transition(&l, true, advance(0));
	gmi_cpu_limiter_finish_transition(&l, advance(0));
	/* 1 s on 2 procs, one of them idle: total 1 CPU-s; GC = 25% of the
	 * real 2 CPU-s = 0.5 s, plus 0.5 s of assists = 1 s: all GC, so the
	 * bucket fills by the whole remaining window, 1 s */
	gmi_cpu_limiter_add_idle_time(&l, SEC);
	gmi_cpu_limiter_add_assist_time(&l, SEC / 2);
	gmi_cpu_limiter_update(&l, advance(SEC));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(&l), (uint64_t)SEC);
	ck_assert(!gmi_cpu_limiter_limiting(&l));
	/* the pools were drained: another idle second of mutator time
	 * (25% GC of 2 s = 0.5, mutator 2 - 0.5 = 1.5) drains it all */
	gmi_cpu_limiter_update(&l, advance(SEC));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(&l), 0);
}
END_TEST

START_TEST(stale_update_ignored)
{
	static gmi_cpu_limiter l;
	ticks = 0;
	gmi_cpu_limiter_init(&l, ticks, 1);
	gmi_cpu_limiter_add_assist_time(&l, 5 * MS);
	gmi_cpu_limiter_update(&l, advance(10 * MS));
	ck_assert_uint_eq(gmi_cpu_limiter_fill(&l), 0); /* 5 ms GC, 5 mutator */
	gmi_cpu_limiter_add_assist_time(&l, 10 * MS);
	gmi_cpu_limiter_update(&l, ticks - MS); /* older than the last one */
	ck_assert_uint_eq(gmi_cpu_limiter_fill(&l), 0);
	gmi_cpu_limiter_update(&l, advance(10 * MS)); /* the assist counts now */
	ck_assert_uint_eq(gmi_cpu_limiter_fill(&l), 10 * MS);
}
END_TEST

/* The CPU totals (inv:cpu-totals): what each window adds, and a read that
 * brings them up to now without touching the bucket. */
START_TEST(cpu_totals)
{
	static gmi_cpu_limiter l;
	int64_t gc, cpu;
	ticks = 0;
	gmi_cpu_limiter_init(&l, ticks, 2);
	gmi_cpu_limiter_cpu_totals(&l, ticks, &gc, &cpu);
	ck_assert(gc == 0 && cpu == 0);
	gmi_cpu_limiter_update(&l, advance(10 * MS)); /* mutator only */
	gmi_cpu_limiter_cpu_totals(&l, ticks, &gc, &cpu);
	ck_assert(gc == 0 && cpu == 20 * MS);
	/* not marking: a later read stands at the last update */
	gmi_cpu_limiter_cpu_totals(&l, ticks + 5 * MS, &gc, &cpu);
	ck_assert(gc == 0 && cpu == 20 * MS);
	/* a 1 ms stop that turns marking on: all of it is GC time */
	gmi_cpu_limiter_start_transition(&l, true, advance(0));
	gmi_cpu_limiter_finish_transition(&l, advance(MS));
	gmi_cpu_limiter_cpu_totals(&l, ticks, &gc, &cpu);
	ck_assert(gc == 2 * MS && cpu == 22 * MS);
	/* 8 ms of marking with 3 ms of assists: 25% of 16 ms + 3 ms; a read
	 * 8 ms on counts it as the update will, and changes nothing */
	gmi_cpu_limiter_add_assist_time(&l, 3 * MS);
	uint64_t fill = gmi_cpu_limiter_fill(&l);
	gmi_cpu_limiter_cpu_totals(&l, ticks + 8 * MS, &gc, &cpu);
	ck_assert(gc == 2 * MS + 4 * MS + 3 * MS && cpu == 38 * MS);
	ck_assert_uint_eq(gmi_cpu_limiter_fill(&l), fill);
	gmi_cpu_limiter_update(&l, advance(8 * MS));
	int64_t gc2, cpu2;
	gmi_cpu_limiter_cpu_totals(&l, ticks, &gc2, &cpu2);
	ck_assert(gc2 == gc && cpu2 == cpu);
	/* a read with an older time adds nothing */
	gmi_cpu_limiter_cpu_totals(&l, ticks - MS, &gc2, &cpu2);
	ck_assert(gc2 == gc && cpu2 == cpu);
	/* GC time that overflows the bucket still counts */
	gmi_cpu_limiter_add_assist_time(&l, 10 * SEC);
	gmi_cpu_limiter_update(&l, advance(MS));
	ck_assert(gmi_cpu_limiter_limiting(&l));
	gmi_cpu_limiter_cpu_totals(&l, ticks, &gc2, &cpu2);
	ck_assert(gc2 == gc + 10 * SEC + MS / 2 && cpu2 == cpu + 2 * MS);
}
END_TEST

/* gm_read_memstats' totals: a forced cycle adds GC time, never more than
 * the CPU time that passed, and neither total goes down. */
START_TEST(memstats_cpu_totals)
{
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gm_memstats a, b;
	gm_read_memstats(&a);
	gm_gc();
	gm_read_memstats(&b);
	ck_assert_uint_gt(b.cpu_total_ns, a.cpu_total_ns);
	ck_assert_uint_gt(b.gc_cpu_total_ns, a.gc_cpu_total_ns); /* the stops */
	ck_assert_uint_le(b.gc_cpu_total_ns - a.gc_cpu_total_ns,
			  b.cpu_total_ns - a.cpu_total_ns);
	ck_assert_uint_le(b.gc_cpu_total_ns, b.cpu_total_ns);
	gm_thread_detach();
	gm_shutdown();
}
END_TEST

/* ---- 3. a live heap over the limit ----------------------------------------- */

typedef struct node {
	struct node *next;
	uint64_t pad[7];
} node;

static const gm_type *node_type(void)
{
	static const size_t offs[] = {0};
	return gm_type_new("limiter_node", sizeof(node), offs, 1);
}

/* written by the collector's thread (the hook), read by the test */
static _Atomic uint32_t cycles_mem_limited, cycles_cpu_limited, cycles_seen;

static void count_cycle(const gm_cycle *c, void *ctx)
{
	(void)ctx;
	cycles_seen++;
	cycles_mem_limited += c->memory_limited != 0;
	cycles_cpu_limited += c->cpu_limited != 0;
}

#define LIVE_BYTES ((size_t)32 << 20)
#define LIMIT_BYTES ((int64_t)16 << 20)
#define GARBAGE_NODES ((size_t)6 << 20) /* 384 MiB of 64-byte garbage */

START_TEST(live_heap_over_limit_keeps_running)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = 100;
	cfg.memory_limit = LIMIT_BYTES;
	cfg.procs = 1; /* a 1 s bucket */
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gm_set_cycle_hook(count_cycle, NULL);
	const gm_type *t = node_type();
	node *live = NULL;
	for (size_t i = 0; i < LIVE_BYTES / sizeof(node); i++) {
		node *n = gm_new(t);
		GM_WRITE(n->next, live);
		live = n;
	}
	for (size_t i = 0; i < GARBAGE_NODES; i++) {
		node *g = gm_new(t);
		g->pad[0] = i;
	}
	gm_memstats ms;
	gm_read_memstats(&ms);
	size_t n = 0;
	for (node *p = live; p != NULL; p = p->next)
		n++;
	ck_assert_uint_eq(n, LIVE_BYTES / sizeof(node)); /* the heap is intact */
	ck_assert_uint_gt(ms.num_gc, 10);
	ck_assert_uint_gt(cycles_mem_limited, 0);
	ck_assert_int_eq(ms.memory_limit, LIMIT_BYTES);
	/* the collector's share is capped: either the limiter acted, or it
	 * never had to */
	ck_assert_msg(cycles_cpu_limited > 0 || ms.gc_cpu_fraction <= 0.5,
		      "cpu-limited cycles %u, GC CPU fraction %.3f",
		      cycles_cpu_limited, ms.gc_cpu_fraction);
	/* the hook and MemStats count the same cycles, but a cycle may be
	 * recorded between the read of MemStats and this line: one apart */
	uint32_t hooked = atomic_load(&cycles_cpu_limited);
	ck_assert_uint_le(ms.num_cpu_limited_gc, hooked + 1);
	ck_assert_uint_le(hooked, ms.num_cpu_limited_gc + 1);
	if (ms.num_cpu_limited_gc > 0)
		ck_assert_uint_gt(ms.last_cpu_limited_gc, 0);
	gm_set_cycle_hook(NULL, NULL);
	gm_thread_detach();
	gm_shutdown();
}
END_TEST

static Suite *limiter_suite(void)
{
	Suite *s = suite_create("limiter");
	TCase *tc = tcase_create("bucket");
	tcase_add_test(tc, go_cpu_limiter);
	tcase_add_test(tc, idle_time_leaves_the_window);
	tcase_add_test(tc, stale_update_ignored);
	tcase_add_test(tc, cpu_totals);
	suite_add_tcase(s, tc);
	tc = tcase_create("runtime");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, memstats_cpu_totals);
	tcase_add_test(tc, live_heap_over_limit_keeps_running);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(limiter_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
