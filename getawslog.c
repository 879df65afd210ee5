/* SPDX-License-Identifier: ISC */
/*
 * getawslog - pull AWS CloudTrail logs out of an S3 bucket into a local
 * log file, for OSSEC/Wazuh. A drop-in for getawslog.py: same flags, same
 * messages, same exit codes, same bytes in the log.
 *
 * The path of one object: list -> get (whole, bounded) -> inflate and
 * verify -> convert (flatten.c, with -j) -> append to the log -> fsync ->
 * record in the state file (-s) -> delete from S3 (-D). A crash between
 * any two steps loses nothing.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>
#include <zlib.h>

#include "creds.h"
#include "flatten.h"
#include "ini.h"
#include "s3.h"

/* Exit statuses: part of the interface, listed in getawslog.1. */
#define EXIT_OK		0
#define EXIT_LOCAL	1	/* usage, the log file, a local error, SIGINT */
#define EXIT_USAGE	2	/* unknown option (as optparse did) */
#define EXIT_BUCKET	3	/* no credentials, or the bucket is unusable */
#define EXIT_OBJECTS	4	/* some objects failed and were left alone */
#define EXIT_TRANSIENT	5	/* some requests still failed after retries */
#define EXIT_LOCKED	6	/* another run holds the lock */

#define OBJECT_MAX	((size_t)1 << 30)	/* compressed bytes per object */
#define INFLATED_MAX	((size_t)4 << 30)	/* decompressed bytes, default */
#define INFLATED_CEIL	((unsigned long long)1 << 40)	/* --max-inflated-size */
/* Continuation tokens remembered per listing, to stop a loop. */
#define TOKENS_KEPT	16
#define CHUNK		(256 * 1024)		/* inflate and write pieces */
#define LOG_MODE	0640
#define STATE_MODE	0600
#define LINKS_MAX	8	/* symlinks followed to the log or state file */
/* Raw mode keeps objects larger than this in a temporary file. */
#define SPOOL_MIN	(4 * 1024 * 1024)
#define PROGRESS_MS	200		/* redraws of the progress line */
#define ATTEMPTS_MAX	100
#define ATTEMPTS_STANDARD 3		/* botocore: standard, adaptive */
#define ATTEMPTS_LEGACY	5		/* botocore: legacy */
#define DOC_KEEP	(64 * 1024 * 1024)	/* document buffer kept */

struct options {
	const char	*bucket;
	const char	*log;
	const char	*state;
	const char	*region;
	const char	*endpoint;
	const char	*profile;
	int		 format;	/* -1 raw, else enum flatten_format */
	int		 delete;
	int		 debug;
	int		 max_attempts;
	int		 lock_wait;	/* seconds to wait for another run */
	int		 jobs;		/* downloads in flight */
	const char	*prefix;	/* walk only keys under it */
	int		 full_scan;	/* list everything even with -s */
	int		 lookback;	/* days listed again before the newest */
	size_t		 max_inflated;	/* decompressed bytes per object */
	char		 after[9];	/* --after as YYYYMMDD, "" when none */
	char		 after_day[11];	/* the same as YYYY/MM/DD */
	int		 dry_run;
	int		 progress;	/* 1 on, 0 off, -1 when stderr is a tty */
};

struct counts {
	unsigned long	 objects, records, failed, transient, lists;
	unsigned long	 listed;	/* objects queued to be fetched */
	unsigned long long bytes_in, bytes_out;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	interrupted = sig;
}

static const char usage_text[] =
"usage: getawslog -b BUCKET -l FILE [-dDhj] [-J N] [-s FILE] [--format FORMAT]\n"
"                 [--region REGION] [--endpoint-url URL] [--profile NAME]\n"
"                 [--prefix PREFIX] [--full-scan] [--lookback DAYS]\n"
"                 [--max-attempts N] [--lock-wait SECONDS]\n"
"                 [--after YYYY-MM-DD] [--dry-run] [--progress | --no-progress]\n"
"                 [--max-inflated-size BYTES] [--version]\n";

static const char help_text[] =
"\n"
"Options:\n"
"  -h, --help            show this help message and exit\n"
"  -b BUCKET, --bucket=BUCKET\n"
"                        S3 bucket containing AWS logs\n"
"  -l FILE, --log=FILE   local log file to append to\n"
"  -j, --json            reformat each CloudTrail record as one line\n"
"  --format=FORMAT       with records: flat (-j, the default), json, wazuh\n"
"  -D, --delete          delete processed files from the bucket\n"
"  -s FILE, --state=FILE SQLite file of processed logs\n"
"  -d, --debug           increase verbosity\n"
"  --region=REGION       the bucket's region (found out when not given)\n"
"  --endpoint-url=URL    an S3-compatible endpoint instead of AWS\n"
"  --profile=NAME        the AWS profile for credentials and region\n"
"  --max-attempts=N      tries per request before giving up (default 3)\n"
"  -J N, --jobs=N        downloads in flight (default 8, at most 64)\n"
"  --prefix=PREFIX       walk only the keys under PREFIX\n"
"  --full-scan           with -s, list the whole bucket anyway\n"
"  --lookback=DAYS       with -s, days listed again (default 2)\n"
"  --lock-wait=SECONDS   how long to wait for another run (default 60)\n"
"  --after=YYYY-MM-DD    skip CloudTrail objects dated before that day\n"
"  --dry-run             print the keys that would be processed; change\n"
"                        nothing\n"
"  --progress, --no-progress\n"
"                        a progress line on stderr (default: when it is a\n"
"                        terminal and -d is not given)\n"
"  --max-inflated-size=BYTES\n"
"                        refuse objects that decompress to more (default 4G)\n"
"  --version             show the version and exit\n";

/* optparse's way: usage, then "error: WHAT ARG", exit 2. */
static void
usage_error(const char *what, const char *arg)
{
	fputs(usage_text, stderr);
	fprintf(stderr, "\ngetawslog: error: %s%s\n", what, arg);
	exit(EXIT_USAGE);
}

static int
parse_int(const char *s, int lo, int hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fputs(usage_text, stderr);
		fprintf(stderr, "\ngetawslog: error: %s: %s is not a number "
		    "from %d to %d\n", what, s, lo, hi);
		exit(EXIT_USAGE);
	}
	return (int)v;
}

/* Bytes, with an optional K, M or G suffix (powers of 1024). */
static size_t
parse_size(const char *s, unsigned long long lo, unsigned long long hi,
    const char *what)
{
	char			*end;
	unsigned long long	 v, mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1ULL << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ULL << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ULL << 30;
	if (mul != 1)
		end++;
	if (errno != 0 || end == s || *end != '\0' || *s == '-' ||
	    v > hi / mul || v * mul < lo || v * mul > SIZE_MAX) {
		fputs(usage_text, stderr);
		fprintf(stderr, "\ngetawslog: error: %s: %s is not a size "
		    "from %llu to %llu bytes (K, M, G suffixes allowed)\n", what,
		    s, lo, hi);
		exit(EXIT_USAGE);
	}
	return (size_t)(v * mul);
}

/*
 * optparse let users shorten the script's long options to any unambiguous
 * prefix ("--buck", "--st"). Options added since must not make those
 * prefixes ambiguous, so a prefix of exactly one of the script's options
 * is resolved to it before getopt_long sees it, and a prefix of several
 * gets optparse's message.
 */
static void
resolve_legacy_prefixes(int argc, char **argv)
{
	static const char *const legacy[] = { "bucket", "log", "json",
	    "delete", "state", "debug", "help", "version", NULL };
	static char	 buf[256];
	const char	*arg, *eq, *match;
	size_t		 len, i;
	int		 a, n, nmatch;

	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (strcmp(arg, "--") == 0)
			return;
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			continue;
		arg += 2;
		eq = strchr(arg, '=');
		len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		match = NULL;
		nmatch = 0;
		for (i = 0; legacy[i] != NULL; i++) {
			if (strlen(legacy[i]) == len &&
			    strncmp(legacy[i], arg, len) == 0) {
				nmatch = 0;	/* an exact name: nothing to do */
				break;
			}
			if (strncmp(legacy[i], arg, len) == 0) {
				match = legacy[i];
				nmatch++;
			}
		}
		if (nmatch > 1) {
			n = snprintf(buf, sizeof(buf), "--%.*s (", (int)len, arg);
			for (i = 0; legacy[i] != NULL && n > 0 &&
			    (size_t)n < sizeof(buf); i++)
				if (strncmp(legacy[i], arg, len) == 0)
					n += snprintf(buf + n, sizeof(buf) - n,
					    "%s--%s", buf[n - 1] == '(' ? "" :
					    ", ", legacy[i]);
			if (n > 0 && (size_t)n < sizeof(buf) - 2)
				memcpy(buf + n, "?)", 3);
			usage_error("ambiguous option: ", buf);
		}
		if (nmatch == 1) {
			n = snprintf(buf, sizeof(buf), "--%s%s", match,
			    eq != NULL ? eq : "");
			if (n > 0 && (size_t)n < sizeof(buf) &&
			    (argv[a] = strdup(buf)) == NULL) {
				fprintf(stderr, "getawslog: out of memory\n");
				exit(EXIT_LOCAL);
			}
		}
	}
}

enum { OPT_VERSION = 256, OPT_REGION, OPT_ENDPOINT, OPT_PROFILE, OPT_FORMAT,
	OPT_ATTEMPTS, OPT_LOCKWAIT, OPT_PREFIX, OPT_FULLSCAN, OPT_LOOKBACK,
	OPT_MAXINFLATED, OPT_AFTER, OPT_DRYRUN, OPT_PROGRESS, OPT_NOPROGRESS };

/* --after YYYY-MM-DD, a real day, into o->after and o->after_day. */
static void
parse_after(const char *s, struct options *o)
{
	struct tm	tm;
	int		y, m, d, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[10] != '\0' || y < 1970 || y > 9999 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		usage_error("option --after: not a date YYYY-MM-DD: ", s);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	if (timegm(&tm) == (time_t)-1 || tm.tm_mday != d)
		usage_error("option --after: no such day: ", s);
	n = snprintf(o->after, sizeof(o->after), "%04d%02d%02d", y, m, d);
	if (n != 8)
		usage_error("option --after: not a date YYYY-MM-DD: ", s);
	n = snprintf(o->after_day, sizeof(o->after_day), "%04d/%02d/%02d", y,
	    m, d);
	if (n != 10)
		usage_error("option --after: not a date YYYY-MM-DD: ", s);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "bucket",	required_argument,	NULL, 'b' },
		{ "log",	required_argument,	NULL, 'l' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "delete",	no_argument,		NULL, 'D' },
		{ "debug",	no_argument,		NULL, 'd' },
		{ "state",	required_argument,	NULL, 's' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, OPT_VERSION },
		{ "region",	required_argument,	NULL, OPT_REGION },
		{ "endpoint-url", required_argument,	NULL, OPT_ENDPOINT },
		{ "profile",	required_argument,	NULL, OPT_PROFILE },
		{ "format",	required_argument,	NULL, OPT_FORMAT },
		{ "max-attempts", required_argument,	NULL, OPT_ATTEMPTS },
		{ "lock-wait",	required_argument,	NULL, OPT_LOCKWAIT },
		{ "jobs",	required_argument,	NULL, 'J' },
		{ "prefix",	required_argument,	NULL, OPT_PREFIX },
		{ "full-scan",	no_argument,		NULL, OPT_FULLSCAN },
		{ "lookback",	required_argument,	NULL, OPT_LOOKBACK },
		{ "max-inflated-size", required_argument, NULL, OPT_MAXINFLATED },
		{ "after",	required_argument,	NULL, OPT_AFTER },
		{ "dry-run",	no_argument,		NULL, OPT_DRYRUN },
		{ "progress",	no_argument,		NULL, OPT_PROGRESS },
		{ "no-progress", no_argument,		NULL, OPT_NOPROGRESS },
		{ NULL, 0, NULL, 0 }
	};
	int	c, json = 0, fmt = FLATTEN_FLAT;

	memset(o, 0, sizeof(*o));
	o->max_attempts = 0;	/* the config's, else the retry mode's */
	o->progress = -1;
	o->lock_wait = 60;	/* a five-minute cron: a minute of grace */
	o->jobs = 8;		/* enough to hide S3's latency, gentle on it */
	o->lookback = 2;	/* CloudTrail delivers late, rarely by days */
	/* CloudTrail's objects inflate to megabytes: 4 GiB is no real one. */
	o->max_inflated = INFLATED_MAX;
	opterr = 0;
	resolve_legacy_prefixes(argc, argv);
	while ((c = getopt_long(argc, argv, ":b:l:jDds:hJ:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bucket = optarg;
			break;
		case 'l':
			o->log = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'D':
			o->delete = 1;
			break;
		case 'd':
			o->debug++;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(EXIT_OK);
		case OPT_VERSION:
			printf("getawslog %s\n", GETAWSLOG_VERSION);
			exit(EXIT_OK);
		case OPT_REGION:
			o->region = optarg;
			break;
		case OPT_ENDPOINT:
			o->endpoint = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_FORMAT:
			if ((fmt = flatten_format_parse(optarg)) == -1)
				usage_error("option --format: invalid choice "
				    "(choose from flat, json, wazuh): ", optarg);
			json = 1;
			break;
		case OPT_ATTEMPTS:
			o->max_attempts = parse_int(optarg, 1, ATTEMPTS_MAX,
			    "--max-attempts");
			break;
		case 'J':
			o->jobs = parse_int(optarg, 1, 64, "--jobs");
			break;
		case OPT_PREFIX:
			o->prefix = optarg;
			break;
		case OPT_FULLSCAN:
			o->full_scan = 1;
			break;
		case OPT_LOOKBACK:
			o->lookback = parse_int(optarg, 0, 3650, "--lookback");
			break;
		case OPT_MAXINFLATED:
			o->max_inflated = parse_size(optarg, 1, INFLATED_CEIL,
			    "--max-inflated-size");
			break;
		case OPT_AFTER:
			parse_after(optarg, o);
			break;
		case OPT_DRYRUN:
			o->dry_run = 1;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NOPROGRESS:
			o->progress = 0;
			break;
		case OPT_LOCKWAIT:
			o->lock_wait = parse_int(optarg, 0, 86400,
			    "--lock-wait");
			break;
		case ':':
			usage_error("option requires an argument: ",
			    argv[optind - 1]);
			break;
		default:
			if (optopt != 0) {
				char	opt[3] = { '-', (char)optopt, '\0' };

				usage_error("no such option: ", opt);
			}
			usage_error("no such option: ", argv[optind - 1]);
		}
	}
	o->format = json ? fmt : -1;
}

/*
 * Open a file that is not a symlink, or a symlink (chain) that root or we
 * own. getawslog runs as root from cron: a link that another user planted
 * where the log goes would send root's writes anywhere. O_NOFOLLOW first,
 * so the common case has no race; on ELOOP each link's owner is checked
 * with lstat and its target opened the same way. -1 with errno set.
 */
static int
open_owned(const char *path, int flags, mode_t mode)
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
	for (i = 0; i <= LINKS_MAX; i++) {
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
			fprintf(stderr, "getawslog: %s is a symlink owned by "
			    "uid %lu; not following it\n", cur,
			    (unsigned long)sb.st_uid);
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

/*
 * The log file is opened for each object, so logrotate can move it; read
 * access too when we can, to look at its last byte.
 */
static int
log_open(const char *path)
{
	int	fd;

	fd = open_owned(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
	    LOG_MODE);
	if (fd == -1 && errno == EACCES)
		fd = open_owned(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    LOG_MODE);
	if (fd == -1) {
		printf("ERROR: Cannot open %s (%s)\n", path, strerror(errno));
		fflush(stdout);
	}
	return fd;
}

/* Writes through a buffer into the log; the first error sticks. */
struct out {
	int		 fd;
	const char	*path;
	char		*buf;
	size_t		 len;
	int		 err;	/* errno of the first failed write */
	unsigned long	 bytes;
};

/* write(2) all of p, unless an error sticks in o->err. */
static void
out_put(struct out *o, const char *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len && o->err == 0) {
		n = write(o->fd, p + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			o->err = errno;
		} else
			off += (size_t)n;
	}
}

static int
out_flush(struct out *o)
{
	out_put(o, o->buf, o->len);
	o->len = 0;
	return o->err ? -1 : 0;
}

/* Pieces this big skip the buffer when it is empty: a copy saved. */
#define OUT_DIRECT	(16 * 1024)

static int
out_write(void *arg, const char *p, size_t len)
{
	struct out	*o = arg;
	size_t		 n;

	if (o->len == 0 && len >= OUT_DIRECT) {
		out_put(o, p, len);
		o->bytes += len;
		return o->err ? -1 : 0;
	}
	while (len > 0) {
		if (o->len == CHUNK && out_flush(o) == -1)
			return -1;
		n = CHUNK - o->len < len ? CHUNK - o->len : len;
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		o->bytes += n;
		p += n;
		len -= n;
	}
	return o->err ? -1 : 0;
}

/* An inflated document, kept in memory for the converter. */
struct membuf {
	char	*p;
	size_t	 len, cap;
};

/* Room for at least CHUNK more bytes after m->len. */
static int
membuf_room(struct membuf *m)
{
	size_t	 ncap;
	char	*np;

	if (m->cap - m->len >= CHUNK)
		return 0;
	ncap = m->cap ? m->cap : CHUNK;
	while (ncap - m->len < CHUNK)
		ncap *= 2;
	if ((np = realloc(m->p, ncap)) == NULL)
		return -1;
	m->p = np;
	m->cap = ncap;
	return 0;
}

typedef int (*sink_fn)(void *, const char *, size_t);

/*
 * Inflate a gzip (or zlib) body, one or more members, handing each piece
 * to sink, or appending it to into (both NULL: only verify). The body is in memory or in a file read in
 * CHUNK pieces, so memory does not grow with it. The trailer's CRC and
 * length are checked by zlib. 0, or -1 with why.
 */
static int
inflate_object(const struct s3_body *body, size_t max, sink_fn sink,
    void *arg, struct membuf *into, size_t *total, char *why, size_t whylen)
{
	z_stream	 z;
	unsigned char	*buf = NULL, *in = NULL;
	size_t		 produced = 0, consumed = 0, n, avail;
	ssize_t		 got;
	int		 zr, ret = -1, started = 0, w = 0;

	assert(sink == NULL || into == NULL);
	*total = 0;
	memset(&z, 0, sizeof(z));
	if ((into == NULL && (buf = malloc(CHUNK)) == NULL) ||
	    (body->fd >= 0 && (in = malloc(CHUNK)) == NULL)) {
		w = snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (inflateInit2(&z, 15 + 32) != Z_OK) {	/* +32: gzip or zlib */
		w = snprintf(why, whylen, "cannot start zlib");
		goto out;
	}
	started = 1;
	for (;;) {
		/* The next slice of input; zlib counts in uInt. */
		if (z.avail_in == 0) {
			if (consumed == body->len) {
				w = snprintf(why, whylen, "%s", body->len == 0 ?
				    "empty object, not gzip" :
				    "truncated gzip data");
				goto out;
			}
			avail = body->len - consumed;
			if (body->fd >= 0) {
				n = avail < CHUNK ? avail : CHUNK;
				got = pread(body->fd, in, n, (off_t)consumed);
				if (got <= 0) {
					w = snprintf(why, whylen, "reading the "
					    "temporary file: %s", got == 0 ?
					    "short file" : strerror(errno));
					goto out;
				}
				z.next_in = in;
				z.avail_in = (uInt)got;
			} else {
				z.next_in = (unsigned char *)(uintptr_t)
				    (body->data + consumed);
				z.avail_in = avail > UINT_MAX ? UINT_MAX :
				    (uInt)avail;
			}
			consumed += z.avail_in;
		}
		if (into != NULL) {
			/* Straight into the document: no copy. */
			if (membuf_room(into) == -1) {
				w = snprintf(why, whylen, "out of memory");
				goto out;
			}
			z.next_out = (unsigned char *)into->p + into->len;
		} else
			z.next_out = buf;
		z.avail_out = CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			w = snprintf(why, whylen, "not valid gzip data (%s)",
			    z.msg != NULL ? z.msg : "zlib error");
			goto out;
		}
		n = CHUNK - z.avail_out;
		produced += n;
		if (into != NULL)
			into->len += n;
		if (produced > max) {
			w = snprintf(why, whylen, "decompresses to more than "
			    "%zu bytes", max);
			goto out;
		}
		if (n > 0 && sink != NULL && sink(arg, (char *)buf, n)) {
			w = snprintf(why, whylen, "write failed");
			goto out;
		}
		if (zr == Z_STREAM_END) {
			/* Another gzip member may follow, as zcat allows. */
			if (z.avail_in == 0 && consumed == body->len)
				break;
			if (inflateReset(&z) != Z_OK) {
				w = snprintf(why, whylen, "zlib error");
				goto out;
			}
		}
	}
	*total = produced;
	ret = 0;
out:
	(void)w;
	if (started)
		inflateEnd(&z);
	free(buf);
	free(in);
	return ret;
}

/* The script skipped basenames matching the regex .+_CloudTrail-Digest_.+ */
static int
is_digest(const char *base)
{
	static const char	 mark[] = "_CloudTrail-Digest_";
	const char		*p = base;

	while ((p = strstr(p, mark)) != NULL) {
		if (p > base && p[-1] != '\n' && p[sizeof(mark) - 1] != '\0' &&
		    p[sizeof(mark) - 1] != '\n')
			return 1;
		p++;
	}
	return 0;
}

/*
 * One run at a time: an exclusive flock on the state file, or on the log
 * file without -s, held until exit. Waits up to wait seconds.
 * Returns the locked fd, -1 on an error, -2 when another run holds it.
 */
static int
take_lock(const char *path, int wait)
{
	struct timespec	 ts = { 0, 100 * 1000 * 1000 }, start, now;
	int		 fd;

	/* sqlite creates its -journal with the state file's mode. */
	if ((fd = open_owned(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    STATE_MODE)) == -1 && (errno == ELOOP ||
	    (fd = open_owned(path, O_RDONLY | O_CLOEXEC, 0)) == -1)) {
		printf("ERROR: Cannot open %s (%s)\n", path, strerror(errno));
		return -1;
	}
	/* A monotonic clock: time()'s whole seconds cut the wait short. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fprintf(stderr, "getawslog: cannot lock %s: %s\n", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (interrupted || now.tv_sec - start.tv_sec > wait ||
		    (now.tv_sec - start.tv_sec == wait &&
		    now.tv_nsec >= start.tv_nsec)) {
			close(fd);
			return -2;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

/* ------------------------------------------------------------ state */

struct state {
	sqlite3		*db;
	sqlite3_stmt	*seen, *add, *newest;
	const char	*path;
};

static void
state_close(struct state *st)
{
	sqlite3_finalize(st->seen);
	sqlite3_finalize(st->add);
	sqlite3_finalize(st->newest);
	if (st->db != NULL)
		sqlite3_close(st->db);
	memset(st, 0, sizeof(*st));
}

/* readonly (--dry-run): read what is there, create nothing. */
static int
state_open(struct state *st, const char *path, int readonly)
{
	memset(st, 0, sizeof(*st));
	st->path = path;
	if (sqlite3_open_v2(path, &st->db, readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(st->db, 30000);
	/* The script's schema, so the script can still read the file. */
	if (!readonly && sqlite3_exec(st->db, "CREATE TABLE IF NOT EXISTS "
	    "log_progress "
	    "(log_name 'text' primary key, processed_date 'TEXT')", NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM log_progress WHERE "
	    "log_name = ?1", -1, &st->seen, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO log_progress "
	    "(log_name, processed_date) VALUES (?1, DATE('now'))", -1,
	    &st->add, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT log_name FROM log_progress "
	    "WHERE log_name >= ?1 AND log_name < ?2 ORDER BY log_name DESC "
	    "LIMIT 1", -1, &st->newest, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "getawslog: state file %s: %s\n", path,
	    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
	state_close(st);
	return -1;
}

static int
state_exec(struct state *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	fprintf(stderr, "getawslog: state file %s: %s\n", st->path,
	    sqlite3_errmsg(st->db));
	return -1;
}

/*
 * The newest recorded name starting with prefix, into out: CloudTrail's
 * names sort by date after "ACCOUNT_CloudTrail_REGION_". 1 found, 0 none,
 * -1 error (printed).
 */
static int
state_newest(struct state *st, const char *prefix, char *out, size_t outlen)
{
	char	 hi[512];
	int	 rc, n;

	/* Every name with the prefix sorts below prefix + "\xff". */
	n = snprintf(hi, sizeof(hi), "%s\xff", prefix);
	if (n < 0 || (size_t)n >= sizeof(hi))
		return 0;
	sqlite3_reset(st->newest);
	sqlite3_bind_text(st->newest, 1, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st->newest, 2, hi, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st->newest);
	if (rc == SQLITE_ROW) {
		n = snprintf(out, outlen, "%s",
		    (const char *)sqlite3_column_text(st->newest, 0));
		sqlite3_reset(st->newest);
		return n > 0 && (size_t)n < outlen;
	}
	sqlite3_reset(st->newest);
	if (rc == SQLITE_DONE)
		return 0;
	fprintf(stderr, "getawslog: state file %s: %s\n", st->path,
	    sqlite3_errmsg(st->db));
	return -1;
}

/*
 * Run s (one of the statements taking a basename) with name bound: its
 * SQLITE_ROW or SQLITE_DONE, or -1 with the error printed.
 */
static int
state_step(struct state *st, sqlite3_stmt *s, const char *name)
{
	int	rc;

	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	fprintf(stderr, "getawslog: state file %s: %s\n", st->path,
	    sqlite3_errmsg(st->db));
	return -1;
}

/* 1 seen, 0 not seen, -1 error (printed). */
static int
state_seen(struct state *st, const char *name)
{
	int	rc;

	if ((rc = state_step(st, st->seen, name)) == -1)
		return -1;
	return rc == SQLITE_ROW;
}

static int
state_add(struct state *st, const char *name)
{
	return state_step(st, st->add, name) == -1 ? -1 : 0;
}

/* ------------------------------------------------------------- walk */

struct run {
	const struct options	*o;
	struct s3		*s3;
	struct state		 st;
	struct counts		 n;
	char			*outbuf;
	struct membuf		 doc;	/* the inflated document, with -j */
	int			 fatal;	/* a local error: stop now */
	int			 stop;	/* the listing failed: finish the queue */
	int			 progress;	/* draw the progress line */
	int			 drawn;		/* it is on the screen */
	long long		 start_ms, drawn_ms;
	int			 dirty_fd;	/* the log, written, not synced */
	dev_t			 dirty_dev;
	ino_t			 dirty_ino;
};

#define KEYTEXT_MAX	(3 * 1024 + 1)	/* a key (<= 1024 bytes), escaped */

/*
 * A key as messages show it: control bytes as \xHH, so that a key with a
 * line break cannot forge a line in cron's mail. Returns buf.
 */
static const char *
key_text(const char *key, char *buf, size_t len)
{
	size_t	i = 0;

	for (; *key != '\0' && i + 5 < len; key++) {
		unsigned char	c = (unsigned char)*key;

		if (c < 0x20 || c == 0x7f) {
			buf[i++] = '\\';
			buf[i++] = 'x';
			buf[i++] = "0123456789abcdef"[c >> 4];
			buf[i++] = "0123456789abcdef"[c & 15];
		} else
			buf[i++] = (char)c;
	}
	buf[i] = '\0';
	return buf;
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The live progress line on stderr (a terminal): objects done of those
 * listed so far, records, megabytes downloaded and the rate. Redrawn at
 * most every PROGRESS_MS unless force.
 */
static void
progress_draw(struct run *r, int force)
{
	long long	 now;
	double		 secs, mb;
	char		 line[160];
	int		 n;

	if (!r->progress)
		return;
	now = mono_ms();
	if (!force && r->drawn && now - r->drawn_ms < PROGRESS_MS)
		return;
	secs = (double)(now - r->start_ms) / 1000.0;
	mb = (double)r->n.bytes_in / (1024.0 * 1024.0);
	n = snprintf(line, sizeof(line), "\rgetawslog: %lu/%lu objects, %lu "
	    "records, %.1f MB, %.1f MB/s\033[K", r->n.objects, r->n.listed,
	    r->n.records, mb, secs > 0.05 ? mb / secs : 0.0);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	fputs(line, stderr);
	fflush(stderr);
	r->drawn = 1;
	r->drawn_ms = now;
}

/* Take the progress line off the screen (before a message, at the end). */
static void
progress_clear(struct run *r)
{
	if (r->progress && r->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		r->drawn = 0;
	}
}

/*
 * The day in a CloudTrail name, "..._YYYYMMDDTHHMMZ_...", into day
 * (YYYYMMDD). 1 found, 0 not a CloudTrail name.
 */
static int
object_day(const char *base, char day[9])
{
	const char	*p;
	size_t		 i;

	for (p = strchr(base, '_'); p != NULL; p = strchr(p + 1, '_')) {
		for (i = 1; i <= 8 && p[i] >= '0' && p[i] <= '9'; i++)
			continue;
		if (i != 9 || p[9] != 'T')
			continue;
		for (i = 10; i <= 13 && p[i] >= '0' && p[i] <= '9'; i++)
			continue;
		if (i == 14 && p[14] == 'Z') {
			memcpy(day, p + 1, 8);
			day[8] = '\0';
			return 1;
		}
	}
	return 0;
}

static void
object_failed(struct run *r, const char *key, const char *what,
    const struct s3_error *err)
{
	char	e[640], k[KEYTEXT_MAX];

	progress_clear(r);
	fprintf(stderr, "getawslog: %s: %s: %s\n", key_text(key, k, sizeof(k)),
	    what, s3_strerror(err, e, sizeof(e)));
	if (err->status == S3_ENOMEM || err->status == S3_EINTR)
		r->fatal = 1;
	else if (err->transient)
		r->n.transient++;
	else
		r->n.failed++;
}

/* Does each object's output reach the disk before the next step? */
#define SYNC_EACH(o)	((o)->state != NULL || (o)->delete)

/*
 * Sync and close the log file written last without a sync. Returns -1,
 * with the message printed, if its lines may not be on disk.
 */
static int
log_sync_dirty(struct run *r)
{
	int	fd = r->dirty_fd, err = 0;

	if (fd == -1)
		return 0;
	r->dirty_fd = -1;
	if (fdatasync(fd) == -1)
		err = errno;
	if (close(fd) == -1 && err == 0)
		err = errno;
	if (err == 0)
		return 0;
	progress_clear(r);
	printf("ERROR: Cannot write %s (%s)\n", r->o->log, strerror(err));
	fflush(stdout);
	return -1;
}

/*
 * Keep fd, the log just written without a sync, open until the end of the
 * run, or until logrotate moves it away: then the old file is synced and
 * the new one kept. Takes fd over; -1 (printed) if lines may be lost.
 */
static int
log_keep_dirty(struct run *r, int fd, const struct stat *sb)
{
	int	ret;

	if (r->dirty_fd != -1 && r->dirty_dev == sb->st_dev &&
	    r->dirty_ino == sb->st_ino) {
		if (close(fd) == 0)
			return 0;
		progress_clear(r);
		printf("ERROR: Cannot write %s (%s)\n", r->o->log,
		    strerror(errno));
		fflush(stdout);
		return -1;
	}
	ret = log_sync_dirty(r);
	r->dirty_fd = fd;
	r->dirty_dev = sb->st_dev;
	r->dirty_ino = sb->st_ino;
	return ret;
}

/*
 * Write one object's lines into the log and, when a record or a delete
 * follows (SYNC_EACH), make them durable.
 */
static int
write_object(struct run *r, const char *key, const char *base,
    const struct s3_body *body)
{
	struct flatten_meta	 meta;
	struct membuf		*doc = &r->doc;
	struct out		 o;
	struct stat		 sb;
	off_t			 start = -1;
	char			 why[256], last, k[KEYTEXT_MAX];
	size_t			 total, nrec = 0;
	int			 rc, ret = -1;

	doc->len = 0;		/* the buffer is kept from object to object */
	memset(&o, 0, sizeof(o));
	o.fd = -1;
	o.path = r->o->log;
	o.buf = r->outbuf;

	/* Inflate and check the whole object before the first write. */
	if (r->o->format == -1)
		rc = inflate_object(body, r->o->max_inflated, NULL, NULL, NULL,
		    &total, why, sizeof(why));
	else
		rc = inflate_object(body, r->o->max_inflated, NULL, NULL, doc,
		    &total, why, sizeof(why));
	if (rc == -1) {
		fprintf(stderr, "getawslog: %s: %s\n", key_text(key, k,
		    sizeof(k)), why);
		r->n.failed++;
		goto out;
	}

	if ((o.fd = log_open(r->o->log)) == -1) {
		r->fatal = 1;
		goto out;
	}
	/*
	 * A crash or a full disk can leave a last line without its newline;
	 * end it, so our first line is not glued to it. And remember where
	 * this object starts, to take a half-written object back out.
	 */
	if (fstat(o.fd, &sb) == -1) {
		o.err = errno;
		goto write_error;
	}
	start = sb.st_size;
	if (start > 0 && pread(o.fd, &last, 1, start - 1) == 1 &&
	    last != '\n') {
		if (out_write(&o, "\n", 1) == -1 || out_flush(&o) == -1)
			goto write_error;
		start++;
	}
	if (r->o->format == -1) {
		rc = inflate_object(body, r->o->max_inflated, out_write, &o, NULL,
		    &total, why, sizeof(why));
		if (rc == 0)
			rc = out_write(&o, "\n", 1);
		if (rc == -1 && o.err == 0) {
			/* Verified above: this cannot be bad data. */
			fprintf(stderr, "getawslog: %s: %s\n",
			    key_text(key, k, sizeof(k)), why);
			r->fatal = 1;
			goto out;
		}
	} else {
		struct flatten_meta *m = &meta;

		m->bucket = r->o->bucket;
		m->key = key;
		m->basename = base;
		rc = flatten_document(r->o->format, doc->p, doc->len, m,
		    out_write, &o, &nrec, why, sizeof(why));
		if (rc == FLATTEN_EBADDOC) {
			fprintf(stderr, "getawslog: %s: %s\n",
			    key_text(key, k, sizeof(k)), why);
			r->n.failed++;
			goto out;
		}
		if (rc == FLATTEN_ENOMEM) {
			fprintf(stderr, "getawslog: %s: out of memory\n",
			    key_text(key, k, sizeof(k)));
			/* Lines may have gone out: take them back. */
			if (ftruncate(o.fd, start) == 0)
				(void)fsync(o.fd);
			r->fatal = 1;
			goto out;
		}
	}
	/*
	 * The sync orders the lines before the record and the delete that
	 * follow. Without -s and -D nothing follows (the next run reads the
	 * whole bucket again), so one sync at the end of the run will do.
	 */
	if (out_flush(&o) == -1 ||
	    (SYNC_EACH(r->o) && fdatasync(o.fd) == -1)) {
		if (o.err == 0)
			o.err = errno;
		goto write_error;
	}
	if (!SYNC_EACH(r->o)) {
		if (log_keep_dirty(r, o.fd, &sb) == -1) {
			o.fd = -1;
			r->fatal = 1;
			goto out;
		}
		o.fd = -1;
	}
	r->n.records += nrec;
	r->n.bytes_out += o.bytes;
	ret = 0;
	goto out;
write_error:
	printf("ERROR: Cannot write %s (%s)\n", r->o->log, strerror(o.err));
	fflush(stdout);
	/* Leave no partial object behind, as far as the disk allows. */
	if (start >= 0 && ftruncate(o.fd, start) == 0)
		(void)fsync(o.fd);
	r->fatal = 1;
out:
	if (o.fd != -1 && close(o.fd) == -1 && ret == 0) {
		printf("ERROR: Cannot write %s (%s)\n", r->o->log,
		    strerror(errno));
		fflush(stdout);
		r->fatal = 1;
		ret = -1;
	}
	/* Keep a buffer of a usual size; give back one a huge object made. */
	if (doc->cap > DOC_KEEP) {
		free(doc->p);
		memset(doc, 0, sizeof(*doc));
	}
	return ret;
}

/*
 * The walk keeps up to `jobs` downloads in flight, but every effect (the
 * -d lines, the log, the state, the deletes) happens at the head of a
 * queue in listing order, exactly as a sequential run would do it.
 */
enum pend_kind { PEND_DIGEST, PEND_SEEN, PEND_OLD, PEND_FETCH };

struct pending {
	struct pending	*next;
	enum pend_kind	 kind;
	char		*key;
	const char	*base;		/* in key */
	long long	 size;
	struct s3_get	*get;		/* PEND_FETCH, once started */
};

struct queue {
	struct pending	*head, **tail;
	int		 fetching;	/* PEND_FETCH entries in the queue */
};

static void
pending_free(struct pending *p)
{
	s3_get_cancel(p->get);
	free(p->key);
	free(p);
}

/* Write, record and delete the object at the head of the queue. */
static void
finish_object(struct run *r, struct pending *p)
{
	struct s3_error	 err;
	struct s3_body	 body = { NULL, 0, -1 };
	int		 rc, n;

	if (p->kind == PEND_DIGEST) {
		if (r->o->debug)
			printf("Skipping digest file: %s\n", p->base);
		return;
	}
	if (p->kind == PEND_SEEN) {
		if (r->o->debug)
			printf("Skipping previously seen file %s\n", p->base);
		return;
	}
	if (p->kind == PEND_OLD) {
		/* Not the script's: -d's stdout stays the script's lines. */
		if (r->o->debug > 1)
			fprintf(stderr, "getawslog: skipping %s, dated before "
			    "--after\n", p->key);
		return;
	}
	/*
	 * Seen by the time its turn came (an earlier object of the same
	 * name): skipped, as a sequential run would have.
	 */
	if (r->st.db != NULL && (rc = state_seen(&r->st, p->base)) != 0) {
		if (rc == -1)
			r->fatal = 1;
		else if (r->o->debug)
			printf("Skipping previously seen file %s\n", p->base);
		return;
	}
	if (r->o->debug)
		printf("+++ Found new log:  %s\n", p->base);
	if (r->o->dry_run) {
		/* Would be fetched: say so, touch nothing. */
		progress_clear(r);
		printf("%s\n", p->key);
		r->n.objects++;
		return;
	}
	if (p->get == NULL) {
		memset(&err, 0, sizeof(err));
		err.status = S3_ELIMIT;
		n = snprintf(err.message, sizeof(err.message), "object is %lld "
		    "bytes, more than the limit of %zu", p->size, OBJECT_MAX);
		if (n < 0 || (size_t)n >= sizeof(err.message))
			err.message[0] = '\0';
		object_failed(r, p->key, "cannot download", &err);
		return;
	}
	rc = s3_get_finish(p->get, &body, &err);
	p->get = NULL;
	if (rc == -1) {
		object_failed(r, p->key, "cannot download", &err);
		return;
	}
	r->n.bytes_in += body.len;
	if (write_object(r, p->key, p->base, &body) == -1)
		goto out;
	r->n.objects++;
	/*
	 * The record and the delete go together: the record is committed
	 * only once the delete succeeded, so an object that cannot be
	 * deleted (read-only credentials) is left in the bucket unrecorded.
	 * A crash before the commit leaves it unrecorded too: at worst this
	 * one object is written again by the next run.
	 */
	if (r->st.db != NULL && (state_exec(&r->st, "BEGIN IMMEDIATE") == -1 ||
	    state_add(&r->st, p->base) == -1)) {
		r->fatal = 1;
		goto out;
	}
	if (r->o->delete &&
	    s3_delete(r->s3, r->o->bucket, p->key, &err) == -1) {
		object_failed(r, p->key, "cannot delete", &err);
		if (r->st.db != NULL && state_exec(&r->st, "ROLLBACK") == -1)
			r->fatal = 1;
		goto out;
	}
	if (r->st.db != NULL && state_exec(&r->st, "COMMIT") == -1)
		r->fatal = 1;
out:
	s3_body_free(&body);
}

static void
queue_pop(struct run *r, struct queue *q)
{
	struct pending	*p = q->head;

	if ((q->head = p->next) == NULL)
		q->tail = &q->head;
	if (p->kind == PEND_FETCH && !r->o->dry_run)
		q->fetching--;
	if (!r->fatal && !interrupted)
		finish_object(r, p);
	pending_free(p);
	progress_draw(r, 0);
}

/*
 * Queue one listed object; it takes the key. Folders are dropped here,
 * everything else waits its turn. 0, or -1 on a fatal error.
 */
static int
queue_object(struct run *r, struct queue *q, char *key, long long size)
{
	struct pending	*p;
	const char	*slash;
	char		 day[9];
	int		 seen;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		free(key);
		fprintf(stderr, "getawslog: out of memory\n");
		return -1;
	}
	p->key = key;
	p->size = size;
	slash = strrchr(key, '/');
	p->base = slash != NULL ? slash + 1 : key;
	if (*p->base == '\0') {			/* a "folder" */
		pending_free(p);
		return 0;
	}
	if (is_digest(p->base))
		p->kind = PEND_DIGEST;
	else if (r->o->after[0] != '\0' && object_day(p->base, day) &&
	    strcmp(day, r->o->after) < 0)
		p->kind = PEND_OLD;
	else if (r->st.db != NULL &&
	    (seen = state_seen(&r->st, p->base)) != 0) {
		if (seen == -1) {
			pending_free(p);
			return -1;
		}
		p->kind = PEND_SEEN;
	} else if (r->o->dry_run) {
		p->kind = PEND_FETCH;
		r->n.listed++;
	} else {
		p->kind = PEND_FETCH;
		r->n.listed++;
		/* Make room, in order, before starting another download. */
		while (q->fetching >= r->o->jobs && !r->fatal && !interrupted)
			queue_pop(r, q);
		if (size >= 0 && (unsigned long long)size > OBJECT_MAX)
			p->get = NULL;	/* reported in its turn */
		else if ((p->get = s3_get_start(r->s3, r->o->bucket, key, size,
		    OBJECT_MAX, r->o->format == -1 && size > SPOOL_MIN)) ==
		    NULL) {
			pending_free(p);
			fprintf(stderr, "getawslog: out of memory\n");
			return -1;
		}
		q->fetching++;
	}
	*q->tail = p;
	q->tail = &p->next;
	return 0;
}

/* Listing errors end the walk; what is queued is still finished. */
static void
list_failed(struct run *r, const char *prefix, const struct s3_error *err)
{
	char	e[640];

	progress_clear(r);
	fprintf(stderr, "getawslog: listing bucket %s%s%s: %s\n", r->o->bucket,
	    prefix != NULL ? " under " : "", prefix != NULL ? prefix : "",
	    s3_strerror(err, e, sizeof(e)));
	if (err->status == S3_EINTR)
		return;
	if (err->transient)
		r->n.transient++;
	else
		r->n.failed++;
	r->stop = 1;
}

/*
 * The last continuation tokens of one listing. S3 never sends a token
 * twice; a store (or a proxy) that does would make the walk loop forever.
 */
struct tokens {
	char	*kept[TOKENS_KEPT];
	size_t	 next;
};

static void
tokens_free(struct tokens *t)
{
	size_t	i;

	for (i = 0; i < TOKENS_KEPT; i++)
		free(t->kept[i]);
	memset(t, 0, sizeof(*t));
}

/* 0 for a new token (kept), -1 when seen already or out of memory. */
static int
tokens_check(struct run *r, struct tokens *t, const char *token,
    const char *prefix)
{
	struct s3_error	 err;
	const char	*why = NULL;
	size_t		 i;
	char		*copy = NULL;
	int		 n;

	for (i = 0; i < TOKENS_KEPT; i++)
		if (t->kept[i] != NULL && strcmp(t->kept[i], token) == 0)
			why = "S3 sent a continuation token it had sent "
			    "before; stopping this listing";
	if (why == NULL && (copy = strdup(token)) == NULL)
		why = "out of memory";
	if (why != NULL) {
		memset(&err, 0, sizeof(err));
		err.status = copy == NULL && strcmp(why, "out of memory") == 0 ?
		    S3_ENOMEM : S3_EBADRESP;
		n = snprintf(err.message, sizeof(err.message), "%s", why);
		if (n < 0 || (size_t)n >= sizeof(err.message))
			err.message[0] = '\0';
		list_failed(r, prefix, &err);
		if (err.status == S3_ENOMEM)
			r->fatal = 1;
		return -1;
	}
	free(t->kept[t->next]);
	t->kept[t->next] = copy;
	t->next = (t->next + 1) % TOKENS_KEPT;
	return 0;
}

static int
walk_going(const struct run *r)
{
	return !r->fatal && !r->stop && !interrupted;
}

/* One listing, page by page: listing_next, then listing_done, each page. */
struct listing {
	struct s3_list_params	 lp;
	struct tokens		 tk;
	char			*token;
	int			 started;
};

/*
 * The next page into pg: 1, or 0 when the listing is over, failed (said
 * and counted) or names a continuation token seen before (not trusted).
 */
static int
listing_next(struct run *r, struct listing *l, struct s3_list_page *pg)
{
	struct s3_error	 err;

	if (l->started && (l->token == NULL || !walk_going(r)))
		return 0;
	l->started = 1;
	if (s3_list_page(r->s3, r->o->bucket, &l->lp, l->token, pg,
	    &err) == -1) {
		list_failed(r, l->lp.prefix, &err);
		return 0;
	}
	r->n.lists++;
	if (pg->truncated && tokens_check(r, &l->tk, pg->next_token,
	    l->lp.prefix) == -1) {
		s3_list_page_free(pg);
		return 0;
	}
	progress_draw(r, 0);
	return 1;
}

/* Done with pg: keep its continuation token for the next page. */
static void
listing_done(struct listing *l, struct s3_list_page *pg)
{
	free(l->token);
	l->token = pg->truncated ? pg->next_token : NULL;
	if (l->token == pg->next_token)
		pg->next_token = NULL;
	s3_list_page_free(pg);
}

static void
listing_free(struct listing *l)
{
	free(l->token);
	tokens_free(&l->tk);
}

/* Queue every object under prefix (all of it when NULL), after start. */
static void
walk_flat(struct run *r, struct queue *q, const char *prefix,
    const char *start_after)
{
	struct listing		 l;
	struct s3_list_page	 pg;
	size_t			 i;

	memset(&l, 0, sizeof(l));
	l.lp.prefix = prefix;
	l.lp.start_after = start_after;
	while (listing_next(r, &l, &pg)) {
		for (i = 0; i < pg.nobjects && walk_going(r); i++) {
			if (queue_object(r, q, pg.objects[i].key,
			    pg.objects[i].size) == -1)
				r->fatal = 1;
			pg.objects[i].key = NULL;
		}
		listing_done(&l, &pg);
	}
	listing_free(&l);
}

/*
 * Where a folder sits in CloudTrail's layout,
 * [PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/SERVICE/REGION/YYYY/MM/DD/NAME.
 */
enum place { PLACE_OTHER, PLACE_ABOVE, PLACE_REGION, PLACE_DIGESTS };

static int
is_account(const char *s, size_t len)
{
	size_t	i;

	if (len != 12)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * Classify folder (ending in '/'); for a region folder, put the state's
 * name prefix "ACCOUNT_SERVICE_REGION_" in names.
 */
static enum place
classify(const char *folder, char *names, size_t nameslen)
{
	const char	*p, *c[5];
	size_t		 len[5], nc = 0;
	int		 n;

	if (strncmp(folder, "AWSLogs/", 8) == 0)
		p = folder + 8;
	else if ((p = strstr(folder, "/AWSLogs/")) != NULL)
		p += 9;
	else
		return PLACE_OTHER;
	/* The components after AWSLogs/, each ending in '/'. */
	while (*p != '\0' && nc < 5) {
		const char	*slash = strchr(p, '/');

		if (slash == NULL || slash == p)
			return PLACE_OTHER;
		c[nc] = p;
		len[nc++] = (size_t)(slash - p);
		p = slash + 1;
	}
	if (*p != '\0')
		return PLACE_OTHER;
	if (nc > 0 && len[0] > 2 && strncmp(c[0], "o-", 2) == 0) {
		/* An organization trail: drop the ORGID level. */
		memmove(&c[0], &c[1], sizeof(c[0]) * (nc - 1));
		memmove(&len[0], &len[1], sizeof(len[0]) * (nc - 1));
		nc--;
	}
	if (nc == 0)
		return PLACE_ABOVE;
	if (!is_account(c[0], len[0]))
		return PLACE_OTHER;
	if (nc <= 2) {
		if (nc == 2 && len[1] == 17 &&
		    strncmp(c[1], "CloudTrail-Digest", 17) == 0)
			return PLACE_DIGESTS;
		return PLACE_ABOVE;
	}
	if (nc == 3 && (len[1] == 10 || len[1] == 18) &&
	    (strncmp(c[1], "CloudTrail/", 11) == 0 ||
	    strncmp(c[1], "CloudTrail-Insight/", 19) == 0)) {
		n = snprintf(names, nameslen, "%.*s_%.*s_%.*s_", (int)len[0],
		    c[0], (int)len[1], c[1], (int)len[2], c[2]);
		if (n > 0 && (size_t)n < nameslen)
			return PLACE_REGION;
	}
	return PLACE_OTHER;
}

/*
 * A region folder: list it from the newest recorded day less the
 * lookback, or from --after's day, whichever is later; whole when neither
 * says where to start.
 */
static void
walk_region(struct run *r, struct queue *q, const char *folder,
    const char *names)
{
	struct tm	 tm;
	time_t		 t;
	char		 newest[512], start[1200], day[11];
	const char	*d;
	int		 rc = 0, n;

	day[0] = '\0';
	if (r->st.db != NULL && (rc = state_newest(&r->st, names, newest,
	    sizeof(newest))) == -1) {
		r->fatal = 1;
		return;
	}
	d = newest + strlen(names);
	memset(&tm, 0, sizeof(tm));
	if (rc == 1 && strlen(d) >= 8 &&
	    sscanf(d, "%4d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_hour = 12;
		t = timegm(&tm) - (time_t)r->o->lookback * 86400;
		if (gmtime_r(&t, &tm) != NULL) {
			n = snprintf(day, sizeof(day), "%04d/%02d/%02d",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
			if (n != 10)
				day[0] = '\0';
		}
	}
	if (r->o->after_day[0] != '\0' && strcmp(r->o->after_day, day) > 0)
		memcpy(day, r->o->after_day, sizeof(day));
	if (day[0] == '\0') {
		walk_flat(r, q, folder, NULL);
		return;
	}
	/*
	 * Keys of day D and later sort after "FOLDER/YYYY/MM/DD" of D; keys
	 * of earlier days before it.
	 */
	n = snprintf(start, sizeof(start), "%s%s", folder, day);
	if (n < 0 || (size_t)n >= sizeof(start)) {
		walk_flat(r, q, folder, NULL);
		return;
	}
	if (r->o->debug > 1)
		fprintf(stderr, "getawslog: listing %s from %s\n", folder, day);
	walk_flat(r, q, folder, start);
}

#define TREE_DEPTH	4	/* folders explored above AWSLogs/ */

/*
 * Explore a folder with delimiter listings down to each region folder of
 * CloudTrail's layout. Objects and folders are taken in key order, so the
 * effects come in the same order as a whole-bucket listing's.
 */
static void
walk_tree(struct run *r, struct queue *q, const char *prefix, int depth)
{
	struct listing		 l;
	struct s3_list_page	 pg;
	char			 names[512];
	size_t			 i, j;
	int			 obj;

	memset(&l, 0, sizeof(l));
	l.lp.prefix = prefix;
	l.lp.delimiter = "/";
	while (listing_next(r, &l, &pg)) {
		for (i = j = 0; (i < pg.nobjects || j < pg.nprefixes) &&
		    walk_going(r);) {
			obj = j == pg.nprefixes || (i < pg.nobjects &&
			    strcmp(pg.objects[i].key, pg.prefixes[j]) < 0);
			if (obj) {
				if (queue_object(r, q, pg.objects[i].key,
				    pg.objects[i].size) == -1)
					r->fatal = 1;
				pg.objects[i++].key = NULL;
				continue;
			}
			switch (classify(pg.prefixes[j], names, sizeof(names))) {
			case PLACE_REGION:
				walk_region(r, q, pg.prefixes[j], names);
				break;
			case PLACE_DIGESTS:
				/* Never processed: not worth listing. */
				break;
			case PLACE_ABOVE:
				walk_tree(r, q, pg.prefixes[j], depth);
				break;
			default:
				if (depth < TREE_DEPTH)
					walk_tree(r, q, pg.prefixes[j],
					    depth + 1);
				else
					walk_flat(r, q, pg.prefixes[j], NULL);
			}
			j++;
		}
		listing_done(&l, &pg);
	}
	listing_free(&l);
}

static void
walk(struct run *r)
{
	struct queue	q;

	q.head = NULL;
	q.tail = &q.head;
	q.fetching = 0;
	/*
	 * Incremental where the state says what was done, or where --after
	 * says where to start.
	 */
	if ((r->st.db != NULL && !r->o->full_scan) || r->o->after[0] != '\0')
		walk_tree(r, &q, r->o->prefix, 0);
	else
		walk_flat(r, &q, r->o->prefix, NULL);
	/* What is queued is finished in order; after a fatal error, dropped. */
	while (q.head != NULL)
		queue_pop(r, &q);
}

/*
 * The config file's and the environment's settings, under the command
 * line's, into cfg: endpoint, region, addressing style, CA bundle, tries
 * per request. 0, or -1 on a bad value (printed).
 */
static int
settings_to_config(struct options *o, const struct aws_settings *set,
    struct s3_config *cfg)
{
	const char	*mode = set->retry_mode;
	char		*end;
	long		 v;

	cfg->endpoint = o->endpoint != NULL ? o->endpoint : set->endpoint_url;
	cfg->region = o->region != NULL ? o->region : set->region;
	cfg->path_style = -1;
	if (set->addressing_style != NULL) {
		if (strcmp(set->addressing_style, "path") == 0)
			cfg->path_style = 1;
		else if (strcmp(set->addressing_style, "virtual") == 0)
			cfg->path_style = 0;
		else if (strcmp(set->addressing_style, "auto") != 0) {
			fprintf(stderr, "getawslog: s3 addressing_style %s: "
			    "not path, virtual or auto\n",
			    set->addressing_style);
			return -1;
		}
	}
	cfg->ca_bundle = set->ca_bundle;
	if (mode != NULL && strcmp(mode, "legacy") != 0 &&
	    strcmp(mode, "standard") != 0 && strcmp(mode, "adaptive") != 0) {
		fprintf(stderr, "getawslog: retry_mode %s: not legacy, standard "
		    "or adaptive\n", mode);
		return -1;
	}
	if (o->max_attempts == 0 && set->max_attempts != NULL) {
		errno = 0;
		v = strtol(set->max_attempts, &end, 10);
		if (errno != 0 || end == set->max_attempts || *end != '\0' ||
		    v < 1 || v > ATTEMPTS_MAX) {
			fprintf(stderr, "getawslog: max_attempts %s: not a "
			    "number from 1 to %d\n", set->max_attempts,
			    ATTEMPTS_MAX);
			return -1;
		}
		o->max_attempts = (int)v;
	}
	if (o->max_attempts == 0)
		o->max_attempts = mode != NULL && strcmp(mode, "legacy") == 0 ?
		    ATTEMPTS_LEGACY : ATTEMPTS_STANDARD;
	cfg->max_attempts = o->max_attempts;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct options		 o;
	struct aws_creds	 creds;
	struct aws_settings	 set;
	struct s3_config	 cfg;
	struct s3_error		 err;
	struct sigaction	 sa;
	struct run		 r;
	struct creds_options	 copt;
	struct creds		*provider = NULL;
	time_t			 expires = 0;
	char			 e[640];
	int			 fd, lockfd = -1, rc, status = EXIT_LOCAL;

	memset(&creds, 0, sizeof(creds));
	memset(&set, 0, sizeof(set));
	memset(&r, 0, sizeof(r));
	r.dirty_fd = -1;
	parse_options(argc, argv, &o);
	r.o = &o;

	/* cron mails whatever is printed; keep the script's order of lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.debug)
		printf("+++ Debug mode on\n");
	if (o.bucket == NULL) {
		printf("ERROR: Missing an AWS S3 bucket! (-b flag)\n");
		return EXIT_LOCAL;
	}
	if (o.log == NULL) {
		printf("ERROR: Missing a local log file! (-l flag)\n");
		return EXIT_LOCAL;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	/*
	 * Each object's buffers are freed and made again; glibc would hand
	 * them back to the kernel every time and fault them in again, which
	 * cost as much CPU as the conversion. Keep up to 256 MiB around.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);

	if (o.dry_run) {
		/* Touch nothing: no log, no lock file, the state read-only. */
		if (o.state != NULL && access(o.state, F_OK) == 0 &&
		    state_open(&r.st, o.state, 1) == -1)
			return EXIT_LOCAL;
	} else {
		/* Fail early, before any download, when the log cannot be opened. */
		if ((fd = log_open(o.log)) == -1)
			return EXIT_LOCAL;
		close(fd);
		lockfd = take_lock(o.state != NULL ? o.state : o.log,
		    o.lock_wait);
		if (lockfd == -2) {
			if (interrupted)
				goto out;
			fprintf(stderr, "getawslog: another getawslog is working "
			    "on %s; gave up after %d seconds\n", o.state != NULL ?
			    o.state : o.log, o.lock_wait);
			return EXIT_LOCKED;
		}
		if (lockfd == -1)
			return EXIT_LOCAL;
		if (o.state != NULL && state_open(&r.st, o.state, 0) == -1)
			return EXIT_LOCAL;
	}

	if (ini_find_settings(o.profile, &set) == -1) {
		status = EXIT_BUCKET;
		goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	if (settings_to_config(&o, &set, &cfg) == -1) {
		status = EXIT_BUCKET;
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "getawslog: cannot initialise libcurl\n");
		goto out;
	}
	memset(&copt, 0, sizeof(copt));
	copt.cli_profile = o.profile;
	copt.region = cfg.region;
	copt.ca_bundle = cfg.ca_bundle;
	copt.debug = o.debug;
	if ((rc = creds_find(&copt, &provider, &creds, &expires)) != 1) {
		if (rc == 0)
			fprintf(stderr, "getawslog: no AWS credentials found "
			    "(looked in the environment, ~/.aws/credentials, "
			    "~/.aws/config, credential_process, /etc/boto.cfg "
			    "and ~/.boto, container credentials and EC2 instance "
			    "metadata)\n");
		status = EXIT_BUCKET;
		goto out;
	}
	/* -d prints only the script's lines; -dd says more. */
	if (o.debug > 1)
		fprintf(stderr, "getawslog: using credentials from %s\n",
		    creds.source);
	cfg.access_key = creds.access_key;
	cfg.secret_key = creds.secret_key;
	cfg.session_token = creds.session_token;
	cfg.expires = expires;
	cfg.refresh = creds_refresh;
	cfg.refresh_arg = provider;
	cfg.jobs = o.jobs;
	cfg.debug = o.debug;
	cfg.interrupted = &interrupted;
	if (o.debug)
		printf("+++ Connecting to Amazon S3\n");
	if ((r.s3 = s3_new(&cfg)) == NULL)
		goto out;
	aws_creds_clear(&creds);
	if ((r.outbuf = malloc(CHUNK)) == NULL) {
		fprintf(stderr, "getawslog: out of memory\n");
		goto out;
	}
	if (s3_check_bucket(r.s3, o.bucket, &err) == -1) {
		if (err.status == S3_EINTR)
			goto out;
		printf("Bucket %s access error: %s\n", o.bucket,
		    s3_strerror(&err, e, sizeof(e)));
		/* Throttled or unreachable: the next run may well succeed. */
		status = err.transient ? EXIT_TRANSIENT : EXIT_BUCKET;
		goto out;
	}
	r.progress = o.progress == -1 ? isatty(STDERR_FILENO) && !o.debug :
	    o.progress;
	r.start_ms = mono_ms();
	walk(&r);
	/* The last count, then a clean line for whatever follows. */
	progress_draw(&r, 1);
	progress_clear(&r);
	if (log_sync_dirty(&r) == -1)
		r.fatal = 1;
	if (r.fatal)
		status = EXIT_LOCAL;
	else if (r.n.transient)
		status = EXIT_TRANSIENT;
	else if (r.n.failed)
		status = EXIT_OBJECTS;
	else
		status = EXIT_OK;
	if (!r.fatal && (r.n.failed || r.n.transient))
		fprintf(stderr, "getawslog: %lu objects written, %lu failed, "
		    "%lu still failing after retries; failed objects were "
		    "left in the bucket\n", r.n.objects, r.n.failed,
		    r.n.transient);
	/* On stderr, at -dd: -d's stdout stays the script's. */
	if (o.debug > 1)
		fprintf(stderr, "getawslog: summary: %lu objects%s, %lu "
		    "records, %llu bytes downloaded, %llu bytes written, %.1f "
		    "seconds, %lu failures, %lu list requests\n", r.n.objects,
		    o.dry_run ? " (dry run)" : "", r.n.records, r.n.bytes_in,
		    r.n.bytes_out, (double)(mono_ms() - r.start_ms) / 1000.0,
		    r.n.failed + r.n.transient, r.n.lists);
out:
	if (interrupted) {
		if (interrupted == SIGINT)
			printf("SIGINT received, bye!\n");
		else
			fprintf(stderr, "getawslog: terminated by signal %d\n",
			    (int)interrupted);
		status = EXIT_LOCAL;
	}
	aws_creds_clear(&creds);
	aws_settings_clear(&set);
	state_close(&r.st);
	s3_free(r.s3);
	creds_free(provider);
	free(r.outbuf);
	free(r.doc.p);
	curl_global_cleanup();
	if (lockfd != -1)
		close(lockfd);
	return status;
}
