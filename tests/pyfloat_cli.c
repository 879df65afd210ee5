/* SPDX-License-Identifier: ISC */
/*
 * pyfloat_cli.c - pyfloat.c as a filter, for tests/test_pyfloat_diff.py.
 *
 *	pyfloat_cli format	lines of 16 hex digits (a double's bits) in,
 *				"REPR STR" lines out
 *	pyfloat_cli parse	lines of number lexemes in, the bits out
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyfloat.h"

#define LINE_MAX_LEN	4096

int
main(int argc, char *argv[])
{
	char	 line[LINE_MAX_LEN], r[PYFLOAT_MAX], s[PYFLOAT_MAX];
	uint64_t bits;
	double	 d;
	size_t	 n;
	int	 fmt;

	if (argc != 2 || (strcmp(argv[1], "format") != 0 &&
	    strcmp(argv[1], "parse") != 0)) {
		fprintf(stderr, "usage: pyfloat_cli format | parse\n");
		return 2;
	}
	fmt = strcmp(argv[1], "format") == 0;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (fmt) {
			bits = strtoull(line, NULL, 16);
			memcpy(&d, &bits, sizeof(d));
			pyfloat_repr(d, r);
			pyfloat_str(d, s);
			printf("%s %s\n", r, s);
		} else {
			if (pyfloat_parse(line, n, &d) == -1) {
				fprintf(stderr, "pyfloat_cli: out of memory\n");
				return 1;
			}
			memcpy(&bits, &d, sizeof(bits));
			printf("%016" PRIx64 "\n", bits);
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
