/*
 * alloc.c — allocation throughput: gomem against glibc malloc, same sizes,
 * same batches, in the same process.
 *
 * Benchmarks (names pair up by allocator: gomem, glibc (malloc+free) and
 * calloc (glibc calloc+free)):
 *   alloc_tiny/{gomem,glibc,calloc}/8        8 B noscan: Go's tiny
 *                                            allocator
 *   alloc_small/.../SIZE      noscan small objects, SIZE 16 B .. 32 KiB
 *   alloc_small_ptr/.../SIZE  the same with pointer slots at 0 and 8 (a
 *                             gm_type of SIZE bytes, "scanN"; glibc:
 *                             malloc), SIZE 16 B .. 32 KiB
 *   alloc_large/.../SIZE      noscan, straight from the page heap,
 *                             SIZE 64 KiB .. 4 MiB
 * The representative sizes (tiny 8; small 32 and 1024; small_ptr 32;
 * large 65536) run with 1 and 2 threads; the rest of the size sweep
 * (alloc.h's ALLOC_SWEEP_*: log-spaced 16 B .. 32 KiB and 256 KiB .. 4
 * MiB) with 1 thread, in the same families, so that the figure by size
 * reads them together.  GMB_ALLOC_DEFAULT_FILTER (alloc.h) is the negative
 * filter of make bench's default suite: everything but the sweep of
 * alloc_small_ptr.
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
 * The *_gc families (representative sizes only) do the same allocation
 * with no step 2: the objects are dropped and the collector reclaims them
 * at the configured GOGC (100 by default), so their time includes the
 * collector's cycles; they report gccounters.h's figures (gc_cycles,
 * pause_*, gc_cpu_fraction, peak_rss_bytes, ...).
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
#include "workloads/alloc.h"

/* 4 MiB of objects per batch and thread: the heap stays a few MiB (x the
 * thread count) at most, while a batch is long enough (thousands of
 * objects, 64 for the large class) that the meeting at the barriers is
 * amortised. */
#define BATCH_BYTES ((size_t)4 << 20)

typedef enum alloc_kind {
	ALLOC_NOSCAN, /* gm_alloc_noscan(size) */
	ALLOC_SCAN,   /* gm_new(scanN): N bytes, pointers at 0 and 8 */
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
static alloc_case alloc_scan_case = {ALLOC_SCAN, false, GMB_BARRIER_INIT, 0};
static alloc_case alloc_noscan_gc_case = {ALLOC_NOSCAN, true, GMB_BARRIER_INIT, 0};
static alloc_case alloc_scan_gc_case = {ALLOC_SCAN, true, GMB_BARRIER_INIT, 0};

/* The scan types, one per size, made on first use (types outlive runs). */
#define ALLOC_MAX_TYPES 16
static pthread_mutex_t alloc_types_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	size_t size;
	const gm_type *type;
} alloc_types[ALLOC_MAX_TYPES]; /* alloc_types_lock */
static size_t alloc_ntypes;     /* alloc_types_lock */

/* "scanN": N bytes with pointer slots at 0 and 8; NULL when gm_type_new
 * refuses or the table is full. */
static const gm_type *alloc_scan_type(size_t size)
{
	static const size_t offsets[] = {0, 8};
	const gm_type *t = NULL;
	char name[32];
	pthread_mutex_lock(&alloc_types_lock);
	for (size_t i = 0; i < alloc_ntypes && t == NULL; i++)
		if (alloc_types[i].size == size)
			t = alloc_types[i].type;
	if (t == NULL && alloc_ntypes < ALLOC_MAX_TYPES) {
		snprintf(name, sizeof name, "scan%zu", size);
		t = gm_type_new(name, size, offsets, 2);
		if (t != NULL) {
			alloc_types[alloc_ntypes].size = size;
			alloc_types[alloc_ntypes++].type = t;
		}
	}
	pthread_mutex_unlock(&alloc_types_lock);
	return t;
}

/* Objects per batch: BATCH_BYTES worth of `size`-byte objects. */
static int64_t alloc_batch_objects(size_t size)
{
	return (int64_t)(BATCH_BYTES / size);
}

/* ---- gomem ------------------------------------------------------------- */

static void alloc_gomem_fill(const gm_type *scan, size_t size, int64_t n)
{
	if (scan != NULL) {
		for (int64_t i = 0; i < n; i++) {
			char *p = gm_new(scan);
			p[size - 1] = 1;
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
	size_t size = (size_t)gmb_range(st, 0);
	int64_t batch = alloc_batch_objects(size);
	const gm_type *scan = NULL;
	gm_gcstats before;
	int err;

	if (c->kind == ALLOC_SCAN && (scan = alloc_scan_type(size)) == NULL)
		gmb_fatal("alloc: gm_type_new(\"scan%zu\") failed", size);
	if ((err = gm_thread_attach()) != GM_OK)
		gmb_fatal("alloc: gm_thread_attach: %s", gm_strerror(err));
	if (!c->collector)
		alloc_sweep_mode(st, c, true);
	gmb_gc_counters_begin(&before);
	while (gmb_keep_running_batch_attached(st, batch)) {
		alloc_gomem_fill(scan, size, batch);
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

/* Register `family`/gomem, /glibc and /calloc with the same sizes and
 * thread counts, so that each gomem instance has a glibc twin whose name
 * differs only in the allocator. */
static void alloc_register_pair(const char *family, alloc_case *c,
				const int64_t *sizes, size_t nsizes,
				const int *threads, size_t nthreads)
{
	char name[64];
	gmb_opts o = {.args = sizes, .nargs = nsizes, .threads = threads,
		      .nthreads = nthreads};

	snprintf(name, sizeof name, "%s/gomem", family);
	gmb_register(name, alloc_gomem, c, &o);
	snprintf(name, sizeof name, "%s/glibc", family);
	gmb_register(name, alloc_glibc, NULL, &o);
	snprintf(name, sizeof name, "%s/calloc", family);
	gmb_register(name, alloc_glibc, (void *)family, &o);
}

/* The representative sizes, with 1 and 2 threads. */
static const int alloc_both[] = {1, 2};
static const int64_t alloc_tiny_sizes[] = {8};
static const int64_t alloc_small_sizes[] = {32, 1024};
static const int64_t alloc_ptr_sizes[] = {32};
static const int64_t alloc_large_sizes[] = {65536};
/* The rest of the size sweep, log-spaced, 1 thread (alloc.h). */
static const int alloc_one[] = {1};
static const int64_t alloc_sweep_small[] = {ALLOC_SWEEP_SMALL};
static const int64_t alloc_sweep_ptr[] = {ALLOC_SWEEP_SMALL_PTR};
static const int64_t alloc_sweep_large[] = {ALLOC_SWEEP_LARGE};

#define ALLOC_N(a) (sizeof(a) / sizeof((a)[0]))

/* One family at its representative sizes and, when `sweep` is not NULL,
 * at the sweep's other sizes. */
static void alloc_register_family(const char *family, alloc_case *c,
				  const int64_t *sizes, size_t nsizes,
				  const int64_t *sweep, size_t nsweep)
{
	alloc_register_pair(family, c, sizes, nsizes, alloc_both,
			    ALLOC_N(alloc_both));
	if (sweep != NULL)
		alloc_register_pair(family, c, sweep, nsweep, alloc_one,
				    ALLOC_N(alloc_one));
}

static void alloc_register(void)
{
	const int64_t *ss = alloc_sweep_small, *sl = alloc_sweep_large;
	size_t nss = ALLOC_N(alloc_sweep_small), nsl = ALLOC_N(alloc_sweep_large);

	alloc_register_family("alloc_tiny", &alloc_noscan_case,
			      alloc_tiny_sizes, 1, NULL, 0);
	alloc_register_family("alloc_small", &alloc_noscan_case,
			      alloc_small_sizes, 2, ss, nss);
	alloc_register_family("alloc_small_ptr", &alloc_scan_case,
			      alloc_ptr_sizes, 1, alloc_sweep_ptr,
			      ALLOC_N(alloc_sweep_ptr));
	alloc_register_family("alloc_large", &alloc_noscan_case,
			      alloc_large_sizes, 1, sl, nsl);
	/* the same with the collector reclaiming at the configured GOGC */
	alloc_register_family("alloc_tiny_gc", &alloc_noscan_gc_case,
			      alloc_tiny_sizes, 1, NULL, 0);
	alloc_register_family("alloc_small_gc", &alloc_noscan_gc_case,
			      alloc_small_sizes, 2, NULL, 0);
	alloc_register_family("alloc_small_ptr_gc", &alloc_scan_gc_case,
			      alloc_ptr_sizes, 1, NULL, 0);
	alloc_register_family("alloc_large_gc", &alloc_noscan_gc_case,
			      alloc_large_sizes, 1, NULL, 0);
}

GMB_WORKLOAD(alloc,
	.name = "alloc",
	.description = "allocation throughput, gomem against glibc malloc "
		       "(allocation plus batched reclamation, ns per object)",
	.params = "size: 8 B tiny; small 16 B-32 KiB noscan and with 2 "
		  "pointers; large 64 KiB-4 MiB; allocator: gomem, glibc, "
		  "calloc; threads: 1 and 2 at 8 B, 32 B, 1 KiB (noscan), "
		  "64 KiB, 1 at the others; _gc: the collector reclaims",
	.register_benchmarks = alloc_register);
