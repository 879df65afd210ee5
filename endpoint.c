/* SPDX-License-Identifier: ISC */
/*
 * endpoint.c - host names of S3, STS and SQS by partition, the way
 * botocore's endpoint rule sets (endpoint-rule-set-1.json of s3, sts and
 * sqs, over partitions.json) make them. tests/test_endpoint.py checks
 * every region botocore knows, with and without FIPS and dual-stack,
 * against botocore's own resolver.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"

/* partitions.json: the first whose regex matches, else aws. */
struct partition {
	const char	*id;
	const char	*head;		/* the regex's first part */
	int		 head_words;	/* words between it and the number */
	const char	*dns;		/* dnsSuffix */
	const char	*dualdns;	/* dualStackDnsSuffix */
	int		 s3_fips;	/* S3 has FIPS endpoints there */
};

static const struct partition partitions[] = {
	{ "aws-us-gov", "us-gov-", 1, "amazonaws.com", "api.aws", 1 },
	{ "aws-iso", "us-iso-", 1, "c2s.ic.gov", "api.aws.ic.gov", 1 },
	{ "aws-iso-b", "us-isob-", 1, "sc2s.sgov.gov", "api.aws.scloud", 1 },
	{ "aws-iso-e", "eu-isoe-", 1, "cloud.adc-e.uk",
	    "api.cloud-aws.adc-e.uk", 1 },
	{ "aws-iso-f", "us-isof-", 1, "csp.hci.ic.gov", "api.aws.hci.ic.gov",
	    1 },
	{ "aws-eusc", "eusc-de-", 1, "amazonaws.eu",
	    "api.amazonwebservices.eu", 1 },
	{ "aws-cn", "cn-", 1, "amazonaws.com.cn",
	    "api.amazonwebservices.com.cn", 0 },
	/* ^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$, and the default. */
	{ "aws", NULL, 1, "amazonaws.com", "api.aws", 1 },
};
#define NPARTITIONS	(sizeof(partitions) / sizeof(partitions[0]))

/* \w+-\d+$ at s: a word (letters, digits, '_'), '-', digits, the end. */
static int
word_number(const char *s)
{
	size_t	i = 0, j;

	while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	    (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
		i++;
	if (i == 0 || s[i] != '-')
		return 0;
	for (j = i + 1; s[j] >= '0' && s[j] <= '9'; j++)
		continue;
	return j > i + 1 && s[j] == '\0';
}

static const struct partition *
partition_of(const char *region)
{
	size_t	i, len;

	for (i = 0; i < NPARTITIONS; i++) {
		/* Each partition lists its "ID-global" pseudo-region. */
		len = strlen(partitions[i].id);
		if (strncmp(region, partitions[i].id, len) == 0 &&
		    strcmp(region + len, "-global") == 0)
			return &partitions[i];
	}
	for (i = 0; i < NPARTITIONS - 1; i++) {
		len = strlen(partitions[i].head);
		if (strncmp(region, partitions[i].head, len) == 0 &&
		    word_number(region + len))
			return &partitions[i];
	}
	return &partitions[NPARTITIONS - 1];
}

const char *
endpoint_partition(const char *region)
{
	return partition_of(region)->id;
}

/* A region that can stand in a host name: [a-z0-9-], not empty. */
static int
region_ok(const char *r)
{
	size_t	i;

	for (i = 0; r[i] != '\0'; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') ||
		    (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return 0;
	return i > 0 && i < 64;
}

int
endpoint_host(const char *service, const char *region, unsigned flags,
    char *host, size_t hostlen, char *err, size_t errlen)
{
	const struct partition	*p;
	int			 fips = (flags & ENDPOINT_FIPS) != 0;
	int			 dual = (flags & ENDPOINT_DUALSTACK) != 0;
	int			 s3 = strcmp(service, "s3") == 0, n;
	int			 sts = strcmp(service, "sts") == 0;

	if (!region_ok(region)) {
		(void)snprintf(err, errlen, "region %.64s: not a region name",
		    region);
		return -1;
	}
	p = partition_of(region);
	if (strcmp(region, "aws-global") == 0 && (s3 || sts)) {
		/* The global endpoints: us-east-1's under another name. */
		if (!fips && !dual)
			region = NULL;
		else if (s3)
			region = "us-east-1";
	}
	if (region == NULL)
		n = snprintf(host, hostlen, "%s.amazonaws.com", service);
	else if (s3) {
		if (fips && !p->s3_fips) {
			(void)snprintf(err, errlen, "region %s: partition %s "
			    "has no FIPS endpoint for S3", region, p->id);
			return -1;
		}
		/* S3's dual-stack hosts keep the partition's own suffix. */
		n = snprintf(host, hostlen, "s3%s%s.%s.%s", fips ? "-fips" : "",
		    dual ? ".dualstack" : "", region, p->dns);
	} else if (fips && !dual && strcmp(p->id, "aws-us-gov") == 0 &&
	    (sts || strcmp(service, "sqs") == 0 ||
	    (strcmp(service, "cloudtrail") == 0 &&
	    (strcmp(region, "us-gov-east-1") == 0 ||
	    strcmp(region, "us-gov-west-1") == 0))))
		/*
		 * GovCloud's STS and SQS are FIPS endpoints already, and so
		 * are CloudTrail's in its two regions (its rule set names
		 * them; a new region gets cloudtrail-fips).
		 */
		n = snprintf(host, hostlen, "%s.%s.%s", service, region, p->dns);
	else
		n = snprintf(host, hostlen, "%s%s.%s.%s", service,
		    fips ? "-fips" : "", region, dual ? p->dualdns : p->dns);
	if (n < 0 || (size_t)n >= hostlen) {
		(void)snprintf(err, errlen, "region %.64s: host name too long",
		    region != NULL ? region : "");
		return -1;
	}
	return 0;
}

int
endpoint_flag(const char *value)
{
	return value != NULL && strcasecmp(value, "true") == 0;
}
