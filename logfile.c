/* SPDX-License-Identifier: ISC */
/*
 * logfile.c - appending objects to the log, and when they reach the disk.
 *
 * The log is opened once (O_APPEND, by fileutil.c's walk) and kept open
 * while its path still names the same file: each object begins with one
 * stat(2) of the path, and only when logrotate has moved or removed the
 * file (another inode, or none) is the kept fd let go and the path opened
 * again, by the walk. Following the path there is safe: a link met on the
 * way can only lead back to the file already held. A copytruncate is
 * followed by O_APPEND itself.
 *
 * With -s or -D each object's lines are synced before it is recorded or
 * deleted: a crash then loses nothing and repeats at most one object.
 * Without them nothing follows the write (the next run reads the bucket
 * again), so the log is synced once, at the end of the run, or when
 * logrotate has moved the file away.
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
	/* The log held open (-1: none), and the file it is. */
	int		 fd;
	dev_t		 dev;
	ino_t		 ino;
	int		 regular;	/* a file (not /dev/null, a FIFO, a tty) */
	int		 dirty;		/* written since its last sync */
	/* The object being written. */
	int		 writing;
	off_t		 start;		/* where it starts; -1 if unknown */
	char		*buf;
	size_t		 len;
	int		 err;		/* errno of the first failed write */
	unsigned long long bytes;
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

/*
 * Let the held fd go: synced first if written since its last sync (the
 * lines of a log logrotate moved away reach the disk before the new one
 * is written). 0, or -1 (printed) if lines may not be on disk.
 */
static int
let_go(struct logfile *lf)
{
	int	fd = lf->fd, err = 0;

	if (fd == -1)
		return 0;
	lf->fd = -1;
	if (lf->dirty && fdatasync(fd) == -1)
		err = errno;
	lf->dirty = 0;
	if (close(fd) == -1 && err == 0)
		err = errno;
	if (err == 0)
		return 0;
	cannot(lf, "write", err);
	return -1;
}

/*
 * Hold the log open: the fd held, when the path still names its file (one
 * stat), else the path opened anew by the walk. Its stat into sb (if not
 * NULL). 0, or -1 (printed).
 */
static int
hold(struct logfile *lf, struct stat *sb)
{
	struct stat	 st;
	int		 fd;

	if (sb == NULL)
		sb = &st;
	if (lf->fd != -1 && lf->regular && stat(lf->path, sb) == 0 &&
	    sb->st_dev == lf->dev && sb->st_ino == lf->ino)
		return 0;
	if (let_go(lf) == -1)
		return -1;
	if ((fd = open_log(lf)) == -1)
		return -1;
	if (fstat(fd, sb) == -1) {
		cannot(lf, "open", errno);
		close(fd);
		return -1;
	}
	lf->fd = fd;
	lf->dev = sb->st_dev;
	lf->ino = sb->st_ino;
	/* Only a regular file is kept, synced, truncated or read back. */
	lf->regular = S_ISREG(sb->st_mode);
	return 0;
}

struct logfile *
logfile_open(const char *path, int sync_each)
{
	struct logfile	*lf;

	if ((lf = calloc(1, sizeof(*lf))) == NULL ||
	    (lf->buf = malloc(LOG_BUF)) == NULL) {
		free(lf);
		printf("ERROR: Cannot open %s (%s)\n", path, strerror(ENOMEM));
		return NULL;
	}
	lf->path = path;
	lf->sync_each = sync_each;
	lf->fd = -1;
	if (hold(lf, NULL) == -1) {
		logfile_close(lf);
		return NULL;
	}
	return lf;
}

void
logfile_abort(struct logfile *lf)
{
	struct stat	sb;

	if (!lf->writing)
		return;
	lf->writing = 0;
	lf->len = 0;
	/*
	 * Leave no partial object behind, as far as the disk allows; never
	 * grow a file another program shortened meanwhile (copytruncate).
	 */
	if (lf->start >= 0 && fstat(lf->fd, &sb) == 0 &&
	    sb.st_size > lf->start && ftruncate(lf->fd, lf->start) == 0)
		(void)fsync(lf->fd);
	if (!lf->regular) {
		close(lf->fd);
		lf->fd = -1;
	}
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
	if (hold(lf, &sb) == -1)
		return -1;
	lf->writing = 1;
	if (!lf->regular)
		return 0;
	/*
	 * A crash or a full disk can leave a last line without its newline;
	 * end it, so our first line is not glued to it. And remember where
	 * this object starts, to take a half-written object back out.
	 */
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

int
logfile_end(struct logfile *lf, unsigned long long *bytes)
{
	*bytes = 0;
	if (!lf->writing)
		return -1;
	/*
	 * The sync orders the lines before the record and the delete that
	 * follow; without them one sync at the end of the run will do.
	 */
	if (flush(lf) == -1)
		return write_failed(lf);
	if (lf->regular && lf->sync_each && fdatasync(lf->fd) == -1) {
		lf->err = errno;
		return write_failed(lf);
	}
	lf->dirty = lf->regular && !lf->sync_each;
	lf->writing = 0;
	*bytes = lf->bytes;
	/* /dev/null, a FIFO: opened for each object, as the script did. */
	if (!lf->regular && close(lf->fd) == -1 && lf->err == 0)
		lf->err = errno;
	if (!lf->regular)
		lf->fd = -1;
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
	return let_go(lf);
}

void
logfile_close(struct logfile *lf)
{
	if (lf == NULL)
		return;
	if (lf->fd != -1)
		close(lf->fd);
	free(lf->buf);
	free(lf);
}
