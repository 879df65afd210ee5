/* SPDX-License-Identifier: ISC */
/*
 * drain.c - the queue mode's loop.
 *
 * Receive up to SQS_BATCH_MAX messages at a time (at most DRAIN_BATCHES
 * receives open: one being worked on while the next arrives), read each
 * with notify_parse, and put the objects it names into the in-order queue
 * tagged with their message; up to -J GETs are in flight across messages.
 * A message is deleted once the last of its objects is told done or
 * skipped, which comes after that object was written, synced, recorded
 * (-s) and deleted (-D). Until then it is kept hidden: a timer in the
 * engine's loop sends ChangeMessageVisibility for every unfinished
 * message a third of the way into its timeout, including those waiting
 * behind others, so heartbeats go out while GETs or deletes are waited
 * on. A message whose object failed, or that is not understood, is left:
 * it comes back after its timeout, and the queue's redrive policy moves
 * one that keeps failing to the dead-letter queue.
 *
 * An object a message names is fetched once per run: a second notice
 * of it waits for the first copy, or finds it done. A --follow service
 * also tries failed S3 deletes again, writes --metrics as it goes and
 * gives back the memory a big object took (chores).
 *
 * Callbacks (the engine's) only record what happened; parsing, queueing
 * and every effect happen here, in the top loop.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drain.h"
#include "engine.h"
#include "fetch.h"
#include "msg.h"
#include "notify.h"
#include "object.h"
#include "proof.h"
#include "sig.h"
#include "sqs.h"
#include "util.h"

#define DRAIN_BATCHES		2	/* receives open, one in flight counted */
#define DRAIN_LEFT_KEPT		1024	/* ids of messages this run left */
#define DRAIN_AGAIN_MAX		2	/* a transient one worked on again */
#define DRAIN_WARN_MS		60000	/* failed heartbeats said this often */
#define DRAIN_STEP_MS		1000	/* the loop's longest wait */
#define DRAIN_TICK_MAX_MS	1000	/* heartbeats looked at this often */
#define DRAIN_TICK_MIN_MS	50
#define DRAIN_RETRY_MIN_MS	1000	/* --follow: after a failed receive */
#define DRAIN_RETRY_MAX_MS	60000
#define DRAIN_STOP_MS		(ENGINE_FINAL_MS + 1000)	/* after a signal */
#define DRAIN_DONE_KEPT		16384	/* objects done, known again */
#define DRAIN_REPORT_MS		60000	/* a service's --metrics this often */
#define DRAIN_REPORT_MIN_MS	5000	/* ... or after a batch, at most */
/*
 * --validate-digests in a service: the files digests named are settled
 * (proof_finish) once the queue is idle after new objects or digests, at
 * most this often, and at least every DRAIN_PROOF_MAX_MS (a grace ends).
 */
#define DRAIN_PROOF_MIN_MS	5000
#define DRAIN_PROOF_MAX_MS	(15 * 60000)
#define DRAIN_UNDELETED_MIN_MS	10000	/* a failed S3 delete tried again */
#define DRAIN_UNDELETED_MAX_MS	600000	/* ... the wait doubling up to this */
#define DRAIN_HASH		4096	/* the objects' hash chains */

enum msg_state {
	M_OPEN,		/* its objects are being done */
	M_DELETING,	/* DeleteMessage in flight */
	M_DONE,		/* deleted */
	M_LEFT		/* left in the queue */
};

/* One receive's messages; open until each is deleted or left. */
struct batch {
	int		 open;
};

struct msg {
	struct msg	*next;
	struct drain	*d;
	struct batch	*batch;
	enum msg_state	 state;
	char		*id;
	char		*receipt;	/* the newest handle */
	long		 receives;	/* ApproximateReceiveCount */
	size_t		 objects;	/* queued, not yet told */
	int		 queued;	/* every object it names is queued */
	int		 failed;	/* one failed */
	int		 transient;	/* ... with requests still failing */
	int		 dropped;	/* one was dropped by a stop */
	int		 started;	/* one was done or skipped */
	int		 busy;		/* requests about it in flight */
	int		 beating;	/* a heartbeat in flight */
	int		 lost;		/* a heartbeat was refused */
	long long	 beat_at;	/* its next heartbeat, monotonic ms */
};

/*
 * An object of this run, by "bucket/key": queued for the message that
 * named it first (others naming it too wait for its outcome), or done
 * (kept among the last DRAIN_DONE_KEPT). S3 delivers a notice at least
 * once, and a bucket with both S3 events and CloudTrail's SNS notices
 * names each object twice: without -s a second download would write its
 * records again before the first copy's delete.
 */
struct dobj {
	struct dobj	*hnext;		/* its hash chain */
	char		*name;
	struct msg	*m;		/* its first message; NULL once done */
	struct msg	**also;		/* other messages waiting for it */
	size_t		 nalso;
};

struct dobjs {
	struct dobj	*chain[DRAIN_HASH];
	struct dobj	*done[DRAIN_DONE_KEPT];	/* a ring, oldest first out */
	size_t		 ndone, donenext;
};

/* One ChangeMessageVisibilityBatch about messages. */
struct beat {
	struct beat	*next;
	struct drain	*d;
	struct msg	*m[SQS_BATCH_MAX];
	size_t		 n;
	long long	 sent;
	int		 timeout;
};

/* One receive's answer, waiting for the top loop. */
struct arrival {
	struct arrival	*next;
	struct sqs_message *m;
	size_t		 n;
	long long	 sent;		/* when its receive was sent */
};

/*
 * A message this run left. One left for a failure that may pass (a
 * request still failing) is worked on again when it comes back, a few
 * times: each receive counts towards the dead-letter queue, so each
 * should be a real try. One left for good is not read again.
 */
struct left {
	char	*id;
	int	 transient;
	int	 again;		/* times worked on again */
};

struct drain {
	struct run	*r;
	const struct options *o;
	struct sqs	*q;
	struct fetchq	*fq;
	struct dobjs	*objs;		/* queued and done objects */
	struct msg	*msgs, **msgs_tail;	/* in the order received */
	struct arrival	*arrived, **arrived_tail;
	struct beat	*beats;
	long long	 beat_warned_ms;	/* a failed heartbeat said */
	struct engine_timer tick;
	long		 tick_ms;
	long long	 vt_ms;		/* the visibility timeout */
	int		 receiving;	/* a receive in flight */
	long long	 receive_sent;
	int		 batches;	/* open, the receive in flight counted */
	int		 empty;		/* the last receive brought nothing new */
	int		 receive_failed; /* without --follow: stop receiving */
	long long	 receive_after;	/* --follow: after a failed receive */
	int		 receive_failures;
	struct left	 left[DRAIN_LEFT_KEPT];	/* messages this run left */
	size_t		 nleft, leftnext;
	/* --follow's chores */
	long long	 report_at;	/* --metrics last written */
	int		 batch_ended;	/* since then */
	long long	 undeleted_at;	/* failed deletes tried again; 0 none */
	long long	 undeleted_wait;
	unsigned long	 undeleted_seen;	/* r->n.undeleted looked at */
	int		 trim;		/* memory to give back once idle */
	long long	 proof_at;	/* the last proof_finish; 0 none */
	unsigned long	 proof_seen;	/* objects and digests by then */
};

static int
going(const struct drain *d)
{
	const struct run	*r = d->r;

	return !r->fatal && !r->denied && !r->refused && !sig_caught();
}

/* ---------------------------------------------------------- messages */

static struct left *
find_left(struct drain *d, const char *id)
{
	size_t	i;

	for (i = 0; i < d->nleft; i++)
		if (strcmp(d->left[i].id, id) == 0)
			return &d->left[i];
	return NULL;
}

static void
remember_left(struct drain *d, const char *id, int transient)
{
	struct left	*l;
	char		*copy;

	if (d->o->follow)
		return;
	if ((l = find_left(d, id)) != NULL) {
		l->transient = transient;
		return;
	}
	if ((copy = strdup(id)) == NULL)
		return;
	if (d->nleft < DRAIN_LEFT_KEPT)
		l = &d->left[d->nleft++];
	else {
		l = &d->left[d->leftnext];
		free(l->id);
		d->leftnext = (d->leftnext + 1) % DRAIN_LEFT_KEPT;
	}
	l->id = copy;
	l->transient = transient;
	l->again = 0;
}

/* Left by this run, and not to be worked on again? */
static int
was_left(struct drain *d, const char *id)
{
	struct left	*l = find_left(d, id);

	if (l == NULL)
		return 0;
	if (l->transient && l->again < DRAIN_AGAIN_MAX) {
		l->again++;
		return 0;
	}
	return 1;
}

static struct msg *
find_open(struct drain *d, const char *id)
{
	struct msg	*m;

	for (m = d->msgs; m != NULL; m = m->next)
		if ((m->state == M_OPEN || m->state == M_DELETING) &&
		    strcmp(m->id, id) == 0)
			return m;
	return NULL;
}

/* Its batch closes with the last of its messages. */
static void
batch_less(struct drain *d, struct batch *b)
{
	if (--b->open == 0) {
		free(b);
		d->batches--;
		d->batch_ended = 1;
	}
}

/* Deleted, or left in the queue: no more heartbeats. */
static void
msg_close(struct msg *m, enum msg_state state)
{
	if (m->state == M_DONE || m->state == M_LEFT)
		return;
	m->state = state;
	batch_less(m->d, m->batch);
	m->batch = NULL;
}

/* Left, counted, named (why NULL: said already), remembered. */
static void
msg_leave(struct msg *m, const char *why, int transient)
{
	struct drain	*d = m->d;

	if (why != NULL)
		msg_warn("queue message %s left in the queue (received %ld "
		    "times): %s; it comes back after the visibility timeout",
		    m->id, m->receives, why);
	d->r->n.messages_left++;
	if (transient)
		d->r->n.messages_transient = 1;
	remember_left(d, m->id, transient);
	msg_close(m, M_LEFT);
}

static void
msg_free(struct msg *m)
{
	free(m->id);
	free(m->receipt);
	free(m);
}

/* Messages deleted or left, with nothing in flight about them: freed. */
static void
msgs_reap(struct drain *d)
{
	struct msg	**pp, *m;

	for (pp = &d->msgs; (m = *pp) != NULL;) {
		if ((m->state == M_DONE || m->state == M_LEFT) &&
		    m->busy == 0) {
			*pp = m->next;
			msg_free(m);
		} else
			pp = &m->next;
	}
	d->msgs_tail = &d->msgs;
	for (m = d->msgs; m != NULL; m = m->next)
		d->msgs_tail = &m->next;
}

static void
on_deleted(void *arg, int rc, const struct s3_error *err)
{
	struct msg	*m = arg;
	struct run	*r = m->d->r;
	char		 e[640];

	m->busy--;
	if (rc == 0) {
		r->n.messages++;
		if (r->o->debug > 1)
			msg_warn("queue message %s deleted", m->id);
		msg_close(m, M_DONE);
		return;
	}
	if (err->status == S3_EINTR) {
		msg_close(m, M_LEFT);
		return;
	}
	msg_warn("queue message %s: cannot delete it: %s; it comes back "
	    "after the visibility timeout", m->id, s3_strerror(err, e,
	    sizeof(e)));
	msg_leave(m, NULL, err->transient);
}

/* Every object told: delete it, or leave it. */
static void
msg_finish(struct drain *d, struct msg *m)
{
	if (m->failed)
		msg_leave(m, "an object it names failed", m->transient);
	else if (m->dropped || sig_caught())
		/* Stopped: nothing more is deleted; it comes back. */
		msg_close(m, M_LEFT);
	else if (sqs_delete(d->q, m->receipt, on_deleted, m) == -1)
		d->r->fatal = 1;
	else {
		m->busy++;
		m->state = M_DELETING;
	}
}

static void
msgs_finish(struct drain *d)
{
	struct msg	*m;

	for (m = d->msgs; m != NULL; m = m->next)
		if (m->state == M_OPEN && m->queued && m->objects == 0)
			msg_finish(d, m);
	msgs_reap(d);
}

/* What became of an object, for a message naming it. */
static void
msg_told(struct msg *m, enum fetch_outcome how)
{
	m->objects--;
	switch (how) {
	case FETCH_DONE:
	case FETCH_SKIPPED:
		m->started = 1;
		break;
	case FETCH_DROPPED:
		m->dropped = 1;
		break;
	case FETCH_TRANSIENT:
		m->transient = 1;
		/* FALLTHROUGH */
	default:
		m->started = 1;
		m->failed = 1;
	}
}

/* ----------------------------------------------------------- objects */

static size_t
dobj_hash(const char *s)
{
	unsigned long	h = 2166136261UL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = ((h ^ (unsigned char)*s) * 16777619UL) & 0xffffffffUL;
	return (size_t)(h % DRAIN_HASH);
}

static struct dobj *
dobj_find(struct dobjs *t, const char *name)
{
	struct dobj	*o;

	for (o = t->chain[dobj_hash(name)]; o != NULL; o = o->hnext)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static void
dobj_free(struct dobj *o)
{
	free(o->name);
	free(o->also);
	free(o);
}

/* Out of its chain, and freed. */
static void
dobj_drop(struct dobjs *t, struct dobj *o)
{
	struct dobj	**pp;

	for (pp = &t->chain[dobj_hash(o->name)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == o) {
			*pp = o->hnext;
			break;
		}
	dobj_free(o);
}

/* Queued for m; it takes name. NULL when memory runs out. */
static struct dobj *
dobj_new(struct dobjs *t, char *name, struct msg *m)
{
	struct dobj	*o;
	size_t		 h;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->name = name;
	o->m = m;
	h = dobj_hash(name);
	o->hnext = t->chain[h];
	t->chain[h] = o;
	return o;
}

/* Done: known again among the last DRAIN_DONE_KEPT. */
static void
dobj_done(struct dobjs *t, struct dobj *o)
{
	o->m = NULL;
	free(o->also);
	o->also = NULL;
	o->nalso = 0;
	if (t->ndone < DRAIN_DONE_KEPT) {
		t->done[t->ndone++] = o;
		return;
	}
	dobj_drop(t, t->done[t->donenext]);
	t->done[t->donenext] = o;
	t->donenext = (t->donenext + 1) % DRAIN_DONE_KEPT;
}

static void
dobjs_free(struct dobjs *t)
{
	struct dobj	*o;
	size_t		 i;

	if (t == NULL)
		return;
	for (i = 0; i < DRAIN_HASH; i++)
		while ((o = t->chain[i]) != NULL) {
			t->chain[i] = o->hnext;
			dobj_free(o);
		}
	free(t);
}

/*
 * fetch.c tells what became of an object, in its turn: to its message
 * and to those waiting for it. One done or skipped is known again; one
 * failed or dropped is forgotten, so that its next notice tries again.
 */
static void
on_outcome(void *arg, void *tag, enum fetch_outcome how)
{
	struct drain	*d = arg;
	struct dobj	*o = tag;
	size_t		 i;

	if (how != FETCH_DROPPED)
		d->trim = 1;
	msg_told(o->m, how);
	for (i = 0; i < o->nalso; i++) {
		o->also[i]->busy--;
		msg_told(o->also[i], how);
	}
	if (how == FETCH_DONE || how == FETCH_SKIPPED)
		dobj_done(d->objs, o);
	else
		dobj_drop(d->objs, o);
}

/*
 * An object m names that this run queued or did already: m waits for
 * the first copy's outcome, or counts it skipped. 0, or -1 (no memory).
 */
static int
object_again(struct drain *d, struct msg *m, struct dobj *o)
{
	struct msg	**also;

	if (d->o->debug > 1)
		msg_warn("queue message %s: %s %s in this run", m->id, o->name,
		    o->m != NULL ? "queued already" : "done already");
	if (o->m == NULL) {
		m->started = 1;
		d->r->n.skipped++;
		return 0;
	}
	if ((also = realloc(o->also, (o->nalso + 1) * sizeof(*also))) ==
	    NULL) {
		msg_oom();
		return -1;
	}
	o->also = also;
	also[o->nalso++] = m;
	m->objects++;
	m->busy++;	/* freed only once told */
	return 0;
}

/* One object of m into fetch.c, unless queued or done already. */
static int
queue_object(struct drain *d, struct msg *m, struct notify_object *no)
{
	struct fetch_item	 it;
	struct dobj		*o;
	char			*name;

	if (asprintf(&name, "%s/%s", no->bucket, no->key) == -1) {
		msg_oom();
		return -1;
	}
	if ((o = dobj_find(d->objs, name)) != NULL) {
		free(name);
		return object_again(d, m, o);
	}
	if ((o = dobj_new(d->objs, name, m)) == NULL) {
		free(name);
		msg_oom();
		return -1;
	}
	memset(&it, 0, sizeof(it));
	it.bucket = no->bucket;
	it.key = no->key;
	no->key = NULL;
	it.size = no->size;
	it.region = no->region;
	it.tag = o;
	if (fetch_put(d->fq, &it) == -1) {
		dobj_drop(d->objs, o);
		return -1;
	}
	m->objects++;
	return 0;
}

/* ---------------------------------------------------------- receiving */

static void
on_received(void *arg, int rc, struct sqs_received *got,
    const struct s3_error *err)
{
	struct drain	*d = arg;
	struct run	*r = d->r;
	struct arrival	*a;
	long		 ms;
	char		 e[640];

	d->receiving = 0;
	if (rc == -1 || got->n == 0)
		d->batches--;
	if (rc == -1) {
		if (err->status == S3_EINTR || sig_caught())
			return;
		s3_strerror(err, e, sizeof(e));
		if (!err->transient) {
			msg_warn("queue %s: cannot receive messages: %s",
			    sqs_shown(d->q), e);
			r->refused = 1;
		} else if (d->o->follow) {
			ms = DRAIN_RETRY_MIN_MS << (d->receive_failures < 6 ?
			    d->receive_failures : 6);
			if (ms > DRAIN_RETRY_MAX_MS)
				ms = DRAIN_RETRY_MAX_MS;
			d->receive_failures++;
			msg_warn("queue %s: cannot receive messages: %s; "
			    "trying again in %ld s", sqs_shown(d->q), e,
			    ms / 1000);
			d->receive_after = util_mono_ms() + ms;
		} else {
			msg_warn("queue %s: cannot receive messages: %s",
			    sqs_shown(d->q), e);
			r->n.transient++;
			d->receive_failed = 1;
		}
		return;
	}
	d->receive_failures = 0;
	if (got->dropped > 0)
		msg_warn("queue %s: %zu messages received without an id, a "
		    "handle or a body matching its MD5; they come back after "
		    "the visibility timeout", sqs_shown(d->q), got->dropped);
	if (r->o->debug > 1)
		msg_warn("queue %s: received %zu messages", sqs_shown(d->q),
		    got->n);
	if (got->n == 0) {
		d->empty = 1;
		return;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		msg_oom();
		r->fatal = 1;
		d->batches--;
		return;
	}
	/* Taken: the top loop reads them. */
	a->m = got->m;
	a->n = got->n;
	a->sent = d->receive_sent;
	got->m = NULL;
	got->n = 0;
	*d->arrived_tail = a;
	d->arrived_tail = &a->next;
}

static void
arrival_free(struct arrival *a)
{
	struct sqs_received	got;

	memset(&got, 0, sizeof(got));
	got.m = a->m;
	got.n = a->n;
	sqs_received_free(&got);
	free(a);
}

static void
maybe_receive(struct drain *d)
{
	long long	now = util_mono_ms();

	if (!going(d) || d->receiving || d->batches >= DRAIN_BATCHES ||
	    d->receive_failed || now < d->receive_after)
		return;
	/*
	 * A cron run's short poll is let finish after a signal, and what it
	 * brings given back at once; a service's 20 s poll is cut short.
	 */
	if (sqs_receive(d->q, SQS_BATCH_MAX, d->o->visibility, d->o->follow ?
	    SQS_WAIT_MAX : d->o->wait, !d->o->follow, on_received, d) == -1) {
		d->r->fatal = 1;
		return;
	}
	d->receiving = 1;
	d->batches++;
	d->receive_sent = now;
}

/* s3:TestEvent, or a message naming no object to fetch: deleted. */
static void
nothing_to_do(struct msg *m, const struct notify *n)
{
	if (m->d->o->debug > 1)
		msg_warn("queue message %s: %s%s, nothing to fetch%s", m->id,
		    n->form, n->sns ? " in SNS" : "",
		    n->kind == NOTIFY_TEST ? "; deleted" : "");
	m->queued = 1;
}

static int
bucket_named(const struct options *o, const char *bucket)
{
	size_t	i;

	for (i = 0; i < o->nbuckets; i++)
		if (strcmp(o->buckets[i], bucket) == 0)
			return 1;
	return 0;
}

/* The objects of a message understood, into the queue. 0, or -1 fatal. */
static int
queue_objects(struct drain *d, struct msg *m, struct notify *n)
{
	size_t			 i;
	char			 why[NOTIFY_BUCKET_MAX + 64];

	/*
	 * Only -b's buckets: whoever may send to the queue must not choose
	 * what is written. Left, not deleted: the dead-letter queue keeps
	 * it for someone to look at (a forgery, or a notification set up
	 * for another consumer).
	 */
	for (i = 0; i < n->nobjects; i++)
		if (!bucket_named(d->o, n->objects[i].bucket)) {
			(void)snprintf(why, sizeof(why), "it names bucket %s, "
			    "not one of -b's", n->objects[i].bucket);
			d->r->n.messages_foreign++;
			msg_leave(m, why, 0);
			return 0;
		}
	if (n->nobjects == 0) {
		nothing_to_do(m, n);
		return 0;
	}
	if (d->o->debug > 1)
		msg_warn("queue message %s: %s%s, %zu objects", m->id, n->form,
		    n->sns ? " in SNS" : "", n->nobjects);
	for (i = 0; i < n->nobjects; i++)
		if (queue_object(d, m, &n->objects[i]) == -1)
			return -1;
	m->queued = 1;
	return 0;
}

/*
 * One message received: 1 when it is new work, 0 when not (one we hold
 * already, or one this run left before); -1 on a fatal error. It takes
 * the message's strings.
 */
static int
take_message(struct drain *d, struct batch *b, struct sqs_message *sm,
    long long sent)
{
	struct notify	 n;
	struct msg	*m;
	int		 ret;

	if ((m = find_open(d, sm->id)) != NULL) {
		/* Back, or delivered twice: only the newest handle counts. */
		if (d->o->debug > 1)
			msg_warn("queue message %s received again; its newest "
			    "handle is kept", sm->id);
		free(m->receipt);
		m->receipt = sm->receipt;
		sm->receipt = NULL;
		m->lost = 0;
		m->beat_at = sent + d->vt_ms / 3;
		return 0;
	}
	if (was_left(d, sm->id)) {
		if (d->o->debug > 1)
			msg_warn("queue message %s came back; left again",
			    sm->id);
		return 0;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		msg_oom();
		return -1;
	}
	m->d = d;
	m->batch = b;
	b->open++;
	m->id = sm->id;
	m->receipt = sm->receipt;
	sm->id = sm->receipt = NULL;
	m->receives = sm->receive_count;
	m->beat_at = sent + d->vt_ms / 3;
	*d->msgs_tail = m;
	d->msgs_tail = &m->next;
	if (notify_parse(sm->body, sm->bodylen, &n) == -1) {
		msg_oom();
		msg_close(m, M_LEFT);
		return -1;
	}
	ret = 1;
	switch (n.kind) {
	case NOTIFY_TEST:
		nothing_to_do(m, &n);
		break;
	case NOTIFY_UNKNOWN:
		msg_warn("queue message %s is not understood (%s): left in the "
		    "queue for its dead-letter queue", m->id, n.why);
		msg_leave(m, NULL, 0);
		break;
	default:
		if (queue_objects(d, m, &n) == -1)
			ret = -1;
	}
	notify_free(&n);
	return ret;
}

/* What the receives brought, read and queued (the top loop's work). */
static void
take_arrived(struct drain *d)
{
	struct arrival	*a;
	struct batch	*b;
	size_t		 i, fresh;
	int		 rc;

	while ((a = d->arrived) != NULL) {
		if ((d->arrived = a->next) == NULL)
			d->arrived_tail = &d->arrived;
		fresh = 0;
		if ((b = calloc(1, sizeof(*b))) == NULL) {
			msg_oom();
			d->r->fatal = 1;
			d->batches--;
		} else {
			b->open = 1;	/* held while its messages are taken */
			for (i = 0; i < a->n && going(d); i++) {
				if ((rc = take_message(d, b, &a->m[i],
				    a->sent)) == -1)
					d->r->fatal = 1;
				else
					fresh += (size_t)rc;
			}
			batch_less(d, b);
			if (i < a->n) {
				/*
				 * Stopped half way: the rest waits for stop(),
				 * which gives it back (hold_arrived), rather
				 * than stay hidden for its whole timeout.
				 */
				d->batches++;
				a->next = d->arrived;
				if (d->arrived == NULL)
					d->arrived_tail = &a->next;
				d->arrived = a;
				return;
			}
		}
		/* Nothing new: as good as an empty receive. */
		d->empty = fresh == 0;
		arrival_free(a);
	}
}

/* --------------------------------------------------------- heartbeats */

static void
on_beat(void *arg, int rc, const int *failed, size_t n,
    const struct s3_error *err)
{
	struct beat	*bt = arg, **pp;
	struct drain	*d = bt->d;
	struct msg	*m;
	size_t		 i;
	char		 e[640];

	/* Said at most once a minute: it is tried again every tick. */
	if (rc == -1 && err->status != S3_EINTR &&
	    util_mono_ms() - d->beat_warned_ms >= DRAIN_WARN_MS) {
		d->beat_warned_ms = util_mono_ms();
		msg_warn("queue %s: cannot keep %zu messages hidden: %s; "
		    "trying again", sqs_shown(d->q), bt->n, s3_strerror(err, e,
		    sizeof(e)));
	}
	for (i = 0; i < bt->n && i < n; i++) {
		m = bt->m[i];
		m->busy--;
		m->beating = 0;
		if (rc == -1)
			m->beat_at = util_mono_ms() + d->tick_ms;
		else if (failed[i]) {
			/* Its handle is not the newest: not ours any more. */
			m->lost = 1;
			if (d->o->debug > 1)
				msg_warn("queue message %s: its visibility "
				    "could not be extended (another worker "
				    "may have it)", m->id);
		} else
			m->beat_at = bt->sent + d->vt_ms / 3;
	}
	for (pp = &d->beats; *pp != NULL; pp = &(*pp)->next)
		if (*pp == bt) {
			*pp = bt->next;
			break;
		}
	free(bt);
}

/*
 * A visibility change for up to SQS_BATCH_MAX messages that want one
 * (want: a heartbeat due, or timeout 0 for the unstarted after a stop).
 * 1 when one was sent, 0 when none wanted it.
 */
static int
beat_send(struct drain *d, int timeout, int final,
    int (*want)(const struct drain *, const struct msg *, long long))
{
	struct beat	*bt;
	struct msg	*m;
	const char	*handles[SQS_BATCH_MAX];
	long long	 now = util_mono_ms();
	size_t		 i;

	if ((bt = calloc(1, sizeof(*bt))) == NULL)
		return 0;
	for (m = d->msgs; m != NULL && bt->n < SQS_BATCH_MAX; m = m->next)
		if (!m->beating && want(d, m, now)) {
			handles[bt->n] = m->receipt;
			bt->m[bt->n++] = m;
		}
	if (bt->n == 0 || sqs_visibility(d->q, handles, bt->n, timeout, final,
	    on_beat, bt) == -1) {
		free(bt);
		return 0;
	}
	bt->d = d;
	bt->sent = now;
	bt->timeout = timeout;
	bt->next = d->beats;
	d->beats = bt;
	for (i = 0; i < bt->n; i++) {
		bt->m[i]->beating = 1;
		bt->m[i]->busy++;
	}
	if (d->o->debug > 1)
		msg_warn("queue %s: %zu messages %s", sqs_shown(d->q), bt->n,
		    timeout == 0 ? "made visible again" : "kept hidden");
	return 1;
}

/* Unfinished and ours, half its timeout not yet gone: keep it hidden. */
static int
beat_due(const struct drain *d, const struct msg *m, long long now)
{
	(void)d;
	return (m->state == M_OPEN || m->state == M_DELETING) && !m->lost &&
	    m->beat_at <= now;
}

/* The engine's timer: heartbeats for every message due one. */
static void
on_tick(void *arg)
{
	struct drain	*d = arg;

	while (going(d) && beat_send(d, d->o->visibility, 0, beat_due))
		continue;
	if (going(d))
		engine_timer_set(d->r->eng, &d->tick, util_mono_ms() +
		    d->tick_ms, on_tick, d);
}

/* Stopped before any of its objects was done: give it back now. */
static int
unstarted(const struct drain *d, const struct msg *m, long long now)
{
	(void)d;
	(void)now;
	return m->state == M_OPEN && !m->started && !m->lost;
}

/*
 * After a stop: what the receives brought, held without being read, so
 * that they are given back with the unstarted.
 */
static void
hold_arrived(struct drain *d)
{
	struct arrival	*a;
	struct batch	*b;
	struct msg	*m;
	size_t		 i;

	while ((a = d->arrived) != NULL) {
		if ((d->arrived = a->next) == NULL)
			d->arrived_tail = &d->arrived;
		if ((b = calloc(1, sizeof(*b))) != NULL) {
			b->open = 1;
			for (i = 0; i < a->n; i++) {
				/* Taken before the stop, or held already. */
				if (a->m[i].id == NULL ||
				    find_open(d, a->m[i].id) != NULL ||
				    (m = calloc(1, sizeof(*m))) == NULL)
					continue;
				m->d = d;
				m->batch = b;
				b->open++;
				m->id = a->m[i].id;
				m->receipt = a->m[i].receipt;
				a->m[i].id = a->m[i].receipt = NULL;
				m->dropped = 1;
				*d->msgs_tail = m;
				d->msgs_tail = &m->next;
			}
			batch_less(d, b);
		} else
			d->batches--;
		arrival_free(a);
	}
}

/* ------------------------------------------------------------ chores */

/*
 * A service's S3 deletes that failed (recorded, in getawslog_undeleted)
 * are tried again DRAIN_UNDELETED_MIN_MS after, then ever less often
 * while they keep failing, not only when the next service starts.
 */
static void
retry_undeleted(struct drain *d, long long now)
{
	struct run	*r = d->r;
	unsigned long	 before;

	if (!d->o->delete)
		return;
	if (r->n.undeleted > d->undeleted_seen && d->undeleted_at == 0) {
		d->undeleted_wait = DRAIN_UNDELETED_MIN_MS;
		d->undeleted_at = now + d->undeleted_wait;
	}
	d->undeleted_seen = r->n.undeleted;
	if (d->undeleted_at == 0 || now < d->undeleted_at)
		return;
	before = r->n.undeleted;
	if (object_retry_deletes(r) == OBJECT_FATAL)
		r->fatal = 1;
	d->undeleted_seen = r->n.undeleted;
	if (r->n.undeleted == before) {
		d->undeleted_at = 0;	/* each one deleted */
		return;
	}
	d->undeleted_wait *= 2;
	if (d->undeleted_wait > DRAIN_UNDELETED_MAX_MS)
		d->undeleted_wait = DRAIN_UNDELETED_MAX_MS;
	d->undeleted_at = util_mono_ms() + d->undeleted_wait;
}

/*
 * A service's digests: what the digests named is settled while it runs,
 * not only when it stops (a finding is said, counted and alerted then).
 */
static void
settle_proof(struct drain *d, long long now)
{
	struct run	*r = d->r;
	unsigned long	 seen;

	if (r->proof == NULL || fetch_queued(d->fq) != 0)
		return;
	seen = r->n.objects + r->n.digests_ok + r->n.digests_bad;
	if (d->proof_at != 0 && (seen == d->proof_seen ||
	    now - d->proof_at < DRAIN_PROOF_MIN_MS) &&
	    now - d->proof_at < DRAIN_PROOF_MAX_MS)
		return;
	d->proof_at = now;
	d->proof_seen = seen;
	if (proof_finish(r) == -1)
		r->fatal = 1;
}

/*
 * A service's chores between objects: failed deletes tried again;
 * digests' files settled (settle_proof);
 * --metrics after a batch (at most every DRAIN_REPORT_MIN_MS) and at
 * least every DRAIN_REPORT_MS, so that a healthy service is seen as one;
 * the memory a big object took given back once nothing is queued
 * (main keeps it from glibc's own trimming, which costs every object).
 */
static void
chores(struct drain *d)
{
	struct run	*r = d->r;
	long long	 now = util_mono_ms();

	if (!d->o->follow || !going(d))
		return;
	retry_undeleted(d, now);
	settle_proof(d, now);
	if (r->metrics_now != NULL && (now - d->report_at >= DRAIN_REPORT_MS ||
	    (d->batch_ended && now - d->report_at >= DRAIN_REPORT_MIN_MS))) {
		d->batch_ended = 0;
		d->report_at = now;
		r->metrics_now(r);
	}
	if (d->trim && fetch_queued(d->fq) == 0) {
		d->trim = 0;
		(void)malloc_trim(0);
	}
}

/* ---------------------------------------------------------- the loop */

/* Without --follow: the last receive brought nothing, nothing is left. */
static int
drained(const struct drain *d)
{
	const struct msg	*m;

	if (d->o->follow || !(d->empty || d->receive_failed) ||
	    d->receiving || d->arrived != NULL || fetch_queued(d->fq) > 0 ||
	    sqs_busy(d->q) > 0)
		return 0;
	for (m = d->msgs; m != NULL; m = m->next)
		if (m->state == M_OPEN || m->state == M_DELETING)
			return 0;
	return 1;
}

/*
 * The run stops (a signal, a local error, the queue refused): objects
 * not yet done are dropped; after a signal nothing more is deleted, and
 * the messages none of whose objects was done are made visible again
 * (best effort, one short try); otherwise what is done is deleted. Then
 * wait for what is in flight.
 */
static void
stop(struct drain *d)
{
	long long	 deadline;
	int		 signalled = sig_caught() != 0;
	struct msg	*m;

	engine_timer_stop(d->r->eng, &d->tick);
	fetch_free(d->fq);
	d->fq = NULL;
	for (m = d->msgs; m != NULL; m = m->next)
		if (m->state == M_OPEN && !m->queued)
			m->dropped = 1;
	/* A receive in flight through the signal: what it brings goes back. */
	deadline = util_mono_ms() + (long long)d->o->wait * 1000 +
	    DRAIN_STOP_MS;
	while (d->receiving && util_mono_ms() < deadline)
		engine_step(d->r->eng, 100);
	hold_arrived(d);
	while (beat_send(d, 0, signalled, unstarted))
		continue;
	for (m = d->msgs; m != NULL; m = m->next)
		if (m->state == M_OPEN)
			msg_finish(d, m);
	deadline = util_mono_ms() + DRAIN_STOP_MS;
	while (sqs_busy(d->q) > 0 && (!signalled ||
	    util_mono_ms() < deadline))
		engine_step(d->r->eng, 100);
}

static void
drain_free(struct drain *d)
{
	struct arrival	*a;
	struct beat	*bt;
	struct msg	*m;
	size_t		 i;

	engine_timer_stop(d->r->eng, &d->tick);
	fetch_free(d->fq);
	/* Their callbacks will never run. */
	sqs_cancel(d->q);
	while ((bt = d->beats) != NULL) {
		d->beats = bt->next;
		free(bt);
	}
	while ((a = d->arrived) != NULL) {
		d->arrived = a->next;
		arrival_free(a);
	}
	while ((m = d->msgs) != NULL) {
		d->msgs = m->next;
		if (m->batch != NULL)
			batch_less(d, m->batch);
		msg_free(m);
	}
	for (i = 0; i < d->nleft; i++)
		free(d->left[i].id);
	dobjs_free(d->objs);
}

void
drain_run(struct run *r, struct sqs *q)
{
	struct drain	 d;
	long		 ms;

	memset(&d, 0, sizeof(d));
	d.r = r;
	d.o = r->o;
	d.q = q;
	d.msgs_tail = &d.msgs;
	d.arrived_tail = &d.arrived;
	d.vt_ms = (long long)r->o->visibility * 1000;
	d.tick_ms = (long)(d.vt_ms / 6);
	if (d.tick_ms > DRAIN_TICK_MAX_MS)
		d.tick_ms = DRAIN_TICK_MAX_MS;
	if (d.tick_ms < DRAIN_TICK_MIN_MS)
		d.tick_ms = DRAIN_TICK_MIN_MS;
	if ((d.objs = calloc(1, sizeof(*d.objs))) == NULL) {
		msg_oom();
		r->fatal = 1;
		return;
	}
	if ((d.fq = fetch_new(r, on_outcome, &d)) == NULL) {
		free(d.objs);
		r->fatal = 1;
		return;
	}
	engine_timer_set(r->eng, &d.tick, util_mono_ms() + d.tick_ms, on_tick,
	    &d);
	d.report_at = util_mono_ms();
	for (;;) {
		take_arrived(&d);
		ms = going(&d) && fetch_step(d.fq) ? 0 : DRAIN_STEP_MS;
		msgs_finish(&d);
		if (!going(&d))
			break;
		if (drained(&d))
			break;
		maybe_receive(&d);
		chores(&d);
		engine_step(r->eng, ms);
	}
	if (!going(&d))
		stop(&d);
	msgs_reap(&d);
	if (r->o->debug > 1)
		msg_warn("queue %s: %lu messages deleted, %lu left",
		    sqs_shown(q), r->n.messages, r->n.messages_left);
	drain_free(&d);
}
