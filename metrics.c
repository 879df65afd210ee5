/* SPDX-License-Identifier: ISC */
/*
 * metrics.c - the --metrics file: the Prometheus text format (version
 * 0.0.4, what node_exporter's textfile collector parses), formatted into
 * a buffer, then written beside FILE and renamed over it, so that the
 * collector reads either the old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileutil.h"
#include "metrics.h"
#include "msg.h"
#include "util.h"

/* 9999-12-31T23:59:59Z: a later "time" in a previous file is none. */
#define TIME_MAX	253402300799.0
#define VALUE_MAX	64	/* a sample's value text, read back */

#define M_LAST_RUN	"getawslog_last_run_timestamp_seconds"
#define M_LAST_SUCCESS	"getawslog_last_success_timestamp_seconds"
#define M_NEWEST	"getawslog_newest_object_timestamp_seconds"

/* The text being made; over is set once something did not fit. */
struct out {
	char	*p;
	size_t	 len, cap;
	int	 over;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->over = 1;
	else
		o->len += (size_t)n;
}

int
metrics_label(struct metrics *m, const char *name, const char *value)
{
	if (m->nlabels >= METRICS_LABELS_MAX)
		return -1;
	m->labels[m->nlabels].name = name;
	m->labels[m->nlabels].value = value;
	m->nlabels++;
	return 0;
}

/* Prometheus's label names; "__" names are its own. */
static int
label_name_ok(const char *s)
{
	const char	*p;

	if (s == NULL || strncmp(s, "__", 2) == 0 ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    *s == '_'))
		return 0;
	for (p = s + 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* The length of the well-formed UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* up to U+10FFFF */
	} else
		return 0;
	/* The first continuation byte has the narrower range. */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A label value as the format wants it: \\, \" and \n escaped, and valid
 * UTF-8 (the collector refuses a file with a byte that is not: each such
 * byte becomes U+FFFD).
 */
static void
put_value(struct out *o, const char *value)
{
	const unsigned char	*s = (const unsigned char *)value;
	size_t			 n;

	while (*s != '\0' && !o->over) {
		if (*s == '\\' || *s == '"')
			put(o, "\\%c", *s++);
		else if (*s == '\n') {
			put(o, "\\n");
			s++;
		} else if ((n = utf8_len(s)) == 0) {
			put(o, "\xef\xbf\xbd");
			s++;
		} else {
			put(o, "%.*s", (int)n, (const char *)s);
			s += n;
		}
	}
}

int
metrics_labelset(const struct metrics *m, const char *extra_name,
    const char *extra_value, char *buf, size_t len)
{
	struct out	 o = { buf, 0, len, len == 0 };
	size_t		 i, n = m->nlabels + (extra_name != NULL);
	const char	*name, *value;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < n; i++) {
		name = i < m->nlabels ? m->labels[i].name : extra_name;
		value = i < m->nlabels ? m->labels[i].value : extra_value;
		if (!label_name_ok(name) || value == NULL)
			return -1;
		put(&o, "%s%s=\"", i == 0 ? "{" : ",", name);
		put_value(&o, value);
		put(&o, "\"%s", i + 1 == n ? "}" : "");
	}
	return o.over ? -1 : (int)o.len;
}

static void
family(struct out *o, const char *name, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A family of samples by result, in the order of names. */
static int
by_result(struct out *o, const struct metrics *m, const char *name,
    const char *const *names, const unsigned long *v, size_t n)
{
	char	ls[METRICS_LABELSET_MAX];
	size_t	i;

	for (i = 0; i < n && !o->over; i++) {
		if (metrics_labelset(m, "result", names[i], ls,
		    sizeof(ls)) == -1)
			return -1;
		put(o, "%s%s %lu\n", name, ls, v[i]);
	}
	return 0;
}

/* The queue mode's messages by result. 0, or -1 (a label name). */
static int
queue_messages(struct out *o, const struct metrics *m)
{
	static const char *const results[] = { "deleted", "left",
	    "other_bucket" };
	unsigned long	 n[3];

	n[0] = m->msg_deleted;
	n[1] = m->msg_left;
	n[2] = m->msg_foreign;
	family(o, "getawslog_last_run_queue_messages", "Queue messages of the "
	    "last run by result: deleted once done; left in the queue (an "
	    "object failed, not understood); other_bucket: naming a bucket "
	    "-b does not, left in the queue.");
	return by_result(o, m, "getawslog_last_run_queue_messages", results, n,
	    3);
}

/* --validate-digests' families (proof.c's counts). */
static int
digest_families(struct out *o, const struct metrics *m, const char *ls)
{
	static const char *const dnames[] = { "verified", "invalid" };
	static const char *const fnames[] = { "proved", "missing", "altered",
	    "injected" };
	unsigned long	 d[2], f[4];

	if (!m->digests)
		return 0;
	d[0] = m->digests_ok;
	d[1] = m->digests_bad;
	f[0] = m->proved;
	f[1] = m->missing;
	f[2] = m->altered;
	f[3] = m->injected;
	family(o, "getawslog_last_run_digests", "CloudTrail digest files the "
	    "last run checked, by result.");
	if (by_result(o, m, "getawslog_last_run_digests", dnames, d, 2) == -1)
		return -1;
	family(o, "getawslog_last_run_log_files", "Log files named by digests "
	    "(or, injected, by none) that the last run settled, by result.");
	if (by_result(o, m, "getawslog_last_run_log_files", fnames, f,
	    4) == -1)
		return -1;
	family(o, "getawslog_last_run_digest_chain_gaps", "Hours the last run "
	    "found without a digest in a trail's chain.");
	put(o, "getawslog_last_run_digest_chain_gaps%s %lu\n", ls, m->gaps);
	family(o, "getawslog_newest_proved_timestamp_seconds", "The end of "
	    "the newest digest hour verified, the oldest over every chain, "
	    "in seconds since the epoch; 0: none yet.");
	put(o, "getawslog_newest_proved_timestamp_seconds%s %lld\n", ls,
	    m->newest_proved);
	return 0;
}

int
metrics_format(const struct metrics *m, const struct metrics_prev *prev,
    char *buf, size_t len)
{
	static const char *const results[] = { "written", "failed",
	    "skipped" };
	struct out	 o = { buf, 0, len, len == 0 };
	char		 ls[METRICS_LABELSET_MAX];
	unsigned long	 objects[3];
	long long	 success, newest;
	size_t		 i;

	if (metrics_labelset(m, NULL, NULL, ls, sizeof(ls)) == -1)
		return -1;
	success = m->status == 0 ? m->start : prev->last_success;
	newest = m->newest != 0 ? m->newest : prev->newest;
	family(&o, M_LAST_RUN, "When the last run started, in seconds since "
	    "the epoch.");
	put(&o, M_LAST_RUN "%s %lld\n", ls, m->start);
	family(&o, M_LAST_SUCCESS, "When the last run that exited 0 started, "
	    "in seconds since the epoch; 0: none yet.");
	put(&o, M_LAST_SUCCESS "%s %lld\n", ls, success);
	family(&o, "getawslog_last_run_exit_status", "The last run's exit "
	    "status: 0 success, else as getawslog(1) lists them.");
	put(&o, "getawslog_last_run_exit_status%s %d\n", ls, m->status);
	family(&o, "getawslog_last_run_duration_seconds", "How long the last "
	    "run took.");
	put(&o, "getawslog_last_run_duration_seconds%s %lld.%03lld\n", ls,
	    m->duration_ms / 1000, m->duration_ms % 1000);
	family(&o, "getawslog_last_run_records", "Records the last run wrote "
	    "to the log (with -j; 0 in raw mode).");
	put(&o, "getawslog_last_run_records%s %lu\n", ls, m->records);
	family(&o, "getawslog_last_run_records_discarded", "Records the last "
	    "run discarded instead of writing them.");
	put(&o, "getawslog_last_run_records_discarded%s %lu\n", ls,
	    m->discarded);
	family(&o, "getawslog_last_run_records_shortened", "Records whose "
	    "line the last run shortened to --max-line-bytes.");
	put(&o, "getawslog_last_run_records_shortened%s %lu\n", ls,
	    m->shortened);
	family(&o, "getawslog_last_run_records_overlong", "Of those, lines "
	    "still longer: the fields kept whole alone were.");
	put(&o, "getawslog_last_run_records_overlong%s %lu\n", ls,
	    m->overlong);
	family(&o, "getawslog_last_run_bytes_downloaded", "Bytes of objects "
	    "the last run downloaded, as stored (compressed).");
	put(&o, "getawslog_last_run_bytes_downloaded%s %llu\n", ls, m->bytes_in);
	family(&o, "getawslog_last_run_objects", "Objects of the last run by "
	    "result: written to the log; failed, left in the bucket; skipped: "
	    "digests, already recorded, dated before --after.");
	objects[0] = m->written;
	objects[1] = m->failed;
	objects[2] = m->skipped;
	for (i = 0; i < 3 && !o.over; i++) {
		if (metrics_labelset(m, "result", results[i], ls,
		    sizeof(ls)) == -1)
			return -1;
		put(&o, "getawslog_last_run_objects%s %lu\n", ls, objects[i]);
	}
	if (m->queue && queue_messages(&o, m) == -1)
		return -1;
	if (metrics_labelset(m, NULL, NULL, ls, sizeof(ls)) == -1)
		return -1;
	family(&o, M_NEWEST, "The time in the name of the newest CloudTrail "
	    "object the last run wrote, in seconds since the epoch, or the "
	    "value before when it wrote none; 0: none yet.");
	put(&o, M_NEWEST "%s %lld\n", ls, newest);
	if (digest_families(&o, m, ls) == -1)
		return -1;
	return o.over ? -1 : (int)o.len;
}

/*
 * The value of "NAME{labels} VALUE\n" in line (without its \n), when line
 * is that sample: a time, from 0 to TIME_MAX.
 */
static int
sample_value(const char *line, size_t len, const char *name,
    const char *labelset, long long *v)
{
	size_t	 nl = strlen(name), ll = strlen(labelset), n;
	char	 text[VALUE_MAX], *end;
	double	 d;

	if (len < nl + ll + 2 || memcmp(line, name, nl) != 0 ||
	    memcmp(line + nl, labelset, ll) != 0 || line[nl + ll] != ' ')
		return 0;
	line += nl + ll + 1;
	len -= nl + ll + 1;
	/* The value, then maybe a timestamp, which is not ours. */
	for (n = 0; n < len && line[n] != ' '; n++)
		continue;
	if (n == 0 || n >= sizeof(text) || memchr(line, '\0', n) != NULL)
		return 0;
	memcpy(text, line, n);
	text[n] = '\0';
	errno = 0;
	d = strtod(text, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d) || d < 0 ||
	    d > TIME_MAX)
		return 0;
	*v = (long long)d;
	return 1;
}

void
metrics_parse(const char *text, size_t len, const char *labelset,
    struct metrics_prev *prev)
{
	const char	*line = text, *nl;
	size_t		 left = len;

	memset(prev, 0, sizeof(*prev));
	/* Whole lines only: one cut short is no value. */
	while (left > 0 && (nl = memchr(line, '\n', left)) != NULL) {
		size_t	n = (size_t)(nl - line);

		if (!sample_value(line, n, M_LAST_SUCCESS, labelset,
		    &prev->last_success))
			sample_value(line, n, M_NEWEST, labelset, &prev->newest);
		left -= n + 1;
		line = nl + 1;
	}
}

/*
 * The value of label name in a label set ({a="x",b="y"}, escaped as
 * metrics_labelset makes it) into *v and *vlen: 1, or 0 when it has none.
 */
static int
label_value(const char *ls, size_t len, const char *name, const char **v,
    size_t *vlen)
{
	size_t	 i = 1, start, namelen, vstart;

	if (len < 2 || ls[0] != '{')
		return 0;
	while (i < len) {
		for (start = i; i < len && ls[i] != '='; i++)
			continue;
		if (i + 1 >= len || ls[i + 1] != '"')
			return 0;
		namelen = i - start;
		for (i += 2, vstart = i; i < len && ls[i] != '"';)
			i += ls[i] == '\\' ? 2 : 1;
		if (i >= len)
			return 0;
		if (namelen == strlen(name) && memcmp(ls + start, name,
		    namelen) == 0) {
			*v = ls + vstart;
			*vlen = i - vstart;
			return 1;
		}
		if (++i < len && ls[i] == ',')
			i++;
	}
	return 0;
}

/*
 * Does the previous file's text hold the samples of another run: its
 * last-run sample's key label (the queue's in the queue mode, else the
 * bucket's) not ours? Its label set into other when so.
 */
static int
other_run(const char *text, size_t len, const char *ours, const char *key,
    char *other, size_t otherlen)
{
	const char	*line = text, *nl, *a, *b;
	size_t		 n, lslen, na, nb, left = len;
	size_t		 namelen = strlen(M_LAST_RUN);

	while (left > 0 && (nl = memchr(line, '\n', left)) != NULL) {
		n = (size_t)(nl - line);
		left -= n + 1;
		if (n > namelen && memcmp(line, M_LAST_RUN, namelen) == 0 &&
		    line[namelen] == '{') {
			lslen = strcspn(line + namelen, " \n");
			if (label_value(line + namelen, lslen, key, &a, &na) &&
			    label_value(ours, strlen(ours), key, &b, &nb) &&
			    (na != nb || memcmp(a, b, na) != 0)) {
				(void)snprintf(other, otherlen, "%.*s",
				    (int)lslen, line + namelen);
				return 1;
			}
		}
		line = nl + 1;
	}
	return 0;
}

static void
not_written(const char *path, const char *why, int err)
{
	if (err != 0)
		msg_warn("metrics %s not written: %s: %s", path, why,
		    strerror(err));
	else
		msg_warn("metrics %s not written: %s", path, why);
}

/*
 * The previous file's values into prev: none when there is no file. -1
 * (said) when there is something at path that is not to be replaced: a
 * link of another user's, not a regular file, over METRICS_PREV_MAX.
 */
static int
read_prev(const char *path, const char *labelset, const char *key,
    struct metrics_prev *prev)
{
	struct stat	 sb;
	char		*buf = NULL, other[METRICS_LABELSET_MAX];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	memset(prev, 0, sizeof(*prev));
	/* O_NONBLOCK: a FIFO planted there must not hang the run. */
	if ((fd = file_open_owned(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK, 0)) == -1) {
		if (errno == ENOENT)
			return 0;
		not_written(path, "cannot read the previous file", errno);
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		not_written(path, "cannot read the previous file", errno);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		not_written(path, "not a regular file", 0);
		goto out;
	}
	if ((buf = malloc(METRICS_PREV_MAX + 1)) == NULL) {
		msg_oom();
		goto out;
	}
	while (len <= METRICS_PREV_MAX) {
		n = read(fd, buf + len, METRICS_PREV_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			not_written(path, "cannot read the previous file",
			    errno);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > METRICS_PREV_MAX) {
		not_written(path, "over 64 KiB: not a metrics file", 0);
		goto out;
	}
	/* Two runs on one file would erase each other's samples. */
	if (other_run(buf, len, labelset, key, other, sizeof(other))) {
		msg_warn("metrics %s not written: it holds the samples of "
		    "another %s, %s; give each its own --metrics file (or "
		    "remove this one)", path, key, other);
		goto out;
	}
	metrics_parse(buf, len, labelset, prev);
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* "DIR/.NAME.XXXXXX" for path "DIR/NAME": same folder, no .prom suffix. */
static int
tmp_name(const char *path, char *buf, size_t len)
{
	const char	*slash = strrchr(path, '/');
	const char	*name = slash != NULL ? slash + 1 : path;
	int		 n;

	if (*name == '\0')
		return -1;
	n = snprintf(buf, len, "%.*s.%s.XXXXXX", (int)(name - path), path,
	    name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
metrics_write(const char *path, const struct metrics *m)
{
	struct metrics_prev	 prev;
	char			 ls[METRICS_LABELSET_MAX], tmp[PATH_MAX];
	char			*text = NULL;
	int			 fd = -1, len, made = 0, rc = -1;

	if (metrics_labelset(m, NULL, NULL, ls, sizeof(ls)) == -1) {
		not_written(path, "labels too long", 0);
		return -1;
	}
	if (read_prev(path, ls, m->queue ? "queue" : "bucket", &prev) == -1)
		return -1;
	if ((text = malloc(METRICS_TEXT_MAX)) == NULL) {
		msg_oom();
		goto out;
	}
	if ((len = metrics_format(m, &prev, text, METRICS_TEXT_MAX)) == -1) {
		not_written(path, "too long", 0);
		goto out;
	}
	if (tmp_name(path, tmp, sizeof(tmp)) == -1) {
		not_written(path, "not a file name", 0);
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		not_written(path, "cannot create a temporary file", errno);
		goto out;
	}
	made = 1;
	/* mkostemp made it 0600; the collector is another user. */
	if (fchmod(fd, METRICS_MODE) == -1 ||
	    util_write_all(fd, text, (size_t)len) == -1 || fsync(fd) == -1) {
		not_written(path, "cannot write the temporary file", errno);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		not_written(path, "cannot write the temporary file", errno);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		not_written(path, "cannot rename the temporary file", errno);
		goto out;
	}
	made = 0;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (made)
		unlink(tmp);
	free(text);
	return rc;
}
