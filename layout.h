/* SPDX-License-Identifier: ISC */
/*
 * layout.h - CloudTrail's names and folders, as pure functions:
 * [PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
 * ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_UNIQUE.json.gz
 */
#ifndef GETAWSLOG_LAYOUT_H
#define GETAWSLOG_LAYOUT_H

#include <stddef.h>

/* Where a folder sits in the layout. */
enum layout_place {
	LAYOUT_OTHER,		/* not CloudTrail's */
	LAYOUT_ABOVE,		/* AWSLogs/, an organization, an account */
	LAYOUT_REGION,		/* ACCOUNT/CloudTrail/REGION/ */
	LAYOUT_DIGESTS		/* ACCOUNT/CloudTrail-Digest/ */
};

/*
 * Classify folder (ending in '/'); for a region folder, put the state's
 * name prefix "ACCOUNT_SERVICE_REGION_" in names.
 */
enum layout_place	 layout_classify(const char *folder, char *names,
			    size_t nameslen);

/*
 * The day in a CloudTrail name, "..._YYYYMMDDTHHMMZ_...", into day
 * (YYYYMMDD). 1 found, 0 not a CloudTrail name.
 */
int	 layout_object_day(const char *base, char day[9]);

/*
 * The time in the same place of a CloudTrail name, a real UTC minute from
 * 1970 on, into *when (seconds since the epoch). 1 found, 0 none.
 */
int	 layout_object_time(const char *base, long long *when);

/*
 * For a key in a region folder, FOLDER/YYYY/MM/DD/NAME: the folder's
 * length (FOLDER, up to and with its '/') and the day, YYYY/MM/DD into
 * day. 1, or 0 when the key is not in CloudTrail's layout.
 */
int	 layout_key_day(const char *key, size_t *folderlen, char day[11]);

/* A digest file, as the script's regex .+_CloudTrail-Digest_.+ said. */
int	 layout_is_digest(const char *base);

/*
 * What a digest's key says: [PREFIX/]AWSLogs/[o-ID/]ACCOUNT/
 * CloudTrail-Digest/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_REGION_
 * TRAIL_HOMEREGION_YYYYMMDDTHHMMSSZ[_backfill].json.gz. A trail's name may
 * hold '_': it is what lies between the region and the home region.
 */
#define LAYOUT_SCOPE_MAX	1100
struct layout_digest {
	char		 scope[LAYOUT_SCOPE_MAX];	/* layout_scope's */
	char		 account[13];
	char		 region[32];
	char		 trail[129];
	char		 home[32];
	long long	 when;		/* the name's time, seconds */
	int		 backfill;
};

/* Read a digest's key into out: 1, or 0 when it is not one. */
int	 layout_digest_name(const char *key, struct layout_digest *out);

/*
 * Where a log file or a digest belongs: its key's folder above the day,
 * without the service ("CloudTrail/", "CloudTrail-Digest/"), so that a
 * region's log files and its digests have the same one:
 * "[PREFIX/]AWSLogs/[o-ID/]ACCOUNT/REGION/". 1, or 0 (not CloudTrail's, or
 * longer than outlen).
 */
int	 layout_scope(const char *key, char *out, size_t outlen);

#endif /* GETAWSLOG_LAYOUT_H */
