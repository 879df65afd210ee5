/* SPDX-License-Identifier: ISC */
/*
 * discard.h - --discard FIELD=REGEX: records not written. FIELD is a
 * top-level key of a record or a dotted path into nested objects
 * (userIdentity.type), which goes through lists: a path that meets a
 * list before its end goes on in each element, and matches when one of
 * them does (resources.type, as Wazuh's discard_field). REGEX is a POSIX
 * extended regular expression without back-references, matched against
 * the text the flat format would write for the value (a string as is, a
 * number as its text, a nested object or list as its Python repr), in
 * time linear in the text (see discard.c). A record matching any rule is
 * discarded.
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

/* Does text[0..len) (it may hold NULs) match rule? 1 yes, 0 no. */
typedef int	(*discard_test_fn)(const void *rule, const char *text,
		    size_t len);

/*
 * Hand each text of the record at path to test(rule, ...), until one
 * matches: 1 one did, 0 none (or the path is absent), -1 out of memory.
 * discard_match asks for each rule's path.
 */
typedef int	(*discard_lookup_fn)(void *record, const char *path,
		    discard_test_fn test, const void *rule);

/* Does the record match a rule? 1 yes, 0 no, -1 the lookup failed. */
int	 discard_match(const struct discard *, discard_lookup_fn lookup,
	    void *record);

void	 discard_free(struct discard *);

#endif /* GETAWSLOG_DISCARD_H */
