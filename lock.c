/* SPDX-License-Identifier: ISC */
/*
 * lock.c - the run lock: an flock, so that it goes with the process
 * whatever ends it. The lock file is never removed: removing it would let
 * a run that opened it before the removal and one that opens it after
 * both hold "the" lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fileutil.h"
#include "lock.h"
#include "msg.h"
#include "sig.h"
#include "util.h"

#define LOCK_MODE	0600
#define LOCK_POLL_MS	100

int
lock_path(const char *path, char *out, size_t outlen)
{
	const char	*slash = strrchr(path, '/');
	int		 n;

	if (slash == NULL)
		n = snprintf(out, outlen, ".%s.lock", path);
	else
		n = snprintf(out, outlen, "%.*s/.%s.lock",
		    (int)(slash - path), path, slash + 1);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* The lock file beside path, or path itself when none can be made. */
static int
lock_open(const char *path)
{
	char	lp[4096];
	int	fd, err;

	if (lock_path(path, lp, sizeof(lp)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = file_open_owned(lp, O_RDWR | O_CREAT | O_CLOEXEC,
	    LOCK_MODE)) != -1)
		return fd;
	err = errno;
	if (err != EACCES && err != EPERM && err != EROFS) {
		errno = err;
		return -1;
	}
	/* A folder we may not write: the file itself, as before. */
	if ((fd = file_open_owned(path, O_RDONLY | O_CLOEXEC, 0)) != -1)
		return fd;
	errno = err;
	return -1;
}

int
lock_take(const char *path, long long deadline_ms)
{
	struct timespec	 ts = { 0, LOCK_POLL_MS * 1000 * 1000 };
	int		 fd;

	if ((fd = lock_open(path)) == -1) {
		msg_warn("cannot make the lock file for %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			msg_warn("cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (sig_caught() || util_mono_ms() >= deadline_ms) {
			close(fd);
			return LOCK_HELD;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

void
lock_release(int fd)
{
	if (fd != -1)
		close(fd);
}
