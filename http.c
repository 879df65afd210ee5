/* SPDX-License-Identifier: ISC */
/*
 * http.c - what every request to AWS has in common, whoever makes it: the
 * libcurl options that keep TLS verified and redirects off, SigV4 headers
 * (sigv4.c does the signing) with the -dd debug output, a blocking request
 * with a bounded answer, expat without DOCTYPEs, endpoint URLs split and
 * shown without passwords.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <expat.h>

#include "http.h"
#include "msg.h"
#include "sigv4.h"
#include "util.h"

CURL *
http_easy(const char *ca_bundle, long connect_ms)
{
	CURL	*e;

	if ((e = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_bundle != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, ca_bundle);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	return e;
}

/* ---------------------------------------------------------- headers */

struct curl_slist *
http_header(struct curl_slist *l, const char *name, const char *value,
    int *fail)
{
	struct curl_slist	*nl;
	char			*line;

	if (*fail)
		return l;
	if (asprintf(&line, "%s: %s", name, value) == -1) {
		*fail = 1;
		return l;
	}
	if ((nl = curl_slist_append(l, line)) == NULL)
		*fail = 1;
	util_free_secret(line);
	return nl != NULL ? nl : l;
}

int
http_query_add(char **q, const char *name, const char *value)
{
	char	*enc, *nq;
	int	 n;

	if ((enc = sigv4_uri_encode(value, strlen(value), 0)) == NULL)
		return -1;
	n = asprintf(&nq, "%s%s%s=%s", *q != NULL ? *q : "",
	    *q != NULL ? "&" : "", name, enc);
	util_free_secret(enc);
	if (n == -1)
		return -1;
	util_free_secret(*q);
	*q = nq;
	return 0;
}

void
http_headers_free(struct curl_slist *l)
{
	struct curl_slist	*p;

	for (p = l; p != NULL; p = p->next)
		if (p->data != NULL)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/*
 * -dd shows what was signed, which helps with SignatureDoesNotMatch; the
 * session token is a secret, so its value is left out.
 */
static void
debug_signing(const struct sigv4_output *out)
{
	static const char	 mark[] = "\nx-amz-security-token:";
	const char		*creq = out->canonical_request, *tok, *end;
	char			*shown = NULL;

	if ((tok = strstr(creq, mark)) == NULL)
		msg_block("canonical request", creq);
	else {
		tok += sizeof(mark) - 1;
		end = strchr(tok, '\n');
		if (asprintf(&shown, "%.*s(session token)%s", (int)(tok - creq),
		    creq, end != NULL ? end : "") == -1) {
			msg_oom();
			return;
		}
		msg_block("canonical request", shown);
		free(shown);
	}
	msg_block("string to sign", out->string_to_sign);
}

struct curl_slist *
http_sign(const struct http_request *rq, const struct http_keys *k,
    time_t when, int debug)
{
	struct sigv4_header	 h[HTTP_SIGNED_MAX + 4];
	struct sigv4_input	 in;
	struct sigv4_output	 out;
	struct curl_slist	*list = NULL;
	char			 date[SIGV4_AMZ_DATE_LEN + 1];
	char			 hash[SIGV4_SHA256_HEX_LEN + 1];
	size_t			 nh, i;
	int			 fail = 1;

	memset(&out, 0, sizeof(out));
	if (rq->nheaders > HTTP_SIGNED_MAX)
		goto out;
	for (nh = 0; nh < rq->nheaders; nh++)
		h[nh] = rq->headers[nh];
	if (rq->body != NULL)
		sigv4_sha256_hex(rq->body, rq->bodylen, hash);
	else
		memcpy(hash, SIGV4_EMPTY_SHA256, sizeof(hash));
	sigv4_amz_date(when, date);
	h[nh].name = "host";
	h[nh++].value = rq->host;
	if (rq->content_sha256) {
		h[nh].name = "x-amz-content-sha256";
		h[nh++].value = hash;
	}
	h[nh].name = "x-amz-date";
	h[nh++].value = date;
	if (k->session_token != NULL) {
		h[nh].name = "x-amz-security-token";
		h[nh++].value = k->session_token;
	}
	memset(&in, 0, sizeof(in));
	/* STS signs "/" the same either way; SQS needs the generic rules. */
	in.rules = strcmp(rq->service, "s3") == 0 ? SIGV4_RULES_S3 :
	    SIGV4_RULES_GENERIC;
	in.method = rq->method;
	in.path = rq->path;
	in.query = rq->query;
	in.headers = h;
	in.nheaders = nh;
	in.payload_hash = hash;
	in.access_key = k->access_key;
	in.secret_key = k->secret_key;
	in.region = rq->region;
	in.service = rq->service;
	in.when = when;
	if (sigv4_sign(&in, &out) == -1)
		goto out;
	if (debug > 1)
		debug_signing(&out);
	fail = 0;
	for (i = 0; i < nh; i++)
		list = http_header(list, h[i].name, h[i].value, &fail);
	list = http_header(list, "Authorization", out.authorization, &fail);
out:
	sigv4_output_free(&out);
	if (fail) {
		http_headers_free(list);
		return NULL;
	}
	return list;
}

/* ------------------------------------------------- blocking request */

void
http_body_free(struct http_body *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->len);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_body	*b = arg;
	size_t			 n = size * nmemb;

	if (b->len + n > b->max) {
		b->overflow = 1;
		return 0;		/* aborts with CURLE_WRITE_ERROR */
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

int
http_fetch(const struct http_call *call, long *status, struct http_body *b,
    char *why, size_t whylen)
{
	CURL		*e = NULL;
	CURLcode	 cc;
	char		 err[CURL_ERROR_SIZE];
	int		 n = 0, ret = -1;

	memset(b, 0, sizeof(*b));
	*status = 0;
	why[0] = err[0] = '\0';
	if ((b->p = malloc(call->max + 1)) == NULL ||
	    (e = http_easy(call->ca_bundle, call->connect_ms)) == NULL) {
		n = snprintf(why, whylen, "out of memory");
		goto out;
	}
	b->p[0] = '\0';
	b->max = call->max;
	curl_easy_setopt(e, CURLOPT_URL, call->url);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, call->total_ms);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
	if (strcmp(call->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS,
		    call->body != NULL ? call->body : "");
		if (strcmp(call->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
			    call->method);
	}
	if ((cc = curl_easy_perform(e)) != CURLE_OK) {
		n = snprintf(why, whylen, "%s", b->overflow ? "answer too "
		    "large" : err[0] != '\0' ? err : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
out:
	/* A message cut short is still a message. */
	if (n < 0 || (size_t)n >= whylen)
		why[whylen - 1] = '\0';
	if (e != NULL)
		curl_easy_cleanup(e);
	return ret;
}

/* -------------------------------------------------------------- XML */

static void XMLCALL
refuse_doctype(void *parser, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	XML_StopParser(parser, XML_FALSE);
}

XML_Parser
http_xml_new(void *ctx)
{
	XML_Parser	p;

	if ((p = XML_ParserCreate("UTF-8")) == NULL)
		return NULL;
	XML_SetUserData(p, ctx);
	XML_UseParserAsHandlerArg(p);
	XML_SetStartDoctypeDeclHandler(p, refuse_doctype);
	return p;
}

const char *
http_xml_why(XML_Parser p)
{
	enum XML_Error	e = XML_GetErrorCode(p);

	return e == XML_ERROR_ABORTED ? "a DOCTYPE is not allowed" :
	    XML_ErrorString(e);
}

/* ------------------------------------------------------------- URLs */

const char *
http_url_mask(const char *url, char *buf, size_t len)
{
	const char	*rest = url, *sep, *at;
	size_t		 slen;
	int		 n;

	if (len == 0)
		return buf;
	/* After "scheme://" when there is one (RFC 3986's scheme chars). */
	if ((sep = strstr(url, "://")) != NULL) {
		slen = (size_t)(sep - url);
		if (slen > 0 && strspn(url, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") == slen)
			rest = sep + 3;
	}
	if ((at = strrchr(rest, '@')) == NULL)
		n = snprintf(buf, len, "%s", url);
	else
		n = snprintf(buf, len, "%.*s***%s", (int)(rest - url), url, at);
	if (n < 0)
		buf[0] = '\0';
	return buf;
}

int
http_endpoint_parse(const char *url, struct http_endpoint *out)
{
	const char	*p, *slash;
	char		 shown[HTTP_URL_SHOWN_MAX];
	size_t		 len;

	memset(out, 0, sizeof(*out));
	http_url_mask(url, shown, sizeof(shown));
	if ((p = strstr(url, "://")) == NULL) {
		msg_warn("endpoint URL %s has no scheme (http:// or https://)",
		    shown);
		return -1;
	}
	if ((size_t)(p - url) == 4 && strncasecmp(url, "http", 4) == 0)
		out->scheme = strdup("http");
	else if ((size_t)(p - url) == 5 && strncasecmp(url, "https", 5) == 0)
		out->scheme = strdup("https");
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
		http_endpoint_free(out);
		return -1;
	}
	out->host = strndup(p, len);
	/* The path prefix, without trailing slashes. */
	if (slash != NULL) {
		len = strlen(slash);
		while (len > 0 && slash[len - 1] == '/')
			len--;
		out->path = strndup(slash, len);
	} else
		out->path = strdup("");
	if (out->scheme == NULL || out->host == NULL || out->path == NULL) {
		msg_oom();
		http_endpoint_free(out);
		return -1;
	}
	return 0;
}

void
http_endpoint_free(struct http_endpoint *ep)
{
	free(ep->scheme);
	free(ep->host);
	free(ep->path);
	memset(ep, 0, sizeof(*ep));
}
