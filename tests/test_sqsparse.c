/* SPDX-License-Identifier: ISC */
/*
 * test_sqsparse.c - sqs.c's pure parts: the region a queue URL names, and
 * ReceiveMessage answers (fields, ceilings, MD5OfBody, the receive count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs.h"
#include "unit.h"

static void
test_url_region(void)
{
	static const struct {
		const char	*url;
		const char	*region;	/* NULL: none */
	} cases[] = {
		{ "https://sqs.eu-west-1.amazonaws.com/111122223333/trail",
		    "eu-west-1" },
		{ "https://SQS.US-EAST-2.AMAZONAWS.COM/1/q", "us-east-2" },
		{ "https://sqs.cn-north-1.amazonaws.com.cn/1/q", "cn-north-1" },
		{ "https://sqs.ap-southeast-4.amazonaws.com:443/1/q",
		    "ap-southeast-4" },
		{ "https://eu-central-1.queue.amazonaws.com/1/q",
		    "eu-central-1" },
		{ "https://queue.amazonaws.com/1/q", "us-east-1" },
		/* FIPS, dual-stack, both, an interface (VPC) endpoint. */
		{ "https://sqs-fips.us-gov-west-1.amazonaws.com/1/q",
		    "us-gov-west-1" },
		{ "https://sqs.eu-west-3.api.aws/1/q", "eu-west-3" },
		{ "https://sqs-fips.us-east-2.api.aws/1/q", "us-east-2" },
		{ "https://vpce-0a1b2c3d4e5f-abcdefgh.sqs.ap-south-1.vpce."
		    "amazonaws.com/1/q", "ap-south-1" },
		{ "https://vpce-0a1b-x-us-east-1a.sqs.us-east-1.vpce."
		    "amazonaws.com/1/q", "us-east-1" },
		{ "https://vpce-0a1b.sqs.us-east-1.amazonaws.com/1/q", NULL },
		{ "https://sqs.us-east-1.vpce.amazonaws.com/1/q", NULL },
		{ "https://sqs-fips.amazonaws.com/1/q", NULL },
		{ "https://sqs.eu-west-3.api.aws.evil/1/q", NULL },
		{ "https://vpce-1.sqs-fips.a.b.vpce.amazonaws.com/1/q", NULL },
		{ "http://127.0.0.1:4566/000000000000/q", NULL },
		{ "https://sqs.amazonaws.com/1/q", NULL },
		{ "https://sqs..amazonaws.com/1/q", NULL },
		{ "https://sqs.a.b.amazonaws.com/1/q", NULL },
		{ "https://sqs.eu_west.amazonaws.com/1/q", NULL },
		{ "https://x.sqs.eu-west-1.amazonaws.com/1/q", NULL },
		{ "https://sqs.eu-west-1.amazonaws.com.evil/1/q", NULL },
		{ "https://a.b.queue.amazonaws.com/1/q", NULL },
		{ "sqs.eu-west-1.amazonaws.com/1/q", NULL },
	};
	char	out[64];
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = sqs_url_region(cases[i].url, out, sizeof(out));
		if (cases[i].region == NULL)
			CHECK(rc == 0 && out[0] == '\0', "%s: got %s",
			    cases[i].url, out);
		else {
			CHECK(rc == 1, "%s: no region", cases[i].url);
			CHECK_STR(out, cases[i].region, "%s", cases[i].url);
		}
	}
	/* Cut to fit: no region rather than part of one. */
	CHECK(sqs_url_region("https://sqs.eu-west-1.amazonaws.com/1/q", out,
	    4) == 0, "a region too long for out");
}

static int
parse(const char *json, struct sqs_received *got, char *why)
{
	return sqs_parse_received(json, strlen(json), got, why, 128);
}

static void
test_received(void)
{
	struct sqs_received	 got;
	char			 why[128], *big;
	size_t			 i, off;
	int			 n;

	CHECK(parse("{}", &got, why) == 0 && got.n == 0 && got.dropped == 0,
	    "an empty answer");
	CHECK(parse("{\"Messages\":null}", &got, why) == 0 && got.n == 0,
	    "null Messages");
	CHECK(parse("{\"Messages\":[]}", &got, why) == 0 && got.n == 0,
	    "no messages");
	sqs_received_free(&got);
	CHECK(parse("[]", &got, why) == -1, "not an object");
	CHECK_STR(why, "the answer is not a JSON object", "why");
	CHECK(parse("{\"Messages\":", &got, why) == -1, "cut short");
	CHECK_STR(why, "the answer is not JSON", "why");
	CHECK(parse("{\"Messages\":{}}", &got, why) == -1 && got.m == NULL,
	    "Messages not a list");

	/* md5("hello") = 5d41402abc4b2a76b9719d911017c592 */
	CHECK(parse("{\"Messages\":[{\"MessageId\":\"m1\",\"ReceiptHandle\":"
	    "\"h1\",\"MD5OfBody\":\"5D41402ABC4B2A76B9719D911017C592\","
	    "\"Body\":\"hello\",\"Attributes\":{\"ApproximateReceiveCount\":"
	    "\"3\",\"SentTimestamp\":\"1\"}},{\"MessageId\":\"m2\","
	    "\"ReceiptHandle\":\"h2\",\"MD5OfBody\":"
	    "\"00000000000000000000000000000000\",\"Body\":\"hello\"},"
	    "{\"MessageId\":\"m3\",\"ReceiptHandle\":\"h3\",\"Body\":"
	    "\"caf\\u00e9\",\"Attributes\":{\"ApproximateReceiveCount\":"
	    "\"+2\"}},{\"ReceiptHandle\":\"h4\",\"Body\":\"x\"},"
	    "{\"MessageId\":\"m5\",\"ReceiptHandle\":\"\",\"Body\":\"x\"},"
	    "{\"MessageId\":\"m6\",\"ReceiptHandle\":\"h6\",\"Body\":7}]}",
	    &got, why) == 0, "a mixed answer");
	CHECK(got.n == 2 && got.dropped == 4, "n %zu dropped %zu", got.n,
	    got.dropped);
	if (got.n == 2) {
		CHECK_STR(got.m[0].id, "m1", "id");
		CHECK_STR(got.m[0].receipt, "h1", "handle");
		CHECK_STR(got.m[0].body, "hello", "body");
		CHECK(got.m[0].bodylen == 5 && got.m[0].receive_count == 3,
		    "len %zu count %ld", got.m[0].bodylen,
		    got.m[0].receive_count);
		CHECK_STR(got.m[1].id, "m3", "no MD5: taken");
		CHECK_STR(got.m[1].body, "caf\xc3\xa9", "decoded");
		CHECK(got.m[1].receive_count == 0, "+2 is no count");
	}
	sqs_received_free(&got);
	CHECK(got.m == NULL && got.n == 0, "freed");

	/* Eleven: the ten asked for at most, the rest come back. */
	big = malloc(4096);
	CHECK(big != NULL, "out of memory");
	if (big == NULL)
		return;
	off = (size_t)snprintf(big, 4096, "{\"Messages\":[");
	for (i = 0; i < 11; i++) {
		n = snprintf(big + off, 4096 - off, "%s{\"MessageId\":\"i%zu\","
		    "\"ReceiptHandle\":\"h%zu\",\"Body\":\"b\"}", i ? "," : "",
		    i, i);
		off += (size_t)n;
	}
	(void)snprintf(big + off, 4096 - off, "]}");
	CHECK(parse(big, &got, why) == 0 && got.n == SQS_BATCH_MAX &&
	    got.dropped == 1, "eleven: %zu and %zu", got.n, got.dropped);
	sqs_received_free(&got);

	/* An id over its ceiling is dropped. */
	memset(big, 0, 4096);
	off = (size_t)snprintf(big, 4096, "{\"Messages\":[{\"MessageId\":\"");
	memset(big + off, 'x', SQS_ID_MAX + 1);
	off += SQS_ID_MAX + 1;
	(void)snprintf(big + off, 4096 - off, "\",\"ReceiptHandle\":\"h\","
	    "\"Body\":\"b\"}]}");
	CHECK(parse(big, &got, why) == 0 && got.n == 0 && got.dropped == 1,
	    "a long id");
	sqs_received_free(&got);
	free(big);
}

int
main(void)
{
	test_url_region();
	test_received();
	UNIT_DONE();
}
