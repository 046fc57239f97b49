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
 *    configuration in Google Benchmark's context; run; print gomem
 *    against glibc.
 * Exit status: 0; 1 when a benchmark reported an error (the JSON is
 * written all the same); 2 when something is refused before the run.
 */
#include <stdio.h>
#include <string.h>

#include "gomem.h"
#include "harness/cmd.h"
#include "harness/context.h"
#include "harness/cycles.h"
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

/* Step 6: 0, 1, or 2 when nothing matched the filter. */
static int child_execute(void)
{
	gmb_summary sum = {0};
	size_t matched = gmb_run(gmb_summary_add, &sum);
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
		rc = child_execute();
		gmb_cycles_stop();
	}
	gmb_placement_stop();
	gmb_shutdown();
	return rc;
}
