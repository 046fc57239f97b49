/*
 * plot.h — `gomem-bench plot DIR`: extract data files from a results
 * directory and draw them with the gnuplot scripts of plots/.
 *
 * For every figure whose data the run has, plot writes DIR/plots/NAME.dat
 * and renders DIR/plots/NAME.png and DIR/plots/NAME.svg with
 * plots/NAME.gp; figures without data are skipped without a word, and what
 * was drawn is listed.  The scripts read only the .dat files (STYLE.md:
 * plots/ only reads results).
 *
 * Exit status: 0 done (also when gnuplot is missing: the data files are
 * written, a message names the Debian package gnuplot-nox, and no figure
 * is drawn, so that `make bench` still writes its report); 1 gnuplot
 * failed on a script; 2 bad command line, or DIR missing or corrupt.
 */
#ifndef GOMEM_HARNESS_PLOT_H
#define GOMEM_HARNESS_PLOT_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/results.h"

#define GMB_PLOT_SUBDIR "plots" /* DIR/plots/ holds data and figures */

typedef struct gmb_plot_figure {
	const char *name;    /* plots/NAME.gp, DIR/plots/NAME.{dat,png,svg} */
	const char *title;   /* one line, for listings and the report */
	const char *caption; /* what is drawn, for the report */
	bool peers;          /* compares runtimes (run --runtime): the report
			      * shows it in its section on them */
} gmb_plot_figure;

size_t gmb_plot_figure_count(void);
const gmb_plot_figure *gmb_plot_figure_at(size_t i);

/* Where the gnuplot scripts are: $GOMEM_PLOTS_DIR, else the source tree's
 * plots/ (compiled in). */
const char *gmb_plot_scripts_dir(void);

/* The command's core on a loaded run: write the data files and draw.
 * Messages go to `out` (what was drawn) and `err`.  Returns the exit
 * status above.  The gnuplot program is $GNUPLOT, else "gnuplot" on the
 * PATH. */
int gmb_plot_data(const gmb_results_data *d, FILE *out, FILE *err);

int gmb_cmd_plot(int argc, char **argv);

/* ---- for the extractors (plot.c, plotcycles.c) ------------------------- */

/* What an extractor gets: the run, the open NAME.dat, the block titles it
 * collects (space-separated words), and any more gnuplot assignments for
 * its script ("limits='0 1'"). */
typedef struct gmb_plot_ctx {
	const gmb_results_data *d;
	FILE *dat;
	char titles[4096];
	char extra[1024];
} gmb_plot_ctx;

/* An extractor writes its blocks and returns how many (0: no data). */
typedef int (*gmb_plot_extract_fn)(gmb_plot_ctx *c);

/* Append one block title (characters gnuplot would choke on become _). */
void gmb_plot_title(gmb_plot_ctx *c, const char *word);

/* The allocation figures' extractors (plotalloc.c): alloc, gomem against
 * glibc; alloc_runtimes, every runtime of a run --runtime. */
int gmb_plot_alloc(gmb_plot_ctx *c);
int gmb_plot_alloc_runtimes(gmb_plot_ctx *c);

/* The rss figure's extractor (plotrss.c): DIR/rss.csv. */
#define GMB_RESULTS_RSS_FILE "rss.csv"
int gmb_plot_rss(gmb_plot_ctx *c);

#endif /* GOMEM_HARNESS_PLOT_H */
