/*
 * init.c — gm_init, gm_shutdown and gm_strerror: bringing the library up
 * and down (Go's mallocinit and gcinit, run once from schedinit).
 *
 * 1. Check the configuration: a malformed environment variable noted by
 *    gm_config_default, or a field out of range, refuses the init with an
 *    error code whose gm_strerror text names the value.
 * 2. Initialise the heap (arena index, page allocator, central lists).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "alloc/malloc.h"
#include "gc/gc.h"
#include "gc/mstats.h"
#include "gc/pacer.h"
#include "gc/proc.h"
#include "gc/roots.h"
#include "gc/trace.h"
#include "gc/workbuf.h"

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static bool init_done;
gm_config gmi_config; /* written by gm_init only */

/* the detailed text of the last error gm_init returned */
static int init_last_err;
static char init_last_msg[320];

static const char *init_generic_message(int err)
{
	switch (err) {
	case GM_OK: return "no error";
	case GM_EINVAL: return "a gm_config field is out of range";
	case GM_EGOGC: return "GOGC is malformed: expected a percentage (an integer such as 100) or \"off\"";
	case GM_EGOMEMLIMIT: return "GOMEMLIMIT is malformed: expected a byte count with an optional B, KiB, MiB, GiB or TiB suffix (e.g. 512MiB), or \"off\"";
	case GM_EGODEBUG: return "GODEBUG is malformed: expected gctrace=N and gccheckmark=N with N a non-negative integer";
	case GM_ECOLLECTOR: return "GOMEM_COLLECTOR is malformed: expected hybrid, stw, dijkstra or yuasa";
	case GM_EIDLEMARK: return "GOMEM_IDLE_MARK is malformed: expected 0 or off (no idle mark workers), 1 or on";
	case GM_EALREADY: return "gm_init was already called (call gm_shutdown first)";
	case GM_ENOTINIT: return "gomem is not initialised: call gm_init first";
	case GM_ENOMEM: return "out of memory: the OS refused to map memory";
	case GM_EATTACHED: return "this thread is already attached";
	default: return "unknown gomem error code";
	}
}

const char *gm_strerror(int err)
{
	/* a copy per thread, so that a concurrent gm_init cannot change it */
	static _Thread_local char copy[sizeof init_last_msg];
	pthread_mutex_lock(&init_lock);
	bool detailed = err != GM_OK && err == init_last_err && init_last_msg[0] != '\0';
	if (detailed)
		memcpy(copy, init_last_msg, sizeof copy);
	pthread_mutex_unlock(&init_lock);
	return detailed ? copy : init_generic_message(err);
}

/* remember err with the text that names the offending value */
static int init_fail(int err, const char *what)
{
	init_last_err = err;
	snprintf(init_last_msg, sizeof init_last_msg, "%s: %s", what,
		 init_generic_message(err));
	return err;
}

/* step 1: a field out of range names itself; GM_OK otherwise */
static int init_check_config(const gm_config *cfg)
{
	char what[96];
	if (cfg->env_error != GM_OK)
		return init_fail(cfg->env_error, cfg->env_detail);
	if (cfg->gc_percent < GM_GOGC_OFF)
		snprintf(what, sizeof what, "gc_percent=%d (accepted: >= 0, or GM_GOGC_OFF)", cfg->gc_percent);
	else if (cfg->memory_limit < 0)
		snprintf(what, sizeof what, "memory_limit=%lld (accepted: >= 0)", (long long)cfg->memory_limit);
	else if (cfg->procs < 0)
		snprintf(what, sizeof what, "procs=%d (accepted: 0 for online CPUs, or > 0)", cfg->procs);
	else if ((unsigned)cfg->collector > GM_YUASA)
		snprintf(what, sizeof what, "collector=%d (accepted: GM_HYBRID, GM_STW, GM_DIJKSTRA, GM_YUASA)", (int)cfg->collector);
	else if ((unsigned)cfg->on_oom > GM_OOM_RETURN_NULL)
		snprintf(what, sizeof what, "on_oom=%d (accepted: GM_OOM_ABORT, GM_OOM_RETURN_NULL)", (int)cfg->on_oom);
	else
		return GM_OK;
	return init_fail(GM_EINVAL, what);
}

/* step 2: every module, in dependency order; false if the OS refused */
static bool init_modules(const gm_config *cfg)
{
	if (!gmi_malloc_init(cfg->on_oom))
		return false;
	gmi_config = *cfg; /* the collector's threads read procs and the hook */
	if (!gmi_proc_init() || !gmi_roots_init() || !gmi_workbuf_init())
		return false;
	gmi_pacer_init(cfg->gc_percent, cfg->memory_limit);
	gmi_mstats_init();
	gmi_trace_init(cfg->gctrace);
	return gmi_gc_init();
}

int gm_init(const gm_config *cfg)
{
	gm_config def;
	if (cfg == NULL) {
		gm_config_default(&def);
		cfg = &def;
	}
	pthread_mutex_lock(&init_lock);
	int err = init_done ? init_fail(GM_EALREADY, "gm_init") : init_check_config(cfg);
	if (err == GM_OK) {
		if (init_modules(cfg)) {
			init_done = true;
			init_last_err = GM_OK;
		} else {
			gmi_malloc_shutdown();
			err = init_fail(GM_ENOMEM, "gm_init");
		}
	}
	pthread_mutex_unlock(&init_lock);
	return err;
}

bool gmi_is_inited(void)
{
	return init_done;
}

void gm_shutdown(void)
{
	pthread_mutex_lock(&init_lock);
	if (init_done) {
		gmi_gc_shutdown();
		gmi_proc_shutdown();
		gmi_roots_shutdown();
		gmi_workbuf_shutdown();
		gmi_malloc_shutdown();
		init_done = false;
	}
	pthread_mutex_unlock(&init_lock);
}
