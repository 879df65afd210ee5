/* SPDX-License-Identifier: ISC */
/*
 * capture.h - a writer that keeps what it is given, for the tests: what the
 * converter or the spool hands over, whole, with rewinds applied. It can
 * be told to refuse (fail), and counts its calls.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stdlib.h>
#include <string.h>

struct cap {
	char	*p;
	size_t	 len, cap;
	int	 writes, rewinds;
	int	 fail;		/* return -1 from this write on (1-based) */
	size_t	 biggest;	/* the largest piece written */
};

/* flatten_write_fn: keep buf[0..len). */
static inline int
cap_write(void *arg, const char *buf, size_t len)
{
	struct cap	*c = arg;

	c->writes++;
	if (c->fail && c->writes >= c->fail)
		return -1;
	if (len > c->biggest)
		c->biggest = len;
	if (c->cap - c->len < len) {
		c->cap = (c->len + len) * 2;
		if ((c->p = realloc(c->p, c->cap)) == NULL)
			abort();
	}
	memcpy(c->p + c->len, buf, len);
	c->len += len;
	return 0;
}

/* flatten_rewind_fn: forget what was kept. */
static inline int
cap_rewind(void *arg)
{
	struct cap	*c = arg;

	c->rewinds++;
	c->len = 0;
	return 0;
}

/* Free what was kept and start again. */
static inline void
cap_reset(struct cap *c)
{
	free(c->p);
	memset(c, 0, sizeof(*c));
}

#endif /* CAPTURE_H */
