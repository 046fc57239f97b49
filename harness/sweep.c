/*
 * sweep.c — `gomem-bench run gogc_sweep` and `run memlimit_sweep`: one
 * workload across a list of GOGC values or memory limits (run.h).
 *
 * A sweep is an ordinary run with two things decided for it, so that
 * everything else (a fresh process per setting, the results directory,
 * cycles/, mmu.csv, rss.csv, compare, plot, report) is the runner's:
 * 1. the settings list: --gogc (or --memlimit) as given, else the
 *    default list of run.h;
 * 2. the benchmarks: those of one workload (--workload, default
 *    steady_heap) among those --benchmark_filter matches, passed to every
 *    configuration as one more --benchmark_filter, after the user's (the
 *    last one wins).
 * The report's GOGC and memory-limit tables (report.c) and the figures
 * against GOGC (plot.c) are drawn from any run whose configurations vary
 * that setting, a sweep's included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run.h"
#include "harness/shim.h"
#include "harness/workload.h"

int gmb_sweep_parse(const char *word, gmb_sweep *out)
{
	if (strcmp(word, "gogc_sweep") == 0)
		*out = GMB_SWEEP_GOGC;
	else if (strcmp(word, "memlimit_sweep") == 0)
		*out = GMB_SWEEP_MEMLIMIT;
	else
		return -1;
	return 0;
}

const char *gmb_sweep_name(gmb_sweep s)
{
	return s == GMB_SWEEP_GOGC ? "gogc_sweep"
	     : s == GMB_SWEEP_MEMLIMIT ? "memlimit_sweep" : NULL;
}

int gmb_sweep_settings(gmb_run_opts *o, char *err, size_t errlen)
{
	const char *flag = NULL;
	if (o->sweep == GMB_SWEEP_NONE) {
		if (o->workload == NULL)
			return 0;
		snprintf(err, errlen, "--workload=%s chooses the workload of a "
			 "sweep; give gogc_sweep or memlimit_sweep first",
			 o->workload);
		return -1;
	}
	if (o->workload == NULL)
		o->workload = GMB_SWEEP_WORKLOAD;
	if (o->sweep == GMB_SWEEP_GOGC && o->settings.ngogc == 0)
		flag = "--gogc=" GMB_SWEEP_GOGC_DEFAULT;
	if (o->sweep == GMB_SWEEP_MEMLIMIT && o->settings.nmemlimit == 0)
		flag = "--memlimit=" GMB_SWEEP_MEMLIMIT_DEFAULT;
	if (flag != NULL &&
	    gmb_settings_parse(&o->settings, flag, NULL, err, errlen) != 0)
		return -1;
	return 0;
}

/* The instances of one workload, by name (without "/threads:N" when
 * `strip`). */
typedef struct sweep_names {
	const char *workload;
	bool strip;
	char **base;
	size_t n, cap;
} sweep_names;

static void sweep_add(const char *name, void *ctx)
{
	sweep_names *s = ctx;
	const gmb_workload *w = gmb_workload_of(name);
	if (w == NULL || strcmp(w->name, s->workload) != 0)
		return;
	const char *t = s->strip ? strstr(name, "/threads:") : NULL;
	size_t len = t != NULL ? (size_t)(t - name) : strlen(name);
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->base[i]) == len && strncmp(s->base[i], name, len) == 0)
			return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **b = realloc(s->base, cap * sizeof *b);
		if (b == NULL)
			gmb_fatal("out of memory listing the sweep's benchmarks");
		s->base = b;
		s->cap = cap;
	}
	if ((s->base[s->n] = strndup(name, len)) == NULL)
		gmb_fatal("out of memory listing the sweep's benchmarks");
	s->n++;
}

/* Append s to buf[*n..len) with regular-expression metacharacters
 * escaped; false when it does not fit. */
static bool sweep_escape(char *buf, size_t len, size_t *n, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr(".[]{}()\\*+?^$|", *s) != NULL) {
			if (*n + 1 >= len)
				return false;
			buf[(*n)++] = '\\';
		}
		if (*n + 1 >= len)
			return false;
		buf[(*n)++] = *s;
	}
	buf[*n] = '\0';
	return true;
}

int gmb_sweep_filter(const char *workload, bool any_threads, char *buf,
		     size_t len)
{
	const char *tail = any_threads ? ")(/threads:[0-9]+)?$" : ")$";
	sweep_names s = {.workload = workload, .strip = any_threads};
	size_t n = 0;
	gmb_list(sweep_add, &s);
	bool ok = s.n > 0 && len > 2;
	if (ok)
		n = (size_t)snprintf(buf, len, "^(");
	for (size_t i = 0; i < s.n; i++) {
		if (ok && i > 0 && (ok = n + 1 < len))
			buf[n++] = '|'; /* an alternative, not escaped */
		ok = ok && sweep_escape(buf, len, &n, s.base[i]);
		free(s.base[i]);
	}
	free(s.base);
	if (!ok || n + strlen(tail) + 1 > len)
		return -1;
	memcpy(buf + n, tail, strlen(tail) + 1);
	return 0;
}
