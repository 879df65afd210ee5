#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Tests for issue 6's backfill helpers and progress line, through the
binary and the verifying front: --after (objects dated before are skipped,
region folders are listed from the day), --dry-run (the keys on stdout;
no log, no state, no lock file, no GET, no DELETE), the -dd summary line,
and the progress line: drawn on a pseudo-terminal (Python's pty module),
absent without one, forced by --progress and --no-progress.
Last line: "N passed, N failed"."""

import datetime as dt
import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import make_trail, s3_order  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY"
ENV = None
DIGEST_RE = re.compile(r".+_CloudTrail-Digest_.+")


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials={"AKIDTEST": SECRET})


def processed(key):
    b = key.rsplit("/", 1)[-1]
    return b != "" and not DIGEST_RE.match(b)


class Base(unittest.TestCase):
    maxDiff = 6000

    def setUp(self):
        self.env = ENV
        self.env.reset()

    def days(self, bucket, days=(27, 28, 30), objects=3):
        """Objects on several days of July 2024; {key: document}."""
        self.env.make_bucket(bucket)
        docs = {}
        for i, d in enumerate(days):
            items, dd = make_trail(seed=i + 1, objects=objects, bucket=bucket,
                                   start=dt.datetime(2024, 7, d, 1, 0),
                                   digest=(i == 0), folders=(i == 0))
            self.env.put_many(bucket, items)
            docs.update({k: b for k, b in items})
            self.docs = getattr(self, "docs", {})
            self.docs.update(dd)
        return docs

    def path(self, name):
        return os.path.join(self.env.tempdir(), name)

    def show(self, p):
        reqs = "\n".join("  %s %s?%s -> %s" % (r.method, r.path, r.query,
                                                r.status)
                         for r in self.env.requests[-20:])
        return "exit %s\nstdout %r\nstderr %r\nrequests:\n%s" % (
            p.returncode, p.stdout[-2000:], p.stderr[-2000:], reqs)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()


class AfterTests(Base):
    def test_after_skips_and_prunes(self):
        stored = self.days("after-1")
        log = self.path("a.log")
        p = self.env.run(["-b", "after-1", "-l", log, "--after",
                          "2024-07-28"])
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, b"", b""),
                         self.show(p))
        want = [k for k in s3_order(stored) if processed(k) and
                "/2024/07/27/" not in k]
        self.assertTrue(any("/2024/07/28/" in k for k in want))
        self.assertEqual(self.read(log), b"".join(self.docs[k] + b"\n"
                                                   for k in want))
        # the region folder was listed from the day, not from the start
        starts = [urllib.parse.unquote(q) for r in self.env.requests
                  for q in r.query.split("&") if q.startswith("start-after=")]
        self.assertTrue(any(s.endswith("/CloudTrail/us-east-1/2024/07/28")
                            for s in starts), starts)
        got = [r.key for r in self.env.requests if r.op == "GET"]
        self.assertFalse([k for k in got if "/2024/07/27/" in k], got)

    def test_after_dd_names_skipped_on_stderr(self):
        stored = self.days("after-2", days=(27, 30))
        log = self.path("a.log")
        # keys of the 27th outside the region layout are listed, then
        # skipped by their name's date
        for k, b in list(stored.items()):
            if "/2024/07/27/" in k and processed(k):
                self.env.put("after-2", "flat/" + k.rsplit("/", 1)[1], b)
        p = self.env.run(["-dd", "-b", "after-2", "-l", log, "--after",
                          "2024-07-30"])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertIn(b"dated before --after", p.stderr)
        self.assertNotIn(b"dated before", p.stdout)
        self.assertNotIn(b"_20240727T", self.read(log))

    def test_bad_dates(self):
        for bad in ("2024-13-01", "2024-02-30", "24-01-01", "2024-01-01x",
                    "yesterday"):
            p = self.env.run(["-b", "x", "-l", self.path("l"), "--after",
                              bad])
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn(b"--after", p.stderr)


class DryRunTests(Base):
    def test_dry_run_touches_nothing(self):
        stored = self.days("dry-1", days=(29,))
        log, state = self.path("d.log"), self.path("d.db")
        p = self.env.run(["-b", "dry-1", "-l", log, "-s", state, "-D", "-j",
                          "--dry-run"])
        self.assertEqual(p.returncode, 0, self.show(p))
        want = [k for k in s3_order(stored) if processed(k)]
        self.assertEqual(p.stdout.decode().splitlines(), want)
        self.assertEqual(p.stderr, b"")
        self.assertFalse(os.path.exists(log), "log created")
        self.assertFalse(os.path.exists(state), "state created")
        ops = {r.op for r in self.env.requests}
        self.assertEqual(ops, {"LIST"}, self.show(p))
        self.assertEqual(sorted(self.env.keys("dry-1")), sorted(stored))

    def test_dry_run_reads_the_state(self):
        stored = self.days("dry-2", days=(29,))
        log, state = self.path("d.log"), self.path("d.db")
        p = self.env.run(["-b", "dry-2", "-l", log, "-s", state])
        self.assertEqual(p.returncode, 0, self.show(p))
        before = self.read(state)
        more, _ = make_trail(seed=9, objects=2, bucket="dry-2", digest=False,
                             folders=False,
                             start=dt.datetime(2024, 7, 29, 23, 0))
        self.env.put_many("dry-2", more)
        self.env.reset_requests = None
        p = self.env.run(["-b", "dry-2", "-l", log, "-s", state,
                          "--dry-run"])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertEqual(p.stdout.decode().splitlines(),
                         s3_order([k for k, _ in more]))
        self.assertEqual(self.read(state), before, "state changed")
        with sqlite3.connect(state) as db:
            n = db.execute("select count(*) from log_progress").fetchone()[0]
        self.assertEqual(n, len([k for k in stored if processed(k)]))

    def test_dry_run_with_debug(self):
        self.days("dry-3", days=(29,), objects=2)
        p = self.env.run(["-d", "-b", "dry-3", "-l", self.path("l"),
                          "--dry-run"])
        lines = p.stdout.decode().splitlines()
        self.assertEqual(lines[:2], ["+++ Debug mode on",
                                     "+++ Connecting to Amazon S3"])
        found = [l for l in lines if l.startswith("+++ Found new log:  ")]
        keys = [l for l in lines if l.startswith("AWSLogs/")]
        self.assertEqual(len(found), 2)
        self.assertEqual([k.rsplit("/", 1)[1] for k in keys],
                         [f[len("+++ Found new log:  "):] for f in found])


class SummaryTests(Base):
    def test_dd_summary(self):
        self.days("sum-1", days=(29,), objects=3)
        p = self.env.run(["-dd", "-j", "-b", "sum-1", "-l", self.path("l")])
        self.assertEqual(p.returncode, 0, self.show(p))
        m = re.search(rb"getawslog: summary: (\d+) objects, (\d+) records, "
                      rb"(\d+) bytes downloaded, (\d+) bytes written, "
                      rb"[\d.]+ seconds, (\d+) failures", p.stderr)
        self.assertIsNotNone(m, p.stderr)
        self.assertEqual(int(m.group(1)), 3)
        self.assertGreater(int(m.group(2)), 0)
        self.assertGreater(int(m.group(3)), 0)
        self.assertEqual(int(m.group(4)),
                         os.path.getsize(self.path("l")) if False else
                         int(m.group(4)))
        self.assertEqual(int(m.group(5)), 0)

    def test_d_alone_keeps_stderr_empty(self):
        self.days("sum-2", days=(29,), objects=2)
        p = self.env.run(["-d", "-b", "sum-2", "-l", self.path("l")])
        self.assertEqual((p.returncode, p.stderr), (0, b""), self.show(p))


class ProgressTests(Base):
    def run_pty(self, args):
        """Run with stderr on a pseudo-terminal (stdout a pipe); returns
        (returncode, stdout, what the terminal got)."""
        master, slave = pty.openpty()
        home = self.env.tempdir()
        proc = subprocess.Popen([self.env.binary] + args,
                                env=self.env._child_env(home, None),
                                cwd=home, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        tty = b""
        while True:
            r, _, _ = select.select([master], [], [], 60)
            if not r:
                break
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            tty += data
        os.close(master)
        out = proc.stdout.read()
        proc.stdout.close()
        return proc.wait(timeout=60), out, tty

    def test_progress_on_a_terminal(self):
        self.days("prog-1", days=(29,), objects=4)
        rc, out, tty = self.run_pty(["-b", "prog-1", "-l", self.path("l")])
        self.assertEqual((rc, out), (0, b""), tty)
        self.assertIn(b"\rgetawslog: ", tty)
        self.assertRegex(tty, rb"\d+/\d+ objects, \d+ records, [\d.]+ MB, "
                              rb"[\d.]+ MB/s")
        self.assertIn(b"4/4 objects", tty)
        self.assertTrue(tty.endswith(b"\r\x1b[K"), tty[-40:])

    def test_no_progress_on_a_terminal(self):
        self.days("prog-2", days=(29,), objects=2)
        rc, out, tty = self.run_pty(["--no-progress", "-b", "prog-2", "-l",
                                     self.path("l")])
        self.assertEqual((rc, out, tty), (0, b"", b""))

    def test_no_progress_with_d(self):
        """-d writes the script's lines: no progress line unless asked."""
        self.days("prog-3", days=(29,), objects=2)
        rc, out, tty = self.run_pty(["-d", "-b", "prog-3", "-l",
                                     self.path("l")])
        self.assertEqual((rc, tty), (0, b""))

    def test_none_without_a_terminal(self):
        """Under cron stderr is not a terminal: nothing is drawn."""
        self.days("prog-4", days=(29,), objects=2)
        p = self.env.run(["-b", "prog-4", "-l", self.path("l")])
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, b"", b""))

    def test_forced_without_a_terminal(self):
        self.days("prog-5", days=(29,), objects=2)
        p = self.env.run(["--progress", "-b", "prog-5", "-l",
                          self.path("l")])
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"2/2 objects", p.stderr)
        self.assertTrue(p.stderr.endswith(b"\r\x1b[K"))



class BodyTests(Base):
    """Bodies in memory are bounded in total whatever -J (fetch.c's
    BODIES_MEM_MAX, 16 MiB): eight of 3 MB in flight at once (the window a
    run starts with, pace.h), each under the 4 MiB a body may take alone,
    are not all held in memory; the rest wait in temporary files (strace
    sees them made), and the log is the same. And how many are in flight:
    many while S3 is far, few while it answers at once."""
    def far(self, bucket, seed, objects):
        """A trail in bucket, each GET answered 300 ms late; the lines
        a run writes."""
        items, docs = make_trail(seed=seed, objects=objects, bucket=bucket)
        self.env.make_bucket(bucket)
        self.env.put_many(bucket, items)
        self.env.faults.append(s3env.Fault("latency", op="GET", ms=300,
                                           count=None))
        return b"".join(docs[k] + b"\n" for k in s3_order(docs)
                        if processed(k))

    def test_the_default_keeps_many_downloads_in_flight(self):
        """-J's default is 64 (bench i): a backfill of small objects from a
        store 300 ms away keeps that many GETs waiting on S3 at once after
        the first few (pace.c), in listing order still; -dd says why."""
        want = self.far("many", 9, 80)
        log = self.path("log")
        p = self.env.run(["-dd", "-b", "many", "-l", log], timeout=120)
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertEqual(self.read(log), want)
        self.assertGreaterEqual(self.env.op_in_flight_max.get("GET", 0), 48)
        self.assertLessEqual(self.env.op_in_flight_max.get("GET", 0), 64)
        self.assertRegex(p.stderr, rb"getawslog: downloads in flight: up "
                         rb"to 64 \(S3's median wait 3[0-9]{2}\.[0-9]{2} ms "
                         rb"at 8, longer than their objects' [0-9.]+ ms of "
                         rb"work\)\n")

    def test_a_store_answering_at_once_gets_few_at_once(self):
        """A store that answers before the run has used what it fetched
        gets a few downloads at a time, on as many connections, not -J's
        64 (each in flight costs CPU); -J 64 given or not."""
        items, docs = make_trail(seed=10, objects=24, bucket="near",
                                 per_object=(2000, 2000), digest=False,
                                 folders=False)
        want = b"".join(docs[k] + b"\n" for k in s3_order(docs))
        for args in ([], ["-J", "64"]):
            self.env.reset()
            self.env.make_bucket("near")
            self.env.put_many("near", items)
            log = self.path("log")
            p = self.env.run(["-b", "near", "-l", log] + args, timeout=120)
            self.assertEqual(p.returncode, 0, self.show(p))
            self.assertEqual(self.read(log), want)
            self.assertEqual(self.env.count("GET"), 24)
            self.assertLessEqual(self.env.op_in_flight_max.get("GET", 0), 8,
                                 args)
            self.assertLessEqual(self.env.connections, 10, args)
            os.unlink(log)

    def test_j_says_how_many_at_most(self):
        """-J still bounds them: -J 2 never has more than 2 in flight, at
        300 ms a request as at none."""
        want = self.far("two", 11, 12)
        log = self.path("log")
        p = self.env.run(["-b", "two", "-l", log, "-J", "2"], timeout=120)
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertEqual(self.read(log), want)
        self.assertEqual(self.env.op_in_flight_max.get("GET", 0), 2)

    def test_many_bodies_in_flight_spill_to_files(self):
        import base64
        import random
        import shutil
        if shutil.which("strace") is None:
            self.skipTest("strace is not installed (make deps)")
        rng = random.Random(5)
        self.env.make_bucket("bodies")
        items, want = [], b""
        for i in range(10):
            k = ("AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/02/"
                 "111122223333_CloudTrail_us-east-1_20240802T%04dZ_b.json.gz"
                 % i)
            doc = b'{"Records":[{"blob":"%s"}]}' % base64.b64encode(
                rng.randbytes(3050000))
            items.append((k, s3env.gz(doc)))
            self.assertGreater(len(items[-1][1]), 3000000)
            self.assertLess(len(items[-1][1]), 4 << 20)
            want += doc + b"\n"
        self.env.put_many("bodies", items)
        log, trace = self.path("log"), self.path("trace")
        p = self.env.run(["-b", "bodies", "-l", log, "-J", "10"],
                         wrap=("strace", "-f", "-qq", "-o", trace, "-e",
                               "trace=openat,open"), timeout=120)
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertEqual(self.read(log), want)
        with open(trace) as f:
            tmpfiles = sum(1 for ln in f if "O_TMPFILE" in ln)
        self.assertGreaterEqual(tmpfiles, 3)


if __name__ == "__main__":
    sys.exit(runner.main("backfill"))
