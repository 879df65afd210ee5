/*
 * sigv4_cli.c - sign requests read from stdin, for test_sigv4_diff.py to
 * compare with botocore.
 *
 * Input: blocks of lines "keyword<TAB>field[<TAB>field]", ending with a line
 * "end". Fields are escaped: \\ \t \n \r and \xHH (any byte may be
 * written so); everything else stands for itself.
 *   case ID		names the block in the output
 *   when SECONDS	the request time, seconds since the epoch
 *   method M		host H
 *   bucket B / key K	path = "/" B "/" uri_encode(K, keep '/'), as s3.c
 *			builds it; or
 *   path P		the path as sent
 *   param N V		a query parameter, raw; encoded strictly, in order
 *   rawquery Q		the query as sent (instead of param lines)
 *   header N V		an extra header, signed in order
 *   body B		the payload (its SHA-256 is signed)
 *   akid A / secret S / token T (optional) / region R / service S
 * The signed headers are host, the extra headers, x-amz-content-sha256,
 * x-amz-date and, with a token, x-amz-security-token: what s3.c sends.
 *
 * Output per block, fields escaped the same way:
 *   case ID / path P / query Q / creq C / sts S / authz A
 * Exit status 1 on malformed input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigv4.h"
#include "util.h"

#define MAX_LINE	(1024 * 1024)
#define MAX_HEADERS	64
#define MAX_PARAMS	64
#define MAX_FIELDS	3

struct field {
	char	*s;
	size_t	 len;
};

struct block {
	char			*id;
	char			*method, *host, *bucket, *key, *path;
	char			*rawquery, *body, *akid, *secret, *token;
	char			*region, *service;
	size_t			 bodylen, keylen;
	time_t			 when;
	int			 have_when;
	struct field		 pn[MAX_PARAMS], pv[MAX_PARAMS];
	size_t			 np;
	struct sigv4_header	 h[MAX_HEADERS];
	size_t			 nh;
};

/* Unescape in place; -1 on a bad escape. */
static int
unescape(char *s, size_t *lenp)
{
	size_t	 i, o = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] != '\\') {
			s[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case '\\':
			s[o++] = '\\';
			break;
		case 't':
			s[o++] = '\t';
			break;
		case 'n':
			s[o++] = '\n';
			break;
		case 'r':
			s[o++] = '\r';
			break;
		case 'x':
			if (util_hexval(s[i + 1]) < 0 ||
			    util_hexval(s[i + 2]) < 0)
				return -1;
			s[o++] = (char)(util_hexval(s[i + 1]) << 4 |
			    util_hexval(s[i + 2]));
			i += 2;
			break;
		default:
			return -1;
		}
	}
	s[o] = '\0';
	*lenp = o;
	return 0;
}

/* Print len bytes escaped: printable ASCII as is, the rest as escapes. */
static void
put_escaped(const char *kw, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i;

	fputs(kw, stdout);
	putchar('\t');
	for (i = 0; i < len; i++) {
		if (u[i] == '\\')
			fputs("\\\\", stdout);
		else if (u[i] == '\t')
			fputs("\\t", stdout);
		else if (u[i] == '\n')
			fputs("\\n", stdout);
		else if (u[i] == '\r')
			fputs("\\r", stdout);
		else if (u[i] < 0x20 || u[i] >= 0x7f)
			printf("\\x%02x", u[i]);
		else
			putchar(u[i]);
	}
	putchar('\n');
}

static void
put_str(const char *kw, const char *s)
{
	put_escaped(kw, s, strlen(s));
}

static void
block_free(struct block *b)
{
	size_t	 i;

	free(b->id);
	free(b->method);
	free(b->host);
	free(b->bucket);
	free(b->key);
	free(b->path);
	free(b->rawquery);
	free(b->body);
	free(b->akid);
	free(b->secret);
	free(b->token);
	free(b->region);
	free(b->service);
	for (i = 0; i < b->np; i++) {
		free(b->pn[i].s);
		free(b->pv[i].s);
	}
	for (i = 0; i < b->nh; i++) {
		free((char *)b->h[i].name);
		free((char *)b->h[i].value);
	}
	memset(b, 0, sizeof(*b));
}

/* Append n bytes to a string being built; -1 when out of memory. */
static int
append(char **s, size_t *len, const char *add, size_t n)
{
	char	*p;

	if (n > SIZE_MAX - 1 - *len)
		return -1;
	if ((p = realloc(*s, *len + n + 1)) == NULL)
		return -1;
	memcpy(p + *len, add, n);
	*len += n;
	p[*len] = '\0';
	*s = p;
	return 0;
}

/* Build the wire path and query, sign, print. */
static int
sign_block(struct block *b)
{
	struct sigv4_header	 h[MAX_HEADERS + 4];
	struct sigv4_input	 in;
	struct sigv4_output	 out;
	char			 hash[SIGV4_SHA256_HEX_LEN + 1];
	char			 amz[SIGV4_AMZ_DATE_LEN + 1];
	char			*path = NULL, *query = NULL, *enc = NULL;
	size_t			 plen = 0, qlen = 0, i, nh = 0;
	int			 rc = -1;

	memset(&out, 0, sizeof(out));
	if (b->id == NULL || b->method == NULL || b->host == NULL ||
	    !b->have_when || b->akid == NULL || b->secret == NULL ||
	    b->region == NULL || b->service == NULL) {
		fprintf(stderr, "sigv4_cli: block %s incomplete\n",
		    b->id ? b->id : "?");
		goto out;
	}
	if (b->path != NULL) {
		if (append(&path, &plen, b->path, strlen(b->path)) == -1)
			goto out;
	} else if (b->bucket != NULL && b->key != NULL) {
		if ((enc = sigv4_uri_encode(b->key, b->keylen, 1)) == NULL ||
		    append(&path, &plen, "/", 1) == -1 ||
		    append(&path, &plen, b->bucket, strlen(b->bucket)) == -1 ||
		    append(&path, &plen, "/", 1) == -1 ||
		    append(&path, &plen, enc, strlen(enc)) == -1)
			goto out;
	} else {
		fprintf(stderr, "sigv4_cli: block %s has no path\n", b->id);
		goto out;
	}
	if (append(&query, &qlen, "", 0) == -1)
		goto out;
	if (b->rawquery != NULL &&
	    append(&query, &qlen, b->rawquery, strlen(b->rawquery)) == -1)
		goto out;
	for (i = 0; i < b->np; i++) {
		if (i > 0 && append(&query, &qlen, "&", 1) == -1)
			goto out;
		free(enc);
		if ((enc = sigv4_uri_encode(b->pn[i].s, b->pn[i].len, 0)) ==
		    NULL || append(&query, &qlen, enc, strlen(enc)) == -1 ||
		    append(&query, &qlen, "=", 1) == -1)
			goto out;
		free(enc);
		if ((enc = sigv4_uri_encode(b->pv[i].s, b->pv[i].len, 0)) ==
		    NULL || append(&query, &qlen, enc, strlen(enc)) == -1)
			goto out;
	}

	sigv4_sha256_hex(b->body ? b->body : "", b->bodylen, hash);
	sigv4_amz_date(b->when, amz);
	h[nh].name = "host";
	h[nh++].value = b->host;
	for (i = 0; i < b->nh; i++)
		h[nh++] = b->h[i];
	h[nh].name = "x-amz-content-sha256";
	h[nh++].value = hash;
	h[nh].name = "x-amz-date";
	h[nh++].value = amz;
	if (b->token != NULL) {
		h[nh].name = "x-amz-security-token";
		h[nh++].value = b->token;
	}

	memset(&in, 0, sizeof(in));
	in.method = b->method;
	in.path = path;
	in.query = query;
	in.headers = h;
	in.nheaders = nh;
	in.payload_hash = hash;
	in.access_key = b->akid;
	in.secret_key = b->secret;
	in.region = b->region;
	in.service = b->service;
	in.when = b->when;
	if (sigv4_sign(&in, &out) == -1) {
		fprintf(stderr, "sigv4_cli: %s: sigv4_sign failed\n", b->id);
		goto out;
	}
	put_str("case", b->id);
	put_str("path", path);
	put_str("query", query);
	put_str("creq", out.canonical_request);
	put_str("sts", out.string_to_sign);
	put_str("authz", out.authorization);
	rc = 0;
 out:
	sigv4_output_free(&out);
	free(path);
	free(query);
	free(enc);
	return rc;
}

/* Split line into tab-separated, unescaped fields; returns their count. */
static int
split(char *line, struct field *f)
{
	char	*p = line, *t;
	int	 n = 0;

	while (n < MAX_FIELDS) {
		if ((t = strchr(p, '\t')) != NULL)
			*t = '\0';
		f[n].s = p;
		if (unescape(p, &f[n].len) == -1)
			return -1;
		n++;
		if (t == NULL)
			return n;
		p = t + 1;
	}
	return -1;
}

/* Set a single-valued field once; -1 when out of memory or repeated. */
static int
set(char **dst, size_t *lenp, const struct field *f)
{
	if (*dst != NULL)
		return -1;
	if ((*dst = malloc(f->len + 1)) == NULL)
		return -1;
	memcpy(*dst, f->s, f->len + 1);
	if (lenp != NULL)
		*lenp = f->len;
	return 0;
}

static int
set_when(struct block *b, const char *s)
{
	char		*end = NULL;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || b->have_when)
		return -1;
	b->when = (time_t)v;
	b->have_when = 1;
	return 0;
}

static int
take_line(struct block *b, char *line)
{
	struct field	 f[MAX_FIELDS];
	const char	*kw;
	char		*name = NULL, *value = NULL;
	int		 n;

	if ((n = split(line, f)) < 1)
		return -1;
	kw = f[0].s;
	if (n == 2) {
		if (strcmp(kw, "case") == 0)
			return set(&b->id, NULL, &f[1]);
		if (strcmp(kw, "when") == 0)
			return set_when(b, f[1].s);
		if (strcmp(kw, "method") == 0)
			return set(&b->method, NULL, &f[1]);
		if (strcmp(kw, "host") == 0)
			return set(&b->host, NULL, &f[1]);
		if (strcmp(kw, "bucket") == 0)
			return set(&b->bucket, NULL, &f[1]);
		if (strcmp(kw, "key") == 0)
			return set(&b->key, &b->keylen, &f[1]);
		if (strcmp(kw, "path") == 0)
			return set(&b->path, NULL, &f[1]);
		if (strcmp(kw, "rawquery") == 0)
			return set(&b->rawquery, NULL, &f[1]);
		if (strcmp(kw, "body") == 0)
			return set(&b->body, &b->bodylen, &f[1]);
		if (strcmp(kw, "akid") == 0)
			return set(&b->akid, NULL, &f[1]);
		if (strcmp(kw, "secret") == 0)
			return set(&b->secret, NULL, &f[1]);
		if (strcmp(kw, "token") == 0)
			return set(&b->token, NULL, &f[1]);
		if (strcmp(kw, "region") == 0)
			return set(&b->region, NULL, &f[1]);
		if (strcmp(kw, "service") == 0)
			return set(&b->service, NULL, &f[1]);
	} else if (n == 3 && strcmp(kw, "param") == 0) {
		if (b->np == MAX_PARAMS ||
		    set(&b->pn[b->np].s, &b->pn[b->np].len, &f[1]) == -1)
			return -1;
		if (set(&b->pv[b->np].s, &b->pv[b->np].len, &f[2]) == -1) {
			free(b->pn[b->np].s);
			b->pn[b->np].s = NULL;
			return -1;
		}
		b->np++;
		return 0;
	} else if (n == 3 && strcmp(kw, "header") == 0) {
		if (b->nh == MAX_HEADERS || set(&name, NULL, &f[1]) == -1)
			return -1;
		if (set(&value, NULL, &f[2]) == -1) {
			free(name);
			return -1;
		}
		b->h[b->nh].name = name;
		b->h[b->nh].value = value;
		b->nh++;
		return 0;
	}
	return -1;
}

int
main(void)
{
	struct block	 b;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	long		 lineno = 0;
	int		 rc = 1;

	memset(&b, 0, sizeof(b));
	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if (n > MAX_LINE) {
			fprintf(stderr, "sigv4_cli: line %ld too long\n",
			    lineno);
			goto out;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (*line == '\0')
			continue;
		if (strcmp(line, "end") == 0) {
			if (sign_block(&b) == -1)
				goto out;
			block_free(&b);
			continue;
		}
		if (take_line(&b, line) == -1) {
			fprintf(stderr, "sigv4_cli: line %ld: bad input\n",
			    lineno);
			goto out;
		}
	}
	if (ferror(stdin) || b.id != NULL) {
		fprintf(stderr, "sigv4_cli: input %s\n", ferror(stdin) ?
		    "unreadable" : "ends inside a block");
		goto out;
	}
	rc = 0;
 out:
	if (fflush(stdout) == EOF)
		rc = 1;
	block_free(&b);
	free(line);
	return rc;
}
