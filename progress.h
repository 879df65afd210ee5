/* SPDX-License-Identifier: ISC */
/*
 * progress.h - the live progress line on stderr (a terminal): objects done
 * of those listed so far, records, megabytes and the rate.
 */
#ifndef GETAWSLOG_PROGRESS_H
#define GETAWSLOG_PROGRESS_H

#include "run.h"

#define PROGRESS_MS	200		/* redraws of the progress line */

/*
 * Start the clock; draw the line from now on when on. Messages (msg.h)
 * take the line off the screen before they print.
 */
void	 progress_start(int on);

/* Redraw, at most every PROGRESS_MS unless force. */
void	 progress_draw(const struct counts *, int force);

/* Take the line off the screen (before a message, at the end). */
void	 progress_clear(void);

/* Seconds since progress_start. */
double	 progress_seconds(void);

#endif /* GETAWSLOG_PROGRESS_H */
