/* SPDX-License-Identifier: ISC */
/*
 * metrics.h - --metrics FILE: what the last run did, in the Prometheus
 * text format that node_exporter's textfile collector reads, written at
 * the end of every run (success, failure, signal, lock held) by renaming
 * a temporary file over FILE. Two values come over from the previous
 * FILE: the last success, and the newest object when this run wrote none.
 */
#ifndef GETAWSLOG_METRICS_H
#define GETAWSLOG_METRICS_H

#include <stddef.h>

#define METRICS_LABELS_MAX	4	/* bucket; the SQS mode adds queue */
#define METRICS_LABELSET_MAX	1024	/* {name="value",...}, escaped */
#define METRICS_TEXT_MAX	(32 * 1024)	/* the file written */
#define METRICS_PREV_MAX	(64 * 1024)	/* a previous file read */
#define METRICS_MODE		0644	/* the collector runs as another user */

struct metrics_label {
	const char	*name;		/* [a-zA-Z_][a-zA-Z0-9_]*, no "__" */
	const char	*value;		/* any bytes: escaped, made UTF-8 */
};

/* One run, as main saw it. */
struct metrics {
	long long		 start;		/* wall clock, seconds */
	long long		 duration_ms;
	int			 status;	/* the exit status */
	unsigned long		 records, discarded;
	unsigned long		 shortened, overlong;	/* --max-line-bytes */
	unsigned long long	 bytes_in;
	unsigned long		 written, failed, skipped;	/* objects */
	long long		 newest;	/* name time; 0: none written */
	int			 queue;		/* the queue mode: messages too */
	unsigned long		 msg_deleted, msg_left, msg_foreign;
	/* --validate-digests: the families below only with it. */
	int			 digests;
	unsigned long		 digests_ok, digests_bad;
	unsigned long		 proved, missing, altered, injected, gaps;
	long long		 newest_proved;	/* 0: none yet */
	struct metrics_label	 labels[METRICS_LABELS_MAX];
	size_t			 nlabels;
};

/* What the previous FILE said; 0 for what it did not say. */
struct metrics_prev {
	long long	 last_success;
	long long	 newest;
};

/* Add a label to every sample. 0, or -1 when METRICS_LABELS_MAX are set. */
int	 metrics_label(struct metrics *, const char *name, const char *value);

/*
 * Write m to path: the previous file read (bounded, not through another
 * user's symlink; one whose samples are another bucket's, or in the
 * queue mode another queue's, is not replaced), a temporary file beside it (".NAME.XXXXXX", which the
 * collector ignores) made METRICS_MODE, written, synced and renamed over
 * path; removed on any error. 0, or -1 with a message: nothing replaced.
 */
int	 metrics_write(const char *path, const struct metrics *);

/*
 * The label set of every sample, "{bucket="x"}" ("" without labels), with
 * one more pair when extra_name is not NULL. Its length, or -1 when a name
 * is not a label name or it does not fit in len.
 */
int	 metrics_labelset(const struct metrics *, const char *extra_name,
	    const char *extra_value, char *buf, size_t len);

/*
 * The file's text: every metric with # HELP and # TYPE; last success is
 * m's start when its status is 0, else prev's; the newest object m's,
 * else prev's. Its length, or -1 when it does not fit in len.
 */
int	 metrics_format(const struct metrics *, const struct metrics_prev *,
	    char *buf, size_t len);

/*
 * The values a previous file's text (len bytes, any bytes) gives for the
 * samples with exactly this label set (metrics_labelset's), into prev;
 * a value that is missing, cut short or not a time is 0.
 */
void	 metrics_parse(const char *text, size_t len, const char *labelset,
	    struct metrics_prev *prev);

#endif /* GETAWSLOG_METRICS_H */
