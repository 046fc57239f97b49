/*
 * gomem.h — the public contract of libgomem: Go's memory manager in C.
 *
 * Names and meanings here are stable: they are added to, never renamed.
 * See the README for a tour, and DESIGN.md for the architecture.
 *
 * What exists today: the allocator (size classes, spans, per-thread caches,
 * central lists, the page heap, arenas, the scavenger mechanism), the
 * configuration read from the environment, and Go's concurrent collector
 * (hybrid write barrier, background workers, assists, Go 1.21's pacer) with
 * the older designs selectable (gm_collector), and lazy, proportional and
 * background sweeping, and the soft memory limit with the GC CPU limiter
 * and the background scavenger.
 */
#ifndef GOMEM_H
#define GOMEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; what this header declares
 * is its exported interface. */
#pragma GCC visibility push(default)

#define GM_VERSION_MAJOR 0
#define GM_VERSION_MINOR 1
#define GM_VERSION_PATCH 0

/* Go's 68 size classes, class 0 standing for "large" (sizeclasses.go). */
#define GM_NUM_SIZE_CLASSES 68

/* ---- errors ------------------------------------------------------------ */

enum {
	GM_OK = 0,
	GM_EINVAL = 1,       /* a gm_config field is out of range */
	GM_EGOGC = 2,        /* GOGC in the environment is malformed */
	GM_EGOMEMLIMIT = 3,  /* GOMEMLIMIT in the environment is malformed */
	GM_EGODEBUG = 4,     /* GODEBUG gctrace value is malformed */
	GM_EALREADY = 5,     /* gm_init called while already initialised */
	GM_ENOTINIT = 6,     /* a call that needs gm_init came before it */
	GM_ENOMEM = 7,       /* the OS refused memory */
	GM_EATTACHED = 8,    /* gm_thread_attach on an attached thread */
	GM_ECOLLECTOR = 9,   /* GOMEM_COLLECTOR in the environment is malformed */
	GM_EIDLEMARK = 10,   /* GOMEM_IDLE_MARK in the environment is malformed */
};

/* What an error code means, in words.  For the error gm_init returned last,
 * the text names the offending value and the accepted forms. */
const char *gm_strerror(int err);

/* ---- configuration ----------------------------------------------------- */

typedef enum gm_collector {
	GM_HYBRID = 0,   /* Go 1.8+: hybrid barrier (default) */
	GM_STW = 1,      /* Go 1.3-1.4: the whole cycle stops the world */
	GM_DIJKSTRA = 2, /* Go 1.5-1.7: insertion barrier, stacks re-scanned */
	GM_YUASA = 3,    /* snapshot at the beginning: deletion barrier */
} gm_collector;

typedef enum gm_oom_policy {
	GM_OOM_ABORT = 0,       /* print "gomem: out of memory ..." and abort, as Go */
	GM_OOM_RETURN_NULL = 1, /* allocation returns NULL instead */
} gm_oom_policy;

/* Called at the start of each thread the collector creates (mark workers,
 * sweeper, scavenger), in that thread, so that the harness can place it. */
typedef void (*gm_thread_start_fn)(const char *role, int index, void *ctx);

#define GM_MEMLIMIT_OFF INT64_MAX /* Go's math.MaxInt64: no limit */
#define GM_GOGC_OFF (-1)

typedef struct gm_config {
	int gc_percent;        /* GOGC: percent, or GM_GOGC_OFF; default 100 */
	int64_t memory_limit;  /* GOMEMLIMIT in bytes; GM_MEMLIMIT_OFF = none */
	int procs;             /* GOMAXPROCS analogue; 0 = online CPUs */
	gm_collector collector;
	int gctrace;           /* GODEBUG=gctrace=N */
	/* GODEBUG=gccheckmark=1: at every mark termination a full re-mark
	 * from the roots, with the world stopped, must find every reachable
	 * object already marked (Go's checkmark mode); a miss aborts naming
	 * the object.  Slow: for tests and debugging. */
	int gccheckmark;
	/* Mark on otherwise idle CPUs too (Go's idle mark workers): extra
	 * workers that drain only while fewer than procs threads want a CPU,
	 * as Go's run only on an idle P.  Off by default, so that the 25%
	 * utilisation goal is what is measured; Go always runs them.
	 * GOMEM_IDLE_MARK=1|on or 0|off in the environment sets it
	 * (anything else: GM_EIDLEMARK). */
	int idle_mark;
	gm_oom_policy on_oom;
	gm_thread_start_fn thread_start;
	void *thread_start_ctx;
	/* Set by gm_config_default when the environment held a malformed
	 * value; gm_init then refuses with this code.  env_detail holds the
	 * offending text. */
	int env_error;
	char env_detail[128];
} gm_config;

/* Defaults, read from the environment as Go reads it: GOGC (a percentage
 * or "off"), GOMEMLIMIT (bytes with an optional B, KiB, MiB, GiB or TiB
 * suffix, or "off"), GODEBUG=gctrace=N,gccheckmark=0|1; and gomem's own
 * GOMEM_COLLECTOR=hybrid|stw|dijkstra|yuasa and GOMEM_IDLE_MARK=0|1|off|on
 * (idle_mark). */
void gm_config_default(gm_config *cfg);

/* Parsers behind gm_config_default, for tools that take the same syntax
 * (they return GM_OK or GM_EGOGC / GM_EGOMEMLIMIT). */
int gm_parse_gogc(const char *s, int *pct);
int gm_parse_memlimit(const char *s, int64_t *bytes);
/* "hybrid", "stw", "dijkstra" or "yuasa" (GM_OK), else GM_ECOLLECTOR */
int gm_parse_collector(const char *s, gm_collector *c);
/* "0" or "off" (*on = 0), "1" or "on" (*on = 1): GM_OK; else GM_EIDLEMARK */
int gm_parse_idle_mark(const char *s, int *on);

/* Initialise the library (once).  cfg may be NULL for the defaults. */
int gm_init(const gm_config *cfg);
/* Tear the heap down: every object becomes invalid, all memory is unmapped. */
void gm_shutdown(void);

/* ---- threads ----------------------------------------------------------- */

/* The calling thread becomes a mutator (Go's M holding a P): it gets its own
 * allocation cache.  A thread must be attached before it allocates; an
 * unattached thread that allocates is stopped with a message saying so. */
int gm_thread_attach(void);
/* Hand the thread's caches back to the heap. */
void gm_thread_detach(void);

/* ---- types and allocation --------------------------------------------- */

typedef struct gm_type gm_type;

/* A type of `size` bytes whose pointer slots sit at the given byte offsets
 * (each a multiple of 8 and below size; with pointers, size is a multiple
 * of 8 too), as Go's _type.ptrdata/gcdata.
 * Returns NULL, with a message on stderr, for malformed input. */
const gm_type *gm_type_new(const char *name, size_t size,
			   const size_t *ptr_offsets, size_t nptrs);
const char *gm_type_name(const gm_type *t);
size_t gm_type_size(const gm_type *t);

/* Zeroed memory for one object of type t, or n of them in a row.  An
 * allocation that cannot be satisfied (the OS refuses, or n * size
 * overflows) follows cfg.on_oom. Zero-size requests return a valid pointer
 * to a shared zero-length object (Go's zerobase).  Every allocation (these
 * and gm_alloc_noscan) is a safepoint: a thread may park there for a stop
 * of the world. */
void *gm_new(const gm_type *t);
void *gm_new_array(const gm_type *t, size_t n);
/* Zeroed, pointer-free memory: under 16 bytes it takes the tiny path, over
 * 32 KiB it comes straight from the page heap. */
void *gm_alloc_noscan(size_t size);

/* The size of the slot holding p: its size class's size, or the page-rounded
 * size of a large object; 0 when p is not inside a live gomem object. */
size_t gm_object_size(const void *p);

/* As debug.FreeOSMemory: a full collection (gm_gc), then every free page
 * back to the OS. */
void gm_free_os_memory(void);

/* ---- statistics -------------------------------------------------------- */

typedef struct gm_size_stats {
	uint32_t size;    /* bytes per object in this class */
	uint64_t mallocs; /* objects allocated in this class */
	uint64_t frees;   /* objects freed in this class */
} gm_size_stats;

/* runtime.MemStats, with Go's meanings, for the fields that have meaning
 * here.  Counters of other threads are included up to their last cache
 * refill (the calling thread's are flushed first). */
typedef struct gm_memstats {
	uint64_t alloc;          /* = heap_alloc */
	uint64_t total_alloc;    /* cumulative bytes allocated for heap objects */
	uint64_t sys;            /* all bytes obtained from the OS */
	uint64_t mallocs;        /* cumulative heap objects allocated */
	uint64_t frees;          /* cumulative heap objects freed */
	uint64_t heap_alloc;     /* bytes of allocated heap objects */
	uint64_t heap_sys;       /* heap bytes obtained from the OS */
	uint64_t heap_idle;      /* bytes in idle (unused) spans */
	uint64_t heap_inuse;     /* bytes in in-use spans */
	uint64_t heap_released;  /* physical bytes returned to the OS */
	uint64_t heap_objects;   /* allocated heap objects */
	uint64_t mspan_inuse;    /* bytes of span structures in use */
	uint64_t mspan_sys;      /* bytes obtained from the OS for spans */
	uint64_t mcache_inuse;   /* bytes of mcache structures in use */
	uint64_t mcache_sys;     /* bytes obtained from the OS for mcaches */
	uint64_t gc_sys;         /* heap metadata (arena maps, bitmaps) */
	uint64_t other_sys;      /* page allocator summaries and the rest */
	uint64_t next_gc;        /* heap goal of the next cycle */
	uint64_t last_gc;        /* end of the last cycle, ns since the epoch */
	uint64_t pause_total_ns; /* all stop-the-world pauses so far */
	uint64_t pause_ns[256];  /* recent pauses, circular: the newest at
				  * pause_ns[(num_gc + 255) % 256] */
	uint64_t pause_end[256]; /* when each ended, ns since the epoch */
	uint32_t num_gc;         /* completed cycles */
	uint32_t num_forced_gc;  /* of which forced by gm_gc */
	double gc_cpu_fraction;  /* share of available CPU used by the GC
				  * since gm_init */
	/* All 68 classes (Go's MemStats.BySize stops at 61 for
	 * compatibility; runtime/metrics reports all of them). */
	gm_size_stats by_size[GM_NUM_SIZE_CLASSES];
	/* ---- the memory limit (Go's runtime/metrics names in brackets) ---- */
	int64_t memory_limit;    /* in force [/gc/gomemlimit:bytes];
				  * GM_MEMLIMIT_OFF = none */
	uint64_t mapped_ready;   /* what the limit counts: heap and metadata
				  * mapped and not released (Go's mappedReady:
				  * sys - heap_released) */
	int gc_cpu_limited;      /* the GC CPU limiter is on now: assists are
				  * skipped */
	uint32_t last_cpu_limited_gc; /* the last cycle during which the
				  * limiter was on, 0 = never
				  * [/gc/limiter/last-enabled:gc-cycle] */
	uint32_t num_cpu_limited_gc;  /* cycles during which it was on */
	uint64_t gc_cpu_limiter_overflow_ns; /* GC CPU time that found the
				  * limiter's bucket full */
	uint64_t scavenged_bg;   /* bytes the background scavenger released
				  * since gm_init */
	uint64_t scavenged_alloc;/* bytes allocating threads released to stay
				  * under the limit or the retained goal */
	/* GC CPU time since gm_init as the CPU limiter counts it
	 * [/cpu/classes/gc/total:cpu-seconds, in ns]: mark assists (and
	 * scavenging by allocating threads) as measured, 25% of procs x the
	 * wall time while marking (the background workers' share, as Go's
	 * limiter counts them), procs x the length of every stop of the
	 * world.  Unlike Go's metric it leaves out idle marking, and it moves
	 * during a cycle, not only at its end: while the collector marks it
	 * is counted up to the time of reading, otherwise up to the
	 * limiter's last update (an allocation's slow path at most every
	 * 10 ms, and every stop), so that two reads with nothing in between
	 * agree.  An assist counts once it has ended.  Never decreases. */
	uint64_t gc_cpu_total_ns;
	/* procs x wall time since gm_init, counted up to the same time as
	 * gc_cpu_total_ns [/cpu/classes/total:cpu-seconds, in ns].  The GC
	 * CPU fraction over an interval is the difference of gc_cpu_total_ns
	 * over the difference of this; over 50% for long enough (1 s of CPU
	 * per proc) turns the limiter on (gc_cpu_limited). */
	uint64_t cpu_total_ns;
} gm_memstats;

void gm_read_memstats(gm_memstats *ms);

/* debug.GCStats: pauses newest first, with quantiles. */
typedef struct gm_gcstats {
	uint64_t last_gc;          /* ns since the epoch; 0 before any cycle */
	uint64_t num_gc;
	uint64_t pause_total_ns;
	uint32_t npause;           /* entries used in pause_ns / pause_end */
	uint64_t pause_ns[256];    /* newest first */
	uint64_t pause_end[256];   /* newest first, ns since the epoch */
	/* min, 25%, 50%, 75%, max of the recorded pauses (as ReadGCStats with
	 * a PauseQuantiles slice of 5) */
	uint64_t pause_quantiles[5];
} gm_gcstats;

void gm_read_gcstats(gm_gcstats *st);

/* ---- the collector ----------------------------------------------------- */

/* As runtime.GC(): a full cycle; returns when sweeping is done. */
void gm_gc(void);

/* As debug.SetGCPercent: returns the old value; GM_GOGC_OFF (or any
 * negative value) turns the proportional collector off.  Takes effect at
 * once. */
int gm_set_gc_percent(int pct);

/* As debug.SetMemoryLimit: returns the old limit; a negative argument only
 * reads it.  Takes effect at once: the heap goal is bounded by the limit
 * less non-heap memory less 3% headroom, the scavenger returns memory
 * toward 95% of it, and allocation scavenges past it.  The limit is soft:
 * the GC CPU limiter (50% of the CPU over time) lets the heap pass a limit
 * the live heap alone exceeds rather than collect without end. */
int64_t gm_set_memory_limit(int64_t bytes);

/* Extra root ranges (globals), scanned conservatively once per cycle (by a
 * mark worker, or with the world stopped under GM_STW); registered while a
 * cycle marks, a range is scanned at once.  Every 8-byte aligned word inside [addr, addr + size) that points
 * into an object keeps it.  Pointer stores into a range go through
 * gm_write.  Ranges may be added before gm_init; gm_shutdown forgets them
 * all.  Misuse stops the program with a message naming the addresses (as
 * any misuse does: one line on stderr, then abort): adding a range that
 * overlaps one already registered or starts where one starts, a NULL addr
 * with a nonzero size, or removing an address at which no range starts. */
void gm_root_add(void *addr, size_t size);
void gm_root_remove(void *addr);

/* ---- safepoints and blocking ------------------------------------------ */

/* Nonzero while the collector asks threads to stop; read with
 * __atomic_load_n by the inline check below.  Not for direct use. */
extern int gm_safepoint_pending_;
void gm_safepoint_slow_(void);

/* A cooperative safepoint: a loop that neither allocates nor polls here
 * delays a stop of the world (as Go before 1.14). */
static inline void gm_safepoint(void)
{
	if (__builtin_expect(__atomic_load_n(&gm_safepoint_pending_, __ATOMIC_RELAXED), 0))
		gm_safepoint_slow_();
}

/* Go's entersyscall/exitsyscall: between the two, the thread may block
 * (I/O, locks, sleeping) without holding up a stop of the world; it must
 * not touch gomem objects there.  Leaving waits while the world is stopped. */
void gm_blocking_enter(void);
void gm_blocking_leave(void);

/* ---- pointer stores ---------------------------------------------------- */

/* Nonzero while a write barrier is needed; read by gm_write.  Not for direct
 * use. */
extern int gm_barrier_enabled_;
void gm_write_slow_(void **slot, void *ptr);

/* Every store of a pointer into a heap object or a registered root range
 * goes through gm_write (stack slots need not), also into an object just
 * allocated.  With no cycle marking it is one predictable branch and the
 * store; while marking, the write barrier of gm_config.collector
 * (gc/barrier.c). */
static inline void gm_write(void **slot, void *ptr)
{
	if (__builtin_expect(__atomic_load_n(&gm_barrier_enabled_, __ATOMIC_RELAXED), 0))
		gm_write_slow_(slot, ptr);
	else
		__atomic_store_n(slot, ptr, __ATOMIC_RELAXED);
}
#define GM_WRITE(lvalue, ptr) gm_write((void **)&(lvalue), (void *)(ptr))

/* Go's typedmemmove / typedslicecopy: copy n values of type t from src to
 * dst (the ranges may overlap, as memmove), with the write barrier applied
 * to every pointer slot of dst that is overwritten (Go's
 * bulkBarrierPreWrite).  Use it instead of memcpy/memmove for anything
 * that holds gomem pointers and lives in the heap or a root range. */
void gm_memmove(const gm_type *t, void *dst, const void *src, size_t n);

/* ---- cycle records ----------------------------------------------------- */

#define GM_MAX_STOPS 4

/* One record per finished cycle.  Times are ns on CLOCK_MONOTONIC since
 * gm_init. */
typedef struct gm_cycle {
	uint32_t num;              /* 1, 2, ... */
	int forced;                /* started by gm_gc */
	gm_collector collector;
	int procs;                 /* GOMAXPROCS analogue in force */
	int64_t t_sweep_term;      /* start: sweep termination (a stop) */
	int64_t t_mark;            /* marking began */
	int64_t t_mark_term;       /* mark termination began (a stop) */
	int64_t t_end;             /* the world restarted after mark termination */
	uint32_t nstops;           /* stops of the world in this cycle */
	int64_t stop_ns[GM_MAX_STOPS];     /* each pause, request to restart */
	int64_t stop_end[GM_MAX_STOPS];    /* when each ended */
	uint64_t heap_trigger;     /* live heap when the cycle started (Go's heap0) */
	uint64_t heap_mark_end;    /* live heap when marking ended (heap1) */
	uint64_t heap_marked;      /* bytes marked (heap2) */
	uint64_t heap_goal;        /* the goal this cycle aimed at */
	uint64_t next_goal;        /* the goal computed for the next cycle */
	uint64_t trigger;          /* the trigger this cycle started at */
	uint64_t stack_scan;       /* stack bytes scanned */
	uint64_t globals_scan;     /* root range bytes scanned */
	int64_t sweep_term_cpu_ns; /* CPU time of sweep termination */
	int64_t mark_cpu_ns;       /* CPU time of marking by workers */
	int64_t assist_cpu_ns;     /* CPU time of mark assists */
	int64_t idle_cpu_ns;       /* CPU time of idle marking */
	int64_t mark_term_cpu_ns;  /* CPU time of mark termination */
	int memory_limited;        /* the goal was lowered by the memory limit */
	int cpu_limited;           /* the GC CPU limiter was on */
	double gc_cpu_fraction;    /* cumulative, as MemStats.GCCPUFraction */
} gm_cycle;

typedef void (*gm_cycle_hook)(const gm_cycle *c, void *ctx);

/* Called once per finished cycle, on the thread that finished it, with the
 * world running.  NULL removes the hook. */
void gm_set_cycle_hook(gm_cycle_hook fn, void *ctx);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif /* GOMEM_H */
