/*
 * plotrss.c — the `rss` figure of gomem-bench plot: memory over time from
 * the results' rss.csv (rss.h, results.h), a panel per configuration.
 *
 * 1. Read DIR/rss.csv; its header must name the columns config, time_s,
 *    rss_bytes, heap_inuse, heap_goal and memory_limit (others and their
 *    order do not matter), and may name gc_cpu_interval and cpu_limited
 *    (rss.h; files written before they existed do not).
 * 2. A block per configuration with rows (at most RSS_MAX_BLOCKS, in
 *    index order), titled by the configuration's label: time (s), RSS,
 *    heap in use, heap goal and memory limit, in MiB (the limit NaN when
 *    there is none; `limits` tells the script which blocks have one);
 *    then the GC CPU fraction of the sample's interval, the limiter's
 *    state (0/1) and the GC CPU fraction over the trailing
 *    RSS_CPU_WINDOW_S (below), all NaN without those columns (`cpu=0`
 *    tells the script).
 * 3. The trailing window: each row's gc_cpu_interval is its interval's GC
 *    time over procs x the interval's length, so the fraction over the
 *    rows in the last RSS_CPU_WINDOW_S (the first row's interval counted
 *    whole) is their values weighted by the intervals' lengths: exact
 *    while procs does not change.  Rows of one benchmark follow each
 *    other in time; a row earlier than the last starts a new window.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot.h"

#define RSS_MAX_BLOCKS 8   /* panels: more is unreadable */
#define RSS_NO_LIMIT 4.6e18 /* above 2^62 B: no limit (off is 2^63-1) */
/* 100 ms: the trailing window of the smoothed GC CPU fraction (step 3),
 * ten 10 ms samples: short enough to show a cycle, long enough that one
 * stop or assist does not fill it */
#define RSS_CPU_WINDOW_S 0.1
#define RSS_CPU_RING 1024   /* rows a window can hold: 0.1 ms apart */

enum { RSS_CONFIG, RSS_TIME, RSS_RSS, RSS_INUSE, RSS_GOAL, RSS_LIMIT,
       RSS_NNEEDED, /* the columns after these are optional */
       RSS_GC_CPU = RSS_NNEEDED, RSS_LIMITED, RSS_NCOLS };
static const char *const rss_names[RSS_NCOLS] = {
	"config", "time_s", "rss_bytes", "heap_inuse", "heap_goal", "memory_limit",
	"gc_cpu_interval", "cpu_limited",
};

/* The position of each column in the header (-1: absent); false when a
 * needed one is missing.  *cpu: both optional ones are there. */
static bool rss_header(char *line, int *pos, bool *cpu)
{
	int k = 0;
	for (int c = 0; c < RSS_NCOLS; c++)
		pos[c] = -1;
	line[strcspn(line, "\r\n")] = '\0';
	for (char *tok = strtok(line, ","); tok != NULL; tok = strtok(NULL, ","), k++)
		for (int c = 0; c < RSS_NCOLS; c++)
			if (strcmp(tok, rss_names[c]) == 0)
				pos[c] = k;
	*cpu = pos[RSS_GC_CPU] >= 0 && pos[RSS_LIMITED] >= 0;
	for (int c = 0; c < RSS_NNEEDED; c++)
		if (pos[c] < 0)
			return false;
	return true;
}

/* The fields of one line into v (NaN for absent columns); false when a
 * column the header names is missing from the line. */
static bool rss_fields(const char *line, const int *pos, double *v)
{
	int k = 0, got = 0, want = 0;
	for (int c = 0; c < RSS_NCOLS; c++) {
		v[c] = NAN;
		want += pos[c] >= 0;
	}
	for (const char *p = line; got < want; k++) {
		for (int c = 0; c < RSS_NCOLS; c++)
			if (pos[c] == k) {
				v[c] = strtod(p, NULL);
				got++;
			}
		p += strcspn(p, ",\n");
		if (*p != ',')
			break;
		p++;
	}
	return got == want;
}

/* step 3: the trailing window of (time, interval length, fraction) */
typedef struct rss_window {
	double t[RSS_CPU_RING], dt[RSS_CPU_RING], f[RSS_CPU_RING];
	size_t head, n;       /* the oldest at head, n held */
	double last_t;        /* the previous row's time */
	double sum_fdt, sum_dt;
} rss_window;

static void rss_window_reset(rss_window *w)
{
	w->head = w->n = 0;
	w->sum_fdt = w->sum_dt = 0;
	w->last_t = NAN;
}

/* Add the row at time t with fraction f; the fraction over the window. */
static double rss_window_add(rss_window *w, double t, double f)
{
	if (isnan(f))
		return NAN;
	if (!isnan(w->last_t) && t < w->last_t)
		rss_window_reset(w); /* the next benchmark's rows */
	/* the first row's interval is unknown: as long as the window */
	double dt = isnan(w->last_t) ? RSS_CPU_WINDOW_S : t - w->last_t;
	w->last_t = t;
	if (w->n == RSS_CPU_RING) { /* rows closer than 0.1 ms: drop one */
		w->sum_fdt -= w->f[w->head] * w->dt[w->head];
		w->sum_dt -= w->dt[w->head];
		w->head = (w->head + 1) % RSS_CPU_RING;
		w->n--;
	}
	size_t i = (w->head + w->n++) % RSS_CPU_RING;
	w->t[i] = t, w->dt[i] = dt, w->f[i] = f;
	w->sum_fdt += f * dt;
	w->sum_dt += dt;
	/* drop rows whose whole interval lies before the window */
	while (w->n > 1 && w->t[w->head] <= t - RSS_CPU_WINDOW_S) {
		w->sum_fdt -= w->f[w->head] * w->dt[w->head];
		w->sum_dt -= w->dt[w->head];
		w->head = (w->head + 1) % RSS_CPU_RING;
		w->n--;
	}
	return w->sum_dt > 0 ? w->sum_fdt / w->sum_dt : NAN;
}

static double rss_mib(double b) { return b / (1024.0 * 1024.0); }

/* Write configuration `config`'s rows of f (rewound) as one block;
 * whether it had any. */
static bool rss_block(gmb_plot_ctx *c, FILE *f, const int *pos, int config,
		      int block, bool *limited)
{
	char line[8192];
	double v[RSS_NCOLS];
	static rss_window w; /* 24 KiB: off the stack */
	bool any = false;
	rewind(f);
	if (fgets(line, sizeof line, f) == NULL)
		return false;
	*limited = false;
	rss_window_reset(&w);
	while (fgets(line, sizeof line, f) != NULL) {
		if (!rss_fields(line, pos, v) || (int)v[RSS_CONFIG] != config)
			continue;
		if (!any)
			fprintf(c->dat, "%s# configuration %d: time (s), RSS, heap "
				"in use, heap goal, limit (MiB), GC CPU fraction "
				"of the interval, limiter on (0/1), GC CPU "
				"fraction over the last %g s\n",
				block ? "\n\n" : "", config, RSS_CPU_WINDOW_S);
		bool lim = v[RSS_LIMIT] > 0 && v[RSS_LIMIT] < RSS_NO_LIMIT;
		*limited = *limited || lim;
		double win = rss_window_add(&w, v[RSS_TIME], v[RSS_GC_CPU]);
		fprintf(c->dat, "%g %g %g %g %g %g %g %g\n", v[RSS_TIME],
			rss_mib(v[RSS_RSS]), rss_mib(v[RSS_INUSE]),
			rss_mib(v[RSS_GOAL]), lim ? rss_mib(v[RSS_LIMIT]) : NAN,
			v[RSS_GC_CPU], v[RSS_LIMITED], win);
		any = true;
	}
	return any;
}

int gmb_plot_rss(gmb_plot_ctx *c)
{
	char path[4200], line[8192], limits[2 * RSS_MAX_BLOCKS + 1] = "";
	int pos[RSS_NCOLS], blocks = 0;
	bool cpu = false;
	snprintf(path, sizeof path, "%s/" GMB_RESULTS_RSS_FILE, c->d->dir);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	bool ok = fgets(line, sizeof line, f) != NULL &&
		  rss_header(line, pos, &cpu);
	for (size_t k = 0; ok && k < c->d->nconfigs && blocks < RSS_MAX_BLOCKS;
	     k++) {
		bool limited;
		if (!rss_block(c, f, pos, c->d->configs[k].index, blocks,
			       &limited))
			continue;
		gmb_plot_title(c, c->d->configs[k].label);
		size_t n = strlen(limits);
		snprintf(limits + n, sizeof limits - n, "%s%d", n ? " " : "", limited);
		blocks++;
	}
	fclose(f);
	if (blocks > 0)
		snprintf(c->extra, sizeof c->extra, "limits='%s'; cpu=%d", limits, cpu);
	return blocks;
}
