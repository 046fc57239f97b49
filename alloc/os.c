/*
 * os.c — the OS layer (see os.h for the state model).
 *
 * Owns: every mmap, mprotect, madvise and munmap of the library, and the
 * fault-injection counter.  Go counterpart: mem_linux.go.
 *
 * Reservations are aligned by over-reserving and trimming, since mmap gives
 * only page alignment (Go's sysReserveAligned does the same).
 */
#include "os.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>

#ifdef GOMEM_FAULT_INJECTION
/* maps/allocs left before injected failures start; < 0 means never */
static _Atomic long os_fail_countdown = -1;

/* true when this map/alloc must fail as if the OS refused it */
static bool os_inject_failure(void)
{
	long n = atomic_load_explicit(&os_fail_countdown, memory_order_relaxed);
	while (n > 0) {
		if (atomic_compare_exchange_weak_explicit(&os_fail_countdown, &n, n - 1,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return false;
	}
	return n == 0;
}

void gmi_os_fail_after(long n)
{
	atomic_store_explicit(&os_fail_countdown, n, memory_order_relaxed);
}

bool gmi_os_fault_injection_enabled(void) { return true; }
#else
static bool os_inject_failure(void) { return false; }
void gmi_os_fail_after(long n) { (void)n; }
bool gmi_os_fault_injection_enabled(void) { return false; }
#endif

void *gmi_os_reserve(void *hint, size_t n, size_t align)
{
	if (align <= GMI_PHYS_PAGE_SIZE) {
		void *p = mmap(hint, n, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	/* Try the hint first: when it is aligned and honoured, no trimming. */
	if (hint != NULL && ((uintptr_t)hint & (align - 1)) == 0) {
		void *p = mmap(hint, n, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == hint)
			return p;
		if (p != MAP_FAILED)
			munmap(p, n);
	}
	size_t over = n + align;
	void *p = mmap(NULL, over, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t base = (uintptr_t)p;
	uintptr_t aligned = (base + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned > base)
		munmap(p, aligned - base);
	uintptr_t end = aligned + n;
	if (base + over > end)
		munmap((void *)end, base + over - end);
	return (void *)aligned;
}

bool gmi_os_map(void *p, size_t n)
{
	if (os_inject_failure())
		return false;
	return mprotect(p, n, PROT_READ | PROT_WRITE) == 0;
}

void *gmi_os_alloc(size_t n)
{
	if (os_inject_failure())
		return NULL;
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void gmi_os_free(void *p, size_t n)
{
	if (p != NULL && n != 0)
		munmap(p, n);
}

void gmi_os_unused(void *p, size_t n)
{
	/* The pages read back as zero afterwards; an error here (EINVAL on a
	 * misaligned range) is a bug of the caller, not a state to recover. */
	int saved = errno;
	madvise(p, n, MADV_DONTNEED);
	errno = saved;
}

void gmi_os_used(void *p, size_t n)
{
	(void)p;
	(void)n;
}
