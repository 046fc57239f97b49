/*
 * rss.h — the resident set size of a benchmark process: the peak of one
 * benchmark run, and the sampler behind the results' rss.csv.
 *
 * Peak per run: Linux keeps the process's high-water mark (VmHWM in
 * /proc/self/status); writing "5" to /proc/self/clear_refs resets it to
 * the current RSS (Documentation/admin-guide/mm/soft-dirty.rst, "clear
 * the peak resident set size").  gmb_rss_peak_reset at the start of a run
 * and gmb_rss_peak at its end give the run's own peak.  Where the reset is
 * refused, the peak is the process's so far (getrusage's ru_maxrss).
 *
 * The sampler: a thread that every `interval_ms` reads the RSS
 * (/proc/self/statm) and gm_read_memstats' heap_inuse and next_gc (the
 * heap goal), the memory limit, the GC CPU totals and the limiter's
 * state, and keeps the rows until
 * gmb_rss_sampler_mark(name) writes them to its file labelled with the
 * benchmark instance that just finished (the runner calls it as each
 * instance finishes; benchmarks run one after another, so the rows since
 * the last mark are that instance's: its setup, sizing runs and
 * repetitions).  Lines, without a header:
 *   benchmark,time_s,rss_bytes,heap_inuse,heap_goal,memory_limit,
 *   gc_cpu_interval,cpu_limited
 * time_s counts from gmb_rss_sampler_start; memory_limit is bytes, or
 * 9223372036854775807 when there is none (as cycles.csv).
 * gc_cpu_interval is the GC CPU fraction over the interval since the
 * previous row (the first: since gmb_rss_sampler_start), as the CPU
 * limiter counts it: (gc_cpu_total_ns now - gc_cpu_total_ns then) /
 * (cpu_total_ns now - cpu_total_ns then), both gm_memstats fields; 0 when
 * the second difference is 0.  The totals count time up to the reading
 * while the collector marks, else up to the limiter's last update (an
 * allocation at most every 10 ms, or a stop): between cycles an interval
 * without an update shows 0 (no GC time is pending then), and the next
 * one the fraction over everything accounted since.  Not clamped: GC
 * time is counted when it is reported (an assist when it ends, a stop
 * when the world restarts), so an interval can show more than 1 when an
 * assist or a stop longer than the interval ended in it.  cpu_limited is gm_memstats.gc_cpu_limited at
 * the sample: 1 when the GC CPU limiter is on, else 0.
 */
#ifndef GOMEM_HARNESS_RSS_H
#define GOMEM_HARNESS_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reset the process's peak RSS to its current RSS; false when the kernel
 * refused (then gmb_rss_peak reports the process's peak so far). */
bool gmb_rss_peak_reset(void);
/* Peak RSS in bytes since the last successful reset (else since the
 * process started); 0 when nothing can be read. */
uint64_t gmb_rss_peak(void);
/* The current RSS in bytes; 0 when /proc/self/statm cannot be read. */
uint64_t gmb_rss_now(void);

/* The value of the "VmHWM:" line of a /proc/PID/status text, in bytes;
 * false when there is none. */
bool gmb_rss_parse_hwm(const char *status, uint64_t *bytes);

/* 10 ms: the interval; 100 samples a second cost a few
 * microseconds each. */
#define GMB_RSS_INTERVAL_MS 10

/* Start sampling into `path` (created).  0, or -1 with a message. */
int gmb_rss_sampler_start(const char *path, unsigned interval_ms, char *err,
			  size_t errlen);
/* Write the rows sampled since the last mark, labelled `benchmark`. */
void gmb_rss_sampler_mark(const char *benchmark);
/* Take one sample now (the sampler does it every interval; tests call it
 * to have rows without waiting). */
void gmb_rss_sampler_sample(void);
/* Stop the thread, write what is left labelled "" and close the file.
 * Returns the number of rows written; 0 when the sampler was not
 * running. */
unsigned long gmb_rss_sampler_stop(void);

#endif /* GOMEM_HARNESS_RSS_H */
