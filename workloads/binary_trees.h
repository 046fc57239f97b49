/* binary_trees.h — the binary-trees run, for the workload and its test. */
#ifndef GOMEM_WORKLOADS_BINARY_TREES_H
#define GOMEM_WORKLOADS_BINARY_TREES_H

#include <stddef.h>

/* One run at depth n on an attached thread; writes the program's text
 * output to out (cap bytes, NUL-terminated) and returns its length. */
size_t gmb_binary_trees_run(int n, char *out, size_t cap);

#endif
