/*
 * test_concurrent_graph.c — the concurrent collector under stress: mutator
 * threads rewrite one shared graph of checksummed nodes with gm_write and
 * gm_memmove (copies, replacements, nodes hidden in a stack across
 * allocation and safepoints) while another thread runs forced cycles,
 * every third one held open while the mutators run.  The graph is
 * verified by one mutator as it goes and again at the end, after two more
 * cycles and enough allocation to reuse anything wrongly freed.
 *
 * Like test_concurrent.c (whose header says more), tests/CMakeLists.txt
 * runs it once per collector with GODEBUG=gccheckmark=1, and the heap
 * verifier throws at any mark termination that left a reachable object
 * white.
 */
#include "concurrent_util.h"

/* ---- (a) stress: threads rewrite one shared graph ---------------------- */

/*
 * The graph: NARR arrays of LEN node pointers and NARR arrays of LEN pairs,
 * reached from graph_root (a root range) through one heap array.  Nodes
 * are immutable but for their kid[] edges and `seen`.  Every access to the
 * graph happens under graph_lock (a spinlock that polls the safepoint, so
 * a waiter never holds up a stop); nodes are allocated outside it and
 * published under it.  Between a "hide" and its re-insert the only
 * reference to a node may be the hiding thread's stack, across allocation
 * and safepoints.
 */
enum { NARR = 8, LEN = 128, MUTATORS = 3, CHECK_EVERY = 10000, GC_ROUNDS = 48 };
/* per mutator; ThreadSanitizer runs this part some 20 times slower, and
 * the suite runs in four modes in each of make test's three builds */
#if defined(__SANITIZE_THREAD__)
enum { OPS = 40000 };
#else
enum { OPS = 100000 };
#endif

static void *graph_root[1]; /* the top array: 2 * NARR slots */
static atomic_int graph_lock;
static atomic_int graph_epoch;

static void lock_graph(void)
{
	int zero = 0;
	while (!atomic_compare_exchange_weak_explicit(&graph_lock, &zero, 1,
						      memory_order_acquire,
						      memory_order_relaxed)) {
		zero = 0;
		gm_safepoint();
		sched_yield();
	}
}

static void unlock_graph(void)
{
	atomic_store_explicit(&graph_lock, 0, memory_order_release);
}

static void **graph_top(void)
{
	return graph_root[0];
}

static node **ptrs_at(int a)
{
	return graph_top()[a];
}

static pair *pairs_at(int a)
{
	return graph_top()[NARR + a];
}

typedef struct verify_ctx {
	node **stack; /* pending nodes; each also reachable from the graph */
	size_t top, cap;
	uint64_t epoch;
	long bad, nodes;
} verify_ctx;

static void verify_push(verify_ctx *v, node *n)
{
	if (n == NULL || n->seen == v->epoch)
		return;
	n->seen = v->epoch;
	if (v->top == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 1024;
		v->stack = realloc(v->stack, v->cap * sizeof *v->stack);
	}
	v->stack[v->top++] = n;
}

/* Under graph_lock (nothing changes the graph meanwhile): every node
 * reachable from the graph is intact, every pair's tag matches its node.
 * Returns the broken ones; *nodes gets the count reached. */
static NOINLINE long verify_graph(long *nodes)
{
	verify_ctx v = { .epoch = (uint64_t)atomic_fetch_add(&graph_epoch, 1) + 1 };
	for (int a = 0; a < NARR; a++) {
		node **p = ptrs_at(a);
		pair *q = pairs_at(a);
		for (int i = 0; i < LEN; i++) {
			verify_push(&v, p[i]);
			v.bad += q[i].tag != pair_tag(q[i].n);
			verify_push(&v, q[i].n);
		}
	}
	while (v.top > 0) {
		node *n = v.stack[--v.top];
		v.nodes++;
		if (!node_ok(n)) {
			v.bad++;
			continue; /* do not follow a broken node's edges */
		}
		for (int k = 0; k < 3; k++)
			verify_push(&v, n->kid[k]);
	}
	free(v.stack);
	if (nodes != NULL)
		*nodes = v.nodes;
	return v.bad;
}

typedef struct gmut {
	uint64_t seed;
	uint64_t next_id;
	int checker;  /* verifies the whole graph every CHECK_EVERY ops */
	long bad;
} gmut;

/* an overlapping or cross-array copy of pointers or of pairs */
static void op_copy(gmut *m, bool pairs)
{
	int a = (int)(rnd(&m->seed) % NARR), b = (int)(rnd(&m->seed) % NARR);
	size_t n = rnd(&m->seed) % 9, s = rnd(&m->seed) % (LEN - n + 1),
	       d = rnd(&m->seed) % (LEN - n + 1);
	lock_graph();
	if (pairs)
		gm_memmove(pair_t, &pairs_at(b)[d], &pairs_at(a)[s], n);
	else
		gm_memmove(ptr_t, &ptrs_at(b)[d], &ptrs_at(a)[s], n);
	unlock_graph();
}

/* a new array copied from the old one by gm_memmove, then swapped in */
static NOINLINE void op_replace(gmut *m)
{
	int a = (int)(rnd(&m->seed) % NARR);
	bool pairs = rnd(&m->seed) % 2;
	void *fresh = pairs ? gm_new_array(pair_t, LEN) : gm_new_array(ptr_t, LEN);
	lock_graph();
	int slot = pairs ? NARR + a : a;
	gm_memmove(pairs ? pair_t : ptr_t, fresh, graph_top()[slot], LEN);
	gm_write(&graph_top()[slot], fresh);
	unlock_graph();
}

/* take a node out (its only reference may now be this frame), allocate,
 * then put it back somewhere else */
static NOINLINE void op_hide(gmut *m)
{
	int a = (int)(rnd(&m->seed) % NARR), i = (int)(rnd(&m->seed) % LEN);
	int b = (int)(rnd(&m->seed) % NARR), j = (int)(rnd(&m->seed) % LEN);
	lock_graph();
	node *h = ptrs_at(a)[i];
	gm_write((void **)&ptrs_at(a)[i], NULL);
	unlock_graph();
	churn(300);
	lock_graph();
	if (h != NULL && !node_ok(h))
		m->bad++;
	else if (rnd(&m->seed) % 2)
		gm_write((void **)&ptrs_at(b)[j], h);
	else
		gm_memmove(pair_t, &pairs_at(b)[j], &(pair){ h, pair_tag(h) }, 1);
	unlock_graph();
}

static NOINLINE void mutate(gmut *m)
{
	uint64_t r = rnd(&m->seed);
	int a = (int)(r % NARR), i = (int)((r >> 8) % LEN);
	int b = (int)((r >> 16) % NARR), j = (int)((r >> 24) % LEN);
	int k = (int)((r >> 32) % 3);
	switch ((r >> 40) % 12) {
	case 0: case 1: case 11: { /* a new node, with an edge to an old one */
		node *x = node_new(m->next_id++);
		lock_graph();
		gm_write((void **)&x->kid[k], ptrs_at(b)[j]);
		gm_write((void **)&ptrs_at(a)[i], x);
		unlock_graph();
		break;
	}
	case 2: case 3:
		op_copy(m, false);
		break;
	case 4:
		op_copy(m, true);
		break;
	case 5: { /* a pair written from the stack */
		lock_graph();
		node *n = ptrs_at(b)[j];
		gm_memmove(pair_t, &pairs_at(a)[i], &(pair){ n, pair_tag(n) }, 1);
		unlock_graph();
		break;
	}
	case 6: /* relink: an edge between nodes (cycles allowed) */
		lock_graph();
		if (ptrs_at(a)[i] != NULL)
			gm_write((void **)&ptrs_at(a)[i]->kid[k], pairs_at(b)[j].n);
		unlock_graph();
		break;
	case 7: case 8:
		op_hide(m);
		break;
	case 9:
		if ((r >> 48) % 4 == 0)
			op_replace(m);
		break;
	default: /* drop a node or an edge */
		lock_graph();
		if ((r >> 48) % 2 && ptrs_at(a)[i] != NULL)
			gm_write((void **)&ptrs_at(a)[i]->kid[k], NULL);
		else
			gm_write((void **)&ptrs_at(a)[i], NULL);
		unlock_graph();
		gm_safepoint();
	}
}

static void *gmut_main(void *arg)
{
	gmut *m = arg;
	if (gm_thread_attach() != GM_OK) {
		m->bad++;
		return NULL;
	}
	for (int op = 0; op < OPS; op++) {
		mutate(m);
		if (m->checker && op % CHECK_EVERY == CHECK_EVERY - 1) {
			lock_graph();
			m->bad += verify_graph(NULL);
			unlock_graph();
		}
	}
	gm_thread_detach();
	return NULL;
}

/* forced cycles, every third one held open while the mutators run */
static void *gcer_main(void *arg)
{
	(void)arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	for (int round = 0; round < GC_ROUNDS; round++) {
		if (round % 3 == 2) {
			mark_open();
			churn(4000);
			mark_close();
		} else {
			gm_gc();
			churn(1000);
		}
	}
	gm_thread_detach();
	return NULL;
}

static NOINLINE void make_graph(void)
{
	void **top = gm_new_array(ptr_t, 2 * NARR);
	gm_write(&graph_root[0], top);
	uint64_t id = 1;
	for (int a = 0; a < NARR; a++) {
		node **p = gm_new_array(ptr_t, LEN);
		gm_write(&top[a], p);
		gm_write(&top[NARR + a], gm_new_array(pair_t, LEN));
		for (int i = 0; i < LEN; i++)
			gm_write((void **)&p[i], node_new(id++));
	}
}

START_TEST(stress_threads_rewrite_shared_graph)
{
	gm_root_add(graph_root, sizeof graph_root);
	make_graph();
	uint32_t gc0 = num_gc();
	gmut m[MUTATORS];
	pthread_t th[MUTATORS], gcer;
	for (int i = 0; i < MUTATORS; i++) {
		m[i] = (gmut){ .seed = 0xc0ffee00u + (uint64_t)i,
			       .next_id = ((uint64_t)i + 1) << 40, .checker = i == 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, gmut_main, &m[i]), 0);
	}
	ck_assert_int_eq(pthread_create(&gcer, NULL, gcer_main, NULL), 0);
	for (int i = 0; i < MUTATORS; i++)
		join(th[i]);
	join(gcer);

	long bad = 0, nodes = 0;
	for (int i = 0; i < MUTATORS; i++)
		bad += m[i].bad;
	lock_graph();
	bad += verify_graph(&nodes);
	unlock_graph();
	gm_gc();
	churn(60000); /* reuse whatever was freed */
	gm_gc();
	long nodes_after = 0;
	lock_graph();
	bad += verify_graph(&nodes_after);
	unlock_graph();
	ck_assert_int_eq(bad, 0);
	ck_assert_int_gt(nodes, 0);
	ck_assert_int_eq(nodes_after, nodes);
	ck_assert_uint_ge(num_gc(), gc0 + GC_ROUNDS + 2);
}
END_TEST

static Suite *concurrent_graph_suite(void)
{
	Suite *s = suite_create("concurrent_graph");
	TCase *st = tcase_create("stress");
	tcase_add_checked_fixture(st, setup, teardown);
	tcase_set_timeout(st, 600);
	tcase_add_test(st, stress_threads_rewrite_shared_graph);
	suite_add_tcase(s, st);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(concurrent_graph_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
