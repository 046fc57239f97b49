/*
 * rss.c — peak RSS per benchmark run and the RSS sampler (see rss.h).
 *
 * 1. Peak: write "5" to /proc/self/clear_refs (the kernel sets VmHWM to
 *    the current RSS), later read VmHWM from /proc/self/status.  Without
 *    the reset (older kernels, a refused write) getrusage's ru_maxrss,
 *    the process's peak, is the answer.
 * 2. Sampler: one thread waits `interval` on a condition variable timed
 *    on CLOCK_MONOTONIC (absolute deadlines, so the period does not drift
 *    by the cost of a sample), then appends a row to an in-memory buffer
 *    under rss_lock.  A mark writes the buffer to the file with the
 *    benchmark's name and empties it.  Stop: set the flag and signal (the
 *    thread wakes at once), join, write what is left, close.
 * 3. The GC CPU fraction of a row: the two CPU totals of gm_memstats
 *    (gc_cpu_total_ns, cpu_total_ns) are kept from the previous sample
 *    (from the start for the first); the row gets the difference of the
 *    first over the difference of the second.  When the totals went back
 *    (gm_shutdown and gm_init since) the interval counts from init.
 */
#include "harness/rss.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "gomem.h"

static bool rss_reset_worked; /* the last gmb_rss_peak_reset succeeded */

/* The /proc reads and writes below run on benchmark threads, which are
 * attached: each is a blocking region, so that a stop of the world does
 * not wait for a path lookup in the kernel (0.3 ms seen with perf on the
 * 1 GiB steady heap).  gm_blocking_enter does nothing on a thread that
 * is not attached (the sampler's). */
bool gmb_rss_peak_reset(void)
{
	gm_blocking_enter();
	FILE *f = fopen("/proc/self/clear_refs", "w");
	bool ok = f != NULL && fputs("5", f) >= 0;
	if (f != NULL)
		ok = fclose(f) == 0 && ok;
	gm_blocking_leave();
	rss_reset_worked = ok;
	return ok;
}

bool gmb_rss_parse_hwm(const char *status, uint64_t *bytes)
{
	const char *p = strstr(status, "VmHWM:");
	unsigned long long kib;
	if (p == NULL || sscanf(p + 6, "%llu", &kib) != 1)
		return false;
	*bytes = (uint64_t)kib * 1024; /* the kernel prints kB */
	return true;
}

/* Read /proc file `path` into buf as a string (blocking region, above);
 * false when it cannot be opened. */
static bool rss_read_proc(const char *path, char *buf, size_t len)
{
	gm_blocking_enter();
	FILE *f = fopen(path, "r");
	size_t n = f != NULL ? fread(buf, 1, len - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	gm_blocking_leave();
	buf[n] = '\0';
	return f != NULL;
}

/* VmHWM from /proc/self/status; false when unreadable. */
static bool rss_read_hwm(uint64_t *bytes)
{
	char buf[4096];
	return rss_read_proc("/proc/self/status", buf, sizeof buf) &&
	       gmb_rss_parse_hwm(buf, bytes);
}

uint64_t gmb_rss_peak(void)
{
	uint64_t b;
	struct rusage ru;
	if (rss_reset_worked && rss_read_hwm(&b))
		return b;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		return (uint64_t)ru.ru_maxrss * 1024; /* kilobytes on Linux */
	return 0;
}

uint64_t gmb_rss_now(void)
{
	unsigned long long size, resident;
	char buf[256]; /* seven numbers */
	int n = rss_read_proc("/proc/self/statm", buf, sizeof buf) ?
		sscanf(buf, "%llu %llu", &size, &resident) : 0;
	long page = sysconf(_SC_PAGESIZE);
	return n == 2 && page > 0 ? (uint64_t)resident * (uint64_t)page : 0;
}

/* ---- the sampler ------------------------------------------------------- */

typedef struct rss_row {
	double t;                 /* s since the start */
	uint64_t rss, inuse, goal;
	int64_t limit;
	double gc_cpu;            /* GC CPU fraction since the last sample */
	int limited;              /* gm_memstats.gc_cpu_limited */
} rss_row;

/* the CPU totals at the last sample (step 3) */
typedef struct rss_cpu {
	uint64_t gc, total;
} rss_cpu;

static pthread_mutex_t rss_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *rss_file;          /* rss_lock */
static rss_row *rss_rows;       /* rss_lock: since the last mark */
static size_t rss_n, rss_cap;   /* rss_lock */
static unsigned long rss_written; /* rss_lock */
static rss_cpu rss_last_cpu;    /* rss_lock */
static gm_memstats rss_ms;      /* rss_lock; 4 KiB: off the stacks */
static double rss_t0;           /* written before the thread starts */
static unsigned rss_interval_ms;
static pthread_mutex_t rss_wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rss_wake;  /* CLOCK_MONOTONIC; made at start */
static bool rss_stop;            /* rss_wait_lock */
static pthread_t rss_thread;
static bool rss_running;        /* owned by the starting thread */

static double rss_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* step 3: the GC CPU fraction from *last to now; *last becomes now.  0
 * when no CPU time was accounted (rss.h). */
static double rss_gc_cpu(rss_cpu *last, const gm_memstats *ms)
{
	rss_cpu now = {ms->gc_cpu_total_ns, ms->cpu_total_ns};
	if (now.gc < last->gc || now.total < last->total)
		*last = (rss_cpu){0, 0}; /* a new gm_init: count from it */
	uint64_t gc = now.gc - last->gc, total = now.total - last->total;
	*last = now;
	return total > 0 ? (double)gc / (double)total : 0.0;
}

void gmb_rss_sampler_sample(void)
{
	pthread_mutex_lock(&rss_lock);
	gm_read_memstats(&rss_ms);
	rss_row r = {
		.t = rss_seconds() - rss_t0, .rss = gmb_rss_now(),
		.inuse = rss_ms.heap_inuse, .goal = rss_ms.next_gc,
		.limit = gm_set_memory_limit(-1),
		.gc_cpu = rss_gc_cpu(&rss_last_cpu, &rss_ms),
		.limited = rss_ms.gc_cpu_limited != 0,
	};
	if (rss_n == rss_cap) {
		size_t cap = rss_cap ? 2 * rss_cap : 1024;
		rss_row *p = realloc(rss_rows, cap * sizeof *p);
		if (p != NULL) {
			rss_rows = p;
			rss_cap = cap;
		}
	}
	if (rss_n < rss_cap)
		rss_rows[rss_n++] = r;
	pthread_mutex_unlock(&rss_lock);
}

static void *rss_main(void *arg)
{
	(void)arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&rss_wait_lock);
	while (!rss_stop) {
		pthread_mutex_unlock(&rss_wait_lock);
		gmb_rss_sampler_sample();
		next.tv_nsec += (long)rss_interval_ms * 1000000L;
		next.tv_sec += next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&rss_wait_lock);
		while (!rss_stop && pthread_cond_timedwait(&rss_wake,
							   &rss_wait_lock,
							   &next) == 0)
			; /* woken early without a stop: wait on */
	}
	pthread_mutex_unlock(&rss_wait_lock);
	return NULL;
}

int gmb_rss_sampler_start(const char *path, unsigned interval_ms, char *err,
			  size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&rss_lock);
	rss_file = f;
	rss_n = 0;
	rss_written = 0;
	gm_read_memstats(&rss_ms); /* the first row's interval starts here */
	rss_last_cpu = (rss_cpu){rss_ms.gc_cpu_total_ns, rss_ms.cpu_total_ns};
	pthread_mutex_unlock(&rss_lock);
	rss_t0 = rss_seconds();
	rss_interval_ms = interval_ms > 0 ? interval_ms : GMB_RSS_INTERVAL_MS;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rss_wake, &ca);
	pthread_condattr_destroy(&ca);
	rss_stop = false;
	int rc = pthread_create(&rss_thread, NULL, rss_main, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the RSS sampler: %s",
			 strerror(rc));
		pthread_mutex_lock(&rss_lock);
		fclose(rss_file);
		rss_file = NULL;
		pthread_mutex_unlock(&rss_lock);
		return -1;
	}
	rss_running = true;
	return 0;
}

void gmb_rss_sampler_mark(const char *benchmark)
{
	pthread_mutex_lock(&rss_lock);
	for (size_t i = 0; rss_file != NULL && i < rss_n; i++) {
		const rss_row *r = &rss_rows[i];
		fprintf(rss_file, "%s,%.4f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRId64 ",%.4f,%d\n", benchmark, r->t, r->rss,
			r->inuse, r->goal, r->limit, r->gc_cpu, r->limited);
		rss_written++;
	}
	if (rss_file != NULL)
		fflush(rss_file);
	rss_n = 0;
	pthread_mutex_unlock(&rss_lock);
}

unsigned long gmb_rss_sampler_stop(void)
{
	if (rss_running) {
		pthread_mutex_lock(&rss_wait_lock);
		rss_stop = true;
		pthread_cond_signal(&rss_wake);
		pthread_mutex_unlock(&rss_wait_lock);
		pthread_join(rss_thread, NULL);
		pthread_cond_destroy(&rss_wake);
		rss_running = false;
	}
	gmb_rss_sampler_mark("");
	pthread_mutex_lock(&rss_lock);
	unsigned long n = rss_written;
	rss_written = 0;
	if (rss_file != NULL)
		fclose(rss_file);
	rss_file = NULL;
	free(rss_rows);
	rss_rows = NULL;
	rss_n = rss_cap = 0;
	pthread_mutex_unlock(&rss_lock);
	return n;
}
