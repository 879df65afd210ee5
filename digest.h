/* SPDX-License-Identifier: ISC */
/*
 * digest.h - CloudTrail's digest files, as pure functions: the document
 * read (its exact bytes hashed, never serialized again), the string
 * CloudTrail signed, the public keys (base64 DER, PKCS#1 RSAPublicKey or
 * SubjectPublicKeyInfo, known by the hex MD5 of the DER) and the
 * RSASSA-PKCS1-v1_5 SHA-256 signature checked with them.
 */
#ifndef GETAWSLOG_DIGEST_H
#define GETAWSLOG_DIGEST_H

#include <stddef.h>

#define DIGEST_DOC_MAX		(64 * 1024 * 1024)	/* a document's bytes */
#define DIGEST_FILES_MAX	1000000	/* log files one digest names */
#define DIGEST_HASH_HEX		65	/* SHA-256 in hex, and its NUL */
#define DIGEST_FP_HEX		33	/* MD5 in hex, and its NUL */
#define DIGEST_SIG_MAX		2048	/* signature bytes (16384-bit RSA) */
#define DIGEST_KEY_MAX		4096	/* a key's DER bytes */

struct digest_file {
	char		*bucket;
	char		*key;
	char		 hash[DIGEST_HASH_HEX];	/* lowercase hex */
};

struct digest {
	char		*start;		/* digestStartTime, as written */
	char		*end;		/* digestEndTime, as written */
	long long	 start_t, end_t;	/* the same, in seconds */
	char		*bucket;	/* digestS3Bucket */
	char		*object;	/* digestS3Object */
	char		 fingerprint[DIGEST_FP_HEX];
	/* The previous digest's; NULL each in a chain's first digest. */
	char		*prev_bucket, *prev_object, *prev_signature;
	char		 prev_hash[DIGEST_HASH_HEX];	/* "" when none */
	struct digest_file *files;
	size_t		 nfiles;
	char		 hash[DIGEST_HASH_HEX];	/* SHA-256 of the document */
	/*
	 * Every field above the log files was read (a document refused for
	 * its log files has them; one refused before has only some).
	 */
	int		 head;
};

/*
 * Read a digest document (len bytes of doc): 0, or -1 with a one-line
 * reason in why (not a digest, a field missing or of the wrong kind, out
 * of memory). digest_free frees what it holds (also after a failure).
 */
int	 digest_parse(const char *doc, size_t len, struct digest *out,
	    char *why, size_t whylen);
/*
 * The same, the document hashed with sha (digest_sha_new's, made once:
 * EVP_sha256() is looked up in OpenSSL's providers at each use).
 */
struct digest_sha;
int	 digest_parse_with(const char *doc, size_t len, struct digest_sha *sha,
	    struct digest *out, char *why, size_t whylen);
void	 digest_free(struct digest *);

/*
 * The string CloudTrail signed: digestEndTime, LF, bucket/object, LF, the
 * document's SHA-256 in hex, LF, previousDigestSignature or "null".
 * malloc'd, NULL when memory runs out.
 */
char	*digest_signed_string(const struct digest *);

/* "YYYY-MM-DDTHH:MM:SSZ" as seconds: 0, or -1. */
int	 digest_time(const char *s, long long *when);

struct digest_key;

/*
 * A public key from its base64 DER (PKCS#1 or SubjectPublicKeyInfo, RSA
 * only), its fingerprint (hex MD5 of the DER) into fp. NULL with why.
 */
struct digest_key *digest_key_new(const char *b64, size_t len,
		    char fp[DIGEST_FP_HEX], char *why, size_t whylen);
void		 digest_key_free(struct digest_key *);

/*
 * Does sighex (the object's x-amz-meta-signature, hex) sign msg under
 * key (SHA256withRSA)? 1 yes, 0 no (why says), -1 an error (why says).
 */
int	 digest_verify(const struct digest_key *, const char *msg,
	    const char *sighex, char *why, size_t whylen);

/* SHA-256 of bytes fed in pieces, in hex (digest_sha_* never fail). */
struct digest_sha *digest_sha_new(void);
void	 digest_sha_feed(struct digest_sha *, const void *p, size_t len);
/* Start again empty (what was fed is dropped). */
void	 digest_sha_reset(struct digest_sha *);
/* The hex of what was fed into hex; the hash starts again empty. */
void	 digest_sha_hex(struct digest_sha *, char hex[DIGEST_HASH_HEX]);
void	 digest_sha_free(struct digest_sha *);

#endif /* GETAWSLOG_DIGEST_H */
