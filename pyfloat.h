/* SPDX-License-Identifier: ISC */
/*
 * pyfloat.h - floats as Python writes and reads them: repr() (the shortest
 * digits that read back, alike in Python 2.7 and 3), Python 2.7's str()
 * (12 digits, with its own exponent switch and kept zeros: HACKING.md,
 * "Python 2.7's float text"), and the double a JSON
 * number's text stands for (strtod's correctly rounded value).
 *
 * No locale, no printf in the common cases: integral values take a fast
 * path, the others a Ryu-style shortest-digits search (Ulf Adams, PLDI
 * 2018) over tables of powers of five computed at the first use.
 */
#ifndef PYFLOAT_H
#define PYFLOAT_H

#include <stddef.h>

#define PYFLOAT_MAX	32	/* room for either text, with its NUL */

/* Python's repr(d) into buf, NUL-terminated; returns its length. */
size_t	 pyfloat_repr(double d, char buf[PYFLOAT_MAX]);

/*
 * Python 2.7's str(d) into buf, NUL-terminated, byte for byte as
 * CPython 2.7.18 writes it; returns its length.
 */
size_t	 pyfloat_str(double d, char buf[PYFLOAT_MAX]);

/*
 * The double of a JSON number lexeme s[0..len) (need not be terminated)
 * into *out, as strtod rounds it: overflow gives an infinity, underflow
 * zero. 0, or -1 when out of memory (a lexeme of 64 bytes or more).
 */
int	 pyfloat_parse(const char *s, size_t len, double *out);

#endif /* PYFLOAT_H */
