/* SPDX-License-Identifier: ISC */
/*
 * sig.h - SIGINT and SIGTERM: caught, noted, and looked at between steps,
 * so that a run stops where nothing is half done.
 */
#ifndef GETAWSLOG_SIG_H
#define GETAWSLOG_SIG_H

#include <signal.h>

/* Catch SIGINT and SIGTERM from now on. */
void	 sig_catch(void);

/* The signal caught (SIGINT, SIGTERM), or 0. */
int	 sig_caught(void);

/* The flag itself, for libcurl's progress callback (s3.c). */
volatile sig_atomic_t	*sig_flag(void);

#endif /* GETAWSLOG_SIG_H */
