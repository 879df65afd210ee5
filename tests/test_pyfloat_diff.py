# SPDX-License-Identifier: ISC
"""test_pyfloat_diff.py - pyfloat.c against Python, on millions of doubles.

Runs tests/pyfloat_cli (next to $GETAWSLOG, default ./getawslog): repr()
and Python 2.7's str() ('%.12g' plus ".0" when it looks like an int) of
random bit patterns, random short decimals, integers, powers of two and
ten, subnormals and their neighbours; and the parse of number lexemes
against float(). Python 3's repr gives the shortest digits Python 2.7's
did, with the same exponent rules. $PYFLOAT_N sets the count of random
bit patterns (default 2,000,000). Last line: "N passed, N failed".
"""

import os
import random
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
GETAWSLOG = os.environ.get('GETAWSLOG', os.path.join(TOP, 'getawslog'))
CLI = os.path.join(os.path.dirname(GETAWSLOG), 'tests', 'pyfloat_cli')
N = int(os.environ.get('PYFLOAT_N', '2000000'))

R = random.Random(27182818)
passed = failed = 0


def check(ok, what, detail=''):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL %s %s' % (what, detail))


def bits_of(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]


def of_bits(b):
    return struct.unpack('<d', struct.pack('<Q', b))[0]


def py_str(x):
    s = '%.12g' % x
    return s if ('.' in s or 'e' in s or 'n' in s) else s + '.0'


def doubles():
    """Bit patterns: random, then the cases that are easy to get wrong."""
    out = [R.getrandbits(64) for _ in range(N)]
    # Short decimals, as CloudTrail writes them (0.5, 12.75, 0.001).
    for _ in range(N // 4):
        out.append(bits_of(float('%d.%0*d' % (
            R.randrange(10 ** R.randrange(0, 8)), R.randrange(1, 7),
            R.randrange(10 ** 6)))))
    for _ in range(N // 8):
        out.append(bits_of(float(R.randrange(-2 ** 60, 2 ** 60))))
        out.append(bits_of(R.random() * 10 ** R.randrange(-320, 308)))
    for e in range(-1074, 1024):
        x = 2.0 ** e
        b = bits_of(x)
        out += [b, b - 1, b + 1, bits_of(-x)]
    for e in range(-324, 309):
        for m in (1, 5, 9, 12345, 99999999999999):
            try:
                b = bits_of(float('%de%d' % (m, e)))
            except OverflowError:
                continue
            out += [b, b - 1, b + 1]
    for b in range(0, 5000):        # the smallest subnormals
        out.append(b)
    for b in (0x7fefffffffffffff, 0x0010000000000000, 0x000fffffffffffff,
              0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
              0x7ff8000000000000):
        out.append(b)
    # Integers near 2^53 (the fast path's edge) and 1e12 (str's).
    for v in list(range(2 ** 53 - 50, 2 ** 53 + 50)) + \
            list(range(10 ** 12 - 50, 10 ** 12 + 50)) + \
            list(range(10 ** 16 - 50, 10 ** 16 + 50)):
        out.append(bits_of(float(v)))
    return [b & (2 ** 64 - 1) for b in out]


def test_format():
    pats = doubles()
    inp = ''.join('%016x\n' % b for b in pats).encode()
    p = subprocess.run([CLI, 'format'], input=inp, stdout=subprocess.PIPE)
    check(p.returncode == 0, 'format exit', str(p.returncode))
    lines = p.stdout.decode().split('\n')
    check(len(lines) == len(pats) + 1, 'format lines',
          '%d vs %d' % (len(lines) - 1, len(pats)))
    bad_r = bad_s = 0
    for b, line in zip(pats, lines):
        x = of_bits(b)
        r, s = line.split(' ')
        if r != repr(x):
            bad_r += 1
            if bad_r <= 10:
                print('  repr %016x: got %s want %s' % (b, r, repr(x)))
        if s != py_str(x):
            bad_s += 1
            if bad_s <= 10:
                print('  str %016x: got %s want %s' % (b, s, py_str(x)))
    check(bad_r == 0, 'repr of %d doubles' % len(pats), '%d differ' % bad_r)
    check(bad_s == 0, 'str of %d doubles' % len(pats), '%d differ' % bad_s)


def lexemes():
    out = ['0.0', '-0.0', '1.0', '0.1', '1e16', '1E16', '1e-05', '1E+2',
           '1e999', '-1e999', '1e-400', '5e-324', '2.4703282292062328e-324',
           '2.4703282292062327e-324', '1.7976931348623157e308',
           '1.7976931348623159e308', '9007199254740993', '9007199254740993.0',
           '0.30000000000000004', '123456789012345678901234567890.5',
           '0.' + '0' * 80 + '1', '1' + '0' * 70 + '.0', '1e22', '1e23',
           '4.35', '100.0', '-12.5e-3', '0.000123456789012345']
    for _ in range(N // 4):
        digits = str(R.randrange(10 ** R.randrange(1, 20)))
        cut = R.randrange(len(digits) + 1)
        lex = digits[:cut] or '0'
        lex = str(int(lex))
        if cut < len(digits) or R.random() < 0.5:
            lex += '.' + (digits[cut:] or '0')
        if R.random() < 0.4:
            lex += R.choice(['e', 'E']) + R.choice(['', '+', '-']) + \
                str(R.randrange(0, 40 if R.random() < 0.9 else 400))
        out.append(R.choice(['', '-']) + lex)
    for _ in range(N // 8):
        out.append(repr(of_bits(R.getrandbits(64) & ~(2047 << 52) |
                                (R.randrange(1, 2046) << 52))))
    return out


def test_parse():
    lex = lexemes()
    p = subprocess.run([CLI, 'parse'], input=('\n'.join(lex) + '\n').encode(),
                       stdout=subprocess.PIPE)
    check(p.returncode == 0, 'parse exit', str(p.returncode))
    lines = p.stdout.decode().split('\n')
    check(len(lines) == len(lex) + 1, 'parse lines')
    bad = 0
    for s, line in zip(lex, lines):
        want = bits_of(float(s))
        if int(line, 16) != want:
            bad += 1
            if bad <= 10:
                print('  parse %s: got %s want %016x' % (s, line, want))
    check(bad == 0, 'parse of %d lexemes' % len(lex), '%d differ' % bad)


def main():
    if not os.access(CLI, os.X_OK):
        print('no %s (make check-build)' % CLI)
        print('0 passed, 1 failed')
        return 1
    test_format()
    test_parse()
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
