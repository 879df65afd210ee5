/* SPDX-License-Identifier: ISC */
/*
 * util.c - small helpers shared by several rooms.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

long long
util_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
util_parse_long(const char *s, long lo, long hi, long *out)
{
	char	*end;
	long	 v;

	/* strtol skips leading blanks and takes a sign: " 5" is no number. */
	if (*s != '-' && (*s < '0' || *s > '9'))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
