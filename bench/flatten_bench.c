/* SPDX-License-Identifier: ISC */
/*
 * flatten_bench.c - time the converter on documents read from files.
 *
 *	flatten_bench [-c] [-f flat|json|wazuh] [-n rounds] [-p bytes] file ...
 *
 * Every file is read into memory first, so only the conversion is
 * measured. The lines are not written anywhere; with -c a checksum of
 * them is printed, so two builds can be compared for identical output
 * (without it the checksum's own cost stays out of the timing). Documents
 * are fed in pieces of -p bytes (default 256 KiB, what getawslog inflates
 * at a time; 0: flatten_document, whole, through a memory spool).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flatten.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

struct sink {
	uint64_t	 hash;
	size_t		 bytes;
	int		 sum;
};

/* FNV-1a over every byte: cheap next to the conversion, and order-aware. */
static int
sink_write(void *arg, const char *buf, size_t len)
{
	struct sink *s = arg;
	size_t	 i;

	for (i = 0; s->sum && i < len; i++)
		s->hash = (s->hash ^ (unsigned char)buf[i]) * FNV_PRIME;
	s->bytes += len;
	return 0;
}

static int
sink_rewind(void *arg)
{
	(void)arg;
	return 0;
}

/* One document in pieces of step bytes through the streaming API. */
static int
convert(int fmt, const struct flatten_meta *meta, const char *doc,
    size_t len, size_t step, struct sink *s, size_t *nrec, char *err,
    size_t errlen)
{
	struct flatten	*f;
	size_t		 at, n;
	int		 rc;

	if ((f = flatten_new(fmt, meta, sink_write, sink_rewind, s)) == NULL)
		return FLATTEN_ENOMEM;
	for (at = 0; at < len; at += n) {
		n = len - at < step ? len - at : step;
		if (flatten_feed(f, doc + at, n) != FLATTEN_OK)
			break;
	}
	rc = flatten_end(f, nrec, err, errlen);
	flatten_free(f);
	return rc;
}

static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*p = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		goto done;
	if ((p = malloc((size_t)n + 1)) == NULL)
		goto done;
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
		goto done;
	}
	*lenp = (size_t)n;
 done:
	fclose(f);
	return p;
}

static void
usage(void)
{
	fprintf(stderr, "usage: flatten_bench [-c] [-f flat|json|wazuh] "
	    "[-n rounds] [-p bytes] file ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct flatten_meta meta = { .bucket = "bucket",
	    .key = "AWSLogs/123456789012/x.json", .basename = "x.json" };
	struct sink s = { FNV_OFFSET, 0, 0 };
	struct timespec t0, t1;
	char	**docs, err[256];
	size_t	*lens, nrec, total = 0, step = 256 * 1024;
	int	 ch, fmt = FLATTEN_FLAT, rounds = 1, r, i, rc;

	while ((ch = getopt(argc, argv, "cf:n:p:")) != -1) {
		switch (ch) {
		case 'c':
			s.sum = 1;
			break;
		case 'f':
			if ((fmt = flatten_format_parse(optarg)) == -1)
				usage();
			break;
		case 'n':
			if ((rounds = atoi(optarg)) < 1)
				usage();
			break;
		case 'p':
			step = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	docs = calloc(argc, sizeof(*docs));
	lens = calloc(argc, sizeof(*lens));
	if (docs == NULL || lens == NULL) {
		perror("calloc");
		return 2;
	}
	for (i = 0; i < argc; i++) {
		if ((docs[i] = slurp(argv[i], &lens[i])) == NULL) {
			perror(argv[i]);
			return 2;
		}
		total += lens[i];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < argc; i++) {
			rc = step == 0 ? flatten_document(fmt, docs[i],
			    lens[i], &meta, sink_write, &s, &nrec, err,
			    sizeof(err)) : convert(fmt, &meta, docs[i], lens[i],
			    step, &s, &nrec, err, sizeof(err));
			if (rc != FLATTEN_OK) {
				fprintf(stderr, "%s: rc %d: %s\n", argv[i], rc,
				    err);
				return 1;
			}
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%zu bytes in x%d: %.3f s, output %zu bytes, fnv %016llx\n",
	    total, rounds, (double)(t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9, s.bytes,
	    (unsigned long long)s.hash);
	for (i = 0; i < argc; i++)
		free(docs[i]);
	free(docs);
	free(lens);
	return 0;
}
