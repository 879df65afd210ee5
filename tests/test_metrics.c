/* SPDX-License-Identifier: ISC */
/*
 * test_metrics.c - the --metrics file's text (metrics.c): the whole
 * output for one run, what comes over from the previous file, label
 * values escaped and made UTF-8, every buffer length too short refused,
 * and the previous file's values read back from any bytes.
 */
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "unit.h"

static const char want_text[] =
"# HELP getawslog_last_run_timestamp_seconds When the last run started, in "
    "seconds since the epoch.\n"
"# TYPE getawslog_last_run_timestamp_seconds gauge\n"
"getawslog_last_run_timestamp_seconds{bucket=\"trail\"} 1722373800\n"
"# HELP getawslog_last_success_timestamp_seconds When the last run that "
    "exited 0 started, in seconds since the epoch; 0: none yet.\n"
"# TYPE getawslog_last_success_timestamp_seconds gauge\n"
"getawslog_last_success_timestamp_seconds{bucket=\"trail\"} 1722373800\n"
"# HELP getawslog_last_run_exit_status The last run's exit status: 0 "
    "success, else as getawslog(1) lists them.\n"
"# TYPE getawslog_last_run_exit_status gauge\n"
"getawslog_last_run_exit_status{bucket=\"trail\"} 0\n"
"# HELP getawslog_last_run_duration_seconds How long the last run took.\n"
"# TYPE getawslog_last_run_duration_seconds gauge\n"
"getawslog_last_run_duration_seconds{bucket=\"trail\"} 12.045\n"
"# HELP getawslog_last_run_records Records the last run wrote to the log "
    "(with -j; 0 in raw mode).\n"
"# TYPE getawslog_last_run_records gauge\n"
"getawslog_last_run_records{bucket=\"trail\"} 1234\n"
"# HELP getawslog_last_run_records_discarded Records the last run "
    "discarded instead of writing them.\n"
"# TYPE getawslog_last_run_records_discarded gauge\n"
"getawslog_last_run_records_discarded{bucket=\"trail\"} 0\n"
"# HELP getawslog_last_run_records_shortened Records whose line the last "
    "run shortened to --max-line-bytes.\n"
"# TYPE getawslog_last_run_records_shortened gauge\n"
"getawslog_last_run_records_shortened{bucket=\"trail\"} 0\n"
"# HELP getawslog_last_run_records_overlong Of those, lines still longer: "
    "the fields kept whole alone were.\n"
"# TYPE getawslog_last_run_records_overlong gauge\n"
"getawslog_last_run_records_overlong{bucket=\"trail\"} 0\n"
"# HELP getawslog_last_run_bytes_downloaded Bytes of objects the last run "
    "downloaded, as stored (compressed).\n"
"# TYPE getawslog_last_run_bytes_downloaded gauge\n"
"getawslog_last_run_bytes_downloaded{bucket=\"trail\"} 5000000000\n"
"# HELP getawslog_last_run_objects Objects of the last run by result: "
    "written to the log; failed, left in the bucket; skipped: digests, "
    "already recorded, dated before --after.\n"
"# TYPE getawslog_last_run_objects gauge\n"
"getawslog_last_run_objects{bucket=\"trail\",result=\"written\"} 40\n"
"getawslog_last_run_objects{bucket=\"trail\",result=\"failed\"} 2\n"
"getawslog_last_run_objects{bucket=\"trail\",result=\"skipped\"} 7\n"
"# HELP getawslog_newest_object_timestamp_seconds The time in the name of "
    "the newest CloudTrail object the last run wrote, in seconds since the "
    "epoch, or the value before when it wrote none; 0: none yet.\n"
"# TYPE getawslog_newest_object_timestamp_seconds gauge\n"
"getawslog_newest_object_timestamp_seconds{bucket=\"trail\"} 1722373500\n";

static void
sample_run(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->start = 1722373800;
	m->duration_ms = 12045;
	m->status = 0;
	m->records = 1234;
	m->bytes_in = 5000000000ULL;
	m->written = 40;
	m->failed = 2;
	m->skipped = 7;
	m->newest = 1722373500;
	metrics_label(m, "bucket", "trail");
}

/* The sample of name in text, "" when there is none. */
static const char *
line_of(const char *text, const char *name, char *buf, size_t len)
{
	const char	*p = text, *nl;
	size_t		 n = strlen(name);

	buf[0] = '\0';
	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (strncmp(p, name, n) == 0 && (p[n] == '{' || p[n] == ' ')) {
			snprintf(buf, len, "%.*s", (int)(nl - p), p);
			break;
		}
	return buf;
}

static void
test_format(void)
{
	struct metrics		 m;
	struct metrics_prev	 prev = { 1000, 2000 };
	char			 text[METRICS_TEXT_MAX], line[512];
	int			 n, len;

	sample_run(&m);
	n = metrics_format(&m, &prev, text, sizeof(text));
	CHECK(n == (int)strlen(want_text), "length %d", n);
	CHECK_STR(text, want_text, "the whole text");

	/* Each length short of the whole is refused, never cut. */
	len = n;
	for (n = 0; n <= len; n++)
		if (metrics_format(&m, &prev, text, (size_t)n) != -1)
			break;
	CHECK(n == len + 1, "a buffer of %d bytes for %d", n, len);

	/* A failed run: the last success comes from the previous file. */
	m.status = 4;
	m.newest = 0;
	CHECK(metrics_format(&m, &prev, text, sizeof(text)) > 0, "status 4");
	CHECK_STR(line_of(text, "getawslog_last_success_timestamp_seconds",
	    line, sizeof(line)),
	    "getawslog_last_success_timestamp_seconds{bucket=\"trail\"} 1000",
	    "last success carried over");
	CHECK_STR(line_of(text, "getawslog_last_run_timestamp_seconds", line,
	    sizeof(line)),
	    "getawslog_last_run_timestamp_seconds{bucket=\"trail\"} 1722373800",
	    "this run's start");
	CHECK_STR(line_of(text, "getawslog_newest_object_timestamp_seconds",
	    line, sizeof(line)),
	    "getawslog_newest_object_timestamp_seconds{bucket=\"trail\"} 2000",
	    "no object written: the newest carried over");
	CHECK_STR(line_of(text, "getawslog_last_run_exit_status", line,
	    sizeof(line)), "getawslog_last_run_exit_status{bucket=\"trail\"} 4",
	    "the status");

	/* An object written: this run's newest, even if older. */
	m.newest = 1500;
	CHECK(metrics_format(&m, &prev, text, sizeof(text)) > 0, "newest");
	CHECK_STR(line_of(text, "getawslog_newest_object_timestamp_seconds",
	    line, sizeof(line)),
	    "getawslog_newest_object_timestamp_seconds{bucket=\"trail\"} 1500",
	    "this run's newest");

	/* Never a success, nothing ever written: zeros. */
	memset(&prev, 0, sizeof(prev));
	m.newest = 0;
	m.duration_ms = 7;
	CHECK(metrics_format(&m, &prev, text, sizeof(text)) > 0, "zeros");
	CHECK_STR(line_of(text, "getawslog_last_success_timestamp_seconds",
	    line, sizeof(line)),
	    "getawslog_last_success_timestamp_seconds{bucket=\"trail\"} 0",
	    "never a success");
	CHECK_STR(line_of(text, "getawslog_newest_object_timestamp_seconds",
	    line, sizeof(line)),
	    "getawslog_newest_object_timestamp_seconds{bucket=\"trail\"} 0",
	    "never an object");
	CHECK_STR(line_of(text, "getawslog_last_run_duration_seconds", line,
	    sizeof(line)),
	    "getawslog_last_run_duration_seconds{bucket=\"trail\"} 0.007",
	    "milliseconds");
}

static void
test_labels(void)
{
	static const struct {
		const char	*value, *want;
	} cases[] = {
		{ "plain", "{bucket=\"plain\"}" },
		{ "", "{bucket=\"\"}" },
		{ "a\"b\\c\nd", "{bucket=\"a\\\"b\\\\c\\nd\"}" },
		{ "tab\tcr\r", "{bucket=\"tab\tcr\r\"}" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "{bucket=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}" },
		{ "x\xffy", "{bucket=\"x\xef\xbf\xbdy\"}" },
		{ "\xc0\x80", "{bucket=\"\xef\xbf\xbd\xef\xbf\xbd\"}" },
		{ "\xed\xa0\x80", "{bucket=\"\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd\"}" },
		{ "\xf4\x90\x80\x80", "{bucket=\"\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd\xef\xbf\xbd\"}" },
		{ "cut\xe2\x82", "{bucket=\"cut\xef\xbf\xbd\xef\xbf\xbd\"}" },
	};
	struct metrics	 m;
	char		 buf[METRICS_LABELSET_MAX], big[2000];
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&m, 0, sizeof(m));
		metrics_label(&m, "bucket", cases[i].value);
		n = metrics_labelset(&m, NULL, NULL, buf, sizeof(buf));
		CHECK(n == (int)strlen(cases[i].want), "case %zu: %d", i, n);
		CHECK_STR(buf, cases[i].want, "case %zu", i);
	}

	memset(&m, 0, sizeof(m));
	CHECK(metrics_labelset(&m, NULL, NULL, buf, sizeof(buf)) == 0 &&
	    buf[0] == '\0', "no labels: no braces");
	CHECK(metrics_labelset(&m, "result", "failed", buf, sizeof(buf)) > 0,
	    "only the extra one");
	CHECK_STR(buf, "{result=\"failed\"}", "only the extra one");
	metrics_label(&m, "bucket", "b");
	metrics_label(&m, "queue", "https://sqs/q");
	CHECK(metrics_labelset(&m, "result", "written", buf, sizeof(buf)) > 0,
	    "two and the extra");
	CHECK_STR(buf, "{bucket=\"b\",queue=\"https://sqs/q\","
	    "result=\"written\"}", "in order");
	CHECK(metrics_label(&m, "c", "3") == 0 && metrics_label(&m, "d",
	    "4") == 0 && metrics_label(&m, "e", "5") == -1,
	    "at most METRICS_LABELS_MAX");

	for (i = 0; i < 4; i++) {
		static const char *const bad[] = { "1x", "__x", "a-b", "" };

		memset(&m, 0, sizeof(m));
		metrics_label(&m, bad[i], "v");
		CHECK(metrics_labelset(&m, NULL, NULL, buf, sizeof(buf)) == -1,
		    "label name %s", bad[i]);
	}
	memset(&m, 0, sizeof(m));
	metrics_label(&m, "_ok9", "v");
	CHECK(metrics_labelset(&m, NULL, NULL, buf, sizeof(buf)) > 0, "_ok9");

	/* A value too long for the label set fails the whole text. */
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&m, 0, sizeof(m));
	metrics_label(&m, "bucket", big);
	CHECK(metrics_labelset(&m, NULL, NULL, buf, sizeof(buf)) == -1,
	    "too long");
	{
		struct metrics_prev	prev = { 0, 0 };
		char			text[METRICS_TEXT_MAX];

		CHECK(metrics_format(&m, &prev, text, sizeof(text)) == -1,
		    "too long a label: no text");
	}
}

static void
test_parse(void)
{
	struct metrics		 m;
	struct metrics_prev	 prev, old = { 1722300000, 1722299940 };
	char			 text[METRICS_TEXT_MAX], ls[256], cut[256];
	const char		*p;
	size_t			 i;
	int			 n;

	/* What we wrote is what we read back. */
	sample_run(&m);
	m.status = 5;
	n = metrics_format(&m, &old, text, sizeof(text));
	CHECK(n > 0, "format");
	metrics_labelset(&m, NULL, NULL, ls, sizeof(ls));
	metrics_parse(text, (size_t)n, ls, &prev);
	CHECK(prev.last_success == 1722300000 && prev.newest == 1722373500,
	    "read back: %lld %lld", prev.last_success, prev.newest);

	/* Another label set is another series: nothing of it. */
	metrics_parse(text, (size_t)n, "{bucket=\"other\"}", &prev);
	CHECK(prev.last_success == 0 && prev.newest == 0, "other bucket");
	metrics_parse(text, (size_t)n, "", &prev);
	CHECK(prev.last_success == 0 && prev.newest == 0, "no labels");

	/* Cut anywhere (a file is renamed whole, but still): all or none. */
	for (i = 0; i <= (size_t)n; i++) {
		metrics_parse(text, i, ls, &prev);
		if ((prev.last_success != 0 && prev.last_success !=
		    1722300000) || (prev.newest != 0 &&
		    prev.newest != 1722373500))
			break;
	}
	CHECK(i == (size_t)n + 1, "cut at %zu: %lld %lld", i,
	    prev.last_success, prev.newest);

	static const struct {
		const char	*text;
		long long	 success, newest;
	} cases[] = {
		{ "getawslog_last_success_timestamp_seconds 17\n", 17, 0 },
		{ "getawslog_last_success_timestamp_seconds 17", 0, 0 },
		{ "getawslog_last_success_timestamp_seconds 1.7e9\n", 1700000000,
		    0 },
		{ "getawslog_last_success_timestamp_seconds 17 1722373800000\n",
		    17, 0 },
		{ "getawslog_last_success_timestamp_seconds NaN\n", 0, 0 },
		{ "getawslog_last_success_timestamp_seconds +Inf\n", 0, 0 },
		{ "getawslog_last_success_timestamp_seconds -5\n", 0, 0 },
		{ "getawslog_last_success_timestamp_seconds 1e300\n", 0, 0 },
		{ "getawslog_last_success_timestamp_seconds 12x\n", 0, 0 },
		{ "getawslog_last_success_timestamp_seconds \n", 0, 0 },
		{ "getawslog_last_success_timestamp_seconds  17\n", 0, 0 },
		{ "getawslog_last_success_timestamp_secondsX 17\n", 0, 0 },
		{ "# getawslog_last_success_timestamp_seconds 17\n", 0, 0 },
		{ "xgetawslog_newest_object_timestamp_seconds 17\n", 0, 0 },
		{ "\n\ngetawslog_newest_object_timestamp_seconds 99\r\n", 0, 0 },
		{ "getawslog_newest_object_timestamp_seconds 99\n"
		    "getawslog_last_success_timestamp_seconds 98\n", 98, 99 },
	};
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		metrics_parse(cases[i].text, strlen(cases[i].text), "", &prev);
		CHECK(prev.last_success == cases[i].success &&
		    prev.newest == cases[i].newest, "case %zu: %lld %lld", i,
		    prev.last_success, prev.newest);
	}

	/* Any bytes: a NUL in the value, no newline at all, a huge line. */
	static const char nul[] =
	    "getawslog_last_success_timestamp_seconds 1\0002\n";
	metrics_parse(nul, sizeof(nul) - 1, "", &prev);
	CHECK(prev.last_success == 0, "a NUL in the value");
	memset(text, 'x', sizeof(text));
	metrics_parse(text, sizeof(text), "", &prev);
	CHECK(prev.last_success == 0 && prev.newest == 0, "no newline");
	p = "getawslog_last_success_timestamp_seconds ";
	n = snprintf(cut, sizeof(cut), "%s%0100d\n", p, 5);
	metrics_parse(cut, (size_t)n, "", &prev);
	CHECK(prev.last_success == 0, "a value of 100 digits");
}

/* --validate-digests' families: only with it, each result its sample. */
static void
test_digests(void)
{
	struct metrics		 m;
	struct metrics_prev	 prev = { 0, 0 };
	char			 text[METRICS_TEXT_MAX], line[512];

	sample_run(&m);
	CHECK(metrics_format(&m, &prev, text, sizeof(text)) > 0, "no digests");
	CHECK(strstr(text, "getawslog_last_run_digests") == NULL,
	    "not without --validate-digests");
	m.digests = 1;
	m.digests_ok = 20;
	m.digests_bad = 1;
	m.proved = 200;
	m.missing = 2;
	m.altered = 3;
	m.injected = 4;
	m.gaps = 5;
	m.newest_proved = 1709254891;
	CHECK(metrics_format(&m, &prev, text, sizeof(text)) > 0, "digests");
	CHECK(strstr(text, "getawslog_last_run_digests{bucket=\"trail\","
	    "result=\"verified\"} 20\n") != NULL, "verified");
	CHECK(strstr(text, "getawslog_last_run_digests{bucket=\"trail\","
	    "result=\"invalid\"} 1\n") != NULL, "invalid");
	CHECK(strstr(text, "getawslog_last_run_log_files{bucket=\"trail\","
	    "result=\"proved\"} 200\n") != NULL, "proved");
	CHECK(strstr(text, "getawslog_last_run_log_files{bucket=\"trail\","
	    "result=\"missing\"} 2\n") != NULL, "missing");
	CHECK(strstr(text, "getawslog_last_run_log_files{bucket=\"trail\","
	    "result=\"altered\"} 3\n") != NULL, "altered");
	CHECK(strstr(text, "getawslog_last_run_log_files{bucket=\"trail\","
	    "result=\"injected\"} 4\n") != NULL, "injected");
	CHECK_STR(line_of(text, "getawslog_last_run_digest_chain_gaps", line,
	    sizeof(line)), "getawslog_last_run_digest_chain_gaps{bucket="
	    "\"trail\"} 5", "gaps");
	CHECK_STR(line_of(text, "getawslog_newest_proved_timestamp_seconds",
	    line, sizeof(line)), "getawslog_newest_proved_timestamp_seconds{"
	    "bucket=\"trail\"} 1709254891", "newest proved");
}

int
main(void)
{
	test_format();
	test_digests();
	test_labels();
	test_parse();
	UNIT_DONE();
}
