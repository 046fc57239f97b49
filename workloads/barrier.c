/*
 * barrier.c — what a pointer store through gm_write costs with no cycle
 * running, against plain stores of pointers and of non-pointers.
 *
 * Benchmarks (one thread; run once per --collector mode):
 *   barrier/gm_write    gm_write(&slots[i], p) into a gomem object of
 *                       pointer slots
 *   barrier/plain_ptr   slots[i] = p, the same object, no gm_write
 *   barrier/plain_word  words[i] = (uint64_t)p into a noscan array
 * One iteration is one store (items_processed counts them), so the time
 * per iteration is ns per store; gm_write's overhead per store is its time
 * less plain_ptr's.  The stores walk SLOTS slots, storing pointers to a
 * few gomem objects in turn.  After every store of all three, the compiler
 * is told the slot is read (gmb_do_not_optimize), so that no store is
 * hoisted, merged or vectorised away; that costs no instruction and is the
 * same on every side.
 *
 * In this version every collector mode stops the world for the whole
 * cycle, so no mutator ever stores while marking: only the no-cycle case
 * exists, gm_write's test of one flag and the store.  The case "while
 * marking" comes with the concurrent collector.
 */
#include <stdint.h>

#include "gomem.h"
#include "harness/gccounters.h"
#include "harness/shim.h"
#include "harness/topology.h"
#include "harness/workload.h"

#define BR_SLOTS 4096 /* 32 KiB of slots: within L1/L2 */
#define BR_TARGETS 8  /* objects stored in turn */
#define BR_BATCH (BR_SLOTS * 4)

typedef enum br_kind { BR_GM_WRITE, BR_PLAIN_PTR, BR_PLAIN_WORD } br_kind;

static const br_kind br_kinds[] = {BR_GM_WRITE, BR_PLAIN_PTR, BR_PLAIN_WORD};

static void br_stores_gm_write(void **slots, void *const *targets, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		void **slot = &slots[i & (BR_SLOTS - 1)];
		gm_write(slot, targets[i & (BR_TARGETS - 1)]);
		gmb_do_not_optimize(slot);
	}
}

static void br_stores_plain_ptr(void **slots, void *const *targets, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		void **slot = &slots[i & (BR_SLOTS - 1)];
		*slot = targets[i & (BR_TARGETS - 1)];
		gmb_do_not_optimize(slot);
	}
}

static void br_stores_plain_word(uint64_t *words, void *const *targets, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		uint64_t *slot = &words[i & (BR_SLOTS - 1)];
		*slot = (uint64_t)(uintptr_t)targets[i & (BR_TARGETS - 1)];
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

static void barrier_bench(gmb_state *st, void *arg)
{
	br_kind kind = *(const br_kind *)arg;
	void *targets[BR_TARGETS];
	int err;

	gmb_place_thread(st);
	if ((err = gm_thread_attach()) != GM_OK)
		gmb_fatal("barrier: gm_thread_attach: %s", gm_strerror(err));
	if (br_type() == NULL)
		gmb_fatal("barrier: gm_type_new(\"barrier_slot\") failed");
	void **slots = gm_new_array(br_type(), BR_SLOTS);
	uint64_t *words = gm_alloc_noscan(BR_SLOTS * sizeof(uint64_t));
	for (int i = 0; i < BR_TARGETS; i++)
		targets[i] = gm_alloc_noscan(16);
	while (gmb_keep_running_batch_attached(st, BR_BATCH)) {
		if (kind == BR_GM_WRITE)
			br_stores_gm_write(slots, targets, BR_BATCH);
		else if (kind == BR_PLAIN_PTR)
			br_stores_plain_ptr(slots, targets, BR_BATCH);
		else
			br_stores_plain_word(words, targets, BR_BATCH);
	}
	gmb_set_items_processed(st, gmb_iterations(st));
	gmb_do_not_optimize(slots);
	gmb_do_not_optimize(words);
	gm_thread_detach();
}

static void barrier_register(void)
{
	gmb_register("barrier/gm_write", barrier_bench, (void *)&br_kinds[0], NULL);
	gmb_register("barrier/plain_ptr", barrier_bench, (void *)&br_kinds[1], NULL);
	gmb_register("barrier/plain_word", barrier_bench, (void *)&br_kinds[2], NULL);
}

GMB_WORKLOAD(barrier,
	.name = "barrier",
	.description = "pointer stores through gm_write with no cycle running, "
		       "against plain pointer and word stores (ns per store)",
	.params = "4096 slots walked; store: gm_write, plain pointer, plain "
		  "word; no cycle running (stop-the-world collector)",
	.register_benchmarks = barrier_register);
