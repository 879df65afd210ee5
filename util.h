/* SPDX-License-Identifier: ISC */
/*
 * util.h - small helpers more than one room needs: the monotonic clock,
 * range-checked numbers, hex digits.
 */
#ifndef GETAWSLOG_UTIL_H
#define GETAWSLOG_UTIL_H

/* Milliseconds on the monotonic clock. */
long long	 util_mono_ms(void);

/*
 * A whole decimal number from lo to hi, all of s (no sign games, no blanks,
 * no trailing text): 0 with *out set, or -1.
 */
int		 util_parse_long(const char *s, long lo, long hi, long *out);

/* The value of hex digit c (either case), or -1. */
int		 util_hexval(int c);

#endif /* GETAWSLOG_UTIL_H */
