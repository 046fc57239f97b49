/*
 * reportsweep.c — the report's GOGC and memory-limit tables (report.h):
 * what a `run gogc_sweep` or `run memlimit_sweep` (or any run whose
 * configurations vary GOGC or the memory limit) measured, a row per
 * setting.
 *
 * 1. A benchmark with collector counters (gc_cycles) is tabled once per
 *    group of configurations that differ only in the axis' setting (the
 *    configuration label without that field).
 * 2. The group's configurations are ordered along the axis (GOGC rising,
 *    off last: more memory for less collection; memory limit from off
 *    down: ever tighter).
 * 3. Each row: the setting, then the medians over the repetitions of the
 *    columns of sw_columns; "–" where the benchmark lacks a counter.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/compare.h"
#include "harness/report.h"
#include "harness/settings.h"

/* The columns after the setting: (header, unit, counter; NULL: time). */
static const gmb_metric sw_columns[] = {
	{"items/s", "/s", "items_per_second", true},
	{"time/op", "ns", NULL, false},
	{"GC CPU fraction", "", "gc_cpu_fraction", false},
	{"peak RSS", "B", "peak_rss_bytes", false},
	{"cycles", "", "gc_cycles", false},
	{"pause p50", "ns", "pause_p50_ns", false},
	{"pause p99", "ns", "pause_p99_ns", false},
	{"pause max", "ns", "pause_max_ns", false},
};
#define SW_NMETRICS (sizeof sw_columns / sizeof sw_columns[0])
#define SW_NCOLS (SW_NMETRICS + 2) /* the setting, the metrics, reps */

static const char *const sw_field[] = {"gogc=", "memlimit="};

/* The label of configuration k without the axis' field. */
static void sw_rest(const gmb_results_data *d, int k, gmb_sweep_axis axis,
		    char *buf, size_t len)
{
	const char *label = d->configs[k].label ? d->configs[k].label : "";
	const char *field = sw_field[axis];
	size_t n = 0;
	buf[0] = '\0';
	for (const char *p = label; *p != '\0';) {
		size_t c = strcspn(p, ",");
		if (strncmp(p, field, strlen(field)) != 0 && n + c + 2 < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%.*s",
					      n ? "," : "", (int)c, p);
		p += c + (p[c] == ',');
	}
}

/* The position along the axis: smaller comes first. */
static double sw_order(const gmb_results_data *d, int k, gmb_sweep_axis axis)
{
	if (axis == GMB_AXIS_GOGC)
		return d->configs[k].gogc < 0 ? 1e18 : d->configs[k].gogc;
	return -(double)d->configs[k].memory_limit; /* off = INT64_MAX first */
}

static void sw_value(const gmb_results_data *d, int k, gmb_sweep_axis axis,
		     char *buf, size_t len)
{
	if (axis == GMB_AXIS_MEMLIMIT)
		gmb_memlimit_format(d->configs[k].memory_limit, buf, len);
	else if (d->configs[k].gogc < 0)
		snprintf(buf, len, "off");
	else
		snprintf(buf, len, "%d", d->configs[k].gogc);
}

static bool sw_has(const gmb_results_data *d, int config, const char *name,
		   const gmb_metric *m)
{
	double v;
	bool agg;
	return gmb_metric_samples(d, config, name, m, &v, 1, &agg) > 0;
}

/* The configurations in the group of (name, rest), along the axis. */
static size_t sw_group(const gmb_results_data *d, const char *name,
		       const char *rest, gmb_sweep_axis axis, int *out)
{
	char r[512];
	size_t n = 0;
	for (size_t k = 0; k < d->nconfigs; k++) {
		sw_rest(d, (int)k, axis, r, sizeof r);
		if (strcmp(r, rest) != 0 || !sw_has(d, (int)k, name, &sw_columns[1]))
			continue;
		size_t i = n++;
		for (; i > 0 && sw_order(d, out[i - 1], axis) >
				       sw_order(d, (int)k, axis); i--)
			out[i] = out[i - 1];
		out[i] = (int)k;
	}
	return n;
}

static void sw_row(const gmb_results_data *d, int k, const char *name,
		   gmb_sweep_axis axis, char (*row)[GMB_REPORT_CELL])
{
	double v[256];
	bool agg;
	size_t reps = 0;
	sw_value(d, k, axis, row[0], GMB_REPORT_CELL);
	for (size_t m = 0; m < SW_NMETRICS; m++) {
		size_t n = gmb_metric_samples(d, k, name, &sw_columns[m], v, 256,
					      &agg);
		n = n < 256 ? n : 256;
		reps = n > reps ? n : reps;
		if (n == 0)
			snprintf(row[m + 1], GMB_REPORT_CELL, "–");
		else
			gmb_metric_format(gmb_median(v, n), sw_columns[m].unit,
					  row[m + 1], GMB_REPORT_CELL);
	}
	snprintf(row[SW_NCOLS - 1], GMB_REPORT_CELL, "%zu", reps);
}

/* true when entry i is the first of its (run_name, group). */
static bool sw_first(const gmb_results_data *d, size_t i, gmb_sweep_axis axis)
{
	char a[512], b[512];
	sw_rest(d, d->benches[i].config, axis, a, sizeof a);
	for (size_t j = 0; j < i; j++) {
		if (strcmp(d->benches[j].run_name, d->benches[i].run_name) != 0)
			continue;
		sw_rest(d, d->benches[j].config, axis, b, sizeof b);
		if (strcmp(a, b) == 0)
			return false;
	}
	return true;
}

/* The table of entry i's benchmark and group; false when it has fewer
 * than two values of the axis. */
static bool sw_table(const gmb_results_data *d, size_t i, gmb_sweep_axis axis,
		     gmb_report_table_fn emit, void *ctx)
{
	const char *name = d->benches[i].run_name;
	char rest[512], title[1024];
	int *group = calloc(d->nconfigs + 1, sizeof *group);
	char(*cells)[GMB_REPORT_CELL] =
		calloc((d->nconfigs + 1) * SW_NCOLS, GMB_REPORT_CELL);
	bool ok = group != NULL && cells != NULL;
	size_t n = 0;
	if (ok) {
		sw_rest(d, d->benches[i].config, axis, rest, sizeof rest);
		n = sw_group(d, name, rest, axis, group);
		ok = n >= 2;
	}
	if (ok) {
		snprintf(cells[0], GMB_REPORT_CELL, "%s",
			 axis == GMB_AXIS_GOGC ? "GOGC" : "memory limit");
		for (size_t m = 0; m < SW_NMETRICS; m++)
			snprintf(cells[m + 1], GMB_REPORT_CELL, "%s",
				 sw_columns[m].label);
		snprintf(cells[SW_NCOLS - 1], GMB_REPORT_CELL, "reps");
		for (size_t r = 0; r < n; r++)
			sw_row(d, group[r], name, axis, cells + (r + 1) * SW_NCOLS);
		snprintf(title, sizeof title, "%s (%s)", name, rest);
		emit(title, cells, n + 1, SW_NCOLS, ctx);
	}
	free(group);
	free(cells);
	return ok;
}

size_t gmb_report_sweep_tables(const gmb_results_data *d, gmb_sweep_axis axis,
			       gmb_report_table_fn emit, void *ctx)
{
	static const gmb_metric cycles = {"cycles", "", "gc_cycles", false};
	size_t tables = 0;
	for (size_t i = 0; i < d->nbenches; i++) {
		const gmb_results_bench *b = &d->benches[i];
		if (b->aggregate || !sw_has(d, b->config, b->run_name, &cycles) ||
		    !sw_first(d, i, axis))
			continue;
		tables += sw_table(d, i, axis, emit, ctx);
	}
	return tables;
}
