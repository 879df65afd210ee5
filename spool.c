/* SPDX-License-Identifier: ISC */
/*
 * spool.c - bytes held back in memory, then in an unnamed temporary file,
 * until they are handed on or forgotten (see spool.h).
 *
 * A drain gives the file's blocks back as it hands them on (a hole
 * punched behind it), so a document's lines need the log's file system
 * to hold them once, not twice: the spool's file is in the log's
 * directory, and was still whole while its last byte was copied into the
 * log. See HACKING.md ("Holding lines back") for the choice.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "spool.h"

#define SPOOL_READ	(256 * 1024)	/* pieces handed on by a drain */
#define SPOOL_FIRST	(64 * 1024)	/* first memory allocation */
/* Holes are punched on this boundary: whole blocks of any file system. */
#define SPOOL_PUNCH	(64 * 1024)

struct spool {
	char		*dir;		/* NULL: $TMPDIR or /tmp */
	char		*mem;
	size_t		 memlen, memcap, memmax;
	size_t		 lent;		/* bytes lent past memlen, 0 none */
	int		 fd;		/* the file, -1 until needed */
	off_t		 filelen;	/* bytes held in it */
	uint64_t	 max;		/* bytes held at most, 0 none */
	int		 over;		/* a write went past max */
	int		 nopunch;	/* the file system punches no holes */
};

static const char *
spool_dir(const char *dir)
{
	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	return dir;
}

int
spool_tmpfile(const char *dir)
{
	char	 path[PATH_MAX];
	int	 fd, n;

	dir = spool_dir(dir);
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC,
	    0600)) != -1)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -1;
	n = snprintf(path, sizeof(path), "%s/getawslog.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		return -1;
	if (unlink(path) == -1) {
		n = errno;
		close(fd);
		errno = n;
		return -1;
	}
	return fd;
}

struct spool *
spool_new(const char *dir, size_t memmax)
{
	struct spool	*sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL ||
	    (dir != NULL && (sp->dir = strdup(dir)) == NULL)) {
		free(sp);
		msg_oom();
		return NULL;
	}
	sp->memmax = memmax;
	sp->fd = -1;
	return sp;
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->fd != -1)
		close(sp->fd);
	free(sp->mem);
	free(sp->dir);
	free(sp);
}

uint64_t
spool_size(const struct spool *sp)
{
	return (uint64_t)sp->memlen + (uint64_t)sp->filelen;
}

/* Append to the file, creating it on first use. */
static int
file_write(struct spool *sp, const char *buf, size_t len)
{
	ssize_t	n;

	/* A directory that refuses us: $TMPDIR's will do. */
	if (sp->fd == -1 && (sp->fd = spool_tmpfile(sp->dir)) == -1 &&
	    (sp->dir == NULL || (sp->fd = spool_tmpfile(NULL)) == -1)) {
		msg_warn("cannot make a temporary file in %s: %s",
		    spool_dir(sp->dir), strerror(errno));
		return -1;
	}
	while (len > 0) {
		if ((n = pwrite(sp->fd, buf, len, sp->filelen)) == -1) {
			if (errno == EINTR)
				continue;
			msg_warn("cannot write the temporary file in %s: %s",
			    spool_dir(sp->dir), strerror(errno));
			return -1;
		}
		sp->filelen += n;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void
spool_limit(struct spool *sp, uint64_t max)
{
	sp->max = max;
	sp->over = 0;
}

uint64_t
spool_over(const struct spool *sp)
{
	return sp->over ? sp->max : 0;
}

/*
 * Room in memory for n more bytes, n at most memmax less memlen: 0, or -1
 * out of memory (not printed). The bytes up to memcap are kept, a loan's
 * too.
 */
static int
mem_room(struct spool *sp, size_t n)
{
	size_t	 ncap;
	char	*np;

	if (sp->memcap - sp->memlen >= n)
		return 0;
	ncap = sp->memcap ? sp->memcap : SPOOL_FIRST;
	while (ncap - sp->memlen < n && ncap < sp->memmax)
		ncap = ncap > SIZE_MAX / 2 ? sp->memmax : ncap * 2;
	if (ncap > sp->memmax)
		ncap = sp->memmax;
	if ((np = realloc(sp->mem, ncap)) == NULL)
		return -1;
	sp->mem = np;
	sp->memcap = ncap;
	return 0;
}

/* Would len more bytes go past spool_limit's? Then say so. */
static int
past_limit(struct spool *sp, size_t len)
{
	if (sp->max != 0 && (len > sp->max || spool_size(sp) > sp->max - len)) {
		sp->over = 1;
		return 1;
	}
	return 0;
}

int
spool_write(void *arg, const char *buf, size_t len)
{
	struct spool	*sp = arg;
	size_t		 n;

	sp->lent = 0;
	if (past_limit(sp, len))
		return -1;

	/* Memory first, while nothing went to the file (order). */
	if (sp->filelen == 0 && sp->memlen < sp->memmax) {
		n = sp->memmax - sp->memlen < len ? sp->memmax - sp->memlen :
		    len;
		if (mem_room(sp, n) == -1) {
			msg_oom();
			return -1;
		}
		memcpy(sp->mem + sp->memlen, buf, n);
		sp->memlen += n;
		buf += n;
		len -= n;
	}
	return len > 0 ? file_write(sp, buf, len) : 0;
}

char *
spool_lend(void *arg, size_t len)
{
	struct spool	*sp = arg;

	if (len == 0 || sp->filelen > 0 || len > sp->memmax - sp->memlen ||
	    mem_room(sp, len) == -1)
		return NULL;	/* nothing changed: an earlier loan stands */
	sp->lent = len;
	return sp->mem + sp->memlen;
}

int
spool_commit(void *arg, size_t len)
{
	struct spool	*sp = arg;
	size_t		 lent = sp->lent;

	sp->lent = 0;
	if (len > lent) {
		msg_warn("spool: %zu bytes committed of a loan of %zu", len,
		    lent);
		return -1;
	}
	if (past_limit(sp, len))
		return -1;
	sp->memlen += len;
	return 0;
}

int
spool_rewind(void *arg)
{
	struct spool	*sp = arg;

	sp->memlen = 0;
	sp->lent = 0;
	if (sp->filelen > 0 && ftruncate(sp->fd, 0) == -1) {
		msg_warn("cannot truncate the temporary file in %s: %s",
		    spool_dir(sp->dir), strerror(errno));
		return -1;
	}
	sp->filelen = 0;
	return 0;
}

/*
 * The file's bytes up to upto were handed on: give their blocks back,
 * from *freed on, whole SPOOL_PUNCH pieces (the last piece too at the
 * end). A file system without holes (EOPNOTSUPP) or any failure only
 * keeps the blocks until the drain's end, as before.
 */
static void
give_back(struct spool *sp, off_t *freed, off_t upto)
{
	off_t	end = upto;

	if (upto < sp->filelen)
		end -= upto % SPOOL_PUNCH;
	if (sp->nopunch || end <= *freed)
		return;
	if (fallocate(sp->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    *freed, end - *freed) == -1) {
		if (errno == EOPNOTSUPP || errno == ENOSYS)
			sp->nopunch = 1;
		return;
	}
	*freed = end;
}

int
spool_drain(struct spool *sp, int (*write)(void *, const char *, size_t),
    void *arg)
{
	char	*buf = NULL;
	off_t	 at = 0, freed = 0;
	size_t	 m;
	ssize_t	 n;
	int	 ret = -1;

	for (m = 0; m < sp->memlen; m += n) {
		n = sp->memlen - m < SPOOL_READ ? sp->memlen - m : SPOOL_READ;
		if (write(arg, sp->mem + m, n) == -1)
			goto out;
	}
	if (sp->filelen > 0) {
		if ((buf = malloc(SPOOL_READ)) == NULL) {
			msg_oom();
			goto out;
		}
		while (at < sp->filelen) {
			n = pread(sp->fd, buf, sp->filelen - at < SPOOL_READ ?
			    (size_t)(sp->filelen - at) : SPOOL_READ, at);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				msg_warn("cannot read the temporary file in "
				    "%s: %s", spool_dir(sp->dir), n == 0 ?
				    "short file" : strerror(errno));
				goto out;
			}
			if (write(arg, buf, (size_t)n) == -1)
				goto out;
			at += n;
			give_back(sp, &freed, at);
		}
	}
	ret = 0;
 out:
	free(buf);
	if (spool_rewind(sp) == -1)
		ret = -1;
	return ret;
}
