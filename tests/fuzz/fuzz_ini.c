/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ini.c - libFuzzer target: the INI reader (libinih with ini.c's
 * long-value side table) and the credential chain over it. The input is
 * the file, handed over as a memfd path (/proc/self/fd/N): nothing on disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ini.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini_kv		 kv[4] = { { "aws_access_key_id", NULL },
	    { "aws_secret_access_key", NULL }, { "aws_session_token", NULL },
	    { "region", NULL } };
	struct aws_creds	 c;
	struct aws_settings	 set;
	char			 path[64];
	int			 fd, n;

	if ((fd = memfd_create("fuzz-ini", MFD_CLOEXEC)) == -1)
		return 0;
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		goto out;
	n = snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (n < 0 || (size_t)n >= sizeof(path))
		goto out;
	(void)ini_section(path, "default", kv, 4);
	ini_kv_clear(kv, 4);
	(void)ini_section(path, "profile prod", kv, 4);
	ini_kv_clear(kv, 4);
	/* The whole chain: the file as the credentials and config files. */
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("AWS_CONFIG_FILE", path, 1);
	setenv("BOTO_CONFIG", path, 1);
	if (ini_find_credentials(size > 0 && data[0] & 1 ? "prod" : NULL,
	    &c) == 1 && (c.access_key == NULL || c.secret_key == NULL))
		abort();
	aws_creds_clear(&c);
	if (ini_find_settings(NULL, &set) == 0)
		aws_settings_clear(&set);
out:
	close(fd);
	return 0;
}
