/* SPDX-License-Identifier: ISC */
/*
 * pyunicode.h - the two Unicode properties of Python 3.10 (Unicode
 * 13.0.0, the Python Wazuh 4 embeds) that shape the wazuh format: which
 * code points repr() writes as they are, and which re's \d matches.
 * Tables generated from CPython 3.10 by scripts/gen_pyunicode.py.
 */
#ifndef PYUNICODE_H
#define PYUNICODE_H

#include <stdint.h>

/* 1 when chr(c).isprintable() in Python 3.10 (repr keeps c as is). */
int	 pyunicode_printable(uint32_t c);

/* 1 when re.match(r'\d', chr(c)) in Python 3.10 (a decimal digit). */
int	 pyunicode_digit(uint32_t c);

#endif /* PYUNICODE_H */
