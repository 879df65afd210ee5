/* SPDX-License-Identifier: ISC */
/*
 * takeover.h - switching to getawslog from Wazuh's aws-s3 module without
 * a gap or a duplicate: --import-wazuh-state reads the module's SQLite
 * state and writes into the -s state where each region folder of the
 * bucket starts.
 */
#ifndef GETAWSLOG_TAKEOVER_H
#define GETAWSLOG_TAKEOVER_H

#define TAKEOVER_ROWS_MAX	1000000	/* rows read from the module's file */

struct options;

/*
 * Import o->wazuh_state into o->state for o->bucket, under the state's
 * lock; a line per region folder on stdout. An exit status (run.h).
 */
int	 takeover_wazuh(const struct options *o);

#endif /* GETAWSLOG_TAKEOVER_H */
