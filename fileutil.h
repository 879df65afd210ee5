/* SPDX-License-Identifier: ISC */
/*
 * fileutil.h - opening the files a root cron job writes (the log, the
 * state, the lock) without following another user's symlinks.
 */
#ifndef GETAWSLOG_FILEUTIL_H
#define GETAWSLOG_FILEUTIL_H

#include <sys/types.h>

#define FILE_LINKS_MAX	8	/* symlinks followed to a file */

/*
 * open(2) path, following a symlink (chain) only when root or we own each
 * link. The fd, or -1 with errno set (ELOOP for a link not followed).
 */
int	 file_open_owned(const char *path, int flags, mode_t mode);

/*
 * The same, and the path the walk ended at, every link replaced by its
 * target (a path through no symbolic link when nothing changed since),
 * into real: for a library that opens the file again by name (SQLite),
 * told to refuse any link on the way.
 */
int	 file_open_resolved(const char *path, int flags, mode_t mode,
	    char *real, size_t reallen);

#endif /* GETAWSLOG_FILEUTIL_H */
