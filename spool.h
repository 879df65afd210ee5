/* SPDX-License-Identifier: ISC */
/*
 * spool.h - hold bytes back until they are known to be good: in memory up
 * to a limit, then in an unnamed temporary file; then hand them on in
 * order, or forget them.
 *
 * With -j a document is converted while it is still being inflated, so
 * its lines exist before the document has proved good; they wait here
 * and reach the log only once flatten_end() has accepted the whole
 * document (a bad document writes nothing to the log).
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/*
 * A spool keeping up to memmax bytes in memory; past that, the rest goes
 * to an unnamed file (O_TMPFILE, 0600) created in dir when first needed
 * (dir NULL, or a dir where no file can be made: $TMPDIR, else /tmp).
 * NULL when out of memory (printed).
 */
struct spool	*spool_new(const char *dir, size_t memmax);
void		 spool_free(struct spool *);

/*
 * Append buf[0..len). Its signature is flatten.h's writer: 0, or -1 with
 * the reason printed (out of memory, the file cannot be made or written);
 * what was held is then incomplete: rewind or free the spool.
 */
int		 spool_write(void *sp, const char *buf, size_t len);

/*
 * Writing in place, without the copy spool_write makes (flatten.h's
 * flatten_lender: -j's lines are built in the spool's memory). A loan of
 * len bytes (len > 0) in memory, right after what is held: the caller
 * writes there, then spool_commit()s how many it wrote. NULL, nothing
 * changed, when memory cannot take len more bytes (past the spool's
 * memory limit, or bytes went to the file already) or when out of memory
 * (not printed): spool_write then. A second loan before the commit starts
 * at the same place with what was written in the first (which is void:
 * the memory may have moved); a failed one leaves the first standing.
 * spool_write, spool_rewind and spool_drain end a loan uncommitted.
 */
char		*spool_lend(void *sp, size_t len);

/*
 * The first len bytes of the loan are held, as if spool_write had been
 * given them (the same limit, the same result), and the loan ends. -1
 * too when len is more than was lent (printed).
 */
int		 spool_commit(void *sp, size_t len);

/*
 * Hold at most max bytes (0: no limit) until the next spool_limit: past
 * it spool_write (or spool_commit) returns -1 without a word and
 * spool_over says so. A
 * small hostile object (159 KiB of gzip) makes a gigabyte of lines; the
 * limit fails it before they fill the disk.
 */
void		 spool_limit(struct spool *, uint64_t max);

/* The limit spool_write went past (the caller says why), or 0. */
uint64_t	 spool_over(const struct spool *);

/* Forget everything held; the memory and the file are kept for reuse. */
int		 spool_rewind(void *sp);

/* Bytes held. */
uint64_t	 spool_size(const struct spool *);

/*
 * Hand everything held to write(arg, ...), in order, in pieces, then
 * forget it. 0; -1 when write returned -1 (it has reported why) or the
 * file could not be read back (printed).
 */
int		 spool_drain(struct spool *,
		    int (*write)(void *, const char *, size_t), void *arg);

/*
 * An unnamed temporary file in dir (NULL: $TMPDIR, else /tmp), opened
 * read-write and close-on-exec: O_TMPFILE, or a file unlinked at once
 * where the filesystem has no O_TMPFILE. -1 with errno set.
 */
int		 spool_tmpfile(const char *dir);

#endif /* SPOOL_H */
