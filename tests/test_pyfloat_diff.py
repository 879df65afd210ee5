# SPDX-License-Identifier: ISC
"""test_pyfloat_diff.py - pyfloat.c against CPython 2.7.18, on a million
doubles.

Runs tests/pyfloat_cli (next to $GETAWSLOG, default ./getawslog) and the
real CPython 2.7.18 (tests/realpy.py finds it: pyenv, or $PYTHON27) over
the same bit patterns, in batches, and compares repr() and str() byte for
byte: random bit patterns, every decade from 1e-20 to 1e25, integers near
2^53 and in [1e11, 1e15) (str's exponent switch and its dtoa's kept
zero), halves and ties at the 12th digit (str) and the 17th (repr),
powers of two and ten, subnormals and their neighbours. Where 2.7.18 is
missing it says so and compares with a Python 3 model of the rule
(HACKING.md, "Python 2.7's float text") instead. Then the parse of
number lexemes against float(). $PYFLOAT_N sets the count of random bit
patterns (default 400,000, about a million doubles in all; bench/ and CI
nights may set more). Last line: "N passed, N failed".
"""

import math
import os
import random
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import py2model  # noqa: E402
import realpy  # noqa: E402
import runner  # noqa: E402

GETAWSLOG = os.environ.get('GETAWSLOG', os.path.join(TOP, 'getawslog'))
CLI = os.path.join(os.path.dirname(GETAWSLOG), 'tests', 'pyfloat_cli')
N = int(os.environ.get('PYFLOAT_N', '400000'))
BATCH = 250000

R = random.Random(27182818)
TALLY = runner.Tally()
check = TALLY.check

# Python 2.7: one "repr str" line per hex bit pattern.
PY2_FORMAT = r'''
import sys, struct, binascii
w = sys.stdout.write
for line in sys.stdin:
    d = struct.unpack('>d', binascii.unhexlify(line.strip()))[0]
    w('%s %s\n' % (repr(d), str(d)))
'''


def bits_of(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]


def of_bits(b):
    return struct.unpack('<d', struct.pack('<Q', b))[0]


def dec(digits, e):
    """The double nearest digits * 10^e."""
    return bits_of(float('%se%d' % (digits, e)))


def near(b):
    return [b, b - 1, b + 1]


def doubles():
    """Bit patterns: random, then the cases that are easy to get wrong."""
    out = [R.getrandbits(64) for _ in range(N)]
    # Short decimals, as CloudTrail writes them (0.5, 12.75, 0.001).
    for _ in range(N // 8):
        out.append(bits_of(float('%d.%0*d' % (
            R.randrange(10 ** R.randrange(0, 8)), R.randrange(1, 7),
            R.randrange(10 ** 6)))))
    # Every decade from 1e-20 to 1e25: its power, and 1 to 17 digits.
    for e in range(-20, 26):
        out += near(dec('1', e))
        for _ in range(2000):
            nd = R.randrange(1, 18)
            out.append(dec(str(R.randrange(10 ** (nd - 1), 10 ** nd)),
                           e - nd + 1))
    # Ties at the 12th digit (13 digits ending in 5) and at the 17th (18
    # ending in 5), in every decade, and their neighbours.
    for e in range(-20, 26):
        for _ in range(1500):
            t = str(R.randrange(10 ** 11, 10 ** 12)) + '5'
            out += near(dec(t, e - 12))
            t = str(R.randrange(10 ** 16, 10 ** 17)) + '5'
            out += near(dec(t, e - 17))
    # Integers: near 2^53 (the fast path's edge), in [1e11, 1e15) (str's
    # exponent switch; 13 to 15 digits, ties ending in 5, 50, 500 and
    # trailing zeros), random ones below 2^60.
    for c in (2 ** 52, 2 ** 53, 2 ** 54, 10 ** 11, 10 ** 12, 10 ** 15,
              10 ** 16):
        out += [bits_of(float(v)) for v in range(c - 3000, c + 3000)]
    for _ in range(N // 8):
        nd = R.randrange(12, 16)
        v = R.randrange(10 ** (nd - 1), 10 ** nd)
        tail = R.choice(['', '5', '50', '500', '0', '00', '1', '9', '49'])
        v = int(str(v)[:nd - len(tail)] + tail)
        out.append(bits_of(float(R.choice([v, -v]))))
        out.append(bits_of(float(R.randrange(-2 ** 60, 2 ** 60))))
        out.append(bits_of(R.random() * 10 ** R.randrange(-320, 308)))
    for e in range(-1074, 1024):
        b = bits_of(2.0 ** e)
        out += near(b) + [b | 1 << 63]
    for e in range(-324, 309):
        for m in (1, 5, 9, 12345, 99999999999999, 999999999999,
                  9999999999995):
            try:
                out += near(dec(str(m), e))
            except OverflowError:
                continue
    out += list(range(0, 5000))     # the smallest subnormals
    out += [0x7fefffffffffffff, 0x0010000000000000, 0x000fffffffffffff,
            0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
            0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001]
    return [b & (2 ** 64 - 1) for b in out]


def run_lines(argv, inp):
    p = subprocess.run(argv, input=inp, stdout=subprocess.PIPE)
    if p.returncode != 0:
        return None
    return p.stdout.decode().split('\n')[:-1]


def test_format():
    py2 = realpy.python27()
    if py2:
        print('comparing with the real CPython 2.7.18 (%s)' % py2)
    else:
        print('SKIP real interpreter: no CPython 2.7.18 (pyenv or '
              '$PYTHON27); comparing with the model of its rule instead')
    pats = doubles()
    bad_r = bad_s = 0
    for at in range(0, len(pats), BATCH):
        batch = pats[at:at + BATCH]
        inp = ''.join('%016x\n' % b for b in batch).encode()
        got = run_lines([CLI, 'format'], inp)
        check(got is not None and len(got) == len(batch),
              'pyfloat_cli batch at %d' % at)
        if py2:
            want = run_lines([py2, '-c', PY2_FORMAT], inp)
            check(want is not None and len(want) == len(batch),
                  'python 2.7 batch at %d' % at)
        else:
            want = ['%r %s' % (x, py2model.float_str(x))
                    for x in map(of_bits, batch)]
        for b, g, w in zip(batch, got or [], want or []):
            if g == w:
                continue
            gr, gs = g.split(' ')
            wr, ws = w.split(' ')
            if gr != wr:
                bad_r += 1
                if bad_r <= 10:
                    print('  repr %016x: got %s want %s' % (b, gr, wr))
            if gs != ws:
                bad_s += 1
                if bad_s <= 10:
                    print('  str %016x: got %s want %s' % (b, gs, ws))
    check(bad_r == 0, 'repr of %d doubles' % len(pats), '%d differ' % bad_r)
    check(bad_s == 0, 'str of %d doubles' % len(pats), '%d differ' % bad_s)


def test_known():
    """The cases that were wrong, by value: the comparison can fail."""
    cases = [(123456789012.0, '1.23456789012e+11'),
             (150000000000.0, '1.5e+11'), (99999999999.5, '99999999999.5'),
             (4391741834105.0, '4.39174183410e+12'),
             (1000000000005.0, '1.00000000000e+12'),
             (3933536230700000.0, '3.9335362307e+15'),
             (439174183410.5, '4.3917418341e+11'), (1e16, '1e+16'),
             (1e-05, '1e-05'), (0.0001, '0.0001'), (1.0, '1.0')]
    inp = ''.join('%016x\n' % bits_of(x) for x, _ in cases).encode()
    got = run_lines([CLI, 'format'], inp) or []
    for (x, want), g in zip(cases, got):
        check(g.split(' ')[1] == want, 'str(%r)' % x, g)
        m = py2model.float_str(x)
        check(m == want, "model str(%r)" % x, m)
    check(len(got) == len(cases), 'known cases')


def lexemes():
    out = ['0.0', '-0.0', '1.0', '0.1', '1e16', '1E16', '1e-05', '1E+2',
           '1e999', '-1e999', '1e-400', '5e-324', '2.4703282292062328e-324',
           '2.4703282292062327e-324', '1.7976931348623157e308',
           '1.7976931348623159e308', '9007199254740993', '9007199254740993.0',
           '0.30000000000000004', '123456789012345678901234567890.5',
           '0.' + '0' * 80 + '1', '1' + '0' * 70 + '.0', '1e22', '1e23',
           '4.35', '100.0', '-12.5e-3', '0.000123456789012345']
    for _ in range(N // 8):
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
    for _ in range(N // 16):
        out.append(repr(of_bits(R.getrandbits(64) & ~(2047 << 52) |
                                (R.randrange(1, 2046) << 52))))
    return out


def test_parse():
    lex = lexemes()
    lines = run_lines([CLI, 'parse'], ('\n'.join(lex) + '\n').encode())
    check(lines is not None and len(lines) == len(lex), 'parse lines')
    bad = 0
    for s, line in zip(lex, lines or []):
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
    test_known()
    test_format()
    test_parse()
    return TALLY.done()


if __name__ == '__main__':
    sys.exit(main())
