#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Integration tests for issue 2: the built getawslog against moto's S3
behind tests/s3env.py's verifying front (SigV4 recomputed from the wire,
S3's region behaviour).

The binary is $GETAWSLOG (default ./getawslog).  Every run gets a clean
environment (see S3Env.run): HOME a fresh temp dir, no AWS_REGION,
AWS_ENDPOINT_URL = the front, test credentials in the environment unless a
test removes them.  The last line printed is "N passed, N failed"; the exit
status is non-zero when a test failed.
"""

import os
import random
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import Fault, gz, make_trail, s3_order, zlib_wrap  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY"
CREDS = {
    "AKIDTEST": SECRET,
    "AKIDFILE": "file/secret+key=",
    "AKIDPROF": "profile-secret",
    "AKIDBOTO": "boto-secret",
    "ASIATEMP": ("temp-secret", "FQoGZXIvYXdzEPT//////////wEaDH+token=="),
}
DIGEST_RE = re.compile(r".+_CloudTrail-Digest_.+")
ACCESS_DENIED = "AccessDenied: Access Denied"
SIG_MISMATCH = ("SignatureDoesNotMatch: The request signature we calculated "
                "does not match the signature you provided. Check your key "
                "and signing method.")
NO_KEY = ("InvalidAccessKeyId: The AWS Access Key Id you provided does not "
          "exist in our records.")

ENV = None


def write_secret(path, text):
    """A credentials file as the AWS CLI writes it: mode 0600 (getawslog
    warns about one that group or others can read)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials=CREDS)


def basename(key):
    return key.rsplit("/", 1)[-1]


def processed(key):
    b = basename(key)
    return b != "" and not DIGEST_RE.match(b)


def expected_log(docs):
    """The raw-mode log for {key: decompressed document}: every processed
    key in S3's order, document then one newline."""
    return b"".join(docs[k] + b"\n" for k in s3_order(docs) if processed(k))


def debug_stdout(keys):
    out = ["+++ Debug mode on", "+++ Connecting to Amazon S3"]
    for k in s3_order(keys):
        b = basename(k)
        if b == "":
            continue
        if DIGEST_RE.match(b):
            out.append("Skipping digest file: " + b)
        else:
            out.append("+++ Found new log:  " + b)
    return ("\n".join(out) + "\n").encode("utf-8")


class Base(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.env = ENV
        self.env.reset()

    # -- seeding
    def seed(self, bucket, items, region="us-east-1"):
        """items: [(key, stored bytes)].  Returns {key: stored bytes}."""
        self.env.make_bucket(bucket, region)
        self.env.put_many(bucket, items)
        return dict(items)

    def seed_docs(self, bucket, docs, region="us-east-1", wrap=gz):
        """docs: {key: document}; stores wrap(document)."""
        self.seed(bucket, [(k, wrap(d)) for k, d in docs.items()], region)
        return docs

    def trail(self, bucket, region="us-east-1", seed=1, objects=4, **kw):
        items, docs = make_trail(seed=seed, objects=objects, bucket=bucket,
                                 **kw)
        self.seed(bucket, items, region)
        return items, docs

    def logpath(self, name="amazon.log"):
        return os.path.join(self.env.tempdir(), name)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def run_bin(self, args, **kw):
        return self.env.run(args, **kw)

    def show(self, p):
        reqs = "\n".join("  %s %s%s -> %s (%s %s)%s" % (
            r.method, r.path, "?" + r.query if r.query else "", r.status,
            r.access_key, r.region, " fault=" + r.fault if r.fault else "")
            for r in self.env.requests[-30:])
        return ("exit %s\n--- stdout:\n%r\n--- stderr:\n%r\n--- requests "
                "(last 30 of %d):\n%s" % (p.returncode, p.stdout[:3000],
                                          p.stderr[:3000],
                                          len(self.env.requests), reqs))

    def assertRun(self, p, rc, stdout=None, stderr=None):
        self.assertEqual(p.returncode, rc, self.show(p))
        if stdout is not None:
            self.assertEqual(p.stdout, stdout, self.show(p))
        if stderr is not None:
            self.assertEqual(p.stderr, stderr, self.show(p))

    def assertNothingLogged(self, path):
        """A run that failed before any object wrote nothing to the log
        (the script never created it; an empty file is tolerated)."""
        if os.path.exists(path):
            self.assertEqual(self.read(path), b"", "bytes written to the log")

    def assertSilentSuccess(self, p):
        self.assertRun(p, 0, b"", b"")

    def assertLog(self, path, want):
        self.assertTrue(os.path.exists(path), "log %s not written" % path)
        diff = s3env.bytes_difference(self.read(path), want, 40)
        if diff:
            self.fail(diff)

    def assertSameList(self, got, want, msg=""):
        """assertEqual for long lists without difflib's quadratic diff."""
        if got != want:
            i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                     min(len(got), len(want)))
            self.fail("%s: lists differ (%d items, want %d); first difference"
                      " at %d: got %r, want %r" % (msg, len(got), len(want), i,
                                                   got[i:i + 3], want[i:i + 3]))

    def assertAllOk(self):
        bad = [(r.method, r.path, r.query, r.status)
               for r in self.env.requests if not 200 <= r.status < 300]
        self.assertSameList(bad, [], "requests that failed")

    def access_keys(self):
        return sorted({r.access_key for r in self.env.requests})


# ====================================================================
# The front itself: a signing bug in the client must fail the suite.

class FrontTests(Base):
    def client(self, key="AKIDTEST", secret=SECRET, region="us-east-1",
               token=None):
        import boto3
        import botocore.config
        return boto3.client(
            "s3", region_name=region, endpoint_url=self.env.endpoint,
            aws_access_key_id=key, aws_secret_access_key=secret,
            aws_session_token=token,
            config=botocore.config.Config(
                s3={"addressing_style": "path"},
                retries={"total_max_attempts": 1}))

    def raw(self, method, path, headers=None, body=b""):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.env.front_port,
                                       timeout=30)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def signed_raw(self, method, path, region="us-east-1", secret=SECRET,
                   key="AKIDTEST"):
        """A request signed by botocore's S3SigV4Auth, sent raw."""
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        req = botocore.awsrequest.AWSRequest(
            method=method, url=self.env.endpoint + path, data=b"")
        botocore.auth.S3SigV4Auth(
            botocore.credentials.Credentials(key, secret), "s3",
            region).add_auth(req)
        hdrs = {k: v for k, v in req.headers.items()}
        return self.raw(method, path, hdrs)

    def error_code(self, fn):
        from botocore.exceptions import ClientError
        try:
            fn()
        except ClientError as e:
            return e.response["Error"]["Code"]
        return None

    def test_botocore_signed_requests_verify_and_altered_ones_do_not(self):
        n = s3env.selftest(self.env)
        self.assertGreaterEqual(n, 12)

    def test_wrong_secret_is_refused_with_signature_does_not_match(self):
        self.env.make_bucket("front-sig")
        self.env.put("front-sig", "a b+c", b"x")
        ok = self.client().get_object(Bucket="front-sig", Key="a b+c")
        self.assertEqual(ok["Body"].read(), b"x")
        code = self.error_code(lambda: self.client(secret=SECRET + "x")
                               .get_object(Bucket="front-sig", Key="a b+c"))
        self.assertEqual(code, "SignatureDoesNotMatch")
        r, body = self.signed_raw("GET", "/front-sig?list-type=2",
                                  secret="not-the-secret")
        self.assertEqual(r.status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code><Message>The request"
                      b" signature we calculated does not match the signature"
                      b" you provided. Check your key and signing method."
                      b"</Message>", body)

    def test_unknown_key_missing_auth_and_session_tokens(self):
        self.env.make_bucket("front-auth")
        self.assertEqual(self.error_code(lambda: self.client(key="AKIDNONE")
                                         .list_objects_v2(Bucket="front-auth")),
                         "InvalidAccessKeyId")
        r, body = self.raw("GET", "/front-auth?list-type=2")
        self.assertEqual((r.status, b"<Code>AccessDenied</Code>" in body),
                         (403, True))
        tok = CREDS["ASIATEMP"]
        self.assertEqual(self.error_code(
            lambda: self.client("ASIATEMP", tok[0]).list_objects_v2(
                Bucket="front-auth")), "InvalidAccessKeyId")
        self.assertEqual(self.error_code(
            lambda: self.client("ASIATEMP", tok[0], token="wrong")
            .list_objects_v2(Bucket="front-auth")), "InvalidToken")
        self.client("ASIATEMP", tok[0], token=tok[1]).list_objects_v2(
            Bucket="front-auth")

    def test_region_mismatch_answers_like_s3(self):
        self.env.make_bucket("front-eu", "eu-west-1")
        r, body = self.signed_raw("GET", "/front-eu?list-type=2")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.getheader("x-amz-bucket-region"), "eu-west-1")
        self.assertIn(b"<Error><Code>AuthorizationHeaderMalformed</Code>"
                      b"<Message>The authorization header is malformed; the "
                      b"region 'us-east-1' is wrong; expecting 'eu-west-1'"
                      b"</Message><Region>eu-west-1</Region>", body)
        r, body = self.signed_raw("HEAD", "/front-eu")
        self.assertEqual((r.status, body), (400, b""))
        self.assertEqual(r.getheader("x-amz-bucket-region"), "eu-west-1")
        r, body = self.signed_raw("HEAD", "/front-eu", region="eu-west-1")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("x-amz-bucket-region"), "eu-west-1")
        r, body = self.signed_raw("GET", "/front-eu?location")
        self.assertEqual(r.status, 200)
        self.assertIn(b"eu-west-1", body)

    def test_keep_alive_and_request_log(self):
        self.env.make_bucket("front-ka")
        c = self.client()
        for i in range(3):
            c.put_object(Bucket="front-ka", Key="k%d" % i, Body=b"x")
        c.list_objects_v2(Bucket="front-ka")
        self.assertEqual(self.env.connections, 1)
        self.assertEqual([(r.op, r.status) for r in self.env.requests],
                         [("PUT", 200)] * 3 + [("LIST", 200)])

    def test_paging_tokens_and_url_encoding_look_like_s3(self):
        self.env.make_bucket("front-page")
        keys = ["p/%04d a+b" % i for i in range(1005)]
        self.env.put_many("front-page", [(k, b"") for k in keys])
        got = []
        # botocore asks for encoding-type=url itself and decodes the keys
        # with unquote_plus, as S3 needs.
        for page in self.client().get_paginator("list_objects_v2").paginate(
                Bucket="front-page"):
            got += [o["Key"] for o in page.get("Contents", [])]
        self.assertSameList(got, keys)
        lists = [r for r in self.env.requests if r.op == "LIST"]
        self.assertEqual(len(lists), 2)
        self.assertIn("encoding-type=url", lists[0].query)
        self.assertIn("continuation-token=1%2B%2F", lists[1].query)

    def test_faults(self):
        self.env.make_bucket("front-fault")
        # put_many stores no checksum, so botocore will not catch "corrupt"
        self.env.put_many("front-fault", [("a", b"0123456789" * 100)])
        c = self.client()
        self.env.faults.append(Fault("status", op="GET", count=1,
                                     retry_after=2))
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            c.get_object(Bucket="front-fault", Key="a")
        self.assertEqual(cm.exception.response["Error"]["Code"], "SlowDown")
        self.assertEqual(cm.exception.response["ResponseMetadata"]
                         ["HTTPHeaders"].get("retry-after"), "2")
        self.assertEqual(c.get_object(Bucket="front-fault", Key="a")
                         ["Body"].read(), b"0123456789" * 100)
        self.env.faults.append(Fault("status", key="a", status=500,
                                     code="InternalError"))
        self.assertEqual(self.error_code(
            lambda: c.get_object(Bucket="front-fault", Key="a")),
            "InternalError")
        self.env.faults.append(Fault("corrupt", key="a"))
        body = c.get_object(Bucket="front-fault", Key="a")["Body"].read()
        self.assertEqual(len(body), 1000)
        self.assertNotEqual(body, b"0123456789" * 100)
        for kind in ("truncate", "reset"):
            self.env.faults.append(Fault(kind, key="a"))
            with self.assertRaises(Exception):
                c.get_object(Bucket="front-fault", Key="a")["Body"].read()
        self.env.faults.append(Fault("latency", key="a", ms=300))
        t = time.time()
        c.get_object(Bucket="front-fault", Key="a")["Body"].read()
        self.assertGreaterEqual(time.time() - t, 0.3)
        self.assertEqual([r.fault for r in self.env.requests if r.fault],
                         ["status", "status", "corrupt", "truncate", "reset",
                          "latency"])


# ====================================================================
# Options and messages

KEY_SAME = ("AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/30/"
            "123456789012_CloudTrail_us-east-1_20240730T2105Z_same.json.gz")


class OptionTests(Base):
    def test_missing_bucket(self):
        log = self.logpath()
        # An empty name is none, as the script's Python test had it.
        for args in (["-l", log], [], ["-D", "-j"], ["-b", "", "-l", log],
                     ["--bucket=", "-l", log]):
            p = self.run_bin(args)
            self.assertRun(p, 1, b"ERROR: Missing an AWS S3 bucket! (-b flag)\n",
                           b"")
        self.assertFalse(os.path.exists(log))
        self.assertEqual(self.env.requests, [])

    def test_missing_log(self):
        for args in (["-b", "somebucket"], ["-b", "somebucket", "-l", ""]):
            p = self.run_bin(args)
            self.assertRun(p, 1, b"ERROR: Missing a local log file! (-l "
                           b"flag)\n", b"")
        self.assertEqual(self.env.requests, [])

    def test_log_and_state_the_same_file(self):
        # -l X -s X appended log lines into the SQLite file, run after run.
        self.seed("same-file", [(KEY_SAME, gz(b'{"Records":[{"a":1}]}'))])
        d = self.env.tempdir()
        x = os.path.join(d, "x")
        for args in (["-l", x, "-s", x], ["-l", x, "-s",
                                          os.path.join(d, ".", "x")]):
            p = self.run_bin(["-b", "same-file"] + args)
            self.assertRun(p, 1, b"")
            self.assertIn(b"is both the log (-l) and the state file (-s)",
                          p.stderr)
            self.assertEqual(os.path.getsize(x), 0)
        self.assertEqual([r for r in self.env.requests if r.op == "GET"], [])

    def test_unknown_option_is_a_usage_error(self):
        log = self.logpath()
        for bad in ("--no-such-option", "-X"):
            p = self.run_bin([bad, "-b", "somebucket", "-l", log])
            self.assertRun(p, 2, stdout=b"")
            self.assertIn(b"usage", p.stderr.lower(), self.show(p))
        self.assertFalse(os.path.exists(log))
        self.assertEqual(self.env.requests, [])

    def test_help(self):
        for opt in ("-h", "--help"):
            p = self.run_bin([opt])
            self.assertRun(p, 0, stderr=b"")
            self.assertIn(b"usage", p.stdout.lower(), self.show(p))
            for word in (b"--bucket", b"--log", b"--delete", b"--debug"):
                self.assertIn(word, p.stdout, self.show(p))
        self.assertEqual(self.env.requests, [])

    def test_version(self):
        p = self.run_bin(["--version"])
        self.assertRun(p, 0, stderr=b"")
        self.assertTrue(p.stdout.startswith(b"getawslog "), self.show(p))
        self.assertTrue(p.stdout.endswith(b"\n"), self.show(p))

    def test_combined_short_flags(self):
        items, docs = self.trail("opt-combined")
        log = self.logpath()
        p = self.run_bin(["-dDb", "opt-combined", "-l" + log])
        self.assertRun(p, 0, stderr=b"")
        self.assertLog(log, expected_log(docs))
        self.assertEqual(self.env.keys("opt-combined"),
                         s3_order(k for k, _ in items if not processed(k)))
        self.assertRun(p, 0, debug_stdout(dict(items)))

    def test_long_options_equals_and_prefixes(self):
        items, docs = self.trail("opt-long")
        # Prefixes long enough to stay unambiguous if options are added
        # (--lo could be --log or --lock-wait; --de --debug or --delete).
        for n, args in enumerate([
                ["--bucket=opt-long", "--log", "LOG"],
                ["--buck", "opt-long", "--log=LOG"],
                ["--bucke=opt-long", "--log", "LOG", "--debu"]]):
            log = self.logpath()
            p = self.run_bin([a.replace("LOG", log) for a in args])
            self.assertRun(p, 0, stderr=b"")
            self.assertLog(log, expected_log(docs))
            self.assertRun(p, 0, debug_stdout(dict(items)) if n == 2 else b"")
        log = self.logpath()
        p = self.run_bin(["--dele", "--bucket", "opt-long", "--log", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        self.assertEqual(self.env.keys("opt-long"),
                         s3_order(k for k, _ in items if not processed(k)))

    def test_ambiguous_prefixes_and_numbers_as_optparse_had_them(self):
        log = self.logpath()
        for args, err in (
                (["--pro", "x"], b"error: ambiguous option: --pro "
                 b"(--profile, --progress?)\n"),
                (["--pr", "x"], b"error: ambiguous option: --pr (--prefix, "
                 b"--profile, --progress?)\n"),
                (["--de"], b"error: ambiguous option: --de (--debug, "
                 b"--delete?)\n"),
                (["-J", " 5"], b"error: --jobs:  5 is not a number from 1 "
                 b"to 128\n"),
                (["-J", "+5"], b"error: --jobs: +5 is not a number from 1 "
                 b"to 128\n"),
                (["--lookback", "2 "], b"error: --lookback: 2  is not a "
                 b"number from 0 to 3650\n")):
            p = self.run_bin(["-b", "somebucket", "-l", log] + args)
            self.assertRun(p, 2, b"")
            self.assertTrue(p.stderr.endswith(b"getawslog: " + err),
                            self.show(p))
        self.assertEqual(self.env.requests, [])
        self.assertFalse(os.path.exists(log))

    def test_endpoint_url_option_and_s3_variable(self):
        docs = self.seed_docs("opt-endpoint", {"a.json.gz": b'{"Records":[]}'})
        log = self.logpath()
        p = self.run_bin(["-b", "opt-endpoint", "-l", log, "--endpoint-url",
                          self.env.endpoint],
                         extra_env={"AWS_ENDPOINT_URL": None})
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        # AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL
        log = self.logpath()
        p = self.run_bin(["-b", "opt-endpoint", "-l", log], extra_env={
            "AWS_ENDPOINT_URL_S3": self.env.endpoint,
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))


# ====================================================================
# The walk, raw mode

class WalkTests(Base):
    def test_raw_output_is_the_exact_concatenation(self):
        rng = random.Random(7)
        events = s3env.sample_events()
        big = s3env.cloudtrail_document(
            [events[i % len(events)] for i in range(2000)])   # ~3 MB
        noise = rng.getrandbits(8 * 700000).to_bytes(700000, "little")
        docs = {}
        for k, d in [("day1/b.json.gz", s3env.cloudtrail_document(events[:3])),
                     ("day1/a.json.gz", b""),
                     ("day1/c.json.gz", big),
                     ("day2/x.json.gz", b'{"Records":[]}'),
                     ("day2/noise.json.gz", noise),
                     ("day2/y.json.gz", b"no newline at end"),
                     ("day2/z.json.gz", b"ends in newline\n\n"),
                     ("day0/utf8.json.gz",
                      '{"Records":[{"userName":"Jos\u00e9 \U0001F600"}]}'
                      .encode())]:
            docs[k] = d
        self.assertGreater(len(big), 2500000)
        self.seed_docs("walk-raw", docs)
        log = self.logpath()
        p = self.run_bin(["-b", "walk-raw", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        self.assertEqual(os.listdir(p.cwd), [], "files left in the cwd")
        self.assertEqual(self.env.keys("walk-raw"), s3_order(docs))
        self.assertAllOk()

    def test_real_cloudtrail_object(self):
        name = [n for n in os.listdir(s3env.DATA) if n.endswith(".json.gz")][0]
        with open(os.path.join(s3env.DATA, name), "rb") as f:
            body = f.read()
        import gzip
        key = "AWSLogs/111111111111/CloudTrail/eu-central-1/2017/12/11/" + \
            name.split("-", 1)[1]
        self.seed("walk-real", [(key, body)])
        log = self.logpath()
        p = self.run_bin(["-b", "walk-real", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, gzip.decompress(body) + b"\n")

    def test_shared_corpus_trail(self):
        """Extra coverage when $SHARED has the project's corpus: every event
        in a trail of gzipped objects, and the real log files."""
        shared = os.environ.get("SHARED", "")
        events_dir = os.path.join(shared, "corpus", "events")
        if not shared or not os.path.isdir(events_dir):
            self.skipTest("no $SHARED corpus")
        events = s3env.sample_events(shared)
        self.assertGreater(len(events), 100)
        items, docs = make_trail(seed=11, objects=len(events) // 6,
                                 per_object=(1, 12), events=events,
                                 bucket="walk-shared")
        logs = os.path.join(shared, "corpus", "logfiles")
        import gzip
        for name in sorted(os.listdir(logs)):
            with open(os.path.join(logs, name), "rb") as f:
                body = f.read()
            key = "AWSLogs/real/" + name
            items.append((key, body))
            docs[key] = gzip.decompress(body)
        self.seed("walk-shared", items)
        log = self.logpath()
        p = self.run_bin(["-b", "walk-shared", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))

    def test_appends_to_existing_log_and_walks_again_without_delete(self):
        items, docs = self.trail("walk-append")
        log = self.logpath()
        with open(log, "wb") as f:
            f.write(b"an older line\n")
        for _ in range(2):
            self.assertSilentSuccess(self.run_bin(["-b", "walk-append",
                                                   "-l", log]))
        self.assertLog(log, b"an older line\n" + expected_log(docs) * 2)

    def test_empty_bucket(self):
        self.env.make_bucket("walk-empty")
        log = self.logpath()
        p = self.run_bin(["-b", "walk-empty", "-l", log])
        self.assertSilentSuccess(p)
        if os.path.exists(log):
            self.assertEqual(self.read(log), b"")

    def test_paging_over_1000_keys(self):
        docs = {"AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/%02d/"
                "f%05d.json.gz" % (i % 28 + 1, i): b"%d" % i
                for i in range(1234)}
        self.seed_docs("walk-paging", docs)
        log = self.logpath()
        p = self.run_bin(["-b", "walk-paging", "-l", log], timeout=120)
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        self.assertGreaterEqual(self.env.count("LIST"), 2)
        self.assertEqual(self.env.count("GET"), len(docs))
        self.assertAllOk()

    def test_digest_and_folder_keys_skipped(self):
        items, docs = self.trail("walk-skip", objects=3)
        keys = [k for k, _ in items]
        self.assertTrue(any(k.endswith("/") for k in keys))
        self.assertTrue(any("CloudTrail-Digest" in k for k in keys))
        log = self.logpath()
        p = self.run_bin(["-d", "-b", "walk-skip", "-l", log])
        self.assertRun(p, 0, stderr=b"")
        self.assertLog(log, expected_log(docs))
        got = sorted(r.key for r in self.env.requests if r.op == "GET")
        self.assertEqual(got, sorted(docs))
        self.assertRun(p, 0, debug_stdout(keys))

    def test_digest_regex_edges(self):
        # Only the basename counts, and the regex needs a character on
        # each side of _CloudTrail-Digest_.
        docs = {"x_CloudTrail-Digest_y/plain.json.gz": b"1",
                "d/_CloudTrail-Digest_x.json.gz": b"2",
                "d/a_CloudTrail-Digest_": b"3",
                "d/a_CloudTrail-Digest_b": b"4",
                "d/a_CloudTrail_Digest_b.json.gz": b"5",
                "d/ab/": b""}
        self.seed_docs("walk-regex", docs)
        log = self.logpath()
        p = self.run_bin(["-b", "walk-regex", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, b"2\n3\n5\n1\n")

    def test_delete_removes_exactly_the_processed_keys(self):
        items, docs = self.trail("walk-delete", objects=5)
        log = self.logpath()
        p = self.run_bin(["-D", "-b", "walk-delete", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        left = s3_order(k for k, _ in items if not processed(k))
        self.assertEqual(self.env.keys("walk-delete"), left)
        deletes = [r.key for r in self.env.requests if r.op == "DELETE"]
        self.assertEqual(sorted(deletes), sorted(docs))
        order = [(r.op, r.key) for r in self.env.requests]
        for k in docs:
            self.assertLess(order.index(("GET", k)),
                            order.index(("DELETE", k)), k)
        self.assertAllOk()
        # A second run finds nothing new.
        p = self.run_bin(["-D", "-b", "walk-delete", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))

    SPECIAL = ["AWSLogs/with space/a b.json.gz",
               "plus+sign.json.gz",
               "percent%41%25%.json.gz",
               "eq=amp&and.json.gz",
               "tilde~dash-dot._.json.gz",
               "caf\u00e9/\u65e5\u672c\u8a9e.json.gz",
               "astral/\U0001F600\U00010348.json.gz",
               "mix +%=&~ \u00e9\U0001F600/x y.json.gz",
               "punct;,:'()*!$@.json.gz",
               "query?hash#bracket[]{}.json.gz",
               "quote\"lt<gt>amp&.json.gz",
               "backslash\\caret^pipe|`.json.gz",
               "trailing space .json.gz"]

    def test_special_keys_round_trip(self):
        docs = {k: ('{"key":"%s"}' % k).encode("utf-8") for k in self.SPECIAL}
        self.seed_docs("walk-special", docs)
        log = self.logpath()
        p = self.run_bin(["-D", "-b", "walk-special", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        self.assertEqual(self.env.keys("walk-special"), [])
        self.assertAllOk()

    def test_keys_with_dot_segments_are_not_normalised(self):
        docs = {"dots/a/../b.json.gz": b"1", "dots/a/./b.json.gz": b"2",
                "dots//double.json.gz": b"3", "dots/b.json.gz": b"4",
                "dots/a/b.json.gz": b"5", "dots/double.json.gz": b"6",
                "/leading.json.gz": b"7", "dots/../../up.json.gz": b"8"}
        self.seed_docs("walk-dots", docs)
        log = self.logpath()
        p = self.run_bin(["-D", "-b", "walk-dots", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        self.assertEqual(self.env.keys("walk-dots"), [])

    def test_zlib_wrapped_object_accepted(self):
        docs = {"z/zlib.json.gz": b'{"Records":[{"a":1}]}'}
        self.seed_docs("walk-zlib", docs, wrap=zlib_wrap)
        log = self.logpath()
        p = self.run_bin(["-D", "-b", "walk-zlib", "-l", log])
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        self.assertEqual(self.env.keys("walk-zlib"), [])

    def test_corrupt_object_left_alone_and_walk_goes_on(self):
        good = {"a/1.json.gz": b'{"Records":[1]}',
                "c/3.json.gz": b'{"Records":[3]}'}
        items = [(k, gz(d)) for k, d in good.items()]
        items.append(("b/not-gzip.json.gz", b"this is not gzip at all"))
        self.seed("walk-corrupt", items)
        log = self.logpath()
        p = self.run_bin(["-D", "-b", "walk-corrupt", "-l", log])
        self.assertRun(p, 4, stdout=b"")
        self.assertIn(b"b/not-gzip.json.gz", p.stderr, self.show(p))
        self.assertLog(log, expected_log(good))
        self.assertEqual(self.env.keys("walk-corrupt"), ["b/not-gzip.json.gz"])

    def test_truncated_or_bad_crc_gzip_writes_nothing(self):
        doc = b'{"Records":[' + b'{"n":"' + b"x" * 5000 + b'"}]}'
        bad_crc = bytearray(gz(doc))
        bad_crc[-8] ^= 0xFF
        items = [("a/good.json.gz", gz(b"good")),
                 ("b/truncated.json.gz", gz(doc)[:-20]),
                 ("c/badcrc.json.gz", bytes(bad_crc)),
                 ("d/good.json.gz", gz(b"good too"))]
        self.seed("walk-trunc", items)
        log = self.logpath()
        p = self.run_bin(["-D", "-b", "walk-trunc", "-l", log])
        self.assertRun(p, 4, stdout=b"")
        self.assertIn(b"b/truncated.json.gz", p.stderr, self.show(p))
        self.assertIn(b"c/badcrc.json.gz", p.stderr, self.show(p))
        self.assertLog(log, b"good\ngood too\n")
        self.assertEqual(self.env.keys("walk-trunc"),
                         ["b/truncated.json.gz", "c/badcrc.json.gz"])

    def test_log_is_a_directory(self):
        self.seed_docs("walk-logdir", {"a.json.gz": b"x"})
        d = self.env.tempdir()
        p = self.run_bin(["-D", "-b", "walk-logdir", "-l", d])
        self.assertEqual(p.returncode, 1, self.show(p))
        line = ("ERROR: Cannot open %s (Is a directory)\n" % d).encode()
        self.assertIn(line, p.stdout + p.stderr, self.show(p))
        self.assertEqual(self.env.keys("walk-logdir"), ["a.json.gz"])

    def test_log_in_missing_directory(self):
        self.seed_docs("walk-lognodir", {"a.json.gz": b"x"})
        path = os.path.join(self.env.tempdir(), "no", "such", "amazon.log")
        p = self.run_bin(["-D", "-b", "walk-lognodir", "-l", path])
        self.assertEqual(p.returncode, 1, self.show(p))
        line = ("ERROR: Cannot open %s (No such file or directory)\n"
                % path).encode()
        self.assertIn(line, p.stdout + p.stderr, self.show(p))
        self.assertEqual(self.env.keys("walk-lognodir"), ["a.json.gz"])


# ====================================================================
# Bucket errors

class BucketErrorTests(Base):
    def check(self, bucket, detail, extra_env=None, rc=3, args=()):
        log = self.logpath()
        p = self.run_bin(["-b", bucket, "-l", log] + list(args),
                         extra_env=extra_env)
        self.assertRun(p, rc, ("Bucket %s access error: %s\n"
                               % (bucket, detail)).encode())
        self.assertNothingLogged(log)
        return p

    def test_missing_bucket(self):
        self.check("nosuch", "NoSuchBucket: The specified bucket does not "
                   "exist")

    def test_missing_bucket_debug(self):
        log = self.logpath()
        p = self.run_bin(["-d", "-b", "nosuch", "-l", log])
        self.assertRun(p, 3, b"+++ Debug mode on\n+++ Connecting to Amazon S3\n"
                       b"Bucket nosuch access error: NoSuchBucket: The "
                       b"specified bucket does not exist\n")

    def test_wrong_secret(self):
        self.trail("err-secret")
        before = self.env.keys("err-secret")
        self.check("err-secret", SIG_MISMATCH,
                   {"AWS_SECRET_ACCESS_KEY": SECRET[:-1] + "Z"}, args=["-D"])
        self.assertEqual(self.env.keys("err-secret"), before)

    def test_unknown_access_key(self):
        self.trail("err-akid")
        self.check("err-akid", NO_KEY, {"AWS_ACCESS_KEY_ID": "AKIDUNKNOWN"})

    def test_forbidden_bucket(self):
        self.trail("err-forbidden")
        self.env.faults.append(Fault("status", status=403, code="AccessDenied",
                                     count=None))
        self.check("err-forbidden", ACCESS_DENIED)

    def test_session_token_missing(self):
        self.trail("err-token")
        self.check("err-token", NO_KEY, {
            "AWS_ACCESS_KEY_ID": "ASIATEMP",
            "AWS_SECRET_ACCESS_KEY": CREDS["ASIATEMP"][0]})


# ====================================================================
# Credentials

class CredentialTests(Base):
    def run_ok(self, bucket, extra_env=None, home=None, args=(), key=None):
        items, docs = self.trail(bucket, objects=2)
        log = self.logpath()
        p = self.run_bin(["-b", bucket, "-l", log] + list(args),
                         extra_env=extra_env, home=home)
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        if key:
            self.assertEqual(self.access_keys(), [key])
        self.assertAllOk()

    NOENV = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}

    def home_with(self, files):
        home = self.env.tempdir()
        for rel, text in files.items():
            path = os.path.join(home, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write_secret(path, text)
        return home

    def test_environment(self):
        self.run_ok("cred-env", key="AKIDTEST")

    def test_session_token_from_environment(self):
        tok = CREDS["ASIATEMP"]
        for var in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            self.env.reset()
            self.run_ok("cred-token", {"AWS_ACCESS_KEY_ID": "ASIATEMP",
                                       "AWS_SECRET_ACCESS_KEY": tok[0],
                                       var: tok[1]}, key="ASIATEMP")

    def test_dd_never_prints_secrets(self):
        # -dd shows canonical requests; the token header's value and the
        # secret must not be in them, nor anything else printed.
        secret, token = CREDS["ASIATEMP"]
        self.trail("cred-dd", objects=2)
        for extra in ([], ["-j"], ["--max-attempts", "1"]):
            p = self.run_bin(["-b", "cred-dd", "-l", self.logpath(), "-dd"]
                             + extra,
                             extra_env={"AWS_ACCESS_KEY_ID": "ASIATEMP",
                                        "AWS_SECRET_ACCESS_KEY": secret,
                                        "AWS_SESSION_TOKEN": token})
            self.assertEqual(p.returncode, 0, self.show(p))
            self.assertIn(b"canonical request", p.stderr)
            out = p.stdout + p.stderr
            for s in (secret, token, token[:20]):
                self.assertNotIn(s.encode(), out)

    def test_shared_credentials_file_default(self):
        home = self.home_with({".aws/credentials":
                               "[default]\naws_access_key_id = AKIDFILE\n"
                               "aws_secret_access_key = %s\n"
                               % CREDS["AKIDFILE"]})
        self.run_ok("cred-file", self.NOENV, home, key="AKIDFILE")

    def test_shared_credentials_file_variable(self):
        d = self.env.tempdir()
        path = os.path.join(d, "creds")
        write_secret(path, "[default]\naws_access_key_id=AKIDFILE\n"
                     "aws_secret_access_key=%s\n" % CREDS["AKIDFILE"])
        env = dict(self.NOENV, AWS_SHARED_CREDENTIALS_FILE=path)
        self.run_ok("cred-filevar", env, key="AKIDFILE")

    def test_profile_option_and_variable(self):
        text = ("[default]\naws_access_key_id = AKIDFILE\n"
                "aws_secret_access_key = %s\n\n"
                "[prod]\naws_access_key_id = AKIDPROF\n"
                "aws_secret_access_key = %s\n"
                % (CREDS["AKIDFILE"], CREDS["AKIDPROF"]))
        home = self.home_with({".aws/credentials": text})
        self.run_ok("cred-prof", self.NOENV, home, ["--profile", "prod"],
                    key="AKIDPROF")
        self.env.reset()
        self.run_ok("cred-prof", dict(self.NOENV, AWS_PROFILE="prod"), home,
                    key="AKIDPROF")

    def test_session_token_from_file(self):
        tok = CREDS["ASIATEMP"]
        home = self.home_with({".aws/credentials":
                               "[default]\naws_access_key_id = ASIATEMP\n"
                               "aws_secret_access_key = %s\n"
                               "aws_session_token = %s\n" % tok})
        self.run_ok("cred-filetok", self.NOENV, home, key="ASIATEMP")

    def test_boto_config_variable(self):
        d = self.env.tempdir()
        path = os.path.join(d, "boto.cfg")
        write_secret(path, "[Credentials]\naws_access_key_id = AKIDBOTO\n"
                     "aws_secret_access_key = %s\n" % CREDS["AKIDBOTO"])
        self.run_ok("cred-boto", dict(self.NOENV, BOTO_CONFIG=path),
                    key="AKIDBOTO")

    def test_boto_config_in_home(self):
        home = self.home_with({".boto": "[Boto]\ndebug = 0\n\n[Credentials]\n"
                               "aws_access_key_id = AKIDBOTO\n"
                               "aws_secret_access_key = %s\n"
                               % CREDS["AKIDBOTO"]})
        self.run_ok("cred-botohome", dict(self.NOENV, BOTO_CONFIG=None), home,
                    key="AKIDBOTO")

    def test_precedence(self):
        home = self.home_with({
            ".aws/credentials": "[default]\naws_access_key_id = AKIDFILE\n"
                                "aws_secret_access_key = %s\n"
                                % CREDS["AKIDFILE"],
            ".boto": "[Credentials]\naws_access_key_id = AKIDBOTO\n"
                     "aws_secret_access_key = %s\n" % CREDS["AKIDBOTO"]})
        # the environment beats the shared file
        self.run_ok("cred-prec", {"BOTO_CONFIG": None}, home, key="AKIDTEST")
        # the shared file beats the boto config
        self.env.reset()
        self.run_ok("cred-prec", dict(self.NOENV, BOTO_CONFIG=None), home,
                    key="AKIDFILE")

    def test_no_credentials(self):
        self.trail("cred-none")
        log = self.logpath()
        p = self.run_bin(["-b", "cred-none", "-l", log], extra_env=self.NOENV)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"credentials", p.stderr.lower(), self.show(p))
        self.assertNothingLogged(log)

    def test_missing_profile(self):
        self.trail("cred-noprof")
        home = self.home_with({".aws/credentials":
                               "[default]\naws_access_key_id = AKIDFILE\n"
                               "aws_secret_access_key = %s\n"
                               % CREDS["AKIDFILE"]})
        log = self.logpath()
        p = self.run_bin(["-b", "cred-noprof", "-l", log, "--profile",
                          "nosuchprofile"], extra_env=self.NOENV, home=home)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"nosuchprofile", p.stderr, self.show(p))
        self.assertNothingLogged(log)


# ====================================================================
# Regions

class RegionTests(Base):
    def run_eu(self, bucket, args=(), extra_env=None, home=None,
               max_redirects=0, delete=False):
        items, docs = self.trail(bucket, region="eu-west-1", objects=3)
        log = self.logpath()
        p = self.run_bin(["-b", bucket, "-l", log] + (["-D"] if delete else [])
                         + list(args), extra_env=extra_env, home=home)
        self.assertSilentSuccess(p)
        self.assertLog(log, expected_log(docs))
        wrong = [r for r in self.env.requests if r.status == 400]
        self.assertLessEqual(len(wrong), max_redirects,
                             [(r.method, r.path, r.query) for r in wrong])
        ok = [r for r in self.env.requests if 200 <= r.status < 300]
        self.assertTrue(ok and all(r.region == "eu-west-1" for r in ok
                                   if r.op != "LOCATION"))
        self.assertEqual(len(ok) + len(wrong), len(self.env.requests))
        if delete:
            self.assertEqual(self.env.keys(bucket), s3_order(
                k for k, _ in items if not processed(k)))

    def test_region_discovered(self):
        self.run_eu("region-discover", max_redirects=1, delete=True)

    def test_region_option(self):
        self.run_eu("region-option", ["--region", "eu-west-1"], delete=True)

    def test_region_option_beats_environment(self):
        self.run_eu("region-option2", ["--region=eu-west-1"],
                    {"AWS_REGION": "ap-south-1",
                     "AWS_DEFAULT_REGION": "ap-south-1"})

    def test_region_environment(self):
        self.run_eu("region-env", extra_env={"AWS_REGION": "eu-west-1"})
        self.env.reset()
        self.run_eu("region-env", extra_env={"AWS_DEFAULT_REGION":
                                             "eu-west-1"})
        self.env.reset()
        self.run_eu("region-env", extra_env={"AWS_REGION": "eu-west-1",
                                             "AWS_DEFAULT_REGION":
                                             "ap-south-1"})

    def test_region_from_config_default(self):
        home = self.env.tempdir()
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[default]\nregion = eu-west-1\noutput = json\n")
        self.run_eu("region-config", home=home)

    def test_region_from_config_file_variable(self):
        d = self.env.tempdir()
        path = os.path.join(d, "awsconfig")
        with open(path, "w") as f:
            f.write("[default]\nregion=eu-west-1\n")
        self.run_eu("region-configvar", extra_env={"AWS_CONFIG_FILE": path})

    def test_region_from_config_profile(self):
        home = self.env.tempdir()
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[default]\nregion = ap-south-1\n\n"
                    "[profile prod]\nregion = eu-west-1\n")
        write_secret(os.path.join(home, ".aws", "credentials"),
                     "[prod]\naws_access_key_id = AKIDPROF\n"
                     "aws_secret_access_key = %s\n" % CREDS["AKIDPROF"])
        self.run_eu("region-profile", ["--profile", "prod"],
                    {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
                    home)
        self.assertEqual(self.access_keys(), ["AKIDPROF"])


if __name__ == "__main__":
    sys.exit(runner.main("integration"))
