/* SPDX-License-Identifier: ISC */
/*
 * walk.h - listing the bucket: everything (no state, or --full-scan), or
 * CloudTrail's layout folder by folder, each region folder from its newest
 * recorded day less --lookback (-s) or from --after's day, many folders
 * at once.
 */
#ifndef GETAWSLOG_WALK_H
#define GETAWSLOG_WALK_H

#include "run.h"

/*
 * List the bucket and finish every object it names, in key order.
 * Listing errors end the listing (counted; r->stop); what was queued is
 * still finished. r->fatal on a local error.
 */
void	 walk_run(struct run *);

/*
 * Listings in flight at most: LISTS_PER_JOB (4) per -J, at most
 * WALK_LISTS_MAX; main gives the engine as many connections more.
 */
#define WALK_LISTS_MAX	32
int	 walk_lists(const struct options *);

#endif /* GETAWSLOG_WALK_H */
