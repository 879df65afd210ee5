#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Taking over from Wazuh's aws-s3 module (issue 22): --import-wazuh-state
through the binary, against moto behind tests/s3env.py.

The module's state file is made here in its own schema (wodles/aws/
buckets_s3/aws_bucket.py: table cloudtrail, bucket_path "BUCKET/",
aws_account_id, aws_region, log_key, processed_date, created_date) as the
module leaves it: each region folder processed up to some key, only its
newest rows kept (the module keeps 500; 3 here, so keys it did process
are no longer in the file, as after any long run).  After the import,
a run with the same -s writes every key after the module's last one in
each folder, and none of the keys up to it: none the module did, whether
its row is still in the file or not; a folder the module never saw is
written whole; a second run writes nothing.

The binary is $GETAWSLOG (default ./getawslog).  The last line printed is
"N passed, N failed".
"""

import datetime as dt
import json
import os
import sqlite3
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import gz  # noqa: E402

ACCOUNT = "123456789012"
BUCKET = "trail"
RETAIN = 3          # the module keeps MAX_RECORD_RETENTION (500) rows
ENV = None

# The module's table, as aws_bucket.py creates it.
MODULE_SCHEMA = """
CREATE TABLE cloudtrail (
    bucket_path 'text' NOT NULL,
    aws_account_id 'text' NOT NULL,
    aws_region 'text' NOT NULL,
    log_key 'text' NOT NULL,
    processed_date 'text' NOT NULL,
    created_date 'integer' NOT NULL,
    PRIMARY KEY (bucket_path, aws_account_id, aws_region, log_key));
"""


def setUpModule():
    global ENV
    ENV = s3env.shared_env()


def folder(region, account=ACCOUNT, org=None, prefix=""):
    return "%sAWSLogs/%s%s/CloudTrail/%s/" % (prefix, org + "/" if org else
                                              "", account, region)


def keys_of(region, n, account=ACCOUNT, org=None, prefix=""):
    """n keys of a region folder, 5 minutes apart over the last days."""
    start = dt.datetime.now(dt.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=2)
    out = []
    for i in range(n):
        t = start + dt.timedelta(minutes=47 * i)
        out.append("%s%s/%s_CloudTrail_%s_%sZ_%04d.json.gz" % (
            folder(region, account, org, prefix), t.strftime("%Y/%m/%d"),
            account,
            region, t.strftime("%Y%m%dT%H%M"), i))
    return out


def document(key):
    return json.dumps({"Records": [{
        "eventVersion": "1.08", "eventID": key, "eventName": "GetObject",
        "eventSource": "s3.amazonaws.com",
        "eventTime": "2024-07-30T21:00:00Z",
        "recipientAccountId": ACCOUNT}]}).encode()


def module_state(path, rows):
    """The module's file: rows of (bucket_path, account, region, key)."""
    db = sqlite3.connect(path)
    db.executescript(MODULE_SCHEMA)
    for bpath, account, region, key in rows:
        day = key.split("/")[-4:-1]
        db.execute("INSERT INTO cloudtrail VALUES (?, ?, ?, ?, "
                   "DATETIME('now'), ?)", (bpath, account, region, key,
                                           int("".join(day))))
    db.commit()
    db.close()


def retained(bpath, account, region, done):
    """The rows the module keeps of a folder processed through done."""
    return [(bpath, account, region, k) for k in done[-RETAIN:]]


class TakeoverTests(unittest.TestCase):
    def setUp(self):
        self.env = ENV
        self.env.reset()
        self.env.make_bucket(BUCKET)
        self.dir = self.env.tempdir()
        self.state = os.path.join(self.dir, "state.db")
        self.log = os.path.join(self.dir, "log")
        self.module = os.path.join(self.dir, "s3_cloudtrail.db")
        self.east = keys_of("us-east-1", 40)
        self.west = keys_of("us-west-2", 30)
        self.org = keys_of("eu-west-1", 20, org="o-abcdef1234")
        self.never = keys_of("ap-south-1", 10)
        self.all = self.east + self.west + self.org + self.never
        self.env.put_many(BUCKET, [(k, gz(document(k))) for k in self.all])
        # what the module did: a prefix of each folder but one
        self.done = (self.east[:25], self.west[:29], self.org[:7])
        rows = (retained("trail/", ACCOUNT, "us-east-1", self.done[0]) +
                retained("trail/", ACCOUNT, "us-west-2", self.done[1]) +
                retained("trail/", ACCOUNT, "eu-west-1", self.done[2]) +
                # another bucket's, later keys: none of ours
                [("other/", ACCOUNT, "us-east-1", self.east[-1]),
                 ("trailer/", ACCOUNT, "us-east-1", self.east[-1])])
        module_state(self.module, rows)

    def run_ok(self, args):
        p = self.env.run(args)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def written(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, "rb") as f:
            return [json.loads("{" + line.split(b'"eventID":', 1)[1]
                               .split(b",", 1)[0].decode()
                               .join(['"k":', "}"]))["k"]
                    for line in f.read().splitlines()]

    def import_(self):
        return self.run_ok(["--import-wazuh-state", self.module, "-b",
                            BUCKET, "-s", self.state])

    def test_no_gap_no_duplicate(self):
        p = self.import_()
        out = p.stdout.decode()
        self.assertIn("%s: %d keys recorded; listed from after %s\n"
                      % (folder("us-east-1"), RETAIN, self.done[0][-1]), out)
        self.assertIn("imported 3 region folders of bucket trail", out)
        self.run_ok(["-j", "-b", BUCKET, "-s", self.state, "-l", self.log])
        got = self.written()
        want = (self.east[25:] + self.west[29:] + self.org[7:] + self.never)
        self.assertEqual(sorted(got), sorted(want))
        self.assertEqual(len(got), len(set(got)))
        for k in self.done[0] + self.done[1] + self.done[2]:
            self.assertNotIn(k, got)
        # and the next run: nothing again
        self.run_ok(["-j", "-b", BUCKET, "-s", self.state, "-l", self.log])
        self.assertEqual(sorted(self.written()), sorted(want))

    def test_without_the_import_the_module_keys_come_again(self):
        """The control: the same run on a fresh state writes every key,
        so the test above does see what the import prevents."""
        self.run_ok(["-j", "-b", BUCKET, "-s", self.state, "-l", self.log])
        self.assertEqual(sorted(self.written()), sorted(self.all))

    def test_dry_run_after_the_import(self):
        self.import_()
        p = self.run_ok(["--dry-run", "-b", BUCKET, "-s", self.state, "-l",
                         self.log])
        listed = [x for x in p.stdout.decode().splitlines()
                  if x.startswith("AWSLogs/")]
        self.assertEqual(sorted(listed), sorted(
            self.east[25:] + self.west[29:] + self.org[7:] + self.never))

    def test_import_again_and_an_older_file(self):
        """A second import changes nothing; an older file of the module's
        (it stopped earlier) does not move a folder back."""
        self.import_()
        older = os.path.join(self.dir, "older.db")
        module_state(older, retained("trail/", ACCOUNT, "us-east-1",
                                     self.east[:10]))
        self.run_ok(["--import-wazuh-state", older, "-b", BUCKET, "-s",
                     self.state])
        self.import_()
        self.run_ok(["-j", "-b", BUCKET, "-s", self.state, "-l", self.log])
        self.assertEqual(sorted(self.written()), sorted(
            self.east[25:] + self.west[29:] + self.org[7:] + self.never))

    def test_the_script_state_still_works(self):
        """A state of getawslog.py's (log_progress only) with the import:
        both are honoured."""
        db = sqlite3.connect(self.state)
        db.execute("CREATE TABLE log_progress (log_name 'text' primary key,"
                   " processed_date 'TEXT')")
        db.execute("INSERT INTO log_progress VALUES (?, '2024-07-30')",
                   (self.never[0].rsplit("/", 1)[1],))
        db.commit()
        db.close()
        self.import_()
        self.run_ok(["-j", "-b", BUCKET, "-s", self.state, "-l", self.log])
        self.assertEqual(sorted(self.written()), sorted(
            self.east[25:] + self.west[29:] + self.org[7:] + self.never[1:]))

    def test_a_module_prefix(self):
        """The module's <path> (bucket_path "trail/PATH/"): its keys are
        under PATH, and so are the folders the walk finds."""
        # (another account: the state knows objects by their names)
        keys = keys_of("us-east-1", 12, account="210987654321",
                       prefix="ct/")
        self.env.put_many(BUCKET, [(k, gz(document(k))) for k in keys])
        module = os.path.join(self.dir, "prefixed.db")
        module_state(module, retained("trail/ct/", "210987654321",
                                      "us-east-1", keys[:8]))
        p = self.run_ok(["--import-wazuh-state", module, "-b", BUCKET,
                         "-s", self.state])
        self.assertIn("ct/AWSLogs/", p.stdout.decode())
        self.run_ok(["-j", "-b", BUCKET, "-s", self.state, "-l", self.log])
        got = set(self.written())
        self.assertEqual(got - set(self.all), set(keys[8:]))
        self.assertEqual(set(self.all) - got, set())

    def test_refusals(self):
        other = os.path.join(self.dir, "other.db")
        db = sqlite3.connect(other)
        db.execute("CREATE TABLE t (x)")
        db.commit()
        db.close()
        for args, rc, why in (
                (["--import-wazuh-state", other, "-b", BUCKET, "-s",
                  self.state], 1, b"not the aws-s3 module's state"),
                (["--import-wazuh-state", self.module, "-b", "nobucket",
                  "-s", self.state], 1, b"no CloudTrail key of bucket "
                 b"nobucket"),
                (["--import-wazuh-state", os.path.join(self.dir, "none"),
                  "-b", BUCKET, "-s", self.state], 1, b"none"),
                (["--import-wazuh-state", self.module, "-b", BUCKET], 2,
                 b"(-s) and the bucket (-b) are needed")):
            p = self.env.run(args)
            self.assertEqual(p.returncode, rc, p.stderr)
            self.assertIn(why, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "none")))


if __name__ == "__main__":
    sys.exit(runner.main("takeover"))
