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

/*
 * --account-id and --trail-region: the accounts and the regions a run
 * takes (Wazuh's aws_account_id and regions), each of at most
 * LAYOUT_FILTER_MAX values.
 */
#define LAYOUT_FILTER_MAX	256
#define LAYOUT_REGION_MAX	32
struct layout_filter;

/*
 * Add one value or a comma-separated list of accounts (regions 0) or
 * regions (1), the filter made at the first. 0, or -1 with why in err.
 */
int	 layout_filter_add(struct layout_filter **, int regions,
	    const char *arg, char *err, size_t errlen);

/*
 * Is path (a folder, ending in '/', or a key) wanted? Every one when the
 * filter is NULL. A folder above the accounts or outside the layout is
 * (the layout may lie below it); a key only when it lies under an account
 * and a region asked for (keys outside the layout are not). The values a
 * wanted path matches are marked.
 */
int	 layout_filter_wanted(struct layout_filter *, const char *path);

/*
 * The values no path matched, "--account-id ID, --trail-region R", into
 * buf (cut to fit); how many.
 */
size_t	 layout_filter_unmatched(const struct layout_filter *, char *buf,
	    size_t len);
void	 layout_filter_free(struct layout_filter *);

#endif /* GETAWSLOG_LAYOUT_H */
