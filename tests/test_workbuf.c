/*
 * test_workbuf.c — Check suite "workbuf": gc/workbuf.c, Go's gcWork and the
 * lock-free work.full / work.empty lists (mgcwork.go, lfstack.go).
 *
 * The multi-threaded test is a correctness stress test, not a benchmark: it
 * times nothing, and every random choice comes from a fixed seed (the
 * interleaving of the threads still varies from run to run).
 *
 * Objects are fake: the values 1..n stand for grey objects (0 means "no
 * work").  Check records each ck_assert through a pipe, so loops count
 * mismatches in a local and assert once at the end.
 */
#include "gc/workbuf.h"
#include "alloc/os.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OBJS ((size_t)GMI_WORKBUF_OBJS)
#define NTHREADS 4
#define NVALUES ((size_t)1 << 20) /* values in the stress test's shared pool */
#define SEED 0x9e3779b97f4a7c15u

/* got[v]: how often value v came out of a gcwork; bad: values never put */
static _Atomic unsigned got[NVALUES + 1];
static _Atomic unsigned bad;

static void counts_clear(void)
{
	for (size_t v = 0; v <= NVALUES; v++)
		atomic_store_explicit(&got[v], 0, memory_order_relaxed);
	atomic_store_explicit(&bad, 0, memory_order_relaxed);
}

/* Count v as taken; safe from any thread (no ck_assert off the main one). */
static void record(uintptr_t v)
{
	if (v == 0 || v > NVALUES)
		atomic_fetch_add_explicit(&bad, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&got[v], 1, memory_order_relaxed);
}

/* tryget until no work is left anywhere; returns how many came out */
static size_t drain(gmi_gcwork *w)
{
	size_t n = 0;
	uintptr_t v;
	while ((v = gmi_gcwork_tryget(w)) != 0) {
		record(v);
		n++;
	}
	return n;
}

/* tryget_fast until wbuf1 is empty */
static size_t drain_fast(gmi_gcwork *w)
{
	size_t n = 0;
	uintptr_t v;
	while ((v = gmi_gcwork_tryget_fast(w)) != 0) {
		record(v);
		n++;
	}
	return n;
}

static void put_range(gmi_gcwork *w, uintptr_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gmi_gcwork_put(w, first + i);
}

/* Values [first, first + n) each came out exactly once, nothing else did. */
static void check_exactly_once(uintptr_t first, size_t n)
{
	size_t wrong = 0;
	for (uintptr_t v = 1; v <= NVALUES; v++) {
		unsigned want = v >= first && v < first + n ? 1u : 0u;
		wrong += atomic_load_explicit(&got[v], memory_order_relaxed) != want;
	}
	ck_assert_uint_eq(wrong, 0);
	ck_assert_uint_eq(atomic_load(&bad), 0);
}

static void setup(void)
{
	ck_assert(gmi_workbuf_init());
	counts_clear();
}

static void teardown(void)
{
	gmi_workbuf_shutdown();
}

START_TEST(test_zero_gcwork)
{
	gmi_gcwork w;
	memset(&w, 0, sizeof w);
	ck_assert(gmi_gcwork_empty(&w));
	ck_assert_uint_eq(gmi_gcwork_tryget_fast(&w), 0);
	ck_assert_uint_eq(gmi_gcwork_tryget(&w), 0); /* initializes the pair */
	ck_assert(w.wbuf1 != NULL && w.wbuf2 != NULL);
	ck_assert(gmi_gcwork_empty(&w));
	gmi_gcwork_balance(&w); /* nothing to share */
	ck_assert(gmi_work_full_empty());
	gmi_gcwork_dispose(&w);
	ck_assert(w.wbuf1 == NULL && w.wbuf2 == NULL);
	ck_assert(!w.flushed);
	ck_assert(gmi_work_full_empty());
	gmi_gcwork_dispose(&w); /* disposing a disposed gcwork is fine */
}
END_TEST

/* Many buffers' worth through one gcwork: overflow goes to work.full and
 * comes back; every value exactly once, then 0. */
START_TEST(test_put_tryget_many)
{
	const size_t n = 10 * OBJS + 7;
	gmi_gcwork w = {0};
	put_range(&w, 1, n);
	ck_assert(w.flushed);
	/* the pair holds at most two buffers; the rest are full on the list */
	ck_assert_uint_ge(gmi_work_full_len(), n / OBJS - 2);
	ck_assert_uint_ge(gmi_workbuf_sys_bytes(), (n / OBJS + 1) * GMI_WORKBUF_BYTES);
	ck_assert(!gmi_gcwork_empty(&w));
	ck_assert_uint_eq(drain(&w), n);
	ck_assert_uint_eq(gmi_gcwork_tryget(&w), 0);
	ck_assert(gmi_gcwork_empty(&w));
	ck_assert(gmi_work_full_empty());
	ck_assert_uint_eq(gmi_work_full_len(), 0);
	check_exactly_once(1, n);
	gmi_gcwork_dispose(&w);
}
END_TEST

/* dispose hands both buffers to work.full; another gcwork gets the work. */
START_TEST(test_dispose_then_steal)
{
	const size_t n = OBJS + 47; /* one full buffer in wbuf2, 47 in wbuf1 */
	gmi_gcwork a = {0}, b = {0};
	put_range(&a, 1, n);
	ck_assert(gmi_work_full_empty());
	ck_assert(!a.flushed);
	gmi_gcwork_dispose(&a);
	ck_assert(a.flushed);
	ck_assert(gmi_gcwork_empty(&a));
	ck_assert_uint_eq(gmi_work_full_len(), 2);
	ck_assert_uint_eq(drain(&b), n);
	ck_assert(gmi_work_full_empty());
	check_exactly_once(1, n);
	gmi_gcwork_dispose(&b);
	ck_assert(!b.flushed); /* both empty: they went to work.empty */
	ck_assert(gmi_work_full_empty());
}
END_TEST

/* balance with wbuf2 empty: half of wbuf1 (Go's handoff) goes global. */
START_TEST(test_balance_splits_wbuf1)
{
	gmi_gcwork a = {0}, b = {0};
	put_range(&a, 1, 100);
	ck_assert(gmi_work_full_empty());
	gmi_gcwork_balance(&a);
	ck_assert(a.flushed);
	ck_assert_uint_eq(gmi_work_full_len(), 1);
	ck_assert_uint_eq(drain(&b), 50);
	ck_assert_uint_eq(drain_fast(&a), 50);
	check_exactly_once(1, 100);
	gmi_gcwork_dispose(&a);
	gmi_gcwork_dispose(&b);
}
END_TEST

/* balance with wbuf2 non-empty: all of wbuf2 goes global. */
START_TEST(test_balance_moves_wbuf2)
{
	gmi_gcwork a = {0}, b = {0};
	put_range(&a, 1, OBJS + 10); /* wbuf2: values 1..OBJS; wbuf1: 10 */
	gmi_gcwork_balance(&a);
	ck_assert_uint_eq(gmi_work_full_len(), 1);
	ck_assert_uint_eq(drain(&b), OBJS);
	check_exactly_once(1, OBJS);
	ck_assert_uint_eq(drain(&a), 10);
	check_exactly_once(1, OBJS + 10);
	gmi_gcwork_dispose(&a);
	gmi_gcwork_dispose(&b);
}
END_TEST

/* balance leaves work alone when work.full has some, or when it has <= 4. */
START_TEST(test_balance_noop)
{
	gmi_gcwork a = {0}, c = {0};
	put_range(&a, 1, 4);
	gmi_gcwork_balance(&a);
	ck_assert(gmi_work_full_empty());
	ck_assert(!a.flushed);
	put_range(&a, 5, 96);
	gmi_gcwork_put(&c, 101);
	gmi_gcwork_dispose(&c);
	ck_assert_uint_eq(gmi_work_full_len(), 1);
	gmi_gcwork_balance(&a);
	ck_assert_uint_eq(gmi_work_full_len(), 1);
	ck_assert(!a.flushed);
	ck_assert_uint_eq(drain_fast(&a), 100);
	gmi_gcwork_dispose(&a);
}
END_TEST

/* Shutdown frees every chunk; init after it starts over. */
START_TEST(test_shutdown_reinit)
{
	const size_t n = 20 * OBJS;
	for (int round = 0; round < 3; round++) {
		gmi_gcwork w = {0};
		counts_clear();
		put_range(&w, 1, n);
		ck_assert_uint_gt(gmi_workbuf_sys_bytes(), 0);
		ck_assert_uint_eq(drain(&w), n);
		check_exactly_once(1, n);
		gmi_gcwork_dispose(&w);
		gmi_workbuf_shutdown();
		ck_assert_uint_eq(gmi_workbuf_sys_bytes(), 0);
		ck_assert(gmi_work_full_empty());
		ck_assert(gmi_workbuf_init());
	}
}
END_TEST

/* ---- 4-thread stress of the lock-free lists ------------------------------ */

static _Atomic size_t pool_next; /* the next value to put; 1..NVALUES */

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Claim the next value of the shared pool; 0 once it is spent. */
static uintptr_t pool_claim(void)
{
	size_t v = atomic_fetch_add_explicit(&pool_next, 1, memory_order_relaxed);
	return v <= NVALUES ? v : 0;
}

/* Churn the lists: dispose after each put, so that every value crosses
 * work.full and the pair's buffers cross work.empty, then take whatever
 * work.full offers.  false once the pool is spent. */
static bool churn(gmi_gcwork *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uintptr_t v = pool_claim();
		if (v == 0)
			return false;
		gmi_gcwork_put(w, v);
		gmi_gcwork_dispose(w);
		if ((v = gmi_gcwork_tryget(w)) != 0)
			record(v);
	}
	return true;
}

/* Until the pool is spent: put bursts, get bursts (stealing from work.full
 * when the pair runs dry), balance, dispose, churn; then dispose.  Bursts
 * up to 700 cross the 2 x 253 objects of a pair. */
static void *stress_thread(void *arg)
{
	uint64_t x = *(const uint64_t *)arg;
	gmi_gcwork w = {0};
	for (bool more = true; more;) {
		uint64_t r = xorshift(&x);
		size_t burst = 1 + (size_t)(r % 700);
		switch ((r >> 20) % 8) {
		case 0: case 1:
			for (size_t i = 0; i < burst && more; i++) {
				uintptr_t v = pool_claim();
				if (v != 0)
					gmi_gcwork_put(&w, v);
				more = v != 0;
			}
			break;
		case 2: case 3:
			for (size_t i = 0; i < burst; i++) {
				uintptr_t v = (r & 1) ? gmi_gcwork_tryget(&w)
						      : gmi_gcwork_tryget_fast(&w);
				if (v == 0)
					break;
				record(v);
			}
			break;
		case 4:
			gmi_gcwork_balance(&w);
			break;
		case 5:
			gmi_gcwork_dispose(&w);
			break;
		default:
			more = churn(&w, burst);
			break;
		}
	}
	gmi_gcwork_dispose(&w);
	return NULL;
}

START_TEST(test_stress_four_threads)
{
	pthread_t t[NTHREADS];
	uint64_t seeds[NTHREADS];
	atomic_store(&pool_next, 1);
	for (int i = 0; i < NTHREADS; i++) {
		seeds[i] = SEED ^ ((uint64_t)(i + 1) * 0x2545f4914f6cdd1du);
		ck_assert_int_eq(pthread_create(&t[i], NULL, stress_thread, &seeds[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	size_t taken = 0;
	for (size_t v = 1; v <= NVALUES; v++)
		taken += atomic_load_explicit(&got[v], memory_order_relaxed);
	ck_assert_uint_gt(taken, 0);
	gmi_gcwork w = {0};
	ck_assert_uint_eq(drain(&w), NVALUES - taken);
	gmi_gcwork_dispose(&w);
	ck_assert(gmi_work_full_empty());
	check_exactly_once(1, NVALUES);
}
END_TEST

/* With fault injection, a refused chunk aborts with a clear message. */
START_TEST(test_oom_aborts)
{
	gmi_gcwork w = {0};
	gmi_os_fail_after(0);
	gmi_gcwork_put(&w, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workbuf");
	TCase *basic = tcase_create("basic");
	tcase_add_checked_fixture(basic, setup, teardown);
	tcase_add_test(basic, test_zero_gcwork);
	tcase_add_test(basic, test_put_tryget_many);
	tcase_add_test(basic, test_dispose_then_steal);
	tcase_add_test(basic, test_balance_splits_wbuf1);
	tcase_add_test(basic, test_balance_moves_wbuf2);
	tcase_add_test(basic, test_balance_noop);
	tcase_add_test(basic, test_shutdown_reinit);
	suite_add_tcase(s, basic);
	TCase *conc = tcase_create("concurrent");
	tcase_add_checked_fixture(conc, setup, teardown);
	tcase_set_timeout(conc, 300); /* seconds; ThreadSanitizer is slow */
	tcase_add_test(conc, test_stress_four_threads);
	suite_add_tcase(s, conc);
	SRunner *sr = srunner_create(s);
	/* an abort needs a child, and a refusal needs the fault-injection OS */
	if (srunner_fork_status(sr) != CK_NOFORK && gmi_os_fault_injection_enabled()) {
		TCase *death = tcase_create("death");
		tcase_add_checked_fixture(death, setup, teardown);
		tcase_add_test_raise_signal(death, test_oom_aborts, SIGABRT);
		suite_add_tcase(s, death);
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
