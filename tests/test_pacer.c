/*
 * test_pacer.c — Check suite "pacer": the GOGC heap goal and trigger, part 1
 * (gc/pacer.c; Go 1.19-1.21 mgcpacer.go gcControllerState.commit,
 * setGCPercent, setMemoryLimit, defaultHeapMinimum).
 *
 * Every expected goal is worked out by hand from Go's formula
 *   goal = marked + (marked + stacks + globals) * GOGC / 100,
 *   at least heapMinimum = 4 MiB * GOGC / 100, none with GOGC=off,
 * in uint64 arithmetic (multiply, then divide).
 *
 * The threaded test is a correctness test, not a benchmark: it times
 * nothing and its counts are fixed.
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

/* ---- the formula ---------------------------------------------------------- */

START_TEST(goal_gogc_100)
{
	/* 10 + (10 + 1 + 1) * 100/100 = 22 MiB */
	ck_assert_uint_eq(gmi_pacer_goal_for(10 * MiB, 1 * MiB, 1 * MiB, 100), 22 * MiB);
	/* roots alone count: 8 + (8 + 0 + 0) = 16; 8 + (8 + 3 + 0) = 19 */
	ck_assert_uint_eq(gmi_pacer_goal_for(8 * MiB, 0, 0, 100), 16 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal_for(8 * MiB, 3 * MiB, 0, 100), 19 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal_for(8 * MiB, 0, 3 * MiB, 100), 19 * MiB);
}
END_TEST

START_TEST(goal_heap_minimum_floor)
{
	/* 1 + 1 = 2 MiB is below heapMinimum = 4 MiB */
	ck_assert_uint_eq(gmi_pacer_goal_for(1 * MiB, 0, 0, 100), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal_for(0, 0, 0, 100), 4 * MiB);
	/* exactly at the floor: 1.5 + 1.5 + 0.5 + 0.5 = 4 MiB */
	ck_assert_uint_eq(gmi_pacer_goal_for(3 * MiB / 2, MiB / 2, 0, 100), 4 * MiB);
	/* one byte over it */
	ck_assert_uint_eq(gmi_pacer_goal_for(2 * MiB, 1, 0, 100), 4 * MiB + 1);
}
END_TEST

START_TEST(goal_gogc_50)
{
	/* 10 + 12 * 50/100 = 16 MiB */
	ck_assert_uint_eq(gmi_pacer_goal_for(10 * MiB, 1 * MiB, 1 * MiB, 50), 16 * MiB);
	/* heapMinimum = 4 MiB * 50/100 = 2 MiB; 1 + 0.5 = 1.5 MiB is below */
	ck_assert_uint_eq(gmi_pacer_goal_for(1 * MiB, 0, 0, 50), 2 * MiB);
	/* multiply before dividing: 10485859 * 50 / 100 = 5242929 (truncated),
	 * where dividing first would give 104858 * 50 = 5242900 */
	ck_assert_uint_eq(gmi_pacer_goal_for(10485859, 0, 0, 50), 10485859 + 5242929);
}
END_TEST

START_TEST(goal_gogc_200)
{
	/* 10 + 12 * 2 = 34 MiB */
	ck_assert_uint_eq(gmi_pacer_goal_for(10 * MiB, 1 * MiB, 1 * MiB, 200), 34 * MiB);
	/* heapMinimum = 8 MiB; 1 + 2 = 3 MiB is below */
	ck_assert_uint_eq(gmi_pacer_goal_for(1 * MiB, 0, 0, 200), 8 * MiB);
}
END_TEST

START_TEST(goal_gogc_0_and_odd_percent)
{
	/* GOGC=0: heapMinimum 0, the goal is the marked heap itself */
	ck_assert_uint_eq(gmi_pacer_goal_for(10 * MiB, 1 * MiB, 1 * MiB, 0), 10 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal_for(0, 0, 0, 0), 0);
	/* GOGC=33: heapMinimum = 4194304 * 33 / 100 = 1384120 */
	ck_assert_uint_eq(gmi_pacer_goal_for(0, 0, 0, 33), 1384120);
	/* 100 MiB + (100 + 2) MiB * 33/100 = 104857600 + 106954752*33/100 =
	 * 104857600 + 35295068 */
	ck_assert_uint_eq(gmi_pacer_goal_for(100 * MiB, 2 * MiB, 0, 33), 104857600 + 35295068);
}
END_TEST

START_TEST(goal_off)
{
	ck_assert_uint_eq(gmi_pacer_goal_for(10 * MiB, 1 * MiB, 1 * MiB, -1), OFF);
	ck_assert_uint_eq(gmi_pacer_goal_for(0, 0, 0, -1), OFF);
	ck_assert_uint_eq(gmi_pacer_goal_for(0, 0, 0, -100), OFF);
}
END_TEST

START_TEST(goal_saturates)
{
	ck_assert_uint_eq(gmi_pacer_goal_for(UINT64_MAX / 2, 0, 0, 100), OFF);
	ck_assert_uint_eq(gmi_pacer_goal_for(UINT64_MAX / 4, UINT64_MAX / 4, UINT64_MAX / 4, 1000), OFF);
	ck_assert_uint_eq(gmi_pacer_goal_for(1, UINT64_MAX, 0, 100), OFF);
}
END_TEST

/* ---- state: init, commit, SetGCPercent ------------------------------------ */

START_TEST(defaults_before_init)
{
	/* no setup: the static state is that of GOGC=100 with no cycle */
	ck_assert_int_eq(gmi_pacer_gc_percent(), 100);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 4 * MiB);
	ck_assert_int_eq(gmi_pacer_memory_limit(), GM_MEMLIMIT_OFF);
}
END_TEST

START_TEST(init_goal_is_heap_minimum)
{
	gmi_pacer_init(100, GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 4 * MiB);
	gmi_pacer_init(200, GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 8 * MiB);
	gmi_pacer_init(50, 64 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 2 * MiB);
	ck_assert_int_eq(gmi_pacer_memory_limit(), 64 * MiB);
	gmi_pacer_init(0, GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 0);
	gmi_pacer_init(GM_GOGC_OFF, GM_MEMLIMIT_OFF);
	ck_assert_int_eq(gmi_pacer_gc_percent(), -1);
	ck_assert_uint_eq(gmi_pacer_goal(), OFF);
	ck_assert_uint_eq(gmi_pacer_trigger(), OFF);
	/* init forgets the previous cycles */
	ck_assert_uint_eq(gmi_pacer_commit(10 * MiB, 0, 0), OFF);
	gmi_pacer_init(100, GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB);
}
END_TEST

START_TEST(commit_sets_goal_and_trigger)
{
	ck_assert_uint_eq(gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB), 22 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 22 * MiB); /* STW: trigger = goal */
	ck_assert_uint_eq(gmi_pacer_commit(1 * MiB, 0, 0), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 4 * MiB);
}
END_TEST

START_TEST(set_gc_percent_returns_old_and_recommits)
{
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	ck_assert_int_eq(gm_set_gc_percent(50), 100);
	ck_assert_int_eq(gmi_pacer_gc_percent(), 50);
	ck_assert_uint_eq(gmi_pacer_goal(), 16 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 16 * MiB);

	ck_assert_int_eq(gm_set_gc_percent(200), 50);
	ck_assert_uint_eq(gmi_pacer_goal(), 34 * MiB);

	/* off: any negative value is stored as -1 (setGCPercent) */
	ck_assert_int_eq(gm_set_gc_percent(-7), 200);
	ck_assert_int_eq(gmi_pacer_gc_percent(), -1);
	ck_assert_uint_eq(gmi_pacer_goal(), OFF);
	ck_assert_uint_eq(gmi_pacer_trigger(), OFF);
	ck_assert_int_eq(gm_set_gc_percent(GM_GOGC_OFF), -1);

	/* back on: the goal comes back from the same committed cycle */
	ck_assert_int_eq(gm_set_gc_percent(100), -1);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 22 * MiB);

	/* a commit with GOGC=0 makes the goal the marked heap */
	ck_assert_int_eq(gm_set_gc_percent(0), 100);
	ck_assert_uint_eq(gmi_pacer_goal(), 10 * MiB);
}
END_TEST

START_TEST(set_gc_percent_before_first_cycle)
{
	/* no commit yet: marked = 0, so the goal is heapMinimum scaled */
	ck_assert_int_eq(gm_set_gc_percent(200), 100);
	ck_assert_uint_eq(gmi_pacer_goal(), 8 * MiB);
	ck_assert_int_eq(gm_set_gc_percent(50), 200);
	ck_assert_uint_eq(gmi_pacer_goal(), 2 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 2 * MiB);
}
END_TEST

START_TEST(commit_with_gc_off)
{
	gm_set_gc_percent(GM_GOGC_OFF);
	ck_assert_uint_eq(gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB), OFF);
	ck_assert_uint_eq(gmi_pacer_trigger(), OFF);
	ck_assert_int_eq(gm_set_gc_percent(100), -1);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
}
END_TEST

/* ---- SetMemoryLimit ------------------------------------------------------- */

START_TEST(memory_limit_read_write)
{
	/* negative reads */
	ck_assert_int_eq(gm_set_memory_limit(-1), GM_MEMLIMIT_OFF);
	ck_assert_int_eq(gm_set_memory_limit(512 * MiB), GM_MEMLIMIT_OFF);
	ck_assert_int_eq(gm_set_memory_limit(-1), 512 * MiB);
	ck_assert_int_eq(gm_set_memory_limit(INT64_MIN), 512 * MiB);
	ck_assert_int_eq(gmi_pacer_memory_limit(), 512 * MiB);
	/* 0 is a limit, not a read */
	ck_assert_int_eq(gm_set_memory_limit(0), 512 * MiB);
	ck_assert_int_eq(gm_set_memory_limit(-1), 0);
	ck_assert_int_eq(gm_set_memory_limit(GM_MEMLIMIT_OFF), 0);
	ck_assert_int_eq(gm_set_memory_limit(-1), GM_MEMLIMIT_OFF);
	/* stored only, for now: the goal does not move */
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	gm_set_memory_limit(1 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
	/* and SetGCPercent leaves it alone */
	gm_set_gc_percent(50);
	ck_assert_int_eq(gm_set_memory_limit(-1), 1 * MiB);
}
END_TEST

START_TEST(memory_limit_from_init)
{
	gmi_pacer_init(100, 256 * MiB);
	ck_assert_int_eq(gm_set_memory_limit(-1), 256 * MiB);
	/* a negative limit at init (which gm_init refuses) means none */
	gmi_pacer_init(100, -5);
	ck_assert_int_eq(gm_set_memory_limit(-1), GM_MEMLIMIT_OFF);
}
END_TEST

/* ---- threads -------------------------------------------------------------- */

#define SETTERS 4
#define ROUNDS 20000

static _Atomic unsigned bad_reads;

/* the goals the committed cycle (10, 1, 1 MiB) can have under the
 * percentages the setters use */
static bool goal_is_valid(uint64_t g)
{
	return g == 16 * MiB || g == 22 * MiB || g == 34 * MiB || g == OFF;
}

static void *setter(void *arg)
{
	static const int pcts[] = { 50, 100, 200, -1 };
	unsigned idx = (unsigned)(uintptr_t)arg, bad = 0;
	for (unsigned i = 0; i < ROUNDS; i++) {
		int old = gm_set_gc_percent(pcts[(i + idx) % 4]);
		if (old != 50 && old != 100 && old != 200 && old != -1)
			bad++;
		if (!goal_is_valid(gmi_pacer_goal()) || !goal_is_valid(gmi_pacer_trigger()))
			bad++;
	}
	atomic_fetch_add(&bad_reads, bad);
	return NULL;
}

START_TEST(concurrent_set_gc_percent)
{
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	pthread_t t[SETTERS];
	for (unsigned i = 0; i < SETTERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, setter, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < SETTERS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(atomic_load(&bad_reads), 0);
	/* quiescent: goal and trigger agree with the percentage left behind */
	int pct = gmi_pacer_gc_percent();
	uint64_t want = gmi_pacer_goal_for(10 * MiB, 1 * MiB, 1 * MiB, pct);
	ck_assert_uint_eq(gmi_pacer_goal(), want);
	ck_assert_uint_eq(gmi_pacer_trigger(), want);
}
END_TEST

static Suite *pacer_suite(void)
{
	Suite *s = suite_create("pacer");
	TCase *tc = tcase_create("formula");
	tcase_add_test(tc, goal_gogc_100);
	tcase_add_test(tc, goal_heap_minimum_floor);
	tcase_add_test(tc, goal_gogc_50);
	tcase_add_test(tc, goal_gogc_200);
	tcase_add_test(tc, goal_gogc_0_and_odd_percent);
	tcase_add_test(tc, goal_off);
	tcase_add_test(tc, goal_saturates);
	suite_add_tcase(s, tc);

	tc = tcase_create("uninitialised");
	tcase_add_test(tc, defaults_before_init);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, init_goal_is_heap_minimum);
	tcase_add_test(tc, commit_sets_goal_and_trigger);
	tcase_add_test(tc, set_gc_percent_returns_old_and_recommits);
	tcase_add_test(tc, set_gc_percent_before_first_cycle);
	tcase_add_test(tc, commit_with_gc_off);
	tcase_add_test(tc, memory_limit_read_write);
	tcase_add_test(tc, memory_limit_from_init);
	tcase_add_test(tc, concurrent_set_gc_percent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pacer_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
