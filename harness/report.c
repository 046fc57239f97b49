/*
 * report.c — `gomem-bench report DIR` (see report.h).
 *
 * 1. Load DIR (results.h).
 * 2. Open DIR/.report.md.partial and DIR/.report.html.partial; every
 *    piece of the page (heading, paragraph, table, figure) is written to
 *    both at once through the rp_* writer, Markdown on one side, escaped
 *    HTML on the other.
 * 3. The page: the run and its machine (every scalar field of
 *    context.json's sections, so new fields appear without a change
 *    here); the configurations; when the configurations vary GOGC or the
 *    memory limit, a GOGC table and a memory-limit table per benchmark
 *    with collector counters, a row per setting (reportsweep.c); a table
 *    per workload and configuration; the figures of DIR/plots/ that
 *    exist, in plot.c's order.  In a run --runtime, the section on the
 *    runtimes holds the figures that compare them (plot.h: peers) and
 *    the pause table of gomem against Go (reportpeers.c).
 * 4. Rename both files into place.
 *
 * A table per workload: a benchmark's workload is the first word of its
 * name ("alloc" for alloc_tiny/gomem/8/threads:1).  A row per gomem
 * benchmark; its baselines are the benchmarks whose names differ only in
 * that component ("glibc", "calloc", later jemalloc, ...), each a column
 * with gomem's ratio to it beside.  Cells are medians over the
 * repetitions, the min-max range in parentheses or its own column.
 * Collector metrics (pause p99, MMU at 10 ms, peak RSS) get a column when
 * any row carries them.
 */
#include "harness/report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/compare.h"
#include "harness/plot.h"

#define RP_CELL GMB_REPORT_CELL /* bytes per table cell */
#define RP_MAX_COLS 40
#define RP_MAX_BASELINES 12
#define RP_MAX_COMPS 16   /* '/'-separated components of a name */

/* ---- writing Markdown and HTML at once --------------------------------- */

typedef struct rp_doc {
	FILE *md, *html;
} rp_doc;

static void rp_html_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void rp_md_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("|*_`<>[]\\", *s) != NULL)
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void rp_heading(rp_doc *d, int level, const char *text)
{
	fprintf(d->md, "\n%.*s ", level, "######");
	rp_md_text(d->md, text);
	fprintf(d->md, "\n\n");
	fprintf(d->html, "<h%d>", level);
	rp_html_text(d->html, text);
	fprintf(d->html, "</h%d>\n", level);
}

static void rp_para(rp_doc *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rp_para(rp_doc *d, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	rp_md_text(d->md, buf);
	fprintf(d->md, "\n\n");
	fprintf(d->html, "<p>");
	rp_html_text(d->html, buf);
	fprintf(d->html, "</p>\n");
}

/* A table: row 0 is the header; cells[r * ncols + c]. */
static void rp_table(rp_doc *d, char (*cells)[RP_CELL], size_t nrows,
		     size_t ncols)
{
	fprintf(d->html, "<table>\n");
	for (size_t r = 0; r < nrows; r++) {
		const char *tag = r == 0 ? "th" : "td";
		fprintf(d->md, "|");
		fprintf(d->html, "<tr>");
		for (size_t c = 0; c < ncols; c++) {
			fputc(' ', d->md);
			rp_md_text(d->md, cells[r * ncols + c]);
			fprintf(d->md, " |");
			fprintf(d->html, "<%s>", tag);
			rp_html_text(d->html, cells[r * ncols + c]);
			fprintf(d->html, "</%s>", tag);
		}
		fprintf(d->md, "\n");
		fprintf(d->html, "</tr>\n");
		for (size_t c = 0; r == 0 && c < ncols; c++)
			fprintf(d->md, "%s---|", c == 0 ? "|" : "");
		if (r == 0)
			fprintf(d->md, "\n");
	}
	fprintf(d->md, "\n");
	fprintf(d->html, "</table>\n");
}

/* ---- figures ----------------------------------------------------------- */

/* Copy the file `path` into f as base64 (RFC 4648).  false when it
 * cannot be read. */
static bool rp_base64_file(FILE *f, const char *path)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	FILE *in = fopen(path, "rb");
	unsigned char b[3];
	size_t n;
	if (in == NULL)
		return false;
	while ((n = fread(b, 1, 3, in)) > 0) {
		unsigned v = (unsigned)b[0] << 16 |
			     (n > 1 ? (unsigned)b[1] << 8 : 0) |
			     (n > 2 ? b[2] : 0);
		fputc(abc[v >> 18 & 63], f);
		fputc(abc[v >> 12 & 63], f);
		fputc(n > 1 ? abc[v >> 6 & 63] : '=', f);
		fputc(n > 2 ? abc[v & 63] : '=', f);
	}
	bool ok = !ferror(in);
	fclose(in);
	return ok;
}

/* The figures plot drew, in its order, of those whose `peers` flag is
 * `peers` (both kinds when all); returns how many. */
static int rp_figures(rp_doc *d, const char *dir, bool peers, bool all)
{
	int shown = 0;
	for (size_t i = 0; i < gmb_plot_figure_count(); i++) {
		const gmb_plot_figure *f = gmb_plot_figure_at(i);
		char png[4200];
		snprintf(png, sizeof png, "%s/" GMB_PLOT_SUBDIR "/%s.png", dir,
			 f->name);
		if ((!all && f->peers != peers) || access(png, R_OK) != 0)
			continue;
		rp_heading(d, 3, f->title);
		fprintf(d->md, "![%s](" GMB_PLOT_SUBDIR "/%s.png)\n\n", f->title,
			f->name);
		fprintf(d->html, "<figure><img alt=\"%s\" src=\"data:image/png;"
			"base64,", f->title);
		bool ok = rp_base64_file(d->html, png);
		fprintf(d->html, "\"><figcaption>");
		rp_html_text(d->html, f->caption);
		fprintf(d->html, "</figcaption></figure>\n");
		rp_md_text(d->md, f->caption);
		fprintf(d->md, " (SVG: " GMB_PLOT_SUBDIR "/%s.svg)\n\n", f->name);
		shown += ok;
	}
	return shown;
}

/* ---- the context ------------------------------------------------------- */

static bool rp_scalar(const json_t *v, char *buf, size_t len);

/* An object's scalar members as "k=v k=v" (one level deep). */
static bool rp_object(const json_t *v, char *buf, size_t len)
{
	const char *key;
	json_t *e;
	size_t n = 0;
	buf[0] = '\0';
	json_object_foreach((json_t *)v, key, e) {
		char one[RP_CELL];
		if (json_is_object(e) || json_is_array(e) ||
		    !rp_scalar(e, one, sizeof one))
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s=%s",
				      n ? " " : "", key, one);
	}
	return n > 0;
}

/* An array of scalars or of objects, joined by ", " or "; ". */
static bool rp_array(const json_t *v, char *buf, size_t len)
{
	size_t n = 0, i;
	json_t *e;
	buf[0] = '\0';
	json_array_foreach(v, i, e) {
		char one[RP_CELL];
		bool obj = json_is_object(e);
		if (json_is_array(e) || !(obj ? rp_object(e, one, sizeof one)
					      : rp_scalar(e, one, sizeof one)))
			return false;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      i ? (obj ? "; " : ", ") : "", one);
	}
	return n > 0;
}

/* A context value as text; false for what a cell cannot show. */
static bool rp_scalar(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_null(v))
		snprintf(buf, len, "unset");
	else if (json_is_array(v))
		return rp_array(v, buf, len);
	else if (json_is_object(v))
		return rp_object(v, buf, len);
	else
		return false;
	return true;
}

/* Every section of context.json (an object other than the
 * configurations) as key-value rows. */
static void rp_context(rp_doc *d, const gmb_results_data *r)
{
	size_t cap = 256, n = 1;
	char(*cells)[RP_CELL] = calloc(cap * 2, RP_CELL);
	const char *sec, *key;
	json_t *obj, *v;
	if (cells == NULL || !json_is_object(r->context_json)) {
		free(cells);
		return;
	}
	snprintf(cells[0], RP_CELL, "field");
	snprintf(cells[1], RP_CELL, "value");
	json_object_foreach(r->context_json, sec, obj) {
		if (!json_is_object(obj))
			continue;
		json_object_foreach(obj, key, v) {
			if (n < cap && rp_scalar(v, cells[2 * n + 1], RP_CELL))
				snprintf(cells[2 * n++], RP_CELL, "%s.%s", sec, key);
		}
	}
	rp_table(d, cells, n, 2);
	free(cells);
}

static void rp_configs(rp_doc *d, const gmb_results_data *r)
{
	char(*cells)[RP_CELL] = calloc((r->nconfigs + 1) * 2, RP_CELL);
	if (cells == NULL)
		return;
	snprintf(cells[0], RP_CELL, "configuration");
	snprintf(cells[1], RP_CELL, "settings");
	for (size_t i = 0; i < r->nconfigs; i++) {
		snprintf(cells[2 * i + 2], RP_CELL, "%zu", i);
		snprintf(cells[2 * i + 3], RP_CELL, "%s", r->configs[i].label);
	}
	rp_table(d, cells, r->nconfigs + 1, 2);
	free(cells);
}

/* ---- the tables -------------------------------------------------------- */

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

static void rp_table_of(rp_doc *d, rp_tab *t)
{
	rp_collect(t);
	if (t->nrows == 0)
		return;
	char(*cells)[RP_CELL] = calloc((t->nrows + 1) * RP_MAX_COLS, RP_CELL);
	if (cells == NULL)
		return;
	size_t ncols = rp_header(t, cells);
	for (size_t i = 0; i < t->nrows; i++)
		rp_row(t, t->rows[i], cells + (i + 1) * ncols);
	char title[600];
	if (t->r->nconfigs > 1)
		snprintf(title, sizeof title, "%s (configuration %d: %s)",
			 t->workload, t->config, t->r->configs[t->config].label);
	else
		snprintf(title, sizeof title, "%s", t->workload);
	rp_heading(d, 3, title);
	rp_table(d, cells, t->nrows + 1, ncols);
	rp_para(d, "Medians over %zu repetition%s of the wall-clock time per "
		"operation%s.", t->reps, t->reps == 1 ? "" : "s",
		t->nbase ? "; a ratio is gomem's median over the baseline's "
			   "(below 1: gomem is faster)" : "");
	free(cells);
}

/* A table per (workload, configuration), in the order the run wrote
 * them. */
static void rp_tables(rp_doc *d, const gmb_results_data *r)
{
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
		rp_table_of(d, &t);
	}
}

/* ---- the GOGC and memory-limit tables ---------------------------------- */

static void rp_sweep_emit(const char *title, char (*cells)[RP_CELL],
			  size_t nrows, size_t ncols, void *ctx)
{
	rp_doc *d = ctx;
	rp_heading(d, 3, title);
	rp_table(d, cells, nrows, ncols);
}

static void rp_sweep_count(const char *title, char (*cells)[RP_CELL],
			   size_t nrows, size_t ncols, void *ctx)
{
	(void)title, (void)cells, (void)nrows, (void)ncols, (void)ctx;
}

/* A section per axis the run varies (a sweep's, or run --gogc= lists). */
static void rp_sweeps(rp_doc *d, const gmb_results_data *r)
{
	static const struct {
		gmb_sweep_axis axis;
		const char *heading, *what;
	} axes[] = {
		{GMB_AXIS_GOGC, "GOGC", "GOGC value"},
		{GMB_AXIS_MEMLIMIT, "Memory limit", "memory limit"},
	};
	for (size_t a = 0; a < sizeof axes / sizeof axes[0]; a++) {
		/* counted first: the section's heading goes before them */
		if (gmb_report_sweep_tables(r, axes[a].axis, rp_sweep_count,
					    NULL) == 0)
			continue;
		rp_heading(d, 2, axes[a].heading);
		rp_para(d, "A row per %s the run measured: medians over the "
			"repetitions of items per second, time per operation, the "
			"collector's share of the CPU (GC CPU fraction: its CPU "
			"time over wall time x procs, during the benchmark), the "
			"benchmark's peak RSS, the cycles it ran and its pause "
			"percentiles (a cycle's stops added up, as Go's PauseNs).",
			axes[a].what);
		gmb_report_sweep_tables(r, axes[a].axis, rp_sweep_emit, d);
	}
}

/* ---- peers ------------------------------------------------------------- */

static void rp_fidelity_count(const char *title, char (*cells)[RP_CELL],
			      size_t nrows, size_t ncols, void *ctx)
{
	(void)title, (void)cells, (void)nrows, (void)ncols, (void)ctx;
}

/* The pause table (gomem against Go) and the figures that compare
 * runtimes (plot.h: peers), when the run has them. */
static void rp_peer_figures(rp_doc *d, const gmb_results_data *r)
{
	if (gmb_report_pause_table(r, rp_fidelity_count, NULL) > 0) {
		rp_para(d, "Pauses, below: the stop-the-world time of each "
			"collection cycle (its stops added up, as Go's "
			"MemStats.PauseNs; the last repetition's cycles, at most "
			"256 per benchmark, from pauses.csv), over the benchmarks "
			"that gomem and Go both ran, each benchmark weighing the "
			"same (so that one with many short cycles does not drown "
			"the others).");
		gmb_report_pause_table(r, rp_sweep_emit, d);
	}
	rp_figures(d, r->dir, true, false);
}

/* The section of a run --runtime: what ran and what was skipped, the
 * pauses and figures that compare runtimes, then the fidelity table and
 * what it found, in plain words.  false when the run has no such
 * section. */
static bool rp_peers(rp_doc *d, const gmb_results_data *r)
{
	char lines[16][2 * RP_CELL];
	size_t n = gmb_report_peer_notes(r, lines, 16), flagged, rows;
	if (n == 0)
		return false;
	rp_heading(d, 2, "Runtimes side by side");
	for (size_t i = 0; i < n; i++)
		rp_para(d, "%s", lines[i]);
	rp_para(d, "In the tables under Results, a peer is a column beside "
		"gomem with gomem's ratio to it; its benchmarks carry the same "
		"name with the runtime's component (binary_trees/go/18 beside "
		"binary_trees/gomem/18).");
	rp_peer_figures(d, r);
	rows = gmb_report_fidelity(r, rp_fidelity_count, NULL, &flagged);
	if (rows == 0)
		return true;
	rp_para(d, "Fidelity, below: per benchmark and setting: cycles per iteration and the "
		"peak heap (the largest heap at the end of a cycle's mark; "
		"Go's from GODEBUG=gctrace=1, to 1 MiB), medians over the "
		"repetitions.  A row is flagged when the cycles differ by more "
		"than %.0f%% or the peak heap by more than %.0f%%.",
		GMB_FIDELITY_CYCLES_PCT, GMB_FIDELITY_HEAP_PCT);
	gmb_report_fidelity(r, rp_sweep_emit, d, &flagged);
	if (flagged > 0)
		rp_para(d, "gomem does NOT match Go on %zu of these %zu rows: "
			"the rows marked DIFFERS say by how much.  Each is either "
			"a difference of design (conservative stacks, C object "
			"layout: README, Where gomem differs from Go) or a bug.",
			flagged, rows);
	else
		rp_para(d, "gomem matches Go within the thresholds on all %zu "
			"rows.", rows);
	return true;
}

/* ---- the page ---------------------------------------------------------- */

static const char rp_style[] =
	"body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem "
	"auto;padding:0 1rem;color:#222;line-height:1.45}"
	"h1,h2,h3{line-height:1.2}h2{border-bottom:1px solid #ddd;"
	"padding-bottom:.2rem;margin-top:2.2rem}"
	"table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}"
	"th,td{border:1px solid #ccc;padding:.25rem .55rem;text-align:left}"
	"th{background:#f2f2f2}tr:nth-child(even) td{background:#fafafa}"
	"figure{margin:1rem 0}img{max-width:100%;border:1px solid #eee}"
	"figcaption{font-size:.9rem;color:#555}";

static void rp_begin(rp_doc *d, const gmb_results_data *r)
{
	fprintf(d->html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		"<meta charset=\"utf-8\">\n<title>gomem benchmark report: ");
	rp_html_text(d->html, r->dir);
	fprintf(d->html, "</title>\n<style>%s</style>\n</head>\n<body>\n",
		rp_style);
	rp_heading(d, 1, "gomem benchmark report");
	rp_para(d, "Results: %s (revision %s, %s).  Written by gomem-bench "
		"report from bench.json and context.json; the figures are "
		"gomem-bench plot's.", r->dir, r->git_revision, r->date);
}

static void rp_body(rp_doc *d, const gmb_results_data *r)
{
	rp_heading(d, 2, "Machine and run");
	rp_context(d, r);
	if (r->nconfigs > 1) {
		rp_heading(d, 2, "Configurations");
		rp_configs(d, r);
	}
	rp_sweeps(d, r);
	bool peers = rp_peers(d, r);
	rp_heading(d, 2, "Results");
	rp_tables(d, r);
	rp_heading(d, 2, "Figures");
	if (rp_figures(d, r->dir, false, !peers) == 0)
		rp_para(d, "No figures: run gomem-bench plot %s first (it needs "
			"gnuplot, Debian package gnuplot-nox).", r->dir);
	fprintf(d->html, "</body>\n</html>\n");
}

/* DIR/NAME and DIR/.NAME.partial. */
static void rp_paths(const char *dir, const char *name, char *final,
		     char *tmp, size_t len)
{
	snprintf(final, len, "%s/%s", dir, name);
	snprintf(tmp, len, "%s/.%s.partial", dir, name);
}

/* Close f; rename tmp to final.  false after a message. */
static bool rp_finish(FILE *f, const char *tmp, const char *final, FILE *err)
{
	bool ok = !ferror(f);
	ok = (fclose(f) == 0) && ok;
	if (ok && rename(tmp, final) == 0)
		return true;
	fprintf(err, "gomem-bench report: cannot write %s: %s\n", final,
		strerror(errno));
	unlink(tmp);
	return false;
}

int gmb_report_write(const gmb_results_data *r, FILE *err)
{
	char md[4200], mdtmp[4200], html[4200], htmltmp[4200];
	rp_paths(r->dir, GMB_REPORT_MD, md, mdtmp, sizeof md);
	rp_paths(r->dir, GMB_REPORT_HTML, html, htmltmp, sizeof html);
	rp_doc d = {fopen(mdtmp, "w"), fopen(htmltmp, "w")};
	if (d.md == NULL || d.html == NULL) {
		fprintf(err, "gomem-bench report: cannot write in %s: %s\n",
			r->dir, strerror(errno));
		if (d.md != NULL)
			fclose(d.md), unlink(mdtmp);
		if (d.html != NULL)
			fclose(d.html), unlink(htmltmp);
		return 1;
	}
	rp_begin(&d, r);
	rp_body(&d, r);
	bool ok = rp_finish(d.md, mdtmp, md, err);
	ok = rp_finish(d.html, htmltmp, html, err) && ok;
	return ok ? 0 : 1;
}

/* ---- the command ------------------------------------------------------- */

static void rp_usage(FILE *out)
{
	fprintf(out,
		"usage: gomem-bench report DIR\n\n"
		"Writes DIR/" GMB_REPORT_MD " and DIR/" GMB_REPORT_HTML " for "
		"the results directory DIR: the\nmachine and run context, a "
		"table per workload (gomem's median time per\noperation, its "
		"range over the repetitions, each baseline and gomem's ratio "
		"to\nit) and the figures gomem-bench plot DIR drew (run it "
		"first).  The HTML page\nis self-contained: figures are "
		"embedded, nothing is fetched.\n\n"
		"exit status: 0 written, 1 a file could not be written, 2 bad "
		"command line or\nDIR missing or corrupt\n");
}

int gmb_cmd_report(int argc, char **argv)
{
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			rp_usage(stdout);
			return 0;
		}
		if ((argv[i][0] == '-' && argv[i][1] != '\0') || dir != NULL) {
			fprintf(stderr, "gomem-bench report: unexpected '%s': "
				"report takes one results directory (gomem-bench "
				"report --help says more)\n", argv[i]);
			return 2;
		}
		dir = argv[i];
	}
	if (dir == NULL) {
		fprintf(stderr, "gomem-bench report: which results directory? "
			"e.g. gomem-bench report results/latest\n");
		return 2;
	}
	gmb_results_data r;
	char err[1024];
	if (gmb_results_load(dir, &r, err, sizeof err) != 0) {
		fprintf(stderr, "gomem-bench report: %s\n", err);
		return 2;
	}
	int rc = gmb_report_write(&r, stderr);
	if (rc == 0)
		printf("report written to %s/" GMB_REPORT_MD " and %s/"
		       GMB_REPORT_HTML "\n", dir, dir);
	gmb_results_free(&r);
	return rc;
}
