/* SPDX-License-Identifier: ISC */
/*
 * walk.c - ListObjectsV2, page by page, with a guard against a store that
 * hands out the same continuation token again; objects and folders taken
 * in key order, so the effects come in a whole-bucket listing's order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch.h"
#include "layout.h"
#include "msg.h"
#include "progress.h"
#include "s3.h"
#include "sig.h"
#include "state.h"
#include "walk.h"

/* Continuation tokens remembered per listing, to stop a loop. */
#define TOKENS_KEPT	16
#define TREE_DEPTH	4	/* folders explored above AWSLogs/ */
#define NAMES_MAX	512	/* "ACCOUNT_SERVICE_REGION_" of a folder */

struct walk {
	struct run	*r;
	struct fetchq	*q;
};

/* Listing errors end the walk; what is queued is still finished. */
static void
list_failed(struct run *r, const char *prefix, const struct s3_error *err)
{
	char	e[640];

	msg_warn("listing bucket %s%s%s: %s", r->o->bucket,
	    prefix != NULL ? " under " : "", prefix != NULL ? prefix : "",
	    s3_strerror(err, e, sizeof(e)));
	if (err->status == S3_EINTR)
		return;
	if (err->transient)
		r->n.transient++;
	else
		r->n.failed++;
	r->stop = 1;
}

static int
going(const struct run *r)
{
	return !r->fatal && !r->denied && !r->stop && !sig_caught();
}

/*
 * The last continuation tokens of one listing. S3 never sends a token
 * twice; a store (or a proxy) that does would make the walk loop forever.
 */
struct tokens {
	char	*kept[TOKENS_KEPT];
	size_t	 next;
};

static void
tokens_free(struct tokens *t)
{
	size_t	i;

	for (i = 0; i < TOKENS_KEPT; i++)
		free(t->kept[i]);
	memset(t, 0, sizeof(*t));
}

/* 0 for a new token (kept); -1 seen already, or out of memory. */
static int
tokens_check(struct run *r, struct tokens *t, const char *token,
    const char *prefix)
{
	struct s3_error	 err;
	size_t		 i;
	char		*copy;

	memset(&err, 0, sizeof(err));
	for (i = 0; i < TOKENS_KEPT; i++)
		if (t->kept[i] != NULL && strcmp(t->kept[i], token) == 0) {
			err.status = S3_EBADRESP;
			(void)snprintf(err.message, sizeof(err.message),
			    "S3 sent a continuation token it had sent "
			    "before; stopping this listing");
			list_failed(r, prefix, &err);
			return -1;
		}
	if ((copy = strdup(token)) == NULL) {
		err.status = S3_ENOMEM;
		(void)snprintf(err.message, sizeof(err.message),
		    "out of memory");
		list_failed(r, prefix, &err);
		r->fatal = 1;
		return -1;
	}
	free(t->kept[t->next]);
	t->kept[t->next] = copy;
	t->next = (t->next + 1) % TOKENS_KEPT;
	return 0;
}

/* One listing, page by page: listing_next, then listing_done, each page. */
struct listing {
	struct s3_list_params	 lp;
	struct tokens		 tk;
	char			*token;
	int			 started;
};

/*
 * The next page into pg: 1, or 0 when the listing is over, failed (said
 * and counted) or names a continuation token seen before (not trusted).
 */
static int
listing_next(struct run *r, struct listing *l, struct s3_list_page *pg)
{
	struct s3_error	 err;

	if (l->started && (l->token == NULL || !going(r)))
		return 0;
	l->started = 1;
	if (s3_list_page(r->s3, r->o->bucket, &l->lp, l->token, pg,
	    &err) == -1) {
		list_failed(r, l->lp.prefix, &err);
		return 0;
	}
	r->n.lists++;
	if (pg->truncated && tokens_check(r, &l->tk, pg->next_token,
	    l->lp.prefix) == -1) {
		s3_list_page_free(pg);
		return 0;
	}
	progress_draw(&r->n, 0);
	return 1;
}

/* Done with pg: keep its continuation token for the next page. */
static void
listing_done(struct listing *l, struct s3_list_page *pg)
{
	free(l->token);
	l->token = pg->truncated ? pg->next_token : NULL;
	if (l->token == pg->next_token)
		pg->next_token = NULL;
	s3_list_page_free(pg);
}

static void
listing_free(struct listing *l)
{
	free(l->token);
	tokens_free(&l->tk);
}

/* Queue the object pg->objects[i]; the queue takes its key. */
static void
queue_listed(struct walk *w, struct s3_list_page *pg, size_t i)
{
	(void)fetch_add(w->q, pg->objects[i].key, pg->objects[i].size);
	pg->objects[i].key = NULL;
}

/* Queue every object under prefix (all of it when NULL), after start. */
static void
walk_flat(struct walk *w, const char *prefix, const char *start_after)
{
	struct listing		 l;
	struct s3_list_page	 pg;
	size_t			 i;

	memset(&l, 0, sizeof(l));
	l.lp.prefix = prefix;
	l.lp.start_after = start_after;
	while (listing_next(w->r, &l, &pg)) {
		for (i = 0; i < pg.nobjects && going(w->r); i++)
			queue_listed(w, &pg, i);
		listing_done(&l, &pg);
	}
	listing_free(&l);
}

/* YYYY/MM/DD of t (UTC) into day. */
static void
format_day(time_t t, char day[11])
{
	struct tm	tm;

	day[0] = '\0';
	if (gmtime_r(&t, &tm) != NULL && snprintf(day, 11, "%04d/%02d/%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) != 10)
		day[0] = '\0';
}

/*
 * The day a region folder's listing starts, YYYY/MM/DD into day: the
 * newest day recorded from this folder of this bucket (never later than
 * today) less the lookback, or --after's day, whichever is later; ""
 * when neither says. The newest day comes from keys listed in the folder
 * itself, so no object elsewhere (a forged name, another bucket sharing
 * the state) can move it. 0, or -1 on a state error.
 */
static int
region_start(struct run *r, const char *folder, char day[11])
{
	struct tm	 tm;
	time_t		 t, now = time(NULL);
	char		 newest[16];
	int		 rc;

	day[0] = '\0';
	if ((rc = state_folder_day(r->st, r->o->bucket, folder, newest,
	    sizeof(newest))) == -1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (rc == 1 && sscanf(newest, "%4d/%2d/%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) == 3) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_hour = 12;
		/* Normalised first, then never later than today. */
		if ((t = timegm(&tm)) == (time_t)-1 || t > now)
			t = now;
		format_day(t - (time_t)r->o->lookback * 86400, day);
	}
	if (r->o->after_day[0] != '\0' && strcmp(r->o->after_day, day) > 0)
		memcpy(day, r->o->after_day, 11);
	return 0;
}

/* A region folder: listed from its start day, whole when there is none. */
static void
walk_region(struct walk *w, const char *folder)
{
	char	 start[1200], day[11];
	int	 n;

	if (region_start(w->r, folder, day) == -1) {
		w->r->fatal = 1;
		return;
	}
	if (day[0] == '\0') {
		walk_flat(w, folder, NULL);
		return;
	}
	/*
	 * Keys of day D and later sort after "FOLDER/YYYY/MM/DD" of D; keys
	 * of earlier days before it.
	 */
	n = snprintf(start, sizeof(start), "%s%s", folder, day);
	if (n < 0 || (size_t)n >= sizeof(start)) {
		walk_flat(w, folder, NULL);
		return;
	}
	if (w->r->o->debug > 1)
		msg_warn("listing %s from %s", folder, day);
	walk_flat(w, folder, start);
}

static void	walk_tree(struct walk *, const char *, int);

/* A folder of a delimiter listing, by where it sits in the layout. */
static void
walk_folder(struct walk *w, const char *folder, int depth)
{
	char	names[NAMES_MAX];

	switch (layout_classify(folder, names, sizeof(names))) {
	case LAYOUT_REGION:
		walk_region(w, folder);
		break;
	case LAYOUT_DIGESTS:
		/* Processed only when checked (proof.c). */
		if (w->r->proof != NULL)
			walk_tree(w, folder, depth);
		break;
	case LAYOUT_ABOVE:
		walk_tree(w, folder, depth);
		break;
	default:
		if (depth < TREE_DEPTH)
			walk_tree(w, folder, depth + 1);
		else
			walk_flat(w, folder, NULL);
	}
}

/*
 * Explore a folder with delimiter listings down to each region folder of
 * CloudTrail's layout. Objects and folders are taken in key order, so the
 * effects come in the same order as a whole-bucket listing's.
 */
static void
walk_tree(struct walk *w, const char *prefix, int depth)
{
	struct listing		 l;
	struct s3_list_page	 pg;
	size_t			 i, j;

	memset(&l, 0, sizeof(l));
	l.lp.prefix = prefix;
	l.lp.delimiter = "/";
	while (listing_next(w->r, &l, &pg)) {
		for (i = j = 0; (i < pg.nobjects || j < pg.nprefixes) &&
		    going(w->r);) {
			if (j == pg.nprefixes || (i < pg.nobjects &&
			    strcmp(pg.objects[i].key, pg.prefixes[j]) < 0))
				queue_listed(w, &pg, i++);
			else
				walk_folder(w, pg.prefixes[j++], depth);
		}
		listing_done(&l, &pg);
	}
	listing_free(&l);
}

void
walk_run(struct run *r)
{
	struct walk	w;

	w.r = r;
	if ((w.q = fetch_new(r, NULL, NULL)) == NULL) {
		r->fatal = 1;
		return;
	}
	/*
	 * Incremental where the state says what was done, or where --after
	 * says where to start.
	 */
	if ((state_enabled(r->st) && !r->o->full_scan) ||
	    r->o->after[0] != '\0')
		walk_tree(&w, r->o->prefix, 0);
	else
		walk_flat(&w, r->o->prefix, NULL);
	/* What is queued is finished in order; after a fatal error, dropped. */
	fetch_drain(w.q);
	fetch_free(w.q);
}
