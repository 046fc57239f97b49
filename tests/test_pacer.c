/*
 * test_pacer.c — Check suite "pacer": the heap goal, the trigger, the
 * assist ratio, the mark workers and the cons/mark estimate (gc/pacer.c;
 * Go 1.21 mgcpacer.go gcControllerState: commit, trigger,
 * heapGoalInternal, memoryLimitHeapGoal, startCycle, revise, endCycle,
 * resetLive, setGCPercent, setMemoryLimit).  The assist ratio during a
 * cycle (revise) is test_pacer_revise.c; Go's own pacer simulation runs in
 * test_pacersim.c.
 *
 * Every expected value is worked out by hand, in a comment, from Go's
 * formulas:
 *   goal     = marked + (marked + stacks + globals) * GOGC / 100,
 *              at least heapMinimum = 4 MiB * GOGC / 100, none when off;
 *   runway   = consMark * (1 - 0.25) / 0.25 * (lastHeapScan + stacks +
 *              globals) = 3 * consMark * expected work;
 *   trigger  = goal - runway, clamped to [min, max] with
 *              span = (goal - marked) / 64 (integer division first),
 *              min  = marked + 45 * span (~0.7),
 *              max  = marked + 61 * span (~0.95), or goal - 4 MiB if higher;
 *   cons/mark = alloc * (u + idle) / (work * (1 - u)),
 *              u = 0.25 + assist / (duration * procs),
 *              idle = idle time / (duration * procs),
 *              the estimate the max of it and the last 4 measured;
 *   assist   = remaining scan work / remaining heap bytes (revise).
 * Numbers are chosen so the doubles are exact where equality is asserted.
 *
 * The threaded tests are correctness tests, not benchmarks: they time
 * nothing and their counts are fixed.
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

/* Triggers with no cons/mark estimate yet (runway 0): goal - 0 is clamped
 * to the upper bound marked + 61 * ((goal - marked) / 64), or goal - 4 MiB
 * when that is higher (only for goal - marked > 4 MiB * 64/3 ~ 85 MiB). */
/* goal 4 MiB, marked 0: 65536 * 61 */
#define TRIG_4M 3997696u
/* goal 8 MiB, marked 0: 131072 * 61 */
#define TRIG_8M 7995392u
/* goal 2 MiB, marked 0: 32768 * 61 */
#define TRIG_2M 1998848u
/* goal 22 MiB, marked 10 MiB: 10485760 + 196608 * 61 = 10485760 + 11993088
 * (goal - 4 MiB = 18 MiB is lower) */
#define TRIG_22M 22478848u
/* goal 16 MiB, marked 10 MiB: 10485760 + 98304 * 61 = 10485760 + 5996544 */
#define TRIG_16M 16482304u
/* goal 34 MiB, marked 10 MiB: 10485760 + 393216 * 61 = 10485760 + 23986176
 * (goal - 4 MiB = 30 MiB is lower) */
#define TRIG_34M 34471936u

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
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_4M);
	ck_assert_int_eq(gmi_pacer_memory_limit(), GM_MEMLIMIT_OFF);
}
END_TEST

START_TEST(init_goal_is_heap_minimum)
{
	/* the first cycle: no cons/mark yet, so the 0.95 bound */
	gmi_pacer_init(100, GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_4M);
	gmi_pacer_init(200, GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 8 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_8M);
	gmi_pacer_init(50, 64 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 2 * MiB);
	ck_assert_int_eq(gmi_pacer_memory_limit(), 64 * MiB);
	gmi_pacer_init(0, GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 0);
	ck_assert_uint_eq(gmi_pacer_trigger(), 0); /* marked >= goal: trigger = goal */
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
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_22M);
	ck_assert_uint_eq(gmi_pacer_commit(1 * MiB, 0, 0), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB);
	/* goal 4 MiB, marked 1 MiB: 1048576 + 49152 * 61 = 1048576 + 2998272 */
	ck_assert_uint_eq(gmi_pacer_trigger(), 4046848);
}
END_TEST

START_TEST(set_gc_percent_returns_old_and_recommits)
{
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	ck_assert_int_eq(gm_set_gc_percent(50), 100);
	ck_assert_int_eq(gmi_pacer_gc_percent(), 50);
	ck_assert_uint_eq(gmi_pacer_goal(), 16 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_16M);

	ck_assert_int_eq(gm_set_gc_percent(200), 50);
	ck_assert_uint_eq(gmi_pacer_goal(), 34 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_34M);

	/* off: any negative value is stored as -1 (setGCPercent) */
	ck_assert_int_eq(gm_set_gc_percent(-7), 200);
	ck_assert_int_eq(gmi_pacer_gc_percent(), -1);
	ck_assert_uint_eq(gmi_pacer_goal(), OFF);
	ck_assert_uint_eq(gmi_pacer_trigger(), OFF);
	ck_assert_int_eq(gm_set_gc_percent(GM_GOGC_OFF), -1);

	/* back on: the goal comes back from the same committed cycle */
	ck_assert_int_eq(gm_set_gc_percent(100), -1);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_22M);

	/* a commit with GOGC=0 makes the goal the marked heap, and the
	 * trigger the goal (trigger(): heapMarked >= goal) */
	ck_assert_int_eq(gm_set_gc_percent(0), 100);
	ck_assert_uint_eq(gmi_pacer_goal(), 10 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 10 * MiB);
}
END_TEST

START_TEST(set_gc_percent_before_first_cycle)
{
	/* no commit yet: marked = 0, so the goal is heapMinimum scaled */
	ck_assert_int_eq(gm_set_gc_percent(200), 100);
	ck_assert_uint_eq(gmi_pacer_goal(), 8 * MiB);
	ck_assert_int_eq(gm_set_gc_percent(50), 200);
	ck_assert_uint_eq(gmi_pacer_goal(), 2 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), TRIG_2M);
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
	/* a new limit recommits at once: GOGC goal 10 + 12 = 22 MiB; the
	 * limit goal, with no memory reported, is 1 MiB less its headroom
	 * max(1 MiB / 100 * 3, 1 MiB) = 1 MiB: under twice the headroom, so
	 * the headroom, 1 MiB; below the marked heap, so 10 MiB, and the
	 * trigger is the goal (marked >= goal) */
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 22 * MiB);
	gm_set_memory_limit(1 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 10 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 10 * MiB);
	/* and SetGCPercent leaves the limit alone */
	gm_set_gc_percent(50);
	ck_assert_int_eq(gm_set_memory_limit(-1), 1 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 10 * MiB);
	/* lifting the limit brings the GOGC goal back: 10 + 12 / 2 = 16 MiB */
	gm_set_memory_limit(GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), 16 * MiB);
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

/* and the triggers that go with them (no cons/mark estimate) */
static bool trigger_is_valid(uint64_t t)
{
	return t == TRIG_16M || t == TRIG_22M || t == TRIG_34M || t == OFF;
}

static void *setter(void *arg)
{
	static const int pcts[] = { 50, 100, 200, -1 };
	unsigned idx = (unsigned)(uintptr_t)arg, bad = 0;
	for (unsigned i = 0; i < ROUNDS; i++) {
		int old = gm_set_gc_percent(pcts[(i + idx) % 4]);
		if (old != 50 && old != 100 && old != 200 && old != -1)
			bad++;
		if (!goal_is_valid(gmi_pacer_goal()) || !trigger_is_valid(gmi_pacer_trigger()))
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
	uint64_t trig = pct == 50 ? TRIG_16M : pct == 100 ? TRIG_22M : pct == 200 ? TRIG_34M : OFF;
	ck_assert_uint_eq(gmi_pacer_trigger(), trig);
}
END_TEST

/* ---- startCycle: the mark workers ----------------------------------------- */

START_TEST(workers_by_procs)
{
	/* startCycle: total = procs * 0.25; dedicated = int(total + 0.5);
	 * error = dedicated / total - 1; if |error| > 0.3, dedicated is
	 * rounded down (decremented when above total) and
	 * fractional = (total - dedicated) / procs, else fractional = 0.
	 *   procs  total  int(+0.5)  error    dedicated  fractional
	 *   1      0.25   0          -1       0          0.25 / 1 = 0.25
	 *   2      0.5    1          +1       0          0.5 / 2  = 0.25
	 *   3      0.75   1          +0.333   0          0.75 / 3 = 0.25
	 *   4      1.0    1          0        1          0
	 *   5      1.25   1          -0.2     1          0
	 *   6      1.5    2          +0.333   1          0.5 / 6
	 *   7      1.75   2          +0.143   2          0
	 *   8      2.0    2          0        2          0
	 *   10     2.5    3          +0.2     3          0
	 */
	static const struct { int procs, dedicated; double fractional; } want[] = {
		{ 1, 0, 0.25 }, { 2, 0, 0.25 }, { 3, 0, 0.25 }, { 4, 1, 0 },
		{ 5, 1, 0 }, { 6, 1, 0.5 / 6 }, { 7, 2, 0 }, { 8, 2, 0 }, { 10, 3, 0 },
	};
	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
		gmi_pacer_start_cycle(0, want[i].procs, 5 * MiB, 0);
		ck_assert_int_eq(gmi_pacer_dedicated_workers(), want[i].dedicated);
		ck_assert_double_eq(gmi_pacer_fractional_goal(), want[i].fractional);
	}
}
END_TEST

START_TEST(start_cycle_resets_counters)
{
	gmi_pacer_add_scan_work(100, 20, 3);
	gmi_pacer_add_mark_time(GMI_MARK_ASSIST, 5);
	gmi_pacer_add_mark_time(GMI_MARK_DEDICATED, 6);
	gmi_pacer_add_mark_time(GMI_MARK_FRACTIONAL, 7);
	gmi_pacer_add_mark_time(GMI_MARK_IDLE, 8);
	gmi_pacer_add_mark_time(GMI_MARK_IDLE, 1);
	ck_assert_int_eq(gmi_pacer_scan_work(), 123);
	ck_assert_int_eq(gmi_pacer_mark_time(GMI_MARK_ASSIST), 5);
	ck_assert_int_eq(gmi_pacer_mark_time(GMI_MARK_DEDICATED), 6);
	ck_assert_int_eq(gmi_pacer_mark_time(GMI_MARK_FRACTIONAL), 7);
	ck_assert_int_eq(gmi_pacer_mark_time(GMI_MARK_IDLE), 9);
	gmi_pacer_start_cycle(0, 4, 5 * MiB, 0);
	ck_assert_int_eq(gmi_pacer_scan_work(), 0);
	for (int k = GMI_MARK_ASSIST; k <= GMI_MARK_IDLE; k++)
		ck_assert_int_eq(gmi_pacer_mark_time((enum gmi_mark_time_kind)k), 0);
}
END_TEST

/* ---- a whole cycle -------------------------------------------------------- */

/* One cycle on 4 threads lasting 1 ms: it triggers with the heap at
 * `start`, does `heap_work` bytes of heap scan work, spends `assist_ns` in
 * assists and `idle_ns` in idle marking, ends with `alloc` more bytes live,
 * and commits `marked` (no stacks or globals). */
static uint64_t run_cycle(uint64_t start, uint64_t alloc, int64_t heap_work,
			  int64_t assist_ns, int64_t idle_ns, bool forced,
			  uint64_t marked)
{
	gmi_pacer_start_cycle(1000000, 4, start, start / 2);
	gmi_pacer_add_scan_work(heap_work, 0, 0);
	gmi_pacer_add_mark_time(GMI_MARK_ASSIST, assist_ns);
	gmi_pacer_add_mark_time(GMI_MARK_IDLE, idle_ns);
	gmi_pacer_end_cycle(2000000, 4, forced, start + alloc);
	return gmi_pacer_commit(marked, 0, 0);
}

START_TEST(cons_mark_background_only)
{
	/* u = 0.25, idle 0: (3 MiB * 0.25) / (1 MiB * 0.75) = 786432 / 786432 */
	run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 0, 0, false, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
}
END_TEST

START_TEST(cons_mark_with_assists)
{
	/* u = 0.25 + 1e6 / (1e6 * 4) = 0.5:
	 * (3 MiB * 0.5) / (1 MiB * 0.5) = 3 */
	run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 1000000, 0, false, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 3.0);
	ck_assert_int_eq(gmi_pacer_mark_time(GMI_MARK_ASSIST), 1000000);
}
END_TEST

START_TEST(cons_mark_with_idle)
{
	/* u = 0.25, idle = 1e6 / 4e6 = 0.25; idle counts for the collector but
	 * not against the mutator: (3 MiB * 0.5) / (1 MiB * 0.75) = 2 */
	run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 0, 1000000, false, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 2.0);
}
END_TEST

START_TEST(cons_mark_needs_growth)
{
	/* endCycle returns early when heapLive <= triggered */
	run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 0, 0, false, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
	run_cycle(50 * MiB, 0, 1 * MiB, 1000000, 0, false, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
	/* and does nothing outside a cycle (triggered reset by commit) */
	gmi_pacer_end_cycle(2000000, 4, false, 500 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
}
END_TEST

START_TEST(cons_mark_window)
{
	/* measured 1, 8, then 1 forever.  endCycle: estimate = max(current,
	 * lastConsMark[0..3]), then lastConsMark shifts left and takes current:
	 *   cycle  current  lastConsMark before  estimate
	 *   1      1        0 0 0 0              1
	 *   2      8        0 0 0 1              8
	 *   3      1        0 0 1 8              8
	 *   4      1        0 1 8 1              8
	 *   5      1        1 8 1 1              8
	 *   6      1        8 1 1 1              8
	 *   7      1        1 1 1 1              1
	 * so a spike holds for its own cycle and the 4 after it.
	 * current 8: (24 MiB * 0.25) / (1 MiB * 0.75) = 6291456 / 786432. */
	static const double want[] = { 1, 8, 8, 8, 8, 8, 1, 1 };
	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
		uint64_t alloc = i == 1 ? 24 * MiB : 3 * MiB;
		run_cycle(50 * MiB, alloc, 1 * MiB, 0, 0, false, 40 * MiB);
		ck_assert_double_eq(gmi_pacer_cons_mark(), want[i]);
	}
}
END_TEST

START_TEST(cons_mark_user_forced_counts)
{
	/* Go 1.19+ endCycle ignores userForced (the skip belonged to the
	 * trigger-ratio controller of Go <= 1.17): a forced cycle with the
	 * same numbers gives the same estimate and the same trigger. */
	run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 0, 0, false, 40 * MiB);
	double unforced = gmi_pacer_cons_mark();
	uint64_t trigger = gmi_pacer_trigger();
	gmi_pacer_init(100, GM_MEMLIMIT_OFF);
	run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 0, 0, true, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), unforced);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
	ck_assert_uint_eq(gmi_pacer_trigger(), trigger);
	/* and it enters the window: a forced spike of 8 lifts the estimate */
	run_cycle(50 * MiB, 24 * MiB, 1 * MiB, 0, 0, true, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 8.0);
}
END_TEST

START_TEST(init_forgets_cons_mark)
{
	run_cycle(50 * MiB, 24 * MiB, 1 * MiB, 0, 0, false, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 8.0);
	gmi_pacer_init(100, GM_MEMLIMIT_OFF);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 0.0);
	ck_assert_uint_eq(gmi_pacer_runway(), 0);
	ck_assert_uint_eq(gmi_pacer_last_heap_scan(), 0);
	/* an ordinary cycle now is not held up by the old spike */
	run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 0, 0, false, 40 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
}
END_TEST

START_TEST(last_heap_scan_is_heap_work)
{
	/* resetLive: lastHeapScan = heapScanWork; stack and globals work do not
	 * count */
	gmi_pacer_start_cycle(0, 4, 10 * MiB, 5 * MiB);
	gmi_pacer_add_scan_work(3 * MiB, 1 * MiB, 1 * MiB);
	gmi_pacer_add_scan_work(2 * MiB, 0, 0);
	gmi_pacer_end_cycle(1000, 4, false, 12 * MiB);
	gmi_pacer_commit(9 * MiB, 1 * MiB, 1 * MiB);
	ck_assert_uint_eq(gmi_pacer_last_heap_scan(), 5 * MiB);
}
END_TEST

/* ---- commit: runway and trigger ------------------------------------------- */

/* For marked 100 MiB, no stacks or globals: goal = 200 MiB,
 * span = 100 MiB / 64 = 1638400,
 * min = 104857600 + 45 * 1638400 = 178585600 (170.3125 MiB),
 * 0.95 point = 104857600 + 61 * 1638400 = 204800000 (195.3125 MiB), below
 * goal - 4 MiB = 205520896 (196 MiB), so max = 196 MiB. */
#define BIG_MIN 178585600u
#define BIG_MAX (196 * MiB)

START_TEST(trigger_no_estimate_is_upper_bound)
{
	/* no cons/mark yet: runway 0, goal - 0 clamped to max = goal - 4 MiB */
	gmi_pacer_add_scan_work(8 * MiB, 0, 0);
	ck_assert_uint_eq(gmi_pacer_commit(100 * MiB, 0, 0), 200 * MiB);
	ck_assert_uint_eq(gmi_pacer_runway(), 0);
	ck_assert_uint_eq(gmi_pacer_trigger(), BIG_MAX);
	/* small heap: marked 10 MiB, goal 20 MiB: 0.95 point 10485760 +
	 * 61 * 163840 = 20480000 is above goal - 4 MiB = 16 MiB */
	ck_assert_uint_eq(gmi_pacer_commit(10 * MiB, 0, 0), 20 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 20480000);
}
END_TEST

START_TEST(trigger_runway_in_bounds)
{
	/* cons/mark 1: (24 MiB * 0.25) / (8 MiB * 0.75) = 1; lastHeapScan
	 * 8 MiB; runway = 1 * 0.75 / 0.25 * 8 MiB = 24 MiB; trigger = 200 - 24
	 * = 176 MiB, inside [170.3125, 196] MiB */
	run_cycle(90 * MiB, 24 * MiB, 8 * MiB, 0, 0, false, 100 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
	ck_assert_uint_eq(gmi_pacer_goal(), 200 * MiB);
	ck_assert_uint_eq(gmi_pacer_runway(), 24 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 176 * MiB);
}
END_TEST

START_TEST(trigger_large_estimate_is_lower_bound)
{
	/* cons/mark 8: (192 MiB * 0.25) / (8 MiB * 0.75) = 8; runway =
	 * 8 * 3 * 8 MiB = 192 MiB; goal - runway = 8 MiB < min, so min */
	run_cycle(90 * MiB, 192 * MiB, 8 * MiB, 0, 0, false, 100 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 8.0);
	ck_assert_uint_eq(gmi_pacer_runway(), 192 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), BIG_MIN);
	/* runway past the goal itself: the next cycle scans 16 MiB at the
	 * same held estimate 8: runway = 8 * 3 * 16 MiB = 384 MiB > 200 MiB,
	 * trigger = min.  Its own measurement (48 MiB * 0.25) / (16 MiB *
	 * 0.75) = 1 leaves the max at 8. */
	run_cycle(150 * MiB, 48 * MiB, 16 * MiB, 0, 0, false, 100 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 8.0);
	ck_assert_uint_eq(gmi_pacer_runway(), 384 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), BIG_MIN);
}
END_TEST

START_TEST(trigger_small_heap_bounds)
{
	/* marked 1 MiB, goal 4 MiB (heapMinimum): span = 3 MiB / 64 = 49152,
	 * min = 1048576 + 45 * 49152 = 3260416, max = 1048576 + 61 * 49152 =
	 * 4046848.  cons/mark 1 with lastHeapScan 256 KiB: runway = 768 KiB,
	 * 4 MiB - 768 KiB = 3407872, inside. */
	run_cycle(2 * MiB, 768 * 1024, 256 * 1024, 0, 0, false, 1 * MiB);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 3407872);
	/* the same estimate with 2 MiB of heap scan work: runway 6 MiB > goal,
	 * trigger = min */
	run_cycle(2 * MiB, 6 * MiB, 2 * MiB, 0, 0, false, 1 * MiB);
	ck_assert_uint_eq(gmi_pacer_runway(), 6 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 3260416);
}
END_TEST

START_TEST(set_gc_percent_keeps_runway)
{
	/* cons/mark 1, lastHeapScan 8 MiB: runway 24 MiB at any GOGC.
	 * GOGC=200: goal = 100 + 200 = 300 MiB, span = 3276800,
	 * min = 104857600 + 45 * 3276800 = 252313600; 300 - 24 = 276 MiB
	 * = 289406976 is inside [min, 296 MiB]. */
	run_cycle(90 * MiB, 24 * MiB, 8 * MiB, 0, 0, false, 100 * MiB);
	gm_set_gc_percent(200);
	ck_assert_uint_eq(gmi_pacer_goal(), 300 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 276 * MiB);
	gm_set_gc_percent(100);
	ck_assert_uint_eq(gmi_pacer_trigger(), 176 * MiB);
}
END_TEST

/* ---- GOGC=off ------------------------------------------------------------- */

START_TEST(gc_off_cycle)
{
	gm_set_gc_percent(GM_GOGC_OFF);
	/* a forced cycle with an estimate leaves goal and trigger off */
	ck_assert_uint_eq(run_cycle(50 * MiB, 3 * MiB, 1 * MiB, 0, 0, true, 10 * MiB), OFF);
	ck_assert_double_eq(gmi_pacer_cons_mark(), 1.0);
	ck_assert_uint_eq(gmi_pacer_goal(), OFF);
	ck_assert_uint_eq(gmi_pacer_trigger(), OFF);
}
END_TEST

/* ---- the memory-limit goal and the sweep distance ------------------------ */

START_TEST(limit_goal_formula)
{
	/* no non-heap memory: 512 MiB - 5368709 * 3 */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(512 * MiB, 0, 0, 0, 0), 520764785u);
	/* non-heap 60 - 10 - 30 = 20 MiB: goal 80 MiB = 83886080, less
	 * 838860 * 3 = 2516580 */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(100 * MiB, 60 * MiB, 10 * MiB, 30 * MiB, 0),
			  81369500u);
	/* mapped 120 MiB over a 100 MiB limit: non-heap 20 MiB, overage
	 * 20 MiB, goal 60 MiB = 62914560, less 629145 * 3 = 1887435 */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(100 * MiB, 120 * MiB, 0, 100 * MiB, 0),
			  61027125u);
	/* non-heap memory alone reaches the limit: the marked heap */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(10 * MiB, 20 * MiB, 0, 5 * MiB, 7 * MiB),
			  7 * MiB);
	/* 1.5 MiB: 3% is under 1 MiB, and 0.5 MiB would be under the
	 * headroom, so the headroom itself */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(3 * MiB / 2, 0, 0, 0, 0), 1 * MiB);
	/* never below the marked heap */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(64 * MiB, 0, 0, 0, 100 * MiB), 100 * MiB);
	/* a torn snapshot (free + alloc > mapped) counts no non-heap memory:
	 * 104857600 - 1048576 * 3 */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(100 * MiB, 10 * MiB, 20 * MiB, 0, 0),
			  101711872u);
	/* a zero limit: the marked heap */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(0, 0, 0, 0, 3 * MiB), 3 * MiB);
}
END_TEST

/* limit 64 MiB: 67108864 less 671088 * 3 = 2013264 */
#define LIMIT_GOAL_64M 65095600u

START_TEST(limit_lowers_goal)
{
	gmi_pacer_init(100, 64 * MiB);
	ck_assert_uint_eq(gmi_pacer_memory_limit_goal(), LIMIT_GOAL_64M);
	ck_assert_uint_eq(gmi_pacer_goal(), 4 * MiB); /* GOGC's is lower */
	/* marked 40 MiB: GOGC goal 80 MiB, limit goal lower.  No runway yet:
	 * span = (65095600 - 41943040) / 64 = 361758, trigger = the 0.95
	 * bound 41943040 + 61 * 361758 = 64010278 (goal - 4 MiB is lower) */
	ck_assert_uint_eq(gmi_pacer_commit(40 * MiB, 0, 0), LIMIT_GOAL_64M);
	ck_assert_uint_eq(gmi_pacer_trigger(), 64010278u);
	/* in the limit regime the goal keeps no minRunway over the trigger
	 * point: 64 MiB + 64 KiB would be above it */
	gmi_pacer_start_cycle(0, 4, 64 * MiB, 0);
	ck_assert_uint_eq(gmi_pacer_goal(), LIMIT_GOAL_64M);
	ck_assert_uint_eq(gmi_pacer_triggered(), 64 * MiB);
	gmi_pacer_end_cycle(1000, 4, false, 64 * MiB);
	gmi_pacer_commit(40 * MiB, 0, 0);
	/* 10 MiB of non-heap memory: 56623104 less 566231 * 3 = 1698693 */
	gmi_pacer_set_mem_stats(50 * MiB, 0, 40 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 54924411u);
	ck_assert_uint_le(gmi_pacer_trigger(), 54924411u);
	gmi_pacer_set_mem_stats(0, 0, 0);
	ck_assert_uint_eq(gmi_pacer_goal(), LIMIT_GOAL_64M);
	/* no limit: the stats do not matter */
	gm_set_memory_limit(GM_MEMLIMIT_OFF);
	gmi_pacer_set_mem_stats(500 * MiB, 0, 40 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 80 * MiB);
	ck_assert_uint_eq(gmi_pacer_memory_limit_goal(), OFF);
}
END_TEST

START_TEST(limit_with_gc_off)
{
	/* GOGC=off with a limit collects as the limit nears: span =
	 * 65095600 / 64 = 1017118, trigger = 61 * 1017118 = 62044198 */
	gmi_pacer_init(GM_GOGC_OFF, 64 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), LIMIT_GOAL_64M);
	ck_assert_uint_eq(gmi_pacer_trigger(), 62044198u);
	/* and without one, never */
	gm_set_memory_limit(GM_MEMLIMIT_OFF);
	ck_assert_uint_eq(gmi_pacer_goal(), OFF);
	ck_assert_uint_eq(gmi_pacer_trigger(), OFF);
}
END_TEST

START_TEST(sweep_distance)
{
	/* GOGC=5, marked 10 MiB: GOGC goal 10 MiB + 512 KiB = 11010048; a
	 * sweep still to run raises goal and trigger to marked + 1 MiB */
	gm_set_gc_percent(5);
	ck_assert_uint_eq(gmi_pacer_commit_sweep(10 * MiB, 0, 0, false), 11 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 11 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 11 * MiB);
	/* a recommit keeps it */
	gm_set_gc_percent(5);
	ck_assert_uint_eq(gmi_pacer_goal(), 11 * MiB);
	/* swept: span = 524288 / 64 = 8192, trigger = 10 MiB + 61 * 8192 */
	ck_assert_uint_eq(gmi_pacer_commit_sweep(10 * MiB, 0, 0, true), 11010048u);
	ck_assert_uint_eq(gmi_pacer_trigger(), 10985472u);
	/* gmi_pacer_commit means swept */
	gmi_pacer_commit_sweep(10 * MiB, 0, 0, false);
	ck_assert_uint_eq(gmi_pacer_commit(10 * MiB, 0, 0), 11010048u);
	/* the sweep distance is only a lower bound on the trigger when it is
	 * below the goal: GOGC=100, goal 20 MiB, 0.7 bound 17858560 > 11 MiB */
	gm_set_gc_percent(100);
	gmi_pacer_commit_sweep(10 * MiB, 0, 0, false);
	ck_assert_uint_eq(gmi_pacer_goal(), 20 * MiB);
	/* the memory-limit regime ignores it: limit 8 MiB < marked, so the
	 * goal is the marked heap and so is the trigger */
	gm_set_gc_percent(5);
	gm_set_memory_limit(8 * MiB);
	ck_assert_uint_eq(gmi_pacer_goal(), 10 * MiB);
	ck_assert_uint_eq(gmi_pacer_trigger(), 10 * MiB);
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

	tc = tcase_create("cycle");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, workers_by_procs);
	tcase_add_test(tc, start_cycle_resets_counters);
	tcase_add_test(tc, cons_mark_background_only);
	tcase_add_test(tc, cons_mark_with_assists);
	tcase_add_test(tc, cons_mark_with_idle);
	tcase_add_test(tc, cons_mark_needs_growth);
	tcase_add_test(tc, cons_mark_window);
	tcase_add_test(tc, cons_mark_user_forced_counts);
	tcase_add_test(tc, init_forgets_cons_mark);
	tcase_add_test(tc, last_heap_scan_is_heap_work);
	suite_add_tcase(s, tc);

	tc = tcase_create("trigger");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, trigger_no_estimate_is_upper_bound);
	tcase_add_test(tc, trigger_runway_in_bounds);
	tcase_add_test(tc, trigger_large_estimate_is_lower_bound);
	tcase_add_test(tc, trigger_small_heap_bounds);
	tcase_add_test(tc, set_gc_percent_keeps_runway);
	tcase_add_test(tc, gc_off_cycle);
	suite_add_tcase(s, tc);

	tc = tcase_create("limit");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, limit_goal_formula);
	tcase_add_test(tc, limit_lowers_goal);
	tcase_add_test(tc, limit_with_gc_off);
	tcase_add_test(tc, sweep_distance);
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
