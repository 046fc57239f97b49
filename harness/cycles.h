/*
 * cycles.h — the per-cycle log of one configuration: a CSV file with one
 * line per finished collection, from gm_set_cycle_hook, in the results
 * directory's cycles/ (read by gomem-bench plot: plotcycles.c).
 *
 * Columns, named after gm_cycle's fields (gomem.h), in this order:
 *   num, forced, collector, procs, t_sweep_term, t_mark, t_mark_term,
 *   t_end, nstops, stop_ns_0 .. stop_ns_3, stop_end_0 .. stop_end_3,
 *   heap_trigger, heap_mark_end, heap_marked, heap_goal, next_goal,
 *   trigger, stack_scan, globals_scan, sweep_term_cpu_ns, mark_cpu_ns,
 *   assist_cpu_ns, idle_cpu_ns, mark_term_cpu_ns, memory_limited,
 *   cpu_limited, gc_cpu_fraction
 * then the configuration's settings: gogc (-1: off) and memory_limit
 * (bytes; 9223372036854775807: off).  Times are ns since gm_init; unused
 * stop slots are 0.
 */
#ifndef GOMEM_HARNESS_CYCLES_H
#define GOMEM_HARNESS_CYCLES_H

#include <stdbool.h>
#include <stddef.h>

#include "gomem.h"

/* Open `path`, write the header, install the cycle hook.  0, or -1 with a
 * message in err. */
int gmb_cycles_start(const char *path, const gm_config *cfg, char *err,
		     size_t errlen);
/* Remove the hook and close the file (after gm_shutdown or before).
 * Returns how many cycles were logged. */
unsigned long gmb_cycles_stop(void);

/* true when the log at `path` holds at least one cycle (not just the
 * header): the parent drops empty logs. */
bool gmb_cycles_any(const char *path);

#endif /* GOMEM_HARNESS_CYCLES_H */
