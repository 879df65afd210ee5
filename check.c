/* SPDX-License-Identifier: ISC */
/*
 * check.c - --check (see check.h): every check says one line, "ok",
 * "FAIL" or "unknown", its name and what it found; nothing is created,
 * written, locked or deleted, and no object is written to the log.
 *
 * What cannot be known without changing something is said so:
 * - Delete (-D): S3 answers a DeleteObject of a key that does not exist
 *   as it would for one that does (204, or AccessDenied), and in a bucket
 *   where versioning was never enabled that removes nothing. So the
 *   check asks GetBucketVersioning first and deletes a name that does not
 *   exist, beside the object it read, only when versioning was never
 *   enabled; in a versioned bucket that delete would leave a delete
 *   marker, so the answer is "unknown".
 * - The queue: GetQueueAttributes says it exists and the keys may look at
 *   it; receiving would hide a message and count a receive against its
 *   redrive policy, so ReceiveMessage, DeleteMessage and
 *   ChangeMessageVisibility are not tried.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "creds.h"
#include "engine.h"
#include "http.h"
#include "ini.h"
#include "lock.h"
#include "msg.h"
#include "proof.h"
#include "run.h"
#include "s3.h"
#include "sqs.h"

#define STS_ANSWER_MAX	(64 * 1024)
#define TEXT_MAX	512		/* an answer's element kept */

enum verdict { V_OK, V_FAIL_LOCAL, V_FAIL_REMOTE, V_UNKNOWN };

/* One check's line, counted. */
static void __attribute__((format(printf, 4, 5)))
say(struct check *c, enum verdict v, const char *name, const char *fmt, ...)
{
	static const char *const word[] = { "ok", "FAIL", "FAIL", "unknown" };
	char	 text[2048], shown[4 * sizeof(text)];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		text[0] = '\0';
	printf("%-8s%-13s%s\n", word[v], name, msg_escape(text, shown,
	    sizeof(shown)));
	if (v == V_OK)
		c->passed++;
	else if (v == V_UNKNOWN)
		c->unknown++;
	else if (v == V_FAIL_LOCAL)
		c->failed_local++;
	else
		c->failed_remote++;
}

/* ------------------------------------------------------------ digests */

void
check_digests(struct check *c, struct run *r, const char *endpoint,
    const char *region)
{
	struct s3_error	 err;
	size_t		 n;
	char		 e[640];

	if (proof_keys_check(r, endpoint, region, &n, &err) == -1) {
		say(c, err.status == S3_ELOCAL || err.status == S3_ENOMEM ?
		    V_FAIL_LOCAL : V_FAIL_REMOTE, "digests", "cloudtrail:"
		    "ListPublicKeys in %s refused or failed: %s", region,
		    s3_strerror(&err, e, sizeof(e)));
		return;
	}
	if (n == 0)
		say(c, V_FAIL_REMOTE, "digests", "cloudtrail:ListPublicKeys in "
		    "%s allowed but it named no key of the last day", region);
	else
		say(c, V_OK, "digests", "cloudtrail:ListPublicKeys allowed in "
		    "%s: %zu key%s of the last day", region, n, n == 1 ? "" :
		    "s");
}

/* ------------------------------------------------------------ paths */

/* The directory of path into dir. 0, or -1 when too long. */
static int
dir_of(const char *path, char *dir, size_t len)
{
	const char	*slash = strrchr(path, '/');
	int		 n;

	n = slash == NULL ? snprintf(dir, len, ".") : slash == path ?
	    snprintf(dir, len, "/") : snprintf(dir, len, "%.*s",
	    (int)(slash - path), path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * May path be written: the file when it is there, else made in its
 * directory; with needdir the directory must take new files anyway
 * (SQLite's journal, the metrics' rename). 0 with how said in how, or -1
 * with why.
 */
static int
writable(const char *path, int needdir, char *how, size_t len)
{
	char		 dir[PATH_MAX];
	struct stat	 sb;
	int		 there;

	if (!(there = stat(path, &sb) == 0) && errno != ENOENT) {
		snprintf(how, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (there && S_ISDIR(sb.st_mode)) {
		snprintf(how, len, "%s is a directory", path);
		return -1;
	}
	if (there && faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == -1) {
		snprintf(how, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (dir_of(path, dir, sizeof(dir)) == -1) {
		snprintf(how, len, "%s: name too long", path);
		return -1;
	}
	if ((!there || needdir) &&
	    faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == -1) {
		snprintf(how, len, "%s cannot be %s: %s: %s", path, there ?
		    "replaced or journaled" : "made", dir, strerror(errno));
		return -1;
	}
	if (there)
		snprintf(how, len, "%s can be written", path);
	else
		snprintf(how, len, "%s will be made in %s", path, dir);
	return 0;
}

/* A data file and the lock file beside it. */
static void
check_file(struct check *c, const char *name, const char *path, int lock,
    int needdir)
{
	char	 how[2 * PATH_MAX], lp[PATH_MAX], lname[32];

	say(c, writable(path, needdir, how, sizeof(how)) == 0 ? V_OK :
	    V_FAIL_LOCAL, name, "%s", how);
	if (!lock)
		return;
	snprintf(lname, sizeof(lname), "%s lock", name);
	if (lock_path(path, lp, sizeof(lp)) == -1)
		say(c, V_FAIL_LOCAL, lname, "%s: name too long", path);
	else if (writable(lp, 0, how, sizeof(how)) == 0)
		say(c, V_OK, lname, "%s", how);
	else
		/* lock.c locks the file itself then. */
		say(c, V_OK, lname, "%s; %s itself will be locked", how, path);
}

void
check_paths(struct check *c, const struct options *o)
{
	struct stat	sb;

	/* A log that is no regular file (a FIFO, /dev/null) has no lock. */
	check_file(c, "log", o->log, stat(o->log, &sb) == -1 ||
	    S_ISREG(sb.st_mode), 0);
	if (o->state != NULL)
		check_file(c, "state", o->state, 1, 1);
	if (o->metrics != NULL)
		check_file(c, "metrics", o->metrics, 0, 1);
}

/* ------------------------------------------------------ credentials */

/* The texts of GetCallerIdentity's answer (or its error's). */
struct ident {
	char	 account[TEXT_MAX], arn[TEXT_MAX], code[TEXT_MAX],
		 message[TEXT_MAX];
	char	*cur;		/* the element being read, or NULL */
	size_t	 curlen;
};

static void XMLCALL
id_start(void *parser, const XML_Char *name, const XML_Char **attrs)
{
	struct ident	*id = XML_GetUserData((XML_Parser)parser);

	(void)attrs;
	id->cur = strcmp(name, "Account") == 0 ? id->account :
	    strcmp(name, "Arn") == 0 ? id->arn :
	    strcmp(name, "Code") == 0 ? id->code :
	    strcmp(name, "Message") == 0 ? id->message : NULL;
	if (id->cur != NULL) {
		id->cur[0] = '\0';
		id->curlen = 0;
	}
}

static void XMLCALL
id_chars(void *parser, const XML_Char *s, int len)
{
	struct ident	*id = XML_GetUserData((XML_Parser)parser);
	size_t		 n = (size_t)len;

	if (id->cur == NULL || len <= 0)
		return;
	if (n > TEXT_MAX - 1 - id->curlen)
		n = TEXT_MAX - 1 - id->curlen;
	memcpy(id->cur + id->curlen, s, n);
	id->curlen += n;
	id->cur[id->curlen] = '\0';
}

static void XMLCALL
id_end(void *parser, const XML_Char *name)
{
	struct ident	*id = XML_GetUserData((XML_Parser)parser);

	(void)name;
	id->cur = NULL;
}

/* STS's answer read into id. 0, or -1 with why. */
static int
id_parse(const struct http_body *b, struct ident *id, char *why,
    size_t whylen)
{
	XML_Parser	 p;
	int		 ret = 0;

	if ((p = http_xml_new(id)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	XML_SetElementHandler(p, id_start, id_end);
	XML_SetCharacterDataHandler(p, id_chars);
	if (XML_Parse(p, b->p != NULL ? b->p : "", (int)b->len, 1) ==
	    XML_STATUS_ERROR) {
		snprintf(why, whylen, "STS's answer is not XML: %s",
		    http_xml_why(p));
		ret = -1;
	}
	XML_ParserFree(p);
	return ret;
}

/* The signed GetCallerIdentity request's headers; NULL: no memory. */
static struct curl_slist *
id_headers(const struct http_endpoint *ep, const struct aws_creds *k,
    const char *form, const char *region)
{
	static const struct sigv4_header type = { "Content-Type",
	    STS_FORM_TYPE };
	struct http_request	 rq;
	struct http_keys	 keys;

	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.host = ep->host;
	rq.path = ep->path[0] != '\0' ? ep->path : "/";
	rq.headers = &type;
	rq.nheaders = 1;
	rq.body = form;
	rq.bodylen = strlen(form);
	rq.region = region;
	rq.service = "sts";
	keys.access_key = k->access_key;
	keys.secret_key = k->secret_key;
	keys.session_token = k->session_token;
	return http_sign(&rq, &keys, time(NULL), 0);
}

/* GetCallerIdentity with k: 0 (id filled), or -1 with why. */
static int
caller_identity(const struct aws_creds *k, const char *region,
    const char *ca_bundle, struct ident *id, char *why, size_t whylen)
{
	static const char	 form[] = "Action=GetCallerIdentity&Version="
	    STS_VERSION;
	struct http_endpoint	 ep;
	struct http_call	 hc;
	struct http_body	 b;
	struct curl_slist	*hdrs = NULL;
	char			*url = NULL;
	long			 status = 0;
	int			 ret = -1;

	memset(&ep, 0, sizeof(ep));
	memset(&b, 0, sizeof(b));
	if ((url = creds_sts_url(region)) == NULL ||
	    http_endpoint_parse(url, &ep) == -1 ||
	    (hdrs = id_headers(&ep, k, form, region)) == NULL) {
		snprintf(why, whylen, "STS's endpoint: cannot make the request");
		goto out;
	}
	memset(&hc, 0, sizeof(hc));
	hc.method = "POST";
	hc.url = url;
	hc.headers = hdrs;
	hc.body = form;
	hc.ca_bundle = ca_bundle;
	hc.connect_ms = STS_CONNECT_MS;
	hc.total_ms = STS_TIMEOUT_MS;
	hc.max = STS_ANSWER_MAX;
	if (http_fetch(&hc, &status, &b, why, whylen) == -1 ||
	    id_parse(&b, id, why, whylen) == -1)
		goto out;
	if (status != 200 || id->arn[0] == '\0') {
		snprintf(why, whylen, "STS GetCallerIdentity: HTTP %ld %.100s%s"
		    "%.300s",
		    status, id->code, id->message[0] ? ": " : "",
		    id->message);
		goto out;
	}
	ret = 0;
 out:
	http_body_free(&b);
	http_headers_free(hdrs);
	http_endpoint_free(&ep);
	free(url);
	return ret;
}

void
check_creds(struct check *c, const struct aws_creds *k, const char *region,
    const char *ca_bundle)
{
	struct ident	 id;
	char		 why[1024];

	if (k == NULL) {
		say(c, V_FAIL_REMOTE, "credentials", "none usable (said above)");
		return;
	}
	memset(&id, 0, sizeof(id));
	if (caller_identity(k, region != NULL ? region : "us-east-1",
	    ca_bundle, &id, why, sizeof(why)) == -1) {
		say(c, V_FAIL_REMOTE, "credentials", "from %s; %s", k->source,
		    why);
		return;
	}
	say(c, V_OK, "credentials", "from %s: account %s, %s", k->source,
	    id.account, id.arn);
}

/* ----------------------------------------------------------- bucket */

/* S3's Date against ours. */
static void
check_clock(struct check *c, struct s3 *s3)
{
	long long	d = s3_date(s3), skew;

	if (d == 0) {
		say(c, V_UNKNOWN, "clock", "no Date in S3's answers");
		return;
	}
	skew = (long long)time(NULL) - d;
	if (skew <= CHECK_SKEW_MAX && skew >= -CHECK_SKEW_MAX)
		say(c, V_OK, "clock", "%lld seconds from S3's (Date), within "
		    "its 15 minutes", skew < 0 ? -skew : skew);
	else
		say(c, V_FAIL_LOCAL, "clock", "%lld seconds %s S3's (Date): "
		    "S3 refuses requests signed more than 15 minutes off",
		    skew < 0 ? -skew : skew, skew < 0 ? "behind" : "ahead of");
}

/* The smallest object of the page (not a folder, not empty), or NULL. */
static const struct s3_object *
smallest(const struct s3_list_page *pg)
{
	const struct s3_object	*best = NULL, *ob;
	size_t			 i, n;

	for (i = 0; i < pg->nobjects; i++) {
		ob = &pg->objects[i];
		n = strlen(ob->key);
		if (ob->size <= 0 || (n > 0 && ob->key[n - 1] == '/'))
			continue;
		if (best == NULL || ob->size < best->size)
			best = ob;
	}
	return best;
}

static void
check_get(struct check *c, struct s3 *s3, const char *bucket,
    const struct s3_object *ob)
{
	struct s3_get	*g;
	struct s3_body	 body = { .data = NULL, .len = 0, .fd = -1 };
	struct s3_error	 err;
	char		 e[640];

	if (ob == NULL) {
		say(c, V_UNKNOWN, "get", "no object listed to read");
		return;
	}
	if ((size_t)ob->size > CHECK_GET_MAX) {
		say(c, V_UNKNOWN, "get", "the smallest object listed, %s, is "
		    "%lld bytes: not read", ob->key, ob->size);
		return;
	}
	if ((g = s3_get_start(s3, bucket, ob->key, ob->size, CHECK_GET_MAX,
	    0)) == NULL) {
		say(c, V_FAIL_LOCAL, "get", "out of memory");
		return;
	}
	if (s3_get_finish(g, &body, &err) == -1)
		say(c, V_FAIL_REMOTE, "get", "%s: %s", ob->key, s3_strerror(&err, e,
		    sizeof(e)));
	else
		say(c, V_OK, "get", "s3:GetObject allowed: %s, %lld bytes",
		    ob->key, ob->size);
	s3_body_free(&body);
}

/*
 * -D: a delete of a name that is not there, beside ob (or under
 * --prefix), where versioning was never enabled; see the top.
 */
static void
check_delete(struct check *c, struct s3 *s3, const struct options *o,
    const struct s3_object *ob)
{
	struct s3_error	 err;
	const char	*slash;
	char		 status[32], key[1200], e[640];
	int		 n, flen = 0;

	if (s3_versioning(s3, o->bucket, status, sizeof(status), &err) == -1) {
		say(c, V_UNKNOWN, "delete", "not tried: whether a delete "
		    "would leave a delete marker is unknown "
		    "(GetBucketVersioning: %s)", s3_strerror(&err, e, sizeof(e)));
		return;
	}
	if (status[0] != '\0') {
		say(c, V_UNKNOWN, "delete", "not tried: versioning is %s, so "
		    "even deleting a missing key leaves a delete marker; "
		    "cannot be known without deleting an object", status);
		return;
	}
	if (ob != NULL && (slash = strrchr(ob->key, '/')) != NULL)
		flen = (int)(slash - ob->key + 1);
	n = ob != NULL ? snprintf(key, sizeof(key), "%.*sgetawslog-check-%ld"
	    "-%lld", flen, ob->key, (long)getpid(), (long long)time(NULL)) :
	    snprintf(key, sizeof(key), "%sgetawslog-check-%ld-%lld",
	    o->prefix != NULL ? o->prefix : "", (long)getpid(),
	    (long long)time(NULL));
	if (n < 0 || (size_t)n >= sizeof(key) || n > 1024) {
		say(c, V_UNKNOWN, "delete", "not tried: no name to try");
		return;
	}
	if (s3_delete(s3, o->bucket, key, &err) == -1)
		say(c, V_FAIL_REMOTE, "delete", "%s: %s", key, s3_strerror(&err, e,
		    sizeof(e)));
	else
		say(c, V_OK, "delete", "s3:DeleteObject allowed (tried on %s, "
		    "which is not there; versioning never enabled: nothing "
		    "changed)", key);
}

void
check_bucket(struct check *c, struct s3 *s3, const struct options *o,
    const char *region)
{
	struct s3_list_params	 lp;
	struct s3_list_page	 pg;
	struct s3_error		 err;
	const struct s3_object	*ob;
	const char		*r;
	char			 e[640];

	memset(&lp, 0, sizeof(lp));
	lp.prefix = o->prefix;
	if (s3_list_page(s3, o->bucket, &lp, NULL, &pg, &err) == -1) {
		say(c, V_FAIL_REMOTE, "list", "bucket %s: %s", o->bucket,
		    s3_strerror(&err, e, sizeof(e)));
		check_clock(c, s3);
		return;
	}
	r = s3_bucket_region(s3, o->bucket);
	if (region == NULL || strcmp(region, r) == 0)
		say(c, V_OK, "region", "%s%s", r, region != NULL ?
		    " (as configured)" : "");
	else
		say(c, V_OK, "region", "%s (S3 says so; %s configured: "
		    "requests follow S3)", r, region);
	say(c, V_OK, "list", "s3:ListBucket allowed: %zu keys%s%s in the "
	    "first page", pg.nobjects, o->prefix != NULL ? " under " : "",
	    o->prefix != NULL ? o->prefix : "");
	ob = smallest(&pg);
	check_get(c, s3, o->bucket, ob);
	if (o->delete)
		check_delete(c, s3, o, ob);
	check_clock(c, s3);
	s3_list_page_free(&pg);
}

/* ------------------------------------------------------------ queue */

struct attr_wait {
	int		 done, rc;
	struct s3_error	 err;
};

static void
on_attributes(void *arg, int rc, const struct s3_error *err)
{
	struct attr_wait	*w = arg;

	w->done = 1;
	w->rc = rc;
	if (err != NULL)
		w->err = *err;
}

void
check_queue(struct check *c, struct engine *eng, struct sqs *q)
{
	struct attr_wait	 w;
	char			 e[640];

	if (q == NULL) {
		say(c, V_FAIL_REMOTE, "queue", "cannot be used (said above)");
		return;
	}
	memset(&w, 0, sizeof(w));
	if (sqs_attributes(q, on_attributes, &w) == -1) {
		say(c, V_FAIL_LOCAL, "queue", "out of memory");
		return;
	}
	while (!w.done)
		engine_step(eng, 1000);
	if (w.rc != 0) {
		say(c, V_FAIL_REMOTE, "queue", "%s: GetQueueAttributes: %s",
		    sqs_shown(q), s3_strerror(&w.err, e, sizeof(e)));
		return;
	}
	say(c, V_OK, "queue", "%s: sqs:GetQueueAttributes allowed",
	    sqs_shown(q));
	say(c, V_UNKNOWN, "queue rights", "ReceiveMessage, DeleteMessage and "
	    "ChangeMessageVisibility not tried: a receive hides a message and "
	    "counts against its redrive policy");
}

int
check_status(const struct check *c)
{
	if (c->failed_remote > 0)
		return EXIT_BUCKET;
	if (c->failed_local > 0)
		return EXIT_LOCAL;
	return EXIT_OK;
}
