/* SPDX-License-Identifier: ISC */
/*
 * test_linefit.c - --max-line-bytes (linefit.c through flatten.c): the
 * water level, a 50 KB RunInstances in every format cut to 6144, 4000 and
 * 2048 bytes with the fields rules key on whole, short lines untouched,
 * a record whose kept fields alone are too long written and counted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flatten.h"
#include "linefit.h"
#include "unit.h"

struct sbuf {
	char	*p;
	size_t	 len, cap;
};

static void
sadd(struct sbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 64;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
}

static int
swrite(void *arg, const char *buf, size_t len)
{
	struct sbuf	*b = arg;

	if (b->cap - b->len <= len) {
		b->cap = b->cap * 2 + len + 1;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * A RunInstances of n instances (about 1.2 KB each), as CloudTrail writes
 * it; with err, a failed one (errorCode, a long errorMessage).
 */
static void
run_instances(struct sbuf *b, int n, int err)
{
	int	i;

	sadd(b, "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":"
	    "\"AssumedRole\",\"principalId\":\"AROAEXAMPLE:alice\",\"arn\":"
	    "\"arn:aws:sts::123456789012:assumed-role/Admin/alice\","
	    "\"accountId\":\"123456789012\",\"accessKeyId\":\"ASIAEXAMPLE\","
	    "\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\","
	    "\"principalId\":\"AROAEXAMPLE\",\"arn\":"
	    "\"arn:aws:iam::123456789012:role/Admin\",\"accountId\":"
	    "\"123456789012\",\"userName\":\"Admin\"},\"attributes\":"
	    "{\"creationDate\":\"2024-07-30T11:00:00Z\","
	    "\"mfaAuthenticated\":\"true\"}}},\"eventTime\":"
	    "\"2024-07-30T12:00:00Z\",\"eventSource\":\"ec2.amazonaws.com\","
	    "\"eventName\":\"RunInstances\",\"awsRegion\":\"us-east-1\","
	    "\"sourceIPAddress\":\"198.51.100.7\",\"userAgent\":"
	    "\"aws-cli/2.9.19 Python/3.9.11 Linux/5.10\",");
	if (err) {
		sadd(b, "\"errorCode\":\"Client.InstanceLimitExceeded\","
		    "\"errorMessage\":\"");
		for (i = 0; i < 40; i++)
			sadd(b, "You have requested more vCPU capacity than "
			    "your current vCPU limit allows. ");
		sadd(b, "\",");
	}
	sadd(b, "\"requestParameters\":{\"instancesSet\":{\"items\":[{"
	    "\"imageId\":\"ami-0abcdef1234567890\",\"minCount\":%d,"
	    "\"maxCount\":%d,\"keyName\":\"ops\"}]},\"instanceType\":"
	    "\"m5.large\",\"tagSpecificationSet\":{\"items\":[", n, n);
	for (i = 0; i < n; i++)
		sadd(b, "%s{\"resourceType\":\"instance\",\"tags\":[{\"key\":"
		    "\"Name\",\"value\":\"worker-%d\"}]}", i ? "," : "", i);
	sadd(b, "]}},\"responseElements\":{\"requestId\":\"r-1\","
	    "\"reservationId\":\"r-0123456789abcdef0\",\"ownerId\":"
	    "\"123456789012\",\"instancesSet\":{\"items\":[");
	for (i = 0; i < n; i++)
		sadd(b, "%s{\"instanceId\":\"i-%017d\",\"imageId\":"
		    "\"ami-0abcdef1234567890\",\"instanceState\":{\"code\":0,"
		    "\"name\":\"pending\"},\"privateDnsName\":\"ip-10-0-%d-%d"
		    ".ec2.internal\",\"amiLaunchIndex\":%d,\"productCodes\":"
		    "{},\"instanceType\":\"m5.large\",\"launchTime\":"
		    "1722340800000,\"placement\":{\"availabilityZone\":"
		    "\"us-east-1a\",\"tenancy\":\"default\"},\"monitoring\":"
		    "{\"state\":\"disabled\"},\"subnetId\":\"subnet-0123\","
		    "\"vpcId\":\"vpc-0123\",\"privateIpAddress\":\"10.0.%d.%d\","
		    "\"stateReason\":{\"code\":\"pending\",\"message\":"
		    "\"pending\"},\"architecture\":\"x86_64\","
		    "\"rootDeviceType\":\"ebs\",\"rootDeviceName\":"
		    "\"/dev/xvda\",\"blockDeviceMapping\":{},"
		    "\"virtualizationType\":\"hvm\",\"hypervisor\":\"xen\","
		    "\"groupSet\":{\"items\":[{\"groupId\":\"sg-0123\","
		    "\"groupName\":\"default\"}]},\"sourceDestCheck\":true,"
		    "\"networkInterfaceSet\":{\"items\":[{\"networkInterfaceId\":"
		    "\"eni-%d\",\"subnetId\":\"subnet-0123\",\"status\":"
		    "\"in-use\",\"macAddress\":\"0a:00:00:00:00:%02x\"}]},"
		    "\"ebsOptimized\":false,\"enaSupport\":true,"
		    "\"cpuOptions\":{\"coreCount\":1,\"threadsPerCore\":2},"
		    "\"capacityReservationSpecification\":"
		    "{\"capacityReservationPreference\":\"open\"},"
		    "\"metadataOptions\":{\"state\":\"pending\",\"httpTokens\":"
		    "\"required\",\"httpPutResponseHopLimit\":2,"
		    "\"httpEndpoint\":\"enabled\"}}", i ? "," : "", i, i / 256,
		    i % 256, i, i / 256, i % 256, i, i % 256);
	sadd(b, "]},\"requesterId\":\"940372691376\"},\"requestID\":"
	    "\"7f3c1b2a-0000-4000-8000-000000000000\",\"eventID\":"
	    "\"1d2e3f4a-0000-4000-8000-000000000000\",\"readOnly\":false,"
	    "\"eventType\":\"AwsApiCall\",\"managementEvent\":true,"
	    "\"recipientAccountId\":\"123456789012\",\"eventCategory\":"
	    "\"Management\"}");
}

struct result {
	int	 rc;
	size_t	 nrec, shortened, overlong;
};

static struct result
conv(int fmt, const char *doc, size_t max, struct sbuf *out)
{
	struct flatten_meta m = { .bucket = "bkt", .key =
	    "AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/30/f.json.gz",
	    .basename = "f.json.gz" };
	struct result	r = { 0, 0, 0, 0 };
	char		err[256];

	m.max_line = max;
	m.shortened = &r.shortened;
	m.overlong = &r.overlong;
	out->len = 0;
	r.rc = flatten_document(fmt, doc, strlen(doc), &m, swrite, out,
	    &r.nrec, err, sizeof(err));
	return r;
}

static void
test_cap(void)
{
	size_t	s[] = { 100, 50, 10 };

	CHECK(linefit_cap(s, 3, 0) == 100, "nothing to cut: the top");
	CHECK(linefit_cap(s, 3, 30) == 70, "the largest alone: %zu",
	    linefit_cap(s, 3, 30));
	CHECK(linefit_cap(s, 3, 60) == 45, "the two largest alike: %zu",
	    linefit_cap(s, 3, 60));
	CHECK(linefit_cap(s, 3, 160) == 0, "all of it: %zu",
	    linefit_cap(s, 3, 160));
	CHECK(linefit_cap(s, 3, 1000) == 0, "more than there is");
	CHECK(linefit_cap(s, 0, 10) == 0, "no sizes");
}

/* A json or wazuh line's aws object, parsed; NULL when it is not JSON. */
static cJSON *
aws_of(const char *line, size_t len, cJSON **root)
{
	*root = cJSON_ParseWithLength(line, len);
	return *root != NULL ? cJSON_GetObjectItemCaseSensitive(*root, "aws") :
	    NULL;
}

static const char *
str_at(const cJSON *o, const char *a, const char *b, const char *c)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	if (c != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, c);
	return cJSON_IsString(v) ? v->valuestring : "(none)";
}

/* The kept fields of one line, whole, in the format's own spelling. */
static void
check_kept(int fmt, const char *line, size_t len, int err, const char *what)
{
	cJSON	*root = NULL, *aws;

	if (fmt == FLATTEN_FLAT) {
		static const char *const want[] = {
		    "\"eventName\":\"RunInstances\"",
		    "\"eventSource\":\"ec2.amazonaws.com\"",
		    "\"sourceIPAddress\":\"198.51.100.7\"",
		    "u'type': u'AssumedRole'", "u'userName': u'Admin'",
		    "u'arn': u'arn:aws:sts::123456789012:assumed-role/Admin/"
		    "alice'" };
		size_t	i;

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			CHECK(memmem(line, len, want[i], strlen(want[i])) !=
			    NULL, "%s: %s whole", what, want[i]);
		if (err)
			CHECK(memmem(line, len, "\"errorCode\":\"Client."
			    "InstanceLimitExceeded\"", 42) != NULL,
			    "%s: errorCode whole", what);
		return;
	}
	aws = aws_of(line, len, &root);
	CHECK(aws != NULL, "%s: a JSON line", what);
	CHECK_STR(str_at(aws, "eventName", NULL, NULL), "RunInstances",
	    "%s: eventName", what);
	CHECK_STR(str_at(aws, "eventSource", NULL, NULL), "ec2.amazonaws.com",
	    "%s: eventSource", what);
	CHECK_STR(str_at(aws, "sourceIPAddress", NULL, NULL), "198.51.100.7",
	    "%s: sourceIPAddress", what);
	CHECK_STR(str_at(aws, "userIdentity", "type", NULL), "AssumedRole",
	    "%s: userIdentity.type", what);
	CHECK_STR(str_at(aws, "userIdentity", "sessionContext",
	    "sessionIssuer") , "(none)", "%s: an object", what);
	CHECK_STR(str_at(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(aws, "userIdentity"),
	    "sessionContext"), "sessionIssuer", "userName", NULL), "Admin",
	    "%s: the issuer's userName", what);
	if (err)
		CHECK_STR(str_at(aws, "errorCode", NULL, NULL),
		    "Client.InstanceLimitExceeded", "%s: errorCode", what);
	cJSON_Delete(root);
}

static void
test_run_instances(void)
{
	static const size_t limits[] = { 6144, 4000, 2048 };
	struct sbuf	doc = { NULL, 0, 0 }, out = { NULL, 0, 0 },
			plain = { NULL, 0, 0 };
	struct result	r;
	char		what[64];
	size_t		i, full;
	int		fmt, err;
	const char	*nl;

	for (err = 0; err <= 1; err++) {
		doc.len = 0;
		sadd(&doc, "{\"Records\":[");
		run_instances(&doc, 41, err);
		sadd(&doc, "]}");
		CHECK(doc.len > 50000, "a 50 KB record: %zu", doc.len);
		for (fmt = FLATTEN_FLAT; fmt <= FLATTEN_WAZUH; fmt++) {
			r = conv(fmt, doc.p, 0, &plain);
			full = plain.len;
			CHECK(r.rc == FLATTEN_OK && full > 50000, "the line "
			    "whole without a limit: %zu", full);
			for (i = 0; i < sizeof(limits) / sizeof(limits[0]);
			    i++) {
				snprintf(what, sizeof(what), "format %d, %zu, "
				    "err %d", fmt, limits[i], err);
				r = conv(fmt, doc.p, limits[i], &out);
				CHECK(r.rc == FLATTEN_OK && r.nrec == 1,
				    "%s: one line", what);
				nl = memchr(out.p, '\n', out.len);
				CHECK(nl == out.p + out.len - 1, "%s: one "
				    "line, ending", what);
				CHECK(out.len <= limits[i] && out.len >
				    limits[i] * 3 / 4, "%s: %zu bytes", what,
				    out.len);
				CHECK(r.shortened == 1 && r.overlong == 0,
				    "%s: counted", what);
				CHECK(memmem(out.p, out.len, "[getawslog: ",
				    12) != NULL, "%s: marked", what);
				check_kept(fmt, out.p, out.len, err, what);
			}
			/* Too small for the kept fields: written, counted. */
			r = conv(fmt, doc.p, 1024, &out);
			CHECK(r.rc == FLATTEN_OK && r.shortened == 1 &&
			    r.overlong == 1 && out.len > 1024 && out.len < 2048,
			    "format %d: 1024 is too little: %zu", fmt,
			    out.len);
			check_kept(fmt, out.p, out.len, err, "1024");
			/* A limit the line fits: the same bytes. */
			r = conv(fmt, doc.p, full, &out);
			CHECK(r.shortened == 0 && out.len == full &&
			    memcmp(out.p, plain.p, full) == 0,
			    "format %d: a fitting line untouched", fmt);
		}
	}
	free(doc.p);
	free(out.p);
	free(plain.p);
}

/* Kept fields longer than the limit: written whole, counted. */
static void
test_overlong(void)
{
	struct sbuf	doc = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	struct result	r;
	int		i;

	sadd(&doc, "{\"Records\":[{\"eventName\":\"");
	for (i = 0; i < 2000; i++)
		sadd(&doc, "x");
	sadd(&doc, "\",\"a\":\"");
	for (i = 0; i < 2000; i++)
		sadd(&doc, "y");
	sadd(&doc, "\"},{\"eventName\":\"short\"}]}");
	r = conv(FLATTEN_FLAT, doc.p, 1024, &out);
	CHECK(r.rc == FLATTEN_OK && r.nrec == 2, "two lines");
	CHECK(r.shortened == 1 && r.overlong == 1, "counted: %zu %zu",
	    r.shortened, r.overlong);
	CHECK(out.len > 2000 && out.len < 2300, "eventName whole, a cut to "
	    "the marker: %zu", out.len);
	CHECK(memmem(out.p, out.len, "\"a\":\"...[getawslog: 2000 of 2000 "
	    "bytes cut]\"", 42) != NULL, "a marked: %.*s", 100,
	    out.p + 2010);
	free(doc.p);
	free(out.p);
}

int
main(void)
{
	test_cap();
	test_run_instances();
	test_overlong();
	UNIT_DONE();
}
