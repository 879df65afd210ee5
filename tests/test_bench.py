#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The benchmark (bench/run.py) still runs: a --quick run of all nine
scenarios against the built binary ($GETAWSLOG), checked for what does
not depend on timing: every run succeeded, getawslog's -j output is the
Python baseline's byte for byte, the incremental listing's LIST requests
do not grow with the history, (without sanitizers) raw mode's peak RSS on
the 200 MB object stays under the target, the queue's two workers
wrote every record once between them, the org estate's first run wrote
every object and its runs with nothing new made 19 N + 4 LISTs, and the
backfill's bodies of 4 MB stayed under 64 MiB. The time targets are
the benchmark's to report (make bench), not a test's.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import runner  # noqa: E402
import s3env  # noqa: E402


class BenchTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        out = os.path.join(cls.dir.name, "results.json")
        cls.proc = subprocess.run(
            [sys.executable, os.path.join(TOP, "bench", "run.py"), "--quick",
             "--json", out], capture_output=True, timeout=900,
            env=dict(os.environ, GETAWSLOG=s3env.binary_path()))
        cls.res = {}
        if os.path.exists(out):
            with open(out) as f:
                cls.res = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def show(self):
        return "exit %d\n--- stdout:\n%s\n--- stderr:\n%s" % (
            self.proc.returncode, self.proc.stdout.decode(errors="replace"),
            self.proc.stderr.decode(errors="replace")[-3000:])

    def test_runs_every_scenario(self):
        self.assertEqual(self.proc.returncode, 0, self.show())
        self.assertIsNone(self.res.get("failed"), self.show())
        for k in ("a_wall", "b_cpu", "c_incremental", "d_memory",
                  "e_stream", "f_queue", "g_digests", "h_org",
                  "i_backfill"):
            self.assertIn(k, self.res, self.show())
        # i compares with aws s3 sync where it is installed.
        want = 13 + ("aws s3 sync" in self.res["i_backfill"])
        self.assertEqual(len(self.res["targets"]), want)
        # Scenario b: raw mode's CPU too, and igzip beside zcat where
        # Debian's isal is installed.
        self.assertIn("getawslog_raw", self.res["b_cpu"])
        if shutil.which("igzip"):
            self.assertIn("igzip", self.res["b_cpu"])
        self.assertEqual(self.res["config"]["binary"], s3env.binary_path())
        # The table and a verdict per target are printed.
        out = self.proc.stdout.decode()
        self.assertEqual(out.count("\nPASS  ") + out.count("\nFAIL  "),
                         want, self.show())

    def test_org_estate(self):
        g = self.res.get("h_org", {})
        self.assertEqual(g.get("first", {}).get("lines"), g.get("objects"),
                         self.show())
        lists = 4 + 2 * g["accounts"] + g["accounts"] * g["regions"]
        for k in ("again", "again_cached"):
            self.assertEqual(g[k]["requests"], {"LIST": lists}, g[k])

    def test_backfill_and_its_bodies(self):
        h = self.res.get("i_backfill", {})
        self.assertIn("getawslog", h, self.show())
        self.assertEqual(h["getawslog"]["requests"].get("GET"),
                         h["getawslog"]["objects"])
        for who in ("aws s3 sync", "rclone copy"):
            if who in h:
                self.assertEqual(h[who]["requests"].get("GET"),
                                 h["getawslog"]["objects"], who)
        if s3env.sanitized():
            self.skipTest("sanitizer build: its shadow memory is not "
                          "getawslog's")
        for label, m in h["bodies"]["runs"].items():
            self.assertLess(m["rss_mib"], 64, label)

    def test_digests_scenario(self):
        """g: both runs exited 0 (every digest verified, every file
        proved), one GET per digest more, one ListPublicKeys."""
        g = self.res.get("g_digests", {})
        self.assertIn("on", g, self.show())
        on, off = g["on"]["requests"], g["off"]["requests"]
        self.assertEqual(on.get("GET", 0) - off.get("GET", 0), g["digests"])
        self.assertEqual(on.get("ListPublicKeys"), 1)

    def test_output_is_the_baselines(self):
        self.assertIs(self.res.get("a_wall", {}).get("same_output"), True,
                      self.show())

    def test_list_requests_do_not_grow_with_history(self):
        c = self.res.get("c_incremental", {})
        lists = [s["requests"].get("LIST", 0) for s in c.values()]
        self.assertEqual(len(lists), 2, self.show())
        self.assertEqual(lists[0], lists[1], c)
        self.assertGreater(lists[0], 0)

    def test_raw_mode_memory(self):
        d = self.res.get("d_memory", {}).get("getawslog")
        self.assertIsNotNone(d, self.show())
        if s3env.sanitized():
            self.skipTest("sanitizer build: its shadow memory is not "
                          "getawslog's")
        self.assertLess(d["rss_mib"], 32, d)

    def test_the_queue_with_one_and_two_workers(self):
        f = self.res.get("f_queue", {})
        self.assertIs(f.get("exactly_once"), True, self.show())
        for who in ("one", "two"):
            self.assertGreater(f[who]["objects_per_s"], 0)
            self.assertGreater(f[who]["requests"].get("ReceiveMessage", 0),
                               0)
            self.assertEqual(f[who]["requests"].get("DeleteMessage"),
                             f[who]["objects"])
        self.assertIn("objects/s with one worker", self.proc.stdout.decode())

    def test_stream_memory_and_bomb_are_reported(self):
        e = self.res.get("e_stream", {})
        self.assertEqual(len(e.get("docs", [])), 1, self.show())
        self.assertGreater(e["docs"][0]["rss_per_mb"], 0)
        self.assertIn("peak RSS on one", self.proc.stdout.decode())
        # The run raises unless the bomb exits 4 with the others written.
        self.assertIn("is larger than", e["bomb"]["stderr"], e["bomb"])


if __name__ == "__main__":
    sys.exit(runner.main("bench"))
