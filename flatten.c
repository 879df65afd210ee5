/*
 * flatten.c - turn one decompressed CloudTrail document into log lines.
 *
 * The flat (-j) and json formats must be byte-identical to what
 * getawslog.py printed under Python 2.7, so this file emulates the few
 * Python behaviours that shape those bytes: json.load's decoding, the
 * CPython 2.7 dict iteration order, str(), repr() and json.dumps().
 * The wazuh format follows Wazuh's aws-s3 module (Python 3).
 *
 * The document is parsed by a small validating parser of our own rather
 * than cJSON: cJSON forgets the text of numbers (Python prints 10**20 and
 * 1.10 from their text, not from a double), rejects "\ud800" escapes that
 * Python's json accepts, does not check UTF-8, and keeps repeated keys as
 * separate items. Our parser decodes strings as Python 2.7 did, keeps
 * every number's lexeme, and orders each object's members as a CPython
 * 2.7 dict would right when the object closes.
 *
 * Decoded strings are kept as generalized UTF-8: a lone surrogate (which
 * Python 2.7 kept as a code point) is stored as its 3-byte sequence.
 */

#include <sys/types.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatten.h"
#include "pyfloat.h"

enum ntype { N_NULL, N_FALSE, N_TRUE, N_INT, N_FLOAT, N_STR, N_ARR, N_OBJ };

/* String flags: what escaping a string may need (fast paths). */
#define NF_PLAIN	0x01	/* only bytes 0x20..0x7e, no backslash */
#define NF_SQ		0x02	/* contains ' */
#define NF_DQ		0x04	/* contains " */
#define NF_COPY		0x20	/* text is in doc.str, not in the source */
/* Number flags. */
#define NF_LONG		0x08	/* int outside the signed 64-bit range */
#define NF_ZERO		0x10	/* int whose value is 0 */

/*
 * One parsed value. Strings: off/len into the source text, or with
 * NF_COPY (it had escapes) into doc.str at the same offset. Numbers: off/len of the
 * lexeme in the source. Arrays: len children at doc.kids[off]. Objects:
 * len distinct members; doc.kids[off] holds 2*len (key, value) node
 * indexes in CPython 2.7 iteration order, then, when doc.insorder is
 * set (only the wazuh format reads it), 2*len more in first insertion
 * order (Python 3's order).
 */
struct node {
	uint8_t		 type;
	uint8_t		 flags;
	uint32_t	 len;
	size_t		 off;
	union {
		double	 d;	/* N_FLOAT */
		uint64_t hash;	/* N_STR: Python 2.7 unicode hash */
	} u;
};

/*
 * Keys repeat (every record has the same few dozen), and their Python hash
 * is a serial multiply per character: remember the hash of recent keys.
 */
#define KEYCACHE_BITS	10
#define KEYCACHE	(1 << KEYCACHE_BITS)

struct keyhash {
	const unsigned char *s;	/* decoded text; len 0: empty entry */
	size_t		 len;
	uint64_t	 hash;
};

struct doc {
	const unsigned char *src;
	size_t		 srclen;
	size_t		 pos;
	int		 depth;
	struct node	*nodes;
	size_t		 nnodes, nodecap;
	size_t		 runend;	/* 1 + offset of src's last stop byte */
	char		*str;		/* decoded strings that had escapes */
	size_t		*kids;
	size_t		 nkids, kidcap;
	size_t		*stack;		/* children of open containers */
	size_t		 nstack, stackcap;
	size_t		*tab, *tab2;	/* dict emulation tables */
	size_t		 tabcap, tab2cap;
	size_t		*tmp;		/* per-object scratch */
	size_t		 tmpcap;
	struct keyhash	 keys[KEYCACHE];
	int		 insorder;	/* keep objects' insertion order */
	int		 nomem;
	char		*err;
	size_t		 errlen;
};

/* A key as the dict emulation sees it. */
struct dkey {
	uint64_t	 hash;
	const char	*s;
	size_t		 len;
};

struct buf {
	char		*p;
	size_t		 len, cap;
	int		 nomem;
};

#define FLUSH_AT	65536	/* hand lines to the writer in chunks */
#define NODE_TEXT	16	/* bytes of real text per parsed value */
#define KIDS_TEXT	8	/* bytes of real text per doc.kids entry */

/* ---------------------------------------------------------------- */
/* Output buffer */

/* The slow path of the adders below: make room for n more bytes. */
static void
buf_grow(struct buf *b, size_t n)
{
	size_t	 ncap;
	char	*np;

	if (b->nomem || b->cap - b->len >= n)
		return;
	ncap = b->cap ? b->cap : 4096;
	while (ncap - b->len < n) {
		if (ncap > SIZE_MAX / 2) {
			b->nomem = 1;
			return;
		}
		ncap *= 2;
	}
	if ((np = realloc(b->p, ncap)) == NULL) {
		b->nomem = 1;
		return;
	}
	b->p = np;
	b->cap = ncap;
}

/*
 * The adders run for every piece of every line, so they are inline with
 * one capacity test. After a failed growth, bytes may still land in the
 * room left: harmless, as a buffer with nomem set is never written out.
 */
static inline void
buf_add(struct buf *b, const void *s, size_t n)
{
	if (n == 0)	/* b->p may still be NULL */
		return;
	if (b->cap - b->len < n) {
		buf_grow(b, n);
		if (b->nomem)
			return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->cap == b->len) {
		buf_grow(b, 1);
		if (b->nomem)
			return;
	}
	b->p[b->len++] = c;
}

/* Inline, so that strlen of a literal is a constant. */
static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append a backslash escape such as \x0a, \u00e9 or \U0001f600. */
static void
buf_esc(struct buf *b, char kind, uint32_t v, int ndig)
{
	static const char hex[] = "0123456789abcdef";
	char	 t[12];
	int	 i;

	t[0] = '\\';
	t[1] = kind;
	for (i = 0; i < ndig; i++)
		t[2 + i] = hex[(v >> (4 * (ndig - 1 - i))) & 0xf];
	buf_add(b, t, 2 + ndig);
}

/* ---------------------------------------------------------------- */
/* Numbers */

/* Python 2.7's str(float) and repr(float) (pyfloat.c). */
static void
float_str(struct buf *b, double d)
{
	char	t[PYFLOAT_MAX];

	buf_add(b, t, pyfloat_str(d, t));
}

static void
float_repr(struct buf *b, double d)
{
	char	t[PYFLOAT_MAX];

	buf_add(b, t, pyfloat_repr(d, t));
}

/* ---------------------------------------------------------------- */
/* Parser */

static void seterr(struct doc *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct doc *d, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (d->err == NULL || d->errlen == 0 || d->err[0] != '\0')
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->err, d->errlen, fmt, ap);
	va_end(ap);
	if (n < 0)
		d->err[0] = '\0';
	/* A truncated reason is still a reason: keep what fits. */
}

static int
badjson(struct doc *d)
{
	seterr(d, "invalid JSON at byte %zu", d->pos);
	return -1;
}

static int
grow(void **p, size_t *cap, size_t need, size_t size, int *nomem)
{
	size_t	 ncap;
	void	*np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size) {
			*nomem = 1;
			return -1;
		}
		ncap *= 2;
	}
	if ((np = reallocarray(*p, ncap, size)) == NULL) {
		*nomem = 1;
		return -1;
	}
	*p = np;
	*cap = ncap;
	return 0;
}

/* Called for every value: the capacity test stays here, grow() seldom. */
static inline int
new_node(struct doc *d, int type, size_t *idx)
{
	struct node *n;

	if (d->nnodes == d->nodecap && grow((void **)&d->nodes,
	    &d->nodecap, d->nnodes + 1, sizeof(*d->nodes), &d->nomem) == -1)
		return -1;
	*idx = d->nnodes;
	n = &d->nodes[d->nnodes++];
	n->type = type;
	n->flags = 0;
	n->len = 0;
	n->off = 0;
	n->u.hash = 0;
	return 0;
}

static inline int
push(struct doc *d, size_t v)
{
	if (d->nstack == d->stackcap && grow((void **)&d->stack,
	    &d->stackcap, d->nstack + 1, sizeof(*d->stack), &d->nomem) == -1)
		return -1;
	d->stack[d->nstack++] = v;
	return 0;
}

/* CloudTrail writes no whitespace: a byte above ' ' returns at once. */
static inline void
skip_ws(struct doc *d)
{
	if (d->pos < d->srclen && d->src[d->pos] > ' ')
		return;
	while (d->pos < d->srclen && (d->src[d->pos] == ' ' ||
	    d->src[d->pos] == '\t' || d->src[d->pos] == '\n' ||
	    d->src[d->pos] == '\r'))
		d->pos++;
}

/* Store code point c at s as (generalized) UTF-8; returns its length. */
static size_t
put_cp(unsigned char *s, uint32_t c)
{
	if (c < 0x80) {
		s[0] = c;
		return 1;
	}
	if (c < 0x800) {
		s[0] = 0xc0 | (c >> 6);
		s[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	if (c < 0x10000) {
		s[0] = 0xe0 | (c >> 12);
		s[1] = 0x80 | ((c >> 6) & 0x3f);
		s[2] = 0x80 | (c & 0x3f);
		return 3;
	}
	s[0] = 0xf0 | (c >> 18);
	s[1] = 0x80 | ((c >> 12) & 0x3f);
	s[2] = 0x80 | ((c >> 6) & 0x3f);
	s[3] = 0x80 | (c & 0x3f);
	return 4;
}

static int
hex4(struct doc *d, size_t at, uint32_t *v)
{
	size_t	 i;
	int	 c;

	*v = 0;
	if (d->srclen - at < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = d->src[at + i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return -1;
	}
	return 0;
}

/*
 * Decode one raw UTF-8 sequence at d->pos as Python 2.7's codec did:
 * overlong forms and values past U+10FFFF are errors, but encoded
 * surrogates are accepted and kept as code points.
 */
static int
utf8_in(struct doc *d, uint32_t *cp)
{
	const unsigned char *s = d->src + d->pos;
	size_t	 left = d->srclen - d->pos, n, i;
	uint32_t c, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		goto bad;
	if (left < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff)
		goto bad;
	*cp = c;
	d->pos += n;
	return 0;
 bad:
	seterr(d, "invalid UTF-8 at byte %zu", d->pos);
	return -1;
}

/* Next code point of a decoded (generalized UTF-8) string. */
static size_t
cp_next(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = ((s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0) {
		*cp = ((s[0] & 0x0f) << 12) | ((s[1] & 0x3f) << 6) |
		    (s[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((s[1] & 0x3f) << 12) |
	    ((s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	return 4;
}

static const char *
sdata(const struct doc *d, const struct node *n)
{
	return (n->flags & NF_COPY ? d->str : (const char *)d->src) + n->off;
}

/*
 * CPython 2.7's unicode hash (wrapping 64-bit arithmetic) of the decoded
 * key s[0..len), over its code points.
 */
static uint64_t
key_hash(struct doc *d, const unsigned char *s, size_t len)
{
	struct keyhash *e;
	size_t	 i, ncp = 0;
	uint64_t h;
	uint32_t c, x;

	if (len == 0)
		return 0;
	/* Fibonacci hashing of the length and three of the bytes. */
	x = (uint32_t)len ^ (uint32_t)s[0] << 8 ^ (uint32_t)s[len / 2] << 16 ^
	    (uint32_t)s[len - 1] << 24;
	e = &d->keys[(uint32_t)(x * 0x9e3779b1u) >> (32 - KEYCACHE_BITS)];
	if (e->len == len && memcmp(e->s, s, len) == 0)
		return e->hash;
	cp_next(s, &c);
	h = (uint64_t)c << 7;
	for (i = 0; i < len; ncp++) {
		if (s[i] < 0x80)
			c = s[i++];
		else
			i += cp_next(s + i, &c);
		h = (1000003 * h) ^ c;
	}
	h ^= ncp;
	if (h == UINT64_MAX)
		h -= 1;
	e->s = s;
	e->len = len;
	e->hash = h;
	return h;
}

/*
 * What a string byte asks of the parser: SC_RUN bytes (printable ASCII
 * other than the three below) need no decoding and leave the string plain;
 * everything else ends a run: '"', '\\', controls (an error), 0x7f and up
 * (not plain; 0x80 and up start UTF-8) and ' (sets NF_SQ).
 */
#define SC_RUN	0
#define SC_STOP	1
static const unsigned char strclass[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x20 " ' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* 0x50 \ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,	/* 0x70 DEL */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

/*
 * A string at d->pos (the opening quote), decoded into a new node; with
 * iskey, its Python hash too (values never need one).
 *
 * A string without escapes (nearly all) is left where it is in the source.
 * At its first escape, the text so far is copied to the same offset in
 * d->str, and the rest of the string is decoded there (decoded text never
 * outgrows its source). w is the decoded length's end, as an offset.
 */
static int
parse_string(struct doc *d, size_t *idx, int iskey)
{
	const unsigned char *s = d->src;
	unsigned char *t = (unsigned char *)d->str;
	struct node *n;
	size_t	 start, r, r0, w, len;
	uint32_t c, c2;
	int	 flags = NF_PLAIN, ch, esc;

	start = r = w = d->pos + 1;
	for (;;) {
		r0 = r;
		/* Before src's last stop byte, the table alone ends a run. */
		if (r < d->runend)
			while (strclass[s[r]] == SC_RUN)
				r++;
		else
			while (r < d->srclen && strclass[s[r]] == SC_RUN)
				r++;
		if (r > r0) {
			if (flags & NF_COPY)
				memcpy(t + w, s + r0, r - r0);
			w += r - r0;
		}
		if (r >= d->srclen) {
			d->pos = d->srclen;
			return badjson(d);
		}
		ch = s[r];
		if (ch == '"') {
			r++;
			break;
		}
		if (ch < 0x20) {
			d->pos = r;
			return badjson(d);
		}
		esc = ch == '\\';
		if (esc) {
			if (r + 1 >= d->srclen) {
				d->pos = r;
				return badjson(d);
			}
			ch = s[r + 1];
			r += 2;
			switch (ch) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case '/': c = '/'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (hex4(d, r, &c) == -1) {
					d->pos = r;
					return badjson(d);
				}
				r += 4;
				/* A pair joins; a lone surrogate stays. */
				if (c >= 0xd800 && c <= 0xdbff &&
				    d->srclen - r >= 6 &&
				    d->src[r] == '\\' &&
				    d->src[r + 1] == 'u' &&
				    hex4(d, r + 2, &c2) == 0 &&
				    c2 >= 0xdc00 && c2 <= 0xdfff) {
					c = 0x10000 + ((c - 0xd800) << 10) +
					    (c2 - 0xdc00);
					r += 6;
				}
				break;
			default:
				d->pos = r - 2;
				return badjson(d);
			}
		} else if (ch >= 0x80) {
			d->pos = r;
			if (utf8_in(d, &c) == -1)
				return -1;
			r = d->pos;
		} else {
			c = ch;
			r++;
		}
		if (c < 0x20 || c > 0x7e || c == '\\')
			flags &= ~NF_PLAIN;
		if (c == '\'')
			flags |= NF_SQ;
		if (c == '"')
			flags |= NF_DQ;
		/* Raw text decodes to its own bytes: only escapes copy. */
		if (esc && !(flags & NF_COPY)) {
			memcpy(t + start, s + start, w - start);
			flags |= NF_COPY;
		}
		if (flags & NF_COPY)
			w += put_cp(t + w, c);
		else
			w = r;
	}
	d->pos = r;
	if (w - start > UINT32_MAX) {
		seterr(d, "string too long at byte %zu", d->pos);
		return -1;
	}
	if (new_node(d, N_STR, idx) == -1)
		return -1;
	n = &d->nodes[*idx];
	n->flags = flags;
	n->off = start;
	n->len = len = w - start;
	n->u.hash = iskey ? key_hash(d, (const unsigned char *)sdata(d, n),
	    len) : 0;
	return 0;
}

/* Python's json number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? */
static int
parse_number(struct doc *d, size_t *idx)
{
	const unsigned char *s = d->src;
	size_t	 p = d->pos, start = d->pos, nd;
	int	 isfloat = 0;
	struct node *n;

	if (p < d->srclen && s[p] == '-')
		p++;
	if (p >= d->srclen || s[p] < '0' || s[p] > '9') {
		d->pos = p;
		return badjson(d);
	}
	if (s[p] == '0')
		p++;
	else
		while (p < d->srclen && s[p] >= '0' && s[p] <= '9')
			p++;
	if (p + 1 < d->srclen && s[p] == '.' && s[p + 1] >= '0' &&
	    s[p + 1] <= '9') {
		isfloat = 1;
		p++;
		while (p < d->srclen && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	if (p < d->srclen && (s[p] == 'e' || s[p] == 'E')) {
		size_t q = p + 1;

		if (q < d->srclen && (s[q] == '+' || s[q] == '-'))
			q++;
		if (q < d->srclen && s[q] >= '0' && s[q] <= '9') {
			isfloat = 1;
			p = q;
			while (p < d->srclen && s[p] >= '0' && s[p] <= '9')
				p++;
		}
	}
	if (p - start > UINT32_MAX) {
		seterr(d, "number too long at byte %zu", start);
		return -1;
	}
	d->pos = p;
	if (new_node(d, isfloat ? N_FLOAT : N_INT, idx) == -1)
		return -1;
	n = &d->nodes[*idx];
	n->off = start;
	n->len = p - start;
	if (isfloat) {
		if (pyfloat_parse((const char *)s + start, n->len,
		    &n->u.d) == -1) {
			d->nomem = 1;
			return -1;
		}
		return 0;
	}
	if (s[start] == '-')
		start++;
	nd = p - start;
	if (nd == 1 && s[start] == '0')
		n->flags |= NF_ZERO;
	else if (nd > 19 || (nd == 19 && memcmp(s + start, s[n->off] == '-' ?
	    "9223372036854775808" : "9223372036854775807", 19) > 0))
		n->flags |= NF_LONG;
	return 0;
}

static int
match_word(struct doc *d, const char *w)
{
	size_t	 n = strlen(w);

	if (d->srclen - d->pos < n || memcmp(d->src + d->pos, w, n) != 0)
		return 0;
	d->pos += n;
	return 1;
}

/*
 * Insert n keys in order into an emulated CPython 2.7 dict. first[i] gets
 * the index of the first key equal to key i; order[] the indexes of the
 * distinct keys in iteration (slot) order. Returns the distinct count, or
 * -1 when out of memory.
 */
static ssize_t
pydict(struct doc *d, const struct dkey *k, size_t n, size_t *order,
    size_t *first)
{
	size_t	 mask = 7, used = 0, i, j, slot, perturb, e, nsize, *t;

	if (grow((void **)&d->tab, &d->tabcap, 8, sizeof(size_t),
	    &d->nomem) == -1)
		return -1;
	memset(d->tab, 0, 8 * sizeof(size_t));
	for (i = 0; i < n; i++) {
		slot = k[i].hash & mask;
		perturb = k[i].hash;
		for (;;) {
			/* Slots hold key index + 1; 0 is free. */
			if ((e = d->tab[slot & mask]) == 0)
				break;
			if (k[e - 1].hash == k[i].hash &&
			    k[e - 1].len == k[i].len &&
			    memcmp(k[e - 1].s, k[i].s, k[i].len) == 0)
				break;
			slot = (slot << 2) + slot + perturb + 1;
			perturb >>= 5;
		}
		if (e != 0) {
			first[i] = e - 1;
			continue;
		}
		d->tab[slot & mask] = i + 1;
		first[i] = i;
		used++;
		if (used * 3 < (mask + 1) * 2)
			continue;
		/* dictresize(): smallest power of two > 4 * used. */
		nsize = 8;
		while (nsize <= (used > 50000 ? 2 : 4) * used)
			nsize <<= 1;
		if (grow((void **)&d->tab2, &d->tab2cap, nsize,
		    sizeof(size_t), &d->nomem) == -1)
			return -1;
		memset(d->tab2, 0, nsize * sizeof(size_t));
		for (j = 0; j <= mask; j++) {
			if ((e = d->tab[j]) == 0)
				continue;
			slot = k[e - 1].hash & (nsize - 1);
			perturb = k[e - 1].hash;
			while (d->tab2[slot & (nsize - 1)] != 0) {
				slot = (slot << 2) + slot + perturb + 1;
				perturb >>= 5;
			}
			d->tab2[slot & (nsize - 1)] = e;
		}
		t = d->tab;
		d->tab = d->tab2;
		d->tab2 = t;
		e = d->tabcap;
		d->tabcap = d->tab2cap;
		d->tab2cap = e;
		mask = nsize - 1;
	}
	for (i = 0, j = 0; i <= mask; i++)
		if (d->tab[i] != 0)
			order[j++] = d->tab[i] - 1;
	return (ssize_t)j;
}

static int parse_value(struct doc *, size_t *);

/* Close an object whose members are stack[base..] as (key, value) pairs. */
static int
close_object(struct doc *d, size_t base, size_t idx)
{
	size_t	 n = (d->nstack - base) / 2, i, per, *order, *first;
	size_t	*pairs = d->stack + base, *out;
	struct dkey *k;
	struct node *kn;
	ssize_t	 nu;

	if (n == 0) {	/* {}: nothing to order, arrays may be NULL */
		d->nodes[idx].off = d->nkids;
		d->nodes[idx].len = 0;
		return 0;
	}
	/* tmp: n dkeys, then order[n], first[n]. */
	if (grow((void **)&d->tmp, &d->tmpcap, n * (sizeof(*k) /
	    sizeof(size_t) + 2) + 1, sizeof(size_t), &d->nomem) == -1)
		return -1;
	k = (struct dkey *)d->tmp;
	order = d->tmp + n * (sizeof(*k) / sizeof(size_t));
	first = order + n;
	for (i = 0; i < n; i++) {
		kn = &d->nodes[pairs[2 * i]];
		k[i].hash = kn->u.hash;
		k[i].s = sdata(d, kn);
		k[i].len = kn->len;
	}
	if ((nu = pydict(d, k, n, order, first)) == -1)
		return -1;
	/* The last value of a repeated key lands in its first slot. */
	for (i = 0; i < n; i++)
		if (first[i] != i)
			pairs[2 * first[i] + 1] = pairs[2 * i + 1];
	per = d->insorder ? 4 : 2;
	if (grow((void **)&d->kids, &d->kidcap, d->nkids + per * (size_t)nu,
	    sizeof(size_t), &d->nomem) == -1)
		return -1;
	out = d->kids + d->nkids;
	for (i = 0; i < (size_t)nu; i++) {
		*out++ = pairs[2 * order[i]];
		*out++ = pairs[2 * order[i] + 1];
	}
	for (i = 0; d->insorder && i < n; i++) {
		if (first[i] != i)
			continue;
		*out++ = pairs[2 * i];
		*out++ = pairs[2 * i + 1];
	}
	d->nodes[idx].off = d->nkids;
	d->nodes[idx].len = nu;
	d->nkids += per * (size_t)nu;
	d->nstack = base;
	return 0;
}

static int
parse_container(struct doc *d, size_t *idx, int isobj)
{
	size_t	 base = d->nstack, k, v, n;
	char	 close = isobj ? '}' : ']';

	if (++d->depth > FLATTEN_MAX_DEPTH) {
		seterr(d, "nesting deeper than %d", FLATTEN_MAX_DEPTH);
		return -1;
	}
	if (new_node(d, isobj ? N_OBJ : N_ARR, idx) == -1)
		return -1;
	d->pos++;
	skip_ws(d);
	if (d->pos < d->srclen && d->src[d->pos] == close)
		d->pos++;
	else {
		for (;;) {
			skip_ws(d);
			if (isobj) {
				if (d->pos >= d->srclen ||
				    d->src[d->pos] != '"')
					return badjson(d);
				if (parse_string(d, &k, 1) == -1 ||
				    push(d, k) == -1)
					return -1;
				skip_ws(d);
				if (d->pos >= d->srclen ||
				    d->src[d->pos] != ':')
					return badjson(d);
				d->pos++;
			}
			if (parse_value(d, &v) == -1 || push(d, v) == -1)
				return -1;
			skip_ws(d);
			if (d->pos >= d->srclen)
				return badjson(d);
			if (d->src[d->pos] == close) {
				d->pos++;
				break;
			}
			if (d->src[d->pos] != ',')
				return badjson(d);
			d->pos++;
		}
	}
	d->depth--;
	if (isobj)
		return close_object(d, base, *idx);
	n = d->nstack - base;
	if (n > UINT32_MAX) {
		seterr(d, "array too long at byte %zu", d->pos);
		return -1;
	}
	if (grow((void **)&d->kids, &d->kidcap, d->nkids + n,
	    sizeof(size_t), &d->nomem) == -1)
		return -1;
	if (n > 0)	/* the arrays may still be NULL */
		memcpy(d->kids + d->nkids, d->stack + base,
		    n * sizeof(size_t));
	d->nodes[*idx].off = d->nkids;
	d->nodes[*idx].len = n;
	d->nkids += n;
	d->nstack = base;
	return 0;
}

static int
parse_value(struct doc *d, size_t *idx)
{
	int	 c;

	skip_ws(d);
	if (d->pos >= d->srclen)
		return badjson(d);
	c = d->src[d->pos];
	if (c == '{' || c == '[')
		return parse_container(d, idx, c == '{');
	if (c == '"')
		return parse_string(d, idx, 0);
	if (c == '-' || (c >= '0' && c <= '9')) {
		/* Python's json also reads -Infinity. */
		if (match_word(d, "-Infinity")) {
			if (new_node(d, N_FLOAT, idx) == -1)
				return -1;
			d->nodes[*idx].u.d = -INFINITY;
			return 0;
		}
		return parse_number(d, idx);
	}
	if (match_word(d, "true"))
		return new_node(d, N_TRUE, idx);
	if (match_word(d, "false"))
		return new_node(d, N_FALSE, idx);
	if (match_word(d, "null"))
		return new_node(d, N_NULL, idx);
	if (match_word(d, "NaN") || match_word(d, "Infinity")) {
		if (new_node(d, N_FLOAT, idx) == -1)
			return -1;
		d->nodes[*idx].u.d = d->src[d->pos - 1] == 'N' ? NAN :
		    INFINITY;
		return 0;
	}
	return badjson(d);
}

/* ---------------------------------------------------------------- */
/* Value helpers */

/* Value of key (exact bytes) in object o, or (size_t)-1. */
static size_t
obj_get(const struct doc *d, const struct node *o, const char *key)
{
	size_t	 i, klen = strlen(key);
	const size_t *p = d->kids + o->off;
	const struct node *k;

	for (i = 0; i < o->len; i++) {
		k = &d->nodes[p[2 * i]];
		if (k->len == klen && memcmp(sdata(d, k), key, klen) == 0)
			return p[2 * i + 1];
	}
	return (size_t)-1;
}

static int
key_is(const struct doc *d, size_t k, const char *key)
{
	const struct node *n = &d->nodes[k];
	size_t	 klen = strlen(key);

	return n->len == klen && memcmp(sdata(d, n), key, klen) == 0;
}

/* An int's text as Python prints it: "-0" is 0. */
static void
int_text(struct buf *b, const struct doc *d, const struct node *n)
{
	if (n->flags & NF_ZERO)
		buf_addc(b, '0');
	else
		buf_add(b, d->src + n->off, n->len);
}

/* Python's truth value. */
static int
truthy(const struct node *n)
{
	switch (n->type) {
	case N_NULL:
	case N_FALSE:
		return 0;
	case N_TRUE:
		return 1;
	case N_INT:
		return !(n->flags & NF_ZERO);
	case N_FLOAT:
		return n->u.d != 0.0;
	default:
		return n->len != 0;
	}
}

/* ---------------------------------------------------------------- */
/* The flat format: str() at top level, repr() inside */

/*
 * A top-level string or key: the text itself, except what would break the
 * line (LF, CR, NUL) and lone surrogates (not valid UTF-8) as escapes.
 */
static void
flat_text(struct buf *b, const struct doc *d, const struct node *n)
{
	const unsigned char *s = (const unsigned char *)sdata(d, n);
	size_t	 i = 0, run = 0, l;
	uint32_t c;

	if (n->flags & NF_PLAIN) {
		buf_add(b, s, n->len);
		return;
	}
	while (i < n->len) {
		l = cp_next(s + i, &c);
		if (c == '\n' || c == '\r' || c == 0 ||
		    (c >= 0xd800 && c <= 0xdfff)) {
			buf_add(b, s + run, i - run);
			if (c == '\n')
				buf_adds(b, "\\n");
			else if (c == '\r')
				buf_adds(b, "\\r");
			else if (c == 0)
				buf_adds(b, "\\x00");
			else
				buf_esc(b, 'u', c, 4);
			run = i + l;
		}
		i += l;
	}
	buf_add(b, s + run, i - run);
}

/* Python 2 repr(unicode). */
static void
repr_str(struct buf *b, const struct doc *d, const struct node *n)
{
	const unsigned char *s = (const unsigned char *)sdata(d, n);
	char	 q = (n->flags & NF_SQ) && !(n->flags & NF_DQ) ? '"' : '\'';
	size_t	 i = 0, l;
	uint32_t c;

	buf_addc(b, 'u');
	buf_addc(b, q);
	if ((n->flags & NF_PLAIN) && !(n->flags & (q == '"' ? NF_DQ : NF_SQ)))
		buf_add(b, s, n->len);
	else {
		while (i < n->len) {
			l = cp_next(s + i, &c);
			if (c == (uint32_t)q || c == '\\') {
				buf_addc(b, '\\');
				buf_addc(b, c);
			} else if (c >= 0x10000)
				buf_esc(b, 'U', c, 8);
			else if (c >= 0x100)
				buf_esc(b, 'u', c, 4);
			else if (c == '\t')
				buf_adds(b, "\\t");
			else if (c == '\n')
				buf_adds(b, "\\n");
			else if (c == '\r')
				buf_adds(b, "\\r");
			else if (c < 0x20 || c >= 0x7f)
				buf_esc(b, 'x', c, 2);
			else
				buf_addc(b, c);
			i += l;
		}
	}
	buf_addc(b, q);
}

static void
repr_value(struct buf *b, const struct doc *d, size_t idx)
{
	const struct node *n = &d->nodes[idx];
	const size_t *p = d->kids + n->off;
	size_t	 i;

	switch (n->type) {
	case N_NULL:
		buf_adds(b, "None");
		break;
	case N_FALSE:
		buf_adds(b, "False");
		break;
	case N_TRUE:
		buf_adds(b, "True");
		break;
	case N_INT:
		int_text(b, d, n);
		if (n->flags & NF_LONG)
			buf_addc(b, 'L');
		break;
	case N_FLOAT:
		float_repr(b, n->u.d);
		break;
	case N_STR:
		repr_str(b, d, n);
		break;
	case N_ARR:
		buf_addc(b, '[');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			repr_value(b, d, p[i]);
		}
		buf_addc(b, ']');
		break;
	case N_OBJ:
		buf_addc(b, '{');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			repr_str(b, d, &d->nodes[p[2 * i]]);
			buf_adds(b, ": ");
			repr_value(b, d, p[2 * i + 1]);
		}
		buf_addc(b, '}');
		break;
	}
}

static void
flat_line(struct buf *b, const struct doc *d, const struct node *rec)
{
	const size_t *p = d->kids + rec->off;
	const struct node *k, *v;
	size_t	 i;

	buf_adds(b, "\"AmazonAWS\":");
	for (i = 0; i < rec->len; i++) {
		if (i)
			buf_addc(b, ',');
		k = &d->nodes[p[2 * i]];
		v = &d->nodes[p[2 * i + 1]];
		/*
		 * Most members are a plain key and a plain string standing
		 * as "k":"v" in the source (the value starts 3 bytes after
		 * the key, so nothing is between): the line holds exactly
		 * those bytes, so copy them in one piece.
		 */
		if (v->type == N_STR && (k->flags & v->flags & NF_PLAIN) &&
		    !((k->flags | v->flags) & NF_COPY) &&
		    v->off == k->off + k->len + 3) {
			buf_add(b, d->src + k->off - 1, k->len + v->len + 5);
			continue;
		}
		buf_addc(b, '"');
		flat_text(b, d, k);
		buf_adds(b, "\":\"");
		switch (v->type) {
		case N_STR:
			flat_text(b, d, v);
			break;
		case N_INT:
			int_text(b, d, v);
			break;
		case N_FLOAT:
			float_str(b, v->u.d);
			break;
		default:
			repr_value(b, d, p[2 * i + 1]);
			break;
		}
		buf_addc(b, '"');
	}
	buf_addc(b, '\n');
}

/* ---------------------------------------------------------------- */
/* JSON output (Python's json.dumps with ensure_ascii) */

static void
json_bytes(struct buf *b, const char *str, size_t len, int plain)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t	 i = 0, l, run = 0;
	uint32_t c;

	buf_addc(b, '"');
	if (plain) {
		buf_add(b, s, len);
		buf_addc(b, '"');
		return;
	}
	while (i < len) {
		l = cp_next(s + i, &c);
		if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') {
			i += l;
			continue;
		}
		buf_add(b, s + run, i - run);
		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\b': buf_adds(b, "\\b"); break;
		case '\f': buf_adds(b, "\\f"); break;
		default:
			if (c >= 0x10000) {
				c -= 0x10000;
				buf_esc(b, 'u', 0xd800 | (c >> 10), 4);
				buf_esc(b, 'u', 0xdc00 | (c & 0x3ff), 4);
			} else
				buf_esc(b, 'u', c, 4);
		}
		i += l;
		run = i;
	}
	buf_add(b, s + run, i - run);
	buf_addc(b, '"');
}

static void
json_str(struct buf *b, const struct doc *d, const struct node *n)
{
	json_bytes(b, sdata(d, n), n->len,
	    (n->flags & NF_PLAIN) && !(n->flags & NF_DQ));
}

/*
 * A float as json.dumps writes it. Python writes NaN/Infinity, which
 * are not JSON; wazuh mode (strict) writes them as strings instead.
 */
static void
json_float(struct buf *b, double v, int strict)
{
	if (isfinite(v)) {
		float_repr(b, v);
		return;
	}
	if (strict)
		buf_addc(b, '"');
	buf_adds(b, isnan(v) ? "NaN" : v < 0 ? "-Infinity" : "Infinity");
	if (strict)
		buf_addc(b, '"');
}

/*
 * json.dumps of a value. py3 selects Python 3's dict order (insertion)
 * over Python 2.7's, and strict JSON for non-finite floats.
 */
static void
json_value(struct buf *b, const struct doc *d, size_t idx, int py3)
{
	const struct node *n = &d->nodes[idx];
	const size_t *p = d->kids + n->off;
	size_t	 i;

	switch (n->type) {
	case N_NULL:
		buf_adds(b, "null");
		break;
	case N_FALSE:
		buf_adds(b, "false");
		break;
	case N_TRUE:
		buf_adds(b, "true");
		break;
	case N_INT:
		int_text(b, d, n);
		break;
	case N_FLOAT:
		json_float(b, n->u.d, py3);
		break;
	case N_STR:
		json_str(b, d, n);
		break;
	case N_ARR:
		buf_addc(b, '[');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			json_value(b, d, p[i], py3);
		}
		buf_addc(b, ']');
		break;
	case N_OBJ:
		if (py3)
			p += 2 * n->len;
		buf_addc(b, '{');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			json_str(b, d, &d->nodes[p[2 * i]]);
			buf_adds(b, ": ");
			json_value(b, d, p[2 * i + 1], py3);
		}
		buf_addc(b, '}');
		break;
	}
}

static uint64_t
ascii_hash(const char *s)
{
	size_t	 n = strlen(s), i;
	uint64_t h;

	if (n == 0)
		return 0;
	h = (uint64_t)(unsigned char)s[0] << 7;
	for (i = 0; i < n; i++)
		h = (1000003 * h) ^ (unsigned char)s[i];
	h ^= n;
	return h == UINT64_MAX ? h - 1 : h;
}

#define LOGFILE	((size_t)-1)	/* "value" of the added log_file key */

/*
 * The script's last -j: json.dumps({"aws": truthy fields + log_file,
 * "srcip": ..., "user": ...}), every dict in Python 2.7 order.
 */
static int
json_line(struct buf *b, struct doc *d, const struct node *rec,
    const char *basename)
{
	const size_t *p = d->kids + rec->off;
	struct dkey *k = NULL, ok[3];
	size_t	*val = NULL, *order = NULL, *first = NULL, n = 0, i;
	size_t	 srcip = (size_t)-1, user = (size_t)-1, ui, oorder[3], ofirst[3];
	const char *okeys[3];
	ssize_t	 nu, no;
	int	 rc = -1;

	k = calloc(rec->len + 1, sizeof(*k));
	val = calloc(rec->len + 1, sizeof(*val));
	order = calloc(rec->len + 1, sizeof(*order));
	first = calloc(rec->len + 1, sizeof(*first));
	if (k == NULL || val == NULL || order == NULL || first == NULL) {
		d->nomem = 1;
		goto out;
	}
	for (i = 0; i < rec->len; i++) {
		const struct node *kn = &d->nodes[p[2 * i]];

		if (!truthy(&d->nodes[p[2 * i + 1]]))
			continue;
		k[n].hash = kn->u.hash;
		k[n].s = sdata(d, kn);
		k[n].len = kn->len;
		val[n++] = p[2 * i + 1];
		if (key_is(d, p[2 * i], "sourceIPAddress"))
			srcip = p[2 * i + 1];
	}
	k[n].hash = ascii_hash("log_file");
	k[n].s = "log_file";
	k[n].len = strlen("log_file");
	val[n++] = LOGFILE;
	if ((nu = pydict(d, k, n, order, first)) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (first[i] != i)
			val[first[i]] = val[i];
	if ((ui = obj_get(d, rec, "userIdentity")) != (size_t)-1 &&
	    d->nodes[ui].type == N_OBJ)
		user = obj_get(d, &d->nodes[ui], "userName");

	/* The outer dict: "aws", then "srcip" and "user" when present. */
	no = 0;
	okeys[no++] = "aws";
	if (srcip != (size_t)-1)
		okeys[no++] = "srcip";
	if (user != (size_t)-1)
		okeys[no++] = "user";
	for (i = 0; i < (size_t)no; i++) {
		ok[i].hash = ascii_hash(okeys[i]);
		ok[i].s = okeys[i];
		ok[i].len = strlen(okeys[i]);
	}
	if ((no = pydict(d, ok, no, oorder, ofirst)) == -1)
		goto out;

	buf_addc(b, '{');
	for (i = 0; i < (size_t)no; i++) {
		const char *ks = okeys[oorder[i]];
		size_t	 j;

		if (i)
			buf_adds(b, ", ");
		json_bytes(b, ks, strlen(ks), 1);
		buf_adds(b, ": ");
		if (strcmp(ks, "srcip") == 0)
			json_value(b, d, srcip, 0);
		else if (strcmp(ks, "user") == 0)
			json_value(b, d, user, 0);
		else {
			buf_addc(b, '{');
			for (j = 0; j < (size_t)nu; j++) {
				const struct dkey *kk = &k[order[j]];

				if (j)
					buf_adds(b, ", ");
				json_bytes(b, kk->s, kk->len, 0);
				buf_adds(b, ": ");
				if (val[order[j]] == LOGFILE)
					json_bytes(b, basename,
					    strlen(basename), 0);
				else
					json_value(b, d, val[order[j]], 0);
			}
			buf_addc(b, '}');
		}
	}
	buf_adds(b, "}\n");
	rc = 0;
 out:
	free(k);
	free(val);
	free(order);
	free(first);
	return rc;
}

/* ---------------------------------------------------------------- */
/* The wazuh format: Wazuh's aws-s3 module (Python 3) event for a record */

/*
 * Python 3's str.isprintable(), approximated without Unicode tables: the
 * C0/C1 controls, the soft hyphen, the space separators other than
 * ' ', line/paragraph separators, common format characters, surrogates
 * and private use are not printable; every other code point is.
 */
static int
py3_printable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad)
		return 0;
	if (c == 0x1680 || (c >= 0x2000 && c <= 0x200f) ||
	    (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f) ||
	    c == 0x3000 || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
	    (c >= 0x600 && c <= 0x605) || c == 0x61c || c == 0x6dd ||
	    c == 0x70f || c == 0x180e)
		return 0;
	if ((c >= 0xd800 && c <= 0xf8ff) || c >= 0xf0000 ||
	    (c >= 0xe0000 && c <= 0xe007f))
		return 0;
	return 1;
}

static void
py3_repr_str(struct buf *b, const struct doc *d, const struct node *n)
{
	const unsigned char *s = (const unsigned char *)sdata(d, n);
	char	 q = (n->flags & NF_SQ) && !(n->flags & NF_DQ) ? '"' : '\'';
	size_t	 i = 0, l;
	uint32_t c;

	buf_addc(b, q);
	while (i < n->len) {
		l = cp_next(s + i, &c);
		if (c == (uint32_t)q || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, c);
		} else if (c == '\t')
			buf_adds(b, "\\t");
		else if (c == '\n')
			buf_adds(b, "\\n");
		else if (c == '\r')
			buf_adds(b, "\\r");
		else if (py3_printable(c))
			buf_add(b, s + i, l);
		else if (c < 0x100)
			buf_esc(b, 'x', c, 2);
		else if (c < 0x10000)
			buf_esc(b, 'u', c, 4);
		else
			buf_esc(b, 'U', c, 8);
		i += l;
	}
	buf_addc(b, q);
}

/* Python 3 str() (top) or repr() of a value. */
static void
py3_str(struct buf *b, const struct doc *d, size_t idx, int top)
{
	const struct node *n = &d->nodes[idx];
	const size_t *p = d->kids + n->off;
	size_t	 i;

	switch (n->type) {
	case N_NULL:
		buf_adds(b, "None");
		break;
	case N_FALSE:
		buf_adds(b, "False");
		break;
	case N_TRUE:
		buf_adds(b, "True");
		break;
	case N_INT:
		int_text(b, d, n);
		break;
	case N_FLOAT:
		float_repr(b, n->u.d);
		break;
	case N_STR:
		if (top)
			buf_add(b, sdata(d, n), n->len);
		else
			py3_repr_str(b, d, n);
		break;
	case N_ARR:
		buf_addc(b, '[');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			py3_str(b, d, p[i], 0);
		}
		buf_addc(b, ']');
		break;
	case N_OBJ:
		p += 2 * n->len;
		buf_addc(b, '{');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			py3_repr_str(b, d, &d->nodes[p[2 * i]]);
			buf_adds(b, ": ");
			py3_str(b, d, p[2 * i + 1], 0);
		}
		buf_addc(b, '}');
		break;
	}
}

/*
 * A value after the module's reformatting. raw: it came out of a
 * one-element list, which the module neither cleans nor reduces further.
 * Otherwise a dict drops its null members and turns its one-element list
 * members into their element, recursively. dat: this is requestParameters,
 * whose boolean disableApiTermination becomes {"value": bool}.
 */
static void
wz_value(struct buf *b, const struct doc *d, size_t idx, int raw, int dat)
{
	const struct node *n = &d->nodes[idx], *v;
	const size_t *p = d->kids + n->off + 2 * n->len;
	size_t	 i, vi;
	int	 vraw, any = 0;

	if (n->type != N_OBJ || (raw && !dat)) {
		json_value(b, d, idx, 1);
		return;
	}
	buf_addc(b, '{');
	for (i = 0; i < n->len; i++) {
		vi = p[2 * i + 1];
		v = &d->nodes[vi];
		vraw = raw;
		if (!raw) {
			if (v->type == N_NULL)
				continue;
			if (v->type == N_ARR && v->len == 1) {
				vi = d->kids[v->off];
				v = &d->nodes[vi];
				vraw = 1;
			}
		}
		if (any++)
			buf_adds(b, ", ");
		json_str(b, d, &d->nodes[p[2 * i]]);
		buf_adds(b, ": ");
		if (dat && key_is(d, p[2 * i], "disableApiTermination") &&
		    (v->type == N_TRUE || v->type == N_FALSE)) {
			buf_adds(b, "{\"value\": ");
			json_value(b, d, vi, 1);
			buf_addc(b, '}');
		} else
			wz_value(b, d, vi, vraw, 0);
	}
	buf_addc(b, '}');
}

enum wzkind { WZ_NODE, WZ_LOGINFO, WZ_LIT, WZ_WRAPSTR, WZ_WRAPVAL, WZ_REQP };

struct wzent {
	const char	*k;
	size_t		 klen;
	int		 kind;
	size_t		 node;
	int		 raw;
	const char	*lit;
	size_t		 litlen;
};

/* Set key k of the aws dict (Python: keeps an existing key's slot). */
static struct wzent *
wz_set(struct wzent *e, size_t *n, const char *k, size_t klen)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (e[i].klen == klen && memcmp(e[i].k, k, klen) == 0)
			return &e[i];
	memset(&e[*n], 0, sizeof(e[*n]));
	e[*n].k = k;
	e[*n].klen = klen;
	return &e[(*n)++];
}

static struct wzent *
wz_find(struct wzent *e, size_t n, const char *k)
{
	size_t	 i, klen = strlen(k);

	for (i = 0; i < n; i++)
		if (e[i].klen == klen && memcmp(e[i].k, k, klen) == 0)
			return &e[i];
	return NULL;
}

/* re.match(r'\d+\.\d+.\d+.\d+', s), \d as ASCII digits. */
static int
ip_match(const unsigned char *s, size_t len, size_t i, int step)
{
	/* d: \d+ (greedy, backtracking), '.': a dot, a: any but newline */
	static const char pat[] = "d.dadad";
	uint32_t c;
	size_t	 j;

	if (pat[step] == '\0')
		return 1;
	if (pat[step] == 'd') {
		for (j = i; j < len && s[j] >= '0' && s[j] <= '9'; j++)
			;
		/* Greedy with backtracking. */
		for (; j > i; j--)
			if (ip_match(s, len, j, step + 1))
				return 1;
		return 0;
	}
	if (i >= len)
		return 0;
	if (pat[step] == '.')
		return s[i] == '.' && ip_match(s, len, i + 1, step + 1);
	if (s[i] == '\n')
		return 0;
	return ip_match(s, len, i + cp_next(s + i, &c), step + 1);
}

static int
looks_ipv4(const struct doc *d, const struct node *n)
{
	const unsigned char *s = (const unsigned char *)sdata(d, n);

	return n->type == N_STR && ip_match(s, n->len, 0, 0);
}

/*
 * The account the module files a key under: the component after
 * "AWSLogs/" (after "AWSLogs/o-ORG/" for an organization trail) when it is
 * 12 digits.
 */
static int
key_account(const char *key, const char **acct)
{
	const char *p = key, *c;
	int	 tries, i;

	while ((p = strstr(p, "AWSLogs/")) != NULL) {
		c = p + strlen("AWSLogs/");
		for (tries = 0; tries < 2; tries++) {
			for (i = 0; i < 12 && c[i] >= '0' && c[i] <= '9'; i++)
				;
			if (i == 12 && c[12] == '/') {
				*acct = c;
				return 1;
			}
			if ((c = strchr(c, '/')) == NULL)
				break;
			c++;
		}
		p++;
	}
	return 0;
}

static int
wazuh_line(struct buf *b, struct buf *tmp, const struct doc *d,
    const struct node *rec, const struct flatten_meta *m)
{
	const size_t *p = d->kids + rec->off + 2 * rec->len;
	struct wzent *e = NULL, *x, *ent;
	const struct node *v;
	const char *acct = "";
	size_t	 n = 0, i, vi, acctlen = 0, ai;
	int	 vraw;
	static const char *wrap[] = { "additionalEventData",
	    "responseElements", "requestParameters" };

	if ((e = calloc(rec->len + 6, sizeof(*e))) == NULL)
		return -1;
	x = wz_set(e, &n, "log_info", strlen("log_info"));
	x->kind = WZ_LOGINFO;
	for (i = 0; i < rec->len; i++) {
		const struct node *kn = &d->nodes[p[2 * i]];

		vi = p[2 * i + 1];
		v = &d->nodes[vi];
		vraw = 0;
		if (key_is(d, p[2 * i], "source")) {
			/* dict(record, source=...) keeps the slot. */
			x = wz_set(e, &n, sdata(d, kn), kn->len);
			x->kind = WZ_LIT;
			x->lit = "cloudtrail";
			x->litlen = strlen(x->lit);
			continue;
		}
		if (v->type == N_NULL)
			continue;
		if (v->type == N_ARR && v->len == 1) {
			vi = d->kids[v->off];
			vraw = 1;
		}
		x = wz_set(e, &n, sdata(d, kn), kn->len);
		x->kind = WZ_NODE;
		x->node = vi;
		x->raw = vraw;
	}
	if (wz_find(e, n, "source") == NULL) {
		x = wz_set(e, &n, "source", strlen("source"));
		x->kind = WZ_LIT;
		x->lit = "cloudtrail";
		x->litlen = strlen(x->lit);
	}
	if (m->key != NULL && key_account(m->key, &acct))
		acctlen = 12;
	else if ((ai = obj_get(d, rec, "recipientAccountId")) != (size_t)-1 &&
	    d->nodes[ai].type == N_STR) {
		acct = sdata(d, &d->nodes[ai]);
		acctlen = d->nodes[ai].len;
	}
	x = wz_set(e, &n, "aws_account_id", strlen("aws_account_id"));
	x->kind = WZ_LIT;
	x->lit = acct;
	x->litlen = acctlen;

	if ((ent = wz_find(e, n, "sourceIPAddress")) != NULL &&
	    ent->kind == WZ_NODE && looks_ipv4(d, &d->nodes[ent->node])) {
		vi = ent->node;
		vraw = ent->raw;
		x = wz_set(e, &n, "source_ip_address",
		    strlen("source_ip_address"));
		x->kind = WZ_NODE;
		x->node = vi;
		x->raw = vraw;
	}
	if ((ent = wz_find(e, n, "tags")) != NULL && ent->kind == WZ_NODE &&
	    d->nodes[ent->node].type != N_OBJ)
		ent->kind = WZ_WRAPVAL;
	for (i = 0; i < sizeof(wrap) / sizeof(wrap[0]); i++)
		if ((ent = wz_find(e, n, wrap[i])) != NULL &&
		    ent->kind == WZ_NODE &&
		    d->nodes[ent->node].type != N_OBJ)
			ent->kind = WZ_WRAPSTR;
	if ((ent = wz_find(e, n, "requestParameters")) != NULL &&
	    ent->kind == WZ_NODE)
		ent->kind = WZ_REQP;

	buf_adds(b, "{\"integration\": \"aws\", \"aws\": {");
	for (i = 0; i < n; i++) {
		x = &e[i];
		if (i)
			buf_adds(b, ", ");
		json_bytes(b, x->k, x->klen, 0);
		buf_adds(b, ": ");
		switch (x->kind) {
		case WZ_NODE:
			wz_value(b, d, x->node, x->raw, 0);
			break;
		case WZ_REQP:
			wz_value(b, d, x->node, x->raw, 1);
			break;
		case WZ_LOGINFO:
			buf_adds(b, "{\"aws_account_alias\": \"\", "
			    "\"log_file\": ");
			json_bytes(b, m->key ? m->key : "",
			    m->key ? strlen(m->key) : 0, 0);
			buf_adds(b, ", \"s3bucket\": ");
			json_bytes(b, m->bucket ? m->bucket : "",
			    m->bucket ? strlen(m->bucket) : 0, 0);
			buf_addc(b, '}');
			break;
		case WZ_LIT:
			json_bytes(b, x->lit, x->litlen, 0);
			break;
		case WZ_WRAPVAL:
			buf_adds(b, "{\"value\": ");
			wz_value(b, d, x->node, x->raw, 0);
			buf_addc(b, '}');
			break;
		case WZ_WRAPSTR:
			tmp->len = 0;
			py3_str(tmp, d, x->node, 1);
			buf_adds(b, "{\"string\": ");
			if (tmp->nomem)
				b->nomem = 1;
			else
				json_bytes(b, tmp->p, tmp->len, 0);
			buf_addc(b, '}');
			break;
		}
	}
	buf_adds(b, "}}\n");
	free(e);
	return 0;
}

/* ---------------------------------------------------------------- */

static int
flush(struct buf *b, flatten_write_fn write, void *arg, size_t *done,
    size_t *pending)
{
	if (b->len != 0 && write(arg, b->p, b->len) == -1)
		return -1;
	b->len = 0;
	*done += *pending;
	*pending = 0;
	return 0;
}

int
flatten_document(enum flatten_format fmt, const char *doc, size_t len,
    const struct flatten_meta *meta, flatten_write_fn write, void *arg,
    size_t *nrecords, char *err, size_t errlen)
{
	static const struct flatten_meta nometa = { "", "", "" };
	struct doc d;
	struct buf out, tmp;
	const struct node *top, *recs, *rec;
	size_t	 root, ri, i, done = 0, pending = 0;
	const char *basename;
	int	 rc = FLATTEN_ENOMEM;

	memset(&d, 0, sizeof(d));
	memset(&out, 0, sizeof(out));
	memset(&tmp, 0, sizeof(tmp));
	if (nrecords != NULL)
		*nrecords = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (meta == NULL)
		meta = &nometa;
	basename = meta->basename != NULL ? meta->basename : "";
	d.src = (const unsigned char *)doc;
	d.srclen = len;
	d.err = err;
	d.errlen = errlen;
	d.insorder = fmt == FLATTEN_WAZUH;

	/* Decoded strings never outgrow their source text. */
	if ((d.str = malloc(len + 1)) == NULL)
		goto out;
	/*
	 * Real records take about 16 bytes of text per value and 8 per
	 * kids entry: reserve that much, so that the arrays seldom grow
	 * (each growth copies them). Memory never written is never touched.
	 * None of the arrays is left NULL, even for "{}": code that walks an
	 * empty object's members takes kids + 0 and stack + 0, undefined on
	 * a NULL pointer (found by fuzzing).
	 */
	if (grow((void **)&d.nodes, &d.nodecap, len / NODE_TEXT + 1,
	    sizeof(*d.nodes), &d.nomem) == -1 ||
	    grow((void **)&d.kids, &d.kidcap, len / KIDS_TEXT + 1,
	    sizeof(*d.kids), &d.nomem) == -1 ||
	    grow((void **)&d.stack, &d.stackcap, 1, sizeof(size_t),
	    &d.nomem) == -1)
		goto out;
	for (d.runend = len; d.runend > 0 &&
	    strclass[d.src[d.runend - 1]] == SC_RUN; d.runend--)
		;
	if (parse_value(&d, &root) == -1)
		goto bad;
	skip_ws(&d);
	if (d.pos != d.srclen) {
		badjson(&d);
		goto bad;
	}
	top = &d.nodes[root];
	if (top->type != N_OBJ) {
		seterr(&d, "top-level value is not an object");
		goto bad;
	}
	if ((ri = obj_get(&d, top, "Records")) == (size_t)-1) {
		rc = FLATTEN_OK;
		goto out;
	}
	recs = &d.nodes[ri];
	if (recs->type != N_ARR) {
		seterr(&d, "Records is not an array");
		goto bad;
	}
	for (i = 0; i < recs->len; i++)
		if (d.nodes[d.kids[recs->off + i]].type != N_OBJ) {
			seterr(&d, "Records[%zu] is not an object", i);
			goto bad;
		}

	for (i = 0; i < recs->len; i++) {
		rec = &d.nodes[d.kids[recs->off + i]];
		if (fmt == FLATTEN_JSON) {
			if (json_line(&out, &d, rec, basename) == -1)
				goto out;
		} else if (fmt == FLATTEN_WAZUH) {
			if (wazuh_line(&out, &tmp, &d, rec, meta) == -1)
				goto out;
		} else
			flat_line(&out, &d, rec);
		if (out.nomem || tmp.nomem)
			goto out;
		pending++;
		if (out.len >= FLUSH_AT &&
		    flush(&out, write, arg, &done, &pending) == -1) {
			rc = FLATTEN_EWRITE;
			goto out;
		}
	}
	if (flush(&out, write, arg, &done, &pending) == -1) {
		rc = FLATTEN_EWRITE;
		goto out;
	}
	rc = FLATTEN_OK;
	goto out;
 bad:
	rc = d.nomem ? FLATTEN_ENOMEM : FLATTEN_EBADDOC;
 out:
	if (nrecords != NULL)
		*nrecords = done;
	free(d.nodes);
	free(d.str);
	free(d.kids);
	free(d.stack);
	free(d.tab);
	free(d.tab2);
	free(d.tmp);
	free(out.p);
	free(tmp.p);
	return rc;
}

int
flatten_format_parse(const char *name)
{
	if (strcmp(name, "flat") == 0)
		return FLATTEN_FLAT;
	if (strcmp(name, "json") == 0)
		return FLATTEN_JSON;
	if (strcmp(name, "wazuh") == 0)
		return FLATTEN_WAZUH;
	return -1;
}
