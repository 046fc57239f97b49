/*
 * plot.c — `gomem-bench plot DIR` (see plot.h): data files from a run's
 * results, figures from the gnuplot scripts of plots/.
 *
 * 1. Load DIR (results.h); create DIR/plots/.
 * 2. For each figure of plot_figures, its extractor writes
 *    DIR/plots/NAME.dat from the run and returns how many data blocks it
 *    wrote (0: the run has no such data; the figure is skipped quietly).
 *    Blocks are separated by two blank lines (gnuplot's `index`); block
 *    titles go to the script as the word list `titles`.
 * 3. If gnuplot is there, run plots/NAME.gp twice per figure (fmt='png',
 *    then 'svg'), with the variables data, out, fmt, titles, nblocks.
 * 4. List what was drawn.
 *
 * Where each figure's data comes from (what is not there is skipped):
 *   alloc           bench.json (plotalloc.c): the alloc_* benchmarks'
 *                   time/op, median and min-max over the repetitions, by
 *                   object size, for gomem, glibc malloc and glibc calloc;
 *                   a block per thread count and collector off / on (the
 *                   first configuration that has them).
 *   alloc_runtimes  the same for every runtime of a run --runtime
 *                   (plotalloc.c), collector off, a block per thread
 *                   count; only when a peer ran allocation benchmarks.
 *   gogc_throughput bench.json: items/s (else 1/time) of each gomem
 *                   benchmark against the configurations' GOGC, when the
 *                   run has two GOGC values or more.
 *   gogc_rss        the same with the peak_rss_bytes counter.
 *   pause_cdf, mmu, heap
 *                   per-cycle CSV files (DIR/NAME.csv, DIR/cycles/NAME.csv)
 *                   whose header names gm_cycle's fields (gomem.h): a
 *                   block per file.  Pauses are the columns stop_ns*
 *                   (values > 0), ending at the matching stop_end*;
 *                   the heap is heap_trigger at t_sweep_term,
 *                   heap_mark_end at t_end, heap_marked after the sweep,
 *                   against heap_goal (next_goal after) and, if there is
 *                   such a column, memory_limit.
 *   pause_cdf_go    DIR/pauses.csv (plotpauses.c): the per-cycle pauses
 *                   of gomem and Go, a panel per configuration (GOGC);
 *                   only when the run has Go's pauses.
 *   rss             DIR/rss.csv (plotrss.c): RSS, heap in use, heap goal
 *                   and memory limit over time, a block per configuration.  MMU(w), the minimum
 *                   mutator utilization over windows of length w, is
 *                   1 - (most pause time in any window of length w) / w
 *                   (Cheng and Blelloch, PLDI 2001), computed here.
 */
#include "harness/plot.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/compare.h"
#include "harness/plotcycles.h"
#include "harness/plotpauses.h"

#ifndef GMB_PLOTS_DIR
#define GMB_PLOTS_DIR "plots"
#endif

extern char **environ;

typedef gmb_plot_ctx plot_ctx;

static int plot_gogc_throughput(plot_ctx *c);
static int plot_gogc_rss(plot_ctx *c);

static const gmb_plot_figure plot_figures[] = {
	{"alloc", "Allocation time by object size: gomem against glibc",
	 "ns per object against the object's size (both log scales), median "
	 "over the repetitions with bars from the fastest to the slowest: "
	 "gomem against glibc malloc+free and calloc+free measured in the "
	 "same run, a panel per thread count with the collector off "
	 "(alloc_tiny, alloc_small, alloc_large) and on (alloc_*_gc)", false},
	{"gogc_throughput", "Throughput against GOGC",
	 "items per second of each gomem benchmark, median with min-max bars, "
	 "at each GOGC the run measured", false},
	{"gogc_rss", "Peak RSS against GOGC",
	 "peak resident set size of each gomem benchmark at each GOGC", false},
	{"pause_cdf", "Pause-time distribution",
	 "cumulative distribution of stop-the-world pauses, per cycle log",
	 false},
	{"mmu", "Minimum mutator utilization",
	 "the worst share of any time window left to the program, against "
	 "the window length", false},
	{"heap", "Heap over time",
	 "live heap through each cycle against the heap goal and the memory "
	 "limit", false},
	{"rss", "Memory over time",
	 "resident set size, heap in use and heap goal sampled over time "
	 "(rss.csv), against the memory limit, a panel per configuration",
	 false},
	{"pause_cdf_go", "Pauses per cycle: gomem against Go",
	 "cumulative distribution of the stop-the-world time of each "
	 "collection cycle (its stops added up, as Go's MemStats.PauseNs; "
	 "log time axis) over the benchmarks both ran, each benchmark "
	 "weighing the same, a panel per GOGC setting", true},
	{"alloc_runtimes", "Allocation time by object size: every runtime",
	 "ns per object against the object's size (both log scales), median "
	 "over the repetitions with min-max bars, a line per runtime of the "
	 "run, for alloc_tiny, alloc_small and alloc_large (gomem with its "
	 "collector off, Go collecting as always since it frees nothing "
	 "itself, Boehm GC freeing with GC_FREE, the malloc family with "
	 "calloc + free, each peer in its own process), a panel per thread "
	 "count", true},
};
static const gmb_plot_extract_fn plot_extractors[] = {
	gmb_plot_alloc, plot_gogc_throughput, plot_gogc_rss,
	gmb_plot_pause_cdf, gmb_plot_mmu, gmb_plot_heap, gmb_plot_rss,
	gmb_plot_pause_cdf_go, gmb_plot_alloc_runtimes,
};
#define PLOT_NFIGURES (sizeof plot_figures / sizeof plot_figures[0])

size_t gmb_plot_figure_count(void) { return PLOT_NFIGURES; }

const gmb_plot_figure *gmb_plot_figure_at(size_t i)
{
	return i < PLOT_NFIGURES ? &plot_figures[i] : NULL;
}

const char *gmb_plot_scripts_dir(void)
{
	const char *env = getenv("GOMEM_PLOTS_DIR");
	return env != NULL && env[0] != '\0' ? env : GMB_PLOTS_DIR;
}

/* Append `word` to c->titles, characters gnuplot would choke on
 * replaced. */
void gmb_plot_title(plot_ctx *c, const char *word)
{
	size_t n = strlen(c->titles);
	if (n > 0 && n + 1 < sizeof c->titles)
		c->titles[n++] = ' ';
	for (; *word != '\0' && n + 1 < sizeof c->titles; word++)
		c->titles[n++] = strchr("'\" \\", *word) ? '_' : *word;
	c->titles[n] = '\0';
}

/* ---- against GOGC ------------------------------------------------------ */

/* The configuration's label without its gogc= setting: what else varies. */
static void gogc_rest(const gmb_results_data *d, int config, char *buf,
		      size_t len)
{
	const char *label = config >= 0 && (size_t)config < d->nconfigs &&
					    d->configs[config].label
				    ? d->configs[config].label
				    : "";
	size_t n = 0;
	buf[0] = '\0';
	for (const char *p = label; *p != '\0';) {
		size_t k = strcspn(p, ",");
		if (strncmp(p, "gogc=", 5) != 0 && n + k + 2 < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%.*s",
					      n ? "," : "", (int)k, p);
		p += k + (p[k] == ',');
	}
}

static int gogc_of(const gmb_results_data *d, int config)
{
	return config >= 0 && (size_t)config < d->nconfigs
		       ? d->configs[config].gogc
		       : -1;
}

/* Two GOGC values or more (GOGC=off is not a point on the axis). */
static bool gogc_varies(const gmb_results_data *d)
{
	for (size_t i = 0; i < d->nconfigs; i++)
		for (size_t j = 0; j < i; j++)
			if (d->configs[i].gogc >= 0 && d->configs[j].gogc >= 0 &&
			    d->configs[i].gogc != d->configs[j].gogc)
				return true;
	return false;
}

/* A baseline, not gomem: a glibc or calloc component. */
static bool gogc_baseline(const char *name)
{
	return strstr(name, "/glibc/") != NULL || strstr(name, "/calloc/") != NULL;
}

/* Median, min and max of the metric over (config, name); the rate falls
 * back to 1e9 / time per op when the entry has no items/s. */
static bool gogc_stats(const gmb_results_data *d, int config, const char *name,
		       gmb_metric_id id, double s[3])
{
	double v[256];
	bool agg;
	size_t n = gmb_metric_samples(d, config, name, gmb_metric_get(id), v,
				      256, &agg);
	bool invert = n == 0 && id == GMB_METRIC_ITEMS;
	if (invert)
		n = gmb_metric_samples(d, config, name,
				       gmb_metric_get(GMB_METRIC_TIME), v, 256,
				       &agg);
	n = n < 256 ? n : 256;
	for (size_t i = 0; invert && i < n; i++)
		v[i] = 1e9 / v[i];
	if (n == 0)
		return false;
	s[0] = gmb_median(v, n);
	s[1] = v[0];
	s[2] = v[n - 1];
	return true;
}

/* One block: `name` under every configuration whose other settings are
 * `rest`, by GOGC, into `out`.  Returns the number of points. */
static int gogc_block(plot_ctx *c, FILE *out, const char *name,
		      const char *rest, gmb_metric_id id)
{
	int points = 0;
	char other[512];
	for (int g = 0; g >= 0;) { /* configurations by rising GOGC */
		int best = -1;
		for (size_t k = 0; k < c->d->nconfigs; k++) {
			int gk = c->d->configs[k].gogc;
			gogc_rest(c->d, (int)k, other, sizeof other);
			if (gk >= g && strcmp(other, rest) == 0 &&
			    (best < 0 || gk < gogc_of(c->d, best)))
				best = (int)k;
		}
		double s[3];
		if (best >= 0 && gogc_stats(c->d, best, name, id, s)) {
			fprintf(out, "%d %g %g %g\n", gogc_of(c->d, best), s[0],
				s[1], s[2]);
			points++;
		}
		g = best >= 0 ? gogc_of(c->d, best) + 1 : -1;
	}
	return points;
}

/* Write the block of (name, rest) when it has two points or more (one
 * point is no line). */
static bool gogc_series(plot_ctx *c, const char *name, const char *rest,
			gmb_metric_id id, int blocks)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return false;
	int points = gogc_block(c, mem, name, rest, id);
	fclose(mem);
	if (points >= 2)
		fprintf(c->dat, "%s# %s %s\n%s", blocks ? "\n\n" : "", name,
			rest, buf);
	free(buf);
	return points >= 2;
}

/* Settings other than GOGC differ between configurations. */
static bool gogc_rest_varies(const gmb_results_data *d)
{
	char a[512], b[512];
	for (size_t i = 1; i < d->nconfigs; i++) {
		gogc_rest(d, 0, a, sizeof a);
		gogc_rest(d, (int)i, b, sizeof b);
		if (strcmp(a, b) != 0)
			return true;
	}
	return false;
}

/* true when entry i is the first of its (config, run_name). */
static bool gogc_first(const gmb_results_data *d, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (d->benches[j].config == d->benches[i].config &&
		    strcmp(d->benches[j].run_name, d->benches[i].run_name) == 0)
			return false;
	return true;
}

/* A block per (gomem benchmark, other settings) seen at two GOGC values
 * or more. */
static int plot_gogc(plot_ctx *c, gmb_metric_id id)
{
	int blocks = 0;
	char rest[512], title[768];
	if (!gogc_varies(c->d))
		return 0;
	for (size_t i = 0; i < c->d->nbenches; i++) {
		const gmb_results_bench *b = &c->d->benches[i];
		if (b->aggregate || gogc_baseline(b->run_name) ||
		    gogc_of(c->d, b->config) < 0 || !gogc_first(c->d, i))
			continue;
		gogc_rest(c->d, b->config, rest, sizeof rest);
		/* once per (name, rest): at its lowest-GOGC configuration */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			char r2[512];
			gogc_rest(c->d, c->d->benches[j].config, r2, sizeof r2);
			seen = strcmp(c->d->benches[j].run_name, b->run_name) == 0 &&
			       strcmp(r2, rest) == 0;
		}
		if (seen)
			continue;
		if (gogc_series(c, b->run_name, rest, id, blocks)) {
			snprintf(title, sizeof title, "%s%s%s", b->run_name,
				 gogc_rest_varies(c->d) ? "," : "",
				 gogc_rest_varies(c->d) ? rest : "");
			gmb_plot_title(c, title);
			blocks++;
		}
	}
	return blocks;
}

static int plot_gogc_throughput(plot_ctx *c)
{
	return plot_gogc(c, GMB_METRIC_ITEMS);
}

static int plot_gogc_rss(plot_ctx *c)
{
	return plot_gogc(c, GMB_METRIC_PEAK_RSS);
}

/* ---- running gnuplot --------------------------------------------------- */

/* $GNUPLOT, else gnuplot, searched on the PATH as the shell would; NULL
 * when there is none. */
static const char *plot_find_gnuplot(char *buf, size_t len)
{
	const char *prog = getenv("GNUPLOT");
	if (prog == NULL || prog[0] == '\0')
		prog = "gnuplot";
	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0 ? prog : NULL;
	const char *path = getenv("PATH");
	for (const char *p = path ? path : "/usr/bin:/bin"; *p != '\0';) {
		size_t k = strcspn(p, ":");
		snprintf(buf, len, "%.*s/%s", (int)k, k ? p : ".", prog);
		if (access(buf, X_OK) == 0)
			return buf;
		p += k + (p[k] == ':');
	}
	return NULL;
}

/* Run gnuplot -e VARS SCRIPT; 0, or -1 after a message. */
static int plot_spawn(const char *gnuplot, const char *vars,
		      const char *script, FILE *err)
{
	char *argv[] = {(char *)gnuplot, "-e", (char *)vars, (char *)script,
			NULL};
	pid_t pid;
	int status, rc = posix_spawn(&pid, gnuplot, NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(err, "gomem-bench plot: cannot run %s: %s\n", gnuplot,
			strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(err, "gomem-bench plot: gnuplot failed on %s (%s %d); its "
		"messages are above\n", script,
		WIFEXITED(status) ? "exit status" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -1;
}

/* Draw figure f from pdir/NAME.dat as NAME.png and NAME.svg. */
static int plot_draw(const char *gnuplot, const char *pdir,
		     const gmb_plot_figure *f, const plot_ctx *c, int nblocks,
		     FILE *err)
{
	static const char *const fmts[] = {"png", "svg"};
	char script[4096], vars[16384];
	snprintf(script, sizeof script, "%s/%s.gp", gmb_plot_scripts_dir(),
		 f->name);
	if (access(script, R_OK) != 0) {
		fprintf(err, "gomem-bench plot: cannot read %s: %s (set "
			"GOMEM_PLOTS_DIR to the plots/ directory)\n", script,
			strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(vars, sizeof vars, "data='%s/%s.dat'; out='%s/%s.%s'; "
			 "fmt='%s'; nblocks=%d; titles='%s'; scripts='%s'%s%s",
			 pdir, f->name, pdir, f->name, fmts[i], fmts[i], nblocks,
			 c->titles, gmb_plot_scripts_dir(), c->extra[0] ? "; " : "",
			 c->extra);
		if (plot_spawn(gnuplot, vars, script, err) != 0)
			return -1;
	}
	return 0;
}

/* Remove what an earlier plot left for a figure that now has no data. */
static void plot_forget(const char *pdir, const char *name)
{
	static const char *const exts[] = {"dat", "png", "svg"};
	char path[4200];
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s.%s", pdir, name, exts[i]);
		unlink(path);
	}
}

/* Step 2 for one figure: write NAME.dat; the number of blocks, or -1. */
static int plot_extract(const gmb_results_data *d, const char *pdir, size_t i,
			plot_ctx *c, FILE *err)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s.dat", pdir, plot_figures[i].name);
	*c = (plot_ctx){.d = d, .dat = fopen(path, "w")};
	if (c->dat == NULL) {
		fprintf(err, "gomem-bench plot: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	int blocks = plot_extractors[i](c);
	if (fclose(c->dat) != 0) {
		fprintf(err, "gomem-bench plot: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (blocks <= 0)
		plot_forget(pdir, plot_figures[i].name);
	return blocks;
}

static void plot_no_gnuplot(const char *pdir, FILE *err)
{
	fprintf(err, "gomem-bench plot: gnuplot is not installed (or not on "
		"the PATH), so no figure was drawn.\n"
		"  Install the Debian package gnuplot-nox (as root: apt-get "
		"install -y gnuplot-nox)\n  and run gomem-bench plot again; the "
		"data files are in %s/.\n", pdir);
}

/* "DIR/plots", refusing a quote that would end gnuplot's strings. */
static int plot_subdir(const gmb_results_data *d, char *pdir, size_t len,
		       FILE *err)
{
	int k = snprintf(pdir, len, "%s/" GMB_PLOT_SUBDIR, d->dir);
	if (k < 0 || (size_t)k >= len || strchr(pdir, '\'') != NULL) {
		fprintf(err, "gomem-bench plot: %s: the path is too long or "
			"holds a ' (gnuplot cannot take it)\n", d->dir);
		return 2;
	}
	if (mkdir(pdir, 0777) != 0 && errno != EEXIST) {
		fprintf(err, "gomem-bench plot: cannot create %s: %s\n", pdir,
			strerror(errno));
		return 1;
	}
	return 0;
}

int gmb_plot_data(const gmb_results_data *d, FILE *out, FILE *err)
{
	char pdir[4096], gbuf[4096];
	int rc = plot_subdir(d, pdir, sizeof pdir, err), drawn = 0;
	if (rc != 0)
		return rc;
	const char *gnuplot = plot_find_gnuplot(gbuf, sizeof gbuf);
	for (size_t i = 0; i < PLOT_NFIGURES; i++) {
		plot_ctx c;
		int blocks = plot_extract(d, pdir, i, &c, err);
		if (blocks < 0)
			return 1;
		if (blocks == 0 || gnuplot == NULL)
			continue;
		if (plot_draw(gnuplot, pdir, &plot_figures[i], &c, blocks, err)) {
			rc = 1;
			continue;
		}
		fprintf(out, "drew %s/%s.{png,svg}: %s\n", pdir,
			plot_figures[i].name, plot_figures[i].title);
		drawn++;
	}
	if (gnuplot == NULL)
		plot_no_gnuplot(pdir, err);
	else if (drawn == 0 && rc == 0)
		fprintf(out, "nothing to draw: %s has no allocation benchmarks, "
			"no GOGC sweep and no cycle logs\n", d->dir);
	return rc;
}

/* ---- the command ------------------------------------------------------- */

static void plot_usage(FILE *out)
{
	fprintf(out,
		"usage: gomem-bench plot DIR\n\n"
		"Writes data files extracted from the results directory DIR "
		"into DIR/" GMB_PLOT_SUBDIR "/\nand draws them with gnuplot, "
		"as PNG and SVG, using the scripts in\n%s/ ($GOMEM_PLOTS_DIR "
		"overrides).  Each figure is drawn when DIR has\nits data and "
		"skipped otherwise:\n", gmb_plot_scripts_dir());
	for (size_t i = 0; i < PLOT_NFIGURES; i++)
		fprintf(out, "  %-16s %s\n", plot_figures[i].name,
			plot_figures[i].title);
	fprintf(out, "\nWithout gnuplot (Debian package gnuplot-nox) the data "
		"files are still written,\na message says what to install, and "
		"the exit status is 0.\n\nexit status: 0 done, 1 gnuplot failed, "
		"2 bad command line or DIR missing or corrupt\n");
}

int gmb_cmd_plot(int argc, char **argv)
{
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			plot_usage(stdout);
			return 0;
		}
		if ((argv[i][0] == '-' && argv[i][1] != '\0') || dir != NULL) {
			fprintf(stderr, "gomem-bench plot: unexpected '%s': plot "
				"takes one results directory (gomem-bench plot "
				"--help says more)\n", argv[i]);
			return 2;
		}
		dir = argv[i];
	}
	if (dir == NULL) {
		fprintf(stderr, "gomem-bench plot: which results directory? "
			"e.g. gomem-bench plot results/latest\n");
		return 2;
	}
	gmb_results_data d;
	char err[1024];
	if (gmb_results_load(dir, &d, err, sizeof err) != 0) {
		fprintf(stderr, "gomem-bench plot: %s\n", err);
		return 2;
	}
	int rc = gmb_plot_data(&d, stdout, stderr);
	gmb_results_free(&d);
	return rc;
}
