#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""getawslog --check (issue 22) through the binary, against moto behind
tests/s3env.py's verifying front, with keys of full, read-only and no
rights (the front's env.read_only and env.denied), a wrong secret, a
versioned bucket, a bucket in another region, a clock 20 minutes off
(env.date_skew), paths that cannot be written, and a queue.

Every check prints one line, "ok", "FAIL" or "unknown", its name and what
it found; the exit status is 0 only when none failed (3 when the
credentials, the bucket or the queue did, 1 when only this host did); and
nothing is changed: no object, no file (log, state, lock, metrics), no
request but one LIST, one GET, GetBucketVersioning and, with -D, one
DELETE of a key that is not there.  STS GetCallerIdentity is answered by
the front for any valid key, as AWS does.

The binary is $GETAWSLOG (default ./getawslog).  The last line printed is
"N passed, N failed".
"""

import os
import re
import stat
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import gz  # noqa: E402

CREDS = {"AKIDFULL": "secret-full", "AKIDREAD": "secret-read",
         "AKIDNONE": "secret-none"}
ARN = "arn:aws:iam::111122223333:user/%s"
KEYS = ["AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/"
        "111122223333_CloudTrail_us-east-1_20240730T21%02dZ_x.json.gz" % i
        for i in range(3)]
ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials=CREDS)


def as_key(akid):
    return {"AWS_ACCESS_KEY_ID": akid,
            "AWS_SECRET_ACCESS_KEY": CREDS[akid]}


def lines(out):
    """{name: (verdict, text)} of the check's lines."""
    got = {}
    for line in out.decode().splitlines():
        m = re.match(r"(ok|FAIL|unknown) +(\S+(?: lock| rights)?) +(.*)$",
                     line)
        if m:
            got[m.group(2)] = (m.group(1), m.group(3))
    return got


class CheckTests(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.env = ENV
        self.env.reset()
        for k in CREDS:
            self.env.identities[k] = ARN % k[4:].lower()
        self.env.make_bucket("trail")
        self.env.put_many("trail", [(k, gz(b'{"Records":[]}' + b" " * i))
                                    for i, k in enumerate(KEYS)])
        self.dir = self.env.tempdir()
        self.log = os.path.join(self.dir, "amazon.log")
        self.state = os.path.join(self.dir, "state.db")
        self.metrics = os.path.join(self.dir, "m.prom")

    def check(self, akid="AKIDFULL", args=(), bucket="trail", env=None):
        extra = as_key(akid)
        extra.update(env or {})
        del self.env.requests[:]
        p = self.env.run(["--check", "-l", self.log, "-s", self.state,
                          "--metrics", self.metrics, "-j"] +
                         (["-b", bucket] if bucket else []) + list(args),
                         extra_env=extra)
        got = lines(p.stdout)
        # one line per check, and nothing but them on stdout
        self.assertEqual(len(got), len(p.stdout.splitlines()), p.stdout)
        return p, got

    def assertNothingChanged(self):
        self.assertEqual(sorted(self.env.keys("trail")), sorted(KEYS))
        self.assertEqual(os.listdir(self.dir), [])
        ops = sorted(r.op for r in self.env.requests
                     if getattr(r, "service", "s3") == "s3"
                     and r.op != "STS")
        self.assertNotIn("PUT", ops)

    def verdicts(self, got):
        return {k: v[0] for k, v in got.items()}

    def test_full_rights(self):
        p, got = self.check(args=["-D"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(set(self.verdicts(got).values()), {"ok"}, got)
        self.assertEqual(
            got["credentials"][1], "from environment: account "
            "111122223333, arn:aws:iam::111122223333:user/full")
        self.assertEqual(got["region"][1], "us-east-1")
        self.assertIn("3 keys", got["list"][1])
        self.assertIn(KEYS[0] + ", ", got["get"][1])   # the smallest
        self.assertIn("nothing changed", got["delete"][1])
        self.assertIn("within its 15 minutes", got["clock"][1])
        for name in ("log", "log lock", "state", "state lock", "metrics"):
            self.assertIn("will be made in " + self.dir, got[name][1])
        self.assertNothingChanged()
        s3ops = [(r.op, r.key) for r in self.env.requests
                 if r.op in ("LIST", "GET", "DELETE", "OTHER")]
        self.assertEqual([o for o, _ in s3ops],
                         ["LIST", "GET", "OTHER", "DELETE"], s3ops)
        self.assertEqual(s3ops[1][1], KEYS[0])
        deleted = s3ops[3][1]
        self.assertTrue(deleted.startswith(KEYS[0].rsplit("/", 1)[0] +
                                           "/getawslog-check-"), deleted)
        self.assertEqual(self.env.count(op="DELETE", status=204), 1)

    def test_without_delete_no_delete_asked(self):
        p, got = self.check()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("delete", got)
        self.assertEqual(self.env.count(op="DELETE"), 0)
        self.assertNothingChanged()

    def test_read_only(self):
        self.env.read_only.add("AKIDREAD")
        p, got = self.check("AKIDREAD", ["-D"])
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        v = self.verdicts(got)
        self.assertEqual(v["credentials"], "ok")
        self.assertIn("user/read", got["credentials"][1])
        self.assertEqual((v["list"], v["get"], v["delete"]),
                         ("ok", "ok", "FAIL"))
        self.assertIn("AccessDenied", got["delete"][1])
        self.assertEqual([k for k, x in v.items() if x != "ok"],
                         ["delete"])
        self.assertNothingChanged()
        # Without -D the same keys pass.
        p, got = self.check("AKIDREAD")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_no_rights(self):
        self.env.denied.add("AKIDNONE")
        p, got = self.check("AKIDNONE", ["-D"])
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        v = self.verdicts(got)
        self.assertEqual(v["credentials"], "ok")
        self.assertEqual(v["list"], "FAIL")
        self.assertIn("AccessDenied", got["list"][1])
        self.assertNotIn("get", v)
        self.assertNothingChanged()

    def test_digests(self):
        """--validate-digests: one ListPublicKeys, as validation asks it;
        refused, or no key of the last day, fails."""
        try:
            import ctrail
        except ImportError as e:
            self.skipTest("python's cryptography missing: %s" % e)
        import datetime as dt
        now = dt.datetime.now(dt.timezone.utc)
        args = ["--validate-digests"]
        p, got = self.check(args=args)
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertEqual(got["digests"][0], "FAIL", got)
        self.assertIn("no key", got["digests"][1])
        ctrail.Key().serve(self.env, "us-east-1", now - dt.timedelta(days=30),
                           now + dt.timedelta(days=30))
        p, got = self.check(args=args)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(got["digests"],
                         ("ok", "cloudtrail:ListPublicKeys allowed in "
                                "us-east-1: 1 key of the last day"))
        self.assertEqual(self.env.count(op="ListPublicKeys"), 1)
        self.assertNothingChanged()
        self.env.denied.add("AKIDNONE")
        p, got = self.check("AKIDNONE", args)
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertEqual(got["digests"][0], "FAIL", got)
        self.assertIn("AccessDenied", got["digests"][1])
        # without --validate-digests, no such check and no such request
        del self.env.requests[:]
        p, got = self.check()
        self.assertNotIn("digests", got)
        self.assertEqual(self.env.count(op="ListPublicKeys"), 0)

    def test_wrong_secret(self):
        p, got = self.check(env={"AWS_SECRET_ACCESS_KEY": "not-it"})
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertEqual(got["credentials"][0], "FAIL")
        self.assertIn("SignatureDoesNotMatch", got["credentials"][1])
        self.assertNotIn("not-it", (p.stdout + p.stderr).decode())

    def test_no_credentials(self):
        p, got = self.check(env={"AWS_ACCESS_KEY_ID": None,
                                 "AWS_SECRET_ACCESS_KEY": None})
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertEqual(got["credentials"][0], "FAIL")
        self.assertIn(b"no AWS credentials found", p.stderr)

    def test_versioned_bucket(self):
        self.env.s3.put_bucket_versioning(
            Bucket="trail", VersioningConfiguration={"Status": "Enabled"})
        p, got = self.check(args=["-D"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(got["delete"][0], "unknown")
        self.assertIn("versioning is Enabled", got["delete"][1])
        self.assertEqual(self.env.count(op="DELETE"), 0)

    def test_region(self):
        self.env.make_bucket("far", region="eu-west-1")
        self.env.put("far", KEYS[0], gz(b'{"Records":[]}'))
        p, got = self.check(bucket="far")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(got["region"][1], "eu-west-1")
        p, got = self.check(bucket="far", args=["--region", "us-west-2"])
        self.assertEqual(got["region"][1], "eu-west-1 (S3 says so; "
                         "us-west-2 configured: requests follow S3)")

    def test_clock(self):
        self.env.date_skew = -1200
        p, got = self.check()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(got["clock"][0], "FAIL")
        self.assertRegex(got["clock"][1], r"^1[12]\d\d seconds ahead of "
                         r"S3's")

    def test_paths(self):
        ro = os.path.join(self.dir, "ro")
        os.mkdir(ro)
        self.log = "/nonexistent/getawslog/amazon.log"
        self.state = ro       # a directory
        p, got = self.check()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(got["log"][0], "FAIL")
        self.assertIn("No such file or directory", got["log"][1])
        self.assertEqual(got["state"][0], "FAIL")
        self.assertIn("is a directory", got["state"][1])
        self.assertEqual(got["list"][0], "ok")
        # an existing log that may be written
        self.log = os.path.join(ro, "amazon.log")
        self.state = os.path.join(ro, "state.db")
        with open(self.log, "w"):
            pass
        os.chmod(self.log, stat.S_IRUSR)
        p, got = self.check()
        if os.geteuid() != 0:
            self.assertEqual(got["log"][0], "FAIL")
        else:
            self.assertEqual(got["log"][1], self.log + " can be written")

    def test_queue(self):
        url = self.env.make_queue("q")
        p, got = self.check(args=["--queue-url", url])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(got["queue"][0], "ok")
        self.assertIn("GetQueueAttributes allowed", got["queue"][1])
        self.assertEqual(got["queue rights"][0], "unknown")
        self.assertNotIn("list", got)
        ops = [r.op for r in self.env.requests
               if getattr(r, "service", "") == "sqs"]
        self.assertEqual(ops, ["GetQueueAttributes"])
        self.env.denied.add("AKIDNONE")
        p, got = self.check("AKIDNONE", args=["--queue-url", url])
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertEqual(got["queue"][0], "FAIL")
        self.assertIn("AccessDenied", got["queue"][1])
        missing = self.env.queue_url("nosuch")
        p, got = self.check(args=["--queue-url", missing])
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertEqual(got["queue"][0], "FAIL")


if __name__ == "__main__":
    sys.exit(runner.main("check"))
