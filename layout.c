/* SPDX-License-Identifier: ISC */
/*
 * layout.c - reading CloudTrail's layout from keys and folder names, and
 * which of its accounts and regions a run takes (--account-id,
 * --trail-region).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "layout.h"
#include "util.h"

/* The script skipped basenames matching the regex .+_CloudTrail-Digest_.+ */
int
layout_is_digest(const char *base)
{
	static const char	 mark[] = "_CloudTrail-Digest_";
	const char		*p = base;

	while ((p = strstr(p, mark)) != NULL) {
		if (p > base && p[-1] != '\n' && p[sizeof(mark) - 1] != '\0' &&
		    p[sizeof(mark) - 1] != '\n')
			return 1;
		p++;
	}
	return 0;
}

/* The "YYYYMMDDTHHMMZ" after a '_' in a CloudTrail name, or NULL. */
static const char *
find_stamp(const char *base)
{
	const char	*p;
	size_t		 i;

	for (p = strchr(base, '_'); p != NULL; p = strchr(p + 1, '_')) {
		for (i = 1; i <= 8 && p[i] >= '0' && p[i] <= '9'; i++)
			continue;
		if (i != 9 || p[9] != 'T')
			continue;
		for (i = 10; i <= 13 && p[i] >= '0' && p[i] <= '9'; i++)
			continue;
		if (i == 14 && p[14] == 'Z')
			return p + 1;
	}
	return NULL;
}

int
layout_object_day(const char *base, char day[9])
{
	const char	*s;

	if ((s = find_stamp(base)) == NULL)
		return 0;
	memcpy(day, s, 8);
	day[8] = '\0';
	return 1;
}

static int
digits(const char *s, size_t n)
{
	int	v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

int
layout_object_time(const char *base, long long *when)
{
	const char	*s;

	if ((s = find_stamp(base)) == NULL)
		return 0;
	return util_utc(digits(s, 4), digits(s + 4, 2), digits(s + 6, 2),
	    digits(s + 9, 2), digits(s + 11, 2), 0, when);
}

static int
is_account(const char *s, size_t len)
{
	size_t	i;

	if (len != 12)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

enum layout_place
layout_classify(const char *folder, char *names, size_t nameslen)
{
	const char	*p, *c[5];
	size_t		 len[5], nc = 0;
	int		 n;

	if (strncmp(folder, "AWSLogs/", 8) == 0)
		p = folder + 8;
	else if ((p = strstr(folder, "/AWSLogs/")) != NULL)
		p += 9;
	else
		return LAYOUT_OTHER;
	/* The components after AWSLogs/, each ending in '/'. */
	while (*p != '\0' && nc < 5) {
		const char	*slash = strchr(p, '/');

		if (slash == NULL || slash == p)
			return LAYOUT_OTHER;
		c[nc] = p;
		len[nc++] = (size_t)(slash - p);
		p = slash + 1;
	}
	if (*p != '\0')
		return LAYOUT_OTHER;
	if (nc > 0 && len[0] > 2 && strncmp(c[0], "o-", 2) == 0) {
		/* An organization trail: drop the ORGID level. */
		memmove(&c[0], &c[1], sizeof(c[0]) * (nc - 1));
		memmove(&len[0], &len[1], sizeof(len[0]) * (nc - 1));
		nc--;
	}
	if (nc == 0)
		return LAYOUT_ABOVE;
	if (!is_account(c[0], len[0]))
		return LAYOUT_OTHER;
	if (nc <= 2) {
		if (nc == 2 && len[1] == 17 &&
		    strncmp(c[1], "CloudTrail-Digest", 17) == 0)
			return LAYOUT_DIGESTS;
		return LAYOUT_ABOVE;
	}
	if (nc == 3 && (len[1] == 10 || len[1] == 18 || len[1] == 17) &&
	    (strncmp(c[1], "CloudTrail/", 11) == 0 ||
	    strncmp(c[1], "CloudTrail-Insight/", 19) == 0 ||
	    strncmp(c[1], "CloudTrail-Digest/", 18) == 0)) {
		n = snprintf(names, nameslen, "%.*s_%.*s_%.*s_", (int)len[0],
		    c[0], (int)len[1], c[1], (int)len[2], c[2]);
		if (n > 0 && (size_t)n < nameslen)
			return LAYOUT_REGION;
	}
	return LAYOUT_OTHER;
}

/* n digits at p, then '/'. */
static int
digits_slash(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return p[n] == '/';
}

/*
 * Is YYYY/MM/DD at d a day of the calendar? (A forged 2026/11/99 would
 * otherwise become a day in February.)
 */
static int
real_day(const char *d)
{
	long long	t;

	return util_utc(digits(d, 4), digits(d + 5, 2), digits(d + 8, 2), 12,
	    0, 0, &t);
}

int
layout_key_day(const char *key, size_t *folderlen, char day[11])
{
	const char	*slash, *d;
	char		 names[512];
	char		 folder[1200];
	size_t		 len;

	/* FOLDER/ ends three components before the basename. */
	if ((slash = strrchr(key, '/')) == NULL || slash - key < 11)
		return 0;
	d = slash - 10;
	if (!digits_slash(d, 4) || !digits_slash(d + 5, 2) ||
	    !digits_slash(d + 8, 2) || d == key || d[-1] != '/')
		return 0;
	len = (size_t)(d - key);
	if (len >= sizeof(folder))
		return 0;
	memcpy(folder, key, len);
	folder[len] = '\0';
	if (layout_classify(folder, names, sizeof(names)) != LAYOUT_REGION)
		return 0;
	if (!real_day(d))
		return 0;
	memcpy(day, d, 10);
	day[10] = '\0';
	*folderlen = len;
	return 1;
}

int
layout_scope(const char *key, char *out, size_t outlen)
{
	static const char	*const services[] = { "CloudTrail-Digest/",
	    "CloudTrail/" };
	const char		*slash, *d, *svc = NULL, *p;
	size_t			 i, n, sl = 0;
	int			 m;

	if ((slash = strrchr(key, '/')) == NULL || slash - key < 11)
		return 0;
	d = slash - 10;
	if (!digits_slash(d, 4) || !digits_slash(d + 5, 2) ||
	    !digits_slash(d + 8, 2) || d == key || d[-1] != '/' ||
	    !real_day(d))
		return 0;
	/* The service is the component before the region's. */
	for (p = d - 1; p > key && p[-1] != '/'; p--)
		continue;
	if (p == key)
		return 0;
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		sl = strlen(services[i]);
		if ((size_t)(p - key) >= sl &&
		    strncmp(p - sl, services[i], sl) == 0) {
			svc = p - sl;
			break;
		}
	}
	if (svc == NULL || (svc != key && svc[-1] != '/'))
		return 0;
	n = (size_t)(svc - key);
	m = snprintf(out, outlen, "%.*s%.*s", (int)n, key, (int)(d - p), p);
	if (m < 0 || (size_t)m >= outlen)
		return 0;
	/* The account's folder must be CloudTrail's (layout_classify's). */
	return layout_classify(out, NULL, 0) != LAYOUT_OTHER;
}

/* The component of s up to c, at most outlen - 1 bytes, into out. */
static int
take(const char **s, int c, char *out, size_t outlen)
{
	const char	*e;

	if ((e = strchr(*s, c)) == NULL || e == *s ||
	    (size_t)(e - *s) >= outlen)
		return 0;
	memcpy(out, *s, (size_t)(e - *s));
	out[e - *s] = '\0';
	*s = e + 1;
	return 1;
}

/* "YYYYMMDDTHHMMSSZ" as seconds. */
static int
stamp_seconds(const char *s, long long *when)
{
	char	name[32];
	size_t	i;

	for (i = 0; i < 15; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return 0;
	if (s[8] != 'T' || s[15] != 'Z' || digits(s + 13, 2) > 59)
		return 0;
	/* layout_object_time reads "_YYYYMMDDTHHMMZ_". */
	(void)snprintf(name, sizeof(name), "_%.13sZ_", s);
	if (!layout_object_time(name, when))
		return 0;
	*when += digits(s + 13, 2);
	return 1;
}

int
layout_digest_name(const char *key, struct layout_digest *out)
{
	static const char	 mark[] = "_CloudTrail-Digest_";
	char			 base[512], *tail;
	const char		*b, *p;
	size_t			 len;

	memset(out, 0, sizeof(*out));
	b = strrchr(key, '/') != NULL ? strrchr(key, '/') + 1 : key;
	if (!layout_scope(key, out->scope, sizeof(out->scope)) ||
	    (len = strlen(b)) >= sizeof(base) || len < 8 ||
	    strcmp(b + len - 8, ".json.gz") != 0)
		return 0;
	memcpy(base, b, len - 8);
	base[len - 8] = '\0';
	len -= 8;
	if (len > 9 && strcmp(base + len - 9, "_backfill") == 0) {
		out->backfill = 1;
		base[len -= 9] = '\0';
	}
	/* From the end: _HOMEREGION_YYYYMMDDTHHMMSSZ. */
	if (len < 17 || base[len - 17] != '_' ||
	    !stamp_seconds(base + len - 16, &out->when))
		return 0;
	base[len - 17] = '\0';
	if ((tail = strrchr(base, '_')) == NULL || strlen(tail + 1) == 0 ||
	    strlen(tail + 1) >= sizeof(out->home))
		return 0;
	memcpy(out->home, tail + 1, strlen(tail + 1) + 1);
	*tail = '\0';
	p = base;
	if (!take(&p, '_', out->account, sizeof(out->account)) ||
	    strncmp(p - 1, mark, sizeof(mark) - 1) != 0)
		return 0;
	p += sizeof(mark) - 2;
	if (!take(&p, '_', out->region, sizeof(out->region)) ||
	    *p == '\0' || strlen(p) >= sizeof(out->trail))
		return 0;
	memcpy(out->trail, p, strlen(p) + 1);
	/* The name's account and region are its folder's. */
	return is_account(out->account, strlen(out->account)) &&
	    strstr(out->scope, out->account) != NULL &&
	    strlen(out->scope) > strlen(out->region) + 1 &&
	    strncmp(out->scope + strlen(out->scope) - strlen(out->region) - 1,
	    out->region, strlen(out->region)) == 0;
}

/* ------------------------------------------------------------ filters */

struct layout_filter {
	char	*values[2][LAYOUT_FILTER_MAX];	/* [0] accounts, [1] regions */
	int	 hit[2][LAYOUT_FILTER_MAX];
	size_t	 n[2];
};

/* A region name as AWS spells them: "us-east-1", "cn-north-1". */
static int
region_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len >= LAYOUT_REGION_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
layout_filter_add(struct layout_filter **fp, int regions, const char *arg,
    char *err, size_t errlen)
{
	struct layout_filter	*f = *fp;
	const char		*p = arg, *comma;
	size_t			 len, i;
	int			 ok;

	if (f == NULL && (f = *fp = calloc(1, sizeof(*f))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	regions = regions != 0;
	do {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		ok = regions ? region_ok(p, len) : is_account(p, len);
		if (!ok) {
			(void)snprintf(err, errlen, "not %s: %.*s", regions ?
			    "a region name" : "an account ID of 12 digits",
			    (int)(len > 64 ? 64 : len), p);
			return -1;
		}
		for (i = 0; i < f->n[regions]; i++)
			if (strlen(f->values[regions][i]) == len &&
			    strncmp(f->values[regions][i], p, len) == 0)
				break;
		if (i == f->n[regions]) {
			if (f->n[regions] == LAYOUT_FILTER_MAX) {
				(void)snprintf(err, errlen, "more than %d "
				    "values", LAYOUT_FILTER_MAX);
				return -1;
			}
			if ((f->values[regions][i] = strndup(p, len)) == NULL) {
				(void)snprintf(err, errlen, "out of memory");
				return -1;
			}
			f->n[regions]++;
		}
		p = comma + 1;
	} while (comma != NULL);
	return 0;
}

/*
 * The account and the region a folder or a key lies under in CloudTrail's
 * layout, [PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/SERVICE/REGION/...: "" for
 * what it does not name.
 */
static void
path_names(const char *path, char account[13], char region[LAYOUT_REGION_MAX])
{
	const char	*p, *c[3];
	size_t		 len[3], nc = 0;

	account[0] = region[0] = '\0';
	if (strncmp(path, "AWSLogs/", 8) == 0)
		p = path + 8;
	else if ((p = strstr(path, "/AWSLogs/")) != NULL)
		p += 9;
	else
		return;
	if (strncmp(p, "o-", 2) == 0 && (p = strchr(p, '/')) != NULL)
		p++;
	while (p != NULL && nc < 3) {
		const char	*slash = strchr(p, '/');

		if (slash == NULL)
			break;
		c[nc] = p;
		len[nc++] = (size_t)(slash - p);
		p = slash + 1;
	}
	if (nc == 0 || !is_account(c[0], len[0]))
		return;
	memcpy(account, c[0], 12);
	account[12] = '\0';
	if (nc == 3 && ((len[1] == 10 && strncmp(c[1], "CloudTrail", 10) ==
	    0) || (len[1] == 18 && strncmp(c[1], "CloudTrail-Insight", 18) ==
	    0) || (len[1] == 17 && strncmp(c[1], "CloudTrail-Digest", 17) ==
	    0)) && region_ok(c[2], len[2])) {
		memcpy(region, c[2], len[2]);
		region[len[2]] = '\0';
	}
}

#define FILTER_ANY	(-2)	/* no value of that kind: any name */
#define FILTER_NONE	(-1)

/* Where name is among the values of kind: FILTER_ANY, FILTER_NONE or i. */
static int
filter_find(const struct layout_filter *f, int kind, const char *name)
{
	size_t	i;

	if (f->n[kind] == 0)
		return FILTER_ANY;
	for (i = 0; i < f->n[kind]; i++)
		if (strcmp(f->values[kind][i], name) == 0)
			return (int)i;
	return FILTER_NONE;
}

int
layout_filter_wanted(struct layout_filter *f, const char *path)
{
	char	account[13], region[LAYOUT_REGION_MAX];
	size_t	len = strlen(path);
	int	folder = len > 0 && path[len - 1] == '/', ia, ir;

	if (f == NULL)
		return 1;
	path_names(path, account, region);
	if (folder && account[0] == '\0')
		return 1;	/* above the accounts, or outside the layout */
	ia = filter_find(f, 0, account);
	/* An account's folder above its regions: the account decides. */
	ir = folder && region[0] == '\0' ? FILTER_ANY :
	    filter_find(f, 1, region);
	if (ia == FILTER_NONE || ir == FILTER_NONE)
		return 0;
	if (ia >= 0)
		f->hit[0][ia] = 1;
	if (ir >= 0)
		f->hit[1][ir] = 1;
	return 1;
}

size_t
layout_filter_unmatched(const struct layout_filter *f, char *buf,
    size_t len)
{
	size_t	i, count = 0, o = 0;
	int	kind, n;

	if (len > 0)
		buf[0] = '\0';
	for (kind = 0; f != NULL && kind < 2; kind++)
		for (i = 0; i < f->n[kind]; i++) {
			if (f->hit[kind][i])
				continue;
			count++;
			n = snprintf(buf + o, len - o, "%s%s %s", o > 0 ?
			    ", " : "", kind ? "--trail-region" :
			    "--account-id", f->values[kind][i]);
			if (n > 0 && (size_t)n < len - o)
				o += (size_t)n;
		}
	return count;
}

void
layout_filter_free(struct layout_filter *f)
{
	size_t	i;
	int	kind;

	if (f == NULL)
		return;
	for (kind = 0; kind < 2; kind++)
		for (i = 0; i < f->n[kind]; i++)
			free(f->values[kind][i]);
	free(f);
}
