/* SPDX-License-Identifier: ISC */
/*
 * inflate.c - one inflate loop behind two entry points: each piece it
 * produces goes to a sink (inflate_stream), or nowhere (inflate_verify).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "inflate.h"

#define WHY(...)	(void)snprintf(why, whylen, __VA_ARGS__)

/* The next slice of input into z: 0, or INFLATE_EBAD / INFLATE_ELOCAL. */
static int
next_input(z_stream *z, const struct inflate_src *src, unsigned char *in,
    size_t *consumed, char *why, size_t whylen)
{
	size_t	 avail, n;
	ssize_t	 got;

	if (*consumed == src->len) {
		WHY("%s", src->len == 0 ? "empty object, not gzip" :
		    "truncated gzip data");
		return INFLATE_EBAD;
	}
	avail = src->len - *consumed;
	if (src->fd >= 0) {
		n = avail < INFLATE_CHUNK ? avail : INFLATE_CHUNK;
		got = pread(src->fd, in, n, (off_t)*consumed);
		if (got <= 0) {
			WHY("reading the temporary file: %s", got == 0 ?
			    "short file" : strerror(errno));
			return INFLATE_ELOCAL;
		}
		z->next_in = in;
		z->avail_in = (uInt)got;
	} else {
		/* zlib counts in uInt. */
		z->next_in = (unsigned char *)(uintptr_t)(src->data + *consumed);
		z->avail_in = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
	}
	*consumed += z->avail_in;
	return INFLATE_OK;
}

/*
 * The first byte in src from off on that is not zero, into *next (src's
 * length when none is): INFLATE_OK, or INFLATE_ELOCAL (reading the
 * temporary file, into buf).
 */
static int
skip_zeros(const struct inflate_src *src, size_t off, unsigned char *buf,
    size_t *next, char *why, size_t whylen)
{
	size_t	 n, i;
	ssize_t	 got;

	while (off < src->len) {
		n = src->len - off < INFLATE_CHUNK ? src->len - off :
		    INFLATE_CHUNK;
		if (src->fd >= 0) {
			if ((got = pread(src->fd, buf, n, (off_t)off)) <= 0) {
				WHY("reading the temporary file: %s", got == 0 ?
				    "short file" : strerror(errno));
				return INFLATE_ELOCAL;
			}
			n = (size_t)got;
		} else
			buf = (unsigned char *)(uintptr_t)(src->data + off);
		for (i = 0; i < n; i++)
			if (buf[i] != 0) {
				*next = off + i;
				return INFLATE_OK;
			}
		off += n;
	}
	*next = src->len;
	return INFLATE_OK;
}

/*
 * One piece of n bytes of output: counted against max, then to sink (if
 * any). INFLATE_OK, or INFLATE_EBAD / INFLATE_ESINK with why said.
 */
static int
put_piece(const unsigned char *out, size_t n, size_t max, size_t *produced,
    inflate_sink sink, void *arg, char *why, size_t whylen)
{
	*produced += n;
	if (*produced > max) {
		WHY("decompresses to more than %zu bytes", max);
		return INFLATE_EBAD;
	}
	if (n > 0 && sink != NULL && sink(arg, (const char *)out, n) == -1) {
		WHY("write failed");
		return INFLATE_ESINK;
	}
	return INFLATE_OK;
}

/*
 * A member ended. Another gzip member may follow, as zcat allows, and
 * zeros may come first or last: padding that gzip(1) and Python's gzip
 * skip. *done is set when nothing follows; otherwise z starts the next
 * member from its first byte (in was used). INFLATE_OK, or a fault.
 */
static int
next_member(z_stream *z, const struct inflate_src *src, unsigned char *in,
    size_t *consumed, int *done, char *why, size_t whylen)
{
	size_t	 pos;
	int	 ret;

	*done = 0;
	if (z->avail_in == 0 && *consumed == src->len) {
		*done = 1;
		return INFLATE_OK;
	}
	if ((ret = skip_zeros(src, *consumed - z->avail_in, in, &pos, why,
	    whylen)) != INFLATE_OK)
		return ret;
	if (pos == src->len) {
		*done = 1;
		return INFLATE_OK;
	}
	*consumed = pos;
	z->avail_in = 0;
	if (inflateReset(z) != Z_OK) {
		WHY("zlib error");
		return INFLATE_EBAD;
	}
	return INFLATE_OK;
}

/* Inflate all of src into pieces of out, each handed to sink (or not). */
static int
inflate_run(const struct inflate_src *src, size_t max, inflate_sink sink,
    void *arg, unsigned char *out, size_t *total, char *why, size_t whylen)
{
	z_stream	 z;
	unsigned char	*in = NULL;
	size_t		 produced = 0, consumed = 0;
	int		 zr, ret, started = 0, done = 0;

	memset(&z, 0, sizeof(z));
	if (src->fd >= 0 && (in = malloc(INFLATE_CHUNK)) == NULL) {
		WHY("out of memory");
		ret = INFLATE_ENOMEM;
		goto out;
	}
	if (inflateInit2(&z, 15 + 32) != Z_OK) {	/* +32: gzip or zlib */
		WHY("out of memory (zlib)");
		ret = INFLATE_ENOMEM;
		goto out;
	}
	started = 1;
	while (!done) {
		if (z.avail_in == 0 && (ret = next_input(&z, src, in,
		    &consumed, why, whylen)) != INFLATE_OK)
			goto out;
		z.next_out = out;
		z.avail_out = INFLATE_CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_MEM_ERROR) {
			WHY("out of memory (zlib)");
			ret = INFLATE_ENOMEM;
			goto out;
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			WHY("not valid gzip data (%s)", z.msg != NULL ? z.msg :
			    "zlib error");
			ret = INFLATE_EBAD;
			goto out;
		}
		if ((ret = put_piece(out, INFLATE_CHUNK - z.avail_out, max,
		    &produced, sink, arg, why, whylen)) != INFLATE_OK)
			goto out;
		if (zr == Z_STREAM_END && (ret = next_member(&z, src, in,
		    &consumed, &done, why, whylen)) != INFLATE_OK)
			goto out;
	}
	*total = produced;
	ret = INFLATE_OK;
out:
	if (started)
		inflateEnd(&z);
	free(in);
	return ret;
}

/* Through a fixed piece: verify (no sink) or stream. */
static int
inflate_pieces(const struct inflate_src *src, size_t max, inflate_sink sink,
    void *arg, size_t *total, char *why, size_t whylen)
{
	unsigned char	*piece;
	int		 ret;

	*total = 0;
	if (whylen > 0)
		why[0] = '\0';
	if ((piece = malloc(INFLATE_CHUNK)) == NULL) {
		WHY("out of memory");
		return INFLATE_ENOMEM;
	}
	ret = inflate_run(src, max, sink, arg, piece, total, why, whylen);
	free(piece);
	return ret;
}

int
inflate_verify(const struct inflate_src *src, size_t max, size_t *total,
    char *why, size_t whylen)
{
	return inflate_pieces(src, max, NULL, NULL, total, why, whylen);
}

int
inflate_stream(const struct inflate_src *src, size_t max, inflate_sink sink,
    void *arg, size_t *total, char *why, size_t whylen)
{
	return inflate_pieces(src, max, sink, arg, total, why, whylen);
}
