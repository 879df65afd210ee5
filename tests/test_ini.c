/* SPDX-License-Identifier: ISC */
/*
 * test_ini.c - credentials and settings lookup over files made here:
 * precedence, profiles, boto's [Credentials], long session tokens (past
 * libinih's 200-byte line buffer), and bad files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ini.h"
#include "unit.h"

static char dir[] = "/tmp/getawslog-ini.XXXXXX";

static void
put(const char *name, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void
clean_env(void)
{
	static const char *const vars[] = { "AWS_ACCESS_KEY_ID",
	    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE",
	    "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_CA_BUNDLE",
	    "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", NULL };
	char	path[256];
	size_t	i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
	setenv("HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/no-boto", dir);
	setenv("BOTO_CONFIG", path, 1);
}

static void
test_env_first(void)
{
	struct aws_creds	c;

	clean_env();
	put("creds", "[default]\naws_access_key_id = FILEKEY\n"
	    "aws_secret_access_key = filesecret\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
	setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SECURITY_TOKEN", "bototoken", 1);
	CHECK(ini_find_credentials(NULL, &c) == 1, "env credentials");
	CHECK_STR(c.access_key, "ENVKEY", "env key");
	CHECK_STR(c.session_token, "bototoken", "boto's token variable");
	CHECK_STR(c.source, "environment", "source");
	aws_creds_clear(&c);
}

static void
test_shared_file(void)
{
	struct aws_creds	c;
	char			path[256], *tok, *text;
	size_t			i;

	clean_env();
	tok = malloc(1201);
	for (i = 0; i < 1200; i++)
		tok[i] = "ABCdef0123+/="[i % 13];
	tok[1200] = '\0';
	if (asprintf(&text, "# comment\n[default]\naws_access_key_id = DEF\n"
	    "aws_secret_access_key = defsecret ; inline comment\n\n"
	    "[prod]\naws_access_key_id=PROD\naws_secret_access_key=prodsecret\n"
	    "aws_session_token = %s\nregion = eu-west-1\n", tok) == -1)
		exit(1);
	put("credentials", text);
	free(text);
	snprintf(path, sizeof(path), "%s/credentials", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);

	CHECK(ini_find_credentials(NULL, &c) == 1, "default profile");
	CHECK_STR(c.access_key, "DEF", "default key");
	CHECK_STR(c.secret_key, "defsecret", "inline comment stripped");
	CHECK(c.session_token == NULL, "no token");
	aws_creds_clear(&c);

	CHECK(ini_find_credentials("prod", &c) == 1, "--profile prod");
	CHECK_STR(c.access_key, "PROD", "prod key");
	CHECK_STR(c.session_token, tok, "a 1200-byte token survives");
	aws_creds_clear(&c);

	setenv("AWS_PROFILE", "prod", 1);
	CHECK(ini_find_credentials(NULL, &c) == 1, "AWS_PROFILE");
	CHECK_STR(c.access_key, "PROD", "AWS_PROFILE picks prod");
	aws_creds_clear(&c);

	/* A profile named on the command line beats the environment. */
	setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	CHECK(ini_find_credentials("default", &c) == 1, "--profile default");
	CHECK_STR(c.access_key, "DEF", "--profile beats env");
	aws_creds_clear(&c);

	CHECK(ini_find_credentials("nosuch", &c) == -1,
	    "a missing profile is an error");
	free(tok);
}

static void
test_config_and_boto(void)
{
	struct aws_creds	c;
	struct aws_settings	s;
	char			path[256];

	clean_env();
	put("config", "[default]\nregion = us-west-2\n"
	    "[profile other]\nregion = ap-south-1\nendpoint_url = http://x:1\n"
	    "aws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\n"
	    "s3 =\n  addressing_style = path\n");
	snprintf(path, sizeof(path), "%s/config", dir);
	setenv("AWS_CONFIG_FILE", path, 1);

	CHECK(ini_find_settings(NULL, &s) == 0, "settings");
	CHECK_STR(s.region, "us-west-2", "default region");
	CHECK(s.endpoint_url == NULL, "no endpoint");
	aws_settings_clear(&s);

	CHECK(ini_find_settings("other", &s) == 0, "settings other");
	CHECK_STR(s.region, "ap-south-1", "profile region");
	CHECK_STR(s.endpoint_url, "http://x:1", "profile endpoint");
	aws_settings_clear(&s);

	setenv("AWS_DEFAULT_REGION", "eu-north-1", 1);
	setenv("AWS_ENDPOINT_URL", "http://y:2", 1);
	CHECK(ini_find_settings("other", &s) == 0, "settings env");
	CHECK_STR(s.region, "eu-north-1", "env region beats the file");
	CHECK_STR(s.endpoint_url, "http://y:2", "env endpoint");
	aws_settings_clear(&s);

	CHECK(ini_find_credentials("other", &c) == 1, "keys in config");
	CHECK_STR(c.access_key, "CFGKEY", "config key");
	aws_creds_clear(&c);

	/* No shared file keys: boto's [Credentials]. */
	put("boto", "[Boto]\ndebug = 0\n[Credentials]\n"
	    "aws_access_key_id = BOTOKEY\naws_secret_access_key = botosecret\n");
	snprintf(path, sizeof(path), "%s/boto", dir);
	setenv("BOTO_CONFIG", path, 1);
	CHECK(ini_find_credentials(NULL, &c) == 1, "boto credentials");
	CHECK_STR(c.access_key, "BOTOKEY", "boto key");
	CHECK(strstr(c.source, "boto") != NULL, "source names the file: %s",
	    c.source);
	aws_creds_clear(&c);

	setenv("BOTO_CONFIG", "/nonexistent", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent", 1);
	CHECK(ini_find_credentials(NULL, &c) == 0, "nothing anywhere");
}

static void
test_bad_file(void)
{
	struct ini_kv	kv[1] = { { "region", NULL } };
	char		path[256];

	put("bad", "[default]\nregion = x\nthis line is not ini\n");
	snprintf(path, sizeof(path), "%s/bad", dir);
	CHECK(ini_section(path, "default", kv, 1) == -1, "bad line is an error");
	free(kv[0].value);
	kv[0].value = NULL;
	CHECK(ini_section("/nonexistent/x", "default", kv, 1) == 0,
	    "missing file is no section");
	CHECK(ini_section(dir, "default", kv, 1) == -1,
	    "a directory is an error");
	put("dup", "[a]\nregion = 1\n[b]\nregion = 2\n[a]\nregion = 3\n");
	snprintf(path, sizeof(path), "%s/dup", dir);
	CHECK(ini_section(path, "a", kv, 1) == 1, "section a");
	CHECK_STR(kv[0].value, "3", "later value wins");
	free(kv[0].value);
}

/* Issue 6: nested "s3 =" settings, ca_bundle, retry keys, ini_profile. */
static void
test_settings(void)
{
	struct aws_settings	 set;
	struct ini_kv		 kv[2] = { { "role_arn", NULL },
				    { "source_profile", NULL } };
	char			 path[256];

	clean_env();
	put("cfg", "[profile p]\nregion = eu-west-1\ns3 =\n"
	    "  max_concurrent_requests = 4\n  addressing_style = path\n"
	    "ca_bundle = /etc/ca.pem\nmax_attempts = 7\nretry_mode = legacy\n"
	    "role_arn = arn:cfg\nsource_profile = base\n"
	    "[profile q]\ns3 =\n  addressing_style=virtual\n");
	put("creds", "[p]\nrole_arn = arn:creds\n");
	snprintf(path, sizeof(path), "%s/cfg", dir);
	setenv("AWS_CONFIG_FILE", path, 1);
	snprintf(path, sizeof(path), "%s/creds", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	CHECK(ini_find_settings("p", &set) == 0, "settings p");
	CHECK_STR(set.region, "eu-west-1", "region");
	CHECK_STR(set.addressing_style, "path", "nested addressing_style");
	CHECK_STR(set.ca_bundle, "/etc/ca.pem", "ca_bundle");
	CHECK_STR(set.max_attempts, "7", "max_attempts");
	CHECK_STR(set.retry_mode, "legacy", "retry_mode");
	aws_settings_clear(&set);
	CHECK(ini_find_settings("q", &set) == 0, "settings q");
	CHECK_STR(set.addressing_style, "virtual", "no blanks around =");
	CHECK(set.region == NULL && set.ca_bundle == NULL, "absent keys");
	aws_settings_clear(&set);
	setenv("AWS_CA_BUNDLE", "/env/ca.pem", 1);
	setenv("AWS_MAX_ATTEMPTS", "2", 1);
	setenv("AWS_RETRY_MODE", "standard", 1);
	CHECK(ini_find_settings("p", &set) == 0, "settings p, env");
	CHECK_STR(set.ca_bundle, "/env/ca.pem", "AWS_CA_BUNDLE wins");
	CHECK_STR(set.max_attempts, "2", "AWS_MAX_ATTEMPTS wins");
	CHECK_STR(set.retry_mode, "standard", "AWS_RETRY_MODE wins");
	aws_settings_clear(&set);
	CHECK(ini_profile("p", kv, 2) == 1, "profile p");
	CHECK_STR(kv[0].value, "arn:creds", "credentials file wins");
	CHECK_STR(kv[1].value, "base", "config file's source_profile");
	free(kv[0].value);
	free(kv[1].value);
	kv[0].value = kv[1].value = NULL;
	CHECK(ini_profile("nosuch", kv, 2) == 0, "no such profile");
}

int
main(void)
{
	char	cmd[300];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_env_first();
	test_shared_file();
	test_config_and_boto();
	test_bad_file();
	test_settings();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	UNIT_DONE();
}
