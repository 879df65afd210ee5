/* SPDX-License-Identifier: ISC */
/*
 * discard.c - the rules of --discard, compiled once; the record's side
 * (finding a field, its text) is the converter's, behind a callback.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard.h"

struct rule {
	char	 field[DISCARD_FIELD_MAX];
	regex_t	 re;
};

struct discard {
	struct rule	 rules[DISCARD_RULES_MAX];
	size_t		 n;
};

int
discard_add(struct discard **dp, const char *spec, char *err, size_t errlen)
{
	struct discard	*d = *dp;
	const char	*eq = strchr(spec, '=');
	struct rule	*r;
	char		 buf[256];
	int		 rc;

	if (eq == NULL) {
		(void)snprintf(err, errlen, "%s: no '=' (FIELD=REGEX)", spec);
		return -1;
	}
	if (eq == spec || (size_t)(eq - spec) >= DISCARD_FIELD_MAX) {
		(void)snprintf(err, errlen, "%s: FIELD is empty or longer "
		    "than %d bytes", spec, DISCARD_FIELD_MAX - 1);
		return -1;
	}
	if (d == NULL && (d = *dp = calloc(1, sizeof(*d))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (d->n == DISCARD_RULES_MAX) {
		(void)snprintf(err, errlen, "%s: more than %d rules", spec,
		    DISCARD_RULES_MAX);
		return -1;
	}
	r = &d->rules[d->n];
	memcpy(r->field, spec, (size_t)(eq - spec));
	r->field[eq - spec] = '\0';
	if ((rc = regcomp(&r->re, eq + 1, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &r->re, buf, sizeof(buf));
		(void)snprintf(err, errlen, "%s: %s", spec, buf);
		return -1;
	}
	d->n++;
	return 0;
}

int
discard_match(const struct discard *d, discard_lookup_fn lookup,
    void *record)
{
	const char	*text;
	regmatch_t	 m;
	size_t		 i, len;
	int		 rc;

	if (d == NULL)
		return 0;
	for (i = 0; i < d->n; i++) {
		if ((rc = lookup(record, d->rules[i].field, &text, &len)) == -1)
			return -1;
		if (rc == 0)
			continue;
		/* The whole text, NULs and all: glibc's REG_STARTEND. */
		m.rm_so = 0;
		m.rm_eo = (regoff_t)len;
		if (regexec(&d->rules[i].re, text, 1, &m, REG_STARTEND) == 0)
			return 1;
	}
	return 0;
}

void
discard_free(struct discard *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		regfree(&d->rules[i].re);
	free(d);
}
