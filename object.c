/* SPDX-License-Identifier: ISC */
/*
 * object.c - one object's effects. Raw mode inflates twice (verify, then
 * write), so memory does not grow with the decompressed size; with -j the
 * document is inflated into a buffer kept from object to object, checked
 * whole by the converter, then written.
 */
#include <stdlib.h>
#include <string.h>

#include "flatten.h"
#include "inflate.h"
#include "layout.h"
#include "logfile.h"
#include "msg.h"
#include "object.h"
#include "s3.h"
#include "state.h"

#define DOC_KEEP	(64 * 1024 * 1024)	/* document buffer kept */
#define WHY_MAX		256

enum object_result
object_failed(struct run *r, const char *key, const char *what,
    const struct s3_error *err)
{
	char	e[640];

	msg_warn("%s: %s: %s", key, what, s3_strerror(err, e, sizeof(e)));
	if (err->status == S3_ENOMEM || err->status == S3_EINTR)
		return OBJECT_FATAL;
	if (err->transient)
		r->n.transient++;
	else
		r->n.failed++;
	return OBJECT_FAILED;
}

/* A bad object: named, counted, left alone. */
static enum object_result
bad_object(struct run *r, const char *key, const char *why)
{
	msg_warn("%s: %s", key, why);
	r->n.failed++;
	return OBJECT_FAILED;
}

/* Raw mode: the verified object's bytes, and a line break. */
static enum object_result
write_raw(struct run *r, const char *key, const struct inflate_src *src)
{
	char	 why[WHY_MAX];
	size_t	 total;
	int	 rc;

	rc = inflate_stream(src, r->o->max_inflated, logfile_write, r->log,
	    &total, why, sizeof(why));
	if (rc == INFLATE_OK)
		rc = logfile_write(r->log, "\n", 1) == -1 ? INFLATE_ESINK :
		    INFLATE_OK;
	if (rc != INFLATE_OK && rc != INFLATE_ESINK) {
		/* Verified before: this cannot be bad data. */
		msg_warn("%s: %s", key, why);
		logfile_abort(r->log);
		return OBJECT_FATAL;
	}
	return OBJECT_DONE;	/* a failed write: logfile_end says it */
}

/* -j: the document in r->doc, one line per record. */
static enum object_result
write_records(struct run *r, const char *key, const char *base,
    size_t *nrec)
{
	struct flatten_meta	 meta;
	char			 why[WHY_MAX];
	int			 rc;

	meta.bucket = r->o->bucket;
	meta.key = key;
	meta.basename = base;
	rc = flatten_document(r->o->format, r->doc.p, r->doc.len, &meta,
	    logfile_write, r->log, nrec, why, sizeof(why));
	if (rc == FLATTEN_EBADDOC) {
		logfile_abort(r->log);
		return bad_object(r, key, why);
	}
	if (rc == FLATTEN_ENOMEM) {
		msg_warn("%s: out of memory", key);
		/* Lines may have gone out: take them back. */
		logfile_abort(r->log);
		return OBJECT_FATAL;
	}
	return OBJECT_DONE;	/* a failed write: logfile_end says it */
}

/* Inflate, check, convert and append one object to the log. */
static enum object_result
write_object(struct run *r, const char *key, const char *base,
    const struct s3_body *body)
{
	struct inflate_src	 src;
	enum object_result	 res;
	unsigned long long	 bytes;
	char			 why[WHY_MAX];
	size_t			 total, nrec = 0;
	int			 rc;

	src.data = body->data;
	src.len = body->len;
	src.fd = body->fd;
	/* Inflate and check the whole object before the first write. */
	r->doc.len = 0;
	if (r->o->format == -1)
		rc = inflate_verify(&src, r->o->max_inflated, &total, why,
		    sizeof(why));
	else
		rc = inflate_into(&src, r->o->max_inflated, &r->doc, &total,
		    why, sizeof(why));
	if (rc != INFLATE_OK)
		return bad_object(r, key, why);
	if (logfile_begin(r->log) == -1)
		return OBJECT_FATAL;
	if (r->o->format == -1)
		res = write_raw(r, key, &src);
	else
		res = write_records(r, key, base, &nrec);
	if (res != OBJECT_DONE)
		return res;
	if (logfile_end(r->log, &bytes) == -1)
		return OBJECT_FATAL;
	r->n.records += nrec;
	r->n.bytes_out += bytes;
	return OBJECT_DONE;
}

enum object_result
object_process(struct run *r, const char *key, const char *base,
    const struct s3_body *body)
{
	struct s3_error		 err;
	enum object_result	 res;
	long long		 when;

	r->n.bytes_in += body->len;
	if ((res = write_object(r, key, base, body)) != OBJECT_DONE) {
		object_trim(r);
		return res;
	}
	object_trim(r);
	r->n.objects++;
	if (layout_object_time(base, &when) && when > r->n.newest)
		r->n.newest = when;
	/*
	 * The record and the delete go together: the record is committed
	 * only once the delete succeeded, so an object that cannot be
	 * deleted (read-only credentials) is left in the bucket unrecorded.
	 * A crash before the commit leaves it unrecorded too: at worst this
	 * one object is written again by the next run.
	 */
	if (state_begin(r->st) == -1 || state_record(r->st, base) == -1)
		return OBJECT_FATAL;
	if (r->o->delete &&
	    s3_delete(r->s3, r->o->bucket, key, &err) == -1) {
		res = object_failed(r, key, "cannot delete", &err);
		if (state_rollback(r->st) == -1)
			return OBJECT_FATAL;
		return res;
	}
	if (state_commit(r->st) == -1)
		return OBJECT_FATAL;
	return OBJECT_DONE;
}

void
object_trim(struct run *r)
{
	/* Keep a buffer of a usual size; give back one a huge object made. */
	if (r->doc.cap > DOC_KEEP)
		inflate_buf_free(&r->doc);
}
