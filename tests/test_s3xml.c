/* SPDX-License-Identifier: ISC */
/*
 * test_s3xml.c - the S3 XML parsers: listings, errors, URL decoding, and
 * the same documents fed cut at every place expat could see.
 */
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "unit.h"

static const char list_xml[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
"<Name>b</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>"
"<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
"<Contents><Key>AWSLogs/a+b%2Bc%25d.json.gz</Key><Size>123</Size>"
"<LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>"
"<Contents><Key>k%C3%BC%F0%9F%98%80</Key><Size>0</Size></Contents>"
"<Contents><Key>amp&amp;lt&lt;&#x41;</Key><Size>9</Size></Contents>"
"<CommonPrefixes><Prefix>AWSLogs%2F</Prefix></CommonPrefixes>"
"<NextContinuationToken>tok/+=</NextContinuationToken>"
"</ListBucketResult>";

static void
check_list(const char *xml, size_t len, const char *what)
{
	struct s3_list_page	pg;
	char			why[128];

	CHECK(s3_parse_list(xml, len, &pg, why, sizeof(why)) == 0, "%s: %s",
	    what, why);
	CHECK(pg.nobjects == 3, "%s: %zu objects", what, pg.nobjects);
	if (pg.nobjects == 3) {
		CHECK_STR(pg.objects[0].key, "AWSLogs/a b+c%d.json.gz", "%s", what);
		CHECK(pg.objects[0].size == 123, "%s: size", what);
		CHECK_STR(pg.objects[1].key, "k\xc3\xbc\xf0\x9f\x98\x80", "%s", what);
		CHECK(pg.objects[1].size == 0, "%s: size 0", what);
		CHECK_STR(pg.objects[2].key, "amp&lt<A", "%s: entities", what);
	}
	CHECK(pg.nprefixes == 1 && strcmp(pg.prefixes[0], "AWSLogs/") == 0,
	    "%s: prefixes", what);
	CHECK(pg.truncated == 1, "%s: truncated", what);
	CHECK_STR(pg.next_token, "tok/+=", "%s: token not decoded", what);
	s3_list_page_free(&pg);
}

static void
test_list(void)
{
	struct s3_list_page	pg;
	char			why[128];
	static const char	plain[] = "<ListBucketResult><IsTruncated>false"
	    "</IsTruncated><Contents><Key>a+b%41</Key><Size>1</Size></Contents>"
	    "</ListBucketResult>";
	static const char	notoken[] = "<ListBucketResult><IsTruncated>true"
	    "</IsTruncated></ListBucketResult>";
	static const char	badsize[] = "<ListBucketResult><Contents><Key>a"
	    "</Key><Size>12x</Size></Contents></ListBucketResult>";
	static const char	badesc[] = "<ListBucketResult><EncodingType>url"
	    "</EncodingType><Contents><Key>a%4</Key><Size>1</Size></Contents>"
	    "</ListBucketResult>";
	static const char	bomb[] = "<?xml version=\"1.0\"?><!DOCTYPE l ["
	    "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
	    "<ListBucketResult><Contents><Key>&b;</Key></Contents>"
	    "</ListBucketResult>";
	static const char	err[] = "<Error><Code>NoSuchBucket</Code>"
	    "</Error>";

	check_list(list_xml, strlen(list_xml), "whole");

	/* Without EncodingType the keys are taken as they are. */
	CHECK(s3_parse_list(plain, strlen(plain), &pg, why, sizeof(why)) == 0,
	    "plain: %s", why);
	CHECK(pg.nobjects == 1 && strcmp(pg.objects[0].key, "a+b%41") == 0,
	    "plain key kept");
	CHECK(pg.truncated == 0 && pg.next_token == NULL, "plain: last page");
	s3_list_page_free(&pg);

	CHECK(s3_parse_list(notoken, strlen(notoken), &pg, why,
	    sizeof(why)) == -1, "truncated without a token is an error");
	CHECK(s3_parse_list(badsize, strlen(badsize), &pg, why,
	    sizeof(why)) == -1, "bad Size is an error");
	CHECK(s3_parse_list(badesc, strlen(badesc), &pg, why,
	    sizeof(why)) == -1, "bad %%-escape is an error");
	CHECK(s3_parse_list(bomb, strlen(bomb), &pg, why, sizeof(why)) == -1,
	    "a DOCTYPE is refused");
	CHECK(strstr(why, "DOCTYPE") != NULL, "reason names DOCTYPE: %s", why);
	CHECK(s3_parse_list(err, strlen(err), &pg, why, sizeof(why)) == -1,
	    "an Error body is not a listing");
	CHECK(s3_parse_list("<ListBucketResult>", 18, &pg, why,
	    sizeof(why)) == -1, "truncated XML is an error");
	CHECK(s3_parse_list("", 0, &pg, why, sizeof(why)) == -1,
	    "empty body is an error");
}

/* Every prefix of a document is bad XML and must fail, not crash. */
static void
test_cuts(void)
{
	struct s3_list_page	pg;
	char			why[128];
	size_t			i, len = strlen(list_xml), bad = 0;

	for (i = 0; i < len; i++) {
		if (s3_parse_list(list_xml, i, &pg, why, sizeof(why)) == 0) {
			bad++;
			s3_list_page_free(&pg);
		}
	}
	CHECK(bad == 0, "%zu cut documents parsed", bad);
}

static void
test_error(void)
{
	struct s3_error	 e;
	char		 region[64], buf[700];
	static const char body[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the "
	    "region &apos;us-east-1&apos; is wrong; expecting &apos;eu-west-1"
	    "&apos;</Message><Region>eu-west-1</Region><RequestId>1</RequestId>"
	    "</Error>";

	memset(&e, 0, sizeof(e));
	CHECK(s3_parse_error(body, strlen(body), &e, region,
	    sizeof(region)) == 0, "error body parses");
	CHECK_STR(e.code, "AuthorizationHeaderMalformed", "code");
	CHECK_STR(e.message, "the region 'us-east-1' is wrong; expecting "
	    "'eu-west-1'", "message with entities");
	CHECK_STR(region, "eu-west-1", "region");
	CHECK_STR(s3_strerror(&e, buf, sizeof(buf)),
	    "AuthorizationHeaderMalformed: the region 'us-east-1' is wrong; "
	    "expecting 'eu-west-1'", "strerror");
	CHECK(s3_parse_error("<ListBucketResult/>", 19, &e, NULL, 0) == -1,
	    "not an Error");
	CHECK(s3_parse_error("garbage", 7, &e, NULL, 0) == -1, "not XML");
}

static void
test_decode(void)
{
	char	*s;

	s = s3_url_decode("a+b%20c%2B%2f", 13);
	CHECK_STR(s, "a b c+/", "decode");
	free(s);
	CHECK(s3_url_decode("%", 1) == NULL, "lone %%");
	CHECK(s3_url_decode("%g0", 3) == NULL, "bad hex");
	CHECK(s3_url_decode("ab%2", 4) == NULL, "short escape");
	CHECK(s3_url_decode("%00x", 4) == NULL, "NUL is refused");
}

int
main(void)
{
	test_list();
	test_cuts();
	test_error();
	test_decode();
	UNIT_DONE();
}
