/* SPDX-License-Identifier: ISC */
/*
 * lock.h - one run at a time: an exclusive flock held until exit.
 */
#ifndef GETAWSLOG_LOCK_H
#define GETAWSLOG_LOCK_H

#define LOCK_HELD	-2	/* lock_take: another run holds it */

/*
 * Lock path (created 0600 when missing) for the whole run, waiting up to
 * wait seconds (less if a signal comes). The locked fd; LOCK_HELD; or -1
 * on an error (printed).
 */
int	 lock_take(const char *path, int wait);

/* Let go of a lock (fd -1: none). */
void	 lock_release(int fd);

#endif /* GETAWSLOG_LOCK_H */
