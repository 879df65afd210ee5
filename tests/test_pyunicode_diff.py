# SPDX-License-Identifier: ISC
"""test_pyunicode_diff.py - pyunicode.c against CPython 3.10, every code
point.

tests/pyunicode_cli (next to $GETAWSLOG, default ./getawslog) writes one
byte per code point (U+0000..U+10FFFF): '0' + printable + 2 * digit. The
real CPython 3.10 (tests/realpy.py: pyenv's 3.10.13, or $PYTHON310), the
Python Wazuh 4's module runs on, says what str.isprintable() and re's \\d
make of each; the two must agree on all 1,114,112. Where 3.10 is missing
the comparison is skipped, said so, and the known cases of issue 22 are
still checked. Last line: "N passed, N failed".
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import realpy  # noqa: E402
import runner  # noqa: E402

GETAWSLOG = os.environ.get('GETAWSLOG', os.path.join(TOP, 'getawslog'))
CLI = os.path.join(os.path.dirname(GETAWSLOG), 'tests', 'pyunicode_cli')
CP_END = 0x110000

PY310 = r'''
import re, sys, unicodedata
d = re.compile(r'\d')
sys.stderr.write('Unicode %s\n' % unicodedata.unidata_version)
sys.stdout.write(''.join(chr(48 + chr(c).isprintable() +
                             2 * (d.match(chr(c)) is not None))
                         for c in range(0x110000)))
'''

# Issue 22's examples: unassigned or format characters Python 3.10's
# repr escapes, and digits Python's \d matches. (code point, printable,
# digit)
KNOWN = [(0x378, 0, 0), (0x890, 0, 0), (0x8e2, 0, 0), (0xfffe, 0, 0),
         (0x110bd, 0, 0), (0x41, 1, 0), (0x4e2d, 1, 0), (0x1f600, 1, 0),
         (0x661, 1, 1), (0xff11, 1, 1), (0x1d7ce, 1, 1), (0xb2, 1, 0),
         (0xa0, 0, 0), (0xad, 0, 0), (0x2028, 0, 0), (0xd800, 0, 0),
         (0xe000, 0, 0), (0x35, 1, 1)]

TALLY = runner.Tally()
check = TALLY.check


def describe(flags):
    v = ord(flags) - 48
    return 'printable=%d digit=%d' % (v & 1, v >> 1)


def main():
    if not os.access(CLI, os.X_OK):
        print('no %s (make check-build)' % CLI)
        print('0 passed, 1 failed')
        return 1
    got = subprocess.run([CLI], stdout=subprocess.PIPE).stdout.decode()
    check(len(got) == CP_END, 'one flag per code point', str(len(got)))
    for c, pr, dg in KNOWN:
        want = chr(48 + pr + 2 * dg)
        check(got[c:c + 1] == want, 'U+%04X' % c,
              'got %s want %s' % (describe(got[c:c + 1] or '0'),
                                  describe(want)))
    py = realpy.python310()
    if py is None:
        print('SKIP every code point: no CPython 3.10 (pyenv or $PYTHON310)')
    else:
        p = subprocess.run([py, '-c', PY310], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        want = p.stdout.decode()
        print('comparing with %s (%s)' % (py, p.stderr.decode().strip()))
        check(p.returncode == 0 and len(want) == CP_END, 'python 3.10 ran')
        bad = [c for c in range(min(len(got), len(want)))
               if got[c] != want[c]]
        for c in bad[:10]:
            print('  U+%04X: got %s want %s' % (c, describe(got[c]),
                                               describe(want[c])))
        check(not bad, 'all %d code points' % CP_END, '%d differ' % len(bad))
    return TALLY.done()


if __name__ == '__main__':
    sys.exit(main())
