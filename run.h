/* SPDX-License-Identifier: ISC */
/*
 * run.h - what one run shares between its rooms: the options, the
 * counters, and the handles (S3, the state, the log) that main opened.
 */
#ifndef GETAWSLOG_RUN_H
#define GETAWSLOG_RUN_H

#include <stddef.h>

/* Exit statuses: part of the interface, listed in getawslog.1. */
#define EXIT_OK		0
#define EXIT_LOCAL	1	/* usage, the log file, a local error, SIGINT */
#define EXIT_USAGE	2	/* unknown option (as optparse did) */
#define EXIT_BUCKET	3	/* no credentials, the bucket or queue unusable */
#define EXIT_OBJECTS	4	/* some objects failed and were left alone */
#define EXIT_TRANSIENT	5	/* some requests still failed after retries */
#define EXIT_LOCKED	6	/* another run holds the lock */
#define EXIT_INTEGRITY	7	/* a digest found a log file missing, altered
				   or injected, a gap, or a digest invalid */

#define OBJECT_MAX	((size_t)1 << 30)	/* compressed bytes per object */
#define BUCKETS_MAX	64	/* the queue mode's -b buckets */

struct discard;

struct options {
	const char	*bucket;	/* -b; the queue mode's first */
	const char	*buckets[BUCKETS_MAX];	/* the queue mode's -b */
	size_t		 nbuckets;
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
	size_t		 max_output;	/* bytes to the log per object: the
					   floor of object.c's output_limit */
	char		 after[9];	/* --after as YYYYMMDD, "" when none */
	char		 after_day[11];	/* the same as YYYY/MM/DD */
	int		 dry_run;
	int		 progress;	/* 1 on, 0 off, -1 when stderr is a tty */
	struct discard	*discard;	/* --discard's rules, or NULL */
	const char	*account_alias;	/* --account-alias (wazuh), or NULL */
	const char	*metrics;	/* --metrics FILE, or NULL */
	const char	*queue_url;	/* the queue mode (drain.c) */
	int		 visibility;	/* --visibility-timeout, seconds */
	int		 wait;		/* --wait-time-seconds */
	int		 follow;	/* poll until SIGTERM or SIGINT */
	int		 catch_up;	/* list -b's buckets before the queue */
	size_t		 max_line;	/* --max-line-bytes, 0: none */
	const char	*wazuh_state;	/* --import-wazuh-state FILE */
	int		 check;		/* --check: a preflight, no run */
	int		 validate;	/* --validate-digests (proof.c) */
	int		 digest_grace;	/* hours before a file is injected */
};

struct counts {
	unsigned long	 objects, records, failed, transient, lists;
	unsigned long	 undeleted;	/* written, recorded, delete failed */
	int		 undeleted_transient;	/* one of those may pass later */
	unsigned long	 listed;	/* objects queued to be fetched */
	/* Digests, recorded objects, objects dated before --after. */
	unsigned long	 skipped;
	unsigned long	 discarded;	/* records not written (--discard) */
	unsigned long	 shortened;	/* lines cut by --max-line-bytes */
	unsigned long	 overlong;	/* of those, still longer than it */
	unsigned long long bytes_in, bytes_out;
	long long	 newest;	/* newest name time written, 0: none */
	unsigned long	 messages;	/* queue messages finished and deleted */
	unsigned long	 messages_left;	/* left in the queue: an object failed,
					   not understood, another bucket */
	unsigned long	 messages_foreign; /* of those, naming another bucket */
	int		 messages_transient;	/* one of those may pass later */
	/* --validate-digests: digests and the log files they name. */
	unsigned long	 digests_ok, digests_bad;
	unsigned long	 files_proved, files_missing, files_altered,
			 files_injected, files_pending;
	unsigned long	 gaps;		/* digest hours missing in a chain */
	long long	 newest_proved;	/* end of the newest hour proved */
};

struct engine;
struct s3;
struct spool;
struct state;
struct logfile;
struct proof;

struct run {
	const struct options	*o;
	struct engine		*eng;	/* every request's loop */
	struct s3		*s3;
	struct state		*st;	/* NULL without -s: its calls do nothing */
	struct logfile		*log;	/* NULL with --dry-run */
	struct counts		 n;
	struct spool		*spool;	/* -j's lines held back, made when needed */
	int			 fatal;	/* a local error: stop now */
	int			 denied; /* -D without the right to delete: stop */
	int			 stop;	/* the listing failed: finish the queue */
	int			 refused; /* the queue is missing or refused */
	long long		 turned_ms; /* the engine last turned (object.c) */
	/*
	 * --metrics written now, for what was done since the last write (a
	 * service's, from drain.c); NULL without --metrics.
	 */
	void			(*metrics_now)(struct run *);
	void			*metrics_arg;
	struct proof		*proof;	/* --validate-digests' (proof.c) */
};

#endif /* GETAWSLOG_RUN_H */
