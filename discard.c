/* SPDX-License-Identifier: ISC */
/*
 * discard.c - the rules of --discard, compiled once; the record's side
 * (finding a field, its texts) is the converter's, behind a callback.
 *
 * The cost of a match is linear in the text: glibc's regexec tries every
 * start in turn, each scan running up to the end, so an unanchored rule
 * costs the square of the text's length (20 s for `Mozilla.*bot` on a
 * 256 KiB userAgent, chosen by whoever calls the AWS API). Each rule is
 * compiled a second time as ANY*(REGEX), anchored at the start: one scan
 * of glibc's DFA, whose states are cached, from the first byte. ANY is
 * (.|[^.]): '.' alone would stop at a NUL. Back-references (\1, a glibc
 * extension to EREs) are refused: no matcher bounds their cost, and the
 * wrapping moves their numbers; so is a ')' that closes nothing, which
 * would close the wrapping's group.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard.h"

struct rule {
	char	 field[DISCARD_FIELD_MAX];
	regex_t	 re;		/* ANY*(REGEX), anchored: see the top */
};

#define ANY_PREFIX	"^(.|[^.])*("

/*
 * What the wrapping cannot take, out of brackets: a back-reference (\1
 * to \9), or a ')' that closes nothing (an ERE reads it as itself; in
 * the wrapping it would close ours). NULL when there is none.
 */
static const char *
wrap_problem(const char *s)
{
	size_t	depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth-- == 0)
			return "a ')' that closes nothing (write \\))";
		else if (*s == '\\') {
			if (s[1] >= '1' && s[1] <= '9')
				return "a back-reference (\\1 to \\9) has no "
				    "bounded cost";
			if (s[1] != '\0')
				s++;
		} else if (*s == '[') {
			/* A bracket: ']' first is literal; [:class:] and the like. */
			s++;
			if (*s == '^')
				s++;
			if (*s == ']')
				s++;
			for (; *s != '\0' && *s != ']'; s++)
				if (*s == '[' && (s[1] == ':' || s[1] == '.' ||
				    s[1] == '=')) {
					const char *e = strchr(s + 2, s[1]);

					while (e != NULL && e[1] != ']')
						e = strchr(e + 1, s[1]);
					if (e == NULL)
						return NULL;	/* regcomp refused it */
					s = e + 1;
				}
			if (*s == '\0')
				return NULL;
		}
	}
	return NULL;
}

/* Compile REGEX, checked alone (its own errors), then wrapped. */
static int
rule_compile(struct rule *r, const char *spec, const char *ex, char *err,
    size_t errlen)
{
	regex_t		 alone;
	const char	*why;
	char		 buf[256], *wrapped = NULL;
	size_t		 len = strlen(ex);
	int		 rc;

	if ((rc = regcomp(&alone, ex, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &alone, buf, sizeof(buf));
		(void)snprintf(err, errlen, "%s: %s", spec, buf);
		return -1;
	}
	regfree(&alone);
	if ((why = wrap_problem(ex)) != NULL) {
		(void)snprintf(err, errlen, "%s: %s", spec, why);
		return -1;
	}
	if ((wrapped = malloc(sizeof(ANY_PREFIX) + len + 1)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(wrapped, ANY_PREFIX, sizeof(ANY_PREFIX) - 1);
	memcpy(wrapped + sizeof(ANY_PREFIX) - 1, ex, len);
	memcpy(wrapped + sizeof(ANY_PREFIX) - 1 + len, ")", 2);
	rc = regcomp(&r->re, wrapped, REG_EXTENDED | REG_NOSUB);
	free(wrapped);
	if (rc != 0) {
		regerror(rc, &r->re, buf, sizeof(buf));
		(void)snprintf(err, errlen, "%s: %s", spec, buf);
		return -1;
	}
	return 0;
}

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
	if (rule_compile(r, spec, eq + 1, err, errlen) == -1)
		return -1;
	d->n++;
	return 0;
}

/* discard_test_fn: does text[0..len) match the rule? */
static int
rule_test(const void *arg, const char *text, size_t len)
{
	const struct rule	*r = arg;
	regmatch_t		 m;

	/* The whole text, NULs and all: glibc's REG_STARTEND. */
	m.rm_so = 0;
	m.rm_eo = (regoff_t)len;
	return regexec(&r->re, text, 1, &m, REG_STARTEND) == 0;
}

int
discard_match(const struct discard *d, discard_lookup_fn lookup,
    void *record)
{
	size_t	 i;
	int	 rc;

	if (d == NULL)
		return 0;
	for (i = 0; i < d->n; i++)
		if ((rc = lookup(record, d->rules[i].field, rule_test,
		    &d->rules[i])) != 0)
			return rc;
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
