/* SPDX-License-Identifier: ISC */
/*
 * drain.h - the queue mode (--queue-url): S3's or CloudTrail's
 * notifications received from SQS, the objects they name fed into the
 * in-order queue (fetch.c), each message deleted only once every object
 * it names is written, synced, recorded (-s) and deleted (-D), and kept
 * hidden from other workers until then.
 */
#ifndef GETAWSLOG_DRAIN_H
#define GETAWSLOG_DRAIN_H

#include "run.h"

struct sqs;

/*
 * Receive and finish messages: without --follow until a receive that
 * waited --wait-time-seconds brings nothing and nothing is in flight;
 * with it, until SIGTERM or SIGINT. What went wrong is in r (counts,
 * r->refused for a queue that is missing or refused, r->fatal).
 */
void	 drain_run(struct run *r, struct sqs *q);

#endif /* GETAWSLOG_DRAIN_H */
