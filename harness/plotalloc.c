/*
 * plotalloc.c — the allocation figures of `gomem-bench plot` (plot.h):
 * time per object against the object's size, from bench.json's alloc_*
 * benchmarks ("alloc_small/gomem/1024/threads:2": family, component,
 * size in bytes, thread count).
 *
 *   alloc           gomem against the glibc baselines that the workloads
 *                   measure in the same process and run (components
 *                   "glibc": malloc + free, "calloc": calloc + free).  A
 *                   panel per (thread count, collector off / on): the
 *                   families without _gc (alloc_tiny, alloc_small,
 *                   alloc_large) run with the collector off, those with
 *                   _gc with it on.  Series, by column group:
 *                     1 gomem, noscan objects (tiny, small, large)
 *                     2 gomem, objects with pointers (the _ptr families)
 *                     3 glibc malloc + free
 *                     4 glibc calloc + free
 *                   A baseline comes from the noscan family at that size,
 *                   else from the _ptr family (the same malloc call).
 *   alloc_runtimes  every runtime of the run side by side (run --runtime;
 *                   peers.h): the collector-off noscan families, a panel
 *                   per thread count, a series per runtime in peers.h's
 *                   order (gomem, Go, Boehm GC, glibc calloc in its own
 *                   process, jemalloc, mimalloc, tcmalloc).  Drawn only
 *                   when some peer ran an allocation benchmark.
 *
 * Each row is one object size: the size in bytes, then per series the
 * median, min and max time per object over the repetitions (NaN where
 * the series has no such benchmark).  The script learns which series a
 * panel has from `present` (a word per panel: the series' numbers, e.g.
 * '134'), so that it draws and lists no empty series; alloc_runtimes
 * also hands it the series' names (`names`, peers.h's labels).  Both
 * figures take the first configuration that ran an alloc benchmark.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/compare.h"
#include "harness/peers.h"
#include "harness/plot.h"

#define PA_MAX_POINTS 512  /* (panel, size) pairs */
#define PA_MAX_SERIES GMB_RT_COUNT
#define PA_MAX_PANELS 8

/* One object size in one panel: per series median, min, max (ns). */
typedef struct pa_point {
	int panel_key;       /* threads * 2 + collector on */
	long size;
	double s[PA_MAX_SERIES][3];
} pa_point;

typedef struct pa_points {
	pa_point p[PA_MAX_POINTS];
	size_t n;
} pa_points;

/* "alloc_small_gc/gomem/32/threads:2" into its parts; false for any
 * other name. */
static bool pa_parse(const char *name, char *family, size_t flen,
		     char *comp, size_t clen, long *size, int *threads)
{
	char f[48], c[32];
	int n = 0;
	if (strncmp(name, "alloc_", 6) != 0 ||
	    sscanf(name, "%47[^/]/%31[^/]/%ld%n", f, c, size, &n) != 3 ||
	    *size <= 0)
		return false;
	snprintf(family, flen, "%s", f);
	snprintf(comp, clen, "%s", c);
	*threads = 1;
	if (strncmp(name + n, "/threads:", 9) == 0)
		*threads = atoi(name + n + 9);
	return name[n] == '\0' || strncmp(name + n, "/threads:", 9) == 0;
}

static bool pa_family_gc(const char *family)
{
	size_t k = strlen(family);
	return k >= 3 && strcmp(family + k - 3, "_gc") == 0;
}

static bool pa_family_ptr(const char *family)
{
	return strstr(family, "_ptr") != NULL;
}

/* The point of (key, size), added with every series NaN when new; NULL
 * when full. */
static pa_point *pa_get(pa_points *ps, int key, long size)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].panel_key == key && ps->p[i].size == size)
			return &ps->p[i];
	if (ps->n == PA_MAX_POINTS)
		return NULL;
	pa_point *q = &ps->p[ps->n++];
	q->panel_key = key;
	q->size = size;
	for (int s = 0; s < PA_MAX_SERIES; s++)
		q->s[s][0] = q->s[s][1] = q->s[s][2] = NAN;
	return q;
}

/* Median, min and max of (config, name)'s time per object into out,
 * unless out already holds a value; false when there is none. */
static bool pa_stats(const gmb_results_data *d, int config, const char *name,
		     double out[3])
{
	double v[256];
	bool agg;
	if (!isnan(out[0]))
		return true;
	size_t n = gmb_metric_samples(d, config, name,
				      gmb_metric_get(GMB_METRIC_TIME), v, 256,
				      &agg);
	n = n < 256 ? n : 256;
	if (n == 0)
		return false;
	out[0] = gmb_median(v, n); /* sorts v */
	out[1] = v[0];
	out[2] = v[n - 1];
	return true;
}

static int pa_point_cmp(const void *a, const void *b)
{
	const pa_point *x = a, *y = b;
	if (x->panel_key != y->panel_key)
		return x->panel_key - y->panel_key;
	return (x->size > y->size) - (x->size < y->size);
}

/* The configuration to draw: the first that ran an alloc benchmark of a
 * component `comp_ok` accepts. */
static int pa_config(const gmb_results_data *d, bool (*comp_ok)(const char *))
{
	for (size_t i = 0; i < d->nbenches; i++) {
		char family[48], comp[32];
		long size;
		int threads;
		if (pa_parse(d->benches[i].run_name, family, sizeof family, comp,
			     sizeof comp, &size, &threads) &&
		    comp_ok(comp))
			return d->benches[i].config;
	}
	return -1;
}

/* Append `; name='value'` to c->extra (dropped when it would not fit). */
static void pa_extra(gmb_plot_ctx *c, const char *name, const char *value)
{
	size_t n = strlen(c->extra);
	int k = snprintf(c->extra + n, sizeof c->extra - n, "%s%s='%s'",
			 n ? "; " : "", name, value);
	if (k < 0 || (size_t)k >= sizeof c->extra - n)
		c->extra[n] = '\0';
}

/* Write the points as blocks, a block per panel key; each block's series
 * that hold a value go to `present` as one word of digits.  Returns the
 * number of blocks. */
static int pa_write(gmb_plot_ctx *c, pa_points *ps, int nseries,
		    void (*title)(gmb_plot_ctx *c, int key))
{
	char present[PA_MAX_PANELS * (PA_MAX_SERIES + 1) + 1] = "";
	char word[PA_MAX_SERIES + 1];
	int blocks = 0;
	qsort(ps->p, ps->n, sizeof ps->p[0], pa_point_cmp);
	for (size_t i = 0; i < ps->n;) {
		size_t j = i;
		bool has[PA_MAX_SERIES] = {false};
		while (j < ps->n && ps->p[j].panel_key == ps->p[i].panel_key)
			j++;
		if (blocks == PA_MAX_PANELS)
			break;
		fprintf(c->dat, "%s# panel %d: size (B), then per series: "
			"median min max (ns per object)\n", blocks ? "\n\n" : "",
			blocks + 1);
		for (size_t k = i; k < j; k++) {
			fprintf(c->dat, "%ld", ps->p[k].size);
			for (int s = 0; s < nseries; s++) {
				has[s] = has[s] || !isnan(ps->p[k].s[s][0]);
				fprintf(c->dat, " %g %g %g", ps->p[k].s[s][0],
					ps->p[k].s[s][1], ps->p[k].s[s][2]);
			}
			fputc('\n', c->dat);
		}
		size_t w = 0;
		for (int s = 0; s < nseries; s++)
			if (has[s])
				word[w++] = (char)('1' + s);
		word[w] = '\0';
		snprintf(present + strlen(present),
			 sizeof present - strlen(present), "%s%s",
			 blocks ? " " : "", w ? word : "0");
		title(c, ps->p[i].panel_key);
		blocks++;
		i = j;
	}
	if (blocks > 0)
		pa_extra(c, "present", present);
	return blocks;
}

/* ---- alloc: gomem against glibc ---------------------------------------- */

enum { PA_GOMEM, PA_GOMEM_PTR, PA_MALLOC, PA_CALLOC, PA_NSERIES };

static bool pa_glibc_comp(const char *comp)
{
	return strcmp(comp, "gomem") == 0 || strcmp(comp, "glibc") == 0 ||
	       strcmp(comp, "calloc") == 0;
}

static void pa_alloc_title(gmb_plot_ctx *c, int key)
{
	char t[128];
	int threads = key / 2;
	snprintf(t, sizeof t, "%d thread%s, collector %s", threads,
		 threads == 1 ? "" : "s",
		 key % 2 ? "on" : "off"); /* no '_': the script's spaced() */
	gmb_plot_title(c, t);
}

int gmb_plot_alloc(gmb_plot_ctx *c)
{
	static pa_points ps; /* ~60 KiB: off the stack */
	double ptr_base[PA_MAX_POINTS][2][3];
	int config = pa_config(c->d, pa_glibc_comp);
	ps.n = 0;
	for (size_t i = 0; i < PA_MAX_POINTS; i++)
		for (int k = 0; k < 2; k++)
			ptr_base[i][k][0] = ptr_base[i][k][1] =
				ptr_base[i][k][2] = NAN;
	for (size_t i = 0; i < c->d->nbenches && config >= 0; i++) {
		const gmb_results_bench *b = &c->d->benches[i];
		char family[48], comp[32];
		long size;
		int threads, s;
		if (b->config != config || b->aggregate ||
		    !pa_parse(b->run_name, family, sizeof family, comp,
			      sizeof comp, &size, &threads))
			continue;
		bool ptr = pa_family_ptr(family);
		if (strcmp(comp, "gomem") == 0)
			s = ptr ? PA_GOMEM_PTR : PA_GOMEM;
		else if (strcmp(comp, "glibc") == 0)
			s = PA_MALLOC;
		else if (strcmp(comp, "calloc") == 0)
			s = PA_CALLOC;
		else
			continue;
		pa_point *q = pa_get(&ps, threads * 2 + pa_family_gc(family), size);
		if (q == NULL)
			continue;
		if (ptr && s != PA_GOMEM_PTR) /* a fallback baseline */
			pa_stats(c->d, config, b->run_name,
				 ptr_base[q - ps.p][s - PA_MALLOC]);
		else
			pa_stats(c->d, config, b->run_name, q->s[s]);
	}
	for (size_t i = 0; i < ps.n; i++) /* noscan first, else _ptr's */
		for (int k = 0; k < 2; k++)
			if (isnan(ps.p[i].s[PA_MALLOC + k][0]))
				memcpy(ps.p[i].s[PA_MALLOC + k], ptr_base[i][k],
				       sizeof ptr_base[i][k]);
	if (ps.n == 0)
		return 0;
	fprintf(c->dat, "# alloc: ns per object by object size, gomem against "
		"glibc, a block per panel\n# series: 1 gomem (noscan) 2 gomem "
		"(pointers) 3 glibc malloc+free 4 glibc calloc+free\n");
	return pa_write(c, &ps, PA_NSERIES, pa_alloc_title);
}

/* ---- alloc_runtimes: every runtime ------------------------------------- */

/* The runtime whose benchmark component is comp (not its --runtime name:
 * "glibc" is the in-process malloc baseline, the glibc peer's component
 * is "ptmalloc"); -1 if none. */
static int pa_runtime_of(const char *comp)
{
	for (int rt = 0; rt < GMB_RT_COUNT; rt++)
		if (strcmp(gmb_runtime_get((gmb_runtime)rt)->component, comp) == 0)
			return rt;
	return -1;
}

static bool pa_peer_comp(const char *comp)
{
	return pa_runtime_of(comp) > GMB_RT_GOMEM;
}

static void pa_runtimes_title(gmb_plot_ctx *c, int key)
{
	char t[64];
	snprintf(t, sizeof t, "%d thread%s", key / 2, key / 2 == 1 ? "" : "s");
	gmb_plot_title(c, t);
}

int gmb_plot_alloc_runtimes(gmb_plot_ctx *c)
{
	static pa_points ps;
	int config = pa_config(c->d, pa_peer_comp);
	ps.n = 0;
	for (size_t i = 0; i < c->d->nbenches && config >= 0; i++) {
		const gmb_results_bench *b = &c->d->benches[i];
		char family[48], comp[32];
		long size;
		int threads, rt;
		if (b->config != config || b->aggregate ||
		    !pa_parse(b->run_name, family, sizeof family, comp,
			      sizeof comp, &size, &threads) ||
		    pa_family_gc(family) || pa_family_ptr(family) ||
		    (rt = pa_runtime_of(comp)) < 0)
			continue;
		pa_point *q = pa_get(&ps, threads * 2, size);
		if (q != NULL)
			pa_stats(c->d, config, b->run_name, q->s[rt]);
	}
	if (ps.n == 0)
		return 0;
	static gmb_plot_ctx names; /* the labels as a word list */
	names = (gmb_plot_ctx){.d = c->d};
	for (int rt = 0; rt < GMB_RT_COUNT; rt++)
		gmb_plot_title(&names, gmb_runtime_get((gmb_runtime)rt)->label);
	fprintf(c->dat, "# alloc_runtimes: ns per object by object size, every "
		"runtime, collector off, a block per thread count\n# series:");
	for (int rt = 0; rt < GMB_RT_COUNT; rt++)
		fprintf(c->dat, " %d %s (%s)", rt + 1,
			gmb_runtime_get((gmb_runtime)rt)->label,
			gmb_runtime_get((gmb_runtime)rt)->component);
	fputc('\n', c->dat);
	pa_extra(c, "names", names.titles);
	return pa_write(c, &ps, GMB_RT_COUNT, pa_runtimes_title);
}
