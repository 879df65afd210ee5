/* SPDX-License-Identifier: ISC */
/*
 * object.c - one object's effects. Raw mode inflates once to check the
 * object, holding its bytes while they fit in memory, and writes them
 * from there; a bigger object is inflated a second time into the log, so
 * memory does not grow with the decompressed size. With -j the
 * document is inflated and converted in one pass (convert.c), its lines
 * held in a spool in the log's directory, and written once the whole
 * document has proved good.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convert.h"
#include "engine.h"
#include "flatten.h"
#include "inflate.h"
#include "layout.h"
#include "logfile.h"
#include "msg.h"
#include "object.h"
#include "proof.h"
#include "s3.h"
#include "sig.h"
#include "spool.h"
#include "state.h"
#include "util.h"

/* A document's lines kept in memory; past this, in the spool's file. */
#define SPOOL_MEM	(8 * 1024 * 1024)
#define WHY_MAX		256
#define TURN_MS		100	/* the engine turned this often */
/*
 * What an object may write to the log, as a multiple of its compressed
 * size (floor: --max-output-size). Real CloudTrail objects compress 5 to
 * 35 times (a day of one role's AssumeRole calls is 35) and their lines
 * are about their JSON's size; `{"eventVersion":"1"}` repeated compresses
 * 1,000 times and makes 14 times its JSON in the wazuh format.
 */
#define OUTPUT_RATIO	100

enum object_result
object_failed(struct run *r, const char *key, const char *what,
    const struct s3_error *err)
{
	char	e[640];

	msg_warn("%s: %s: %s", key, what, s3_strerror(err, e, sizeof(e)));
	if (err->status == S3_EINTR)
		return OBJECT_STOPPED;
	/* Out of memory for one object (a huge body) is that object's. */
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

/*
 * Between the pieces of a long object: the engine's timers (the queue
 * mode's heartbeats, which keep the messages behind this object hidden)
 * and its transfers go on. Objects are finished from the top loop, never
 * from inside the engine, so this does not nest.
 */
static void
turn(struct run *r)
{
	long long	now;

	if (r->eng == NULL)
		return;
	/* Asked for each record: the coarse clock is enough for TURN_MS. */
	now = util_mono_coarse_ms();
	if (now - r->turned_ms < TURN_MS)
		return;
	r->turned_ms = now;
	engine_step(r->eng, 0);
}

/* Between records (flatten_meta's each). */
static void
record_turn(void *arg)
{
	turn(arg);
}

/* convert_object's question before each piece: stop? */
static int
stop_asked(void *arg, const char *p, size_t len)
{
	struct run	*r = arg;

	proof_feed(r->proof, p, len);	/* the hash, in the same pass */
	turn(r);
	return sig_caught() != 0;
}

/*
 * The bytes an object may write to the log: the larger of --max-output-size
 * and OUTPUT_RATIO times its compressed size.
 */
static unsigned long long
output_limit(const struct run *r, const struct inflate_src *src)
{
	unsigned long long	lim = (unsigned long long)src->len * OUTPUT_RATIO;

	return lim > r->o->max_output ? lim : r->o->max_output;
}

/*
 * The spool's directory: the log's, when the log is a file (the lines are
 * bound for that filesystem; a RAM-backed /tmp would hold a big document's
 * lines in memory after all); "" ($TMPDIR) for /dev/null, a FIFO, a pipe.
 */
static void
spool_dir(const char *log, char *dir, size_t dirlen)
{
	struct stat	 sb;
	const char	*slash;
	size_t		 n;

	dir[0] = '\0';
	if (stat(log, &sb) == -1 || !S_ISREG(sb.st_mode))
		return;
	if ((slash = strrchr(log, '/')) == NULL) {
		log = ".";
		n = 1;
	} else
		n = slash == log ? 1 : (size_t)(slash - log);
	if (n < dirlen) {
		memcpy(dir, log, n);
		dir[n] = '\0';
	}
}

/* The run's spool, made at its first object and reused. 0, or -1. */
static int
run_spool(struct run *r)
{
	char	dir[PATH_MAX];

	if (r->spool != NULL)
		return 0;
	spool_dir(r->o->log, dir, sizeof(dir));
	r->spool = spool_new(dir[0] != '\0' ? dir : NULL, SPOOL_MEM);
	return r->spool == NULL ? -1 : 0;	/* printed */
}

/*
 * Raw mode's sinks: the engine turns between pieces. The check also keeps
 * the bytes in the spool while they fit in its memory (SPOOL_MEM): an
 * object that does (nearly all of CloudTrail's) is then written from
 * there, inflated once; a bigger one is inflated again into the log, so
 * memory does not grow with the decompressed size.
 */
struct raw_out {
	struct run		*r;
	int			 write;	/* to the log; else only checked */
	unsigned long long	 left;	/* output_limit less the bytes seen */
	int			 over;	/* past output_limit */
	int			 held;	/* all seen so far is in r->spool */
};

static int
raw_put(void *arg, const char *p, size_t len)
{
	struct raw_out	*ro = arg;
	struct spool	*sp = ro->r->spool;

	turn(ro->r);
	if (ro->write)
		return logfile_write(ro->r->log, p, len);
	/* The object and its line break, within output_limit. */
	if (len >= ro->left) {
		ro->over = 1;
		return -1;
	}
	ro->left -= len;
	proof_feed(ro->r->proof, p, len);	/* checked and hashed */
	if (ro->held && (spool_size(sp) + len >= SPOOL_MEM ||
	    spool_write(sp, p, len) == -1)) {
		ro->held = 0;
		(void)spool_rewind(sp);
	}
	return 0;
}

/* The log's writer, remembering that it failed (logfile_end says why). */
struct log_out {
	struct run	*r;
	struct logfile	*log;
	int		 failed;
};

static int
log_put(void *arg, const char *p, size_t len)
{
	struct log_out	*lo = arg;

	turn(lo->r);
	if (logfile_write(lo->log, p, len) == -1) {
		lo->failed = 1;
		return -1;
	}
	return 0;
}

/* Raw mode: write what the check held, or inflate the object again. */
static enum object_result
write_raw_again(struct run *r, const char *key, const struct inflate_src *src,
    int held)
{
	struct raw_out	 out = { r, 1, 0, 0, 0 };
	struct log_out	 lo = { r, r->log, 0 };
	char		 why[WHY_MAX];
	size_t		 total;
	int		 rc;

	if (logfile_begin(r->log) == -1) {
		if (held)
			(void)spool_rewind(r->spool);
		return OBJECT_FATAL;
	}
	if (held) {
		/* The line break drained with the bytes: one write(2). */
		if (spool_drain(r->spool, log_put, &lo) == -1 && !lo.failed) {
			logfile_abort(r->log);	/* printed */
			return OBJECT_FATAL;
		}
		return OBJECT_DONE;	/* a failed write: logfile_end says it */
	}
	rc = inflate_stream(src, r->o->max_inflated, raw_put, &out, &total,
	    why, sizeof(why));
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

/* Raw mode: check the whole object, then write its bytes and a line break. */
static enum object_result
write_raw(struct run *r, const char *key, const struct inflate_src *src)
{
	struct raw_out	 check = { r, 0, 0, 0, 1 };
	char		 why[WHY_MAX];
	size_t		 total;
	int		 rc;

	if (run_spool(r) == -1)
		return OBJECT_FATAL;
	check.left = output_limit(r, src);
	spool_limit(r->spool, 0);
	rc = inflate_stream(src, r->o->max_inflated, raw_put, &check, &total,
	    why, sizeof(why));
	if (rc != INFLATE_OK)
		(void)spool_rewind(r->spool);
	if (check.over) {
		(void)snprintf(why, sizeof(why), "it would write more than %llu "
		    "bytes (see --max-output-size)", output_limit(r, src));
		return bad_object(r, key, why);
	}
	if (rc == INFLATE_ELOCAL) {
		/* The body's temporary file: a local fault, not the object's. */
		msg_warn("%s: %s", key, why);
		return OBJECT_FATAL;
	}
	if (rc != INFLATE_OK)
		return bad_object(r, key, why);
	/* Its line break: room was kept for it in memory. */
	if (check.held && spool_write(r->spool, "\n", 1) == -1) {
		check.held = 0;
		(void)spool_rewind(r->spool);
	}
	return write_raw_again(r, key, src, check.held);
}

/* -j: convert the whole document into the spool, then write its lines. */
static enum object_result
write_records(struct run *r, const char *bucket, const char *key,
    const char *base, const struct inflate_src *src, size_t *nrec)
{
	struct flatten_meta	 meta;
	struct log_out		 lo = { r, r->log, 0 };
	char			 why[WHY_MAX];
	size_t			 ndiscarded = 0, nshort = 0, nover = 0;
	int			 rc;

	if (run_spool(r) == -1)
		return OBJECT_FATAL;
	meta.bucket = bucket;
	meta.key = key;
	meta.basename = base;
	meta.account_alias = r->o->account_alias;
	meta.discard = r->o->discard;
	meta.discarded = &ndiscarded;
	meta.each = record_turn;
	meta.each_arg = r;
	spool_limit(r->spool, output_limit(r, src));
	meta.max_line = r->o->max_line;
	meta.shortened = &nshort;
	meta.overlong = &nover;
	rc = convert_object(src, r->o->max_inflated, r->o->format, &meta,
	    r->spool, stop_asked, r, nrec, why, sizeof(why));
	switch (rc) {
	case CONVERT_OK:
		r->n.discarded += ndiscarded;
		r->n.shortened += nshort;
		r->n.overlong += nover;
		break;
	case CONVERT_EBAD:
	case CONVERT_ENOMEM:
		/*
		 * A bad document, or one too big for the memory there is:
		 * named and left, nothing written; the objects after it
		 * are still written.
		 */
		return bad_object(r, key, why);
	case CONVERT_ESTOP:
		return OBJECT_STOPPED;
	default:
		return OBJECT_FATAL;	/* printed */
	}
	if (logfile_begin(r->log) == -1) {
		(void)spool_rewind(r->spool);
		return OBJECT_FATAL;
	}
	if (spool_drain(r->spool, log_put, &lo) == -1 && !lo.failed) {
		/* The spool could not be read back (printed). */
		logfile_abort(r->log);
		return OBJECT_FATAL;
	}
	return OBJECT_DONE;	/* a failed write: logfile_end says it */
}

/* Inflate, check, convert and append one object to the log. */
static enum object_result
write_object(struct run *r, const char *bucket, const char *key,
    const char *base, const struct s3_body *body)
{
	struct inflate_src	 src;
	enum object_result	 res;
	unsigned long long	 bytes;
	size_t			 nrec = 0;

	src.data = body->data;
	src.len = body->len;
	src.fd = body->fd;
	proof_start(r->proof);
	/* Nothing reaches the log before the whole object proved good. */
	if (r->o->format == -1)
		res = write_raw(r, key, &src);
	else
		res = write_records(r, bucket, key, base, &src, &nrec);
	if (res != OBJECT_DONE)
		return res;
	if (logfile_end(r->log, &bytes) == -1)
		return OBJECT_FATAL;
	r->n.records += nrec;
	r->n.bytes_out += bytes;
	return OBJECT_DONE;
}

/* Is this the answer of credentials that may not delete? */
static int
delete_denied(const struct s3_error *err)
{
	return err->status == S3_EHTTP && (err->http_status == 403 ||
	    strcmp(err->code, "AccessDenied") == 0);
}

/* Say, once, why the run stops on a refused delete. */
static enum object_result
denied(struct run *r, const char *bucket)
{
	r->denied = 1;
	msg_warn("these credentials may not delete objects from bucket %s; "
	    "stopping. %s", bucket, state_enabled(r->st) ?
	    "The objects written are recorded, and their deletes are tried "
	    "again by the next run." : "Without -s the next run writes the "
	    "object above again.");
	return OBJECT_DENIED;
}

/*
 * The delete of a written object failed. With -s the record stays (its
 * lines are in the log: the next run must not write them again) and the
 * delete is tried again by the next run.
 */
static enum object_result
delete_failed(struct run *r, const char *bucket, const char *key,
    const struct s3_error *err)
{
	char	e[640];

	msg_warn("%s: cannot delete: %s", key, s3_strerror(err, e,
	    sizeof(e)));
	/* Interrupted too: its lines are synced, so the record is kept. */
	if (state_undeleted(r->st, bucket, key, 1) == -1 ||
	    state_commit(r->st) == -1)
		return OBJECT_FATAL;
	if (err->status == S3_EINTR)
		return OBJECT_STOPPED;
	if (delete_denied(err))
		return denied(r, bucket);
	r->n.undeleted++;
	if (err->transient)
		r->n.undeleted_transient = 1;
	return OBJECT_FAILED;
}

/*
 * CloudTrail never dates a key later than today: a key of next year in the
 * folder (forged, or a clock gone wrong) must not become where the folder
 * is listed from, or an outage longer than --lookback would never be read
 * again. A day of slack for clocks.
 */
static int
after_tomorrow(const char *day)
{
	struct tm	tm;
	time_t		t = time(NULL) + 86400;
	char		tomorrow[16];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(tomorrow, sizeof(tomorrow), "%Y/%m/%d", &tm) != 10)
		return 1;
	return strcmp(day, tomorrow) > 0;
}

int
object_record(struct run *r, const char *bucket, const char *key,
    const char *base)
{
	size_t	folderlen;
	char	day[11], folder[1200];

	if (state_record(r->st, base) == -1)
		return -1;
	if (!layout_key_day(key, &folderlen, day) ||
	    folderlen >= sizeof(folder) || after_tomorrow(day))
		return 0;
	memcpy(folder, key, folderlen);
	folder[folderlen] = '\0';
	return state_folder_done(r->st, bucket, folder, day);
}

enum object_result
object_process(struct run *r, const char *bucket, const char *key,
    const char *base, const struct s3_body *body)
{
	struct s3_error		 err;
	enum object_result	 res;
	long long		 when;

	if (r->proof != NULL && layout_is_digest(base))
		return proof_digest(r, bucket, key, base, body);
	r->n.bytes_in += body->len;
	res = write_object(r, bucket, key, base, body);
	if (res != OBJECT_DONE)
		return res;
	r->n.objects++;
	if (layout_object_time(base, &when) && when > r->n.newest)
		r->n.newest = when;
	/*
	 * The record, then the delete, then the commit. A crash before the
	 * commit leaves the object unrecorded and in the bucket: at worst
	 * this one object is written again by the next run.
	 */
	if (state_begin(r->st) == -1 ||
	    object_record(r, bucket, key, base) == -1 ||
	    proof_record(r->proof, bucket, key) == -1)
		return OBJECT_FATAL;
	if (r->o->delete && s3_delete(r->s3, bucket, key, &err) == -1)
		return delete_failed(r, bucket, key, &err);
	if (state_commit(r->st) == -1)
		return OBJECT_FATAL;
	return OBJECT_DONE;
}

/* Delete again the objects of bucket whose delete failed before. */
static enum object_result
retry_bucket(struct run *r, const char *bucket)
{
	struct s3_error	 err;
	char		 e[640], **keys;
	size_t		 i, n;
	int		 ret = OBJECT_DONE;

	if ((keys = state_undeleted_list(r->st, bucket, &n)) == NULL)
		return OBJECT_FATAL;
	for (i = 0; i < n && ret == OBJECT_DONE; i++) {
		if (r->o->debug > 1)
			msg_warn("deleting %s again (written and recorded by an "
			    "earlier run)", keys[i]);
		if (s3_delete(r->s3, bucket, keys[i], &err) == 0) {
			if (state_undeleted(r->st, bucket, keys[i], 0) == -1)
				ret = OBJECT_FATAL;
			continue;
		}
		msg_warn("%s: cannot delete: %s", keys[i], s3_strerror(&err, e,
		    sizeof(e)));
		if (err.status == S3_EINTR)
			ret = OBJECT_STOPPED;
		else if (delete_denied(&err))
			ret = denied(r, bucket);
		else {
			r->n.undeleted++;
			if (err.transient)
				r->n.undeleted_transient = 1;
		}
	}
	state_list_free(keys);
	return ret;
}

enum object_result
object_retry_deletes(struct run *r)
{
	size_t	i;
	int	ret = OBJECT_DONE;

	if (!r->o->delete || !state_enabled(r->st))
		return OBJECT_DONE;
	if (r->o->queue_url == NULL)
		return retry_bucket(r, r->o->bucket);
	/* The queue mode: each of -b's buckets, one after another. */
	for (i = 0; i < r->o->nbuckets && ret == OBJECT_DONE; i++)
		ret = retry_bucket(r, r->o->buckets[i]);
	return ret;
}
