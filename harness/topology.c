/*
 * topology.c — the machine's topology through hwloc, the placement
 * decisions, and `gomem-bench topology` (topology.h has the policies).
 *
 * Owns no state: every function reads the hwloc topology it is given, so
 * that tests load synthetic topologies and check each decision.
 *
 * Decisions (gmb_place_decide), for slot s on a topology of P PUs:
 *   compact  the PU of logical index s mod P.  hwloc numbers PUs in tree
 *            order, so this fills a core's hardware threads, then the
 *            next core, the next NUMA node, the next package.
 *   scatter  the (s mod P)-th PU of a round-robin walk: at every object,
 *            the walk takes one PU from each child in turn (round r takes
 *            the r-th PU of every child that has more than r), recursively.
 *            On "pack:2 numa:2 core:4 pu:2" slot 0 is package 0 node 0,
 *            slot 1 package 1 node 2, slot 2 package 0 node 1, slot 3
 *            package 1 node 3, then the second core of each node, ..., and
 *            the second hardware thread of each core from slot 16.  It is
 *            the mixed-radix "scatter" of OpenMP runtimes, and stays
 *            defined on uneven trees.
 *   numa     the cpuset of NUMA node 0.
 *
 * The printer walks packages, then the NUMA nodes whose cpusets meet the
 * package, then the cores in both, then their PUs (by OS index, the
 * numbers taskset and /proc use).
 */
#include "harness/topology.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd.h"

static const char *const pin_names[] = {
	[GMB_PIN_NONE] = "none",
	[GMB_PIN_COMPACT] = "compact",
	[GMB_PIN_SCATTER] = "scatter",
	[GMB_PIN_NUMA] = "numa",
};

static const char *const membind_names[] = {
	[GMB_MEMBIND_NONE] = "none",
	[GMB_MEMBIND_LOCAL] = "local",
	[GMB_MEMBIND_INTERLEAVE] = "interleave",
};

#define NAMES_COUNT(a) (sizeof(a) / sizeof *(a))

const char *gmb_pin_name(gmb_pin p)
{
	return (unsigned)p < NAMES_COUNT(pin_names) ? pin_names[p] : "unknown";
}

const char *gmb_membind_name(gmb_membind m)
{
	return (unsigned)m < NAMES_COUNT(membind_names) ? membind_names[m]
							 : "unknown";
}

static int topology_lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int gmb_pin_parse(const char *s, gmb_pin *out)
{
	int i = topology_lookup(s, pin_names, NAMES_COUNT(pin_names));
	if (i < 0)
		return -1;
	*out = (gmb_pin)i;
	return 0;
}

int gmb_membind_parse(const char *s, gmb_membind *out)
{
	int i = topology_lookup(s, membind_names, NAMES_COUNT(membind_names));
	if (i < 0)
		return -1;
	*out = (gmb_membind)i;
	return 0;
}

/* ---- the topology ------------------------------------------------------- */

int gmb_topology_load(hwloc_topology_t *out, const char *synthetic,
		      char *err, size_t errlen)
{
	hwloc_topology_t t;
	if (hwloc_topology_init(&t) != 0) {
		snprintf(err, errlen, "hwloc cannot initialise a topology");
		return -1;
	}
	/* instruction caches too: context.json lists every cache */
	hwloc_topology_set_icache_types_filter(t, HWLOC_TYPE_FILTER_KEEP_ALL);
	if (synthetic != NULL && hwloc_topology_set_synthetic(t, synthetic)) {
		snprintf(err, errlen, "'%s' is not a synthetic topology hwloc "
			 "accepts (e.g. \"pack:2 numa:2 core:4 pu:2\")",
			 synthetic);
		hwloc_topology_destroy(t);
		return -1;
	}
	if (hwloc_topology_load(t) != 0) {
		snprintf(err, errlen, "hwloc cannot read the topology of this "
			 "machine");
		hwloc_topology_destroy(t);
		return -1;
	}
	*out = t;
	return 0;
}

int gmb_topology_count(hwloc_topology_t t, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(t, type);
	return n > 0 ? n : 0;
}

const char *gmb_topology_cpu_model(hwloc_topology_t t)
{
	hwloc_obj_t o = hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0);
	const char *m = o != NULL ? hwloc_obj_get_info_by_name(o, "CPUModel")
				  : NULL;
	if (m == NULL)
		m = hwloc_obj_get_info_by_name(hwloc_get_root_obj(t), "CPUModel");
	return m != NULL ? m : "unknown";
}

/* ---- decisions ---------------------------------------------------------- */

static unsigned topology_weight(hwloc_obj_t o)
{
	int w = hwloc_bitmap_weight(o->cpuset);
	return w > 0 ? (unsigned)w : 0;
}

/* The child of `o` that holds the i-th PU of the round-robin walk, and
 * that PU's index within it (*i is updated). */
static hwloc_obj_t scatter_child(hwloc_obj_t o, unsigned *i)
{
	unsigned rest = *i;
	for (unsigned round = 0;; round++) {
		unsigned live = 0; /* children with more than `round` PUs */
		for (unsigned c = 0; c < o->arity; c++)
			live += topology_weight(o->children[c]) > round;
		if (live == 0)
			return NULL;
		if (rest >= live) {
			rest -= live;
			continue;
		}
		for (unsigned c = 0; c < o->arity; c++) {
			if (topology_weight(o->children[c]) <= round)
				continue;
			if (rest-- == 0) {
				*i = round;
				return o->children[c];
			}
		}
	}
}

/* The i-th PU (i < PUs under o) of the round-robin walk under o. */
static hwloc_obj_t scatter_pick(hwloc_obj_t o, unsigned i)
{
	while (o != NULL && o->type != HWLOC_OBJ_PU)
		o = scatter_child(o, &i);
	return o;
}

int gmb_place_decide(hwloc_topology_t t, gmb_pin policy, unsigned slot,
		     hwloc_bitmap_t out)
{
	hwloc_obj_t root = hwloc_get_root_obj(t), o = NULL;
	int npus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	if (npus <= 0)
		return -1;
	unsigned s = slot % (unsigned)npus;
	switch (policy) {
	case GMB_PIN_COMPACT:
		o = hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, s);
		break;
	case GMB_PIN_SCATTER:
		o = scatter_pick(root, s);
		break;
	case GMB_PIN_NUMA:
		o = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, 0);
		break;
	case GMB_PIN_NONE:
		o = root;
		break;
	}
	if (o == NULL || hwloc_bitmap_iszero(o->cpuset))
		return -1;
	hwloc_bitmap_copy(out, o->cpuset);
	return 0;
}

/* ---- printing ----------------------------------------------------------- */

static void topology_print_size(FILE *out, hwloc_uint64_t bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	fprintf(out, v == (double)(hwloc_uint64_t)v ? "%.0f %s" : "%.1f %s", v,
		units[u]);
}

/* "core L#n: PU P#a, P#b" for each core inside `set`. */
static void topology_print_cores(hwloc_topology_t t, hwloc_const_cpuset_t set,
				 FILE *out)
{
	hwloc_obj_t core = NULL;
	while ((core = hwloc_get_next_obj_inside_cpuset_by_type(
			t, set, HWLOC_OBJ_CORE, core)) != NULL) {
		fprintf(out, "      core %u: PU", core->logical_index);
		hwloc_obj_t pu = NULL;
		bool first = true;
		while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(
				t, core->cpuset, HWLOC_OBJ_PU, pu)) != NULL) {
			fprintf(out, "%s P#%u", first ? "" : ",", pu->os_index);
			first = false;
		}
		fputc('\n', out);
	}
}

/* The NUMA nodes meeting `pkg`, each with its cores. */
static void topology_print_nodes(hwloc_topology_t t, hwloc_obj_t pkg, FILE *out)
{
	hwloc_bitmap_t both = hwloc_bitmap_alloc();
	hwloc_obj_t node = NULL;
	while ((node = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE,
						  node)) != NULL) {
		if (!hwloc_bitmap_intersects(node->cpuset, pkg->cpuset))
			continue;
		char pus[256];
		hwloc_bitmap_list_snprintf(pus, sizeof pus, node->cpuset);
		fprintf(out, "    NUMA node %u (P#%u): ", node->logical_index,
			node->os_index);
		topology_print_size(out, node->attr->numanode.local_memory);
		fprintf(out, ", PUs %s\n", pus);
		hwloc_bitmap_and(both, node->cpuset, pkg->cpuset);
		topology_print_cores(t, both, out);
	}
	hwloc_bitmap_free(both);
}

/* One line per cache level: "L2d 2 MiB x2 (64-byte lines)". */
static void topology_print_caches(hwloc_topology_t t, FILE *out)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE,
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		int n = gmb_topology_count(t, types[i]);
		hwloc_obj_t c = hwloc_get_obj_by_type(t, types[i], 0);
		if (n == 0 || c == NULL)
			continue;
		char name[32];
		hwloc_obj_type_snprintf(name, sizeof name, c, 0);
		fprintf(out, "  %s: ", name);
		topology_print_size(out, c->attr->cache.size);
		fprintf(out, " x%d, %u-byte lines\n", n, c->attr->cache.linesize);
	}
}

void gmb_topology_print(hwloc_topology_t t, FILE *out)
{
	int npkg = gmb_topology_count(t, HWLOC_OBJ_PACKAGE);
	fprintf(out, "%s: %d package%s, %d NUMA node%s, %d core%s, %d PU%s\n",
		gmb_topology_cpu_model(t), npkg, npkg == 1 ? "" : "s",
		gmb_topology_count(t, HWLOC_OBJ_NUMANODE),
		gmb_topology_count(t, HWLOC_OBJ_NUMANODE) == 1 ? "" : "s",
		gmb_topology_count(t, HWLOC_OBJ_CORE),
		gmb_topology_count(t, HWLOC_OBJ_CORE) == 1 ? "" : "s",
		gmb_topology_count(t, HWLOC_OBJ_PU),
		gmb_topology_count(t, HWLOC_OBJ_PU) == 1 ? "" : "s");
	hwloc_obj_t pkg = NULL;
	if (npkg == 0) { /* no package level: the machine stands for one */
		fprintf(out, "  machine\n");
		topology_print_nodes(t, hwloc_get_root_obj(t), out);
	}
	while ((pkg = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PACKAGE, pkg))) {
		fprintf(out, "  package %u (P#%u)\n", pkg->logical_index,
			pkg->os_index);
		topology_print_nodes(t, pkg, out);
	}
	fprintf(out, "caches:\n");
	topology_print_caches(t, out);
}

/* ---- gomem-bench topology ----------------------------------------------- */

typedef struct topology_opts {
	const char *synthetic;
	gmb_pin pin;
	bool have_pin;
	unsigned slots;  /* --threads=N: decisions to show */
	bool help;
} topology_opts;

static void topology_usage(FILE *out)
{
	fprintf(out,
		"usage: gomem-bench topology [--pin=POLICY [--threads=N]] "
		"[--synthetic=DESC]\n\n"
		"Prints this machine's packages, NUMA nodes, cores, PUs and "
		"caches, as hwloc\nsees them.  With --pin, also where "
		"`gomem-bench run --pin=POLICY` puts\nbenchmark threads "
		"0 .. N-1.\n\n"
		"flags:\n"
		"  --pin=POLICY      " GMB_PIN_ACCEPTED "\n"
		"  --threads=N       how many threads to place (default: one "
		"per PU)\n"
		"  --synthetic=DESC  an hwloc synthetic topology instead of "
		"this machine,\n"
		"                    e.g. \"pack:2 numa:2 core:4 pu:2\"\n"
		"  -h, --help        this text\n");
}

/* The value of "--NAME=VALUE", or NULL after a message. */
static const char *topology_value(const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq[1] == '\0') {
		fprintf(stderr, "gomem-bench topology: %s needs a value "
			"(%.*s=...)\n", arg, (int)strcspn(arg, "="), arg);
		return NULL;
	}
	return eq + 1;
}

static int topology_parse_one(topology_opts *o, const char *arg)
{
	const char *v;
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		o->help = true;
		return 0;
	}
	if (strncmp(arg, "--synthetic", 11) == 0 && (arg[11] == '=' || !arg[11]))
		return (o->synthetic = topology_value(arg)) ? 0 : GMB_EXIT_USAGE;
	if (strncmp(arg, "--pin", 5) == 0 && (arg[5] == '=' || !arg[5])) {
		if ((v = topology_value(arg)) == NULL)
			return GMB_EXIT_USAGE;
		if (gmb_pin_parse(v, &o->pin) != 0) {
			fprintf(stderr, "gomem-bench topology: --pin=%s: '%s' is "
				"not a policy; --pin takes one of "
				GMB_PIN_ACCEPTED "\n", v, v);
			return GMB_EXIT_USAGE;
		}
		o->have_pin = true;
		return 0;
	}
	if (strncmp(arg, "--threads", 9) == 0 && (arg[9] == '=' || !arg[9])) {
		char *end;
		if ((v = topology_value(arg)) == NULL)
			return GMB_EXIT_USAGE;
		unsigned long n = strtoul(v, &end, 10);
		if (*end != '\0' || n == 0 || n > 4096 || v[0] == '-') {
			fprintf(stderr, "gomem-bench topology: --threads=%s: "
				"expected an integer from 1 to 4096\n", v);
			return GMB_EXIT_USAGE;
		}
		o->slots = (unsigned)n;
		return 0;
	}
	fprintf(stderr, "gomem-bench topology: unknown %s '%s'; topology "
		"accepts --pin, --threads, --synthetic and --help\n",
		arg[0] == '-' ? "flag" : "argument", arg);
	return GMB_EXIT_USAGE;
}

/* Where the first PU of `set` sits: "core 3, NUMA node 1, package 0". */
static void topology_print_where(hwloc_topology_t t, hwloc_const_cpuset_t set)
{
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(
		t, (unsigned)hwloc_bitmap_first(set));
	bool one = hwloc_bitmap_weight(set) == 1;
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu);
	hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, pu);
	hwloc_obj_t node = NULL;
	while ((node = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, node)))
		if (hwloc_bitmap_isincluded(set, node->cpuset))
			break;
	if (one && core != NULL)
		printf(", core %u", core->logical_index);
	if (node != NULL)
		printf(", NUMA node %u", node->logical_index);
	if (pkg != NULL)
		printf(", package %u", pkg->logical_index);
}

/* "thread i: PU 5, core 2, NUMA node 0, package 0" per slot. */
static void topology_print_placement(hwloc_topology_t t, const topology_opts *o)
{
	unsigned n = o->slots ? o->slots
			      : (unsigned)gmb_topology_count(t, HWLOC_OBJ_PU);
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	printf("\nplacement --pin=%s (PUs by OS index):\n", gmb_pin_name(o->pin));
	for (unsigned i = 0; i < n; i++) {
		char pus[256];
		if (gmb_place_decide(t, o->pin, i, set) != 0)
			break;
		hwloc_bitmap_list_snprintf(pus, sizeof pus, set);
		printf("  thread %u: PU%s %s", i,
		       hwloc_bitmap_weight(set) == 1 ? "" : "s", pus);
		topology_print_where(t, set);
		putchar('\n');
	}
	hwloc_bitmap_free(set);
}

int gmb_cmd_topology(int argc, char **argv)
{
	topology_opts o = {0};
	hwloc_topology_t t;
	char err[512];
	for (int i = 1; i < argc; i++) {
		int rc = topology_parse_one(&o, argv[i]);
		if (rc != 0)
			return rc;
	}
	if (o.help) {
		topology_usage(stdout);
		return GMB_EXIT_OK;
	}
	if (o.slots && !o.have_pin) {
		fprintf(stderr, "gomem-bench topology: --threads needs --pin\n");
		return GMB_EXIT_USAGE;
	}
	if (gmb_topology_load(&t, o.synthetic, err, sizeof err) != 0) {
		fprintf(stderr, "gomem-bench topology: %s\n", err);
		return o.synthetic ? GMB_EXIT_USAGE : GMB_EXIT_FAIL;
	}
	gmb_topology_print(t, stdout);
	if (o.have_pin)
		topology_print_placement(t, &o);
	hwloc_topology_destroy(t);
	return GMB_EXIT_OK;
}
