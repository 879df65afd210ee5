/* SPDX-License-Identifier: ISC */
/*
 * sqs.h - the SQS requests of the queue mode: ReceiveMessage,
 * DeleteMessage and ChangeMessageVisibilityBatch in SQS's JSON protocol
 * (POST /, X-Amz-Target: AmazonSQS.Action, application/x-amz-json-1.0),
 * signed for service "sqs" and made by the engine (retries, fresh keys,
 * TLS as for S3). Each reports through a callback that the engine's loop
 * runs; nobody waits on them.
 */
#ifndef GETAWSLOG_SQS_H
#define GETAWSLOG_SQS_H

#include <stddef.h>

#include "engine.h"

#define SQS_BATCH_MAX		10	/* messages per receive, entries per batch */
#define SQS_VISIBILITY_MAX	43200	/* seconds, SQS's ceiling */
#define SQS_WAIT_MAX		20	/* a long poll's seconds, SQS's ceiling */
#define SQS_URL_MAX		1024	/* a queue URL's bytes */
#define SQS_ID_MAX		128	/* a MessageId's bytes */
#define SQS_HANDLE_MAX		4096	/* a ReceiptHandle's bytes */

struct sqs;

struct sqs_config {
	const char	*queue_url;
	const char	*endpoint;	/* NULL: the queue URL's scheme and host */
	const char	*region;	/* when the queue URL's host names none;
					   NULL: us-east-1 */
	unsigned	 endpoint_flags;	/* FIPS, dual-stack (endpoint.h):
					   AWS's host for the region, not
					   the queue URL's */
	int		 debug;
};

/*
 * The queue at cfg->queue_url, its requests made through eng (which must
 * outlive it). NULL on a bad URL or endpoint, or out of memory (printed).
 */
struct sqs	*sqs_new(struct engine *eng, const struct sqs_config *);

/*
 * Is url a queue URL we can use? 1, or 0 after saying what is wrong with
 * it (main asks before looking for credentials).
 */
int		 sqs_url_ok(const char *url);

/* Free it; requests still in flight are dropped, their callbacks never run. */
void		 sqs_free(struct sqs *);

/* Drop every request in flight (no callbacks). */
void		 sqs_cancel(struct sqs *);

/* Requests in flight. */
size_t		 sqs_busy(const struct sqs *);

/* The region requests are signed for; the queue's URL, fit to print. */
const char	*sqs_region(const struct sqs *);
const char	*sqs_shown(const struct sqs *);

struct sqs_message {
	char		*id;		/* MessageId */
	char		*receipt;	/* ReceiptHandle: this receive's */
	char		*body;		/* NUL-terminated (a NUL inside is kept) */
	size_t		 bodylen;
	long		 receive_count;	/* ApproximateReceiveCount; 0 unknown */
};

/* What a receive handed over; messages it could not use are counted. */
struct sqs_received {
	struct sqs_message *m;
	size_t		 n;
	size_t		 dropped;	/* no id, handle or body, or a body not
					   matching its MD5: they come back */
};

/* The callback owns got: it takes what it keeps, then sqs_received_free. */
void	 sqs_received_free(struct sqs_received *);

/*
 * rc 0 with got (maybe none); or -1 with err (err->transient: retrying
 * later may do; else the queue is missing or refused).
 */
typedef void	(*sqs_receive_fn)(void *arg, int rc, struct sqs_received *got,
		    const struct s3_error *err);

/*
 * ReceiveMessage of up to max (<= SQS_BATCH_MAX) messages, hidden for
 * visibility seconds, waiting up to wait seconds for one (a long poll).
 * final: a signal does not abort it (what it brings can be given back at
 * once, rather than lost to a poll the server still answers). 0, or -1
 * when memory runs out (printed; no callback).
 */
int	 sqs_receive(struct sqs *, int max, int visibility, int wait,
	    int final, sqs_receive_fn, void *arg);

typedef void	(*sqs_done_fn)(void *arg, int rc, const struct s3_error *err);

/* DeleteMessage. 0, or -1 when memory runs out (printed; no callback). */
int	 sqs_delete(struct sqs *, const char *receipt, sqs_done_fn, void *arg);

/*
 * rc 0 with failed[i] set for each entry SQS refused (a handle no longer
 * the message's latest, say); or -1 with err, the request itself failed.
 */
/*
 * GetQueueAttributes (QueueArn): the queue exists and this key may look at
 * it, nothing changed (--check). fn as sqs_delete's; 0, or -1 (no memory).
 */
int	 sqs_attributes(struct sqs *, sqs_done_fn, void *arg);

typedef void	(*sqs_batch_fn)(void *arg, int rc, const int *failed,
		    size_t n, const struct s3_error *err);

/*
 * ChangeMessageVisibilityBatch: n (1..SQS_BATCH_MAX) messages hidden for
 * timeout seconds from now (0: visible again). final: made after a
 * signal (one short attempt, not aborted by it). 0, or -1 when memory
 * runs out (printed; no callback).
 */
int	 sqs_visibility(struct sqs *, const char *const *receipts, size_t n,
	    int timeout, int final, sqs_batch_fn, void *arg);

/*
 * The region in a queue URL's host (sqs.REGION.amazonaws.com[.cn],
 * REGION.queue.amazonaws.com; queue.amazonaws.com is us-east-1) into
 * out: 1, or 0 when it names none. Pure, for the tests.
 */
int	 sqs_url_region(const char *url, char *out, size_t outlen);

/*
 * Parse a ReceiveMessage answer (JSON) into got: 0, or -1 with why.
 * Pure, for the tests and fuzzing.
 */
int	 sqs_parse_received(const char *json, size_t len,
	    struct sqs_received *got, char *why, size_t whylen);

#endif /* GETAWSLOG_SQS_H */
