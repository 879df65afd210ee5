/* SPDX-License-Identifier: ISC */
/*
 * engine.h - every AWS request of a run over one curl multi handle: many
 * in flight at once, each attempt signed again with fresh keys, transient
 * failures retried with capped exponential backoff and full jitter.
 *
 * A request is either waited on (engine_wait: S3's LIST, GET, DELETE) or
 * reports through its done callback (nobody waits: SQS's long polls,
 * heartbeats, deletes). Timers run in the same loop, so they fire while
 * any request is waited on. Callbacks and timers only record results and
 * start other requests; anything that blocks is done from the top.
 * s3.c and sqs.c say what their requests are (struct engine_ops).
 */
#ifndef GETAWSLOG_ENGINE_H
#define GETAWSLOG_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"

/*
 * Temporary credentials come with an expiry; before signing a request
 * within ENGINE_REFRESH_MARGIN seconds of it, the engine asks refresh for
 * new ones: it stores malloc'd strings (the engine takes and finally wipes
 * them) and the new expiry (0: never), and returns 0; or -1 after printing
 * why, and the old keys are used until they fail (asking again at most
 * every ENGINE_REFRESH_RETRY seconds).
 */
#define ENGINE_REFRESH_MARGIN	300
#define ENGINE_REFRESH_RETRY	30
#define ENGINE_FINAL_MS		5000	/* a request made after a signal */
#define ENGINE_CONNECT_MS	10000

typedef int	(*engine_refresh_fn)(void *arg, char **access_key,
		    char **secret_key, char **session_token, time_t *expires);

struct engine_config {
	const char	*ca_bundle;	/* NULL: the system's CA store */
	const char	*access_key;
	const char	*secret_key;
	const char	*session_token;	/* NULL when none */
	time_t		 expires;	/* of the keys above; 0: never */
	engine_refresh_fn refresh;	/* NULL: the keys never change */
	void		*refresh_arg;
	int		 max_attempts;	/* tries per request, >= 1 */
	int		 connections;	/* per host, >= 1 */
	int		 debug;		/* > 1: canonical requests, retries */
	volatile sig_atomic_t *interrupted;	/* set by a signal: abort */
};

/* What went wrong with a request (S3's or SQS's; the names are S3's). */
enum s3_status {
	S3_OK = 0,
	S3_EHTTP,	/* an error answer: code and message below */
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
	char		 code[64];	/* e.g. "NoSuchBucket", "QueueDoesNotExist" */
	char		 message[512];	/* the answer's message or libcurl's text */
};

/* "Code: Message" for an error, in buf; returns buf. */
const char	*s3_strerror(const struct s3_error *, char *buf, size_t len);

/* Fill err (code and message cut to fit). */
void	 engine_set_error(struct s3_error *err, enum s3_status st,
	    int transient, const char *code, const char *msg);
/* An AWS JSON-protocol error body ("__type", "message") into err. */
void	 engine_json_error(struct s3_error *err, const char *body,
	    size_t len);

/* One attempt's answer. */
struct engine_resp {
	long		 status;	/* HTTP status, 0 without an answer */
	char		*body;		/* NUL-terminated; NULL: none, or spooled */
	size_t		 len, cap;
	size_t		 max;		/* a longer body aborts the transfer */
	int		 overflow;
	int		 fd;		/* the body goes here when >= 0 */
	int		 spool_errno;	/* a failed write to fd */
	long long	 content_length;	/* -1 when absent */
	long long	 expect;	/* the length wanted (2xx), or -1 */
	long long	 bad_length;	/* a 2xx Content-Length not expect */
	int		 hstatus;	/* status of the response being read */
	long		 retry_after_ms;	/* -1 when absent */
	long long	 wait_us;	/* start to the first byte, less a new
					   connection's set-up; -1 unknown */
};

struct engine;
struct engine_xfer;

enum engine_verdict {
	ENGINE_FAIL,	/* x->err says why; retried when transient */
	ENGINE_AGAIN	/* sign and send again at once (a region switch) */
};

/* What a kind of request does at each step (s3.c, sqs.c). */
struct engine_ops {
	/*
	 * An attempt begins: set x->url (malloc'd) and x->hdrs (signed,
	 * engine_sign); the engine frees both after the attempt. 0, or -1
	 * when memory runs out.
	 */
	int	(*prepare)(struct engine_xfer *);
	/* A header line of the answer ("Name: value\r\n"); may be NULL. */
	void	(*header)(struct engine_xfer *, const char *line, size_t len);
	/*
	 * An answer that is not 2xx, its body in x->r: fill x->err's code
	 * and message (the engine sets the rest, transient for 429, 5xx and
	 * throttling codes).
	 */
	enum engine_verdict (*failed)(struct engine_xfer *);
};

enum engine_state { ENGINE_XF_IDLE, ENGINE_XF_WAIT, ENGINE_XF_RUN,
	ENGINE_XF_DONE };

/*
 * A request. The owner fills the first part (engine_xfer_init sets the
 * defaults), starts it, and reads the outcome once it is done; the last
 * part is the engine's.
 */
struct engine_xfer {
	const struct engine_ops	*ops;
	void		*owner;		/* the owner's: ops use it */
	void		(*done)(struct engine_xfer *);	/* NULL: engine_wait */
	const char	*what;		/* "GET bucket/key", for -dd */
	const char	*method;	/* "GET", "DELETE", "POST" */
	const char	*post;		/* POST's body (kept by the owner) */
	size_t		 postlen;
	size_t		 max;		/* longest answer taken */
	long long	 expect_size;	/* a 2xx body must be this long; -1 */
	int		 fd;		/* spool the body here; -1: memory */
	int		 final;		/* runs to its end through a signal
					   (no retry after it): set timeout_ms */
	long		 timeout_ms;	/* a whole attempt; 0: none */

	char		*url;		/* set by ops->prepare */
	struct curl_slist *hdrs;

	struct engine_resp r;		/* the last attempt's answer */
	struct s3_error	 err;
	int		 rc;		/* once done: 0, or -1 (err) */
	int		 attempt;

	struct engine	*eng;
	struct engine_xfer *next;	/* the engine's unfinished ones */
	enum engine_state state;
	CURL		*easy;
	int		 agains;
	long long	 retry_at;	/* monotonic ms */
	char		 curlerr[CURL_ERROR_SIZE];
};

/*
 * If line (a header line, as ops->header gets it) is "name: value", the
 * trimmed value into out: 1; else (or too long for out) 0.
 */
int	 engine_header_value(const char *line, size_t len, const char *name,
	    char *out, size_t outlen);

struct engine	*engine_new(const struct engine_config *);

/* Free the engine; unfinished requests are dropped (no callback). */
void		 engine_free(struct engine *);

/*
 * A request's signed headers (http_sign), with keys refreshed first when
 * they are about to expire; NULL when memory runs out.
 */
struct curl_slist	*engine_sign(struct engine *,
			    const struct http_request *);

/* The defaults: no body, no limit but max, no spool, one attempt so far. */
void	 engine_xfer_init(struct engine_xfer *, struct engine *,
	    const struct engine_ops *, void *owner);

/* Start it now; it moves whenever the engine runs. */
void	 engine_start(struct engine_xfer *);

/* Done at once, never started: st and why in x->err, rc -1 (no callback). */
void	 engine_fail(struct engine_xfer *, enum s3_status st, const char *why);

/* Run the engine until x is done: 0, or -1 with x->err. */
int	 engine_wait(struct engine_xfer *);

/* Is it done? (Never blocks.) */
int	 engine_done(const struct engine_xfer *);

/* Stop it where it is (no callback); a done one is left as it is. */
void	 engine_cancel(struct engine_xfer *);

/* Free its answer (body, spool file) and attempt; it can be reused. */
void	 engine_xfer_clear(struct engine_xfer *);

/*
 * One turn of the loop: due timers, retries, transfers moved, callbacks
 * of finished requests; then wait at most ms for something to happen.
 */
void	 engine_step(struct engine *, long ms);

/* A timer: fn(arg) from the loop once at (monotonic ms) has come. */
struct engine_timer {
	long long		 at;
	void			(*fn)(void *);
	void			*arg;
	int			 armed;
	struct engine_timer	*next;
};

void	 engine_timer_set(struct engine *, struct engine_timer *,
	    long long at, void (*fn)(void *), void *arg);
void	 engine_timer_stop(struct engine *, struct engine_timer *);

#endif /* GETAWSLOG_ENGINE_H */
