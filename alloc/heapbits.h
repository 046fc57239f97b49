/*
 * heapbits.h — how the collector finds the pointers in a heap object
 * (Go 1.22's mbitmap.go: heap bits in the span, malloc headers, large
 * types).
 *
 * Three layouts, by the object's slot size:
 * - up to 512 bytes (heapBitsInSpan): one bit per 8-byte word, in a bitmap
 *   at the end of the span (span bytes / 64 of them: 128 bytes per 8 KiB
 *   page, taken from the span's objects).  Writing an object's bits costs a
 *   few instructions at allocation; scanning reads one or two words.
 * - over 512 bytes up to 32 KiB: an 8-byte header in front of the object
 *   holding its gm_type (Go's malloc header); the program's pointer is the
 *   slot plus 8.  Cost: 8 bytes per object (under 1.6% of the slot).
 * - large objects (a span each): the span records the type (largeType).
 * Pointer-free objects live in noscan spans and have none of these.
 */
#ifndef GOMEM_ALLOC_HEAPBITS_H
#define GOMEM_ALLOC_HEAPBITS_H

#include <stdbool.h>

#include "alloc/mheap.h"
#include "alloc/type.h"

/* 512: minSizeForMallocHeader = goarch.PtrSize * ptrBits (mbitmap.go). */
#define GMI_MIN_SIZE_FOR_MALLOC_HEADER 512
/* 8: mallocHeaderSize (malloc.go). */
#define GMI_MALLOC_HEADER_SIZE 8

/* Go's heapBitsInSpan: objects of this slot size keep their bits in the
 * span. */
static inline bool gmi_heap_bits_in_span(size_t elemsize)
{
	return elemsize <= GMI_MIN_SIZE_FOR_MALLOC_HEADER;
}

/* true for spans whose objects have their pointer bits at the span's end */
static inline bool gmi_span_has_heap_bits(const gmi_mspan *s)
{
	unsigned c = gmi_spanclass_sizeclass(s->spanclass);
	return c != 0 && !gmi_spanclass_noscan(s->spanclass) &&
	       gmi_heap_bits_in_span(s->elemsize);
}

/* the bitmap of such a span: its last bytes / 64 bytes (Go's heapBits) */
static inline uint64_t *gmi_span_heap_bits(const gmi_mspan *s)
{
	size_t bytes = s->npages * GMI_PAGE_SIZE;
	return (uint64_t *)(s->startaddr + bytes - bytes / 64);
}

/* Write the pointer bits of a new object at x (slot of s) holding
 * datasize bytes of t, repeated for arrays (Go's writeHeapBitsSmall). */
void gmi_heap_bits_write(const gmi_mspan *s, uintptr_t x, size_t datasize,
			 const gm_type *t);
/* The pointer words of the object at slot x: bit i for word i (Go's
 * typePointers over heap bits). */
uint64_t gmi_heap_bits_read(const gmi_mspan *s, uintptr_t x);

#endif
