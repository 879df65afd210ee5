/* SPDX-License-Identifier: ISC */
/*
 * proof.h - --validate-digests: CloudTrail's digest files checked while
 * the log files are ingested. Each object's SHA-256 is taken in the pass
 * that inflates it and kept in the state; each digest is checked (its
 * place, its signature with CloudTrail's public key, its chain to the
 * trail's digest before it) and the log files it names are settled at the
 * end of the run: proved, altered, missing, or left pending while still in
 * the bucket. Every finding is named on stderr, counted, and written to
 * the log as a line the SIEM reads.
 */
#ifndef GETAWSLOG_PROOF_H
#define GETAWSLOG_PROOF_H

#include <stddef.h>

#include "object.h"
#include "run.h"

struct s3_body;

/*
 * With --validate-digests: the run's proof (keys asked for in CloudTrail
 * at endpoint, NULL: AWS's in each digest's region, its host as
 * endpoint_host makes it with flags). NULL (printed).
 */
struct proof	*proof_new(struct run *, const char *endpoint, unsigned flags);
void		 proof_free(struct proof *);

/* An object's bytes as inflated: start, then each piece (NULL: none). */
void	 proof_start(struct proof *);
void	 proof_feed(struct proof *, const char *p, size_t len);

/*
 * The object fed was written: its hash into the state, inside the
 * object's transaction. 0, or -1 (printed).
 */
int	 proof_record(struct proof *, const char *bucket, const char *key);

/* A digest file downloaded: checked, its files noted, recorded. */
enum object_result	 proof_digest(struct run *, const char *bucket,
			    const char *key, const char *base,
			    const struct s3_body *body);

/*
 * How many times digests held were recorded as seen (in log_progress):
 * until it changes, a digest not seen when listed is still not seen.
 */
unsigned long	 proof_records(const struct proof *);
/*
 * The end of a run: the files digests named settled, injected files
 * found, settled digests deleted with -D, the newest hour proved into
 * the counts. 0, or -1 on a local error (printed).
 */
int	 proof_finish(struct run *);

/*
 * --check: CloudTrail's ListPublicKeys in region (the keys of the last
 * day) with the run's engine, as validation asks it; *nkeys found. 0, or
 * -1 (err).
 */
struct s3_error;
int	 proof_keys_check(struct run *, const char *endpoint, unsigned flags,
	    const char *region, size_t *nkeys, struct s3_error *err);

/* Any integrity finding this run (exit status 7)? */
int	 proof_failed(const struct run *);

#endif /* GETAWSLOG_PROOF_H */
