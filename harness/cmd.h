/*
 * cmd.h — the subcommands of gomem-bench.
 *
 * Each subcommand is one file (run.c, list.c, later topology.c, plot.c,
 * report.c, compare.c) exporting `int gmb_cmd_NAME(int argc, char **argv)`
 * and one line in main.c's table.  argv[0] is the subcommand's name; the
 * return value is the exit status.
 */
#ifndef GOMEM_HARNESS_CMD_H
#define GOMEM_HARNESS_CMD_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses of every subcommand. */
enum {
	GMB_EXIT_OK = 0,
	GMB_EXIT_FAIL = 1,  /* the work failed */
	GMB_EXIT_USAGE = 2, /* bad command line or configuration */
};

typedef struct gmb_command {
	const char *name;
	const char *summary; /* one line for `gomem-bench --help` */
	int (*main)(int argc, char **argv);
} gmb_command;

int gmb_cmd_run(int argc, char **argv);
int gmb_cmd_list(int argc, char **argv);
int gmb_cmd_topology(int argc, char **argv);
int gmb_cmd_compare(int argc, char **argv); /* compare.c */
int gmb_cmd_plot(int argc, char **argv);    /* plot.c */
int gmb_cmd_report(int argc, char **argv);  /* report.c */
int gmb_cmd_noise(int argc, char **argv);   /* noise.c */

/* The program's argv[0], for messages and Google Benchmark's context. */
extern const char *gmb_argv0;

/* Print "gomem-bench CMD: <message>" on stderr; returns GMB_EXIT_USAGE. */
int gmb_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* true when arg is "--NAME" or "--NAME=...": exact flag-name match. */
bool gmb_flag_is(const char *arg, const char *name);
/* true for a flag Google Benchmark may own: --benchmark_* or --v=N. */
bool gmb_flag_is_benchmark(const char *arg);

/* Hand `n` flags (argv-style, not including argv[0]) to Google Benchmark.
 * Returns 0, or GMB_EXIT_USAGE after naming the first flag it did not
 * accept. */
int gmb_benchmark_init(const char *cmd, char **flags, int n);

#endif /* GOMEM_HARNESS_CMD_H */
