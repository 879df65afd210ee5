/* SPDX-License-Identifier: ISC */
/*
 * walk.c - ListObjectsV2 page by page, with a guard against a store that
 * hands out the same continuation token again; CloudTrail's folders
 * explored with delimiter listings, many folders listed at once (up to
 * walk_lists), while objects are queued in key order, so the effects come
 * in a whole-bucket listing's order.
 *
 * The walk is one list in key order of what is known so far: objects
 * listed, not yet queued, and listings (a folder) not yet over. A page
 * that comes back is put in its listing's place, before it: its objects,
 * and its folders as new listings; the listing stays behind them for its
 * next page, or goes once it is over. Objects at the head are queued
 * (fetch_add); a listing at the head is waited for. So a folder's objects
 * are queued only once every folder before it has been listed, whatever
 * order the answers came in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
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
#define LISTS_PER_JOB	4	/* listings in flight per -J */
/*
 * Objects and folders listed ahead of the queue at most (a listing at the
 * head always goes on): a first run over a year of an organization's
 * folders must not hold their keys in memory.
 */
#define HELD_MAX	20000
#define WAIT_MS		1000	/* the loop's longest sleep */

int
walk_lists(const struct options *o)
{
	int	n = o->jobs * LISTS_PER_JOB;

	return n > WALK_LISTS_MAX ? WALK_LISTS_MAX : n;
}

static int
going(const struct run *r)
{
	return !r->fatal && !r->denied && !r->stop && !sig_caught();
}

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

/*
 * 0 for a new token (kept); -1 seen already (err says so), or out of
 * memory (r->fatal).
 */
static int
tokens_check(struct run *r, struct tokens *t, const char *token,
    struct s3_error *err)
{
	size_t	 i;
	char	*copy;

	memset(err, 0, sizeof(*err));
	for (i = 0; i < TOKENS_KEPT; i++)
		if (t->kept[i] != NULL && strcmp(t->kept[i], token) == 0) {
			err->status = S3_EBADRESP;
			(void)snprintf(err->message, sizeof(err->message),
			    "S3 sent a continuation token it had sent "
			    "before; stopping this listing");
			return -1;
		}
	if ((copy = strdup(token)) == NULL) {
		msg_oom();
		r->fatal = 1;
		return -1;
	}
	free(t->kept[t->next]);
	t->kept[t->next] = copy;
	t->next = (t->next + 1) % TOKENS_KEPT;
	return 0;
}

/* One place in the walk's order: an object, or a listing not yet over. */
struct node {
	struct node	*prev, *next;	/* the walk, in key order */
	struct node	*lprev, *lnext;	/* its listings alone, in order */
	int		 listing;
	char		*key;		/* an object's key; a listing's prefix
					   (NULL: the whole bucket) */
	long long	 size;
	/* A listing's: */
	char		*start_after;	/* NULL: from its first key */
	int		 delimit;	/* by folder, to explore the layout */
	int		 depth;
	int		 told;		/* its start said (-dd), once */
	char		*token;		/* the next page's; NULL: the first */
	struct tokens	 tk;
	struct s3_list	*inflight;
	struct s3_error	*err;		/* failed: said in its turn */
};

struct walk {
	struct run	*r;
	struct fetchq	*q;
	struct node	*head, *tail;
	struct node	*lhead, *ltail;
	size_t		 held;		/* nodes in the walk */
	int		 inflight, bound;
};

static void
node_free(struct node *n)
{
	s3_list_cancel(n->inflight);
	free(n->key);
	free(n->start_after);
	free(n->token);
	free(n->err);
	tokens_free(&n->tk);
	free(n);
}

/*
 * Put n before at (a listing of the walk; NULL: at the end). Whatever a
 * page of at brings sorts after every listing before at, so a listing
 * among them goes before at in the listings' order too.
 */
static void
insert_before(struct walk *w, struct node *at, struct node *n)
{
	n->next = at;
	n->prev = at != NULL ? at->prev : w->tail;
	*(n->prev != NULL ? &n->prev->next : &w->head) = n;
	*(at != NULL ? &at->prev : &w->tail) = n;
	w->held++;
	if (!n->listing)
		return;
	n->lnext = at;
	n->lprev = at != NULL ? at->lprev : w->ltail;
	*(n->lprev != NULL ? &n->lprev->lnext : &w->lhead) = n;
	*(at != NULL ? &at->lprev : &w->ltail) = n;
}

static void
node_remove(struct walk *w, struct node *n)
{
	*(n->prev != NULL ? &n->prev->next : &w->head) = n->next;
	*(n->next != NULL ? &n->next->prev : &w->tail) = n->prev;
	w->held--;
	if (n->listing) {
		*(n->lprev != NULL ? &n->lprev->lnext : &w->lhead) = n->lnext;
		*(n->lnext != NULL ? &n->lnext->lprev : &w->ltail) = n->lprev;
		if (n->inflight != NULL)
			w->inflight--;
	}
	node_free(n);
}

/* A new node before at, taking key. -1: no memory. */
static int
add_node(struct walk *w, struct node *at, int listing, char *key,
    long long size)
{
	struct node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		free(key);
		msg_oom();
		w->r->fatal = 1;
		return -1;
	}
	n->listing = listing;
	n->key = key;
	n->size = size;
	insert_before(w, at, n);
	return 0;
}

/* Add a listing of prefix (copied) before at. */
static struct node *
add_listing(struct walk *w, struct node *at, const char *prefix,
    int delimit, int depth)
{
	char	*p = NULL;

	if (prefix != NULL && (p = strdup(prefix)) == NULL) {
		msg_oom();
		w->r->fatal = 1;
		return NULL;
	}
	if (add_node(w, at, 1, p, -1) == -1)
		return NULL;
	at = at != NULL ? at->prev : w->tail;
	at->delimit = delimit;
	at->depth = depth;
	return at;
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

/*
 * A region folder, before at: listed from its start day (keys of day D
 * and later sort after "FOLDER/YYYY/MM/DD" of D; keys of earlier days
 * before it), whole when there is none.
 */
static void
add_region(struct walk *w, struct node *at, const char *folder)
{
	struct node	*n;
	char		 day[11];

	if (region_start(w->r, folder, day) == -1) {
		w->r->fatal = 1;
		return;
	}
	if ((n = add_listing(w, at, folder, 0, 0)) == NULL || day[0] == '\0')
		return;
	if (asprintf(&n->start_after, "%s%s", folder, day) == -1) {
		n->start_after = NULL;
		msg_oom();
		w->r->fatal = 1;
	}
}

/* A folder of a delimiter listing, by where it sits in the layout. */
static void
add_folder(struct walk *w, struct node *at, const char *folder, int depth)
{
	char	names[NAMES_MAX];

	if (!layout_filter_wanted(w->r->o->filter, folder))
		return;		/* --account-id, --trail-region */
	switch (layout_classify(folder, names, sizeof(names))) {
	case LAYOUT_REGION:
		add_region(w, at, folder);
		break;
	case LAYOUT_DIGESTS:
		/* Processed only when checked (proof.c). */
		if (w->r->proof != NULL)
			(void)add_listing(w, at, folder, 1, depth);
		break;
	case LAYOUT_ABOVE:
		(void)add_listing(w, at, folder, 1, depth);
		break;
	default:
		if (depth < TREE_DEPTH)
			(void)add_listing(w, at, folder, 1, depth + 1);
		else
			(void)add_listing(w, at, folder, 0, 0);
	}
}

/*
 * Put a page of n's in its place: objects and folders merged in key
 * order, before n. 0, or -1 on a local error.
 */
static int
splice_page(struct walk *w, struct node *n, struct s3_list_page *pg)
{
	size_t	 i, j;
	char	*key;

	for (i = j = 0; (i < pg->nobjects || j < pg->nprefixes) &&
	    going(w->r);) {
		if (j == pg->nprefixes || (i < pg->nobjects &&
		    strcmp(pg->objects[i].key, pg->prefixes[j]) < 0)) {
			/* The node takes the key, even when it cannot be. */
			key = pg->objects[i].key;
			pg->objects[i].key = NULL;
			if (add_node(w, n, 0, key, pg->objects[i++].size) == -1)
				return -1;
		} else
			add_folder(w, n, pg->prefixes[j++], n->depth);
	}
	return w->r->fatal ? -1 : 0;
}

/* n's page has come: in its place, or n marked failed. */
static void
take_page(struct walk *w, struct node *n)
{
	struct s3_list_page	 pg;
	struct s3_error		 err;
	int			 rc;

	rc = s3_list_finish(n->inflight, &pg, &err);
	n->inflight = NULL;
	w->inflight--;
	if (rc == 0) {
		w->r->n.lists++;
		if (pg.truncated && tokens_check(w->r, &n->tk, pg.next_token,
		    &err) == -1)
			rc = -1;
	}
	if (rc == 0 && splice_page(w, n, &pg) == 0) {
		free(n->token);
		n->token = pg.truncated ? pg.next_token : NULL;
		if (n->token == pg.next_token)
			pg.next_token = NULL;
		if (n->token == NULL)
			node_remove(w, n);
	} else if (rc == -1 && !w->r->fatal) {
		if ((n->err = malloc(sizeof(*n->err))) == NULL) {
			msg_oom();
			w->r->fatal = 1;
		} else
			*n->err = err;
	}
	s3_list_page_free(&pg);
	progress_draw(&w->r->n, 0);
}

/*
 * Start listings in key order, up to the bound: the first always, the
 * others while not too much is held ahead of the queue; none past a
 * listing that failed (the walk stops there).
 */
static void
start_listings(struct walk *w)
{
	struct s3_list_params	 lp;
	struct node		*n;

	for (n = w->lhead; n != NULL && w->inflight < w->bound;
	    n = n->lnext) {
		if (n->err != NULL)
			break;
		if (n->inflight != NULL)
			continue;
		if (n != w->lhead && w->held >= HELD_MAX)
			break;
		memset(&lp, 0, sizeof(lp));
		lp.prefix = n->key;
		lp.delimiter = n->delimit ? "/" : NULL;
		lp.start_after = n->start_after;
		if ((n->inflight = s3_list_start(w->r->s3, w->r->o->bucket,
		    &lp, n->token)) == NULL) {
			msg_oom();
			w->r->fatal = 1;
			return;
		}
		w->inflight++;
	}
}

/* Take every page that has come. The number taken. */
static int
take_pages(struct walk *w)
{
	struct node	*n, *next;
	int		 seen = 0, taken = 0, inflight = w->inflight;

	for (n = w->lhead; n != NULL && seen < inflight && going(w->r);
	    n = next) {
		next = n->lnext;
		if (n->inflight == NULL)
			continue;
		seen++;
		if (s3_list_ready(n->inflight)) {
			take_page(w, n);
			taken++;
		}
	}
	return taken;
}

/*
 * Queue the objects at the head; a listing there that failed ends the
 * walk, in its turn.
 */
static void
queue_head(struct walk *w)
{
	struct node	*n;

	while ((n = w->head) != NULL && going(w->r)) {
		if (n->listing) {
			if (n->err != NULL)
				list_failed(w->r, n->key, n->err);
			else if (!n->told && n->start_after != NULL &&
			    w->r->o->debug > 1)
				msg_warn("listing %s from %s", n->key,
				    n->start_after + strlen(n->key));
			n->told = 1;
			return;
		}
		if (layout_filter_wanted(w->r->o->filter, n->key)) {
			(void)fetch_add(w->q, n->key, n->size);
			n->key = NULL;
		}
		node_remove(w, n);
	}
}

/* Walk from the root listing until it is all queued, or the walk stops. */
static void
walk_nodes(struct walk *w)
{
	struct run	*r = w->r;

	while (w->head != NULL && going(r)) {
		queue_head(w);
		if (w->head == NULL || !going(r))
			break;
		start_listings(w);
		if (take_pages(w) > 0 || !going(r))
			continue;
		/* Nothing came: finish a download meanwhile, or wait. */
		if (!fetch_step(w->q) && going(r))
			engine_step(r->eng, WAIT_MS);
	}
	while (w->head != NULL)
		node_remove(w, w->head);
}

/* -d: an --account-id or --trail-region that matched nothing, said. */
static void
filters_said(const struct run *r)
{
	char	buf[1024];

	if (r->o->debug && going(r) &&
	    layout_filter_unmatched(r->o->filter, buf, sizeof(buf)) > 0)
		msg_warn("bucket %s: nothing matched %s", r->o->bucket, buf);
}

void
walk_run(struct run *r)
{
	struct walk	w;

	memset(&w, 0, sizeof(w));
	w.r = r;
	w.bound = walk_lists(r->o);
	if ((w.q = fetch_new(r, NULL, NULL)) == NULL) {
		r->fatal = 1;
		return;
	}
	/*
	 * Incremental where the state says what was done, or where --after
	 * says where to start: by folder. Else the whole bucket (or prefix),
	 * one listing.
	 */
	if (add_listing(&w, NULL, r->o->prefix, (state_enabled(r->st) &&
	    !r->o->full_scan) || r->o->after[0] != '\0', 0) != NULL)
		walk_nodes(&w);
	filters_said(r);
	/* What is queued is finished in order; after a fatal error, dropped. */
	fetch_drain(w.q);
	fetch_free(w.q);
}
