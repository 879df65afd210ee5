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

#endif /* GETAWSLOG_FILEUTIL_H */
