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
 * Callbacks (the engine's) only record what happened; parsing, queueing
 * and every effect happen here, in the top loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drain.h"
#include "engine.h"
#include "fetch.h"
#include "layout.h"
#include "msg.h"
#include "notify.h"
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

/* fetch.c tells what became of an object of m, in its turn. */
static void
on_outcome(void *arg, void *tag, enum fetch_outcome how)
{
	struct msg	*m = tag;

	(void)arg;
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

/* The objects of a message understood, into the queue. 0, or -1 fatal. */
static int
queue_objects(struct drain *d, struct msg *m, struct notify *n)
{
	struct fetch_item	 it;
	size_t			 i;
	char			 why[NOTIFY_BUCKET_MAX + 64];

	for (i = 0; d->o->bucket != NULL && i < n->nobjects; i++)
		if (strcmp(n->objects[i].bucket, d->o->bucket) != 0) {
			(void)snprintf(why, sizeof(why), "it names bucket %s, "
			    "not %s (-b)", n->objects[i].bucket,
			    d->o->bucket);
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
	for (i = 0; i < n->nobjects; i++) {
		if (!layout_filter_wanted(d->o->filter, n->objects[i].key))
			continue;	/* --account-id, --trail-region */
		memset(&it, 0, sizeof(it));
		it.bucket = n->objects[i].bucket;
		it.key = n->objects[i].key;
		n->objects[i].key = NULL;
		it.size = n->objects[i].size;
		it.region = n->objects[i].region;
		it.tag = m;
		if (fetch_put(d->fq, &it) == -1)
			return -1;
		m->objects++;
	}
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
	if ((d.fq = fetch_new(r, on_outcome, &d)) == NULL) {
		r->fatal = 1;
		return;
	}
	engine_timer_set(r->eng, &d.tick, util_mono_ms() + d.tick_ms, on_tick,
	    &d);
	for (;;) {
		take_arrived(&d);
		ms = going(&d) && fetch_step(d.fq) ? 0 : DRAIN_STEP_MS;
		msgs_finish(&d);
		if (!going(&d))
			break;
		if (drained(&d))
			break;
		maybe_receive(&d);
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
