/* SPDX-License-Identifier: ISC */
/*
 * fuzz_flatten.c - libFuzzer target: flatten_document in one format
 * (FUZZ_FORMAT, set by the Makefile: one binary per format).
 *
 * Besides not crashing, the output must keep flatten.h's promise: exactly
 * one line per record, each starting as a record of its format, no CR or
 * NUL anywhere (a line that starts like another record would forge one in
 * the SIEM).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flatten.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT	FLATTEN_FLAT
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct sink {
	size_t	lines;
	int	at_start;	/* the next byte starts a line */
	char	head[32];	/* the start of the current line */
	size_t	headlen;
};

static const char *
prefix(void)
{
	switch (FUZZ_FORMAT) {
	case FLATTEN_FLAT:
		return "\"AmazonAWS\":";
	case FLATTEN_JSON:
		return "{\"";
	default:
		return "{\"integration\": \"aws\", \"aws\": {";
	}
}

static int
sink_write(void *arg, const char *buf, size_t len)
{
	struct sink	*s = arg;
	const char	*want = prefix();
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\r' || buf[i] == '\0')
			abort();
		if (s->at_start) {
			s->headlen = 0;
			s->at_start = 0;
		}
		if (buf[i] == '\n') {
			/* A line shorter than the prefix is no record. */
			if (s->headlen < strlen(want))
				abort();
			s->lines++;
			s->at_start = 1;
			continue;
		}
		if (s->headlen < strlen(want)) {
			if (buf[i] != want[s->headlen])
				abort();
			s->head[s->headlen++] = buf[i];
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flatten_meta	 meta = { "bucket", "AWSLogs/123456789012/"
	    "CloudTrail/us-east-1/2024/01/01/x.json.gz", "x.json.gz" };
	struct sink		 s;
	char			 err[256];
	size_t			 nrec = 0;
	int			 rc;

	memset(&s, 0, sizeof(s));
	s.at_start = 1;
	rc = flatten_document(FUZZ_FORMAT, (const char *)data, size, &meta,
	    sink_write, &s, &nrec, err, sizeof(err));
	if (rc == FLATTEN_OK && (s.lines != nrec || !s.at_start))
		abort();
	if (rc != FLATTEN_OK && rc != FLATTEN_EBADDOC && rc != FLATTEN_ENOMEM)
		abort();
	if (rc == FLATTEN_EBADDOC && (s.lines != 0 || err[0] == '\0'))
		abort();	/* a bad document writes nothing */
	return 0;
}
