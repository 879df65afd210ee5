#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""test_endpoint.py - endpoint.c's host names against botocore's own
resolver (EndpointProvider over the endpoint rule sets of s3, sts and sqs
and partitions.json), for every region botocore knows (every partition's
regions, and every region the three services' endpoints name) and a few
it does not, each with and without FIPS and dual-stack. S3 is asked with
its regional us-east-1 endpoint (UseGlobalEndpoint false, as getawslog
signs for the bucket's region), virtual-hosted (a bucket in front of the
host) and path-style; where botocore refuses (FIPS in aws-cn), endpoint.c
must refuse too.

Driver: tests/endpoint_cli in $GETAWSLOG_BUILD, else the directory of
$GETAWSLOG, else ".". Prints "N passed, N failed" last.
"""
import os
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

try:
    from botocore.endpoint_provider import EndpointProvider
    from botocore.loaders import create_loader
except ImportError:         # pragma: no cover
    EndpointProvider = None

SERVICES = ("s3", "sts", "sqs", "cloudtrail")
UNKNOWN = ("xx-new-1", "us-gov-new-2", "cn-new-3", "us-isob-new-1",
           "eu-isoe-new-1", "eusc-de-new-1", "mx-new-1", "us-new-9")
BUCKET = "my-trail-bucket"


def botocore_regions(loader):
    """Every region botocore knows: the partitions' and the services'."""
    regions = set()
    for p in loader.load_data("partitions")["partitions"]:
        regions.update(p["regions"])
    for p in loader.load_data("endpoints")["partitions"]:
        regions.update(p.get("regions", {}))
        for s in SERVICES:
            regions.update(e for e in p["services"].get(s, {}).get(
                "endpoints", {}) if "fips" not in e and "dualstack" not in
                e and "." not in e and "-" in e)
    return sorted(regions)


def host_of(url):
    return urllib.parse.urlsplit(url).hostname


@unittest.skipIf(EndpointProvider is None, "botocore is not installed")
class Partitions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.loader = create_loader()
        parts = cls.loader.load_data("partitions")
        cls.providers = {s: EndpointProvider(cls.loader.load_service_model(
            s, "endpoint-rule-set-1"), parts) for s in SERVICES}
        cls.regions = botocore_regions(cls.loader) + list(UNKNOWN)
        cls.cases = [(s, r, f, d) for s in SERVICES for r in cls.regions
                     for f in (0, 1) for d in (0, 1)]
        cli = os.path.join(runner.build_dir(), "tests", "endpoint_cli")
        p = subprocess.run([cli], input="".join(
            "%s %s %d %d\n" % c for c in cls.cases).encode(),
            capture_output=True, check=True)
        cls.ours = dict(zip(cls.cases, p.stdout.decode().splitlines()))

    def botocore(self, service, region, fips, dual, bucket=None):
        kw = {"Region": region, "UseFIPS": bool(fips),
              "UseDualStack": bool(dual)}
        if service in ("s3", "sts"):
            kw["UseGlobalEndpoint"] = False
        if service == "s3":
            kw.update(ForcePathStyle=False, Accelerate=False)
            if bucket:
                kw["Bucket"] = bucket
        try:
            return host_of(self.providers[service].resolve_endpoint(
                **kw).url)
        except Exception as e:     # botocore refuses: so must we
            return "ERROR " + str(e)

    def test_enough_regions(self):
        # A botocore without the partitions would make this test vacuous.
        for r in ("us-east-1", "cn-north-1", "us-gov-west-1",
                  "us-iso-east-1", "aws-global"):
            self.assertIn(r, self.regions)
        self.assertGreater(len(self.regions), 40)

    def test_every_region_every_flag(self):
        bad = []
        for case in self.cases:
            want = self.botocore(*case)
            got = self.ours[case]
            if want.startswith("ERROR") != got.startswith("ERROR") or (
                    not want.startswith("ERROR") and got != want):
                bad.append("%s %s fips=%d dualstack=%d: ours %s, "
                           "botocore %s" % (case + (got, want)))
        self.assertEqual(bad, [], "\n".join(bad[:40]))

    def test_s3_virtual_hosts(self):
        bad = []
        for case in self.cases:
            if case[0] != "s3" or self.ours[case].startswith("ERROR"):
                continue
            want = self.botocore(*case, bucket=BUCKET)
            if want != BUCKET + "." + self.ours[case]:
                bad.append("%s: ours %s.%s, botocore %s"
                           % (case, BUCKET, self.ours[case], want))
        self.assertEqual(bad, [], "\n".join(bad[:40]))

    def test_known_names(self):
        # A few written out, so that a botocore that changed its mind is
        # noticed here rather than followed silently.
        for case, want in (
                (("s3", "cn-north-1", 0, 0), "s3.cn-north-1.amazonaws.com.cn"),
                (("sts", "cn-northwest-1", 0, 0),
                 "sts.cn-northwest-1.amazonaws.com.cn"),
                (("sqs", "cn-north-1", 0, 0),
                 "sqs.cn-north-1.amazonaws.com.cn"),
                (("s3", "us-gov-west-1", 1, 0),
                 "s3-fips.us-gov-west-1.amazonaws.com"),
                (("sts", "us-gov-west-1", 1, 0),
                 "sts.us-gov-west-1.amazonaws.com"),
                (("s3", "eu-west-1", 1, 1),
                 "s3-fips.dualstack.eu-west-1.amazonaws.com"),
                (("sqs", "us-east-1", 0, 1), "sqs.us-east-1.api.aws")):
            self.assertEqual(self.ours[case], want, case)
        self.assertTrue(self.ours[("s3", "cn-north-1", 1, 0)].startswith(
            "ERROR"))


if __name__ == "__main__":
    sys.exit(runner.main("endpoint"))
