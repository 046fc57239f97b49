/*
 * boehm.c — Boehm-Demers-Weiser GC as a peer (gomem-peer-boehm): a
 * conservative, non-moving, stop-the-world collector with parallel
 * marking, the usual choice for a C program that wants a collector.
 *
 * Benchmarks, under gomem's names with the component "boehm":
 *   alloc_* (the families and sizes of workloads/alloc.c)   GC_MALLOC_ATOMIC
 *       (noscan) or GC_MALLOC (alloc_small_ptr), a batch of 4 MiB, then
 *       GC_FREE of each object: explicit reclamation, as gomem's batch
 *       sweep and glibc's free
 *   alloc_*_gc                 the same without GC_FREE: the collector
 *                              reclaims
 *   binary_trees/boehm/18      the Benchmarks Game's binary-trees, nodes of
 *                              two pointers from GC_MALLOC
 *   steady_heap/boehm/64/64/threads:N   workloads/steady_heap.c's heap: a
 *       root array of chains of 4 nodes of 64 B (next, aux, key, payload),
 *       random replacement of one node per iteration
 *
 * The configuration: GOGC maps onto Boehm's free-space divisor.  Boehm
 * collects after allocating about (twice the live pointerful heap) /
 * divisor (alloc.c's min_bytes_allocd); GOGC g lets the heap grow by
 * g/100 of the live heap, so divisor = round(200 / g), at least 1
 * (GOGC 100 -> 2, 50 -> 4, 200 and above -> 1): an approximation, said
 * so in the report.  GOGC=off disables the collector.  GOMEMLIMIT has no
 * counterpart (GC_set_max_heap_size is a hard limit that fails
 * allocations) and is not applied.
 *
 * Counters (thread 0, gomem's names): gc_cycles; pause_* over the run's
 * cycles, a cycle's pause being its stops added up (the world is stopped
 * from GC_EVENT_PRE_STOP_WORLD to GC_EVENT_POST_START_WORLD, observed by
 * the collection-event callback); stops and stop_*; mmu_*; peak_rss_bytes;
 * gc_cpu_fraction as the stopped time over the run's wall time (while the
 * world is stopped every processor is the collector's: its markers run in
 * parallel).
 */
#define GC_THREADS
/* bdw-gc's <gc/gc.h> by its full path (peers/CMakeLists.txt): on the
 * include path, gc/gc.h is gomem's own collector header. */
#include GMB_BDWGC_HEADER

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/gccounters.h"
#include "harness/rss.h"
#include "harness/xorshift.h"
#include "peers/peer.h"

gmb_runtime peer_runtime(void)
{
	return GMB_RT_BOEHM;
}

/* ---- the collection-event log ---------------------------------------- */

/* The newest BH_LOG stops, written by the callback (the collecting thread,
 * world stopped, GC lock held: no allocation, no locks here). */
#define BH_LOG 8192
static uint64_t bh_stop_ns[BH_LOG], bh_stop_end[BH_LOG];
static uint32_t bh_stop_cycle[BH_LOG];
static atomic_ulong bh_nstops; /* stops logged so far */
static uint64_t bh_pre_stop;   /* the stop in progress began here */
static uint32_t bh_cycle;      /* GC_EVENT_START count */

static uint64_t bh_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bh_event(GC_EventType e)
{
	if (e == GC_EVENT_START)
		bh_cycle++;
	else if (e == GC_EVENT_PRE_STOP_WORLD)
		bh_pre_stop = bh_now();
	else if (e == GC_EVENT_POST_START_WORLD && bh_pre_stop != 0) {
		unsigned long i = atomic_load(&bh_nstops) % BH_LOG;
		uint64_t now = bh_now();
		bh_stop_ns[i] = now - bh_pre_stop;
		bh_stop_end[i] = now;
		bh_stop_cycle[i] = bh_cycle;
		bh_pre_stop = 0;
		atomic_fetch_add(&bh_nstops, 1);
	}
}

/* ---- a run's counters ------------------------------------------------- */

typedef struct bh_run {
	unsigned long stops0;
	GC_word gc_no0;
	uint64_t t0;
} bh_run;

static void bh_begin(gmb_state *st, bh_run *r)
{
	if (gmb_thread_index(st) != 0)
		return;
	gmb_rss_peak_reset();
	r->stops0 = atomic_load(&bh_nstops);
	r->gc_no0 = GC_get_gc_no();
	r->t0 = bh_now();
}

/* Per-cycle pauses (stops of one cycle added), newest first, as
 * gm_gcstats lays them out for gmb_gc_summarize. */
static size_t bh_cycles(unsigned long from, unsigned long to, uint64_t *ns,
			uint64_t *end, uint64_t *stop_total)
{
	size_t n = 0;
	*stop_total = 0;
	for (unsigned long k = to; k-- > from && to - k <= BH_LOG;) {
		unsigned long i = k % BH_LOG;
		*stop_total += bh_stop_ns[i];
		if (n > 0 && bh_stop_cycle[(k + 1) % BH_LOG] == bh_stop_cycle[i]) {
			ns[n - 1] += bh_stop_ns[i];
			continue;
		}
		ns[n] = bh_stop_ns[i];
		end[n++] = bh_stop_end[i];
	}
	return n;
}

static void bh_stop_counters(gmb_state *st, unsigned long from,
			     unsigned long to)
{
	static uint64_t v[BH_LOG];
	size_t n = 0;
	for (unsigned long k = from; k < to && n < BH_LOG; k++)
		v[n++] = bh_stop_ns[k % BH_LOG];
	gmb_set_counter(st, "stops", (double)n, 0);
	if (n == 0)
		return;
	for (size_t i = 1; i < n; i++) /* insertion sort: a few hundred */
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	gmb_set_counter(st, "stop_p50_ns", (double)gmb_pause_rank(v, (uint32_t)n, 500), 0);
	gmb_set_counter(st, "stop_p99_ns", (double)gmb_pause_rank(v, (uint32_t)n, 990), 0);
	gmb_set_counter(st, "stop_max_ns", (double)v[n - 1], 0);
}

static void bh_end(gmb_state *st, const bh_run *r, const char *name)
{
	static uint64_t ns[BH_LOG], end[BH_LOG];
	if (gmb_thread_index(st) != 0)
		return;
	uint64_t t1 = bh_now(), stopped;
	unsigned long stops1 = atomic_load(&bh_nstops);
	size_t n = bh_cycles(r->stops0, stops1, ns, end, &stopped);
	gmb_gc_summary g;
	gmb_set_counter(st, "gc_cycles", (double)(GC_get_gc_no() - r->gc_no0), 0);
	if (gmb_gc_summarize(ns, end, (uint32_t)n, false, r->t0, t1, &g) == 0) {
		if (n > 0) {
			gmb_set_counter(st, "pause_p50_ns", (double)g.p50_ns, 0);
			gmb_set_counter(st, "pause_p90_ns", (double)g.p90_ns, 0);
			gmb_set_counter(st, "pause_p99_ns", (double)g.p99_ns, 0);
			gmb_set_counter(st, "pause_p999_ns", (double)g.p999_ns, 0);
			gmb_set_counter(st, "pause_max_ns", (double)g.max_ns, 0);
		}
		gmb_set_counter(st, "mmu_1ms", g.mmu_1ms, 0);
		gmb_set_counter(st, "mmu_10ms", g.mmu_10ms, 0);
		gmb_set_counter(st, "mmu_100ms", g.mmu_100ms, 0);
	}
	bh_stop_counters(st, r->stops0, stops1);
	gmb_set_counter(st, "gc_cpu_fraction",
			t1 > r->t0 ? (double)stopped / (double)(t1 - r->t0) : 0, 0);
	gmb_set_counter(st, "peak_rss_bytes", (double)gmb_rss_peak(), 0);
	if (name != NULL)
		peer_pauses_record(name, ns, n);
}

/* Google Benchmark's threads are not created through GC_pthread_create:
 * each registers itself (the main thread is registered already). */
static bool bh_attach(void)
{
	struct GC_stack_base sb;
	if (GC_get_stack_base(&sb) != GC_SUCCESS)
		peer_fatal("GC_get_stack_base failed");
	return GC_register_my_thread(&sb) == GC_SUCCESS;
}

/* ---- allocation ------------------------------------------------------- */

static void bh_alloc_bench(gmb_state *st, void *arg)
{
	peer_alloc_kind kind = (peer_alloc_kind)(uintptr_t)arg;
	bool scan = kind == PEER_SCAN || kind == PEER_SCAN_GC;
	bool collect = kind == PEER_NOSCAN_GC || kind == PEER_SCAN_GC;
	size_t size = (size_t)gmb_range(st, 0);
	int64_t batch = peer_batch_objects(size);
	bool registered = bh_attach();
	/* scanned: a collection during the batch must not free what GC_FREE
	 * frees next */
	void **objs = collect ? NULL : GC_MALLOC((size_t)batch * sizeof *objs);
	bh_run r;
	if (objs == NULL && !collect)
		peer_fatal("no memory for a batch of %lld pointers", (long long)batch);
	bh_begin(st, &r);
	while (gmb_keep_running_batch(st, batch)) {
		for (int64_t i = 0; i < batch; i++) {
			char *p = scan ? GC_MALLOC(size) : GC_MALLOC_ATOMIC(size);
			if (p == NULL)
				peer_fatal("GC_MALLOC(%zu) failed", size);
			p[size - 1] = 1;
			gmb_do_not_optimize(p);
			if (!collect)
				objs[i] = p;
		}
		for (int64_t i = 0; !collect && i < batch; i++)
			GC_FREE(objs[i]);
	}
	if (collect)
		bh_end(st, &r, NULL); /* pauses: binary_trees, steady_heap */
	gmb_set_items_processed(st, gmb_iterations(st));
	GC_FREE(objs);
	if (registered)
		GC_unregister_my_thread();
}

/* ---- binary_trees ----------------------------------------------------- */

typedef struct bh_tree {
	struct bh_tree *left, *right;
} bh_tree;

static bh_tree *bh_build(int depth)
{
	bh_tree *n = GC_MALLOC(sizeof *n);
	if (n == NULL)
		peer_fatal("GC_MALLOC failed");
	if (depth > 0) {
		bh_tree *l = bh_build(depth - 1);
		n->right = bh_build(depth - 1);
		n->left = l;
	}
	return n;
}

static long bh_check(const bh_tree *n)
{
	return n->left == NULL ? 1 : 1 + bh_check(n->left) + bh_check(n->right);
}

static long bh_binary_trees(int n)
{
	enum { MIN_DEPTH = 4 };
	int max = n < MIN_DEPTH + 2 ? MIN_DEPTH + 2 : n;
	long sum = bh_check(bh_build(max + 1));
	bh_tree *volatile long_lived = bh_build(max);
	for (int d = MIN_DEPTH; d <= max; d += 2)
		for (long i = 0, k = 1L << (max - d + MIN_DEPTH); i < k; i++)
			sum += bh_check(bh_build(d));
	return sum + bh_check(long_lived);
}

static void bh_trees_bench(gmb_state *st, void *arg)
{
	(void)arg;
	int depth = (int)gmb_range(st, 0);
	char name[64];
	bh_run r;
	bh_begin(st, &r);
	while (gmb_keep_running_batch(st, 1)) {
		long sum = bh_binary_trees(depth);
		gmb_do_not_optimize(&sum);
	}
	snprintf(name, sizeof name, "binary_trees/boehm/%d", depth);
	bh_end(st, &r, name);
}

/* ---- steady_heap ------------------------------------------------------ */

#define BH_CHAIN 4 /* workloads/steady_heap.h's GMB_STEADY_CHAIN */

typedef struct bh_node {
	struct bh_node *next, *aux;
	uint64_t key;
	uint64_t words[];
} bh_node;

static bh_node *bh_node_new(size_t size, uint64_t *rng)
{
	bh_node *n = GC_MALLOC(size);
	if (n == NULL)
		peer_fatal("GC_MALLOC(%zu) failed", size);
	n->key = gmb_xorshift64(rng);
	for (size_t i = 0; i < size / 8 - 3; i++)
		n->words[i] = n->key + i; /* a payload to write; not checked */
	return n;
}

static void bh_steady_bench(gmb_state *st, void *arg)
{
	(void)arg;
	size_t live = (size_t)gmb_range(st, 0) << 20, size = (size_t)gmb_range(st, 1);
	uint64_t rng = 0x5eed0000u + (uint64_t)gmb_thread_index(st);
	bool registered = bh_attach();
	size_t nslots = live / (size_t)gmb_threads(st) /
			(BH_CHAIN * size + sizeof(void *));
	bh_node **slots = GC_MALLOC(nslots * sizeof *slots);
	char name[96];
	bh_run r;
	if (slots == NULL)
		peer_fatal("GC_MALLOC of %zu slots failed", nslots);
	for (size_t s = 0; s < nslots; s++)
		for (int k = 0; k < BH_CHAIN; k++) {
			bh_node *n = bh_node_new(size, &rng);
			n->next = slots[s];
			slots[s] = n;
		}
	bh_begin(st, &r);
	while (gmb_keep_running_batch(st, 1024))
		for (int i = 0; i < 1024; i++) {
			uint64_t x = gmb_xorshift64(&rng);
			bh_node **prev = &slots[(x >> 8) % nslots];
			for (uint64_t k = x % BH_CHAIN; k > 0; k--)
				prev = &(*prev)->next;
			bh_node *fresh = bh_node_new(size, &rng);
			fresh->next = (*prev)->next;
			*prev = fresh;
		}
	snprintf(name, sizeof name, "steady_heap/boehm/%zu/%zu/threads:%d",
		 live >> 20, size, gmb_threads(st));
	bh_end(st, &r, name);
	gmb_set_items_processed(st, gmb_iterations(st));
	gmb_do_not_optimize(slots);
	if (registered)
		GC_unregister_my_thread();
}

/* ---- setup ------------------------------------------------------------ */

int peer_register(void)
{
	static const int both[] = {1, 2};
	static const int64_t steady[] = {64, 64};
	char name[64];
	int gogc = peer_gogc();
	GC_INIT();
	GC_allow_register_threads();
	GC_set_on_collection_event(bh_event);
	if (gogc < 0)
		GC_disable();
	else
		GC_set_free_space_divisor(gogc > 0 ? (GC_word)fmax(1, round(200.0 / gogc))
						   : 200);
	peer_register_alloc(bh_alloc_bench, true);
	gmb_opts t = {GMB_ARGS(18), .unit = GMB_MS};
	gmb_register("binary_trees/boehm", bh_trees_bench, NULL, &t);
	gmb_opts s = {.threads = both, .nthreads = 2};
	snprintf(name, sizeof name, "steady_heap/%s", peer_component());
	gmb_bench_args(gmb_register(name, bh_steady_bench, NULL, &s), steady, 2);
	return 0;
}
