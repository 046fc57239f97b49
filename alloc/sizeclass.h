/*
 * sizeclass.h — Go's small-object size classes: the tables (defined in
 * sizeclass.c, which names the Go source they come from) and the inline
 * lookups that the allocation fast path and the span code use.
 *
 * A small object (1..GMI_MAX_SMALL_SIZE bytes) is rounded up to one of 67
 * sizes; class 0 means "not small" (a large object with a span of its own).
 * A span of class c is gmi_class_to_npages[c] pages cut into
 * gmi_class_nelems(c) objects of gmi_class_to_size[c] bytes.
 */
#ifndef GOMEM_ALLOC_SIZECLASS_H
#define GOMEM_ALLOC_SIZECLASS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 68 classes: 1..67 plus class 0, "not small" (_NumSizeClasses,
 * sizeclasses.go). */
#define GMI_NUM_SIZE_CLASSES 68
/* log2 of the runtime page in bytes; spans are whole pages (_PageShift). */
#define GMI_PAGE_SHIFT 13
/* 8 KiB: the runtime page, not the OS page (_PageSize, malloc.go). */
#define GMI_PAGE_SIZE ((size_t)1 << GMI_PAGE_SHIFT)
/* 32 KiB: the largest small object; bigger ones are large (_MaxSmallSize). */
#define GMI_MAX_SMALL_SIZE 32768
/* 8 bytes: the step of gmi_size_to_class8 (smallSizeDiv). */
#define GMI_SMALL_SIZE_DIV 8
/* 1 KiB: sizes up to about here go through gmi_size_to_class8
 * (smallSizeMax). */
#define GMI_SMALL_SIZE_MAX 1024
/* 128 bytes: the step of gmi_size_to_class128; every class above 1 KiB is
 * a multiple of it (largeSizeDiv). */
#define GMI_LARGE_SIZE_DIV 128
/* 16 bytes: pointer-free objects smaller than this share one 16-byte
 * block in the tiny allocator (_TinySize, malloc.go). */
#define GMI_TINY_SIZE 16
/* 136: every size class twice, with and without pointers (numSpanClasses,
 * mheap.go). */
#define GMI_NUM_SPAN_CLASSES (GMI_NUM_SIZE_CLASSES << 1)

/* Bytes per object of each class; class 0 is 0.
 * inv:class-size gmi_class_to_size[0] == 0, and the sizes strictly increase
 * up to gmi_class_to_size[GMI_NUM_SIZE_CLASSES-1] == GMI_MAX_SMALL_SIZE. */
extern const uint16_t gmi_class_to_size[GMI_NUM_SIZE_CLASSES];
/* Pages per span of each class (class_to_allocnpages); class 0 is 0. */
extern const uint8_t gmi_class_to_npages[GMI_NUM_SIZE_CLASSES];
/* Reciprocal of each class's size in 32.32 fixed point: UINT32_MAX/size + 1;
 * class 0 is 0.
 * inv:divmagic for every class c and every 0 <= n <= npages*GMI_PAGE_SIZE,
 * (n * gmi_class_to_divmagic[c]) >> 32 == n / gmi_class_to_size[c]. */
extern const uint32_t gmi_class_to_divmagic[GMI_NUM_SIZE_CLASSES];
/* inv:size-to-class entry i is the smallest class c with
 * gmi_class_to_size[c] >= i * GMI_SMALL_SIZE_DIV (class8), or
 * >= GMI_SMALL_SIZE_MAX + i * GMI_LARGE_SIZE_DIV (class128). */
extern const uint8_t gmi_size_to_class8[GMI_SMALL_SIZE_MAX / GMI_SMALL_SIZE_DIV + 1];
extern const uint8_t gmi_size_to_class128[(GMI_MAX_SMALL_SIZE - GMI_SMALL_SIZE_MAX) /
                                          GMI_LARGE_SIZE_DIV + 1];

/* Objects in one span of class c: (npages * GMI_PAGE_SIZE) / size; 0 for
 * class 0.  At most 1024 (Go's maxObjsPerSpan, class 1). */
static inline uint16_t gmi_class_nelems(unsigned c)
{
    uint32_t size = gmi_class_to_size[c];
    uint32_t span_bytes = (uint32_t)gmi_class_to_npages[c] << GMI_PAGE_SHIFT;

    return size == 0 ? 0 : (uint16_t)(span_bytes / size);
}

/* The size class of a small object of `size` bytes, 1 <= size <=
 * GMI_MAX_SMALL_SIZE (size 0 gives class 0; larger sizes read past the
 * table).  Exactly mallocgc's lookup (malloc.go): sizes 1017..1024 take
 * slot 0 of the 128-byte table, which is the 1024-byte class either way. */
static inline uint8_t gmi_size_to_class(size_t size)
{
    if (size <= GMI_SMALL_SIZE_MAX - 8)
        return gmi_size_to_class8[(size + GMI_SMALL_SIZE_DIV - 1) / GMI_SMALL_SIZE_DIV];
    return gmi_size_to_class128[(size - GMI_SMALL_SIZE_MAX + GMI_LARGE_SIZE_DIV - 1) /
                                GMI_LARGE_SIZE_DIV];
}

/* A span class is a size class and whether its objects hold no pointers
 * (noscan spans are never scanned by the collector); span classes 0 and 1
 * are large objects.  Go's spanClass and makeSpanClass, mheap.go.
 * inv:spanclass sc == sizeclass << 1 | noscan, so sc < GMI_NUM_SPAN_CLASSES. */
typedef uint8_t gmi_spanclass;

/* noscan is a boolean: any nonzero value means "no pointers". */
static inline gmi_spanclass gmi_make_spanclass(unsigned sizeclass, int noscan)
{
    return (gmi_spanclass)((sizeclass << 1) | (noscan != 0 ? 1u : 0u));
}

static inline unsigned gmi_spanclass_sizeclass(gmi_spanclass sc)
{
    return (unsigned)sc >> 1;
}

/* 1 when the span's objects hold no pointers, else 0. */
static inline int gmi_spanclass_noscan(gmi_spanclass sc)
{
    return sc & 1;
}

/* off / gmi_class_to_size[c] without a divide: the index of the object
 * holding byte `off` of a span of class c, for 0 <= off <= npages *
 * GMI_PAGE_SIZE (inv:divmagic).  Go's mspan.divideByElemSize, mbitmap.go. */
static inline uint32_t gmi_class_divide(unsigned c, uint32_t off)
{
    return (uint32_t)(((uint64_t)off * gmi_class_to_divmagic[c]) >> 32);
}

#ifdef __cplusplus
}
#endif

#endif
