/*
 * pacersim.h — `gomem-bench pacer-sim [scenario]`: Go's pacer simulation
 * (gc/pacersim.h) as a command, printing one scenario's per-cycle trace as
 * CSV, or the scenario names.
 */
#ifndef GOMEM_HARNESS_PACERSIM_H
#define GOMEM_HARNESS_PACERSIM_H

#include <stdio.h>

/* The subcommand (cmd.h's convention: argv[0] is "pacer-sim"; returns the
 * exit status), writing to stdout and stderr. */
int gmb_cmd_pacer_sim(int argc, char **argv);

/* The same, writing the trace or the names to out and messages to err:
 * GMB_EXIT_OK, GMB_EXIT_FAIL when the scenario misses Go's criteria (the
 * trace is still printed), GMB_EXIT_USAGE for a bad command line. */
int gmb_pacersim_main(int argc, char **argv, FILE *out, FILE *err);

#endif
