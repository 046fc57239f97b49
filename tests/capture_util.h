/*
 * capture_util.h — what a call writes to a standard stream, for the suites
 * that check a function's or a command's messages (test_run, test_gctrace,
 * test_noise): stdio is flushed, the descriptor pointed at a temporary
 * file, then put back and the file read.  Included by exactly one
 * translation unit per suite, so its functions are static.
 */
#ifndef GOMEM_TESTS_CAPTURE_UTIL_H
#define GOMEM_TESTS_CAPTURE_UTIL_H

#include <check.h>
#include <stdio.h>
#include <unistd.h>

typedef struct capture {
	int fd;     /* STDOUT_FILENO or STDERR_FILENO */
	int saved;  /* the descriptor it had */
	FILE *tmp;  /* where it writes meanwhile */
} capture;

/* from here on, what is written to fd goes to a temporary file */
static inline capture capture_begin(int fd)
{
	capture c = { fd, -1, tmpfile() };
	ck_assert_ptr_nonnull(c.tmp);
	fflush(stdout);
	fflush(stderr);
	c.saved = dup(fd);
	ck_assert_int_ge(c.saved, 0);
	ck_assert_int_ge(dup2(fileno(c.tmp), fd), 0);
	return c;
}

/* fd back as it was; what was written to it into buf (len bytes at most,
 * NUL included) */
static inline void capture_end(capture *c, char *buf, size_t len)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	rewind(c->tmp);
	size_t n = fread(buf, 1, len - 1, c->tmp);
	buf[n] = '\0';
	fclose(c->tmp);
}

#endif
