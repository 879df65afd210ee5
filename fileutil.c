/* SPDX-License-Identifier: ISC */
/*
 * fileutil.c - getawslog runs as root from cron: a link that another user
 * planted where the log goes would send root's writes anywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileutil.h"
#include "msg.h"

/*
 * O_NOFOLLOW first, so the common case has no race; on ELOOP each link's
 * owner is checked with lstat and its target opened the same way.
 */
int
file_open_owned(const char *path, int flags, mode_t mode)
{
	struct stat	 sb;
	char		 cur[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	const char	*slash;
	ssize_t		 len;
	int		 fd, i, n;

	n = snprintf(cur, sizeof(cur), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(cur)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 0; i <= FILE_LINKS_MAX; i++) {
		if ((fd = open(cur, flags | O_NOFOLLOW, mode)) != -1 ||
		    errno != ELOOP)
			return fd;
		if (lstat(cur, &sb) == -1)
			return -1;
		if (!S_ISLNK(sb.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
			msg_warn("%s is a symlink owned by uid %lu; not "
			    "following it", cur, (unsigned long)sb.st_uid);
			errno = ELOOP;
			return -1;
		}
		if ((len = readlink(cur, target, sizeof(target) - 1)) == -1)
			return -1;
		target[len] = '\0';
		slash = strrchr(cur, '/');
		if (target[0] == '/' || slash == NULL)
			n = snprintf(next, sizeof(next), "%s", target);
		else
			n = snprintf(next, sizeof(next), "%.*s/%s",
			    (int)(slash - cur), cur, target);
		if (n < 0 || (size_t)n >= sizeof(next)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(cur, next, (size_t)n + 1);
	}
	errno = ELOOP;
	return -1;
}
