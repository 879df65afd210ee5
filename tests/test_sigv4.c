/* SPDX-License-Identifier: ISC */
/*
 * test_sigv4.c - sigv4.c against the AWS SigV4 test suite (every case
 * under the generic rules, and under S3's), the S3 API Reference's worked
 * examples (both read at run time from tests/data/sigv4, a copy of the
 * project's shared/sigv4, or from $SHARED/sigv4 when that exists) and unit
 * cases for both sets of encoding rules.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sigv4.h"
#include "util.h"
#include "unit.h"
#include "util.h"

#define MAX_FILE	(1024 * 1024)	/* test files are a few hundred bytes */
#define MAX_HEADERS	32
#define MAX_LINES	64
#define MAX_EXAMPLES	16
#define MAX_ENTRIES	128

/* The test suite's inputs, from its README. */
#define TS_AKID		"AKIDEXAMPLE"
#define TS_SECRET	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TS_REGION	"us-east-1"
#define TS_SERVICE	"service"
/* The S3 examples' inputs, from the comment at the top of their file. */
#define S3_AKID		"AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/*
 * Every case of the suite; one that disappears from the directory is a
 * failure, not a smaller test.
 */
static const char *const ts_expected[] = {
	"get-header-key-duplicate", "get-header-value-multiline",
	"get-header-value-order", "get-header-value-trim", "get-unreserved",
	"get-utf8", "get-vanilla", "get-vanilla-empty-query-key",
	"get-vanilla-query", "get-vanilla-query-order-encoded",
	"get-vanilla-query-order-key", "get-vanilla-query-order-key-case",
	"get-vanilla-query-order-value", "get-vanilla-query-unreserved",
	"get-vanilla-utf8-query", "get-vanilla-with-session-token",
	"post-header-key-case", "post-header-key-sort",
	"post-header-value-case", "post-sts-header-after",
	"post-sts-header-before", "post-vanilla",
	"post-vanilla-empty-query-value", "post-vanilla-query",
	"post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
	"get-relative", "get-relative-relative", "get-slash",
	"get-slash-dot-slash", "get-slash-pointless-dot", "get-slashes",
	"get-space", "get-special-character",
};
#define TS_NEXPECTED	(sizeof(ts_expected) / sizeof(ts_expected[0]))
/* Seen under each rule set: [0] S3, [1] generic. */
static int ts_seen[2][TS_NEXPECTED];

/*
 * The suite is written for the generic algorithm, which removes "." and
 * ".." segments and folds "//": under SIGV4_RULES_GENERIC every case must
 * give the suite's canonical request, string to sign and Authorization.
 * S3 does neither: its canonical URI is the path as sent (an object key may
 * well contain "//" or ".."), so under SIGV4_RULES_S3 these cases assert
 * the S3 URI instead and that every other line of the canonical request is
 * the suite's.
 */
static const struct {
	const char	*name;
	const char	*s3_uri;
} ts_s3_uri[] = {
	{ "get-relative",		"/example/.." },
	{ "get-relative-relative",	"/example1/example2/../.." },
	{ "get-slash",			"//" },
	{ "get-slash-dot-slash",	"/./" },
	{ "get-slash-pointless-dot",	"/./example" },
	{ "get-slashes",		"//example//" },
};

struct req {
	char			*text;
	const char		*method;
	const char		*path;
	const char		*query;
	struct sigv4_header	 h[MAX_HEADERS];
	size_t			 nh;
	const char		*body;
	size_t			 bodylen;
};

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *
read_file(const char *path, size_t *lenp)
{
	FILE	*f = NULL;
	char	*p = NULL;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if ((p = malloc(MAX_FILE + 1)) == NULL)
		goto out;
	n = fread(p, 1, MAX_FILE + 1, f);
	if (ferror(f) || n > MAX_FILE) {
		fprintf(stderr, "%s: unreadable or too large\n", path);
		free(p);
		p = NULL;
		goto out;
	}
	p[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
 out:
	fclose(f);
	return p;
}

/* $SHARED/sigv4 when there is one, else the copy in tests/data. */
static const char *
sigv4_dir(void)
{
	static char	 dir[4096];
	const char	*s;
	struct stat	 st;
	int		 n;

	if ((s = getenv("SHARED")) != NULL && *s != '\0') {
		n = snprintf(dir, sizeof(dir), "%s/sigv4", s);
		if (n > 0 && (size_t)n < sizeof(dir) && stat(dir, &st) == 0)
			return dir;
	}
	return "tests/data/sigv4";
}

/*
 * Parse an HTTP request as the suite writes it: request line, headers (a
 * line starting with white space continues the previous value; its newline
 * is kept so sigv4 has to fold it), a blank line, then the body.
 */
static int
parse_req(char *text, struct req *r)
{
	char	*p, *e, *sp, *q, *colon;
	char	*prev_end = NULL;

	memset(r, 0, sizeof(*r));
	r->text = text;
	r->body = "";
	if ((e = strchr(text, '\n')) != NULL)
		*e = '\0';
	/* The path may hold spaces (get-space): split at first and last. */
	if ((sp = strchr(text, ' ')) == NULL ||
	    (q = strrchr(text, ' ')) == sp)
		return -1;
	*sp = '\0';
	*q = '\0';
	r->method = text;
	r->path = sp + 1;
	if ((q = strchr(sp + 1, '?')) != NULL) {
		*q = '\0';
		r->query = q + 1;
	}
	for (p = e == NULL ? NULL : e + 1; p != NULL; p = e == NULL ? NULL :
	    e + 1) {
		if ((e = strchr(p, '\n')) != NULL)
			*e = '\0';
		if (*p == '\0') {
			if (e != NULL) {
				r->body = e + 1;
				r->bodylen = strlen(e + 1);
			}
			break;
		}
		if ((*p == ' ' || *p == '\t') && prev_end != NULL) {
			*prev_end = '\n';
			prev_end = e;
			continue;
		}
		if ((colon = strchr(p, ':')) == NULL || r->nh == MAX_HEADERS)
			return -1;
		*colon = '\0';
		r->h[r->nh].name = p;
		r->h[r->nh].value = colon + 1;
		r->nh++;
		prev_end = e;
	}
	return 0;
}

static const char *
req_header(const struct req *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}

/* Line k (from 0) of s, malloc'd; NULL past the end. */
static char *
nth_line(const char *s, int k)
{
	const char	*e;

	for (; k > 0; k--) {
		if ((s = strchr(s, '\n')) == NULL)
			return NULL;
		s++;
	}
	e = strchr(s, '\n');
	return strndup(s, e == NULL ? strlen(s) : (size_t)(e - s));
}

/* Everything after line k of s (from 0), without its newline; "" if none. */
static const char *
after_line(const char *s, int k)
{
	for (; k >= 0; k--) {
		if ((s = strchr(s, '\n')) == NULL)
			return "";
		s++;
	}
	return s;
}

/* The .creq's SignedHeaders line: the next to last one. */
static int
creq_signs(const char *creq, const char *lname)
{
	const char	*last, *p;
	char		*line = NULL;
	int		 n = 0, found = 0;
	size_t		 len = strlen(lname);

	for (p = creq; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	if (n < 1 || (line = nth_line(creq, n - 1)) == NULL)
		return 0;
	for (last = line; last != NULL; last = p == NULL ? NULL : p + 1) {
		p = strchr(last, ';');
		if ((p == NULL ? strlen(last) : (size_t)(p - last)) == len &&
		    strncmp(last, lname, len) == 0)
			found = 1;
	}
	free(line);
	return found;
}

static time_t
parse_amz_date(const char *s)
{
	struct tm	 tm;
	const char	*e;

	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(s, "%Y%m%dT%H%M%SZ", &tm)) == NULL || *e != '\0')
		return (time_t)-1;
	return timegm(&tm);
}

static int
s3_uri_for(const char *name, const char **uri)
{
	size_t	 i;

	for (i = 0; i < sizeof(ts_s3_uri) / sizeof(ts_s3_uri[0]); i++)
		if (strcmp(ts_s3_uri[i].name, name) == 0) {
			*uri = ts_s3_uri[i].s3_uri;
			return 1;
		}
	return 0;
}

static const char *
rules_name(enum sigv4_rules rules)
{
	return rules == SIGV4_RULES_GENERIC ? "generic" : "S3";
}

static void
ts_case(const char *dir, const char *name, enum sigv4_rules rules)
{
	static const char *const ext[] = { "req", "creq", "sts", "authz",
	    "sreq" };
	char			 path[4096], hash[SIGV4_SHA256_HEX_LEN + 1];
	char			*f[5] = { NULL, NULL, NULL, NULL, NULL };
	char			*sreq_text = NULL, *want = NULL, *uri2 = NULL;
	char			*pre = NULL;
	struct req		 r, sr;
	struct sigv4_input	 in;
	struct sigv4_output	 out;
	const char		*tok, *s3uri, *sig;
	size_t			 i;
	int			 n, missing = 0;

	memset(&out, 0, sizeof(out));
	for (i = 0; i < TS_NEXPECTED; i++)
		if (strcmp(ts_expected[i], name) == 0)
			ts_seen[rules == SIGV4_RULES_GENERIC][i] = 1;
	for (i = 0; i < 5; i++) {
		n = snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext[i]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			CHECK(0, "%s: path too long", name);
			goto out;
		}
		if ((f[i] = read_file(path, NULL)) == NULL) {
			CHECK(f[i] != NULL, "%s: cannot read %s", name, path);
			missing = 1;
		}
	}
	if (missing)
		goto out;
	if (parse_req(f[0], &r) == -1) {
		CHECK(0, "%s: cannot parse the .req", name);
		goto out;
	}
	/*
	 * get-vanilla-with-session-token signs a token its .req does not
	 * show: take it from the .sreq. post-sts-header-after has the token
	 * in its .sreq too, but added after signing, so only a token the
	 * .creq lists as signed is taken.
	 */
	if (req_header(&r, "x-amz-security-token") == NULL &&
	    creq_signs(f[1], "x-amz-security-token")) {
		if ((sreq_text = strdup(f[4])) == NULL ||
		    parse_req(sreq_text, &sr) == -1 ||
		    (tok = req_header(&sr, "x-amz-security-token")) == NULL ||
		    r.nh == MAX_HEADERS) {
			CHECK(0, "%s: no security token in the .sreq", name);
			goto out;
		}
		r.h[r.nh].name = "X-Amz-Security-Token";
		r.h[r.nh].value = tok;
		r.nh++;
	}
	sigv4_sha256_hex(r.body, r.bodylen, hash);

	memset(&in, 0, sizeof(in));
	in.rules = rules;
	in.method = r.method;
	in.path = r.path;
	in.query = r.query;
	in.headers = r.h;
	in.nheaders = r.nh;
	in.payload_hash = hash;
	in.access_key = TS_AKID;
	in.secret_key = TS_SECRET;
	in.region = TS_REGION;
	in.service = TS_SERVICE;
	in.when = parse_amz_date("20150830T123600Z");
	if (sigv4_sign(&in, &out) == -1) {
		CHECK(0, "%s: sigv4_sign failed", name);
		goto out;
	}

	if (rules == SIGV4_RULES_GENERIC || !s3_uri_for(name, &s3uri)) {
		CHECK_STR(out.canonical_request, f[1], "%s (%s): canonical "
		    "request", name, rules_name(rules));
		CHECK_STR(out.string_to_sign, f[2], "%s (%s): string to sign",
		    name, rules_name(rules));
		CHECK_STR(out.authorization, f[3], "%s (%s): authorization",
		    name, rules_name(rules));
		goto out;
	}

	/* S3 does not normalise: see ts_s3_uri. */
	uri2 = nth_line(f[1], 1);
	CHECK(uri2 != NULL && strcmp(uri2, s3uri) != 0,
	    "%s: the suite's URI was expected to be normalised", name);
	if ((want = malloc(strlen(f[1]) + strlen(s3uri) + 2)) == NULL ||
	    (pre = nth_line(f[1], 0)) == NULL) {
		CHECK(0, "%s: out of memory", name);
		goto out;
	}
	n = snprintf(want, strlen(f[1]) + strlen(s3uri) + 2, "%s\n%s\n%s",
	    pre, s3uri, after_line(f[1], 1));
	CHECK(n > 0, "%s: snprintf", name);
	CHECK_STR(out.canonical_request, want, "%s: S3 canonical request",
	    name);
	free(pre);
	pre = nth_line(out.canonical_request, 1);
	CHECK_STR(pre, s3uri, "%s: S3 canonical URI", name);
	free(pre);
	pre = NULL;

	/* Same scope; the hash is of our (S3) canonical request. */
	sigv4_sha256_hex(out.canonical_request,
	    strlen(out.canonical_request), hash);
	free(want);
	if ((want = malloc(strlen(f[2]) + 1)) == NULL) {
		CHECK(0, "%s: out of memory", name);
		goto out;
	}
	n = snprintf(want, strlen(f[2]) + 1, "%s", f[2]);
	CHECK(n > 0 && (size_t)n == strlen(f[2]), "%s: snprintf", name);
	if (strlen(want) > SIGV4_SHA256_HEX_LEN)
		memcpy(want + strlen(want) - SIGV4_SHA256_HEX_LEN, hash,
		    SIGV4_SHA256_HEX_LEN);
	CHECK_STR(out.string_to_sign, want, "%s: S3 string to sign", name);

	/* Same credential and signed headers; a different signature. */
	sig = strstr(f[3], "Signature=");
	CHECK(sig != NULL && strncmp(out.authorization, f[3],
	    (size_t)(sig - f[3])) == 0 && strcmp(out.authorization +
	    (sig - f[3]), sig) != 0 && strlen(out.authorization) ==
	    strlen(f[3]), "%s: S3 authorization\n  got:  %s", name,
	    out.authorization);
 out:
	sigv4_output_free(&out);
	for (i = 0; i < 5; i++)
		free(f[i]);
	free(sreq_text);
	free(want);
	free(uri2);
	free(pre);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A directory with subdirectories groups cases (normalize-path,
 * post-sts-token); one without is a case named after itself.
 */
static void
ts_walk(const char *dir, const char *name)
{
	DIR		*d = NULL;
	struct dirent	*de;
	struct stat	 st;
	char		*ent[MAX_ENTRIES];
	char		 sub[4096];
	size_t		 nent = 0, i;
	int		 n, nsub = 0;

	if ((d = opendir(dir)) == NULL) {
		CHECK(d != NULL, "cannot open %s", dir);
		return;
	}
	while ((de = readdir(d)) != NULL && nent < MAX_ENTRIES) {
		if (de->d_name[0] == '.')
			continue;
		if ((ent[nent] = strdup(de->d_name)) == NULL)
			break;
		nent++;
	}
	closedir(d);
	qsort(ent, nent, sizeof(ent[0]), name_cmp);
	for (i = 0; i < nent; i++) {
		n = snprintf(sub, sizeof(sub), "%s/%s", dir, ent[i]);
		if (n < 0 || (size_t)n >= sizeof(sub) || stat(sub, &st) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		nsub++;
		ts_walk(sub, ent[i]);
	}
	if (nsub == 0 && name != NULL) {
		ts_case(dir, name, SIGV4_RULES_S3);
		ts_case(dir, name, SIGV4_RULES_GENERIC);
	}
	for (i = 0; i < nent; i++)
		free(ent[i]);
}

static void
test_suite(void)
{
	char		 dir[4096];
	struct stat	 st;
	size_t		 i;
	int		 n;

	n = snprintf(dir, sizeof(dir), "%s/aws4_testsuite", sigv4_dir());
	if (n < 0 || (size_t)n >= sizeof(dir) || stat(dir, &st) == -1) {
		CHECK(0, "no SigV4 test suite at %s (run from the repository "
		    "root)", dir);
		return;
	}
	ts_walk(dir, NULL);
	for (i = 0; i < TS_NEXPECTED; i++)
		CHECK(ts_seen[0][i] && ts_seen[1][i], "test suite case %s not "
		    "found", ts_expected[i]);
}

struct example {
	char	*name;
	char	*creq;
	char	*sts;
	char	*sig;
};

/* Drop trailing blank lines: sections are separated by one. */
static void
chomp_blank(char *s)
{
	size_t	 n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
}

/*
 * Parse s3-examples.txt: "=== case NAME", then "--- canonical-request",
 * "--- string-to-sign" and "--- signature" sections; '#' lines outside a
 * section are comments. Returns the number of cases, -1 on a bad file.
 */
static int
parse_examples(char *text, struct example *ex, int max)
{
	char	*p, *e, **sect = NULL;
	int	 n = -1;

	for (p = text; p != NULL && *p != '\0'; p = e == NULL ? NULL : e + 1) {
		if ((e = strchr(p, '\n')) != NULL)
			*e = '\0';
		if (strncmp(p, "=== case ", 9) == 0) {
			if (++n == max)
				return -1;
			ex[n].name = p + 9;
			sect = NULL;
		} else if (strncmp(p, "--- ", 4) == 0 && n >= 0) {
			if (strcmp(p + 4, "canonical-request") == 0)
				sect = &ex[n].creq;
			else if (strcmp(p + 4, "string-to-sign") == 0)
				sect = &ex[n].sts;
			else if (strcmp(p + 4, "signature") == 0)
				sect = &ex[n].sig;
			else
				return -1;
			/* The section runs to the next marker line. */
			*sect = e == NULL ? p + strlen(p) : e + 1;
		} else if (sect != NULL && e != NULL &&
		    (strncmp(e + 1, "=== ", 4) == 0 ||
		    strncmp(e + 1, "--- ", 4) == 0)) {
			continue;
		} else if (sect != NULL && e != NULL)
			*e = '\n';
	}
	return n + 1;
}

/* Percent-decode in place (the bytes may then hold anything but NUL). */
static void
pct_decode(char *s)
{
	size_t	 i, o = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '%' && util_hexval(s[i + 1]) >= 0 &&
		    util_hexval(s[i + 2]) >= 0 &&
		    (util_hexval(s[i + 1]) | util_hexval(s[i + 2])) != 0) {
			s[o++] = (char)(util_hexval(s[i + 1]) << 4 |
			    util_hexval(s[i + 2]));
			i += 2;
		} else
			s[o++] = s[i];
	}
	s[o] = '\0';
}

/*
 * Rebuild the request from an example's canonical request and sign it.
 * Perturbed, the path is fed decoded, query parameters and headers in
 * reverse order, names in upper case and values padded: sigv4 must undo
 * all of it.
 */
static void
example_case(const struct example *ex, int perturb)
{
	char			*copy = NULL, *lines[MAX_LINES];
	char			*query = NULL, *p, *scope = NULL, *when_s = NULL;
	char			 names[MAX_HEADERS][64], values[MAX_HEADERS][512];
	struct sigv4_header	 h[MAX_HEADERS];
	struct sigv4_input	 in;
	struct sigv4_output	 out;
	const char		*tag = perturb ? "perturbed" : "as given";
	char			*region, *service;
	size_t			 nl = 0, nh = 0, i, j, qlen;
	int			 n;

	memset(&out, 0, sizeof(out));
	memset(&in, 0, sizeof(in));
	if ((copy = strdup(ex->creq)) == NULL)
		goto out;
	for (p = copy; p != NULL && nl < MAX_LINES; nl++) {
		lines[nl] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}
	if (nl < 6) {
		CHECK(0, "%s: canonical request too short", ex->name);
		goto out;
	}
	for (i = 3; i < nl && *lines[i] != '\0'; i++) {
		if (nh == MAX_HEADERS || (p = strchr(lines[i], ':')) == NULL) {
			CHECK(0, "%s: bad header line %s", ex->name, lines[i]);
			goto out;
		}
		*p = '\0';
		n = snprintf(names[nh], sizeof(names[nh]), "%s", lines[i]);
		if (n < 0 || (size_t)n >= sizeof(names[nh]))
			goto out;
		n = snprintf(values[nh], sizeof(values[nh]),
		    perturb ? "  %s \t" : "%s", p + 1);
		if (n < 0 || (size_t)n >= sizeof(values[nh]))
			goto out;
		if (perturb)
			for (j = 0; names[nh][j] != '\0'; j++)
				if (names[nh][j] >= 'a' && names[nh][j] <= 'z')
					names[nh][j] -= 'a' - 'A';
		nh++;
	}
	if (i + 3 != nl) {
		CHECK(0, "%s: canonical request layout", ex->name);
		goto out;
	}
	for (j = 0; j < nh; j++) {
		h[j].name = names[perturb ? nh - 1 - j : j];
		h[j].value = values[perturb ? nh - 1 - j : j];
	}
	/* Reverse the parameters: sorting them is sigv4's job. */
	qlen = strlen(lines[2]);
	if ((query = calloc(1, qlen + 2)) == NULL)
		goto out;
	if (perturb) {
		/* Move each "&segment" from the end to the front of query. */
		j = 0;
		while ((p = strrchr(lines[2], '&')) != NULL) {
			memcpy(query + j, p + 1, strlen(p + 1));
			j += strlen(p + 1);
			query[j++] = '&';
			*p = '\0';
		}
		memcpy(query + j, lines[2], strlen(lines[2]) + 1);
		if (strstr(lines[1], "%2F") == NULL &&
		    strstr(lines[1], "%2f") == NULL)
			pct_decode(lines[1]);
	} else
		memcpy(query, lines[2], qlen + 1);

	if ((when_s = nth_line(ex->sts, 1)) == NULL ||
	    (scope = nth_line(ex->sts, 2)) == NULL ||
	    (p = strchr(scope, '/')) == NULL) {
		CHECK(0, "%s: bad string to sign", ex->name);
		goto out;
	}
	region = p + 1;
	if ((p = strchr(region, '/')) == NULL)
		goto out;
	*p = '\0';
	service = p + 1;
	if ((p = strchr(service, '/')) == NULL)
		goto out;
	*p = '\0';

	in.method = lines[0];
	in.path = lines[1];
	in.query = query;
	in.headers = h;
	in.nheaders = nh;
	in.payload_hash = lines[nl - 1];
	in.access_key = S3_AKID;
	in.secret_key = S3_SECRET;
	in.region = region;
	in.service = service;
	in.when = parse_amz_date(when_s);
	if (sigv4_sign(&in, &out) == -1) {
		CHECK(0, "%s: sigv4_sign failed", ex->name);
		goto out;
	}
	CHECK_STR(out.canonical_request, ex->creq, "%s (%s): canonical request",
	    ex->name, tag);
	CHECK_STR(out.string_to_sign, ex->sts, "%s (%s): string to sign",
	    ex->name, tag);
	CHECK_STR(out.signature, ex->sig, "%s (%s): signature", ex->name, tag);
 out:
	sigv4_output_free(&out);
	free(copy);
	free(query);
	free(scope);
	free(when_s);
}

static void
test_examples(void)
{
	static const char *const want[] = { "get-object-range", "put-object",
	    "get-bucket-lifecycle", "list-objects" };
	struct example	 ex[MAX_EXAMPLES];
	char		 path[4096], hash[SIGV4_SHA256_HEX_LEN + 1];
	char		*text = NULL, *line = NULL;
	size_t		 i;
	int		 n, k, found;

	memset(ex, 0, sizeof(ex));
	n = snprintf(path, sizeof(path), "%s/s3-examples.txt", sigv4_dir());
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (text = read_file(path, NULL)) == NULL) {
		CHECK(0, "cannot read the S3 examples at %s", path);
		return;
	}
	if ((n = parse_examples(text, ex, MAX_EXAMPLES)) <= 0) {
		CHECK(0, "%s: no cases or a bad layout", path);
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (ex[k].creq == NULL || ex[k].sts == NULL ||
		    ex[k].sig == NULL) {
			CHECK(0, "%s: case %s lacks a section", path,
			    ex[k].name);
			continue;
		}
		chomp_blank(ex[k].creq);
		chomp_blank(ex[k].sts);
		chomp_blank(ex[k].sig);
	}
	for (k = 0; k < n; k++) {
		if (ex[k].creq == NULL || ex[k].sts == NULL ||
		    ex[k].sig == NULL)
			continue;
		example_case(&ex[k], 0);
		example_case(&ex[k], 1);
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		found = 0;
		for (k = 0; k < n; k++)
			if (strcmp(ex[k].name, want[i]) == 0)
				found = 1;
		CHECK(found, "S3 example %s not found", want[i]);
	}
	/* The put-object payload is given in words; check its hash. */
	for (k = 0; k < n; k++) {
		if (strcmp(ex[k].name, "put-object") != 0 || ex[k].creq == NULL)
			continue;
		sigv4_sha256_hex("Welcome to Amazon S3.", 21, hash);
		line = strrchr(ex[k].creq, '\n');
		CHECK_STR(hash, line == NULL ? NULL : line + 1,
		    "put-object payload hash");
	}
 out:
	free(text);
}

/* Sign with fixed credentials and time; returns 0 or -1. */
static int
sign_rules(enum sigv4_rules rules, const char *method, const char *path,
    const char *query, const struct sigv4_header *h, size_t nh,
    struct sigv4_output *out)
{
	struct sigv4_input	 in;

	memset(&in, 0, sizeof(in));
	in.rules = rules;
	in.method = method;
	in.path = path;
	in.query = query;
	in.headers = h;
	in.nheaders = nh;
	in.payload_hash = SIGV4_EMPTY_SHA256;
	in.access_key = TS_AKID;
	in.secret_key = TS_SECRET;
	in.region = "eu-west-1";
	in.service = "s3";
	in.when = 1440938160;
	return sigv4_sign(&in, out);
}

static int
sign(const char *method, const char *path, const char *query,
    const struct sigv4_header *h, size_t nh, struct sigv4_output *out)
{
	return sign_rules(SIGV4_RULES_S3, method, path, query, h, nh, out);
}

static void
check_uri(const char *path, const char *want)
{
	struct sigv4_header	 h = { "host", "h" };
	struct sigv4_output	 out;
	char			*got = NULL;

	if (sign("GET", path, NULL, &h, 1, &out) == -1) {
		CHECK(0, "sign %s", path);
		return;
	}
	got = nth_line(out.canonical_request, 1);
	CHECK_STR(got, want, "canonical URI of %s", path);
	free(got);
	sigv4_output_free(&out);
}

static void
check_uri_generic(const char *path, const char *want)
{
	struct sigv4_header	 h = { "host", "h" };
	struct sigv4_output	 out;
	char			*got = NULL;

	if (sign_rules(SIGV4_RULES_GENERIC, "POST", path, NULL, &h, 1,
	    &out) == -1) {
		CHECK(0, "sign %s (generic)", path ? path : "(null)");
		return;
	}
	got = nth_line(out.canonical_request, 1);
	CHECK_STR(got, want, "generic canonical URI of %s",
	    path ? path : "(null)");
	free(got);
	sigv4_output_free(&out);
}

/* The same request under both rules: only the URI line may differ. */
static void
check_rules_agree(const char *path)
{
	struct sigv4_header	 h = { "host", "h" };
	struct sigv4_output	 a, g;
	char			*ua = NULL, *ug = NULL;

	if (sign_rules(SIGV4_RULES_S3, "GET", path, "b=2&a=1", &h, 1,
	    &a) == -1) {
		CHECK(0, "sign %s", path);
		return;
	}
	if (sign_rules(SIGV4_RULES_GENERIC, "GET", path, "b=2&a=1", &h, 1,
	    &g) == -1) {
		CHECK(0, "sign %s (generic)", path);
		sigv4_output_free(&a);
		return;
	}
	ua = nth_line(a.canonical_request, 1);
	ug = nth_line(g.canonical_request, 1);
	CHECK(ua != NULL && ug != NULL && strcmp(ua, ug) == 0 &&
	    strcmp(a.canonical_request, g.canonical_request) == 0 &&
	    strcmp(a.authorization, g.authorization) == 0,
	    "%s: the rules should agree", path);
	free(ua);
	free(ug);
	sigv4_output_free(&a);
	sigv4_output_free(&g);
}

static void
check_query(const char *query, const char *want)
{
	struct sigv4_header	 h = { "host", "h" };
	struct sigv4_output	 out;
	char			*got = NULL;

	if (sign("GET", "/", query, &h, 1, &out) == -1) {
		CHECK(0, "sign ?%s", query ? query : "(null)");
		return;
	}
	got = nth_line(out.canonical_request, 2);
	CHECK_STR(got, want, "canonical query of %s", query ? query : "(null)");
	free(got);
	sigv4_output_free(&out);
}

static void
check_encode(const char *s, size_t len, int keep_slash, const char *want)
{
	char	*got = NULL;

	got = sigv4_uri_encode(s, len, keep_slash);
	CHECK_STR(got, want, "sigv4_uri_encode(%s, %d)", want, keep_slash);
	free(got);
}

#define AUTHZ_PREFIX "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/" \
	"eu-west-1/s3/aws4_request, SignedHeaders=empty;host;null;" \
	"x-amz-meta-a;x-amz-meta-dup, Signature="
/* Every printable ASCII byte outside unreserved, and two controls. */
#define PUNCT "!*'();:@$,?#[]\"<>\\^`{|}\t\n"
#define STS_PREFIX "AWS4-HMAC-SHA256\n20150830T123600Z\n" \
	"20150830/eu-west-1/s3/aws4_request\n"

static void
test_units(void)
{
	struct sigv4_header	 h[8];
	struct sigv4_output	 out;
	struct sigv4_input	 in;
	char			 d[SIGV4_AMZ_DATE_LEN + 1];
	char			 x[SIGV4_SHA256_HEX_LEN + 1];

	/* sigv4_uri_encode */
	check_encode("", 0, 1, "");
	check_encode("-._~09AZaz", 10, 0, "-._~09AZaz");
	check_encode("a b+c%d~e=f&g/h", 15, 1, "a%20b%2Bc%25d~e%3Df%26g/h");
	check_encode("a b+c%d~e=f&g/h", 15, 0, "a%20b%2Bc%25d~e%3Df%26g%2Fh");
	check_encode("caf\xc3\xa9/\xe1\x88\xb4", 9, 1, "caf%C3%A9/%E1%88%B4");
	check_encode("a\0b\xff", 4, 0, "a%00b%FF");
	check_encode("abcdef", 3, 0, "abc");
	check_encode(PUNCT, sizeof(PUNCT) - 1, 0,
	    "%21%2A%27%28%29%3B%3A%40%24%2C%3F%23%5B%5D%22%3C%3E%5C%5E%60"
	    "%7B%7C%7D%09%0A");

	/* sigv4_amz_date */
	sigv4_amz_date(0, d);
	CHECK_STR(d, "19700101T000000Z", "epoch");
	sigv4_amz_date(1440938160, d);
	CHECK_STR(d, "20150830T123600Z", "test suite time");
	sigv4_amz_date(1369353600, d);
	CHECK_STR(d, "20130524T000000Z", "S3 examples time");
	sigv4_amz_date(951868799, d);
	CHECK_STR(d, "20000229T235959Z", "leap day");
	sigv4_amz_date(4102444800, d);
	CHECK_STR(d, "21000101T000000Z", "year 2100");
	CHECK(parse_amz_date("20150830T123600Z") == 1440938160, "parse");

	/* sigv4_sha256_hex */
	sigv4_sha256_hex("", 0, x);
	CHECK_STR(x, SIGV4_EMPTY_SHA256, "sha256 of nothing");
	sigv4_sha256_hex("abc", 3, x);
	CHECK_STR(x, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad", "sha256 abc");
	sigv4_sha256_hex("a\0b", 3, x);
	CHECK(strlen(x) == SIGV4_SHA256_HEX_LEN &&
	    strcmp(x, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb") != 0,
	    "sha256 sees past a NUL");

	/* S3 canonical URIs: no normalisation, each byte encoded once. */
	check_uri("/", "/");
	check_uri("", "/");
	check_uri(NULL, "/");
	check_uri("/b/caf\xc3\xa9 \xe1\x88\xb4.txt", "/b/caf%C3%A9%20%E1%88%B4.txt");
	check_uri("/%E1%88%B4", "/%E1%88%B4");
	check_uri("/%e1%88%b4", "/%E1%88%B4");
	check_uri("/b/100%", "/b/100%25");
	check_uri("/b/100%2", "/b/100%252");
	check_uri("/b/a%zz", "/b/a%25zz");
	check_uri("/b/a%2Fb", "/b/a%2Fb");
	check_uri("/b/a+b c~d=e&f", "/b/a%2Bb%20c~d%3De%26f");
	check_uri("/b/a%2Bb%20c~d%3De%26f", "/b/a%2Bb%20c~d%3De%26f");
	check_uri("//a/../b/./c//", "//a/../b/./c//");
	check_uri("/b/$?#", "/b/%24%3F%23");

	/*
	 * Generic canonical URIs: dot segments and empty ones removed, then
	 * every byte but unreserved and '/' encoded, '%' included (so a path
	 * encoded for the wire is encoded twice).
	 */
	check_uri_generic(NULL, "/");
	check_uri_generic("", "/");
	check_uri_generic("/", "/");
	check_uri_generic("//", "/");
	check_uri_generic("///a", "/a");
	check_uri_generic("/a//b/", "/a/b/");
	check_uri_generic("/.", "/");
	check_uri_generic("/./", "/");
	check_uri_generic("/..", "/");
	check_uri_generic("/../..", "/");
	check_uri_generic("/a/..", "/");
	check_uri_generic("/a/../", "/");
	check_uri_generic("/a/b/../c", "/a/c");
	check_uri_generic("/a/b/../../../c/", "/c/");
	check_uri_generic("/a/./b/.", "/a/b");
	check_uri_generic("/a/.b/..c/...", "/a/.b/..c/...");
	check_uri_generic("/a/%2E%2E/b", "/a/%252E%252E/b");
	check_uri_generic("/%E1%88%B4", "/%25E1%2588%25B4");
	check_uri_generic("/\xe1\x88\xb4", "/%E1%88%B4");
	check_uri_generic("/123456789012/my queue", "/123456789012/my%20queue");
	check_uri_generic("/123456789012/q%20ueue", "/123456789012/q%2520ueue");
	check_uri_generic("/a+b=c&d$", "/a%2Bb%3Dc%26d%24");
	check_uri_generic("/a%zz", "/a%25zz");
	check_uri_generic("a/b", "a/b");
	check_uri_generic("a/..", "");
	check_uri_generic("./a/", "a/");
	/* Where both agree (a plain path), the whole signature does. */
	check_rules_agree("/");
	check_rules_agree("/123456789012/queue-name");
	check_rules_agree("/-._~09AZaz/x");

	/* Query: decoded, strictly encoded, sorted by name then value. */
	check_query(NULL, "");
	check_query("", "");
	check_query("a+b=c+d", "a%2Bb=c%2Bd");
	check_query("a%20b=c%2bd", "a%20b=c%2Bd");
	check_query("uploads", "uploads=");
	check_query("b=2&a=1&a=0", "a=0&a=1&b=2");
	check_query("a-b=1&a=2", "a=2&a-b=1");
	check_query("%7E=~&%7e=%41", "~=A&~=~");
	check_query("k=v=w", "k=v%3Dw");
	check_query("a=1&&b=2&", "a=1&b=2");
	check_query("=v", "=v");
	check_query("p=100%&q=%zz", "p=100%25&q=%25zz");
	check_query("prefix=a%2Fb%2F&delimiter=/", "delimiter=%2F&prefix=a%2Fb%2F");
	check_query("k=caf\xc3\xa9", "k=caf%C3%A9");
	check_query("list-type=2&continuation-token=1%2B%2F%3D&start-after="
	    "a%26b&max-keys=10&encoding-type=url",
	    "continuation-token=1%2B%2F%3D&encoding-type=url&list-type=2&"
	    "max-keys=10&start-after=a%26b");

	/* Headers: folded, lower-cased, repeats joined in order, sorted. */
	h[0].name = "Host";
	h[0].value = "  example.com  ";
	h[1].name = "X-Amz-Meta-A";
	h[1].value = " one \t two\n   three ";
	h[2].name = "x-amz-meta-dup";
	h[2].value = "first";
	h[3].name = "X-AMZ-META-DUP";
	h[3].value = " second  value ";
	h[4].name = "Empty";
	h[4].value = "   ";
	h[5].name = "X-Amz-Meta-Dup";
	h[5].value = "third";
	h[6].name = "Null";
	h[6].value = NULL;
	if (sign("GET", "/", NULL, h, 7, &out) == 0) {
		CHECK_STR(out.canonical_request, "GET\n/\n\n"
		    "empty:\n"
		    "host:example.com\n"
		    "null:\n"
		    "x-amz-meta-a:one two three\n"
		    "x-amz-meta-dup:first,second value,third\n"
		    "\n"
		    "empty;host;null;x-amz-meta-a;x-amz-meta-dup\n"
		    SIGV4_EMPTY_SHA256, "header canonicalisation");
		CHECK(strncmp(out.authorization, AUTHZ_PREFIX,
		    strlen(AUTHZ_PREFIX)) == 0 && strlen(out.authorization) ==
		    strlen(AUTHZ_PREFIX) + SIGV4_SHA256_HEX_LEN,
		    "authorization layout: %s", out.authorization);
		CHECK(strlen(out.signature) == SIGV4_SHA256_HEX_LEN &&
		    strcmp(out.authorization + strlen(out.authorization) -
		    SIGV4_SHA256_HEX_LEN, out.signature) == 0,
		    "signature ends the authorization");
		CHECK(strncmp(out.string_to_sign, STS_PREFIX,
		    strlen(STS_PREFIX)) == 0, "string to sign: %s",
		    out.string_to_sign);
		sigv4_output_free(&out);
		CHECK(out.canonical_request == NULL && out.authorization ==
		    NULL && out.signature[0] == '\0', "output freed");
		sigv4_output_free(&out);
	} else
		CHECK(0, "sign with headers");

	/* No headers at all still gives a well-formed request. */
	if (sign("GET", "/", NULL, NULL, 0, &out) == 0) {
		CHECK_STR(out.canonical_request, "GET\n/\n\n\n\n"
		    SIGV4_EMPTY_SHA256, "no headers");
		sigv4_output_free(&out);
	} else
		CHECK(0, "sign without headers");

	/* The generic rules sign the body: a hash or nothing. */
	memset(&in, 0, sizeof(in));
	in.rules = SIGV4_RULES_GENERIC;
	in.method = "POST";
	in.path = "/";
	in.headers = h;
	in.nheaders = 1;
	in.access_key = TS_AKID;
	in.secret_key = TS_SECRET;
	in.region = "us-east-1";
	in.service = "sqs";
	in.when = 1440938160;
	in.payload_hash = SIGV4_EMPTY_SHA256;
	CHECK(sigv4_sign(&in, &out) == 0, "generic with a payload hash");
	sigv4_output_free(&out);
	in.payload_hash = "UNSIGNED-PAYLOAD";
	CHECK(sigv4_sign(&in, &out) == -1 && out.authorization == NULL,
	    "generic refuses UNSIGNED-PAYLOAD");
	in.payload_hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
	CHECK(sigv4_sign(&in, &out) == -1, "generic refuses upper-case hex");
	in.payload_hash = SIGV4_EMPTY_SHA256 "0";
	CHECK(sigv4_sign(&in, &out) == -1, "generic refuses 65 digits");
	in.payload_hash = "e3b0";
	CHECK(sigv4_sign(&in, &out) == -1, "generic refuses 4 digits");
	in.rules = (enum sigv4_rules)7;
	in.payload_hash = SIGV4_EMPTY_SHA256;
	CHECK(sigv4_sign(&in, &out) == -1, "unknown rules refused");
	in.rules = SIGV4_RULES_S3;
	in.payload_hash = "UNSIGNED-PAYLOAD";
	CHECK(sigv4_sign(&in, &out) == 0, "S3 takes UNSIGNED-PAYLOAD");
	sigv4_output_free(&out);

	/* A missing input is refused, leaving out empty. */
	memset(&in, 0, sizeof(in));
	in.method = "GET";
	in.path = "/";
	CHECK(sigv4_sign(&in, &out) == -1 && out.canonical_request == NULL &&
	    out.string_to_sign == NULL && out.authorization == NULL,
	    "missing credentials refused");
	sigv4_output_free(&out);
}

int
main(void)
{
	test_units();
	test_suite();
	test_examples();
	UNIT_DONE();
}
