/* SPDX-License-Identifier: ISC */
/*
 * fileutil.c - getawslog runs as root from cron: a link that another user
 * planted anywhere on the way to the log (a folder of the path, or the
 * file itself) would send root's writes anywhere.
 *
 * The path is walked one component at a time from "/" (or "."), each
 * folder opened O_PATH|O_NOFOLLOW relative to the one before, so no
 * component can be swapped for a link between the check and the use. A
 * link is followed only when root or we own it: its target is put in its
 * place and the walk goes on.
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

#define COMPONENT_MAX	NAME_MAX

/* The walk: cur[0..pos) has been opened as dirfd. */
struct walk {
	char	 cur[PATH_MAX];
	size_t	 pos;
	int	 dirfd;
	int	 links;
};

static int
open_root(const char *which)
{
	return open(which, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * May the link cur[pos..end) (name, in dirfd) be followed? It must be a
 * link, owned by root or us, and within FILE_LINKS_MAX of them. 0, or -1
 * with errno set.
 */
static int
check_link(struct walk *w, const char *name, size_t end)
{
	struct stat	 sb;

	if (fstatat(w->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISLNK(sb.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
		msg_warn("%.*s is a symlink owned by uid %lu; not following it",
		    (int)end, w->cur, (unsigned long)sb.st_uid);
		errno = ELOOP;
		return -1;
	}
	if (++w->links > FILE_LINKS_MAX) {
		errno = ELOOP;
		return -1;
	}
	return 0;
}

/* Put the link's target in its place. 0, or -1 with errno set. */
static int
splice_link(struct walk *w, const char *name, size_t end)
{
	char		 target[PATH_MAX], next[PATH_MAX];
	ssize_t		 len;
	int		 n, fd;

	if (check_link(w, name, end) == -1)
		return -1;
	if ((len = readlinkat(w->dirfd, name, target, sizeof(target) - 1)) ==
	    -1)
		return -1;
	target[len] = '\0';
	if (target[0] == '/') {
		n = snprintf(next, sizeof(next), "%s%s", target, w->cur + end);
		if ((fd = open_root("/")) == -1)
			return -1;
		close(w->dirfd);
		w->dirfd = fd;
		w->pos = 0;
	} else
		n = snprintf(next, sizeof(next), "%.*s%s%s", (int)w->pos,
		    w->cur, target, w->cur + end);
	if (n < 0 || (size_t)n >= sizeof(next)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(w->cur, next, (size_t)n + 1);
	return 0;
}

/*
 * /proc's magic links (/dev/stdout -> /proc/self/fd/1 -> "pipe:[1234]")
 * name no path: only the kernel can follow them. Their targets have no
 * slash and a ":[".
 */
static int
is_magic(int dirfd, const char *name)
{
	char	 target[64];
	ssize_t	 len;

	if ((len = readlinkat(dirfd, name, target, sizeof(target) - 1)) == -1)
		return 0;
	target[len] = '\0';
	return strchr(target, '/') == NULL && strstr(target, ":[") != NULL;
}

static int
walk_open(struct walk *w, int flags, mode_t mode)
{
	char	 name[COMPONENT_MAX + 1];
	size_t	 end;
	int	 fd, last;

	for (;;) {
		while (w->cur[w->pos] == '/')
			w->pos++;
		if (w->cur[w->pos] == '\0') {
			errno = w->pos == 0 ? ENOENT : EISDIR;
			return -1;
		}
		for (end = w->pos; w->cur[end] != '\0' && w->cur[end] != '/';
		    end++)
			continue;
		if (end - w->pos > COMPONENT_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, w->cur + w->pos, end - w->pos);
		name[end - w->pos] = '\0';
		last = w->cur[end] == '\0';
		if (last)
			fd = openat(w->dirfd, name, flags | O_NOFOLLOW, mode);
		else
			fd = openat(w->dirfd, name, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd != -1 && last)
			return fd;
		if (fd != -1) {
			close(w->dirfd);
			w->dirfd = fd;
			w->pos = end;
			continue;
		}
		if (errno != ELOOP && errno != ENOTDIR)
			return -1;
		if (last && is_magic(w->dirfd, name)) {
			if (check_link(w, name, end) == -1)
				return -1;
			return openat(w->dirfd, name, flags, mode);
		}
		if (splice_link(w, name, end) == -1)
			return -1;
	}
}

int
file_open_owned(const char *path, int flags, mode_t mode)
{
	struct walk	 w;
	int		 n, fd, err;

	n = snprintf(w.cur, sizeof(w.cur), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(w.cur)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w.pos = 0;
	w.links = 0;
	if ((w.dirfd = open_root(path[0] == '/' ? "/" : ".")) == -1)
		return -1;
	fd = walk_open(&w, flags, mode);
	err = errno;
	close(w.dirfd);
	errno = err;
	return fd;
}
