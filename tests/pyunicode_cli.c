/* SPDX-License-Identifier: ISC */
/*
 * pyunicode_cli.c - pyunicode.c for every code point, for
 * tests/test_pyunicode_diff.py: one byte per code point from U+0000 to
 * U+10FFFF, '0' + (printable) + 2 * (digit).
 */
#include <stdint.h>
#include <stdio.h>

#include "pyunicode.h"

#define CP_END	0x110000

int
main(void)
{
	uint32_t c;

	for (c = 0; c < CP_END; c++)
		putchar('0' + pyunicode_printable(c) + 2 * pyunicode_digit(c));
	return fflush(stdout) == 0 ? 0 : 1;
}
