/* SPDX-License-Identifier: ISC */
/*
 * fuzz_flatten.c - libFuzzer target: the converter in one format
 * (FUZZ_FORMAT, set by the Makefile: one binary per format).
 *
 * Besides not crashing, the output must keep flatten.h's promises:
 * exactly one line per record, each starting as a record of its format,
 * no CR or NUL anywhere (a line that starts like another record would
 * forge one in the SIEM), nothing written for a bad document. And the
 * streaming reader must not care where the input is cut: fed in pieces
 * cut at places drawn from the input itself, the result (return code,
 * reason, bytes) must be the one of a single piece. Finally the scanner
 * and the tree parser must accept the same language: with every "Records"
 * renamed (so that no record is built and the scanner alone reads the
 * text), a JSON error must stay the same error at the same byte. With
 * --max-line-bytes at its least (linefit.c), a good document keeps the
 * same promises, its number of lines, and every line longer than the
 * limit is one counted as such.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../capture.h"
#include "flatten.h"
#include "linefit.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT	FLATTEN_FLAT
#endif

#define CUTS	8	/* piece boundaries tried per input */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct sink {
	size_t	lines;
	int	at_start;	/* the next byte starts a line */
	size_t	headlen;	/* bytes of the current line so far, capped */
	size_t	linelen;	/* the whole current line's, so far */
	size_t	limit;		/* lines longer (newline included) are */
	size_t	over;		/* counted here */
};

static const char meta_key[] = "AWSLogs/123456789012/CloudTrail/us-east-1/"
    "2024/01/01/x.json.gz";

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
			s->linelen = 0;
			s->at_start = 0;
		}
		s->linelen++;
		if (buf[i] == '\n') {
			/* A line shorter than the prefix is no record. */
			if (s->headlen < strlen(want))
				abort();
			if (s->linelen > s->limit)
				s->over++;
			s->lines++;
			s->at_start = 1;
			continue;
		}
		if (s->headlen < strlen(want)) {
			if (buf[i] != want[s->headlen])
				abort();
			s->headlen++;
		}
	}
	return 0;
}

/* Convert data with pieces ending at cuts[0..ncuts) (ascending). */
static int
convert(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts,
    struct cap *out, char *err, size_t errlen)
{
	struct flatten_meta	 meta = { .bucket = "bucket", .key = meta_key,
	    .basename = "x.json.gz" };
	struct flatten		*f;
	size_t			 i, at = 0;
	int			 rc;

	out->len = 0;
	if ((f = flatten_new(FUZZ_FORMAT, &meta, cap_write, cap_rewind,
	    out)) == NULL)
		return FLATTEN_ENOMEM;
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : size;

		if (flatten_feed(f, (const char *)data + at, end - at) !=
		    FLATTEN_OK)
			break;
		at = end;
	}
	rc = flatten_end(f, NULL, err, errlen);
	flatten_free(f);
	return rc;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t	x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* A JSON complaint, which does not depend on what the keys are. */
static int
json_error(const char *err)
{
	return strncmp(err, "invalid ", 8) == 0 ||
	    strncmp(err, "nesting ", 8) == 0;
}

/* The document again, lines kept to LINEFIT_MIN bytes: see the top. */
static void
fit_lines(const uint8_t *data, size_t size, size_t nrec)
{
	struct flatten_meta	 meta = { .bucket = "bucket", .key = meta_key,
	    .basename = "x.json.gz" };
	struct sink		 s;
	size_t			 n = 0, shortened = 0, overlong = 0;
	char			 err[256];
	int			 rc;

	memset(&s, 0, sizeof(s));
	s.at_start = 1;
	s.limit = LINEFIT_MIN;
	meta.max_line = LINEFIT_MIN;
	meta.shortened = &shortened;
	meta.overlong = &overlong;
	rc = flatten_document(FUZZ_FORMAT, (const char *)data, size, &meta,
	    sink_write, &s, &n, err, sizeof(err));
	if (rc == FLATTEN_ENOMEM)
		return;
	if (rc != FLATTEN_OK || n != nrec || s.lines != nrec || !s.at_start ||
	    s.over != overlong || overlong > shortened || shortened > nrec)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flatten_meta	 meta = { .bucket = "bucket", .key = meta_key,
	    .basename = "x.json.gz" };
	struct sink		 s;
	struct cap		 one, cut;
	char			 err[256], err1[256], err2[256];
	size_t			 nrec = 0, cuts[CUTS], i, n;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	uint8_t			*ren;
	int			 rc, rc1, rc2, round;

	memset(&s, 0, sizeof(s));
	memset(&one, 0, sizeof(one));
	memset(&cut, 0, sizeof(cut));
	s.at_start = 1;
	s.limit = SIZE_MAX;
	rc = flatten_document(FUZZ_FORMAT, (const char *)data, size, &meta,
	    sink_write, &s, &nrec, err, sizeof(err));
	if (rc == FLATTEN_OK && (s.lines != nrec || !s.at_start))
		abort();
	if (rc == FLATTEN_OK)
		fit_lines(data, size, nrec);
	if (rc != FLATTEN_OK && rc != FLATTEN_EBADDOC && rc != FLATTEN_ENOMEM)
		abort();
	if (rc == FLATTEN_EBADDOC && (s.lines != 0 || err[0] == '\0'))
		abort();	/* a bad document writes nothing */

	/* The same in one piece through the streaming API... */
	rc1 = convert(data, size, NULL, 0, &one, err1, sizeof(err1));
	if (rc1 != rc || (rc == FLATTEN_EBADDOC && strcmp(err, err1) != 0))
		abort();
	/* ... and cut in places drawn from the input (FNV-1a). */
	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	for (round = 0; round < 3 && size > 0; round++) {
		n = round == 0 ? 1 : CUTS;
		for (i = 0; i < n; i++) {
			h = h * 6364136223846793005ULL + 1442695040888963407ULL;
			cuts[i] = (size_t)(h >> 33) % (size + 1);
		}
		qsort(cuts, n, sizeof(cuts[0]), cmp_size);
		rc2 = convert(data, size, cuts, n, &cut, err2, sizeof(err2));
		if (rc2 != rc1 || (rc1 == FLATTEN_EBADDOC &&
		    strcmp(err1, err2) != 0) || (rc1 == FLATTEN_OK &&
		    (cut.len != one.len || (one.len > 0 &&
		    memcmp(cut.p, one.p, one.len) != 0))))
			abort();
	}

	/* Records renamed: the scanner alone must find the same fault. */
	if ((ren = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(ren, data, size);
	for (i = 0; i + 7 <= size; i++)
		if (memcmp(ren + i, "Records", 7) == 0)
			ren[i + 6] = 'z';
	rc2 = convert(ren, size, NULL, 0, &cut, err2, sizeof(err2));
	if (rc1 == FLATTEN_EBADDOC && json_error(err1) &&
	    (rc2 != FLATTEN_EBADDOC || strcmp(err1, err2) != 0))
		abort();
	if (rc2 == FLATTEN_EBADDOC && json_error(err2) &&
	    (rc1 != FLATTEN_EBADDOC || strcmp(err1, err2) != 0))
		abort();
	free(ren);
	free(one.p);
	free(cut.p);
	return 0;
}
