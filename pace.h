/* SPDX-License-Identifier: ISC */
/*
 * pace.h - how many downloads to keep in flight, up to -J: few while the
 * store answers faster than the run uses its answers, more (doubling, as
 * TCP's slow start does) while the run would wait on the store's latency.
 * Pure: the queue (fetch.c) tells it what it saw.
 *
 * Each connection and transfer in flight costs CPU (libcurl walks them
 * all at each wakeup; connections are made and torn down): 64 of them on
 * a store that answers in a millisecond cost a tenth of a run's CPU for
 * nothing, while 64 are what hides 50 ms of latency.
 *
 * A round is the window's size in downloads started at that window. At
 * its end the round says whether more in flight would help:
 * - the window was full (there was work for more);
 * - the median wait (request to its answer's first byte) is longer than
 *   the window's objects take to be used (their effects: inflate,
 *   convert, write): a download asked for now would still be on its way
 *   when the queue needs it;
 * - the last growth paid: by Little's law the downloads a second are
 *   the window over the wait, and a window that gave less than 1.5
 *   times those of the one before it says the store's throughput, not
 *   its latency, is the limit: the window stays where it is for the run.
 * All three: the window grows: to what would keep the queue busy (the
 * wait over an object's use) where that is four to eight times itself
 * (eight at most) and the waits were alike (latency: a store answering
 * one request after another spreads them out), else to twice itself. Not the first two: another round at the same window. The
 * run's first round grows only on a wait eight times what its window
 * hides: its answers come on new connections, from a store answering
 * its first requests, slower than they will be.
 */
#ifndef GETAWSLOG_PACE_H
#define GETAWSLOG_PACE_H

#define PACE_FIRST	8	/* the window a run starts with */
#define PACE_MAX	128	/* the largest window (-J's limit) */

struct pace {
	int		 window;	/* downloads in flight at most, now */
	int		 max;		/* -J */
	unsigned	 round;		/* the window's round */
	int		 settled;	/* grows no more */
	int		 full;		/* this round: the window was full */
	long long	 busy_us;	/* this round: time on objects' effects */
	int		 nbusy;		/* ... over so many objects */
	int		 n;		/* waits taken this round */
	long long	 waits[PACE_MAX];
	/* The last round decided (for -dd), microseconds; -1 none. */
	long long	 med;		/* its median wait */
	long long	 use;		/* its time to use an object */
	long long	 prev;		/* the median wait at prev_window */
	int		 prev_window;	/* the window before this one */
};

/* A pace for -J max (1 to PACE_MAX). */
void		 pace_init(struct pace *, int max);

/* A download started: in_flight downloads now, this one counted. */
void		 pace_started(struct pace *, int in_flight);

/* An object's effects took us microseconds. */
void		 pace_used(struct pace *, long long us);

enum pace_decision {
	PACE_SAME,	/* no round decided */
	PACE_GREW,	/* the window grew (p->med, p->use at prev_window) */
	PACE_SETTLED	/* it grows no more (p->med at window, p->prev at
			   prev_window) */
};

/*
 * A download of round (p->round when it started) answered after wait_us
 * microseconds (-1: unknown, not counted): what the round decided, if
 * it ended.
 */
enum pace_decision pace_waited(struct pace *, unsigned round,
		    long long wait_us);

#endif /* GETAWSLOG_PACE_H */
