/* SPDX-License-Identifier: ISC */
/*
 * gz.h - gzip for the tests: a document as one gzip member, or as several
 * cut at given places (zcat reads them as one stream; inflate.c hands the
 * converter a piece at each member's end, so the cuts reach it).
 */
#ifndef GZ_H
#define GZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/*
 * data[0..len) as members ending at cuts[0..ncuts) (ascending, at most
 * len) and len; a malloc'd buffer, its size in *outlen. NULL when zlib
 * fails or out of memory.
 */
static inline unsigned char *
gz_members(const void *data, size_t len, const size_t *cuts, size_t ncuts,
    int level, size_t *outlen)
{
	const unsigned char	*in = data;
	unsigned char		*out = NULL, *np;
	size_t			 cap = 0, n = 0, at = 0, end, i;
	z_stream		 z;
	int			 zr;

	for (i = 0; i <= ncuts; i++) {
		end = i < ncuts ? cuts[i] : len;
		memset(&z, 0, sizeof(z));
		if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			goto fail;
		z.next_in = (unsigned char *)(uintptr_t)(in + at);
		z.avail_in = (uInt)(end - at);
		do {
			if (cap - n < 65536) {
				cap = cap * 2 + 65536;
				if ((np = realloc(out, cap)) == NULL) {
					deflateEnd(&z);
					goto fail;
				}
				out = np;
			}
			z.next_out = out + n;
			z.avail_out = (uInt)(cap - n);
			zr = deflate(&z, Z_FINISH);
			n = cap - z.avail_out;
		} while (zr == Z_OK || zr == Z_BUF_ERROR);
		deflateEnd(&z);
		if (zr != Z_STREAM_END)
			goto fail;
		at = end;
	}
	*outlen = n;
	return out;
 fail:
	free(out);
	return NULL;
}

#endif /* GZ_H */
