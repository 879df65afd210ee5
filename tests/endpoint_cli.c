/* SPDX-License-Identifier: ISC */
/*
 * endpoint_cli - endpoint.c as a filter, for tests/test_endpoint.py: each
 * line "SERVICE REGION FIPS DUALSTACK" (0 or 1) gives one line, the host,
 * or "ERROR why".
 */
#include <stdio.h>
#include <string.h>

#include "endpoint.h"

int
main(void)
{
	char		 line[512], service[16], region[128], host[ENDPOINT_HOST_MAX];
	char		 err[256];
	int		 fips, dual;
	unsigned	 flags;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%15s %127s %d %d", service, region, &fips,
		    &dual) != 4) {
			fprintf(stderr, "endpoint_cli: bad line: %s", line);
			return 1;
		}
		flags = (fips ? ENDPOINT_FIPS : 0) |
		    (dual ? ENDPOINT_DUALSTACK : 0);
		if (endpoint_host(service, region, flags, host, sizeof(host),
		    err, sizeof(err)) == -1)
			printf("ERROR %s\n", err);
		else
			printf("%s\n", host);
	}
	return 0;
}
