#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""test_sigv4_diff.py - sigv4.c against botocore's S3SigV4Auth and SigV4Auth.

Generates random S3 requests (fixed seed) with awkward object keys and
ListObjectsV2 parameters, and random SQS requests (JSON and query protocol
bodies, queue paths with dot segments, empty segments, escapes and UTF-8)
for the generic rules, signs each with botocore (S3SigV4Auth for s3,
SigV4Auth for sqs) and with tests/sigv4_cli (sigv4.c), and compares the wire
path and query, the canonical request, the string to sign and the
Authorization header byte for byte.

The build directory holding tests/sigv4_cli is $GETAWSLOG_BUILD, else the
directory of $GETAWSLOG (what tests/run.sh sets), else ".".
Prints "N passed, N failed" last; exits non-zero on any failure.
"""
import datetime
import json
import os
import random
import subprocess
import sys
from unittest import mock
from urllib.parse import quote, urlencode

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

SEED = 20150830
NCASES = 400
NCASES_SQS = 300

# Pieces of object keys: everything S3 allows that an encoder may get wrong.
KEY_PIECES = [
    "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2024", "01",
    ".json.gz", "a", "Z", "0", "-", "_", ".", "..", "~", " ", "  ", "+",
    "%", "%41", "%2F", "%zz", "=", "&", "/", "//", "?", "#", "!", "*", "'",
    "(", ")", ",", ";", ":", "@", "$", "[", "]", "{", "}", "|", "\\", "^",
    "`", '"', "<", ">", "\t", "\u00e9", "caf\u00e9", "\u65e5\u672c",
    "\u20ac", "\U0001f600", "\u0130", "\u00a0",
]
TOKEN_CHARS = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
               "0123456789+/=")
ENDPOINTS = [
    "http://127.0.0.1:9000", "http://localhost:5000",
    "https://s3.amazonaws.com", "https://s3.eu-west-1.amazonaws.com",
]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]
BUCKETS = ["bucket", "my-trail-bucket", "trail.logs.example"]
SQS_ENDPOINTS = [
    "https://sqs.us-east-1.amazonaws.com", "https://sqs.eu-west-1.amazonaws.com",
    "http://127.0.0.1:9324", "http://localhost:4566",
]
# Pieces of SQS paths, raw (the wire path is their percent-encoding): what
# the generic rules normalise and encode twice.
PATH_PIECES = [
    "123456789012", "queue", "my-queue.fifo", "/", "/", "//", ".", "..",
    "/./", "/../", "a", "-", "_", "~", " ", "+", "%", "%41", "%2F", "=",
    "&", "$", "!", "*", "'", "(", ")", ",", ";", ":", "@", "\u00e9",
    "\u65e5\u672c", "\U0001f600",
]
SQS_TARGETS = ["ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
               "GetQueueUrl", "DeleteMessageBatch",
               "ChangeMessageVisibilityBatch"]


def escape(data):
    """The sigv4_cli escaping of bytes (or str, as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif b == 0x09:
            out.append("\\t")
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x0D:
            out.append("\\r")
        elif b < 0x20 or b >= 0x7F:
            out.append("\\x%02x" % b)
        else:
            out.append(chr(b))
    return "".join(out)


def unescape(s):
    """Inverse of escape, to text (the outputs are UTF-8)."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = s[i + 1]
        if n == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
            continue
        out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}[n]
        i += 2
    return out.decode("utf-8")


def rand_key(rng):
    return "".join(rng.choice(KEY_PIECES) for _ in range(rng.randint(1, 10)))


def rand_token(rng, n):
    return "".join(rng.choice(TOKEN_CHARS) for _ in range(n))


def rand_params(rng):
    """ListObjectsV2-like parameters, raw (unencoded), in random order."""
    params = []
    if rng.random() < 0.8:
        params.append(("list-type", "2"))
    if rng.random() < 0.7:
        params.append(("prefix", rand_key(rng)))
    if rng.random() < 0.4:
        params.append(("continuation-token", rand_token(rng, 24)))
    if rng.random() < 0.4:
        params.append(("start-after", rand_key(rng)))
    if rng.random() < 0.5:
        params.append(("encoding-type", "url"))
    if rng.random() < 0.5:
        params.append(("max-keys", str(rng.choice([1, 2, 10, 1000]))))
    if rng.random() < 0.3:
        params.append(("delimiter", rng.choice(["/", "%", "+", " "])))
    if rng.random() < 0.2:
        # A repeated name: sorted by value as well.
        params.append(("prefix", rand_key(rng)))
    if rng.random() < 0.1:
        params.append((rand_key(rng), rand_key(rng)))
    rng.shuffle(params)
    return params


def rand_headers(rng):
    headers = []
    if rng.random() < 0.3:
        headers.append(("Range", "bytes=0-%d" % rng.randint(0, 99999)))
    if rng.random() < 0.2:
        headers.append(("x-amz-request-payer", "requester"))
    if rng.random() < 0.3:
        # Folding: leading, trailing and inner runs of spaces and tabs.
        headers.append(("X-Amz-Meta-Note",
                        rng.choice(["  a   b  ", "\tx\t \ty", "plain",
                                    "", "   "])))
    if rng.random() < 0.2:
        # Repeats in mixed case: one line, values in the order given.
        headers.append(("X-Amz-Meta-Dup", "first"))
        headers.append(("x-amz-meta-dup", "  second  one "))
        headers.append(("X-AMZ-META-DUP", "third"))
    return headers


def make_case(rng, i):
    endpoint = rng.choice(ENDPOINTS)
    method = rng.choice(["GET"] * 6 + ["HEAD", "PUT", "DELETE"])
    body = b""
    if method == "PUT" and rng.random() < 0.8:
        body = bytes(rng.randrange(256)
                     for _ in range(rng.randint(1, 64)))
    mode = rng.choice(["params", "url", "url", "raw"])
    params = rand_params(rng) if rng.random() < 0.85 else []
    raw = None
    if mode == "raw":
        # A query as sent with a name and no '=', like ?uploads.
        raw = "&".join(["fetch-owner"] + [
            quote(n, safe="") + "=" + quote(v, safe="") for n, v in params])
        params = []
    return {
        "id": "c%03d" % i,
        "when": rng.randint(946684800, 4102444799),
        "method": method,
        "endpoint": endpoint,
        "bucket": rng.choice(BUCKETS),
        "key": rand_key(rng),
        "params": params,
        "mode": mode,
        "raw": raw,
        "headers": rand_headers(rng),
        "body": body,
        "akid": "AKIA" + rand_token(rng, 16).upper().replace(
            "+", "X").replace("/", "Y").replace("=", "Z"),
        "secret": rand_token(rng, 40),
        "token": rand_token(rng, rng.randint(20, 300))
        if rng.random() < 0.5 else None,
        "region": rng.choice(REGIONS),
    }


def rand_path(rng):
    """A raw SQS path: mostly the JSON protocol's "/" or a queue's path."""
    r = rng.random()
    if r < 0.2:
        return "/"
    if r < 0.4:
        return "/123456789012/" + rng.choice(["q", "my-queue", "a.fifo"])
    return "/" + "".join(rng.choice(PATH_PIECES)
                         for _ in range(rng.randint(1, 10)))


def sqs_body(rng, target, token):
    """A JSON protocol body, or a query protocol form, or nothing."""
    r = rng.random()
    if r < 0.5:
        body = {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/"
                            "123456789012/q"}
        if target == "ReceiveMessage":
            body.update({"MaxNumberOfMessages": 10, "VisibilityTimeout": 300,
                         "WaitTimeSeconds": rng.randint(0, 20)})
        else:
            body["ReceiptHandle"] = token + "\u00e9\n\"/+="
        return ("application/x-amz-json-1.0",
                json.dumps(body, ensure_ascii=rng.random() < 0.5)
                .encode("utf-8"))
    if r < 0.8:
        return ("application/x-www-form-urlencoded; charset=utf-8",
                urlencode([("Action", target), ("Version", "2012-11-05"),
                           ("ReceiptHandle", token + " +/=&\u00e9")])
                .encode("utf-8"))
    return (None, b"")


def make_sqs_case(rng, i):
    """A request to SQS, signed with the generic rules."""
    target = rng.choice(SQS_TARGETS)
    method = rng.choice(["POST"] * 5 + ["GET"])
    ctype, body = sqs_body(rng, target, rand_token(rng, 40))
    headers = rand_headers(rng) if rng.random() < 0.3 else []
    if ctype is not None:
        headers.append(("Content-Type", ctype))
    if ctype is not None and ctype.startswith("application/x-amz-json"):
        headers.append(("X-Amz-Target", "AmazonSQS." + target))
    params = rand_params(rng) if method == "GET" and rng.random() < 0.5 \
        else []
    return {
        "id": "q%03d" % i,
        "service": "sqs",
        "when": rng.randint(946684800, 4102444799),
        "method": method,
        "endpoint": rng.choice(SQS_ENDPOINTS),
        "rawpath": rand_path(rng),
        "params": params,
        "mode": "params" if params else "url",
        "raw": None,
        "headers": headers,
        "body": body,
        "akid": "AKIA" + rand_token(rng, 16).upper().replace(
            "+", "X").replace("/", "Y").replace("=", "Z"),
        "secret": rand_token(rng, 40),
        "token": rand_token(rng, rng.randint(20, 300))
        if rng.random() < 0.5 else None,
        "region": rng.choice(REGIONS),
    }


def capturing(base):
    """base (a botocore auth class) keeping what it signed, for reports."""

    class Capturing(base):
        creq = None
        sts = None

        def canonical_request(self, request):
            self.creq = super().canonical_request(request)
            return self.creq

        def string_to_sign(self, request, canonical_request):
            self.sts = super().string_to_sign(request, canonical_request)
            return self.sts

    return Capturing


AUTH = {"s3": capturing(botocore.auth.S3SigV4Auth),
        "sqs": capturing(botocore.auth.SigV4Auth)}


def wire(case):
    """The path and query as s3.c (or a client of SQS) sends them."""
    if "rawpath" in case:
        path = quote(case["rawpath"], safe="/")
    else:
        path = "/" + case["bucket"] + "/" + quote(case["key"], safe="/")
    if case["raw"] is not None:
        query = case["raw"]
    else:
        query = "&".join(quote(n, safe="") + "=" + quote(v, safe="")
                         for n, v in case["params"])
    return path, query


def botocore_sign(case):
    path, query = wire(case)
    url = case["endpoint"] + path
    params = None
    if case["mode"] == "params":
        # botocore encodes the raw parameters itself.
        params = list(case["params"])
    elif query:
        url += "?" + query
    req = AWSRequest(method=case["method"], url=url, data=case["body"],
                     params=params)
    for name, value in case["headers"]:
        req.headers[name] = value
    creds = botocore.credentials.Credentials(case["akid"], case["secret"],
                                             case["token"])
    service = case.get("service", "s3")
    auth = AUTH[service](creds, service, case["region"])
    now = datetime.datetime.fromtimestamp(case["when"],
                                          datetime.timezone.utc)
    with mock.patch("botocore.auth.get_current_datetime",
                    return_value=now.replace(tzinfo=None)):
        auth.add_auth(req)
    host = botocore.auth._host_from_url(url)
    return {"path": path, "query": query, "creq": auth.creq,
            "sts": auth.sts, "authz": req.headers["Authorization"],
            "host": host}


def cli_block(case, host):
    lines = [("case", case["id"]), ("when", str(case["when"])),
             ("method", case["method"]), ("host", host)]
    service = case.get("service", "s3")
    if service == "s3":
        lines += [("bucket", case["bucket"]), ("key", case["key"])]
    else:
        lines += [("path", wire(case)[0]), ("rules", "generic")]
    if case["raw"] is not None:
        lines.append(("rawquery", case["raw"]))
    for n, v in case["params"]:
        lines.append(("param", n, v))
    for n, v in case["headers"]:
        lines.append(("header", n, v))
    lines.append(("body", case["body"]))
    lines += [("akid", case["akid"]), ("secret", case["secret"]),
              ("region", case["region"]), ("service", service)]
    if case["token"] is not None:
        lines.append(("token", case["token"]))
    return "".join("\t".join([f[0]] + [escape(x) for x in f[1:]]) + "\n"
                   for f in lines) + "end\n"


def parse_cli(text):
    results, cur = {}, None
    for line in text.splitlines():
        kw, _, val = line.partition("\t")
        if kw == "case":
            cur = results.setdefault(unescape(val), {})
        elif cur is not None:
            cur[kw] = unescape(val)
    return results


def build_dir():
    b = os.environ.get("GETAWSLOG_BUILD")
    if b:
        return b
    g = os.environ.get("GETAWSLOG")
    if g:
        return os.path.dirname(g)
    return "."


def main():
    cli = os.path.join(build_dir(), "tests", "sigv4_cli")
    if not os.access(cli, os.X_OK):
        print("no %s: build it with make" % cli, file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    rng = random.Random(SEED)
    cases = [make_case(rng, i) for i in range(NCASES)]
    cases += [make_sqs_case(rng, i) for i in range(NCASES_SQS)]
    want = {c["id"]: botocore_sign(c) for c in cases}
    stdin = "".join(cli_block(c, want[c["id"]]["host"]) for c in cases)
    proc = subprocess.run([cli], input=stdin.encode("ascii"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        print("sigv4_cli exited %d" % proc.returncode, file=sys.stderr)
        print("0 passed, %d failed" % len(cases))
        return 1
    got = parse_cli(proc.stdout.decode("ascii"))
    passed = failed = 0
    for c in cases:
        w, g = want[c["id"]], got.get(c["id"], {})
        bad = [k for k in ("path", "query", "creq", "sts", "authz")
               if g.get(k) != w[k]]
        if not bad:
            passed += 1
            continue
        failed += 1
        print("FAIL %s (%s %s, %s %r, mode %s): %s differ" % (
            c["id"], c["method"], c["endpoint"],
            "path" if "rawpath" in c else "key",
            c.get("rawpath", c.get("key")), c["mode"],
            ", ".join(bad)), file=sys.stderr)
        for k in bad:
            print("  %s botocore: %r\n  %s sigv4.c:  %r" % (
                k, w[k], k, g.get(k)), file=sys.stderr)
    # The generator must have produced what this test claims to cover:
    # awkward keys; for the generic rules, normalised paths, encoded
    # twice, and bodies.
    keys = "".join(c["key"] for c in cases if "key" in c)
    sqs = [c for c in cases if "rawpath" in c]
    claims = {"a key holding %r" % s: s in keys
              for s in (" ", "+", "%", "~", "=", "&", "//", "\u00e9")}
    claims.update({
        "a dot segment": any("/./" in c["rawpath"] or
                             c["rawpath"].endswith("/.") for c in sqs),
        "a '..' segment": any("/../" in c["rawpath"] for c in sqs),
        "an empty segment": any("//" in c["rawpath"] for c in sqs),
        "an escape encoded twice": any(
            "%25" in (got.get(c["id"], {}).get("creq") or "")
            .split("\n")[1] for c in sqs),
        "a JSON body": any(c["body"].startswith(b"{") for c in sqs),
        "a form body": any(c["body"].startswith(b"Action=") for c in sqs),
        "a session token": any(c["token"] for c in sqs),
    })
    return runner.finish(passed, failed, claims)


if __name__ == "__main__":
    sys.exit(main())
