/*
 * main.c — the gomem-bench command: picks the subcommand and hands it the
 * rest of the command line.
 *
 * Subcommands live one per file (cmd.h); this file holds their table, the
 * top-level help, and the command-line helpers they share.  Exit statuses:
 * 0 done, 1 the work failed, 2 bad command line (GMB_EXIT_*).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"
#include "harness/cmd.h"
#include "harness/pacersim.h"
#include "harness/shim.h"

const char *gmb_argv0 = "gomem-bench";

static const gmb_command commands[] = {
	{"run", "run the benchmarks under each configuration; write "
		"results/<name>/", gmb_cmd_run},
	{"list", "list the registered workloads and their benchmarks",
	 gmb_cmd_list},
	{"topology", "show the CPU and NUMA topology, and where --pin puts "
		     "threads", gmb_cmd_topology},
	{"compare", "compare two results directories: medians, change, "
		    "Mann-Whitney U test", gmb_cmd_compare},
	{"plot", "draw a results directory's figures with gnuplot",
	 gmb_cmd_plot},
	{"report", "write DIR/report.md and a self-contained "
		   "DIR/report.html", gmb_cmd_report},
	{"pacer-sim", "Go's pacer simulation: a scenario's per-cycle trace "
		      "as CSV, or the scenario names", gmb_cmd_pacer_sim},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void main_usage(FILE *out)
{
	fprintf(out, "usage: gomem-bench <command> [flags]\n"
		     "       gomem-bench <command> --help\n\n"
		     "gomem-bench measures gomem, Go's memory manager in C, "
		     "with Google Benchmark.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nflags:\n"
		     "  -h, --help  this text\n"
		     "  --version   the gomem version\n");
}

static const char *main_command_names(void)
{
	static char buf[256];
	size_t used = 0;
	for (size_t i = 0; i < NCOMMANDS && used < sizeof buf; i++)
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
					 i ? ", " : "", commands[i].name);
	return buf;
}

int main(int argc, char **argv)
{
	if (argc > 0 && argv[0] != NULL)
		gmb_argv0 = argv[0];
	if (argc < 2) {
		main_usage(stderr);
		return GMB_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		main_usage(stdout);
		return GMB_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("gomem-bench %d.%d.%d\n", GM_VERSION_MAJOR,
		       GM_VERSION_MINOR, GM_VERSION_PATCH);
		return GMB_EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "gomem-bench: unknown %s '%s'; the commands are %s "
		"(gomem-bench --help says more)\n",
		cmd[0] == '-' ? "flag" : "command", cmd, main_command_names());
	return GMB_EXIT_USAGE;
}

/* ---- helpers shared by the subcommands (cmd.h) -------------------------- */

int gmb_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "gomem-bench %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return GMB_EXIT_USAGE;
}

bool gmb_flag_is(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, name, n) == 0 &&
	       (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

bool gmb_flag_is_benchmark(const char *arg)
{
	return strncmp(arg, "--benchmark_", 12) == 0 ||
	       strncmp(arg, "--v=", 4) == 0;
}

/* Google Benchmark calls this for a recognised flag with a bad value. */
static void main_bad_benchmark_value(void)
{
	fprintf(stderr, "gomem-bench: a --benchmark_* flag has a value Google "
		"Benchmark does not accept: --benchmark_format and "
		"--benchmark_out_format take console, json or csv; "
		"--benchmark_time_unit takes ns, us, ms or s; --benchmark_color "
		"must not be empty\n");
	fflush(stdout);
	_Exit(GMB_EXIT_USAGE);
}

/* The values Google Benchmark accepts for its enumerated flags, checked
 * here first so that the message can name the flag. */
static const struct {
	const char *flag;
	const char *values[4];
} main_enum_flags[] = {
	{"benchmark_format", {"console", "json", "csv"}},
	{"benchmark_out_format", {"console", "json", "csv"}},
	{"benchmark_time_unit", {"ns", "us", "ms", "s"}},
};

/* 0 when `arg` is not an enumerated flag or has an accepted value. */
static int main_check_enum_flag(const char *cmd, const char *arg)
{
	for (size_t i = 0; i < sizeof main_enum_flags / sizeof *main_enum_flags;
	     i++) {
		const char *const *v = main_enum_flags[i].values;
		if (!gmb_flag_is(arg, main_enum_flags[i].flag))
			continue;
		const char *eq = strchr(arg, '=');
		for (size_t j = 0; eq != NULL && j < 4 && v[j] != NULL; j++)
			if (strcmp(eq + 1, v[j]) == 0)
				return 0;
		return gmb_usage_error(cmd, "%s: --%s takes one of %s, %s, %s%s%s",
				       arg, main_enum_flags[i].flag, v[0], v[1],
				       v[2], v[3] ? ", " : "", v[3] ? v[3] : "");
	}
	return 0;
}

int gmb_benchmark_init(const char *cmd, char **flags, int n)
{
	for (int i = 0; i < n; i++) {
		int rc = main_check_enum_flag(cmd, flags[i]);
		if (rc != 0)
			return rc;
	}

	char *argv[n + 2];
	int argc = n + 1;
	argv[0] = (char *)gmb_argv0;
	for (int i = 0; i < n; i++)
		argv[i + 1] = flags[i];
	argv[n + 1] = NULL;
	gmb_initialize(&argc, argv, main_bad_benchmark_value);
	if (argc > 1)
		return gmb_usage_error(cmd, "Google Benchmark does not accept "
				       "'%s' (unknown flag or malformed value; "
				       "see gomem-bench %s --help)", argv[1], cmd);
	return 0;
}
