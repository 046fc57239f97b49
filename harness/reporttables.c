/*
 * reporttables.c — the report's result tables (report.h:
 * gmb_report_result_tables): a table per workload and configuration.
 *
 * A benchmark's workload is the first word of its name ("alloc" for
 * alloc_tiny/gomem/8/threads:1).  A row per gomem benchmark; its
 * baselines are the benchmarks whose names differ only in that component
 * ("glibc", "calloc", jemalloc, go, ...), each a column with gomem's
 * ratio to it beside.  Cells are medians over the repetitions, the
 * min-max range in parentheses or its own column.  Collector metrics
 * (pause p99, MMU at 10 ms, peak RSS) get a column when any row carries
 * them.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/compare.h"
#include "harness/report.h"

#define RP_CELL GMB_REPORT_CELL /* bytes per table cell */
#define RP_MAX_COLS 40
#define RP_MAX_BASELINES 12
#define RP_MAX_COMPS 16   /* '/'-separated components of a name */

/* Split name at '/' into comps (copied into buf); returns the count. */
static size_t rp_split(const char *name, char *buf, size_t len, char **comps)
{
	size_t n = 0;
	snprintf(buf, len, "%s", name);
	for (char *p = buf; n < RP_MAX_COMPS; p = NULL) {
		char *c = strtok(p, "/");
		if (c == NULL)
			break;
		comps[n++] = c;
	}
	return n;
}

/* The position of the "gomem" component of name, or -1. */
static int rp_gomem_at(const char *name)
{
	char buf[512], *comps[RP_MAX_COMPS];
	size_t n = rp_split(name, buf, sizeof buf, comps);
	for (size_t i = 0; i < n; i++)
		if (strcmp(comps[i], "gomem") == 0)
			return (int)i;
	return -1;
}

/* name with its component k replaced by `with`. */
static void rp_twin(const char *name, int k, const char *with, char *out,
		    size_t len)
{
	char buf[512], *comps[RP_MAX_COMPS];
	size_t n = rp_split(name, buf, sizeof buf, comps), used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, used < len ? len - used : 0,
					 "%s%s", i ? "/" : "",
					 (int)i == k ? with : comps[i]);
}

/* The workload of a benchmark: the first word of its name. */
static void rp_workload(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(name, "_/"), name);
}

/* Median and range of a metric over (config, name); false if none. */
static bool rp_stats(const gmb_results_data *r, int config, const char *name,
		     gmb_metric_id id, double s[3], size_t *reps)
{
	double v[256];
	bool agg;
	size_t n = gmb_metric_samples(r, config, name, gmb_metric_get(id), v,
				      256, &agg);
	n = n < 256 ? n : 256;
	if (n == 0)
		return false;
	s[0] = gmb_median(v, n);
	s[1] = v[0];
	s[2] = v[n - 1];
	if (reps != NULL && n > *reps)
		*reps = n;
	return true;
}

/* "26.66–28.95 ns": the range, the unit once when both ends share it. */
static void rp_range(double lo, double hi, const char *unit, char *buf,
		     size_t len)
{
	char a[40], b[40];
	gmb_metric_format(lo, unit, a, sizeof a);
	gmb_metric_format(hi, unit, b, sizeof b);
	const char *ua = strrchr(a, ' '), *ub = strrchr(b, ' ');
	if (ua != NULL && ub != NULL && strcmp(ua, ub) == 0)
		snprintf(buf, len, "%.*s–%s", (int)(ua - a), a, b);
	else
		snprintf(buf, len, "%s–%s", a, b);
}

static bool rp_exists(const gmb_results_data *r, int config, const char *name)
{
	for (size_t i = 0; i < r->nbenches; i++)
		if (r->benches[i].config == config &&
		    strcmp(r->benches[i].run_name, name) == 0)
			return true;
	return false;
}

/* true when entry i is the first of its (config, run_name). */
static bool rp_first(const gmb_results_data *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (r->benches[j].config == r->benches[i].config &&
		    strcmp(r->benches[j].run_name, r->benches[i].run_name) == 0)
			return false;
	return true;
}

/* A baseline: some component, replaced by "gomem", names a benchmark of
 * the same configuration. */
static bool rp_is_baseline(const gmb_results_data *r, int config,
			   const char *name)
{
	char buf[512], twin[512], *comps[RP_MAX_COMPS];
	size_t n = rp_split(name, buf, sizeof buf, comps);
	for (size_t k = 0; k < n; k++) {
		if (strcmp(comps[k], "gomem") == 0)
			continue;
		rp_twin(name, (int)k, "gomem", twin, sizeof twin);
		if (rp_exists(r, config, twin))
			return true;
	}
	return false;
}

/* One table: a workload under one configuration. */
typedef struct rp_tab {
	const gmb_results_data *r;
	int config;
	char workload[64];
	const char *rows[512];   /* run_names, borrowed */
	size_t nrows;
	char base[RP_MAX_BASELINES][32];
	size_t nbase;
	bool extra[GMB_METRIC_COUNT]; /* collector metrics shown */
	size_t reps;             /* most repetitions seen */
} rp_tab;

static void rp_add_baseline(rp_tab *t, const char *comp)
{
	for (size_t i = 0; i < t->nbase; i++)
		if (strcmp(t->base[i], comp) == 0)
			return;
	if (t->nbase < RP_MAX_BASELINES)
		snprintf(t->base[t->nbase++], sizeof t->base[0], "%s", comp);
}

/* The baselines of gomem row `name`: the names equal but for the gomem
 * component. */
static void rp_find_baselines(rp_tab *t, const char *name)
{
	int k = rp_gomem_at(name);
	char buf[512], *comps[RP_MAX_COMPS], twin[512];
	for (size_t i = 0; k >= 0 && i < t->r->nbenches; i++) {
		const gmb_results_bench *b = &t->r->benches[i];
		if (b->config != t->config || !rp_first(t->r, i) ||
		    rp_split(b->run_name, buf, sizeof buf, comps) <= (size_t)k ||
		    strcmp(comps[k], "gomem") == 0)
			continue;
		rp_twin(b->run_name, k, "gomem", twin, sizeof twin);
		if (strcmp(twin, name) == 0)
			rp_add_baseline(t, comps[k]);
	}
}

/* Rows, baselines and extra columns of the table. */
static void rp_collect(rp_tab *t)
{
	char w[64];
	for (size_t i = 0; i < t->r->nbenches; i++) {
		const gmb_results_bench *b = &t->r->benches[i];
		rp_workload(b->run_name, w, sizeof w);
		if (b->config != t->config || strcmp(w, t->workload) != 0 ||
		    !rp_first(t->r, i) ||
		    rp_is_baseline(t->r, t->config, b->run_name) ||
		    t->nrows == sizeof t->rows / sizeof t->rows[0])
			continue;
		t->rows[t->nrows++] = b->run_name;
		rp_find_baselines(t, b->run_name);
		for (int id = GMB_METRIC_PAUSE_P99; id < GMB_METRIC_COUNT; id++) {
			double s[3];
			if (rp_stats(t->r, t->config, b->run_name,
				     (gmb_metric_id)id, s, NULL))
				t->extra[id] = true;
		}
	}
}

static const char *rp_baseline_label(const char *comp)
{
	if (strcmp(comp, "glibc") == 0)
		return "glibc malloc";
	if (strcmp(comp, "calloc") == 0)
		return "glibc calloc";
	int rt = gmb_runtime_lookup(comp); /* a peer's: "go", "jemalloc" */
	return rt >= 0 ? gmb_runtime_get((gmb_runtime)rt)->label : comp;
}

/* The header row; returns the column count. */
static size_t rp_header(const rp_tab *t, char (*row)[RP_CELL])
{
	size_t c = 0;
	snprintf(row[c++], RP_CELL, "benchmark");
	snprintf(row[c++], RP_CELL, "gomem time/op");
	snprintf(row[c++], RP_CELL, "gomem min–max");
	for (size_t i = 0; i < t->nbase; i++) {
		snprintf(row[c++], RP_CELL, "%s (min–max)",
			 rp_baseline_label(t->base[i]));
		snprintf(row[c++], RP_CELL, "gomem / %s",
			 rp_baseline_label(t->base[i]));
	}
	for (int id = GMB_METRIC_PAUSE_P99; id < GMB_METRIC_COUNT; id++)
		if (t->extra[id])
			snprintf(row[c++], RP_CELL, "%s",
				 gmb_metric_get((gmb_metric_id)id)->label);
	return c;
}

/* A baseline's two cells: its time (range) and gomem's ratio to it. */
static void rp_baseline_cells(rp_tab *t, const char *name, size_t b,
			      const double g[3], char (*cell)[RP_CELL])
{
	char twin[512], range[84], med[40]; /* med + range < RP_CELL */
	double s[3];
	rp_twin(name, rp_gomem_at(name), t->base[b], twin, sizeof twin);
	if (rp_gomem_at(name) < 0 ||
	    !rp_stats(t->r, t->config, twin, GMB_METRIC_TIME, s, &t->reps)) {
		snprintf(cell[0], RP_CELL, "–");
		snprintf(cell[1], RP_CELL, "–");
		return;
	}
	rp_range(s[1], s[2], "ns", range, sizeof range);
	snprintf(cell[0], RP_CELL, "%.40s (%.50s)",
		 gmb_metric_format(s[0], "ns", med, sizeof med), range);
	snprintf(cell[1], RP_CELL, "%.3g", g[0] / s[0]);
}

static void rp_row(rp_tab *t, const char *name, char (*row)[RP_CELL])
{
	double g[3] = {NAN, NAN, NAN}, s[3];
	size_t c = 0;
	snprintf(row[c++], RP_CELL, "%s", name);
	rp_stats(t->r, t->config, name, GMB_METRIC_TIME, g, &t->reps);
	gmb_metric_format(g[0], "ns", row[c++], RP_CELL);
	rp_range(g[1], g[2], "ns", row[c++], RP_CELL);
	for (size_t b = 0; b < t->nbase; b++, c += 2)
		rp_baseline_cells(t, name, b, g, &row[c]);
	for (int id = GMB_METRIC_PAUSE_P99; id < GMB_METRIC_COUNT; id++) {
		if (!t->extra[id])
			continue;
		const gmb_metric *m = gmb_metric_get((gmb_metric_id)id);
		if (rp_stats(t->r, t->config, name, (gmb_metric_id)id, s, NULL))
			gmb_metric_format(s[0], m->unit, row[c++], RP_CELL);
		else
			snprintf(row[c++], RP_CELL, "–");
	}
}

static bool rp_table_of(rp_tab *t, gmb_report_table_fn emit,
			gmb_report_note_fn note, void *ctx)
{
	rp_collect(t);
	if (t->nrows == 0)
		return false;
	char(*cells)[RP_CELL] = calloc((t->nrows + 1) * RP_MAX_COLS, RP_CELL);
	if (cells == NULL)
		return false;
	size_t ncols = rp_header(t, cells);
	for (size_t i = 0; i < t->nrows; i++)
		rp_row(t, t->rows[i], cells + (i + 1) * ncols);
	char title[600];
	if (t->r->nconfigs > 1)
		snprintf(title, sizeof title, "%s (configuration %d: %s)",
			 t->workload, t->config, t->r->configs[t->config].label);
	else
		snprintf(title, sizeof title, "%s", t->workload);
	emit(title, cells, t->nrows + 1, ncols, ctx);
	char text[2 * GMB_REPORT_CELL];
	snprintf(text, sizeof text, "Medians over %zu repetition%s of the "
		 "wall-clock time per operation%s.", t->reps, t->reps == 1 ? "" : "s",
		 t->nbase ? "; a ratio is gomem's median over the baseline's "
			    "(below 1: gomem is faster)" : "");
	note(text, ctx);
	free(cells);
	return true;
}

size_t gmb_report_result_tables(const gmb_results_data *r, gmb_report_table_fn emit,
				gmb_report_note_fn note, void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nbenches; i++) {
		const gmb_results_bench *b = &r->benches[i];
		char w[64], w2[64];
		rp_workload(b->run_name, w, sizeof w);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			rp_workload(r->benches[j].run_name, w2, sizeof w2);
			seen = r->benches[j].config == b->config &&
			       strcmp(w, w2) == 0;
		}
		if (seen)
			continue;
		static rp_tab t; /* ~5 KiB of row pointers: off the stack */
		memset(&t, 0, sizeof t);
		t.r = r;
		t.config = b->config;
		snprintf(t.workload, sizeof t.workload, "%s", w);
		n += rp_table_of(&t, emit, note, ctx);
	}
	return n;
}
