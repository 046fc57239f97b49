/*
 * test_spanset.c — Check suite "spanset": alloc/spanset.c, Go's spanSet.
 *
 * The multi-threaded tests are correctness stress tests, not benchmarks:
 * they time nothing, and every random choice comes from a fixed seed (the
 * interleaving of the threads still varies from run to run).
 *
 * Spans are fake: the address of an element of fake_spans stands for one,
 * and pop_counts[i] counts how often element i came out of a set.
 */
#include "alloc/spanset.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 4
#define PER_THREAD 200000 /* items each thread pushes in the big tests */
#define NITEMS (NTHREADS * PER_THREAD)
#define BLOCK 512 /* spanset.c's block size, to aim at block boundaries */
#define SEED 0x9e3779b97f4a7c15u

static unsigned char fake_spans[NITEMS];
static _Atomic unsigned pop_counts[NITEMS];
static _Atomic unsigned bad_spans; /* pops of something never pushed */

static struct gmi_mspan *fake(size_t i)
{
	return (struct gmi_mspan *)(void *)&fake_spans[i];
}

static void counts_clear(void)
{
	for (size_t i = 0; i < NITEMS; i++)
		atomic_store_explicit(&pop_counts[i], 0, memory_order_relaxed);
	atomic_store_explicit(&bad_spans, 0, memory_order_relaxed);
}

/* Count s as popped; safe from any thread (no ck_assert off the main one). */
static void record(struct gmi_mspan *s)
{
	uintptr_t p = (uintptr_t)(void *)s, base = (uintptr_t)fake_spans;
	if (p < base || p >= base + NITEMS)
		atomic_fetch_add_explicit(&bad_spans, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&pop_counts[p - base], 1, memory_order_relaxed);
}

/* Pop until empty, recording; returns how many came out. */
static size_t drain(gmi_spanset *b)
{
	size_t n = 0;
	struct gmi_mspan *s;
	while ((s = gmi_spanset_pop(b)) != NULL) {
		record(s);
		n++;
	}
	return n;
}

/* Items [0, n) each popped exactly once, nothing else, set empty. */
static void check_exactly_once(gmi_spanset *b, size_t n)
{
	ck_assert_uint_eq(atomic_load(&bad_spans), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(atomic_load(&pop_counts[i]) == 1, "item %zu popped %u times", i,
			      atomic_load(&pop_counts[i]));
	ck_assert_ptr_null(gmi_spanset_pop(b));
	ck_assert_uint_eq(gmi_spanset_len(b), 0);
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

START_TEST(test_zero_is_empty)
{
	static gmi_spanset zs; /* static: zero-initialised */
	gmi_spanset *cs = calloc(1, sizeof *cs);
	ck_assert_ptr_nonnull(cs);
	ck_assert_ptr_null(gmi_spanset_pop(&zs));
	ck_assert_uint_eq(gmi_spanset_len(cs), 0);
	ck_assert_ptr_null(gmi_spanset_pop(cs));
	gmi_spanset_push(cs, fake(7));
	ck_assert_ptr_eq(gmi_spanset_pop(cs), fake(7));
	gmi_spanset_reset(&zs); /* never used: nothing to do */
	gmi_spanset_destroy(&zs);
	gmi_spanset_destroy(cs);
	free(cs);
	/* spanset.h relies on an all-zero mutex being an initialised one */
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	static const unsigned char zero[sizeof m];
	ck_assert_int_eq(memcmp(&m, zero, sizeof m), 0);
}
END_TEST

/* (1) and (4): thousands of spans across many blocks, len exact throughout. */
START_TEST(test_single_thread)
{
	const size_t n = 20 * BLOCK + 7;
	gmi_spanset b = {0};
	counts_clear();
	for (size_t i = 0; i < n; i++) {
		gmi_spanset_push(&b, fake(i));
		ck_assert_uint_eq(gmi_spanset_len(&b), i + 1);
	}
	for (size_t i = 0; i < n / 2; i++)
		record(gmi_spanset_pop(&b));
	ck_assert_uint_eq(gmi_spanset_len(&b), n - n / 2);
	ck_assert_uint_eq(drain(&b), n - n / 2);
	check_exactly_once(&b, n);
	gmi_spanset_destroy(&b);
}
END_TEST

/* Push three, pop two: the head chases the tail across block boundaries,
 * so blocks are pooled and reused while the set is never empty. */
START_TEST(test_interleaved)
{
	const size_t n = 30 * BLOCK;
	gmi_spanset b = {0};
	size_t pushed = 0, popped = 0;
	counts_clear();
	while (pushed < n) {
		for (int k = 0; k < 3 && pushed < n; k++)
			gmi_spanset_push(&b, fake(pushed++));
		for (int k = 0; k < 2; k++, popped++)
			record(gmi_spanset_pop(&b));
		ck_assert_uint_eq(gmi_spanset_len(&b), pushed - popped);
	}
	ck_assert_uint_eq(drain(&b), pushed - popped);
	check_exactly_once(&b, n);
	gmi_spanset_destroy(&b);
}
END_TEST

/* (2): reset after draining (head inside a block, then on a boundary),
 * and the set works again from index 0. */
START_TEST(test_reset_reuse)
{
	static const size_t sizes[] = {1000, 2 * BLOCK, 1, 3 * BLOCK + 1};
	gmi_spanset b = {0};
	for (size_t r = 0; r < sizeof sizes / sizeof sizes[0]; r++) {
		counts_clear();
		for (size_t i = 0; i < sizes[r]; i++)
			gmi_spanset_push(&b, fake(i));
		ck_assert_uint_eq(drain(&b), sizes[r]);
		check_exactly_once(&b, sizes[r]);
		gmi_spanset_reset(&b);
		ck_assert_uint_eq(atomic_load(&b.index), 0);
		ck_assert_uint_eq(atomic_load(&b.spine_len), 0);
		ck_assert_uint_eq(gmi_spanset_len(&b), 0);
		ck_assert_ptr_null(gmi_spanset_pop(&b));
	}
	gmi_spanset_destroy(&b);
}
END_TEST

/* destroy of a set still holding spans frees everything (ASan's leak check
 * is the real assertion) and leaves a usable zero set. */
START_TEST(test_destroy_nonempty)
{
	gmi_spanset b = {0};
	for (size_t i = 0; i < 5 * BLOCK + 3; i++)
		gmi_spanset_push(&b, fake(i));
	for (size_t i = 0; i < 2 * BLOCK + 1; i++)
		ck_assert_ptr_nonnull(gmi_spanset_pop(&b));
	gmi_spanset_destroy(&b);
	ck_assert_uint_eq(gmi_spanset_len(&b), 0);
	gmi_spanset_push(&b, fake(1));
	ck_assert_ptr_eq(gmi_spanset_pop(&b), fake(1));
	gmi_spanset_destroy(&b);
}
END_TEST

/* A pusher whose block is two past the spine (more than 512 pushes in
 * flight, all stalled before adding their block) publishes the blocks in
 * between too.  The stalled pushes are faked by raising the tail. */
START_TEST(test_gap_fill)
{
	gmi_spanset b = {0};
	atomic_fetch_add(&b.index, (uint64_t)2 * BLOCK + 5);
	gmi_spanset_push(&b, fake(0)); /* index 2 * BLOCK + 5: block 2 */
	ck_assert_uint_eq(atomic_load(&b.spine_len), 3);
	ck_assert_uint_eq(gmi_spanset_len(&b), 2 * BLOCK + 6);
	gmi_spanset_destroy(&b); /* frees blocks 0..2 though never popped */
}
END_TEST

START_TEST(test_reset_nonempty_aborts)
{
	gmi_spanset b = {0};
	gmi_spanset_push(&b, fake(0));
	gmi_spanset_reset(&b); /* internal corruption: abort */
}
END_TEST

struct worker {
	gmi_spanset *a, *b;
	size_t first, count; /* items [first, first + count) to push */
	uint64_t seed;
	size_t pushes, pops; /* what this worker did */
};

/* Push its items; after each push pop 0, 1 or 2 (fixed-seed random). */
static void *mixed_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t x = w->seed;
	for (size_t i = 0; i < w->count; i++) {
		gmi_spanset_push(w->a, fake(w->first + i));
		w->pushes++;
		for (uint64_t k = xorshift(&x) % 3; k > 0; k--) {
			struct gmi_mspan *s = gmi_spanset_pop(w->a);
			if (s != NULL) {
				record(s);
				w->pops++;
			}
		}
	}
	return NULL;
}

static _Atomic size_t consumed; /* producer/consumer: items popped so far */

static void *producer(void *arg)
{
	struct worker *w = arg;
	for (size_t i = 0; i < w->count; i++)
		gmi_spanset_push(w->a, fake(w->first + i));
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	while (atomic_load(&consumed) < w->count) {
		struct gmi_mspan *s = gmi_spanset_pop(w->a);
		if (s == NULL) {
			sched_yield();
			continue;
		}
		record(s);
		atomic_fetch_add(&consumed, 1);
	}
	return NULL;
}

/* Move spans between two sets, as sweeping moves them between an
 * mcentral's unswept and swept sets; blocks pass through the shared pool. */
static void *mover(void *arg)
{
	struct worker *w = arg;
	uint64_t x = w->seed;
	for (size_t i = 0; i < w->count; i++) {
		int dir = (int)(xorshift(&x) & 1);
		gmi_spanset *from = dir ? w->a : w->b, *to = dir ? w->b : w->a;
		struct gmi_mspan *s = gmi_spanset_pop(from);
		if (s != NULL)
			gmi_spanset_push(to, s);
	}
	return NULL;
}

static void run_threads(void *(*fn)(void *), struct worker *w, int n)
{
	pthread_t t[NTHREADS];
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn, &w[i]), 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
}

/* (3) and (4): four threads each push 200k and pop as they go. */
START_TEST(test_concurrent_mixed)
{
	gmi_spanset b = {0};
	struct worker w[NTHREADS];
	size_t pops = 0;
	counts_clear();
	for (int i = 0; i < NTHREADS; i++)
		w[i] = (struct worker){.a = &b, .first = (size_t)i * PER_THREAD,
				       .count = PER_THREAD, .seed = SEED + (uint64_t)i};
	run_threads(mixed_worker, w, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pops += w[i].pops;
	ck_assert_uint_eq(gmi_spanset_len(&b), NITEMS - pops); /* quiescent: exact */
	ck_assert_uint_eq(drain(&b), NITEMS - pops);
	check_exactly_once(&b, NITEMS);
	gmi_spanset_reset(&b);
	gmi_spanset_destroy(&b);
}
END_TEST

/* (3): two producers push 200k each while two consumers pop them all. */
START_TEST(test_concurrent_producer_consumer)
{
	gmi_spanset b = {0};
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	void *(*fn[NTHREADS])(void *) = {producer, consumer, producer, consumer};
	counts_clear();
	atomic_store(&consumed, 0);
	for (int i = 0; i < NTHREADS; i++)
		w[i] = (struct worker){.a = &b, .first = (size_t)(i / 2) * PER_THREAD,
				       .count = fn[i] == producer ? PER_THREAD : 2 * PER_THREAD};
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn[i], &w[i]), 0);
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_uint_eq(atomic_load(&consumed), 2 * PER_THREAD);
	check_exactly_once(&b, 2 * PER_THREAD);
	gmi_spanset_destroy(&b);
}
END_TEST

/* Rounds of concurrent use, each drained and reset under "stop the world"
 * (all threads joined), so indexes restart at 0 and pooled blocks return. */
START_TEST(test_concurrent_rounds_reset)
{
	const size_t per = 20000;
	gmi_spanset b = {0};
	struct worker w[NTHREADS];
	for (int r = 0; r < 5; r++) {
		counts_clear();
		for (int i = 0; i < NTHREADS; i++)
			w[i] = (struct worker){.a = &b, .first = (size_t)i * per, .count = per,
					       .seed = SEED * (uint64_t)(r + 1) + (uint64_t)i};
		run_threads(mixed_worker, w, NTHREADS);
		drain(&b);
		check_exactly_once(&b, NTHREADS * per);
		gmi_spanset_reset(&b);
	}
	gmi_spanset_destroy(&b);
}
END_TEST

/* Two sets trading spans concurrently: none lost, none duplicated. */
START_TEST(test_concurrent_two_sets)
{
	const size_t n = 100000;
	gmi_spanset a = {0}, c = {0};
	struct worker w[NTHREADS];
	counts_clear();
	for (size_t i = 0; i < n; i++)
		gmi_spanset_push(&a, fake(i));
	for (int i = 0; i < NTHREADS; i++)
		w[i] = (struct worker){.a = &a, .b = &c, .count = PER_THREAD,
				       .seed = SEED ^ (uint64_t)(i + 1)};
	run_threads(mover, w, NTHREADS);
	ck_assert_uint_eq(gmi_spanset_len(&a) + gmi_spanset_len(&c), n);
	ck_assert_uint_eq(drain(&a) + drain(&c), n);
	check_exactly_once(&a, n);
	check_exactly_once(&c, n);
	gmi_spanset_destroy(&a);
	gmi_spanset_destroy(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spanset");
	TCase *basic = tcase_create("basic");
	tcase_add_test(basic, test_zero_is_empty);
	tcase_add_test(basic, test_single_thread);
	tcase_add_test(basic, test_interleaved);
	tcase_add_test(basic, test_reset_reuse);
	tcase_add_test(basic, test_destroy_nonempty);
	tcase_add_test(basic, test_gap_fill);
	suite_add_tcase(s, basic);
	TCase *conc = tcase_create("concurrent");
	tcase_set_timeout(conc, 300); /* seconds; ThreadSanitizer is slow */
	tcase_add_test(conc, test_concurrent_mixed);
	tcase_add_test(conc, test_concurrent_producer_consumer);
	tcase_add_test(conc, test_concurrent_rounds_reset);
	tcase_add_test(conc, test_concurrent_two_sets);
	suite_add_tcase(s, conc);
	SRunner *sr = srunner_create(s);
	if (srunner_fork_status(sr) != CK_NOFORK) { /* an abort needs a child */
		TCase *death = tcase_create("death");
		tcase_add_test_raise_signal(death, test_reset_nonempty_aborts, SIGABRT);
		suite_add_tcase(s, death);
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
