/*
 * gccounters.c — the collector's figures for one benchmark run (see
 * gccounters.h).
 *
 * 1. Before the run, thread 0 reads debug.ReadGCStats' equivalent and the
 *    wall clock.
 * 2. After it, the cycles of the run are the difference in num_gc; their
 *    pauses are the newest that many entries of the pause history (at most
 *    256, as Go keeps).  A run of more than 256 cycles has lost its oldest
 *    pauses: its percentiles are over the newest 256, and its MMU over the
 *    part of the run those cover (from the oldest kept pause's start).
 * 3. p50, p90, p99 and p99.9 by the nearest-rank method over those
 *    pauses; max; MMU at 1, 10 and 100 ms windows inside the run's span
 *    (plotcycles.c's gmb_mmu, with the run's ends as zero-length pauses
 *    so that the windows flush with them count); the run's peak RSS
 *    (rss.h: reset at begin); the MMU curve over the same pauses, kept
 *    for the runner's mmu.csv (gmb_gc_curve_take).
 * 4. A pause of gm_gcstats is a cycle's stops added up (Go's PauseNs); the
 *    goals of a concurrent collector are about each stop.  The stop log
 *    (cycles.c) has every cycle's stops: those of the cycles logged
 *    between begin and end give p50, p99 and max over all stops, over
 *    mark terminations (each cycle's last stop) and over the other stops,
 *    the stack bytes scanned per cycle, and the collector's CPU time
 *    over those cycles, which over the run's wall time x procs is its GC
 *    CPU fraction.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/gccounters.h"
#include "harness/plotcycles.h"
#include "harness/rss.h"

/* Wall clock and stop log position at this thread's
 * gmb_gc_counters_begin. */
static _Thread_local uint64_t gcc_begin_ns, gcc_begin_pos;

static uint64_t gcc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void gmb_gc_counters_begin(gm_gcstats *before)
{
	gmb_stoplog_start();
	gcc_begin_pos = gmb_stoplog_position();
	gmb_rss_peak_reset();
	gm_read_gcstats(before);
	gcc_begin_ns = gcc_now();
}

static int gcc_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

uint64_t gmb_pause_rank(const uint64_t *sorted, uint32_t n, unsigned permille)
{
	uint64_t r = ((uint64_t)permille * n + 999) / 1000;
	if (r < 1)
		r = 1;
	return sorted[r > n ? n - 1 : r - 1];
}

double gmb_run_mmu(const double *start, const double *len, size_t n,
		   double t0, double t1, double w)
{
	double span = t1 - t0, busy = 0;
	if (!(span > 0))
		return 1;
	if (w >= span) {
		for (size_t i = 0; i < n; i++)
			busy += len[i];
		return busy >= span ? 0 : 1 - busy / span;
	}
	/* The worst window starts at a pause's start, ends at a pause's end,
	 * or lies flush with an end of the run: zero-length pauses at t0 and
	 * t1 make gmb_mmu try the last two.  Windows it tries that reach past
	 * the run hold no more pause than the flush ones. */
	double *s = malloc((n + 2) * sizeof *s), *l = malloc((n + 2) * sizeof *l);
	double mmu = -1;
	if (s != NULL && l != NULL) {
		s[0] = t0;
		l[0] = 0;
		memcpy(s + 1, start, n * sizeof *s);
		memcpy(l + 1, len, n * sizeof *l);
		s[n + 1] = t1;
		l[n + 1] = 0;
		mmu = gmb_mmu(s, l, n + 2, w);
	}
	free(s);
	free(l);
	return mmu;
}

typedef struct gcc_pause {
	double start, len;
} gcc_pause;

static int gcc_cmp_pause(const void *a, const void *b)
{
	double x = ((const gcc_pause *)a)->start, y = ((const gcc_pause *)b)->start;
	return (x > y) - (x < y);
}

/* The pauses as [start, start + len), in ns from `base` (a double holds
 * ns since the epoch only to 256 ns), clipped to [*t0, t1], sorted and made
 * disjoint, into s/l; *t0 moves to the oldest start when truncated. */
static void gcc_intervals(const uint64_t *pause_ns, const uint64_t *pause_end,
			  uint32_t n, bool truncated, uint64_t base, double *t0,
			  double t1, double *s, double *l)
{
	gcc_pause p[256];
	for (uint32_t i = 0; i < n; i++) {
		p[i].start = (double)(int64_t)(pause_end[i] - pause_ns[i] - base);
		p[i].len = (double)pause_ns[i];
	}
	qsort(p, n, sizeof *p, gcc_cmp_pause);
	if (truncated && n > 0 && p[0].start > *t0)
		*t0 = p[0].start;
	double prev = *t0;
	for (uint32_t i = 0; i < n; i++) {
		double a = p[i].start, b = p[i].start + p[i].len;
		a = a < prev ? prev : a;
		b = b > t1 ? t1 : b;
		s[i] = a;
		l[i] = b > a ? b - a : 0;
		prev = a + l[i];
	}
}

/* The run's pauses as disjoint intervals in ns from t0 (gcc_intervals),
 * and the span [*from, *to] they are measured over. */
static void gcc_run_intervals(const uint64_t *pause_ns,
			      const uint64_t *pause_end, uint32_t n,
			      bool truncated, uint64_t t0, uint64_t t1,
			      double *s, double *l, double *from, double *to)
{
	*from = 0;
	*to = (double)(int64_t)(t1 - t0);
	gcc_intervals(pause_ns, pause_end, n, truncated, t0, from, *to, s, l);
}

int gmb_gc_summarize(const uint64_t *pause_ns, const uint64_t *pause_end,
		     uint32_t n, bool truncated, uint64_t t0, uint64_t t1,
		     gmb_gc_summary *out)
{
	uint64_t sorted[256];
	double s[256], l[256], from, to;
	n = n > 256 ? 256 : n;
	memset(out, 0, sizeof *out);
	out->npause = n;
	if (n > 0) {
		memcpy(sorted, pause_ns, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, gcc_cmp);
		out->p50_ns = gmb_pause_rank(sorted, n, 500);
		out->p90_ns = gmb_pause_rank(sorted, n, 900);
		out->p99_ns = gmb_pause_rank(sorted, n, 990);
		out->p999_ns = gmb_pause_rank(sorted, n, 999);
		out->max_ns = sorted[n - 1];
	}
	gcc_run_intervals(pause_ns, pause_end, n, truncated, t0, t1, s, l,
			  &from, &to);
	out->mmu_1ms = gmb_run_mmu(s, l, n, from, to, 1e6);
	out->mmu_10ms = gmb_run_mmu(s, l, n, from, to, 1e7);
	out->mmu_100ms = gmb_run_mmu(s, l, n, from, to, 1e8);
	return out->mmu_1ms < 0 || out->mmu_10ms < 0 || out->mmu_100ms < 0
		? -1 : 0;
}

double gmb_mmu_curve_window(int k)
{
	return 1e5 * pow(10, k / 10.0);
}

size_t gmb_gc_mmu_curve(const uint64_t *pause_ns, const uint64_t *pause_end,
			uint32_t n, bool truncated, uint64_t t0, uint64_t t1,
			double *window_ns, double *mmu)
{
	double s[256], l[256], from, to;
	size_t k = 0;
	n = n > 256 ? 256 : n;
	gcc_run_intervals(pause_ns, pause_end, n, truncated, t0, t1, s, l,
			  &from, &to);
	for (int i = 0; i < GMB_MMU_CURVE_MAX; i++) {
		double w = gmb_mmu_curve_window(i);
		if (i > 0 && w > (to - from) * (1 + 1e-9)) /* pow's rounding */
			break;
		window_ns[k] = w;
		mmu[k] = gmb_run_mmu(s, l, n, from, to, w);
		if (mmu[k++] < 0)
			return 0;
	}
	return k;
}

/* The last run's curve (gmb_gc_curve_take). */
static pthread_mutex_t gcc_curve_lock = PTHREAD_MUTEX_INITIALIZER;
static double gcc_curve_w[GMB_MMU_CURVE_MAX]; /* gcc_curve_lock */
static double gcc_curve_mmu[GMB_MMU_CURVE_MAX]; /* gcc_curve_lock */
static size_t gcc_curve_n;                      /* gcc_curve_lock */

static void gcc_keep_curve(const double *w, const double *mmu, size_t n)
{
	pthread_mutex_lock(&gcc_curve_lock);
	memcpy(gcc_curve_w, w, n * sizeof *w);
	memcpy(gcc_curve_mmu, mmu, n * sizeof *mmu);
	gcc_curve_n = n;
	pthread_mutex_unlock(&gcc_curve_lock);
}

size_t gmb_gc_curve_take(double *window_ns, double *mmu)
{
	pthread_mutex_lock(&gcc_curve_lock);
	size_t n = gcc_curve_n;
	memcpy(window_ns, gcc_curve_w, n * sizeof *window_ns);
	memcpy(mmu, gcc_curve_mmu, n * sizeof *mmu);
	gcc_curve_n = 0;
	pthread_mutex_unlock(&gcc_curve_lock);
	return n;
}

/* The last run's pauses (gmb_gc_pauses_take). */
static uint64_t gcc_pauses[256];  /* gcc_curve_lock */
static size_t gcc_npauses;        /* gcc_curve_lock */

static void gcc_keep_pauses(const uint64_t *ns, size_t n)
{
	pthread_mutex_lock(&gcc_curve_lock);
	gcc_npauses = n < 256 ? n : 256;
	memcpy(gcc_pauses, ns, gcc_npauses * sizeof *ns);
	pthread_mutex_unlock(&gcc_curve_lock);
}

size_t gmb_gc_pauses_take(uint64_t ns[256])
{
	pthread_mutex_lock(&gcc_curve_lock);
	size_t n = gcc_npauses;
	memcpy(ns, gcc_pauses, n * sizeof *ns);
	gcc_npauses = 0;
	pthread_mutex_unlock(&gcc_curve_lock);
	return n;
}

static void gcc_set_summary(gmb_state *st, const gmb_gc_summary *g)
{
	if (g->npause > 0) {
		gmb_set_counter(st, "pause_p50_ns", (double)g->p50_ns, 0);
		gmb_set_counter(st, "pause_p90_ns", (double)g->p90_ns, 0);
		gmb_set_counter(st, "pause_p99_ns", (double)g->p99_ns, 0);
		gmb_set_counter(st, "pause_p999_ns", (double)g->p999_ns, 0);
		gmb_set_counter(st, "pause_max_ns", (double)g->max_ns, 0);
	}
	gmb_set_counter(st, "mmu_1ms", g->mmu_1ms, 0);
	gmb_set_counter(st, "mmu_10ms", g->mmu_10ms, 0);
	gmb_set_counter(st, "mmu_100ms", g->mmu_100ms, 0);
}

/* ---- stops one by one (step 4) ----------------------------------------- */

/* p50, p99, max of v[0 .. n), sorting v. */
static gmb_stop_figures gcc_figures(uint64_t *v, uint32_t n)
{
	gmb_stop_figures f = {.n = n};
	if (n == 0)
		return f;
	qsort(v, n, sizeof *v, gcc_cmp);
	f.p50_ns = gmb_pause_rank(v, n, 500);
	f.p99_ns = gmb_pause_rank(v, n, 990);
	f.max_ns = v[n - 1];
	return f;
}

int gmb_stops_summarize(const gmb_cycle_stops *c, size_t n,
			gmb_stop_summary *out)
{
	uint64_t *all = malloc((n * GM_MAX_STOPS + 1) * sizeof *all);
	uint64_t *mt = malloc((n + 1) * sizeof *mt);
	uint64_t *other = malloc((n * GM_MAX_STOPS + 1) * sizeof *other);
	uint32_t na = 0, nm = 0, no = 0;
	uint64_t scan = 0;
	memset(out, 0, sizeof *out);
	if (all == NULL || mt == NULL || other == NULL) {
		free(all), free(mt), free(other);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t k = c[i].nstops < GM_MAX_STOPS ? c[i].nstops : GM_MAX_STOPS;
		for (uint32_t j = 0; j < k; j++) {
			uint64_t ns = c[i].stop_ns[j] > 0 ? (uint64_t)c[i].stop_ns[j] : 0;
			all[na++] = ns;
			if (j + 1 == k)
				mt[nm++] = ns;
			else
				other[no++] = ns;
		}
		scan += c[i].stack_scan;
		if (c[i].stack_scan > out->stack_scan_max)
			out->stack_scan_max = c[i].stack_scan;
		out->gc_cpu_ns += c[i].gc_cpu_ns > 0 ? c[i].gc_cpu_ns : 0;
		out->procs = c[i].procs;
	}
	out->ncycles = (uint32_t)n;
	out->stack_scan_mean = n > 0 ? scan / n : 0;
	out->all = gcc_figures(all, na);
	out->markterm = gcc_figures(mt, nm);
	out->other = gcc_figures(other, no);
	free(all), free(mt), free(other);
	return 0;
}

static void gcc_set_figures(gmb_state *st, const char *kind,
			    const gmb_stop_figures *f)
{
	char name[48];
	if (f->n == 0)
		return;
	snprintf(name, sizeof name, "%s_p50_ns", kind);
	gmb_set_counter(st, name, (double)f->p50_ns, 0);
	snprintf(name, sizeof name, "%s_p99_ns", kind);
	gmb_set_counter(st, name, (double)f->p99_ns, 0);
	snprintf(name, sizeof name, "%s_max_ns", kind);
	gmb_set_counter(st, name, (double)f->max_ns, 0);
}

double gmb_gc_cpu_fraction(const gmb_stop_summary *s, uint64_t wall_ns)
{
	if (s->ncycles == 0 || wall_ns == 0)
		return 0;
	long procs = s->procs > 0 ? s->procs : sysconf(_SC_NPROCESSORS_ONLN);
	double f = (double)s->gc_cpu_ns /
		   ((double)wall_ns * (double)(procs > 0 ? procs : 1));
	return f < 1 ? f : 1;
}

/* The stops of the cycles logged since this thread's begin, and the GC
 * CPU fraction of the run that ended at end_ns. */
static void gcc_set_stops(gmb_state *st, uint64_t end_ns)
{
	gmb_cycle_stops *c = malloc(GMB_STOPLOG_CYCLES * sizeof *c);
	uint64_t lost;
	gmb_stop_summary s;
	if (c == NULL)
		return;
	size_t n = gmb_stoplog_since(gcc_begin_pos, c, GMB_STOPLOG_CYCLES, &lost);
	if (gmb_stops_summarize(c, n, &s) == 0) {
		gmb_set_counter(st, "stops", (double)s.all.n, 0);
		gcc_set_figures(st, "stop", &s.all);
		gcc_set_figures(st, "markterm", &s.markterm);
		gcc_set_figures(st, "otherstop", &s.other);
		gmb_set_counter(st, "gc_cpu_fraction",
				gmb_gc_cpu_fraction(&s, end_ns - gcc_begin_ns), 0);
		if (n > 0) {
			uint64_t peak = 0;
			for (size_t i = 0; i < n; i++)
				peak = c[i].heap_mark_end > peak ? c[i].heap_mark_end : peak;
			gmb_set_counter(st, "peak_heap_bytes", (double)peak, 0);
			gmb_set_counter(st, "heap_goal_bytes",
					(double)c[n - 1].next_goal, 0);
			gmb_set_counter(st, "stack_scan_bytes",
					(double)s.stack_scan_mean, GMB_COUNTER_BASE_1024);
			gmb_set_counter(st, "stack_scan_max_bytes",
					(double)s.stack_scan_max, GMB_COUNTER_BASE_1024);
		}
	}
	free(c);
}

void gmb_gc_counters_end(gmb_state *st, const gm_gcstats *before)
{
	if (gmb_thread_index(st) != 0)
		return;
	uint64_t end_ns = gcc_now();
	gm_gcstats *after = malloc(sizeof *after);
	if (after == NULL)
		return;
	gm_read_gcstats(after);
	uint64_t cycles = after->num_gc - before->num_gc;
	uint32_t n = cycles < after->npause ? (uint32_t)cycles : after->npause;
	gmb_set_counter(st, "gc_cycles", (double)cycles, GMB_COUNTER_TOTAL);
	gmb_gc_summary g;
	if (gmb_gc_summarize(after->pause_ns, after->pause_end, n, cycles > n,
			     gcc_begin_ns, end_ns, &g) == 0)
		gcc_set_summary(st, &g);
	double w[GMB_MMU_CURVE_MAX], mmu[GMB_MMU_CURVE_MAX];
	size_t k = gmb_gc_mmu_curve(after->pause_ns, after->pause_end, n,
				    cycles > n, gcc_begin_ns, end_ns, w, mmu);
	if (k > 0)
		gcc_keep_curve(w, mmu, k);
	gcc_keep_pauses(after->pause_ns, n);
	gcc_set_stops(st, end_ns);
	gmb_set_counter(st, "peak_rss_bytes", (double)gmb_rss_peak(),
			GMB_COUNTER_BASE_1024);
	free(after);
}

bool gmb_keep_running_batch_attached(gmb_state *st, int64_t n)
{
	gm_blocking_enter();
	bool more = gmb_keep_running_batch(st, n);
	gm_blocking_leave();
	return more;
}
