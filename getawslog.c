/* SPDX-License-Identifier: ISC */
/*
 * getawslog - pull AWS CloudTrail logs out of an S3 bucket into a local
 * log file, for OSSEC/Wazuh. A drop-in for getawslog.py: same flags, same
 * messages, same exit codes, same bytes in the log.
 *
 * This file: the settings that become the S3 configuration, and main,
 * which opens what a run needs (the log, the lock, the state, credentials,
 * S3), runs the walk (walk.c) and closes it all; the options are
 * options.c's. The path of
 * one object is in HACKING.md.
 */
#include <errno.h>
#include <stdint.h>
#include <malloc.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check.h"
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
#include "options.h"
#include "progress.h"
#include "proof.h"
#include "run.h"
#include "s3.h"
#include "sig.h"
#include "spool.h"
#include "sqs.h"
#include "state.h"
#include "takeover.h"
#include "util.h"
#include "walk.h"

#define QUEUE_CONNECTIONS 3		/* a long poll, heartbeats, deletes */
/* malloc keeps this much around rather than give it back (see main). */
#define MALLOC_KEEP	(256 * 1024 * 1024)

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
	struct counts		 reported;	/* as --metrics last said */
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

/* Can -b's bucket be listed? An exit status: EXIT_OK to go on. */
static int
job_check_bucket(struct job *j)
{
	const char	*bucket = j->o->bucket;
	struct s3_error	 err;
	char		 e[640], em[4 * 640], eb[MSG_ESCAPED_MAX];

	if (s3_check_bucket(j->r.s3, bucket, &err) == -1) {
		if (err.status == S3_EINTR)
			return EXIT_LOCAL;
		/* The script's line; what S3 (or a proxy) said, escaped. */
		printf("Bucket %s access error: %s\n", msg_escape(bucket, eb,
		    sizeof(eb)), msg_escape(s3_strerror(&err, e, sizeof(e)),
		    em, sizeof(em)));
		/* Throttled or unreachable: the next run may well succeed. */
		return err.transient ? EXIT_TRANSIENT : EXIT_BUCKET;
	}
	return EXIT_OK;
}

/*
 * --catch-up: each of -b's buckets listed as a listing run with -s would,
 * before the queue is read, in this run and under its locks: what the
 * queue never told (messages expired, or lost) is written, and what the
 * state holds is skipped, so nothing is written twice. An exit status:
 * EXIT_OK to go on to the queue.
 */
static int
job_catch_up(struct job *j)
{
	struct options	*o = j->o;
	struct run	*r = &j->r;
	size_t		 i;
	int		 status = EXIT_OK;

	for (i = 0; i < o->nbuckets && status == EXIT_OK; i++) {
		o->bucket = o->buckets[i];
		if (o->debug > 1)
			msg_warn("catching up with bucket %s", o->bucket);
		if ((status = job_check_bucket(j)) == EXIT_OK)
			walk_run(r);
		r->stop = 0;	/* a listing that failed: said, counted */
		if (r->fatal || r->denied || sig_caught())
			break;
	}
	o->bucket = o->buckets[0];
	return status;
}

/*
 * Settings and credentials (j->creds, j->ecfg's keys). An exit status:
 * EXIT_OK to go on.
 */
static int
job_open_creds(struct job *j)
{
	struct options		*o = j->o;
	struct creds_options	 copt;
	time_t			 expires = 0;
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
	return EXIT_OK;
}

/* The engine and S3 (the keys move into the engine). EXIT_OK to go on. */
static int
job_open_engine(struct job *j)
{
	const struct options	*o = j->o;

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
	return EXIT_OK;
}

/* Settings, credentials, S3, the bucket. An exit status: EXIT_OK to go on. */
static int
job_open_s3(struct job *j)
{
	int	status;

	if ((status = job_open_creds(j)) != EXIT_OK ||
	    (status = job_open_engine(j)) != EXIT_OK)
		return status;
	if (j->o->queue_url != NULL)
		return job_open_sqs(j);
	return job_check_bucket(j);
}

/*
 * --check: the paths, the credentials (before the engine takes the keys),
 * the bucket, the queue; a line each (check.c), nothing changed. Its exit
 * status.
 */
static int
job_check(struct job *j)
{
	const struct options	*o = j->o;
	struct check		 c;
	int			 found;

	memset(&c, 0, sizeof(c));
	check_paths(&c, o);
	found = job_open_creds(j) == EXIT_OK;
	check_creds(&c, found ? &j->creds : NULL, j->cfg.region,
	    j->ecfg.ca_bundle);
	if (found && job_open_engine(j) == EXIT_OK) {
		/* The queue mode lists only with --catch-up. */
		if (o->queue_url == NULL || o->catch_up)
			check_bucket(&c, j->r.s3, o, j->cfg.region);
		if (o->queue_url != NULL)
			check_queue(&c, j->r.eng, job_open_sqs(j) == EXIT_OK ?
			    j->sqs : NULL);
		if (o->validate)
			check_digests(&c, &j->r, j->set.cloudtrail_endpoint_url,
			    j->cfg.region != NULL ? j->cfg.region : "us-east-1");
	}
	return check_status(&c);
}

/* The walk, then the summary. Its exit status. */
static int
job_run(struct job *j)
{
	const struct options	*o = j->o;
	struct run		*r = &j->r;
	int			 status, caught = EXIT_OK;

	if (o->validate && !o->dry_run && (r->proof = proof_new(r,
	    j->set.cloudtrail_endpoint_url)) == NULL)
		return EXIT_LOCAL;
	progress_start(o->progress == -1 ? isatty(STDERR_FILENO) &&
	    !o->debug : o->progress);
	/* Deletes that failed before, first: they may be refused again. */
	if (object_retry_deletes(r) == OBJECT_FATAL)
		r->fatal = 1;
	if (!r->fatal && !r->denied && o->catch_up)
		caught = job_catch_up(j);
	if (!r->fatal && !r->denied && caught == EXIT_OK && !sig_caught()) {
		if (o->queue_url != NULL)
			drain_run(r, j->sqs);
		else
			walk_run(r);
	}
	/* The last count, then a clean line for whatever follows. */
	progress_draw(&r->n, 1);
	progress_clear();
	/* The files digests named, settled once the walk has done its part. */
	if (proof_finish(r) == -1)
		r->fatal = 1;
	if (logfile_finish(r->log) == -1)
		r->fatal = 1;
	if (r->fatal)
		status = EXIT_LOCAL;
	else if (caught != EXIT_OK)
		status = caught;	/* a bucket the catch-up could not list */
	else if (r->denied || r->refused)
		status = EXIT_BUCKET;	/* said where it was found */
	else if (r->n.transient || r->n.undeleted_transient ||
	    r->n.messages_transient)
		status = EXIT_TRANSIENT;
	else if (r->n.failed || r->n.undeleted || r->n.messages_left)
		status = EXIT_OBJECTS;
	else
		status = EXIT_OK;
	/* An integrity finding outranks objects left for the next run. */
	if (!r->fatal && !r->denied && !r->refused && proof_failed(r))
		status = EXIT_INTEGRITY;
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
	if (o->debug > 1 && o->max_line > 0)
		msg_warn("--max-line-bytes %zu: %lu lines shortened, %lu of "
		    "them still longer", o->max_line, r->n.shortened,
		    r->n.overlong);
	return status;
}

/* The bucket label: -b's, the queue mode's joined by commas. */
static const char *
buckets_joined(const struct options *o, char *buf, size_t len)
{
	size_t	i, off = 0;
	int	n;

	if (o->nbuckets < 2)
		return o->bucket;
	for (i = 0; i < o->nbuckets; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i > 0 ? "," : "",
		    o->buckets[i]);
		if (n < 0 || (size_t)n >= len - off)
			return o->bucket;	/* too many to name */
		off += (size_t)n;
	}
	return buf;
}

/*
 * --metrics: what the run did, or for a service (written from its loop
 * too) what it did since the last write, which counts as a run of its
 * own. Written before the lock is let go, so that runs that held it
 * write in turn; a run that found it held (exit 6) writes too, and the
 * run holding it overwrites that when it ends.
 */
static void
job_metrics(struct job *j, int status)
{
	const struct options	*o = j->o;
	const struct counts	*n = &j->r.n, *p = &j->reported;
	struct metrics		 m;
	char			 queue[HTTP_URL_SHOWN_MAX];
	char			 buckets[METRICS_LABELSET_MAX];

	if (o->metrics == NULL || o->dry_run || o->check)
		return;
	memset(&m, 0, sizeof(m));
	m.start = j->start;
	m.duration_ms = util_mono_ms() - j->start_ms;
	m.status = status;
	m.records = n->records - p->records;
	m.discarded = n->discarded - p->discarded;
	m.shortened = n->shortened - p->shortened;
	m.overlong = n->overlong - p->overlong;
	m.bytes_in = n->bytes_in - p->bytes_in;
	m.written = n->objects - p->objects;
	m.failed = n->failed + n->transient - p->failed - p->transient;
	m.skipped = n->skipped - p->skipped;
	m.newest = n->newest;
	m.digests = o->validate;
	m.digests_ok = n->digests_ok - p->digests_ok;
	m.digests_bad = n->digests_bad - p->digests_bad;
	m.proved = n->files_proved - p->files_proved;
	m.missing = n->files_missing - p->files_missing;
	m.altered = n->files_altered - p->files_altered;
	m.injected = n->files_injected - p->files_injected;
	m.gaps = n->gaps - p->gaps;
	m.newest_proved = n->newest_proved;
	metrics_label(&m, "bucket", buckets_joined(o, buckets,
	    sizeof(buckets)));
	if (o->queue_url != NULL) {
		metrics_label(&m, "queue", http_url_mask(o->queue_url, queue,
		    sizeof(queue)));
		m.queue = 1;
		m.msg_deleted = n->messages - p->messages;
		m.msg_foreign = n->messages_foreign - p->messages_foreign;
		m.msg_left = n->messages_left - p->messages_left -
		    m.msg_foreign;
	}
	/* A failure is said; it does not change the run's exit status. */
	metrics_write(o->metrics, &m);
	j->reported = *n;
	j->start = (long long)time(NULL);
	j->start_ms = util_mono_ms();
}

/* A service's write from its loop: its status is that of the while. */
static void
job_metrics_now(struct run *r)
{
	struct job		*j = r->metrics_arg;
	const struct counts	*n = &r->n, *p = &j->reported;
	int			 status = EXIT_OK;

	if (n->digests_bad > p->digests_bad || n->gaps > p->gaps ||
	    n->files_missing > p->files_missing ||
	    n->files_altered > p->files_altered ||
	    n->files_injected > p->files_injected)
		status = EXIT_INTEGRITY;
	else if (n->transient > p->transient)
		status = EXIT_TRANSIENT;
	else if (n->failed > p->failed || n->undeleted > p->undeleted ||
	    n->messages_left > p->messages_left)
		status = EXIT_OBJECTS;
	job_metrics(j, status);
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
	proof_free(j->r.proof);
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

	options_parse(argc, argv, &o);
	/* cron mails whatever is printed; keep the script's order of lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.debug)
		printf("+++ Debug mode on\n");
	/*
	 * The queue mode needs -b too: a message may name any bucket, and
	 * whoever can send to the queue must not choose what is written.
	 */
	if (o.bucket == NULL) {
		printf("ERROR: Missing an AWS S3 bucket! (-b flag)\n");
		if (o.queue_url != NULL)
			msg_warn("--queue-url: -b names the buckets whose "
			    "objects its messages may name (repeatable, or a "
			    "comma list)");
		discard_free(o.discard);
		return EXIT_LOCAL;
	}
	if (o.wazuh_state != NULL) {
		status = takeover_wazuh(&o);
		discard_free(o.discard);
		return status;
	}
	if (o.log == NULL || *o.log == '\0') {
		printf("ERROR: Missing a local log file! (-l flag)\n");
		discard_free(o.discard);
		return EXIT_LOCAL;
	}
	/* A URL that cannot be one is said before any credential is sought. */
	if (o.queue_url != NULL && !o.check && !sqs_url_ok(o.queue_url)) {
		discard_free(o.discard);
		return EXIT_BUCKET;
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
	if (o.metrics != NULL && o.follow) {
		j.r.metrics_now = job_metrics_now;
		j.r.metrics_arg = &j;
	}
	j.lockfd[0] = j.lockfd[1] = -1;
	if (o.check)
		return job_close(&j, job_check(&j));
	if ((status = job_open_files(&j)) == EXIT_OK &&
	    (status = job_open_s3(&j)) == EXIT_OK)
		status = job_run(&j);
	return job_close(&j, status);
}
