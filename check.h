/* SPDX-License-Identifier: ISC */
/*
 * check.h - --check: a preflight with the options of the real run, a line
 * per check on stdout, nothing changed anywhere: the paths, the
 * credentials and whose they are (STS GetCallerIdentity), the bucket's
 * region, List, Get (and Delete with -D) allowed, the clock against S3's,
 * the queue (--queue-url). Like `vector validate` or `filebeat test
 * output`.
 */
#ifndef GETAWSLOG_CHECK_H
#define GETAWSLOG_CHECK_H

#include <stddef.h>

#define CHECK_SKEW_MAX	900	/* S3 refuses a request 15 minutes off */
#define CHECK_GET_MAX	((size_t)64 << 20)	/* the object read whole */

struct aws_creds;
struct engine;
struct options;
struct s3;
struct sqs;

/* What the checks found. */
struct check {
	unsigned	 passed, unknown;
	unsigned	 failed_local;	/* this host: paths, clock */
	unsigned	 failed_remote;	/* credentials, bucket, queue */
};

/* The log, the state, their locks, the metrics file: may they be written? */
void	 check_paths(struct check *, const struct options *);

/*
 * The credentials found (NULL: none; why was printed) and whose they are:
 * STS GetCallerIdentity, signed for region (NULL: us-east-1).
 */
void	 check_creds(struct check *, const struct aws_creds *,
	    const char *region, const char *ca_bundle);

/*
 * The bucket (o->bucket): one LIST (its region, against the configured
 * region, NULL: none; s3:ListBucket), one GET of the smallest object
 * listed, with -D whether a delete is allowed, and the clock against
 * S3's Date.
 */
void	 check_bucket(struct check *, struct s3 *, const struct options *,
	    const char *region);

/* The queue (NULL: it could not be set up, printed). */
void	 check_queue(struct check *, struct engine *, struct sqs *);

/* 0 when every check passed (or could not be known), else run.h's. */
/* --validate-digests: CloudTrail's ListPublicKeys, once, in region. */
struct run;
void	 check_digests(struct check *, struct run *, const char *endpoint,
	    const char *region);

int	 check_status(const struct check *);

#endif /* GETAWSLOG_CHECK_H */
