/*
 * main.c — the gomem-bench command: picks the subcommand and hands it the
 * rest of the command line.
 *
 * Subcommands live one per file (cmd.h); this file holds their table and
 * the top-level help (the command-line helpers they share are cmd.c's).
 * Exit statuses: 0 done, 1 the work failed, 2 bad command line
 * (GMB_EXIT_*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"
#include "harness/cmd.h"
#include "harness/pacersim.h"

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
	{"noise", "how long this machine takes a CPU from a thread that "
		  "never blocks (the floor under every stop)", gmb_cmd_noise},
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
