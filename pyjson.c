/* SPDX-License-Identifier: ISC */
/*
 * pyjson.c - a CloudTrail document read as Python 2.7's json.load read it,
 * in pieces, one record at a time (see pyjson.h).
 *
 * Two readers of one grammar. The scanner (scan()) follows the whole
 * document byte by byte with a few words of state: it validates it, finds
 * the top-level "Records" keys and the start of each record, and is the
 * one that words every complaint ("invalid JSON at byte N"). The tree
 * parser (parse_tree()) builds a record from contiguous text, fast; it
 * only says yes or no. At a record's start the tree parser tries the
 * piece at hand; when the record does not end in it (or is bad), the
 * scanner takes the record from its first byte, copying it aside, and the
 * tree parser builds it from the copy once the scanner has seen it end.
 * So every message comes from the scanner and means the same whatever the
 * cuts; the fuzz targets check that the two accept the same language.
 */

#include <sys/types.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pyfloat.h"
#include "pyjson.h"
#include "util.h"

/*
 * Keys repeat (every record has the same few dozen), and their Python hash
 * is a serial multiply per character: remember the hash of recent keys.
 * The cache holds copies of the keys, so it is right for any document: one
 * for the process (getawslog has one thread), warm from object to object.
 */
#define KEYCACHE_BITS	10
#define KEYCACHE	(1 << KEYCACHE_BITS)
#define KEY_CACHED	32	/* longer keys are hashed every time */

struct keyhash {
	uint64_t	 hash;
	uint32_t	 len;		/* 0: empty entry */
	unsigned char	 s[KEY_CACHED];
};

/* Scanner states; those between tokens come first, up to S_AFTER. */
enum {
	S_VALUE,	/* a value is expected */
	S_ARR_FIRST,	/* after '[': a value or ']' */
	S_OBJ_FIRST,	/* after '{': a key or '}' */
	S_KEY,		/* after ',' in an object: a key */
	S_COLON,	/* after a key */
	S_AFTER,	/* after a value */
	S_STR,		/* in a string */
	S_ESC,		/* after its '\' */
	S_HEX,		/* in \uXXXX */
	S_UTF8,		/* in a multi-byte UTF-8 sequence */
	S_MINUS,	/* after a number's '-' */
	S_ZERO,		/* a number's leading 0 */
	S_INT,		/* its integer digits */
	S_DOT,		/* after its '.' */
	S_FRAC,		/* its fraction digits */
	S_E,		/* after its 'e' */
	S_ESIGN,	/* after the exponent's sign */
	S_EXP,		/* its exponent digits */
	S_LIT		/* in true, false, null, NaN, Infinity, -Infinity */
};

/* What the current "Records" is, when it is no array of objects. */
enum { RECS_OK, RECS_NOT_ARRAY, RECS_NOT_OBJECT };

/* How scan() stopped. */
enum { SCAN_MORE, SCAN_RECORD, SCAN_RECORD_END, SCAN_ERROR };

/* A container the tree parser has open. */
struct pj_frame {
	size_t		 idx;		/* its node */
	size_t		 base;		/* its members from stack[base] */
	uint64_t	 sig;		/* the object's around it, so far */
	int		 isobj;
};

struct pj_stream {
	int		(*on_record)(void *, const struct pj_tree *, size_t);
	int		(*on_records)(void *);
	void		*arg;
	int		 insorder;	/* keep objects' insertion order */
	int		 rc;		/* 0, or the sticky PJ_E* */
	char		 err[PJ_ERR_MAX];

	/* The scanner. */
	int		 state;
	int		 depth;		/* open containers */
	/* Bit d: the container at depth d+1 is an object. */
	uint64_t	 isobj[(PJ_MAX_DEPTH + 63) / 64];
	uint64_t	 off;		/* document offset of the piece */
	uint64_t	 at;		/* where a failing token began */
	int		 iskey;		/* the string is an object key */
	int		 kcmp;		/* ... of the top object: compare it */
	int		 kmatch;	/* "Records" matched so far, or -1 */
	int		 hexn;		/* \u digits read */
	int		 utf8n;		/* continuation bytes to come */
	uint32_t	 cp, cpmin;	/* the sequence's code point so far */
	const char	*lit;		/* the literal being matched */
	int		 litn;		/* bytes of it matched */
	int		 top_obj;	/* the top-level value is an object */
	int		 recs_key;	/* the member being read is "Records" */
	int		 recs_seen;
	int		 in_recs;	/* depth 2 is the last Records array */
	int		 recs_bad;	/* RECS_* */
	size_t		 nelem, bad_elem;

	/* A record cut by a piece boundary, scanned into carry. */
	int		 copying;
	uint64_t	 rec_start;	/* document offset of its '{' */
	size_t		 values;	/* keys and values scanned in it */
	unsigned char	*carry;
	size_t		 carrylen, carrycap;

	/* The tree parser. */
	const unsigned char *src;	/* the record's first byte */
	size_t		 srclen, pos;
	size_t		 runend;	/* 1 + offset of src's last stop byte */
	int		 tdepth;	/* depth of the record's parent */
	struct pj_frame	*frames;	/* open containers */
	size_t		 nframes, framecap;
	int		 nomem;
	struct pj_node	*nodes;
	size_t		 nnodes, nodecap;
	size_t		 nodelim;	/* nodecap, at most PJ_RECORD_VALUES */
	char		*str;		/* decoded strings that had escapes */
	size_t		 strcap;
	size_t		*kids;
	size_t		 nkids, kidcap;
	size_t		*stack;		/* children of open containers */
	size_t		 nstack, stackcap;
	struct pj_dict	 dict;
	size_t		*tmp;		/* per-object scratch */
	size_t		 tmpcap;
};

static struct keyhash	keycache[KEYCACHE];

static void seterr(struct pj_stream *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- */
/* Memory */

/* util_grow, its test for room kept inline: some callers are hot. */
static inline int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	return need <= *cap ? 0 : util_grow(p, cap, need, size);
}

/* ---------------------------------------------------------------- */
/* Strings */

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

/*
 * The first byte of a UTF-8 sequence as Python 2.7's codec took it: how
 * many bytes follow (-1: not a lead byte), the code point's first bits and
 * its least value (below it, the form is overlong). Encoded surrogates are
 * let through; values past U+10FFFF are not.
 */
static int
utf8_lead(int c, uint32_t *cp, uint32_t *min)
{
	if (c >= 0xc2 && c <= 0xdf) {
		*cp = c & 0x1f;
		*min = 0x80;
		return 1;
	}
	if (c >= 0xe0 && c <= 0xef) {
		*cp = c & 0x0f;
		*min = 0x800;
		return 2;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		*cp = c & 0x07;
		*min = 0x10000;
		return 3;
	}
	return -1;
}

uint64_t
pj_hash(const unsigned char *s, size_t len)
{
	size_t	 i, ncp = 0;
	uint64_t h;
	uint32_t c;

	if (len == 0)
		return 0;
	pj_cp_next(s, &c);
	h = (uint64_t)c << 7;
	for (i = 0; i < len; ncp++) {
		if (s[i] < 0x80)
			c = s[i++];
		else
			i += pj_cp_next(s + i, &c);
		h = (1000003 * h) ^ c;
	}
	h ^= ncp;
	return h == UINT64_MAX ? h - 1 : h;
}

/*
 * A cached key t (KEY_CACHED bytes, zeros after its len) is s[0..len),
 * where avail bytes can be read from s: with 32 of them, two vector
 * compares and no call.
 */
static inline int
key_eq(const unsigned char *t, const unsigned char *s, size_t len,
    size_t avail)
{
#if defined(__SSE2__) && KEY_CACHED == 32
	if (avail >= 32) {
		__m128i	 a0, a1, b0, b1;
		uint32_t eq, want;

		a0 = _mm_loadu_si128((const __m128i *)(const void *)t);
		a1 = _mm_loadu_si128((const __m128i *)(const void *)(t + 16));
		b0 = _mm_loadu_si128((const __m128i *)(const void *)s);
		b1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
		eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a0, b0)) |
		    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a1, b1)) << 16;
		want = (uint32_t)(((uint64_t)1 << len) - 1);	/* len <= 32 */
		return (eq & want) == want;
	}
#else
	(void)avail;
#endif
	return memcmp(t, s, len) == 0;
}

/* pj_hash through the cache of recent keys; avail as for key_eq. */
static inline uint64_t
key_hash(const unsigned char *s, size_t len, size_t avail)
{
	struct keyhash *e;
	uint32_t x;

	if (len == 0 || len > KEY_CACHED)
		return pj_hash(s, len);
	/* Fibonacci hashing of the length and three of the bytes. */
	x = (uint32_t)len ^ (uint32_t)s[0] << 8 ^ (uint32_t)s[len / 2] << 16 ^
	    (uint32_t)s[len - 1] << 24;
	e = &keycache[(uint32_t)(x * 0x9e3779b1u) >> (32 - KEYCACHE_BITS)];
	if (e->len == len && key_eq(e->s, s, len, avail))
		return e->hash;
	e->hash = pj_hash(s, len);
	e->len = (uint32_t)len;
	memset(e->s, 0, sizeof(e->s));
	memcpy(e->s, s, len);
	return e->hash;
}

/* ---------------------------------------------------------------- */
/* CPython 2.7's dict */

/*
 * Objects repeat their keys (userIdentity, sessionContext, a record of
 * one kind of call): remember the order of recent key sets. The order a
 * CPython 2.7 dict iterates depends on the keys' hashes alone when no two
 * of them are equal (equality is only asked of keys whose hashes are), so
 * a set whose hashes were all distinct is kept by its hash sequence, and
 * the same sequence later gets the same order without the table. Like
 * keycache, one for the process, warm from object to object (and shared
 * by every pj_dict: what it holds is true of any).
 */
#define DORDER_KEYS	32
#define DORDER_SLOTS	256

struct pj_dorder {
	uint64_t	 sig;
	uint32_t	 n;		/* 0: empty */
	uint64_t	 hash[DORDER_KEYS];
	uint8_t		 order[DORDER_KEYS];
};

static struct pj_dorder	dorder[DORDER_SLOTS];

static uint64_t
dorder_sig(const struct pj_dkey *k, size_t n)
{
	uint64_t sig = n;
	size_t	 i;

	for (i = 0; i < n; i++)
		sig = (sig ^ k[i].hash) * 0x100000001b3ULL;
	return sig ^ sig >> 29;
}

/* A remembered order of k[0..n) into order and first: n, or 0. */
static size_t
dorder_get(const struct pj_dkey *k, size_t n, uint64_t sig, size_t *order,
    size_t *first)
{
	const struct pj_dorder *e = &dorder[sig % DORDER_SLOTS];
	size_t	 i;

	if (e->n != n || e->sig != sig)
		return 0;
	for (i = 0; i < n; i++)
		if (e->hash[i] != k[i].hash)
			return 0;
	for (i = 0; i < n; i++) {
		order[i] = e->order[i];
		first[i] = i;
	}
	return n;
}

static void
dorder_put(const struct pj_dkey *k, size_t n, uint64_t sig,
    const size_t *order)
{
	struct pj_dorder *e = &dorder[sig % DORDER_SLOTS];
	size_t	 i;

	e->sig = sig;
	e->n = (uint32_t)n;
	for (i = 0; i < n; i++) {
		e->hash[i] = k[i].hash;
		e->order[i] = (uint8_t)order[i];
	}
}

/* CPython 2.7's dictresize(): the table grows to hold used keys. */
static int
dict_resize(struct pj_dict *dt, const struct pj_dkey *k, size_t used,
    size_t *mask)
{
	size_t	 nsize = 8, j, slot, perturb, e, *t;

	/* The smallest power of two > 4 * used. */
	while (nsize <= (used > 50000 ? 2 : 4) * used)
		nsize <<= 1;
	if (grow((void **)&dt->tab2, &dt->tab2cap, nsize,
	    sizeof(size_t)) == -1)
		return -1;
	memset(dt->tab2, 0, nsize * sizeof(size_t));
	for (j = 0; j <= *mask; j++) {
		if ((e = dt->tab[j]) == 0)
			continue;
		slot = k[e - 1].hash & (nsize - 1);
		perturb = k[e - 1].hash;
		while (dt->tab2[slot & (nsize - 1)] != 0) {
			slot = (slot << 2) + slot + perturb + 1;
			perturb >>= 5;
		}
		dt->tab2[slot & (nsize - 1)] = e;
	}
	t = dt->tab;
	dt->tab = dt->tab2;
	dt->tab2 = t;
	e = dt->tabcap;
	dt->tabcap = dt->tab2cap;
	dt->tab2cap = e;
	*mask = nsize - 1;
	return 0;
}

ssize_t
pj_dict_order(struct pj_dict *dt, const struct pj_dkey *k, size_t n,
    size_t *order, size_t *first)
{
	size_t	 mask = 7, used = 0, i, j, slot, perturb, e;
	uint64_t sig = 0;
	int	 asked = 0;	/* an equality was asked: no caching */

	if (n <= DORDER_KEYS) {
		sig = dorder_sig(k, n);
		if (n > 0 && dorder_get(k, n, sig, order, first) == n)
			return (ssize_t)n;
	}
	if (grow((void **)&dt->tab, &dt->tabcap, 8, sizeof(size_t)) == -1)
		return -1;
	memset(dt->tab, 0, 8 * sizeof(size_t));
	for (i = 0; i < n; i++) {
		slot = k[i].hash & mask;
		perturb = k[i].hash;
		for (;;) {
			/* Slots hold key index + 1; 0 is free. */
			if ((e = dt->tab[slot & mask]) == 0)
				break;
			if (k[e - 1].hash == k[i].hash) {
				asked = 1;
				if (k[e - 1].len == k[i].len && memcmp(k[e - 1].s,
				    k[i].s, k[i].len) == 0)
					break;
			}
			slot = (slot << 2) + slot + perturb + 1;
			perturb >>= 5;
		}
		if (e != 0) {
			first[i] = e - 1;
			continue;
		}
		dt->tab[slot & mask] = i + 1;
		first[i] = i;
		used++;
		if (used * 3 >= (mask + 1) * 2 &&
		    dict_resize(dt, k, used, &mask) == -1)
			return -1;
	}
	for (i = 0, j = 0; i <= mask; i++)
		if (dt->tab[i] != 0)
			order[j++] = dt->tab[i] - 1;
	if (n <= DORDER_KEYS && !asked)
		dorder_put(k, n, sig, order);
	return (ssize_t)j;
}

void
pj_dict_free(struct pj_dict *dt)
{
	free(dt->tab);
	free(dt->tab2);
	memset(dt, 0, sizeof(*dt));
}

/* ---------------------------------------------------------------- */
/* The tree parser: one record from src[0..srclen), yes or no */

/* Called for every value: the capacity test stays here, grow() seldom. */
static inline int
new_node(struct pj_stream *p, int type, size_t *idx)
{
	struct pj_node *n;

	if (p->nnodes >= p->nodelim) {
		if (p->nnodes >= PJ_RECORD_VALUES)
			return -1;	/* the scanner will say so */
		if (grow((void **)&p->nodes, &p->nodecap, p->nnodes + 1,
		    sizeof(*p->nodes)) == -1) {
			p->nomem = 1;
			return -1;
		}
		p->nodelim = p->nodecap < PJ_RECORD_VALUES ? p->nodecap :
		    PJ_RECORD_VALUES;
	}
	*idx = p->nnodes;
	n = &p->nodes[p->nnodes++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	return 0;
}

static inline int
push(struct pj_stream *p, size_t v)
{
	if (p->nstack == p->stackcap && grow((void **)&p->stack,
	    &p->stackcap, p->nstack + 1, sizeof(*p->stack)) == -1) {
		p->nomem = 1;
		return -1;
	}
	p->stack[p->nstack++] = v;
	return 0;
}

/*
 * The hot half of the tree parser (parse_tree and what it inlines) keeps
 * its position in a local, passed in and returned (BAD: no good), not in
 * p->pos: every store of a node or a stack slot may alias the stream's
 * fields, which the compiler would then read again from memory.
 */
#define BAD	SIZE_MAX

/* CloudTrail writes no whitespace: a byte above ' ' returns at once. */
static inline size_t
skip_ws(const unsigned char *s, size_t pos, size_t len)
{
	if (pos < len && s[pos] > ' ')
		return pos;
	while (pos < len && (s[pos] == ' ' || s[pos] == '\t' ||
	    s[pos] == '\n' || s[pos] == '\r'))
		pos++;
	return pos;
}

static int
hex4(const struct pj_stream *p, size_t at, uint32_t *v)
{
	size_t	 i;
	int	 h;

	*v = 0;
	if (p->srclen - at < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = util_hexval(p->src[at + i])) == -1)
			return -1;
		*v = *v << 4 | (uint32_t)h;
	}
	return 0;
}

/* One raw UTF-8 sequence at src[*r], as Python 2.7's codec decoded it. */
static int
utf8_in(const struct pj_stream *p, size_t *r, uint32_t *cp)
{
	const unsigned char *s = p->src + *r;
	uint32_t c, min;
	int	 n, i;

	if ((n = utf8_lead(s[0], &c, &min)) == -1 ||
	    p->srclen - *r < (size_t)n + 1)
		return -1;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff)
		return -1;
	*cp = c;
	*r += (size_t)n + 1;
	return 0;
}

/*
 * What a string byte asks of the parser: SC_RUN bytes (printable ASCII
 * other than the three below) need no decoding and leave the string plain;
 * everything else ends a run: '"', '\\', controls (an error), 0x7f and up
 * (not plain; 0x80 and up start UTF-8) and ' (sets PJ_SQ).
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

#if defined(__SSE2__)
/*
 * Skip SC_RUN bytes 16 at a time while 16 remain before end: the offset
 * of the first stop byte, or where fewer than 16 bytes are left. Each
 * byte plus one, as signed, is under 0x21 for the controls, DEL (0x80)
 * and 0x80 up (negative; 0xff wraps to 0): one addition and one
 * comparison find them all.
 */
static inline size_t
skip_run(const unsigned char *s, size_t r, size_t end)
{
	const __m128i one = _mm_set1_epi8(1), lim = _mm_set1_epi8(0x21);
	const __m128i dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i sq = _mm_set1_epi8('\'');
	__m128i	 v, m;
	int	 bits;

	while (end - r >= 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + r));
		/* Byte + 1, signed, under 0x21: a control, DEL or 0x80 up. */
		m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(_mm_add_epi8(v,
		    one), lim), _mm_cmpeq_epi8(v, dq)), _mm_or_si128(
		    _mm_cmpeq_epi8(v, bs), _mm_cmpeq_epi8(v, sq)));
		if ((bits = _mm_movemask_epi8(m)) != 0)
			return r + (size_t)__builtin_ctz((unsigned)bits);
		r += 16;
	}
	return r;
}
#else
static inline size_t
skip_run(const unsigned char *s, size_t r, size_t end)
{
	while (r < end && strclass[s[r]] == SC_RUN)
		r++;
	return r;
}
#endif

/* 1 + the offset of the last stop byte in s[0..len), 0 if none. */
static size_t
run_end(const unsigned char *s, size_t len)
{
	while (len > 0 && strclass[s[len - 1]] == SC_RUN)
		len--;
	return len;
}

/* A one-letter JSON escape's byte (\" \\ \/ \b \f \n \r \t), or -1. */
static inline int
simple_escape(int ch)
{
	switch (ch) {
	case '"': case '\\': case '/':
		return ch;
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return -1;
	}
}

/*
 * The escape at src[*r] (its backslash): the code point in *c, *r past
 * it. A \u high surrogate followed by a \u low one joins them; a lone
 * surrogate stays as it is.
 */
static inline int
unescape(struct pj_stream *p, size_t *rp, uint32_t *cp)
{
	const unsigned char *s = p->src;
	size_t	 r = *rp;
	uint32_t c, c2;
	int	 ch;

	if (r + 1 >= p->srclen)
		return -1;
	ch = s[r + 1];
	r += 2;
	if (ch == 'u') {
		if (hex4(p, r, &c) == -1)
			return -1;
		r += 4;
		if (c >= 0xd800 && c <= 0xdbff &&
		    p->srclen - r >= 6 && s[r] == '\\' && s[r + 1] == 'u' &&
		    hex4(p, r + 2, &c2) == 0 &&
		    c2 >= 0xdc00 && c2 <= 0xdfff) {
			c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
			r += 6;
		}
	} else if ((ch = simple_escape(ch)) == -1)
		return -1;
	else
		c = (uint32_t)ch;
	*rp = r;
	*cp = c;
	return 0;
}

/*
 * A string at src[pos] (the opening quote), decoded into a new node; with
 * iskey, its Python hash too (values never need one).
 *
 * A string without escapes (nearly all) is left where it is in the source.
 * At its first escape, the text so far is copied to the same offset in
 * str, and the rest of the string is decoded there (decoded text never
 * outgrows its source). w is the decoded length's end, as an offset.
 */
static int
parse_string_slow(struct pj_stream *p, size_t *idx, int iskey)
{
	const unsigned char *s = p->src;
	unsigned char *t = (unsigned char *)p->str;
	struct pj_node *n;
	size_t	 start, r, r0, w, len;
	uint32_t c;
	int	 flags = PJ_PLAIN, ch, esc;

	start = r = w = p->pos + 1;
	for (;;) {
		r0 = r;
		r = skip_run(s, r, p->srclen);
		/* Before src's last stop byte, the table alone ends a run. */
		if (r < p->runend)
			while (strclass[s[r]] == SC_RUN)
				r++;
		else
			while (r < p->srclen && strclass[s[r]] == SC_RUN)
				r++;
		if (r > r0) {
			if (flags & PJ_COPY)
				memcpy(t + w, s + r0, r - r0);
			w += r - r0;
		}
		if (r >= p->srclen)
			return -1;
		ch = s[r];
		if (ch == '"') {
			r++;
			break;
		}
		if (ch < 0x20)
			return -1;
		/* \" after the first escape (JSON in a string): the common one. */
		if (ch == '\\' && (flags & PJ_COPY) && r + 1 < p->srclen &&
		    s[r + 1] == '"') {
			t[w++] = '"';
			flags |= PJ_DQ;
			r += 2;
			continue;
		}
		esc = ch == '\\';
		if (esc) {
			if (unescape(p, &r, &c) == -1)
				return -1;
		} else if (ch >= 0x80) {
			if (utf8_in(p, &r, &c) == -1)
				return -1;
		} else {
			c = ch;
			r++;
		}
		if (c < 0x20 || c > 0x7e || c == '\\')
			flags &= ~PJ_PLAIN;
		if (c == '\'')
			flags |= PJ_SQ;
		if (c == '"')
			flags |= PJ_DQ;
		/* Raw text decodes to its own bytes: only escapes copy. */
		if (esc && !(flags & PJ_COPY)) {
			memcpy(t + start, s + start, w - start);
			flags |= PJ_COPY;
		}
		if (flags & PJ_COPY)
			w += put_cp(t + w, c);
		else
			w = r;
	}
	p->pos = r;
	if (new_node(p, PJ_STR, idx) == -1)
		return -1;
	n = &p->nodes[*idx];
	n->flags = flags;
	n->off = start;
	n->len = (uint32_t)(len = w - start);
	n->u.hash = iskey ? key_hash((const unsigned char *)
	    (flags & PJ_COPY ? p->str : (const char *)s) + start, len,
	    flags & PJ_COPY ? len : p->srclen - start) : 0;
	return 0;
}

/*
 * The same, fast for nearly every string: plain bytes up to the quote,
 * found 16 at a time. Anything else (an escape, a quote ', DEL, UTF-8, a
 * fault) goes to parse_string_slow from the start.
 */
static inline size_t
parse_string(struct pj_stream *p, size_t pos, size_t *idx, int iskey)
{
	const unsigned char *s = p->src;
	struct pj_node *n;
	size_t	 len = p->srclen, start = pos + 1, r;

	/* The vector finds the stop byte itself; the table only the tail. */
	r = skip_run(s, start, len);
	if (len - r < 16)
		while (r < len && strclass[s[r]] == SC_RUN)
			r++;
	if (r >= len || s[r] != '"') {
		p->pos = pos;
		return parse_string_slow(p, idx, iskey) == -1 ? BAD : p->pos;
	}
	if (new_node(p, PJ_STR, idx) == -1)
		return BAD;
	n = &p->nodes[*idx];
	/* close_object makes a key's hash, if it must */
	n->flags = iskey ? PJ_PLAIN | PJ_UNHASHED : PJ_PLAIN;
	n->off = start;
	n->len = (uint32_t)(r - start);
	return r + 1;
}

/* Python's json number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? */
static int
parse_number(struct pj_stream *p, size_t *idx)
{
	const unsigned char *s = p->src;
	size_t	 q = p->pos, start = p->pos, nd, e;
	int	 isfloat = 0;
	struct pj_node *n;

	if (q < p->srclen && s[q] == '-')
		q++;
	if (q >= p->srclen || s[q] < '0' || s[q] > '9')
		return -1;
	if (s[q] == '0')
		q++;
	else
		while (q < p->srclen && s[q] >= '0' && s[q] <= '9')
			q++;
	if (q + 1 < p->srclen && s[q] == '.' && s[q + 1] >= '0' &&
	    s[q + 1] <= '9') {
		isfloat = 1;
		q++;
		while (q < p->srclen && s[q] >= '0' && s[q] <= '9')
			q++;
	}
	if (q < p->srclen && (s[q] == 'e' || s[q] == 'E')) {
		e = q + 1;
		if (e < p->srclen && (s[e] == '+' || s[e] == '-'))
			e++;
		if (e < p->srclen && s[e] >= '0' && s[e] <= '9') {
			isfloat = 1;
			q = e;
			while (q < p->srclen && s[q] >= '0' && s[q] <= '9')
				q++;
		}
	}
	p->pos = q;
	if (new_node(p, isfloat ? PJ_FLOAT : PJ_INT, idx) == -1)
		return -1;
	n = &p->nodes[*idx];
	n->off = start;
	n->len = (uint32_t)(q - start);
	if (isfloat) {
		if (pyfloat_parse((const char *)s + start, n->len,
		    &n->u.d) == -1) {
			p->nomem = 1;
			return -1;
		}
		return 0;
	}
	if (s[start] == '-')
		start++;
	nd = q - start;
	if (nd == 1 && s[start] == '0')
		n->flags |= PJ_ZERO;
	else if (nd > 19 || (nd == 19 && memcmp(s + start, s[n->off] == '-' ?
	    "9223372036854775808" : "9223372036854775807", 19) > 0))
		n->flags |= PJ_LONG;
	return 0;
}

static int
match_word(struct pj_stream *p, const char *w)
{
	size_t	 n = strlen(w);

	if (p->srclen - p->pos < n || memcmp(p->src + p->pos, w, n) != 0)
		return 0;
	p->pos += n;
	return 1;
}

/*
 * Objects repeat their keys in the same order (every record's
 * userIdentity, one kind of call's requestParameters): the keys' hashes
 * and dict order of recent objects, kept with the keys' text and checked
 * against it, so an object seen before costs a compare per key, not a
 * hash and a dict. One for the process, like keycache. Objects with a key
 * over KEY_CACHED bytes or decoded from escapes are not kept.
 */
#define OCACHE_KEYS	32
#define OCACHE_SLOTS	128

struct ocache {
	uint64_t	 sig;
	uint32_t	 n;		/* 0: empty */
	uint32_t	 nu;
	uint8_t		 len[OCACHE_KEYS];
	uint8_t		 order[OCACHE_KEYS], first[OCACHE_KEYS];
	uint64_t	 hash[OCACHE_KEYS];
	unsigned char	 text[OCACHE_KEYS][KEY_CACHED];	/* zeros after */
};

static struct ocache	ocache[OCACHE_SLOTS];

/*
 * An object's signature (its keys' lengths and first bytes, and their
 * number), made as its keys are read: OSIG_SEED, then ocache_mix for each
 * key, then ocache_sig. OSIG_NONE: a key the cache cannot hold (it had
 * escapes, or is longer than KEY_CACHED), so the object is not kept.
 */
#define OSIG_SEED	0x6a09e667f3bcc908ULL
#define OSIG_NONE	0

static inline uint64_t
ocache_mix(const struct pj_stream *p, const struct pj_node *kn, uint64_t sig)
{
	uint64_t w;
	size_t	 j, m;

	if (sig == OSIG_NONE || (kn->flags & PJ_COPY) || kn->len > KEY_CACHED)
		return OSIG_NONE;
	m = kn->len < 8 ? kn->len : 8;
	if (p->srclen - kn->off >= 8) {
		/* One load (any byte order: a hash), past len masked. */
		memcpy(&w, p->src + kn->off, 8);
		if (m < 8)
			w &= ((uint64_t)1 << (8 * m)) - 1;
	} else
		for (w = 0, j = 0; j < m; j++)
			w |= (uint64_t)p->src[kn->off + j] << (8 * j);
	sig = (sig ^ w ^ (uint64_t)kn->len << 56) * 0x100000001b3ULL;
	return sig == OSIG_NONE ? 1 : sig;
}

/* The signature of an object of n keys mixed into sig, or OSIG_NONE. */
static inline uint64_t
ocache_sig(uint64_t sig, size_t n)
{
	if (sig == OSIG_NONE || n > OCACHE_KEYS)
		return OSIG_NONE;
	sig = (sig ^ n) * 0x100000001b3ULL;
	sig ^= sig >> 31;
	return sig == OSIG_NONE ? 1 : sig;
}

/* The cached hashes, order and first of the object: nu, or -1. */
static ssize_t
ocache_get(struct pj_stream *p, const size_t *pairs, size_t n, uint64_t sig,
    size_t *order, size_t *first)
{
	const struct ocache *e = &ocache[sig % OCACHE_SLOTS];
	struct pj_node *kn;
	size_t	 i;

	if (e->n != n || e->sig != sig)
		return -1;
	/*
	 * A key whose text is the entry's has the entry's hash: it is given
	 * it at once, even when a later key then differs (the object is then
	 * ordered without the cache, these keys already hashed).
	 */
	for (i = 0; i < n; i++) {
		kn = &p->nodes[pairs[2 * i]];
		if (e->len[i] != kn->len || !key_eq(e->text[i], p->src +
		    kn->off, kn->len, p->srclen - kn->off))
			return -1;
		kn->u.hash = e->hash[i];
		kn->flags &= ~PJ_UNHASHED;
		first[i] = e->first[i];
	}
	for (i = 0; i < e->nu; i++)
		order[i] = e->order[i];
	return (ssize_t)e->nu;
}

static void
ocache_put(const struct pj_dkey *k, size_t n, uint64_t sig,
    const size_t *order, const size_t *first, size_t nu)
{
	struct ocache *e = &ocache[sig % OCACHE_SLOTS];
	size_t	 i;

	e->sig = sig;
	e->n = (uint32_t)n;
	e->nu = (uint32_t)nu;
	for (i = 0; i < n; i++) {
		e->len[i] = (uint8_t)k[i].len;
		memset(e->text[i], 0, sizeof(e->text[i]));
		memcpy(e->text[i], k[i].s, k[i].len);
		e->hash[i] = k[i].hash;
		e->first[i] = (uint8_t)first[i];
	}
	for (i = 0; i < nu; i++)
		e->order[i] = (uint8_t)order[i];
}

/*
 * The keys' hashes into k, and their dict order: nu, or -1 (memory). sig:
 * the object's signature (ocache_sig), OSIG_NONE if it cannot be kept.
 */
static ssize_t
object_order(struct pj_stream *p, const size_t *pairs, size_t n,
    uint64_t sig, struct pj_dkey *k, size_t *order, size_t *first)
{
	struct pj_node *kn;
	ssize_t	 nu;
	size_t	 i;
	int	 ok = sig != OSIG_NONE;

	if (ok && (nu = ocache_get(p, pairs, n, sig, order, first)) != -1)
		return nu;
	for (i = 0; i < n; i++) {
		kn = &p->nodes[pairs[2 * i]];
		k[i].s = (kn->flags & PJ_COPY ? p->str :
		    (const char *)p->src) + kn->off;
		k[i].len = kn->len;
		if (kn->flags & PJ_UNHASHED) {
			kn->u.hash = key_hash((const unsigned char *)k[i].s,
			    kn->len, p->srclen - kn->off);
			kn->flags &= ~PJ_UNHASHED;
		}
		k[i].hash = kn->u.hash;
	}
	if ((nu = pj_dict_order(&p->dict, k, n, order, first)) != -1 && ok)
		ocache_put(k, n, sig, order, first, (size_t)nu);
	return nu;
}

/*
 * Close an object whose members are stack[base..] as (key, value) pairs;
 * sig as its keys made it (ocache_mix).
 */
static int
close_object(struct pj_stream *p, size_t base, size_t idx, uint64_t sig)
{
	size_t	 n = (p->nstack - base) / 2, i, per, *order, *first;
	size_t	*pairs = p->stack + base, *out;
	struct pj_dkey *k;
	ssize_t	 nu;

	if (n == 0) {	/* {}: nothing to order, arrays may be NULL */
		p->nodes[idx].off = p->nkids;
		p->nodes[idx].len = 0;
		return 0;
	}
	/* tmp: n dkeys, then order[n], first[n]. */
	if (grow((void **)&p->tmp, &p->tmpcap, n * (sizeof(*k) /
	    sizeof(size_t) + 2) + 1, sizeof(size_t)) == -1) {
		p->nomem = 1;
		return -1;
	}
	k = (struct pj_dkey *)p->tmp;
	order = p->tmp + n * (sizeof(*k) / sizeof(size_t));
	first = order + n;
	if ((nu = object_order(p, pairs, n, ocache_sig(sig, n), k, order,
	    first)) == -1) {
		p->nomem = 1;
		return -1;
	}
	/* The last value of a repeated key lands in its first slot. */
	for (i = 0; (size_t)nu < n && i < n; i++)
		if (first[i] != i)
			pairs[2 * first[i] + 1] = pairs[2 * i + 1];
	per = p->insorder ? 4 : 2;
	if (grow((void **)&p->kids, &p->kidcap, p->nkids + per * (size_t)nu,
	    sizeof(size_t)) == -1) {
		p->nomem = 1;
		return -1;
	}
	out = p->kids + p->nkids;
	for (i = 0; i < (size_t)nu; i++) {
		*out++ = pairs[2 * order[i]];
		*out++ = pairs[2 * order[i] + 1];
	}
	for (i = 0; p->insorder && i < n; i++) {
		if (first[i] != i)
			continue;
		*out++ = pairs[2 * i];
		*out++ = pairs[2 * i + 1];
	}
	p->nodes[idx].off = p->nkids;
	p->nodes[idx].len = (uint32_t)nu;
	p->nkids += per * (size_t)nu;
	p->nstack = base;
	return 0;
}

/* An array whose elements are stack[base..] closes. */
static int
close_array(struct pj_stream *p, size_t base, size_t idx)
{
	size_t	 n = p->nstack - base;

	if (grow((void **)&p->kids, &p->kidcap, p->nkids + n,
	    sizeof(size_t)) == -1) {
		p->nomem = 1;
		return -1;
	}
	if (n > 0)	/* the arrays may still be NULL */
		memcpy(p->kids + p->nkids, p->stack + base,
		    n * sizeof(size_t));
	p->nodes[idx].off = p->nkids;
	p->nodes[idx].len = (uint32_t)n;
	p->nkids += n;
	p->nstack = base;
	return 0;
}

/* A value other than a string or a container, at src[p->pos]. */
static int
parse_other(struct pj_stream *p, int c, size_t *idx)
{
	if (c == '-' || (c >= '0' && c <= '9')) {
		/* Python's json also reads -Infinity. */
		if (match_word(p, "-Infinity")) {
			if (new_node(p, PJ_FLOAT, idx) == -1)
				return -1;
			p->nodes[*idx].u.d = -INFINITY;
			return 0;
		}
		return parse_number(p, idx);
	}
	if (match_word(p, "true"))
		return new_node(p, PJ_TRUE, idx);
	if (match_word(p, "false"))
		return new_node(p, PJ_FALSE, idx);
	if (match_word(p, "null"))
		return new_node(p, PJ_NULL, idx);
	if (match_word(p, "NaN") || match_word(p, "Infinity")) {
		if (new_node(p, PJ_FLOAT, idx) == -1)
			return -1;
		p->nodes[*idx].u.d = p->src[p->pos - 1] == 'N' ? NAN :
		    INFINITY;
		return 0;
	}
	return -1;
}

/* A value that is no container, at src[pos]: its node into *idx. */
static inline size_t
parse_scalar(struct pj_stream *p, int c, size_t pos, size_t *idx)
{
	if (c == '"')
		return parse_string(p, pos, idx, 0);
	p->pos = pos;
	return parse_other(p, c, idx) == -1 ? BAD : p->pos;
}

/*
 * An object's key and its ':', at src[pos] after whitespace; the key mixed
 * into the object's signature *sig.
 */
static inline size_t
parse_key(struct pj_stream *p, size_t pos, uint64_t *sig)
{
	const unsigned char *s = p->src;
	size_t	 len = p->srclen, k;

	pos = skip_ws(s, pos, len);
	if (pos >= len || s[pos] != '"' ||
	    (pos = parse_string(p, pos, &k, 1)) == BAD || push(p, k) == -1)
		return BAD;
	*sig = ocache_mix(p, &p->nodes[k], *sig);
	/* CloudTrail's ':' follows the key at once. */
	if (pos < len && s[pos] == ':')
		return pos + 1;
	pos = skip_ws(s, pos, len);
	if (pos >= len || s[pos] != ':')
		return BAD;
	return pos + 1;
}

/*
 * The value at src[pos] (a record: depth starts at p->tdepth), its root
 * node into *root. Containers open and close on an explicit stack of
 * frames (never C recursion: PJ_MAX_DEPTH may be a thousand), their
 * members on p->stack as in Python's json. A state machine: the labels
 * are its states (a value expected, a key expected, a value just made).
 * parse_key has the one call site, under key: (the compiler inlines it
 * there; with two it did not, and a call per key cost 5% of the flat
 * format's instructions).
 */
static int
parse_tree(struct pj_stream *p, size_t *root)
{
	const unsigned char *s = p->src;
	struct pj_frame *f;
	size_t	 len = p->srclen, pos = p->pos, v;
	uint64_t sig = OSIG_NONE;	/* the innermost open object's */
	int	 c, inobj = 0;	/* the innermost open container's kind */

	p->nframes = 0;
 value:
	pos = skip_ws(s, pos, len);
	if (pos >= len)
		return -1;
	c = s[pos];
	if (c != '{' && c != '[') {
		if ((pos = parse_scalar(p, c, pos, &v)) == BAD)
			return -1;
		goto made;
	}
	if (p->tdepth + (int)p->nframes >= PJ_MAX_DEPTH || new_node(p,
	    c == '{' ? PJ_OBJ : PJ_ARR, &v) == -1)
		return -1;
	if (p->nframes == p->framecap && grow((void **)&p->frames,
	    &p->framecap, p->nframes + 1, sizeof(*p->frames)) == -1) {
		p->nomem = 1;
		return -1;
	}
	f = &p->frames[p->nframes++];
	f->idx = v;
	f->base = p->nstack;
	f->sig = sig;
	f->isobj = inobj = c == '{';
	sig = OSIG_SEED;
	pos = skip_ws(s, pos + 1, len);
	if (pos < len && s[pos] == (inobj ? '}' : ']')) {
		pos++;
		goto close;
	}
	if (!inobj)
		goto value;
 key:
	if ((pos = parse_key(p, pos, &sig)) == BAD)
		return -1;
	goto value;
 made:
	if (p->nframes == 0) {
		*root = v;
		p->pos = pos;
		return 0;
	}
	if (push(p, v) == -1)
		return -1;
	pos = skip_ws(s, pos, len);
	if (pos >= len)
		return -1;
	c = s[pos++];
	if (c == ',') {
		if (inobj)
			goto key;
		goto value;
	}
	if (c != (inobj ? '}' : ']'))
		return -1;
 close:
	f = &p->frames[--p->nframes];
	v = f->idx;
	if ((inobj ? close_object(p, f->base, v, sig) : close_array(p,
	    f->base, v)) == -1)
		return -1;
	sig = f->sig;
	inobj = p->nframes > 0 && p->frames[p->nframes - 1].isobj;
	goto made;
}

/*
 * Build the record at src[0..len) (its '{' first; it may end before len)
 * and hand it to on_record. runend as for parse_string. 0 with *used set,
 * -1 when it is not there whole and good (or out of memory: p->nomem),
 * -2 when on_record refused.
 */
static int
build_record(struct pj_stream *p, const unsigned char *src, size_t len,
    size_t runend, size_t *used)
{
	struct pj_tree t;
	size_t	 root;

	p->src = src;
	p->srclen = len;
	p->runend = runend;
	p->pos = 0;
	p->tdepth = 2;		/* inside {"Records":[ */
	p->nnodes = p->nkids = p->nstack = 0;
	/* Decoded text never outgrows its source: room for all of it. */
	if (grow((void **)&p->str, &p->strcap, len, 1) == -1) {
		p->nomem = 1;
		return -1;
	}
	if (parse_tree(p, &root) == -1)
		return -1;
	t.src = src;
	t.str = p->str;
	t.nodes = p->nodes;
	t.kids = p->kids;
	*used = p->pos;
	return p->on_record(p->arg, &t, root) == -1 ? -2 : 0;
}

/* ---------------------------------------------------------------- */
/* The scanner */

static void
seterr(struct pj_stream *p, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	if (n < 0)
		p->err[0] = '\0';
	/* A truncated reason is still a reason: keep what fits. */
	p->rc = PJ_EBADDOC;
}

static int
bad_at(struct pj_stream *p, uint64_t at)
{
	seterr(p, "invalid JSON at byte %llu", (unsigned long long)at);
	return SCAN_ERROR;
}

static int
bad_utf8(struct pj_stream *p)
{
	seterr(p, "invalid UTF-8 at byte %llu", (unsigned long long)p->at);
	return SCAN_ERROR;
}

/* Another key or value inside a record being copied: count it. */
static int
count_value(struct pj_stream *p)
{
	if (p->copying && ++p->values > PJ_RECORD_VALUES) {
		seterr(p, "record at byte %llu has more than %d keys and "
		    "values", (unsigned long long)p->rec_start,
		    PJ_RECORD_VALUES);
		return -1;
	}
	return 0;
}

/*
 * The value starting with byte c at offset here: note what it means for
 * the document's shape, open a container. SCAN_MORE, SCAN_RECORD (a record
 * starts, in place), or SCAN_ERROR.
 */
static int
value_start(struct pj_stream *p, int c, uint64_t here)
{
	int	 isobj = c == '{';

	if (count_value(p) == -1)
		return SCAN_ERROR;
	if (p->depth == 0)
		p->top_obj = isobj;
	else if (p->depth == 1 && p->top_obj && p->recs_key) {
		if (c != '[')
			p->recs_bad = RECS_NOT_ARRAY;
	} else if (p->depth == 2 && p->in_recs && !p->copying) {
		if (!isobj && p->recs_bad == RECS_OK) {
			p->recs_bad = RECS_NOT_OBJECT;
			p->bad_elem = p->nelem;
		}
		p->nelem++;
		if (isobj)
			return SCAN_RECORD;
	}
	if (c != '{' && c != '[')
		return SCAN_MORE;
	if (p->depth >= PJ_MAX_DEPTH) {
		seterr(p, "nesting deeper than %d", PJ_MAX_DEPTH);
		return SCAN_ERROR;
	}
	if (p->depth == 1 && c == '[' && p->top_obj && p->recs_key) {
		p->in_recs = 1;
		p->nelem = 0;
	}
	if (isobj)
		p->isobj[p->depth / 64] |= (uint64_t)1 << p->depth % 64;
	else
		p->isobj[p->depth / 64] &= ~((uint64_t)1 << p->depth % 64);
	p->depth++;
	p->state = isobj ? S_OBJ_FIRST : S_ARR_FIRST;
	(void)here;
	return SCAN_MORE;
}

/* The innermost open container is an object. */
static inline int
in_obj(const struct pj_stream *p)
{
	int	 d = p->depth - 1;

	return p->isobj[d / 64] >> d % 64 & 1;
}

/* A container closes: SCAN_RECORD_END when it was the copied record. */
static int
close_container(struct pj_stream *p)
{
	p->depth--;
	p->state = S_AFTER;
	if (p->depth == 1 && p->in_recs)
		p->in_recs = 0;
	return p->copying && p->depth == 2 ? SCAN_RECORD_END : SCAN_MORE;
}

/* A string ended: a key goes on to its ':'. */
static void
string_end(struct pj_stream *p)
{
	if (!p->iskey) {
		p->state = S_AFTER;
		return;
	}
	p->state = S_COLON;
	if (p->kcmp) {
		p->recs_key = p->kmatch == 7;
		if (p->recs_key) {
			p->recs_bad = RECS_OK;
			p->in_recs = 0;
		}
	}
}

/* One decoded code point of a key of the top object. */
static inline void
key_cp(struct pj_stream *p, uint32_t c)
{
	if (p->kmatch >= 0)
		p->kmatch = p->kmatch < 7 &&
		    c == (uint32_t)"Records"[p->kmatch] ? p->kmatch + 1 : -1;
}

/* The scanner's string stop bytes: '"', '\\', controls, 0x80 and up. */
static const unsigned char scanstop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x20 " */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* 0x50 \ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

/* Past the digits at b[i..lim). */
static inline size_t
skip_digits(const unsigned char *b, size_t i, size_t lim)
{
	while (i < lim && b[i] >= '0' && b[i] <= '9')
		i++;
	return i;
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Follow b[*i..lim) (b is the piece, whose byte 0 is at document offset
 * p->off). Stops early at a record's start (before its '{') and, while
 * copying, right after the copied record's '}'.
 */
static int
scan(struct pj_stream *p, const unsigned char *b, size_t *ip, size_t lim)
{
	size_t	 i = *ip;
	int	 c, r, h, n;

#define HERE	(p->off + i)
#define DONE(x)	do { *ip = i; return (x); } while (0)
	while (i < lim) {
		c = b[i];
		/* Between tokens, whitespace is skipped whatever comes next. */
		if (p->state <= S_AFTER && is_ws(c)) {
			i++;
			continue;
		}
		switch (p->state) {
		case S_ARR_FIRST:
		case S_OBJ_FIRST:
			if (c == (p->state == S_ARR_FIRST ? ']' : '}')) {
				i++;
				if ((r = close_container(p)) != SCAN_MORE)
					DONE(r);
				break;
			}
			/* Not empty: c starts its first member. */
			p->state = p->state == S_ARR_FIRST ? S_VALUE : S_KEY;
			break;
		case S_VALUE:
			p->at = HERE;
			if (c == '{' || c == '[') {
				if ((r = value_start(p, c, HERE)) != SCAN_MORE)
					DONE(r);
				i++;
			} else if (c == '"') {
				if (value_start(p, c, HERE) == SCAN_ERROR)
					DONE(SCAN_ERROR);
				p->iskey = p->kcmp = 0;
				p->state = S_STR;
				i++;
			} else if (c == '-' || (c >= '0' && c <= '9')) {
				if (value_start(p, c, HERE) == SCAN_ERROR)
					DONE(SCAN_ERROR);
				p->state = c == '-' ? S_MINUS : c == '0' ?
				    S_ZERO : S_INT;
				i++;
			} else {
				p->lit = c == 't' ? "true" : c == 'f' ?
				    "false" : c == 'n' ? "null" : c == 'N' ?
				    "NaN" : c == 'I' ? "Infinity" : NULL;
				if (p->lit == NULL)
					DONE(bad_at(p, HERE));
				if (value_start(p, c, HERE) == SCAN_ERROR)
					DONE(SCAN_ERROR);
				p->litn = 1;
				p->state = S_LIT;
				i++;
			}
			break;
		case S_KEY:
			if (c != '"')
				DONE(bad_at(p, HERE));
			if (count_value(p) == -1)
				DONE(SCAN_ERROR);
			p->iskey = 1;
			p->kcmp = p->depth == 1 && p->top_obj;
			p->kmatch = 0;
			p->recs_key = 0;
			p->state = S_STR;
			i++;
			break;
		case S_COLON:
			if (c != ':')
				DONE(bad_at(p, HERE));
			if (p->kcmp && p->recs_key) {
				/* The last "Records" wins. */
				if (p->recs_seen &&
				    p->on_records(p->arg) == -1) {
					p->rc = PJ_ECALLER;
					DONE(SCAN_ERROR);
				}
				p->recs_seen = 1;
			}
			p->state = S_VALUE;
			i++;
			break;
		case S_AFTER:
			if (p->depth == 0)
				DONE(bad_at(p, HERE));
			if (c == ',') {
				p->state = in_obj(p) ? S_KEY : S_VALUE;
				i++;
				break;
			}
			if (c != (in_obj(p) ? '}' : ']'))
				DONE(bad_at(p, HERE));
			i++;
			if ((r = close_container(p)) != SCAN_MORE)
				DONE(r);
			break;
		case S_STR:
			if (!p->kcmp)
				while (i < lim && !scanstop[b[i]])
					i++;
			if (i == lim)
				break;
			c = b[i];
			if (c == '"') {
				i++;
				string_end(p);
				break;
			}
			if (c < 0x20)
				DONE(bad_at(p, HERE));
			p->at = HERE;
			i++;
			if (c == '\\')
				p->state = S_ESC;
			else if (c >= 0x80) {
				if ((n = utf8_lead(c, &p->cp, &p->cpmin)) == -1)
					DONE(bad_utf8(p));
				p->utf8n = n;
				p->state = S_UTF8;
			} else if (p->kcmp)
				key_cp(p, (uint32_t)c);
			break;
		case S_ESC:
			i++;
			if (c == 'u') {
				p->at = HERE;
				p->hexn = 0;
				p->cp = 0;
				p->state = S_HEX;
				continue;
			}
			if ((c = simple_escape(c)) == -1)
				DONE(bad_at(p, p->at));
			if (p->kcmp)
				key_cp(p, (uint32_t)c);
			p->state = S_STR;
			break;
		case S_HEX:
			if ((h = util_hexval(c)) == -1)
				DONE(bad_at(p, p->at));
			i++;
			p->cp = p->cp << 4 | (uint32_t)h;
			if (++p->hexn == 4) {
				if (p->kcmp)
					key_cp(p, p->cp);
				p->state = S_STR;
			}
			break;
		case S_UTF8:
			if ((c & 0xc0) != 0x80)
				DONE(bad_utf8(p));
			i++;
			p->cp = p->cp << 6 | (uint32_t)(c & 0x3f);
			if (--p->utf8n == 0) {
				if (p->cp < p->cpmin || p->cp > 0x10ffff)
					DONE(bad_utf8(p));
				if (p->kcmp)
					key_cp(p, p->cp);
				p->state = S_STR;
			}
			break;
		case S_MINUS:
			if (c == 'I') {
				/* -Infinity; failing it fails the number. */
				p->lit = "-Infinity";
				p->litn = 2;
				p->at++;
				p->state = S_LIT;
				i++;
				break;
			}
			if (c < '0' || c > '9')
				DONE(bad_at(p, HERE));
			p->state = c == '0' ? S_ZERO : S_INT;
			i++;
			break;
		case S_INT:
			if ((i = skip_digits(b, i, lim)) == lim)
				break;
			c = b[i];
			/* FALLTHROUGH */
		case S_ZERO:
			p->at = HERE;
			if (c == '.')
				p->state = S_DOT;
			else if (c == 'e' || c == 'E')
				p->state = S_E;
			else {
				p->state = S_AFTER;
				break;
			}
			i++;
			break;
		case S_DOT:
			/* Without a digit, the '.' follows the number. */
			if (c < '0' || c > '9')
				DONE(bad_at(p, p->at));
			p->state = S_FRAC;
			i++;
			break;
		case S_FRAC:
			if ((i = skip_digits(b, i, lim)) == lim)
				break;
			c = b[i];
			if (c == 'e' || c == 'E') {
				p->at = HERE;
				p->state = S_E;
				i++;
			} else
				p->state = S_AFTER;
			break;
		case S_E:
			if (c == '+' || c == '-') {
				p->state = S_ESIGN;
				i++;
				break;
			}
			/* FALLTHROUGH */
		case S_ESIGN:
			if (c < '0' || c > '9')
				DONE(bad_at(p, p->at));
			p->state = S_EXP;
			i++;
			break;
		case S_EXP:
			if ((i = skip_digits(b, i, lim)) < lim)
				p->state = S_AFTER;
			break;
		case S_LIT:
			if (c != p->lit[p->litn])
				DONE(bad_at(p, p->at));
			i++;
			if (p->lit[++p->litn] == '\0')
				p->state = S_AFTER;
			break;
		}
	}
	DONE(SCAN_MORE);
#undef HERE
#undef DONE
}

/* ---------------------------------------------------------------- */
/* The stream */

struct pj_stream *
pj_new(int insorder, int (*on_record)(void *, const struct pj_tree *,
    size_t), int (*on_records)(void *), void *arg)
{
	struct pj_stream *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	/*
	 * None of the tree's arrays is left NULL, even for "{}": code that
	 * walks an empty object's members takes kids + 0 and stack + 0,
	 * undefined on a NULL pointer (found by fuzzing).
	 */
	if (grow((void **)&p->nodes, &p->nodecap, 64, sizeof(*p->nodes)) ==
	    -1 || grow((void **)&p->kids, &p->kidcap, 64, sizeof(*p->kids)) ==
	    -1 || grow((void **)&p->stack, &p->stackcap, 64,
	    sizeof(*p->stack)) == -1) {
		pj_free(p);
		return NULL;
	}
	p->on_record = on_record;
	p->on_records = on_records;
	p->arg = arg;
	p->insorder = insorder;
	p->state = S_VALUE;
	return p;
}

void
pj_free(struct pj_stream *p)
{
	if (p == NULL)
		return;
	free(p->carry);
	free(p->nodes);
	free(p->str);
	free(p->kids);
	free(p->stack);
	free(p->frames);
	free(p->tmp);
	pj_dict_free(&p->dict);
	free(p);
}

const char *
pj_error(const struct pj_stream *p)
{
	return p->err;
}

/* Keep b[from..to) of the record being copied. */
static int
carry_add(struct pj_stream *p, const unsigned char *b, size_t from,
    size_t to)
{
	if (to == from)
		return 0;
	if (grow((void **)&p->carry, &p->carrycap, p->carrylen + (to - from),
	    1) == -1) {
		p->rc = PJ_ENOMEM;
		return -1;
	}
	memcpy(p->carry + p->carrylen, b + from, to - from);
	p->carrylen += to - from;
	return 0;
}

/* The result of build_record, as the stream's state. */
static int
built(struct pj_stream *p, int r)
{
	if (r == -2)
		p->rc = PJ_ECALLER;
	else if (r == -1 && p->nomem)
		p->rc = PJ_ENOMEM;
	return r;
}

int
pj_feed(struct pj_stream *p, const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t	 i = 0, lim, from = 0, used, runend = 0, avail;
	uint64_t room;
	int	 r, runend_known = 0;

	if (p->rc != 0)
		return p->rc;
	while (i < len) {
		if (!p->copying) {
			if ((r = scan(p, b, &i, len)) == SCAN_ERROR)
				return p->rc;
			if (r == SCAN_MORE)
				break;
			/* A record starts at b[i]: try it where it lies. */
			avail = len - i < PJ_RECORD_MAX ? len - i :
			    PJ_RECORD_MAX;
			if (!runend_known) {
				runend = run_end(b, len);
				runend_known = 1;
			}
			r = build_record(p, b + i, avail, avail < len - i ?
			    run_end(b + i, avail) : runend > i ? runend - i :
			    0, &used);
			if (built(p, r) == 0) {
				i += used;
				p->state = S_AFTER;
				continue;
			}
			if (p->rc != 0)
				return p->rc;
			/* Not whole here, or bad: scan it, keeping a copy. */
			p->copying = 1;
			p->rec_start = p->off + i;
			p->values = 0;
			p->carrylen = 0;
			from = i;
		}
		room = p->rec_start + PJ_RECORD_MAX - (p->off + i);
		lim = room < len - i ? i + (size_t)room : len;
		if ((r = scan(p, b, &i, lim)) == SCAN_ERROR)
			return p->rc;
		if (carry_add(p, b, from, i) == -1)
			return p->rc;
		from = 0;
		if (r == SCAN_RECORD_END) {
			p->copying = 0;
			r = build_record(p, p->carry, p->carrylen,
			    run_end(p->carry, p->carrylen), &used);
			if (built(p, r) != 0) {
				if (p->rc == 0) {
					/* Scanned good, so parses good. */
					seterr(p, "record at byte %llu cannot "
					    "be read", (unsigned long long)
					    p->rec_start);
				}
				return p->rc;
			}
			continue;
		}
		if (i < len) {
			seterr(p, "record at byte %llu is larger than %d "
			    "bytes", (unsigned long long)p->rec_start,
			    PJ_RECORD_MAX);
			return p->rc;
		}
	}
	p->off += len;
	return 0;
}

int
pj_end(struct pj_stream *p)
{
	if (p->rc != 0)
		return p->rc;
	switch (p->state) {
	case S_ZERO:
	case S_INT:
	case S_FRAC:
	case S_EXP:
		/* A number may end the text. */
		if (p->depth == 0)
			break;
		bad_at(p, p->off);
		return p->rc;
	case S_AFTER:
		if (p->depth == 0)
			break;
		bad_at(p, p->off);
		return p->rc;
	case S_UTF8:
		bad_utf8(p);
		return p->rc;
	case S_ESC:
	case S_HEX:
	case S_DOT:
	case S_E:
	case S_ESIGN:
	case S_LIT:
		bad_at(p, p->at);
		return p->rc;
	case S_MINUS:
	default:
		bad_at(p, p->off);
		return p->rc;
	}
	if (!p->top_obj)
		seterr(p, "top-level value is not an object");
	else if (p->recs_bad == RECS_NOT_ARRAY)
		seterr(p, "Records is not an array");
	else if (p->recs_bad == RECS_NOT_OBJECT)
		seterr(p, "Records[%zu] is not an object", p->bad_elem);
	return p->rc;
}
