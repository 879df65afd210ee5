#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""End-to-end tests of -j and --format flat|json|wazuh (issue 3): the built
getawslog against moto's S3 behind tests/s3env.py's verifying front.

The log the binary writes is compared with what getawslog.py printed:
byte for byte for flat and json, as the real CPython 2.7.18 makes the lines
running the script's code (tests/py2ref.py), or, where 2.7.18 is missing,
tests/py2model.py, the Python 3 model of it (the output says which); for
wazuh every line must be strict JSON and byte for byte json.dumps of the
model's event (tests/wazuh_model.py), with log_info and aws_account_id
taken from the bucket and the object key.  With $SHARED set,
the whole of $SHARED/corpus (events and real log files) goes through the
binary too.  Bad documents, documents without records, line breaks inside
values and the state file (-s) are checked in every format.

The binary is $GETAWSLOG (default ./getawslog).  The last line printed is
"N passed, N failed"; the exit status is non-zero when a test failed.
"""

import glob
import gzip
import json
import os
import random
import resource
import shutil
import sqlite3
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import py2model  # noqa: E402
import py2ref  # noqa: E402
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import gz, make_trail, s3_order  # noqa: E402

ACCOUNT = "123456789012"
ORG_ACCOUNT = "222233334444"
PREFIX = "AWSLogs/%s/CloudTrail/us-east-1/2024/07/30/" % ACCOUNT

# name -> (options, model format, the prefix of every line)
FORMATS = {
    "-j": (["-j"], "flat", b'"AmazonAWS":'),
    "flat": (["--format", "flat"], "flat", b'"AmazonAWS":'),
    # the outer dict is in Python 2's order too: srcip can come first
    "json": (["--format", "json"], "json", (b'{"aws": {', b'{"srcip": ',
                                            b'{"user": ')),
    "wazuh": (["--format=wazuh"], "wazuh", b'{"'),
}
ALL = ("-j", "flat", "json", "wazuh")

# ../shared/reference/python2-output.md, section 6: a record as CloudTrail
# wrote it and the line getawslog.py wrote for it (OSSEC decoder comments).
SEC6_RECORD = (
    b'{"eventVersion":"1.02","userIdentity":{"type":"IAMUser","principalId":'
    b'"AIDAJFYABM3JXNZ6J323Q","arn":"arn:aws:iam::581201294259:user/test",'
    b'"accountId":"581201294259","accessKeyId":"ASIAJSIJMQVFH3BM2U4Q",'
    b'"userName":"test","sessionContext":{"attributes":{"mfaAuthenticated":'
    b'"false","creationDate":"2015-12-03T15:25:19Z"}},"invokedBy":'
    b'"signin.amazonaws.com"},"eventTime":"2015-12-03T17:14:18Z",'
    b'"eventSource":"iam.amazonaws.com","eventName":"CreateRole","awsRegion":'
    b'"us-east-1","sourceIPAddress":"70.50.142.110","userAgent":'
    b'"signin.amazonaws.com","errorCode":"AccessDenied","errorMessage":'
    b'"User: arn:aws:iam::581201294259:user/test is not authorized to '
    b'perform: iam:CreateRole on resource: arn:aws:iam::581201294259:role/'
    b'test","requestParameters":null,"responseElements":null,"requestID":'
    b'"49795e4f-99e1-11e5-9e7f-7997a85cbaf0","eventID":"78a26d39-9c9d-45b8-'
    b'9d39-5897259dd084","eventType":"AwsApiCall","recipientAccountId":'
    b'"581201294259"}')
SEC6_LINE = (
    b'"AmazonAWS":"eventVersion":"1.02","errorCode":"AccessDenied",'
    b'"eventTime":"2015-12-03T17:14:18Z","requestParameters":"None",'
    b'"eventType":"AwsApiCall","errorMessage":"User: arn:aws:iam::'
    b'581201294259:user/test is not authorized to perform: iam:CreateRole on'
    b' resource: arn:aws:iam::581201294259:role/test","responseElements":'
    b'"None","awsRegion":"us-east-1","eventName":"CreateRole","userIdentity":'
    b'"{u\'userName\': u\'test\', u\'principalId\': u\'AIDAJFYABM3JXNZ6J323Q\','
    b' u\'accessKeyId\': u\'ASIAJSIJMQVFH3BM2U4Q\', u\'invokedBy\': u\'signin.'
    b'amazonaws.com\', u\'sessionContext\': {u\'attributes\': {u\'creationDate'
    b'\': u\'2015-12-03T15:25:19Z\', u\'mfaAuthenticated\': u\'false\'}}, u\''
    b'type\': u\'IAMUser\', u\'arn\': u\'arn:aws:iam::581201294259:user/test\','
    b' u\'accountId\': u\'581201294259\'}","eventSource":"iam.amazonaws.com",'
    b'"requestID":"49795e4f-99e1-11e5-9e7f-7997a85cbaf0","userAgent":"signin.'
    b'amazonaws.com","eventID":"78a26d39-9c9d-45b8-9d39-5897259dd084",'
    b'"sourceIPAddress":"70.50.142.110","recipientAccountId":"581201294259"\n')
# Same section: the Root identity, as a nested dict.
ROOT_IDENTITY = (
    b'{"type":"Root","principalId":"581201294259","arn":"arn:aws:iam::5812012'
    b'94259:root","accountId":"581201294259","accessKeyId":"ASIAJ4AJ2RPCBPBCW'
    b'V3Q","sessionContext":{"attributes":{"mfaAuthenticated":"false","creati'
    b'onDate":"2015-11-26T15:07:04Z"}}}')
ROOT_REPR = (
    b"{u'principalId': u'581201294259', u'accessKeyId': u'ASIAJ4AJ2RPCBPBCWV"
    b"3Q', u'sessionContext': {u'attributes': {u'creationDate': u'2015-11-26T"
    b"15:07:04Z', u'mfaAuthenticated': u'false'}}, u'type': u'Root', u'arn': "
    b"u'arn:aws:iam::581201294259:root', u'accountId': u'581201294259'}")

ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env()


def basename(key):
    return key.rsplit("/", 1)[-1]


def log_key(n, name, prefix=PREFIX, account=ACCOUNT):
    """A CloudTrail-like key; n orders the keys in the listing."""
    return "%s%s_CloudTrail_us-east-1_20240730T21%02dZ_%s.json.gz" % (
        prefix, account, n, name)


def doc(*records):
    return b'{"Records":[' + b",".join(records) + b"]}"


def no_constants(name):
    raise ValueError("non-standard JSON constant %s" % name)


class Base(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.env = ENV
        self.env.reset()

    # -- seeding
    def seed_docs(self, bucket, docs, extra=()):
        """docs: {key: document}, stored gzipped; extra: [(key, bytes)]
        stored as they are.  Returns docs."""
        self.env.make_bucket(bucket)
        self.env.put_many(bucket, [(k, gz(d)) for k, d in docs.items()] +
                          list(extra))
        return docs

    def logpath(self):
        return os.path.join(self.env.tempdir(), "amazon.log")

    def statepath(self):
        return os.path.join(self.env.tempdir(), "state.db")

    def read(self, path):
        if not os.path.exists(path):
            return b""
        with open(path, "rb") as f:
            return f.read()

    def recorded(self, state):
        db = sqlite3.connect(state)
        try:
            return sorted(r[0] for r in db.execute(
                "SELECT log_name FROM log_progress"))
        finally:
            db.close()

    def run_fmt(self, fmt, bucket, log, args=()):
        return self.env.run(FORMATS[fmt][0] + ["-b", bucket, "-l", log] +
                            list(args))

    def show(self, p):
        return "exit %s\n--- stdout:\n%r\n--- stderr:\n%r" % (
            p.returncode, p.stdout[:3000], p.stderr[:3000])

    def assertRun(self, p, rc, stderr=None):
        self.assertEqual(p.returncode, rc, self.show(p))
        self.assertEqual(p.stdout, b"", self.show(p))
        if stderr is not None:
            self.assertEqual(p.stderr, stderr, self.show(p))

    # -- what the log must hold
    def want(self, fmt, bucket, docs):
        """flat/json: the model's bytes; wazuh: [(key, event)]."""
        model = FORMATS[fmt][1]
        out = b"" if model != "wazuh" else []
        for k in s3_order(docs):
            if model == "flat":
                out += py2ref.flat_lines(docs[k])
            elif model == "json":
                out += py2ref.json_lines(docs[k], basename(k))
            else:
                out += [(k, ev) for ev in
                        py2model.wazuh_events(docs[k], bucket, k)]
        return out

    def assertBytes(self, got, want):
        if got != want:
            i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                     min(len(got), len(want)))
            line = got[:i].count(b"\n") + 1
            self.fail("log differs: %d bytes, want %d; first difference at "
                      "byte %d (line %d): got %r, want %r" % (
                          len(got), len(want), i, line,
                          got[max(0, i - 60):i + 60],
                          want[max(0, i - 60):i + 60]))

    def assertWazuh(self, got, bucket, want, accounts):
        """got: the log; want: [(key, model event)]; accounts: {key: id}."""
        self.assertTrue(got == b"" or got.endswith(b"\n"), got[-100:])
        lines = got.split(b"\n")[:-1]
        self.assertEqual(len(lines), len(want), "wazuh line count")
        for i, (line, (key, ev)) in enumerate(zip(lines, want)):
            try:
                obj = json.loads(line, parse_constant=no_constants)
            except ValueError as e:
                self.fail("line %d is not strict JSON (%s): %r"
                          % (i + 1, e, line[:300]))
            self.assertIsInstance(obj, dict)
            self.assertEqual(obj.get("integration"), "aws")
            aws = obj["aws"]
            self.assertEqual(aws.get("source"), "cloudtrail")
            self.assertEqual(aws["log_info"], {"aws_account_alias": "",
                                               "log_file": key,
                                               "s3bucket": bucket})
            self.assertEqual(aws["aws_account_id"], accounts[key],
                             "aws_account_id of %s" % key)
            if line != json.dumps(ev).encode():     # the module's bytes
                self.fail("line %d (%s) differs from the model:\n got:  %s"
                          "\n want: %s" % (i + 1, key, line[:1500],
                                           json.dumps(ev)[:1500]))

    def assertFormat(self, fmt, got, bucket, docs, accounts=None):
        want = self.want(fmt, bucket, docs)
        if FORMATS[fmt][1] == "wazuh":
            accounts = accounts or {k: ACCOUNT for k in docs}
            self.assertWazuh(got, bucket, want, accounts)
        else:
            self.assertBytes(got, want)

    def assertOneLinePerRecord(self, fmt, got, nrecords):
        prefix = FORMATS[fmt][2]
        self.assertTrue(got.endswith(b"\n"), got[-100:])
        lines = got.split(b"\n")[:-1]
        self.assertEqual(len(lines), nrecords, got[:2000])
        for line in lines:
            self.assertTrue(line.startswith(prefix), line[:200])
            self.assertNotIn(b"\r", line)
            self.assertNotIn(b"\0", line)


# ====================================================================
# Every format over real records

def data_logfiles(shared):
    """[(key, stored bytes, account)] for the real log files of tests/data
    and, when shared, of $SHARED/corpus/logfiles."""
    out = []
    dirs = [os.path.join(HERE, "data")]
    if shared:
        dirs.append(os.path.join(shared, "corpus", "logfiles"))
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.json.gz"))):
            name = os.path.basename(path)
            name = name.split("-", 1)[1] if name.startswith("trailscraper-") \
                else name
            acct, _, reg = name.split("_")[:3]
            # tests/data and the corpus hold the same file: another day
            day = "2017/12/11" if d == dirs[0] else "2017/12/12"
            key = "AWSLogs/%s/CloudTrail/%s/%s/%s" % (acct, reg, day, name)
            with open(path, "rb") as f:
                out.append((key, f.read(), acct))
    return out


class FormatTests(Base):
    """A trail seeded from tests/data (and $SHARED/corpus), every format."""

    def seed_real(self, bucket):
        """Returns ({key: document}, {key: account}) for the processed
        objects; the bucket also holds a digest file and folder keys."""
        items, docs = make_trail(seed=3, objects=6, per_object=(1, 6),
                                 account=ACCOUNT, bucket=bucket)
        accounts = {k: ACCOUNT for k in docs}
        extra = []
        shared = os.environ.get("SHARED")
        for key, body, acct in data_logfiles(shared):
            extra.append((key, body))
            docs[key] = gzip.decompress(body)
            accounts[key] = acct
        # An organisation trail: the account is the part after o-...
        org = ("AWSLogs/o-abc123def4/%s/CloudTrail/eu-west-1/2024/01/02/" %
               ORG_ACCOUNT)
        events = s3env.sample_events(shared="")
        k = log_key(0, "org", prefix=org, account=ORG_ACCOUNT)
        docs[k] = doc(*events[:3])
        accounts[k] = ORG_ACCOUNT
        extra.append((k, gz(docs[k])))
        if shared:
            paths = sorted(glob.glob(os.path.join(shared, "corpus", "events",
                                                  "*.json")))
            corpus = []
            for p in paths:
                with open(p, "rb") as f:
                    corpus.append(f.read().strip())
            self.assertTrue(corpus, "no events under %s" % shared)
            n = 5
            for i in range(n):
                k = log_key(50 + i, "corpus%d" % i)
                docs[k] = doc(*corpus[i::n])
                accounts[k] = ACCOUNT
                extra.append((k, gz(docs[k])))
        self.env.make_bucket(bucket)
        self.env.put_many(bucket, items + extra)
        return docs, accounts

    def check_format(self, fmt):
        bucket = "fmt-" + fmt.strip("-")
        docs, accounts = self.seed_real(bucket)
        before = self.env.keys(bucket)
        log = self.logpath()
        p = self.run_fmt(fmt, bucket, log)
        self.assertRun(p, 0, b"")
        got = self.read(log)
        self.assertFormat(fmt, got, bucket, docs, accounts)
        nrec = sum(len(py2model.records(py2model.parse(d)))
                   for d in docs.values())
        self.assertGreater(nrec, 10)
        if os.environ.get("SHARED"):
            self.assertGreater(nrec, 246, "the corpus is not in the trail")
        self.assertOneLinePerRecord(fmt, got, nrec)
        self.assertEqual(self.env.keys(bucket), before)

    def test_dash_j(self):
        self.check_format("-j")

    def test_format_flat(self):
        self.check_format("flat")

    def test_format_json(self):
        self.check_format("json")

    def test_format_wazuh(self):
        self.check_format("wazuh")

    def test_format_without_j_and_j_with_format(self):
        """--format implies -j; -j with --format takes the format."""
        docs = self.seed_docs("fmt-imply", {log_key(1, "a"): doc(SEC6_RECORD)})
        for args in (["--format", "json"], ["-j", "--format", "json"],
                     ["--format=json", "-j"]):
            log = self.logpath()
            p = self.env.run(args + ["-b", "fmt-imply", "-l", log])
            self.assertRun(p, 0, b"")
            self.assertBytes(self.read(log), self.want("json", "fmt-imply",
                                                       docs))


class ReferenceTests(Base):
    """The real lines of the reference, byte for byte, through the binary."""

    def test_section6_line(self):
        k = log_key(1, "sec6")
        self.seed_docs("ref-sec6", {k: doc(SEC6_RECORD)})
        log = self.logpath()
        p = self.run_fmt("-j", "ref-sec6", log)
        self.assertRun(p, 0, b"")
        self.assertBytes(self.read(log), SEC6_LINE)
        # The model and the reference say the same (a wrong one fails
        # here, not silently).
        self.assertEqual(py2model.flat_lines(doc(SEC6_RECORD)), SEC6_LINE)
        self.assertEqual(py2ref.flat_lines(doc(SEC6_RECORD)), SEC6_LINE)

    def test_section6_root_identity(self):
        rec = b'{"userIdentity":' + ROOT_IDENTITY + b"}"
        self.seed_docs("ref-root", {log_key(1, "root"): doc(rec)})
        log = self.logpath()
        p = self.run_fmt("-j", "ref-root", log)
        self.assertRun(p, 0, b"")
        self.assertBytes(self.read(log), b'"AmazonAWS":"userIdentity":"' +
                         ROOT_REPR + b'"\n')

    def test_section6_twice_in_one_object_and_across_objects(self):
        docs = {log_key(1, "a"): doc(SEC6_RECORD, SEC6_RECORD),
                log_key(2, "b"): doc(SEC6_RECORD)}
        self.seed_docs("ref-many", docs)
        log = self.logpath()
        p = self.run_fmt("-j", "ref-many", log, ["-D"])
        self.assertRun(p, 0, b"")
        self.assertBytes(self.read(log), SEC6_LINE * 3)
        self.assertEqual(self.env.keys("ref-many"), [])


# ====================================================================
# Bad documents

GOOD_RECORDS = [
    b'{"eventName":"GoodOne","n":1,"f":1.5,"userIdentity":{"type":"IAMUser",'
    b'"userName":"alice"},"sourceIPAddress":"10.0.0.1"}',
    b'{"eventName":"GoodTwo","big":18446744073709551616,"l":[1,0.0,null]}',
    SEC6_RECORD,
]


def nested(depth_inside_record):
    """A record whose "d" holds arrays nested depth_inside_record deep: the
    document's depth is 3 (object, Records, record) plus that."""
    n = depth_inside_record
    return (b'{"eventName":"BADMARK","d":' + b"[" * n + b"]" * n + b"}")


BAD_DOCS = [
    ("invalid-json", b'{"Records":[{"eventName":"BADMARK",}]}'),
    ("truncated-json", b'{"Records":[{"eventName":"BADMARK"}'),
    ("trailing-garbage", b'{"Records":[{"eventName":"BADMARK"}]} BADMARK'),
    ("two-documents", b'{"Records":[{"eventName":"BADMARK"}]}{"Records":[]}'),
    ("raw-control-char", b'{"Records":[{"eventName":"BAD\nMARK"}]}'),
    ("single-quotes", b"{'Records':[{'eventName':'BADMARK'}]}"),
    ("empty-document", b""),
    ("top-level-array", b'[{"Records":[{"eventName":"BADMARK"}]}]'),
    ("top-level-string", b'"BADMARK"'),
    ("top-level-null", b"null"),
    ("records-object", b'{"Records":{"eventName":"BADMARK"}}'),
    ("records-string", b'{"Records":"BADMARK"}'),
    ("records-null", b'{"Records":null}'),
    # a repeated key takes its last value, as json.load did
    ("records-repeated-last-not-array",
     b'{"Records":[{"eventName":"BADMARK"}],"Records":5}'),
    ("element-string", b'{"Records":[{"eventName":"BADMARK"},"BADMARK"]}'),
    ("element-array", b'{"Records":[{"eventName":"BADMARK"},[{"a":1}]]}'),
    ("element-null", b'{"Records":[{"eventName":"BADMARK"},null]}'),
    ("element-number", b'{"Records":[{"eventName":"BADMARK"},7]}'),
    ("depth-65", doc(nested(62))),
    ("depth-65-objects", b'{"Records":[{"eventName":"BADMARK","d":' +
     b'{"a":' * 62 + b"1" + b"}" * 62 + b"}]}"),
    ("depth-200000", doc(nested(200000))),
    ("utf8-ff", b'{"Records":[{"eventName":"BADMARK\xff"}]}'),
    ("utf8-overlong", b'{"Records":[{"eventName":"BADMARK\xc0\xaf"}]}'),
    ("utf8-truncated", b'{"Records":[{"eventName":"BADMARK\xe2\x82"}]}'),
    ("utf8-beyond-10ffff", b'{"Records":[{"eventName":"BADMARK\xf4\x90\x80'
     b'\x80"}]}'),
    ("utf8-in-key", b'{"Records":[{"BADMARK\x80":"x"}]}'),
    ("utf8-lone-continuation", b'{"Records":[{"eventName":"BADMARK"},'
     b'{"eventName":"\xbf"}]}'),
]


class BadDocumentTests(Base):
    def seed_mixed(self, bucket, bad):
        """Good objects around every bad one.  Returns ({key: doc} of the
        good ones, [bad keys])."""
        good, bad_keys, items = {}, [], []
        n = 0
        for i, (name, data) in enumerate(bad):
            k = log_key(n, "good%02d" % i)
            good[k] = doc(GOOD_RECORDS[i % len(GOOD_RECORDS)],
                          GOOD_RECORDS[(i + 1) % len(GOOD_RECORDS)])
            items.append((k, gz(good[k])))
            k = log_key(n + 1, "bad-" + name)
            bad_keys.append(k)
            items.append((k, gz(data)))
            n += 2
        k = log_key(n, "good-last")
        good[k] = doc(GOOD_RECORDS[0])
        items.append((k, gz(good[k])))
        # The deepest document the limit allows is fine.
        k = log_key(n + 1, "good-depth-64")
        good[k] = doc(b'{"eventName":"Deep","d":' + b"[" * 61 + b"]" * 61 +
                      b"}")
        items.append((k, gz(good[k])))
        self.env.make_bucket(bucket)
        self.env.put_many(bucket, items)
        return good, bad_keys

    def test_model_rejects_every_bad_document(self):
        """So the test below is about documents Python 2 could not read."""
        for name, data in BAD_DOCS:
            with self.subTest(name):
                # Python's own parser runs out of stack on the deepest one
                with self.assertRaises((py2model.BadDoc, RecursionError)):
                    py2model.records(py2model.parse(data))

    def check_bad(self, fmt):
        bucket = "bad-" + fmt.strip("-")
        good, bad_keys = self.seed_mixed(bucket, BAD_DOCS)
        log, state = self.logpath(), self.statepath()
        t = time.time()
        p = self.run_fmt(fmt, bucket, log, ["-D", "-s", state])
        took = time.time() - t
        self.assertRun(p, 4)
        lines = p.stderr.split(b"\n")
        for k in bad_keys:
            named = [ln for ln in lines
                     if ln.startswith(b"getawslog: " + k.encode() + b": ")]
            self.assertEqual(len(named), 1, "%s not named once on stderr\n%s"
                             % (k, self.show(p)))
        # Besides those, at most the end-of-run summary, which counts them.
        rest = [ln for ln in lines if ln and not any(
            ln.startswith(b"getawslog: " + k.encode() + b": ")
            for k in bad_keys)]
        self.assertLessEqual(len(rest), 1, p.stderr.decode(errors="replace"))
        for ln in rest:
            self.assertIn(b" %d failed" % len(bad_keys), ln)
            self.assertNotIn(b"AWSLogs/", ln)
        got = self.read(log)
        self.assertNotIn(b"BADMARK", got)
        self.assertNotIn(b"BAD", got)
        self.assertFormat(fmt, got, bucket, good)
        self.assertEqual(self.env.keys(bucket), s3_order(bad_keys))
        self.assertEqual(self.recorded(state),
                         sorted(basename(k) for k in good))
        self.assertLess(took, 20)
        return bucket, log, state, good, bad_keys, got

    def test_bad_documents_dash_j(self):
        bucket, log, state, good, bad_keys, got = self.check_bad("-j")
        # The next run tries the bad ones again, and fails them again.
        p = self.run_fmt("-j", bucket, log, ["-D", "-s", state])
        self.assertRun(p, 4)
        self.assertEqual(self.read(log), got)
        self.assertEqual(self.env.keys(bucket), s3_order(bad_keys))
        self.assertEqual(self.recorded(state),
                         sorted(basename(k) for k in good))

    def test_bad_documents_json(self):
        self.check_bad("json")

    def test_bad_documents_wazuh(self):
        self.check_bad("wazuh")

    def test_bad_record_after_good_ones_writes_nothing_of_the_object(self):
        """The whole document is checked before its first line is written."""
        recs = [b'{"eventName":"BADMARK%d"}' % i for i in range(500)]
        bad = b'{"Records":[' + b",".join(recs) + b',"late"]}'
        for fmt in ("-j", "json", "wazuh"):
            with self.subTest(fmt):
                self.env.reset()
                k = log_key(1, "late-bad")
                self.seed_docs("bad-late", {}, [(k, gz(bad))])
                log = self.logpath()
                p = self.run_fmt(fmt, "bad-late", log, ["-D"])
                self.assertRun(p, 4)
                self.assertIn(b"getawslog: " + k.encode() + b": ", p.stderr)
                self.assertEqual(self.read(log), b"")
                self.assertEqual(self.env.keys("bad-late"), [k])


# ====================================================================
# Documents without records

class EmptyDocumentTests(Base):
    EMPTY = [
        ("no-records", b"{}"),
        ("other-keys", b'{"Other":[{"eventName":"x"}],"n":1}'),
        ("empty-records", b'{"Records":[]}'),
        ("empty-records-spaced", b' \n{ "Records" : [ ] , "x" : {} }\n'),
        ("records-lowercase", b'{"records":[{"eventName":"x"}]}'),
    ]

    def check_empty(self, fmt):
        bucket = "empty-" + fmt.strip("-")
        docs = {log_key(i, name): d for i, (name, d) in enumerate(self.EMPTY)}
        self.seed_docs(bucket, docs)
        for d in docs.values():
            self.assertEqual(py2model.records(py2model.parse(d)), [])
        log, state = self.logpath(), self.statepath()
        p = self.run_fmt(fmt, bucket, log, ["-D", "-s", state])
        self.assertRun(p, 0, b"")
        self.assertEqual(self.read(log), b"")
        self.assertEqual(self.env.keys(bucket), [])
        self.assertEqual(self.recorded(state),
                         sorted(basename(k) for k in docs))

    def test_empty_dash_j(self):
        self.check_empty("-j")

    def test_empty_json(self):
        self.check_empty("json")

    def test_empty_wazuh(self):
        self.check_empty("wazuh")

    def test_empty_between_good_objects(self):
        docs = {log_key(0, "a"): doc(GOOD_RECORDS[0]),
                log_key(1, "b"): b'{"Records":[]}',
                log_key(2, "c"): b"{}",
                log_key(3, "d"): doc(GOOD_RECORDS[1])}
        for fmt in ALL:
            with self.subTest(fmt):
                self.env.reset()
                self.seed_docs("empty-mixed", docs)
                log, state = self.logpath(), self.statepath()
                p = self.run_fmt(fmt, "empty-mixed", log, ["-s", state])
                self.assertRun(p, 0, b"")
                self.assertFormat(fmt, self.read(log), "empty-mixed", docs)
                self.assertEqual(self.recorded(state),
                                 sorted(basename(k) for k in docs))
                self.assertEqual(self.env.keys("empty-mixed"),
                                 s3_order(docs))


# ====================================================================
# A record is one line, whatever its values hold

BREAK_RECORDS = [
    # top-level values
    b'{"eventName":"Line\\nBreak\\rCR\\u0000NUL","sourceIPAddress":'
    b'"1.2.3.4\\n\\"AmazonAWS\\":\\"forged","userIdentity":{"type":'
    b'"IAMUser","userName":"eve\\n{\\"aws\\": {}}"}}',
    # nested values, in objects and in lists
    b'{"eventName":"Nested","requestParameters":{"k":"a\\nb\\rc\\u0000d",'
    b'"l":["x\\ny","\\r","\\u0000"],"o":{"deep":{"deeper":"\\n\\r\\u0000"}}},'
    b'"responseElements":["\\n"],"additionalEventData":"\\r\\n"}',
    # keys, top level and nested
    b'{"key\\nwith\\rbreaks\\u0000":"v","eventName":"Keys",'
    b'"o":{"nested\\nkey\\r\\u0000":"\\n"}}',
    # only breaks
    b'{"\\n":"\\n","\\r":"\\r","\\u0000":"\\u0000","tags":["\\n"]}',
    # line separators that are not line breaks for OSSEC, and the rest
    b'{"eventName":"Seps","a":"\\u2028\\u2029\\u0085\\u000b\\u000c",'
    b'"b":{"c":"\\u2028\\u0085\\u000b\\u000c"}}',
]


class LineBreakTests(Base):
    def check_breaks(self, fmt):
        bucket = "breaks-" + fmt.strip("-")
        docs = {log_key(0, "one"): doc(*BREAK_RECORDS),
                log_key(1, "each"): doc(BREAK_RECORDS[0]),
                log_key(2, "last"): doc(*reversed(BREAK_RECORDS))}
        self.seed_docs(bucket, docs)
        log = self.logpath()
        p = self.run_fmt(fmt, bucket, log)
        self.assertRun(p, 0, b"")
        got = self.read(log)
        self.assertOneLinePerRecord(fmt, got, 2 * len(BREAK_RECORDS) + 1)
        self.assertFormat(fmt, got, bucket, docs)
        return got

    def test_breaks_dash_j(self):
        got = self.check_breaks("-j")
        first = got.split(b"\n")[0]
        self.assertIn(b'"eventName":"Line\\nBreak\\rCR\\x00NUL"', first)
        self.assertIn(b'"sourceIPAddress":"1.2.3.4\\n"AmazonAWS":"forged"',
                      first)

    def test_breaks_format_flat(self):
        self.check_breaks("flat")

    def test_breaks_json(self):
        self.check_breaks("json")

    def test_breaks_wazuh(self):
        self.check_breaks("wazuh")


# ====================================================================
# Where a record came from: keys, accounts, sizes, encodings

class SourceTests(Base):
    def check_all(self, bucket, docs, accounts, stored=None):
        stored = stored or {k: gz(d) for k, d in docs.items()}
        self.env.make_bucket(bucket)
        self.env.put_many(bucket, list(stored.items()))
        for fmt in ("-j", "json", "wazuh"):
            with self.subTest(fmt):
                log = self.logpath()
                p = self.run_fmt(fmt, bucket, log)
                self.assertRun(p, 0, b"")
                self.assertFormat(fmt, self.read(log), bucket, docs, accounts)

    def test_keys_that_need_escaping(self):
        """log_file (json: the basename, wazuh: the key) is escaped."""
        rec = doc(GOOD_RECORDS[0])
        names = ['quote"back\\slash', "caf\u00e9 \u65e5\U0001f600",
                 "plus+space %2B&=", "tab\tctl\x01\x7f"]
        docs, accounts = {}, {}
        for i, name in enumerate(names):
            k = log_key(i, name)
            docs[k] = rec
            accounts[k] = ACCOUNT
        self.check_all("src-keys", docs, accounts)

    def test_account_from_record_when_key_has_none(self):
        """No 12-digit account in the key: recipientAccountId, else ''."""
        docs = {"custom/prefix/a.json.gz":
                doc(b'{"eventName":"A","recipientAccountId":"999988887777"}'),
                "custom/prefix/b.json.gz": doc(b'{"eventName":"B"}'),
                "AWSLogs/12345/CloudTrail/c.json.gz":
                doc(b'{"eventName":"C","recipientAccountId":"111122223333"}')}
        accounts = {"custom/prefix/a.json.gz": "999988887777",
                    "custom/prefix/b.json.gz": "",
                    "AWSLogs/12345/CloudTrail/c.json.gz": "111122223333"}
        self.check_all("src-acct", docs, accounts)

    def test_account_alias(self):
        """--account-alias fills every event's log_info.aws_account_alias
        (as the module's aws_account_alias); only with --format wazuh."""
        k = log_key(1, "alias")
        self.seed_docs("src-alias", {k: doc(GOOD_RECORDS[0], SEC6_RECORD)})
        log = self.logpath()
        alias = 'prod "main" caf\u00e9'
        p = self.run_fmt("wazuh", "src-alias", log,
                         ["--account-alias", alias])
        self.assertRun(p, 0, b"")
        lines = self.read(log).split(b"\n")[:-1]
        self.assertEqual(len(lines), 2)
        for line in lines:
            info = json.loads(line)["aws"]["log_info"]
            self.assertEqual(info, {"aws_account_alias": alias,
                                    "log_file": k, "s3bucket": "src-alias"})
            self.assertIn(b'"aws_account_alias": "prod \\"main\\" '
                          b'caf\\u00e9"', line)
        p = self.run_fmt("json", "src-alias", self.logpath(),
                         ["--account-alias", "x"])
        self.assertEqual(p.returncode, 2, self.show(p))
        self.assertIn(b"--account-alias: only with --format wazuh", p.stderr)

    def test_big_object(self):
        """Thousands of records in one object, several MB of lines."""
        events = s3env.sample_events(shared="")
        recs = [events[i % len(events)] for i in range(3000)]
        docs = {log_key(0, "big"): doc(*recs),
                log_key(1, "after"): doc(SEC6_RECORD)}
        self.check_all("src-big", docs, {k: ACCOUNT for k in docs})

    def test_wazuh_linear_in_top_level_keys(self):
        """--format wazuh once took time quadratic in a record's top-level
        keys (issue 15 item 8: 100,000 keys took 13 s, flat 0.08 s): it
        must take about what flat takes, and still match the model."""
        n = 100000
        rec = b"{" + b",".join(b'"k%d":"v%d"' % (i, i) for i in range(n)) + \
            b',"sourceIPAddress":"10.1.2.3","source":"x","tags":"t"}'
        docs = self.seed_docs("wide", {log_key(0, "wide"): doc(rec)})
        cpu = {}
        for fmt in ("flat", "wazuh"):
            log = self.logpath()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            p = self.run_fmt(fmt, "wide", log)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.assertRun(p, 0)
            cpu[fmt] = (after.ru_utime - before.ru_utime +
                        after.ru_stime - before.ru_stime)
            self.assertFormat(fmt, self.read(log), "wide", docs)
        self.assertLess(cpu["wazuh"], 4 * cpu["flat"] + 1.0, cpu)

    def test_zlib_and_multi_member_gzip(self):
        a, b = doc(GOOD_RECORDS[0]), doc(GOOD_RECORDS[1], SEC6_RECORD)
        docs = {log_key(0, "zlib"): a, log_key(1, "members"): b}
        # two gzip members that are one document only together
        stored = {log_key(0, "zlib"): s3env.zlib_wrap(a),
                  log_key(1, "members"): gz(b[:40]) + gz(b[40:])}
        self.check_all("src-wrap", docs, {k: ACCOUNT for k in docs}, stored)


# ====================================================================
# The state file

class DiscardTests(Base):
    """--discard FIELD=REGEX: records kept out of the log, in every format,
    the value matched as the flat format writes it."""

    RULES = ["eventName=^Decrypt$", "userIdentity.type=^AWSService$",
             "readOnly=^True$", "requestParameters=u'secret-",
             "additionalEventData.bytesTransferredIn=^1\\.5$",
             "a.b=^dotted$", "eventID=^(x|y)-7$"]

    def records(self):
        def ev(i, name, **kw):
            r = {"eventVersion": "1.08", "eventID": "id-%d" % i,
                 "eventName": name, "eventTime": "2024-07-30T21:05:00Z",
                 "userIdentity": {"type": "IAMUser", "userName": "u"}}
            r.update(kw)
            return r
        keep = [ev(1, "GetObject", additionalEventData={
                    "bytesTransferredIn": 0.0}),
                ev(2, "Decrypted"),
                ev(3, "ListBuckets", readOnly=False),
                ev(4, "PutObject", requestParameters={
                    "bucketName": "public-bucket"})]
        drop = [ev(5, "Decrypt"),
                ev(6, "AssumeRole", userIdentity={"type": "AWSService"}),
                ev(7, "ListBuckets", readOnly=True),
                ev(8, "PutObject", requestParameters={
                    "bucketName": "secret-bucket"}),
                ev(9, "GetObject", additionalEventData={
                    "bytesTransferredIn": 1.5}),
                dict(ev(10, "X"), **{"a.b": "dotted"}),
                ev(11, "Y", eventID="y-7")]
        return keep, drop

    def check(self, fmt):
        keep, drop = self.records()
        mixed = [keep[0], drop[0], drop[1], keep[1], drop[2], drop[3],
                 keep[2], drop[4], drop[5], keep[3], drop[6]]
        docs = {PREFIX + "%s_CloudTrail_us-east-1_20240730T2105Z_d%d.json.gz"
                % (ACCOUNT, i): json.dumps({"Records": recs}).encode()
                for i, recs in enumerate([mixed[:6], mixed[6:], drop])}
        bucket = "discard-" + fmt.strip("-")
        self.seed_docs(bucket, docs)
        log = self.logpath()
        prom = os.path.join(self.env.tempdir(), "getawslog.prom")
        args = ["-dd", "--metrics", prom]
        for r in self.RULES:
            args += ["--discard", r]
        p = self.run_fmt(fmt, bucket, log, args)
        self.assertEqual(p.returncode, 0, self.show(p))
        # drop's records are in the first two objects, and the third.
        self.assertIn(b", %d records discarded\n" % (2 * len(drop)), p.stderr)
        self.assertIn(b" %d records, " % len(keep), p.stderr)
        with open(prom, "rb") as f:
            self.assertRegex(f.read(), rb"\ngetawslog_last_run_records_"
                             rb"discarded\{[^}]*\} %d\n" % (2 * len(drop)))
        kept = {k: json.dumps({"Records": [r for r in json.loads(d)["Records"]
                                           if r in keep]}).encode()
                for k, d in docs.items()}
        self.assertFormat(fmt, self.read(log), bucket, kept)

    def test_dash_j(self):
        self.check("-j")

    def test_json(self):
        self.check("json")

    def test_wazuh(self):
        self.check("wazuh")

    def test_bad_rules_are_usage_errors(self):
        log = self.logpath()
        for rule, why in (("eventName", b"eventName: no '='"),
                          ("=x", b"=x: FIELD is empty"),
                          ("eventName=(", b"eventName=(: "),
                          ("a=b{2,1}", b"a=b{2,1}: "),
                          ("a=(b)\\1", b"a=(b)\\1: a back-reference")):
            p = self.env.run(["-j", "-b", "x", "-l", log, "--discard", rule])
            self.assertEqual(p.returncode, 2, self.show(p))
            self.assertIn(b"getawslog: error: option --discard: " + why,
                          p.stderr)
        p = self.env.run(["-b", "x", "-l", log, "--discard", "a=b"])
        self.assertEqual(p.returncode, 2, self.show(p))
        self.assertIn(b"only with -j or --format", p.stderr)
        self.assertEqual(self.env.requests, [])
        self.assertFalse(os.path.exists(log))


    def test_paths_through_lists(self):
        """A path that meets a list goes on in each element (Wazuh's
        discard_field): the record matches when one element does."""
        def ev(i, resources):
            return {"eventVersion": "1.08", "eventID": "id-%d" % i,
                    "eventName": "Decrypt", "resources": resources}
        kms = {"type": "AWS::KMS::Key", "ARN": "arn:aws:kms:k"}
        s3o = {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/o"}
        keep = [ev(1, [s3o]), ev(2, []), ev(3, {"type": "AWS::KMS::Keys"}),
                ev(4, [[s3o], "AWS::KMS::Key"]), ev(5, None)]
        drop = [ev(6, [s3o, kms]), ev(7, [kms]), ev(8, {"type":
                "AWS::KMS::Key"}), ev(9, [[s3o], [kms]])]
        doc = json.dumps({"Records": [keep[0], drop[0], keep[1], drop[1],
                          keep[2], drop[2], keep[3], drop[3], keep[4]]})
        key = PREFIX + "%s_CloudTrail_us-east-1_20240730T2105Z_l.json.gz" % (
            ACCOUNT)
        for fmt in ("-j", "wazuh"):
            with self.subTest(fmt):
                bucket = "discard-list-" + fmt.strip("-")
                self.seed_docs(bucket, {key: doc.encode()})
                log = self.logpath()
                p = self.run_fmt(fmt, bucket, log, [
                    "-dd", "--discard", "resources.type=^AWS::KMS::Key$"])
                self.assertEqual(p.returncode, 0, self.show(p))
                self.assertIn(b", %d records discarded\n" % len(drop),
                              p.stderr)
                self.assertFormat(fmt, self.read(log), bucket, {
                    key: json.dumps({"Records": keep}).encode()})

    def test_long_value_costs_linear_time(self):
        """An unanchored rule on a 256 KiB userAgent: glibc's regexec
        alone tries each start to the end (about 20 s); one scan here."""
        agent = "Mozilla " * 32768
        recs = [{"eventVersion": "1.08", "eventID": "id-%d" % i,
                 "eventName": "GetObject", "userAgent": agent + tail}
                for i, tail in enumerate(("", "googlebot"))]
        key = PREFIX + "%s_CloudTrail_us-east-1_20240730T2105Z_u.json.gz" % (
            ACCOUNT)
        self.seed_docs("discard-long", {key: json.dumps(
            {"Records": recs}).encode()})
        log = self.logpath()
        t = time.monotonic()
        p = self.run_fmt("-j", "discard-long", log, [
            "-dd", "--discard", "userAgent=Mozilla.*bot",
            "--discard", "userAgent=M.*z.*q"])
        took = time.monotonic() - t
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertIn(b", 1 records discarded\n", p.stderr)
        self.assertFormat("-j", self.read(log), "discard-long", {
            key: json.dumps({"Records": recs[:1]}).encode()})
        self.assertLess(took, 5.0, "the run took %.1f s" % took)


class StateTests(Base):
    def test_second_run_writes_nothing(self):
        for fmt in ALL:
            with self.subTest(fmt):
                self.env.reset()
                bucket = "state-" + fmt.strip("-")
                items, docs = make_trail(seed=7, objects=5, bucket=bucket)
                self.env.make_bucket(bucket)
                self.env.put_many(bucket, items)
                log, state = self.logpath(), self.statepath()
                p = self.run_fmt(fmt, bucket, log, ["-s", state])
                self.assertRun(p, 0, b"")
                first = self.read(log)
                self.assertFormat(fmt, first, bucket, docs)
                self.assertEqual(self.recorded(state),
                                 sorted(basename(k) for k in docs))
                gets = self.env.count(op="GET")
                p = self.run_fmt(fmt, bucket, log, ["-s", state])
                self.assertRun(p, 0, b"")
                self.assertEqual(self.read(log), first)
                self.assertEqual(self.env.count(op="GET"), gets,
                                 "a recorded object was fetched again")
                self.assertEqual(self.recorded(state),
                                 sorted(basename(k) for k in docs))

    def test_new_object_after_first_run(self):
        bucket = "state-new"
        docs = {log_key(0, "a"): doc(GOOD_RECORDS[0])}
        self.seed_docs(bucket, docs)
        log, state = self.logpath(), self.statepath()
        p = self.run_fmt("-j", bucket, log, ["-s", state])
        self.assertRun(p, 0, b"")
        new = {log_key(1, "b"): doc(GOOD_RECORDS[1])}
        self.env.put_many(bucket, [(k, gz(d)) for k, d in new.items()])
        p = self.run_fmt("-j", bucket, log, ["-s", state])
        self.assertRun(p, 0, b"")
        self.assertFormat("-j", self.read(log), bucket, dict(docs, **new))


# ====================================================================
# Issue 12: -j streams. A document whose lines outgrow the spool's memory
# (8 MiB) and whose body is over 4 MiB (both in temporary files): the same
# lines as the model's; nothing when it goes bad at its very end; only the
# last of two Records; and no file left beside the log.

class StreamTests(Base):
    def big_doc(self):
        """A pool of 200 records with incompressible text (about 1 MB),
        and a document of 16 copies of it: ~16 MB, ~7 MB of gzip."""
        rng = random.Random(12)
        events = s3env.sample_events(shared="")
        pool = []
        for i in range(200):
            ev = json.loads(events[i % len(events)])
            ev["eventID"] = "S%04d" % i
            ev["noise"] = "%x" % rng.getrandbits(20000)
            pool.append(json.dumps(ev).encode())
        return doc(*pool), b",".join(pool * 16)

    def spool_open(self, args):
        """The O_TMPFILE openings of a run under strace: their paths."""
        out = os.path.join(self.env.tempdir(), "trace")
        # LeakSanitizer cannot run under ptrace; the rest of ASan can.
        asan = os.environ.get("ASAN_OPTIONS", "")
        p = self.env.run(args, extra_env={
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "detect_leaks=0"},
            wrap=["strace", "-f", "-qq", "-o", out, "-e", "trace=openat"])
        self.assertRun(p, 0, b"")
        with open(out, encoding="utf-8", errors="replace") as f:
            return [ln.split('"')[1] for ln in f if "O_TMPFILE" in ln]

    def test_lines_far_bigger_than_the_document_stop_it(self):
        # {"Records":[{},{},... makes 3 bytes of JSON into some 230 bytes
        # of wazuh line: kilobytes of gzip would fill the log's disk with
        # held-back lines before the document's end was seen. A ceiling
        # (lines at most 16 times the document, plus slack) makes it that
        # object's failure; the next object is written, nothing is left
        # beside the log. (--max-output-size's 64M would stop it first:
        # raised, so this guard is the one seen.)
        bomb = b'{"Records":[' + b",".join([b"{}"] * 1000000) + b"]}"
        good = doc(SEC6_RECORD)
        docs = {log_key(0, "blowup"): bomb, log_key(1, "good"): good}
        self.seed_docs("stream-blowup", docs)
        d = self.env.tempdir()
        log = os.path.join(d, "amazon.json")
        p = self.run_fmt("wazuh", "stream-blowup", log,
                         ["--max-output-size", "1G"])
        self.assertEqual(p.returncode, 4, self.show(p))
        self.assertIn(log_key(0, "blowup").encode() + b": its lines would be "
                      b"more than 16 times the document", p.stderr)
        self.assertFormat("wazuh", self.read(log), "stream-blowup",
                          {log_key(1, "good"): good})
        self.assertEqual(sorted(os.listdir(d)), [".amazon.json.lock",
                                                 "amazon.json"])

    def test_small_object_with_huge_output_fails(self):
        # Issue 19 item 7: `{"eventVersion":"1"}` repeated compresses a
        # thousand times and makes 14 times its JSON in wazuh lines, under
        # the 16-times guard above: 159 KiB of gzip made 0.9 GiB. An
        # object writes at most --max-output-size (64M) or 100 times its
        # compressed size: past it, that object fails, nothing of it is
        # written, the next object is.
        rec = b'{"eventVersion":"1"}'
        hostile = doc(*[rec] * 400000)
        good = doc(SEC6_RECORD)
        self.assertLess(len(gz(hostile)), 100 << 10)
        docs = {log_key(0, "hostile"): hostile, log_key(1, "good"): good}
        self.seed_docs("stream-output", docs)
        d = self.env.tempdir()
        log = os.path.join(d, "amazon.json")
        p = self.run_fmt("wazuh", "stream-output", log)
        self.assertEqual(p.returncode, 4, self.show(p))
        self.assertIn(log_key(0, "hostile").encode() + b": its lines would "
                      b"take more than 67108864 bytes (see --max-output-"
                      b"size)\n", p.stderr)
        self.assertFormat("wazuh", self.read(log), "stream-output",
                          {log_key(1, "good"): good})
        self.assertEqual(sorted(os.listdir(d)), [".amazon.json.lock",
                                                 "amazon.json"])

    def test_max_output_size_is_a_floor_under_the_ratio(self):
        # --max-output-size 1M: a compressible object of 2 MB of lines
        # fails (in raw mode too: its bytes are its output); one of
        # incompressible text, whose gzip is a hundredth of its lines or
        # more, is written whatever its size.
        rng = random.Random(19)
        small = doc(*[SEC6_RECORD] * 2000)
        noisy = doc(*[json.dumps({"eventVersion": "1.08", "eventID": "n%d" % i,
                                  "noise": "%x" % rng.getrandbits(40000)})
                      .encode() for i in range(220)])
        self.assertGreater(len(noisy), 2 << 20)
        docs = {log_key(0, "small"): small, log_key(1, "noisy"): noisy}
        self.seed_docs("stream-outmax", docs)
        for fmt in ("raw", "-j", "json"):
            with self.subTest(fmt):
                log = self.logpath()
                args = ["-b", "stream-outmax", "-l", log,
                        "--max-output-size", "1M"]
                p = self.env.run(args + (FORMATS[fmt][0] if fmt != "raw"
                                         else []))
                self.assertEqual(p.returncode, 4, self.show(p))
                what = b"it would write" if fmt == "raw" else \
                    b"its lines would take"
                self.assertIn(log_key(0, "small").encode() + b": " + what +
                              b" more than 1048576 bytes (see --max-output-"
                              b"size)\n", p.stderr)
                if fmt == "raw":
                    self.assertBytes(self.read(log), noisy + b"\n")
                else:
                    self.assertFormat(fmt, self.read(log), "stream-outmax",
                                      {log_key(1, "noisy"): noisy})
                # The default (64M) takes both.
                log = self.logpath()
                p = self.env.run(args[:4] + (FORMATS[fmt][0] if fmt != "raw"
                                             else []))
                self.assertEqual(p.returncode, 0, self.show(p))
        p = self.env.run(["-b", "x", "-l", self.logpath(),
                          "--max-output-size", "0"])
        self.assertEqual(p.returncode, 2, self.show(p))
        self.assertIn(b"--max-output-size: 0 is not a size", p.stderr)

    def test_document_bigger_than_the_spools_memory(self):
        pooldoc, body = self.big_doc()
        big = b'{"Records":[' + body + b"]}"
        self.assertGreater(len(big), 12 << 20)
        k = log_key(0, "big")
        for fmt in ("-j", "wazuh"):
            with self.subTest(fmt):
                self.env.reset()
                self.seed_docs("stream-big", {k: big})
                self.assertGreater(len(gz(big)), 4 << 20)
                log = self.logpath()
                p = self.run_fmt(fmt, "stream-big", log)
                self.assertRun(p, 0, b"")
                got = self.read(log)
                if FORMATS[fmt][1] == "wazuh":
                    want = self.want(fmt, "stream-big", {k: pooldoc}) * 16
                    self.assertWazuh(got, "stream-big", want,
                                     {k: ACCOUNT})
                else:
                    want = self.want(fmt, "stream-big", {k: pooldoc})
                    self.assertBytes(got, want * 16)
                # The spool's file had no name: nothing beside the log.
                self.assertEqual(sorted(os.listdir(os.path.dirname(log))),
                                 [".amazon.log.lock", "amazon.log"])

    def test_spool_file_is_in_the_logs_directory(self):
        if not shutil.which("strace"):
            self.skipTest("strace is not installed (make deps)")
        _, body = self.big_doc()
        big = b'{"Records":[' + body + b"]}"
        self.seed_docs("stream-dir", {log_key(0, "big"): big})
        log = self.logpath()
        args = FORMATS["-j"][0] + ["-b", "stream-dir", "-l", log]
        dirs = self.spool_open(args)
        # The body's file in $TMPDIR, the lines' in the log's directory.
        self.assertIn(os.path.dirname(log), dirs)
        # /dev/null is no directory for a file: $TMPDIR's instead.
        args = FORMATS["-j"][0] + ["-b", "stream-dir", "-l", "/dev/null"]
        self.assertNotIn("/dev", self.spool_open(args))

    def test_bad_at_the_end_writes_nothing(self):
        _, body = self.big_doc()
        bad = b'{"Records":[' + body + b',"late"]}'
        k = log_key(0, "late")
        self.seed_docs("stream-bad", {k: bad})
        log = self.logpath()
        p = self.run_fmt("-j", "stream-bad", log, ["-D"])
        self.assertRun(p, 4)
        self.assertIn(b"getawslog: " + k.encode() + b": ", p.stderr)
        self.assertEqual(self.read(log), b"")
        self.assertEqual(self.env.keys("stream-bad"), [k])

    def test_the_last_records_win_after_a_big_first(self):
        _, body = self.big_doc()
        last = doc(GOOD_RECORDS[0], GOOD_RECORDS[1])
        two = b'{"Records":[' + body + b'],"Records":' + last[11:]
        k = log_key(0, "two")
        self.seed_docs("stream-two", {k: two})
        log = self.logpath()
        p = self.run_fmt("-j", "stream-two", log)
        self.assertRun(p, 0, b"")
        self.assertBytes(self.read(log),
                         self.want("-j", "stream-two", {k: last}))


if __name__ == "__main__":
    print("flat and json lines from %s" % py2ref.SOURCE)
    sys.exit(runner.main("formats"))
