/*
 * mstats.c — the collector's statistics: the GC fields of runtime.MemStats
 * (Go 1.19-1.21 mstats.go; recorded in mgc.go gcMarkTermination) and
 * debug.ReadGCStats (runtime/debug/garbage.go, mstats.go readGCStats_m).
 *
 * 1. gmi_mstats_cycle_done records each finished cycle as Go's
 *    gcMarkTermination does: its pause (the sum of the cycle's stops, Go's
 *    work.pauseNS) goes into the 256-entry ring at num_gc % 256, with the
 *    Unix time at which it ended, before num_gc is bumped; so the newest
 *    pause sits at (num_gc + 255) % 256.
 * 2. gc_cpu_fraction = GC CPU time since init / available CPU time since
 *    init, where GC CPU time omits idle marking ("free", as Go says) and
 *    available CPU is the integral of procs over wall time (Go's
 *    sched.totaltime + (now - procresizetime) * gomaxprocs).
 * 3. Readers copy under the same lock: gm_read_memstats adds the fields to
 *    the allocator's (gmi_alloc_read_memstats) and takes next_gc from the
 *    pacer at the time of reading (Go's readmemstats_m: NextGC = heapGoal()),
 *    so gm_set_gc_percent shows at once; gm_read_gcstats returns the ring
 *    newest first, with ReadGCStats's quantiles.
 * 4. The memory-limit fields: the limit, mapped_ready (sys less released,
 *    as Go's mappedReady), the CPU limiter's state (on now, the cycles it
 *    was on in, from the cycle records, and its overflow), its GC and total
 *    CPU time up to now (gc_cpu_total_ns, cpu_total_ns: gc/limiter.c step
 *    5; unlike gc_cpu_fraction they move during a cycle, so that a
 *    fraction can be taken over any interval) and the bytes the scavenger
 *    released (alloc/scavenge.c).
 *
 * Overview of the collector: the top of gc/gc.c.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc/gmi.h"
#include "alloc/malloc.h"
#include "alloc/scavenge.h"
#include "gc/limiter.h"
#include "gc/mstats.h"
#include "gc/pacer.h"
#include "gc/trace.h"

/* A leaf lock (the trace module is called after it is released). */
static pthread_mutex_t mstats_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Everything here is protected by mstats_lock.
 * inv:pause-ring  after k cycles, the pause of cycle i (1 <= i <= k,
 *                 i > k - 256) is at pause_ns[(i - 1) % 256].
 */
static struct {
	uint32_t num_gc;                    /* memstats.numgc */
	uint32_t num_forced_gc;             /* memstats.numforcedgc */
	uint64_t pause_total_ns;            /* memstats.pause_total_ns */
	uint64_t last_gc;                   /* memstats.last_gc_unix */
	uint64_t pause_ns[GMI_PAUSE_RING];  /* inv:pause-ring */
	uint64_t pause_end[GMI_PAUSE_RING]; /* inv:pause-ring */
	double gc_cpu_fraction;             /* memstats.gc_cpu_fraction */
	uint32_t num_cpu_limited;           /* cycles with cpu_limited */
	uint32_t last_cpu_limited;          /* the last of them */
	int64_t gc_cpu_ns;    /* work.totaltime: GC CPU since init, idle omitted */
	int64_t init_mono;    /* CLOCK_MONOTONIC ns at init: runtimeInitTime */
	int64_t avail_cpu_ns; /* sched.totaltime: procs x ns up to procs_since */
	int64_t procs_since;  /* sched.procresizetime, CLOCK_MONOTONIC ns */
	int procs;            /* gomaxprocs as of the last cycle; 0 before it */
} mstats;

static int64_t mstats_mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void gmi_mstats_init(void)
{
	int64_t now = mstats_mono_now();
	pthread_mutex_lock(&mstats_lock);
	memset(&mstats, 0, sizeof mstats);
	mstats.init_mono = now;
	mstats.procs_since = now;
	pthread_mutex_unlock(&mstats_lock);
}

/* Go's work.pauseNS: the cycle's stops added up (mgc.go gcStart and
 * gcMarkDone add each stop's length) */
static uint64_t mstats_cycle_pause(const gm_cycle *c)
{
	uint32_t n = c->nstops < GM_MAX_STOPS ? c->nstops : GM_MAX_STOPS;
	int64_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += c->stop_ns[i];
	return (uint64_t)sum; /* uint64(work.pauseNS) */
}

/* step 2, mstats_lock held: mgc.go gcMarkTermination, "Update
 * work.totaltime" and "Compute overall GC CPU utilization" */
static double mstats_cpu_fraction_locked(const gm_cycle *c, int64_t now)
{
	/* cycleCpu := sweepTermCpu + markCpu + markTermCpu, markCpu =
	 * assistTime + dedicatedMarkTime + fractionalMarkTime; idle marking
	 * is left out */
	mstats.gc_cpu_ns += c->sweep_term_cpu_ns + c->assist_cpu_ns +
			    c->mark_cpu_ns + c->mark_term_cpu_ns;
	int procs = c->procs > 0 ? c->procs : 1;
	if (mstats.procs == 0) {
		mstats.procs = procs; /* in force since init */
	} else if (procs != mstats.procs) {
		/* procresize: close the old segment (here, at the first cycle
		 * that reports the change) */
		mstats.avail_cpu_ns += (now - mstats.procs_since) * mstats.procs;
		mstats.procs_since = now;
		mstats.procs = procs;
	}
	/* totalCpu := sched.totaltime + (now-sched.procresizetime)*gomaxprocs */
	int64_t total = mstats.avail_cpu_ns + (now - mstats.procs_since) * mstats.procs;
	return total > 0 ? (double)mstats.gc_cpu_ns / (double)total : 0.0;
}

void gmi_mstats_cycle_done(gm_cycle *c, uint64_t end_unixnano)
{
	uint64_t pause = mstats_cycle_pause(c);
	int64_t now = mstats_mono_now();
	pthread_mutex_lock(&mstats_lock);
	/* step 1: the ring slot of this cycle is numgc % 256, before numgc++ */
	uint32_t slot = mstats.num_gc % GMI_PAUSE_RING;
	mstats.last_gc = end_unixnano;
	mstats.pause_ns[slot] = pause;
	mstats.pause_end[slot] = end_unixnano;
	mstats.pause_total_ns += pause;
	mstats.gc_cpu_fraction = mstats_cpu_fraction_locked(c, now);
	c->gc_cpu_fraction = mstats.gc_cpu_fraction;
	if (c->forced)
		mstats.num_forced_gc++; /* if work.userForced */
	if (c->cpu_limited) {
		mstats.num_cpu_limited++;
		mstats.last_cpu_limited = c->num;
	}
	mstats.num_gc++;
	pthread_mutex_unlock(&mstats_lock);
	gmi_trace_cycle_done(c);
}

/* step 4: the memory limit, the CPU limiter and the scavenger */
static void mstats_limit(gm_memstats *ms)
{
	gmi_cpu_limiter *l = &gmi_gc_cpu_limiter;
	ms->memory_limit = gmi_pacer_memory_limit();
	ms->mapped_ready = ms->sys - ms->heap_released;
	ms->gc_cpu_limited = gmi_cpu_limiter_limiting(l);
	if (ms->gc_cpu_limited) /* on now: the cycle in progress, or next */
		ms->last_cpu_limited_gc = ms->num_gc + 1;
	ms->gc_cpu_limiter_overflow_ns = gmi_cpu_limiter_overflow(l);
	ms->scavenged_bg = gmi_scavenge_released_bg();
	ms->scavenged_alloc = gmi_scavenge_released_eager();
	int64_t gc_ns, cpu_ns;
	gmi_limit_cpu_totals(&gc_ns, &cpu_ns);
	ms->gc_cpu_total_ns = gc_ns > 0 ? (uint64_t)gc_ns : 0;
	ms->cpu_total_ns = cpu_ns > 0 ? (uint64_t)cpu_ns : 0;
}

/* step 3 */
void gm_read_memstats(gm_memstats *ms)
{
	gmi_alloc_read_memstats(ms);
	if (!gmi_malloc_is_inited())
		return; /* no heap: every field 0, as the allocator's */
	pthread_mutex_lock(&mstats_lock);
	ms->last_gc = mstats.last_gc;
	ms->pause_total_ns = mstats.pause_total_ns;
	memcpy(ms->pause_ns, mstats.pause_ns, sizeof ms->pause_ns);
	memcpy(ms->pause_end, mstats.pause_end, sizeof ms->pause_end);
	ms->num_gc = mstats.num_gc;
	ms->num_forced_gc = mstats.num_forced_gc;
	ms->gc_cpu_fraction = mstats.gc_cpu_fraction;
	ms->num_cpu_limited_gc = mstats.num_cpu_limited;
	ms->last_cpu_limited_gc = mstats.last_cpu_limited;
	pthread_mutex_unlock(&mstats_lock);
	ms->next_gc = gmi_pacer_goal(); /* stats.NextGC = heapGoal */
	mstats_limit(ms);
}

static int mstats_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* ReadGCStats with len(PauseQuantiles) == 5 (runtime/debug/garbage.go):
 * sort the n pauses ascending; nq = 4; q[i] = sorted[n*i/nq] for i < nq,
 * q[nq] = sorted[n-1]; all zero when n == 0. */
static void mstats_quantiles(gm_gcstats *st)
{
	uint32_t n = st->npause;
	if (n == 0)
		return; /* already zero */
	uint64_t sorted[GMI_PAUSE_RING];
	memcpy(sorted, st->pause_ns, n * sizeof sorted[0]);
	qsort(sorted, n, sizeof sorted[0], mstats_cmp_u64);
	const uint32_t nq = 4;
	for (uint32_t i = 0; i < nq; i++)
		st->pause_quantiles[i] = sorted[n * i / nq];
	st->pause_quantiles[nq] = sorted[n - 1];
}

/* debug.ReadGCStats (readGCStats_m, mstats.go): the most recent pause
 * first, at pause_ns[(numgc - 1 - i) % 256], i < min(numgc, 256).  Reports
 * the cycles recorded since the last gmi_mstats_init, whether or not the
 * heap is up. */
void gm_read_gcstats(gm_gcstats *st)
{
	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&mstats_lock);
	uint32_t n = mstats.num_gc < GMI_PAUSE_RING ? mstats.num_gc : GMI_PAUSE_RING;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = (mstats.num_gc - 1 - i) % GMI_PAUSE_RING;
		st->pause_ns[i] = mstats.pause_ns[j];
		st->pause_end[i] = mstats.pause_end[j];
	}
	st->npause = n;
	st->last_gc = mstats.last_gc;
	st->num_gc = mstats.num_gc;
	st->pause_total_ns = mstats.pause_total_ns;
	pthread_mutex_unlock(&mstats_lock);
	mstats_quantiles(st);
}
