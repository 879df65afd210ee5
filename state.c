/* SPDX-License-Identifier: ISC */
/*
 * state.c - what was processed, by basename, in the script's SQLite table
 * log_progress(log_name, processed_date), with prepared statements.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fileutil.h"
#include "layout.h"
#include "msg.h"
#include "state.h"

#define STATE_BUSY_MS	30000	/* another reader holds the file */
#define STATE_MODE	0600

struct state {
	sqlite3		*db;
	sqlite3_stmt	*seen, *add;
	sqlite3_stmt	*day, *day_set;		/* getawslog_folders */
	sqlite3_stmt	*und_add, *und_del, *und_list, *und_buckets;
						/* getawslog_undeleted */
	sqlite3_stmt	*mark, *mark_set, *marks_any; /* getawslog_marks */
	int		 marks;		/* it has rows: look there */
	sqlite3_stmt	*q[STATE_Q_N];	/* proof.c's, prepared when asked */
	const char	*path;
};

/*
 * Our tables beside the script's (which stays as it was, so the script can
 * still read the file): where each region folder of each bucket was
 * listed up to, from keys actually listed there (so no name anywhere else
 * can move it); the objects written and recorded whose delete failed;
 * and, taken over from another reader (takeover.c), the key of each
 * region folder up to which everything was done.
 */
static const char	 schema[] =
    "CREATE TABLE IF NOT EXISTS log_progress "
    "(log_name 'text' primary key, processed_date 'TEXT');"
    "CREATE TABLE IF NOT EXISTS getawslog_folders (bucket TEXT NOT NULL, "
    "folder TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (bucket, folder));"
    "CREATE TABLE IF NOT EXISTS getawslog_undeleted (bucket TEXT NOT NULL, "
    "key TEXT NOT NULL, PRIMARY KEY (bucket, key));"
    "CREATE TABLE IF NOT EXISTS getawslog_marks (bucket TEXT NOT NULL, "
    "folder TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (bucket, folder));"
    /*
     * --validate-digests (proof.c): each log file's SHA-256 as ingested
     * (named: 0 no digest named it yet, 1 one did, 2 reported injected);
     * the files verified digests named, until settled; each trail's chain
     * (its newest digest); verified digests, deleted with -D once their
     * files are settled; the hours verified digests covered, per scope.
     * New tables only: older state files gain them. WITHOUT ROWID: the
     * key is the row, one B-tree rather than a table and its index.
     */
    "CREATE TABLE IF NOT EXISTS getawslog_hashes (bucket TEXT NOT NULL, "
    "key TEXT NOT NULL, scope TEXT NOT NULL, hour INTEGER NOT NULL, "
    "sha TEXT NOT NULL, named INTEGER NOT NULL DEFAULT 0, "
    "PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS getawslog_named (bucket TEXT NOT NULL, "
    "key TEXT NOT NULL, sha TEXT NOT NULL, dbucket TEXT NOT NULL, "
    "dkey TEXT NOT NULL, PRIMARY KEY (bucket, key, dbucket, dkey)) "
    "WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS getawslog_chains (id TEXT PRIMARY KEY, "
    "bucket TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, "
    "end INTEGER NOT NULL, signature TEXT NOT NULL, sha TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS getawslog_digests (bucket TEXT NOT NULL, "
    "key TEXT NOT NULL, PRIMARY KEY (bucket, key));"
    "CREATE TABLE IF NOT EXISTS getawslog_windows (bucket TEXT NOT NULL, "
    "scope TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, "
    "PRIMARY KEY (bucket, scope, start)) WITHOUT ROWID;"
    /*
     * Hashes are kept in batches (proof.c): while one is open, the row
     * below holds the newest log_progress rowid before it. A run that
     * stopped with one open left the files recorded after that without
     * their hashes: the range goes to getawslog_lost, and a digest naming
     * one of those files has it read again.
     */
    "CREATE TABLE IF NOT EXISTS getawslog_hashing (id INTEGER PRIMARY KEY "
    "CHECK (id = 1), lo INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS getawslog_lost (lo INTEGER NOT NULL, "
    "hi INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (lo, hi));"
    /*
     * When the chores that read every hash were last done ('prune':
     * daily; 'injected': hourly, each run with no grace). An index of
     * the files no digest named yet would spare the reading, at a cost
     * to each file of every run (2% of bench g's).
     */
    "CREATE TABLE IF NOT EXISTS getawslog_done (what TEXT PRIMARY KEY, "
    "at INTEGER NOT NULL);";

/* proof.c's statements (enum state_q), on its tables. */
static const char *const queries[STATE_Q_N] = {
	[STATE_HASH_ADD] = "INSERT OR REPLACE INTO getawslog_hashes (bucket, "
	    "key, scope, hour, sha, named) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
	[STATE_HASH_GET] = "SELECT sha FROM getawslog_hashes WHERE bucket = "
	    "?1 AND key = ?2",
	[STATE_HASH_NAMED] = "UPDATE getawslog_hashes SET named = ?3 WHERE "
	    "bucket = ?1 AND key = ?2",
	/* A named file ingested with the hash its digest signed. */
	[STATE_HASH_PROVE] = "UPDATE getawslog_hashes SET named = 1 WHERE "
	    "bucket = ?1 AND key = ?2 AND sha = ?3",
	[STATE_NAMED_ADD] = "INSERT OR IGNORE INTO getawslog_named (bucket, "
	    "key, sha, dbucket, dkey) VALUES (?1, ?2, ?3, ?4, ?5)",
	/*
	 * The files proved at once: their hashes marked, their rows gone.
	 * From the named rows (few), each hash found by its key.
	 */
	[STATE_PROVED_MARK] = "UPDATE getawslog_hashes AS h SET named = 1 "
	    "FROM getawslog_named AS n WHERE h.bucket = n.bucket AND h.key = "
	    "n.key AND h.sha = n.sha AND h.named != 1",
	[STATE_PROVED_DEL] = "DELETE FROM getawslog_named AS n WHERE EXISTS "
	    "(SELECT 1 FROM getawslog_hashes h WHERE h.bucket = n.bucket AND "
	    "h.key = n.key AND h.sha = n.sha)",
	[STATE_NAMED_LIST] = "SELECT bucket, key, sha, dbucket, dkey FROM "
	    "getawslog_named ORDER BY dbucket, dkey, bucket, key",
	[STATE_NAMED_DEL] = "DELETE FROM getawslog_named WHERE bucket = ?1 "
	    "AND key = ?2 AND dbucket = ?3 AND dkey = ?4",
	[STATE_CHAIN_GET] = "SELECT key, end, signature, sha FROM "
	    "getawslog_chains WHERE id = ?1",
	[STATE_CHAIN_SET] = "INSERT OR REPLACE INTO getawslog_chains (id, "
	    "bucket, scope, key, end, signature, sha) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7)",
	[STATE_CHAIN_OLDEST] = "SELECT min(end) FROM getawslog_chains",
	[STATE_DIGEST_ADD] = "INSERT OR IGNORE INTO getawslog_digests "
	    "(bucket, key) VALUES (?1, ?2)",
	[STATE_DIGEST_SETTLED] = "SELECT bucket, key FROM getawslog_digests "
	    "EXCEPT SELECT dbucket, dkey FROM getawslog_named ORDER BY 1, 2",
	[STATE_DIGEST_DEL] = "DELETE FROM getawslog_digests WHERE bucket = ?1 "
	    "AND key = ?2",
	[STATE_WINDOW_ADD] = "INSERT OR REPLACE INTO getawslog_windows "
	    "(bucket, scope, start, end) VALUES (?1, ?2, ?3, ?4)",
	/*
	 * Files no digest named, whose hour and the hour after it verified
	 * digests of their scope covered, once the grace (?1 seconds) after
	 * that has passed until now (?2). A file of an hour whose digest is
	 * missing or invalid is not judged: that hour is reported already.
	 * A window is looked for among those that start within a day
	 * before (a digest covers an hour), not among all the scope's.
	 * Reads every hash: hourly (getawslog_done).
	 */
	[STATE_INJECTED] = "SELECT h.bucket, h.key FROM getawslog_hashes h "
	    "WHERE h.named = 0 AND h.hour + 3600 + CAST(?1 AS INTEGER) <= "
	    "CAST(?2 AS INTEGER) AND EXISTS (SELECT 1 FROM getawslog_windows "
	    "w WHERE w.bucket = h.bucket AND w.scope = h.scope AND w.start > "
	    "h.hour - 86400 AND w.start <= h.hour AND h.hour < w.end) AND "
	    "EXISTS (SELECT 1 FROM getawslog_windows w WHERE w.bucket = "
	    "h.bucket AND w.scope = h.scope AND w.start > h.hour + 3600 - "
	    "86400 AND w.start <= h.hour + 3600 AND h.hour + 3600 < w.end) "
	    "ORDER BY h.bucket, h.key",
	/*
	 * Old hours, unless a file not yet judged still needs them: the
	 * oldest such file of each scope found in one reading of the hashes
	 * (daily), not a reading for each hour.
	 */
	[STATE_WINDOW_PRUNE] = "WITH u AS MATERIALIZED (SELECT bucket, "
	    "scope, min(hour) AS first FROM getawslog_hashes WHERE named = 0 "
	    "GROUP BY bucket, scope) DELETE FROM getawslog_windows AS w WHERE "
	    "w.end < ?1 AND NOT EXISTS (SELECT 1 FROM u WHERE u.bucket = "
	    "w.bucket AND u.scope = w.scope AND u.first < w.end + 3600)",
	/*
	 * Files proved and a month old: no digest names them again; files
	 * never judged (their hour had no verified digest) a year behind the
	 * newest.
	 */
	[STATE_HASH_PRUNE] = "DELETE FROM getawslog_hashes WHERE (named > 0 "
	    "AND hour < CAST(?1 AS INTEGER)) OR hour < (SELECT max(hour) FROM "
	    "getawslog_hashes) - 31536000",
	/*
	 * Chains a month behind the newest: a trail or region gone (by the
	 * chains' own times, so that old history read now keeps its own).
	 */
	[STATE_CHAIN_PRUNE] = "DELETE FROM getawslog_chains WHERE end < "
	    "(SELECT max(end) FROM getawslog_chains) - 2678400",
	/* A batch of hashes opened: the records from here on wait for it. */
	[STATE_BATCH_OPEN] = "INSERT OR REPLACE INTO getawslog_hashing (id, "
	    "lo) VALUES (1, (SELECT coalesce(max(rowid), 1) - 1 FROM "
	    "log_progress))",
	[STATE_BATCH_CLOSE] = "DELETE FROM getawslog_hashing",
	/* A batch an earlier run left open (?1 now): its records lost. */
	[STATE_LOST_ADD] = "INSERT OR IGNORE INTO getawslog_lost (lo, hi, at) "
	    "SELECT lo, (SELECT coalesce(max(rowid), 0) FROM log_progress), "
	    "CAST(?1 AS INTEGER) FROM getawslog_hashing",
	/* Is the record of this name (?1) one whose hash was lost? */
	[STATE_LOST_HAS] = "SELECT 1 FROM log_progress p, getawslog_lost l "
	    "WHERE p.log_name = ?1 AND p.rowid > l.lo AND p.rowid <= l.hi",
	[STATE_LOST_PRUNE] = "DELETE FROM getawslog_lost WHERE at < "
	    "CAST(?1 AS INTEGER)",
	/* Chore ?1 done less than ?3 seconds before now (?2)? */
	[STATE_DONE_RECENT] = "SELECT 1 FROM getawslog_done WHERE what = ?1 "
	    "AND at > CAST(?2 AS INTEGER) - CAST(?3 AS INTEGER) AND at <= "
	    "CAST(?2 AS INTEGER)",
	[STATE_DONE_SET] = "INSERT OR REPLACE INTO getawslog_done (what, at) "
	    "VALUES (?1, CAST(?2 AS INTEGER))",
};

static const struct {
	size_t		 off;
	int		 ours;	/* on one of our tables */
	const char	*sql;
} statements[] = {
	{ offsetof(struct state, seen), 0,
	    "SELECT 1 FROM log_progress WHERE log_name = ?1" },
	{ offsetof(struct state, add), 0,
	    "INSERT OR IGNORE INTO log_progress (log_name, processed_date) "
	    "VALUES (?1, DATE('now'))" },
	{ offsetof(struct state, day), 1,
	    "SELECT day FROM getawslog_folders WHERE bucket = ?1 AND "
	    "folder = ?2" },
	{ offsetof(struct state, day_set), 1,
	    "INSERT INTO getawslog_folders (bucket, folder, day) VALUES (?1, "
	    "?2, ?3) ON CONFLICT (bucket, folder) DO UPDATE SET day = "
	    "max(day, excluded.day)" },
	{ offsetof(struct state, und_add), 1,
	    "INSERT OR IGNORE INTO getawslog_undeleted (bucket, key) VALUES "
	    "(?1, ?2)" },
	{ offsetof(struct state, und_del), 1,
	    "DELETE FROM getawslog_undeleted WHERE bucket = ?1 AND key = ?2" },
	{ offsetof(struct state, und_list), 1,
	    "SELECT key FROM getawslog_undeleted WHERE bucket = ?1 ORDER BY "
	    "key" },
	{ offsetof(struct state, und_buckets), 1,
	    "SELECT DISTINCT bucket FROM getawslog_undeleted ORDER BY bucket" },
	{ offsetof(struct state, mark), 1,
	    "SELECT 1 FROM getawslog_marks WHERE bucket = ?1 AND folder = ?2 "
	    "AND key >= ?3" },
	{ offsetof(struct state, mark_set), 1,
	    "INSERT INTO getawslog_marks (bucket, folder, key) VALUES (?1, "
	    "?2, ?3) ON CONFLICT (bucket, folder) DO UPDATE SET key = "
	    "max(key, excluded.key)" },
	{ offsetof(struct state, marks_any), 1,
	    "SELECT 1 FROM getawslog_marks LIMIT 1" },
};

#define NSTATEMENTS	(sizeof(statements) / sizeof(statements[0]))
#define STMT(st, i)	((sqlite3_stmt **)((char *)(st) + statements[i].off))

void
state_close(struct state *st)
{
	size_t	i;

	if (st == NULL)
		return;
	for (i = 0; i < NSTATEMENTS; i++)
		sqlite3_finalize(*STMT(st, i));
	for (i = 0; i < STATE_Q_N; i++)
		sqlite3_finalize(st->q[i]);
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

/*
 * Can the state be written? Asked before the first object, since an
 * object written to the log and then not recorded would be written again
 * by every run. A write in a transaction rolled back makes SQLite take
 * the write lock and create its journal, as a real record would.
 */
static int
probe(struct state *st)
{
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		msg_warn("state file %s: cannot be written", st->path);
		return -1;
	}
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE; INSERT OR REPLACE INTO "
	    "getawslog_folders VALUES ('', '', '')", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		state_error(st);
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK) {
		state_error(st);
		return -1;
	}
	return 0;
}

int
state_open(const char *path, int readonly, struct state **out)
{
	struct state	*st;
	char		 real[PATH_MAX];
	size_t		 i;
	int		 fd;

	*out = NULL;
	if (path == NULL)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		msg_oom();
		return -1;
	}
	st->path = path;
	/*
	 * Made (0600: sqlite gives its journal the same mode) or opened by
	 * us first, so that no link of another user's is followed.
	 */
	if ((fd = file_open_resolved(path, readonly ? O_RDONLY | O_CLOEXEC :
	    O_RDWR | O_CREAT | O_CLOEXEC, STATE_MODE, real,
	    sizeof(real))) == -1) {
		printf("ERROR: Cannot open %s (%s)\n", path, strerror(errno));
		free(st);
		return -1;
	}
	close(fd);
	/*
	 * SQLite opens it again by name: by the path the walk checked, with
	 * every link already followed, and no link allowed on the way now,
	 * so that none swapped in since can choose the file.
	 */
	if (sqlite3_open_v2(real, &st->db, SQLITE_OPEN_NOFOLLOW | (readonly ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE),
	    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(st->db, STATE_BUSY_MS);
	if (!readonly && sqlite3_exec(st->db, schema, NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto fail;
	if (!readonly && probe(st) == -1)
		goto fail_said;
	for (i = 0; i < NSTATEMENTS; i++)
		if (sqlite3_prepare_v2(st->db, statements[i].sql, -1,
		    STMT(st, i), NULL) != SQLITE_OK) {
			/* A file of the script's, read-only: no tables of ours. */
			if (readonly && statements[i].ours)
				continue;
			goto fail;
		}
	/* Most states have no marks: then no object asks the table. */
	if (st->marks_any != NULL) {
		st->marks = sqlite3_step(st->marks_any) == SQLITE_ROW;
		sqlite3_reset(st->marks_any);	/* no read left open */
	}
	*out = st;
	return 0;
fail:
	state_error(st);
fail_said:
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
 * Run s with its n parameters bound to the texts of v: its SQLITE_ROW or
 * SQLITE_DONE, or -1 with the error printed.
 */
static int
state_stepv(struct state *st, sqlite3_stmt *s, int n, const char *const *v)
{
	int	rc, i;

	sqlite3_reset(s);
	for (i = 0; i < n; i++)
		sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	state_error(st);
	return -1;
}

/* Run s (one of the statements taking a basename) with name bound. */
static int
state_step(struct state *st, sqlite3_stmt *s, const char *name)
{
	return state_stepv(st, s, 1, &name);
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

/* Bind texts to s's parameters 1..n, then step it: its code. */
static int
bind_step(struct state *st, sqlite3_stmt *s, int n, const char *a,
    const char *b, const char *c)
{
	const char	*v[3] = { a, b, c };
	int		 i, rc;

	sqlite3_reset(s);
	for (i = 0; i < n; i++)
		sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		state_error(st);
		sqlite3_reset(s);
		return -1;
	}
	return rc;
}

int
state_folder_day(struct state *st, const char *bucket, const char *folder,
    char *day, size_t daylen)
{
	int	rc, n;

	day[0] = '\0';
	if (st == NULL || st->day == NULL)
		return 0;
	if ((rc = bind_step(st, st->day, 2, bucket, folder, NULL)) == -1)
		return -1;
	if (rc == SQLITE_ROW) {
		n = snprintf(day, daylen, "%s",
		    (const char *)sqlite3_column_text(st->day, 0));
		if (n < 0 || (size_t)n >= daylen)
			day[0] = '\0';
	}
	sqlite3_reset(st->day);
	return day[0] != '\0';
}

int
state_folder_done(struct state *st, const char *bucket, const char *folder,
    const char *day)
{
	int	rc;

	if (st == NULL)
		return 0;
	rc = bind_step(st, st->day_set, 3, bucket, folder, day);
	sqlite3_reset(st->day_set);
	return rc == -1 ? -1 : 0;
}

int
state_undeleted(struct state *st, const char *bucket, const char *key,
    int add)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (st == NULL)
		return 0;
	s = add ? st->und_add : st->und_del;
	rc = bind_step(st, s, 2, bucket, key, NULL);
	sqlite3_reset(s);
	return rc == -1 ? -1 : 0;
}

/* The first column of every row of stmt (bound to bucket unless NULL). */
static char **
column_list(struct state *st, sqlite3_stmt *stmt, const char *bucket,
    size_t *n)
{
	char	**keys = NULL, **nk, *k;
	size_t	  cap = 0;
	int	  rc;

	*n = 0;
	if (st == NULL || stmt == NULL)
		return calloc(1, sizeof(char *));
	sqlite3_reset(stmt);
	if (bucket != NULL)
		sqlite3_bind_text(stmt, 1, bucket, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			if ((nk = reallocarray(keys, cap, sizeof(*keys))) ==
			    NULL)
				goto nomem;
			keys = nk;
		}
		if ((k = strdup((const char *)sqlite3_column_text(stmt,
		    0))) == NULL)
			goto nomem;
		keys[(*n)++] = k;
		keys[*n] = NULL;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		state_error(st);
		state_list_free(keys);
		*n = 0;
		return NULL;
	}
	if (keys == NULL)
		keys = calloc(1, sizeof(char *));
	return keys;
nomem:
	sqlite3_reset(stmt);
	msg_oom();
	state_list_free(keys);
	*n = 0;
	return NULL;
}

char **
state_undeleted_list(struct state *st, const char *bucket, size_t *n)
{
	return column_list(st, st != NULL ? st->und_list : NULL, bucket, n);
}

char **
state_undeleted_buckets(struct state *st, size_t *n)
{
	return column_list(st, st != NULL ? st->und_buckets : NULL, NULL, n);
}

void
state_list_free(char **keys)
{
	size_t	i;

	if (keys == NULL)
		return;
	for (i = 0; keys[i] != NULL; i++)
		free(keys[i]);
	free(keys);
}

/* Run s (a getawslog_marks statement) with three texts bound. */
static int
state_step3(struct state *st, sqlite3_stmt *s, const char *a, const char *b,
    const char *c)
{
	const char *v[3] = { a, b, c };

	return state_stepv(st, s, 3, v);
}

int
state_marked(struct state *st, const char *bucket, const char *key)
{
	char	day[11], folder[STATE_FOLDER_MAX];
	size_t	flen;
	int	rc;

	if (st == NULL || !st->marks || st->mark == NULL ||
	    !layout_key_day(key, &flen, day) || flen >= sizeof(folder))
		return 0;
	memcpy(folder, key, flen);
	folder[flen] = '\0';
	if ((rc = state_step3(st, st->mark, bucket, folder, key)) == -1)
		return -1;
	return rc == SQLITE_ROW;
}

int
state_mark(struct state *st, const char *bucket, const char *folder,
    const char *key)
{
	if (st == NULL)
		return 0;
	if (state_step3(st, st->mark_set, bucket, folder, key) == -1)
		return -1;
	st->marks = 1;
	return 0;
}

int
state_query(struct state *st, enum state_q which, const char *const *args,
    int nargs, state_row_fn row, void *arg)
{
	sqlite3_stmt	*s;
	const char	*cols[STATE_COLS_MAX];
	int		 i, n, rc, rows = 0;

	if (st == NULL)
		return 0;
	if (st->q[which] == NULL && sqlite3_prepare_v2(st->db,
	    queries[which], -1, &st->q[which], NULL) != SQLITE_OK) {
		state_error(st);
		return -1;
	}
	s = st->q[which];
	sqlite3_reset(s);
	/*
	 * Bound where they are, not copied (a tenth of a query's cost):
	 * the caller's texts outlive the step, and the bindings are cleared
	 * before this returns.
	 */
	for (i = 0; i < nargs; i++)
		sqlite3_bind_text(s, i + 1, args[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		n = sqlite3_column_count(s);
		if (n > STATE_COLS_MAX)
			n = STATE_COLS_MAX;
		for (i = 0; i < n; i++)
			if ((cols[i] = (const char *)sqlite3_column_text(s,
			    i)) == NULL)
				cols[i] = "";
		rows++;
		if (row != NULL && row(arg, n, cols) == -1) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		state_error(st);
		return -1;
	}
	/* A change: the rows it changed. */
	return sqlite3_stmt_readonly(s) ? rows : sqlite3_changes(st->db);
}
