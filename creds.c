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
 * calls before its keys expire. Requests go through http.c; answers are
 * bounded; STS answers XML (expat), the others JSON (cJSON). Secrets are
 * wiped, never printed.
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
#include "endpoint.h"
#include "http.h"
#include "ini.h"
#include "msg.h"
#include "sigv4.h"
#include "util.h"

#define CREDS_BODY_MAX		(64 * 1024)	/* any answer, process output */
#define CREDS_TOKEN_FILE_MAX	(16 * 1024)	/* a JWT or an auth token */
#define CREDS_COMMAND_MAX	4096
#define CREDS_ARGS_MAX		64
#define CREDS_PROCESS_TIMEOUT_MS 60000
#define CREDS_ROLE_DEPTH	4		/* source_profile chains */
#define CREDS_FIELD_MAX		4096		/* one XML text */
#define CREDS_SOURCE_MARGIN	60	/* a role's source keys: renew before */
#define IMDS_CONNECT_MS		1000	/* a host off EC2 loses at most this */
#define IMDS_TIMEOUT_MS		2000
#define IMDS_TOKEN_TTL		"21600"
#define IMDS_DEFAULT		"http://169.254.169.254"
#define IMDS_ROLE_MAX		256
#define IMDS_ROLE_CHARS		"abcdefghijklmnopqrstuvwxyz" \
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-"
#define CONTAINER_HOST		"http://169.254.170.2"
#define CONTAINER_CONNECT_MS	2000
#define CONTAINER_TIMEOUT_MS	5000
#define STS_DURATION_MIN	900
#define STS_DURATION_MAX	43200
#define WHY_MAX			256	/* libcurl's reason, and a little */

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

static void
set_source(struct creds *c, const char *a, const char *b, const char *d)
{
	int	n;

	n = snprintf(c->keys.source, sizeof(c->keys.source), "%s%s%s", a, b, d);
	if (n < 0 || (size_t)n >= sizeof(c->keys.source))
		c->keys.source[sizeof(c->keys.source) - 1] = '\0';
}

/*
 * Copies of k's keys (*tok NULL without a session token). 0, or -1
 * (printed) with nothing kept.
 */
static int
keys_dup(const struct aws_creds *k, char **ak, char **sk, char **tok)
{
	*ak = strdup(k->access_key);
	*sk = strdup(k->secret_key);
	*tok = k->session_token != NULL ? strdup(k->session_token) : NULL;
	if (*ak == NULL || *sk == NULL ||
	    (k->session_token != NULL && *tok == NULL)) {
		util_free_secret(*ak);
		util_free_secret(*sk);
		util_free_secret(*tok);
		*ak = *sk = *tok = NULL;
		msg_oom();
		return -1;
	}
	return 0;
}

/* A request of c's: its CA bundle, an answer of CREDS_BODY_MAX at most. */
static struct http_call
call_of(const struct creds *c, const char *method, const char *url,
    struct curl_slist *hdrs, long connect_ms, long total_ms)
{
	struct http_call	hc;

	memset(&hc, 0, sizeof(hc));
	hc.method = method;
	hc.url = url;
	hc.headers = hdrs;
	hc.ca_bundle = c->ca_bundle;
	hc.connect_ms = connect_ms;
	hc.total_ms = total_ms;
	hc.max = CREDS_BODY_MAX;
	return hc;
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
		msg_warn("%s: not a JSON object", what);
		goto out;
	}
	if (version1) {
		v = cJSON_GetObjectItemCaseSensitive(j, "Version");
		if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
			msg_warn("%s: \"Version\" is not 1", what);
			goto out;
		}
	}
	c->keys.access_key = json_string(j, "AccessKeyId");
	c->keys.secret_key = json_string(j, "SecretAccessKey");
	if ((c->keys.session_token = json_string(j, "SessionToken")) == NULL)
		c->keys.session_token = json_string(j, "Token");
	if (c->keys.access_key == NULL || c->keys.secret_key == NULL) {
		msg_warn("%s: no AccessKeyId and SecretAccessKey", what);
		goto out;
	}
	if ((exp = json_string(j, "Expiration")) != NULL &&
	    creds_parse_time(exp, &c->expires) == -1) {
		msg_warn("%s: bad Expiration \"%s\"", what, exp);
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

/*
 * Start argv with its stdout into a pipe, stdin /dev/null, stderr ours:
 * the pid, and *fd the pipe's end to read. -1 (printed).
 */
static pid_t
spawn(char **argv, int *fd)
{
	pid_t	pid;
	int	p[2], devnull;

	if (pipe2(p, O_CLOEXEC) == -1) {
		msg_warn("credential_process: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		msg_warn("credential_process: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		if ((devnull = open("/dev/null", O_RDONLY)) != -1)
			dup2(devnull, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		msg_warn("credential_process: %s: %s", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/*
 * The child's output from fd into b (its buffer CREDS_BODY_MAX + 1 long),
 * until the end. 0, or -1 (printed) with the child killed: too long,
 * too slow, a read error.
 */
static int
read_output(int fd, pid_t pid, struct http_body *b)
{
	struct pollfd	pfd;
	ssize_t		got;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, CREDS_PROCESS_TIMEOUT_MS) == 0) {
			msg_warn("credential_process: no answer in %d seconds",
			    CREDS_PROCESS_TIMEOUT_MS / 1000);
			break;
		}
		got = read(fd, b->p + b->len, CREDS_BODY_MAX - b->len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			msg_warn("credential_process: %s", strerror(errno));
			break;
		}
		if (got == 0) {
			b->p[b->len] = '\0';
			return 0;
		}
		b->len += (size_t)got;
		if (b->len == CREDS_BODY_MAX) {
			msg_warn("credential_process: output larger than %d "
			    "bytes", CREDS_BODY_MAX);
			break;
		}
	}
	kill(pid, SIGKILL);
	return -1;
}

/* Run the command, its stdout into b (bounded). 0, or -1 (printed). */
static int
run_command(const char *command, struct http_body *b)
{
	const char	*why = NULL;
	char		**argv = NULL;
	pid_t		 pid;
	int		 fd = -1, st, ret = -1;

	memset(b, 0, sizeof(*b));
	if ((argv = creds_split_command(command, &why)) == NULL) {
		msg_warn("credential_process: %s", why);
		goto out;
	}
	if ((b->p = malloc(CREDS_BODY_MAX + 1)) == NULL) {
		msg_oom();
		goto out;
	}
	if ((pid = spawn(argv, &fd)) == -1)
		goto out;
	ret = read_output(fd, pid, b);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		continue;
	if (ret == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		msg_warn("credential_process %s %d",
		    WIFEXITED(st) ? "exited with status" : "killed by signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		ret = -1;
	}
out:
	if (fd != -1)
		close(fd);
	creds_free_argv(argv);
	if (ret == -1)
		http_body_free(b);
	return ret;
}

static int
fetch_process(struct creds *c)
{
	struct http_body	b;
	int			ret;

	if (run_command(c->command, &b) == -1)
		return -1;
	ret = parse_json_keys(c, b.p, b.len, 1, "credential_process");
	http_body_free(&b);
	return ret;
}

/* ---------------------------------------------------------------- STS */

struct sts_xml {
	char		 text[CREDS_FIELD_MAX];
	size_t		 len;
	int		 toolong;
	char		*ak, *sk, *tok, *exp, *code, *msg;
};

static void XMLCALL
sts_start(void *parser, const XML_Char *name, const XML_Char **attrs)
{
	struct sts_xml	*x = XML_GetUserData(parser);

	(void)name;
	(void)attrs;
	x->len = 0;
	x->toolong = 0;
}

static void XMLCALL
sts_chars(void *parser, const XML_Char *s, int len)
{
	struct sts_xml	*x = XML_GetUserData(parser);

	if (x->len + (size_t)len >= sizeof(x->text)) {
		x->toolong = 1;
		return;
	}
	memcpy(x->text + x->len, s, (size_t)len);
	x->len += (size_t)len;
}

static void XMLCALL
sts_end(void *parser, const XML_Char *name)
{
	struct sts_xml	*x = XML_GetUserData(parser);
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

/* The keys from an STS answer, or its error, printed. 0 or -1. */
static int
parse_sts(struct creds *c, long status, const struct http_body *b,
    const char *what)
{
	struct sts_xml	 x;
	XML_Parser	 p;
	int		 ok, ret = -1;

	memset(&x, 0, sizeof(x));
	aws_creds_clear(&c->keys);
	c->expires = 0;
	if ((p = http_xml_new(&x)) == NULL) {
		msg_oom();
		return -1;
	}
	XML_SetElementHandler(p, sts_start, sts_end);
	XML_SetCharacterDataHandler(p, sts_chars);
	ok = XML_Parse(p, b->p, (int)b->len, XML_TRUE) != XML_STATUS_ERROR;
	if (status != 200) {
		msg_warn("%s: HTTP %ld%s%s%s%s", what, status,
		    ok && x.code ? " " : "", ok && x.code ? x.code : "",
		    ok && x.msg ? ": " : "", ok && x.msg ? x.msg : "");
		goto out;
	}
	if (!ok || x.ak == NULL || x.sk == NULL || x.tok == NULL) {
		msg_warn("%s: an answer without credentials", what);
		goto out;
	}
	if (x.exp == NULL || creds_parse_time(x.exp, &c->expires) == -1) {
		msg_warn("%s: bad Expiration", what);
		goto out;
	}
	c->keys.access_key = x.ak;
	c->keys.secret_key = x.sk;
	c->keys.session_token = x.tok;
	x.ak = x.sk = x.tok = NULL;
	ret = 0;
out:
	XML_ParserFree(p);
	util_free_secret(x.ak);
	util_free_secret(x.sk);
	util_free_secret(x.tok);
	free(x.exp);
	free(x.code);
	free(x.msg);
	return ret;
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
static int read_small_file(const char *, struct http_body *);

/*
 * The form STS is sent: the action, the role and its options, and the web
 * identity token (its file read again each time: it is rotated). Into
 * *formp; 0, or -1 (printed).
 */
static int
sts_form(const struct creds *c, char **formp)
{
	struct http_body	 tf;
	char			*form = NULL, num[16];
	int			 n, ret = -1;

	*formp = NULL;
	memset(&tf, 0, sizeof(tf));
	if (c->kind == CK_WEBID && read_small_file(c->token_file, &tf) == -1)
		goto out;
	n = snprintf(num, sizeof(num), "%d", c->duration);
	if (n < 0 || (size_t)n >= sizeof(num) ||
	    http_query_add(&form, "Action", c->kind == CK_ROLE ? "AssumeRole" :
	    "AssumeRoleWithWebIdentity") == -1 ||
	    http_query_add(&form, "Version", STS_VERSION) == -1 ||
	    http_query_add(&form, "RoleArn", c->role_arn) == -1 ||
	    http_query_add(&form, "RoleSessionName", c->session_name) == -1 ||
	    (c->duration > 0 &&
	    http_query_add(&form, "DurationSeconds", num) == -1) ||
	    (c->external_id != NULL &&
	    http_query_add(&form, "ExternalId", c->external_id) == -1) ||
	    (c->kind == CK_WEBID &&
	    http_query_add(&form, "WebIdentityToken", tf.p) == -1)) {
		msg_oom();
		goto out;
	}
	*formp = form;
	form = NULL;
	ret = 0;
out:
	util_free_secret(form);
	http_body_free(&tf);
	return ret;
}

/*
 * The headers of an STS request for form: signed with src's keys
 * (AssumeRole), or not (src NULL: AssumeRoleWithWebIdentity). NULL when
 * they cannot be made (printed).
 */
static struct curl_slist *
sts_headers(const struct creds *c, const struct aws_creds *src,
    const char *form)
{
	static const struct sigv4_header type = { "Content-Type",
	    STS_FORM_TYPE };
	struct http_request	 rq;
	struct http_keys	 k;
	struct curl_slist	*hdrs = NULL;
	char			*host = NULL, *path = NULL;
	char			 shown[HTTP_URL_SHOWN_MAX];
	int			 fail = 0;

	if (src == NULL)
		hdrs = http_header(NULL, type.name, type.value, &fail);
	else {
		if (url_parts(c->url, &host, &path) == -1) {
			msg_warn("STS endpoint %s is not a URL",
			    http_url_mask(c->url, shown, sizeof(shown)));
			goto out;
		}
		memset(&rq, 0, sizeof(rq));
		rq.method = "POST";
		rq.host = host;
		rq.path = path;
		rq.headers = &type;
		rq.nheaders = 1;
		rq.body = form;
		rq.bodylen = strlen(form);
		rq.region = c->region;
		rq.service = "sts";
		k.access_key = src->access_key;
		k.secret_key = src->secret_key;
		k.session_token = src->session_token;
		if ((hdrs = http_sign(&rq, &k, time(NULL), c->debug)) == NULL)
			fail = 1;
	}
	hdrs = http_header(hdrs, "Accept", "text/xml", &fail);
	if (fail) {
		msg_oom();
		http_headers_free(hdrs);
		hdrs = NULL;
	}
out:
	free(host);
	free(path);
	return hdrs;
}

/* AssumeRole (signed with the source's keys) or AssumeRoleWithWebIdentity. */
static int
fetch_sts(struct creds *c)
{
	struct http_call	 hc;
	struct http_body	 b;
	struct curl_slist	*hdrs = NULL;
	const struct aws_creds	*src = NULL;
	const char		*what;
	char			*form = NULL, why[WHY_MAX];
	char			 shown[HTTP_URL_SHOWN_MAX];
	long			 status;
	int			 ret = -1;

	memset(&b, 0, sizeof(b));
	what = c->kind == CK_ROLE ? "AssumeRole" : "AssumeRoleWithWebIdentity";
	if (c->kind == CK_ROLE) {
		/* The source's keys may be temporary too. */
		if (c->source->expires != 0 &&
		    time(NULL) + CREDS_SOURCE_MARGIN >= c->source->expires &&
		    fetch(c->source) == -1)
			goto out;
		src = &c->source->keys;
	}
	if (sts_form(c, &form) == -1 ||
	    (hdrs = sts_headers(c, src, form)) == NULL)
		goto out;
	hc = call_of(c, "POST", c->url, hdrs, STS_CONNECT_MS, STS_TIMEOUT_MS);
	hc.body = form;
	if (http_fetch(&hc, &status, &b, why, sizeof(why)) == -1) {
		msg_warn("%s at %s: %s", what,
		    http_url_mask(c->url, shown, sizeof(shown)), why);
		goto out;
	}
	ret = parse_sts(c, status, &b, what);
out:
	util_free_secret(form);
	http_headers_free(hdrs);
	http_body_free(&b);
	return ret;
}

/* ------------------------------------------- container and instance */

/* A small file, its trailing blanks cut. 0, or -1 (printed). */
static int
read_small_file(const char *path, struct http_body *b)
{
	FILE	*f;

	memset(b, 0, sizeof(*b));
	if ((f = fopen(path, "re")) == NULL) {
		msg_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((b->p = malloc(CREDS_TOKEN_FILE_MAX + 1)) == NULL) {
		fclose(f);
		msg_oom();
		return -1;
	}
	b->len = fread(b->p, 1, CREDS_TOKEN_FILE_MAX + 1, f);
	fclose(f);
	if (b->len > CREDS_TOKEN_FILE_MAX) {
		msg_warn("%s: larger than %d bytes", path,
		    CREDS_TOKEN_FILE_MAX);
		http_body_free(b);
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
	struct http_call	 hc;
	struct curl_slist	*hdrs = NULL;
	struct http_body	 b, tok;
	const char		*v;
	char			 why[WHY_MAX], shown[HTTP_URL_SHOWN_MAX];
	long			 status;
	int			 fail = 0, ret = -1;

	memset(&b, 0, sizeof(b));
	memset(&tok, 0, sizeof(tok));
	http_url_mask(c->url, shown, sizeof(shown));
	if ((v = util_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) != NULL) {
		if (read_small_file(v, &tok) == -1)
			goto out;
		v = tok.p;
	} else
		v = util_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (v != NULL) {
		if (strpbrk(v, "\r\n") != NULL) {
			msg_warn("the container authorization token has a "
			    "line break");
			goto out;
		}
		hdrs = http_header(hdrs, "Authorization", v, &fail);
	}
	hdrs = http_header(hdrs, "Accept", "application/json", &fail);
	if (fail) {
		msg_oom();
		goto out;
	}
	hc = call_of(c, "GET", c->url, hdrs, CONTAINER_CONNECT_MS,
	    CONTAINER_TIMEOUT_MS);
	if (http_fetch(&hc, &status, &b, why, sizeof(why)) == -1) {
		msg_warn("container credentials at %s: %s", shown, why);
		goto out;
	}
	if (status != 200) {
		msg_warn("container credentials at %s: HTTP %ld", shown,
		    status);
		goto out;
	}
	ret = parse_json_keys(c, b.p, b.len, 0, "container credentials");
out:
	http_headers_free(hdrs);
	http_body_free(&b);
	http_body_free(&tok);
	return ret;
}

/*
 * IMDSv2's session token, into tok. quiet: no message when nothing
 * answers (not on EC2). 0, 1 nothing there, -1 error (printed).
 */
static int
imds_token(const struct creds *c, int quiet, struct http_body *tok)
{
	struct http_call	 hc;
	struct curl_slist	*hdrs = NULL;
	char			*url = NULL, why[WHY_MAX];
	char			 shown[HTTP_URL_SHOWN_MAX];
	long			 status;
	int			 fail = 0, ret = -1;

	memset(tok, 0, sizeof(*tok));
	hdrs = http_header(NULL, "X-aws-ec2-metadata-token-ttl-seconds",
	    IMDS_TOKEN_TTL, &fail);
	if (fail || asprintf(&url, "%s/latest/api/token", c->url) == -1) {
		url = NULL;
		msg_oom();
		goto out;
	}
	hc = call_of(c, "PUT", url, hdrs, IMDS_CONNECT_MS, IMDS_TIMEOUT_MS);
	if (http_fetch(&hc, &status, tok, why, sizeof(why)) == -1 ||
	    status != 200 || tok->len == 0) {
		http_url_mask(c->url, shown, sizeof(shown));
		if (quiet) {
			if (c->debug > 1)
				msg_warn("no EC2 instance metadata at %s",
				    shown);
			ret = 1;
		} else
			msg_warn("EC2 instance metadata at %s: %s", shown,
			    status ? "no token" : why);
		goto out;
	}
	if (strpbrk(tok->p, "\r\n") != NULL) {
		msg_warn("EC2 instance metadata: a bad token");
		goto out;
	}
	ret = 0;
out:
	free(url);
	http_headers_free(hdrs);
	if (ret != 0)
		http_body_free(tok);
	return ret;
}

/*
 * GET the instance's role's keys (role "": the roles there are) with the
 * session token in hdrs, into b: 0 with the HTTP status, or -1 with why.
 */
static int
imds_get(const struct creds *c, struct curl_slist *hdrs, const char *role,
    long *status, struct http_body *b, char *why, size_t whylen)
{
	struct http_call	 hc;
	char			*url;
	int			 ret;

	*status = 0;
	memset(b, 0, sizeof(*b));
	if (asprintf(&url, "%s/latest/meta-data/iam/security-credentials/%s",
	    c->url, role) == -1) {
		ret = snprintf(why, whylen, "out of memory");
		if (ret < 0 || (size_t)ret >= whylen)
			why[0] = '\0';
		return -1;
	}
	hc = call_of(c, "GET", url, hdrs, IMDS_CONNECT_MS, IMDS_TIMEOUT_MS);
	ret = http_fetch(&hc, status, b, why, whylen);
	free(url);
	return ret;
}

/* The instance's role: the listing's first line. 0, or -1 (printed). */
static int
imds_role(const struct creds *c, struct curl_slist *hdrs, char *role,
    size_t rolelen)
{
	struct http_body	 b;
	char			*nl, why[WHY_MAX];
	long			 status;
	int			 n, ret = -1;

	if (imds_get(c, hdrs, "", &status, &b, why, sizeof(why)) == -1 ||
	    status != 200) {
		msg_warn("EC2 instance metadata: no role (%s)", status == 404 ?
		    "none attached" : status ? "HTTP error" : why);
		goto out;
	}
	if ((nl = strchr(b.p, '\n')) != NULL)
		*nl = '\0';
	n = snprintf(role, rolelen, "%s", b.p);
	if (n <= 0 || (size_t)n >= rolelen ||
	    strspn(role, IMDS_ROLE_CHARS) != (size_t)n) {
		msg_warn("EC2 instance metadata: a bad role name");
		goto out;
	}
	ret = 0;
out:
	http_body_free(&b);
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
	struct http_body	 tok, b;
	char			 why[WHY_MAX], role[IMDS_ROLE_MAX];
	long			 status;
	int			 fail = 0, ret = -1;

	memset(&b, 0, sizeof(b));
	if ((ret = imds_token(c, quiet, &tok)) != 0)
		goto out;
	ret = -1;
	hdrs = http_header(NULL, "X-aws-ec2-metadata-token", tok.p, &fail);
	if (fail) {
		msg_oom();
		goto out;
	}
	if (imds_role(c, hdrs, role, sizeof(role)) == -1)
		goto out;
	if (imds_get(c, hdrs, role, &status, &b, why, sizeof(why)) == -1 ||
	    status != 200) {
		msg_warn("EC2 instance metadata: role %s: %s", role,
		    status ? "HTTP error" : why);
		goto out;
	}
	if (parse_json_keys(c, b.p, b.len, 0, "EC2 instance metadata") == -1)
		goto out;
	set_source(c, "EC2 instance metadata (role ", role, ")");
	ret = 0;
out:
	http_headers_free(hdrs);
	http_body_free(&tok);
	http_body_free(&b);
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
		msg_warn("new credentials from %s", c->keys.source);
	return rc == 0 ? 0 : -1;
}

int
creds_refresh(void *arg, char **ak, char **sk, char **tok, time_t *expires)
{
	struct creds	*c = arg;

	if (fetch(c) == -1 || keys_dup(&c->keys, ak, sk, tok) == -1)
		return -1;
	*expires = c->expires;
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
	const char	*region = opt->region ? opt->region : "us-east-1";
	char		 why[160];

	if ((c->region = strdup(region)) == NULL)
		return -1;
	if ((c->url = creds_sts_url(region, opt->endpoint_flags, why,
	    sizeof(why))) == NULL) {
		if (why[0] != '\0')
			msg_warn("STS: %s", why);
		return -1;
	}
	return 0;
}

char *
creds_sts_url(const char *region, unsigned flags, char *why, size_t whylen)
{
	const char	*v;
	char		*url = NULL, host[ENDPOINT_HOST_MAX];

	if (whylen > 0)
		why[0] = '\0';
	if ((v = util_env("AWS_ENDPOINT_URL_STS")) != NULL ||
	    (v = util_env("AWS_ENDPOINT_URL")) != NULL)
		return strdup(v);
	if (endpoint_host("sts", region, flags, host, sizeof(host), why,
	    whylen) == -1)
		return NULL;
	if (asprintf(&url, "https://%s", host) == -1)
		return NULL;
	return url;
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

/* The container agent's variables are set. */
static int
container_env(void)
{
	return util_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL ||
	    util_env("AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL;
}

/* The container agent's URL, from the environment. 0, or -1 (printed). */
static int
container_url(struct creds *c)
{
	const char	*rel, *full;
	const char	*h;
	static const char *const local[] = { "127.", "localhost", "[::1]",
	    "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", NULL };
	size_t		 i;

	rel = util_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	full = util_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel != NULL) {
		if (asprintf(&c->url, "%s%s", CONTAINER_HOST, rel) == -1) {
			c->url = NULL;
			msg_oom();
			return -1;
		}
		return 0;
	}
	if (strncasecmp(full, "http://", 7) == 0) {
		/* Plain HTTP only to this host or the container agent. */
		h = full + 7;
		for (i = 0; local[i] != NULL; i++)
			if (strncmp(h, local[i], strlen(local[i])) == 0)
				break;
		if (local[i] == NULL) {
			msg_warn("AWS_CONTAINER_CREDENTIALS_FULL_URI: plain "
			    "http only to a loopback address or the container "
			    "agent");
			return -1;
		}
	} else if (strncasecmp(full, "https://", 8) != 0) {
		msg_warn("AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) "
		    "URL");
		return -1;
	}
	if ((c->url = strdup(full)) == NULL) {
		msg_oom();
		return -1;
	}
	return 0;
}

/* The instance metadata service's URL, without trailing slashes. 0 or -1. */
static int
imds_url(struct creds *c)
{
	const char	*v = util_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	size_t		 len;

	if ((c->url = strdup(v != NULL ? v : IMDS_DEFAULT)) == NULL)
		return -1;
	len = strlen(c->url);
	while (len > 0 && c->url[len - 1] == '/')
		c->url[--len] = '\0';
	return 0;
}

/* The keys of a profile that say where credentials come from. */
enum { P_ROLE, P_SOURCE, P_CSOURCE, P_EXTID, P_DURATION, P_SESSION,
	P_PROCESS, P_WEBTOKEN, P_N };
static const struct ini_kv profile_keys[P_N] = {
	{ "role_arn", NULL }, { "source_profile", NULL },
	{ "credential_source", NULL }, { "external_id", NULL },
	{ "duration_seconds", NULL }, { "role_session_name", NULL },
	{ "credential_process", NULL }, { "web_identity_token_file", NULL },
};

static int build_profile(const struct creds_options *, const char *,
    struct creds **, int);

/* A role's own settings from its profile. 0, or -1 (printed). */
static int
role_settings(struct creds *c, const struct creds_options *opt,
    const char *profile, const struct ini_kv *kv)
{
	long	d;

	if ((c->role_arn = strdup(kv[P_ROLE].value)) == NULL ||
	    session_name(c, kv[P_SESSION].value) == -1 ||
	    sts_endpoint(c, opt) == -1 ||
	    (kv[P_EXTID].value != NULL &&
	    (c->external_id = strdup(kv[P_EXTID].value)) == NULL)) {
		msg_oom();
		return -1;
	}
	if (kv[P_DURATION].value != NULL) {
		if (util_parse_long(kv[P_DURATION].value, STS_DURATION_MIN,
		    STS_DURATION_MAX, &d) == -1) {
			msg_warn("profile %s: duration_seconds must be from %d "
			    "to %d", profile, STS_DURATION_MIN,
			    STS_DURATION_MAX);
			return -1;
		}
		c->duration = (int)d;
	}
	return 0;
}

/*
 * source_profile's keys, for a role of profile: a profile that is its own
 * source (or a chain too deep) gives its own static keys. Into *srcp,
 * which the caller frees, also on failure. 0, or -1 (printed).
 */
static int
source_profile(const struct creds_options *opt, const char *profile,
    const char *name, int depth, struct creds **srcp)
{
	struct creds_options	sopt = *opt;
	int			rc;

	sopt.cli_profile = name;
	if (strcmp(name, profile) != 0 && depth < CREDS_ROLE_DEPTH) {
		if ((rc = build_profile(&sopt, name, srcp, depth + 1)) == 0)
			msg_warn("source_profile %s has no credentials", name);
		return rc == 1 ? 0 : -1;
	}
	if ((*srcp = creds_alloc(CK_STATIC, opt)) == NULL) {
		msg_oom();
		return -1;
	}
	if ((rc = ini_find_credentials_in(name, INI_FROM_FILES,
	    &(*srcp)->keys)) != 1) {
		if (rc == 0)
			msg_warn("profile %s has no keys", name);
		return -1;
	}
	return 0;
}

/*
 * credential_source's keys, for a role of profile: Environment,
 * EcsContainer or Ec2InstanceMetadata. Into *srcp, which the caller
 * frees, also on failure. 0, or -1 (printed).
 */
static int
credential_source(const struct creds_options *opt, const char *profile,
    const char *cs, struct creds **srcp)
{
	enum creds_kind	 kind;
	struct creds	*src;

	if (strcmp(cs, "Environment") == 0)
		kind = CK_STATIC;
	else if (strcmp(cs, "EcsContainer") == 0)
		kind = CK_CONTAINER;
	else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
		kind = CK_IMDS;
	else {
		msg_warn("profile %s: role_arn needs source_profile or "
		    "credential_source (Environment, Ec2InstanceMetadata, "
		    "EcsContainer)", profile);
		return -1;
	}
	if ((src = *srcp = creds_alloc(kind, opt)) == NULL) {
		msg_oom();
		return -1;
	}
	switch (kind) {
	case CK_STATIC:
		if (ini_find_credentials_in(NULL, INI_FROM_ENV,
		    &src->keys) != 1) {
			msg_warn("profile %s: credential_source Environment, "
			    "but no keys in the environment", profile);
			return -1;
		}
		return 0;
	case CK_CONTAINER:
		if (!container_env()) {
			msg_warn("profile %s: credential_source EcsContainer, "
			    "but no AWS_CONTAINER_CREDENTIALS_*_URI", profile);
			return -1;
		}
		return container_url(src) == -1 ||
		    fetch_container(src) == -1 ? -1 : 0;
	default:
		if (imds_url(src) == -1) {
			msg_oom();
			return -1;
		}
		return fetch_imds(src, 0) != 0 ? -1 : 0;
	}
}

/* A role profile: its source, then the first AssumeRole. 1 or -1. */
static int
build_role(const struct creds_options *opt, const char *profile,
    const struct ini_kv *kv, struct creds **cp, int depth)
{
	struct creds	*c = NULL;
	size_t		 len;
	int		 n, rc, ret = -1;

	if ((c = creds_alloc(CK_ROLE, opt)) == NULL) {
		msg_oom();
		goto out;
	}
	if (role_settings(c, opt, profile, kv) == -1)
		goto out;
	if (kv[P_SOURCE].value != NULL && kv[P_CSOURCE].value != NULL) {
		msg_warn("profile %s has both source_profile and "
		    "credential_source", profile);
		goto out;
	}
	if (kv[P_SOURCE].value != NULL)
		rc = source_profile(opt, profile, kv[P_SOURCE].value, depth,
		    &c->source);
	else
		rc = credential_source(opt, profile, kv[P_CSOURCE].value !=
		    NULL ? kv[P_CSOURCE].value : "", &c->source);
	if (rc == -1 || fetch_sts(c) == -1)
		goto out;
	set_source(c, "AssumeRole ", c->role_arn, "");
	len = strlen(c->keys.source);
	n = snprintf(c->keys.source + len, sizeof(c->keys.source) - len,
	    " (profile %s)", profile);
	if (n < 0)	/* a name cut short is still a name; an error is not */
		c->keys.source[0] = '\0';
	*cp = c;
	c = NULL;
	ret = 1;
out:
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
			msg_oom();
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
	struct ini_kv	 kv[P_N];
	struct creds	*c = NULL;
	int		 ret = -1;

	memcpy(kv, profile_keys, sizeof(kv));
	if (ini_profile(profile, kv, P_N) == -1)
		goto out;
	if (kv[P_ROLE].value != NULL) {
		ret = build_role(opt, profile, kv, cp, depth);
		goto out;
	}
	if ((c = creds_alloc(CK_STATIC, opt)) == NULL) {
		msg_oom();
		goto out;
	}
	if ((ret = profile_own(profile, profile, kv[P_PROCESS].value, c)) ==
	    1) {
		*cp = c;
		c = NULL;
	}
out:
	ini_kv_clear(kv, P_N);
	creds_free(c);
	return ret;
}

/* AssumeRoleWithWebIdentity with the token in file. 1, or -1 (printed). */
static int
web_identity(struct creds *c, const struct creds_options *opt,
    const char *file, const char *arn, const char *session)
{
	c->kind = CK_WEBID;
	if ((c->token_file = strdup(file)) == NULL ||
	    (c->role_arn = strdup(arn)) == NULL ||
	    session_name(c, session) == -1 || sts_endpoint(c, opt) == -1) {
		msg_oom();
		return -1;
	}
	if (fetch_sts(c) == -1)
		return -1;
	set_source(c, "AssumeRoleWithWebIdentity ", c->role_arn, "");
	return 1;
}

/* The container agent's keys. 1, or -1 (printed). */
static int
from_container(struct creds *c)
{
	char	shown[HTTP_URL_SHOWN_MAX];

	c->kind = CK_CONTAINER;
	if (container_url(c) == -1 || fetch_container(c) == -1)
		return -1;
	set_source(c, "container credentials ",
	    http_url_mask(c->url, shown, sizeof(shown)), "");
	return 1;
}

/* The instance's keys, unless turned off. 1, 0 none, -1 (printed). */
static int
from_imds(struct creds *c)
{
	const char	*v = util_env("AWS_EC2_METADATA_DISABLED");
	int		 rc;

	if (v != NULL && strcasecmp(v, "true") == 0)
		return 0;
	c->kind = CK_IMDS;
	if (imds_url(c) == -1) {
		msg_oom();
		return -1;
	}
	if ((rc = fetch_imds(c, 1)) != 0)
		return rc == 1 ? 0 : -1;
	return 1;
}

/*
 * The chain, first match wins, into c; a role profile's credentials go
 * to *role instead. kv receives the profile's keys (the caller clears
 * them). 1, 0 none anywhere, -1 error (printed).
 */
static int
chain(const struct creds_options *opt, struct ini_kv *kv, struct creds *c,
    struct creds **role)
{
	const char	*profile = ini_profile_name(opt->cli_profile);
	const char	*v, *arn;
	int		 rc;

	/* 1. The environment, unless --profile. */
	if ((rc = ini_find_credentials_in(opt->cli_profile, INI_FROM_ENV,
	    &c->keys)) != 0)
		return rc;
	/* 2. A role in the profile: web identity, or assumed from a source. */
	if (ini_profile(opt->cli_profile, kv, P_N) == -1)
		return -1;
	if (kv[P_ROLE].value != NULL && kv[P_WEBTOKEN].value != NULL &&
	    kv[P_SOURCE].value == NULL && kv[P_CSOURCE].value == NULL)
		return web_identity(c, opt, kv[P_WEBTOKEN].value,
		    kv[P_ROLE].value, kv[P_SESSION].value);
	if (kv[P_ROLE].value != NULL)
		return build_role(opt, profile, kv, role, 0);
	/* 3. Web identity from the environment. */
	if ((v = util_env("AWS_WEB_IDENTITY_TOKEN_FILE")) != NULL &&
	    (arn = util_env("AWS_ROLE_ARN")) != NULL)
		return web_identity(c, opt, v, arn,
		    util_env("AWS_ROLE_SESSION_NAME"));
	/*
	 * 4. Keys in the shared credentials file, 5. credential_process,
	 * 6. keys in the config file: botocore's order.
	 */
	if ((rc = profile_own(opt->cli_profile, profile, kv[P_PROCESS].value,
	    c)) != 0)
		return rc;
	/* 7. boto's files. */
	if ((rc = ini_find_credentials_in(opt->cli_profile, INI_FROM_BOTO,
	    &c->keys)) != 0)
		return rc;
	/* 8. The container's agent. */
	if (container_env())
		return from_container(c);
	/* 9. EC2 instance metadata. */
	return from_imds(c);
}

int
creds_find(const struct creds_options *opt, struct creds **cp,
    struct aws_creds *out, time_t *expires)
{
	struct ini_kv	 kv[P_N];
	struct creds	*c = NULL, *role = NULL, **found;
	int		 ret = -1;

	memcpy(kv, profile_keys, sizeof(kv));
	*cp = NULL;
	*expires = 0;
	memset(out, 0, sizeof(*out));
	if ((c = creds_alloc(CK_STATIC, opt)) == NULL) {
		msg_oom();
		goto out;
	}
	if ((ret = chain(opt, kv, c, &role)) != 1)
		goto out;
	found = role != NULL ? &role : &c;
	if (keys_dup(&(*found)->keys, &out->access_key, &out->secret_key,
	    &out->session_token) == -1) {
		ret = -1;
		goto out;
	}
	memcpy(out->source, (*found)->keys.source, sizeof(out->source));
	*expires = (*found)->expires;
	*cp = *found;
	*found = NULL;
out:
	ini_kv_clear(kv, P_N);
	creds_free(role);
	creds_free(c);
	return ret;
}
