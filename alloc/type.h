/*
 * type.h — the layout of gm_type (Go's _type, the part the collector uses).
 */
#ifndef GOMEM_ALLOC_TYPE_H
#define GOMEM_ALLOC_TYPE_H

#include <stddef.h>

#include "gomem.h"

/* Immutable once made; never freed (types live as long as the program, as
 * in Go). */
struct gm_type {
	const char *name;
	size_t size;          /* bytes per element */
	size_t ptrdata;       /* bytes of the prefix that holds pointers */
	size_t nptrs;
	const size_t *ptr_offsets; /* ascending byte offsets of pointer slots */
	const struct gm_type *next; /* every type made, newest first */
};

#endif
