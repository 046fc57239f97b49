/*
 * sweep.c — which benchmarks each configuration of `gomem-bench run`
 * runs: the sweeps (`run gogc_sweep`, `run memlimit_sweep`: one workload
 * across a list of GOGC values or memory limits) and
 * --every-config-filter (some benchmarks under every configuration, the
 * rest under the first alone).  See run.h.
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
 *
 * --every-config-filter splits the instances --benchmark_filter selects
 * in two groups by a regular expression (regex.h, as Google Benchmark's
 * filter): the every-config group and the rest.  Each group is handed to
 * its children as a filter naming its instances exactly, "^(A|B)$", built
 * as a sweep's is; run.c runs the rest under the first configuration and
 * the every-config group under each.
 */
#include <regex.h>
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

/* Instance names (without "/threads:N" when `strip`), each once. */
typedef struct sweep_names {
	const char *workload; /* a sweep's: only its instances; NULL: all */
	bool strip;
	char **base;
	size_t n, cap;
} sweep_names;

/* Add `name` to s unless it is there already. */
static void sweep_names_add(sweep_names *s, const char *name)
{
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

static void sweep_names_free(sweep_names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->base[i]);
	free(s->base);
	*s = (sweep_names){0};
}

/* gmb_list callback: the instances of s->workload (all when NULL). */
static void sweep_add(const char *name, void *ctx)
{
	sweep_names *s = ctx;
	const gmb_workload *w = gmb_workload_of(name);
	if (s->workload == NULL ||
	    (w != NULL && strcmp(w->name, s->workload) == 0))
		sweep_names_add(s, name);
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

/* `head` then the filter "^(A|B)$" matching exactly the names of s
 * (with s->strip, "^(A|B)(/threads:[0-9]+)?$") into buf; 0, or -1 when s
 * is empty or buf too small. */
static int sweep_names_filter(const sweep_names *s, const char *head,
			      char *buf, size_t len)
{
	const char *tail = s->strip ? ")(/threads:[0-9]+)?$" : ")$";
	size_t n = strlen(head) + 2;
	bool ok = s->n > 0 && n < len;
	if (ok)
		snprintf(buf, len, "%s^(", head);
	for (size_t i = 0; ok && i < s->n; i++) {
		if (i > 0 && (ok = n + 1 < len))
			buf[n++] = '|'; /* an alternative, not escaped */
		ok = ok && sweep_escape(buf, len, &n, s->base[i]);
	}
	if (!ok || n + strlen(tail) + 1 > len)
		return -1;
	memcpy(buf + n, tail, strlen(tail) + 1);
	return 0;
}

int gmb_sweep_filter(const char *workload, bool any_threads, char *buf,
		     size_t len)
{
	sweep_names s = {.workload = workload, .strip = any_threads};
	gmb_list(sweep_add, &s);
	int rc = sweep_names_filter(&s, "", buf, len);
	sweep_names_free(&s);
	return rc;
}

size_t gmb_sweep_count(const char *workload, bool any_threads)
{
	sweep_names s = {.workload = workload, .strip = any_threads};
	gmb_list(sweep_add, &s);
	size_t n = s.n;
	sweep_names_free(&s);
	return n;
}

/* ---- --every-config-filter ----------------------------------------------- */

#define SWEEP_FILTER_FLAG "--benchmark_filter="

/* Compile REGEX (its leading '-' aside) into *re; 0, or -1 with a
 * message. */
static int sweep_every_compile(const char *regex, regex_t *re, char *err,
			       size_t errlen)
{
	int rc = regcomp(re, regex[0] == '-' ? regex + 1 : regex,
			 REG_EXTENDED | REG_NOSUB);
	if (rc == 0)
		return 0;
	char why[256];
	regerror(rc, re, why, sizeof why); /* nothing to free after a failure */
	snprintf(err, errlen, "--every-config-filter=%s: %s; it takes "
		 GMB_EVERY_CONFIG_ACCEPTED, regex, why);
	return -1;
}

int gmb_every_config_check(const char *regex, char *err, size_t errlen)
{
	regex_t re;
	if (sweep_every_compile(regex, &re, err, errlen) != 0)
		return -1;
	regfree(&re);
	return 0;
}

/* The instances as the split sorts them. */
typedef struct sweep_split {
	regex_t re;
	bool negate;
	sweep_names every, once;
} sweep_split;

static void sweep_split_add(const char *name, void *ctx)
{
	sweep_split *sp = ctx;
	bool match = regexec(&sp->re, name, 0, NULL, 0) == 0;
	sweep_names_add(match != sp->negate ? &sp->every : &sp->once, name);
}

/* Remove from s the names that are in t (with --threads, one family's
 * instances may have fallen on both sides: they run with the
 * every-config group). */
static void sweep_names_minus(sweep_names *s, const sweep_names *t)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		bool in_t = false;
		for (size_t j = 0; j < t->n && !in_t; j++)
			in_t = strcmp(s->base[i], t->base[j]) == 0;
		if (in_t)
			free(s->base[i]);
		else
			s->base[k++] = s->base[i];
	}
	s->n = k;
}

/* The filter flag of group g, malloc'd; NULL for an empty group. */
static char *sweep_group_flag(const sweep_names *g)
{
	size_t len = sizeof SWEEP_FILTER_FLAG + 32;
	for (size_t i = 0; i < g->n; i++)
		len += 2 * strlen(g->base[i]) + 1; /* every byte escaped, '|' */
	char *buf = g->n > 0 ? malloc(len) : NULL;
	if (g->n > 0 && (buf == NULL ||
			 sweep_names_filter(g, SWEEP_FILTER_FLAG, buf, len) != 0))
		gmb_fatal("out of memory for the filter of %zu benchmarks",
			  g->n);
	return buf;
}

int gmb_split_plan(const char *regex, bool any_threads, gmb_split *s,
		   char *err, size_t errlen)
{
	sweep_split sp = {
		.negate = regex[0] == '-',
		.every = {.strip = any_threads},
		.once = {.strip = any_threads},
	};
	*s = (gmb_split){0};
	if (sweep_every_compile(regex, &sp.re, err, errlen) != 0)
		return -1;
	gmb_list(sweep_split_add, &sp);
	regfree(&sp.re);
	sweep_names_minus(&sp.once, &sp.every);
	int rc = 0;
	if (sp.every.n == 0) {
		snprintf(err, errlen, "--every-config-filter=%s matches none of "
			 "the %zu benchmarks --benchmark_filter selects; "
			 "gomem-bench list shows the names", regex, sp.once.n);
		rc = -1;
	} else {
		s->every = sweep_group_flag(&sp.every);
		s->once = sweep_group_flag(&sp.once);
		s->nevery = sp.every.n;
		s->nonce = sp.once.n;
	}
	sweep_names_free(&sp.every);
	sweep_names_free(&sp.once);
	return rc;
}

void gmb_split_free(gmb_split *s)
{
	free(s->every);
	free(s->once);
	*s = (gmb_split){0};
}
