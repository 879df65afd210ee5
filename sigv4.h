/* SPDX-License-Identifier: ISC */
/*
 * sigv4.h - AWS Signature Version 4, as pure functions.
 *
 * Nothing here reads the clock, the environment or the network: the time is a
 * parameter, so every signature is reproducible in tests.
 */
#ifndef SIGV4_H
#define SIGV4_H

#include <stddef.h>
#include <time.h>

#define SIGV4_SHA256_HEX_LEN	64	/* hex digits of a SHA-256 digest */
#define SIGV4_AMZ_DATE_LEN	16	/* YYYYMMDDTHHMMSSZ */

/* SHA-256 of the empty payload, what a GET or DELETE signs. */
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_header {
	const char	*name;		/* any case; lower-cased when signed */
	const char	*value;		/* trimmed, inner runs of spaces folded */
};

/*
 * Which service's canonicalisation: S3's (the zero value, so a caller that
 * clears the struct gets it) or the generic one every other service uses
 * (SQS, STS).
 */
enum sigv4_rules {
	SIGV4_RULES_S3 = 0,
	SIGV4_RULES_GENERIC
};

struct sigv4_input {
	enum sigv4_rules rules;		/* SIGV4_RULES_S3 unless set */
	const char	*method;	/* "GET" */
	const char	*path;		/* as sent on the request line, no query */
	const char	*query;		/* as sent, without '?'; NULL or "" if none */
	const struct sigv4_header *headers; /* every header to sign, host too */
	size_t		 nheaders;
	const char	*payload_hash;	/* hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
	const char	*access_key;
	const char	*secret_key;
	const char	*region;	/* "us-east-1" */
	const char	*service;	/* "s3" */
	time_t		 when;		/* the request's time (x-amz-date) */
};

struct sigv4_output {
	char	*canonical_request;	/* malloc'd; safe to print in debug */
	char	*string_to_sign;	/* malloc'd; safe to print in debug */
	char	*authorization;		/* malloc'd Authorization header value */
	char	 signature[SIGV4_SHA256_HEX_LEN + 1];
};

/*
 * Sign a request. The canonical URI depends on in->rules:
 * - SIGV4_RULES_S3: the path without normalisation (no "." / ".." / "//"
 *   folding), each byte outside RFC 3986's unreserved set and '/'
 *   percent-encoded once, an existing %XX escape kept (its hex digits
 *   upper-cased): a path encoded for the wire is signed as sent.
 * - SIGV4_RULES_GENERIC: the path normalised as RFC 3986 section 5.2.4
 *   says, empty segments dropped too ("//a/./b/../c/" is "/a/c/", "" and
 *   "/.." are "/"), then every byte outside unreserved and '/' encoded,
 *   '%' included: a segment encoded once for the wire ("/%E1%88%B4") is
 *   signed encoded twice ("/%25E1%2588%25B4"). These services check the
 *   body: payload_hash must be its hex SHA-256 (UNSIGNED-PAYLOAD is S3's
 *   alone and refused here).
 * Under both, query parameters are decoded, then encoded strictly and
 * sorted by name, then value; headers are trimmed, folded, lower-cased and
 * sorted, repeats joined by ','.
 * Returns 0, or -1 when memory runs out or an input is missing or refused
 * (out is then empty).
 */
int	 sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out);
void	 sigv4_output_free(struct sigv4_output *out);

/* The x-amz-date value for a time: YYYYMMDDTHHMMSSZ, in UTC. */
void	 sigv4_amz_date(time_t when, char out[SIGV4_AMZ_DATE_LEN + 1]);

/* Lower-case hex SHA-256 of a buffer. */
void	 sigv4_sha256_hex(const void *data, size_t len,
	    char out[SIGV4_SHA256_HEX_LEN + 1]);

/*
 * Percent-encode len bytes of s: everything but A-Z a-z 0-9 - _ . ~ (and '/'
 * when keep_slash) becomes %XX with upper-case hex. Returns a malloc'd
 * string, or NULL when memory runs out.
 */
char	*sigv4_uri_encode(const char *s, size_t len, int keep_slash);

#endif /* SIGV4_H */
