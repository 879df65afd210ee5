/* SPDX-License-Identifier: ISC */
/*
 * fetch.c - the in-order queue between the listing (or the queue's
 * messages) and the objects' effects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "layout.h"
#include "msg.h"
#include "object.h"
#include "pace.h"
#include "progress.h"
#include "proof.h"
#include "s3.h"
#include "sig.h"
#include "state.h"
#include "util.h"

/*
 * Bodies larger than this wait in a temporary file, not in memory: raw
 * mode's and -j's alike (a 300 MB document is about 43 MB of gzip).
 */
#define SPOOL_MIN	(4 * 1024 * 1024)
/*
 * Bodies held in memory at once, whatever -J: one that would take the
 * total past this waits in a temporary file too (64 in flight of 4 MB
 * would be 256 MB).
 */
#define BODIES_MEM_MAX	(16 * 1024 * 1024)

enum pend_kind { PEND_FOLDER, PEND_DIGEST, PEND_SEEN, PEND_OLD, PEND_EMPTY,
	PEND_FETCH };

struct pending {
	struct pending	*next;
	enum pend_kind	 kind;
	char		*bucket;	/* NULL: -b's */
	char		*key;
	const char	*base;		/* in key */
	long long	 size;		/* expected; -1 unknown */
	long long	 hint;		/* for spooling; -1 unknown */
	int		 started;	/* PEND_FETCH: its GET was started */
	unsigned	 round;		/* the pace's round it started in */
	unsigned long	 records;	/* digest_records when it was listed */
	size_t		 mem;		/* its body's bytes in memory */
	struct s3_get	*get;		/* NULL once started: over the limit */
	void		*tag;
	int		 told;		/* a queue message's: its outcome is
					   told (fetch_put) */
};

struct fetchq {
	struct run	*r;
	struct pending	*head, **tail;
	size_t		 queued;
	int		 fetches;	/* downloads queued, started or not */
	int		 fetching;	/* GETs started, not yet finished */
	size_t		 mem;		/* bodies' bytes in memory, theirs */
	unsigned long	 empty_digests;	/* digests' names recorded empty */
	struct pace	 pace;		/* how many may be fetching, up to -J */
	fetch_outcome_fn outcome;
	void		*arg;
};

struct fetchq *
fetch_new(struct run *r, fetch_outcome_fn outcome, void *arg)
{
	struct fetchq	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		msg_oom();
		return NULL;
	}
	q->r = r;
	q->tail = &q->head;
	pace_init(&q->pace, r->o->jobs);
	q->outcome = outcome;
	q->arg = arg;
	return q;
}

static void
pending_free(struct pending *p)
{
	s3_get_cancel(p->get);
	free(p->bucket);
	free(p->key);
	free(p);
}

static const char *
bucket_of(const struct fetchq *q, const struct pending *p)
{
	return p->bucket != NULL ? p->bucket : q->r->o->bucket;
}

/*
 * A name on stdout (the script's -d lines, --dry-run's keys): control
 * bytes escaped, so that a key cannot forge a line in cron's mail or
 * repaint a terminal.
 */
static void
say(const char *what, const char *name)
{
	char	buf[MSG_ESCAPED_MAX];

	progress_clear();
	printf("%s%s\n", what, msg_escape(name, buf, sizeof(buf)));
}

/* Said in its turn, so that -d's lines keep the listing's order. */
static enum fetch_outcome
skip(struct fetchq *q, const struct pending *p)
{
	struct run	*r = q->r;

	r->n.skipped++;
	if (p->kind == PEND_DIGEST && r->o->debug)
		say("Skipping digest file: ", p->base);
	else if (p->kind == PEND_SEEN && r->o->debug)
		say("Skipping previously seen file ", p->base);
	else if (p->kind == PEND_OLD && r->o->debug > 1)
		/* Not the script's: -d's stdout stays the script's lines. */
		msg_warn("skipping %s, dated before --after", p->key);
	else if (p->kind == PEND_EMPTY) {
		/*
		 * No bytes (a "_$folder$" marker, say) is no gzip, but no
		 * failure either: recorded, so that it is said only once.
		 */
		if (r->o->debug > 1)
			msg_warn("skipping %s, an empty object", p->key);
		if (!r->o->dry_run && (state_begin(r->st) == -1 ||
		    state_record(r->st, p->base) == -1 ||
		    state_commit(r->st) == -1))
			return FETCH_FATAL;
		if (layout_is_digest(p->base))
			q->empty_digests++;
	}
	return FETCH_SKIPPED;
}

/*
 * How many times a digest's name was recorded as seen this run: with the
 * digests held (proof.c), or empty (above). Nothing else records one.
 */
static unsigned long
digest_records(const struct fetchq *q)
{
	return proof_records(q->r->proof) + q->empty_digests;
}

static int
gone(const struct s3_error *err)
{
	return err->status == S3_EHTTP && err->http_status == 404 &&
	    strcmp(err->code, "NoSuchKey") == 0;
}

static enum fetch_outcome
outcome_of(enum object_result res)
{
	switch (res) {
	case OBJECT_DONE:
		return FETCH_DONE;
	case OBJECT_FATAL:
		return FETCH_FATAL;
	case OBJECT_DENIED:
		return FETCH_DENIED;
	case OBJECT_STOPPED:
		return FETCH_DROPPED;
	default:
		return FETCH_FAILED;
	}
}

/* -dd: the window of downloads grew, or grows no more; why. */
static void
paced(const struct fetchq *q, enum pace_decision how)
{
	const struct pace	*pc = &q->pace;

	if (q->r->o->debug < 2)
		return;
	if (how == PACE_SETTLED)
		msg_warn("downloads in flight: %d, no more (S3's median wait "
		    "%.2f ms, %.2f ms at %d: its throughput, not its latency, "
		    "is the limit)", pc->window, pc->med / 1e3, pc->prev / 1e3,
		    pc->prev_window);
	else
		msg_warn("downloads in flight: up to %d (S3's median wait "
		    "%.2f ms at %d, longer than their objects' %.2f ms of "
		    "work)", pc->window, pc->med / 1e3, pc->prev_window,
		    pc->use * pc->prev_window / 1e3);
}

/*
 * Write, record and delete the object at the head of the queue. The pace
 * learns from log files only: the window hides S3's wait behind their
 * use, and a digest (a few KB checked, no line, no sync) takes a tenth of
 * their time; the digest folders sort first, so counted they would size
 * the window for themselves (16 to 32 where the log files want 8).
 */
static enum fetch_outcome
finish(struct fetchq *q, struct pending *p)
{
	struct run	*r = q->r;
	struct s3_error	 err;
	struct s3_body	 body = { .data = NULL, .len = 0, .fd = -1 };
	unsigned long	 transient = r->n.transient;
	enum pace_decision how;
	enum object_result res;
	long long	 t0;
	int		 rc, paced_too;

	if (p->kind != PEND_FETCH)
		return skip(q, p);
	/*
	 * Seen by the time its turn came (an earlier object of the same
	 * name): skipped, as a sequential run would have. A digest's name
	 * is recorded only with the digests held or as empty
	 * (digest_records): none recorded since it was listed, it cannot
	 * have become seen.
	 */
	if ((!layout_is_digest(p->base) || r->proof == NULL ||
	    digest_records(q) != p->records) &&
	    (rc = state_seen(r->st, p->base)) != 0) {
		if (rc == -1)
			return FETCH_FATAL;
		r->n.skipped++;
		if (r->o->debug)
			say("Skipping previously seen file ", p->base);
		return FETCH_SKIPPED;
	}
	if (r->o->debug)
		say("+++ Found new log:  ", p->base);
	if (r->o->dry_run) {
		/* Would be fetched: say so, touch nothing. */
		say("", p->key);
		r->n.objects++;
		return FETCH_DONE;
	}
	if (p->get == NULL) {
		msg_warn("%s: cannot download: object is %lld bytes, more than "
		    "the limit of %zu", p->key, p->size, OBJECT_MAX);
		r->n.failed++;
		return FETCH_FAILED;
	}
	rc = s3_get_finish(p->get, &body, &err);
	p->get = NULL;
	paced_too = !layout_is_digest(p->base);	/* see above */
	if (rc == 0 && paced_too && (how = pace_waited(&q->pace, p->round,
	    body.wait_us)) != PACE_SAME)
		paced(q, how);
	if (rc == -1 && p->told && gone(&err)) {
		/*
		 * A message names an object the bucket no longer has: done
		 * and deleted by a worker with -D (S3 notifies at least
		 * once), or removed. Trying again cannot help.
		 */
		if (!r->o->delete || r->o->debug > 1)
			msg_warn("%s: gone from bucket %s (NoSuchKey); nothing "
			    "to fetch", p->key, bucket_of(q, p));
		return FETCH_SKIPPED;
	}
	if (rc == -1)
		res = object_failed(r, p->key, "cannot download", &err);
	else if (body.len == 0) {
		/* Empty after all (a message named it without its size). */
		s3_body_free(&body);
		p->kind = PEND_EMPTY;
		return skip(q, p);
	} else {
		t0 = util_mono_us();
		res = object_process(r, bucket_of(q, p), p->key, p->base,
		    &body);
		if (paced_too)
			pace_used(&q->pace, util_mono_us() - t0);
	}
	s3_body_free(&body);
	if (res == OBJECT_FAILED && r->n.transient != transient)
		return FETCH_TRANSIENT;
	return outcome_of(res);
}

static void
tell(struct fetchq *q, struct pending *p, enum fetch_outcome how)
{
	if (p->told && q->outcome != NULL)
		q->outcome(q->arg, p->tag, how);
	p->told = 0;
}

static int	start(struct fetchq *, struct pending *);

/*
 * Start the downloads queued, in order, while fewer than the pace's window
 * are in flight. 0, or -1 on a fatal error (r->fatal is set).
 */
static int
fill(struct fetchq *q)
{
	struct run	*r = q->r;
	struct pending	*p;

	if (r->fatal || r->denied || sig_caught() || r->o->dry_run)
		return 0;
	for (p = q->head; p != NULL && q->fetching < q->pace.window;
	    p = p->next)
		if (p->kind == PEND_FETCH && !p->started && start(q, p) == -1)
			return -1;
	return 0;
}

/* Finish the head, then start what its place (or a grown window) allows. */
static void
pop(struct fetchq *q)
{
	struct run		*r = q->r;
	struct pending		*p = q->head;
	enum fetch_outcome	 how = FETCH_DROPPED;

	if ((q->head = p->next) == NULL)
		q->tail = &q->head;
	q->queued--;
	if (p->kind == PEND_FETCH)
		q->fetches--;
	if (p->started)
		q->fetching--;
	q->mem -= p->mem;
	if (!r->fatal && !r->denied && !sig_caught()) {
		how = finish(q, p);
		if (how == FETCH_FATAL)
			r->fatal = 1;
	}
	tell(q, p, how);
	pending_free(p);
	progress_draw(&r->n, 0);
	(void)fill(q);
}

/* What the object needs: a download, or only a line in its turn. */
static int
classify(struct fetchq *q, struct pending *p)
{
	struct run	*r = q->r;
	char		 day[9];
	int		 seen;

	p->records = digest_records(q);
	if (*p->base == '\0')
		p->kind = PEND_FOLDER;
	else if (layout_is_digest(p->base) && r->proof == NULL)
		p->kind = PEND_DIGEST;	/* fetched only to be checked */
	else if (r->o->after[0] != '\0' && layout_object_day(p->base, day) &&
	    strcmp(day, r->o->after) < 0)
		p->kind = PEND_OLD;
	else if ((seen = state_seen(r->st, p->base)) != 0 ||
	    (seen = state_marked(r->st, p->bucket != NULL ? p->bucket :
	    r->o->bucket, p->key)) != 0) {
		if (seen == -1)
			return -1;
		p->kind = PEND_SEEN;
	} else if (p->size == 0)
		/* The listing's size: a message's may be stale or a lie. */
		p->kind = PEND_EMPTY;
	else
		p->kind = PEND_FETCH;
	return 0;
}

/* Start its GET (over the limit: none, reported in its turn). */
static int
start(struct fetchq *q, struct pending *p)
{
	struct run	*r = q->r;
	long long	 size = p->size >= 0 ? p->size : p->hint;
	int		 spool;

	p->started = 1;
	p->round = q->pace.round;
	q->fetching++;
	pace_started(&q->pace, q->fetching);
	if (size >= 0 && (unsigned long long)size > OBJECT_MAX)
		return 0;
	/*
	 * Big bodies go to a temporary file; so does one whose size only a
	 * message told (or none did): it may be anything up to OBJECT_MAX;
	 * and one past what the bodies in memory may take together.
	 */
	spool = p->size < 0 || size > SPOOL_MIN ||
	    q->mem + (size_t)size > BODIES_MEM_MAX;
	if (!spool)
		q->mem += p->mem = (size_t)size;
	if ((p->get = s3_get_start(r->s3, bucket_of(q, p), p->key, p->size,
	    OBJECT_MAX, spool)) == NULL) {
		msg_oom();
		r->fatal = 1;
		return -1;
	}
	return 0;
}

static struct pending *
pending_new(struct run *r, char *key, long long size)
{
	struct pending	*p;
	const char	*slash;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		free(key);
		msg_oom();
		r->fatal = 1;
		return NULL;
	}
	p->key = key;
	p->size = size;
	p->hint = -1;
	slash = strrchr(key, '/');
	p->base = slash != NULL ? slash + 1 : key;
	return p;
}

static void
append(struct fetchq *q, struct pending *p)
{
	*q->tail = p;
	q->tail = &p->next;
	q->queued++;
}

int
fetch_add(struct fetchq *q, char *key, long long size)
{
	struct run	*r = q->r;
	struct pending	*p;

	if ((p = pending_new(r, key, size)) == NULL)
		return -1;
	if (classify(q, p) == -1) {
		pending_free(p);
		r->fatal = 1;
		return -1;
	}
	if (p->kind == PEND_FOLDER) {
		pending_free(p);
		return 0;
	}
	if (p->kind == PEND_FETCH) {
		r->n.listed++;
		if (!r->o->dry_run) {
			/*
			 * Make room, in order: at most -J wait for their
			 * download or are in it, the pace's window in it (the
			 * rest start as the window allows, pop's fill).
			 */
			while (q->fetches >= r->o->jobs && !r->fatal &&
			    !r->denied && !sig_caught())
				pop(q);
			if (q->fetching < q->pace.window && start(q, p) == -1) {
				pending_free(p);
				return -1;
			}
		}
		q->fetches++;
	}
	append(q, p);
	return 0;
}

int
fetch_put(struct fetchq *q, const struct fetch_item *it)
{
	struct run	*r = q->r;
	struct pending	*p;

	if ((p = pending_new(r, it->key, -1)) == NULL)
		return -1;
	p->hint = it->size;
	p->tag = it->tag;
	if (it->bucket != NULL && (p->bucket = strdup(it->bucket)) == NULL) {
		pending_free(p);
		msg_oom();
		r->fatal = 1;
		return -1;
	}
	if (classify(q, p) == -1) {
		pending_free(p);
		r->fatal = 1;
		return -1;
	}
	if (it->region != NULL)
		s3_region_hint(r->s3, bucket_of(q, p), it->region);
	if (p->kind == PEND_FETCH) {
		r->n.listed++;
		q->fetches++;
	}
	p->told = 1;
	append(q, p);
	return 0;
}

/* Can the head be finished without waiting for its download? */
static int
head_ready(const struct fetchq *q)
{
	const struct pending	*p = q->head;

	return p != NULL && (p->kind != PEND_FETCH || q->r->o->dry_run ||
	    (p->started && (p->get == NULL || s3_get_ready(p->get))));
}

int
fetch_step(struct fetchq *q)
{
	struct run	*r = q->r;
	int		 fetched = 0;

	for (;;) {
		/* Skips are cheap; one download finished per call. */
		while (head_ready(q) && !(fetched && q->head->started)) {
			fetched |= q->head->started;
			pop(q);
		}
		if (r->fatal || r->denied || sig_caught() || r->o->dry_run ||
		    fill(q) == -1)
			return 0;
		if (fetched || !head_ready(q))
			return head_ready(q);
	}
}

size_t
fetch_queued(const struct fetchq *q)
{
	return q->queued;
}

void
fetch_drain(struct fetchq *q)
{
	struct pending	*p;

	while (q->head != NULL) {
		/* fetch_put's, in turn; none after a stop. */
		if ((p = q->head)->kind == PEND_FETCH && !p->started &&
		    !q->r->o->dry_run && !q->r->fatal && !q->r->denied &&
		    !sig_caught() && start(q, p) == -1)
			continue;
		pop(q);
	}
}

void
fetch_free(struct fetchq *q)
{
	struct pending	*p;

	if (q == NULL)
		return;
	/* Nothing is finished here: what is left is dropped. */
	while ((p = q->head) != NULL) {
		q->head = p->next;
		tell(q, p, FETCH_DROPPED);
		pending_free(p);
	}
	free(q);
}
