/* SPDX-License-Identifier: ISC */
/*
 * s3.c - S3 requests over libcurl: ListObjectsV2, GetObject, DeleteObject.
 *
 * Every request is signed with SigV4 (sigv4.c) for the bucket's region.
 * When no region is configured, or the configured one is wrong, S3 names
 * the right one (x-amz-bucket-region, or <Region> in the error body) and
 * the request is signed again for it. Transient failures are retried with
 * capped exponential backoff and full jitter. Responses are parsed with
 * expat; nothing here prints except debug output.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include <curl/curl.h>
#include <expat.h>

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
#define S3_BACKOFF_CAP_MS	20000		/* botocore's standard mode cap */
#define S3_RETRY_AFTER_CAP_MS	60000
#define S3_REDIRECTS_MAX	2		/* region switches per request */
#define S3_POOL_MAX	64			/* idle easy handles kept */
#define S3_JOBS_MAX	64
#define S3_CONNECT_MS	10000
#define S3_LOW_SPEED_S	60L			/* below 1 byte/s this long */

struct xfer;

struct s3 {
	CURLM		*multi;
	CURL		*pool[S3_POOL_MAX];	/* idle easy handles */
	int		 npool;
	struct xfer	*xfers;			/* unfinished transfers */
	char		*scheme;	/* "https" */
	char		*host;		/* endpoint host[:port]; NULL for AWS */
	char		*basepath;	/* endpoint path prefix, "" or "/x" */
	char		 region[S3_REGION_MAX];
	int		 path_style;
	char		*ca_bundle;
	char		*access_key, *secret_key, *session_token;
	time_t		 expires;	/* 0: never */
	time_t		 refresh_after;	/* a failed refresh: not before */
	s3_refresh_fn	 refresh;
	void		*refresh_arg;
	int		 max_attempts;
	int		 jobs;
	int		 debug;
	volatile sig_atomic_t *interrupted;
	uint64_t	 rng;		/* the retry jitter's state */
};

/* One response being received. */
struct resp {
	long		 status;
	char		*body;
	size_t		 len, cap;
	size_t		 max;		/* a longer body aborts the transfer */
	int		 overflow;
	int		 fd;		/* spool the body here when >= 0 */
	int		 spool_errno;	/* a failed write to fd */
	long long	 content_length;	/* -1 when absent */
	long long	 expect;	/* the listed size, or -1 */
	long long	 bad_length;	/* a 2xx Content-Length not expect */
	int		 hstatus;	/* status of the response being read */
	long		 retry_after_ms;	/* -1 when absent */
	char		 region[S3_REGION_MAX];	/* x-amz-bucket-region */
};

struct req {
	const char	*method;
	const char	*bucket;
	const char	*key;		/* NULL for bucket-level requests */
	const char	*query;		/* encoded, or NULL */
	size_t		 max;		/* body limit for success responses */
};

static void
set_error(struct s3_error *err, enum s3_status st, int transient,
    const char *code, const char *msg)
{
	int	n;

	err->status = st;
	err->transient = transient;
	n = snprintf(err->code, sizeof(err->code), "%s", code);
	if (n < 0 || (size_t)n >= sizeof(err->code))
		err->code[sizeof(err->code) - 1] = '\0';
	n = snprintf(err->message, sizeof(err->message), "%s", msg);
	if (n < 0 || (size_t)n >= sizeof(err->message))
		err->message[sizeof(err->message) - 1] = '\0';
}

const char *
s3_strerror(const struct s3_error *err, char *buf, size_t len)
{
	int	n;

	if (err->code[0] != '\0' && err->message[0] != '\0')
		n = snprintf(buf, len, "%s: %s", err->code, err->message);
	else if (err->code[0] != '\0')
		n = snprintf(buf, len, "%s", err->code);
	else
		n = snprintf(buf, len, "%s", err->message);
	if (n < 0 || (size_t)n >= len)
		buf[len - 1] = '\0';
	return buf;
}

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

/* ------------------------------------------------------------- HTTP */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct resp	*r = arg;
	size_t		 n = size * nmemb, ncap;
	char		*p;

	if (r->len + n > r->max) {
		r->overflow = 1;
		return 0;		/* aborts with CURLE_WRITE_ERROR */
	}
	if (r->fd >= 0) {
		size_t	 off = 0;
		ssize_t	 w;

		while (off < n) {
			if ((w = write(r->fd, data + off, n - off)) == -1) {
				if (errno == EINTR)
					continue;
				r->spool_errno = errno;
				return 0;
			}
			off += (size_t)w;
		}
		r->len += n;
		return n;
	}
	if (r->len + n + 1 > r->cap) {
		ncap = r->cap ? r->cap : 16384;
		while (ncap < r->len + n + 1)
			ncap *= 2;
		if ((p = realloc(r->body, ncap)) == NULL)
			return 0;
		r->body = p;
		r->cap = ncap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* If line is "Name: value", copy the trimmed value into out. */
static int
header_value(const char *line, size_t len, const char *name, char *out,
    size_t outlen)
{
	size_t	nlen = strlen(name), i, j;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 ||
	    line[nlen] != ':')
		return 0;
	for (i = nlen + 1; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		continue;
	for (j = len; j > i && isspace((unsigned char)line[j - 1]); j--)
		continue;
	if (j - i >= outlen)
		return 0;
	memcpy(out, line + i, j - i);
	out[j - i] = '\0';
	return 1;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct resp	*r = arg;
	size_t		 n = size * nmemb;
	char		 v[64], *end;
	long long	 ll;

	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue, say). */
		r->content_length = -1;
		r->hstatus = 0;
		if ((end = memchr(data, ' ', n)) != NULL &&
		    (size_t)(end - data) + 4 <= n)
			r->hstatus = (int)strtol(end + 1, NULL, 10);
		r->retry_after_ms = -1;
		r->region[0] = '\0';
	} else if (header_value(data, n, "x-amz-bucket-region", r->region,
	    sizeof(r->region)))
		;
	else if (header_value(data, n, "content-length", v, sizeof(v))) {
		if (util_parse_llong(v, 0, LLONG_MAX, &ll) == 0)
			r->content_length = ll;
		/*
		 * Refuse a body announced larger than the limit, or (2xx)
		 * of another length than listed, before it is downloaded.
		 */
		if (r->content_length >= 0 && r->expect >= 0 &&
		    r->hstatus >= 200 && r->hstatus < 300 &&
		    r->content_length != r->expect) {
			r->bad_length = r->content_length;
			return 0;	/* aborts with CURLE_WRITE_ERROR */
		}
		if (r->content_length >= 0 &&
		    (unsigned long long)r->content_length > r->max) {
			r->overflow = 1;
			return 0;
		}
	} else if (header_value(data, n, "retry-after", v, sizeof(v))) {
		if (util_parse_llong(v, 0, S3_RETRY_AFTER_CAP_MS / 1000,
		    &ll) == 0)
			r->retry_after_ms = (long)ll * 1000;
	}
	return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct s3	*s3 = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return s3->interrupted != NULL && *s3->interrupted;
}

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
	int	 virtual, ret = -1, n;

	*url = *host = *path = NULL;
	virtual = !s3->path_style && bucket_dns_safe(rq->bucket);
	if (rq->key != NULL &&
	    (enckey = sigv4_uri_encode(rq->key, strlen(rq->key), 1)) == NULL)
		goto out;
	if ((encbucket = sigv4_uri_encode(rq->bucket, strlen(rq->bucket), 0)) ==
	    NULL)
		goto out;
	if (s3->host == NULL)
		n = virtual ? asprintf(host, "%s.s3.%s.amazonaws.com",
		    rq->bucket, s3->region) :
		    asprintf(host, "s3.%s.amazonaws.com", s3->region);
	else
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

/* New temporary keys when the ones in hand are about to expire. */
static void
keys_fresh(struct s3 *s3)
{
	char	*ak = NULL, *sk = NULL, *tok = NULL;
	time_t	 now = time(NULL), exp = 0;

	if (s3->refresh == NULL || s3->expires == 0 ||
	    now + S3_REFRESH_MARGIN < s3->expires || now < s3->refresh_after)
		return;
	if (s3->refresh(s3->refresh_arg, &ak, &sk, &tok, &exp) == -1 ||
	    ak == NULL || sk == NULL) {
		util_free_secret(ak);
		util_free_secret(sk);
		util_free_secret(tok);
		s3->refresh_after = now + S3_REFRESH_RETRY;
		return;
	}
	util_free_secret(s3->access_key);
	util_free_secret(s3->secret_key);
	util_free_secret(s3->session_token);
	s3->access_key = ak;
	s3->secret_key = sk;
	s3->session_token = tok;
	s3->expires = exp;
}

/* The signed headers of one attempt (http_sign), with fresh keys. */
static struct curl_slist *
sign_headers(struct s3 *s3, const struct req *rq, const char *host,
    const char *path)
{
	struct http_request	hr;
	struct http_keys	k;

	keys_fresh(s3);
	memset(&hr, 0, sizeof(hr));
	hr.method = rq->method;
	hr.host = host;
	hr.path = path;
	hr.query = rq->query;
	hr.content_sha256 = 1;
	hr.region = s3->region;
	hr.service = "s3";
	k.access_key = s3->access_key;
	k.secret_key = s3->secret_key;
	k.session_token = s3->session_token;
	return http_sign(&hr, &k, time(NULL), s3->debug);
}

static int
code_is_transient(const char *code)
{
	static const char *const codes[] = {
		"SlowDown", "RequestTimeout", "InternalError",
		"ServiceUnavailable", "Throttling", "ThrottlingException",
		"RequestLimitExceeded", "RequestThrottled", NULL
	};
	size_t	i;

	for (i = 0; codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
curl_is_transient(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

/* ----------------------------------------------------------- engine */

/*
 * Every request is a transfer driven by one curl multi handle, so GETs run
 * concurrently and share connections, and a LIST or DELETE made while GETs
 * are in flight moves them along too. A transfer that fails transiently
 * waits (retry_at) and is signed again before its next attempt.
 */
enum xfer_state { XF_WAIT, XF_RUN, XF_DONE };

struct xfer {
	struct s3	*s3;
	struct xfer	*next;		/* s3->xfers: every unfinished one */
	enum xfer_state	 state;
	CURL		*easy;
	struct curl_slist *hdrs;
	char		*url;
	char		*bucket, *key, *query;
	struct req	 rq;
	struct resp	 r;
	long long	 expect_size;	/* -1: unknown */
	int		 fd;		/* spool file, or -1 */
	int		 attempt, redirects;
	long long	 retry_at;	/* monotonic ms */
	int		 rc;		/* 0 or -1 once XF_DONE */
	struct s3_error	 err;
	char		 curlerr[CURL_ERROR_SIZE];
};

/*
 * The retry jitter's own generator (splitmix64), seeded in s3_new: nothing
 * else's use of random() or srandom() changes it, and it needs nobody's.
 */
static uint64_t
rng_next(struct s3 *s3)
{
	uint64_t	z = (s3->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct s3 *s3)
{
	struct timespec	ts;

	if (getrandom(&s3->rng, sizeof(s3->rng), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(s3->rng))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	s3->rng = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	s3->rng ^= (uint64_t)getpid() << 32;
}

/* Full jitter: uniform in [0, min(cap, 2^attempt s)). */
static long
backoff_ms(struct s3 *s3, int attempt)
{
	long	ceiling = 1000L << (attempt < 5 ? attempt : 5);

	if (ceiling > S3_BACKOFF_CAP_MS)
		ceiling = S3_BACKOFF_CAP_MS;
	/* 53 random bits as a fraction in [0, 1). */
	return (long)((double)(rng_next(s3) >> 11) * 0x1.0p-53 * ceiling);
}

static CURL *
easy_get(struct s3 *s3)
{
	CURL	*e;

	if (s3->npool > 0)
		return s3->pool[--s3->npool];
	if ((e = http_easy(s3->ca_bundle, S3_CONNECT_MS)) == NULL)
		return NULL;
	/* Keys may hold "/../" or "/./": send them, never fold them. */
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	/* A transfer slower than 1 byte/s for 60 s is dead. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, S3_LOW_SPEED_S);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, s3);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	return e;
}

static void
easy_put(struct s3 *s3, CURL *e)
{
	if (s3->npool < S3_POOL_MAX)
		s3->pool[s3->npool++] = e;
	else
		curl_easy_cleanup(e);
}

static void
xfer_release(struct xfer *x)
{
	if (x->easy != NULL) {
		curl_multi_remove_handle(x->s3->multi, x->easy);
		easy_put(x->s3, x->easy);
		x->easy = NULL;
	}
	http_headers_free(x->hdrs);
	x->hdrs = NULL;
	free(x->url);
	x->url = NULL;
}

static void
xfer_done(struct xfer *x, int rc)
{
	struct xfer	**pp;

	xfer_release(x);
	x->state = XF_DONE;
	x->rc = rc;
	for (pp = &x->s3->xfers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	x->next = NULL;
}

/* Sign and start one attempt. */
static void
xfer_launch(struct xfer *x)
{
	struct s3	*s3 = x->s3;
	char		*host = NULL, *path = NULL;

	free(x->r.body);
	memset(&x->r, 0, sizeof(x->r));
	x->r.fd = x->fd;
	if (x->fd >= 0 && (ftruncate(x->fd, 0) == -1 ||
	    lseek(x->fd, 0, SEEK_SET) == -1)) {
		set_error(&x->err, S3_ELOCAL, 0, "", strerror(errno));
		goto fail;
	}
	x->r.max = x->rq.max;
	/* The listed size: one allocation instead of doubling and copying. */
	if (x->fd < 0 && x->expect_size > 0 &&
	    (unsigned long long)x->expect_size < x->rq.max &&
	    (x->r.body = malloc((size_t)x->expect_size + 1)) != NULL)
		x->r.cap = (size_t)x->expect_size + 1;
	x->r.content_length = -1;
	x->r.expect = x->expect_size;
	x->r.bad_length = -1;
	x->r.retry_after_ms = -1;
	if (build_target(s3, &x->rq, &x->url, &host, &path) == -1 ||
	    (x->hdrs = sign_headers(s3, &x->rq, host, path)) == NULL ||
	    (x->easy = easy_get(s3)) == NULL) {
		set_error(&x->err, S3_ENOMEM, 0, "", "out of memory");
		goto fail;
	}
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST,
	    strcmp(x->rq.method, "GET") == 0 ? NULL : x->rq.method);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, &x->r);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, &x->r);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->curlerr);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	x->curlerr[0] = '\0';
	if (curl_multi_add_handle(s3->multi, x->easy) != CURLM_OK) {
		set_error(&x->err, S3_ENOMEM, 0, "", "cannot add a transfer");
		goto fail;
	}
	x->state = XF_RUN;
	free(host);
	free(path);
	return;
fail:
	free(host);
	free(path);
	xfer_done(x, -1);
}

/*
 * S3 answered with an error status: what it says (its XML, or what the
 * status alone means), whether another attempt may help, and the region
 * it names (x-amz-bucket-region or <Region>), into x->err and region.
 */
static void
answer_error(struct xfer *x, char region[S3_REGION_MAX])
{
	struct s3	*s3 = x->s3;
	struct resp	*r = &x->r;
	struct s3_error	*err = &x->err;
	char		 msg[32];
	int		 n;

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
		n = snprintf(msg, sizeof(msg), "HTTP %ld", r->status);
		set_error(err, S3_EHTTP, 0, n > 0 ? msg : "HTTP error", "");
		if (r->status == 404)
			set_error(err, S3_EHTTP, 0, "NoSuchBucket",
			    "The specified bucket does not exist");
		else if (r->status == 403)
			set_error(err, S3_EHTTP, 0, "AccessDenied",
			    "Access Denied");
	}
	err->status = S3_EHTTP;
	err->http_status = r->status;
	err->transient = r->status == 429 || r->status == 500 ||
	    r->status == 502 || r->status == 503 || r->status == 504 ||
	    code_is_transient(err->code);
	/*
	 * Temporary keys that expired before we thought (a clock off, a
	 * revoked session): fetch new ones, try again.
	 */
	if (s3->refresh != NULL && s3->expires != 0 &&
	    (strcmp(err->code, "ExpiredToken") == 0 ||
	    strcmp(err->code, "TokenRefreshRequired") == 0)) {
		s3->expires = 1;
		s3->refresh_after = 0;
		err->transient = 1;
	}
	if (r->region[0] != '\0')
		memcpy(region, r->region, S3_REGION_MAX);
}

/*
 * The outcome of a finished attempt, into x->err: 0 when it succeeded;
 * else 1, err->transient saying whether another may do better, and region
 * the bucket's region when S3 named one.
 */
static int
attempt_failed(struct xfer *x, CURLcode cc, char region[S3_REGION_MAX])
{
	struct resp	*r = &x->r;
	struct s3_error	*err = &x->err;
	char		 msg[160];
	int		 n;

	memset(err, 0, sizeof(*err));
	err->http_status = r->status;
	region[0] = '\0';
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		set_error(err, S3_EINTR, 0, "", "interrupted");
	else if (cc == CURLE_WRITE_ERROR && r->overflow) {
		n = snprintf(msg, sizeof(msg), "response larger than %zu bytes",
		    r->max);
		set_error(err, S3_ELIMIT, 0, "", n > 0 ? msg : "too large");
	} else if (cc == CURLE_WRITE_ERROR && r->spool_errno != 0) {
		n = snprintf(msg, sizeof(msg), "temporary file: %s",
		    strerror(r->spool_errno));
		set_error(err, S3_ELOCAL, 0, "", n > 0 ? msg : "spool error");
	} else if (cc == CURLE_WRITE_ERROR && r->bad_length >= 0) {
		/* As a body of the wrong length below: S3 may be mid-update. */
		n = snprintf(msg, sizeof(msg), "Content-Length %lld, the "
		    "listing said %lld", r->bad_length, x->expect_size);
		set_error(err, S3_EBADRESP, 1, "", n > 0 &&
		    (size_t)n < sizeof(msg) ? msg : "bad Content-Length");
	} else if (cc != CURLE_OK)
		set_error(err, S3_ENET, curl_is_transient(cc), "",
		    x->curlerr[0] != '\0' ? x->curlerr : curl_easy_strerror(cc));
	else if (r->status >= 200 && r->status < 300) {
		if (r->content_length >= 0 &&
		    (unsigned long long)r->content_length != r->len)
			/* libcurl checks this too; a short body is transient. */
			set_error(err, S3_ENET, 1, "", "response body cut short");
		else if (x->expect_size >= 0 &&
		    (unsigned long long)x->expect_size != r->len) {
			n = snprintf(msg, sizeof(msg), "got %zu bytes, the "
			    "listing said %lld", r->len, x->expect_size);
			set_error(err, S3_EBADRESP, 1, "", n > 0 ? msg :
			    "bad length");
		} else
			return 0;
	} else
		answer_error(x, region);
	return 1;
}

/*
 * A finished attempt: done (ok or not), or wait for another (a region
 * switch, or a transient failure with attempts left).
 */
static void
xfer_finished(struct xfer *x, CURLcode cc)
{
	struct s3	*s3 = x->s3;
	long		 status, ms;
	char		 region[S3_REGION_MAX], e[640];

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->r.status);
	xfer_release(x);
	if (attempt_failed(x, cc, region) == 0) {
		xfer_done(x, 0);
		return;
	}
	status = x->r.status;
	if (region[0] != '\0' && strcmp(region, s3->region) != 0 &&
	    (status == 301 || status == 307 || status == 400) &&
	    x->redirects++ < S3_REDIRECTS_MAX) {
		if (s3->debug > 1)
			msg_warn("bucket %s is in region %s", x->rq.bucket,
			    region);
		memcpy(s3->region, region, sizeof(s3->region));
		x->state = XF_WAIT;
		x->retry_at = 0;
		return;
	}
	if (!x->err.transient || x->attempt >= s3->max_attempts ||
	    (s3->interrupted != NULL && *s3->interrupted)) {
		xfer_done(x, -1);
		return;
	}
	ms = backoff_ms(s3, x->attempt);
	if (x->r.retry_after_ms > ms)
		ms = x->r.retry_after_ms;
	if (s3->debug > 1)
		msg_warn("%s %s%s%s: %s; retrying in %ld ms", x->rq.method,
		    x->rq.bucket, x->rq.key ? "/" : "",
		    x->rq.key ? x->rq.key : "",
		    s3_strerror(&x->err, e, sizeof(e)), ms);
	x->attempt++;
	x->state = XF_WAIT;
	x->retry_at = util_mono_ms() + ms;
}

/* Drive every transfer until `until` is done. */
static void
engine_run(struct s3 *s3, struct xfer *until)
{
	struct xfer	*x, *nx;
	CURLMsg		*m;
	long long	 now, next;
	int		 running, left, timeout;

	while (until->state != XF_DONE) {
		now = util_mono_ms();
		next = now + 1000;
		for (x = s3->xfers; x != NULL; x = nx) {
			nx = x->next;
			if (x->state != XF_WAIT)
				continue;
			if (s3->interrupted != NULL && *s3->interrupted) {
				set_error(&x->err, S3_EINTR, 0, "",
				    "interrupted");
				xfer_done(x, -1);
			} else if (x->retry_at <= now)
				xfer_launch(x);
			else if (x->retry_at < next)
				next = x->retry_at;
		}
		if (until->state == XF_DONE)
			break;
		curl_multi_perform(s3->multi, &running);
		while ((m = curl_multi_info_read(s3->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			x = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&x);
			if (x != NULL)
				xfer_finished(x, m->data.result);
		}
		if (until->state == XF_DONE)
			break;
		timeout = (int)(next - util_mono_ms());
		if (timeout < 0)
			timeout = 0;
		if (timeout > 1000)
			timeout = 1000;
		curl_multi_poll(s3->multi, NULL, 0, timeout, NULL);
	}
}

/* A new transfer, to be launched by the engine. NULL when out of memory. */
static struct xfer *
xfer_new(struct s3 *s3, const char *method, const char *bucket,
    const char *key, const char *query, size_t max, long long expect_size)
{
	struct xfer	*x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->s3 = s3;
	if ((x->bucket = strdup(bucket)) == NULL ||
	    (key != NULL && (x->key = strdup(key)) == NULL) ||
	    (query != NULL && (x->query = strdup(query)) == NULL)) {
		free(x->bucket);
		free(x->key);
		free(x);
		return NULL;
	}
	x->rq.method = method;
	x->rq.bucket = x->bucket;
	x->rq.key = x->key;
	x->rq.query = x->query;
	x->rq.max = max;
	x->expect_size = expect_size;
	x->fd = -1;
	x->attempt = 1;
	x->state = XF_WAIT;
	x->next = s3->xfers;
	s3->xfers = x;
	return x;
}

static void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->state != XF_DONE)
		xfer_done(x, -1);
	free(x->r.body);
	if (x->fd != -1)
		close(x->fd);
	free(x->bucket);
	free(x->key);
	free(x->query);
	free(x);
}

/* Run a transfer to its end; its body stays in x->r. 0 or -1 (err). */
static int
xfer_wait(struct xfer *x, struct s3_error *err)
{
	engine_run(x->s3, x);
	*err = x->err;
	return x->rc;
}

/* ------------------------------------------------------------ API */

static char *
xstrdup_or_null(const char *s, int *fail)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

/*
 * Split an endpoint URL into scheme, host[:port] and path prefix. A URL
 * with a user name or password is refused, and shown without it.
 */
static int
parse_endpoint(struct s3 *s3, const char *url)
{
	const char	*p, *slash;
	char		 shown[HTTP_URL_SHOWN_MAX];
	size_t		 len;

	http_url_mask(url, shown, sizeof(shown));
	if ((p = strstr(url, "://")) == NULL) {
		msg_warn("endpoint URL %s has no scheme (http:// or https://)",
		    shown);
		return -1;
	}
	if ((size_t)(p - url) == 4 && strncasecmp(url, "http", 4) == 0)
		s3->scheme = strdup("http");
	else if ((size_t)(p - url) == 5 && strncasecmp(url, "https", 5) == 0)
		s3->scheme = strdup("https");
	else {
		msg_warn("endpoint URL %s: only http and https are supported",
		    shown);
		return -1;
	}
	p += 3;
	slash = strchr(p, '/');
	len = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (len == 0 || memchr(p, '?', len) != NULL ||
	    memchr(p, '@', len) != NULL) {
		msg_warn("endpoint URL %s has no usable host", shown);
		return -1;
	}
	s3->host = strndup(p, len);
	/* The path prefix, without trailing slashes. */
	if (slash != NULL) {
		len = strlen(slash);
		while (len > 0 && slash[len - 1] == '/')
			len--;
		s3->basepath = strndup(slash, len);
	} else
		s3->basepath = strdup("");
	if (s3->scheme == NULL || s3->host == NULL || s3->basepath == NULL) {
		msg_oom();
		return -1;
	}
	return 0;
}

struct s3 *
s3_new(const struct s3_config *cfg)
{
	struct s3	*s3;
	int		 fail = 0, n;

	if ((s3 = calloc(1, sizeof(*s3))) == NULL) {
		msg_oom();
		return NULL;
	}
	rng_seed(s3);
	if (cfg->endpoint != NULL) {
		if (parse_endpoint(s3, cfg->endpoint) == -1)
			goto fail;
		/* Custom stores rarely have wildcard DNS: path style. */
		s3->path_style = cfg->path_style != 0;
	} else {
		if ((s3->scheme = strdup("https")) == NULL ||
		    (s3->basepath = strdup("")) == NULL)
			fail = 1;
		s3->path_style = cfg->path_style == 1;
	}
	n = snprintf(s3->region, sizeof(s3->region), "%s",
	    cfg->region != NULL ? cfg->region : "us-east-1");
	if (n < 0 || (size_t)n >= sizeof(s3->region)) {
		msg_warn("region name too long");
		goto fail;
	}
	s3->access_key = xstrdup_or_null(cfg->access_key, &fail);
	s3->secret_key = xstrdup_or_null(cfg->secret_key, &fail);
	s3->session_token = xstrdup_or_null(cfg->session_token, &fail);
	s3->ca_bundle = xstrdup_or_null(cfg->ca_bundle, &fail);
	s3->expires = cfg->expires;
	s3->refresh = cfg->refresh;
	s3->refresh_arg = cfg->refresh_arg;
	s3->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 1;
	s3->jobs = cfg->jobs < 1 ? 1 : cfg->jobs > S3_JOBS_MAX ? S3_JOBS_MAX :
	    cfg->jobs;
	s3->debug = cfg->debug;
	s3->interrupted = cfg->interrupted;
	if (fail) {
		msg_oom();
		goto fail;
	}
	if ((s3->multi = curl_multi_init()) == NULL) {
		msg_warn("cannot initialise libcurl");
		goto fail;
	}
	/* HTTP/2 multiplexing when offered; else up to `jobs` connections. */
	curl_multi_setopt(s3->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(s3->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)s3->jobs);
	curl_multi_setopt(s3->multi, CURLMOPT_MAXCONNECTS, (long)s3->jobs + 2);
	return s3;
fail:
	s3_free(s3);
	return NULL;
}

void
s3_free(struct s3 *s3)
{
	if (s3 == NULL)
		return;
	while (s3->xfers != NULL)
		xfer_done(s3->xfers, -1);
	while (s3->npool > 0)
		curl_easy_cleanup(s3->pool[--s3->npool]);
	if (s3->multi != NULL)
		curl_multi_cleanup(s3->multi);
	free(s3->scheme);
	free(s3->host);
	free(s3->basepath);
	free(s3->ca_bundle);
	util_free_secret(s3->access_key);
	util_free_secret(s3->secret_key);
	util_free_secret(s3->session_token);
	free(s3);
}

const char *
s3_region(const struct s3 *s3)
{
	return s3->region;
}

int
s3_list_page(struct s3 *s3, const char *bucket,
    const struct s3_list_params *lp, const char *token,
    struct s3_list_page *out, struct s3_error *err)
{
	struct xfer	*x = NULL;
	char		*q = NULL, num[24], why[128];
	int		 ret = -1, n;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
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
	if ((x = xfer_new(s3, "GET", bucket, NULL, q, S3_XML_MAX, -1)) == NULL)
		goto nomem;
	if (xfer_wait(x, err) == -1)
		goto out;
	if (s3_parse_list(x->r.body != NULL ? x->r.body : "", x->r.len, out,
	    why, sizeof(why)) == -1) {
		set_error(err, S3_EBADRESP, 0, "", why);
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	set_error(err, S3_ENOMEM, 0, "", "out of memory");
out:
	free(q);
	xfer_free(x);
	return ret;
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
	struct xfer	*x;
};

struct s3_get *
s3_get_start(struct s3 *s3, const char *bucket, const char *key,
    long long expect_size, size_t max, int spool)
{
	struct s3_get	*g;

	if ((g = malloc(sizeof(*g))) == NULL)
		return NULL;
	if ((g->x = xfer_new(s3, "GET", bucket, key, NULL, max,
	    expect_size)) == NULL) {
		free(g);
		return NULL;
	}
	if (spool && (g->x->fd = spool_tmpfile(NULL)) == -1) {
		set_error(&g->x->err, S3_ELOCAL, 0, "", "cannot create a "
		    "temporary file");
		xfer_done(g->x, -1);
		return g;
	}
	/* Start now: the engine moves it along while the caller waits. */
	xfer_launch(g->x);
	return g;
}

int
s3_get_finish(struct s3_get *g, struct s3_body *out, struct s3_error *err)
{
	int	ret = -1;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	memset(err, 0, sizeof(*err));
	if (xfer_wait(g->x, err) == -1)
		goto out;
	out->len = g->x->r.len;
	if (g->x->fd >= 0) {
		out->fd = g->x->fd;
		g->x->fd = -1;
	} else {
		if (g->x->r.body == NULL &&
		    (g->x->r.body = strdup("")) == NULL) {
			set_error(err, S3_ENOMEM, 0, "", "out of memory");
			goto out;
		}
		out->data = g->x->r.body;
		g->x->r.body = NULL;
	}
	ret = 0;
out:
	xfer_free(g->x);
	free(g);
	return ret;
}

void
s3_get_cancel(struct s3_get *g)
{
	if (g != NULL) {
		xfer_free(g->x);
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
	struct xfer	*x;
	int		 ret;

	memset(err, 0, sizeof(*err));
	if ((x = xfer_new(s3, "DELETE", bucket, key, NULL, S3_ERRBODY_MAX,
	    -1)) == NULL) {
		set_error(err, S3_ENOMEM, 0, "", "out of memory");
		return -1;
	}
	ret = xfer_wait(x, err);
	xfer_free(x);
	return ret;
}
