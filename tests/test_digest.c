/* SPDX-License-Identifier: ISC */
/*
 * test_digest.c - digest.c: a digest document read (fields, nulls, bad
 * ones), the string signed, keys in both DER forms with their
 * fingerprints, signatures good and bad; keys made here with OpenSSL.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "digest.h"
#include "unit.h"

static const char doc[] =
    "{\"awsAccountId\":\"111122223333\","
    "\"digestStartTime\":\"2015-08-17T14:01:31Z\","
    "\"digestEndTime\":\"2015-08-17T15:01:31Z\","
    "\"digestS3Bucket\":\"b\","
    "\"digestS3Object\":\"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/"
    "2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_"
    "20150817T150131Z.json.gz\","
    "\"digestPublicKeyFingerprint\":\"31e8b5433410dfb61a9dc45cc65b22ff\","
    "\"previousDigestS3Bucket\":\"b\","
    "\"previousDigestS3Object\":\"prev\","
    "\"previousDigestHashValue\":"
    "\"97FB791CF91FFC440D274F8190DBDD9AA09C34432ABA82739DF18B6D3C13DF2D\","
    "\"previousDigestSignature\":\"5088\","
    "\"logFiles\":[{\"s3Bucket\":\"b\",\"s3Object\":\"k1\","
    "\"hashValue\":"
    "\"9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6\","
    "\"hashAlgorithm\":\"SHA-256\"}]}";

static void
test_parse(void)
{
	struct digest	 d;
	char		 why[256], *s, want[512];
	unsigned char	 md[32];
	size_t		 i;

	CHECK(digest_parse(doc, strlen(doc), &d, why, sizeof(why)) == 0,
	    "%s", why);
	CHECK_STR(d.end, "2015-08-17T15:01:31Z", "end as written");
	CHECK(d.end_t - d.start_t == 3600, "an hour");
	CHECK_STR(d.prev_hash, "97fb791cf91ffc440d274f8190dbdd9aa09c34432aba"
	    "82739df18b6d3c13df2d", "lowercased");
	CHECK(d.nfiles == 1 && strcmp(d.files[0].key, "k1") == 0, "files");
	EVP_Digest(doc, strlen(doc), md, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	CHECK_STR(d.hash, want, "hash of the exact bytes");
	s = digest_signed_string(&d);
	{
		char	full[1024];

		snprintf(full, sizeof(full), "2015-08-17T15:01:31Z\nb/%s\n%s\n"
		    "5088", d.object, want);
		CHECK_STR(s, full, "string signed");
	}
	free(s);
	digest_free(&d);
	/* Hashed with a digest_sha of the caller's, fed before or not. */
	{
		struct digest_sha	*h = digest_sha_new();

		CHECK(h != NULL, "digest_sha_new");
		digest_sha_feed(h, "left over", 9);
		for (i = 0; i < 2; i++) {
			CHECK(digest_parse_with(doc, strlen(doc), h, &d, why,
			    sizeof(why)) == 0, "%s", why);
			CHECK_STR(d.hash, want, "the same hash with a sha");
			CHECK(d.nfiles == 1, "the same files with a sha");
			digest_free(&d);
		}
		digest_sha_free(h);
	}
}

/* digestStartTime and digestEndTime: exactly YYYY-MM-DDTHH:MM:SSZ. */
static void
test_time(void)
{
	static const char *const bad[] = { "2015-08-17T15:01:31", "2015-08-"
	    "17T15:01:31Z ", "2015-08-17 15:01:31Z", "2015-8-17T15:01:31Z",
	    "2015-+8-17T15:01:31Z", "2015-02-29T00:00:00Z", "2016-02-30T00:"
	    "00:00Z", "2015-06-31T00:00:00Z", "2015-13-01T00:00:00Z", "2015-"
	    "00-01T00:00:00Z", "2015-01-00T00:00:00Z", "2015-01-01T24:00:00Z",
	    "2015-01-01T00:60:00Z", "2015-01-01T00:00:60Z", "1969-12-31T23:59:"
	    "59Z", "2015-01-01t00:00:00Z", "" };
	long long	 t = 0;
	size_t		 i;

	CHECK(digest_time("2015-08-17T15:01:31Z", &t) == 0 &&
	    t == 1439823691LL, "a time: %lld", t);
	CHECK(digest_time("1970-01-01T00:00:00Z", &t) == 0 && t == 0,
	    "the epoch");
	CHECK(digest_time("2016-02-29T23:59:59Z", &t) == 0 &&
	    t == 1456790399LL, "a leap day");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(digest_time(bad[i], &t) == -1, "refused: \"%s\"", bad[i]);
}

/* A first digest: previous* null, "null" signed. */
static void
test_first(void)
{
	static const char first[] = "{\"digestStartTime\":"
	    "\"2020-01-01T00:00:00Z\",\"digestEndTime\":"
	    "\"2020-01-01T01:00:00Z\",\"digestS3Bucket\":\"b\","
	    "\"digestS3Object\":\"o\",\"digestPublicKeyFingerprint\":"
	    "\"00000000000000000000000000000000\",\"previousDigestS3Bucket\":"
	    "null,\"previousDigestS3Object\":null,\"previousDigestHashValue\":"
	    "null,\"previousDigestSignature\":null,\"logFiles\":[]}";
	struct digest	 d;
	char		 why[256], *s;

	CHECK(digest_parse(first, strlen(first), &d, why, sizeof(why)) == 0,
	    "%s", why);
	CHECK(d.prev_object == NULL && d.prev_signature == NULL &&
	    d.prev_hash[0] == '\0' && d.nfiles == 0, "nulls");
	s = digest_signed_string(&d);
	CHECK(s != NULL && strstr(s, "\nnull") != NULL &&
	    strlen(strstr(s, "\nnull")) == 5, "null signed: %s", s);
	free(s);
	digest_free(&d);
}

static void
test_bad(void)
{
	static const char *const bad[] = {
		"", "[]", "{}", "{\"digestStartTime\":1}",
		"{\"digestStartTime\":\"2020-01-01T00:00:00Z\","
		"\"digestEndTime\":\"2020-01-01T01:00:00Z\","
		"\"digestS3Bucket\":\"b\",\"digestS3Object\":\"o\","
		"\"digestPublicKeyFingerprint\":\"00\",\"logFiles\":[]}",
		"{\"digestStartTime\":\"2020-02-30T00:00:00Z\","
		"\"digestEndTime\":\"2020-01-01T01:00:00Z\","
		"\"digestS3Bucket\":\"b\",\"digestS3Object\":\"o\","
		"\"digestPublicKeyFingerprint\":"
		"\"00000000000000000000000000000000\",\"logFiles\":[]}",
		"{\"digestStartTime\":\"2020-01-01T00:00:00Z\","
		"\"digestEndTime\":\"2020-01-01T01:00:00Z\","
		"\"digestS3Bucket\":\"b\",\"digestS3Object\":\"o\","
		"\"digestPublicKeyFingerprint\":"
		"\"00000000000000000000000000000000\",\"logFiles\":[{"
		"\"s3Bucket\":\"b\",\"s3Object\":\"k\",\"hashValue\":\"zz\","
		"\"hashAlgorithm\":\"SHA-256\"}]}",
	};
	struct digest	d;
	char		why[256];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK(digest_parse(bad[i], strlen(bad[i]), &d, why,
		    sizeof(why)) == -1 && why[0] != '\0', "bad %zu", i);
		digest_free(&d);
	}
}

/*
 * The reader (digest.c's own, no tree): a document made of the fields
 * every digest needs, top (ending in ',') before them and files as
 * logFiles' elements.
 */
#define H64	"9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6"
#define FILE1	"{\"s3Bucket\":\"b\",\"s3Object\":\"k\",\"hashValue\":\"" H64 \
		"\",\"hashAlgorithm\":\"SHA-256\"}"

static char *
mk(const char *top, const char *files)
{
	static const char	fmt[] = "{%s\"digestStartTime\":"
	    "\"2020-01-01T00:00:00Z\",\"digestEndTime\":"
	    "\"2020-01-01T01:00:00Z\",\"digestS3Bucket\":\"b\","
	    "\"digestS3Object\":\"o\",\"digestPublicKeyFingerprint\":"
	    "\"00000000000000000000000000000000\",\"logFiles\":[%s]}";
	size_t			len = strlen(fmt) + strlen(top) + strlen(files);
	char			*s = malloc(len);

	snprintf(s, len, fmt, top, files);
	return s;
}

/* doc (n bytes) read: 0, or the reason (want) it was refused. */
static void
expect_n(const char *s, size_t n, const char *want, const char *what)
{
	struct digest	d;
	char		why[256] = "";
	int		rc = digest_parse(s, n, &d, why, sizeof(why));

	if (want == NULL)
		CHECK(rc == 0, "%s: %s", what, why);
	else {
		CHECK(rc == -1, "%s: read", what);
		CHECK_STR(why, want, "%s", what);
	}
	digest_free(&d);
}

static void
expect(const char *s, const char *want, const char *what)
{
	expect_n(s, strlen(s), want, what);
}

/* mk(top, files) read, and freed. */
static void
expect_mk(const char *top, const char *files, const char *want,
    const char *what)
{
	char	*s = mk(top, files);

	expect(s, want, what);
	free(s);
}

/* The field name of mk(top, files) as read (the first file's for f:). */
static void
expect_value(const char *top, const char *files, const char *name,
    const char *want, size_t wantlen)
{
	struct digest	 d;
	char		*s = mk(top, files), why[256] = "";
	const char	*got = NULL;

	CHECK(digest_parse(s, strlen(s), &d, why, sizeof(why)) == 0,
	    "%s: %s", name, why);
	if (strcmp(name, "bucket") == 0)
		got = d.bucket;
	else if (strcmp(name, "prev_object") == 0)
		got = d.prev_object;
	else if (strcmp(name, "f:bucket") == 0 && d.nfiles > 0)
		got = d.files[0].bucket;
	else if (strcmp(name, "f:key") == 0 && d.nfiles > 0)
		got = d.files[0].key;
	CHECK(got != NULL && strlen(got) == wantlen &&
	    memcmp(got, want, wantlen) == 0, "%s: %s", name,
	    got ? got : "(none)");
	digest_free(&d);
	free(s);
}

static void
test_escapes(void)
{
	expect_value("\"digestS3Bucket\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",", "",
	    "bucket", "\"\\/\b\f\n\r\t", 8);
	expect_value("\"digestS3Bucket\":\"\\u0041\\u00e9\\u20AC\\uFFFF\",", "",
	    "bucket", "A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf", 9);
	expect_value("\"digestS3Bucket\":\"a\\ud83d\\ude00z\",", "", "bucket",
	    "a\xf0\x9f\x98\x80z", 6);
	expect_value("\"digestS3Bucket\":\"\\uDBFF\\uDFFF\",", "", "bucket",
	    "\xf4\x8f\xbf\xbf", 4);
	expect_value("\"digestS3Bucket\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\",", "",
	    "bucket", "caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
	/* A key escaped names its field. */
	expect_value("\"\\u0064igestS3Bucket\":\"esc\",", "", "bucket", "esc",
	    3);
	expect_value("", "{\"s3\\u0042ucket\":\"x\",\"s3Object\":\"k\\/1\","
	    "\"hashValue\":\"" H64 "\",\"hashAlgorithm\":\"SHA-256\"}",
	    "f:key", "k/1", 3);
	expect_mk("\"x\":\"\\ud83d\",", "", "not a JSON object", "lone high");
	expect_mk("\"x\":\"\\ud83dx\",", "", "not a JSON object", "high, x");
	expect_mk("\"x\":\"\\ud83d\\ud83d\",", "", "not a JSON object",
	    "high, high");
	expect_mk("\"x\":\"\\ude00\",", "", "not a JSON object", "lone low");
	expect_mk("\"x\":\"\\u12zz\",", "", "not a JSON object", "bad hex");
	expect_mk("\"x\":\"\\u12\",", "", "not a JSON object", "short \\u");
	expect_mk("\"x\":\"\\x41\",", "", "not a JSON object", "\\x");
	expect_mk("\"x\":\"\\", "", "not a JSON object", "\\ at the end");
	/* U+0000: fine where unread, refused in a field, no key's name. */
	expect_mk("\"x\":\"a\\u0000b\",", "", NULL, "U+0000 unread");
	expect_mk("\"digestS3Bucket\":\"a\\u0000b\",", "",
	    "digestS3Bucket is not a string of a usable length",
	    "U+0000 in a field");
	expect_mk("\"digestS3Bucket\\u0000\":1,", "", NULL, "U+0000 in a key");
}

static void
test_strict(void)
{
	static const char *const bad[] = {
		"\"x\":01,", "\"x\":1.,", "\"x\":-.5,", "\"x\":.5,",
		"\"x\":+1,", "\"x\":1e,", "\"x\":1e+,", "\"x\":-,",
		"\"x\":0x1,", "\"x\":NaN,", "\"x\":tru,", "\"x\":nul,",
		"\"x\":falsey,", "\"x\":[1,],", "\"x\":{\"a\":1,},",
		"\"x\":{a:1},", "\"x\":'a',", "\"x\":\"a\tb\",",
		"\"x\":\"a\x01\",", "\"x\":\"\xff\",", "\"x\":\"\xc0\xaf\",",
		"\"x\":\"\xed\xa0\x80\",", "\"x\":\"\xf4\x90\x80\x80\",",
		"\"x\":\"\xe2\x82\",", "\"x\":\v1,", "\"x\":1/*c*/,",
		"\"x\":[1 2],", "\"x\":{\"a\" 1},", "\"x\" 1,", "\"x\":1,,",
		"\"x\":[,1],", "\"x\":{,},", "\"x\":[}," , "\"x\":{],",
	};
	static const char *const good[] = {
		"\"x\":0,", "\"x\":-0,", "\"x\":-12.5e+10,", "\"x\":1E-0,",
		"\"x\":0.0e00,", "\"x\":true,", "\"x\":false,", "\"x\":null,",
		"\"x\":[],", "\"x\":{},", "\"x\":[1,\"a\",[{}],{\"a\":[]}],",
		"\"x\":\"\x7f\xef\xbf\xbf\xf0\x90\x80\x80\",",
		" \t\r\n\"x\" \t\r\n: \t\r\n[ 1 , { } ] \t\r\n,",
		"\"\":1,", "\"logfiles\":1,", "\"x\":\"digestS3Bucket\",",
	};
	char	*s, buf[2048];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_mk(bad[i], "", "not a JSON object", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		expect_mk(good[i], "", NULL, good[i]);
	s = mk("", "");
	snprintf(buf, sizeof(buf), "%s x", s);
	expect(buf, "not a JSON object", "bytes after");
	snprintf(buf, sizeof(buf), "%s}", s);
	expect(buf, "not a JSON object", "a brace after");
	snprintf(buf, sizeof(buf), " \n%s\r\n\t ", s);
	expect(buf, NULL, "whitespace around");
	snprintf(buf, sizeof(buf), "\xef\xbb\xbf%s", s);
	expect(buf, NULL, "a byte order mark");
	snprintf(buf, sizeof(buf), " \xef\xbb\xbf%s", s);
	expect(buf, "not a JSON object", "a byte order mark after a space");
	snprintf(buf, sizeof(buf), "%s", s);
	buf[strlen(s)] = '\0';
	expect_n(buf, strlen(s) + 1, "not a JSON object", "a NUL after");
	free(s);
	expect("[]", "not a JSON object", "a list");
	expect("\"x\"", "not a JSON object", "a string");
	expect("{", "not a JSON object", "{");
	expect_n("{}", 1, "not a JSON object", "{ of {}");
}

/* Nested n deep in all, the top object included; kind '[' or '{'. */
static void
expect_depth(int n, int kind, const char *want)
{
	char	*top = malloc((size_t)n * 8 + 16), *p = top;
	int	 i;

	p += sprintf(p, "\"x\":");
	for (i = 1; i < n; i++)
		p += sprintf(p, kind == '[' ? "[" : "{\"a\":");
	p += sprintf(p, "1");
	for (i = 1; i < n; i++)
		*p++ = kind == '[' ? ']' : '}';
	sprintf(p, ",");
	expect_mk(top, "", want, "depth");
	free(top);
}

/* A log file holding a value nested n deep in all. */
static void
expect_file_depth(int n, const char *want)
{
	char	*f = malloc((size_t)n * 2 + 256), *p = f;
	int	 i;

	p += sprintf(p, "{\"x\":");
	for (i = 3; i < n; i++)
		*p++ = '[';
	for (i = 3; i < n; i++)
		*p++ = ']';
	sprintf(p, ",%s", FILE1 + 1);
	expect_mk("", f, want, "depth in a log file");
	free(f);
}

static void
test_depth(void)
{
	expect_depth(999, '[', NULL);
	expect_depth(1000, '[', NULL);
	expect_depth(1001, '[', "not a JSON object");
	expect_depth(1000, '{', NULL);
	expect_depth(1001, '{', "not a JSON object");
	expect_depth(100000, '[', "not a JSON object");
	/* Inside a log file: the list and the file are 2 and 3 deep. */
	expect_file_depth(1000, NULL);
	expect_file_depth(1001, "not a JSON object");
}

static void
test_duplicates(void)
{
	expect_value("\"digestS3Bucket\":\"first\",", "", "bucket", "first",
	    5);
	expect_mk("\"digestS3Bucket\":1,", "",
	    "digestS3Bucket is not a string of a usable length",
	    "the first is not a string");
	expect_value("\"previousDigestS3Object\":\"p\","
	    "\"previousDigestS3Object\":null,", "", "prev_object", "p", 1);
	expect_mk("\"logFiles\":{},", FILE1, "logFiles is not a list",
	    "the first logFiles is not a list");
	expect_mk("\"logFiles\":[" FILE1 "],", "5", NULL,
	    "the second logFiles is not read");
	expect_value("", "{\"s3Bucket\":\"one\",\"s3Bucket\":\"two\","
	    "\"s3Object\":\"k\",\"hashValue\":\"" H64 "\",\"hashAlgorithm\":"
	    "\"SHA-256\"}", "f:bucket", "one", 3);
	expect_value("\"y\":{\"digestS3Bucket\":\"nested\"},", "", "bucket",
	    "b", 1);
}

static void
test_kinds(void)
{
	static const char *const values[] = { "1", "true", "[]", "{}",
	    "[\"b\"]" };
	char	top[64], f[512], want[512];
	size_t	i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(top, sizeof(top), "\"digestEndTime\":%s,", values[i]);
		expect_mk(top, "", "digestEndTime is not a string of a usable "
		    "length", top);
		snprintf(f, sizeof(f), "{\"s3Bucket\":\"b\",\"s3Object\":%s}",
		    values[i]);
		expect_mk("", f, "s3Object is not a string of a usable length",
		    f);
		snprintf(f, sizeof(f), "%s", values[i]);
		expect_mk("", f, "s3Bucket is missing", f);
	}
	expect_mk("\"digestS3Object\":null,", "",
	    "digestS3Object is not a string of a usable length", "null");
	expect_mk("\"previousDigestHashValue\":1,", "",
	    "previousDigestHashValue is not a string of a usable length",
	    "a hash not a string");
	expect_mk("\"previousDigestHashValue\":\"abc\",", "",
	    "previousDigestHashValue is not a SHA-256 in hex", "short hash");
	expect_mk("\"previousDigestHashValue\":\"" H64 "0\",", "",
	    "previousDigestHashValue is not a SHA-256 in hex", "long hash");
	expect_mk("\"digestPublicKeyFingerprint\":\"" H64 "\",", "",
	    "digestPublicKeyFingerprint is not an MD5 in hex", "long fp");
	expect("{\"digestStartTime\":\"2020-01-01T00:00:00Z\","
	    "\"digestEndTime\":\"2020-01-01T01:00:00Z\",\"digestS3Bucket\":"
	    "\"b\",\"digestS3Object\":\"o\",\"digestPublicKeyFingerprint\":"
	    "\"00000000000000000000000000000000\"}", "logFiles is missing",
	    "no logFiles");
	expect_mk("", "{\"s3Bucket\":\"b\",\"s3Object\":\"k\",\"hashValue\":"
	    "\"" H64 "\",\"hashAlgorithm\":\"MD5\"}",
	    "log file k: hashAlgorithm is not SHA-256", "MD5");
	expect_mk("", "{\"s3Bucket\":\"b\",\"s3Object\":\"k\",\"hashValue\":"
	    "\"" H64 "\",\"hashAlgorithm\":\"SHA-2567\"}",
	    "log file k: hashAlgorithm is not SHA-256", "SHA-2567");
	expect_mk("", "{\"s3Bucket\":\"b\",\"s3Object\":\"k\",\"hashValue\":"
	    "\"" H64 "\",\"hashAlgorithm\":\"SHA-\\u0032\\u00356\"}", NULL,
	    "hashAlgorithm escaped");
	expect_mk("", "{\"s3Bucket\":\"b\",\"s3Object\":\"k\",\"hashValue\":"
	    "\"" H64 "\"}", "hashAlgorithm is missing", "no hashAlgorithm");
	/* The reasons in cJSON's reader's order. */
	snprintf(want, sizeof(want), "%s,%s", FILE1, "1");
	expect_mk("", want, "s3Bucket is missing", "the second file");
	expect_mk("\"digestEndTime\":1,", "1",
	    "digestEndTime is not a string of a usable length",
	    "the document's fields first");
	expect_mk("\"x\":[1,],", "1", "not a JSON object",
	    "a syntax error after a bad file");
	expect_mk("", "1,[1,]", "not a JSON object",
	    "a syntax error after a bad file, in logFiles");
	expect_mk("", FILE1 "," FILE1, NULL, "two files");
}

/* Strings of a usable length: FIELD_MAX (2048) bytes, unescaped. */
static void
test_lengths(void)
{
	char	*top = malloc(6 * 2100 + 64), *p;
	size_t	 i;

	for (i = 2046; i <= 2049; i++) {
		p = top + sprintf(top, "\"digestS3Object\":\"");
		memset(p, 'o', i);
		sprintf(p + i, "\",");
		expect_mk(top, "", i < 2048 ? NULL : "digestS3Object is not a "
		    "string of a usable length", "length");
	}
	/* 2047 characters, each written \u0041: 12,282 bytes. */
	p = top + sprintf(top, "\"digestS3Object\":\"");
	for (i = 0; i < 2047; i++)
		p += sprintf(p, "\\u0041");
	sprintf(p, "\",");
	expect_mk(top, "", NULL, "2047 escaped");
	p = top + sprintf(top, "\"previousDigestHashValue\":\"");
	for (i = 0; i < 64; i++)
		p += sprintf(p, "\\u00%x", "0123456789abcdef"[i % 16]);
	sprintf(p, "\",");
	expect_mk(top, "", NULL, "a hash escaped");
	free(top);
}

/* Every prefix of a sound digest is refused, none crashes. */
static void
test_truncated(void)
{
	char	*s = mk("\"x\":[1.5e3,true,false,null,{\"a\":\"\\u00e9\"}],",
	    FILE1 "," FILE1), *cut;
	size_t	 n, len = strlen(s), bad = 0;

	expect(s, NULL, "whole");
	for (n = 0; n < len; n++) {
		struct digest	d;
		char		why[256];

		/* A copy of just n bytes, so ASan sees a read past them. */
		cut = malloc(n > 0 ? n : 1);
		memcpy(cut, s, n);
		if (digest_parse(cut, n, &d, why, sizeof(why)) != -1 ||
		    strcmp(why, "not a JSON object") != 0)
			bad++;
		digest_free(&d);
		free(cut);
	}
	CHECK(bad == 0, "%zu prefixes read", bad);
	free(s);
}

/* The key's DER (PKCS#1 when pkcs1) in base64, its MD5 in hex. */
static char *
key_b64(EVP_PKEY *pk, int pkcs1, char fp[DIGEST_FP_HEX])
{
	unsigned char	*der = NULL, md[16];
	char		*b64;
	int		 n, i;

	n = pkcs1 ? i2d_PublicKey(pk, &der) : i2d_PUBKEY(pk, &der);
	b64 = malloc((size_t)(n / 3 + 2) * 4 + 1);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	EVP_Digest(der, (size_t)n, md, NULL, EVP_md5(), NULL);
	for (i = 0; i < 16; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	OPENSSL_free(der);
	return b64;
}

static char *
sign_hex(EVP_PKEY *pk, const char *msg)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 sig[1024];
	size_t		 n = sizeof(sig), i;
	char		*hex;

	EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk);
	EVP_DigestSign(ctx, sig, &n, (const unsigned char *)msg, strlen(msg));
	EVP_MD_CTX_free(ctx);
	hex = malloc(2 * n + 1);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", sig[i]);
	return hex;
}

static void
test_keys(void)
{
	EVP_PKEY		*pk = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048);
	struct digest_key	*k1, *k2, *ko;
	char			 fp[DIGEST_FP_HEX], got[DIGEST_FP_HEX];
	char			 why[256], *b64, *sig, *osig;
	int			 form;

	sig = sign_hex(pk, "the string signed");
	osig = sign_hex(other, "the string signed");
	for (form = 0; form < 2; form++) {
		b64 = key_b64(pk, form, fp);
		k1 = digest_key_new(b64, strlen(b64), got, why, sizeof(why));
		CHECK(k1 != NULL, "form %d: %s", form, why);
		CHECK_STR(got, fp, "fingerprint, form %d", form);
		CHECK(digest_verify(k1, "the string signed", sig, why,
		    sizeof(why)) == 1, "good signature, form %d", form);
		CHECK(digest_verify(k1, "the string signed!", sig, why,
		    sizeof(why)) == 0, "another string");
		CHECK(digest_verify(k1, "the string signed", osig, why,
		    sizeof(why)) == 0, "another key's");
		CHECK(digest_verify(k1, "the string signed", "0g", why,
		    sizeof(why)) == 0, "not hex");
		CHECK(digest_verify(k1, "the string signed", "", why,
		    sizeof(why)) == 0, "empty");
		/* The key's ready context is copied, never used up. */
		CHECK(digest_verify(k1, "the string signed", sig, why,
		    sizeof(why)) == 1, "good again after failures, form %d",
		    form);
		digest_key_free(k1);
		free(b64);
	}
	k2 = digest_key_new("AAAA", 4, got, why, sizeof(why));
	CHECK(k2 == NULL, "not a key");
	ko = digest_key_new("AAA", 3, got, why, sizeof(why));
	CHECK(ko == NULL, "not base64");
	free(sig);
	free(osig);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
}

static void
test_sha(void)
{
	struct digest_sha	*h = digest_sha_new();
	char			 hex[DIGEST_HASH_HEX];

	digest_sha_feed(h, "ab", 2);
	digest_sha_feed(h, "c", 1);
	digest_sha_hex(h, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff"
	    "61f20015ad", "sha256(abc) in pieces");
	digest_sha_hex(h, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
	    "91b7852b855", "starts again empty");
	digest_sha_free(h);
}

int
main(void)
{
	test_parse();
	test_time();
	test_first();
	test_bad();
	test_escapes();
	test_strict();
	test_depth();
	test_duplicates();
	test_kinds();
	test_lengths();
	test_truncated();
	test_keys();
	test_sha();
	UNIT_DONE();
}
