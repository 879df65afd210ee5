/* SPDX-License-Identifier: ISC */
/*
 * discard.h - --discard FIELD=REGEX: records not written. FIELD is a
 * top-level key of a record or a dotted path into nested objects
 * (userIdentity.type); REGEX a POSIX extended regular expression, matched
 * against the text the flat format would write for the value (a string as
 * is, a number as its text, a nested object or list as its Python repr).
 * A record matching any rule is discarded.
 */
#ifndef GETAWSLOG_DISCARD_H
#define GETAWSLOG_DISCARD_H

#include <stddef.h>

#define DISCARD_RULES_MAX	64
#define DISCARD_FIELD_MAX	256	/* bytes of a FIELD */

struct discard;

/*
 * Add the rule spec ("FIELD=REGEX") to *d (NULL: none yet). 0, or -1 with a
 * one-line reason in err (no '=', an empty FIELD, a bad expression, too
 * many rules, no memory).
 */
int	 discard_add(struct discard **d, const char *spec, char *err,
	    size_t errlen);

/*
 * The value of the record at path (a field's text, text[0..len); it may
 * hold NULs): 1 found, 0 absent, -1 out of memory. discard_match asks for
 * each rule's path.
 */
typedef int	(*discard_lookup_fn)(void *record, const char *path,
		    const char **text, size_t *len);

/* Does the record match a rule? 1 yes, 0 no, -1 the lookup failed. */
int	 discard_match(const struct discard *, discard_lookup_fn lookup,
	    void *record);

void	 discard_free(struct discard *);

#endif /* GETAWSLOG_DISCARD_H */
