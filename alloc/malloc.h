/*
 * malloc.h — library-internal entry points of the allocator (malloc.c).
 */
#ifndef GOMEM_ALLOC_MALLOC_H
#define GOMEM_ALLOC_MALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "gomem.h"

/* 2: tinySizeClass, the 16-byte class tiny blocks come from (malloc.go). */
#define GMI_TINY_SIZE_CLASS 2

bool gmi_malloc_init(gm_oom_policy on_oom);
void gmi_malloc_shutdown(void);
bool gmi_malloc_is_inited(void);
/* Go's mallocgc: zeroed memory for size bytes; noscan when pointer-free */
void *gmi_mallocgc(size_t size, bool noscan);

#endif
