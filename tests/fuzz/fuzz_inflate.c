/* SPDX-License-Identifier: ISC */
/*
 * fuzz_inflate.c - libFuzzer target: inflate.c, the gunzip of every
 * object, in memory and from a spool file, against a small limit. The
 * entry points and the sources must agree: verify's verdict and size,
 * stream's bytes, from memory as from a file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "inflate.h"

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inflate_src	 src;
	struct kept		 m, k;
	char			 why[256];
	size_t			 total, total2;
	int			 rc, rc2, fd;

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
