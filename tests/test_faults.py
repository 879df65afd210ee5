#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Fault tests for issue 4 (never lose a record, never process one twice):
the built getawslog against moto's S3 behind tests/s3env.py's front, which
injects faults (503 SlowDown, 500, resets mid-body, bodies cut short,
corrupted bytes, latency), refuses writes for read-only keys, and records
every request.

Covered: transient faults are retried and every record arrives exactly once;
faults that outlast --max-attempts leave the object for the next run (exit
5); corrupt objects (exit 4); -s skips what was done, and a state file made
by getawslog.py is honoured; read-only credentials with -D delete and record
nothing (exit 4); SIGKILL at random moments loses nothing and duplicates at
most the object in flight; SIGINT and SIGTERM; the lock (two runs at once,
exit 6); a full disk (a small tmpfs).

The documents are written in raw mode (one JSON document per log line) with
a unique eventID per record, so the log can be checked record by record: a
record counts as in the log only when it is in a whole line that parses, as
OSSEC/Wazuh would read it.

The binary is $GETAWSLOG (default ./getawslog).  The last line printed is
"N passed, N failed"; the exit status is non-zero when a test failed.
"""

import collections
import datetime as dt
import fcntl
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import Fault, gz, s3_order  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYFAULTKEY"
CREDS = {"AKIDTEST": SECRET, "AKIDREAD": "read/only+secret"}
READ_ONLY = {"AWS_ACCESS_KEY_ID": "AKIDREAD",
             "AWS_SECRET_ACCESS_KEY": CREDS["AKIDREAD"]}
ACCOUNT = "123456789012"
# The schema exactly as getawslog.py created it.
SCRIPT_SCHEMA = ("CREATE TABLE log_progress (log_name 'text' primary key, "
                 "processed_date 'TEXT')")
ID_RE = re.compile(rb'"eventID":"(T[0-9a-z]+-O\d{3}-R\d{2})"')

ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials=CREDS)


def basename(key):
    return key.rsplit("/", 1)[-1]


def utc_today():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")


class Obj:
    """One CloudTrail object: key, document, the eventIDs of its records."""

    def __init__(self, key, doc, ids):
        self.key, self.doc, self.ids = key, doc, ids
        self.base = basename(key)

    def __repr__(self):
        return "Obj(%s)" % self.base


def make_objects(tag, n, per=3, pad=0, seed=0, big=None):
    """n objects in S3's listing order; records tagged T<tag>-O<i>-R<j>.
    pad: bytes of seeded random filler per record; big: {index: pad}."""
    rng = random.Random("%s/%d" % (tag, seed))
    when = dt.datetime(2024, 7, 30, 21, 5)
    objs = []
    for i in range(n):
        recs, ids = [], []
        for j in range(per):
            eid = "T%s-O%03d-R%02d" % (tag, i, j)
            ids.append(eid)
            p = (big or {}).get(i, pad)
            rec = {"eventVersion": "1.08",
                   "userIdentity": {"type": "IAMUser", "userName": "alice",
                                    "accountId": ACCOUNT},
                   "eventTime": (when + dt.timedelta(seconds=j)).strftime(
                       "%Y-%m-%dT%H:%M:%SZ"),
                   "eventSource": "s3.amazonaws.com",
                   "eventName": "GetObject", "awsRegion": "us-east-1",
                   "sourceIPAddress": "10.0.%d.%d" % (i % 250, j),
                   "eventID": eid}
            if p:
                rec["requestParameters"] = {
                    "filler": "%x" % rng.getrandbits(4 * p)}
            recs.append(json.dumps(rec, separators=(",", ":")))
        doc = ('{"Records":[' + ",".join(recs) + "]}").encode()
        key = ("AWSLogs/%s/CloudTrail/us-east-1/%s/%s_CloudTrail_us-east-1_"
               "%s_%s%03d.json.gz" % (ACCOUNT, when.strftime("%Y/%m/%d"),
                                      ACCOUNT, when.strftime("%Y%m%dT%H%MZ"),
                                      tag, i))
        objs.append(Obj(key, doc, ids))
        when += dt.timedelta(minutes=5)
    order = s3_order([o.key for o in objs])
    by_key = {o.key: o for o in objs}
    return [by_key[k] for k in order]


def log_of(objs):
    """The raw-mode log for these objects: each document, then a newline."""
    return b"".join(o.doc + b"\n" for o in objs)


def line_records(data):
    """Counter of eventIDs found in whole log lines that parse as JSON
    documents (what a log reader gets), and the number of bad lines."""
    found = collections.Counter()
    bad = 0
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        bad += 1                        # a last line without its newline
        lines.pop()
    for line in lines:
        try:
            doc = json.loads(line)
            recs = doc["Records"]
        except (ValueError, KeyError, TypeError):
            bad += 1
            continue
        for r in recs:
            found[r.get("eventID")] += 1
    return found, bad


def byte_records(data):
    """Counter of eventIDs anywhere in the bytes (whole lines or not)."""
    return collections.Counter(m.decode() for m in ID_RE.findall(data))


class Base(unittest.TestCase):
    maxDiff = 4000
    bucket = "fault-trail"

    def setUp(self):
        self.env = ENV
        self.env.reset()

    # -- seeding and paths
    def seed(self, objs, stored=None):
        """Put gzip(doc) for each object (stored: {index: bytes} instead)."""
        self.env.make_bucket(self.bucket)
        self.env.put_many(self.bucket, [
            (o.key, (stored or {}).get(i, gz(o.doc)))
            for i, o in enumerate(objs)])
        return objs

    def paths(self):
        d = self.env.tempdir()
        return os.path.join(d, "amazon.log"), os.path.join(d, "state.db")

    def read(self, path):
        if not os.path.exists(path):
            return b""
        with open(path, "rb") as f:
            return f.read()

    def rows(self, state):
        """{basename: processed_date} of a state file."""
        if not os.path.exists(state):
            return {}
        db = sqlite3.connect(state)
        try:
            return dict(db.execute("SELECT log_name, processed_date FROM "
                                   "log_progress"))
        except sqlite3.OperationalError:
            return {}
        finally:
            db.close()

    def bucket_keys(self):
        return set(self.env.keys(self.bucket))

    def gets(self, key):
        return sum(1 for r in self.env.requests
                   if r.op == "GET" and r.key == key)

    def ops(self, key):
        return [r.op for r in self.env.requests if r.key == key]

    # -- running
    def args(self, log, state=None, delete=False, extra=()):
        a = ["-b", self.bucket, "-l", log]
        if state:
            a += ["-s", state]
        if delete:
            a.append("-D")
        return a + list(extra)

    def run_bin(self, args, **kw):
        return self.env.run(args, **kw)

    def show(self, p, out=None, err=None):
        out = p.stdout if out is None else out
        err = p.stderr if err is None else err
        reqs = "\n".join("  %s %s%s -> %s%s" % (
            r.method, r.path, "?" + r.query if r.query else "", r.status,
            " fault=" + r.fault if r.fault else "")
            for r in self.env.requests[-30:])
        return ("exit %s\n--- stdout:\n%r\n--- stderr:\n%r\n--- requests "
                "(last 30 of %d):\n%s" % (p.returncode, (out or b"")[:3000],
                                          (err or b"")[:3000],
                                          len(self.env.requests), reqs))

    def assertRun(self, p, rc, stdout=None, stderr=None):
        self.assertEqual(p.returncode, rc, self.show(p))
        if stdout is not None:
            self.assertEqual(p.stdout, stdout, self.show(p))
        if stderr is not None:
            self.assertEqual(p.stderr, stderr, self.show(p))

    def assertLog(self, path, want):
        diff = s3env.bytes_difference(self.read(path), want)
        if diff:
            self.fail(diff)

    def assertEachOnce(self, path, objs, msg=""):
        """Every record of objs in the log exactly once, in whole lines,
        and nothing else."""
        found, bad = line_records(self.read(path))
        want = collections.Counter(i for o in objs for i in o.ids)
        extra = {k: v for k, v in found.items() if want[k] != v}
        missing = [k for k in want if found[k] == 0]
        self.assertEqual((bad, missing, extra), (0, [], {}),
                         "%s: bad lines, records missing, records not once"
                         % msg)

    def assertUnrecorded(self, state, objs):
        rows = self.rows(state)
        self.assertEqual([o.base for o in objs if o.base in rows], [],
                         "recorded in the state file")

    def assertRecorded(self, state, objs):
        rows = self.rows(state)
        self.assertEqual([o.base for o in objs if o.base not in rows], [],
                         "missing from the state file")

    def assertInBucket(self, objs):
        keys = self.bucket_keys()
        self.assertEqual([o.base for o in objs if o.key not in keys], [],
                         "deleted from the bucket")

    def assertGone(self, objs):
        keys = self.bucket_keys()
        self.assertEqual([o.base for o in objs if o.key in keys], [],
                         "still in the bucket")

    def summary_line(self, p):
        lines = p.stderr.decode("utf-8", "replace").splitlines()
        self.assertTrue(lines, "no summary on stderr\n" + self.show(p))
        return lines[-1]


# ====================================================================
# Transient faults: retried, every record exactly once.

class TransientTests(Base):
    def test_transient_get_faults_every_record_once(self):
        objs = self.seed(make_objects("tg", 9))
        k = [o.key for o in objs]
        self.env.faults += [
            Fault("status", key=k[0], status=503, code="SlowDown",
                  retry_after=0),
            Fault("status", key=k[1], status=500, code="InternalError",
                  retry_after=0),
            Fault("reset", key=k[2], op="GET"),
            Fault("truncate", key=k[3], op="GET"),
            Fault("latency", key=k[4], op="GET", ms=400),
            Fault("status", key=k[5], status=429, code="TooManyRequests",
                  message="Too Many Requests", retry_after=0),
            # S3's RequestTimeout is a 400: retried by its code.
            Fault("status", key=k[6], status=400, code="RequestTimeout",
                  message="Your socket connection to the server was not "
                  "read from or written to within the timeout period.",
                  retry_after=0),
            Fault("status", key=k[7], status=502, code="BadGateway",
                  message="Bad Gateway", retry_after=0),
            # Two failures in a row still fit in the default 3 attempts.
            Fault("status", key=k[8], status=504, code="GatewayTimeout",
                  message="Gateway Timeout", retry_after=0),
            Fault("status", key=k[8], status=503, code="ServiceUnavailable",
                  retry_after=0),
        ]
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertLog(log, log_of(objs))
        self.assertGone(objs)
        self.assertRecorded(state, objs)
        self.assertEqual([f.fired for f in self.env.faults], [1] * 10,
                         "every fault fired once")
        self.assertEqual([self.gets(key) for key in k],
                         [2, 2, 2, 2, 1, 2, 2, 2, 3], "GETs per object")

    def test_transient_list_and_delete_faults(self):
        objs = self.seed(make_objects("tl", 4))
        k = [o.key for o in objs]
        self.env.faults += [
            # The bucket check and the first page.
            Fault("status", op="LIST", count=2, retry_after=0),
            # The delete happened, the answer was lost: the retry finds
            # nothing to delete, which S3 answers with 204 as well.
            Fault("reset", key=k[1], op="DELETE"),
            Fault("status", key=k[2], op="DELETE", status=500,
                  code="InternalError", retry_after=0),
        ]
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertLog(log, log_of(objs))
        self.assertGone(objs)
        self.assertRecorded(state, objs)
        self.assertEqual([f.fired for f in self.env.faults], [2, 1, 1])

    def test_transient_faults_without_state(self):
        objs = self.seed(make_objects("tn", 4))
        self.env.faults += [Fault("reset", key=objs[0].key, op="GET"),
                            Fault("truncate", key=objs[3].key, op="GET")]
        self.env.latency_ms = 20
        log, _ = self.paths()
        p = self.run_bin(self.args(log, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertLog(log, log_of(objs))
        self.assertGone(objs)

    def test_retry_after_is_honoured(self):
        objs = self.seed(make_objects("ra", 1))
        self.env.faults.append(Fault("status", key=objs[0].key,
                                     retry_after=2))
        log, _ = self.paths()
        t = time.monotonic()
        p = self.run_bin(self.args(log))
        took = time.monotonic() - t
        self.assertRun(p, 0, b"", b"")
        self.assertGreaterEqual(took, 1.9, "Retry-After: 2 not waited for")
        self.assertLess(took, 10)
        self.assertLog(log, log_of(objs))


# ====================================================================
# Faults that outlast the retries: exit 5, object left for the next run.

class PersistentTests(Base):
    def test_persistent_503_exit_5_then_rerun_with_state(self):
        objs = self.seed(make_objects("p5", 5))
        bad = objs[2]
        self.env.faults.append(Fault("status", key=bad.key, count=None,
                                     retry_after=0))
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, extra=["--max-attempts", "2"]))
        self.assertRun(p, 5, b"")
        self.assertEqual(self.gets(bad.key), 2, "--max-attempts 2")
        others = [o for o in objs if o is not bad]
        self.assertLog(log, log_of(others))
        self.assertRecorded(state, others)
        self.assertUnrecorded(state, [bad])
        self.assertInBucket(objs)
        err = p.stderr.decode()
        self.assertIn(bad.key, err)
        self.assertIn("SlowDown", err)
        self.assertTrue(self.summary_line(p).startswith("getawslog: "),
                        self.show(p))
        self.assertEqual(len(err.splitlines()), 2,
                         "one error and a one-line summary\n" + self.show(p))
        # The next run, the fault gone, completes the log.
        self.env.faults.clear()
        p = self.run_bin(self.args(log, state, extra=["--max-attempts", "2"]))
        self.assertRun(p, 0, b"", b"")
        self.assertEqual(self.gets(bad.key), 3, "the rerun fetched it once")
        self.assertLog(log, log_of(others) + log_of([bad]))
        self.assertEachOnce(log, objs)
        self.assertRecorded(state, objs)

    def test_persistent_reset_exit_5_then_rerun_with_delete(self):
        objs = self.seed(make_objects("pr", 4))
        bad = objs[1]
        self.env.faults.append(Fault("reset", key=bad.key, op="GET",
                                     count=None))
        log, _ = self.paths()
        p = self.run_bin(self.args(log, delete=True,
                                   extra=["--max-attempts", "2"]))
        self.assertRun(p, 5, b"")
        self.assertEqual(self.gets(bad.key), 2)
        others = [o for o in objs if o is not bad]
        self.assertLog(log, log_of(others))
        self.assertInBucket([bad])
        self.assertGone(others)
        self.assertIn(bad.key, p.stderr.decode())
        self.env.faults.clear()
        p = self.run_bin(self.args(log, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertEachOnce(log, objs)
        self.assertGone(objs)

    def test_default_max_attempts_is_3(self):
        objs = self.seed(make_objects("p3", 2))
        self.env.faults.append(Fault("status", key=objs[0].key, count=None,
                                     status=500, code="InternalError",
                                     retry_after=0))
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 5, b"")
        self.assertEqual(self.gets(objs[0].key), 3)
        self.assertInBucket(objs[:1])
        self.assertUnrecorded(state, objs[:1])
        self.assertGone(objs[1:])
        self.assertLog(log, log_of(objs[1:]))

    def test_max_attempts_1_means_no_retry(self):
        objs = self.seed(make_objects("p1", 2))
        self.env.faults.append(Fault("status", key=objs[1].key,
                                     retry_after=0))
        log, _ = self.paths()
        p = self.run_bin(self.args(log, extra=["--max-attempts", "1"]))
        self.assertRun(p, 5, b"")
        self.assertEqual(self.gets(objs[1].key), 1)
        self.assertLog(log, log_of(objs[:1]))

    def test_persistent_delete_failure_exit_5_object_kept_recorded(self):
        # Its lines are in the log: it stays recorded (so no run writes
        # it again) and in the bucket, and the next run deletes it.
        objs = self.seed(make_objects("pd", 3))
        bad = objs[0]
        self.env.faults.append(Fault("status", key=bad.key, op="DELETE",
                                     count=None, retry_after=0))
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 5, b"")
        self.assertInBucket([bad])
        self.assertRecorded(state, objs)
        self.assertGone(objs[1:])
        self.assertIn(bad.key, p.stderr.decode())
        self.env.faults.clear()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertGone(objs)
        self.assertEachOnce(log, objs)

    def test_listing_that_keeps_failing_exit_5(self):
        objs = self.seed(make_objects("pl", 2))
        # The bucket check (the first LIST) passes, then every LIST fails.
        self.env.faults += [Fault("latency", op="LIST", ms=0, count=1),
                            Fault("status", op="LIST", count=None,
                                  retry_after=0)]
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 5)
        self.assertEqual(self.env.count(op="GET"), 0)
        self.assertInBucket(objs)
        self.assertEqual(self.read(log), b"")
        self.assertEqual(self.rows(state), {})

    def test_bucket_check_that_keeps_failing_is_transient_exit_5(self):
        # Throttling at the bucket check is not "the bucket cannot be
        # accessed" (3, fix the configuration): it is a request that still
        # failed after every retry (5, the next run will do it).
        objs = self.seed(make_objects("pc", 2))
        self.env.faults.append(Fault("status", op="LIST", count=None,
                                     retry_after=0))
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertEqual(self.env.count(op="LIST"), 3, self.show(p))
        self.assertRun(p, 5)
        self.assertInBucket(objs)
        self.assertEqual(self.read(log), b"")

    def test_access_denied_on_get_is_permanent(self):
        objs = self.seed(make_objects("pa", 3))
        self.env.faults.append(Fault("status", key=objs[1].key, count=None,
                                     status=403, code="AccessDenied"))
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 4, b"")
        self.assertEqual(self.gets(objs[1].key), 1, "a 403 is not retried")
        self.assertIn(objs[1].key + ": cannot download: AccessDenied",
                      p.stderr.decode())
        self.assertInBucket(objs[1:2])
        self.assertUnrecorded(state, objs[1:2])
        self.assertLog(log, log_of([objs[0], objs[2]]))

    def test_transient_wins_over_permanent(self):
        objs = self.seed(make_objects("pw", 3), stored={0: b"not gzip"})
        self.env.faults.append(Fault("status", key=objs[2].key, count=None,
                                     retry_after=0))
        log, _ = self.paths()
        p = self.run_bin(self.args(log, delete=True,
                                   extra=["--max-attempts", "2"]))
        self.assertRun(p, 5, b"")
        self.assertInBucket([objs[0], objs[2]])
        self.assertGone(objs[1:2])
        self.assertLog(log, log_of(objs[1:2]))


# ====================================================================
# Corrupt objects: permanent, exit 4, left in the bucket.

class CorruptTests(Base):
    def test_corrupted_byte_exit_4_object_left(self):
        objs = self.seed(make_objects("cb", 4, pad=200))
        bad = objs[1]
        self.env.faults.append(Fault("corrupt", key=bad.key, op="GET"))
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 4, b"")
        others = [o for o in objs if o is not bad]
        self.assertLog(log, log_of(others))
        self.assertInBucket([bad])
        self.assertUnrecorded(state, [bad])
        self.assertGone(others)
        self.assertRecorded(state, others)
        self.assertIn(bad.key, p.stderr.decode())
        # The fault was on the wire only: the next run gets it whole.
        self.env.faults.clear()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertEachOnce(log, objs)
        self.assertGone(objs)

    def test_corrupt_and_short_stored_objects_exit_4(self):
        objs = make_objects("cs", 4)
        whole = gz(objs[1].doc)
        flipped = bytearray(gz(objs[2].doc))
        flipped[len(flipped) // 2] ^= 0x40
        self.seed(objs, stored={1: whole[:-6], 2: bytes(flipped)})
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 4, b"")
        self.assertInBucket(objs[1:3])
        self.assertUnrecorded(state, objs[1:3])
        self.assertGone([objs[0], objs[3]])
        self.assertLog(log, log_of([objs[0], objs[3]]))
        err = p.stderr.decode()
        self.assertIn(objs[1].key, err)
        self.assertIn(objs[2].key, err)


    def test_zero_padding_after_the_last_member_is_no_error(self):
        # gzip(1) and Python read it; so must we, in memory and from the
        # temporary file raw mode spools big objects to. Garbage after
        # the padding is still an error.
        objs = make_objects("zp", 6, pad=200, big={2: 5 << 20, 5: 5 << 20})
        half = len(objs[4].doc) // 2
        self.seed(objs, stored={0: gz(objs[0].doc) + b"\0" * 3000,
                                1: gz(objs[1].doc) + b"\0",
                                2: gz(objs[2].doc) + b"\0" * 70000,
                                3: gz(objs[3].doc) + b"\0\0x",
                                # zeros between members too, as Python's
                                # gzip skips them; and from the spool file
                                4: gz(objs[4].doc[:half]) + b"\0" * 9 +
                                gz(objs[4].doc[half:]) + b"\0\0",
                                5: gz(objs[5].doc[:1000]) + b"\0" * 300000 +
                                gz(objs[5].doc[1000:])})
        good = [o for i, o in enumerate(objs) if i != 3]
        log, state = self.paths()
        for extra in ([], ["-j"]):
            os.path.exists(log) and os.unlink(log)
            p = self.run_bin(self.args(log, extra=extra))
            self.assertRun(p, 4, b"")
            err = p.stderr.decode()
            self.assertIn(objs[3].key, err)
            for o in good:
                self.assertNotIn(o.key, err)
            found = byte_records(self.read(log))
            for o in good:
                for i in o.ids:
                    self.assertEqual(found[i], 1, i)

    def test_an_empty_object_is_skipped_and_recorded(self):
        # A zero-byte "_$folder$" marker failed every run forever.
        objs = make_objects("ze", 2)
        self.seed(objs)
        marker = "AWSLogs/%s/CloudTrail_$folder$" % ACCOUNT
        self.env.put(self.bucket, marker, b"")
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, extra=["-dd"]))
        self.assertRun(p, 0)
        self.assertIn("getawslog: skipping %s, an empty object\n" % marker,
                      p.stderr.decode())
        self.assertLog(log, log_of(objs))
        self.assertIn("CloudTrail_$folder$", self.rows(state))
        p = self.run_bin(self.args(log, state))
        self.assertRun(p, 0, b"", b"")
        p = self.run_bin(self.args(log))
        self.assertRun(p, 0, b"", b"")


# ====================================================================
# -s: a second run writes nothing; the script's state file works.

class StateTests(Base):
    def test_second_run_writes_nothing(self):
        objs = self.seed(make_objects("s2", 4))
        log, state = self.paths()
        before = utc_today()
        p = self.run_bin(self.args(log, state))
        self.assertRun(p, 0, b"", b"")
        self.assertLog(log, log_of(objs))
        rows = self.rows(state)
        self.assertEqual(sorted(rows), sorted(o.base for o in objs))
        self.assertTrue(set(rows.values()) <= {before, utc_today()}, rows)
        n = len(self.env.requests)
        p = self.run_bin(self.args(log, state, extra=["-d"]))
        self.assertRun(p, 0, stderr=b"")
        self.assertLog(log, log_of(objs))
        self.assertEqual([r.op for r in self.env.requests[n:]
                          if r.op not in ("LIST",)], [],
                         "the second run fetched objects")
        out = p.stdout.decode()
        for o in objs:
            self.assertIn("Skipping previously seen file %s\n" % o.base, out)
        self.assertNotIn("Found new log", out)

    def test_script_made_state_file_is_honoured(self):
        objs = self.seed(make_objects("ss", 5))
        log, state = self.paths()
        db = sqlite3.connect(state)
        db.execute(SCRIPT_SCHEMA)
        for o in (objs[0], objs[3]):
            # As getawslog.py did it.
            db.execute("INSERT INTO log_progress VALUES ('%s', "
                       "'2017-12-11')" % o.base)
        db.commit()
        db.close()
        before = utc_today()
        p = self.run_bin(self.args(log, state, extra=["-d"]))
        self.assertRun(p, 0, stderr=b"")
        new = [objs[1], objs[2], objs[4]]
        self.assertLog(log, log_of(new))
        self.assertEqual([self.gets(o.key) for o in objs], [0, 1, 1, 0, 1])
        out = p.stdout.decode()
        for o in (objs[0], objs[3]):
            self.assertIn("Skipping previously seen file %s\n" % o.base, out)
        rows = self.rows(state)
        self.assertEqual(rows[objs[0].base], "2017-12-11")
        self.assertEqual(rows[objs[3].base], "2017-12-11")
        for o in new:
            self.assertIn(rows.get(o.base), (before, utc_today()))
        db = sqlite3.connect(state)
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = "
                         "'log_progress'").fetchone()[0]
        # The script's own query still works on the file.
        hit = db.execute("SELECT * FROM log_progress WHERE log_name = '%s'"
                         % objs[4].base).fetchall()
        db.close()
        self.assertEqual(sql, SCRIPT_SCHEMA)
        self.assertEqual(len(hit), 1)


# ====================================================================
# Read-only credentials with -D: a refused delete stops the run at once,
# said once; with -s the written object stays recorded and its delete is
# tried again, so no run writes it twice.

class ReadOnlyTests(Base):
    def undeleted(self, state):
        db = sqlite3.connect(state)
        try:
            return [k for (k,) in db.execute(
                "SELECT key FROM getawslog_undeleted ORDER BY key")]
        finally:
            db.close()

    def assertDenied(self, p, key):
        self.assertRun(p, 3, b"")
        err = p.stderr.decode()
        self.assertEqual(err.count("cannot delete"), 1, err)
        self.assertIn("getawslog: %s: cannot delete: AccessDenied: "
                      "Access Denied\n" % key, err)
        self.assertEqual(err.count("may not delete objects from bucket"),
                         1, err)

    def test_read_only_keys_with_delete_and_state(self):
        objs = self.seed(make_objects("ro", 5, per=2))
        self.env.read_only.add("AKIDREAD")
        log, state = self.paths()
        for run in range(3):
            p = self.run_bin(self.args(log, state, delete=True),
                             extra_env=READ_ONLY)
            self.assertDenied(p, objs[0].key)
            # The first object's lines, once, however many runs.
            self.assertEachOnce(log, objs[:1], "run %d" % run)
            self.assertEqual(self.rows(state).keys(), {objs[0].base})
            self.assertEqual(self.undeleted(state), [objs[0].key])
            self.assertInBucket(objs)
        self.assertEqual(self.env.count(op="DELETE", status=403), 3)
        # Keys that may delete: the old delete first, then the rest.
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertEachOnce(log, objs)
        self.assertGone(objs)
        self.assertRecorded(state, objs)
        self.assertEqual(self.undeleted(state), [])
        deletes = [r.key for r in self.env.requests if r.op == "DELETE"
                   and r.status == 204]
        self.assertEqual(deletes, [o.key for o in objs])

    def test_read_only_keys_with_delete_only(self):
        # Without -s nothing remembers the object: it is written again by
        # the next run, but the run stops there instead of writing the
        # whole bucket again every five minutes.
        objs = self.seed(make_objects("rd", 5, per=2))
        self.env.read_only.add("AKIDREAD")
        log, _ = self.paths()
        for run in range(3):
            p = self.run_bin(self.args(log, delete=True), extra_env=READ_ONLY)
            self.assertDenied(p, objs[0].key)
            found, bad = line_records(self.read(log))
            self.assertEqual(bad, 0)
            self.assertEqual(sum(found.values()), 2 * (run + 1),
                             "lines after run %d" % run)
            self.assertInBucket(objs)

    def test_other_delete_failures_keep_the_record(self):
        # A delete that keeps failing (500) is no reason to stop; with -s
        # the object stays recorded and is deleted by the next run.
        objs = self.seed(make_objects("rf", 3))
        log, state = self.paths()
        self.env.faults.append(Fault("status", op="DELETE", key=objs[1].key,
                                     status=500, code="InternalError",
                                     count=None))
        p = self.run_bin(self.args(log, state, delete=True,
                                   extra=["--max-attempts", "2"]))
        self.assertRun(p, 5, b"")
        self.assertIn("1 objects written but not deleted", p.stderr.decode())
        self.assertEachOnce(log, objs)
        self.assertRecorded(state, objs)
        self.assertEqual(self.undeleted(state), [objs[1].key])
        self.env.faults.clear()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertEachOnce(log, objs)
        self.assertGone(objs)
        self.assertEqual(self.undeleted(state), [])

    def test_read_only_keys_without_delete_are_fine(self):
        objs = self.seed(make_objects("rn", 2))
        self.env.read_only.add("AKIDREAD")
        log, state = self.paths()
        p = self.run_bin(self.args(log, state), extra_env=READ_ONLY)
        self.assertRun(p, 0, b"", b"")
        self.assertLog(log, log_of(objs))
        self.assertRecorded(state, objs)


# ====================================================================
# The lock: one run at a time.

def lock_file(path):
    """The lock file getawslog keeps beside a log or state file."""
    d, name = os.path.split(path)
    return os.path.join(d, "." + name + ".lock")


class Held:
    """flock(LOCK_EX) on the lock file of a log or state file, as another
    getawslog would hold it."""

    def __init__(self, path):
        self.fd = os.open(lock_file(path), os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class LockTests(Base):
    def test_lock_busy_on_state_exits_6(self):
        objs = self.seed(make_objects("lb", 2))
        log, state = self.paths()
        held = Held(state)
        self.addCleanup(held.release)
        t = time.monotonic()
        p = self.run_bin(self.args(log, state, delete=True,
                                   extra=["--lock-wait", "1"]))
        took = time.monotonic() - t
        held.release()
        self.assertRun(p, 6, b"")
        self.assertIn("another getawslog", p.stderr.decode())
        self.assertGreaterEqual(took, 0.9)
        self.assertLess(took, 10)
        self.assertEqual(len(self.env.requests), 0, "requests while locked")
        self.assertEqual(self.read(log), b"")
        self.assertInBucket(objs)

    def test_lock_busy_on_log_without_state_exits_6(self):
        objs = self.seed(make_objects("ll", 2))
        log, _ = self.paths()
        held = Held(log)
        self.addCleanup(held.release)
        p = self.run_bin(self.args(log, delete=True,
                                   extra=["--lock-wait", "1"]))
        held.release()
        self.assertRun(p, 6, b"")
        self.assertIn("another getawslog", p.stderr.decode())
        self.assertEqual(len(self.env.requests), 0)
        self.assertInBucket(objs)

    def test_lock_wait_ends_when_the_holder_exits(self):
        objs = self.seed(make_objects("lw", 2))
        log, state = self.paths()
        held = Held(state)
        self.addCleanup(held.release)
        timer = threading.Timer(1.0, held.release)
        timer.start()
        t = time.monotonic()
        p = self.run_bin(self.args(log, state, extra=["--lock-wait", "20"]))
        took = time.monotonic() - t
        timer.join()
        self.assertRun(p, 0, b"", b"")
        self.assertGreaterEqual(took, 0.9)
        self.assertLog(log, log_of(objs))

    def test_lock_busy_on_log_stops_a_run_with_state(self):
        # A run with -s and one without, on the same log, exclude each
        # other: both lock the log.
        objs = self.seed(make_objects("lx", 2))
        log, state = self.paths()
        held = Held(log)
        self.addCleanup(held.release)
        p = self.run_bin(self.args(log, state, delete=True,
                                   extra=["--lock-wait", "1"]))
        held.release()
        self.assertRun(p, 6, b"")
        self.assertIn("another getawslog is working on %s" % log,
                      p.stderr.decode())
        self.assertEqual(len(self.env.requests), 0)
        self.assertInBucket(objs)

    def test_the_lock_files_stay_and_the_data_files_are_not_locked(self):
        objs = self.seed(make_objects("lf", 2))
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        for path in (log, state):
            st = os.stat(lock_file(path))
            self.assertEqual(st.st_mode & 0o777, 0o600, path)
        # Another program's flock on the files themselves is no lock of
        # ours (logrotate may replace them).
        fds = [os.open(path, os.O_RDONLY) for path in (log, state)]
        try:
            for fd in fds:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self.seed(make_objects("lg", 1))
            p = self.run_bin(self.args(log, state, delete=True,
                                       extra=["--lock-wait", "0"]))
            self.assertRun(p, 0, b"", b"")
        finally:
            for fd in fds:
                os.close(fd)

    def test_rotation_during_a_run_does_not_let_another_start(self):
        # logrotate's `create`: the log is renamed and a new one made
        # while a run writes. The next cron run must still wait.
        objs = self.seed(make_objects("lr", 16))
        self.env.latency_ms = 60
        log, _ = self.paths()
        first = self.env.popen(self.args(log, delete=True,
                                         extra=["-J", "1"]))
        t = time.monotonic()
        while self.env.count(op="DELETE") < 2 and first.poll() is None \
                and time.monotonic() - t < 30:
            time.sleep(0.01)
        os.rename(log, log + ".1")
        with open(log, "wb"):
            pass
        os.chmod(log, 0o640)
        second = self.run_bin(self.args(log, delete=True,
                                        extra=["--lock-wait", "0"]))
        out, err = first.communicate(timeout=60)
        self.assertEqual((first.returncode, out, err), (0, b"", b""),
                         self.show(first, out, err))
        self.assertRun(second, 6, b"")
        self.assertIn("another getawslog", second.stderr.decode())
        # Every record once, across the rotated and the new log.
        both = self.read(log + ".1") + self.read(log)
        found, bad = line_records(both)
        want = collections.Counter(i for o in objs for i in o.ids)
        self.assertEqual((bad, {k: v for k, v in found.items()
                                if want[k] != v}), (0, {}))
        self.assertEqual([k for k in want if found[k] == 0], [])
        self.assertGone(objs)

    def concurrent(self, tag, state):
        objs = self.seed(make_objects(tag, 8))
        self.env.latency_ms = 30
        log, st = self.paths()
        st = st if state else None
        procs = [self.env.popen(self.args(log, st, delete=True,
                                          extra=["--lock-wait", "30"]))
                 for _ in range(2)]
        outs = [pr.communicate(timeout=60) for pr in procs]
        for pr, (out, err) in zip(procs, outs):
            self.assertEqual((pr.returncode, out, err), (0, b"", b""),
                             self.show(pr, out, err))
        self.assertLog(log, log_of(objs))
        self.assertGone(objs)
        self.assertEqual(self.env.count(op="GET"), 8, "GETs in all")
        if st:
            self.assertRecorded(st, objs)

    def test_two_concurrent_runs_with_state(self):
        self.concurrent("c2", True)

    def test_two_concurrent_runs_delete_only(self):
        self.concurrent("c3", False)

    def test_two_concurrent_runs_state_without_delete(self):
        objs = self.seed(make_objects("c4", 6))
        self.env.latency_ms = 30
        log, state = self.paths()
        procs = [self.env.popen(self.args(log, state,
                                          extra=["--lock-wait", "30"]))
                 for _ in range(2)]
        for pr in procs:
            out, err = pr.communicate(timeout=60)
            self.assertEqual((pr.returncode, out, err), (0, b"", b""),
                             self.show(pr, out, err))
        self.assertLog(log, log_of(objs))
        self.assertEqual(self.env.count(op="GET"), 6)


# ====================================================================
# Crashes and signals.

class CrashBase(Base):
    def check_after_stop(self, objs, log, state, delete, msg):
        """Invariants right after a run was stopped: nothing recorded or
        deleted whose records are not all in the log."""
        data = self.read(log)
        anywhere = byte_records(data)
        whole, _ = line_records(data)
        keys = self.bucket_keys() if delete else None
        rows = self.rows(state) if state else {}
        for o in objs:
            done = (delete and o.key not in keys) or o.base in rows
            if done:
                self.assertEqual([i for i in o.ids if whole[i] == 0], [],
                                 "%s: %s deleted or recorded, records not "
                                 "in the log" % (msg, o.base))
        return anywhere

    def check_after_rerun(self, objs, log, state, delete, stops, msg):
        """After a clean rerun: every record in a whole line, duplicates
        from at most `stops` objects, the bucket emptied (-D), and (-s)
        every object recorded but at most `stops` (deleted by the stopped
        run before its record was committed)."""
        found, bad = line_records(self.read(log))
        lost = [i for o in objs for i in o.ids if found[i] == 0]
        self.assertEqual(lost, [], "%s: records lost" % msg)
        dup = sorted({o.base for o in objs for i in o.ids if found[i] > 1})
        self.assertLessEqual(len(dup), stops, "%s: objects written twice: "
                             "%s" % (msg, dup))
        self.assertTrue(all(found[i] <= 2 for o in objs for i in o.ids),
                        "%s: a record written 3 times" % msg)
        if delete:
            self.assertGone(objs)
        if state:
            rows = self.rows(state)
            self.assertLessEqual(len([o for o in objs if o.base not in rows]),
                                 stops, "%s: objects not recorded" % msg)
        return dup, bad


class SignalTests(CrashBase):
    def wait_for(self, what, pred, timeout=15):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.005)

    def stop_midway(self, sig, tag, state=True):
        objs = self.seed(make_objects(tag, 8, pad=400))
        self.env.latency_ms = 60
        log, st = self.paths()
        st = st if state else None
        pr = self.env.popen(self.args(log, st, delete=True))
        # Mid-run: once the second object is being deleted.
        self.wait_for("two DELETEs", lambda: self.env.count(op="DELETE") >= 2)
        time.sleep(0.03)
        pr.send_signal(sig)
        out, err = pr.communicate(timeout=30)
        self.assertEqual(pr.returncode, 1, self.show(pr, out, err))
        self.check_after_stop(objs, log, st, True, "after the signal")
        done = [o for o in objs if o.key not in self.bucket_keys()]
        self.assertTrue(0 < len(done) < len(objs),
                        "the signal did not land mid-run (%d of %d done)\n%s"
                        % (len(done), len(objs), self.show(pr, out, err)))
        self.env.latency_ms = 0
        p = self.run_bin(self.args(log, st, delete=True))
        self.assertRun(p, 0, b"", b"")
        dup, bad = self.check_after_rerun(objs, log, st, True, 1,
                                          "after the rerun")
        self.assertEqual(bad, 0, "a signal left a partial line")
        return out, err

    def test_sigint_mid_run(self):
        out, err = self.stop_midway(signal.SIGINT, "si")
        self.assertTrue(out.endswith(b"SIGINT received, bye!\n"), out)

    def test_sigint_mid_run_delete_only(self):
        out, err = self.stop_midway(signal.SIGINT, "sd", state=False)
        self.assertTrue(out.endswith(b"SIGINT received, bye!\n"), out)

    def test_sigterm_mid_run(self):
        out, err = self.stop_midway(signal.SIGTERM, "st")
        self.assertNotIn(b"SIGINT", out)

    def test_sigint_abandons_a_slow_download(self):
        objs = self.seed(make_objects("sa", 3))
        slow = objs[1]
        self.env.faults.append(Fault("latency", key=slow.key, op="GET",
                                     ms=6000))
        log, state = self.paths()
        pr = self.env.popen(self.args(log, state, delete=True))
        # The first object is done and the second still downloading (the
        # third may be downloaded already: -J keeps several in flight).
        self.wait_for("the first DELETE", lambda: self.env.count(
            op="DELETE", status=204) >= 1)
        self.assertGreater(self.gets(slow.key), 0)
        time.sleep(0.2)
        t = time.monotonic()
        pr.send_signal(signal.SIGINT)
        out, err = pr.communicate(timeout=30)
        took = time.monotonic() - t
        self.assertEqual(pr.returncode, 1, self.show(pr, out, err))
        self.assertEqual(out, b"SIGINT received, bye!\n")
        self.assertLess(took, 3, "the download was not abandoned")
        self.assertLog(log, log_of(objs[:1]))
        self.assertRecorded(state, objs[:1])
        self.assertUnrecorded(state, objs[1:])
        self.assertGone(objs[:1])
        self.assertInBucket(objs[1:])

    def test_sigint_during_backoff(self):
        objs = self.seed(make_objects("sb", 2))
        self.env.faults.append(Fault("status", key=objs[0].key,
                                     retry_after=15))
        log, state = self.paths()
        pr = self.env.popen(self.args(log, state, delete=True))
        self.wait_for("the first GET", lambda: self.gets(objs[0].key) > 0)
        time.sleep(0.3)
        t = time.monotonic()
        pr.send_signal(signal.SIGINT)
        out, err = pr.communicate(timeout=30)
        self.assertEqual(pr.returncode, 1, self.show(pr, out, err))
        self.assertLess(time.monotonic() - t, 3, "the backoff went on")
        self.assertEqual(out, b"SIGINT received, bye!\n")
        self.assertEqual(self.read(log), b"")
        self.assertEqual(self.rows(state), {})
        self.assertInBucket(objs)

    def test_sigint_while_waiting_for_the_lock(self):
        self.seed(make_objects("sw", 1))
        log, state = self.paths()
        held = Held(state)
        self.addCleanup(held.release)
        pr = self.env.popen(self.args(log, state,
                                      extra=["--lock-wait", "30"]))
        time.sleep(0.5)
        t = time.monotonic()
        pr.send_signal(signal.SIGINT)
        out, err = pr.communicate(timeout=30)
        self.assertEqual(pr.returncode, 1, self.show(pr, out, err))
        self.assertLess(time.monotonic() - t, 3)
        self.assertEqual(out, b"SIGINT received, bye!\n")
        self.assertEqual(len(self.env.requests), 0)


class KillTests(CrashBase):
    """SIGKILL at random moments (fixed seeds), then a clean rerun."""

    TRIALS = 12

    def trial_setup(self, tag, n, state, seed):
        self.env.reset()
        objs = self.seed(make_objects("%s%d" % (tag, n), 6, pad=1500,
                                      seed=seed))
        self.env.latency_ms = 40
        log, st = self.paths()
        if n % 3 == 0:
            # A log that already holds lines, as in production.
            with open(log, "wb") as f:
                f.write(b'{"Records":[]}\n')
        return objs, log, st if state else None

    def trials(self, tag, state, seed):
        rng = random.Random(seed)
        # How long an undisturbed run takes here, with the same latency,
        # and when its first object is fetched (after the listing).
        objs, log, st = self.trial_setup(tag, 99, state, seed)
        t = time.monotonic()
        pr = self.env.popen(self.args(log, st, delete=True))
        first = None
        while pr.poll() is None:
            if first is None and self.env.count(op="GET"):
                first = time.monotonic() - t
            time.sleep(0.005)
        span = time.monotonic() - t
        out, err = pr.communicate()
        self.assertEqual((pr.returncode, out, err), (0, b"", b""),
                         self.show(pr, out, err))
        first = span / 2 if first is None else first
        stats = collections.Counter()
        for n in range(self.TRIALS):
            objs, log, st = self.trial_setup(tag, n, state, seed)
            pr = self.env.popen(self.args(log, st, delete=True))
            # Mostly while objects are processed; sometimes anywhere.
            delay = rng.uniform(0.0 if n % 4 == 3 else first * 0.9, span)
            time.sleep(delay)
            pr.kill()
            out, err = pr.communicate(timeout=30)
            # What the killed run had sent is answered before anyone looks.
            self.env.wait_idle()
            msg = "%s trial %d (killed after %.3f s of %.3f, exit %s)" % (
                tag, n, delay, span, pr.returncode)
            self.check_after_stop(objs, log, st, True, msg)
            left = len([o for o in objs if o.key in self.bucket_keys()])
            stats["killed with %d left" % left] += 1
            self.env.latency_ms = 0
            p = self.run_bin(self.args(log, st, delete=True))
            self.assertEqual((p.returncode, p.stdout, p.stderr),
                             (0, b"", b""), msg + "\n" + self.show(p))
            dup, bad = self.check_after_rerun(objs, log, st, True, 1, msg)
            if dup:
                stats["duplicated"] += 1
        sys.stdout.write("[%s: run %.2f s; %s] " % (
            tag, span, ", ".join("%s: %d" % kv for kv in sorted(
                stats.items()))))
        # The random moments must have hit the middle of runs.
        middle = sum(v for k, v in stats.items() if k.startswith("killed")
                     and k not in ("killed with 0 left", "killed with 6 left"))
        self.assertGreaterEqual(middle, self.TRIALS // 4, dict(stats))

    def test_sigkill_random_moments_with_state_and_delete(self):
        self.trials("ks", True, 4242)

    def test_sigkill_random_moments_delete_only(self):
        self.trials("kd", False, 1717)

    def test_partial_line_left_by_a_crash_does_not_swallow_records(self):
        # A run killed in the middle of its write leaves the start of a
        # document without its newline; the object is still in the bucket
        # and unrecorded.  The next run must not glue its first line to it.
        objs = self.seed(make_objects("kp", 3))
        log, state = self.paths()
        with open(log, "wb") as f:
            f.write(objs[0].doc[:len(objs[0].doc) // 2])
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        found, bad = line_records(self.read(log))
        lost = [i for o in objs for i in o.ids if found[i] == 0]
        self.assertEqual(lost, [], "records glued to the partial line of "
                         "the previous run:\n%r" % self.read(log)[:300])


# ====================================================================
# A full disk: a 64 KiB tmpfs holds the log.

class DiskFullTests(Base):
    def mount_small(self, size="64k"):
        d = self.env.tempdir()
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size,
                            "tmpfs", d], capture_output=True)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs (%s): the full-disk test "
                          "needs root and CAP_SYS_ADMIN" %
                          p.stderr.decode().strip())
        self.addCleanup(subprocess.run, ["umount", "-l", d],
                        capture_output=True)
        return d

    def test_full_disk_stops_without_recording_or_deleting(self):
        d = self.mount_small()
        # ~6 KiB, then ~200 KiB (does not fit), then two more.
        objs = self.seed(make_objects("df", 4, pad=2000, big={1: 64000}))
        self.assertGreater(len(objs[1].doc), 128 * 1024)
        log = os.path.join(d, "amazon.log")
        _, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 1, b"ERROR: Cannot write %s (No space left on "
                       b"device)\n" % log.encode())
        self.assertRecorded(state, objs[:1])
        self.assertGone(objs[:1])
        self.assertUnrecorded(state, objs[1:])
        self.assertInBucket(objs[1:])
        self.assertTrue(self.read(log).startswith(log_of(objs[:1])))
        # Stopped at once: nothing after it written, recorded or deleted
        # (its GET may have been in flight already: -J).
        self.assertEqual(self.env.count(op="DELETE"), 1)
        self.assertEqual(byte_records(self.read(log))[objs[2].ids[0]], 0)
        # Room again: the rerun completes and no record is lost.
        r = subprocess.run(["mount", "-o", "remount,size=4m", d],
                           capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        p = self.run_bin(self.args(log, state, delete=True))
        self.assertRun(p, 0, b"", b"")
        self.assertGone(objs)
        found, bad = line_records(self.read(log))
        lost = [i for o in objs for i in o.ids if found[i] == 0]
        self.assertEqual(lost, [], "records lost after the full disk "
                         "(glued to a partial line?)")
        self.assertEqual(bad, 0, "the full disk left a partial line in the "
                         "log")

    def test_lines_that_fit_once_are_written(self):
        # Issue 19 item 6: -j holds a document's lines past 8 MiB in a
        # file in the log's directory; copying it into the log once kept
        # the whole file until the end, so a document needed the room of
        # its lines twice (less 8 MiB). The drain gives the file's blocks
        # back as it copies: a file system with room for the lines once
        # (and a quarter) takes them.
        objs = self.seed(make_objects("fit", 1, per=130000))
        ref = os.path.join(self.env.tempdir(), "amazon.log")
        p = self.run_bin(self.args(ref, extra=["-j"]))
        self.assertRun(p, 0, b"", b"")
        lines = os.path.getsize(ref)
        self.assertGreater(lines, 36 << 20)
        size = (lines + lines // 4) // 4096 * 4096
        self.assertLess(size, 2 * lines - (8 << 20))
        d = self.mount_small("%dk" % (size // 1024))
        log = os.path.join(d, "amazon.log")
        p = self.run_bin(self.args(log, extra=["-j"]), extra_env={
            "TMPDIR": self.env.tempdir()})
        self.assertRun(p, 0, b"", b"")
        self.assertEqual(self.read(log), self.read(ref))
        self.assertEqual(sorted(os.listdir(d)), [".amazon.log.lock",
                                                 "amazon.log"])
        self.assertEqual(len(objs), 1)

    def test_full_disk_at_the_first_object(self):
        d = self.mount_small()
        objs = self.seed(make_objects("d1", 2, pad=2000, big={0: 64000}))
        log = os.path.join(d, "amazon.log")
        p = self.run_bin(self.args(log, delete=True))
        self.assertRun(p, 1)
        self.assertIn(b"ERROR: Cannot write", p.stdout)
        self.assertInBucket(objs)
        self.assertEqual(self.env.count(op="DELETE"), 0)

# ====================================================================
# -J: many GETs in flight, effects exactly as a sequential run's.

class LocalFileTests(Base):
    """Logs that are no regular file, a state that cannot be written."""

    def test_state_that_cannot_be_written_stops_before_the_first_write(self):
        d = self.env.tempdir()
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                            d], capture_output=True)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs: %s" % p.stderr.decode())
        self.addCleanup(subprocess.run, ["umount", "-l", d],
                        capture_output=True)
        state = os.path.join(d, "state.db")
        db = sqlite3.connect(state)
        db.execute(SCRIPT_SCHEMA)
        db.commit()
        db.close()
        subprocess.run(["mount", "-o", "remount,ro", d], check=True)
        objs = self.seed(make_objects("sr", 3))
        log, _ = self.paths()
        for _ in range(2):
            p = self.run_bin(self.args(log, state, delete=True))
            self.assertRun(p, 1)
            self.assertEqual(self.read(log), b"", "written, then not "
                             "recorded: every run would write it again")
            self.assertInBucket(objs)
            self.assertEqual(self.env.count(op="GET"), 0)
            self.assertIn(state, p.stdout.decode() + p.stderr.decode())

    def test_dev_null(self):
        objs = self.seed(make_objects("dn", 3))
        for extra in ([], ["-j"]):
            p = self.run_bin(["-b", self.bucket, "-l", "/dev/null"] + extra)
            self.assertRun(p, 0, b"", b"")
        p = self.run_bin(["-b", self.bucket, "-l", "/dev/null", "-D"])
        self.assertRun(p, 0, b"", b"")
        self.assertGone(objs)

    def test_fifo(self):
        objs = self.seed(make_objects("ff", 3))
        fifo = os.path.join(self.env.tempdir(), "log.fifo")
        os.mkfifo(fifo, 0o600)
        # A reader, and a writer of ours so that it never sees an end of
        # file between getawslog's opens.
        rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        wfd = os.open(fifo, os.O_WRONLY)
        try:
            p = self.run_bin(["-b", self.bucket, "-l", fifo, "-D"])
            got = s3env.read_waiting(rfd)
        finally:
            os.close(wfd)
            os.close(rfd)
        self.assertRun(p, 0, b"", b"")
        self.assertEqual(got, log_of(objs))
        self.assertGone(objs)

    def test_dev_stdout_into_a_pipe(self):
        # /dev/stdout -> /proc/self/fd/1 -> pipe:[N]: root's links, and a
        # magic one at the end.
        objs = self.seed(make_objects("so", 3))
        p = self.run_bin(["-b", self.bucket, "-l", "/dev/stdout"])
        self.assertRun(p, 0, log_of(objs), b"")

    def test_out_of_memory_on_one_object_is_that_objects_failure(self):
        # A document far bigger than the memory the process may have: it is
        # named and left; the objects after it are still written.
        with open(self.env.binary, "rb") as f:
            data = f.read()
        if b"__asan_init" in data or "valgrind" in os.environ.get(
                "GETAWSLOG", ""):
            self.skipTest("sanitizer build: address-space limits break it")
        if not shutil.which("prlimit"):
            self.skipTest("no prlimit")
        objs = make_objects("om", 3)
        huge = (b'{"Records":[{"eventID":"x","a":"' + b"A" * (150 << 20) +
                b'"}]}')
        self.seed(objs, stored={1: gz(huge)})
        log, _ = self.paths()
        p = self.run_bin(self.args(log, extra=["-j"]),
                         wrap=["prlimit", "--as=%d" % (500 << 20), "--"])
        self.assertIn(p.returncode, (0, 4), self.show(p))
        if p.returncode == 4:
            self.assertIn(objs[1].key, p.stderr.decode())
        found = byte_records(self.read(log))
        for o in (objs[0], objs[2]):
            for i in o.ids:
                self.assertEqual(found[i], 1, "%s after the huge one" % i)


class OrderTests(Base):
    """Issue 5: with GETs finishing out of order (latency on early
    objects), -J 8 writes the same log bytes, prints the same -d lines,
    records the same rows in the same order and deletes in the same order
    as -J 1."""

    def objects(self):
        objs = make_objects("jo", 16, pad=300, big={2: 20000, 9: 5000})
        # A second object with the basename of objs[4] under another
        # account: the script's "previously seen" rule applies to it.
        twin = Obj(objs[4].key.replace("AWSLogs/%s/" % ACCOUNT,
                                       "AWSLogs/210987654321/"),
                   objs[4].doc.replace(b'"eventID":"T', b'"eventID":"U'),
                   [i.replace("T", "U", 1) for i in objs[4].ids])
        by_key = {o.key: o for o in objs + [twin]}
        return [by_key[k] for k in s3_order(list(by_key))]

    def one_run(self, jobs, objs):
        self.env.reset()
        self.seed(objs)
        self.env.faults += [
            Fault("latency", key=objs[0].key, op="GET", ms=700),
            Fault("latency", key=objs[3].key, op="GET", ms=400),
            Fault("latency", key=objs[7].key, op="GET", ms=250)]
        log, state = self.paths()
        p = self.run_bin(self.args(log, state, delete=True,
                                   extra=["-d", "-j", "-J", str(jobs)]))
        self.assertRun(p, 0)
        db = sqlite3.connect(state)
        try:
            rows = list(db.execute("SELECT log_name, processed_date FROM "
                                   "log_progress ORDER BY rowid"))
        finally:
            db.close()
        ops = [(r.op, r.key) for r in self.env.requests
               if r.op in ("GET", "DELETE")]
        return {"stdout": p.stdout, "log": self.read(log), "rows": rows,
                "deletes": [k for op, k in ops if op == "DELETE"],
                "left": sorted(self.bucket_keys()), "ops": ops}

    def test_jobs_8_does_what_jobs_1_does(self):
        objs = self.objects()
        one = self.one_run(1, objs)
        eight = self.one_run(8, objs)
        for k in ("stdout", "log", "rows", "deletes", "left"):
            self.assertEqual(eight[k], one[k], k)
        self.assertTrue(one["log"] and one["rows"] and one["deletes"])
        self.assertIn(b"Skipping previously seen file", one["stdout"])
        # The runs did differ in flight: -J 1 fetches an object only after
        # the one before is deleted; -J 8 has fetched later objects before
        # the slow first one is deleted.
        first_del = ("DELETE", objs[0].key)
        later_get = ("GET", objs[5].key)
        self.assertLess(one["ops"].index(first_del),
                        one["ops"].index(later_get))
        self.assertLess(eight["ops"].index(later_get),
                        eight["ops"].index(first_del))


# ====================================================================
# When the log is synced (strace): before every record and delete, and
# only then.

TRACE_RE = re.compile(r'^\d+\s+(\w+)\((\d+)<([^>]*)>(?:, "(.{0,8}))?')


class SyncTests(Base):
    """With -s or -D each object's lines are synced before it is recorded
    and deleted (issue 4); without them nothing follows a write, so the
    run syncs the log once, at its end (issue 5: the per-object sync was
    a third of -j's CPU on ext4)."""

    def trace(self, args, extra_paths=()):
        """Run under strace; the calls on the log and the state file and
        the DELETE requests, in order: (call, what) with what one of
        'log', 'state', 'DELETE'."""
        if shutil.which("strace") is None:
            self.skipTest("strace is not installed (make deps)")
        out = os.path.join(self.env.tempdir(), "trace")
        # LeakSanitizer cannot run under ptrace; the rest of ASan can.
        asan = os.environ.get("ASAN_OPTIONS", "")
        p = self.run_bin(args, extra_env={
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "detect_leaks=0"},
            wrap=[
            "strace", "-f", "-qq", "-y", "-s", "8", "-o", out, "-e",
            "trace=write,writev,pwrite64,fsync,fdatasync,sendto,sendmsg"])
        if p.returncode != 0 and b"ptrace" in p.stderr:
            self.skipTest("strace cannot trace here: %r" % p.stderr[:200])
        self.assertRun(p, 0)
        log, state = args[args.index("-l") + 1], None
        if "-s" in args:
            state = args[args.index("-s") + 1]
        events = []
        with open(out, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = TRACE_RE.match(line)
                if not m:
                    continue
                call, path, data = m.group(1), m.group(3), m.group(4) or ""
                if path == log:
                    events.append((call, "log"))
                elif path in extra_paths:
                    events.append((call, "rotated"))
                elif state and path.startswith(state):
                    events.append((call, "state"))
                elif call.startswith("send") and data.startswith("DELETE"):
                    events.append((call, "DELETE"))
        return events

    def check_ordered(self, events, n, state):
        """Each DELETE (and each state write) comes after a log sync that
        follows the log's last write."""
        synced, deletes, commits = True, 0, 0
        for call, what in events:
            if what == "log":
                synced = call in ("fdatasync", "fsync") or (
                    synced and call not in ("write", "writev", "pwrite64"))
            elif what == "DELETE":
                self.assertTrue(synced, "a DELETE before the log was "
                                "synced: %r" % events)
                deletes += 1
            elif what == "state" and call in ("fsync", "fdatasync"):
                self.assertTrue(synced, "the state committed before the "
                                "log was synced: %r" % events)
                commits += 1
        self.assertEqual(deletes, n)
        if state:
            self.assertGreaterEqual(commits, n)
        syncs = sum(1 for c, w in events
                    if w == "log" and c in ("fsync", "fdatasync"))
        self.assertGreaterEqual(syncs, n)

    def test_delete_syncs_before_each_delete(self):
        objs = self.seed(make_objects("sd", 5))
        log, _ = self.paths()
        self.check_ordered(self.trace(self.args(log, delete=True)), 5, None)
        self.assertEachOnce(log, objs)
        self.assertGone(objs)

    def test_state_and_delete_sync_before_each_commit(self):
        objs = self.seed(make_objects("ss", 5))
        log, state = self.paths()
        self.check_ordered(self.trace(self.args(log, state, delete=True)),
                           5, state)
        self.assertEachOnce(log, objs)
        self.assertRecorded(state, objs)

    def test_without_state_or_delete_one_sync_at_the_end(self):
        for extra in ((), ("-j",)):
            with self.subTest(extra=extra):
                self.env.reset()
                objs = self.seed(make_objects("s1", 6))
                log, _ = self.paths()
                ev = [c for c, w in self.trace(self.args(log, extra=extra))
                      if w == "log"]
                writes = [i for i, c in enumerate(ev)
                          if c in ("write", "writev", "pwrite64")]
                syncs = [i for i, c in enumerate(ev)
                         if c in ("fsync", "fdatasync")]
                self.assertGreaterEqual(len(writes), 6)
                self.assertEqual(len(syncs), 1, ev)
                self.assertGreater(syncs[0], writes[-1], ev)
                if not extra:
                    self.assertEachOnce(log, objs)

    def test_rotated_log_is_synced_before_it_is_let_go(self):
        # The fd kept for the end's sync follows the file: when logrotate
        # moves the log away mid-run, the old file is synced before the
        # new one is written (strace -y names the old fd by its new path).
        objs = self.seed(make_objects("sr", 2))
        log, _ = self.paths()
        rotated = log + ".1"
        self.env.faults += [Fault("latency", key=objs[1].key, op="GET",
                                  ms=1500)]

        def rotate():
            t = time.time() + 10
            while time.time() < t and not (os.path.exists(log) and
                                            os.path.getsize(log) > 0):
                time.sleep(0.005)
            os.rename(log, rotated)
        th = threading.Thread(target=rotate)
        th.start()
        syncs = []
        try:
            syncs = [(c, w) for c, w in self.trace(self.args(log),
                                                   extra_paths=[rotated])
                     if c in ("fsync", "fdatasync")]
        finally:
            th.join()
        self.assertEqual(syncs, [("fdatasync", "rotated"),
                                 ("fdatasync", "log")])
        self.assertEqual(self.read(rotated), log_of(objs[:1]))
        self.assertEqual(self.read(log), log_of(objs[1:]))

    def test_log_opened_once_per_run(self):
        # Issue 20: the log is held open while its path names the same
        # file; each object costs one stat of the path, not the walk of
        # fileutil.c (four opens, three fstats, four closes).
        if shutil.which("strace") is None:
            self.skipTest("strace is not installed (make deps)")
        for extra in ((), ("-j",), ("-D",)):
            with self.subTest(extra=extra):
                self.env.reset()
                objs = self.seed(make_objects("o1", 6))
                log, _ = self.paths()
                out = os.path.join(self.env.tempdir(), "trace")
                p = self.run_bin(self.args(log, extra=extra), wrap=[
                    "strace", "-f", "-qq", "-o", out, "-e",
                    "trace=open,openat,stat,newfstatat,statx"])
                self.assertRun(p, 0, b"", b"")
                with open(out, errors="replace") as f:
                    calls = [ln for ln in f if '"amazon.log"' in ln or
                             '"%s"' % log in ln]
                opens = [c for c in calls if "open" in c.split("(")[0]]
                self.assertEqual(len(opens), 1, calls)
                if "-j" not in extra:
                    self.assertEachOnce(log, objs)

    def test_raw_object_written_in_one_write(self):
        # Issue 20: raw mode keeps the bytes it checked (when they fit in
        # memory) and writes them with their line break at once; it used
        # to inflate the object again, then write the line break alone.
        objs = self.seed(make_objects("w1", 4, per=40, pad=400))
        self.assertGreater(min(len(o.doc) for o in objs), 16 * 1024)
        log, _ = self.paths()
        ev = [c for c, w in self.trace(self.args(log)) if w == "log"]
        self.assertEqual(ev.count("write"), 4, ev)
        self.assertEqual(self.read(log), log_of(objs))

    def test_raw_objects_at_the_memory_limit(self):
        # 8 MiB of an object are held in memory: one byte less, exactly,
        # one more (inflated a second time into the log) and far more,
        # between small ones; each byte for byte, with its line break.
        mib8 = 8 << 20
        objs = make_objects("ml", 9)
        for i, size in ((1, mib8 - 1), (3, mib8), (5, mib8 + 1),
                        (7, 3 * mib8)):
            o = objs[i]
            o.doc = o.doc + b" " * (size - len(o.doc))
        self.seed(objs)
        log, _ = self.paths()
        p = self.run_bin(self.args(log))
        self.assertRun(p, 0, b"", b"")
        self.assertEqual(self.read(log), log_of(objs))

    def between_objects(self, change):
        """Run -j over 2 objects, change(log) called once the first is
        in the log and before the second is; the log's path."""
        objs = self.seed(make_objects("bt", 2))
        log, _ = self.paths()
        self.env.faults += [Fault("latency", key=objs[1].key, op="GET",
                                  ms=1500)]

        def act():
            t = time.time() + 10
            while time.time() < t and not (os.path.exists(log) and
                                            os.path.getsize(log) > 0):
                time.sleep(0.005)
            change(log)
        th = threading.Thread(target=act)
        th.start()
        try:
            p = self.run_bin(self.args(log))
        finally:
            th.join()
        self.assertRun(p, 0, b"", b"")
        return objs, log

    def test_copytruncate_between_objects_is_followed(self):
        # logrotate's copytruncate: the same file, emptied; the held fd
        # (O_APPEND) writes at its new end, with no hole before it.
        def truncate(log):
            with open(log, "r+b") as f:
                f.truncate(0)
        objs, log = self.between_objects(truncate)
        self.assertEqual(self.read(log), log_of(objs[1:]))

    def test_log_removed_between_objects_is_made_again(self):
        objs, log = self.between_objects(os.unlink)
        self.assertEqual(self.read(log), log_of(objs[1:]))


# ====================================================================
# The systemd units' sandbox (issue 19 item 4): what the binary does fits.

def syscall_groups():
    """systemd-analyze's groups: {"@name": [syscall or "@group", ...]}."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"],
                         capture_output=True, text=True, check=True).stdout
    groups, cur = {}, None
    for ln in out.splitlines():
        s = ln.strip()
        if ln.startswith("@"):
            cur = groups.setdefault(s, [])
        elif cur is not None and s and not s.startswith("#"):
            cur.append(s)
    return groups


def syscalls_of(name, groups, seen=None):
    seen = set() if seen is None else seen
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = set()
    for x in groups.get(name, []):
        out |= syscalls_of(x, groups, seen)
    return out


def unit_filter(path, groups):
    """The system calls a unit's SystemCallFilter= lines allow: the first
    list allows, each ~list takes away."""
    allow, deny = None, set()
    with open(path) as f:
        for ln in f:
            if not ln.startswith("SystemCallFilter="):
                continue
            v = ln.split("=", 1)[1].strip()
            names = set()
            for n in v.lstrip("~").split():
                names |= syscalls_of(n, groups)
            if v.startswith("~"):
                deny |= names
            else:
                allow = names if allow is None else allow | names
    return (allow or set()) - deny


class ServiceSandboxTests(Base):
    """The units run getawslog as a user of its own under
    SystemCallFilter=@system-service less @privileged and @resources
    (a call outside it fails with EPERM). A -j run with -s, -D, --metrics
    and a document big enough for the spool's file (and its holes), as
    an unprivileged user under strace: every system call it makes is one
    the units allow."""

    def test_system_calls_within_the_units_filter(self):
        for tool in ("strace", "systemd-analyze", "setpriv"):
            if not shutil.which(tool):
                self.skipTest("%s is missing" % tool)
        if os.geteuid() != 0:
            self.skipTest("needs root to run as another user")
        groups = syscall_groups()
        units = [os.path.join(os.path.dirname(HERE), "contrib", u)
                 for u in ("getawslog.service", "getawslog-queue.service")]
        allowed = unit_filter(units[0], groups)
        self.assertEqual(allowed, unit_filter(units[1], groups))
        self.assertIn("fallocate", allowed)
        self.assertNotIn("setrlimit", allowed)
        d = tempfile.mkdtemp(prefix="getawslog-unit.", dir="/tmp")
        self.addCleanup(shutil.rmtree, d, True)
        os.chown(d, 65534, 65534)
        os.chmod(d, 0o755)
        # The unprivileged user must reach the binary: a clone in a 0700
        # folder (mktemp -d) hides it, so it runs from a copy of its own.
        with open(self.env.binary, "rb") as f:
            if f.read(2) == b"#!":
                self.skipTest("the binary is a wrapper script")
        bindir = tempfile.mkdtemp(prefix="getawslog-bin.", dir="/tmp")
        self.addCleanup(shutil.rmtree, bindir, True)
        os.chmod(bindir, 0o755)
        binary = os.path.join(bindir, "getawslog")
        shutil.copy2(self.env.binary, binary)
        os.chmod(binary, 0o755)
        self.addCleanup(setattr, self.env, "binary", self.env.binary)
        self.env.binary = binary
        objs = self.seed(make_objects("sb", 2, per=30000))
        log, state = os.path.join(d, "amazon.log"), os.path.join(d, "s.db")
        out = os.path.join(d, "trace")
        wrap = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "strace", "-f", "-qq", "-o", out]
        p = self.env.run(self.args(log, state, delete=True, extra=[
            "-j", "--metrics", os.path.join(d, "g.prom")]), home=d, cwd=d,
            wrap=wrap)
        self.assertRun(p, 0, b"", b"")
        self.assertGone(objs)
        self.assertGreater(os.path.getsize(log), 16 << 20)
        used = set()
        with open(out, errors="replace") as f:
            for ln in f:
                m = re.match(r"\d+\s+(\w+)\(", ln)
                if m:
                    used.add(m.group(1))
        self.assertIn("fallocate", used, "the spool's holes were not seen")
        self.assertEqual(sorted(used - allowed), [])


if __name__ == "__main__":
    sys.exit(runner.main("faults", durations=True))
