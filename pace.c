/* SPDX-License-Identifier: ISC */
/*
 * pace.c - the window of downloads in flight (see pace.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pace.h"

/*
 * A window that gave less than 3/2 the downloads a second of the one
 * before it: no more growing. Growth at most 8 times a round, more than
 * twice only when 4 times is not enough. The first round's waits must
 * be 8 times what its window would hide.
 */
#define GAIN_NUM	3
#define GAIN_DEN	2
#define STEP_MIN	4
#define STEP_MAX	8
#define COLD		8

void
pace_init(struct pace *p, int max)
{
	memset(p, 0, sizeof(*p));
	p->max = max < 1 ? 1 : max > PACE_MAX ? PACE_MAX : max;
	p->window = p->max < PACE_FIRST ? p->max : PACE_FIRST;
	p->settled = p->window == p->max;
	p->med = p->use = p->prev = -1;
}

void
pace_started(struct pace *p, int in_flight)
{
	if (in_flight >= p->window)
		p->full = 1;
}

void
pace_used(struct pace *p, long long us)
{
	if (us >= 0) {
		p->busy_us += us;
		p->nbusy++;
	}
}

static int
cmp_ll(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The next round, at the same window or another. */
static void
next_round(struct pace *p)
{
	p->round++;
	p->n = 0;
	p->full = 0;
	p->busy_us = 0;
	p->nbusy = 0;
}

/*
 * The window that would keep the queue busy (Little's law: the wait over
 * an object's use) when that is STEP_MIN times this one or more, at most
 * STEP_MAX times, and the waits were alike (the tenth shortest at least
 * half the median: latency); else twice this one. Waits spread out are
 * what a store answering one request after another gives, whose waits
 * grow with the window: more than twice would be a guess.
 */
static int
next_window(const struct pace *p, long long med, long long low,
    long long use)
{
	long long	want = use > 0 ? med / use + 1 : (long long)p->max;
	long long	w = (long long)p->window * 2;

	if (want >= (long long)p->window * STEP_MIN && low * 2 >= med)
		w = want < (long long)p->window * STEP_MAX ? want :
		    (long long)p->window * STEP_MAX;
	return w > p->max ? p->max : (int)w;
}

enum pace_decision
pace_waited(struct pace *p, unsigned round, long long wait_us)
{
	long long	med, use;

	if (p->settled || round != p->round || wait_us < 0)
		return PACE_SAME;
	p->waits[p->n++] = wait_us;
	if (p->n < p->window)
		return PACE_SAME;
	qsort(p->waits, (size_t)p->n, sizeof(p->waits[0]), cmp_ll);
	med = p->waits[p->n / 2];
	use = p->nbusy > 0 ? p->busy_us / p->nbusy : 0;
	if (!p->full || med <= use * p->window * (p->round == 0 ? COLD : 1)) {
		/*
		 * More in flight could not have helped (the first round's
		 * answers come on new connections, from a store answering its
		 * first requests: slower than they will be): nothing learnt.
		 */
		next_round(p);
		return PACE_SAME;
	}
	/* Downloads a second went from prev_window / prev to window / med. */
	if (p->prev >= 0 && (long long)p->window * p->prev * GAIN_DEN <
	    (long long)p->prev_window * med * GAIN_NUM) {
		p->med = med;
		p->use = use;
		p->settled = 1;
		return PACE_SETTLED;
	}
	p->prev = p->med = med;
	p->use = use;
	p->prev_window = p->window;
	p->window = next_window(p, med, p->waits[p->n / 10], use);
	p->settled = p->window == p->max;
	next_round(p);
	return PACE_GREW;
}
