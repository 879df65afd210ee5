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

#define OBJECT_MAX	((size_t)1 << 30)	/* compressed bytes per object */

struct discard;
struct layout_filter;

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
	struct discard	*discard;	/* --discard's rules, or NULL */
	struct layout_filter *filter;	/* --account-id, --trail-region, or
					   NULL (layout.c) */
	const char	*metrics;	/* --metrics FILE, or NULL */
	const char	*queue_url;	/* the queue mode (drain.c) */
	int		 visibility;	/* --visibility-timeout, seconds */
	int		 wait;		/* --wait-time-seconds */
	int		 follow;	/* poll until SIGTERM or SIGINT */
};

struct counts {
	unsigned long	 objects, records, failed, transient, lists;
	unsigned long	 undeleted;	/* written, recorded, delete failed */
	int		 undeleted_transient;	/* one of those may pass later */
	unsigned long	 listed;	/* objects queued to be fetched */
	/* Digests, recorded objects, objects dated before --after. */
	unsigned long	 skipped;
	unsigned long	 discarded;	/* records not written (--discard) */
	unsigned long long bytes_in, bytes_out;
	long long	 newest;	/* newest name time written, 0: none */
	unsigned long	 messages;	/* queue messages finished and deleted */
	unsigned long	 messages_left;	/* left in the queue: an object failed,
					   not understood, another bucket */
	int		 messages_transient;	/* one of those may pass later */
};

struct engine;
struct s3;
struct spool;
struct state;
struct logfile;

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
};

#endif /* GETAWSLOG_RUN_H */
