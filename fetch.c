/* SPDX-License-Identifier: ISC */
/*
 * fetch.c - the in-order queue between the listing and the objects'
 * effects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "layout.h"
#include "msg.h"
#include "object.h"
#include "progress.h"
#include "s3.h"
#include "sig.h"
#include "state.h"

/*
 * Bodies larger than this wait in a temporary file, not in memory: raw
 * mode's and -j's alike (a 300 MB document is about 43 MB of gzip).
 */
#define SPOOL_MIN	(4 * 1024 * 1024)

enum pend_kind { PEND_DIGEST, PEND_SEEN, PEND_OLD, PEND_EMPTY, PEND_FETCH };

struct pending {
	struct pending	*next;
	enum pend_kind	 kind;
	char		*key;
	const char	*base;		/* in key */
	long long	 size;
	struct s3_get	*get;		/* PEND_FETCH, once started */
};

struct fetchq {
	struct run	*r;
	struct pending	*head, **tail;
	int		 fetching;	/* PEND_FETCH entries in the queue */
};

struct fetchq *
fetch_new(struct run *r)
{
	struct fetchq	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		msg_oom();
		return NULL;
	}
	q->r = r;
	q->tail = &q->head;
	return q;
}

static void
pending_free(struct pending *p)
{
	s3_get_cancel(p->get);
	free(p->key);
	free(p);
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
static enum object_result
skip(struct run *r, const struct pending *p)
{
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
			return OBJECT_FATAL;
	}
	return OBJECT_DONE;
}

/* Write, record and delete the object at the head of the queue. */
static enum object_result
finish(struct run *r, struct pending *p)
{
	struct s3_error	 err;
	struct s3_body	 body = { NULL, 0, -1 };
	enum object_result res;
	int		 rc;

	if (p->kind != PEND_FETCH)
		return skip(r, p);
	/*
	 * Seen by the time its turn came (an earlier object of the same
	 * name): skipped, as a sequential run would have.
	 */
	if ((rc = state_seen(r->st, p->base)) != 0) {
		if (rc == -1)
			return OBJECT_FATAL;
		r->n.skipped++;
		if (r->o->debug)
			say("Skipping previously seen file ", p->base);
		return OBJECT_DONE;
	}
	if (r->o->debug)
		say("+++ Found new log:  ", p->base);
	if (r->o->dry_run) {
		/* Would be fetched: say so, touch nothing. */
		say("", p->key);
		r->n.objects++;
		return OBJECT_DONE;
	}
	if (p->get == NULL) {
		msg_warn("%s: cannot download: object is %lld bytes, more than "
		    "the limit of %zu", p->key, p->size, OBJECT_MAX);
		r->n.failed++;
		return OBJECT_FAILED;
	}
	rc = s3_get_finish(p->get, &body, &err);
	p->get = NULL;
	if (rc == -1)
		return object_failed(r, p->key, "cannot download", &err);
	res = object_process(r, p->key, p->base, &body);
	s3_body_free(&body);
	return res;
}

static void
pop(struct fetchq *q)
{
	struct run	*r = q->r;
	struct pending	*p = q->head;

	if ((q->head = p->next) == NULL)
		q->tail = &q->head;
	if (p->kind == PEND_FETCH && !r->o->dry_run)
		q->fetching--;
	if (!r->fatal && !r->denied && !sig_caught() &&
	    finish(r, p) == OBJECT_FATAL)
		r->fatal = 1;
	pending_free(p);
	progress_draw(&r->n, 0);
}

/* What the object needs: a download, or only a line in its turn. */
static int
classify(struct run *r, struct pending *p)
{
	char	day[9];
	int	seen;

	if (layout_is_digest(p->base))
		p->kind = PEND_DIGEST;
	else if (r->o->after[0] != '\0' && layout_object_day(p->base, day) &&
	    strcmp(day, r->o->after) < 0)
		p->kind = PEND_OLD;
	else if ((seen = state_seen(r->st, p->base)) != 0) {
		if (seen == -1)
			return -1;
		p->kind = PEND_SEEN;
	} else if (p->size == 0)
		p->kind = PEND_EMPTY;
	else
		p->kind = PEND_FETCH;
	return 0;
}

int
fetch_add(struct fetchq *q, char *key, long long size)
{
	struct run	*r = q->r;
	struct pending	*p;
	const char	*slash;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		free(key);
		msg_oom();
		r->fatal = 1;
		return -1;
	}
	p->key = key;
	p->size = size;
	slash = strrchr(key, '/');
	p->base = slash != NULL ? slash + 1 : key;
	if (*p->base == '\0') {			/* a "folder" */
		pending_free(p);
		return 0;
	}
	if (classify(r, p) == -1) {
		pending_free(p);
		r->fatal = 1;
		return -1;
	}
	if (p->kind == PEND_FETCH) {
		r->n.listed++;
		if (!r->o->dry_run) {
			/* Make room, in order, before starting another. */
			while (q->fetching >= r->o->jobs && !r->fatal &&
			    !r->denied && !sig_caught())
				pop(q);
			/* Over the limit: reported in its turn. */
			if ((size < 0 || (unsigned long long)size <=
			    OBJECT_MAX) && (p->get = s3_get_start(r->s3,
			    r->o->bucket, key, size, OBJECT_MAX,
			    size > SPOOL_MIN)) == NULL) {
				pending_free(p);
				msg_oom();
				r->fatal = 1;
				return -1;
			}
			q->fetching++;
		}
	}
	*q->tail = p;
	q->tail = &p->next;
	return 0;
}

void
fetch_drain(struct fetchq *q)
{
	while (q->head != NULL)
		pop(q);
}

void
fetch_free(struct fetchq *q)
{
	if (q == NULL)
		return;
	/* Nothing is finished here: what is left is dropped. */
	while (q->head != NULL) {
		struct pending	*p = q->head;

		q->head = p->next;
		pending_free(p);
	}
	free(q);
}
