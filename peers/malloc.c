/*
 * malloc.c — the malloc family as peers: glibc, jemalloc, mimalloc and
 * tcmalloc, each linked into its own executable (gomem-peer-glibc, ...;
 * GMB_PEER_RUNTIME says which), so that each allocator serves the whole
 * process, Google Benchmark's own allocations included, and no two share
 * an address space.  Linking (not LD_PRELOAD) is what the Debian -dev
 * packages support directly; peer_main.c records in the JSON context the
 * library dladdr finds malloc in, so a link that did not take is visible.
 *
 * Benchmarks: workloads/alloc.c's families, sizes and thread counts
 * (alloc_tiny, alloc_small, alloc_small_ptr, alloc_large), named
 * FAMILY/COMPONENT/SIZE/threads:N.  The work is alloc.c's glibc calloc
 * twin: per thread, batches of 4 MiB of objects, each calloc'd (zeroed,
 * as gomem and Go return memory) and written one byte, then the batch
 * freed.  alloc_small_ptr is the same calloc of SIZE bytes: an allocator
 * of the family cannot tell pointers from bytes.
 */
#include <stdlib.h>

#include "peers/peer.h"

#ifndef GMB_PEER_RUNTIME
#error "GMB_PEER_RUNTIME must name the runtime (GMB_RT_JEMALLOC, ...)"
#endif

gmb_runtime peer_runtime(void)
{
	return GMB_PEER_RUNTIME;
}

static void malloc_bench(gmb_state *st, void *arg)
{
	(void)arg;
	size_t size = (size_t)gmb_range(st, 0);
	int64_t batch = peer_batch_objects(size);
	void **objs = calloc((size_t)batch, sizeof *objs);
	if (objs == NULL)
		peer_fatal("no memory for a batch of %lld pointers",
			   (long long)batch);
	while (gmb_keep_running_batch(st, batch)) {
		for (int64_t i = 0; i < batch; i++) {
			char *p = calloc(1, size);
			if (p == NULL)
				peer_fatal("calloc(%zu) failed", size);
			p[size - 1] = 1;
			gmb_do_not_optimize(p);
			objs[i] = p;
		}
		for (int64_t i = 0; i < batch; i++)
			free(objs[i]);
	}
	gmb_set_items_processed(st, gmb_iterations(st));
	free(objs);
}

int peer_register(void)
{
	peer_register_alloc(malloc_bench, false);
	return 0;
}
