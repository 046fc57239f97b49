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

/*
 * Reading and writing an object's bits (Go 1.22 mbitmap.go:
 * writeHeapBitsSmall, heapBitsSmallForAddr), inline because writing is on
 * the allocation path of every small object with pointers:
 * 1. An object of n <= 64 words starts at word w of the span; its bits are
 *    bits w..w+n-1 of the bitmap, in at most two 64-bit words.
 * 2. Writing: build the object's mask by repeating the type's mask every
 *    type-size words over the data (arrays), clear the rest of the slot,
 *    and store the one or two bitmap words.  Only the thread that owns the
 *    span allocates from it, so read-modify-write needs no atomic RMW; the
 *    stores and the collector's loads are relaxed atomics.
 * 3. Reading: the same one or two words, shifted and masked.
 */

/* bits of a datasize-byte run of t repeated, as a mask of words */
static inline uint64_t gmi_heap_bits_mask(size_t datasize, const gm_type *t)
{
	size_t tw = t->size / 8, dw = datasize / 8;
	uint64_t m = t->small_mask;
	for (size_t w = tw; w < dw; w += tw) /* arrays: repeat the element */
		m |= t->small_mask << w;
	return dw >= 64 ? m : m & (((uint64_t)1 << dw) - 1);
}

/* Write the pointer bits of a new object at x (slot of s) holding
 * datasize bytes of t. */
static inline void gmi_heap_bits_write(const gmi_mspan *s, uintptr_t x,
				       size_t datasize, const gm_type *t)
{
	uint64_t *bits = gmi_span_heap_bits(s);
	size_t w0 = (x - s->startaddr) / 8, n = s->elemsize / 8;
	uint64_t m = gmi_heap_bits_mask(datasize, t);
	size_t i = w0 / 64, o = w0 % 64;
	uint64_t keep = n == 64 ? 0 : ~((((uint64_t)1 << n) - 1) << o);
	uint64_t old = __atomic_load_n(&bits[i], __ATOMIC_RELAXED);
	__atomic_store_n(&bits[i], (old & keep) | m << o, __ATOMIC_RELAXED);
	if (__builtin_expect(o + n > 64, 0)) { /* the rest spills over */
		size_t spill = o + n - 64;
		uint64_t old2 = __atomic_load_n(&bits[i + 1], __ATOMIC_RELAXED);
		uint64_t keep2 = ~(((uint64_t)1 << spill) - 1);
		__atomic_store_n(&bits[i + 1], (old2 & keep2) | m >> (64 - o),
				 __ATOMIC_RELAXED);
	}
}

/* The pointer words of the object at slot x: bit i for word i. */
static inline uint64_t gmi_heap_bits_read(const gmi_mspan *s, uintptr_t x)
{
	const uint64_t *bits = gmi_span_heap_bits(s);
	size_t w0 = (x - s->startaddr) / 8, n = s->elemsize / 8;
	size_t i = w0 / 64, o = w0 % 64;
	uint64_t m = __atomic_load_n(&bits[i], __ATOMIC_RELAXED) >> o;
	if (o + n > 64)
		m |= __atomic_load_n(&bits[i + 1], __ATOMIC_RELAXED) << (64 - o);
	return n == 64 ? m : m & (((uint64_t)1 << n) - 1);
}

#endif
