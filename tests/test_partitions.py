#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""test_partitions.py - the hosts the binary asks for, through an HTTP
proxy on 127.0.0.1 that records each CONNECT and refuses it (no request
leaves the machine): S3, STS and SQS in aws-cn (amazonaws.com.cn) and
aws-us-gov, FIPS and dual-stack endpoints from AWS_USE_FIPS_ENDPOINT /
AWS_USE_DUALSTACK_ENDPOINT and the config file's use_fips_endpoint /
use_dualstack_endpoint, and FIPS in aws-cn refused before any request
(S3 has no FIPS endpoint there). endpoint.c's names for every region are
test_endpoint.py's (against botocore).

Runs $GETAWSLOG (default ./getawslog). Prints "N passed, N failed" last.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402

ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials={"AKIDTEST": "partition/secret"})


class Hosts(unittest.TestCase):
    def setUp(self):
        self.proxy = s3env.RecordingProxy()
        self.dir = ENV.tempdir()

    def tearDown(self):
        self.proxy.shutdown()
        self.proxy.server_close()

    def run_bin(self, args, extra=None, config=None):
        env = {"AWS_ENDPOINT_URL": None,
               "https_proxy": "http://127.0.0.1:%d" % self.proxy.port,
               "http_proxy": "http://127.0.0.1:%d" % self.proxy.port}
        if config is not None:
            path = os.path.join(self.dir, "config")
            with open(path, "w") as f:
                f.write(config)
            env["AWS_CONFIG_FILE"] = path
        env.update(extra or {})
        return ENV.run(list(args) + ["--max-attempts", "1", "-l",
                                     os.path.join(self.dir, "log")],
                       extra_env=env)

    def hosts(self):
        return sorted({ln.split()[1] for ln in self.proxy.lines
                       if ln.startswith("CONNECT ")})

    def s3(self, region, want, extra=None, config=None):
        p = self.run_bin(["-b", "trail-bucket", "--region", region], extra,
                         config)
        self.assertIn(p.returncode, (3, 5), p.stderr)
        self.assertEqual(self.hosts(), [want + ":443"], p.stderr)

    def test_s3_in_china(self):
        self.s3("cn-north-1", "trail-bucket.s3.cn-north-1.amazonaws.com.cn")

    def test_s3_in_govcloud(self):
        self.s3("us-gov-west-1", "trail-bucket.s3.us-gov-west-1.amazonaws.com")

    def test_s3_fips_from_the_environment(self):
        self.s3("us-east-2", "trail-bucket.s3-fips.us-east-2.amazonaws.com",
                {"AWS_USE_FIPS_ENDPOINT": "true"})

    def test_s3_dualstack_from_the_config_file(self):
        self.s3("eu-west-1", "trail-bucket.s3.dualstack.eu-west-1."
                "amazonaws.com", config="[default]\n"
                "use_dualstack_endpoint = true\n")

    def test_s3_both_in_china_dualstack(self):
        self.s3("cn-northwest-1", "trail-bucket.s3.dualstack.cn-northwest-1."
                "amazonaws.com.cn", {"AWS_USE_DUALSTACK_ENDPOINT": "TRUE"})

    def test_the_environment_wins_over_the_file(self):
        self.s3("us-west-2", "trail-bucket.s3.us-west-2.amazonaws.com",
                {"AWS_USE_FIPS_ENDPOINT": "false"},
                "[default]\nuse_fips_endpoint = true\n")

    def test_fips_in_china_is_refused_before_any_request(self):
        p = self.run_bin(["-b", "trail-bucket", "--region", "cn-north-1"],
                         {"AWS_USE_FIPS_ENDPOINT": "true"})
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(b"partition aws-cn has no FIPS endpoint for S3",
                      p.stderr)
        self.assertEqual(self.proxy.lines, [])

    def sts(self, profile, want):
        """A role assumed with keys of profile src: AssumeRole's host."""
        creds = os.path.join(self.dir, "credentials")
        with open(creds, "w") as f:
            f.write("[src]\naws_access_key_id = AKIDSRC\n"
                    "aws_secret_access_key = src/secret\n")
        os.chmod(creds, 0o600)
        p = self.run_bin(
            ["-b", "trail-bucket", "--profile", "p"],
            {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
             "AWS_SHARED_CREDENTIALS_FILE": creds},
            "[profile p]\nsource_profile = src\n" + profile)
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.hosts(), [want + ":443"], p.stderr)

    def test_sts_in_china(self):
        self.sts("region = cn-north-1\n"
                 "role_arn = arn:aws-cn:iam::123456789012:role/reader\n",
                 "sts.cn-north-1.amazonaws.com.cn")

    def test_sts_fips_in_govcloud(self):
        # GovCloud's STS is FIPS already: botocore names no sts-fips host.
        self.sts("region = us-gov-east-1\nuse_fips_endpoint = true\n"
                 "role_arn = arn:aws-us-gov:iam::123456789012:role/reader\n",
                 "sts.us-gov-east-1.amazonaws.com")

    def sqs(self, url, want, extra=None):
        p = self.run_bin(["--queue-url", url, "-b", "trail",
                          "--wait-time-seconds", "0"],
                         extra)
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.hosts(), [want + ":443"], p.stderr)

    def test_sqs_in_china(self):
        self.sqs("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q",
                 "sqs.cn-north-1.amazonaws.com.cn")

    def test_sqs_fips(self):
        self.sqs("https://sqs.us-east-1.amazonaws.com/123456789012/q",
                 "sqs-fips.us-east-1.amazonaws.com",
                 {"AWS_USE_FIPS_ENDPOINT": "true"})

    def test_sqs_dualstack_in_china(self):
        self.sqs("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q",
                 "sqs.cn-north-1.api.amazonwebservices.com.cn",
                 {"AWS_USE_DUALSTACK_ENDPOINT": "true"})


if __name__ == "__main__":
    sys.exit(runner.main("partitions"))
