/* SPDX-License-Identifier: ISC */
/*
 * flatten_cli.c - run the converter on one document, for the tests.
 *
 *	flatten_cli [-f flat|json|wazuh] [-b bucket] [-k key] [-A alias]
 *	    [-m N] [-p N | -a] [file]
 *
 * Reads the document from file (or stdin) and writes the lines to stdout.
 * -p N feeds it in pieces of N bytes. -a also converts it cut at every
 * byte (two pieces), in one-byte pieces and in random pieces, and fails
 * (exit 3, the first difference on stderr) unless each gives what one
 * piece gives: the same lines, or the same reason. A bad document: the
 * reason on stderr, exit 1. Other failures exit 2. -m N: lines of at most
 * N bytes (--max-line-bytes).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "flatten.h"

#define ERR_MAX	256

/* What one conversion made. */
struct result {
	struct cap	 out;
	int		 rc;
	char		 err[ERR_MAX];
};

/*
 * Convert doc in pieces: of step bytes (0: one piece), or, with cut > 0,
 * doc[0..cut) then the rest, or with seed != 0, of random sizes.
 */
static void
convert(int fmt, const struct flatten_meta *meta, const char *doc,
    size_t len, size_t step, size_t cut, unsigned seed, struct result *r)
{
	struct flatten	*f;
	size_t		 at = 0, n;

	r->out.len = 0;
	r->err[0] = '\0';
	if ((f = flatten_new(fmt, meta, cap_write, cap_rewind,
	    &r->out)) == NULL) {
		r->rc = FLATTEN_ENOMEM;
		return;
	}
	while (at < len) {
		if (cut > 0)
			n = at == 0 ? cut : len - at;
		else if (seed != 0)
			n = (size_t)rand_r(&seed) % 4096 + 1;
		else
			n = step ? step : len;
		if (n > len - at)
			n = len - at;
		if (flatten_feed(f, doc + at, n) != FLATTEN_OK)
			break;
		at += n;
	}
	r->rc = flatten_end(f, NULL, r->err, sizeof(r->err));
	flatten_free(f);
}

static int
same(const struct result *a, const struct result *b, const char *how,
    size_t arg)
{
	if (a->rc == b->rc && strcmp(a->err, b->err) == 0 &&
	    (a->rc != FLATTEN_OK || (a->out.len == b->out.len &&
	    (a->out.len == 0 ||
	    memcmp(a->out.p, b->out.p, a->out.len) == 0))))
		return 1;
	fprintf(stderr, "flatten_cli: %s %zu: rc %d \"%s\" (%zu bytes), "
	    "one piece: rc %d \"%s\" (%zu bytes)\n", how, arg, b->rc, b->err,
	    b->out.len, a->rc, a->err, a->out.len);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: flatten_cli [-f flat|json|wazuh] "
	    "[-b bucket] [-k key] [-A alias] [-m N] [-p N | -a] [file]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct flatten_meta meta = { .bucket = "bucket", .key = "",
	    .basename = "" };
	struct result	 one, other;
	FILE	*f = stdin;
	char	*doc = NULL, *np;
	const char *slash;
	size_t	 len = 0, cap = 0, n, step = 0, c;
	int	 ch, fmt = FLATTEN_FLAT, rc = 2, all = 0;
	unsigned seed;

	memset(&one, 0, sizeof(one));
	memset(&other, 0, sizeof(other));
	while ((ch = getopt(argc, argv, "aA:f:b:k:m:p:")) != -1) {
		switch (ch) {
		case 'A':
			meta.account_alias = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'f':
			if ((fmt = flatten_format_parse(optarg)) == -1)
				usage();
			break;
		case 'b':
			meta.bucket = optarg;
			break;
		case 'k':
			meta.key = optarg;
			break;
		case 'p':
			if ((step = strtoul(optarg, NULL, 10)) == 0)
				usage();
			break;
		case 'm':
			if ((meta.max_line = strtoul(optarg, NULL, 10)) == 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (all && step))
		usage();
	slash = strrchr(meta.key, '/');
	meta.basename = slash ? slash + 1 : meta.key;
	if (argc == 1 && (f = fopen(argv[0], "rb")) == NULL) {
		perror(argv[0]);
		goto done;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((np = realloc(doc, cap)) == NULL) {
				perror("realloc");
				goto done;
			}
			doc = np;
		}
		if ((n = fread(doc + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		perror("read");
		goto done;
	}
	convert(fmt, &meta, doc, len, step, 0, 0, &one);
	if (all) {
		rc = 3;
		for (c = 1; c < len; c++) {
			convert(fmt, &meta, doc, len, 0, c, 0, &other);
			if (!same(&one, &other, "cut at", c))
				goto done;
		}
		convert(fmt, &meta, doc, len, 1, 0, 0, &other);
		if (!same(&one, &other, "pieces of", 1))
			goto done;
		for (seed = 1; seed <= 3; seed++) {
			convert(fmt, &meta, doc, len, 0, 0, seed, &other);
			if (!same(&one, &other, "random pieces, seed", seed))
				goto done;
		}
	}
	rc = 2;
	switch (one.rc) {
	case FLATTEN_OK:
		if ((one.out.len > 0 && fwrite(one.out.p, 1, one.out.len,
		    stdout) != one.out.len) ||
		    fflush(stdout) != 0) {
			perror("stdout");
			break;
		}
		rc = 0;
		break;
	case FLATTEN_EBADDOC:
		fprintf(stderr, "flatten_cli: %s\n", one.err);
		rc = 1;
		break;
	default:
		fprintf(stderr, "flatten_cli: conversion failed\n");
		break;
	}
 done:
	if (f != NULL && f != stdin)
		fclose(f);
	free(doc);
	cap_reset(&one.out);
	cap_reset(&other.out);
	return rc;
}
