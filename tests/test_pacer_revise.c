/*
 * test_pacer_revise.c — Check suite "pacer_revise": the pacer during a
 * cycle (gc/pacer.c; Go 1.21 mgcpacer.go gcControllerState.revise, with
 * startCycle and setGCPercent revising a running cycle): the assist ratio
 * assistWorkPerByte = remaining scan work / remaining heap bytes, the
 * extended goal once the heap passes it, the hard goal, the minimum
 * runway, GOGC=off, and scan work added by many threads while another
 * revises.  The goal and the trigger between cycles are test_pacer.c.
 *
 * Every expected value is worked out by hand, in a comment, from Go's
 * formulas; numbers are chosen so the doubles are exact where equality is
 * asserted.  The threaded test is a correctness test, not a benchmark: it
 * times nothing and its counts are fixed.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gc/pacer.h"
#include "gomem.h"

#define MiB ((uint64_t)1 << 20)
#define OFF UINT64_MAX

static void setup(void)
{
	gmi_pacer_init(100, GM_MEMLIMIT_OFF);
}

/* ---- revise: the assist ratio --------------------------------------------- */

/* Committed: marked 10 MiB, lastHeapScan 8 MiB, stacks 1 MiB, globals
 * 1 MiB; goal 22 MiB.  Expected scan work = 8 + 1 + 1 = 10 MiB; worst case
 * with heap_scan 16 MiB = 16 + 1 (maxStackScan: the last stack scan) + 1 =
 * 18 MiB.  The cycle triggers at 20 MiB. */
static void revise_setup(void)
{
	gmi_pacer_add_scan_work(8 * MiB, 0, 0);
	ck_assert_uint_eq(gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB), 22 * MiB);
	gmi_pacer_start_cycle(0, 4, 20 * MiB, 16 * MiB);
}

START_TEST(revise_under_goal)
{
	revise_setup();
	/* startCycle revises: 10 MiB of work over 22 - 20 = 2 MiB of heap */
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 5.0);
	ck_assert_double_eq(gmi_pacer_assist_bytes_per_work(), 2097152.0 / 10485760.0);
	/* 6 MiB of work done (heap, stack and globals all count), 1 MiB
	 * allocated: 4 MiB of work over 1 MiB */
	gmi_pacer_add_scan_work(4 * MiB, 1 * MiB, 1 * MiB);
	gmi_pacer_revise(21 * MiB, 16 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 4.0);
	ck_assert_double_eq(gmi_pacer_assist_bytes_per_work(), 0.25);
}
END_TEST

START_TEST(revise_extends_goal)
{
	revise_setup();
	/* 12 MiB done > 10 MiB expected: extHeapGoal = int64((22 - 20) MiB /
	 * 10 MiB * 18 MiB) + 20 MiB = int64(3774873.6) + 20971520 = 24746393
	 * (hard goal 2 * 22 MiB is not reached); remaining work 18 - 12 =
	 * 6 MiB over 24746393 - 21 MiB = 2726297 bytes */
	gmi_pacer_add_scan_work(12 * MiB, 0, 0);
	gmi_pacer_revise(21 * MiB, 16 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 6291456.0 / 2726297.0);
	ck_assert_double_eq(gmi_pacer_assist_bytes_per_work(), 2726297.0 / 6291456.0);
	/* past the extended goal at 25 MiB: goal = int64(24746393 * 1.1) =
	 * 27221032, expected = worst case 18 MiB: 6 MiB over 27221032 -
	 * 26214400 = 1006632 */
	gmi_pacer_revise(25 * MiB, 16 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 6291456.0 / 1006632.0);
	/* work beyond even the worst case: the remainder floors at 1000 */
	gmi_pacer_add_scan_work(20 * MiB, 0, 0);
	gmi_pacer_revise(21 * MiB, 16 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 1000.0 / 2726297.0);
}
END_TEST

START_TEST(revise_hard_goal_and_roots)
{
	revise_setup();
	/* worst case from gmi_pacer_set_roots: maxStackScan 40 MiB, globals
	 * 1 MiB: maxScanWork = 16 + 40 + 1 = 57 MiB; extHeapGoal = 0.2 *
	 * 57 MiB + 20 MiB ~ 31.4 MiB is below the hard goal 44 MiB, but with
	 * heap_scan 100 MiB: 0.2 * 141 MiB + 20 MiB ~ 48.2 MiB, capped at
	 * hardGoal = int64((1 + 100/100) * 22 MiB) = 44 MiB.  Work done 11 MiB:
	 * (141 - 11) MiB over 44 - 21 = 23 MiB */
	gmi_pacer_set_roots(40 * MiB, 1 * MiB);
	gmi_pacer_add_scan_work(11 * MiB, 0, 0);
	gmi_pacer_revise(21 * MiB, 100 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 130.0 / 23.0);
}
END_TEST

START_TEST(revise_min_runway)
{
	/* committed: marked 10 MiB, stacks 1, globals 1, no heap scan work:
	 * goal 22 MiB, expected work 2 MiB.  The cycle starts late, at the
	 * goal: heapGoalInternal lifts the goal to triggered + 64 KiB, and
	 * revise spreads 2 MiB over 64 KiB */
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	gmi_pacer_start_cycle(0, 4, 22 * MiB, 10 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB + 65536);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 32.0);
	/* commit resets triggered: the goal is the formula's again */
	gmi_pacer_end_cycle(1000, 4, false, 22 * MiB);
	ck_assert_uint_eq(gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB), 22 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
}
END_TEST

START_TEST(set_gc_percent_revises_running_cycle)
{
	revise_setup();
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 5.0);
	/* GOGC=200 mid-cycle: goal 10 + 12 * 2 = 34 MiB; revise with the last
	 * inputs (20 MiB live): 10 MiB of work over 14 MiB */
	gm_set_gc_percent(200);
	ck_assert_uint_eq(gmi_pacer_goal(), 34 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 10.0 / 14.0);
}
END_TEST

/* ---- GOGC=off ------------------------------------------------------------- */

START_TEST(gc_off_revise)
{
	/* GOGC=off, committed marked 10 MiB with no scan work: expected work 0.
	 * The goal ^uint64(0) reads as INT64_MAX: remaining work floors at
	 * 1000, over INT64_MAX - 10 MiB bytes */
	gm_set_gc_percent(GM_GOGC_OFF);
	gmi_pacer_commit(10 * MiB, 0, 0);
	gmi_pacer_start_cycle(0, 4, 10 * MiB, 0);
	ck_assert_uint_eq(gmi_pacer_goal(), OFF);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(),
			    1000.0 / (double)(INT64_MAX - (int64_t)(10 * MiB)));
	/* 1 MiB of work with none expected, heap_scan 4 MiB: the extrapolation
	 * (goal - triggered) / 0 * 4 MiB is +Inf and saturates, as the limit
	 * of a tiny expectation would; the hard goal (1 + 100000/100) * goal
	 * saturates too.  Worst-case work 4 MiB: 3 MiB over INT64_MAX - 10 MiB */
	gmi_pacer_add_scan_work(1 * MiB, 0, 0);
	gmi_pacer_revise(10 * MiB, 4 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(),
			    3145728.0 / (double)(INT64_MAX - (int64_t)(10 * MiB)));
	/* GOGC back to 100 mid-cycle (revised with the last inputs): goal
	 * 20 MiB; the same +Inf is now capped by the hard goal 2 * 20 MiB:
	 * 3 MiB over 40 - 10 = 30 MiB */
	gm_set_gc_percent(100);
	ck_assert_uint_eq(gmi_pacer_goal(), 20 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 0.1);
}
END_TEST

/* ---- threads: the atomics ------------------------------------------------- */

#define ADDERS 4
#define ADDS 50000

static _Atomic bool adders_done;
static _Atomic unsigned bad_ratios;

static void *adder(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ADDS; i++) {
		gmi_pacer_add_scan_work(1, 2, 3);
		for (int k = GMI_MARK_ASSIST; k <= GMI_MARK_IDLE; k++)
			gmi_pacer_add_mark_time((enum gmi_mark_time_kind)k, 1);
	}
	return NULL;
}

static void *reviser(void *arg)
{
	(void)arg;
	unsigned bad = 0;
	uint64_t live = 20 * MiB;
	while (!atomic_load(&adders_done)) {
		gmi_pacer_revise(live, 16 * MiB);
		double w = gmi_pacer_assist_work_per_byte();
		double b = gmi_pacer_assist_bytes_per_work();
		if (!(w > 0 && w < 1e12 && b > 0 && b < 1e12))
			bad++;
		live = live < 21 * MiB ? live + 4096 : 20 * MiB;
	}
	atomic_fetch_add(&bad_ratios, bad);
	return NULL;
}

START_TEST(concurrent_scan_work_and_revise)
{
	revise_setup();
	pthread_t t[ADDERS], r;
	atomic_store(&adders_done, false);
	ck_assert_int_eq(pthread_create(&r, NULL, reviser, NULL), 0);
	for (unsigned i = 0; i < ADDERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, adder, NULL), 0);
	for (unsigned i = 0; i < ADDERS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&adders_done, true);
	pthread_join(r, NULL);
	ck_assert_uint_eq(atomic_load(&bad_ratios), 0);
	/* no add is lost: 4 * 50000 * (1 + 2 + 3), and 4 * 50000 ns each */
	ck_assert_int_eq(gmi_pacer_scan_work(), (int64_t)ADDERS * ADDS * 6);
	for (int k = GMI_MARK_ASSIST; k <= GMI_MARK_IDLE; k++)
		ck_assert_int_eq(gmi_pacer_mark_time((enum gmi_mark_time_kind)k),
				 (int64_t)ADDERS * ADDS);
	/* quiescent revise: 1.2e6 bytes of work done, under the 10 MiB
	 * expected: (10485760 - 1200000) over 2 MiB */
	gmi_pacer_revise(20 * MiB, 16 * MiB);
	ck_assert_double_eq(gmi_pacer_assist_work_per_byte(), 9285760.0 / 2097152.0);
	/* the heap part becomes lastHeapScan: 4 * 50000 * 1 */
	gmi_pacer_end_cycle(1000, 4, false, 21 * MiB);
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	ck_assert_uint_eq(gmi_pacer_last_heap_scan(), ADDERS * ADDS);
}
END_TEST

static Suite *pacer_revise_suite(void)
{
	Suite *s = suite_create("pacer_revise");
	TCase *tc = tcase_create("revise");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, revise_under_goal);
	tcase_add_test(tc, revise_extends_goal);
	tcase_add_test(tc, revise_hard_goal_and_roots);
	tcase_add_test(tc, revise_min_runway);
	tcase_add_test(tc, set_gc_percent_revises_running_cycle);
	tcase_add_test(tc, gc_off_revise);
	tcase_add_test(tc, concurrent_scan_work_and_revise);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pacer_revise_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
