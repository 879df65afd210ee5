/* SPDX-License-Identifier: ISC */
/*
 * unit.h - the smallest test harness: CHECK counts, main ends with
 * UNIT_DONE(), which prints "N passed, N failed" and sets the exit status.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond, ...) do {						\
	if (cond)							\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK_STR(got, want, ...) do {					\
	const char *unit_g = (got), *unit_w = (want);			\
	if (unit_g != NULL && unit_w != NULL && strcmp(unit_g, unit_w) == 0) \
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n  got:  %s\n  want: %s\n",		\
		    unit_g ? unit_g : "(null)", unit_w ? unit_w : "(null)"); \
	}								\
} while (0)

#define UNIT_DONE() do {						\
	printf("%d passed, %d failed\n", unit_passed, unit_failed);	\
	return unit_failed ? 1 : 0;					\
} while (0)

#endif /* UNIT_H */
