/* SPDX-License-Identifier: ISC */
/*
 * inflate.h - reading a gzip (or zlib) object: one or more members, CRC
 * and length checked by zlib, from memory or from a temporary file in
 * pieces, never more than a ceiling of output.
 */
#ifndef GETAWSLOG_INFLATE_H
#define GETAWSLOG_INFLATE_H

#include <stddef.h>

#define INFLATE_CHUNK	(256 * 1024)	/* pieces read and handed over */

/* The compressed bytes: in memory (fd -1), or in a file (data NULL). */
struct inflate_src {
	const char	*data;
	size_t		 len;
	int		 fd;
};

/* Return codes. */
#define INFLATE_OK	 0
#define INFLATE_EBAD	-1	/* not gzip, corrupt, or over max: why says */
#define INFLATE_ENOMEM	-2
#define INFLATE_ESINK	-3	/* the sink returned -1 (it said why) */
#define INFLATE_ELOCAL	-4	/* reading the temporary file: why says */

typedef int	(*inflate_sink)(void *arg, const char *p, size_t len);

/*
 * Each inflates all of src, at most max bytes of output, and puts the
 * output's size in *total. why (whylen bytes) gets a one-line reason for
 * any code but INFLATE_OK.
 *   inflate_verify: only check it.
 *   inflate_stream: hand each piece (at most INFLATE_CHUNK; a gzip
 *                   member's last piece ends with the member) to sink.
 */
int	 inflate_verify(const struct inflate_src *, size_t max, size_t *total,
	    char *why, size_t whylen);
int	 inflate_stream(const struct inflate_src *, size_t max,
	    inflate_sink sink, void *arg, size_t *total, char *why,
	    size_t whylen);

#endif /* GETAWSLOG_INFLATE_H */
