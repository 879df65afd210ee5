/* SPDX-License-Identifier: ISC */
/*
 * fuzz_notify.c - libFuzzer target: notify_parse, a queue message's body
 * (anyone allowed to send to the queue writes it). Besides not crashing,
 * what it hands over must keep notify.h's promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
only(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify	 n;
	size_t		 i, j, klen;

	if (notify_parse((const char *)data, size, &n) == -1)
		return 0;
	if (memchr(n.why, '\0', sizeof(n.why)) == NULL)
		abort();
	switch (n.kind) {
	case NOTIFY_OBJECTS:
		/* Something understood: an object or a skipped event. */
		if (n.why[0] != '\0' || n.form == NULL ||
		    n.nobjects + n.nskipped == 0 ||
		    n.nobjects > NOTIFY_OBJECTS_MAX)
			abort();
		break;
	case NOTIFY_TEST:
		if (n.why[0] != '\0' || n.nobjects != 0)
			abort();
		break;
	case NOTIFY_UNKNOWN:
		if (n.why[0] == '\0' || n.nobjects != 0 || n.objects != NULL ||
		    n.nskipped != 0)
			abort();
		break;
	default:
		abort();
	}
	for (i = 0; i < n.nobjects; i++) {
		const struct notify_object *o = &n.objects[i];

		klen = strlen(o->key);
		if (klen == 0 || klen > NOTIFY_KEY_MAX || klen > size ||
		    o->bucket[0] == '\0' ||
		    strlen(o->bucket) > NOTIFY_BUCKET_MAX ||
		    !only(o->bucket, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ||
		    (o->region != NULL && (o->region[0] == '\0' ||
		    strlen(o->region) > NOTIFY_REGION_MAX ||
		    !only(o->region, "abcdefghijklmnopqrstuvwxyz0123456789-"))) ||
		    o->size < -1)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(n.objects[j].key, o->key) == 0 &&
			    strcmp(n.objects[j].bucket, o->bucket) == 0)
				abort();
	}
	notify_free(&n);
	return 0;
}
