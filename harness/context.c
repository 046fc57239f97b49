/*
 * context.c — context.json, and the gomem_* keys of Google Benchmark's
 * context (context.h; results/README.md lists every field).
 *
 * context.json, schema_version 1, is one object:
 *   run        name, date, command line, the flags passed to Google
 *              Benchmark, host, kernel
 *   build      gomem version, git revision, build type, compiler, C flags,
 *              debug and sanitizer settings
 *   machine    hwloc's view: CPU model, package / NUMA node / core / PU
 *              counts, caches, NUMA nodes with their memory and PUs
 *   environment  GOGC, GOMEMLIMIT, GODEBUG as the run found them
 *   settings   the lists given on the command line (null: not given)
 *   placement  --pin and --membind, and the rule mapping threads to slots
 *   configs    one object per configuration: its settings resolved, its
 *              label, its child's exit status, and where its threads were
 *              placed (slot by slot, as PU lists)
 * Everything is built with jansson's json_pack; a NULL anywhere (out of
 * memory) makes the whole build NULL.
 */
#include "harness/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "gmb_revision.h" /* GMB_GIT_REVISION, generated at build time */
#include "harness/results.h"
#include "harness/shim.h"

#ifndef GMB_BUILD_TYPE
#define GMB_BUILD_TYPE "unknown"
#endif
#ifndef GMB_COMPILER
#define GMB_COMPILER "unknown"
#endif
#ifndef GMB_C_FLAGS
#define GMB_C_FLAGS ""
#endif
#ifndef GMB_SANITIZE
#define GMB_SANITIZE ""
#endif

/* The rule of topology.h, in words, for readers of context.json. */
#define CONTEXT_SLOT_RULE                                                    \
	"benchmark thread i takes slot i; the collector's thread of role R " \
	"and index k takes slot collector_first_slot + k; slots past the "   \
	"last PU wrap around"

void gmb_context_date(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *context_strings(char **v, int n)
{
	json_t *a = json_array();
	for (int i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* "runtimes": the runtimes run (in --runtime's order), those skipped and
 * why, and the interleaved rounds; absent without --runtime. */
static int context_runtimes(json_t *run, const gmb_context_run *r)
{
	if (r->runtimes == NULL)
		return 0;
	json_t *names = json_array(), *skipped = json_array();
	for (size_t i = 0; names != NULL && i < r->runtimes->n; i++)
		json_array_append_new(names, json_string(
			gmb_runtime_get(r->runtimes->rt[i])->name));
	for (size_t i = 0; skipped != NULL && i < r->nskips; i++)
		json_array_append_new(skipped, json_string(r->skips[i]));
	return json_object_set_new(run, "runtimes", json_pack(
		"{s:o?, s:o?, s:i, s:s}", "run", names, "skipped", skipped,
		"rounds", (int)r->rounds, "interleaving",
		"round r runs every configuration's runtimes once, one "
		"repetition each, in --runtime's order rotated left by r; a "
		"peer runs once per value of the settings it sees (gogc, "
		"memlimit, procs, threads): a configuration that differs from "
		"an earlier one only in gomem's collector or idle_mark has "
		"that one's peer results (configs[i].peers_from)"));
}

static json_t *context_run(const gmb_context_run *r)
{
	char host[256] = "unknown";
	struct utsname u;
	gethostname(host, sizeof host - 1);
	if (uname(&u) != 0)
		snprintf(u.release, sizeof u.release, "unknown");
	json_t *run = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s?, s:s?, s:i}",
			 "name", r->name, "date", r->date, "command",
			 context_strings(r->argv, r->argc), "benchmark_flags",
			 context_strings(r->bench_flags, r->nbench_flags),
			 "host", host, "kernel", u.release, "sweep", r->sweep,
			 "sweep_workload", r->sweep_workload,
			 "rss_interval_ms", (int)r->rss_interval_ms);
	if (run != NULL && context_runtimes(run, r) != 0) {
		json_decref(run);
		return NULL;
	}
	return run;
}

static json_t *context_build_info(void)
{
	char version[32];
	snprintf(version, sizeof version, "%d.%d.%d", GM_VERSION_MAJOR,
		 GM_VERSION_MINOR, GM_VERSION_PATCH);
#ifdef GOMEM_DEBUG
	const int debug = 1;
#else
	const int debug = 0;
#endif
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "gomem_version",
			 version, "git_revision", GMB_GIT_REVISION, "build_type",
			 GMB_BUILD_TYPE, "compiler", GMB_COMPILER, "c_flags",
			 GMB_C_FLAGS, "sanitize", GMB_SANITIZE, "debug", debug);
}

/* ---- machine ------------------------------------------------------------ */

static json_t *context_caches(hwloc_topology_t t)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE,
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < sizeof types / sizeof *types; i++) {
		hwloc_obj_t c = hwloc_get_obj_by_type(t, types[i], 0);
		char name[32];
		if (c == NULL)
			continue;
		hwloc_obj_type_snprintf(name, sizeof name, c, 0);
		json_array_append_new(a, json_pack(
			"{s:s, s:i, s:I, s:i, s:i}", "type", name, "level",
			(int)c->attr->cache.depth, "size",
			(json_int_t)c->attr->cache.size, "line_size",
			(int)c->attr->cache.linesize, "count",
			gmb_topology_count(t, types[i])));
	}
	return a;
}

static json_t *context_numa(hwloc_topology_t t)
{
	json_t *a = json_array();
	hwloc_obj_t node = NULL;
	while (a != NULL && (node = hwloc_get_next_obj_by_type(
				     t, HWLOC_OBJ_NUMANODE, node)) != NULL) {
		char pus[1024];
		hwloc_bitmap_list_snprintf(pus, sizeof pus, node->cpuset);
		json_array_append_new(a, json_pack(
			"{s:i, s:i, s:I, s:s}", "index",
			(int)node->logical_index, "os_index",
			(int)node->os_index, "memory",
			(json_int_t)node->attr->numanode.local_memory, "pus",
			pus));
	}
	return a;
}

json_t *gmb_context_machine(hwloc_topology_t t)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:o}",
			 "cpu_model", gmb_topology_cpu_model(t), "packages",
			 gmb_topology_count(t, HWLOC_OBJ_PACKAGE), "numa_nodes",
			 gmb_topology_count(t, HWLOC_OBJ_NUMANODE), "cores",
			 gmb_topology_count(t, HWLOC_OBJ_CORE), "pus",
			 gmb_topology_count(t, HWLOC_OBJ_PU), "online_cpus",
			 (int)sysconf(_SC_NPROCESSORS_ONLN), "caches",
			 context_caches(t), "numa", context_numa(t));
}

/* ---- settings and configurations ----------------------------------------- */

static json_t *context_env(const char *name)
{
	const char *v = getenv(name);
	return v != NULL ? json_string(v) : json_null();
}

/* One field of a configuration as written in its label ("off", "64MiB",
 * "all", or a number). */
static json_t *context_gogc(int gogc)
{
	return gogc == GM_GOGC_OFF ? json_string("off") : json_integer(gogc);
}

static json_t *context_memlimit(int64_t bytes)
{
	return bytes == GM_MEMLIMIT_OFF ? json_string("off")
					: json_integer((json_int_t)bytes);
}

static json_t *context_threads(int threads)
{
	return threads == 0 ? json_string("all") : json_integer(threads);
}

/* Field f's values from the settings lists, or null when not given. */
static json_t *context_list(const gmb_settings *s, unsigned bit)
{
	size_t n = bit == GMB_SET_GOGC ? s->ngogc
		   : bit == GMB_SET_MEMLIMIT ? s->nmemlimit
		   : bit == GMB_SET_COLLECTOR ? s->ncollector
		   : bit == GMB_SET_PROCS ? s->nprocs
		   : bit == GMB_SET_IDLE_MARK ? s->nidle_mark : s->nthreads;
	if (n == 0)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < n; i++) {
		json_t *v =
			bit == GMB_SET_GOGC ? context_gogc(s->gogc[i])
			: bit == GMB_SET_MEMLIMIT ? context_memlimit(s->memlimit[i])
			: bit == GMB_SET_COLLECTOR
				? json_string(gmb_collector_name(s->collector[i]))
			: bit == GMB_SET_PROCS ? json_integer(s->procs[i])
			: bit == GMB_SET_IDLE_MARK
				? json_string(s->idle_mark[i] ? "on" : "off")
				: json_integer(s->threads[i]);
		json_array_append_new(a, v);
	}
	return a;
}

static json_t *context_settings(const gmb_context_run *r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}", "gogc",
			 context_list(r->settings, GMB_SET_GOGC), "memlimit",
			 context_list(r->settings, GMB_SET_MEMLIMIT), "collector",
			 context_list(r->settings, GMB_SET_COLLECTOR), "procs",
			 context_list(r->settings, GMB_SET_PROCS), "threads",
			 context_list(r->settings, GMB_SET_THREADS), "idle_mark",
			 context_list(r->settings, GMB_SET_IDLE_MARK), "pin",
			 gmb_pin_name(r->pin), "membind",
			 gmb_membind_name(r->membind));
}

/* [{"<key>": i, "pus": "0-3"}, ...] for slots first .. first+n-1. */
static json_t *context_slots(const gmb_context_run *r, const char *key,
			     unsigned first, unsigned n)
{
	json_t *a = json_array();
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	for (unsigned i = 0; a != NULL && set != NULL && i < n; i++) {
		char pus[1024] = "";
		if (gmb_place_decide(r->topo, r->pin, first + i, set) == 0)
			hwloc_bitmap_list_snprintf(pus, sizeof pus, set);
		json_array_append_new(a, json_pack("{s:i, s:s}", key, (int)i,
						   "pus", pus));
	}
	hwloc_bitmap_free(set);
	return a;
}

/* Where configuration i's threads went: its benchmark threads, and the
 * collector's first slots (as many as there are PUs; more wrap). */
static json_t *context_config_placement(const gmb_context_run *r, size_t i)
{
	unsigned base = r->lib_base[i];
	unsigned npus = (unsigned)gmb_topology_count(r->topo, HWLOC_OBJ_PU);
	return json_pack("{s:b, s:o, s:i, s:o}", "bound", r->pin != GMB_PIN_NONE,
			 "benchmark_threads",
			 context_slots(r, "thread", 0, base),
			 "collector_first_slot", (int)base, "collector_threads",
			 context_slots(r, "index", base, npus ? npus : 1));
}

/* In a run with peers, configuration i's "peers_from": the configuration
 * whose peer runs stand for its own (gmb_config_peer_twin). */
static json_t *context_peers_from(const gmb_context_run *r, size_t i,
				  json_t *config)
{
	if (config != NULL && r->runtimes != NULL)
		json_object_set_new(config, "peers_from", json_integer(
			(json_int_t)gmb_config_peer_twin(r->configs, i)));
	return config;
}

static json_t *context_config(const gmb_context_run *r, size_t i)
{
	const gmb_config *c = &r->configs[i];
	char label[GMB_CONFIG_TEXT_MAX];
	gmb_config_format(c, label, sizeof label);
	return context_peers_from(r, i, json_pack("{s:i, s:s, s:o, s:o, s:s, s:i, s:o, s:b, s:i, s:o}",
			 "index", (int)i, "label", label, "gogc",
			 context_gogc(c->gogc), "memory_limit",
			 context_memlimit(c->memlimit), "collector",
			 gmb_collector_name(c->collector), "procs", c->procs,
			 "threads", context_threads(c->threads), "idle_mark",
			 c->idle_mark != 0, "exit_status",
			 r->exit_status[i], "placement",
			 context_config_placement(r, i)));
}

static json_t *context_configs(const gmb_context_run *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < r->nconfigs; i++)
		if (json_array_append_new(a, context_config(r, i)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *gmb_context_build(const gmb_context_run *r)
{
	return json_pack(
		"{s:i, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o, s:{s:s, "
		"s:s, s:s}, s:o}",
		"schema_version", GMB_RESULTS_SCHEMA_VERSION, "run",
		context_run(r), "build", context_build_info(), "machine",
		gmb_context_machine(r->topo), "environment", "GOGC",
		context_env("GOGC"), "GOMEMLIMIT", context_env("GOMEMLIMIT"),
		"GODEBUG", context_env("GODEBUG"), "GOMEM_IDLE_MARK",
		context_env("GOMEM_IDLE_MARK"), "settings",
		context_settings(r), "placement", "pin", gmb_pin_name(r->pin),
		"membind", gmb_membind_name(r->membind), "rule",
		CONTEXT_SLOT_RULE, "configs", context_configs(r));
}

int gmb_context_write(const gmb_context_run *r, const char *path, char *err,
		      size_t errlen)
{
	json_t *root = gmb_context_build(r);
	if (root == NULL) {
		snprintf(err, errlen, "cannot build %s: out of memory", path);
		return -1;
	}
	int rc = gmb_json_write(root, path, err, errlen);
	json_decref(root);
	return rc;
}

/* ---- Google Benchmark's context, in a child ------------------------------ */

void gmb_context_benchmark(const gm_config *cfg, const gmb_config *c,
			   gmb_pin pin, gmb_membind membind)
{
	char buf[GMB_CONFIG_TEXT_MAX];
	gmb_add_context("gomem_schema_version", "1");
	snprintf(buf, sizeof buf, "%d.%d.%d", GM_VERSION_MAJOR,
		 GM_VERSION_MINOR, GM_VERSION_PATCH);
	gmb_add_context("gomem_version", buf);
	gmb_add_context("gomem_git_revision", GMB_GIT_REVISION);
	gmb_add_context("gomem_build_type", GMB_BUILD_TYPE);
	gmb_add_context("gomem_compiler", GMB_COMPILER);
#ifdef GOMEM_DEBUG
	gmb_add_context("gomem_debug", "1");
#else
	gmb_add_context("gomem_debug", "0");
#endif
	gmb_config_format(c, buf, sizeof buf);
	gmb_add_context("gomem_config", buf);
	if (cfg->gc_percent == GM_GOGC_OFF)
		snprintf(buf, sizeof buf, "off");
	else
		snprintf(buf, sizeof buf, "%d", cfg->gc_percent);
	gmb_add_context("gomem_gogc", buf);
	gmb_memlimit_format(cfg->memory_limit, buf, sizeof buf);
	gmb_add_context("gomem_memory_limit", buf);
	snprintf(buf, sizeof buf, "%d", cfg->procs);
	gmb_add_context("gomem_procs", buf);
	gmb_add_context("gomem_collector", gmb_collector_name(cfg->collector));
	gmb_add_context("gomem_idle_mark", cfg->idle_mark ? "on" : "off");
	if (c->threads == 0)
		snprintf(buf, sizeof buf, "all");
	else
		snprintf(buf, sizeof buf, "%d", c->threads);
	gmb_add_context("gomem_threads", buf);
	gmb_add_context("gomem_pin", gmb_pin_name(pin));
	gmb_add_context("gomem_membind", gmb_membind_name(membind));
}
