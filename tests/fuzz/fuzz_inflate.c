/* SPDX-License-Identifier: ISC */
/*
 * fuzz_inflate.c - libFuzzer target: inflate_object, the gunzip of every
 * object, in memory and from a spool file, against a small limit.
 *
 * inflate_object is static in getawslog.c, where it belongs (it is the
 * walk's, used by write_object). Rather than export it or move it, this
 * target includes getawslog.c whole, its main renamed, so the fuzzer runs
 * the very code the binary runs and the file layout stays as it is.
 */
int	getawslog_main(int, char *[]);

#define main	getawslog_main
#include "getawslog.c"
#undef main

#include <sys/mman.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_INFLATED_MAX	(1024 * 1024)

/* A sink that keeps what it is handed, to compare with the direct path. */
static int
keep_sink(void *arg, const char *p, size_t len)
{
	struct membuf	*k = arg;
	char		*np;

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
	struct s3_body	 body;
	struct membuf	 m, k;
	char		 why[256];
	size_t		 total, total2;
	int		 rc, rc2, fd;

	/* In memory, inflated straight into the document as -j does. */
	memset(&m, 0, sizeof(m));
	body.data = (char *)(uintptr_t)data;
	body.len = size;
	body.fd = -1;
	rc = inflate_object(&body, FUZZ_INFLATED_MAX, NULL, NULL, &m, &total,
	    why, sizeof(why));
	if (rc == 0 && (total != m.len || total > FUZZ_INFLATED_MAX))
		abort();
	if (rc == -1 && why[0] == '\0')
		abort();

	/* Through a sink, as raw mode writes: the same bytes. */
	memset(&k, 0, sizeof(k));
	rc2 = inflate_object(&body, FUZZ_INFLATED_MAX, keep_sink, &k, NULL,
	    &total2, why, sizeof(why));
	if (rc2 != rc || (rc == 0 && (total2 != total || k.len != m.len ||
	    (k.len > 0 && memcmp(k.p, m.p, k.len) != 0))))
		abort();
	free(m.p);
	free(k.p);

	/* From a spool file, verify only, as raw mode's first pass. */
	if ((fd = memfd_create("fuzz-inflate", MFD_CLOEXEC)) == -1)
		return 0;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	body.data = NULL;
	body.fd = fd;
	rc2 = inflate_object(&body, FUZZ_INFLATED_MAX, NULL, NULL, NULL,
	    &total2, why, sizeof(why));
	if (rc2 != rc || (rc == 0 && total2 != total))
		abort();
	close(fd);
	return 0;
}
