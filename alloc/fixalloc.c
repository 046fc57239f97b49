/*
 * fixalloc.c — fixed-size records off the heap (Go's mfixalloc.go).
 *
 * Owns: span records, mcache records, region records.  The heap lock
 * protects every fixalloc.
 *
 * 1. Records come from the free list when it has one.
 * 2. Otherwise they are bumped out of a 16 KiB chunk from the OS (Go's
 *    _FixAllocChunk); a new chunk is mapped when the current one runs out.
 * 3. Freed records go on the free list; chunks are returned only when the
 *    heap is destroyed.
 */
#include <string.h>

#include "alloc/mheap.h"
#include "alloc/os.h"

/* 16 KiB: _FixAllocChunk (malloc.go); the first 16 bytes link the chunks. */
#define FIX_CHUNK_BYTES ((size_t)16 << 10)
#define FIX_CHUNK_HEADER ((size_t)16)

void gmi_fixalloc_init(gmi_fixalloc *f, size_t size)
{
	memset(f, 0, sizeof *f);
	f->size = (size + 15) & ~(size_t)15;
}

/* map a new chunk; false when the OS refuses */
static bool fixalloc_grow(gmi_fixalloc *f)
{
	size_t bytes = FIX_CHUNK_BYTES;
	if (f->size + FIX_CHUNK_HEADER > bytes)
		bytes = (f->size + FIX_CHUNK_HEADER + GMI_PHYS_PAGE_SIZE - 1) &
			~(GMI_PHYS_PAGE_SIZE - 1);
	void *chunk = gmi_os_alloc(bytes);
	if (chunk == NULL)
		return false;
	((void **)chunk)[0] = f->chunks;
	((size_t *)chunk)[1] = bytes;
	f->chunks = chunk;
	f->chunk = (uintptr_t)chunk + FIX_CHUNK_HEADER;
	f->nchunk = bytes - FIX_CHUNK_HEADER;
	f->sys += bytes;
	return true;
}

void *gmi_fixalloc_alloc(gmi_fixalloc *f)
{
	void *p;
	if (f->list != NULL) {
		p = f->list;
		f->list = *(void **)p;
		memset(p, 0, f->size);
	} else {
		if (f->nchunk < f->size && !fixalloc_grow(f))
			return NULL;
		p = (void *)f->chunk; /* fresh from the OS: already zero */
		f->chunk += f->size;
		f->nchunk -= f->size;
	}
	f->inuse += f->size;
	return p;
}

void gmi_fixalloc_free(gmi_fixalloc *f, void *p)
{
	f->inuse -= f->size;
	*(void **)p = f->list;
	f->list = p;
}

void gmi_fixalloc_destroy(gmi_fixalloc *f)
{
	void *c = f->chunks;
	while (c != NULL) {
		void *next = ((void **)c)[0];
		gmi_os_free(c, ((size_t *)c)[1]);
		c = next;
	}
	memset(f, 0, sizeof *f);
}
