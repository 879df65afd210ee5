/* SPDX-License-Identifier: ISC */
/*
 * convert.c - one -j object in one pass: each piece zlib inflates goes
 * straight to the converter, whose lines go to a spool (see convert.h).
 */
#include <stdio.h>

#include "convert.h"
#include "spool.h"

#define WHY(...)	(void)snprintf(why, whylen, __VA_ARGS__)

/* The inflate sink: the next piece into the converter. */
struct feed {
	struct flatten	*f;
	int		(*stop)(void);
	int		 stopped;
};

static int
feed(void *arg, const char *p, size_t len)
{
	struct feed	*fd = arg;

	if (fd->stop != NULL && fd->stop()) {
		fd->stopped = 1;
		return -1;
	}
	return flatten_feed(fd->f, p, len) == FLATTEN_OK ? 0 : -1;
}

int
convert_object(const struct inflate_src *src, size_t max,
    enum flatten_format fmt, const struct flatten_meta *meta,
    struct spool *sp, int (*stop)(void), size_t *nrecords, char *why,
    size_t whylen)
{
	struct feed	 fd = { NULL, stop, 0 };
	size_t		 total;
	int		 irc, frc, ret;

	if (nrecords != NULL)
		*nrecords = 0;
	if (whylen > 0)
		why[0] = '\0';
	if (spool_rewind(sp) == -1)
		return CONVERT_ELOCAL;
	if ((fd.f = flatten_new(fmt, meta, spool_write, spool_rewind,
	    sp)) == NULL) {
		WHY("out of memory");
		ret = CONVERT_ENOMEM;
		goto out;
	}
	irc = inflate_stream(src, max, feed, &fd, &total, why, whylen);
	if (fd.stopped) {
		WHY("interrupted");
		ret = CONVERT_ESTOP;
		goto out;
	}
	if (irc == INFLATE_ENOMEM) {
		ret = CONVERT_ENOMEM;
		goto out;
	}
	if (irc != INFLATE_OK && irc != INFLATE_ESINK) {
		ret = CONVERT_EBAD;	/* the gzip's fault came first */
		goto out;
	}
	/* Whole, or the converter stopped it: its verdict either way. */
	frc = flatten_end(fd.f, nrecords, why, whylen);
	switch (frc) {
	case FLATTEN_OK:
		ret = CONVERT_OK;
		break;
	case FLATTEN_EBADDOC:
		ret = CONVERT_EBAD;
		break;
	case FLATTEN_EWRITE:
		WHY("cannot hold the lines back");	/* the spool said why */
		ret = CONVERT_ELOCAL;
		break;
	default:
		WHY("out of memory");
		ret = CONVERT_ENOMEM;
		break;
	}
 out:
	flatten_free(fd.f);
	if (ret != CONVERT_OK) {
		if (nrecords != NULL)
			*nrecords = 0;
		if (spool_rewind(sp) == -1)
			ret = CONVERT_ELOCAL;
	}
	return ret;
}
