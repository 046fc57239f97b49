/*
 * reportpeers.c — the report's part about peers (run --runtime): what ran
 * and what was skipped, how the runs were interleaved, and the fidelity
 * table, gomem against Go (peers.h: gmb_fidelity_judge decides a flag).
 *
 * The fidelity table: a row per gomem benchmark that counted cycles and
 * has a Go twin (the same name with "go" for "gomem") in the same
 * configuration: the medians over the repetitions of cycles per
 * iteration (a run's gc_cycles over its iterations: runs last different
 * numbers of iterations, the work per iteration is the same) and of the
 * peak heap (peak_heap_bytes: the largest heap at the end of a cycle's
 * mark), each difference in percent, and a verdict in words.
 *
 * The pause table: per configuration where gomem and Go both have pauses
 * (pauses.csv; plotpauses.h pairs the benchmarks and weighs them), a row
 * per runtime with its cycle count and the weighted p50, p90, p99 and
 * maximum of the pause per cycle, the numbers behind pause_cdf_go.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/compare.h"
#include "harness/peers.h"
#include "harness/plotpauses.h"
#include "harness/report.h"

#define RPP_MAX_ROWS 256

/* Median over (config, name)'s repetitions of counter `num`, divided by
 * the entry's iterations when per_iter; NaN when none has it. */
static double rpp_median(const gmb_results_data *d, int config,
			 const char *name, const char *num, bool per_iter)
{
	double v[256];
	size_t n = 0;
	for (size_t i = 0; i < d->nbenches && n < 256; i++) {
		const gmb_results_bench *b = &d->benches[i];
		if (b->config != config || b->aggregate || b->error ||
		    strcmp(b->run_name, name) != 0)
			continue;
		for (size_t k = 0; k < b->ncounters; k++)
			if (strcmp(b->counters[k].name, num) == 0 &&
			    !isnan(b->counters[k].value))
				v[n++] = per_iter && b->iterations > 0
					? b->counters[k].value / (double)b->iterations
					: b->counters[k].value;
	}
	return gmb_median(v, n);
}

/* name with its "/gomem/" component turned to "/go/"; false if none. */
static bool rpp_go_twin(const char *name, char *buf, size_t len)
{
	const char *g = strstr(name, "/gomem/");
	if (g == NULL)
		return false;
	snprintf(buf, len, "%.*s/go/%s", (int)(g - name), name, g + 7);
	return true;
}

void gmb_report_fidelity_row(const gmb_fidelity *f, char *verdict,
			     size_t len)
{
	if (isnan(f->cycles_pct) && isnan(f->heap_pct)) {
		snprintf(verdict, len, "no Go figures to compare");
		return;
	}
	int n = 0;
	if (f->cycles_few && !isnan(f->cycles_pct)) {
		n = snprintf(verdict, len, "cycles not judged: %.0f (gomem) and %.0f "
			     "(Go) a run, under %.0f; ", f->gomem_run_cycles,
			     f->go_run_cycles, GMB_FIDELITY_MIN_CYCLES);
		if (n < 0 || (size_t)n >= len)
			return;
		if (!f->heap_flag) {
			snprintf(verdict + n, len - (size_t)n, isnan(f->heap_pct) ?
				 "no Go peak heap" : "peak heap within %.0f%%",
				 GMB_FIDELITY_HEAP_PCT);
			return;
		}
		verdict += n;
		len -= (size_t)n;
		n = 0;
	} else if (!f->cycles_flag && !f->heap_flag) {
		snprintf(verdict, len, "within %.0f%% (cycles) and %.0f%% (peak "
			 "heap)", GMB_FIDELITY_CYCLES_PCT, GMB_FIDELITY_HEAP_PCT);
		return;
	}
	if (f->cycles_flag)
		n = snprintf(verdict, len, "DIFFERS: gomem runs %.0f%% %s cycles "
			     "than Go", fabs(f->cycles_pct),
			     f->cycles_pct > 0 ? "more" : "fewer");
	if (f->heap_flag && n >= 0 && (size_t)n < len)
		snprintf(verdict + n, len - (size_t)n, "%sDIFFERS: gomem's peak "
			 "heap is %.0f%% %s than Go's", n ? "; " : "",
			 fabs(f->heap_pct), f->heap_pct > 0 ? "larger" : "smaller");
}

static void rpp_cell_pct(char *cell, double pct)
{
	if (isnan(pct))
		snprintf(cell, GMB_REPORT_CELL, "–");
	else
		snprintf(cell, GMB_REPORT_CELL, "%+.0f%%", pct);
}

static void rpp_cell_num(char *cell, double v, const char *unit)
{
	if (isnan(v))
		snprintf(cell, GMB_REPORT_CELL, "–");
	else
		gmb_metric_format(v, unit, cell, GMB_REPORT_CELL);
}

/* The row of (config, gomem benchmark `name`); false when it has no Go
 * twin or no cycle count.  *flagged is set when the verdict flags. */
static bool rpp_row(const gmb_results_data *d, int config, const char *name,
		    char (*row)[GMB_REPORT_CELL], bool *flagged)
{
	char twin[512];
	if (!rpp_go_twin(name, twin, sizeof twin))
		return false;
	gmb_fidelity f = {
		.gomem_cycles = rpp_median(d, config, name, "gc_cycles", true),
		.go_cycles = rpp_median(d, config, twin, "gc_cycles", true),
		.gomem_run_cycles = rpp_median(d, config, name, "gc_cycles", false),
		.go_run_cycles = rpp_median(d, config, twin, "gc_cycles", false),
		.gomem_heap = rpp_median(d, config, name, "peak_heap_bytes", false),
		.go_heap = rpp_median(d, config, twin, "peak_heap_bytes", false),
	};
	if (isnan(f.gomem_cycles) || isnan(f.go_cycles))
		return false;
	gmb_fidelity_judge(&f);
	snprintf(row[0], GMB_REPORT_CELL, "%s", name);
	snprintf(row[1], GMB_REPORT_CELL, "%.60s", d->configs[config].label);
	snprintf(row[2], GMB_REPORT_CELL, "%.4g", f.gomem_cycles);
	snprintf(row[3], GMB_REPORT_CELL, "%.4g", f.go_cycles);
	rpp_cell_pct(row[4], f.cycles_pct);
	rpp_cell_num(row[5], f.gomem_heap, "B");
	rpp_cell_num(row[6], f.go_heap, "B");
	rpp_cell_pct(row[7], f.heap_pct);
	gmb_report_fidelity_row(&f, row[8], GMB_REPORT_CELL);
	*flagged = f.cycles_flag || f.heap_flag;
	return true;
}

/* gomem's alloc_* families without _gc run with the collector off (batch
 * sweeps): no cycles to compare. */
static bool rpp_collector_off(const char *name)
{
	size_t k = strcspn(name, "/");
	return strncmp(name, "alloc_", 6) == 0 &&
	       !(k >= 3 && strncmp(name + k - 3, "_gc", 3) == 0);
}

static bool rpp_first(const gmb_results_data *d, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (d->benches[j].config == d->benches[i].config &&
		    strcmp(d->benches[j].run_name, d->benches[i].run_name) == 0)
			return false;
	return true;
}

size_t gmb_report_fidelity(const gmb_results_data *d, gmb_report_table_fn emit,
			   void *ctx, size_t *flagged)
{
	static const char *const head[] = {
		"benchmark", "configuration", "gomem cycles/iter",
		"Go cycles/iter", "cycles Δ", "gomem peak heap", "Go peak heap",
		"peak heap Δ", "verdict"};
	enum { NCOL = 9 };
	char(*cells)[GMB_REPORT_CELL] =
		calloc((RPP_MAX_ROWS + 1) * NCOL, GMB_REPORT_CELL);
	size_t rows = 0;
	*flagged = 0;
	if (cells == NULL)
		return 0;
	for (size_t c = 0; c < NCOL; c++)
		snprintf(cells[c], GMB_REPORT_CELL, "%s", head[c]);
	for (size_t i = 0; i < d->nbenches && rows < RPP_MAX_ROWS; i++) {
		const gmb_results_bench *b = &d->benches[i];
		bool flag = false;
		if (!rpp_first(d, i) || strstr(b->run_name, "/gomem/") == NULL ||
		    rpp_collector_off(b->run_name))
			continue;
		if (rpp_row(d, b->config, b->run_name,
			    &cells[(rows + 1) * NCOL], &flag)) {
			rows++;
			*flagged += flag;
		}
	}
	if (rows > 0)
		emit("Fidelity: gomem against Go", cells, rows + 1, NCOL, ctx);
	free(cells);
	return rows;
}

size_t gmb_report_peer_notes(const gmb_results_data *d,
			     char (*lines)[2 * GMB_REPORT_CELL], size_t max)
{
	json_t *rt = json_object_get(json_object_get(d->context_json, "run"),
				     "runtimes");
	size_t n = 0, k;
	json_t *v;
	if (rt == NULL)
		return 0;
	char ran[GMB_REPORT_CELL] = "";
	size_t used = 0;
	json_array_foreach(json_object_get(rt, "run"), k, v)
		used += (size_t)snprintf(ran + used, used < sizeof ran ? sizeof ran - used : 0,
					 "%s%s", k ? ", " : "", json_string_value(v));
	if (n < max)
		snprintf(lines[n++], sizeof lines[0], "Runtimes measured: %s, in "
			 "%d interleaved rounds (round r runs every "
			 "configuration's runtimes once, one repetition each, "
			 "in --runtime's order rotated left by r, so that drift "
			 "of the machine lands on all alike).", ran,
			 (int)json_integer_value(json_object_get(rt, "rounds")));
	json_array_foreach(json_object_get(rt, "skipped"), k, v)
		if (n < max)
			snprintf(lines[n++], sizeof lines[0], "Skipped: %s.",
				 json_string_value(v));
	return n;
}

size_t gmb_report_pause_table(const gmb_results_data *d,
			      gmb_report_table_fn emit, void *ctx)
{
	static const char *const head[] = {
		"configuration", "benchmarks", "runtime", "cycles", "p50", "p90",
		"p99", "max"};
	static const double q[] = {0.5, 0.9, 0.99, 1};
	enum { NCOL = 8 };
	gmb_pause_pair *p;
	size_t np = gmb_pause_pairs(d, &p);
	char(*cells)[GMB_REPORT_CELL] =
		calloc((2 * np + 1) * NCOL, GMB_REPORT_CELL);
	if (np == 0 || cells == NULL) {
		free(cells);
		gmb_pause_pairs_free(p, np);
		return 0;
	}
	for (size_t c = 0; c < NCOL; c++)
		snprintf(cells[c], GMB_REPORT_CELL, "%s", head[c]);
	for (size_t i = 0; i < 2 * np; i++) {
		const gmb_pause_pair *pp = &p[i / 2];
		const gmb_pause_dist *s = i % 2 ? &pp->go : &pp->gomem;
		char(*row)[GMB_REPORT_CELL] = &cells[(i + 1) * NCOL];
		snprintf(row[0], GMB_REPORT_CELL, "%.200s",
			 d->configs[pp->config].label);
		snprintf(row[1], GMB_REPORT_CELL, "%zu", pp->nbench);
		snprintf(row[2], GMB_REPORT_CELL, "%s", i % 2 ? "Go" : "gomem");
		snprintf(row[3], GMB_REPORT_CELL, "%zu", s->n);
		for (size_t k = 0; k < 4; k++)
			gmb_metric_format(gmb_pause_quantile(s, q[k]), "ns",
					  row[4 + k], GMB_REPORT_CELL);
	}
	emit("Pause percentiles: gomem against Go", cells, 2 * np + 1, NCOL, ctx);
	free(cells);
	gmb_pause_pairs_free(p, np);
	return np;
}
