/*
 * type.h — the layout of gm_type (Go's _type, the part the collector uses).
 */
#ifndef GOMEM_ALLOC_TYPE_H
#define GOMEM_ALLOC_TYPE_H

#include <stddef.h>
#include <stdint.h>

#include "gomem.h"

/* Immutable once made; never freed (types live as long as the program, as
 * in Go). */
struct gm_type {
	const char *name;
	size_t size;          /* bytes per element */
	size_t ptrdata;       /* bytes of the prefix that holds pointers */
	size_t nptrs;
	const size_t *ptr_offsets; /* ascending byte offsets of pointer slots */
	/* for types of at most 512 bytes: bit i set when word i is a pointer
	 * (Go's gcdata ptrmask, in one word) */
	uint64_t small_mask;
	const struct gm_type *next; /* every type made, newest first */
};

#endif
