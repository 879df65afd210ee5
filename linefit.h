/* SPDX-License-Identifier: ISC */
/*
 * linefit.h - --max-line-bytes: a record's line kept within what its
 * consumer reads whole.
 *
 * ossec-logcollector cuts a line at about 6 KB, OSSEC 3.x's decoder gives
 * up on fields far into a line, Wazuh's logcollector cuts at 64 KiB: a
 * long RunInstances then loses, or never shows, the fields rules key on.
 * linefit shortens the record's largest values first, each to a prefix
 * of its own text and a marker saying what was cut, until the line fits;
 * the fields rules key on (eventName, eventSource, errorCode,
 * sourceIPAddress, userIdentity's type and names) are never touched.
 *
 * The format is the caller's: it renders a line of a tree (render) and
 * gives a value's text (text). linefit works on a copy of the record's
 * nodes in which a shortened value is a string; the caller's tree is
 * never changed.
 */
#ifndef LINEFIT_H
#define LINEFIT_H

#include <stddef.h>

#define LINEFIT_MIN	1024		/* smallest --max-line-bytes */
#define LINEFIT_MAX	(16 * 1024 * 1024)	/* largest: PJ_RECORD_MAX */

struct pj_tree;

/*
 * Render the line of the record at root of t (its newline included) into
 * the caller's line buffer, replacing what it held; *len gets its length.
 * 0, or -1 (out of memory).
 */
typedef int (*linefit_render_fn)(void *arg, const struct pj_tree *t,
    size_t root, size_t *len);

/*
 * The text of value idx of t as the format writes it, valid until the
 * next call. 0, or -1 (out of memory).
 */
typedef int (*linefit_text_fn)(void *arg, const struct pj_tree *t,
    size_t idx, const char **text, size_t *len);

/* linefit_record's results. */
#define LINEFIT_FITS	 0	/* the line fitted as it was */
#define LINEFIT_CUT	 1	/* values shortened; the line fits now */
#define LINEFIT_OVER	 2	/* every value it may cut cut: still longer */
#define LINEFIT_ENOMEM	-1

struct linefit;

/* Lines of at most limit bytes, newline included. NULL: out of memory. */
struct linefit	*linefit_new(size_t limit);
void		 linefit_free(struct linefit *);

/*
 * Render the record at root of t, shortened as needed; the last render
 * call made is the line to write. One of LINEFIT_*.
 */
int		 linefit_record(struct linefit *, const struct pj_tree *t,
		    size_t root, linefit_render_fn render,
		    linefit_text_fn text, void *arg);

/*
 * The water level: the largest cap such that cutting every size in
 * sizes[0..n) down to cap removes at least need bytes (0 when even that
 * is too little). Pure; exported for the tests.
 */
size_t		 linefit_cap(const size_t *sizes, size_t n, size_t need);

#endif /* LINEFIT_H */
