/*
 * roots.h — registered root ranges (globals), scanned conservatively.
 */
#ifndef GOMEM_GC_ROOTS_H
#define GOMEM_GC_ROOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool gmi_roots_init(void);
void gmi_roots_shutdown(void);
/* While the world is stopped: fn for each registered range [lo, hi). */
void gmi_roots_for_each(void (*fn)(uintptr_t lo, uintptr_t hi, void *ctx), void *ctx);
/* Total bytes registered (the pacer's globals). */
size_t gmi_roots_bytes(void);

#endif
