/* SPDX-License-Identifier: ISC */
/*
 * fetch.h - the objects a listing names, in its order: what needs no
 * download is skipped, up to -J downloads are in flight at once, and every
 * effect (the -d lines, the log, the state, the deletes) happens at the
 * head of the queue, in order, exactly as a sequential run would do it.
 */
#ifndef GETAWSLOG_FETCH_H
#define GETAWSLOG_FETCH_H

#include "run.h"

struct fetchq;

/* A queue for the run. NULL when out of memory (printed). */
struct fetchq	*fetch_new(struct run *);

/*
 * Queue one listed object (size -1: unknown); it takes key. Folders are
 * dropped; digests, recorded objects and objects dated before --after are
 * skipped in their turn; the rest is downloaded. May finish objects at
 * the head to make room. 0, or -1 on a fatal error (r->fatal is set).
 */
int		 fetch_add(struct fetchq *, char *key, long long size);

/* Finish everything queued, in order; after a fatal error, drop it. */
void		 fetch_drain(struct fetchq *);

void		 fetch_free(struct fetchq *);

#endif /* GETAWSLOG_FETCH_H */
