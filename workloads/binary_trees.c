/*
 * binary_trees.c — the Benchmarks Game's binary-trees, on the gomem heap
 * (the allocation-heavy GC benchmark Go's own x/benchmarks uses as well).
 *
 * Rules (benchmarksgame binary-trees): min depth 4; max depth
 * n = max(min + 2, N); a "stretch" tree of depth n + 1 is built, checked
 * and dropped; a long-lived tree of depth n is built and kept; then for
 * each depth d = 4, 6, ..., n, 2^(n - d + 4) trees of depth d are built,
 * checked (a check counts the nodes) and dropped; finally the long-lived
 * tree is checked.  Trees are built bottom-up, children before parents, as
 * Go's program does, so that every node is reachable only through the
 * stack or its parent when a collection runs.
 *
 * The workload does the fixed work of one run per iteration and never
 * prints: its text output goes to a buffer that a test compares with the
 * known output (tests/test_binary_trees.c, depth 10).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "gomem.h"
#include "harness/gccounters.h"
#include "harness/shim.h"
#include "harness/workload.h"
#include "workloads/binary_trees.h"

typedef struct tree {
	struct tree *left, *right;
} tree;

static const gm_type *bt_type;
static pthread_once_t bt_type_once = PTHREAD_ONCE_INIT;

static void bt_make_type(void)
{
	static const size_t offs[] = { 0, 8 };
	bt_type = gm_type_new("tree", sizeof(tree), offs, 2);
}

static const gm_type *tree_type(void)
{
	pthread_once(&bt_type_once, bt_make_type);
	return bt_type;
}

/* Go's bottomUpTree */
static tree *bt_build(const gm_type *t, int depth)
{
	if (depth <= 0)
		return gm_new(t);
	tree *l = bt_build(t, depth - 1);
	tree *r = bt_build(t, depth - 1);
	tree *n = gm_new(t);
	gm_write((void **)&n->left, l);
	gm_write((void **)&n->right, r);
	return n;
}

/* Go's itemCheck: the number of nodes.  It allocates nothing, so it
 * polls the safepoint at every call, as Go's compiled itemCheck does in
 * its prologue (the stack-bound check that a preemption request trips:
 * stackPreempt, runtime/stack.go); without it a stop of the world waited
 * for the whole walk of a depth-19 tree, milliseconds. */
static long bt_check(const tree *n)
{
	gm_safepoint();
	if (n->left == NULL)
		return 1;
	return 1 + bt_check(n->left) + bt_check(n->right);
}

size_t gmb_binary_trees_run(int n, char *out, size_t cap)
{
	enum { MIN_DEPTH = 4 };
	const gm_type *t = tree_type();
	int max_depth = n < MIN_DEPTH + 2 ? MIN_DEPTH + 2 : n;
	size_t len = 0;
#define BT_PRINT(...) \
	(len += (size_t)snprintf(out + (len < cap ? len : cap), len < cap ? cap - len : 0, __VA_ARGS__))
	BT_PRINT("stretch tree of depth %d\t check: %ld\n", max_depth + 1,
		 bt_check(bt_build(t, max_depth + 1)));
	tree *volatile long_lived = bt_build(t, max_depth);
	for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
		long iterations = 1L << (max_depth - d + MIN_DEPTH), check = 0;
		for (long i = 0; i < iterations; i++)
			check += bt_check(bt_build(t, d));
		BT_PRINT("%ld\t trees of depth %d\t check: %ld\n", iterations, d, check);
	}
	BT_PRINT("long lived tree of depth %d\t check: %ld\n", max_depth,
		 bt_check(long_lived));
#undef BT_PRINT
	return len;
}

static void binary_trees_bench(gmb_state *st, void *arg)
{
	(void)arg;
	int depth = (int)gmb_range(st, 0);
	char out[512];
	int err = gm_thread_attach();
	if (err != GM_OK) {
		gmb_skip_with_error(st, gm_strerror(err));
		return;
	}
	/* The previous run's heap is garbage now: collect it and return its
	 * pages (as workloads/go/trees.go), untimed and uncounted, so that
	 * each run's peak RSS is its own; under GOGC=off every run's
	 * gigabyte would otherwise stay resident, run after run. */
	gm_free_os_memory();
	gm_gcstats before;
	gmb_gc_counters_begin(&before);
	while (gmb_keep_running_batch_attached(st, 1))
		gmb_do_not_optimize(out + gmb_binary_trees_run(depth, out, sizeof out) % sizeof out);
	gmb_gc_counters_end(st, &before);
	gm_thread_detach();
}

static void binary_trees_register(void)
{
	gmb_opts o = { GMB_ARGS(18), .unit = GMB_MS }; /* depth 18 */
	gmb_register("binary_trees/gomem", binary_trees_bench, NULL, &o);
}

GMB_WORKLOAD(binary_trees,
	.name = "binary_trees",
	.description = "Benchmarks Game binary-trees on the gomem heap with the "
		       "collector reclaiming (ms per run)",
	.params = "depth: 18 (Benchmarks Game rules)",
	.register_benchmarks = binary_trees_register);
