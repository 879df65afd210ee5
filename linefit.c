/* SPDX-License-Identifier: ISC */
/*
 * linefit.c - --max-line-bytes: shorten a record's largest values until
 * its line fits (see linefit.h).
 *
 * The values that may be cut ("units") are the record's members, and the
 * members of the objects on the way to a kept field (userIdentity,
 * userIdentity.sessionContext), but never a kept field nor an object
 * holding one. Their texts (the format's own) are measured; a water
 * level is found (linefit_cap) such that cutting every longer text down
 * to it removes the excess, so the largest values are shortened first
 * and alike; each cut value becomes a string: the first bytes of its text
 * and a marker naming how much was cut. The line is rendered again; as
 * escaping and the markers add bytes, the level is lowered by what is
 * still over, a few times, then to nothing (markers only). When even that
 * does not fit (the kept fields alone are longer), the line is written
 * so, and the caller counts it.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linefit.h"
#include "pyjson.h"
#include "util.h"

#define TRIES		8	/* levels tried before the markers only */
#define PATH_MAX_LEN	128	/* a kept path's length, dots included */
#define MARK_MAX	80	/* a marker's text */
#define UNIT_MIN	48	/* shorter values: a marker would not save */

/*
 * Never cut: what rules key on (OSSEC's 2016 Amazon rules and Wazuh's
 * amazon ruleset: the event, the caller, the error), and the names of
 * the caller, a role session's issuer included.
 */
static const char *const kept[] = {
	"eventName", "eventSource", "errorCode", "sourceIPAddress",
	"awsRegion", "eventTime",
	"userIdentity.type", "userIdentity.userName",
	"userIdentity.principalId", "userIdentity.arn",
	"userIdentity.accountId",
	"userIdentity.sessionContext.sessionIssuer",
	NULL
};

struct unit {
	size_t	 node;		/* the value's node */
	size_t	 size;		/* its text's length */
	size_t	 off;		/* its text in texts */
};

struct linefit {
	size_t		 limit;
	struct unit	*u;
	size_t		 nu, ucap;
	size_t		*sizes;
	size_t		 sizecap;
	char		*texts;
	size_t		 tlen, tcap;
	struct pj_node	*nodes;		/* the copy, cut values as strings */
	size_t		 ncap, nnodes;
	char		*str;		/* the tree's str, then the cut texts */
	size_t		 scap, slen, sbase;
	size_t		*stack;
	size_t		 stcap;
};

struct linefit *
linefit_new(size_t limit)
{
	struct linefit	*lf;

	if ((lf = calloc(1, sizeof(*lf))) == NULL)
		return NULL;
	lf->limit = limit;
	return lf;
}

void
linefit_free(struct linefit *lf)
{
	if (lf == NULL)
		return;
	free(lf->u);
	free(lf->sizes);
	free(lf->texts);
	free(lf->nodes);
	free(lf->str);
	free(lf->stack);
	free(lf);
}

size_t
linefit_cap(const size_t *sizes, size_t n, size_t need)
{
	size_t	 lo = 0, hi = 0, mid, i, cut;

	for (i = 0; i < n; i++)
		if (sizes[i] > hi)
			hi = sizes[i];
	/* The cut at level c falls as c rises: the largest c cutting need. */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		for (cut = 0, i = 0; i < n && cut < need; i++)
			if (sizes[i] > mid)
				cut += sizes[i] - mid;
		if (cut >= need)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* 1 when path is kept, 2 when a kept path goes on under it, else 0. */
static int
kept_path(const char *path, size_t len)
{
	size_t	 i;

	for (i = 0; kept[i] != NULL; i++) {
		if (strncmp(kept[i], path, len) != 0)
			continue;
		if (kept[i][len] == '\0')
			return 1;
		if (kept[i][len] == '.')
			return 2;
	}
	return 0;
}

/* Add value idx as a unit, its text copied. 0, or -1. */
static int
add_unit(struct linefit *lf, const struct pj_tree *t, size_t idx,
    linefit_text_fn text, void *arg)
{
	const char	*s;
	size_t		 len;

	if (text(arg, t, idx, &s, &len) == -1)
		return -1;
	if (len <= UNIT_MIN)
		return 0;
	if (util_grow((void **)&lf->u, &lf->ucap, lf->nu + 1,
	    sizeof(*lf->u)) == -1 ||
	    util_grow((void **)&lf->texts, &lf->tcap, lf->tlen + len, 1) == -1)
		return -1;
	memcpy(lf->texts + lf->tlen, s, len);
	lf->u[lf->nu].node = idx;
	lf->u[lf->nu].size = len;
	lf->u[lf->nu].off = lf->tlen;
	lf->nu++;
	lf->tlen += len;
	return 0;
}

/*
 * The units among object obj's members, path[0..plen) its own path
 * ("" for the record). Depth is bounded by the kept paths'. 0, or -1.
 */
static int
collect(struct linefit *lf, const struct pj_tree *t, size_t obj, char *path,
    size_t plen, linefit_text_fn text, void *arg)
{
	const struct pj_node	*o = &t->nodes[obj], *k, *v;
	const size_t		*p = t->kids + o->off;
	size_t			 i, len;
	int			 how;

	for (i = 0; i < o->len; i++) {
		k = &t->nodes[p[2 * i]];
		v = &t->nodes[p[2 * i + 1]];
		len = plen + (plen > 0) + k->len;
		how = 0;
		if (len < PATH_MAX_LEN) {
			if (plen > 0)
				path[plen] = '.';
			memcpy(path + len - k->len, pj_sdata(t, k), k->len);
			path[len] = '\0';
			how = kept_path(path, len);
		}
		if (how == 1)
			continue;
		if (how == 2 && v->type == PJ_OBJ) {
			if (collect(lf, t, p[2 * i + 1], path, len, text,
			    arg) == -1)
				return -1;
			continue;
		}
		if (add_unit(lf, t, p[2 * i + 1], text, arg) == -1)
			return -1;
	}
	return 0;
}

/*
 * Copy the record's nodes and its str (the decoded strings) as far as
 * they are reached from root. 0, or -1.
 */
static int
copy_tree(struct linefit *lf, const struct pj_tree *t, size_t root)
{
	const struct pj_node	*n;
	size_t			 nst = 0, idx, max = root, ext = 0, i, nk;

	if (util_grow((void **)&lf->stack, &lf->stcap, 1, sizeof(size_t)) == -1)
		return -1;
	lf->stack[nst++] = root;
	while (nst > 0) {
		idx = lf->stack[--nst];
		n = &t->nodes[idx];
		if (idx > max)
			max = idx;
		if (n->type == PJ_STR && (n->flags & PJ_COPY) &&
		    n->off + n->len > ext)
			ext = n->off + n->len;
		if (n->type != PJ_ARR && n->type != PJ_OBJ)
			continue;
		nk = n->type == PJ_OBJ ? 2 * (size_t)n->len : n->len;
		if (util_grow((void **)&lf->stack, &lf->stcap, nst + nk,
		    sizeof(size_t)) == -1)
			return -1;
		for (i = 0; i < nk; i++)
			lf->stack[nst++] = t->kids[n->off + i];
	}
	if (util_grow((void **)&lf->nodes, &lf->ncap, max + 1,
	    sizeof(*lf->nodes)) == -1 ||
	    util_grow((void **)&lf->str, &lf->scap, ext + 1, 1) == -1)
		return -1;
	memcpy(lf->nodes, t->nodes, (max + 1) * sizeof(*lf->nodes));
	lf->nnodes = max + 1;
	if (ext > 0)
		memcpy(lf->str, t->str, ext);
	lf->sbase = ext;
	return 0;
}

/* Unit u's text cut down to cap bytes and marked, as a string node. */
static int
cut_unit(struct linefit *lf, const struct unit *u, size_t cap)
{
	const char	*s = lf->texts + u->off;
	char		 mark[MARK_MAX];
	struct pj_node	*n = &lf->nodes[u->node];
	size_t		 keep = cap, i, len;
	int		 w, flags = PJ_COPY | PJ_PLAIN;

	/* Never half a UTF-8 sequence. */
	while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	w = snprintf(mark, sizeof(mark), "...[getawslog: %zu of %zu bytes "
	    "cut]", u->size - keep, u->size);
	if (w < 0 || (size_t)w >= sizeof(mark))
		return -1;
	len = keep + (size_t)w;
	if (len > UINT32_MAX || util_grow((void **)&lf->str, &lf->scap,
	    lf->slen + len, 1) == -1)
		return -1;
	memcpy(lf->str + lf->slen, s, keep);
	memcpy(lf->str + lf->slen + keep, mark, (size_t)w);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)lf->str[lf->slen + i];

		if (c < 0x20 || c > 0x7e || c == '\\')
			flags &= ~PJ_PLAIN;
		if (c == '\'')
			flags |= PJ_SQ;
		if (c == '"')
			flags |= PJ_DQ;
	}
	memset(n, 0, sizeof(*n));
	n->type = PJ_STR;
	n->flags = (uint8_t)flags;
	n->off = lf->slen;
	n->len = (uint32_t)len;
	lf->slen += len;
	return 0;
}

/* The copy with every unit longer than cap cut; rendered. 0, or -1. */
static int
render_cut(struct linefit *lf, const struct pj_tree *t, size_t root,
    size_t cap, linefit_render_fn render, void *arg, size_t *len)
{
	struct pj_tree	 c = *t;
	size_t		 i;

	memcpy(lf->nodes, t->nodes, lf->nnodes * sizeof(*lf->nodes));
	lf->slen = lf->sbase;
	for (i = 0; i < lf->nu; i++)
		if (lf->u[i].size > cap && cut_unit(lf, &lf->u[i], cap) == -1)
			return -1;
	c.nodes = lf->nodes;
	c.str = lf->str;
	return render(arg, &c, root, len);
}

int
linefit_record(struct linefit *lf, const struct pj_tree *t, size_t root,
    linefit_render_fn render, linefit_text_fn text, void *arg)
{
	char	 path[PATH_MAX_LEN];
	size_t	 len, need, cap, i, tries;

	if (render(arg, t, root, &len) == -1)
		return LINEFIT_ENOMEM;
	if (len <= lf->limit)
		return LINEFIT_FITS;
	lf->nu = lf->tlen = 0;
	path[0] = '\0';
	if (collect(lf, t, root, path, 0, text, arg) == -1 ||
	    util_grow((void **)&lf->sizes, &lf->sizecap,
	    lf->nu, sizeof(size_t)) == -1)
		return LINEFIT_ENOMEM;
	if (lf->nu == 0)
		return LINEFIT_OVER;
	for (i = 0; i < lf->nu; i++)
		lf->sizes[i] = lf->u[i].size;
	if (copy_tree(lf, t, root) == -1)
		return LINEFIT_ENOMEM;
	need = len - lf->limit;
	for (tries = 0; tries <= TRIES; tries++) {
		cap = tries < TRIES ? linefit_cap(lf->sizes, lf->nu, need) : 0;
		if (render_cut(lf, t, root, cap, render, arg, &len) == -1)
			return LINEFIT_ENOMEM;
		if (len <= lf->limit)
			return LINEFIT_CUT;
		if (cap == 0)
			break;
		need += len - lf->limit;
	}
	return LINEFIT_OVER;
}
