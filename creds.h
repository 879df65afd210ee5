/* SPDX-License-Identifier: ISC */
/*
 * creds.h - the AWS credential chain: static keys (ini.c) and the sources
 * that hand out temporary keys: credential_process, STS AssumeRole and
 * AssumeRoleWithWebIdentity, container credentials, EC2 instance metadata.
 */
#ifndef GETAWSLOG_CREDS_H
#define GETAWSLOG_CREDS_H

#include <time.h>

#include "ini.h"

/* STS's requests (AssumeRole, AssumeRoleWithWebIdentity, --check's). */
#define STS_CONNECT_MS		10000
#define STS_TIMEOUT_MS		30000
#define STS_VERSION		"2011-06-15"
#define STS_FORM_TYPE		"application/x-www-form-urlencoded; " \
				"charset=utf-8"

struct creds;

struct creds_options {
	const char	*cli_profile;	/* --profile, or NULL */
	const char	*region;	/* for STS; NULL: us-east-1 */
	const char	*ca_bundle;	/* NULL: the system's CA store */
	unsigned	 endpoint_flags;	/* STS's: endpoint.h's */
	int		 debug;		/* > 1: say what is tried */
};

/*
 * Find credentials in the AWS CLI's order: the environment (without
 * --profile), role_arn in the profile (with source_profile or
 * credential_source), web identity (AWS_WEB_IDENTITY_TOKEN_FILE and
 * AWS_ROLE_ARN), keys in the shared credentials or config file,
 * credential_process, boto's files, container credentials, EC2 instance
 * metadata (IMDSv2).
 * On 1, out holds the keys and their source (never a secret), *expires
 * when they expire (0: never) and *cp a provider for creds_refresh (free
 * it with creds_free). 0: none anywhere. -1: an error, printed.
 */
int	 creds_find(const struct creds_options *, struct creds **cp,
	    struct aws_creds *out, time_t *expires);

/*
 * Fetch new keys from the same source; an s3_refresh_fn. 0, or -1 after
 * printing why.
 */
int	 creds_refresh(void *creds, char **access_key, char **secret_key,
	    char **session_token, time_t *expires);

void	 creds_free(struct creds *);

/*
 * STS's endpoint: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the
 * region's host as endpoint_host makes it with flags (FIPS, dual-stack).
 * Allocated; NULL when out of memory, or why says what is wrong.
 */
char	*creds_sts_url(const char *region, unsigned flags, char *why,
	    size_t whylen);

/*
 * Pure helpers, for tests. creds_parse_time: an ISO 8601 UTC time
 * ("2024-07-30T21:05:00Z", fractions and "+00:00" allowed) to time_t; 0 or
 * -1. creds_split_command: a shell-like split (blanks, '...', "...", \)
 * into a NULL-terminated malloc'd argv (free with creds_free_argv); NULL
 * on a bad command (why set).
 */
int	 creds_parse_time(const char *, time_t *);
char	**creds_split_command(const char *, const char **why);
void	 creds_free_argv(char **);

#endif /* GETAWSLOG_CREDS_H */
