#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Incremental listing (issue 5 item 3): with -s, getawslog explores
CloudTrail's layout with delimiter listings and lists each region folder
from its newest recorded day less --lookback, so a run's LIST requests do
not grow with the bucket's history. Keys outside the layout are still
walked in full, --full-scan walks everything, --prefix restricts.

Runs the binary at $GETAWSLOG against moto behind tests/s3env.py's front.
Ends with "N passed, N failed".
"""

import datetime as dt
import os
import random
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import gz, s3_order, cloudtrail_key, digest_key  # noqa: E402

KEY, SECRET = "AKIDTEST", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY"
DIGEST_RE = re.compile(r".+_CloudTrail-Digest_.+")
ENV = None
DAY0 = dt.datetime(2024, 1, 1, 0, 7)


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials={KEY: SECRET})


def processed(key):
    b = key.rsplit("/", 1)[-1]
    return b != "" and not DIGEST_RE.match(b)


def doc_for(key):
    return b'{"Records":[{"k":"%s"}]}' % key.encode()


def trail(days, per_day, accounts=("111111111111", "222222222222"),
          regions=("us-east-1", "eu-west-1"), org=None, prefix="", seed=1):
    """{key: document} for a history of `days` days from DAY0."""
    rng = random.Random(seed)
    docs = {}
    for acct in accounts:
        for reg in regions:
            for d in range(days):
                for i in range(per_day):
                    when = DAY0 + dt.timedelta(days=d, minutes=5 * i)
                    k = cloudtrail_key(acct, reg, when, rng)
                    if org:
                        k = k.replace("AWSLogs/", "AWSLogs/%s/" % org, 1)
                    docs[prefix + k] = doc_for(prefix + k)
                dk = digest_key(acct, reg, DAY0 + dt.timedelta(days=d))
                if org:
                    dk = dk.replace("AWSLogs/", "AWSLogs/%s/" % org, 1)
                docs[prefix + dk] = doc_for(dk)
    return docs


class Bucket(unittest.TestCase):
    bucket = "incr"

    def setUp(self):
        ENV.reset()
        ENV.make_bucket(self.bucket)
        self.tmp = ENV.tempdir()
        self.log = os.path.join(self.tmp, "amazon.log")
        self.state = os.path.join(self.tmp, "state.db")

    def seed(self, docs):
        ENV.put_many(self.bucket, [(k, gz(v)) for k, v in docs.items()])

    def run_bin(self, *extra):
        start = len(ENV.requests)
        p = ENV.run(["-b", self.bucket, "-l", self.log, "-s", self.state]
                    + list(extra))
        lists = sum(1 for r in ENV.requests[start:] if r.op == "LIST")
        return p, lists

    def log_bytes(self):
        with open(self.log, "rb") as f:
            return f.read()

    @staticmethod
    def expected(docs):
        return b"".join(docs[k] + b"\n" for k in s3_order(docs)
                        if processed(k))


class Incremental(Bucket):

    def test_first_run_equals_full_walk_in_order(self):
        docs = trail(3, 3)
        docs.update(trail(2, 2, accounts=("333333333333",), org="o-abc123",
                          seed=2))
        # Keys outside the layout: at the root, in another folder, deep.
        for k in ("README.json.gz", "other/x.json.gz",
                  "other/a/b/c/d/e/f.json.gz", "AWSLogs/notanaccount/x.gz",
                  "AWSLogs/111111111111/Config/us-east-1/cfg.json.gz"):
            docs[k] = doc_for(k)
        self.seed(docs)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), self.expected(docs))
        # The same bytes as the script's way (no -s: one flat listing).
        flat = os.path.join(self.tmp, "flat.log")
        q = ENV.run(["-b", self.bucket, "-l", flat])
        self.assertEqual(q.returncode, 0, q.stderr)
        with open(flat, "rb") as f:
            self.assertEqual(f.read(), self.log_bytes())

    def test_second_run_takes_only_new_objects(self):
        docs = trail(10, 2)
        self.seed(docs)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        before = self.log_bytes()
        rng = random.Random(7)
        new = {}
        last = DAY0 + dt.timedelta(days=9, hours=20)
        for acct in ("111111111111", "222222222222"):
            k = cloudtrail_key(acct, "us-east-1", last, rng)
            new[k] = doc_for(k)
            # A late delivery inside the lookback window.
            k = cloudtrail_key(acct, "eu-west-1",
                               last - dt.timedelta(days=1), rng)
            new[k] = doc_for(k)
        self.seed(new)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), before + self.expected(new))
        p, _ = self.run_bin()
        self.assertEqual(self.log_bytes(), before + self.expected(new),
                         "a third run writes nothing")

    def test_list_requests_do_not_grow_with_history(self):
        counts = []
        for days in (5, 20):
            ENV.reset()
            ENV.make_bucket(self.bucket)
            for f in (self.log, self.state):
                if os.path.exists(f):
                    os.unlink(f)
            docs = trail(days, 3, seed=days)
            self.seed(docs)
            p, _ = self.run_bin()
            self.assertEqual(p.returncode, 0, p.stderr)
            rng = random.Random(days)
            new = {}
            for i in range(6):
                k = cloudtrail_key("111111111111", "us-east-1",
                                   DAY0 + dt.timedelta(days=days - 1,
                                                       hours=23, minutes=i),
                                   rng)
                new[k] = doc_for(k)
            self.seed(new)
            before = self.log_bytes()
            p, lists = self.run_bin("--lookback", "1")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(self.log_bytes(), before + self.expected(new))
            counts.append(lists)
        self.assertEqual(counts[0], counts[1],
                         "LIST requests for 5 vs 20 days of history")

    def test_full_scan_finds_what_lookback_misses(self):
        docs = trail(10, 1, accounts=("111111111111",),
                     regions=("us-east-1",))
        self.seed(docs)
        self.assertEqual(self.run_bin()[0].returncode, 0)
        before = self.log_bytes()
        # Delivered very late: older than the newest day less lookback.
        k = cloudtrail_key("111111111111", "us-east-1",
                           DAY0 + dt.timedelta(days=2, hours=1),
                           random.Random(3))
        self.seed({k: doc_for(k)})
        self.run_bin("--lookback", "2")
        self.assertEqual(self.log_bytes(), before)
        p, _ = self.run_bin("--full-scan")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), before + doc_for(k) + b"\n")

    def test_prefix_restricts_the_walk(self):
        docs = trail(2, 2, prefix="trail-a/", seed=4)
        docs.update(trail(2, 2, prefix="trail-b/", seed=5))
        self.seed(docs)
        p, _ = self.run_bin("--prefix", "trail-b/")
        self.assertEqual(p.returncode, 0, p.stderr)
        want = {k: v for k, v in docs.items() if k.startswith("trail-b/")}
        self.assertEqual(self.log_bytes(), self.expected(want))
        os.unlink(self.log)
        p = ENV.run(["-b", self.bucket, "-l", self.log, "--prefix",
                     "trail-a/"])
        self.assertEqual(p.returncode, 0, p.stderr)
        want = {k: v for k, v in docs.items() if k.startswith("trail-a/")}
        self.assertEqual(self.log_bytes(), self.expected(want))

    def test_same_basename_twice_is_skipped_as_the_script_did(self):
        # The state is keyed by basename: the second object of a name is
        # "previously seen", even when both are downloading at once.
        docs = {"a/dup.json.gz": doc_for("a"), "b/dup.json.gz": doc_for("b")}
        self.seed(docs)
        p = ENV.run(["-b", self.bucket, "-l", self.log, "-s", self.state,
                     "-d", "--full-scan", "-J", "8"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), doc_for("a") + b"\n")
        self.assertIn(b"Skipping previously seen file dup.json.gz",
                      p.stdout)

    def test_a_forged_name_outside_the_layout_moves_nothing(self):
        # Anyone who can put an object anywhere in the bucket names it
        # like a CloudTrail file of 2099: collection must go on.
        docs = trail(5, 2, accounts=("111111111111",))
        self.seed(docs)
        self.assertEqual(self.run_bin()[0].returncode, 0)
        forged = ("junk/111111111111_CloudTrail_us-east-1_20991231T2359Z_"
                  "forged.json.gz")
        self.seed({forged: doc_for(forged)})
        self.assertEqual(self.run_bin("--full-scan")[0].returncode, 0)
        before = self.log_bytes()
        rng = random.Random(11)
        new = {}
        for reg in ("us-east-1", "eu-west-1"):
            k = cloudtrail_key("111111111111", reg,
                               DAY0 + dt.timedelta(days=4, hours=22), rng)
            new[k] = doc_for(k)
        self.seed(new)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), before + self.expected(new))

    def test_a_forged_day_inside_a_folder_moves_nothing(self):
        # Keys dated 2099, and on days the calendar does not have, in the
        # region folder itself: neither becomes where it is listed from.
        # Objects delivered after an outage far longer than the lookback,
        # and today's, are still found.
        today = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        docs = trail(3, 1, accounts=("111111111111",),
                     regions=("us-east-1",))
        forged = cloudtrail_key("111111111111", "us-east-1",
                                dt.datetime(2099, 12, 31, 23, 59),
                                random.Random(5))
        docs[forged] = doc_for(forged)
        bad_day = ("AWSLogs/111111111111/CloudTrail/us-east-1/%d/11/99/"
                   "111111111111_CloudTrail_us-east-1_%d1199T0000Z_x.json.gz"
                   % (today.year, today.year))
        docs[bad_day] = doc_for(bad_day)
        self.seed(docs)
        self.assertEqual(self.run_bin()[0].returncode, 0)
        before = self.log_bytes()
        new = {}
        for when, seed in ((DAY0 + dt.timedelta(days=3, hours=1), 6),
                           (today, 7)):
            k = cloudtrail_key("111111111111", "us-east-1", when,
                               random.Random(seed))
            new[k] = doc_for(k)
        self.seed(new)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), before + self.expected(new))

    def test_one_state_for_two_buckets_hides_nothing(self):
        # The same account's trail in two buckets (or under two
        # prefixes), one state file: each is listed on its own terms.
        self.seed(trail(30, 1, accounts=("111111111111",),
                        regions=("us-east-1",), seed=21))
        self.assertEqual(self.run_bin()[0].returncode, 0)
        ENV.make_bucket("incr-other")
        older = trail(30, 1, accounts=("111111111111",),
                      regions=("us-east-1",), seed=22)
        older = {k: v for k, v in older.items()
                 if k.rsplit("/", 1)[-1].find("Digest") < 0}
        ENV.put_many("incr-other", [(k, gz(v)) for k, v in older.items()])
        other = os.path.join(self.tmp, "other.log")
        p = ENV.run(["-b", "incr-other", "-l", other, "-s", self.state])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(other, "rb") as f:
            self.assertEqual(f.read(), self.expected(older))

    def test_a_prefix_added_later_hides_nothing(self):
        self.seed(trail(20, 1, accounts=("111111111111",),
                        regions=("us-east-1",), prefix="trail-a/", seed=31))
        self.assertEqual(self.run_bin()[0].returncode, 0)
        before = self.log_bytes()
        b = trail(20, 1, accounts=("111111111111",), regions=("us-east-1",),
                  prefix="trail-b/", seed=32)
        self.seed(b)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), before + self.expected(b))

    def test_digest_folders_are_not_listed(self):
        docs = trail(3, 1, accounts=("111111111111",),
                     regions=("us-east-1",))
        self.seed(docs)
        start = len(ENV.requests)
        self.assertEqual(self.run_bin()[0].returncode, 0)
        prefixes = [r.query for r in ENV.requests[start:] if r.op == "LIST"]
        self.assertFalse([q for q in prefixes if "Digest" in q], prefixes)



ORG = "o-abc123"
ORG_ACCOUNTS = tuple("%012d" % (111111111111 * i) for i in range(1, 7))
ORG_REGIONS = ("ap-south-1", "eu-west-1", "us-east-1", "us-west-2")


def region_folder(account, region):
    return "AWSLogs/%s/%s/CloudTrail/%s/" % (ORG, account, region)


class Concurrent(Bucket):
    """Folders are listed many at once (walk.c), the effects still in key
    order: a slow answer for the first folder holds its objects and every
    later folder's back, not the listings."""
    bucket = "incr-org"

    def org(self):
        docs = trail(2, 2, accounts=ORG_ACCOUNTS, regions=ORG_REGIONS,
                     org=ORG, seed=41)
        self.seed(docs)
        return docs

    @staticmethod
    def lists_expected():
        # The check of the bucket, the root, AWSLogs/, o-ID/, then each
        # account and its CloudTrail/, then every region folder.
        return 4 + 2 * len(ORG_ACCOUNTS) + \
            len(ORG_ACCOUNTS) * len(ORG_REGIONS)

    def test_slow_first_folder_keeps_key_order(self):
        docs = self.org()
        first = region_folder(ORG_ACCOUNTS[0], ORG_REGIONS[0])
        ENV.faults.append(s3env.Fault("latency", prefix=first, ms=600,
                                      count=None))
        ENV.faults.append(s3env.Fault(
            "latency", prefix="AWSLogs/%s/%s/" % (ORG, ORG_ACCOUNTS[1]),
            ms=300, count=None))
        p, lists = self.run_bin("-d")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), self.expected(docs))
        found = [ln.split()[-1] for ln in p.stdout.decode().splitlines()
                 if ln.startswith("+++ Found new log:")]
        self.assertEqual(found, [k.rsplit("/", 1)[-1]
                                 for k in s3_order(docs) if processed(k)])
        self.assertEqual(lists, self.lists_expected(), [
            urllib.parse.unquote(r.query) for r in ENV.requests
            if r.op == "LIST"])
        self.assertGreater(ENV.op_in_flight_max.get("LIST", 0), 4,
                           "folders are listed at once")
        # Nothing new: the same listings, nothing written.
        before = self.log_bytes()
        p, lists = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), before)
        self.assertEqual(lists, self.lists_expected())

    def test_the_walk_goes_on_while_downloads_wait(self):
        """The downloads in flight (8 at first, pace.c) do not hold the
        listing back: while the first folder's first 8 GETs wait on a slow
        store, the walk lists on (at most -J objects wait for their turn):
        every LIST, the slow accounts' too, comes before the ninth GET."""
        accounts = tuple("%012d" % (100000000000 + i) for i in range(8))
        docs = trail(1, 30, accounts=accounts[:1], regions=ORG_REGIONS[:1],
                     org=ORG, seed=43)
        docs.update(trail(1, 1, accounts=accounts, regions=ORG_REGIONS[1:],
                          org=ORG, seed=44))
        docs.update(trail(1, 1, accounts=accounts[1:],
                          regions=ORG_REGIONS[:1], org=ORG, seed=45))
        self.seed(docs)
        ENV.faults.append(s3env.Fault("latency", op="GET", ms=1500,
                                      count=None))
        for a in accounts[4:]:
            ENV.faults.append(s3env.Fault(
                "latency", op="LIST", prefix="AWSLogs/%s/%s/" % (ORG, a),
                ms=150, count=None))
        p, lists = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), self.expected(docs))
        self.assertEqual(lists, 4 + 2 * len(accounts) +
                         len(accounts) * len(ORG_REGIONS))
        ops = [r.op for r in ENV.requests if r.op in ("LIST", "GET")]
        ninth = [i for i, op in enumerate(ops) if op == "GET"][8]
        last = max(i for i, op in enumerate(ops) if op == "LIST")
        self.assertLess(last, ninth, "".join(o[0] for o in ops))

    def test_one_job_lists_few_at_once(self):
        self.org()
        ENV.faults.append(s3env.Fault(
            "latency", prefix=region_folder(ORG_ACCOUNTS[0],
                                            ORG_REGIONS[0]), ms=300))
        p, _ = self.run_bin("-J", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLessEqual(ENV.op_in_flight_max.get("LIST", 0), 4)

    def test_listing_error_stops_the_walk_in_its_turn(self):
        docs = self.org()
        bad = region_folder(ORG_ACCOUNTS[2], ORG_REGIONS[1])
        # The error comes back first; the folders before it are slow.
        ENV.faults.append(s3env.Fault(
            "latency", prefix=region_folder(ORG_ACCOUNTS[0],
                                            ORG_REGIONS[0]), ms=500,
            count=None))
        ENV.faults.append(s3env.Fault("status", prefix=bad, status=403,
                                      code="AccessDenied", count=None))
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn(b"under " + bad.encode(), p.stderr)
        self.assertEqual(p.stderr.count(b"listing bucket"), 1, p.stderr)
        before = {k: v for k, v in docs.items() if k < bad}
        self.assertEqual(self.log_bytes(), self.expected(before))



def layout_keys(layout, account, region, when, rng, digest=False):
    """A key of one of an organization's layouts (Layouts.LAYOUTS)."""
    if digest:
        k = digest_key(account, region, when)
    else:
        k = cloudtrail_key(account, region, when, rng)
    if layout == "insight" and not digest:
        k = k.replace("/CloudTrail/", "/CloudTrail-Insight/", 1).replace(
            "_CloudTrail_", "_CloudTrail-Insight_", 1)
    before = {"plain": "", "insight": "", "org": "",
              "prefix": "trails/main/", "trail-b": "trail-b/",
              "tower": "o-tower12345/", "tower-old": "o-tower12345/"}
    org = {"org": "o-abc123/", "tower": "o-tower12345/"}.get(layout, "")
    return before[layout] + k.replace("AWSLogs/", "AWSLogs/" + org, 1)


class Layouts(Bucket):
    """Every layout an organization has, through the binary with -s (the
    folders explored, each region folder listed from its newest day) and
    without (one listing): the same bytes, in key order."""
    bucket = "incr-layouts"
    LAYOUTS = ("plain", "prefix", "org", "tower", "tower-old", "insight")
    ACCOUNT = "123456789012"
    REGIONS = ("eu-west-1", "us-east-1")

    def history(self, layouts, days, first_day, seed):
        rng = random.Random(seed)
        docs = {}
        for layout in layouts:
            for region in self.REGIONS:
                for d in range(days):
                    when = first_day + dt.timedelta(days=d, hours=1)
                    k = layout_keys(layout, self.ACCOUNT, region, when, rng)
                    docs[k] = doc_for(k)
                    k = layout_keys(layout, self.ACCOUNT, region, when, rng,
                                    digest=True)
                    docs[k] = doc_for(k)
        return docs

    def check(self, layouts):
        today = dt.datetime.now(dt.timezone.utc).replace(
            hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        docs = self.history(layouts, 6, today - dt.timedelta(days=8), 3)
        self.seed(docs)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), self.expected(docs))
        flat = os.path.join(self.tmp, "flat.log")
        q = ENV.run(["-b", self.bucket, "-l", flat])
        self.assertEqual(q.returncode, 0, q.stderr)
        with open(flat, "rb") as f:
            self.assertEqual(f.read(), self.log_bytes(), "without -s")
        before = self.log_bytes()
        new = self.history(layouts, 1, today, 4)
        self.seed(new)
        start = len(ENV.requests)
        p, _ = self.run_bin()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), before + self.expected(new))
        lists = [dict(urllib.parse.parse_qsl(r.query))
                 for r in ENV.requests[start:] if r.op == "LIST"]
        prefixes = [q.get("prefix", "") for q in lists]
        self.assertFalse([x for x in prefixes if "Digest" in x], prefixes)
        # Each region folder of each layout, listed from a day.
        folders = {k.rsplit("/", 4)[0] + "/" for k in new
                   if processed(k)}
        started = {q["prefix"] for q in lists if "start-after" in q}
        self.assertEqual(started, folders)

    def test_each_layout(self):
        for layout in self.LAYOUTS:
            with self.subTest(layout=layout):
                ENV.reset()
                ENV.make_bucket(self.bucket)
                self.tmp = ENV.tempdir()
                self.log = os.path.join(self.tmp, "amazon.log")
                self.state = os.path.join(self.tmp, "state.db")
                self.check((layout,))

    def test_several_trails_in_one_bucket(self):
        self.check(("plain", "prefix", "trail-b", "org", "tower",
                    "tower-old", "insight"))



class Filters(Bucket):
    """--account-id and --trail-region (Wazuh's aws_account_id and
    regions): only those accounts' and regions' folders are listed and
    their objects taken, with -s and without; comma-separated or
    repeated; a filter that matches nothing is said with -d."""
    bucket = "incr-filter"

    def org(self):
        docs = trail(2, 1, accounts=ORG_ACCOUNTS, regions=ORG_REGIONS,
                     org=ORG, seed=43)
        # Outside the layout: never taken with a filter.
        docs["other/x.json.gz"] = doc_for("other/x.json.gz")
        self.seed(docs)
        return docs

    @staticmethod
    def wanted(docs, accounts, regions):
        return {k: v for k, v in docs.items() if k.startswith("AWSLogs/")
                and k.split("/")[2] in accounts and k.split("/")[4]
                in regions}

    def test_accounts_and_regions_with_s_and_without(self):
        docs = self.org()
        accounts = (ORG_ACCOUNTS[1], ORG_ACCOUNTS[4])
        regions = ("eu-west-1", "us-west-2")
        want = self.expected(self.wanted(docs, accounts, regions))
        p, lists = self.run_bin("--account-id", ",".join(accounts),
                                "--trail-region", regions[0],
                                "--trail-region", regions[1])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), want)
        # Only the accounts asked for, and their regions, are listed (and
        # other/, where a trail could lie).
        self.assertEqual(lists, 5 + 2 * len(accounts) +
                         len(accounts) * len(regions))
        flat = os.path.join(self.tmp, "flat.log")
        q = ENV.run(["-b", self.bucket, "-l", flat, "--trail-region",
                     ",".join(regions), "--account-id", accounts[1],
                     "--account-id", accounts[0]])
        self.assertEqual(q.returncode, 0, q.stderr)
        with open(flat, "rb") as f:
            self.assertEqual(f.read(), want)

    def test_regions_alone_and_accounts_alone(self):
        docs = self.org()
        p, _ = self.run_bin("--trail-region", "ap-south-1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), self.expected(
            self.wanted(docs, ORG_ACCOUNTS, ("ap-south-1",))))
        os.unlink(self.log)
        os.unlink(self.state)
        p, _ = self.run_bin("--account-id", ORG_ACCOUNTS[2])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.log_bytes(), self.expected(
            self.wanted(docs, (ORG_ACCOUNTS[2],), ORG_REGIONS)))

    def test_a_filter_matching_nothing_is_said_with_d(self):
        self.org()
        args = ("--account-id", "999999999999," + ORG_ACCOUNTS[0],
                "--trail-region", "xx-nowhere-1")
        p, _ = self.run_bin(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"")
        self.assertFalse(os.path.exists(self.log) and self.log_bytes())
        p, _ = self.run_bin("-d", *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"nothing matched --account-id 999999999999, "
                      b"--trail-region xx-nowhere-1", p.stderr)
        self.assertNotIn(ORG_ACCOUNTS[0].encode() + b",", p.stderr)

    def test_bad_values_are_usage_errors(self):
        for args in (("--account-id", "12345"), ("--account-id", "a" * 12),
                     ("--trail-region", "US-EAST-1"),
                     ("--trail-region", "us-east-1,")):
            p = ENV.run(["-b", self.bucket, "-l", self.log] + list(args))
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(b"option " + args[0].encode(), p.stderr)


if __name__ == "__main__":
    sys.exit(runner.main("incremental"))
