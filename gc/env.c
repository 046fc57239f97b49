/*
 * env.c — reading GOGC, GOMEMLIMIT and GODEBUG as Go reads them
 * (mgcpacer.go readGOGC and readGOMEMLIMIT, string.go parseByteCount,
 * runtime1.go parsedebugvars), and gomem's own GOMEM_COLLECTOR and
 * GOMEM_IDLE_MARK.
 *
 * Where Go differs: Go quietly falls back to GOGC=100 on a malformed GOGC
 * and ignores malformed GODEBUG values; gomem refuses them at gm_init with
 * a message naming the value, so that a typo in a benchmark setting never
 * measures the wrong thing.  A malformed GOMEMLIMIT is fatal in Go too.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"

/* digits only, no sign, fits in int64; false otherwise */
static bool env_atoi64(const char *s, size_t len, int64_t *out)
{
	if (len == 0)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (n > ((uint64_t)INT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*out = (int64_t)n;
	return true;
}

int gm_parse_gogc(const char *s, int *pct)
{
	if (strcmp(s, "off") == 0) {
		*pct = GM_GOGC_OFF;
		return GM_OK;
	}
	bool neg = s[0] == '-';
	int64_t n;
	/* the range of Go's atoi32: -2^31 .. 2^31-1 */
	if (!env_atoi64(s + neg, strlen(s + neg), &n) ||
	    n > (neg ? (int64_t)INT32_MAX + 1 : (int64_t)INT32_MAX))
		return GM_EGOGC;
	/* a negative percentage turns the collector off, as in Go ("-0" is 0) */
	*pct = neg && n > 0 ? GM_GOGC_OFF : (int)n;
	return GM_OK;
}

/* Go's parseByteCount: ^[0-9]+(([KMGT]i)?B)?$ */
int gm_parse_memlimit(const char *s, int64_t *bytes)
{
	if (strcmp(s, "off") == 0) {
		*bytes = GM_MEMLIMIT_OFF;
		return GM_OK;
	}
	size_t len = strlen(s), digits = len;
	uint64_t mult = 1;
	if (len >= 1 && s[len - 1] == 'B') {
		digits = len - 1;
		if (len >= 4 && s[len - 2] == 'i') {
			const char *units = "KMGT";
			const char *u = strchr(units, s[len - 3]);
			if (u == NULL || s[len - 3] == '\0')
				return GM_EGOMEMLIMIT;
			for (long i = 0; i <= u - units; i++)
				mult *= 1024;
			digits = len - 3;
		}
	}
	int64_t n;
	if (!env_atoi64(s, digits, &n))
		return GM_EGOMEMLIMIT;
	if ((uint64_t)n > (uint64_t)INT64_MAX / mult)
		return GM_EGOMEMLIMIT;
	*bytes = (int64_t)((uint64_t)n * mult);
	return GM_OK;
}

/* the value of key=N in one GODEBUG item p[0, len): 1 and *out set when it
 * is that key, 0 when it is another key, -1 when the number is malformed */
static int env_godebug_int(const char *p, size_t len, const char *key, int *out)
{
	size_t k = strlen(key);
	if (len < k + 1 || strncmp(p, key, k) != 0 || p[k] != '=')
		return 0;
	int64_t n;
	if (len == k + 1 || !env_atoi64(p + k + 1, len - k - 1, &n) || n > INT32_MAX)
		return -1;
	*out = (int)n;
	return 1;
}

/* gctrace=N and gccheckmark=N out of a GODEBUG list "k=v,k=v"; GM_OK when
 * absent; other keys are ignored, as Go ignores them */
static int env_parse_godebug(const char *godebug, gm_config *cfg)
{
	const char *p = godebug;
	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (env_godebug_int(p, len, "gctrace", &cfg->gctrace) < 0 ||
		    env_godebug_int(p, len, "gccheckmark", &cfg->gccheckmark) < 0)
			return GM_EGODEBUG;
		p = end ? end + 1 : NULL;
	}
	return GM_OK;
}

int gm_parse_collector(const char *s, gm_collector *c)
{
	static const struct { const char *name; gm_collector c; } names[] = {
		{ "hybrid", GM_HYBRID }, { "stw", GM_STW },
		{ "dijkstra", GM_DIJKSTRA }, { "yuasa", GM_YUASA },
	};
	for (size_t i = 0; s != NULL && i < sizeof names / sizeof *names; i++)
		if (strcmp(s, names[i].name) == 0) {
			*c = names[i].c;
			return GM_OK;
		}
	return GM_ECOLLECTOR;
}

int gm_parse_idle_mark(const char *s, int *on)
{
	static const struct { const char *name; int on; } names[] = {
		{ "0", 0 }, { "off", 0 }, { "1", 1 }, { "on", 1 },
	};
	for (size_t i = 0; s != NULL && i < sizeof names / sizeof *names; i++)
		if (strcmp(s, names[i].name) == 0) {
			*on = names[i].on;
			return GM_OK;
		}
	return GM_EIDLEMARK;
}

/* note the first malformed variable in cfg */
static void env_record_error(gm_config *cfg, int err, const char *name, const char *v)
{
	if (cfg->env_error != GM_OK)
		return;
	cfg->env_error = err;
	snprintf(cfg->env_detail, sizeof cfg->env_detail, "%s=%s", name, v);
}

void gm_config_default(gm_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->gc_percent = 100; /* readGOGC's default */
	cfg->memory_limit = GM_MEMLIMIT_OFF;
	cfg->collector = GM_HYBRID;
	cfg->on_oom = GM_OOM_ABORT;
	const char *v = getenv("GOGC");
	if (v != NULL && *v != '\0' && gm_parse_gogc(v, &cfg->gc_percent) != GM_OK)
		env_record_error(cfg, GM_EGOGC, "GOGC", v);
	v = getenv("GOMEMLIMIT");
	if (v != NULL && *v != '\0' && gm_parse_memlimit(v, &cfg->memory_limit) != GM_OK)
		env_record_error(cfg, GM_EGOMEMLIMIT, "GOMEMLIMIT", v);
	v = getenv("GODEBUG");
	if (v != NULL && env_parse_godebug(v, cfg) != GM_OK)
		env_record_error(cfg, GM_EGODEBUG, "GODEBUG", v);
	v = getenv("GOMEM_COLLECTOR");
	if (v != NULL && *v != '\0' && gm_parse_collector(v, &cfg->collector) != GM_OK)
		env_record_error(cfg, GM_ECOLLECTOR, "GOMEM_COLLECTOR", v);
	v = getenv("GOMEM_IDLE_MARK");
	if (v != NULL && *v != '\0' && gm_parse_idle_mark(v, &cfg->idle_mark) != GM_OK)
		env_record_error(cfg, GM_EIDLEMARK, "GOMEM_IDLE_MARK", v);
}
