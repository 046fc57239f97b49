/*
 * test_peers_go.c — the Go peer (workloads/go/) computes what the
 * Benchmarks Game says binary-trees must print at depth 10 (as
 * test_binary_trees.c checks gomem's), its objects reach the heap
 * (`go build -gcflags=-m` says they escape), and every barrier row of
 * gomem's has its Go twin, which runs.  Without Go (no `go` on PATH,
 * or the peer not built: GOMEM_BUILD_PEERS=OFF) each test says it is
 * skipped and passes.  No timing.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/peers.h"

#include "binary_trees_expected.h"

static bool have_go(void)
{
	return system("command -v go >/dev/null 2>&1") == 0;
}

/* BUILD/gomem-peer-go: this suite runs from BUILD/tests/. */
static bool peer_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	char *up = strrchr(self, '/');
	if (up != NULL)
		*up = '\0';
	gmb_peer_path(self, GMB_RT_GO, buf, len);
	return access(buf, X_OK) == 0;
}

/* The whole output of `cmd`, or NULL. */
static char *run(const char *cmd)
{
	static char out[1 << 16];
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return NULL;
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	return pclose(p) == 0 ? out : NULL;
}

/* Run the peer once, briefly, with `filters` (one or more quoted
 * --benchmark_filter flags), its JSON written to a temporary directory
 * and read back; the directory is gone on return.  NULL if it failed. */
static char *run_peer_json(const char *peer, const char *filters)
{
	char tmp[] = "/tmp/gomem-test-peer-XXXXXX", cmd[2 * PATH_MAX + 512];
	if (mkdtemp(tmp) == NULL)
		return NULL;
	snprintf(cmd, sizeof cmd, "'%s' %s --benchmark_min_time=0.01 "
		 "--benchmark_repetitions=1 --benchmark_out='%s/out.json' "
		 "--benchmark_out_format=json >/dev/null && cat '%s/out.json'; "
		 "s=$?; rm -rf '%s'; exit $s", peer, filters, tmp, tmp, tmp);
	return run(cmd);
}

START_TEST(binary_trees_depth_10)
{
	char peer[PATH_MAX + 32], cmd[PATH_MAX + 64];
	if (!have_go() || !peer_path(peer, sizeof peer)) {
		printf("test_peers_go: skipped: go or gomem-peer-go is absent "
		       "(Debian package golang-go; GOMEM_BUILD_PEERS=ON)\n");
		return;
	}
	snprintf(cmd, sizeof cmd, "'%s' binary_trees 10", peer);
	const char *out = run(cmd);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, binary_trees_expected_10);
}
END_TEST

START_TEST(objects_escape_to_the_heap)
{
	char src[PATH_MAX], cmd[2 * PATH_MAX + 256];
	if (!have_go()) {
		printf("test_peers_go: skipped: go is absent (golang-go)\n");
		return;
	}
	snprintf(src, sizeof src, "%s", __FILE__);
	*strrchr(src, '/') = '\0';
	char tmp[] = "/tmp/gomem-test-go-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(cmd, sizeof cmd, "cd '%s/../workloads/go' && GO111MODULE=on "
		 "GOPROXY=off GOCACHE='%s/cache' GOPATH='%s/path' go build "
		 "-gcflags=-m -o '%s/peer' . 2>&1", src, tmp, tmp, tmp);
	const char *out = run(cmd);
	ck_assert_msg(out != NULL, "go build -gcflags=-m failed");
	/* alloc.go's noscan and pointer objects, trees.go's nodes,
	 * steady.go's nodes */
	ck_assert_ptr_nonnull(strstr(out, "make([]byte, size) escapes to heap"));
	ck_assert_ptr_nonnull(strstr(out, "new(ptr32) escapes to heap"));
	ck_assert_ptr_nonnull(strstr(out, "&Node{} escapes to heap"));
	ck_assert_ptr_nonnull(strstr(out, "&steadyNode{...} escapes to heap"));
	snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", tmp, tmp);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The harness passes the user's filter, then a group's: the last wins
 * whole, its sign too (a leading '-' of the first once negated the
 * second, and make bench PEERS=1 ran Go's groups the wrong way round). */
START_TEST(last_filter_wins_with_its_sign)
{
	char peer[PATH_MAX + 32];
	if (!have_go() || !peer_path(peer, sizeof peer)) {
		printf("test_peers_go: skipped: go or gomem-peer-go is absent\n");
		return;
	}
	const char *out = run_peer_json(peer, "--benchmark_filter=-^alloc "
					"'--benchmark_filter=^barrier/go/nocycle$'");
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "\"barrier/go/nocycle"));
	ck_assert_ptr_null(strstr(out, "\"alloc_"));
	ck_assert_ptr_null(strstr(out, "\"binary_trees/"));
	ck_assert_ptr_null(strstr(out, "\"barrier/go/marking"));
}
END_TEST

/* `gomem-bench list` beside the peer: each barrier/gomem/CASE must have
 * barrier/go/CASE in `gomem-peer-go list`, or the report's Go column shows
 * "–" on that row */
static void check_barrier_twins(const char *peer)
{
	char bench[PATH_MAX + 32], cmd[PATH_MAX + 64];
	snprintf(bench, sizeof bench, "%s", peer);
	*strrchr(bench, '/') = '\0';
	snprintf(cmd, sizeof cmd, "'%s' list", peer);
	const char *out = run(cmd);
	ck_assert_ptr_nonnull(out);
	char *go = strdup(out); /* run's buffer is reused */
	ck_assert_ptr_nonnull(go);
	snprintf(cmd, sizeof cmd, "'%s/gomem-bench' list", bench);
	out = run(cmd);
	ck_assert_ptr_nonnull(out);
	int rows = 0;
	for (const char *p = strstr(out, "barrier/gomem/"); p != NULL;
	     p = strstr(p + 1, "barrier/gomem/")) {
		char twin[128];
		size_t n = strcspn(p + 14, "\n");
		snprintf(twin, sizeof twin, "barrier/go/%.*s\n", (int)n, p + 14);
		ck_assert_msg(strstr(go, twin) != NULL, "the Go peer lacks %s", twin);
		rows++;
	}
	ck_assert_int_ge(rows, 3); /* nocycle, marking, marking_spread */
	free(go);
}

START_TEST(barrier_rows_have_go_twins)
{
	char peer[PATH_MAX + 32];
	if (!have_go() || !peer_path(peer, sizeof peer)) {
		printf("test_peers_go: skipped: go or gomem-peer-go is absent\n");
		return;
	}
	check_barrier_twins(peer);
	/* the scattered case runs: one short run, stores counted */
	const char *out = run_peer_json(peer, "'--benchmark_filter=^barrier/go/marking_spread$'");
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "\"name\": \"barrier/go/marking_spread\""));
	ck_assert_ptr_nonnull(strstr(out, "\"items_per_second\""));
	ck_assert_ptr_null(strstr(out, "\"error_message\""));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("peers_go");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 300); /* a cold go build */
	tcase_add_test(tc, binary_trees_depth_10);
	tcase_add_test(tc, objects_escape_to_the_heap);
	tcase_add_test(tc, last_filter_wins_with_its_sign);
	tcase_add_test(tc, barrier_rows_have_go_twins);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
