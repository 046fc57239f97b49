/*
 * steady_heap.c — a service's heap: a live heap of fixed size with random
 * replacement churn, the workload for GOGC sweeps and for pause goals.
 *
 * Benchmarks:
 *   steady_heap/gomem/64/64/threads:1 and :2    always
 *   steady_heap/gomem/1024/64/threads:2         only with
 *       GOMEM_BENCH_LARGE=1 in the environment (of list and run alike):
 *       the 1 GiB live heap and 2 mutators of the concurrent collector's
 *       pause goal.  Each call of the benchmark function builds its 1 GiB
 *       anew (seconds, untimed) and Google Benchmark calls it several times
 *       per repetition while it sizes the run, so it stays out of default
 *       and QUICK runs; at GOGC=100 a cycle comes every 1 GiB of
 *       allocation, so its pause percentiles need a long
 *       --benchmark_min_time (30 s gives some 30 cycles).
 * Each is steady_heap/gomem/LIVE_MIB/NODE_BYTES:
 * A root array on the gomem heap (held by a local variable: stacks are
 * roots) has one slot per chain of GMB_STEADY_CHAIN nodes; a node is
 * NODE_BYTES with 2 pointers (next, and aux, left NULL), a key and a
 * payload derived from the key.  The chains and the array together hold
 * about LIVE_MIB MiB.  Building it is untimed, before the loop, and so is
 * the collection that follows once every thread has built; then one
 * iteration picks a random slot and a random position in its chain and
 * puts a freshly allocated node there (every pointer store through
 * gm_write), so that the old node becomes garbage and the live heap stays
 * the same size.  The collector runs at the configured GOGC.
 *
 * One iteration is one allocation (items_processed counts them), so the
 * time per iteration is ns per allocation, cycles included.  Each thread
 * builds and churns its own LIVE_MIB / threads MiB.  After the loop
 * (untimed) every payload and chain length is checked; a broken one skips
 * the run with an error.  Thread 0 reports gccounters.h's figures:
 * gc_cycles, pause_* (per cycle), stop_* and markterm_* (per stop of the
 * world: the pause goals are about these), mmu_*, peak_rss_bytes.  Seeds
 * are fixed.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"
#include "harness/barrier.h"
#include "harness/gccounters.h"
#include "harness/shim.h"
#include "harness/topology.h"
#include "harness/workload.h"
#include "harness/xorshift.h"
#include "workloads/steady_heap.h"

typedef struct sh_node {
	struct sh_node *next, *aux;
	uint64_t key;
	uint64_t words[]; /* node_size / 8 - 3 of them: sh_word(key, i) */
} sh_node;

/* ---- types ------------------------------------------------------------- */

#define SH_MAX_TYPES 16

static pthread_mutex_t sh_types_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	size_t size;
	const gm_type *type;
} sh_types[SH_MAX_TYPES];
static size_t sh_ntypes;

/* The node type of `size` bytes, made on first use (NULL if malformed or
 * the table is full). */
static const gm_type *sh_node_type(size_t size)
{
	static const size_t offs[] = {0, 8};
	const gm_type *t = NULL;
	char name[32];

	pthread_mutex_lock(&sh_types_lock);
	for (size_t i = 0; i < sh_ntypes && t == NULL; i++)
		if (sh_types[i].size == size)
			t = sh_types[i].type;
	if (t == NULL && sh_ntypes < SH_MAX_TYPES) {
		snprintf(name, sizeof name, "steady_node%zu", size);
		t = gm_type_new(name, size, offs, 2);
		if (t != NULL) {
			sh_types[sh_ntypes].size = size;
			sh_types[sh_ntypes++].type = t;
		}
	}
	pthread_mutex_unlock(&sh_types_lock);
	return t;
}

static const gm_type *sh_slot;
static pthread_once_t sh_slot_once = PTHREAD_ONCE_INIT;

static void sh_slot_make(void)
{
	static const size_t offs[] = {0};
	sh_slot = gm_type_new("steady_slot", 8, offs, 1);
}

/* The root array's element: one pointer. */
static const gm_type *sh_slot_type(void)
{
	pthread_once(&sh_slot_once, sh_slot_make);
	return sh_slot;
}

/* ---- nodes ------------------------------------------------------------- */

static uint64_t sh_word(uint64_t key, size_t i)
{
	uint64_t z = key + (i + 1) * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 31);
}

static size_t sh_nwords(size_t node_size)
{
	return node_size / 8 - 3;
}

static sh_node *sh_node_new(const gm_type *t, size_t node_size, uint64_t *rng)
{
	sh_node *n = gm_new(t);
	n->key = gmb_xorshift64(rng);
	for (size_t i = 0, w = sh_nwords(node_size); i < w; i++)
		n->words[i] = sh_word(n->key, i);
	return n;
}

static int sh_node_intact(const sh_node *n, size_t node_size)
{
	for (size_t i = 0, w = sh_nwords(node_size); i < w; i++)
		if (n->words[i] != sh_word(n->key, i))
			return 0;
	return n->aux == NULL;
}

/* ---- the heap ---------------------------------------------------------- */

int gmb_steady_build(gmb_steady *h, size_t live_bytes, size_t node_size,
		     uint64_t seed)
{
	if (node_size < GMB_STEADY_MIN_NODE || node_size % 8 != 0)
		return -1;
	const gm_type *t = sh_node_type(node_size), *st = sh_slot_type();
	if (t == NULL || st == NULL)
		return -1;
	h->node_size = node_size;
	h->rng = seed ? seed : 1;
	h->nslots = live_bytes / (GMB_STEADY_CHAIN * node_size + sizeof(void *));
	if (h->nslots == 0)
		h->nslots = 1;
	h->slots = gm_new_array(st, h->nslots);
	for (size_t s = 0; s < h->nslots; s++) {
		sh_node *head = NULL;
		for (int k = 0; k < GMB_STEADY_CHAIN; k++) {
			sh_node *n = sh_node_new(t, node_size, &h->rng);
			gm_write((void **)&n->next, head);
			head = n;
		}
		gm_write(&h->slots[s], head);
	}
	return 0;
}

void gmb_steady_churn(gmb_steady *h, int64_t n)
{
	const gm_type *t = sh_node_type(h->node_size);
	for (int64_t i = 0; i < n; i++) {
		uint64_t r = gmb_xorshift64(&h->rng);
		void **prev = &h->slots[(r >> 8) % h->nslots];
		for (uint64_t k = r % GMB_STEADY_CHAIN; k > 0; k--)
			prev = (void **)&((sh_node *)*prev)->next;
		sh_node *fresh = sh_node_new(t, h->node_size, &h->rng);
		gm_write((void **)&fresh->next, ((sh_node *)*prev)->next);
		gm_write(prev, fresh);
	}
}

size_t gmb_steady_broken(const gmb_steady *h)
{
	size_t broken = 0;
	for (size_t s = 0; s < h->nslots; s++) {
		int len = 0;
		for (const sh_node *n = h->slots[s]; n != NULL; n = n->next, len++)
			broken += !sh_node_intact(n, h->node_size);
		broken += len != GMB_STEADY_CHAIN;
		gm_safepoint(); /* a long walk that does not allocate */
	}
	return broken;
}

size_t gmb_steady_live_bytes(const gmb_steady *h)
{
	return h->nslots * (GMB_STEADY_CHAIN * h->node_size + sizeof(void *));
}

/* ---- the benchmark ----------------------------------------------------- */

/* Replacements per trip around the loop: enough that the loop's own call
 * is not measured. */
#define SH_BATCH 1024

/* where a run's threads meet once all have built their heaps */
static gmb_barrier sh_built = GMB_BARRIER_INIT;

static void steady_bench(gmb_state *st, void *arg)
{
	(void)arg;
	gmb_place_thread(st);
	size_t live = (size_t)gmb_range(st, 0) << 20, size = (size_t)gmb_range(st, 1);
	gmb_steady h;
	gm_gcstats before;
	int err;

	if ((err = gm_thread_attach()) != GM_OK)
		gmb_fatal("steady_heap: gm_thread_attach: %s", gm_strerror(err));
	/* The previous benchmark's heap is garbage now: collect it and
	 * return its pages (as workloads/go/steady.go), so that this run's
	 * peak RSS is its own; under GOGC=off the heap of a benchmark run
	 * before in the same process would otherwise still be resident. */
	if (gmb_thread_index(st) == 0)
		gm_free_os_memory();
	if (gmb_steady_build(&h, live / (size_t)gmb_threads(st), size,
			     0x5eed0000u + (uint64_t)gmb_thread_index(st)) != 0)
		gmb_fatal("steady_heap: cannot build nodes of %zu bytes", size);
	/* Same as workloads/go/steady.go, which the fidelity table compares
	 * with this: the node (64 B: next, aux, key, 5 payload words; size
	 * class 64), the chain length, the slot count, the churn (one fresh
	 * node per iteration, xorshift64 from the same seed), a collection
	 * before the build and one after it.  The second one keeps the
	 * build's own cycles, which end wherever the build's allocation
	 * happens to put them, out of the timed loop: the loop starts with
	 * the whole heap marked live, on both runtimes. */
	gm_blocking_enter(); /* a thread waiting here holds up no stop */
	gmb_barrier_wait(&sh_built, (unsigned)gmb_threads(st));
	gm_blocking_leave();
	if (gmb_thread_index(st) == 0)
		gm_gc();
	gmb_gc_counters_begin(&before);
	while (gmb_keep_running_batch_attached(st, SH_BATCH))
		gmb_steady_churn(&h, SH_BATCH);
	gmb_gc_counters_end(st, &before);
	gmb_set_items_processed(st, gmb_iterations(st));
	size_t broken = gmb_steady_broken(&h);
	gmb_do_not_optimize(h.slots);
	h.slots = NULL;
	gm_thread_detach();
	if (broken != 0) {
		char msg[96];
		snprintf(msg, sizeof msg, "steady_heap: %zu broken nodes or chains", broken);
		gmb_skip_with_error(st, msg);
	}
}

/* GOMEM_BENCH_LARGE: unset, "0" or "1". */
static bool steady_large_wanted(void)
{
	const char *v = getenv("GOMEM_BENCH_LARGE");
	if (v == NULL || strcmp(v, "") == 0 || strcmp(v, "0") == 0)
		return false;
	if (strcmp(v, "1") != 0)
		gmb_fatal("GOMEM_BENCH_LARGE=%s: accepted: 1 (add the 1 GiB "
			  "steady_heap benchmark) or 0", v);
	return true;
}

static void steady_register(void)
{
	static const int64_t defaults[] = {64, 64}; /* MiB live, bytes per node */
	static const int64_t large[] = {1024, 64};
	gmb_opts o = {GMB_THREADS(1, 2)};
	gmb_bench *b = gmb_register("steady_heap/gomem", steady_bench, NULL, &o);
	gmb_bench_args(b, defaults, 2);
	if (steady_large_wanted()) {
		gmb_opts two = {GMB_THREADS(2)}; /* the 2 mutators */
		b = gmb_register("steady_heap/gomem", steady_bench, NULL, &two);
		gmb_bench_args(b, large, 2);
	}
}

GMB_WORKLOAD(steady_heap,
	.name = "steady_heap",
	.description = "a fixed live heap with random replacement churn, "
		       "collector at the configured GOGC (ns per allocation)",
	.params = "live heap: 64 MiB (split among threads) in chains of 4 "
		  "nodes of 64 B with 2 pointers; threads: 1, 2; with "
		  "GOMEM_BENCH_LARGE=1 also 1 GiB with 2 threads",
	.register_benchmarks = steady_register);
