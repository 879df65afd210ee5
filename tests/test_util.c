/* SPDX-License-Identifier: ISC */
/*
 * test_util.c - util.c's helpers: range-checked numbers, the environment,
 * hex digits, freeing secrets, the monotonic clock, whole writes, HTTP
 * dates.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "unit.h"

static void
test_parse_long(void)
{
	long		v = 42;
	long long	ll = 42;
	char		big[32];

	CHECK(util_parse_long("0", 0, 10, &v) == 0 && v == 0, "0");
	CHECK(util_parse_long("900", 900, 43200, &v) == 0 && v == 900, "lo");
	CHECK(util_parse_long("43200", 900, 43200, &v) == 0 && v == 43200,
	    "hi");
	CHECK(util_parse_long("899", 900, 43200, &v) == -1, "below lo");
	CHECK(util_parse_long("43201", 900, 43200, &v) == -1, "above hi");
	CHECK(util_parse_long("-3", -5, 5, &v) == 0 && v == -3, "negative");
	CHECK(util_parse_long("-3", 0, 5, &v) == -1, "negative below 0");
	v = 42;
	CHECK(util_parse_long(" 5", 0, 10, &v) == -1 && v == 42,
	    "a leading blank, and *out untouched");
	CHECK(util_parse_long("+5", 0, 10, &v) == -1, "a plus sign");
	CHECK(util_parse_long("5 ", 0, 10, &v) == -1, "a trailing blank");
	CHECK(util_parse_long("5x", 0, 10, &v) == -1, "trailing text");
	CHECK(util_parse_long("", 0, 10, &v) == -1, "empty");
	CHECK(util_parse_long("-", -10, 10, &v) == -1, "a sign alone");
	CHECK(util_parse_long("0x10", 0, 100, &v) == -1, "hex");
	CHECK(util_parse_long("99999999999999999999", 0, LONG_MAX, &v) == -1,
	    "overflow");
	snprintf(big, sizeof(big), "%lld", LLONG_MAX);
	CHECK(util_parse_llong(big, 0, LLONG_MAX, &ll) == 0 && ll == LLONG_MAX,
	    "LLONG_MAX");
	CHECK(util_parse_llong("12x", 0, LLONG_MAX, &ll) == -1, "12x");
	CHECK(util_parse_llong("5368709120", 0, LLONG_MAX, &ll) == 0 &&
	    ll == 5368709120LL, "over 32 bits");
}

static void
test_env(void)
{
	setenv("UTIL_TEST_VAR", "x", 1);
	CHECK_STR(util_env("UTIL_TEST_VAR"), "x", "set");
	setenv("UTIL_TEST_VAR", "", 1);
	CHECK(util_env("UTIL_TEST_VAR") == NULL, "empty is unset");
	unsetenv("UTIL_TEST_VAR");
	CHECK(util_env("UTIL_TEST_VAR") == NULL, "unset");
}

static void
test_hexval(void)
{
	static const char	digits[] = "0123456789abcdef";
	int			c, want, bad = 0;

	for (c = -1; c < 256; c++) {
		if (c >= 0 && c != 0 && strchr(digits, c) != NULL)
			want = (int)(strchr(digits, c) - digits);
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		else
			want = -1;
		if (util_hexval(c) != want) {
			bad++;
			fprintf(stderr, "util_hexval(%d) = %d, want %d\n", c,
			    util_hexval(c), want);
		}
	}
	CHECK(bad == 0, "every byte (%d wrong)", bad);
}

static void
test_free_secret(void)
{
	char	*s;

	/* Nothing to see from here: make asan and make valgrind watch it. */
	util_free_secret(NULL);
	CHECK((s = strdup("secret")) != NULL, "strdup");
	util_free_secret(s);
}

static void
test_mono(void)
{
	long long	a, b;

	a = util_mono_ms();
	b = util_mono_ms();
	CHECK(a > 0 && b >= a, "monotonic: %lld then %lld", a, b);
	a = util_mono_us();
	b = util_mono_ms();
	CHECK(a > 0 && b >= a / 1000 && b - a / 1000 < 1000,
	    "microseconds on the same clock: %lld us then %lld ms", a, b);
	b = util_mono_us();
	CHECK(b >= a, "monotonic: %lld then %lld us", a, b);
	a = util_mono_coarse_ms();
	b = util_mono_ms();
	CHECK(a > 0 && b >= a && b - a < 100,
	    "the coarse clock a tick behind the same clock: %lld then %lld ms",
	    a, b);
}

/* More than a pipe takes at once, read on the other side by a child. */
static void
test_write_all(void)
{
	static char	 out[256 * 1024], in[sizeof(out)];
	size_t		 i, got = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 fds[2], status = -1;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + i / 251);
	if (pipe(fds) == -1 || (pid = fork()) == -1) {
		CHECK(0, "pipe, fork");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		_exit(util_write_all(fds[1], out, sizeof(out)) == 0 ? 0 : 1);
	}
	close(fds[1]);
	while (got < sizeof(in) && (n = read(fds[0], in + got,
	    sizeof(in) - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the writer's status %d", status);
	CHECK(got == sizeof(out) && memcmp(in, out, got) == 0, "%zu bytes",
	    got);
	CHECK(util_write_all(fds[1], out, 1) == -1 && errno == EBADF,
	    "a closed fd: -1, EBADF");
	CHECK(util_write_all(fds[1], out, 0) == 0, "nothing to write");
}

/*
 * util_imfdate against strptime(3) and timegm(3), which s3.c used: the
 * same time for S3's Date header on every day of 1970-2100 (at a time
 * that moves), names in any case; and no time for what is not the form.
 */
static void
test_imfdate(void)
{
	static const char *const bad[] = {
		"", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun, 6 Nov 1994 08:49:37 GMT", "Sun 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		"Sun, 06 Nox 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 06 Nov 1994 08:49:3x GMT",
		"Sun, 06 Nov 1969 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 29 Feb 2100 00:00:00 GMT", "Sun, 0- Nov 1994 08:49:37 GMT",
	};
	char	 s[64], *p;
	struct tm tm;
	long long t, want;
	size_t	 i;
	int	 ok = 1;

	for (want = 0; want < 4102444800LL; want += 86400 + 3607) {
		time_t tt = (time_t)want;

		gmtime_r(&tt, &tm);
		strftime(s, sizeof(s), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		/* The day's and month's names in other cases too. */
		for (p = s; want % 3 == 0 && p < s + 11; p++)
			*p = (char)(want % 2 ? toupper((unsigned char)*p) :
			    tolower((unsigned char)*p));
		memset(&tm, 0, sizeof(tm));
		if (!util_imfdate(s, &t) || t != want ||
		    strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL ||
		    (long long)timegm(&tm) != want) {
			ok = 0;
			break;
		}
	}
	CHECK(ok, "util_imfdate: strptime's and timegm's time, 1970-2100 (%s)",
	    s);
	CHECK(util_imfdate("Sun, 06 Nov 1994 08:49:37 GMT", &t) &&
	    t == 784111777, "RFC 9110's example: 784111777");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!util_imfdate(bad[i], &t), "not an IMF-fixdate: '%s'",
		    bad[i]);
}

int
main(void)
{
	test_parse_long();
	test_env();
	test_hexval();
	test_free_secret();
	test_mono();
	test_write_all();
	test_imfdate();
	UNIT_DONE();
}
