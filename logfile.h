/* SPDX-License-Identifier: ISC */
/*
 * logfile.h - the log getawslog appends to. Each object is one piece:
 * begun (the file held open O_APPEND while its path names it, opened
 * again when logrotate has moved it between objects; a dangling last line
 * ended), written through a buffer, then
 * ended (made durable when a record or a delete follows) or taken back
 * out. The script's "ERROR: Cannot open/write FILE (why)" lines are
 * printed here and nowhere else.
 */
#ifndef GETAWSLOG_LOGFILE_H
#define GETAWSLOG_LOGFILE_H

struct logfile;

/*
 * The log at path. sync_each: each object's lines reach the disk before
 * logfile_end returns (-s or -D: a record or a delete follows); else one
 * sync at logfile_finish. Opens the file (and holds it), to fail before
 * any download. NULL on an error (printed).
 */
struct logfile	*logfile_open(const char *path, int sync_each);

/* Start an object: 0, or -1 (printed; the run should stop). */
int		 logfile_begin(struct logfile *);

/*
 * Append to the object begun; a flatten_write_fn / inflate_sink. 0, or -1
 * once a write failed (the error sticks; logfile_end says it).
 */
int		 logfile_write(void *logfile, const char *p, size_t len);

/*
 * End the object: its lines are in the file (on disk with sync_each).
 * 0; or -1 (printed), the object taken back out as far as the disk
 * allows, and the run should stop.
 */
int		 logfile_end(struct logfile *, unsigned long long *bytes);

/* Take the object begun back out of the file (a bad or failed object). */
void		 logfile_abort(struct logfile *);

/*
 * At the end of the run, sync what was written without a sync and let the
 * file go. 0, or -1 (printed) if lines may not be on disk.
 */
int		 logfile_finish(struct logfile *);

void		 logfile_close(struct logfile *);

#endif /* GETAWSLOG_LOGFILE_H */
