/*
 * binary_trees_expected.h — the Benchmarks Game's published output of
 * binary-trees for n = 10 (binarytrees-output.txt), which both gomem's
 * workload (test_binary_trees.c) and the Go peer (test_peers_go.c) must
 * print exactly.
 */
#ifndef GOMEM_TESTS_BINARY_TREES_EXPECTED_H
#define GOMEM_TESTS_BINARY_TREES_EXPECTED_H

static const char binary_trees_expected_10[] =
	"stretch tree of depth 11\t check: 4095\n"
	"1024\t trees of depth 4\t check: 31744\n"
	"256\t trees of depth 6\t check: 32512\n"
	"64\t trees of depth 8\t check: 32704\n"
	"16\t trees of depth 10\t check: 32752\n"
	"long lived tree of depth 10\t check: 2047\n";

#endif
