/* SPDX-License-Identifier: ISC */
/*
 * pyunicode.c - Python 3.10's isprintable() and \d over the generated
 * range tables (see pyunicode.h).
 */

#include <stddef.h>
#include <stdint.h>

#include "pyunicode.h"
#include "pyunicode_tab.h"

/* 1 when c lies in one of the n sorted ranges r. */
static int
in_ranges(const uint32_t (*r)[2], size_t n, uint32_t c)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < r[mid][0])
			hi = mid;
		else if (c > r[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int
pyunicode_printable(uint32_t c)
{
	/* ASCII, most of every record: printable from ' ' to '~'. */
	if (c < 0x80)
		return c >= 0x20 && c < 0x7f;
	return !in_ranges(unprintable,
	    sizeof(unprintable) / sizeof(unprintable[0]), c);
}

int
pyunicode_digit(uint32_t c)
{
	if (c < 0x80)
		return c >= '0' && c <= '9';
	return in_ranges(decimal, sizeof(decimal) / sizeof(decimal[0]), c);
}
