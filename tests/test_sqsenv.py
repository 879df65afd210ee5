#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""test_sqsenv.py - the SQS side of the test harness (tests/s3env.py), and
what the queue mode relies on moto's SQS for.

  * The front checks SQS requests' SigV4 with the generic rules from the
    bytes on the wire, on the SQS port and on the S3 one, and refuses
    altered or wrongly signed ones as SQS does (s3env.sqs_selftest).
  * moto honours VisibilityTimeout, ChangeMessageVisibility, WaitTimeSeconds
    and a redrive policy; the front adds AWS's rule that only a message's
    latest receipt handle counts.
  * Faults on SQS calls; queue_state() without receiving.
  * Notifications as moto makes them (a bucket's notification configuration
    to a queue, or to an SNS topic with or without raw delivery) and as the
    helpers craft them, read by notify.c through tests/notify_cli.

The build directory holding tests/notify_cli is $GETAWSLOG_BUILD, else the
directory of $GETAWSLOG, else ".".  Last line: "N passed, N failed".
"""

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import Fault  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY"
CREDS = {"AKIDTEST": SECRET,
         "ASIATEMP": ("temp-secret", "FQoGZXIvYXdzEPT//////////wEaDH+token==")}
ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials=CREDS)


def unescape(s):
    """notify_cli's escaping undone, to text (keys are UTF-8)."""
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] != "\\":
            out += s[i].encode("utf-8")
            i += 1
        elif s[i + 1] == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}[s[i + 1]]
            i += 2
    return out.decode("utf-8", "surrogateescape")


def parse_bodies(bodies):
    """notify.c's reading of each body: [{"kind", "form", "sns", "skipped",
    "objects": [(bucket, key, region, size)], "why"}]."""
    cli = os.path.join(runner.build_dir(), "tests", "notify_cli")
    data = b"".join(b"%d\n" % len(b) + b for b in
                    (x.encode("utf-8") if isinstance(x, str) else x
                     for x in bodies))
    proc = subprocess.run([cli], input=data, capture_output=True, timeout=60,
                          check=False)
    if proc.returncode != 0:
        raise AssertionError("notify_cli: %s" % proc.stderr.decode())
    out, cur = [], None
    for line in proc.stdout.decode("ascii").splitlines():
        kw, _, val = line.partition(" ")
        if cur is None:
            cur = {"objects": [], "form": None, "why": None}
        if kw == "end":
            out.append(cur)
            cur = None
        elif kw == "object":
            b, k, r, n = val.split("\t")
            cur["objects"].append((unescape(b), unescape(k),
                                   None if r == "-" else unescape(r), int(n)))
        elif kw in ("sns", "skipped"):
            cur[kw] = int(val)
        else:
            cur[kw] = unescape(val)
    return out


def receive(url, wait=0, visibility=None, region="us-east-1", key="AKIDTEST",
            endpoint=None, **kw):
    """ReceiveMessage through the front, signed by boto3."""
    c = client(region, key, endpoint)
    args = {"QueueUrl": url, "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": wait, "MessageSystemAttributeNames": ["All"]}
    if visibility is not None:
        args["VisibilityTimeout"] = visibility
    args.update(kw)
    return c.receive_message(**args).get("Messages", [])


def client(region="us-east-1", key="AKIDTEST", endpoint=None, retries=1):
    import boto3
    import botocore.config
    secret = ENV.credentials[key]
    return boto3.client(
        "sqs", region_name=region, endpoint_url=endpoint or ENV.sqs_endpoint,
        aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=ENV.tokens.get(key),
        config=botocore.config.Config(retries={"total_max_attempts": retries,
                                               "mode": "standard"}))


def error_code(fn):
    from botocore.exceptions import ClientError
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


class Base(unittest.TestCase):
    def setUp(self):
        ENV.reset()
        self.env = ENV


class SignatureTests(Base):
    def test_botocore_signed_sqs_requests_verify_and_altered_ones_do_not(self):
        self.assertGreaterEqual(s3env.sqs_selftest(self.env), 19)

    def test_boto3_through_either_port_is_recorded_with_its_port(self):
        url = self.env.make_queue("q")
        self.env.send("q", "m")
        self.assertEqual(len(receive(url)), 1)
        client(endpoint=self.env.endpoint).get_queue_url(QueueName="q")
        got = [(r.op, r.status, r.port, r.queue, r.service)
               for r in self.env.requests]
        self.assertEqual(got, [
            ("ReceiveMessage", 200, self.env.sqs_front_port, "q", "sqs"),
            ("GetQueueUrl", 200, self.env.front_port, "q", "sqs")])
        self.assertEqual(self.env.requests[0].params["MaxNumberOfMessages"],
                         10)

    def test_wrong_secret_and_session_tokens(self):
        url = self.env.make_queue("q")
        self.env.credentials["AKIDBAD"] = "not-" + SECRET
        bad = client(key="AKIDBAD")
        self.env.credentials["AKIDBAD"] = SECRET
        self.assertEqual(error_code(lambda: bad.receive_message(QueueUrl=url)),
                         "SignatureDoesNotMatch")
        self.assertEqual(len(receive(url, key="ASIATEMP")), 0)
        self.assertEqual(self.env.requests[-1].token,
                         CREDS["ASIATEMP"][1])
        # The same keys without their token: refused.
        import boto3
        c = boto3.client("sqs", region_name="us-east-1",
                         endpoint_url=self.env.sqs_endpoint,
                         aws_access_key_id="ASIATEMP",
                         aws_secret_access_key="temp-secret")
        self.assertEqual(error_code(lambda: c.receive_message(QueueUrl=url)),
                         "InvalidClientTokenId")

    def test_a_queue_of_another_region_refuses_another_scope(self):
        url = self.env.make_queue("eu", region="eu-west-1")
        self.env.send("eu", "m", region="eu-west-1")
        self.assertEqual(error_code(lambda: receive(url)),
                         "SignatureDoesNotMatch")
        self.assertEqual(len(receive(url, region="eu-west-1")), 1)


class MotoBehaviourTests(Base):
    """What the queue mode depends on, as moto 5 does it."""

    def test_visibility_timeout_hides_and_gives_back(self):
        url = self.env.make_queue("q")
        self.env.send("q", "m")
        first = receive(url, visibility=2)
        self.assertEqual(len(first), 1)
        self.assertEqual(first[0]["Attributes"]["ApproximateReceiveCount"],
                         "1")
        state = self.env.queue_state("q")
        self.assertFalse(state[0].visible)
        self.assertGreater(state[0].hidden_for, 1.0)
        self.assertEqual(receive(url), [])
        time.sleep(2.2)
        self.assertTrue(self.env.queue_state("q")[0].visible)
        again = receive(url, visibility=30)
        self.assertEqual(len(again), 1)
        self.assertEqual(again[0]["Attributes"]["ApproximateReceiveCount"],
                         "2")
        self.assertNotEqual(again[0]["ReceiptHandle"],
                            first[0]["ReceiptHandle"])

    def test_change_message_visibility_extends_and_releases(self):
        url = self.env.make_queue("q")
        self.env.send("q", "a")
        self.env.send("q", "b")
        msgs = receive(url, visibility=2)
        self.assertEqual(len(msgs), 2)
        c = client()
        byname = {m["Body"]: m["ReceiptHandle"] for m in msgs}
        c.change_message_visibility(QueueUrl=url, ReceiptHandle=byname["a"],
                                    VisibilityTimeout=30)
        r = c.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "b", "ReceiptHandle": byname["b"],
             "VisibilityTimeout": 0}])
        self.assertEqual([e["Id"] for e in r["Successful"]], ["b"])
        self.assertEqual([m["Body"] for m in receive(url)], ["b"])
        time.sleep(2.2)
        self.assertEqual(receive(url), [])
        hidden = [m.hidden_for for m in self.env.queue_state("q")
                  if m.body == "a"]
        self.assertGreater(hidden[0], 20)

    def test_long_polling_waits_then_returns_early_on_arrival(self):
        url = self.env.make_queue("q")
        t = time.time()
        self.assertEqual(receive(url, wait=2), [])
        self.assertGreaterEqual(time.time() - t, 1.9)
        import threading
        threading.Timer(0.5, lambda: self.env.send("q", "late")).start()
        t = time.time()
        self.assertEqual([m["Body"] for m in receive(url, wait=10)], ["late"])
        self.assertLess(time.time() - t, 5)

    def test_redrive_policy_moves_a_message_to_the_dead_letter_queue(self):
        self.env.make_queue("dlq")
        url = self.env.make_queue("q", dlq="dlq", max_receive=2)
        self.env.send("q", "poison")
        self.assertEqual(len(receive(url, visibility=1)), 1)
        time.sleep(1.2)
        self.assertEqual(len(receive(url, visibility=1)), 1)
        time.sleep(1.2)
        self.assertEqual(receive(url), [])
        self.assertEqual(self.env.queue_state("q"), [])
        self.assertEqual([m.body for m in self.env.queue_state("dlq")],
                         ["poison"])


class HandleTests(Base):
    """Only a message's latest receipt handle counts, as on AWS."""

    def received_twice(self):
        url = self.env.make_queue("q")
        self.env.send("q", "m")
        old = receive(url, visibility=1)[0]["ReceiptHandle"]
        time.sleep(1.2)
        new = receive(url, visibility=30)[0]["ReceiptHandle"]
        return url, old, new

    def test_an_old_handle_deletes_nothing_and_changes_nothing(self):
        url, old, new = self.received_twice()
        c = client()
        c.delete_message(QueueUrl=url, ReceiptHandle=old)
        self.assertEqual(len(self.env.queue_state("q")), 1)
        self.assertEqual(self.env.requests[-1].fault, "stale")
        self.assertEqual(error_code(lambda: c.change_message_visibility(
            QueueUrl=url, ReceiptHandle=old, VisibilityTimeout=60)),
            "InvalidParameterValue")
        r = c.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "old", "ReceiptHandle": old}])
        self.assertEqual([e["Id"] for e in r["Successful"]], ["old"])
        self.assertEqual(len(self.env.queue_state("q")), 1)
        r = c.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "old", "ReceiptHandle": old, "VisibilityTimeout": 60},
            {"Id": "new", "ReceiptHandle": new, "VisibilityTimeout": 90}])
        self.assertEqual([e["Id"] for e in r["Successful"]], ["new"])
        self.assertEqual([(e["Id"], e["Code"]) for e in r["Failed"]],
                         [("old", "InvalidParameterValue")])
        self.assertGreater(self.env.queue_state("q")[0].hidden_for, 80)
        c.delete_message(QueueUrl=url, ReceiptHandle=new)
        self.assertEqual(self.env.queue_state("q"), [])

    def test_moto_alone_takes_any_handle(self):
        url, old, _ = self.received_twice()
        self.env.strict_handles = False
        client().delete_message(QueueUrl=url, ReceiptHandle=old)
        self.assertEqual(self.env.queue_state("q"), [])


class FaultTests(Base):
    def test_status_faults_answer_in_the_protocol_of_the_request(self):
        url = self.env.make_queue("q")
        self.env.send("q", "m")
        self.env.faults.append(Fault("status", op="ReceiveMessage",
                                     status=500, code="InternalError",
                                     message="We encountered an error"))
        self.assertEqual(error_code(lambda: receive(url)), "InternalError")
        self.assertEqual(len(receive(url)), 1)
        self.assertEqual([(r.op, r.status, r.fault)
                          for r in self.env.requests],
                         [("ReceiveMessage", 500, "status"),
                          ("ReceiveMessage", 200, None)])
        self.env.faults.append(Fault("status", op="ReceiveMessage",
                                     status=400, code="AWS.SimpleQueueService."
                                     "NonExistentQueue", count=None))
        st, h, data = s3env.sqs_signed(self.env, "ReceiveMessage", {},
                                       path="/%s/q" % s3env.ACCOUNT,
                                       json_proto=False)
        self.assertEqual(st, 400)
        self.assertIn(b"<Code>AWS.SimpleQueueService.NonExistentQueue</Code>",
                      data)
        st, h, data = s3env.sqs_signed(self.env, "ReceiveMessage",
                                       {"QueueUrl": url})
        self.assertEqual(json.loads(data)["__type"], "com.amazonaws.sqs#AWS."
                         "SimpleQueueService.NonExistentQueue")
        self.assertEqual(h["x-amzn-query-error"],
                         "AWS.SimpleQueueService.NonExistentQueue;Sender")

    def test_faults_select_by_operation_and_queue(self):
        a = self.env.make_queue("a")
        b = self.env.make_queue("b")
        self.env.send("a", "m")
        self.env.faults.append(Fault("status", op="DeleteMessage", queue="a",
                                     status=403, code="AccessDenied",
                                     count=None))
        self.env.faults.append(Fault("latency", op="ChangeMessageVisibility",
                                     ms=600, count=None))
        h = receive(a)[0]["ReceiptHandle"]
        c = client()
        t = time.time()
        c.change_message_visibility(QueueUrl=a, ReceiptHandle=h,
                                    VisibilityTimeout=60)
        self.assertGreaterEqual(time.time() - t, 0.55)
        self.assertEqual(error_code(lambda: c.delete_message(
            QueueUrl=a, ReceiptHandle=h)), "AccessDenied")
        self.assertEqual(len(self.env.queue_state("a")), 1)
        self.assertEqual(receive(b), [])

    def test_reset_and_truncate(self):
        url = self.env.make_queue("q")
        self.env.send("q", "m")
        from botocore.exceptions import BotoCoreError
        for kind in ("reset", "truncate"):
            self.env.faults.append(Fault(kind, op="ReceiveMessage"))
            with self.assertRaises(BotoCoreError, msg=kind):
                receive(url, visibility=0)
        self.assertEqual(len(receive(url)), 1)


class NotificationTests(Base):
    """Bodies as moto makes them and as the helpers craft them, read by
    notify.c."""

    KEY = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/30/a b+c%~.json.gz"

    def bodies(self, queue):
        return [m.body for m in self.env.queue_state(queue)]

    def test_a_bucket_notification_to_a_queue(self):
        self.env.make_bucket("trail")
        self.env.make_queue("q")
        self.env.notify("trail", queue="q")
        self.env.put("trail", self.KEY, b"x" * 7)
        self.env.put_many("trail", {"AWSLogs/second one": b"yy"})
        got = parse_bodies(self.bodies("q"))
        self.assertEqual([g["kind"] for g in got], ["test", "objects",
                                                    "objects"])
        self.assertEqual(got[1]["objects"],
                         [("trail", self.KEY, "us-east-1", 7)])
        self.assertEqual(got[2]["objects"],
                         [("trail", "AWSLogs/second one", "us-east-1", 2)])
        self.assertEqual({g["sns"] for g in got}, {0})
        # moto encodes "/" too (AWS does not): the same key either way.
        self.assertIn("%2F", json.loads(self.bodies("q")[1])["Records"][0]
                      ["s3"]["object"]["key"])

    def test_a_bucket_notification_through_sns(self):
        self.env.make_bucket("trail")
        self.env.make_queue("q")
        self.env.make_queue("raw")
        topic = self.env.make_topic("t", queue="q")
        self.env.make_topic("t", queue="raw", raw=True)
        self.env.notify("trail", topic=topic)
        self.env.put("trail", self.KEY, b"xyz")
        wrapped = parse_bodies(self.bodies("q"))
        raw = parse_bodies(self.bodies("raw"))
        self.assertEqual([(g["kind"], g["sns"]) for g in wrapped],
                         [("test", 1), ("objects", 1)])
        self.assertEqual([(g["kind"], g["sns"]) for g in raw],
                         [("test", 0), ("objects", 0)])
        for g in (wrapped[1], raw[1]):
            self.assertEqual(g["objects"],
                             [("trail", self.KEY, "us-east-1", 3)])
        self.assertEqual(json.loads(self.bodies("q")[1])["Type"],
                         "Notification")

    def test_crafted_notices(self):
        self.env.make_queue("q")
        keys = [self.KEY, "AWSLogs/x+y z%41.json.gz"]
        self.env.send("q", s3env.cloudtrail_notice("trail", keys), sns=True)
        self.env.send("q", s3env.cloudtrail_notice("trail", keys))
        self.env.send("q", s3env.eventbridge_event("trail", keys[1], 5,
                                                   region="eu-west-1"))
        self.env.send("q", s3env.eventbridge_event(
            "trail", keys[1], detail_type="Object Deleted"), sns=True)
        self.env.send("q", s3env.s3_event(
            s3env.s3_record("trail", keys[0], 9),
            s3env.s3_record("trail", keys[1], 8, event="ObjectRemoved:Delete"),
            s3env.s3_record("trail", keys[1], 7, safe="")), sns=True)
        self.env.send("q", s3env.s3_test_event("trail"), sns=True)
        self.env.send("q", "not a notification")
        got = parse_bodies(self.bodies("q"))
        ct = [("trail", k, None, -1) for k in keys]
        self.assertEqual([(g["kind"], g["form"], g["sns"], g["skipped"],
                           g["objects"]) for g in got], [
            ("objects", "CloudTrail notice", 1, 0, ct),
            ("objects", "CloudTrail notice", 0, 0, ct),
            ("objects", "EventBridge event", 0, 0,
             [("trail", keys[1], "eu-west-1", 5)]),
            ("objects", "EventBridge event", 1, 1, []),
            ("objects", "S3 event notification", 1, 1,
             [("trail", keys[0], "us-east-1", 9),
              ("trail", keys[1], "us-east-1", 7)]),
            ("test", "s3:TestEvent", 1, 0, []),
            ("unknown", None, 0, 0, [])])
        self.assertEqual(got[-1]["why"], "not JSON")


if __name__ == "__main__":
    sys.exit(runner.main("sqsenv"))
