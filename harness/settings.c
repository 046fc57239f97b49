/*
 * settings.c — parsing the settings flags of `gomem-bench run`, expanding
 * them into configurations, and a configuration's text form (settings.h).
 *
 * Owns no state: everything is a function of its arguments, so that
 * tests/test_settings.c drives it directly.
 *
 * 1. gmb_settings_parse: one flag.  The flag table below gives, per flag,
 *    the value parser (GOGC and GOMEMLIMIT values go through the library's
 *    own gm_parse_gogc / gm_parse_memlimit, so the syntax is exactly Go's)
 *    and the sentence saying what is accepted.  Each value is parsed to an
 *    int64 key, which is what duplicates are checked on ("off" and "-1"
 *    are the same GOGC) and what is stored.
 * 2. gmb_settings_expand: the cross product, as nested counters (an
 *    odometer) with gogc the slowest digit and idle_mark the fastest.
 * 3. gmb_config_format / gmb_config_parse: "key=value,..." both ways; the
 *    parser takes the same value syntax as the flags.  idle_mark=off is
 *    left out of a complete configuration's text, and read back into one
 *    that lacks it (settings.h), so that labels written before the
 *    setting existed still name their configuration.
 */
#include "harness/errf.h"
#include "harness/settings.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of --procs and --threads: 1024, far above any machine this runs
 * on, low enough that a typo (10000) is caught rather than started. */
#define SETTINGS_MAX_COUNT 1024

enum { F_GOGC, F_MEMLIMIT, F_COLLECTOR, F_PROCS, F_THREADS, F_IDLE_MARK,
       F_COUNT };

typedef int (*settings_value_fn)(const char *v, int64_t *key);

typedef struct settings_flag {
	const char *name;       /* flag without "--" */
	const char *key;        /* in the configuration text */
	settings_value_fn parse;
	const char *accepted;   /* completes "--NAME takes ..." */
} settings_flag;

static int settings_value_gogc(const char *v, int64_t *key)
{
	int pct;
	if (gm_parse_gogc(v, &pct) != GM_OK)
		return -1;
	*key = pct;
	return 0;
}

static int settings_value_memlimit(const char *v, int64_t *key)
{
	return gm_parse_memlimit(v, key) == GM_OK ? 0 : -1;
}

static int settings_value_collector(const char *v, int64_t *key)
{
	gm_collector c;
	if (gmb_collector_parse(v, &c) != 0)
		return -1;
	*key = (int64_t)c;
	return 0;
}

/* A decimal integer in [lo, SETTINGS_MAX_COUNT], digits only. */
static int settings_value_count(const char *v, int64_t lo, int64_t *key)
{
	int64_t n = 0;
	if (*v == '\0')
		return -1;
	for (const char *p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
		if (n > SETTINGS_MAX_COUNT)
			return -1;
	}
	if (n < lo)
		return -1;
	*key = n;
	return 0;
}

static int settings_value_procs(const char *v, int64_t *key)
{
	return settings_value_count(v, 0, key);
}

static int settings_value_threads(const char *v, int64_t *key)
{
	if (strcmp(v, "all") == 0) { /* the config text's "as registered" */
		*key = 0;
		return 0;
	}
	return settings_value_count(v, 1, key);
}

static int settings_value_idle_mark(const char *v, int64_t *key)
{
	if (strcmp(v, "off") != 0 && strcmp(v, "on") != 0)
		return -1;
	*key = strcmp(v, "on") == 0;
	return 0;
}

static const settings_flag settings_flags[F_COUNT] = {
	[F_GOGC] = {"gogc", "gogc", settings_value_gogc,
		    "GOGC values: percentages (integers such as 100) or off"},
	[F_MEMLIMIT] = {"memlimit", "memlimit", settings_value_memlimit,
			"GOMEMLIMIT values: byte counts with an optional B, "
			"KiB, MiB, GiB or TiB suffix (e.g. 512MiB), or off"},
	[F_COLLECTOR] = {"collector", "collector", settings_value_collector,
			 "collector names: stw, dijkstra, yuasa, hybrid"},
	[F_PROCS] = {"procs", "procs", settings_value_procs,
		     "integers from 0 (online CPUs) to 1024"},
	[F_THREADS] = {"threads", "threads", settings_value_threads,
		       "thread counts: integers from 1 to 1024"},
	[F_IDLE_MARK] = {"idle-mark", "idle_mark", settings_value_idle_mark,
			 "off (no idle mark workers) or on (Go's idle mark "
			 "workers, as Go always runs them)"},
};

/* The flag `arg` names ("--NAME" or "--NAME=..."), or -1. */
static int settings_flag_of(const char *arg)
{
	if (strncmp(arg, "--", 2) != 0)
		return -1;
	for (int f = 0; f < F_COUNT; f++) {
		size_t n = strlen(settings_flags[f].name);
		if (strncmp(arg + 2, settings_flags[f].name, n) == 0 &&
		    (arg[2 + n] == '\0' || arg[2 + n] == '='))
			return f;
	}
	return -1;
}

bool gmb_settings_is_flag(const char *arg)
{
	return settings_flag_of(arg) >= 0;
}

static size_t *settings_len(gmb_settings *s, int f)
{
	size_t *lens[F_COUNT] = {&s->ngogc, &s->nmemlimit, &s->ncollector,
				 &s->nprocs, &s->nthreads, &s->nidle_mark};
	return lens[f];
}

static size_t settings_len_c(const gmb_settings *s, int f)
{
	return *settings_len((gmb_settings *)s, f);
}

static int64_t settings_get(const gmb_settings *s, int f, size_t i)
{
	switch (f) {
	case F_GOGC: return s->gogc[i];
	case F_MEMLIMIT: return s->memlimit[i];
	case F_COLLECTOR: return (int64_t)s->collector[i];
	case F_PROCS: return s->procs[i];
	case F_THREADS: return s->threads[i];
	default: return s->idle_mark[i];
	}
}

static void settings_put(gmb_settings *s, int f, size_t i, int64_t key)
{
	switch (f) {
	case F_GOGC: s->gogc[i] = (int)key; break;
	case F_MEMLIMIT: s->memlimit[i] = key; break;
	case F_COLLECTOR: s->collector[i] = (gm_collector)key; break;
	case F_PROCS: s->procs[i] = (int)key; break;
	case F_THREADS: s->threads[i] = (int)key; break;
	default: s->idle_mark[i] = (int)key; break;
	}
}

/* Parse and append one list element `v`; 0 or -1 with a message. */
static int settings_add_value(gmb_settings *s, int f, const char *flag,
			      const char *v, char *err, size_t errlen)
{
	const settings_flag *d = &settings_flags[f];
	size_t *n = settings_len(s, f);
	int64_t key;
	if (*v == '\0')
		return gmb_errf(err, errlen, "%s: an empty value in the "
				    "list; --%s takes %s, comma separated",
				    flag, d->name, d->accepted);
	if (d->parse(v, &key) != 0 || (f == F_THREADS && key == 0))
		return gmb_errf(err, errlen, "%s: '%s' is not accepted; "
				    "--%s takes %s, comma separated", flag, v,
				    d->name, d->accepted);
	for (size_t i = 0; i < *n; i++)
		if (settings_get(s, f, i) == key)
			return gmb_errf(err, errlen, "%s: '%s' repeats an "
					    "earlier value of --%s", flag, v,
					    d->name);
	if (*n == GMB_SETTINGS_MAX_VALUES)
		return gmb_errf(err, errlen, "%s: more than %d values",
				    flag, GMB_SETTINGS_MAX_VALUES);
	settings_put(s, f, (*n)++, key);
	return 0;
}

int gmb_settings_parse(gmb_settings *s, const char *arg, const char *value,
		       char *err, size_t errlen)
{
	int f = settings_flag_of(arg);
	if (f < 0)
		return gmb_errf(err, errlen, "'%s' is not a settings flag",
				    arg);
	const settings_flag *d = &settings_flags[f];
	const char *eq = strchr(arg, '=');
	const char *list = eq != NULL ? eq + 1 : value;
	if (*settings_len(s, f) > 0)
		return gmb_errf(err, errlen, "--%s is given twice; give "
				    "all its values in one comma-separated "
				    "list", d->name);
	if (list == NULL || *list == '\0')
		return gmb_errf(err, errlen, "--%s needs a value: %s, "
				    "comma separated", d->name, d->accepted);
	char flag[320];
	snprintf(flag, sizeof flag, "--%s=%s", d->name, list);
	char buf[4096];
	if (strlen(list) >= sizeof buf)
		return gmb_errf(err, errlen, "--%s: the list is too long",
				    d->name);
	strcpy(buf, list);
	char *p = buf;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (settings_add_value(s, f, flag, p, err, errlen) != 0) {
			*settings_len(s, f) = 0;
			return -1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

size_t gmb_settings_count(const gmb_settings *s)
{
	size_t total = 1;
	for (int f = 0; f < F_COUNT; f++) {
		size_t n = settings_len_c(s, f);
		if (n > 0)
			total = total > SIZE_MAX / n ? SIZE_MAX : total * n;
	}
	return total;
}

static const unsigned settings_bits[F_COUNT] = {
	GMB_SET_GOGC, GMB_SET_MEMLIMIT, GMB_SET_COLLECTOR, GMB_SET_PROCS,
	GMB_SET_THREADS, GMB_SET_IDLE_MARK,
};

/* Set field f of c to the key v. */
static void config_set_field(gmb_config *c, int f, int64_t v)
{
	c->set |= settings_bits[f];
	switch (f) {
	case F_GOGC: c->gogc = (int)v; break;
	case F_MEMLIMIT: c->memlimit = v; break;
	case F_COLLECTOR: c->collector = (gm_collector)v; break;
	case F_PROCS: c->procs = (int)v; break;
	case F_THREADS: c->threads = (int)v; break;
	default: c->idle_mark = (int)v; break;
	}
}

/* The configuration at odometer position digit[]. */
static void settings_config_at(const gmb_settings *s, const size_t *digit,
			       gmb_config *c)
{
	memset(c, 0, sizeof *c);
	for (int f = 0; f < F_COUNT; f++)
		if (settings_len_c(s, f) > 0)
			config_set_field(c, f, settings_get(s, f, digit[f]));
}

/* Advance the odometer; the last flag is the fastest digit. */
static void settings_advance(const gmb_settings *s, size_t *digit)
{
	for (int f = F_COUNT - 1; f >= 0; f--) {
		size_t n = settings_len_c(s, f);
		if (n == 0)
			continue;
		if (++digit[f] < n)
			return;
		digit[f] = 0;
	}
}

size_t gmb_settings_expand(const gmb_settings *s, gmb_config *out, size_t max)
{
	size_t count = gmb_settings_count(s);
	size_t digit[F_COUNT] = {0};
	if (count > max)
		return 0;
	for (size_t i = 0; i < count; i++) {
		settings_config_at(s, digit, &out[i]);
		settings_advance(s, digit);
	}
	return count;
}

void gmb_config_resolve(gmb_config *c, const gm_config *env)
{
	if (!(c->set & GMB_SET_GOGC))
		c->gogc = env->gc_percent;
	if (!(c->set & GMB_SET_MEMLIMIT))
		c->memlimit = env->memory_limit;
	if (!(c->set & GMB_SET_COLLECTOR))
		c->collector = env->collector;
	if (!(c->set & GMB_SET_PROCS))
		c->procs = env->procs;
	if (!(c->set & GMB_SET_THREADS))
		c->threads = 0;
	if (!(c->set & GMB_SET_IDLE_MARK))
		c->idle_mark = env->idle_mark != 0;
	c->set = GMB_SET_ALL;
}

void gmb_config_apply(const gmb_config *c, gm_config *cfg)
{
	if (c->set & GMB_SET_GOGC) {
		cfg->gc_percent = c->gogc;
		if (cfg->env_error == GM_EGOGC)
			cfg->env_error = GM_OK;
	}
	if (c->set & GMB_SET_MEMLIMIT) {
		cfg->memory_limit = c->memlimit;
		if (cfg->env_error == GM_EGOMEMLIMIT)
			cfg->env_error = GM_OK;
	}
	if (c->set & GMB_SET_COLLECTOR)
		cfg->collector = c->collector;
	if (c->set & GMB_SET_PROCS)
		cfg->procs = c->procs;
	if (c->set & GMB_SET_IDLE_MARK) {
		cfg->idle_mark = c->idle_mark;
		if (cfg->env_error == GM_EIDLEMARK)
			cfg->env_error = GM_OK;
	}
	if (cfg->env_error == GM_OK)
		cfg->env_detail[0] = '\0';
}

void gmb_memlimit_format(int64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = {"TiB", "GiB", "MiB", "KiB"};
	if (bytes == GM_MEMLIMIT_OFF) {
		snprintf(buf, n, "off");
		return;
	}
	for (int u = 0; u < 4; u++) {
		int64_t m = (int64_t)1 << (10 * (4 - u));
		if (bytes > 0 && bytes % m == 0) {
			snprintf(buf, n, "%lld%s", (long long)(bytes / m),
				 units[u]);
			return;
		}
	}
	snprintf(buf, n, "%lld", (long long)bytes);
}

/* The text of field f of c (which must be set). */
static void config_field_text(const gmb_config *c, int f, char *buf, size_t n)
{
	switch (f) {
	case F_GOGC:
		if (c->gogc == GM_GOGC_OFF)
			snprintf(buf, n, "off");
		else
			snprintf(buf, n, "%d", c->gogc);
		break;
	case F_MEMLIMIT:
		gmb_memlimit_format(c->memlimit, buf, n);
		break;
	case F_COLLECTOR: {
		const char *name = gmb_collector_name(c->collector);
		snprintf(buf, n, "%s", name != NULL ? name : "unknown");
		break;
	}
	case F_PROCS:
		snprintf(buf, n, "%d", c->procs);
		break;
	case F_IDLE_MARK:
		snprintf(buf, n, "%s", c->idle_mark ? "on" : "off");
		break;
	default:
		if (c->threads == 0)
			snprintf(buf, n, "all");
		else
			snprintf(buf, n, "%d", c->threads);
		break;
	}
}

/* The fields other than idle_mark: all of them make a text complete. */
#define SETTINGS_SET_FIVE (GMB_SET_ALL & ~GMB_SET_IDLE_MARK)

int gmb_config_format(const gmb_config *c, char *buf, size_t n)
{
	size_t used = 0;
	if (n == 0)
		return -1;
	buf[0] = '\0';
	for (int f = 0; f < F_COUNT; f++) {
		if (!(c->set & settings_bits[f]))
			continue;
		if (f == F_IDLE_MARK && c->set == GMB_SET_ALL && !c->idle_mark)
			continue; /* a complete label reads as before idle_mark */
		char v[64];
		config_field_text(c, f, v, sizeof v);
		int k = snprintf(buf + used, n - used, "%s%s=%s",
				 used ? "," : "", settings_flags[f].key, v);
		if (k < 0 || (size_t)k >= n - used)
			return -1;
		used += (size_t)k;
	}
	return (int)used;
}

/* One "key=value" of a configuration text into c; 0 or -1. */
static int config_parse_field(char *field, gmb_config *c, const char *text,
			      char *err, size_t errlen)
{
	char *eq = strchr(field, '=');
	int f = -1;
	if (eq != NULL) {
		*eq = '\0';
		for (int i = 0; i < F_COUNT && f < 0; i++)
			if (strcmp(field, settings_flags[i].key) == 0)
				f = i;
	}
	if (f < 0)
		return gmb_errf(err, errlen, "configuration '%s': '%s' is "
				    "not key=value with a key among gogc, "
				    "memlimit, collector, procs, threads, "
				    "idle_mark", text, field);
	if (c->set & settings_bits[f])
		return gmb_errf(err, errlen, "configuration '%s': %s is "
				    "given twice", text, field);
	int64_t key;
	if (settings_flags[f].parse(eq + 1, &key) != 0)
		return gmb_errf(err, errlen, "configuration '%s': %s='%s' "
				    "is not accepted; %s takes %s", text, field,
				    eq + 1, field, settings_flags[f].accepted);
	config_set_field(c, f, key);
	return 0;
}

int gmb_config_parse(const char *text, gmb_config *c, char *err,
		     size_t errlen)
{
	char buf[GMB_CONFIG_TEXT_MAX * 2];
	memset(c, 0, sizeof *c);
	if (strlen(text) >= sizeof buf)
		return gmb_errf(err, errlen, "configuration text is too "
				    "long (%zu bytes)", strlen(text));
	strcpy(buf, text);
	if (buf[0] == '\0')
		return 0; /* nothing set: the environment's configuration */
	for (char *p = buf; p != NULL;) {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (config_parse_field(p, c, text, err, errlen) != 0)
			return -1;
		p = comma != NULL ? comma + 1 : NULL;
	}
	if (c->set == SETTINGS_SET_FIVE) /* complete: see gmb_config_format */
		config_set_field(c, F_IDLE_MARK, 0);
	return 0;
}

bool gmb_config_equal(const gmb_config *a, const gmb_config *b)
{
	if (a->set != b->set)
		return false;
	return (!(a->set & GMB_SET_GOGC) || a->gogc == b->gogc) &&
	       (!(a->set & GMB_SET_MEMLIMIT) || a->memlimit == b->memlimit) &&
	       (!(a->set & GMB_SET_COLLECTOR) || a->collector == b->collector) &&
	       (!(a->set & GMB_SET_PROCS) || a->procs == b->procs) &&
	       (!(a->set & GMB_SET_THREADS) || a->threads == b->threads) &&
	       (!(a->set & GMB_SET_IDLE_MARK) || a->idle_mark == b->idle_mark);
}

bool gmb_config_peer_equal(const gmb_config *a, const gmb_config *b)
{
	gmb_config x = *a, y = *b;
	x.collector = y.collector = GM_HYBRID;
	x.idle_mark = y.idle_mark = 0;
	return gmb_config_equal(&x, &y);
}

size_t gmb_config_peer_twin(const gmb_config *configs, size_t i)
{
	size_t k = 0;
	while (k < i && !gmb_config_peer_equal(&configs[k], &configs[i]))
		k++;
	return k;
}

static const char *const collector_names[] = {
	[GM_HYBRID] = "hybrid",
	[GM_STW] = "stw",
	[GM_DIJKSTRA] = "dijkstra",
	[GM_YUASA] = "yuasa",
};

const char *gmb_collector_name(gm_collector c)
{
	if ((unsigned)c >= sizeof collector_names / sizeof *collector_names)
		return NULL;
	return collector_names[c];
}

int gmb_collector_parse(const char *name, gm_collector *out)
{
	for (size_t i = 0; i < sizeof collector_names / sizeof *collector_names;
	     i++) {
		if (strcmp(name, collector_names[i]) == 0) {
			*out = (gm_collector)i;
			return 0;
		}
	}
	return -1;
}
