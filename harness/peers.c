/*
 * peers.c — the runtimes of `run --runtime=LIST` (see peers.h): their
 * table, parsing the list, the skip logic, the round-robin order of an
 * interleaved run, peer filters, and the fidelity judgement.
 *
 * 1. The table below is the one place a runtime is described: its name,
 *    the component its benchmark names carry, its column label, its
 *    Debian package.
 * 2. gmb_runtimes_resolve checks each peer's executable (access X_OK) in
 *    the directory gomem-bench runs from; a missing one is skipped with a
 *    line naming its package, and the run goes on without it.
 * 3. An interleaved run (run.c) runs repetition r of every runtime before
 *    repetition r + 1 of any, the order rotated by r
 *    (gmb_runtimes_rotate), so that slow drift of the machine (thermal,
 *    other jobs) lands on every runtime alike.
 */
#include "harness/peers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/errf.h"

static const gmb_runtime_info rt_table[GMB_RT_COUNT] = {
	[GMB_RT_GOMEM] = {"gomem", "gomem", "gomem", "(this project)",
			  "the workloads of workloads/*.c"},
	[GMB_RT_GO] = {"go", "go", "Go", "golang-go",
		       "the workloads written again in Go (workloads/go/)"},
	[GMB_RT_BOEHM] = {"boehm", "boehm", "Boehm GC", "libgc-dev",
			  "GC_MALLOC / GC_MALLOC_ATOMIC, binary_trees, "
			  "steady_heap (peers/boehm.c)"},
	/* glibc's malloc is ptmalloc2; the in-process malloc baselines of
	 * workloads/alloc.c already own the component "glibc". */
	[GMB_RT_GLIBC] = {"glibc", "ptmalloc", "glibc calloc (own process)",
			  "libc6-dev", "calloc + free (peers/malloc.c)"},
	[GMB_RT_JEMALLOC] = {"jemalloc", "jemalloc", "jemalloc calloc",
			     "libjemalloc-dev", "calloc + free (peers/malloc.c)"},
	[GMB_RT_MIMALLOC] = {"mimalloc", "mimalloc", "mimalloc calloc",
			     "libmimalloc-dev", "calloc + free (peers/malloc.c)"},
	[GMB_RT_TCMALLOC] = {"tcmalloc", "tcmalloc", "tcmalloc calloc",
			     "libgoogle-perftools-dev",
			     "calloc + free (peers/malloc.c)"},
};

const gmb_runtime_info *gmb_runtime_get(gmb_runtime rt)
{
	return rt >= 0 && rt < GMB_RT_COUNT ? &rt_table[rt] : NULL;
}

int gmb_runtime_lookup(const char *word)
{
	for (int i = 0; i < GMB_RT_COUNT; i++)
		if (strcmp(word, rt_table[i].name) == 0 ||
		    strcmp(word, rt_table[i].component) == 0)
			return i;
	return -1;
}

/* One word of the list into out; 0 or -1 with a message. */
static int rt_parse_word(const char *w, size_t len, gmb_runtime_list *out,
			 char *err, size_t errlen)
{
	char word[32];
	if (len == 0)
		return gmb_errf(err, errlen, "--runtime: an empty name in the "
				"list; accepted: " GMB_RUNTIMES_ACCEPTED);
	snprintf(word, sizeof word, "%.*s", (int)(len < 31 ? len : 31), w);
	int rt = -1;
	for (int i = 0; i < GMB_RT_COUNT && len < 31; i++)
		if (strcmp(word, rt_table[i].name) == 0)
			rt = i;
	if (rt < 0)
		return gmb_errf(err, errlen, "--runtime: '%s' is not a runtime; "
				"accepted: " GMB_RUNTIMES_ACCEPTED, word);
	for (size_t i = 0; i < out->n; i++)
		if (out->rt[i] == (gmb_runtime)rt)
			return gmb_errf(err, errlen, "--runtime: '%s' is given "
					"twice", word);
	out->rt[out->n++] = (gmb_runtime)rt;
	return 0;
}

int gmb_runtimes_parse(const char *list, gmb_runtime_list *out, char *err,
		       size_t errlen)
{
	out->n = 0;
	if (list == NULL || *list == '\0')
		return gmb_errf(err, errlen, "--runtime needs a list, e.g. "
				"--runtime=gomem,go; accepted: "
				GMB_RUNTIMES_ACCEPTED);
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		if (rt_parse_word(p, len, out, err, errlen) != 0)
			return -1;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

void gmb_peer_path(const char *dir, gmb_runtime rt, char *buf, size_t len)
{
	snprintf(buf, len, "%s/gomem-peer-%s", dir, rt_table[rt].name);
}

size_t gmb_runtimes_resolve(const gmb_runtime_list *want, const char *dir,
			    gmb_runtime_list *run,
			    char (*skips)[GMB_SKIP_LEN])
{
	size_t nskip = 0;
	char path[4096];
	run->n = 0;
	for (size_t i = 0; i < want->n; i++) {
		gmb_runtime rt = want->rt[i];
		gmb_peer_path(dir, rt, path, sizeof path);
		if (rt == GMB_RT_GOMEM || access(path, X_OK) == 0) {
			run->rt[run->n++] = rt;
			continue;
		}
		snprintf(skips[nskip++], GMB_SKIP_LEN,
			 "%s skipped: gomem-peer-%s was not built (install the "
			 "Debian package %s, e.g. with make bench PEERS=1, "
			 "then rebuild)", rt_table[rt].name, rt_table[rt].name,
			 rt_table[rt].package);
	}
	return nskip;
}

void gmb_runtimes_rotate(const gmb_runtime_list *list, size_t round,
			 gmb_runtime *out)
{
	for (size_t i = 0; i < list->n; i++)
		out[i] = list->rt[(i + round) % list->n];
}

bool gmb_peer_flag(const char *flag, gmb_runtime rt, char *buf, size_t len)
{
	static const char from[] = "/gomem/";
	size_t used = 0;
	bool filter = strncmp(flag, "--benchmark_filter", 18) == 0;
	for (const char *p = flag; *p != '\0';) {
		const char *hit = filter ? strstr(p, from) : NULL;
		size_t keep = hit != NULL ? (size_t)(hit - p) : strlen(p);
		int n = snprintf(buf + used, len - used, "%.*s%s", (int)keep, p,
				 hit != NULL ? "/" : "");
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
		p += keep;
		if (hit == NULL)
			break;
		n = snprintf(buf + used, len - used, "%s/",
			     rt_table[rt].component);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
		p += sizeof from - 1;
	}
	if (len > 0 && used == 0)
		buf[0] = '\0';
	return true;
}

/* (a - b) / b in percent; NaN when b is missing or zero. */
static double rt_pct(double a, double b)
{
	if (!(b > 0) || isnan(a))
		return NAN;
	return (a - b) / b * 100;
}

void gmb_fidelity_judge(gmb_fidelity *f)
{
	f->cycles_pct = rt_pct(f->gomem_cycles, f->go_cycles);
	f->heap_pct = rt_pct(f->gomem_heap, f->go_heap);
	f->cycles_few = !(f->gomem_run_cycles >= GMB_FIDELITY_MIN_CYCLES) ||
			!(f->go_run_cycles >= GMB_FIDELITY_MIN_CYCLES);
	f->cycles_flag = !f->cycles_few && fabs(f->cycles_pct) > GMB_FIDELITY_CYCLES_PCT;
	f->heap_flag = fabs(f->heap_pct) > GMB_FIDELITY_HEAP_PCT;
}
