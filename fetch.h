/* SPDX-License-Identifier: ISC */
/*
 * fetch.h - the objects a listing or a queue message names, in its order:
 * what needs no download is skipped, up to -J downloads are in flight at
 * once (fewer while more would not help: pace.h), and every effect (the -d lines, the log, the state, the deletes)
 * happens at the head of the queue, in order, exactly as a sequential run
 * would do it.
 */
#ifndef GETAWSLOG_FETCH_H
#define GETAWSLOG_FETCH_H

#include "run.h"

struct fetchq;

/* What became of an object, told in its turn (fetch_put's). */
enum fetch_outcome {
	FETCH_DONE,		/* written, recorded and deleted as asked */
	FETCH_SKIPPED,		/* nothing to do: a folder, a digest, recorded
				   already, dated before --after, gone from
				   the bucket (NoSuchKey) */
	FETCH_FAILED,		/* named on stderr, left in the bucket */
	FETCH_TRANSIENT,	/* the same, requests still failing */
	FETCH_FATAL,		/* a local error (printed): the run stops */
	FETCH_DENIED,		/* -D may not delete (printed): the run stops */
	FETCH_DROPPED		/* not done: the run stopped before its turn */
};

typedef void	(*fetch_outcome_fn)(void *arg, void *tag, enum fetch_outcome);

/*
 * A queue for the run; outcome (NULL: none) is told what became of each
 * object put with fetch_put. NULL when out of memory (printed).
 */
struct fetchq	*fetch_new(struct run *, fetch_outcome_fn outcome, void *arg);

/*
 * Queue one listed object of -b's bucket (size -1: unknown); it takes
 * key. Folders are dropped; digests, recorded objects and objects dated
 * before --after are skipped in their turn; the rest is downloaded. May
 * finish objects at the head to make room. 0, or -1 on a fatal error
 * (r->fatal is set).
 */
int		 fetch_add(struct fetchq *, char *key, long long size);

/* An object a queue message names. */
struct fetch_item {
	const char	*bucket;	/* NULL: -b's */
	char		*key;		/* taken by fetch_put */
	long long	 size;		/* as the message said, -1 unknown: only
					   a hint (the object may have been
					   written again since) */
	const char	*region;	/* the bucket's, as said; NULL unknown */
	void		*tag;		/* handed to outcome */
};

/*
 * Queue it, never waiting: its download starts when fewer than -J are in
 * flight (fetch_step). Its outcome is told in its turn, a folder's too.
 * 0, or -1 on a fatal error (r->fatal is set; nothing is told).
 */
int		 fetch_put(struct fetchq *, const struct fetch_item *);

/*
 * Finish the objects at the head that need no download and at most one
 * whose download is over, in order, and start downloads up to -J. Never
 * waits for a download (the effects of the object finished block as they
 * must), so the caller's loop runs between objects. 1 when the head can
 * be finished at once, 0 when it waits for its download (or none is
 * queued, or the run stopped).
 */
int		 fetch_step(struct fetchq *);

/* Objects queued, not yet finished. */
size_t		 fetch_queued(const struct fetchq *);

/* Finish everything queued, in order; after a fatal error, drop it. */
void		 fetch_drain(struct fetchq *);

/* Free it; what is left is dropped (and told so). */
void		 fetch_free(struct fetchq *);

#endif /* GETAWSLOG_FETCH_H */
