/* SPDX-License-Identifier: ISC */
/*
 * ini.h - AWS and boto credentials and config files, read with libinih.
 */
#ifndef GETAWSLOG_INI_H
#define GETAWSLOG_INI_H

#include <stddef.h>

/* A key to look up in one section, and the value found (malloc'd). */
struct ini_kv {
	const char	*name;
	char		*value;		/* NULL when absent; caller frees */
};

/*
 * Read the values of kv[0..nkv) from section `section` of the INI file at
 * path; a later occurrence of a key overrides an earlier one, and a value
 * already in kv is replaced only when the file has the key. Returns 1 when
 * the section exists, 0 when it does not or the file is missing, -1 when the
 * file cannot be read or parsed (a message naming the file and line has
 * been printed).
 */
int	 ini_section(const char *path, const char *section, struct ini_kv *kv,
	    size_t nkv);

/* Free (wiping: they may be keys) the values of kv[0..n), NULL them. */
void	 ini_kv_clear(struct ini_kv *kv, size_t n);

/* Where credentials and settings come from. */
struct aws_creds {
	char		*access_key;
	char		*secret_key;
	char		*session_token;	/* NULL when none */
	char		 source[128];	/* e.g. "environment", "/root/.aws/credentials [prod]" */
};

/* Each NULL when not configured; the environment wins over the file. */
struct aws_settings {
	char		*region;
	char		*endpoint_url;		/* S3's */
	char		*sqs_endpoint_url;	/* SQS's: AWS_ENDPOINT_URL_SQS, else
						   AWS_ENDPOINT_URL or the
						   profile's endpoint_url */
	char		*cloudtrail_endpoint_url; /* the same for CloudTrail's
						   ListPublicKeys */
	char		*addressing_style;	/* "s3 =" nested: path, virtual, auto */
	char		*ca_bundle;
	char		*max_attempts;		/* as written; main checks it */
	char		*retry_mode;		/* legacy, standard, adaptive */
};

/*
 * Find credentials, first match wins: the environment (unless a profile was
 * named on the command line), the shared credentials file and then the
 * config file in the profile (--profile, AWS_PROFILE, else "default"), boto's
 * config files' [Credentials] section.
 * Returns 1 when found, 0 when there are none anywhere, -1 on an error
 * (unreadable file, a named profile that does not exist); messages printed.
 */
int	 ini_find_credentials(const char *cli_profile, struct aws_creds *out);

/* The same, limited to some of the places (creds.c puts others between). */
#define INI_FROM_ENV	1u	/* AWS_ACCESS_KEY_ID and friends */
#define INI_FROM_CREDFILE 2u	/* the shared credentials file */
#define INI_FROM_BOTO	4u	/* boto's files */
#define INI_FROM_CONFIG	8u	/* the config file */
#define INI_FROM_FILES	(INI_FROM_CREDFILE | INI_FROM_CONFIG)
int	 ini_find_credentials_in(const char *cli_profile, unsigned what,
	    struct aws_creds *out);

/*
 * The values of kv[0..nkv) in the profile's section of the config file,
 * then of the credentials file (which wins). A name "a.b" is b in a nested
 * block "a =". 1 when the profile exists, 0 when not, -1 on a bad file.
 */
int	 ini_profile(const char *cli_profile, struct ini_kv *kv, size_t nkv);

/* --profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default". */
const char	*ini_profile_name(const char *cli_profile);

/*
 * Region, endpoint, addressing style, CA bundle and retry settings from the
 * environment and the profile's section of the AWS config file. Returns 0, or -1 on an unreadable or invalid file.
 */
int	 ini_find_settings(const char *cli_profile, struct aws_settings *out);

void	 aws_creds_clear(struct aws_creds *);
void	 aws_settings_clear(struct aws_settings *);

#endif /* GETAWSLOG_INI_H */
