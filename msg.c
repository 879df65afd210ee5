/* SPDX-License-Identifier: ISC */
/*
 * msg.c - messages on stderr, with the program's name in front and the
 * control bytes of whatever they quote escaped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

static void	(*before)(void);

void
msg_set_before(void (*fn)(void))
{
	before = fn;
}

/* Append s to out[*o..), escaping control bytes (keep_nl: not '\n'). */
static void
escape_into(const char *s, char *out, size_t *o, size_t len, int keep_nl)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;

	for (; *s != '\0' && *o + 5 < len; s++) {
		c = (unsigned char)*s;
		if ((c < 0x20 && !(keep_nl && c == '\n')) || c == 0x7f) {
			out[(*o)++] = '\\';
			out[(*o)++] = 'x';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		} else
			out[(*o)++] = (char)c;
	}
	out[*o] = '\0';
}

const char *
msg_escape(const char *s, char *buf, size_t len)
{
	size_t	o = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	escape_into(s, buf, &o, len, 0);
	return buf;
}

/*
 * One write, so that lines from two sources never interleave mid-line;
 * tail (may be NULL) keeps its line breaks.
 */
static void
emit(const char *text, const char *tail)
{
	static const char	 name[] = "getawslog: ";
	char			 out[4 * MSG_MAX + sizeof(name) + 2];
	size_t			 o = sizeof(name) - 1;

	if (before != NULL)
		before();
	memcpy(out, name, o);
	escape_into(text, out, &o, sizeof(out) - 2, 0);
	if (tail != NULL)
		escape_into(tail, out, &o, sizeof(out) - 2, 1);
	out[o++] = '\n';
	fwrite(out, 1, o, stderr);
	fflush(stderr);
}

void
msg_warn(const char *fmt, ...)
{
	char	text[MSG_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* A message cut to fit says so. */
	if ((size_t)n >= sizeof(text))
		memcpy(text + sizeof(text) - 4, "...", 4);
	emit(text, NULL);
}

void
msg_oom(void)
{
	emit("out of memory", NULL);
}

void
msg_block(const char *title, const char *text)
{
	char	head[MSG_MAX], body[MSG_MAX];
	int	n;

	n = snprintf(head, sizeof(head), "%s:", title);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	n = snprintf(body, sizeof(body), "\n%s", text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(body))
		memcpy(body + sizeof(body) - 4, "...", 4);
	emit(head, body);
}
