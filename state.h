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

/*
 * --validate-digests' records (proof.c), each a statement on its tables
 * (state.c says what each takes and returns).
 */
enum state_q {
	STATE_HASH_ADD, STATE_HASH_GET, STATE_HASH_NAMED, STATE_HASH_PROVE,
	STATE_NAMED_ADD,
	STATE_PROVED_MARK, STATE_PROVED_DEL,
	STATE_NAMED_LIST, STATE_NAMED_DEL, STATE_CHAIN_GET, STATE_CHAIN_SET,
	STATE_CHAIN_OLDEST, STATE_DIGEST_ADD, STATE_DIGEST_SETTLED,
	STATE_DIGEST_DEL, STATE_WINDOW_ADD, STATE_INJECTED, STATE_HASH_PRUNE,
	STATE_WINDOW_PRUNE, STATE_CHAIN_PRUNE, STATE_BATCH_OPEN,
	STATE_BATCH_CLOSE, STATE_LOST_ADD, STATE_LOST_HAS, STATE_LOST_PRUNE,
	STATE_DONE_RECENT, STATE_DONE_SET, STATE_Q_N
};
#define STATE_COLS_MAX	8

/* One row's columns as text ("" for NULL): 0, or -1 to stop (an error). */
typedef int	(*state_row_fn)(void *arg, int ncols, const char *const *cols);

/*
 * Run which with args bound (texts; SQLite compares numbers written as
 * text as numbers where the column is INTEGER), row called for each row
 * (NULL: none). The rows' number (a change: the rows changed; 0 without
 * a state), or -1 (printed, or row's -1). The columns are valid only
 * inside row.
 */
int	 state_query(struct state *, enum state_q which,
	    const char *const *args, int nargs, state_row_fn row, void *arg);

#endif /* GETAWSLOG_STATE_H */
