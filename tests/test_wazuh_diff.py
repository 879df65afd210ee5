# SPDX-License-Identifier: ISC
"""test_wazuh_diff.py - --format wazuh against a model of Wazuh's aws-s3
module, byte for byte.

tests/wazuh_model.py states what the module (v4.14.7) does to each
CloudTrail record; it runs on the real CPython 3.10 (tests/realpy.py:
pyenv's 3.10.13, or $PYTHON310), the Python Wazuh 4 embeds, so repr()'s
escapes (str.isprintable, Unicode 13.0) and re's \\d are that Python's
own. Each document goes through tests/flatten_cli -f wazuh (whole and in
pieces) and must give the model's lines byte for byte: generated records
rich in code points (unassigned, format, private use, astral, digits of
every script), sourceIPAddress in every shape, non-dict
requestParameters, responseElements and additionalEventData, an account
alias; and hand-made records for each case of issue 22. Where 3.10 is
missing, the model runs on this Python instead, said so, with the code
points whose properties differ between its Unicode and 13.0 left out.
Last line: "N passed, N failed".
"""

import glob
import gzip
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import realpy  # noqa: E402
import runner  # noqa: E402
import test_flatten_diff as tfd  # noqa: E402

GETAWSLOG = os.environ.get('GETAWSLOG', os.path.join(TOP, 'getawslog'))
BIN = os.path.dirname(GETAWSLOG)
CLI = os.path.join(BIN, 'tests', 'flatten_cli')
UNI = os.path.join(BIN, 'tests', 'pyunicode_cli')
MODEL = os.path.join(HERE, 'wazuh_model.py')
BUCKET = 'trail-bucket'
ACCOUNT = '111122223333'
KEY = ('AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2024/01/02/'
       '111122223333_CloudTrail_eu-west-1_20240102T0000Z_abc.json.gz')

R = random.Random(4147)
TALLY = runner.Tally()
check = TALLY.check

# Code points issue 22 names, and others of each kind: unassigned in
# Unicode 13 (some assigned later), format characters, separators,
# private use, noncharacters, surrogates, tags, digits of other scripts.
SPECIAL = [0x378, 0x890, 0x8e2, 0xfffe, 0x110bd, 0x110cd, 0x61c, 0x200b,
           0x200e, 0x2028, 0x2029, 0x2060, 0xfeff, 0xad, 0xa0, 0x85, 0x1680,
           0x3000, 0xe000, 0xf8ff, 0xf0000, 0x10fffd, 0xe0001, 0xe0020,
           0x1f600, 0x1f9ff, 0x1fa70, 0x1fad7, 0x30000, 0x3134a, 0x2fffe,
           0x16fe4, 0x1e94b, 0x661, 0x6f9, 0x7c0, 0x966, 0xbef, 0xe50,
           0xff10, 0xff19, 0x104a0, 0x1d7ce, 0x1d7ff, 0x1e950, 0x1fbf0,
           0x11d50, 0x16a60, 0x0b2, 0x2460, 0x1369, 0xbc4, 0x4e2d, 0xac00]
DIGITS = [0x30, 0x661, 0x6f4, 0x7c3, 0x967, 0x9e8, 0xa6a, 0xbe7, 0xe52,
          0xff13, 0x104a4, 0x1d7d2, 0x1e952, 0x1fbf5, 0x11d52, 0x2462,
          0xb2, 0x1369]


def pool(agree):
    """Code points for generated strings (those in agree only)."""
    cps = SPECIAL + DIGITS + [R.randrange(0x80, 0x800) for _ in range(60)] + \
        [R.randrange(0x800, 0x10000) for _ in range(200)] + \
        [R.randrange(0x10000, 0x110000) for _ in range(200)]
    return [chr(c) for c in cps
            if agree(c) and not 0xd800 <= c <= 0xdfff]


def rtext(chars, n=None):
    n = R.choice([1, 2, 5, 12]) if n is None else n
    return ''.join(R.choice(chars) if R.random() < 0.6 else
                   R.choice('ab\'"\\ \t\n.1') for _ in range(n))


def rip(chars):
    digs = [chr(c) for c in DIGITS] + list('0123456789')

    def num():
        return ''.join(R.choice(digs) for _ in range(R.randrange(1, 4)))
    r = R.random()
    if r < 0.5:
        seps = [R.choice(['.', '.', 'x', '\n', '', chr(0x661)])
                for _ in range(3)]
        s = num() + seps[0] + num() + seps[1] + num() + seps[2] + num()
        return s + R.choice(['', '', 'z', rtext(chars, 2)])
    if r < 0.7:
        return rtext(chars)
    if r < 0.8:
        return '1.' + '2' * R.randrange(1, 300)
    return tfd.Raw(R.choice(['7', '1.5', '{"a": "1.2.3.4"}',
                             '["1.2.3.4"]', '["1.2.3.4", "5"]', 'null']))


def rloose(chars, depth=0):
    """A value for requestParameters and its kin: often not a dict."""
    r = R.random()
    if r < 0.25:
        return rtext(chars)
    if r < 0.35:
        return tfd.Raw(R.choice(['12', '-0', '1.5', '1e300', 'true',
                                 'false', '123456789012345678901234567890',
                                 '1e16', '0.1', 'NaN', '-Infinity']))
    if r < 0.75 and depth < 3:
        return [rloose(chars, depth + 1) for _ in range(R.choice([0, 1, 2,
                                                                  3]))]
    if depth < 3:
        return tfd.Pairs((rtext(chars, 3), rloose(chars, depth + 1))
                         for _ in range(R.choice([0, 1, 2])))
    return rtext(chars)


def rrecord(chars):
    rec = list(tfd.rrecord())
    rec.append(('sourceIPAddress', rip(chars)))
    for f in ('requestParameters', 'responseElements',
              'additionalEventData'):
        if R.random() < 0.8:
            rec.append((f, rloose(chars)))
    rec.append((rtext(chars, 3), rtext(chars)))
    R.shuffle(rec)
    seen, out = set(), []
    for k, v in rec:    # the last of a repeated key wins, in its first slot
        if k not in seen:
            seen.add(k)
            out.append((k, dict(rec)[k]))
    return tfd.Pairs(out)


def rdoc(chars, n):
    return ('{"Records": [' + ',\n'.join(tfd.enc(rrecord(chars))
                                         for _ in range(n)) +
            ']}').encode('utf-8', 'surrogatepass')


HAND = [
    # Issue 22's code points inside a non-dict requestParameters.
    '{"requestParameters": ["\\u0378\\u0890\\u08e2\\ufffe", '
    '"\\ud804\\udcbd"]}',
    '{"requestParameters": ["a", "\\u0378"], "responseElements": '
    '"\\u0890", "additionalEventData": [{"k": "\\u08e2\'\\""}, 1.5]}',
    '{"responseElements": ["\\u200b\\u2028\\u00ad\\ue000\\udb80\\udc00", '
    '{"\\u0661": "\\ud83d\\ude00"}]}',
    # Unicode digits in sourceIPAddress.
    '{"sourceIPAddress": "\\u0661.\\u0662.\\u0663.\\u0664"}',
    '{"sourceIPAddress": "\\uff11.\\uff12x\\uff13y\\uff14"}',
    '{"sourceIPAddress": "\\ud835\\udfce.0.0.1"}',
    '{"sourceIPAddress": "\\u00b2.3.4.5"}',
    '{"sourceIPAddress": "1.2.3\\n4"}',
    '{"sourceIPAddress": "1.2\\n3.4"}',
    '{"sourceIPAddress": "1.22"}',
    '{"sourceIPAddress": "1.223"}',
    '{"sourceIPAddress": "1.2234"}',
    '{"sourceIPAddress": "signin.amazonaws.com"}',
    '{"sourceIPAddress": ["10.0.0.1"]}',
    # Non-finite numbers: strings, on purpose.
    '{"requestParameters": [NaN, Infinity], "x": -Infinity}',
]


def corpus():
    """Real records: the shared corpus's events in one document, and its
    log file (or their copies in tests/data)."""
    events = sorted(glob.glob(os.path.join(tfd.SHARED, 'corpus', 'events',
                                           '*.json')))
    logs = sorted(glob.glob(os.path.join(tfd.SHARED, 'corpus', 'logfiles',
                                         '*.json.gz')))
    if not events:
        events = sorted(glob.glob(os.path.join(tfd.DATA, 'events',
                                               '*.json')))
        logs = sorted(glob.glob(os.path.join(tfd.DATA, '*.json.gz')))
    recs = []
    for path in events:
        with open(path, 'rb') as f:
            recs.append(f.read().strip())
    out = [('corpus events (%d)' % len(recs),
            b'{"Records": [' + b',\n'.join(recs) + b']}', None)]
    for path in logs:
        with gzip.open(path, 'rb') as f:
            out.append((os.path.basename(path), f.read(), None))
    check(len(recs) > 0, 'corpus events found')
    return out


def model(py, jobs):
    p = subprocess.run([py, MODEL], input=json.dumps(jobs).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        print(p.stderr.decode(errors='replace'))
        return None
    return json.loads(p.stdout)


def ours(doc, alias, extra=()):
    argv = [CLI, '-f', 'wazuh', '-b', BUCKET, '-k', KEY] + \
        (['-A', alias] if alias is not None else []) + list(extra)
    p = subprocess.run(argv, input=doc, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode(errors='replace')


def compare(py, named):
    """named: [(name, doc bytes, alias or None)]."""
    jobs = [{'doc': d.decode('latin-1'), 'bucket': BUCKET, 'key': KEY,
             'alias': a or '', 'account': ACCOUNT} for _, d, a in named]
    want = model(py, jobs)
    check(want is not None and len(want) == len(jobs), 'model ran')
    notes = set()
    for (name, doc, alias), w in zip(named, want or []):
        ways = [()] + ([('-p', '7')] if len(doc) < 20000 else [])
        for extra in ways:
            rc, got, err = ours(doc, alias, extra)
            what = '%s %s' % (name, ' '.join(extra))
            if 'error' in w:
                check(rc == 1 and got == b'', what + ' refused',
                      'model: %s; rc %d' % (w['error'], rc))
                continue
            exp = ''.join(line + '\n' for line in w['lines']).encode()
            check(rc == 0 and got == exp, what,
                  err + tfd.first_diff(got, exp))
        notes.update(w.get('notes', []))
    return notes


def main():
    for path in (CLI, UNI):
        if not os.access(path, os.X_OK):
            print('no %s (make check-build)' % path)
            print('0 passed, 1 failed')
            return 1
    py = realpy.python310()
    flags = subprocess.run([UNI], stdout=subprocess.PIPE).stdout.decode()
    if py:
        print('model on the real CPython 3.10 (%s)' % py)

        def agree(c):
            return True
    else:
        py = sys.executable
        print('SKIP CPython 3.10: no pyenv 3.10.13 or $PYTHON310; the model '
              'runs on %s, code points whose Unicode properties differ from '
              '13.0 left out' % sys.version.split()[0])
        import re

        def agree(c):
            ch = chr(c)
            mine = 48 + ch.isprintable() + 2 * bool(re.match(r'\d', ch))
            return ord(flags[c]) == mine
    chars = pool(agree)
    named = [('hand %d' % i, ('{"Records": [%s]}' % h).encode(), None)
             for i, h in enumerate(HAND)]
    named.append(('alias', b'{"Records": [{"a": 1}, {"b": [2]}]}',
                  'prod "main" \u00e9'))
    named.append(('alias empty', b'{"Records": [{"a": 1}]}', ''))
    for i in range(40):
        named.append(('generated %d' % i, rdoc(chars, 25),
                      R.choice([None, 'acct-alias', rtext(chars, 4)])))
    named += corpus()
    notes = compare(py, named)
    # The differences on purpose were exercised (and matched the model's
    # statement of them).
    for n in ('non-finite number written as a string',
              'sourceIPAddress not a string: the module stops'):
        check(n in notes, 'exercised: ' + n)
    # The comparison can fail: another alias is another line.
    rc, got, _ = ours(b'{"Records": [{"a": 1}]}', 'x')
    check(rc == 0 and b'"aws_account_alias": "x"' in got, 'alias written')
    rc, got2, _ = ours(b'{"Records": [{"a": 1}]}', None)
    check(got != got2, 'sanity: alias differs')
    return TALLY.done()


if __name__ == '__main__':
    sys.exit(main())
