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
 * The newest recorded name starting with prefix, into out. 1 found, 0 none
 * (or no state), -1 error (printed).
 */
int	 state_newest(struct state *, const char *prefix, char *out,
	    size_t outlen);

/*
 * One object's record, in a transaction: begin, record, then commit (or
 * rollback). Each 0, or -1 (printed).
 */
int	 state_begin(struct state *);
int	 state_record(struct state *, const char *name);
int	 state_commit(struct state *);
int	 state_rollback(struct state *);

#endif /* GETAWSLOG_STATE_H */
