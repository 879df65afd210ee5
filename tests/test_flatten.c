/* SPDX-License-Identifier: ISC */
/*
 * test_flatten.c - unit tests of flatten.c: the real lines of the
 * reference byte for byte, Python 2.7 dict order, str/repr of numbers and
 * strings, the json and wazuh formats, bad documents and writer failures,
 * a writer that lends its memory.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "flatten.h"
#include "pyjson.h"
#include "unit.h"

#define FLUSH_AT	65536	/* flatten.c's: lines go out in such pieces */

struct sink {
	char	 buf[65536];
	size_t	 len;
	int	 calls;
	int	 fail;		/* return -1 from this call on (1-based) */
};

static int
sink_write(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	s->calls++;
	if (s->fail && s->calls >= s->fail)
		return -1;
	if (n > sizeof(s->buf) - 1 - s->len)
		n = sizeof(s->buf) - 1 - s->len;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

static struct sink sink;
static char errbuf[256];
static size_t nrec;

static int
conv(int fmt, const char *doc)
{
	struct flatten_meta m = { .bucket = "bkt", .key =
	    "AWSLogs/123456789012/CloudTrail/us-east-1/2020/01/01/f.json.gz",
	    .basename = "f.json.gz" };

	memset(&sink, 0, sizeof(sink));
	return flatten_document(fmt, doc, strlen(doc), &m, sink_write, &sink,
	    &nrec, errbuf, sizeof(errbuf));
}

/* The flat line of {"Records":[REC]}, without "AmazonAWS": and '\n'. */
static const char *
flat(const char *rec)
{
	static char out[65536];
	char	*doc = NULL;
	size_t	 n;

	n = strlen(rec) + 32;
	if ((doc = malloc(n)) == NULL)
		return "(nomem)";
	if (snprintf(doc, n, "{\"Records\":[%s]}", rec) >= (int)n) {
		free(doc);
		return "(truncated)";
	}
	out[0] = '\0';
	if (conv(FLATTEN_FLAT, doc) != FLATTEN_OK)
		snprintf(out, sizeof(out), "(error: %s)", errbuf);
	else if (sink.len < 13 || sink.buf[sink.len - 1] != '\n')
		snprintf(out, sizeof(out), "(bad line: %.200s)", sink.buf);
	else
		snprintf(out, sizeof(out), "%.*s", (int)(sink.len - 13),
		    sink.buf + 12);
	free(doc);
	return out;
}

static const char sec6_in[] = "{\"Records\":[{\"eventVersion\":\"1.02\","
    "\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAJFYABM3JXNZ6J323Q\",\"arn\":\"arn:aws:iam::581201294259:user/test\","
    "\"accountId\":\"581201294259\",\"accessKeyId\":\"ASIAJSIJMQVFH3BM2U4Q\","
    "\"userName\":\"test\",\"sessionContext\":{\"attributes\":"
    "{\"mfaAuthenticated\":\"false\",\"creationDate\":\"2015-12-03T15:25:19Z\""
    "}},\"invokedBy\":\"signin.amazonaws.com\"},\"eventTime\":"
    "\"2015-12-03T17:14:18Z\",\"eventSource\":\"iam.amazonaws.com\","
    "\"eventName\":\"CreateRole\",\"awsRegion\":\"us-east-1\","
    "\"sourceIPAddress\":\"70.50.142.110\",\"userAgent\":"
    "\"signin.amazonaws.com\",\"errorCode\":\"AccessDenied\",\"errorMessage\":"
    "\"User: arn:aws:iam::581201294259:user/test is not authorized to "
    "perform: iam:CreateRole on resource: arn:aws:iam::581201294259:role/test"
    "\",\"requestParameters\":null,\"responseElements\":null,\"requestID\":"
    "\"49795e4f-99e1-11e5-9e7f-7997a85cbaf0\",\"eventID\":"
    "\"78a26d39-9c9d-45b8-9d39-5897259dd084\",\"eventType\":\"AwsApiCall\","
    "\"recipientAccountId\":\"581201294259\"}]}";

static const char sec6_out[] = "\"AmazonAWS\":\"eventVersion\":\"1.02\","
    "\"errorCode\":\"AccessDenied\",\"eventTime\":\"2015-12-03T17:14:18Z\","
    "\"requestParameters\":\"None\",\"eventType\":\"AwsApiCall\","
    "\"errorMessage\":\"User: arn:aws:iam::581201294259:user/test is not "
    "authorized to perform: iam:CreateRole on resource: "
    "arn:aws:iam::581201294259:role/test\",\"responseElements\":\"None\","
    "\"awsRegion\":\"us-east-1\",\"eventName\":\"CreateRole\","
    "\"userIdentity\":\"{u'userName': u'test', u'principalId': "
    "u'AIDAJFYABM3JXNZ6J323Q', u'accessKeyId': u'ASIAJSIJMQVFH3BM2U4Q', "
    "u'invokedBy': u'signin.amazonaws.com', u'sessionContext': "
    "{u'attributes': {u'creationDate': u'2015-12-03T15:25:19Z', "
    "u'mfaAuthenticated': u'false'}}, u'type': u'IAMUser', "
    "u'arn': u'arn:aws:iam::581201294259:user/test', "
    "u'accountId': u'581201294259'}\",\"eventSource\":\"iam.amazonaws.com\","
    "\"requestID\":\"49795e4f-99e1-11e5-9e7f-7997a85cbaf0\","
    "\"userAgent\":\"signin.amazonaws.com\","
    "\"eventID\":\"78a26d39-9c9d-45b8-9d39-5897259dd084\","
    "\"sourceIPAddress\":\"70.50.142.110\","
    "\"recipientAccountId\":\"581201294259\"\n";

static void
test_real_lines(void)
{
	CHECK(conv(FLATTEN_FLAT, sec6_in) == FLATTEN_OK, "section 6");
	CHECK_STR(sink.buf, sec6_out, "section 6 line");
	CHECK(nrec == 1, "one record, got %zu", nrec);
	CHECK_STR(flat("{\"u\":{\"type\":\"Root\",\"principalId\":"
	    "\"581201294259\",\"arn\":\"arn:aws:iam::581201294259:root\","
	    "\"accountId\":\"581201294259\",\"accessKeyId\":"
	    "\"ASIAJ4AJ2RPCBPBCWV3Q\",\"sessionContext\":{\"attributes\":"
	    "{\"mfaAuthenticated\":\"false\",\"creationDate\":"
	    "\"2015-11-26T15:07:04Z\"}}}}"),
	    "\"u\":\"{u'principalId': u'581201294259', u'accessKeyId': "
	    "u'ASIAJ4AJ2RPCBPBCWV3Q', u'sessionContext': {u'attributes': "
	    "{u'creationDate': u'2015-11-26T15:07:04Z', u'mfaAuthenticated': "
	    "u'false'}}, u'type': u'Root', u'arn': "
	    "u'arn:aws:iam::581201294259:root', u'accountId': u'581201294259'}\"",
	    "Root identity");
}

static void
test_dict_order(void)
{
	/* Orders checked with CPython 2.7 semantics (see py2model.py). */
	CHECK_STR(flat("{}"), "", "empty record");
	CHECK_STR(flat("{\"b\":1,\"a\":2}"), "\"a\":\"2\",\"b\":\"1\"",
	    "two keys");
	/* A repeated key keeps its first slot and takes the last value. */
	CHECK_STR(flat("{\"a\":1,\"b\":2,\"a\":3}"),
	    "\"a\":\"3\",\"b\":\"2\"", "repeat");
	CHECK_STR(flat("{\"x\":{\"k\":1,\"k\":2}}"), "\"x\":\"{u'k': 2}\"",
	    "nested repeat");
	CHECK_STR(flat("{\"\":1}"), "\"\":\"1\"", "empty key");
	/* Six keys force the first resize (8 -> 32 slots). */
	CHECK_STR(flat("{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,"
	    "\"k6\":6}"), "\"k3\":\"3\",\"k2\":\"2\",\"k1\":\"1\",\"k6\":\"6\","
	    "\"k5\":\"5\",\"k4\":\"4\"", "resize");
}

static void
test_numbers(void)
{
	CHECK_STR(flat("{\"a\":0,\"b\":-0}"), "\"a\":\"0\",\"b\":\"0\"",
	    "zero ints");
	CHECK_STR(flat("{\"a\":0.0}"), "\"a\":\"0.0\"", "str 0.0");
	CHECK_STR(flat("{\"a\":-0.0}"), "\"a\":\"-0.0\"", "str -0.0");
	CHECK_STR(flat("{\"a\":1e16}"), "\"a\":\"1e+16\"", "str 1e16");
	CHECK_STR(flat("{\"a\":0.1}"), "\"a\":\"0.1\"", "str 0.1");
	CHECK_STR(flat("{\"a\":123456789012.0}"),
	    "\"a\":\"1.23456789012e+11\"", "str 12 digits: exponent");
	CHECK_STR(flat("{\"a\":99999999999.5}"), "\"a\":\"99999999999.5\"",
	    "str 11 integer digits: fixed");
	CHECK_STR(flat("{\"a\":150000000000.0}"), "\"a\":\"1.5e+11\"",
	    "str 1.5e11");
	CHECK_STR(flat("{\"a\":4391741834105.0}"),
	    "\"a\":\"4.39174183410e+12\"", "str keeps dtoa's zero");
	CHECK_STR(flat("{\"a\":1234567890123.0}"),
	    "\"a\":\"1.23456789012e+12\"", "str 13 digits");
	CHECK_STR(flat("{\"a\":1E5}"), "\"a\":\"100000.0\"", "1E5 is a float");
	CHECK_STR(flat("{\"a\":1e999}"), "\"a\":\"inf\"", "overflow");
	CHECK_STR(flat("{\"a\":[1e999,-1e999,NaN,-Infinity]}"),
	    "\"a\":\"[inf, -inf, nan, -inf]\"", "non-finite repr");
	CHECK_STR(flat("{\"a\":[1e16,1e-05,0.0001,1234567.0,0.1,1e15]}"),
	    "\"a\":\"[1e+16, 1e-05, 0.0001, 1234567.0, 0.1, "
	    "1000000000000000.0]\"", "repr floats");
	CHECK_STR(flat("{\"a\":[0.30000000000000004,5e-324,"
	    "1.7976931348623157e308,-12.5e-3]}"),
	    "\"a\":\"[0.30000000000000004, 5e-324, 1.7976931348623157e+308, "
	    "-0.0125]\"", "repr shortest");
	CHECK_STR(flat("{\"a\":[9223372036854775807,9223372036854775808,"
	    "-9223372036854775808,-9223372036854775809,-0]}"),
	    "\"a\":\"[9223372036854775807, 9223372036854775808L, "
	    "-9223372036854775808, -9223372036854775809L, 0]\"", "longs");
	CHECK_STR(flat("{\"a\":18446744073709551616}"),
	    "\"a\":\"18446744073709551616\"", "str long has no L");
	CHECK_STR(flat("{\"a\":[true,false,null,[],{}]}"),
	    "\"a\":\"[True, False, None, [], {}]\"", "constants");
	CHECK_STR(flat("{\"a\":true,\"b\":null}"),
	    "\"a\":\"True\",\"b\":\"None\"", "top constants");
}

static void
test_strings(void)
{
	CHECK_STR(flat("{\"a\":\"caf\\u00e9 \\ud83d\\ude00\"}"),
	    "\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "top-level UTF-8");
	CHECK_STR(flat("{\"a\":[\"caf\\u00e9\",\"\\ud83d\\ude00\","
	    "\"\xe4\xb8\xad\"]}"),
	    "\"a\":\"[u'caf\\xe9', u'\\U0001f600', u'\\u4e2d']\"", "repr unicode");
	/* Python 2.7's json kept a lone surrogate as a code point. */
	CHECK_STR(flat("{\"a\":[\"\\ud800\",\"\\udc00x\",\"\\ud800\\u0041\"]}"),
	    "\"a\":\"[u'\\ud800', u'\\udc00x', u'\\ud800A']\"", "lone surrogates");
	CHECK_STR(flat("{\"a\":\"x\\ud800\"}"), "\"a\":\"x\\ud800\"",
	    "top-level lone surrogate escaped");
	CHECK_STR(flat("{\"a\":\"1\\n2\\r3\\u00004\\t5\"}"),
	    "\"a\":\"1\\n2\\r3\\x004\t5\"", "top-level LF CR NUL");
	CHECK_STR(flat("{\"k\\ney\":1}"), "\"k\\ney\":\"1\"",
	    "key with newline");
	CHECK_STR(flat("{\"a\":[\"it's\",\"say \\\"hi\\\"\",\"both '\\\"\","
	    "\"back\\\\slash\",\"\\u0001\\u007f\\u00ff\\t\\n\\r\"]}"),
	    "\"a\":\"[u\"it's\", u'say \"hi\"', u'both \\'\"', "
	    "u'back\\\\slash', u'\\x01\\x7f\\xff\\t\\n\\r']\"", "repr quoting");
	CHECK_STR(flat("{\"a\":\"\\/\"}"), "\"a\":\"/\"", "escaped slash");
}

static void
test_json(void)
{
	CHECK(conv(FLATTEN_JSON, "{\"Records\":[{\"b\":0,\"a\":\"x\","
	    "\"sourceIPAddress\":\"1.2.3.4\",\"e\":\"\",\"n\":null,\"l\":[],"
	    "\"userIdentity\":{\"userName\":\"\\u00e9\\ud83d\\ude00\"},"
	    "\"f\":0.0,\"t\":[1e16,18446744073709551616,\"\\u007f\"]}]}") ==
	    FLATTEN_OK, "json");
	CHECK_STR(sink.buf, "{\"srcip\": \"1.2.3.4\", \"aws\": {\"a\": \"x\", "
	    "\"userIdentity\": {\"userName\": \"\\u00e9\\ud83d\\ude00\"}, "
	    "\"log_file\": \"f.json.gz\", "
	    "\"t\": [1e+16, 18446744073709551616, \"\\u007f\"], "
	    "\"sourceIPAddress\": \"1.2.3.4\"}, "
	    "\"user\": \"\\u00e9\\ud83d\\ude00\"}\n", "json line");
	CHECK(conv(FLATTEN_JSON, "{\"Records\":[{}]}") == FLATTEN_OK, "json");
	CHECK_STR(sink.buf, "{\"aws\": {\"log_file\": \"f.json.gz\"}}\n",
	    "json empty record");
}

/* How many times needle occurs in s. */
static size_t
count(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_wazuh(void)
{
	CHECK(conv(FLATTEN_WAZUH, "{\"Records\":[{\"a\":null,\"b\":[\"x\"],"
	    "\"sourceIPAddress\":\"10.0.0.1\",\"requestParameters\":[1,2],"
	    "\"responseElements\":{\"z\":null,\"disableApiTermination\":true},"
	    "\"tags\":\"t\"}]}") == FLATTEN_OK, "wazuh");
	CHECK_STR(sink.buf, "{\"integration\": \"aws\", \"aws\": {\"log_info\": "
	    "{\"aws_account_alias\": \"\", \"log_file\": "
	    "\"AWSLogs/123456789012/CloudTrail/us-east-1/2020/01/01/f.json.gz\", "
	    "\"s3bucket\": \"bkt\"}, \"b\": \"x\", \"sourceIPAddress\": "
	    "\"10.0.0.1\", \"requestParameters\": {\"string\": \"[1, 2]\"}, "
	    "\"responseElements\": {\"disableApiTermination\": true}, "
	    "\"tags\": {\"value\": \"t\"}, \"source\": \"cloudtrail\", "
	    "\"aws_account_id\": \"123456789012\", \"source_ip_address\": "
	    "\"10.0.0.1\"}}\n", "wazuh event");
	CHECK(conv(FLATTEN_WAZUH, "{\"Records\":[{\"requestParameters\":"
	    "{\"disableApiTermination\":false},\"x\":NaN}]}") == FLATTEN_OK,
	    "wazuh");
	CHECK(strstr(sink.buf, "\"requestParameters\": "
	    "{\"disableApiTermination\": {\"value\": false}}, \"x\": \"NaN\"")
	    != NULL, "disableApiTermination, NaN: %s", sink.buf);
	/* Python 3.10's repr: unassigned and format characters escaped. */
	CHECK(conv(FLATTEN_WAZUH, "{\"Records\":[{\"requestParameters\":"
	    "[\"\\u0378\\u08e2\\ud804\\udcbd\",\"\xc3\xa9\"]}]}") ==
	    FLATTEN_OK, "wazuh repr");
	CHECK(strstr(sink.buf, "{\"string\": \"['\\\\u0378\\\\u08e2"
	    "\\\\U000110bd', '\\u00e9']\"}") != NULL, "repr escapes: %s",
	    sink.buf);
	/* \d is any Unicode decimal digit; '.' anything but a line feed. */
	CHECK(conv(FLATTEN_WAZUH, "{\"Records\":[{\"sourceIPAddress\":"
	    "\"\\u0661.\\u0662x\\uff13y4\"},{\"sourceIPAddress\":"
	    "\"1.2\\n3.4\"},{\"sourceIPAddress\":\"1.22345\"}]}") ==
	    FLATTEN_OK, "wazuh ip");
	CHECK(count(sink.buf, "source_ip_address") == 2, "Unicode digits: %s",
	    sink.buf);
}

static void
test_wazuh_alias(void)
{
	struct flatten_meta m = { .bucket = "bkt", .key = "k",
	    .basename = "k", .account_alias = "prod \"a\"" };

	memset(&sink, 0, sizeof(sink));
	CHECK(flatten_document(FLATTEN_WAZUH, "{\"Records\":[{}]}", 16, &m,
	    sink_write, &sink, &nrec, errbuf, sizeof(errbuf)) == FLATTEN_OK,
	    "alias");
	CHECK(strstr(sink.buf, "{\"aws_account_alias\": \"prod \\\"a\\\"\", "
	    "\"log_file\": \"k\"") != NULL, "alias written: %s", sink.buf);
}

/*
 * {"Records":[{"a": then n containers (objects {"k": and arrays [ in
 * turn), a string, their ends: a document n + 3 deep ({"Records":[{ are
 * three of them).
 */
static char *
deep_doc(size_t n)
{
	char	*d, *p;
	size_t	 i;

	if ((d = malloc(32 + 6 * n)) == NULL)
		abort();
	memcpy(d, "{\"Records\":[{\"a\":", 17);
	p = d + 17;
	for (i = 0; i < n; i++) {
		if (i % 2) {
			*p++ = '[';
		} else {
			memcpy(p, "{\"k\":", 5);
			p += 5;
		}
	}
	memcpy(p, "\"x\"", 3);
	p += 3;
	for (i = n; i-- > 0;)
		*p++ = i % 2 ? ']' : '}';
	memcpy(p, "}]}", 4);
	return d;
}

/*
 * Nesting as deep as Python's json reads (PJ_MAX_DEPTH, 1000: CPython's
 * recursion limit), on the parser's own stack; a level more is refused
 * whole, in every format.
 */
static void
test_depth(void)
{
	char	 want[64], *d;
	int	 fmt;

	(void)snprintf(want, sizeof(want), "nesting deeper than %d",
	    PJ_MAX_DEPTH);
	for (fmt = FLATTEN_FLAT; fmt <= FLATTEN_WAZUH; fmt++) {
		d = deep_doc(900);
		CHECK(conv(fmt, d) == FLATTEN_OK && nrec == 1 && sink.calls > 0,
		    "900 deep, format %d: %s", fmt, errbuf);
		free(d);
		d = deep_doc(PJ_MAX_DEPTH - 3);
		CHECK(conv(fmt, d) == FLATTEN_OK && nrec == 1,
		    "%d deep, format %d: %s", PJ_MAX_DEPTH, fmt, errbuf);
		free(d);
		d = deep_doc(PJ_MAX_DEPTH - 2);
		CHECK(conv(fmt, d) == FLATTEN_EBADDOC, "%d deep, format %d",
		    PJ_MAX_DEPTH + 1, fmt);
		CHECK_STR(errbuf, want, "too deep, format %d", fmt);
		CHECK(sink.calls == 0 && nrec == 0, "too deep wrote");
		free(d);
	}
	/* Records' element may be the deep one: it parses, then is refused. */
	if ((d = malloc(2 * PJ_MAX_DEPTH + 16)) == NULL)
		abort();
	memcpy(d, "{\"Records\":[", 12);
	memset(d + 12, '[', PJ_MAX_DEPTH - 2);
	memset(d + 12 + PJ_MAX_DEPTH - 2, ']', PJ_MAX_DEPTH - 1);
	memcpy(d + 12 + 2 * PJ_MAX_DEPTH - 3, "}", 2);
	CHECK(conv(FLATTEN_FLAT, d) == FLATTEN_EBADDOC, "array records");
	CHECK_STR(errbuf, "Records[0] is not an object", "%d deep parses",
	    PJ_MAX_DEPTH);
	free(d);
}

static void
test_bad(void)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "", "invalid JSON at byte 0" },
		{ "{\"Records\":[{}]", "invalid JSON at byte 15" },
		{ "{\"Records\":[{}]} x", "invalid JSON at byte 17" },
		{ "[]", "top-level value is not an object" },
		{ "\"x\"", "top-level value is not an object" },
		{ "{\"Records\":{}}", "Records is not an array" },
		{ "{\"Records\":null}", "Records is not an array" },
		{ "{\"Records\":[{},{},{},1]}", "Records[3] is not an object" },
		{ "{\"Records\":[{\"a\":\"\x01\"}]}", "invalid JSON at byte 18" },
		{ "{\"Records\":[{\"a\":\"\xff\"}]}", "invalid UTF-8 at byte 18" },
		{ "{\"Records\":[{\"a\":\"\xc0\xaf\"}]}",
		    "invalid UTF-8 at byte 18" },
		{ "{\"Records\":[{\"a\":01}]}", "invalid JSON at byte 18" },
		{ "{\"Records\":[{\"a\":1.}]}", "invalid JSON at byte 18" },
		{ "{\"Records\":[{\"a\":\"\\x\"}]}", "invalid JSON at byte 18" },
		{ "{\"Records\":[{\"a\":\"\\u12\"}]}", "invalid JSON at byte 20" },
		{ "{\"Records\":[{\"a\":tru}]}", "invalid JSON at byte 17" },
		{ "{\"Records\":[{,}]}", "invalid JSON at byte 13" },
		{ "\xef\xbb\xbf{}", "invalid JSON at byte 0" },
	};
	size_t	 i;
	int	 fmt;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (fmt = FLATTEN_FLAT; fmt <= FLATTEN_WAZUH; fmt++) {
			CHECK(conv(fmt, bad[i].doc) == FLATTEN_EBADDOC,
			    "bad doc %zu", i);
			CHECK(sink.calls == 0 && nrec == 0,
			    "bad doc %zu wrote", i);
			CHECK_STR(errbuf, bad[i].why, "bad doc %zu", i);
		}

	test_depth();
}

static void
test_empty_and_writer(void)
{
	static const char *none[] = { "{}", "{\"Records\":[]}",
	    " {\"other\":1} \n", "{\"records\":[{}]}" };
	static const char rec[] = "{\"abcdefghij\":\"0123456789\"}";
	char	*big = NULL, *p;
	size_t	 i, n;
	int	 rc;

	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		CHECK(conv(FLATTEN_FLAT, none[i]) == FLATTEN_OK, "empty %zu", i);
		CHECK(sink.calls == 0 && nrec == 0, "empty %zu wrote", i);
	}

	memset(&sink, 0, sizeof(sink));
	sink.fail = 1;
	rc = flatten_document(FLATTEN_FLAT, sec6_in, strlen(sec6_in), NULL,
	    sink_write, &sink, &nrec, errbuf, sizeof(errbuf));
	CHECK(rc == FLATTEN_EWRITE && nrec == 0, "writer -1: rc %d", rc);

	/* Many records: written in more than one call, counted. */
	n = 3000;
	if ((big = malloc(n * 40 + 32)) == NULL) {
		CHECK(0, "malloc");
		return;
	}
	p = big;
	memcpy(p, "{\"Records\":[", 12);
	p += 12;
	for (i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, rec, strlen(rec));
		p += strlen(rec);
	}
	memcpy(p, "]}", 3);
	memset(&sink, 0, sizeof(sink));
	sink.fail = 2;
	rc = flatten_document(FLATTEN_WAZUH, big, strlen(big), NULL,
	    sink_write, &sink, &nrec, errbuf, sizeof(errbuf));
	CHECK(rc == FLATTEN_EWRITE, "second write fails: rc %d", rc);
	CHECK(nrec > 0 && nrec < n, "lines before the failure: %zu", nrec);
	memset(&sink, 0, sizeof(sink));
	rc = flatten_document(FLATTEN_WAZUH, big, strlen(big), NULL,
	    sink_write, &sink, &nrec, errbuf, sizeof(errbuf));
	CHECK(rc == FLATTEN_OK && nrec == n, "all lines: %zu", nrec);
	CHECK(sink.calls > 1 && sink.calls < 10, "batched: %d calls",
	    sink.calls);
	free(big);
}

/* Convert doc[0..len) fed in pieces of step bytes (0: after cut, once). */
static int
stream(int fmt, const char *doc, size_t len, size_t step, size_t cut,
    struct cap *c, char *err, size_t errlen)
{
	struct flatten_meta m = { .bucket = "bkt", .key =
	    "AWSLogs/123456789012/CloudTrail/us-east-1/2020/01/01/f.json.gz",
	    .basename = "f.json.gz" };
	struct flatten	*f;
	size_t		 at = 0, n;
	int		 rc;

	memset(c, 0, sizeof(*c));
	if ((f = flatten_new(fmt, &m, cap_write, cap_rewind, c)) == NULL)
		return FLATTEN_ENOMEM;
	while (at < len) {
		n = step ? step : at == 0 && cut ? cut : len - at;
		if (n > len - at)
			n = len - at;
		if (flatten_feed(f, doc + at, n) != FLATTEN_OK)
			break;
		at += n;
	}
	rc = flatten_end(f, &nrec, err, errlen);
	flatten_free(f);
	return rc;
}

/* Every cut of doc, and one-byte pieces, give what one piece gives. */
static void
every_cut(int fmt, const char *doc, const char *what)
{
	struct cap	 one, other;
	char		 e1[256], e2[256];
	size_t		 len = strlen(doc), c;
	int		 rc1, rc2, bad = 0;

	rc1 = stream(fmt, doc, len, 0, 0, &one, e1, sizeof(e1));
	for (c = 0; c <= len && bad < 3; c++) {
		rc2 = c == len ? stream(fmt, doc, len, 1, 0, &other, e2,
		    sizeof(e2)) : stream(fmt, doc, len, 0, c, &other, e2,
		    sizeof(e2));
		if (rc1 != rc2 || strcmp(e1, e2) != 0 || other.len != one.len ||
		    (one.len && memcmp(one.p, other.p, one.len) != 0)) {
			CHECK(0, "%s: format %d cut %zu: rc %d \"%s\" vs %d "
			    "\"%s\"", what, fmt, c, rc2, e2, rc1, e1);
			bad++;
		}
		free(other.p);
	}
	CHECK(bad == 0, "%s: every cut", what);
	free(one.p);
}

static void
test_cuts(void)
{
	static const char *docs[] = {
		"{\"Records\":[{\"a\":1,\"b\":[1.5,\"x\\u00e9\\ud800\"],"
		    "\"c\":{\"d\":null}},{\"e\":-0.0}]}",
		"{\"Records\":[{\"a\":\"\\ud83d\\ude00\",\"n\":"
		    "-Infinity}], \"x\": [true, false, null, NaN, 1e5]}",
		"{\"x\":\"\\u12\"}",
		"{\"Records\":[{\"a\":\"\\u12\"}]}",
		"{\"Records\":[{\"a\":1.}]}",
		"{\"Recordz\":[{\"a\":1.}]}",
		"{\"Records\":[{\"a\":-}]}",
		"{\"Records\":[{\"a\":-Inf}]}",
		"{\"Records\":[{\"a\":1e+}]}",
		"{\"Records\":[{\"a\":\"\xe0\x80\x80\"}]}",
		"{\"Records\":[{\"a\":\"\xf4\x90\x80\x80\"}]}",
		"{\"Records\":[{\"a\":\"\xed\xa0\x80\"}]}",
		"{\"Records\":[{}, 1, {}]}",
		"{\"Records\":[{\"k\":1}],\"Records\":[{\"j\":2}]}",
		"{\"Records\":[{\"k\":1}],\"Records\":{}}",
		"{\"Rec\\u006frds\":[{\"k\":1}]}",
		" [ {\"Records\":[{\"k\":1}]} ] ",
		"{\"Records\":[{\"a\":\"x",
		"{\"Records\":[{\"a\":\"x\\",
		"{\"Records\":[{\"a\":tr",
		"12",
		"",
	};
	size_t	 i;
	int	 fmt;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		for (fmt = FLATTEN_FLAT; fmt <= FLATTEN_WAZUH; fmt++)
			every_cut(fmt, docs[i], docs[i]);
	CHECK(conv(FLATTEN_FLAT, docs[12]) == FLATTEN_EBADDOC, "element");
	CHECK_STR(errbuf, "Records[1] is not an object", "element");
}

/* The last top-level Records wins; the earlier ones' lines are void. */
static void
test_repeated_records(void)
{
	struct cap	 c;
	char		 e[256];
	const char	*doc;

	doc = "{\"Records\":[{\"a\":1},{\"a\":2}],\"x\":0,"
	    "\"Records\":[{\"b\":3}]}";
	CHECK(stream(FLATTEN_FLAT, doc, strlen(doc), 0, 0, &c, e,
	    sizeof(e)) == FLATTEN_OK, "repeat: %s", e);
	CHECK(c.rewinds == 1 && nrec == 1, "one rewind, one record: %d %zu",
	    c.rewinds, nrec);
	CHECK(c.len == strlen("\"AmazonAWS\":\"b\":\"3\"\n") &&
	    memcmp(c.p, "\"AmazonAWS\":\"b\":\"3\"\n", c.len) == 0,
	    "only the last Records' line");
	free(c.p);
	doc = "{\"Records\":5,\"Records\":[{\"b\":3}]}";
	CHECK(conv(FLATTEN_FLAT, doc) == FLATTEN_OK && nrec == 1,
	    "a bad Records made good by the next: %s", errbuf);
	doc = "{\"Records\":[{\"b\":3}],\"Records\":[1]}";
	CHECK(conv(FLATTEN_FLAT, doc) == FLATTEN_EBADDOC && sink.calls == 0,
	    "a good Records made bad by the next");
	CHECK_STR(errbuf, "Records[0] is not an object", "the last one's");
	doc = "{\"Records\":[{\"b\":3}],\"Records\":[]}";
	CHECK(conv(FLATTEN_FLAT, doc) == FLATTEN_OK && sink.calls == 0 &&
	    nrec == 0, "an empty last Records writes nothing");
}

/* A JSON fault is the same fault whether or not it is in a record. */
static void
test_same_fault(void)
{
	static const char *recs[] = {
		"{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", "{\"a\":01}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":tru}",
		"{,}", "{\"a\":1e}", "{\"a\":-I}", "{\"a\" 1}", "{\"a\":[1,]}",
		"{\"a\":{\"b\":1,}}", "{\"a\":\"\xc3\"}",
	};
	char	 d1[128], d2[128], e1[256];
	size_t	 i;

	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		snprintf(d1, sizeof(d1), "{\"Records\":[%s]}", recs[i]);
		snprintf(d2, sizeof(d2), "{\"Recordz\":[%s]}", recs[i]);
		CHECK(conv(FLATTEN_FLAT, d1) == FLATTEN_EBADDOC, "%s", d1);
		snprintf(e1, sizeof(e1), "%s", errbuf);
		CHECK(conv(FLATTEN_FLAT, d2) == FLATTEN_EBADDOC, "%s", d2);
		CHECK_STR(errbuf, e1, "%s: scanner and parser agree", recs[i]);
	}
}

/* A record over the ceilings is refused, and a bomb stops there. */
static void
test_ceilings(void)
{
	static const char head[] = "{\"Records\":[{\"a\":\"";
	struct flatten	*f;
	struct cap	 c;
	char		*piece, e[256], want[128];
	size_t		 fed = 0, n = 256 * 1024, i;
	int		 rc = FLATTEN_OK;

	if ((piece = malloc(n)) == NULL) {
		CHECK(0, "malloc");
		return;
	}
	memset(piece, 'A', n);
	memset(&c, 0, sizeof(c));
	f = flatten_new(FLATTEN_FLAT, NULL, cap_write, cap_rewind, &c);
	CHECK(flatten_feed(f, head, strlen(head)) == FLATTEN_OK, "head");
	/* 4 GiB of A's would follow: the record stops it at 16 MiB. */
	while (fed < (size_t)64 << 20 &&
	    (rc = flatten_feed(f, piece, n)) == FLATTEN_OK)
		fed += n;
	CHECK(rc == FLATTEN_EBADDOC, "bomb refused: rc %d", rc);
	CHECK(fed <= 16 << 20, "stopped after %zu bytes", fed);
	CHECK(flatten_end(f, NULL, e, sizeof(e)) == FLATTEN_EBADDOC, "end");
	snprintf(want, sizeof(want), "record at byte 12 is larger than %d "
	    "bytes", 16 * 1024 * 1024);
	CHECK_STR(e, want, "bomb reason");
	CHECK(c.len == 0, "bomb wrote nothing");
	flatten_free(f);
	free(c.p);

	/* 2^20 keys and values pass; one more does not. */
	free(piece);
	n = 20 + 2 * (1 << 20);
	if ((piece = malloc(n + 8)) == NULL) {
		CHECK(0, "malloc");
		return;
	}
	memcpy(piece, "{\"Records\":[[", 13);
	for (i = 0; i < (1 << 20) - 2; i++)
		memcpy(piece + 13 + 2 * i, "0,", 2);
	memcpy(piece + 13 + 2 * i, "0]]}", 5);
	CHECK(conv(FLATTEN_FLAT, piece) == FLATTEN_EBADDOC, "array record");
	CHECK_STR(errbuf, "Records[0] is not an object", "values skipped");
	memcpy(piece, "{\"Records\":[{\"a\":[", 18);
	for (i = 0; i < (1 << 20) - 4; i++)
		memcpy(piece + 18 + 2 * i, "0,", 2);
	memcpy(piece + 18 + 2 * i, "0]}]}", 6);
	CHECK(conv(FLATTEN_FLAT, piece) == FLATTEN_OK && nrec == 1,
	    "2^20 keys and values: %s", errbuf);
	memcpy(piece + 18 + 2 * i, "0,0]}]}", 8);
	CHECK(conv(FLATTEN_FLAT, piece) == FLATTEN_EBADDOC, "one more");
	CHECK_STR(errbuf, "record at byte 12 has more than 1048576 keys and "
	    "values", "values reason");
	free(piece);
}

/* A big record's line reaches the writer in pieces, not whole. */
static void
test_big_line(void)
{
	struct cap	 c;
	char		*doc, e[256];
	size_t		 n = 4 << 20, i;

	if ((doc = malloc(n + 64)) == NULL) {
		CHECK(0, "malloc");
		return;
	}
	memcpy(doc, "{\"Records\":[{\"a\":[", 18);
	for (i = 0; i < n / 7; i++)
		memcpy(doc + 18 + 7 * i, "\"\x7f\x7f\x7f\x7f\",", 7);
	memcpy(doc + 18 + 7 * i - 1, "]}]}", 5);
	CHECK(stream(FLATTEN_FLAT, doc, strlen(doc), 65536, 0, &c, e,
	    sizeof(e)) == FLATTEN_OK, "big line: %s", e);
	CHECK(c.len > 4 * n / 2 && c.p[c.len - 1] == '\n' &&
	    memchr(c.p, '\n', c.len) == c.p + c.len - 1, "one line of %zu",
	    c.len);
	CHECK(c.biggest < (size_t)1 << 20, "in pieces: biggest %zu",
	    c.biggest);
	free(c.p);
	free(doc);
}

/*
 * Keys and bucket names do not come from the parser: a store other than S3
 * may hold any bytes. Cut or bad UTF-8 is U+FFFD, and nothing past the
 * name is read (the names are heap copies of exactly their length, for
 * ASan and valgrind).
 */
static void
test_bad_utf8_in_names(void)
{
	static const char *const keys[] = { "x/ab\xf0", "x/\xe9" "ab",
	    "x/\xc3", "x/\x80\xbf" };
	struct flatten_meta	 m;
	size_t			 i, f;
	char			*key;
	int			 rc;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		for (f = FLATTEN_JSON; f <= FLATTEN_WAZUH; f++) {
			if ((key = strdup(keys[i])) == NULL)
				continue;
			memset(&m, 0, sizeof(m));
			m.bucket = "bkt";
			m.key = key;
			m.basename = key + 2;
			memset(&sink, 0, sizeof(sink));
			rc = flatten_document(f, "{\"Records\":[{\"a\":1}]}",
			    21, &m, sink_write, &sink, &nrec, errbuf,
			    sizeof(errbuf));
			CHECK(rc == FLATTEN_OK && sink.len > 0 &&
			    strstr(sink.buf, "\\ufffd") != NULL &&
			    memchr(sink.buf, 0xf0, sink.len) == NULL &&
			    memchr(sink.buf, 0xe9, sink.len) == NULL,
			    "key %zu format %zu: %.300s", i, f, sink.buf);
			free(key);
		}
}

static void
count_each(void *arg)
{
	(*(size_t *)arg)++;
}

/* meta's each is called for every record, kept or discarded, in one piece. */
static void
test_each_record(void)
{
	static const char doc[] = "{\"Records\":[{\"a\":1},{\"a\":2},"
	    "{\"b\":[{\"c\":3}]}]}";
	size_t			 n = 0, nr = 0;
	struct flatten_meta	 m = { .bucket = "bkt", .key = "k",
	    .basename = "k", .each = count_each, .each_arg = &n };
	struct cap		 c;
	struct flatten		*f;
	char			 err[128];

	memset(&c, 0, sizeof(c));
	if ((f = flatten_new(FLATTEN_FLAT, &m, cap_write, cap_rewind,
	    &c)) == NULL) {
		CHECK(0, "flatten_new");
		return;
	}
	CHECK(flatten_feed(f, doc, strlen(doc)) == FLATTEN_OK, "feed");
	CHECK(flatten_end(f, &nr, err, sizeof(err)) == FLATTEN_OK, "end");
	CHECK(nr == 3 && n == 3, "each: %zu calls for %zu records", n, nr);
	flatten_free(f);
	free(c.p);
}

/*
 * A writer that lends (flatten_lender) from the block it keeps the lines
 * in, and records the pieces it is handed (written or committed).
 */
struct lender {
	struct cap	 c;		/* the lines, rewinds applied */
	size_t		 piece[1024];	/* their lengths, in order */
	size_t		 npiece, lent;
	int		 loans, commits;
	int		 refuse;	/* lend NULL from this loan on */
	int		 failcommit;	/* commit -1 at this one */
};

static void
lw_piece(struct lender *l, size_t n)
{
	if (l->npiece < sizeof(l->piece) / sizeof(l->piece[0]))
		l->piece[l->npiece++] = n;
}

static int
lw_write(void *arg, const char *p, size_t n)
{
	struct lender	*l = arg;

	lw_piece(l, n);
	return cap_write(&l->c, p, n);
}

static int
lw_rewind(void *arg)
{
	struct lender	*l = arg;

	lw_piece(l, (size_t)-1);
	return cap_rewind(&l->c);
}

static char *
lw_lend(void *arg, size_t n)
{
	struct lender	*l = arg;

	if (++l->loans >= l->refuse && l->refuse)
		return NULL;
	if (l->c.cap - l->c.len < n) {
		/* Exactly the room: the block moves at every growth. */
		l->c.cap = l->c.len + n;
		if ((l->c.p = realloc(l->c.p, l->c.cap)) == NULL)
			abort();
	}
	l->lent = n;
	return l->c.p + l->c.len;
}

static int
lw_commit(void *arg, size_t n)
{
	struct lender	*l = arg;

	CHECK(n > 0 && n <= l->lent, "commit %zu of a loan of %zu", n,
	    l->lent);
	l->lent = 0;
	if (++l->commits == l->failcommit)
		return -1;
	lw_piece(l, n);
	l->c.len += n;
	return 0;
}

/* doc through a flatten writing to l, lending when lend is set. */
static int
lent_run(int fmt, const char *doc, size_t maxline, int lend,
    struct lender *l)
{
	struct flatten_meta	 m = { .bucket = "bkt", .key = "k",
	    .basename = "k", .max_line = maxline };
	struct flatten		*f;
	char			 err[128];
	size_t			 len = strlen(doc), at, n;
	int			 rc;

	if ((f = flatten_new(fmt, &m, lw_write, lw_rewind, l)) == NULL)
		return FLATTEN_ENOMEM;
	if (lend)
		flatten_lender(f, lw_lend, lw_commit);
	for (at = 0; at < len; at += n) {
		n = len - at < 100000 ? len - at : 100000;
		if (flatten_feed(f, doc + at, n) != FLATTEN_OK)
			break;
	}
	rc = flatten_end(f, NULL, err, sizeof(err));
	flatten_free(f);
	return rc;
}

/*
 * doc through the lender refusing from loan refuse on (0: never), against
 * the plain writer's run want: the same lines in the same pieces. The
 * loans asked for.
 */
static int
lent_same(int fmt, const char *doc, size_t maxline, int refuse,
    const struct lender *want)
{
	struct lender	 got;

	memset(&got, 0, sizeof(got));
	got.refuse = refuse;
	CHECK(lent_run(fmt, doc, maxline, 1, &got) == FLATTEN_OK,
	    "format %d: converted", fmt);
	CHECK(got.c.len == want->c.len && memcmp(got.c.p, want->c.p,
	    want->c.len) == 0, "format %d max %zu refuse %d: the same lines",
	    fmt, maxline, refuse);
	CHECK(got.npiece == want->npiece && memcmp(got.piece, want->piece,
	    want->npiece * sizeof(want->piece[0])) == 0, "format %d max %zu "
	    "refuse %d: the same pieces (%zu, %zu)", fmt, maxline, refuse,
	    got.npiece, want->npiece);
	/* Built in the lender's memory until it refused. */
	CHECK(refuse == 0 || refuse > got.loans ? got.c.writes == 0 &&
	    got.commits > 1 : got.c.writes > 0 && got.commits < refuse,
	    "format %d refuse %d: %d written, %d committed", fmt, refuse,
	    got.c.writes, got.commits);
	cap_reset(&got.c);
	return got.loans;
}

/*
 * A lender gets the lines built in its memory, in the very pieces the
 * writer would get: a repeated Records, lines of 64 KiB and more (handed
 * over mid-line), --max-line-bytes; it may stop lending at any loan, and
 * a commit that fails fails the document.
 */
static void
test_lender(void)
{
	static const char rec[] = "{\"eventName\":\"Describe\",\"n\":1.5,"
	    "\"u\":\"\\u00e9\\ud83d\\ude00\",\"r\":{\"a\":[1,null,true]}},";
	static const char first[] = "{\"eventName\":\"First\"},";
	struct lender	 want;
	char		*doc;
	size_t		 at, i, big = 300000, maxline, size;
	int		 fmt, refuse, loans, rc;

	size = 300 + 3600 * strlen(rec) + 3000 * strlen(first) + 2 * big;
	if ((doc = malloc(size)) == NULL)
		abort();
	/* A first Records of more than FLUSH_AT of other lines; the last. */
	at = (size_t)sprintf(doc, "{\"Records\":[");
	for (i = 0; i < 3000; i++, at += strlen(first))
		memcpy(doc + at, first, strlen(first));
	at += (size_t)sprintf(doc + at, "{}],\"Records\":[");
	for (i = 0; i < 3500; i++, at += strlen(rec))
		memcpy(doc + at, rec, strlen(rec));
	/*
	 * A line of many values, handed over where the buffer fills; one
	 * with a value bigger than the buffer, which grows for it.
	 */
	at += (size_t)sprintf(doc + at, "{\"big\":[0");
	for (i = 0; i < big / 8; i++, at += 8)
		memcpy(doc + at, ",1234567", 8);
	at += (size_t)sprintf(doc + at, "]},%s{\"s\":\"", rec);
	memset(doc + at, 'x', big);
	at += big;
	(void)sprintf(doc + at, "\"},%s{}]}", rec);
	for (fmt = 0; fmt < 3; fmt++)
		for (maxline = 0; maxline <= 2000; maxline += 2000) {
			memset(&want, 0, sizeof(want));
			CHECK(lent_run(fmt, doc, maxline, 0, &want) ==
			    FLATTEN_OK && want.c.len > 4 * FLUSH_AT &&
			    want.npiece > 5, "format %d: plain", fmt);
			loans = lent_same(fmt, doc, maxline, 0, &want);
			for (refuse = 1; refuse <= loans; refuse++)
				(void)lent_same(fmt, doc, maxline, refuse,
				    &want);
			cap_reset(&want.c);
		}
	memset(&want, 0, sizeof(want));
	want.failcommit = 3;
	rc = lent_run(FLATTEN_FLAT, doc, 0, 1, &want);
	CHECK(rc == FLATTEN_EWRITE && want.c.writes == 0, "a failed commit: "
	    "%d", rc);
	cap_reset(&want.c);
	free(doc);
}

int
main(void)
{
	CHECK(flatten_format_parse("flat") == FLATTEN_FLAT, "flat");
	CHECK(flatten_format_parse("json") == FLATTEN_JSON, "json");
	CHECK(flatten_format_parse("wazuh") == FLATTEN_WAZUH, "wazuh");
	CHECK(flatten_format_parse("raw") == -1, "unknown");
	test_real_lines();
	test_dict_order();
	test_numbers();
	test_strings();
	test_json();
	test_wazuh();
	test_wazuh_alias();
	test_bad();
	test_empty_and_writer();
	test_cuts();
	test_repeated_records();
	test_same_fault();
	test_ceilings();
	test_big_line();
	test_bad_utf8_in_names();
	test_each_record();
	test_lender();
	UNIT_DONE();
}
