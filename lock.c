/* SPDX-License-Identifier: ISC */
/*
 * lock.c - the run lock: an flock, so that it goes with the process
 * whatever ends it.
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

#define LOCK_MODE	0600	/* sqlite creates its -journal with it */
#define LOCK_POLL_MS	100

int
lock_take(const char *path, int wait)
{
	struct timespec	 ts = { 0, LOCK_POLL_MS * 1000 * 1000 }, start, now;
	int		 fd;

	if ((fd = file_open_owned(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    LOCK_MODE)) == -1 && (errno == ELOOP ||
	    (fd = file_open_owned(path, O_RDONLY | O_CLOEXEC, 0)) == -1)) {
		printf("ERROR: Cannot open %s (%s)\n", path, strerror(errno));
		return -1;
	}
	/* A monotonic clock: time()'s whole seconds cut the wait short. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			msg_warn("cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (sig_caught() || now.tv_sec - start.tv_sec > wait ||
		    (now.tv_sec - start.tv_sec == wait &&
		    now.tv_nsec >= start.tv_nsec)) {
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
