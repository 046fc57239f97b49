/*
 * compare.c — `gomem-bench compare BASE NEW` (see compare.h), and the
 * metric helpers report.c and plot.c share.
 *
 * 1. Load both directories with gmb_results_load (results.h); a missing or
 *    corrupt one stops here with exit status 2 and the reader's message,
 *    which names the file and what is wrong with it.
 * 2. Pair the configurations by their label (every setting spelled out),
 *    or, when each run has exactly one, with each other whatever they are
 *    (comparing two settings is a use of its own).
 * 3. For every benchmark (run_name) of NEW whose configuration pairs with
 *    one of BASE and which BASE ran too, and for every metric of
 *    GMB_METRICS both carry: the values over the repetitions on each side,
 *    their medians, the change of the median in percent, and the
 *    two-sided Mann-Whitney U test (mannwhitney.c) of one set of
 *    repetitions against the other.
 * 4. Verdict per row: a regression when p < alpha AND the change exceeds
 *    the threshold in the worse direction (an improvement, in the better
 *    one); "too few" when the test, with these repetitions, could not
 *    reach p < alpha at all (its smallest possible p, 2 / C(n1 + n2, n1)
 *    without ties, is not below alpha: fewer than 4 per side at 0.05;
 *    judged by the sizes alone, since ties can move the smallest p of one
 *    data set either way); a
 *    benchmark that reported an error in NEW is "FAILED".
 * 5. Print the rows as a table (grouped by configuration), one warning
 *    per distinct pair of repetition counts that is too few, what is on
 *    one side only, and the summary.  Exit status 1 on any regression or
 *    failure, else 0.
 * Why a rank test: benchmark times are skewed and carry outliers (an
 * interrupt, a page-fault storm); the U test needs no normality, and the
 * median it goes with is the robust centre that `run` reports as well.
 */
#include "harness/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/mannwhitney.h"

/* ---- metrics ----------------------------------------------------------- */

static const gmb_metric cmp_metrics[GMB_METRIC_COUNT] = {
#define GMB_METRIC_ROW(id, label, unit, counter, hb) {label, unit, counter, hb},
	GMB_METRICS(GMB_METRIC_ROW)
#undef GMB_METRIC_ROW
};

const gmb_metric *gmb_metric_get(gmb_metric_id id)
{
	return id < GMB_METRIC_COUNT ? &cmp_metrics[id] : NULL;
}

bool gmb_metric_value(const gmb_metric *m, const gmb_results_bench *b,
		      double *v)
{
	if (m->counter == NULL) {
		*v = b->real_ns;
		return isfinite(*v);
	}
	for (size_t i = 0; i < b->ncounters; i++)
		if (strcmp(b->counters[i].name, m->counter) == 0) {
			*v = b->counters[i].value;
			return isfinite(*v);
		}
	return false;
}

size_t gmb_metric_samples(const gmb_results_data *d, int config,
			  const char *run_name, const gmb_metric *m, double *v,
			  size_t cap, bool *aggregates_only)
{
	size_t n = 0;
	double median = 0;
	bool have_median = false;
	for (size_t i = 0; i < d->nbenches; i++) {
		const gmb_results_bench *b = &d->benches[i];
		double x;
		if (b->config != config || b->error ||
		    strcmp(b->run_name, run_name) != 0 ||
		    !gmb_metric_value(m, b, &x))
			continue;
		if (!b->aggregate) {
			if (n < cap)
				v[n] = x;
			n++;
		} else if (strcmp(b->aggregate_name, "median") == 0) {
			median = x;
			have_median = true;
		}
	}
	*aggregates_only = n == 0 && have_median;
	if (*aggregates_only && cap > 0)
		v[0] = median;
	return *aggregates_only ? 1 : n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double gmb_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* v scaled down by `step` while it is at least `step`, to the unit that
 * keeps it readable. */
static const char *cmp_scaled(double v, double step, const char *const *units,
			      size_t nunits, char *buf, size_t len)
{
	size_t i = 0;
	while (i + 1 < nunits && fabs(v) >= step) {
		v /= step;
		i++;
	}
	snprintf(buf, len, "%.4g %s", v, units[i]);
	return buf;
}

const char *gmb_metric_format(double v, const char *unit, char *buf,
			      size_t len)
{
	static const char *const ns[] = {"ns", "us", "ms", "s"};
	static const char *const rate[] = {"/s", "k/s", "M/s", "G/s"};
	static const char *const bytes[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (strcmp(unit, "ns") == 0)
		return cmp_scaled(v, 1000, ns, 4, buf, len);
	else if (strcmp(unit, "/s") == 0)
		return cmp_scaled(v, 1000, rate, 4, buf, len);
	else if (strcmp(unit, "B") == 0)
		return cmp_scaled(v, 1024, bytes, 5, buf, len);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

/* ---- the comparison ---------------------------------------------------- */

typedef enum cmp_verdict {
	CMP_SAME,        /* p >= alpha: no difference shown */
	CMP_WITHIN,      /* p < alpha, but the change is within the threshold */
	CMP_REGRESSION,
	CMP_IMPROVEMENT,
	CMP_TOO_FEW,     /* the test could not reach p < alpha */
	CMP_FAILED,      /* NEW reported an error */
} cmp_verdict;

static const char *const cmp_verdict_names[] = {
	"no change", "within threshold", "REGRESSION", "improvement",
	"too few reps", "FAILED",
};

typedef struct cmp_row {
	const char *bench;  /* run_name, borrowed from NEW */
	const char *config; /* NEW's configuration label, or "" */
	const gmb_metric *m;
	double base, next, change; /* medians; change in percent */
	size_t nbase, nnext;
	bool aggregates_only;
	gmb_mw_result t;
	cmp_verdict verdict;
	const char *error;  /* CMP_FAILED: NEW's error message */
} cmp_row;

typedef struct cmp_state {
	const gmb_results_data *base, *next;
	const gmb_compare_opts *o;
	cmp_row *rows;
	size_t nrows, cap;
	gmb_compare_summary sum;
	int oom;
} cmp_state;

static cmp_row *cmp_add_row(cmp_state *s)
{
	if (s->nrows == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		cmp_row *rows = realloc(s->rows, cap * sizeof *rows);
		if (rows == NULL) {
			s->oom = 1;
			return NULL;
		}
		s->rows = rows;
		s->cap = cap;
	}
	cmp_row *r = &s->rows[s->nrows++];
	memset(r, 0, sizeof *r);
	return r;
}

static const char *cmp_config_label(const gmb_results_data *d, int config)
{
	if (config >= 0 && (size_t)config < d->nconfigs &&
	    d->configs[config].label != NULL)
		return d->configs[config].label;
	return "";
}

/* Step 2: the configuration of BASE that NEW's `config` pairs with, or -1. */
static int cmp_pair_config(const cmp_state *s, int config)
{
	const char *label = cmp_config_label(s->next, config);
	const gmb_results_config *c = gmb_results_config_by_label(s->base, label);
	if (c != NULL)
		return (int)(c - s->base->configs);
	if (s->base->nconfigs <= 1 && s->next->nconfigs <= 1)
		return 0;
	return -1;
}

/* The first entry of (config, run_name) in d at or after `from`, or NULL. */
static const gmb_results_bench *cmp_find(const gmb_results_data *d, int config,
					 const char *run_name, size_t from)
{
	for (size_t i = from; i < d->nbenches; i++)
		if (d->benches[i].config == config &&
		    strcmp(d->benches[i].run_name, run_name) == 0)
			return &d->benches[i];
	return NULL;
}

/* NEW's error for (config, run_name), or NULL when every entry is fine. */
static const char *cmp_error(const gmb_results_data *d, int config,
			     const char *run_name)
{
	for (const gmb_results_bench *b = cmp_find(d, config, run_name, 0); b;
	     b = cmp_find(d, config, run_name, (size_t)(b - d->benches) + 1))
		if (b->error)
			return b->error_message[0] ? b->error_message : "error";
	return NULL;
}

/* Both sides' samples of one metric; false when either side has none. */
static bool cmp_samples(const gmb_results_data *d, int config, const char *name,
			const gmb_metric *m, double **v, size_t *n, bool *agg)
{
	*n = gmb_metric_samples(d, config, name, m, NULL, 0, agg);
	if (*n == 0)
		return false;
	*v = malloc(*n * sizeof **v);
	if (*v == NULL)
		return false;
	gmb_metric_samples(d, config, name, m, *v, *n, agg);
	return true;
}

/* Step 4. */
static cmp_verdict cmp_judge(const cmp_row *r, const gmb_compare_opts *o)
{
	if (gmb_mw_min_p(r->nbase, r->nnext) >= o->alpha)
		return CMP_TOO_FEW;
	if (!(r->t.p < o->alpha))
		return CMP_SAME;
	if (!isfinite(r->change) || fabs(r->change) <= o->threshold)
		return CMP_WITHIN;
	bool worse = r->m->higher_better ? r->change < 0 : r->change > 0;
	return worse ? CMP_REGRESSION : CMP_IMPROVEMENT;
}

static double cmp_change(double base, double next)
{
	if (base == next)
		return 0;
	return base != 0 ? (next - base) / fabs(base) * 100 : NAN;
}

/* Step 3 for one metric, given both sides' repetitions. */
static void cmp_row_fill(cmp_state *s, cmp_row *r, double *vb, double *vn)
{
	if (gmb_mw_test(vb, r->nbase, vn, r->nnext, &r->t) != 0)
		s->oom = 1;
	r->base = gmb_median(vb, r->nbase);
	r->next = gmb_median(vn, r->nnext);
	r->change = cmp_change(r->base, r->next);
	r->verdict = cmp_judge(r, s->o);
}

/* Step 3 for one metric: a row, unless a side does not carry it. */
static void cmp_metric(cmp_state *s, int bc, int nc, const char *name,
		       const gmb_metric *m)
{
	double *vb = NULL, *vn = NULL;
	size_t nb, nn;
	bool ab, an;
	cmp_row *r;
	if (cmp_samples(s->base, bc, name, m, &vb, &nb, &ab) &&
	    cmp_samples(s->next, nc, name, m, &vn, &nn, &an) &&
	    (r = cmp_add_row(s)) != NULL) {
		*r = (cmp_row){.bench = name, .m = m, .nbase = nb, .nnext = nn,
			       .config = cmp_config_label(s->next, nc),
			       .aggregates_only = ab || an};
		cmp_row_fill(s, r, vb, vn);
	}
	free(vb);
	free(vn);
}

/* Step 3 for one benchmark of NEW. */
static void cmp_bench(cmp_state *s, int nc, const char *name)
{
	int bc = cmp_pair_config(s, nc);
	if (bc < 0 || cmp_find(s->base, bc, name, 0) == NULL) {
		s->sum.only_new++;
		return;
	}
	s->sum.benchmarks++;
	const char *err = cmp_error(s->next, nc, name);
	if (err != NULL) {
		cmp_row *r = cmp_add_row(s);
		if (r != NULL)
			*r = (cmp_row){.bench = name, .verdict = CMP_FAILED,
				       .config = cmp_config_label(s->next, nc),
				       .error = err, .m = gmb_metric_get(0)};
		return;
	}
	for (int id = 0; id < GMB_METRIC_COUNT; id++)
		cmp_metric(s, bc, nc, name, gmb_metric_get((gmb_metric_id)id));
}

/* true when entry i is the first of its (config, run_name) in d. */
static bool cmp_first(const gmb_results_data *d, size_t i)
{
	const gmb_results_bench *b = &d->benches[i];
	return cmp_find(d, b->config, b->run_name, 0) == b;
}

/* BASE's benchmarks that NEW does not have. */
static size_t cmp_count_only_base(const cmp_state *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->base->nbenches; i++) {
		const gmb_results_bench *b = &s->base->benches[i];
		if (!cmp_first(s->base, i))
			continue;
		bool found = false;
		for (size_t j = 0; j < s->next->nbenches && !found; j++) {
			const gmb_results_bench *c = &s->next->benches[j];
			found = strcmp(c->run_name, b->run_name) == 0 &&
				cmp_pair_config(s, c->config) == b->config;
		}
		n += !found;
	}
	return n;
}

/* ---- printing (step 5) ------------------------------------------------- */

static void cmp_print_header(const cmp_state *s, FILE *out)
{
	const gmb_results_data *d[2] = {s->base, s->next};
	const char *what[2] = {"base", "new "};
	for (int i = 0; i < 2; i++)
		fprintf(out, "%s: %s (revision %s, %s)\n", what[i],
			d[i]->dir ? d[i]->dir : "?",
			d[i]->git_revision ? d[i]->git_revision : "unknown",
			d[i]->date ? d[i]->date : "date unknown");
	if (s->base->nconfigs == 1 && s->next->nconfigs == 1 &&
	    strcmp(cmp_config_label(s->base, 0), cmp_config_label(s->next, 0)))
		fprintf(out, "note: comparing configuration %s (base) with %s "
			"(new)\n", cmp_config_label(s->base, 0),
			cmp_config_label(s->next, 0));
}

static int cmp_name_width(const cmp_state *s)
{
	size_t w = strlen("benchmark");
	for (size_t i = 0; i < s->nrows; i++)
		if (strlen(s->rows[i].bench) > w)
			w = strlen(s->rows[i].bench);
	return (int)w;
}

/* One row; the benchmark's name only on its first. */
static void cmp_print_row(const cmp_row *r, bool name, int width, FILE *out)
{
	char b[32], n[32], reps[32], p[32];
	if (r->verdict == CMP_FAILED) {
		fprintf(out, "%-*s  FAILED in new: %s\n", width, r->bench, r->error);
		return;
	}
	snprintf(reps, sizeof reps, "%zu/%zu%s", r->nbase, r->nnext,
		 r->aggregates_only ? "a" : "");
	snprintf(p, sizeof p, "%.3g%s", r->t.p,
		 r->t.method == GMB_MW_NORMAL ? "*" : "");
	fprintf(out, "%-*s  %-9s  %11s  %11s  %+8.1f%%  %7s  %7s  %s\n", width,
		name ? r->bench : "", r->m->label,
		gmb_metric_format(r->base, r->m->unit, b, sizeof b),
		gmb_metric_format(r->next, r->m->unit, n, sizeof n), r->change,
		reps, p, cmp_verdict_names[r->verdict]);
}

static void cmp_print_table(const cmp_state *s, FILE *out)
{
	int width = cmp_name_width(s);
	const char *config = NULL;
	bool many = s->next->nconfigs > 1;
	for (size_t i = 0; i < s->nrows; i++) {
		const cmp_row *r = &s->rows[i];
		bool header = config == NULL ||
			      (many && strcmp(config, r->config) != 0);
		if (header) {
			if (many)
				fprintf(out, "\nconfiguration %s\n", r->config);
			fprintf(out, "%s%-*s  %-9s  %11s  %11s  %9s  %7s  %7s  %s\n",
				many ? "" : "\n", width, "benchmark", "metric",
				"base", "new", "change", "reps", "p", "verdict");
			config = r->config;
		}
		cmp_print_row(r, header || r->bench != r[-1].bench, width, out);
	}
}

/* The regressed and failed rows again, so that a long table's verdict is
 * seen at its end. */
static void cmp_print_regressed(const cmp_state *s, FILE *out)
{
	for (size_t i = 0; i < s->nrows; i++) {
		const cmp_row *r = &s->rows[i];
		const char *many = s->next->nconfigs > 1 ? r->config : "";
		if (r->verdict == CMP_FAILED)
			fprintf(out, "failed:    %s%s%s: %s\n", many,
				many[0] ? " " : "", r->bench, r->error);
		if (r->verdict == CMP_REGRESSION)
			fprintf(out, "regressed: %s%s%s %s %+.1f%% (p = %.3g)\n",
				many, many[0] ? " " : "", r->bench, r->m->label,
				r->change, r->t.p);
	}
}

/* One warning per distinct (n_base, n_new) whose test cannot reach alpha. */
static void cmp_print_too_few(const cmp_state *s, FILE *out)
{
	for (size_t i = 0; i < s->nrows; i++) {
		const cmp_row *r = &s->rows[i];
		bool first = r->verdict == CMP_TOO_FEW;
		size_t count = 0;
		for (size_t j = 0; j < s->nrows; j++) {
			const cmp_row *q = &s->rows[j];
			bool same = q->verdict == CMP_TOO_FEW &&
				    q->nbase == r->nbase && q->nnext == r->nnext;
			first = first && !(same && j < i);
			count += same;
		}
		if (!first)
			continue;
		fprintf(out, "warning: %zu comparison%s with %zu (base) and %zu "
			"(new) repetitions: the smallest p the U test can give "
			"there is %.3g, never below %g, so no regression can be "
			"flagged; run at least %zu repetitions per side "
			"(--benchmark_repetitions=%zu)\n", count,
			count == 1 ? "" : "s", r->nbase, r->nnext,
			gmb_mw_min_p(r->nbase, r->nnext),
			s->o->alpha, gmb_mw_min_reps(s->o->alpha),
			gmb_mw_min_reps(s->o->alpha));
	}
}

static void cmp_print_summary(const cmp_state *s, FILE *out)
{
	const gmb_compare_summary *m = &s->sum;
	fprintf(out, "\ntime/op: wall-clock time per iteration.  items/s: "
		"Google Benchmark's items_per_second,\n   per CPU second unless "
		"the benchmark measures real time.\n"
		"reps: repetitions in base/new (a: only the median "
		"aggregate was kept).\np: two-sided Mann-Whitney U test over "
		"the repetitions: exact permutation distribution\n   up to %d "
		"values, else normal approximation with tie correction (*).\n"
		"A regression: the median changed by more than %g%% for the "
		"worse, with p < %g.\n", GMB_MW_EXACT_MAX_N,
		s->o->threshold, s->o->alpha);
	cmp_print_too_few(s, out);
	fprintf(out, "\n%zu benchmark%s compared (%zu metric rows): %zu "
		"regression%s, %zu improvement%s, %zu failed, %zu row%s with too "
		"few repetitions; %zu only in base, %zu only in new\n",
		m->benchmarks, m->benchmarks == 1 ? "" : "s", m->rows,
		m->regressions, m->regressions == 1 ? "" : "s", m->improvements,
		m->improvements == 1 ? "" : "s", m->failed, m->too_few,
		m->too_few == 1 ? "" : "s", m->only_base, m->only_new);
	cmp_print_regressed(s, out);
	fprintf(out, "verdict: %s\n", m->regressions || m->failed
					      ? "REGRESSED" : "no regression");
}

static void cmp_tally(cmp_state *s)
{
	for (size_t i = 0; i < s->nrows; i++) {
		cmp_verdict v = s->rows[i].verdict;
		s->sum.rows += v != CMP_FAILED;
		s->sum.regressions += v == CMP_REGRESSION;
		s->sum.improvements += v == CMP_IMPROVEMENT;
		s->sum.too_few += v == CMP_TOO_FEW;
		s->sum.failed += v == CMP_FAILED;
	}
	s->sum.only_base = cmp_count_only_base(s);
}

/* ---- entry points ------------------------------------------------------ */

void gmb_compare_opts_default(gmb_compare_opts *o)
{
	*o = (gmb_compare_opts){.threshold = GMB_COMPARE_THRESHOLD,
				.alpha = GMB_COMPARE_ALPHA,
				.out = stdout,
				.err = stderr};
}

int gmb_compare_data(const gmb_results_data *base,
		     const gmb_results_data *next, const gmb_compare_opts *o,
		     gmb_compare_summary *sum)
{
	cmp_state s = {.base = base, .next = next, .o = o};
	for (size_t i = 0; i < next->nbenches; i++)
		if (cmp_first(next, i))
			cmp_bench(&s, next->benches[i].config,
				  next->benches[i].run_name);
	cmp_tally(&s);
	cmp_print_header(&s, o->out);
	if (s.nrows == 0)
		fprintf(o->out, "\nno benchmark is in both runs: nothing to "
			"compare\n");
	cmp_print_table(&s, o->out);
	cmp_print_summary(&s, o->out);
	if (s.oom)
		fprintf(o->err, "gomem-bench compare: out of memory: some rows "
			"are missing\n");
	if (sum != NULL)
		*sum = s.sum;
	free(s.rows);
	return s.sum.regressions || s.sum.failed || s.oom ? 1 : 0;
}

int gmb_compare_dirs(const char *base, const char *next,
		     const gmb_compare_opts *o, gmb_compare_summary *sum)
{
	gmb_results_data b, n;
	char err[1024];
	if (gmb_results_load(base, &b, err, sizeof err) != 0) {
		fprintf(o->err, "gomem-bench compare: BASE: %s\n", err);
		return 2;
	}
	if (gmb_results_load(next, &n, err, sizeof err) != 0) {
		fprintf(o->err, "gomem-bench compare: NEW: %s\n", err);
		gmb_results_free(&b);
		return 2;
	}
	int rc = gmb_compare_data(&b, &n, o, sum);
	gmb_results_free(&b);
	gmb_results_free(&n);
	return rc;
}

/* ---- the command ------------------------------------------------------- */

static void cmp_usage(FILE *out)
{
	fprintf(out,
		"usage: gomem-bench compare [--threshold=PCT] BASE NEW\n\n"
		"Compares two results directories (written by gomem-bench run; "
		"results/latest\nis the newest): for each benchmark both ran, "
		"each metric both carry\n(time/op, items/s, and pause p99, MMU "
		"at 10 ms, peak RSS where present),\nthe medians over the "
		"repetitions, the change in percent, and a two-sided\n"
		"Mann-Whitney U test of NEW's repetitions against BASE's.\n\n"
		"A regression is a change past the threshold in the worse "
		"direction with\np < %g.  The test needs at least %zu "
		"repetitions per side to ever reach that;\nwith fewer, compare "
		"warns and flags nothing.\n\n"
		"flags:\n"
		"  --threshold=PCT  smallest change that counts, in percent "
		"(default %g)\n"
		"  -h, --help       this text\n\n"
		"exit status: 0 no regression, 1 a regression (or a benchmark "
		"failed in NEW),\n2 bad command line or a missing or corrupt "
		"results directory\n",
		GMB_COMPARE_ALPHA, gmb_mw_min_reps(GMB_COMPARE_ALPHA),
		GMB_COMPARE_THRESHOLD);
}

static int cmp_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "gomem-bench compare: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (gomem-bench compare --help says more)\n");
	return 2;
}

/* --threshold's value: a finite percentage >= 0.  0 or an exit status. */
static int cmp_parse_threshold(const char *s, double *pct)
{
	char *end;
	double v = strtod(s, &end);
	if (end != s && *end == '%')
		end++;
	if (end == s || *end != '\0' || !isfinite(v) || v < 0)
		return cmp_usage_error("--threshold takes a percentage >= 0, "
				       "e.g. --threshold=5, not '%s'", s);
	*pct = v;
	return 0;
}

/* 0 and the two directories, 1 after printing the help, or 2. */
static int cmp_parse(int argc, char **argv, gmb_compare_opts *o,
		     const char *dirs[2])
{
	int ndirs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc = 0;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cmp_usage(stdout);
			return 1;
		} else if (strncmp(a, "--threshold=", 12) == 0) {
			rc = cmp_parse_threshold(a + 12, &o->threshold);
		} else if (strcmp(a, "--threshold") == 0) {
			rc = i + 1 < argc
				     ? cmp_parse_threshold(argv[++i], &o->threshold)
				     : cmp_usage_error("%s needs a value", a);
		} else if (a[0] == '-' && a[1] != '\0') {
			rc = cmp_usage_error("unknown flag '%s'; compare "
					     "accepts --threshold=PCT", a);
		} else if (ndirs < 2) {
			dirs[ndirs++] = a;
		} else {
			rc = cmp_usage_error("one directory too many: '%s'; "
					     "compare takes BASE and NEW", a);
		}
		if (rc != 0)
			return rc;
	}
	if (ndirs < 2)
		return cmp_usage_error("%s", "needs two results directories, "
				       "BASE and NEW");
	return 0;
}

int gmb_cmd_compare(int argc, char **argv)
{
	gmb_compare_opts o;
	const char *dirs[2];
	gmb_compare_opts_default(&o);
	int rc = cmp_parse(argc, argv, &o, dirs);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	return gmb_compare_dirs(dirs[0], dirs[1], &o, NULL);
}
