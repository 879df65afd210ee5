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

It also fronts moto's SQS, on a port of its own (env.sqs_endpoint) and on
the S3 port for requests signed for service "sqs" (one AWS_ENDPOINT_URL
for every service): each SQS request's SigV4 is recomputed with the
generic rules (below) and refused as SQS does (403
InvalidSignatureException / UnrecognizedClientException, 400
IncompleteSignatureException; the JSON protocol's {"__type", "message"}
with x-amzn-query-error, or the query protocol's XML ErrorResponse); a
queue made with make_queue() in a region refuses a request scoped to
another; faults apply; and AWS's rule that only a message's latest
receipt handle counts is kept (moto takes any it ever handed out):
DeleteMessage with an older one answers 200 and deletes nothing,
ChangeMessageVisibility fails with InvalidParameterValue, and so do their
batch entries (JSON protocol; env.strict_handles = False turns it off).

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
The generic rules (SQS) differ in two places:
  URI    the raw path normalised (".", ".." and empty segments removed),
         then encoded as it stands, "%" too: "/%E1%88%B4" signs as
         "/%25E1%2588%25B4".
  payload  the body's SHA-256, computed here (x-amz-content-sha256 is not
         needed; one sent must match).

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
        env.denied              # set of access keys refused every S3, SQS
                                # and CloudTrail request (AccessDenied) after the
                                # signature check: a key with no rights
        env.identities          # access key -> the ARN STS
                                # GetCallerIdentity answers (the front
                                # answers it for any valid key signed for
                                # sts; other STS actions go to moto)
        env.date_skew           # seconds added to the Date of every answer
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
        env.op_in_flight_max    # {op: the most answered at once}, e.g.
                                # LIST: listings in flight together
        env.faults              # [Fault(...)], see Fault
        env.latency_ms          # global latency before every answer (0)
        env.accept_sts          # also accept every key moto's STS issued
                                # (False; env.sts_keys() lists them); STS
                                # itself is env.moto_endpoint
        env.reset()             # moto reset, regions, requests, faults,
                                # read_only, denied, identities, date_skew,
                                # connections and latency cleared
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
        method / op / key (substring of the decoded object key) / prefix
        (a LIST whose prefix parameter starts with it) select the
        requests; count is how many times it fires (None: always).  The first
        matching rule fires.  Faults apply after the signature check.

    SQS (moto's, in this process; account s3env.ACCOUNT):
        env.sqs_endpoint        # "http://127.0.0.1:PORT", the SQS front
        env.sqs_client(region)  # boto3 SQS client straight to moto
        env.make_queue(name, region="us-east-1", visibility_timeout=None,
                       dlq=None, max_receive=1) -> the queue's URL at the
                                # SQS front; dlq: a queue made before, its
                                # redrive target after max_receive receives
        env.queue_url(name, endpoint=None), env.queue_arn(name, region)
        env.send(queue, message, sns=False) -> MessageId
                                # message a dict (as JSON) or a str; sns
                                # wraps it in SNS's envelope first
        env.queue_state(queue) -> [QueueMessage(id, body, visible,
                                hidden_for, receive_count, receipt_handle)]
                                # read from moto without receiving
        env.make_topic(name, queue=None, raw=False) -> topic ARN, the queue
                                # subscribed (raw: raw message delivery)
        env.notify(bucket, queue=None, topic=None, events=..., prefix=None)
                                # the bucket's notification configuration;
                                # moto sends s3:TestEvent, then an event
                                # for each object put
        env.strict_handles      # True: only the latest receipt handle counts
        SQS requests are in env.requests too: service "sqs", op the action
        ("ReceiveMessage", ...), queue its name, params the request's
        parameters, messages the MessageIds a ReceiveMessage handed out,
        port the front port it came to.  Fault(..., op="ReceiveMessage",
        queue="q") selects SQS requests; kinds status (code: SQS's, e.g.
        "InternalError" or "AWS.SimpleQueueService.NonExistentQueue",
        answered in the request's protocol), latency, reset, truncate,
        length, corrupt, pad.
    Message bodies: s3_record(bucket, key, size, event, region, safe="/"),
    s3_event(*records), s3_test_event(bucket), cloudtrail_notice(bucket,
    keys), eventbridge_event(bucket, key, size, detail_type, region),
    sns_envelope(text).  sqs_signed(env, action, params, ...) sends one
    botocore-signed SQS request, sqs_selftest(env) checks the SQS front.

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


def remove_dot_segments(path):
    """RFC 3986's remove_dot_segments with empty segments dropped too, as
    every AWS service but S3 normalises a path before signing it."""
    if not path:
        return "/"
    out = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and out else ""
    return first + "/".join(out) + last


def canonical_uri_generic(raw_path):
    """The canonical URI with the generic rules (SQS, STS...): the raw path
    normalised, then encoded again as it stands, "%" included, so a segment
    sent as %E1%88%B4 is signed as %25E1%2588%25B4."""
    return uri_encode(remove_dot_segments(raw_path).encode("latin-1"),
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
                      payload_hash, generic=False):
    """headers: list of (name, value) str pairs as received (latin-1).
    generic: the canonical URI of every service but S3."""
    by_name = collections.defaultdict(list)
    for name, value in headers:
        by_name[name.lower()].append(value)
    uri = canonical_uri_generic(raw_path) if generic else \
        canonical_uri(raw_path)
    lines = [method, uri, canonical_query(raw_query)]
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
                   tokens=None, now=None, skew=900, service="s3"):
    """Check a request's SigV4 signature for service.  Returns the parsed
    Authorization fields; raises AuthError the way S3 would answer (the
    SQS front translates).  S3's rules for s3; for any other service the
    generic ones: the path normalised and encoded again, the payload hash
    computed here from the body (an x-amz-content-sha256 sent must match
    it)."""
    tokens = tokens or {}
    hdrs = collections.defaultdict(list)
    for name, value in headers:
        hdrs[name.lower()].append(value)
    if "authorization" not in hdrs:
        raise AuthError("AccessDenied")
    auth = parse_authorization(hdrs["authorization"][0])
    if auth is None or auth["service"] != service:
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
    generic = service != "s3"
    if generic:
        payload_hash = hashlib.sha256(body).hexdigest()
        if "x-amz-content-sha256" in hdrs and \
                hdrs["x-amz-content-sha256"][0].strip() != payload_hash:
            raise AuthError("XAmzContentSHA256Mismatch")
    elif "x-amz-content-sha256" not in hdrs:
        raise AuthError("InvalidRequest", "Missing required header for this "
                        "request: x-amz-content-sha256")
    else:
        payload_hash = hdrs["x-amz-content-sha256"][0].strip()
    scope = "/".join([auth["date"], auth["region"], service, "aws4_request"])
    creq = canonical_request(method, raw_path, raw_query, headers, signed,
                             payload_hash, generic=generic)
    sts = string_to_sign(amz_date, scope, creq)
    key = signing_key(secrets[auth["access_key"]], auth["date"],
                      auth["region"], service)
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


# SQS's answers to what verify_request finds: (status, the JSON protocol's
# __type, the query protocol's code).  The messages are SQS's.
SQS_AUTH_ERRORS = {
    "SignatureDoesNotMatch": (
        403, "com.amazon.coral.service#InvalidSignatureException",
        "SignatureDoesNotMatch"),
    "RequestTimeTooSkewed": (
        403, "com.amazon.coral.service#InvalidSignatureException",
        "SignatureDoesNotMatch"),
    "XAmzContentSHA256Mismatch": (
        400, "com.amazon.coral.service#InvalidSignatureException",
        "SignatureDoesNotMatch"),
    "InvalidAccessKeyId": (
        403, "com.amazon.coral.service#UnrecognizedClientException",
        "InvalidClientTokenId"),
    "InvalidToken": (
        403, "com.amazon.coral.service#UnrecognizedClientException",
        "InvalidClientTokenId"),
    "AccessDenied": (
        403, "com.amazon.coral.service#MissingAuthenticationTokenException",
        "MissingAuthenticationToken"),
    "AuthorizationHeaderMalformed": (
        400, "com.amazon.coral.service#IncompleteSignatureException",
        "IncompleteSignature"),
    "InvalidRequest": (
        400, "com.amazon.coral.service#IncompleteSignatureException",
        "IncompleteSignature"),
}
SQS_MESSAGES = {
    "SignatureDoesNotMatch": "The request signature we calculated does not "
    "match the signature you provided. Check your AWS Secret Access Key and "
    "signing method. Consult the service documentation for details.",
    "InvalidAccessKeyId": "The security token included in the request is "
    "invalid.",
    "InvalidToken": "The security token included in the request is invalid.",
    "AccessDenied": "Request is missing Authentication Token",
    "RequestTimeTooSkewed": "Signature expired: the request time is too far "
    "from the current time.",
}
SQS_JSON = "application/x-amz-json-1.0"
SQS_STALE_CMV = ("Value %s for parameter ReceiptHandle is invalid. Reason: "
                 "Message does not exist or is not available for visibility "
                 "timeout change.")


def sqs_error_body(json_proto, qcode, jtype, message, status):
    """(headers, body) of an SQS error in the request's protocol."""
    rid = "%08x-%04x-%04x-%04x-%012x" % (
        random.getrandbits(32), random.getrandbits(16),
        random.getrandbits(16), random.getrandbits(16),
        random.getrandbits(48))
    fault = "Receiver" if status >= 500 else "Sender"
    if json_proto:
        body = json.dumps({"__type": jtype, "message": message}).encode()
        return [("Content-Type", SQS_JSON), ("x-amzn-RequestId", rid),
                ("x-amzn-query-error", "%s;%s" % (qcode, fault))], body
    body = ('<?xml version="1.0"?><ErrorResponse xmlns="http://queue.'
            'amazonaws.com/doc/2012-11-05/"><Error><Type>%s</Type><Code>%s'
            '</Code><Message>%s</Message><Detail/></Error><RequestId>%s'
            '</RequestId></ErrorResponse>' % (fault, xml_escape(qcode),
                                               xml_escape(message), rid))
    return [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], \
        body.encode("utf-8")


def sqs_request_params(headers, body, raw_path, raw_query):
    """(json_proto, action, params, queue) of an SQS request: the JSON
    protocol (X-Amz-Target: AmazonSQS.Action, a JSON body) or the query
    protocol (Action=... in a form body or the query string)."""
    lower = {n.lower(): v for n, v in headers}
    target = lower.get("x-amz-target", "")
    params = {}
    if target.startswith("AmazonSQS."):
        action = target[len("AmazonSQS."):]
        json_proto = True
        try:
            params = json.loads(body.decode("utf-8") or "{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            params = None
    else:
        json_proto = False
        pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
        if "x-www-form-urlencoded" in lower.get("content-type", ""):
            pairs += urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                            keep_blank_values=True)
        params = dict(pairs)
        action = params.get("Action", "")
    queue = None
    url = (params or {}).get("QueueUrl")
    if isinstance(url, str) and url:
        queue = url.rstrip("/").rsplit("/", 1)[-1]
    elif raw_path.strip("/"):
        queue = raw_path.rstrip("/").rsplit("/", 1)[-1]
    elif isinstance((params or {}).get("QueueName"), str):
        queue = params["QueueName"]
    return json_proto, action, params, queue


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
    queue: str = None
    prefix: str = None

    def matches(self, req):
        if self.count is not None and self.fired >= self.count:
            return False
        if self.method and self.method.upper() != req.method:
            return False
        if self.op and self.op != req.op:
            return False
        if self.queue is not None and self.queue != req.queue:
            return False
        if self.key is not None and (req.key is None or self.key not in req.key):
            return False
        if self.prefix is not None and (req.op != "LIST" or not dict(
                query_pairs(req.query)).get(b"prefix", b"").decode(
                    "utf-8", "replace").startswith(self.prefix)):
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
    service: str = "s3"
    port: int = 0
    queue: str = None
    params: dict = None
    messages: list = None


@dataclasses.dataclass
class QueueMessage:
    """A message in a queue, as env.queue_state() reads it from moto."""
    id: str
    body: str
    visible: bool
    hidden_for: float       # seconds until visible again (0 when visible)
    receive_count: int
    receipt_handle: str     # the latest one handed out (None if never)


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


def note_auth(req, headers):
    """The request's Authorization fields (or None), noted in req with the
    session token it carried."""
    hv = [v for n, v in headers if n.lower() == "authorization"]
    auth = parse_authorization(hv[0]) if hv else None
    if auth:
        req.access_key, req.region = auth["access_key"], auth["region"]
        req.signature = auth["signature"]
    tv = [v for n, v in headers if n.lower() == "x-amz-security-token"]
    req.token = tv[0] if tv else None
    return auth


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
        op = classify(method, raw_path, raw_query)[2]
        env = self.env
        with env._lock:
            env.requests.append(req)
            env.in_flight += 1
            env.op_in_flight[op] = env.op_in_flight.get(op, 0) + 1
            env.op_in_flight_max[op] = max(env.op_in_flight_max.get(op, 0),
                                           env.op_in_flight[op])
        try:
            return self.process(req, headers, body, keep)
        finally:
            with env._lock:
                env.in_flight -= 1
                env.op_in_flight[op] -= 1

    # -- answering
    def send(self, req, status, headers, body, keep, head=False,
             fault=None, lie=None):
        req.status = status
        reason = http.client.responses.get(status, "Unknown")
        out = ["HTTP/1.1 %d %s" % (status, reason)]
        skew = self.env.date_skew
        if skew:
            headers = [(n, v) for n, v in headers if n.lower() != "date"]
        names = {n.lower() for n, _ in headers}
        for n, v in headers:
            out.append("%s: %s" % (n, v))
        if "date" not in names:
            out.append("Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                time.gmtime(time.time() +
                                                            skew)))
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
        req.port = self.server.server_address[1]
        # The SQS port takes SQS only; the S3 one also what is signed for
        # sqs, as one AWS_ENDPOINT_URL for every service does.
        hv = [v for n, v in headers if n.lower() == "authorization"]
        signed_for = (parse_authorization(hv[0]) or {}).get("service") \
            if hv else None
        if self.server.role == "sqs" or signed_for == "sqs":
            return self.process_sqs(req, headers, body, keep)
        if signed_for == "sts":
            return self.process_sts(req, headers, body, keep)
        if signed_for in ("cloudtrail", "organizations"):
            return self.process_json_service(req, headers, body, keep,
                                             signed_for)
        if env.latency_ms:
            time.sleep(env.latency_ms / 1000.0)
        target = req.path + ("?" + req.query if req.query else "")
        if any(ord(c) <= 0x20 or ord(c) >= 0x7F or c == "#" for c in target):
            return self.send_error(req, AuthError("InvalidURI"), keep)
        req.bucket, req.key, req.op = classify(req.method, req.path, req.query)
        resource = urllib.parse.unquote(req.path)
        with env._lock:
            bucket_region = env.regions.get(req.bucket)
        secrets, tokens = env._keys()
        auth = note_auth(req, headers)
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
            denied = req.access_key in env.denied
        if denied:
            # A key whose policies allow nothing on this bucket.
            return self.send_error(req, AuthError("AccessDenied"), keep)
        if read_only and req.method not in ("GET", "HEAD"):
            # A key whose policy allows s3:GetObject and s3:ListBucket
            # only: S3 answers AccessDenied, without a Resource element.
            return self.send_error(req, AuthError("AccessDenied"), keep)
        fault = env._take_fault(req)
        if fault and fault.kind == "status":
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

    # -- SQS
    def send_sqs_error(self, req, keep, json_proto, status, jtype, qcode,
                       message, retry_after=None):
        hdrs, data = sqs_error_body(json_proto, qcode, jtype, message, status)
        if retry_after is not None:
            hdrs.append(("Retry-After", str(retry_after)))
        return self.send(req, status, hdrs, data, keep)

    def send_sqs_auth_error(self, req, keep, json_proto, err):
        status, jtype, qcode = SQS_AUTH_ERRORS.get(
            err.code, (err.status, "com.amazon.coral.service#" + err.code,
                       err.code))
        message = SQS_MESSAGES.get(err.code, err.message)
        if "HeadersNotSigned" in err.extra:
            status, jtype, qcode = SQS_AUTH_ERRORS[
                "AuthorizationHeaderMalformed"]
            message = "Headers present in the request were not signed: " + \
                err.extra["HeadersNotSigned"]
        return self.send_sqs_error(req, keep, json_proto, status, jtype, qcode,
                                   message)

    def process_sts(self, req, headers, body, keep):
        """A request signed for STS: the signature checked with the
        generic rules; GetCallerIdentity answered here (as AWS does, for
        any valid key, whatever its policies), with env.identities' ARN
        for the key; any other action goes to moto."""
        env = self.env
        req.service = "sts"
        req.op = "STS"
        secrets, tokens = env._keys()
        note_auth(req, headers)
        try:
            verify_request(req.method, req.path, req.query, headers, body,
                           secrets, tokens, now=time.time(), service="sts")
        except AuthError as err:
            data = ("<ErrorResponse><Error><Type>Sender</Type><Code>%s"
                    "</Code><Message>%s</Message></Error><RequestId>0"
                    "</RequestId></ErrorResponse>" % (
                        xml_escape(err.code), xml_escape(err.message or "")))
            return self.send(req, 403, [("Content-Type", "text/xml")],
                             data.encode(), keep)
        params = dict(urllib.parse.parse_qsl(body.decode("utf-8",
                                                         "replace")))
        if params.get("Action") != "GetCallerIdentity":
            status, rheaders, rbody = self.forward(req, headers, body)
            return self.send(req, status, rheaders, rbody, keep)
        with env._lock:
            arn = env.identities.get(req.access_key) or \
                "arn:aws:iam::%s:user/%s" % (ACCOUNT, req.access_key)
        account = arn.split(":")[4]
        data = ("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws"
                ".com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>%s"
                "</Arn><UserId>%s</UserId><Account>%s</Account>"
                "</GetCallerIdentityResult><ResponseMetadata><RequestId>0"
                "</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
                % (xml_escape(arn), xml_escape(req.access_key),
                   xml_escape(account)))
        return self.send(req, 200, [("Content-Type", "text/xml")],
                         data.encode(), keep)

    def process_sqs(self, req, headers, body, keep):
        """An SQS request: the signature checked with the generic rules,
        faults, AWS's receipt-handle rules (env.strict_handles), moto."""
        env = self.env
        req.service = "sqs"
        if env.latency_ms:
            time.sleep(env.latency_ms / 1000.0)
        json_proto, action, params, queue = sqs_request_params(
            headers, body, req.path, req.query)
        req.op, req.params, req.queue = action or "OTHER", params, queue
        target = req.path + ("?" + req.query if req.query else "")
        if any(ord(c) <= 0x20 or ord(c) >= 0x7F or c == "#" for c in target):
            return self.send_sqs_error(
                req, keep, json_proto, 400,
                "com.amazon.coral.service#SerializationException",
                "MalformedQueryString", "The request URI is malformed.")
        with env._lock:
            queue_region = env.queue_regions.get(queue)
        secrets, tokens = env._keys()
        auth = note_auth(req, headers)
        # Each region has its own endpoint: a queue's answers a request
        # scoped to another region so.
        if auth and queue_region and auth["region"] != queue_region:
            return self.send_sqs_error(
                req, keep, json_proto, 403,
                SQS_AUTH_ERRORS["SignatureDoesNotMatch"][1],
                "SignatureDoesNotMatch", "Credential should be scoped to a "
                "valid region, not '%s'." % auth["region"])
        try:
            verify_request(req.method, req.path, req.query, headers, body,
                           secrets, tokens, now=time.time(), service="sqs")
        except AuthError as err:
            return self.send_sqs_auth_error(req, keep, json_proto, err)
        with env._lock:
            denied = req.access_key in env.denied
        if denied:
            return self.send_sqs_error(
                req, keep, json_proto, 403,
                "com.amazonaws.sqs#AccessDeniedException", "AccessDenied",
                "User is not authorized to perform: sqs:%s" % action)
        if params is None or not action:
            return self.send_sqs_error(
                req, keep, json_proto, 400,
                "com.amazon.coral.service#SerializationException",
                "InvalidAction", "The request has no action, or its body "
                "is not a JSON object.")
        fault = env._take_fault(req)
        if fault and fault.kind == "status":
            code = fault.code
            jtype = code if "#" in code else "com.amazonaws.sqs#" + code
            return self.send_sqs_error(
                req, keep, json_proto, fault.status, jtype,
                code.rsplit("#", 1)[-1], fault.message or code,
                fault.retry_after)
        kind = fault.kind if fault else None
        local = None
        extra = None
        if json_proto and env.strict_handles:
            local, new_body, extra = env._stale_handles(req, action, params)
            if new_body is not None:
                body = new_body
        if local is not None:
            req.fault = req.fault or "stale"
            status, rheaders, rbody = local
        else:
            status, rheaders, rbody = self.forward(req, headers, body)
        if json_proto and status == 200:
            rbody = env._sqs_answer(req, action, rbody, extra)
        if kind == "pad":
            rbody = rbody + b" " * fault.length
        if kind == "corrupt" and rbody:
            b = bytearray(rbody)
            b[len(b) // 2] ^= 0x01
            rbody = bytes(b)
        return self.send(req, status, rheaders, rbody, keep,
                         fault=kind if kind in ("reset", "truncate", "length")
                         else None, lie=fault)

    # -- CloudTrail and Organizations (moto has no ListPublicKeys)
    def process_json_service(self, req, headers, body, keep, service):
        """CloudTrail's ListPublicKeys and DescribeTrails, Organizations'
        DescribeOrganization (JSON protocol), answered from env.ct_keys,
        env.ct_trails and env.org_id; the signature checked for the
        service."""
        env = self.env
        req.service = service
        lower = {n.lower(): v for n, v in headers}
        action = lower.get("x-amz-target", "").rsplit(".", 1)[-1]
        req.op = action or "OTHER"
        secrets, tokens = env._keys()
        note_auth(req, headers)
        ctype = "application/x-amz-json-1.1"

        def error(status, code, message):
            data = json.dumps({"__type": code, "message": message})
            return self.send(req, status, [("Content-Type", ctype)],
                             data.encode(), keep)
        try:
            verify_request(req.method, req.path, req.query, headers, body,
                           secrets, tokens, now=time.time(), service=service)
        except AuthError as err:
            return error(403, err.code, err.message or err.code)
        with env._lock:
            denied = req.access_key in env.denied
        if denied:
            return error(400, "AccessDeniedException", "User is not "
                         "authorized to perform: %s:%s" % (service, action))
        fault = env._take_fault(req)
        if fault and fault.kind == "status":
            return error(fault.status, fault.code, fault.message or fault.code)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return error(400, "SerializationException", "not JSON")
        if action == "ListPublicKeys":
            start = params.get("StartTime", 0)
            end = params.get("EndTime", time.time())
            with env._lock:
                keys = [k for k in env.ct_keys
                        if k["region"] == req.region
                        and k["ValidityStartTime"] <= end
                        and k["ValidityEndTime"] >= start]
            out = {"PublicKeyList": [
                {n: k[n] for n in ("Value", "ValidityStartTime",
                                   "ValidityEndTime", "Fingerprint")}
                for k in keys]}
        elif action == "DescribeTrails":
            with env._lock:
                out = {"trailList": list(env.ct_trails)}
        elif action == "DescribeOrganization":
            out = {"Organization": {"Id": env.org_id,
                                    "Arn": "arn:aws:organizations::%s:"
                                    "organization/%s" % ("1" * 12,
                                                          env.org_id)}}
        else:
            return error(400, "InvalidAction", action)
        return self.send(req, 200, [("Content-Type", ctype)],
                         json.dumps(out).encode(), keep)

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

    def __init__(self, addr, env, role="s3"):
        self.env = env
        self.role = role
        super().__init__(addr, FrontHandler)


# ---------------------------------------------------------------- the env

def _silence_werkzeug():
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


class S3Env:
    def __init__(self, credentials=None, port=0, s3_like=True, sqs_port=0):
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
        self.sqs_port = sqs_port
        self.s3_like = s3_like
        self.queue_regions = {}
        self.strict_handles = True
        self._handle_latest = {}
        self._handle_owner = {}
        self._sqs_front = None
        self.regions = {}
        self.requests = []
        self.faults = []
        self.read_only = set()
        self.denied = set()         # keys refused every S3 and SQS request
        self.identities = {}        # key -> the ARN GetCallerIdentity says
        self.date_skew = 0          # seconds added to the Date answered
        self.connections = 0
        self.latency_ms = 0
        self.accept_sts = False
        self.ct_keys = []           # CloudTrail's public keys (cloudtrail.py)
        self.ct_trails = []         # DescribeTrails' answer
        self.org_id = "o-test"
        self.in_flight = 0          # requests being answered
        self.op_in_flight = {}      # those of each op (LIST, GET, ...)
        self.op_in_flight_max = {}  # the most of each at once since reset()
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
        self._sqs_front = FrontServer(("127.0.0.1", self.sqs_port), self,
                                      role="sqs")
        self.sqs_front_port = self._sqs_front.server_address[1]
        self.sqs_endpoint = "http://127.0.0.1:%d" % self.sqs_front_port
        threading.Thread(target=self._sqs_front.serve_forever, daemon=True,
                         name="s3env-sqs-front").start()
        self._tmp = tempfile.mkdtemp(prefix="s3env.")
        self.s3 = self.client()
        return self

    def close(self):
        for front in (self._front, self._sqs_front):
            if front:
                front.shutdown()
                front.server_close()
        self._front = self._sqs_front = None
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
            self.denied.clear()
            self.identities.clear()
            self.date_skew = 0
            self.connections = 0
            self.op_in_flight_max.clear()
            self.latency_ms = 0
            self.accept_sts = False
            del self.ct_keys[:]
            del self.ct_trails[:]
            self._tokens_out.clear()
            self._tokens_in.clear()
            self.queue_regions.clear()
            self.strict_handles = True
            self._handle_latest.clear()
            self._handle_owner.clear()

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

    # -- what the front checks and does
    def _keys(self):
        """(secrets, tokens) the front accepts now."""
        with self._lock:
            secrets = dict(self.credentials)
            tokens = dict(self.tokens)
            accept_sts = self.accept_sts
        if accept_sts:
            for akid, (sk, tok) in self.sts_keys().items():
                secrets.setdefault(akid, sk)
                tokens.setdefault(akid, tok)
        return secrets, tokens

    def _take_fault(self, req):
        """A copy of the first fault rule req matches (fired), or None; a
        latency fault has slept its time when this returns."""
        fault = None
        with self._lock:
            for rule in self.faults:
                if rule.matches(req):
                    rule.fired += 1
                    req.fault = rule.kind
                    fault = dataclasses.replace(rule)
                    break
        if fault and fault.kind == "latency":
            time.sleep(fault.ms / 1000.0)
        return fault

    # -- SQS (moto's, in this process), behind the front
    def sqs_client(self, region="us-east-1"):
        """A boto3 SQS client talking straight to moto (no checks)."""
        import boto3
        key = ("sqs", region)
        if key not in self._clients:
            self._clients[key] = boto3.client(
                "sqs", region_name=region, endpoint_url=self.moto_endpoint,
                aws_access_key_id="seed", aws_secret_access_key="seed")
        return self._clients[key]

    def queue_url(self, name, endpoint=None):
        """The queue's URL at the SQS front (or at endpoint)."""
        return "%s/%s/%s" % (endpoint or self.sqs_endpoint, ACCOUNT, name)

    def queue_arn(self, name, region="us-east-1"):
        return "arn:aws:sqs:%s:%s:%s" % (region, ACCOUNT, name)

    def make_queue(self, name, region="us-east-1", visibility_timeout=None,
                   dlq=None, max_receive=1, attributes=None):
        """Create a queue in moto; dlq names its dead-letter queue (made
        first), which takes a message received max_receive times.  A
        request for it signed for another region is refused.  Returns its
        URL at the SQS front."""
        attrs = dict(attributes or {})
        if visibility_timeout is not None:
            attrs["VisibilityTimeout"] = str(visibility_timeout)
        if dlq is not None:
            attrs["RedrivePolicy"] = json.dumps({
                "deadLetterTargetArn": self.queue_arn(dlq, region),
                "maxReceiveCount": str(max_receive)})
        self.sqs_client(region).create_queue(QueueName=name, Attributes=attrs)
        with self._lock:
            self.queue_regions[name] = region
        return self.queue_url(name)

    def send(self, queue, message, sns=False, region="us-east-1", **kw):
        """Send one message (a dict as JSON, or a str) to queue; sns wraps
        it in an SNS notification first, as SNS delivers it.  Returns the
        MessageId."""
        body = message if isinstance(message, str) else json.dumps(message)
        if sns:
            body = sns_envelope(body, **kw)
        return self.sqs_client(region).send_message(
            QueueUrl=self.queue_url(queue, self.moto_endpoint),
            MessageBody=body)["MessageId"]

    def queue_state(self, queue, region="us-east-1"):
        """What is in the queue, read from moto without receiving (so
        without touching visibility): [QueueMessage], in send order."""
        from moto.sqs.models import sqs_backends
        q = sqs_backends[ACCOUNT][region].get_queue(queue)
        now = time.time() * 1000
        out = []
        for m in list(q._messages):
            out.append(QueueMessage(
                id=m.id, body=m.body, visible=m.visible,
                hidden_for=max(0.0, (m.visible_at - now) / 1000.0),
                receive_count=m.approximate_receive_count,
                receipt_handle=getattr(m, "receipt_handle", None)))
        return out

    def make_topic(self, name, queue=None, raw=False, region="us-east-1"):
        """An SNS topic in moto, with queue subscribed to it (raw: raw
        message delivery, no SNS envelope).  Returns the topic's ARN."""
        import boto3
        sns = boto3.client("sns", region_name=region,
                           endpoint_url=self.moto_endpoint,
                           aws_access_key_id="seed",
                           aws_secret_access_key="seed")
        arn = sns.create_topic(Name=name)["TopicArn"]
        if queue is not None:
            attrs = {"RawMessageDelivery": "true"} if raw else {}
            sns.subscribe(TopicArn=arn, Protocol="sqs",
                          Endpoint=self.queue_arn(queue, region),
                          Attributes=attrs)
        return arn

    def notify(self, bucket, queue=None, topic=None,
               events=("s3:ObjectCreated:*",), prefix=None,
               region="us-east-1"):
        """The bucket's notification configuration: events to queue (a
        name) and/or topic (an ARN).  moto then sends s3:TestEvent to each,
        and an S3 event notification for each object put (put, put_many)."""
        conf = {}
        rules = {}
        if prefix is not None:
            rules = {"Filter": {"Key": {"FilterRules": [
                {"Name": "prefix", "Value": prefix}]}}}
        if queue is not None:
            conf["QueueConfigurations"] = [dict(
                QueueArn=self.queue_arn(queue, region), Events=list(events),
                **rules)]
        if topic is not None:
            conf["TopicConfigurations"] = [dict(
                TopicArn=topic, Events=list(events), **rules)]
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=conf)

    def _stale_handles(self, req, action, params):
        """AWS's rule that only a message's latest receipt handle counts
        (moto takes any it ever had): DeleteMessage with an older one
        succeeds and deletes nothing; ChangeMessageVisibility fails.
        Returns (a local answer or None, a new body to forward or None for
        the same, what to merge into moto's answer)."""
        with self._lock:
            def stale(h):
                mid = self._handle_owner.get(h)
                return mid is not None and self._handle_latest.get(mid) != h
            if action in ("DeleteMessage", "ChangeMessageVisibility"):
                h = params.get("ReceiptHandle")
                if not stale(h):
                    return None, None, None
                if action == "DeleteMessage":
                    return (200, [("Content-Type", SQS_JSON)], b"{}"), b"", \
                        None
                hdrs, data = sqs_error_body(
                    True, "InvalidParameterValue",
                    "com.amazonaws.sqs#InvalidParameterValue",
                    SQS_STALE_CMV % h, 400)
                return (400, hdrs, data), b"", None
            if action not in ("DeleteMessageBatch",
                              "ChangeMessageVisibilityBatch"):
                return None, None, None
            entries = params.get("Entries") or []
            keep = [e for e in entries if not stale(e.get("ReceiptHandle"))]
            old = [e for e in entries if stale(e.get("ReceiptHandle"))]
        if action == "DeleteMessageBatch":
            extra = {"Successful": [{"Id": e.get("Id")} for e in old]}
        else:
            extra = {"Failed": [{"Id": e.get("Id"), "SenderFault": True,
                                 "Code": "InvalidParameterValue",
                                 "Message": SQS_STALE_CMV %
                                 e.get("ReceiptHandle")} for e in old]}
        if not old:
            return None, None, None
        if not keep:
            return (200, [("Content-Type", SQS_JSON)], b"{}"), b"", extra
        return None, json.dumps(dict(params, Entries=keep)).encode(), extra

    def _sqs_answer(self, req, action, rbody, extra):
        """Note the receipt handles a ReceiveMessage hands out; merge the
        entries _stale_handles answered itself into a batch's answer."""
        if action != "ReceiveMessage" and not extra:
            return rbody
        try:
            doc = json.loads(rbody.decode("utf-8") or "{}")
        except ValueError:
            return rbody
        if action == "ReceiveMessage":
            req.messages = []
            with self._lock:
                for m in doc.get("Messages", []):
                    self._handle_latest[m["MessageId"]] = m["ReceiptHandle"]
                    self._handle_owner[m["ReceiptHandle"]] = m["MessageId"]
                    req.messages.append(m["MessageId"])
            return rbody
        for k, v in extra.items():
            doc[k] = doc.get(k, []) + v
        return json.dumps(doc).encode()

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
        if any(os.path.basename(str(w)) == "strace" for w in wrap):
            # LeakSanitizer cannot run under ptrace; the rest of ASan can.
            extra_env = dict(extra_env or {})
            asan = extra_env.get("ASAN_OPTIONS",
                                 os.environ.get("ASAN_OPTIONS", ""))
            if "detect_leaks=0" not in asan:
                extra_env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
                    "detect_leaks=0"
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


def sanitized(path=None):
    """Is the binary built with AddressSanitizer or UBSan? (Its memory
    figures are then the sanitizer's, not getawslog's.)"""
    with open(path or binary_path(), "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__ubsan_handle" in data


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


# ---------------------------------------------------------------- SQS bodies

ACCOUNT = "123456789012"    # moto's account


def s3_record(bucket, key, size=0, event="ObjectCreated:Put",
              region="us-east-1", safe="/"):
    """One record of an S3 event notification; the key form-encoded as S3
    does ("+" for a space; "/" kept unless safe says otherwise)."""
    return {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
        "eventTime": "2024-07-30T21:05:00.000Z", "eventName": event,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "192.0.2.1"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810",
                             "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcI"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "getawslog",
               "bucket": {"name": bucket,
                          "ownerIdentity": {"principalId": "A3NL1KOZZKEX"},
                          "arn": "arn:aws:s3:::" + bucket},
               "object": {"key": urllib.parse.quote_plus(key, safe=safe),
                          "size": size,
                          "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                          "sequencer": "0055AED6DCD90281E5"}}}


def s3_event(*records):
    """An S3 event notification of records (s3_record())."""
    return {"Records": list(records)}


def s3_test_event(bucket):
    return {"Service": "Amazon S3", "Event": "s3:TestEvent",
            "Time": "2024-07-30T21:05:00.000Z", "Bucket": bucket,
            "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Z"}


def cloudtrail_notice(bucket, keys):
    """CloudTrail's own SNS notice of the objects it wrote (keys as is)."""
    return {"s3Bucket": bucket, "s3ObjectKey": list(keys)}


def eventbridge_event(bucket, key, size=0, detail_type="Object Created",
                      region="us-east-1"):
    """An EventBridge event from S3, as a rule delivers it to a queue."""
    return {
        "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": detail_type, "source": "aws.s3", "account": ACCOUNT,
        "time": "2024-07-30T21:05:00Z", "region": region,
        "resources": ["arn:aws:s3:::" + bucket],
        "detail": {"version": "0", "bucket": {"name": bucket},
                   "object": {"key": key, "size": size, "etag": "e",
                              "sequencer": "00617F0829"},
                   "request-id": "N4N7GDK58NMKJ12R", "requester": ACCOUNT,
                   "source-ip-address": "192.0.2.1", "reason": "PutObject"}}


def sns_envelope(message, topic="arn:aws:sns:us-east-1:%s:trail" % ACCOUNT,
                 subject=None):
    """message (a str) inside an SNS notification, as SNS hands it to an
    SQS subscription without raw delivery."""
    env = {"Type": "Notification",
           "MessageId": "1bd8a0a0-4d6f-5b2a-9c7e-3f1b2c0d4e5f",
           "TopicArn": topic, "Message": message,
           "Timestamp": "2024-07-30T21:05:00.000Z", "SignatureVersion": "1",
           "Signature": "EXAMPLE", "SigningCertURL": "https://sns.us-east-1."
           "amazonaws.com/SimpleNotificationService-0000.pem",
           "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action="
           "Unsubscribe"}
    if subject is not None:
        env["Subject"] = subject
    return json.dumps(env)


# ---------------------------------------------------------------- CloudTrail

class RecordingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy that records each request line and answers 502."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.lines = []
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.port = self.server_address[1]


class ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(8192).decode("latin-1").strip()
        self.server.lines.append(line)
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0"
                         b"\r\nConnection: close\r\n\r\n")


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


def read_waiting(fd):
    """What a non-blocking fd (a FIFO's reader) holds now."""
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        out += chunk
    return out


def cloudtrail_document(events):
    return b'{"Records":[' + b",".join(events) + b"]}"


def make_trail(seed=0, account="123456789012", region="us-east-1",
               objects=5, per_object=(1, 4), start=None, events=None,
               bucket="demo-trail", digest=True, folders=True,
               distinct=False):
    """A deterministic CloudTrail trail: a list of (key, body) where body is
    what goes into S3 (gzipped), and the dict {key: document} of the log
    objects' decompressed documents.  Adds a digest file covering the logs
    and folder keys when asked.  Events are drawn with replacement, unless
    distinct (the demo: a newcomer reads a repeated event as a bug)."""
    rng = random.Random(seed)
    events = events if events is not None else sample_events(shared="")
    pool = list(events)
    rng.shuffle(pool) if distinct else None
    when = start or dt.datetime(2024, 7, 30, 21, 5)
    items, docs = [], {}
    for _ in range(objects):
        n = rng.randint(*per_object)
        if distinct:
            n = max(1, min(n, len(pool)))
            picked, pool = pool[:n], pool[n:] or list(events)
        else:
            picked = [rng.choice(events) for _ in range(n)]
        doc = cloudtrail_document(picked)
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

def raw_request(port, method, target, headers, body):
    """Send a request as given (headers a dict; Host from it, else
    127.0.0.1:port) to the front at port: (status, {lower-case header:
    value}, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    host = [v for k, v in headers.items() if k.lower() == "host"]
    c.putheader("Host", host[0] if host else "127.0.0.1:%d" % port)
    for k, v in headers.items():
        if k.lower() != "host":
            c.putheader(k, v)
    c.putheader("Content-Length", str(len(body)))
    c.endheaders(body)
    resp = c.getresponse()
    data = resp.read()
    c.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


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
            st, _, data = raw_request(env.front_port, method, target, hdrs,
                                      body)
            return st, data

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


def sqs_signed(env, action, params, secret=None, akid=None, region="us-east-1",
               path="/", json_proto=True, token=None, port=None, mangle=None,
               auth_class=None, when=None):
    """Send one SQS request signed by botocore's SigV4Auth (the generic
    rules; auth_class another signer) through the front: the SQS port, or
    port.  mangle(target, headers, body) alters it after signing.  Returns
    (status, headers dict, body)."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    from unittest import mock
    akid = akid or env.default_key
    secret = env.credentials.get(akid, "?") if secret is None else secret
    port = port or env.sqs_front_port
    if json_proto:
        body = json.dumps(params).encode()
        hdrs = {"Content-Type": SQS_JSON, "X-Amz-Target": "AmazonSQS." + action}
    else:
        body = urllib.parse.urlencode(dict(params, Action=action,
                                           Version="2012-11-05")).encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded; "
                "charset=utf-8"}
    url = "http://127.0.0.1:%d%s" % (port, path)
    r = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body,
                                       headers=hdrs)
    creds = botocore.credentials.Credentials(akid, secret, token)
    signer = (auth_class or botocore.auth.SigV4Auth)(creds, "sqs", region)
    if when is not None:
        with mock.patch("botocore.auth.get_current_datetime",
                        return_value=when):
            signer.add_auth(r)
    else:
        signer.add_auth(r)
    out = dict(r.headers.items())
    target = path
    if mangle:
        target, out, body = mangle(target, out, body)
    return raw_request(port, "POST", target, out, body)


def sqs_selftest(env):
    """Raise AssertionError unless botocore-signed SQS requests verify
    through the front (the generic rules, JSON and query protocols, on
    either port) and altered ones are refused as SQS refuses them.
    Returns the number of checks."""
    import botocore.auth
    checks = 0
    queue = "selftest-queue"
    url = env.make_queue(queue)
    env.send(queue, "hello")

    def ok(status, hdrs, data, what):
        assert status == 200, (what, status, data)

    def refused(answer, status, jtype, what):
        """JSON errors by __type; a query (XML) one by its code."""
        st, hdrs, data = answer
        assert st == status, (what, st, data)
        if data.startswith(b"{"):
            assert json.loads(data)["__type"] == jtype, (what, data)
        else:
            assert b"<Code>%s</Code>" % jtype.rsplit("#", 1)[-1].replace(
                "Exception", "").encode() in data, (what, data)

    st, h, data = sqs_signed(env, "ReceiveMessage", {
        "QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0})
    ok(st, h, data, "receive")
    assert h["content-type"] == SQS_JSON and \
        json.loads(data)["Messages"][0]["Body"] == "hello", data
    checks += 1
    st, h, data = sqs_signed(env, "GetQueueUrl", {"QueueName": queue},
                             port=env.front_port)
    ok(st, h, data, "on the S3 port")
    checks += 1
    st, h, data = sqs_signed(env, "ReceiveMessage", {"VisibilityTimeout": "0"},
                             path="/%s/%s" % (ACCOUNT, queue),
                             json_proto=False)
    ok(st, h, data, "query protocol")
    assert b"<Body>hello</Body>" in data, data
    checks += 1
    # Paths the generic rules normalise and encode twice: the front must
    # agree with botocore (moto may then not route them: no 4xx auth).
    for path in ("/%s/./x/../%s" % (ACCOUNT, queue), "//%s//%s/" % (
            ACCOUNT, queue), "/%7E%41/a%20b/", "/caf%C3%A9"):
        st, h, data = sqs_signed(env, "GetQueueUrl", {"QueueName": queue},
                                 path=path)
        assert b"coral.service" not in data, (path, st, data)
        checks += 1

    sig = SQS_AUTH_ERRORS["SignatureDoesNotMatch"][1]
    inc = SQS_AUTH_ERRORS["AuthorizationHeaderMalformed"][1]
    unk = SQS_AUTH_ERRORS["InvalidAccessKeyId"][1]

    def flip_body(t, h, b):
        return t, h, b.replace(b"10", b"11")

    def flip_target(t, h, b):
        h["X-Amz-Target"] = "AmazonSQS.DeleteQueue"
        return t, h, b

    def unsigned_header(t, h, b):
        h["X-Amz-Meta"] = "x"
        return t, h, b

    def flip_path(t, h, b):
        return "/" + ACCOUNT + "/" + queue, h, b

    base = {"QueueUrl": url, "MaxNumberOfMessages": 10}
    an_hour_ago = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - \
        dt.timedelta(hours=1)
    for what, answer, status, jtype in [
            ("body", sqs_signed(env, "ReceiveMessage", base,
                                mangle=flip_body), 403, sig),
            ("target", sqs_signed(env, "ReceiveMessage", base,
                                  mangle=flip_target), 403, sig),
            ("path", sqs_signed(env, "ReceiveMessage", base,
                                mangle=flip_path), 403, sig),
            ("secret", sqs_signed(env, "ReceiveMessage", base,
                                  secret="wrong"), 403, sig),
            ("unsigned x-amz header", sqs_signed(
                env, "ReceiveMessage", base, mangle=unsigned_header), 400,
             inc),
            ("unknown key", sqs_signed(env, "ReceiveMessage", base,
                                       akid="AKIDNOSUCH"), 403, unk),
            ("S3's rules", sqs_signed(env, "ReceiveMessage", base,
                                      path="/%7E%41/x/./y",
                                      auth_class=botocore.auth.S3SigV4Auth),
             403, sig),
            ("time", sqs_signed(env, "ReceiveMessage", base,
                                when=an_hour_ago), 403, sig),
            ("S3 on the SQS port", None, 400, inc)]:
        if answer is None:
            import botocore.awsrequest
            import botocore.credentials
            r = botocore.awsrequest.AWSRequest(
                method="GET", url=env.sqs_endpoint + "/b?list-type=2")
            botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(
                env.default_key, env.credentials[env.default_key]), "s3",
                "us-east-1").add_auth(r)
            answer = raw_request(env.sqs_front_port, "GET", "/b?list-type=2",
                                 dict(r.headers.items()), b"")
        refused(answer, status, jtype, what)
        checks += 1
    # The query protocol's errors are XML.
    st, h, data = sqs_signed(env, "ReceiveMessage", {}, secret="wrong",
                             path="/%s/%s" % (ACCOUNT, queue),
                             json_proto=False)
    assert st == 403 and b"<Code>SignatureDoesNotMatch</Code>" in data, data
    checks += 1
    # A queue of another region answers a request scoped to us-east-1 so.
    env.make_queue("selftest-eu", region="eu-west-1")
    st, h, data = sqs_signed(env, "ReceiveMessage", {
        "QueueUrl": env.queue_url("selftest-eu")})
    assert st == 403 and b"scoped to a valid region" in data, data
    st, h, data = sqs_signed(env, "ReceiveMessage", {
        "QueueUrl": env.queue_url("selftest-eu")}, region="eu-west-1")
    ok(st, h, data, "eu-west-1")
    checks += 2
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
    real = [n for n in sorted(os.listdir(DATA)) if n.endswith(".json.gz")]
    reals, seen = [], set()
    for name in real:
        with open(os.path.join(DATA, name), "rb") as f:
            acct, _, reg = name.split("-", 1)[1].split("_")[:3]
            key = "AWSLogs/%s/CloudTrail/%s/2017/12/11/%s" % (
                acct, reg, name.split("-", 1)[1])
            body = f.read()
            reals.append((key, body))
            for r in json.loads(gzip.decompress(body))["Records"]:
                seen.add(r.get("eventID"))
    # Each event once in the whole demo: none of the real files' again.
    events = [e for e in sample_events(shared="")
              if json.loads(e).get("eventID") not in seen]
    items, _ = make_trail(seed=2024, objects=4, bucket=bucket, distinct=True,
                          events=events)
    items += reals
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
