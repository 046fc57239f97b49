/*
 * cycles.c — the per-cycle log and the stop log (cycles.h).
 *
 * 1. One hook, cycles_hook, serves both: gmb_cycles_start and
 *    gmb_stoplog_start install it (whichever comes first; installing it
 *    again changes nothing), gmb_cycles_stop removes it.  It runs on
 *    whichever thread finished a cycle; cycles_lock keeps lines whole and
 *    the ring consistent should two cycles ever finish at once.
 * 2. CSV: the columns are declared once, in CYCLES_COLUMNS, and both the
 *    header and each line are printed from it.  Lines are flushed at each
 *    cycle, so a configuration that dies still leaves what it logged.
 * 3. Stop log: a ring of GMB_STOPLOG_CYCLES records; cycle k (counting
 *    from 0 since the process started) sits at k % GMB_STOPLOG_CYCLES.  A
 *    reader remembers a position and later copies what came after it.
 */
#include "harness/cycles.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* X(name, printf format, expression over `c`) */
#define CYCLES_COLUMNS(X)                                                   \
	X(num, PRIu32, c->num)                                               \
	X(forced, "d", c->forced)                                            \
	X(collector, "d", (int)c->collector)                                 \
	X(procs, "d", c->procs)                                              \
	X(t_sweep_term, PRId64, c->t_sweep_term)                             \
	X(t_mark, PRId64, c->t_mark)                                         \
	X(t_mark_term, PRId64, c->t_mark_term)                               \
	X(t_end, PRId64, c->t_end)                                           \
	X(nstops, PRIu32, c->nstops)                                         \
	X(stop_ns_0, PRId64, cycles_stop(c->stop_ns, c, 0))                  \
	X(stop_ns_1, PRId64, cycles_stop(c->stop_ns, c, 1))                  \
	X(stop_ns_2, PRId64, cycles_stop(c->stop_ns, c, 2))                  \
	X(stop_ns_3, PRId64, cycles_stop(c->stop_ns, c, 3))                  \
	X(stop_end_0, PRId64, cycles_stop(c->stop_end, c, 0))                \
	X(stop_end_1, PRId64, cycles_stop(c->stop_end, c, 1))                \
	X(stop_end_2, PRId64, cycles_stop(c->stop_end, c, 2))                \
	X(stop_end_3, PRId64, cycles_stop(c->stop_end, c, 3))                \
	X(heap_trigger, PRIu64, c->heap_trigger)                             \
	X(heap_mark_end, PRIu64, c->heap_mark_end)                           \
	X(heap_marked, PRIu64, c->heap_marked)                               \
	X(heap_goal, PRIu64, c->heap_goal)                                   \
	X(next_goal, PRIu64, c->next_goal)                                   \
	X(trigger, PRIu64, c->trigger)                                       \
	X(stack_scan, PRIu64, c->stack_scan)                                 \
	X(globals_scan, PRIu64, c->globals_scan)                             \
	X(sweep_term_cpu_ns, PRId64, c->sweep_term_cpu_ns)                   \
	X(mark_cpu_ns, PRId64, c->mark_cpu_ns)                               \
	X(assist_cpu_ns, PRId64, c->assist_cpu_ns)                           \
	X(idle_cpu_ns, PRId64, c->idle_cpu_ns)                               \
	X(mark_term_cpu_ns, PRId64, c->mark_term_cpu_ns)                     \
	X(memory_limited, "d", c->memory_limited)                            \
	X(cpu_limited, "d", c->cpu_limited)                                  \
	X(gc_cpu_fraction, ".9g", c->gc_cpu_fraction)                        \
	X(gogc, "d", cycles_cfg.gc_percent)                                  \
	X(memory_limit, PRId64, cycles_cfg.memory_limit)

static pthread_mutex_t cycles_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *cycles_file;        /* cycles_lock */
static unsigned long cycles_n;   /* cycles_lock: lines written */
static gm_config cycles_cfg;     /* written before the hook is set */

/* inv:stoplog-ring  the record of cycle k (0-based, k < stoplog_n) is at
 * stoplog[k % GMB_STOPLOG_CYCLES] while k + GMB_STOPLOG_CYCLES >= stoplog_n */
static gmb_cycle_stops stoplog[GMB_STOPLOG_CYCLES]; /* cycles_lock */
static uint64_t stoplog_n;       /* cycles_lock: cycles logged */
static atomic_bool cycles_hooked; /* the hook is installed (or being) */

/* Stop slot i, or 0 when the cycle had fewer stops. */
static int64_t cycles_stop(const int64_t *v, const gm_cycle *c, unsigned i)
{
	return i < c->nstops && i < GM_MAX_STOPS ? v[i] : 0;
}

static void cycles_header(FILE *f)
{
	const char *sep = "";
#define CYCLES_NAME(name, fmt, expr)                                         \
	fprintf(f, "%s%s", sep, #name);                                      \
	sep = ",";
	CYCLES_COLUMNS(CYCLES_NAME)
#undef CYCLES_NAME
	fputc('\n', f);
}

/* Step 3, cycles_lock held. */
static void stoplog_add_locked(const gm_cycle *c)
{
	gmb_cycle_stops *s = &stoplog[stoplog_n++ % GMB_STOPLOG_CYCLES];
	s->num = c->num;
	s->nstops = c->nstops < GM_MAX_STOPS ? c->nstops : GM_MAX_STOPS;
	for (unsigned i = 0; i < GM_MAX_STOPS; i++)
		s->stop_ns[i] = cycles_stop(c->stop_ns, c, i);
	s->stack_scan = c->stack_scan;
	s->gc_cpu_ns = c->sweep_term_cpu_ns + c->mark_cpu_ns +
		       c->assist_cpu_ns + c->mark_term_cpu_ns;
	s->procs = c->procs;
	s->heap_mark_end = c->heap_mark_end;
	s->next_goal = c->next_goal;
}

static void cycles_hook(const gm_cycle *c, void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&cycles_lock);
	stoplog_add_locked(c);
	if (cycles_file != NULL) {
		const char *sep = "";
#define CYCLES_VALUE(name, fmt, expr)                                        \
	fprintf(cycles_file, "%s%" fmt, sep, expr);                          \
	sep = ",";
		CYCLES_COLUMNS(CYCLES_VALUE)
#undef CYCLES_VALUE
		fputc('\n', cycles_file);
		fflush(cycles_file);
		cycles_n++;
	}
	pthread_mutex_unlock(&cycles_lock);
}

int gmb_cycles_start(const char *path, const gm_config *cfg, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 strerror(errno));
		return -1;
	}
	cycles_header(f);
	fflush(f);
	cycles_cfg = *cfg;
	pthread_mutex_lock(&cycles_lock);
	cycles_file = f;
	cycles_n = 0;
	pthread_mutex_unlock(&cycles_lock);
	atomic_store(&cycles_hooked, true);
	gm_set_cycle_hook(cycles_hook, NULL);
	return 0;
}

unsigned long gmb_cycles_stop(void)
{
	/* outside cycles_lock: gm_set_cycle_hook waits for running hooks */
	gm_set_cycle_hook(NULL, NULL);
	atomic_store(&cycles_hooked, false);
	pthread_mutex_lock(&cycles_lock);
	unsigned long n = cycles_n;
	if (cycles_file != NULL)
		fclose(cycles_file);
	cycles_file = NULL;
	pthread_mutex_unlock(&cycles_lock);
	return n;
}

bool gmb_cycles_any(const char *path)
{
	FILE *f = fopen(path, "r");
	int c, lines = 0;
	while (f != NULL && lines < 2 && (c = fgetc(f)) != EOF)
		lines += c == '\n';
	if (f != NULL)
		fclose(f);
	return lines >= 2;
}

/* ---- the stop log ------------------------------------------------------- */

void gmb_stoplog_start(void)
{
	if (!atomic_exchange(&cycles_hooked, true))
		gm_set_cycle_hook(cycles_hook, NULL);
}

uint64_t gmb_stoplog_position(void)
{
	pthread_mutex_lock(&cycles_lock);
	uint64_t n = stoplog_n;
	pthread_mutex_unlock(&cycles_lock);
	return n;
}

size_t gmb_stoplog_since(uint64_t pos, gmb_cycle_stops *out, size_t max,
			 uint64_t *lost)
{
	pthread_mutex_lock(&cycles_lock);
	uint64_t from = pos, kept = GMB_STOPLOG_CYCLES < max ? GMB_STOPLOG_CYCLES : max;
	if (stoplog_n > kept && from < stoplog_n - kept)
		from = stoplog_n - kept; /* inv:stoplog-ring */
	size_t n = 0;
	for (uint64_t k = from; k < stoplog_n; k++)
		out[n++] = stoplog[k % GMB_STOPLOG_CYCLES];
	*lost = from - (pos < from ? pos : from);
	pthread_mutex_unlock(&cycles_lock);
	return n;
}
