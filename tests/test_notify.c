/* SPDX-License-Identifier: ISC */
/*
 * test_notify.c - notify_parse on each kind of message it understands,
 * raw and inside SNS, and on what it must refuse: broken JSON, NULs,
 * bad escapes, names and sizes, counts and lengths past their ceilings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "unit.h"

#define BUF_MAX		(4 * 1024 * 1024)	/* the largest body built */

struct want {
	const char	*bucket;
	const char	*key;
	const char	*region;	/* NULL: none */
	long long	 size;
};

/* A growing string for the bodies built here; aborts on no memory. */
struct sbuf {
	char	*p;
	size_t	 len;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	char	*p;

	if ((p = realloc(b->p, b->len + n + 1)) == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(p + b->len, s, n);
	b->len += n;
	p[b->len] = '\0';
	b->p = p;
}

static void
sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* inner as a JSON string: what SNS puts in "Message". */
static void
sb_json_string(struct sbuf *b, const char *s, size_t len)
{
	char	 esc[8];
	size_t	 i;

	sb_adds(b, "\"");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sb_add(b, esc, 2);
		} else if (c < 0x20) {
			if (snprintf(esc, sizeof(esc), "\\u%04x", c) != 6)
				exit(2);
			sb_add(b, esc, 6);
		} else
			sb_add(b, (const char *)&c, 1);
	}
	sb_adds(b, "\"");
}

/* The SNS envelope around a message, as SNS delivers it to SQS. */
static char *
sns_wrap(const char *inner, size_t len, size_t *outlen)
{
	struct sbuf	 b = { NULL, 0 };

	sb_adds(&b, "{\n  \"Type\" : \"Notification\",\n"
	    "  \"MessageId\" : \"1bd8a0a0-4d6f-5b2a-9c7e-3f1b2c0d4e5f\",\n"
	    "  \"TopicArn\" : \"arn:aws:sns:us-east-1:123456789012:trail\",\n"
	    "  \"Message\" : ");
	sb_json_string(&b, inner, len);
	sb_adds(&b, ",\n  \"Timestamp\" : \"2024-05-01T12:00:00.000Z\",\n"
	    "  \"SignatureVersion\" : \"1\",\n  \"Signature\" : \"EXAMPLE\"\n}");
	*outlen = b.len;
	return b.p;
}

static void
check_objects(const char *name, const struct notify *n, const char *form,
    int sns, size_t nskipped, const struct want *w, size_t nw)
{
	size_t	 i;

	CHECK(n->kind == NOTIFY_OBJECTS, "%s: kind %d (%s)", name, n->kind,
	    n->why);
	CHECK(n->form == form || (n->form != NULL && form != NULL &&
	    strcmp(n->form, form) == 0), "%s: form %s", name,
	    n->form ? n->form : "(null)");
	CHECK(n->sns == sns, "%s: sns %d", name, n->sns);
	CHECK(n->nskipped == nskipped, "%s: %zu skipped", name, n->nskipped);
	CHECK(n->why[0] == '\0', "%s: why %s", name, n->why);
	CHECK(n->nobjects == nw, "%s: %zu objects, want %zu", name,
	    n->nobjects, nw);
	for (i = 0; i < nw && i < n->nobjects; i++) {
		CHECK_STR(n->objects[i].bucket, w[i].bucket, "%s: bucket %zu",
		    name, i);
		CHECK_STR(n->objects[i].key, w[i].key, "%s: key %zu", name, i);
		if (w[i].region == NULL)
			CHECK(n->objects[i].region == NULL, "%s: region %zu %s",
			    name, i, n->objects[i].region);
		else
			CHECK_STR(n->objects[i].region, w[i].region,
			    "%s: region %zu", name, i);
		CHECK(n->objects[i].size == w[i].size, "%s: size %zu %lld",
		    name, i, n->objects[i].size);
	}
}

static void
check_unknown(const char *name, const struct notify *n, const char *why)
{
	CHECK(n->kind == NOTIFY_UNKNOWN, "%s: kind %d", name, n->kind);
	CHECK(n->nobjects == 0 && n->objects == NULL && n->nskipped == 0,
	    "%s: unknown names nothing", name);
	CHECK(strstr(n->why, why) != NULL, "%s: why \"%s\", want \"%s\"",
	    name, n->why, why);
	CHECK(strlen(n->why) < NOTIFY_WHY_MAX, "%s: why fits", name);
}

/* What a parse must give: not understood for why, or these objects. */
struct expect {
	const char		*why;	/* non-NULL: not understood */
	const char		*form;
	size_t			 nskipped;
	const struct want	*w;
	size_t			 nw;
};

static void
parse_check(const char *name, const char *body, size_t len, int sns,
    const struct expect *e)
{
	struct notify	 n;

	if (notify_parse(body, len, &n) == -1)
		CHECK(0, "%s: out of memory", name);
	else if (e->why != NULL) {
		/* A raw SNS envelope may be one, so only wrapped is sure. */
		check_unknown(name, &n, e->why);
		CHECK(!sns || n.sns, "%s in SNS: sns %d", name, n.sns);
	} else
		check_objects(name, &n, e->form, sns, e->nskipped, e->w, e->nw);
	notify_free(&n);
}

/* The message raw; then, when wrap, inside SNS. */
static void
expect_both(const char *name, const char *body, size_t len, int wrap,
    const struct expect *e)
{
	char	*wrapped = NULL;
	size_t	 wlen;

	parse_check(name, body, len, 0, e);
	if (!wrap)
		return;
	wrapped = sns_wrap(body, len, &wlen);
	parse_check(name, wrapped, wlen, 1, e);
	free(wrapped);
}

/* A message naming objects: raw, then inside SNS. */
static void
objects_len(const char *name, const char *body, size_t len, const char *form,
    size_t nskipped, const struct want *w, size_t nw)
{
	struct expect	 e = { NULL, form, nskipped, w, nw };

	expect_both(name, body, len, 1, &e);
}

static void
objects(const char *name, const char *body, const char *form,
    size_t nskipped, const struct want *w, size_t nw)
{
	objects_len(name, body, strlen(body), form, nskipped, w, nw);
}

/* Not understood, raw; and inside SNS too when wrap. */
static void
unknown_len(const char *name, const char *body, size_t len, const char *why,
    int wrap)
{
	struct expect	 e = { why, NULL, 0, NULL, 0 };

	expect_both(name, body, len, wrap, &e);
}

static void
unknown(const char *name, const char *body, const char *why)
{
	unknown_len(name, body, strlen(body), why, 1);
}

/* Not understood, raw only: SNS envelopes themselves. */
static void
unknown_raw(const char *name, const char *body, const char *why)
{
	unknown_len(name, body, strlen(body), why, 0);
}

/* One S3 event record, ObjectCreated:Put unless said. */
static void
sb_record(struct sbuf *b, const char *event, const char *bucket,
    const char *key)
{
	sb_adds(b, "{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\","
	    "\"awsRegion\":\"eu-west-1\",\"eventTime\":"
	    "\"2024-05-01T12:00:00.000Z\",\"eventName\":\"");
	sb_adds(b, event);
	sb_adds(b, "\",\"s3\":{\"s3SchemaVersion\":\"1.0\",\"bucket\":"
	    "{\"name\":\"");
	sb_adds(b, bucket);
	sb_adds(b, "\",\"arn\":\"arn:aws:s3:::b\"},\"object\":{\"key\":\"");
	sb_adds(b, key);
	sb_adds(b, "\",\"size\":1234}}}");
}

static char *
s3_event1(const char *event, const char *bucket, const char *key)
{
	struct sbuf	 b = { NULL, 0 };

	sb_adds(&b, "{\"Records\":[");
	sb_record(&b, event, bucket, key);
	sb_adds(&b, "]}");
	return b.p;
}

/* An S3 event as AWS documents it (notification-content-structure). */
static const char aws_s3_event[] =
"{  \n"
"   \"Records\":[  \n"
"      {  \n"
"         \"eventVersion\":\"2.2\",\n"
"         \"eventSource\":\"aws:s3\",\n"
"         \"awsRegion\":\"us-west-2\",\n"
"         \"eventTime\":\"2024-05-01T12:00:00.000Z\",\n"
"         \"eventName\":\"ObjectCreated:CompleteMultipartUpload\",\n"
"         \"userIdentity\":{  \n"
"            \"principalId\":\"AWS:AIDAEXAMPLE\"\n"
"         },\n"
"         \"requestParameters\":{  \n"
"            \"sourceIPAddress\":\"192.0.2.1\"\n"
"         },\n"
"         \"responseElements\":{  \n"
"            \"x-amz-request-id\":\"C3D13FE58DE4C810\",\n"
"            \"x-amz-id-2\":\"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD\"\n"
"         },\n"
"         \"s3\":{  \n"
"            \"s3SchemaVersion\":\"1.0\",\n"
"            \"configurationId\":\"trail-to-sqs\",\n"
"            \"bucket\":{  \n"
"               \"name\":\"my-trail-bucket\",\n"
"               \"ownerIdentity\":{  \n"
"                  \"principalId\":\"A3NL1KOZZKExample\"\n"
"               },\n"
"               \"arn\":\"arn:aws:s3:::my-trail-bucket\"\n"
"            },\n"
"            \"object\":{  \n"
"               \"key\":\"AWSLogs/123456789012/CloudTrail/us-west-2/2024/05/01/123456789012_CloudTrail_us-west-2_20240501T1200Z_abcdEFGH1234ijkl.json.gz\",\n"
"               \"size\":8921,\n"
"               \"eTag\":\"d41d8cd98f00b204e9800998ecf8427e\",\n"
"               \"versionId\":null,\n"
"               \"sequencer\":\"0055AED6DCD90281E5\"\n"
"            }\n"
"         }\n"
"      }\n"
"   ]\n"
"}\n";

#define CT_KEY "AWSLogs/123456789012/CloudTrail/us-west-2/2024/05/01/" \
	"123456789012_CloudTrail_us-west-2_20240501T1200Z_abcdEFGH1234ijkl.json.gz"

static void
test_s3_events(void)
{
	static const struct want aws[] = {
		{ "my-trail-bucket", CT_KEY, "us-west-2", 8921 },
	};
	static const struct want spaces[] = {
		{ "b", "AWSLogs/a b+c d%/x=y&z~.json.gz", "eu-west-1", 1234 },
	};
	static const struct want utf8[] = {
		{ "b", "caf\xc3\xa9/\xe6\x97\xa5 1", "eu-west-1", 1234 },
	};
	static const struct want two[] = {
		{ "b1", "k1", "eu-west-1", 1234 },
		{ "b2", "k1", "eu-west-1", 1234 },
		{ "b1", "k2", "eu-west-1", 1234 },
	};
	static const struct want one_b[] = {
		{ "b", "k", "eu-west-1", 1234 },
	};
	static const struct want nosize[] = {
		{ "b", "k", NULL, -1 },
	};
	static const struct {
		const char	*event, *bucket, *key;
	} recs[] = {
		{ "ObjectCreated:Put", "b1", "k1" },
		{ "ObjectRemoved:Delete", "b1", "k0" },
		{ "ObjectCreated:Put", "b2", "k1" },
		{ "ObjectCreated:Post", "b1", "k1" },
		{ "ObjectCreated:Put", "b1", "k2" },
		{ "LifecycleExpiration:Delete", "b1", "k3" },
	};
	struct sbuf	 b = { NULL, 0 };
	char		*s;
	size_t		 i;

	objects("AWS's example", aws_s3_event, "S3 event notification", 0,
	    aws, 1);

	/* Form encoding: '+' a space, %2B a plus; the rest as escaped. */
	s = s3_event1("ObjectCreated:Put", "b",
	    "AWSLogs/a+b%2Bc%20d%25/x%3Dy%26z%7E.json.gz");
	objects("form-encoded key", s, "S3 event notification", 0, spaces, 1);
	free(s);
	s = s3_event1("ObjectCreated:Copy", "b", "caf%C3%A9/%E6%97%A5+1");
	objects("UTF-8 key", s, "S3 event notification", 0, utf8, 1);
	free(s);

	/* Several records, a repeat dropped, removals skipped. */
	sb_adds(&b, "{\"Records\":[");
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		if (i > 0)
			sb_adds(&b, ",");
		sb_record(&b, recs[i].event, recs[i].bucket, recs[i].key);
	}
	sb_adds(&b, "]}");
	objects("several records", b.p, "S3 event notification", 2, two, 3);
	free(b.p);

	/* Only events that create nothing: understood, no object. */
	s = s3_event1("ObjectRemoved:DeleteMarkerCreated", "b", "k");
	objects("a removal", s, "S3 event notification", 1, NULL, 0);
	free(s);
	s = s3_event1("ObjectRestore:Completed", "b", "k");
	objects("a restore", s, "S3 event notification", 1, NULL, 0);
	free(s);
	s = s3_event1("ObjectTagging:Put", "b", "k");
	objects("tagging", s, "S3 event notification", 1, NULL, 0);
	free(s);

	/* What moto sends; and the least a record may say. */
	objects("moto's", "{\"Records\": [{\"eventVersion\": \"2.1\", "
	    "\"eventSource\": \"aws:s3\", \"awsRegion\": \"eu-west-1\", "
	    "\"eventTime\": \"2024-05-01T12:00:00.000000\", \"eventName\": "
	    "\"ObjectCreated:Put\", \"s3\": {\"s3SchemaVersion\": \"1.0\", "
	    "\"configurationId\": \"c\", \"bucket\": {\"name\": \"b\", "
	    "\"arn\": \"arn:aws:s3:::b\"}, \"object\": {\"key\": \"k\", "
	    "\"size\": 1234, \"eTag\": \"e\"}}}]}", "S3 event notification",
	    0, one_b, 1);
	objects("minimal record", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"k\"}}}]}", "S3 event notification", 0,
	    nosize, 1);
	objects("empty region", "{\"Records\":[{\"awsRegion\":\"\","
	    "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":"
	    "{\"name\":\"b\"},\"object\":{\"key\":\"k\"}}}]}",
	    "S3 event notification", 0, nosize, 1);
	objects("size 0", "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\","
	    "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k\","
	    "\"size\":0}}}]}", "S3 event notification", 0,
	    (const struct want[]){ { "b", "k", NULL, 0 } }, 1);
	objects("size 2^53", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"k\",\"size\":9007199254740992}}}]}",
	    "S3 event notification", 0,
	    (const struct want[]){ { "b", "k", NULL, 9007199254740992LL } }, 1);
	objects("legacy bucket", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"My_Old.B-1\"},"
	    "\"object\":{\"key\":\"k\"}}}]}", "S3 event notification", 0,
	    (const struct want[]){ { "My_Old.B-1", "k", NULL, -1 } }, 1);
	/* A JSON escape inside the key is the JSON's, then form-decoded. */
	objects("JSON escapes", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"a\\u002Bb\\\\u0000\\/c\"}}}]}",
	    "S3 event notification", 0,
	    (const struct want[]){ { "b", "a b\\u0000/c", NULL, -1 } }, 1);
}

static void
test_s3_refused(void)
{
	/* One record, refused for its key, bucket or event name. */
	static const struct {
		const char	*name, *event, *bucket, *key, *why;
	} bad[] = {
		{ "bad escape", "ObjectCreated:Put", "b", "a%zz",
		    "Records[0].s3.object.key has a bad %-escape" },
		{ "cut escape", "ObjectCreated:Put", "b", "a%4", "bad %-escape" },
		{ "lone %", "ObjectCreated:Put", "b", "a%", "bad %-escape" },
		{ "%00", "ObjectCreated:Put", "b", "a%00b", "bad %-escape" },
		{ "empty key", "ObjectCreated:Put", "b", "",
		    "Records[0]: the key is empty" },
		{ "slash in bucket", "ObjectCreated:Put", "a/b", "k",
		    "the bucket is not a bucket name" },
		{ "empty bucket", "ObjectCreated:Put", "", "k",
		    "the bucket is not a bucket name" },
		{ "space in bucket", "ObjectCreated:Put", "b c", "k",
		    "the bucket is not a bucket name" },
		{ "other event", "Other:Thing", "b", "k",
		    "Records[0].eventName is not an S3 event" },
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = s3_event1(bad[i].event, bad[i].bucket, bad[i].key);
		unknown(bad[i].name, s, bad[i].why);
		free(s);
	}
	unknown("records lower-case", "{\"records\":[]}", "JSON, but no S3 ");
	unknown("Records not array", "{\"Records\":{}}",
	    "Records is not an array");
	unknown("Records empty", "{\"Records\":[]}", "Records is empty");
	unknown("record not object", "{\"Records\":[1]}",
	    "Records[0] is not an object");
	unknown("no eventName", "{\"Records\":[{\"s3\":{}}]}",
	    "Records[0] has no eventName");
	unknown("eventName number", "{\"Records\":[{\"eventName\":1}]}",
	    "Records[0] has no eventName");
	unknown("other source", "{\"Records\":[{\"eventSource\":\"aws:sqs\","
	    "\"eventName\":\"ObjectCreated:Put\"}]}",
	    "Records[0].eventSource is not aws:s3");
	unknown("source number", "{\"Records\":[{\"eventSource\":3,"
	    "\"eventName\":\"ObjectCreated:Put\"}]}",
	    "eventSource is not aws:s3");
	unknown("no bucket", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"object\":{\"key\":\"k\"}}}]}",
	    "Records[0] has no s3.bucket.name");
	unknown("no key", "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\","
	    "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{}}}]}",
	    "Records[0] has no s3.object.key");
	unknown("key number", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":7}}}]}", "has no s3.object.key");
	unknown("bad region", "{\"Records\":[{\"awsRegion\":\"EU/1\","
	    "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":"
	    "{\"name\":\"b\"},\"object\":{\"key\":\"k\"}}}]}",
	    "the region is not a region name");
	unknown("negative size", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"k\",\"size\":-1}}}]}",
	    "Records[0].s3.object.size is not a size");
	unknown("fractional size", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"k\",\"size\":1.5}}}]}", "is not a size");
	unknown("huge size", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"k\",\"size\":1e300}}}]}", "is not a size");
	unknown("string size", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"k\",\"size\":\"12\"}}}]}", "is not a size");
	/* The second record is bad: the first is not acted on either. */
	unknown("one bad record of two", "{\"Records\":[{\"eventName\":"
	    "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"k\"}}},{\"eventName\":\"ObjectCreated:Put\","
	    "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"%\"}}}]}",
	    "Records[1].s3.object.key has a bad %-escape");
}

static void
test_cloudtrail(void)
{
	static const char nul_key[] = "{\"s3Bucket\":\"b\",\"s3ObjectKey\":"
	    "[\"a\0b\"]}";
	static const struct want one[] = {
		{ "my-trail-bucket", CT_KEY, NULL, -1 },
	};
	static const struct want raw[] = {
		{ "b", "a+b %41/c d", NULL, -1 },
		{ "b", "x", NULL, -1 },
	};

	objects("CloudTrail notice", "{\"s3Bucket\":\"my-trail-bucket\","
	    "\"s3ObjectKey\":[\"" CT_KEY "\"]}", "CloudTrail notice", 0, one, 1);
	/* Its keys are not encoded: '+' and %41 stay as they are. */
	objects("CloudTrail keys as is", "{\"s3Bucket\":\"b\",\"s3ObjectKey\":"
	    "[\"a+b %41/c d\",\"x\",\"a+b %41/c d\"]}", "CloudTrail notice",
	    0, raw, 2);
	unknown("Config's notice", "{\"s3ObjectKey\":\"k\",\"s3Bucket\":\"b\","
	    "\"messageType\":\"ConfigurationHistoryDeliveryCompleted\"}",
	    "s3ObjectKey is not an array");
	unknown("no keys", "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[]}",
	    "s3ObjectKey is empty");
	unknown("no bucket", "{\"s3ObjectKey\":[\"k\"]}",
	    "s3Bucket is not a string");
	unknown("key number", "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[\"k\",1]}",
	    "s3ObjectKey[1] is not a string");
	unknown("empty key", "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[\"\"]}",
	    "s3ObjectKey[0]: the key is empty");
	unknown("bad bucket", "{\"s3Bucket\":\"b?\",\"s3ObjectKey\":[\"k\"]}",
	    "s3ObjectKey[0]: the bucket is not a bucket name");
	/* A NUL, raw or escaped, would cut the key. */
	unknown("\\u0000 in a key", "{\"s3Bucket\":\"b\",\"s3ObjectKey\":"
	    "[\"a\\u0000b\"]}", "a \\u0000 escape");
	unknown_len("NUL in a key", nul_key, sizeof(nul_key) - 1, "a NUL byte",
	    0);
	objects("\\\\u0000 is no NUL", "{\"s3Bucket\":\"b\",\"s3ObjectKey\":"
	    "[\"a\\\\u0000b\"]}", "CloudTrail notice", 0,
	    (const struct want[]){ { "b", "a\\u0000b", NULL, -1 } }, 1);
}

#define EB_HEAD "{\"version\":\"0\",\"id\":\"17793124-05d4-b198-2fde-7ededc63b103\"," \
	"\"detail-type\":\""
#define EB_MID "\",\"source\":\"aws.s3\",\"account\":\"123456789012\"," \
	"\"time\":\"2024-05-01T12:00:00Z\",\"region\":\"ca-central-1\"," \
	"\"resources\":[\"arn:aws:s3:::b\"],\"detail\":{\"version\":\"0\"," \
	"\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\""
#define EB_TAIL "\",\"size\":5,\"etag\":\"e\",\"sequencer\":\"00617F\"}," \
	"\"request-id\":\"N4N7GDK58NMKJ12R\",\"requester\":\"123456789012\"," \
	"\"reason\":\"PutObject\"}}"

static void
test_eventbridge(void)
{
	static const struct want one[] = {
		{ "b", "AWSLogs/a+b %41.json.gz", "ca-central-1", 5 },
	};

	/* Its keys are not encoded either. */
	objects("EventBridge", EB_HEAD "Object Created" EB_MID
	    "AWSLogs/a+b %41.json.gz" EB_TAIL, "EventBridge event", 0, one, 1);
	objects("EventBridge deleted", EB_HEAD "Object Deleted" EB_MID "k"
	    EB_TAIL, "EventBridge event", 1, NULL, 0);
	objects("EventBridge moto", "{\"version\": \"0\", \"id\": \"x\", "
	    "\"detail-type\": \"Object Created\", \"source\": \"aws.s3\", "
	    "\"account\": \"123456789012\", \"time\": 1714564800.5, "
	    "\"region\": \"us-east-1\", \"resources\": [\"arn:aws:s3:::b\"], "
	    "\"detail\": {\"version\": \"0\", \"bucket\": {\"name\": \"b\"}, "
	    "\"object\": {\"key\": \"k k\", \"size\": 3, \"eTag\": \"e\", "
	    "\"version-id\": null, \"sequencer\": \"617f08299329d189\"}, "
	    "\"reason\": \"ObjectCreated\"}}", "EventBridge event", 0,
	    (const struct want[]){ { "b", "k k", "us-east-1", 3 } }, 1);
	unknown("EventBridge other source", "{\"detail-type\":\"Object Created\","
	    "\"source\":\"aws.ec2\",\"detail\":{}}",
	    "source is not aws.s3");
	unknown("EventBridge API call", "{\"detail-type\":\"AWS API Call via "
	    "CloudTrail\",\"source\":\"aws.s3\",\"detail\":{}}",
	    "detail-type is not an S3 object event");
	unknown("EventBridge no key", "{\"detail-type\":\"Object Created\","
	    "\"source\":\"aws.s3\",\"detail\":{\"bucket\":{\"name\":\"b\"}}}",
	    "no detail.object.key");
	unknown("EventBridge no bucket", "{\"detail-type\":\"Object Created\","
	    "\"source\":\"aws.s3\",\"detail\":{\"object\":{\"key\":\"k\"}}}",
	    "no detail.bucket.name");
	unknown("EventBridge bad size", EB_HEAD "Object Created" EB_MID "k"
	    "\",\"size\":-5}}}", "detail.object.size is not a size");
	unknown("EventBridge detail-type number", "{\"detail-type\":1,"
	    "\"source\":\"aws.s3\"}", "detail-type is not a string");
}

static void
test_test_event(void)
{
	static const char ev[] = "{\"Service\":\"Amazon S3\",\"Event\":"
	    "\"s3:TestEvent\",\"Time\":\"2024-05-01T12:00:00.000Z\","
	    "\"Bucket\":\"b\",\"RequestId\":\"5582815E1AEA5ADF\","
	    "\"HostId\":\"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE\"}";
	struct notify	 n;
	char		*w;
	size_t		 wlen;

	CHECK(notify_parse(ev, strlen(ev), &n) == 0 && n.kind == NOTIFY_TEST &&
	    n.sns == 0 && n.nobjects == 0 && n.why[0] == '\0' &&
	    n.form != NULL && strcmp(n.form, "s3:TestEvent") == 0,
	    "s3:TestEvent: kind %d", n.kind);
	notify_free(&n);
	w = sns_wrap(ev, strlen(ev), &wlen);
	CHECK(notify_parse(w, wlen, &n) == 0 && n.kind == NOTIFY_TEST &&
	    n.sns == 1, "s3:TestEvent in SNS: kind %d", n.kind);
	notify_free(&n);
	free(w);
	unknown("other Event", "{\"Service\":\"Amazon S3\",\"Event\":"
	    "\"s3:Other\"}", "an S3 message other than s3:TestEvent");
}

static void
test_sns(void)
{
	static const struct want one[] = {
		{ "b", "k", NULL, -1 },
	};
	static const char ct[] = "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[\"k\"]}";
	struct notify	 n;
	char		*inner, *outer;
	size_t		 ilen, olen;

	unknown_raw("subscription", "{\"Type\":\"SubscriptionConfirmation\","
	    "\"Message\":\"You have chosen to subscribe\",\"SubscribeURL\":"
	    "\"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\"}",
	    "an SNS SubscriptionConfirmation");
	unknown_raw("unsubscribe", "{\"Type\":\"UnsubscribeConfirmation\","
	    "\"Message\":\"x\"}", "an SNS message that is not a Notification");
	unknown_raw("no Message", "{\"Type\":\"Notification\"}",
	    "an SNS notification without a Message string");
	unknown_raw("Message object", "{\"Type\":\"Notification\","
	    "\"Message\":{}}", "without a Message string");
	unknown_raw("Message not JSON", "{\"Type\":\"Notification\","
	    "\"Message\":\"hello\"}", "not JSON");
	unknown_raw("Type number", "{\"Type\":1,\"Records\":[]}",
	    "Records is empty");

	/* Twice wrapped is refused: there is no such delivery. */
	inner = sns_wrap(ct, strlen(ct), &ilen);
	CHECK(notify_parse(inner, ilen, &n) == 0, "once wrapped");
	check_objects("once wrapped", &n, "CloudTrail notice", 1, 0, one, 1);
	notify_free(&n);
	outer = sns_wrap(inner, ilen, &olen);
	unknown_len("SNS in SNS", outer, olen, "an SNS notification inside "
	    "another", 0);
	free(outer);
	free(inner);
	/* A NUL escaped in the Message's text, once or twice. */
	unknown_raw("\\u0000 in Message", "{\"Type\":\"Notification\","
	    "\"Message\":\"{\\\"s3Bucket\\\":\\\"b\\\",\\\"s3ObjectKey\\\":"
	    "[\\\"a\\u0000\\\"]}\"}", "a \\u0000 escape");
	unknown_raw("escaped \\u0000 in Message", "{\"Type\":\"Notification\","
	    "\"Message\":\"{\\\"s3Bucket\\\":\\\"b\\\",\\\"s3ObjectKey\\\":"
	    "[\\\"a\\\\u0000\\\"]}\"}", "a \\u0000 escape");
}

static void
test_json(void)
{
	unknown_len("empty", "", 0, "an empty message", 0);
	unknown_len("NULL", NULL, 0, "an empty message", 0);
	unknown("not JSON", "Hello", "not JSON");
	unknown("broken", "{\"Records\":[", "not JSON");
	unknown("array", "[{\"s3Bucket\":\"b\",\"s3ObjectKey\":[\"k\"]}]",
	    "not a JSON object");
	unknown("string", "\"x\"", "not a JSON object");
	unknown("number", "12", "not a JSON object");
	unknown("other object", "{\"a\":1}", "JSON, but no S3 event");
	unknown("trailing text", "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[\"k\"]}x",
	    "something after the JSON value");
	unknown("two values", "{\"a\":1} {\"b\":2}",
	    "something after the JSON value");
	unknown_len("NUL after", "{\"a\":1}\0", 8, "a NUL byte", 0);
	/* White space around the value is JSON's. */
	objects("white space", " \t\r\n{\"s3Bucket\":\"b\",\"s3ObjectKey\":"
	    "[\"k\"]} \r\n\t", "CloudTrail notice", 0,
	    (const struct want[]){ { "b", "k", NULL, -1 } }, 1);
	/* Names are case-sensitive. */
	unknown("S3BUCKET", "{\"S3Bucket\":\"b\",\"S3ObjectKey\":[\"k\"]}",
	    "JSON, but no S3 event");
}

/* A CloudTrail notice of n keys "kI" (of klen bytes each when klen). */
static char *
ct_notice(size_t n, size_t klen)
{
	struct sbuf	 b = { NULL, 0 };
	char		 k[32];
	size_t		 i, j;

	sb_adds(&b, "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_adds(&b, ",");
		sb_adds(&b, "\"");
		if (snprintf(k, sizeof(k), "k%zu", i) >= (int)sizeof(k))
			exit(2);
		sb_adds(&b, k);
		for (j = strlen(k); j < klen; j++)
			sb_adds(&b, "x");
		sb_adds(&b, "\"");
	}
	sb_adds(&b, "]}");
	return b.p;
}

static void
test_ceilings(void)
{
	struct sbuf	 b = { NULL, 0 };
	struct notify	 n;
	char		*s;
	size_t		 i, len;

	/* Keys up to NOTIFY_KEY_MAX bytes, decoded. */
	s = ct_notice(1, NOTIFY_KEY_MAX);
	CHECK(notify_parse(s, strlen(s), &n) == 0 && n.nobjects == 1 &&
	    strlen(n.objects[0].key) == NOTIFY_KEY_MAX, "1024-byte key");
	notify_free(&n);
	free(s);
	s = ct_notice(1, NOTIFY_KEY_MAX + 1);
	unknown("1025-byte key", s, "the key is longer than 1024 bytes");
	free(s);
	/* 3072 bytes encoded are 1024 decoded. */
	for (i = 0; i < NOTIFY_KEY_MAX; i++)
		sb_adds(&b, "%41");
	s = s3_event1("ObjectCreated:Put", "b", b.p);
	CHECK(notify_parse(s, strlen(s), &n) == 0 && n.nobjects == 1 &&
	    strlen(n.objects[0].key) == NOTIFY_KEY_MAX &&
	    n.objects[0].key[0] == 'A', "encoded 1024-byte key");
	notify_free(&n);
	free(s);
	sb_adds(&b, "+");
	s = s3_event1("ObjectCreated:Put", "b", b.p);
	unknown("encoded 1025-byte key", s, "longer than 1024 bytes");
	free(s);
	free(b.p);
	b.p = NULL;
	b.len = 0;

	/* Buckets up to 255 bytes. */
	for (i = 0; i < NOTIFY_BUCKET_MAX; i++)
		sb_adds(&b, "b");
	s = s3_event1("ObjectCreated:Put", b.p, "k");
	CHECK(notify_parse(s, strlen(s), &n) == 0 && n.nobjects == 1,
	    "255-byte bucket");
	notify_free(&n);
	free(s);
	sb_adds(&b, "b");
	s = s3_event1("ObjectCreated:Put", b.p, "k");
	unknown("256-byte bucket", s, "the bucket is not a bucket name");
	free(s);
	free(b.p);
	b.p = NULL;
	b.len = 0;

	/* Up to NOTIFY_OBJECTS_MAX objects, and records. */
	s = ct_notice(NOTIFY_OBJECTS_MAX, 0);
	CHECK(notify_parse(s, strlen(s), &n) == 0 &&
	    n.nobjects == NOTIFY_OBJECTS_MAX, "1000 keys: %zu", n.nobjects);
	notify_free(&n);
	free(s);
	s = ct_notice(NOTIFY_OBJECTS_MAX + 1, 0);
	unknown("1001 keys", s, "more than 1000 keys");
	free(s);
	sb_adds(&b, "{\"Records\":[");
	for (i = 0; i < NOTIFY_OBJECTS_MAX + 1; i++) {
		char	 k[32];

		if (snprintf(k, sizeof(k), "k%zu", i) >= (int)sizeof(k))
			exit(2);
		if (i > 0)
			sb_adds(&b, ",");
		sb_record(&b, i % 2 ? "ObjectCreated:Put" :
		    "ObjectRemoved:Delete", "b", k);
	}
	sb_adds(&b, "]}");
	unknown("1001 records", b.p, "more than 1000 records");
	free(b.p);
	b.p = NULL;
	b.len = 0;

	/* A body over NOTIFY_BODY_MAX is refused before it is read. */
	s = ct_notice(1, 0);
	sb_adds(&b, s);
	free(s);
	len = b.len;
	while (b.len <= NOTIFY_BODY_MAX)
		sb_adds(&b, "                                ");
	unknown_len("over NOTIFY_BODY_MAX", b.p, b.len,
	    "larger than 1048576 bytes", 0);
	CHECK(notify_parse(b.p, NOTIFY_BODY_MAX, &n) == 0 && n.nobjects == 1,
	    "NOTIFY_BODY_MAX bytes (%zu of JSON): %s", len, n.why);
	notify_free(&n);
	free(b.p);

	/* Deep nesting is cJSON's limit, refused as not JSON. */
	b.p = NULL;
	b.len = 0;
	for (i = 0; i < 100000; i++)
		sb_adds(&b, "[");
	unknown("deep", b.p, "not JSON");
	free(b.p);

	/* notify_free twice, and on a zeroed struct, is harmless. */
	memset(&n, 0, sizeof(n));
	notify_free(&n);
	notify_free(&n);
	notify_free(NULL);
	CHECK(n.objects == NULL && n.nobjects == 0, "notify_free");
}

int
main(void)
{
	test_s3_events();
	test_s3_refused();
	test_cloudtrail();
	test_eventbridge();
	test_test_event();
	test_sns();
	test_json();
	test_ceilings();
	UNIT_DONE();
}
