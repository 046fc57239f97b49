/*
 * results.c — the results directory of one run, while it is written (see
 * results.h; resultsjson.c reads and merges the JSON).
 *
 * State: the final directory DIR, the temporary directory TMP beside it
 * (same parent, so the final rename stays within one file system), an open
 * descriptor of TMP, the names of the files put in it, and the pid of the
 * child process running a configuration.  What the cleanup reads lives in
 * static arrays, so that the signal handler neither allocates nor formats.
 *
 * 1. prepare: pick DIR; refuse it unless it is absent or an empty
 *    directory (earlier results are never overwritten); derive
 *    TMP = <parent>/.<base>.partial-<pid>.
 * 2. create: mkdir -p the parent, mkdir TMP, open it; from here the
 *    cleanup is armed (atexit, and the terminating signals SIGINT,
 *    SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGBUS).
 * 3. add: each file is named before anything writes it, so the cleanup
 *    knows it; a name may be "DIR/FILE" (one level, e.g. cycles/), and
 *    DIR is then made and removed along with its files.
 * 4. commit: rename TMP to DIR (replacing DIR when it is an empty
 *    directory; a non-empty one makes the rename fail, so nothing is ever
 *    overwritten), then swing results/latest to it with a symlink renamed
 *    over the old one (atomic: readers see the old run or the new one).
 * The cleanup (abandon) passes a terminating signal on to the child and
 * waits for it, unlinks the named files through the descriptor of TMP and
 * removes TMP: all async-signal-safe calls (kill, waitpid, unlinkat, rmdir,
 * close).  rmdir only removes an empty directory, so it never takes
 * anything this run did not make.
 */
#include "harness/results.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/settings.h"

/* One file per configuration, plus bench.json, context.json and room. */
#define RESULTS_MAX_FILES (GMB_CONFIGS_MAX + 8)
/* Names are ours ("config-1023.json", "cycles/<label>.csv"), never a
 * user's: a label is at most GMB_CONFIG_TEXT_MAX bytes. */
#define RESULTS_NAME_MAX (GMB_CONFIG_TEXT_MAX + 32)
/* Subdirectories of TMP files may go in (one level: "cycles"). */
#define RESULTS_MAX_DIRS 4
/* The directory that results/latest lives in, relative to the working
 * directory, as the default DIR is. */
#define RESULTS_ROOT "results"

static char res_dir[PATH_MAX];    /* DIR */
static char res_parent[PATH_MAX]; /* DIR's parent ("." when none) */
static char res_base[NAME_MAX + 1];
static char res_tmp[PATH_MAX];    /* TMP */
static char res_names[RESULTS_MAX_FILES][RESULTS_NAME_MAX];
static char res_dirs[RESULTS_MAX_DIRS][RESULTS_NAME_MAX];
static volatile sig_atomic_t res_ndirs;
static char *res_paths[RESULTS_MAX_FILES]; /* TMP/name, for writers */
static volatile sig_atomic_t res_nfiles;
static volatile sig_atomic_t res_tmpfd = -1;
static volatile sig_atomic_t res_armed; /* cleanup due on exit */
static volatile sig_atomic_t res_child; /* pid, or 0 */

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
			"choose another --out or --name\n", path);
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
		"overwritten; choose another --out or --name, or remove it\n",
		path);
	return 2;
}

/* <YYYYmmdd-HHMMSS>-<revision>, UTC */
static void results_default_name(char *buf, size_t n, const char *revision)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, n, "%s-%s", stamp, revision);
}

/* 0 when --name NAME can name a directory under results/; else 2. */
static int results_check_name(const char *name)
{
	if (name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL &&
	    strcmp(name, "latest") != 0 && strlen(name) < 200)
		return 0;
	fprintf(stderr, "gomem-bench: --name %s: a run's name must be one "
		"path component, not empty, not starting with '.', not "
		"'latest', under 200 bytes\n", name);
	return 2;
}

/* Split res_dir into res_parent and res_base, and derive res_tmp. */
static int results_split(void)
{
	char *slash = strrchr(res_dir, '/');
	const char *base = slash != NULL ? slash + 1 : res_dir;
	if (slash == res_dir)
		snprintf(res_parent, sizeof res_parent, "/");
	else if (slash != NULL)
		snprintf(res_parent, sizeof res_parent, "%.*s",
			 (int)(slash - res_dir), res_dir);
	else
		snprintf(res_parent, sizeof res_parent, ".");
	if (base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0 || strlen(base) > NAME_MAX - 32) {
		fprintf(stderr, "gomem-bench: %s cannot be a results directory "
			"(name it, e.g. --out %s/run1)\n", res_dir, res_dir);
		return 2;
	}
	memcpy(res_base, base, strlen(base) + 1); /* fits: checked above */
	int k = snprintf(res_tmp, sizeof res_tmp, "%s/.%s.partial-%ld",
			 res_parent, res_base, (long)getpid());
	if (k < 0 || (size_t)k >= sizeof res_tmp) {
		fprintf(stderr, "gomem-bench: --out path is too long\n");
		return 2;
	}
	return 0;
}

int gmb_results_prepare(const char *out, const char *name,
			const char *revision)
{
	char def[256];
	int k;
	if (out == NULL && name != NULL && results_check_name(name) != 0)
		return 2;
	if (out == NULL && name == NULL) {
		results_default_name(def, sizeof def, revision);
		name = def;
	}
	if (out != NULL)
		k = snprintf(res_dir, sizeof res_dir, "%s", out);
	else
		k = snprintf(res_dir, sizeof res_dir, RESULTS_ROOT "/%s", name);
	if (k < 0 || (size_t)k >= sizeof res_dir - 64) {
		fprintf(stderr, "gomem-bench: --out path is too long\n");
		return 2;
	}
	size_t n = strlen(res_dir);
	while (n > 1 && res_dir[n - 1] == '/')
		res_dir[--n] = '\0';
	int rc = results_split();
	return rc != 0 ? rc : results_check_unused(res_dir);
}

const char *gmb_results_dir(void) { return res_dir; }

/* ---- the cleanup ---------------------------------------------------------- */

/* Async-signal-safe: called from the handler as well. */
static void results_remove_tmp(void)
{
	int fd = res_tmpfd;
	for (int i = 0; fd >= 0 && i < res_nfiles; i++)
		unlinkat(fd, res_names[i], 0);
	for (int i = 0; fd >= 0 && i < res_ndirs; i++)
		unlinkat(fd, res_dirs[i], AT_REMOVEDIR);
	if (fd >= 0) {
		close(fd);
		res_tmpfd = -1;
		rmdir(res_tmp);
	}
}

static void results_free_paths(void)
{
	for (int i = 0; i < res_nfiles; i++) {
		free(res_paths[i]);
		res_paths[i] = NULL;
	}
}

void gmb_results_abandon(void)
{
	res_armed = 0;
	results_remove_tmp();
	results_free_paths();
	res_nfiles = 0;
	res_ndirs = 0;
}

static void results_at_exit(void)
{
	if (res_armed)
		gmb_results_abandon();
}

static void results_on_signal(int sig)
{
	pid_t child = (pid_t)res_child;
	if (child > 0) {
		kill(child, sig == SIGINT ? SIGINT : SIGTERM);
		waitpid(child, NULL, 0);
	}
	if (res_armed) {
		res_armed = 0;
		results_remove_tmp();
	}
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

void gmb_results_set_child(pid_t pid) { res_child = (sig_atomic_t)pid; }

/* ---- creating and filling TMP ------------------------------------------- */

/* mkdir -p: 0, or -1 with errno set. */
static int results_mkdir_p(const char *dir)
{
	char path[PATH_MAX + 2];
	snprintf(path, sizeof path, "%s/", dir);
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
	if (results_mkdir_p(res_parent) != 0 || mkdir(res_tmp, 0777) != 0) {
		fprintf(stderr, "gomem-bench: cannot create %s: %s\n", res_tmp,
			strerror(errno));
		return 1;
	}
	int fd = open(res_tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "gomem-bench: cannot open %s: %s\n", res_tmp,
			strerror(errno));
		rmdir(res_tmp);
		return 1;
	}
	res_tmpfd = fd;
	results_arm();
	return 0;
}

/* For a name "DIR/FILE", create TMP/DIR once (recorded for the cleanup).
 * 0, or -1 after a message. */
static int results_add_dir(const char *name)
{
	const char *slash = strchr(name, '/');
	if (slash == NULL)
		return 0;
	size_t n = (size_t)(slash - name);
	for (int i = 0; i < res_ndirs; i++)
		if (strlen(res_dirs[i]) == n && strncmp(res_dirs[i], name, n) == 0)
			return 0;
	if (res_ndirs == RESULTS_MAX_DIRS) {
		fprintf(stderr, "gomem-bench: too many result directories\n");
		return -1;
	}
	memcpy(res_dirs[res_ndirs], name, n);
	res_dirs[res_ndirs][n] = '\0';
	if (mkdirat(res_tmpfd, res_dirs[res_ndirs], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "gomem-bench: cannot create %s/%s: %s\n", res_tmp,
			res_dirs[res_ndirs], strerror(errno));
		return -1;
	}
	res_ndirs++; /* after the name is complete: the handler reads it */
	return 0;
}

/* A name TMP may hold: "FILE" or "DIR/FILE", no "." or ".." parts. */
static bool results_name_ok(const char *name)
{
	const char *slash = strchr(name, '/');
	const char *file = slash != NULL ? slash + 1 : name;
	return name[0] != '\0' && name[0] != '.' && name[0] != '/' &&
	       strlen(name) < RESULTS_NAME_MAX && file[0] != '\0' &&
	       file[0] != '.' && strchr(file, '/') == NULL;
}

const char *gmb_results_add(const char *name)
{
	int i = res_nfiles;
	size_t len = strlen(res_tmp) + strlen(name) + 2;
	if (i == RESULTS_MAX_FILES || !results_name_ok(name) || res_tmpfd < 0) {
		fprintf(stderr, "gomem-bench: cannot add result file %s\n", name);
		return NULL;
	}
	if (results_add_dir(name) != 0)
		return NULL;
	if ((res_paths[i] = malloc(len)) == NULL) {
		fprintf(stderr, "gomem-bench: out of memory\n");
		return NULL;
	}
	snprintf(res_paths[i], len, "%s/%s", res_tmp, name);
	memcpy(res_names[i], name, strlen(name) + 1);
	res_nfiles = i + 1; /* after the name is complete: the handler reads it */
	return res_paths[i];
}

void gmb_results_drop(const char *name)
{
	for (int i = 0; i < res_nfiles; i++) {
		if (strcmp(res_names[i], name) != 0)
			continue;
		if (res_tmpfd >= 0)
			unlinkat(res_tmpfd, name, 0);
		/* the cleanup may read the last entry meanwhile: shrink first */
		int last = res_nfiles - 1;
		char *path = res_paths[i];
		res_nfiles = last;
		memcpy(res_names[i], res_names[last], RESULTS_NAME_MAX);
		res_paths[i] = res_paths[last];
		res_paths[last] = NULL;
		free(path);
		return;
	}
}

const char *gmb_results_final(const char *name)
{
	static char path[PATH_MAX + RESULTS_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", res_dir, name);
	return path;
}

/* ---- commit --------------------------------------------------------------- */

/* true when DIR's parent is results/ (by identity, not by spelling). */
static bool results_under_root(void)
{
	struct stat a, b;
	return stat(res_parent, &a) == 0 && stat(RESULTS_ROOT, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* results/latest -> <base>, replaced atomically.  A warning (not a
 * failure: the run itself succeeded) when that cannot be done. */
static void results_update_latest(void)
{
	char link[PATH_MAX + 16], tmp[PATH_MAX + 32];
	struct stat sb;
	snprintf(link, sizeof link, "%s/latest", res_parent);
	snprintf(tmp, sizeof tmp, "%s/.latest.%ld", res_parent, (long)getpid());
	if (lstat(link, &sb) == 0 && !S_ISLNK(sb.st_mode)) {
		fprintf(stderr, "gomem-bench: warning: %s is not a symlink; "
			"left as it is\n", link);
		return;
	}
	unlink(tmp);
	if (symlink(res_base, tmp) != 0 || rename(tmp, link) != 0) {
		fprintf(stderr, "gomem-bench: warning: cannot point %s at %s: "
			"%s\n", link, res_base, strerror(errno));
		unlink(tmp);
	}
}

int gmb_results_commit(bool latest)
{
	if (res_tmpfd >= 0) {
		for (int i = 0; i < res_ndirs; i++) /* only the empty ones go */
			unlinkat(res_tmpfd, res_dirs[i], AT_REMOVEDIR);
		fsync(res_tmpfd);
		close(res_tmpfd);
		res_tmpfd = -1;
	}
	res_armed = 0; /* from here TMP holds finished results: keep them */
	if (rename(res_tmp, res_dir) != 0) {
		fprintf(stderr, "gomem-bench: cannot rename %s to %s: %s; the "
			"results are kept in %s\n", res_tmp, res_dir,
			strerror(errno), res_tmp);
		results_free_paths();
		return 1;
	}
	if (latest && results_under_root())
		results_update_latest();
	results_free_paths();
	res_nfiles = 0;
	res_ndirs = 0;
	return 0;
}

/* ---- merging CSV parts -------------------------------------------------- */

/* Copy the lines of `path` into out, each led by "index,"; the number of
 * lines, or -1 when it cannot be read (a missing file has none). */
static long results_copy_part(const char *path, size_t index, FILE *out)
{
	FILE *in = fopen(path, "r");
	char line[8192];
	long n = 0;
	bool fresh = true; /* at the start of a line */
	if (in == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof line, in) != NULL) {
		if (fresh && line[0] != '\n') {
			fprintf(out, "%zu,", index);
			n++;
		}
		if (fresh && line[0] == '\n')
			continue;
		fputs(line, out);
		fresh = strchr(line, '\n') != NULL;
	}
	if (!fresh)
		fputc('\n', out); /* a last line cut short */
	bool bad = ferror(in) != 0;
	fclose(in);
	return bad ? -1 : n;
}

long gmb_results_merge_csv(const char *const *parts, size_t n,
			   const char *header, const char *out, char *err,
			   size_t errlen)
{
	FILE *f = fopen(out, "w");
	long rows = 0;
	if (f == NULL) {
		snprintf(err, errlen, "cannot create %s: %s", out,
			 strerror(errno));
		return -1;
	}
	fprintf(f, "%s\n", header);
	for (size_t i = 0; i < n && rows >= 0; i++) {
		long k = parts[i] != NULL ? results_copy_part(parts[i], i, f) : 0;
		if (k < 0)
			snprintf(err, errlen, "cannot read %s: %s", parts[i],
				 strerror(errno));
		rows = k < 0 ? -1 : rows + k;
	}
	if (fclose(f) != 0 && rows >= 0) {
		snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
		rows = -1;
	}
	return rows;
}

int gmb_results_merge_parts(size_t n, const char *kind, const char *file,
			    const char *header)
{
	char err[1024], name[64];
	const char **parts = calloc(n ? n : 1, sizeof *parts);
	const char *out = gmb_results_add(file);
	long rows = -1;
	for (size_t i = 0; parts != NULL && i < n; i++) {
		snprintf(name, sizeof name, "config-%zu.%s.csv", i, kind);
		parts[i] = gmb_results_add(name);
	}
	if (parts != NULL && out != NULL &&
	    (rows = gmb_results_merge_csv(parts, n, header, out, err,
					  sizeof err)) < 0)
		fprintf(stderr, "gomem-bench run: %s\n", err);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "config-%zu.%s.csv", i, kind);
		gmb_results_drop(name);
	}
	if (rows == 0)
		gmb_results_drop(file);
	free(parts);
	return rows < 0 ? -1 : 0;
}
