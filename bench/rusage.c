/* SPDX-License-Identifier: ISC */
/*
 * rusage.c - run a command, then write its wall time and rusage to a file.
 *
 *     rusage OUTFILE COMMAND [ARG...]
 *
 * Writes "wall_seconds user_seconds sys_seconds maxrss_kib exit_status" to
 * OUTFILE.  The benchmark runs every measured program through this small
 * launcher because Linux carries the RSS high-water mark of the process that
 * forks into the child's ru_maxrss across exec: started straight from the
 * benchmark's Python (moto and the front live there, ~100 MiB), every child
 * would report at least that.  Forked from this small program, it does not.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUTFILE COMMAND [ARG...]\n");
		return 127;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("rusage: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("rusage: wait4");
		return 127;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f = fopen(argv[1], "w");
	if (f == NULL) {
		perror(argv[1]);
		return 127;
	}
	fprintf(f, "%.6f %.6f %.6f %ld %d\n",
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (fclose(f) != 0)
		return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
