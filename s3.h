/* SPDX-License-Identifier: ISC */
/*
 * s3.h - the few S3 requests getawslog makes, over libcurl, signed with
 * SigV4: list a bucket, get an object, delete an object.
 */
#ifndef S3_H
#define S3_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

struct s3;

/*
 * Temporary credentials come with an expiry; before signing a request
 * within S3_REFRESH_MARGIN seconds of it, s3 asks refresh for new ones: it
 * stores malloc'd strings (s3 takes and finally wipes them) and the new
 * expiry (0: never), and returns 0; or -1 after printing why, and the old
 * keys are used until they fail (asking again at most every
 * S3_REFRESH_RETRY seconds).
 */
#define S3_REFRESH_MARGIN	300
#define S3_REFRESH_RETRY	30
typedef int	(*s3_refresh_fn)(void *arg, char **access_key,
		    char **secret_key, char **session_token, time_t *expires);

struct s3_config {
	const char	*endpoint;	/* "http(s)://host[:port]"; NULL: AWS */
	const char	*region;	/* NULL: discover the bucket's region */
	int		 path_style;	/* 1 path, 0 virtual host, -1 automatic */
	const char	*ca_bundle;	/* NULL: the system's CA store */
	const char	*access_key;
	const char	*secret_key;
	const char	*session_token;	/* NULL when none */
	time_t		 expires;	/* of the keys above; 0: never */
	s3_refresh_fn	 refresh;	/* NULL: the keys never change */
	void		*refresh_arg;
	int		 max_attempts;	/* tries per request, >= 1 */
	int		 jobs;		/* connections to the endpoint, >= 1 */
	int		 debug;		/* > 1: print canonical requests */
	volatile sig_atomic_t *interrupted;	/* set by a signal: abort transfers */
};

/* What went wrong with a request. */
enum s3_status {
	S3_OK = 0,
	S3_EHTTP,	/* S3 answered with an error: code and message below */
	S3_ENET,	/* no usable answer (connection, timeout, short body) */
	S3_ELIMIT,	/* a response exceeded a limit */
	S3_EBADRESP,	/* a response that cannot be understood */
	S3_ENOMEM,
	S3_EINTR,	/* interrupted by a signal */
	S3_ELOCAL	/* a local error (temporary file) */
};

struct s3_error {
	enum s3_status	 status;
	long		 http_status;	/* 0 when there was no response */
	int		 transient;	/* retrying later may succeed */
	char		 code[64];	/* S3 error code, e.g. "NoSuchBucket" */
	char		 message[512];	/* S3 message or libcurl's error text */
};

/* "Code: Message" for an error, in buf; returns buf. */
const char	*s3_strerror(const struct s3_error *, char *buf, size_t len);

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

struct s3	*s3_new(const struct s3_config *);
void		 s3_free(struct s3 *);

/* The region requests are signed for (discovered or configured). */
const char	*s3_region(const struct s3 *);

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

/* An object's body: in memory, or in an unnamed temporary file. */
struct s3_body {
	char		*data;		/* NULL when in fd */
	size_t		 len;
	int		 fd;		/* -1 when in data */
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
int		 s3_get_finish(struct s3_get *, struct s3_body *out,
		    struct s3_error *err);
void		 s3_get_cancel(struct s3_get *);

int	 s3_delete(struct s3 *, const char *bucket, const char *key,
	    struct s3_error *err);

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
