/*
 * heapbits.c — pointer bits of small objects kept at the end of their span
 * (Go 1.22 mbitmap.go: writeHeapBitsSmall, heapBitsSmallForAddr).  See
 * heapbits.h for the three layouts and their costs.
 *
 * 1. An object of n <= 64 words starts at word w of the span; its bits are
 *    bits w..w+n-1 of the bitmap, in at most two 64-bit words.
 * 2. Writing: build the object's mask by repeating the type's mask every
 *    type-size words over the data (arrays), clear the rest of the slot,
 *    and store the one or two bitmap words.  Only the thread that owns the
 *    span allocates from it, so read-modify-write needs no atomic RMW; the
 *    stores and the collector's loads are relaxed atomics.
 * 3. Reading: the same one or two words, shifted and masked.
 */
#include "alloc/heapbits.h"

static uint64_t heapbits_load(const uint64_t *w)
{
	return __atomic_load_n(w, __ATOMIC_RELAXED);
}

static void heapbits_store(uint64_t *w, uint64_t v)
{
	__atomic_store_n(w, v, __ATOMIC_RELAXED);
}

/* bits of a datasize-byte run of t repeated, as a mask of words */
static uint64_t heapbits_object_mask(size_t datasize, const gm_type *t)
{
	size_t tw = t->size / 8, dw = datasize / 8;
	if (tw == 0)
		return 0;
	uint64_t m = 0;
	for (size_t w = 0; w < dw; w += tw)
		m |= t->small_mask << w;
	return dw >= 64 ? m : m & (((uint64_t)1 << dw) - 1);
}

void gmi_heap_bits_write(const gmi_mspan *s, uintptr_t x, size_t datasize,
			 const gm_type *t)
{
	uint64_t *bits = gmi_span_heap_bits(s);
	size_t w0 = (x - s->startaddr) / 8, n = s->elemsize / 8;
	uint64_t m = heapbits_object_mask(datasize, t);
	size_t i = w0 / 64, o = w0 % 64;
	uint64_t keep = n == 64 ? 0 : ~((((uint64_t)1 << n) - 1) << o);
	heapbits_store(&bits[i], (heapbits_load(&bits[i]) & keep) | m << o);
	if (o + n > 64) { /* the rest spills into the next word */
		size_t spill = o + n - 64;
		uint64_t keep2 = ~(((uint64_t)1 << spill) - 1);
		heapbits_store(&bits[i + 1], (heapbits_load(&bits[i + 1]) & keep2) |
				m >> (64 - o));
	}
}

uint64_t gmi_heap_bits_read(const gmi_mspan *s, uintptr_t x)
{
	const uint64_t *bits = gmi_span_heap_bits(s);
	size_t w0 = (x - s->startaddr) / 8, n = s->elemsize / 8;
	size_t i = w0 / 64, o = w0 % 64;
	uint64_t m = heapbits_load(&bits[i]) >> o;
	if (o + n > 64)
		m |= heapbits_load(&bits[i + 1]) << (64 - o);
	return n == 64 ? m : m & (((uint64_t)1 << n) - 1);
}
