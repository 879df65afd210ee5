/* SPDX-License-Identifier: ISC */
/*
 * fuzz_sqs_receive.c - libFuzzer target: sqs_parse_received, a
 * ReceiveMessage answer (SQS's, or whatever answers in its place). Besides
 * not crashing, what it hands over must keep sqs.h's promises: at most
 * SQS_BATCH_MAX messages, each with an id, a handle and a body, within
 * their ceilings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sqs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sqs_received	 got;
	char			 why[128];
	size_t			 i, len;

	if (sqs_parse_received((const char *)data, size, &got, why,
	    sizeof(why)) == -1) {
		if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0' ||
		    got.m != NULL || got.n != 0)
			abort();
		return 0;
	}
	if (got.n > SQS_BATCH_MAX || (got.n > 0 && got.m == NULL))
		abort();
	for (i = 0; i < got.n; i++) {
		const struct sqs_message *m = &got.m[i];

		len = strlen(m->id);
		if (len == 0 || len > SQS_ID_MAX)
			abort();
		len = strlen(m->receipt);
		if (len == 0 || len > SQS_HANDLE_MAX)
			abort();
		if (m->body == NULL || strlen(m->body) != m->bodylen ||
		    m->bodylen > size || m->receive_count < 0)
			abort();
	}
	sqs_received_free(&got);
	return 0;
}
