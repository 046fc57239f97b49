/*
 * test_gc.c — the collector keeps every reachable object and frees the
 * rest: stress (threads mutating checksummed graphs while cycles run,
 * forced and paced) and the hard cases (an object held only by a stack
 * variable, a register, an interior pointer, a root range, the far end of a
 * large pointer array; garbage cycles).
 *
 * Not a benchmark: fixed seeds, fixed work.  Node work happens in noinline
 * helpers so that dead pointers fall below the stack pointer (stacks are
 * scanned conservatively: a stale copy in a live frame would keep garbage,
 * which is allowed but would make "freed" assertions flaky).
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

#include "gc/gc.h"
#include "gc/proc.h"
#include "gomem.h"
#include "tests/node_util.h"

/* a node with a 600-byte payload: over 512 bytes, so it has a header */
typedef struct fat {
	struct node *kid;
	uint64_t id;
	uint64_t payload[75];
	uint64_t sum;
} fat;

static const gm_type *fat_t;

static void setup_gogc(int gogc)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = gogc;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gmi_heapcheck_enabled = true; /* every cycle verifies its mark */
	make_types();
	static const size_t fat_offs[] = { 0 };
	fat_t = gm_type_new("fat", sizeof(fat), fat_offs, 1);
}

static void setup(void) { setup_gogc(100); }

static void teardown(void)
{
	gm_thread_detach();
	gm_shutdown();
}

static uint64_t heap_alloc(void)
{
	gm_memstats ms;
	gm_read_memstats(&ms);
	return ms.heap_alloc;
}

/* allocate and drop n nodes (in a frame that is gone afterwards) */
static NOINLINE void churn(int n)
{
	for (int i = 0; i < n; i++)
		node_new((uint64_t)i)->kid[0] = NULL;
}

/* ---- the hard cases ---------------------------------------------------- */

START_TEST(stack_variable_keeps_object)
{
	node *volatile keep = node_new(42);
	churn(200000); /* 16 MB: several paced cycles */
	gm_gc();
	ck_assert(node_ok(keep));
	ck_assert_uint_eq(keep->id, 42);
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_ge(ms.num_gc, 2);
}
END_TEST

static NOINLINE void gc_and_churn(void)
{
	churn(1000);
	gm_gc();
	churn(1000);
}

START_TEST(register_across_call_keeps_object)
{
	/* at -O2 n lives in a callee-saved register across the call */
	node *n = node_new(7);
	gc_and_churn();
	ck_assert(node_ok(n));
	ck_assert_uint_eq(n->id, 7);
}
END_TEST

START_TEST(interior_pointer_keeps_object)
{
	char *volatile inside = (char *)node_new(9) + 40; /* into payload */
	churn(50000);
	gm_gc();
	node *n = (node *)(inside - 40);
	ck_assert(node_ok(n));
	ck_assert_uint_eq(n->id, 9);
}
END_TEST

static node *global_slots[4];

START_TEST(root_range_keeps_object)
{
	gm_root_add(global_slots, sizeof global_slots);
	gm_write((void **)&global_slots[2], node_new(11));
	churn(50000);
	gm_gc();
	ck_assert(node_ok(global_slots[2]));
	/* removed: no longer a root */
	uint64_t base = heap_alloc();
	gm_root_remove(global_slots);
	gm_gc();
	ck_assert_uint_lt(heap_alloc(), base);
	global_slots[2] = NULL;
}
END_TEST

/* fill a large pointer array; only the array keeps its nodes */
static NOINLINE node **big_array(size_t n)
{
	node **arr = gm_new_array(ptr_t, n);
	for (size_t i = 0; i < n; i++)
		gm_write((void **)&arr[i], node_new(1000000 + i));
	return arr;
}

/* elements of big_array's array that are no longer what it made */
static long big_array_broken(node *const *arr, size_t n)
{
	long bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += !node_ok(arr[i]) || arr[i]->id != 1000000 + i;
	return bad;
}

START_TEST(large_pointer_array_keeps_all)
{
	size_t n = 100000; /* 800 KB: seven 128 KiB oblets */
	node **volatile arr = big_array(n);
	churn(100000);
	gm_gc();
	ck_assert_int_eq(big_array_broken(arr, n), 0);
}
END_TEST

static atomic_int spam_stops;

/* an unattached thread that stops and restarts the world again and again */
static void *stop_spammer(void *arg)
{
	(void)arg;
	while (atomic_load(&spam_stops)) {
		gmi_stw_stop();
		gmi_stw_start();
		usleep(20);
	}
	return NULL;
}

/* A stop requested while a marker scans an oblet cuts the scan short and
 * queues the rest of the oblet (gc/scan.c): under a stream of stops, with
 * the checkmark on (setup), every element of a large array must still be
 * marked and kept. */
START_TEST(large_array_survives_oblet_scans_cut_by_stops)
{
	size_t n = 200000; /* 1.6 MB: a hundred 16 KiB oblets */
	node **volatile arr = big_array(n);
	pthread_t th;
	atomic_store(&spam_stops, 1);
	ck_assert_int_eq(pthread_create(&th, NULL, stop_spammer, NULL), 0);
	for (int round = 0; round < 10; round++) {
		churn(50000);
		gm_gc();
	}
	atomic_store(&spam_stops, 0);
	gm_blocking_enter();
	pthread_join(th, NULL);
	gm_blocking_leave();
	ck_assert_int_eq(big_array_broken(arr, n), 0);
}
END_TEST

static NOINLINE void make_garbage_ring(int n)
{
	node *first = node_new(0), *prev = first;
	for (int i = 1; i < n; i++) {
		node *x = node_new((uint64_t)i);
		gm_write((void **)&prev->kid[0], x);
		gm_write((void **)&x->kid[1], first); /* back edges too */
		prev = x;
	}
	gm_write((void **)&prev->kid[0], first);
}

START_TEST(garbage_cycles_are_collected)
{
	gm_gc();
	uint64_t base = heap_alloc();
	make_garbage_ring(20000);
	ck_assert_uint_ge(heap_alloc(), base + 20000 * 80);
	gm_gc();
	ck_assert_uint_le(heap_alloc(), base);
}
END_TEST

START_TEST(fat_nodes_with_headers_keep_their_kids)
{
	fat *volatile f = gm_new(fat_t);
	f->id = 5;
	gm_write((void **)&f->kid, node_new(77));
	churn(50000);
	gm_gc();
	ck_assert_uint_eq(f->id, 5);
	ck_assert(node_ok(f->kid));
	ck_assert_uint_eq(f->kid->id, 77);
}
END_TEST

START_TEST(gogc_off_never_collects_by_itself)
{
	gm_set_gc_percent(GM_GOGC_OFF);
	churn(200000);
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_eq(ms.num_gc, 0);
	gm_gc();
	gm_read_memstats(&ms);
	ck_assert_uint_eq(ms.num_gc, 1);
	ck_assert_uint_eq(ms.num_forced_gc, 1);
}
END_TEST

/* The verifier itself can fail: with the world stopped and nothing
 * marked (no cycle has run), a reachable object is white, and it throws. */
START_TEST(heapcheck_catches_an_unmarked_reachable_object)
{
	gm_set_gc_percent(GM_GOGC_OFF);
	node *volatile keep = node_new(3);
	gmi_stw_stop();
	gmi_heapcheck_after_mark(); /* must abort */
	ck_assert_ptr_null(keep); /* keep stays live across the call */
}
END_TEST

/* ---- stress ------------------------------------------------------------ */

enum { SLOTS = 1024 };

typedef struct mutator {
	int id;
	unsigned seed;
	int ops;
	long bad;            /* nodes found with a broken payload */
	uint64_t next_id;
} mutator;

/* Check the tree under n (kid[0] and kid[1] form a forest: every node is
 * attached once, when it is made) and the targets of its cross edges
 * (kid[2]: relinks and back edges), which are not followed. */
static long verify_tree(node *n, int depth)
{
	if (n == NULL || depth > 200)
		return 0;
	long bad = !node_ok(n);
	if (n->kid[2] != NULL)
		bad += !node_ok(n->kid[2]);
	return bad + verify_tree(n->kid[0], depth + 1) + verify_tree(n->kid[1], depth + 1);
}

/* a random node of the tree under n, at most maxd levels down */
static node *descend(node *n, unsigned *seed, int maxd)
{
	for (int d = 0; d < maxd; d++) {
		node *k = n->kid[rand_r(seed) % 2];
		if (k == NULL)
			break;
		n = k;
	}
	return n;
}

/* one random step on the mutator's graph */
static NOINLINE void mutate(mutator *m, node **slots)
{
	unsigned r = (unsigned)rand_r(&m->seed);
	int s = (int)(r % SLOTS), k = (int)((r >> 12) % 2);
	node *at = slots[s] ? descend(slots[s], &m->seed, 12) : NULL;
	switch ((unsigned)rand_r(&m->seed) % 10) {
	case 0: case 1: case 2: case 8: case 9: { /* grow: a new node under a random one */
		node *x = node_new(m->next_id++);
		if (at == NULL)
			gm_write((void **)&slots[s], x);
		else
			gm_write((void **)&at->kid[k], x); /* may drop a subtree */
		break;
	}
	case 3: /* drop a subtree */
		if (at != NULL)
			gm_write((void **)&at->kid[k], NULL);
		break;
	case 4: /* drop a whole tree, now and then */
		if ((r >> 20) % 4 == 0)
			gm_write((void **)&slots[s], NULL);
		break;
	case 5: { /* relink: a cross edge to another tree, which may later
		   * be dropped from its slot and live on through this edge */
		node *o = slots[(s + 1 + (int)((r >> 13) % (SLOTS - 1))) % SLOTS];
		if (at != NULL && o != NULL)
			gm_write((void **)&at->kid[2], o);
		break;
	}
	case 6: /* a cycle: a back edge to the tree's root */
		if (at != NULL)
			gm_write((void **)&at->kid[2], slots[s]);
		break;
	default:
		gm_safepoint();
	}
}

static void *mutator_main(void *arg)
{
	mutator *m = arg;
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	/* the roots live in the heap, held by this stack */
	node **volatile slots = gm_new_array(ptr_t, SLOTS);
	for (int i = 0; i < m->ops; i++) {
		mutate(m, slots);
		if (i % 20000 == 19999) {
			for (int s = 0; s < SLOTS; s++)
				m->bad += verify_tree(slots[s], 0);
			if (m->id == 0)
				gm_gc();
		}
	}
	for (int s = 0; s < SLOTS; s++)
		m->bad += verify_tree(slots[s], 0);
	gm_thread_detach();
	return NULL;
}

static void run_stress(int threads, int ops)
{
	gm_gc();
	uint64_t base = heap_alloc();
	pthread_t th[8];
	mutator m[8];
	for (int i = 0; i < threads; i++) {
		m[i] = (mutator){ .id = i, .seed = 1000u + (unsigned)i, .ops = ops,
				  .next_id = (uint64_t)i << 40 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, mutator_main, &m[i]), 0);
	}
	/* joining blocks: an attached thread says so, or it would hold up
	 * every stop of the world (Go's entersyscall) */
	gm_blocking_enter();
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	gm_blocking_leave();
	for (int i = 0; i < threads; i++)
		ck_assert_int_eq(m[i].bad, 0);
	gm_gc();
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_ge(ms.num_gc, 3);
	ck_assert_uint_eq(ms.heap_alloc, base);
	ck_assert_uint_eq(ms.heap_inuse + ms.heap_idle, ms.heap_sys);
}

START_TEST(stress_threads_mutate_graphs)
{
	run_stress(3, 400000);
}
END_TEST

START_TEST(stress_low_gogc)
{
	gm_set_gc_percent(10);
	run_stress(2, 200000);
}
END_TEST

/* gm_object_size of live objects, read on one thread while the main
 * thread's cycles sweep their spans: a sweep swaps and clears alloc bits,
 * and a reader that saw it half done took a live object for a free slot */
enum { SIZED = 4096 };
static atomic_int sized_stop;

static void *sizer_main(void *arg)
{
	node **keep = arg;
	long bad = 0;
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	while (!atomic_load(&sized_stop)) {
		for (int i = 0; i < SIZED; i++)
			bad += gm_object_size(keep[i]) != 80;
		gm_safepoint();
	}
	gm_thread_detach();
	return (void *)bad;
}

START_TEST(object_size_stable_while_sweeping)
{
	node **keep = gm_new_array(ptr_t, SIZED);
	for (int i = 0; i < SIZED; i++) {
		gm_write((void **)&keep[i], node_new((uint64_t)i));
		churn(4); /* spread the kept nodes over partly garbage spans */
	}
	atomic_store(&sized_stop, 0);
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, sizer_main, keep), 0);
	for (int round = 0; round < 40; round++) {
		gm_gc();
		churn(20000);
	}
	atomic_store(&sized_stop, 1);
	void *bad;
	gm_blocking_enter();
	pthread_join(th, &bad);
	gm_blocking_leave();
	ck_assert_int_eq((long)bad, 0);
	for (int i = 0; i < SIZED; i++)
		ck_assert(node_ok(keep[i]));
}
END_TEST

/* ---- starting a cycle ------------------------------------------------- */

static atomic_ulong hooked_stops;
static atomic_uint hooked_cycles;

static void count_cycle_stops(const gm_cycle *c, void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&hooked_stops, c->nstops);
	atomic_fetch_add(&hooked_cycles, 1);
}

static atomic_int racers_go;

static void *trigger_racer(void *arg)
{
	(void)arg;
	if (gm_thread_attach() != GM_OK)
		return (void *)1;
	while (!atomic_load(&racers_go))
		gm_safepoint();
	churn(300000);
	gm_thread_detach();
	return NULL;
}

/* Threads that cross the trigger together start one cycle between them,
 * and only its own stops stop the world: the others re-test the trigger
 * under the start lock (Go's work.startSema), not in a stop. */
START_TEST(racing_triggers_stop_the_world_only_for_cycles)
{
	enum { N = 4 };
	gm_gc(); /* nothing in flight */
	atomic_store(&hooked_stops, 0);
	atomic_store(&hooked_cycles, 0);
	gm_set_cycle_hook(count_cycle_stops, NULL);
	uint64_t stops0 = gmi_stw_count();
	pthread_t th[N];
	atomic_store(&racers_go, 0);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, trigger_racer, NULL), 0);
	atomic_store(&racers_go, 1);
	long bad = 0;
	for (int i = 0; i < N; i++) {
		void *r;
		gm_blocking_enter();
		pthread_join(th[i], &r);
		gm_blocking_leave();
		bad += (long)r;
	}
	gmi_gc_wait_mark_done(); /* every cycle started is recorded */
	uint64_t stops = gmi_stw_count() - stops0;
	gm_set_cycle_hook(NULL, NULL);
	unsigned long cycle_stops = atomic_load(&hooked_stops);
	unsigned cycles = atomic_load(&hooked_cycles);
	ck_assert_int_eq(bad, 0);
	ck_assert_uint_ge(cycles, 5);
	ck_assert_uint_eq(stops, cycle_stops);
}
END_TEST

/* ---- idle marking -------------------------------------------------------- */

/* Go runs an idle mark worker only on a P with nothing else to run
 * (proc.go, findRunnable): with procs = 1 and the one attached thread never
 * blocking there is no idle proc, so no idle marking at all, however idle
 * the machine's other CPUs are.  (At nice 19 the idle workers marked on
 * them anyway, and one that a busier thread preempted mid-drain kept the
 * mark from ending.)  Not a timing test: the assertion is on the cycle's
 * idle mark time, which only an idle worker's drain adds to. */
static void setup_idle_one_proc(void)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = 100;
	cfg.procs = 1;
	cfg.idle_mark = 1;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	make_types();
}

static atomic_uint idle_cycles;
static _Atomic int64_t idle_cycle_ns;

static void record_idle_time(const gm_cycle *c, void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&idle_cycle_ns, c->idle_cpu_ns);
	atomic_fetch_add(&idle_cycles, 1);
}

/* a list of n nodes, the first returned */
static NOINLINE node *build_list(int n)
{
	node *head = NULL;
	for (int i = 0; i < n; i++) {
		node *x = node_new((uint64_t)i);
		GM_WRITE(x->kid[0], head);
		head = x;
	}
	return head;
}

START_TEST(idle_workers_take_no_busy_proc)
{
	node *head = build_list(200000); /* 16 MB to mark */
	/* the build's own cycles parked this thread in assists, which frees
	 * its proc: finish them first (the next trigger is far off) */
	gm_gc();
	atomic_store(&idle_cycles, 0);
	atomic_store(&idle_cycle_ns, 0);
	gm_set_cycle_hook(record_idle_time, NULL);
	gmi_gc_start_async();
	/* stay attached and out of any blocking region until it is recorded */
	while (atomic_load(&idle_cycles) == 0) {
		gm_safepoint();
		sched_yield();
	}
	gm_set_cycle_hook(NULL, NULL);
	int64_t idle_ns = atomic_load(&idle_cycle_ns);
	ck_assert_msg(idle_ns == 0, "an idle worker marked for %lld ns on the only proc, busy",
		      (long long)idle_ns);
	int n = 0;
	for (node *x = head; x != NULL; x = x->kid[0], n++)
		ck_assert(node_ok(x));
	ck_assert_int_eq(n, 200000);
}
END_TEST

static Suite *gc_suite(void)
{
	Suite *s = suite_create("gc");
	TCase *tc = tcase_create("survival");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, stack_variable_keeps_object);
	tcase_add_test(tc, register_across_call_keeps_object);
	tcase_add_test(tc, interior_pointer_keeps_object);
	tcase_add_test(tc, root_range_keeps_object);
	tcase_add_test(tc, large_pointer_array_keeps_all);
	tcase_add_test(tc, large_array_survives_oblet_scans_cut_by_stops);
	tcase_add_test(tc, garbage_cycles_are_collected);
	tcase_add_test(tc, fat_nodes_with_headers_keep_their_kids);
	tcase_add_test(tc, gogc_off_never_collects_by_itself);
	tcase_add_test(tc, object_size_stable_while_sweeping);
	tcase_add_test(tc, racing_triggers_stop_the_world_only_for_cycles);
	tcase_add_test_raise_signal(tc, heapcheck_catches_an_unmarked_reachable_object, SIGABRT);
	suite_add_tcase(s, tc);

	TCase *st = tcase_create("stress");
	tcase_add_checked_fixture(st, setup, teardown);
	tcase_set_timeout(st, 600);
	tcase_add_test(st, stress_threads_mutate_graphs);
	tcase_add_test(st, stress_low_gogc);
	suite_add_tcase(s, st);

	TCase *ti = tcase_create("idle");
	tcase_add_checked_fixture(ti, setup_idle_one_proc, teardown);
	tcase_set_timeout(ti, 300);
	tcase_add_test(ti, idle_workers_take_no_busy_proc);
	suite_add_tcase(s, ti);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
