/*
 * uidmap.h: uid → user name through NSS (getpwuid_r), with a bounded
 * cache that is dropped when the password file changes.
 *
 * With caching on (the default) names are kept across events and the
 * cache is dropped when `passwd_path`'s mtime, size or inode changes
 * (checked at most once a second, from uidmap_tick). With caching off
 * (pauditd's parser.enable_uid_caching: false) every event resolves its
 * uids afresh, once each. Main thread only.
 */
#ifndef PAUDITD_UIDMAP_H
#define PAUDITD_UIDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UIDMAP_UNKNOWN		"UNKNOWN_USER"
#define UIDMAP_CACHE_MAX	4096	/* entries; the cache is cleared when full */
/*
 * Budgeted (uidmap_new), NSS lookups of uids not in the cache: at most
 * this many at once, then this many a second (refilled by uidmap_tick);
 * past them a new uid is UNKNOWN_USER, counted (uidmap_over_budget), not
 * cached.
 */
#define UIDMAP_LOOKUP_BURST	4096
#define UIDMAP_LOOKUPS_PER_S	1000

struct uidmap;

/*
 * budgeted: with the cache, new uids are looked up within the budget
 * below (live, where the lookups would hold up the reading of the
 * kernel); a replay, a batch job, looks every uid up, so that its output
 * does not depend on how fast the machine went.
 */
struct uidmap *uidmap_new(bool cache, bool budgeted, const char *passwd_path);
struct uidmap *uidmap_free(struct uidmap *m);
/* Start of an event: without caching, forget the previous event's names. */
void uidmap_begin_event(struct uidmap *m);
/*
 * The user name for the uid text `uid` (as found in a record), or
 * UIDMAP_UNKNOWN. The string stays valid until the next begin_event/tick.
 */
const char *uidmap_name(struct uidmap *m, const char *uid, size_t len,
    size_t *ret_len);
/* Check the password file (at most once a second). */
void uidmap_tick(struct uidmap *m, uint64_t now_ms);
/*
 * Names stay what they are while this number does not change: it moves
 * whenever names are forgotten (a full cache, a changed password file,
 * every event without caching), and with every UNKNOWN_USER given past
 * the lookup budget, which a later event may look up. Lets a caller keep
 * text made of names.
 */
uint64_t uidmap_generation(const struct uidmap *m);
/* Lookups that went to NSS (tests, metrics). */
uint64_t uidmap_nss_lookups(const struct uidmap *m);
/* uids answered UNKNOWN_USER without a lookup, past the budget. */
uint64_t uidmap_over_budget(const struct uidmap *m);

#endif
