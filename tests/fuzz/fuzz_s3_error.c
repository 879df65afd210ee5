/* SPDX-License-Identifier: ISC */
/*
 * fuzz_s3_error.c - libFuzzer target: s3_parse_error, S3's <Error> body,
 * whose text ends up in messages: it must stay within its buffers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3_error	 err;
	char		 region[64], msg[640];

	memset(&err, 0, sizeof(err));
	memset(region, 0, sizeof(region));
	if (s3_parse_error((const char *)data, size, &err, region,
	    sizeof(region)) == 0) {
		if (memchr(err.code, '\0', sizeof(err.code)) == NULL ||
		    memchr(err.message, '\0', sizeof(err.message)) == NULL ||
		    memchr(region, '\0', sizeof(region)) == NULL)
			abort();
		s3_strerror(&err, msg, sizeof(msg));
	}
	return 0;
}
