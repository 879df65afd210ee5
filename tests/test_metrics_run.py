#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""--metrics FILE through the binary and the verifying front: the file
parsed strictly (every family one # HELP and one # TYPE gauge, before its
samples; label values escaped; values numbers) and compared with the -dd
summary and with what the bucket held; a failed run (exit 3) keeps the
last success; SIGTERM and exit 6 write it, and the run holding the lock
overwrites exit 6's file when it ends; --dry-run does not write it; mode
0644 under umask 077; no temporary file left; a symlink planted by
another user not followed; a failed write only warned about. Then
Prometheus's own tools: node_exporter's textfile collector reads the file
without error, promtool's lint passes, and the contrib/ alert rules fire
(promtool test rules) when the last success is over an hour old and the
newest object over two.
Last line: "N passed, N failed"."""

import datetime as dt
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import gz, make_trail  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(TOP, "build", "tools", "usr", "bin")
NODE_EXPORTER = os.path.join(TOOLS, "prometheus-node-exporter")
PROMTOOL = os.path.join(TOOLS, "promtool")
RULES = os.path.join(TOP, "contrib", "getawslog.rules.yml")
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY"
DIGEST_RE = re.compile(r".+_CloudTrail-Digest_.+")
STAMP_RE = re.compile(r"_(\d{8}T\d{4}Z)")
ENV = None

# Exactly the metrics, each a gauge; objects by result.
PLAIN = ["getawslog_last_run_timestamp_seconds",
         "getawslog_last_success_timestamp_seconds",
         "getawslog_last_run_exit_status",
         "getawslog_last_run_duration_seconds",
         "getawslog_last_run_records",
         "getawslog_last_run_records_discarded",
         "getawslog_last_run_records_shortened",
         "getawslog_last_run_records_overlong",
         "getawslog_last_run_bytes_downloaded",
         "getawslog_newest_object_timestamp_seconds"]
OBJECTS = "getawslog_last_run_objects"
RESULTS = ("written", "failed", "skipped")

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
SUMMARY_RE = re.compile(
    rb"getawslog: summary: (\d+) objects, (\d+) records, (\d+) bytes "
    rb"downloaded, \d+ bytes written, [\d.]+ seconds, (\d+) failures, \d+ "
    rb"list requests, (\d+) skipped, (\d+) records discarded\n")


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials={"AKIDTEST": SECRET})


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n"
                  else m.group(1), v)


def parse_strict(data):
    """The text format, strictly: {(name, ((label, value), ...)): value}.
    Raises AssertionError on anything node_exporter could refuse or that
    is not ours: a family without HELP and TYPE gauge before its samples,
    one given twice, a sample outside its family, a bad name or label, a
    value that is not a finite number, a duplicate series, no final
    newline, bytes that are not UTF-8."""
    text = data.decode("utf-8")     # the collector wants UTF-8
    if not text.endswith("\n"):
        raise AssertionError("no newline at the end")
    samples, helped, typed = {}, set(), {}
    current = None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d %r" % (n, line)
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            if not NAME_RE.match(name) or name in helped or not help_:
                raise AssertionError("bad HELP: " + where)
            if "\\" in help_.replace("\\\\", "").replace("\\n", ""):
                raise AssertionError("bad escape in HELP: " + where)
            helped.add(name)
            current = name
            continue
        if line.startswith("# TYPE "):
            parts = line[7:].split(" ")
            if len(parts) != 2 or parts[0] != current or \
                    parts[0] in typed or parts[1] != "gauge":
                raise AssertionError("bad TYPE (after its HELP, gauge): " +
                                     where)
            typed[parts[0]] = parts[1]
            continue
        if line.startswith("#") or not line:
            raise AssertionError("a line that is not ours: " + where)
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^\n]*\})? (\S+)\Z",
                     line)
        if not m:
            raise AssertionError("not a sample: " + where)
        name, labels, value = m.groups()
        if name != current or name not in typed:
            raise AssertionError("sample outside its family: " + where)
        pairs = ()
        if labels:
            body = labels[1:-1]
            pos, got = 0, []
            while pos < len(body):
                lm = LABEL_RE.match(body, pos)
                if not lm:
                    raise AssertionError("bad label set: " + where)
                got.append((lm.group(1), unescape(lm.group(2))))
                pos = lm.end()
                if pos < len(body):
                    if body[pos] != ",":
                        raise AssertionError("bad label set: " + where)
                    pos += 1
            if len({k for k, _ in got}) != len(got):
                raise AssertionError("a label twice: " + where)
            pairs = tuple(got)
        try:
            v = float(value)
        except ValueError:
            raise AssertionError("value not a number: " + where)
        if not math.isfinite(v):
            raise AssertionError("value not finite: " + where)
        if (name, pairs) in samples:
            raise AssertionError("duplicate series: " + where)
        samples[(name, pairs)] = v
    for name in helped:
        if name not in typed:
            raise AssertionError("HELP without TYPE: " + name)
    return samples


def stamp_time(key):
    m = STAMP_RE.search(key.rsplit("/", 1)[-1])
    return int(dt.datetime.strptime(m.group(1), "%Y%m%dT%H%MZ").replace(
        tzinfo=dt.timezone.utc).timestamp())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Base(unittest.TestCase):
    maxDiff = 8000

    def setUp(self):
        self.env = ENV
        self.env.reset()

    def path(self, name):
        return os.path.join(self.env.tempdir(), name)

    def trail(self, bucket, days=(29,), objects=3, digest=True):
        """Objects on days of July 2024: [(key, stored)], {key: doc}."""
        self.env.make_bucket(bucket)
        items, docs = [], {}
        for i, d in enumerate(days):
            it, dd = make_trail(seed=i + 1, objects=objects, bucket=bucket,
                                start=dt.datetime(2024, 7, d, 1, 0),
                                digest=digest and i == 0, folders=(i == 0))
            self.env.put_many(bucket, it)
            items += it
            docs.update(dd)
        return items, docs

    def show(self, p, out=None, err=None):
        out = p.stdout if out is None else out
        err = p.stderr if err is None else err
        return "exit %s\nstdout %r\nstderr %r" % (p.returncode, out[-2000:],
                                                   err[-3000:])

    def metrics(self, path):
        with open(path, "rb") as f:
            data = f.read()
        try:
            got = parse_strict(data)
        except AssertionError as e:
            self.fail("%s\n%s" % (e, data.decode("utf-8", "replace")))
        return got

    def assertOurs(self, path, bucket):
        """Every metric of the issue, once, labelled {bucket=...}, and
        nothing else; returns {name: value}, objects by result."""
        got = self.metrics(path)
        want = {(n, (("bucket", bucket),)) for n in PLAIN} | \
            {(OBJECTS, (("bucket", bucket), ("result", r))) for r in RESULTS}
        self.assertEqual(set(got), want)
        out = {n: got[(n, (("bucket", bucket),))] for n in PLAIN}
        for r in RESULTS:
            out[r] = got[(OBJECTS, (("bucket", bucket), ("result", r)))]
        return out

    def assertOnly(self, folder, names):
        """No temporary file beside the metrics: only names in folder."""
        self.assertEqual(sorted(os.listdir(folder)), sorted(names))

    def summary(self, p):
        m = SUMMARY_RE.search(p.stderr)
        self.assertIsNotNone(m, self.show(p))
        return {"written": int(m.group(1)), "records": int(m.group(2)),
                "bytes": int(m.group(3)), "failed": int(m.group(4)),
                "skipped": int(m.group(5)), "discarded": int(m.group(6))}

    def assertMatchesSummary(self, m, s):
        self.assertEqual((m["written"], m["getawslog_last_run_records"],
                          m["getawslog_last_run_bytes_downloaded"],
                          m["failed"], m["skipped"],
                          m["getawslog_last_run_records_discarded"]),
                         (s["written"], s["records"], s["bytes"],
                          s["failed"], s["skipped"], s["discarded"]))


class RunTests(Base):
    def test_success_matches_the_summary(self):
        """--after: the 27th's objects outside CloudTrail's folders are
        listed, and skipped by the date in their name; under umask 077
        the file is still 0644, alone in its folder."""
        items, docs = self.trail("m-ok", days=(27, 29), objects=3)
        old = [(k, b) for k, b in items if "/2024/07/27/" in k and
               not DIGEST_RE.match(k.rsplit("/", 1)[-1]) and
               not k.endswith("/")]
        self.assertEqual(len(old), 3)
        self.env.put_many("m-ok", [("flat/" + k.rsplit("/", 1)[-1], b)
                                   for k, b in old])
        mdir = self.env.tempdir()
        mfile = os.path.join(mdir, "getawslog.prom")
        log = self.path("l")
        t0 = time.time()
        p = self.env.run(["-dd", "-j", "-b", "m-ok", "-l", log, "--after",
                          "2024-07-28", "--metrics", mfile],
                         wrap=["sh", "-c", 'umask 077; exec "$0" "$@"'])
        t1 = time.time()
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertEqual(os.stat(mfile).st_mode & 0o7777, 0o644)
        self.assertEqual(os.stat(log).st_mode & 0o777, 0o600, "umask 077")
        self.assertOnly(mdir, ["getawslog.prom"])
        m = self.assertOurs(mfile, "m-ok")
        s = self.summary(p)
        self.assertMatchesSummary(m, s)
        # and what the bucket held
        written = [k for k in docs if "/2024/07/29/" in k]
        self.assertEqual(m["written"], len(written))
        self.assertEqual(m["skipped"], len(old))
        self.assertEqual(m["failed"], 0)
        self.assertEqual(m["getawslog_last_run_bytes_downloaded"],
                         sum(len(b) for k, b in items if k in written))
        self.assertEqual(m["getawslog_last_run_records"],
                         sum(len(json.loads(docs[k])["Records"])
                             for k in written))
        self.assertEqual(m["getawslog_last_run_records_discarded"], 0)
        self.assertEqual(m["getawslog_newest_object_timestamp_seconds"],
                         max(stamp_time(k) for k in written))
        self.assertEqual(m["getawslog_last_run_exit_status"], 0)
        start = m["getawslog_last_run_timestamp_seconds"]
        self.assertTrue(int(t0) <= start <= t1, (t0, start, t1))
        self.assertEqual(m["getawslog_last_success_timestamp_seconds"], start)
        self.assertTrue(0 <= m["getawslog_last_run_duration_seconds"] <=
                        t1 - t0 + 0.01)

    def test_the_man_page_says_what_each_metric_counts(self):
        # Every family a run writes has its entry in getawslog.1, and
        # none says a count that counts is always 0 (issue 19: it said
        # records_discarded was "0 in this version").
        self.trail("m-doc", objects=1)
        mfile = self.path("m.prom")
        p = self.env.run(["-b", "m-doc", "-l", self.path("l"), "-j",
                          "--discard", "eventName=^Nothing$", "--metrics",
                          mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        families = {name for name, _ in self.metrics(mfile)}
        with open(os.path.join(TOP, "getawslog.1")) as f:
            man = f.read()
        entries = {}
        for part in man.split("\n.It Li ")[1:]:
            m = re.match(r"(getawslog_[a-z_]+)", part)
            if m:
                entries[m.group(1)] = entries.get(m.group(1), "") + \
                    part.split("\n.It ")[0].split("\n.El")[0]
        for name, text in entries.items():
            self.assertNotIn("in this version", text, name)
        self.assertEqual(families - set(entries), set())
        self.assertIn("getawslog_last_run_queue_messages", entries)

    def test_state_counts_recorded_as_skipped(self):
        items, docs = self.trail("m-st", objects=4, digest=False)
        mfile = self.path("m.prom")
        args = ["-dd", "-b", "m-st", "-l", self.path("l"), "-s",
                self.path("s.db"), "--metrics", mfile]
        p = self.env.run(args)
        self.assertEqual(p.returncode, 0, self.show(p))
        first = self.assertOurs(mfile, "m-st")
        self.assertEqual((first["written"], first["skipped"]), (4, 0))
        # raw mode: no records counted
        self.assertEqual(first["getawslog_last_run_records"], 0)
        p = self.env.run(args)
        self.assertEqual(p.returncode, 0, self.show(p))
        m = self.assertOurs(mfile, "m-st")
        self.assertMatchesSummary(m, self.summary(p))
        self.assertEqual((m["written"], m["skipped"]), (0, 4))
        self.assertEqual(m["getawslog_last_run_bytes_downloaded"], 0)
        # nothing written this time: the newest comes over
        self.assertEqual(m["getawslog_newest_object_timestamp_seconds"],
                         first["getawslog_newest_object_timestamp_seconds"])
        self.assertEqual(first["getawslog_newest_object_timestamp_seconds"],
                         max(stamp_time(k) for k in docs))

    def test_failed_objects(self):
        """No -s: the whole bucket listed; the digest skipped."""
        items, docs = self.trail("m-bad", objects=3)
        bad = sorted(docs)[1]
        self.env.put("m-bad", bad, b"not gzip at all")
        mfile = self.path("m.prom")
        p = self.env.run(["-dd", "-j", "-b", "m-bad", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 4, self.show(p))
        m = self.assertOurs(mfile, "m-bad")
        self.assertMatchesSummary(m, self.summary(p))
        self.assertEqual((m["written"], m["failed"], m["skipped"]),
                         (2, 1, 1))
        self.assertEqual(m["getawslog_last_run_exit_status"], 4)
        self.assertEqual(m["getawslog_last_success_timestamp_seconds"], 0,
                         "never a success")

    def test_failed_run_keeps_the_last_success(self):
        self.trail("m-keep", objects=2)
        mdir = self.env.tempdir()
        mfile = os.path.join(mdir, "getawslog.prom")
        p = self.env.run(["-b", "m-keep", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        ok = self.assertOurs(mfile, "m-keep")
        time.sleep(1.1)     # whole seconds: the next start is later
        # the bucket is gone: exit 3
        self.env.reset()
        p = self.env.run(["-b", "m-keep", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 3, self.show(p))
        m = self.assertOurs(mfile, "m-keep")
        self.assertOnly(mdir, ["getawslog.prom"])
        self.assertEqual(m["getawslog_last_run_exit_status"], 3)
        self.assertGreater(m["getawslog_last_run_timestamp_seconds"],
                           ok["getawslog_last_run_timestamp_seconds"])
        for name in ("getawslog_last_success_timestamp_seconds",
                     "getawslog_newest_object_timestamp_seconds"):
            self.assertEqual(m[name], ok[name], name)
        self.assertGreater(m["getawslog_last_success_timestamp_seconds"], 0)
        self.assertEqual((m["written"], m["skipped"], m["failed"]), (0, 0, 0))

    def test_another_buckets_file_is_not_replaced(self):
        # Two buckets on one file would erase each other's samples (the
        # alerts then see one bucket at a time): the second is refused,
        # said, and its exit status is its own.
        self.trail("m-one", objects=1)
        self.trail("m-two", objects=1)
        mfile = self.path("m.prom")
        p = self.env.run(["-b", "m-one", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        with open(mfile, "rb") as f:
            before = f.read()
        p = self.env.run(["-b", "m-two", "-l", self.path("l2"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertIn(("getawslog: metrics %s not written: it holds the "
                       "samples of another bucket, {bucket=\"m-one\"}; give "
                       "each its own --metrics file (or remove this one)\n"
                       % mfile).encode(), p.stderr)
        with open(mfile, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertOnly(os.path.dirname(mfile), ["m.prom"])
        # Its own file, or this one once removed, is written.
        os.unlink(mfile)
        p = self.env.run(["-b", "m-two", "-l", self.path("l3"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertOurs(mfile, "m-two")

    def test_sigterm_still_writes_it(self):
        items, docs = self.trail("m-term", objects=8, digest=False)
        self.env.latency_ms = 80
        mdir = self.env.tempdir()
        mfile = os.path.join(mdir, "getawslog.prom")
        pr = self.env.popen(["-J", "1", "-D", "-b", "m-term", "-l",
                             self.path("l"), "--metrics", mfile])
        deadline = time.monotonic() + 20
        while self.env.count(op="DELETE") < 2:
            self.assertLess(time.monotonic(), deadline, "no DELETEs")
            time.sleep(0.005)
        pr.send_signal(signal.SIGTERM)
        out, err = pr.communicate(timeout=30)
        self.env.latency_ms = 0
        self.env.wait_idle()
        self.assertEqual(pr.returncode, 1, self.show(pr, out, err))
        m = self.assertOurs(mfile, "m-term")
        self.assertOnly(mdir, ["getawslog.prom"])
        self.assertEqual(m["getawslog_last_run_exit_status"], 1)
        gone = len(docs) - len([k for k in self.env.keys("m-term")
                                if k in docs])
        self.assertTrue(0 < m["written"] < len(docs), m)
        # the signal may abandon the delete of an object written
        self.assertIn(m["written"], (gone, gone + 1))
        self.assertEqual(m["getawslog_last_success_timestamp_seconds"], 0)

    def test_exit_6_writes_it_and_the_holder_overwrites_it(self):
        items, docs = self.trail("m-lock", objects=6, digest=False)
        self.env.latency_ms = 400
        mdir = self.env.tempdir()
        mfile = os.path.join(mdir, "getawslog.prom")
        log, state = self.path("l"), self.path("s.db")
        args = ["-J", "1", "-b", "m-lock", "-l", log, "-s", state,
                "--metrics", mfile]
        holder = self.env.popen(args)
        deadline = time.monotonic() + 20
        while self.env.count(op="GET") < 1:
            self.assertLess(time.monotonic(), deadline, "no GET")
            time.sleep(0.005)
        p = self.env.run(args + ["--lock-wait", "1"])
        self.assertEqual(p.returncode, 6, self.show(p))
        self.assertIsNone(holder.poll(), "the holder ended first: too fast")
        m = self.assertOurs(mfile, "m-lock")
        self.assertEqual(m["getawslog_last_run_exit_status"], 6)
        self.assertEqual((m["written"], m["skipped"], m["failed"]), (0, 0, 0))
        self.assertOnly(mdir, ["getawslog.prom"])
        out, err = holder.communicate(timeout=60)
        self.env.latency_ms = 0
        self.assertEqual(holder.returncode, 0, self.show(holder, out, err))
        m = self.assertOurs(mfile, "m-lock")
        self.assertEqual(m["getawslog_last_run_exit_status"], 0)
        self.assertEqual(m["written"], 6)
        self.assertOnly(mdir, ["getawslog.prom"])

    def test_dry_run_does_not_write_it(self):
        self.trail("m-dry", objects=2)
        mfile = self.path("m.prom")
        p = self.env.run(["--dry-run", "-b", "m-dry", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertFalse(os.path.exists(mfile))
        with open(mfile, "wb") as f:
            f.write(b"old\n")
        p = self.env.run(["--dry-run", "-b", "m-dry", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        with open(mfile, "rb") as f:
            self.assertEqual(f.read(), b"old\n")

    def test_a_failed_write_only_warns(self):
        self.trail("m-warn", objects=1)
        mfile = os.path.join(self.env.tempdir(), "no-such-dir", "m.prom")
        p = self.env.run(["-b", "m-warn", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual((p.returncode, p.stdout), (0, b""), self.show(p))
        self.assertEqual(p.stderr.decode(), "getawslog: metrics %s not "
                         "written: cannot create a temporary file: No such "
                         "file or directory\n" % mfile)
        # nor does it hide a failure
        p = self.env.run(["-b", "m-nobucket", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 3, self.show(p))

    def test_not_replaced_when_not_a_file(self):
        self.trail("m-dir", objects=1)
        mfile = os.path.join(self.env.tempdir(), "m.prom")
        os.mkdir(mfile)
        p = self.env.run(["-b", "m-dir", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertIn(b"not written: not a regular file", p.stderr)
        self.assertTrue(os.path.isdir(mfile))
        big = os.path.join(self.env.tempdir(), "big.prom")
        with open(big, "wb") as f:
            f.write(b"#" * (64 * 1024 + 1))
        p = self.env.run(["-b", "m-dir", "-l", self.path("l"),
                          "--metrics", big])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertIn(b"not written: over 64 KiB", p.stderr)
        self.assertEqual(os.path.getsize(big), 64 * 1024 + 1)
        self.assertOnly(os.path.dirname(big), ["big.prom"])

    def test_a_symlink_of_another_user_is_not_followed(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to chown a symlink")
        self.trail("m-link", objects=1)
        victim = self.path("victim")
        with open(victim, "wb") as f:
            f.write(b"precious\n")
        mdir = self.env.tempdir()
        os.chmod(mdir, 0o755)
        link = os.path.join(mdir, "getawslog.prom")
        os.symlink(victim, link)
        os.lchown(link, 65534, 65534)
        p = self.env.run(["-b", "m-link", "-l", self.path("l"),
                          "--metrics", link])
        self.assertEqual((p.returncode, p.stdout), (0, b""), self.show(p))
        self.assertIn(("getawslog: %s is a symlink owned by uid 65534; not "
                       "following it\n" % link).encode(), p.stderr)
        self.assertIn(b"not written", p.stderr)
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"precious\n")
        self.assertTrue(os.path.islink(link), "the link was replaced")
        self.assertEqual(os.readlink(link), victim)
        self.assertOnly(mdir, ["getawslog.prom"])
        # One of our own is read through (a failed run keeps its last
        # success), then replaced by the file; what it pointed to is not
        # written.
        os.lchown(link, 0, 0)
        old = (b"getawslog_last_success_timestamp_seconds"
               b'{bucket="m-gone"} 1234\n')
        with open(victim, "wb") as f:
            f.write(old)
        p = self.env.run(["-b", "m-gone", "-l", self.path("l"),
                          "--metrics", link])
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertFalse(os.path.islink(link))
        m = self.assertOurs(link, "m-gone")
        self.assertEqual(m["getawslog_last_success_timestamp_seconds"], 1234)
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), old)

    def test_label_values_escaped(self):
        """A queue URL with a quote and a backslash, which no queue has
        (exit 3). A bucket name cannot hold them (-b checks it); a byte
        that is not UTF-8 reaches no label (tests/test_metrics.c)."""
        mfile = self.path("m.prom")
        url = self.env.endpoint + '/123456789012/we"ird\\na'
        p = self.env.run(["--queue-url", url, "-b", "trail", "-l",
                          self.path("l"), "--metrics", mfile,
                          "--max-attempts", "1"])
        self.assertEqual(p.returncode, 3, self.show(p))
        with open(mfile, "rb") as f:
            data = f.read()
        self.assertIn(('queue="%s/123456789012/we\\"ird\\\\na"}'
                       % self.env.endpoint).encode(), data)
        self.metrics(mfile)


class PrometheusTests(Base):
    """Prometheus's own readers (unpacked by make deps into build/tools)."""

    @classmethod
    def setUpClass(cls):
        for tool in (NODE_EXPORTER, PROMTOOL):
            if not os.access(tool, os.X_OK):
                raise unittest.SkipTest("%s missing (make deps)" % tool)

    def node_exporter(self, folder):
        """Start node_exporter with only the textfile collector, on a
        loopback port; its /metrics URL."""
        port = free_port()
        pr = subprocess.Popen([NODE_EXPORTER, "--collector.disable-defaults",
                               "--collector.textfile",
                               "--collector.textfile.directory=" + folder,
                               "--web.listen-address=127.0.0.1:%d" % port],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)

        def stop():
            pr.terminate()
            pr.communicate(timeout=10)
        self.addCleanup(stop)
        url = "http://127.0.0.1:%d/metrics" % port
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                return url
            except OSError:
                if pr.poll() is not None or time.monotonic() > deadline:
                    self.fail("node_exporter did not start: %r" %
                              pr.stderr.read())
                time.sleep(0.05)

    def scrape(self, url):
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8")

    def test_node_exporter_reads_it(self):
        items, docs = self.trail("m-node", objects=3)
        folder = self.env.tempdir()
        os.chmod(folder, 0o755)
        url = self.node_exporter(folder)
        mfile = os.path.join(folder, "getawslog.prom")
        p = self.env.run(["-j", "-b", "m-node", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        # and one with a label to escape, beside it: a queue URL (-b
        # refuses such a bucket name before any request)
        odd = os.path.join(folder, "odd.prom")
        qurl = self.env.endpoint + '/123456789012/q"uo\\te'
        p = self.env.run(["--queue-url", qurl, "-b", "trail", "-l",
                          self.path("l"), "--metrics", odd,
                          "--max-attempts", "1"])
        self.assertNotEqual(p.returncode, 0, self.show(p))
        text = self.scrape(url)
        self.assertIn("node_textfile_scrape_error 0\n", text)
        mine = self.metrics(mfile)
        for (name, labels), v in mine.items():
            ls = ",".join('%s="%s"' % (k, x) for k, x in labels)
            m = re.search(r"^%s\{%s\} (\S+)$" % (re.escape(name),
                                                   re.escape(ls)), text, re.M)
            self.assertIsNotNone(m, "%s{%s} not exported" % (name, ls))
            self.assertEqual(float(m.group(1)), v, name)
        self.assertIn('getawslog_last_run_exit_status{bucket="trail",queue="%s'
                      '/123456789012/q\\"uo\\\\te"} 3' % self.env.endpoint, text)
        # the plain families, objects', and the queue's messages
        self.assertEqual(len(re.findall(r"^# TYPE getawslog_\S+ gauge$", text,
                                        re.M)), len(PLAIN) + 2)

    def test_promtool_lint(self):
        self.trail("m-lint", objects=1)
        mfile = self.path("m.prom")
        p = self.env.run(["-b", "m-lint", "-l", self.path("l"),
                          "--metrics", mfile])
        self.assertEqual(p.returncode, 0, self.show(p))
        with open(mfile, "rb") as f:
            q = subprocess.run([PROMTOOL, "check", "metrics"], stdin=f,
                               capture_output=True, timeout=60)
        self.assertEqual((q.returncode, q.stdout, q.stderr), (0, b"", b""))

    def test_alert_rules(self):
        q = subprocess.run([PROMTOOL, "check", "rules", RULES],
                           capture_output=True, timeout=60)
        self.assertEqual(q.returncode, 0, q.stdout + q.stderr)
        self.assertIn(b"SUCCESS: 4 rules found", q.stdout)
        # Series as node_exporter exports them; time() starts at 0, so
        # a value of -3000 is 3000 s before the test's start. Points every
        # 10m; at 5m the success is 3300 s old (no alert), at 30m 4800
        # (fires); the newest is 5400 s old at 30m (no alert), 7800 at
        # 70m (fires). A fresh series fires nothing.
        lab = '{bucket="b",instance="h:9100",job="node"}'
        test = """
rule_files:
  - %s
evaluation_interval: 1m
tests:
  - interval: 10m
    input_series:
      - series: 'getawslog_last_success_timestamp_seconds%s'
        values: '-3000x9'
      - series: 'getawslog_newest_object_timestamp_seconds%s'
        values: '-3600x9'
      - series: 'getawslog_last_success_timestamp_seconds{bucket="fresh",instance="h:9100",job="node"}'
        values: '0+600x9'
      - series: 'getawslog_newest_object_timestamp_seconds{bucket="fresh",instance="h:9100",job="node"}'
        values: '0+600x9'
    alert_rule_test:
      - eval_time: 5m
        alertname: GetawslogNoSuccess
        exp_alerts: []
      - eval_time: 30m
        alertname: GetawslogNoSuccess
        exp_alerts:
          - exp_labels: {severity: warning, bucket: b, instance: "h:9100", job: node}
            exp_annotations:
              summary: "getawslog has not succeeded for over an hour (b)"
              description: "The last getawslog run on h:9100 that exited 0 for bucket b started 1h 20m 0s ago; see getawslog_last_run_exit_status and cron's mail."
      - eval_time: 30m
        alertname: GetawslogDeliveryLag
        exp_alerts: []
      - eval_time: 70m
        alertname: GetawslogDeliveryLag
        exp_alerts:
          - exp_labels: {severity: warning, bucket: b, instance: "h:9100", job: node}
            exp_annotations:
              summary: "No new CloudTrail object for over two hours (b)"
              description: "The newest CloudTrail object getawslog wrote on h:9100 from bucket b is 2h 10m 0s old."
""" % (RULES, lab, lab)
        with tempfile.NamedTemporaryFile("w", suffix=".yml",
                                         dir=self.env.tempdir(),
                                         delete=False) as f:
            f.write(test)
        q = subprocess.run([PROMTOOL, "test", "rules", f.name],
                           capture_output=True, timeout=60)
        self.assertEqual(q.returncode, 0, (q.stdout + q.stderr).decode())
        # a wrong expectation fails: the test above can fail
        with open(f.name, "w") as g:
            g.write(test.replace("eval_time: 30m\n        alertname: "
                                 "GetawslogDeliveryLag\n        exp_alerts:"
                                 " []", "eval_time: 30m\n        alertname: "
                                 "GetawslogDeliveryLag\n        exp_alerts:"
                                 "\n          - exp_labels: {severity: "
                                 "warning, bucket: b, instance: \"h:9100\","
                                 " job: node}"))
        q = subprocess.run([PROMTOOL, "test", "rules", f.name],
                           capture_output=True, timeout=60)
        self.assertNotEqual(q.returncode, 0, "a wrong expectation passed")

    def test_digest_alert_rules(self):
        """GetawslogIntegrity fires on exit status 7; GetawslogProofLag
        when the newest hour proved is over three hours old, never while
        nothing was proved yet (0)."""
        lab = '{bucket="b",instance="h:9100",job="node"}'
        test = """
rule_files:
  - %s
evaluation_interval: 1m
tests:
  - interval: 10m
    input_series:
      - series: 'getawslog_last_run_exit_status%s'
        values: '0 0 7 7'
      - series: 'getawslog_newest_proved_timestamp_seconds%s'
        values: '1x30'
      - series: 'getawslog_newest_proved_timestamp_seconds{bucket="none",instance="h:9100",job="node"}'
        values: '0x30'
    alert_rule_test:
      - eval_time: 10m
        alertname: GetawslogIntegrity
        exp_alerts: []
      - eval_time: 20m
        alertname: GetawslogIntegrity
        exp_alerts:
          - exp_labels: {severity: critical, bucket: b, instance: "h:9100", job: node}
            exp_annotations:
              summary: "CloudTrail integrity finding (b)"
              description: "The last getawslog run on h:9100 found CloudTrail log files missing, altered or injected, or digests invalid or missing, in bucket b; see getawslog_last_run_log_files and the SIEM's alerts."
      - eval_time: 170m
        alertname: GetawslogProofLag
        exp_alerts: []
      - eval_time: 190m
        alertname: GetawslogProofLag
        exp_alerts:
          - exp_labels: {severity: warning, bucket: b, instance: "h:9100", job: node}
            exp_annotations:
              summary: "No CloudTrail digest proved for over three hours (b)"
              description: "The newest hour proved by a CloudTrail digest in bucket b on h:9100 ended 3h 9m 59s ago."
""" % (RULES, lab, lab)
        with tempfile.NamedTemporaryFile("w", suffix=".yml",
                                         dir=self.env.tempdir(),
                                         delete=False) as f:
            f.write(test)
        q = subprocess.run([PROMTOOL, "test", "rules", f.name],
                           capture_output=True, timeout=60)
        self.assertEqual(q.returncode, 0, (q.stdout + q.stderr).decode())


if __name__ == "__main__":
    sys.exit(runner.main("metrics_run"))
