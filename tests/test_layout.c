/* SPDX-License-Identifier: ISC */
/*
 * test_layout.c - CloudTrail's layout read from names and folders
 * (layout.c): which folders the walk lists from a day, which basenames
 * are digests, the day and the time in a name.
 */
#include <string.h>
#include <time.h>

#include "layout.h"
#include "unit.h"
#include "util.h"

/*
 * util_utc, which the names' times and days are read with, against the
 * C library's timegm on every day of 1969 to 2404 (each century rule) and
 * the invalid ones around them (day 0 and 32, month 0 and 13, hour 24).
 */
static void
test_utc(void)
{
	struct tm	 tm;
	long long	 t;
	long		 bad = 0;
	int		 y, mo, d, h, ok;
	time_t		 want;

	for (y = 1969; y <= 2404; y++)
		for (mo = 0; mo <= 13; mo++)
			for (d = 0; d <= 32; d++)
				for (h = 0; h <= 24; h += 12) {
					memset(&tm, 0, sizeof(tm));
					tm.tm_year = y - 1900;
					tm.tm_mon = mo - 1;
					tm.tm_mday = d;
					tm.tm_hour = h;
					tm.tm_min = 59;
					tm.tm_sec = 30;
					want = timegm(&tm);
					ok = y >= 1970 && mo >= 1 && mo <= 12 &&
					    h <= 23 && tm.tm_mday == d &&
					    tm.tm_mon == mo - 1;
					t = -1;
					if (util_utc(y, mo, d, h, 59, 30, &t) !=
					    ok || (ok && t != (long long)want))
						bad++;
				}
	CHECK(bad == 0, "util_utc agrees with timegm");
	CHECK(util_utc(2024, 2, 29, 0, 0, 60, &t) == 0, "second 60");
	CHECK(util_utc(2024, 2, 29, 0, 60, 0, &t) == 0, "minute 60");
}

static void
test_classify(void)
{
	static const struct {
		const char		*folder;
		enum layout_place	 want;
		const char		*names;
	} cases[] = {
		{ "AWSLogs/", LAYOUT_ABOVE, NULL },
		{ "logs/AWSLogs/", LAYOUT_ABOVE, NULL },
		{ "AWSLogs/123456789012/", LAYOUT_ABOVE, NULL },
		{ "AWSLogs/o-abc123/", LAYOUT_ABOVE, NULL },
		{ "AWSLogs/o-abc123/123456789012/", LAYOUT_ABOVE, NULL },
		{ "AWSLogs/123456789012/CloudTrail/", LAYOUT_ABOVE, NULL },
		{ "AWSLogs/123456789012/CloudTrail/us-east-1/", LAYOUT_REGION,
		    "123456789012_CloudTrail_us-east-1_" },
		{ "p/q/AWSLogs/o-xyz/123456789012/CloudTrail/eu-west-3/",
		    LAYOUT_REGION, "123456789012_CloudTrail_eu-west-3_" },
		{ "AWSLogs/123456789012/CloudTrail-Insight/us-east-1/",
		    LAYOUT_REGION, "123456789012_CloudTrail-Insight_us-east-1_" },
		{ "AWSLogs/123456789012/CloudTrail-Digest/", LAYOUT_DIGESTS,
		    NULL },
		/* Listed from a day only when digests are checked. */
		{ "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/",
		    LAYOUT_REGION, "123456789012_CloudTrail-Digest_us-east-1_" },
		/* Control Tower's log archive, and its older layout. */
		{ "o-abc123/", LAYOUT_OTHER, NULL },
		{ "o-abc123/AWSLogs/", LAYOUT_ABOVE, NULL },
		{ "o-abc123/AWSLogs/o-abc123/123456789012/CloudTrail/us-east-1/",
		    LAYOUT_REGION, "123456789012_CloudTrail_us-east-1_" },
		{ "o-abc123/AWSLogs/123456789012/CloudTrail/us-east-1/",
		    LAYOUT_REGION, "123456789012_CloudTrail_us-east-1_" },
		{ "o-abc123/AWSLogs/o-abc123/123456789012/CloudTrail-Digest/",
		    LAYOUT_DIGESTS, NULL },
		{ "AWSLogs/o-abc123/123456789012/CloudTrail-Insight/eu-west-1/",
		    LAYOUT_REGION, "123456789012_CloudTrail-Insight_eu-west-1_" },
		{ "AWSLogs/12345678901/", LAYOUT_OTHER, NULL },
		{ "AWSLogs/12345678901x/", LAYOUT_OTHER, NULL },
		{ "AWSLogs/123456789012/Config/us-east-1/", LAYOUT_OTHER, NULL },
		{ "AWSLogs/123456789012/CloudTrail/us-east-1/2024/",
		    LAYOUT_OTHER, NULL },
		{ "AWSLogs//", LAYOUT_OTHER, NULL },
		{ "junk/", LAYOUT_OTHER, NULL },
		{ "MyAWSLogs/", LAYOUT_OTHER, NULL },
	};
	char	names[512];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		names[0] = '\0';
		CHECK(layout_classify(cases[i].folder, names, sizeof(names)) ==
		    cases[i].want, "%s", cases[i].folder);
		if (cases[i].names != NULL)
			CHECK_STR(names, cases[i].names, "%s", cases[i].folder);
	}
	/* Names that do not fit are no region folder. */
	CHECK(layout_classify("AWSLogs/123456789012/CloudTrail/us-east-1/",
	    names, 10) == LAYOUT_OTHER, "short buffer");
}

static void
test_object_day(void)
{
	char	day[9];

	CHECK(layout_object_day("123456789012_CloudTrail_us-east-1_"
	    "20240730T2105Z_abc.json.gz", day) == 1, "a name");
	CHECK_STR(day, "20240730", "its day");
	CHECK(layout_object_day("x_19991231T2359Z", day) == 1 &&
	    strcmp(day, "19991231") == 0, "at the end");
	CHECK(layout_object_day("x_2024073T2105Z_a", day) == 0, "7 digits");
	CHECK(layout_object_day("x_20240730T210Z_a", day) == 0, "3 digits");
	CHECK(layout_object_day("x_20240730X2105Z_a", day) == 0, "no T");
	CHECK(layout_object_day("20240730T2105Z_a", day) == 0, "no _ before");
	CHECK(layout_object_day("a_b_20240730T2105Z", day) == 1 &&
	    strcmp(day, "20240730") == 0, "after another _");
	CHECK(layout_object_day("", day) == 0, "empty");
}

static void
test_object_time(void)
{
	long long	t = -1;

	CHECK(layout_object_time("123456789012_CloudTrail_us-east-1_"
	    "20240730T2105Z_abc.json.gz", &t) == 1 && t == 1722373500,
	    "a name: %lld", t);
	CHECK(layout_object_time("x_19700101T0000Z", &t) == 1 && t == 0,
	    "the epoch: %lld", t);
	CHECK(layout_object_time("x_20240229T2359Z_a", &t) == 1 &&
	    t == 1709251140, "a leap day: %lld", t);
	CHECK(layout_object_time("x_99991231T2359Z_a", &t) == 1 &&
	    t == 253402300740LL, "the last minute of 9999: %lld", t);
	t = 7;
	CHECK(layout_object_time("x_20230229T0000Z_a", &t) == 0 && t == 7,
	    "no leap day in 2023, *when untouched");
	CHECK(layout_object_time("x_20240631T0000Z_a", &t) == 0, "June 31st");
	CHECK(layout_object_time("x_20241301T0000Z_a", &t) == 0, "month 13");
	CHECK(layout_object_time("x_20240001T0000Z_a", &t) == 0, "month 0");
	CHECK(layout_object_time("x_20240100T0000Z_a", &t) == 0, "day 0");
	CHECK(layout_object_time("x_20240101T2400Z_a", &t) == 0, "hour 24");
	CHECK(layout_object_time("x_20240101T0060Z_a", &t) == 0, "minute 60");
	CHECK(layout_object_time("x_19691231T2359Z_a", &t) == 0, "before 1970");
	CHECK(layout_object_time("x_2024073T2105Z_a", &t) == 0, "7 digits");
	CHECK(layout_object_time("20240730T2105Z_a", &t) == 0, "no _ before");
	CHECK(layout_object_time("a_b_20240730T2105Z_x_20250101T0000Z", &t) ==
	    1 && t == 1722373500, "the first stamp, as layout_object_day");
	CHECK(layout_object_time("", &t) == 0, "empty");
}

static void
test_is_digest(void)
{
	CHECK(layout_is_digest("123456789012_CloudTrail-Digest_us-east-1_"
	    "x_20240730T2105Z.json.gz"), "a digest");
	CHECK(!layout_is_digest("_CloudTrail-Digest_x"), "nothing before");
	CHECK(!layout_is_digest("a_CloudTrail-Digest_"), "nothing after");
	CHECK(!layout_is_digest("123456789012_CloudTrail_us-east-1_x.json.gz"),
	    "a trail file");
	CHECK(!layout_is_digest("a\n_CloudTrail-Digest_b"), "a line break "
	    "before: the script's .+ does not match it");
	CHECK(layout_is_digest("_CloudTrail-Digest_a_CloudTrail-Digest_b"),
	    "the second mark");
}

static void
test_key_day(void)
{
	char	day[11];
	size_t	len = 0;
	const char *k = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/30/"
	    "123456789012_CloudTrail_us-east-1_20240730T2105Z_a.json.gz";

	CHECK(layout_key_day(k, &len, day) == 1, "a key");
	CHECK(len == strlen("AWSLogs/123456789012/CloudTrail/us-east-1/"),
	    "its folder: %zu", len);
	CHECK_STR(day, "2024/07/30", "its day");
	CHECK(layout_key_day("p/AWSLogs/o-x/123456789012/CloudTrail/eu-west-1/"
	    "2023/01/02/n.json.gz", &len, day) == 1 &&
	    strcmp(day, "2023/01/02") == 0 && len == 48, "a prefix, an org");
	/* Outside the layout: no folder, however the name reads. */
	CHECK(layout_key_day("junk/123456789012_CloudTrail_us-east-1_"
	    "20991231T2359Z_forged.json.gz", &len, day) == 0, "junk");
	CHECK(layout_key_day("junk/2099/12/31/x.json.gz", &len, day) == 0,
	    "a dated folder outside AWSLogs");
	CHECK(layout_key_day("AWSLogs/123456789012/CloudTrail/us-east-1/"
	    "2024/7/30/x", &len, day) == 0, "a one-digit month");
	CHECK(layout_key_day("AWSLogs/123456789012/CloudTrail/us-east-1/"
	    "x/2024/07/30/x", &len, day) == 0, "a folder deeper");
	CHECK(layout_key_day("2024/07/30/x", &len, day) == 0, "no folder");
	/* Days the calendar does not have: a forged 11/99 is no February. */
	CHECK(layout_key_day("AWSLogs/123456789012/CloudTrail/us-east-1/"
	    "2026/11/99/x", &len, day) == 0, "day 99");
	CHECK(layout_key_day("AWSLogs/123456789012/CloudTrail/us-east-1/"
	    "2025/99/01/x", &len, day) == 0, "month 99");
	CHECK(layout_key_day("AWSLogs/123456789012/CloudTrail/us-east-1/"
	    "2025/02/29/x", &len, day) == 0, "no 29th in 2025");
	CHECK(layout_key_day("AWSLogs/123456789012/CloudTrail/us-east-1/"
	    "2024/02/29/x", &len, day) == 1, "a leap day");
	CHECK(layout_key_day("AWSLogs/123456789012/CloudTrail/us-east-1/"
	    "2024/06/31/x", &len, day) == 0, "June 31st");
	CHECK(layout_key_day("", &len, day) == 0, "empty");
}

static void
test_digest_name(void)
{
	struct layout_digest	d;
	char			scope[LAYOUT_SCOPE_MAX];

	CHECK(layout_digest_name("p/AWSLogs/o-abc/111122223333/"
	    "CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-"
	    "Digest_us-east-2_my_trail_eu-west-1_20150817T150131Z.json.gz",
	    &d) == 1, "org digest");
	CHECK_STR(d.scope, "p/AWSLogs/o-abc/111122223333/us-east-2/", "scope");
	CHECK_STR(d.account, "111122223333", "account");
	CHECK_STR(d.region, "us-east-2", "region");
	CHECK_STR(d.trail, "my_trail", "a trail with '_'");
	CHECK_STR(d.home, "eu-west-1", "home");
	CHECK(d.when == 1439823691LL && !d.backfill, "time %lld", d.when);
	CHECK(layout_digest_name("AWSLogs/111122223333/CloudTrail-Digest/"
	    "us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_"
	    "us-east-2_20150817T150131Z_backfill.json.gz", &d) == 1 &&
	    d.backfill && strcmp(d.trail, "t") == 0, "backfill");
	/* Not digests: a log file, another account's name, a bad time. */
	CHECK(!layout_digest_name("AWSLogs/111122223333/CloudTrail/us-east-2/"
	    "2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_x."
	    "json.gz", &d), "log file");
	CHECK(!layout_digest_name("AWSLogs/111122223333/CloudTrail-Digest/"
	    "us-east-2/2015/08/17/999922223333_CloudTrail-Digest_us-east-2_t_"
	    "us-east-2_20150817T150131Z.json.gz", &d), "another account");
	CHECK(!layout_digest_name("AWSLogs/111122223333/CloudTrail-Digest/"
	    "us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-west-2_t_"
	    "us-east-2_20150817T150131Z.json.gz", &d), "another region");
	CHECK(!layout_digest_name("AWSLogs/111122223333/CloudTrail-Digest/"
	    "us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_"
	    "us-east-2_20150817T156131Z.json.gz", &d), "bad time");
	CHECK(!layout_digest_name("AWSLogs/111122223333/CloudTrail-Digest/"
	    "us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_"
	    "us-east-2_20150817T150131Z.json.gz", &d), "no trail");
	CHECK(layout_scope("AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/"
	    "17/x.json.gz", scope, sizeof(scope)) == 1 &&
	    strcmp(scope, "AWSLogs/111122223333/us-east-2/") == 0,
	    "a log file's scope");
	CHECK(!layout_scope("AWSLogs/111122223333/Config/us-east-2/2015/08/"
	    "17/x.json.gz", scope, sizeof(scope)), "not CloudTrail's");
	CHECK(!layout_scope("AWSLogs/111122223333/CloudTrail/us-east-2/2015/"
	    "08/17/x.json.gz", scope, 10), "too long");
}

static void
test_filter(void)
{
	struct layout_filter	*f = NULL;
	char			 err[128], buf[256];
	static const char	*A = "AWSLogs/o-abc/111122223333/";

	CHECK(layout_filter_wanted(NULL, "anything") == 1, "no filter");
	CHECK(layout_filter_add(&f, 0, "111122223333,444455556666", err,
	    sizeof(err)) == 0, "%s", err);
	CHECK(layout_filter_add(&f, 1, "eu-west-1", err, sizeof(err)) == 0,
	    "%s", err);
	CHECK(layout_filter_add(&f, 1, "eu-west-1", err, sizeof(err)) == 0,
	    "a repeat");
	CHECK(layout_filter_add(&f, 0, "11112222333", err, sizeof(err)) == -1,
	    "11 digits");
	CHECK(layout_filter_add(&f, 0, "", err, sizeof(err)) == -1, "empty");
	CHECK(layout_filter_add(&f, 1, "eu-west-1,", err, sizeof(err)) == -1,
	    "a trailing comma");
	CHECK(layout_filter_add(&f, 1, "EU-WEST-1", err, sizeof(err)) == -1,
	    "capitals");
	CHECK(layout_filter_unmatched(f, buf, sizeof(buf)) == 3, "none yet");
	/* Above the accounts, or outside the layout: explored. */
	CHECK(layout_filter_wanted(f, "AWSLogs/") == 1, "AWSLogs/");
	CHECK(layout_filter_wanted(f, "AWSLogs/o-abc/") == 1, "org");
	CHECK(layout_filter_wanted(f, "other/") == 1, "other/");
	CHECK(layout_filter_wanted(f, "AWSLogs/999999999999/") == 0,
	    "another account");
	CHECK(layout_filter_wanted(f, A) == 1, "an account asked for");
	CHECK(layout_filter_wanted(f, "AWSLogs/o-abc/111122223333/CloudTrail/")
	    == 1, "its CloudTrail/");
	CHECK(layout_filter_wanted(f, "AWSLogs/o-abc/111122223333/CloudTrail/"
	    "us-east-1/") == 0, "another region");
	CHECK(layout_filter_unmatched(f, buf, sizeof(buf)) == 2, "%s", buf);
	CHECK(layout_filter_wanted(f, "o-abc/AWSLogs/o-abc/111122223333/"
	    "CloudTrail-Insight/eu-west-1/") == 1, "Control Tower, Insights");
	/* Keys: only under an account and a region asked for. */
	CHECK(layout_filter_wanted(f, "other/x.json.gz") == 0, "outside");
	CHECK(layout_filter_wanted(f, "AWSLogs/444455556666/CloudTrail/"
	    "us-east-1/2024/01/01/x.json.gz") == 0, "another region's key");
	CHECK(layout_filter_wanted(f, "AWSLogs/444455556666/CloudTrail/"
	    "eu-west-1/2024/01/01/x.json.gz") == 1, "a key asked for");
	CHECK(layout_filter_wanted(f, "AWSLogs/444455556666/Config/"
	    "eu-west-1/2024/01/01/x.json.gz") == 0, "not CloudTrail's");
	CHECK(layout_filter_unmatched(f, buf, sizeof(buf)) == 0, "%s", buf);
	layout_filter_free(f);
	f = NULL;
	CHECK(layout_filter_add(&f, 0, "999999999999", err, sizeof(err)) == 0,
	    "%s", err);
	CHECK(layout_filter_add(&f, 1, "xx-nowhere-1", err, sizeof(err)) == 0,
	    "%s", err);
	CHECK(layout_filter_unmatched(f, buf, sizeof(buf)) == 2, "two");
	CHECK_STR(buf, "--account-id 999999999999, --trail-region xx-nowhere-1",
	    "the message");
	layout_filter_free(f);
}

int
main(void)
{
	test_utc();
	test_classify();
	test_object_day();
	test_object_time();
	test_is_digest();
	test_key_day();
	test_digest_name();
	test_filter();
	UNIT_DONE();
}
