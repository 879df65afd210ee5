/* SPDX-License-Identifier: ISC */
/*
 * logfile.c - appending objects to the log, and when they reach the disk.
 *
 * With -s or -D each object's lines are synced before it is recorded or
 * deleted: a crash then loses nothing and repeats at most one object.
 * Without them nothing follows the write (the next run reads the bucket
 * again), so the fd written last is kept open and synced once, at the end
 * of the run, or when logrotate has moved the file away.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileutil.h"
#include "logfile.h"
#include "progress.h"
#include "util.h"

#define LOG_MODE	0640
#define LOG_BUF		(256 * 1024)
/* Pieces this big skip the buffer when it is empty: a copy saved. */
#define LOG_DIRECT	(16 * 1024)

struct logfile {
	const char	*path;
	int		 sync_each;
	/* The object being written. */
	int		 fd;
	off_t		 start;		/* where it starts; -1 before fstat */
	int		 regular;	/* a file (not /dev/null, a FIFO, a tty) */
	char		*buf;
	size_t		 len;
	int		 err;		/* errno of the first failed write */
	unsigned long long bytes;
	/* The log written last without a sync (sync_each off). */
	int		 dirty_fd;
	dev_t		 dirty_dev;
	ino_t		 dirty_ino;
};

static void
cannot(const struct logfile *lf, const char *what, int err)
{
	progress_clear();
	printf("ERROR: Cannot %s %s (%s)\n", what, lf->path, strerror(err));
	fflush(stdout);
}

/* Read access too when we can, to look at the last byte. */
static int
open_log(const struct logfile *lf)
{
	int	fd;

	fd = file_open_owned(lf->path, O_RDWR | O_APPEND | O_CREAT |
	    O_CLOEXEC, LOG_MODE);
	if (fd == -1 && errno == EACCES)
		fd = file_open_owned(lf->path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, LOG_MODE);
	if (fd == -1)
		cannot(lf, "open", errno);
	return fd;
}

struct logfile *
logfile_open(const char *path, int sync_each)
{
	struct logfile	*lf;
	int		 fd;

	if ((lf = calloc(1, sizeof(*lf))) == NULL ||
	    (lf->buf = malloc(LOG_BUF)) == NULL) {
		free(lf);
		printf("ERROR: Cannot open %s (%s)\n", path, strerror(ENOMEM));
		return NULL;
	}
	lf->path = path;
	lf->sync_each = sync_each;
	lf->fd = -1;
	lf->dirty_fd = -1;
	if ((fd = open_log(lf)) == -1) {
		logfile_close(lf);
		return NULL;
	}
	close(fd);
	return lf;
}

/* write(2) all of p, unless an error sticks in lf->err. */
static void
put(struct logfile *lf, const char *p, size_t len)
{
	if (lf->err == 0 && util_write_all(lf->fd, p, len) == -1)
		lf->err = errno;
}

static int
flush(struct logfile *lf)
{
	put(lf, lf->buf, lf->len);
	lf->len = 0;
	return lf->err ? -1 : 0;
}

int
logfile_write(void *arg, const char *p, size_t len)
{
	struct logfile	*lf = arg;
	size_t		 n;

	if (lf->len == 0 && len >= LOG_DIRECT) {
		put(lf, p, len);
		lf->bytes += len;
		return lf->err ? -1 : 0;
	}
	while (len > 0) {
		if (lf->len == LOG_BUF && flush(lf) == -1)
			return -1;
		n = LOG_BUF - lf->len < len ? LOG_BUF - lf->len : len;
		memcpy(lf->buf + lf->len, p, n);
		lf->len += n;
		lf->bytes += n;
		p += n;
		len -= n;
	}
	return lf->err ? -1 : 0;
}

/* Close the object's fd; the first error is kept in lf->err. */
static void
close_object(struct logfile *lf)
{
	if (lf->fd != -1 && close(lf->fd) == -1 && lf->err == 0)
		lf->err = errno;
	lf->fd = -1;
}

void
logfile_abort(struct logfile *lf)
{
	if (lf->fd == -1)
		return;
	struct stat	sb;

	lf->len = 0;
	/*
	 * Leave no partial object behind, as far as the disk allows; never
	 * grow a file another program shortened meanwhile (copytruncate).
	 */
	if (lf->start >= 0 && fstat(lf->fd, &sb) == 0 &&
	    sb.st_size > lf->start && ftruncate(lf->fd, lf->start) == 0)
		(void)fsync(lf->fd);
	close_object(lf);
}

/* Take the object back out after a failed write, and say so. */
static int
write_failed(struct logfile *lf)
{
	int	err = lf->err;

	cannot(lf, "write", err);
	logfile_abort(lf);
	return -1;
}

int
logfile_begin(struct logfile *lf)
{
	struct stat	 sb;
	char		 last;

	lf->len = 0;
	lf->err = 0;
	lf->bytes = 0;
	lf->start = -1;
	if ((lf->fd = open_log(lf)) == -1)
		return -1;
	/*
	 * A crash or a full disk can leave a last line without its newline;
	 * end it, so our first line is not glued to it. And remember where
	 * this object starts, to take a half-written object back out.
	 */
	if (fstat(lf->fd, &sb) == -1) {
		lf->err = errno;
		return write_failed(lf);
	}
	/* Only a regular file can be synced, truncated or read back. */
	lf->regular = S_ISREG(sb.st_mode);
	if (!lf->regular)
		return 0;
	lf->start = sb.st_size;
	if (lf->start > 0 && pread(lf->fd, &last, 1, lf->start - 1) == 1 &&
	    last != '\n') {
		if (logfile_write(lf, "\n", 1) == -1 || flush(lf) == -1)
			return write_failed(lf);
		lf->start++;
	}
	lf->bytes = 0;
	return 0;
}

/* Sync and close the log written last without a sync. */
static int
sync_dirty(struct logfile *lf)
{
	int	fd = lf->dirty_fd, err = 0;

	if (fd == -1)
		return 0;
	lf->dirty_fd = -1;
	if (fdatasync(fd) == -1)
		err = errno;
	if (close(fd) == -1 && err == 0)
		err = errno;
	if (err == 0)
		return 0;
	cannot(lf, "write", err);
	return -1;
}

/*
 * Keep the object's fd open until the end of the run, or until logrotate
 * moves the file away: then the old file is synced and the new one kept.
 */
static int
keep_dirty(struct logfile *lf)
{
	struct stat	sb;
	int		ret;

	if (fstat(lf->fd, &sb) == -1) {
		lf->err = errno;
		return write_failed(lf);
	}
	if (lf->dirty_fd != -1 && lf->dirty_dev == sb.st_dev &&
	    lf->dirty_ino == sb.st_ino) {
		close_object(lf);
		if (lf->err != 0) {
			cannot(lf, "write", lf->err);
			return -1;
		}
		return 0;
	}
	ret = sync_dirty(lf);
	lf->dirty_fd = lf->fd;
	lf->dirty_dev = sb.st_dev;
	lf->dirty_ino = sb.st_ino;
	lf->fd = -1;
	return ret;
}

int
logfile_end(struct logfile *lf, unsigned long long *bytes)
{
	*bytes = 0;
	if (lf->fd == -1)
		return -1;
	/*
	 * The sync orders the lines before the record and the delete that
	 * follow; without them one sync at the end of the run will do.
	 */
	if (flush(lf) == -1)
		return write_failed(lf);
	if (lf->sync_each && lf->regular && fdatasync(lf->fd) == -1) {
		lf->err = errno;
		return write_failed(lf);
	}
	*bytes = lf->bytes;
	if (!lf->sync_each && lf->regular)
		return keep_dirty(lf);
	close_object(lf);
	if (lf->err != 0) {
		cannot(lf, "write", lf->err);
		return -1;
	}
	return 0;
}

int
logfile_finish(struct logfile *lf)
{
	if (lf == NULL)
		return 0;
	return sync_dirty(lf);
}

void
logfile_close(struct logfile *lf)
{
	if (lf == NULL)
		return;
	if (lf->fd != -1)
		close(lf->fd);
	if (lf->dirty_fd != -1)
		close(lf->dirty_fd);
	free(lf->buf);
	free(lf);
}
