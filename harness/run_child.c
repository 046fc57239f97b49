/*
 * run_child.c — one configuration of `gomem-bench run`, in the fresh
 * process the parent started for it (run.c), so that no state of one
 * configuration (heap, pacer, placement, Google Benchmark's) reaches
 * another.
 *
 * 1. Decode the configuration (--child-config, settings.h's text form).
 * 2. Benchmark threads: with threads=N, every family that registers thread
 *    counts runs with N instead (gmb_set_threads_override).
 * 3. Hand the flags to Google Benchmark, writing JSON to --child-out;
 *    register the workloads.
 * 4. Placement (place.c): load the topology, apply --membind=interleave,
 *    and hook the collector's threads (gm_config.thread_start).
 * 5. gm_config_default, overridden by the configuration; gm_init.
 * 6. Log every collection cycle to --child-cycles (cycles.c); record the
 *    configuration in Google Benchmark's context; run, printing to stderr
 *    "[config c/C] [i/N] NAME … ETA m:ss" as each benchmark instance
 *    finishes, counted over the whole run (--child-progress: the N
 *    instances of every child of the run, B of them before this child's;
 *    the ETA from the mean time per finished instance since the run
 *    began; "[config c/C]" only with several configurations); print
 *    gomem against glibc.  As each instance finishes, its MMU curve
 *    (gccounters.h: the last repetition's) goes to --child-mmu as
 *    "NAME,window_s,mmu" lines, its pauses (the last repetition's, one
 *    per cycle) to --child-pauses as "NAME,pause_ns", and the RSS samples taken since the last
 *    instance finished (rss.h; with --child-rss) are labelled with NAME.
 * Exit status: 0; 1 when a benchmark reported an error (the JSON is
 * written all the same); 2 when something is refused before the run.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gomem.h"
#include "harness/cmd.h"
#include "harness/context.h"
#include "harness/cycles.h"
#include "harness/gccounters.h"
#include "harness/rss.h"
#include "harness/run.h"
#include "harness/shim.h"
#include "harness/summary.h"
#include "harness/workload.h"

/* Steps 2-3: 0 or an exit status. */
static int child_benchmark_init(const gmb_run_opts *o, const gmb_config *c)
{
	static char format[] = "--benchmark_out_format=json";
	char out[4200];
	char *flags[o->nbench + 2];
	int n = 0;

	if (c->threads > 0)
		gmb_set_threads_override(&c->threads, 1);
	if ((size_t)snprintf(out, sizeof out, "--benchmark_out=%s",
			     o->child_out) >= sizeof out)
		return gmb_usage_error("run", "--%s path is too long",
				       GMB_CHILD_OUT);
	for (int i = 0; i < o->nbench; i++)
		flags[n++] = o->bench[i];
	flags[n++] = out;
	flags[n++] = format;
	int rc = gmb_benchmark_init("run", flags, n);
	if (rc == 0 && gmb_workloads_register() != 0)
		rc = GMB_EXIT_FAIL;
	return rc;
}

/* Step 5: 0 or an exit status. */
static int child_gomem_init(const gmb_run_opts *o, const gmb_config *c,
			    gm_config *cfg)
{
	gm_config_default(cfg);
	gmb_config_apply(c, cfg);
	if (o->pin != GMB_PIN_NONE || o->membind != GMB_MEMBIND_NONE)
		cfg->thread_start = gmb_place_library_thread;
	if (cfg->env_error != GM_OK) {
		fprintf(stderr, "gomem-bench run: %s (%s)\n",
			gm_strerror(cfg->env_error), cfg->env_detail);
		return GMB_EXIT_USAGE;
	}
	int err = gm_init(cfg);
	if (err != GM_OK) {
		fprintf(stderr, "gomem-bench run: gm_init: %s\n", gm_strerror(err));
		return err == GM_EINVAL ? GMB_EXIT_USAGE : GMB_EXIT_FAIL;
	}
	return 0;
}

/* Progress through the instances of the run. */
typedef struct child_progress {
	gmb_summary *sum;       /* where the results go on to */
	size_t done, total;     /* of the whole run: before this child's, its
				 * own, after */
	unsigned config, nconfigs;
	double t0;              /* CLOCK_MONOTONIC seconds at the run's start */
	char cur[512];          /* the instance whose repetitions are counted */
	int64_t reps;           /* of it, so far */
	char last[512];         /* the last instance counted as finished */
	FILE *mmu;              /* --child-mmu, or NULL */
	FILE *pauses;           /* --child-pauses, or NULL */
} child_progress;

static double child_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void child_count_instance(const char *name, void *ctx)
{
	(void)name;
	(void)ctx;
}

/* Whether r finishes its instance: its last repetition, or the first
 * aggregate or error of an instance not yet counted (aggregates only, or
 * repetitions cut short). */
static bool child_finishes(child_progress *p, const gmb_result *r)
{
	if (strcmp(r->name, p->last) == 0)
		return false;
	if (r->aggregate[0] != '\0' || r->error)
		return true;
	if (strcmp(r->name, p->cur) != 0) {
		snprintf(p->cur, sizeof p->cur, "%s", r->name);
		p->reps = 0;
	}
	return ++p->reps >= (r->repetitions > 0 ? r->repetitions : 1);
}

/* The finished instance's MMU curve and RSS samples. */
static void child_curves(child_progress *p, const gmb_result *r)
{
	double w[GMB_MMU_CURVE_MAX], mmu[GMB_MMU_CURVE_MAX];
	size_t n = gmb_gc_curve_take(w, mmu);
	for (size_t i = 0; p->mmu != NULL && !r->error && i < n; i++)
		fprintf(p->mmu, "%s,%.6g,%.6f\n", r->name, w[i] / 1e9, mmu[i]);
	if (p->mmu != NULL)
		fflush(p->mmu);
	uint64_t ns[256];
	size_t np = gmb_gc_pauses_take(ns);
	for (size_t i = 0; p->pauses != NULL && !r->error && i < np; i++)
		fprintf(p->pauses, "%s,%llu\n", r->name, (unsigned long long)ns[i]);
	if (p->pauses != NULL)
		fflush(p->pauses);
	gmb_rss_sampler_mark(r->name);
}

void gmb_run_progress_format(char *buf, size_t len, unsigned config,
			     unsigned nconfigs, size_t done, size_t total,
			     double elapsed_s, const char *name)
{
	double left = done > 0 && total > done
		? elapsed_s / (double)done * (double)(total - done) : 0;
	long s = left > 0 ? (long)(left + 0.5) : 0;
	int n = nconfigs > 1
		? snprintf(buf, len, "[config %u/%u] ", config, nconfigs) : 0;
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
			 "[%zu/%zu] %s \u2026 ETA %ld:%02ld\n", done, total,
			 name, s / 60, s % 60);
}

/* gmb_run callback: the summary's, then a progress line per instance. */
static void child_progress_add(const gmb_result *r, void *ctx)
{
	child_progress *p = ctx;
	char line[700];
	gmb_summary_add(r, p->sum);
	if (!child_finishes(p, r))
		return;
	snprintf(p->last, sizeof p->last, "%s", r->name);
	child_curves(p, r);
	p->done++;
	gmb_run_progress_format(line, sizeof line, p->config, p->nconfigs,
				p->done, p->total, child_seconds() - p->t0,
				r->name);
	fflush(stdout);
	fputs(line, stderr);
}

/* Step 6: 0, 1, or 2 when nothing matched the filter. */
static int child_execute(const gmb_run_opts *o)
{
	gmb_summary sum = {0};
	child_progress prog = {
		.sum = &sum, .config = o->child_config_no,
		.nconfigs = o->child_configs,
	};
	char err[512];
	if (o->child_mmu != NULL && (prog.mmu = fopen(o->child_mmu, "w")) == NULL)
		fprintf(stderr, "gomem-bench run: cannot create %s\n", o->child_mmu);
	if (o->child_pauses != NULL &&
	    (prog.pauses = fopen(o->child_pauses, "w")) == NULL)
		fprintf(stderr, "gomem-bench run: cannot create %s\n",
			o->child_pauses);
	if (o->child_rss != NULL &&
	    gmb_rss_sampler_start(o->child_rss, o->rss_interval_ms, err,
				  sizeof err) != 0)
		fprintf(stderr, "gomem-bench run: %s\n", err);
	prog.done = o->child_before;
	prog.total = o->child_before + gmb_list(child_count_instance, NULL) +
		     o->child_after;
	prog.t0 = o->child_t0_ns > 0 ? (double)o->child_t0_ns / 1e9
				     : child_seconds();
	size_t matched = gmb_run(child_progress_add, &prog);
	gmb_rss_sampler_stop(); /* before the heap it reads goes */
	if (prog.mmu != NULL)
		fclose(prog.mmu);
	if (prog.pauses != NULL)
		fclose(prog.pauses);
	gm_shutdown();
	if (matched == 0) {
		gmb_summary_free(&sum);
		return gmb_usage_error("run", "no benchmark matches "
				       "--benchmark_filter with these thread "
				       "counts; gomem-bench list shows the "
				       "names");
	}
	fflush(stdout);
	putchar('\n');
	gmb_summary_print(&sum, stdout);
	fflush(stdout);
	int rc = sum.any_error ? GMB_EXIT_FAIL : GMB_EXIT_OK;
	gmb_summary_free(&sum);
	return rc;
}

int gmb_run_child(const gmb_run_opts *o)
{
	gmb_config c;
	gm_config cfg;
	char err[512];

	if (o->child_out == NULL)
		return gmb_usage_error("run", "--%s needs --%s",
				       GMB_CHILD_CONFIG, GMB_CHILD_OUT);
	if (gmb_config_parse(o->child_config, &c, err, sizeof err) != 0)
		return gmb_usage_error("run", "--%s: %s", GMB_CHILD_CONFIG, err);
	int rc = child_benchmark_init(o, &c);
	if (rc != 0)
		return rc;
	if (gmb_placement_start(o->pin, o->membind, o->child_slots, err,
				sizeof err) != 0)
		return gmb_usage_error("run", "%s", err);
	if ((rc = child_gomem_init(o, &c, &cfg)) == 0) {
		if (o->child_cycles != NULL &&
		    gmb_cycles_start(o->child_cycles, &cfg, err, sizeof err)) {
			gm_shutdown();
			gmb_placement_stop();
			return gmb_usage_error("run", "%s", err);
		}
		gmb_context_benchmark(&cfg, &c, o->pin, o->membind);
		rc = child_execute(o);
		gmb_cycles_stop();
	}
	gmb_placement_stop();
	gmb_shutdown();
	return rc;
}
