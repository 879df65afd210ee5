/* SPDX-License-Identifier: ISC */
/*
 * test_digest.c - digest.c: a digest document read (fields, nulls, bad
 * ones), the string signed, keys in both DER forms with their
 * fingerprints, signatures good and bad; keys made here with OpenSSL.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "digest.h"
#include "unit.h"

static const char doc[] =
    "{\"awsAccountId\":\"111122223333\","
    "\"digestStartTime\":\"2015-08-17T14:01:31Z\","
    "\"digestEndTime\":\"2015-08-17T15:01:31Z\","
    "\"digestS3Bucket\":\"b\","
    "\"digestS3Object\":\"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/"
    "2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_"
    "20150817T150131Z.json.gz\","
    "\"digestPublicKeyFingerprint\":\"31e8b5433410dfb61a9dc45cc65b22ff\","
    "\"previousDigestS3Bucket\":\"b\","
    "\"previousDigestS3Object\":\"prev\","
    "\"previousDigestHashValue\":"
    "\"97FB791CF91FFC440D274F8190DBDD9AA09C34432ABA82739DF18B6D3C13DF2D\","
    "\"previousDigestSignature\":\"5088\","
    "\"logFiles\":[{\"s3Bucket\":\"b\",\"s3Object\":\"k1\","
    "\"hashValue\":"
    "\"9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6\","
    "\"hashAlgorithm\":\"SHA-256\"}]}";

static void
test_parse(void)
{
	struct digest	 d;
	char		 why[256], *s, want[512];
	unsigned char	 md[32];
	size_t		 i;

	CHECK(digest_parse(doc, strlen(doc), &d, why, sizeof(why)) == 0,
	    "%s", why);
	CHECK_STR(d.end, "2015-08-17T15:01:31Z", "end as written");
	CHECK(d.end_t - d.start_t == 3600, "an hour");
	CHECK_STR(d.prev_hash, "97fb791cf91ffc440d274f8190dbdd9aa09c34432aba"
	    "82739df18b6d3c13df2d", "lowercased");
	CHECK(d.nfiles == 1 && strcmp(d.files[0].key, "k1") == 0, "files");
	EVP_Digest(doc, strlen(doc), md, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	CHECK_STR(d.hash, want, "hash of the exact bytes");
	s = digest_signed_string(&d);
	{
		char	full[1024];

		snprintf(full, sizeof(full), "2015-08-17T15:01:31Z\nb/%s\n%s\n"
		    "5088", d.object, want);
		CHECK_STR(s, full, "string signed");
	}
	free(s);
	digest_free(&d);
}

/* A first digest: previous* null, "null" signed. */
static void
test_first(void)
{
	static const char first[] = "{\"digestStartTime\":"
	    "\"2020-01-01T00:00:00Z\",\"digestEndTime\":"
	    "\"2020-01-01T01:00:00Z\",\"digestS3Bucket\":\"b\","
	    "\"digestS3Object\":\"o\",\"digestPublicKeyFingerprint\":"
	    "\"00000000000000000000000000000000\",\"previousDigestS3Bucket\":"
	    "null,\"previousDigestS3Object\":null,\"previousDigestHashValue\":"
	    "null,\"previousDigestSignature\":null,\"logFiles\":[]}";
	struct digest	 d;
	char		 why[256], *s;

	CHECK(digest_parse(first, strlen(first), &d, why, sizeof(why)) == 0,
	    "%s", why);
	CHECK(d.prev_object == NULL && d.prev_signature == NULL &&
	    d.prev_hash[0] == '\0' && d.nfiles == 0, "nulls");
	s = digest_signed_string(&d);
	CHECK(s != NULL && strstr(s, "\nnull") != NULL &&
	    strlen(strstr(s, "\nnull")) == 5, "null signed: %s", s);
	free(s);
	digest_free(&d);
}

static void
test_bad(void)
{
	static const char *const bad[] = {
		"", "[]", "{}", "{\"digestStartTime\":1}",
		"{\"digestStartTime\":\"2020-01-01T00:00:00Z\","
		"\"digestEndTime\":\"2020-01-01T01:00:00Z\","
		"\"digestS3Bucket\":\"b\",\"digestS3Object\":\"o\","
		"\"digestPublicKeyFingerprint\":\"00\",\"logFiles\":[]}",
		"{\"digestStartTime\":\"2020-02-30T00:00:00Z\","
		"\"digestEndTime\":\"2020-01-01T01:00:00Z\","
		"\"digestS3Bucket\":\"b\",\"digestS3Object\":\"o\","
		"\"digestPublicKeyFingerprint\":"
		"\"00000000000000000000000000000000\",\"logFiles\":[]}",
		"{\"digestStartTime\":\"2020-01-01T00:00:00Z\","
		"\"digestEndTime\":\"2020-01-01T01:00:00Z\","
		"\"digestS3Bucket\":\"b\",\"digestS3Object\":\"o\","
		"\"digestPublicKeyFingerprint\":"
		"\"00000000000000000000000000000000\",\"logFiles\":[{"
		"\"s3Bucket\":\"b\",\"s3Object\":\"k\",\"hashValue\":\"zz\","
		"\"hashAlgorithm\":\"SHA-256\"}]}",
	};
	struct digest	d;
	char		why[256];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK(digest_parse(bad[i], strlen(bad[i]), &d, why,
		    sizeof(why)) == -1 && why[0] != '\0', "bad %zu", i);
		digest_free(&d);
	}
}

/* The key's DER (PKCS#1 when pkcs1) in base64, its MD5 in hex. */
static char *
key_b64(EVP_PKEY *pk, int pkcs1, char fp[DIGEST_FP_HEX])
{
	unsigned char	*der = NULL, md[16];
	char		*b64;
	int		 n, i;

	n = pkcs1 ? i2d_PublicKey(pk, &der) : i2d_PUBKEY(pk, &der);
	b64 = malloc((size_t)(n / 3 + 2) * 4 + 1);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	EVP_Digest(der, (size_t)n, md, NULL, EVP_md5(), NULL);
	for (i = 0; i < 16; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	OPENSSL_free(der);
	return b64;
}

static char *
sign_hex(EVP_PKEY *pk, const char *msg)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 sig[1024];
	size_t		 n = sizeof(sig), i;
	char		*hex;

	EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk);
	EVP_DigestSign(ctx, sig, &n, (const unsigned char *)msg, strlen(msg));
	EVP_MD_CTX_free(ctx);
	hex = malloc(2 * n + 1);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", sig[i]);
	return hex;
}

static void
test_keys(void)
{
	EVP_PKEY		*pk = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048);
	struct digest_key	*k1, *k2, *ko;
	char			 fp[DIGEST_FP_HEX], got[DIGEST_FP_HEX];
	char			 why[256], *b64, *sig, *osig;
	int			 form;

	sig = sign_hex(pk, "the string signed");
	osig = sign_hex(other, "the string signed");
	for (form = 0; form < 2; form++) {
		b64 = key_b64(pk, form, fp);
		k1 = digest_key_new(b64, strlen(b64), got, why, sizeof(why));
		CHECK(k1 != NULL, "form %d: %s", form, why);
		CHECK_STR(got, fp, "fingerprint, form %d", form);
		CHECK(digest_verify(k1, "the string signed", sig, why,
		    sizeof(why)) == 1, "good signature, form %d", form);
		CHECK(digest_verify(k1, "the string signed!", sig, why,
		    sizeof(why)) == 0, "another string");
		CHECK(digest_verify(k1, "the string signed", osig, why,
		    sizeof(why)) == 0, "another key's");
		CHECK(digest_verify(k1, "the string signed", "0g", why,
		    sizeof(why)) == 0, "not hex");
		CHECK(digest_verify(k1, "the string signed", "", why,
		    sizeof(why)) == 0, "empty");
		digest_key_free(k1);
		free(b64);
	}
	k2 = digest_key_new("AAAA", 4, got, why, sizeof(why));
	CHECK(k2 == NULL, "not a key");
	ko = digest_key_new("AAA", 3, got, why, sizeof(why));
	CHECK(ko == NULL, "not base64");
	free(sig);
	free(osig);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
}

static void
test_sha(void)
{
	struct digest_sha	*h = digest_sha_new();
	char			 hex[DIGEST_HASH_HEX];

	digest_sha_feed(h, "ab", 2);
	digest_sha_feed(h, "c", 1);
	digest_sha_hex(h, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff"
	    "61f20015ad", "sha256(abc) in pieces");
	digest_sha_hex(h, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
	    "91b7852b855", "starts again empty");
	digest_sha_free(h);
}

int
main(void)
{
	test_parse();
	test_first();
	test_bad();
	test_keys();
	test_sha();
	UNIT_DONE();
}
