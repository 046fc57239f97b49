/*
 * plotrss.c — the `rss` figure of gomem-bench plot: memory over time from
 * the results' rss.csv (rss.h, results.h), a panel per configuration.
 *
 * 1. Read DIR/rss.csv; its header must name the columns config, time_s,
 *    rss_bytes, heap_inuse, heap_goal and memory_limit (others and their
 *    order do not matter).
 * 2. A block per configuration with rows (at most RSS_MAX_BLOCKS, in
 *    index order), titled by the configuration's label: time (s), RSS,
 *    heap in use, heap goal and memory limit, in MiB (the limit NaN when
 *    there is none; `limits` tells the script which blocks have one).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot.h"

#define RSS_MAX_BLOCKS 8   /* panels: more is unreadable */
#define RSS_NO_LIMIT 4.6e18 /* above 2^62 B: no limit (off is 2^63-1) */

enum { RSS_CONFIG, RSS_TIME, RSS_RSS, RSS_INUSE, RSS_GOAL, RSS_LIMIT, RSS_NCOLS };
static const char *const rss_names[RSS_NCOLS] = {
	"config", "time_s", "rss_bytes", "heap_inuse", "heap_goal", "memory_limit",
};

/* The position of each needed column in the header; false when one is
 * missing. */
static bool rss_header(char *line, int *pos)
{
	int k = 0;
	for (int c = 0; c < RSS_NCOLS; c++)
		pos[c] = -1;
	line[strcspn(line, "\r\n")] = '\0';
	for (char *tok = strtok(line, ","); tok != NULL; tok = strtok(NULL, ","), k++)
		for (int c = 0; c < RSS_NCOLS; c++)
			if (strcmp(tok, rss_names[c]) == 0)
				pos[c] = k;
	for (int c = 0; c < RSS_NCOLS; c++)
		if (pos[c] < 0)
			return false;
	return true;
}

/* The needed fields of one line into v; false when it is short. */
static bool rss_fields(const char *line, const int *pos, double *v)
{
	int k = 0, got = 0;
	for (const char *p = line; got < RSS_NCOLS; k++) {
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
	return got == RSS_NCOLS;
}

static double rss_mib(double b) { return b / (1024.0 * 1024.0); }

/* Write configuration `config`'s rows of f (rewound) as one block;
 * whether it had any. */
static bool rss_block(gmb_plot_ctx *c, FILE *f, const int *pos, int config,
		      int block, bool *limited)
{
	char line[8192];
	double v[RSS_NCOLS] = {0};
	bool any = false;
	rewind(f);
	if (fgets(line, sizeof line, f) == NULL)
		return false;
	*limited = false;
	while (fgets(line, sizeof line, f) != NULL) {
		if (!rss_fields(line, pos, v) || (int)v[RSS_CONFIG] != config)
			continue;
		if (!any)
			fprintf(c->dat, "%s# configuration %d: time (s), RSS, heap "
				"in use, heap goal, limit (MiB)\n",
				block ? "\n\n" : "", config);
		bool lim = v[RSS_LIMIT] > 0 && v[RSS_LIMIT] < RSS_NO_LIMIT;
		*limited = *limited || lim;
		fprintf(c->dat, "%g %g %g %g %g\n", v[RSS_TIME], rss_mib(v[RSS_RSS]),
			rss_mib(v[RSS_INUSE]), rss_mib(v[RSS_GOAL]),
			lim ? rss_mib(v[RSS_LIMIT]) : NAN);
		any = true;
	}
	return any;
}

/* Append flag `on` to the word list limits='...' of c->extra. */
static void rss_extra_flag(gmb_plot_ctx *c, bool on)
{
	size_t n = strlen(c->extra);
	if (n == 0)
		snprintf(c->extra, sizeof c->extra, "limits='%d'", on);
	else if (n + 3 < sizeof c->extra)
		snprintf(c->extra + n - 1, sizeof c->extra - n + 1, " %d'", on);
}

int gmb_plot_rss(gmb_plot_ctx *c)
{
	char path[4200], line[8192];
	int pos[RSS_NCOLS], blocks = 0;
	snprintf(path, sizeof path, "%s/" GMB_RESULTS_RSS_FILE, c->d->dir);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	bool ok = fgets(line, sizeof line, f) != NULL && rss_header(line, pos);
	for (size_t k = 0; ok && k < c->d->nconfigs && blocks < RSS_MAX_BLOCKS;
	     k++) {
		bool limited;
		if (!rss_block(c, f, pos, c->d->configs[k].index, blocks,
			       &limited))
			continue;
		gmb_plot_title(c, c->d->configs[k].label);
		rss_extra_flag(c, limited);
		blocks++;
	}
	fclose(f);
	return blocks;
}
