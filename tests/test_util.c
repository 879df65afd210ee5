/* SPDX-License-Identifier: ISC */
/*
 * test_util.c - util.c's helpers: range-checked numbers, the environment,
 * hex digits, freeing secrets, the monotonic clock, whole writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

int
main(void)
{
	test_parse_long();
	test_env();
	test_hexval();
	test_free_secret();
	test_mono();
	test_write_all();
	UNIT_DONE();
}
