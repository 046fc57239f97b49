/*
 * summary.h — the table `gomem-bench run` prints at the end: for each gomem
 * benchmark its median time per iteration, its glibc twin's, and the ratio.
 *
 * A gomem benchmark and its baseline are twins when their names differ
 * only in the allocator component: "alloc_tiny/gomem/8/threads:1" and
 * "alloc_tiny/glibc/8/threads:1".
 */
#ifndef GOMEM_HARNESS_SUMMARY_H
#define GOMEM_HARNESS_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/shim.h"

typedef struct gmb_summary_row gmb_summary_row;

typedef struct gmb_summary {
	gmb_summary_row *rows; /* one per benchmark instance, in run order */
	size_t n, cap;
	bool any_error;
} gmb_summary;

/* A gmb_result_fn: record one reported run (ctx is the gmb_summary). */
void gmb_summary_add(const gmb_result *r, void *ctx);
void gmb_summary_print(const gmb_summary *s, FILE *out);
void gmb_summary_free(gmb_summary *s);

#endif /* GOMEM_HARNESS_SUMMARY_H */
