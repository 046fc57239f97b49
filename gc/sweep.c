/*
 * sweep.c — sweeping (mgcsweep.go).  For now: starting a sweep generation
 * and sweeping every span, the collector's sweep with nothing marked.  The
 * background sweeper and proportional sweeping come with the collector.
 *
 * 1. Release the calling thread's cache (the caller guarantees every other
 *    thread released its own).
 * 2. Advance sweepgen by 2: every swept set becomes unswept
 *    (inv:central-parity).
 * 3. Sweep every unswept span of every span class; spans left empty go
 *    back to the page heap.
 */
#include "alloc/gmi.h"
#include "alloc/mcache.h"

void gmi_sweep_start_unmarked(void)
{
	gmi_mcache_release_current();
	atomic_fetch_add_explicit(&gmi_heap.sweepgen, 2, memory_order_acq_rel);
}

void gmi_sweep_help(void)
{
	gmi_mheap *h = &gmi_heap;
	for (unsigned i = 0; i < GMI_NUM_SPAN_CLASSES; i++)
		while (gmi_central_sweep_one(&h->central[i]))
			;
}

void gmi_sweep_all_unmarked(void)
{
	gmi_sweep_start_unmarked();
	gmi_sweep_help();
}
