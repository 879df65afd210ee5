/* SPDX-License-Identifier: ISC */
/*
 * pyjson.h - a CloudTrail document read as Python 2.7's json.load read it,
 * in pieces of any size, one record at a time.
 *
 * pj_feed() takes the document as it is inflated. A validating scanner
 * follows the whole document with a few bytes of state; each element of
 * the top-level "Records" array is built into a tree (struct pj_tree),
 * handed to the caller's on_record, and dropped. Memory is bounded by the
 * largest record (PJ_RECORD_MAX bytes, PJ_RECORD_VALUES values), whatever
 * the document's size. A record that lies whole in the piece at hand is
 * parsed where it lies; one cut by a piece boundary is scanned into a
 * buffer of its own first.
 *
 * What Python 2.7's json did and cJSON does not, kept here: the text of
 * every number (Python prints 10**20 and 1.10 from it), "\ud800" escapes
 * (kept as code points, stored as generalized UTF-8), strict UTF-8 with
 * encoded surrogates let through, repeated keys (the last value wins, in
 * the first one's place), and each object's members in the order a
 * CPython 2.7 dict iterates them. A repeated top-level "Records" makes the
 * earlier ones void (on_records tells the caller to forget their output).
 */
#ifndef PYJSON_H
#define PYJSON_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define PJ_MAX_DEPTH	1000			/* JSON nesting: Python's */
#define PJ_RECORD_MAX	(16 * 1024 * 1024)	/* bytes of one record */
#define PJ_RECORD_VALUES (1024 * 1024)		/* keys and values in one */
#define PJ_ERR_MAX	128			/* a reason's text */

enum pj_type {
	PJ_NULL, PJ_FALSE, PJ_TRUE, PJ_INT, PJ_FLOAT, PJ_STR, PJ_ARR, PJ_OBJ
};

/* String flags: what escaping a string may need (fast paths). */
#define PJ_PLAIN	0x01	/* only bytes 0x20..0x7e, no backslash */
#define PJ_SQ		0x02	/* contains ' */
#define PJ_DQ		0x04	/* contains " */
#define PJ_COPY		0x20	/* text is in the tree's str, not in src */
#define PJ_UNHASHED	0x40	/* (the parser's own: hash not made yet) */
/* Number flags. */
#define PJ_LONG		0x08	/* int outside the signed 64-bit range */
#define PJ_ZERO		0x10	/* int whose value is 0 */

/*
 * One value of a record. Strings: off/len into src, or with PJ_COPY (it
 * had escapes) into str at the same offset. Numbers: off/len of the
 * lexeme in src. Arrays: len children at kids[off]. Objects: len distinct
 * members; kids[off] holds 2*len (key, value) node indexes in CPython 2.7
 * iteration order, then, when the stream keeps insertion order, 2*len
 * more in first-insertion order (Python 3's).
 */
struct pj_node {
	uint8_t		 type;
	uint8_t		 flags;
	uint32_t	 len;
	size_t		 off;
	union {
		double	 d;	/* PJ_FLOAT */
		uint64_t hash;	/* PJ_STR key: Python 2.7 unicode hash */
	} u;
};

/* One record, valid during on_record only. */
struct pj_tree {
	const unsigned char	*src;	/* the record's text */
	const char		*str;	/* decoded strings that had escapes */
	const struct pj_node	*nodes;
	const size_t		*kids;
};

static inline const char *
pj_sdata(const struct pj_tree *t, const struct pj_node *n)
{
	return (n->flags & PJ_COPY ? t->str : (const char *)t->src) + n->off;
}

/* Next code point of a decoded (generalized UTF-8) string. */
static inline size_t
pj_cp_next(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) |
		    ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(s[0] & 0x07) << 18) |
	    ((uint32_t)(s[1] & 0x3f) << 12) | ((uint32_t)(s[2] & 0x3f) << 6) |
	    (s[3] & 0x3f);
	return 4;
}

/*
 * The first offset from i on in s[0..len) whose byte an escaper must look
 * at: a control, DEL, a byte of UTF-8, a or b (a quote, a backslash); len
 * if none. Printable ASCII runs are skipped 16 bytes at a time.
 */
static inline size_t
pj_run(const unsigned char *s, size_t i, size_t len, int a, int b)
{
#if defined(__SSE2__)
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
	__m128i	 v, m;
	int	 bits;

	/* Bytes 0x80 and up are negative as signed: under 0x20 too. */
	while (len - i >= 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, sp),
		    _mm_cmpeq_epi8(v, del)), _mm_or_si128(_mm_cmpeq_epi8(v, va),
		    _mm_cmpeq_epi8(v, vb)));
		if ((bits = _mm_movemask_epi8(m)) != 0)
			return i + (size_t)__builtin_ctz((unsigned)bits);
		i += 16;
	}
#endif
	while (i < len && s[i] >= 0x20 && s[i] < 0x7f && s[i] != a &&
	    s[i] != b)
		i++;
	return i;
}

/* CPython 2.7's hash of the decoded string s[0..len). */
uint64_t	 pj_hash(const unsigned char *s, size_t len);

/* A key as the dict emulation sees it. */
struct pj_dkey {
	uint64_t	 hash;
	const char	*s;
	size_t		 len;
};

/* Scratch tables of the dict emulation, reused from call to call. */
struct pj_dict {
	size_t		*tab, *tab2;
	size_t		 tabcap, tab2cap;
};

/*
 * Insert keys k[0..n) in order into an emulated CPython 2.7 dict.
 * first[i] gets the index of the first key equal to key i; order[] the
 * indexes of the distinct keys in iteration (slot) order. Returns the
 * distinct count, or -1 when out of memory.
 */
ssize_t		 pj_dict_order(struct pj_dict *, const struct pj_dkey *k,
		    size_t n, size_t *order, size_t *first);
void		 pj_dict_free(struct pj_dict *);

/* What went wrong (pj_feed, pj_end). */
#define PJ_EBADDOC	-1	/* the document is bad: pj_error says why */
#define PJ_ENOMEM	-2	/* out of memory */
#define PJ_ECALLER	-3	/* a callback returned -1 */

struct pj_stream;

/*
 * A stream for one document. on_record(arg, tree, root) gets each record
 * (root is its node); on_records(arg) is called at a top-level "Records"
 * key after the first: forget what the earlier ones made. Both return 0,
 * or -1 to stop (PJ_ECALLER). insorder: also keep objects' insertion
 * order (kids, above). NULL when out of memory.
 */
struct pj_stream *pj_new(int insorder,
		    int (*on_record)(void *, const struct pj_tree *, size_t),
		    int (*on_records)(void *), void *arg);
void		 pj_free(struct pj_stream *);

/*
 * The next len bytes of the document (any cut). 0, or one of PJ_E*; after
 * a failure every call returns it again.
 */
int		 pj_feed(struct pj_stream *, const char *buf, size_t len);

/*
 * The document ends here. 0 when the whole of it was good (JSON, a
 * top-level object, its last "Records", if any, an array of objects), or
 * one of PJ_E*.
 */
int		 pj_end(struct pj_stream *);

/*
 * The reason of PJ_EBADDOC, one line without the object's name, such as
 * "invalid JSON at byte 1234" or "Records is not an array".
 */
const char	*pj_error(const struct pj_stream *);

#endif /* PYJSON_H */
