#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""test_sqs.py - the queue mode (--queue-url) through the binary, against
moto's S3 and SQS behind the verifying front (tests/s3env.py), which checks
every SQS request's SigV4 with the generic rules (a signing bug fails
here), keeps AWS's rule that only a message's latest receipt handle counts,
and injects faults.

Covered: each message shape (moto's own bucket notifications with their
s3:TestEvent, the same through moto's SNS, raw or wrapped; crafted
CloudTrail notices, EventBridge events, keys with spaces and "+"); digests
and folders skipped; the order of effects (a failed object leaves its
message, several objects in one message with one failing, with -D the
message deleted only after the object's delete, a failed delete leaves
it); -s skips what was recorded and deletes its message; -b; messages not
understood are left (exit 4) and redriven to a dead-letter queue after
maxReceiveCount; visibility kept alive through batches slower than the
timeout (no message received twice, a second worker waiting gets none);
SIGTERM mid-batch; SIGKILL then a rerun after the timeout; two and three
workers on one queue write every record exactly once between them; a
queue that does not exist or is refused (exit 3); throttled receives
retried; endpoints and regions; --follow until SIGTERM; -J in flight.
Issue 19: two notices of one object fetch it once; -b is required and
other buckets are refused (counted in --metrics); heartbeats between slow
records; FIPS, dual-stack and VPC endpoint URLs' regions; a bad URL said
before credentials; a service writes --metrics as it goes, tries failed S3
deletes again and gives memory back; --catch-up.

Records carry a unique eventID, so logs are checked record by record.  The
binary is $GETAWSLOG (default ./getawslog).  Last line: "N passed, N
failed".
"""

import collections
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import Fault, gz  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSQSKEY"
CREDS = {"AKIDTEST": SECRET, "AKIDREAD": "read/only+secret"}
READ_ONLY = {"AWS_ACCESS_KEY_ID": "AKIDREAD",
             "AWS_SECRET_ACCESS_KEY": CREDS["AKIDREAD"]}
ACCOUNT = s3env.ACCOUNT
ID_RE = re.compile(rb'"eventID": ?"(Q[0-9A-Za-z-]+)"')
ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials=CREDS)


def key_of(i, tag="a", region="us-east-1", name=None):
    """A CloudTrail key; name replaces the random part (spaces, "+")."""
    return ("AWSLogs/%s/CloudTrail/%s/2024/07/30/%s_CloudTrail_%s_"
            "20240730T%04dZ_%s.json.gz" % (ACCOUNT, region, ACCOUNT, region,
                                           i, name or tag))


def document(key, records=2):
    """A gzipped trail document whose records' eventIDs name the key."""
    tag = re.sub(r"[^0-9A-Za-z]", "-", key.rsplit("/", 1)[-1][:-8])
    ids = ["Q%s-%d" % (tag, r) for r in range(records)]
    doc = {"Records": [{"eventVersion": "1.08", "eventID": i,
                        "eventName": "DescribeInstances"} for i in ids]}
    return gz(json.dumps(doc).encode()), ids


def ids_in(path):
    """Counter of the eventIDs in the log (none if there is no log)."""
    if not os.path.exists(path):
        return collections.Counter()
    with open(path, "rb") as f:
        return collections.Counter(ID_RE.findall(f.read()))


def want(ids):
    return collections.Counter(i.encode() for i in ids)


class Base(unittest.TestCase):
    VT = 30

    def setUp(self):
        ENV.reset()
        self.env = ENV
        self.dir = self.env.tempdir()
        self.log = os.path.join(self.dir, "log")
        self.state = os.path.join(self.dir, "state.db")
        self.env.make_bucket("trail")
        self.url = self.env.make_queue("q", visibility_timeout=self.VT)

    def objects(self, n, tag="a", records=2, bucket="trail", names=None):
        """n objects put into the bucket (no notification): {key: ids}."""
        out, data = {}, {}
        for i in range(n):
            k = key_of(i, tag, name=names[i] if names else None)
            data[k], out[k] = document(k, records)
        self.env.put_many(bucket, data)
        return out

    def notify_each(self, objs, bucket="trail", sns=False):
        """One S3 event notification per object, as S3 sends them."""
        for k in objs:
            self.env.send("q", s3env.s3_event(s3env.s3_record(bucket, k, 9)),
                          sns=sns)

    @staticmethod
    def short_poll(args):
        """A run's last receive waits 1 s, not 2, unless a test says; the
        bucket is trail unless a test names others."""
        args = list(args)
        if "--wait-time-seconds" not in args and "--follow" not in args:
            args += ["--wait-time-seconds", "1"]
        if "-b" not in args:
            args += ["-b", "trail"]
        return args

    def run_q(self, *args, extra_env=None, timeout=90, url=None, log=None):
        return self.env.run(["--queue-url", url or self.url, "-l",
                             log or self.log] + self.short_poll(args),
                            extra_env=extra_env, timeout=timeout)

    def popen_q(self, *args, extra_env=None, log=None):
        return self.env.popen(["--queue-url", self.url, "-l",
                               log or self.log] + self.short_poll(args),
                              extra_env=extra_env)

    def left(self, queue="q"):
        return self.env.queue_state(queue)

    def sqs_ops(self, op=None):
        return [r for r in self.env.requests if r.service == "sqs" and
                (op is None or r.op == op)]

    def wait_received(self):
        """Until a receive has handed out a message (60 s at most)."""
        t = time.monotonic()
        while not [r for r in self.sqs_ops("ReceiveMessage")
                   if r.messages] and time.monotonic() - t < 60:
            time.sleep(0.05)

    def assertOK(self, p, status=0):
        self.assertEqual(p.returncode, status, "stdout:\n%s\nstderr:\n%s" % (
            p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace")))

    def all_ids(self, objs):
        return [i for ids in objs.values() for i in ids]


class ShapeTests(Base):
    """Every message form notify.c reads, end to end."""

    def test_moto_bucket_notifications_with_their_test_event(self):
        self.env.notify("trail", queue="q")
        objs = {}
        for i in range(3):
            k = key_of(i)
            data, objs[k] = document(k)
            self.env.put("trail", k, data)
        self.assertEqual(len(self.left()), 4)   # the test event first
        p = self.run_q("-j", "-dd")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])
        err = p.stderr.decode()
        self.assertIn("s3:TestEvent, nothing to fetch; deleted", err)
        self.assertEqual(len(self.sqs_ops("DeleteMessage")), 4)
        # The listing is never asked: s3:ListBucket is not needed.
        self.assertEqual(self.env.count("LIST"), 0)
        # -d alone: the script's lines on stdout, nothing on stderr.
        self.env.notify("trail", queue="q")
        p = self.run_q("-j", "-d")
        self.assertOK(p)
        self.assertEqual(p.stderr, b"")

    def test_sns_wrapped_and_raw_from_moto_sns(self):
        self.env.make_queue("raw", visibility_timeout=30)
        topic = self.env.make_topic("t", queue="q")
        self.env.make_topic("t", queue="raw", raw=True)
        self.env.notify("trail", topic=topic)
        objs = {}
        for i in range(2):
            k = key_of(i, name="a b+c%d" % i)
            data, objs[k] = document(k)
            self.env.put("trail", k, data)
        self.assertEqual(json.loads(self.left()[1].body)["Type"],
                         "Notification")
        for url, log in ((self.url, self.log),
                         (self.env.queue_url("raw"), self.log + ".raw")):
            p = self.run_q("-j", url=url, log=log)
            self.assertOK(p)
            self.assertEqual(ids_in(log), want(self.all_ids(objs)))
        self.assertEqual(self.left("q") + self.left("raw"), [])

    def test_crafted_cloudtrail_eventbridge_and_s3_events(self):
        names = ["x+y z%41", "with space", "plus+plus", "pct%2F", "eb"]
        objs = self.objects(5, names=names)
        keys = list(objs)
        self.env.send("q", s3env.cloudtrail_notice("trail", keys[:2]),
                      sns=True)
        self.env.send("q", s3env.cloudtrail_notice("trail", keys[2:3]))
        self.env.send("q", s3env.s3_event(
            s3env.s3_record("trail", keys[3], 9, safe=""),
            s3env.s3_record("trail", keys[3], 9, event="ObjectRemoved:"
                            "Delete")), sns=True)
        self.env.send("q", s3env.eventbridge_event("trail", keys[4], 5))
        self.env.send("q", s3env.eventbridge_event(
            "trail", keys[4], detail_type="Object Deleted"), sns=True)
        p = self.run_q("-j")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])

    def test_digests_and_folders_are_skipped_and_the_message_deleted(self):
        objs = self.objects(1)
        digest = ("AWSLogs/%s/CloudTrail-Digest/us-east-1/2024/07/30/%s_"
                  "CloudTrail-Digest_us-east-1_t_us-east-1_20240730T2100"
                  "00Z.json.gz" % (ACCOUNT, ACCOUNT))
        self.env.put("trail", digest, b"not even gzip")
        self.env.send("q", s3env.cloudtrail_notice(
            "trail", [digest, "AWSLogs/folder/"] + list(objs)))
        p = self.run_q("-j", "-d")
        self.assertOK(p)
        self.assertIn(b"Skipping digest file: ", p.stdout)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.env.count("GET"), 1)
        self.assertEqual(self.left(), [])

    def test_raw_mode_and_formats_per_bucket(self):
        self.env.make_bucket("other")
        objs = self.objects(1)
        objs2 = self.objects(1, tag="b", bucket="other")
        self.notify_each(objs)
        self.notify_each(objs2, bucket="other")
        p = self.run_q("--format", "wazuh", "-b", "trail,other")
        self.assertOK(p)
        lines = open(self.log, "rb").read().splitlines()
        buckets = sorted(json.loads(line)["aws"]["log_info"]["s3bucket"]
                         for line in lines)
        self.assertEqual(buckets, ["other", "other", "trail", "trail"])
        self.assertEqual(ids_in(self.log), want(
            self.all_ids(objs) + self.all_ids(objs2)))


class FilterTests(Base):
    """--account-id and --trail-region filter the queue's notices too:
    objects of other accounts or regions are not fetched, and a message
    left with nothing to fetch is deleted."""
    def test_accounts_and_regions(self):
        other = "999988887777"
        objs, data = {}, {}
        for i, (acct, region) in enumerate((
                (ACCOUNT, "us-east-1"), (ACCOUNT, "eu-west-1"),
                (other, "us-east-1"), (ACCOUNT, "us-east-1"))):
            k = key_of(i, "f", region).replace(ACCOUNT, acct)
            data[k], objs[k] = document(k)
        self.env.put_many("trail", data)
        keys = list(objs)
        self.env.send("q", s3env.cloudtrail_notice("trail", keys[:3]))
        self.env.send("q", s3env.cloudtrail_notice("trail", [keys[2]]))
        self.notify_each(keys[3:])
        p = self.run_q("-j", "--account-id", ACCOUNT, "--trail-region",
                       "us-east-1")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(objs[keys[0]] +
                                                objs[keys[3]]))
        self.assertEqual(self.env.count("GET"), 2)
        self.assertEqual(self.left(), [])


class EffectTests(Base):
    """Per message: every object written, synced, recorded, deleted;
    only then the message."""

    def test_a_failed_object_leaves_its_message_the_others_go(self):
        good = self.objects(2)
        self.env.put("trail", key_of(7, "bad"), b"not gzip at all")
        self.notify_each(list(good)[:1])
        self.env.send("q", s3env.s3_event(s3env.s3_record(
            "trail", key_of(7, "bad"), 15)))
        self.notify_each(list(good)[1:])
        p = self.run_q("-j")
        self.assertOK(p, 4)
        err = p.stderr.decode()
        self.assertIn(key_of(7, "bad"), err)
        self.assertIn("left in the queue (received 1 times): an object it "
                      "names failed", err)
        self.assertEqual(ids_in(self.log), want(self.all_ids(good)))
        left = self.left()
        self.assertEqual(len(left), 1)
        self.assertIn("bad", left[0].body)
        self.assertFalse(left[0].visible)   # it comes back later

    def test_several_objects_in_one_message_one_failing(self):
        objs = self.objects(3)
        keys = list(objs)
        self.env.put("trail", keys[1], b"\x1f\x8b broken")
        self.env.send("q", s3env.cloudtrail_notice("trail", keys))
        p = self.run_q("-j", "-s", self.state, "--visibility-timeout", "1")
        self.assertOK(p, 4)
        got = ids_in(self.log)
        self.assertEqual(got, want(objs[keys[0]] + objs[keys[2]]))
        self.assertEqual(len(self.left()), 1)
        # Fixed, it comes back: with -s only the one that failed is done.
        data, _ = document(keys[1])
        self.env.put("trail", keys[1], data)
        time.sleep(1.3)
        p = self.run_q("-j", "-s", self.state, "-d")
        self.assertOK(p)
        self.assertEqual(p.stdout.count(b"Skipping previously seen file"), 2)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])

    def test_with_D_the_message_goes_after_the_object_delete(self):
        objs = self.objects(3)
        self.notify_each(objs)
        p = self.run_q("-j", "-D", "-s", self.state)
        self.assertOK(p)
        self.assertEqual(self.env.keys("trail"), [])
        self.assertEqual(self.left(), [])
        order = [(r.op, r.key or "") for r in self.env.requests
                 if r.op in ("DELETE", "DeleteMessage", "GET")]
        # Each object: GET ... DELETE, and the deletes of messages come
        # only after as many object deletes.
        deletes = [i for i, (op, _) in enumerate(order) if op == "DELETE"]
        mdeletes = [i for i, (op, _) in enumerate(order)
                    if op == "DeleteMessage"]
        self.assertEqual(len(deletes), 3)
        self.assertEqual(len(mdeletes), 3)
        for n, i in enumerate(mdeletes):
            self.assertGreater(i, deletes[n])

    def test_a_failed_object_delete_leaves_the_message(self):
        objs = self.objects(2)
        self.notify_each(objs)
        self.env.faults.append(Fault("status", method="DELETE",
                                     key=list(objs)[0], status=500,
                                     code="InternalError", count=None))
        p = self.run_q("-j", "-D", "-s", self.state, "--max-attempts", "2")
        self.assertOK(p, 5)
        self.assertIn("cannot delete", p.stderr.decode())
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(len(self.left()), 1)
        self.assertEqual(self.env.keys("trail"), [list(objs)[0]])

    def test_read_only_keys_with_D_stop_and_keep_the_messages(self):
        objs = self.objects(2)
        self.notify_each(objs)
        self.env.read_only.add("AKIDREAD")
        p = self.run_q("-j", "-D", "-s", self.state, extra_env=READ_ONLY)
        self.assertOK(p, 3)
        self.assertIn("may not delete", p.stderr.decode())
        self.assertEqual(len(self.left()), 2)
        self.assertEqual(len(self.env.keys("trail")), 2)

    def test_a_repeated_notice_with_s_is_skipped_and_deleted(self):
        objs = self.objects(2)
        self.notify_each(objs)
        self.notify_each(list(objs)[:1])
        self.env.send("q", s3env.cloudtrail_notice("trail", list(objs)))
        p = self.run_q("-j", "-s", self.state, "-dd")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        # Known in this run: not even looked up in the state.
        self.assertEqual(p.stderr.count(b"already in this run"), 3)
        self.assertEqual(self.left(), [])
        # A later run, the same notices again: nothing written twice.
        self.notify_each(objs)
        p = self.run_q("-j", "-s", self.state)
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])
        db = sqlite3.connect(self.state)
        self.assertEqual(db.execute("SELECT COUNT(*) FROM log_progress")
                         .fetchone()[0], 2)

    def notified_twice(self, *args):
        # S3's events and CloudTrail's SNS notices both name each object
        # (three objects a third time): without -s the second copy must
        # wait for the first, not write the records again (with -D both
        # downloads would run before the first delete).
        objs = self.objects(8)
        self.notify_each(objs)
        self.env.send("q", s3env.cloudtrail_notice("trail", list(objs)))
        self.notify_each(list(objs)[:3])
        p = self.run_q("-j", "-J", "8", *args)
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])
        self.assertEqual(self.env.count(op="GET"), 8)
        self.assertEqual(len(self.sqs_ops("DeleteMessage")), 12)
        return objs

    def test_two_notices_of_one_object_write_it_once_with_D(self):
        self.notified_twice("-D")
        self.assertEqual(self.env.keys("trail"), [])

    def test_two_notices_of_one_object_write_it_once(self):
        objs = self.notified_twice()
        # In a later run, a message naming a done object again is the
        # run's first notice of it: written again, as without the queue.
        self.notify_each(list(objs)[:1])
        p = self.run_q("-j")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log)[objs[list(objs)[0]][0].encode()],
                         2)

    def test_a_message_saying_size_0_does_not_skip_the_object(self):
        # Anyone who may send to the queue could otherwise hide a trail
        # file: recorded as an empty object, never fetched, its genuine
        # notice then "previously seen". The size in a message is a hint.
        objs = self.objects(1)
        k = list(objs)[0]
        self.env.send("q", s3env.s3_event(s3env.s3_record("trail", k, 0)))
        p = self.run_q("-j", "-s", self.state)
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])

    def test_an_object_gone_from_the_bucket_is_nothing_to_do(self):
        # Done and deleted by a worker with -D that was stopped before the
        # message's delete, say: trying again can never help.
        self.env.send("q", s3env.s3_event(s3env.s3_record(
            "trail", key_of(1, "gone"), 10)))
        p = self.run_q("-j")
        self.assertOK(p)
        self.assertIn("gone from bucket trail (NoSuchKey); nothing to "
                      "fetch", p.stderr.decode())
        self.assertEqual(self.left(), [])
        self.env.send("q", s3env.s3_event(s3env.s3_record(
            "trail", key_of(1, "gone"), 10)))
        p = self.run_q("-j", "-D")
        self.assertOK(p)
        self.assertEqual(p.stderr, b"")
        self.assertEqual(self.left(), [])


class MessageTests(Base):
    def test_not_understood_left_then_redriven_to_the_dead_letter_queue(self):
        self.env.make_queue("dlq")
        self.url = self.env.make_queue("poison", visibility_timeout=30,
                                       dlq="dlq", max_receive=2)
        self.env.send("poison", "not a notification")
        self.env.send("poison", {"Records": [{"eventSource": "aws:ec2"}]})
        # No wait: the message would come back within the run.
        for _ in range(2):
            p = self.run_q("-j", "--visibility-timeout", "1",
                           "--wait-time-seconds", "0")
            self.assertOK(p, 4)
            err = p.stderr.decode()
            self.assertEqual(err.count("is not understood"), 2, err)
            self.assertIn("not JSON", err)
            time.sleep(1.3)
        p = self.run_q("-j", "--visibility-timeout", "1",
                       "--wait-time-seconds", "0")
        self.assertOK(p)
        self.assertEqual(self.left("poison"), [])
        self.assertEqual(len(self.left("dlq")), 2)

    def test_a_message_that_comes_back_in_the_same_run_is_left_again(self):
        self.env.send("q", "junk")
        t = time.time()
        p = self.run_q("-j", "--visibility-timeout", "1",
                       "--wait-time-seconds", "3")
        self.assertOK(p, 4)
        self.assertEqual(p.stderr.decode().count("is not understood"), 1)
        self.assertLess(time.time() - t, 30)

    def test_b_another_bucket_is_that_message_error(self):
        self.env.make_bucket("other")
        objs = self.objects(1)
        other = self.objects(1, tag="o", bucket="other")
        self.notify_each(objs)
        self.notify_each(other, bucket="other")
        # A forged CloudTrail notice naming the same key elsewhere too.
        self.env.send("q", s3env.cloudtrail_notice("other", list(objs)))
        metrics = os.path.join(self.dir, "m.prom")
        p = self.run_q("-j", "-b", "trail", "--metrics", metrics)
        self.assertOK(p, 4)
        self.assertEqual(p.stderr.decode().count(
            "it names bucket other, not one of -b's"), 2)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        left = self.left()
        self.assertEqual(len(left), 2)
        self.assertTrue(all('"other"' in m.body for m in left))
        self.assertEqual(self.env.count("GET"), 1)
        text = open(metrics).read()
        self.assertIn('getawslog_last_run_queue_messages{bucket="trail",'
                      'queue="%s",result="other_bucket"} 2\n' % self.url,
                      text)
        self.assertIn('getawslog_last_run_queue_messages{bucket="trail",'
                      'queue="%s",result="deleted"} 1\n' % self.url, text)

    def test_a_metrics_file_of_another_queue_is_left(self):
        # Keyed by the queue in this mode: -b may change (a bucket
        # added), another queue's file is not replaced.
        metrics = os.path.join(self.dir, "m.prom")
        self.assertOK(self.run_q("-j", "--metrics", metrics))
        self.env.make_bucket("trail-two")
        self.assertOK(self.run_q("-j", "--metrics", metrics, "-b",
                                 "trail,trail-two"))
        with open(metrics) as f:
            text = f.read()
        self.assertIn('{bucket="trail,trail-two",queue="%s"}' % self.url,
                      text)
        url2 = self.env.make_queue("q2")
        p = self.run_q("-j", "--metrics", metrics, url=url2)
        self.assertOK(p)
        self.assertIn("holds the samples of another queue", p.stderr.decode())
        with open(metrics) as f:
            self.assertEqual(f.read(), text)

    def test_the_queue_mode_needs_b(self):
        # Without -b whoever may send to the queue chooses what is
        # written: refused before anything is received.
        objs = self.objects(1)
        self.notify_each(objs)
        p = self.env.run(["--queue-url", self.url, "-l", self.log, "-j"])
        self.assertOK(p, 1)
        self.assertEqual(p.stdout,
                         b"ERROR: Missing an AWS S3 bucket! (-b flag)\n")
        self.assertIn(b"-b names the buckets", p.stderr)
        self.assertEqual(self.sqs_ops(), [])
        self.assertFalse(os.path.exists(self.log))
        # Several, by -b again or a comma list; an ARN is a name too.
        self.env.make_bucket("trail-two")
        self.env.make_bucket("trail-three")
        objs2 = self.objects(1, tag="two", bucket="trail-two")
        objs3 = self.objects(1, tag="three", bucket="trail-three")
        self.notify_each(objs2, bucket="trail-two")
        self.notify_each(objs3, bucket="trail-three")
        p = self.run_q("-j", "-b", "trail,trail-two", "-b",
                       "arn:aws:s3:::trail-three")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(
            self.all_ids(objs) + self.all_ids(objs2) + self.all_ids(objs3)))
        self.assertEqual(self.left(), [])

    def test_an_empty_queue_is_a_quiet_run(self):
        t = time.time()
        p = self.run_q("-j", "--wait-time-seconds", "2")
        self.assertOK(p)
        self.assertEqual(p.stderr, b"")
        self.assertGreater(time.time() - t, 1.9)
        self.assertLess(time.time() - t, 15)
        self.assertEqual(len(self.sqs_ops("ReceiveMessage")), 1)
        self.assertEqual(self.sqs_ops()[0].params["WaitTimeSeconds"], 2)
        self.assertEqual(self.sqs_ops()[0].params["VisibilityTimeout"], 300)
        self.assertEqual(self.sqs_ops()[0].params["MaxNumberOfMessages"],
                         10)
        # The default poll is 2 s.
        del self.env.requests[:]
        p = self.env.run(["--queue-url", self.url, "-l", self.log, "-b",
                          "trail"])
        self.assertOK(p)
        self.assertEqual(self.sqs_ops()[0].params["WaitTimeSeconds"], 2)


class RetryTests(Base):
    VT = 1

    def test_a_message_left_for_a_passing_failure_is_tried_again(self):
        # A run longer than the visibility timeout: a message left for a
        # transient failure comes back and is worked on again, rather
        # than counted towards the dead-letter queue without a try.
        self.env.make_queue("dlq2")
        self.url = self.env.make_queue("q2", visibility_timeout=1,
                                       dlq="dlq2", max_receive=3)
        slow = self.objects(9, "slow")
        flaky = self.objects(1, "flaky")
        for k in list(flaky) + list(slow):
            self.env.send("q2", s3env.s3_event(s3env.s3_record("trail", k,
                                                                9)))
        # moto notices a message visible again about once a second: the
        # run lasts some 6 s.
        self.env.faults += [
            Fault("status", key=list(flaky)[0], op="GET", status=503,
                  count=1),
            Fault("latency", method="GET", ms=600, count=None)]
        p = self.run_q("-j", "-J", "1", "--max-attempts", "1",
                       "--visibility-timeout", "1")
        self.assertIn(p.returncode, (0, 5), p.stderr)
        self.assertEqual(ids_in(self.log),
                         want(self.all_ids(slow) + self.all_ids(flaky)))
        self.assertEqual(self.env.queue_state("q2"), [])
        self.assertEqual(self.env.queue_state("dlq2"), [])


class VisibilityTests(Base):
    VT = 2

    def test_a_batch_slower_than_the_timeout_is_kept_hidden(self):
        objs = self.objects(6)
        self.notify_each(objs)
        self.env.faults.append(Fault("latency", method="GET", ms=1200,
                                     count=None))
        t = time.time()
        p = self.run_q("-j", "-J", "1", "--visibility-timeout", "2")
        self.assertOK(p)
        self.assertGreater(time.time() - t, 6)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        handed = [m for r in self.sqs_ops("ReceiveMessage")
                  for m in (r.messages or [])]
        self.assertEqual(len(handed), 6)
        self.assertEqual(len(set(handed)), 6, "a message came back")
        beats = self.sqs_ops("ChangeMessageVisibilityBatch")
        self.assertGreater(len(beats), 2)
        self.assertTrue(all(r.status == 200 for r in beats))
        self.assertEqual(self.left(), [])

    def test_a_slow_object_with_a_second_worker_waiting(self):
        objs = self.objects(1)
        self.notify_each(objs)
        self.env.faults.append(Fault("latency", method="GET", ms=5000))
        a = self.popen_q("-j", "--visibility-timeout", "2")
        time.sleep(0.8)
        b = self.run_q("-j", "--visibility-timeout", "2",
                       "--wait-time-seconds", "3", log=self.log + ".b")
        a.communicate(timeout=60)
        self.assertEqual(a.returncode, 0)
        self.assertOK(b)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(ids_in(self.log + ".b"), collections.Counter())
        handed = [m for r in self.sqs_ops("ReceiveMessage")
                  for m in (r.messages or [])]
        self.assertEqual(len(handed), 1)

    def test_heartbeats_continue_through_a_long_write(self):
        # One object whose lines take longer to write than the visibility
        # timeout (the log is a FIFO read slowly), then three small ones
        # waiting behind it: heartbeats must go on between the pieces, so
        # a second worker that starts once the timeout has passed gets
        # none of them.
        big = key_of(0, "big")
        ids = ["Qbig-%d" % i for i in range(20000)]
        doc = {"Records": [{"eventVersion": "1.08", "eventID": i,
                            "eventName": "DescribeInstances",
                            "userAgent": "x" * 40} for i in ids]}
        self.env.put_many("trail", {big: gz(json.dumps(doc).encode())})
        small = self.objects(3, "small")
        self.notify_each([big] + list(small))
        fifo = os.path.join(self.dir, "log.fifo")
        os.mkfifo(fifo, 0o600)
        rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        wfd = os.open(fifo, os.O_WRONLY)    # no end of file between opens
        got, done = [], threading.Event()

        def reader():
            # About 640 KB/s: the 2.5 MB of lines take some 4 s.
            while not done.is_set():
                try:
                    got.append(os.read(rfd, 65536))
                except BlockingIOError:
                    pass
                time.sleep(0.1)
        th = threading.Thread(target=reader)
        th.start()
        args = ("-j", "-J", "1", "--visibility-timeout", "1")
        try:
            a = self.popen_q(*args, log=fifo)
            # Once the first worker holds the messages, past their timeout.
            self.wait_received()
            time.sleep(1.6)
            b = self.run_q(*args, "--wait-time-seconds", "2",
                           log=self.log + ".b")
            out, err = a.communicate(timeout=120)
        finally:
            done.set()
            th.join()
            got.append(s3env.read_waiting(rfd))
            os.close(wfd)
            os.close(rfd)
        self.assertEqual(a.returncode, 0, err)
        self.assertOK(b)
        self.assertEqual(ids_in(self.log + ".b"), collections.Counter())
        self.assertEqual(collections.Counter(ID_RE.findall(b"".join(got))),
                         want(ids + self.all_ids(small)))
        handed = [m for r in self.sqs_ops("ReceiveMessage")
                  for m in (r.messages or [])]
        self.assertEqual(len(handed), 4, "a message came back")
        self.assertEqual(self.left(), [])

    def test_heartbeats_continue_between_slow_records(self):
        # Records that each take a while (a --discard rule over a long
        # userAgent: glibc's regexec is slow on it), several in each piece
        # inflated: heartbeats must go on between records, not only
        # between pieces, or a second worker polling gets the message.
        big = key_of(0, "slow")
        ids = ["Qslow-%d" % i for i in range(36)]
        ua = "Mozilla " * 5000
        doc = {"Records": [{"eventVersion": "1.08", "eventID": i,
                            "userAgent": ua} for i in ids]}
        self.env.put_many("trail", {big: gz(json.dumps(doc).encode())})
        self.notify_each([big])
        args = ("-j", "--visibility-timeout", "2", "--discard",
                "userAgent=Mozilla.*bot")
        a = self.popen_q(*args)
        self.wait_received()
        time.sleep(2.5)
        b = self.run_q(*args, "--wait-time-seconds", "8",
                       log=self.log + ".b", timeout=240)
        out, err = a.communicate(timeout=240)
        self.assertEqual(a.returncode, 0, err)
        self.assertOK(b)
        self.assertEqual(ids_in(self.log + ".b"), collections.Counter())
        self.assertEqual(ids_in(self.log), want(ids))
        handed = [m for r in self.sqs_ops("ReceiveMessage")
                  for m in (r.messages or [])]
        self.assertEqual(len(handed), 1, "a message came back")
        self.assertEqual(self.left(), [])

    def test_heartbeats_continue_through_a_slow_delete(self):
        objs = self.objects(2)
        self.notify_each(objs)
        self.env.faults.append(Fault("latency", method="DELETE", ms=2500,
                                     count=None))
        p = self.run_q("-j", "-D", "--visibility-timeout", "2")
        self.assertOK(p)
        handed = [m for r in self.sqs_ops("ReceiveMessage")
                  for m in (r.messages or [])]
        self.assertEqual(len(handed), 2)
        self.assertEqual(self.left(), [])
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))


class StopTests(Base):
    VT = 30

    def test_sigterm_to_a_service_mid_delete_is_no_failure(self):
        # --follow ends on SIGTERM; one in the middle of an object's delete
        # leaves that object recorded and its message to come back: the
        # status is what the run did, 0.
        objs = self.objects(1)
        self.notify_each(objs)
        self.env.faults.append(Fault("latency", method="DELETE", ms=3000,
                                     count=None))
        a = self.popen_q("-j", "-D", "-s", self.state, "--follow")
        t = time.monotonic()
        while not [r for r in self.env.requests if r.method == "DELETE"] \
                and time.monotonic() - t < 30:
            time.sleep(0.05)
        time.sleep(0.3)
        a.send_signal(signal.SIGTERM)
        out, err = a.communicate(timeout=60)
        self.assertEqual(a.returncode, 0, err)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))

    def test_sigterm_mid_batch_leaves_messages_to_come_back(self):
        objs = self.objects(6)
        self.notify_each(objs)
        self.env.faults.append(Fault("latency", method="GET", ms=700,
                                     count=None))
        p = self.popen_q("-j", "-J", "1", "-s", self.state,
                         "--visibility-timeout", "30")
        deadline = time.time() + 30
        while len(ids_in(self.log)) < 2 and time.time() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 1, err)
        self.env.wait_idle()
        done = ids_in(self.log)
        self.assertTrue(0 < len(done) < 12, done)
        left = self.left()
        self.assertGreater(len(left), 0)
        # The messages none of whose objects was done are visible again.
        unstarted = [m for m in left if m.visible]
        self.assertGreater(len(unstarted), 0)
        self.assertLessEqual(len(left) - len(unstarted), 2)
        # A later run (after the timeout for the rest) finishes the job.
        for m in left:
            if not m.visible:
                self.env.sqs_client().change_message_visibility(
                    QueueUrl=self.env.queue_url("q", self.env.moto_endpoint),
                    ReceiptHandle=m.receipt_handle, VisibilityTimeout=0)
        p = self.run_q("-j", "-s", self.state)
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])

    def test_sigkill_then_a_rerun_after_the_timeout_loses_nothing(self):
        objs = self.objects(12)
        self.notify_each(objs)
        self.env.faults.append(Fault("latency", method="DELETE", ms=300,
                                     count=None))
        p = self.popen_q("-j", "-D", "-s", self.state, "-J", "4",
                         "--visibility-timeout", "2")
        deadline = time.time() + 30
        while len(ids_in(self.log)) < 6 and time.time() < deadline:
            time.sleep(0.02)
        p.kill()
        p.communicate()
        self.env.wait_idle()
        log = ids_in(self.log)
        # No object is gone from the bucket without its records synced.
        present = set(self.env.keys("trail"))
        for k, ids in objs.items():
            if k not in present:
                for i in ids:
                    self.assertIn(i.encode(), log, k)
        time.sleep(2.2)
        p = self.run_q("-j", "-D", "-s", self.state)
        self.assertOK(p)
        got = ids_in(self.log)
        self.assertEqual(set(got), set(want(self.all_ids(objs))))
        # Duplicates only from what was in flight: one object at most.
        self.assertLessEqual(sum(got.values()) - len(got), 2)
        self.assertEqual(self.left(), [])
        self.assertEqual(self.env.keys("trail"), [])


class WorkerTests(Base):
    VT = 3

    def workers(self, n, objs, *args):
        logs = [self.log + ".%d" % i for i in range(n)]
        procs = [self.popen_q("-j", "--visibility-timeout", "3",
                              "--wait-time-seconds", "2", *args, log=log)
                 for log in logs]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err.decode())
        total = collections.Counter()
        for log in logs:
            total += ids_in(log)
        self.assertEqual(total, want(self.all_ids(objs)))
        self.assertEqual(self.left(), [])
        return [ids_in(log) for log in logs]

    def test_two_workers_write_every_record_once_between_them(self):
        objs = self.objects(30)
        self.notify_each(objs)
        self.env.faults.append(Fault("latency", method="GET", ms=150,
                                     count=None))
        per = self.workers(2, objs, "-J", "2")
        self.assertTrue(all(len(c) > 0 for c in per), per)

    def test_three_workers_with_D_and_s_each(self):
        objs = self.objects(24)
        self.env.send("q", s3env.cloudtrail_notice("trail", list(objs)[:6]))
        self.notify_each(list(objs)[6:])
        self.env.faults.append(Fault("latency", method="GET", ms=100,
                                     count=None))
        logs = [self.log + ".%d" % i for i in range(3)]
        procs = [self.popen_q("-j", "-D", "-s", self.state + ".%d" % i,
                              "--visibility-timeout", "3", log=log)
                 for i, log in enumerate(logs)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err.decode())
        total = collections.Counter()
        for log in logs:
            total += ids_in(log)
        self.assertEqual(total, want(self.all_ids(objs)))
        self.assertEqual(self.env.keys("trail"), [])
        self.assertEqual(self.left(), [])


class RequestTests(Base):
    def test_a_queue_that_does_not_exist_is_exit_3(self):
        p = self.run_q("-j", url=self.env.queue_url("nosuch"))
        self.assertOK(p, 3)
        err = p.stderr.decode()
        self.assertIn("queue %s: cannot receive messages:" %
                      self.env.queue_url("nosuch"), err)
        self.assertIn("QueueDoesNotExist", err)
        self.assertEqual(len(self.sqs_ops("ReceiveMessage")), 1)

    def test_a_refused_queue_and_a_signing_bug_are_exit_3(self):
        self.env.faults.append(Fault("status", op="ReceiveMessage",
                                     status=403, code="AccessDenied",
                                     count=None))
        p = self.run_q("-j")
        self.assertOK(p, 3)
        self.assertIn("AccessDenied", p.stderr.decode())
        del self.env.faults[:]
        # A wrong secret is what a signing bug looks like to SQS.
        p = self.run_q("-j", extra_env={"AWS_SECRET_ACCESS_KEY": "wrong"})
        self.assertOK(p, 3)
        self.assertIn("InvalidSignatureException", p.stderr.decode())

    def test_throttled_and_failing_receives_are_retried(self):
        objs = self.objects(1)
        self.notify_each(objs)
        self.env.faults.append(Fault("status", op="ReceiveMessage",
                                     status=400, code="ThrottlingException",
                                     count=1))
        self.env.faults.append(Fault("status", op="ReceiveMessage",
                                     status=500, code="InternalError",
                                     count=1))
        p = self.run_q("-j", "--max-attempts", "3")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        st = [r.status for r in self.sqs_ops("ReceiveMessage")]
        self.assertEqual(st[:3], [400, 500, 200])

    def test_a_receive_still_failing_after_retries_is_exit_5(self):
        self.env.faults.append(Fault("status", op="ReceiveMessage",
                                     status=503, code="ServiceUnavailable",
                                     count=None))
        p = self.run_q("-j", "--max-attempts", "2")
        self.assertOK(p, 5)
        self.assertEqual(len(self.sqs_ops("ReceiveMessage")), 2)

    def test_a_failed_message_delete_leaves_it_for_later(self):
        objs = self.objects(1)
        self.notify_each(objs)
        self.env.faults.append(Fault("status", op="DeleteMessage",
                                     status=500, code="InternalError",
                                     count=None))
        p = self.run_q("-j", "-s", self.state, "--max-attempts", "2")
        self.assertOK(p, 5)
        self.assertIn("cannot delete it", p.stderr.decode())
        self.assertEqual(len(self.left()), 1)

    def test_signatures_are_checked_on_either_port(self):
        objs = self.objects(2)
        self.notify_each(objs)
        p = self.run_q("-j", extra_env={
            "AWS_ENDPOINT_URL_SQS": self.env.sqs_endpoint})
        self.assertOK(p)
        ports = {r.port for r in self.sqs_ops()}
        self.assertEqual(ports, {self.env.sqs_front_port})
        self.assertTrue(all(r.status == 200 and r.region == "us-east-1"
                            for r in self.sqs_ops()))
        # Without AWS_ENDPOINT_URL* the queue URL's own host is used, and
        # S3 comes from --endpoint-url.
        self.notify_each(objs)
        del self.env.requests[:]
        p = self.run_q("-j", "--endpoint-url", self.env.endpoint,
                       extra_env={"AWS_ENDPOINT_URL": None})
        self.assertOK(p)
        self.assertEqual({r.port for r in self.sqs_ops()},
                         {self.env.sqs_front_port})
        self.assertEqual(len(self.sqs_ops("DeleteMessage")), 2)

    def test_the_region_from_the_queue_url_or_region(self):
        self.url = self.env.make_queue("eu", region="eu-west-1")
        objs = self.objects(1)
        for k in objs:
            self.env.send("eu", s3env.s3_event(s3env.s3_record(
                "trail", k, 9)), region="eu-west-1")
        # Signed for us-east-1: the queue refuses it.
        p = self.run_q("-j")
        self.assertOK(p, 3)
        p = self.run_q("-j", "--region", "eu-west-1", "-dd")
        self.assertOK(p)
        self.assertIn("requests signed for eu-west-1", p.stderr.decode())
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        # AWS's URL names its region; the endpoint comes from the
        # environment.
        for k in objs:
            self.env.send("eu", s3env.s3_event(s3env.s3_record(
                "trail", k, 9)), region="eu-west-1")
        p = self.run_q("-j", url="https://sqs.eu-west-1.amazonaws.com/%s/eu"
                       % ACCOUNT)
        self.assertOK(p)
        self.assertEqual(self.env.queue_state("eu", region="eu-west-1"), [])

    def test_fips_dual_stack_and_vpc_queue_urls_name_their_region(self):
        # Without --region, these AWS host names still say the region to
        # sign for (us-east-1 would be refused); the endpoint comes from
        # the environment.
        for region, host in (
                ("eu-west-1", "sqs.eu-west-1.api.aws"),
                ("us-east-2", "sqs-fips.us-east-2.amazonaws.com"),
                ("us-east-2", "sqs-fips.us-east-2.api.aws"),
                ("ap-south-1", "vpce-0a1b2c3d4e5f6a7b8-1x2y3z4w.sqs."
                 "ap-south-1.vpce.amazonaws.com")):
            name = "q" + region.replace("-", "")
            self.env.make_queue(name, region=region)
            objs = self.objects(1, tag=name)
            for k in objs:
                self.env.send(name, s3env.s3_event(s3env.s3_record(
                    "trail", k, 9)), region=region)
            p = self.run_q("-j", "-dd", url="https://%s/%s/%s" % (
                host, ACCOUNT, name))
            self.assertOK(p)
            self.assertIn("requests signed for %s" % region,
                          p.stderr.decode())
            self.assertEqual(self.env.queue_state(name, region=region), [])

    def test_an_expired_token_answer_fetches_new_keys(self):
        """SQS says ExpiredToken before the keys' Expiration (a revoked
        session): the engine fetches new ones, as for S3, and the receive
        is made again with them."""
        objs = self.objects(1)
        self.notify_each(objs)
        home = self.env.tempdir()
        os.makedirs(os.path.join(home, ".aws"))
        count = os.path.join(home, "count")
        script = os.path.join(home, "creds.sh")
        with open(script, "w") as f:
            f.write('#!/bin/sh\necho x >> %s\nn=$(wc -l < %s)\n'
                    'printf \'{"Version": 1, "AccessKeyId": "ASIAQ%%s", '
                    '"SecretAccessKey": "q-secret", "SessionToken": '
                    '"q-token", "Expiration": "2099-01-01T00:00:00Z"}\' '
                    '$n\n' % (count, count))
        os.chmod(script, 0o755)
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[default]\ncredential_process = %s\n" % script)
        for k in ("ASIAQ1", "ASIAQ2"):
            self.env.credentials[k] = "q-secret"
            self.env.tokens[k] = "q-token"
        try:
            self.env.faults.append(Fault(
                "status", op="ReceiveMessage", status=400,
                code="com.amazon.coral.service#ExpiredTokenException",
                message="The security token included in the request is "
                "expired", count=1))
            p = self.env.run(["--queue-url", self.url, "-l", self.log, "-j",
                              "-b", "trail", "--wait-time-seconds", "1"],
                             home=home,
                             extra_env={"AWS_ACCESS_KEY_ID": None,
                                        "AWS_SECRET_ACCESS_KEY": None})
            self.assertOK(p)
            self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
            keys = [r.access_key for r in self.sqs_ops("ReceiveMessage")]
            self.assertEqual(keys[:2], ["ASIAQ1", "ASIAQ2"])
            self.assertEqual({r.access_key for r in self.env.requests
                              if r.op == "GET"}, {"ASIAQ2"})
        finally:
            for k in ("ASIAQ1", "ASIAQ2"):
                self.env.credentials.pop(k, None)
                self.env.tokens.pop(k, None)

    def test_each_bucket_region_from_the_message_or_from_s3(self):
        self.env.make_bucket("eu-trail", region="eu-west-1")
        self.env.make_bucket("ap-trail", region="ap-southeast-2")
        eu = self.objects(2, tag="eu", bucket="eu-trail")
        ap = self.objects(2, tag="ap", bucket="ap-trail")
        # S3's events name the bucket's region: no request goes astray.
        for k in eu:
            self.env.send("q", s3env.s3_event(s3env.s3_record(
                "eu-trail", k, 9, region="eu-west-1")))
        # CloudTrail's notice does not: S3 says it once, for the bucket.
        self.env.send("q", s3env.cloudtrail_notice("ap-trail", list(ap)))
        p = self.run_q("-j", "-J", "1", "-dd", "-b", "eu-trail", "-b",
                       "s3://ap-trail/")
        self.assertOK(p)
        self.assertEqual(ids_in(self.log), want(self.all_ids(eu) +
                                                self.all_ids(ap)))
        gets = [(r.bucket, r.region, r.status) for r in self.env.requests
                if r.op == "GET"]
        self.assertEqual(gets, [("eu-trail", "eu-west-1", 200)] * 2 + [
            ("ap-trail", "us-east-1", 400)] + [
            ("ap-trail", "ap-southeast-2", 200)] * 2)
        self.assertIn("bucket ap-trail is in region ap-southeast-2",
                      p.stderr.decode())

    def test_downloads_run_concurrently(self):
        objs = self.objects(8)
        self.env.send("q", s3env.cloudtrail_notice("trail", list(objs)))
        self.env.faults.append(Fault("latency", method="GET", ms=800,
                                     count=None))
        t = time.time()
        p = self.run_q("-j", "-J", "8")
        self.assertOK(p)
        self.assertLess(time.time() - t, 6.4 - 1)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))


class FollowTests(Base):
    def test_follow_polls_until_sigterm(self):
        objs = self.objects(4)
        p = self.popen_q("-j", "--follow", "-s", self.state)
        keys = list(objs)
        self.notify_each(keys[:2])
        deadline = time.time() + 30
        while len(ids_in(self.log)) < 4 and time.time() < deadline:
            time.sleep(0.1)
        self.notify_each(keys[2:])
        while len(ids_in(self.log)) < 8 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))
        time.sleep(0.5)
        t = time.time()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        self.assertLess(time.time() - t, 10)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(err, b"")
        self.assertEqual(self.left(), [])
        receives = self.sqs_ops("ReceiveMessage")
        self.assertTrue(all(r.params["WaitTimeSeconds"] == 20
                            for r in receives))

    def test_follow_rides_out_a_failing_queue(self):
        self.env.faults.append(Fault("status", op="ReceiveMessage",
                                     status=503, code="ServiceUnavailable",
                                     count=2))
        objs = self.objects(1)
        self.notify_each(objs)
        p = self.popen_q("-j", "--follow", "--max-attempts", "1")
        deadline = time.time() + 30
        while len(ids_in(self.log)) < 2 and time.time() < deadline:
            time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn(b"SIGINT received, bye!", out)
        self.assertIn(b"trying again in", err)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))


class ServiceTests(Base):
    """What a --follow service does besides messages (issue 19)."""

    def wait_for(self, what, timeout=40):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = what()
            if v:
                return v
            time.sleep(0.2)
        return what()

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        return p.returncode, out, err

    @staticmethod
    def samples(path):
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            return {}
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def test_metrics_are_written_while_following(self):
        # A healthy service must not look like a dead one: --metrics is
        # written after each batch (at most every 5 s) and every minute,
        # each write what was done since the one before.
        metrics = os.path.join(self.dir, "getawslog.prom")
        objs = self.objects(3)
        keys = list(objs)
        p = self.popen_q("-j", "--follow", "--metrics", metrics)
        try:
            self.notify_each(keys[:2])
            ls = '{bucket="trail",queue="%s"' % self.url
            written = 'getawslog_last_run_objects%s,result="written"}' % ls
            first = self.wait_for(lambda: self.samples(metrics))
            self.assertIsNone(p.poll())
            self.assertEqual(first.get(written), 2, first)
            self.assertEqual(first['getawslog_last_run_exit_status%s}' % ls],
                             0)
            t0 = first['getawslog_last_success_timestamp_seconds%s}' % ls]
            self.assertGreater(t0, time.time() - 60)
            self.notify_each(keys[2:])
            second = self.wait_for(lambda: (
                lambda m: m if m.get(
                    'getawslog_last_run_timestamp_seconds%s}' % ls, 0) >
                first['getawslog_last_run_timestamp_seconds%s}' % ls]
                else None)(self.samples(metrics)))
            self.assertIsNotNone(second)
            self.assertIsNone(p.poll())
            self.assertEqual(second[written], 1, second)
            self.assertEqual(second['getawslog_last_run_queue_messages%s,'
                                    'result="deleted"}' % ls], 1)
        finally:
            rc, out, err = self.stop(p)
        self.assertEqual(rc, 0, err)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))

    def test_a_failed_s3_delete_is_tried_again_while_following(self):
        objs = self.objects(1)
        self.env.faults.append(Fault("status", method="DELETE", status=503,
                                     count=1))
        p = self.popen_q("-j", "-D", "-s", self.state, "--follow",
                         "--max-attempts", "1")
        try:
            self.notify_each(objs)
            self.assertTrue(self.wait_for(lambda: len(ids_in(self.log))))
            # Still there a moment after its first delete failed ...
            self.assertTrue(self.wait_for(
                lambda: self.env.count("DELETE", status=503)))
            self.assertEqual(self.env.keys("trail"), list(objs))
            # ... then deleted while the service runs.
            self.assertTrue(self.wait_for(
                lambda: self.env.keys("trail") == [], timeout=30))
            self.assertIsNone(p.poll())
            db = sqlite3.connect(self.state)
            self.assertEqual(db.execute("SELECT COUNT(*) FROM "
                                        "getawslog_undeleted").fetchone()[0],
                             0)
            db.close()
        finally:
            rc, out, err = self.stop(p)
        self.assertIn(b"cannot delete", err)
        self.assertEqual(ids_in(self.log), want(self.all_ids(objs)))

    def test_a_service_gives_memory_back_after_a_big_record(self):
        # One record of 500,000 keys takes the converter some 100 MiB;
        # once it is written, the service must not keep that for ever.
        if s3env.sanitized():
            self.skipTest("sanitizer build: its allocator keeps what it "
                          "had, whatever malloc_trim says")
        big = key_of(0, "big")
        rec = {"eventVersion": "1.08", "eventID": "Qbig-0"}
        rec.update(("k%d" % i, "v") for i in range(500000))
        self.env.put_many("trail", {big: gz(json.dumps(
            {"Records": [rec]}).encode())})
        p = self.popen_q("-j", "--format", "wazuh", "--follow")
        try:
            self.notify_each([big])
            self.assertTrue(self.wait_for(lambda: len(ids_in(self.log))))
            time.sleep(3)
            status = open("/proc/%d/status" % p.pid).read()
            kb = {k: int(v.split()[0]) for k, v in (
                line.split(":", 1) for line in status.splitlines())
                if k in ("VmRSS", "VmHWM")}
            self.assertGreater(kb["VmHWM"], 60 * 1024, kb)
            self.assertLess(kb["VmRSS"], 40 * 1024, kb)
        finally:
            rc, out, err = self.stop(p)
        self.assertEqual(rc, 0, err)


class CatchUpTests(Base):
    def test_catch_up_lists_what_the_queue_never_told(self):
        # Notices that expired during an outage (a queue keeps them 4 days
        # by default) name objects now only in the bucket. A queue run
        # with -s, then --catch-up with the same -s: the gap is listed and
        # written, what the queue wrote is not written again, and the
        # queue is read after.
        told = self.objects(3)
        self.notify_each(told)
        self.assertOK(self.run_q("-j", "-s", self.state))
        gap = {}
        for i in range(3):
            k = key_of(i, "gap").replace("/2024/07/30/", "/2024/07/20/") \
                .replace("_20240730T", "_20240720T")
            gap[k] = document(k)
        self.env.put_many("trail", {k: v[0] for k, v in gap.items()})
        fresh = self.objects(2, tag="new")
        self.notify_each(fresh)
        self.notify_each(list(told)[:1])
        p = self.run_q("-j", "-s", self.state, "--catch-up", "--lookback",
                       "30", "-dd")
        self.assertOK(p)
        self.assertIn("catching up with bucket trail", p.stderr.decode())
        every = (self.all_ids(told) + self.all_ids(fresh) +
                 [i for _, ids in gap.values() for i in ids])
        self.assertEqual(ids_in(self.log), want(every))
        self.assertEqual(self.left(), [])
        # A listing run on the same state afterwards writes nothing.
        with open(self.log, "rb") as f:
            before = f.read()
        p = self.env.run(["-b", "trail", "-l", self.log, "-j", "-s",
                          self.state, "--full-scan"])
        self.assertOK(p)
        with open(self.log, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_catch_up_options(self):
        for args, what in (
                (["--catch-up"], "only with -s"),
                (["--lookback", "3"], "the listing's, not --queue-url's"),
                (["--catch-up", "-s", self.state, "--dry-run"],
                 "the listing's, not --queue-url's")):
            p = self.env.run(["--queue-url", self.url, "-b", "trail", "-l",
                              self.log] + args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(what, p.stderr.decode(), args)
        # A bucket it cannot list: the script's line, and no message read.
        self.notify_each(self.objects(1))
        p = self.run_q("-j", "-s", self.state, "--catch-up", "-b",
                       "trail,nosuch")
        self.assertOK(p, 3)
        self.assertIn(b"Bucket nosuch access error: NoSuchBucket", p.stdout)
        self.assertEqual(self.sqs_ops("ReceiveMessage"), [])


class OptionTests(Base):
    def test_every_documented_queue_command_names_its_bucket(self):
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        found = 0
        for name in ("README.md", "getawslog.1",
                     os.path.join("contrib", "getawslog.default")):
            with open(os.path.join(top, name)) as f:
                text = f.read().replace("\\\n", " ")
            for line in text.splitlines():
                if re.search(r"--queue-url (URL|https?://)", line):
                    found += 1
                    self.assertRegex(line, r" -b [A-Z\[a-z]", (name, line))
        self.assertGreaterEqual(found, 6)

    def test_options_of_the_mode(self):
        for args, what in (
                (["--follow", "-b", "trail"], "only with --queue-url"),
                (["--visibility-timeout", "5", "-b", "trail"],
                 "only with --queue-url"),
                (["--queue-url", self.url, "--prefix", "x"],
                 "the listing's, not --queue-url's"),
                (["--queue-url", self.url, "--dry-run"],
                 "the listing's, not --queue-url's"),
                (["--queue-url", self.url, "--wait-time-seconds", "21"],
                 "--wait-time-seconds: 21 is not a number from 0 to 20"),
                (["--queue-url", self.url, "--visibility-timeout", "0"],
                 "is not a number from 1 to 43200")):
            p = self.env.run(args + ["-l", self.log])
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(what, p.stderr.decode(), args)
        p = self.env.run(["--help"])
        self.assertIn(b"--queue-url=URL", p.stdout)
        self.assertIn(b"getawslog --queue-url URL -b BUCKET[,BUCKET...] -l FILE",
                      p.stdout)
        # The URL is checked before credentials are looked for.
        for bad in ("ftp://h/1/q", "http://h", "http://h/", "http://h/a b",
                    "http://user:pw@h/1/q", "foo"):
            p = self.env.run(["--queue-url", bad, "-l", self.log, "-b",
                              "trail"], extra_env={
                                  "AWS_ACCESS_KEY_ID": None,
                                  "AWS_SECRET_ACCESS_KEY": None})
            self.assertEqual(p.returncode, 3, bad)
            self.assertNotIn(b"pw@", p.stderr)
            self.assertIn(b"not a queue URL", p.stderr)
            self.assertNotIn(b"credentials", p.stderr)


if __name__ == "__main__":
    sys.exit(runner.main("sqs"))
