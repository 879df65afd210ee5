/* SPDX-License-Identifier: ISC */
/*
 * state.h - the -s state file: SQLite, the script's log_progress table, so
 * the script can still read it. Without -s there is no state: every call
 * takes a NULL state and does nothing, so callers never ask.
 */
#ifndef GETAWSLOG_STATE_H
#define GETAWSLOG_STATE_H

#include <stddef.h>

struct state;

/*
 * Open (readonly: --dry-run, create nothing) the state at path into *out;
 * path NULL: *out = NULL, no state. 0, or -1 (printed).
 */
int	 state_open(const char *path, int readonly, struct state **out);
void	 state_close(struct state *);

/* Is there a state? (The walk lists incrementally only with one.) */
int	 state_enabled(const struct state *);

/* Was the basename recorded? 1 yes, 0 no (or no state), -1 error (printed). */
int	 state_seen(struct state *, const char *name);

/*
 * Where a region folder of a bucket was listed up to: the newest day
 * (YYYY/MM/DD) of an object recorded from it, into day. 1 found, 0 none
 * (or no state), -1 error (printed).
 */
int	 state_folder_day(struct state *, const char *bucket,
	    const char *folder, char *day, size_t daylen);

/* An object of that folder and day was recorded: 0, or -1 (printed). */
int	 state_folder_done(struct state *, const char *bucket,
	    const char *folder, const char *day);

/* A region folder's name, at most (S3 keys are 1024 bytes). */
#define STATE_FOLDER_MAX	1200

/*
 * Is key (of bucket) at or before its region folder's mark, the key up
 * to which another reader did everything (state_mark)? 1 yes, 0 no (no
 * mark, not a CloudTrail key, no state), -1 error (printed).
 */
int	 state_marked(struct state *, const char *bucket, const char *key);

/* Mark folder of bucket done up to key (a later mark kept). 0, or -1. */
int	 state_mark(struct state *, const char *bucket, const char *folder,
	    const char *key);

/*
 * Objects written and recorded whose delete failed, to be tried again:
 * add (add 1) or remove (add 0) one, 0 or -1 (printed); list a bucket's,
 * a NULL-terminated array (free with state_list_free; none without a
 * state) with *n set, or NULL on an error (printed).
 */
int	 state_undeleted(struct state *, const char *bucket, const char *key,
	    int add);
char	**state_undeleted_list(struct state *, const char *bucket, size_t *n);
/* The buckets with such objects, as state_undeleted_list lists keys. */
char	**state_undeleted_buckets(struct state *, size_t *n);
void	 state_list_free(char **);

/*
 * One object's record, in a transaction: begin, record, then commit (or
 * rollback). Each 0, or -1 (printed).
 */
int	 state_begin(struct state *);
int	 state_record(struct state *, const char *name);
int	 state_commit(struct state *);
int	 state_rollback(struct state *);

#endif /* GETAWSLOG_STATE_H */
