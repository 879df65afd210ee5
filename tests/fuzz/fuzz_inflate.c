/* SPDX-License-Identifier: ISC */
/*
 * fuzz_inflate.c - libFuzzer target: inflate.c, the gunzip of every
 * object, in memory and from a spool file, against a small limit. The
 * entry points and the sources must agree: verify's verdict and size,
 * stream's bytes, from memory as from a file. And the two engines must
 * agree: the build's (ISA-L unless INFLATE=zlib) against inflate.c built
 * here again with zlib's (its entry points renamed zlib_*), on the input
 * and on the input cut at a place drawn from its last bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The zlib engine's inflate.c, its entry points renamed. */
#ifndef INFLATE_ZLIB
#define INFLATE_ZLIB
#endif
#define inflate_verify	zlib_inflate_verify
#define inflate_stream	zlib_inflate_stream
#include "inflate.c"
#undef inflate_verify
#undef inflate_stream

/* The build's (inflate.h was read above, under the names zlib_*). */
int	inflate_verify(const struct inflate_src *, size_t, size_t *, char *,
	    size_t);
int	inflate_stream(const struct inflate_src *, size_t, inflate_sink,
	    void *, size_t *, char *, size_t);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_INFLATED_MAX	(1024 * 1024)

/* What a sink was handed. */
struct kept {
	char	*p;
	size_t	 len;
};

static int
keep_sink(void *arg, const char *p, size_t len)
{
	struct kept	*k = arg;
	char		*np;

	if (len == 0 || len > INFLATE_CHUNK)
		abort();	/* pieces of 1 to INFLATE_CHUNK bytes */
	if ((np = realloc(k->p, k->len + len + 1)) == NULL)
		return -1;
	memcpy(np + k->len, p, len);
	k->p = np;
	k->len += len;
	return 0;
}

/*
 * data[0..size) through both engines: the same verdict (ok, a fault of
 * the data, or the ceiling) and the same bytes. Their reasons may be worded
 * differently (each engine's names for a corrupt block), so not compared.
 */
static void
engines_agree(const uint8_t *data, size_t size)
{
	struct inflate_src	 src = { (const char *)data, size, -1 };
	struct kept		 a, b;
	char			 why[256];
	size_t			 ta, tb;
	int			 ra, rb;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = inflate_stream(&src, FUZZ_INFLATED_MAX, keep_sink, &a, &ta, why,
	    sizeof(why));
	rb = zlib_inflate_stream(&src, FUZZ_INFLATED_MAX, keep_sink, &b, &tb,
	    why, sizeof(why));
	if (ra != rb || (ra == INFLATE_OK && (ta != tb || a.len != b.len ||
	    (a.len > 0 && memcmp(a.p, b.p, a.len) != 0))))
		abort();
	free(a.p);
	free(b.p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inflate_src	 src;
	struct kept		 m, k;
	char			 why[256];
	size_t			 total, total2;
	int			 rc, rc2, fd;

	/* The engines, whole and cut where the last two bytes say. */
	engines_agree(data, size);
	if (size >= 2)
		engines_agree(data, (data[size - 1] << 8 | data[size - 2]) %
		    size);

	/* In memory, checked only, as raw mode's first pass. */
	src.data = (const char *)data;
	src.len = size;
	src.fd = -1;
	rc = inflate_verify(&src, FUZZ_INFLATED_MAX, &total, why,
	    sizeof(why));
	if (rc == INFLATE_OK && total > FUZZ_INFLATED_MAX)
		abort();
	if (rc != INFLATE_OK && why[0] == '\0')
		abort();

	/* Through a sink, as raw mode writes and -j converts: the verdict. */
	memset(&m, 0, sizeof(m));
	rc2 = inflate_stream(&src, FUZZ_INFLATED_MAX, keep_sink, &m, &total2,
	    why, sizeof(why));
	if (rc2 != rc || (rc == INFLATE_OK && (total2 != total ||
	    m.len != total)))
		abort();

	/* From a spool file: the same verdict, size and bytes. */
	if ((fd = memfd_create("fuzz-inflate", MFD_CLOEXEC)) == -1)
		goto out;
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		goto out;
	src.data = NULL;
	src.fd = fd;
	rc2 = inflate_verify(&src, FUZZ_INFLATED_MAX, &total2, why,
	    sizeof(why));
	if (rc2 != rc || (rc == INFLATE_OK && total2 != total))
		abort();
	memset(&k, 0, sizeof(k));
	rc2 = inflate_stream(&src, FUZZ_INFLATED_MAX, keep_sink, &k, &total2,
	    why, sizeof(why));
	if (rc2 != rc || (rc == INFLATE_OK && (k.len != m.len ||
	    (k.len > 0 && memcmp(k.p, m.p, k.len) != 0))))
		abort();
	free(k.p);
 out:
	if (fd != -1)
		close(fd);
	free(m.p);
	return 0;
}
