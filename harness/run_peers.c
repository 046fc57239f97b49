/*
 * run_peers.c — the peers' side of `gomem-bench run --runtime=LIST`
 * (peers.h states the protocol; run.c drives the rounds).
 *
 * 1. gmb_run_runtimes_plan: resolve the list against the executables
 *    beside gomem-bench; each missing peer is skipped with a line (on
 *    stderr now, in context.json and the report later).
 * 2. An interleaved run (any runtime but gomem alone): R rounds, R the
 *    repetitions asked for (5 by default); in round r every
 *    configuration runs every runtime once with one repetition, the
 *    runtimes in the order of the list rotated by r (peers.h).  gomem's
 *    child keeps its per-cycle log, MMU curves and RSS samples from round
 *    0 only.  The merge numbers each entry's repetition by its round.
 * 3. gmb_run_peer: start one peer for one configuration: GOGC,
 *    GOMEMLIMIT and GOMAXPROCS in its environment, Google Benchmark's
 *    flags with the filter turned to the peer's names, --threads,
 *    --pauses-out; wait.  A peer that fails is reported and left out;
 *    the run goes on.
 * 4. A peer sees gogc, memlimit, procs and threads only: under a
 *    configuration that differs from an earlier one only in gomem's
 *    collector or idle_mark it is not run again; gmb_run_peer_share
 *    files that run's results under this configuration too.
 * 5. gmb_run_merge_pauses: pauses.csv from every part:
 *    runtime,config,benchmark,pause_ns.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/results.h"
#include "harness/run.h"

/* The directory gomem-bench runs from: where the peers are built. */
static void rp_exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(buf, len, ".");
}

int gmb_run_runtimes_plan(gmb_run_opts *o)
{
	char dir[PATH_MAX];
	gmb_runtime_list want = o->runtimes;
	if (!o->have_runtimes)
		return 0;
	rp_exe_dir(dir, sizeof dir);
	o->skips = calloc(GMB_RT_COUNT, sizeof *o->skips);
	if (o->skips == NULL)
		return -1;
	o->nskips = gmb_runtimes_resolve(&want, dir, &o->runtimes, o->skips);
	for (size_t i = 0; i < o->nskips; i++)
		fprintf(stderr, "gomem-bench run: %s\n", o->skips[i]);
	return 0;
}

bool gmb_run_interleaved(const gmb_run_opts *o)
{
	return o->have_runtimes &&
	       !(o->runtimes.n == 1 && o->runtimes.rt[0] == GMB_RT_GOMEM);
}

size_t gmb_run_rounds(const gmb_run_opts *o, const char *dflt)
{
	const char *v = dflt;
	for (int i = 0; i < o->nbench; i++)
		if (strncmp(o->bench[i], "--benchmark_repetitions=", 24) == 0)
			v = o->bench[i] + 24;
	long n = strtol(v, NULL, 10);
	return n > 0 ? (size_t)n : 1;
}

/* In the child: the configuration's environment, as Go reads it. */
static void rp_environment(const gmb_config *c)
{
	char buf[64];
	if (c->gogc == GM_GOGC_OFF)
		snprintf(buf, sizeof buf, "off");
	else
		snprintf(buf, sizeof buf, "%d", c->gogc);
	setenv("GOGC", buf, 1);
	gmb_memlimit_format(c->memlimit, buf, sizeof buf);
	setenv("GOMEMLIMIT", buf, 1);
	if (c->procs > 0) {
		snprintf(buf, sizeof buf, "%d", c->procs);
		setenv("GOMAXPROCS", buf, 1);
	} else {
		unsetenv("GOMAXPROCS");
	}
}

/* The peer's argv into argv (strings in store, PATH_MAX + 64 each). */
static int rp_argv(const gmb_run_opts *o, const gmb_config *c, gmb_runtime rt,
		   const char *exe, const char *json, const char *pauses,
		   char **argv, char (*store)[PATH_MAX + 64])
{
	int n = 0, s = 0;
	argv[n++] = (char *)exe;
	snprintf(store[s], sizeof store[s], "--benchmark_out=%s", json);
	argv[n++] = store[s++];
	argv[n++] = (char *)"--benchmark_out_format=json";
	for (int i = 0; i < o->nbench; i++) {
		if (!gmb_peer_flag(o->bench[i], rt, store[s], sizeof store[s]))
			return -1;
		argv[n++] = store[s++];
	}
	argv[n++] = (char *)"--benchmark_repetitions=1";
	if (c->threads > 0) {
		snprintf(store[s], sizeof store[s], "--threads=%d", c->threads);
		argv[n++] = store[s++];
	}
	if (pauses != NULL) {
		snprintf(store[s], sizeof store[s], "--pauses-out=%s", pauses);
		argv[n++] = store[s++];
	}
	argv[n] = NULL;
	return n;
}

int gmb_run_peer(const gmb_run_opts *o, const gmb_config *c, gmb_runtime rt,
		 const char *label, const char *json, const char *pauses)
{
	char dir[PATH_MAX], exe[PATH_MAX + 32];
	char(*store)[PATH_MAX + 64] = calloc((size_t)o->nbench + 8, sizeof *store);
	char **argv = calloc((size_t)o->nbench + 12, sizeof *argv);
	const char *name = gmb_runtime_get(rt)->name;
	int status = -1;
	rp_exe_dir(dir, sizeof dir);
	gmb_peer_path(dir, rt, exe, sizeof exe);
	if (store == NULL || argv == NULL ||
	    rp_argv(o, c, rt, exe, json, pauses, argv, store) < 0) {
		fprintf(stderr, "gomem-bench run: %s: flags too long\n", name);
		goto out;
	}
	printf("\n-- %s, configuration %s --\n", name, label);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		rp_environment(c);
		execv(exe, argv);
		fprintf(stderr, "gomem-bench run: cannot start %s: %s\n", exe,
			strerror(errno));
		_exit(127);
	}
	gmb_results_set_child(pid > 0 ? pid : 0);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	gmb_results_set_child(0);
out:
	free(store);
	free(argv);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) <= 1)
		return WEXITSTATUS(status);
	fprintf(stderr, "gomem-bench run: peer %s failed under configuration "
		"%s (status %d); its results are left out\n", name, label,
		status);
	unlink(json);
	return -1;
}

/* `to` as a second name of `from`; 0 when from is missing. */
static int rp_link(const char *from, const char *to)
{
	if (from == NULL || to == NULL || link(from, to) == 0 || errno == ENOENT)
		return 0;
	fprintf(stderr, "gomem-bench run: cannot link %s to %s: %s\n", to,
		from, strerror(errno));
	return -1;
}

int gmb_run_peer_share(const char *from_json, const char *json,
		       const char *from_pauses, const char *pauses)
{
	return rp_link(from_json, json) != 0 || rp_link(from_pauses, pauses) != 0
		? -1 : 0;
}

int gmb_run_merge_pauses(const gmb_results_part *parts,
			 const char *const *pauses, size_t n, const char *out)
{
	FILE *f = fopen(out, "w");
	char line[1024];
	long rows = 0;
	if (f == NULL) {
		fprintf(stderr, "gomem-bench run: cannot create %s\n", out);
		return -1;
	}
	fprintf(f, GMB_PAUSES_HEADER "\n");
	for (size_t i = 0; i < n; i++) {
		FILE *in = pauses[i] != NULL ? fopen(pauses[i], "r") : NULL;
		while (in != NULL && fgets(line, sizeof line, in) != NULL) {
			fprintf(f, "%s,%d,%s", parts[i].runtime, parts[i].config,
				line);
			rows++;
		}
		if (in != NULL)
			fclose(in);
	}
	return fclose(f) == 0 ? (int)(rows > 0) : -1;
}
