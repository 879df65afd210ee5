/* SPDX-License-Identifier: ISC */
/*
 * s3.c - S3 requests: ListObjectsV2, GetObject, DeleteObject, as
 * requests of the engine (engine.c: one curl multi handle, retries).
 *
 * Every request is signed with SigV4 (http.c, sigv4.c) for its bucket's
 * region. When no region is known, or the one used is wrong, S3 names the
 * right one (x-amz-bucket-region, or <Region> in the error body); it is
 * kept for the bucket and the request is signed again for it. Responses
 * are parsed with expat; nothing here prints except debug output.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <expat.h>

#include "endpoint.h"
#include "engine.h"
#include "http.h"
#include "msg.h"
#include "s3.h"
#include "sigv4.h"
#include "spool.h"
#include "util.h"

#define S3_XML_MAX	(32 * 1024 * 1024)	/* one list page or error body */
#define S3_TEXT_MAX	(64 * 1024)		/* one XML element's text */
#define S3_XML_DEPTH	16			/* elements deeper are ignored */
#define S3_ERRBODY_MAX	(64 * 1024)		/* error bodies kept for parsing */
#define S3_REGION_MAX	64

/* A bucket's region, as S3 or a queue message named it. */
struct s3_region {
	char		*bucket;
	char		 region[S3_REGION_MAX];
	int		 hinted;	/* from a message, not from S3 */
};

struct s3 {
	struct engine	*eng;
	char		*scheme;	/* "https" */
	char		*host;		/* endpoint host[:port]; NULL for AWS */
	char		*basepath;	/* endpoint path prefix, "" or "/x" */
	char		 region[S3_REGION_MAX];	/* a bucket never named */
	struct s3_region regions[S3_REGIONS_KEPT];
	size_t		 nregions, oldest;
	int		 path_style;
	unsigned	 endpoint_flags;	/* endpoint.h's */
	int		 debug;
	long long	 date;		/* the last answer's Date, 0: none */
};

/* One request: the engine's part first, then S3's. */
struct req {
	struct engine_xfer x;
	struct s3	*s3;
	char		*bucket;
	char		*key;		/* NULL for bucket-level requests */
	char		*query;		/* encoded, or NULL */
	char		*what;		/* "GET bucket/key", for -dd */
	char		 region[S3_REGION_MAX];	/* this attempt's */
	char		 named[S3_REGION_MAX];	/* x-amz-bucket-region */
	struct s3_meta	 meta;		/* a GET's digest metadata */
};

/* ---------------------------------------------------------------- XML */

struct xml_ctx {
	XML_Parser	 parser;
	int		 depth;
	char		 names[S3_XML_DEPTH][32];
	char		*text;
	size_t		 textlen;
	int		 failed;
	const char	*why;
	/* ListBucketResult */
	struct s3_list_page *page;
	size_t		 objcap, prefcap;
	char		*cur_key;
	long long	 cur_size;
	int		 url_encoded;
	/* Error */
	int		 is_error;
	char		 code[64], message[512], region[S3_REGION_MAX];
};

static void
xml_fail(struct xml_ctx *x, const char *why)
{
	if (!x->failed) {
		x->failed = 1;
		x->why = why;
	}
	XML_StopParser(x->parser, XML_FALSE);
}

static int
xml_at(const struct xml_ctx *x, int depth, const char *name)
{
	return x->depth == depth && strcmp(x->names[depth - 1], name) == 0;
}

static void XMLCALL
xml_start(void *parser, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_ctx	*x = XML_GetUserData(parser);
	int		 n;

	(void)attrs;
	x->depth++;
	x->textlen = 0;
	if (x->depth == 1 && strcmp(name, "Error") == 0)
		x->is_error = 1;
	if (x->depth <= S3_XML_DEPTH) {
		n = snprintf(x->names[x->depth - 1], sizeof(x->names[0]), "%s",
		    name);
		if (n < 0 || (size_t)n >= sizeof(x->names[0]))
			x->names[x->depth - 1][0] = '\0';	/* not ours */
	}
}

static void XMLCALL
xml_chars(void *parser, const XML_Char *s, int len)
{
	struct xml_ctx	*x = XML_GetUserData(parser);

	if (x->textlen + (size_t)len > S3_TEXT_MAX) {
		xml_fail(x, "an element's text is too long");
		return;
	}
	memcpy(x->text + x->textlen, s, len);
	x->textlen += len;
}

static char *
xml_text(struct xml_ctx *x)
{
	char	*s;

	if ((s = strndup(x->text, x->textlen)) == NULL)
		xml_fail(x, "out of memory");
	return s;
}

static void
xml_copy(struct xml_ctx *x, char *dst, size_t dstlen)
{
	size_t	n = x->textlen < dstlen - 1 ? x->textlen : dstlen - 1;

	memcpy(dst, x->text, n);
	dst[n] = '\0';
}

static int
xml_is(const struct xml_ctx *x, const char *s)
{
	return x->textlen == strlen(s) && memcmp(x->text, s, x->textlen) == 0;
}

static void
xml_end_list(struct xml_ctx *x)
{
	struct s3_list_page	*pg = x->page;
	void			*p;

	if (xml_at(x, 3, "Key") && strcmp(x->names[1], "Contents") == 0) {
		free(x->cur_key);
		x->cur_key = xml_text(x);
	} else if (xml_at(x, 3, "Size") &&
	    strcmp(x->names[1], "Contents") == 0) {
		x->text[x->textlen] = '\0';
		if (util_parse_llong(x->text, 0, LLONG_MAX, &x->cur_size) == -1)
			xml_fail(x, "a Size is not a number");
	} else if (xml_at(x, 2, "Contents")) {
		if (x->cur_key == NULL) {
			xml_fail(x, "a Contents element has no Key");
			return;
		}
		if (pg->nobjects == x->objcap) {
			x->objcap = x->objcap ? x->objcap * 2 : 64;
			p = reallocarray(pg->objects, x->objcap,
			    sizeof(*pg->objects));
			if (p == NULL) {
				xml_fail(x, "out of memory");
				return;
			}
			pg->objects = p;
		}
		pg->objects[pg->nobjects].key = x->cur_key;
		pg->objects[pg->nobjects].size = x->cur_size;
		pg->nobjects++;
		x->cur_key = NULL;
		x->cur_size = -1;
	} else if (xml_at(x, 3, "Prefix") &&
	    strcmp(x->names[1], "CommonPrefixes") == 0) {
		if (pg->nprefixes == x->prefcap) {
			x->prefcap = x->prefcap ? x->prefcap * 2 : 16;
			p = reallocarray(pg->prefixes, x->prefcap,
			    sizeof(*pg->prefixes));
			if (p == NULL) {
				xml_fail(x, "out of memory");
				return;
			}
			pg->prefixes = p;
		}
		if ((pg->prefixes[pg->nprefixes] = xml_text(x)) != NULL)
			pg->nprefixes++;
	} else if (xml_at(x, 2, "IsTruncated"))
		pg->truncated = xml_is(x, "true");
	else if (xml_at(x, 2, "NextContinuationToken")) {
		free(pg->next_token);
		pg->next_token = xml_text(x);
	} else if (xml_at(x, 2, "EncodingType"))
		x->url_encoded = xml_is(x, "url");
}

static void XMLCALL
xml_end(void *parser, const XML_Char *name)
{
	struct xml_ctx	*x = XML_GetUserData(parser);

	(void)name;
	if (x->depth <= S3_XML_DEPTH) {
		if (x->is_error) {
			if (xml_at(x, 2, "Code"))
				xml_copy(x, x->code, sizeof(x->code));
			else if (xml_at(x, 2, "Message"))
				xml_copy(x, x->message, sizeof(x->message));
			else if (xml_at(x, 2, "Region"))
				xml_copy(x, x->region, sizeof(x->region));
		} else if (x->page != NULL)
			xml_end_list(x);
	}
	x->textlen = 0;
	x->depth--;
}

/*
 * Parse an XML document with the handlers above (a DOCTYPE refused, see
 * http_xml_new). 0, or -1 (x->why).
 */
static int
xml_run(struct xml_ctx *x, const char *xml, size_t len)
{
	int	 ret = -1;

	if (len > S3_XML_MAX) {
		x->why = "the response is too large";
		return -1;
	}
	if ((x->text = malloc(S3_TEXT_MAX + 1)) == NULL ||
	    (x->parser = http_xml_new(x)) == NULL) {
		x->why = "out of memory";
		goto out;
	}
	XML_SetElementHandler(x->parser, xml_start, xml_end);
	XML_SetCharacterDataHandler(x->parser, xml_chars);
	if (XML_Parse(x->parser, xml, (int)len, XML_TRUE) == XML_STATUS_ERROR) {
		if (!x->failed)
			x->why = http_xml_why(x->parser);
		goto out;
	}
	if (x->failed)
		goto out;
	ret = 0;
out:
	if (x->parser != NULL)
		XML_ParserFree(x->parser);
	x->parser = NULL;
	free(x->text);
	x->text = NULL;
	return ret;
}

/*
 * S3's encoding-type=url is form encoding: a space arrives as '+', a plus
 * as %2B (botocore decodes it with unquote_plus too). %00 is refused: a
 * key cut at a NUL would name another object.
 */
char *
s3_url_decode(const char *s, size_t len)
{
	char	*out, *o;
	size_t	 i;
	int	 hi, lo;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= len ||
			    (hi = util_hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = util_hexval((unsigned char)s[i + 2])) < 0 ||
			    hi + lo == 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static int
decode_in_place(char **s)
{
	char	*d;

	if ((d = s3_url_decode(*s, strlen(*s))) == NULL)
		return -1;
	free(*s);
	*s = d;
	return 0;
}

int
s3_parse_list(const char *xml, size_t len, struct s3_list_page *out,
    char *errbuf, size_t errlen)
{
	struct xml_ctx	 x;
	size_t		 i;
	int		 n, ret = -1;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.page = out;
	x.cur_size = -1;
	if (xml_run(&x, xml, len) == -1)
		goto out;
	if (x.is_error) {
		x.why = "an Error document, not a listing";
		goto out;
	}
	if (x.url_encoded) {
		for (i = 0; i < out->nobjects; i++)
			if (decode_in_place(&out->objects[i].key) == -1) {
				x.why = "a Key has a bad %-escape";
				goto out;
			}
		for (i = 0; i < out->nprefixes; i++)
			if (decode_in_place(&out->prefixes[i]) == -1) {
				x.why = "a Prefix has a bad %-escape";
				goto out;
			}
	}
	if (out->truncated && out->next_token == NULL) {
		x.why = "a truncated listing without NextContinuationToken";
		goto out;
	}
	ret = 0;
out:
	free(x.cur_key);
	if (ret == -1) {
		n = snprintf(errbuf, errlen, "%s", x.why ? x.why : "bad XML");
		if (n < 0 || (size_t)n >= errlen)
			errbuf[errlen - 1] = '\0';
		s3_list_page_free(out);
	}
	return ret;
}

int
s3_parse_error(const char *xml, size_t len, struct s3_error *err,
    char *region, size_t regionlen)
{
	struct xml_ctx	 x;
	int		 n;

	memset(&x, 0, sizeof(x));
	if (xml_run(&x, xml, len) == -1 || !x.is_error || x.code[0] == '\0')
		return -1;
	n = snprintf(err->code, sizeof(err->code), "%s", x.code);
	if (n < 0 || (size_t)n >= sizeof(err->code))
		err->code[sizeof(err->code) - 1] = '\0';
	n = snprintf(err->message, sizeof(err->message), "%s", x.message);
	if (n < 0 || (size_t)n >= sizeof(err->message))
		err->message[sizeof(err->message) - 1] = '\0';
	if (region != NULL && regionlen > 0) {
		n = snprintf(region, regionlen, "%s", x.region);
		if (n < 0 || (size_t)n >= regionlen)
			region[0] = '\0';
	}
	return 0;
}

void
s3_list_page_free(struct s3_list_page *pg)
{
	size_t	i;

	for (i = 0; i < pg->nobjects; i++)
		free(pg->objects[i].key);
	for (i = 0; i < pg->nprefixes; i++)
		free(pg->prefixes[i]);
	free(pg->objects);
	free(pg->prefixes);
	free(pg->next_token);
	memset(pg, 0, sizeof(*pg));
}


/* ---------------------------------------------------------- regions */

static struct s3_region *
region_find(struct s3 *s3, const char *bucket)
{
	size_t	i;

	for (i = 0; i < s3->nregions; i++)
		if (strcmp(s3->regions[i].bucket, bucket) == 0)
			return &s3->regions[i];
	return NULL;
}

/* The bucket's region from now on (the oldest forgotten when full). */
static void
region_set(struct s3 *s3, const char *bucket, const char *region)
{
	struct s3_region	*sr;
	char			*b;
	int			 n;

	if ((sr = region_find(s3, bucket)) == NULL) {
		if ((b = strdup(bucket)) == NULL)
			return;		/* asked again next time */
		if (s3->nregions < S3_REGIONS_KEPT)
			sr = &s3->regions[s3->nregions++];
		else {
			sr = &s3->regions[s3->oldest];
			s3->oldest = (s3->oldest + 1) % S3_REGIONS_KEPT;
			free(sr->bucket);
		}
		sr->bucket = b;
	}
	n = snprintf(sr->region, sizeof(sr->region), "%s", region);
	if (n < 0 || (size_t)n >= sizeof(sr->region))
		memcpy(sr->region, s3->region, sizeof(sr->region));
	sr->hinted = 0;
}

static const char *
region_of(struct s3 *s3, const char *bucket)
{
	struct s3_region	*sr = region_find(s3, bucket);

	return sr != NULL ? sr->region : s3->region;
}

void
s3_region_hint(struct s3 *s3, const char *bucket, const char *region)
{
	struct s3_region	*sr;

	if (region != NULL && *region != '\0' && strlen(region) <
	    S3_REGION_MAX && region_find(s3, bucket) == NULL) {
		region_set(s3, bucket, region);
		if ((sr = region_find(s3, bucket)) != NULL)
			sr->hinted = 1;
	}
}

/*
 * A region only a message named, where the bucket could not even be
 * reached: the message may have lied. The default region from now on, and
 * S3's answer there says where the bucket is.
 */
static void
region_distrust(struct s3 *s3, const char *bucket)
{
	struct s3_region	*sr = region_find(s3, bucket);

	if (sr == NULL || !sr->hinted)
		return;
	if (s3->debug > 1)
		msg_warn("bucket %s: not reached in region %s, as a message "
		    "said; asking S3", bucket, sr->region);
	memcpy(sr->region, s3->region, sizeof(sr->region));
	sr->hinted = 0;
}

/* ------------------------------------------------------- requests */

/* Bucket names that can be a DNS label under a TLS wildcard. */
static int
bucket_dns_safe(const char *b)
{
	size_t	len = strlen(b), i;

	if (len < 3 || len > 63 || b[0] == '-' || b[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!(islower((unsigned char)b[i]) ||
		    isdigit((unsigned char)b[i]) || b[i] == '-'))
			return 0;
	return 1;
}

/* Build "scheme://host/path?query", the Host header and the path. */
static int
build_target(const struct s3 *s3, const struct req *rq, char **url,
    char **host, char **path)
{
	char	*enckey = NULL, *encbucket = NULL;
	char	 aws[ENDPOINT_HOST_MAX], why[160];
	int	 virtual, ret = -1, n;

	*url = *host = *path = NULL;
	virtual = !s3->path_style && bucket_dns_safe(rq->bucket);
	if (rq->key != NULL &&
	    (enckey = sigv4_uri_encode(rq->key, strlen(rq->key), 1)) == NULL)
		goto out;
	if ((encbucket = sigv4_uri_encode(rq->bucket, strlen(rq->bucket), 0)) ==
	    NULL)
		goto out;
	if (s3->host == NULL) {
		/* AWS's host for the region: its partition, FIPS, dual-stack. */
		if (endpoint_host("s3", rq->region, s3->endpoint_flags, aws,
		    sizeof(aws), why, sizeof(why)) == -1) {
			msg_warn("bucket %s: %s", rq->bucket, why);
			goto out;
		}
		n = virtual ? asprintf(host, "%s.%s", rq->bucket, aws) :
		    asprintf(host, "%s", aws);
	} else
		n = virtual ? asprintf(host, "%s.%s", rq->bucket, s3->host) :
		    asprintf(host, "%s", s3->host);
	if (n == -1) {
		*host = NULL;
		goto out;
	}
	if (virtual)
		n = asprintf(path, "%s/%s", s3->basepath,
		    enckey != NULL ? enckey : "");
	else if (enckey != NULL)
		n = asprintf(path, "%s/%s/%s", s3->basepath, encbucket, enckey);
	else
		n = asprintf(path, "%s/%s", s3->basepath, encbucket);
	if (n == -1) {
		*path = NULL;
		goto out;
	}
	n = asprintf(url, "%s://%s%s%s%s", s3->scheme, *host, *path,
	    rq->query != NULL ? "?" : "", rq->query != NULL ? rq->query : "");
	if (n == -1) {
		*url = NULL;
		goto out;
	}
	ret = 0;
out:
	free(enckey);
	free(encbucket);
	if (ret == -1) {
		free(*url);
		free(*host);
		free(*path);
		*url = *host = *path = NULL;
	}
	return ret;
}


/* The attempt's URL and signed headers, for the bucket's region now. */
static int
req_prepare(struct engine_xfer *x)
{
	struct req		*rq = x->owner;
	struct s3		*s3 = rq->s3;
	struct http_request	 hr;
	char			*host = NULL, *path = NULL;
	int			 ret = -1;

	if (x->attempt > 1 && x->err.status == S3_ENET)
		region_distrust(s3, rq->bucket);
	memcpy(rq->region, region_of(s3, rq->bucket), sizeof(rq->region));
	rq->named[0] = '\0';
	if (build_target(s3, rq, &x->url, &host, &path) == -1)
		goto out;
	memset(&hr, 0, sizeof(hr));
	hr.method = x->method;
	hr.host = host;
	hr.path = path;
	hr.query = rq->query;
	hr.content_sha256 = 1;
	hr.region = rq->region;
	hr.service = "s3";
	if ((x->hdrs = engine_sign(s3->eng, &hr)) == NULL)
		goto out;
	ret = 0;
out:
	free(host);
	free(path);
	return ret;
}

static void
req_header(struct engine_xfer *x, const char *line, size_t len)
{
	struct req	*rq = x->owner;
	char		 date[64];
	long long	 t;

	(void)engine_header_value(line, len, "x-amz-bucket-region", rq->named,
	    sizeof(rq->named));
	(void)engine_header_value(line, len, "x-amz-meta-signature",
	    rq->meta.signature, sizeof(rq->meta.signature));
	(void)engine_header_value(line, len, "x-amz-meta-signature-algorithm",
	    rq->meta.algorithm, sizeof(rq->meta.algorithm));
	(void)engine_header_value(line, len,
	    "x-amz-meta-backfill-generation-timestamp", rq->meta.backfill,
	    sizeof(rq->meta.backfill));
	/* S3's clock, for --check (IMF-fixdate, as S3 writes it). */
	if (len > 5 && (line[0] == 'D' || line[0] == 'd') &&
	    engine_header_value(line, len, "date", date, sizeof(date))) {
		/*
		 * Not strptime(3): matching its locale's names cost 10,000
		 * instructions a response.
		 */
		if (util_imfdate(date, &t))
			rq->s3->date = t;
	}
}

/*
 * S3 answered with an error status: what it says (its XML, or what the
 * status alone means), and the region it names (x-amz-bucket-region or
 * <Region>): another region than this attempt's is the bucket's from now
 * on, and the request is made again there.
 */
static enum engine_verdict
req_failed(struct engine_xfer *x)
{
	struct req		*rq = x->owner;
	struct s3		*s3 = rq->s3;
	struct engine_resp	*r = &x->r;
	struct s3_error		*err = &x->err;
	char			 msg[32], region[S3_REGION_MAX];
	long			 status = r->status;
	int			 n;

	region[0] = '\0';
	/* An error body went to the spool file: read it back. */
	if (r->fd >= 0 && r->body == NULL && r->len > 0 &&
	    r->len <= S3_ERRBODY_MAX &&
	    (r->body = malloc(r->len + 1)) != NULL) {
		if (pread(r->fd, r->body, r->len, 0) != (ssize_t)r->len) {
			free(r->body);
			r->body = NULL;
		} else
			r->body[r->len] = '\0';
	}
	if (r->body == NULL || s3_parse_error(r->body, r->len, err, region,
	    S3_REGION_MAX) == -1) {
		n = snprintf(msg, sizeof(msg), "HTTP %ld", status);
		engine_set_error(err, S3_EHTTP, 0, n > 0 ? msg : "HTTP error",
		    "");
		if (status == 404)
			engine_set_error(err, S3_EHTTP, 0, "NoSuchBucket",
			    "The specified bucket does not exist");
		else if (status == 403)
			engine_set_error(err, S3_EHTTP, 0, "AccessDenied",
			    "Access Denied");
	}
	if (rq->named[0] != '\0')
		memcpy(region, rq->named, sizeof(region));
	if (region[0] != '\0' && strcmp(region, rq->region) != 0 &&
	    (status == 301 || status == 307 || status == 400)) {
		if (s3->debug > 1)
			msg_warn("bucket %s is in region %s", rq->bucket,
			    region);
		region_set(s3, rq->bucket, region);
		return ENGINE_AGAIN;
	}
	return ENGINE_FAIL;
}

static const struct engine_ops req_ops = {
	req_prepare, req_header, req_failed
};

/* A new request, not yet started. NULL when out of memory. */
static struct req *
req_new(struct s3 *s3, const char *method, const char *bucket,
    const char *key, const char *query, size_t max, long long expect_size)
{
	struct req	*rq;

	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return NULL;
	engine_xfer_init(&rq->x, s3->eng, &req_ops, rq);
	rq->s3 = s3;
	if ((rq->bucket = strdup(bucket)) == NULL ||
	    (key != NULL && (rq->key = strdup(key)) == NULL) ||
	    (query != NULL && (rq->query = strdup(query)) == NULL) ||
	    asprintf(&rq->what, "%s %s%s%s", method, bucket, key ? "/" : "",
	    key ? key : "") == -1) {
		rq->what = NULL;
		free(rq->bucket);
		free(rq->key);
		free(rq->query);
		free(rq);
		return NULL;
	}
	rq->x.method = method;
	rq->x.what = rq->what;
	rq->x.max = max;
	rq->x.expect_size = expect_size;
	return rq;
}

static void
req_free(struct req *rq)
{
	if (rq == NULL)
		return;
	engine_xfer_clear(&rq->x);
	free(rq->bucket);
	free(rq->key);
	free(rq->query);
	free(rq->what);
	free(rq);
}

/* Run a request to its end; its body stays in rq->x.r. 0 or -1 (err). */
static int
req_run(struct req *rq, struct s3_error *err)
{
	int	rc;

	engine_start(&rq->x);
	rc = engine_wait(&rq->x);
	*err = rq->x.err;
	return rc;
}

/* ------------------------------------------------------------ API */

struct s3 *
s3_new(struct engine *eng, const struct s3_config *cfg)
{
	struct http_endpoint	 ep;
	struct s3		*s3;
	int			 n;

	if ((s3 = calloc(1, sizeof(*s3))) == NULL) {
		msg_oom();
		return NULL;
	}
	s3->eng = eng;
	s3->debug = cfg->debug;
	s3->endpoint_flags = cfg->endpoint_flags;
	if (cfg->endpoint != NULL) {
		if (http_endpoint_parse(cfg->endpoint, &ep) == -1)
			goto fail;
		s3->scheme = ep.scheme;
		s3->host = ep.host;
		s3->basepath = ep.path;
		/* Custom stores rarely have wildcard DNS: path style. */
		s3->path_style = cfg->path_style != 0;
	} else {
		if ((s3->scheme = strdup("https")) == NULL ||
		    (s3->basepath = strdup("")) == NULL) {
			msg_oom();
			goto fail;
		}
		s3->path_style = cfg->path_style == 1;
	}
	n = snprintf(s3->region, sizeof(s3->region), "%s",
	    cfg->region != NULL ? cfg->region : "us-east-1");
	if (n < 0 || (size_t)n >= sizeof(s3->region)) {
		msg_warn("region name too long");
		goto fail;
	}
	return s3;
fail:
	s3_free(s3);
	return NULL;
}

void
s3_free(struct s3 *s3)
{
	size_t	i;

	if (s3 == NULL)
		return;
	for (i = 0; i < s3->nregions; i++)
		free(s3->regions[i].bucket);
	free(s3->scheme);
	free(s3->host);
	free(s3->basepath);
	free(s3);
}

struct s3_list {
	struct req	*rq;
	struct s3_error	 err;	/* a request that could not be made */
	int		 failed;
};

struct s3_list *
s3_list_start(struct s3 *s3, const char *bucket,
    const struct s3_list_params *lp, const char *token)
{
	struct s3_list	*l;
	char		*q = NULL, num[24];
	int		 n;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if (http_query_add(&q, "list-type", "2") == -1 ||
	    http_query_add(&q, "encoding-type", "url") == -1 ||
	    (lp->prefix != NULL &&
	    http_query_add(&q, "prefix", lp->prefix) == -1) ||
	    (lp->delimiter != NULL &&
	    http_query_add(&q, "delimiter", lp->delimiter) == -1) ||
	    (lp->start_after != NULL && token == NULL &&
	    http_query_add(&q, "start-after", lp->start_after) == -1) ||
	    (token != NULL &&
	    http_query_add(&q, "continuation-token", token) == -1))
		goto nomem;
	if (lp->max_keys > 0) {
		n = snprintf(num, sizeof(num), "%d", lp->max_keys);
		if (n < 0 || (size_t)n >= sizeof(num) ||
		    http_query_add(&q, "max-keys", num) == -1)
			goto nomem;
	}
	if ((l->rq = req_new(s3, "GET", bucket, NULL, q, S3_XML_MAX,
	    -1)) == NULL)
		goto nomem;
	free(q);
	engine_start(&l->rq->x);
	return l;
nomem:
	free(q);
	engine_set_error(&l->err, S3_ENOMEM, 0, "", "out of memory");
	l->failed = 1;
	return l;
}

int
s3_list_ready(const struct s3_list *l)
{
	return l->failed || engine_done(&l->rq->x);
}

int
s3_list_finish(struct s3_list *l, struct s3_list_page *out,
    struct s3_error *err)
{
	char	why[128];
	int	ret = -1;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	if (l->failed) {
		*err = l->err;
		goto out;
	}
	if (engine_wait(&l->rq->x) == -1) {
		*err = l->rq->x.err;
		goto out;
	}
	if (s3_parse_list(l->rq->x.r.body != NULL ? l->rq->x.r.body : "",
	    l->rq->x.r.len, out, why, sizeof(why)) == -1) {
		engine_set_error(err, S3_EBADRESP, 0, "", why);
		goto out;
	}
	ret = 0;
out:
	s3_list_cancel(l);
	return ret;
}

void
s3_list_cancel(struct s3_list *l)
{
	if (l != NULL) {
		req_free(l->rq);
		free(l);
	}
}

int
s3_list_page(struct s3 *s3, const char *bucket,
    const struct s3_list_params *lp, const char *token,
    struct s3_list_page *out, struct s3_error *err)
{
	struct s3_list	*l;

	if ((l = s3_list_start(s3, bucket, lp, token)) == NULL) {
		memset(out, 0, sizeof(*out));
		memset(err, 0, sizeof(*err));
		engine_set_error(err, S3_ENOMEM, 0, "", "out of memory");
		return -1;
	}
	return s3_list_finish(l, out, err);
}

int
s3_check_bucket(struct s3 *s3, const char *bucket, struct s3_error *err)
{
	struct s3_list_params	lp;
	struct s3_list_page	pg;

	memset(&lp, 0, sizeof(lp));
	lp.max_keys = 1;
	if (s3_list_page(s3, bucket, &lp, NULL, &pg, err) == -1)
		return -1;
	s3_list_page_free(&pg);
	return 0;
}

struct s3_get {
	struct req	*rq;
};

struct s3_get *
s3_get_start(struct s3 *s3, const char *bucket, const char *key,
    long long expect_size, size_t max, int spool)
{
	struct s3_get	*g;

	if ((g = malloc(sizeof(*g))) == NULL)
		return NULL;
	if ((g->rq = req_new(s3, "GET", bucket, key, NULL, max,
	    expect_size)) == NULL) {
		free(g);
		return NULL;
	}
	if (spool && (g->rq->x.fd = spool_tmpfile(NULL)) == -1) {
		engine_fail(&g->rq->x, S3_ELOCAL, "cannot create a temporary "
		    "file");
		return g;
	}
	engine_start(&g->rq->x);
	return g;
}

int
s3_get_ready(const struct s3_get *g)
{
	return engine_done(&g->rq->x);
}

int
s3_get_finish(struct s3_get *g, struct s3_body *out, struct s3_error *err)
{
	struct engine_xfer	*x = &g->rq->x;
	int			 ret = -1;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	memset(err, 0, sizeof(*err));
	if (engine_wait(x) == -1) {
		*err = x->err;
		goto out;
	}
	out->len = x->r.len;
	out->meta = g->rq->meta;
	out->wait_us = x->r.wait_us;
	if (x->fd >= 0) {
		out->fd = x->fd;
		x->fd = -1;
	} else {
		if (x->r.body == NULL && (x->r.body = strdup("")) == NULL) {
			engine_set_error(err, S3_ENOMEM, 0, "", "out of memory");
			goto out;
		}
		out->data = x->r.body;
		x->r.body = NULL;
	}
	ret = 0;
out:
	req_free(g->rq);
	free(g);
	return ret;
}

void
s3_get_cancel(struct s3_get *g)
{
	if (g != NULL) {
		req_free(g->rq);
		free(g);
	}
}

void
s3_body_free(struct s3_body *b)
{
	free(b->data);
	if (b->fd != -1)
		close(b->fd);
	b->data = NULL;
	b->fd = -1;
	b->len = 0;
}

int
s3_delete(struct s3 *s3, const char *bucket, const char *key,
    struct s3_error *err)
{
	struct req	*rq;
	int		 ret;

	memset(err, 0, sizeof(*err));
	if ((rq = req_new(s3, "DELETE", bucket, key, NULL, S3_ERRBODY_MAX,
	    -1)) == NULL) {
		engine_set_error(err, S3_ENOMEM, 0, "", "out of memory");
		return -1;
	}
	ret = req_run(rq, err);
	req_free(rq);
	return ret;
}

const char *
s3_bucket_region(struct s3 *s3, const char *bucket)
{
	return region_of(s3, bucket);
}

long long
s3_date(const struct s3 *s3)
{
	return s3->date;
}

int
s3_versioning(struct s3 *s3, const char *bucket, char *status, size_t len,
    struct s3_error *err)
{
	struct req	*rq;
	const char	*p, *e;
	int		 ret = -1, n;

	memset(err, 0, sizeof(*err));
	status[0] = '\0';
	if ((rq = req_new(s3, "GET", bucket, NULL, "versioning",
	    S3_ERRBODY_MAX, -1)) == NULL) {
		engine_set_error(err, S3_ENOMEM, 0, "", "out of memory");
		return -1;
	}
	if (req_run(rq, err) == 0) {
		/* <VersioningConfiguration><Status>Enabled</Status>...: none
		   when versioning was never enabled. */
		ret = 0;
		if (rq->x.r.body != NULL &&
		    (p = strstr(rq->x.r.body, "<Status>")) != NULL &&
		    (e = strstr(p, "</Status>")) != NULL) {
			p += strlen("<Status>");
			n = snprintf(status, len, "%.*s", (int)(e - p), p);
			if (n < 0 || (size_t)n >= len)
				status[0] = '\0';
		}
	}
	req_free(rq);
	return ret;
}
