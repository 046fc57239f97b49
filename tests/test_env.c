/*
 * test_env.c — Check suite "env": configuration from the environment
 * (gc/env.c: GOGC, GOMEMLIMIT, GODEBUG=gctrace as Go reads them, and
 * gomem's own GOMEM_COLLECTOR and GOMEM_IDLE_MARK) and the
 * errors of gm_init, gm_thread_attach and gm_strerror (gc/init.c,
 * gc/proc.c).
 *
 * Expected values come from Go: readGOGC (mgcpacer.go, atoi32 then
 * setGCPercent turning any negative value into "off"), parseByteCount
 * (string.go: ^[0-9]+(([KMGT]i)?B)?$, the result at most math.MaxInt64),
 * and gomem's stricter rule that a malformed GOGC or GODEBUG gctrace is
 * refused rather than ignored.
 *
 * Check runs every test in a forked child, so the environment a test sets
 * and the library state it leaves do not reach the next test; each test
 * still unsets what it set and shuts down what it initialised.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"

/* the variables gm_config_default reads, cleared before each test */
static void env_clear(void)
{
	unsetenv("GOGC");
	unsetenv("GOMEMLIMIT");
	unsetenv("GODEBUG");
	unsetenv("GOMEM_COLLECTOR");
	unsetenv("GOMEM_IDLE_MARK");
}

static void assert_contains(const char *text, const char *want)
{
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, want) != NULL, "\"%s\" does not contain \"%s\"",
		      text, want);
}

/* ---- gm_parse_gogc ------------------------------------------------------ */

static const struct {
	const char *in;
	int want;
} gogc_ok[] = {
	{ "100", 100 },
	{ "0", 0 },
	{ "1", 1 },
	{ "50", 50 },
	{ "2147483647", INT32_MAX },   /* the largest int32, as atoi32 */
	{ "off", GM_GOGC_OFF },
	{ "-1", GM_GOGC_OFF },          /* setGCPercent: negative means off */
	{ "-200", GM_GOGC_OFF },
};

START_TEST(gogc_valid)
{
	int pct = 12345;
	ck_assert_int_eq(gm_parse_gogc(gogc_ok[_i].in, &pct), GM_OK);
	ck_assert_msg(pct == gogc_ok[_i].want, "GOGC=%s gave %d, want %d",
		      gogc_ok[_i].in, pct, gogc_ok[_i].want);
}
END_TEST

static const char *const gogc_bad[] = {
	"abc", "", "10x", " 100", "100 ", "99999999999", "2147483648",
	"+100", "-", "Off", "OFF", "1e3", "0x10", "10%",
};

START_TEST(gogc_malformed)
{
	int pct = 12345;
	ck_assert_msg(gm_parse_gogc(gogc_bad[_i], &pct) == GM_EGOGC,
		      "GOGC=\"%s\" was accepted (pct %d)", gogc_bad[_i], pct);
	ck_assert_int_eq(pct, 12345); /* left alone on error */
}
END_TEST

/* Go's atoi32("-0") is 0, and readGOGC returns it: GOGC=-0 is 0 (collect
 * all the time), not off. */
START_TEST(gogc_negative_zero_is_zero)
{
	int pct = 12345;
	ck_assert_int_eq(gm_parse_gogc("-0", &pct), GM_OK);
	ck_assert_int_eq(pct, 0);
}
END_TEST

/* ---- gm_parse_memlimit -------------------------------------------------- */

static const struct {
	const char *in;
	int64_t want;
} memlimit_ok[] = {
	{ "0", 0 },
	{ "1024", 1024 },
	{ "1024B", 1024 },
	{ "0B", 0 },
	{ "0KiB", 0 },
	{ "512KiB", 524288 },
	{ "64MiB", 67108864 },
	{ "1GiB", 1073741824 },
	{ "2TiB", 2199023255552 },
	{ "007MiB", 7340032 },                    /* leading zeros are digits */
	{ "9223372036854775807", INT64_MAX },     /* the largest value */
	{ "9223372036854775807B", INT64_MAX },
	{ "8589934591GiB", INT64_MAX - 1073741823 }, /* (2^33-1) * 2^30 */
	{ "8388607TiB", INT64_MAX - 1099511627775 }, /* (2^23-1) * 2^40 */
	{ "off", GM_MEMLIMIT_OFF },
};

START_TEST(memlimit_valid)
{
	int64_t n = -12345;
	ck_assert_int_eq(gm_parse_memlimit(memlimit_ok[_i].in, &n), GM_OK);
	ck_assert_msg(n == memlimit_ok[_i].want, "GOMEMLIMIT=%s gave %lld, want %lld",
		      memlimit_ok[_i].in, (long long)n, (long long)memlimit_ok[_i].want);
}
END_TEST

static const char *const memlimit_bad[] = {
	"", "B", "KiB", "iB", "MiB", "1KB", "1kiB", "1KIB", "1Ki", "1K", "1MB",
	"1 MiB", " 1", "1 ", "-5", "-5B", "+5", "1.5GiB", "1MiBB", "1BB",
	"1PiB", "1EiB", "Off", "none", "1e9", "0x10",
	"9223372036854775808",     /* 2^63: overflows int64 */
	"9223372036854775808B",
	"99999999999999999999",    /* overflows uint64 too */
	"8589934592GiB",           /* 2^33 * 2^30 = 2^63 */
	"8388608TiB",              /* 2^23 * 2^40 = 2^63 */
	"9007199254740992KiB",     /* 2^53 * 2^10 = 2^63 */
	"18446744073709551616TiB", /* the count alone overflows */
};

START_TEST(memlimit_malformed)
{
	int64_t n = -12345;
	ck_assert_msg(gm_parse_memlimit(memlimit_bad[_i], &n) == GM_EGOMEMLIMIT,
		      "GOMEMLIMIT=\"%s\" was accepted (%lld)", memlimit_bad[_i],
		      (long long)n);
	ck_assert_int_eq(n, -12345); /* left alone on error */
}
END_TEST

/* ---- gm_config_default -------------------------------------------------- */

START_TEST(config_defaults_without_environment)
{
	env_clear();
	gm_config cfg;
	memset(&cfg, 0x5a, sizeof cfg); /* gm_config_default sets every field */
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.gc_percent, 100);
	ck_assert_int_eq(cfg.memory_limit, GM_MEMLIMIT_OFF);
	ck_assert_int_eq(cfg.procs, 0);
	ck_assert_int_eq(cfg.collector, GM_HYBRID);
	ck_assert_int_eq(cfg.gctrace, 0);
	ck_assert_int_eq(cfg.idle_mark, 0);
	ck_assert_int_eq(cfg.on_oom, GM_OOM_ABORT);
	ck_assert_ptr_null((void *)cfg.thread_start);
	ck_assert_ptr_null(cfg.thread_start_ctx);
	ck_assert_int_eq(cfg.env_error, GM_OK);
}
END_TEST

START_TEST(config_reads_environment)
{
	env_clear();
	setenv("GOGC", "250", 1);
	setenv("GOMEMLIMIT", "64MiB", 1);
	setenv("GODEBUG", "gctrace=1", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK);
	ck_assert_int_eq(cfg.gc_percent, 250);
	ck_assert_int_eq(cfg.memory_limit, 64 << 20);
	ck_assert_int_eq(cfg.gctrace, 1);
	env_clear();
}
END_TEST

START_TEST(config_off_values)
{
	env_clear();
	setenv("GOGC", "off", 1);
	setenv("GOMEMLIMIT", "off", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK);
	ck_assert_int_eq(cfg.gc_percent, GM_GOGC_OFF);
	ck_assert_int_eq(cfg.memory_limit, GM_MEMLIMIT_OFF);
	env_clear();
}
END_TEST

/* As Go: an empty GOGC or GOMEMLIMIT is the default, not an error. */
START_TEST(config_empty_values_are_defaults)
{
	env_clear();
	setenv("GOGC", "", 1);
	setenv("GOMEMLIMIT", "", 1);
	setenv("GODEBUG", "", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK);
	ck_assert_int_eq(cfg.gc_percent, 100);
	ck_assert_int_eq(cfg.memory_limit, GM_MEMLIMIT_OFF);
	ck_assert_int_eq(cfg.gctrace, 0);
	env_clear();
}
END_TEST

/* gctrace among other GODEBUG settings; settings gomem does not know and
 * names that merely end in "gctrace" are left alone. */
START_TEST(config_godebug_list)
{
	env_clear();
	setenv("GODEBUG", "madvdontneed=1,gctrace=2,xgctrace=zz,scavtrace=1", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK);
	ck_assert_int_eq(cfg.gctrace, 2);

	setenv("GODEBUG", "madvdontneed=1,gctracex=5", 1);
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK);
	ck_assert_int_eq(cfg.gctrace, 0);
	env_clear();
}
END_TEST

/* gccheckmark=N as Go's debug.gccheckmark, beside gctrace */
START_TEST(config_godebug_gccheckmark)
{
	env_clear();
	setenv("GODEBUG", "gctrace=1,gccheckmark=1", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK);
	ck_assert_int_eq(cfg.gccheckmark, 1);
	ck_assert_int_eq(cfg.gctrace, 1);
	static const char *const bad[] = { "gccheckmark=", "gccheckmark=yes", "gccheckmark=-1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("GODEBUG", bad[i], 1);
		gm_config_default(&cfg);
		ck_assert_msg(cfg.env_error == GM_EGODEBUG, "GODEBUG=%s: env_error %d",
			      bad[i], cfg.env_error);
	}
	env_clear();
}
END_TEST

/* GOMEM_COLLECTOR names a collector; anything else is refused by name */
START_TEST(config_collector)
{
	static const struct { const char *in; gm_collector want; } ok[] = {
		{ "hybrid", GM_HYBRID }, { "stw", GM_STW },
		{ "dijkstra", GM_DIJKSTRA }, { "yuasa", GM_YUASA },
	};
	env_clear();
	gm_config cfg;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		setenv("GOMEM_COLLECTOR", ok[i].in, 1);
		gm_config_default(&cfg);
		ck_assert_int_eq(cfg.env_error, GM_OK);
		ck_assert_int_eq(cfg.collector, ok[i].want);
	}
	static const char *const bad[] = { "Hybrid", "stw ", "cms", "1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gm_collector c = GM_YUASA;
		ck_assert_int_eq(gm_parse_collector(bad[i], &c), GM_ECOLLECTOR);
		ck_assert_int_eq(c, GM_YUASA);
	}
	setenv("GOMEM_COLLECTOR", "cms", 1);
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_ECOLLECTOR);
	ck_assert_int_eq(gm_init(&cfg), GM_ECOLLECTOR);
	assert_contains(gm_strerror(GM_ECOLLECTOR), "GOMEM_COLLECTOR=cms");
	assert_contains(gm_strerror(GM_ECOLLECTOR), "hybrid, stw, dijkstra or yuasa");
	env_clear();
}
END_TEST

/* GOMEM_IDLE_MARK is 0/off or 1/on; an empty value is the default (off);
 * anything else is refused, naming the variable, the value and the forms */
START_TEST(config_idle_mark)
{
	static const struct { const char *in; int want; } ok[] = {
		{ "1", 1 }, { "on", 1 }, { "0", 0 }, { "off", 0 }, { "", 0 },
	};
	env_clear();
	gm_config cfg;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		setenv("GOMEM_IDLE_MARK", ok[i].in, 1);
		gm_config_default(&cfg);
		ck_assert_msg(cfg.env_error == GM_OK, "GOMEM_IDLE_MARK=%s: env_error %d",
			      ok[i].in, cfg.env_error);
		ck_assert_msg(cfg.idle_mark == ok[i].want, "GOMEM_IDLE_MARK=%s: idle_mark %d",
			      ok[i].in, cfg.idle_mark);
	}
	static const char *const bad[] = { "yes", "true", "ON", "2", "-1", "on ", " 1", "01" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int on = 7;
		ck_assert_int_eq(gm_parse_idle_mark(bad[i], &on), GM_EIDLEMARK);
		ck_assert_int_eq(on, 7); /* left alone on error */
		setenv("GOMEM_IDLE_MARK", bad[i], 1);
		gm_config_default(&cfg);
		ck_assert_msg(cfg.env_error == GM_EIDLEMARK, "GOMEM_IDLE_MARK=%s: env_error %d",
			      bad[i], cfg.env_error);
		ck_assert_int_eq(cfg.idle_mark, 0); /* the default stays */
	}
	ck_assert_int_eq(gm_parse_idle_mark(NULL, &(int){0}), GM_EIDLEMARK);
	setenv("GOMEM_IDLE_MARK", "yes", 1);
	gm_config_default(&cfg);
	assert_contains(cfg.env_detail, "GOMEM_IDLE_MARK=yes");
	ck_assert_int_eq(gm_init(&cfg), GM_EIDLEMARK);
	assert_contains(gm_strerror(GM_EIDLEMARK), "GOMEM_IDLE_MARK=yes");
	assert_contains(gm_strerror(GM_EIDLEMARK), "0 or off");
	assert_contains(gm_strerror(GM_EIDLEMARK), "1 or on");
	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT); /* refused: not initialised */
	env_clear();
}
END_TEST

/* the collector threads started, by role (gm_config.thread_start) */
static atomic_int started_mark, started_idlemark;

static void count_thread(const char *role, int index, void *ctx)
{
	(void)index;
	(void)ctx;
	if (strcmp(role, "mark") == 0)
		atomic_fetch_add(&started_mark, 1);
	else if (strcmp(role, "idlemark") == 0)
		atomic_fetch_add(&started_idlemark, 1);
}

/* The mark workers gm_init starts for procs = 2 under GOMEM_IDLE_MARK=v:
 * *mark dedicated/fractional ones, *idle idle ones.  gm_shutdown joins
 * them, so every one has called thread_start by then. */
static void workers_under(const char *v, int *mark, int *idle)
{
	env_clear();
	setenv("GOMEM_IDLE_MARK", v, 1);
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.procs = 2;
	cfg.thread_start = count_thread;
	atomic_store(&started_mark, 0);
	atomic_store(&started_idlemark, 0);
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	gm_shutdown();
	*mark = atomic_load(&started_mark);
	*idle = atomic_load(&started_idlemark);
	env_clear();
}

/* GOMEM_IDLE_MARK=on starts Go's idle mark workers, one per proc, beside
 * the usual ones; off starts none */
START_TEST(idle_mark_starts_idle_workers)
{
	int mark, idle;
	workers_under("on", &mark, &idle);
	ck_assert_int_eq(mark, 2);
	ck_assert_int_eq(idle, 2);
	workers_under("0", &mark, &idle);
	ck_assert_int_eq(mark, 2);
	ck_assert_int_eq(idle, 0);
}
END_TEST

START_TEST(config_malformed_gomemlimit)
{
	env_clear();
	setenv("GOMEMLIMIT", "12XB", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_EGOMEMLIMIT);
	assert_contains(cfg.env_detail, "12XB");
	ck_assert_int_eq(cfg.memory_limit, GM_MEMLIMIT_OFF); /* untouched */

	ck_assert_int_eq(gm_init(&cfg), GM_EGOMEMLIMIT);
	const char *msg = gm_strerror(GM_EGOMEMLIMIT);
	assert_contains(msg, "GOMEMLIMIT=12XB");
	assert_contains(msg, "MiB");
	/* refused: nothing was initialised */
	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT);
	env_clear();
}
END_TEST

START_TEST(config_malformed_gogc)
{
	env_clear();
	setenv("GOGC", "1OO", 1); /* letters O, not zeros */
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_EGOGC);
	assert_contains(cfg.env_detail, "GOGC=1OO");
	ck_assert_int_eq(cfg.gc_percent, 100);

	ck_assert_int_eq(gm_init(&cfg), GM_EGOGC);
	const char *msg = gm_strerror(GM_EGOGC);
	assert_contains(msg, "GOGC=1OO");
	assert_contains(msg, "off");
	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT);
	env_clear();
}
END_TEST

START_TEST(config_malformed_gctrace)
{
	static const char *const bad[] = {
		"gctrace=x", "gctrace=", "gctrace=-1", "gctrace=1x",
		"madvdontneed=1,gctrace=x",
	};
	env_clear();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("GODEBUG", bad[i], 1);
		gm_config cfg;
		gm_config_default(&cfg);
		ck_assert_msg(cfg.env_error == GM_EGODEBUG, "GODEBUG=%s: env_error %d",
			      bad[i], cfg.env_error);
		assert_contains(cfg.env_detail, bad[i]);
	}
	setenv("GODEBUG", "gctrace=x", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(gm_init(&cfg), GM_EGODEBUG);
	assert_contains(gm_strerror(GM_EGODEBUG), "GODEBUG=gctrace=x");
	assert_contains(gm_strerror(GM_EGODEBUG), "gctrace=N");
	env_clear();
}
END_TEST

/* gm_init(NULL) reads the environment itself and refuses the same way. */
START_TEST(init_null_reads_environment)
{
	env_clear();
	setenv("GOMEMLIMIT", "1.5GiB", 1);
	ck_assert_int_eq(gm_init(NULL), GM_EGOMEMLIMIT);
	assert_contains(gm_strerror(GM_EGOMEMLIMIT), "GOMEMLIMIT=1.5GiB");
	env_clear();
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	gm_shutdown();
}
END_TEST

/* The first malformed variable, in the order GOGC, GOMEMLIMIT, GODEBUG,
 * is the one reported. */
START_TEST(config_first_error_wins)
{
	env_clear();
	setenv("GOGC", "fast", 1);
	setenv("GOMEMLIMIT", "lots", 1);
	setenv("GODEBUG", "gctrace=x", 1);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_EGOGC);
	assert_contains(cfg.env_detail, "GOGC=fast");

	unsetenv("GOGC");
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_EGOMEMLIMIT);
	assert_contains(cfg.env_detail, "GOMEMLIMIT=lots");
	ck_assert_int_eq(cfg.gc_percent, 100);
	env_clear();
}
END_TEST

/* ---- gm_init: fields out of range --------------------------------------- */

static const struct {
	const char *field; /* what gm_strerror must name */
	int gc_percent;
	int64_t memory_limit;
	int procs;
	int collector;
	int on_oom;
} bad_fields[] = {
	{ "gc_percent=-5", -5, GM_MEMLIMIT_OFF, 0, GM_HYBRID, GM_OOM_ABORT },
	{ "gc_percent=-2", -2, GM_MEMLIMIT_OFF, 0, GM_HYBRID, GM_OOM_ABORT },
	{ "memory_limit=-1", 100, -1, 0, GM_HYBRID, GM_OOM_ABORT },
	{ "procs=-1", 100, GM_MEMLIMIT_OFF, -1, GM_HYBRID, GM_OOM_ABORT },
	{ "collector=99", 100, GM_MEMLIMIT_OFF, 0, 99, GM_OOM_ABORT },
	{ "collector=4", 100, GM_MEMLIMIT_OFF, 0, 4, GM_OOM_ABORT },
	{ "collector=-1", 100, GM_MEMLIMIT_OFF, 0, -1, GM_OOM_ABORT },
	{ "on_oom=7", 100, GM_MEMLIMIT_OFF, 0, GM_HYBRID, 7 },
	{ "on_oom=2", 100, GM_MEMLIMIT_OFF, 0, GM_HYBRID, 2 },
};

START_TEST(init_rejects_field_out_of_range)
{
	env_clear();
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = bad_fields[_i].gc_percent;
	cfg.memory_limit = bad_fields[_i].memory_limit;
	cfg.procs = bad_fields[_i].procs;
	cfg.collector = (gm_collector)bad_fields[_i].collector;
	cfg.on_oom = (gm_oom_policy)bad_fields[_i].on_oom;
	ck_assert_int_eq(gm_init(&cfg), GM_EINVAL);
	assert_contains(gm_strerror(GM_EINVAL), bad_fields[_i].field);
	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT);
}
END_TEST

/* the edges of each range are accepted */
START_TEST(init_accepts_field_edges)
{
	env_clear();
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = GM_GOGC_OFF;
	cfg.memory_limit = 0;
	cfg.procs = 0;
	cfg.collector = GM_YUASA;
	cfg.on_oom = GM_OOM_RETURN_NULL;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	gm_shutdown();

	cfg.gc_percent = 0;
	cfg.memory_limit = GM_MEMLIMIT_OFF;
	cfg.procs = 1;
	cfg.collector = GM_HYBRID;
	cfg.on_oom = GM_OOM_ABORT;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	gm_shutdown();
}
END_TEST

/* ---- gm_init / gm_shutdown / gm_thread_attach life cycle ---------------- */

START_TEST(init_twice_then_shutdown_and_again)
{
	env_clear();
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_int_eq(gm_init(NULL), GM_EALREADY);
	assert_contains(gm_strerror(GM_EALREADY), "gm_shutdown");
	/* still initialised: the failed second call changed nothing */
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	void *p = gm_alloc_noscan(64);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(gm_object_size(p), 64);
	gm_thread_detach();
	gm_shutdown();

	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT);
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	p = gm_alloc_noscan(100);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(gm_object_size(p), 112);
	gm_thread_detach();
	gm_shutdown();
}
END_TEST

START_TEST(attach_before_init)
{
	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT);
	ck_assert_int_eq(gm_thread_attach(), GM_ENOTINIT);
	gm_thread_detach(); /* not attached: does nothing */
	ck_assert_str_ne(gm_strerror(GM_ENOTINIT), "");
}
END_TEST

START_TEST(attach_twice)
{
	env_clear();
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_EATTACHED);
	gm_thread_detach();
	ck_assert_int_eq(gm_thread_attach(), GM_OK); /* again after detaching */
	gm_thread_detach();
	gm_thread_detach(); /* a second detach does nothing */
	gm_shutdown();
}
END_TEST

/* ---- gm_strerror --------------------------------------------------------- */

START_TEST(strerror_every_code)
{
	static const int codes[] = {
		GM_OK, GM_EINVAL, GM_EGOGC, GM_EGOMEMLIMIT, GM_EGODEBUG,
		GM_EALREADY, GM_ENOTINIT, GM_ENOMEM, GM_EATTACHED, GM_ECOLLECTOR,
		GM_EIDLEMARK,
	};
	size_t n = sizeof codes / sizeof codes[0];
	for (size_t i = 0; i < n; i++) {
		const char *m = gm_strerror(codes[i]);
		ck_assert_ptr_nonnull(m);
		ck_assert_msg(m[0] != '\0', "gm_strerror(%d) is empty", codes[i]);
		ck_assert_msg(strstr(m, "unknown") == NULL,
			      "gm_strerror(%d) = \"%s\" calls a known code unknown",
			      codes[i], m);
		for (size_t j = 0; j < i; j++) /* each code its own text */
			ck_assert_str_ne(m, gm_strerror(codes[j]));
	}
	static const int unknown[] = { -1, 11, 42, INT32_MAX, INT32_MIN };
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		assert_contains(gm_strerror(unknown[i]), "unknown");
}
END_TEST

/* the generic texts say what is accepted, before any gm_init failed */
START_TEST(strerror_generic_texts)
{
	assert_contains(gm_strerror(GM_EGOGC), "GOGC");
	assert_contains(gm_strerror(GM_EGOGC), "off");
	assert_contains(gm_strerror(GM_EGOMEMLIMIT), "GOMEMLIMIT");
	assert_contains(gm_strerror(GM_EGOMEMLIMIT), "MiB");
	assert_contains(gm_strerror(GM_EGODEBUG), "gctrace");
	assert_contains(gm_strerror(GM_ENOTINIT), "gm_init");
	assert_contains(gm_strerror(GM_EATTACHED), "attached");
}
END_TEST

static Suite *env_suite(void)
{
	Suite *s = suite_create("env");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, gogc_valid, 0, (int)(sizeof gogc_ok / sizeof gogc_ok[0]));
	tcase_add_loop_test(tc, gogc_malformed, 0, (int)(sizeof gogc_bad / sizeof gogc_bad[0]));
	tcase_add_test(tc, gogc_negative_zero_is_zero);
	tcase_add_loop_test(tc, memlimit_valid, 0,
			    (int)(sizeof memlimit_ok / sizeof memlimit_ok[0]));
	tcase_add_loop_test(tc, memlimit_malformed, 0,
			    (int)(sizeof memlimit_bad / sizeof memlimit_bad[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, config_defaults_without_environment);
	tcase_add_test(tc, config_reads_environment);
	tcase_add_test(tc, config_off_values);
	tcase_add_test(tc, config_empty_values_are_defaults);
	tcase_add_test(tc, config_godebug_list);
	tcase_add_test(tc, config_malformed_gomemlimit);
	tcase_add_test(tc, config_malformed_gogc);
	tcase_add_test(tc, config_malformed_gctrace);
	tcase_add_test(tc, init_null_reads_environment);
	tcase_add_test(tc, config_first_error_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("init");
	tcase_add_loop_test(tc, init_rejects_field_out_of_range, 0,
			    (int)(sizeof bad_fields / sizeof bad_fields[0]));
	tcase_add_test(tc, init_accepts_field_edges);
	tcase_add_test(tc, init_twice_then_shutdown_and_again);
	tcase_add_test(tc, attach_before_init);
	tcase_add_test(tc, attach_twice);
	tcase_add_test(tc, strerror_every_code);
	tcase_add_test(tc, config_godebug_gccheckmark);
	tcase_add_test(tc, config_collector);
	tcase_add_test(tc, config_idle_mark);
	tcase_add_test(tc, idle_mark_starts_idle_workers);
	tcase_add_test(tc, strerror_generic_texts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(env_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
