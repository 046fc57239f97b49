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
 * rss_end_bytes.  Seeds are fixed.  Also:
 *   gc_cpu_max_100ms  the largest GC CPU fraction over a window of at
 *                     least 100 ms of the run: the difference of
 *                     gm_memstats.gc_cpu_total_ns over that of
 *                     cpu_total_ns (the limiter's count, which it holds
 *                     to 50% over time) between two probes.  Probes are
 *                     taken every ML_PROBE_BYTES of garbage; each window
 *                     runs from a probe back to the latest probe at least
 *                     100 ms before it (the clock only places the probes;
 *                     nothing is timed).  0 when the run was shorter.
 *   base_rss_bytes    RSS the memory limit does not count, at the start
 *                     of the run: the process's RSS less gomem's
 *                     mapped_ready, after a full collection that returned
 *                     every free page (gm_free_os_memory).  The harness
 *                     process's own memory (binary, libraries, Google
 *                     Benchmark, hwloc, the RSS sampler's rows): peak RSS
 *                     over the limit is at least this over it.
 *   mapped_ready_start_bytes  gomem's mapped_ready at that point.
 *   peak_rss_net_over_limit   (peak RSS - base_rss_bytes) / limit: the
 *                     peak against the limit without the harness's own
 *                     memory, which is some 4.6 MiB here (4.8% of a 96 MiB
 *                     limit, under 1% only from about 512 MiB on).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "gomem.h"
#include "harness/gccounters.h"
#include "harness/rss.h"
#include "harness/shim.h"
#include "harness/topology.h"
#include "harness/workload.h"
#include "harness/xorshift.h"

#define ML_BLOB 1024               /* bytes per live blob */
#define ML_GARBAGE 256             /* bytes per garbage object */
#define ML_STEPS 64                /* rise steps */
#define ML_MIB ((size_t)1 << 20)
/* 1 MiB of garbage between GC CPU probes: some 1 ms of churn here, so
 * that a 100 ms window ends within 1% of its length of where it should,
 * and the probe (a gm_read_memstats, microseconds) costs well under 1% */
#define ML_PROBE_BYTES ML_MIB
#define ML_WINDOW_NS ((int64_t)100000000) /* 100 ms: the windows of
					       * gc_cpu_max_100ms */
#define ML_PROBES 4096 /* probes a window can span: 25 us apart */

enum ml_kind { ML_PHASES, ML_OVER };

/* One GC CPU probe: when, and the two CPU totals of gm_memstats. */
typedef struct ml_probe {
	int64_t t; /* CLOCK_MONOTONIC ns */
	uint64_t gc, total;
} ml_probe;

/* The probes of the last 100 ms and a little more, oldest first.
 * inv:ml-window  after ml_probe_take, p[head] is the latest probe at least
 * ML_WINDOW_NS before the newest, when there is one. */
typedef struct ml_cpu {
	ml_probe p[ML_PROBES];
	size_t head, n;
	double max;      /* the largest window fraction so far */
	gm_memstats ms;  /* 4 KiB: the probe's buffer */
} ml_cpu;

typedef struct ml_heap {
	void **slots;    /* root array: one blob per slot, NULL when empty */
	size_t nslots;   /* capacity: the live peak in blobs */
	size_t nlive;    /* slots [0, nlive) are filled */
	uint64_t rng;
	const gm_type *blob;
	ml_cpu *cpu;     /* the GC CPU probes */
} ml_heap;

static const gm_type *ml_blob_type, *ml_slot_type;

static int64_t ml_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void ml_cpu_reset(ml_cpu *c)
{
	c->head = c->n = 0;
	c->max = 0;
}

/* Take a probe, drop the probes older than the window's start
 * (inv:ml-window) and fold the window ending now into the maximum. */
static void ml_probe_take(ml_cpu *c)
{
	gm_read_memstats(&c->ms);
	ml_probe now = {ml_now(), c->ms.gc_cpu_total_ns, c->ms.cpu_total_ns};
	if (c->n < ML_PROBES) /* full: keep the older ones (longer windows) */
		c->p[(c->head + c->n++) % ML_PROBES] = now;
	while (c->n > 1 && c->p[(c->head + 1) % ML_PROBES].t <= now.t - ML_WINDOW_NS) {
		c->head = (c->head + 1) % ML_PROBES;
		c->n--;
	}
	const ml_probe *o = &c->p[c->head];
	if (o->t > now.t - ML_WINDOW_NS || now.total <= o->total || now.gc < o->gc)
		return; /* no window yet */
	double f = (double)(now.gc - o->gc) / (double)(now.total - o->total);
	if (f > c->max)
		c->max = f;
}

/* garbage: bytes worth of short-lived objects, and a live blob replaced
 * every 16 of them; a GC CPU probe every ML_PROBE_BYTES */
static void ml_churn(ml_heap *h, size_t bytes)
{
	for (size_t i = 0; i < bytes / ML_GARBAGE; i++) {
		uint64_t *g = gm_alloc_noscan(ML_GARBAGE);
		g[0] = i;
		if (i % 16 == 0 && h->nlive > 0) {
			size_t k = gmb_xorshift64(&h->rng) % h->nlive;
			gm_write(&h->slots[k], gm_new(h->blob));
		}
		if ((i + 1) % (ML_PROBE_BYTES / ML_GARBAGE) == 0)
			ml_probe_take(h->cpu);
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
		      size_t live, const ml_cpu *cpu, double base_rss)
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
	gmb_set_counter(st, "gc_cpu_max_100ms", cpu->max, 0);
	gmb_set_counter(st, "peak_rss_net_over_limit",
			has_limit && limit > 0 ? ((double)peak - base_rss) / (double)limit : 0, 0);
}

/* base_rss_bytes and mapped_ready_start_bytes, after gm_free_os_memory;
 * returns the first */
static double ml_report_base(gmb_state *st)
{
	gm_memstats m;
	gm_read_memstats(&m);
	uint64_t rss = gmb_rss_now();
	double base = rss > m.mapped_ready ? (double)(rss - m.mapped_ready) : 0;
	gmb_set_counter(st, "base_rss_bytes", base, 0);
	gmb_set_counter(st, "mapped_ready_start_bytes", (double)m.mapped_ready, 0);
	return base;
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
	/* the previous run's heap is garbage now: collect it and return every
	 * free page, so that each run starts from the same RSS */
	gm_free_os_memory();
	double base_rss = ml_report_base(st);
	int64_t limit = gm_set_memory_limit(-1);
	size_t live = ml_live_bytes(kind, limit, (size_t)gmb_range(st, 0) * ML_MIB);
	static ml_cpu cpu; /* 100 KiB: off the stack; one thread runs this */
	ml_cpu_reset(&cpu);
	ml_heap h = { .nslots = live / ML_BLOB, .rng = 0x3e3117u, .blob = ml_blob_type,
		      .cpu = &cpu };
	h.slots = gm_new_array(ml_slot_type, h.nslots);
	gm_gcstats before;
	gm_memstats m0;
	gm_read_memstats(&m0);
	gmb_gc_counters_begin(&before);
	while (gmb_keep_running(st))
		ml_run(&h, kind, live);
	gmb_gc_counters_end(st, &before);
	ml_report(st, &m0, limit, live, &cpu, base_rss);
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
