/* SPDX-License-Identifier: ISC */
/*
 * engine.c - the requests of a run on one curl multi handle, so that
 * GETs run concurrently and share connections, and a request made while
 * others are in flight moves them along too. A request that fails
 * transiently waits (retry_at) and is signed again before its next
 * attempt; timers and the callbacks of finished requests run from the
 * same loop, never from inside libcurl.
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
#include <cjson/cJSON.h>

#include "engine.h"
#include "http.h"
#include "msg.h"
#include "util.h"

#define ENGINE_BACKOFF_CAP_MS	20000	/* botocore's standard mode cap */
#define ENGINE_RETRY_AFTER_CAP_MS 60000
#define ENGINE_AGAINS_MAX	2	/* region switches per request */
#define ENGINE_POOL_MAX		64	/* idle easy handles kept */
#define ENGINE_CONNECTIONS_MAX	160	/* -J 128 and the walk's 32 listings */
#define ENGINE_LOW_SPEED_S	60L	/* below 1 byte/s this long */
#define ENGINE_BODY_FIRST	16384	/* a body's first allocation */

struct engine {
	CURLM		*multi;
	CURL		*pool[ENGINE_POOL_MAX];	/* idle easy handles */
	int		 npool;
	struct engine_xfer *xfers;	/* unfinished requests */
	struct engine_xfer *finished, **finished_tail;	/* done, callback
					   not yet run, in order */
	struct engine_timer *timers;
	char		*ca_bundle;
	char		*access_key, *secret_key, *session_token;
	time_t		 expires;	/* 0: never */
	time_t		 refresh_after;	/* a failed refresh: not before */
	engine_refresh_fn refresh;
	void		*refresh_arg;
	int		 max_attempts;
	int		 debug;
	volatile sig_atomic_t *interrupted;
	uint64_t	 rng;		/* the retry jitter's state */
};

void
engine_set_error(struct s3_error *err, enum s3_status st, int transient,
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

/*
 * An AWS JSON-protocol error body, {"__type": "...#Code", "message": ...}
 * ("Message" too), into err when it is a JSON object; else err unchanged.
 */
void
engine_json_error(struct s3_error *err, const char *body, size_t len)
{
	const cJSON	*t, *m;
	cJSON		*root;
	const char	*code = "", *hash;

	if (body == NULL || (root = cJSON_ParseWithLength(body, len)) == NULL)
		return;
	if (cJSON_IsObject(root)) {
		t = cJSON_GetObjectItemCaseSensitive(root, "__type");
		if ((m = cJSON_GetObjectItemCaseSensitive(root,
		    "message")) == NULL)
			m = cJSON_GetObjectItemCaseSensitive(root, "Message");
		if (cJSON_IsString(t) && t->valuestring != NULL)
			code = (hash = strrchr(t->valuestring, '#')) != NULL ?
			    hash + 1 : t->valuestring;
		engine_set_error(err, S3_EHTTP, 0, code,
		    cJSON_IsString(m) && m->valuestring != NULL ?
		    m->valuestring : "");
	}
	cJSON_Delete(root);
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

static int
interrupted(const struct engine *e)
{
	return e->interrupted != NULL && *e->interrupted;
}

/* ------------------------------------------------------------- keys */

/* New temporary keys when the ones in hand are about to expire. */
static void
keys_fresh(struct engine *e)
{
	char	*ak = NULL, *sk = NULL, *tok = NULL;
	time_t	 now = time(NULL), exp = 0;

	if (e->refresh == NULL || e->expires == 0 ||
	    now + ENGINE_REFRESH_MARGIN < e->expires || now < e->refresh_after)
		return;
	if (e->refresh(e->refresh_arg, &ak, &sk, &tok, &exp) == -1 ||
	    ak == NULL || sk == NULL) {
		util_free_secret(ak);
		util_free_secret(sk);
		util_free_secret(tok);
		e->refresh_after = now + ENGINE_REFRESH_RETRY;
		return;
	}
	util_free_secret(e->access_key);
	util_free_secret(e->secret_key);
	util_free_secret(e->session_token);
	e->access_key = ak;
	e->secret_key = sk;
	e->session_token = tok;
	e->expires = exp;
}

struct curl_slist *
engine_sign(struct engine *e, const struct http_request *rq)
{
	struct http_keys	k;

	keys_fresh(e);
	k.access_key = e->access_key;
	k.secret_key = e->secret_key;
	k.session_token = e->session_token;
	return http_sign(rq, &k, time(NULL), e->debug);
}

/* ------------------------------------------------------- classifying */

static int
code_is_transient(const char *code)
{
	static const char *const codes[] = {
		"SlowDown", "RequestTimeout", "InternalError",
		"ServiceUnavailable", "Throttling", "ThrottlingException",
		"RequestLimitExceeded", "RequestThrottled", "InternalFailure",
		"ServiceUnavailableException", "KmsThrottled", NULL
	};
	size_t	i;

	for (i = 0; codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
status_is_transient(long status)
{
	return status == 429 || status == 500 || status == 502 ||
	    status == 503 || status == 504;
}

static int
code_is_expired(const char *code)
{
	return strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "ExpiredTokenException") == 0 ||
	    strcmp(code, "TokenRefreshRequired") == 0;
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

/* ------------------------------------------------------ the answer */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct engine_resp	*r = &((struct engine_xfer *)arg)->r;
	size_t			 n = size * nmemb, ncap, off;
	ssize_t			 w;
	char			*p;

	if (r->len + n > r->max) {
		r->overflow = 1;
		return 0;		/* aborts with CURLE_WRITE_ERROR */
	}
	if (r->fd >= 0) {
		for (off = 0; off < n; off += (size_t)w)
			if ((w = write(r->fd, data + off, n - off)) == -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				r->spool_errno = errno;
				return 0;
			}
		r->len += n;
		return n;
	}
	if (r->len + n + 1 > r->cap) {
		ncap = r->cap ? r->cap : ENGINE_BODY_FIRST;
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

int
engine_header_value(const char *line, size_t len, const char *name,
    char *out, size_t outlen)
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
	struct engine_xfer	*x = arg;
	struct engine_resp	*r = &x->r;
	size_t			 n = size * nmemb;
	char			 v[64], *end;
	long long		 ll;

	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue, say). */
		r->content_length = -1;
		r->hstatus = 0;
		if ((end = memchr(data, ' ', n)) != NULL &&
		    (size_t)(end - data) + 4 <= n)
			r->hstatus = (int)strtol(end + 1, NULL, 10);
		r->retry_after_ms = -1;
		return n;
	}
	if (engine_header_value(data, n, "content-length", v, sizeof(v))) {
		if (util_parse_llong(v, 0, LLONG_MAX, &ll) == 0)
			r->content_length = ll;
		/*
		 * Refuse a body announced larger than the limit, or (2xx)
		 * of another length than wanted, before it is downloaded.
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
	} else if (engine_header_value(data, n, "retry-after", v, sizeof(v))) {
		if (util_parse_llong(v, 0, ENGINE_RETRY_AFTER_CAP_MS / 1000,
		    &ll) == 0)
			r->retry_after_ms = (long)ll * 1000;
	}
	if (x->ops->header != NULL)
		x->ops->header(x, data, n);
	return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct engine_xfer	*x = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return !x->final && interrupted(x->eng);
}

/* --------------------------------------------------------- backoff */

/*
 * The retry jitter's own generator (splitmix64), seeded in engine_new:
 * nothing else's use of random() or srandom() changes it, and it needs
 * nobody's.
 */
static uint64_t
rng_next(struct engine *e)
{
	uint64_t	z = (e->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct engine *e)
{
	struct timespec	ts;

	if (getrandom(&e->rng, sizeof(e->rng), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(e->rng))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	e->rng = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	e->rng ^= (uint64_t)getpid() << 32;
}

/* Full jitter: uniform in [0, min(cap, 2^attempt s)). */
static long
backoff_ms(struct engine *e, int attempt)
{
	long	ceiling = 1000L << (attempt < 5 ? attempt : 5);

	if (ceiling > ENGINE_BACKOFF_CAP_MS)
		ceiling = ENGINE_BACKOFF_CAP_MS;
	/* 53 random bits as a fraction in [0, 1). */
	return (long)((double)(rng_next(e) >> 11) * 0x1.0p-53 * ceiling);
}

/* ------------------------------------------------------- transfers */

static CURL *
easy_get(struct engine *e)
{
	CURL	*c;

	if (e->npool > 0)
		return e->pool[--e->npool];
	if ((c = http_easy(e->ca_bundle, ENGINE_CONNECT_MS)) == NULL)
		return NULL;
	/* Keys may hold "/../" or "/./": send them, never fold them. */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	/* A transfer slower than 1 byte/s for 60 s is dead. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, ENGINE_LOW_SPEED_S);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	return c;
}

static void
easy_put(struct engine *e, CURL *c)
{
	if (e->npool < ENGINE_POOL_MAX)
		e->pool[e->npool++] = c;
	else
		curl_easy_cleanup(c);
}

/* The attempt's handle, URL and headers let go. */
static void
xfer_release(struct engine_xfer *x)
{
	if (x->easy != NULL) {
		curl_multi_remove_handle(x->eng->multi, x->easy);
		easy_put(x->eng, x->easy);
		x->easy = NULL;
	}
	http_headers_free(x->hdrs);
	x->hdrs = NULL;
	free(x->url);
	x->url = NULL;
}

static void
xfer_unlink(struct engine_xfer *x)
{
	struct engine_xfer	**pp;

	for (pp = &x->eng->xfers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	x->next = NULL;
}

/*
 * Done: its callback (if any) runs from the loop's safe point, after the
 * list of transfers is no longer being walked.
 */
static void
xfer_finish(struct engine_xfer *x, int rc)
{
	struct engine	*e = x->eng;

	xfer_release(x);
	xfer_unlink(x);
	x->state = ENGINE_XF_DONE;
	x->rc = rc;
	if (x->done == NULL)
		return;
	if (e->finished == NULL)
		e->finished_tail = &e->finished;
	*e->finished_tail = x;
	e->finished_tail = &x->next;
}

static void
run_callbacks(struct engine *e)
{
	struct engine_xfer	*x;

	/* Each taken off first: a callback may free it, or finish others. */
	while ((x = e->finished) != NULL) {
		if ((e->finished = x->next) == NULL)
			e->finished_tail = &e->finished;
		x->next = NULL;
		x->done(x);
	}
}

/* Sign and start one attempt. */
static void
xfer_launch(struct engine_xfer *x)
{
	struct engine	*e = x->eng;
	struct engine_resp *r = &x->r;

	free(r->body);
	memset(r, 0, sizeof(*r));
	r->fd = x->fd;
	if (x->fd >= 0 && (ftruncate(x->fd, 0) == -1 ||
	    lseek(x->fd, 0, SEEK_SET) == -1)) {
		engine_set_error(&x->err, S3_ELOCAL, 0, "", strerror(errno));
		goto fail;
	}
	r->max = x->max;
	/* The length wanted: one allocation instead of doubling and copying. */
	if (x->fd < 0 && x->expect_size > 0 &&
	    (unsigned long long)x->expect_size < x->max &&
	    (r->body = malloc((size_t)x->expect_size + 1)) != NULL)
		r->cap = (size_t)x->expect_size + 1;
	r->content_length = -1;
	r->expect = x->expect_size;
	r->bad_length = -1;
	r->retry_after_ms = -1;
	r->wait_us = -1;
	if (x->ops->prepare(x) == -1 || (x->easy = easy_get(e)) == NULL) {
		engine_set_error(&x->err, S3_ENOMEM, 0, "", "out of memory");
		goto fail;
	}
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	if (x->post != NULL) {
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE,
		    (long)x->postlen);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->post);
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, NULL);
	} else {
		curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST,
		    strcmp(x->method, "GET") == 0 ? NULL : x->method);
	}
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->curlerr);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	x->curlerr[0] = '\0';
	if (curl_multi_add_handle(e->multi, x->easy) != CURLM_OK) {
		engine_set_error(&x->err, S3_ENOMEM, 0, "", "cannot add a "
		    "transfer");
		goto fail;
	}
	x->state = ENGINE_XF_RUN;
	return;
fail:
	xfer_finish(x, -1);
}

/* An error answer: the owner's reading of it, then what is transient. */
static enum engine_verdict
answer_error(struct engine_xfer *x)
{
	struct engine	*e = x->eng;
	struct s3_error	*err = &x->err;
	enum engine_verdict v;

	v = x->ops->failed(x);
	err->status = S3_EHTTP;
	err->http_status = x->r.status;
	if (status_is_transient(x->r.status) || code_is_transient(err->code))
		err->transient = 1;
	/*
	 * Temporary keys that expired before we thought (a clock off, a
	 * revoked session): fetch new ones, try again.
	 */
	if (e->refresh != NULL && e->expires != 0 &&
	    code_is_expired(err->code)) {
		e->expires = 1;
		e->refresh_after = 0;
		err->transient = 1;
	}
	return v;
}

/*
 * The outcome of a finished attempt, into x->err: 0 when it succeeded;
 * else 1, with *v what the owner said of an error answer.
 */
static int
attempt_failed(struct engine_xfer *x, CURLcode cc, enum engine_verdict *v)
{
	struct engine_resp *r = &x->r;
	struct s3_error	*err = &x->err;
	char		 msg[160];
	int		 n;

	memset(err, 0, sizeof(*err));
	err->http_status = r->status;
	*v = ENGINE_FAIL;
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		engine_set_error(err, S3_EINTR, 0, "", "interrupted");
	else if (cc == CURLE_WRITE_ERROR && r->overflow) {
		n = snprintf(msg, sizeof(msg), "response larger than %zu bytes",
		    r->max);
		engine_set_error(err, S3_ELIMIT, 0, "", n > 0 ? msg :
		    "too large");
	} else if (cc == CURLE_WRITE_ERROR && r->spool_errno != 0) {
		n = snprintf(msg, sizeof(msg), "temporary file: %s",
		    strerror(r->spool_errno));
		engine_set_error(err, S3_ELOCAL, 0, "", n > 0 ? msg :
		    "spool error");
	} else if (cc == CURLE_WRITE_ERROR && r->bad_length >= 0) {
		/* As a body of the wrong length below: S3 may be mid-update. */
		n = snprintf(msg, sizeof(msg), "Content-Length %lld, the "
		    "listing said %lld", r->bad_length, x->expect_size);
		engine_set_error(err, S3_EBADRESP, 1, "", n > 0 &&
		    (size_t)n < sizeof(msg) ? msg : "bad Content-Length");
	} else if (cc != CURLE_OK)
		engine_set_error(err, S3_ENET, curl_is_transient(cc), "",
		    x->curlerr[0] != '\0' ? x->curlerr : curl_easy_strerror(cc));
	else if (r->status >= 200 && r->status < 300) {
		if (r->content_length >= 0 &&
		    (unsigned long long)r->content_length != r->len)
			/* libcurl checks this too; a short body is transient. */
			engine_set_error(err, S3_ENET, 1, "", "response body "
			    "cut short");
		else if (x->expect_size >= 0 &&
		    (unsigned long long)x->expect_size != r->len) {
			n = snprintf(msg, sizeof(msg), "got %zu bytes, the "
			    "listing said %lld", r->len, x->expect_size);
			engine_set_error(err, S3_EBADRESP, 1, "", n > 0 ? msg :
			    "bad length");
		} else
			return 0;
	} else
		*v = answer_error(x);
	return 1;
}

/*
 * How long the answer took to come, from the transfer's start to the
 * answer's first byte, less a new connection's set-up (TCP, TLS): the
 * store's latency and queueing, without the body's transfer. -1
 * unknown. (libcurl's PRETRANSFER time is no start: it is taken once
 * the request is sent and the transfer moves on, which may be when its
 * answer is read.)
 */
static long long
wait_of(CURL *c)
{
	curl_off_t	conn, app, first;

	if (curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &conn) !=
	    CURLE_OK || curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T,
	    &app) != CURLE_OK || curl_easy_getinfo(c,
	    CURLINFO_STARTTRANSFER_TIME_T, &first) != CURLE_OK)
		return -1;
	if (app > conn)
		conn = app;
	return first > 0 && first >= conn ? (long long)(first - conn) : -1;
}

/*
 * A finished attempt: done (ok or not), or wait for another (at once for
 * a region switch, later for a transient failure with attempts left).
 */
static void
xfer_finished(struct engine_xfer *x, CURLcode cc)
{
	struct engine	*e = x->eng;
	enum engine_verdict v;
	long		 ms;
	char		 why[640];

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->r.status);
	x->r.wait_us = wait_of(x->easy);
	xfer_release(x);
	if (attempt_failed(x, cc, &v) == 0) {
		xfer_finish(x, 0);
		return;
	}
	if (v == ENGINE_AGAIN && x->agains++ < ENGINE_AGAINS_MAX) {
		x->state = ENGINE_XF_WAIT;
		x->retry_at = 0;
		return;
	}
	if (!x->err.transient || x->attempt >= e->max_attempts ||
	    interrupted(e)) {
		xfer_finish(x, -1);
		return;
	}
	ms = backoff_ms(e, x->attempt);
	if (x->r.retry_after_ms > ms)
		ms = x->r.retry_after_ms;
	if (e->debug > 1)
		msg_warn("%s: %s; retrying in %ld ms", x->what != NULL ?
		    x->what : x->method, s3_strerror(&x->err, why,
		    sizeof(why)), ms);
	x->attempt++;
	x->state = ENGINE_XF_WAIT;
	x->retry_at = util_mono_ms() + ms;
}

/* ----------------------------------------------------------- timers */

void
engine_timer_set(struct engine *e, struct engine_timer *t, long long at,
    void (*fn)(void *), void *arg)
{
	engine_timer_stop(e, t);
	t->at = at;
	t->fn = fn;
	t->arg = arg;
	t->armed = 1;
	t->next = e->timers;
	e->timers = t;
}

void
engine_timer_stop(struct engine *e, struct engine_timer *t)
{
	struct engine_timer	**pp;

	if (!t->armed)
		return;
	for (pp = &e->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = 0;
	t->next = NULL;
}

/* Fire the due timers (each may set or stop any); the next one's time. */
static long long
run_timers(struct engine *e, long long next)
{
	struct engine_timer	*t;
	long long		 now;

	for (;;) {
		now = util_mono_ms();
		for (t = e->timers; t != NULL && t->at > now; t = t->next)
			continue;
		if (t == NULL)
			break;
		engine_timer_stop(e, t);
		t->fn(t->arg);
	}
	for (t = e->timers; t != NULL; t = t->next)
		if (t->at < next)
			next = t->at;
	return next;
}

/* ------------------------------------------------------------- loop */

/* Collect what libcurl finished; 1 if anything did. */
static int
collect(struct engine *e)
{
	struct engine_xfer	*x;
	CURLMsg			*m;
	int			 running, left, any = 0;

	curl_multi_perform(e->multi, &running);
	while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x);
		if (x != NULL) {
			xfer_finished(x, m->data.result);
			any = 1;
		}
	}
	return any;
}

void
engine_step(struct engine *e, long ms)
{
	struct engine_xfer	*x, *nx;
	long long		 now, next;
	int			 any = 0;

	now = util_mono_ms();
	next = run_timers(e, now + ms);
	now = util_mono_ms();
	for (x = e->xfers; x != NULL; x = nx) {
		nx = x->next;
		if (x->state != ENGINE_XF_WAIT)
			continue;
		if (interrupted(e) && !x->final) {
			engine_set_error(&x->err, S3_EINTR, 0, "",
			    "interrupted");
			xfer_finish(x, -1);
			any = 1;
		} else if (x->retry_at <= now)
			xfer_launch(x);
		else if (x->retry_at < next)
			next = x->retry_at;
	}
	any |= collect(e);
	if (!any && e->finished == NULL) {
		now = util_mono_ms();
		if (next - now > ms)
			next = now + ms;
		curl_multi_poll(e->multi, NULL, 0, next > now ?
		    (int)(next - now) : 0, NULL);
		collect(e);
	}
	run_callbacks(e);
}

int
engine_wait(struct engine_xfer *x)
{
	while (x->state != ENGINE_XF_DONE)
		engine_step(x->eng, 1000);
	return x->rc;
}

void
engine_fail(struct engine_xfer *x, enum s3_status st, const char *why)
{
	engine_set_error(&x->err, st, 0, "", why);
	x->state = ENGINE_XF_DONE;
	x->rc = -1;
}

int
engine_done(const struct engine_xfer *x)
{
	return x->state == ENGINE_XF_DONE;
}

void
engine_xfer_init(struct engine_xfer *x, struct engine *e,
    const struct engine_ops *ops, void *owner)
{
	memset(x, 0, sizeof(*x));
	x->eng = e;
	x->ops = ops;
	x->owner = owner;
	x->method = "GET";
	x->max = SIZE_MAX;
	x->expect_size = -1;
	x->fd = -1;
	x->attempt = 1;
	x->state = ENGINE_XF_IDLE;
}

void
engine_start(struct engine_xfer *x)
{
	struct engine	*e = x->eng;

	x->state = ENGINE_XF_WAIT;
	x->next = e->xfers;
	e->xfers = x;
	if (interrupted(e) && !x->final) {
		engine_set_error(&x->err, S3_EINTR, 0, "", "interrupted");
		xfer_finish(x, -1);
		return;
	}
	/* Start now: the engine moves it along while the caller goes on. */
	xfer_launch(x);
}

void
engine_cancel(struct engine_xfer *x)
{
	struct engine		*e = x->eng;
	struct engine_xfer	**pp;

	if (x->state == ENGINE_XF_WAIT || x->state == ENGINE_XF_RUN) {
		xfer_release(x);
		xfer_unlink(x);
		x->state = ENGINE_XF_DONE;
		x->rc = -1;
		engine_set_error(&x->err, S3_EINTR, 0, "", "cancelled");
		return;
	}
	/* Finished but not yet told: not told. */
	for (pp = &e->finished; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			if ((*pp = x->next) == NULL)
				e->finished_tail = pp;
			x->next = NULL;
			break;
		}
}

void
engine_xfer_clear(struct engine_xfer *x)
{
	engine_cancel(x);
	free(x->r.body);
	x->r.body = NULL;
	x->r.len = x->r.cap = 0;
	if (x->fd != -1)
		close(x->fd);
	x->fd = -1;
}

/* ------------------------------------------------------------- API */

static char *
dup_or_null(const char *s, int *fail)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

struct engine *
engine_new(const struct engine_config *cfg)
{
	struct engine	*e;
	int		 fail = 0;
	long		 conns;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		msg_oom();
		return NULL;
	}
	rng_seed(e);
	e->access_key = dup_or_null(cfg->access_key, &fail);
	e->secret_key = dup_or_null(cfg->secret_key, &fail);
	e->session_token = dup_or_null(cfg->session_token, &fail);
	e->ca_bundle = dup_or_null(cfg->ca_bundle, &fail);
	e->expires = cfg->expires;
	e->refresh = cfg->refresh;
	e->refresh_arg = cfg->refresh_arg;
	e->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 1;
	e->debug = cfg->debug;
	e->interrupted = cfg->interrupted;
	if (fail) {
		msg_oom();
		goto fail;
	}
	if ((e->multi = curl_multi_init()) == NULL) {
		msg_warn("cannot initialise libcurl");
		goto fail;
	}
	conns = cfg->connections < 1 ? 1 : cfg->connections >
	    ENGINE_CONNECTIONS_MAX ? ENGINE_CONNECTIONS_MAX : cfg->connections;
	/* HTTP/2 multiplexing when offered; else up to conns connections. */
	curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
	curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, conns + 2);
	return e;
fail:
	engine_free(e);
	return NULL;
}

void
engine_free(struct engine *e)
{
	struct engine_xfer	*x;

	if (e == NULL)
		return;
	while ((x = e->xfers) != NULL) {
		xfer_release(x);
		xfer_unlink(x);
		x->state = ENGINE_XF_DONE;
		x->rc = -1;
	}
	while (e->npool > 0)
		curl_easy_cleanup(e->pool[--e->npool]);
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	free(e->ca_bundle);
	util_free_secret(e->access_key);
	util_free_secret(e->secret_key);
	util_free_secret(e->session_token);
	free(e);
}
