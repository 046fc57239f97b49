/*
 * results.h — the results directory of one run.
 *
 * A run writes into DIR (default results/<YYYYmmdd-HHMMSS>, UTC): never
 * over earlier results, and never half: each file is written under a
 * temporary name (DIR/.NAME.partial) and renamed when the run succeeds.
 * Until then an exit, a fatal error or a terminating signal removes the
 * temporary files, and DIR itself when this run created it.
 */
#ifndef GOMEM_HARNESS_RESULTS_H
#define GOMEM_HARNESS_RESULTS_H

/* Choose DIR (`dir`, or the default when NULL) and check it: it must not
 * exist, or be an empty directory.  Nothing is created yet.  Returns 0, or
 * an exit status (2: DIR is in use; 1: it cannot be checked) after a
 * message naming the path. */
int gmb_results_prepare(const char *dir);
const char *gmb_results_dir(void);

/* Where to write the file `name` (e.g. "alloc.json") until the commit.
 * The returned path stays valid until exit.  NULL if too many files or
 * the path is too long (with a message). */
const char *gmb_results_add(const char *name);
/* The final path of a file added with gmb_results_add. */
const char *gmb_results_final(const char *name);

/* Create DIR (and its parents) and arm the cleanup.  0, or 1 after a
 * message. */
int gmb_results_create(void);
/* Rename every temporary file to its final name.  0, or 1 after a
 * message (the temporary files are then removed). */
int gmb_results_commit(void);
/* Remove the temporary files, and DIR when this run created it. */
void gmb_results_abandon(void);

#endif /* GOMEM_HARNESS_RESULTS_H */
