/* SPDX-License-Identifier: ISC */
/*
 * proof.c - --validate-digests (see proof.h): digests checked as they are
 * downloaded, the log files they name settled at the end of the run,
 * CloudTrail's public keys asked for once per fingerprint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "endpoint.h"
#include "engine.h"
#include "inflate.h"
#include "layout.h"
#include "logfile.h"
#include "msg.h"
#include "proof.h"
#include "s3.h"
#include "state.h"

#define WHY(...)	(void)snprintf(why, whylen, __VA_ARGS__)
#define PROOF_KEYS_MAX	256	/* keys kept, and fingerprints asked for */
#define PROOF_ANSWER_MAX (1024 * 1024)	/* a ListPublicKeys answer */
#define PROOF_PAGES_MAX	10	/* of ListPublicKeys, per question */
#define PROOF_SETTLE_MAX 1000000	/* named files settled per run */
#define PROOF_LISTS_MAX	1000	/* files looked for in the bucket, a settling */
#define PROOF_BATCH	64	/* digests recorded in one transaction */
#define PROOF_HASH_BATCH 64	/* hashes recorded together, without -D */
#define PROOF_REREAD_MAX 64	/* files read again to hash, a settling */
#define PROOF_GAPS_NAMED 24	/* hours of one gap each named (the rest:
				   one line) */
#define CT_TARGET	"com.amazonaws.cloudtrail.v20131101." \
			"CloudTrail_20131101.ListPublicKeys"
#define CT_TYPE		"application/x-amz-json-1.1"
#define HOUR		3600
#define KEYS_AFTER	(2 * HOUR)	/* the AWS CLI's key-rotation margin */
#define PRUNE_AFTER	(31LL * 86400)	/* hashes of proved files kept */

struct pkey {
	char			 fp[DIGEST_FP_HEX];
	struct digest_key	*k;	/* NULL: asked for, not found */
};

/*
 * A log file's hash, held until its batch is recorded (proof_record says
 * why and how a crash is made good).
 */
struct hashed {
	char			*bucket, *key;
	char			 scope[LAYOUT_SCOPE_MAX];
	char			 hour[24];
	char			 hex[DIGEST_HASH_HEX];
};

/* What a digest's check found. */
enum verdict { V_OK, V_BAD, V_LATER, V_FATAL };

/*
 * A digest checked, held until its batch is recorded: one transaction
 * (one sync) for PROOF_BATCH digests rather than one each. A crash
 * before it leaves them unrecorded, checked again by the next run.
 */
struct held {
	char			*bucket, *key, *base, *signature;
	struct layout_digest	 ld;
	struct digest		 d;
	enum verdict		 v;
	char			 why[1024];
};

struct proof {
	struct run		*r;
	struct held		*held;	/* PROOF_BATCH, checked, not recorded */
	size_t			 nheld;
	struct digest_sha	*sha;
	struct digest_sha	*docsha;	/* digests' documents */
	int			 fed;
	const char		*endpoint;	/* NULL: AWS's */
	unsigned		 flags;		/* FIPS, dual-stack: endpoint.h */
	struct pkey		 keys[PROOF_KEYS_MAX];
	size_t			 nkeys;
	unsigned long		 looked;	/* LISTs this settling made */
	struct hashed		*pend;	/* PROOF_HASH_BATCH, not recorded */
	size_t			 npend;
	int			 open;	/* this run's batch row is written */
	int			 recovered;	/* an earlier run's batch seen to */
	unsigned long		 reread;	/* files read again, a settling */
	unsigned long		 records;	/* times digests held were recorded */
};

static void	held_clear(struct held *);
static int	prune(struct run *);
static int	chore_due(struct run *, const char *, long long, long long);
static void	hashed_clear(struct hashed *);

/* ---------------------------------------------------------- the run */

struct proof *
proof_new(struct run *r, const char *endpoint, unsigned flags)
{
	struct proof	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->sha = digest_sha_new()) == NULL ||
	    (p->docsha = digest_sha_new()) == NULL ||
	    (p->held = calloc(PROOF_BATCH, sizeof(struct held))) == NULL ||
	    (p->pend = calloc(PROOF_HASH_BATCH, sizeof(struct hashed))) ==
	    NULL) {
		if (p != NULL) {
			digest_sha_free(p->sha);
			digest_sha_free(p->docsha);
			free(p->held);
		}
		free(p);
		msg_oom();
		return NULL;
	}
	p->r = r;
	p->endpoint = endpoint;
	p->flags = flags;
	return p;
}

void
proof_free(struct proof *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nkeys; i++)
		digest_key_free(p->keys[i].k);
	for (i = 0; i < p->nheld; i++)
		held_clear(&p->held[i]);	/* unrecorded: checked again */
	free(p->held);
	for (i = 0; i < p->npend; i++)
		hashed_clear(&p->pend[i]);	/* its batch row says so */
	free(p->pend);
	digest_sha_free(p->sha);
	digest_sha_free(p->docsha);
	free(p);
}

void
proof_start(struct proof *p)
{
	if (p == NULL)
		return;
	digest_sha_reset(p->sha);
	p->fed = 1;
}

void
proof_feed(struct proof *p, const char *data, size_t len)
{
	if (p != NULL && p->fed)
		digest_sha_feed(p->sha, data, len);
}

static void
hashed_clear(struct hashed *h)
{
	free(h->bucket);
	free(h->key);
	memset(h, 0, sizeof(*h));
}

/*
 * A CloudTrail log file's scope and hour (the time in its name) from its
 * key: 1, or 0 for anything else (a digest can name nothing else).
 */
static int
name_of(const char *key, char scope[LAYOUT_SCOPE_MAX], char hour[24])
{
	const char	*base = strrchr(key, '/');
	long long	 when;

	if (!layout_scope(key, scope, LAYOUT_SCOPE_MAX) ||
	    !layout_object_time(base != NULL ? base + 1 : key, &when))
		return 0;
	(void)snprintf(hour, 24, "%lld", when);
	return 1;
}

static int
hash_add(struct run *r, const char *bucket, const char *key,
    const char *scope, const char *hour, const char *hex)
{
	const char	*args[5] = { bucket, key, scope, hour, hex };

	return state_query(r->st, STATE_HASH_ADD, args, 5, NULL, NULL) ==
	    -1 ? -1 : 0;
}

/*
 * In a transaction: a batch an earlier run left open. The files it
 * recorded after the batch's row have no hash: the rows say which, and a
 * digest naming one has it read again (reread). Once a run.
 */
static int
recover(struct run *r)
{
	struct proof	*p = r->proof;
	const char	*args[1];
	char		 now[24];
	int		 n;

	if (p->recovered)
		return 0;
	(void)snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	args[0] = now;
	if ((n = state_query(r->st, STATE_LOST_ADD, args, 1, NULL,
	    NULL)) == -1)
		return -1;
	if (n > 0) {
		msg_warn("an earlier run stopped before it recorded the SHA-256 "
		    "of the last log files it ingested (at most %d): each is "
		    "read again when a digest names it", PROOF_HASH_BATCH - 1);
		if (state_query(r->st, STATE_BATCH_CLOSE, NULL, 0, NULL,
		    NULL) == -1)
			return -1;
	}
	p->recovered = 1;
	return 0;
}

/* In a transaction: the hashes held, and the batch closed. */
static int
hashes_flush(struct run *r)
{
	struct proof	*p = r->proof;
	size_t		 i;
	int		 ret = 0;

	for (i = 0; i < p->npend; i++) {
		if (ret == 0 && hash_add(r, p->pend[i].bucket, p->pend[i].key,
		    p->pend[i].scope, p->pend[i].hour, p->pend[i].hex) == -1)
			ret = -1;
		hashed_clear(&p->pend[i]);
	}
	p->npend = 0;
	if (ret == 0 && p->open && state_query(r->st, STATE_BATCH_CLOSE,
	    NULL, 0, NULL, NULL) == -1)
		ret = -1;
	p->open = 0;
	return ret;
}

/*
 * In the transaction that records the file. Its hash is held and recorded
 * with PROOF_HASH_BATCH - 1 others: a page of the state written once for
 * the batch rather than once a file (a tenth of a run's CPU here). While a
 * batch is open a row says since which record; a crash before the batch
 * is recorded leaves that row, and the next run reads those files again
 * when a digest names them (recover, reread). With -D the file is gone
 * once this commits: its hash goes with its record.
 */
int
proof_record(struct proof *p, const char *bucket, const char *key)
{
	struct hashed	*h;
	int		 now;

	if (p == NULL || !p->fed)
		return 0;
	p->fed = 0;
	h = &p->pend[p->npend];
	digest_sha_hex(p->sha, h->hex);
	if (!name_of(key, h->scope, h->hour))
		return 0;
	if ((h->bucket = strdup(bucket)) == NULL ||
	    (h->key = strdup(key)) == NULL) {
		hashed_clear(h);
		msg_oom();
		return -1;
	}
	now = p->r->o->delete || p->npend + 1 == PROOF_HASH_BATCH;
	if (p->npend == 0 && (recover(p->r) == -1 || (!now &&
	    state_query(p->r->st, STATE_BATCH_OPEN, NULL, 0, NULL,
	    NULL) == -1))) {
		hashed_clear(h);
		return -1;
	}
	if (p->npend == 0 && !now)
		p->open = 1;
	p->npend++;
	return now ? hashes_flush(p->r) : 0;
}

int
proof_failed(const struct run *r)
{
	return r->n.digests_bad || r->n.files_missing || r->n.files_altered ||
	    r->n.files_injected || r->n.gaps;
}

/* ------------------------------------------------------- the alerts */

/* "YYYY-MM-DDTHH:MM:SSZ" of t into buf. */
static const char *
utc(long long t, char buf[32])
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, 32, "%lld", t);
	return buf;
}

/*
 * A finding: on stderr, and as one JSON line in the log, where the SIEM
 * reads it: {"getawslog":{"integrity":WHAT,"bucket":...,"key":...,
 * "digest":...,"detail":...}} (digest and detail only when known).
 * 0, or -1 when the log cannot be written (printed).
 */
static int
alert(struct run *r, const char *what, const char *bucket, const char *key,
    const char *digest, const char *detail)
{
	cJSON			*root, *o;
	char			*line = NULL;
	unsigned long long	 bytes;
	int			 ret = -1;

	msg_warn("%s: %s%s%s%s%s", key, what, digest != NULL ?
	    ", named by " : "", digest != NULL ? digest : "",
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	if ((root = cJSON_CreateObject()) == NULL ||
	    (o = cJSON_AddObjectToObject(root, "getawslog")) == NULL ||
	    cJSON_AddStringToObject(o, "integrity", what) == NULL ||
	    cJSON_AddStringToObject(o, "bucket", bucket) == NULL ||
	    cJSON_AddStringToObject(o, "key", key) == NULL ||
	    (digest != NULL && cJSON_AddStringToObject(o, "digest",
	    digest) == NULL) ||
	    (detail != NULL && cJSON_AddStringToObject(o, "detail",
	    detail) == NULL) ||
	    (line = cJSON_PrintUnformatted(root)) == NULL) {
		msg_oom();
		goto out;
	}
	if (r->log == NULL) {
		ret = 0;
		goto out;
	}
	if (logfile_begin(r->log) == -1)
		goto out;
	/* A failed write sticks: logfile_end says it. */
	if (logfile_write(r->log, line, strlen(line)) == 0)
		(void)logfile_write(r->log, "\n", 1);
	if (logfile_end(r->log, &bytes) == -1)
		goto out;
	r->n.bytes_out += bytes;
	ret = 0;
out:
	free(line);
	cJSON_Delete(root);
	return ret;
}

/* ----------------------------------------- CloudTrail's public keys */

struct ct_call {
	struct engine_xfer	 x;
	struct proof		*p;
	const char		*region;
	struct http_endpoint	 ep;
	char			*body;
};

static int
ct_prepare(struct engine_xfer *x)
{
	struct ct_call		*c = x->owner;
	struct http_request	 hr;
	struct sigv4_header	 h[2];
	char			 path[1024];
	int			 n;

	h[0].name = "Content-Type";
	h[0].value = CT_TYPE;
	h[1].name = "X-Amz-Target";
	h[1].value = CT_TARGET;
	n = snprintf(path, sizeof(path), "%s/", c->ep.path);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	memset(&hr, 0, sizeof(hr));
	hr.method = "POST";
	hr.host = c->ep.host;
	hr.path = path;
	hr.headers = h;
	hr.nheaders = 2;
	hr.body = c->body;
	hr.bodylen = strlen(c->body);
	hr.region = c->region;
	hr.service = "cloudtrail";
	if (asprintf(&x->url, "%s://%s%s", c->ep.scheme, c->ep.host,
	    path) == -1) {
		x->url = NULL;
		return -1;
	}
	return (x->hdrs = engine_sign(c->p->r->eng, &hr)) == NULL ? -1 : 0;
}

/* CloudTrail's error: {"__type": "...#Code", "message": ...}. */
static enum engine_verdict
ct_failed(struct engine_xfer *x)
{
	char		 msg[32];

	engine_json_error(&x->err, x->r.body, x->r.len);
	if (x->err.code[0] == '\0') {
		(void)snprintf(msg, sizeof(msg), "HTTP %ld", x->r.status);
		engine_set_error(&x->err, S3_EHTTP, 0, msg, x->err.message);
	}
	return ENGINE_FAIL;
}

static const struct engine_ops ct_ops = { ct_prepare, NULL, ct_failed };

/* Keep every key of an answer; its NextToken (malloc'd) into *next. */
static int
take_keys(struct proof *p, const char *json, size_t len, char **next)
{
	const cJSON	*list, *e, *v, *t;
	cJSON		*root;
	char		 fp[DIGEST_FP_HEX], why[256];
	struct digest_key *k;
	size_t		 i;

	*next = NULL;
	if ((root = cJSON_ParseWithLength(json, len)) == NULL)
		return -1;
	list = cJSON_GetObjectItemCaseSensitive(root, "PublicKeyList");
	cJSON_ArrayForEach(e, list) {
		v = cJSON_GetObjectItemCaseSensitive(e, "Value");
		if (!cJSON_IsString(v) || v->valuestring == NULL)
			continue;
		if ((k = digest_key_new(v->valuestring,
		    strlen(v->valuestring), fp, why, sizeof(why))) == NULL) {
			msg_warn("CloudTrail's public key: %s", why);
			continue;
		}
		for (i = 0; i < p->nkeys && strcmp(p->keys[i].fp, fp) != 0;
		    i++)
			continue;
		if (i == PROOF_KEYS_MAX || p->keys[i].k != NULL) {
			digest_key_free(k);
			continue;
		}
		memcpy(p->keys[i].fp, fp, sizeof(fp));
		p->keys[i].k = k;
		if (i == p->nkeys)
			p->nkeys++;
	}
	t = cJSON_GetObjectItemCaseSensitive(root, "NextToken");
	if (cJSON_IsString(t) && t->valuestring != NULL &&
	    *t->valuestring != '\0')
		*next = strdup(t->valuestring);
	cJSON_Delete(root);
	return 0;
}

/* The question's body: the times, and the page's token. */
static char *
ct_body(long long from, long long to, const char *token)
{
	cJSON	*o;
	char	*s = NULL;

	if ((o = cJSON_CreateObject()) != NULL &&
	    cJSON_AddNumberToObject(o, "StartTime", (double)from) != NULL &&
	    cJSON_AddNumberToObject(o, "EndTime", (double)to) != NULL &&
	    (token == NULL || cJSON_AddStringToObject(o, "NextToken",
	    token) != NULL))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/*
 * ListPublicKeys in region over [from, to], every page: each key kept.
 * 0; -1 failed (err), transient or not.
 */
static int
list_keys(struct proof *p, const char *region, long long from,
    long long to, struct s3_error *err)
{
	struct ct_call	 c;
	char		 url[512], host[ENDPOINT_HOST_MAX], why[160];
	char		*token = NULL;
	int		 page, n, ret = -1;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.region = region;
	if (p->endpoint == NULL) {
		/* AWS's, as botocore names it in the region's partition. */
		if (endpoint_host("cloudtrail", region, p->flags, host,
		    sizeof(host), why, sizeof(why)) == -1) {
			engine_set_error(err, S3_ELOCAL, 0, "", why);
			return -1;
		}
		n = snprintf(url, sizeof(url), "https://%s", host);
	} else
		n = 0;
	if (n < 0 || (size_t)n >= sizeof(url) || http_endpoint_parse(
	    p->endpoint != NULL ? p->endpoint : url, &c.ep) == -1) {
		engine_set_error(err, S3_ELOCAL, 0, "", "bad CloudTrail "
		    "endpoint");
		return -1;
	}
	for (page = 0; page < PROOF_PAGES_MAX; page++) {
		engine_xfer_init(&c.x, p->r->eng, &ct_ops, &c);
		c.x.what = "CloudTrail ListPublicKeys";
		c.x.method = "POST";
		c.x.max = PROOF_ANSWER_MAX;
		if ((c.body = ct_body(from, to, token)) == NULL) {
			engine_set_error(err, S3_ENOMEM, 0, "", "out of memory");
			goto out;
		}
		c.x.post = c.body;
		c.x.postlen = strlen(c.body);
		engine_start(&c.x);
		if (engine_wait(&c.x) == -1) {
			*err = c.x.err;
			goto out;
		}
		free(token);
		token = NULL;
		if (take_keys(p, c.x.r.body != NULL ? c.x.r.body : "",
		    c.x.r.len, &token) == -1) {
			engine_set_error(err, S3_EBADRESP, 1, "", "ListPublicKeys"
			    "' answer is not JSON");
			goto out;
		}
		engine_xfer_clear(&c.x);
		free(c.body);
		c.body = NULL;
		if (token == NULL)
			break;
	}
	ret = 0;
out:
	engine_xfer_clear(&c.x);
	free(c.body);
	free(token);
	http_endpoint_free(&c.ep);
	return ret;
}

int
proof_keys_check(struct run *r, const char *endpoint, unsigned flags,
    const char *region, size_t *nkeys, struct s3_error *err)
{
	struct proof	*p;
	long long	 now = (long long)time(NULL);
	int		 rc;

	*nkeys = 0;
	if ((p = proof_new(r, endpoint, flags)) == NULL) {
		engine_set_error(err, S3_ENOMEM, 0, "", "out of memory");
		return -1;
	}
	/* The keys of the last day: at least the one in use now. */
	rc = list_keys(p, region, now - 86400, now, err);
	*nkeys = p->nkeys;
	proof_free(p);
	return rc;
}

/*
 * The key of fingerprint fp: kept, or asked for once per run over
 * [from, to] in region. 1 found (*out), 0 none such (why), -1 the
 * question failed (why; transient says whether a later run may do).
 */
static int
find_key(struct proof *p, const char *region, const char *fp,
    long long from, long long to, const struct digest_key **out,
    int *transient, char *why, size_t whylen)
{
	struct s3_error	 err;
	char		 e[640];
	size_t		 i;

	for (i = 0; i < p->nkeys; i++)
		if (strcmp(p->keys[i].fp, fp) == 0) {
			if ((*out = p->keys[i].k) != NULL)
				return 1;
			WHY("no public key of fingerprint %s in region %s", fp,
			    region);
			return 0;
		}
	memset(&err, 0, sizeof(err));
	if (list_keys(p, region, from, to, &err) == -1) {
		*transient = err.transient || err.status == S3_ENET;
		WHY("CloudTrail ListPublicKeys in %s: %s", region,
		    s3_strerror(&err, e, sizeof(e)));
		return -1;
	}
	for (i = 0; i < p->nkeys; i++)
		if (strcmp(p->keys[i].fp, fp) == 0 && p->keys[i].k != NULL) {
			*out = p->keys[i].k;
			return 1;
		}
	/* Not asked for again this run. */
	if (p->nkeys < PROOF_KEYS_MAX) {
		memcpy(p->keys[p->nkeys].fp, fp, DIGEST_FP_HEX);
		p->keys[p->nkeys++].k = NULL;
	}
	WHY("no public key of fingerprint %s in region %s", fp, region);
	return 0;
}

/* -------------------------------------------------------- a digest */

/* The inflated document, bounded. */
struct doc {
	char	*p;
	size_t	 len, cap;
};

static int
doc_put(void *arg, const char *data, size_t len)
{
	struct doc	*d = arg;
	char		*np;
	size_t		 cap;

	if (d->len + len + 1 > d->cap) {
		cap = d->cap ? d->cap : 64 * 1024;
		while (cap < d->len + len + 1)
			cap *= 2;
		if ((np = realloc(d->p, cap)) == NULL)
			return -1;
		d->p = np;
		d->cap = cap;
	}
	memcpy(d->p + d->len, data, len);
	d->len += len;
	d->p[d->len] = '\0';
	return 0;
}


/* Its place, its metadata and its signature. */
static enum verdict
check(struct proof *p, const char *bucket, const char *key,
    const struct layout_digest *ld, const struct digest *d,
    const struct s3_meta *meta, char *why, size_t whylen)
{
	const struct digest_key	*k = NULL;
	long long		 from, to, b;
	char			*msg;
	int			 rc, transient = 0;

	if (strcmp(d->bucket, bucket) != 0 || strcmp(d->object, key) != 0) {
		WHY("moved: it says it was delivered to s3://%s/%s", d->bucket,
		    d->object);
		return V_BAD;
	}
	if (meta->signature[0] == '\0' ||
	    strcmp(meta->algorithm, "SHA256withRSA") != 0) {
		WHY("no signature, or not SHA256withRSA, in its metadata");
		return V_BAD;
	}
	from = d->start_t;
	to = d->end_t + KEYS_AFTER;
	if (ld->backfill) {
		/* Signed when it was made: the keys of that time. */
		if (digest_time(meta->backfill, &b) == -1) {
			WHY("a backfill digest without a usable "
			    "backfill-generation-timestamp");
			return V_BAD;
		}
		from = b - HOUR;
		to = b + HOUR;
	}
	rc = find_key(p, ld->region, d->fingerprint, from, to, &k, &transient,
	    why, whylen);
	if (rc == -1)
		return transient ? V_LATER : V_BAD;
	if (rc == 0)
		return V_BAD;
	if ((msg = digest_signed_string(d)) == NULL) {
		msg_oom();
		return V_FATAL;
	}
	rc = digest_verify(k, msg, meta->signature, why, whylen);
	free(msg);
	return rc == 1 ? V_OK : V_BAD;
}

/* A trail's chain, as the state keeps it. */
struct link {
	int		 found;
	char		 key[1100];
	long long	 end;
	char		 signature[S3_META_SIG_MAX];
	char		 sha[DIGEST_HASH_HEX];
};

static int
link_row(void *arg, int n, const char *const *c)
{
	struct link	*l = arg;

	if (n < 4)
		return -1;
	l->found = 1;
	(void)snprintf(l->key, sizeof(l->key), "%s", c[0]);
	l->end = strtoll(c[1], NULL, 10);
	(void)snprintf(l->signature, sizeof(l->signature), "%s", c[2]);
	(void)snprintf(l->sha, sizeof(l->sha), "%s", c[3]);
	return 0;
}

static int	in_bucket(struct run *, const char *, const char *);

/*
 * The missing hours before a digest, each named: the chain's gaps. When
 * the digest it names before it is in the bucket after all, it only came
 * out of order (the queue mode's notifications may): the hours up to that
 * one's are the gaps, and it is checked on its own when it comes.
 */
static int
gaps(struct run *r, const char *bucket, const char *key,
    const struct link *l, const struct digest *d)
{
	struct layout_digest	 prev;
	char			 t0[32], t1[32], detail[1300];
	long long		 n, i, upto = d->start_t;

	if (layout_digest_name(d->prev_object, &prev) && prev.when > l->end &&
	    prev.when < d->start_t + HOUR / 2 &&
	    in_bucket(r, bucket, d->prev_object) == 1)
		upto = prev.when - HOUR;
	n = (upto - l->end + HOUR / 2) / HOUR;
	for (i = 0; i < n && i < PROOF_GAPS_NAMED; i++) {
		(void)snprintf(detail, sizeof(detail), "no digest for the hour "
		    "from %s to %s (%lld of %lld missing after %s)",
		    utc(l->end + i * HOUR, t0), utc(l->end + (i + 1) * HOUR,
		    t1), i + 1, n, l->key);
		r->n.gaps++;
		if (alert(r, "gap", bucket, key, NULL, detail) == -1)
			return -1;
	}
	if (i == n)
		return 0;
	/* The rest in one line: every hour counted, not each written. */
	(void)snprintf(detail, sizeof(detail), "no digest for the %lld hours "
	    "from %s to %s (%lld to %lld of %lld missing after %s)", n - i,
	    utc(l->end + i * HOUR, t0), utc(l->end + n * HOUR, t1), i + 1, n,
	    n, l->key);
	r->n.gaps += (unsigned long)(n - i);
	return alert(r, "gap", bucket, key, NULL, detail);
}

/*
 * The digest against its trail's chain (not a backfill's: those stand
 * alone, as the AWS CLI has them): the one it names before it must be
 * the chain's newest, with its signature and hash; hours missing between
 * them are gaps. The chain moves on to it; to an invalid one (sig NULL)
 * too, by name only, so that the digest after it is not also reported.
 * V_OK, V_BAD (why), V_FATAL.
 */
static enum verdict
chain(struct run *r, const char *bucket, const char *key,
    const struct layout_digest *ld, const struct digest *d, const char *sig,
    char *why, size_t whylen)
{
	struct link	 l;
	char		 id[LAYOUT_SCOPE_MAX + 300], end[24];
	const char	*args[7];

	(void)snprintf(id, sizeof(id), "%s\n%s\n%s", bucket, ld->scope,
	    ld->trail);
	memset(&l, 0, sizeof(l));
	args[0] = id;
	if (state_query(r->st, STATE_CHAIN_GET, args, 1, link_row, &l) == -1)
		return V_FATAL;
	if (l.found && d->end_t <= l.end)
		return V_OK;	/* older than the chain: checked on its own */
	if (sig == NULL)
		goto move;
	if (l.found && d->prev_object != NULL) {
		if (strcmp(d->prev_object, l.key) == 0 &&
		    strcmp(d->prev_bucket, bucket) == 0) {
			/* After an invalid digest (reported): its name only. */
			if (l.signature[0] != '\0' &&
			    (d->prev_signature == NULL ||
			    strcmp(d->prev_signature, l.signature) != 0 ||
			    strcmp(d->prev_hash, l.sha) != 0)) {
				WHY("its previous digest %.900s is not the "
				    "one checked before (signature or hash)",
				    l.key);
				return V_BAD;
			}
		} else if (d->start_t - l.end < HOUR / 2) {
			WHY("it names %.400s as its previous digest, not "
			    "%.400s",
			    d->prev_object, l.key);
			return V_BAD;
		} else if (gaps(r, bucket, key, &l, d) == -1)
			return V_FATAL;
	} else if (!l.found && r->o->debug > 1)
		msg_warn("%s: the first digest of its chain here", key);
move:
	(void)snprintf(end, sizeof(end), "%lld", d->end_t);
	args[1] = bucket;
	args[2] = ld->scope;
	args[3] = key;
	args[4] = end;
	args[5] = sig != NULL ? sig : "";
	args[6] = sig != NULL ? d->hash : "";
	return state_query(r->st, STATE_CHAIN_SET, args, 7, NULL, NULL) ==
	    -1 ? V_FATAL : V_OK;
}

/* The log files it names, to be settled at the end of the run. */
static int
note_files(struct run *r, const char *bucket, const char *key,
    const struct layout_digest *ld, const struct digest *d)
{
	const char	*args[5];
	char		 start[24], end[24];
	size_t		 i;
	int		 n;

	if (!ld->backfill && d->end_t - d->start_t > 86400)
		/* STATE_INJECTED looks a day back for a file's window. */
		msg_warn("%s: covers more than a day (%s to %s): files of its "
		    "later hours are not judged injected", key, d->start,
		    d->end);
	if (!ld->backfill) {
		/* The hour it covered (injected files are judged by it). */
		(void)snprintf(start, sizeof(start), "%lld", d->start_t);
		(void)snprintf(end, sizeof(end), "%lld", d->end_t);
		args[0] = bucket;
		args[1] = ld->scope;
		args[2] = start;
		args[3] = end;
		if (state_query(r->st, STATE_WINDOW_ADD, args, 4, NULL,
		    NULL) == -1)
			return -1;
	}
	args[3] = bucket;
	args[4] = key;
	for (i = 0; i < d->nfiles; i++) {
		args[0] = d->files[i].bucket;
		args[1] = d->files[i].key;
		args[2] = d->files[i].hash;
		/* Ingested already with this hash: proved, nothing to keep. */
		if ((n = state_query(r->st, STATE_HASH_PROVE, args, 3, NULL,
		    NULL)) == -1)
			return -1;
		if (n > 0)
			r->n.files_proved++;
		else if (state_query(r->st, STATE_NAMED_ADD, args, 5, NULL,
		    NULL) == -1)
			return -1;
	}
	/*
	 * Kept only to be deleted once settled (-D): without -D nothing
	 * would ever take the row out again.
	 */
	if (!r->o->delete)
		return 0;
	args[0] = bucket;
	args[1] = key;
	return state_query(r->st, STATE_DIGEST_ADD, args, 2, NULL, NULL) ==
	    -1 ? -1 : 0;
}

/* Read and check it: V_OK (d filled), V_BAD (why), V_LATER, V_FATAL. */
static enum verdict
read_digest(struct run *r, const char *bucket, const char *key,
    const struct s3_body *body, struct layout_digest *ld, struct digest *d,
    char *why, size_t whylen)
{
	struct inflate_src	 src;
	struct doc		 doc = { NULL, 0, 0 };
	size_t			 total;
	enum verdict		 v;
	int			 rc;

	memset(d, 0, sizeof(*d));
	if (!layout_digest_name(key, ld)) {
		WHY("not a digest's name");
		return V_BAD;
	}
	src.data = body->data;
	src.len = body->len;
	src.fd = body->fd;
	rc = inflate_stream(&src, DIGEST_DOC_MAX, doc_put, &doc, &total, why,
	    whylen);
	if (rc == INFLATE_ELOCAL || rc == INFLATE_ENOMEM ||
	    rc == INFLATE_ESINK) {
		msg_warn("%s: %s", key, rc == INFLATE_ELOCAL ? why :
		    "out of memory");
		free(doc.p);
		return V_FATAL;
	}
	if (rc != INFLATE_OK) {
		free(doc.p);
		return V_BAD;
	}
	if (digest_parse_with(doc.p != NULL ? doc.p : "", doc.len,
	    r->proof->docsha, d, why, whylen) == -1)
		v = V_BAD;
	else
		v = check(r->proof, bucket, key, ld, d, &body->meta, why,
		    whylen);
	free(doc.p);
	return v;
}

static void
held_clear(struct held *h)
{
	free(h->bucket);
	free(h->key);
	free(h->base);
	free(h->signature);
	digest_free(&h->d);
	memset(h, 0, sizeof(*h));
}

/* One held digest's effects, in the batch's transaction. */
static int
settle_digest(struct run *r, struct held *h)
{
	enum verdict	v = h->v;

	if (object_record(r, h->bucket, h->key, h->base) == -1)
		return -1;
	if (v == V_OK && !h->ld.backfill)
		v = chain(r, h->bucket, h->key, &h->ld, &h->d, h->signature,
		    h->why, sizeof(h->why));
	else if (v == V_BAD && !h->ld.backfill && h->d.head &&
	    strcmp(h->d.bucket, h->bucket) == 0 &&
	    strcmp(h->d.object, h->key) == 0 &&
	    chain(r, h->bucket, h->key, &h->ld, &h->d, NULL, NULL, 0) ==
	    V_FATAL)
		v = V_FATAL;
	if (v == V_FATAL)
		return -1;
	if (v == V_BAD) {
		/* Evidence: recorded as seen, never deleted. */
		r->n.digests_bad++;
		return alert(r, "invalid digest", h->bucket, h->key, NULL,
		    h->why);
	}
	r->n.digests_ok++;
	if (r->o->debug > 1)
		msg_warn("%s: verified, %zu log files named", h->key,
		    h->d.nfiles);
	return note_files(r, h->bucket, h->key, &h->ld, &h->d);
}

/* In a transaction: the digests held, recorded in order. 0, or -1. */
static int
held_record(struct run *r)
{
	struct proof	*p = r->proof;
	size_t		 i;
	int		 ret = 0;

	if (p->nheld > 0)
		p->records++;
	for (i = 0; i < p->nheld; i++) {
		if (ret == 0 && settle_digest(r, &p->held[i]) == -1)
			ret = -1;
		held_clear(&p->held[i]);
	}
	p->nheld = 0;
	return ret;
}

/* Record the digests held, in one transaction. 0, or -1. */
static int
flush(struct run *r)
{
	if (r->proof->nheld == 0)
		return 0;
	if (state_begin(r->st) == -1)
		return -1;
	if (held_record(r) == -1 || state_commit(r->st) == -1) {
		(void)state_rollback(r->st);
		return -1;
	}
	return 0;
}

enum object_result
proof_digest(struct run *r, const char *bucket, const char *key,
    const char *base, const struct s3_body *body)
{
	struct proof	*p = r->proof;
	struct held	*h = &p->held[p->nheld];

	r->n.bytes_in += body->len;
	h->v = read_digest(r, bucket, key, body, &h->ld, &h->d, h->why,
	    sizeof(h->why));
	if (h->v == V_FATAL) {
		held_clear(h);
		return OBJECT_FATAL;
	}
	if (h->v == V_LATER) {
		/* Left unrecorded: the next run asks again. */
		msg_warn("%s: cannot be checked now: %s", key, h->why);
		held_clear(h);
		r->n.transient++;
		return OBJECT_FAILED;
	}
	if ((h->bucket = strdup(bucket)) == NULL ||
	    (h->key = strdup(key)) == NULL ||
	    (h->base = strdup(base)) == NULL ||
	    (h->signature = strdup(body->meta.signature)) == NULL) {
		held_clear(h);
		msg_oom();
		return OBJECT_FATAL;
	}
	p->nheld++;
	/*
	 * The queue mode deletes a message once its objects are done: its
	 * digest must be recorded by then.
	 */
	if ((p->nheld == PROOF_BATCH || r->o->queue_url != NULL) &&
	    flush(r) == -1)
		return OBJECT_FATAL;
	return OBJECT_DONE;
}

unsigned long
proof_records(const struct proof *p)
{
	return p != NULL ? p->records : 0;
}

/* ------------------------------------------------------- settling */

/* The named files, read out first: settling changes the table. */
struct named {
	char	*col[5];	/* bucket, key, sha, digest bucket, digest key */
};

struct named_list {
	struct named	*v;
	size_t		 n, cap;
};

static int
named_row(void *arg, int n, const char *const *c)
{
	struct named_list	*l = arg;
	struct named		*nv;
	int			 i;

	if (l->n >= PROOF_SETTLE_MAX)
		return 0;	/* the rest next run */
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL)
			goto nomem;
		l->v = nv;
	}
	for (i = 0; i < 5; i++)
		if ((l->v[l->n].col[i] = strdup(i < n ? c[i] : "")) == NULL) {
			while (i-- > 0)
				free(l->v[l->n].col[i]);
			goto nomem;
		}
	l->n++;
	return 0;
nomem:
	msg_oom();
	return -1;
}

/* Run which with a named file's bucket and key, then extra if not NULL. */
static int
named_query(struct run *r, enum state_q which, const struct named *v,
    const char *extra)
{
	const char	*args[3] = { v->col[0], v->col[1], extra };

	return state_query(r->st, which, args, extra != NULL ? 3 : 2, NULL,
	    NULL);
}

static void
named_free(struct named_list *l)
{
	size_t	i;
	int	j;

	for (i = 0; i < l->n; i++)
		for (j = 0; j < 5; j++)
			free(l->v[i].col[j]);
	free(l->v);
}

static int
text_row(void *arg, int n, const char *const *c)
{
	char	*out = arg;

	if (n >= 1)
		(void)snprintf(out, DIGEST_HASH_HEX + 32, "%s", c[0]);
	return 0;
}

/* Is the key in the bucket? 1, 0, -1 cannot tell (said at -dd). */
static int
in_bucket(struct run *r, const char *bucket, const char *key)
{
	struct s3_list_params	 lp;
	struct s3_list_page	 pg;
	struct s3_error		 err;
	char			 e[640];
	int			 found;

	memset(&lp, 0, sizeof(lp));
	lp.prefix = key;
	lp.max_keys = 1;
	if (s3_list_page(r->s3, bucket, &lp, NULL, &pg, &err) == -1) {
		if (r->o->debug > 1)
			msg_warn("%s: cannot tell whether it is in the bucket: "
			    "%s", key, s3_strerror(&err, e, sizeof(e)));
		return -1;
	}
	r->n.lists++;
	found = pg.nobjects > 0 && strcmp(pg.objects[0].key, key) == 0;
	s3_list_page_free(&pg);
	return found;
}

static int
sha_put(void *arg, const char *p, size_t len)
{
	digest_sha_feed(arg, p, len);
	return 0;
}

/* What is known of a named file (known, reread). */
enum known { K_HASH, K_NONE, K_OLD, K_GONE, K_LATER };

/*
 * A file ingested whose hash a crash lost (recover): read again and
 * hashed into got (and kept), or gone from the bucket, or not now. At
 * most PROOF_REREAD_MAX a settling: the rest wait for the next. -1 fatal.
 */
static int
reread(struct run *r, const char *bucket, const char *key, char *got)
{
	struct digest_sha	*sha;
	struct s3_get		*g;
	struct s3_body		 b;
	struct s3_error		 err;
	struct inflate_src	 src;
	char			 e[640], scope[LAYOUT_SCOPE_MAX], hour[24];
	size_t			 total;
	int			 rc;

	if (r->proof->reread >= PROOF_REREAD_MAX)
		return K_LATER;
	r->proof->reread++;
	if ((sha = digest_sha_new()) == NULL ||
	    (g = s3_get_start(r->s3, bucket, key, -1, OBJECT_MAX, 1)) == NULL) {
		digest_sha_free(sha);
		msg_oom();
		return -1;
	}
	if (s3_get_finish(g, &b, &err) == -1) {
		digest_sha_free(sha);
		if (err.status == S3_EHTTP && err.http_status == 404 &&
		    strcmp(err.code, "NoSuchKey") == 0)
			return K_GONE;
		msg_warn("%s: cannot read it again to hash it: %s", key,
		    s3_strerror(&err, e, sizeof(e)));
		return K_LATER;
	}
	src.data = b.data;
	src.len = b.len;
	src.fd = b.fd;
	rc = inflate_stream(&src, r->o->max_inflated, sha_put, sha, &total, e,
	    sizeof(e));
	s3_body_free(&b);
	digest_sha_hex(sha, got);
	digest_sha_free(sha);
	if (rc == INFLATE_ELOCAL || rc == INFLATE_ENOMEM) {
		msg_warn("%s: %s", key, rc == INFLATE_ELOCAL ? e :
		    "out of memory");
		return -1;
	}
	if (rc != INFLATE_OK) {
		/* Ingested whole once, unreadable now: altered. */
		(void)snprintf(got, DIGEST_HASH_HEX, "unreadable");
		return K_HASH;
	}
	if (r->o->debug > 1)
		msg_warn("%s: read again to hash it (its hash was lost)", key);
	if (!name_of(key, scope, hour))
		return K_HASH;
	return hash_add(r, bucket, key, scope, hour, got) == -1 ? -1 : K_HASH;
}

/* A named file's hash as ingested (into got), or why there is none. */
static int
known(struct run *r, const struct named *f, const char *base, char *got)
{
	const char	*args[2] = { f->col[0], f->col[1] };
	int		 rc;

	got[0] = '\0';
	if (state_query(r->st, STATE_HASH_GET, args, 2, text_row, got) == -1)
		return -1;
	if (got[0] != '\0')
		return K_HASH;
	if ((rc = state_seen(r->st, base)) != 1)
		return rc == -1 ? -1 : K_NONE;
	args[0] = base;
	if ((rc = state_query(r->st, STATE_LOST_HAS, args, 1, NULL,
	    NULL)) <= 0)
		return rc == -1 ? -1 : K_OLD;
	return reread(r, f->col[0], f->col[1], got);
}

/* One named file: proved, altered, missing, or still pending. */
static int
settle(struct run *r, const struct named *f)
{
	const char	*args[4] = { f->col[0], f->col[1], "1", NULL };
	const char	*base;
	char		 got[DIGEST_HASH_HEX + 32], detail[200];
	int		 k, rc = 0;

	base = strrchr(f->col[1], '/') != NULL ? strrchr(f->col[1], '/') + 1 :
	    f->col[1];
	if ((k = known(r, f, base, got)) == -1)
		return -1;
	if (k == K_HASH) {
		if (strcmp(got, f->col[2]) == 0)
			r->n.files_proved++;
		else {
			r->n.files_altered++;
			(void)snprintf(detail, sizeof(detail), "SHA-256 %s as "
			    "ingested, %s signed", got, f->col[2]);
			if (alert(r, "altered", f->col[0], f->col[1],
			    f->col[4], detail) == -1)
				return -1;
		}
		if (state_query(r->st, STATE_HASH_NAMED, args, 3, NULL,
		    NULL) == -1)
			return -1;
	} else if (k == K_OLD) {
		/* Ingested before its hash was kept: neither way. */
		if (r->o->debug > 1)
			msg_warn("%s: ingested before --validate-digests; not "
			    "proved", f->col[1]);
	} else if (k == K_LATER || (k == K_NONE &&
	    (r->proof->looked++ >= PROOF_LISTS_MAX ||
	    (rc = in_bucket(r, f->col[0], f->col[1])) != 0))) {
		r->n.files_pending++;
		return 0;	/* the walk has it to do, or a later run */
	} else {
		r->n.files_missing++;
		if (alert(r, "missing", f->col[0], f->col[1], f->col[4],
		    k == K_GONE ? "ingested, its hash lost in a crash, and no "
		    "longer in the bucket" : "not ingested and not in the "
		    "bucket") == -1)
			return -1;
	}
	args[2] = f->col[3];
	args[3] = f->col[4];
	return state_query(r->st, STATE_NAMED_DEL, args, 4, NULL, NULL) ==
	    -1 ? -1 : 0;
}

/* Files named by no digest of their scope, once past the grace. */
static int
injected(struct run *r)
{
	struct named_list	 l;
	const char		*args[2];
	char			 grace[24], now[24];
	size_t			 i;
	long long		 t = (long long)time(NULL);
	int			 ret = -1;

	memset(&l, 0, sizeof(l));
	/*
	 * Hourly (each run with no grace): at most an hour after a grace of
	 * hours, and a month of an organization's hashes read 24 times a
	 * day, not 288.
	 */
	if ((ret = chore_due(r, "injected", r->o->digest_grace > 0 ? HOUR :
	    0, t)) != 1)
		return ret;
	ret = -1;
	(void)snprintf(grace, sizeof(grace), "%lld",
	    (long long)r->o->digest_grace * HOUR);
	(void)snprintf(now, sizeof(now), "%lld", t);
	args[0] = grace;
	args[1] = now;
	if (state_query(r->st, STATE_INJECTED, args, 2, named_row, &l) == -1)
		goto out;
	for (i = 0; i < l.n; i++) {
		r->n.files_injected++;
		if (alert(r, "injected", l.v[i].col[0], l.v[i].col[1], NULL,
		    "ingested, but no digest of its trail names it") == -1)
			goto out;
		if (named_query(r, STATE_HASH_NAMED, &l.v[i], "2") == -1)
			goto out;
	}
	ret = 0;
out:
	named_free(&l);
	return ret;
}

/* With -D: digests verified whose files are all settled. */
static int
delete_settled(struct run *r)
{
	struct named_list	 l;
	struct s3_error		 err;
	char			 e[640];
	size_t			 i;
	int			 ret = -1;

	memset(&l, 0, sizeof(l));
	if (state_query(r->st, STATE_DIGEST_SETTLED, NULL, 0, named_row,
	    &l) == -1)
		goto out;
	for (i = 0; i < l.n; i++) {
		if (s3_delete(r->s3, l.v[i].col[0], l.v[i].col[1], &err) ==
		    -1) {
			/* Its files are settled: tried again next run. */
			msg_warn("%s: cannot delete: %s", l.v[i].col[1],
			    s3_strerror(&err, e, sizeof(e)));
			continue;
		}
		if (named_query(r, STATE_DIGEST_DEL, &l.v[i], NULL) == -1)
			goto out;
	}
	ret = 0;
out:
	named_free(&l);
	return ret;
}

static int
oldest_row(void *arg, int n, const char *const *c)
{
	long long	*t = arg;

	if (n >= 1 && c[0][0] != '\0')
		*t = strtoll(c[0], NULL, 10);
	return 0;
}

/* Settle, find the injected, prune, in one transaction. */
static int
settle_all(struct run *r)
{
	struct named_list	 l;
	size_t			 i;
	int			 n, ret = -1;

	memset(&l, 0, sizeof(l));
	/* Pending is what is pending now: a service settles again and again. */
	r->n.files_pending = 0;
	r->proof->looked = 0;
	r->proof->reread = 0;
	if (state_begin(r->st) == -1)
		return -1;
	/*
	 * An earlier run's lost batch first, then this run's held hashes and
	 * digests: one transaction for all.
	 */
	if (recover(r) == -1 || hashes_flush(r) == -1 || held_record(r) == -1)
		goto out;
	/* Most files are proved: all at once, the rest one by one. */
	if (state_query(r->st, STATE_PROVED_MARK, NULL, 0, NULL, NULL) == -1 ||
	    (n = state_query(r->st, STATE_PROVED_DEL, NULL, 0, NULL,
	    NULL)) == -1)
		goto out;
	r->n.files_proved += (unsigned long)n;
	if (state_query(r->st, STATE_NAMED_LIST, NULL, 0, named_row,
	    &l) == -1)
		goto out;
	for (i = 0; i < l.n && !r->fatal; i++)
		if (settle(r, &l.v[i]) == -1)
			goto out;
	if (injected(r) == -1 || prune(r) == -1 ||
	    state_query(r->st, STATE_CHAIN_OLDEST, NULL, 0, oldest_row,
	    &r->n.newest_proved) == -1)
		goto out;
	ret = state_commit(r->st);
out:
	if (ret == -1)
		(void)state_rollback(r->st);
	named_free(&l);
	return ret;
}

/*
 * A chore that reads every hash (what), done at most once every `every`
 * seconds: 1 when it is due now (t), 0 when it was done since, -1. An
 * index would spare the reading, at a cost to each file of every run.
 */
static int
chore_due(struct run *r, const char *what, long long every, long long t)
{
	const char	*args[3];
	char		 now[24], gap[24];
	int		 recent;

	(void)snprintf(now, sizeof(now), "%lld", t);
	(void)snprintf(gap, sizeof(gap), "%lld", every);
	args[0] = what;
	args[1] = now;
	args[2] = gap;
	recent = state_query(r->st, STATE_DONE_RECENT, args, 3, NULL, NULL);
	if (recent != 0)
		return recent == -1 ? -1 : 0;
	return state_query(r->st, STATE_DONE_SET, args, 2, NULL, NULL) == -1 ?
	    -1 : 1;
}

/* In the settling's transaction: old rows out, once a day. */
static int
prune(struct run *r)
{
	const char	*args[1];
	char		 before[24];
	long long	 t = (long long)time(NULL);
	int		 due;

	if ((due = chore_due(r, "prune", 86400, t)) != 1)
		return due;
	(void)snprintf(before, sizeof(before), "%lld", t - PRUNE_AFTER);
	args[0] = before;
	if (state_query(r->st, STATE_HASH_PRUNE, args, 1, NULL, NULL) == -1 ||
	    state_query(r->st, STATE_WINDOW_PRUNE, args, 1, NULL, NULL) == -1 ||
	    state_query(r->st, STATE_CHAIN_PRUNE, NULL, 0, NULL, NULL) == -1 ||
	    state_query(r->st, STATE_LOST_PRUNE, args, 1, NULL, NULL) == -1)
		return -1;
	return 0;
}

int
proof_finish(struct run *r)
{
	if (r->proof == NULL || r->fatal || r->denied)
		return 0;
	if (settle_all(r) == -1)
		return -1;
	if (r->o->delete && delete_settled(r) == -1)
		return -1;
	if (r->o->debug > 1)
		msg_warn("digests: %lu verified, %lu invalid; log files: %lu "
		    "proved, %lu altered, %lu missing, %lu injected, %lu "
		    "pending; %lu hours without a digest", r->n.digests_ok,
		    r->n.digests_bad, r->n.files_proved, r->n.files_altered,
		    r->n.files_missing, r->n.files_injected, r->n.files_pending,
		    r->n.gaps);
	return 0;
}
