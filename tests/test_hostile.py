#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Tests for issue 7 (hostile input and secrets): the built getawslog
against moto's S3 behind tests/s3env.py's verifying front.

Covered: limits with clear errors (a real gzip bomb and
--max-inflated-size, JSON nesting depth, the XML response size, a listing
that repeats its continuation token, a Content-Length far beyond the
listed size); no secret key, session token or signature in any output;
the warning for a credentials file that group or others can read; file
modes (state 0600, log 0640), the log's open flags, symlinks owned by
another user, object keys never reaching the filesystem; TLS (a
self-signed endpoint fails, AWS_CA_BUNDLE makes it work, host names are
checked, https unless an http:// endpoint is named; an endpoint offering
HTTP/2, through nginx, gets every request multiplexed on one connection,
issue 5); log injection (one
line per record, each starting as a record of its format).

The binary is $GETAWSLOG (default ./getawslog).  The last line printed is
"N passed, N failed"; the exit status is non-zero when a test failed.
"""

import gzip
import json
import os
import shutil
import socket
import socketserver
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import test_integration as ti  # noqa: E402
from s3env import Fault, RecordingProxy, gz  # noqa: E402

CREDS = ti.CREDS
SECRET = ti.SECRET


def setUpModule():
    ti.setUpModule()


def doc(*records):
    return json.dumps({"Records": list(records)}).encode("utf-8")


def event(i, **kw):
    e = {"eventVersion": "1.08", "eventTime": "2024-07-30T21:05:00Z",
         "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
         "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.%d" % i,
         "userAgent": "test", "eventID": "id-%d" % i,
         "userIdentity": {"type": "IAMUser", "userName": "u%d" % i}}
    e.update(kw)
    return e


KEY = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/30/" \
      "123456789012_CloudTrail_us-east-1_20240730T2105Z_%s.json.gz"


class Base(ti.Base):
    def one(self, bucket, body, name="abc"):
        self.seed(bucket, [(KEY % name, body)])
        return KEY % name

    def files_under(self, *dirs):
        out = []
        for d in dirs:
            for root, subdirs, files in os.walk(d):
                out += [os.path.join(root, f) for f in files + subdirs]
        return sorted(out)


# ====================================================================
# Limits

def gzip_members(total, member=16 << 20):
    """A real gzip bomb: `total` bytes of zeros as gzip members of
    `member` bytes each (what zcat and zlib read as one stream of zeros),
    about a thousandth of the size."""
    one = gzip.compress(b"\0" * member, compresslevel=9, mtime=0)
    n, rest = divmod(total, member)
    out = one * n
    if rest:
        out += gzip.compress(b"\0" * rest, compresslevel=9, mtime=0)
    return out


def rusage_launcher(env):
    """bench/rusage.c, built into a temporary directory: a child's own
    peak RSS from wait4 (forked from this Python, the child's would
    include ours)."""
    exe = os.path.join(env.tempdir(), "rusage")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       os.pardir, "bench", "rusage.c")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", exe, src],
                   check=True)
    return exe


class LimitTests(Base):
    def test_gzip_bomb_raw(self):
        bomb = gzip_members(1 << 30)
        self.assertLess(len(bomb), 2 << 20)
        key = self.one("lim-bomb", bomb)
        log = self.logpath()
        t = time.time()
        p = self.run_bin(["-b", "lim-bomb", "-l", log,
                          "--max-inflated-size", "64M"])
        self.assertRun(p, 4)
        self.assertIn(("getawslog: %s: decompresses to more than 67108864 "
                       "bytes" % key).encode(), p.stderr, self.show(p))
        self.assertLess(time.time() - t, 30)
        self.assertNothingLogged(log)
        self.assertEqual(self.env.keys("lim-bomb"), [key])

    def test_gzip_bomb_single_stream_json(self):
        # One deflate stream of 256 MiB (about 250 KiB). -j reads it as it
        # inflates: zeros are no JSON, a fault at byte 0 at once; after
        # '{"Records":[' spaces are JSON, and the limit stops them.
        for name, head, fill in (("zeros", b"", b"\0"),
                                 ("spaces", b'{"Records":[', b" ")):
            c = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = fill * (16 << 20)
            bomb = c.compress(head) + b"".join(
                c.compress(chunk) for _ in range(16)) + c.flush()
            bucket = "lim-bomb2-" + name
            key = self.one(bucket, bomb)
            log = self.logpath()
            t = time.time()
            p = self.run_bin(["-b", bucket, "-l", log, "-j",
                              "--max-inflated-size=1048576", "-D"])
            self.assertRun(p, 4)
            self.assertIn(("getawslog: %s: %s" % (key, {
                "zeros": "invalid JSON at byte 0",
                "spaces": "decompresses to more than 1048576 bytes"}[name])
                ).encode(), p.stderr, self.show(p))
            self.assertLess(time.time() - t, 20)
            self.assertNothingLogged(log)
            self.assertEqual(self.env.keys(bucket), [key])

    def test_record_bomb_json(self):
        # Issue 12: '{"Records":[{"a":"' and 256 MiB of 'A' (about 250 KiB
        # of gzip) between two good objects. The record ceiling stops it
        # at 16 MiB, in bounded memory; the others are written.
        good = [doc(event(1), event(2)), doc(event(3))]
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        bomb = c.compress(b'{"Records":[{"a":"') + b"".join(
            c.compress(b"A" * (16 << 20)) for _ in range(16)) + c.flush()
        self.assertLess(len(bomb), 1 << 20)
        keys = [KEY % n for n in ("a", "b", "c")]
        self.seed("lim-rbomb", [(keys[0], gz(good[0])), (keys[1], bomb),
                                (keys[2], gz(good[1]))])
        log = self.logpath()
        ru = os.path.join(self.env.tempdir(), "rusage.out")
        t = time.time()
        p = self.run_bin(["-b", "lim-rbomb", "-l", log, "-j", "-D"],
                         wrap=[rusage_launcher(self.env), ru])
        wall = time.time() - t
        self.assertRun(p, 4)
        self.assertIn(("getawslog: %s: record at byte 12 is larger than "
                       "16777216 bytes\n" % keys[1]).encode(), p.stderr,
                      self.show(p))
        self.assertEqual(self.read(log).count(b"\n"), 3)
        for i in (1, 2, 3):
            self.assertIn(b"192.0.2.%d" % i, self.read(log))
        self.assertEqual(self.env.keys("lim-rbomb"), [keys[1]])
        if "valgrind" in os.environ.get("GETAWSLOG", ""):
            return  # memcheck's own time and memory
        self.assertLess(wall, 20)
        with open(self.env.binary, "rb") as f:
            if b"__asan_init" in f.read():
                return  # ASan's shadow memory and quarantine
        with open(ru) as f:
            rss_mib = int(f.read().split()[3]) / 1024.0
        # The record's copy is 16 MiB; the document is never whole.
        self.assertLess(rss_mib, 96, "peak RSS %.1f MiB" % rss_mib)

    def test_limit_allows_what_fits(self):
        d = doc(event(1), event(2))
        self.one("lim-fits", gz(d))
        log = self.logpath()
        p = self.run_bin(["-b", "lim-fits", "-l", log, "--max-inflated-size",
                          str(len(d))])
        self.assertSilentSuccess(p)
        self.assertLog(log, d + b"\n")
        p = self.run_bin(["-b", "lim-fits", "-l", self.logpath("b"),
                          "--max-inflated-size", str(len(d) - 1)])
        self.assertRun(p, 4)

    def test_bad_size_option(self):
        for bad in ("0", "-1", "12X", "", "2000G", "99999999999999999999"):
            p = self.run_bin(["-b", "x", "-l", self.logpath(),
                              "--max-inflated-size", bad])
            self.assertRun(p, 2)
            self.assertIn(b"--max-inflated-size", p.stderr)
        self.assertEqual(self.env.count(), 0)

    def test_json_depth(self):
        # 1000 levels, as Python's json reads (pyjson.h's PJ_MAX_DEPTH):
        # "a"'s 998 arrays make the document 1001 deep, 997 make it 1000.
        deep = b'{"Records":[{"eventName":"x","a":' + b"[" * 998 + \
            b"]" * 998 + b"}]}"
        abyss = b'{"Records":[' + b"[" * 1000000 + b"]" * 1000000 + b"]}"
        ok = b'{"Records":[{"eventName":"x","a":' + b"[" * 997 + \
            b"]" * 997 + b"}]}"
        self.env.make_bucket("lim-depth")
        self.env.put("lim-depth", KEY % "a", gz(deep))
        self.env.put("lim-depth", KEY % "b", gz(abyss))
        self.env.put("lim-depth", KEY % "c", gz(ok))
        log = self.logpath()
        p = self.run_bin(["-b", "lim-depth", "-l", log, "-j"])
        self.assertRun(p, 4)
        err = p.stderr.decode()
        for k in ("a", "b"):
            self.assertRegex(err, r"getawslog: %s: .*nest" % (KEY % k))
        self.assertEqual(self.read(log).count(b"\n"), 1)

    def test_xml_response_size(self):
        # A listing of 33 MiB: refused from its Content-Length, not read.
        self.trail("lim-xml", objects=1)
        self.env.faults.append(Fault("pad", op="LIST", count=None,
                                     length=33 << 20))
        log = self.logpath()
        t = time.time()
        p = self.run_bin(["-b", "lim-xml", "-l", log])
        self.assertRun(p, 3)
        self.assertIn(b"Bucket lim-xml access error: response larger than "
                      b"33554432 bytes", p.stdout, self.show(p))
        self.assertLess(time.time() - t, 20)
        self.assertNothingLogged(log)

    def test_repeated_continuation_token(self):
        items, docs = self.trail("lim-loop", objects=3)
        self.env.faults.append(Fault("loop", op="LIST", count=None))
        log = self.logpath()
        for args in ([], ["-s", os.path.join(self.env.tempdir(), "st")]):
            self.env.reset()
            self.trail("lim-loop", objects=3)
            self.env.faults.append(Fault("loop", op="LIST", count=None))
            log = self.logpath()
            p = self.run_bin(["-b", "lim-loop", "-l", log] + args,
                             timeout=60)
            self.assertRun(p, 4)
            self.assertIn(b"continuation token it had sent before",
                          p.stderr, self.show(p))
            self.assertLessEqual(self.env.count(op="LIST"), 12)
            # The first page was good and is written once; the repeat is
            # not trusted.
            self.assertLog(log, ti.expected_log(docs))

    def test_content_length_beyond_listing(self):
        key = self.one("lim-len", gz(doc(event(1))))
        self.env.faults.append(Fault("length", op="GET", count=None,
                                     length=10 << 30, ms=30000))
        log = self.logpath()
        t = time.time()
        p = self.run_bin(["-b", "lim-len", "-l", log, "--max-attempts", "2"])
        took = time.time() - t
        self.assertRun(p, 5)
        self.assertIn(("getawslog: %s: cannot download: Content-Length "
                       "10737418240, the listing said" % key).encode(),
                      p.stderr, self.show(p))
        # Refused from the header: no waiting for 10 GiB or the time-out.
        self.assertLess(took, 15)
        self.assertEqual(self.env.count(op="GET"), 2)
        self.assertNothingLogged(log)


# ====================================================================
# Secrets

class SecretTests(Base):
    WRONG = "wrong-secret-Zq9/VbN+wrongwrongwrong"
    BADTOKEN = "IQoJb3JpZ2luX2VjEBadTokenXYZ+/=="

    def test_no_secret_in_any_output(self):
        items, docs = self.trail("sec-all", objects=3)
        self.env.put("sec-all", KEY % "bad", b"not gzip")
        tok = CREDS["ASIATEMP"]
        home = self.env.tempdir()
        os.makedirs(os.path.join(home, ".aws"))
        ti.write_secret(os.path.join(home, ".aws", "credentials"),
                        "[default]\naws_access_key_id = ASIATEMP\n"
                        "aws_secret_access_key = %s\n"
                        "aws_session_token = %s\n" % tok)
        temp = {"AWS_ACCESS_KEY_ID": "ASIATEMP",
                "AWS_SECRET_ACCESS_KEY": tok[0], "AWS_SESSION_TOKEN": tok[1]}
        nocreds = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
        modes = [
            ([], {}, None),
            (["-d"], {}, None),
            (["-dd"], {}, None),
            (["-dd", "-j", "--format", "json"], {}, None),
            (["-dd", "-J", "1"], {}, Fault("status", op="GET", count=2,
                                           status=500,
                                           code="InternalError")),
            (["-dd"], {"AWS_SECRET_ACCESS_KEY": self.WRONG}, None),
            (["-d"], {"AWS_SECRET_ACCESS_KEY": self.WRONG}, None),
            (["-dd"], temp, None),
            (["-dd"], dict(temp, AWS_SESSION_TOKEN=self.BADTOKEN), None),
            (["-dd", "-j"], nocreds, None),
            (["-dd", "-D"], {}, Fault("status", method="DELETE", count=None,
                                      status=403, code="AccessDenied")),
        ]
        secrets = {SECRET.encode(), tok[0].encode(), tok[1].encode(),
                   self.WRONG.encode(), self.BADTOKEN.encode()}
        seen = 0
        for args, extra, fault in modes:
            self.env.reset()
            self.trail("sec-all", objects=3)
            self.env.put("sec-all", KEY % "bad", b"not gzip")
            if fault:
                self.env.faults.append(fault)
            d = self.env.tempdir()
            log = os.path.join(d, "amazon.log")
            state = os.path.join(d, "state.db")
            p = self.run_bin(["-b", "sec-all", "-l", log, "-s", state] + args,
                             extra_env=extra, home=home)
            self.assertIn(p.returncode, (3, 4, 5), self.show(p))
            sigs = {r.signature.encode() for r in self.env.requests
                    if r.signature}
            self.assertTrue(sigs, "the front saw no signature")
            seen += len(sigs)
            outputs = {"stdout": p.stdout, "stderr": p.stderr}
            for name in (log, state, state + "-journal"):
                if os.path.exists(name):
                    outputs[os.path.basename(name)] = self.read(name)
            for what, data in outputs.items():
                for s in secrets | sigs:
                    self.assertNotIn(s, data, "%r in %s with %s %r" % (
                        s, what, args, extra))
                # Not even the signature's start or the token's tail.
                for s in sigs:
                    self.assertNotIn(s[:16], data, "%s with %s" % (what,
                                                                   args))
        self.assertGreater(seen, 30)

    def test_credential_process_output_never_shown(self):
        """credential_process (issue 6): neither its keys nor its output,
        good or bad, appear in any output, with -d or -dd."""
        self.trail("sec-proc", objects=2)
        tok = CREDS["ASIATEMP"]
        good = json.dumps({"Version": 1, "AccessKeyId": "ASIATEMP",
                           "SecretAccessKey": tok[0], "SessionToken": tok[1]})
        leaky = "PROC-SECRET-" + "q7Zx" * 8
        bad = ['{"Version": 1, "AccessKeyId": "ASIATEMP", '
               '"SecretAccessKey": "%s"' % leaky,          # cut short
               json.dumps({"Version": 2, "SecretAccessKey": leaky}),
               json.dumps({"Version": 1, "AccessKeyId": "ASIATEMP",
                           "SecretAccessKey": leaky,
                           "Expiration": "not a date"}),
               json.dumps({"Version": 1, "AccessKeyId": "ASIATEMP",
                           "SecretAccessKey": leaky, "SessionToken": leaky})]
        nocreds = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
        for out, ok in [(good, True)] + [(b, False) for b in bad]:
            for debug in (["-d"], ["-dd"]):
                self.env.reset()
                self.trail("sec-proc", objects=2)
                home = self.env.tempdir()
                os.makedirs(os.path.join(home, ".aws"))
                script = os.path.join(home, "creds.py")
                with open(script, "w") as f:
                    f.write("#!/usr/bin/env python3\nimport sys\n"
                            "sys.stdout.write(%r)\n" % out)
                os.chmod(script, 0o700)
                ti.write_secret(os.path.join(home, ".aws", "config"),
                                "[default]\ncredential_process = %s\n"
                                % script)
                log = self.logpath()
                p = self.run_bin(["-b", "sec-proc", "-l", log] + debug,
                                 extra_env=nocreds, home=home)
                self.assertEqual(p.returncode, 0 if ok else 3, self.show(p))
                sigs = {r.signature.encode() for r in self.env.requests
                        if r.signature}
                data = p.stdout + p.stderr + (self.read(log) if
                                              os.path.exists(log) else b"")
                for secret in [tok[0], tok[1], leaky, out] + \
                        [x.decode() for x in sigs]:
                    self.assertNotIn(secret.encode(), data, (out, debug))

    def test_debug_names_the_token_without_showing_it(self):
        self.trail("sec-tok", objects=1)
        tok = CREDS["ASIATEMP"]
        p = self.run_bin(["-b", "sec-tok", "-l", self.logpath(), "-dd"],
                         extra_env={"AWS_ACCESS_KEY_ID": "ASIATEMP",
                                    "AWS_SECRET_ACCESS_KEY": tok[0],
                                    "AWS_SESSION_TOKEN": tok[1]})
        self.assertRun(p, 0)
        self.assertIn(b"x-amz-security-token:(session token)\n", p.stderr)
        self.assertNotIn(tok[1].encode(), p.stderr)

    def test_endpoint_password_masked(self):
        """A user:password in an endpoint URL is never echoed back: not
        for S3's endpoint (refused), nor STS's or the container agent's
        (an error naming the URL)."""
        pw = "pa55-w0rd-XYZZY"
        cases = [
            (["--endpoint-url", "http://svc:%s@127.0.0.1:9" % pw], {},
             b"endpoint URL http://***@127.0.0.1:9 has no usable host"),
            (["--endpoint-url", "svc:%s@127.0.0.1:9" % pw], {},
             b"endpoint URL ***@127.0.0.1:9 has no scheme"),
            (["--endpoint-url", "ftp://svc:%s@127.0.0.1:9" % pw], {},
             b"endpoint URL ftp://***@127.0.0.1:9: only http and https"),
        ]
        for args, env, want in cases:
            p = self.run_bin(["-b", "sec-pw", "-l", self.logpath()] + args,
                             extra_env=env)
            self.assertEqual(p.returncode, 1, self.show(p))
            self.assertIn(want, p.stderr, self.show(p))
            self.assertNotIn(pw.encode(), p.stdout + p.stderr)
        # STS's endpoint, for a role assumed with the environment's keys.
        home = self.env.tempdir()
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/"
                    "x\ncredential_source = Environment\n")
        p = self.run_bin(["-b", "sec-pw", "-l", self.logpath(), "--profile",
                          "r"], home=home, extra_env={
            "AWS_ENDPOINT_URL_STS": "http://svc:%s@127.0.0.1:9/" % pw})
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"AssumeRole at http://***@127.0.0.1:9/: ", p.stderr)
        self.assertNotIn(pw.encode(), p.stdout + p.stderr)
        # The container agent's.
        p = self.run_bin(["-b", "sec-pw", "-l", self.logpath()], extra_env={
            "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI":
            "https://svc:%s@127.0.0.1:9/creds" % pw})
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"container credentials at https://***@127.0.0.1:9/"
                      b"creds: ", p.stderr)
        self.assertNotIn(pw.encode(), p.stdout + p.stderr)

    def credentials_file(self, mode):
        home = self.env.tempdir()
        os.makedirs(os.path.join(home, ".aws"))
        path = os.path.join(home, ".aws", "credentials")
        ti.write_secret(path, "[default]\naws_access_key_id = AKIDFILE\n"
                        "aws_secret_access_key = %s\n" % CREDS["AKIDFILE"])
        os.chmod(path, mode)
        return home, path

    def test_credentials_file_readable_warns(self):
        self.trail("sec-mode", objects=1)
        nocreds = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
        for mode, who in ((0o644, "others"), (0o640, "its group"),
                          (0o604, "others")):
            home, path = self.credentials_file(mode)
            p = self.run_bin(["-b", "sec-mode", "-l", self.logpath()],
                             extra_env=nocreds, home=home)
            self.assertRun(p, 0, b"")
            self.assertEqual(p.stderr, (
                "getawslog: warning: %s holds credentials and is readable "
                "by %s (mode %04o); chmod 600 it\n" % (path, who, mode)
            ).encode())
            self.assertNotIn(CREDS["AKIDFILE"].encode(), p.stderr)
        for mode in (0o600, 0o400):
            home, path = self.credentials_file(mode)
            p = self.run_bin(["-b", "sec-mode", "-l", self.logpath()],
                             extra_env=nocreds, home=home)
            self.assertSilentSuccess(p)


# ====================================================================
# Files

def umask(mask):
    class U:
        def __enter__(self):
            self.old = os.umask(mask)

        def __exit__(self, *a):
            os.umask(self.old)
    return U()


class FileTests(Base):
    def test_modes(self):
        items, docs = self.trail("file-mode", objects=2)
        d = self.env.tempdir()
        log, state = os.path.join(d, "a.log"), os.path.join(d, "st.db")
        with umask(0):
            p = self.run_bin(["-b", "file-mode", "-l", log, "-s", state])
        self.assertSilentSuccess(p)
        self.assertEqual(os.stat(log).st_mode & 0o7777, 0o640)
        self.assertEqual(os.stat(state).st_mode & 0o7777, 0o600)
        self.assertFalse(os.path.exists(state + "-journal"))
        # sqlite gives its journal the database's mode: make it keep one.
        db = sqlite3.connect(state)
        db.execute("PRAGMA journal_mode=PERSIST")
        db.close()
        self.env.reset()
        self.trail("file-mode", objects=3, seed=7)
        with umask(0):
            p = self.run_bin(["-b", "file-mode", "-l", log, "-s", state])
        self.assertSilentSuccess(p)
        if os.path.exists(state + "-journal"):
            self.assertEqual(os.stat(state + "-journal").st_mode & 0o7777,
                             0o600)

    def test_open_flags(self):
        if not shutil.which("strace"):
            self.skipTest("no strace")
        self.trail("file-flags", objects=1)
        d = self.env.tempdir()
        log = os.path.join(d, "a.log")
        with open(log, "wb") as f:
            f.write(b"old line\n")
        env = self.env._child_env(self.env.tempdir(), None)
        # LeakSanitizer cannot run under ptrace (make asan).
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        trace = os.path.join(d, "trace")
        p = subprocess.run(["strace", "-f", "-e", "trace=open,openat",
                            "-o", trace, self.env.binary, "-b", "file-flags",
                            "-l", log], env=env, capture_output=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        # The log's opens (the lock's has no O_APPEND: it is not written),
        # each relative to its folder, opened the same way from "/".
        lines = open(trace).read().splitlines()
        opens = [ln for ln in lines if '"a.log"' in ln and "0640" in ln]
        self.assertTrue(opens)
        for ln in opens:
            for flag in ("O_APPEND", "O_CLOEXEC", "O_NOFOLLOW"):
                self.assertIn(flag, ln)
        for part in d.strip("/").split("/"):
            walked = [ln for ln in lines if '"%s"' % part in ln
                      and "O_PATH" in ln]
            self.assertTrue(walked, part)
            for ln in walked:
                self.assertIn("O_NOFOLLOW", ln)
        self.assertTrue(self.read(log).startswith(b"old line\n"))

    def test_hard_link_to_another_users_file(self):
        # Where protected_hardlinks is off, a user who can write the log's
        # folder links a file of someone else's there: not written.
        if os.geteuid() != 0:
            self.skipTest("needs root to chown")
        self.trail("file-hard", objects=1)
        d = self.env.tempdir()
        victim = os.path.join(d, "victim")
        with open(victim, "wb") as f:
            f.write(b"precious\n")
        os.chown(victim, 65534, 65534)
        log = os.path.join(d, "amazon.log")
        os.link(victim, log)
        p = self.run_bin(["-b", "file-hard", "-l", log])
        self.assertRun(p, 1)
        self.assertIn(("getawslog: %s is a hard link to a file of uid 65534; "
                       "not writing it\n" % log).encode(), p.stderr)
        self.assertEqual(self.read(victim), b"precious\n")

    def test_symlinked_folder_owned_by_another_user(self):
        # In a folder root writes to, another user makes logs -> a folder
        # of theirs choosing: root must not create the log there. A folder
        # link of our own is followed.
        if os.geteuid() != 0:
            self.skipTest("needs root to chown a symlink")
        self.trail("file-dirlink", objects=1)
        top = self.env.tempdir()
        elsewhere = self.env.tempdir()
        link = os.path.join(top, "logs")
        os.symlink(elsewhere, link)
        os.lchown(link, 65534, 65534)
        for args in (["-l", os.path.join(link, "amazon.log")],
                     ["-l", self.logpath(), "-s",
                      os.path.join(link, "state.db")],
                     ["-l", os.path.join(link, "sub", "..", "amazon.log")]):
            p = self.run_bin(["-b", "file-dirlink"] + args)
            self.assertRun(p, 1)
            self.assertIn(("getawslog: %s is a symlink owned by uid 65534; "
                           "not following it\n" % link).encode(), p.stderr)
            self.assertEqual(os.listdir(elsewhere), [])
        # Deeper in a chain: a link of ours to a path through theirs.
        mine = os.path.join(top, "mine")
        os.symlink(os.path.join(link, "x"), mine)
        p = self.run_bin(["-b", "file-dirlink", "-l",
                          os.path.join(mine, "amazon.log")])
        self.assertRun(p, 1)
        self.assertEqual(os.listdir(elsewhere), [])
        os.lchown(link, 0, 0)
        p = self.run_bin(["-b", "file-dirlink", "-l",
                          os.path.join(link, "amazon.log")])
        self.assertSilentSuccess(p)
        self.assertTrue(os.path.getsize(os.path.join(elsewhere,
                                                     "amazon.log")) > 0)

    def foreign_link(self, target, uid=65534, mode=0o755):
        """A link owned by uid in a directory of ours. (In a sticky
        world-writable directory Linux's protected_symlinks refuses it
        already; here getawslog must.)"""
        if os.geteuid() != 0:
            self.skipTest("needs root to chown a symlink")
        d = self.env.tempdir()
        os.chmod(d, mode)
        link = os.path.join(d, "amazon.log")
        os.symlink(target, link)
        os.lchown(link, uid, uid)
        return link

    def test_symlink_owned_by_another_user(self):
        self.trail("file-link", objects=1)
        victim = os.path.join(self.env.tempdir(), "victim")
        with open(victim, "wb") as f:
            f.write(b"precious\n")
        link = self.foreign_link(victim)
        for args in (["-l", link], ["-l", self.logpath(), "-s", link]):
            p = self.run_bin(["-b", "file-link"] + args)
            self.assertRun(p, 1)
            self.assertIn(("getawslog: %s is a symlink owned by uid 65534; "
                           "not following it\n" % link).encode(), p.stderr)
            self.assertEqual(self.read(victim), b"precious\n")
        # In /tmp-like directories the kernel refuses too.
        link = self.foreign_link(victim, mode=0o1777)
        p = self.run_bin(["-b", "file-link", "-l", link])
        self.assertRun(p, 1)
        self.assertEqual(self.read(victim), b"precious\n")
        # A dangling one is not created through either.
        ghost = os.path.join(self.env.tempdir(), "ghost")
        link = self.foreign_link(ghost)
        p = self.run_bin(["-b", "file-link", "-l", link])
        self.assertRun(p, 1)
        self.assertFalse(os.path.exists(ghost))
        # Nor at the end of a chain that starts with one of ours.
        mine = os.path.join(self.env.tempdir(), "mine")
        os.symlink(link, mine)
        p = self.run_bin(["-b", "file-link", "-l", mine])
        self.assertRun(p, 1)
        self.assertFalse(os.path.exists(ghost))

    def test_symlink_of_our_own_is_followed(self):
        items, docs = self.trail("file-mine", objects=2)
        d = self.env.tempdir()
        target = os.path.join(d, "real.log")
        link = os.path.join(d, "amazon.log")
        os.symlink("real.log", link)
        p = self.run_bin(["-b", "file-mine", "-l", link])
        self.assertSilentSuccess(p)
        self.assertTrue(os.path.islink(link))
        self.assertLog(target, ti.expected_log(docs))

    def test_keys_never_reach_the_filesystem(self):
        top = self.env.tempdir()
        cwd = os.path.join(top, "a", "b")
        home = os.path.join(top, "home")
        tmp = os.path.join(top, "tmp")
        for x in (cwd, home, tmp):
            os.makedirs(x)
        big = doc(*[event(i, userAgent="x" * 4000) for i in range(1500)])
        self.assertGreater(len(big), 4 << 20)      # spooled to a temp file
        keys = {"../../escape.json.gz": doc(event(1)),
                "../../../../../../tmp/getawslog-escape.json.gz":
                    doc(event(2)),
                "/abs/getawslog-escape.json.gz": doc(event(3)),
                "x/../../y/..%2f..%2fescape2.json.gz": doc(event(4)),
                "./../big-escape.json.gz": big,
                "AWSLogs/../../../etc/getawslog-escape": doc(event(5))}
        self.seed_docs("file-keys", keys)
        outside = ["/tmp/getawslog-escape.json.gz", "/abs",
                   "/etc/getawslog-escape", os.path.join(top, "escape.json.gz")]
        log = os.path.join(self.env.tempdir(), "amazon.log")
        state = os.path.join(self.env.tempdir(), "st.db")
        for args in ([], ["-j"], ["-s", state, "-D"]):
            p = self.run_bin(["-b", "file-keys", "-l", log] + args,
                             home=home, cwd=cwd, extra_env={"TMPDIR": tmp})
            self.assertSilentSuccess(p)
            self.assertEqual(self.files_under(top), [
                os.path.join(top, "a"), cwd, home, tmp])
            for o in outside:
                self.assertFalse(os.path.lexists(o), o)


# ====================================================================
# TLS

def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   capture_output=True)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1/localhost signed by it, and
    one for another name."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=getawslog test CA", "-keyout", "ca.key",
            "-out", "ca.pem", cwd=d)
    for name, san in (("server", "IP:127.0.0.1,DNS:localhost"),
                      ("other", "DNS:other.invalid")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
                "/CN=" + name, "-keyout", name + ".key", "-out",
                name + ".csr", cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n" % san)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", name + ".ext", "-out", name + ".pem", cwd=d)


class TLSRelay(socketserver.ThreadingTCPServer):
    """TLS on 127.0.0.1, relayed as plain TCP to the verifying front."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cert, key, upstream):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.upstream = upstream
        super().__init__(("127.0.0.1", 0), RelayHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.port = self.server_address[1]


class RelayHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            tls = self.server.ctx.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        up = socket.create_connection(self.server.upstream)

        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        t = threading.Thread(target=pump, args=(up, tls), daemon=True)
        t.start()
        pump(tls, up)
        t.join(5)
        up.close()
        tls.close()


class TLSTests(Base):
    pki = None
    relays = {}

    @classmethod
    def setUpClass(cls):
        if not shutil.which("openssl"):
            raise unittest.SkipTest("no openssl")
        cls.pki = ti.ENV.tempdir() if ti.ENV else None
        if cls.pki is None:
            ti.setUpModule()
            cls.pki = ti.ENV.tempdir()
        make_pki(cls.pki)
        up = ("127.0.0.1", ti.ENV.front_port)
        for name in ("server", "other"):
            cls.relays[name] = TLSRelay(os.path.join(cls.pki, name + ".pem"),
                                        os.path.join(cls.pki, name + ".key"),
                                        up)

    @classmethod
    def tearDownClass(cls):
        for r in cls.relays.values():
            r.shutdown()
            r.server_close()

    def tls_run(self, bucket, name="server", host="127.0.0.1", ca=True,
                args=()):
        url = "https://%s:%d" % (host, self.relays[name].port)
        extra = {"AWS_ENDPOINT_URL": url}
        if ca:
            extra["AWS_CA_BUNDLE"] = os.path.join(self.pki, "ca.pem")
        log = self.logpath()
        return self.run_bin(["-b", bucket, "-l", log] + list(args),
                            extra_env=extra), log

    def test_self_signed_fails_clearly(self):
        self.trail("tls-self", objects=1)
        p, log = self.tls_run("tls-self", ca=False)
        self.assertRun(p, 3)
        self.assertRegex(p.stdout.decode(), r"^Bucket tls-self access error: "
                         r".*(SSL certificate problem|certificate)")
        self.assertNothingLogged(log)
        self.assertEqual(self.env.count(), 0)

    def test_ca_bundle_works(self):
        items, docs = self.trail("tls-ok", objects=3)
        for host in ("127.0.0.1", "localhost"):
            self.env.reset()
            items, docs = self.trail("tls-ok", objects=3)
            p, log = self.tls_run("tls-ok", host=host, args=["-J", "2"])
            self.assertSilentSuccess(p)
            self.assertLog(log, ti.expected_log(docs))
            self.assertAllOk()

    def test_host_name_checked(self):
        self.trail("tls-host", objects=1)
        p, log = self.tls_run("tls-host", name="other")
        self.assertRun(p, 3)
        self.assertRegex(p.stdout.decode(), r"^Bucket tls-host access error: "
                         r".*(subject name|does not match|127\.0\.0\.1)")
        self.assertEqual(self.env.count(), 0)

    def test_https_without_an_endpoint(self):
        proxy = RecordingProxy()
        try:
            p = self.run_bin(["-b", "tls-aws", "-l", self.logpath(),
                              "--region", "eu-west-1", "--max-attempts",
                              "1"],
                             extra_env={"AWS_ENDPOINT_URL": None,
                                        "https_proxy": "http://127.0.0.1:%d"
                                        % proxy.port,
                                        "http_proxy": "http://127.0.0.1:%d"
                                        % proxy.port})
        finally:
            proxy.shutdown()
            proxy.server_close()
        self.assertIn(p.returncode, (3, 5), self.show(p))
        self.assertTrue(proxy.lines)
        for line in proxy.lines:
            self.assertRegex(line, r"^CONNECT tls-aws\.s3\.eu-west-1\."
                             r"amazonaws\.com:443 HTTP/1\.[01]$")


NGINX_CONF = """daemon off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 64; }
http {
    log_format conns '$connection $server_protocol $request_method $status';
    access_log %(d)s/access.log conns;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    server {
        listen 127.0.0.1:%(port)d ssl http2;
        ssl_certificate %(pki)s/server.pem;
        ssl_certificate_key %(pki)s/server.key;
        location / {
            # The request as sent (path, query, signed headers) goes on
            # to the verifying front, over HTTP/1.1.
            proxy_pass http://127.0.0.1:%(front)d;
            proxy_http_version 1.1;
            proxy_set_header Host $host:$server_port;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering off;
        }
    }
}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class HTTP2Tests(Base):
    """An https endpoint that offers HTTP/2 (nginx in front of the
    verifying front, which still checks every signature): every request
    goes over HTTP/2, multiplexed on one connection whatever -J."""
    nginx = None

    @classmethod
    def setUpClass(cls):
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(exe, os.X_OK):
            raise AssertionError("nginx is not installed (make deps "
                                 "installs nginx-light)")
        if ti.ENV is None:
            ti.setUpModule()
        cls.pki = ti.ENV.tempdir()
        make_pki(cls.pki)
        cls.dir = ti.ENV.tempdir()
        cls.port = free_port()
        conf = os.path.join(cls.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"d": cls.dir, "port": cls.port,
                                  "pki": cls.pki,
                                  "front": ti.ENV.front_port})
        cls.nginx = subprocess.Popen([exe, "-p", cls.dir, "-c", conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", cls.port), 1).close()
                break
            except OSError:
                if cls.nginx.poll() is not None or time.time() > deadline:
                    with open(os.path.join(cls.dir, "error.log")) as f:
                        raise AssertionError("nginx did not start: " +
                                             f.read())
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        if cls.nginx is not None:
            cls.nginx.terminate()
            cls.nginx.wait(10)

    def access(self):
        """(connection, protocol, method, status) of each request so far."""
        with open(os.path.join(self.dir, "access.log")) as f:
            return [tuple(line.split()) for line in f if line.strip()]

    def test_requests_multiplexed_over_http2(self):
        for jobs in ("1", "8"):
            with self.subTest(jobs=jobs):
                self.env.reset()
                before = len(self.access())
                items, docs = self.trail("h2-trail", objects=12)
                log = self.logpath()
                p = self.run_bin(["-b", "h2-trail", "-l", log, "-D", "-J",
                                  jobs], extra_env={
                    "AWS_ENDPOINT_URL": "https://127.0.0.1:%d" % self.port,
                    "AWS_CA_BUNDLE": os.path.join(self.pki, "ca.pem")})
                self.assertSilentSuccess(p)
                self.assertLog(log, ti.expected_log(docs))
                self.assertAllOk()
                # Only folders and digests are left (-D).
                kept = [k for k, _ in items
                        if k.endswith("/") or "CloudTrail-Digest" in k]
                self.assertEqual(sorted(self.env.keys("h2-trail")),
                                 sorted(kept))
                seen = self.access()[before:]
                # Every request the front saw came through nginx: the
                # bucket check, the LIST, a GET and a DELETE per object.
                self.assertEqual(len(seen), len(self.env.requests), seen)
                self.assertEqual(len(seen),
                                 2 + 2 * (len(items) - len(kept)), seen)
                self.assertEqual({s[1] for s in seen}, {"HTTP/2.0"}, seen)
                self.assertEqual(len({s[0] for s in seen}), 1, seen)


# ====================================================================
# Log injection

CRAFTED = [
    "a\nb", "c\rd", "\r\n", "e\u2028f", "g\u2029h", "i\x85j", "\x00nul",
    "\x1b[31mred", "\x0b\x0c\x1c\x1d\x1e",
    '"AmazonAWS":"eventName":"Forged"',
    '\n"AmazonAWS":"eventName":"Forged"',
    '\n{"aws": {"eventName": "Forged"}}',
    '\r\n{"integration": "aws", "aws": {}}',
    "\u2028{\"aws\": 1}", "\U0001F600 \u00e9",
]
PREFIX = {"flat": b'"AmazonAWS":', "json": b'{"',
          "wazuh": b'{"integration": "aws", "aws": {'}


def crafted_records():
    recs = []
    for i, v in enumerate(CRAFTED):
        r = event(i, userAgent=v, eventName=v, errorMessage=v,
                  requestParameters={"bucketName": v, v: [v, {v: v}],
                                     "n": i},
                  sourceIPAddress=v if i % 2 else "198.51.100.%d" % i)
        r[v] = v
        r["userIdentity"]["userName"] = v
        recs.append(r)
    return recs


class InjectionTests(Base):
    def check_format(self, fmt):
        recs = crafted_records()
        body = json.dumps({"Records": recs}).encode()
        raw = json.dumps({"Records": recs}, ensure_ascii=False).encode()
        # A key with quotes in it, too (json and wazuh name it).
        self.seed("inj-" + fmt, [(KEY % "a", gz(body)), (KEY % "b", gz(raw)),
                                 (KEY % 'c"AmazonAWS":{"aws": x', gz(raw))])
        log = self.logpath()
        p = self.run_bin(["-b", "inj-" + fmt, "-l", log, "--format", fmt])
        self.assertSilentSuccess(p)
        data = self.read(log)
        self.assertTrue(data.endswith(b"\n"))
        lines = data[:-1].split(b"\n")
        self.assertEqual(len(lines), 3 * len(recs))
        self.assertNotIn(b"\r", data)
        self.assertNotIn(b"\x00", data)
        for ln in lines:
            self.assertTrue(ln.startswith(PREFIX[fmt]), ln[:80])
            # Only the start of a line may look like the start of a record.
            self.assertEqual(ln.count(b"\n"), 0)
            if fmt != "flat":
                rec = json.loads(ln)
                self.assertIsInstance(rec, dict)
                # Escaped: no character a reader could take as a line end.
                for c in (b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xc2\x85",
                          b"\x0b", b"\x0c", b"\x1c", b"\x1b"):
                    self.assertNotIn(c, ln)
        return lines

    def test_flat(self):
        lines = self.check_format("flat")
        # Each record's eventID is on its own line, once.
        ids = [ln.count(b'"eventID":"id-') for ln in lines]
        self.assertEqual(ids, [1] * len(lines))

    def test_json(self):
        self.check_format("json")

    def test_wazuh(self):
        self.check_format("wazuh")

    def test_key_in_messages(self):
        # A key with a line break, named in an error (moto cannot serve it
        # over HTTP, which makes one): one line on stderr, the byte escaped.
        key = KEY % 'c\ngetawslog: forged\r'
        self.seed("inj-key", [(key, gz(doc(event(1))))])
        p = self.run_bin(["-b", "inj-key", "-l", self.logpath()])
        self.assertRun(p, 4)
        lines = p.stderr.decode().splitlines()
        self.assertEqual(len(lines), 2, self.show(p))
        self.assertIn("c\\x0agetawslog: forged\\x0d.json.gz: ", lines[0])
        self.assertTrue(lines[1].startswith("getawslog: 0 objects written"))

    def test_error_message_on_stdout(self):
        # The script's "Bucket NAME access error: ..." line quotes what S3
        # (or a proxy in the way) said: a line break in it must not forge
        # a line in cron's mail.
        self.seed("inj-msg", [(KEY % "a", gz(doc(event(1))))])
        self.env.faults.append(Fault(
            "status", op="LIST", status=403, code="AccessDenied",
            message="no\nERROR: Cannot write /var/log/forged (No space left "
            "on device)\nSIGINT received, bye!", count=None))
        p = self.run_bin(["-b", "inj-msg", "-l", self.logpath()])
        self.assertRun(p, 3)
        self.assertEqual(p.stdout.count(b"\n"), 1, self.show(p))
        self.assertTrue(p.stdout.startswith(b"Bucket inj-msg access error: "
                                            b"AccessDenied: no\\x0aERROR"),
                        self.show(p))

    def test_bucket_forms_and_bad_names(self):
        # The console's s3:// URL and an ARN name the bucket; anything
        # else that is no bucket name is said before any request (S3
        # would answer SignatureDoesNotMatch or NoSuchBucket).
        self.seed("forms", [(KEY % "a", gz(doc(event(1))))])
        for form in ("s3://forms", "s3://forms/", "S3://forms",
                     "arn:aws:s3:::forms", "arn:aws-us-gov:s3:::forms"):
            log = self.logpath()
            p = self.run_bin(["-b", form, "-l", log, "-j"])
            self.assertRun(p, 0)
            with open(log, "rb") as f:
                self.assertIn(b"id-1", f.read(), form)
            os.unlink(log)
        before = len(self.env.requests)
        for bad in ("s3://forms/AWSLogs", "forms/x", "arn:aws:s3:::",
                    "s3://", "forms bucket", "arn:aws:iam::1:role/x",
                    "a" * 256, "forms,other"):
            p = self.run_bin(["-b", bad, "-l", self.logpath()])
            self.assertRun(p, 2)
            self.assertIn(b'option -b: not a bucket name: "%s"' %
                          bad.encode(), p.stderr, bad)
        self.assertEqual(len(self.env.requests), before)

    def test_key_on_stdout(self):
        # -d's lines and --dry-run's keys name objects on stdout, which
        # cron mails: a line break or an escape sequence in a key must not
        # forge a line or repaint a terminal.
        key = KEY % 'e\n+++ Found new log:  evil\x1b[2J'
        self.seed("inj-out", [(key, gz(doc(event(1))))])
        for extra in (["-d", "--dry-run"], ["-d"]):
            p = self.run_bin(["-b", "inj-out", "-l", self.logpath()] + extra)
            out = p.stdout
            self.assertNotIn(b"\x1b", out, self.show(p))
            found = [ln for ln in out.split(b"\n")
                     if ln.startswith(b"+++ Found new log")]
            self.assertEqual(len(found), 1, self.show(p))
            self.assertIn(b"e\\x0a+++ Found new log:  evil\\x1b[2J.json.gz",
                          found[0])
            if "--dry-run" in extra:
                keys = [ln for ln in out.split(b"\n")
                        if ln.startswith(b"AWSLogs/")]
                self.assertEqual(len(keys), 1, self.show(p))


if __name__ == "__main__":
    sys.exit(runner.main("hostile"))
