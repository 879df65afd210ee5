/* SPDX-License-Identifier: ISC */
/*
 * test_http.c - http.c's pure parts: SigV4 headers against the AWS suite's
 * POST examples (tests/data/sigv4/aws4_testsuite, the values copied here),
 * the -dd output with its session token masked, header lists, expat with
 * DOCTYPEs refused, URLs with passwords masked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "unit.h"

#define AKID	"AKIDEXAMPLE"
#define SECRET	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define WHEN	1440938160	/* 20150830T123600Z */
#define TOKEN	"AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4" \
	"FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPp" \
	"KPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq" \
	"5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPP" \
	"kUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabI" \
	"Qwj2ICCR/oLxBA=="

/* The list's lines, joined by '\n', into buf. */
static const char *
lines(const struct curl_slist *l, char *buf, size_t len)
{
	size_t	o = 0, n;

	buf[0] = '\0';
	for (; l != NULL; l = l->next) {
		n = strlen(l->data);
		if (o + n + 2 > len)
			break;
		memcpy(buf + o, l->data, n);
		o += n;
		buf[o++] = '\n';
		buf[o] = '\0';
	}
	return buf;
}

static void
request(struct http_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->method = "POST";
	rq->host = "example.amazonaws.com";
	rq->path = "/";
	rq->region = "us-east-1";
	rq->service = "service";
}

static void
test_sign(void)
{
	static const struct sigv4_header form[] = {
		{ "Content-Type", "application/x-www-form-urlencoded" } };
	static const char	 body[] = "Param1=value1";
	struct http_keys	 k = { AKID, SECRET, NULL };
	struct http_request	 rq;
	struct sigv4_header	 many[HTTP_SIGNED_MAX + 1];
	struct curl_slist	*l;
	char			 buf[2048];
	size_t			 i;

	/* post-x-www-form-urlencoded: a body and its Content-Type. */
	request(&rq);
	rq.headers = form;
	rq.nheaders = 1;
	rq.body = body;
	rq.bodylen = strlen(body);
	l = http_sign(&rq, &k, WHEN, 0);
	CHECK_STR(lines(l, buf, sizeof(buf)),
	    "Content-Type: application/x-www-form-urlencoded\n"
	    "host: example.amazonaws.com\n"
	    "x-amz-date: 20150830T123600Z\n"
	    "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
	    "us-east-1/service/aws4_request, SignedHeaders=content-type;host;"
	    "x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b"
	    "1da7b9d196a0fe09473a\n", "post-x-www-form-urlencoded");
	http_headers_free(l);

	/* post-sts-header-before: the session token signed. */
	request(&rq);
	k.session_token = TOKEN;
	l = http_sign(&rq, &k, WHEN, 0);
	CHECK_STR(lines(l, buf, sizeof(buf)),
	    "host: example.amazonaws.com\n"
	    "x-amz-date: 20150830T123600Z\n"
	    "x-amz-security-token: " TOKEN "\n"
	    "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
	    "us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;"
	    "x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd7"
	    "72bbebba041836c64533a82be05ead\n", "post-sts-header-before");
	http_headers_free(l);

	/* S3's GET: the payload's hash is sent and signed. */
	request(&rq);
	rq.method = "GET";
	rq.content_sha256 = 1;
	k.session_token = NULL;
	l = http_sign(&rq, &k, WHEN, 0);
	lines(l, buf, sizeof(buf));
	CHECK(strstr(buf, "\nx-amz-content-sha256: " SIGV4_EMPTY_SHA256 "\n")
	    != NULL, "x-amz-content-sha256 sent: %s", buf);
	CHECK(strstr(buf, "SignedHeaders=host;x-amz-content-sha256;"
	    "x-amz-date,") != NULL, "and signed: %s", buf);
	http_headers_free(l);

	for (i = 0; i < HTTP_SIGNED_MAX + 1; i++) {
		many[i].name = "x-a";
		many[i].value = "b";
	}
	rq.headers = many;
	rq.nheaders = HTTP_SIGNED_MAX + 1;
	CHECK(http_sign(&rq, &k, WHEN, 0) == NULL, "too many headers");
}

/* -dd: what was signed, on stderr, without the session token's value. */
static void
test_debug(void)
{
	struct http_keys	 k = { AKID, SECRET, TOKEN };
	struct http_request	 rq;
	struct curl_slist	*l;
	char			 path[] = "/tmp/getawslog-http.XXXXXX";
	char			 out[4096];
	FILE			*f;
	size_t			 n;
	int			 fd, saved;

	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		exit(1);
	}
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	request(&rq);
	l = http_sign(&rq, &k, WHEN, 2);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	http_headers_free(l);
	f = fdopen(fd, "r");
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	CHECK_STR(out, "getawslog: canonical request:\nPOST\n/\n\n"
	    "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
	    "x-amz-security-token:(session token)\n\n"
	    "host;x-amz-date;x-amz-security-token\n" SIGV4_EMPTY_SHA256 "\n"
	    "getawslog: string to sign:\nAWS4-HMAC-SHA256\n20150830T123600Z\n"
	    "20150830/us-east-1/service/aws4_request\n"
	    "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a8"
	    "82f6\n",
	    "-dd output");
	CHECK(strstr(out, "AQoD") == NULL, "no token in the debug output");
}

static void
test_header(void)
{
	struct curl_slist	*l = NULL;
	char			 buf[256];
	int			 fail = 0;

	l = http_header(l, "Accept", "text/xml", &fail);
	l = http_header(l, "X-Amz-Target", "AmazonSQS.ReceiveMessage", &fail);
	CHECK(!fail, "two headers");
	CHECK_STR(lines(l, buf, sizeof(buf)),
	    "Accept: text/xml\nX-Amz-Target: AmazonSQS.ReceiveMessage\n",
	    "in order");
	fail = 1;
	CHECK(http_header(l, "X", "y", &fail) == l && l->next->next == NULL,
	    "nothing added once failed");
	http_headers_free(l);
	http_headers_free(NULL);
}

static void
test_query(void)
{
	char	*q = NULL;

	CHECK(http_query_add(&q, "Action", "AssumeRole") == 0 &&
	    http_query_add(&q, "ExternalId", "a&b=c d") == 0 &&
	    http_query_add(&q, "RoleSessionName", "x/y~z") == 0, "three");
	CHECK_STR(q, "Action=AssumeRole&ExternalId=a%26b%3Dc%20d&"
	    "RoleSessionName=x%2Fy~z", "encoded, in order");
	free(q);
}

struct seen {
	int	elements;
	int	ctx_ok;
};

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct seen	*s = XML_GetUserData(arg);

	(void)name;
	(void)attrs;
	s->elements++;
	s->ctx_ok = s->ctx_ok || s->elements == 1;
}

static void
test_xml(void)
{
	static const char	 ok[] = "<a><b>x</b></a>";
	static const char	 bomb[] = "<?xml version=\"1.0\"?><!DOCTYPE a ["
	    "<!ENTITY x \"xxxxxxxxxx\"><!ENTITY y \"&x;&x;&x;&x;&x;&x;\">]>"
	    "<a>&y;</a>";
	struct seen		 s;
	XML_Parser		 p;

	memset(&s, 0, sizeof(s));
	CHECK((p = http_xml_new(&s)) != NULL, "a parser");
	XML_SetElementHandler(p, on_start, NULL);
	CHECK(XML_Parse(p, ok, (int)strlen(ok), XML_TRUE) == XML_STATUS_OK,
	    "a plain document");
	CHECK(s.elements == 2 && s.ctx_ok, "handlers see ctx through the "
	    "parser: %d", s.elements);
	XML_ParserFree(p);

	memset(&s, 0, sizeof(s));
	p = http_xml_new(&s);
	XML_SetElementHandler(p, on_start, NULL);
	CHECK(XML_Parse(p, bomb, (int)strlen(bomb), XML_TRUE) ==
	    XML_STATUS_ERROR, "a DOCTYPE stops the parse");
	CHECK(s.elements == 0, "before any element");
	CHECK_STR(http_xml_why(p), "a DOCTYPE is not allowed", "why");
	XML_ParserFree(p);

	p = http_xml_new(&s);
	CHECK(XML_Parse(p, "<a>", 3, XML_TRUE) == XML_STATUS_ERROR,
	    "cut short");
	CHECK(strstr(http_xml_why(p), "DOCTYPE") == NULL, "expat's reason: %s",
	    http_xml_why(p));
	XML_ParserFree(p);
}

static void
mask(const char *url, const char *want)
{
	char	buf[HTTP_URL_SHOWN_MAX];

	CHECK_STR(http_url_mask(url, buf, sizeof(buf)), want, "%s", want);
}

static void
test_mask(void)
{
	char	small[12];

	mask("https://s3.example.com:9000/b", "https://s3.example.com:9000/b");
	mask("http://user:pass@127.0.0.1:9/", "http://***@127.0.0.1:9/");
	mask("https://AKID:se/cr@et@host/p", "https://***@host/p");
	mask("user:pass@host", "***@host");
	mask("us:er://pa@ss@host", "***@host");
	mask("HTTPS://u@h", "HTTPS://***@h");
	mask("", "");
	CHECK_STR(http_url_mask("https://verylonghost/", small, sizeof(small)),
	    "https://ver", "cut to fit");
}

int
main(void)
{
	test_sign();
	test_debug();
	test_header();
	test_query();
	test_xml();
	test_mask();
	UNIT_DONE();
}
