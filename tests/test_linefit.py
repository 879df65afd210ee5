#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""--max-line-bytes through the binary (issue 22): a 50 KB RunInstances
among short records, in every format, against moto behind tests/s3env.py.

Each line, newline included, is at most the limit (6144: ossec-logcollector;
4000: OSSEC 3.x's decoder); eventName, eventSource, errorCode,
sourceIPAddress and userIdentity's type and names are whole; a shortened
value carries its marker; the short records are byte for byte what a run
without the option writes; -dd and --metrics count the lines shortened.
tests/test_linefit.c covers linefit.c itself.

The binary is $GETAWSLOG (default ./getawslog).  The last line printed is
"N passed, N failed".
"""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import gz  # noqa: E402

ACCOUNT = "123456789012"
PREFIX = "AWSLogs/%s/CloudTrail/us-east-1/2024/07/30/" % ACCOUNT
KEY = PREFIX + ACCOUNT + "_CloudTrail_us-east-1_20240730T2105Z_big.json.gz"
FORMATS = {"-j": ["-j"], "json": ["--format", "json"],
           "wazuh": ["--format", "wazuh"]}
ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env()


def identity():
    return {"type": "AssumedRole", "principalId": "AROAEXAMPLE:alice",
            "arn": "arn:aws:sts::%s:assumed-role/Admin/alice" % ACCOUNT,
            "accountId": ACCOUNT, "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {
                "sessionIssuer": {"type": "Role",
                                  "principalId": "AROAEXAMPLE",
                                  "arn": "arn:aws:iam::%s:role/Admin"
                                  % ACCOUNT,
                                  "accountId": ACCOUNT, "userName": "Admin"},
                "attributes": {"creationDate": "2024-07-30T11:00:00Z",
                               "mfaAuthenticated": "true"}}}


def instance(i):
    return {"instanceId": "i-%017d" % i, "imageId": "ami-0abcdef123456789",
            "instanceState": {"code": 0, "name": "pending"},
            "privateDnsName": "ip-10-0-%d-%d.ec2.internal" % (i // 256,
                                                             i % 256),
            "amiLaunchIndex": i, "productCodes": {},
            "instanceType": "m5.large", "launchTime": 1722340800000,
            "placement": {"availabilityZone": "us-east-1a",
                          "tenancy": "default"},
            "monitoring": {"state": "disabled"}, "subnetId": "subnet-0123",
            "vpcId": "vpc-0123", "privateIpAddress": "10.0.%d.%d"
            % (i // 256, i % 256),
            "stateReason": {"code": "pending", "message": "pending"},
            "architecture": "x86_64", "rootDeviceType": "ebs",
            "blockDeviceMapping": {}, "virtualizationType": "hvm",
            "groupSet": {"items": [{"groupId": "sg-0123",
                                    "groupName": "default"}]},
            "networkInterfaceSet": {"items": [{
                "networkInterfaceId": "eni-%d" % i,
                "macAddress": "0a:00:00:00:00:%02x" % (i % 256),
                "privateIpAddressesSet": {"item": [{
                    "privateIpAddress": "10.0.%d.%d" % (i // 256, i % 256),
                    "primary": True}]}}]},
            "cpuOptions": {"coreCount": 1, "threadsPerCore": 2},
            "metadataOptions": {"state": "pending", "httpTokens": "required",
                                "httpPutResponseHopLimit": 2}}


def run_instances(n=44, error=False):
    rec = {"eventVersion": "1.08", "userIdentity": identity(),
           "eventTime": "2024-07-30T21:00:00Z",
           "eventSource": "ec2.amazonaws.com", "eventName": "RunInstances",
           "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
           "userAgent": "aws-cli/2.9.19 Python/3.9.11",
           "requestParameters": {
               "instancesSet": {"items": [{"imageId": "ami-0abcdef1234567",
                                           "minCount": n, "maxCount": n}]},
               "instanceType": "m5.large",
               "tagSpecificationSet": {"items": [
                   {"resourceType": "instance",
                    "tags": [{"key": "Name", "value": "worker-%d" % i}]}
                   for i in range(n)]}},
           "responseElements": {"reservationId": "r-0123456789abcdef0",
                                "ownerId": ACCOUNT,
                                "instancesSet": {"items": [
                                    instance(i) for i in range(n)]}},
           "requestID": "7f3c1b2a-0000-4000-8000-000000000000",
           "eventID": "1d2e3f4a-0000-4000-8000-000000000000",
           "readOnly": False, "eventType": "AwsApiCall",
           "recipientAccountId": ACCOUNT}
    if error:
        rec["errorCode"] = "Client.InstanceLimitExceeded"
        rec["errorMessage"] = "You have requested more vCPU capacity. " * 80
    return rec


def short(i):
    return {"eventVersion": "1.08", "eventSource": "s3.amazonaws.com",
            "eventName": "GetObject", "eventTime": "2024-07-30T21:00:0%dZ"
            % i, "sourceIPAddress": "192.0.2.%d" % i,
            "userIdentity": {"type": "IAMUser", "userName": "bob"},
            "requestParameters": {"bucketName": "b", "key": "k%d" % i},
            "recipientAccountId": ACCOUNT}


class LineFitTests(unittest.TestCase):
    maxDiff = 2000

    def setUp(self):
        self.env = ENV
        self.env.reset()
        self.env.make_bucket("trail")
        records = [short(1), run_instances(), short(2),
                   run_instances(error=True), short(3)]
        self.doc = json.dumps({"Records": records}).encode()
        self.assertGreater(len(json.dumps(records[1])), 50000)
        self.env.put("trail", KEY, gz(self.doc))

    def run_log(self, fmt, extra=()):
        d = self.env.tempdir()
        log = os.path.join(d, "log")
        p = self.env.run(FORMATS[fmt] + ["-b", "trail", "-l", log] +
                         list(extra))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(log, "rb") as f:
            return f.read(), p, d

    def check_kept(self, fmt, line, error):
        if fmt == "-j":
            want = [b'"eventName":"RunInstances"',
                    b'"eventSource":"ec2.amazonaws.com"',
                    b'"sourceIPAddress":"198.51.100.7"',
                    b"u'type': u'AssumedRole'", b"u'userName': u'Admin'",
                    b"u'arn': u'arn:aws:sts::123456789012:assumed-role/"
                    b"Admin/alice'"]
            if error:
                want.append(b'"errorCode":"Client.InstanceLimitExceeded"')
            for w in want:
                self.assertIn(w, line)
            return
        aws = json.loads(line)["aws"]
        self.assertEqual(aws["eventName"], "RunInstances")
        self.assertEqual(aws["eventSource"], "ec2.amazonaws.com")
        self.assertEqual(aws["sourceIPAddress"], "198.51.100.7")
        self.assertEqual(aws["userIdentity"]["type"], "AssumedRole")
        self.assertEqual(aws["userIdentity"]["arn"],
                         identity()["arn"])
        self.assertEqual(aws["userIdentity"]["sessionContext"]
                         ["sessionIssuer"]["userName"], "Admin")
        if error:
            self.assertEqual(aws["errorCode"], "Client.InstanceLimitExceeded")

    def check_format(self, fmt):
        whole, _, _ = self.run_log(fmt)
        wlines = whole.splitlines(True)
        self.assertEqual(len(wlines), 5)
        self.assertGreater(len(wlines[1]), 50000)
        for limit in (6144, 4000):
            with self.subTest(fmt=fmt, limit=limit):
                metrics = os.path.join(self.env.tempdir(), "m.prom")
                got, p, _ = self.run_log(fmt, ["--max-line-bytes",
                                               str(limit), "-dd",
                                               "--metrics", metrics])
                lines = got.splitlines(True)
                self.assertEqual(len(lines), 5)
                for i in (0, 2, 4):
                    self.assertEqual(lines[i], wlines[i])
                for i in (1, 3):
                    self.assertLessEqual(len(lines[i]), limit)
                    self.assertGreater(len(lines[i]), limit * 3 // 4)
                    self.assertIn(b"bytes cut]", lines[i])
                    self.check_kept(fmt, lines[i], i == 3)
                self.assertIn(b"getawslog: --max-line-bytes %d: 2 lines "
                              b"shortened, 0 of them still longer\n" % limit,
                              p.stderr)
                with open(metrics) as f:
                    text = f.read()
                self.assertIn('getawslog_last_run_records_shortened'
                              '{bucket="trail"} 2\n', text)
                self.assertIn('getawslog_last_run_records_overlong'
                              '{bucket="trail"} 0\n', text)

    def test_flat(self):
        self.check_format("-j")

    def test_json(self):
        self.check_format("json")

    def test_wazuh(self):
        self.check_format("wazuh")

    def test_without_it_nothing_changes(self):
        """Without the option the lines are whole and -dd says nothing of
        it; the metrics say 0."""
        metrics = os.path.join(self.env.tempdir(), "m.prom")
        got, p, _ = self.run_log("-j", ["-dd", "--metrics", metrics])
        self.assertGreater(max(len(x) for x in got.splitlines()), 50000)
        self.assertNotIn(b"--max-line-bytes", p.stderr)
        with open(metrics) as f:
            self.assertIn('getawslog_last_run_records_shortened'
                          '{bucket="trail"} 0\n', f.read())

    def test_usage(self):
        log = os.path.join(self.env.tempdir(), "log")
        for args, why in (([], b"only with -j or --format"),
                          (["-j", "--max-line-bytes", "1000"],
                           b"is not a size from 1024"),
                          (["-j", "--max-line-bytes", "x"],
                           b"is not a size")):
            p = self.env.run(["-b", "trail", "-l", log] + args +
                             (["--max-line-bytes", "6144"] if not args
                              else []))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(why, p.stderr)
        p = self.env.run(["-j", "-b", "trail", "-l", log,
                          "--max-line-bytes", "6K"])
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    sys.exit(runner.main("linefit"))
