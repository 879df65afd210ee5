/* SPDX-License-Identifier: ISC */
/*
 * digest.c - CloudTrail's digest documents read with cJSON, their exact
 * bytes hashed; keys and signatures with OpenSSL's EVP (see digest.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "digest.h"
#include "util.h"

#define WHY(...)	(void)snprintf(why, whylen, __VA_ARGS__)
#define FIELD_MAX	2048	/* a bucket, a key, a time, a signature */

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
static void
to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	hexd[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[p[i] >> 4];
		out[2 * i + 1] = hexd[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
digest_time(const char *s, long long *when)
{
	struct tm	tm;
	char		tail;
	time_t		t;
	int		mday;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &tail) != 7 || tail != 'Z' || tm.tm_year < 1970 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 59 || tm.tm_mday < 1)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	mday = tm.tm_mday;
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != mday)
		return -1;
	*when = (long long)t;
	return 0;
}

/*
 * The string field name of o into *out (malloc'd): 1; 0 when it is null
 * and null is allowed (*out NULL); -1 with why.
 */
static int
field(const cJSON *o, const char *name, int nullok, char **out, char *why,
    size_t whylen)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (nullok && (v == NULL || cJSON_IsNull(v)))
		return 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL ||
	    strlen(v->valuestring) >= FIELD_MAX) {
		WHY("%s is %s", name, v == NULL ? "missing" :
		    "not a string of a usable length");
		return -1;
	}
	if ((*out = strdup(v->valuestring)) == NULL) {
		WHY("out of memory");
		return -1;
	}
	return 1;
}

/* A hex SHA-256 field (lowercased) into out; "" when null is allowed. */
static int
hash_field(const cJSON *o, const char *name, int nullok,
    char out[DIGEST_HASH_HEX], char *why, size_t whylen)
{
	char	*s;
	size_t	 i;
	int	 rc;

	out[0] = '\0';
	if ((rc = field(o, name, nullok, &s, why, whylen)) <= 0)
		return rc;
	for (i = 0; s[i] != '\0' && util_hexval((unsigned char)s[i]) >= 0;
	    i++)
		continue;
	if (s[i] != '\0' || i != DIGEST_HASH_HEX - 1) {
		WHY("%s is not a SHA-256 in hex", name);
		free(s);
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
	out[i] = '\0';
	free(s);
	return 1;
}

/* The logFiles array into d. */
static int
log_files(const cJSON *j, struct digest *d, char *why, size_t whylen)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(j, "logFiles");
	const cJSON	*e;
	char		*alg;
	int		 n;

	if (!cJSON_IsArray(a)) {
		WHY("logFiles is %s", a == NULL ? "missing" : "not a list");
		return -1;
	}
	if ((n = cJSON_GetArraySize(a)) > DIGEST_FILES_MAX) {
		WHY("logFiles names more than %d files", DIGEST_FILES_MAX);
		return -1;
	}
	if (n > 0 && (d->files = calloc((size_t)n, sizeof(*d->files))) ==
	    NULL) {
		WHY("out of memory");
		return -1;
	}
	cJSON_ArrayForEach(e, a) {
		struct digest_file	*f = &d->files[d->nfiles++];

		if (field(e, "s3Bucket", 0, &f->bucket, why, whylen) == -1 ||
		    field(e, "s3Object", 0, &f->key, why, whylen) == -1 ||
		    hash_field(e, "hashValue", 0, f->hash, why, whylen) == -1)
			return -1;
		if (field(e, "hashAlgorithm", 0, &alg, why, whylen) == -1)
			return -1;
		n = strcmp(alg, "SHA-256");
		free(alg);
		if (n != 0) {
			WHY("log file %s: hashAlgorithm is not SHA-256",
			    f->key);
			return -1;
		}
	}
	return 0;
}

/* The document's own fields into d. */
static int
fields(const cJSON *j, struct digest *d, char *why, size_t whylen)
{
	char	*fp = NULL;
	int	 ok;

	if (field(j, "digestStartTime", 0, &d->start, why, whylen) == -1 ||
	    field(j, "digestEndTime", 0, &d->end, why, whylen) == -1 ||
	    field(j, "digestS3Bucket", 0, &d->bucket, why, whylen) == -1 ||
	    field(j, "digestS3Object", 0, &d->object, why, whylen) == -1 ||
	    field(j, "previousDigestS3Bucket", 1, &d->prev_bucket, why,
	    whylen) == -1 ||
	    field(j, "previousDigestS3Object", 1, &d->prev_object, why,
	    whylen) == -1 ||
	    field(j, "previousDigestSignature", 1, &d->prev_signature, why,
	    whylen) == -1 ||
	    hash_field(j, "previousDigestHashValue", 1, d->prev_hash, why,
	    whylen) == -1 ||
	    field(j, "digestPublicKeyFingerprint", 0, &fp, why, whylen) == -1)
		return -1;
	ok = strlen(fp) == DIGEST_FP_HEX - 1;
	if (ok)
		memcpy(d->fingerprint, fp, DIGEST_FP_HEX);
	free(fp);
	if (!ok) {
		WHY("digestPublicKeyFingerprint is not an MD5 in hex");
		return -1;
	}
	if (digest_time(d->start, &d->start_t) == -1 ||
	    digest_time(d->end, &d->end_t) == -1) {
		WHY("digestStartTime or digestEndTime is not a UTC time");
		return -1;
	}
	return 0;
}

int
digest_parse(const char *doc, size_t len, struct digest *d, char *why,
    size_t whylen)
{
	cJSON		*j = NULL;
	unsigned char	 md[32];
	int		 ret = -1;

	memset(d, 0, sizeof(*d));
	if (len > DIGEST_DOC_MAX) {
		WHY("more than %d bytes", DIGEST_DOC_MAX);
		return -1;
	}
	if (EVP_Digest(doc, len, md, NULL, EVP_sha256(), NULL) != 1) {
		WHY("cannot hash it (OpenSSL)");
		return -1;
	}
	to_hex(md, sizeof(md), d->hash);
	if ((j = cJSON_ParseWithLength(doc, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		WHY("not a JSON object");
		goto out;
	}
	if (fields(j, d, why, whylen) == -1 ||
	    log_files(j, d, why, whylen) == -1)
		goto out;
	ret = 0;
out:
	cJSON_Delete(j);
	return ret;
}

void
digest_free(struct digest *d)
{
	size_t	i;

	for (i = 0; i < d->nfiles; i++) {
		free(d->files[i].bucket);
		free(d->files[i].key);
	}
	free(d->files);
	free(d->start);
	free(d->end);
	free(d->bucket);
	free(d->object);
	free(d->prev_bucket);
	free(d->prev_object);
	free(d->prev_signature);
	memset(d, 0, sizeof(*d));
}

char *
digest_signed_string(const struct digest *d)
{
	char	*s;
	size_t	 len;
	int	 n;

	len = strlen(d->end) + strlen(d->bucket) + strlen(d->object) +
	    DIGEST_HASH_HEX + (d->prev_signature != NULL ?
	    strlen(d->prev_signature) : 4) + 8;
	if ((s = malloc(len)) == NULL)
		return NULL;
	n = snprintf(s, len, "%s\n%s/%s\n%s\n%s", d->end, d->bucket,
	    d->object, d->hash, d->prev_signature != NULL ?
	    d->prev_signature : "null");
	if (n < 0 || (size_t)n >= len) {
		free(s);
		return NULL;
	}
	return s;
}

struct digest_key {
	EVP_PKEY	*pk;
};

/* Base64 (no line breaks) into out: its length, or -1. */
static long
unbase64(const char *b64, size_t len, unsigned char *out, size_t outlen)
{
	int	n, pad = 0;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > outlen)
		return -1;
	if ((n = EVP_DecodeBlock(out, (const unsigned char *)b64,
	    (int)len)) < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding's bytes too. */
	if (b64[len - 1] == '=')
		pad++;
	if (b64[len - 2] == '=')
		pad++;
	return (long)n - pad;
}

struct digest_key *
digest_key_new(const char *b64, size_t len, char fp[DIGEST_FP_HEX],
    char *why, size_t whylen)
{
	struct digest_key	*k;
	unsigned char		 der[DIGEST_KEY_MAX], md[16];
	const unsigned char	*p;
	EVP_PKEY		*pk = NULL;
	long			 n;

	if ((n = unbase64(b64, len, der, sizeof(der))) <= 0) {
		WHY("the key is not base64 of at most %d bytes",
		    DIGEST_KEY_MAX);
		return NULL;
	}
	/* SubjectPublicKeyInfo, else PKCS#1 RSAPublicKey; all of it. */
	p = der;
	if ((pk = d2i_PUBKEY(NULL, &p, n)) == NULL || p != der + n) {
		EVP_PKEY_free(pk);
		p = der;
		if ((pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, n)) == NULL ||
		    p != der + n) {
			EVP_PKEY_free(pk);
			WHY("the key is neither an RSA SubjectPublicKeyInfo "
			    "nor a PKCS#1 RSAPublicKey");
			return NULL;
		}
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ||
	    EVP_Digest(der, (size_t)n, md, NULL, EVP_md5(), NULL) != 1 ||
	    (k = malloc(sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		WHY("not an RSA key, or out of memory");
		return NULL;
	}
	to_hex(md, sizeof(md), fp);
	k->pk = pk;
	return k;
}

void
digest_key_free(struct digest_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);
	free(k);
}

int
digest_verify(const struct digest_key *k, const char *msg,
    const char *sighex, char *why, size_t whylen)
{
	unsigned char	 sig[DIGEST_SIG_MAX];
	EVP_MD_CTX	*ctx = NULL;
	size_t		 i, n = strlen(sighex);
	int		 hi, lo, rc, ret = -1;

	if (n == 0 || n % 2 != 0 || n / 2 > sizeof(sig)) {
		WHY("the signature is not hex of at most %d bytes",
		    DIGEST_SIG_MAX);
		return 0;
	}
	for (i = 0; i < n / 2; i++) {
		if ((hi = util_hexval((unsigned char)sighex[2 * i])) < 0 ||
		    (lo = util_hexval((unsigned char)sighex[2 * i + 1])) < 0) {
			WHY("the signature is not hex");
			return 0;
		}
		sig[i] = (unsigned char)(hi << 4 | lo);
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pk) != 1) {
		WHY("cannot check signatures (OpenSSL)");
		goto out;
	}
	/* PKCS#1 v1.5 is RSA's default padding. */
	rc = EVP_DigestVerify(ctx, sig, n / 2, (const unsigned char *)msg,
	    strlen(msg));
	if (rc != 1)
		WHY("the signature does not match");
	ret = rc == 1;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/*
 * The digest fetched once: EVP_sha256() in EVP_DigestInit_ex is looked up
 * in OpenSSL's provider store each time, once a log file here.
 */
struct digest_sha {
	EVP_MD_CTX	*ctx;
	EVP_MD		*md;
	int		 dirty;		/* fed since its start */
};

struct digest_sha *
digest_sha_new(void)
{
	struct digest_sha	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->md = EVP_MD_fetch(NULL, "SHA2-256", NULL)) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1) {
		digest_sha_free(h);
		return NULL;
	}
	return h;
}

void
digest_sha_feed(struct digest_sha *h, const void *p, size_t len)
{
	h->dirty = 1;
	(void)EVP_DigestUpdate(h->ctx, p, len);
}

void
digest_sha_reset(struct digest_sha *h)
{
	if (h->dirty)
		(void)EVP_DigestInit_ex(h->ctx, h->md, NULL);
	h->dirty = 0;
}

void
digest_sha_hex(struct digest_sha *h, char hex[DIGEST_HASH_HEX])
{
	unsigned char	md[32];
	unsigned int	n = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != sizeof(md))
		memset(md, 0, sizeof(md));
	to_hex(md, sizeof(md), hex);
	(void)EVP_DigestInit_ex(h->ctx, h->md, NULL);
	h->dirty = 0;
}

void
digest_sha_free(struct digest_sha *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}
