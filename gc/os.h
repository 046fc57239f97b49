/*
 * os.h — what the collector takes from the operating system beside the
 * scheduler of attached threads (proc.h): the clocks (Go's nanotime,
 * walltime) and the collector's own threads (Go's newosproc for its
 * background workers).
 */
#ifndef GOMEM_GC_OS_H
#define GOMEM_GC_OS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC since gm_init, and CPU time of the calling
 * thread. */
int64_t gmi_nanotime(void);
int64_t gmi_thread_cputime(void);
/* Wall clock, ns since the epoch (for MemStats.LastGC / PauseEnd). */
uint64_t gmi_unixnano(void);
/* gm_init: gmi_nanotime counts from now. */
void gmi_clock_reset(void);

/* Start a collector thread (mark worker, sweeper, scavenger): it calls the
 * configured thread-start hook with role and index first, then fn(arg).
 * role must outlive the thread (a string literal: the hook may keep it).
 * The thread is named "gm-<role><index>" and starts with every signal
 * blocked.  false when the thread could not be created. */
bool gmi_spawn(const char *role, int index, void *(*fn)(void *), void *arg,
	       pthread_t *out);

#endif
