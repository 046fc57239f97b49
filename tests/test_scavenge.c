/*
 * test_scavenge.c — Check suite "scavenge": returning memory to the OS
 * (alloc/scavenge.c; Go's mgcscavenge.go).
 *
 * 1. The PI controller of the scavenger's sleep (Go's piController):
 *    clamping, and the reset on overflow.
 * 2. The retained-memory goal (gcPaceScavenger): none before a cycle has
 *    a previous goal, none when retained memory is already within a page
 *    of it, else pages in use scaled by the goal's growth, plus 10%, page
 *    aligned; the memory-limit goal is 95% of the limit.
 * 3. The background scavenger: after the live heap falls and the goal
 *    follows, it releases free pages until retained memory is under the
 *    goal; heap_released and scavenged_bg show it.  Woken while the world
 *    is stopped, it releases nothing until the restart.
 * 4. Scavenging on allocation: with the limit lowered under what is
 *    mapped, the next span allocation releases the excess at once.
 * 5. gm_free_os_memory still releases every free page.
 * The waits in 3 poll counters for at most 20 s; nothing is timed.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "alloc/mheap.h"
#include "alloc/scavenge.h"
#include "gc/proc.h"
#include "gomem.h"

#define MIB ((size_t)1 << 20)

/* ---- 1 -------------------------------------------------------------------- */

START_TEST(pi_controller_clamps_and_resets)
{
	gmi_pi_controller c = { .kp = 0.3375, .ti = 3.2e6, .tt = 1e9,
				.min = 0.001, .max = 1000.0 };
	double out;
	/* far under the setpoint: the output rises, bounded by max */
	ck_assert(gmi_pi_next(&c, 0.0, 0.01, 1e9, &out));
	ck_assert(out > 0.001 && out <= 1000.0);
	/* far over it: down to min, never below */
	for (int i = 0; i < 100; i++)
		ck_assert(gmi_pi_next(&c, 1.0, 0.01, 1e9, &out));
	ck_assert(out == 0.001);
	/* an infinite input: reset, min, false */
	ck_assert(!gmi_pi_next(&c, 1.0 / 0.0, 0.01, 1e9, &out));
	ck_assert(out == 0.001 && c.input_overflow && c.err_integral == 0);
}
END_TEST

/* ---- 2 -------------------------------------------------------------------- */

static void init_gc(int gc_percent, int64_t limit)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = gc_percent;
	cfg.memory_limit = limit;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}

static void done(void)
{
	gm_thread_detach();
	gm_shutdown();
}

/* n large noscan objects of `size`, kept in a gomem array of pointers */
static void **keep_large(size_t n, size_t size)
{
	static const size_t offs[] = {0};
	const gm_type *slot = gm_type_new("slot", 8, offs, 1);
	void **a = gm_new_array(slot, n);
	for (size_t i = 0; i < n; i++)
		gm_write(&a[i], gm_alloc_noscan(size));
	return a;
}

START_TEST(percent_goal_from_pacing)
{
	init_gc(100, GM_MEMLIMIT_OFF);
	gmi_scavenge_pace(8 * MIB, 0, 8 * MIB);
	ck_assert_uint_eq(gmi_scavenge_percent_goal(), GMI_SCAVENGE_NO_GOAL);
	void **a = keep_large(32, MIB);
	uint64_t retained = gmi_heap_retained();
	ck_assert_uint_ge(retained, 32 * MIB);
	/* already under: no goal */
	gmi_scavenge_pace(64 * MIB, 64 * MIB, retained);
	ck_assert_uint_eq(gmi_scavenge_percent_goal(), GMI_SCAVENGE_NO_GOAL);
	/* goal halved: 4 MiB * (8 / 16) = 2 MiB, + 10% = 2306867.2 -> page */
	gmi_scavenge_pace(8 * MIB, 16 * MIB, 4 * MIB);
	uint64_t want = 2 * MIB + 2 * MIB / 10;
	want = (want + 4095) & ~(uint64_t)4095;
	ck_assert_uint_eq(gmi_scavenge_percent_goal(), want);
	/* GOGC=off without a limit: none */
	gmi_scavenge_pace(UINT64_MAX, 16 * MIB, 4 * MIB);
	ck_assert_uint_eq(gmi_scavenge_percent_goal(), GMI_SCAVENGE_NO_GOAL);
	gmi_scavenge_set_limit(100 * (int64_t)MIB);
	ck_assert_uint_eq(gmi_scavenge_limit_goal(), 95 * MIB);
	gmi_scavenge_set_limit(GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_scavenge_limit_goal(), GMI_SCAVENGE_NO_GOAL);
	a[0] = NULL;
	done();
}
END_TEST

/* ---- 3 -------------------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	gm_blocking_enter();
	nanosleep(&ts, NULL);
	gm_blocking_leave();
}

START_TEST(background_follows_falling_heap)
{
	init_gc(100, GM_MEMLIMIT_OFF);
	void **a = keep_large(64, MIB);
	gm_gc();
	gm_memstats ms;
	gm_read_memstats(&ms);
	uint64_t rss_high = ms.heap_sys - ms.heap_released;
	ck_assert_uint_ge(rss_high, 64 * MIB);
	/* the live heap falls to nothing; two cycles bring the goal down */
	for (size_t i = 0; i < 64; i++)
		gm_write(&a[i], NULL);
	gm_gc();
	gm_gc();
	uint64_t goal = gmi_scavenge_percent_goal();
	ck_assert_uint_ne(goal, GMI_SCAVENGE_NO_GOAL);
	ck_assert_uint_lt(goal, 16 * MIB);
	for (int i = 0; i < 2000 && gmi_heap_retained() > goal; i++)
		sleep_ms(10);
	gm_read_memstats(&ms);
	ck_assert_uint_le(gmi_heap_retained(), goal);
	ck_assert_uint_gt(ms.scavenged_bg, 32 * MIB);
	ck_assert_uint_le(ms.heap_sys - ms.heap_released, goal);
	done();
}
END_TEST

/* The scavenger keeps out of a stop of the world (as Go's scavenger
 * goroutine, which the stop deschedules): given a goal and woken while
 * the world is stopped, it releases nothing until the restart.  GOGC=off
 * keeps the goal where the test puts it (no cycle paces it again). */
START_TEST(background_waits_out_a_stop)
{
	init_gc(GM_GOGC_OFF, GM_MEMLIMIT_OFF);
	void **a = keep_large(64, MIB);
	for (size_t i = 0; i < 64; i++)
		gm_write(&a[i], NULL);
	gm_gc(); /* 64 MiB free and not released; no goal yet */
	ck_assert_uint_eq(gmi_scavenge_percent_goal(), GMI_SCAVENGE_NO_GOAL);
	gmi_stw_stop();
	/* the goal of percent_goal_from_pacing: some 2 MiB */
	gmi_scavenge_pace(8 * MIB, 16 * MIB, 4 * MIB);
	uint64_t goal = gmi_scavenge_percent_goal();
	ck_assert_uint_lt(goal, gmi_heap_retained());
	uint64_t r0 = atomic_load(&gmi_heap.stats.heap_released);
	gmi_scavenger_wake();
	struct timespec ts = { 0, 50 * 1000000 };
	nanosleep(&ts, NULL); /* not a blocking region: we hold the world */
	uint64_t r1 = atomic_load(&gmi_heap.stats.heap_released);
	gmi_stw_start();
	ck_assert_uint_eq(r1, r0);
	for (int i = 0; i < 2000 && gmi_heap_retained() > goal; i++)
		sleep_ms(10);
	ck_assert_uint_le(gmi_heap_retained(), goal);
	done();
}
END_TEST

/* ---- 4 -------------------------------------------------------------------- */

START_TEST(allocation_scavenges_past_limit)
{
	init_gc(GM_GOGC_OFF, 256 * (int64_t)MIB);
	void **a = keep_large(48, MIB);
	for (size_t i = 0; i < 48; i++)
		gm_write(&a[i], NULL);
	gm_gc(); /* 48 MiB free and not released */
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_ge(ms.mapped_ready, 48 * MIB);
	uint64_t eager0 = ms.scavenged_alloc, bg0 = ms.scavenged_bg;
	int64_t limit = 24 * (int64_t)MIB;
	ck_assert_int_eq(gm_set_memory_limit(limit), 256 * (int64_t)MIB);
	/* the allocation slow path reports the new limit, then the span
	 * allocation finds mapped memory over it */
	void *p = gm_alloc_noscan(MIB);
	ck_assert_ptr_nonnull(p);
	gm_read_memstats(&ms);
	/* scavenging on allocation did it, unless the background scavenger,
	 * which the new limit wakes, got there first (to 95% of the limit,
	 * and then the allocation had nothing to do): either way, mapped
	 * memory is under the limit right after the allocation */
	ck_assert(ms.scavenged_alloc > eager0 || ms.scavenged_bg > bg0);
	ck_assert_uint_le(ms.mapped_ready, (uint64_t)limit);
	ck_assert_int_eq(ms.memory_limit, limit);
	done();
}
END_TEST

/* ---- 5 -------------------------------------------------------------------- */

START_TEST(free_os_memory_releases_all)
{
	init_gc(100, GM_MEMLIMIT_OFF);
	void **a = keep_large(16, MIB);
	for (size_t i = 0; i < 16; i++)
		gm_write(&a[i], NULL);
	gm_free_os_memory();
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_eq(ms.heap_released, ms.heap_idle);
	done();
}
END_TEST

static Suite *scavenge_suite(void)
{
	Suite *s = suite_create("scavenge");
	TCase *tc = tcase_create("controller");
	tcase_add_test(tc, pi_controller_clamps_and_resets);
	suite_add_tcase(s, tc);
	tc = tcase_create("runtime");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, percent_goal_from_pacing);
	tcase_add_test(tc, background_follows_falling_heap);
	tcase_add_test(tc, background_waits_out_a_stop);
	tcase_add_test(tc, allocation_scavenges_past_limit);
	tcase_add_test(tc, free_os_memory_releases_all);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(scavenge_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
