/* SPDX-License-Identifier: ISC */
/*
 * ini.c - credentials and settings from the AWS CLI's and boto's INI files.
 *
 * Every file is parsed by libinih. Debian builds libinih with a 200-byte
 * line limit, shorter than an STS session token; so the reader hands inih
 * each long value as a short reference into a side table, and the handler
 * swaps the real value back in; a long comment or blank line, as its first
 * character. inih still does all of the parsing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <ini.h>		/* libinih */
#include "ini.h"
#include "msg.h"
#include "util.h"

#define INI_FILE_MAX	(1024 * 1024)	/* larger is not a credentials file */
#define INI_LONG_MARK	'\001'		/* value is a reference into longs[] */
#define INI_SHORT_LINE	160		/* lines longer than this are split */

struct reader {
	const char	*p, *end;	/* the rest of the file */
	char		**longs;	/* values too long for inih's buffer */
	size_t		 nlongs;
	int		 nomem;
};

/*
 * What one read of a file looks for: a section under one name or another
 * (botocore's "default" profile is [default] or [profile default]), and
 * values of the names in kv, kept apart for each.
 */
struct lookup {
	const char	*section[2];	/* [1] another name, or NULL */
	const struct ini_kv *kv;	/* the names wanted */
	size_t		 nkv;
	char		**got[2];	/* nkv values found under each name */
	int		 order[2];	/* 1, 2 by first entry; 0 none */
	int		 seen;
	struct reader	*rd;
	int		 nomem;
};

static int	ini_store_long(struct reader *, const char *, size_t, char *, int);

/* inih's fgets-like reader over the file in memory. */
static char *
read_line(char *buf, int num, void *arg)
{
	struct reader	*rd = arg;
	const char	*nl, *eq;
	size_t		 len, head, n;

	if (rd->p >= rd->end)
		return NULL;
	nl = memchr(rd->p, '\n', rd->end - rd->p);
	len = nl != NULL ? (size_t)(nl - rd->p) + 1 : (size_t)(rd->end - rd->p);
	if (len < INI_SHORT_LINE && len < (size_t)num) {
		memcpy(buf, rd->p, len);
		buf[len] = '\0';
		rd->p += len;
		return buf;
	}
	/*
	 * A long comment or blank line: inih needs no more than its first
	 * character (the rest would be "not a valid INI line", or a value).
	 */
	head = strspn(rd->p, " \t\r");
	if (head >= len || rd->p[head] == '\n' || rd->p[head] == ';' ||
	    rd->p[head] == '#') {
		n = 0;
		if (head < len && rd->p[head] != '\n')
			buf[n++] = rd->p[head];
		memcpy(buf + n, "\n", 2);
		rd->p += len;
		return buf;
	}
	/*
	 * A long line: keep "name =" (or the leading blanks of a continuation
	 * line) and replace the value by a reference.
	 */
	head = strspn(rd->p, " \t");
	eq = memchr(rd->p, '=', len);
	if (eq == NULL || (size_t)(eq - rd->p) + 1 > INI_SHORT_LINE) {
		/*
		 * No short name: let the continuation-line rule handle it.
		 * One blank is as good as many, and the rest must fit in buf
		 * beside the reference.
		 */
		if (head > len)
			head = len;
		if (head >= INI_SHORT_LINE)
			head = INI_SHORT_LINE - 1;
	} else
		head = (size_t)(eq - rd->p) + 1;
	if (ini_store_long(rd, rd->p + head, len - head, buf, num) == -1) {
		rd->nomem = 1;
		return NULL;
	}
	memmove(buf + head, buf, strlen(buf) + 1);
	memcpy(buf, rd->p, head);
	rd->p += len;
	return buf;
}

/*
 * Keep value[0..len) (without its line end and surrounding blanks) in the
 * side table and write its reference "\001N\n" into buf.
 */
static int
ini_store_long(struct reader *rd, const char *value, size_t len, char *buf,
    int num)
{
	char	**nl;
	int	  n;

	while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == '\r' ||
	    value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	while (len > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	nl = reallocarray(rd->longs, rd->nlongs + 1, sizeof(*nl));
	if (nl == NULL)
		return -1;
	rd->longs = nl;
	if ((rd->longs[rd->nlongs] = strndup(value, len)) == NULL)
		return -1;
	n = snprintf(buf, (size_t)num, "%c%zu\n", INI_LONG_MARK, rd->nlongs);
	if (n < 0 || n >= num - INI_SHORT_LINE)
		return -1;
	rd->nlongs++;
	return 0;
}

/*
 * The config file's nested settings, "s3 =" then indented
 * "addressing_style = path": inih hands each indented line over as another
 * value of "s3". For a wanted name "s3.addressing_style", the value of
 * such a line; NULL when it is not one. As botocore: "S3 =" is "s3 =",
 * but the nested names keep their case.
 */
static const char *
nested_value(const char *want, const char *name, const char *value)
{
	const char	*dot = strchr(want, '.'), *eq;
	size_t		 nlen, slen;

	if (dot == NULL || (nlen = (size_t)(dot - want)) != strlen(name) ||
	    strncasecmp(want, name, nlen) != 0 ||
	    (eq = strchr(value, '=')) == NULL)
		return NULL;
	slen = strlen(dot + 1);
	while (*value == ' ' || *value == '\t')
		value++;
	if ((size_t)(eq - value) < slen || strncmp(value, dot + 1, slen) != 0)
		return NULL;
	for (value += slen; value < eq; value++)
		if (*value != ' ' && *value != '\t')
			return NULL;
	for (value = eq + 1; *value == ' ' || *value == '\t'; value++)
		continue;
	return value;
}

static int
on_entry(void *arg, const char *section, const char *name, const char *value)
{
	struct lookup	*lk = arg;
	const char	*v = value, *use;
	char		*copy;
	size_t		 i, w;
	long		 idx;

	for (w = 0; w < 2; w++)
		if (lk->section[w] != NULL && strcmp(section, lk->section[w]) == 0)
			break;
	if (w == 2)
		return 1;
	if (lk->order[w] == 0)
		lk->order[w] = ++lk->seen;
	if (name == NULL)
		return 1;
	if (value[0] == INI_LONG_MARK &&
	    util_parse_long(value + 1, 0, LONG_MAX, &idx) == 0 &&
	    (size_t)idx < lk->rd->nlongs)
		v = lk->rd->longs[idx];
	/* Option names in any case: configparser lower-cases them. */
	for (i = 0; i < lk->nkv; i++) {
		use = strcasecmp(name, lk->kv[i].name) == 0 ? v :
		    nested_value(lk->kv[i].name, name, v);
		if (use == NULL)
			continue;
		if ((copy = strdup(use)) == NULL) {
			lk->nomem = 1;
			return 0;
		}
		util_free_secret(lk->got[w][i]);
		lk->got[w][i] = copy;
	}
	return 1;
}

/* Read a whole (small) file; NULL with errno set on failure. */
static char *
ini_slurp(const char *path, size_t *lenp)
{
	FILE	*f = NULL;
	char	*buf = NULL, *ret = NULL;
	size_t	 len;

	if ((f = fopen(path, "re")) == NULL)
		goto out;
	if ((buf = malloc(INI_FILE_MAX + 1)) == NULL)
		goto out;
	len = fread(buf, 1, INI_FILE_MAX + 1, f);
	if (ferror(f))
		goto out;
	if (len > INI_FILE_MAX) {
		errno = EFBIG;
		goto out;
	}
	buf[len] = '\0';
	*lenp = len;
	ret = buf;
	buf = NULL;
out:
	free(buf);
	if (f != NULL)
		fclose(f);
	return ret;
}

/* Parse the file at path for lk. 0 (also when it is missing), or -1. */
static int
parse_file(const char *path, struct lookup *lk)
{
	struct reader	 rd;
	char		*text = NULL;
	size_t		 len, i;
	int		 rc, ret = -1;

	memset(&rd, 0, sizeof(rd));
	if ((text = ini_slurp(path, &len)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		msg_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	rd.p = text;
	rd.end = text + len;
	lk->rd = &rd;
	rc = ini_parse_stream(read_line, &rd, on_entry, lk);
	if (rd.nomem || lk->nomem) {
		msg_warn("%s: out of memory", path);
		goto out;
	}
	if (rc != 0) {
		msg_warn("%s: line %d: not a valid INI line", path, rc);
		goto out;
	}
	ret = 0;
out:
	/* Long values may be secrets: clear them before freeing. */
	for (i = 0; i < rd.nlongs; i++)
		util_free_secret(rd.longs[i]);
	free(rd.longs);
	explicit_bzero(text, len);
	free(text);
	lk->rd = NULL;
	return ret;
}

/*
 * ini_section, the section also found under alias (NULL: none). When both
 * are there, the one that comes later counts and the other not at all:
 * botocore's profile map keeps the later.
 */
static int
section_read(const char *path, const char *section, const char *alias,
    struct ini_kv *kv, size_t nkv)
{
	struct lookup	lk;
	size_t		i, w;
	int		ret = -1;

	memset(&lk, 0, sizeof(lk));
	lk.section[0] = section;
	lk.section[1] = alias;
	lk.kv = kv;
	lk.nkv = nkv;
	if ((lk.got[0] = calloc(nkv + 1, sizeof(char *))) == NULL ||
	    (lk.got[1] = calloc(nkv + 1, sizeof(char *))) == NULL) {
		msg_oom();
		goto out;
	}
	if (parse_file(path, &lk) == -1)
		goto out;
	w = lk.order[1] > lk.order[0];
	for (i = 0; i < nkv; i++)
		if (lk.got[w][i] != NULL) {
			util_free_secret(kv[i].value);
			kv[i].value = lk.got[w][i];
			lk.got[w][i] = NULL;
		}
	ret = lk.seen > 0;
out:
	for (w = 0; w < 2; w++)
		for (i = 0; lk.got[w] != NULL && i < nkv; i++)
			util_free_secret(lk.got[w][i]);
	free(lk.got[0]);
	free(lk.got[1]);
	return ret;
}

int
ini_section(const char *path, const char *section, struct ini_kv *kv,
    size_t nkv)
{
	return section_read(path, section, NULL, kv, nkv);
}

/*
 * The profile's section of the config file: [profile NAME]; for the
 * default profile [default] or [profile default] (botocore takes both).
 */
static int
config_read(const char *path, const char *profile, struct ini_kv *kv,
    size_t nkv)
{
	char	*section;
	int	 ret;

	if (strcmp(profile, "default") == 0)
		return section_read(path, "default", "profile default", kv,
		    nkv);
	if (asprintf(&section, "profile %s", profile) == -1) {
		msg_oom();
		return -1;
	}
	ret = section_read(path, section, NULL, kv, nkv);
	free(section);
	return ret;
}

void
aws_creds_clear(struct aws_creds *c)
{
	util_free_secret(c->access_key);
	util_free_secret(c->secret_key);
	util_free_secret(c->session_token);
	memset(c, 0, sizeof(*c));
}

void
ini_kv_clear(struct ini_kv *kv, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		util_free_secret(kv[i].value);
		kv[i].value = NULL;
	}
}

void
aws_settings_clear(struct aws_settings *s)
{
	free(s->region);
	free(s->endpoint_url);
	free(s->sqs_endpoint_url);
	free(s->cloudtrail_endpoint_url);
	free(s->addressing_style);
	free(s->ca_bundle);
	free(s->max_attempts);
	free(s->retry_mode);
	memset(s, 0, sizeof(*s));
}

/* $HOME/rest, or NULL when HOME is not set. */
static char *
home_path(const char *rest)
{
	const char	*home = util_env("HOME");
	char		*p;

	if (home == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s", home, rest) == -1)
		return NULL;
	return p;
}

static char *
file_from_env(const char *var, const char *home_rest)
{
	const char	*v = util_env(var);

	return v != NULL ? strdup(v) : home_path(home_rest);
}

static const char *
profile_name(const char *cli_profile)
{
	const char	*p;

	if (cli_profile != NULL)
		return cli_profile;
	if ((p = util_env("AWS_PROFILE")) != NULL)
		return p;
	if ((p = util_env("AWS_DEFAULT_PROFILE")) != NULL)
		return p;
	return "default";
}

/* A file that holds a secret key should be for its owner's eyes only. */
static void
warn_readable(const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) == 0 && (sb.st_mode & (S_IRGRP | S_IROTH)) != 0)
		msg_warn("warning: %s holds credentials and is readable by %s "
		    "(mode %04o); chmod 600 it", path,
		    (sb.st_mode & S_IROTH) != 0 ? "others" : "its group",
		    (unsigned)(sb.st_mode & 07777));
}

/*
 * Move a complete key pair out of kv[0..2] into out. Returns 1 when both
 * keys are there, 0 otherwise.
 */
static int
take_keys(struct ini_kv kv[3], struct aws_creds *out, const char *what,
    const char *where)
{
	int	n;

	if (kv[0].value == NULL || kv[1].value == NULL ||
	    kv[0].value[0] == '\0' || kv[1].value[0] == '\0')
		return 0;
	out->access_key = kv[0].value;
	out->secret_key = kv[1].value;
	out->session_token = kv[2].value;
	kv[0].value = kv[1].value = kv[2].value = NULL;
	n = snprintf(out->source, sizeof(out->source), "%s %s", what, where);
	if (n < 0 || (size_t)n >= sizeof(out->source))
		out->source[sizeof(out->source) - 1] = '\0';
	warn_readable(what);
	return 1;
}

int
ini_find_credentials(const char *cli_profile, struct aws_creds *out)
{
	return ini_find_credentials_in(cli_profile, INI_FROM_ENV |
	    INI_FROM_FILES | INI_FROM_BOTO, out);
}

/* AWS_ACCESS_KEY_ID and friends: 1 when both keys are set, 0, -1. */
static int
creds_from_env(struct aws_creds *out)
{
	const char	*ak = util_env("AWS_ACCESS_KEY_ID");
	const char	*sk = util_env("AWS_SECRET_ACCESS_KEY");
	const char	*tok;
	int		 n;

	if (ak == NULL || sk == NULL)
		return 0;
	if ((tok = util_env("AWS_SESSION_TOKEN")) == NULL)
		tok = util_env("AWS_SECURITY_TOKEN");
	if ((out->access_key = strdup(ak)) == NULL ||
	    (out->secret_key = strdup(sk)) == NULL ||
	    (tok != NULL && (out->session_token = strdup(tok)) == NULL)) {
		msg_oom();
		aws_creds_clear(out);
		return -1;
	}
	n = snprintf(out->source, sizeof(out->source), "environment");
	(void)n;	/* it fits */
	return 1;
}

/*
 * The profile's keys in the shared credentials file (INI_FROM_CREDFILE),
 * then in the config file (INI_FROM_CONFIG); botocore puts
 * credential_process between the two (creds.c). Both files are read for a
 * named profile that is nowhere, an error. 1, 0 or -1.
 */
static int
creds_from_files(const char *profile, unsigned what, struct aws_creds *out)
{
	struct ini_kv	 kv[3] = {
		{ "aws_access_key_id", NULL },
		{ "aws_secret_access_key", NULL },
		{ "aws_session_token", NULL },
	};
	char		*credfile = NULL, *cfgfile = NULL, where[96];
	int		 seen = 0, r, n, ret = -1;

	n = snprintf(where, sizeof(where), "[%s]", profile);
	if (n < 0 || (size_t)n >= sizeof(where))
		where[sizeof(where) - 1] = '\0';
	credfile = file_from_env("AWS_SHARED_CREDENTIALS_FILE",
	    ".aws/credentials");
	if (credfile != NULL) {
		if ((r = ini_section(credfile, profile, kv, 3)) == -1)
			goto out;
		seen |= r;
		if ((what & INI_FROM_CREDFILE) &&
		    take_keys(kv, out, credfile, where)) {
			ret = 1;
			goto out;
		}
	}
	ret = 0;
	if (!(what & INI_FROM_CONFIG))
		goto out;
	ret = -1;
	ini_kv_clear(kv, 3);
	cfgfile = file_from_env("AWS_CONFIG_FILE", ".aws/config");
	if (cfgfile != NULL) {
		if ((r = config_read(cfgfile, profile, kv, 3)) == -1)
			goto out;
		seen |= r;
		if (take_keys(kv, out, cfgfile, where)) {
			ret = 1;
			goto out;
		}
	}
	if (!seen && strcmp(profile, "default") != 0) {
		msg_warn("profile \"%s\" not found in %s or %s", profile,
		    credfile ? credfile : "~/.aws/credentials",
		    cfgfile ? cfgfile : "~/.aws/config");
		goto out;
	}
	ret = 0;
out:
	ini_kv_clear(kv, 3);
	free(credfile);
	free(cfgfile);
	return ret;
}

/*
 * boto's [Credentials]: BOTO_CONFIG alone when set, else /etc/boto.cfg
 * then ~/.boto, the later overriding the earlier. 1, 0 or -1.
 */
static int
creds_from_boto(struct aws_creds *out)
{
	struct ini_kv	 kv[3] = {
		{ "aws_access_key_id", NULL },
		{ "aws_secret_access_key", NULL },
		{ "aws_security_token", NULL },
	};
	const char	*file = util_env("BOTO_CONFIG");
	char		*home = NULL;
	int		 ret = -1;

	if (file != NULL) {
		if (ini_section(file, "Credentials", kv, 3) == -1)
			goto out;
	} else {
		file = "/etc/boto.cfg";
		if (ini_section(file, "Credentials", kv, 3) == -1)
			goto out;
		if ((home = home_path(".boto")) != NULL) {
			file = home;
			if (ini_section(file, "Credentials", kv, 3) == -1)
				goto out;
		}
	}
	ret = take_keys(kv, out, file, "[Credentials]");
out:
	ini_kv_clear(kv, 3);
	free(home);
	return ret;
}

int
ini_find_credentials_in(const char *cli_profile, unsigned what,
    struct aws_creds *out)
{
	int	rc;

	memset(out, 0, sizeof(*out));
	/* 1. The environment; a profile named on the command line wins. */
	if ((what & INI_FROM_ENV) && cli_profile == NULL &&
	    (rc = creds_from_env(out)) != 0)
		return rc;
	/* 2. The shared credentials file, then the config file. */
	if ((what & INI_FROM_FILES) && (rc = creds_from_files(
	    profile_name(cli_profile), what, out)) != 0)
		return rc;
	/* 3. boto's files. */
	if (what & INI_FROM_BOTO)
		return creds_from_boto(out);
	return 0;
}

int
ini_profile(const char *cli_profile, struct ini_kv *kv, size_t nkv)
{
	const char	*profile = profile_name(cli_profile);
	char		*credfile = NULL, *cfgfile = NULL;
	int		 r, seen = 0, ret = -1;

	/* The config file, then the credentials file: the latter wins. */
	cfgfile = file_from_env("AWS_CONFIG_FILE", ".aws/config");
	if (cfgfile != NULL) {
		if ((r = config_read(cfgfile, profile, kv, nkv)) == -1)
			goto out;
		seen |= r;
	}
	credfile = file_from_env("AWS_SHARED_CREDENTIALS_FILE",
	    ".aws/credentials");
	if (credfile != NULL) {
		if ((r = ini_section(credfile, profile, kv, nkv)) == -1)
			goto out;
		seen |= r;
	}
	ret = seen;
out:
	free(credfile);
	free(cfgfile);
	return ret;
}

const char *
ini_profile_name(const char *cli_profile)
{
	return profile_name(cli_profile);
}

/* An environment variable, else the file's value (taken from kv). */
static char *
env_or_kv(const char *var, struct ini_kv *kv, int *nomem)
{
	const char	*v;
	char		*r;

	if (var != NULL && (v = util_env(var)) != NULL) {
		if ((r = strdup(v)) == NULL)
			*nomem = 1;
		return r;
	}
	if (kv->value == NULL || kv->value[0] == '\0')
		return NULL;
	r = kv->value;
	kv->value = NULL;
	return r;
}

int
ini_find_settings(const char *cli_profile, struct aws_settings *out)
{
	enum { K_REGION, K_ENDPOINT, K_STYLE, K_CA, K_ATTEMPTS, K_MODE, K_N };
	struct ini_kv	 kv[K_N] = {
		{ "region", NULL },
		{ "endpoint_url", NULL },
		{ "s3.addressing_style", NULL },
		{ "ca_bundle", NULL },
		{ "max_attempts", NULL },
		{ "retry_mode", NULL },
	};
	const char	*v;
	char		*cfgfile = NULL;
	int		 ret = -1, nomem = 0;

	memset(out, 0, sizeof(*out));
	cfgfile = file_from_env("AWS_CONFIG_FILE", ".aws/config");
	if (cfgfile != NULL && config_read(cfgfile, profile_name(cli_profile),
	    kv, K_N) == -1)
		goto out;

	if ((v = util_env("AWS_REGION")) != NULL) {
		if ((out->region = strdup(v)) == NULL)
			nomem = 1;
	} else
		out->region = env_or_kv("AWS_DEFAULT_REGION", &kv[K_REGION],
		    &nomem);
	/* SQS's: its own variable, else what every service takes. */
	if (((v = util_env("AWS_ENDPOINT_URL_SQS")) != NULL ||
	    (v = util_env("AWS_ENDPOINT_URL")) != NULL ||
	    ((v = kv[K_ENDPOINT].value) != NULL && *v != '\0')) &&
	    (out->sqs_endpoint_url = strdup(v)) == NULL)
		nomem = 1;
	if (((v = util_env("AWS_ENDPOINT_URL_CLOUDTRAIL")) != NULL ||
	    (v = util_env("AWS_ENDPOINT_URL")) != NULL ||
	    ((v = kv[K_ENDPOINT].value) != NULL && *v != '\0')) &&
	    (out->cloudtrail_endpoint_url = strdup(v)) == NULL)
		nomem = 1;
	if ((v = util_env("AWS_ENDPOINT_URL_S3")) != NULL) {
		if ((out->endpoint_url = strdup(v)) == NULL)
			nomem = 1;
	} else
		out->endpoint_url = env_or_kv("AWS_ENDPOINT_URL",
		    &kv[K_ENDPOINT], &nomem);
	out->addressing_style = env_or_kv(NULL, &kv[K_STYLE], &nomem);
	out->ca_bundle = env_or_kv("AWS_CA_BUNDLE", &kv[K_CA], &nomem);
	out->max_attempts = env_or_kv("AWS_MAX_ATTEMPTS", &kv[K_ATTEMPTS],
	    &nomem);
	out->retry_mode = env_or_kv("AWS_RETRY_MODE", &kv[K_MODE], &nomem);
	if (nomem) {
		msg_oom();
		goto out;
	}
	ret = 0;
out:
	ini_kv_clear(kv, K_N);
	free(cfgfile);
	return ret;
}
