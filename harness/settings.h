/*
 * settings.h — the gomem settings `gomem-bench run` compares, and the
 * configurations they expand to.
 *
 * Flags (each at most once; lists are comma separated, without repeats):
 *   --gogc=25,50,100,off         GOGC values (gm_parse_gogc's syntax)
 *   --memlimit=off,64MiB,1GiB    GOMEMLIMIT values (gm_parse_memlimit's,
 *                                i.e. Go's: bytes with an optional B, KiB,
 *                                MiB, GiB or TiB suffix, or off)
 *   --collector=stw,dijkstra,yuasa,hybrid
 *   --idle-mark=off,on           gm_config.idle_mark: Go's idle mark
 *                                workers (Go always runs them)
 *   --procs=0,1,2                GOMAXPROCS analogue; 0 = online CPUs
 *   --threads=1,2                benchmark thread counts, replacing the
 *                                ones the workloads register
 *
 * Every combination of the lists (their cross product; the first flag
 * varies slowest) is one configuration, run in a fresh process.  A flag not
 * given contributes the environment's value (GOGC, GOMEMLIMIT,
 * GOMEM_COLLECTOR, GOMEM_IDLE_MARK) or the default (hybrid, procs 0, the
 * registered thread counts, idle marking off), so no flag at
 * all means one configuration, as a Go program started in this
 * environment would run.
 *
 * A configuration's text form is also its label and how the parent hands
 * it to a child process (--child-config=TEXT):
 *   gogc=50,memlimit=64MiB,collector=hybrid,procs=0,threads=all,idle_mark=on
 * Fields are written in that order, only those set; gmb_config_parse
 * accepts them in any order and gives back what gmb_config_format wrote.
 * One exception keeps the labels of runs made before idle_mark existed
 * valid (compare pairs configurations by label): a complete configuration
 * (every field set, as every configuration of a run is once resolved) is
 * written without idle_mark when it is off, and a text that sets the five
 * other fields but not idle_mark reads as idle_mark=off.
 */
#ifndef GOMEM_HARNESS_SETTINGS_H
#define GOMEM_HARNESS_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gomem.h"

/* 64 values per list: far more than a sweep needs, and a bound on the
 * cross product that keeps a mistyped range from starting a week of runs. */
#define GMB_SETTINGS_MAX_VALUES 64
/* 1024 configurations per run: 7 GOGC x 6 limits x 4 collectors x 3 procs x
 * 2 thread counts is 1008. */
#define GMB_CONFIGS_MAX 1024
/* Longest configuration text: six fields, none longer than 24 bytes. */
#define GMB_CONFIG_TEXT_MAX 160

/* inv:config-set a field is meaningful only when its bit is in `set` */
enum {
	GMB_SET_GOGC = 1u << 0,
	GMB_SET_MEMLIMIT = 1u << 1,
	GMB_SET_COLLECTOR = 1u << 2,
	GMB_SET_PROCS = 1u << 3,
	GMB_SET_THREADS = 1u << 4,
	GMB_SET_IDLE_MARK = 1u << 5,
	GMB_SET_ALL = (1u << 6) - 1,
};

/* One configuration: the gm_config fields it overrides, and the benchmark
 * thread count. */
typedef struct gmb_config {
	unsigned set;         /* GMB_SET_* bits of the fields given */
	int gogc;             /* percent, or GM_GOGC_OFF */
	int64_t memlimit;     /* bytes, or GM_MEMLIMIT_OFF */
	gm_collector collector;
	int procs;            /* >= 0; 0 = online CPUs */
	int threads;          /* >= 0; 0 = as the workloads register them */
	int idle_mark;        /* 0 or 1: gm_config.idle_mark */
} gmb_config;

/* The lists given on the command line (n == 0: flag not given). */
typedef struct gmb_settings {
	int gogc[GMB_SETTINGS_MAX_VALUES];
	size_t ngogc;
	int64_t memlimit[GMB_SETTINGS_MAX_VALUES];
	size_t nmemlimit;
	gm_collector collector[GMB_SETTINGS_MAX_VALUES];
	size_t ncollector;
	int procs[GMB_SETTINGS_MAX_VALUES];
	size_t nprocs;
	int threads[GMB_SETTINGS_MAX_VALUES];
	size_t nthreads;
	int idle_mark[GMB_SETTINGS_MAX_VALUES];
	size_t nidle_mark;
} gmb_settings;

/* true when `arg` ("--gogc=..." or "--gogc") names one of the flags above. */
bool gmb_settings_is_flag(const char *arg);

/* Parse the flag `arg` ("--NAME=LIST", or "--NAME" with the list in
 * `value`, which is otherwise NULL) into s.  Returns 0, or -1 with a
 * message in err naming the flag, the offending value and what is
 * accepted. */
int gmb_settings_parse(gmb_settings *s, const char *arg, const char *value,
		       char *err, size_t errlen);

/* The number of configurations the lists expand to (1 with no flags). */
size_t gmb_settings_count(const gmb_settings *s);

/* Write the cross product, gogc varying slowest and idle_mark fastest, into
 * out[0 .. count-1]; fields whose flag was not given are left unset.
 * Returns the count, or 0 when it exceeds max. */
size_t gmb_settings_expand(const gmb_settings *s, gmb_config *out, size_t max);

/* Fill the unset fields of c from `env` (gm_config_default's result) and
 * the defaults; afterwards c->set == GMB_SET_ALL. */
void gmb_config_resolve(gmb_config *c, const gm_config *env);

/* Override cfg's fields with those set in c.  An environment error about a
 * variable c overrides (GOGC, GOMEMLIMIT, GOMEM_IDLE_MARK) is cleared: the
 * flag wins. */
void gmb_config_apply(const gmb_config *c, gm_config *cfg);

/* The text form (see above) into buf; the length, or -1 if it does not
 * fit. */
int gmb_config_format(const gmb_config *c, char *buf, size_t n);
/* Parse the text form; 0, or -1 with a message in err. */
int gmb_config_parse(const char *text, gmb_config *c, char *err,
		     size_t errlen);
bool gmb_config_equal(const gmb_config *a, const gmb_config *b);
/* Equal in every setting a peer runtime sees (gogc, memlimit, procs,
 * threads): a and b differ at most in gomem's own collector and
 * idle_mark, so a peer run under one stands for the other. */
bool gmb_config_peer_equal(const gmb_config *a, const gmb_config *b);
/* The first of configs[0 .. i] peer-equal to configs[i]: where a peer
 * runs for it (i itself when none earlier is). */
size_t gmb_config_peer_twin(const gmb_config *configs, size_t i);

/* "hybrid", "stw", "dijkstra", "yuasa"; NULL for anything else. */
const char *gmb_collector_name(gm_collector c);
/* 0 and *out for a collector name, -1 otherwise. */
int gmb_collector_parse(const char *name, gm_collector *out);

/* A memory limit in gm_parse_memlimit's syntax, exactly: "off", the
 * largest binary unit that divides it ("64MiB"), or bytes ("1000"). */
void gmb_memlimit_format(int64_t bytes, char *buf, size_t n);

#endif /* GOMEM_HARNESS_SETTINGS_H */
