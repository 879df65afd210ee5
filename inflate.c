/* SPDX-License-Identifier: ISC */
/*
 * inflate.c - one inflate loop behind two entry points: each piece it
 * produces goes to a sink (inflate_stream), or nowhere (inflate_verify).
 * The engine is ISA-L's (igzip: 4-5 times zlib's speed here), or zlib's
 * in a build with INFLATE=zlib (where ISA-L is missing): the loop is the
 * same, the engines differ only below "The engine".
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef INFLATE_ZLIB
#include <zlib.h>
#else
#include <isa-l/igzip_lib.h>
#endif

#include "inflate.h"

#define WHY(...)	(void)snprintf(why, whylen, __VA_ARGS__)

/*
 * The engine: one member (gzip or zlib, told by its first bytes) at a
 * time, its checksum and length checked. eng_new and eng_free pair;
 * eng_step inflates what it was given into out, sets *n to the bytes made
 * and *end when the member (trailer included) is whole: INFLATE_OK,
 * INFLATE_EBAD or INFLATE_ENOMEM, why said. eng_reset readies the next
 * member, to be read from the next input given.
 */
#ifdef INFLATE_ZLIB

struct engine {
	z_stream	 z;
};

static struct engine *
eng_new(char *why, size_t whylen)
{
	struct engine	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    inflateInit2(&e->z, 15 + 32) != Z_OK) {	/* +32: gzip or zlib */
		free(e);
		WHY("out of memory (zlib)");
		return NULL;
	}
	return e;
}

static void
eng_free(struct engine *e)
{
	if (e != NULL)
		inflateEnd(&e->z);
	free(e);
}

static void
eng_input(struct engine *e, const unsigned char *p, size_t n)
{
	/* zlib counts in uInt. */
	e->z.next_in = (unsigned char *)(uintptr_t)p;
	e->z.avail_in = n > UINT_MAX ? UINT_MAX : (uInt)n;
}

static size_t
eng_avail_in(const struct engine *e)
{
	return e->z.avail_in;
}

static int
eng_reset(struct engine *e, char *why, size_t whylen)
{
	e->z.avail_in = 0;
	if (inflateReset(&e->z) != Z_OK) {
		WHY("zlib error");
		return INFLATE_EBAD;
	}
	return INFLATE_OK;
}

static int
eng_step(struct engine *e, unsigned char *out, size_t *n, int *end,
    char *why, size_t whylen)
{
	int	 zr;

	e->z.next_out = out;
	e->z.avail_out = INFLATE_CHUNK;
	zr = inflate(&e->z, Z_NO_FLUSH);
	*n = INFLATE_CHUNK - e->z.avail_out;
	*end = zr == Z_STREAM_END;
	if (zr == Z_MEM_ERROR) {
		WHY("out of memory (zlib)");
		return INFLATE_ENOMEM;
	}
	if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
		WHY("not valid gzip data (%s)", e->z.msg != NULL ? e->z.msg :
		    "zlib error");
		return INFLATE_EBAD;
	}
	return INFLATE_OK;
}

#else	/* ISA-L */

struct engine {
	struct inflate_state	 s;
	int			 fresh;	/* no byte of the member read yet */
};

static struct engine *
eng_new(char *why, size_t whylen)
{
	struct engine	*e;

	/* About 60 KiB of tables and history: on the heap. */
	if ((e = malloc(sizeof(*e))) == NULL) {
		WHY("out of memory");
		return NULL;
	}
	isal_inflate_init(&e->s);
	e->fresh = 1;
	return e;
}

static void
eng_free(struct engine *e)
{
	free(e);
}

static void
eng_input(struct engine *e, const unsigned char *p, size_t n)
{
	/* ISA-L counts in uint32_t. */
	e->s.next_in = (uint8_t *)(uintptr_t)p;
	e->s.avail_in = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static size_t
eng_avail_in(const struct engine *e)
{
	return e->s.avail_in;
}

static int
eng_reset(struct engine *e, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	isal_inflate_reset(&e->s);
	e->s.avail_in = 0;
	e->fresh = 1;
	return INFLATE_OK;
}

/* ISA-L's codes in zlib's words, which the messages used before. */
static const char *
eng_error(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK:
		return "invalid block";
	case ISAL_INVALID_SYMBOL:
		return "invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER:
		return "incorrect header check";
	case ISAL_UNSUPPORTED_METHOD:
		return "unknown compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "incorrect data check";
	case ISAL_NEED_DICT:
		return "needs a preset dictionary";
	default:
		return "ISA-L error";
	}
}

/*
 * A gzip member whose output fits in a piece, inflated in one call when
 * the whole of it is at hand (isal_inflate_stateless): ISA-L's streaming
 * inflate passes a member's first 64 KiB through a buffer of its own and
 * copies them out, which for CloudTrail's objects (about 50 KiB of lines
 * each) is all of them. 1 when done: the member inflated into out (*n
 * bytes), its CRC and length checked, the input after it. 0: the engine
 * as it was, for the streaming inflate, which words any fault.
 */
static int
eng_whole(struct engine *e, unsigned char *out, size_t *n)
{
	uint8_t		*in = e->s.next_in;
	uint32_t	 avail = e->s.avail_in, isize;

	/* The last 4 bytes at hand: the member's length, if it ends there. */
	if (avail < 18)
		return 0;
	isize = (uint32_t)in[avail - 4] | (uint32_t)in[avail - 3] << 8 |
	    (uint32_t)in[avail - 2] << 16 | (uint32_t)in[avail - 1] << 24;
	if (isize > INFLATE_CHUNK)
		return 0;
	e->s.next_out = out;
	e->s.avail_out = INFLATE_CHUNK;
	if (isal_inflate_stateless(&e->s) == ISAL_DECOMP_OK) {
		/* It stops only at the member's end (ISAL_BLOCK_FINISH). */
		*n = INFLATE_CHUNK - e->s.avail_out;
		return 1;
	}
	isal_inflate_reset(&e->s);
	e->s.crc_flag = ISAL_GZIP;
	e->s.next_in = in;
	e->s.avail_in = avail;
	return 0;
}

static int
eng_step(struct engine *e, unsigned char *out, size_t *n, int *end,
    char *why, size_t whylen)
{
	uint32_t	 in_before = e->s.avail_in;
	int		 rc;

	if (e->fresh) {
		/*
		 * gzip's magic, else zlib (whose header ISA-L checks), as
		 * zlib's windowBits + 32. The member's first bytes are whole
		 * here: next_member starts a new read at them.
		 */
		e->s.crc_flag = e->s.avail_in >= 2 && e->s.next_in[0] == 0x1f &&
		    e->s.next_in[1] == 0x8b ? ISAL_GZIP : ISAL_ZLIB;
		e->fresh = 0;
		/*
		 * What zlib refuses and ISA-L would take, refused: a gzip
		 * header's reserved flag bits, a zlib window over 32 KiB.
		 */
		if (e->s.crc_flag == ISAL_GZIP && e->s.avail_in >= 4 &&
		    (e->s.next_in[3] & 0xe0) != 0) {
			WHY("not valid gzip data (unknown header flags set)");
			return INFLATE_EBAD;
		}
		if (e->s.crc_flag == ISAL_ZLIB && e->s.avail_in >= 1 &&
		    e->s.next_in[0] >> 4 > 7) {
			WHY("not valid gzip data (invalid window size)");
			return INFLATE_EBAD;
		}
		if (e->s.crc_flag == ISAL_GZIP && eng_whole(e, out, n)) {
			*end = 1;
			return INFLATE_OK;
		}
	}
	e->s.next_out = out;
	e->s.avail_out = INFLATE_CHUNK;
	rc = isal_inflate(&e->s);
	*n = INFLATE_CHUNK - e->s.avail_out;
	*end = e->s.block_state == ISAL_BLOCK_FINISH;
	if (rc != ISAL_DECOMP_OK) {
		WHY("not valid gzip data (%s)", eng_error(rc));
		return INFLATE_EBAD;
	}
	if (!*end && *n == 0 && e->s.avail_in > 0 &&
	    e->s.avail_in == in_before) {
		/* Never seen: a guard against looping for ever. */
		WHY("not valid gzip data (no progress)");
		return INFLATE_EBAD;
	}
	return INFLATE_OK;
}

#endif

/* The next slice of input into e: 0, or INFLATE_EBAD / INFLATE_ELOCAL. */
static int
next_input(struct engine *e, const struct inflate_src *src, unsigned char *in,
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
		eng_input(e, in, (size_t)got);
	} else
		eng_input(e, (const unsigned char *)src->data + *consumed,
		    avail);
	*consumed += eng_avail_in(e);
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
 * skip. *done is set when nothing follows; otherwise e starts the next
 * member from its first byte (in was used). INFLATE_OK, or a fault.
 */
static int
next_member(struct engine *e, const struct inflate_src *src,
    unsigned char *in, size_t *consumed, int *done, char *why, size_t whylen)
{
	size_t	 pos;
	int	 ret;

	*done = 0;
	if (eng_avail_in(e) == 0 && *consumed == src->len) {
		*done = 1;
		return INFLATE_OK;
	}
	if ((ret = skip_zeros(src, *consumed - eng_avail_in(e), in, &pos, why,
	    whylen)) != INFLATE_OK)
		return ret;
	if (pos == src->len) {
		*done = 1;
		return INFLATE_OK;
	}
	*consumed = pos;
	return eng_reset(e, why, whylen);
}

/* Inflate all of src into pieces of out, each handed to sink (or not). */
static int
inflate_run(const struct inflate_src *src, size_t max, inflate_sink sink,
    void *arg, unsigned char *out, size_t *total, char *why, size_t whylen)
{
	struct engine	*e = NULL;
	unsigned char	*in = NULL;
	size_t		 produced = 0, consumed = 0, n;
	int		 ret, end, done = 0;

	if (src->fd >= 0 && (in = malloc(INFLATE_CHUNK)) == NULL) {
		WHY("out of memory");
		ret = INFLATE_ENOMEM;
		goto out;
	}
	if ((e = eng_new(why, whylen)) == NULL) {
		ret = INFLATE_ENOMEM;
		goto out;
	}
	while (!done) {
		if (eng_avail_in(e) == 0 && (ret = next_input(e, src, in,
		    &consumed, why, whylen)) != INFLATE_OK)
			goto out;
		if ((ret = eng_step(e, out, &n, &end, why, whylen)) !=
		    INFLATE_OK)
			goto out;
		if ((ret = put_piece(out, n, max, &produced, sink, arg, why,
		    whylen)) != INFLATE_OK)
			goto out;
		if (end && (ret = next_member(e, src, in, &consumed, &done,
		    why, whylen)) != INFLATE_OK)
			goto out;
	}
	*total = produced;
	ret = INFLATE_OK;
out:
	eng_free(e);
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
