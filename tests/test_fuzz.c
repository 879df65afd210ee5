/* SPDX-License-Identifier: ISC */
/*
 * test_fuzz.c - replay the fuzz targets' inputs as a unit test: every seed
 * under tests/fuzz/corpus/ and every crash found so far, kept under
 * tests/fuzz/regress/TARGET/, through the same LLVMFuzzerTestOneInput
 * (renamed fuzz_TARGET by the Makefile). Built with the project's
 * compiler, so the regressions run in make check, make asan and under
 * valgrind, not only where clang is. A crash aborts the run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define REPLAY_MAX	(16 * 1024 * 1024)	/* larger inputs are not ours */

int	fuzz_flatten_flat(const uint8_t *, size_t);
int	fuzz_flatten_json(const uint8_t *, size_t);
int	fuzz_flatten_wazuh(const uint8_t *, size_t);
int	fuzz_s3_list(const uint8_t *, size_t);
int	fuzz_s3_error(const uint8_t *, size_t);
int	fuzz_ini(const uint8_t *, size_t);
int	fuzz_inflate(const uint8_t *, size_t);
int	fuzz_notify(const uint8_t *, size_t);
int	fuzz_sqs_receive(const uint8_t *, size_t);
int	fuzz_convert(const uint8_t *, size_t);
int	fuzz_digest(const uint8_t *, size_t);

static const struct target {
	const char	*name;
	const char	*corpus;	/* tests/fuzz/corpus/CORPUS */
	int		(*fn)(const uint8_t *, size_t);
} targets[] = {
	{ "flatten_flat",	"flatten",	fuzz_flatten_flat },
	{ "flatten_json",	"flatten",	fuzz_flatten_json },
	{ "flatten_wazuh",	"flatten",	fuzz_flatten_wazuh },
	{ "s3_list",		"s3_list",	fuzz_s3_list },
	{ "s3_error",		"s3_error",	fuzz_s3_error },
	{ "ini",		"ini",		fuzz_ini },
	{ "inflate",		"inflate",	fuzz_inflate },
	{ "notify",		"notify",	fuzz_notify },
	{ "sqs_receive",	"sqs_receive",	fuzz_sqs_receive },
	{ "convert",		"flatten",	fuzz_convert },
	{ "digest",		"digest",	fuzz_digest },
};

/* Run fn on every file in dir; the number of files, -1 if no dir. */
static int
replay_dir(const struct target *t, const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	FILE		*f;
	char		 path[1024];
	uint8_t		*buf;
	size_t		 len;
	int		 n, count = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	if ((buf = malloc(REPLAY_MAX)) == NULL) {
		closedir(d);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(path) ||
		    (f = fopen(path, "rb")) == NULL) {
			CHECK(0, "%s: cannot read %s", t->name, e->d_name);
			continue;
		}
		len = fread(buf, 1, REPLAY_MAX, f);
		fclose(f);
		/* A copy of just the input's size, so ASan sees overreads. */
		{
			uint8_t	*in = malloc(len ? len : 1);

			CHECK(in != NULL, "out of memory");
			if (in != NULL) {
				memcpy(in, buf, len);
				CHECK(t->fn(in, len) == 0, "%s: %s", t->name,
				    path);
				free(in);
			}
		}
		count++;
	}
	free(buf);
	closedir(d);
	return count;
}

int
main(void)
{
	char	dir[256];
	size_t	i;
	int	n, r;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		n = snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s",
		    targets[i].corpus);
		CHECK(n > 0 && (size_t)n < sizeof(dir), "path");
		CHECK((r = replay_dir(&targets[i], dir)) > 0,
		    "%s: no seeds in %s", targets[i].name, dir);
		n = snprintf(dir, sizeof(dir), "tests/fuzz/regress/%s",
		    targets[i].name);
		CHECK(n > 0 && (size_t)n < sizeof(dir), "path");
		(void)replay_dir(&targets[i], dir);
	}
	UNIT_DONE();
}
