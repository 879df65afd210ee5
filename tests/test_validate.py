#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""--validate-digests (issue 21) through the binary: CloudTrail's digest
files, made and signed here with keys of the tests' own that the front's
CloudTrail answers ListPublicKeys with, checked while the log files are
ingested. Every finding is named on stderr, counted in --metrics, written
to the log as a {"getawslog":{"integrity":...}} line, and makes the exit
status 7.

Runs the binary at $GETAWSLOG against moto behind tests/s3env.py's front;
needs python's cryptography (skipped without). Ends with "N passed, N
failed".
"""

import datetime as dt
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
import ctrail  # noqa: E402
from ctrail import HOUR, Trail  # noqa: E402

KEY, SECRET = "AKIDTEST", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY"
ENV = None
BASE = dt.datetime(2024, 3, 1, 0, 1, 31, tzinfo=dt.timezone.utc)
ACCTS = ("111122223333", "444455556666")
REGIONS = ("us-east-1", "eu-west-1")
_KEYS = {}


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials={KEY: SECRET})


def key(name="a", spki=False):
    """One key per name for the whole suite (making one takes time)."""
    if (name, spki) not in _KEYS:
        _KEYS[(name, spki)] = ctrail.Key(spki=spki)
    return _KEYS[(name, spki)]


def metric(text, name, result=None):
    pat = r"^%s\{[^}]*%s[^}]*\} (\S+)$" % (
        re.escape(name), 'result="%s"' % result if result else "")
    m = re.search(pat, text, re.M)
    return float(m.group(1)) if m else None


class Base(unittest.TestCase):
    bucket = "trail-bucket"

    def setUp(self):
        ENV.reset()
        ENV.make_bucket(self.bucket)
        self.tmp = ENV.tempdir()
        self.log = os.path.join(self.tmp, "amazon.log")
        self.state = os.path.join(self.tmp, "state.db")
        self.metrics = os.path.join(self.tmp, "getawslog.prom")

    def trail(self, k=None, **kw):
        t = Trail(ENV, self.bucket, key=k or key(), **kw)
        k = t.key
        for r in kw.get("regions", ("us-east-1",)):
            k.serve(ENV, r, BASE - 10 * HOUR, BASE + 1000 * HOUR)
        return t

    def run_bin(self, *extra, grace="0"):
        """Run with validation; p.alerts: the alert lines this run wrote
        to the log."""
        before = os.path.getsize(self.log) if os.path.exists(self.log) \
            else 0
        p = ENV.run(["-b", self.bucket, "-l", self.log, "-s", self.state,
                     "-j", "--validate-digests", "--digest-grace", grace,
                     "--metrics", self.metrics] + list(extra))
        p.err = p.stderr.decode("utf-8", "replace")
        with open(self.metrics) as f:
            p.prom = f.read()
        with open(self.log, "rb") as f:
            f.seek(before)
            lines = f.read().decode().splitlines()
        p.alerts = [json.loads(ln)["getawslog"] for ln in lines
                    if ln.startswith('{"getawslog":')]
        return p

    def counts(self, p):
        return {r: metric(p.prom, "getawslog_last_run_log_files", r)
                for r in ("proved", "missing", "altered", "injected")}

    def assertFinding(self, p, what, key):
        self.assertEqual(p.returncode, 7, p.err)
        self.assertIn(key, p.err)
        self.assertIn({"integrity": what, "key": key},
                      [{"integrity": a["integrity"], "key": a["key"]}
                       for a in p.alerts], p.alerts)


@unittest.skipUnless(ctrail.HAVE_CRYPTO, "python's cryptography is missing")
class Digests(Base):

    # -- everything proved
    def test_all_proved(self):
        """200 log files of an organization trail (two accounts, two
        regions, five hours): every file proved, every digest verified,
        no gap, no alert; one ListPublicKeys per region's key."""
        t = self.trail(accounts=ACCTS, regions=REGIONS, org="o-abc123",
                       prefix="ct/")
        made = t.hours(BASE, 5, per_hour=10)
        self.assertEqual(len(made), 200)
        p = self.run_bin()
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.alerts, [])
        self.assertEqual(self.counts(p), {"proved": 200, "missing": 0,
                                          "altered": 0, "injected": 0})
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "verified"), 20)
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "invalid"), 0)
        self.assertEqual(metric(
            p.prom, "getawslog_last_run_digest_chain_gaps"), 0)
        self.assertEqual(metric(
            p.prom, "getawslog_newest_proved_timestamp_seconds"),
            (BASE + 5 * HOUR).timestamp())
        calls = [r for r in ENV.requests if r.op == "ListPublicKeys"]
        self.assertEqual(len(calls), 1, "one key, one question")
        # A second run finds nothing new, and says nothing.
        q = self.run_bin()
        self.assertEqual(q.returncode, 0, q.err)
        self.assertEqual(q.alerts, [])

    # -- log files
    def test_changed_log_file(self):
        t = self.trail()
        made = t.hours(BASE, 3)
        ENV.put(self.bucket, made[2], ctrail.gz(b'{"Records":[]}'))
        p = self.run_bin()
        self.assertFinding(p, "altered", made[2])
        self.assertEqual(self.counts(p)["altered"], 1)
        self.assertEqual(self.counts(p)["proved"], 5)

    def test_deleted_log_file(self):
        t = self.trail()
        made = t.hours(BASE, 3)
        ENV.s3.delete_object(Bucket=self.bucket, Key=made[3])
        p = self.run_bin()
        self.assertFinding(p, "missing", made[3])
        self.assertEqual(self.counts(p)["missing"], 1)

    def test_injected_file(self):
        """A file no digest names, in an hour the digests covered: once
        the grace has passed, injected; before, pending."""
        now = dt.datetime.now(dt.timezone.utc).replace(minute=1, second=31,
                                                       microsecond=0)
        t = self.trail()
        t.key.serve(ENV, "us-east-1", now - 10 * HOUR, now + 10 * HOUR)
        t.hours(now - 6 * HOUR, 4)
        k, _ = t.log("111122223333", "us-east-1",
                     now - 6 * HOUR + dt.timedelta(minutes=80))
        p = self.run_bin(grace="24")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(self.counts(p)["injected"], 0)
        # Now past the grace: said once.
        q = self.run_bin(grace="0")
        self.assertFinding(q, "injected", k)
        r = self.run_bin(grace="0")
        self.assertEqual(r.returncode, 0, r.err)

    def test_injected_judged_hourly(self):
        """With a grace, injected files are looked for at most once an
        hour (it reads every hash kept); with none, every run."""
        import sqlite3
        now = dt.datetime.now(dt.timezone.utc).replace(minute=1, second=31,
                                                       microsecond=0)
        t = self.trail()
        t.key.serve(ENV, "us-east-1", now - 40 * HOUR, now + 10 * HOUR)
        t.hours(now - 36 * HOUR, 4)
        p = self.run_bin(grace="2")
        self.assertEqual(p.returncode, 0, p.err)
        k, _ = t.log("111122223333", "us-east-1",
                     now - 36 * HOUR + dt.timedelta(minutes=80))
        # Looked for 10 minutes ago: ingested now, judged next hour.
        db = sqlite3.connect(self.state)
        with db:
            db.execute("UPDATE getawslog_done SET at = ? WHERE what = "
                       "'injected'", (int(time.time()) - 600,))
        q = self.run_bin(grace="2")
        self.assertEqual(q.returncode, 0, q.err)
        self.assertEqual(self.counts(q)["injected"], 0)
        with db:
            db.execute("UPDATE getawslog_done SET at = ? WHERE what = "
                       "'injected'", (int(time.time()) - 3601,))
        db.close()
        r = self.run_bin(grace="2")
        self.assertFinding(r, "injected", k)

    # -- digests
    def digests_deleted(self, hours, deleted, gaps, **kw):
        """A trail of hours, the digests deleted[0] to deleted[1] (not
        included) deleted: the run exits 7 and counts gaps."""
        t = self.trail()
        t.hours(BASE, hours, **kw)
        for d in t.digests[deleted[0]:deleted[1]]:
            ENV.s3.delete_object(Bucket=self.bucket, Key=d)
        p = self.run_bin()
        self.assertEqual(p.returncode, 7, p.err)
        self.assertEqual(metric(
            p.prom, "getawslog_last_run_digest_chain_gaps"), gaps)
        return p

    def test_deleted_digest(self):
        p = self.digests_deleted(4, (1, 2), 1)
        self.assertIn("2024-03-01T01:01:31Z to 2024-03-01T02:01:31Z", p.err)
        self.assertEqual([a["integrity"] for a in p.alerts], ["gap"])

    def test_two_deleted_in_a_row(self):
        """aws-cli issue 7054: the CLI misses the older one; both here."""
        p = self.digests_deleted(5, (1, 3), 2)
        self.assertIn("from 2024-03-01T01:01:31Z to 2024-03-01T02:01:31Z",
                      p.err)
        self.assertIn("from 2024-03-01T02:01:31Z to 2024-03-01T03:01:31Z",
                      p.err)

    def test_long_gap_named_a_day_then_counted(self):
        """40 hours without a digest: the first 24 each an alert, the
        other 16 one alert; all 40 counted."""
        p = self.digests_deleted(42, (1, 41), 40, per_hour=0)
        gaps = [a for a in p.alerts if a["integrity"] == "gap"]
        self.assertEqual(len(gaps), 25, p.alerts)
        self.assertIn("24 of 40 missing", p.err)
        self.assertIn("no digest for the 16 hours from 2024-03-02T01:01:31Z "
                      "to 2024-03-02T17:01:31Z (25 to 40 of 40", p.err)

    def malformed(self, d, old, new):
        got = ENV.s3.get_object(Bucket=self.bucket, Key=d)
        doc = ctrail.gzip.decompress(got["Body"].read())
        self.assertIn(old, doc)
        ENV.s3.put_object(Bucket=self.bucket, Key=d,
                          Body=ctrail.gz(doc.replace(old, new, 1)),
                          Metadata=got["Metadata"])

    def test_digest_without_its_bucket(self):
        """A digest with no digestS3Bucket is invalid (it crashed the
        run, every run, when its chain was looked at)."""
        t = self.trail()
        t.hours(BASE, 3)
        self.malformed(t.digests[1], b'"digestS3Bucket"', b'"digestS3Bucke"')
        p = self.run_bin()
        self.assertFinding(p, "invalid digest", t.digests[1])
        self.assertIn("digestS3Bucket", p.err)
        q = self.run_bin()
        self.assertEqual(q.returncode, 0, q.err)

    def test_invalid_first_digest_moves_no_chain(self):
        """A chain's first digest refused before its times were read
        (a bad fingerprint) moves no chain: the next digest there, whose
        previous is gone, starts it (the chain moved to the time 0 made
        every hour since 1970 a gap, 474,793 alerts, a run that never
        ended). The refused digest is the finding."""
        t = self.trail()
        t.hours(BASE, 3)
        self.malformed(t.digests[0], b'"digestPublicKeyFingerprint": "',
                       b'"digestPublicKeyFingerprint": "x')
        ENV.s3.delete_object(Bucket=self.bucket, Key=t.digests[1])
        p = self.run_bin()
        self.assertEqual(p.returncode, 7, p.err)
        self.assertEqual([a["integrity"] for a in p.alerts],
                         ["invalid digest"], p.alerts)
        self.assertEqual(metric(
            p.prom, "getawslog_last_run_digest_chain_gaps"), 0)

    def test_moved_digest(self):
        t = self.trail()
        t.hours(BASE, 2)
        src = t.digests[1]
        dst = src.replace("demo-trail", "other-trail")
        got = ENV.s3.get_object(Bucket=self.bucket, Key=src)
        ENV.s3.put_object(Bucket=self.bucket, Key=dst, Body=got["Body"].read(),
                          Metadata=got["Metadata"])
        p = self.run_bin()
        self.assertFinding(p, "invalid digest", dst)
        self.assertIn("moved", p.err)
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "invalid"), 1)

    def test_changed_digest(self):
        """A digest whose document changed (a hash made to fit a changed
        log file) no longer matches its signature; the digest after it is
        not reported again."""
        t = self.trail()
        made = t.hours(BASE, 3)
        d = t.digests[1]
        got = ENV.s3.get_object(Bucket=self.bucket, Key=d)
        doc = ctrail.gzip.decompress(got["Body"].read()).replace(
            b'"hashAlgorithm"', b'"hashAlgorithm" ', 1)
        ENV.s3.put_object(Bucket=self.bucket, Key=d, Body=ctrail.gz(doc),
                          Metadata=got["Metadata"])
        p = self.run_bin()
        self.assertFinding(p, "invalid digest", d)
        self.assertEqual([a["integrity"] for a in p.alerts],
                         ["invalid digest"])
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "verified"), 2)
        self.assertIn(made[0], "".join(made))

    def test_bad_signature(self):
        t = self.trail()
        t.hours(BASE, 2)
        d = t.digests[0]
        got = ENV.s3.get_object(Bucket=self.bucket, Key=d)
        meta = dict(got["Metadata"])
        meta["signature"] = key("other").sign(b"something else")
        ENV.s3.put_object(Bucket=self.bucket, Key=d, Body=got["Body"].read(),
                          Metadata=meta)
        p = self.run_bin()
        self.assertFinding(p, "invalid digest", d)
        self.assertIn("signature does not match", p.err)

    def test_first_of_chain(self):
        """A chain's first digest (previous* null, "null" signed)."""
        t = self.trail()
        t.hours(BASE, 1)
        p = self.run_bin("-dd")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("the first digest of its chain", p.err)
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "verified"), 1)

    def test_backfill(self):
        """A backfill digest names a late file: proved. Without its
        backfill-generation-timestamp it is invalid, as the AWS CLI has
        it."""
        t = self.trail()
        t.hours(BASE, 2)
        late = t.log("111122223333", "us-east-1",
                     BASE + dt.timedelta(minutes=30))
        t.digest("111122223333", "us-east-1", BASE + HOUR, [late],
                 backfill=True)
        p = self.run_bin()
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(self.counts(p)["proved"], 5)
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "verified"), 3)
        late2 = t.log("111122223333", "us-east-1",
                      BASE + dt.timedelta(minutes=100))
        dk, _, _ = t.digest("111122223333", "us-east-1", BASE + 2 * HOUR,
                            [late2], backfill=True, backfill_meta=False)
        q = self.run_bin()
        self.assertFinding(q, "invalid digest", dk)
        self.assertIn("backfill-generation-timestamp", q.err)

    def test_key_rotation(self):
        """Two keys, one after the other: each asked for once."""
        k1, k2 = key("a"), key("b")
        t = Trail(ENV, self.bucket, key=k1)
        k1.serve(ENV, "us-east-1", BASE - HOUR, BASE + 2 * HOUR)
        k2.serve(ENV, "us-east-1", BASE + 2 * HOUR, BASE + 100 * HOUR)
        t.hours(BASE, 2)
        t.key = k2
        t.hours(BASE + 2 * HOUR, 2)
        p = self.run_bin()
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "verified"), 4)
        calls = [r for r in ENV.requests if r.op == "ListPublicKeys"]
        self.assertLessEqual(len(calls), 2)
        self.assertTrue(all(r.region == "us-east-1" for r in calls))

    def test_spki_key(self):
        t = self.trail(k=key("s", spki=True))
        t.hours(BASE, 2)
        p = self.run_bin()
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(self.counts(p)["proved"], 4)

    def test_unknown_key(self):
        """A fingerprint ListPublicKeys does not know: invalid."""
        t = Trail(ENV, self.bucket, key=key("a"))
        t.hours(BASE, 1)
        p = self.run_bin()
        self.assertEqual(p.returncode, 7, p.err)
        self.assertIn("no public key of fingerprint", p.err)

    def test_delete(self):
        """-D: log files deleted once written, digests once verified and
        their files settled; an invalid digest stays (evidence)."""
        t = self.trail()
        made = t.hours(BASE, 3)
        bad = t.digests[2]
        got = ENV.s3.get_object(Bucket=self.bucket, Key=bad)
        meta = dict(got["Metadata"], signature="00" * 256)
        ENV.s3.put_object(Bucket=self.bucket, Key=bad, Body=got["Body"].read(),
                          Metadata=meta)
        p = self.run_bin("-D")
        self.assertEqual(p.returncode, 7, p.err)
        left = ENV.keys(self.bucket)
        self.assertEqual(left, [bad])
        self.assertEqual(self.counts(p)["proved"], 4)
        # The next run: nothing to report again, nothing missing.
        q = self.run_bin("-D")
        self.assertEqual(q.returncode, 0, q.err)
        self.assertEqual(q.alerts, [])
        self.assertEqual(ENV.keys(self.bucket), [bad])
        self.assertTrue(made)

    def test_digests_kept_to_delete_only_with_delete(self):
        """Without -D no verified digest is kept for deleting (nothing
        would ever take it out of the state again); with -D the digests
        kept are those still to delete, none once deleted."""
        import sqlite3
        t = self.trail()
        t.hours(BASE, 3)

        def kept():
            db = sqlite3.connect(self.state)
            try:
                return db.execute(
                    "SELECT count(*) FROM getawslog_digests").fetchone()[0]
            finally:
                db.close()
        p = self.run_bin()
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(metric(p.prom, "getawslog_last_run_digests",
                                "verified"), 3)
        self.assertEqual(kept(), 0)
        first = ENV.keys(self.bucket)
        t.hours(BASE + 3 * HOUR, 1)
        self.assertGreater(len(ENV.keys(self.bucket)), len(first))
        q = self.run_bin("-D")
        self.assertEqual(q.returncode, 0, q.err)
        self.assertEqual(metric(q.prom, "getawslog_last_run_digests",
                                "verified"), 1)
        self.assertEqual(kept(), 0)
        # This run's files and digest are gone; the first run's stay.
        self.assertEqual(ENV.keys(self.bucket), first)

    def test_raw_mode(self):
        """Raw mode hashes in its checking pass: proved the same."""
        t = self.trail()
        made = t.hours(BASE, 2)
        ENV.put(self.bucket, made[1], ctrail.gz(b'{"Records":[{}]}'))
        p = ENV.run(["-b", self.bucket, "-l", self.log, "-s", self.state,
                     "--validate-digests", "--metrics", self.metrics])
        self.assertEqual(p.returncode, 7, p.stderr)
        with open(self.metrics) as f:
            prom = f.read()
        self.assertEqual(metric(prom, "getawslog_last_run_log_files",
                                "proved"), 3)
        self.assertEqual(metric(prom, "getawslog_last_run_log_files",
                                "altered"), 1)

    def test_queue_mode(self):
        """Digests that arrive as notifications are checked too; a file
        deleted before its message was read is missing."""
        t = self.trail()
        made = t.hours(BASE, 2)
        url = ENV.make_queue("digests")
        keys = made[:2] + [t.digests[0]] + made[2:] + [t.digests[1]]
        for k in keys:
            ENV.send("digests", s3env.s3_event(s3env.s3_record(
                self.bucket, k, size=1)))
        ENV.s3.delete_object(Bucket=self.bucket, Key=made[3])
        p = ENV.run(["--queue-url", url, "-b", self.bucket, "-l", self.log,
                     "-s", self.state, "-j", "--validate-digests", "--digest-grace", "0",
                     "--metrics", self.metrics, "--wait-time-seconds", "0"])
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 7, err)
        self.assertIn(made[3] + ": missing", err)
        with open(self.metrics) as f:
            prom = f.read()
        self.assertEqual(metric(prom, "getawslog_last_run_digests",
                                "verified"), 2)
        self.assertEqual(metric(prom, "getawslog_last_run_log_files",
                                "proved"), 3)

    def test_follow_service_settles_while_it_runs(self):
        """A --follow service settles what its digests named while it
        runs, not only when it stops: the missing file's alert line is in
        the log before SIGTERM, and the service then exits 7."""
        import signal
        t = self.trail()
        made = t.hours(BASE, 2)
        url = ENV.make_queue("follow")
        for k in made + t.digests[:2]:
            ENV.send("follow", s3env.s3_event(s3env.s3_record(
                self.bucket, k, size=1)))
        ENV.s3.delete_object(Bucket=self.bucket, Key=made[3])
        p = ENV.popen(["--queue-url", url, "-b", self.bucket, "-l", self.log,
                       "-s", self.state, "-j", "--validate-digests",
                       "--digest-grace", "0", "--follow"])
        try:
            alerted = False
            deadline = time.time() + 60
            while time.time() < deadline and p.poll() is None:
                if os.path.exists(self.log):
                    with open(self.log, encoding="utf-8",
                              errors="replace") as f:
                        alerted = any('"integrity"' in line and
                                      made[3] in line and
                                      "missing" in line for line in f)
                if alerted:
                    break
                time.sleep(0.3)
            self.assertIsNone(p.poll(), "the service ended")
            self.assertTrue(alerted, "no alert while following")
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 7, err.decode())
        self.assertEqual(err.decode().count(made[3] + ": missing"), 1,
                         err.decode())

    def test_digest_after_the_files_were_deleted(self):
        """The digest comes an hour later, after -D deleted its files:
        proved from the hashes in the state."""
        t = self.trail()
        a = "111122223333"
        files = [t.log(a, "us-east-1", BASE + dt.timedelta(minutes=m))
                 for m in (10, 40)]
        p = self.run_bin("-D")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(ENV.keys(self.bucket), [])
        t.digest(a, "us-east-1", BASE + HOUR, files)
        q = self.run_bin("-D")
        self.assertEqual(q.returncode, 0, q.err)
        self.assertEqual(self.counts(q)["proved"], 2)
        self.assertEqual(ENV.keys(self.bucket), [])

    def killed_when(self, slow, table, rows, *extra):
        """Run with the GET of slow held back (the last key: the run
        waits for it after the others), kill the run once table has rows
        rows (or after 5 s); the rows it had."""
        import sqlite3
        ENV.faults = [s3env.Fault("latency", method="GET", key=slow,
                                  ms=6000)]
        pr = ENV.popen(["-b", self.bucket, "-l", self.log, "-s",
                        self.state, "-j", "--validate-digests"] +
                       list(extra))
        n, deadline = 0, time.monotonic() + 5
        while n < rows and time.monotonic() < deadline:
            try:
                db = sqlite3.connect(self.state, timeout=1)
                n = db.execute("SELECT count(*) FROM %s" % table).fetchone(
                )[0]
                db.close()
            except sqlite3.Error:
                pass
            time.sleep(0.02)
        pr.kill()
        pr.communicate()
        ENV.faults = []
        return n

    def test_hashes_lost_in_a_crash_are_read_again(self):
        """Hashes are recorded in batches (with -D each with its file's
        record): a run killed with a batch open leaves its files without
        a hash. The next run says so and reads again each file a digest
        names: proved, altered or missing as the bucket has it now."""
        import sqlite3
        t = self.trail(regions=("us-east-1", "us-west-2"))
        a = "111122223333"
        files = [t.log(a, "us-east-1", BASE + dt.timedelta(minutes=m))
                 for m in (5, 15, 25, 35)]
        slow = t.log(a, "us-west-2", BASE + dt.timedelta(minutes=5))[0]
        # The last file in key order hangs: the run records the first four
        # and is killed waiting for it.
        n = self.killed_when(slow, "log_progress", 4)
        self.assertEqual(n, 4, "the four files recorded before the kill")
        db = sqlite3.connect(self.state)
        hashed = db.execute("SELECT count(*) FROM getawslog_hashes").fetchone(
            )[0]
        db.close()
        self.assertEqual(hashed, 0, "the batch was still open")
        # Then one file is changed and one deleted, and the digest comes.
        ENV.put(self.bucket, files[1][0], ctrail.gz(b'{"Records":[]}'))
        ENV.s3.delete_object(Bucket=self.bucket, Key=files[2][0])
        t.digest(a, "us-east-1", BASE + HOUR, files)
        before = len(ENV.requests)
        p = self.run_bin()
        self.assertIn("an earlier run stopped before it recorded the "
                      "SHA-256", p.err)
        self.assertEqual(self.counts(p), {"proved": 2, "missing": 1,
                                          "altered": 1, "injected": 0})
        self.assertFinding(p, "altered", files[1][0])
        self.assertFinding(p, "missing", files[2][0])
        self.assertIn("its hash lost in a crash", p.err)
        got = sorted(r.key for r in ENV.requests[before:]
                     if r.op == "GET" and r.key in
                     [f[0] for f in files])
        self.assertEqual(got, sorted(f[0] for f in files),
                         "each named file read again once")
        with open(self.log, "rb") as f:
            text = f.read()
        self.assertEqual(text.count(b"Call0"), 5,
                         "read again to hash, not written again")
        q = self.run_bin()
        self.assertEqual(q.returncode, 0, q.err)
        self.assertNotIn("earlier run", q.err)

    def test_hashes_with_delete_are_kept_with_each_record(self):
        """With -D the file is gone once recorded: its hash is recorded
        in the same transaction, so a kill leaves nothing to recover."""
        t = self.trail(regions=("us-east-1", "us-west-2"))
        a = "111122223333"
        files = [t.log(a, "us-east-1", BASE + dt.timedelta(minutes=m))
                 for m in (5, 15)]
        slow = t.log(a, "us-west-2", BASE + dt.timedelta(minutes=5))[0]
        n = self.killed_when(slow, "getawslog_hashes", 2, "-D")
        self.assertEqual(n, 2, "each hash recorded with its file")
        t.digest(a, "us-east-1", BASE + HOUR, files)
        p = self.run_bin("-D")
        self.assertNotIn("earlier run", p.err)
        self.assertEqual(self.counts(p)["proved"], 2, p.err)

    def test_old_state_file(self):
        """A state file of the script's (log_progress only) gains the new
        tables; files it recorded before have no hash: neither proved
        nor missing, even once deleted from the bucket."""
        import sqlite3
        t = self.trail()
        made = t.hours(BASE, 2)
        db = sqlite3.connect(self.state)
        db.execute("CREATE TABLE log_progress (log_name 'text' primary key, "
                   "processed_date 'TEXT')")
        db.execute("INSERT INTO log_progress VALUES (?, '2024-03-01')",
                   (made[0].rsplit("/", 1)[1],))
        db.commit()
        db.close()
        ENV.s3.delete_object(Bucket=self.bucket, Key=made[0])
        p = self.run_bin("-dd")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("ingested before --validate-digests", p.err)
        self.assertEqual(self.counts(p), {"proved": 3, "missing": 0,
                                          "altered": 0, "injected": 0})
        db = sqlite3.connect(self.state)
        tables = {r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        db.close()
        self.assertLessEqual({"getawslog_hashes", "getawslog_chains"},
                             tables)

    def test_queue_out_of_order(self):
        """Notifications may come out of order: a digest whose previous
        one is still in the bucket is no gap; one deleted is."""
        t = self.trail()
        made = t.hours(BASE, 4)
        url = ENV.make_queue("ooo")
        d = t.digests
        for k in made + [d[0], d[2], d[1], d[3]]:
            ENV.send("ooo", s3env.s3_event(s3env.s3_record(
                self.bucket, k, size=1)))
        args = ["--queue-url", url, "-b", self.bucket, "-l", self.log, "-s",
                self.state, "-j", "--validate-digests", "--digest-grace", "0", "--metrics",
                self.metrics, "--wait-time-seconds", "0"]
        p = ENV.run(args)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.metrics) as f:
            prom = f.read()
        self.assertEqual(metric(prom, "getawslog_last_run_digest_chain_gaps"),
                         0)
        self.assertEqual(metric(prom, "getawslog_last_run_log_files",
                                "proved"), 8)

    def test_siem_line_and_contrib_rules(self):
        """The alert line is what contrib's decoder and rules expect: it
        starts with the decoder's prematch, its integrity value is one
        the rules name, and missing/altered are level 12."""
        import xml.etree.ElementTree as ET
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(os.path.join(top, "contrib",
                               "getawslog_decoders.xml")) as f:
            dec = ET.fromstring("<x>%s</x>" % re.sub(r"<!--.*?-->", "",
                                                    f.read(), flags=re.S))
        prematch = dec.find("decoder/prematch").text
        self.assertTrue(prematch.startswith("^"))
        rules = ET.parse(os.path.join(top, "contrib",
                                      "getawslog_rules.xml")).getroot()
        levels = {}
        for rule in rules.iter("rule"):
            for fld in rule.iter("field"):
                for alt in fld.text.split("|"):
                    levels[alt.strip("^$")] = int(rule.get("level"))
        t = self.trail()
        made = t.hours(BASE, 2)
        ENV.s3.delete_object(Bucket=self.bucket, Key=made[0])
        ENV.put(self.bucket, made[1], ctrail.gz(b'{"Records":[]}'))
        p = self.run_bin()
        with open(self.log) as f:
            lines = [ln for ln in f if ln.startswith('{"getawslog"')]
        self.assertEqual(len(lines), 2)
        for ln in lines:
            self.assertTrue(ln.startswith(prematch[1:]), ln)
            what = json.loads(ln)["getawslog"]["integrity"]
            self.assertEqual(levels.get(what), 12, (what, levels))
        for what in ("injected", "invalid digest", "gap"):
            self.assertEqual(levels.get(what), 10)
        self.assertEqual(p.returncode, 7)

    def test_pruned_once_a_day(self):
        """Hashes proved 31 days ago and hours no unjudged file needs any
        more leave the state, once a day (the prune reads every hash);
        a file never judged keeps its hash and the hours it needs."""
        import sqlite3
        t = self.trail()
        t.hours(BASE, 1)
        self.assertEqual(self.run_bin().returncode, 0)
        now = int(time.time())
        old, recent = now - 40 * 86400, now - 10 * 86400

        def rows(sql, *args):
            db = sqlite3.connect(self.state)
            try:
                with db:
                    return db.execute(sql, args).fetchall()
            finally:
                db.close()

        def plant(pruned_at):
            rows("INSERT OR REPLACE INTO getawslog_hashes VALUES "
                 "('b', 'old', 's', ?, 'x', 1), ('b', 'recent', 's', ?, "
                 "'x', 1), ('b', 'unjudged', 'u', ?, 'x', 0)",
                 old, recent, old)
            rows("INSERT OR REPLACE INTO getawslog_windows VALUES "
                 "('b', 's', ?, ?), ('b', 'u', ?, ?)",
                 old - 3600, old, old - 3600, old)
            rows("UPDATE getawslog_done SET at = ? WHERE what = 'prune'",
                 pruned_at)

        def left():
            return (sorted(k for k, in rows(
                "SELECT key FROM getawslog_hashes WHERE bucket = 'b'")),
                sorted(s for s, in rows(
                    "SELECT scope FROM getawslog_windows WHERE "
                    "bucket = 'b'")))
        self.assertEqual(len(rows("SELECT at FROM getawslog_done WHERE "
                                  "what = 'prune'")), 1)
        # Pruned an hour ago: nothing goes until a day has passed.
        plant(now - 3600)
        self.assertEqual(self.run_bin().returncode, 0)
        self.assertEqual(left(), (["old", "recent", "unjudged"], ["s", "u"]))
        plant(now - 25 * 3600)
        self.assertEqual(self.run_bin().returncode, 0)
        self.assertEqual(left(), (["recent", "unjudged"], ["u"]))
        at, = rows("SELECT at FROM getawslog_done WHERE what = "
                   "'prune'")[0]
        self.assertGreaterEqual(at, now)

    def test_needs_state(self):
        p = ENV.run(["-b", self.bucket, "-l", self.log, "--validate-digests"])
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"needs -s", p.stderr)

    def test_off_by_default(self):
        """Without --validate-digests digests are skipped as before."""
        t = self.trail()
        t.hours(BASE, 1)
        p = ENV.run(["-b", self.bucket, "-l", self.log, "-s", self.state])
        self.assertEqual(p.returncode, 0)
        self.assertFalse([r for r in ENV.requests
                          if r.op == "ListPublicKeys"])
        self.assertFalse([r for r in ENV.requests if r.op == "GET"
                          and "CloudTrail-Digest" in (r.key or "")])


class Plans(unittest.TestCase):
    """A month of an organization's hashes is millions of rows, and a
    settling runs every few minutes: no statement a settling runs each
    time reads every hash, and none reads them once for each row of
    something else. SQLite's own plans of state.c's statements on the
    schema a run made. The chores that read them all once are timed
    (test_pruned_once_a_day, test_injected_judged_hourly)."""

    def test_no_statement_reads_every_hash_each_run(self):
        import sqlite3
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(os.path.join(top, "state.c")) as f:
            src = f.read()
        queries = {m.group(1): "".join(re.findall(
            r'"((?:[^"\\]|\\.)*)"', m.group(2)))
            for m in re.finditer(
                r'\[(STATE_\w+)\] = ((?:\s*"(?:[^"\\]|\\.)*")+)', src)}
        self.assertIn("STATE_INJECTED", queries)
        state = os.path.join(ENV.tempdir(), "plans.db")
        ENV.make_bucket("plans")
        p = ENV.run(["-b", "plans", "-l", os.path.join(
            os.path.dirname(state), "log"), "-s", state,
            "--validate-digests"])
        self.assertEqual(p.returncode, 0, p.stderr)
        db = sqlite3.connect(state)
        timed = {"STATE_HASH_PRUNE", "STATE_WINDOW_PRUNE", "STATE_INJECTED"}
        seen = set()
        for name, sql in sorted(queries.items()):
            if "getawslog_hashes" not in sql:
                continue
            seen.add(name)
            n = len(set(re.findall(r"\?\d", sql)))
            rows = list(db.execute("EXPLAIN QUERY PLAN " + sql, [1] * n))
            plan = [r[3] for r in rows]
            node = {r[0]: (r[1], r[3]) for r in rows}
            scans = [d for d in plan
                     if re.match(r"SCAN (h|getawslog_hashes)\b", d)]
            if name not in timed:
                self.assertEqual(scans, [], (name, plan))
            # Read at most once: no reading of the hashes (other than one
            # by its key) under a correlated subquery, at any depth,
            # unless materialized once on the way.
            for nid, (parent, d) in node.items():
                if not re.match(r"(SCAN|SEARCH) (h|getawslog_hashes)\b",
                                d) or "(bucket=? AND key=?)" in d:
                    continue
                up = []
                while parent in node:
                    parent, a = node[parent]
                    up.append(a)
                for a in up:
                    if a.startswith("MATERIALIZE"):
                        break
                    self.assertFalse(a.startswith("CORRELATED"),
                                     (name, plan))
        self.assertLessEqual(timed, seen)
        db.close()


def have_awscli():
    import subprocess
    return subprocess.run([sys.executable, "-c", "import awscli"],
                          capture_output=True).returncode == 0


ARN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/demo-trail"
CLI_LINE = re.compile(r"^(Log|Digest) file\ts3://[^/]+/(\S+)\t(.*)$")


@unittest.skipUnless(ctrail.HAVE_CRYPTO, "python's cryptography is missing")
@unittest.skipUnless(have_awscli(), "the AWS CLI (awscli 1.x) is missing")
class CliAgreement(Base):
    """`aws cloudtrail validate-logs` (python's awscli, AWS_ENDPOINT_URL
    at the front, which answers DescribeTrails too) on the same buckets:
    the same verdicts, file by file, except where they differ by design
    (each test says where)."""
    bucket = "cli-bucket"

    def cli(self):
        import subprocess
        with ENV._lock:
            ENV.ct_trails[:] = [{
                "Name": "demo-trail", "S3BucketName": self.bucket,
                "TrailARN": ARN, "HomeRegion": "us-east-1",
                "IsOrganizationTrail": False,
                "LogFileValidationEnabled": True}]
        env = ENV._child_env(ENV.tempdir(), {"AWS_DEFAULT_REGION":
                                             "us-east-1"})
        p = subprocess.run(
            [sys.executable, "-m", "awscli", "cloudtrail", "validate-logs",
             "--trail-arn", ARN, "--start-time", "2024-02-29T23:00:00Z",
             "--end-time", "2024-03-01T12:00:00Z", "--verbose"],
            env=env, capture_output=True, timeout=120)
        found = set()
        # The valid on stdout, the INVALID on stderr.
        for line in (p.stdout + p.stderr).decode().splitlines():
            m = CLI_LINE.match(line)
            if not m or m.group(3) == "valid":
                continue
            what, key, why = m.groups()
            if what == "Log":
                found.add(("missing" if "not found" in why else "altered",
                           key))
            elif "not found" in why:
                found.add(("gap", key))
            else:
                found.add(("invalid digest", key))
        return p.returncode, found

    def ours(self, t):
        p = self.run_bin()
        found = set()
        for a in p.alerts:
            if a["integrity"] == "gap":
                # Named by its hour: the digest that hour lacks.
                end = re.search(r"to (\S+)Z", a["detail"]).group(1)
                when = dt.datetime.strptime(end, "%Y-%m-%dT%H:%M:%S")
                found.add(("gap", t.digest_key("111122223333", "us-east-1",
                                               when)))
            else:
                found.add((a["integrity"], a["key"]))
        return p.returncode, found

    def agree(self, t):
        rc, cli = self.cli()
        ours_rc, ours = self.ours(t)
        self.assertEqual(ours, cli)
        self.assertEqual(ours_rc == 0, rc == 0 and not cli)
        return ours

    def test_cli_all_valid(self):
        t = self.trail()
        t.hours(BASE, 4)
        self.assertEqual(self.agree(t), set())

    def test_cli_altered_and_missing(self):
        t = self.trail()
        made = t.hours(BASE, 4)
        ENV.put(self.bucket, made[1], ctrail.gz(b'{"Records":[]}'))
        ENV.s3.delete_object(Bucket=self.bucket, Key=made[5])
        self.assertEqual(self.agree(t), {("altered", made[1]),
                                         ("missing", made[5])})

    def test_cli_deleted_digest(self):
        t = self.trail()
        t.hours(BASE, 4)
        ENV.s3.delete_object(Bucket=self.bucket, Key=t.digests[2])
        self.assertEqual(self.agree(t), {("gap", t.digests[2])})

    def test_cli_bad_signature_and_changed_digest(self):
        t = self.trail()
        t.hours(BASE, 4)
        d = t.digests[1]
        got = ENV.s3.get_object(Bucket=self.bucket, Key=d)
        meta = dict(got["Metadata"], signature=key("other").sign(b"x"))
        ENV.s3.put_object(Bucket=self.bucket, Key=d, Body=got["Body"].read(),
                          Metadata=meta)
        d3 = t.digests[3]
        got = ENV.s3.get_object(Bucket=self.bucket, Key=d3)
        doc = ctrail.gzip.decompress(got["Body"].read()) + b" "
        ENV.s3.put_object(Bucket=self.bucket, Key=d3, Body=ctrail.gz(doc),
                          Metadata=got["Metadata"])
        self.assertEqual(self.agree(t), {("invalid digest", d),
                                         ("invalid digest", d3)})

    def test_cli_two_deleted_in_a_row(self):
        """By design: aws-cli issue 7054, the CLI names only the newer of
        two digests deleted in a row; both hours here."""
        t = self.trail()
        t.hours(BASE, 5)
        for d in t.digests[1:3]:
            ENV.s3.delete_object(Bucket=self.bucket, Key=d)
        rc, cli = self.cli()
        _, ours = self.ours(t)
        self.assertEqual(ours, {("gap", t.digests[1]), ("gap", t.digests[2])})
        self.assertTrue(cli < ours and len(cli) == 1, cli)

    def test_cli_spki_key(self):
        """By design: the CLI reads PKCS#1 keys only; a SubjectPublicKeyInfo
        key verifies here."""
        t = self.trail(k=key("s", spki=True))
        t.hours(BASE, 2)
        rc, cli = self.cli()
        _, ours = self.ours(t)
        self.assertEqual(ours, set())
        self.assertEqual(cli, {("invalid digest", d) for d in t.digests})

    def test_cli_injected(self):
        """By design: the CLI never looks at a file no digest names."""
        t = self.trail()
        t.hours(BASE, 3)
        k, _ = t.log("111122223333", "us-east-1",
                     BASE + dt.timedelta(minutes=80))
        rc, cli = self.cli()
        _, ours = self.ours(t)
        self.assertEqual(cli, set())
        self.assertEqual(ours, {("injected", k)})


if __name__ == "__main__":
    runner.main("validate")
