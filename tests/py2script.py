# SPDX-License-Identifier: ISC
"""py2script.py - getawslog.py's -j lines, made by CPython 2.7.18 itself.

Python 2.7 code: run it with the real interpreter (tests/realpy.py finds
it). It reads documents as the script did (json.loads) and writes their
lines as the script did (its flat and json formats,
../shared/reference/getawslog-py.md and python2-output.md), so Python
2.7's own dict order, str(), repr() and json.dumps make the bytes, not a
model of them. getawslog's deliberate differences are applied as named
steps: a top-level string or key is written as UTF-8 (the script crashed
on non-ASCII) with LF, CR, NUL as \\n \\r \\x00 and a lone surrogate as
\\udxxx (a record is one line of valid UTF-8).

Protocol (tests/py2ref.py speaks it): one JSON object per line on stdin,
{"doc": DOCUMENT as latin-1 text, "fmt": "flat" | "json", "base":
BASENAME, "max_depth": getawslog's nesting limit (py2model.MAX_DEPTH)};
one JSON object per line on stdout, {"out": LINES as latin-1
text} or {"bad": REASON}.
"""

import json
import sys

class BadDoc(Exception):
    pass


def depth(v):
    if isinstance(v, dict):
        return 1 + max([depth(x) for x in v.values()] or [0])
    if isinstance(v, list):
        return 1 + max([depth(x) for x in v] or [0])
    return 0


def records(data, max_depth):
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise BadDoc(str(e))
    if not isinstance(doc, dict):
        raise BadDoc('top-level value is not an object')
    if 'Records' not in doc:
        return []
    recs = doc['Records']
    if not isinstance(recs, list):
        raise BadDoc('Records is not an array')
    for r in recs:
        if not isinstance(r, dict):
            raise BadDoc('Records[i] is not an object')
    if depth(doc) > max_depth:
        raise BadDoc('too deep')
    return recs


def one_line(u):
    """Deliberate: a top-level string or key as one line of UTF-8."""
    out = []
    for c in u:
        if c == u'\n':
            out.append(u'\\n')
        elif c == u'\r':
            out.append(u'\\r')
        elif c == u'\0':
            out.append(u'\\x00')
        elif u'\ud800' <= c <= u'\udfff':
            out.append(u'\\u%04x' % ord(c))
        else:
            out.append(c)
    return u''.join(out).encode('utf-8')


def text(v):
    """The script's "%s" of a value."""
    if isinstance(v, unicode):
        return one_line(v)
    return str(v)


def flat(recs):
    out = ''
    for rec in recs:
        out += '"AmazonAWS":' + ','.join('"%s":"%s"' % (one_line(k), text(v))
                                         for k, v in rec.items()) + '\n'
    return out


def as_json(recs, base):
    out = ''
    for rec in recs:
        aws = {}
        for k, v in rec.items():
            if v:
                aws[k] = v
        aws['log_file'] = base
        line = {'aws': aws}
        if 'sourceIPAddress' in aws:
            line['srcip'] = aws['sourceIPAddress']
        ui = rec.get('userIdentity')
        if isinstance(ui, dict) and 'userName' in ui:
            line['user'] = ui['userName']
        out += json.dumps(line) + '\n'
    return out


def main():
    for req in iter(sys.stdin.readline, ''):
        job = json.loads(req)
        data = job['doc'].encode('latin-1')
        try:
            recs = records(data, job['max_depth'])
            if job['fmt'] == 'flat':
                out = flat(recs)
            else:
                out = as_json(recs, job['base'])
            ans = {'out': out.decode('latin-1')}
        except BadDoc as e:
            ans = {'bad': str(e)}
        except RuntimeError as e:       # recursion: too deep for 2.7
            ans = {'bad': 'too deep: %s' % e}
        sys.stdout.write(json.dumps(ans) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
