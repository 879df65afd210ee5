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
#include <sys/vfs.h>
#include <linux/magic.h>
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
 * The link cur[pos..end) (name, in dirfd), opened itself (O_PATH|
 * O_NOFOLLOW), so that its owner and its target are read from one inode
 * and no other link can be swapped in between. It must be a link, owned
 * by root or us, and within FILE_LINKS_MAX of them. Its target into
 * target; 0, or -1 with errno set.
 */
static int
read_link(struct walk *w, const char *name, size_t end, char *target,
    size_t tlen)
{
	struct stat	 sb;
	ssize_t		 len;
	int		 fd, ret = -1, err = ELOOP;

	if ((fd = openat(w->dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return -1;
	if (fstat(fd, &sb) == -1) {
		err = errno;
		goto out;
	}
	if (!S_ISLNK(sb.st_mode)) {
		err = ENOTDIR;		/* a file where a folder should be */
		goto out;
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
		msg_warn("%.*s is a symlink owned by uid %lu; not following it",
		    (int)end, w->cur, (unsigned long)sb.st_uid);
		goto out;
	}
	if (++w->links > FILE_LINKS_MAX)
		goto out;
	if ((len = readlinkat(fd, "", target, tlen - 1)) == -1) {
		err = errno;
		goto out;
	}
	target[len] = '\0';
	ret = 0;
out:
	close(fd);
	if (ret == -1)
		errno = err;
	return ret;
}

/* Put the link's target in its place. 0, or -1 with errno set. */
static int
splice_link(struct walk *w, const char *target, size_t end)
{
	char	 next[PATH_MAX];
	int	 n, fd;

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
 * slash and a ":[", and they live in /proc, where nobody plants links.
 */
static int
is_magic(int dirfd, const char *target)
{
	struct statfs	sf;

	return strchr(target, '/') == NULL && strstr(target, ":[") != NULL &&
	    fstatfs(dirfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/*
 * The file opened: a regular file with more than one name must be root's
 * or ours, or a hard link another user made (where protected_hardlinks
 * is off) would have root write to any file. -1 (and fd closed) if not.
 */
static int
check_opened(int fd, const char *path)
{
	struct stat	sb;

	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_nlink > 1 &&
	    sb.st_uid != 0 && sb.st_uid != geteuid()) {
		msg_warn("%s is a hard link to a file of uid %lu; not writing "
		    "it", path, (unsigned long)sb.st_uid);
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

static int
walk_open(struct walk *w, int flags, mode_t mode)
{
	char	 name[COMPONENT_MAX + 1], target[PATH_MAX];
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
			return check_opened(fd, w->cur);
		if (fd != -1) {
			close(w->dirfd);
			w->dirfd = fd;
			w->pos = end;
			continue;
		}
		if (errno != ELOOP && errno != ENOTDIR)
			return -1;
		if (read_link(w, name, end, target, sizeof(target)) == -1)
			return -1;
		if (last && is_magic(w->dirfd, target))
			return openat(w->dirfd, name, flags, mode);
		if (splice_link(w, target, end) == -1)
			return -1;
	}
}

int
file_open_resolved(const char *path, int flags, mode_t mode, char *real,
    size_t reallen)
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
	if (fd != -1 && real != NULL) {
		/* Every link spliced in: a path through no link. */
		n = snprintf(real, reallen, "%s", w.cur);
		if (n < 0 || (size_t)n >= reallen) {
			close(fd);
			fd = -1;
			err = ENAMETOOLONG;
		}
	}
	errno = err;
	return fd;
}

int
file_open_owned(const char *path, int flags, mode_t mode)
{
	return file_open_resolved(path, flags, mode, NULL, 0);
}
