/* SPDX-License-Identifier: ISC */
/*
 * sqs.c - SQS's JSON protocol over the engine. Bodies are made and read
 * with cJSON; every answer is bounded (SQS_ANSWER_MAX), every message's
 * fields too, and a body that does not match its MD5OfBody is dropped
 * (it comes back after its visibility timeout), as botocore does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "endpoint.h"
#include "engine.h"
#include "http.h"
#include "msg.h"
#include "sqs.h"
#include "util.h"

#define SQS_ANSWER_MAX	(32 * 1024 * 1024)	/* 10 bodies of 1 MiB, escaped */
#define SQS_ERRBODY_MAX	(64 * 1024)
#define SQS_REGION_MAX	64
#define SQS_CONTENT_TYPE "application/x-amz-json-1.0"
#define SQS_RECEIVE_SLACK_MS 30000	/* a long poll's answer, past its wait */

enum call_kind {
	CALL_RECEIVE, CALL_DELETE, CALL_VISIBILITY, CALL_ATTRIBUTES
};

struct call;

struct sqs {
	struct engine	*eng;
	char		*url;		/* the queue's URL, as given */
	char		 shown[HTTP_URL_SHOWN_MAX];	/* masked */
	struct http_endpoint ep;	/* where requests go */
	char		*post_url;	/* ep's scheme://host/path/ */
	char		*post_path;	/* ep's path/ */
	char		 region[SQS_REGION_MAX];
	int		 debug;
	struct call	*calls;		/* in flight */
	size_t		 ncalls;
};

/* One request: the engine's part first. */
struct call {
	struct engine_xfer x;
	struct sqs	*q;
	struct call	*next, **prevp;
	enum call_kind	 kind;
	char		 target[48];	/* X-Amz-Target */
	char		 what[48];	/* for -dd */
	char		 query_error[128];	/* x-amzn-query-error */
	char		*body;
	size_t		 n;		/* a batch's entries */
	union {
		sqs_receive_fn	 receive;
		sqs_done_fn	 done;
		sqs_batch_fn	 batch;
	}		 cb;
	void		*arg;
};

/* ------------------------------------------------------------ URLs */

static int
region_ok(const char *r, size_t len)
{
	size_t	i;

	if (len == 0 || len >= SQS_REGION_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)r[i]) && r[i] != '-')
			return 0;
	return 1;
}

static int
ends_with(const char *s, size_t len, const char *tail, size_t *cut)
{
	size_t	tlen = strlen(tail);

	if (len < tlen || strncasecmp(s + len - tlen, tail, tlen) != 0)
		return 0;
	*cut = len - tlen;
	return 1;
}

/*
 * SQS's host names: [vpce-ID.]sqs[-fips].REGION.SUFFIX, SUFFIX
 * amazonaws.com, amazonaws.com.cn or api.aws (dual-stack), or
 * vpce.amazonaws.com after a vpce- label (an interface endpoint). The
 * region's start into *h, its length into *cut.
 */
static int
sqs_host(const char **h, size_t len, size_t *cut)
{
	static const char *const suffixes[] = { ".amazonaws.com",
	    ".amazonaws.com.cn", ".api.aws", NULL };
	const char	*p = *h, *dot;
	size_t		 i, c = 0;
	int		 vpce = 0;

	if (len > 5 && strncasecmp(p, "vpce-", 5) == 0 &&
	    (dot = memchr(p, '.', len)) != NULL) {
		vpce = 1;
		len -= (size_t)(dot + 1 - p);
		p = dot + 1;
	}
	if (len > 4 && strncasecmp(p, "sqs.", 4) == 0)
		i = 4;
	else if (len > 9 && strncasecmp(p, "sqs-fips.", 9) == 0)
		i = 9;
	else
		return 0;
	p += i;
	len -= i;
	if (vpce && !ends_with(p, len, ".vpce.amazonaws.com", &c))
		return 0;
	for (i = 0; !vpce && suffixes[i] != NULL; i++)
		if (ends_with(p, len, suffixes[i], &c))
			break;
	if ((!vpce && suffixes[i] == NULL) || memchr(p, '.', c) != NULL ||
	    !region_ok(p, c))
		return 0;
	*h = p;
	*cut = c;
	return 1;
}

int
sqs_url_region(const char *url, char *out, size_t outlen)
{
	const char	*h, *end;
	size_t		 len, cut, i;
	int		 n;

	out[0] = '\0';
	if ((h = strstr(url, "://")) == NULL)
		return 0;
	h += 3;
	end = h + strcspn(h, "/:?#");
	len = (size_t)(end - h);
	if ((len == 19 && strncasecmp(h, "queue.amazonaws.com", 19) == 0)) {
		n = snprintf(out, outlen, "us-east-1");
		return n > 0 && (size_t)n < outlen;
	}
	if (ends_with(h, len, ".queue.amazonaws.com", &cut) &&
	    memchr(h, '.', cut) == NULL && region_ok(h, cut))
		;	/* REGION.queue.amazonaws.com */
	else if (!sqs_host(&h, len, &cut))
		return 0;
	if (cut >= outlen)
		return 0;
	/* Host names are any case; region names are lower case. */
	for (i = 0; i < cut; i++)
		out[i] = (char)tolower((unsigned char)h[i]);
	out[cut] = '\0';
	return 1;
}

/* A queue URL we can use: http(s), a host, a path, nothing odd. */
static int
url_ok(const char *url, const char *shown)
{
	const char	*p;
	size_t		 i, len = strlen(url);

	if (len > SQS_URL_MAX) {
		msg_warn("--queue-url: longer than %d bytes", SQS_URL_MAX);
		return 0;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '?' ||
		    url[i] == '#') {
			msg_warn("--queue-url %s: not a queue URL (a blank, a "
			    "control byte, '?' or '#')", shown);
			return 0;
		}
	if ((strncasecmp(url, "https://", 8) != 0 &&
	    strncasecmp(url, "http://", 7) != 0) ||
	    (p = strstr(url, "://")) == NULL ||
	    strcspn(p + 3, "/") == 0 || strchr(p + 3, '/') == NULL ||
	    strchr(p + 3, '/')[1] == '\0' ||
	    memchr(p + 3, '@', strcspn(p + 3, "/")) != NULL) {
		msg_warn("--queue-url %s: not a queue URL "
		    "(https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)", shown);
		return 0;
	}
	return 1;
}

int
sqs_url_ok(const char *url)
{
	char	shown[HTTP_URL_SHOWN_MAX];

	return url_ok(url, http_url_mask(url, shown, sizeof(shown)));
}

struct sqs *
sqs_new(struct engine *eng, const struct sqs_config *cfg)
{
	struct http_endpoint	 own;
	struct sqs		*q;
	const char		*endpoint;
	char			 base[SQS_URL_MAX + 16];
	char			 host[ENDPOINT_HOST_MAX], why[160];
	int			 n;

	memset(&own, 0, sizeof(own));
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		msg_oom();
		return NULL;
	}
	q->eng = eng;
	q->debug = cfg->debug;
	http_url_mask(cfg->queue_url, q->shown, sizeof(q->shown));
	if (!url_ok(cfg->queue_url, q->shown))
		goto fail;
	if ((q->url = strdup(cfg->queue_url)) == NULL) {
		msg_oom();
		goto fail;
	}
	if (!sqs_url_region(cfg->queue_url, q->region, sizeof(q->region))) {
		n = snprintf(q->region, sizeof(q->region), "%s",
		    cfg->region != NULL ? cfg->region : "us-east-1");
		if (n < 0 || (size_t)n >= sizeof(q->region)) {
			msg_warn("region name too long");
			goto fail;
		}
	}
	endpoint = cfg->endpoint;
	if (endpoint == NULL && cfg->endpoint_flags != 0) {
		/* FIPS or dual-stack: AWS's host for the queue's region. */
		if (endpoint_host("sqs", q->region, cfg->endpoint_flags, host,
		    sizeof(host), why, sizeof(why)) == -1) {
			msg_warn("--queue-url %s: %s", q->shown, why);
			goto fail;
		}
		n = snprintf(base, sizeof(base), "https://%s", host);
		if (n < 0 || (size_t)n >= sizeof(base))
			goto fail;
		endpoint = base;
	} else if (endpoint == NULL) {
		/* The queue URL's own scheme and host. */
		if (http_endpoint_parse(cfg->queue_url, &own) == -1)
			goto fail;
		n = snprintf(base, sizeof(base), "%s://%s", own.scheme,
		    own.host);
		if (n < 0 || (size_t)n >= sizeof(base)) {
			msg_warn("--queue-url: too long");
			goto fail;
		}
		endpoint = base;
	}
	if (http_endpoint_parse(endpoint, &q->ep) == -1)
		goto fail;
	if (asprintf(&q->post_path, "%s/", q->ep.path) == -1 ||
	    asprintf(&q->post_url, "%s://%s%s", q->ep.scheme, q->ep.host,
	    q->post_path) == -1) {
		q->post_url = NULL;
		msg_oom();
		goto fail;
	}
	http_endpoint_free(&own);
	return q;
fail:
	http_endpoint_free(&own);
	sqs_free(q);
	return NULL;
}

static void	call_free(struct call *);

void
sqs_cancel(struct sqs *q)
{
	while (q->calls != NULL)
		call_free(q->calls);
}

void
sqs_free(struct sqs *q)
{
	if (q == NULL)
		return;
	sqs_cancel(q);
	http_endpoint_free(&q->ep);
	free(q->post_url);
	free(q->post_path);
	free(q->url);
	free(q);
}

size_t
sqs_busy(const struct sqs *q)
{
	return q->ncalls;
}

const char *
sqs_region(const struct sqs *q)
{
	return q->region;
}

const char *
sqs_shown(const struct sqs *q)
{
	return q->shown;
}

/* --------------------------------------------------------- answers */

void
sqs_received_free(struct sqs_received *got)
{
	size_t	i;

	for (i = 0; got->m != NULL && i < got->n; i++) {
		free(got->m[i].id);
		free(got->m[i].receipt);
		free(got->m[i].body);
	}
	free(got->m);
	memset(got, 0, sizeof(*got));
}

static const char *
string_in(const cJSON *o, const char *name, size_t max)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);
	size_t		 len;

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return NULL;
	len = strlen(v->valuestring);
	return len > 0 && len <= max ? v->valuestring : NULL;
}

/* Does body match MD5OfBody (hex)? A digest we cannot make: yes. */
static int
md5_matches(const char *body, size_t len, const char *hex)
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	char			 mine[2 * EVP_MAX_MD_SIZE + 1];

	if (EVP_Digest(body, len, md, &mdlen, EVP_md5(), NULL) != 1)
		return 1;	/* FIPS mode: no MD5 to check with */
	for (i = 0; i < mdlen; i++) {
		mine[2 * i] = digits[md[i] >> 4];
		mine[2 * i + 1] = digits[md[i] & 15];
	}
	mine[2 * mdlen] = '\0';
	return strcasecmp(mine, hex) == 0;
}

/* One message of an answer into m: 0, or -1 (dropped). */
static int
take_message(const cJSON *j, struct sqs_message *m)
{
	const cJSON	*attrs, *body;
	const char	*id, *handle, *md5, *count;
	long		 rc;

	memset(m, 0, sizeof(*m));
	body = cJSON_GetObjectItemCaseSensitive(j, "Body");
	if (!cJSON_IsObject(j) ||
	    (id = string_in(j, "MessageId", SQS_ID_MAX)) == NULL ||
	    (handle = string_in(j, "ReceiptHandle", SQS_HANDLE_MAX)) == NULL ||
	    !cJSON_IsString(body) || body->valuestring == NULL)
		return -1;
	m->bodylen = strlen(body->valuestring);
	if ((md5 = string_in(j, "MD5OfBody", 64)) != NULL &&
	    !md5_matches(body->valuestring, m->bodylen, md5))
		return -1;
	attrs = cJSON_GetObjectItemCaseSensitive(j, "Attributes");
	if (cJSON_IsObject(attrs) && (count = string_in(attrs,
	    "ApproximateReceiveCount", 20)) != NULL &&
	    util_parse_long(count, 0, 1L << 30, &rc) == 0)
		m->receive_count = rc;
	if ((m->id = strdup(id)) == NULL ||
	    (m->receipt = strdup(handle)) == NULL ||
	    (m->body = strdup(body->valuestring)) == NULL) {
		free(m->id);
		free(m->receipt);
		memset(m, 0, sizeof(*m));
		return -2;
	}
	return 0;
}

int
sqs_parse_received(const char *json, size_t len, struct sqs_received *got,
    char *why, size_t whylen)
{
	const cJSON	*msgs, *j;
	cJSON		*root;
	const char	*w = NULL;
	int		 rc, n;

	memset(got, 0, sizeof(*got));
	if ((root = cJSON_ParseWithLength(json, len)) == NULL) {
		w = "the answer is not JSON";
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		w = "the answer is not a JSON object";
		goto out;
	}
	msgs = cJSON_GetObjectItemCaseSensitive(root, "Messages");
	if (msgs == NULL || cJSON_IsNull(msgs))
		goto out;
	if (!cJSON_IsArray(msgs)) {
		w = "Messages is not a list";
		goto out;
	}
	if ((got->m = calloc(SQS_BATCH_MAX, sizeof(*got->m))) == NULL) {
		w = "out of memory";
		goto out;
	}
	cJSON_ArrayForEach(j, msgs) {
		/* More than asked for: they come back. */
		if (got->n == SQS_BATCH_MAX ||
		    (rc = take_message(j, &got->m[got->n])) == -1)
			got->dropped++;
		else if (rc == -2) {
			w = "out of memory";
			goto out;
		} else
			got->n++;
	}
out:
	cJSON_Delete(root);
	if (w != NULL) {
		sqs_received_free(got);
		n = snprintf(why, whylen, "%s", w);
		if (n < 0 || (size_t)n >= whylen)
			why[whylen - 1] = '\0';
		return -1;
	}
	return 0;
}

/* The entries a batch answer says failed, by Id ("0".."9"). */
static int
batch_failed(const char *json, size_t len, int *failed, size_t n)
{
	const cJSON	*list, *e, *id;
	cJSON		*root;
	long		 i;
	int		 ret = -1;

	if ((root = cJSON_ParseWithLength(json, len)) == NULL ||
	    !cJSON_IsObject(root))
		goto out;
	list = cJSON_GetObjectItemCaseSensitive(root, "Failed");
	cJSON_ArrayForEach(e, list) {
		id = cJSON_GetObjectItemCaseSensitive(e, "Id");
		if (cJSON_IsString(id) && id->valuestring != NULL &&
		    util_parse_long(id->valuestring, 0, (long)n - 1, &i) == 0)
			failed[i] = 1;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

/* -------------------------------------------------------- requests */

static int
call_prepare(struct engine_xfer *x)
{
	struct call		*c = x->owner;
	struct sqs		*q = c->q;
	struct http_request	 hr;
	struct sigv4_header	 h[2];

	c->query_error[0] = '\0';
	h[0].name = "Content-Type";
	h[0].value = SQS_CONTENT_TYPE;
	h[1].name = "X-Amz-Target";
	h[1].value = c->target;
	memset(&hr, 0, sizeof(hr));
	hr.method = "POST";
	hr.host = q->ep.host;
	hr.path = q->post_path;
	hr.headers = h;
	hr.nheaders = 2;
	hr.body = c->body;
	hr.bodylen = strlen(c->body);
	hr.region = q->region;
	hr.service = "sqs";
	if ((x->url = strdup(q->post_url)) == NULL)
		return -1;
	return (x->hdrs = engine_sign(q->eng, &hr)) == NULL ? -1 : 0;
}

static void
call_header(struct engine_xfer *x, const char *line, size_t len)
{
	struct call	*c = x->owner;

	(void)engine_header_value(line, len, "x-amzn-query-error",
	    c->query_error, sizeof(c->query_error));
}

/*
 * SQS's error: {"__type": "com.amazonaws.sqs#QueueDoesNotExist",
 * "message": ...}, and x-amzn-query-error "CODE;Sender" (or ";Receiver":
 * SQS's own fault, transient).
 */
static enum engine_verdict
call_failed(struct engine_xfer *x)
{
	struct call	*c = x->owner;
	struct s3_error	*err = &x->err;
	const char	*semi;
	char		 qcode[sizeof(c->query_error)], msg[32];
	int		 n;

	if (x->r.len <= SQS_ERRBODY_MAX)
		engine_json_error(err, x->r.body, x->r.len);
	memcpy(qcode, c->query_error, sizeof(qcode));
	if ((semi = strchr(qcode, ';')) != NULL) {
		if (strcmp(semi, ";Receiver") == 0)
			err->transient = 1;
		qcode[semi - qcode] = '\0';
	}
	if (err->code[0] == '\0' && qcode[0] != '\0')
		engine_set_error(err, S3_EHTTP, err->transient, qcode,
		    err->message);
	if (err->code[0] == '\0') {
		n = snprintf(msg, sizeof(msg), "HTTP %ld", x->r.status);
		engine_set_error(err, S3_EHTTP, err->transient, n > 0 ? msg :
		    "HTTP error", err->message);
	}
	return ENGINE_FAIL;
}

static const struct engine_ops call_ops = {
	call_prepare, call_header, call_failed
};

static void	call_done(struct engine_xfer *);

/* A request with body (taken), ready to start. NULL out of memory. */
static struct call *
call_new(struct sqs *q, enum call_kind kind, const char *action,
    char *body)
{
	struct call	*c;
	int		 n;

	if (body == NULL || (c = calloc(1, sizeof(*c))) == NULL) {
		cJSON_free(body);
		msg_oom();
		return NULL;
	}
	engine_xfer_init(&c->x, q->eng, &call_ops, c);
	c->q = q;
	c->kind = kind;
	c->body = body;
	n = snprintf(c->target, sizeof(c->target), "AmazonSQS.%s", action);
	if (n < 0 || (size_t)n >= sizeof(c->target))
		c->target[0] = '\0';
	n = snprintf(c->what, sizeof(c->what), "SQS %s", action);
	if (n < 0 || (size_t)n >= sizeof(c->what))
		c->what[0] = '\0';
	c->x.method = "POST";
	c->x.what = c->what;
	c->x.post = c->body;
	c->x.postlen = strlen(c->body);
	c->x.max = kind == CALL_RECEIVE ? SQS_ANSWER_MAX : SQS_ERRBODY_MAX;
	c->x.done = call_done;
	return c;
}

static void
call_start(struct call *c)
{
	struct sqs	*q = c->q;

	c->next = q->calls;
	if (q->calls != NULL)
		q->calls->prevp = &c->next;
	c->prevp = &q->calls;
	q->calls = c;
	q->ncalls++;
	engine_start(&c->x);
}

static void
call_free(struct call *c)
{
	if (c->prevp != NULL) {
		if ((*c->prevp = c->next) != NULL)
			c->next->prevp = c->prevp;
		c->q->ncalls--;
	}
	engine_xfer_clear(&c->x);
	cJSON_free(c->body);
	free(c);
}

/* The engine says a request is over: tell its owner. */
static void
call_done(struct engine_xfer *x)
{
	struct call		*c = x->owner;
	struct sqs_received	 got;
	struct s3_error		 err = x->err;
	int			 failed[SQS_BATCH_MAX], rc = x->rc;
	char			 why[128];

	memset(&got, 0, sizeof(got));
	memset(failed, 0, sizeof(failed));
	switch (c->kind) {
	case CALL_RECEIVE:
		if (rc == 0 && sqs_parse_received(x->r.body != NULL ?
		    x->r.body : "{}", x->r.body != NULL ? x->r.len : 2, &got,
		    why, sizeof(why)) == -1) {
			rc = -1;
			engine_set_error(&err, S3_EBADRESP, 1, "", why);
		}
		c->cb.receive(c->arg, rc, &got, &err);
		sqs_received_free(&got);
		break;
	case CALL_DELETE:
	case CALL_ATTRIBUTES:
		c->cb.done(c->arg, rc, &err);
		break;
	case CALL_VISIBILITY:
		if (rc == 0 && batch_failed(x->r.body != NULL ? x->r.body :
		    "{}", x->r.body != NULL ? x->r.len : 2, failed,
		    c->n) == -1) {
			rc = -1;
			engine_set_error(&err, S3_EBADRESP, 1, "", "the answer "
			    "is not JSON");
		}
		c->cb.batch(c->arg, rc, failed, c->n, &err);
		break;
	}
	call_free(c);
}

/* {"QueueUrl": ...}, the start of every request's body. */
static cJSON *
body_new(const struct sqs *q)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "QueueUrl", q->url) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static char *
body_done(cJSON *o, int fail)
{
	char	*s = NULL;

	if (o != NULL && !fail)
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

int
sqs_receive(struct sqs *q, int max, int visibility, int wait, int final,
    sqs_receive_fn fn, void *arg)
{
	struct call	*c;
	cJSON		*o, *names;
	int		 fail = 0;

	if ((o = body_new(q)) == NULL ||
	    cJSON_AddNumberToObject(o, "MaxNumberOfMessages", max) == NULL ||
	    cJSON_AddNumberToObject(o, "VisibilityTimeout", visibility) ==
	    NULL ||
	    cJSON_AddNumberToObject(o, "WaitTimeSeconds", wait) == NULL ||
	    (names = cJSON_AddArrayToObject(o, "MessageSystemAttributeNames")) ==
	    NULL || !cJSON_AddItemToArray(names,
	    cJSON_CreateString("ApproximateReceiveCount")))
		fail = 1;
	if ((c = call_new(q, CALL_RECEIVE, "ReceiveMessage",
	    body_done(o, fail))) == NULL)
		return -1;
	c->cb.receive = fn;
	c->arg = arg;
	c->x.timeout_ms = (long)wait * 1000 + SQS_RECEIVE_SLACK_MS;
	c->x.final = final;
	call_start(c);
	return 0;
}

/*
 * Start a call of action with the body o (fail: it could not be made)
 * whose answer is only done or failed, told to fn.
 */
static int
start_done(struct sqs *q, enum call_kind kind, const char *action, cJSON *o,
    int fail, sqs_done_fn fn, void *arg)
{
	struct call	*c;

	if ((c = call_new(q, kind, action, body_done(o, fail))) == NULL)
		return -1;
	c->cb.done = fn;
	c->arg = arg;
	call_start(c);
	return 0;
}

int
sqs_delete(struct sqs *q, const char *receipt, sqs_done_fn fn, void *arg)
{
	cJSON		*o;
	int		 fail = 0;

	if ((o = body_new(q)) == NULL ||
	    cJSON_AddStringToObject(o, "ReceiptHandle", receipt) == NULL)
		fail = 1;
	return start_done(q, CALL_DELETE, "DeleteMessage", o, fail, fn, arg);
}

int
sqs_attributes(struct sqs *q, sqs_done_fn fn, void *arg)
{
	cJSON		*o, *names;
	int		 fail = 0;

	if ((o = body_new(q)) == NULL ||
	    (names = cJSON_AddArrayToObject(o, "AttributeNames")) == NULL ||
	    !cJSON_AddItemToArray(names, cJSON_CreateString("QueueArn")))
		fail = 1;
	return start_done(q, CALL_ATTRIBUTES, "GetQueueAttributes", o, fail,
	    fn, arg);
}

int
sqs_visibility(struct sqs *q, const char *const *receipts, size_t n,
    int timeout, int final, sqs_batch_fn fn, void *arg)
{
	struct call	*c;
	cJSON		*o, *list, *e;
	char		 id[4];
	size_t		 i;
	int		 fail = 0;

	if (n == 0 || n > SQS_BATCH_MAX)
		return -1;
	if ((o = body_new(q)) == NULL ||
	    (list = cJSON_AddArrayToObject(o, "Entries")) == NULL)
		fail = 1;
	for (i = 0; i < n && !fail; i++) {
		(void)snprintf(id, sizeof(id), "%zu", i);
		if ((e = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(list, e) ||
		    cJSON_AddStringToObject(e, "Id", id) == NULL ||
		    cJSON_AddStringToObject(e, "ReceiptHandle", receipts[i]) ==
		    NULL ||
		    cJSON_AddNumberToObject(e, "VisibilityTimeout", timeout) ==
		    NULL)
			fail = 1;
	}
	if ((c = call_new(q, CALL_VISIBILITY, "ChangeMessageVisibilityBatch",
	    body_done(o, fail))) == NULL)
		return -1;
	c->cb.batch = fn;
	c->arg = arg;
	c->n = n;
	if (final) {
		c->x.final = 1;
		c->x.timeout_ms = ENGINE_FINAL_MS;
	}
	call_start(c);
	return 0;
}
