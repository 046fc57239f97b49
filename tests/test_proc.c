/*
 * test_proc.c — threads, safepoints and stopping the world (gc/proc.c):
 * attach and detach, parking at safepoints, blocking regions, concurrent
 * stoppers, gmi_spawn's hook, the clocks, and misuse.  What the stops let
 * the collector scan (stacks, registers, root ranges) is test_roots.c.
 *
 * The multi-threaded tests check correctness; they are not benchmarks.
 * Their only randomness (pauses between stops) comes from fixed seeds.
 * Threads never call ck_assert: they count what went wrong, and the main
 * thread asserts once on the counts.  The tests' own waits are bounded
 * (WAIT_NS); a stop that never completes is caught by the test timeout.
 */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc/mcache.h"
#include "gc/proc.h"
#include "gomem.h"
#include "proc_util.h"

/* ---- attach and detach ------------------------------------------------------ */

START_TEST(attach_and_detach)
{
	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT);
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_ptr_null(gmi_thread_current());
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gmi_thread *t = gmi_thread_current();
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(gmi_proc_count(), 1);
	ck_assert_int_eq(gm_thread_attach(), GM_EATTACHED);
	int local;
	ck_assert((uintptr_t)&local < t->stack_base && (uintptr_t)&local >= t->stack_limit);
	ck_assert_ptr_eq(t->mcache, gmi_tls_mcache);
	ck_assert_int_eq(gmi_thread_status(t), GMI_THREAD_RUNNING);
	gm_thread_detach();
	ck_assert_ptr_null(gmi_thread_current());
	ck_assert_ptr_eq(gmi_tls_mcache, &gmi_mcache_none);
	ck_assert_uint_eq(gmi_proc_count(), 0);
	gm_thread_detach(); /* not attached: nothing */
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gm_shutdown(); /* detaches the caller */
	ck_assert_ptr_null(gmi_thread_current());
}
END_TEST

/* ---- stopping spinners -------------------------------------------------------- */

typedef struct status_census {
	const gmi_thread *self;
	int others, parked, blocked, running_self;
} status_census;

static void census_one(gmi_thread *t, void *ctx)
{
	status_census *c = ctx;
	int st = gmi_thread_status(t);
	if (t == c->self) {
		c->running_self += st == GMI_THREAD_RUNNING;
		return;
	}
	c->others++;
	c->parked += st == GMI_THREAD_PARKED;
	c->blocked += st == GMI_THREAD_BLOCKED;
}

START_TEST(stop_parks_every_spinner)
{
	enum { N = 3, ROUNDS = 20 };
	spinner s[N];
	spinners_start(s, N);
	int not_parked = 0, moved = 0, stuck = 0;
	for (int r = 0; r < ROUNDS; r++) {
		int64_t t0 = gmi_stw_stop();
		status_census c = { .self = gmi_thread_current() };
		gmi_proc_for_each(census_one, &c);
		not_parked += (c.others != N) + (c.parked != N) + (c.running_self != 1);
		unsigned long long before[N];
		for (int i = 0; i < N; i++)
			before[i] = atomic_load(&s[i].count);
		gm_safepoint(); /* the stopper's own safepoint returns at once */
		usleep(1000);
		for (int i = 0; i < N; i++)
			moved += atomic_load(&s[i].count) != before[i];
		int64_t t1 = gmi_stw_start();
		stuck += t1 < t0;
		for (int i = 0; i < N; i++) { /* they continue */
			int64_t deadline = gmi_nanotime() + WAIT_NS;
			while (atomic_load(&s[i].count) == before[i] && gmi_nanotime() < deadline)
				usleep(100);
			stuck += atomic_load(&s[i].count) == before[i];
		}
	}
	spinners_stop(s, N, true);
	ck_assert_int_eq(not_parked, 0);
	ck_assert_int_eq(moved, 0);
	ck_assert_int_eq(stuck, 0);
	ck_assert_uint_eq(gmi_proc_count(), 1);
}
END_TEST

/* bits of gm_safepoint_pending_ other than GMI_SAFEPOINT_STOP are the
 * collector's: they send threads to the slow path, which does not park */
START_TEST(other_safepoint_bits_do_not_stop)
{
	enum { N = 2 };
	spinner s[N];
	spinners_start(s, N);
	__atomic_fetch_or(&gm_safepoint_pending_, 2, __ATOMIC_SEQ_CST);
	unsigned long long before[N];
	for (int i = 0; i < N; i++)
		before[i] = atomic_load(&s[i].count);
	int stuck = 0;
	for (int i = 0; i < N; i++) {
		int64_t deadline = gmi_nanotime() + WAIT_NS;
		while (atomic_load(&s[i].count) < before[i] + 1000 && gmi_nanotime() < deadline)
			usleep(100);
		stuck += atomic_load(&s[i].count) < before[i] + 1000;
	}
	gmi_stw_stop(); /* a stop still works with the bit set */
	gmi_stw_start();
	__atomic_fetch_and(&gm_safepoint_pending_, ~2, __ATOMIC_SEQ_CST);
	spinners_stop(s, N, true);
	ck_assert_int_eq(stuck, 0);
}
END_TEST

START_TEST(stop_from_an_unattached_thread)
{
	enum { N = 3 };
	gm_thread_detach();
	spinner s[N];
	spinners_start(s, N);
	int bad = 0;
	for (int r = 0; r < 10; r++) {
		gmi_stw_stop();
		ck_assert(gmi_stw_held());
		status_census c = { .self = NULL };
		gmi_proc_for_each(census_one, &c);
		bad += (c.others != N) + (c.parked != N);
		gmi_stw_start();
		ck_assert(!gmi_stw_held());
	}
	spinners_stop(s, N, false);
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* ---- allocation is a safepoint ---------------------------------------------------- */

typedef struct alloc_poller {
	atomic_int ready;      /* the thread has a warm span */
	atomic_int stopped;    /* the stopper got the world */
	atomic_int saw;        /* stopped, as seen right after the allocation */
	atomic_int timed_out;
} alloc_poller;

static void *alloc_poller_main(void *arg)
{
	alloc_poller *a = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	void *volatile keep = gm_alloc_noscan(48); /* the span's other slots are cached */
	atomic_store(&a->ready, 1);
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (!gmi_stop_requested() && gmi_nanotime() < deadline)
		sched_yield(); /* no safepoint: the stop waits for this thread */
	atomic_store(&a->timed_out, !gmi_stop_requested());
	keep = gm_alloc_noscan(48); /* a fast-path allocation: it parks first */
	atomic_store(&a->saw, atomic_load(&a->stopped));
	gm_safepoint(); /* had it not parked, the stop would wait for this */
	(void)keep;
	gm_thread_detach();
	return NULL;
}

/* Every allocation begins with a test of the stop bit, as Go's mallocgc
 * begins with its prologue's preemption check: with a stop pending, even
 * an allocation the cached span serves parks before it returns, so the
 * stop completes while the allocating thread is inside it. */
START_TEST(a_fast_path_allocation_parks_for_a_stop)
{
	gm_thread_detach();
	alloc_poller a = { 0 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, alloc_poller_main, &a), 0);
	while (!atomic_load(&a.ready))
		sched_yield();
	gmi_stw_stop(); /* returns once the thread parked */
	atomic_store(&a.stopped, 1);
	gmi_stw_start();
	pthread_join(th, NULL);
	int timed_out = atomic_load(&a.timed_out), saw = atomic_load(&a.saw);
	ck_assert_int_eq(timed_out, 0);
	ck_assert_int_eq(saw, 1); /* 0: the allocation returned before the stop */
}
END_TEST

/* ---- blocking regions ------------------------------------------------------------ */

typedef struct blocker {
	atomic_int inside, release, leaving, left;
	_Atomic(gmi_thread *) self;
} blocker;

static void *blocker_main(void *arg)
{
	blocker *b = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	atomic_store(&b->self, gmi_thread_current());
	gm_blocking_enter();
	atomic_store(&b->inside, 1);
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (!atomic_load(&b->release) && gmi_nanotime() < deadline)
		usleep(1000); /* a blocking call: it must not hold up a stop */
	atomic_store(&b->leaving, 1);
	gm_blocking_leave();
	atomic_store(&b->left, 1);
	gm_thread_detach();
	return NULL;
}

START_TEST(blocked_thread_does_not_hold_up_a_stop)
{
	blocker b = { 0 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, blocker_main, &b), 0);
	ck_assert(await_flag(&b.inside, 1));
	gmi_stw_stop();
	int still_sleeping = !atomic_load(&b.leaving);
	int st = gmi_thread_status(atomic_load(&b.self));
	gmi_stw_start();
	atomic_store(&b.release, 1);
	join_blocking(th);
	ck_assert_int_eq(still_sleeping, 1);
	ck_assert_int_eq(st, GMI_THREAD_BLOCKED);
	ck_assert_int_eq(atomic_load(&b.left), 1);
}
END_TEST

START_TEST(leaving_a_blocking_region_waits_for_the_restart)
{
	blocker b = { 0 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, blocker_main, &b), 0);
	ck_assert(await_flag(&b.inside, 1));
	gmi_stw_stop();
	atomic_store(&b.release, 1);
	bool leaving = await_flag(&b.leaving, 1); /* we hold the world: no safepoint */
	usleep(20000);
	int left_during_stop = atomic_load(&b.left);
	int st = gmi_thread_status(atomic_load(&b.self));
	gmi_stw_start();
	bool left = await_flag(&b.left, 1);
	join_blocking(th);
	ck_assert(leaving);
	ck_assert_int_eq(left_during_stop, 0);
	ck_assert_int_eq(st, GMI_THREAD_BLOCKED);
	ck_assert(left);
}
END_TEST

static void *late_blocker_main(void *arg)
{
	blocker *b = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	atomic_store(&b->self, gmi_thread_current());
	atomic_store(&b->inside, 1);
	/* RUNNING and not polling until the stop is requested: the stopper
	 * waits for this thread, which then blocks instead of parking */
	while (!__atomic_load_n(&gm_safepoint_pending_, __ATOMIC_SEQ_CST))
		sched_yield();
	gm_blocking_enter();
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (!atomic_load(&b->release) && gmi_nanotime() < deadline)
		usleep(100);
	gm_blocking_leave();
	atomic_store(&b->left, 1);
	gm_thread_detach();
	return NULL;
}

START_TEST(blocking_wakes_a_waiting_stopper)
{
	blocker b = { 0 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, late_blocker_main, &b), 0);
	ck_assert(await_flag(&b.inside, 1));
	gmi_stw_stop(); /* completes only if gm_blocking_enter signals it */
	int st = gmi_thread_status(atomic_load(&b.self));
	gmi_stw_start();
	atomic_store(&b.release, 1);
	join_blocking(th);
	ck_assert_int_eq(st, GMI_THREAD_BLOCKED);
	ck_assert_int_eq(atomic_load(&b.left), 1);
}
END_TEST

/* ---- concurrent stoppers --------------------------------------------------------- */

static atomic_int in_stop;

typedef struct stopper {
	pthread_t th;
	unsigned seed;
	int rounds, overlaps, moved;
	spinner *watch;
} stopper;

static void *stopper_main(void *arg)
{
	stopper *st = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	for (int r = 0; r < 100; r++) {
		gmi_stw_stop();
		st->overlaps += atomic_fetch_add(&in_stop, 1) != 0;
		unsigned long long before = atomic_load(&st->watch->count);
		for (int k = 0; k < 20; k++)
			sched_yield();
		st->moved += atomic_load(&st->watch->count) != before;
		atomic_fetch_sub(&in_stop, 1);
		gmi_stw_start();
		st->rounds++;
		gm_blocking_enter();
		usleep((useconds_t)(rand_r(&st->seed) % 200));
		gm_blocking_leave();
	}
	gm_thread_detach();
	return NULL;
}

START_TEST(two_stoppers_take_turns)
{
	spinner s[1];
	spinners_start(s, 1);
	stopper st[2] = { { .seed = 12345, .watch = &s[0] }, { .seed = 67890, .watch = &s[0] } };
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&st[i].th, NULL, stopper_main, &st[i]), 0);
	for (int i = 0; i < 2; i++)
		join_blocking(st[i].th);
	spinners_stop(s, 1, true);
	ck_assert_int_eq(st[0].rounds + st[1].rounds, 200);
	ck_assert_int_eq(st[0].overlaps + st[1].overlaps, 0);
	ck_assert_int_eq(st[0].moved + st[1].moved, 0);
}
END_TEST

typedef struct waiting_stopper {
	_Atomic(gmi_thread *) self;
	atomic_int ready, got_world;
} waiting_stopper;

static void *waiting_stopper_main(void *arg)
{
	waiting_stopper *w = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	atomic_store(&w->self, gmi_thread_current());
	atomic_store(&w->ready, 1);
	/* wait, without a safepoint, for the main thread's stop request; our
	 * own stop then finds the world taken and must wait as PARKED, or the
	 * main thread's stop would never complete */
	while (!__atomic_load_n(&gm_safepoint_pending_, __ATOMIC_SEQ_CST))
		sched_yield();
	gmi_stw_stop();
	atomic_store(&w->got_world, 1);
	gmi_stw_start();
	gm_thread_detach();
	return NULL;
}

/* an attached thread waiting for another stopper counts as parked */
START_TEST(a_waiting_stopper_counts_as_parked)
{
	waiting_stopper w = { 0 };
	gmi_stw_stop();
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, waiting_stopper_main, &w), 0);
	/* it attaches only after the restart: attaching waits for it */
	usleep(20000);
	int attached_during_stop = atomic_load(&w.ready);
	gmi_stw_start();
	ck_assert_int_eq(attached_during_stop, 0);
	ck_assert(await_flag(&w.ready, 1));

	/* now stop the world: it completes only if the thread, which tries to
	 * stop it too, counts as parked while it waits for us */
	gmi_stw_stop();
	gmi_thread *t = atomic_load(&w.self);
	int st = gmi_thread_status(t);
	usleep(20000);
	int got_during_stop = atomic_load(&w.got_world);
	gmi_stw_start();
	bool got = await_flag(&w.got_world, 1);
	join_blocking(th);
	ck_assert_int_eq(st, GMI_THREAD_PARKED);
	ck_assert_int_eq(got_during_stop, 0);
	ck_assert(got);
}
END_TEST

/* ---- attaching and detaching around stops --------------------------------------- */

typedef struct late_attacher {
	atomic_int started, attached, quit;
} late_attacher;

static void *late_attacher_main(void *arg)
{
	late_attacher *a = arg;
	atomic_store(&a->started, 1);
	if (gm_thread_attach() != GM_OK)
		return NULL;
	atomic_store(&a->attached, 1);
	await_flag(&a->quit, 1);
	gm_thread_detach();
	return NULL;
}

static void *attach_and_exit_main(void *arg)
{
	(void)arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	gm_blocking_enter();
	return arg; /* ends attached, and blocked */
}

START_TEST(a_thread_ending_attached_is_detached)
{
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, attach_and_exit_main, NULL), 0);
	join_blocking(th);
	ck_assert_uint_eq(gmi_proc_count(), 1);
	gmi_stw_stop(); /* would wait forever for a record left RUNNING */
	gmi_stw_start();
}
END_TEST

START_TEST(attach_during_a_stop_waits)
{
	late_attacher a = { 0 };
	pthread_t th;
	gmi_stw_stop();
	ck_assert_int_eq(pthread_create(&th, NULL, late_attacher_main, &a), 0);
	bool started = await_flag(&a.started, 1);
	usleep(20000);
	int attached_during_stop = atomic_load(&a.attached);
	size_t count_during_stop = gmi_proc_count();
	gmi_stw_start();
	ck_assert(started);
	ck_assert_int_eq(attached_during_stop, 0);
	ck_assert_uint_eq(count_during_stop, 1);
	ck_assert(await_flag(&a.attached, 1));
	ck_assert_uint_eq(gmi_proc_count(), 2);
	atomic_store(&a.quit, 1);
	join_blocking(th);
	ck_assert_uint_eq(gmi_proc_count(), 1);
}
END_TEST

static atomic_int churn_done;

static void *churn_main(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	for (int i = 0; i < 200; i++) {
		if (gm_thread_attach() != GM_OK)
			break;
		int polls = (int)(rand_r(&seed) % 50);
		for (int k = 0; k < polls; k++)
			gm_safepoint();
		if (rand_r(&seed) % 2) {
			gm_blocking_enter();
			sched_yield();
			gm_blocking_leave();
		}
		gm_thread_detach();
	}
	atomic_fetch_add(&churn_done, 1);
	return NULL;
}

typedef struct churn_check {
	const gmi_thread *self;
	size_t n;
	int bad;
} churn_check;

static void churn_check_one(gmi_thread *t, void *ctx)
{
	churn_check *c = ctx;
	c->n++;
	int st = gmi_thread_status(t);
	if (t == c->self)
		c->bad += st != GMI_THREAD_RUNNING;
	else
		c->bad += st != GMI_THREAD_PARKED && st != GMI_THREAD_BLOCKED;
	uintptr_t lo, hi;
	gmi_thread_stack_range(t, &lo, &hi);
	c->bad += !(lo < hi && lo >= t->stack_limit);
}

/* threads attach and detach in a loop while the main thread stops the
 * world over and over: the list stays consistent, nothing deadlocks */
START_TEST(attach_detach_churn_under_stops)
{
	enum { N = 3 };
	pthread_t th[N];
	atomic_store(&churn_done, 0);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, churn_main,
						(void *)(uintptr_t)(1000 + i)), 0);
	int bad = 0, stops = 0;
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (atomic_load(&churn_done) < N && gmi_nanotime() < deadline) {
		gmi_stw_stop();
		churn_check c = { .self = gmi_thread_current() };
		gmi_proc_for_each(churn_check_one, &c);
		bad += c.bad + (c.n != gmi_proc_count());
		gmi_stw_start();
		stops++;
		usleep(200); /* let the restarted threads make progress */
	}
	for (int i = 0; i < N; i++)
		join_blocking(th[i]);
	ck_assert_int_eq(atomic_load(&churn_done), N);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_gt(stops, 0);
	ck_assert_uint_eq(gmi_proc_count(), 1);
}
END_TEST

/* ---- gmi_spawn and the clocks ------------------------------------------------------ */

typedef struct spawn_record {
	pthread_mutex_t lock;
	int hooks;            /* calls for role "tester" */
	int index;
	void *ctx;
	pthread_t hook_thread;
	int seq_hook, seq_fn, seq;
	int sigint_blocked;
	char name[16];
} spawn_record;

static spawn_record spawn_rec = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void spawn_hook(const char *role, int index, void *ctx)
{
	if (strcmp(role, "tester") != 0)
		return; /* the collector's own threads */
	pthread_mutex_lock(&spawn_rec.lock);
	spawn_rec.hooks++;
	spawn_rec.index = index;
	spawn_rec.ctx = ctx;
	spawn_rec.hook_thread = pthread_self();
	spawn_rec.seq_hook = ++spawn_rec.seq;
	pthread_mutex_unlock(&spawn_rec.lock);
}

static void *spawn_fn(void *arg)
{
	sigset_t cur;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	pthread_mutex_lock(&spawn_rec.lock);
	spawn_rec.seq_fn = ++spawn_rec.seq;
	spawn_rec.sigint_blocked = sigismember(&cur, SIGINT);
	pthread_getname_np(pthread_self(), spawn_rec.name, sizeof spawn_rec.name);
	bool same = pthread_equal(spawn_rec.hook_thread, pthread_self());
	pthread_mutex_unlock(&spawn_rec.lock);
	return same ? arg : NULL;
}

START_TEST(spawn_calls_the_thread_start_hook)
{
	gm_config cfg;
	gm_config_default(&cfg);
	int ctx_marker;
	cfg.thread_start = spawn_hook;
	cfg.thread_start_ctx = &ctx_marker;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	pthread_t th;
	int arg;
	ck_assert(gmi_spawn("tester", 7, spawn_fn, &arg, &th));
	void *ret = NULL;
	pthread_join(th, &ret);
	ck_assert_ptr_eq(ret, &arg); /* fn ran on the hook's thread */
	ck_assert_int_eq(spawn_rec.hooks, 1);
	ck_assert_int_eq(spawn_rec.index, 7);
	ck_assert_ptr_eq(spawn_rec.ctx, &ctx_marker);
	ck_assert_int_lt(spawn_rec.seq_hook, spawn_rec.seq_fn);
	ck_assert_int_eq(spawn_rec.sigint_blocked, 1);
	ck_assert_str_eq(spawn_rec.name, "gm-tester7");
	gm_shutdown();
}
END_TEST

START_TEST(clocks)
{
	int64_t a = gmi_nanotime(), b = gmi_nanotime();
	ck_assert_int_ge(a, 0);
	ck_assert_int_lt(a, 3600LL * 1000000000); /* since gm_init, not boot */
	ck_assert_int_ge(b, a);
	ck_assert_uint_gt(gmi_unixnano(), 1600000000ULL * 1000000000ULL); /* after 2020 */
	int64_t c0 = gmi_thread_cputime(), deadline = gmi_nanotime() + WAIT_NS;
	volatile uint64_t x = 0;
	while (gmi_thread_cputime() - c0 < 1000000 && gmi_nanotime() < deadline)
		for (int i = 0; i < 10000; i++)
			x = x + (uint64_t)i;
	ck_assert_int_ge(gmi_thread_cputime() - c0, 1000000);
}
END_TEST

/* ---- misuse ---------------------------------------------------------------------- */

START_TEST(leave_without_enter_aborts)
{
	gm_blocking_leave();
}
END_TEST

START_TEST(enter_twice_aborts)
{
	gm_blocking_enter();
	gm_blocking_enter();
}
END_TEST

START_TEST(detach_inside_blocking_region_aborts)
{
	gm_blocking_enter();
	gm_thread_detach();
}
END_TEST

static void *attach_and_wait_main(void *arg)
{
	atomic_int *ready = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	gm_blocking_enter();
	atomic_store(ready, 1);
	pause(); /* the process aborts around it */
	return NULL;
}

START_TEST(shutdown_with_others_attached_aborts)
{
	atomic_int ready = 0;
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, attach_and_wait_main, &ready), 0);
	ck_assert(await_flag(&ready, 1));
	gm_shutdown();
}
END_TEST

/* ---- the suite --------------------------------------------------------------------- */

static Suite *proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("stw");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stop_parks_every_spinner);
	tcase_add_test(tc, stop_from_an_unattached_thread);
	tcase_add_test(tc, a_fast_path_allocation_parks_for_a_stop);
	tcase_add_test(tc, other_safepoint_bits_do_not_stop);
	tcase_add_test(tc, blocked_thread_does_not_hold_up_a_stop);
	tcase_add_test(tc, leaving_a_blocking_region_waits_for_the_restart);
	tcase_add_test(tc, blocking_wakes_a_waiting_stopper);
	tcase_add_test(tc, two_stoppers_take_turns);
	tcase_add_test(tc, a_waiting_stopper_counts_as_parked);
	tcase_add_test(tc, attach_during_a_stop_waits);
	tcase_add_test(tc, a_thread_ending_attached_is_detached);
	tcase_add_test(tc, attach_detach_churn_under_stops);
	tcase_add_test(tc, clocks);
	tcase_add_test_raise_signal(tc, leave_without_enter_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, enter_twice_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, detach_inside_blocking_region_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, shutdown_with_others_attached_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	TCase *bare = tcase_create("no_fixture");
	tcase_set_timeout(bare, 120);
	tcase_add_test(bare, attach_and_detach);
	tcase_add_test(bare, spawn_calls_the_thread_start_hook);
	suite_add_tcase(s, bare);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(proc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
