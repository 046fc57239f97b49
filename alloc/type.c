/*
 * type.c — gm_type_new: a type's size and pointer map (Go's _type with
 * ptrdata and gcdata).  The collector scans heap objects by these maps;
 * a type without pointers is allocated in a noscan span.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/type.h"

/* Every type ever made, so that they stay reachable (types are never
 * freed, and leak checkers should not call them leaks). */
static _Atomic(const gm_type *) type_all;

/* report malformed input on stderr; always returns NULL */
static const gm_type *type_reject(const char *name, const char *why, size_t v)
{
	fprintf(stderr, "gomem: gm_type_new(\"%s\"): %s (%zu)\n",
		name ? name : "(null)", why, v);
	return NULL;
}

static int type_cmp_offsets(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* validate and sort a copy of the offsets; NULL on bad input */
static size_t *type_copy_offsets(const char *name, size_t size,
				 const size_t *offs, size_t n)
{
	size_t *copy = malloc((n ? n : 1) * sizeof *copy);
	if (copy == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		if (offs[i] % sizeof(void *) != 0)
			why = "pointer offset is not a multiple of 8";
		else if (offs[i] + sizeof(void *) > size)
			why = "pointer slot does not fit inside the type's size";
		if (why != NULL) {
			free(copy);
			type_reject(name, why, offs[i]);
			return NULL;
		}
		copy[i] = offs[i];
	}
	qsort(copy, n, sizeof *copy, type_cmp_offsets);
	for (size_t i = 1; i < n; i++) {
		if (copy[i] == copy[i - 1]) {
			size_t dup = copy[i];
			free(copy);
			type_reject(name, "pointer offset given twice", dup);
			return NULL;
		}
	}
	return copy;
}

const gm_type *gm_type_new(const char *name, size_t size,
			   const size_t *ptr_offsets, size_t nptrs)
{
	if (name == NULL)
		return type_reject(name, "name is NULL", 0);
	if (nptrs > 0 && ptr_offsets == NULL)
		return type_reject(name, "ptr_offsets is NULL with nptrs", nptrs);
	if (size > ((size_t)1 << 48))
		return type_reject(name, "size exceeds 2^48 bytes", size);
	if (nptrs > 0 && size % sizeof(void *) != 0)
		return type_reject(name, "a type with pointers must have a size that "
				   "is a multiple of 8 (pointer alignment)", size);
	size_t *offs = type_copy_offsets(name, size, ptr_offsets, nptrs);
	struct gm_type *t = calloc(1, sizeof *t);
	char *nm = strdup(name);
	if (offs == NULL || t == NULL || nm == NULL) {
		free(offs);
		free(t);
		free(nm);
		return NULL;
	}
	t->name = nm;
	t->size = size;
	t->nptrs = nptrs;
	t->ptr_offsets = offs;
	t->ptrdata = nptrs ? offs[nptrs - 1] + sizeof(void *) : 0;
	if (size <= 512)
		for (size_t i = 0; i < nptrs; i++)
			t->small_mask |= (uint64_t)1 << (offs[i] / sizeof(void *));
	t->next = atomic_load_explicit(&type_all, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&type_all, &t->next, t,
						      memory_order_release,
						      memory_order_relaxed))
		;
	return t;
}

const char *gm_type_name(const gm_type *t) { return t->name; }
size_t gm_type_size(const gm_type *t) { return t->size; }
