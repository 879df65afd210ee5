/* SPDX-License-Identifier: ISC */
/*
 * fuzz_convert.c - libFuzzer target: -j's streaming path as object.c runs
 * it (convert.c: inflate in pieces, convert, hold the lines in a spool).
 *
 * The input is a document. It is gzipped as members cut at places drawn
 * from the input (inflate.c hands the converter a piece at each member's
 * end), the body kept in memory or in a file, the spool given a memory
 * limit drawn too (so lines cross into its file, and a repeated "Records"
 * rewinds both), the format drawn as well. The result must be the
 * whole-document converter's: the same verdict and reason, the same
 * lines, the same count; a failure holds nothing back. With an inflate
 * limit under the document's size it must fail, holding nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../capture.h"
#include "../gz.h"
#include "convert.h"
#include "spool.h"

#define CUTS		6	/* most members */
#define FUZZ_MAX	((size_t)64 << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct flatten_meta meta = { .bucket = "bucket", .key =
    "AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/01/x.json.gz",
    .basename = "x.json.gz" };

static int
cmp_size(const void *a, const void *b)
{
	size_t	x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
next(uint64_t *h)
{
	*h = *h * 6364136223846793005ULL + 1442695040888963407ULL;
	return *h >> 33;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 memmax[] = { 0, 1, 64, 4096, (size_t)1 << 20 };
	struct inflate_src	 src;
	struct spool		*sp;
	struct cap		 want, got;
	enum flatten_format	 fmt;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	unsigned char		*z;
	char			 err[256], why[256];
	size_t			 cuts[CUTS], ncuts, zlen, i, wantrec, nrec, max;
	int			 rc, crc, fd = -1;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	fmt = (enum flatten_format)(next(&h) % 3);
	ncuts = (size_t)(next(&h) % (CUTS + 1));
	for (i = 0; i < ncuts; i++)
		cuts[i] = (size_t)(next(&h) % (size + 1));
	qsort(cuts, ncuts, sizeof(cuts[0]), cmp_size);
	if ((z = gz_members(data, size, cuts, ncuts, 1, &zlen)) == NULL)
		return 0;
	if ((sp = spool_new(NULL, memmax[next(&h) % 5])) == NULL)
		abort();
	src.data = (const char *)z;
	src.len = zlen;
	src.fd = -1;
	if (next(&h) % 2 && (fd = memfd_create("fuzz-convert",
	    MFD_CLOEXEC)) != -1) {
		if (write(fd, z, zlen) != (ssize_t)zlen)
			abort();
		src.data = NULL;
		src.fd = fd;
	}

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	rc = flatten_document(fmt, (const char *)data, size, &meta, cap_write,
	    &want, &wantrec, err, sizeof(err));
	crc = convert_object(&src, FUZZ_MAX, fmt, &meta, sp, NULL, NULL, &nrec, why,
	    sizeof(why));
	if (rc == FLATTEN_OK) {
		if (crc != CONVERT_OK || nrec != wantrec ||
		    spool_drain(sp, cap_write, &got) == -1 ||
		    got.len != want.len || (want.len > 0 &&
		    memcmp(got.p, want.p, want.len) != 0))
			abort();
	} else if (rc == FLATTEN_EBADDOC) {
		if (crc != CONVERT_EBAD || strcmp(err, why) != 0 || nrec != 0 ||
		    spool_size(sp) != 0)
			abort();
	} else if (crc == CONVERT_OK)
		abort();	/* out of memory once is not a good document */

	/* Under the limit: a failure, nothing held. */
	if (size > 0) {
		max = (size_t)(next(&h) % size);
		crc = convert_object(&src, max, fmt, &meta, sp, NULL, NULL, &nrec,
		    why, sizeof(why));
		if (crc == CONVERT_OK || nrec != 0 || spool_size(sp) != 0 ||
		    why[0] == '\0')
			abort();
	}
	if (fd != -1)
		close(fd);
	spool_free(sp);
	free(z);
	free(want.p);
	free(got.p);
	return 0;
}
