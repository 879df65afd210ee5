/* SPDX-License-Identifier: ISC */
/*
 * flatten.c - turn a decompressed CloudTrail document into log lines, as
 * it arrives in pieces (see flatten.h).
 *
 * pyjson.c reads the document as Python 2.7's json.load did and hands
 * over one record at a time; this file writes each record's line. The
 * flat (-j) and json formats must be byte-identical to what getawslog.py
 * printed under Python 2.7, so it emulates the few Python behaviours that
 * shape those bytes: the CPython 2.7 dict iteration order (pyjson.c),
 * str(), repr() and json.dumps(). The wazuh format follows Wazuh's aws-s3
 * module (Python 3.10: its repr's escapes and re's \d from pyunicode.c).
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard.h"
#include "flatten.h"
#include "linefit.h"
#include "pyfloat.h"
#include "pyjson.h"
#include "pyunicode.h"
#include "spool.h"

#define FLUSH_AT	65536	/* hand output to the writer in chunks */

/*
 * An output buffer. One with a flush function hands its bytes over once
 * FLUSH_AT are waiting, even in the middle of a line (the writer holds
 * everything back until the document has proved good), so it stays small
 * whatever the record.
 *
 * One with a lend function (flatten_lender) builds in the writer's memory
 * and hands the bytes over with commit, not flush: no copy. Its capacity
 * grows as its own would (size), so it hands over the same pieces at the
 * same points; between a commit and the next byte it holds no loan (p
 * NULL, cap 0). Once the writer lends no more, the rest of the document
 * is built in a buffer of its own, as without a lender.
 */
struct buf {
	char		*p;
	size_t		 len, cap;
	size_t		 size;		/* the capacity it grows from */
	int		 nomem;		/* a growth failed */
	int		 failed;	/* flush returned -1 */
	int		 lent;		/* p is the writer's loan */
	int		(*flush)(void *, const char *, size_t);
	char		*(*lend)(void *, size_t);
	int		(*commit)(void *, size_t);
	void		*arg;
};

/* A record's scratch arrays, kept from record to record. */
struct scratch {
	struct pj_dkey	*k;
	size_t		*val, *order, *first;
	unsigned char	*plain;		/* k[i] needs no JSON escaping */
	size_t		 cap;
};

struct wzent;

struct flatten {
	enum flatten_format	 fmt;
	struct flatten_meta	 meta;
	flatten_write_fn	 write;
	flatten_rewind_fn	 rewind;
	void			*arg;
	struct pj_stream	*pj;
	struct buf		 out, tmp;
	struct buf		 line;		/* --max-line-bytes's */
	struct linefit		*fit;		/* NULL without it */
	struct pj_dict		 dict;
	struct scratch		 sc;
	struct wzent		*wz;
	size_t			 wzcap;
	char			*wzinfo;	/* the wazuh log_info's JSON */
	size_t			 wzinfolen;
	const char		*wzacct;	/* meta.key's account, or NULL */
	char			*jsbase;	/* the json format's log_file */
	size_t			 jsbaselen;
	uint64_t		 jshash[4];	/* the hashes of JS_KEYS */
	size_t			 nrecords;	/* lines of the last Records */
	int			 rc;		/* a callback's failure */
};

/* ---------------------------------------------------------------- */
/* Output buffer */

/* Hand what is waiting to the writer; -1 (and b->failed) if it refuses. */
static int
buf_flush(struct buf *b)
{
	size_t	 len = b->len;
	int	 rc;

	if (len == 0 || b->flush == NULL || b->failed || b->nomem)
		return 0;
	if (b->lent) {
		/* The commit ends the loan: the next starts after it. */
		b->p = NULL;
		b->cap = b->len = 0;
		b->lent = 0;
		rc = b->commit(b->arg, len);
	} else if ((rc = b->flush(b->arg, b->p, len)) == 0)
		b->len = 0;
	if (rc == -1) {
		b->failed = 1;
		return -1;
	}
	return 0;
}

/* Forget what is waiting (and the loan it is in: the writer rewound). */
static void
buf_forget(struct buf *b)
{
	if (b->lent) {
		b->p = NULL;
		b->cap = 0;
		b->lent = 0;
	}
	b->len = 0;
}

/*
 * A block of ncap bytes for b, what is waiting kept: a loan while the
 * writer lends, else memory of its own. -1 when out of memory.
 */
static int
buf_block(struct buf *b, size_t ncap)
{
	char	*np;

	if (b->lend != NULL && (np = b->lend(b->arg, ncap)) != NULL) {
		/* Not lent before: p is NULL, nothing waits. */
		b->lent = 1;
	} else {
		b->lend = NULL;		/* it lends no more */
		if (!b->lent)
			np = realloc(b->p, ncap);
		else if ((np = malloc(ncap)) != NULL)
			memcpy(np, b->p, b->len);	/* the loan stands */
		if (np == NULL)
			return -1;
		b->lent = 0;
	}
	b->p = np;
	b->cap = b->size = ncap;
	return 0;
}

/* The slow path of the adders below: make room for n more bytes. */
static void
buf_grow(struct buf *b, size_t n)
{
	size_t	 ncap;

	if (b->nomem || b->failed)
		return;
	if (b->flush != NULL && b->len >= FLUSH_AT && buf_flush(b) == -1)
		return;
	if (b->cap - b->len >= n)
		return;
	/* A line of a few KiB, and FLUSH_AT before it goes out. */
	ncap = b->size ? b->size : 2 * FLUSH_AT;
	while (ncap - b->len < n) {
		if (ncap > SIZE_MAX / 2) {
			b->nomem = 1;
			return;
		}
		ncap *= 2;
	}
	if (buf_block(b, ncap) == -1)
		b->nomem = 1;
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
		if (b->nomem || b->failed || b->cap - b->len < n)
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
		if (b->nomem || b->failed || b->cap == b->len)
			return;
	}
	b->p[b->len++] = c;
}

/*
 * Room for n more bytes at b->p + b->len, or NULL (the buffer failed, or
 * out of memory): for writers that know their size and write in place.
 */
static inline char *
buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->len < n) {
		buf_grow(b, n);
		if (b->nomem || b->failed || b->cap - b->len < n)
			return NULL;
	}
	return b->p + b->len;
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
/* Value helpers */

/* Value of key (exact bytes) in object o, or (size_t)-1. */
static size_t
obj_get(const struct pj_tree *d, const struct pj_node *o, const char *key)
{
	size_t	 i, klen = strlen(key);
	const size_t *p = d->kids + o->off;
	const struct pj_node *k;

	for (i = 0; i < o->len; i++) {
		k = &d->nodes[p[2 * i]];
		if (k->len == klen && memcmp(pj_sdata(d, k), key, klen) == 0)
			return p[2 * i + 1];
	}
	return (size_t)-1;
}

static inline int
key_is(const struct pj_tree *d, size_t k, const char *key)
{
	const struct pj_node *n = &d->nodes[k];
	size_t	 klen = strlen(key);

	return n->len == klen && memcmp(pj_sdata(d, n), key, klen) == 0;
}

/* An int's text as Python prints it: "-0" is 0. */
static void
int_text(struct buf *b, const struct pj_tree *d, const struct pj_node *n)
{
	if (n->flags & PJ_ZERO)
		buf_addc(b, '0');
	else
		buf_add(b, d->src + n->off, n->len);
}

/* Python's truth value. */
static int
truthy(const struct pj_node *n)
{
	switch (n->type) {
	case PJ_NULL:
	case PJ_FALSE:
		return 0;
	case PJ_TRUE:
		return 1;
	case PJ_INT:
		return !(n->flags & PJ_ZERO);
	case PJ_FLOAT:
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
flat_text(struct buf *b, const struct pj_tree *d, const struct pj_node *n)
{
	const unsigned char *s = (const unsigned char *)pj_sdata(d, n);
	size_t	 i = 0, run = 0, l;
	uint32_t c;

	if (n->flags & PJ_PLAIN) {
		buf_add(b, s, n->len);
		return;
	}
	while (i < n->len) {
		l = pj_cp_next(s + i, &c);
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

/* repr_str's escaping, out of line: its callers stay small. */
static void __attribute__((noinline))
repr_esc(struct buf *b, const unsigned char *s, const struct pj_node *n,
    char q)
{
	size_t	 i = 0, l;
	uint32_t c;

	buf_addc(b, 'u');
	buf_addc(b, q);
	while (i < n->len) {
		/* Printable ASCII but the quote and \ is itself. */
		l = pj_run(s, i, n->len, q, '\\');
		buf_add(b, s + i, l - i);
		if ((i = l) == n->len)
			break;
		l = pj_cp_next(s + i, &c);
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
	buf_addc(b, q);
}

/* Python 2 repr(unicode). */
static inline void
repr_str(struct buf *b, const struct pj_tree *d, const struct pj_node *n)
{
	const unsigned char *s = (const unsigned char *)pj_sdata(d, n);
	char	 q = (n->flags & PJ_SQ) && !(n->flags & PJ_DQ) ? '"' : '\'';
	char	*w;

	if (!(n->flags & PJ_PLAIN) || (n->flags & (q == '"' ? PJ_DQ : PJ_SQ))) {
		repr_esc(b, s, n, q);
		return;
	}
	/* Nearly every string: u'text', written in place. */
	if ((w = buf_reserve(b, (size_t)n->len + 3)) == NULL)
		return;
	w[0] = 'u';
	w[1] = q;
	memcpy(w + 2, s, n->len);
	w[n->len + 2] = q;
	b->len += (size_t)n->len + 3;
}

static void repr_value(struct buf *, const struct pj_tree *, size_t);

/* A member or element: most are strings, written without the call. */
static inline void
repr_member(struct buf *b, const struct pj_tree *d, size_t idx)
{
	if (d->nodes[idx].type == PJ_STR)
		repr_str(b, d, &d->nodes[idx]);
	else
		repr_value(b, d, idx);
}

static void
repr_value(struct buf *b, const struct pj_tree *d, size_t idx)
{
	const struct pj_node *n = &d->nodes[idx];
	const size_t *p = d->kids + n->off;
	size_t	 i;

	switch (n->type) {
	case PJ_NULL:
		buf_adds(b, "None");
		break;
	case PJ_FALSE:
		buf_adds(b, "False");
		break;
	case PJ_TRUE:
		buf_adds(b, "True");
		break;
	case PJ_INT:
		int_text(b, d, n);
		if (n->flags & PJ_LONG)
			buf_addc(b, 'L');
		break;
	case PJ_FLOAT:
		float_repr(b, n->u.d);
		break;
	case PJ_STR:
		repr_str(b, d, n);
		break;
	case PJ_ARR:
		buf_addc(b, '[');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			repr_member(b, d, p[i]);
		}
		buf_addc(b, ']');
		break;
	case PJ_OBJ:
		buf_addc(b, '{');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			repr_str(b, d, &d->nodes[p[2 * i]]);
			buf_adds(b, ": ");
			repr_member(b, d, p[2 * i + 1]);
		}
		buf_addc(b, '}');
		break;
	}
}

static void
flat_line(struct buf *b, const struct pj_tree *d, const struct pj_node *rec)
{
	const size_t *p = d->kids + rec->off;
	const struct pj_node *k, *v;
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
		if (v->type == PJ_STR && (k->flags & v->flags & PJ_PLAIN) &&
		    !((k->flags | v->flags) & PJ_COPY) &&
		    v->off == k->off + k->len + 3) {
			buf_add(b, d->src + k->off - 1, k->len + v->len + 5);
			continue;
		}
		buf_addc(b, '"');
		flat_text(b, d, k);
		buf_adds(b, "\":\"");
		switch (v->type) {
		case PJ_STR:
			flat_text(b, d, v);
			break;
		case PJ_INT:
			int_text(b, d, v);
			break;
		case PJ_FLOAT:
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

/*
 * pj_cp_next for text that may not have come from the parser (a key, a
 * bucket's name: a store other than S3 may hold any bytes): a sequence
 * cut short or malformed is one U+FFFD, and nothing past len is read.
 */
static size_t
cp_next_bounded(const unsigned char *s, size_t left, uint32_t *cp)
{
	size_t	n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xf8 || s[0] < 0xc0)
		n = 0;
	else
		n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	for (i = 1; i < n && i < left; i++)
		if ((s[i] & 0xc0) != 0x80)
			break;
	if (n == 0 || i != n) {
		*cp = 0xfffd;
		return 1;
	}
	return pj_cp_next(s, cp);
}

/* json_bytes of text that needs no escaping: between quotes as it is. */
static inline void
json_plain(struct buf *b, const char *s, size_t len)
{
	char	*w;

	if ((w = buf_reserve(b, len + 2)) == NULL)
		return;
	w[0] = '"';
	memcpy(w + 1, s, len);
	w[len + 1] = '"';
	b->len += len + 2;
}

/* json_bytes' escaping, out of line: its callers stay small. */
static void __attribute__((noinline))
json_esc(struct buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t	 i = 0, l, run = 0;
	uint32_t c;

	buf_addc(b, '"');
	for (;;) {	/* ends at the run that reaches len */
		/* Printable ASCII but " and \ is itself: in runs. */
		i = pj_run(s, i, len, '"', '\\');
		buf_add(b, s + run, i - run);
		if (i == len)
			break;
		if (s[i] == '"' || s[i] == '\\') {
			/* A backslash, and the byte starts the next run. */
			buf_addc(b, '\\');
			run = i++;
			continue;
		}
		l = cp_next_bounded(s + i, len - i, &c);
		switch (c) {
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
	buf_addc(b, '"');
}

/* A JSON string of str[0..len); plain: it needs no escaping. */
static inline void
json_bytes(struct buf *b, const char *str, size_t len, int plain)
{
	if (plain)
		json_plain(b, str, len);
	else
		json_esc(b, str, len);
}

static inline void
json_str(struct buf *b, const struct pj_tree *d, const struct pj_node *n)
{
	json_bytes(b, pj_sdata(d, n), n->len,
	    (n->flags & PJ_PLAIN) && !(n->flags & PJ_DQ));
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

static void json_value(struct buf *, const struct pj_tree *, size_t, int);

/* A member or element: most are strings, written without the call. */
static inline void
json_member(struct buf *b, const struct pj_tree *d, size_t idx, int py3)
{
	if (d->nodes[idx].type == PJ_STR)
		json_str(b, d, &d->nodes[idx]);
	else
		json_value(b, d, idx, py3);
}

/*
 * json.dumps of a value. py3 selects Python 3's dict order (insertion)
 * over Python 2.7's, and strict JSON for non-finite floats.
 */
static void
json_value(struct buf *b, const struct pj_tree *d, size_t idx, int py3)
{
	const struct pj_node *n = &d->nodes[idx];
	const size_t *p = d->kids + n->off;
	size_t	 i;

	switch (n->type) {
	case PJ_NULL:
		buf_adds(b, "null");
		break;
	case PJ_FALSE:
		buf_adds(b, "false");
		break;
	case PJ_TRUE:
		buf_adds(b, "true");
		break;
	case PJ_INT:
		int_text(b, d, n);
		break;
	case PJ_FLOAT:
		json_float(b, n->u.d, py3);
		break;
	case PJ_STR:
		json_str(b, d, n);
		break;
	case PJ_ARR:
		buf_addc(b, '[');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			json_member(b, d, p[i], py3);
		}
		buf_addc(b, ']');
		break;
	case PJ_OBJ:
		if (py3)
			p += 2 * n->len;
		buf_addc(b, '{');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			json_str(b, d, &d->nodes[p[2 * i]]);
			buf_adds(b, ": ");
			json_member(b, d, p[2 * i + 1], py3);
		}
		buf_addc(b, '}');
		break;
	}
}


/* Room for n entries in each scratch array. */
static int
scratch_room(struct scratch *sc, size_t n)
{
	size_t	 ncap;

	if (n <= sc->cap)
		return 0;
	ncap = sc->cap ? sc->cap : 64;
	while (ncap < n)
		ncap *= 2;
	free(sc->k);
	free(sc->val);
	free(sc->order);
	free(sc->first);
	free(sc->plain);
	sc->k = calloc(ncap, sizeof(*sc->k));
	sc->val = calloc(ncap, sizeof(*sc->val));
	sc->order = calloc(ncap, sizeof(*sc->order));
	sc->first = calloc(ncap, sizeof(*sc->first));
	sc->plain = calloc(ncap, sizeof(*sc->plain));
	if (sc->k == NULL || sc->val == NULL || sc->order == NULL ||
	    sc->first == NULL || sc->plain == NULL) {
		sc->cap = 0;
		return -1;
	}
	sc->cap = ncap;
	return 0;
}

static void
scratch_free(struct scratch *sc)
{
	free(sc->k);
	free(sc->val);
	free(sc->order);
	free(sc->first);
	free(sc->plain);
}

#define LOGFILE	((size_t)-1)	/* "value" of the added log_file key */

/* The hash of a key of ours (ASCII, NUL-terminated). */
static uint64_t
lit_hash(const char *s)
{
	return pj_hash((const unsigned char *)s, strlen(s));
}

/* The json format's own keys; their hashes are made once, in f->jshash. */
enum { JS_LOGFILE, JS_AWS, JS_SRCIP, JS_USER, JS_NKEYS };
static const char *const js_keys[JS_NKEYS] = {
	"log_file", "aws", "srcip", "user"
};

/*
 * What the json format writes alike for every record of the object: its
 * keys' hashes and the log_file value's JSON (in f->tmp first, then a copy
 * of its own). 0, or -1 when out of memory.
 */
static int
json_setup(struct flatten *f)
{
	struct buf *b = &f->tmp;
	size_t	 i;

	for (i = 0; i < JS_NKEYS; i++)
		f->jshash[i] = lit_hash(js_keys[i]);
	b->len = 0;
	json_bytes(b, f->meta.basename, strlen(f->meta.basename), 0);
	if (b->nomem || (f->jsbase = malloc(b->len)) == NULL)
		return -1;
	memcpy(f->jsbase, b->p, b->len);
	f->jsbaselen = b->len;
	b->len = 0;
	return 0;
}

/*
 * The "aws" dict of the script's last -j: the record's truthy fields and
 * log_file, in Python 2.7 order (the keys in f->sc.k, their values in
 * f->sc.val, the order in f->sc.order). *srcip is sourceIPAddress's value
 * node, if any; returns the number of keys, or -1.
 */
static inline ssize_t
json_aws_keys(struct flatten *f, const struct pj_tree *d,
    const struct pj_node *rec, size_t *srcip)
{
	const size_t *p = d->kids + rec->off;
	struct pj_dkey *k;
	size_t	*val, *first, n = 0, i;
	ssize_t	 nu;

	if (scratch_room(&f->sc, (size_t)rec->len + 1) == -1)
		return -1;
	k = f->sc.k;
	val = f->sc.val;
	first = f->sc.first;
	for (i = 0; i < rec->len; i++) {
		const struct pj_node *kn = &d->nodes[p[2 * i]];

		if (!truthy(&d->nodes[p[2 * i + 1]]))
			continue;
		k[n].hash = kn->u.hash;
		k[n].s = pj_sdata(d, kn);
		k[n].len = kn->len;
		f->sc.plain[n] = (kn->flags & PJ_PLAIN) && !(kn->flags & PJ_DQ);
		val[n++] = p[2 * i + 1];
		if (key_is(d, p[2 * i], "sourceIPAddress"))
			*srcip = p[2 * i + 1];
	}
	k[n].hash = f->jshash[JS_LOGFILE];
	k[n].s = js_keys[JS_LOGFILE];
	k[n].len = strlen(js_keys[JS_LOGFILE]);
	f->sc.plain[n] = 1;
	val[n++] = LOGFILE;
	if ((nu = pj_dict_order(&f->dict, k, n, f->sc.order, first)) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (first[i] != i)
			val[first[i]] = val[i];
	return nu;
}

/* The "aws" dict of nu keys that json_aws_keys ordered. */
static inline void
json_aws_write(struct flatten *f, const struct pj_tree *d, size_t nu)
{
	struct buf *b = &f->out;
	const struct pj_dkey *k = f->sc.k;
	const size_t *order = f->sc.order, *val = f->sc.val;
	size_t	 j;

	buf_addc(b, '{');
	for (j = 0; j < nu; j++) {
		const struct pj_dkey *kk = &k[order[j]];

		if (j)
			buf_adds(b, ", ");
		json_bytes(b, kk->s, kk->len, f->sc.plain[order[j]]);
		buf_adds(b, ": ");
		if (val[order[j]] == LOGFILE)
			buf_add(b, f->jsbase, f->jsbaselen);
		else
			json_member(b, d, val[order[j]], 0);
	}
	buf_addc(b, '}');
}

/*
 * The script's last -j: json.dumps({"aws": truthy fields + log_file,
 * "srcip": ..., "user": ...}), every dict in Python 2.7 order.
 */
static int
json_line(struct flatten *f, const struct pj_tree *d,
    const struct pj_node *rec)
{
	struct buf *b = &f->out;
	struct pj_dkey ok[3];
	size_t	 srcip = (size_t)-1, user = (size_t)-1, ui, i;
	size_t	 oorder[3], ofirst[3];
	int	 oid[3];
	const char *ks;
	ssize_t	 nu, no;

	if ((nu = json_aws_keys(f, d, rec, &srcip)) == -1)
		return -1;
	if ((ui = obj_get(d, rec, "userIdentity")) != (size_t)-1 &&
	    d->nodes[ui].type == PJ_OBJ)
		user = obj_get(d, &d->nodes[ui], "userName");

	/* The outer dict: "aws", then "srcip" and "user" when present. */
	no = 0;
	oid[no++] = JS_AWS;
	if (srcip != (size_t)-1)
		oid[no++] = JS_SRCIP;
	if (user != (size_t)-1)
		oid[no++] = JS_USER;
	for (i = 0; i < (size_t)no; i++) {
		ok[i].hash = f->jshash[oid[i]];
		ok[i].s = js_keys[oid[i]];
		ok[i].len = strlen(ok[i].s);
	}
	if ((no = pj_dict_order(&f->dict, ok, no, oorder, ofirst)) == -1)
		return -1;

	buf_addc(b, '{');
	for (i = 0; i < (size_t)no; i++) {
		ks = js_keys[oid[oorder[i]]];
		if (i)
			buf_adds(b, ", ");
		json_bytes(b, ks, strlen(ks), 1);
		buf_adds(b, ": ");
		if (strcmp(ks, "srcip") == 0)
			json_value(b, d, srcip, 0);
		else if (strcmp(ks, "user") == 0)
			json_value(b, d, user, 0);
		else
			json_aws_write(f, d, (size_t)nu);
	}
	buf_adds(b, "}\n");
	return 0;
}

/* ---------------------------------------------------------------- */
/* The wazuh format: Wazuh's aws-s3 module (Python 3) event for a record */

static void
py3_repr_str(struct buf *b, const struct pj_tree *d, const struct pj_node *n)
{
	const unsigned char *s = (const unsigned char *)pj_sdata(d, n);
	char	 q = (n->flags & PJ_SQ) && !(n->flags & PJ_DQ) ? '"' : '\'';
	size_t	 i = 0, l;
	uint32_t c;

	buf_addc(b, q);
	while (i < n->len) {
		l = pj_cp_next(s + i, &c);
		if (c == (uint32_t)q || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, c);
		} else if (c == '\t')
			buf_adds(b, "\\t");
		else if (c == '\n')
			buf_adds(b, "\\n");
		else if (c == '\r')
			buf_adds(b, "\\r");
		else if (pyunicode_printable(c))
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
py3_str(struct buf *b, const struct pj_tree *d, size_t idx, int top)
{
	const struct pj_node *n = &d->nodes[idx];
	const size_t *p = d->kids + n->off;
	size_t	 i;

	switch (n->type) {
	case PJ_NULL:
		buf_adds(b, "None");
		break;
	case PJ_FALSE:
		buf_adds(b, "False");
		break;
	case PJ_TRUE:
		buf_adds(b, "True");
		break;
	case PJ_INT:
		int_text(b, d, n);
		break;
	case PJ_FLOAT:
		float_repr(b, n->u.d);
		break;
	case PJ_STR:
		if (top)
			buf_add(b, pj_sdata(d, n), n->len);
		else
			py3_repr_str(b, d, n);
		break;
	case PJ_ARR:
		buf_addc(b, '[');
		for (i = 0; i < n->len; i++) {
			if (i)
				buf_adds(b, ", ");
			py3_str(b, d, p[i], 0);
		}
		buf_addc(b, ']');
		break;
	case PJ_OBJ:
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
wz_value(struct buf *b, const struct pj_tree *d, size_t idx, int raw, int dat)
{
	const struct pj_node *n = &d->nodes[idx], *v;
	const size_t *p = d->kids + n->off + 2 * n->len;
	size_t	 i, vi;
	int	 vraw, any = 0;

	if (n->type == PJ_STR) {	/* most values */
		json_str(b, d, n);
		return;
	}
	if (n->type != PJ_OBJ || (raw && !dat)) {
		json_value(b, d, idx, 1);
		return;
	}
	buf_addc(b, '{');
	for (i = 0; i < n->len; i++) {
		vi = p[2 * i + 1];
		v = &d->nodes[vi];
		vraw = raw;
		if (!raw) {
			if (v->type == PJ_NULL)
				continue;
			if (v->type == PJ_ARR && v->len == 1) {
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
		    (v->type == PJ_TRUE || v->type == PJ_FALSE)) {
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
	int		 kplain;	/* k needs no JSON escaping */
	int		 kind;
	size_t		 node;
	int		 raw;
	const char	*lit;
	size_t		 litlen;
};


/*
 * re.match(r'\d+\.\d+.\d+.\d+', s) in Python 3.10 (the module's test),
 * \d any Unicode decimal digit, '.' unescaped any code point but a line
 * feed. The pattern is not anchored at the end, so a match is decided
 * at its last digit. Run as a set of pattern positions (a bit each) over
 * the code points: linear, where a backtracking matcher is quadratic in
 * a long run of digits.
 */
enum { IP_D1, IP_IN1, IP_D2, IP_IN2, IP_D3, IP_IN3, IP_D4 };

static int
ip_match(const unsigned char *s, size_t len)
{
	unsigned at = 1u << IP_D1, next;
	size_t	 i = 0;
	uint32_t c;
	int	 dig, any;

	while (i < len && at != 0) {
		i += pj_cp_next(s + i, &c);
		dig = pyunicode_digit(c);
		any = c != '\n';
		next = 0;
		if (dig && (at & (1u << IP_D1 | 1u << IP_IN1)))
			next |= 1u << IP_IN1;
		if (c == '.' && (at & 1u << IP_IN1))
			next |= 1u << IP_D2;
		if (dig && (at & (1u << IP_D2 | 1u << IP_IN2)))
			next |= 1u << IP_IN2;
		if (any && (at & 1u << IP_IN2))
			next |= 1u << IP_D3;
		if (dig && (at & (1u << IP_D3 | 1u << IP_IN3)))
			next |= 1u << IP_IN3;
		if (any && (at & 1u << IP_IN3))
			next |= 1u << IP_D4;
		if (dig && (at & 1u << IP_D4))
			return 1;
		at = next;
	}
	return 0;
}

static int
looks_ipv4(const struct pj_tree *d, const struct pj_node *n)
{
	const unsigned char *s = (const unsigned char *)pj_sdata(d, n);

	return n->type == PJ_STR && ip_match(s, n->len);
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


/* Keys of a record that the module's reformatting singles out. */
enum wzkey {
	K_OTHER, K_LOG_INFO, K_SOURCE, K_ACCOUNT, K_SIP, K_SOURCE_IP, K_TAGS,
	K_AED, K_RESP, K_REQP, K_NKEYS
};

static enum wzkey
wz_key(const struct pj_tree *d, const struct pj_node *kn)
{
/* The names of enum wzkey, K_LOG_INFO on, in its order. */
#define WZ_KEYS(X) X("log_info") X("source") X("aws_account_id") \
	X("source_ip_address") X("sourceIPAddress") X("tags") \
	X("additionalEventData") X("responseElements") X("requestParameters")
#define WZ_NAME(s)	{ s, sizeof(s) - 1 },
#define WZ_LENBIT(s)	| (uint32_t)1 << (sizeof(s) - 1)
	static const struct {
		const char	*s;
		size_t		 len;
	} names[K_NKEYS] = { WZ_NAME("") WZ_KEYS(WZ_NAME) };
	/* Bit n: a name is n bytes long (all are under 32). */
	static const uint32_t lens = 0 WZ_KEYS(WZ_LENBIT);
#undef WZ_LENBIT
#undef WZ_NAME
#undef WZ_KEYS
	const char *s = pj_sdata(d, kn);
	int	 i;

	/* Every record's every key comes here: most fail on the length. */
	if (kn->len >= 32 || !(lens >> kn->len & 1))
		return K_OTHER;
	for (i = 1; i < K_NKEYS; i++)
		if (kn->len == names[i].len &&
		    memcmp(s, names[i].s, kn->len) == 0)
			return i;
	return K_OTHER;
}

/* A new entry at e[n], n advanced: its key given, the rest zero. */
#define WZ_NEW(key, keylen, plain) (memset(&e[n], 0, sizeof(e[n])), \
	    e[n].k = (key), e[n].klen = (keylen), e[n].kplain = (plain), \
	    &e[n++])
/* Ours, a literal: plain. */
#define WZ_NEWLIT(key)	WZ_NEW(key, strlen(key), 1)
/* The record's: plain when its flags say so. */
#define WZ_NEWKEY(kn)	WZ_NEW(pj_sdata(d, kn), (kn)->len, \
	    ((kn)->flags & PJ_PLAIN) && !((kn)->flags & PJ_DQ))

/* Room in f->wz for a record of len members and the keys we add. */
static int
wz_room(struct flatten *f, size_t len)
{
	if (f->wzcap < len + 6) {
		free(f->wz);
		f->wzcap = 0;
		if ((f->wz = calloc(len + 6, sizeof(*f->wz))) == NULL)
			return -1;
		f->wzcap = len + 6;
	}
	return 0;
}

/*
 * {"log_info": ...} updated with the record's members: insertion order,
 * nulls dropped, one-element lists reduced, "source" set. The slots of
 * the keys of enum wzkey go in at[]; returns the number of entries.
 */
static size_t
wz_members(struct flatten *f, const struct pj_tree *d,
    const struct pj_node *rec, size_t *at)
{
	const size_t *p = d->kids + rec->off + 2 * rec->len;
	struct wzent *e = f->wz, *x;
	const struct pj_node *v, *kn;
	size_t	 n = 0, i, vi;
	enum wzkey w;
	int	 vraw;

	for (i = 0; i < K_NKEYS; i++)
		at[i] = (size_t)-1;
	at[K_LOG_INFO] = n;
	x = WZ_NEWLIT("log_info");
	x->kind = WZ_LOGINFO;
	for (i = 0; i < rec->len; i++) {
		kn = &d->nodes[p[2 * i]];
		vi = p[2 * i + 1];
		v = &d->nodes[vi];
		vraw = 0;
		w = wz_key(d, kn);
		if (w == K_SOURCE) {
			/* dict(record, source=...) keeps the slot. */
			at[K_SOURCE] = n;
			x = WZ_NEWKEY(kn);
			x->kind = WZ_LIT;
			x->lit = "cloudtrail";
			x->litlen = strlen(x->lit);
			continue;
		}
		if (v->type == PJ_NULL)
			continue;
		if (v->type == PJ_ARR && v->len == 1) {
			vi = d->kids[v->off];
			vraw = 1;
		}
		if (w == K_LOG_INFO)
			x = &e[at[K_LOG_INFO]];
		else {
			if (w != K_OTHER)
				at[w] = n;
			x = WZ_NEWKEY(kn);
		}
		x->kind = WZ_NODE;
		x->node = vi;
		x->raw = vraw;
	}
	if (at[K_SOURCE] == (size_t)-1) {
		x = WZ_NEWLIT("source");
		x->kind = WZ_LIT;
		x->lit = "cloudtrail";
		x->litlen = strlen(x->lit);
	}
	return n;
}

/*
 * Then aws_account_id, source_ip_address and the rewrapped fields, over
 * the n entries wz_members made; returns the number of entries now.
 */
static size_t
wz_added(struct flatten *f, const struct pj_tree *d,
    const struct pj_node *rec, size_t *at, size_t n)
{
	struct wzent *e = f->wz, *x;
	const char *acct = "";
	size_t	 i, vi, acctlen = 0, ai;
	int	 vraw;
	static const enum wzkey wrap[] = { K_AED, K_RESP, K_REQP };

	if (f->wzacct != NULL) {
		acct = f->wzacct;
		acctlen = 12;
	} else if ((ai = obj_get(d, rec, "recipientAccountId")) != (size_t)-1 &&
	    d->nodes[ai].type == PJ_STR) {
		acct = pj_sdata(d, &d->nodes[ai]);
		acctlen = d->nodes[ai].len;
	}
	x = at[K_ACCOUNT] != (size_t)-1 ? &e[at[K_ACCOUNT]] :
	    WZ_NEWLIT("aws_account_id");
	x->kind = WZ_LIT;
	x->lit = acct;
	x->litlen = acctlen;

	if (at[K_SOURCE_IP] != (size_t)-1 &&
	    looks_ipv4(d, &d->nodes[e[at[K_SOURCE_IP]].node])) {
		vi = e[at[K_SOURCE_IP]].node;
		vraw = e[at[K_SOURCE_IP]].raw;
		x = at[K_SIP] != (size_t)-1 ? &e[at[K_SIP]] :
		    WZ_NEWLIT("source_ip_address");
		x->kind = WZ_NODE;
		x->node = vi;
		x->raw = vraw;
	}
	if (at[K_TAGS] != (size_t)-1 && e[at[K_TAGS]].kind == WZ_NODE &&
	    d->nodes[e[at[K_TAGS]].node].type != PJ_OBJ)
		e[at[K_TAGS]].kind = WZ_WRAPVAL;
	for (i = 0; i < sizeof(wrap) / sizeof(wrap[0]); i++)
		if (at[wrap[i]] != (size_t)-1 &&
		    e[at[wrap[i]]].kind == WZ_NODE &&
		    d->nodes[e[at[wrap[i]]].node].type != PJ_OBJ)
			e[at[wrap[i]]].kind = WZ_WRAPSTR;
	if (at[K_REQP] != (size_t)-1 && e[at[K_REQP]].kind == WZ_NODE)
		e[at[K_REQP]].kind = WZ_REQP;
	return n;
}
#undef WZ_NEWKEY
#undef WZ_NEWLIT
#undef WZ_NEW

/* The event of the n entries of f->wz, as one line. */
static void
wz_write(struct flatten *f, const struct pj_tree *d, size_t n)
{
	struct buf *b = &f->out, *tmp = &f->tmp;
	const struct wzent *x;
	size_t	 i;

	buf_adds(b, "{\"integration\": \"aws\", \"aws\": {");
	for (i = 0; i < n; i++) {
		x = &f->wz[i];
		if (i)
			buf_adds(b, ", ");
		json_bytes(b, x->k, x->klen, x->kplain);
		buf_adds(b, ": ");
		switch (x->kind) {
		case WZ_NODE:
			wz_value(b, d, x->node, x->raw, 0);
			break;
		case WZ_REQP:
			wz_value(b, d, x->node, x->raw, 1);
			break;
		case WZ_LOGINFO:
			buf_add(b, f->wzinfo, f->wzinfolen);
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
}

/*
 * What the wazuh format writes alike for every record of the object: the
 * log_info dict's JSON (in f->tmp first, then a copy of its own) and the
 * account in the object's key. 0, or -1 when out of memory.
 */
static int
wz_setup(struct flatten *f)
{
	const struct flatten_meta *m = &f->meta;
	struct buf *b = &f->tmp;
	const char *acct;

	if (key_account(m->key, &acct))
		f->wzacct = acct;
	b->len = 0;
	buf_adds(b, "{\"aws_account_alias\": ");
	json_bytes(b, m->account_alias, strlen(m->account_alias), 0);
	buf_adds(b, ", \"log_file\": ");
	json_bytes(b, m->key, strlen(m->key), 0);
	buf_adds(b, ", \"s3bucket\": ");
	json_bytes(b, m->bucket, strlen(m->bucket), 0);
	buf_addc(b, '}');
	if (b->nomem || (f->wzinfo = malloc(b->len)) == NULL)
		return -1;
	memcpy(f->wzinfo, b->p, b->len);
	f->wzinfolen = b->len;
	b->len = 0;
	return 0;
}

/*
 * The aws dict of the event: {"log_info": ...} updated with the record's
 * members (insertion order, nulls dropped, one-element lists reduced,
 * "source" set), then aws_account_id, source_ip_address and the
 * rewrapped fields. Python's dict keeps an existing key's slot when it is
 * set again; the record's keys are distinct, so only the few keys named
 * in enum wzkey can meet an existing one: their slots are remembered in
 * at[], which keeps this linear in the record's size.
 */
static int
wazuh_line(struct flatten *f, const struct pj_tree *d,
    const struct pj_node *rec)
{
	size_t	 n, at[K_NKEYS];

	if (wz_room(f, (size_t)rec->len) == -1)
		return -1;
	n = wz_members(f, d, rec, at);
	n = wz_added(f, d, rec, at, n);
	wz_write(f, d, n);
	return 0;
}

/* ---------------------------------------------------------------- */
/* The converter */

/* ---------------------------------------------------------------- */
/* --discard: a field's text, as the flat format writes a value */

/* Value of the key s[0..len) in object o, or (size_t)-1. */
static size_t
obj_getn(const struct pj_tree *d, const struct pj_node *o, const char *s,
    size_t len)
{
	const size_t		*p = d->kids + o->off;
	const struct pj_node	*k;
	size_t			 i;

	for (i = 0; i < o->len; i++) {
		k = &d->nodes[p[2 * i]];
		if (k->len == len && memcmp(pj_sdata(d, k), s, len) == 0)
			return p[2 * i + 1];
	}
	return (size_t)-1;
}

/* The record being looked at by discard_match. */
struct field_lookup {
	struct flatten		*f;
	const struct pj_tree	*t;
	size_t			 rec;
};

/* Test the text the flat format writes for node v. */
static int
value_test(struct field_lookup *l, size_t v, discard_test_fn test,
    const void *rule)
{
	struct buf		*b = &l->f->tmp;
	const struct pj_node	*n = &l->t->nodes[v];

	b->len = 0;
	if (n->type == PJ_STR)
		flat_text(b, l->t, n);
	else if (n->type == PJ_INT)
		int_text(b, l->t, n);
	else if (n->type == PJ_FLOAT)
		float_str(b, n->u.d);
	else
		repr_value(b, l->t, v);
	/*
	 * A NUL after it, not counted: regexec matches [0, len) with
	 * REG_STARTEND, but sanitizers' interceptors read up to a NUL.
	 */
	buf_addc(b, '\0');
	if (b->nomem)
		return -1;
	return test(rule, b->p, b->len - 1);
}

/*
 * The values at path from node idx: a key, or a dotted path into nested
 * objects. At each level a key holding the rest of the path whole is
 * taken first, so a key with a dot in it can be named too. A list met
 * before the path's end is gone through: each element goes on with the
 * rest of the path (Wazuh's discard_field does so), lists of lists too,
 * as deep as the record nests (PJ_MAX_DEPTH).
 */
static int
field_walk(struct field_lookup *l, size_t idx, const char *path,
    discard_test_fn test, const void *rule)
{
	const struct pj_node	*n;
	const size_t		*p;
	const char		*dot;
	size_t			 i, v;
	int			 rc;

	for (;;) {
		n = &l->t->nodes[idx];
		if (n->type == PJ_ARR) {
			p = l->t->kids + n->off;
			for (i = 0; i < n->len; i++)
				if ((rc = field_walk(l, p[i], path, test,
				    rule)) != 0)
					return rc;
			return 0;
		}
		if (n->type != PJ_OBJ)
			return 0;
		if ((v = obj_getn(l->t, n, path, strlen(path))) != (size_t)-1)
			return value_test(l, v, test, rule);
		if ((dot = strchr(path, '.')) == NULL ||
		    (v = obj_getn(l->t, n, path, (size_t)(dot - path))) ==
		    (size_t)-1)
			return 0;
		idx = v;
		path = dot + 1;
	}
}

/* discard_lookup_fn over the record being looked at. */
static int
field_text(void *arg, const char *path, discard_test_fn test,
    const void *rule)
{
	struct field_lookup	*l = arg;

	/* The record itself is an object: a list only past its first key. */
	return field_walk(l, l->rec, path, test, rule);
}

/* Is the record one --discard keeps out? 1 yes, 0 no, -1 no memory. */
static int
discarded(struct flatten *f, const struct pj_tree *t, size_t root)
{
	struct field_lookup	l = { f, t, root };
	int			rc;

	if (f->meta.discard == NULL)
		return 0;
	if ((rc = discard_match(f->meta.discard, field_text, &l)) == 1 &&
	    f->meta.discarded != NULL)
		(*f->meta.discarded)++;
	return rc;
}

/* The record's line in f's format, into f->out. 0, or -1. */
static int
format_line(struct flatten *f, const struct pj_tree *t,
    const struct pj_node *rec)
{
	if (f->fmt == FLATTEN_JSON)
		return json_line(f, t, rec);
	if (f->fmt == FLATTEN_WAZUH)
		return wazuh_line(f, t, rec);
	flat_line(&f->out, t, rec);
	return 0;
}

/* ---------------------------------------------------------------- */
/* --max-line-bytes: linefit.c cuts, the formats above render */

/* linefit's render: the line alone in f->line (f->out set aside). */
static int
fit_render(void *arg, const struct pj_tree *t, size_t root, size_t *len)
{
	struct flatten	*f = arg;
	struct buf	 out = f->out;
	int		 rc;

	f->out = f->line;
	f->out.len = 0;
	rc = format_line(f, t, &t->nodes[root]);
	f->line = f->out;
	f->out = out;
	*len = f->line.len;
	return rc == -1 || f->line.nomem || f->tmp.nomem ? -1 : 0;
}

/*
 * linefit's text: a value as the format writes it (flat: as a member), a
 * string without its quotes.
 */
static int
fit_text(void *arg, const struct pj_tree *t, size_t idx, const char **text,
    size_t *len)
{
	struct flatten		*f = arg;
	struct buf		*b = &f->tmp;
	const struct pj_node	*n = &t->nodes[idx];

	b->len = 0;
	if (n->type == PJ_STR && f->fmt != FLATTEN_FLAT)
		buf_add(b, pj_sdata(t, n), n->len);	/* not its quotes */
	else if (f->fmt == FLATTEN_JSON)
		json_value(b, t, idx, 0);
	else if (f->fmt == FLATTEN_WAZUH)
		wz_value(b, t, idx, 0, 0);
	else if (n->type == PJ_STR)
		flat_text(b, t, n);
	else if (n->type == PJ_INT)
		int_text(b, t, n);
	else if (n->type == PJ_FLOAT)
		float_str(b, n->u.d);
	else
		repr_value(b, t, idx);
	if (b->nomem)
		return -1;
	*text = b->p;
	*len = b->len;
	return 0;
}

/* The record's line, shortened by linefit to fit, into f->out. */
static int
fit_line(struct flatten *f, const struct pj_tree *t, size_t root)
{
	int	rc;

	if ((rc = linefit_record(f->fit, t, root, fit_render, fit_text,
	    f)) == LINEFIT_ENOMEM)
		return -1;
	if (rc != LINEFIT_FITS && f->meta.shortened != NULL)
		(*f->meta.shortened)++;
	if (rc == LINEFIT_OVER && f->meta.overlong != NULL)
		(*f->meta.overlong)++;
	buf_add(&f->out, f->line.p, f->line.len);
	return 0;
}

/* pyjson hands over a record: write its line. */
static int
on_record(void *arg, const struct pj_tree *t, size_t root)
{
	struct flatten	*f = arg;
	const struct pj_node *rec = &t->nodes[root];
	int		 rc;

	if (rec->type != PJ_OBJ)
		return 0;	/* cannot happen: pyjson hands objects only */
	if (f->meta.each != NULL)
		f->meta.each(f->meta.each_arg);
	if ((rc = discarded(f, t, root)) != 0) {
		if (rc == -1) {
			f->rc = FLATTEN_ENOMEM;
			return -1;
		}
		return 0;
	}
	rc = f->fit != NULL ? fit_line(f, t, root) : format_line(f, t, rec);
	if (rc == -1 || f->out.nomem || f->tmp.nomem) {
		f->rc = FLATTEN_ENOMEM;
		return -1;
	}
	f->nrecords++;
	if (f->out.failed || (f->out.len >= FLUSH_AT &&
	    buf_flush(&f->out) == -1)) {
		f->rc = FLATTEN_EWRITE;
		return -1;
	}
	return 0;
}

/* Another top-level "Records": what the earlier ones wrote is void. */
static int
on_records(void *arg)
{
	struct flatten	*f = arg;

	buf_forget(&f->out);
	f->nrecords = 0;
	if (f->meta.discarded != NULL)
		*f->meta.discarded = 0;
	if (f->rewind(f->arg) == -1) {
		f->rc = FLATTEN_EWRITE;
		return -1;
	}
	return 0;
}

struct flatten *
flatten_new(enum flatten_format fmt, const struct flatten_meta *meta,
    flatten_write_fn write, flatten_rewind_fn rewind, void *arg)
{
	struct flatten	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->fmt = fmt;
	f->meta.bucket = meta != NULL && meta->bucket != NULL ? meta->bucket :
	    "";
	f->meta.key = meta != NULL && meta->key != NULL ? meta->key : "";
	f->meta.basename = meta != NULL && meta->basename != NULL ?
	    meta->basename : "";
	f->meta.account_alias = meta != NULL && meta->account_alias != NULL ?
	    meta->account_alias : "";
	f->meta.discard = meta != NULL ? meta->discard : NULL;
	f->meta.discarded = meta != NULL ? meta->discarded : NULL;
	f->meta.each = meta != NULL ? meta->each : NULL;
	f->meta.each_arg = meta != NULL ? meta->each_arg : NULL;
	if (meta != NULL && meta->max_line > 0) {
		f->meta.max_line = meta->max_line;
		f->meta.shortened = meta->shortened;
		f->meta.overlong = meta->overlong;
		if ((f->fit = linefit_new(meta->max_line)) == NULL) {
			free(f);
			return NULL;
		}
	}
	f->write = write;
	f->rewind = rewind;
	f->arg = arg;
	f->out.flush = write;
	f->out.arg = arg;
	if ((f->pj = pj_new(fmt == FLATTEN_WAZUH, on_record, on_records,
	    f)) == NULL || (fmt == FLATTEN_WAZUH && wz_setup(f) == -1) ||
	    (fmt == FLATTEN_JSON && json_setup(f) == -1)) {
		flatten_free(f);
		return NULL;
	}
	return f;
}

void
flatten_free(struct flatten *f)
{
	if (f == NULL)
		return;
	pj_free(f->pj);
	if (!f->out.lent)
		free(f->out.p);
	free(f->tmp.p);
	free(f->line.p);
	linefit_free(f->fit);
	pj_dict_free(&f->dict);
	scratch_free(&f->sc);
	free(f->wz);
	free(f->wzinfo);
	free(f->jsbase);
	free(f);
}

void
flatten_lender(struct flatten *f, flatten_lend_fn lend,
    flatten_commit_fn commit)
{
	f->out.lend = lend;
	f->out.commit = commit;
}

static int
status(struct flatten *f, int pjrc)
{
	switch (pjrc) {
	case 0:
		return FLATTEN_OK;
	case PJ_EBADDOC:
		return FLATTEN_EBADDOC;
	case PJ_ECALLER:
		return f->rc != 0 ? f->rc : FLATTEN_ENOMEM;
	default:
		return FLATTEN_ENOMEM;
	}
}

int
flatten_feed(struct flatten *f, const char *buf, size_t len)
{
	return status(f, pj_feed(f->pj, buf, len));
}

int
flatten_end(struct flatten *f, size_t *nrecords, char *err, size_t errlen)
{
	int	rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (nrecords != NULL)
		*nrecords = 0;
	if ((rc = status(f, pj_end(f->pj))) == FLATTEN_EBADDOC) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", pj_error(f->pj));
		return rc;
	}
	if (rc != FLATTEN_OK)
		return rc;
	if (buf_flush(&f->out) == -1)
		return FLATTEN_EWRITE;
	if (nrecords != NULL)
		*nrecords = f->nrecords;
	return FLATTEN_OK;
}

/* flatten_document's writer: counts the lines that went out. */
struct counted {
	flatten_write_fn	 write;
	void			*arg;
	size_t			 lines;
};

static int
counted_write(void *arg, const char *buf, size_t len)
{
	struct counted	*c = arg;
	const char	*p = buf, *end = buf + len;

	if (c->write(c->arg, buf, len) == -1)
		return -1;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c->lines++;
		p++;
	}
	return 0;
}

int
flatten_document(enum flatten_format fmt, const char *doc, size_t len,
    const struct flatten_meta *meta, flatten_write_fn write, void *arg,
    size_t *nrecords, char *err, size_t errlen)
{
	struct spool	*sp = NULL;
	struct flatten	*f = NULL;
	struct counted	 c = { write, arg, 0 };
	int		 rc = FLATTEN_ENOMEM;

	if (nrecords != NULL)
		*nrecords = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	/* The document is in memory already: so may its lines be. */
	if ((sp = spool_new(NULL, SIZE_MAX)) == NULL ||
	    (f = flatten_new(fmt, meta, spool_write, spool_rewind,
	    sp)) == NULL)
		goto out;
	(void)flatten_feed(f, doc, len);
	/* The only writer so far is the memory spool: its failure is ours. */
	if ((rc = flatten_end(f, NULL, err, errlen)) == FLATTEN_EWRITE)
		rc = FLATTEN_ENOMEM;
	if (rc != FLATTEN_OK)
		goto out;
	if (spool_drain(sp, counted_write, &c) == -1)
		rc = FLATTEN_EWRITE;
 out:
	if (nrecords != NULL)
		*nrecords = c.lines;
	flatten_free(f);
	spool_free(sp);
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
