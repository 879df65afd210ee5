# SPDX-License-Identifier: ISC
"""CloudTrail's log files and signed digest files, made by the tests:
RSA keys of their own (python's cryptography), served by tests/s3env.py's
CloudTrail front (ListPublicKeys), digests built and signed as CloudTrail
does (AWS's "CloudTrail digest file structure"), chained per trail,
account and region."""

import datetime as dt
import gzip
import hashlib
import json
import random

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    HAVE_CRYPTO = True
except ImportError:     # the tests that need it skip
    HAVE_CRYPTO = False

HOUR = dt.timedelta(hours=1)


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Key:
    """An RSA key pair; its public half as CloudTrail serves it (PKCS#1
    DER, or SubjectPublicKeyInfo when spki), its fingerprint the MD5 of
    that DER."""

    def __init__(self, spki=False, bits=2048):
        self.priv = rsa.generate_private_key(public_exponent=65537,
                                             key_size=bits)
        fmt = (serialization.PublicFormat.SubjectPublicKeyInfo if spki
               else serialization.PublicFormat.PKCS1)
        self.der = self.priv.public_key().public_bytes(
            serialization.Encoding.DER, fmt)
        self.fingerprint = hashlib.md5(self.der).hexdigest()

    def sign(self, data):
        return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256()).hex()

    def serve(self, env, region, start, end):
        """Answer ListPublicKeys in region with it over [start, end]."""
        import base64
        with env._lock:
            env.ct_keys.append({
                "region": region,
                "Value": base64.b64encode(self.der).decode(),
                "ValidityStartTime": start.timestamp(),
                "ValidityEndTime": end.timestamp(),
                "Fingerprint": self.fingerprint})


class Trail:
    """One trail writing into bucket: log files and hourly digests for
    each account (an organization trail has several) and region."""

    def __init__(self, env, bucket, accounts=("111122223333",),
                 regions=("us-east-1",), name="demo-trail",
                 home="us-east-1", org=None, prefix="", key=None, seed=1):
        self.env, self.bucket = env, bucket
        self.accounts, self.regions = accounts, regions
        self.name, self.home, self.org, self.prefix = name, home, org, prefix
        self.key = key
        self.rng = random.Random(seed)
        self.chains = {}        # (account, region) -> (key, signature, sha)
        self.files = {}         # (account, region, end) -> [(key, data)]
        self.digests = []       # every digest key, in the order made

    def _base(self, account):
        org = self.org + "/" if self.org else ""
        return "%sAWSLogs/%s%s/" % (self.prefix, org, account)

    def log_key(self, account, region, when):
        suffix = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                         for _ in range(16))
        return ("%sCloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz"
                % (self._base(account), region, when.strftime("%Y/%m/%d"),
                   account, region, when.strftime("%Y%m%dT%H%MZ"), suffix))

    def digest_key(self, account, region, end, backfill=False):
        return ("%sCloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s"
                "%s.json.gz" % (self._base(account), region,
                                end.strftime("%Y/%m/%d"), account, region,
                                self.name, self.home,
                                end.strftime("%Y%m%dT%H%M%SZ"),
                                "_backfill" if backfill else ""))

    def log(self, account, region, when, n=2):
        """Put a log file named for when; returns (key, document)."""
        k = self.log_key(account, region, when)
        recs = [{"eventVersion": "1.08", "eventTime": iso(when),
                 "eventName": "Call%d" % i, "awsRegion": region,
                 "recipientAccountId": account} for i in range(n)]
        data = json.dumps({"Records": recs}).encode()
        self.env.put(self.bucket, k, gz(data))
        return k, data

    def document(self, account, region, end, files, prev, dkey):
        start = end - HOUR
        doc = {
            "awsAccountId": account,
            "digestStartTime": iso(start),
            "digestEndTime": iso(end),
            "digestS3Bucket": self.bucket,
            "digestS3Object": dkey,
            "digestPublicKeyFingerprint": self.key.fingerprint,
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": None, "oldestEventTime": None,
            "previousDigestS3Bucket": self.bucket if prev else None,
            "previousDigestS3Object": prev[0] if prev else None,
            "previousDigestHashValue": prev[2] if prev else None,
            "previousDigestHashAlgorithm": "SHA-256" if prev else None,
            "previousDigestSignature": prev[1] if prev else None,
            "logFiles": [{"s3Bucket": self.bucket, "s3Object": k,
                          "hashValue": hashlib.sha256(d).hexdigest(),
                          "hashAlgorithm": "SHA-256",
                          "newestEventTime": iso(end - HOUR / 2),
                          "oldestEventTime": iso(start)}
                         for k, d in files]}
        return json.dumps(doc, indent=2).encode()

    def digest(self, account, region, end, files, backfill=False,
               backfill_meta=True, put=True):
        """Sign and put the digest of the hour ending at end naming files
        [(key, document)]; the chain moves on (not for a backfill).
        Returns (key, document, metadata)."""
        dkey = self.digest_key(account, region, end, backfill)
        prev = None if backfill else self.chains.get((account, region))
        data = self.document(account, region, end, files, prev, dkey)
        prev_sig = prev[1] if prev else "null"
        to_sign = ("%s\n%s/%s\n%s\n%s" % (iso(end), self.bucket, dkey,
                                          hashlib.sha256(data).hexdigest(),
                                          prev_sig)).encode()
        meta = {"signature": self.key.sign(to_sign),
                "signature-algorithm": "SHA256withRSA"}
        if backfill and backfill_meta:
            meta["backfill-generation-timestamp"] = iso(end + HOUR)
        if not backfill:
            self.chains[(account, region)] = (
                dkey, meta["signature"], hashlib.sha256(data).hexdigest())
        if put:
            self.env.s3.put_object(Bucket=self.bucket, Key=dkey,
                                   Body=gz(data), Metadata=meta)
        self.digests.append(dkey)
        return dkey, data, meta

    def hours(self, start, n, per_hour=2):
        """n hours of log files (per_hour each, per account and region)
        and their digests, from the hour ending at start + 1 h. Returns
        the log keys made."""
        made = []
        for h in range(n):
            end = start + (h + 1) * HOUR
            for a in self.accounts:
                for r in self.regions:
                    files = [self.log(a, r, end - HOUR + dt.timedelta(
                        minutes=10 + 40 * i // max(per_hour, 1)))
                        for i in range(per_hour)]
                    made += [k for k, _ in files]
                    self.digest(a, r, end, files)
        return made
