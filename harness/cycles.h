/*
 * cycles.h — the per-cycle log of one configuration: a CSV file with one
 * line per finished collection, from gm_set_cycle_hook, in the results
 * directory's cycles/ (read by gomem-bench plot: plotcycles.c); and the
 * stop log, the same records kept in memory so that a benchmark can
 * report its own run's stops of the world one by one (gccounters.c).
 * Both are fed by one cycle hook: the library takes only one.
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
#include <stdint.h>

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

/* ---- the stop log ------------------------------------------------------- */

/* 4096 cycles: a 0.5 s repetition of the busiest benchmark (tiny
 * allocations at GOGC=25, a cycle per ms) runs a few hundred; the log's
 * 4096 * 64 bytes are static. */
#define GMB_STOPLOG_CYCLES 4096

/* What the stop log keeps of one finished cycle (gm_cycle's fields). */
typedef struct gmb_cycle_stops {
	uint32_t num;
	uint32_t nstops;                /* at most GM_MAX_STOPS */
	int64_t stop_ns[GM_MAX_STOPS];  /* stop_ns[nstops - 1]: mark
					 * termination (the only stop of a
					 * stop-the-world cycle) */
	uint64_t stack_scan;            /* stack bytes scanned */
	int64_t gc_cpu_ns;              /* the collector's CPU time: sweep
					 * and mark termination, workers,
					 * assists (idle marking left out, as
					 * Go's GCCPUFraction leaves it) */
	int32_t procs;                  /* GOMAXPROCS analogue in force */
	uint64_t heap_mark_end;         /* heap when marking ended */
	uint64_t next_goal;             /* the goal set for the next cycle */
} gmb_cycle_stops;

/* Keep every cycle finished from now on in the stop log (the newest
 * GMB_STOPLOG_CYCLES of them).  Idempotent and thread-safe; the hook stays
 * until gmb_cycles_stop. */
void gmb_stoplog_start(void);
/* The number of cycles logged so far: a position for gmb_stoplog_since. */
uint64_t gmb_stoplog_position(void);
/* Copy the cycles logged after position `pos`, oldest first, into
 * out[0 .. max); returns how many.  *lost counts those after pos that are
 * no longer kept or did not fit (the oldest ones). */
size_t gmb_stoplog_since(uint64_t pos, gmb_cycle_stops *out, size_t max,
			 uint64_t *lost);

#endif /* GOMEM_HARNESS_CYCLES_H */
