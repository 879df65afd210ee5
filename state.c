/* SPDX-License-Identifier: ISC */
/*
 * state.c - what was processed, by basename, in the script's SQLite table
 * log_progress(log_name, processed_date), with prepared statements.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "msg.h"
#include "state.h"

#define STATE_BUSY_MS	30000	/* another reader holds the file */

struct state {
	sqlite3		*db;
	sqlite3_stmt	*seen, *add, *newest;
	const char	*path;
};

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->seen);
	sqlite3_finalize(st->add);
	sqlite3_finalize(st->newest);
	if (st->db != NULL)
		sqlite3_close(st->db);
	free(st);
}

static void
state_error(const struct state *st)
{
	msg_warn("state file %s: %s", st->path, st->db != NULL ?
	    sqlite3_errmsg(st->db) : "out of memory");
}

int
state_open(const char *path, int readonly, struct state **out)
{
	struct state	*st;

	*out = NULL;
	if (path == NULL)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		msg_oom();
		return -1;
	}
	st->path = path;
	if (sqlite3_open_v2(path, &st->db, readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(st->db, STATE_BUSY_MS);
	/* The script's schema, so the script can still read the file. */
	if (!readonly && sqlite3_exec(st->db, "CREATE TABLE IF NOT EXISTS "
	    "log_progress "
	    "(log_name 'text' primary key, processed_date 'TEXT')", NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM log_progress WHERE "
	    "log_name = ?1", -1, &st->seen, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO log_progress "
	    "(log_name, processed_date) VALUES (?1, DATE('now'))", -1,
	    &st->add, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT log_name FROM log_progress "
	    "WHERE log_name >= ?1 AND log_name < ?2 ORDER BY log_name DESC "
	    "LIMIT 1", -1, &st->newest, NULL) != SQLITE_OK)
		goto fail;
	*out = st;
	return 0;
fail:
	state_error(st);
	state_close(st);
	return -1;
}

int
state_enabled(const struct state *st)
{
	return st != NULL;
}

static int
state_exec(struct state *st, const char *sql)
{
	if (st == NULL)
		return 0;
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	state_error(st);
	return -1;
}

/*
 * Run s (one of the statements taking a basename) with name bound: its
 * SQLITE_ROW or SQLITE_DONE, or -1 with the error printed.
 */
static int
state_step(struct state *st, sqlite3_stmt *s, const char *name)
{
	int	rc;

	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	state_error(st);
	return -1;
}

int
state_seen(struct state *st, const char *name)
{
	int	rc;

	if (st == NULL)
		return 0;
	if ((rc = state_step(st, st->seen, name)) == -1)
		return -1;
	return rc == SQLITE_ROW;
}

int
state_record(struct state *st, const char *name)
{
	if (st == NULL)
		return 0;
	return state_step(st, st->add, name) == -1 ? -1 : 0;
}

/* CloudTrail's names sort by date after "ACCOUNT_CloudTrail_REGION_". */
int
state_newest(struct state *st, const char *prefix, char *out, size_t outlen)
{
	char	 hi[512];
	int	 rc, n;

	if (st == NULL)
		return 0;
	/* Every name with the prefix sorts below prefix + "\xff". */
	n = snprintf(hi, sizeof(hi), "%s\xff", prefix);
	if (n < 0 || (size_t)n >= sizeof(hi))
		return 0;
	sqlite3_reset(st->newest);
	sqlite3_bind_text(st->newest, 1, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st->newest, 2, hi, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st->newest);
	if (rc == SQLITE_ROW) {
		n = snprintf(out, outlen, "%s",
		    (const char *)sqlite3_column_text(st->newest, 0));
		sqlite3_reset(st->newest);
		return n > 0 && (size_t)n < outlen;
	}
	sqlite3_reset(st->newest);
	if (rc == SQLITE_DONE)
		return 0;
	state_error(st);
	return -1;
}

/* IMMEDIATE: the write lock now, not at the first INSERT. */
int
state_begin(struct state *st)
{
	return state_exec(st, "BEGIN IMMEDIATE");
}

int
state_commit(struct state *st)
{
	return state_exec(st, "COMMIT");
}

int
state_rollback(struct state *st)
{
	return state_exec(st, "ROLLBACK");
}
