/* SPDX-License-Identifier: ISC */
/*
 * flatten.h - turn a decompressed CloudTrail document into log lines,
 * while it is still arriving.
 *
 * One line per element of the document's top-level "Records" array, in one
 * of the formats below. A line is always exactly one record: no format lets
 * a value produce a line break.
 *
 * The converter takes the document in pieces of any size (as zlib hands
 * them over): flatten_new(), flatten_feed() for each piece, flatten_end(),
 * flatten_free(). It keeps one record at a time (pyjson.h: at most
 * PJ_RECORD_MAX bytes and PJ_RECORD_VALUES keys and values, nesting at
 * most PJ_MAX_DEPTH), so its memory does not grow with the document.
 * Lines go to the writer before the end of the document is seen: the
 * writer must hold them back until flatten_end() says the document is good
 * (spool.h does; a bad document must write nothing to the log), and
 * forget them when told to rewind (a repeated top-level "Records": the
 * last one wins, as in Python's json).
 */
#ifndef FLATTEN_H
#define FLATTEN_H

#include <stddef.h>

enum flatten_format {
	FLATTEN_FLAT,	/* -j: "AmazonAWS":"k":"v",... as getawslog.py wrote it */
	FLATTEN_JSON,	/* --format=json: the script's last {"aws": ...} lines */
	FLATTEN_WAZUH	/* --format=wazuh: Wazuh aws-s3 module's JSON events */
};

struct discard;

/*
 * Where a document came from (the json and wazuh formats name it), and
 * which records not to write.
 */
struct flatten_meta {
	const char	*bucket;
	const char	*key;		/* full object key */
	const char	*basename;	/* text after the key's last '/' */
	/* The wazuh format's log_info.aws_account_alias; NULL for "". */
	const char	*account_alias;
	/*
	 * --discard's rules (discard.h), or NULL; *discarded (when not
	 * NULL) counts the records of the document they kept out.
	 */
	const struct discard *discard;
	size_t		*discarded;
	/*
	 * Called before each record is looked at (NULL: nothing), so that
	 * the caller's loop turns between records as well as between
	 * pieces: one piece may hold many slow ones.
	 */
	void		(*each)(void *);
	void		*each_arg;
	/*
	 * --max-line-bytes (linefit.h), 0: none. *shortened counts the
	 * lines shortened, *overlong those still longer (either NULL).
	 */
	size_t		 max_line;
	size_t		*shortened, *overlong;
};

/*
 * Receives output bytes (a piece may end mid-line); returns 0, or -1 to
 * stop the conversion (the writer has reported its own error).
 */
typedef int (*flatten_write_fn)(void *arg, const char *buf, size_t len);

/* Forget every byte written so far; 0, or -1 as above. */
typedef int (*flatten_rewind_fn)(void *arg);

/* Return codes. */
#define FLATTEN_OK	 0
#define FLATTEN_EBADDOC	-1	/* the document is bad; err says why */
#define FLATTEN_EWRITE	-2	/* the writer returned -1 */
#define FLATTEN_ENOMEM	-3	/* out of memory */

struct flatten;

/*
 * A converter for one document. meta's strings must outlive it. NULL when
 * out of memory.
 */
struct flatten	*flatten_new(enum flatten_format fmt,
		    const struct flatten_meta *meta, flatten_write_fn write,
		    flatten_rewind_fn rewind, void *arg);
void		 flatten_free(struct flatten *);

/*
 * A writer that can lend memory (spool.h's spool_lend and spool_commit):
 * lend(arg, len) returns room for len bytes, or NULL (nothing changed: a
 * loan not yet committed stands); a second lend before a commit must
 * return room that starts with what the first held. commit(arg, len)
 * takes the loan's first len bytes as write(arg, loan, len) would, and
 * ends the loan; its return as write's.
 */
typedef char *(*flatten_lend_fn)(void *arg, size_t len);
typedef int (*flatten_commit_fn)(void *arg, size_t len);

/*
 * Optional, before the first flatten_feed: build the lines in the
 * writer's memory, not copied into it. The writer is given the same
 * pieces at the same points as without (commit stands for write), so
 * its limits stop a document at the same byte. Once lend returns NULL
 * the rest of the document goes to write as usual; a rewind ends any
 * loan uncommitted.
 */
void		 flatten_lender(struct flatten *, flatten_lend_fn lend,
		    flatten_commit_fn commit);

/*
 * The next piece of the document. FLATTEN_OK, or the failure (then stop
 * feeding; flatten_end() returns it again, with the reason).
 */
int		 flatten_feed(struct flatten *, const char *buf, size_t len);

/*
 * The document ends here. FLATTEN_OK when it was good: every line has been
 * written, and *nrecords (when not NULL) is their number. On
 * FLATTEN_EBADDOC, err holds a one-line reason such as "invalid JSON at
 * byte 1234", "Records is not an array" or "record at byte 12 is larger
 * than 16777216 bytes" (no object name: the caller adds it). A document
 * without "Records", or with an empty one, writes nothing.
 */
int		 flatten_end(struct flatten *, size_t *nrecords, char *err,
		    size_t errlen);

/*
 * A whole document in memory, doc[0..len) (need not be NUL-terminated):
 * converted, then, when it proved good, its lines handed to write in
 * pieces; a bad document writes nothing. Return codes as flatten_end;
 * *nrecords, when not NULL, gets the number of lines the writer took.
 */
int		 flatten_document(enum flatten_format fmt, const char *doc,
		    size_t len, const struct flatten_meta *meta,
		    flatten_write_fn write, void *arg, size_t *nrecords,
		    char *err, size_t errlen);

/* Parse a --format name ("flat", "json", "wazuh"); -1 if unknown. */
int		 flatten_format_parse(const char *name);

#endif /* FLATTEN_H */
