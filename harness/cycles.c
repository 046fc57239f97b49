/*
 * cycles.c — the per-cycle log (cycles.h): gm_cycle records as CSV lines.
 *
 * The columns are declared once, in CYCLES_COLUMNS, and both the header
 * and each line are printed from it.  The hook runs on whichever thread
 * finished a cycle (gm_set_cycle_hook); a mutex keeps lines whole should
 * two cycles ever finish at once.  Lines are flushed at each cycle, so a
 * configuration that dies still leaves what it logged.
 */
#include "harness/cycles.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
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

static void cycles_hook(const gm_cycle *c, void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&cycles_lock);
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
	gm_set_cycle_hook(cycles_hook, NULL);
	return 0;
}

unsigned long gmb_cycles_stop(void)
{
	gm_set_cycle_hook(NULL, NULL);
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
