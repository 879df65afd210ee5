/* SPDX-License-Identifier: ISC */
/*
 * fuzz_digest.c - libFuzzer target: a digest document (whoever may write
 * to the bucket writes it), its name read as a key, and the bytes as a
 * public key's base64. Besides not crashing: a document read has its
 * string to sign, and every hash field is 64 lowercase hex digits.
 *
 * Differential: digest.c's reader against the one it replaced (cJSON's
 * tree, the same fields and checks, kept here as ref_parse). Where cJSON
 * read the document, lenient() names what in it is not RFC 8259 JSON, the
 * differences digest.c's reader comment documents: with any of them ours
 * must say "not a JSON object"; with none, both must agree on the verdict,
 * the reason and every value. A \u escape cJSON read as U+0000 (it cut the
 * string there; a key so cut named a field) is the one case not compared.
 * Where cJSON could not read it, ours must not either, for the same reason.
 */
#include <locale.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "digest.h"
#include "layout.h"
#include "util.h"

#define REF_FIELD_MAX	2048	/* digest.c's FIELD_MAX */
#define WHY(...)	(void)snprintf(why, whylen, __VA_ARGS__)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
lowhex(const char *s)
{
	return strlen(s) == DIGEST_HASH_HEX - 1 &&
	    strspn(s, "0123456789abcdef") == DIGEST_HASH_HEX - 1;
}

/* The reference, as digest.c read documents with cJSON before. */
static int
ref_field(const cJSON *o, const char *name, int nullok, char **out,
    char *why, size_t whylen)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (nullok && (v == NULL || cJSON_IsNull(v)))
		return 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL ||
	    strlen(v->valuestring) >= REF_FIELD_MAX) {
		WHY("%s is %s", name, v == NULL ? "missing" :
		    "not a string of a usable length");
		return -1;
	}
	if ((*out = strdup(v->valuestring)) == NULL)
		abort();
	return 1;
}

static int
ref_hash(const cJSON *o, const char *name, int nullok,
    char out[DIGEST_HASH_HEX], char *why, size_t whylen)
{
	char	*s;
	size_t	 i;
	int	 rc;

	out[0] = '\0';
	if ((rc = ref_field(o, name, nullok, &s, why, whylen)) <= 0)
		return rc;
	for (i = 0; s[i] != '\0' && util_hexval((unsigned char)s[i]) >= 0;
	    i++)
		continue;
	rc = s[i] == '\0' && i == DIGEST_HASH_HEX - 1;
	for (i = 0; rc && s[i] != '\0'; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
	out[rc ? i : 0] = '\0';
	free(s);
	if (!rc)
		WHY("%s is not a SHA-256 in hex", name);
	return rc ? 1 : -1;
}

static int
ref_files(const cJSON *j, struct digest *d, char *why, size_t whylen)
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
	    NULL)
		abort();
	cJSON_ArrayForEach(e, a) {
		struct digest_file	*f = &d->files[d->nfiles++];

		if (ref_field(e, "s3Bucket", 0, &f->bucket, why, whylen) ==
		    -1 || ref_field(e, "s3Object", 0, &f->key, why, whylen) ==
		    -1 || ref_hash(e, "hashValue", 0, f->hash, why, whylen) ==
		    -1 || ref_field(e, "hashAlgorithm", 0, &alg, why, whylen) ==
		    -1)
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

static int
ref_fields(const cJSON *j, struct digest *d, char *why, size_t whylen)
{
	char	*fp = NULL;
	int	 ok;

	if (ref_field(j, "digestStartTime", 0, &d->start, why, whylen) ==
	    -1 || ref_field(j, "digestEndTime", 0, &d->end, why, whylen) ==
	    -1 || ref_field(j, "digestS3Bucket", 0, &d->bucket, why,
	    whylen) == -1 || ref_field(j, "digestS3Object", 0, &d->object,
	    why, whylen) == -1 || ref_field(j, "previousDigestS3Bucket", 1,
	    &d->prev_bucket, why, whylen) == -1 ||
	    ref_field(j, "previousDigestS3Object", 1, &d->prev_object, why,
	    whylen) == -1 || ref_field(j, "previousDigestSignature", 1,
	    &d->prev_signature, why, whylen) == -1 ||
	    ref_hash(j, "previousDigestHashValue", 1, d->prev_hash, why,
	    whylen) == -1 || ref_field(j, "digestPublicKeyFingerprint", 0,
	    &fp, why, whylen) == -1)
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

/* 0 or -1 as digest_parse; *end: where cJSON's parse ended, 0 if not. */
static int
ref_parse(const char *doc, size_t len, struct digest *d, size_t *end,
    char *why, size_t whylen)
{
	const char	*stop = NULL;
	cJSON		*j;
	unsigned char	 md[32];
	size_t		 i;
	int		 ret = -1;

	memset(d, 0, sizeof(*d));
	*end = 0;
	if (EVP_Digest(doc, len, md, NULL, EVP_sha256(), NULL) != 1)
		abort();
	for (i = 0; i < sizeof(md); i++)
		(void)snprintf(d->hash + 2 * i, 3, "%02x", md[i]);
	if ((j = cJSON_ParseWithLengthOpts(doc, len, &stop, 0)) != NULL)
		*end = (size_t)(stop - doc);
	if (j == NULL || !cJSON_IsObject(j))
		WHY("not a JSON object");
	else if (ref_fields(j, d, why, whylen) == 0 &&
	    ref_files(j, d, why, whylen) == 0)
		ret = 0;
	cJSON_Delete(j);
	return ret;
}

enum {
	L_TRAIL = 1,	/* bytes after the document */
	L_CTRL = 2,	/* a control not RFC 8259's whitespace, or in a string */
	L_UTF8 = 4,	/* a string not UTF-8 (glibc's decoder says) */
	L_NUMBER = 8,	/* a number off RFC 8259's grammar */
	L_NUL = 16,	/* a \u escape cJSON reads as U+0000 */
};

/* Is p (n bytes) one UTF-8 character, RFC 3629's? Its length, or 0. */
static size_t
utf8_ok(const uint8_t *p, size_t n)
{
	static locale_t	 utf8;
	locale_t	 was;
	mbstate_t	 st;
	wchar_t		 w;
	size_t		 r;

	if (utf8 == (locale_t)0 &&
	    (utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0)) ==
	    (locale_t)0)
		abort();
	memset(&st, 0, sizeof(st));
	was = uselocale(utf8);
	r = mbrtowc(&w, (const char *)p, n, &st);
	uselocale(was);
	/* glibc takes 5 and 6 bytes, and past U+10FFFF. */
	return r >= 1 && r <= 4 && (unsigned long)w <= 0x10ffff ? r : 0;
}

/* The number at p (n bytes) off the grammar? */
static int
bad_number(const uint8_t *p, size_t n)
{
	static regex_t	 re;
	static int	 ready;
	char		*s;
	int		 bad;

	if (!ready && regcomp(&re, "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?"
	    "([eE][+-]?[0-9]+)?$", REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	ready = 1;
	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	bad = regexec(&re, s, 0, NULL, 0) != 0;
	free(s);
	return bad;
}

/* A string's contents from p[i] (after '"'), as cJSON found its end. */
static size_t
lenient_string(const uint8_t *p, size_t i, size_t end, int *flags)
{
	size_t	k, n;

	while (i < end && p[i] != '"') {
		if (p[i] == '\\') {
			if (p[i + 1] == 'u') {
				for (k = 2; k < 6 &&
				    util_hexval(p[i + k]) >= 0; k++)
					continue;
				if (k < 6 || memcmp(p + i + 2, "0000", 4) == 0)
					*flags |= L_NUL;
			}
			i += 2;
		} else if (p[i] < 0x20) {
			*flags |= L_CTRL;
			i++;
		} else if (p[i] >= 0x80) {
			if ((n = utf8_ok(p + i, end - i)) == 0) {
				*flags |= L_UTF8;
				n = 1;
			}
			i += n;
		} else
			i++;
	}
	return i + 1;
}

/* What in a document cJSON read (to end) is not RFC 8259's: L_*. */
static int
lenient(const uint8_t *p, size_t size, size_t end)
{
	size_t	i = 0, j;
	int	flags = 0;

	if (size >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < end) {
		if (p[i] == '"')
			i = lenient_string(p, i + 1, end, &flags);
		else if (p[i] == '-' || (p[i] >= '0' && p[i] <= '9')) {
			for (j = i; j < end && memchr("0123456789+-.eE",
			    p[j], 15) != NULL; j++)
				continue;
			if (bad_number(p + i, j - i))
				flags |= L_NUMBER;
			i = j;
		} else {
			if (p[i] < 0x20 && memchr("\t\n\r", p[i], 3) == NULL)
				flags |= L_CTRL;
			i++;
		}
	}
	for (; i < size; i++)
		if (memchr(" \t\n\r", p[i], 4) == NULL)
			flags |= L_TRAIL;
	return flags;
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Do two digests read hold the same values? */
static int
same(const struct digest *a, const struct digest *b)
{
	size_t	i;

	if (!same_str(a->start, b->start) || !same_str(a->end, b->end) ||
	    a->start_t != b->start_t || a->end_t != b->end_t ||
	    !same_str(a->bucket, b->bucket) ||
	    !same_str(a->object, b->object) ||
	    strcmp(a->fingerprint, b->fingerprint) != 0 ||
	    !same_str(a->prev_bucket, b->prev_bucket) ||
	    !same_str(a->prev_object, b->prev_object) ||
	    !same_str(a->prev_signature, b->prev_signature) ||
	    strcmp(a->prev_hash, b->prev_hash) != 0 ||
	    strcmp(a->hash, b->hash) != 0 || a->nfiles != b->nfiles)
		return 0;
	for (i = 0; i < a->nfiles; i++)
		if (!same_str(a->files[i].bucket, b->files[i].bucket) ||
		    !same_str(a->files[i].key, b->files[i].key) ||
		    strcmp(a->files[i].hash, b->files[i].hash) != 0)
			return 0;
	return 1;
}

/* digest.c's reader against the reference (see the head). */
static void
differ(const uint8_t *data, size_t size, const struct digest *d, int rc,
    const char *why)
{
	struct digest	 ref;
	char		 rwhy[256] = "";
	size_t		 end;
	int		 rrc, flags = 0;

	if (size > DIGEST_DOC_MAX)
		return;
	rrc = ref_parse((const char *)data, size, &ref, &end, rwhy,
	    sizeof(rwhy));
	if (end > 0)
		flags = lenient(data, size, end);
	if (flags & ~L_NUL) {
		if (rc != -1 || strcmp(why, "not a JSON object") != 0)
			abort();
	} else if (!(flags & L_NUL)) {
		if (rc != rrc || (rc == 0 && !same(d, &ref)) ||
		    (rc == -1 && strcmp(why, rwhy) != 0)) {
			fprintf(stderr, "fuzz_digest: ours %d (%s), cJSON's %d "
			    "(%s)\n", rc, why, rrc, rwhy);
			abort();
		}
	}
	digest_free(&ref);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layout_digest	 ld;
	struct digest		 d;
	struct digest_key	*k;
	char			 why[256] = "", fp[DIGEST_FP_HEX], *s, *str;
	size_t			 i;
	int			 rc;

	rc = digest_parse((const char *)data, size, &d, why, sizeof(why));
	if (rc == 0) {
		if ((s = digest_signed_string(&d)) == NULL ||
		    !lowhex(d.hash) || (d.prev_hash[0] != '\0' &&
		    !lowhex(d.prev_hash)))
			abort();
		for (i = 0; i < d.nfiles; i++)
			if (!lowhex(d.files[i].hash))
				abort();
		free(s);
	} else if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
		abort();
	differ(data, size, &d, rc, why);
	digest_free(&d);
	if ((str = malloc(size + 1)) == NULL)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	(void)layout_digest_name(str, &ld);
	if ((k = digest_key_new(str, strlen(str), fp, why, sizeof(why))) !=
	    NULL) {
		(void)digest_verify(k, "x", str, why, sizeof(why));
		digest_key_free(k);
	}
	free(str);
	return 0;
}
