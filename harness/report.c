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
 * The table per workload and configuration is reporttables.c's.
 */
#include "harness/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/plot.h"

#define RP_CELL GMB_REPORT_CELL /* bytes per table cell */

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

/* ---- the GOGC and memory-limit tables ---------------------------------- */

static void rp_sweep_emit(const char *title, char (*cells)[RP_CELL],
			  size_t nrows, size_t ncols, void *ctx)
{
	rp_doc *d = ctx;
	rp_heading(d, 3, title);
	rp_table(d, cells, nrows, ncols);
}

static void rp_note(const char *text, void *ctx)
{
	rp_para(ctx, "%s", text);
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
		"than %.0f%% or the peak heap by more than %.0f%%.  Cycles are "
		"judged only where both ran at least %.0f a run: a count is "
		"known to one cycle, so fewer move by more than 10%% with one "
		"cycle more or less (longer runs, --benchmark_min_time, give "
		"more).",
		GMB_FIDELITY_CYCLES_PCT, GMB_FIDELITY_HEAP_PCT, GMB_FIDELITY_MIN_CYCLES);
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
	gmb_report_result_tables(r, rp_sweep_emit, rp_note, d);
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
