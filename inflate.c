/* SPDX-License-Identifier: ISC */
/*
 * inflate.c - one inflate loop behind three entry points. The loop asks
 * its output for room (a fixed piece, or the end of a growing buffer) and
 * tells it what was produced; the entry points differ only there.
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

/* Where the loop's output goes. */
struct sink_out {
	/* Room for up to INFLATE_CHUNK bytes: a pointer, or NULL (no memory). */
	unsigned char	*(*room)(struct sink_out *);
	/* n bytes were produced into the room: 0, or an INFLATE_ code. */
	int		 (*produced)(struct sink_out *, size_t n);
	unsigned char	*piece;		/* verify, stream: a fixed piece */
	inflate_sink	 sink;
	void		*arg;
	struct inflate_buf *buf;	/* into */
};

static unsigned char *
piece_room(struct sink_out *o)
{
	return o->piece;
}

static int
none_produced(struct sink_out *o, size_t n)
{
	(void)o;
	(void)n;
	return INFLATE_OK;
}

static int
sink_produced(struct sink_out *o, size_t n)
{
	if (n > 0 && o->sink(o->arg, (const char *)o->piece, n) == -1)
		return INFLATE_ESINK;
	return INFLATE_OK;
}

/* Room for at least INFLATE_CHUNK more bytes after buf->len. */
static unsigned char *
buf_room(struct sink_out *o)
{
	struct inflate_buf	*b = o->buf;
	size_t			 ncap;
	char			*np;

	if (b->cap - b->len >= INFLATE_CHUNK)
		return (unsigned char *)b->p + b->len;
	ncap = b->cap ? b->cap : INFLATE_CHUNK;
	while (ncap - b->len < INFLATE_CHUNK) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	if ((np = realloc(b->p, ncap)) == NULL)
		return NULL;
	b->p = np;
	b->cap = ncap;
	return (unsigned char *)b->p + b->len;
}

static int
buf_produced(struct sink_out *o, size_t n)
{
	o->buf->len += n;
	return INFLATE_OK;
}

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

static int
inflate_run(const struct inflate_src *src, size_t max, struct sink_out *o,
    size_t *total, char *why, size_t whylen)
{
	z_stream	 z;
	unsigned char	*in = NULL, *out;
	size_t		 produced = 0, consumed = 0, n, pos;
	int		 zr, ret, started = 0;

	*total = 0;
	if (whylen > 0)
		why[0] = '\0';
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
	for (;;) {
		if (z.avail_in == 0 && (ret = next_input(&z, src, in,
		    &consumed, why, whylen)) != INFLATE_OK)
			goto out;
		if ((out = o->room(o)) == NULL) {
			WHY("out of memory");
			ret = INFLATE_ENOMEM;
			goto out;
		}
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
		n = INFLATE_CHUNK - z.avail_out;
		produced += n;
		if (produced > max) {
			WHY("decompresses to more than %zu bytes", max);
			ret = INFLATE_EBAD;
			goto out;
		}
		if ((ret = o->produced(o, n)) != INFLATE_OK) {
			WHY("write failed");
			goto out;
		}
		if (zr == Z_STREAM_END) {
			/*
			 * Another gzip member may follow, as zcat allows, and
			 * zeros may come first or last: padding that gzip(1)
			 * and Python's gzip skip.
			 */
			if (z.avail_in == 0 && consumed == src->len)
				break;
			if ((ret = skip_zeros(src, consumed - z.avail_in, in,
			    &pos, why, whylen)) != INFLATE_OK)
				goto out;
			if (pos == src->len)
				break;
			/* The next member from its first byte (in was used). */
			consumed = pos;
			z.avail_in = 0;
			if (inflateReset(&z) != Z_OK) {
				WHY("zlib error");
				ret = INFLATE_EBAD;
				goto out;
			}
		}
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
	struct sink_out	 o;
	int		 ret;

	memset(&o, 0, sizeof(o));
	o.room = piece_room;
	o.produced = sink != NULL ? sink_produced : none_produced;
	o.sink = sink;
	o.arg = arg;
	if ((o.piece = malloc(INFLATE_CHUNK)) == NULL) {
		*total = 0;
		WHY("out of memory");
		return INFLATE_ENOMEM;
	}
	ret = inflate_run(src, max, &o, total, why, whylen);
	free(o.piece);
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

int
inflate_into(const struct inflate_src *src, size_t max,
    struct inflate_buf *buf, size_t *total, char *why, size_t whylen)
{
	struct sink_out	 o;

	memset(&o, 0, sizeof(o));
	o.room = buf_room;
	o.produced = buf_produced;
	o.buf = buf;
	return inflate_run(src, max, &o, total, why, whylen);
}

void
inflate_buf_free(struct inflate_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
