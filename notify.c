/* SPDX-License-Identifier: ISC */
/*
 * notify.c - the S3 objects a queue message names.
 *
 * Anyone allowed to send to the queue writes these bodies, so everything is
 * checked: sizes and counts have ceilings, bucket names and regions their
 * character sets, keys must decode and hold no NUL (a key cut at a NUL
 * would name another object). cJSON parses; it cannot say whether a NULL
 * means bad JSON or no memory, so its allocations are counted here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "notify.h"
#include "s3.h"

#define SIZE_EXACT_MAX	9007199254740992.0	/* 2^53: whole in a double */

/* What a check found: go on, the message is not understood, no memory. */
enum {
	P_OK = 0,
	P_UNKNOWN = 1,
	P_NOMEM = -1
};

static const char FORM_S3[] = "S3 event notification";
static const char FORM_TEST[] = "s3:TestEvent";
static const char FORM_CLOUDTRAIL[] = "CloudTrail notice";
static const char FORM_EVENTBRIDGE[] = "EventBridge event";

/*
 * S3 event names that create no object: such a record is understood and
 * skipped. Anything else is not an S3 event.
 */
static const char *const other_events[] = {
	"ObjectRemoved:", "ObjectRestore:", "ReducedRedundancyLostObject",
	"Replication:", "LifecycleExpiration:", "LifecycleTransition",
	"IntelligentTiering", "ObjectTagging:", "ObjectAcl:",
};

static int	 cjson_failed;

static void *
count_malloc(size_t n)
{
	void	*p;

	if ((p = malloc(n)) == NULL)
		cjson_failed = 1;
	return p;
}

/* Always P_UNKNOWN, for "return unknown(n, ...)". */
static int
unknown(struct notify *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
unknown(struct notify *n, const char *fmt, ...)
{
	va_list	 ap;
	int	 len;

	va_start(ap, fmt);
	len = vsnprintf(n->why, sizeof(n->why), fmt, ap);
	va_end(ap);
	/* A reason cut short still says enough; a failed one says this. */
	if (len < 0)
		snprintf(n->why, sizeof(n->why), "not understood");
	n->kind = NOTIFY_UNKNOWN;
	return P_UNKNOWN;
}

static const char *
string_of(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The object at a path of names from o ("s3", "object", NULL); or NULL. */
static const cJSON *
object_at(const cJSON *o, const char *const *names)
{
	for (; *names != NULL && o != NULL; names++)
		o = cJSON_GetObjectItemCaseSensitive(o, *names);
	return cJSON_IsObject(o) ? o : NULL;
}

/*
 * JSON escapes for NUL: cJSON would hand over a string cut there. A
 * backslash always escapes the next character, so "\\u0000" is no NUL.
 */
static int
has_nul_escape(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && len - i >= 6 &&
		    memcmp(s + i + 2, "0000", 4) == 0)
			return 1;
		i++;
	}
	return 0;
}

static int
is_hex(char c)
{
	return c != '\0' && strchr("0123456789abcdefABCDEF", c) != NULL;
}

/*
 * An S3 event's key is form-encoded: '+' for a space, %XX for the rest.
 * The escapes must be whole and not %00 (s3_url_decode's rules), so that
 * its NULL afterwards can only mean no memory.
 */
static int
form_key_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != '%')
			continue;
		if (!is_hex(s[1]) || !is_hex(s[2]) ||
		    (s[1] == '0' && s[2] == '0'))
			return 0;
		s += 2;
	}
	return 1;
}

/* S3's bucket names, the legacy ones of us-east-1 included. */
int
notify_bucket_ok(const char *b, size_t len)
{
	static const char	ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
	size_t			i;

	if (len == 0 || len > NOTIFY_BUCKET_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (b[i] == '\0' || strchr(ok, b[i]) == NULL)
			return 0;
	return 1;
}

static int
bucket_ok(const char *b)
{
	return notify_bucket_ok(b, strlen(b));
}

static int
region_ok(const char *r)
{
	size_t	 n = strlen(r);

	return n > 0 && n <= NOTIFY_REGION_MAX &&
	    strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/*
 * A size the message gives: absent is -1; present, it must be a whole
 * number of bytes. P_OK or P_UNKNOWN (the caller names the field).
 */
static int
size_of(const cJSON *o, long long *size)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "size");

	*size = -1;
	if (v == NULL)
		return P_OK;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > SIZE_EXACT_MAX ||
	    (double)(long long)v->valuedouble != v->valuedouble)
		return P_UNKNOWN;
	*size = (long long)v->valuedouble;
	return P_OK;
}

/*
 * Add one object; the key is taken (freed on any failure). where names the
 * record for a reason. A (bucket, key) already there is dropped: S3 names
 * an object once per event, and one message is handled as a whole.
 */
static int
add_object(struct notify *n, const char *where, const char *bucket,
    char *key, const char *region, long long size)
{
	struct notify_object	*o, *no;
	size_t			 i, klen = strlen(key);
	int			 ret = P_NOMEM;

	if (!bucket_ok(bucket)) {
		ret = unknown(n, "%s: the bucket is not a bucket name", where);
		goto out;
	}
	if (klen == 0 || klen > NOTIFY_KEY_MAX) {
		ret = klen == 0 ? unknown(n, "%s: the key is empty", where) :
		    unknown(n, "%s: the key is longer than %d bytes", where,
		    NOTIFY_KEY_MAX);
		goto out;
	}
	if (region != NULL && !region_ok(region)) {
		ret = unknown(n, "%s: the region is not a region name", where);
		goto out;
	}
	for (i = 0; i < n->nobjects; i++)
		if (strcmp(n->objects[i].key, key) == 0 &&
		    strcmp(n->objects[i].bucket, bucket) == 0) {
			ret = P_OK;
			goto out;
		}
	if (n->nobjects == NOTIFY_OBJECTS_MAX) {
		ret = unknown(n, "more than %d objects", NOTIFY_OBJECTS_MAX);
		goto out;
	}
	if ((no = reallocarray(n->objects, n->nobjects + 1,
	    sizeof(*no))) == NULL)
		goto out;
	n->objects = no;
	o = &n->objects[n->nobjects];
	memset(o, 0, sizeof(*o));
	o->size = size;
	if ((o->bucket = strdup(bucket)) == NULL ||
	    (region != NULL && (o->region = strdup(region)) == NULL)) {
		free(o->bucket);
		goto out;
	}
	o->key = key;
	key = NULL;
	n->nobjects++;
	ret = P_OK;
 out:
	free(key);
	return ret;
}

/* Records[i] of an S3 event notification. */
static int
s3_record(struct notify *n, const cJSON *rec, size_t i)
{
	static const char *const bucket_path[] = { "s3", "bucket", NULL };
	static const char *const object_path[] = { "s3", "object", NULL };
	const cJSON	*b, *o;
	const char	*src, *name, *bname, *key, *region;
	char		 where[48];
	char		*dec;
	long long	 size;
	size_t		 k;

	if (snprintf(where, sizeof(where), "Records[%zu]", i) < 0)
		where[0] = '\0';
	if (!cJSON_IsObject(rec))
		return unknown(n, "%s is not an object", where);
	src = string_of(rec, "eventSource");
	if (cJSON_GetObjectItemCaseSensitive(rec, "eventSource") != NULL &&
	    (src == NULL || strcmp(src, "aws:s3") != 0))
		return unknown(n, "%s.eventSource is not aws:s3", where);
	if ((name = string_of(rec, "eventName")) == NULL)
		return unknown(n, "%s has no eventName", where);
	if (strncmp(name, "ObjectCreated:", 14) != 0) {
		for (k = 0; k < sizeof(other_events) / sizeof(other_events[0]);
		    k++)
			if (strncmp(name, other_events[k],
			    strlen(other_events[k])) == 0) {
				n->nskipped++;
				return P_OK;
			}
		return unknown(n, "%s.eventName is not an S3 event", where);
	}
	b = object_at(rec, bucket_path);
	o = object_at(rec, object_path);
	if (b == NULL || (bname = string_of(b, "name")) == NULL)
		return unknown(n, "%s has no s3.bucket.name", where);
	if (o == NULL || (key = string_of(o, "key")) == NULL)
		return unknown(n, "%s has no s3.object.key", where);
	if (size_of(o, &size) != P_OK)
		return unknown(n, "%s.s3.object.size is not a size", where);
	if (!form_key_ok(key))
		return unknown(n, "%s.s3.object.key has a bad %%-escape",
		    where);
	region = string_of(rec, "awsRegion");
	if (region != NULL && *region == '\0')
		region = NULL;	/* S3-compatible stores send "" */
	if ((dec = s3_url_decode(key, strlen(key))) == NULL)
		return P_NOMEM;
	return add_object(n, where, bname, dec, region, size);
}

static int
s3_event(struct notify *n, const cJSON *j)
{
	const cJSON	*recs = cJSON_GetObjectItemCaseSensitive(j, "Records");
	const cJSON	*rec;
	size_t		 i = 0;
	int		 rc;

	n->form = FORM_S3;
	if (!cJSON_IsArray(recs))
		return unknown(n, "Records is not an array");
	if (recs->child == NULL)
		return unknown(n, "Records is empty");
	for (rec = recs->child; rec != NULL; rec = rec->next, i++) {
		if (i == NOTIFY_OBJECTS_MAX)
			return unknown(n, "more than %d records",
			    NOTIFY_OBJECTS_MAX);
		if ((rc = s3_record(n, rec, i)) != P_OK)
			return rc;
	}
	return P_OK;
}

/* CloudTrail's notice: the bucket and the keys it wrote, not encoded. */
static int
cloudtrail_notice(struct notify *n, const cJSON *j)
{
	const cJSON	*keys, *k;
	const char	*bucket;
	char		 where[48];
	char		*key;
	size_t		 i = 0;
	int		 rc;

	n->form = FORM_CLOUDTRAIL;
	if ((bucket = string_of(j, "s3Bucket")) == NULL)
		return unknown(n, "s3Bucket is not a string");
	keys = cJSON_GetObjectItemCaseSensitive(j, "s3ObjectKey");
	if (!cJSON_IsArray(keys))
		return unknown(n, "s3ObjectKey is not an array");
	if (keys->child == NULL)
		return unknown(n, "s3ObjectKey is empty");
	for (k = keys->child; k != NULL; k = k->next, i++) {
		if (snprintf(where, sizeof(where), "s3ObjectKey[%zu]", i) < 0)
			where[0] = '\0';
		if (i == NOTIFY_OBJECTS_MAX)
			return unknown(n, "more than %d keys",
			    NOTIFY_OBJECTS_MAX);
		if (!cJSON_IsString(k))
			return unknown(n, "%s is not a string", where);
		if ((key = strdup(k->valuestring)) == NULL)
			return P_NOMEM;
		if ((rc = add_object(n, where, bucket, key, NULL, -1)) != P_OK)
			return rc;
	}
	return P_OK;
}

/* An EventBridge event from S3; only "Object Created" names an object. */
static int
eventbridge_event(struct notify *n, const cJSON *j)
{
	static const char *const bucket_path[] = { "detail", "bucket", NULL };
	static const char *const object_path[] = { "detail", "object", NULL };
	const cJSON	*b, *o;
	const char	*src, *type, *bname, *key, *region;
	char		*dup;
	long long	 size;

	n->form = FORM_EVENTBRIDGE;
	if ((src = string_of(j, "source")) == NULL ||
	    strcmp(src, "aws.s3") != 0)
		return unknown(n, "an EventBridge event whose source is not "
		    "aws.s3");
	if ((type = string_of(j, "detail-type")) == NULL)
		return unknown(n, "detail-type is not a string");
	if (strcmp(type, "Object Created") != 0) {
		if (strncmp(type, "Object ", 7) != 0)
			return unknown(n, "detail-type is not an S3 object "
			    "event");
		n->nskipped++;
		return P_OK;
	}
	b = object_at(j, bucket_path);
	o = object_at(j, object_path);
	if (b == NULL || (bname = string_of(b, "name")) == NULL)
		return unknown(n, "no detail.bucket.name");
	if (o == NULL || (key = string_of(o, "key")) == NULL)
		return unknown(n, "no detail.object.key");
	if (size_of(o, &size) != P_OK)
		return unknown(n, "detail.object.size is not a size");
	region = string_of(j, "region");
	if ((dup = strdup(key)) == NULL)
		return P_NOMEM;
	return add_object(n, "detail", bname, dup, region, size);
}

static int	parse_text(struct notify *, const char *, size_t, int);

/* An SNS message: a Notification carries the real one in Message. */
static int
sns_message(struct notify *n, const cJSON *j, const char *type, int in_sns)
{
	const char	*msg;

	if (strcmp(type, "SubscriptionConfirmation") == 0)
		return unknown(n, "an SNS SubscriptionConfirmation (confirm "
		    "the subscription at its SubscribeURL)");
	if (strcmp(type, "Notification") != 0)
		return unknown(n, "an SNS message that is not a Notification");
	if (in_sns)
		return unknown(n, "an SNS notification inside another");
	if ((msg = string_of(j, "Message")) == NULL)
		return unknown(n, "an SNS notification without a Message "
		    "string");
	n->sns = 1;
	return parse_text(n, msg, strlen(msg), 1);
}

/* Which notification the object j is, by the names only each one has. */
static int
classify(struct notify *n, const cJSON *j, int in_sns)
{
	const char	*s;

	if (!cJSON_IsObject(j))
		return unknown(n, "not a JSON object");
	if ((s = string_of(j, "Type")) != NULL)
		return sns_message(n, j, s, in_sns);
	if (cJSON_GetObjectItemCaseSensitive(j, "Records") != NULL)
		return s3_event(n, j);
	if ((s = string_of(j, "Event")) != NULL) {
		if (strcmp(s, "s3:TestEvent") != 0)
			return unknown(n, "an S3 message other than "
			    "s3:TestEvent");
		n->form = FORM_TEST;
		n->kind = NOTIFY_TEST;
		return P_OK;
	}
	if (cJSON_GetObjectItemCaseSensitive(j, "s3ObjectKey") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(j, "s3Bucket") != NULL)
		return cloudtrail_notice(n, j);
	if (cJSON_GetObjectItemCaseSensitive(j, "detail-type") != NULL)
		return eventbridge_event(n, j);
	return unknown(n, "JSON, but no S3 event notification, SNS "
	    "notification, CloudTrail notice or EventBridge event");
}

/* Parse one JSON text (the body, or an SNS Message) and classify it. */
static int
parse_text(struct notify *n, const char *text, size_t len, int in_sns)
{
	cJSON_Hooks	 hooks = { count_malloc, free };
	cJSON		*j = NULL;
	const char	*end = NULL;
	int		 rc;

	if (memchr(text, '\0', len) != NULL)
		return unknown(n, "a NUL byte in the message");
	if (has_nul_escape(text, len))
		return unknown(n, "a \\u0000 escape in the message");
	cJSON_InitHooks(&hooks);
	cjson_failed = 0;
	j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (j == NULL && cjson_failed)
		return P_NOMEM;
	if (j == NULL)
		return unknown(n, "not JSON");
	/* Whatever follows the value must be white space. */
	while (end != NULL && end < text + len &&
	    strchr(" \t\r\n", *end) != NULL)
		end++;
	if (end == NULL || end != text + len)
		rc = unknown(n, "something after the JSON value");
	else
		rc = classify(n, j, in_sns);
	cJSON_Delete(j);
	return rc;
}

void
notify_free(struct notify *n)
{
	size_t	 i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nobjects; i++) {
		free(n->objects[i].bucket);
		free(n->objects[i].key);
		free(n->objects[i].region);
	}
	free(n->objects);
	n->objects = NULL;
	n->nobjects = 0;
}

int
notify_parse(const char *body, size_t len, struct notify *n)
{
	int	 rc;

	memset(n, 0, sizeof(*n));
	n->kind = NOTIFY_OBJECTS;
	if (len > NOTIFY_BODY_MAX)
		rc = unknown(n, "larger than %d bytes", NOTIFY_BODY_MAX);
	else if (body == NULL || len == 0)
		rc = unknown(n, "an empty message");
	else
		rc = parse_text(n, body, len, 0);
	/* Not understood names nothing: nothing half-read is acted on. */
	if (rc != P_OK) {
		notify_free(n);
		n->nskipped = 0;
		if (rc == P_NOMEM) {
			memset(n, 0, sizeof(*n));
			return -1;
		}
	}
	return 0;
}
