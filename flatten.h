/* SPDX-License-Identifier: ISC */
/*
 * flatten.h - turn one decompressed CloudTrail document into log lines.
 *
 * One line per element of the document's top-level "Records" array, in one
 * of the formats below. A line is always exactly one record: no format lets
 * a value produce a line break.
 */
#ifndef FLATTEN_H
#define FLATTEN_H

#include <stddef.h>

enum flatten_format {
	FLATTEN_FLAT,	/* -j: "AmazonAWS":"k":"v",... as getawslog.py wrote it */
	FLATTEN_JSON,	/* --format=json: the script's last {"aws": ...} lines */
	FLATTEN_WAZUH	/* --format=wazuh: Wazuh aws-s3 module's JSON events */
};

#define FLATTEN_MAX_DEPTH	64	/* JSON nesting accepted in a document */

/* Where a document came from; the json and wazuh formats name it. */
struct flatten_meta {
	const char	*bucket;
	const char	*key;		/* full object key */
	const char	*basename;	/* text after the key's last '/' */
};

/*
 * Receives output bytes; returns 0, or -1 to stop the conversion (the
 * writer has reported its own error).
 */
typedef int (*flatten_write_fn)(void *arg, const char *buf, size_t len);

/* Return codes of flatten_document. */
#define FLATTEN_OK	 0
#define FLATTEN_EBADDOC	-1	/* the document is bad; err says why */
#define FLATTEN_EWRITE	-2	/* the writer returned -1 */
#define FLATTEN_ENOMEM	-3	/* out of memory */

/*
 * Convert the document doc[0..len) (it need not be NUL-terminated) and hand
 * every line, each ending in '\n', to write(arg, ...). The whole document
 * is validated before the first byte is written, so a bad document writes
 * nothing. On FLATTEN_EBADDOC, err holds a one-line reason such as
 * "invalid JSON at byte 1234" or "Records is not an array" (no object name:
 * the caller adds it). A document without "Records", or with an empty one,
 * writes nothing and returns FLATTEN_OK. *nrecords, when not NULL, gets the
 * number of lines written.
 */
int	 flatten_document(enum flatten_format fmt, const char *doc, size_t len,
	    const struct flatten_meta *meta, flatten_write_fn write, void *arg,
	    size_t *nrecords, char *err, size_t errlen);

/* Parse a --format name ("flat", "json", "wazuh"); -1 if unknown. */
int	 flatten_format_parse(const char *name);

#endif /* FLATTEN_H */
