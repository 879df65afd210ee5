/* SPDX-License-Identifier: ISC */
/*
 * test_credsutil.c - creds.c's pure helpers: ISO 8601 expiry times as STS,
 * IMDS, containers and credential_process write them, and the shell-like
 * split of a credential_process command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds.h"
#include "unit.h"

static void
test_times(void)
{
	time_t	t = 0;

	CHECK(creds_parse_time("2024-07-30T21:05:00Z", &t) == 0 &&
	    t == 1722373500, "Z");
	CHECK(creds_parse_time("2026-11-29T14:47:30.577734Z", &t) == 0 &&
	    t == 1795963650, "fractions (moto's STS)");
	CHECK(creds_parse_time("2024-07-30T23:05:00+02:00", &t) == 0 &&
	    t == 1722373500, "+02:00");
	CHECK(creds_parse_time("2024-07-30T19:05:00-02:00", &t) == 0 &&
	    t == 1722373500, "-02:00");
	CHECK(creds_parse_time("2024-07-30 21:05:00Z", &t) == -1, "space");
	CHECK(creds_parse_time("2024-07-30T21:05:00", &t) == -1, "no zone");
	CHECK(creds_parse_time("2024-13-30T21:05:00Z", &t) == -1, "month 13");
	CHECK(creds_parse_time("2024-07-30T21:05:00Zjunk", &t) == -1, "junk");
	CHECK(creds_parse_time("", &t) == -1, "empty");
	CHECK(creds_parse_time(NULL, &t) == -1, "NULL");
}

static void
split(const char *cmd, const char *const *want)
{
	const char	 *why = NULL;
	char		**argv;
	size_t		  i;

	argv = creds_split_command(cmd, &why);
	if (want == NULL) {
		CHECK(argv == NULL && why != NULL, "%s refused", cmd);
		creds_free_argv(argv);
		return;
	}
	CHECK(argv != NULL, "%s: %s", cmd, why ? why : "");
	if (argv == NULL)
		return;
	for (i = 0; want[i] != NULL; i++)
		CHECK_STR(argv[i], want[i], "%s: word %zu", cmd, i);
	CHECK(argv[i] == NULL, "%s: more words than wanted", cmd);
	creds_free_argv(argv);
}

static void
test_split(void)
{
	static const char *const w1[] = { "/bin/get", "a", "b", NULL };
	static const char *const w2[] = { "cmd", "two words", "x\"y", NULL };
	static const char *const w3[] = { "cmd", "a b", "c\\d", "e$f", NULL };
	static const char *const w4[] = { "aws-vault", "exec", "prod",
	    "--json", NULL };
	static const char *const w5[] = { "cmd", "", "ab", NULL };

	split("/bin/get a b", w1);
	split("  /bin/get\ta  b  ", w1);
	split("cmd 'two words' \"x\\\"y\"", w2);
	split("cmd a\\ b 'c\\d' \"e\\$f\"", w3);
	split("aws-vault exec prod --json", w4);
	split("cmd '' a'b'", w5);
	split("cmd 'unterminated", NULL);
	split("cmd \"unterminated", NULL);
	split("   ", NULL);
	split("", NULL);
}

int
main(void)
{
	test_times();
	test_split();
	UNIT_DONE();
}
