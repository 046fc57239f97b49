/*
 * barrier.c — what a pointer store through gm_write costs, with no cycle
 * running and while a cycle is marking, against plain stores measured
 * under the same conditions in the same run.
 *
 * Benchmarks (one thread; run once per --collector mode):
 *   barrier/gomem/nocycle       gm_write(&slots[i], p) into a gomem object
 *                               of pointer slots, no cycle running
 *   barrier/plain_ptr/nocycle   slots[i] = p, the same object, no gm_write
 *   barrier/plain_word/nocycle  words[i] = (uint64_t)p into a noscan array
 *   barrier/gomem/marking       gm_write while a cycle is marking
 *   barrier/plain_ptr/marking   plain stores while a cycle is marking (the
 *                               baseline: the mark workers share the
 *                               machine and the caches with it)
 *   barrier/{gomem,plain_ptr}/marking_spread   the same while marking, with
 *                               65536 targets stored in scattered order:
 *                               no two stores of a buffer's flush repeat a
 *                               pointer or, mostly, a span, so the flush's
 *                               filters do not help (the unfavourable case)
 * The names differ from their baselines only in the "gomem" component, so
 * the report prints gomem / plain_ptr (and / plain_word) beside each
 * gomem row.  One iteration is one store (items_processed counts them), so
 * the time per iteration is ns per store; gm_write's overhead per store is
 * its time less plain_ptr's.  The stores walk SLOTS slots, storing
 * pointers to a few gomem objects in turn.  After every store of every
 * kind, the compiler is told the slot is read (gmb_do_not_optimize), so
 * that no store is hoisted, merged or vectorised away; that costs no
 * instruction and is the same on every side.
 *
 * "marking": before the loop (untimed) the mark phase is held open
 * (gmi_gc_hold_mark) and a cycle started (gmi_gc_start_async); the loop
 * runs inside that phase, with the barrier on; after it the hold is
 * released and the cycle finishes (untimed).  The same objects are stored
 * again and again, so after the first pass the slow path finds them
 * shaded: what is measured is the steady cost of the barrier's slow path,
 * not of greying.  When the collector does not mark concurrently (GM_STW
 * always; every mode while the concurrent collector is not built) no store
 * can run while marking: the run then does no stores, reports
 * marking = 0, items_processed 0 and the label "not applicable: ...", and
 * its time (the empty loop's) means nothing.  It is not an error, so that
 * a run over all modes still passes.  Applicable runs report marking = 1.
 */
#include <stdint.h>
#include <stdio.h>

#include "gc/gc.h"
#include "gc/proc.h" /* gmi_config: the collector mode, for the label */
#include "gomem.h"
#include "harness/gccounters.h"
#include "harness/settings.h"
#include "harness/shim.h"
#include "harness/topology.h"
#include "harness/workload.h"

#define BR_SLOTS 4096 /* 32 KiB of slots: within L1/L2 */
#define BR_TARGETS 8  /* objects stored in turn */
#define BR_SPREAD (1 << 16) /* objects stored in scattered order: *_spread */
#define BR_BATCH (BR_SLOTS * 4)

typedef enum br_store { BR_GM_WRITE, BR_PLAIN_PTR, BR_PLAIN_WORD } br_store;

typedef struct br_case {
	const char *name;
	br_store store;
	bool marking;      /* stores run while a cycle is marking */
	unsigned ntargets; /* a power of two: BR_TARGETS or BR_SPREAD */
} br_case;

static const br_case br_cases[] = {
	{"barrier/gomem/nocycle", BR_GM_WRITE, false, BR_TARGETS},
	{"barrier/plain_ptr/nocycle", BR_PLAIN_PTR, false, BR_TARGETS},
	{"barrier/plain_word/nocycle", BR_PLAIN_WORD, false, BR_TARGETS},
	{"barrier/gomem/marking", BR_GM_WRITE, true, BR_TARGETS},
	{"barrier/plain_ptr/marking", BR_PLAIN_PTR, true, BR_TARGETS},
	{"barrier/gomem/marking_spread", BR_GM_WRITE, true, BR_SPREAD},
	{"barrier/plain_ptr/marking_spread", BR_PLAIN_PTR, true, BR_SPREAD},
};

/* the target of store i: in turn from a few, or scattered over many (an
 * odd multiplier permutes them, so neighbours in time are far apart in
 * the heap, as a real program's stores are) */
#define BR_SPREAD_MULT 40503u

static inline void *br_target(void *const *targets, uint64_t mask, uint64_t mult,
			      int64_t i)
{
	return targets[(uint64_t)i * mult & mask];
}

/* The loops are inlined into br_loop with constant mask and multiplier, so
 * the few-target loops compile exactly as a plain `i & 7` index. */
#define BR_LOOP static inline __attribute__((always_inline)) void

BR_LOOP br_stores_gm_write(void **slots, void *const *targets, uint64_t mask,
			    uint64_t mult, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		void **slot = &slots[i & (BR_SLOTS - 1)];
		gm_write(slot, br_target(targets, mask, mult, i));
		gmb_do_not_optimize(slot);
	}
}

BR_LOOP br_stores_plain_ptr(void **slots, void *const *targets, uint64_t mask,
			     uint64_t mult, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		void **slot = &slots[i & (BR_SLOTS - 1)];
		*slot = br_target(targets, mask, mult, i);
		gmb_do_not_optimize(slot);
	}
}

BR_LOOP br_stores_plain_word(uint64_t *words, void *const *targets, uint64_t mask,
			      uint64_t mult, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		uint64_t *slot = &words[i & (BR_SLOTS - 1)];
		*slot = (uint64_t)(uintptr_t)br_target(targets, mask, mult, i);
		gmb_do_not_optimize(slot);
	}
}

static const gm_type *br_type(void)
{
	static const size_t offs[] = {0};
	static const gm_type *t;
	if (t == NULL) /* one thread: no race */
		t = gm_type_new("barrier_slot", 8, offs, 1);
	return t;
}

/* Start a cycle and hold its mark phase open.  true when it is marking;
 * otherwise the cycle is finished and why not is in `why`. */
static bool br_mark_begin(char *why, size_t n)
{
	gmi_gc_hold_mark(true);
	gmi_gc_start_async();
	gmi_gc_phase phase = gmi_gc_phase_now();
	if (phase == GMI_PHASE_MARK)
		return true;
	gmi_gc_hold_mark(false);
	gmi_gc_wait_mark_done();
	const char *mode = gmb_collector_name(gmi_config.collector);
	if (gmi_config.collector == GM_STW)
		snprintf(why, n, "not applicable: the stw collector never runs "
			 "mutators while marking");
	else
		snprintf(why, n, "not applicable: the %s collector did not "
			 "mark concurrently (phase %d after gmi_gc_start_async)",
			 mode != NULL ? mode : "?", (int)phase);
	return false;
}

static void br_mark_end(void)
{
	gmi_gc_hold_mark(false);
	gmi_gc_wait_mark_done();
}

/* The measured loop: BR_BATCH stores of `store` per trip. */
static void br_loop(gmb_state *st, br_store store, bool spread, void **slots,
		    uint64_t *words, void *const *targets)
{
	const uint64_t fm = BR_TARGETS - 1, sm = BR_SPREAD - 1, sx = BR_SPREAD_MULT;
	while (gmb_keep_running_batch_attached(st, BR_BATCH)) {
		if (store == BR_GM_WRITE && !spread)
			br_stores_gm_write(slots, targets, fm, 1, BR_BATCH);
		else if (store == BR_GM_WRITE)
			br_stores_gm_write(slots, targets, sm, sx, BR_BATCH);
		else if (store == BR_PLAIN_PTR && !spread)
			br_stores_plain_ptr(slots, targets, fm, 1, BR_BATCH);
		else if (store == BR_PLAIN_PTR)
			br_stores_plain_ptr(slots, targets, sm, sx, BR_BATCH);
		else
			br_stores_plain_word(words, targets, fm, 1, BR_BATCH);
	}
}

/* A run that cannot store while marking: an empty loop, said so. */
static void br_not_applicable(gmb_state *st, const char *why)
{
	while (gmb_keep_running_batch_attached(st, BR_BATCH))
		;
	gmb_set_label(st, why);
	gmb_set_counter(st, "marking", 0, 0);
	gmb_set_items_processed(st, 0);
}

static void barrier_bench(gmb_state *st, void *arg)
{
	const br_case *c = arg;
	char why[160];
	int err;

	gmb_place_thread(st);
	if ((err = gm_thread_attach()) != GM_OK)
		gmb_fatal("barrier: gm_thread_attach: %s", gm_strerror(err));
	if (br_type() == NULL)
		gmb_fatal("barrier: gm_type_new(\"barrier_slot\") failed");
	void **slots = gm_new_array(br_type(), BR_SLOTS);
	uint64_t *words = gm_alloc_noscan(BR_SLOTS * sizeof(uint64_t));
	/* the targets array is a gomem object too: this frame keeps it */
	void **targets = gm_new_array(br_type(), c->ntargets);
	for (unsigned i = 0; i < c->ntargets; i++)
		gm_write(&targets[i], gm_alloc_noscan(16));
	if (c->marking && !br_mark_begin(why, sizeof why)) {
		br_not_applicable(st, why);
	} else {
		br_loop(st, c->store, c->ntargets == BR_SPREAD, slots, words, targets);
		if (c->marking)
			br_mark_end();
		gmb_set_items_processed(st, gmb_iterations(st));
		if (c->marking)
			gmb_set_counter(st, "marking", 1, 0);
	}
	gmb_do_not_optimize(slots);
	gmb_do_not_optimize(words);
	gmb_do_not_optimize(targets);
	gm_thread_detach();
}

static void barrier_register(void)
{
	for (size_t i = 0; i < sizeof br_cases / sizeof br_cases[0]; i++)
		gmb_register(br_cases[i].name, barrier_bench,
			     (void *)&br_cases[i], NULL);
}

GMB_WORKLOAD(barrier,
	.name = "barrier",
	.description = "pointer stores through gm_write against plain pointer "
		       "and word stores, with no cycle running and while a "
		       "cycle marks (ns per store)",
	.params = "4096 slots walked; store: gm_write (gomem), plain pointer, "
		  "plain word; nocycle, or marking (held open; not applicable "
		  "under stw); 8 targets in turn, or 65536 scattered (_spread)",
	.register_benchmarks = barrier_register);
