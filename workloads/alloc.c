/*
 * alloc.c — allocation throughput: gomem against glibc malloc, same sizes,
 * same batches, in the same process.
 *
 * Benchmarks (each with 1 and 2 threads; names pair up by allocator,
 * gomem, glibc (malloc+free) and calloc (glibc calloc+free)):
 *   alloc_tiny/{gomem,glibc}/8        8 B noscan: Go's tiny allocator
 *   alloc_small/{gomem,glibc}/32      32 B noscan: a small size class
 *   alloc_small/{gomem,glibc}/1024    1 KiB noscan
 *   alloc_small_ptr/{gomem,glibc}/32  32 B with pointer slots at 0 and 8
 *                                     (gm_new of "node32"; glibc: malloc)
 *   alloc_large/{gomem,glibc}/65536   64 KiB noscan: straight from the
 *                                     page heap
 * One iteration is one object; items_processed counts objects, so the
 * reported time per iteration is nanoseconds per object.
 *
 * The work, per thread, in batches of BATCH_BYTES worth of objects:
 *   gomem: 1. allocate the batch, writing one byte into each object;
 *          2. hand it all back, as a collection that marks nothing would:
 *             all threads meet at a barrier, each releases its mcache
 *             (gmi_mcache_release_current), meet again, thread 0 starts
 *             a sweep generation (gmi_sweep_start_unmarked), meet again,
 *             all threads sweep together (gmi_sweep_help), meet again.
 *   glibc: 1. malloc the batch into an array, writing one byte into each;
 *          2. free the whole array.
 * Measured time includes step 2: allocation plus its amortised
 * reclamation, which is what a program pays.  Step 2 is the internal sweep
 * entry of alloc/gmi.h (a cycle that marks nothing), with the collector off
 * for the run.  The barriers are part of gomem's reclamation (a stop of the
 * world); glibc frees per thread and needs none.
 *
 * The *_gc families do the same allocation with no step 2: the objects are
 * dropped and the collector reclaims them at the configured GOGC (100 by
 * default), so their time includes the collector's cycles; they report
 * gc_cycles, pause_p50_ns, pause_p99_ns, pause_max_ns and peak_rss_bytes.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc/gmi.h"
#include "gomem.h"
#include "harness/barrier.h"
#include "harness/gccounters.h"
#include "harness/shim.h"
#include "harness/topology.h"
#include "harness/workload.h"

/* 4 MiB of objects per batch and thread: the heap stays a few MiB (x the
 * thread count) at most, while a batch is long enough (thousands of
 * objects, 64 for the large class) that the meeting at the barriers is
 * amortised. */
#define BATCH_BYTES ((size_t)4 << 20)

typedef enum alloc_kind {
	ALLOC_NOSCAN, /* gm_alloc_noscan(size) */
	ALLOC_NODE32, /* gm_new(node32): 32 B, pointers at 0 and 8 */
} alloc_kind;

/* One gomem benchmark family.  The barrier serves its runs one at a time
 * (Google Benchmark runs benchmarks one after another). */
typedef struct alloc_case {
	alloc_kind kind;
	bool collector;       /* the collector reclaims (else: batch sweeps) */
	gmb_barrier barrier;
	int saved_gogc;       /* thread 0's, across a sweep-mode run */
} alloc_case;

static alloc_case alloc_noscan_case = {ALLOC_NOSCAN, false, GMB_BARRIER_INIT, 0};
static alloc_case alloc_node32_case = {ALLOC_NODE32, false, GMB_BARRIER_INIT, 0};
static alloc_case alloc_noscan_gc_case = {ALLOC_NOSCAN, true, GMB_BARRIER_INIT, 0};
static alloc_case alloc_node32_gc_case = {ALLOC_NODE32, true, GMB_BARRIER_INIT, 0};

static const gm_type *alloc_node32;
static pthread_once_t alloc_node32_once = PTHREAD_ONCE_INIT;

static void alloc_node32_make(void)
{
	static const size_t offsets[] = {0, 8};
	alloc_node32 = gm_type_new("node32", 32, offsets, 2);
}

/* Objects per batch: BATCH_BYTES worth of `size`-byte objects. */
static int64_t alloc_batch_objects(size_t size)
{
	return (int64_t)(BATCH_BYTES / size);
}

/* ---- gomem ------------------------------------------------------------- */

static void alloc_gomem_fill(alloc_kind kind, size_t size, int64_t n)
{
	if (kind == ALLOC_NODE32) {
		for (int64_t i = 0; i < n; i++) {
			char *p = gm_new(alloc_node32);
			p[31] = 1;
			gmb_do_not_optimize(p);
		}
		return;
	}
	for (int64_t i = 0; i < n; i++) {
		char *p = gm_alloc_noscan(size);
		p[size - 1] = 1;
		gmb_do_not_optimize(p);
	}
}

/* Meet the other threads of the run.  Waiting is a blocking region: a
 * thread parked here must not hold up another's stop of the world. */
static void alloc_meet(gmb_state *st, gmb_barrier *b)
{
	gm_blocking_enter();
	gmb_barrier_wait(b, (unsigned)gmb_threads(st));
	gm_blocking_leave();
}

/* Free every object of the batch: the sweep of a cycle that marked
 * nothing.  The sweep needs every thread's cache released and nobody
 * allocating: the threads meet, release their caches, meet, thread 0
 * starts the sweep generation, meet, all sweep together (as Go's sweepers
 * share the work), meet. */
static void alloc_gomem_reclaim(gmb_state *st, gmb_barrier *b)
{
	alloc_meet(st, b); /* everyone has stopped allocating */
	gmi_mcache_release_current();
	alloc_meet(st, b); /* every cache is back */
	if (gmb_thread_index(st) == 0)
		gmi_sweep_start_unmarked();
	alloc_meet(st, b); /* a new sweep generation */
	gmi_sweep_help();
	alloc_meet(st, b); /* swept: allocation may resume */
}

/* Batch sweeps and the collector must not both free: for a sweep-mode run
 * thread 0 finishes any cycle's sweeping (gm_gc) and turns the collector
 * off, and turns it back on at the end. */
static void alloc_sweep_mode(gmb_state *st, alloc_case *c, bool begin)
{
	if (!begin)
		alloc_meet(st, &c->barrier);
	if (gmb_thread_index(st) == 0) {
		if (begin) {
			gm_gc();
			c->saved_gogc = gm_set_gc_percent(GM_GOGC_OFF);
		} else {
			gm_set_gc_percent(c->saved_gogc);
		}
	}
	if (begin)
		alloc_meet(st, &c->barrier);
}

static void alloc_gomem(gmb_state *st, void *arg)
{
	gmb_place_thread(st); /* --pin / --membind: before the first byte */
	alloc_case *c = arg;
	size_t size = (size_t)gmb_range(st, 0); /* 32 for node32 */
	int64_t batch = alloc_batch_objects(size);
	gm_gcstats before;
	int err;

	pthread_once(&alloc_node32_once, alloc_node32_make);
	if (c->kind == ALLOC_NODE32 && alloc_node32 == NULL)
		gmb_fatal("alloc: gm_type_new(\"node32\") failed");
	if ((err = gm_thread_attach()) != GM_OK)
		gmb_fatal("alloc: gm_thread_attach: %s", gm_strerror(err));
	if (!c->collector)
		alloc_sweep_mode(st, c, true);
	gmb_gc_counters_begin(&before);
	while (gmb_keep_running_batch_attached(st, batch)) {
		alloc_gomem_fill(c->kind, size, batch);
		if (!c->collector)
			alloc_gomem_reclaim(st, &c->barrier);
	}
	gmb_gc_counters_end(st, &before);
	if (!c->collector)
		alloc_sweep_mode(st, c, false);
	gmb_set_items_processed(st, gmb_iterations(st));
	gm_thread_detach();
}

/* ---- glibc ------------------------------------------------------------- */

static void alloc_glibc_fill(void **objs, size_t size, int64_t n, bool zeroed)
{
	for (int64_t i = 0; i < n; i++) {
		char *p = zeroed ? calloc(1, size) : malloc(size);
		if (p == NULL)
			gmb_fatal("alloc: %s(%zu) failed", zeroed ? "calloc" : "malloc", size);
		p[size - 1] = 1;
		gmb_do_not_optimize(p);
		objs[i] = p;
	}
}

static void alloc_glibc_free(void **objs, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		free(objs[i]);
}

/* arg: non-NULL for the calloc twin (zeroed memory, as gomem returns) */
static void alloc_glibc(gmb_state *st, void *arg)
{
	gmb_place_thread(st);
	bool zeroed = arg != NULL;
	size_t size = (size_t)gmb_range(st, 0);
	int64_t batch = alloc_batch_objects(size);
	/* calloc touches the array now, so its first faults are not timed */
	void **objs = calloc((size_t)batch, sizeof *objs);

	if (objs == NULL)
		gmb_fatal("alloc: no memory for a batch of %lld pointers",
			  (long long)batch);
	while (gmb_keep_running_batch(st, batch)) {
		alloc_glibc_fill(objs, size, batch, zeroed);
		alloc_glibc_free(objs, batch);
	}
	gmb_set_items_processed(st, gmb_iterations(st));
	free(objs);
}

/* ---- registration ------------------------------------------------------ */

/* Register `family`/gomem and `family`/glibc with the same sizes and
 * thread counts, so that each gomem instance has a glibc twin whose name
 * differs only in the allocator. */
static void alloc_register_pair(const char *family, alloc_case *c,
				const int64_t *sizes, size_t nsizes)
{
	char name[64];
	gmb_opts o = {.args = sizes, .nargs = nsizes, GMB_THREADS(1, 2)};

	snprintf(name, sizeof name, "%s/gomem", family);
	gmb_register(name, alloc_gomem, c, &o);
	snprintf(name, sizeof name, "%s/glibc", family);
	gmb_register(name, alloc_glibc, NULL, &o);
	snprintf(name, sizeof name, "%s/calloc", family);
	gmb_register(name, alloc_glibc, (void *)family, &o);
}

static void alloc_register(void)
{
	static const int64_t tiny[] = {8};
	static const int64_t small[] = {32, 1024};
	static const int64_t node32[] = {32};
	static const int64_t large[] = {65536};

	alloc_register_pair("alloc_tiny", &alloc_noscan_case, tiny, 1);
	alloc_register_pair("alloc_small", &alloc_noscan_case, small, 2);
	alloc_register_pair("alloc_small_ptr", &alloc_node32_case, node32, 1);
	alloc_register_pair("alloc_large", &alloc_noscan_case, large, 1);
	/* the same with the collector reclaiming at the configured GOGC */
	alloc_register_pair("alloc_tiny_gc", &alloc_noscan_gc_case, tiny, 1);
	alloc_register_pair("alloc_small_gc", &alloc_noscan_gc_case, small, 2);
	alloc_register_pair("alloc_small_ptr_gc", &alloc_node32_gc_case, node32, 1);
	alloc_register_pair("alloc_large_gc", &alloc_noscan_gc_case, large, 1);
}

GMB_WORKLOAD(alloc,
	.name = "alloc",
	.description = "allocation throughput, gomem against glibc malloc "
		       "(allocation plus batched reclamation, ns per object)",
	.params = "size: 8 B tiny, 32 B and 1 KiB small noscan, 32 B with 2 "
		  "pointers, 64 KiB large; allocator: gomem, glibc; threads: 1, 2",
	.register_benchmarks = alloc_register);
