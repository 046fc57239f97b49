/*
 * panic.h — the two ways the library stops a program: internal corruption
 * (gmi_throw, Go's throw) and misuse of the API (gmi_misuse).  Both print
 * one line naming what went wrong, then abort.
 */
#ifndef GOMEM_ALLOC_PANIC_H
#define GOMEM_ALLOC_PANIC_H

__attribute__((noreturn, format(printf, 1, 2), cold))
void gmi_throw(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2), cold))
void gmi_misuse(const char *fmt, ...);

#ifdef GOMEM_DEBUG
#define GMI_ASSERT(cond, tag) \
	((cond) ? (void)0 : gmi_throw("%s:%d: invariant %s broken: %s", __FILE__, __LINE__, tag, #cond))
#else
#define GMI_ASSERT(cond, tag) ((void)0)
#endif

#endif
