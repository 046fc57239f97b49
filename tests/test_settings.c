/*
 * test_settings.c — Check suite "settings": the settings flags of
 * `gomem-bench run` (harness/settings.c): parsing every list with good and
 * bad values (the error text names the flag, the value and what is
 * accepted), the cross product of configurations and its order, resolving
 * against the environment, and the configuration text a parent hands to
 * its child (format then parse gives back the same configuration; a
 * label written before --idle-mark existed still reads as the same
 * configuration), and which configurations a peer runtime tells apart.
 *
 * GOGC and GOMEMLIMIT values go through the library's own parsers, whose
 * syntax test_env.c covers in depth; here they are checked as lists.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"
#include "harness/settings.h"

static char err[1024];

static void assert_contains(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "\"%s\" does not contain \"%s\"",
		      text, want);
}

/* Parse one flag into a fresh settings; the return code. */
static int parse1(gmb_settings *s, const char *arg)
{
	memset(s, 0, sizeof *s);
	err[0] = '\0';
	return gmb_settings_parse(s, arg, NULL, err, sizeof err);
}

/* ---- parsing: good values ------------------------------------------------ */

START_TEST(gogc_list)
{
	gmb_settings s;
	static const int want[] = {25, 50, 100, 200, 400, 800, GM_GOGC_OFF};
	ck_assert_int_eq(parse1(&s, "--gogc=25,50,100,200,400,800,off"), 0);
	ck_assert_uint_eq(s.ngogc, 7);
	for (size_t i = 0; i < 7; i++)
		ck_assert_int_eq(s.gogc[i], want[i]);
}
END_TEST

START_TEST(memlimit_list)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, "--memlimit=off,64MiB,1GiB,1000,100B,2TiB,512KiB"), 0);
	ck_assert_uint_eq(s.nmemlimit, 7);
	ck_assert(s.memlimit[0] == GM_MEMLIMIT_OFF);
	ck_assert(s.memlimit[1] == (int64_t)64 << 20);
	ck_assert(s.memlimit[2] == (int64_t)1 << 30);
	ck_assert(s.memlimit[3] == 1000);
	ck_assert(s.memlimit[4] == 100);
	ck_assert(s.memlimit[5] == (int64_t)2 << 40);
	ck_assert(s.memlimit[6] == (int64_t)512 << 10);
}
END_TEST

START_TEST(collector_list)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, "--collector=stw,dijkstra,yuasa,hybrid"), 0);
	ck_assert_uint_eq(s.ncollector, 4);
	ck_assert_int_eq(s.collector[0], GM_STW);
	ck_assert_int_eq(s.collector[1], GM_DIJKSTRA);
	ck_assert_int_eq(s.collector[2], GM_YUASA);
	ck_assert_int_eq(s.collector[3], GM_HYBRID);
}
END_TEST

START_TEST(procs_and_threads_lists)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, "--procs=0,1,2,1024"), 0);
	ck_assert_uint_eq(s.nprocs, 4);
	ck_assert_int_eq(s.procs[0], 0);
	ck_assert_int_eq(s.procs[3], 1024);
	ck_assert_int_eq(parse1(&s, "--threads=1,2"), 0);
	ck_assert_uint_eq(s.nthreads, 2);
	ck_assert_int_eq(s.threads[0], 1);
	ck_assert_int_eq(s.threads[1], 2);
}
END_TEST

START_TEST(idle_mark_list)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, "--idle-mark=off,on"), 0);
	ck_assert_uint_eq(s.nidle_mark, 2);
	ck_assert_int_eq(s.idle_mark[0], 0);
	ck_assert_int_eq(s.idle_mark[1], 1);
	ck_assert_int_eq(parse1(&s, "--idle-mark=on"), 0);
	ck_assert_uint_eq(s.nidle_mark, 1);
	ck_assert_int_eq(s.idle_mark[0], 1);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(gmb_settings_parse(&s, "--idle-mark", "on,off", err,
					    sizeof err), 0);
	ck_assert_uint_eq(s.nidle_mark, 2);
	ck_assert_int_eq(s.idle_mark[0], 1);
	ck_assert_int_eq(s.idle_mark[1], 0);
}
END_TEST

START_TEST(value_as_next_argument)
{
	gmb_settings s;
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(gmb_settings_parse(&s, "--gogc", "50,off", err, sizeof err), 0);
	ck_assert_uint_eq(s.ngogc, 2);
	ck_assert_int_eq(s.gogc[1], GM_GOGC_OFF);
}
END_TEST

START_TEST(is_flag)
{
	ck_assert(gmb_settings_is_flag("--gogc=50"));
	ck_assert(gmb_settings_is_flag("--gogc"));
	ck_assert(gmb_settings_is_flag("--memlimit=off"));
	ck_assert(gmb_settings_is_flag("--collector=stw"));
	ck_assert(gmb_settings_is_flag("--procs=1"));
	ck_assert(gmb_settings_is_flag("--threads=1"));
	ck_assert(gmb_settings_is_flag("--idle-mark=on"));
	ck_assert(gmb_settings_is_flag("--idle-mark"));
	ck_assert(!gmb_settings_is_flag("--idle_mark=on")); /* the text's key */
	ck_assert(!gmb_settings_is_flag("--idle-marks=on"));
	ck_assert(!gmb_settings_is_flag("--gogcx=1"));
	ck_assert(!gmb_settings_is_flag("--gog=1"));
	ck_assert(!gmb_settings_is_flag("-gogc=1"));
	ck_assert(!gmb_settings_is_flag("gogc=1"));
	ck_assert(!gmb_settings_is_flag("--benchmark_filter=x"));
	ck_assert(!gmb_settings_is_flag("--pin=compact"));
}
END_TEST

/* ---- parsing: bad values --------------------------------------------------- */

static const struct {
	const char *arg;
	const char *says[3]; /* what the message must contain */
} bad_flags[] = {
	{"--gogc=abc", {"--gogc=abc", "'abc'", "percentages"}},
	{"--gogc=50,1.5", {"--gogc=50,1.5", "'1.5'", "or off"}},
	{"--gogc=50,,100", {"--gogc=50,,100", "empty value", "percentages"}},
	{"--gogc=50,", {"--gogc=50,", "empty value", "--gogc"}},
	{"--gogc=", {"--gogc", "needs a value", "percentages"}},
	{"--gogc", {"--gogc", "needs a value", "off"}},
	{"--gogc=50,50", {"--gogc=50,50", "'50'", "repeats"}},
	{"--gogc=off,-1", {"--gogc=off,-1", "'-1'", "repeats"}},
	{"--gogc=OFF", {"--gogc=OFF", "'OFF'", "percentages"}},
	{"--memlimit=12XB", {"--memlimit=12XB", "'12XB'", "KiB, MiB, GiB or TiB"}},
	{"--memlimit=64mb", {"--memlimit=64mb", "'64mb'", "512MiB"}},
	{"--memlimit=-1", {"--memlimit=-1", "'-1'", "or off"}},
	{"--memlimit=64MiB,67108864", {"--memlimit", "'67108864'", "repeats"}},
	{"--collector=g1", {"--collector=g1", "'g1'", "stw, dijkstra, yuasa, hybrid"}},
	{"--collector=STW", {"--collector=STW", "'STW'", "collector names"}},
	{"--collector=stw,stw", {"--collector", "'stw'", "repeats"}},
	{"--procs=-1", {"--procs=-1", "'-1'", "from 0"}},
	{"--procs=two", {"--procs=two", "'two'", "1024"}},
	{"--procs=2000", {"--procs=2000", "'2000'", "1024"}},
	{"--threads=0", {"--threads=0", "'0'", "from 1 to 1024"}},
	{"--threads=all", {"--threads=all", "'all'", "thread counts"}},
	{"--threads=1,x", {"--threads=1,x", "'x'", "thread counts"}},
	{"--threads=+1", {"--threads=+1", "'+1'", "thread counts"}},
	{"--idle-mark=yes", {"--idle-mark=yes", "'yes'", "off (no idle mark workers) or on"}},
	{"--idle-mark=1", {"--idle-mark=1", "'1'", "off (no idle mark workers) or on"}},
	{"--idle-mark=ON", {"--idle-mark=ON", "'ON'", "Go's idle mark workers"}},
	{"--idle-mark=on,on", {"--idle-mark", "'on'", "repeats"}},
	{"--idle-mark=", {"--idle-mark", "needs a value", "off (no idle"}},
};

START_TEST(bad_value_named)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, bad_flags[_i].arg), -1);
	for (size_t k = 0; k < 3; k++)
		assert_contains(err, bad_flags[_i].says[k]);
}
END_TEST

START_TEST(flag_given_twice)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, "--gogc=50"), 0);
	ck_assert_int_eq(gmb_settings_parse(&s, "--gogc=100", NULL, err, sizeof err), -1);
	assert_contains(err, "--gogc is given twice");
	assert_contains(err, "one comma-separated list");
	ck_assert_uint_eq(s.ngogc, 1); /* the first list stands */
}
END_TEST

START_TEST(not_a_settings_flag)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, "--gc=50"), -1);
	assert_contains(err, "--gc=50");
}
END_TEST

START_TEST(failed_list_leaves_flag_unset)
{
	gmb_settings s;
	ck_assert_int_eq(parse1(&s, "--gogc=50,100,x"), -1);
	ck_assert_uint_eq(s.ngogc, 0);
	ck_assert_uint_eq(gmb_settings_count(&s), 1);
}
END_TEST

START_TEST(too_many_values)
{
	gmb_settings s;
	char arg[2048] = "--gogc=";
	for (int i = 0; i <= GMB_SETTINGS_MAX_VALUES; i++) {
		char v[16];
		snprintf(v, sizeof v, "%s%d", i ? "," : "", i);
		strcat(arg, v);
	}
	ck_assert_int_eq(parse1(&s, arg), -1);
	assert_contains(err, "more than 64 values");
}
END_TEST

/* ---- the cross product ------------------------------------------------------ */

START_TEST(no_flags_one_config)
{
	gmb_settings s;
	gmb_config c[2];
	memset(&s, 0, sizeof s);
	ck_assert_uint_eq(gmb_settings_count(&s), 1);
	ck_assert_uint_eq(gmb_settings_expand(&s, c, 2), 1);
	ck_assert_uint_eq(c[0].set, 0); /* everything from the environment */
}
END_TEST

static void parse_into(gmb_settings *s, const char *arg)
{
	ck_assert_msg(gmb_settings_parse(s, arg, NULL, err, sizeof err) == 0,
		      "%s: %s", arg, err);
}

START_TEST(cross_product_order)
{
	gmb_settings s;
	gmb_config c[64];
	memset(&s, 0, sizeof s);
	parse_into(&s, "--threads=1,2");
	parse_into(&s, "--gogc=50,100,off");
	parse_into(&s, "--collector=stw,hybrid");
	ck_assert_uint_eq(gmb_settings_count(&s), 12);
	ck_assert_uint_eq(gmb_settings_expand(&s, c, 64), 12);
	/* gogc slowest, then collector, threads fastest */
	for (size_t i = 0; i < 12; i++) {
		ck_assert_uint_eq(c[i].set, GMB_SET_GOGC | GMB_SET_COLLECTOR |
						    GMB_SET_THREADS);
		static const int gogc[] = {50, 100, GM_GOGC_OFF};
		ck_assert_int_eq(c[i].gogc, gogc[i / 4]);
		ck_assert_int_eq(c[i].collector, i / 2 % 2 ? GM_HYBRID : GM_STW);
		ck_assert_int_eq(c[i].threads, (int)(i % 2) + 1);
	}
	for (size_t i = 0; i < 12; i++) /* every combination once */
		for (size_t j = i + 1; j < 12; j++)
			ck_assert(!gmb_config_equal(&c[i], &c[j]));
}
END_TEST

/* idle_mark is the fastest digit, after threads */
START_TEST(cross_product_idle_mark)
{
	gmb_settings s;
	gmb_config c[8];
	memset(&s, 0, sizeof s);
	parse_into(&s, "--idle-mark=off,on");
	parse_into(&s, "--gogc=100,200");
	ck_assert_uint_eq(gmb_settings_expand(&s, c, 8), 4);
	static const int gogc[] = {100, 100, 200, 200}, idle[] = {0, 1, 0, 1};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(c[i].set, GMB_SET_GOGC | GMB_SET_IDLE_MARK);
		ck_assert_int_eq(c[i].gogc, gogc[i]);
		ck_assert_int_eq(c[i].idle_mark, idle[i]);
	}
}
END_TEST

START_TEST(cross_product_all_flags)
{
	gmb_settings s;
	static gmb_config c[GMB_CONFIGS_MAX];
	memset(&s, 0, sizeof s);
	parse_into(&s, "--gogc=25,50,100,200,400,800,off");
	parse_into(&s, "--memlimit=off,64MiB,1GiB");
	parse_into(&s, "--collector=stw,dijkstra,yuasa,hybrid");
	parse_into(&s, "--procs=1,2");
	parse_into(&s, "--threads=1,2");
	parse_into(&s, "--idle-mark=off,on");
	ck_assert_uint_eq(gmb_settings_count(&s), 7 * 3 * 4 * 2 * 2 * 2);
	ck_assert_uint_eq(gmb_settings_expand(&s, c, GMB_CONFIGS_MAX), 672);
	ck_assert_uint_eq(c[671].set, GMB_SET_ALL);
	ck_assert_int_eq(c[671].gogc, GM_GOGC_OFF);
	ck_assert(c[671].memlimit == (int64_t)1 << 30);
	ck_assert_int_eq(c[671].collector, GM_HYBRID);
	ck_assert_int_eq(c[671].procs, 2);
	ck_assert_int_eq(c[671].threads, 2);
	ck_assert_int_eq(c[671].idle_mark, 1);
	ck_assert_int_eq(c[670].idle_mark, 0);
	ck_assert_uint_eq(gmb_settings_expand(&s, c, 671), 0); /* too many */
}
END_TEST

/* ---- resolving against the environment -------------------------------------- */

START_TEST(resolve_fills_from_environment)
{
	gm_config env;
	gmb_config c = {.set = GMB_SET_GOGC, .gogc = 50};
	setenv("GOGC", "75", 1);
	setenv("GOMEMLIMIT", "256MiB", 1);
	gm_config_default(&env);
	gmb_config_resolve(&c, &env);
	ck_assert_uint_eq(c.set, GMB_SET_ALL);
	ck_assert_int_eq(c.gogc, 50);                  /* the flag wins */
	ck_assert(c.memlimit == (int64_t)256 << 20);   /* from GOMEMLIMIT */
	ck_assert_int_eq(c.collector, GM_HYBRID);
	ck_assert_int_eq(c.procs, 0);
	ck_assert_int_eq(c.threads, 0);
	ck_assert_int_eq(c.idle_mark, 0);
	unsetenv("GOGC");
	unsetenv("GOMEMLIMIT");
}
END_TEST

/* --idle-mark's default is $GOMEM_IDLE_MARK, else off; the flag wins */
START_TEST(resolve_idle_mark_from_environment)
{
	gm_config env;
	gmb_config c = {0}, flag = {.set = GMB_SET_IDLE_MARK, .idle_mark = 0};
	unsetenv("GOMEM_IDLE_MARK");
	gm_config_default(&env);
	gmb_config_resolve(&c, &env);
	ck_assert_int_eq(c.idle_mark, 0);
	setenv("GOMEM_IDLE_MARK", "on", 1);
	gm_config_default(&env);
	c = (gmb_config){0};
	gmb_config_resolve(&c, &env);
	ck_assert_int_eq(c.idle_mark, 1);
	gmb_config_resolve(&flag, &env);
	ck_assert_int_eq(flag.idle_mark, 0);
	unsetenv("GOMEM_IDLE_MARK");
}
END_TEST

START_TEST(apply_overrides_and_clears_env_error)
{
	gm_config cfg;
	gmb_config c = {.set = GMB_SET_GOGC | GMB_SET_COLLECTOR | GMB_SET_PROCS,
			.gogc = 200, .collector = GM_YUASA, .procs = 3};
	setenv("GOGC", "lots", 1);
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_EGOGC);
	gmb_config_apply(&c, &cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK); /* --gogc replaced it */
	ck_assert_int_eq(cfg.gc_percent, 200);
	ck_assert_int_eq(cfg.collector, GM_YUASA);
	ck_assert_int_eq(cfg.procs, 3);
	ck_assert(cfg.memory_limit == GM_MEMLIMIT_OFF); /* not set: kept */

	gmb_config m = {.set = GMB_SET_MEMLIMIT, .memlimit = 1000};
	gm_config_default(&cfg);
	gmb_config_apply(&m, &cfg);
	ck_assert_int_eq(cfg.env_error, GM_EGOGC); /* GOGC still bad */
	assert_contains(cfg.env_detail, "GOGC=lots");
	unsetenv("GOGC");
}
END_TEST

/* --idle-mark sets gm_config.idle_mark either way and replaces a malformed
 * GOMEM_IDLE_MARK; without it the environment's value stands */
START_TEST(apply_idle_mark)
{
	gm_config cfg;
	gmb_config on = {.set = GMB_SET_IDLE_MARK, .idle_mark = 1};
	gmb_config off = {.set = GMB_SET_IDLE_MARK, .idle_mark = 0};
	gmb_config none = {.set = GMB_SET_GOGC, .gogc = 100};
	unsetenv("GOGC");
	setenv("GOMEM_IDLE_MARK", "sometimes", 1);
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.env_error, GM_EIDLEMARK);
	gmb_config_apply(&on, &cfg);
	ck_assert_int_eq(cfg.env_error, GM_OK);
	ck_assert_str_eq(cfg.env_detail, "");
	ck_assert_int_eq(cfg.idle_mark, 1);
	gm_config_default(&cfg);
	gmb_config_apply(&none, &cfg);
	ck_assert_int_eq(cfg.env_error, GM_EIDLEMARK); /* still bad */
	setenv("GOMEM_IDLE_MARK", "1", 1);
	gm_config_default(&cfg);
	ck_assert_int_eq(cfg.idle_mark, 1);
	gmb_config_apply(&none, &cfg);
	ck_assert_int_eq(cfg.idle_mark, 1);
	gmb_config_apply(&off, &cfg);
	ck_assert_int_eq(cfg.idle_mark, 0);
	unsetenv("GOMEM_IDLE_MARK");
}
END_TEST

/* ---- the configuration text -------------------------------------------------- */

START_TEST(format_resolved_default)
{
	gm_config env;
	gmb_config c = {0};
	char text[GMB_CONFIG_TEXT_MAX];
	unsetenv("GOGC");
	unsetenv("GOMEMLIMIT");
	unsetenv("GOMEM_IDLE_MARK");
	gm_config_default(&env);
	gmb_config_resolve(&c, &env);
	ck_assert_uint_eq(c.set, GMB_SET_ALL);
	ck_assert_int_gt(gmb_config_format(&c, text, sizeof text), 0);
	/* idle marking off: the label as before the setting existed */
	ck_assert_str_eq(text, "gogc=100,memlimit=off,collector=hybrid,procs=0,"
			       "threads=all");
	c.idle_mark = 1;
	ck_assert_int_gt(gmb_config_format(&c, text, sizeof text), 0);
	ck_assert_str_eq(text, "gogc=100,memlimit=off,collector=hybrid,procs=0,"
			       "threads=all,idle_mark=on");
}
END_TEST

/* A configuration that is not complete says idle_mark=off when it sets it
 * (cycles/<settings>.csv names hold only the settings given) */
START_TEST(format_partial_idle_mark)
{
	char text[GMB_CONFIG_TEXT_MAX];
	gmb_config c = {.set = GMB_SET_GOGC | GMB_SET_IDLE_MARK, .gogc = 200};
	ck_assert_int_gt(gmb_config_format(&c, text, sizeof text), 0);
	ck_assert_str_eq(text, "gogc=200,idle_mark=off");
	c.idle_mark = 1;
	ck_assert_int_gt(gmb_config_format(&c, text, sizeof text), 0);
	ck_assert_str_eq(text, "gogc=200,idle_mark=on");
	c.set = GMB_SET_IDLE_MARK;
	c.idle_mark = 0;
	ck_assert_int_gt(gmb_config_format(&c, text, sizeof text), 0);
	ck_assert_str_eq(text, "idle_mark=off");
}
END_TEST

/* A label from before --idle-mark (results kept for compare) reads as the
 * complete configuration with idle marking off, and is written back the
 * same: compare's pairing by label finds it */
START_TEST(old_label_round_trip)
{
	static const char *const old[] = {
		"gogc=100,memlimit=off,collector=hybrid,procs=0,threads=all",
		"gogc=off,memlimit=64MiB,collector=stw,procs=2,threads=1",
	};
	for (size_t i = 0; i < sizeof old / sizeof *old; i++) {
		gmb_config c;
		char text[GMB_CONFIG_TEXT_MAX];
		ck_assert_int_eq(gmb_config_parse(old[i], &c, err, sizeof err), 0);
		ck_assert_uint_eq(c.set, GMB_SET_ALL);
		ck_assert_int_eq(c.idle_mark, 0);
		ck_assert_int_gt(gmb_config_format(&c, text, sizeof text), 0);
		ck_assert_str_eq(text, old[i]);
	}
	gmb_config on, off;
	ck_assert_int_eq(gmb_config_parse("gogc=200,memlimit=off,collector=hybrid,"
					  "procs=0,threads=all,idle_mark=on",
					  &on, err, sizeof err), 0);
	ck_assert_int_eq(on.idle_mark, 1);
	ck_assert_int_eq(gmb_config_parse("idle_mark=off,gogc=200,memlimit=off,"
					  "collector=hybrid,procs=0,threads=all",
					  &off, err, sizeof err), 0);
	ck_assert_int_eq(off.idle_mark, 0);
	ck_assert(!gmb_config_equal(&on, &off));
	ck_assert(gmb_config_peer_equal(&on, &off));
	/* a partial text without idle_mark leaves it to the environment */
	ck_assert_int_eq(gmb_config_parse("gogc=200,threads=all", &off, err,
					  sizeof err), 0);
	ck_assert_uint_eq(off.set, GMB_SET_GOGC | GMB_SET_THREADS);
}
END_TEST

START_TEST(format_partial_and_empty)
{
	char text[GMB_CONFIG_TEXT_MAX];
	gmb_config c = {.set = GMB_SET_MEMLIMIT | GMB_SET_THREADS,
			.memlimit = (int64_t)64 << 20, .threads = 2};
	ck_assert_int_gt(gmb_config_format(&c, text, sizeof text), 0);
	ck_assert_str_eq(text, "memlimit=64MiB,threads=2");
	c.set = 0;
	ck_assert_int_eq(gmb_config_format(&c, text, sizeof text), 0);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(gmb_config_format(&c, text, 0), -1);
	c.set = GMB_SET_ALL;
	ck_assert_int_eq(gmb_config_format(&c, text, 10), -1); /* too small */
}
END_TEST

START_TEST(memlimit_text)
{
	static const struct { int64_t bytes; const char *text; } cases[] = {
		{GM_MEMLIMIT_OFF, "off"}, {0, "0"}, {1000, "1000"},
		{1024, "1KiB"}, {1536, "1536"}, {(int64_t)64 << 20, "64MiB"},
		{(int64_t)3 << 30, "3GiB"}, {(int64_t)5 << 40, "5TiB"},
		{((int64_t)1 << 40) + 1024, "1073741825KiB"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char buf[64];
		int64_t back;
		gmb_memlimit_format(cases[i].bytes, buf, sizeof buf);
		ck_assert_str_eq(buf, cases[i].text);
		ck_assert_int_eq(gm_parse_memlimit(buf, &back), GM_OK);
		ck_assert(back == cases[i].bytes);
	}
}
END_TEST

/* Every configuration of a large cross product survives format + parse. */
START_TEST(round_trip_cross_product)
{
	gmb_settings s;
	static gmb_config c[GMB_CONFIGS_MAX];
	memset(&s, 0, sizeof s);
	parse_into(&s, "--gogc=0,25,100,2147483647,off");
	parse_into(&s, "--memlimit=off,0,1000,64MiB,1536,8TiB");
	parse_into(&s, "--collector=stw,dijkstra,yuasa,hybrid");
	parse_into(&s, "--procs=0,7");
	parse_into(&s, "--threads=1,1024");
	parse_into(&s, "--idle-mark=off,on");
	size_t n = gmb_settings_expand(&s, c, GMB_CONFIGS_MAX);
	ck_assert_uint_eq(n, 5 * 6 * 4 * 2 * 2 * 2);
	for (size_t i = 0; i < n; i++) {
		char text[GMB_CONFIG_TEXT_MAX];
		gmb_config back;
		ck_assert_int_gt(gmb_config_format(&c[i], text, sizeof text), 0);
		ck_assert_msg(gmb_config_parse(text, &back, err, sizeof err) == 0,
			      "%s: %s", text, err);
		ck_assert_msg(gmb_config_equal(&c[i], &back), "%s changed", text);
	}
}
END_TEST

START_TEST(round_trip_partial)
{
	static const unsigned sets[] = {
		0, GMB_SET_GOGC, GMB_SET_MEMLIMIT, GMB_SET_COLLECTOR,
		GMB_SET_PROCS, GMB_SET_THREADS, GMB_SET_GOGC | GMB_SET_THREADS,
		GMB_SET_IDLE_MARK, GMB_SET_GOGC | GMB_SET_IDLE_MARK,
		GMB_SET_ALL,
	};
	for (size_t i = 0; i < 2 * sizeof sets / sizeof *sets; i++) {
		gmb_config c = {.set = sets[i / 2], .gogc = GM_GOGC_OFF,
				.memlimit = 12345, .collector = GM_DIJKSTRA,
				.procs = 4, .threads = 0,
				.idle_mark = (int)(i % 2)}, back;
		char text[GMB_CONFIG_TEXT_MAX];
		ck_assert_int_ge(gmb_config_format(&c, text, sizeof text), 0);
		ck_assert_int_eq(gmb_config_parse(text, &back, err, sizeof err), 0);
		ck_assert_msg(gmb_config_equal(&c, &back), "'%s' changed", text);
	}
}
END_TEST

START_TEST(parse_any_order)
{
	gmb_config c;
	ck_assert_int_eq(gmb_config_parse("threads=2,gogc=off,collector=stw",
					  &c, err, sizeof err), 0);
	ck_assert_uint_eq(c.set, GMB_SET_THREADS | GMB_SET_GOGC | GMB_SET_COLLECTOR);
	ck_assert_int_eq(c.threads, 2);
	ck_assert_int_eq(c.gogc, GM_GOGC_OFF);
	ck_assert_int_eq(c.collector, GM_STW);
}
END_TEST

static const struct {
	const char *text;
	const char *says[2];
} bad_texts[] = {
	{"gogc=abc", {"gogc='abc'", "percentages"}},
	{"gogc=50,gogc=60", {"gogc is given twice", "gogc=50,gogc=60"}},
	{"heap=1", {"'heap'", "gogc, memlimit, collector, procs, threads, idle_mark"}},
	{"idle_mark=1", {"idle_mark='1'", "off (no idle mark workers) or on"}},
	{"idle-mark=on", {"'idle-mark'", "idle_mark"}},
	{"idle_mark=on,idle_mark=off", {"idle_mark is given twice", "idle_mark=on"}},
	{"gogc", {"'gogc'", "key=value"}},
	{"gogc=50,", {"''", "key=value"}},
	{"collector=g1", {"collector='g1'", "stw, dijkstra"}},
	{"threads=0", {"threads='0'", "thread counts"}},
	{"memlimit=1XB", {"memlimit='1XB'", "MiB"}},
};

START_TEST(parse_bad_text)
{
	gmb_config c;
	ck_assert_int_eq(gmb_config_parse(bad_texts[_i].text, &c, err, sizeof err), -1);
	assert_contains(err, bad_texts[_i].says[0]);
	assert_contains(err, bad_texts[_i].says[1]);
}
END_TEST

/* A peer sees gogc, memlimit, procs and threads: configurations that
 * differ only in gomem's collector or idle_mark share one peer run, the
 * first of them */
START_TEST(peer_twins)
{
	gmb_settings s;
	gmb_config c[16];
	gm_config env;
	memset(&s, 0, sizeof s);
	parse_into(&s, "--gogc=100,200");
	parse_into(&s, "--collector=stw,hybrid");
	parse_into(&s, "--idle-mark=off,on");
	unsetenv("GOMEM_IDLE_MARK");
	gm_config_default(&env);
	size_t n = gmb_settings_expand(&s, c, 16);
	ck_assert_uint_eq(n, 8);
	for (size_t i = 0; i < n; i++)
		gmb_config_resolve(&c[i], &env);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(gmb_config_peer_twin(c, i), i < 4 ? 0 : 4);
	ck_assert(!gmb_config_peer_equal(&c[0], &c[4])); /* GOGC differs */
	ck_assert(gmb_config_peer_equal(&c[1], &c[2]));
	ck_assert(!gmb_config_equal(&c[1], &c[2]));

	memset(&s, 0, sizeof s); /* nothing gomem-only varies: each its own */
	parse_into(&s, "--gogc=50,100,200");
	parse_into(&s, "--idle-mark=on");
	n = gmb_settings_expand(&s, c, 16);
	for (size_t i = 0; i < n; i++) {
		gmb_config_resolve(&c[i], &env);
		ck_assert_uint_eq(gmb_config_peer_twin(c, i), i);
	}
}
END_TEST

START_TEST(collector_names)
{
	gm_collector c;
	static const gm_collector all[] = {GM_HYBRID, GM_STW, GM_DIJKSTRA, GM_YUASA};
	for (size_t i = 0; i < 4; i++) {
		const char *name = gmb_collector_name(all[i]);
		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(gmb_collector_parse(name, &c), 0);
		ck_assert_int_eq(c, all[i]);
	}
	ck_assert_ptr_null(gmb_collector_name((gm_collector)9));
	ck_assert_int_eq(gmb_collector_parse("Hybrid", &c), -1);
	ck_assert_int_eq(gmb_collector_parse("", &c), -1);
}
END_TEST

static Suite *settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, gogc_list);
	tcase_add_test(tc, memlimit_list);
	tcase_add_test(tc, collector_list);
	tcase_add_test(tc, procs_and_threads_lists);
	tcase_add_test(tc, idle_mark_list);
	tcase_add_test(tc, value_as_next_argument);
	tcase_add_test(tc, is_flag);
	tcase_add_loop_test(tc, bad_value_named, 0,
			    (int)(sizeof bad_flags / sizeof *bad_flags));
	tcase_add_test(tc, flag_given_twice);
	tcase_add_test(tc, not_a_settings_flag);
	tcase_add_test(tc, failed_list_leaves_flag_unset);
	tcase_add_test(tc, too_many_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("expand");
	tcase_add_test(tc, no_flags_one_config);
	tcase_add_test(tc, cross_product_order);
	tcase_add_test(tc, cross_product_idle_mark);
	tcase_add_test(tc, cross_product_all_flags);
	tcase_add_test(tc, resolve_fills_from_environment);
	tcase_add_test(tc, resolve_idle_mark_from_environment);
	tcase_add_test(tc, apply_overrides_and_clears_env_error);
	tcase_add_test(tc, apply_idle_mark);
	tcase_add_test(tc, peer_twins);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, format_resolved_default);
	tcase_add_test(tc, format_partial_and_empty);
	tcase_add_test(tc, format_partial_idle_mark);
	tcase_add_test(tc, old_label_round_trip);
	tcase_add_test(tc, memlimit_text);
	tcase_add_test(tc, round_trip_cross_product);
	tcase_add_test(tc, round_trip_partial);
	tcase_add_test(tc, parse_any_order);
	tcase_add_loop_test(tc, parse_bad_text, 0,
			    (int)(sizeof bad_texts / sizeof *bad_texts));
	tcase_add_test(tc, collector_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(settings_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
