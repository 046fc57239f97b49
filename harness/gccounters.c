/*
 * gccounters.c — the collector's figures for one benchmark run (see
 * gccounters.h).
 *
 * 1. Before the run, thread 0 reads debug.ReadGCStats' equivalent.
 * 2. After it, the cycles of the run are the difference in num_gc; their
 *    pauses are the newest that many entries of the pause history (at most
 *    256, as Go keeps).
 * 3. p50 and p99 by the nearest-rank method over those pauses; max; and
 *    the process's peak RSS.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness/gccounters.h"

void gmb_gc_counters_begin(gm_gcstats *before)
{
	gm_read_gcstats(before);
}

static int gcc_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* nearest rank: the smallest value with at least pct% at or below it */
static uint64_t gcc_rank(const uint64_t *sorted, uint32_t n, double pct)
{
	uint32_t r = (uint32_t)(pct / 100.0 * n + 0.999999);
	if (r < 1)
		r = 1;
	return sorted[r > n ? n - 1 : r - 1];
}

void gmb_gc_counters_end(gmb_state *st, const gm_gcstats *before)
{
	if (gmb_thread_index(st) != 0)
		return;
	gm_gcstats *after = malloc(sizeof *after);
	if (after == NULL)
		return;
	gm_read_gcstats(after);
	uint64_t cycles = after->num_gc - before->num_gc;
	uint32_t n = cycles < after->npause ? (uint32_t)cycles : after->npause;
	uint64_t sorted[256];
	memcpy(sorted, after->pause_ns, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, gcc_cmp);
	gmb_set_counter(st, "gc_cycles", (double)cycles, GMB_COUNTER_TOTAL);
	if (n > 0) {
		gmb_set_counter(st, "pause_p50_ns", (double)gcc_rank(sorted, n, 50), 0);
		gmb_set_counter(st, "pause_p99_ns", (double)gcc_rank(sorted, n, 99), 0);
		gmb_set_counter(st, "pause_max_ns", (double)sorted[n - 1], 0);
	}
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		gmb_set_counter(st, "peak_rss_bytes", (double)ru.ru_maxrss * 1024.0,
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
