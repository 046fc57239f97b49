/*
 * panic.c — fatal errors (Go's panic.go throw/fatal).  See panic.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc/panic.h"

/* print "gomem: <kind>: <message>" in one write, then abort */
static void panic_print(const char *kind, const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "gomem: %s", kind);
	if (n >= 0 && (size_t)n < sizeof buf)
		vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", buf);
	fflush(stderr);
}

void gmi_throw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_print("fatal error: ", fmt, ap);
	va_end(ap);
	abort();
}

void gmi_misuse(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_print("", fmt, ap);
	va_end(ap);
	abort();
}
