#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""getawslog's benchmark (issue 5, items 4 and 5; issue 18: h and i).

    sh bench/run.sh [--reps N] [--quick] [--check] [--only a,b,c,d,e,f,h,i]
                    [--json FILE] [--keep] [--org-args ARGS]
                    [--backfill-args ARGS] [--backfill-jobs 8,16,...]

Starts the local S3 of the tests (moto behind the SigV4-verifying front,
tests/s3env.py) on 127.0.0.1, seeds it with CloudTrail-shaped objects
(deterministic seed) and runs seven scenarios, each --reps times (default 3);
figures are medians.

  a  wall         400 objects, 25 ms added to every request: getawslog -j
                  vs the script's way in Python (bench/baseline.py: boto3,
                  one object at a time) vs zcat over the same objects
                  already on disk (no network: for reference only).
  b  cpu          the same objects, no latency: client CPU (user+sys) of
                  getawslog -j, and of raw mode (no -j), vs
                  `gzip -cd FILES > /dev/null` (one run, zlib's inflate
                  floor) and `igzip -dc` (ISA-L's, getawslog's engine;
                  skipped without Debian's isal) vs the baseline.
  c  incremental  a bucket with 3,000 objects already in the -s state
                  (30 days) and one with 12,000 (120 days), 30 new objects
                  on the latest day each: LIST requests of `getawslog -s`.
  d  memory       raw mode (no -j) on one object of 200 MB decompressed:
                  peak RSS.
  e  stream       -j on one document of 300 MB and one of 1 GiB (--quick:
                  20 MB) of ordinary records: every record written, peak
                  RSS, MiB per MB of document; and -j on a gzip bomb
                  ('{"Records":[{"a":"AAAA...', 4 GiB inflated from about
                  4 MB; --quick: 256 MiB) between two good objects: exit
                  4, the bomb named, the others written, peak RSS, wall.
  g  digests      the objects of b plus their CloudTrail digests (one an
                  hour per account and region, signed with a key of the
                  bench's that the front serves through ListPublicKeys),
                  in a bucket of their own: client CPU of getawslog -j -s
                  with --validate-digests vs without (fresh state each).
  f  queue        the objects of a as S3 event notifications in an SQS
                  queue (moto's, behind the front), 25 ms added to every
                  request: `getawslog --queue-url -j` alone, then two at
                  once on the one queue; objects/s, and every record
                  exactly once between the two.  Each run ends with a
                  receive that waits --wait-time-seconds 1 and brings
                  nothing, which the wall includes.
  h  org          an organization trail, 100 accounts x 17 regions (--quick:
                  10), one small object in each region folder, 25 ms added
                  to every request: the first `getawslog -s` run (wall,
                  LISTs, every object once) and runs with nothing new
                  (wall, LISTs).
  i  backfill     2,000 small objects (--quick: 200), 50 ms added to every
                  request: getawslog with its defaults beside `aws s3 sync`
                  and `rclone copy` (Debian's, default settings: `sh
                  scripts/deps.sh bench` installs them), objects/s; the
                  same at -J 8, 16, 32, 64, 128 (what the default was
                  chosen from); then 128 bodies of 4 MB (--quick: 16): peak
                  RSS at the default -J and at -J 64.

CPU and peak RSS are the measured process's own (wait4's rusage, taken by
the small launcher bench/rusage.c), so the front and moto, which run in
this Python process, are not counted.  Requests and
connections are what the front saw during the run.  MB is 10^6 bytes.

Writes bench/results.json (--quick: bench/results-quick.json) and prints a table and PASS/FAIL per target.
Exit status 0 unless --check is given and a target fails (or a run fails).
"""

import argparse
import atexit
import base64
import datetime as dt
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests"))

import s3env  # noqa: E402
from s3env import S3Env  # noqa: E402

SEED = 20240730
ACCOUNTS = ["111122223333", "444455556666"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
AKID, SECRET = "AKIDBENCH", "bench/secret+key"
BINARY = s3env.binary_path()


# ------------------------------------------------------------- the data

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}$")
ACCOUNT_RE = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
IPV4_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Trail:
    """CloudTrail-shaped records and objects, varied the way real ones are
    (fresh IDs, times, keys, tokens; a few source addresses, agents and
    users that recur), so that gzip does about what it does on real trails
    (about 10x).  Records come from tests/data/events, made compact as
    CloudTrail writes them."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.templates = [json.loads(e) for e in
                          s3env.sample_events(shared="")]
        r = self.rng
        # A few kinds of call make most of a trail: Zipf weights.
        r.shuffle(self.templates)
        self.weights = [1.0 / (i + 1) for i in range(len(self.templates))]
        self.ips = ["%d.%d.%d.%d" % (r.randint(1, 223), r.randint(0, 255),
                                     r.randint(0, 255), r.randint(1, 254))
                    for _ in range(24)]
        self.users = ["alice", "bob", "carol", "deploy", "ci-runner",
                      "terraform", "backup", "audit"]
        # Keys, sessions and tokens recur: the same principals make many
        # calls.
        self.keys = [r.choice(("ASIA", "AKIA")) + "".join(
            r.choice(UPPER) for _ in range(16)) for _ in range(40)]
        self.sessions = ["%s-%d" % (r.choice(self.users),
                                    r.randint(10**9, 10**10))
                         for _ in range(40)]
        self.tokens = {}

    def _uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _vary(self, v, key, ctx):
        r = self.rng
        if isinstance(v, dict):
            return {k: self._vary(x, k, ctx) for k, x in v.items()}
        if isinstance(v, list):
            return [self._vary(x, key, ctx) for x in v]
        if not isinstance(v, str):
            return v
        if key == "eventTime":
            return ctx["time"]
        if key == "awsRegion":
            return ctx["region"]
        if key == "sourceIPAddress" and IPV4_RE.match(v):
            return (r.choice(self.ips) if r.random() < 0.9 else
                    "%d.%d.%d.%d" % (r.randint(1, 223), r.randint(0, 255),
                                     r.randint(0, 255), r.randint(1, 254)))
        if key == "userName":
            return ctx["user"]
        if key == "accessKeyId":
            return r.choice(self.keys)
        if key == "sessionToken":
            pool = self.tokens.setdefault(len(v), [])
            if len(pool) < 16:
                pool.append("".join(r.choice(B64) for _ in range(len(v))))
            return r.choice(pool)
        if key in ("eventID", "requestID", "sharedEventID") or \
                UUID_RE.match(v):
            return self._uuid()
        if key == "roleSessionName":
            return r.choice(self.sessions)
        return ACCOUNT_RE.sub(ctx["account"], v)

    def record(self, account, region, when):
        t = when + dt.timedelta(seconds=self.rng.randint(0, 299))
        ctx = {"account": account, "region": region,
               "time": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
               "user": self.rng.choice(self.users)}
        rec = self._vary(self.rng.choices(self.templates, self.weights)[0],
                         None, ctx)
        return json.dumps(rec, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")

    def records_count(self, lo=1, hi=200):
        """Log-uniform between lo and hi: most objects are small."""
        return max(lo, min(hi, int(round(math.exp(
            self.rng.uniform(math.log(lo), math.log(hi)))))))

    def obj(self, account, region, when, n):
        doc = s3env.cloudtrail_document(
            [self.record(account, region, when) for _ in range(n)])
        return s3env.cloudtrail_key(account, region, when, self.rng), doc

    def big(self, account, region, when, size):
        """One document of about size bytes: records drawn from a pool of
        varied records (far apart repeats do not help gzip's 32 KiB
        window)."""
        pool = [self.record(account, region, when) for _ in range(4000)]
        parts, total = [], 0
        while total < size:
            p = self.rng.choice(pool)
            parts.append(p)
            total += len(p) + 1
        return (s3env.cloudtrail_key(account, region, when, self.rng),
                s3env.cloudtrail_document(parts))


    def big_gz(self, account, region, when, size):
        """Like big(), gzipped as it is made, so that a document of a
        gigabyte never sits whole in this process: (key, gz body, document
        length, records)."""
        pool = [self.record(account, region, when) for _ in range(4000)]
        co = zlib.compressobj(6, zlib.DEFLATED, 31)
        out, batch = [co.compress(b'{"Records":[')], []
        total, n = len(b'{"Records":[]}'), 0
        while total < size:
            p = self.rng.choice(pool)
            if n:
                batch.append(b",")
            batch.append(p)
            total += len(p) + (1 if n else 0)
            n += 1
            if len(batch) >= 4000:
                out.append(co.compress(b"".join(batch)))
                batch = []
        batch.append(b"]}")
        out.append(co.compress(b"".join(batch)))
        out.append(co.flush())
        return (s3env.cloudtrail_key(account, region, when, self.rng),
                b"".join(out), total, n)


def bomb_gz(size):
    """A gzip bomb: '{"Records":[{"a":"' and size bytes of 'A' (no end),
    compressed as it is made (4 GiB: about 4 MB of gzip)."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    out, chunk, left = [co.compress(b'{"Records":[{"a":"')], b"A" * 2**20, size
    while left > 0:
        out.append(co.compress(chunk[:min(left, len(chunk))]))
        left -= len(chunk)
    out.append(co.flush())
    return b"".join(out)


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def prefixes():
    return [(a, r) for a in ACCOUNTS for r in REGIONS]


def seed_objects(trail, count, day, big=0, big_records=2000):
    """count objects over one day across the 6 account/region prefixes:
    [(key, gz body, decompressed length)] in S3's listing order."""
    out = []
    pre = prefixes()
    for i in range(count):
        account, region = pre[i % len(pre)]
        when = day + dt.timedelta(minutes=5 * (i // len(pre)))
        n = big_records if i < big else trail.records_count()
        key, doc = trail.obj(account, region, when, n)
        out.append((key, s3env.gz(doc), len(doc)))
    order = {k: j for j, k in enumerate(s3env.s3_order([k for k, _, _ in out]))}
    out.sort(key=lambda x: order[x[0]])
    return out


def seed_history(trail, count, days, last_day):
    """count small objects spread over days days ending on last_day, 00:00
    to 20:00 (the new ones come later that day)."""
    out = []
    pre = prefixes()
    per_day = count / float(days)
    for i in range(count):
        account, region = pre[i % len(pre)]
        d = last_day - dt.timedelta(days=int(i // per_day))
        when = d + dt.timedelta(minutes=trail.rng.randint(0, 20 * 60 - 5))
        key, doc = trail.obj(account, region, when,
                             trail.records_count(1, 5))
        out.append((key, s3env.gz(doc), len(doc)))
    return out


def seed_new(trail, count, last_day):
    out = []
    pre = prefixes()
    for i in range(count):
        account, region = pre[i % len(pre)]
        when = last_day + dt.timedelta(hours=20, minutes=5 * (i // len(pre)))
        key, doc = trail.obj(account, region, when, trail.records_count())
        out.append((key, s3env.gz(doc), len(doc)))
    return out


# ------------------------------------------------------------- the server

_GET_CACHE = {}


def cache_gets():
    """Let the front answer a GET of an object it has fetched before from
    memory instead of asking moto again (after the signature check, and
    still recorded in env.requests).  Moto spends ~4 ms of this process's
    CPU on each GET, under one GIL: uncached, ~200 GETs/s is the ceiling,
    and that, not getawslog, would be what scenario a measured.  LISTs
    still go to moto.  The benchmark never overwrites or deletes an object,
    so entries do not go stale; a DELETE or PUT drops its entry anyway."""
    orig = s3env.FrontHandler.forward

    def forward(self, req, headers, body, **kw):
        if req.method in ("PUT", "DELETE", "POST"):
            _GET_CACHE.pop(req.path, None)
        if req.method != "GET" or req.op != "GET" or req.query or any(kw.values()):
            return orig(self, req, headers, body, **kw)
        hit = _GET_CACHE.get(req.path)
        if hit is not None:
            return hit
        status, rheaders, rbody = orig(self, req, headers, body)
        if status == 200:
            # The front adds a fresh Date.
            rheaders = [(n, v) for n, v in rheaders if n.lower() != "date"]
            _GET_CACHE[req.path] = (status, rheaders, rbody)
        return status, rheaders, rbody

    s3env.FrontHandler.forward = forward


_LIST_CACHE = {"on": False, "answers": {}}


def cache_lists():
    """While _LIST_CACHE["on"], let the front answer a LIST it has answered
    before (the same bucket, path and query) from memory, after the
    signature check. Moto reads every key of the bucket for each LIST
    (about 4 ms of this process's CPU, under one GIL, at 1,700 keys), so
    past a few hundred LISTs a second it is moto, not getawslog, that h
    measures. Scenario h reports both. Any PUT, DELETE or POST empties
    it."""
    orig = s3env.FrontHandler.forward

    def forward(self, req, headers, body, **kw):
        cache = _LIST_CACHE["answers"]
        if req.method in ("PUT", "DELETE", "POST"):
            cache.clear()
        if not _LIST_CACHE["on"] or req.op != "LIST" or any(kw.values()):
            return orig(self, req, headers, body, **kw)
        hit = cache.get((req.path, req.query))
        if hit is not None:
            return hit
        status, rheaders, rbody = orig(self, req, headers, body)
        if status == 200:
            rheaders = [(n, v) for n, v in rheaders if n.lower() != "date"]
            cache[(req.path, req.query)] = (status, rheaders, rbody)
        return status, rheaders, rbody

    s3env.FrontHandler.forward = forward


def fast_sqs():
    """moto's ReceiveMessage works out every attribute of the queue (each
    counting every message in it) for each message it hands out, to check
    its retention period: about 25 ms a message with 400 in the queue, in
    this process, under one GIL; that, not getawslog, would be what
    scenario f measured.  The retention period is read off the queue
    instead (the benchmark's messages never outlive it)."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def valid(self, queue_name, message):
        q = self.get_queue(queue_name)
        return (int(q.message_retention_period) +
                message.sent_timestamp / 1000) > unix_time()

    SQSBackend.is_message_valid_based_on_retention_period = valid


# ------------------------------------------------------------- running

class Run:
    """One measured child process."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


_LAUNCHER = None


def launcher():
    """bench/rusage.c, built once into a temp dir (see its comment)."""
    global _LAUNCHER
    if _LAUNCHER is None:
        d = tempfile.mkdtemp(prefix="getawslog-bench.")
        exe = os.path.join(d, "rusage")
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", exe,
                        os.path.join(HERE, "rusage.c")], check=True)
        _LAUNCHER = exe
        atexit.register(shutil.rmtree, d, True)
    return _LAUNCHER


def run_child(env, argv, objects=0, nbytes=0, extra_env=None, stdout=None,
              network=True):
    """Run argv with a clean environment (s3env's) through the launcher and
    return a Run with wall, cpu, rss and the front's counters."""
    tmp = env.tempdir()
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    cenv = env._child_env(home, extra_env)
    n_req = len(env.requests)
    n_conn = env.connections
    out_path = stdout or os.path.join(tmp, "stdout")
    err_path = os.path.join(tmp, "stderr")
    ru_path = os.path.join(tmp, "rusage")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        subprocess.run([launcher(), ru_path] + list(argv), env=cenv, cwd=tmp,
                       stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    with open(ru_path) as f:
        wall, user, sys_, rss_kib, rc = f.read().split()
    reqs = env.requests[n_req:] if network else []
    by_op = {}
    for r in reqs:
        by_op[r.op] = by_op.get(r.op, 0) + 1
    with open(err_path, "rb") as f:
        stderr = f.read()
    stdout_text = b""
    if stdout is None:
        with open(out_path, "rb") as f:
            stdout_text = f.read()
    return Run(argv=argv, rc=int(rc), wall=float(wall),
               user=float(user), sys=float(sys_),
               cpu=float(user) + float(sys_),
               rss_mib=int(rss_kib) / 1024.0,
               objects=objects, bytes=nbytes,
               requests=by_op, n_requests=len(reqs),
               connections=(env.connections - n_conn) if network else 0,
               stderr=stderr, stdout=stdout_text)


def getawslog(env, bucket, log, extra=(), **kw):
    return run_child(env, [BINARY, "-b", bucket, "-l", log] + list(extra),
                     **kw)


def baseline(env, bucket, log, raw=False, **kw):
    argv = [sys.executable, os.path.join(HERE, "baseline.py"),
            "--endpoint", env.endpoint, "--bucket", bucket, "--log", log]
    if raw:
        argv.append("--raw")
    r = run_child(env, argv, **kw)
    try:
        r.phases = json.loads(r.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        r.phases = None
    return r


def zcat(env, files, nbytes):
    return run_child(env, ["gzip", "-cd", "--"] + files, objects=len(files),
                     nbytes=nbytes, stdout=os.devnull, network=False)


def igzip(env, files, nbytes):
    """ISA-L's gunzip (Debian's isal) over the same files: the floor of
    the inflate engine getawslog uses; None where it is not installed."""
    if shutil.which("igzip") is None:
        return None
    return run_child(env, ["igzip", "-dc", "--"] + files, objects=len(files),
                     nbytes=nbytes, stdout=os.devnull, network=False)


def igzip_file(env, files, nbytes, out):
    """igzip -dc into a file on the log's file system: what raw mode's
    output alone costs at the least (inflating with getawslog's engine and
    writing the same bytes, no request, no start-up of libcurl)."""
    if shutil.which("igzip") is None:
        return None
    return run_child(env, ["igzip", "-dc", "--"] + files, objects=len(files),
                     nbytes=nbytes, stdout=out, network=False)


class Failed(Exception):
    pass


def check_rc(r, what):
    if r.rc != 0:
        raise Failed("%s exited %d: %s" % (what, r.rc,
                                           r.stderr.decode(errors="replace")
                                           [-2000:]))
    return r


FIELDS = ("wall", "cpu", "user", "sys", "rss_mib")


def summary(runs):
    """Medians over the repetitions, plus the per-rep figures."""
    s = {f: statistics.median(getattr(r, f) for r in runs) for f in FIELDS}
    first = runs[0]
    s["objects"] = first.objects
    s["mb"] = first.bytes / 1e6
    s["objects_per_s"] = first.objects / s["wall"] if s["wall"] else None
    s["mb_per_s"] = s["mb"] / s["wall"] if s["wall"] else None
    ops = sorted({op for r in runs for op in r.requests})
    s["requests"] = {op: statistics.median(r.requests.get(op, 0)
                                           for r in runs) for op in ops}
    s["connections"] = statistics.median(r.connections for r in runs)
    s["reps"] = [{f: round(getattr(r, f), 4) for f in FIELDS} for r in runs]
    if getattr(first, "phases", None):
        s["phases"] = {k: statistics.median(r.phases["seconds"][k]
                                            for r in runs if r.phases)
                       for k in first.phases["seconds"]}
    return s


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------- scenarios

def write_files(env, items):
    d = env.tempdir()
    files = []
    for i, (key, body, _) in enumerate(items):
        p = os.path.join(d, "%05d_%s" % (i, key.rsplit("/", 1)[-1]))
        with open(p, "wb") as f:
            f.write(body)
        files.append(p)
    return files


def shm_dir():
    """A fresh directory on tmpfs (fsync costs nothing there), or None."""
    if not os.access("/dev/shm", os.W_OK):
        return None
    d = tempfile.mkdtemp(dir="/dev/shm", prefix="getawslog-bench.")
    atexit.register(shutil.rmtree, d, True)
    return d


def tmpfs_run(env, bucket, items, nbytes, runs):
    """getawslog -j with the log on tmpfs, appended to runs (a reference
    row: what the log's filesystem costs); nothing without a tmpfs."""
    shm = shm_dir()
    if shm:
        runs.append(check_rc(getawslog(
            env, bucket, os.path.join(shm, "g.log"), ["-j"],
            objects=len(items), nbytes=nbytes), "getawslog -j (tmpfs)"))
        shutil.rmtree(shm, True)


def scenario_wall(env, cfg, items, files, res):
    bucket = "bench-trail"
    nbytes = sum(n for _, _, n in items)
    runs = {"getawslog": [], "python": [], "zcat": [], "getawslog_shm": []}
    same = None
    for rep in range(cfg.reps):
        env.latency_ms = cfg.latency
        d = env.tempdir()
        g = check_rc(getawslog(env, bucket, os.path.join(d, "g.log"),
                               ["-j"], objects=len(items), nbytes=nbytes),
                     "getawslog -j")
        tmpfs_run(env, bucket, items, nbytes, runs["getawslog_shm"])
        p = check_rc(baseline(env, bucket, os.path.join(d, "p.log"),
                              objects=len(items), nbytes=nbytes),
                     "baseline")
        env.latency_ms = 0
        z = check_rc(zcat(env, files, nbytes), "zcat")
        if rep == 0:
            with open(os.path.join(d, "g.log"), "rb") as f1, \
                    open(os.path.join(d, "p.log"), "rb") as f2:
                same = f1.read() == f2.read()
        for k, r in (("getawslog", g), ("python", p), ("zcat", z)):
            runs[k].append(r)
        log("  a rep %d: getawslog %.2fs  python %.2fs  zcat %.2fs"
            % (rep + 1, g.wall, p.wall, z.wall))
    out = {k: summary(v) for k, v in runs.items() if v}
    out["latency_ms"] = cfg.latency
    out["same_output"] = same
    res["a_wall"] = out
    return out


def scenario_cpu(env, cfg, items, files, res):
    bucket = "bench-trail"
    env.latency_ms = 0
    nbytes = sum(n for _, _, n in items)
    runs = {"getawslog": [], "python": [], "zcat": [], "getawslog_shm": [],
            "getawslog_state": [], "igzip": [], "getawslog_raw": [],
            "igzip_file": []}
    for rep in range(cfg.reps):
        d = env.tempdir()
        z = check_rc(zcat(env, files, nbytes), "zcat")
        ig = igzip(env, files, nbytes)
        if ig is not None:
            runs["igzip"].append(check_rc(ig, "igzip"))
            runs["igzip_file"].append(check_rc(igzip_file(
                env, files, nbytes, os.path.join(d, "igzip.out")), "igzip"))
        g = check_rc(getawslog(env, bucket, os.path.join(d, "g.log"),
                               ["-j"], objects=len(items), nbytes=nbytes),
                     "getawslog -j")
        # Raw mode (no -j): the objects inflated into the log as they are.
        runs["getawslog_raw"].append(check_rc(getawslog(
            env, bucket, os.path.join(d, "r.log"), [], objects=len(items),
            nbytes=nbytes), "getawslog (raw)"))
        # Reference: with -s (a fresh state file) each object is synced
        # and recorded before the next, as with the cron job's -D.
        runs["getawslog_state"].append(check_rc(getawslog(
            env, bucket, os.path.join(d, "s.log"),
            ["-j", "-s", os.path.join(d, "s.db")], objects=len(items),
            nbytes=nbytes), "getawslog -j -s"))
        tmpfs_run(env, bucket, items, nbytes, runs["getawslog_shm"])
        p = check_rc(baseline(env, bucket, os.path.join(d, "p.log"),
                              objects=len(items), nbytes=nbytes),
                     "baseline")
        for k, r in (("getawslog", g), ("python", p), ("zcat", z)):
            runs[k].append(r)
        log("  b rep %d: cpu getawslog %.3fs  python %.3fs  zcat %.3fs"
            % (rep + 1, g.cpu, p.cpu, z.cpu))
    out = {k: summary(v) for k, v in runs.items() if v}
    res["b_cpu"] = out
    return out


def seed_digests(env, items, bucket):
    """items (seed_objects') into bucket, with a signed digest for each
    hour of each account and region (tests/ctrail.py)."""
    import gzip
    import ctrail
    key = ctrail.Key()
    hours = {}
    for k, body, _ in items:
        base = k.rsplit("/", 1)[1]
        account, _, region, stamp = base.split("_")[:4]
        when = dt.datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(
            tzinfo=dt.timezone.utc)
        end = when.replace(minute=0) + dt.timedelta(hours=1)
        hours.setdefault((account, region, end), []).append(
            (k, gzip.decompress(body)))
    env.put_many(bucket, [(k, b) for k, b, _ in items])
    first = min(e for _, _, e in hours) - dt.timedelta(hours=2)
    last = max(e for _, _, e in hours) + dt.timedelta(hours=2)
    for r in REGIONS:
        key.serve(env, r, first, last)
    trail = ctrail.Trail(env, bucket, key=key)
    for (account, region, end) in sorted(hours):
        trail.digest(account, region, end, hours[(account, region, end)])
    return len(hours)


def scenario_digests(env, cfg, items, res):
    """-j -s with and without --validate-digests on the objects of b and
    their digests."""
    bucket = "bench-digests"
    env.latency_ms = 0
    env.make_bucket(bucket)
    ndigests = seed_digests(env, items, bucket)
    nbytes = sum(n for _, _, n in items)
    runs = {"off": [], "on": []}
    # Pairs, each run of a pair first in turn: the runs' CPU is mostly
    # their syncs', which drifts with the file system's state over a
    # bench; a pair's ratio cancels the drift, and the order its bias.
    # A pair's ratio still spreads over +-10% on this disk: the median of
    # 21 pairs moved between 1.06 and 1.10 over five runs of one binary
    # (9: 1.05 to 1.17); 41 halve the spread.
    reps = max(cfg.reps, 41)
    for rep in range(reps):
        d = env.tempdir()

        def off_run():
            return check_rc(getawslog(
                env, bucket, os.path.join(d, "off.log"),
                ["-j", "-s", os.path.join(d, "off.db")],
                objects=len(items), nbytes=nbytes), "getawslog -j -s")

        def on_run():
            return check_rc(run_child(
                env, [BINARY, "-b", bucket, "-l", os.path.join(d, "on.log"),
                      "-j", "-s", os.path.join(d, "on.db"),
                      "--validate-digests", "--digest-grace", "0"],
                objects=len(items), nbytes=nbytes),
                "getawslog -j -s --validate-digests")
        if rep % 2 == 0:
            off = off_run()
            on = on_run()
        else:
            on = on_run()
            off = off_run()
        runs["off"].append(off)
        runs["on"].append(on)
        log("  g rep %d: cpu without %.3fs  with --validate-digests %.3fs"
            % (rep + 1, off.cpu, on.cpu))
    out = {k: summary(v) for k, v in runs.items()}
    out["digests"] = ndigests
    out["pair_ratios"] = [round(a.cpu / b.cpu, 4)
                          for a, b in zip(runs["on"], runs["off"])]
    out["pair_ratio"] = statistics.median(out["pair_ratios"])
    res["g_digests"] = out
    return out


def scenario_incremental(env, cfg, trail, res):
    env.latency_ms = 0
    today = dt.datetime.now(dt.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    out = {}
    for hist, days in cfg.histories:
        bucket = "bench-incr-%d" % hist
        env.make_bucket(bucket)
        t0 = time.perf_counter()
        h = seed_history(trail, hist, days, today)
        env.put_many(bucket, [(k, b) for k, b, _ in h])
        seed_s = time.perf_counter() - t0
        # The first run records the history; on tmpfs when there is one, as
        # its fsyncs are not what is measured here.
        d = shm_dir() or env.tempdir()
        state = os.path.join(d, "state.db")
        first = check_rc(getawslog(env, bucket, os.path.join(d, "first.log"),
                                   ["-s", state], objects=len(h)),
                         "getawslog -s (first run)")
        new = seed_new(trail, cfg.new, today)
        env.put_many(bucket, [(k, b) for k, b, _ in new])
        nbytes = sum(n for _, _, n in new)
        runs = []
        for rep in range(cfg.reps):
            dd = env.tempdir()
            st = os.path.join(dd, "state.db")
            shutil.copy(state, st)
            r = check_rc(getawslog(env, bucket, os.path.join(dd, "inc.log"),
                                   ["-j", "-s", st], objects=len(new),
                                   nbytes=nbytes), "getawslog -s")
            runs.append(r)
        s = summary(runs)
        s["history"] = hist
        s["days"] = days
        s["new"] = cfg.new
        s["first_run"] = {"wall": round(first.wall, 3),
                          "requests": first.requests,
                          "seed_s": round(seed_s, 2)}
        out[str(hist)] = s
        log("  c %d+%d: LIST %s GET %s wall %.2fs (first run %.1fs, "
            "seeding %.1fs)" % (hist, cfg.new, s["requests"].get("LIST", 0),
                                s["requests"].get("GET", 0), s["wall"],
                                first.wall, seed_s))
    res["c_incremental"] = out
    return out


ORG_ID = "o-bench12345"
ORG_REGIONS = ["af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2",
               "ap-south-1", "ap-southeast-1", "ap-southeast-2",
               "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1",
               "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1",
               "us-east-2", "us-west-2"]


def org_estate(trail, accounts, day):
    """An organization trail: one small object in each ACCOUNT x REGION
    folder (17 regions), on day."""
    out = []
    for a in range(accounts):
        account = "%012d" % (100000000000 + a * 7919)
        for region in ORG_REGIONS:
            key, doc = trail.obj(account, region, day + dt.timedelta(
                hours=1), 1)
            key = key.replace("AWSLogs/", "AWSLogs/%s/" % ORG_ID, 1)
            out.append((key, s3env.gz(doc), len(doc)))
    return out


def scenario_org(env, cfg, trail, res):
    """h: an organization's estate, accounts x 17 regions, one object a
    folder, cfg.latency ms a request: the first -s run and a run with
    nothing new (wall, LISTs)."""
    today = dt.datetime.now(dt.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    bucket = "bench-org"
    env.make_bucket(bucket)
    items = org_estate(trail, cfg.org_accounts, today)
    env.put_many(bucket, [(k, b) for k, b, _ in items])
    d = shm_dir() or env.tempdir()
    state = os.path.join(d, "org-state.db")
    env.latency_ms = cfg.latency
    try:
        first = check_rc(getawslog(env, bucket, os.path.join(d, "org.log"),
                                   ["-s", state] + cfg.org_args,
                                   objects=len(items)),
                         "getawslog -s (org, first run)")
        with open(os.path.join(d, "org.log"), "rb") as f:
            lines = f.read().count(b"\n")
        runs, cached = [], []
        for rep in range(cfg.reps):
            runs.append(check_rc(getawslog(
                env, bucket, os.path.join(d, "org.log"),
                ["-s", state] + cfg.org_args), "getawslog -s (org, again)"))
        # The same with moto's LIST answers remembered: a first run fills
        # the cache, not measured.
        _LIST_CACHE["on"] = True
        for rep in range(cfg.reps + 1):
            r = check_rc(getawslog(
                env, bucket, os.path.join(d, "org.log"),
                ["-s", state] + cfg.org_args), "getawslog -s (org, cached)")
            if rep:
                cached.append(r)
    finally:
        _LIST_CACHE["on"] = False
        env.latency_ms = 0
    s = summary(runs)
    out = {"accounts": cfg.org_accounts, "regions": len(ORG_REGIONS),
           "objects": len(items), "latency_ms": cfg.latency,
           "args": cfg.org_args,
           "first": {"wall": round(first.wall, 3),
                     "requests": first.requests, "lines": lines},
           "again": s, "again_cached": summary(cached)}
    res["h_org"] = out
    log("  h %d accounts x %d regions: first run %.2fs (LIST %d, GET %d), "
        "nothing new %.2fs (LIST %d; %.2fs with moto's LISTs cached)"
        % (cfg.org_accounts, len(ORG_REGIONS), first.wall,
           first.requests.get("LIST", 0), first.requests.get("GET", 0),
           s["wall"], s["requests"].get("LIST", 0),
           out["again_cached"]["wall"]))
    return out


def peers(env, bucket, runs):
    """`aws s3 sync` and `rclone copy` (Debian's, default settings) of the
    bucket into a fresh directory each, where installed."""
    region = {"AWS_DEFAULT_REGION": "us-east-1"}
    if os.access("/usr/bin/aws", os.X_OK):
        d = env.tempdir()
        runs.setdefault("aws s3 sync", []).append(check_rc(run_child(
            env, ["/usr/bin/aws", "--endpoint-url", env.endpoint, "s3",
                  "sync", "--only-show-errors", "s3://%s" % bucket, d],
            extra_env=region), "aws s3 sync"))
    if os.access("/usr/bin/rclone", os.X_OK):
        d = env.tempdir()
        rc = {"RCLONE_CONFIG_B_TYPE": "s3", "RCLONE_CONFIG_B_PROVIDER":
              "Other", "RCLONE_CONFIG_B_ENDPOINT": env.endpoint,
              "RCLONE_CONFIG_B_ACCESS_KEY_ID": AKID,
              "RCLONE_CONFIG_B_SECRET_ACCESS_KEY": SECRET,
              "RCLONE_CONFIG_B_REGION": "us-east-1",
              "RCLONE_CONFIG_B_FORCE_PATH_STYLE": "true",
              "RCLONE_CONFIG": os.path.join(d, "none.conf")}
        runs.setdefault("rclone copy", []).append(check_rc(run_child(
            env, ["/usr/bin/rclone", "copy", "b:%s" % bucket,
                  os.path.join(d, "out")], extra_env=rc), "rclone copy"))


def scenario_backfill(env, cfg, trail, res):
    """i: a backfill, cfg.backfill small objects, cfg.backfill_latency ms a
    request: getawslog with its defaults (and at other -J, the figures
    the default was chosen from) beside aws s3 sync and rclone copy; then
    peak RSS on 4 MB bodies at the default -J and the most."""
    bucket = "bench-backfill"
    env.make_bucket(bucket)
    items = seed_objects(trail, cfg.backfill, dt.datetime(2024, 8, 1))
    env.put_many(bucket, [(k, b) for k, b, _ in items])
    n = len(items)
    nbytes = sum(x for _, _, x in items)
    runs = {}
    env.latency_ms = cfg.backfill_latency
    try:
        # Warm-up: the front's GET cache (see cache_gets), not measured.
        check_rc(getawslog(env, bucket, os.path.join(env.tempdir(), "w.log"),
                           ["-J", "64"]), "getawslog (warm-up)")
        for rep in range(cfg.reps):
            runs.setdefault("getawslog", []).append(check_rc(getawslog(
                env, bucket, os.path.join(env.tempdir(), "g.log"),
                cfg.backfill_args, objects=n, nbytes=nbytes), "getawslog"))
            peers(env, bucket, runs)
        for j in cfg.backfill_jobs:
            runs["getawslog -J %d" % j] = [check_rc(getawslog(
                env, bucket, os.path.join(env.tempdir(), "j.log"),
                ["-J", str(j)] + cfg.backfill_args, objects=n,
                nbytes=nbytes), "getawslog -J %d" % j)]
    finally:
        env.latency_ms = 0
    out = {k: summary([dataclass_objects(r, n) for r in v])
           for k, v in runs.items()}
    out["latency_ms"] = cfg.backfill_latency
    out["args"] = cfg.backfill_args
    # 4 MB bodies: in memory up to a total, the rest in temporary files.
    big = "bench-bodies"
    env.make_bucket(big)
    body = bodies_gz(trail.rng, 4_000_000)
    keys = ["AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/02/"
            "111122223333_CloudTrail_us-east-1_20240802T%04dZ_big%03d"
            ".json.gz" % (i, i) for i in range(cfg.bodies)]
    env.put_many(big, [(k, body) for k in keys])
    mem = {}
    for label, extra in (("default", []), ("-J 64", ["-J", "64"])):
        d = shm_dir() or env.tempdir()
        r = check_rc(getawslog(env, big, os.path.join(d, "big.log"),
                               extra + cfg.backfill_args,
                               objects=len(keys)), "getawslog (4 MB)")
        os.unlink(os.path.join(d, "big.log"))
        mem[label] = {"rss_mib": round(r.rss_mib, 1),
                      "wall": round(r.wall, 2)}
    out["bodies"] = {"objects": len(keys), "body_mb": len(body) / 1e6,
                     "runs": mem}
    res["i_backfill"] = out
    g = out["getawslog"]["objects_per_s"]
    log("  i %d objects at %d ms: getawslog %.0f objects/s%s; 4 MB bodies: "
        "peak RSS %s" % (n, cfg.backfill_latency, g, "".join(
            ", %s %.0f (%.1fx)" % (k, out[k]["objects_per_s"],
                                   g / out[k]["objects_per_s"])
            for k in ("aws s3 sync", "rclone copy") if k in out),
            ", ".join("%s %.1f MiB" % (k, v["rss_mib"])
                      for k, v in mem.items())))
    for j in cfg.backfill_jobs:
        s = out["getawslog -J %d" % j]
        log("    -J %d: %.2fs, %.0f objects/s, %.1f MiB"
            % (j, s["wall"], s["objects_per_s"], s["rss_mib"]))
    return out


def bodies_gz(rng, size):
    """A CloudTrail document gzipped to at least size bytes that inflates
    to little more (random text: about 1.35x), so that the 4 MB bodies of
    i do not make gigabytes of log."""
    co = zlib.compressobj(6, zlib.DEFLATED, 31)
    out = [co.compress(b'{"Records":[')]
    total, n = len(out[0]), 0
    while total < size:
        blob = base64.b64encode(rng.randbytes(22500)).decode()
        rec = ('%s{"eventVersion":"1.08","eventID":"%08d","eventName":'
               '"PutObject","requestParameters":{"blob":"%s"}}'
               % ("," if n else "", n, blob)).encode()
        out.append(co.compress(rec))
        total += len(out[-1])
        n += 1
    out.append(co.compress(b"]}"))
    out.append(co.flush())
    return b"".join(out)


def dataclass_objects(r, n):
    r.objects = n
    return r


def scenario_memory(env, cfg, trail, res):
    env.latency_ms = 0
    bucket = "bench-big"
    env.make_bucket(bucket)
    t0 = time.perf_counter()
    key, doc = trail.big(ACCOUNTS[0], REGIONS[0],
                         dt.datetime(2024, 7, 30, 12, 0), cfg.big_mb * 10**6)
    body = s3env.gz(doc)
    nbytes = len(doc)
    del doc
    env.put_many(bucket, [(key, body)])
    d = env.tempdir()
    path = os.path.join(d, "big.json.gz")
    with open(path, "wb") as f:
        f.write(body)
    seed_s = time.perf_counter() - t0
    log("  d: %.1f MB -> %.1f MB gz (%.1fx), seeded in %.1fs"
        % (nbytes / 1e6, len(body) / 1e6, nbytes / len(body), seed_s))
    del body
    warm = shm_dir() or env.tempdir()
    check_rc(getawslog(env, bucket, os.path.join(warm, "warm.log")),
             "getawslog (warm-up)")
    shutil.rmtree(warm, True)
    runs, zruns = [], []
    for rep in range(cfg.reps):
        dd = env.tempdir()
        lg = os.path.join(dd, "raw.log")
        r = check_rc(getawslog(env, bucket, lg, [], objects=1,
                               nbytes=nbytes), "getawslog (raw)")
        size = os.path.getsize(lg)
        os.unlink(lg)
        if size != nbytes + 1:
            raise Failed("raw log is %d bytes, want %d" % (size, nbytes + 1))
        runs.append(r)
        zruns.append(check_rc(zcat(env, [path], nbytes), "zcat"))
        log("  d rep %d: getawslog rss %.1f MiB wall %.2fs"
            % (rep + 1, r.rss_mib, r.wall))
    out = {"getawslog": summary(runs), "zcat": summary(zruns),
           "compressed_mb": round(os.path.getsize(path) / 1e6, 2)}
    res["d_memory"] = out
    return out


def scenario_stream(env, cfg, trail, res):
    """-j on one big document (the converter streams: peak RSS must not
    grow with the document) and on a gzip bomb between two good objects
    (the record ceiling stops it: an error naming it, exit 4, the others
    written)."""
    env.latency_ms = 0
    out = {"docs": []}
    for mb in cfg.stream_mb:
        bucket = "bench-stream-%d" % mb
        env.make_bucket(bucket)
        t0 = time.perf_counter()
        key, body, nbytes, nrec = trail.big_gz(
            ACCOUNTS[0], REGIONS[0], dt.datetime(2024, 7, 30, 14, 0),
            mb * 10**6)
        env.put_many(bucket, [(key, body)])
        gz_mb = len(body) / 1e6
        del body
        log("  e: %.0f MB (%d records) -> %.1f MB gz, seeded in %.1fs"
            % (nbytes / 1e6, nrec, gz_mb, time.perf_counter() - t0))
        runs = []
        for rep in range(cfg.reps):
            dd = env.tempdir()
            lg = os.path.join(dd, "j.log")
            r = check_rc(getawslog(env, bucket, lg, ["-j"], objects=1,
                                   nbytes=nbytes), "getawslog -j (stream)")
            lines = count_lines(lg)
            shutil.rmtree(dd, True)
            if lines != nrec:
                raise Failed("-j on %d MB wrote %d lines, want %d"
                             % (mb, lines, nrec))
            runs.append(r)
            log("  e rep %d: -j on %.0f MB: rss %.1f MiB, cpu %.2fs, "
                "wall %.2fs" % (rep + 1, nbytes / 1e6, r.rss_mib, r.cpu,
                                r.wall))
        sm = summary(runs)
        sm["records"] = nrec
        sm["compressed_mb"] = round(gz_mb, 2)
        sm["rss_per_mb"] = round(sm["rss_mib"] / (nbytes / 1e6), 4)
        out["docs"].append(sm)

    bucket = "bench-bomb"
    env.make_bucket(bucket)
    day = dt.datetime(2024, 7, 30, 15, 0)
    good = [trail.obj(ACCOUNTS[0], REGIONS[0], day + dt.timedelta(minutes=m),
                      50) for m in (0, 10)]
    bkey = s3env.cloudtrail_key(ACCOUNTS[0], REGIONS[0],
                                day + dt.timedelta(minutes=5), trail.rng)
    t0 = time.perf_counter()
    bomb = bomb_gz(cfg.bomb_mb * 2**20)
    env.put_many(bucket, [(good[0][0], s3env.gz(good[0][1])),
                          (bkey, bomb),
                          (good[1][0], s3env.gz(good[1][1]))])
    log("  e: bomb of %d MiB in %.1f MB of gzip, seeded in %.1fs"
        % (cfg.bomb_mb, len(bomb) / 1e6, time.perf_counter() - t0))
    runs = []
    for rep in range(cfg.reps):
        dd = env.tempdir()
        lg = os.path.join(dd, "b.log")
        r = getawslog(env, bucket, lg, ["-j"], objects=3)
        lines = count_lines(lg)
        want = 100
        err = r.stderr.decode(errors="replace")
        if r.rc != 4 or lines != want or bkey not in err:
            raise Failed("bomb: exit %d (want 4), %d lines (want %d), "
                         "stderr %r" % (r.rc, lines, want, err[-500:]))
        runs.append(r)
        log("  e rep %d: bomb: rss %.1f MiB, wall %.2fs" % (rep + 1,
                                                           r.rss_mib, r.wall))
    out["bomb"] = summary(runs)
    out["bomb"]["inflated_mib"] = cfg.bomb_mb
    out["bomb"]["compressed_mb"] = round(len(bomb) / 1e6, 2)
    out["bomb"]["stderr"] = runs[0].stderr.decode(errors="replace")
    res["e_stream"] = out
    return out


def queue_fill(env, queue, bucket, items):
    """One S3 event notification per object, ten to a SendMessageBatch."""
    c = env.sqs_client()
    url = env.queue_url(queue, env.moto_endpoint)
    for i in range(0, len(items), 10):
        c.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(j), "MessageBody": json.dumps(s3env.s3_event(
                s3env.s3_record(bucket, k, len(b))))}
            for j, (k, b, _) in enumerate(items[i:i + 10])])


def queue_workers(env, url, logs, objects, nbytes):
    """getawslog --queue-url on url, one per log, all at once: a Run of the
    whole (wall from the first start to the last end, CPU summed, the
    largest RSS, the front's counters over all of them)."""
    n_req = len(env.requests)
    n_conn = env.connections
    runs = [None] * len(logs)

    def one(i):
        runs[i] = run_child(env, [BINARY, "--queue-url", url, "-l", logs[i],
                                  "-b", "bench-trail", "-j",
                                  "--wait-time-seconds", "1"],
                            objects=objects, nbytes=nbytes)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,))
               for i in range(len(logs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for i, r in enumerate(runs):
        check_rc(r, "getawslog --queue-url (worker %d of %d)"
                 % (i + 1, len(logs)))
    by_op = {}
    for r in env.requests[n_req:]:
        by_op[r.op] = by_op.get(r.op, 0) + 1
    return Run(argv=runs[0].argv, rc=0, wall=wall,
               user=sum(r.user for r in runs), sys=sum(r.sys for r in runs),
               cpu=sum(r.cpu for r in runs),
               rss_mib=max(r.rss_mib for r in runs), objects=objects,
               bytes=nbytes, requests=by_op,
               n_requests=len(env.requests) - n_req,
               connections=env.connections - n_conn, stderr=b"", stdout=b"",
               shares=[count_lines(p) for p in logs])


def scenario_queue(env, cfg, items, res):
    bucket = "bench-trail"
    nbytes = sum(n for _, _, n in items)
    url = env.make_queue("bench-q")
    runs = {"one": [], "two": []}
    want = None
    for rep in range(cfg.reps):
        for who, n in (("one", 1), ("two", 2)):
            env.latency_ms = 0
            queue_fill(env, "bench-q", bucket, items)
            env.latency_ms = cfg.latency
            d = env.tempdir()
            logs = [os.path.join(d, "w%d.log" % i) for i in range(n)]
            r = queue_workers(env, url, logs, len(items), nbytes)
            env.latency_ms = 0
            lines = []
            for p in logs:
                with open(p, "rb") as f:
                    lines += f.read().splitlines()
            lines.sort()
            if want is None:
                want = lines
            if lines != want or len(set(lines)) != len(lines) or \
                    env.queue_state("bench-q"):
                raise Failed("queue, %d workers: records not written "
                             "exactly once (%d lines, %d distinct, want %d)"
                             % (n, len(lines), len(set(lines)), len(want)))
            runs[who].append(r)
            log("  f rep %d, %s worker%s: %.2fs, %.0f objects/s%s"
                % (rep + 1, n, "" if n == 1 else "s", r.wall,
                   len(items) / r.wall, "" if n == 1 else
                   " (shares %s)" % "/".join(str(x) for x in r.shares)))
    out = {k: summary(v) for k, v in runs.items()}
    out["latency_ms"] = cfg.latency
    out["records"] = len(want or [])
    out["exactly_once"] = True
    res["f_queue"] = out
    return out


# ------------------------------------------------------------- report

def fmt(v, spec):
    return "-" if v is None else spec % v


def table(res):
    rows = []

    def add(scen, who, s):
        req = s.get("requests", {})
        other = sum(v for k, v in req.items()
                    if k not in ("LIST", "GET", "DELETE"))
        # The queue's requests are its own: ReceiveMessage, DeleteMessage...
        rows.append([scen, who, fmt(s["wall"], "%.2f"), fmt(s["cpu"], "%.2f"),
                     fmt(s["rss_mib"], "%.1f"),
                     fmt(s["objects_per_s"], "%.0f"),
                     fmt(s["mb_per_s"], "%.1f"),
                     "%d/%d/%d/%d" % (req.get("LIST", 0), req.get("GET", 0),
                                      req.get("DELETE", 0), other),
                     "%d" % s["connections"]])

    if "a_wall" in res:
        a = res["a_wall"]
        for who in ("getawslog", "getawslog_shm", "python", "zcat"):
            if who in a:
                add("a wall %dms" % a["latency_ms"],
                    {"python": "python baseline", "zcat": "zcat (local)",
                     "getawslog_shm": "getawslog -j, log on tmpfs"}
                    .get(who, "getawslog -j"), a[who])
    if "b_cpu" in res:
        for who in ("getawslog", "getawslog_shm", "getawslog_state",
                    "getawslog_raw", "python", "zcat", "igzip",
                    "igzip_file"):
            if who in res["b_cpu"]:
                add("b cpu", {"python": "python baseline",
                              "zcat": "zcat (local)",
                              "igzip": "igzip -dc (local)",
                              "igzip_file": "igzip -dc > file (local)",
                              "getawslog_raw": "getawslog (raw)",
                              "getawslog_shm": "getawslog -j, log on tmpfs",
                              "getawslog_state": "getawslog -j -s (ref.)"}
                    .get(who, "getawslog -j"), res["b_cpu"][who])
    if "g_digests" in res:
        g = res["g_digests"]
        add("g digests", "getawslog -j -s", g["off"])
        add("g digests", "... --validate-digests", g["on"])
    if "c_incremental" in res:
        for hist, s in res["c_incremental"].items():
            add("c incr %s+%d" % (hist, s["new"]), "getawslog -j -s", s)
    if "d_memory" in res:
        d = res["d_memory"]
        add("d mem %.0fMB" % d["getawslog"]["mb"], "getawslog (raw)",
            d["getawslog"])
        add("d mem %.0fMB" % d["zcat"]["mb"], "zcat (local)", d["zcat"])
    if "e_stream" in res:
        e = res["e_stream"]
        for sm in e["docs"]:
            add("e -j %.0fMB" % sm["mb"], "getawslog -j", sm)
        add("e bomb %dMiB" % e["bomb"]["inflated_mib"], "getawslog -j",
            e["bomb"])
    if "f_queue" in res:
        f = res["f_queue"]
        add("f queue %dms" % f["latency_ms"], "--queue-url -j, 1 worker",
            f["one"])
        add("f queue %dms" % f["latency_ms"], "--queue-url -j, 2 workers",
            f["two"])
    if "h_org" in res:
        g = res["h_org"]
        add("h org %dx%d %dms" % (g["accounts"], g["regions"],
                                  g["latency_ms"]),
            "getawslog -s, nothing new", g["again"])
        add("h org %dx%d %dms" % (g["accounts"], g["regions"],
                                  g["latency_ms"]),
            "the same, LISTs cached", g["again_cached"])
    if "i_backfill" in res:
        h = res["i_backfill"]
        for who, s in h.items():
            if isinstance(s, dict) and "wall" in s:
                add("i backfill %dms" % h["latency_ms"],
                    who + (" (default)" if who == "getawslog" else ""), s)
    head = ["scenario", "program", "wall s", "cpu s", "rss MiB", "obj/s",
            "MB/s", "LIST/GET/DEL/other", "conns"]
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w[i]) if i < 2 else str(c).rjust(w[i])
                       for i, c in enumerate(r)) for r in [head] + rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def targets(res):
    out = []

    def add(name, value, limit, ok, note=""):
        out.append({"target": name, "value": value, "limit": limit,
                    "pass": bool(ok), "note": note})

    if "a_wall" in res:
        a = res["a_wall"]
        r = a["python"]["wall"] / a["getawslog"]["wall"]
        add("a: getawslog wall <= 1/6 of the Python baseline's", round(r, 2),
            ">= 6x faster", r >= 6)
    if "b_cpu" in res:
        b = res["b_cpu"]
        r1 = b["getawslog"]["cpu"] / b["zcat"]["cpu"]
        r2 = b["python"]["cpu"] / b["getawslog"]["cpu"]
        r3 = b["getawslog_raw"]["cpu"] / b["zcat"]["cpu"]
        ig = b.get("igzip")
        vs = lambda who: ("; %.2fx igzip -dc's" % (b[who]["cpu"] / ig["cpu"])
                          if ig else "; no igzip")
        add("b: getawslog -j CPU <= 1.0x zcat's", round(r1, 2), "<= 1.0x",
            r1 <= 1.0, vs("getawslog").lstrip("; "))
        igf = b.get("igzip_file")
        floor = ("; its floor, igzip -dc into a file: %.2fx zcat's"
                 % (igf["cpu"] / b["zcat"]["cpu"]) if igf else "")
        add("b: getawslog raw mode CPU <= 0.5x zcat's", round(r3, 2),
            "<= 0.5x", r3 <= 0.5, vs("getawslog_raw").lstrip("; ") + floor)
        add("b: getawslog -j CPU >= 5x less than the baseline's",
            round(r2, 2), ">= 5x", r2 >= 5)
    if "g_digests" in res:
        g = res["g_digests"]
        r = g["pair_ratio"]
        add("g: -j -s --validate-digests CPU <= 1.1x without (%d digests)"
            % g["digests"], round(r, 3), "<= 1.1x", r <= 1.1,
            "median of %d pairs' ratios, %.3f to %.3f; medians' ratio %.3f"
            % (len(g["pair_ratios"]), min(g["pair_ratios"]),
               max(g["pair_ratios"]), g["on"]["cpu"] / g["off"]["cpu"]))
    if "c_incremental" in res:
        c = res["c_incremental"]
        counts = {h: s["requests"].get("LIST", 0) for h, s in c.items()}
        vals = list(counts.values())
        add("c: LIST requests equal whatever the history (%s)"
            % " vs ".join("%s: %d" % kv for kv in counts.items()),
            vals, "equal", len(set(vals)) == 1)
    if "d_memory" in res:
        d = res["d_memory"]["getawslog"]
        add("d: raw mode on a %.0f MB object: peak RSS < 32 MiB" % d["mb"],
            round(d["rss_mib"], 1), "< 32 MiB", d["rss_mib"] < 32)
    if "e_stream" in res:
        e = res["e_stream"]
        for sm in e["docs"]:
            add("e: -j on one %.0f MB document: every record, peak RSS "
                "< 64 MiB" % sm["mb"], round(sm["rss_mib"], 1), "< 64 MiB",
                sm["rss_mib"] < 64)
        b = e["bomb"]
        add("e: -j on a %d MiB bomb: exit 4, named, the others written, "
            "peak RSS < 96 MiB, wall < 10 s" % b["inflated_mib"],
            "%.1f MiB, %.2f s" % (b["rss_mib"], b["wall"]),
            "< 96 MiB, < 10 s", b["rss_mib"] < 96 and b["wall"] < 10)
    if "h_org" in res:
        g = res["h_org"]
        lists = 4 + 2 * g["accounts"] + g["accounts"] * g["regions"]
        # Issue 18: 68.6 s for 100 accounts before the walk listed
        # folders at once; 1/8 of it, scaled to the accounts run.
        limit = 68.6 / 8 * g["accounts"] / 100
        add("h: org estate, %d accounts x %d regions at %d ms: nothing-new "
            "run <= 1/8 of 68.6 s (scaled), LISTs <= %d"
            % (g["accounts"], g["regions"], g["latency_ms"], lists),
            "%.2f s, %d LISTs" % (g["again"]["wall"],
                                 g["again"]["requests"].get("LIST", 0)),
            "<= %.1f s, <= %d" % (limit, lists),
            g["again"]["wall"] <= limit and
            g["again"]["requests"].get("LIST", 0) <= lists and
            g["first"]["lines"] == g["objects"])
    if "i_backfill" in res:
        h = res["i_backfill"]
        if "aws s3 sync" in h:
            r = h["getawslog"]["objects_per_s"] / \
                h["aws s3 sync"]["objects_per_s"]
            add("i: backfill at %d ms, default -J: objects/s >= 5x aws s3 "
                "sync's" % h["latency_ms"], round(r, 2), ">= 5x", r >= 5)
        for label, m in h["bodies"]["runs"].items():
            add("i: %d bodies of %.0f MB, %s: peak RSS < 64 MiB"
                % (h["bodies"]["objects"], h["bodies"]["body_mb"],
                   "the default -J" if label == "default" else label),
                m["rss_mib"], "< 64 MiB", m["rss_mib"] < 64)
    if "f_queue" in res:
        f = res["f_queue"]
        add("f: the queue, two workers: every record exactly once "
            "(%d records)" % f["records"], f["exactly_once"], "yes",
            f["exactly_once"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=None,
                    help="repetitions per scenario (default 3, 1 with --quick)")
    ap.add_argument("--quick", action="store_true",
                    help="fewer objects, 1 repetition: a smoke run")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a target fails")
    ap.add_argument("--only", default="a,b,c,d,e,f,g,h,i",
                    help="scenarios to run, e.g. a,b")
    ap.add_argument("--json", default=None,
                    help="where to write the results (default "
                    "bench/results.json, bench/results-quick.json with "
                    "--quick)")
    ap.add_argument("--org-args", default="",
                    help="options added to getawslog's runs in h (to "
                    "compare settings)")
    ap.add_argument("--backfill-jobs", default="",
                    help="the -J values i runs besides the default "
                    "(default 8,16,32,64,128)")
    ap.add_argument("--backfill-args", default="",
                    help="options added to getawslog's runs in i")
    ap.add_argument("--keep", action="store_true",
                    help="keep the S3 server running at the end, print "
                    "its endpoint and wait (for profiling)")
    cfg = ap.parse_args()
    cfg.reps = cfg.reps or (1 if cfg.quick else 3)
    cfg.json = cfg.json or os.path.join(
        HERE, "results-quick.json" if cfg.quick else "results.json")
    cfg.latency = 25
    cfg.org_accounts = 10 if cfg.quick else 100
    cfg.backfill = 200 if cfg.quick else 2000
    cfg.backfill_latency = 50
    cfg.backfill_jobs = [int(j) for j in cfg.backfill_jobs.split(",")] \
        if cfg.backfill_jobs else [] if cfg.quick else [8, 16, 32, 64, 128]
    cfg.backfill_args = cfg.backfill_args.split() if cfg.backfill_args \
        else []
    cfg.bodies = 16 if cfg.quick else 128
    cfg.org_args = cfg.org_args.split() if cfg.org_args else []
    if cfg.quick:
        cfg.objects, cfg.big_objects = 80, 1
        cfg.histories = [(300, 10), (1200, 40)]
        cfg.new = 30
        cfg.big_mb = 200
        cfg.stream_mb = [20]
        cfg.bomb_mb = 256
    else:
        cfg.objects, cfg.big_objects = 400, 2
        cfg.histories = [(3000, 30), (12000, 120)]
        cfg.new = 30
        cfg.big_mb = 200
        cfg.stream_mb = [300, 1024]
        cfg.bomb_mb = 4096
    only = set(cfg.only.split(","))
    if not os.access(BINARY, os.X_OK):
        log("bench: no %s (make getawslog)" % BINARY)
        return 1
    t_start = time.perf_counter()
    res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                       "python": platform.python_version()},
           "config": {"reps": cfg.reps, "quick": cfg.quick,
                      "objects": cfg.objects, "latency_ms": cfg.latency,
                      "histories": cfg.histories, "new": cfg.new,
                      "big_mb": cfg.big_mb, "stream_mb": cfg.stream_mb,
                      "bomb_mib": cfg.bomb_mb,
                      "seed": SEED,
                      "binary": BINARY},
           "when": dt.datetime.now(dt.timezone.utc).strftime(
               "%Y-%m-%dT%H:%M:%SZ")}
    try:
        res["commit"] = subprocess.run(
            ["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True).stdout.strip()
        if subprocess.run(["git", "-C", TOP, "status", "--porcelain", "--",
                           "*.c", "*.h", "Makefile"],
                          capture_output=True, text=True).stdout.strip():
            res["commit"] += "-dirty"
    except OSError:
        pass
    failed = None
    cache_gets()
    cache_lists()
    fast_sqs()
    with S3Env({AKID: SECRET}) as env:
        trail = Trail(SEED)
        try:
            if only & {"a", "b", "f", "g"}:
                t0 = time.perf_counter()
                env.make_bucket("bench-trail")
                items = seed_objects(trail, cfg.objects,
                                     dt.datetime(2024, 7, 30),
                                     big=cfg.big_objects)
                env.put_many("bench-trail", [(k, b) for k, b, _ in items])
                files = write_files(env, items)
                # A warm-up run: fills the front's GET cache (and the page
                # cache); not measured.
                warm = shm_dir() or env.tempdir()
                check_rc(getawslog(env, "bench-trail",
                                   os.path.join(warm, "warm.log")),
                         "getawslog (warm-up)")
                shutil.rmtree(warm, True)
                raw = sum(n for _, _, n in items)
                gzb = sum(len(b) for _, b, _ in items)
                res["dataset"] = {"objects": len(items), "mb": raw / 1e6,
                                  "gz_mb": gzb / 1e6,
                                  "ratio": round(raw / gzb, 2),
                                  "largest_mb": max(n for _, _, n in items)
                                  / 1e6}
                log("seeded %d objects, %.1f MB (%.1f MB gzipped, %.1fx) "
                    "in %.1fs" % (len(items), raw / 1e6, gzb / 1e6,
                                  raw / gzb, time.perf_counter() - t0))
                if "a" in only:
                    scenario_wall(env, cfg, items, files, res)
                if "b" in only:
                    scenario_cpu(env, cfg, items, files, res)
                if "f" in only:
                    scenario_queue(env, cfg, items, res)
                if "g" in only:
                    scenario_digests(env, cfg, items, res)
            if "c" in only:
                scenario_incremental(env, cfg, trail, res)
            if "d" in only:
                scenario_memory(env, cfg, trail, res)
            if "e" in only:
                scenario_stream(env, cfg, trail, res)
            if "h" in only:
                scenario_org(env, cfg, trail, res)
            if "i" in only:
                scenario_backfill(env, cfg, trail, res)
        except Failed as e:
            failed = str(e)
            log("bench: " + failed)
        if cfg.keep:
            print("S3 at %s (AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s); "
                  "^C to stop" % (env.endpoint, AKID, SECRET), flush=True)
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    res["targets"] = targets(res)
    res["failed"] = failed
    res["seconds"] = round(time.perf_counter() - t_start, 1)
    with open(cfg.json, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
        f.write("\n")
    print()
    print("getawslog benchmark (%s): medians of %d rep%s, %d CPUs, %s"
          % (res.get("commit", "?"), cfg.reps, "" if cfg.reps == 1 else "s",
             os.cpu_count(), "quick" if cfg.quick else "full"))
    if "dataset" in res:
        ds = res["dataset"]
        print("a/b data: %d objects, %.1f MB decompressed, %.1f MB gzipped "
              "(%.1fx), largest %.1f MB"
              % (ds["objects"], ds["mb"], ds["gz_mb"], ds["ratio"],
                 ds["largest_mb"]))
    print()
    print(table(res))
    print()
    if "f_queue" in res:
        f = res["f_queue"]
        print("f: the queue at %d ms a request: %.0f objects/s with one "
              "worker, %.0f with two (%.2fx)"
              % (f["latency_ms"], f["one"]["objects_per_s"],
                 f["two"]["objects_per_s"],
                 f["two"]["objects_per_s"] / f["one"]["objects_per_s"]))
    if "a_wall" in res:
        print("a: getawslog -j output identical to the baseline's: %s"
              % ("yes" if res["a_wall"]["same_output"] else "NO"))
    for sm in res.get("e_stream", {}).get("docs", []):
        print("e: getawslog -j peak RSS on one %.0f MB document: %.1f MiB, "
              "%.3f MiB per MB of document" % (sm["mb"], sm["rss_mib"],
                                               sm["rss_per_mb"]))
    for t in res["targets"]:
        print("%s  %s: %s (want %s)%s" % ("PASS" if t["pass"] else "FAIL",
                                          t["target"], t["value"], t["limit"],
                                          " [%s]" % t["note"] if t["note"]
                                          else ""))
    if failed:
        print("FAIL  a run failed: %s" % failed)
    if cfg.quick:
        print("(--quick: 80 objects and one rep, a smoke run; the targets "
              "are set for the full run)")
    print("(%.0f s; results in %s)" % (res["seconds"],
                                       os.path.relpath(cfg.json)))
    if cfg.check and (failed or not all(t["pass"] for t in res["targets"])):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
