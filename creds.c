/* SPDX-License-Identifier: ISC */
/*
 * creds.c - credentials that come from a program or over the network, and
 * the order in which every source is tried (the AWS CLI's).
 *
 * Static keys are ini.c's. Here: credential_process (run directly, its
 * command split as a shell would, JSON on its stdout), STS AssumeRole
 * (SigV4-signed POST) and AssumeRoleWithWebIdentity (unsigned), container
 * credentials (ECS, EKS Pod Identity) and EC2 instance metadata (IMDSv2).
 * Each temporary source can be asked again: creds_refresh is what s3.c
 * calls before its keys expire. Responses are bounded; STS answers XML
 * (expat), the others JSON (cJSON). Secrets are wiped, never printed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <expat.h>

#include "creds.h"
#include "ini.h"
#include "sigv4.h"

#define CREDS_BODY_MAX		(64 * 1024)	/* any answer, process output */
#define CREDS_TOKEN_FILE_MAX	(16 * 1024)	/* a JWT or an auth token */
#define CREDS_COMMAND_MAX	4096
#define CREDS_ARGS_MAX		64
#define CREDS_PROCESS_TIMEOUT_MS 60000
#define CREDS_ROLE_DEPTH	4		/* source_profile chains */
#define CREDS_FIELD_MAX		4096		/* one XML text */
#define IMDS_CONNECT_MS		1000	/* a host off EC2 loses at most this */
#define IMDS_TIMEOUT_MS		2000
#define IMDS_TOKEN_TTL		"21600"
#define IMDS_DEFAULT		"http://169.254.169.254"
#define CONTAINER_HOST		"http://169.254.170.2"
#define CONTAINER_CONNECT_MS	2000
#define CONTAINER_TIMEOUT_MS	5000
#define STS_CONNECT_MS		10000
#define STS_TIMEOUT_MS		30000
#define STS_VERSION		"2011-06-15"

enum creds_kind { CK_STATIC, CK_PROCESS, CK_ROLE, CK_WEBID, CK_CONTAINER,
	CK_IMDS };

struct creds {
	enum creds_kind	 kind;
	struct creds	*source;	/* CK_ROLE: the keys that assume */
	char		*command;	/* CK_PROCESS */
	char		*role_arn, *session_name, *external_id;
	int		 duration;	/* 0: STS's default */
	char		*token_file;	/* CK_WEBID */
	char		*url;		/* STS endpoint, container URL */
	char		*region;	/* STS signing region */
	char		*ca_bundle;
	int		 debug;
	struct aws_creds keys;
	time_t		 expires;
};

static void
wipe_free(char *p)
{
	if (p != NULL) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

void
creds_free(struct creds *c)
{
	if (c == NULL)
		return;
	creds_free(c->source);
	free(c->command);
	free(c->role_arn);
	free(c->session_name);
	free(c->external_id);
	free(c->token_file);
	free(c->url);
	free(c->region);
	free(c->ca_bundle);
	aws_creds_clear(&c->keys);
	free(c);
}

static const char *
env_nonempty(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
set_source(struct creds *c, const char *a, const char *b, const char *d)
{
	int	n;

	n = snprintf(c->keys.source, sizeof(c->keys.source), "%s%s%s", a, b, d);
	if (n < 0 || (size_t)n >= sizeof(c->keys.source))
		c->keys.source[sizeof(c->keys.source) - 1] = '\0';
}

/* ------------------------------------------------------------ times */

int
creds_parse_time(const char *s, time_t *out)
{
	struct tm	 tm;
	int		 y, mo, d, h, mi, sec, n = 0, oh, om, sign;
	time_t		 t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			continue;
	sign = 0;
	oh = om = 0;
	if (*s == 'Z' && s[1] == '\0')
		;
	else if ((*s == '+' || *s == '-') &&
	    sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 &&
	    s[6] == '\0')
		sign = *s == '+' ? 1 : -1;
	else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

/* ------------------------------------------------------------- HTTP */

struct body {
	char	*p;
	size_t	 len;
	int	 overflow;
};

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body	*b = arg;
	size_t		 n = size * nmemb;

	if (b->len + n > CREDS_BODY_MAX) {
		b->overflow = 1;
		return 0;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/*
 * One blocking request; the body (NUL-terminated, wiped by the caller with
 * body_free) and the status. 0, or -1 with why (no answer at all).
 */
static int
http_do(const struct creds *c, const char *method, const char *url,
    struct curl_slist *hdrs, const char *post, long connect_ms,
    long total_ms, long *status, struct body *b, char *why, size_t whylen)
{
	CURL		*e = NULL;
	CURLcode	 cc;
	char		 err[CURL_ERROR_SIZE];
	int		 n, ret = -1;

	why[0] = '\0';

	memset(b, 0, sizeof(*b));
	*status = 0;
	err[0] = '\0';
	if ((b->p = malloc(CREDS_BODY_MAX + 1)) == NULL ||
	    (e = curl_easy_init()) == NULL) {
		n = snprintf(why, whylen, "out of memory");
		goto out;
	}
	b->p[0] = '\0';
	n = 0;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total_ms);
	/* Proxies come from the environment, as for the S3 requests. */
	if (c->ca_bundle != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "getawslog/" GETAWSLOG_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
	if (post != NULL)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	}
	cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		n = snprintf(why, whylen, "%s", b->overflow ? "answer too "
		    "large" : err[0] != '\0' ? err : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
out:
	/* A message cut short is still a message. */
	if (n < 0 || (size_t)n >= whylen)
		why[whylen - 1] = '\0';
	if (e != NULL)
		curl_easy_cleanup(e);
	return ret;
}

static void
body_free(struct body *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->len);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

static struct curl_slist *
add_header(struct curl_slist *l, const char *name, const char *value,
    int *fail)
{
	struct curl_slist	*nl;
	char			*line;

	if (*fail)
		return l;
	if (asprintf(&line, "%s: %s", name, value) == -1) {
		*fail = 1;
		return l;
	}
	if ((nl = curl_slist_append(l, line)) == NULL)
		*fail = 1;
	explicit_bzero(line, strlen(line));
	free(line);
	return nl != NULL ? nl : l;
}

/* --------------------------------------------------- JSON credentials */

static char *
json_string(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return NULL;
	return strdup(v->valuestring);
}

/*
 * AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration from a
 * JSON answer. version1: credential_process's, which must say Version 1.
 */
static int
parse_json_keys(struct creds *c, const char *text, size_t len, int version1,
    const char *what)
{
	cJSON		*j = NULL;
	const cJSON	*v;
	char		*exp = NULL;
	int		 ret = -1;

	aws_creds_clear(&c->keys);
	c->expires = 0;
	if ((j = cJSON_ParseWithLength(text, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		fprintf(stderr, "getawslog: %s: not a JSON object\n", what);
		goto out;
	}
	if (version1) {
		v = cJSON_GetObjectItemCaseSensitive(j, "Version");
		if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
			fprintf(stderr, "getawslog: %s: \"Version\" is not 1\n",
			    what);
			goto out;
		}
	}
	c->keys.access_key = json_string(j, "AccessKeyId");
	c->keys.secret_key = json_string(j, "SecretAccessKey");
	if ((c->keys.session_token = json_string(j, "SessionToken")) == NULL)
		c->keys.session_token = json_string(j, "Token");
	if (c->keys.access_key == NULL || c->keys.secret_key == NULL) {
		fprintf(stderr, "getawslog: %s: no AccessKeyId and "
		    "SecretAccessKey\n", what);
		goto out;
	}
	if ((exp = json_string(j, "Expiration")) != NULL &&
	    creds_parse_time(exp, &c->expires) == -1) {
		fprintf(stderr, "getawslog: %s: bad Expiration \"%s\"\n", what,
		    exp);
		goto out;
	}
	ret = 0;
out:
	free(exp);
	if (j != NULL) {
		/* The secret is in cJSON's strings: wipe them. */
		for (v = j->child; v != NULL; v = v->next)
			if (cJSON_IsString(v))
				explicit_bzero(v->valuestring,
				    strlen(v->valuestring));
		cJSON_Delete(j);
	}
	if (ret == -1)
		aws_creds_clear(&c->keys);
	return ret;
}

/* ------------------------------------------------- credential_process */

void
creds_free_argv(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

char **
creds_split_command(const char *s, const char **why)
{
	char	**argv = NULL, *w = NULL;
	size_t	  argc = 0, len = strlen(s), wl;
	char	  q;

	*why = "out of memory";
	if (len > CREDS_COMMAND_MAX) {
		*why = "the command is too long";
		return NULL;
	}
	if ((argv = calloc(CREDS_ARGS_MAX + 1, sizeof(*argv))) == NULL ||
	    (w = malloc(len + 1)) == NULL)
		goto fail;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == '\0')
			break;
		wl = 0;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n') {
			if (*s == '\'' || *s == '"') {
				q = *s++;
				while (*s != '\0' && *s != q) {
					if (q == '"' && *s == '\\' &&
					    s[1] != '\0' &&
					    strchr("\"\\$`", s[1]) != NULL)
						s++;
					w[wl++] = *s++;
				}
				if (*s != q) {
					*why = "an unterminated quote";
					goto fail;
				}
				s++;
			} else if (*s == '\\' && s[1] != '\0') {
				w[wl++] = s[1];
				s += 2;
			} else
				w[wl++] = *s++;
		}
		if (argc == CREDS_ARGS_MAX) {
			*why = "too many words";
			goto fail;
		}
		if ((argv[argc++] = strndup(w, wl)) == NULL)
			goto fail;
	}
	if (argc == 0) {
		*why = "an empty command";
		goto fail;
	}
	free(w);
	return argv;
fail:
	free(w);
	creds_free_argv(argv);
	return NULL;
}

/* Run the command, its stdout into b (bounded). 0, or -1 (printed). */
static int
run_command(const char *command, struct body *b)
{
	struct pollfd	 pfd;
	const char	*why = NULL;
	char		**argv = NULL;
	pid_t		 pid = -1;
	ssize_t		 got;
	int		 p[2] = { -1, -1 }, st, ret = -1, devnull;

	memset(b, 0, sizeof(*b));
	if ((argv = creds_split_command(command, &why)) == NULL) {
		fprintf(stderr, "getawslog: credential_process: %s\n", why);
		goto out;
	}
	if ((b->p = malloc(CREDS_BODY_MAX + 1)) == NULL) {
		fprintf(stderr, "getawslog: out of memory\n");
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		fprintf(stderr, "getawslog: credential_process: %s\n",
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* stdout to us; stdin nothing; stderr passes through. */
		if ((devnull = open("/dev/null", O_RDONLY)) != -1)
			dup2(devnull, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "getawslog: credential_process: %s: %s\n",
		    argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, CREDS_PROCESS_TIMEOUT_MS) == 0) {
			fprintf(stderr, "getawslog: credential_process: no "
			    "answer in %d seconds\n",
			    CREDS_PROCESS_TIMEOUT_MS / 1000);
			kill(pid, SIGKILL);
			goto reap;
		}
		got = read(p[0], b->p + b->len, CREDS_BODY_MAX - b->len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			fprintf(stderr, "getawslog: credential_process: %s\n",
			    strerror(errno));
			kill(pid, SIGKILL);
			goto reap;
		}
		if (got == 0)
			break;
		b->len += (size_t)got;
		if (b->len == CREDS_BODY_MAX) {
			fprintf(stderr, "getawslog: credential_process: "
			    "output larger than %d bytes\n", CREDS_BODY_MAX);
			kill(pid, SIGKILL);
			goto reap;
		}
	}
	b->p[b->len] = '\0';
	ret = 0;
reap:
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		continue;
	if (ret == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		fprintf(stderr, "getawslog: credential_process %s %d\n",
		    WIFEXITED(st) ? "exited with status" : "killed by signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		ret = -1;
	}
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	creds_free_argv(argv);
	if (ret == -1)
		body_free(b);
	return ret;
}

static int
fetch_process(struct creds *c)
{
	struct body	b;
	int		ret;

	if (run_command(c->command, &b) == -1)
		return -1;
	ret = parse_json_keys(c, b.p, b.len, 1, "credential_process");
	body_free(&b);
	return ret;
}

/* ---------------------------------------------------------------- STS */

struct sts_xml {
	XML_Parser	 parser;
	char		 text[CREDS_FIELD_MAX];
	size_t		 len;
	int		 toolong, doctype;
	char		*ak, *sk, *tok, *exp, *code, *msg;
};

static void XMLCALL
sts_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct sts_xml	*x = arg;

	(void)name;
	(void)attrs;
	x->len = 0;
	x->toolong = 0;
}

static void XMLCALL
sts_chars(void *arg, const XML_Char *s, int len)
{
	struct sts_xml	*x = arg;

	if (x->len + (size_t)len >= sizeof(x->text)) {
		x->toolong = 1;
		return;
	}
	memcpy(x->text + x->len, s, (size_t)len);
	x->len += (size_t)len;
}

static void XMLCALL
sts_end(void *arg, const XML_Char *name)
{
	struct sts_xml	*x = arg;
	char		**dst = NULL;

	if (strcmp(name, "AccessKeyId") == 0)
		dst = &x->ak;
	else if (strcmp(name, "SecretAccessKey") == 0)
		dst = &x->sk;
	else if (strcmp(name, "SessionToken") == 0)
		dst = &x->tok;
	else if (strcmp(name, "Expiration") == 0)
		dst = &x->exp;
	else if (strcmp(name, "Code") == 0)
		dst = &x->code;
	else if (strcmp(name, "Message") == 0)
		dst = &x->msg;
	if (dst != NULL && !x->toolong && *dst == NULL)
		*dst = strndup(x->text, x->len);
	explicit_bzero(x->text, x->len);
	x->len = 0;
}

static void XMLCALL
sts_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct sts_xml	*x = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	x->doctype = 1;
	XML_StopParser(x->parser, XML_FALSE);
}

/* The keys from an STS answer, or its error, printed. 0 or -1. */
static int
parse_sts(struct creds *c, long status, const struct body *b,
    const char *what)
{
	struct sts_xml	 x;
	int		 ok, ret = -1;

	memset(&x, 0, sizeof(x));
	aws_creds_clear(&c->keys);
	c->expires = 0;
	if ((x.parser = XML_ParserCreate("UTF-8")) == NULL) {
		fprintf(stderr, "getawslog: out of memory\n");
		return -1;
	}
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, sts_start, sts_end);
	XML_SetCharacterDataHandler(x.parser, sts_chars);
	XML_SetStartDoctypeDeclHandler(x.parser, sts_doctype);
	ok = XML_Parse(x.parser, b->p, (int)b->len, XML_TRUE) !=
	    XML_STATUS_ERROR && !x.doctype;
	if (status != 200) {
		fprintf(stderr, "getawslog: %s: HTTP %ld%s%s%s%s\n", what,
		    status, ok && x.code ? " " : "", ok && x.code ? x.code : "",
		    ok && x.msg ? ": " : "", ok && x.msg ? x.msg : "");
		goto out;
	}
	if (!ok || x.ak == NULL || x.sk == NULL || x.tok == NULL) {
		fprintf(stderr, "getawslog: %s: an answer without "
		    "credentials\n", what);
		goto out;
	}
	if (x.exp == NULL || creds_parse_time(x.exp, &c->expires) == -1) {
		fprintf(stderr, "getawslog: %s: bad Expiration\n", what);
		goto out;
	}
	c->keys.access_key = x.ak;
	c->keys.secret_key = x.sk;
	c->keys.session_token = x.tok;
	x.ak = x.sk = x.tok = NULL;
	ret = 0;
out:
	XML_ParserFree(x.parser);
	wipe_free(x.ak);
	wipe_free(x.sk);
	wipe_free(x.tok);
	free(x.exp);
	free(x.code);
	free(x.msg);
	return ret;
}

/* Append "&name=value", the value form-encoded. */
static int
form_add(char **q, const char *name, const char *value)
{
	char	*enc, *nq;
	int	 n;

	if ((enc = sigv4_uri_encode(value, strlen(value), 0)) == NULL)
		return -1;
	n = asprintf(&nq, "%s&%s=%s", *q, name, enc);
	explicit_bzero(enc, strlen(enc));
	free(enc);
	if (n == -1)
		return -1;
	explicit_bzero(*q, strlen(*q));
	free(*q);
	*q = nq;
	return 0;
}

/* host[:port] and path of an http(s) URL, for signing. */
static int
url_parts(const char *url, char **host, char **path)
{
	const char	*p, *slash;

	*host = *path = NULL;
	if ((p = strstr(url, "://")) == NULL)
		return -1;
	p += 3;
	slash = strchr(p, '/');
	*host = slash != NULL ? strndup(p, (size_t)(slash - p)) : strdup(p);
	*path = strdup(slash != NULL ? slash : "/");
	if (*host == NULL || *path == NULL || **host == '\0') {
		free(*host);
		free(*path);
		*host = *path = NULL;
		return -1;
	}
	return 0;
}

static int fetch(struct creds *);
static int read_small_file(const char *, struct body *);

/* AssumeRole (signed with the source's keys) or AssumeRoleWithWebIdentity. */
static int
fetch_sts(struct creds *c)
{
	struct sigv4_header	 h[4];
	struct sigv4_input	 in;
	struct sigv4_output	 out;
	struct curl_slist	*hdrs = NULL;
	struct body		 b, tf;
	const struct aws_creds	*src = NULL;
	char			*form = NULL, *host = NULL, *path = NULL;
	char			 date[SIGV4_AMZ_DATE_LEN + 1], num[16], why[256];
	char			 hash[SIGV4_SHA256_HEX_LEN + 1];
	const char		*what;
	size_t			 nh = 0;
	long			 status;
	time_t			 now = time(NULL);
	int			 fail = 0, n, ret = -1;

	memset(&out, 0, sizeof(out));
	memset(&b, 0, sizeof(b));
	memset(&tf, 0, sizeof(tf));
	what = c->kind == CK_ROLE ? "AssumeRole" : "AssumeRoleWithWebIdentity";
	if (c->kind == CK_ROLE) {
		/* The source's keys may be temporary too. */
		if (c->source->expires != 0 && now + 60 >= c->source->expires &&
		    fetch(c->source) == -1)
			goto out;
		src = &c->source->keys;
	}
	form = strdup(c->kind == CK_ROLE ? "Action=AssumeRole" :
	    "Action=AssumeRoleWithWebIdentity");
	if (form == NULL ||
	    form_add(&form, "Version", STS_VERSION) == -1 ||
	    form_add(&form, "RoleArn", c->role_arn) == -1 ||
	    form_add(&form, "RoleSessionName", c->session_name) == -1)
		goto nomem;
	if (c->duration > 0) {
		n = snprintf(num, sizeof(num), "%d", c->duration);
		if (n < 0 || (size_t)n >= sizeof(num) ||
		    form_add(&form, "DurationSeconds", num) == -1)
			goto nomem;
	}
	if (c->external_id != NULL &&
	    form_add(&form, "ExternalId", c->external_id) == -1)
		goto nomem;
	if (c->kind == CK_WEBID) {
		/* The token file is read again each time: it is rotated. */
		if (read_small_file(c->token_file, &tf) == -1)
			goto out;
		if (form_add(&form, "WebIdentityToken", tf.p) == -1)
			goto nomem;
	}
	hdrs = add_header(hdrs, "Content-Type",
	    "application/x-www-form-urlencoded; charset=utf-8", &fail);
	if (src != NULL) {
		if (url_parts(c->url, &host, &path) == -1) {
			fprintf(stderr, "getawslog: STS endpoint %s is not a "
			    "URL\n", c->url);
			goto out;
		}
		sigv4_amz_date(now, date);
		sigv4_sha256_hex(form, strlen(form), hash);
		h[nh].name = "content-type";
		h[nh++].value = "application/x-www-form-urlencoded; "
		    "charset=utf-8";
		h[nh].name = "host";
		h[nh++].value = host;
		h[nh].name = "x-amz-date";
		h[nh++].value = date;
		if (src->session_token != NULL) {
			h[nh].name = "x-amz-security-token";
			h[nh++].value = src->session_token;
		}
		memset(&in, 0, sizeof(in));
		in.method = "POST";
		in.path = path;
		in.query = NULL;
		in.headers = h;
		in.nheaders = nh;
		in.payload_hash = hash;
		in.access_key = src->access_key;
		in.secret_key = src->secret_key;
		in.region = c->region;
		in.service = "sts";
		in.when = now;
		if (sigv4_sign(&in, &out) == -1)
			goto nomem;
		hdrs = add_header(hdrs, "Host", host, &fail);
		hdrs = add_header(hdrs, "X-Amz-Date", date, &fail);
		if (src->session_token != NULL)
			hdrs = add_header(hdrs, "X-Amz-Security-Token",
			    src->session_token, &fail);
		hdrs = add_header(hdrs, "Authorization", out.authorization,
		    &fail);
	}
	hdrs = add_header(hdrs, "Accept", "text/xml", &fail);
	if (fail)
		goto nomem;
	if (http_do(c, "POST", c->url, hdrs, form, STS_CONNECT_MS,
	    STS_TIMEOUT_MS, &status, &b, why, sizeof(why)) == -1) {
		fprintf(stderr, "getawslog: %s at %s: %s\n", what, c->url, why);
		goto out;
	}
	ret = parse_sts(c, status, &b, what);
	goto out;
nomem:
	fprintf(stderr, "getawslog: out of memory\n");
out:
	if (form != NULL) {
		explicit_bzero(form, strlen(form));
		free(form);
	}
	free(host);
	free(path);
	sigv4_output_free(&out);
	curl_slist_free_all(hdrs);
	body_free(&b);
	body_free(&tf);
	return ret;
}

/* ------------------------------------------- container and instance */

/* A small file, its trailing blanks cut. 0, or -1 (printed). */
static int
read_small_file(const char *path, struct body *b)
{
	FILE	*f;

	memset(b, 0, sizeof(*b));
	if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "getawslog: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((b->p = malloc(CREDS_TOKEN_FILE_MAX + 1)) == NULL) {
		fclose(f);
		fprintf(stderr, "getawslog: out of memory\n");
		return -1;
	}
	b->len = fread(b->p, 1, CREDS_TOKEN_FILE_MAX + 1, f);
	fclose(f);
	if (b->len > CREDS_TOKEN_FILE_MAX) {
		fprintf(stderr, "getawslog: %s: larger than %d bytes\n", path,
		    CREDS_TOKEN_FILE_MAX);
		body_free(b);
		return -1;
	}
	while (b->len > 0 && isspace((unsigned char)b->p[b->len - 1]))
		b->len--;
	b->p[b->len] = '\0';
	return 0;
}

static int
fetch_container(struct creds *c)
{
	struct curl_slist	*hdrs = NULL;
	struct body		 b, tok;
	const char		*v;
	char			 why[256];
	long			 status;
	int			 fail = 0, ret = -1;

	memset(&b, 0, sizeof(b));
	memset(&tok, 0, sizeof(tok));
	if ((v = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) !=
	    NULL) {
		if (read_small_file(v, &tok) == -1)
			goto out;
		v = tok.p;
	} else
		v = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (v != NULL) {
		if (strpbrk(v, "\r\n") != NULL) {
			fprintf(stderr, "getawslog: the container "
			    "authorization token has a line break\n");
			goto out;
		}
		hdrs = add_header(hdrs, "Authorization", v, &fail);
	}
	hdrs = add_header(hdrs, "Accept", "application/json", &fail);
	if (fail) {
		fprintf(stderr, "getawslog: out of memory\n");
		goto out;
	}
	if (http_do(c, "GET", c->url, hdrs, NULL, CONTAINER_CONNECT_MS,
	    CONTAINER_TIMEOUT_MS, &status, &b, why, sizeof(why)) == -1) {
		fprintf(stderr, "getawslog: container credentials at %s: %s\n",
		    c->url, why);
		goto out;
	}
	if (status != 200) {
		fprintf(stderr, "getawslog: container credentials at %s: "
		    "HTTP %ld\n", c->url, status);
		goto out;
	}
	ret = parse_json_keys(c, b.p, b.len, 0, "container credentials");
out:
	curl_slist_free_all(hdrs);
	body_free(&b);
	body_free(&tok);
	return ret;
}

/*
 * IMDSv2: a session token, the role's name, its keys. quiet: no message
 * when nothing answers (not on EC2). 0, 1 nothing there, -1 error.
 */
static int
fetch_imds(struct creds *c, int quiet)
{
	struct curl_slist	*hdrs = NULL;
	struct body		 tok, b;
	char			 why[256], *url = NULL, *nl;
	char			 role[256];
	long			 status;
	int			 fail = 0, n, ret = -1;

	memset(&tok, 0, sizeof(tok));
	memset(&b, 0, sizeof(b));
	hdrs = add_header(hdrs, "X-aws-ec2-metadata-token-ttl-seconds",
	    IMDS_TOKEN_TTL, &fail);
	if (fail || asprintf(&url, "%s/latest/api/token", c->url) == -1)
		goto nomem;
	if (http_do(c, "PUT", url, hdrs, NULL, IMDS_CONNECT_MS,
	    IMDS_TIMEOUT_MS, &status, &tok, why, sizeof(why)) == -1 ||
	    status != 200 || tok.len == 0) {
		if (quiet) {
			if (c->debug > 1)
				fprintf(stderr, "getawslog: no EC2 instance "
				    "metadata at %s\n", c->url);
			ret = 1;
		} else
			fprintf(stderr, "getawslog: EC2 instance metadata at "
			    "%s: %s\n", c->url, status ? "no token" : why);
		goto out;
	}
	curl_slist_free_all(hdrs);
	hdrs = NULL;
	if (strpbrk(tok.p, "\r\n") != NULL) {
		fprintf(stderr, "getawslog: EC2 instance metadata: a bad "
		    "token\n");
		goto out;
	}
	hdrs = add_header(hdrs, "X-aws-ec2-metadata-token", tok.p, &fail);
	free(url);
	url = NULL;
	if (fail || asprintf(&url, "%s/latest/meta-data/iam/"
	    "security-credentials/", c->url) == -1)
		goto nomem;
	if (http_do(c, "GET", url, hdrs, NULL, IMDS_CONNECT_MS,
	    IMDS_TIMEOUT_MS, &status, &b, why, sizeof(why)) == -1 ||
	    status != 200) {
		fprintf(stderr, "getawslog: EC2 instance metadata: no role "
		    "(%s)\n", status == 404 ? "none attached" : status ?
		    "HTTP error" : why);
		goto out;
	}
	if ((nl = strchr(b.p, '\n')) != NULL)
		*nl = '\0';
	n = snprintf(role, sizeof(role), "%s", b.p);
	if (n <= 0 || (size_t)n >= sizeof(role) ||
	    strspn(role, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+=,.@_-") != (size_t)n) {
		fprintf(stderr, "getawslog: EC2 instance metadata: a bad role "
		    "name\n");
		goto out;
	}
	body_free(&b);
	free(url);
	if (asprintf(&url, "%s/latest/meta-data/iam/security-credentials/%s",
	    c->url, role) == -1) {
		url = NULL;
		goto nomem;
	}
	if (http_do(c, "GET", url, hdrs, NULL, IMDS_CONNECT_MS,
	    IMDS_TIMEOUT_MS, &status, &b, why, sizeof(why)) == -1 ||
	    status != 200) {
		fprintf(stderr, "getawslog: EC2 instance metadata: role %s: "
		    "%s\n", role, status ? "HTTP error" : why);
		goto out;
	}
	if (parse_json_keys(c, b.p, b.len, 0, "EC2 instance metadata") == -1)
		goto out;
	set_source(c, "EC2 instance metadata (role ", role, ")");
	ret = 0;
	goto out;
nomem:
	fprintf(stderr, "getawslog: out of memory\n");
out:
	free(url);
	curl_slist_free_all(hdrs);
	body_free(&tok);
	body_free(&b);
	return ret;
}

/* Fetch keys again, keeping the source's name. 0 or -1 (printed). */
static int
fetch(struct creds *c)
{
	char	source[sizeof(c->keys.source)];
	int	rc;

	memcpy(source, c->keys.source, sizeof(source));
	switch (c->kind) {
	case CK_PROCESS:
		rc = fetch_process(c);
		break;
	case CK_ROLE:
	case CK_WEBID:
		rc = fetch_sts(c);
		break;
	case CK_CONTAINER:
		rc = fetch_container(c);
		break;
	case CK_IMDS:
		rc = fetch_imds(c, 0);
		break;
	default:
		return 0;	/* static keys do not change */
	}
	if (source[0] != '\0')
		memcpy(c->keys.source, source, sizeof(source));
	if (rc == 0 && c->debug > 1)
		fprintf(stderr, "getawslog: new credentials from %s\n",
		    c->keys.source);
	return rc == 0 ? 0 : -1;
}

int
creds_refresh(void *arg, char **ak, char **sk, char **tok, time_t *expires)
{
	struct creds	*c = arg;

	if (fetch(c) == -1)
		return -1;
	*ak = strdup(c->keys.access_key);
	*sk = strdup(c->keys.secret_key);
	*tok = c->keys.session_token != NULL ?
	    strdup(c->keys.session_token) : NULL;
	*expires = c->expires;
	if (*ak == NULL || *sk == NULL ||
	    (c->keys.session_token != NULL && *tok == NULL)) {
		fprintf(stderr, "getawslog: out of memory\n");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ chain */

static struct creds *
creds_alloc(enum creds_kind kind, const struct creds_options *opt)
{
	struct creds	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->kind = kind;
	c->debug = opt->debug;
	if (opt->ca_bundle != NULL &&
	    (c->ca_bundle = strdup(opt->ca_bundle)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

/* STS's endpoint and signing region. */
static int
sts_endpoint(struct creds *c, const struct creds_options *opt)
{
	const char	*v, *region = opt->region ? opt->region : "us-east-1";

	if ((c->region = strdup(region)) == NULL)
		return -1;
	if ((v = env_nonempty("AWS_ENDPOINT_URL_STS")) != NULL ||
	    (v = env_nonempty("AWS_ENDPOINT_URL")) != NULL)
		c->url = strdup(v);
	else if (asprintf(&c->url, "https://sts.%s.amazonaws.com", region) ==
	    -1)
		c->url = NULL;
	return c->url != NULL ? 0 : -1;
}

/* "getawslog-<time>" unless role_session_name says otherwise. */
static int
session_name(struct creds *c, const char *given)
{
	if (given != NULL)
		c->session_name = strdup(given);
	else if (asprintf(&c->session_name, "getawslog-%lld",
	    (long long)time(NULL)) == -1)
		c->session_name = NULL;
	return c->session_name != NULL ? 0 : -1;
}

static int
container_url(struct creds *c)
{
	const char	*rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char	*full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char	*h;
	static const char *const local[] = { "127.", "localhost", "[::1]",
	    "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", NULL };
	size_t		 i;

	if (rel != NULL)
		return asprintf(&c->url, "%s%s", CONTAINER_HOST, rel) == -1 ?
		    -1 : 0;
	if (strncasecmp(full, "http://", 7) == 0) {
		/* Plain HTTP only to this host or the container agent. */
		h = full + 7;
		for (i = 0; local[i] != NULL; i++)
			if (strncmp(h, local[i], strlen(local[i])) == 0)
				break;
		if (local[i] == NULL) {
			fprintf(stderr, "getawslog: AWS_CONTAINER_CREDENTIALS_"
			    "FULL_URI: plain http only to a loopback address "
			    "or the container agent\n");
			return -2;
		}
	} else if (strncasecmp(full, "https://", 8) != 0) {
		fprintf(stderr, "getawslog: AWS_CONTAINER_CREDENTIALS_FULL_URI "
		    "is not an http(s) URL\n");
		return -2;
	}
	return (c->url = strdup(full)) != NULL ? 0 : -1;
}

enum { P_ROLE, P_SOURCE, P_CSOURCE, P_EXTID, P_DURATION, P_SESSION,
	P_PROCESS, P_WEBTOKEN, P_N };

static void
profile_clear(struct ini_kv *kv)
{
	size_t	i;

	for (i = 0; i < P_N; i++) {
		free(kv[i].value);
		kv[i].value = NULL;
	}
}

static int build_profile(const struct creds_options *, const char *,
    struct creds **, int);

/* A role profile: its source, then the first AssumeRole. */
static int
build_role(const struct creds_options *opt, const char *profile,
    struct ini_kv *kv, struct creds **cp, int depth)
{
	struct creds	*c = NULL, *src = NULL;
	struct creds_options sopt = *opt;
	const char	*cs = kv[P_CSOURCE].value;
	char		*end;
	long		 d;
	int		 rc, n, ret = -1;

	if ((c = creds_alloc(CK_ROLE, opt)) == NULL)
		goto nomem;
	if ((c->role_arn = strdup(kv[P_ROLE].value)) == NULL ||
	    session_name(c, kv[P_SESSION].value) == -1 ||
	    sts_endpoint(c, opt) == -1 ||
	    (kv[P_EXTID].value != NULL &&
	    (c->external_id = strdup(kv[P_EXTID].value)) == NULL))
		goto nomem;
	if (kv[P_DURATION].value != NULL) {
		errno = 0;
		d = strtol(kv[P_DURATION].value, &end, 10);
		if (errno != 0 || *end != '\0' || d < 900 || d > 43200) {
			fprintf(stderr, "getawslog: profile %s: duration_seconds "
			    "must be from 900 to 43200\n", profile);
			goto out;
		}
		c->duration = (int)d;
	}
	if (kv[P_SOURCE].value != NULL && cs != NULL) {
		fprintf(stderr, "getawslog: profile %s has both source_profile "
		    "and credential_source\n", profile);
		goto out;
	}
	if (kv[P_SOURCE].value != NULL) {
		sopt.cli_profile = kv[P_SOURCE].value;
		if (strcmp(kv[P_SOURCE].value, profile) == 0 ||
		    depth >= CREDS_ROLE_DEPTH) {
			/* A profile its own source: its own static keys. */
			if ((src = creds_alloc(CK_STATIC, opt)) == NULL)
				goto nomem;
			if ((rc = ini_find_credentials_in(kv[P_SOURCE].value,
			    INI_FROM_FILES, &src->keys)) != 1) {
				if (rc == 0)
					fprintf(stderr, "getawslog: profile %s "
					    "has no keys\n", kv[P_SOURCE].value);
				goto out;
			}
		} else if ((rc = build_profile(&sopt, kv[P_SOURCE].value, &src,
		    depth + 1)) != 1) {
			if (rc == 0)
				fprintf(stderr, "getawslog: source_profile %s "
				    "has no credentials\n", kv[P_SOURCE].value);
			goto out;
		}
	} else if (cs != NULL && strcmp(cs, "Environment") == 0) {
		if ((src = creds_alloc(CK_STATIC, opt)) == NULL)
			goto nomem;
		if ((rc = ini_find_credentials_in(NULL, INI_FROM_ENV,
		    &src->keys)) != 1) {
			fprintf(stderr, "getawslog: profile %s: "
			    "credential_source Environment, but no keys in the "
			    "environment\n", profile);
			goto out;
		}
	} else if (cs != NULL && strcmp(cs, "EcsContainer") == 0) {
		if ((src = creds_alloc(CK_CONTAINER, opt)) == NULL)
			goto nomem;
		if (env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ==
		    NULL && env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI") ==
		    NULL) {
			fprintf(stderr, "getawslog: profile %s: "
			    "credential_source EcsContainer, but no "
			    "AWS_CONTAINER_CREDENTIALS_*_URI\n", profile);
			goto out;
		}
		if ((rc = container_url(src)) != 0) {
			if (rc == -1)
				goto nomem;
			goto out;
		}
		if (fetch_container(src) == -1)
			goto out;
	} else if (cs != NULL && strcmp(cs, "Ec2InstanceMetadata") == 0) {
		if ((src = creds_alloc(CK_IMDS, opt)) == NULL)
			goto nomem;
		if ((src->url = strdup(env_nonempty(
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT") ? getenv(
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT") : IMDS_DEFAULT)) ==
		    NULL)
			goto nomem;
		if (fetch_imds(src, 0) != 0)
			goto out;
	} else {
		fprintf(stderr, "getawslog: profile %s: role_arn needs "
		    "source_profile or credential_source (Environment, "
		    "Ec2InstanceMetadata, EcsContainer)\n", profile);
		goto out;
	}
	c->source = src;
	src = NULL;
	if (fetch_sts(c) == -1)
		goto out;
	set_source(c, "AssumeRole ", c->role_arn, "");
	n = snprintf(c->keys.source + strlen(c->keys.source),
	    sizeof(c->keys.source) - strlen(c->keys.source), " (profile %s)",
	    profile);
	if (n < 0)	/* a name cut short is still a name; an error is not */
		c->keys.source[0] = '\0';
	*cp = c;
	c = NULL;
	ret = 1;
	goto out;
nomem:
	fprintf(stderr, "getawslog: out of memory\n");
out:
	creds_free(src);
	creds_free(c);
	return ret;
}

/*
 * A profile's own credentials, in botocore's order: keys in the shared
 * credentials file, credential_process, keys in the config file. profile
 * as --profile gives it (NULL: AWS_PROFILE or default), name as shown.
 * Into c; 1, 0 none, -1 error (printed).
 */
static int
profile_own(const char *profile, const char *name, const char *process,
    struct creds *c)
{
	int	rc;

	if ((rc = ini_find_credentials_in(profile, INI_FROM_CREDFILE,
	    &c->keys)) != 0)
		return rc;
	if (process != NULL) {
		c->kind = CK_PROCESS;
		if ((c->command = strdup(process)) == NULL) {
			fprintf(stderr, "getawslog: out of memory\n");
			return -1;
		}
		if (fetch_process(c) == -1)
			return -1;
		set_source(c, "credential_process (profile ", name, ")");
		return 1;
	}
	return ini_find_credentials_in(profile, INI_FROM_CONFIG, &c->keys);
}

/*
 * The credentials a profile names, for a role's source_profile: a role,
 * static keys, or credential_process. 1, 0 none, -1 error.
 */
static int
build_profile(const struct creds_options *opt, const char *profile,
    struct creds **cp, int depth)
{
	struct ini_kv	 kv[P_N] = {
		{ "role_arn", NULL }, { "source_profile", NULL },
		{ "credential_source", NULL }, { "external_id", NULL },
		{ "duration_seconds", NULL }, { "role_session_name", NULL },
		{ "credential_process", NULL }, { "web_identity_token_file", NULL },
	};
	struct creds	*c = NULL;
	int		 ret = -1;

	if (ini_profile(profile, kv, P_N) == -1)
		goto out;
	if (kv[P_ROLE].value != NULL) {
		ret = build_role(opt, profile, kv, cp, depth);
		goto out;
	}
	if ((c = creds_alloc(CK_STATIC, opt)) == NULL)
		goto nomem;
	ret = profile_own(profile, profile, kv[P_PROCESS].value, c);
	if (ret == 1) {
		*cp = c;
		c = NULL;
	}
	goto out;
nomem:
	fprintf(stderr, "getawslog: out of memory\n");
out:
	profile_clear(kv);
	creds_free(c);
	return ret;
}

int
creds_find(const struct creds_options *opt, struct creds **cp,
    struct aws_creds *out, time_t *expires)
{
	struct ini_kv	 kv[P_N] = {
		{ "role_arn", NULL }, { "source_profile", NULL },
		{ "credential_source", NULL }, { "external_id", NULL },
		{ "duration_seconds", NULL }, { "role_session_name", NULL },
		{ "credential_process", NULL }, { "web_identity_token_file", NULL },
	};
	const char	*profile = ini_profile_name(opt->cli_profile);
	const char	*v;
	struct creds	*c = NULL;
	int		 rc, ret = -1;

	*cp = NULL;
	*expires = 0;
	memset(out, 0, sizeof(*out));

	/* 1. The environment, unless --profile. */
	if ((c = creds_alloc(CK_STATIC, opt)) == NULL)
		goto nomem;
	if ((rc = ini_find_credentials_in(opt->cli_profile, INI_FROM_ENV,
	    &c->keys)) != 0) {
		ret = rc;
		goto done;
	}
	/* 2. A role in the profile. */
	if (ini_profile(opt->cli_profile, kv, P_N) == -1)
		goto out;
	if (kv[P_ROLE].value != NULL && kv[P_WEBTOKEN].value != NULL &&
	    kv[P_SOURCE].value == NULL && kv[P_CSOURCE].value == NULL) {
		c->kind = CK_WEBID;
		if ((c->token_file = strdup(kv[P_WEBTOKEN].value)) == NULL ||
		    (c->role_arn = strdup(kv[P_ROLE].value)) == NULL ||
		    session_name(c, kv[P_SESSION].value) == -1 ||
		    sts_endpoint(c, opt) == -1)
			goto nomem;
		goto webid;
	}
	if (kv[P_ROLE].value != NULL) {
		creds_free(c);
		c = NULL;
		if ((ret = build_role(opt, profile, kv, &c, 0)) == 1)
			goto done;
		goto out;
	}
	/* 3. Web identity from the environment. */
	if ((v = env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE")) != NULL &&
	    env_nonempty("AWS_ROLE_ARN") != NULL) {
		c->kind = CK_WEBID;
		if ((c->token_file = strdup(v)) == NULL ||
		    (c->role_arn = strdup(getenv("AWS_ROLE_ARN"))) == NULL ||
		    session_name(c, env_nonempty("AWS_ROLE_SESSION_NAME")) ==
		    -1 || sts_endpoint(c, opt) == -1)
			goto nomem;
		goto webid;
	}
	/*
	 * 4. Keys in the shared credentials file, 5. credential_process,
	 * 6. keys in the config file: botocore's order.
	 */
	if ((rc = profile_own(opt->cli_profile, profile, kv[P_PROCESS].value,
	    c)) != 0) {
		ret = rc;
		goto done;
	}
	/* 7. boto's files. */
	if ((rc = ini_find_credentials_in(opt->cli_profile, INI_FROM_BOTO,
	    &c->keys)) != 0) {
		ret = rc;
		goto done;
	}
	/* 8. The container's agent. */
	if (env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL ||
	    env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL) {
		c->kind = CK_CONTAINER;
		if ((rc = container_url(c)) != 0) {
			if (rc == -1)
				goto nomem;
			goto out;
		}
		if (fetch_container(c) == -1)
			goto out;
		set_source(c, "container credentials ", c->url, "");
		ret = 1;
		goto done;
	}
	/* 9. EC2 instance metadata, unless turned off. */
	v = env_nonempty("AWS_EC2_METADATA_DISABLED");
	if (v != NULL && strcasecmp(v, "true") == 0) {
		ret = 0;
		goto out;
	}
	c->kind = CK_IMDS;
	v = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if ((c->url = strdup(v != NULL ? v : IMDS_DEFAULT)) == NULL)
		goto nomem;
	while (strlen(c->url) > 0 && c->url[strlen(c->url) - 1] == '/')
		c->url[strlen(c->url) - 1] = '\0';
	if ((rc = fetch_imds(c, 1)) != 0) {
		ret = rc == 1 ? 0 : -1;
		goto out;
	}
	ret = 1;
	goto done;
webid:
	if (fetch_sts(c) == -1)
		goto out;
	set_source(c, "AssumeRoleWithWebIdentity ", c->role_arn, "");
	ret = 1;
done:
	if (ret == 1) {
		if ((out->access_key = strdup(c->keys.access_key)) == NULL ||
		    (out->secret_key = strdup(c->keys.secret_key)) == NULL ||
		    (c->keys.session_token != NULL && (out->session_token =
		    strdup(c->keys.session_token)) == NULL))
			goto nomem;
		memcpy(out->source, c->keys.source, sizeof(out->source));
		*expires = c->expires;
		*cp = c;
		c = NULL;
	}
	goto out;
nomem:
	fprintf(stderr, "getawslog: out of memory\n");
	aws_creds_clear(out);
	ret = -1;
out:
	profile_clear(kv);
	creds_free(c);
	return ret;
}
