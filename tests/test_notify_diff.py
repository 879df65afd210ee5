#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""test_notify_diff.py - notify.c against what each notification means.

Random messages (fixed seed) of every kind notify.c understands, with
awkward keys (spaces, "+", "%", "/", "//", UTF-8, JSON escapes), S3's form
encoding done as AWS does it ("/" kept) and as moto does it ("/" too),
raw or inside SNS, serialised with and without ASCII escapes, several
records or keys with repeats and removals; and broken ones (bad escapes,
%00, \\u0000, keys past 1024 bytes) that must be refused.  Each goes
through tests/notify_cli (notify.c); the objects it names must be exactly
the ones the message names, decoded, each once, in order.

The build directory holding tests/notify_cli is $GETAWSLOG_BUILD, else the
directory of $GETAWSLOG, else ".".  Last line: "N passed, N failed".
"""

import json
import os
import random
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
import s3env  # noqa: E402
from test_sqsenv import parse_bodies  # noqa: E402

SEED = 20240730
NCASES = 600
KEY_PIECES = [
    "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2024", "/", "/",
    "//", ".json.gz", " ", "  ", "+", "%", "%41", "%2B", "%zz", "=", "&",
    "?", "#", "~", "'", '"', "\\", "\\u0000", "\t", "caf\u00e9",
    "\u65e5\u672c", "\U0001f600", "\u00a0", "a", "Z", "0", "-", "_", ".",
]
BUCKETS = ["trail", "my-trail-bucket", "trail.logs.example", "Legacy_Bucket"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def rand_key(rng):
    return "".join(rng.choice(KEY_PIECES) for _ in range(rng.randint(1, 8)))


def make_case(rng):
    """(body, expected): expected is ("objects", [(b, k, region, size)],
    skipped), ("test",) or ("unknown",)."""
    form = rng.choice(["s3", "s3", "cloudtrail", "eventbridge", "test",
                       "broken"])
    region = rng.choice(REGIONS)
    objs, skipped = [], 0
    if form == "s3":
        records = []
        for _ in range(rng.randint(1, 4)):
            b, k = rng.choice(BUCKETS), rand_key(rng)
            size = rng.randint(0, 1 << 40)
            if rng.random() < 0.2:
                records.append(s3env.s3_record(b, k, size, region=region,
                                               event="ObjectRemoved:Delete"))
                skipped += 1
                continue
            event = rng.choice(["ObjectCreated:Put", "ObjectCreated:Copy",
                                "ObjectCreated:CompleteMultipartUpload"])
            records.append(s3env.s3_record(b, k, size, event=event,
                                           region=region,
                                           safe=rng.choice(["/", ""])))
            if rng.random() < 0.15:
                records.append(records[-1])
            if (b, k) not in [(o[0], o[1]) for o in objs]:
                objs.append((b, k, region, size))
        msg = s3env.s3_event(*records)
    elif form == "cloudtrail":
        b = rng.choice(BUCKETS)
        keys = [rand_key(rng) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.2:
            keys.append(keys[0])
        msg = s3env.cloudtrail_notice(b, keys)
        for k in keys:
            if (b, k) not in [(o[0], o[1]) for o in objs]:
                objs.append((b, k, None, -1))
    elif form == "eventbridge":
        b, k = rng.choice(BUCKETS), rand_key(rng)
        size = rng.randint(0, 1 << 30)
        if rng.random() < 0.2:
            msg = s3env.eventbridge_event(b, k, size, region=region,
                                          detail_type="Object Deleted")
            skipped = 1
        else:
            msg = s3env.eventbridge_event(b, k, size, region=region)
            objs.append((b, k, region, size))
    elif form == "test":
        msg = s3env.s3_test_event(rng.choice(BUCKETS))
    else:
        rec = s3env.s3_record(rng.choice(BUCKETS), "k", 1)
        rec["s3"]["object"]["key"] = rng.choice([
            "a%zz", "a%4", "a%", "%00", "a%00b", "",
            "x" * 1025, "%41" * 1025])
        msg = s3env.s3_event(rec)
        if rng.random() < 0.3:
            msg = s3env.cloudtrail_notice("trail", ["a\u0000b"])
    text = json.dumps(msg, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.5:
        text = s3env.sns_envelope(text)
    if form == "test":
        return text, ("test",)
    if form == "broken":
        return text, ("unknown",)
    return text, ("objects", objs, skipped)


def main():
    cli = os.path.join(os.environ.get("GETAWSLOG_BUILD") or os.path.dirname(
        os.environ.get("GETAWSLOG") or "./getawslog"), "tests", "notify_cli")
    if not os.access(cli, os.X_OK):
        print("no %s: build it with make" % cli, file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    rng = random.Random(SEED)
    cases = [make_case(rng) for _ in range(NCASES)]
    got = parse_bodies([c[0] for c in cases])
    passed = failed = 0
    for i, ((body, want), g) in enumerate(zip(cases, got)):
        if want[0] == "objects":
            ok = (g["kind"] == "objects" and g["objects"] == want[1] and
                  g["skipped"] == want[2])
        else:
            ok = g["kind"] == want[0]
        if ok:
            passed += 1
            continue
        failed += 1
        print("FAIL case %d: %r\n  want %r\n  got  %r" % (
            i, body[:300], want, g), file=sys.stderr)
    if len(got) != len(cases):
        failed += 1
        print("FAIL %d answers for %d cases" % (len(got), len(cases)),
              file=sys.stderr)
    # The generator must have made what this test claims to cover.
    keys = [o[1] for c in cases if c[1][0] == "objects" for o in c[1][1]]
    kinds = {c[1][0] for c in cases}
    claims = {"a key holding %r" % s: any(s in k for k in keys)
              for s in (" ", "+", "%", "//", "\\u0000", "\u00e9",
                        "\U0001f600")}
    for kind in ("objects", "test", "unknown"):
        claims["a message of kind " + kind] = kind in kinds
    return runner.finish(passed, failed, claims)


if __name__ == "__main__":
    sys.exit(main())
