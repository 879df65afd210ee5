/* SPDX-License-Identifier: ISC */
/*
 * getawslog - pull AWS CloudTrail logs out of an S3 bucket into a local
 * log file, for OSSEC/Wazuh. A drop-in for getawslog.py: same flags, same
 * messages, same exit codes, same bytes in the log.
 *
 * This file: the options, the settings that become the S3 configuration,
 * and main, which opens what a run needs (the log, the lock, the state,
 * credentials, S3), runs the walk (walk.c) and closes it all. The path of
 * one object is in HACKING.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <malloc.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "creds.h"
#include "discard.h"
#include "drain.h"
#include "engine.h"
#include "flatten.h"
#include "http.h"
#include "ini.h"
#include "lock.h"
#include "logfile.h"
#include "metrics.h"
#include "msg.h"
#include "object.h"
#include "progress.h"
#include "run.h"
#include "s3.h"
#include "sig.h"
#include "spool.h"
#include "sqs.h"
#include "state.h"
#include "util.h"
#include "walk.h"

#define INFLATED_MAX	((size_t)4 << 30)	/* decompressed bytes, default */
#define INFLATED_CEIL	((unsigned long long)1 << 40)	/* --max-inflated-size */
#define ATTEMPTS_MAX	100
#define ATTEMPTS_STANDARD 3		/* botocore: standard, adaptive */
#define ATTEMPTS_LEGACY	5		/* botocore: legacy */
#define JOBS_MAX	64
#define VISIBILITY_DEFAULT 300		/* the queue mode: seconds hidden */
#define WAIT_DEFAULT	2		/* the queue mode: a cron run's poll */
#define QUEUE_CONNECTIONS 3		/* a long poll, heartbeats, deletes */
/* malloc keeps this much around rather than give it back (see main). */
#define MALLOC_KEEP	(256 * 1024 * 1024)

static const char usage_text[] =
"usage: getawslog -b BUCKET -l FILE [-dDhj] [-J N] [-s FILE] [--format FORMAT]\n"
"                 [--region REGION] [--endpoint-url URL] [--profile NAME]\n"
"                 [--prefix PREFIX] [--full-scan] [--lookback DAYS]\n"
"                 [--max-attempts N] [--lock-wait SECONDS]\n"
"                 [--after YYYY-MM-DD] [--dry-run] [--progress | --no-progress]\n"
"                 [--max-inflated-size BYTES] [--metrics FILE]\n"
"                 [--discard FIELD=REGEX ...] [--version]\n"
"       getawslog --queue-url URL -l FILE [-b BUCKET] [-dDj] [-J N] [-s FILE]\n"
"                 [--format FORMAT] [--visibility-timeout SECONDS]\n"
"                 [--wait-time-seconds SECONDS] [--follow] [options above]\n";

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
"  --metrics=FILE        at the end of every run, write what it did to FILE\n"
"                        for Prometheus (node_exporter's textfile collector)\n"
"  --discard=FIELD=REGEX with records: do not write a record whose FIELD\n"
"                        (a key, or a dotted path: userIdentity.type)\n"
"                        matches the extended regular expression; repeatable\n"
"  --version             show the version and exit\n"
"\n"
"Queue mode (S3 event notifications from SQS):\n"
"  --queue-url=URL       read the objects to fetch from this SQS queue; -b\n"
"                        is then optional\n"
"  --visibility-timeout=SECONDS\n"
"                        keep received messages hidden this long, renewed\n"
"                        until done (default 300)\n"
"  --wait-time-seconds=SECONDS\n"
"                        long poll this long; a poll that brings nothing\n"
"                        ends the run (default 2, at most 20)\n"
"  --follow              keep polling until SIGTERM or SIGINT (a service)\n";

/* optparse's way: usage, then "getawslog: error: WHAT", exit 2. */
static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list	ap;

	fputs(usage_text, stderr);
	fputs("\ngetawslog: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static int
parse_int(const char *s, int lo, int hi, const char *what)
{
	long	v;

	if (util_parse_long(s, lo, hi, &v) == -1)
		usage_error("%s: %s is not a number from %d to %d", what, s, lo,
		    hi);
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
	    v > hi / mul || v * mul < lo || v * mul > SIZE_MAX)
		usage_error("%s: %s is not a size from %llu to %llu bytes (K, "
		    "M, G suffixes allowed)", what, s, lo, hi);
	return (size_t)(v * mul);
}

enum { OPT_VERSION = 256, OPT_REGION, OPT_ENDPOINT, OPT_PROFILE, OPT_FORMAT,
	OPT_ATTEMPTS, OPT_LOCKWAIT, OPT_PREFIX, OPT_FULLSCAN, OPT_LOOKBACK,
	OPT_MAXINFLATED, OPT_AFTER, OPT_DRYRUN, OPT_PROGRESS, OPT_NOPROGRESS,
	OPT_METRICS, OPT_DISCARD, OPT_QUEUEURL, OPT_VISIBILITY, OPT_WAIT,
	OPT_FOLLOW };

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
	{ "metrics",	required_argument,	NULL, OPT_METRICS },
	{ "discard",	required_argument,	NULL, OPT_DISCARD },
	{ "queue-url",	required_argument,	NULL, OPT_QUEUEURL },
	{ "visibility-timeout", required_argument, NULL, OPT_VISIBILITY },
	{ "wait-time-seconds", required_argument, NULL, OPT_WAIT },
	{ "follow",	no_argument,		NULL, OPT_FOLLOW },
	{ NULL, 0, NULL, 0 }
};

/* optparse's message for a prefix of several options, sorted as it did. */
static void
ambiguous(const char *arg, size_t len, const char **names, size_t n)
{
	char	buf[512];
	size_t	i, j, o;
	int	w;

	for (i = 1; i < n; i++)		/* a few names: insertion sort */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char	*t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	w = snprintf(buf, sizeof(buf), "--%.*s (", (int)len, arg);
	o = w > 0 && (size_t)w < sizeof(buf) ? (size_t)w : 0;
	for (i = 0; i < n && o > 0; i++) {
		w = snprintf(buf + o, sizeof(buf) - o, "%s--%s", i ? ", " : "",
		    names[i]);
		o = w > 0 && (size_t)w < sizeof(buf) - o ? o + (size_t)w : 0;
	}
	usage_error("ambiguous option: %s?)", o > 0 ? buf : arg);
}

/*
 * The names among names[] (NULL-terminated, or a struct option table's)
 * that arg[0..len) begins, into found; -1 when one is arg exactly.
 */
static int
prefix_of(const char *arg, size_t len, const char *name, const char **found,
    size_t *nfound, size_t max)
{
	if (strlen(name) == len && strncmp(name, arg, len) == 0)
		return -1;
	if (strncmp(name, arg, len) == 0 && *nfound < max)
		found[(*nfound)++] = name;
	return 0;
}

/*
 * optparse let users shorten the script's long options to any unambiguous
 * prefix ("--buck", "--st"). Options added since must not make those
 * prefixes ambiguous, so a prefix of exactly one of the script's options
 * is resolved to it before getopt_long sees it, and a prefix of several
 * gets optparse's message. A prefix of none of them is getopt_long's, but
 * a prefix of several of the other options gets optparse's message too
 * (getopt_long would call it an unknown option).
 */
static void
resolve_prefixes(int argc, char **argv)
{
	static const char *legacy[] = { "bucket", "log", "json", "delete",
	    "state", "debug", "help", "version", NULL };
	const char	*arg, *eq, *found[64];
	size_t		 len, i, nfound;
	int		 a, exact;

	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (strcmp(arg, "--") == 0)
			return;
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			continue;
		arg += 2;
		eq = strchr(arg, '=');
		len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		nfound = 0;
		exact = 0;
		for (i = 0; legacy[i] != NULL && !exact; i++)
			exact = prefix_of(arg, len, legacy[i], found, &nfound,
			    64) == -1;
		if (exact)
			continue;
		if (nfound > 1)
			ambiguous(arg, len, found, nfound);
		if (nfound == 1) {
			/* Never freed: argv's strings live as long as we do. */
			if (asprintf(&argv[a], "--%s%s", found[0],
			    eq != NULL ? eq : "") == -1) {
				msg_oom();
				exit(EXIT_LOCAL);
			}
			continue;
		}
		for (i = 0; longopts[i].name != NULL && !exact; i++)
			exact = prefix_of(arg, len, longopts[i].name, found,
			    &nfound, 64) == -1;
		if (!exact && nfound > 1)
			ambiguous(arg, len, found, nfound);
	}
}


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
		usage_error("option --after: not a date YYYY-MM-DD: %s", s);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	if (timegm(&tm) == (time_t)-1 || tm.tm_mday != d)
		usage_error("option --after: no such day: %s", s);
	n = snprintf(o->after, sizeof(o->after), "%04d%02d%02d", y, m, d);
	if (n != 8)
		usage_error("option --after: not a date YYYY-MM-DD: %s", s);
	n = snprintf(o->after_day, sizeof(o->after_day), "%04d/%02d/%02d", y,
	    m, d);
	if (n != 10)
		usage_error("option --after: not a date YYYY-MM-DD: %s", s);
}

/* "--name" of a long option's value, for messages. */
static const char *
option_name(int val)
{
	static char	buf[64];
	size_t		i;
	int		n;

	for (i = 0; longopts[i].name != NULL; i++)
		if (longopts[i].val == val) {
			n = snprintf(buf, sizeof(buf), "--%s", longopts[i].name);
			return n > 0 && (size_t)n < sizeof(buf) ? buf : "";
		}
	return "";
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	char	err[512];
	int	c, json = 0, fmt = FLATTEN_FLAT, walk_only = 0, queue_only = 0;

	memset(o, 0, sizeof(*o));
	o->max_attempts = 0;	/* the config's, else the retry mode's */
	o->progress = -1;
	o->lock_wait = 60;	/* a five-minute cron: a minute of grace */
	o->jobs = 8;		/* enough to hide S3's latency, gentle on it */
	o->lookback = 2;	/* CloudTrail delivers late, rarely by days */
	/* CloudTrail's objects inflate to megabytes: 4 GiB is no real one. */
	o->max_inflated = INFLATED_MAX;
	o->visibility = VISIBILITY_DEFAULT;
	o->wait = WAIT_DEFAULT;
	opterr = 0;
	resolve_prefixes(argc, argv);
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
				    "(choose from flat, json, wazuh): %s", optarg);
			json = 1;
			break;
		case OPT_ATTEMPTS:
			o->max_attempts = parse_int(optarg, 1, ATTEMPTS_MAX,
			    "--max-attempts");
			break;
		case 'J':
			o->jobs = parse_int(optarg, 1, JOBS_MAX, "--jobs");
			break;
		case OPT_PREFIX:
			o->prefix = optarg;
			walk_only = c;
			break;
		case OPT_FULLSCAN:
			o->full_scan = 1;
			walk_only = c;
			break;
		case OPT_LOOKBACK:
			o->lookback = parse_int(optarg, 0, 3650, "--lookback");
			walk_only = c;
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
			walk_only = c;
			break;
		case OPT_QUEUEURL:
			o->queue_url = optarg;
			break;
		case OPT_VISIBILITY:
			o->visibility = parse_int(optarg, 1, SQS_VISIBILITY_MAX,
			    "--visibility-timeout");
			queue_only = c;
			break;
		case OPT_WAIT:
			o->wait = parse_int(optarg, 0, SQS_WAIT_MAX,
			    "--wait-time-seconds");
			queue_only = c;
			break;
		case OPT_FOLLOW:
			o->follow = 1;
			queue_only = c;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NOPROGRESS:
			o->progress = 0;
			break;
		case OPT_METRICS:
			o->metrics = optarg;
			break;
		case OPT_DISCARD:
			if (discard_add(&o->discard, optarg, err,
			    sizeof(err)) == -1)
				usage_error("option --discard: %s", err);
			break;
		case OPT_LOCKWAIT:
			o->lock_wait = parse_int(optarg, 0, 86400,
			    "--lock-wait");
			break;
		case ':':
			usage_error("option requires an argument: %s",
			    argv[optind - 1]);
			break;
		default:
			if (optopt != 0) {
				char	opt[3] = { '-', (char)optopt, '\0' };

				usage_error("no such option: %s", opt);
			}
			usage_error("no such option: %s", argv[optind - 1]);
		}
	}
	o->format = json ? fmt : -1;
	/* Raw mode writes documents as they are: no record to keep out. */
	if (o->discard != NULL && o->format == -1)
		usage_error("option --discard: records are discarded only with "
		    "-j or --format");
	if (o->queue_url != NULL && walk_only)
		usage_error("option %s: the listing's, not --queue-url's",
		    option_name(walk_only));
	if (o->queue_url == NULL && queue_only)
		usage_error("option %s: only with --queue-url",
		    option_name(queue_only));
}

/*
 * The config file's and the environment's settings, under the command
 * line's, into cfg: endpoint, region, addressing style, CA bundle, tries
 * per request. 0, or -1 on a bad value (printed).
 */
static int
settings_to_config(struct options *o, const struct aws_settings *set,
    struct engine_config *ecfg, struct s3_config *cfg)
{
	const char	*mode = set->retry_mode;
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
			msg_warn("s3 addressing_style %s: not path, virtual "
			    "or auto", set->addressing_style);
			return -1;
		}
	}
	ecfg->ca_bundle = set->ca_bundle;
	if (mode != NULL && strcmp(mode, "legacy") != 0 &&
	    strcmp(mode, "standard") != 0 && strcmp(mode, "adaptive") != 0) {
		msg_warn("retry_mode %s: not legacy, standard or adaptive",
		    mode);
		return -1;
	}
	if (o->max_attempts == 0 && set->max_attempts != NULL) {
		if (util_parse_long(set->max_attempts, 1, ATTEMPTS_MAX,
		    &v) == -1) {
			msg_warn("max_attempts %s: not a number from 1 to %d",
			    set->max_attempts, ATTEMPTS_MAX);
			return -1;
		}
		o->max_attempts = (int)v;
	}
	if (o->max_attempts == 0)
		o->max_attempts = mode != NULL && strcmp(mode, "legacy") == 0 ?
		    ATTEMPTS_LEGACY : ATTEMPTS_STANDARD;
	ecfg->max_attempts = o->max_attempts;
	return 0;
}

/* What main opens for a run, and closes whatever happened. */
struct job {
	struct options		*o;
	struct run		 r;
	struct aws_creds	 creds;
	struct aws_settings	 set;
	struct engine_config	 ecfg;
	struct s3_config	 cfg;
	struct creds		*provider;
	struct sqs		*sqs;		/* the queue mode's queue */
	int			 lockfd[2];	/* the log's, the state's */
	int			 curl;		/* curl_global_init done */
	long long		 start;		/* wall clock, seconds */
	long long		 start_ms;	/* util_mono_ms() */
};

/*
 * Lock the data file at path (the log, the state) by the lock file beside
 * it. An exit status: EXIT_OK to go on.
 */
static int
job_lock(struct job *j, int slot, const char *path, long long deadline)
{
	int	fd;

	if ((fd = lock_take(path, deadline)) == LOCK_HELD) {
		if (sig_caught())
			return EXIT_LOCAL;
		msg_warn("another getawslog is working on %s; gave up after "
		    "%d seconds", path, j->o->lock_wait);
		return EXIT_LOCKED;
	}
	if (fd == -1)
		return EXIT_LOCAL;
	j->lockfd[slot] = fd;
	return EXIT_OK;
}

/* Do two paths name one file? (Both exist by now.) */
static int
same_file(const char *a, const char *b)
{
	struct stat	sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The files: with --dry-run the state read-only and nothing else (no
 * log, no lock file); else the log (opened once, to fail before any
 * download), the locks of the log and of the state, the state. An exit
 * status: EXIT_OK to go on.
 */
static int
job_open_files(struct job *j)
{
	const struct options	*o = j->o;
	struct stat		 sb;
	long long		 deadline;
	int			 status;

	if (o->dry_run) {
		if (o->state != NULL && access(o->state, F_OK) == 0 &&
		    state_open(o->state, 1, &j->r.st) == -1)
			return EXIT_LOCAL;
		return EXIT_OK;
	}
	/*
	 * Each object's lines are synced when a record or a delete follows
	 * (a queue message's delete too).
	 */
	if ((j->r.log = logfile_open(o->log, o->state != NULL ||
	    o->delete || o->queue_url != NULL)) == NULL)
		return EXIT_LOCAL;
	if (o->state != NULL && same_file(o->log, o->state)) {
		msg_warn("%s is both the log (-l) and the state file (-s)",
		    o->state);
		return EXIT_LOCAL;
	}
	/*
	 * One run at a time per log and per state, the log's lock first. A
	 * log that is no regular file (/dev/stdout, a FIFO) has nothing a
	 * second run could double.
	 */
	deadline = util_mono_ms() + (long long)o->lock_wait * 1000;
	if (stat(o->log, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (status = job_lock(j, 0, o->log, deadline)) != EXIT_OK)
		return status;
	if (o->state != NULL &&
	    (status = job_lock(j, 1, o->state, deadline)) != EXIT_OK)
		return status;
	if (state_open(o->state, 0, &j->r.st) == -1)
		return EXIT_LOCAL;
	return EXIT_OK;
}

/*
 * The queue: its endpoint AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL or
 * the profile's endpoint_url, else the queue URL's own; its region the
 * queue URL's, else --region or the profile's. Whether it exists and may
 * be read, the first receive says (sqs:GetQueueAttributes is not among the
 * permissions the mode needs). An exit status: EXIT_OK to go on.
 */
static int
job_open_sqs(struct job *j)
{
	struct sqs_config	qc;

	memset(&qc, 0, sizeof(qc));
	qc.queue_url = j->o->queue_url;
	qc.endpoint = j->set.sqs_endpoint_url;
	qc.region = j->cfg.region;
	qc.debug = j->o->debug;
	if ((j->sqs = sqs_new(j->r.eng, &qc)) == NULL)
		return EXIT_BUCKET;
	if (j->o->debug > 1)
		msg_warn("queue %s, requests signed for %s", sqs_shown(j->sqs),
		    sqs_region(j->sqs));
	return EXIT_OK;
}

/* Settings, credentials, S3, the bucket. An exit status: EXIT_OK to go on. */
static int
job_open_s3(struct job *j)
{
	struct options		*o = j->o;
	struct creds_options	 copt;
	struct s3_error		 err;
	time_t			 expires = 0;
	char			 e[640], em[4 * 640], eb[MSG_ESCAPED_MAX];
	int			 rc;

	if (ini_find_settings(o->profile, &j->set) == -1 ||
	    settings_to_config(o, &j->set, &j->ecfg, &j->cfg) == -1)
		return EXIT_BUCKET;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		msg_warn("cannot initialise libcurl");
		return EXIT_LOCAL;
	}
	j->curl = 1;
	memset(&copt, 0, sizeof(copt));
	copt.cli_profile = o->profile;
	copt.region = j->cfg.region;
	copt.ca_bundle = j->ecfg.ca_bundle;
	copt.debug = o->debug;
	if ((rc = creds_find(&copt, &j->provider, &j->creds, &expires)) != 1) {
		if (rc == 0)
			msg_warn("no AWS credentials found (looked in the "
			    "environment, ~/.aws/credentials, ~/.aws/config, "
			    "credential_process, /etc/boto.cfg and ~/.boto, "
			    "container credentials and EC2 instance metadata)");
		return EXIT_BUCKET;
	}
	/* -d prints only the script's lines; -dd says more. */
	if (o->debug > 1)
		msg_warn("using credentials from %s", j->creds.source);
	j->ecfg.access_key = j->creds.access_key;
	j->ecfg.secret_key = j->creds.secret_key;
	j->ecfg.session_token = j->creds.session_token;
	j->ecfg.expires = expires;
	j->ecfg.refresh = creds_refresh;
	j->ecfg.refresh_arg = j->provider;
	/* The queue's long poll must not hold up a GET. */
	j->ecfg.connections = o->jobs + (o->queue_url != NULL ?
	    QUEUE_CONNECTIONS : 0);
	j->ecfg.debug = o->debug;
	j->ecfg.interrupted = sig_flag();
	j->cfg.debug = o->debug;
	if (o->debug)
		printf("+++ Connecting to Amazon S3\n");
	j->r.eng = engine_new(&j->ecfg);
	aws_creds_clear(&j->creds);
	if (j->r.eng == NULL ||
	    (j->r.s3 = s3_new(j->r.eng, &j->cfg)) == NULL)
		return EXIT_LOCAL;
	if (o->queue_url != NULL)
		return job_open_sqs(j);
	if (s3_check_bucket(j->r.s3, o->bucket, &err) == -1) {
		if (err.status == S3_EINTR)
			return EXIT_LOCAL;
		/* The script's line; what S3 (or a proxy) said, escaped. */
		printf("Bucket %s access error: %s\n", msg_escape(o->bucket,
		    eb, sizeof(eb)), msg_escape(s3_strerror(&err, e, sizeof(e)),
		    em, sizeof(em)));
		/* Throttled or unreachable: the next run may well succeed. */
		return err.transient ? EXIT_TRANSIENT : EXIT_BUCKET;
	}
	return EXIT_OK;
}

/* The walk, then the summary. Its exit status. */
static int
job_run(struct job *j)
{
	const struct options	*o = j->o;
	struct run		*r = &j->r;
	int			 status;

	progress_start(o->progress == -1 ? isatty(STDERR_FILENO) &&
	    !o->debug : o->progress);
	/* Deletes that failed before, first: they may be refused again. */
	if (object_retry_deletes(r) == OBJECT_FATAL)
		r->fatal = 1;
	if (!r->fatal && !r->denied) {
		if (o->queue_url != NULL)
			drain_run(r, j->sqs);
		else
			walk_run(r);
	}
	/* The last count, then a clean line for whatever follows. */
	progress_draw(&r->n, 1);
	progress_clear();
	if (logfile_finish(r->log) == -1)
		r->fatal = 1;
	if (r->fatal)
		status = EXIT_LOCAL;
	else if (r->denied || r->refused)
		status = EXIT_BUCKET;	/* said where it was found */
	else if (r->n.transient || r->n.undeleted_transient ||
	    r->n.messages_transient)
		status = EXIT_TRANSIENT;
	else if (r->n.failed || r->n.undeleted || r->n.messages_left)
		status = EXIT_OBJECTS;
	else
		status = EXIT_OK;
	if (!r->fatal && !r->denied && (r->n.failed || r->n.transient))
		msg_warn("%lu objects written, %lu failed, %lu still failing "
		    "after retries; failed objects were left in the bucket%s",
		    r->n.objects, r->n.failed, r->n.transient,
		    o->queue_url != NULL ? " and their messages in the queue" :
		    "");
	if (!r->fatal && !r->denied && r->n.undeleted)
		msg_warn("%lu objects written but not deleted; %s", r->n.undeleted,
		    state_enabled(r->st) ? "they are recorded, and the next "
		    "run tries their deletes again" : "without -s the next run "
		    "writes them again");
	/* On stderr, at -dd: -d's stdout stays the script's. */
	if (o->debug > 1)
		msg_warn("summary: %lu objects%s, %lu records, %llu bytes "
		    "downloaded, %llu bytes written, %.1f seconds, %lu "
		    "failures, %lu list requests, %lu skipped, %lu records "
		    "discarded", r->n.objects, o->dry_run ? " (dry run)" : "",
		    r->n.records, r->n.bytes_in, r->n.bytes_out,
		    progress_seconds(), r->n.failed + r->n.transient,
		    r->n.lists, r->n.skipped, r->n.discarded);
	return status;
}

/*
 * --metrics: what the run did. Written before the lock is let go, so that
 * runs that held it write in turn; a run that found it held (exit 6)
 * writes too, and the run holding it overwrites that when it ends.
 */
static void
job_metrics(const struct job *j, int status)
{
	const struct options	*o = j->o;
	const struct counts	*n = &j->r.n;
	struct metrics		 m;
	char			 queue[HTTP_URL_SHOWN_MAX];

	if (o->metrics == NULL || o->dry_run)
		return;
	memset(&m, 0, sizeof(m));
	m.start = j->start;
	m.duration_ms = util_mono_ms() - j->start_ms;
	m.status = status;
	m.records = n->records;
	m.discarded = n->discarded;
	m.bytes_in = n->bytes_in;
	m.written = n->objects;
	m.failed = n->failed + n->transient;
	m.skipped = n->skipped;
	m.newest = n->newest;
	/* The queue mode may have no -b; its queue is named. */
	if (o->bucket != NULL)
		metrics_label(&m, "bucket", o->bucket);
	if (o->queue_url != NULL)
		metrics_label(&m, "queue", http_url_mask(o->queue_url, queue,
		    sizeof(queue)));
	/* A failure is said; it does not change the run's exit status. */
	metrics_write(o->metrics, &m);
}

/* Close everything; a signal makes the status EXIT_LOCAL. */
static int
job_close(struct job *j, int status)
{
	int	sig = sig_caught();

	if (sig == SIGINT)
		printf("SIGINT received, bye!\n");
	else if (sig != 0 && !j->o->follow)
		msg_warn("terminated by signal %d", sig);
	/* A service's end: its status is what it did. */
	if (sig != 0 && !j->o->follow)
		status = EXIT_LOCAL;
	aws_creds_clear(&j->creds);
	aws_settings_clear(&j->set);
	state_close(j->r.st);
	sqs_free(j->sqs);
	s3_free(j->r.s3);
	engine_free(j->r.eng);
	creds_free(j->provider);
	logfile_close(j->r.log);
	spool_free(j->r.spool);
	discard_free(j->o->discard);
	if (j->curl)
		curl_global_cleanup();
	job_metrics(j, status);
	lock_release(j->lockfd[0]);
	lock_release(j->lockfd[1]);
	return status;
}

int
main(int argc, char *argv[])
{
	struct options	o;
	struct job	j;
	int		status;

	parse_options(argc, argv, &o);
	/* cron mails whatever is printed; keep the script's order of lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.debug)
		printf("+++ Debug mode on\n");
	/* The script's test was Python's truth: an empty name is none. */
	if (o.bucket != NULL && *o.bucket == '\0')
		o.bucket = NULL;
	if (o.bucket == NULL && o.queue_url == NULL) {
		printf("ERROR: Missing an AWS S3 bucket! (-b flag)\n");
		discard_free(o.discard);
		return EXIT_LOCAL;
	}
	if (o.log == NULL || *o.log == '\0') {
		printf("ERROR: Missing a local log file! (-l flag)\n");
		discard_free(o.discard);
		return EXIT_LOCAL;
	}
	sig_catch();
	/*
	 * Each object's buffers are freed and made again; glibc would hand
	 * them back to the kernel every time and fault them in again, which
	 * cost as much CPU as the conversion. Keep some around.
	 */
	mallopt(M_MMAP_THRESHOLD, MALLOC_KEEP);
	mallopt(M_TRIM_THRESHOLD, MALLOC_KEEP);

	memset(&j, 0, sizeof(j));
	j.start = (long long)time(NULL);
	j.start_ms = util_mono_ms();
	j.o = &o;
	j.r.o = &o;
	j.lockfd[0] = j.lockfd[1] = -1;
	if ((status = job_open_files(&j)) == EXIT_OK &&
	    (status = job_open_s3(&j)) == EXIT_OK)
		status = job_run(&j);
	return job_close(&j, status);
}
