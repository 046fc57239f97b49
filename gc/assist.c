/*
 * assist.c — mark assists (Go's mgcmark.go: gcAssistAlloc, gcParkAssist):
 * a mutator allocating while marking owes scan work for the bytes it
 * takes.
 *
 * 1. Each thread carries assist credit in bytes (t->assist_bytes, Go's
 *    gcAssistBytes; debt < 0), charged per span here, where the
 *    allocator counts heap_live (gmi_mark_alloc's caller).
 * 2. A thread in debt converts it into scan work at the pacer's
 *    assistWorkPerByte, at least MARK_OVER_ASSIST_WORK
 *    (gcOverAssistWork).
 * 3. It steals the background workers' banked credit first
 *    (gmi_mark_st.bg_credit, Go's bgScanCredit), then drains the rest.
 * 4. If the work has run out it waits, blocked, for credit or the end of
 *    marking (gcParkAssist).
 * Not while the CPU limiter is on: the debt waits, as Go's does.  The
 * overview of marking is at the top of mark.c; the state is
 * gc/markstate.h.
 */
#include <stdatomic.h>

#include "gc/gc.h"
#include "gc/limiter.h"
#include "gc/markstate.h"
#include "gc/pacer.h"
#include "gc/proc.h"

void gmi_mark_alloc(gmi_thread *t, size_t bytes)
{
	t->assist_bytes -= (int64_t)bytes;
	if (t->assist_bytes >= 0)
		return;
	if (gmi_gc_cpu_limiting())
		return; /* Go's gcAssistAlloc: the CPU limiter is on; the debt waits */
	/* Go's gcAssistAlloc.  Only the drains count as assist time (Go's
	 * gcAssistAlloc1 times gcDrainN alone): not a park at a stop, nor
	 * the wait for work, which would have the CPU limiter count CPU time
	 * no thread used. */
	int64_t spent = 0;
	while (t->assist_bytes < 0 && atomic_load(&gmi_mark_st.active)) {
		double wpb = gmi_pacer_assist_work_per_byte();
		double bpw = gmi_pacer_assist_bytes_per_work();
		int64_t debt = -t->assist_bytes;
		int64_t work = (int64_t)(wpb * (double)debt);
		if (work < MARK_OVER_ASSIST_WORK) {
			work = MARK_OVER_ASSIST_WORK;
			debt = (int64_t)(bpw * (double)work);
		}
		/* steal the workers' banked credit first */
		int64_t credit = atomic_load(&gmi_mark_st.bg_credit);
		if (credit > 0) {
			int64_t stolen = credit < work ? credit : work;
			atomic_fetch_sub(&gmi_mark_st.bg_credit, stolen);
			if (stolen == work) {
				t->assist_bytes += debt;
				break;
			}
			t->assist_bytes += (int64_t)(bpw * (double)stolen);
			work -= stolen;
		}
		bool out = false;
		int64_t t0 = gmi_nanotime();
		int64_t done = gmi_mark_drain_some(&t->gcw, work, NULL, 0, 0, &out);
		gmi_mark_flush_work(&t->gcw, false);
		spent += gmi_nanotime() - t0;
		gm_safepoint(); /* a stop may have cut the drain short */
		t->assist_bytes += (int64_t)(bpw * (double)done);
		if (t->assist_bytes >= 0 || atomic_load(&gmi_mark_st.held))
			break;
		if (out) {
			/* no work left: wait for credit or the end of marking
			 * (gcParkAssist), blocked so that a stop can proceed */
			gmi_gc_poke();
			gm_blocking_enter();
			gmi_mark_sleep(MARK_IDLE_SLEEP_NS, true);
			gm_blocking_leave();
		}
	}
	if (spent != 0) {
		gmi_pacer_add_mark_time(GMI_MARK_ASSIST, spent);
		atomic_fetch_add(&gmi_mark_st.assist_ns, spent);
	}
}

void gmi_mark_help(void)
{
	gmi_thread *t = gmi_proc_self;
	if (t == NULL)
		return;
	int64_t t0 = gmi_nanotime();
	bool out = false;
	while (atomic_load(&gmi_mark_st.active) && !out) {
		gmi_mark_drain_some(&t->gcw, INT64_MAX, NULL, 0, 0, &out);
		gm_safepoint(); /* a stop may have cut the drain short */
	}
	gmi_mark_flush_work(&t->gcw, true);
	int64_t dt = gmi_nanotime() - t0;
	gmi_pacer_add_mark_time(GMI_MARK_IDLE, dt);
	atomic_fetch_add(&gmi_mark_st.idle_ns, dt);
}
