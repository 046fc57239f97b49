/*
 * cmd.c — the command-line helpers every subcommand shares (cmd.h):
 * gmb_argv0, the usage-error message, flag-name matching, and handing
 * flags to Google Benchmark with its enumerated values checked first, so
 * that a bad value gets a message naming the flag.  Apart from main.c so
 * that the harness library (and the suites that test a subcommand's
 * command line, such as tests/test_run.c) has them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd.h"
#include "harness/shim.h"

const char *gmb_argv0 = "gomem-bench"; /* main() sets it from argv[0] */

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
static void cmd_bad_benchmark_value(void)
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
} cmd_enum_flags[] = {
	{"benchmark_format", {"console", "json", "csv"}},
	{"benchmark_out_format", {"console", "json", "csv"}},
	{"benchmark_time_unit", {"ns", "us", "ms", "s"}},
};

/* 0 when `arg` is not an enumerated flag or has an accepted value. */
static int cmd_check_enum_flag(const char *cmd, const char *arg)
{
	for (size_t i = 0; i < sizeof cmd_enum_flags / sizeof *cmd_enum_flags;
	     i++) {
		const char *const *v = cmd_enum_flags[i].values;
		if (!gmb_flag_is(arg, cmd_enum_flags[i].flag))
			continue;
		const char *eq = strchr(arg, '=');
		for (size_t j = 0; eq != NULL && j < 4 && v[j] != NULL; j++)
			if (strcmp(eq + 1, v[j]) == 0)
				return 0;
		return gmb_usage_error(cmd, "%s: --%s takes one of %s, %s, %s%s%s",
				       arg, cmd_enum_flags[i].flag, v[0], v[1],
				       v[2], v[3] ? ", " : "", v[3] ? v[3] : "");
	}
	return 0;
}

int gmb_benchmark_init(const char *cmd, char **flags, int n)
{
	for (int i = 0; i < n; i++) {
		int rc = cmd_check_enum_flag(cmd, flags[i]);
		if (rc != 0)
			return rc;
	}

	char *argv[n + 2];
	int argc = n + 1;
	argv[0] = (char *)gmb_argv0;
	for (int i = 0; i < n; i++)
		argv[i + 1] = flags[i];
	argv[n + 1] = NULL;
	gmb_initialize(&argc, argv, cmd_bad_benchmark_value);
	if (argc > 1)
		return gmb_usage_error(cmd, "Google Benchmark does not accept "
				       "'%s' (unknown flag or malformed value; "
				       "see gomem-bench %s --help)", argv[1], cmd);
	return 0;
}
