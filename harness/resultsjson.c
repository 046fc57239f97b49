/*
 * resultsjson.c — a run's JSON as data: merging the configurations'
 * Google Benchmark JSON into bench.json, and reading a results directory
 * back into C structs (results.h; results/README.md has the schema).
 *
 * 1. Loading a file (rj_load): read it whole, turn Google Benchmark's bare
 *    NaN / Infinity (which its JSON reporter writes for undefined ratios,
 *    and which JSON has not) into null outside strings, parse with
 *    jansson.  Every failure names the file: missing, unreadable, empty,
 *    or not JSON with jansson's line, column and reason (a truncated file
 *    reads as "... expected near end of file").
 * 2. Merging: entries are copied, never rewritten, plus two fields.
 * 3. Reading back: every field a reader relies on is checked for presence
 *    and type, and a failure names its path ("benchmarks[3].real_time");
 *    fields not known here are left alone (readers ignore unknown fields,
 *    STYLE.md).
 */
#include "harness/errf.h"
#include "harness/results.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Context keys that describe one configuration, dropped from the merged
 * top-level context (each part's whole context stays in gomem_configs). */
static const char *const rj_config_keys[] = {
	"gomem_config", "gomem_gogc", "gomem_memory_limit", "gomem_procs",
	"gomem_collector", "gomem_threads", "gomem_idle_mark",
};

/* ---- loading ------------------------------------------------------------ */

/* The file whole, NUL-terminated, in *buf (malloc'd); its length, or -1
 * with a message. */
static long rj_read(const char *path, char **buf, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return gmb_errf(err, errlen, "%s: cannot open: %s", path,
			      strerror(errno));
	size_t cap = 1 << 16, len = 0, got;
	char *b = malloc(cap);
	while (b != NULL && (got = fread(b + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (len + 1 == cap) {
			char *nb = realloc(b, cap *= 2);
			if (nb == NULL)
				free(b);
			b = nb;
		}
	}
	int failed = ferror(f);
	fclose(f);
	if (b == NULL)
		return gmb_errf(err, errlen, "%s: out of memory reading it", path);
	if (failed) {
		free(b);
		return gmb_errf(err, errlen, "%s: read error", path);
	}
	b[len] = '\0';
	*buf = b;
	return (long)len;
}

/* Length of a bare NaN / Infinity token (with its sign) at p, else 0. */
static size_t rj_nonfinite_len(const char *p)
{
	size_t sign = *p == '-';
	if (strncmp(p + sign, "NaN", 3) == 0)
		return sign + 3;
	if (strncmp(p + sign, "Infinity", 8) == 0)
		return sign + 8;
	return 0;
}

/* Copy text to out (room for 2x), replacing NaN / Infinity outside
 * strings with null. */
static void rj_sanitize(const char *text, char *out)
{
	bool in_string = false;
	for (const char *p = text; *p != '\0';) {
		size_t n = in_string ? 0 : rj_nonfinite_len(p);
		if (n > 0) {
			memcpy(out, "null", 4);
			out += 4;
			p += n;
			continue;
		}
		if (in_string && *p == '\\' && p[1] != '\0') {
			*out++ = *p++;
		} else if (*p == '"') {
			in_string = !in_string;
		}
		*out++ = *p++;
	}
	*out = '\0';
}

/* Parse the JSON file at path; NULL with a message naming it. */
static json_t *rj_load(const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	long len = rj_read(path, &text, err, errlen);
	if (len < 0)
		return NULL;
	char *clean = malloc(2 * (size_t)len + 8);
	if (clean == NULL) {
		free(text);
		gmb_errf(err, errlen, "%s: out of memory reading it", path);
		return NULL;
	}
	rj_sanitize(text, clean);
	free(text);
	json_error_t je;
	json_t *root = json_loads(clean, 0, &je);
	free(clean);
	if (root == NULL && len == 0)
		gmb_errf(err, errlen, "%s: the file is empty (an interrupted "
		       "write?)", path);
	else if (root == NULL)
		gmb_errf(err, errlen, "%s: not valid JSON (truncated or "
		       "corrupt?) at line %d, column %d: %s", path, je.line,
		       je.column, je.text);
	return root;
}

int gmb_json_write(json_t *root, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return gmb_errf(err, errlen, "cannot create %s: %s", path,
			      strerror(errno));
	int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	if (fputc('\n', f) == EOF)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		return gmb_errf(err, errlen, "cannot write %s: %s", path,
			      strerror(errno));
	return 0;
}

/* ---- merging ------------------------------------------------------------ */

/* Check part i's root: an object with a "benchmarks" array and a
 * "context" object.  0 or -1 with a message. */
static int rj_check_part(json_t *root, const char *path, char *err,
			 size_t errlen)
{
	if (!json_is_object(root))
		return gmb_errf(err, errlen, "%s: the top level is not a JSON "
			      "object", path);
	if (!json_is_array(json_object_get(root, "benchmarks")))
		return gmb_errf(err, errlen, "%s: no \"benchmarks\" array", path);
	if (!json_is_object(json_object_get(root, "context")))
		return gmb_errf(err, errlen, "%s: no \"context\" object", path);
	return 0;
}

/* Append the part's entries to `all`, each tagged with its configuration
 * and runtime (and, in an interleaved run, its round). */
static int rj_merge_entries(json_t *all, json_t *part,
			    const gmb_results_part *p)
{
	size_t k;
	json_t *e;
	json_array_foreach(json_object_get(part, "benchmarks"), k, e) {
		json_t *copy = json_deep_copy(e);
		if (!json_is_object(copy) ||
		    json_object_set_new(copy, "gomem_config",
					json_integer(p->config)) ||
		    json_object_set_new(copy, "gomem_config_label",
					json_string(p->label)) ||
		    json_object_set_new(copy, "gomem_runtime",
					json_string(p->runtime)))
			return -1;
		if (p->round >= 0 &&
		    (json_object_set_new(copy, "repetition_index",
					 json_integer(p->round)) ||
		     json_object_set_new(copy, "repetitions",
					 json_integer(p->rounds))))
			return -1;
		if (json_array_append_new(all, copy))
			return -1;
	}
	return 0;
}

/* The merged document's top-level context: part 0's, without the keys of
 * one configuration. */
static json_t *rj_merged_context(json_t *part0)
{
	json_t *ctx = json_deep_copy(json_object_get(part0, "context"));
	for (size_t i = 0; ctx != NULL &&
	     i < sizeof rj_config_keys / sizeof *rj_config_keys; i++)
		json_object_del(ctx, rj_config_keys[i]);
	return ctx;
}

/* Whether part i is the one whose context stands for its configuration:
 * the first gomem part of it, else (no gomem part) its first part. */
static bool rj_config_part(const gmb_results_part *parts, size_t n, size_t i)
{
	bool gomem = strcmp(parts[i].runtime, "gomem") == 0;
	for (size_t j = 0; j < n; j++) {
		if (j == i || parts[j].config != parts[i].config)
			continue;
		bool jg = strcmp(parts[j].runtime, "gomem") == 0;
		if ((jg && (!gomem || j < i)) || (!jg && !gomem && j < i))
			return false;
	}
	return true;
}

/* Add part i to the merged document `m`; 0 or -1 with a message. */
static int rj_merge_part(json_t *m, const gmb_results_part *parts, size_t n,
			 size_t i, bool *have_context, char *err, size_t errlen)
{
	const gmb_results_part *p = &parts[i];
	bool peer = strcmp(p->runtime, "gomem") != 0;
	if (peer && access(p->path, R_OK) != 0)
		return 0; /* the peer failed or matched nothing: said already */
	json_t *part = rj_load(p->path, err, errlen);
	if (part == NULL || rj_check_part(part, p->path, err, errlen) != 0) {
		json_decref(part);
		return -1;
	}
	if (!*have_context && !peer) {
		json_object_set_new(m, "context", rj_merged_context(part));
		*have_context = true;
	}
	json_t *cfg = NULL;
	if (rj_config_part(parts, n, i))
		cfg = json_pack("{s:i, s:s, s:O}", "index", p->config, "label",
				p->label, "context",
				json_object_get(part, "context"));
	else if (peer && p->round <= 0)
		cfg = json_pack("{s:i, s:s, s:i, s:O}", "config", p->config,
				"runtime", p->runtime, "round", p->round,
				"context", json_object_get(part, "context"));
	const char *list = rj_config_part(parts, n, i) ? "gomem_configs"
						    : "gomem_peers";
	int rc = (cfg != NULL &&
		  json_array_append_new(json_object_get(m, list), cfg)) ||
		 rj_merge_entries(json_object_get(m, "benchmarks"), part, p);
	json_decref(part);
	return rc ? gmb_errf(err, errlen, "%s: out of memory merging it",
			     p->path)
		  : 0;
}

int gmb_results_merge_runs(const gmb_results_part *parts, size_t n,
			   const char *out, char *err, size_t errlen)
{
	json_t *m = json_pack("{s:{}, s:[], s:[], s:[]}", "context",
			      "gomem_configs", "gomem_peers", "benchmarks");
	bool have_context = false;
	if (m == NULL)
		return gmb_errf(err, errlen, "out of memory merging results");
	for (size_t i = 0; i < n; i++) {
		if (rj_merge_part(m, parts, n, i, &have_context, err, errlen)) {
			json_decref(m);
			return -1;
		}
	}
	if (json_array_size(json_object_get(m, "gomem_peers")) == 0)
		json_object_del(m, "gomem_peers");
	int rc = gmb_json_write(m, out, err, errlen);
	json_decref(m);
	return rc;
}

int gmb_results_merge(const char *const *parts, const char *const *labels,
		      size_t n, const char *out, char *err, size_t errlen)
{
	gmb_results_part *p = calloc(n ? n : 1, sizeof *p);
	if (p == NULL)
		return gmb_errf(err, errlen, "out of memory merging results");
	for (size_t i = 0; i < n; i++)
		p[i] = (gmb_results_part){parts[i], (int)i, labels[i], "gomem",
					  -1, 0};
	int rc = gmb_results_merge_runs(p, n, out, err, errlen);
	free(p);
	return rc;
}

/* ---- reading back --------------------------------------------------------- */

typedef enum rj_kind {
	RJ_STR, RJ_INT, RJ_NUM, RJ_BOOL, RJ_OBJ, RJ_ARR,
	RJ_INT_OR_WORD, /* an integer, or a string such as "off" or "all" */
} rj_kind;

static const char *const rj_kind_names[] = {
	"a string", "an integer", "a number", "true or false", "an object",
	"an array", "an integer or a word",
};

/* Where errors are reported: the file being read and the buffer. */
typedef struct rj_ctx {
	const char *file;
	char *err;
	size_t errlen;
} rj_ctx;

static bool rj_is(const json_t *v, rj_kind k)
{
	switch (k) {
	case RJ_STR: return json_is_string(v);
	case RJ_INT: return json_is_integer(v);
	case RJ_NUM: return json_is_number(v) || json_is_null(v);
	case RJ_BOOL: return json_is_boolean(v);
	case RJ_OBJ: return json_is_object(v);
	case RJ_ARR: return json_is_array(v);
	case RJ_INT_OR_WORD: return json_is_integer(v) || json_is_string(v);
	}
	return false;
}

/* obj[key], checked; `where` is obj's path ("" for the top level).  NULL
 * when missing and optional; NULL with a message when missing and
 * required, or of the wrong kind (*bad is then set). */
static json_t *rj_get(rj_ctx *c, const json_t *obj, const char *where,
		      const char *key, rj_kind kind, bool required, bool *bad)
{
	if (*bad)
		return NULL; /* the first error is the one reported */
	json_t *v = json_object_get(obj, key);
	const char *dot = where[0] ? "." : "";
	if (v == NULL && !required)
		return NULL;
	if (v == NULL)
		gmb_errf(c->err, c->errlen, "%s: %s%s%s is missing", c->file,
		       where, dot, key);
	else if (!rj_is(v, kind))
		gmb_errf(c->err, c->errlen, "%s: %s%s%s is not %s", c->file,
		       where, dot, key, rj_kind_names[kind]);
	else
		return v;
	*bad = true;
	return NULL;
}

static const char *rj_str(rj_ctx *c, const json_t *obj, const char *where,
			  const char *key, bool *bad)
{
	json_t *v = rj_get(c, obj, where, key, RJ_STR, true, bad);
	return v != NULL ? json_string_value(v) : "";
}

static int64_t rj_int(rj_ctx *c, const json_t *obj, const char *where,
		      const char *key, bool *bad)
{
	json_t *v = rj_get(c, obj, where, key, RJ_INT, true, bad);
	return v != NULL ? (int64_t)json_integer_value(v) : 0;
}

/* An integer, or `word` standing for `word_value`. */
static int64_t rj_int_or(rj_ctx *c, const json_t *obj, const char *where,
			 const char *key, const char *word, int64_t word_value,
			 bool *bad)
{
	json_t *v = rj_get(c, obj, where, key, RJ_INT_OR_WORD, true, bad);
	if (v == NULL || json_is_integer(v) || *bad)
		return v != NULL ? (int64_t)json_integer_value(v) : 0;
	if (strcmp(json_string_value(v), word) != 0) {
		gmb_errf(c->err, c->errlen, "%s: %s.%s is \"%s\", not an integer "
		       "or \"%s\"", c->file, where, key, json_string_value(v),
		       word);
		*bad = true;
	}
	return word_value;
}

/* configs[i] into *out; false after a message. */
static bool rj_config(rj_ctx *c, const json_t *o, size_t i,
		      gmb_results_config *out)
{
	char where[48];
	bool bad = false;
	snprintf(where, sizeof where, "configs[%zu]", i);
	if (!json_is_object(o))
		return gmb_errf(c->err, c->errlen, "%s: %s is not an object",
			      c->file, where), false;
	out->index = (int)rj_int(c, o, where, "index", &bad);
	out->label = rj_str(c, o, where, "label", &bad);
	out->gogc = (int)rj_int_or(c, o, where, "gogc", "off", -1, &bad);
	out->memory_limit = rj_int_or(c, o, where, "memory_limit", "off",
				      INT64_MAX, &bad);
	out->collector = rj_str(c, o, where, "collector", &bad);
	out->procs = (int)rj_int(c, o, where, "procs", &bad);
	out->threads = (int)rj_int_or(c, o, where, "threads", "all", 0, &bad);
	json_t *idle = rj_get(c, o, where, "idle_mark", RJ_BOOL, false, &bad);
	out->idle_mark = idle != NULL && json_is_true(idle); /* absent: off */
	if (!bad && out->index != (int)i)
		return gmb_errf(c->err, c->errlen, "%s: %s.index is %d, not %zu",
			      c->file, where, out->index, i), false;
	return !bad;
}

/* The "configs" array; false after a message. */
static bool rj_configs(rj_ctx *c, const json_t *root, gmb_results_data *d)
{
	bool bad = false;
	json_t *a = rj_get(c, root, "", "configs", RJ_ARR, true, &bad);
	if (bad)
		return false;
	if (json_array_size(a) == 0)
		return gmb_errf(c->err, c->errlen, "%s: configs is empty",
			      c->file), false;
	d->nconfigs = json_array_size(a);
	d->configs = calloc(d->nconfigs, sizeof *d->configs);
	if (d->configs == NULL)
		return gmb_errf(c->err, c->errlen, "%s: out of memory", c->file),
		       false;
	for (size_t i = 0; i < d->nconfigs; i++)
		if (!rj_config(c, json_array_get(a, i), i, &d->configs[i]))
			return false;
	return true;
}

/* root[key], an object; NULL after a message. */
static const json_t *rj_section(rj_ctx *c, const json_t *root, const char *key,
				bool *bad)
{
	return rj_get(c, root, "", key, RJ_OBJ, true, bad);
}

/* context.json's fields; false after a message. */
static bool rj_context(rj_ctx *c, const json_t *root, gmb_results_data *d)
{
	bool bad = false;
	if (!json_is_object(root))
		return gmb_errf(c->err, c->errlen, "%s: the top level is not a "
			      "JSON object", c->file), false;
	d->schema_version = (int)rj_int(c, root, "", "schema_version", &bad);
	if (bad)
		return false;
	if (d->schema_version < 1 ||
	    d->schema_version > GMB_RESULTS_SCHEMA_VERSION)
		return gmb_errf(c->err, c->errlen, "%s: schema_version %d is not "
			      "one this gomem-bench reads (1 to %d)", c->file,
			      d->schema_version, GMB_RESULTS_SCHEMA_VERSION),
		       false;
	const json_t *run = rj_section(c, root, "run", &bad);
	const json_t *build = rj_section(c, root, "build", &bad);
	const json_t *mach = rj_section(c, root, "machine", &bad);
	const json_t *place = rj_section(c, root, "placement", &bad);
	d->date = rj_str(c, run, "run", "date", &bad);
	d->git_revision = rj_str(c, build, "build", "git_revision", &bad);
	d->build_type = rj_str(c, build, "build", "build_type", &bad);
	d->compiler = rj_str(c, build, "build", "compiler", &bad);
	d->cpu_model = rj_str(c, mach, "machine", "cpu_model", &bad);
	d->packages = (int)rj_int(c, mach, "machine", "packages", &bad);
	d->numa_nodes = (int)rj_int(c, mach, "machine", "numa_nodes", &bad);
	d->cores = (int)rj_int(c, mach, "machine", "cores", &bad);
	d->pus = (int)rj_int(c, mach, "machine", "pus", &bad);
	d->pin = rj_str(c, place, "placement", "pin", &bad);
	d->membind = rj_str(c, place, "placement", "membind", &bad);
	return !bad && rj_configs(c, root, d);
}

/* Fields of a Google Benchmark entry that are not user counters. */
static const char *const rj_entry_fields[] = {
	"name", "family_index", "per_family_instance_index", "run_name",
	"run_type", "repetitions", "repetition_index", "threads",
	"iterations", "real_time", "cpu_time", "time_unit", "aggregate_name",
	"aggregate_unit", "error_occurred", "error_message", "label",
	"gomem_config", "gomem_config_label",
};

static bool rj_is_entry_field(const char *key)
{
	for (size_t i = 0; i < sizeof rj_entry_fields / sizeof *rj_entry_fields;
	     i++)
		if (strcmp(key, rj_entry_fields[i]) == 0)
			return true;
	return false;
}

/* Nanoseconds per `unit`, or 0 for a unit Google Benchmark never writes. */
static double rj_unit_ns(const char *unit)
{
	static const struct { const char *name; double ns; } units[] = {
		{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
	};
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (strcmp(unit, units[i].name) == 0)
			return units[i].ns;
	return 0;
}

static double rj_number(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The user counters of entry o (numeric fields not known above). */
static bool rj_counters(rj_ctx *c, const json_t *o, gmb_results_bench *b)
{
	const char *key;
	json_t *v;
	size_t n = 0;
	json_object_foreach((json_t *)o, key, v)
		n += !rj_is_entry_field(key) && (json_is_number(v) || json_is_null(v));
	b->counters = n ? calloc(n, sizeof *b->counters) : NULL;
	if (n && b->counters == NULL)
		return gmb_errf(c->err, c->errlen, "%s: out of memory", c->file),
		       false;
	json_object_foreach((json_t *)o, key, v) {
		if (rj_is_entry_field(key) || !(json_is_number(v) || json_is_null(v)))
			continue;
		b->counters[b->ncounters].name = key;
		b->counters[b->ncounters++].value = rj_number(v);
	}
	return true;
}

/* real_time and cpu_time, in ns unless a ratio; false after a message. */
static bool rj_times(rj_ctx *c, const json_t *o, const char *where,
		     gmb_results_bench *b, bool *bad)
{
	bool need = !b->error;
	json_t *rt = rj_get(c, o, where, "real_time", RJ_NUM, need, bad);
	json_t *ct = rj_get(c, o, where, "cpu_time", RJ_NUM, need, bad);
	double scale = 1;
	if (b->is_time && rt != NULL && !*bad) {
		const char *unit = rj_str(c, o, where, "time_unit", bad);
		scale = rj_unit_ns(unit);
		if (!*bad && scale == 0) {
			gmb_errf(c->err, c->errlen, "%s: %s.time_unit is \"%s\", "
			       "not ns, us, ms or s", c->file, where, unit);
			*bad = true;
		}
	}
	b->real_ns = rj_number(rt) * scale;
	b->cpu_ns = rj_number(ct) * scale;
	return !*bad;
}

/* benchmarks[i] into *b; false after a message. */
static bool rj_entry(rj_ctx *c, const json_t *o, size_t i, size_t nconfigs,
		     gmb_results_bench *b)
{
	char where[48];
	bool bad = false;
	snprintf(where, sizeof where, "benchmarks[%zu]", i);
	if (!json_is_object(o))
		return gmb_errf(c->err, c->errlen, "%s: %s is not an object",
			      c->file, where), false;
	b->name = rj_str(c, o, where, "name", &bad);
	json_t *v = rj_get(c, o, where, "run_name", RJ_STR, false, &bad);
	b->run_name = v != NULL ? json_string_value(v) : b->name;
	v = rj_get(c, o, where, "run_type", RJ_STR, false, &bad);
	b->aggregate = v != NULL && strcmp(json_string_value(v), "aggregate") == 0;
	b->aggregate_name = b->aggregate ? rj_str(c, o, where, "aggregate_name", &bad) : "";
	v = rj_get(c, o, where, "aggregate_unit", RJ_STR, false, &bad);
	b->is_time = v == NULL || strcmp(json_string_value(v), "time") == 0;
	b->config = (int)rj_int(c, o, where, "gomem_config", &bad);
	b->threads = (int)rj_int(c, o, where, "threads", &bad);
	b->repetitions = rj_int(c, o, where, "repetitions", &bad);
	v = rj_get(c, o, where, "repetition_index", RJ_INT, false, &bad);
	b->repetition_index = v != NULL && !b->aggregate ? json_integer_value(v) : -1;
	v = rj_get(c, o, where, "error_occurred", RJ_BOOL, false, &bad);
	b->error = v != NULL && json_is_true(v);
	v = rj_get(c, o, where, "error_message", RJ_STR, false, &bad);
	b->error_message = v != NULL ? json_string_value(v) : "";
	v = rj_get(c, o, where, "iterations", RJ_INT, !b->error, &bad);
	b->iterations = v != NULL ? json_integer_value(v) : 0;
	if (!bad && (b->config < 0 || (size_t)b->config >= nconfigs))
		return gmb_errf(c->err, c->errlen, "%s: %s.gomem_config is %d, "
			      "but context.json has %zu configuration%s",
			      c->file, where, b->config, nconfigs,
			      nconfigs == 1 ? "" : "s"), false;
	return !bad && rj_times(c, o, where, b, &bad) && rj_counters(c, o, b);
}

/* bench.json's entries; false after a message. */
static bool rj_benches(rj_ctx *c, const json_t *root, gmb_results_data *d)
{
	bool bad = false;
	if (!json_is_object(root))
		return gmb_errf(c->err, c->errlen, "%s: the top level is not a "
			      "JSON object", c->file), false;
	json_t *a = rj_get(c, root, "", "benchmarks", RJ_ARR, true, &bad);
	if (bad)
		return false;
	d->nbenches = json_array_size(a);
	d->benches = calloc(d->nbenches ? d->nbenches : 1, sizeof *d->benches);
	if (d->benches == NULL)
		return gmb_errf(c->err, c->errlen, "%s: out of memory", c->file),
		       false;
	for (size_t i = 0; i < d->nbenches; i++)
		if (!rj_entry(c, json_array_get(a, i), i, d->nconfigs,
			      &d->benches[i]))
			return false;
	return true;
}

/* DIR/name into buf; false after a message when it does not fit. */
static bool rj_path(char *buf, size_t n, const char *dir, const char *name,
		    char *err, size_t errlen)
{
	int k = snprintf(buf, n, "%s/%s", dir, name);
	if (k < 0 || (size_t)k >= n)
		return gmb_errf(err, errlen, "%s: path too long", dir), false;
	return true;
}

int gmb_results_load(const char *dir, gmb_results_data *d, char *err,
		     size_t errlen)
{
	char ctx_path[4096], bench_path[4096];
	memset(d, 0, sizeof *d);
	if (!rj_path(ctx_path, sizeof ctx_path, dir, GMB_RESULTS_CONTEXT, err,
		     errlen) ||
	    !rj_path(bench_path, sizeof bench_path, dir, GMB_RESULTS_BENCH,
		     err, errlen))
		return -1;
	rj_ctx cc = {ctx_path, err, errlen}, bc = {bench_path, err, errlen};
	d->dir = strdup(dir);
	bool ok = d->dir != NULL &&
		  (d->context_json = rj_load(ctx_path, err, errlen)) != NULL &&
		  rj_context(&cc, d->context_json, d) &&
		  (d->bench_json = rj_load(bench_path, err, errlen)) != NULL &&
		  rj_benches(&bc, d->bench_json, d);
	if (ok)
		return 0;
	if (d->dir == NULL)
		gmb_errf(err, errlen, "%s: out of memory", dir);
	gmb_results_free(d);
	return -1;
}

void gmb_results_free(gmb_results_data *d)
{
	for (size_t i = 0; d->benches != NULL && i < d->nbenches; i++)
		free(d->benches[i].counters);
	free(d->benches);
	free(d->configs);
	free(d->dir);
	json_decref(d->context_json);
	json_decref(d->bench_json);
	memset(d, 0, sizeof *d);
}

const gmb_results_bench *gmb_results_find(const gmb_results_data *d,
					  const char *run_name, int config,
					  const char *aggregate)
{
	for (size_t i = 0; i < d->nbenches; i++) {
		const gmb_results_bench *b = &d->benches[i];
		if (b->config == config && strcmp(b->run_name, run_name) == 0 &&
		    strcmp(b->aggregate_name, aggregate) == 0)
			return b;
	}
	return NULL;
}

const gmb_results_config *gmb_results_config_by_label(
	const gmb_results_data *d, const char *label)
{
	for (size_t i = 0; i < d->nconfigs; i++)
		if (strcmp(d->configs[i].label, label) == 0)
			return &d->configs[i];
	return NULL;
}
