/*
 * memlimit.c — the soft memory limit at work (Go's proposal 48409): a live
 * heap that rises toward the limit, holds, and falls back; and a live heap
 * that alone exceeds the limit.
 *
 * Benchmarks (one thread; one iteration runs every phase once, from an
 * empty heap, so each repetition does the same work):
 *   memlimit/gomem/phases/64   live heap L = limit / 1.5 (64 MiB when no
 *                              limit is set): rise from 0 to L in 64 steps,
 *                              hold at L, fall to L / 4 and hold there
 *                              (RSS should follow the scavenger's goal).
 *   memlimit/gomem/over/64     live heap L = 1.5 x limit (64 MiB without a
 *                              limit): rise to L and hold; the collector
 *                              cannot meet the limit, the CPU limiter caps
 *                              what it spends trying.
 * The live heap is blobs of 1 KiB (one pointer slot each) held by a root
 * array on the gomem heap; every step churns garbage (256-byte noscan
 * objects, 2 x L in the hold at L, 16 x L in the hold at L / 4, L / 8 per
 * rise step) and replaces random
 * live blobs, so cycles keep coming.  The limit is the one in force (run
 * --memlimit=..., or GOMEMLIMIT); with `run --memlimit` the harness also
 * samples RSS, heap in use, goal and limit every 10 ms into rss.csv.
 *
 * Counters (thread 0): gccounters.h's (gc_cycles, pauses, peak_rss_bytes,
 * ...), and limit_bytes, live_peak_bytes, peak_rss_over_limit (peak RSS /
 * limit; 0 without a limit), gc_cpu_fraction (MemStats.GCCPUFraction at
 * the end: cumulative since gm_init, i.e. over the benchmark's process),
 * cpu_limited_cycles and limiter_was_on (1 when any cycle of the run had
 * the CPU limiter on), released_end_bytes (heap_released at the end) and
 * rss_end_bytes.  Seeds are fixed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gomem.h"
#include "harness/gccounters.h"
#include "harness/rss.h"
#include "harness/shim.h"
#include "harness/topology.h"
#include "harness/workload.h"

#define ML_BLOB 1024               /* bytes per live blob */
#define ML_GARBAGE 256             /* bytes per garbage object */
#define ML_STEPS 64                /* rise steps */
#define ML_MIB ((size_t)1 << 20)

enum ml_kind { ML_PHASES, ML_OVER };

typedef struct ml_heap {
	void **slots;    /* root array: one blob per slot, NULL when empty */
	size_t nslots;   /* capacity: the live peak in blobs */
	size_t nlive;    /* slots [0, nlive) are filled */
	uint64_t rng;
	const gm_type *blob;
} ml_heap;

static const gm_type *ml_blob_type, *ml_slot_type;

static uint64_t ml_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* garbage: bytes worth of short-lived objects, and a live blob replaced
 * every 16 of them */
static void ml_churn(ml_heap *h, size_t bytes)
{
	for (size_t i = 0; i < bytes / ML_GARBAGE; i++) {
		uint64_t *g = gm_alloc_noscan(ML_GARBAGE);
		g[0] = i;
		if (i % 16 == 0 && h->nlive > 0) {
			size_t k = ml_rand(&h->rng) % h->nlive;
			gm_write(&h->slots[k], gm_new(h->blob));
		}
	}
}

/* the live heap to n blobs (up or down) */
static void ml_resize(ml_heap *h, size_t n)
{
	for (; h->nlive < n; h->nlive++)
		gm_write(&h->slots[h->nlive], gm_new(h->blob));
	for (; h->nlive > n; h->nlive--)
		gm_write(&h->slots[h->nlive - 1], NULL);
}

/* one iteration: every phase of `kind`, from an empty heap */
static void ml_run(ml_heap *h, enum ml_kind kind, size_t live)
{
	size_t blobs = live / ML_BLOB;
	h->nlive = 0;
	for (int s = 1; s <= ML_STEPS; s++) { /* rise */
		ml_resize(h, blobs * (size_t)s / ML_STEPS);
		ml_churn(h, live / 8);
	}
	ml_churn(h, 2 * live); /* hold */
	if (kind == ML_PHASES) {
		ml_resize(h, blobs / 4); /* fall, and hold long enough for the
					  * scavenger to bring RSS down */
		ml_churn(h, 16 * live);
	}
	ml_resize(h, 0);
}

static void ml_types(void)
{
	static const size_t offs[] = {0};
	if (ml_blob_type == NULL)
		ml_blob_type = gm_type_new("ml_blob", ML_BLOB, offs, 1);
	if (ml_slot_type == NULL)
		ml_slot_type = gm_type_new("ml_slot", 8, offs, 1);
}

/* the live heap for the limit in force: L = limit / 1.5 or 1.5 x limit */
static size_t ml_live_bytes(enum ml_kind kind, int64_t limit, size_t dflt)
{
	if (limit == GM_MEMLIMIT_OFF)
		return dflt;
	double l = kind == ML_PHASES ? (double)limit / 1.5 : (double)limit * 1.5;
	return l < (double)ML_MIB ? ML_MIB : (size_t)l;
}

static void ml_report(gmb_state *st, const gm_memstats *m0, int64_t limit,
		      size_t live)
{
	gm_memstats m1;
	gm_read_memstats(&m1);
	uint64_t peak = gmb_rss_peak();
	uint32_t limited = m1.num_cpu_limited_gc - m0->num_cpu_limited_gc;
	bool has_limit = limit != GM_MEMLIMIT_OFF;
	gmb_set_counter(st, "limit_bytes", has_limit ? (double)limit : 0, 0);
	gmb_set_counter(st, "live_peak_bytes", (double)live, 0);
	gmb_set_counter(st, "peak_rss_over_limit",
			has_limit && limit > 0 ? (double)peak / (double)limit : 0, 0);
	gmb_set_counter(st, "gc_cpu_fraction", m1.gc_cpu_fraction, 0);
	gmb_set_counter(st, "cpu_limited_cycles", limited, 0);
	gmb_set_counter(st, "limiter_was_on", limited > 0, 0);
	gmb_set_counter(st, "released_end_bytes", (double)m1.heap_released, 0);
	gmb_set_counter(st, "rss_end_bytes", (double)gmb_rss_now(), 0);
}

static void ml_bench(gmb_state *st, void *arg)
{
	enum ml_kind kind = (enum ml_kind)(intptr_t)arg;
	gmb_place_thread(st);
	int err = gm_thread_attach();
	if (err != GM_OK)
		gmb_fatal("memlimit: gm_thread_attach: %s", gm_strerror(err));
	ml_types();
	if (ml_blob_type == NULL || ml_slot_type == NULL)
		gmb_fatal("memlimit: cannot make the blob types");
	gm_gc(); /* the previous run's heap is garbage now */
	int64_t limit = gm_set_memory_limit(-1);
	size_t live = ml_live_bytes(kind, limit, (size_t)gmb_range(st, 0) * ML_MIB);
	ml_heap h = { .nslots = live / ML_BLOB, .rng = 0x3e3117u, .blob = ml_blob_type };
	h.slots = gm_new_array(ml_slot_type, h.nslots);
	gm_gcstats before;
	gm_memstats m0;
	gm_read_memstats(&m0);
	gmb_gc_counters_begin(&before);
	while (gmb_keep_running(st))
		ml_run(&h, kind, live);
	gmb_gc_counters_end(st, &before);
	ml_report(st, &m0, limit, live);
	gmb_set_items_processed(st, gmb_iterations(st));
	gmb_do_not_optimize(h.slots);
	h.slots = NULL;
	gm_thread_detach();
}

static void ml_register(void)
{
	static const int64_t live[] = {64}; /* MiB, without a limit */
	gmb_opts o = {GMB_THREADS(1)};
	gmb_bench *b = gmb_register("memlimit/gomem/phases", ml_bench,
				    (void *)(intptr_t)ML_PHASES, &o);
	gmb_bench_args(b, live, 1);
	b = gmb_register("memlimit/gomem/over", ml_bench, (void *)(intptr_t)ML_OVER, &o);
	gmb_bench_args(b, live, 1);
}

GMB_WORKLOAD(memlimit,
	.name = "memlimit",
	.description = "a live heap rising to, holding under and falling from "
		       "the memory limit, and one that alone exceeds it "
		       "(peak RSS against the limit, GC CPU, CPU limiter)",
	.params = "live heap: limit / 1.5 (phases) or 1.5 x limit (over); "
		  "64 MiB without a limit; 1 KiB blobs, 256 B garbage; 1 thread",
	.register_benchmarks = ml_register);
