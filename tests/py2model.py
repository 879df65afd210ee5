# SPDX-License-Identifier: ISC
"""py2model.py - what getawslog.py (Python 2.7) printed, modelled in Python 3.

An independent statement of ../shared/reference/python2-output.md, used by
test_flatten_diff.py to check flatten.c byte for byte:

  flat_lines(doc)      -j lines ("AmazonAWS":"k":"v",...)
  json_lines(doc, b)   --format json lines (json.dumps of {"aws": ...})
  wazuh_events(doc, bucket, key)
                       the events Wazuh's aws-s3 module would send (dicts)

Choices the reference leaves open, mirrored here as getawslog makes them:
top-level strings and keys write LF, CR, NUL as \\n \\r \\x00 and a lone
surrogate as \\udxxx; the wazuh format writes non-finite floats as the
strings "NaN", "Infinity", "-Infinity" so the line stays JSON.
"""

import json
import math
import re

import wazuh_model

MAX_DEPTH = 64
M64 = (1 << 64) - 1


class BadDoc(Exception):
    pass


class Int(int):
    """A JSON integer; Python 2 makes it a long outside 64 bits."""

    def is_long(self):
        return not -(1 << 63) <= self < (1 << 63)


class Obj(list):
    """A JSON object as its (key, value) pairs in document order."""


# ---------------------------------------------------------------- parsing

def parse(data):
    """bytes -> value, as Python 2.7's json.loads decoded it."""
    try:
        # Python 2's UTF-8 codec let encoded surrogates through.
        text = data.decode('utf-8', 'surrogatepass')
        doc = json.loads(text, object_pairs_hook=Obj, parse_int=Int,
                         parse_float=float, parse_constant=float)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadDoc(str(e))
    if depth(doc) > MAX_DEPTH:
        raise BadDoc('too deep')
    return doc


def depth(v):
    if isinstance(v, Obj):
        return 1 + max([depth(x) for _, x in v] or [0])
    if isinstance(v, list):
        return 1 + max([depth(x) for x in v] or [0])
    return 0


def records(doc):
    if not isinstance(doc, Obj):
        raise BadDoc('top-level value is not an object')
    recs = dict(doc).get('Records')
    if recs is None and 'Records' not in dict(doc):
        return []
    if not isinstance(recs, list) or isinstance(recs, Obj):
        raise BadDoc('Records is not an array')
    for r in recs:
        if not isinstance(r, Obj):
            raise BadDoc('Records[i] is not an object')
    return recs


# ---------------------------------------------------------- CPython 2.7 dict

def py2_hash(s):
    if not s:
        return 0
    x = ord(s[0]) << 7
    for c in s:
        x = ((1000003 * x) & M64) ^ ord(c)
    x ^= len(s)
    return M64 - 1 if x == M64 else x


def _slot(table, key):
    mask = len(table) - 1
    h = py2_hash(key)
    i, perturb = h & mask, h
    while table[i & mask] is not None and table[i & mask] != key:
        i = ((i << 2) + i + perturb + 1) & M64
        perturb >>= 5
    return i & mask


def py2_keys(keys):
    """Distinct keys inserted in this order -> CPython 2.7 iteration order."""
    table = [None] * 8
    used = 0
    for k in keys:
        table[_slot(table, k)] = k
        used += 1
        if used * 3 >= len(table) * 2:
            size = 8
            while size <= (2 if used > 50000 else 4) * used:
                size *= 2
            old, table = table, [None] * size
            for o in old:
                if o is not None:
                    table[_slot(table, o)] = o
    return [k for k in table if k is not None]


def py2_items(pairs):
    d = dict(pairs)     # first slot, last value: as a Python dict does
    return [(k, d[k]) for k in py2_keys(list(d))]


# ---------------------------------------------------------- str and repr

def float_str(x):
    """Python 2.7's str(float), the rule HACKING.md derives from 2.7.18:
    12 digits, exponent form from the 12th integer digit on, and the
    zeros its dtoa keeps on an integer tie rounded down."""
    if math.isnan(x) or math.isinf(x) or x == 0:
        return repr(x)
    mant, e = ('%.11e' % abs(x)).split('e')
    dig, e = mant.replace('.', ''), int(e)
    t = str(int(abs(x))) if x == int(x) else ''
    if 13 <= len(t) <= 15 and t[12:].rstrip('0') == '5' and \
            int(t[11]) % 2 == 0:
        dig = t[:12]            # dtoa's small-integer path keeps zeros
    else:
        dig = dig.rstrip('0') or '0'
    if e < -4 or e >= 11:
        s = dig[0] + ('.' + dig[1:] if len(dig) > 1 else '') + \
            'e%s%02d' % ('-' if e < 0 else '+', abs(e))
    elif e < 0:
        s = '0.' + '0' * (-e - 1) + dig
    else:
        dig = dig.ljust(e + 1, '0')
        s = dig[:e + 1] + '.' + (dig[e + 1:] or '0')
    return ('-' if x < 0 else '') + s


def repr_unicode(s):
    q = '"' if ("'" in s and '"' not in s) else "'"
    out = []
    for c in s:
        o = ord(c)
        if c == q or c == '\\':
            out.append('\\' + c)
        elif o >= 0x10000:
            out.append('\\U%08x' % o)
        elif o >= 0x100:
            out.append('\\u%04x' % o)
        elif c in '\t\n\r':
            out.append({'\t': '\\t', '\n': '\\n', '\r': '\\r'}[c])
        elif o < 0x20 or o >= 0x7f:
            out.append('\\x%02x' % o)
        else:
            out.append(c)
    return 'u' + q + ''.join(out) + q


def py2_repr(v):
    if v is None or v is True or v is False:
        return str(v)
    if isinstance(v, Int):
        return str(int(v)) + ('L' if v.is_long() else '')
    if isinstance(v, float):
        return repr(v)          # Python 3's repr is 2.7's repr
    if isinstance(v, str):
        return repr_unicode(v)
    if isinstance(v, Obj):
        return '{' + ', '.join(repr_unicode(k) + ': ' + py2_repr(x)
                               for k, x in py2_items(v)) + '}'
    return '[' + ', '.join(py2_repr(x) for x in v) + ']'


def top_text(s):
    """A top-level string or key: one line, valid UTF-8."""
    out = []
    for c in s:
        if c == '\n':
            out.append('\\n')
        elif c == '\r':
            out.append('\\r')
        elif c == '\0':
            out.append('\\x00')
        elif 0xd800 <= ord(c) <= 0xdfff:
            out.append('\\u%04x' % ord(c))
        else:
            out.append(c)
    return ''.join(out)


def py2_str(v):
    if isinstance(v, str):
        return top_text(v)
    if isinstance(v, Int):
        return str(int(v))
    if isinstance(v, float):
        return float_str(v)
    return py2_repr(v)


def flat_lines(data):
    out = b''
    for rec in records(parse(data)):
        fields = ['"%s":"%s"' % (top_text(k), py2_str(v))
                  for k, v in py2_items(rec)]
        out += ('"AmazonAWS":' + ','.join(fields) + '\n').encode()
    return out


# ---------------------------------------------------------- --format json

def py2_ordered(v):
    """Plain Python values whose dict insertion order is 2.7's order."""
    if isinstance(v, Obj):
        return {k: py2_ordered(x) for k, x in py2_items(v)}
    if isinstance(v, list):
        return [py2_ordered(x) for x in v]
    return v


def json_lines(data, basename):
    out = b''
    for rec in records(parse(data)):
        items = py2_items(rec)
        kept = [(k, v) for k, v in items if v]
        aws = kept + [('log_file', basename)]    # insertion order
        outer = [('aws', Obj(aws))]
        if any(k == 'sourceIPAddress' for k, _ in kept):
            outer.append(('srcip', dict(kept)['sourceIPAddress']))
        ui = dict(items).get('userIdentity')
        if isinstance(ui, Obj) and 'userName' in dict(ui):
            outer.append(('user', dict(ui)['userName']))
        line = json.dumps(py2_ordered(Obj(outer)))
        out += (line + '\n').encode('ascii')
    return out


# ---------------------------------------------------------- --format wazuh

def py3(v):
    """json.load in Python 3: dicts in insertion order."""
    if isinstance(v, Obj):
        return {k: py3(x) for k, x in v}
    if isinstance(v, list):
        return [py3(x) for x in v]
    if isinstance(v, Int):
        return int(v)
    return v


def key_account(key):
    m = re.search(r'AWSLogs/(?:[^/]*/)??(\d{12})/', key)
    return m.group(1) if m else None


def wazuh_events(data, bucket, key):
    """The module's events (dicts), through wazuh_model.py on this
    Python: the account from the key, else the record's
    recipientAccountId (getawslog's choice outside CloudTrail's layout)."""
    events = []
    for rec in records(parse(data)):
        event = dict(py3(rec), source='cloudtrail')
        acct = key_account(key)
        if acct is None:
            acct = event.get('recipientAccountId')
            acct = acct if isinstance(acct, str) else ''
        events.append(wazuh_model.message(event, bucket, key, '', acct, []))
    return events
