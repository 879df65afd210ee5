/* SPDX-License-Identifier: ISC */
/*
 * util.h - small helpers more than one room needs: the monotonic clock,
 * range-checked numbers, the environment, hex digits, freeing secrets,
 * whole writes, growing arrays, UTC times.
 */
#ifndef GETAWSLOG_UTIL_H
#define GETAWSLOG_UTIL_H

#include <stddef.h>

/* Milliseconds, microseconds on the monotonic clock. */
long long	 util_mono_ms(void);
long long	 util_mono_us(void);

/*
 * Milliseconds on the same clock as util_mono_ms, as of its last tick (a
 * few ms behind): a seventh of the cost, for a check made very often
 * against a long interval.
 */
long long	 util_mono_coarse_ms(void);

/*
 * A whole decimal number from lo to hi, all of s (no sign games, no blanks,
 * no trailing text): 0 with *out set, or -1.
 */
int		 util_parse_long(const char *s, long lo, long hi, long *out);
int		 util_parse_llong(const char *s, long long lo, long long hi,
		    long long *out);

/* The variable's value, or NULL when it is unset or empty (botocore's view). */
const char	*util_env(const char *name);

/*
 * Seconds since the epoch of a UTC date and time from 1970 on, checked
 * (no 31st of June, no 29th of February outside leap years, no hour 24):
 * 1 with *t set, or 0. What timegm(3) gives, without its time zone work.
 */
int		 util_utc(int y, int mo, int d, int h, int mi, int s,
		    long long *t);

/*
 * An HTTP date in IMF-fixdate form (RFC 9110: "Sun, 06 Nov 1994 08:49:37
 * GMT", S3's Date header; names in any case) as seconds since the epoch:
 * 1 with *t set, or 0 for any other text.
 */
int		 util_imfdate(const char *s, long long *t);

/* The value of a hex digit (either case), or -1. */
int		 util_hexval(int c);

/* write(2) all of p, again after EINTR: 0, or -1 with errno set. */
int		 util_write_all(int fd, const void *p, size_t len);

/* Wipe a string that may hold a secret, then free it; NULL is fine. */
void		 util_free_secret(char *s);

/*
 * Room for need items of size bytes in *p, whose capacity is *cap items:
 * the capacity doubled from 64 until it fits. 0, or -1 (*p unchanged).
 */
int		 util_grow(void **p, size_t *cap, size_t need, size_t size);

#endif /* GETAWSLOG_UTIL_H */
