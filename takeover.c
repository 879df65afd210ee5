/* SPDX-License-Identifier: ISC */
/*
 * takeover.c - --import-wazuh-state: where Wazuh's aws-s3 module stopped,
 * into the -s state.
 *
 * The module (wodles/aws, s3_cloudtrail.db) keeps a table cloudtrail
 * (bucket_path, aws_account_id, aws_region, log_key, processed_date,
 * created_date): bucket_path is "BUCKET/" and the module's prefix, log_key
 * the whole key. Each run it lists every region folder from StartAfter =
 * the greatest log_key it holds for that folder, and it keeps only the
 * newest 500 rows of a folder: every key of a folder up to its greatest
 * row is done, whether its row is still there or not.
 *
 * So for each folder of the bucket found in the file: that greatest key
 * becomes the folder's mark (state_mark: fetch.c skips a key at or
 * before it), its day the folder's newest day (the walk lists from it
 * less --lookback), and each row's basename is recorded in log_progress
 * as the script's state would have it. Nothing else is read from the
 * module's file, which is opened read-only; importing again keeps the
 * later of two marks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "layout.h"
#include "lock.h"
#include "msg.h"
#include "run.h"
#include "state.h"
#include "takeover.h"
#include "util.h"

#define BUSY_MS		30000	/* the module may be writing its file */
#define KEY_MAX		1024	/* S3's longest key */

/* One region folder found in the module's file. */
struct folder {
	char	*name;
	char	*last;		/* its greatest key */
	size_t	 rows;
};

struct import {
	struct folder	*f;
	size_t		 n, cap;
	size_t		 rows, other;	/* rows read; not CloudTrail keys */
};

static void
import_free(struct import *im)
{
	size_t	i;

	for (i = 0; i < im->n; i++) {
		free(im->f[i].name);
		free(im->f[i].last);
	}
	free(im->f);
}

/* Note key (folder name[0..flen)) in im. 0, or -1 out of memory. */
static int
note(struct import *im, const char *key, size_t flen)
{
	struct folder	*f, *nf;
	size_t		 i;

	for (i = 0; i < im->n; i++)
		if (strlen(im->f[i].name) == flen &&
		    memcmp(im->f[i].name, key, flen) == 0)
			break;
	if (i == im->n) {
		if (im->n == im->cap) {
			im->cap = im->cap ? im->cap * 2 : 16;
			if ((nf = realloc(im->f, im->cap * sizeof(*nf))) ==
			    NULL)
				return -1;
			im->f = nf;
		}
		f = &im->f[im->n];
		if ((f->name = strndup(key, flen)) == NULL)
			return -1;
		f->last = NULL;
		f->rows = 0;
		im->n++;
	}
	f = &im->f[i];
	f->rows++;
	if (f->last == NULL || strcmp(key, f->last) > 0) {
		free(f->last);
		if ((f->last = strdup(key)) == NULL)
			return -1;
	}
	return 0;
}

/*
 * One row of the module's: recorded, noted, its folder's day advanced.
 * 0; -1 on a state error (printed) or no memory.
 */
static int
take_row(struct import *im, struct state *st, const char *bucket,
    const char *key)
{
	const char	*base;
	char		 day[11], folder[STATE_FOLDER_MAX];
	size_t		 flen;

	if (strlen(key) > KEY_MAX || !layout_key_day(key, &flen, day) ||
	    flen >= sizeof(folder)) {
		im->other++;
		return 0;
	}
	base = strrchr(key, '/') + 1;
	memcpy(folder, key, flen);
	folder[flen] = '\0';
	if (state_record(st, base) == -1 ||
	    state_folder_done(st, bucket, folder, day) == -1 ||
	    state_mark(st, bucket, folder, key) == -1)
		return -1;
	if (note(im, key, flen) == -1) {
		msg_oom();
		return -1;
	}
	return 0;
}

/* Read the module's rows of bucket into st. 0, or -1 (printed). */
static int
read_rows(sqlite3 *db, const char *path, const char *bucket,
    struct state *st, struct import *im)
{
	static const char sql[] = "SELECT log_key FROM cloudtrail WHERE "
	    "substr(bucket_path, 1, length(?1)) = ?1 ORDER BY log_key";
	sqlite3_stmt	*s = NULL;
	char		*bpath = NULL;
	const char	*key;
	int		 rc, ret = -1;

	if (asprintf(&bpath, "%s/", bucket) == -1) {
		bpath = NULL;
		msg_oom();
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		msg_warn("%s: not the aws-s3 module's state (no table "
		    "cloudtrail with bucket_path and log_key): %s", path,
		    sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_text(s, 1, bpath, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (++im->rows > TAKEOVER_ROWS_MAX) {
			msg_warn("%s: more than %d rows for bucket %s", path,
			    TAKEOVER_ROWS_MAX, bucket);
			goto out;
		}
		if ((key = (const char *)sqlite3_column_text(s, 0)) == NULL) {
			im->other++;
			continue;
		}
		if (take_row(im, st, bucket, key) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		msg_warn("%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	ret = 0;
 out:
	sqlite3_finalize(s);
	free(bpath);
	return ret;
}

/* What was imported: a line per folder on stdout. */
static void
report(const struct import *im, const char *path, const char *bucket)
{
	char	b1[MSG_ESCAPED_MAX], b2[MSG_ESCAPED_MAX];
	size_t	i;

	for (i = 0; i < im->n; i++)
		printf("%s: %zu keys recorded; listed from after %s\n",
		    msg_escape(im->f[i].name, b1, sizeof(b1)), im->f[i].rows,
		    msg_escape(im->f[i].last, b2, sizeof(b2)));
	if (im->other > 0)
		printf("%zu rows left alone: not CloudTrail keys\n",
		    im->other);
	printf("imported %zu region folders of bucket %s from %s\n", im->n,
	    msg_escape(bucket, b1, sizeof(b1)), msg_escape(path, b2,
	    sizeof(b2)));
}

int
takeover_wazuh(const struct options *o)
{
	struct import	 im;
	struct state	*st = NULL;
	sqlite3		*db = NULL;
	int		 lockfd = -1, status = EXIT_LOCAL;

	memset(&im, 0, sizeof(im));
	if ((lockfd = lock_take(o->state, util_mono_ms() +
	    (long long)o->lock_wait * 1000)) < 0) {
		if (lockfd == LOCK_HELD) {
			msg_warn("another getawslog is working on %s; gave "
			    "up after %d seconds", o->state, o->lock_wait);
			status = EXIT_LOCKED;
		}
		goto out;
	}
	if (sqlite3_open_v2(o->wazuh_state, &db, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK) {
		msg_warn("%s: %s", o->wazuh_state, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	if (state_open(o->state, 0, &st) == -1 || state_begin(st) == -1)
		goto out;
	if (read_rows(db, o->wazuh_state, o->bucket, st, &im) == -1) {
		(void)state_rollback(st);
		goto out;
	}
	if (im.n == 0) {
		(void)state_rollback(st);
		msg_warn("%s: no CloudTrail key of bucket %s: nothing imported",
		    o->wazuh_state, o->bucket);
		goto out;
	}
	if (state_commit(st) == -1)
		goto out;
	report(&im, o->wazuh_state, o->bucket);
	status = EXIT_OK;
 out:
	import_free(&im);
	state_close(st);
	sqlite3_close(db);
	lock_release(lockfd);
	return status;
}
