/*
 * test_topology.c — Check suite "topology": the placement decisions of
 * harness/topology.c on hwloc synthetic topologies, checked slot by slot
 * for every policy, and real binding on this machine (harness/place.c).
 *
 * The synthetic machines:
 *   "pack:2 numa:2 core:4 pu:2"  32 PUs; hwloc numbers PU P#i = L#i in
 *                                tree order, so PU ((p*2 + n)*4 + c)*2 + t
 *                                is hardware thread t of core c of NUMA
 *                                node n of package p
 *   "pack:1 core:2 pu:1"         the development machine's shape
 *   "pack:2 core:2 pu:2" restricted to PUs 0-3 and 6-7: an uneven tree
 *                                (package 1 lost a core)
 * Expected scatter orders are computed independently of the walk in
 * topology.c: as the mixed-radix numbering with the package digit varying
 * fastest, and for the uneven tree written out by hand.
 *
 * Check runs each test in a forked child, so a binding made by one test
 * does not reach the next.
 */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "harness/context.h"
#include "harness/topology.h"

#define BIG "pack:2 numa:2 core:4 pu:2"
#define SMALL "pack:1 core:2 pu:1"
#define SLOTS 100 /* slots checked per policy: several wraps of 32 PUs */

static char err[512];

static hwloc_topology_t load(const char *desc)
{
	hwloc_topology_t t;
	ck_assert_msg(gmb_topology_load(&t, desc, err, sizeof err) == 0, "%s", err);
	return t;
}

/* The decision for slot s is exactly the PUs {first .. last}. */
static void assert_decides(hwloc_topology_t t, gmb_pin p, unsigned s,
			   int first, int last)
{
	hwloc_bitmap_t got = hwloc_bitmap_alloc(), want = hwloc_bitmap_alloc();
	hwloc_bitmap_set_range(want, (unsigned)first, last);
	ck_assert_int_eq(gmb_place_decide(t, p, s, got), 0);
	char g[128], w[128];
	hwloc_bitmap_list_snprintf(g, sizeof g, got);
	hwloc_bitmap_list_snprintf(w, sizeof w, want);
	ck_assert_msg(hwloc_bitmap_isequal(got, want), "--pin=%s slot %u: PUs %s, "
		      "want %s", gmb_pin_name(p), s, g, w);
	hwloc_bitmap_free(got);
	hwloc_bitmap_free(want);
}

/* ---- policy names ----------------------------------------------------------- */

START_TEST(policy_names)
{
	gmb_pin p;
	gmb_membind m;
	static const char *pins[] = {"none", "compact", "scatter", "numa"};
	static const char *mems[] = {"none", "local", "interleave"};
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(gmb_pin_parse(pins[i], &p), 0);
		ck_assert_str_eq(gmb_pin_name(p), pins[i]);
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(gmb_membind_parse(mems[i], &m), 0);
		ck_assert_str_eq(gmb_membind_name(m), mems[i]);
	}
	ck_assert_int_eq(gmb_pin_parse("Compact", &p), -1);
	ck_assert_int_eq(gmb_pin_parse("", &p), -1);
	ck_assert_int_eq(gmb_membind_parse("bind", &m), -1);
}
END_TEST

START_TEST(synthetic_refused_when_malformed)
{
	hwloc_topology_t t;
	ck_assert_int_eq(gmb_topology_load(&t, "pack:two", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "pack:two") != NULL, "%s", err);
}
END_TEST

/* ---- pack:2 numa:2 core:4 pu:2 ------------------------------------------------ */

START_TEST(big_counts)
{
	hwloc_topology_t t = load(BIG);
	ck_assert_int_eq(gmb_topology_count(t, HWLOC_OBJ_PACKAGE), 2);
	ck_assert_int_eq(gmb_topology_count(t, HWLOC_OBJ_NUMANODE), 4);
	ck_assert_int_eq(gmb_topology_count(t, HWLOC_OBJ_CORE), 16);
	ck_assert_int_eq(gmb_topology_count(t, HWLOC_OBJ_PU), 32);
	hwloc_topology_destroy(t);
}
END_TEST

START_TEST(big_compact)
{
	hwloc_topology_t t = load(BIG);
	for (unsigned s = 0; s < SLOTS; s++)
		assert_decides(t, GMB_PIN_COMPACT, s, (int)(s % 32), (int)(s % 32));
	hwloc_topology_destroy(t);
}
END_TEST

/* Scatter as mixed radix, the package digit fastest, hardware thread
 * slowest. */
static int big_scatter_pu(unsigned s)
{
	s %= 32;
	unsigned p = s % 2, n = s / 2 % 2, c = s / 4 % 4, th = s / 16;
	return (int)(((p * 2 + n) * 4 + c) * 2 + th);
}

START_TEST(big_scatter)
{
	hwloc_topology_t t = load(BIG);
	for (unsigned s = 0; s < SLOTS; s++)
		assert_decides(t, GMB_PIN_SCATTER, s, big_scatter_pu(s),
			       big_scatter_pu(s));
	hwloc_topology_destroy(t);
}
END_TEST

/* The object of `type` above the PU a scatter slot lands on. */
static unsigned scatter_ancestor(hwloc_topology_t t, unsigned s,
				 hwloc_obj_type_t type)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	ck_assert_int_eq(gmb_place_decide(t, GMB_PIN_SCATTER, s, set), 0);
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t, (unsigned)hwloc_bitmap_first(set));
	hwloc_bitmap_free(set);
	if (type == HWLOC_OBJ_NUMANODE) { /* memory children: go by cpuset */
		hwloc_obj_t node = NULL;
		while ((node = hwloc_get_next_obj_by_type(t, type, node)))
			if (hwloc_bitmap_isset(node->cpuset, pu->os_index))
				return node->logical_index;
		ck_abort_msg("PU %u in no NUMA node", pu->os_index);
	}
	return hwloc_get_ancestor_obj_by_type(t, type, pu)->logical_index;
}

START_TEST(big_scatter_spreads)
{
	hwloc_topology_t t = load(BIG);
	/* slots 0,1: both packages; 0-3: all four NUMA nodes, round-robin
	 * across packages; 0-15: sixteen different cores; 16: core of 0 */
	ck_assert_uint_ne(scatter_ancestor(t, 0, HWLOC_OBJ_PACKAGE),
			  scatter_ancestor(t, 1, HWLOC_OBJ_PACKAGE));
	unsigned seen = 0;
	for (unsigned s = 0; s < 4; s++)
		seen |= 1u << scatter_ancestor(t, s, HWLOC_OBJ_NUMANODE);
	ck_assert_uint_eq(seen, 0xf);
	seen = 0;
	for (unsigned s = 0; s < 16; s++)
		seen |= 1u << scatter_ancestor(t, s, HWLOC_OBJ_CORE);
	ck_assert_uint_eq(seen, 0xffff);
	ck_assert_uint_eq(scatter_ancestor(t, 16, HWLOC_OBJ_CORE),
			  scatter_ancestor(t, 0, HWLOC_OBJ_CORE));
	hwloc_topology_destroy(t);
}
END_TEST

START_TEST(big_numa_and_none)
{
	hwloc_topology_t t = load(BIG);
	for (unsigned s = 0; s < SLOTS; s++) {
		assert_decides(t, GMB_PIN_NUMA, s, 0, 7); /* node 0's PUs */
		assert_decides(t, GMB_PIN_NONE, s, 0, 31);
	}
	hwloc_topology_destroy(t);
}
END_TEST

/* ---- pack:1 core:2 pu:1 -------------------------------------------------------- */

START_TEST(small_every_policy)
{
	hwloc_topology_t t = load(SMALL);
	for (unsigned s = 0; s < SLOTS; s++) {
		int pu = (int)(s % 2);
		assert_decides(t, GMB_PIN_COMPACT, s, pu, pu);
		assert_decides(t, GMB_PIN_SCATTER, s, pu, pu);
		assert_decides(t, GMB_PIN_NUMA, s, 0, 1);
		assert_decides(t, GMB_PIN_NONE, s, 0, 1);
	}
	hwloc_topology_destroy(t);
}
END_TEST

/* ---- an uneven tree ----------------------------------------------------------- */

START_TEST(uneven_scatter)
{
	hwloc_topology_t t = load("pack:2 core:2 pu:2");
	hwloc_bitmap_t keep = hwloc_bitmap_alloc();
	hwloc_bitmap_set_range(keep, 0, 3);
	hwloc_bitmap_set_range(keep, 6, 7);
	ck_assert_int_eq(hwloc_topology_restrict(t, keep, 0), 0);
	hwloc_bitmap_free(keep);
	/* round 0: package 0's first, package 1's first; round 1: the
	 * seconds; rounds 2-3: package 0 alone.  Within package 0, cores
	 * alternate before hardware threads. */
	static const int order[] = {0, 6, 2, 7, 1, 3};
	for (unsigned s = 0; s < 3 * 6; s++)
		assert_decides(t, GMB_PIN_SCATTER, s, order[s % 6], order[s % 6]);
	static const int compact[] = {0, 1, 2, 3, 6, 7};
	for (unsigned s = 0; s < 3 * 6; s++)
		assert_decides(t, GMB_PIN_COMPACT, s, compact[s % 6], compact[s % 6]);
	hwloc_topology_destroy(t);
}
END_TEST

/* ---- describing ------------------------------------------------------------------ */

START_TEST(print_synthetic)
{
	hwloc_topology_t t = load(BIG);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	gmb_topology_print(t, f);
	fclose(f);
	ck_assert_msg(strstr(text, "2 packages, 4 NUMA nodes, 16 cores, 32 PUs"),
		      "%s", text);
	ck_assert_msg(strstr(text, "package 1"), "%s", text);
	ck_assert_msg(strstr(text, "NUMA node 3"), "%s", text);
	ck_assert_msg(strstr(text, "core 15: PU P#30, P#31"), "%s", text);
	free(text);
	hwloc_topology_destroy(t);
}
END_TEST

START_TEST(machine_json)
{
	hwloc_topology_t t = load(BIG);
	json_t *m = gmb_context_machine(t);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "packages")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "numa_nodes")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "cores")), 16);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "pus")), 32);
	json_t *numa = json_object_get(m, "numa");
	ck_assert_uint_eq(json_array_size(numa), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(numa, 1),
							   "pus")), "8-15");
	json_decref(m);
	hwloc_topology_destroy(t);
}
END_TEST

/* ---- support checks and real binding --------------------------------------------- */

START_TEST(synthetic_cannot_bind)
{
	hwloc_topology_t t = load(SMALL);
	ck_assert_int_eq(gmb_placement_check(t, GMB_PIN_NONE, GMB_MEMBIND_NONE,
					     err, sizeof err), 0);
	ck_assert_int_eq(gmb_placement_check(t, GMB_PIN_COMPACT, GMB_MEMBIND_NONE,
					     err, sizeof err), -1);
	ck_assert_msg(strstr(err, "--pin=compact"), "%s", err);
	ck_assert_int_eq(gmb_placement_check(t, GMB_PIN_NONE, GMB_MEMBIND_INTERLEAVE,
					     err, sizeof err), -1);
	ck_assert_msg(strstr(err, "--membind=interleave"), "%s", err);
	hwloc_topology_destroy(t);
}
END_TEST

/* The calling thread's binding, as hwloc reads it back. */
static void assert_bound_to(hwloc_topology_t t, hwloc_const_bitmap_t want)
{
	hwloc_bitmap_t got = hwloc_bitmap_alloc();
	ck_assert_int_eq(hwloc_get_cpubind(t, got, HWLOC_CPUBIND_THREAD), 0);
	char g[128], w[128];
	hwloc_bitmap_list_snprintf(g, sizeof g, got);
	hwloc_bitmap_list_snprintf(w, sizeof w, want);
	ck_assert_msg(hwloc_bitmap_isequal(got, want), "bound to %s, want %s", g, w);
	hwloc_bitmap_free(got);
}

/* On this machine: decide with compact, bind for real, read it back. */
START_TEST(real_compact_binding)
{
	hwloc_topology_t t = load(NULL);
	int npus = gmb_topology_count(t, HWLOC_OBJ_PU);
	ck_assert_int_ge(npus, 1);
	ck_assert_int_eq(gmb_placement_check(t, GMB_PIN_COMPACT, GMB_MEMBIND_NONE,
					     err, sizeof err), 0);
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	for (unsigned s = 0; s < (unsigned)npus + 1; s++) {
		ck_assert_int_eq(gmb_place_decide(t, GMB_PIN_COMPACT, s, set), 0);
		ck_assert_int_eq(hwloc_bitmap_weight(set), 1);
		ck_assert_int_eq(hwloc_set_cpubind(t, set, HWLOC_CPUBIND_THREAD), 0);
		assert_bound_to(t, set);
		sched_yield(); /* let the scheduler move the thread there */
		hwloc_bitmap_t where = hwloc_bitmap_alloc();
		ck_assert_int_eq(hwloc_get_last_cpu_location(t, where,
							     HWLOC_CPUBIND_THREAD), 0);
		ck_assert(hwloc_bitmap_isincluded(where, set));
		hwloc_bitmap_free(where);
	}
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(t);
}
END_TEST

/* The same through place.c, as benchmark threads and collector threads
 * do it. */
START_TEST(real_placement_bind)
{
	hwloc_topology_t t = load(NULL);
	int npus = gmb_topology_count(t, HWLOC_OBJ_PU);
	ck_assert_msg(gmb_placement_start(GMB_PIN_COMPACT, GMB_MEMBIND_NONE, 2, err,
					  sizeof err) == 0, "%s", err);
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	for (unsigned s = 0; s < (unsigned)npus + 1; s++) {
		ck_assert_msg(gmb_placement_bind(s, err, sizeof err) == 0, "%s", err);
		ck_assert_int_eq(gmb_place_decide(t, GMB_PIN_COMPACT, s, set), 0);
		assert_bound_to(t, set);
	}
	gmb_place_library_thread("worker", 0, NULL); /* slot 2 */
	ck_assert_int_eq(gmb_place_decide(t, GMB_PIN_COMPACT, 2, set), 0);
	assert_bound_to(t, set);
	gmb_placement_stop();
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(t);
}
END_TEST

/* The membind policy of the calling thread, as hwloc reads it back. */
static hwloc_membind_policy_t membind_now(hwloc_topology_t t)
{
	hwloc_membind_policy_t policy;
	hwloc_bitmap_t nodes = hwloc_bitmap_alloc();
	ck_assert_int_eq(hwloc_get_membind(t, nodes, &policy, HWLOC_MEMBIND_THREAD), 0);
	hwloc_bitmap_free(nodes);
	return policy;
}

/* Memory policies need set_mempolicy(2), which some containers refuse
 * (EPERM) whatever hwloc supports: then the test says so and passes. */
static bool membind_allowed(hwloc_topology_t t)
{
	hwloc_const_nodeset_t all = hwloc_topology_get_topology_nodeset(t);
	int rc = hwloc_set_membind(t, all, HWLOC_MEMBIND_BIND,
				   HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET);
	if (rc != 0 && (errno == EPERM || errno == ENOSYS)) {
		fprintf(stderr, "topology: memory policies refused here (%s); "
			"membind not checked\n", strerror(errno));
		return false;
	}
	ck_assert_msg(rc == 0, "hwloc_set_membind: %s", strerror(errno));
	/* back to the default, so that what the test reads is place.c's */
	ck_assert_int_eq(hwloc_set_membind(t, all, HWLOC_MEMBIND_DEFAULT,
					   HWLOC_MEMBIND_THREAD |
					   HWLOC_MEMBIND_BYNODESET), 0);
	ck_assert_int_ne(membind_now(t), HWLOC_MEMBIND_BIND);
	return true;
}

START_TEST(real_membind_local)
{
	hwloc_topology_t t = load(NULL);
	if (!membind_allowed(t))
		return;
	ck_assert_msg(gmb_placement_start(GMB_PIN_COMPACT, GMB_MEMBIND_LOCAL, 1, err,
					  sizeof err) == 0, "%s", err);
	ck_assert_msg(gmb_placement_bind(0, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(membind_now(t), HWLOC_MEMBIND_BIND);
	gmb_placement_stop();
	hwloc_topology_destroy(t);
}
END_TEST

START_TEST(real_interleave)
{
	hwloc_topology_t t = load(NULL);
	if (!membind_allowed(t))
		return;
	ck_assert_msg(gmb_placement_start(GMB_PIN_NONE, GMB_MEMBIND_INTERLEAVE, 1,
					  err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(membind_now(t), HWLOC_MEMBIND_INTERLEAVE);
	gmb_placement_stop();
	hwloc_topology_destroy(t);
}
END_TEST

START_TEST(none_binds_nothing)
{
	hwloc_topology_t t = load(NULL);
	hwloc_bitmap_t before = hwloc_bitmap_alloc();
	ck_assert_int_eq(hwloc_get_cpubind(t, before, HWLOC_CPUBIND_THREAD), 0);
	ck_assert_int_eq(gmb_placement_start(GMB_PIN_NONE, GMB_MEMBIND_NONE, 1, err,
					     sizeof err), 0);
	ck_assert_int_eq(gmb_placement_bind(0, err, sizeof err), 0);
	assert_bound_to(t, before);
	gmb_placement_stop();
	hwloc_bitmap_free(before);
	hwloc_topology_destroy(t);
}
END_TEST

static Suite *topology_suite(void)
{
	Suite *s = suite_create("topology");
	TCase *tc = tcase_create("decide");
	tcase_add_test(tc, policy_names);
	tcase_add_test(tc, synthetic_refused_when_malformed);
	tcase_add_test(tc, big_counts);
	tcase_add_test(tc, big_compact);
	tcase_add_test(tc, big_scatter);
	tcase_add_test(tc, big_scatter_spreads);
	tcase_add_test(tc, big_numa_and_none);
	tcase_add_test(tc, small_every_policy);
	tcase_add_test(tc, uneven_scatter);
	suite_add_tcase(s, tc);

	tc = tcase_create("describe");
	tcase_add_test(tc, print_synthetic);
	tcase_add_test(tc, machine_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("bind");
	tcase_add_test(tc, synthetic_cannot_bind);
	tcase_add_test(tc, real_compact_binding);
	tcase_add_test(tc, real_placement_bind);
	tcase_add_test(tc, real_membind_local);
	tcase_add_test(tc, real_interleave);
	tcase_add_test(tc, none_binds_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(topology_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
