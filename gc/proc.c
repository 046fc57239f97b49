/*
 * proc.c — mutator threads (the part of Go's proc.go that matters here).
 *
 * Owns: the count of attached threads.  An attached thread is Go's M with
 * a P: it owns an mcache (alloc/mcache.c) reached through thread-local
 * storage.  Safepoints and stopping the world come with the collector.
 */
#include <stdatomic.h>

#include "alloc/mcache.h"
#include "alloc/panic.h"
#include "gc/proc.h"

static _Atomic long proc_attached; /* threads attached now */

int gm_thread_attach(void)
{
	if (!gmi_is_inited())
		return GM_ENOTINIT;
	if (gmi_tls_mcache != &gmi_mcache_none)
		return GM_EATTACHED;
	gmi_mcache *c = gmi_mcache_attach();
	if (c == NULL)
		return GM_ENOMEM;
	gmi_tls_mcache = c;
	atomic_fetch_add_explicit(&proc_attached, 1, memory_order_relaxed);
	return GM_OK;
}

/* Detaching a thread that is not attached does nothing. */
void gm_thread_detach(void)
{
	gmi_mcache *c = gmi_tls_mcache;
	if (c == &gmi_mcache_none)
		return;
	gmi_tls_mcache = &gmi_mcache_none;
	gmi_mcache_detach(c);
	atomic_fetch_sub_explicit(&proc_attached, 1, memory_order_relaxed);
}

void gmi_proc_shutdown(void)
{
	gm_thread_detach();
	long n = atomic_load_explicit(&proc_attached, memory_order_relaxed);
	if (n != 0)
		gmi_misuse("gm_shutdown while %ld other thread(s) are still attached "
			   "(each must call gm_thread_detach first)", n);
}
