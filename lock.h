/* SPDX-License-Identifier: ISC */
/*
 * lock.h - one run at a time per log and per state: an exclusive flock on
 * a lock file beside each, DIR/.NAME.lock, held until exit. Beside, not on
 * the file itself: logrotate's `create` replaces the log while a run
 * writes it, and a lock on the old inode would let the next run start.
 */
#ifndef GETAWSLOG_LOCK_H
#define GETAWSLOG_LOCK_H

#define LOCK_HELD	-2	/* lock_take: another run holds it */

/*
 * Lock the file at path (the log or the state) for the whole run,
 * waiting until deadline_ms on util_mono_ms's clock (less if a signal
 * comes). The lock's fd; LOCK_HELD; or -1 on an error (printed). Where no
 * lock file can be made beside path (a directory we may not write), the
 * file itself is locked, as before.
 */
int	 lock_take(const char *path, long long deadline_ms);

/* The lock file of path, DIR/.NAME.lock, into out. 0, or -1 too long. */
int	 lock_path(const char *path, char *out, size_t outlen);

/* Let go of a lock (fd -1: none). */
void	 lock_release(int fd);

#endif /* GETAWSLOG_LOCK_H */
