# SPDX-License-Identifier: ISC
"""test_flatten_diff.py - flatten.c against py2model.py, byte for byte.

Runs tests/flatten_cli (next to $GETAWSLOG, default ./getawslog) over
thousands of generated records (fixed seed) and over ../shared/corpus
($SHARED), in the flat and json formats comparing bytes with what the
real CPython 2.7.18 makes of them running the script's code
(tests/py2ref.py; the model, tests/py2model.py, where 2.7.18 is missing:
the output says which), and in the wazuh format comparing bytes with
json.dumps of tests/wazuh_model.py's events on this Python
(test_wazuh_diff.py runs the model on CPython 3.10, the module's). Last line: "N passed,
N failed"; exit status 1 on any failure.
"""

import glob
import gzip
import json
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import py2model  # noqa: E402
import py2ref  # noqa: E402
import runner  # noqa: E402

GETAWSLOG = os.environ.get('GETAWSLOG', os.path.join(TOP, 'getawslog'))
CLI = os.path.join(os.path.dirname(GETAWSLOG), 'tests', 'flatten_cli')
SHARED = os.environ.get('SHARED') or os.path.join(TOP, '..', 'shared')
DATA = os.path.join(HERE, 'data')
BUCKET = 'trail-bucket'
KEY = ('AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2024/01/02/'
       '111122223333_CloudTrail_eu-west-1_20240102T0000Z_abc.json.gz')

TALLY = runner.Tally()
check = TALLY.check


def run(fmt, data, key=KEY, extra=()):
    p = subprocess.run([CLI, '-f', fmt, '-b', BUCKET, '-k', key] +
                       list(extra), input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


def first_diff(got, want):
    g, w = got.split(b'\n'), want.split(b'\n')
    for i, (a, b) in enumerate(zip(g, w)):
        if a != b:
            at = next((j for j in range(min(len(a), len(b)))
                       if a[j] != b[j]), min(len(a), len(b)))
            at = max(0, at - 200)
            return 'line %d, from byte %d\n  got:  %r\n  want: %r' % (
                i + 1, at, a[at:at + 400], b[at:at + 400])
    return 'line count %d vs %d' % (len(g), len(w))


def pairs(line):
    return json.loads(line, object_pairs_hook=lambda p: p)


def compare(name, data, key=KEY, ways=((),)):
    """All three formats of one document, fed to flatten_cli each way in
    ways (its options: () one piece, ('-p', 'N') in pieces of N bytes,
    ('-a',) also cut at every byte, and more)."""
    base = key.rsplit('/', 1)[-1]
    want_flat = py2ref.flat_lines(data)
    want_json = py2ref.json_lines(data, base)
    want_wz = py2model.wazuh_events(data, BUCKET, key)
    for extra in ways:
        what = '%s (%s)' % (name, ' '.join(extra)) if extra else name
        for fmt, want in (('flat', want_flat), ('json', want_json)):
            rc, got, err = run(fmt, data, key, extra)
            check(rc == 0 and got == want, '%s %s' % (what, fmt),
                  err.decode(errors='replace') + first_diff(got, want))
        rc, got, err = run('wazuh', data, key, extra)
        lines = got.decode().split('\n')
        ok = rc == 0 and lines[-1] == '' and len(lines) - 1 == len(want_wz)
        detail = err.decode(errors='replace')
        if ok:
            for i, (line, ev) in enumerate(zip(lines, want_wz)):
                if line != json.dumps(ev):     # json.dumps's bytes
                    ok = False
                    detail = 'event %d\n' % i + first_diff(
                        line.encode(), json.dumps(ev).encode())
                    break
        check(ok, '%s wazuh' % what, detail)


def compare_bad(name, data):
    """A document the model refuses: refused in every format and every
    cut (-a), nothing written."""
    try:
        py2ref.flat_lines(data)
        check(False, '%s: the reference accepts it' % name)
        return
    except py2ref.BadDoc:
        pass
    for fmt in ('flat', 'json', 'wazuh'):
        rc, got, err = run(fmt, data, KEY, ['-a'])
        check(rc == 1 and got == b'', '%s %s refused' % (name, fmt),
              'rc %d: %s' % (rc, err.decode(errors='replace')))


# ------------------------------------------------------------ generator

R = random.Random(20160101)

CHARS = (['a', 'Z', '0', ' ', '-', ':', '/', "'", '"', '\\', '\t', '\n',
          '\r', '\0', '\x01', '\x1f', '\x7f', '\x80', '\xa0', '\xad',
          '\xe9', '\xff', '\u0100', '\u4e2d', '\u2028', '\ufeff',
          '\U0001f600', '\U00010000', '\ud800', '\udfff', '\ud83d'] +
         list('abcdefghijklmnop'))
WORDS = ['eventName', 'userIdentity', 'type', 'arn', 'userName', 'a', 'b',
         '', 'Records', 'x' * 40, 'caf\xe9', '\u4e2d\u6587', 'k\n',
         "it's", 'say "hi"', 'back\\slash', 'tab\there', '\U0001f600']
INTS = ['0', '-0', '1', '-1', '42', '9007199254740993', '9223372036854775807',
        '9223372036854775808', '-9223372036854775808',
        '-9223372036854775809', '18446744073709551616',
        '123456789012345678901234567890', '-123456789012345678901234567890']
FLOATS = ['0.0', '-0.0', '1.0', '0.1', '1e16', '1E16', '1e-05', '1e-5',
          '0.0001', '1234567.0', '123456789012.0', '1234567890123.0',
          '1e15', '9999999999999998.0', '1.5e300', '1e999', '-1e999',
          '1e-400', '2.5', '1e5', '1E+2', '3.141592653589793238462643',
          '0.30000000000000004', '5e-324', '1.7976931348623157e308',
          '100.0', '-12.5e-3', '4.35', '0.000123456789012345']


def rstring():
    n = R.choice([0, 1, 3, 8, 20])
    s = ''.join(R.choice(CHARS) for _ in range(n))
    # Escaped, a high then a low surrogate would join into an arbitrary
    # astral code point, whose isprintable() (wazuh format) follows the
    # Unicode of the Python running this test; test_wazuh_diff.py checks
    # those on CPython 3.10, the module's.
    return re.sub('([\ud800-\udbff])(?=[\udc00-\udfff])', 'x', s)


def rkey(pool):
    r = R.random()
    if r < 0.3:
        return R.choice(WORDS)
    if r < 0.5 and pool:
        return R.choice(pool)       # repeats within the object
    if r < 0.6:
        return rstring()
    return 'k%d' % R.randrange(100000)


def rfloat():
    r = R.random()
    if r < 0.5:
        return R.choice(FLOATS)
    if r < 0.7:
        return repr(R.uniform(-1e6, 1e6))
    if r < 0.85:
        x = 2.0 ** R.randrange(-1074, 1024)
        return repr(x * R.choice([1, -1]))
    return repr(R.random() * 10 ** R.randrange(-30, 30))


def rvalue(depth):
    r = R.random()
    if depth > 3:
        r = r * 0.5     # scalars only, so documents stay small
    if r < 0.25:
        return rstring()
    if r < 0.35:
        return Raw(R.choice(INTS + [str(R.randrange(-10**6, 10**6))]))
    if r < 0.45:
        return Raw(rfloat())
    if r < 0.5:
        return R.choice([True, False, None])
    if r < 0.52:
        return Raw(R.choice(['NaN', 'Infinity', '-Infinity']))
    if r < 0.7:
        return [rvalue(depth + 1) for _ in range(R.choice([0, 1, 1, 2, 4]))]
    return robject(depth + 1, 0 if depth > 3 else None)


def robject(depth, size=None):
    if size is None:
        size = R.choice([0, 1, 2, 3, 5, 6, 8, 11, 20] if depth < 3 else
                        [0, 1, 2, 3])
        if depth > 1 and R.random() < 0.02:
            size = R.choice([100, 300, 1500])   # several resizes
    pool = [rkey([]) for _ in range(3)]
    vdepth = depth if size < 100 else 9     # big ones hold scalars
    return Pairs((rkey(pool), rvalue(vdepth)) for _ in range(size))


class Raw(str):
    """A number or constant written as is."""


class Pairs(list):
    """An object written with its repeats."""


def enc_string(s):
    out = ['"']
    for c in s:
        o = ord(c)
        if c in '"\\':
            out.append('\\' + c)
        elif o < 0x20 or 0xd800 <= o <= 0xdfff or R.random() < 0.2:
            if o >= 0x10000:
                o -= 0x10000
                out.append('\\u%04X\\u%04x' % (0xd800 + (o >> 10),
                                               0xdc00 + (o & 0x3ff)))
            else:
                out.append(R.choice(['\\u%04x', '\\u%04X']) % o)
        elif c == '/' and R.random() < 0.5:
            out.append('\\/')
        else:
            out.append(c)
    return ''.join(out) + '"'


def enc(v):
    ws = R.choice(['', '', ' ', '\n  '])
    if isinstance(v, Raw):
        return str(v)
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if v is None:
        return 'null'
    if isinstance(v, str):
        return enc_string(v)
    if isinstance(v, Pairs):
        return '{' + ws + (',' + ws).join(
            enc_string(k) + ws + ':' + ws + enc(x) for k, x in v) + '}'
    return '[' + ws + (',' + ws).join(enc(x) for x in v) + ']'


IPS = ['70.50.142.110', '10.0.0.1', 'signin.amazonaws.com', '1.2.3',
       '1.2x3y4', '::1', '2001:db8::1', '12.34.56.78.90', 'AWS Internal',
       '1\n2.3.4', '١.٢.٣.٤'.encode('ascii', 'replace').decode()]


def rrecord():
    """A CloudTrail-ish record with the fields the formats single out."""
    rec = list(robject(1))
    extra = [
        ('eventName', R.choice(['ConsoleLogin', 'CreateRole', ''])),
        ('userIdentity', R.choice([
            Pairs([('type', 'IAMUser'), ('userName', rstring())]),
            Pairs([('type', 'Root'), ('userName', None)]),
            Pairs([('type', 'AWSService')]), 'text', None])),
        ('sourceIPAddress', R.choice(IPS + [None, [R.choice(IPS)],
                                            Raw('7')])),
        ('requestParameters', R.choice([
            None, 'str', Raw('12'), Raw('1.5'), True, [], ['one'],
            [Pairs([('a', None), ('b', ['x'])])], ['x', Raw('1'), None],
            Pairs([('disableApiTermination', R.choice([True, False,
                                                        'no', None]))]),
            [Pairs([('disableApiTermination', False)])],
            Pairs([('instances', [Pairs([('id', 'i-1'), ('n', None)])]),
                   ('x', None)])])),
        ('responseElements', R.choice([None, Raw('0'), 'ok', rvalue(3),
                                       [Pairs([('k', "'q'\"")])],
                                       ['\U0001f600\x01\ud800']])),
        ('additionalEventData', rvalue(2)),
        ('tags', R.choice([None, ['a'], ['a', 'b'], 'x', Pairs()])),
        ('source', R.choice(['aws.ec2', None])),
        ('log_info', R.choice([None, 'mine', Pairs([('x', [Raw('1')])])])),
        ('aws_account_id', R.choice([None, '000000000000'])),
        ('source_ip_address', '9.9.9.9'),
        ('recipientAccountId', R.choice(['123456789012', Raw('5')])),
        ('log_file', R.choice(['', 'other.json.gz', Raw('0')])),
        ('top\nkey\r\0', 'v\nw\rx\0y'),
    ]
    for kv in R.sample(extra, R.randrange(len(extra) + 1)):
        if isinstance(kv[1], Raw) or not isinstance(kv[1], list) or \
                isinstance(kv[1], Pairs):
            rec.insert(R.randrange(len(rec) + 1), kv)
        else:
            rec.insert(R.randrange(len(rec) + 1), (kv[0], list(kv[1])))
    return Pairs(rec)


def small(gen, *args, limit=1500):
    """A generated thing short enough to be cut at every byte."""
    while True:
        x = gen(*args)
        if len(x) <= limit:
            return x


def rdoc(nrec):
    recs = [rrecord() for _ in range(nrec)]
    return ('{"Records": [' + ',\n'.join(enc(r) for r in recs) +
            ']}').encode('utf-8', 'surrogatepass')


# --------------------------------------------------------------- checks

SEC6_IN = (b'{"Records":[{"eventVersion":"1.02","userIdentity":{"type":'
           b'"IAMUser","principalId":"AIDAJFYABM3JXNZ6J323Q","arn":"arn:aws'
           b':iam::581201294259:user/test","accountId":"581201294259","acc'
           b'essKeyId":"ASIAJSIJMQVFH3BM2U4Q","userName":"test","sessionCon'
           b'text":{"attributes":{"mfaAuthenticated":"false","creationDate"'
           b':"2015-12-03T15:25:19Z"}},"invokedBy":"signin.amazonaws.com"},'
           b'"eventTime":"2015-12-03T17:14:18Z","eventSource":"iam.amazona'
           b'ws.com","eventName":"CreateRole","awsRegion":"us-east-1","sou'
           b'rceIPAddress":"70.50.142.110","userAgent":"signin.amazonaws.co'
           b'm","errorCode":"AccessDenied","errorMessage":"User: arn:aws:i'
           b'am::581201294259:user/test is not authorized to perform: iam:C'
           b'reateRole on resource: arn:aws:iam::581201294259:role/test","r'
           b'equestParameters":null,"responseElements":null,"requestID":"4'
           b'9795e4f-99e1-11e5-9e7f-7997a85cbaf0","eventID":"78a26d39-9c9d-'
           b'45b8-9d39-5897259dd084","eventType":"AwsApiCall","recipientAcc'
           b'ountId":"581201294259"}]}')
SEC6_OUT = (
    '"AmazonAWS":"eventVersion":"1.02","errorCode":"AccessDenied","eventTim'
    'e":"2015-12-03T17:14:18Z","requestParameters":"None","eventType":"AwsA'
    'piCall","errorMessage":"User: arn:aws:iam::581201294259:user/test is n'
    'ot authorized to perform: iam:CreateRole on resource: arn:aws:iam::581'
    '201294259:role/test","responseElements":"None","awsRegion":"us-east-1"'
    ',"eventName":"CreateRole","userIdentity":"{u\'userName\': u\'test\', u'
    '\'principalId\': u\'AIDAJFYABM3JXNZ6J323Q\', u\'accessKeyId\': u\'ASIA'
    'JSIJMQVFH3BM2U4Q\', u\'invokedBy\': u\'signin.amazonaws.com\', u\'sess'
    'ionContext\': {u\'attributes\': {u\'creationDate\': u\'2015-12-03T15:2'
    '5:19Z\', u\'mfaAuthenticated\': u\'false\'}}, u\'type\': u\'IAMUser\','
    ' u\'arn\': u\'arn:aws:iam::581201294259:user/test\', u\'accountId\': u'
    '\'581201294259\'}","eventSource":"iam.amazonaws.com","requestID":"4979'
    '5e4f-99e1-11e5-9e7f-7997a85cbaf0","userAgent":"signin.amazonaws.com","'
    'eventID":"78a26d39-9c9d-45b8-9d39-5897259dd084","sourceIPAddress":"70.'
    '50.142.110","recipientAccountId":"581201294259"\n').encode()
ROOT_IN = (b'{"Records":[{"u":{"type":"Root","principalId":"581201294259",'
           b'"arn":"arn:aws:iam::581201294259:root","accountId":"58120129425'
           b'9","accessKeyId":"ASIAJ4AJ2RPCBPBCWV3Q","sessionContext":{"attr'
           b'ibutes":{"mfaAuthenticated":"false","creationDate":"2015-11-26T'
           b'15:07:04Z"}}}}]}')
ROOT_OUT = ("\"AmazonAWS\":\"u\":\"{u'principalId': u'581201294259', u'acce"
            "ssKeyId': u'ASIAJ4AJ2RPCBPBCWV3Q', u'sessionContext': {u'attri"
            "butes': {u'creationDate': u'2015-11-26T15:07:04Z', u'mfaAuthen"
            "ticated': u'false'}}, u'type': u'Root', u'arn': u'arn:aws:iam:"
            ":581201294259:root', u'accountId': u'581201294259'}\"\n").encode()


def main():
    if not os.access(CLI, os.X_OK):
        print('no %s (make check-build)' % CLI)
        print('0 passed, 1 failed')
        return 1

    print('flat and json lines from %s' % py2ref.SOURCE)
    # The model and the reference against the real lines: a wrong one
    # fails here.
    check(py2model.flat_lines(SEC6_IN) == SEC6_OUT, 'model: section 6 line')
    check(py2model.flat_lines(ROOT_IN) == ROOT_OUT, 'model: Root identity')
    check(py2ref.flat_lines(SEC6_IN) == SEC6_OUT, 'reference: section 6')
    check(py2ref.flat_lines(ROOT_IN) == ROOT_OUT, 'reference: Root')
    for name, doc in (('section 6', SEC6_IN), ('Root identity', ROOT_IN)):
        compare(name, doc)
    # The comparison can fail: a different record must not compare equal.
    rc, got, _ = run('flat', ROOT_IN)
    check(rc == 0 and got != py2ref.flat_lines(SEC6_IN), 'sanity: differ')

    # Generated documents: about 3000 records, fed whole, in pieces of
    # one byte and of a few kilobytes.
    for i in range(60):
        ways = [()] + ([('-p', '4093')] if i % 2 == 0 else []) + \
            ([('-p', '1')] if i < 6 else [])
        compare('generated doc %d' % i, rdoc(50), ways=ways)
    # Small ones cut at every byte (flatten_cli -a checks every cut gives
    # what one piece gives).
    for i in range(6):
        compare('small doc %d' % i, small(rdoc, 3), ways=[('-a',)])
    for name, doc in (('section 6', SEC6_IN), ('Root identity', ROOT_IN)):
        compare(name, doc, ways=[('-a',)])

    # The document's shape: other top-level members (any value), a
    # repeated "Records" (the last wins), an escaped key, no Records.
    recs = [small(lambda: enc(rrecord())) for _ in range(4)]
    shapes = [
        '{"Records": [%s, %s]}' % (recs[0], recs[1]),
        '{"a": %s, "Records": [%s], "b": %s}' % (enc(rvalue(0)), recs[0],
                                                 enc(rvalue(0))),
        '{"Records": [%s], "Records": [%s, %s]}' % (recs[0], recs[1],
                                                   recs[2]),
        '{"Records": [%s, 1], "x": 2, "Records": [%s]}' % (recs[0], recs[3]),
        '{"Records": {"a": [%s]}, "Records": [%s]}' % (recs[0], recs[1]),
        '{"Records": "no", "Records": []}',
        '{"Rec\\u006frds": [%s]}' % recs[2],
        '{"Records ": [%s], "records": [%s]}' % (recs[0], recs[1]),
        '{"x": {"Records": [%s]}}' % recs[0],
        '{"x": [%s, [%s]], "y": "\\ud800", "Records": [%s]}' % (
            recs[0], recs[1], recs[2]),
        ' \n{ "Records" : [ %s , %s ] } \n' % (recs[0], recs[3]),
    ]
    for i, doc in enumerate(shapes):
        compare('shape %d' % i, doc.encode('utf-8', 'surrogatepass'),
                ways=[('-a',)])
    bad = [
        '{"Records": [%s], "Records": 5}' % recs[0],
        '{"Records": [%s, 1]}' % recs[0],
        '[{"Records": [%s]}]' % recs[0],
        '{"Records": [%s], "x": [1, 2,]}' % recs[0],
        '{"x": "\\u12", "Records": [%s]}' % recs[0],
        '{"Records": [%s]' % recs[0],
        '{"Records": [%s]} x' % recs[0],
        '{"Records": [%s, {"a": 01}]}' % recs[0],
        '{"Records": [%s, {"a": "\x01"}]}' % recs[0],
        # one level past pyjson.h's PJ_MAX_DEPTH (1000)
        '{"x": %s1%s, "Records": []}' % ('[' * 1000, ']' * 1000),
    ]
    for i, doc in enumerate(bad):
        compare_bad('bad shape %d' % i, doc.encode('utf-8', 'surrogatepass'))

    # Big objects: table resizes at every size up to a few hundred.
    for n in (5, 6, 10, 11, 21, 22, 42, 43, 85, 86, 171, 172, 400, 5000):
        keys = ['%s%d' % (R.choice(['k', 'key', 'x']), j) for j in range(n)]
        doc = '{"Records":[{%s}]}' % ','.join(
            '"%s":%d' % (k, j) for j, k in enumerate(keys))
        compare('object of %d keys' % n, doc.encode())

    # The shared corpus: every event alone, and the real log file; where
    # there is no shared directory, the copies of some in tests/data.
    events = sorted(glob.glob(os.path.join(SHARED, 'corpus', 'events',
                                           '*.json')))
    logfiles = sorted(glob.glob(os.path.join(SHARED, 'corpus', 'logfiles',
                                             '*.json.gz')))
    if not events:
        print('note: no corpus under %s; using %s' % (SHARED, DATA))
        events = sorted(glob.glob(os.path.join(DATA, 'events', '*.json')))
        logfiles = sorted(glob.glob(os.path.join(DATA, '*.json.gz')))
    for path in events:
        with open(path, 'rb') as f:
            compare(os.path.basename(path),
                    b'{"Records":[' + f.read() + b']}', ways=[('-a',)])
    for path in logfiles:
        with gzip.open(path, 'rb') as f:
            data = f.read()
        compare(os.path.basename(path), data,
                'AWSLogs/111111111111/CloudTrail/eu-central-1/2017/12/11/' +
                os.path.basename(path))
    if not events:
        check(False, 'corpus', 'no events under %s or %s' % (SHARED, DATA))

    return TALLY.done()


if __name__ == '__main__':
    sys.exit(main())
