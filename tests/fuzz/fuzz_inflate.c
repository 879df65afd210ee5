/* SPDX-License-Identifier: ISC */
/*
 * fuzz_inflate.c - libFuzzer target: inflate.c, the gunzip of every
 * object, in memory and from a spool file, against a small limit. The
 * three entry points must agree: verify's verdict and size, stream's
 * bytes and into's bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "inflate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_INFLATED_MAX	(1024 * 1024)

/* A sink that keeps what it is handed, to compare with the direct path. */
static int
keep_sink(void *arg, const char *p, size_t len)
{
	struct inflate_buf	*k = arg;
	char			*np;

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
	struct inflate_buf	 m, k;
	char			 why[256];
	size_t			 total, total2;
	int			 rc, rc2, fd;

	/* In memory, inflated straight into the document as -j does. */
	memset(&m, 0, sizeof(m));
	src.data = (const char *)data;
	src.len = size;
	src.fd = -1;
	rc = inflate_into(&src, FUZZ_INFLATED_MAX, &m, &total, why,
	    sizeof(why));
	if (rc == INFLATE_OK && (total != m.len || total > FUZZ_INFLATED_MAX))
		abort();
	if (rc != INFLATE_OK && why[0] == '\0')
		abort();

	/* Through a sink, as raw mode writes: the same bytes. */
	memset(&k, 0, sizeof(k));
	rc2 = inflate_stream(&src, FUZZ_INFLATED_MAX, keep_sink, &k, &total2,
	    why, sizeof(why));
	if (rc2 != rc || (rc == INFLATE_OK && (total2 != total ||
	    k.len != m.len || (k.len > 0 && memcmp(k.p, m.p, k.len) != 0))))
		abort();
	inflate_buf_free(&m);
	inflate_buf_free(&k);

	/* From a spool file, verify only, as raw mode's first pass. */
	if ((fd = memfd_create("fuzz-inflate", MFD_CLOEXEC)) == -1)
		return 0;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	src.data = NULL;
	src.fd = fd;
	rc2 = inflate_verify(&src, FUZZ_INFLATED_MAX, &total2, why,
	    sizeof(why));
	if (rc2 != rc || (rc == INFLATE_OK && total2 != total))
		abort();
	close(fd);
	return 0;
}
