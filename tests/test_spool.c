/* SPDX-License-Identifier: ISC */
/*
 * test_spool.c - unit tests of spool.c: bytes come back in order whether
 * they stayed in memory or went to the file, rewinding forgets them, a
 * spool is reused after a drain, and failures are failures (a writer that
 * refuses, a file that cannot grow, no directory to put the file in; a
 * directory that does not exist gives way to $TMPDIR), a limit; bytes
 * written in place (spool_lend, spool_commit) are held as written ones.
 */
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "spool.h"
#include "unit.h"

/* Write data in pieces of random sizes, drain, compare. */
static void
round_trip(struct spool *sp, const char *data, size_t len, const char *what)
{
	struct cap	 s;
	size_t		 at = 0, n;

	memset(&s, 0, sizeof(s));
	while (at < len) {
		n = (size_t)rand() % 5000 + 1;
		if (n > len - at)
			n = len - at;
		CHECK(spool_write(sp, data + at, n) == 0, "%s: write", what);
		at += n;
	}
	CHECK(spool_size(sp) == len, "%s: size %llu", what,
	    (unsigned long long)spool_size(sp));
	CHECK(spool_drain(sp, cap_write, &s) == 0, "%s: drain", what);
	CHECK(s.len == len && (len == 0 || memcmp(s.p, data, len) == 0),
	    "%s: %zu bytes back of %zu", what, s.len, len);
	CHECK(spool_size(sp) == 0, "%s: empty after the drain", what);
	cap_reset(&s);
}

/*
 * Loans: bytes written in place come back in order with written ones; a
 * second loan keeps what the first had (the memory grew under it); no
 * loan past the memory limit or once the file is used; a commit is held
 * to the limit as a write, and to the loan.
 */
static void
loans(const char *big)
{
	struct spool	*sp;
	struct cap	 s;
	char		*p;

	sp = spool_new(NULL, 300 * 1000);
	CHECK(spool_write(sp, big, 10) == 0, "write before a loan");
	p = spool_lend(sp, 100);
	CHECK(p != NULL, "lend 100");
	memcpy(p, big + 10, 50);
	/* 200 kB: more than the first allocation, the memory moves. */
	p = spool_lend(sp, 200 * 1000);
	CHECK(p != NULL && memcmp(p, big + 10, 50) == 0, "second loan "
	    "keeps the first's bytes");
	memcpy(p + 50, big + 60, 150 * 1000);
	CHECK(spool_lend(sp, 300 * 1000) == NULL, "no loan past the memory");
	CHECK(memcmp(p, big + 10, 50) == 0, "a refused loan leaves the last");
	CHECK(spool_commit(sp, 150 * 1000 + 50) == 0, "commit");
	CHECK(spool_size(sp) == 150 * 1000 + 60, "size %llu",
	    (unsigned long long)spool_size(sp));
	CHECK(spool_commit(sp, 1) == -1, "no loan, no commit");
	p = spool_lend(sp, 100);
	CHECK(p != NULL && spool_commit(sp, 101) == -1, "more than lent");
	p = spool_lend(sp, 100);
	memcpy(p, big + 150 * 1000 + 60, 40);
	CHECK(spool_commit(sp, 40) == 0, "a commit less than the loan");
	CHECK(spool_write(sp, big + 150 * 1000 + 100, 200 * 1000) == 0,
	    "write on into the file");
	CHECK(spool_lend(sp, 1) == NULL, "no loan once the file is used");
	memset(&s, 0, sizeof(s));
	CHECK(spool_drain(sp, cap_write, &s) == 0 && s.len == 350 * 1000 +
	    100 && memcmp(s.p, big, s.len) == 0, "loans in order: %zu", s.len);
	cap_reset(&s);

	/* A rewind ends a loan; a commit meets the limit as a write. */
	CHECK(spool_lend(sp, 10) != NULL && spool_rewind(sp) == 0 &&
	    spool_commit(sp, 10) == -1 && spool_size(sp) == 0, "rewound");
	spool_limit(sp, 1000);
	CHECK((p = spool_lend(sp, 2000)) != NULL, "a loan past the limit");
	memcpy(p, big, 1000);
	CHECK(spool_commit(sp, 1000) == 0 && spool_over(sp) == 0, "up to it");
	CHECK(spool_lend(sp, 1) != NULL && spool_commit(sp, 1) == -1 &&
	    spool_over(sp) == 1000 && spool_size(sp) == 1000, "past it");
	spool_free(sp);
	sp = spool_new(NULL, 0);
	CHECK(spool_lend(sp, 1) == NULL, "no memory, no loan");
	spool_free(sp);
}

int
main(void)
{
	struct spool	*sp;
	struct cap	 s;
	struct rlimit	 rl, old;
	char		*big;
	size_t		 i, n = 5 * 1000 * 1000;

	srand(20240730);
	if ((big = malloc(n)) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		big[i] = (char)(rand() & 0xff);

	/* In memory only, then across the limit, then all in the file. */
	sp = spool_new(NULL, 1 << 20);
	CHECK(sp != NULL, "new");
	round_trip(sp, big, 1000, "small");
	round_trip(sp, big, n, "past the limit");
	round_trip(sp, big + 7, 3 * 1000 * 1000, "reused, shorter");
	round_trip(sp, big, 0, "empty");
	spool_free(sp);
	sp = spool_new(NULL, 0);
	round_trip(sp, big, 300 * 1000, "no memory at all");
	spool_free(sp);
	loans(big);
	sp = spool_new(".", 10);
	round_trip(sp, big, 25, "ten bytes of memory, file in .");

	/* Rewinding forgets what was held, in memory and in the file. */
	CHECK(spool_write(sp, big, 30) == 0, "write 30");
	CHECK(spool_rewind(sp) == 0 && spool_size(sp) == 0, "rewind");
	CHECK(spool_write(sp, "xyz", 3) == 0, "write after rewind");
	memset(&s, 0, sizeof(s));
	CHECK(spool_drain(sp, cap_write, &s) == 0 && s.len == 3 &&
	    memcmp(s.p, "xyz", 3) == 0, "only what came after the rewind");
	cap_reset(&s);

	/* A writer that fails fails the drain, which still empties it. */
	CHECK(spool_write(sp, big, 600 * 1000) == 0, "write 600 kB");
	memset(&s, 0, sizeof(s));
	s.fail = 2;
	CHECK(spool_drain(sp, cap_write, &s) == -1, "writer fails");
	CHECK(s.writes == 2 && spool_size(sp) == 0, "stopped, emptied");
	cap_reset(&s);
	spool_free(sp);

	/* A limit: the write past it fails, silently; spool_over says. */
	sp = spool_new(NULL, 100);
	spool_limit(sp, 1000);
	CHECK(spool_write(sp, big, 600) == 0 && spool_over(sp) == 0,
	    "under the limit");
	CHECK(spool_write(sp, big, 400) == 0 && spool_over(sp) == 0,
	    "up to the limit");
	CHECK(spool_write(sp, big, 1) == -1 && spool_over(sp) == 1000,
	    "past the limit");
	spool_limit(sp, 0);
	CHECK(spool_over(sp) == 0 && spool_rewind(sp) == 0, "limit lifted");
	round_trip(sp, big, 50000, "no limit");
	spool_limit(sp, 10);
	CHECK(spool_write(sp, big, (size_t)-1) == -1 && spool_over(sp) == 10,
	    "a length past any limit");
	spool_free(sp);

	/* A file that cannot grow (RLIMIT_FSIZE) is a write error. */
	sp = spool_new(NULL, 100);
	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0, "getrlimit");
	rl = old;
	rl.rlim_cur = 4096;
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit");
	CHECK(spool_write(sp, big, 4000) == 0, "under the file limit");
	CHECK(spool_write(sp, big, 8000) == -1, "over the file limit");
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0, "setrlimit back");
	CHECK(spool_rewind(sp) == 0, "rewind after the failure");
	round_trip(sp, big, 50000, "usable again");
	spool_free(sp);

	/* No such directory: the file goes to $TMPDIR's... */
	sp = spool_new("/nonexistent/spool/dir", 10);
	round_trip(sp, big, 20000, "missing directory, $TMPDIR instead");
	spool_free(sp);
	/* ... and when that is missing too, the write that needs it fails. */
	CHECK(setenv("TMPDIR", "/nonexistent/tmp/dir", 1) == 0, "setenv");
	sp = spool_new("/nonexistent/spool/dir", 10);
	CHECK(spool_write(sp, big, 10) == 0, "fits in memory");
	CHECK(spool_write(sp, big, 1) == -1, "needs a missing directory");
	spool_free(sp);
	CHECK(unsetenv("TMPDIR") == 0, "unsetenv");
	CHECK(spool_tmpfile("/nonexistent/spool/dir") == -1 &&
	    errno == ENOENT, "tmpfile: ENOENT");

	free(big);
	UNIT_DONE();
}
