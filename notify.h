/* SPDX-License-Identifier: ISC */
/*
 * notify.h - what a queue message asks for: the S3 objects it names.
 *
 * A pure parser of SQS message bodies. Understood: S3 event notifications
 * (Records[].s3, keys form-encoded), the same inside an SNS notification,
 * CloudTrail's own notice ({"s3Bucket", "s3ObjectKey": [...]}, raw or in
 * SNS), EventBridge "Object Created" events (raw or in SNS), and
 * s3:TestEvent. Anything else is NOTIFY_UNKNOWN with a reason, so that the
 * caller leaves it in the queue for the dead-letter queue.
 */
#ifndef GETAWSLOG_NOTIFY_H
#define GETAWSLOG_NOTIFY_H

#include <stddef.h>

#define NOTIFY_BODY_MAX		(1024 * 1024)	/* SQS's largest message */
#define NOTIFY_OBJECTS_MAX	1000	/* objects, or records, in one message */
#define NOTIFY_KEY_MAX		1024	/* S3's longest key, in bytes */
#define NOTIFY_BUCKET_MAX	255	/* the longest legacy bucket name */
#define NOTIFY_REGION_MAX	32	/* "ap-southeast-4" and the like */
#define NOTIFY_WHY_MAX		192	/* the reason's text */

enum notify_kind {
	NOTIFY_OBJECTS,	/* names objects, or none (other events only) */
	NOTIFY_TEST,	/* s3:TestEvent: nothing to do */
	NOTIFY_UNKNOWN	/* not understood: why says why */
};

struct notify_object {
	char		*bucket;	/* a valid bucket name */
	char		*key;		/* decoded; no NUL, 1..NOTIFY_KEY_MAX */
	char		*region;	/* the bucket's, when said; else NULL */
	long long	 size;		/* when said; else -1 */
};

struct notify {
	enum notify_kind	 kind;
	const char		*form;	/* what it was taken for: "S3 event
					   notification", "CloudTrail notice",
					   "EventBridge event", "s3:TestEvent";
					   NULL when nothing fits */
	int			 sns;	/* it came inside an SNS notification */
	struct notify_object	*objects;	/* each (bucket, key) once */
	size_t			 nobjects;
	size_t			 nskipped;	/* events that create nothing
						   (removals, restores...) */
	char			 why[NOTIFY_WHY_MAX];	/* NOTIFY_UNKNOWN */
};

/*
 * Parse len bytes of a message body into n. Returns 0 (n->kind says what
 * it is; nothing is printed), or -1 when memory runs out (n is then
 * empty). Free n with notify_free either way.
 */
int	 notify_parse(const char *body, size_t len, struct notify *n);

/* Is b[0..len) one of S3's bucket names (the legacy ones included)? */
int	 notify_bucket_ok(const char *b, size_t len);
void	 notify_free(struct notify *n);

#endif /* GETAWSLOG_NOTIFY_H */
