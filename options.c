/* SPDX-License-Identifier: ISC */
/*
 * The command line: optparse's ways (its messages, exit status 2, long
 * options shortened to any unambiguous prefix) over getopt_long, into
 * struct options (run.h). Options that belong to a room are checked by
 * that room's parser (discard_add, flatten_format_parse, ...).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "discard.h"
#include "linefit.h"
#include "flatten.h"
#include "layout.h"
#include "msg.h"
#include "notify.h"
#include "options.h"
#include "run.h"
#include "sqs.h"
#include "util.h"

#define INFLATED_MAX	((size_t)4 << 30)	/* decompressed bytes, default */
#define INFLATED_CEIL	((unsigned long long)1 << 40)	/* --max-inflated-size */
#define OUTPUT_FLOOR	((size_t)64 << 20)	/* --max-output-size, default */
#define JOBS_MAX	128
#define VISIBILITY_DEFAULT 300		/* the queue mode: seconds hidden */
#define WAIT_DEFAULT	2		/* the queue mode: a cron run's poll */
/*
 * A log file no digest names is injected this many hours after its hour:
 * AWS sets no bound on a backfill digest's lateness; a day covers the
 * delays it has been seen to have and one missed daily run.
 */
#define DIGEST_GRACE_DEFAULT 24

static const char usage_text[] =
"usage: getawslog -b BUCKET -l FILE [-dDhj] [-J N] [-s FILE] [--format FORMAT]\n"
"                 [--region REGION] [--endpoint-url URL] [--profile NAME]\n"
"                 [--prefix PREFIX] [--full-scan] [--lookback DAYS]\n"
"                 [--max-attempts N] [--lock-wait SECONDS]\n"
"                 [--after YYYY-MM-DD] [--dry-run] [--progress | --no-progress]\n"
"                 [--max-inflated-size BYTES] [--max-output-size BYTES]\n"
"                 [--max-line-bytes N] [--metrics FILE]\n"
"                 [--discard FIELD=REGEX ...] [--account-alias NAME]\n"
"                 [--validate-digests] [--digest-grace HOURS] [--check]\n"
"                 [--account-id ID[,ID...] ...]\n"
"                 [--trail-region REGION[,REGION...] ...] [--version]\n"
"       getawslog --import-wazuh-state FILE -b BUCKET -s FILE\n"
"       getawslog --queue-url URL -b BUCKET[,BUCKET...] -l FILE [-dDj] [-J N]\n"
"                 [-s FILE] [--format FORMAT] [--visibility-timeout SECONDS]\n"
"                 [--wait-time-seconds SECONDS] [--follow] [--catch-up]\n"
"                 [options above]\n";

static const char help_text[] =
"\n"
"Options:\n"
"  -h, --help            show this help message and exit\n"
"  -b BUCKET, --bucket=BUCKET\n"
"                        S3 bucket containing AWS logs (a name, s3://NAME or\n"
"                        arn:aws:s3:::NAME)\n"
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
"  -J N, --jobs=N        downloads in flight at most (default 64, at most\n"
"                        128): 8 at first, more while S3's latency keeps\n"
"                        the run waiting; the walk lists up to 4 N\n"
"                        folders at once (at most 32)\n"
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
"  --max-output-size=BYTES\n"
"                        refuse objects that would write more to the log than\n"
"                        BYTES (default 64M) or 100 times their compressed\n"
"                        size, whichever is larger\n"
"  --metrics=FILE        at the end of every run, write what it did to FILE\n"
"                        for Prometheus (node_exporter's textfile collector)\n"
"  --discard=FIELD=REGEX with records: do not write a record whose FIELD\n"
"                        (a key, or a dotted path: userIdentity.type; through\n"
"                        a list, any element: resources.type) matches the\n"
"                        extended regular expression; repeatable\n"
"  --account-alias=NAME  with --format wazuh: the alias every event names\n"
"                        (log_info.aws_account_alias, as the aws-s3 module's\n"
"                        aws_account_alias; default empty)\n"
"  --max-line-bytes=N    with records: shorten a record's largest values\n"
"                        until its line, newline included, is at most N\n"
"                        bytes (K suffix allowed; OSSEC 2.x: 5800, 3.x: 4000)\n"
"  --check               with the options of a run: check the paths, the\n"
"                        credentials, the bucket's rights, the clock and\n"
"                        the queue, a line each; change nothing; exit 0\n"
"                        when all pass\n"
"  --validate-digests    with -s: check CloudTrail's digest files (signature,\n"
"                        chain, every log file they name); exit 7 on a\n"
"                        missing, altered or injected file\n"
"  --digest-grace=HOURS  how long after its hour a log file no digest names\n"
"                        is injected (default 24, 0 none)\n"
"  --account-id=ID[,ID...]\n"
"                        take only these accounts' CloudTrail folders and\n"
"                        objects (listing and queue); repeatable\n"
"  --trail-region=REGION[,REGION...]\n"
"                        take only these regions' CloudTrail folders and\n"
"                        objects (not --region, the bucket's); repeatable\n"
"  --version             show the version and exit\n"
"\n"
"Taking over from Wazuh's aws-s3 module:\n"
"  --import-wazuh-state=FILE\n"
"                        record in the -s state where the module's state\n"
"                        FILE (s3_cloudtrail.db) says it stopped in each\n"
"                        region folder of -b's bucket, then exit\n"
"\n"
"Queue mode (S3 event notifications from SQS):\n"
"  --queue-url=URL       read the objects to fetch from this SQS queue; -b\n"
"                        (repeatable, or a comma list) names the buckets\n"
"                        its messages may name: other buckets are refused\n"
"  --visibility-timeout=SECONDS\n"
"                        keep received messages hidden this long, renewed\n"
"                        until done (default 300)\n"
"  --wait-time-seconds=SECONDS\n"
"                        long poll this long; a poll that brings nothing\n"
"                        ends the run (default 2, at most 20)\n"
"  --follow              keep polling until SIGTERM or SIGINT (a service)\n"
"  --catch-up            with -s: first list each -b bucket as a listing run\n"
"                        would (--lookback, --full-scan, --prefix), for the\n"
"                        objects whose messages expired or were lost\n";

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
	OPT_FOLLOW, OPT_ALIAS, OPT_MAXOUTPUT, OPT_MAXLINE, OPT_WAZUHSTATE,
	OPT_CHECK, OPT_CATCHUP, OPT_VALIDATE, OPT_GRACE,
	OPT_ACCOUNT, OPT_TRAILREGION };

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
	{ "max-output-size", required_argument, NULL, OPT_MAXOUTPUT },
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
	{ "account-alias", required_argument,	NULL, OPT_ALIAS },
	{ "max-line-bytes", required_argument,	NULL, OPT_MAXLINE },
	{ "import-wazuh-state", required_argument, NULL, OPT_WAZUHSTATE },
	{ "check",	no_argument,		NULL, OPT_CHECK },
	{ "catch-up",	no_argument,		NULL, OPT_CATCHUP },
	{ "validate-digests", no_argument,	NULL, OPT_VALIDATE },
	{ "digest-grace", required_argument,	NULL, OPT_GRACE },
	{ "account-id",	required_argument,	NULL, OPT_ACCOUNT },
	{ "trail-region", required_argument,	NULL, OPT_TRAILREGION },
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

/*
 * One -b: a name, s3://NAME[/] or arn:PARTITION:s3:::NAME (what the
 * console and the CLI show), made the name in place; anything else is a
 * usage error here rather than an odd answer from S3.
 */
static const char *
bucket_checked(char *arg)
{
	char	*s = arg, *p;
	size_t	 n;
	int	 url = strncasecmp(arg, "s3://", 5) == 0;

	if (url)
		s += 5;
	else if (strncmp(s, "arn:", 4) == 0 &&
	    (p = strstr(s + 4, ":s3:::")) != NULL &&
	    memchr(s + 4, ':', (size_t)(p - (s + 4))) == NULL)
		s = p + 6;
	n = strlen(s);
	if (url && n > 0 && s[n - 1] == '/')
		n--;
	if (!notify_bucket_ok(s, n))
		usage_error("option -b: not a bucket name: \"%s\" (a name, "
		    "s3://NAME or arn:aws:s3:::NAME)", arg);
	s[n] = '\0';
	return s;
}

/*
 * -b: the listing's is the last one given (optparse's way); the queue
 * mode takes each, each maybe a comma list. An empty -b is none, as the
 * script's test of it was Python's truth.
 */
static void
set_buckets(struct options *o, char **vals, size_t n)
{
	char	*v, *piece;
	size_t	 i;

	if (o->queue_url == NULL) {
		if (n > 0 && *vals[n - 1] != '\0')
			o->bucket = bucket_checked(vals[n - 1]);
		return;
	}
	for (i = 0; i < n; i++) {
		v = *vals[i] != '\0' ? vals[i] : NULL;
		while ((piece = strsep(&v, ",")) != NULL) {
			if (o->nbuckets == BUCKETS_MAX)
				usage_error("option -b: more than %d buckets",
				    BUCKETS_MAX);
			o->buckets[o->nbuckets++] = bucket_checked(piece);
		}
	}
	o->bucket = o->nbuckets > 0 ? o->buckets[0] : NULL;
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

/*
 * The options of one mode given with the other: walk_only the listing's
 * alone, listing those --catch-up lends the queue mode, queue_only the
 * queue mode's (each the last one given, 0 none).
 */
static void
check_modes(const struct options *o, int walk_only, int listing,
    int queue_only)
{
	if (o->queue_url != NULL && (walk_only || (listing && !o->catch_up)))
		usage_error("option %s: the listing's, not --queue-url's",
		    option_name(walk_only ? walk_only : listing));
	/* Without the state, the queue would write again what it lists. */
	if (o->catch_up && o->state == NULL)
		usage_error("option --catch-up: only with -s, which the queue "
		    "and the listing share");
	if (o->queue_url == NULL && queue_only)
		usage_error("option %s: only with --queue-url",
		    option_name(queue_only));
}

/* An option switch: one case per option, hence its length. */
void
options_parse(int argc, char **argv, struct options *o)
{
	char	err[512], *bvals[BUCKETS_MAX];
	size_t	nb = 0;
	int	c, json = 0, fmt = FLATTEN_FLAT, walk_only = 0, queue_only = 0;
	int	listing = 0;

	memset(o, 0, sizeof(*o));
	o->max_attempts = 0;	/* the config's, else the retry mode's */
	o->progress = -1;
	o->lock_wait = 60;	/* a five-minute cron: a minute of grace */
	/*
	 * Small objects at 50 ms a request: -J 8 fetched 145 a second, 64
	 * about 640 (bench i; more was no faster there); bodies in memory are
	 * bounded in total whatever -J (fetch.c).
	 */
	o->jobs = 64;
	o->lookback = 2;	/* CloudTrail delivers late, rarely by days */
	/* CloudTrail's objects inflate to megabytes: 4 GiB is no real one. */
	o->max_inflated = INFLATED_MAX;
	o->max_output = OUTPUT_FLOOR;
	o->visibility = VISIBILITY_DEFAULT;
	o->wait = WAIT_DEFAULT;
	o->digest_grace = DIGEST_GRACE_DEFAULT;
	opterr = 0;
	resolve_prefixes(argc, argv);
	while ((c = getopt_long(argc, argv, ":b:l:jDds:hJ:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'b':
			if (nb == BUCKETS_MAX)
				usage_error("option -b: given more than %d "
				    "times", BUCKETS_MAX);
			bvals[nb++] = optarg;
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
			listing = c;
			break;
		case OPT_FULLSCAN:
			o->full_scan = 1;
			listing = c;
			break;
		case OPT_LOOKBACK:
			o->lookback = parse_int(optarg, 0, 3650, "--lookback");
			listing = c;
			break;
		case OPT_MAXINFLATED:
			o->max_inflated = parse_size(optarg, 1, INFLATED_CEIL,
			    "--max-inflated-size");
			break;
		case OPT_MAXOUTPUT:
			o->max_output = parse_size(optarg, 1, INFLATED_CEIL,
			    "--max-output-size");
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
		case OPT_CATCHUP:
			o->catch_up = 1;
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
		case OPT_ALIAS:
			o->account_alias = optarg;
			break;
		case OPT_MAXLINE:
			o->max_line = parse_size(optarg, LINEFIT_MIN,
			    LINEFIT_MAX, "--max-line-bytes");
			break;
		case OPT_CHECK:
			o->check = 1;
			break;
		case OPT_WAZUHSTATE:
			o->wazuh_state = optarg;
			break;
		case OPT_VALIDATE:
			o->validate = 1;
			break;
		case OPT_GRACE:
			o->digest_grace = parse_int(optarg, 0, 24 * 366,
			    "--digest-grace");
			break;
		case OPT_ACCOUNT:
		case OPT_TRAILREGION:
			if (layout_filter_add(&o->filter, c == OPT_TRAILREGION,
			    optarg, err, sizeof(err)) == -1)
				usage_error("option %s: %s", option_name(c), err);
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
	set_buckets(o, bvals, nb);
	o->format = json ? fmt : -1;
	/* Raw mode writes documents as they are: no record to keep out. */
	if (o->discard != NULL && o->format == -1)
		usage_error("option --discard: records are discarded only with "
		    "-j or --format");
	if (o->account_alias != NULL && o->format != FLATTEN_WAZUH)
		usage_error("option --account-alias: only with --format wazuh");
	if (o->max_line > 0 && o->format == -1)
		usage_error("option --max-line-bytes: lines are shortened only "
		    "with -j or --format");
	if (o->wazuh_state != NULL && (o->state == NULL || o->bucket == NULL))
		usage_error("option --import-wazuh-state: the state to write "
		    "(-s) and the bucket (-b) are needed");
	/* The hashes and the chains are kept in the state. */
	if (o->validate && o->state == NULL)
		usage_error("option --validate-digests: needs -s");
	check_modes(o, walk_only, listing, queue_only);
}
