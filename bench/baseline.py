#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The job done the script's way, in Python: the benchmark's baseline.

    baseline.py --endpoint URL --bucket NAME --log FILE [--region R]

What getawslog.py -j did, with boto3 in place of boto 2: list every key of
the bucket (all pages), then one object at a time: get_object, gunzip,
json.loads, the script's -j conversion (tests/py2model.py, the model of
Python 2.7's output), append to the log (opened for each object).  Folder
keys and digest files are skipped as the script skipped them.

The conversion is py2model's, made about as cheap as Python 2's C code made
it: the model emulates CPython 2.7's dict order and repr in pure Python, so
the key order of each distinct key set is memoised and plain printable-ASCII
strings take a fast path.  The output is byte for byte the model's (run.py
compares it with getawslog's), and the baseline is not slowed down by the
emulation.

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.  Prints one
line of JSON on stdout: objects, decompressed bytes, records, seconds spent
in each phase (list, get, gunzip, convert, write).
"""

import argparse
import functools
import gzip
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import py2model  # noqa: E402

DIGEST = re.compile(r".+_CloudTrail-Digest_.+")


def speed_up_model():
    """Same bytes as py2model, without paying for its pure-Python emulation
    of what CPython 2.7 did in C."""
    slow_keys = py2model.py2_keys
    slow_repr = py2model.repr_unicode
    slow_top = py2model.top_text

    @functools.lru_cache(maxsize=65536)
    def keys_of(t):
        return tuple(slow_keys(list(t)))

    plain = re.compile(r"[^\x20-\x7e]|['\\]")
    special = re.compile("[\n\r\x00\ud800-\udfff]")

    def repr_unicode(s):
        if not plain.search(s):
            return "u'" + s + "'"
        return slow_repr(s)

    def top_text(s):
        if not special.search(s):
            return s
        return slow_top(s)

    py2model.py2_keys = lambda keys: list(keys_of(tuple(keys)))
    py2model.repr_unicode = repr_unicode
    py2model.top_text = top_text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--raw", action="store_true", help="no -j")
    a = ap.parse_args()
    t0 = time.perf_counter()
    import boto3
    import botocore.config
    speed_up_model()
    s3 = boto3.client("s3", region_name=a.region, endpoint_url=a.endpoint,
                      config=botocore.config.Config(
                          s3={"addressing_style": "path"}))
    t = {"import": time.perf_counter() - t0, "list": 0.0, "get": 0.0,
         "gunzip": 0.0, "convert": 0.0, "write": 0.0}
    c = time.perf_counter()
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=a.bucket):
        keys += [o["Key"] for o in page.get("Contents", [])]
    t["list"] += time.perf_counter() - c
    objects = raw_bytes = records = 0
    for key in keys:
        base = key.rsplit("/", 1)[-1]
        if not base or DIGEST.match(base):
            continue
        c = time.perf_counter()
        body = s3.get_object(Bucket=a.bucket, Key=key)["Body"].read()
        c2 = time.perf_counter()
        data = gzip.decompress(body)
        c3 = time.perf_counter()
        if a.raw:
            out = data + b"\n"
        else:
            out = py2model.flat_lines(data)   # json.loads + the conversion
            records += out.count(b"\n")
        c4 = time.perf_counter()
        with open(a.log, "ab") as f:
            f.write(out)
        c5 = time.perf_counter()
        t["get"] += c2 - c
        t["gunzip"] += c3 - c2
        t["convert"] += c4 - c3
        t["write"] += c5 - c4
        objects += 1
        raw_bytes += len(data)
    print(json.dumps({"objects": objects, "bytes": raw_bytes,
                      "records": records,
                      "seconds": {k: round(v, 4) for k, v in t.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
