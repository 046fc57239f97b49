/*
 * workload.c — collects the workloads from the "gmb_workloads" linker
 * section and registers their benchmarks (see workload.h).
 *
 * 1. The section holds one `const gmb_workload *` per workload, in link
 *    order; the table is copied once and sorted by name so listings and
 *    runs do not depend on the link order.
 * 2. Registration calls each workload's register function (or registers
 *    its single benchmark) and remembers which Google Benchmark families
 *    it added: family indices [fam_begin[i], fam_end[i]) belong to the
 *    i-th workload.  That is how `list` groups benchmark instances under
 *    their workload.
 */
#include "harness/workload.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Provided by the linker for any section whose name is a C identifier.
 * Weak, so that a build with no workload at all still links. */
extern const gmb_workload *const __start_gmb_workloads[] __attribute__((weak));
extern const gmb_workload *const __stop_gmb_workloads[] __attribute__((weak));

static const gmb_workload **wl_table; /* sorted; built once */
static size_t wl_count;
static size_t *wl_fam_begin, *wl_fam_end; /* per workload, once registered */
static bool wl_registered;

static int wl_compare(const void *a, const void *b)
{
	const gmb_workload *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static void wl_collect(void)
{
	if (wl_table != NULL || __start_gmb_workloads == NULL)
		return;
	size_t n = (size_t)(__stop_gmb_workloads - __start_gmb_workloads);
	wl_table = calloc(n ? n : 1, sizeof *wl_table);
	if (wl_table == NULL)
		gmb_fatal("out of memory collecting %zu workloads", n);
	for (size_t i = 0; i < n; i++)
		wl_table[i] = __start_gmb_workloads[i];
	qsort(wl_table, n, sizeof *wl_table, wl_compare);
	wl_count = n;
}

size_t gmb_workload_count(void)
{
	wl_collect();
	return wl_count;
}

const gmb_workload *gmb_workload_at(size_t i)
{
	wl_collect();
	return i < wl_count ? wl_table[i] : NULL;
}

/* 0 when the descriptor is usable, else -1 with a message naming it. */
static int wl_check(size_t i)
{
	const gmb_workload *w = wl_table[i];
	if (w->name == NULL || w->name[0] == '\0') {
		fprintf(stderr, "gomem-bench: a workload has no name\n");
		return -1;
	}
	if ((w->register_benchmarks == NULL) == (w->fn == NULL)) {
		fprintf(stderr, "gomem-bench: workload %s must set exactly one "
			"of register_benchmarks and fn\n", w->name);
		return -1;
	}
	if (i > 0 && strcmp(wl_table[i - 1]->name, w->name) == 0) {
		fprintf(stderr, "gomem-bench: two workloads are named %s\n",
			w->name);
		return -1;
	}
	return 0;
}

int gmb_workloads_register(void)
{
	wl_collect();
	if (wl_registered)
		return 0;
	wl_fam_begin = calloc(wl_count + 1, sizeof *wl_fam_begin);
	wl_fam_end = calloc(wl_count + 1, sizeof *wl_fam_end);
	if (wl_fam_begin == NULL || wl_fam_end == NULL)
		gmb_fatal("out of memory registering workloads");
	for (size_t i = 0; i < wl_count; i++) {
		const gmb_workload *w = wl_table[i];
		if (wl_check(i) != 0)
			return -1;
		wl_fam_begin[i] = gmb_family_count();
		if (w->register_benchmarks != NULL)
			w->register_benchmarks();
		else
			gmb_register(w->name, w->fn, w->arg, &w->opts);
		wl_fam_end[i] = gmb_family_count();
	}
	wl_registered = true;
	return 0;
}

/* Length of `family` when it is a leading path of `instance` (equal, or
 * followed by '/'), else 0. */
static size_t wl_prefix_len(const char *family, const char *instance)
{
	size_t n = strlen(family);
	if (strncmp(family, instance, n) != 0)
		return 0;
	return instance[n] == '/' || instance[n] == '\0' ? n : 0;
}

const gmb_workload *gmb_workload_of(const char *instance)
{
	const gmb_workload *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; wl_registered && i < wl_count; i++) {
		for (size_t f = wl_fam_begin[i]; f < wl_fam_end[i]; f++) {
			size_t n = wl_prefix_len(gmb_family_name(f), instance);
			if (n > best_len) {
				best = wl_table[i];
				best_len = n;
			}
		}
	}
	return best;
}

void gmb_fatal(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("gomem-bench: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
