/* SPDX-License-Identifier: ISC */
/*
 * endpoint.h - AWS's host names for S3, STS, SQS and CloudTrail in a
 * region, as botocore's partition rules make them: aws, aws-cn (amazonaws.com.cn),
 * aws-us-gov, the isolated partitions, FIPS and dual-stack endpoints.
 */
#ifndef GETAWSLOG_ENDPOINT_H
#define GETAWSLOG_ENDPOINT_H

#include <stddef.h>

#define ENDPOINT_HOST_MAX	256

/* use_fips_endpoint, use_dualstack_endpoint (ini.c's settings). */
#define ENDPOINT_FIPS		1u
#define ENDPOINT_DUALSTACK	2u

/*
 * The host of service ("s3", "sts", "sqs" or "cloudtrail") in region:
 * "s3.eu-west-1.amazonaws.com", "sts.cn-north-1.amazonaws.com.cn",
 * "sqs-fips.us-east-1.amazonaws.com". S3's is the path-style host; a
 * virtual-hosted bucket goes in front of it. 0, or -1 with why in err
 * (a partition without FIPS S3, a region name that is no host name).
 */
int	 endpoint_host(const char *service, const char *region,
	    unsigned flags, char *host, size_t hostlen, char *err,
	    size_t errlen);

/* The partition of region ("aws", "aws-cn", ...), as botocore picks it. */
const char	*endpoint_partition(const char *region);

/*
 * A setting's truth as botocore reads use_fips_endpoint: "true" in any
 * case is 1, anything else 0.
 */
int	 endpoint_flag(const char *value);

#endif /* GETAWSLOG_ENDPOINT_H */
