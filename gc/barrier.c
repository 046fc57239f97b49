/*
 * barrier.c — the write barrier's slow path (Go's mbarrier.go, mwbbuf.go).
 *
 * gm_write (include/gomem.h) is the inline check: with no cycle marking it
 * is one predictable branch and a relaxed store.  The flag is set by the
 * phase setter in gc.c for the mark phase.  In the stop-the-world collector
 * (GM_STW, and every mode until the concurrent collector lands) no mutator
 * runs while the flag is set, so the slow path only stores; the concurrent
 * modes' shading (hybrid, Dijkstra, Yuasa) belongs here.
 */
#include "gomem.h"

void gm_write_slow_(void **slot, void *ptr)
{
	__atomic_store_n(slot, ptr, __ATOMIC_RELAXED);
}
