#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Tests for issue 6's credential sources and config keys, each against a
local emulator on 127.0.0.1, through the binary and the verifying front:

  * credential_process: a Python script in the test's HOME, run directly
    (its command split as a shell would), JSON on stdout;
  * role_arn + source_profile / credential_source Environment, and web
    identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN): moto's STS
    (AWS_ENDPOINT_URL_STS = moto), whose issued keys the front accepts
    (env.accept_sts);
  * container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI with its
    token) and EC2 IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT): Emulator
    below, an http.server that hands out keys the front knows, with short
    Expirations, so a run slowed by the front's latency must refresh;
  * ~/.aws/config: nested s3 addressing_style, max_attempts, retry_mode,
    AWS_MAX_ATTEMPTS, and bad values.

Secrets never appear in the output.  Last line: "N passed, N failed"."""

import http.server
import json
import os
import sys
import threading
import time
import datetime as dt
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from s3env import Fault, make_trail  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY"
CREDS = {"AKIDTEST": SECRET, "AKIDPROC": "process/secret+key"}
EMU_KEYS = 8
for i in range(1, EMU_KEYS + 1):
    CREDS["ASIAEMU%d" % i] = ("emu-secret-%d" % i, "emu-token-%d+/=" % i)
REFRESH_MARGIN = 300        # s3.h's S3_REFRESH_MARGIN
ROLE = "arn:aws:iam::123456789012:role/cloudtrail-reader"
ENV = None


def setUpModule():
    global ENV
    ENV = s3env.shared_env(credentials=CREDS)


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Emulator:
    """IMDSv2 and a container credentials endpoint.  Each credentials
    answer hands out the next ASIAEMUn key, expiring `lifetime` seconds
    later."""

    TOKEN = "imds-session-token"
    ROLE = "getawslog-role"

    def __init__(self, lifetime=3600, auth=None):
        self.lifetime = lifetime
        self.auth = auth
        self.issued = 0
        self.requests = []
        emu = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, status, body, ctype="text/plain"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def keys(self):
                emu.issued += 1
                n = emu.issued
                return json.dumps({
                    "Code": "Success", "Type": "AWS-HMAC",
                    "AccessKeyId": "ASIAEMU%d" % n,
                    "SecretAccessKey": "emu-secret-%d" % n,
                    "Token": "emu-token-%d+/=" % n,
                    "Expiration": iso(time.time() + emu.lifetime),
                    "LastUpdated": iso(time.time())})

            def do_PUT(self):
                emu.requests.append(("PUT", self.path, dict(self.headers)))
                if (self.path == "/latest/api/token" and
                        self.headers.get("X-aws-ec2-metadata-token-ttl-"
                                         "seconds")):
                    return self.answer(200, Emulator.TOKEN)
                return self.answer(400, "bad token request")

            def do_GET(self):
                emu.requests.append(("GET", self.path, dict(self.headers)))
                if self.path.startswith("/latest/"):
                    if (self.headers.get("X-aws-ec2-metadata-token") !=
                            Emulator.TOKEN):
                        return self.answer(401, "")
                    base = "/latest/meta-data/iam/security-credentials/"
                    if self.path == base:
                        return self.answer(200, Emulator.ROLE + "\n")
                    if self.path == base + Emulator.ROLE:
                        return self.answer(200, self.keys(),
                                           "application/json")
                    return self.answer(404, "")
                if self.path == "/v2/credentials/abc":
                    if emu.auth and self.headers.get("Authorization") != \
                            emu.auth:
                        return self.answer(401, '{"message":"denied"}')
                    return self.answer(200, self.keys(), "application/json")
                return self.answer(404, "")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class StsFront:
    """A front for moto's STS that checks each signed request's SigV4 (the
    same canonical-request code as the S3 front, service "sts", secrets
    from `secrets`; tokens from `tokens`), records it, and forwards it to
    moto.  moto itself checks no signature."""

    def __init__(self, moto, secrets, tokens):
        self.requests = []
        front = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                import hashlib
                import hmac
                import urllib.request
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hdrs = list(self.headers.items())
                auth = s3env.parse_authorization(
                    self.headers.get("Authorization", "")) \
                    if self.headers.get("Authorization") else None
                verdict = "unsigned"
                if auth:
                    ph = hashlib.sha256(body).hexdigest()
                    path, _, query = self.path.partition("?")
                    creq = s3env.canonical_request("POST", path, query, hdrs,
                                                   auth["signed"], ph)
                    scope = "/".join([auth["date"], auth["region"], "sts",
                                      "aws4_request"])
                    sts = s3env.string_to_sign(self.headers["X-Amz-Date"],
                                               scope, creq)
                    key = s3env.signing_key(secrets.get(auth["access_key"],
                                                        "?"), auth["date"],
                                            auth["region"], "sts")
                    want = hmac.new(key, sts.encode(),
                                    hashlib.sha256).hexdigest()
                    tok = tokens.get(auth["access_key"])
                    verdict = "ok" if (
                        hmac.compare_digest(want, auth["signature"]) and
                        auth["service"] == "sts" and
                        self.headers.get("X-Amz-Security-Token") == tok and
                        ("x-amz-security-token" in auth["signed"]) ==
                        (tok is not None)) else "bad"
                front.requests.append((verdict, auth and auth["access_key"],
                                       body.decode()))
                if verdict == "bad":
                    data = (b"<ErrorResponse><Error><Code>SignatureDoesNot"
                            b"Match</Code><Message>bad signature</Message>"
                            b"</Error></ErrorResponse>")
                    status = 403
                else:
                    req = urllib.request.Request(moto + "/", data=body,
                                                 headers={
                        "Content-Type": self.headers["Content-Type"],
                        "Authorization": "AWS4-HMAC-SHA256 Credential=x/"
                        "20240101/us-east-1/sts/aws4_request, "
                        "SignedHeaders=host, Signature=0"})
                    with urllib.request.urlopen(req) as r:
                        data, status = r.read(), r.status
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Base(unittest.TestCase):
    maxDiff = 4000
    NOENV = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}

    def setUp(self):
        self.env = ENV
        self.env.reset()

    def trail(self, bucket, objects=3, seed=1):
        items, docs = make_trail(seed=seed, objects=objects, bucket=bucket)
        self.env.make_bucket(bucket)
        self.env.put_many(bucket, items)
        return items, docs

    def home_with(self, files):
        home = self.env.tempdir()
        for rel, text in files.items():
            path = os.path.join(home, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            if rel.endswith(".py"):
                os.chmod(path, 0o755)
        return home

    def run_bin(self, bucket, extra_env=None, home=None, args=(), **kw):
        log = os.path.join(self.env.tempdir(), "amazon.log")
        p = self.env.run(["-dd", "-b", bucket, "-l", log] + list(args),
                         extra_env=extra_env, home=home, **kw)
        p.log = log
        return p

    def show(self, p):
        reqs = "\n".join("  %s %s -> %s (%s)" % (r.method, r.path, r.status,
                                                 r.access_key)
                         for r in self.env.requests[-20:])
        return "exit %s\nstdout %r\nstderr %r\nrequests:\n%s" % (
            p.returncode, p.stdout[-2000:], p.stderr[-3000:], reqs)

    def assertOk(self, p, source):
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertIn(("using credentials from " + source).encode(),
                      p.stderr, self.show(p))
        self.assertTrue(os.path.exists(p.log) and os.path.getsize(p.log) > 0,
                        self.show(p))
        self.assertNoSecrets(p)

    def assertNoSecrets(self, p):
        out = p.stdout + p.stderr
        for s in [SECRET, CREDS["AKIDPROC"]] + [
                CREDS["ASIAEMU%d" % i][0] for i in range(1, EMU_KEYS + 1)] + [
                sk for sk, _ in self.env.sts_keys().values()]:
            self.assertNotIn(s.encode(), out, "a secret was printed")

    def keys_used(self):
        return sorted({r.access_key for r in self.env.requests
                       if r.access_key})


class ProcessTests(Base):
    SCRIPT = ("#!/usr/bin/env python3\nimport json, sys\n"
              "assert sys.argv[1:] == ['two words', 'x\"y'], sys.argv\n"
              "print(json.dumps({'Version': %s, 'AccessKeyId': 'AKIDPROC',"
              " 'SecretAccessKey': %r}))\n")

    def home(self, version=1, extra=""):
        h = self.home_with({"bin/creds.py": self.SCRIPT % (
            version, CREDS["AKIDPROC"])})
        cfg = ("[default]\ncredential_process = %s/bin/creds.py "
               "'two words' \"x\\\"y\"\n%s" % (h, extra))
        with open(os.path.join(h, ".aws", "config") if os.path.isdir(
                os.path.join(h, ".aws")) else self._mk(h), "w") as f:
            f.write(cfg)
        return h

    def _mk(self, h):
        os.makedirs(os.path.join(h, ".aws"))
        return os.path.join(h, ".aws", "config")

    def test_process(self):
        self.trail("cp-ok")
        p = self.run_bin("cp-ok", self.NOENV, self.home())
        self.assertOk(p, "credential_process (profile default)")
        self.assertEqual(self.keys_used(), ["AKIDPROC"])

    def test_bad_version(self):
        self.trail("cp-bad")
        p = self.run_bin("cp-bad", self.NOENV, self.home(version=2))
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b'"Version" is not 1', p.stderr)
        self.assertNoSecrets(p)

    def test_failing_process(self):
        self.trail("cp-fail")
        h = self.home_with({".aws/config": "[default]\ncredential_process = "
                            "/bin/false\n"})
        p = self.run_bin("cp-fail", self.NOENV, h)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"exited with status 1", p.stderr)

    def test_keys_in_file_win(self):
        """The shared credentials file's keys come before credential_process
        (the CLI's order)."""
        self.trail("cp-order")
        h = self.home()
        with open(os.path.join(h, ".aws", "credentials"), "w") as f:
            f.write("[default]\naws_access_key_id = AKIDTEST\n"
                    "aws_secret_access_key = %s\n" % SECRET)
        p = self.run_bin("cp-order", self.NOENV, h)
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertEqual(self.keys_used(), ["AKIDTEST"])

    def test_process_before_keys_in_config(self):
        """Keys in the config file come after credential_process
        (botocore: credentials file, process, config file)."""
        self.trail("cp-cfg")
        h = self.home(extra="aws_access_key_id = AKIDTEST\n"
                      "aws_secret_access_key = %s\n" % SECRET)
        os.chmod(os.path.join(h, ".aws", "config"), 0o600)
        p = self.run_bin("cp-cfg", self.NOENV, h)
        self.assertOk(p, "credential_process (profile default)")
        self.assertEqual(self.keys_used(), ["AKIDPROC"])

    def test_keys_in_config_without_process(self):
        self.trail("cp-cfg2")
        h = self.home_with({".aws/config": "[default]\naws_access_key_id = "
                            "AKIDTEST\naws_secret_access_key = %s\n" % SECRET})
        os.chmod(os.path.join(h, ".aws", "config"), 0o600)
        p = self.run_bin("cp-cfg2", self.NOENV, h)
        self.assertOk(p, os.path.join(h, ".aws", "config") + " [default]")
        self.assertEqual(self.keys_used(), ["AKIDTEST"])

    def test_named_profile_with_process_and_config_keys(self):
        self.trail("cp-named")
        h = self.home_with({"bin/creds.py": self.SCRIPT % (
            1, CREDS["AKIDPROC"])})
        os.makedirs(os.path.join(h, ".aws"))
        with open(os.path.join(h, ".aws", "config"), "w") as f:
            f.write("[profile ops]\naws_access_key_id = AKIDTEST\n"
                    "aws_secret_access_key = %s\ncredential_process = "
                    "%s/bin/creds.py 'two words' \"x\\\"y\"\n" % (SECRET, h))
        os.chmod(os.path.join(h, ".aws", "config"), 0o600)
        p = self.run_bin("cp-named", self.NOENV, h, args=["--profile", "ops"])
        self.assertOk(p, "credential_process (profile ops)")
        self.assertEqual(self.keys_used(), ["AKIDPROC"])


class StsTests(Base):
    def setUp(self):
        super().setUp()
        self.env.accept_sts = True
        self.sts = {"AWS_ENDPOINT_URL_STS": self.env.moto_endpoint}

    def roles(self):
        from moto.sts.models import sts_backends
        out = []
        for a in sts_backends:
            for part in sts_backends[a]:
                out += sts_backends[a][part].assumed_roles
        return out

    def test_source_profile(self):
        self.trail("sts-src")
        before = len(self.roles())
        h = self.home_with({
            ".aws/credentials": "[src]\naws_access_key_id = AKIDTEST\n"
                                "aws_secret_access_key = %s\n" % SECRET,
            ".aws/config": "[profile reader]\nrole_arn = %s\n"
                           "source_profile = src\nexternal_id = ext-42\n"
                           "duration_seconds = 900\n"
                           "role_session_name = trail-sess\n" % ROLE})
        p = self.run_bin("sts-src", dict(self.NOENV, **self.sts), h,
                         ["--profile", "reader"])
        self.assertOk(p, "AssumeRole " + ROLE + " (profile reader)")
        new = self.roles()[before:]
        self.assertEqual(len(new), 1)
        r = new[0]
        self.assertEqual((r.role_arn, r.session_name, r.external_id),
                         (ROLE, "trail-sess", "ext-42"))
        self.assertEqual(self.keys_used(), [r.access_key_id])
        # 900 s of validity, as asked
        left = (r.expiration - dt.datetime.utcnow()).total_seconds()
        self.assertTrue(800 < left <= 900, left)

    def signed_front(self):
        front = StsFront(self.env.moto_endpoint, dict(self.env.credentials),
                         dict(self.env.tokens))
        self.addCleanup(front.close)
        return front

    def test_assume_role_is_signed(self):
        """The AssumeRole POST carries a valid SigV4 signature (service
        sts) by the source's keys, with its session token when it has one;
        the form has every parameter."""
        self.trail("sts-signed")
        front = self.signed_front()
        h = self.home_with({".aws/config": "[profile r]\nrole_arn = %s\n"
                            "credential_source = Environment\n"
                            "external_id = a&b=c d\n" % ROLE})
        for key in ("AKIDTEST", "ASIAEMU1"):
            sk = CREDS[key] if key == "AKIDTEST" else CREDS[key][0]
            env = {"AWS_ENDPOINT_URL_STS": front.url,
                   "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": sk,
                   "AWS_SESSION_TOKEN": None if key == "AKIDTEST" else
                   CREDS[key][1]}
            p = self.run_bin("sts-signed", env, h, ["--profile", "r"])
            self.assertEqual(p.returncode, 0, self.show(p))
            # -dd shows the POST that was signed, its token masked.
            self.assertIn(b"canonical request:\nPOST\n/\n", p.stderr)
            if key != "AKIDTEST":
                self.assertIn(b"x-amz-security-token:(session token)\n",
                              p.stderr)
                self.assertNotIn(CREDS[key][1].encode(), p.stderr)
        self.assertEqual([(v, k) for v, k, _ in front.requests],
                         [("ok", "AKIDTEST"), ("ok", "ASIAEMU1")])
        form = dict(x.split("=", 1) for x in front.requests[0][2].split("&"))
        self.assertEqual(form["Action"], "AssumeRole")
        self.assertEqual(form["ExternalId"], "a%26b%3Dc%20d")
        self.assertTrue(form["RoleSessionName"].startswith("getawslog-"))

    def test_assume_role_bad_signature_refused(self):
        """A front that knows another secret refuses: the error is named,
        exit 3."""
        self.trail("sts-badsig")
        front = StsFront(self.env.moto_endpoint, {"AKIDTEST": "other"}, {})
        self.addCleanup(front.close)
        h = self.home_with({".aws/config": "[profile r]\nrole_arn = %s\n"
                            "credential_source = Environment\n" % ROLE})
        p = self.run_bin("sts-badsig", {"AWS_ENDPOINT_URL_STS": front.url},
                         h, ["--profile", "r"])
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"AssumeRole: HTTP 403 SignatureDoesNotMatch",
                      p.stderr)

    def test_credential_source_environment(self):
        self.trail("sts-env")
        h = self.home_with({".aws/config": "[profile envrole]\n"
                            "role_arn = %s\ncredential_source = Environment\n"
                            % ROLE})
        p = self.run_bin("sts-env", self.sts, h, ["--profile", "envrole"])
        self.assertOk(p, "AssumeRole " + ROLE)
        self.assertTrue(self.keys_used()[0].startswith("ASIA"))

    def test_role_without_source(self):
        self.trail("sts-nosrc")
        h = self.home_with({".aws/config": "[default]\nrole_arn = %s\n"
                            % ROLE})
        p = self.run_bin("sts-nosrc", dict(self.NOENV, **self.sts), h)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"source_profile or credential_source", p.stderr)

    def test_web_identity(self):
        self.trail("sts-web")
        h = self.home_with({"token.jwt": "eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl\n"})
        before = len(self.roles())
        env = dict(self.NOENV, AWS_WEB_IDENTITY_TOKEN_FILE=os.path.join(
            h, "token.jwt"), AWS_ROLE_ARN=ROLE,
            AWS_ROLE_SESSION_NAME="web-sess", **self.sts)
        p = self.run_bin("sts-web", env, h)
        self.assertOk(p, "AssumeRoleWithWebIdentity " + ROLE)
        new = self.roles()[before:]
        self.assertEqual([r.session_name for r in new], ["web-sess"])

    def test_web_identity_missing_token_file(self):
        self.trail("sts-web-missing")
        env = dict(self.NOENV, AWS_WEB_IDENTITY_TOKEN_FILE="/nonexistent/t",
                   AWS_ROLE_ARN=ROLE, **self.sts)
        p = self.run_bin("sts-web-missing", env)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"/nonexistent/t", p.stderr)

    def test_sts_refused(self):
        """STS's error answer is reported (here: moto is not STS-only; an
        endpoint that answers 404)."""
        self.trail("sts-refused")
        env = dict(self.NOENV, AWS_WEB_IDENTITY_TOKEN_FILE="/dev/null",
                   AWS_ROLE_ARN=ROLE,
                   AWS_ENDPOINT_URL_STS=self.env.endpoint + "/nosuch")
        p = self.run_bin("sts-refused", env)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"AssumeRoleWithWebIdentity", p.stderr)


class InstanceTests(Base):
    def emulator(self, **kw):
        emu = Emulator(**kw)
        self.addCleanup(emu.close)
        return emu

    def imds_env(self, emu):
        return dict(self.NOENV, AWS_EC2_METADATA_DISABLED=None,
                    AWS_EC2_METADATA_SERVICE_ENDPOINT=emu.url)

    def test_imds(self):
        self.trail("imds-ok")
        emu = self.emulator()
        p = self.run_bin("imds-ok", self.imds_env(emu))
        self.assertOk(p, "EC2 instance metadata (role getawslog-role)")
        self.assertEqual([(m, path) for m, path, _ in emu.requests], [
            ("PUT", "/latest/api/token"),
            ("GET", "/latest/meta-data/iam/security-credentials/"),
            ("GET", "/latest/meta-data/iam/security-credentials/"
             "getawslog-role")])
        self.assertEqual(self.keys_used(), ["ASIAEMU1"])

    def test_imds_refresh(self):
        """Keys that expire during the run are fetched again before they
        do: the run lasts ~4 s, the first keys are 'near expiry' after 1 s."""
        self.trail("imds-refresh", objects=8)
        emu = self.emulator(lifetime=REFRESH_MARGIN + 1)
        self.env.latency_ms = 250
        p = self.run_bin("imds-refresh", self.imds_env(emu), args=["-J", "1"])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertGreaterEqual(emu.issued, 2, self.show(p))
        used = self.keys_used()
        self.assertIn("ASIAEMU1", used)
        self.assertIn("ASIAEMU2", used)
        self.assertIn(b"new credentials from EC2 instance metadata",
                      p.stderr)
        self.assertNoSecrets(p)

    def test_expired_token_answer_refreshes(self):
        """S3 says ExpiredToken before the keys' Expiration (a revoked
        session, a clock off): new keys are fetched and the request tried
        again."""
        self.trail("imds-expired", objects=2)
        emu = self.emulator()
        self.env.faults.append(Fault("status", op="GET", count=1, status=400,
                                     code="ExpiredToken",
                                     message="The provided token has "
                                     "expired."))
        p = self.run_bin("imds-expired", self.imds_env(emu), args=["-J", "1"])
        self.assertEqual(p.returncode, 0, self.show(p))
        self.assertEqual(emu.issued, 2)
        self.assertEqual(self.keys_used(), ["ASIAEMU1", "ASIAEMU2"])

    def test_imds_absent_is_quick(self):
        """Nothing listening: no credentials, and no long wait."""
        self.trail("imds-none")
        env = dict(self.NOENV, AWS_EC2_METADATA_DISABLED=None,
                   AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9")
        t = time.time()
        p = self.run_bin("imds-none", env)
        self.assertLess(time.time() - t, 5)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"no AWS credentials found", p.stderr)

    def test_imds_disabled(self):
        self.trail("imds-off")
        emu = self.emulator()
        env = dict(self.imds_env(emu), AWS_EC2_METADATA_DISABLED="true")
        p = self.run_bin("imds-off", env)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertEqual(emu.requests, [])

    def test_container_full_uri_token_file(self):
        self.trail("ecs-ok")
        emu = self.emulator(auth="Bearer pod-identity-token")
        h = self.home_with({"token": "Bearer pod-identity-token\n"})
        env = dict(self.NOENV, AWS_CONTAINER_CREDENTIALS_FULL_URI=emu.url +
                   "/v2/credentials/abc",
                   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=os.path.join(
                       h, "token"))
        p = self.run_bin("ecs-ok", env, h)
        self.assertOk(p, "container credentials " + emu.url)
        self.assertEqual(self.keys_used(), ["ASIAEMU1"])

    def test_container_token_env_and_refusal(self):
        self.trail("ecs-bad")
        emu = self.emulator(auth="right")
        env = dict(self.NOENV, AWS_CONTAINER_CREDENTIALS_FULL_URI=emu.url +
                   "/v2/credentials/abc",
                   AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong")
        p = self.run_bin("ecs-bad", env)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"HTTP 401", p.stderr)
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "right"
        self.assertOk(self.run_bin("ecs-bad", env), "container credentials")

    def test_container_plain_http_elsewhere_refused(self):
        self.trail("ecs-far")
        env = dict(self.NOENV, AWS_CONTAINER_CREDENTIALS_FULL_URI=
                   "http://example.com/creds")
        p = self.run_bin("ecs-far", env)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"plain http only", p.stderr)

    def test_role_from_instance(self):
        """credential_source = Ec2InstanceMetadata: IMDS keys sign the
        AssumeRole."""
        self.trail("imds-role")
        self.env.accept_sts = True
        emu = self.emulator()
        h = self.home_with({".aws/config": "[default]\nrole_arn = %s\n"
                            "credential_source = Ec2InstanceMetadata\n"
                            % ROLE})
        env = dict(self.imds_env(emu),
                   AWS_ENDPOINT_URL_STS=self.env.moto_endpoint)
        p = self.run_bin("imds-role", env, h)
        self.assertOk(p, "AssumeRole " + ROLE)
        self.assertEqual(emu.issued, 1)


class ConfigTests(Base):
    def cfg(self, text):
        return self.home_with({".aws/config": "[default]\n" + text})

    def test_nested_addressing_style_path(self):
        self.trail("cfg-path")
        p = self.run_bin("cfg-path", home=self.cfg(
            "region = us-east-1\ns3 =\n  addressing_style = path\n"))
        self.assertEqual(p.returncode, 0, self.show(p))

    def test_bad_addressing_style(self):
        self.trail("cfg-style")
        p = self.run_bin("cfg-style", home=self.cfg(
            "s3 =\n  max_concurrent_requests = 4\n"
            "  addressing_style = sideways\n"))
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"addressing_style sideways", p.stderr)

    def gets_for(self, bucket, home=None, extra=None):
        items, _ = self.trail(bucket, objects=1)
        key = [k for k, _ in items if "Digest" not in k and
               not k.endswith("/")][0]
        self.env.faults.append(Fault("status", method="GET", key=key,
                                     count=None, status=500,
                                     code="InternalError"))
        p = self.run_bin(bucket, extra, home)
        return p, sum(1 for r in self.env.requests
                      if r.op == "GET" and r.key == key)

    def test_max_attempts_from_config(self):
        p, n = self.gets_for("cfg-att", self.cfg("max_attempts = 2\n"))
        self.assertEqual(p.returncode, 5, self.show(p))
        self.assertEqual(n, 2)

    def test_max_attempts_env_wins(self):
        p, n = self.gets_for("cfg-att-env", self.cfg("max_attempts = 3\n"),
                             {"AWS_MAX_ATTEMPTS": "1"})
        self.assertEqual(n, 1, self.show(p))

    def test_command_line_wins(self):
        items, _ = self.trail("cfg-att-cli", objects=1)
        self.env.faults.append(Fault("status", op="GET", count=None,
                                     status=500, code="InternalError"))
        p = self.run_bin("cfg-att-cli", {"AWS_MAX_ATTEMPTS": "4"},
                         args=["--max-attempts", "1"])
        self.assertEqual(self.env.count(op="GET"), 1, self.show(p))

    def test_retry_mode(self):
        self.trail("cfg-mode")
        p = self.run_bin("cfg-mode", home=self.cfg("retry_mode = bogus\n"))
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"retry_mode bogus", p.stderr)
        p = self.run_bin("cfg-mode", {"AWS_RETRY_MODE": "standard"},
                         home=self.cfg("retry_mode = bogus\n"))
        self.assertEqual(p.returncode, 0, self.show(p))

    def test_bad_max_attempts(self):
        self.trail("cfg-bad-att")
        p = self.run_bin("cfg-bad-att", home=self.cfg("max_attempts = 0\n"))
        self.assertEqual(p.returncode, 3, self.show(p))

    def test_ca_bundle_used(self):
        """ca_bundle reaches libcurl: an https endpoint with a missing
        bundle fails on the bundle, not elsewhere."""
        self.trail("cfg-ca")
        p = self.run_bin("cfg-ca", {"AWS_ENDPOINT_URL": "https://127.0.0.1:9"},
                         home=self.cfg("ca_bundle = /nonexistent/ca.pem\n"),
                         args=["--max-attempts", "1"])
        self.assertNotEqual(p.returncode, 0, self.show(p))


class BotocoreFileTests(Base):
    """Files botocore and boto accept (issue 15 item 10)."""

    LONG = "# " + "a comment that goes on and on, " * 8 + "\n"  # 250, no =

    def keys_home(self, rel, text):
        h = self.home_with({rel: text})
        os.chmod(os.path.join(h, rel), 0o600)
        return h

    def test_long_comment_line(self):
        """A comment of 160 characters or more is a comment, with keys
        from the environment or from the file itself, '#' or ';', and
        indented too."""
        self.assertGreater(len(self.LONG), 200)
        self.assertNotIn("=", self.LONG)
        self.trail("ini-comment")
        h = self.home_with({".aws/config": "[default]\n" + self.LONG +
                            "region = us-east-1\n"})
        p = self.run_bin("ini-comment", home=h)
        self.assertOk(p, "environment")
        h = self.keys_home(".aws/credentials", self.LONG.replace("#", ";") +
                           "[default]\n  " + self.LONG +
                           "aws_access_key_id = AKIDTEST\n"
                           "aws_secret_access_key = %s\n" % SECRET)
        p = self.run_bin("ini-comment", self.NOENV, h)
        self.assertOk(p, os.path.join(h, ".aws", "credentials") +
                      " [default]")

    def test_long_blank_line_keeps_the_value(self):
        """A blank line of 160 blanks or more after a key is a blank line,
        not an empty continuation of the key's value."""
        self.trail("ini-blank")
        h = self.keys_home(".aws/credentials", "[default]\n"
                           "aws_access_key_id = AKIDTEST\n"
                           "aws_secret_access_key = %s\n%s\n"
                           % (SECRET, " " * 300))
        p = self.run_bin("ini-blank", self.NOENV, h)
        self.assertOk(p, os.path.join(h, ".aws", "credentials") +
                      " [default]")

    def test_upper_case_option_names(self):
        """AWS_ACCESS_KEY_ID = in ~/.aws/credentials and in ~/.boto: option
        names are lower-cased by botocore and boto 2 (configparser)."""
        self.trail("ini-case")
        text = ("AWS_ACCESS_KEY_ID = AKIDTEST\n"
                "Aws_Secret_Access_Key = %s\n" % SECRET)
        h = self.keys_home(".aws/credentials", "[default]\n" + text)
        p = self.run_bin("ini-case", self.NOENV, h)
        self.assertOk(p, os.path.join(h, ".aws", "credentials") +
                      " [default]")
        h = self.keys_home(".boto", "[Credentials]\n" + text)
        p = self.run_bin("ini-case", dict(self.NOENV, BOTO_CONFIG=None), h)
        self.assertOk(p, os.path.join(h, ".boto") + " [Credentials]")
        # and settings in the config file, nested ones too
        for text, want in (("RETRY_MODE = bogus\n", b"retry_mode bogus"),
                           ("S3 =\n  addressing_style = sideways\n",
                            b"addressing_style sideways")):
            h = self.home_with({".aws/config": "[default]\n" + text})
            p = self.run_bin("ini-case", home=h)
            self.assertEqual(p.returncode, 3, self.show(p))
            self.assertIn(want, p.stderr)

    def test_profile_default_in_config(self):
        """[profile default] in ~/.aws/config is the default profile, as
        [default] is; with both, the later one counts, wholly (botocore's
        profile map keeps the later): keys, settings, a role."""
        self.trail("ini-pdef")
        keys = ("aws_access_key_id = %s\naws_secret_access_key = %s\n")
        cfg = os.path.join(".aws", "config")
        h = self.keys_home(cfg, "[profile default]\n" + keys % (
            "AKIDTEST", SECRET))
        p = self.run_bin("ini-pdef", self.NOENV, h)
        self.assertOk(p, os.path.join(h, cfg) + " [default]")
        for text in ("[default]\n" + keys % ("AKIDNOPE", "nope") +
                     "[profile default]\n" + keys % ("AKIDTEST", SECRET),
                     "[profile default]\n" + keys % ("AKIDNOPE", "nope") +
                     "retry_mode = bogus\n[default]\n" +
                     keys % ("AKIDTEST", SECRET)):
            h = self.keys_home(cfg, text)
            p = self.run_bin("ini-pdef", self.NOENV, h)
            self.assertOk(p, os.path.join(h, cfg) + " [default]")
            self.assertEqual(self.keys_used(), ["AKIDTEST"])
        h = self.home_with({cfg: "[profile default]\nretry_mode = bogus\n"})
        p = self.run_bin("ini-pdef", home=h)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"retry_mode bogus", p.stderr)
        h = self.home_with({cfg: "[profile default]\nrole_arn = %s\n" %
                            ROLE})
        p = self.run_bin("ini-pdef", self.NOENV, h)
        self.assertEqual(p.returncode, 3, self.show(p))
        self.assertIn(b"source_profile or credential_source", p.stderr)


if __name__ == "__main__":
    sys.exit(runner.main("creds"))
