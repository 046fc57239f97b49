/*
 * errf.h — formatting an error message into a caller's buffer, for the
 * harness's functions that report errors as text (settings, results).
 */
#ifndef GOMEM_HARNESS_ERRF_H
#define GOMEM_HARNESS_ERRF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Write the message into err (errlen bytes, may be 0) and return -1. */
static inline int gmb_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline int gmb_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
