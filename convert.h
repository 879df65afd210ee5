/* SPDX-License-Identifier: ISC */
/*
 * convert.h - one -j object, from its compressed bytes to its lines, in
 * one pass: inflated in pieces (inflate.h) into the converter (flatten.h),
 * the lines held in a spool (spool.h) until the whole document has proved
 * good. Memory does not grow with the document: the converter keeps one
 * record, the spool a bounded amount before its file.
 */
#ifndef GETAWSLOG_CONVERT_H
#define GETAWSLOG_CONVERT_H

#include <stddef.h>

#include "flatten.h"
#include "inflate.h"

struct spool;

/* Return codes. */
#define CONVERT_OK	 0
#define CONVERT_EBAD	-1	/* bad gzip or a bad document: why says */
#define CONVERT_ENOMEM	-2	/* out of memory for this object: why says */
#define CONVERT_ELOCAL	-3	/* the spool failed (printed) */
#define CONVERT_ESTOP	-4	/* stop() asked to stop */

/*
 * Inflate src (at most max bytes of output) and convert the document in
 * format fmt, its lines into sp, which is rewound first. CONVERT_OK: the
 * document is good, sp holds every line, *nrecords (when not NULL) is
 * their number. Any other code: sp is rewound (nothing held). The first
 * fault in the stream is the one reported: a document whose JSON goes
 * wrong before its gzip does is a JSON error. stop (NULL: none) is asked
 * before each piece, and shown it (the piece's bytes may be hashed
 * there, in the same pass); when it returns nonzero the conversion ends
 * (CONVERT_ESTOP); it may also let other work move on (the queue's
 * heartbeats). why (whylen bytes) gets a one-line reason without the
 * object's name. A spool_limit of sp that the lines go past fails the
 * object (CONVERT_EBAD, why names the limit).
 */
int	 convert_object(const struct inflate_src *src, size_t max,
	    enum flatten_format fmt, const struct flatten_meta *meta,
	    struct spool *sp, int (*stop)(void *, const char *, size_t),
	    void *stoparg,
	    size_t *nrecords, char *why, size_t whylen);

#endif /* GETAWSLOG_CONVERT_H */
