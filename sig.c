/* SPDX-License-Identifier: ISC */
/*
 * sig.c - the one signal flag of the process.
 */
#include <string.h>

#include "sig.h"

static volatile sig_atomic_t	caught;

static void
on_signal(int sig)
{
	caught = sig;
}

void
sig_catch(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
sig_caught(void)
{
	return (int)caught;
}

volatile sig_atomic_t *
sig_flag(void)
{
	return &caught;
}
