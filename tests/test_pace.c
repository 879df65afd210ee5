/* SPDX-License-Identifier: ISC */
/*
 * test_pace.c - pace.c's window of downloads in flight, against model
 * stores: one whose answers wait on latency (the window grows to -J),
 * one that answers one request after another (it stops where more in
 * flight stopped paying), a run busier with its objects than waiting
 * (it never grows), and what a round ignores.
 */
#include <stdio.h>

#include "pace.h"
#include "unit.h"

/*
 * One round as the queue sees it: each download of the round started
 * with in_flight in flight, used for use_us, answered after wait_us. The
 * last decision.
 */
static enum pace_decision
round_of(struct pace *p, long long wait_us, long long use_us, int full)
{
	enum pace_decision	 how = PACE_SAME;
	unsigned		 r = p->round;
	int			 i, n = p->window;

	for (i = 0; i < n && how == PACE_SAME; i++) {
		pace_started(p, full ? p->window : p->window - 1);
		pace_used(p, use_us);
		how = pace_waited(p, r, wait_us);
	}
	return how;
}

/* The same, the i-th download's wait (i + 1) * step_us: a queue. */
static enum pace_decision
round_queue(struct pace *p, long long step_us, long long use_us)
{
	enum pace_decision	 how = PACE_SAME;
	unsigned		 r = p->round;
	int			 i, n = p->window;

	for (i = 0; i < n && how == PACE_SAME; i++) {
		pace_started(p, p->window);
		pace_used(p, use_us);
		how = pace_waited(p, r, (i + 1) * step_us);
	}
	return how;
}

static void
test_init(void)
{
	struct pace	p;

	pace_init(&p, 64);
	CHECK(p.window == PACE_FIRST && !p.settled, "-J 64 starts at %d",
	    p.window);
	pace_init(&p, 3);
	CHECK(p.window == 3 && p.settled, "-J 3: 3 at once, as asked");
	pace_init(&p, 1);
	CHECK(p.window == 1 && p.settled, "-J 1");
	pace_init(&p, 0);
	CHECK(p.window == 1 && p.max == 1, "below 1: 1");
	pace_init(&p, 1000);
	CHECK(p.max == PACE_MAX, "above PACE_MAX: PACE_MAX");
	pace_init(&p, PACE_FIRST);
	CHECK(p.window == PACE_FIRST && p.settled, "-J %d", PACE_FIRST);
}

/* 50 ms a request, 0.2 ms to use an object: straight to -J. */
static void
test_latency(void)
{
	struct pace	p;

	pace_init(&p, 64);
	CHECK(round_of(&p, 50000, 200, 1) == PACE_GREW, "the first round");
	CHECK(p.window == 64 && p.settled, "to -J at once: %d", p.window);
	CHECK(p.prev_window == PACE_FIRST && p.med == 50000 && p.use == 200,
	    "why, for -dd");
	CHECK(round_of(&p, 50000, 200, 1) == PACE_SAME && p.window == 64,
	    "then it stays");

	/* -J 128: eight times at most a round, then twice. */
	pace_init(&p, 128);
	CHECK(round_of(&p, 50000, 200, 1) == PACE_GREW && p.window == 64,
	    "8 to 64: %d", p.window);
	CHECK(round_of(&p, 50000, 200, 1) == PACE_GREW && p.window == 128 &&
	    p.settled, "64 to 128: %d", p.window);

	/* 5 ms: twice (26 is not four times 8), until the window hides it. */
	pace_init(&p, 64);
	CHECK(round_of(&p, 5000, 200, 1) == PACE_SAME && p.window == 8,
	    "the first round wants 8 times its window's use");
	CHECK(round_of(&p, 5000, 200, 1) == PACE_GREW && p.window == 16,
	    "then twice: %d", p.window);
	CHECK(round_of(&p, 5000, 200, 1) == PACE_GREW && p.window == 32,
	    "and again: %d", p.window);
	CHECK(round_of(&p, 5000, 200, 1) == PACE_SAME && p.window == 32 &&
	    !p.settled, "32 hide 5 ms of 0.2 ms objects: %d", p.window);
}

/*
 * A store that answers one request after another, 0.2 ms each, to a run
 * that uses an object in 0.1 ms: the wait is the window's answers.
 */
static void
test_throughput(void)
{
	struct pace	p;

	pace_init(&p, 64);
	CHECK(round_of(&p, 8 * 200, 100, 1) == PACE_SAME && p.window == 8,
	    "the first round: no");
	CHECK(round_of(&p, 8 * 200, 100, 1) == PACE_GREW && p.window == 16,
	    "then twice: %d", p.window);
	CHECK(round_of(&p, 16 * 200, 100, 1) == PACE_SETTLED &&
	    p.window == 16 && p.settled, "twice the window, twice the "
	    "wait: it stays at %d", p.window);
	CHECK(p.med == 3200 && p.prev == 1600 && p.prev_window == 8,
	    "why, for -dd");
	CHECK(round_of(&p, 100, 100, 1) == PACE_SAME && p.window == 16,
	    "settled for the run");

	/* Half of it latency: growing paid once, not twice. */
	pace_init(&p, 64);
	(void)round_of(&p, 2000, 100, 1);
	CHECK(round_of(&p, 2000 + 8 * 100, 100, 1) == PACE_GREW &&
	    p.window == 16, "8 to 16: %d", p.window);
	CHECK(round_of(&p, 2000 + 16 * 100, 100, 1) == PACE_GREW &&
	    p.window == 32, "16 to 32: 1.56 times the downloads a second");
	CHECK(round_of(&p, 2000 + 32 * 100, 100, 1) == PACE_SETTLED &&
	    p.window == 32, "32 to 64 would give 1.38 times: no");

	/*
	 * Answered one after another, 5 ms each, to a run that uses an
	 * object in 0.1 ms: the wait over the use says 226, but waits from
	 * 5 to 40 ms are a queue's: only twice.
	 */
	pace_init(&p, 64);
	CHECK(round_queue(&p, 5000, 100) == PACE_GREW && p.window == 16,
	    "a queue: twice, %d", p.window);
	CHECK(round_queue(&p, 5000, 100) == PACE_SETTLED && p.window == 16,
	    "twice the window, twice the wait: %d", p.window);
	/* The same waits, alike: the wait over the use, eight times at most. */
	pace_init(&p, 64);
	CHECK(round_of(&p, 22500, 100, 1) == PACE_GREW && p.window == 64,
	    "alike: %d", p.window);
}

static void
test_not_worth_it(void)
{
	struct pace	p;
	int		i;

	/* Objects take longer to use than to come: never more. */
	pace_init(&p, 64);
	for (i = 0; i < 20; i++)
		CHECK(round_of(&p, 5000, 1000, 1) == PACE_SAME &&
		    p.window == 8 && !p.settled, "busy round %d", i);
	/* Nothing more to start (the listing is behind): nothing learnt. */
	pace_init(&p, 64);
	for (i = 0; i < 5; i++)
		CHECK(round_of(&p, 50000, 200, 0) == PACE_SAME &&
		    p.window == 8, "window not full, round %d", i);
	/* And when there is, it grows. */
	CHECK(round_of(&p, 50000, 200, 1) == PACE_GREW && p.window == 64,
	    "full at last");
}

static void
test_ignored(void)
{
	struct pace	p;
	unsigned	r;
	int		i;

	pace_init(&p, 64);
	r = p.round;
	(void)round_of(&p, 5000, 200, 1);
	(void)round_of(&p, 5000, 200, 1);
	CHECK(p.round == r + 2 && p.window == 16, "grew: %d", p.window);
	/* A download of an earlier round, or of unknown wait: not counted. */
	for (i = 0; i < 100; i++) {
		pace_started(&p, p.window);
		pace_used(&p, 10);
		CHECK(pace_waited(&p, r, 900000) == PACE_SAME,
		    "round %u's", r);
		CHECK(pace_waited(&p, p.round, -1) == PACE_SAME, "unknown");
	}
	CHECK(p.n == 0 && p.window == 16, "none taken: %d", p.n);
	/* A use that cannot be measured: not counted either. */
	pace_used(&p, -5);
	CHECK(p.nbusy == 100 && p.busy_us == 1000, "%d objects, %lld us",
	    p.nbusy, p.busy_us);
	/* A round whose objects were never used: wants the most. */
	pace_init(&p, 64);
	(void)round_of(&p, 100, 200, 1);
	r = p.round;
	for (i = 0; i < p.window - 1; i++) {
		pace_started(&p, p.window);
		(void)pace_waited(&p, r, 300);
	}
	pace_started(&p, p.window);
	CHECK(pace_waited(&p, r, 300) == PACE_GREW && p.window == 64,
	    "no use measured: %d", p.window);
}

int
main(void)
{
	test_init();
	test_latency();
	test_throughput();
	test_not_worth_it();
	test_ignored();
	UNIT_DONE();
}
