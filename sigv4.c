/* SPDX-License-Identifier: ISC */
/*
 * sigv4.c - AWS Signature Version 4, with S3's canonicalisation rules or
 * the generic ones of every other service.
 *
 * Builds the canonical request, the string to sign, the signature and the
 * Authorization header value from a fully described request. It signs what
 * it is given: the caller adds host, x-amz-date, x-amz-content-sha256 and
 * x-amz-security-token to the headers. Nothing here reads the clock.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sigv4.h"
#include "util.h"

#define SHA256_LEN	32	/* bytes of a SHA-256 digest */
#define SHA256_BLOCK	64	/* bytes of its block: HMAC's key size */
#define ALGORITHM	"AWS4-HMAC-SHA256"
#define SCOPE_TERM	"aws4_request"

/* A growing string; err is sticky so callers check once at the end. */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 err;
};

/* One query parameter, both halves already strictly encoded. */
struct qparam {
	char	*name;
	char	*value;
};

/* One header after lower-casing and folding; idx keeps the sort stable. */
struct chdr {
	char	*name;
	char	*value;
	size_t	 idx;
};

static const char hexup[] = "0123456789ABCDEF";
static const char hexlow[] = "0123456789abcdef";

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	size_t	 ncap;
	char	*np;

	if (b->err)
		return;
	if (n > SIZE_MAX - 1 - b->len) {
		b->err = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1) {
			if (ncap > SIZE_MAX / 2) {
				ncap = b->len + n + 1;
				break;
			}
			ncap *= 2;
		}
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

/*
 * Hand over the string (never NULL on success, "" when nothing was added);
 * NULL when an earlier append failed.
 */
static char *
buf_take(struct buf *b)
{
	char	*s;

	if (b->err) {
		free(b->p);
		b->p = NULL;
		return NULL;
	}
	if (b->p == NULL)
		return strdup("");
	s = b->p;
	b->p = NULL;
	return s;
}

/* RFC 3986 unreserved; locale-independent, unlike isalnum(). */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/* What HTTP calls optional whitespace, plus the CR/LF of folded lines. */
static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static void
tohex(const unsigned char *d, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexlow[d[i] >> 4];
		out[2 * i + 1] = hexlow[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

char *
sigv4_uri_encode(const char *s, size_t len, int keep_slash)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out = NULL;
	size_t			 i, o = 0;

	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	if ((out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (is_unreserved(u[i]) || (keep_slash && u[i] == '/'))
			out[o++] = (char)u[i];
		else {
			out[o++] = '%';
			out[o++] = hexup[u[i] >> 4];
			out[o++] = hexup[u[i] & 0xf];
		}
	}
	out[o] = '\0';
	return out;
}

void
sigv4_amz_date(time_t when, char out[SIGV4_AMZ_DATE_LEN + 1])
{
	struct tm	 tm;

	/*
	 * A time outside years 0-9999 cannot be written in this format; an
	 * all-zero date makes the server refuse the request, visibly.
	 */
	if (gmtime_r(&when, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900 ||
	    strftime(out, SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) !=
	    SIGV4_AMZ_DATE_LEN) {
		memcpy(out, "00000000T000000Z", SIGV4_AMZ_DATE_LEN + 1);
	}
}

/*
 * SHA-256, fetched from OpenSSL once per process (one thread). OpenSSL 3's
 * one-shot HMAC() and EVP_Digest() with EVP_sha256() look the algorithm
 * up on every call: 20,000 instructions of a signature's 25,000 each.
 */
static const EVP_MD *
sha256(void)
{
	static EVP_MD	*md;

	if (md == NULL)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

/* SHA-256 of a then b, through ctx. 0, or -1 (a broken library). */
static int
digest2(EVP_MD_CTX *ctx, const void *a, size_t alen, const void *b,
    size_t blen, unsigned char md[SHA256_LEN])
{
	unsigned int	mdlen = 0;

	if (sha256() == NULL || !EVP_DigestInit_ex2(ctx, sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, a, alen) ||
	    !EVP_DigestUpdate(ctx, b, blen) ||
	    !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != SHA256_LEN)
		return -1;
	return 0;
}

void
sigv4_sha256_hex(const void *data, size_t len,
    char out[SIGV4_SHA256_HEX_LEN + 1])
{
	unsigned char	 md[SHA256_LEN];
	EVP_MD_CTX	*ctx;
	int		 rc = -1;

	if ((ctx = EVP_MD_CTX_new()) != NULL)
		rc = digest2(ctx, data, len, "", 0, md);
	EVP_MD_CTX_free(ctx);
	/* Cannot fail short of a broken library; an empty hash then. */
	if (rc == -1) {
		out[0] = '\0';
		return;
	}
	tohex(md, SHA256_LEN, out);
}

/*
 * The canonical URI with S3's rules: no dot-segment or slash folding, every
 * byte outside unreserved and '/' encoded once, and an existing %XX escape
 * kept (upper-cased) so a path already encoded for the wire is unchanged.
 */
static void
canon_uri(struct buf *b, const char *path)
{
	const unsigned char	*u = (const unsigned char *)path;
	char			 esc[3];
	size_t			 i;

	if (path == NULL || *path == '\0') {
		buf_addc(b, '/');
		return;
	}
	for (i = 0; u[i] != '\0'; i++) {
		if (is_unreserved(u[i]) || u[i] == '/')
			buf_addc(b, (char)u[i]);
		else if (u[i] == '%' && util_hexval(u[i + 1]) >= 0 &&
		    util_hexval(u[i + 2]) >= 0) {
			esc[0] = '%';
			esc[1] = hexup[util_hexval(u[i + 1])];
			esc[2] = hexup[util_hexval(u[i + 2])];
			buf_add(b, esc, sizeof(esc));
			i += 2;
		} else {
			esc[0] = '%';
			esc[1] = hexup[u[i] >> 4];
			esc[2] = hexup[u[i] & 0xf];
			buf_add(b, esc, sizeof(esc));
		}
	}
}

/*
 * Percent-decode n bytes of s, then encode strictly. A '%' without two hex
 * digits is taken literally; '+' is a literal plus (S3 does not read it as a
 * space), so it comes out as %2B.
 */
static char *
query_part(const char *s, size_t n)
{
	char	*dec = NULL, *enc = NULL;
	size_t	 i, o = 0;

	if ((dec = malloc(n + 1)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && n - i >= 3 &&
		    util_hexval((unsigned char)s[i + 1]) >= 0 &&
		    util_hexval((unsigned char)s[i + 2]) >= 0) {
			dec[o++] = (char)(util_hexval((unsigned char)s[i + 1]) <<
			    4 | util_hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			dec[o++] = s[i];
	}
	enc = sigv4_uri_encode(dec, o, 0);
 out:
	free(dec);
	return enc;
}

static int
qparam_cmp(const void *a, const void *b)
{
	const struct qparam	*x = a, *y = b;
	int			 c;

	/* Encoded strings hold no NUL, so strcmp sees every byte. */
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

/*
 * The canonical query: parameters split on '&', each decoded and encoded
 * strictly, a name without '=' given an empty value, sorted by name then
 * value. Empty segments ("a=1&&b=2") carry nothing and are dropped.
 */
static int
canon_query(struct buf *b, const char *query)
{
	struct qparam	*qp = NULL;
	const char	*p, *amp, *eq, *end;
	size_t		 n = 0, max = 1, i;
	int		 rc = -1;

	if (query == NULL || *query == '\0')
		return 0;
	for (p = query; *p != '\0'; p++)
		if (*p == '&')
			max++;
	if ((qp = calloc(max, sizeof(*qp))) == NULL)
		goto out;
	for (p = query; ; p = amp + 1) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if (amp != p) {
			if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
				eq = end = amp;
			else
				end = eq + 1;
			qp[n].name = query_part(p, (size_t)(eq - p));
			qp[n].value = query_part(end, (size_t)(amp - end));
			n++;
			if (qp[n - 1].name == NULL || qp[n - 1].value == NULL)
				goto out;
		}
		if (*amp == '\0')
			break;
	}
	qsort(qp, n, sizeof(*qp), qparam_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, '&');
		buf_adds(b, qp[i].name);
		buf_addc(b, '=');
		buf_adds(b, qp[i].value);
	}
	rc = 0;
 out:
	if (qp != NULL)
		for (i = 0; i < n; i++) {
			free(qp[i].name);
			free(qp[i].value);
		}
	free(qp);
	return rc;
}

/* A header value trimmed, each inner run of whitespace one space. */
static char *
fold_value(const char *v)
{
	char	*out = NULL;
	size_t	 o = 0;
	int	 gap = 0;

	if (v == NULL)
		v = "";
	if ((out = malloc(strlen(v) + 1)) == NULL)
		return NULL;
	for (; *v != '\0'; v++) {
		if (is_space((unsigned char)*v)) {
			gap = 1;
			continue;
		}
		if (gap && o > 0)
			out[o++] = ' ';
		gap = 0;
		out[o++] = *v;
	}
	out[o] = '\0';
	return out;
}

/* A header name lower-cased (ASCII only) and stripped of whitespace. */
static char *
lower_name(const char *s)
{
	const char	*e;
	char		*out = NULL;
	size_t		 i, n;

	if (s == NULL)
		s = "";
	while (is_space((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - s);
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = lower(s[i]);
	out[n] = '\0';
	return out;
}

static int
chdr_cmp(const void *a, const void *b)
{
	const struct chdr	*x = a, *y = b;
	int			 c;

	/* Equal names keep the caller's order: repeats join in that order. */
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * Append the canonical header lines (each ending in '\n') to b and the
 * SignedHeaders list to sh. Headers of the same name, in any case, become
 * one line with their values joined by ',' in the order given.
 */
static int
canon_headers(struct buf *b, struct buf *sh, const struct sigv4_header *h,
    size_t nh)
{
	struct chdr	*ch = NULL;
	size_t		 i, n = 0;
	int		 rc = -1;

	if (nh == 0)
		return 0;
	if (h == NULL || (ch = calloc(nh, sizeof(*ch))) == NULL)
		goto out;
	for (n = 0; n < nh; n++) {
		ch[n].idx = n;
		ch[n].name = lower_name(h[n].name);
		ch[n].value = fold_value(h[n].value);
		if (ch[n].name == NULL || ch[n].value == NULL) {
			n++;
			goto out;
		}
	}
	qsort(ch, n, sizeof(*ch), chdr_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(ch[i].name, ch[i - 1].name) == 0) {
			buf_addc(b, ',');
			buf_adds(b, ch[i].value);
			continue;
		}
		if (i > 0) {
			buf_addc(b, '\n');
			buf_addc(sh, ';');
		}
		buf_adds(b, ch[i].name);
		buf_addc(b, ':');
		buf_adds(b, ch[i].value);
		buf_adds(sh, ch[i].name);
	}
	buf_addc(b, '\n');
	rc = 0;
 out:
	if (ch != NULL)
		for (i = 0; i < n; i++) {
			free(ch[i].name);
			free(ch[i].value);
		}
	free(ch);
	return rc;
}

/* HMAC-SHA-256 (RFC 2104) through ctx. 0, or -1. */
static int
hmac256(EVP_MD_CTX *ctx, const void *key, size_t klen, const char *msg,
    unsigned char *md)
{
	unsigned char	 k[SHA256_BLOCK], pad[SHA256_BLOCK], in[SHA256_LEN];
	size_t		 i;
	int		 rc = -1;

	memset(k, 0, sizeof(k));
	if (klen > sizeof(k)) {
		if (digest2(ctx, key, klen, "", 0, k) == -1)
			goto out;
	} else
		memcpy(k, key, klen);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	if (digest2(ctx, pad, sizeof(pad), msg, strlen(msg), in) == -1)
		goto out;
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	rc = digest2(ctx, pad, sizeof(pad), in, sizeof(in), md);
 out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(in, sizeof(in));
	return rc;
}

/*
 * kSigning = HMAC chain over date, region, service, "aws4_request". The
 * context is freed (and cleansed: OpenSSL clears a digest's state) here.
 */
static int
signature(const struct sigv4_input *in, const char *date, const char *sts,
    char out[SIGV4_SHA256_HEX_LEN + 1])
{
	struct buf	 k = { NULL, 0, 0, 0 };
	unsigned char	 a[SHA256_LEN], c[SHA256_LEN];
	EVP_MD_CTX	*ctx;
	int		 rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	buf_adds(&k, "AWS4");
	buf_adds(&k, in->secret_key);
	if (k.err)
		goto out;
	if (hmac256(ctx, k.p, k.len, date, a) == -1 ||
	    hmac256(ctx, a, sizeof(a), in->region, c) == -1 ||
	    hmac256(ctx, c, sizeof(c), in->service, a) == -1 ||
	    hmac256(ctx, a, sizeof(a), SCOPE_TERM, c) == -1 ||
	    hmac256(ctx, c, sizeof(c), sts, a) == -1)
		goto out;
	tohex(a, sizeof(a), out);
	rc = 0;
 out:
	/* The secret and every key derived from it leave no copy behind. */
	EVP_MD_CTX_free(ctx);
	if (k.p != NULL)
		OPENSSL_cleanse(k.p, k.cap);
	free(k.p);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(c, sizeof(c));
	return rc;
}

/*
 * The generic canonical URI (botocore's SigV4Auth): the path as sent,
 * normalised by RFC 3986's remove_dot_segments with empty segments dropped
 * as well, then every byte outside unreserved and '/' encoded, '%' too.
 * The normalised path is never longer than the path, so it is built in
 * place in one copy; each segment kept is stored as "/segment".
 */
static int
canon_uri_generic(struct buf *b, const char *path)
{
	char		*norm = NULL, *enc = NULL;
	const char	*seg, *end, *start;
	size_t		 plen, slen, o = 0;
	int		 rc = -1;

	if (path == NULL || *path == '\0') {
		buf_addc(b, '/');
		return 0;
	}
	plen = strlen(path);
	/* One more byte than the path: a relative path gains a '/'. */
	if (plen > SIZE_MAX - 2 || (norm = malloc(plen + 2)) == NULL)
		goto out;
	for (seg = path; ; seg = end + 1) {
		if ((end = strchr(seg, '/')) == NULL)
			end = seg + strlen(seg);
		slen = (size_t)(end - seg);
		if (slen == 2 && seg[0] == '.' && seg[1] == '.') {
			/* Up one: drop the last kept segment, if any. */
			while (o > 0 && norm[--o] != '/')
				continue;
		} else if (slen > 0 && !(slen == 1 && seg[0] == '.')) {
			norm[o++] = '/';
			memcpy(norm + o, seg, slen);
			o += slen;
		}
		if (*end == '\0')
			break;
	}
	/*
	 * A trailing '/' only when the path had one and something is left;
	 * a leading one only when the path had one, and then "/" at least.
	 */
	if (o > 0 && path[plen - 1] == '/')
		norm[o++] = '/';
	norm[o] = '\0';
	start = norm;
	if (o > 0 && path[0] != '/')
		start = norm + 1;
	else if (o == 0 && path[0] == '/')
		start = "/";
	if ((enc = sigv4_uri_encode(start, strlen(start), 1)) == NULL)
		goto out;
	buf_adds(b, enc);
	rc = 0;
 out:
	free(norm);
	free(enc);
	return rc;
}

/* 64 lower-case hex digits, what a hashed payload looks like. */
static int
is_sha256_hex(const char *s)
{
	size_t	 i;

	for (i = 0; i < SIGV4_SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/* "date/region/service/aws4_request", the credential scope. */
static void
add_scope(struct buf *b, const char *date, const struct sigv4_input *in)
{
	buf_adds(b, date);
	buf_addc(b, '/');
	buf_adds(b, in->region);
	buf_addc(b, '/');
	buf_adds(b, in->service);
	buf_adds(b, "/" SCOPE_TERM);
}

/*
 * The canonical request of in, and in *signed_hdrs the list of its signed
 * headers (both for the caller to free); NULL on failure.
 */
static char *
canon_request(const struct sigv4_input *in, char **signed_hdrs)
{
	struct buf	 cr = { NULL, 0, 0, 0 }, sh = { NULL, 0, 0, 0 };

	buf_adds(&cr, in->method);
	buf_addc(&cr, '\n');
	if (in->rules == SIGV4_RULES_GENERIC) {
		if (canon_uri_generic(&cr, in->path) == -1)
			goto fail;
	} else
		canon_uri(&cr, in->path);
	buf_addc(&cr, '\n');
	if (canon_query(&cr, in->query) == -1)
		goto fail;
	buf_addc(&cr, '\n');
	if (canon_headers(&cr, &sh, in->headers, in->nheaders) == -1)
		goto fail;
	if ((*signed_hdrs = buf_take(&sh)) == NULL)
		goto fail;
	buf_addc(&cr, '\n');
	buf_adds(&cr, *signed_hdrs);
	buf_addc(&cr, '\n');
	buf_adds(&cr, in->payload_hash);
	return buf_take(&cr);
 fail:
	free(cr.p);
	free(sh.p);
	return NULL;
}

int
sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out)
{
	struct buf	 sts = { NULL, 0, 0, 0 }, az = { NULL, 0, 0, 0 };
	char		 amz[SIGV4_AMZ_DATE_LEN + 1];
	char		 date[9];
	char		 crhash[SIGV4_SHA256_HEX_LEN + 1];
	char		*signed_hdrs = NULL;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	/* Signing without these would give a signature no server accepts. */
	if (in->method == NULL || in->payload_hash == NULL ||
	    in->access_key == NULL || in->secret_key == NULL ||
	    in->region == NULL || in->service == NULL)
		goto out;
	if (in->rules != SIGV4_RULES_S3 && (in->rules != SIGV4_RULES_GENERIC ||
	    !is_sha256_hex(in->payload_hash)))
		goto out;

	sigv4_amz_date(in->when, amz);
	memcpy(date, amz, 8);
	date[8] = '\0';

	if ((out->canonical_request = canon_request(in, &signed_hdrs)) == NULL)
		goto out;

	sigv4_sha256_hex(out->canonical_request,
	    strlen(out->canonical_request), crhash);
	buf_adds(&sts, ALGORITHM "\n");
	buf_adds(&sts, amz);
	buf_addc(&sts, '\n');
	add_scope(&sts, date, in);
	buf_addc(&sts, '\n');
	buf_adds(&sts, crhash);
	if ((out->string_to_sign = buf_take(&sts)) == NULL)
		goto out;

	if (signature(in, date, out->string_to_sign, out->signature) == -1)
		goto out;

	buf_adds(&az, ALGORITHM " Credential=");
	buf_adds(&az, in->access_key);
	buf_addc(&az, '/');
	add_scope(&az, date, in);
	buf_adds(&az, ", SignedHeaders=");
	buf_adds(&az, signed_hdrs);
	buf_adds(&az, ", Signature=");
	buf_adds(&az, out->signature);
	if ((out->authorization = buf_take(&az)) == NULL)
		goto out;
	rc = 0;
 out:
	free(sts.p);
	free(az.p);
	free(signed_hdrs);
	if (rc == -1)
		sigv4_output_free(out);
	return rc;
}

void
sigv4_output_free(struct sigv4_output *out)
{
	if (out == NULL)
		return;
	free(out->canonical_request);
	free(out->string_to_sign);
	free(out->authorization);
	out->canonical_request = NULL;
	out->string_to_sign = NULL;
	out->authorization = NULL;
	/* The signature alone would authorise this request; wipe it. */
	OPENSSL_cleanse(out->signature, sizeof(out->signature));
}
