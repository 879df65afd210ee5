#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Nesting as deep as Python's json reads (issue 22): pyjson.h's
PJ_MAX_DEPTH, 1000 levels, on the parser's own stack.

Runs tests/flatten_cli (next to $GETAWSLOG, default ./getawslog) on a
record nested 900 deep and compares it with the real interpreters where
this machine has them (tests/realpy.py finds them: CPython 2.7.18, the
script's, for the flat line; CPython 3.10, the Wazuh module's, reading the
json and wazuh lines back): skipped, and said so, where they are missing.
A document one level past the limit fails whole in every format, with its
reason; CPython refuses it too (its recursion limit is 1000, so it stops a
few levels earlier: about 994 here, wherever json.loads is called from).
Last line: "N passed, N failed".
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import realpy  # noqa: E402
import runner  # noqa: E402

GETAWSLOG = os.environ.get('GETAWSLOG', os.path.join(TOP, 'getawslog'))
CLI = os.path.join(os.path.dirname(GETAWSLOG), 'tests', 'flatten_cli')
MAX_DEPTH = 1000    # pyjson.h's PJ_MAX_DEPTH

TALLY = runner.Tally()
check = TALLY.check


def nested(n):
    """n containers, objects and arrays in turn, around a string with both
    quotes and a non-ASCII letter (repr's escapes at the bottom)."""
    head = ''.join('{"k%d":' % i if i % 2 == 0 else '[' for i in range(n))
    tail = ''.join('}' if i % 2 == 0 else ']' for i in reversed(range(n)))
    return head + '"it\'s \\"x\\" \\u00e9"' + tail


def document(n):
    """A record holding n containers: the document is n + 3 deep."""
    return ('{"Records":[{"eventName":"Deep","sourceIPAddress":"10.1.2.3",'
            '"a":%s}]}' % nested(n)).encode()


def cli(fmt, data):
    return subprocess.run([CLI, '-f', fmt, '-b', 'bkt', '-k',
                           'AWSLogs/111122223333/CloudTrail/x.json.gz'],
                          input=data, capture_output=True)


# The flat line as getawslog.py wrote it (python2-output.md section 3),
# by the real interpreter.
PY2_FLAT = r'''
import json, sys
doc = json.loads(sys.stdin.read())
for r in doc["Records"]:
    parts = []
    for k, v in r.items():
        if not isinstance(v, unicode):
            v = str(v)
        parts.append(u'"%s":"%s"' % (k, v))
    sys.stdout.write((u'"AmazonAWS":' + u','.join(parts) + u'\n')
                     .encode('utf-8'))
'''

PY_REFUSES = r'''
import json, sys
try:
    json.loads(sys.stdin.read())
except RuntimeError:
    sys.exit(3)
'''


def main():
    if not os.access(CLI, os.X_OK):
        print('no %s (make tests/flatten_cli)' % CLI)
        print('0 passed, 1 failed')
        return 1
    py2, py3 = realpy.python27(), realpy.python310()
    deep = document(900)
    out = {}
    for fmt in ('flat', 'json', 'wazuh'):
        p = cli(fmt, deep)
        out[fmt] = p.stdout
        check(p.returncode == 0 and p.stdout.count(b'\n') == 1,
              '900 deep, %s' % fmt, p.stderr.decode(errors='replace'))

    # Our own reading of the json line: the nesting survives whole.
    want = json.loads(deep)['Records'][0]['a']
    got = json.loads(out['json'])['aws']['a']
    check(got == want, '900 deep, json: the value read back')

    if py2:
        p = subprocess.run([py2, '-c', PY2_FLAT], input=deep,
                           capture_output=True)
        check(p.returncode == 0 and p.stdout == out['flat'],
              '900 deep, flat: CPython 2.7.18', p.stderr[-300:])
    else:
        print('skipped: no CPython 2.7.18 (pyenv or $PYTHON27): flat line '
              'not compared')
    if py3:
        for fmt in ('json', 'wazuh'):
            p = subprocess.run(
                [py3, '-c', 'import json,sys; d = json.loads(sys.stdin.read())'
                 '; sys.stdout.write(json.dumps(d["aws"]["eventName"]))'],
                input=out[fmt], capture_output=True)
            check(p.returncode == 0 and p.stdout == b'"Deep"',
                  '900 deep, %s: CPython 3.10 reads the line' % fmt,
                  p.stderr[-300:])
    else:
        print('skipped: no CPython 3.10 (pyenv or $PYTHON310): lines not '
              'read back')

    # At the limit, and one past it.
    at = document(MAX_DEPTH - 3)
    over = document(MAX_DEPTH - 2)
    for fmt in ('flat', 'json', 'wazuh'):
        p = cli(fmt, at)
        check(p.returncode == 0, '%d deep, %s' % (MAX_DEPTH, fmt),
              p.stderr.decode(errors='replace'))
        p = cli(fmt, over)
        check(p.returncode == 1 and p.stdout == b'' and
              b'nesting deeper than %d' % MAX_DEPTH in p.stderr,
              '%d deep, %s: refused whole' % (MAX_DEPTH + 1, fmt),
              '%d %r' % (p.returncode, p.stderr))
    for py, name in ((py2, '2.7.18'), (py3, '3.10.13')):
        if py is None:
            continue
        p = subprocess.run([py, '-c', PY_REFUSES], input=over,
                           capture_output=True)
        check(p.returncode in (1, 3), '%d deep: CPython %s refuses it too'
              % (MAX_DEPTH + 1, name), p.returncode)

    return TALLY.done()


if __name__ == '__main__':
    sys.exit(main())
