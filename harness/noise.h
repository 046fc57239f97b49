/*
 * noise.h — the machine's own stalls: how long a thread that never blocks
 * loses its CPU (gomem-bench noise, harness/noise.c).
 *
 * A stop of the world waits for every attached thread to reach a
 * safepoint; a thread that the kernel or the hypervisor takes off its CPU
 * holds the stop up for as long.  One spinning thread is pinned to each
 * CPU the process may use; each reads CLOCK_MONOTONIC in a loop and
 * counts the gaps between consecutive reads.  Stops shorter than the
 * gaps seen here cannot be told apart from the machine's noise.
 */
#ifndef GOMEM_HARNESS_NOISE_H
#define GOMEM_HARNESS_NOISE_H

#include <stddef.h>
#include <stdint.h>

/* gap thresholds counted, in ns */
#define GMB_NOISE_NBINS 4
extern const int64_t gmb_noise_bins_ns[GMB_NOISE_NBINS]; /* 100us 250us 1ms 4ms */

typedef struct gmb_noise_cpu {
	int cpu;                          /* the CPU the spinner was pinned to */
	int64_t spun_ns;                  /* wall time the spinner ran */
	uint64_t over[GMB_NOISE_NBINS];   /* gaps longer than each bin */
	int64_t lost_ns;                  /* sum of the gaps over the first bin */
	int64_t longest_ns;               /* the longest gap */
} gmb_noise_cpu;

/* Spin one pinned thread on each CPU of the process's affinity mask for
 * seconds (0 < seconds <= 600), all at once.  Fills out[0..n) (n <= max,
 * in CPU order) and returns n, or -1 with err set. */
int gmb_noise_measure(double seconds, gmb_noise_cpu *out, int max, char *err,
		      size_t errlen);

#endif /* GOMEM_HARNESS_NOISE_H */
