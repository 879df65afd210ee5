/* SPDX-License-Identifier: ISC */
/*
 * test_discard.c - --discard's rules (discard.c): parsing FIELD=REGEX,
 * matching against a record's field texts through the lookup callback,
 * in time linear in the text.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "discard.h"
#include "unit.h"

/*
 * A record as pairs of path and text; a NULL text: the lookup fails. A
 * path may be there several times (the elements of a list): each text is
 * tested until one matches.
 */
struct fake {
	const char	*paths[8];
	const char	*texts[8];
	size_t		 lens[8];
	int		 asked;
	int		 tested;
};

static int
lookup(void *arg, const char *path, discard_test_fn test, const void *rule)
{
	struct fake	*f = arg;
	size_t		 i;

	f->asked++;
	for (i = 0; i < 8 && f->paths[i] != NULL; i++)
		if (strcmp(f->paths[i], path) == 0) {
			if (f->texts[i] == NULL)
				return -1;
			f->tested++;
			if (test(rule, f->texts[i], f->lens[i] ? f->lens[i] :
			    strlen(f->texts[i])))
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
	CHECK(discard_add(&d, "x=(a)\\1", err, sizeof(err)) == -1 &&
	    strstr(err, "back-reference") != NULL, "a back-reference: %s",
	    err);
	CHECK(discard_add(&d, "x=[\\1]", err, sizeof(err)) == 0,
	    "\\1 in a bracket is no back-reference: %s", err);
	CHECK(discard_add(&d, "x=[[:digit:]\\]\\1", err, sizeof(err)) == -1,
	    "a back-reference after a class: %s", err);
	CHECK(discard_add(&d, "x=a|b)(c", err, sizeof(err)) == -1,
	    "an expression refused alone is refused wrapped too: %s", err);
	CHECK(discard_add(&d, "x=a)|b", err, sizeof(err)) == -1 &&
	    strstr(err, "closes nothing") != NULL, "')' alone: %s", err);
	CHECK(discard_add(&d, "x=(a)|[)]|\\)", err, sizeof(err)) == 0,
	    "')' closing, in a bracket, escaped: %s", err);
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

	/* Anchors and alternations keep their meaning in the wrapping. */
	d = NULL;
	CHECK(discard_add(&d, "k=^ab$|^cd", err, sizeof(err)) == 0, "rule");
	memset(&f, 0, sizeof(f));
	f.paths[0] = "k";
	f.texts[0] = "cdx";
	CHECK(discard_match(d, lookup, &f) == 1, "the second alternative");
	f.texts[0] = "xab";
	CHECK(discard_match(d, lookup, &f) == 0, "'^' is the text's start");
	f.texts[0] = "ab";
	CHECK(discard_match(d, lookup, &f) == 1, "whole");
	f.texts[0] = "ab\n";
	CHECK(discard_match(d, lookup, &f) == 0, "'$' is the text's end");
	discard_free(d);
}

/* A list's elements: one matching is enough; none, no match. */
static void
test_elements(void)
{
	struct discard	*d = NULL;
	char		 err[256];
	struct fake	 f;

	CHECK(discard_add(&d, "resources.type=^AWS::KMS::Key$", err,
	    sizeof(err)) == 0, "rule");
	memset(&f, 0, sizeof(f));
	f.paths[0] = f.paths[1] = f.paths[2] = "resources.type";
	f.texts[0] = "AWS::S3::Object";
	f.texts[1] = "AWS::KMS::Key";
	f.texts[2] = "AWS::IAM::Role";
	CHECK(discard_match(d, lookup, &f) == 1 && f.tested == 2,
	    "the second element matches, the third is not tested (%d)",
	    f.tested);
	f.texts[1] = "AWS::KMS::Keys";
	CHECK(discard_match(d, lookup, &f) == 0, "none matches");
	discard_free(d);
}

/*
 * An unanchored rule on a long text that almost matches everywhere:
 * glibc's regexec alone tries each start and scans to the end (2^20
 * bytes: minutes). The wrapped rule is one scan: well under a second.
 */
static void
test_linear(void)
{
	struct discard	*d = NULL;
	char		 err[256], *big;
	struct fake	 f;
	struct timespec	 a, b;
	double		 s;
	size_t		 i, n = (size_t)1 << 20;

	CHECK(discard_add(&d, "userAgent=Mozilla.*bot", err, sizeof(err)) == 0 &&
	    discard_add(&d, "userAgent=a.*b", err, sizeof(err)) == 0, "rules");
	big = malloc(n + 1);
	CHECK(big != NULL, "memory");
	if (big == NULL)
		return;
	for (i = 0; i < n; i++)
		big[i] = i % 2 ? 'a' : "Mozilla "[(i / 2) % 8];
	big[n] = '\0';
	memset(&f, 0, sizeof(f));
	f.paths[0] = "userAgent";
	f.texts[0] = big;
	(void)clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(discard_match(d, lookup, &f) == 0, "no match");
	big[n - 1] = 'b';
	CHECK(discard_match(d, lookup, &f) == 1, "the last byte matches");
	(void)clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	CHECK(s < 2.0, "4 scans of 1 MiB in %.3f s", s);
	free(big);
	discard_free(d);
}

int
main(void)
{
	test_parse();
	test_match();
	test_elements();
	test_linear();
	UNIT_DONE();
}
