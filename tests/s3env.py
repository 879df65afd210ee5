#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A local S3 for getawslog's tests: moto's S3 server behind a verifying front.

The front is a threaded HTTP/1.1 server on 127.0.0.1 (keep-alive, Content-Length
and chunked request bodies, Expect: 100-continue).  For every request it

  * recomputes AWS Signature Version 4 from the raw bytes on the wire (request
    line, the headers named in SignedHeaders, the body) with S3's rules, using
    its own code (hashlib/hmac, not botocore), and refuses a mismatch the way S3
    does: 403 SignatureDoesNotMatch, 403 InvalidAccessKeyId, 403 AccessDenied
    (no Authorization, or x-amz-* headers that are not signed), 400
    XAmzContentSHA256Mismatch, 400 InvalidToken / 403 for a session token that
    is wrong or missing, 403 RequestTimeTooSkewed;
  * emulates S3's regions: each bucket made with make_bucket() has a region; a
    request signed for another region gets 400 AuthorizationHeaderMalformed
    with x-amz-bucket-region (HEAD: no body); GetBucketLocation (?location) is
    answered whatever the region, as S3 does; successful bucket-level
    responses carry x-amz-bucket-region;
  * makes moto's answers look like S3's where moto differs: in ListObjectsV2
    with encoding-type=url, keys are form-encoded as S3 does it (space as "+",
    "+" as %2B), and continuation tokens are opaque base64 strings with "+",
    "/" and "=" in them (moto's are plain hex), so a client must encode them;
  * records every request (env.requests), counts accepted connections
    (env.connections), and applies fault-injection rules (env.faults).

Rules for the canonical request (S3's, no normalisation):
  URI    percent-decode the raw path ("+" read as a space, as S3 does), then
         encode every byte outside A-Za-z0-9-_.~ except "/".  "//", "/./" and
         "/../" stay as they are.
  query  split on "&", each name and value percent-decoded ("+" is a space, as
         S3 reads query strings), then encoded strictly and sorted.
  headers  values trimmed, inner runs of spaces folded to one; duplicates
         joined with ",".  host and every x-amz-* header sent must be signed.
  payload  x-amz-content-sha256 is required and must be the body's SHA-256
         unless it is UNSIGNED-PAYLOAD.

API
---
    from s3env import S3Env, Fault
    with S3Env(credentials={"AKIDTEST": "secret",
                            "ASIATEMP": ("secret2", "session-token")}) as env:
        env.endpoint            # "http://127.0.0.1:PORT", the verifying front
        env.moto_endpoint       # moto itself (no checks), for seeding
        env.s3                  # boto3 S3 client talking straight to moto
        env.credentials         # dict access key -> secret (mutable)
        env.tokens              # dict access key -> session token (mutable)
        env.read_only           # set of access keys allowed only GET and
                                # HEAD: their other requests (DeleteObject,
                                # PutObject, ...) get 403 AccessDenied with
                                # S3's XML body, after the signature check
        env.make_bucket(name, region="us-east-1")
        env.put(bucket, key, data: bytes)
        env.put_many(bucket, {key: data, ...}, threads=8)
        env.get(bucket, key) -> bytes
        env.keys(bucket) -> [key, ...]   (S3 listing order)
        env.requests            # [Request(method, path, query, status, bucket,
                                #          key, op, access_key, region, fault,
                                #          conn, signature, token)], op is
                                #  LIST, GET, HEAD, DELETE, PUT, HEADBUCKET,
                                #  LOCATION, OTHER; signature is the
                                #  Authorization header's, token the
                                #  x-amz-security-token sent (or None)
        env.count(op=None, status=None) -> int
        env.connections         # connections the front accepted
        env.faults              # [Fault(...)], see Fault
        env.latency_ms          # global latency before every answer (0)
        env.accept_sts          # also accept every key moto's STS issued
                                # (False; env.sts_keys() lists them); STS
                                # itself is env.moto_endpoint
        env.reset()             # moto reset, regions, requests, faults,
                                # read_only, connections and latency cleared
        env.run(args, extra_env=None, home=None, timeout=60, cwd=None)
            # runs $GETAWSLOG (default ./getawslog) with a clean environment:
            # PATH kept; HOME = a fresh temp dir (or home); BOTO_CONFIG = a
            # file that does not exist; AWS_ENDPOINT_URL = env.endpoint;
            # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY = the first
            # credential; no AWS_REGION.  extra_env overrides, a value None
            # removes the variable.  cwd defaults to a fresh empty temp dir.
            # Returns subprocess.CompletedProcess (stdout/stderr bytes) with
            # .home and .cwd added.
        env.popen(args, extra_env=None, home=None, cwd=None)
            # the same, started and not waited for: subprocess.Popen with
            # stdout/stderr piped, .home and .cwd added.
        env.tempdir() -> a fresh temp dir, removed when the env closes

    Fault(kind, method=None, key=None, count=1, status=503, code="SlowDown",
          message=None, retry_after=None, ms=0, op=None, length=0)
        kind: "status"   answer status with S3's XML error code/message (and
                         Retry-After when given) without forwarding to moto;
              "reset"    forward, send the headers and part of the body, then
                         reset the connection (RST);
              "truncate" forward, send a Content-Length larger than the bytes
                         sent, then close;
              "corrupt"  forward, flip one byte in the middle of the body;
              "latency"  sleep ms milliseconds, then answer normally;
              "loop"     (LIST) answer the first page, truncated, with the
                         same NextContinuationToken every time, as a broken
                         store would: a client that trusts it never ends;
              "length"   forward, send Content-Length: length (a lie), the
                         real body, then hold the connection ms milliseconds
                         (default 20000) before closing it;
              "pad"      forward, append length bytes of blanks to the body
                         (after the XML's root element, where XML allows
                         them), with a true Content-Length.
        method / op / key (substring of the decoded object key) select the
        requests; count is how many times it fires (None: always).  The first
        matching rule fires.  Faults apply after the signature check.

    shared_env(**kw) returns one S3Env per process (started on first use,
    stopped at exit), so a test run starts moto once; call env.reset() between
    tests.

CloudTrail helpers: sample_events(), cloudtrail_key(), digest_key(),
cloudtrail_document(), gz(), zlib_wrap(), make_trail(), s3_order().

As a script:
    python tests/s3env.py serve [--port-file F] [--port N] [--cred AKID:SECRET]
        runs moto and the front until killed; prints the front URL; F gets the
        front URL and moto's URL, one a line.
    python tests/s3env.py seed --moto URL --bucket NAME [--region R]
        seeds NAME with a sample trail (logs, a digest file, a folder key).
    python tests/s3env.py selftest
        checks the verifier against botocore's signer.
"""

import argparse
import atexit
import base64
import collections
import dataclasses
import datetime as dt
import gzip
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       b"0123456789-_.~")

ERRORS = {
    "SignatureDoesNotMatch": (403, "The request signature we calculated does "
                              "not match the signature you provided. Check "
                              "your key and signing method."),
    "InvalidAccessKeyId": (403, "The AWS Access Key Id you provided does not "
                           "exist in our records."),
    "AccessDenied": (403, "Access Denied"),
    "AuthorizationHeaderMalformed": (400, "The authorization header is "
                                     "malformed"),
    "XAmzContentSHA256Mismatch": (400, "The provided 'x-amz-content-sha256' "
                                  "header does not match what was computed."),
    "InvalidToken": (400, "The provided token is malformed or otherwise "
                     "invalid."),
    "RequestTimeTooSkewed": (403, "The difference between the request time "
                             "and the current time is too large."),
    "InvalidRequest": (400, "Invalid Request"),
    "InvalidURI": (400, "Couldn't parse the specified URI."),
    "SlowDown": (503, "Please reduce your request rate."),
    "InternalError": (500, "We encountered an internal error. Please try "
                      "again."),
    "ServiceUnavailable": (503, "Service is unable to handle request."),
}

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "expect", "content-length"}


# ---------------------------------------------------------------- SigV4

def uri_encode(data, keep_slash):
    """Encode bytes S3's way: every byte outside A-Za-z0-9-_.~ as %XX."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = []
    for b in data:
        if b in UNRESERVED or (keep_slash and b == 0x2F):
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def canonical_uri(raw_path):
    """The canonical URI of a raw request path (decoded once, re-encoded).
    S3 reads a raw "+" in the path as a space, so a client that leaves "+"
    unencoded in a key fails here, as it would on S3 (moto would not see it)."""
    return uri_encode(urllib.parse.unquote_to_bytes(raw_path.replace("+", " ")),
                      True) or "/"


def query_pairs(raw_query):
    """Decoded (name, value) byte pairs of a raw query string, in order."""
    pairs = []
    if not raw_query:
        return pairs
    for part in raw_query.split("&"):
        if part == "":
            continue
        name, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote_to_bytes(name.replace("+", " ")),
                      urllib.parse.unquote_to_bytes(value.replace("+", " "))))
    return pairs


def canonical_query(raw_query):
    enc = [(uri_encode(n, False), uri_encode(v, False))
           for n, v in query_pairs(raw_query)]
    enc.sort()
    return "&".join("%s=%s" % nv for nv in enc)


def canonical_header_value(values):
    return ",".join(re.sub(r" +", " ", v.strip(" \t").replace("\t", " "))
                    for v in values)


def parse_authorization(value):
    """{"access_key", "date", "region", "service", "signed", "signature"}
    from an AWS4-HMAC-SHA256 Authorization header, or None if malformed."""
    m = re.match(r"^AWS4-HMAC-SHA256\s+(.*)$", value.strip())
    if not m:
        return None
    fields = {}
    for item in re.split(r"\s*,\s*", m.group(1)):
        k, sep, v = item.strip().partition("=")
        if not sep:
            return None
        fields[k] = v
    try:
        cred = fields["Credential"].split("/")
        signed = fields["SignedHeaders"]
        sig = fields["Signature"]
    except KeyError:
        return None
    if len(cred) != 5 or cred[4] != "aws4_request" or not signed:
        return None
    return {"access_key": cred[0], "date": cred[1], "region": cred[2],
            "service": cred[3], "signed": signed.split(";"),
            "signature": sig.lower()}


def signing_key(secret, date, region, service):
    k = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode("utf-8"), hashlib.sha256).digest()
    return k


def canonical_request(method, raw_path, raw_query, headers, signed,
                      payload_hash):
    """headers: list of (name, value) str pairs as received (latin-1)."""
    by_name = collections.defaultdict(list)
    for name, value in headers:
        by_name[name.lower()].append(value)
    lines = [method, canonical_uri(raw_path), canonical_query(raw_query)]
    for name in signed:
        lines.append("%s:%s" % (name, canonical_header_value(by_name[name])))
    lines += ["", ";".join(signed), payload_hash]
    return "\n".join(lines)


def string_to_sign(amz_date, scope, creq):
    return "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                      hashlib.sha256(creq.encode("latin-1")).hexdigest()])


class AuthError(Exception):
    def __init__(self, code, message=None, status=None, extra=None):
        st, msg = ERRORS.get(code, (400, code))
        self.code = code
        self.status = status or st
        self.message = message or msg
        self.extra = extra or {}
        super().__init__("%s: %s" % (code, self.message))


def verify_request(method, raw_path, raw_query, headers, body, secrets,
                   tokens=None, now=None, skew=900):
    """Check a request's SigV4 signature.  Returns the parsed Authorization
    fields; raises AuthError the way S3 would answer."""
    tokens = tokens or {}
    hdrs = collections.defaultdict(list)
    for name, value in headers:
        hdrs[name.lower()].append(value)
    if "authorization" not in hdrs:
        raise AuthError("AccessDenied")
    auth = parse_authorization(hdrs["authorization"][0])
    if auth is None or auth["service"] != "s3":
        raise AuthError("AuthorizationHeaderMalformed")
    signed = auth["signed"]
    if signed != sorted(set(signed)) or any(s != s.lower() for s in signed):
        raise AuthError("AuthorizationHeaderMalformed",
                        "The authorization header is malformed; "
                        "SignedHeaders is not sorted lower-case.")
    if auth["access_key"] not in secrets:
        raise AuthError("InvalidAccessKeyId")
    unsigned = [h for h in hdrs if (h == "host" or h.startswith("x-amz-"))
                and h not in signed]
    if unsigned:
        raise AuthError("AccessDenied", "There were headers present in the "
                        "request which were not signed",
                        extra={"HeadersNotSigned": ", ".join(sorted(unsigned))})
    missing = [h for h in signed if h not in hdrs]
    if missing:
        raise AuthError("SignatureDoesNotMatch")
    amz_date = (hdrs.get("x-amz-date") or [""])[0].strip()
    if not re.match(r"^\d{8}T\d{6}Z$", amz_date):
        raise AuthError("AccessDenied", "AWS authentication requires a valid "
                        "Date or x-amz-date header")
    if amz_date[:8] != auth["date"]:
        raise AuthError("SignatureDoesNotMatch")
    if now is not None:
        t = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.timezone.utc).timestamp()
        if abs(now - t) > skew:
            raise AuthError("RequestTimeTooSkewed")
    if "x-amz-content-sha256" not in hdrs:
        raise AuthError("InvalidRequest", "Missing required header for this "
                        "request: x-amz-content-sha256")
    payload_hash = hdrs["x-amz-content-sha256"][0].strip()
    scope = "/".join([auth["date"], auth["region"], "s3", "aws4_request"])
    creq = canonical_request(method, raw_path, raw_query, headers, signed,
                             payload_hash)
    sts = string_to_sign(amz_date, scope, creq)
    key = signing_key(secrets[auth["access_key"]], auth["date"],
                      auth["region"], "s3")
    want = hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, auth["signature"]):
        raise AuthError("SignatureDoesNotMatch", extra={
            "AWSAccessKeyId": auth["access_key"], "StringToSign": sts,
            "SignatureProvided": auth["signature"], "CanonicalRequest": creq})
    if payload_hash != "UNSIGNED-PAYLOAD":
        if payload_hash != hashlib.sha256(body).hexdigest():
            raise AuthError("XAmzContentSHA256Mismatch", extra={
                "ClientComputedContentSHA256": payload_hash,
                "S3ComputedContentSHA256": hashlib.sha256(body).hexdigest()})
    want_token = tokens.get(auth["access_key"])
    got_token = hdrs.get("x-amz-security-token")
    if want_token is not None:
        if got_token is None:
            raise AuthError("InvalidAccessKeyId")
        if got_token[0].strip() != want_token:
            raise AuthError("InvalidToken")
    elif got_token is not None:
        raise AuthError("InvalidToken")
    return auth


# ---------------------------------------------------------------- XML bits

def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def error_body(code, message, extra=None, resource=""):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
             '<Message>%s</Message>' % (xml_escape(code), xml_escape(message))]
    for k, v in (extra or {}).items():
        parts.append("<%s>%s</%s>" % (k, xml_escape(str(v)), k))
    if resource:
        parts.append("<Resource>%s</Resource>" % xml_escape(resource))
    rid = "%016X" % random.getrandbits(64)
    parts.append("<RequestId>%s</RequestId><HostId>%s</HostId></Error>"
                 % (rid, base64.b64encode(rid.encode()).decode()))
    return "".join(parts).encode("utf-8")


# ---------------------------------------------------------------- the front

@dataclasses.dataclass
class Fault:
    kind: str
    method: str = None
    key: str = None
    count: int = 1
    status: int = 503
    code: str = "SlowDown"
    message: str = None
    retry_after: int = None
    ms: int = 0
    op: str = None
    fired: int = 0
    length: int = 0

    def matches(self, req):
        if self.count is not None and self.fired >= self.count:
            return False
        if self.method and self.method.upper() != req.method:
            return False
        if self.op and self.op != req.op:
            return False
        if self.key is not None and (req.key is None or self.key not in req.key):
            return False
        return True


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: str
    status: int = 0
    bucket: str = None
    key: str = None
    op: str = "OTHER"
    access_key: str = None
    region: str = None
    fault: str = None
    conn: int = 0
    signature: str = None
    token: str = None


class BadRequest(Exception):
    pass


def classify(method, raw_path, raw_query):
    """(bucket, key, op) of a path-style request."""
    path = urllib.parse.unquote_to_bytes(raw_path).decode("utf-8", "replace")
    names = [n for n, _ in query_pairs(raw_query)]
    if not path.startswith("/") or path == "/":
        return None, None, "OTHER"
    bucket, slash, key = path[1:].partition("/")
    if not slash or key == "":
        if method == "GET" and b"location" in names:
            return bucket, None, "LOCATION"
        if method == "GET" and not (set(names) - {b"list-type", b"prefix",
                                                  b"max-keys", b"encoding-type",
                                                  b"continuation-token",
                                                  b"start-after", b"delimiter",
                                                  b"fetch-owner", b"marker"}):
            return bucket, None, "LIST"
        if method == "HEAD":
            return bucket, None, "HEADBUCKET"
        return bucket, None, "OTHER"
    op = {"GET": "GET", "HEAD": "HEAD", "DELETE": "DELETE",
          "PUT": "PUT"}.get(method, "OTHER")
    if names and op in ("GET", "PUT", "DELETE") and not set(names) <= {
            b"versionId", b"partNumber", b"response-content-type"}:
        op = "OTHER"
    return bucket, key, op


class FrontHandler(socketserver.StreamRequestHandler):
    timeout = 300

    def setup(self):
        super().setup()
        self.env = self.server.env
        with self.env._lock:
            self.env.connections += 1
            self.conn_id = self.env.connections
        self.upstream = None

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        if self.upstream is not None:
            self.upstream.close()

    def handle(self):
        try:
            while self.handle_one():
                pass
        except (OSError, BadRequest, http.client.HTTPException):
            pass

    # -- reading
    def read_line(self, limit=65536):
        line = self.rfile.readline(limit + 1)
        if len(line) > limit:
            raise BadRequest("line too long")
        return line

    def read_body(self, headers):
        te = [v.lower() for n, v in headers if n.lower() == "transfer-encoding"]
        if te and "chunked" in te[-1]:
            chunks = []
            while True:
                size_line = self.read_line().split(b";")[0].strip()
                size = int(size_line, 16)
                if size == 0:
                    while self.read_line() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.read_line()
        cl = [v for n, v in headers if n.lower() == "content-length"]
        if cl:
            n = int(cl[0].strip())
            data = self.rfile.read(n)
            if len(data) != n:
                raise BadRequest("short body")
            return data
        return b""

    def handle_one(self):
        line = self.read_line()
        if not line:
            return False
        if line in (b"\r\n", b"\n"):
            return True
        parts = line.decode("latin-1").rstrip("\r\n").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise BadRequest("bad request line")
        method, target, version = parts
        headers = []
        while True:
            h = self.read_line()
            if h in (b"\r\n", b"\n", b""):
                break
            text = h.decode("latin-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and headers:
                n, v = headers[-1]
                headers[-1] = (n, v + " " + text.strip())
                continue
            name, sep, value = text.partition(":")
            if not sep:
                raise BadRequest("bad header")
            headers.append((name.strip(), value.strip(" \t")))
        lower = {n.lower(): v for n, v in headers}
        if "100-continue" in lower.get("expect", "").lower():
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        body = self.read_body(headers)
        conn_hdr = lower.get("connection", "").lower()
        keep = (version == "HTTP/1.1" and "close" not in conn_hdr) or \
            (version == "HTTP/1.0" and "keep-alive" in conn_hdr)
        raw_path, _, raw_query = target.partition("?")
        req = Request(method, raw_path, raw_query, conn=self.conn_id)
        with self.env._lock:
            self.env.requests.append(req)
            self.env.in_flight += 1
        try:
            return self.process(req, headers, body, keep)
        finally:
            with self.env._lock:
                self.env.in_flight -= 1

    # -- answering
    def send(self, req, status, headers, body, keep, head=False,
             fault=None, lie=None):
        req.status = status
        reason = http.client.responses.get(status, "Unknown")
        out = ["HTTP/1.1 %d %s" % (status, reason)]
        names = {n.lower() for n, _ in headers}
        for n, v in headers:
            out.append("%s: %s" % (n, v))
        if "date" not in names:
            out.append("Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                time.gmtime()))
        if not head or "content-length" not in names:
            if fault == "truncate" and body:
                out.append("Content-Length: %d" % (len(body) + 1000))
            elif fault == "length":
                out.append("Content-Length: %d" % lie.length)
            else:
                out.append("Content-Length: %d" % len(body))
        if not keep:
            out.append("Connection: close")
        data = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")
        if head:
            body = b""
        if fault == "length":
            self.wfile.write(data + body)
            self.wfile.flush()
            time.sleep((lie.ms or 20000) / 1000.0)
            return False
        if fault in ("reset", "truncate"):
            part = body[:len(body) // 2] if body else b""
            self.wfile.write(data + part)
            self.wfile.flush()
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                try:
                    self.connection.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            return False
        self.wfile.write(data + body)
        self.wfile.flush()
        return keep

    def send_error(self, req, err, keep, resource=""):
        head = req.method == "HEAD"
        hdrs = [("Content-Type", "application/xml"),
                ("x-amz-request-id", "%016X" % random.getrandbits(64))]
        for k, v in err.extra.items():
            if k.startswith("x-amz-"):
                hdrs.append((k, v))
        extra = {k: v for k, v in err.extra.items()
                 if not k.startswith("x-amz-") and k != "Retry-After"}
        if "Retry-After" in err.extra:
            hdrs.append(("Retry-After", str(err.extra["Retry-After"])))
        body = error_body(err.code, err.message, extra, resource)
        return self.send(req, err.status, hdrs, body, keep, head=head)

    def process(self, req, headers, body, keep):
        env = self.env
        if env.latency_ms:
            time.sleep(env.latency_ms / 1000.0)
        target = req.path + ("?" + req.query if req.query else "")
        if any(ord(c) <= 0x20 or ord(c) >= 0x7F or c == "#" for c in target):
            return self.send_error(req, AuthError("InvalidURI"), keep)
        req.bucket, req.key, req.op = classify(req.method, req.path, req.query)
        resource = urllib.parse.unquote(req.path)
        with env._lock:
            secrets = dict(env.credentials)
            tokens = dict(env.tokens)
            bucket_region = env.regions.get(req.bucket)
            accept_sts = env.accept_sts
        if accept_sts:
            for akid, (sk, tok) in env.sts_keys().items():
                secrets.setdefault(akid, sk)
                tokens.setdefault(akid, tok)
        hv = [v for n, v in headers if n.lower() == "authorization"]
        auth = parse_authorization(hv[0]) if hv else None
        if auth:
            req.access_key, req.region = auth["access_key"], auth["region"]
            req.signature = auth["signature"]
        tv = [v for n, v in headers if n.lower() == "x-amz-security-token"]
        req.token = tv[0] if tv else None
        # S3 names the right region before it looks at the signature;
        # GetBucketLocation is answered whatever region signed it.
        if (auth and bucket_region and req.op != "LOCATION"
                and auth["region"] != bucket_region):
            err = AuthError("AuthorizationHeaderMalformed",
                            "The authorization header is malformed; the "
                            "region '%s' is wrong; expecting '%s'"
                            % (auth["region"], bucket_region),
                            extra={"Region": bucket_region,
                                   "x-amz-bucket-region": bucket_region})
            return self.send_error(req, err, keep)
        try:
            verify_request(req.method, req.path, req.query, headers, body,
                           secrets, tokens, now=time.time())
        except AuthError as err:
            return self.send_error(req, err, keep, resource)
        with env._lock:
            read_only = req.access_key in env.read_only
        if read_only and req.method not in ("GET", "HEAD"):
            # A key whose policy allows s3:GetObject and s3:ListBucket
            # only: S3 answers AccessDenied, without a Resource element.
            return self.send_error(req, AuthError("AccessDenied"), keep)
        fault = None
        with env._lock:
            for rule in env.faults:
                if rule.matches(req):
                    rule.fired += 1
                    fault = dataclasses.replace(rule)
                    break
        if fault:
            req.fault = fault.kind
            if fault.kind == "latency":
                time.sleep(fault.ms / 1000.0)
            elif fault.kind == "status":
                code = fault.code
                msg = fault.message or ERRORS.get(code, (0, code))[1]
                extra = {}
                if fault.retry_after is not None:
                    extra["Retry-After"] = fault.retry_after
                return self.send_error(req, AuthError(code, msg, fault.status,
                                                      extra), keep, resource)
        kind = fault.kind if fault else None
        status, rheaders, rbody = self.forward(req, headers, body,
                                               drop_token=kind == "loop")
        rheaders, rbody = env._rewrite(req, status, rheaders, rbody)
        if kind == "loop" and status == 200:
            text = re.sub(r"<NextContinuationToken>.*?</NextContinuationToken>",
                          "", rbody.decode("utf-8"))
            text = re.sub(r"<IsTruncated>\w*</IsTruncated>",
                          "<IsTruncated>true</IsTruncated>"
                          "<NextContinuationToken>loop+/=</NextContinuationToken>",
                          text)
            rbody = text.encode("utf-8")
        if kind == "pad":
            rbody = rbody + b" " * fault.length
        if (req.key is None and req.bucket and 200 <= status < 300
                and req.op != "LOCATION"):
            rheaders = [(n, v) for n, v in rheaders
                        if n.lower() != "x-amz-bucket-region"]
            rheaders.append(("x-amz-bucket-region",
                             bucket_region or "us-east-1"))
        if kind == "corrupt" and rbody:
            b = bytearray(rbody)
            b[len(b) // 2] ^= 0x01
            rbody = bytes(b)
        return self.send(req, status, rheaders, rbody, keep,
                         head=req.method == "HEAD",
                         fault=kind if kind in ("reset", "truncate", "length")
                         else None, lie=fault)

    def forward(self, req, headers, body, drop_token=False):
        query = req.query
        if drop_token:
            query = "&".join(p for p in query.split("&")
                             if not p.startswith("continuation-token="))
        target = req.path + ("?" + query if query else "")
        target = self.env._forward_target(req, target)
        for attempt in (0, 1):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(
                    self.env.moto_host, self.env.moto_port, timeout=120)
            try:
                c = self.upstream
                c.putrequest(req.method, target, skip_host=True,
                             skip_accept_encoding=True)
                for n, v in headers:
                    if n.lower() not in HOP_BY_HOP:
                        c.putheader(n, v.encode("latin-1"))
                if body or req.method in ("PUT", "POST"):
                    c.putheader("Content-Length", str(len(body)))
                c.endheaders(body if body else None)
                resp = c.getresponse()
                rbody = resp.read()
                rheaders = [(n, v) for n, v in resp.getheaders()
                            if n.lower() not in HOP_BY_HOP
                            or (n.lower() == "content-length"
                                and req.method == "HEAD")]
                if resp.will_close:
                    c.close()
                    self.upstream = None
                return resp.status, rheaders, rbody
            except (OSError, http.client.HTTPException):
                self.upstream.close()
                self.upstream = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


class FrontServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, env):
        self.env = env
        super().__init__(addr, FrontHandler)


# ---------------------------------------------------------------- the env

def _silence_werkzeug():
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


class S3Env:
    def __init__(self, credentials=None, port=0, s3_like=True):
        creds = credentials or {"AKIDTEST": "secret"}
        self.credentials = {}
        self.tokens = {}
        for k, v in creds.items():
            if isinstance(v, (tuple, list)):
                self.credentials[k] = v[0]
                if len(v) > 1 and v[1] is not None:
                    self.tokens[k] = v[1]
            else:
                self.credentials[k] = v
        self.default_key = next(iter(self.credentials))
        self.port = port
        self.s3_like = s3_like
        self.regions = {}
        self.requests = []
        self.faults = []
        self.read_only = set()
        self.connections = 0
        self.latency_ms = 0
        self.accept_sts = False
        self.in_flight = 0          # requests being answered
        self._tokens_out = {}
        self._tokens_in = {}
        self._lock = threading.RLock()
        self._moto = None
        self._front = None
        self._tmp = None
        self._clients = {}
        self.binary = binary_path()

    # -- lifecycle
    def start(self):
        from moto.server import ThreadedMotoServer
        _silence_werkzeug()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0,
                                        verbose=False)
        self._moto.start()
        self.moto_host, self.moto_port = self._moto.get_host_and_port()
        self.moto_endpoint = "http://%s:%d" % (self.moto_host, self.moto_port)
        self._front = FrontServer(("127.0.0.1", self.port), self)
        self.front_port = self._front.server_address[1]
        self.endpoint = "http://127.0.0.1:%d" % self.front_port
        threading.Thread(target=self._front.serve_forever, daemon=True,
                         name="s3env-front").start()
        self._tmp = tempfile.mkdtemp(prefix="s3env.")
        self.s3 = self.client()
        return self

    def close(self):
        if self._front:
            self._front.shutdown()
            self._front.server_close()
            self._front = None
        if self._moto:
            self._moto.stop()
            self._moto = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def wait_idle(self, timeout=30):
        """Wait until no request is being answered: a client killed in
        the middle of one leaves it to finish (a DELETE sleeping in the
        latency, say), and the next run must see its effect."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if self.in_flight == 0:
                    return
            time.sleep(0.01)
        raise AssertionError("the front is still answering %d requests"
                             % self.in_flight)

    def reset(self):
        c = http.client.HTTPConnection(self.moto_host, self.moto_port,
                                       timeout=30)
        c.request("POST", "/moto-api/reset")
        c.getresponse().read()
        c.close()
        with self._lock:
            self.regions.clear()
            del self.requests[:]
            del self.faults[:]
            self.read_only.clear()
            self.connections = 0
            self.latency_ms = 0
            self.accept_sts = False
            self._tokens_out.clear()
            self._tokens_in.clear()

    # -- moto side
    def client(self, region="us-east-1"):
        import boto3
        import botocore.config
        if region not in self._clients:
            self._clients[region] = boto3.client(
                "s3", region_name=region, endpoint_url=self.moto_endpoint,
                aws_access_key_id="seed", aws_secret_access_key="seed",
                config=botocore.config.Config(
                    s3={"addressing_style": "path"},
                    max_pool_connections=32,
                    retries={"max_attempts": 1}))
        return self._clients[region]

    def make_bucket(self, name, region="us-east-1"):
        kw = {}
        if region != "us-east-1":
            kw["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.client(region).create_bucket(Bucket=name, **kw)
        with self._lock:
            self.regions[name] = region

    def put(self, bucket, key, data):
        self.s3.put_object(Bucket=bucket, Key=key, Body=data)

    def put_many(self, bucket, items, threads=8):
        """Put many objects fast: straight into moto's in-process backend
        (moto runs in this process), else through boto3 in threads."""
        items = list(items.items() if isinstance(items, dict) else items)
        try:
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.s3.models import s3_backends
            backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
            backend.get_bucket(bucket)
        except Exception:
            backend = None
        if backend is not None:
            for k, d in items:
                backend.put_object(bucket, k, d)
            return
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(threads) as ex:
            list(ex.map(lambda kd: self.put(bucket, kd[0], kd[1]), items))

    def get(self, bucket, key):
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, bucket):
        out = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket)
        for page in pages:
            out += [o["Key"] for o in page.get("Contents", [])]
        return out

    def sts_keys(self):
        """{access key: (secret, session token)} of every temporary key
        moto's STS (AssumeRole, AssumeRoleWithWebIdentity) has issued; the
        front accepts them when env.accept_sts is set."""
        from moto.sts.models import sts_backends
        out = {}
        for account in list(sts_backends.keys()):
            for part in list(sts_backends[account].keys()):
                for r in sts_backends[account][part].assumed_roles:
                    out[r.access_key_id] = (r.secret_access_key,
                                            r.session_token)
        return out

    def count(self, op=None, status=None):
        with self._lock:
            return sum(1 for r in self.requests
                       if (op is None or r.op == op)
                       and (status is None or r.status == status))

    # -- S3 look-alike rewriting between the front and moto
    def _forward_target(self, req, target):
        if not self.s3_like or req.op != "LIST":
            return target
        pairs = []
        changed = False
        for part in req.query.split("&"):
            name, sep, value = part.partition("=")
            if name == "continuation-token":
                tok = urllib.parse.unquote_plus(value)
                with self._lock:
                    inner = self._tokens_in.get(tok)
                if inner is not None:
                    value = urllib.parse.quote(inner, safe="")
                    changed = True
            pairs.append(name + sep + value)
        if not changed:
            return target
        return req.path + "?" + "&".join(pairs)

    def _rewrite(self, req, status, headers, body):
        if not self.s3_like or req.op != "LIST" or status != 200:
            return headers, body
        url = any(n == b"encoding-type" and v == b"url"
                  for n, v in query_pairs(req.query))
        text = body.decode("utf-8")

        def token(m):
            inner = m.group(2)
            with self._lock:
                outer = self._tokens_out.get(inner)
                if outer is None:
                    h = hashlib.sha256(inner.encode()).digest()
                    # S3's tokens are base64; make sure "+", "/" and "="
                    # appear so that a client has to encode them.
                    outer = "1+/" + base64.b64encode(h[:22]).decode() + "="
                    self._tokens_out[inner] = outer
                    self._tokens_in[outer] = inner
            return m.group(1) + outer + m.group(3)

        text = re.sub(r"(<NextContinuationToken>)(.*?)"
                      r"(</NextContinuationToken>)", token, text)
        if url:
            def key(m):
                raw = urllib.parse.unquote(m.group(2))
                return m.group(1) + urllib.parse.quote_plus(
                    raw, safe="/") + m.group(3)
            text = re.sub(r"(<Key>)(.*?)(</Key>)", key, text)
        return headers, text.encode("utf-8")

    # -- running the binary
    def tempdir(self):
        return tempfile.mkdtemp(dir=self._tmp)

    def _child_env(self, home, extra_env):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": home,
               "BOTO_CONFIG": os.path.join(home, "no-such-boto-config"),
               "AWS_ENDPOINT_URL": self.endpoint,
               "AWS_ACCESS_KEY_ID": self.default_key,
               "AWS_SECRET_ACCESS_KEY": self.credentials[self.default_key],
               # never ask the host's instance metadata (a test host may
               # be an EC2 instance); the IMDS tests set their own
               "AWS_EC2_METADATA_DISABLED": "true"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR"):
            if k in os.environ:
                env[k] = os.environ[k]
        for k, v in (extra_env or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def run(self, args, extra_env=None, home=None, timeout=60, cwd=None,
            wrap=()):
        """Run the binary (under the command wrap, e.g. strace, if given)
        with the test environment; a CompletedProcess with .home, .cwd."""
        home = home or self.tempdir()
        cwd = cwd or self.tempdir()
        proc = subprocess.run(list(wrap) + [self.binary] + list(args),
                              env=self._child_env(home, extra_env), cwd=cwd,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
        proc.home = home
        proc.cwd = cwd
        return proc

    def popen(self, args, extra_env=None, home=None, cwd=None):
        """Start the binary as run() does, without waiting: a Popen with
        stdout and stderr piped (use communicate()), .home and .cwd."""
        home = home or self.tempdir()
        cwd = cwd or self.tempdir()
        proc = subprocess.Popen([self.binary] + list(args),
                                env=self._child_env(home, extra_env), cwd=cwd,
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.home = home
        proc.cwd = cwd
        return proc


def binary_path():
    b = os.environ.get("GETAWSLOG")
    if not b:
        b = "./getawslog" if os.path.exists("./getawslog") else \
            os.path.join(TOP, "getawslog")
    return os.path.abspath(b)


_SHARED = None


def shared_env(**kw):
    """One S3Env per process, started on first use and stopped at exit."""
    global _SHARED
    if _SHARED is None:
        _SHARED = S3Env(**kw).start()
        atexit.register(_SHARED.close)
    return _SHARED


# ---------------------------------------------------------------- CloudTrail

def s3_order(keys):
    """Keys in S3's listing order (UTF-8 binary order)."""
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def bytes_difference(got, want, context=60):
    """None when got == want, else a message: the sizes and the first
    differing byte, with context bytes either side."""
    if got == want:
        return None
    i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
             min(len(got), len(want)))
    lo = max(0, i - context)
    return ("log differs: %d bytes, want %d; first difference at byte %d: "
            "got %r, want %r" % (len(got), len(want), i,
                                 got[lo:i + context], want[lo:i + context]))


def zlib_wrap(data):
    return zlib.compress(data, 6)


def sample_events(shared=None):
    """Event texts (bytes) from tests/data/events, plus, when shared (or env
    SHARED) names the project's shared directory, its corpus/events."""
    out = []
    dirs = [os.path.join(DATA, "events")]
    shared = shared if shared is not None else os.environ.get("SHARED")
    if shared and os.path.isdir(os.path.join(shared, "corpus", "events")):
        dirs.append(os.path.join(shared, "corpus", "events"))
    seen = set()
    for d in dirs:
        for name in sorted(os.listdir(d)):
            if name.endswith(".json") and name not in seen:
                seen.add(name)
                with open(os.path.join(d, name), "rb") as f:
                    out.append(f.read())
    return out


def _rand_suffix(rng, n=16):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(n))


def cloudtrail_key(account, region, when, rng):
    return ("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz"
            % (account, region, when.strftime("%Y/%m/%d"), account, region,
               when.strftime("%Y%m%dT%H%MZ"), _rand_suffix(rng)))


def digest_key(account, region, when):
    return ("AWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_"
            "demo-trail_%s_%s.json.gz"
            % (account, region, when.strftime("%Y/%m/%d"), account, region,
               region, when.strftime("%Y%m%dT%H%M%SZ")))


def cloudtrail_document(events):
    return b'{"Records":[' + b",".join(events) + b"]}"


def make_trail(seed=0, account="123456789012", region="us-east-1",
               objects=5, per_object=(1, 4), start=None, events=None,
               bucket="demo-trail", digest=True, folders=True):
    """A deterministic CloudTrail trail: a list of (key, body) where body is
    what goes into S3 (gzipped), and the dict {key: document} of the log
    objects' decompressed documents.  Adds a digest file covering the logs
    and folder keys when asked."""
    rng = random.Random(seed)
    events = events if events is not None else sample_events(shared="")
    when = start or dt.datetime(2024, 7, 30, 21, 5)
    items, docs = [], {}
    for _ in range(objects):
        n = rng.randint(*per_object)
        doc = cloudtrail_document([rng.choice(events) for _ in range(n)])
        key = cloudtrail_key(account, region, when, rng)
        items.append((key, gz(doc)))
        docs[key] = doc
        when += dt.timedelta(minutes=rng.randint(1, 15))
    if digest:
        dkey = digest_key(account, region, when)
        logs = [{"s3Bucket": bucket, "s3Object": k,
                 "hashValue": hashlib.sha256(b).hexdigest(),
                 "hashAlgorithm": "SHA-256"} for k, b in items]
        d = {"awsAccountId": account,
             "digestStartTime": (start or dt.datetime(2024, 7, 30, 21, 0))
             .strftime("%Y-%m-%dT%H:%M:%SZ"),
             "digestEndTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "digestS3Bucket": bucket, "digestS3Object": dkey,
             "digestPublicKeyFingerprint": "%032x" % rng.getrandbits(128),
             "digestSignatureAlgorithm": "SHA256withRSA",
             "previousDigestS3Bucket": None, "previousDigestS3Object": None,
             "previousDigestHashValue": None,
             "previousDigestHashAlgorithm": None,
             "previousDigestSignature": None, "logFiles": logs}
        items.append((dkey, gz(json.dumps(d).encode())))
    if folders:
        items.append(("AWSLogs/", b""))
        items.append(("AWSLogs/%s/CloudTrail/%s/" % (account, region), b""))
    return items, docs


# ---------------------------------------------------------------- self-test

def selftest(env=None):
    """Raise AssertionError unless botocore-signed requests verify through
    the front and altered ones are refused.  Returns the number of checks."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    own = env is None
    env = env or S3Env({"AKIDSELF": "self/secret+key"}).start()
    checks = 0
    try:
        akid = "AKIDSELF"
        env.credentials.setdefault(akid, "self/secret+key")
        secret = env.credentials[akid]
        bucket = "selftest-bucket"
        try:
            env.make_bucket(bucket)
        except Exception:
            pass
        creds = botocore.credentials.Credentials(akid, secret)
        keys = ["plain.txt", "with space+plus%=&~.gz", "dir//a/./b/../c",
                "utf8-é-日本-\U0001F600", "semi;colon,comma'quote(x)*!$@:"]
        for key in keys:
            env.put(bucket, key, b"data:" + key.encode())

        def send(method, path, query="", body=b"", mangle=None):
            url = env.endpoint + path + ("?" + query if query else "")
            r = botocore.awsrequest.AWSRequest(method=method, url=url,
                                               data=body)
            botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1").add_auth(r)
            hdrs = dict(r.headers.items())
            target = path + ("?" + query if query else "")
            if mangle:
                target, hdrs, body = mangle(target, hdrs, body)
            c = http.client.HTTPConnection("127.0.0.1", env.front_port,
                                           timeout=30)
            c.putrequest(method, target, skip_host=True,
                         skip_accept_encoding=True)
            c.putheader("Host", "127.0.0.1:%d" % env.front_port)
            for k, v in hdrs.items():
                if k.lower() != "host":
                    c.putheader(k, v)
            c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
            resp = c.getresponse()
            data = resp.read()
            c.close()
            return resp.status, data

        for key in keys:
            path = "/%s/%s" % (bucket, urllib.parse.quote(key.encode(),
                                                          safe="/~"))
            st, data = send("GET", path)
            assert st == 200 and data == b"data:" + key.encode(), (key, st,
                                                                   data)
            checks += 1
        q = "list-type=2&prefix=with%20space%2B&encoding-type=url"
        st, data = send("GET", "/" + bucket, q)
        assert st == 200 and b"with+space%2Bplus" in data, (st, data)
        checks += 1
        st, _ = send("PUT", "/%s/new%%20obj" % bucket, body=b"hello")
        assert st == 200, st
        checks += 1

        def flip_path(t, h, b):
            return t.replace("plain", "plaim"), h, b

        def flip_sig(t, h, b):
            a = h["Authorization"]
            last = "0" if a[-1] != "0" else "1"
            h["Authorization"] = a[:-1] + last
            return t, h, b

        def flip_date(t, h, b):
            d = h["X-Amz-Date"]
            h["X-Amz-Date"] = d[:-2] + str((int(d[-2]) + 1) % 10) + "Z"
            return t, h, b

        def flip_body(t, h, b):
            return t, h, b[:-1] + b"X"

        def plus_in_path(t, h, b):
            return t.replace("%2B", "+"), h, b

        for name, path, body, mangle, want in [
                ("path", "/%s/plain.txt" % bucket, b"", flip_path,
                 b"SignatureDoesNotMatch"),
                ("signature", "/%s/plain.txt" % bucket, b"", flip_sig,
                 b"SignatureDoesNotMatch"),
                ("date", "/%s/plain.txt" % bucket, b"", flip_date,
                 b"SignatureDoesNotMatch"),
                ("body", "/%s/x" % bucket, b"payload", flip_body,
                 b"XAmzContentSHA256Mismatch"),
                ("plus", "/%s/with%%20space%%2Bplus%%25%%3D%%26~.gz" % bucket,
                 b"", plus_in_path, b"SignatureDoesNotMatch")]:
            method = "PUT" if body else "GET"
            st, data = send(method, path, body=body, mangle=mangle)
            assert st in (400, 403) and b"<Code>" + want in data, (name, st,
                                                                   data)
            checks += 1
        # The S3 worked examples (tests/data/sigv4, a copy of shared's).
        checks += check_s3_examples(os.path.join(DATA, "sigv4",
                                                 "s3-examples.txt"))
    finally:
        if own:
            env.close()
    return checks


def check_s3_examples(path):
    """Check string_to_sign/signing_key against S3's worked examples."""
    text = open(path, encoding="utf-8").read()
    key = signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524",
                      "us-east-1", "s3")
    n = 0
    for case in text.split("=== case ")[1:]:
        secs = dict(re.findall(r"--- ([\w-]+)\n(.*?)(?=\n--- |\n*$)", case,
                               re.S))
        if not {"canonical-request", "string-to-sign", "signature"} <= \
                set(secs):
            continue
        creq = secs["canonical-request"]
        lines = creq.split("\n")
        method, uri, query = lines[0], lines[1], lines[2]
        hdrs, i = [], 3
        while lines[i]:
            n_, _, v = lines[i].partition(":")
            hdrs.append((n_, v))
            i += 1
        signed = lines[i + 1].split(";")
        mine = canonical_request(method, uri, query, hdrs, signed, lines[-1])
        assert mine == creq, (case[:40], mine, creq)
        sts = string_to_sign("20130524T000000Z",
                             "20130524/us-east-1/s3/aws4_request", mine)
        assert sts == secs["string-to-sign"], (case[:40], sts)
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        assert sig == secs["signature"].strip(), (case[:40], sig)
        n += 1
    return n


# ---------------------------------------------------------------- script

def seed_demo(moto_url, bucket, region="us-east-1"):
    import boto3
    import botocore.config
    s3 = boto3.client("s3", region_name=region, endpoint_url=moto_url,
                      aws_access_key_id="seed", aws_secret_access_key="seed",
                      config=botocore.config.Config(
                          s3={"addressing_style": "path"}))
    kw = {}
    if region != "us-east-1":
        kw["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(Bucket=bucket, **kw)
    items, _ = make_trail(seed=2024, objects=4, bucket=bucket)
    real = [n for n in os.listdir(DATA) if n.endswith(".json.gz")]
    for name in real:
        with open(os.path.join(DATA, name), "rb") as f:
            acct, _, reg = name.split("-", 1)[1].split("_")[:3]
            key = "AWSLogs/%s/CloudTrail/%s/2017/12/11/%s" % (
                acct, reg, name.split("-", 1)[1])
            items.append((key, f.read()))
    for key, body in items:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    return [k for k, _ in items]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve", help="run moto and the front until killed")
    sp.add_argument("--port", type=int, default=0)
    sp.add_argument("--port-file")
    sp.add_argument("--cred", action="append", default=[],
                    metavar="AKID:SECRET[:TOKEN]")
    sp.add_argument("--bucket-region", action="append", default=[],
                    metavar="BUCKET:REGION")
    sd = sub.add_parser("seed", help="seed a bucket with a sample trail")
    sd.add_argument("--moto", required=True)
    sd.add_argument("--bucket", required=True)
    sd.add_argument("--region", default="us-east-1")
    sub.add_parser("selftest", help="check the verifier against botocore")
    a = ap.parse_args(argv)
    if a.cmd == "selftest":
        print("selftest: %d checks passed" % selftest())
        return 0
    if a.cmd == "seed":
        for k in seed_demo(a.moto, a.bucket, a.region):
            print(k)
        return 0
    creds = {}
    for c in a.cred or ["AKIDTEST:secret"]:
        parts = c.split(":", 2)
        creds[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else None)
    env = S3Env(creds, port=a.port).start()
    for br in a.bucket_region:
        b, _, r = br.partition(":")
        env.regions[b] = r
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%s\n%s\n" % (env.endpoint, env.moto_endpoint))
        os.rename(tmp, a.port_file)
    print(env.endpoint, flush=True)
    stop = threading.Event()
    import signal
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda *_: stop.set())
    stop.wait()
    env.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
