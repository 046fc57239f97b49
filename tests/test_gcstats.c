/*
 * test_gcstats.c — Check suite "gcstats": the collector's MemStats fields,
 * debug.ReadGCStats and the cycle hook (gc/mstats.c, gc/trace.c; Go
 * 1.19-1.21 mgc.go gcMarkTermination, mstats.go readGCStats_m,
 * runtime/debug/garbage.go ReadGCStats).
 *
 * Cycles are synthetic: gm_cycle records built here and handed to
 * gmi_mstats_cycle_done as the collector will.  Expected values follow
 * Go's rules:
 * - cycle i (1-based) puts its pause, the sum of its stops, at
 *   pause_ns[(i - 1) % 256], so the newest is at (num_gc + 255) % 256;
 * - ReadGCStats gives the last min(num_gc, 256) pauses newest first, and
 *   for 5 quantiles sorts them and takes sorted[n*i/4] for i < 4, then
 *   sorted[n-1].
 * The threaded hook test is a correctness test, not a benchmark.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "gc/mstats.h"
#include "gc/pacer.h"
#include "gc/trace.h"
#include "gomem.h"

#define MiB ((uint64_t)1 << 20)
#define RING 256
#define EPOCH_NS 1700000000000000000ull /* a Unix time to end cycles at */

static void setup(void)
{
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	gmi_pacer_init(100, GM_MEMLIMIT_OFF);
	gmi_mstats_init();
	gmi_trace_init(0);
	gm_set_cycle_hook(NULL, NULL);
}

static void teardown(void)
{
	gm_set_cycle_hook(NULL, NULL);
	gm_shutdown();
}

static gm_memstats read_memstats(void)
{
	gm_memstats ms;
	memset(&ms, 0xa5, sizeof ms);
	gm_read_memstats(&ms);
	return ms;
}

static gm_gcstats read_gcstats(void)
{
	gm_gcstats st;
	memset(&st, 0xa5, sizeof st);
	gm_read_gcstats(&st);
	return st;
}

/* report cycle num with a pause of `pause` ns split over two stops */
static void run_cycle(uint32_t num, uint64_t pause, int forced, uint64_t end)
{
	gm_cycle c = { 0 };
	c.num = num;
	c.forced = forced;
	c.procs = 1;
	c.nstops = 2;
	c.stop_ns[0] = (int64_t)(pause - pause / 3);
	c.stop_ns[1] = (int64_t)(pause / 3);
	gmi_mstats_cycle_done(&c, end);
}

/* ---- MemStats ------------------------------------------------------------- */

START_TEST(before_any_cycle)
{
	gm_memstats ms = read_memstats();
	ck_assert_uint_eq(ms.num_gc, 0);
	ck_assert_uint_eq(ms.num_forced_gc, 0);
	ck_assert_uint_eq(ms.pause_total_ns, 0);
	ck_assert_uint_eq(ms.last_gc, 0);
	ck_assert(ms.gc_cpu_fraction == 0.0);
	for (int i = 0; i < RING; i++) {
		ck_assert_uint_eq(ms.pause_ns[i], 0);
		ck_assert_uint_eq(ms.pause_end[i], 0);
	}
	ck_assert_uint_eq(ms.next_gc, 4 * MiB); /* heapMinimum */
	gm_gcstats st = read_gcstats();
	ck_assert_uint_eq(st.num_gc, 0);
	ck_assert_uint_eq(st.npause, 0);
	ck_assert_uint_eq(st.last_gc, 0);
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(st.pause_quantiles[i], 0);
	ck_assert_uint_eq(st.pause_ns[0], 0);
}
END_TEST

START_TEST(one_cycle)
{
	gm_cycle c = { 0 };
	c.num = 1;
	c.procs = 1;
	c.nstops = 2;
	c.stop_ns[0] = 30000;
	c.stop_ns[1] = 12000;
	c.stop_ns[2] = 999999; /* beyond nstops: not a stop */
	gmi_mstats_cycle_done(&c, EPOCH_NS);
	gm_memstats ms = read_memstats();
	ck_assert_uint_eq(ms.num_gc, 1);
	ck_assert_uint_eq(ms.num_forced_gc, 0);
	ck_assert_uint_eq(ms.pause_ns[0], 42000); /* (1 + 255) % 256 */
	ck_assert_uint_eq(ms.pause_end[0], EPOCH_NS);
	ck_assert_uint_eq(ms.pause_ns[1], 0);
	ck_assert_uint_eq(ms.pause_total_ns, 42000);
	ck_assert_uint_eq(ms.last_gc, EPOCH_NS);
}
END_TEST

/* cycles 45..300 are the last 256; they get pauses 1..256 us in a
 * scrambled order (37 is prime to 256), the 44 before them 1 s and more,
 * so that the quantiles can only come out right from the last 256 */
#define NCYC 300
#define FIRST_KEPT (NCYC - RING + 1) /* 45 */

static uint64_t pause_of(uint32_t i)
{
	if (i < FIRST_KEPT)
		return 1000000000ull + i;
	return 1000ull * (1 + ((i - FIRST_KEPT) * 37u) % RING);
}

static uint64_t end_of(uint32_t i)
{
	return EPOCH_NS + (uint64_t)i * 1000000;
}

static void run_300_cycles(void)
{
	for (uint32_t i = 1; i <= NCYC; i++)
		run_cycle(i, pause_of(i), i % 3 == 0, end_of(i));
}

START_TEST(ring_after_300_cycles)
{
	run_300_cycles();
	gm_memstats ms = read_memstats();
	ck_assert_uint_eq(ms.num_gc, 300);
	ck_assert_uint_eq(ms.num_forced_gc, 100);
	/* 44 * 1e9 + (1 + ... + 44) + 1000 * (1 + ... + 256) */
	ck_assert_uint_eq(ms.pause_total_ns, 44000000000ull + 990 + 1000ull * 32896);
	ck_assert_uint_eq(ms.last_gc, end_of(300));
	/* the newest at (300 + 255) % 256 = 43 */
	ck_assert_uint_eq(ms.pause_ns[43], pause_of(300));
	ck_assert_uint_eq(ms.pause_end[43], end_of(300));
	/* slot s holds cycle s + 257 for s < 44, else s + 1 */
	unsigned wrong = 0;
	for (uint32_t s = 0; s < RING; s++) {
		uint32_t i = s < 44 ? s + 257 : s + 1;
		wrong += ms.pause_ns[s] != pause_of(i) || ms.pause_end[s] != end_of(i);
	}
	ck_assert_uint_eq(wrong, 0);
	ck_assert_uint_eq(ms.next_gc, gmi_pacer_goal());
}
END_TEST

START_TEST(gcstats_after_300_cycles)
{
	run_300_cycles();
	gm_gcstats st = read_gcstats();
	ck_assert_uint_eq(st.num_gc, 300);
	ck_assert_uint_eq(st.npause, 256);
	ck_assert_uint_eq(st.last_gc, end_of(300));
	ck_assert_uint_eq(st.pause_total_ns, 44000000000ull + 990 + 1000ull * 32896);
	/* newest first: entry k is cycle 300 - k */
	unsigned wrong = 0;
	for (uint32_t k = 0; k < RING; k++)
		wrong += st.pause_ns[k] != pause_of(300 - k) ||
			 st.pause_end[k] != end_of(300 - k);
	ck_assert_uint_eq(wrong, 0);
	/* sorted[j] = 1000 * (j + 1): min, sorted[64], sorted[128],
	 * sorted[192], max */
	ck_assert_uint_eq(st.pause_quantiles[0], 1000);
	ck_assert_uint_eq(st.pause_quantiles[1], 65000);
	ck_assert_uint_eq(st.pause_quantiles[2], 129000);
	ck_assert_uint_eq(st.pause_quantiles[3], 193000);
	ck_assert_uint_eq(st.pause_quantiles[4], 256000);
}
END_TEST

START_TEST(gcstats_few_cycles)
{
	static const uint64_t p5[] = { 50, 10, 40, 20, 30 };
	for (uint32_t i = 0; i < 5; i++)
		run_cycle(i + 1, p5[i], 0, end_of(i + 1));
	gm_gcstats st = read_gcstats();
	ck_assert_uint_eq(st.npause, 5);
	static const uint64_t newest_first[] = { 30, 20, 40, 10, 50 };
	for (int k = 0; k < 5; k++) {
		ck_assert_uint_eq(st.pause_ns[k], newest_first[k]);
		ck_assert_uint_eq(st.pause_end[k], end_of(5 - (uint32_t)k));
	}
	ck_assert_uint_eq(st.pause_ns[5], 0); /* unused entries are zero */
	ck_assert_uint_eq(st.pause_end[5], 0);
	/* sorted 10 20 30 40 50: indexes 0, 5/4=1, 10/4=2, 15/4=3, then 4 */
	static const uint64_t q5[] = { 10, 20, 30, 40, 50 };
	for (int k = 0; k < 5; k++)
		ck_assert_uint_eq(st.pause_quantiles[k], q5[k]);
}
END_TEST

START_TEST(gcstats_quantile_indexes)
{
	/* three pauses sorted 10 20 30: indexes 0, 3/4=0, 6/4=1, 9/4=2, max */
	run_cycle(1, 30, 0, end_of(1));
	run_cycle(2, 10, 0, end_of(2));
	run_cycle(3, 20, 0, end_of(3));
	gm_gcstats st = read_gcstats();
	ck_assert_uint_eq(st.npause, 3);
	static const uint64_t q3[] = { 10, 10, 20, 30, 30 };
	for (int k = 0; k < 5; k++)
		ck_assert_uint_eq(st.pause_quantiles[k], q3[k]);
	/* one pause: every quantile is it */
	gmi_mstats_init();
	run_cycle(1, 77, 0, end_of(1));
	st = read_gcstats();
	for (int k = 0; k < 5; k++)
		ck_assert_uint_eq(st.pause_quantiles[k], 77);
}
END_TEST

START_TEST(next_gc_follows_pacer)
{
	gmi_pacer_commit(10 * MiB, 1 * MiB, 1 * MiB);
	ck_assert_uint_eq(read_memstats().next_gc, 22 * MiB);
	gm_set_gc_percent(50); /* shows at once, as Go's heapGoal() read */
	ck_assert_uint_eq(read_memstats().next_gc, 16 * MiB);
	gm_set_gc_percent(GM_GOGC_OFF);
	ck_assert_uint_eq(read_memstats().next_gc, UINT64_MAX);
}
END_TEST

START_TEST(init_resets_and_shutdown_hides)
{
	run_cycle(1, 500, 1, end_of(1));
	gmi_mstats_init();
	gm_memstats ms = read_memstats();
	ck_assert_uint_eq(ms.num_gc, 0);
	ck_assert_uint_eq(ms.num_forced_gc, 0);
	ck_assert_uint_eq(ms.pause_ns[0], 0);
	ck_assert_uint_eq(ms.pause_total_ns, 0);
	run_cycle(1, 500, 1, end_of(1));
	gm_shutdown();
	/* no heap, no MemStats: every field 0 (as the allocator's) */
	gm_memstats zero;
	memset(&zero, 0, sizeof zero);
	ms = read_memstats();
	ck_assert_mem_eq(&ms, &zero, sizeof ms);
	/* ReadGCStats still reports the recorded cycles */
	ck_assert_uint_eq(read_gcstats().num_gc, 1);
	ck_assert_int_eq(gm_init(NULL), GM_OK); /* for teardown */
}
END_TEST

/* ---- gc_cpu_fraction ------------------------------------------------------ */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };
	nanosleep(&ts, NULL);
}

START_TEST(cpu_fraction)
{
	/* GC CPU: 1 + 2 + 3 + 4 ms; the 100 ms of idle marking is left out */
	const double gc_cpu = 10e6;
	const int procs = 2;
	int64_t t0 = mono_ns();
	gmi_mstats_init();
	int64_t t1 = mono_ns();
	sleep_ms(30);
	gm_cycle c = { 0 };
	c.num = 1;
	c.procs = procs;
	c.sweep_term_cpu_ns = 1000000;
	c.assist_cpu_ns = 2000000;
	c.mark_cpu_ns = 3000000;
	c.idle_cpu_ns = 100000000;
	c.mark_term_cpu_ns = 4000000;
	c.gc_cpu_fraction = -1;
	int64_t t2 = mono_ns();
	gmi_mstats_cycle_done(&c, EPOCH_NS);
	int64_t t3 = mono_ns();
	/* elapsed since init lies in [t2 - t1, t3 - t0] */
	double lo = gc_cpu / ((double)(t3 - t0) * procs);
	double hi = gc_cpu / ((double)(t2 - t1) * procs);
	ck_assert_msg(c.gc_cpu_fraction >= lo && c.gc_cpu_fraction <= hi,
		      "gc_cpu_fraction %g outside [%g, %g]", c.gc_cpu_fraction, lo, hi);
	ck_assert(read_memstats().gc_cpu_fraction == c.gc_cpu_fraction);

	/* cumulative: a second cycle with no GC CPU only dilutes it */
	gm_cycle d = { 0 };
	d.num = 2;
	d.procs = procs;
	gmi_mstats_cycle_done(&d, EPOCH_NS + 1);
	ck_assert(d.gc_cpu_fraction > 0 && d.gc_cpu_fraction <= c.gc_cpu_fraction);
}
END_TEST

/* ---- the cycle hook ------------------------------------------------------- */

typedef struct hook_log {
	unsigned calls;
	gm_cycle last;
	unsigned mismatches; /* a record that did not match the cycle's number */
} hook_log;

static void log_hook(const gm_cycle *c, void *ctx)
{
	hook_log *log = ctx;
	log->calls++;
	if (c->num != log->calls)
		log->mismatches++;
	log->last = *c;
}

START_TEST(hook_once_per_cycle)
{
	hook_log log = { 0 };
	gm_set_cycle_hook(log_hook, &log);
	for (uint32_t i = 1; i <= 10; i++)
		run_cycle(i, 1000 * i, i == 10, end_of(i));
	ck_assert_uint_eq(log.calls, 10);
	ck_assert_uint_eq(log.mismatches, 0);
	ck_assert_uint_eq(log.last.num, 10);
	ck_assert_int_eq(log.last.forced, 1);
	ck_assert_uint_eq(log.last.nstops, 2);
	ck_assert_int_eq(log.last.stop_ns[0] + log.last.stop_ns[1], 10000);
	/* the record carries the fraction computed for it */
	ck_assert(log.last.gc_cpu_fraction == read_memstats().gc_cpu_fraction);

	gm_set_cycle_hook(NULL, NULL);
	run_cycle(11, 1000, 0, end_of(11));
	run_cycle(12, 1000, 0, end_of(12));
	ck_assert_uint_eq(log.calls, 10);
	ck_assert_uint_eq(read_memstats().num_gc, 12);
}
END_TEST

START_TEST(hook_replaced)
{
	hook_log a = { 0 }, b = { 0 };
	gm_set_cycle_hook(log_hook, &a);
	run_cycle(1, 1, 0, end_of(1));
	gm_set_cycle_hook(log_hook, &b);
	run_cycle(2, 1, 0, end_of(2));
	ck_assert_uint_eq(a.calls, 1);
	ck_assert_uint_eq(b.calls, 1);
	ck_assert_uint_eq(b.last.num, 2);
}
END_TEST

/* a hook that removes itself: must not wait for its own call */
static void self_removing_hook(const gm_cycle *c, void *ctx)
{
	(*(unsigned *)ctx)++;
	gm_set_cycle_hook(NULL, NULL);
}

START_TEST(hook_removes_itself)
{
	unsigned calls = 0;
	gm_set_cycle_hook(self_removing_hook, &calls);
	run_cycle(1, 1, 0, end_of(1));
	run_cycle(2, 1, 0, end_of(2));
	ck_assert_uint_eq(calls, 1);
}
END_TEST

/* gm_set_cycle_hook returns only once a running call of the old hook has
 * finished, so the caller may then free its context */
static _Atomic int slow_entered, slow_left;

static void slow_hook(const gm_cycle *c, void *ctx)
{
	atomic_store(&slow_entered, 1);
	sleep_ms(100);
	atomic_store(&slow_left, 1);
}

static void *cycle_thread(void *arg)
{
	run_cycle(1, 1, 0, end_of(1));
	return NULL;
}

START_TEST(hook_removal_waits_for_running_call)
{
	gm_set_cycle_hook(slow_hook, NULL);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, cycle_thread, NULL), 0);
	while (!atomic_load(&slow_entered))
		sleep_ms(1);
	gm_set_cycle_hook(NULL, NULL);
	ck_assert_int_eq(atomic_load(&slow_left), 1);
	pthread_join(t, NULL);
}
END_TEST

static Suite *gcstats_suite(void)
{
	Suite *s = suite_create("gcstats");
	TCase *tc = tcase_create("memstats");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, before_any_cycle);
	tcase_add_test(tc, one_cycle);
	tcase_add_test(tc, ring_after_300_cycles);
	tcase_add_test(tc, next_gc_follows_pacer);
	tcase_add_test(tc, init_resets_and_shutdown_hides);
	tcase_add_test(tc, cpu_fraction);
	suite_add_tcase(s, tc);

	tc = tcase_create("gcstats");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, gcstats_after_300_cycles);
	tcase_add_test(tc, gcstats_few_cycles);
	tcase_add_test(tc, gcstats_quantile_indexes);
	suite_add_tcase(s, tc);

	tc = tcase_create("hook");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hook_once_per_cycle);
	tcase_add_test(tc, hook_replaced);
	tcase_add_test(tc, hook_removes_itself);
	tcase_add_test(tc, hook_removal_waits_for_running_call);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gcstats_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
