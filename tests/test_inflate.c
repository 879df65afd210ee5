/* SPDX-License-Identifier: ISC */
/*
 * test_inflate.c - inflate.c's contracts, whichever engine it was built
 * with (make check builds this test twice: tests/test_inflate with the
 * build's engine, ISA-L by default, and tests/test_inflate_zlib with
 * zlib's): gzip members, zeros between and after them as Python's gzip
 * skips them, zlib streams, the output ceiling, pieces of at most
 * INFLATE_CHUNK that end at each member's end, the first fault named,
 * the body in memory and in a file giving the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "inflate.h"
#include "tests/gz.h"
#include "tests/unit.h"

/* What a sink was handed, and where each piece ended. */
struct got {
	char	*p;
	size_t	 len, npieces, ends[64];
	int	 bad_piece, fail_at;	/* fail_at: refuse the Nth piece */
};

static int
sink(void *arg, const char *p, size_t len)
{
	struct got	*g = arg;
	char		*np;

	if (len == 0 || len > INFLATE_CHUNK)
		g->bad_piece = 1;
	if (g->fail_at > 0 && (size_t)g->fail_at == g->npieces + 1)
		return -1;
	if ((np = realloc(g->p, g->len + len + 1)) == NULL)
		return -1;
	memcpy(np + g->len, p, len);
	g->p = np;
	g->len += len;
	if (g->npieces < 64)
		g->ends[g->npieces] = g->len;
	g->npieces++;
	return 0;
}

/*
 * buf through both sources and both entry points: they must agree; the
 * stream's bytes and verdict from memory into *g, why into why.
 */
static int
run(const void *buf, size_t len, size_t max, struct got *g, char *why,
    size_t whylen)
{
	struct inflate_src	 src = { buf, len, -1 };
	struct got		 f;
	char			 why2[256];
	size_t			 total, total2;
	int			 rc, rc2, fd;

	memset(g, 0, sizeof(*g));
	rc = inflate_stream(&src, max, sink, g, &total, why, whylen);
	CHECK(rc != INFLATE_OK || total == g->len, "total %zu, sink %zu",
	    total, g->len);
	CHECK(!g->bad_piece, "a piece of 0 or more than INFLATE_CHUNK bytes");
	rc2 = inflate_verify(&src, max, &total2, why2, sizeof(why2));
	CHECK(rc2 == rc && (rc != INFLATE_OK || total2 == total),
	    "verify %d %zu, stream %d %zu", rc2, total2, rc, total);
	if ((fd = memfd_create("test-inflate", MFD_CLOEXEC)) == -1 ||
	    (len > 0 && write(fd, buf, len) != (ssize_t)len)) {
		CHECK(0, "memfd");
		if (fd != -1)
			close(fd);
		return rc;
	}
	src.data = NULL;
	src.fd = fd;
	memset(&f, 0, sizeof(f));
	rc2 = inflate_stream(&src, max, sink, &f, &total2, why2, sizeof(why2));
	CHECK(rc2 == rc && f.len == g->len && (f.len == 0 ||
	    memcmp(f.p, g->p, f.len) == 0), "from a file: %d (%s), %zu bytes",
	    rc2, why2, f.len);
	CHECK(rc == INFLATE_OK || strcmp(why, why2) == 0, "why %s / %s", why,
	    why2);
	free(f.p);
	close(fd);
	return rc;
}

/* n bytes of a document that compresses about as CloudTrail's do. */
static char *
document(size_t n)
{
	char	*d;
	size_t	 i;
	uint32_t x = 2463534242u;

	if ((d = malloc(n)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		d[i] = (char)("{\"abcdefgh:0123456789\",}"[x % 24]);
	}
	return d;
}

static void
test_members_and_zeros(void)
{
	size_t	 n = 3 * INFLATE_CHUNK + 1234, cuts[] = { 1000, 400000 };
	size_t	 zlen, plen, i;
	char	*doc = document(n), why[256];
	unsigned char *z, *p;
	struct got g;

	z = gz_members(doc, n, cuts, 2, 6, &zlen);
	CHECK(run(z, zlen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_OK,
	    "three members: %s", why);
	CHECK(g.len == n && memcmp(g.p, doc, n) == 0, "three members' bytes");
	/* A member's last piece ends with the member. */
	for (i = 0; i < 2; i++) {
		size_t	 k;
		int	 found = 0;

		for (k = 0; k < g.npieces && k < 64; k++)
			found |= g.ends[k] == cuts[i];
		CHECK(found, "a piece ends at the member's end %zu", cuts[i]);
	}
	free(g.p);

	/* Zeros after the last member and between members: skipped. */
	p = calloc(1, zlen * 2 + 4096);
	memcpy(p, z, zlen);
	plen = zlen + 700;
	CHECK(run(p, plen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_OK &&
	    g.len == n, "zeros after: %s", why);
	free(g.p);
	memcpy(p + plen, z, zlen);
	plen += zlen;
	CHECK(run(p, plen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_OK &&
	    g.len == 2 * n && memcmp(g.p + n, doc, n) == 0,
	    "zeros between: %s", why);
	free(g.p);
	/* Not zero after a member: a fault, not silently ignored. */
	p[zlen] = 'x';
	CHECK(run(p, plen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD,
	    "garbage after a member");
	free(g.p);
	/* Zeros first: not gzip (Python's gzip says so too). */
	memset(p, 0, 16);
	memcpy(p + 16, z, zlen);
	CHECK(run(p, zlen + 16, SIZE_MAX, &g, why, sizeof(why)) ==
	    INFLATE_EBAD && strstr(why, "not valid gzip data") != NULL,
	    "zeros first: %s", why);
	free(g.p);
	free(p);
	free(z);
	free(doc);
}

static void
test_zlib_stream(void)
{
	char	 doc[] = "{\"Records\":[{\"eventName\":\"zlib\"}]}", why[256];
	unsigned char out[256];
	uLongf	 olen = sizeof(out);
	struct got g;

	CHECK(compress2(out, &olen, (const Bytef *)doc, sizeof(doc) - 1, 6) ==
	    Z_OK, "compress2");
	CHECK(run(out, olen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_OK &&
	    g.len == sizeof(doc) - 1 && memcmp(g.p, doc, g.len) == 0,
	    "a zlib stream: %s", why);
	free(g.p);
	/* A window over 32 KiB (CINFO 8, the check bits made good). */
	out[0] = 0x88;
	out[1] = (unsigned char)((out[1] & 0xe0) + (31 - (0x88 * 256 +
	    (out[1] & 0xe0)) % 31) % 31);
	CHECK(run(out, olen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    strstr(why, "not valid gzip data (") != NULL, "64 KiB window: %s",
	    why);
	free(g.p);
	olen = sizeof(out);
	CHECK(compress2(out, &olen, (const Bytef *)doc, sizeof(doc) - 1, 6) ==
	    Z_OK, "compress2");
	out[olen - 1] ^= 1;	/* the Adler-32 */
	CHECK(run(out, olen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    strstr(why, "not valid gzip data") != NULL, "bad Adler-32: %s",
	    why);
	free(g.p);
}

static void
test_faults(void)
{
	size_t	 n = 100000, zlen, cut;
	char	*doc = document(n), why[256];
	unsigned char *z;
	struct got g;

	z = gz_members(doc, n, NULL, 0, 6, &zlen);
	/* The ceiling: exactly the size passes, a byte less does not. */
	CHECK(run(z, zlen, n, &g, why, sizeof(why)) == INFLATE_OK,
	    "max = size: %s", why);
	free(g.p);
	CHECK(run(z, zlen, n - 1, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    strstr(why, "decompresses to more than 99999 bytes") != NULL,
	    "max = size - 1: %s", why);
	free(g.p);
	/* Empty, truncated anywhere: named. */
	CHECK(run(z, 0, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    strcmp(why, "empty object, not gzip") == 0, "empty: %s", why);
	free(g.p);
	for (cut = 1; cut < zlen; cut += 1 + cut / 3) {
		CHECK(run(z, cut, SIZE_MAX, &g, why, sizeof(why)) ==
		    INFLATE_EBAD && strcmp(why, "truncated gzip data") == 0,
		    "cut at %zu of %zu: %s", cut, zlen, why);
		free(g.p);
	}
	/* CRC, then length, wrong: the data's fault named. */
	z[zlen - 8] ^= 1;
	CHECK(run(z, zlen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    strstr(why, "not valid gzip data (") != NULL, "bad CRC: %s", why);
	free(g.p);
	z[zlen - 8] ^= 1;
	z[zlen - 4] ^= 1;
	CHECK(run(z, zlen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    strstr(why, "not valid gzip data (") != NULL, "bad length: %s",
	    why);
	free(g.p);
	z[zlen - 4] ^= 1;
	/* A gzip header's reserved flag bits: refused, as zlib does. */
	z[3] |= 0x20;
	CHECK(run(z, zlen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    strstr(why, "not valid gzip data (") != NULL, "reserved flag: %s",
	    why);
	free(g.p);
	z[3] &= ~0x20;
	/* A corrupt block. */
	z[zlen / 2] ^= 0x55;
	CHECK(run(z, zlen, SIZE_MAX, &g, why, sizeof(why)) == INFLATE_EBAD &&
	    why[0] != '\0', "corrupt: %s", why);
	free(g.p);
	z[zlen / 2] ^= 0x55;
	/* The sink's refusal is the sink's. */
	memset(&g, 0, sizeof(g));
	g.fail_at = 1;
	{
		struct inflate_src src = { (const char *)z, zlen, -1 };
		size_t	 total;

		CHECK(inflate_stream(&src, SIZE_MAX, sink, &g, &total, why,
		    sizeof(why)) == INFLATE_ESINK, "sink refused");
	}
	free(g.p);
	free(z);
	free(doc);
}

/* A bomb: the ceiling stops it after about max bytes, in pieces. */
static void
test_bomb(void)
{
	size_t	 n = 64 * 1024 * 1024, zlen, max = 5 * 1024 * 1024;
	char	*zeros = calloc(1, n), why[256];
	unsigned char *z;
	struct inflate_src src;
	struct got g;
	size_t	 total;

	z = gz_members(zeros, n, NULL, 0, 9, &zlen);
	free(zeros);
	src.data = (const char *)z;
	src.len = zlen;
	src.fd = -1;
	memset(&g, 0, sizeof(g));
	CHECK(inflate_stream(&src, max, sink, &g, &total, why, sizeof(why)) ==
	    INFLATE_EBAD && g.len <= max && g.len > max - INFLATE_CHUNK,
	    "bomb: %zu bytes, %s", g.len, why);
	free(g.p);
	free(z);
}

int
main(void)
{
	test_members_and_zeros();
	test_zlib_stream();
	test_faults();
	test_bomb();
	UNIT_DONE();
}
