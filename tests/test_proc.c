/*
 * test_proc.c — threads, safepoints and stopping the world (gc/proc.c), and
 * root ranges (gc/roots.c): attach and detach, parking at safepoints,
 * blocking regions, concurrent stoppers, what gmi_proc_for_each reports
 * (stack ranges, spilled registers), gm_root_add/remove, gmi_spawn's hook,
 * the clocks, and misuse.
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
#include "gc/roots.h"
#include "gomem.h"

#define WAIT_NS (20 * 1000000000LL) /* 20 s: far beyond any correct wait */

static void setup(void)
{
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}

static void teardown(void)
{
	gm_thread_detach();
	gm_shutdown();
}

/* Wait until *flag >= v, polling the safepoint (the caller may be an
 * attached thread that another thread wants to stop).  false on timeout. */
static bool await_flag(atomic_int *flag, int v)
{
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (atomic_load(flag) < v) {
		if (gmi_nanotime() > deadline)
			return false;
		gm_safepoint();
		usleep(100);
	}
	return true;
}

/* join from an attached thread without holding up stops */
static void join_blocking(pthread_t th)
{
	gm_blocking_enter();
	pthread_join(th, NULL);
	gm_blocking_leave();
}

/* ---- spinners: attached threads that poll the safepoint ----------------- */

typedef struct spinner {
	pthread_t th;
	atomic_ullong count;              /* loop iterations */
	_Atomic(gmi_thread *) self;       /* published once attached */
	_Atomic(uintptr_t) local_addr;    /* address of a local of the thread */
	uintptr_t secret;                 /* the value stored in that local */
} spinner;

static atomic_int spin_quit;
static atomic_int spin_ready;

static void *spinner_main(void *arg)
{
	spinner *s = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	volatile uintptr_t local = s->secret;
	atomic_store(&s->local_addr, (uintptr_t)&local);
	atomic_store(&s->self, gmi_thread_current());
	atomic_fetch_add(&spin_ready, 1);
	while (!atomic_load_explicit(&spin_quit, memory_order_relaxed)) {
		atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
		gm_safepoint();
	}
	(void)local;
	gm_thread_detach();
	return NULL;
}

static void spinners_start(spinner *s, int n)
{
	atomic_store(&spin_quit, 0);
	atomic_store(&spin_ready, 0);
	for (int i = 0; i < n; i++) {
		memset(&s[i], 0, sizeof s[i]);
		s[i].secret = (uintptr_t)0x5ec2e7000000a000ULL + (uintptr_t)i;
		ck_assert_int_eq(pthread_create(&s[i].th, NULL, spinner_main, &s[i]), 0);
	}
	ck_assert(await_flag(&spin_ready, n));
}

static void spinners_stop(spinner *s, int n, bool caller_attached)
{
	atomic_store(&spin_quit, 1);
	for (int i = 0; i < n; i++)
		if (caller_attached)
			join_blocking(s[i].th);
		else
			pthread_join(s[i].th, NULL);
}

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

/* ---- what the collector scans -------------------------------------------------- */

typedef struct find_word {
	uintptr_t want;
	int found;
} find_word;

static void find_word_cb(uintptr_t w, void *ctx)
{
	find_word *f = ctx;
	f->found += w == f->want;
}

static bool range_has_word(uintptr_t lo, uintptr_t hi, uintptr_t want)
{
	find_word f = { .want = want };
	gmi_scan_words(lo, hi, find_word_cb, &f);
	return f.found > 0;
}

typedef struct stack_check {
	spinner *s;
	int n;
	const gmi_thread *self;
	uintptr_t self_local;
	int seen, self_seen, bad_range, no_secret, bad_regs;
} stack_check;

static void stack_check_one(gmi_thread *t, void *ctx)
{
	stack_check *c = ctx;
	uintptr_t lo, hi, rlo, rhi;
	gmi_thread_stack_range(t, &lo, &hi);
	gmi_thread_regs_range(t, &rlo, &rhi);
	/* every spilled word is scanned, nothing outside the record */
	c->bad_regs += !(t->regs.nframe > 0 && rlo <= (uintptr_t)&t->regs.frame[0] &&
			 (uintptr_t)&t->regs.frame[t->regs.nframe] <= rhi &&
			 rhi <= (uintptr_t)&t->regs + sizeof t->regs);
	if (t == c->self) {
		c->self_seen++;
		c->bad_range += !(lo <= c->self_local && c->self_local < hi);
		return;
	}
	for (int i = 0; i < c->n; i++) {
		if (atomic_load(&c->s[i].self) != t)
			continue;
		c->seen++;
		uintptr_t a = atomic_load(&c->s[i].local_addr);
		c->bad_range += !(lo <= a && a < hi);
		c->no_secret += !range_has_word(lo, hi, c->s[i].secret);
	}
}

START_TEST(for_each_reports_stacks_with_their_locals)
{
	enum { N = 3 };
	spinner s[N];
	spinners_start(s, N);
	volatile int main_local = 1;
	stack_check c = { .s = s, .n = N, .self = gmi_thread_current(),
			  .self_local = (uintptr_t)&main_local };
	gmi_stw_stop();
	size_t count = gmi_proc_count();
	gmi_proc_for_each(stack_check_one, &c);
	gmi_stw_start();
	spinners_stop(s, N, true);
	ck_assert_uint_eq(count, N + 1);
	ck_assert_int_eq(c.seen, N);
	ck_assert_int_eq(c.self_seen, 1);
	ck_assert_int_eq(c.bad_range, 0);
	ck_assert_int_eq(c.no_secret, 0);
	ck_assert_int_eq(c.bad_regs, 0);
}
END_TEST

START_TEST(scan_words_reads_aligned_words_inside)
{
	uintptr_t buf[8];
	for (int i = 0; i < 8; i++)
		buf[i] = (uintptr_t)i + 1;
	uintptr_t b = (uintptr_t)buf;
	find_word f = { .want = 0 };
	uintptr_t sum = 0;
	for (int want = 1; want <= 8; want++) {
		f.want = (uintptr_t)want;
		f.found = 0;
		gmi_scan_words(b + 1, b + sizeof buf - 1, find_word_cb, &f);
		sum += (uintptr_t)f.found << want; /* bits 2..7: words 1..6 */
	}
	ck_assert_uint_eq(sum, 0xfcu);
	ck_assert(!range_has_word(b, b + 7, 1)); /* no whole word inside */
	ck_assert(!range_has_word(b, b, 1));
	ck_assert(range_has_word(b, b + 8, 1));
}
END_TEST

/* ---- registers (x86-64): values held only in callee-saved registers --------- */

#if defined(__x86_64__)
#define MAGIC(k) (0x6d61676963000000ULL + (k))
#define MAGIC_STR(k) "0x6d6167696300000" #k

/* Call fns[0..2] in turn with a distinctive value in each callee-saved
 * register (rbx, rbp, r12..r15), as a caller that keeps pointers only in
 * registers does.  The jmp_buf alone would miss rbp (glibc mangles it). */
static void call_with_magic_registers(void (*const *fns)(void))
{
	__asm__ volatile(
		"mov %%rsp, %%rax\n\t"
		"sub $128, %%rsp\n\t" /* step over the red zone */
		"and $-16, %%rsp\n\t"
		"push %%rax\n\t"
		"push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\t"
		"push %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
		"push %%rdi\n\t" /* 8 pushes: aligned for the calls */
		"movabs $" MAGIC_STR(1) ", %%rbx\n\t"
		"movabs $" MAGIC_STR(2) ", %%rbp\n\t"
		"movabs $" MAGIC_STR(3) ", %%r12\n\t"
		"movabs $" MAGIC_STR(4) ", %%r13\n\t"
		"movabs $" MAGIC_STR(5) ", %%r14\n\t"
		"movabs $" MAGIC_STR(6) ", %%r15\n\t"
		"mov (%%rsp), %%rax\n\tcall *(%%rax)\n\t"
		"mov (%%rsp), %%rax\n\tcall *8(%%rax)\n\t"
		"mov (%%rsp), %%rax\n\tcall *16(%%rax)\n\t"
		"pop %%rdi\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\t"
		"pop %%r12\n\tpop %%rbp\n\tpop %%rbx\n\t"
		"pop %%rsp\n\t"
		: "+D"(fns)
		:
		: "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

typedef struct regs_thread {
	atomic_int ready, holding, release;
	_Atomic(gmi_thread *) self;
	bool blocked; /* blocking region, or a safepoint */
} regs_thread;

static regs_thread *regs_current; /* one such test at a time */

static void regs_noop(void)
{
}

static void regs_hold(void)
{
	atomic_store(&regs_current->holding, 1);
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (!atomic_load(&regs_current->release) && gmi_nanotime() < deadline)
		usleep(100);
}

static void *regs_thread_main(void *arg)
{
	regs_thread *r = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	atomic_store(&r->self, gmi_thread_current());
	atomic_store(&r->ready, 1);
	if (r->blocked) {
		void (*const fns[3])(void) = { gm_blocking_enter, regs_hold, gm_blocking_leave };
		call_with_magic_registers(fns);
	} else {
		/* wait for the stop request without polling, then park from
		 * the registers' owner */
		while (!__atomic_load_n(&gm_safepoint_pending_, __ATOMIC_SEQ_CST))
			sched_yield();
		void (*const fns[3])(void) = { regs_noop, gm_safepoint_slow_, regs_noop };
		call_with_magic_registers(fns);
	}
	gm_thread_detach();
	return NULL;
}

/* bit k set when MAGIC(k) is in t's spilled registers */
static unsigned magic_in_regs(const gmi_thread *t)
{
	uintptr_t lo, hi;
	gmi_thread_regs_range(t, &lo, &hi);
	unsigned bits = 0;
	for (int k = 1; k <= 6; k++)
		bits |= range_has_word(lo, hi, MAGIC(k)) ? 1u << k : 0;
	return bits;
}

static unsigned regs_scan_case(bool blocked)
{
	static regs_thread r;
	memset(&r, 0, sizeof r);
	r.blocked = blocked;
	regs_current = &r;
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, regs_thread_main, &r), 0);
	ck_assert(await_flag(&r.ready, 1));
	if (blocked)
		ck_assert(await_flag(&r.holding, 1));
	gmi_stw_stop();
	gmi_thread *t = atomic_load(&r.self);
	int st = gmi_thread_status(t);
	unsigned bits = magic_in_regs(t);
	gmi_stw_start();
	atomic_store(&r.release, 1);
	join_blocking(th);
	ck_assert_int_eq(st, blocked ? GMI_THREAD_BLOCKED : GMI_THREAD_PARKED);
	return bits;
}

START_TEST(registers_of_a_parked_thread_are_spilled)
{
	ck_assert_uint_eq(regs_scan_case(false), 0x7eu);
}
END_TEST

START_TEST(registers_of_a_blocked_thread_are_spilled)
{
	ck_assert_uint_eq(regs_scan_case(true), 0x7eu);
}
END_TEST
#endif

/* ---- root ranges ------------------------------------------------------------------ */

static uintptr_t root_a[4];
static uintptr_t root_b[8];

typedef struct root_list {
	uintptr_t lo[4], hi[4];
	int n;
} root_list;

static void root_list_add(uintptr_t lo, uintptr_t hi, void *ctx)
{
	root_list *l = ctx;
	if (l->n < 4) {
		l->lo[l->n] = lo;
		l->hi[l->n] = hi;
	}
	l->n++;
}

static root_list roots_now(void)
{
	root_list l = { .n = 0 };
	gmi_stw_stop();
	gmi_roots_for_each(root_list_add, &l);
	gmi_stw_start();
	return l;
}

START_TEST(root_ranges_add_report_remove)
{
	uintptr_t a = (uintptr_t)root_a, b = (uintptr_t)root_b;
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
	gm_root_add(root_b, sizeof root_b);
	gm_root_add(root_a, sizeof root_a);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof root_a + sizeof root_b);
	__atomic_store_n(&root_a[2], (uintptr_t)0x0123456789abcdefULL, __ATOMIC_RELAXED);
	root_list l = roots_now();
	ck_assert_int_eq(l.n, 2);
	/* in address order */
	int ia = a < b ? 0 : 1, ib = 1 - ia;
	ck_assert(l.lo[ia] == a && l.hi[ia] == a + sizeof root_a);
	ck_assert(l.lo[ib] == b && l.hi[ib] == b + sizeof root_b);
	ck_assert(range_has_word(l.lo[ia], l.hi[ia], 0x0123456789abcdefULL));
	gm_root_remove(root_a);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof root_b);
	l = roots_now();
	ck_assert_int_eq(l.n, 1);
	ck_assert(l.lo[0] == b && l.hi[0] == b + sizeof root_b);
	gm_root_add(root_a, 0); /* empty ranges are allowed, and removable */
	ck_assert_int_eq(roots_now().n, 2);
	gm_root_remove(root_a);
	gm_root_remove(root_b);
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
	ck_assert_int_eq(roots_now().n, 0);
}
END_TEST

START_TEST(root_ranges_many_and_adjacent)
{
	static uintptr_t table[64];
	/* adjacent ranges of one word each, added out of order */
	for (int i = 0; i < 64; i++)
		gm_root_add(&table[(i * 37) % 64], sizeof(uintptr_t));
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof table);
	for (int i = 0; i < 64; i += 2)
		gm_root_remove(&table[i]);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof table / 2);
	for (int i = 1; i < 64; i += 2)
		gm_root_remove(&table[i]);
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
}
END_TEST

/* roots registered before gm_init stay; gm_shutdown forgets them */
START_TEST(root_ranges_before_init_and_after_shutdown)
{
	gm_root_add(root_a, sizeof root_a);
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof root_a);
	gm_shutdown();
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
}
END_TEST

START_TEST(root_overlap_aborts)
{
	gm_root_add(root_b, sizeof root_b);
	gm_root_add(&root_b[7], 2 * sizeof(uintptr_t));
}
END_TEST

START_TEST(root_same_start_aborts)
{
	gm_root_add(root_a, 0);
	gm_root_add(root_a, sizeof root_a);
}
END_TEST

START_TEST(root_remove_unknown_aborts)
{
	gm_root_add(root_b, sizeof root_b);
	gm_root_remove(&root_b[1]);
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
	tcase_add_test(tc, other_safepoint_bits_do_not_stop);
	tcase_add_test(tc, blocked_thread_does_not_hold_up_a_stop);
	tcase_add_test(tc, leaving_a_blocking_region_waits_for_the_restart);
	tcase_add_test(tc, blocking_wakes_a_waiting_stopper);
	tcase_add_test(tc, two_stoppers_take_turns);
	tcase_add_test(tc, a_waiting_stopper_counts_as_parked);
	tcase_add_test(tc, attach_during_a_stop_waits);
	tcase_add_test(tc, a_thread_ending_attached_is_detached);
	tcase_add_test(tc, attach_detach_churn_under_stops);
	tcase_add_test(tc, for_each_reports_stacks_with_their_locals);
	tcase_add_test(tc, scan_words_reads_aligned_words_inside);
#if defined(__x86_64__)
	tcase_add_test(tc, registers_of_a_parked_thread_are_spilled);
	tcase_add_test(tc, registers_of_a_blocked_thread_are_spilled);
#endif
	tcase_add_test(tc, root_ranges_add_report_remove);
	tcase_add_test(tc, root_ranges_many_and_adjacent);
	tcase_add_test_raise_signal(tc, root_overlap_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, root_same_start_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, root_remove_unknown_aborts, SIGABRT);
	tcase_add_test(tc, clocks);
	tcase_add_test_raise_signal(tc, leave_without_enter_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, enter_twice_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, detach_inside_blocking_region_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, shutdown_with_others_attached_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	TCase *bare = tcase_create("no_fixture");
	tcase_set_timeout(bare, 120);
	tcase_add_test(bare, attach_and_detach);
	tcase_add_test(bare, root_ranges_before_init_and_after_shutdown);
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
