/* SPDX-License-Identifier: ISC */
#ifndef OPTIONS_H
#define OPTIONS_H

struct options;

#define ATTEMPTS_MAX	100		/* --max-attempts, max_attempts */
#define ATTEMPTS_STANDARD 3		/* botocore: standard, adaptive */
#define ATTEMPTS_LEGACY	5		/* botocore: legacy */

/*
 * argv into o, with the defaults; a bad option prints optparse's usage
 * and message and exits 2; -h and --version print and exit 0.
 */
void	options_parse(int argc, char **argv, struct options *o);

#endif
