/*
 * scavenge.c — returning free memory to the OS (mgcscavenge.go).
 *
 * The mechanism lives in the page allocator (gmi_pagealloc_scavenge: free,
 * unreleased pages, highest addresses first, madvise(MADV_DONTNEED)); this
 * file drives it.  The background scavenger and its goals (retained memory
 * near the heap goal, under the memory limit) come with the memory-limit
 * work.
 */
#include "alloc/gmi.h"
#include "alloc/malloc.h"
#include "alloc/mheap.h"

/* Every free page back to the OS (the second half of debug.FreeOSMemory;
 * gm_free_os_memory in gc/gc.c collects first, as Go does). */
void gmi_scavenge_all(void)
{
	if (!gmi_malloc_is_inited())
		return;
	pthread_mutex_lock(&gmi_heap.lock);
	gmi_pagealloc_scavenge(&gmi_heap.pages, SIZE_MAX);
	pthread_mutex_unlock(&gmi_heap.lock);
}
