/* SPDX-License-Identifier: ISC */
/*
 * progress.c - one progress line, redrawn in place with \r and erased
 * with ESC [ K before anything else is printed.
 */
#include <stdio.h>

#include "msg.h"
#include "progress.h"
#include "util.h"

static int		 enabled;	/* draw the line */
static int		 drawn;		/* it is on the screen */
static long long	 start_ms, drawn_ms;

void
progress_start(int on)
{
	enabled = on;
	drawn = 0;
	start_ms = util_mono_ms();
	msg_set_before(on ? progress_clear : NULL);
}

double
progress_seconds(void)
{
	return (double)(util_mono_ms() - start_ms) / 1000.0;
}

void
progress_draw(const struct counts *n, int force)
{
	long long	 now;
	double		 secs, mb;
	char		 line[160];
	int		 len;

	if (!enabled)
		return;
	now = util_mono_ms();
	if (!force && drawn && now - drawn_ms < PROGRESS_MS)
		return;
	secs = (double)(now - start_ms) / 1000.0;
	mb = (double)n->bytes_in / (1024.0 * 1024.0);
	len = snprintf(line, sizeof(line), "\rgetawslog: %lu/%lu objects, %lu "
	    "records, %.1f MB, %.1f MB/s\033[K", n->objects, n->listed,
	    n->records, mb, secs > 0.05 ? mb / secs : 0.0);
	if (len < 0 || (size_t)len >= sizeof(line))
		return;
	fputs(line, stderr);
	fflush(stderr);
	drawn = 1;
	drawn_ms = now;
}

void
progress_clear(void)
{
	if (enabled && drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		drawn = 0;
	}
}
