/* SPDX-License-Identifier: ISC */
/*
 * test_discard.c - --discard's rules (discard.c): parsing FIELD=REGEX,
 * matching against a record's field texts through the lookup callback.
 */
#include <string.h>

#include "discard.h"
#include "unit.h"

/* A record as pairs of path and text; a NULL text: the lookup fails. */
struct fake {
	const char	*paths[8];
	const char	*texts[8];
	size_t		 lens[8];
	int		 asked;
};

static int
lookup(void *arg, const char *path, const char **text, size_t *len)
{
	struct fake	*f = arg;
	size_t		 i;

	f->asked++;
	for (i = 0; i < 8 && f->paths[i] != NULL; i++)
		if (strcmp(f->paths[i], path) == 0) {
			if (f->texts[i] == NULL)
				return -1;
			*text = f->texts[i];
			*len = f->lens[i] ? f->lens[i] : strlen(f->texts[i]);
			return 1;
		}
	return 0;
}

static void
test_parse(void)
{
	struct discard	*d = NULL;
	char		 err[256];

	CHECK(discard_add(&d, "eventName=^Decrypt$", err, sizeof(err)) == 0,
	    "a rule");
	CHECK(discard_add(&d, "userIdentity.type=AWSService|AssumedRole", err,
	    sizeof(err)) == 0, "a dotted path, an alternation");
	CHECK(discard_add(&d, "a==", err, sizeof(err)) == 0, "REGEX '='");
	CHECK(discard_add(&d, "eventName", err, sizeof(err)) == -1 &&
	    strstr(err, "no '='") != NULL, "no '=': %s", err);
	CHECK(discard_add(&d, "=x", err, sizeof(err)) == -1 &&
	    strstr(err, "FIELD is empty") != NULL, "empty FIELD: %s", err);
	CHECK(discard_add(&d, "eventName=(", err, sizeof(err)) == -1 &&
	    strncmp(err, "eventName=(: ", 13) == 0, "a bad expression: %s",
	    err);
	CHECK(discard_add(&d, "x=a{2,1}", err, sizeof(err)) == -1,
	    "a bad interval: %s", err);
	discard_free(d);
}

static void
test_match(void)
{
	struct discard	*d = NULL;
	char		 err[256];
	struct fake	 f;

	CHECK(discard_add(&d, "eventName=^Decrypt$", err, sizeof(err)) == 0 &&
	    discard_add(&d, "userIdentity.type=^AWSService$", err,
	    sizeof(err)) == 0, "rules");
	memset(&f, 0, sizeof(f));
	f.paths[0] = "eventName";
	f.texts[0] = "Decrypt";
	CHECK(discard_match(d, lookup, &f) == 1, "the first rule");
	f.texts[0] = "GenerateDataKey";
	f.paths[1] = "userIdentity.type";
	f.texts[1] = "AWSService";
	CHECK(discard_match(d, lookup, &f) == 1, "the second rule");
	f.texts[1] = "IAMUser";
	CHECK(discard_match(d, lookup, &f) == 0, "neither");
	f.texts[0] = "DecryptX";
	CHECK(discard_match(d, lookup, &f) == 0, "anchored");
	memset(&f, 0, sizeof(f));
	CHECK(discard_match(d, lookup, &f) == 0 && f.asked == 2,
	    "fields absent: no match");
	f.paths[0] = "eventName";
	f.texts[0] = NULL;
	CHECK(discard_match(d, lookup, &f) == -1, "a failed lookup");
	CHECK(discard_match(NULL, lookup, &f) == 0, "no rules");
	discard_free(d);

	/* The whole text, past a NUL. */
	d = NULL;
	CHECK(discard_add(&d, "k=b$", err, sizeof(err)) == 0, "rule");
	memset(&f, 0, sizeof(f));
	f.paths[0] = "k";
	f.texts[0] = "a\0b";
	f.lens[0] = 3;
	CHECK(discard_match(d, lookup, &f) == 1, "past a NUL");
	discard_free(d);
}

int
main(void)
{
	test_parse();
	test_match();
	UNIT_DONE();
}
