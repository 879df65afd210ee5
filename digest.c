/* SPDX-License-Identifier: ISC */
/*
 * digest.c - CloudTrail's digest documents read by a reader of their own
 * (one pass, no tree; see "The reader"), their exact bytes hashed; keys
 * and signatures with OpenSSL's EVP (see digest.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	static const char	form[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t			i;

	for (i = 0; i < sizeof(form) - 1; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return -1;
	if (s[i] != '\0')
		return -1;
#define N2(o)	((s[o] - '0') * 10 + s[(o) + 1] - '0')
	if (!util_utc(N2(0) * 100 + N2(2), N2(5), N2(8), N2(11), N2(14),
	    N2(17), when))
		return -1;
#undef N2
	return 0;
}

/*
 * The reader. A digest is one object of strings and nulls with logFiles, a
 * list of objects of strings; cJSON built a node for every value and a
 * copy of every key to find a dozen fields. This reads the document once,
 * checks all of it against RFC 8259 (any value, any depth up to
 * DEPTH_MAX), notes where the first value of each field wanted lies
 * (struct span), and copies out only those. Where a key appears twice the
 * first counts, as cJSON_GetObjectItemCaseSensitive found it. It is
 * stricter than cJSON 1.7.15 (found by experiment) where a signed digest
 * never goes (AWS writes plain RFC 8259 JSON, and a changed byte breaks
 * the signature anyway), so each of these only turns the verdict's reason
 * into "not a JSON object":
 * bytes after the document (cJSON ignored them); whitespace other than
 * space, tab, LF and CR (cJSON skipped every byte up to 0x20, NUL too);
 * controls, raw, inside a string; a string that is not UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF); numbers
 * outside the grammar ("01", "1.", "-.5"); a \u escape that is not four
 * hex digits (cJSON read U+0000). A \u0000 (which cJSON cut the string
 * at) is kept in a key, which then names no field, and refused in a field
 * read ("not a string of a usable length"): a C string cannot hold it.
 * Like cJSON: a leading UTF-8 byte order mark is skipped (RFC 8259 allows
 * it), lone surrogate escapes are refused, DEPTH_MAX is its nesting
 * ceiling. tests/fuzz/fuzz_digest.c holds the two readers to this.
 */
#define DEPTH_MAX	1000	/* objects and lists nested (cJSON's) */

enum { V_ABSENT, V_STRING, V_NULL, V_ARRAY, V_OTHER };

/* A field's first value: a string's contents as written, or its kind. */
struct span {
	const unsigned char	*p;	/* after the opening quote */
	size_t			 len;	/* up to the closing quote */
	int			 kind;	/* V_* */
	int			 esc;	/* holds a backslash */
};

struct name {
	const char	*s;
	size_t		 len;
};
#define NAME(s)	{ s, sizeof(s) - 1 }

/* The document's own fields, in the order their faults are told. */
enum { T_START, T_END, T_BUCKET, T_OBJECT, T_PBUCKET, T_POBJECT, T_PSIG,
	T_PHASH, T_FP, T_FILES, T_N };
static const struct name top_names[T_N] = {
	NAME("digestStartTime"), NAME("digestEndTime"),
	NAME("digestS3Bucket"), NAME("digestS3Object"),
	NAME("previousDigestS3Bucket"), NAME("previousDigestS3Object"),
	NAME("previousDigestSignature"), NAME("previousDigestHashValue"),
	NAME("digestPublicKeyFingerprint"), NAME("logFiles"),
};

/* A log file's. */
enum { F_BUCKET, F_KEY, F_HASH, F_ALG, F_N };
static const struct name file_names[F_N] = {
	NAME("s3Bucket"), NAME("s3Object"), NAME("hashValue"),
	NAME("hashAlgorithm"),
};

struct rd {
	const unsigned char	*p, *end;
	struct digest		*d;
	size_t			 cap;		/* d->files' room */
	size_t			 nfiles;	/* logFiles' elements, all */
	int			 fault;		/* a log file's: why says */
	char			*why;
	size_t			 whylen;
};

/*
 * What a byte is inside a string: 0 itself, 1 '"', '\\' or a control,
 * 2 a byte of a UTF-8 sequence.
 */
#define R16(x)	x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const unsigned char in_string[256] = {
	R16(1), R16(1),
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* '"' */
	R16(0), R16(0),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* '\\' */
	R16(0), R16(0),
	R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2),
};

/* The UTF-8 sequence at p (its lead >= 0x80): its length, 0 if none. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char	c = p[0], lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;	/* overlong */
		hi = c == 0xed ? 0x9f : 0xbf;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;	/* overlong */
		hi = c == 0xf4 ? 0x8f : 0xbf;	/* past U+10FFFF */
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Four hex digits at p: their value, -1 if they are not. */
static long
hex4(const unsigned char *p)
{
	long	v = 0;
	int	i, h;

	for (i = 0; i < 4; i++) {
		if ((h = util_hexval(p[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/*
 * The \u escape at p (a surrogate pair as one): its code point, its
 * length in *n; -1 if it is not one, or a lone surrogate.
 */
static long
uescape(const unsigned char *p, const unsigned char *end, size_t *n)
{
	long	c, lo;

	if (end - p < 6 || (c = hex4(p + 2)) < 0 ||
	    (c >= 0xdc00 && c <= 0xdfff))
		return -1;
	*n = 6;
	if (c < 0xd800 || c > 0xdbff)
		return c;
	if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
	    (lo = hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
		return -1;
	*n = 12;
	return 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
}

/* Code point c in UTF-8 at o: the bytes written. */
static size_t
utf8_put(long c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3f));
	o[2] = (char)(0x80 | (c >> 6 & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The byte a one-letter escape (after its '\\') stands for. */
static char
simple(unsigned char c)
{
	switch (c) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:	/* '"', '\\', '/' */
		return (char)c;
	}
}

/*
 * A string read by string() (so well formed), unescaped into out (room
 * for s->len + 1 bytes: never longer), NUL-terminated: its length, or -1
 * when it holds U+0000.
 */
static long
unescape(const struct span *s, char *out)
{
	const unsigned char	*p = s->p, *end = p + s->len;
	char			*o = out;
	long			 c;
	size_t			 n;

	if (!s->esc) {
		memcpy(out, s->p, s->len);
		out[s->len] = '\0';
		return (long)s->len;
	}
	while (p < end) {
		if (*p != '\\')
			*o++ = (char)*p++;
		else if (p[1] != 'u') {
			*o++ = simple(p[1]);
			p += 2;
		} else {
			if ((c = uescape(p, end, &n)) == 0)
				return -1;
			o += utf8_put(c, o);
			p += n;
		}
	}
	*o = '\0';
	return (long)(o - out);
}

/* The string at r->p (its '"'): its contents into s; -1 if not JSON's. */
static int
string(struct rd *r, struct span *s)
{
	const unsigned char	*p = r->p + 1, *end = r->end;
	size_t			 n;

	s->p = p;
	s->esc = 0;
	for (;;) {
		/* Most bytes are themselves: four at a time. */
		while (end - p >= 4 && (in_string[p[0]] | in_string[p[1]] |
		    in_string[p[2]] | in_string[p[3]]) == 0)
			p += 4;
		while (p < end && in_string[*p] == 0)
			p++;
		if (p == end || *p < 0x20)
			return -1;
		if (*p == '"')
			break;
		if (*p == '\\') {
			s->esc = 1;
			if (end - p < 2)
				return -1;
			if (p[1] == 'u') {
				if (uescape(p, end, &n) < 0)
					return -1;
				p += n;
			} else if (memchr("\"\\/bfnrt", p[1], 8) != NULL)
				p += 2;
			else
				return -1;
		} else if ((n = utf8_len(p, end)) == 0)
			return -1;
		else
			p += n;
	}
	s->len = (size_t)(p - s->p);
	s->kind = V_STRING;
	r->p = p + 1;
	return 0;
}

/* The number at r->p, RFC 8259's grammar; -1 if not one. */
static int
number(struct rd *r)
{
	const unsigned char	*p = r->p, *end = r->end;

#define DIGIT(q)	((q) < end && *(q) >= '0' && *(q) <= '9')
	if (p < end && *p == '-')
		p++;
	if (!DIGIT(p))
		return -1;
	if (*p++ != '0')
		while (DIGIT(p))
			p++;
	if (p < end && *p == '.') {
		p++;
		if (!DIGIT(p))
			return -1;
		while (DIGIT(p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!DIGIT(p))
			return -1;
		while (DIGIT(p))
			p++;
	}
#undef DIGIT
	r->p = p;
	return 0;
}

static int
literal(struct rd *r, const char *word, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return -1;
	r->p += n;
	return 0;
}

/* Whitespace skipped: the next byte, 0 at the end (NUL is no token). */
static inline int
peek(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' ||
	    *r->p == '\r' || *r->p == '\t'))
		r->p++;
	return r->p < r->end ? *r->p : 0;
}

/* A value that is neither object nor list, its first byte c. */
static int
scalar(struct rd *r, int c)
{
	struct span	s;

	switch (c) {
	case '"':
		return string(r, &s);
	case 't':
		return literal(r, "true", 4);
	case 'f':
		return literal(r, "false", 5);
	case 'n':
		return literal(r, "null", 4);
	default:
		return number(r);
	}
}

/* A member's key and its ':' into key. */
static int
key(struct rd *r, struct span *k)
{
	if (peek(r) != '"' || string(r, k) == -1 || peek(r) != ':')
		return -1;
	r->p++;
	return 0;
}

/*
 * Any value at r->p, depth containers deep, read and dropped; -1 if not
 * JSON. A loop with its own stack (a bit per container: an object?), so
 * DEPTH_MAX costs no C stack.
 */
static int
skip(struct rd *r, int depth)
{
	unsigned char	obj[DEPTH_MAX / 8 + 1];
	struct span	k;
	int		n = 0, c, o;

	for (;;) {
		c = peek(r);
		if (c == '{' || c == '[') {
			if (depth + n >= DEPTH_MAX)
				return -1;
			o = c == '{';
			obj[n / 8] = (unsigned char)(o ? obj[n / 8] | 1 << n % 8 :
			    obj[n / 8] & ~(1 << n % 8));
			n++;
			r->p++;
			if (peek(r) != (o ? '}' : ']')) {
				if (o && key(r, &k) == -1)
					return -1;
				continue;
			}
			r->p++;
			n--;
		} else if (scalar(r, c) == -1)
			return -1;
		/* After a value: containers closed, or the next value. */
		for (;;) {
			if (n == 0)
				return 0;
			o = obj[(n - 1) / 8] >> (n - 1) % 8 & 1;
			c = peek(r);
			if (c == ',') {
				r->p++;
				if (o && key(r, &k) == -1)
					return -1;
				break;
			}
			if (c != (o ? '}' : ']'))
				return -1;
			r->p++;
			n--;
		}
	}
}

/* Which of names (n of them) key k is: its index, or -1. */
static int
which(const struct span *k, const struct name *names, int n)
{
	char		 buf[256];
	const char	*s = (const char *)k->p;
	long		 len = (long)k->len;
	int		 i;

	if (k->esc) {
		/* 256 bytes unescape to 42 at least: longer than a name. */
		if (k->len >= sizeof(buf) || (len = unescape(k, buf)) < 0)
			return -1;
		s = buf;
	}
	for (i = 0; i < n; i++)
		if (names[i].len == (size_t)len &&
		    memcmp(names[i].s, s, (size_t)len) == 0)
			return i;
	return -1;
}

static int	files(struct rd *, int);

/*
 * The members of the object at r->p (after its '{'), depth deep: the
 * first value of each of names (n) into v, the rest read and dropped.
 * At the top (top set), logFiles' list is read by files().
 */
static int
members(struct rd *r, const struct name *names, int n, struct span *v,
    int depth, int top)
{
	struct span	k;
	int		c, i, rc;

	if (peek(r) == '}') {
		r->p++;
		return 0;
	}
	for (;;) {
		if (key(r, &k) == -1)
			return -1;
		i = which(&k, names, n);
		c = peek(r);
		if (i < 0 || v[i].kind != V_ABSENT)
			rc = skip(r, depth);
		else if (c == '"')
			rc = string(r, &v[i]);
		else if (c == 'n') {
			v[i].kind = V_NULL;
			rc = literal(r, "null", 4);
		} else if (top && i == T_FILES && c == '[') {
			v[i].kind = V_ARRAY;
			rc = files(r, depth + 1);
		} else {
			v[i].kind = V_OTHER;
			rc = skip(r, depth);
		}
		if (rc == -1)
			return -1;
		c = peek(r);
		if (c != '}' && c != ',')
			return -1;
		r->p++;
		if (c == '}')
			return 0;
	}
}

/*
 * The string v into *out (malloc'd): 1; 0 when it is null or missing and
 * null is allowed (*out NULL); -1 with why.
 */
static int
field(const struct span *v, const char *name, int nullok, char **out,
    char *why, size_t whylen)
{
	long	n = -1;

	*out = NULL;
	if (nullok && (v->kind == V_ABSENT || v->kind == V_NULL))
		return 0;
	/* Unescaped, a string is at least a sixth of its bytes. */
	if (v->kind == V_STRING && (v->esc ? v->len / 6 : v->len) <
	    FIELD_MAX) {
		if ((*out = malloc(v->len + 1)) == NULL) {
			WHY("out of memory");
			return -1;
		}
		if ((n = unescape(v, *out)) >= 0 && n < FIELD_MAX)
			return 1;
		free(*out);
		*out = NULL;
	}
	WHY("%s is %s", name, v->kind == V_ABSENT ? "missing" :
	    "not a string of a usable length");
	return -1;
}

/*
 * The string v into buf (cap bytes) as field() reads it; one too long
 * for buf reads as "", which no caller takes (they want a fixed length).
 */
static int
text(const struct span *v, const char *name, int nullok, char *buf,
    size_t cap, char *why, size_t whylen)
{
	char	*s;
	int	 rc;

	buf[0] = '\0';
	if (v->kind == V_STRING && v->len < cap && unescape(v, buf) >= 0)
		return 1;
	buf[0] = '\0';
	if ((rc = field(v, name, nullok, &s, why, whylen)) <= 0)
		return rc;
	if (strlen(s) < cap)
		memcpy(buf, s, strlen(s) + 1);
	free(s);
	return 1;
}

/* A hex digit c, lowercased; 0 if c is none. */
static char
hex_lower(char c)
{
	if (c >= '0' && c <= '9')
		return c;
	c = (char)(c | 0x20);	/* 'A'-'F' to 'a'-'f', nothing else there */
	return c >= 'a' && c <= 'f' ? c : 0;
}

/* A hex SHA-256 field (lowercased) into out; "" when null is allowed. */
static int
hash_field(const struct span *v, const char *name, int nullok,
    char out[DIGEST_HASH_HEX], char *why, size_t whylen)
{
	char	s[DIGEST_HASH_HEX];
	size_t	i;
	int	rc;

	out[0] = '\0';
	if ((rc = text(v, name, nullok, s, sizeof(s), why, whylen)) <= 0)
		return rc;
	for (i = 0; i < DIGEST_HASH_HEX - 1 && (out[i] = hex_lower(s[i])) !=
	    0; i++)
		continue;
	if (i != DIGEST_HASH_HEX - 1 || s[i] != '\0') {
		out[0] = '\0';
		WHY("%s is not a SHA-256 in hex", name);
		return -1;
	}
	out[i] = '\0';
	return 1;
}

/* A log file's fields (v) as the next of r->d->files; -1 with why. */
static int
file(struct rd *r, const struct span *v)
{
	struct digest		*d = r->d;
	struct digest_file	*f;
	char			 alg[8], *why = r->why;
	size_t			 whylen = r->whylen;

	if (util_grow((void **)&d->files, &r->cap, d->nfiles + 1,
	    sizeof(*d->files)) == -1) {
		WHY("out of memory");
		return -1;
	}
	f = &d->files[d->nfiles++];
	memset(f, 0, sizeof(*f));
	if (field(&v[F_BUCKET], "s3Bucket", 0, &f->bucket, why, whylen) ==
	    -1 || field(&v[F_KEY], "s3Object", 0, &f->key, why, whylen) ==
	    -1 || hash_field(&v[F_HASH], "hashValue", 0, f->hash, why,
	    whylen) == -1 || text(&v[F_ALG], "hashAlgorithm", 0, alg,
	    sizeof(alg), why, whylen) == -1)
		return -1;
	if (strcmp(alg, "SHA-256") != 0) {
		WHY("log file %s: hashAlgorithm is not SHA-256", f->key);
		return -1;
	}
	return 0;
}

/*
 * logFiles' list at r->p (its '['), depth deep (2: no ceiling to check):
 * each element's fields into r->d->files up to the first fault (why says:
 * told only if the document is otherwise sound, as cJSON's reader did),
 * all of them counted. An element that is no object has no s3Bucket.
 */
static int
files(struct rd *r, int depth)
{
	struct span	v[F_N];
	int		c;

	r->p++;
	if (peek(r) == ']') {
		r->p++;
		return 0;
	}
	for (;;) {
		c = peek(r);
		r->nfiles++;
		if (r->fault || r->nfiles > DIGEST_FILES_MAX) {
			if (skip(r, depth) == -1)
				return -1;
		} else {
			memset(v, 0, sizeof(v));
			if (c == '{') {
				r->p++;
				if (members(r, file_names, F_N, v, depth + 1,
				    0) == -1)
					return -1;
			} else if (skip(r, depth) == -1)
				return -1;
			r->fault = file(r, v) == -1;
		}
		c = peek(r);
		if (c != ']' && c != ',')
			return -1;
		r->p++;
		if (c == ']')
			return 0;
	}
}

/* The document's own fields (v) into d. */
static int
fields(const struct span *v, struct digest *d, char *why, size_t whylen)
{
	char	fp[DIGEST_FP_HEX];

	if (field(&v[T_START], "digestStartTime", 0, &d->start, why,
	    whylen) == -1 ||
	    field(&v[T_END], "digestEndTime", 0, &d->end, why, whylen) == -1 ||
	    field(&v[T_BUCKET], "digestS3Bucket", 0, &d->bucket, why,
	    whylen) == -1 ||
	    field(&v[T_OBJECT], "digestS3Object", 0, &d->object, why,
	    whylen) == -1 ||
	    field(&v[T_PBUCKET], "previousDigestS3Bucket", 1, &d->prev_bucket,
	    why, whylen) == -1 ||
	    field(&v[T_POBJECT], "previousDigestS3Object", 1, &d->prev_object,
	    why, whylen) == -1 ||
	    field(&v[T_PSIG], "previousDigestSignature", 1,
	    &d->prev_signature, why, whylen) == -1 ||
	    hash_field(&v[T_PHASH], "previousDigestHashValue", 1, d->prev_hash,
	    why, whylen) == -1 ||
	    text(&v[T_FP], "digestPublicKeyFingerprint", 0, fp, sizeof(fp),
	    why, whylen) == -1)
		return -1;
	if (strlen(fp) != DIGEST_FP_HEX - 1) {
		WHY("digestPublicKeyFingerprint is not an MD5 in hex");
		return -1;
	}
	memcpy(d->fingerprint, fp, DIGEST_FP_HEX);
	if (digest_time(d->start, &d->start_t) == -1 ||
	    digest_time(d->end, &d->end_t) == -1) {
		WHY("digestStartTime or digestEndTime is not a UTC time");
		return -1;
	}
	d->head = 1;
	return 0;
}

/* The whole document (a leading byte order mark skipped), v its fields. */
static int
document(struct rd *r, struct span *v)
{
	if (r->end - r->p >= 3 && memcmp(r->p, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
	if (peek(r) != '{')
		return -1;
	r->p++;
	if (members(r, top_names, T_N, v, 1, 1) == -1)
		return -1;
	(void)peek(r);
	return r->p == r->end ? 0 : -1;
}

int
digest_parse(const char *doc, size_t len, struct digest *d, char *why,
    size_t whylen)
{
	return digest_parse_with(doc, len, NULL, d, why, whylen);
}

int
digest_parse_with(const char *doc, size_t len, struct digest_sha *sha,
    struct digest *d, char *why, size_t whylen)
{
	struct span	v[T_N];
	struct rd	r;
	unsigned char	md[32];

	memset(d, 0, sizeof(*d));
	if (len > DIGEST_DOC_MAX) {
		WHY("more than %d bytes", DIGEST_DOC_MAX);
		return -1;
	}
	if (sha != NULL) {
		digest_sha_reset(sha);
		digest_sha_feed(sha, doc, len);
		digest_sha_hex(sha, d->hash);
	} else if (EVP_Digest(doc, len, md, NULL, EVP_sha256(), NULL) != 1) {
		WHY("cannot hash it (OpenSSL)");
		return -1;
	} else
		to_hex(md, sizeof(md), d->hash);
	memset(v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	r.p = (const unsigned char *)doc;
	r.end = r.p + len;
	r.d = d;
	r.why = why;
	r.whylen = whylen;
	/* The order of the checks is the order of cJSON's reader's. */
	if (document(&r, v) == -1) {
		WHY("not a JSON object");
		return -1;
	}
	if (fields(v, d, why, whylen) == -1)
		return -1;
	if (v[T_FILES].kind != V_ARRAY) {
		WHY("logFiles is %s", v[T_FILES].kind == V_ABSENT ? "missing" :
		    "not a list");
		return -1;
	}
	if (r.nfiles > DIGEST_FILES_MAX) {
		WHY("logFiles names more than %d files", DIGEST_FILES_MAX);
		return -1;
	}
	return r.fault ? -1 : 0;
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
	/*
	 * Made ready to verify once (SHA-256 and RSA found in OpenSSL's
	 * providers), copied for each digest: a tenth of a digest's check.
	 */
	EVP_MD_CTX	*ready;
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
	EVP_MD			*sha = NULL;
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
	    (k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		WHY("not an RSA key, or out of memory");
		return NULL;
	}
	to_hex(md, sizeof(md), fp);
	k->pk = pk;
	if ((sha = EVP_MD_fetch(NULL, "SHA2-256", NULL)) == NULL ||
	    (k->ready = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(k->ready, NULL, sha, NULL, pk) != 1) {
		EVP_MD_free(sha);
		digest_key_free(k);
		WHY("cannot check signatures (OpenSSL)");
		return NULL;
	}
	EVP_MD_free(sha);
	return k;
}

void
digest_key_free(struct digest_key *k)
{
	if (k == NULL)
		return;
	EVP_MD_CTX_free(k->ready);
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
	    EVP_MD_CTX_copy_ex(ctx, k->ready) != 1) {
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
