/* SPDX-License-Identifier: ISC */
/*
 * fuzz_digest.c - libFuzzer target: a digest document (whoever may write
 * to the bucket writes it), its name read as a key, and the bytes as a
 * public key's base64. Besides not crashing: a document read has its
 * string to sign, and every hash field is 64 lowercase hex digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "layout.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
lowhex(const char *s)
{
	return strlen(s) == DIGEST_HASH_HEX - 1 &&
	    strspn(s, "0123456789abcdef") == DIGEST_HASH_HEX - 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layout_digest	 ld;
	struct digest		 d;
	struct digest_key	*k;
	char			 why[256], fp[DIGEST_FP_HEX], *s, *str;
	size_t			 i;

	if (digest_parse((const char *)data, size, &d, why, sizeof(why)) ==
	    0) {
		if ((s = digest_signed_string(&d)) == NULL ||
		    !lowhex(d.hash) || (d.prev_hash[0] != '\0' &&
		    !lowhex(d.prev_hash)))
			abort();
		for (i = 0; i < d.nfiles; i++)
			if (!lowhex(d.files[i].hash))
				abort();
		free(s);
	} else if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
		abort();
	digest_free(&d);
	if ((str = malloc(size + 1)) == NULL)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	(void)layout_digest_name(str, &ld);
	if ((k = digest_key_new(str, strlen(str), fp, why, sizeof(why))) !=
	    NULL) {
		(void)digest_verify(k, "x", str, why, sizeof(why));
		digest_key_free(k);
	}
	free(str);
	return 0;
}
