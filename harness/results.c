/*
 * results.c — the results directory of one run (see results.h).
 *
 * State: the directory, whether this run created it, and up to
 * RESULTS_MAX_FILES (temporary, final) path pairs, all in static arrays so
 * that the signal handler reads them without allocating.
 *
 * 1. prepare: pick DIR, refuse it when it exists and is not an empty
 *    directory (earlier results are never overwritten).
 * 2. add: name each output file; its writer gets DIR/.NAME.partial.
 * 3. create: mkdir -p DIR; from here the cleanup is armed (atexit, and the
 *    terminating signals SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGBUS).
 * 4. commit: rename every .partial to NAME, then disarm.
 * The cleanup (abandon) unlinks the .partial files and rmdirs DIR when this
 * run created it; rmdir only removes an empty directory, so it never takes
 * anything it did not make.  Both calls are async-signal-safe.
 */
#include "harness/results.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 8 files per run: one JSON per workload group plus per-cycle CSVs, with
 * room to spare. */
#define RESULTS_MAX_FILES 8

static char res_dir[PATH_MAX];
static char res_temp[RESULTS_MAX_FILES][PATH_MAX];
static char res_final[RESULTS_MAX_FILES][PATH_MAX];
static char res_name[RESULTS_MAX_FILES][NAME_MAX + 1];
static int res_nfiles;
static volatile sig_atomic_t res_armed;     /* cleanup due on exit */
static volatile sig_atomic_t res_made_dir;  /* this run created res_dir */

/* 0 when `path` is absent or an empty directory; else an exit status
 * after a message. */
static int results_check_unused(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "gomem-bench: cannot check %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "gomem-bench: %s exists and is not a directory; "
			"choose another --out\n", path);
		return 2;
	}
	DIR *d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "gomem-bench: cannot read %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	if (empty)
		return 0;
	fprintf(stderr, "gomem-bench: %s already holds results and is never "
		"overwritten; choose another --out or remove it\n", path);
	return 2;
}

/* results/<YYYYmmdd-HHMMSS>, UTC */
static void results_default_dir(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, n, "results/%s", stamp);
}

int gmb_results_prepare(const char *dir)
{
	if (dir == NULL)
		results_default_dir(res_dir, sizeof res_dir);
	else if ((size_t)snprintf(res_dir, sizeof res_dir, "%s", dir) >=
		 sizeof res_dir) {
		fprintf(stderr, "gomem-bench: --out path is too long\n");
		return 2;
	}
	size_t n = strlen(res_dir);
	while (n > 1 && res_dir[n - 1] == '/')
		res_dir[--n] = '\0';
	return results_check_unused(res_dir);
}

const char *gmb_results_dir(void) { return res_dir; }

const char *gmb_results_add(const char *name)
{
	int i = res_nfiles;
	if (i == RESULTS_MAX_FILES || strlen(name) > NAME_MAX - 10) {
		fprintf(stderr, "gomem-bench: cannot add result file %s\n", name);
		return NULL;
	}
	int a = snprintf(res_temp[i], PATH_MAX, "%s/.%s.partial", res_dir, name);
	int b = snprintf(res_final[i], PATH_MAX, "%s/%s", res_dir, name);
	if (a < 0 || a >= PATH_MAX || b < 0 || b >= PATH_MAX) {
		fprintf(stderr, "gomem-bench: path too long: %s/%s\n", res_dir,
			name);
		return NULL;
	}
	snprintf(res_name[i], sizeof res_name[i], "%s", name);
	res_nfiles = i + 1;
	return res_temp[i];
}

const char *gmb_results_final(const char *name)
{
	for (int i = 0; i < res_nfiles; i++)
		if (strcmp(res_name[i], name) == 0)
			return res_final[i];
	return NULL;
}

void gmb_results_abandon(void)
{
	for (int i = 0; i < res_nfiles; i++)
		unlink(res_temp[i]);
	if (res_made_dir)
		rmdir(res_dir);
	res_armed = 0;
}

static void results_at_exit(void)
{
	if (res_armed)
		gmb_results_abandon();
}

static void results_on_signal(int sig)
{
	if (res_armed)
		gmb_results_abandon();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void results_arm(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV,
				   SIGBUS};
	static bool installed;
	res_armed = 1;
	if (installed)
		return;
	installed = true;
	atexit(results_at_exit);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = results_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

/* mkdir -p: 0, or -1 with errno set. */
static int results_mkdir_p(char *path)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0777);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

int gmb_results_create(void)
{
	int rc = results_check_unused(res_dir); /* again: time has passed */
	if (rc != 0)
		return rc;
	if (results_mkdir_p(res_dir) == 0 && mkdir(res_dir, 0777) == 0)
		res_made_dir = 1;
	else if (errno != EEXIST) {
		fprintf(stderr, "gomem-bench: cannot create %s: %s\n", res_dir,
			strerror(errno));
		return 1;
	}
	results_arm();
	return 0;
}

int gmb_results_commit(void)
{
	for (int i = 0; i < res_nfiles; i++) {
		if (rename(res_temp[i], res_final[i]) != 0) {
			fprintf(stderr, "gomem-bench: cannot rename %s to %s: %s\n",
				res_temp[i], res_final[i], strerror(errno));
			for (int j = 0; j < i; j++)
				unlink(res_final[j]);
			gmb_results_abandon();
			return 1;
		}
	}
	res_armed = 0;
	return 0;
}
