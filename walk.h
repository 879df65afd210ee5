/* SPDX-License-Identifier: ISC */
/*
 * walk.h - listing the bucket: everything (no state, or --full-scan), or
 * CloudTrail's layout folder by folder, each region folder from its newest
 * recorded day less --lookback (-s) or from --after's day.
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

#endif /* GETAWSLOG_WALK_H */
