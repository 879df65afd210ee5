/* SPDX-License-Identifier: ISC */
/*
 * s3.h - the few S3 requests getawslog makes, through the engine (one curl
 * multi handle, retries), signed with SigV4 for each bucket's region:
 * list a bucket, get an object, delete an object.
 */
#ifndef S3_H
#define S3_H

#include <stddef.h>

#include "engine.h"

struct s3;

struct s3_config {
	const char	*endpoint;	/* "http(s)://host[:port]"; NULL: AWS */
	const char	*region;	/* NULL: us-east-1 until S3 says */
	int		 path_style;	/* 1 path, 0 virtual host, -1 automatic */
	unsigned	 endpoint_flags; /* ENDPOINT_FIPS, _DUALSTACK (AWS's
					   hosts only) */
	int		 debug;		/* > 1: say region switches */
};

struct s3_object {
	char		*key;		/* URL-decoded key */
	long long	 size;
};

struct s3_list_page {
	struct s3_object *objects;
	size_t		  nobjects;
	char		**prefixes;	/* CommonPrefixes, URL-decoded */
	size_t		  nprefixes;
	int		  truncated;
	char		 *next_token;	/* NextContinuationToken, or NULL */
};

struct s3_list_params {
	const char	*prefix;	/* NULL: none */
	const char	*delimiter;	/* NULL: none */
	const char	*start_after;	/* NULL: none */
	int		 max_keys;	/* 0: S3's default (1000) */
};

/* Requests made through eng, which must outlive it. NULL (printed). */
struct s3	*s3_new(struct engine *eng, const struct s3_config *);
void		 s3_free(struct s3 *);

/*
 * Where a bucket is, as a queue message said: requests for it are signed
 * for that region until S3 names another. A bucket whose region is known
 * already keeps it. Each bucket's region is kept (S3_REGIONS_KEPT at most,
 * the oldest forgotten first); one never named is the configured region's.
 */
#define S3_REGIONS_KEPT	64
void		 s3_region_hint(struct s3 *, const char *bucket,
		    const char *region);

/*
 * Check that the bucket can be listed, discovering its region when none was
 * configured. 0 on success, -1 with err filled.
 */
int	 s3_check_bucket(struct s3 *, const char *bucket, struct s3_error *err);

/* One ListObjectsV2 page after token (NULL for the first). 0 or -1. */
int	 s3_list_page(struct s3 *, const char *bucket,
	    const struct s3_list_params *, const char *token,
	    struct s3_list_page *out, struct s3_error *err);
void	 s3_list_page_free(struct s3_list_page *);

/*
 * The user metadata CloudTrail puts on a digest (x-amz-meta-signature,
 * -signature-algorithm, -backfill-generation-timestamp); "" when absent.
 */
#define S3_META_SIG_MAX	4100	/* hex of a 16384-bit signature */
struct s3_meta {
	char		 signature[S3_META_SIG_MAX];
	char		 algorithm[32];
	char		 backfill[64];
};

/*
 * The same page, concurrently (as s3_get_start): start runs while the
 * caller starts others or waits for another request; finish collects it
 * (waiting if need be), as s3_list_page, and frees the handle; cancel
 * drops it. start: NULL only when out of memory.
 */
struct s3_list;
struct s3_list	*s3_list_start(struct s3 *, const char *bucket,
		    const struct s3_list_params *, const char *token);
int		 s3_list_ready(const struct s3_list *);
int		 s3_list_finish(struct s3_list *, struct s3_list_page *out,
		    struct s3_error *err);
void		 s3_list_cancel(struct s3_list *);

/* An object's body: in memory, or in an unnamed temporary file. */
struct s3_body {
	char		*data;		/* NULL when in fd */
	size_t		 len;
	int		 fd;		/* -1 when in data */
	struct s3_meta	 meta;		/* a digest's metadata */
	long long	 wait_us;	/* S3's time to answer, microseconds;
					   -1 unknown (engine_resp's) */
};
void	 s3_body_free(struct s3_body *);

/*
 * GET an object, concurrently: start runs while the caller starts others
 * or waits for another request; finish collects it (waiting if need be)
 * and frees the handle; cancel drops it. A body longer than max bytes is
 * an S3_ELIMIT error; expect_size >= 0 is the listed size, and a body of
 * another length is an error. With spool, the body goes to a temporary
 * file instead of memory. finish: 0 or -1 with err filled.
 */
struct s3_get;
struct s3_get	*s3_get_start(struct s3 *, const char *bucket, const char *key,
		    long long expect_size, size_t max, int spool);
/* Is it done? (finish would not wait.) */
int		 s3_get_ready(const struct s3_get *);
int		 s3_get_finish(struct s3_get *, struct s3_body *out,
		    struct s3_error *err);
void		 s3_get_cancel(struct s3_get *);

int	 s3_delete(struct s3 *, const char *bucket, const char *key,
	    struct s3_error *err);

/* The region a bucket's requests are signed for now. */
const char	*s3_bucket_region(struct s3 *, const char *bucket);

/* The Date of the last answer S3 gave (seconds since the epoch); 0: none. */
long long	 s3_date(const struct s3 *);

/*
 * The bucket's versioning (GetBucketVersioning): "Enabled", "Suspended",
 * or "" when it was never enabled, into status. 0, or -1 with err filled.
 */
int	 s3_versioning(struct s3 *, const char *bucket, char *status,
	    size_t len, struct s3_error *err);

/*
 * Parsers of S3's XML responses, pure for tests and fuzzing.
 * s3_parse_list: 0, or -1 with a reason in errbuf.
 * s3_parse_error: fills code, message, and region (may be NULL) from an
 * <Error> body; 0 if it was one, -1 if not.
 */
int	 s3_parse_list(const char *xml, size_t len, struct s3_list_page *out,
	    char *errbuf, size_t errlen);
int	 s3_parse_error(const char *xml, size_t len, struct s3_error *err,
	    char *region, size_t regionlen);

/* Percent-decode (encoding-type=url); NULL on a bad escape, %00 or no memory. */
char	*s3_url_decode(const char *s, size_t len);

#endif /* S3_H */
