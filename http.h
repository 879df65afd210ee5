/* SPDX-License-Identifier: ISC */
/*
 * http.h - the AWS HTTP plumbing over libcurl shared by the S3, STS and
 * SQS requests: an easy handle set up the one safe way, a request's SigV4
 * headers as a curl_slist (S3's canonical rules for s3, the generic ones
 * for every other service), one blocking request with a bounded answer,
 * an expat parser that refuses a DOCTYPE, endpoint URLs split and fit to
 * print.
 */
#ifndef GETAWSLOG_HTTP_H
#define GETAWSLOG_HTTP_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>
#include <expat.h>

#include "sigv4.h"

#define HTTP_USER_AGENT		"getawslog/" GETAWSLOG_VERSION
#define HTTP_SIGNED_MAX		8	/* a request's own signed headers */
#define HTTP_URL_SHOWN_MAX	1024	/* a URL in a message, masked */

/*
 * A new easy handle: http and https only, no redirects, the TLS peer and
 * host always verified (against ca_bundle, or the system's store when
 * NULL), no signals, getawslog's User-Agent, connect_ms to connect.
 * Proxies come from the environment. NULL when libcurl cannot make one.
 */
CURL	*http_easy(const char *ca_bundle, long connect_ms);

struct http_keys {
	const char	*access_key;
	const char	*secret_key;
	const char	*session_token;	/* NULL when none */
};

/*
 * A request to sign. S3's GET: method "GET", no body, content_sha256.
 * STS: "POST", a form body and its Content-Type in headers. SQS (JSON
 * protocol): "POST" to "/", headers Content-Type
 * application/x-amz-json-1.0 and X-Amz-Target, the JSON body.
 */
struct http_request {
	const char	*method;
	const char	*host;		/* the Host header: host[:port] */
	const char	*path;		/* as on the request line, no query */
	const char	*query;		/* as sent, without '?'; NULL: none */
	const struct sigv4_header *headers; /* its own: signed and sent */
	size_t		 nheaders;	/* at most HTTP_SIGNED_MAX */
	const void	*body;		/* NULL: none (the empty payload) */
	size_t		 bodylen;
	int		 content_sha256; /* send x-amz-content-sha256 (S3) */
	const char	*region;
	const char	*service;	/* "s3", "sts", "sqs" */
};

/*
 * The request's headers, then host, x-amz-content-sha256 (when asked),
 * x-amz-date, x-amz-security-token (with a session token) and
 * Authorization, every one but the last signed with keys at time when,
 * with S3's canonical rules for service "s3" and the generic ones for any
 * other (sigv4.h).
 * debug > 1: the canonical request (the session token's value masked) and
 * the string to sign on stderr. Free the list with http_headers_free.
 * NULL when memory runs out (or too many headers).
 */
struct curl_slist	*http_sign(const struct http_request *,
			    const struct http_keys *, time_t when, int debug);

/*
 * l with "name: value" appended (the copy made for it wiped). On failure l
 * as it was and *fail set; nothing at all once *fail is set, so that a
 * list is built in a row of calls and *fail checked once.
 */
struct curl_slist	*http_header(struct curl_slist *l, const char *name,
			    const char *value, int *fail);

/*
 * Append "name=value" to a query string or form being built (*q NULL:
 * the first; "&" between), value percent-encoded as SigV4 wants it. The
 * old string and the encoded value are wiped (a form may carry a token).
 * 0, or -1 when memory runs out (*q as it was).
 */
int	 http_query_add(char **q, const char *name, const char *value);

/* Free a header list, each line wiped first (tokens, signatures). */
void	 http_headers_free(struct curl_slist *);

/* An answer: NUL-terminated, wiped when freed (it may hold keys). */
struct http_body {
	char	*p;
	size_t	 len;
	size_t	 max;		/* the longest taken */
	int	 overflow;
};
void	 http_body_free(struct http_body *);

/* One blocking request (IMDS, container agent, STS). */
struct http_call {
	const char	*method;	/* "GET", "POST", "PUT" */
	const char	*url;
	struct curl_slist *headers;
	const char	*body;		/* POST, PUT: sent as is; NULL: empty */
	const char	*ca_bundle;	/* NULL: the system's CA store */
	long		 connect_ms;
	long		 total_ms;
	size_t		 max;		/* a longer answer is an error */
};

/*
 * Make the call: the answer into out (free it with http_body_free) and its
 * HTTP status. 0, or -1 with why (no answer at all: libcurl's error text,
 * or "answer too large").
 */
int	 http_fetch(const struct http_call *, long *status,
	    struct http_body *out, char *why, size_t whylen);

/*
 * An expat parser for an AWS answer (UTF-8), NULL when out of memory.
 * Every handler gets the parser as its argument, and XML_GetUserData(it)
 * is ctx. A DOCTYPE (never in AWS's answers; refusing it stops entity
 * bombs) stops the parse. http_xml_why: after XML_Parse failed, why;
 * "a DOCTYPE is not allowed" for any XML_StopParser, so a caller that stops
 * the parse itself keeps its own reason.
 */
XML_Parser	 http_xml_new(void *ctx);
const char	*http_xml_why(XML_Parser);

/* An endpoint URL, split: "https", "host[:port]", "" or "/prefix". */
struct http_endpoint {
	char	*scheme;
	char	*host;
	char	*path;		/* without trailing slashes */
};

/*
 * Split url into out (free it with http_endpoint_free). http and https
 * only; a URL with user information, no host or a query is refused, and
 * shown without a password. 0, or -1 (printed).
 */
int	 http_endpoint_parse(const char *url, struct http_endpoint *out);
void	 http_endpoint_free(struct http_endpoint *);

/*
 * url with its user information (user:password@) shown as "***@", into buf
 * (cut to fit); returns buf. Everything up to the last '@' after the
 * scheme is masked: too much rather than a password.
 */
const char	*http_url_mask(const char *url, char *buf, size_t len);

#endif /* GETAWSLOG_HTTP_H */
