/* SPDX-License-Identifier: ISC */
/*
 * object.h - what happens to one downloaded object, in this order:
 * inflate and check it, convert it (-j), append it to the log (synced when
 * a record or a delete follows), record it (-s), delete it (-D). A crash
 * between any two steps loses nothing.
 */
#ifndef GETAWSLOG_OBJECT_H
#define GETAWSLOG_OBJECT_H

#include "run.h"

struct s3_body;
struct s3_error;

enum object_result {
	OBJECT_DONE,		/* written, recorded, deleted as asked */
	OBJECT_FAILED,		/* named on stderr, counted, left in the bucket */
	OBJECT_FATAL,		/* a local error (printed): the run stops */
	OBJECT_DENIED,		/* -D may not delete (printed): the run stops */
	OBJECT_STOPPED		/* a signal came: left as a crash would leave it */
};

/* The effects of one object of bucket whose body is in hand. */
enum object_result	 object_process(struct run *, const char *bucket,
			    const char *key, const char *base,
			    const struct s3_body *body);

/*
 * A request about an object failed: name it on stderr with what was being
 * done, count it (failed, or still failing after retries).
 */
enum object_result	 object_failed(struct run *, const char *key,
			    const char *what, const struct s3_error *err);

/*
 * Record the object (its basename), and where its folder has been listed
 * up to, in the transaction the caller began (state_begin). 0, or -1
 * (printed).
 */
int	 object_record(struct run *, const char *bucket, const char *key,
	    const char *base);

/*
 * With -D and -s: delete the objects recorded earlier whose delete failed
 * (-b's bucket; the queue mode's, each of -b's).
 * OBJECT_DONE (each deleted, or left for later with a message),
 * OBJECT_DENIED, OBJECT_FATAL.
 */
enum object_result	 object_retry_deletes(struct run *);

#endif /* GETAWSLOG_OBJECT_H */
