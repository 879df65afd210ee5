/* SPDX-License-Identifier: ISC */
/*
 * convert.c - one -j object in one pass: each piece zlib inflates goes
 * straight to the converter, whose lines go to a spool (see convert.h).
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "msg.h"
#include "spool.h"

/* Lines at most this many times the document fed, plus the slack. */
#define CONVERT_BLOWUP	16
#define CONVERT_SLACK	(64ULL * 1024 * 1024)

#define WHY(...)	(void)snprintf(why, whylen, __VA_ARGS__)

/* The inflate sink: the next piece into the converter. */
struct feed {
	struct flatten	*f;
	struct spool	*sp;
	int		(*stop)(void *, const char *, size_t);
	void		*stoparg;
	int		 stopped;
	unsigned long long in, out;	/* document bytes fed, lines held */
	int		 blowup;	/* the lines outgrew the document */
};

/*
 * Do the lines grow past CONVERT_BLOWUP times the document fed so far
 * (plus some slack) with len more bytes? Real records make lines about as
 * big as their JSON; `{"Records":[{},{},...` would make hundreds of
 * times more, and fill the log's disk from a few kilobytes of gzip before
 * the document's end said whether it was good.
 */
static int
blown(struct feed *fd, size_t len)
{
	fd->out += len;
	if (fd->out > CONVERT_BLOWUP * fd->in + CONVERT_SLACK) {
		fd->blowup = 1;
		return 1;
	}
	return 0;
}

/* The converter's writer: into the spool, unless the lines blew up. */
static int
hold(void *arg, const char *p, size_t len)
{
	struct feed	*fd = arg;

	return blown(fd, len) ? -1 : spool_write(fd->sp, p, len);
}

/* The lines built in the spool's memory (flatten_lender): no copy. */
static char *
hold_lend(void *arg, size_t len)
{
	struct feed	*fd = arg;

	return spool_lend(fd->sp, len);
}

static int
hold_commit(void *arg, size_t len)
{
	struct feed	*fd = arg;

	return blown(fd, len) ? -1 : spool_commit(fd->sp, len);
}

/*
 * Did the lines outgrow the document, or the spool's limit (spool_limit:
 * what the object may write)? Then why says which.
 */
static int
held_too_much(const struct feed *fd, char *why, size_t whylen)
{
	if (fd->blowup)
		WHY("its lines would be more than %d times the document",
		    CONVERT_BLOWUP);
	else if (spool_over(fd->sp) != 0)
		WHY("its lines would take more than %llu bytes (see "
		    "--max-output-size)", (unsigned long long)spool_over(fd->sp));
	else
		return 0;
	return 1;
}

static int
hold_rewind(void *arg)
{
	struct feed	*fd = arg;

	fd->out = 0;
	return spool_rewind(fd->sp);
}

static int
feed(void *arg, const char *p, size_t len)
{
	struct feed	*fd = arg;

	if (fd->stop != NULL && fd->stop(fd->stoparg, p, len)) {
		fd->stopped = 1;
		return -1;
	}
	fd->in += len;
	return flatten_feed(fd->f, p, len) == FLATTEN_OK ? 0 : -1;
}

/*
 * The object's verdict once inflate_stream returned irc: the first fault
 * (the stop, memory, the body's file, the lines' blowup, the gzip), else
 * the converter's. A CONVERT_ code; why says for any but CONVERT_OK.
 */
static int
verdict(struct feed *fd, int irc, size_t *nrecords, char *why,
    size_t whylen)
{
	int		 frc, ret;

	if (fd->stopped) {
		WHY("interrupted");
		return CONVERT_ESTOP;
	}
	if (irc == INFLATE_ENOMEM)
		return CONVERT_ENOMEM;
	if (irc == INFLATE_ELOCAL) {
		/* The body's temporary file: a local fault, not the object's. */
		msg_warn("%s", why);
		return CONVERT_ELOCAL;
	}
	if (held_too_much(fd, why, whylen))
		return CONVERT_EBAD;
	if (irc != INFLATE_OK && irc != INFLATE_ESINK)
		return CONVERT_EBAD;	/* the gzip's fault came first */
	/* Whole, or the converter stopped it: its verdict either way. */
	frc = flatten_end(fd->f, nrecords, why, whylen);
	switch (frc) {
	case FLATTEN_OK:
		ret = CONVERT_OK;
		break;
	case FLATTEN_EBADDOC:
		ret = CONVERT_EBAD;
		break;
	case FLATTEN_EWRITE:
		if (held_too_much(fd, why, whylen)) {
			ret = CONVERT_EBAD;
			break;
		}
		WHY("cannot hold the lines back");	/* the spool said why */
		ret = CONVERT_ELOCAL;
		break;
	default:
		WHY("out of memory");
		ret = CONVERT_ENOMEM;
		break;
	}
	return ret;
}

int
convert_object(const struct inflate_src *src, size_t max,
    enum flatten_format fmt, const struct flatten_meta *meta,
    struct spool *sp, int (*stop)(void *, const char *, size_t),
    void *stoparg, size_t *nrecords,
    char *why, size_t whylen)
{
	struct feed	 fd;
	size_t		 total;
	int		 irc, ret;

	if (nrecords != NULL)
		*nrecords = 0;
	if (whylen > 0)
		why[0] = '\0';
	memset(&fd, 0, sizeof(fd));
	fd.sp = sp;
	fd.stop = stop;
	fd.stoparg = stoparg;
	if (spool_rewind(sp) == -1)
		return CONVERT_ELOCAL;
	if ((fd.f = flatten_new(fmt, meta, hold, hold_rewind, &fd)) == NULL) {
		WHY("out of memory");
		ret = CONVERT_ENOMEM;
		goto out;
	}
	flatten_lender(fd.f, hold_lend, hold_commit);
	irc = inflate_stream(src, max, feed, &fd, &total, why, whylen);
	ret = verdict(&fd, irc, nrecords, why, whylen);
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
