/* SPDX-License-Identifier: ISC */
/*
 * util.c - small helpers shared by several rooms.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

long long
util_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
util_mono_coarse_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == -1)
		return util_mono_ms();
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
util_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
util_parse_llong(const char *s, long long lo, long long hi, long long *out)
{
	char		*end;
	long long	 v;

	/* strtoll skips leading blanks and takes a sign: " 5" is no number. */
	if (*s != '-' && (*s < '0' || *s > '9'))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_long(const char *s, long lo, long hi, long *out)
{
	long long	v;

	if (util_parse_llong(s, lo, hi, &v) == -1)
		return -1;
	*out = (long)v;
	return 0;
}

const char *
util_env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
util_utc(int y, int mo, int d, int h, int mi, int s, long long *t)
{
	static const int	mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	long long		days;
	int			leap, era, yoe, doy;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || y > 999999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap) || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || s < 0 || s > 59)
		return 0;
	/* Days from 1970-01-01: the civil calendar in eras of 400 years. */
	if (mo <= 2)
		y--;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	days = (long long)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 +
	    doy - 719468;
	*t = days * 86400 + h * 3600 + mi * 60 + s;
	return 1;
}

/* n decimal digits at s, or -1. */
static int
digits(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Which of the 3-letter names in list (any case) s starts with, or -1. */
static int
name3(const char *s, const char *list)
{
	int	 i;

	for (i = 0; list[3 * i] != '\0'; i++)
		if (strncasecmp(s, list + 3 * i, 3) == 0)
			return i;
	return -1;
}

int
util_imfdate(const char *s, long long *t)
{
	int	 mo;

	/* "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes, fixed places. */
	if (strlen(s) != 29 || name3(s, "MonTueWedThuFriSatSun") == -1 ||
	    strncmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    strcmp(s + 25, " GMT") != 0 ||
	    (mo = name3(s + 8, "JanFebMarAprMayJunJulAugSepOctNovDec")) == -1)
		return 0;
	return util_utc(digits(s + 12, 4), mo + 1, digits(s + 5, 2),
	    digits(s + 17, 2), digits(s + 20, 2), digits(s + 23, 2), t);
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

void
util_free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int
util_write_all(int fd, const void *p, size_t len)
{
	const char	*b = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int
util_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t	 ncap;
	void	*np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return -1;
		ncap *= 2;
	}
	if ((np = reallocarray(*p, ncap, size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}
