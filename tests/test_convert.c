/* SPDX-License-Identifier: ISC */
/*
 * test_convert.c - unit tests of convert.c, -j's one pass from gzip to
 * held lines: the lines are the whole-document converter's whether the
 * body is in memory or in a file and wherever gzip members cut the
 * document; a bad document or bad gzip holds nothing back; the first fault
 * in the stream is the one named; a record bomb stops at the record
 * ceiling, long before its end; the inflate limit, a stop request and a
 * spool that cannot hold the lines are failures of their own; lines
 * built in the spool's memory go on into its file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "convert.h"
#include "gz.h"
#include "pyjson.h"
#include "spool.h"
#include "unit.h"

#define MAX_OUT	((size_t)1 << 32)

static const struct flatten_meta meta = { .bucket = "bucket", .key =
    "AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/30/x.json.gz",
    .basename = "x.json.gz" };

static int	calls, stop_at;

/* A stop callback that counts the pieces, and asks to stop at stop_at. */
static int
counting_stop(void *arg, const char *p, size_t len)
{
	(void)arg;
	(void)p;
	(void)len;
	return ++calls == stop_at;
}

/* What the whole-document converter makes of doc. */
static void
expect(enum flatten_format fmt, const char *doc, size_t len, struct cap *c,
    size_t *nrec)
{
	char	err[256];

	memset(c, 0, sizeof(*c));
	CHECK(flatten_document(fmt, doc, len, &meta, cap_write, c, nrec, err,
	    sizeof(err)) == FLATTEN_OK, "flatten_document: %s", err);
}

/* Convert gzip bytes z[0..zlen), from memory or from a file. */
static int
run(const unsigned char *z, size_t zlen, int infile, size_t max,
    enum flatten_format fmt, struct spool *sp, size_t *nrec, char *why,
    size_t whylen)
{
	struct inflate_src	 src;
	FILE			*f = NULL;
	int			 rc;

	src.data = (const char *)z;
	src.len = zlen;
	src.fd = -1;
	if (infile) {
		f = tmpfile();
		CHECK(f != NULL && (zlen == 0 || fwrite(z, 1, zlen, f) ==
		    zlen) && fflush(f) == 0, "tmpfile");
		src.data = NULL;
		src.fd = fileno(f);
	}
	calls = 0;
	rc = convert_object(&src, max, fmt, &meta, sp, counting_stop, NULL,
	    nrec, why, whylen);
	if (f != NULL)
		fclose(f);
	return rc;
}

/* The good document through every path: the same lines, the same count. */
static void
good(const char *doc, const char *what)
{
	static const enum flatten_format fmts[] = { FLATTEN_FLAT, FLATTEN_JSON,
	    FLATTEN_WAZUH };
	struct spool	*sp;
	struct cap	 want, got;
	unsigned char	*z;
	size_t		 len = strlen(doc), zlen = 0, cuts[3], nrec, wantrec, i;
	char		 why[256];
	int		 f, infile, rc;

	for (f = 0; f < 3; f++) {
		expect(fmts[f], doc, len, &want, &wantrec);
		for (i = 0; i < len; i += len / 7 + 1) {
			/* Members ending at i, 2i/3 + 1, len - 1 (sorted). */
			cuts[0] = i / 3;
			cuts[1] = i;
			cuts[2] = len - (len > 0);
			if (cuts[2] < cuts[1])
				cuts[2] = cuts[1];
			z = gz_members(doc, len, cuts, 3, 6, &zlen);
			CHECK(z != NULL, "gzip");
			for (infile = 0; infile < 2; infile++) {
				/* Ten bytes of memory: the rest in the file. */
				sp = spool_new(NULL, infile ? 10 : 1 << 20);
				rc = run(z, zlen, infile, MAX_OUT, fmts[f], sp,
				    &nrec, why, sizeof(why));
				CHECK(rc == CONVERT_OK, "%s: fmt %d cut %zu: "
				    "%d %s", what, f, i, rc, why);
				CHECK(nrec == wantrec, "%s: %zu records, want "
				    "%zu", what, nrec, wantrec);
				memset(&got, 0, sizeof(got));
				CHECK(spool_drain(sp, cap_write, &got) == 0,
				    "drain");
				CHECK(got.len == want.len && (want.len == 0 ||
				    memcmp(got.p, want.p, want.len) == 0),
				    "%s: fmt %d cut %zu infile %d: other lines",
				    what, f, i, infile);
				cap_reset(&got);
				spool_free(sp);
			}
			free(z);
		}
		cap_reset(&want);
	}
}

/* A failure: rc and reason as wanted, nothing held. */
static void
bad(const unsigned char *z, size_t zlen, size_t max, int wantrc,
    const char *wantwhy, const char *what)
{
	struct spool	*sp;
	size_t		 nrec = 99;
	char		 why[256];
	int		 rc, infile;

	for (infile = 0; infile < 2; infile++) {
		sp = spool_new(NULL, 16);
		rc = run(z, zlen, infile, max, FLATTEN_FLAT, sp, &nrec, why,
		    sizeof(why));
		CHECK(rc == wantrc, "%s: rc %d, want %d (%s)", what, rc,
		    wantrc, why);
		if (wantwhy != NULL)
			CHECK_STR(why, wantwhy, "%s", what);
		CHECK(nrec == 0, "%s: %zu records", what, nrec);
		CHECK(spool_size(sp) == 0, "%s: %llu bytes held", what,
		    (unsigned long long)spool_size(sp));
		spool_free(sp);
	}
}

/* doc as one member. */
static unsigned char *
gz1(const char *doc, size_t len, size_t *zlen)
{
	unsigned char	*z = gz_members(doc, len, NULL, 0, 6, zlen);

	CHECK(z != NULL, "gzip");
	return z;
}

/*
 * Lines past the spool's memory: built in it (flatten_lender) until it is
 * full, then written on into its file; the same lines all the same. Under
 * a spool_limit the object fails, naming --max-output-size, nothing held.
 */
static void
past_memory(const char *doc, size_t memmax, const char *what)
{
	static const enum flatten_format fmts[] = { FLATTEN_FLAT, FLATTEN_JSON,
	    FLATTEN_WAZUH };
	struct spool	*sp;
	struct cap	 want, got;
	unsigned char	*z;
	size_t		 len = strlen(doc), zlen, nrec, wantrec;
	char		 why[256], lim[128];
	int		 f, rc;

	z = gz1(doc, len, &zlen);
	for (f = 0; f < 3; f++) {
		expect(fmts[f], doc, len, &want, &wantrec);
		sp = spool_new(NULL, memmax);
		rc = run(z, zlen, 0, MAX_OUT, fmts[f], sp, &nrec, why,
		    sizeof(why));
		CHECK(rc == CONVERT_OK && nrec == wantrec && want.len >
		    memmax, "%s: fmt %d: %d %s", what, f, rc, why);
		memset(&got, 0, sizeof(got));
		CHECK(spool_drain(sp, cap_write, &got) == 0 && got.len ==
		    want.len && memcmp(got.p, want.p, want.len) == 0,
		    "%s: fmt %d: other lines", what, f);
		cap_reset(&got);
		spool_limit(sp, want.len - 1);
		rc = run(z, zlen, 0, MAX_OUT, fmts[f], sp, &nrec, why,
		    sizeof(why));
		(void)snprintf(lim, sizeof(lim), "its lines would take more "
		    "than %zu bytes (see --max-output-size)", want.len - 1);
		CHECK(rc == CONVERT_EBAD && spool_size(sp) == 0, "%s: fmt %d: "
		    "over the limit: %d", what, f, rc);
		CHECK_STR(why, lim, "%s: fmt %d", what, f);
		spool_free(sp);
		cap_reset(&want);
	}
	free(z);
}

int
main(void)
{
	struct spool	*sp;
	unsigned char	*z, *z2;
	char		*big, why[256];
	size_t		 zlen, z2len, n, nrec, i;
	int		 rc;
	const char	*recs = "{\"Records\":[{\"eventName\":\"a\",\"x\":1.5},"
	    "{\"eventName\":\"b\",\"y\":[1,{\"z\":null}],\"s\":\"\\u00e9\"}]}";

	good(recs, "two records");
	good("{\"Records\":[]}", "empty Records");
	good("{\"other\":1}", "no Records");
	good("{\"Records\":[{\"eventName\":\"gone\"}],\"Records\":"
	    "[{\"eventName\":\"kept\"}]}", "repeated Records: the last wins");

	/* A good document bigger than the spool's memory, repeated Records. */
	n = 3 * 1000 * 1000;
	if ((big = malloc(n + 64)) == NULL)
		return 1;
	i = (size_t)snprintf(big, 64, "{\"Records\":[");
	while (i < n) {
		memcpy(big + i, "{\"eventName\":\"e\",\"n\":12},", 25);
		i += 25;
	}
	memcpy(big + i - 1, "],\"Records\":[{\"eventName\":\"last\"}]}", 36);
	z = gz1(big, strlen(big), &zlen);
	/* One Records of 1.2 MB: the spool's memory filled, then its file. */
	memcpy(big + 12 + 25 * 48000, "{}]}", 5);
	past_memory(big, 1 << 20, "past 1 MiB of memory");
	past_memory(big, 300 * 1000, "past 300 kB of memory");
	memcpy(big + 12 + 25 * 48000, "{\"eve", 5);
	sp = spool_new(NULL, 4096);
	rc = run(z, zlen, 1, MAX_OUT, FLATTEN_FLAT, sp, &nrec, why,
	    sizeof(why));
	CHECK(rc == CONVERT_OK && nrec == 1, "repeated over a file: %d %zu",
	    rc, nrec);
	CHECK(spool_size(sp) == strlen("\"AmazonAWS\":\"eventName\":\"last\""
	    "\n"), "only the last Records held: %llu",
	    (unsigned long long)spool_size(sp));
	spool_free(sp);
	free(z);
	/* Its lines reached the spool's file; cut short, none are held. */
	z = gz1(big, n / 2, &zlen);
	bad(z, zlen, MAX_OUT, CONVERT_EBAD, NULL, "3 MB cut short");
	free(z);

	/* Bad documents and bad gzip hold nothing back. */
	z = gz1("{\"Records\":[{\"a\":1},{\"a\":2}],", 29, &zlen);
	bad(z, zlen, MAX_OUT, CONVERT_EBAD, "invalid JSON at byte 29",
	    "a document cut short");
	free(z);
	z = gz1("{\"Records\":{}}", 14, &zlen);
	bad(z, zlen, MAX_OUT, CONVERT_EBAD, "Records is not an array",
	    "Records not an array");
	free(z);
	bad((const unsigned char *)recs, strlen(recs), MAX_OUT, CONVERT_EBAD,
	    NULL, "not gzip");
	bad(NULL, 0, MAX_OUT, CONVERT_EBAD, "empty object, not gzip",
	    "no bytes");
	/* Good JSON so far, gzip cut short: the gzip's fault. */
	z = gz1(recs, strlen(recs), &zlen);
	bad(z, zlen - 9, MAX_OUT, CONVERT_EBAD, "truncated gzip data",
	    "truncated gzip");
	/* The JSON's fault comes first in the stream: it is the one named. */
	n = 1 << 20;
	if ((big = realloc(big, n)) == NULL)
		return 1;
	memset(big, 'x', n);
	memcpy(big, "{\"Records\":[{\"a\":1},}", 21);
	z2 = gz1(big, n, &z2len);
	bad(z2, z2len - 9, MAX_OUT, CONVERT_EBAD, "invalid JSON at byte 20",
	    "JSON before gzip");
	free(z2);

	/* The inflate limit. */
	bad(z, zlen, strlen(recs) - 1, CONVERT_EBAD, NULL, "over the limit");
	free(z);

	/*
	 * A record bomb: '{"Records":[{"a":"' and 48 MiB of 'A'. It stops at
	 * the record ceiling (16 MiB), about 64 pieces of 256 KiB in, not at
	 * its end.
	 */
	n = 48 << 20;
	free(big);
	if ((big = malloc(n)) == NULL)
		return 1;
	memset(big, 'A', n);
	memcpy(big, "{\"Records\":[{\"a\":\"", 18);
	z = gz1(big, n, &zlen);
	bad(z, zlen, MAX_OUT, CONVERT_EBAD, "record at byte 12 is larger "
	    "than 16777216 bytes", "record bomb");
	CHECK(calls < (PJ_RECORD_MAX / INFLATE_CHUNK) + 4, "%d pieces read",
	    calls);
	free(z);
	free(big);

	/* A stop request ends it at once, nothing held. */
	z = gz1(recs, strlen(recs), &zlen);
	stop_at = 1;
	bad(z, zlen, MAX_OUT, CONVERT_ESTOP, "interrupted", "stopped");
	stop_at = 0;

	/* A spool that cannot hold the lines (no directory for its file). */
	CHECK(setenv("TMPDIR", "/nonexistent/tmp/dir", 1) == 0, "setenv");
	sp = spool_new("/nonexistent/spool/dir", 1);
	rc = run(z, zlen, 0, MAX_OUT, FLATTEN_FLAT, sp, &nrec, why,
	    sizeof(why));
	CHECK(rc == CONVERT_ELOCAL && spool_size(sp) == 0, "spool fails: %d",
	    rc);
	spool_free(sp);
	CHECK(unsetenv("TMPDIR") == 0, "unsetenv");
	free(z);
	UNIT_DONE();
}
