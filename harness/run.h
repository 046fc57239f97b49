/*
 * run.h — the options of `gomem-bench run`, shared by its two halves:
 * run.c (the command: parse, expand the settings, run each configuration
 * in a child process, merge, write the results) and run_child.c (one
 * configuration, in a fresh process).
 */
#ifndef GOMEM_HARNESS_RUN_H
#define GOMEM_HARNESS_RUN_H

#include <stdbool.h>

#include "harness/settings.h"
#include "harness/topology.h"

/* Internal flags: the parent passes them to each child; a person never
 * needs them (run --help does not list them). */
#define GMB_CHILD_CONFIG "child-config" /* the configuration's text */
#define GMB_CHILD_OUT "child-out"       /* where its JSON goes */
#define GMB_CHILD_SLOTS "child-slots"   /* the collector's first slot */
#define GMB_CHILD_CYCLES "child-cycles" /* where its per-cycle CSV goes */
#define GMB_CHILD_PROGRESS "child-progress" /* "c/C": configuration c of C */

typedef struct gmb_run_opts {
	const char *out;      /* --out DIR */
	const char *name;     /* --name NAME: results/NAME */
	bool help;
	char **bench;         /* flags for Google Benchmark, in order */
	int nbench;
	bool have_repetitions;
	gmb_settings settings;
	gmb_pin pin;
	gmb_membind membind;
	bool have_pin, have_membind;
	/* in a child */
	const char *child_config; /* non-NULL: this process is a child */
	const char *child_out;
	const char *child_cycles; /* NULL: no per-cycle log */
	unsigned child_slots;
	unsigned child_config_no, child_configs; /* for progress; 0: unknown */
} gmb_run_opts;

/* Run the configuration o->child_config; the exit status: 0, 1 when a
 * benchmark failed (its JSON is still written), 2 for a configuration
 * gomem refuses. */
int gmb_run_child(const gmb_run_opts *o);

#endif /* GOMEM_HARNESS_RUN_H */
