/*
 * list.c — `gomem-bench list`: the registered workloads and, under each,
 * the benchmark instances it registered (as `run` would name them).
 *
 * 1. Register every workload (no gm_init: registration does not touch
 *    the heap).
 * 2. Ask Google Benchmark for the instance names matching
 *    --benchmark_filter (shim's gmb_list, i.e. --benchmark_list_tests).
 * 3. Print each workload's name, description and parameters, then its
 *    instances, found by gmb_workload_of.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd.h"
#include "harness/shim.h"
#include "harness/workload.h"

typedef struct list_names {
	char **v;
	size_t n, cap;
} list_names;

static void list_usage(FILE *out)
{
	fprintf(out, "usage: gomem-bench list [--benchmark_filter=<regex>]\n\n"
		     "Lists the registered workloads and, under each, its "
		     "benchmarks as\n`gomem-bench run` names them (only those "
		     "matching the filter, when one is\ngiven).\n\n"
		     "flags:\n"
		     "  --benchmark_filter=<regex>  as for run\n"
		     "  -h, --help                  this text\n");
}

static void list_collect(const char *name, void *ctx)
{
	list_names *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->v, cap * sizeof *v);
		if (v == NULL)
			gmb_fatal("out of memory listing benchmarks");
		l->v = v;
		l->cap = cap;
	}
	size_t len = strlen(name) + 1;
	if ((l->v[l->n] = malloc(len)) == NULL)
		gmb_fatal("out of memory listing benchmarks");
	memcpy(l->v[l->n++], name, len);
}

static void list_print_workload(const gmb_workload *w, const list_names *l)
{
	printf("%s\n", w->name);
	if (w->description != NULL)
		printf("  %s\n", w->description);
	if (w->params != NULL)
		printf("  parameters: %s\n", w->params);
	for (size_t i = 0; i < l->n; i++)
		if (gmb_workload_of(l->v[i]) == w)
			printf("    %s\n", l->v[i]);
}

static void list_print(const list_names *l)
{
	size_t nw = gmb_workload_count();
	printf("%zu workload%s, %zu benchmark%s\n\n", nw, nw == 1 ? "" : "s",
	       l->n, l->n == 1 ? "" : "s");
	for (size_t i = 0; i < nw; i++) {
		if (i > 0)
			putchar('\n');
		list_print_workload(gmb_workload_at(i), l);
	}
}

/* Parse: 0 to go on, -1 for --help, else an exit status.  The filter
 * flags are gathered into filters[]. */
static int list_parse(int argc, char **argv, char **filters, int *nfilters)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
			return -1;
		if (gmb_flag_is(arg, "benchmark_filter")) {
			filters[(*nfilters)++] = argv[i];
			continue;
		}
		return gmb_usage_error("list", "unknown %s '%s'; list accepts "
				       "--benchmark_filter=<regex> and --help",
				       arg[0] == '-' ? "flag" : "argument", arg);
	}
	return 0;
}

int gmb_cmd_list(int argc, char **argv)
{
	char *filters[argc > 0 ? argc : 1];
	int nfilters = 0;
	list_names names = {0};

	int rc = list_parse(argc, argv, filters, &nfilters);
	if (rc < 0) {
		list_usage(stdout);
		return GMB_EXIT_OK;
	}
	if (rc != 0 || (rc = gmb_benchmark_init("list", filters, nfilters)) != 0)
		return rc;
	if (gmb_workloads_register() != 0)
		return GMB_EXIT_FAIL;
	gmb_list(list_collect, &names);
	list_print(&names);
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	gmb_shutdown();
	return GMB_EXIT_OK;
}
