/*
 * plotcycles.c — figures from per-cycle logs (see plotcycles.h).
 *
 * The contract: a cycle log is a CSV file directly in the results
 * directory or in its cycles/ subdirectory, one header line naming the
 * columns, then one line per finished cycle.  Columns are found by name,
 * so their order and any extra columns do not matter; the names are
 * gm_cycle's fields (include/gomem.h):
 *   t_sweep_term, t_end        ns since gm_init: the cycle's first stop
 *                              began, the world restarted after the last
 *   stop_ns*, stop_end*        each pause and when it ended (any columns
 *                              whose names start so, paired by suffix:
 *                              stop_ns_0 with stop_end_0; values <= 0 are
 *                              unused slots)
 *   heap_trigger, heap_mark_end, heap_marked, heap_goal, next_goal
 *   memory_limit               optional: bytes (absent, <= 0 or above
 *                              2^62: no limit drawn)
 * A figure takes every log that has its columns, in name order, at most
 * CYC_MAX_LOGS of them, one data block per log titled by the file name.
 *
 * MMU (Cheng and Blelloch, "A parallel, real-time garbage collector",
 * PLDI 2001): for a window length w, the smallest share of any window of
 * length w left to the program.  The window holding the most pause time
 * starts where a pause starts or ends where one ends, so only those 2n
 * windows are tried; pause time inside one is a difference of prefix sums
 * plus the two clipped ends (binary search): O(n log n) per w.
 */
#include "harness/plotcycles.h"

#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CYC_MAX_LOGS 8      /* series per figure: more is unreadable */
#define CYC_MAX_COLS 64
#define CYC_NO_LIMIT 4.6e18 /* 2^62 B: "no limit" (GM_MEMLIMIT_OFF is 2^63-1) */

typedef struct cyc_log {
	char title[128];    /* the file name without .csv */
	size_t ncols, nrows;
	char *cols[CYC_MAX_COLS];
	double *v;          /* nrows x ncols, NaN where empty */
} cyc_log;

/* ---- reading logs ------------------------------------------------------ */

static void cyc_free(cyc_log *l)
{
	for (size_t i = 0; i < l->ncols; i++)
		free(l->cols[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Split the header line into column names. */
static void cyc_header(cyc_log *l, char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	for (char *tok = strtok(line, ","); tok && l->ncols < CYC_MAX_COLS;
	     tok = strtok(NULL, ","))
		l->cols[l->ncols++] = strdup(tok + strspn(tok, " \""));
	for (size_t i = 0; i < l->ncols; i++)
		if (l->cols[i] != NULL)
			l->cols[i][strcspn(l->cols[i], " \"")] = '\0';
}

/* One data line into row l->nrows; false without memory. */
static bool cyc_row(cyc_log *l, const char *line)
{
	double *v = realloc(l->v, (l->nrows + 1) * l->ncols * sizeof *v);
	if (v == NULL)
		return false;
	l->v = v;
	v += l->nrows++ * l->ncols;
	for (size_t i = 0; i < l->ncols; i++) {
		char *end;
		v[i] = strtod(line, &end);
		if (end == line)
			v[i] = NAN;
		line = end + strcspn(end, ",");
		line += *line == ',';
	}
	return true;
}

/* Read path; false when it is not a readable CSV with a header. */
static bool cyc_read(const char *path, const char *file, cyc_log *l)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	memset(l, 0, sizeof *l);
	if (f == NULL)
		return false;
	snprintf(l->title, sizeof l->title, "%.*s",
		 (int)(strlen(file) - strlen(".csv")), file);
	if (fgets(line, sizeof line, f) != NULL)
		cyc_header(l, line);
	while (l->ncols > 0 && fgets(line, sizeof line, f) != NULL)
		if (line[0] != '\n' && line[0] != '#' && !cyc_row(l, line))
			break;
	fclose(f);
	return l->ncols > 0;
}

static int cyc_col(const cyc_log *l, const char *name)
{
	for (size_t i = 0; i < l->ncols; i++)
		if (l->cols[i] != NULL && strcmp(l->cols[i], name) == 0)
			return (int)i;
	return -1;
}

static double cyc_at(const cyc_log *l, size_t row, int col)
{
	return col >= 0 ? l->v[row * l->ncols + (size_t)col] : NAN;
}

static int cyc_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .csv names in dir, sorted; returns how many (at most cap). */
static size_t cyc_list(const char *dir, char **names, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	while (d != NULL && n < cap && (e = readdir(d)) != NULL) {
		size_t k = strlen(e->d_name);
		if (k > 4 && e->d_name[0] != '.' &&
		    strcmp(e->d_name + k - 4, ".csv") == 0)
			names[n++] = strdup(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	qsort(names, n, sizeof *names, cyc_name_cmp);
	return n;
}

typedef bool (*cyc_block_fn)(gmb_plot_ctx *c, const cyc_log *l, int block);

/* Call fn for each log of `dir` until CYC_MAX_LOGS have written a block. */
static int cyc_each_in(gmb_plot_ctx *c, const char *dir, cyc_block_fn fn,
		       int blocks)
{
	char *names[256], path[4600];
	size_t n = cyc_list(dir, names, 256);
	for (size_t i = 0; i < n; i++) {
		cyc_log l;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (blocks < CYC_MAX_LOGS && cyc_read(path, names[i], &l) &&
		    fn(c, &l, blocks)) {
			gmb_plot_title(c, l.title);
			blocks++;
		}
		cyc_free(&l);
		free(names[i]);
	}
	return blocks;
}

static int cyc_each(gmb_plot_ctx *c, cyc_block_fn fn)
{
	char sub[4200];
	snprintf(sub, sizeof sub, "%s/cycles", c->d->dir);
	return cyc_each_in(c, sub, fn, cyc_each_in(c, c->d->dir, fn, 0));
}

/* ---- pauses ------------------------------------------------------------ */

/* The log's pauses, sorted by start: start and length in ns (start NaN
 * when there is no matching stop_end column).  Returns the count; the
 * arrays are malloc'd (free both). */
static size_t cyc_pauses(const cyc_log *l, double **start, double **len)
{
	size_t n = 0, cap = l->nrows * l->ncols + 1;
	*start = malloc(cap * sizeof **start);
	*len = malloc(cap * sizeof **len);
	for (size_t k = 0; *start && *len && k < l->ncols; k++) {
		char end_name[256];
		if (l->cols[k] == NULL || strncmp(l->cols[k], "stop_ns", 7) != 0)
			continue;
		snprintf(end_name, sizeof end_name, "stop_end%s", l->cols[k] + 7);
		int e = cyc_col(l, end_name);
		for (size_t r = 0; r < l->nrows; r++) {
			double ns = cyc_at(l, r, (int)k);
			if (ns > 0) {
				(*len)[n] = ns;
				(*start)[n++] = cyc_at(l, r, e) - ns;
			}
		}
	}
	return *start && *len ? n : 0;
}

static int cyc_double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static bool cyc_cdf_block(gmb_plot_ctx *c, const cyc_log *l, int block)
{
	double *start, *len;
	size_t n = cyc_pauses(l, &start, &len);
	if (n > 0) {
		qsort(len, n, sizeof *len, cyc_double_cmp);
		fprintf(c->dat, "%s# %s: pause (us), fraction of pauses <= it\n",
			block ? "\n\n" : "", l->title);
		for (size_t i = 0; i < n; i++)
			fprintf(c->dat, "%g %g\n", len[i] / 1e3,
				(double)(i + 1) / (double)n);
	}
	free(start);
	free(len);
	return n > 0;
}

int gmb_plot_pause_cdf(gmb_plot_ctx *c) { return cyc_each(c, cyc_cdf_block); }

/* ---- MMU --------------------------------------------------------------- */

/* Pause time inside [lo, hi]; pre[i] is the total length of pauses 0..i-1. */
static double cyc_busy(const double *start, const double *len,
		       const double *pre, size_t n, double lo, double hi)
{
	size_t a = 0, b = n, m; /* a: first pause ending after lo */
	while (a < b) {
		m = (a + b) / 2;
		if (start[m] + len[m] <= lo)
			a = m + 1;
		else
			b = m;
	}
	size_t z = a, y = n; /* z: first pause starting at or after hi */
	while (z < y) {
		m = (z + y) / 2;
		if (start[m] < hi)
			z = m + 1;
		else
			y = m;
	}
	if (z <= a)
		return 0;
	double t = pre[z] - pre[a];
	t -= fmax(0, lo - start[a]);                     /* clipped head */
	t -= fmax(0, start[z - 1] + len[z - 1] - hi);    /* clipped tail */
	return t;
}

double gmb_mmu(const double *start, const double *len, size_t n, double w)
{
	double *pre = malloc((n + 1) * sizeof *pre), worst = 0;
	if (pre == NULL)
		return NAN;
	pre[0] = 0;
	for (size_t i = 0; i < n; i++)
		pre[i + 1] = pre[i] + len[i];
	for (size_t i = 0; i < n; i++) {
		double end = start[i] + len[i];
		worst = fmax(worst, cyc_busy(start, len, pre, n, start[i],
					     start[i] + w));
		worst = fmax(worst, cyc_busy(start, len, pre, n, end - w, end));
	}
	free(pre);
	return fmax(0, 1 - worst / w);
}

/* Sort the pauses by start (pairs moved together). */
static void cyc_sort_pauses(double *start, double *len, size_t n)
{
	for (size_t i = 1; i < n; i++) /* insertion sort: logs come sorted */
		for (size_t j = i; j > 0 && start[j - 1] > start[j]; j--) {
			double s = start[j], l = len[j];
			start[j] = start[j - 1];
			len[j] = len[j - 1];
			start[j - 1] = s;
			len[j - 1] = l;
		}
}

/* Windows from 100 us to the log's span, 10 per decade. */
static bool cyc_mmu_block(gmb_plot_ctx *c, const cyc_log *l, int block)
{
	double *start, *len;
	size_t n = cyc_pauses(l, &start, &len);
	bool ok = n > 0;
	for (size_t i = 0; i < n; i++)
		ok = ok && isfinite(start[i]);
	if (ok) {
		cyc_sort_pauses(start, len, n);
		double span = start[n - 1] + len[n - 1] - start[0];
		fprintf(c->dat, "%s# %s: window (ms), MMU\n", block ? "\n\n" : "",
			l->title);
		for (int k = 0; k <= 50; k++) {
			double w = 1e5 * pow(10, k / 10.0);
			if (k > 0 && w > fmax(span, 1e6))
				break;
			fprintf(c->dat, "%g %g\n", w / 1e6,
				gmb_mmu(start, len, n, w));
		}
	}
	free(start);
	free(len);
	return ok;
}

int gmb_plot_mmu(gmb_plot_ctx *c) { return cyc_each(c, cyc_mmu_block); }

/* ---- heap over time ---------------------------------------------------- */

static double cyc_mib(double bytes) { return bytes / (1024.0 * 1024.0); }

/* One point: time (s from t0), heap, goal, limit (MiB; NaN: none). */
static void cyc_heap_point(FILE *f, double t, double t0, double heap,
			   double goal, double limit)
{
	if (isnan(t) || isnan(heap))
		return;
	fprintf(f, "%g %g %g %g\n", (t - t0) / 1e9, cyc_mib(heap), cyc_mib(goal),
		limit > 0 && limit < CYC_NO_LIMIT ? cyc_mib(limit) : NAN);
}

/* Append "0" or "1" to the word list `name` of c->extra (one per block),
 * creating the assignment name='...' on first use. */
static void cyc_extra_flag(gmb_plot_ctx *c, const char *name, bool on)
{
	size_t n = strlen(c->extra);
	if (n == 0)
		snprintf(c->extra, sizeof c->extra, "%s='%d'", name, on);
	else if (n + 3 < sizeof c->extra)
		snprintf(c->extra + n - 1, sizeof c->extra - n + 1, " %d'", on);
}

static bool cyc_heap_block(gmb_plot_ctx *c, const cyc_log *l, int block)
{
	int ts = cyc_col(l, "t_sweep_term"), te = cyc_col(l, "t_end");
	int trig = cyc_col(l, "heap_trigger"), me = cyc_col(l, "heap_mark_end");
	int marked = cyc_col(l, "heap_marked"), goal = cyc_col(l, "heap_goal");
	int next = cyc_col(l, "next_goal"), lim = cyc_col(l, "memory_limit");
	if (ts < 0 || te < 0 || me < 0 || goal < 0 || l->nrows == 0)
		return false;
	bool limited = false;
	for (size_t r = 0; r < l->nrows; r++) {
		double m = cyc_at(l, r, lim);
		limited = limited || (m > 0 && m < CYC_NO_LIMIT);
	}
	cyc_extra_flag(c, "limits", limited);
	double t0 = cyc_at(l, 0, ts);
	fprintf(c->dat, "%s# %s: time (s), heap, goal, limit (MiB)\n",
		block ? "\n\n" : "", l->title);
	for (size_t r = 0; r < l->nrows; r++) {
		double g = cyc_at(l, r, goal), m = cyc_at(l, r, lim);
		cyc_heap_point(c->dat, cyc_at(l, r, ts), t0, cyc_at(l, r, trig),
			       g, m);
		cyc_heap_point(c->dat, cyc_at(l, r, te), t0, cyc_at(l, r, me), g, m);
		cyc_heap_point(c->dat, cyc_at(l, r, te), t0,
			       cyc_at(l, r, marked),
			       next >= 0 ? cyc_at(l, r, next) : g, m);
	}
	return true;
}

int gmb_plot_heap(gmb_plot_ctx *c) { return cyc_each(c, cyc_heap_block); }
