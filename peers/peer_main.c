/*
 * peer_main.c — the main of every C peer (peer.h): the protocol of
 * harness/peers.h on one side, Google Benchmark on the other.
 *
 * 1. Take the peer's own flags out of argv: --threads=N (replaces the
 *    registered thread counts, as run --threads does for gomem) and
 *    --pauses-out=PATH.
 * 2. Hand the rest to Google Benchmark (its --benchmark_* flags); anything
 *    left is refused (exit 2).
 * 3. Record the runtime, the configuration and where malloc comes from
 *    (dladdr: the library that really serves it) in the JSON context.
 * 4. Register, run, write the pauses; exit 1 when a benchmark failed.
 */
#include "peers/peer.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/alloc.h"

static const char *pm_pauses_path;
static bool pm_failed;

/* The pauses of each benchmark's last run, kept until the end. */
#define PM_MAX_BENCHES 128
#define PM_MAX_PAUSES 4096
static struct {
	char name[160];
	uint64_t ns[PM_MAX_PAUSES];
	size_t n;
} pm_pauses[PM_MAX_BENCHES];
static size_t pm_npauses;

const char *peer_component(void)
{
	return gmb_runtime_get(peer_runtime())->component;
}

_Noreturn void peer_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "gomem-peer-%s: ", gmb_runtime_get(peer_runtime())->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

int peer_gogc(void)
{
	const char *v = getenv("GOGC");
	if (v == NULL || *v == '\0')
		return 100;
	if (strcmp(v, "off") == 0)
		return -1;
	return atoi(v);
}

int peer_procs(void)
{
	const char *v = getenv("GOMAXPROCS");
	return v != NULL ? atoi(v) : 0;
}

void peer_pauses_record(const char *name, const uint64_t *pause_ns,
			size_t n)
{
	size_t i = 0;
	while (i < pm_npauses && strcmp(pm_pauses[i].name, name) != 0)
		i++;
	if (i == PM_MAX_BENCHES)
		return;
	if (i == pm_npauses)
		snprintf(pm_pauses[pm_npauses++].name, sizeof pm_pauses[0].name,
			 "%s", name);
	pm_pauses[i].n = n < PM_MAX_PAUSES ? n : PM_MAX_PAUSES;
	memcpy(pm_pauses[i].ns, pause_ns, pm_pauses[i].n * sizeof *pause_ns);
}

static void pm_write_pauses(void)
{
	if (pm_pauses_path == NULL)
		return;
	FILE *f = fopen(pm_pauses_path, "w");
	if (f == NULL) {
		fprintf(stderr, "gomem-peer: cannot create %s\n", pm_pauses_path);
		return;
	}
	for (size_t i = 0; i < pm_npauses; i++)
		for (size_t k = 0; k < pm_pauses[i].n; k++)
			fprintf(f, "%s,%llu\n", pm_pauses[i].name,
				(unsigned long long)pm_pauses[i].ns[k]);
	fclose(f);
}

static void pm_bad_value(void)
{
	exit(2);
}

static void pm_result(const gmb_result *r, void *ctx)
{
	(void)ctx;
	pm_failed |= r->error;
}

/* Step 1: the peer's flags out of argv; 0 or 2. */
static int pm_own_flags(int *argc, char **argv)
{
	static int threads;
	int n = 1;
	for (int i = 1; i < *argc; i++) {
		if (strncmp(argv[i], "--threads=", 10) == 0) {
			threads = atoi(argv[i] + 10);
			if (threads <= 0) {
				fprintf(stderr, "gomem-peer: %s: not a thread "
					"count\n", argv[i]);
				return 2;
			}
			gmb_set_threads_override(&threads, 1);
		} else if (strncmp(argv[i], "--pauses-out=", 13) == 0) {
			pm_pauses_path = argv[i] + 13;
		} else {
			argv[n++] = argv[i];
		}
	}
	*argc = n;
	argv[n] = NULL;
	return 0;
}

static void pm_context(void)
{
	Dl_info info;
	char buf[32];
	const gmb_runtime_info *rt = gmb_runtime_get(peer_runtime());
	void *(*m)(size_t) = malloc;
	gmb_add_context("gomem_runtime", rt->name);
	gmb_add_context("gomem_peer_malloc",
			dladdr(*(void **)&m, &info) && info.dli_fname != NULL
				? info.dli_fname : "?");
	snprintf(buf, sizeof buf, "%d", peer_gogc());
	gmb_add_context("gomem_gogc", peer_gogc() < 0 ? "off" : buf);
	const char *limit = getenv("GOMEMLIMIT");
	gmb_add_context("gomem_memory_limit", limit != NULL ? limit : "off");
	snprintf(buf, sizeof buf, "%d", peer_procs());
	gmb_add_context("gomem_procs", buf);
}

int main(int argc, char **argv)
{
	int rc = pm_own_flags(&argc, argv);
	if (rc != 0)
		return rc;
	gmb_initialize(&argc, argv, pm_bad_value);
	if (argc > 1) {
		fprintf(stderr, "gomem-peer-%s: unknown argument '%s' (peers "
			"take --benchmark_* flags, --threads=N and "
			"--pauses-out=PATH)\n",
			gmb_runtime_get(peer_runtime())->name, argv[1]);
		return 2;
	}
	pm_context();
	if (peer_register() != 0)
		return 2;
	gmb_run(pm_result, NULL);
	pm_write_pauses();
	gmb_shutdown();
	return pm_failed ? 1 : 0;
}

/* ---- the allocation families ------------------------------------------ */

int64_t peer_batch_objects(size_t size)
{
	return (int64_t)(((size_t)4 << 20) / size);
}

static void pm_register_family(const char *family, gmb_fn fn,
			       peer_alloc_kind kind, const int64_t *sizes,
			       size_t nsizes, const int *threads,
			       size_t nthreads)
{
	char name[96];
	gmb_opts o = {.args = sizes, .nargs = nsizes, .threads = threads,
		      .nthreads = nthreads};
	snprintf(name, sizeof name, "%s/%s", family, peer_component());
	gmb_register(name, fn, (void *)(uintptr_t)kind, &o);
}

#define PM_N(a) (sizeof(a) / sizeof((a)[0]))

void peer_register_alloc(gmb_fn fn, bool gc)
{
	static const int both[] = {1, 2}, one[] = {1};
	static const int64_t tiny[] = {8}, small[] = {32, 1024}, ptr[] = {32},
			     large[] = {65536};
	static const int64_t sw_small[] = {ALLOC_SWEEP_SMALL},
			     sw_ptr[] = {ALLOC_SWEEP_SMALL_PTR},
			     sw_large[] = {ALLOC_SWEEP_LARGE};
	static const struct {
		const char *family;
		peer_alloc_kind kind;
		const int64_t *sizes, *sweep;
		size_t nsizes, nsweep;
	} fam[] = {
		{"alloc_tiny", PEER_NOSCAN, tiny, NULL, 1, 0},
		{"alloc_small", PEER_NOSCAN, small, sw_small, 2, PM_N(sw_small)},
		{"alloc_small_ptr", PEER_SCAN, ptr, sw_ptr, 1, PM_N(sw_ptr)},
		{"alloc_large", PEER_NOSCAN, large, sw_large, 1, PM_N(sw_large)},
	};
	char gcname[64];
	for (size_t i = 0; i < PM_N(fam); i++) {
		pm_register_family(fam[i].family, fn, fam[i].kind, fam[i].sizes,
				   fam[i].nsizes, both, 2);
		if (fam[i].sweep != NULL)
			pm_register_family(fam[i].family, fn, fam[i].kind,
					   fam[i].sweep, fam[i].nsweep, one, 1);
	}
	for (size_t i = 0; gc && i < PM_N(fam); i++) {
		snprintf(gcname, sizeof gcname, "%s_gc", fam[i].family);
		pm_register_family(gcname, fn,
				   fam[i].kind == PEER_SCAN ? PEER_SCAN_GC
							    : PEER_NOSCAN_GC,
				   fam[i].sizes, fam[i].nsizes, both, 2);
	}
}
