/* SPDX-License-Identifier: ISC */
/*
 * msg.h - what getawslog says on stderr. One place puts "getawslog: " in
 * front and escapes control bytes, so that no key, path or answer from S3
 * can forge a line in cron's mail or repaint a terminal.
 */
#ifndef GETAWSLOG_MSG_H
#define GETAWSLOG_MSG_H

#include <stddef.h>

#define MSG_MAX		4096	/* a message's text before escaping */
#define MSG_ESCAPED_MAX	(4 * 1024 + 1)	/* a key (<= 1024 bytes), escaped */

/* "getawslog: TEXT\n" on stderr, control bytes in TEXT as \xHH. */
void	 msg_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* "getawslog: out of memory". */
void	 msg_oom(void);

/*
 * "getawslog: TITLE:\n" then text over several lines (debug output: the
 * canonical request); control bytes other than '\n' escaped.
 */
void	 msg_block(const char *title, const char *text);

/*
 * s with control bytes (and DEL) as \xHH, into buf (cut to fit); returns
 * buf. For names printed on stdout, which msg_warn does not handle.
 */
const char	*msg_escape(const char *s, char *buf, size_t len);

/*
 * Called before each message: the progress line (progress.c) takes itself
 * off the screen. NULL: nothing.
 */
void	 msg_set_before(void (*fn)(void));

#endif /* GETAWSLOG_MSG_H */
