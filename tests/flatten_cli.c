/* SPDX-License-Identifier: ISC */
/*
 * flatten_cli.c - run flatten_document on one document, for the tests.
 *
 *	flatten_cli [-f flat|json|wazuh] [-b bucket] [-k key] [file]
 *
 * Reads the document from file (or stdin) and writes the lines to stdout.
 * A bad document: the reason on stderr, exit 1. Other failures exit 2.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flatten.h"

static int
out(void *arg, const char *buf, size_t len)
{
	(void)arg;
	if (fwrite(buf, 1, len, stdout) != len) {
		perror("stdout");
		return -1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: flatten_cli [-f flat|json|wazuh] "
	    "[-b bucket] [-k key] [file]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct flatten_meta meta = { "bucket", "", "" };
	FILE	*f = stdin;
	char	*doc = NULL, *np, err[256];
	const char *slash;
	size_t	 len = 0, cap = 0, n, nrec;
	int	 ch, fmt = FLATTEN_FLAT, rc = 2;

	while ((ch = getopt(argc, argv, "f:b:k:")) != -1) {
		switch (ch) {
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
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
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
	switch (flatten_document(fmt, doc, len, &meta, out, NULL, &nrec,
	    err, sizeof(err))) {
	case FLATTEN_OK:
		rc = fflush(stdout) == 0 ? 0 : 2;
		break;
	case FLATTEN_EBADDOC:
		fprintf(stderr, "flatten_cli: %s\n", err);
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
	return rc;
}
