/*
 * pacersim.c — `gomem-bench pacer-sim [scenario]`: run one of the 19
 * scenarios of Go's pacer simulation (TestGcPacer, mgcpacer_test.go)
 * against gomem's pacer and print its per-cycle trace as CSV, so that it
 * can be plotted and set beside the trace Go's test logs
 * (`go test -run TestGcPacer -v runtime`: "GC <cycle> <util>%
 * <marked>-><trigger>-><peak> (goal: <goal>)").  With no scenario, list
 * the names.
 *
 * 1. Parse: at most one scenario name, or --help.
 * 2. Simulate (gmi_pacersim_run; no gm_init: only the pacer is driven).
 * 3. Print the header and one row per cycle on stdout; then apply Go's
 *    checks and report them on stderr, exiting 1 when one fails.
 *
 * Columns: cycle; gc_utilization (25% + the assists' share); heap_marked
 * (the heap the last cycle marked, Go's heapLive column); trigger (the
 * live heap at the start); heap_peak (the live heap as the mark ended);
 * heap_goal; heap_scannable; goal_ratio (peak / goal).  Bytes are
 * integers, ratios have 6 decimals.
 */
#include <stdio.h>
#include <string.h>

#include "gc/pacersim.h"
#include "harness/cmd.h"
#include "harness/pacersim.h"

#define PACERSIM_CMD "pacer-sim"

static void pacersim_usage(FILE *out)
{
	fprintf(out, "usage: gomem-bench pacer-sim [scenario]\n\n"
		     "Runs one scenario of Go's pacer simulation (TestGcPacer in "
		     "Go's\nmgcpacer_test.go) against gomem's pacer and prints "
		     "its trace as CSV:\n  cycle,gc_utilization,heap_marked,trigger,"
		     "heap_peak,heap_goal,\n  heap_scannable,goal_ratio\n"
		     "then says on stderr whether Go's pass criteria hold (exit 1 "
		     "when not).\nWith no scenario, lists the scenario names.\n\n"
		     "flags:\n"
		     "  -h, --help  this text\n");
}

static void pacersim_list(FILE *out)
{
	for (int i = 0; i < gmi_pacersim_nscenarios; i++)
		fprintf(out, "%s\n", gmi_pacersim_scenarios[i].name);
}

/* the scenario names, comma-separated, for an error message */
static const char *pacersim_names(void)
{
	static char buf[1024];
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < gmi_pacersim_nscenarios && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
					 i ? ", " : "", gmi_pacersim_scenarios[i].name);
	return buf;
}

static void pacersim_print(FILE *out, const struct gmi_pacersim_cycle *c, int n)
{
	fprintf(out, "cycle,gc_utilization,heap_marked,trigger,heap_peak,heap_goal,"
		     "heap_scannable,goal_ratio\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "%d,%.6f,%llu,%llu,%llu,%llu,%lld,%.6f\n", c[i].cycle,
			c[i].gc_utilization, (unsigned long long)c[i].heap_live,
			(unsigned long long)c[i].heap_trigger,
			(unsigned long long)c[i].heap_peak,
			(unsigned long long)c[i].heap_goal,
			(long long)c[i].heap_scannable, gmi_pacersim_goal_ratio(&c[i]));
}

/* simulate, print, check */
static int pacersim_run(const struct gmi_pacersim_scenario *s, FILE *out, FILE *err)
{
	static struct gmi_pacersim_cycle c[128];
	static struct gmi_pacersim_check ck;
	if (s->length > (int)(sizeof(c) / sizeof(c[0]))) {
		fprintf(err, "gomem-bench %s: %s has %d cycles, more than %zu\n",
			PACERSIM_CMD, s->name, s->length, sizeof(c) / sizeof(c[0]));
		return GMB_EXIT_FAIL;
	}
	gmi_pacersim_run(s, c);
	pacersim_print(out, c, s->length);
	if (gmi_pacersim_check(s, c, s->length, &ck) == 0) {
		fprintf(err, "gomem-bench %s: %s: %d cycles; Go's checks pass\n",
			PACERSIM_CMD, s->name, s->length);
		return GMB_EXIT_OK;
	}
	fprintf(err, "gomem-bench %s: %s: %d of Go's checks fail:\n%s", PACERSIM_CMD,
		s->name, ck.failures, ck.msg);
	return GMB_EXIT_FAIL;
}

int gmb_pacersim_main(int argc, char **argv, FILE *out, FILE *err)
{
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			pacersim_usage(out);
			return GMB_EXIT_OK;
		}
		if (argv[i][0] == '-') {
			fprintf(err, "gomem-bench %s: unknown flag '%s'; the only flag is "
				"--help (a scenario is named without dashes)\n",
				PACERSIM_CMD, argv[i]);
			return GMB_EXIT_USAGE;
		}
		if (name != NULL) {
			fprintf(err, "gomem-bench %s: '%s' after scenario '%s'; give one "
				"scenario, or none to list them\n", PACERSIM_CMD, argv[i], name);
			return GMB_EXIT_USAGE;
		}
		name = argv[i];
	}
	if (name == NULL) {
		pacersim_list(out);
		return GMB_EXIT_OK;
	}
	const struct gmi_pacersim_scenario *s = gmi_pacersim_find(name);
	if (s == NULL) {
		fprintf(err, "gomem-bench %s: unknown scenario '%s'; the scenarios are %s\n",
			PACERSIM_CMD, name, pacersim_names());
		return GMB_EXIT_USAGE;
	}
	return pacersim_run(s, out, err);
}

int gmb_cmd_pacer_sim(int argc, char **argv)
{
	return gmb_pacersim_main(argc, argv, stdout, stderr);
}
