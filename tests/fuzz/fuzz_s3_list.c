/* SPDX-License-Identifier: ISC */
/*
 * fuzz_s3_list.c - libFuzzer target: s3_parse_list, S3's ListObjectsV2
 * answer (the bucket's owner, or anyone on the path, writes it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3_list_page	 pg;
	char			 why[128];
	size_t			 i;

	if (s3_parse_list((const char *)data, size, &pg, why,
	    sizeof(why)) == 0) {
		for (i = 0; i < pg.nobjects; i++)
			if (pg.objects[i].key == NULL ||
			    strlen(pg.objects[i].key) > size)
				abort();
		for (i = 0; i < pg.nprefixes; i++)
			if (pg.prefixes[i] == NULL)
				abort();
		if (pg.truncated && pg.next_token == NULL)
			abort();
	}
	s3_list_page_free(&pg);
	return 0;
}
