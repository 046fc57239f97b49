/*
 * os.h — the OS layer: the only code that calls mmap/mprotect/madvise.
 *
 * Go's mem_linux.go states memory moves between four states: None,
 * Reserved, Prepared and Ready.  Here: reserve (None -> Reserved, PROT_NONE),
 * map (Reserved -> Ready, read/write), unused (Ready -> released: madvise
 * DONTNEED, the pages read back as zero), used (released -> Ready; a no-op
 * on Linux), free (-> None).
 *
 * Fault injection (build option GOMEM_FAULT_INJECTION): gmi_os_fail_after(n)
 * makes every map or alloc after the next n fail as if the OS had refused.
 */
#ifndef GOMEM_ALLOC_OS_H
#define GOMEM_ALLOC_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 4 KiB: the physical page on linux/amd64 (Go's physPageSize at runtime). */
#define GMI_PHYS_PAGE_SIZE ((size_t)4096)

/* Reserve n bytes of address space, aligned to `align` (a power of two, or
 * 0 for the physical page), near `hint` when hint is not NULL.  NULL when
 * the OS refuses. */
void *gmi_os_reserve(void *hint, size_t n, size_t align);
/* Make [p, p+n) of a reservation readable and writable.  false on refusal. */
bool gmi_os_map(void *p, size_t n);
/* Fresh zeroed read/write memory for metadata (Go's sysAlloc). */
void *gmi_os_alloc(size_t n);
/* Give [p, p+n) back entirely (Go's sysFree). */
void gmi_os_free(void *p, size_t n);
/* Return the physical pages of [p, p+n) to the OS; the range stays mapped and
 * reads back as zero (Go's sysUnused: madvise MADV_DONTNEED).  p and n must be
 * physical-page aligned. */
void gmi_os_unused(void *p, size_t n);
/* The range is about to be used again (Go's sysUsed; nothing to do here). */
void gmi_os_used(void *p, size_t n);

/* Fault injection: after n more successful maps/allocs, every one fails.
 * n < 0 turns injection off.  Without GOMEM_FAULT_INJECTION this does
 * nothing and gmi_os_fault_injection_enabled() is false. */
void gmi_os_fail_after(long n);
bool gmi_os_fault_injection_enabled(void);

#endif
