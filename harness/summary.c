/*
 * summary.c — gomem against its glibc twin, one line per gomem benchmark
 * (see summary.h).
 *
 * 1. gmb_summary_add receives every run Google Benchmark reports: each
 *    repetition, then the aggregates.  A row per instance keeps the
 *    "median" aggregate, or the single repetition when there was only one
 *    (Google Benchmark computes aggregates from two repetitions up).
 * 2. gmb_summary_print walks the rows whose allocator component is
 *    "gomem", looks up the row with "glibc" in its place, and prints both
 *    times and their ratio.
 * Times are wall-clock nanoseconds per iteration (per object for the
 * allocation benchmarks); with several threads Google Benchmark divides
 * the wall time by the iterations of all threads together.
 */
#include "harness/summary.h"

#include <stdlib.h>
#include <string.h>

struct gmb_summary_row {
	char *name;
	bool have_median, have_single;
	double median_ns;  /* the "median" aggregate */
	double single_ns;  /* the last plain repetition */
	int64_t repetitions;
	char *error;       /* the first error message, or NULL */
};

static char *summary_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p == NULL) {
		fprintf(stderr, "gomem-bench: out of memory for the summary\n");
		exit(1);
	}
	return memcpy(p, s, n);
}

static gmb_summary_row *summary_row(gmb_summary *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->rows[i].name, name) == 0)
			return &s->rows[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		gmb_summary_row *rows = realloc(s->rows, cap * sizeof *rows);
		if (rows == NULL) {
			fprintf(stderr, "gomem-bench: out of memory for the "
				"summary\n");
			exit(1);
		}
		s->rows = rows;
		s->cap = cap;
	}
	gmb_summary_row *row = &s->rows[s->n++];
	memset(row, 0, sizeof *row);
	row->name = summary_strdup(name);
	return row;
}

void gmb_summary_add(const gmb_result *r, void *ctx)
{
	gmb_summary *s = ctx;
	gmb_summary_row *row = summary_row(s, r->name);
	row->repetitions = r->repetitions;
	if (r->error) {
		if (row->error == NULL)
			row->error = summary_strdup(r->error_message);
		s->any_error = true;
	} else if (strcmp(r->aggregate, "median") == 0) {
		row->median_ns = r->real_ns;
		row->have_median = true;
	} else if (r->aggregate[0] == '\0') {
		row->single_ns = r->real_ns;
		row->have_single = true;
	}
}

/* The row's time: the median, else its only repetition.  false if none. */
static bool summary_value(const gmb_summary_row *row, double *ns)
{
	if (row->error != NULL)
		return false;
	if (row->have_median)
		*ns = row->median_ns;
	else if (row->have_single)
		*ns = row->single_ns;
	else
		return false;
	return true;
}

/* Where the allocator component `alloc` starts in `name` (a component is
 * delimited by '/' or the ends), or NULL. */
static const char *summary_component(const char *name, const char *alloc)
{
	size_t n = strlen(alloc);
	for (const char *p = strstr(name, alloc); p; p = strstr(p + 1, alloc)) {
		bool starts = p == name || p[-1] == '/';
		bool ends = p[n] == '/' || p[n] == '\0';
		if (starts && ends)
			return p;
	}
	return NULL;
}

/* The twin of a gomem row with allocator `base` in its place, or NULL. */
static const gmb_summary_row *summary_twin(const gmb_summary *s,
					   const gmb_summary_row *row,
					   const char *base)
{
	const char *at = summary_component(row->name, "gomem");
	char twin[512];
	int n = snprintf(twin, sizeof twin, "%.*s%s%s", (int)(at - row->name),
			 row->name, base, at + strlen("gomem"));
	if (n < 0 || (size_t)n >= sizeof twin)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->rows[i].name, twin) == 0)
			return &s->rows[i];
	return NULL;
}

static int summary_name_width(const gmb_summary *s)
{
	size_t w = strlen("benchmark");
	for (size_t i = 0; i < s->n; i++)
		if (summary_component(s->rows[i].name, "gomem") != NULL &&
		    strlen(s->rows[i].name) > w)
			w = strlen(s->rows[i].name);
	return (int)w;
}

/* one baseline's time and gomem's ratio to it, or dashes */
static void summary_print_ratio(const gmb_summary_row *twin, bool have_g,
				double g, FILE *out)
{
	double b;
	if (twin != NULL && summary_value(twin, &b)) {
		fprintf(out, "  %12.2f", b);
		if (have_g)
			fprintf(out, "  %12.2f", g / b);
		else
			fprintf(out, "  %12s", "-");
	} else {
		fprintf(out, "  %12s  %12s", "-", "-");
	}
}

static void summary_print_row(const gmb_summary *s, const gmb_summary_row *row,
			      int width, FILE *out)
{
	double g = 0;
	bool have_g = summary_value(row, &g);

	fprintf(out, "%-*s", width, row->name);
	if (row->error != NULL) {
		fprintf(out, "  error: %s\n", row->error);
		return;
	}
	if (have_g)
		fprintf(out, "  %12.2f", g);
	else
		fprintf(out, "  %12s", "-");
	summary_print_ratio(summary_twin(s, row, "glibc"), have_g, g, out);
	summary_print_ratio(summary_twin(s, row, "calloc"), have_g, g, out);
	fputc('\n', out);
}

/* What the numbers are, under the table. */
static void summary_print_legend(const gmb_summary *s, FILE *out)
{
	int64_t reps = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].have_median && s->rows[i].repetitions > reps)
			reps = s->rows[i].repetitions;
	if (reps > 1)
		fprintf(out, "ns/op: median of %lld repetitions", (long long)reps);
	else
		fprintf(out, "ns/op: one repetition (no median)");
	fprintf(out, " of wall-clock ns per object; with N threads, per object "
		"of all N threads together.\nmalloc: glibc malloc+free; calloc: "
		"glibc calloc+free (zeroed, as gomem returns).\n");
}

void gmb_summary_print(const gmb_summary *s, FILE *out)
{
	int width = summary_name_width(s);
	size_t rows = 0;

	for (size_t i = 0; i < s->n; i++) {
		const gmb_summary_row *row = &s->rows[i];
		if (summary_component(row->name, "gomem") == NULL)
			continue;
		if (rows++ == 0)
			fprintf(out, "%-*s  %12s  %12s  %12s  %12s  %12s\n", width,
				"benchmark", "gomem ns/op", "malloc ns/op", "gomem/malloc",
				"calloc ns/op", "gomem/calloc");
		summary_print_row(s, row, width, out);
	}
	if (rows == 0)
		fprintf(out, "no gomem benchmark ran: nothing to compare\n");
	else
		summary_print_legend(s, out);
}

void gmb_summary_free(gmb_summary *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].name);
		free(s->rows[i].error);
	}
	free(s->rows);
	memset(s, 0, sizeof *s);
}
