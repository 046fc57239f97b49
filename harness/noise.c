/*
 * noise.c — gomem-bench noise: the machine's own stalls (noise.h).
 *
 * Each spinner reads CLOCK_MONOTONIC (the vDSO: tens of nanoseconds) in a
 * loop and counts the gaps between two reads that are longer than each of
 * gmb_noise_bins_ns.  A gap is time the thread did not run: the kernel
 * ran something else on its CPU (a kernel thread, an interrupt, another
 * process) or the hypervisor did not run the virtual CPU at all.  Nothing
 * of gomem runs meanwhile; run it on a machine as quiet as the benchmarks
 * it explains.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/cmd.h"
#include "harness/errf.h"
#include "harness/noise.h"

const int64_t gmb_noise_bins_ns[GMB_NOISE_NBINS] = {100000, 250000, 1000000, 4000000};

#define NOISE_MAX_SECONDS 600.0
#define NOISE_DEFAULT_SECONDS 10.0
#define NOISE_MAX_CPUS 1024

static int64_t noise_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct noise_spinner {
	gmb_noise_cpu *res;
	int64_t ns;
	atomic_int *start; /* 0 wait, 1 spin, -1 give up */
	int err;           /* pthread_setaffinity_np's, or 0 */
} noise_spinner;

static void *noise_spin(void *arg)
{
	noise_spinner *sp = arg;
	gmb_noise_cpu *r = sp->res;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(r->cpu, &one);
	sp->err = pthread_setaffinity_np(pthread_self(), sizeof one, &one);
	int go;
	while ((go = atomic_load(sp->start)) == 0)
		sched_yield();
	if (sp->err != 0 || go < 0)
		return NULL;
	int64_t t0 = noise_now(), last = t0, end = t0 + sp->ns;
	while (last < end) {
		int64_t t = noise_now(), gap = t - last;
		last = t;
		if (gap <= gmb_noise_bins_ns[0])
			continue;
		r->lost_ns += gap;
		if (gap > r->longest_ns)
			r->longest_ns = gap;
		for (int b = 0; b < GMB_NOISE_NBINS && gap > gmb_noise_bins_ns[b]; b++)
			r->over[b]++;
	}
	r->spun_ns = last - t0;
	return NULL;
}

int gmb_noise_measure(double seconds, gmb_noise_cpu *out, int max, char *err,
		      size_t errlen)
{
	if (!(seconds > 0 && seconds <= NOISE_MAX_SECONDS))
		return gmb_errf(err, errlen, "seconds %g: accepted: over 0, at most %g",
				seconds, NOISE_MAX_SECONDS);
	cpu_set_t mask;
	if (sched_getaffinity(0, sizeof mask, &mask) != 0)
		return gmb_errf(err, errlen, "sched_getaffinity: %s", strerror(errno));
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mask)) {
			if (n == max)
				return gmb_errf(err, errlen, "more than %d CPUs", max);
			memset(&out[n], 0, sizeof out[n]);
			out[n++].cpu = c;
		}
	noise_spinner *sp = calloc((size_t)n, sizeof *sp);
	pthread_t *th = calloc((size_t)n, sizeof *th);
	if (sp == NULL || th == NULL) {
		free(sp);
		free(th);
		return gmb_errf(err, errlen, "out of memory for %d spinners", n);
	}
	atomic_int start = 0;
	int started = 0, rc = 0;
	for (; started < n; started++) {
		sp[started] = (noise_spinner){ &out[started], (int64_t)(seconds * 1e9), &start, 0 };
		rc = pthread_create(&th[started], NULL, noise_spin, &sp[started]);
		if (rc != 0)
			break;
	}
	atomic_store(&start, rc == 0 ? 1 : -1); /* all at once, or none */
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (rc != 0) {
		free(sp);
		free(th);
		return gmb_errf(err, errlen, "pthread_create: %s (no spinner measured)",
				strerror(rc));
	}
	for (int i = 0; i < n; i++)
		if (sp[i].err != 0) {
			rc = gmb_errf(err, errlen, "pinning a thread to CPU %d: %s", out[i].cpu,
				      strerror(sp[i].err));
			break;
		}
	free(sp);
	free(th);
	return rc != 0 ? -1 : n;
}

static void noise_usage(FILE *out)
{
	fprintf(out,
		"usage: gomem-bench noise [--seconds=S]\n\n"
		"How long this machine takes a CPU away from a thread that never\n"
		"blocks: one spinner pinned to each CPU the process may use reads\n"
		"the clock in a loop for S seconds (default %g, at most %g) and\n"
		"counts the gaps.  A stop of the world waits for every thread, so a\n"
		"stop can last as long as such a gap whatever the collector does:\n"
		"measure on a machine as quiet as the benchmarks it explains.\n\n"
		"  --seconds=S  how long to spin (over 0, at most %g)\n"
		"  -h, --help   this text\n",
		NOISE_DEFAULT_SECONDS, NOISE_MAX_SECONDS, NOISE_MAX_SECONDS);
}

static void noise_fmt_ns(char *buf, size_t len, int64_t ns)
{
	if (ns >= 1000000)
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.0f us", (double)ns / 1e3);
}

int gmb_cmd_noise(int argc, char **argv)
{
	double seconds = NOISE_DEFAULT_SECONDS;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			noise_usage(stdout);
			return GMB_EXIT_OK;
		}
		if (strncmp(a, "--seconds=", 10) == 0) {
			char *end;
			errno = 0;
			seconds = strtod(a + 10, &end);
			if (a[10] == '\0' || *end != '\0' || errno != 0 || !(seconds > 0) ||
			    seconds > NOISE_MAX_SECONDS)
				return gmb_usage_error("noise", "%s: accepted: a number of seconds "
						       "over 0, at most %g", a, NOISE_MAX_SECONDS);
			continue;
		}
		return gmb_usage_error("noise", "unknown flag %s (accepted: --seconds=S, "
				       "--help)", a);
	}
	gmb_noise_cpu *r = calloc(NOISE_MAX_CPUS, sizeof *r);
	char err[256];
	int n = r == NULL ? -1 : gmb_noise_measure(seconds, r, NOISE_MAX_CPUS, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "gomem-bench noise: %s\n", r == NULL ? "out of memory" : err);
		free(r);
		return GMB_EXIT_FAIL;
	}
	printf("gomem-bench noise: %d spinner%s, one pinned to each CPU, %g s\n\n", n,
	       n == 1 ? "" : "s", seconds);
	printf("%4s %11s %7s %6s %6s %10s %7s\n", "cpu", "gaps>100us", ">250us", ">1ms",
	       ">4ms", "longest", "lost");
	uint64_t over_1ms = 0;
	int64_t longest = 0;
	for (int i = 0; i < n; i++) {
		char l[32];
		noise_fmt_ns(l, sizeof l, r[i].longest_ns);
		printf("%4d %11llu %7llu %6llu %6llu %10s %6.2f%%\n", r[i].cpu,
		       (unsigned long long)r[i].over[0], (unsigned long long)r[i].over[1],
		       (unsigned long long)r[i].over[2], (unsigned long long)r[i].over[3], l,
		       r[i].spun_ns > 0 ? 100.0 * (double)r[i].lost_ns / (double)r[i].spun_ns : 0.0);
		over_1ms += r[i].over[2];
		if (r[i].longest_ns > longest)
			longest = r[i].longest_ns;
	}
	char l[32];
	noise_fmt_ns(l, sizeof l, longest);
	printf("\n%llu gaps over 1 ms in all, %.1f a second; the longest %s.\n"
	       "A stop of the world can last that long on this machine whatever the\n"
	       "collector does.\n",
	       (unsigned long long)over_1ms, (double)over_1ms / seconds, l);
	free(r);
	return GMB_EXIT_OK;
}
