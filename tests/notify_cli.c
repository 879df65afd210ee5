/* SPDX-License-Identifier: ISC */
/*
 * notify_cli.c - notify_parse as a filter, for the tests that hand it
 * messages made by moto, or many random ones (test_notify_diff.py).
 *
 * Input: any number of bodies, each a line "LENGTH" (decimal) then exactly
 * LENGTH bytes. Output per body, fields escaped (\\ \t \n \r \xHH for the
 * other bytes outside printable ASCII):
 *   kind objects|test|unknown
 *   form F			(when there is one)
 *   sns 0|1
 *   skipped N
 *   object BUCKET<TAB>KEY<TAB>REGION<TAB>SIZE	(REGION "-" when none)
 *   why TEXT		(unknown only)
 *   end
 * Exit status 1 on malformed input or no memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

#define LEN_LINE_MAX	32

static void
put_escaped(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;

	for (; *u != '\0'; u++) {
		if (*u == '\\')
			fputs("\\\\", stdout);
		else if (*u == '\t')
			fputs("\\t", stdout);
		else if (*u == '\n')
			fputs("\\n", stdout);
		else if (*u == '\r')
			fputs("\\r", stdout);
		else if (*u < 0x20 || *u >= 0x7f)
			printf("\\x%02x", *u);
		else
			putchar(*u);
	}
}

static void
print_notify(const struct notify *n)
{
	static const char *const kinds[] = { "objects", "test", "unknown" };
	size_t	 i;

	printf("kind %s\n", kinds[n->kind]);
	if (n->form != NULL)
		printf("form %s\n", n->form);
	printf("sns %d\nskipped %zu\n", n->sns, n->nskipped);
	for (i = 0; i < n->nobjects; i++) {
		fputs("object ", stdout);
		put_escaped(n->objects[i].bucket);
		putchar('\t');
		put_escaped(n->objects[i].key);
		putchar('\t');
		put_escaped(n->objects[i].region ? n->objects[i].region : "-");
		printf("\t%lld\n", n->objects[i].size);
	}
	if (n->kind == NOTIFY_UNKNOWN) {
		fputs("why ", stdout);
		put_escaped(n->why);
		putchar('\n');
	}
	puts("end");
}

int
main(void)
{
	struct notify	 n;
	char		 line[LEN_LINE_MAX];
	char		*body = NULL, *end;
	unsigned long	 len;
	int		 rc = 1;

	memset(&n, 0, sizeof(n));
	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strtoul(line, &end, 10);
		if (end == line || *end != '\n' || len > 4 * NOTIFY_BODY_MAX) {
			fprintf(stderr, "notify_cli: bad length line\n");
			goto out;
		}
		free(body);
		if ((body = malloc(len ? len : 1)) == NULL ||
		    fread(body, 1, len, stdin) != len) {
			fprintf(stderr, "notify_cli: short body\n");
			goto out;
		}
		if (notify_parse(body, len, &n) == -1) {
			fprintf(stderr, "notify_cli: out of memory\n");
			goto out;
		}
		print_notify(&n);
		notify_free(&n);
	}
	if (ferror(stdin))
		goto out;
	rc = 0;
 out:
	if (fflush(stdout) == EOF)
		rc = 1;
	free(body);
	return rc;
}
