/*
 * plotpauses.c — gomem's pauses against Go's (see plotpauses.h for the
 * file and the weighting).
 *
 * 1. Read pauses.csv into rows (runtime, configuration, benchmark, ns);
 *    the benchmark is everything between the second comma and the last,
 *    the header and malformed lines are skipped.
 * 2. Per configuration, in GOGC order: every gomem benchmark with pauses
 *    whose Go twin (the component "gomem" turned to "go") has pauses too
 *    is a pair; B pairs, n_b and m_b pauses each.
 * 3. Each runtime's distribution: its pauses of the paired benchmarks,
 *    each weighing 1 / (n_b x B) (gomem) or 1 / (m_b x B) (Go), sorted,
 *    weights summed into the cumulative share.
 * 4. pause_cdf_go: a panel per configuration, two data blocks each
 *    (gomem at index 2i, Go at 2i + 1): a row per pause, "us share",
 *    led by a row at share 0 so that the step starts on the axis.  The
 *    panels' titles say GOGC (and the other settings, when those vary);
 *    `legends` gives each curve its pause count.
 */
#include "harness/plotpauses.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pp_row {
	bool go;      /* Go, else gomem (other runtimes are not kept) */
	int config;   /* the configuration's index as pauses.csv gives it */
	char *bench;
	double ns;
} pp_row;

typedef struct pp_rows {
	pp_row *r;
	size_t n, cap;
} pp_rows;

static void pp_rows_free(pp_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->r[i].bench);
	free(rs->r);
}

/* One line "runtime,config,benchmark,pause_ns" into rs; false only
 * without memory (a malformed line is skipped). */
static bool pp_line(pp_rows *rs, char *line)
{
	char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	char *last = strrchr(line, ','), *end;
	if (c2 == NULL || last <= c2)
		return true;
	*c1 = *c2 = *last = '\0';
	bool go = strcmp(line, "go") == 0;
	if (!go && strcmp(line, "gomem") != 0)
		return true;
	long config = strtol(c1 + 1, &end, 10);
	double ns = strtod(last + 1, NULL);
	if (*end != '\0' || !(ns > 0))
		return true;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		pp_row *r = realloc(rs->r, cap * sizeof *r);
		if (r == NULL)
			return false;
		rs->r = r;
		rs->cap = cap;
	}
	char *bench = strdup(c2 + 1);
	if (bench == NULL)
		return false;
	rs->r[rs->n++] = (pp_row){go, (int)config, bench, ns};
	return true;
}

static bool pp_read(const char *dir, pp_rows *rs)
{
	char path[4200], line[1024];
	snprintf(path, sizeof path, "%s/" GMB_PAUSES_FILE, dir);
	FILE *f = fopen(path, "r");
	bool ok = true;
	*rs = (pp_rows){0};
	if (f == NULL)
		return false;
	while (ok && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		ok = pp_line(rs, line);
	}
	fclose(f);
	return ok;
}

/* How many pauses (go, config, bench) has. */
static size_t pp_count(const pp_rows *rs, bool go, int config,
		       const char *bench)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += rs->r[i].go == go && rs->r[i].config == config &&
		     strcmp(rs->r[i].bench, bench) == 0;
	return n;
}

/* name with its component "gomem" turned to "go"; false if none. */
static bool pp_go_twin(const char *name, char *buf, size_t len)
{
	const char *g = strstr(name, "/gomem/");
	if (g == NULL)
		return false;
	int k = snprintf(buf, len, "%.*s/go/%s", (int)(g - name), name, g + 7);
	return k > 0 && (size_t)k < len;
}

/* Row i is the first gomem row of its (config, bench) with a Go twin
 * that has pauses; the twin's name into twin. */
static bool pp_paired(const pp_rows *rs, size_t i, char *twin, size_t len)
{
	const pp_row *r = &rs->r[i];
	if (r->go || !pp_go_twin(r->bench, twin, len))
		return false;
	for (size_t j = 0; j < i; j++)
		if (!rs->r[j].go && rs->r[j].config == r->config &&
		    strcmp(rs->r[j].bench, r->bench) == 0)
			return false;
	return pp_count(rs, true, r->config, twin) > 0;
}

typedef struct pp_wpause {
	double ns, w;
} pp_wpause;

static int pp_wpause_cmp(const void *a, const void *b)
{
	const pp_wpause *x = a, *y = b;
	return (x->ns > y->ns) - (x->ns < y->ns);
}

/* Sort v[0..n) and sum the weights into s; false without memory. */
static bool pp_dist(pp_wpause *v, size_t n, gmb_pause_dist *s)
{
	double sum = 0;
	s->ns = malloc((n ? n : 1) * sizeof *s->ns);
	s->cum = malloc((n ? n : 1) * sizeof *s->cum);
	s->n = n;
	if (s->ns == NULL || s->cum == NULL)
		return false;
	qsort(v, n, sizeof *v, pp_wpause_cmp);
	for (size_t i = 0; i < n; i++) {
		sum += v[i].w;
		s->ns[i] = v[i].ns;
		s->cum[i] = sum;
	}
	for (size_t i = 0; i < n; i++) /* rounding: end exactly at 1 */
		s->cum[i] = i + 1 == n ? 1 : fmin(1, s->cum[i] / sum);
	return true;
}

/* Step 3 for one runtime of configuration `config`: the pauses of the
 * paired benchmarks, weighted. */
static bool pp_side(const pp_rows *rs, int config, bool go, size_t nbench,
		    gmb_pause_dist *s)
{
	pp_wpause *v = malloc((rs->n ? rs->n : 1) * sizeof *v);
	size_t n = 0;
	char twin[512];
	if (v == NULL)
		return false;
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->r[i].config != config || !pp_paired(rs, i, twin, sizeof twin))
			continue;
		const char *bench = go ? twin : rs->r[i].bench;
		double w = 1.0 / ((double)pp_count(rs, go, config, bench) *
				  (double)nbench);
		for (size_t j = 0; j < rs->n; j++)
			if (rs->r[j].go == go && rs->r[j].config == config &&
			    strcmp(rs->r[j].bench, bench) == 0)
				v[n++] = (pp_wpause){rs->r[j].ns, w};
	}
	bool ok = pp_dist(v, n, s);
	free(v);
	return ok;
}

/* GOGC rising, off (-1) last. */
static double pp_order(const gmb_results_data *d, size_t k)
{
	return d->configs[k].gogc < 0 ? 1e12 : d->configs[k].gogc;
}

void gmb_pause_pairs_free(gmb_pause_pair *p, size_t n)
{
	for (size_t i = 0; p != NULL && i < n; i++) {
		free(p[i].gomem.ns);
		free(p[i].gomem.cum);
		free(p[i].go.ns);
		free(p[i].go.cum);
	}
	free(p);
}

size_t gmb_pause_pairs(const gmb_results_data *d, gmb_pause_pair **out)
{
	pp_rows rs = {0};
	size_t n = 0;
	bool *done = calloc(d->nconfigs + 1, sizeof *done);
	char twin[512];
	*out = calloc(GMB_PAUSES_MAX_PANELS, sizeof **out);
	if (done == NULL || *out == NULL || !pp_read(d->dir, &rs)) {
		free(done);
		pp_rows_free(&rs);
		free(*out);
		*out = NULL;
		return 0;
	}
	for (size_t step = 0; step < d->nconfigs && n < GMB_PAUSES_MAX_PANELS;
	     step++) {
		size_t k = d->nconfigs; /* the next configuration in order */
		for (size_t j = 0; j < d->nconfigs; j++)
			if (!done[j] && (k == d->nconfigs ||
					 pp_order(d, j) < pp_order(d, k)))
				k = j;
		done[k] = true;
		int config = d->configs[k].index;
		size_t nbench = 0;
		for (size_t i = 0; i < rs.n; i++)
			nbench += rs.r[i].config == config &&
				  pp_paired(&rs, i, twin, sizeof twin);
		if (nbench == 0)
			continue;
		gmb_pause_pair *p = &(*out)[n++];
		p->config = (int)k;
		p->nbench = nbench;
		if (!pp_side(&rs, config, false, nbench, &p->gomem) ||
		    !pp_side(&rs, config, true, nbench, &p->go)) {
			gmb_pause_pairs_free(*out, n);
			n = 0;
			*out = NULL;
			break;
		}
	}
	free(done);
	pp_rows_free(&rs);
	if (n == 0) {
		free(*out);
		*out = NULL;
	}
	return n;
}

double gmb_pause_quantile(const gmb_pause_dist *s, double q)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->cum[i] >= q - 1e-12)
			return s->ns[i];
	return NAN;
}

/* ---- the figure -------------------------------------------------------- */

/* The label of configuration k without its gogc= field. */
static void pp_rest(const gmb_results_data *d, int k, char *buf, size_t len)
{
	const char *label = d->configs[k].label ? d->configs[k].label : "";
	size_t n = 0;
	buf[0] = '\0';
	for (const char *p = label; *p != '\0';) {
		size_t c = strcspn(p, ",");
		if (strncmp(p, "gogc=", 5) != 0 && n + c + 2 < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%.*s",
					      n ? "," : "", (int)c, p);
		p += c + (p[c] == ',');
	}
}

static void pp_block(FILE *f, const gmb_pause_dist *s, const char *what,
		     int panel, bool first)
{
	fprintf(f, "%s# panel %d, %s: pause per cycle (us), share of the "
		"cycles at most that long\n", first ? "" : "\n\n", panel, what);
	fprintf(f, "%g 0\n", s->ns[0] / 1e3);
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%g %.6g\n", s->ns[i] / 1e3, s->cum[i]);
}

/* A panel's title: "GOGC=100 (3 benchmarks)", with the other settings
 * when they differ between panels. */
static void pp_title(gmb_plot_ctx *c, const gmb_pause_pair *p, size_t np,
		     size_t i)
{
	char rest[512], other[512], t[768], gogc[16];
	bool varies = false;
	pp_rest(c->d, p[i].config, rest, sizeof rest);
	for (size_t j = 0; j < np; j++) {
		pp_rest(c->d, p[j].config, other, sizeof other);
		varies = varies || strcmp(rest, other) != 0;
	}
	int g = c->d->configs[p[i].config].gogc;
	if (g < 0)
		snprintf(gogc, sizeof gogc, "off");
	else
		snprintf(gogc, sizeof gogc, "%d", g);
	snprintf(t, sizeof t, "GOGC=%s%s%s (%zu benchmark%s)", gogc,
		 varies ? ", " : "", varies ? rest : "", p[i].nbench,
		 p[i].nbench == 1 ? "" : "s");
	gmb_plot_title(c, t);
}

int gmb_plot_pause_cdf_go(gmb_plot_ctx *c)
{
	gmb_pause_pair *p;
	size_t np = gmb_pause_pairs(c->d, &p);
	/* room for it inside extra's "legends='...'" */
	char legends[sizeof ((gmb_plot_ctx *)0)->extra - sizeof "legends=''"] = "";
	size_t used = 0;
	if (np == 0)
		return 0;
	fprintf(c->dat, "# pause_cdf_go: per-cycle stop-the-world time of gomem "
		"and Go, each benchmark both ran weighing the same;\n# a panel "
		"per configuration: gomem at index 2i, Go at 2i+1\n");
	for (size_t i = 0; i < np; i++) {
		pp_block(c->dat, &p[i].gomem, "gomem", (int)i + 1, i == 0);
		pp_block(c->dat, &p[i].go, "Go", (int)i + 1, false);
		pp_title(c, p, np, i);
		used += (size_t)snprintf(legends + used,
					 used < sizeof legends ? sizeof legends - used : 0,
					 "%sgomem_(%zu_cycle%s) Go_(%zu_cycle%s)",
					 i ? " " : "", p[i].gomem.n,
					 p[i].gomem.n == 1 ? "" : "s", p[i].go.n,
					 p[i].go.n == 1 ? "" : "s");
	}
	if (used < sizeof legends)
		snprintf(c->extra, sizeof c->extra, "legends='%s'", legends);
	gmb_pause_pairs_free(p, np);
	return (int)np;
}
